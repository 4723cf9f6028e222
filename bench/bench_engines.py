"""Benchmark of 06's engines (issue 22): an event log as a folder of parquet files, at tens
and hundreds of millions of events, through duckdb, pandas and spark.

    .venv/bin/python bench/bench_engines.py        # duckdb at 100M, pandas and duckdb at 10M, spark local[2] at 10M
    .venv/bin/python bench/bench_engines.py --runs duckdb:1 pandas:1

The README's event-log example (``loan_process_csv``: 10,000 loan applications of
tests/shapes.py, 24 activities with SCHEDULE/START/COMPLETE transitions) is put through 01 and
02 once, not timed: 02 keeps its 92,815 COMPLETE events. For each size (millions of events)
that stage history is copied under fresh case pseudonyms, each copy a millisecond later, into
a folder of parquet files of about a million events each, as a warehouse exports it (100: 1,077
copies, 100.0 million events of 10.8 million cases in 108 files), and its cases into one
parquet file. The folder is written copy by copy: the generator never holds the log.

Then, in a fresh process, 06's core runs on the engine: ``open_s`` (the engine started; for
spark, the JVM), ``prepare_s`` (the log read, coded and checked against its cases:
:func:`cjm.analysis.enginelog.prepare_engine_log`, or :func:`cjm.analysis.funnel.prepare_log`
after reading the folder into pandas, keeping every activity), ``funnel_s``, ``follows_s``
(directly-follows graph with median times), ``variants_s`` (every variant) and ``times_s``
(time in stage); ``core_s`` is their sum. ``peak_mb`` is the peak resident memory of the
process and its children (spark's JVM), sampled every 0.1 s. ``load_1m`` is the machine's
load average as the run went. Results are printed as a Markdown table and appended to
``bench/results/engines.csv``. Target (issue 22): 100 million events through duckdb in under
3 minutes and 4 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_eventlog import ENGAGEMENT, _child
from bench_eventlog_core import prepare_base
from bench_intake import record

# the environment make gives the steps (see the Makefile)
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
EVENTS_PER_FILE = 1_000_000
DEFAULT_RUNS = ("pandas:10", "duckdb:10", "spark:10", "duckdb:100")
#: the engines in the bench: DuckDB spills beyond 1.5 GB, so that with the cases (10.8 million at
#: 100M events) in pandas beside it the process stays within the issue's 4 GB; Spark on the 2
#: cores with a driver (its executor, locally) of 3 GB: at 1.5 GB a task ran out of memory at 10M
#: events and the job waited for it for ever
MEMORY_LIMIT = {"duckdb": "1500MB", "spark": "3GB"}
SPARK_MASTER = "local[2]"


def write_log(base: Path, folder: Path, millions: int) -> dict:
    """``base``'s stage history and cases copied to about ``millions`` million events:
    ``folder/stage_events/part-NNNNN.parquet`` (copy ``k``: case pseudonyms suffixed ``-k``,
    times ``k`` ms later) and ``folder/deals.parquet``."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cjm.core.paths import EngagementPaths

    interim = EngagementPaths(ENGAGEMENT, base).interim
    events = pd.read_parquet(interim / "stage_events.parquet", columns=["deal_id", "stage", "entered_at"])
    cases = pd.read_parquet(interim / "deals.parquet")
    copies = max(1, round(millions * 1_000_000 / len(events)))
    per_file = max(1, EVENTS_PER_FILE // len(events))
    (folder / "stage_events").mkdir(parents=True)
    writer = None
    for first in range(0, copies, per_file):
        part = range(first, min(first + per_file, copies))
        pd.concat([events.assign(deal_id=events["deal_id"] + f"-{k}",
                                 entered_at=events["entered_at"] + pd.Timedelta(milliseconds=k)) for k in part],
                  ignore_index=True).to_parquet(folder / "stage_events" / f"part-{first // per_file:05d}.parquet")
        table = pa.Table.from_pandas(pd.concat([cases.assign(deal_id=cases["deal_id"] + f"-{k}") for k in part],
                                               ignore_index=True), preserve_index=False)
        writer = writer or pq.ParquetWriter(folder / "deals.parquet", table.schema)
        writer.write_table(table)
    writer.close()
    return {"events": copies * len(events), "cases": copies * len(cases),
            "files": len(list((folder / "stage_events").glob("*.parquet")))}


class PeakMemory:
    """The peak resident memory of this process and its children, sampled in a thread."""

    def __init__(self, every: float = 0.1):
        import psutil

        self.process, self.every, self.peak = psutil.Process(), every, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree))
            except Exception:  # a child ended between listing and reading
                pass
            self._done.wait(self.every)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return round(self.peak / 2 ** 20)


