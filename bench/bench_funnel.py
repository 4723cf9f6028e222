"""Benchmark of the funnel core of 06_funnel (funnel, directly-follows graph with times,
variants) at growing numbers of stage events.

    .venv/bin/python bench/bench_funnel.py                # scales 1 20 192
    .venv/bin/python bench/bench_funnel.py --scales 1 192

The demo engagement is generated once into a temporary project root and put through 01
and 02 (not timed). For each scale its in-scope stage history (52,100 events of 11,244
deals, with the planted mess: out-of-order times, ties, returns, skips, unknown stages,
deals without events) and its deals are copied ``scale`` times under fresh deal
pseudonyms, so x192 is 10.0 million events of 2.2 million deals. Then, in a fresh process,
each step is timed: reading the two tables (``read``), checking and ordering the log
(``prepare``: :func:`cjm.analysis.funnel.prepare_log`), the funnel, the directly-follows graph with
median times (``follows``) and the variants; ``core_s`` is prepare + funnel + follows +
variants, ``total_s`` adds the reading; ``peak_mb`` is the process's peak resident memory.
Results are printed as a Markdown table and appended to ``bench/results/funnel.csv``.
Target (issue 6): 10 million events in under 15 s and 4 GB on 2 cores.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench_intake import ENGAGEMENT, cli, copies_bench, tiler
from bench_segment import _peak_mb

TILED = {"stage_events": ("deal_id",), "deals": ("deal_id", "client_id")}


def run_steps(root: Path) -> dict:
    """The funnel core on the engagement under ``root``; times in seconds, peak in MB."""
    from cjm.analysis.funnel import directly_follows, funnel, prepare_log, variants
    from cjm.core.io import read_table
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths

    params, paths = load_params(ENGAGEMENT, root), EngagementPaths(ENGAGEMENT, root)
    times, state = {}, {}
    steps = {
        "read": lambda: state.update(events=read_table(paths, "stage_events", ["deal_id", "stage", "entered_at"]),
                                     deals=read_table(paths, "deals")),
        "prepare": lambda: state.update(log=prepare_log(state["events"], state["deals"], params["stages"],
                                                        params["won_stage"])),
        "funnel": lambda: funnel(state["log"]),
        "follows": lambda: directly_follows(state["log"]),
        "variants": lambda: variants(state["log"]),
    }
    for name, step in steps.items():
        t0 = time.perf_counter()
        step()
        times[f"{name}_s"] = round(time.perf_counter() - t0, 2)
    core = sum(times[f"{s}_s"] for s in ("prepare", "funnel", "follows", "variants"))
    return {"events": len(state["events"]), "deals": len(state["deals"]), **times, "core_s": round(core, 1),
            "total_s": round(core + times["read_s"], 1), "peak_mb": _peak_mb()}


if __name__ == "__main__":
    cli("funnel", __doc__.splitlines()[0], copies_bench("cjm-bench-funnel-", (), tiler(TILED), __file__), run_steps,
        default_scales=[1, 20, 192])
