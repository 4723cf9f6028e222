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


def core_times(root: Path, engagement: str, activities: bool = False, coverage: float = 0.8,
               in_stage: bool = False) -> tuple[dict, dict]:
    """06's core on the engagement under ``root``, each part timed: reading the stage history
    and the cases, ``prepare_log`` (of every activity: ``activities``), the funnel,
    directly-follows, variants (covering ``coverage`` of the cases) and (``in_stage``) times in
    stage. Returns the tables read and the seconds of each part (``<part>_s``)."""
    from cjm.analysis.funnel import directly_follows, funnel, prepare_log, stage_times, variants
    from cjm.core.io import read_table
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths

    params, paths = load_params(engagement, root), EngagementPaths(engagement, root)
    state, times = {}, {}
    steps = {
        "read": lambda: state.update(events=read_table(paths, "stage_events", ["deal_id", "stage", "entered_at"]),
                                     cases=read_table(paths, "deals")),
        "prepare": lambda: state.update(log=prepare_log(state["events"], state["cases"], params["stages"],
                                                        params["won_stage"], activities=activities)),
        "funnel": lambda: funnel(state["log"]),
        "follows": lambda: directly_follows(state["log"]),
        "variants": lambda: variants(state["log"], coverage),
        **({"times": lambda: stage_times(state["log"])} if in_stage else {}),
    }
    for name, step in steps.items():
        t0 = time.perf_counter()
        step()
        times[f"{name}_s"] = round(time.perf_counter() - t0, 2)
    return state, times


def run_steps(root: Path) -> dict:
    """The funnel core on the engagement under ``root``; times in seconds, peak in MB."""
    state, times = core_times(root, ENGAGEMENT)
    core = sum(times[f"{s}_s"] for s in ("prepare", "funnel", "follows", "variants"))
    return {"events": len(state["events"]), "deals": len(state["cases"]), **times, "core_s": round(core, 1),
            "total_s": round(core + times["read_s"], 1), "peak_mb": _peak_mb()}


if __name__ == "__main__":
    cli("funnel", __doc__.splitlines()[0], copies_bench("cjm-bench-funnel-", (), tiler(TILED), __file__), run_steps,
        default_scales=[1, 20, 192])
