"""Benchmark of 06's core on an event log (issue 21): prepare, funnel, directly-follows
graph with times, variants and time in stage at millions of events, against pm4py.

    .venv/bin/python bench/bench_eventlog_core.py               # 1, 3 and 10 million events
    .venv/bin/python bench/bench_eventlog_core.py --scales 1

The README's event-log example (``loan_process_csv``: 10,000 loan applications of
tests/shapes.py, 24 activities with SCHEDULE/START/COMPLETE transitions) is put through 01
and 02 once, not timed: 02 keeps its 92,815 COMPLETE events. For each scale (millions of
events) that stage history and its cases are copied under fresh case pseudonyms, each copy
a millisecond later, as many times as come nearest the scale (10: 108 copies, 10.0 million
events of 1.08 million cases). Then, in a fresh process, the two tables are read
(``read_s``) and 06's core is timed: ``prepare_s`` (:func:`cjm.analysis.funnel.prepare_log`
keeping every activity), ``funnel_s``, ``follows_s`` (directly-follows graph with median
times), ``variants_s`` (every variant) and ``times_s`` (time in stage); ``core_s`` is their
sum and ``peak_mb`` the process's peak resident memory. ``pm4py_s`` is pm4py 2.7 finding
the directly-follows graph and the variants of the same events, read from the same table
in a fresh process of its own (``pm4py_peak_mb``); ``ratio`` is pm4py_s over our prepare +
follows + variants, the same work (ours with the times of the edges besides). ``load_1m``
is the machine's load average as the scale ran (other processes share the cores). Both run
without numpy's huge pages, as make runs the steps (``NUMPY_MADVISE_HUGEPAGE=0``). Results
are printed as a Markdown table and appended to ``bench/results/eventlog_core.csv``.
Target (issue 21): 10 million events in under 13 s and 3 GB on 2 cores, 10x pm4py at least.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_eventlog import ENGAGEMENT, _child, generate
from bench_funnel import core_times
from bench_intake import cli, measure
from bench_segment import _peak_mb

TABLES = ("stage_events", "deals")
# ours and pm4py in the environment make gives the steps (see the Makefile)
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
_base: list[Path] = []


def prepare_base(root: Path) -> dict:
    """The event-log engagement under ``root`` through 01 and 02; seconds taken."""
    from cjm.privacy.anonymize import run_anonymize
    from cjm.steps.clean import run_clean
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths

    t0 = time.perf_counter()
    generate(1, root)
    params, paths = load_params(ENGAGEMENT, root), EngagementPaths(ENGAGEMENT, root)
    run_anonymize(params, paths)
    run_clean(params, paths)
    return {"base_s": round(time.perf_counter() - t0, 1)}


def tile(base: Path, root: Path, millions: int) -> None:
    """``base``'s stage history and cases copied under ``root`` to about ``millions`` million
    events: copy ``k`` has its case pseudonyms suffixed ``-k`` and its times ``k`` ms later."""
    import pandas as pd

    from cjm.core.paths import EngagementPaths

    source, target = EngagementPaths(ENGAGEMENT, base).interim, EngagementPaths(ENGAGEMENT, root).interim
    target.mkdir(parents=True)
    shutil.copytree(base / "params", root / "params")
    events, cases = (pd.read_parquet(source / f"{name}.parquet") for name in TABLES)
    copies = max(1, round(millions * 1_000_000 / len(events)))
    pd.concat([events.assign(deal_id=events["deal_id"] + f"-{k}",
                             entered_at=events["entered_at"] + pd.Timedelta(milliseconds=k))
               for k in range(copies)], ignore_index=True).to_parquet(target / "stage_events.parquet")
    pd.concat([cases.assign(deal_id=cases["deal_id"] + f"-{k}") for k in range(copies)],
              ignore_index=True).to_parquet(target / "deals.parquet")


def run_steps(root: Path) -> dict:
    """06's core on the tables under ``root``: times in seconds, peak in MB."""
    state, times = core_times(root, ENGAGEMENT, activities=True, coverage=1.0, in_stage=True)
    core = sum(times[f"{name}_s"] for name in ("prepare", "funnel", "follows", "variants", "times"))
    return {"events": len(state["events"]), "cases": len(state["cases"]), **times, "core_s": round(core, 2),
            "paths_s": round(times["prepare_s"] + times["follows_s"] + times["variants_s"], 2),
            "peak_mb": _peak_mb()}


def run_reference(root: Path) -> dict:
    """pm4py's directly-follows graph and variants of the stage history under ``root``."""
    import pm4py

    from cjm.core.io import read_table
    from cjm.core.paths import EngagementPaths

    events = read_table(EngagementPaths(ENGAGEMENT, root), "stage_events", ["deal_id", "stage", "entered_at"])
    t0 = time.perf_counter()
    log = pm4py.format_dataframe(events, case_id="deal_id", activity_key="stage", timestamp_key="entered_at")
    pm4py.discover_dfg(log)
    pm4py.get_variants(log)
    return {"pm4py_s": round(time.perf_counter() - t0, 2), "pm4py_peak_mb": _peak_mb()}


def bench_scale(millions: int) -> dict:
    if not _base:
        _base.append(Path(tempfile.mkdtemp(prefix="cjm-bench-eventlog-core-")))
        atexit.register(shutil.rmtree, _base[0], True)
        print(f"01 + 02 of the base log: {_child('--base', _base[0], script=__file__)}", file=sys.stderr, flush=True)
    root = Path(tempfile.mkdtemp(prefix=f"cjm-bench-eventlog-core-{millions}m-"))
    try:
        tile(_base[0], root, millions)
        ours = measure(__file__, root, millions)
        reference = _child("--reference", root, script=__file__)
        return {**ours, **reference, "ratio": round(reference["pm4py_s"] / max(ours["paths_s"], 0.01), 1)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] in ("--base", "--reference"):
        import json

        root = Path(sys.argv[2])
        print(json.dumps(prepare_base(root) if sys.argv[1] == "--base" else run_reference(root)))
    else:
        cli("eventlog_core", __doc__.splitlines()[0], bench_scale, run_steps, default_scales=[1, 3, 10])