def run_core(folder: Path, engine_kind: str) -> dict:
    """06's core on the log in ``folder`` with ``engine_kind``: seconds per part, peak MB."""
    import pandas as pd

    from cjm.analysis.funnel import directly_follows, funnel, prepare_log, stage_times, variants
    from cjm.core.params import load_params

    memory = PeakMemory()
    params = load_params(ENGAGEMENT, folder)
    state, times = {}, {}

    def start() -> None:
        if engine_kind != "pandas":
            from cjm.core.engines import open_engine

            state["engine"] = open_engine(engine_kind, memory_limit=MEMORY_LIMIT[engine_kind], master=SPARK_MASTER,
                                          temp_directory=str(folder / "spill"))

    def prepare() -> None:
        cases = pd.read_parquet(folder / "deals.parquet")
        if engine_kind == "pandas":
            events = pd.read_parquet(folder / "stage_events", columns=["deal_id", "stage", "entered_at"])
            state["log"] = prepare_log(events, cases, params["stages"], params["won_stage"], activities=True)
            return
        from cjm.analysis.enginelog import prepare_engine_log

        state["engine"].read("stage_events", folder / "stage_events")
        state["log"] = prepare_engine_log(state["engine"], "stage_events", cases, params["stages"],
                                          params["won_stage"], activities=True)

    steps = {"open": start, "prepare": prepare, "funnel": lambda: funnel(state["log"]),
             "follows": lambda: directly_follows(state["log"]), "variants": lambda: variants(state["log"], 1.0),
             "times": lambda: stage_times(state["log"])}
    for name, step in steps.items():
        t0 = time.perf_counter()
        step()
        times[f"{name}_s"] = round(time.perf_counter() - t0, 2)
    if "engine" in state:
        state["engine"].close()
    core = sum(times[f"{name}_s"] for name in ("prepare", "funnel", "follows", "variants", "times"))
    return {**times, "core_s": round(core, 1), "peak_mb": memory.stop()}


def bench_run(base: Path, engine_kind: str, millions: int, logs: dict) -> dict:
    """One engine at one size; the log is written once a size and shared by the engines."""
    if millions not in logs:
        folder = Path(tempfile.mkdtemp(prefix=f"cjm-bench-engines-{millions}m-"))
        atexit.register(shutil.rmtree, folder, True)
        shutil.copytree(base / "params", folder / "params")
        t0 = time.perf_counter()
        logs[millions] = (folder, {**write_log(base, folder, millions), "write_s": round(time.perf_counter() - t0)})
    folder, shape = logs[millions]
    out = subprocess.run([sys.executable, __file__, "--core", str(folder), engine_kind], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{engine_kind} at {millions}M failed:\n{out.stderr[-3000:]}")
    return {"engine": engine_kind, "millions": millions, **shape, "load_1m": round(os.getloadavg()[0], 1),
            **json.loads(out.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", default=list(DEFAULT_RUNS), help="engine:millions, in order")
    parser.add_argument("--core", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--base", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.core:
        print(json.dumps(run_core(Path(args.core[0]), args.core[1])))
        return
    if args.base:
        print(json.dumps(prepare_base(args.base)))
        return
    base = Path(tempfile.mkdtemp(prefix="cjm-bench-engines-base-"))
    atexit.register(shutil.rmtree, base, True)
    print(f"01 + 02 of the base log: {_child('--base', base, script=__file__)}", file=sys.stderr, flush=True)
    rows, logs = [], {}
    for run in args.runs:
        engine_kind, millions = run.split(":")
        rows.append(bench_run(base, engine_kind, int(millions), logs))
        print(json.dumps(rows[-1]), flush=True)
        for size in [m for m in logs if all(int(r.split(":")[1]) != m for r in args.runs[len(rows):])]:
            shutil.rmtree(logs.pop(size)[0], ignore_errors=True)  # no later run needs this size
    record("engines", rows)


if __name__ == "__main__":
    main()
