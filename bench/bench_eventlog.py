"""Benchmark of the event-log engagement from the raw export through 06: a loan-application
process log at growing numbers of events, against pm4py on the same events.

    .venv/bin/python bench/bench_eventlog.py                 # scales 7 22 72
    .venv/bin/python bench/bench_eventlog.py --scales 1 7

The README's event-log example (``loan_process``, read from CSV) is laid in a temporary
root with a log of 10,000 applications (tests/shapes.py, about 137,000 events with
SCHEDULE/START/COMPLETE transitions) repeated ``scale`` times under fresh case ids, each
copy a millisecond later (every time distinct, as in a real log), so x72 is 9.9 million
raw events of 720,000 cases (not timed). Then, in a fresh process, 01
(``anonymize_s``: read the CSV in blocks, pseudonymize cases and resources), 02
(``clean_s``: parse the ISO 8601 times with their UTC offsets, keep COMPLETE events, make
the cases from the log) and 06 (``funnel_s``: funnel, breakdowns, times, every activity's
variants and directly-follows graph, written) are timed; ``peak_mb`` is the process's
peak resident memory. ``pm4py_s`` is pm4py 2.7 finding the directly-follows graph and
the variants of the same COMPLETE events (read from 02's table, in a fresh process of its
own, ``pm4py_peak_mb``), and ``ours_s`` our ``prepare_log`` + ``directly_follows`` +
``variants`` on them, in the first process: ``ratio`` is pm4py_s / ours_s. Results are
printed as a Markdown table and appended to ``bench/results/eventlog.csv``. Target (issue
16): 10 million events through 06 on 2 cores, in minutes and within the machine's memory.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_intake import HERE, cli, measure
from bench_segment import _peak_mb

ENGAGEMENT = "loan_process_csv"
BASE_CASES = 10_000


def generate(scale: int, root: Path) -> float:
    """The engagement with its log repeated ``scale`` times under ``root``; seconds taken."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import shapes
    from engagements import make_engagement

    t0 = time.perf_counter()
    make_engagement(root, ENGAGEMENT, params=None, scale=0.01)  # params and folders; the log is replaced
    raw = root / "data" / ENGAGEMENT / "raw"
    base = shapes.event_log(raw, cases=BASE_CASES, seed=17, formats=("csv",))["events"]
    log = shapes.tile_event_log(base, scale, shift=True)
    log.to_csv(raw / "applications.csv", index=False)
    return time.perf_counter() - t0


def run_steps(root: Path) -> dict:
    """01, 02 and 06 on the engagement under ``root``, then the paths of its events alone."""
    from cjm.privacy.anonymize import run_anonymize
    from cjm.steps.clean import run_clean
    from cjm.analysis.funnel import directly_follows, prepare_log, variants
    from cjm.steps.funnel import run_funnel
    from cjm.core.io import read_table
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths

    params, paths = load_params(ENGAGEMENT, root), EngagementPaths(ENGAGEMENT, root)
    times, results = {}, {}
    for name, step in (("anonymize", run_anonymize), ("clean", run_clean), ("funnel", run_funnel)):
        t0 = time.perf_counter()
        results[name] = step(params, paths)
        times[f"{name}_s"] = round(time.perf_counter() - t0, 1)
    read = results["clean"].duplicates.set_index("table").loc["stage_events"]
    events = read_table(paths, "stage_events", ["deal_id", "stage", "entered_at"])
    deals = read_table(paths, "deals")
    t0 = time.perf_counter()
    log = prepare_log(events, deals, params["stages"], params["won_stage"], activities=True)
    directly_follows(log)
    variants(log, 1.0)
    return {"raw_events": int(read["rows_read"]), "events": len(events), "cases": len(deals), **times,
            "total_s": round(sum(times.values()), 1), "peak_mb": _peak_mb(),
            "ours_s": round(time.perf_counter() - t0, 2)}


def run_reference(root: Path) -> dict:
    """pm4py's directly-follows graph and variants of 02's events under ``root``."""
    import pandas as pd
    import pm4py

    from cjm.core.io import read_table
    from cjm.core.paths import EngagementPaths

    events = read_table(EngagementPaths(ENGAGEMENT, root), "stage_events", ["deal_id", "stage", "entered_at"])
    t0 = time.perf_counter()
    log = pm4py.format_dataframe(events.assign(entered_at=pd.to_datetime(events["entered_at"])), case_id="deal_id",
                                 activity_key="stage", timestamp_key="entered_at")
    pm4py.discover_dfg(log)
    pm4py.get_variants(log)
    return {"pm4py_s": round(time.perf_counter() - t0, 2), "pm4py_peak_mb": _peak_mb()}


def bench_scale(scale: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"cjm-bench-eventlog-x{scale}-"))
    try:
        generated = _child("--generate", root, str(scale))  # apart, so no process below inherits its memory
        ours = measure(__file__, root, scale)
        reference = _child("--reference", root)
        return {**ours, **generated, **reference, "ratio": round(reference["pm4py_s"] / max(ours["ours_s"], 0.01), 1)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _child(flag: str, root: Path, *args: str, script: str = __file__) -> dict:
    """``script`` (this one) with ``flag`` in a fresh process: the figures it prints."""
    import json
    import subprocess

    out = subprocess.run([sys.executable, script, flag, str(root), *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{flag} failed under {root}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] in ("--generate", "--reference"):
        import json

        root = Path(sys.argv[2])
        print(json.dumps({"generate_s": round(generate(int(sys.argv[3]), root), 1)} if sys.argv[1] == "--generate"
                         else run_reference(root)))
    else:
        cli("eventlog", __doc__.splitlines()[0], bench_scale, run_steps, default_scales=[7, 22, 72])
