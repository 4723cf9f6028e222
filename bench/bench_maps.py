"""Benchmark of 07 (the journey model, the posters, pages and workbooks) at growing numbers
of clients and coded fragments.

    .venv/bin/python bench/bench_maps.py                  # scales 1 10 50
    .venv/bin/python bench/bench_maps.py --scales 10

The demo engagement is generated once into a temporary project root and put through
03-06 (not timed). For each scale the per-client tables 07 reads (journeys, segments,
survey scores, coded fragments) are copied ``scale`` times under fresh pseudonyms; the
aggregated tables of 04-06 once. Then, in a fresh process, ``models_of`` (the models) and
``run_maps`` (models, posters in three formats, HTML pages, lead journey scheme, xlsx, BI
tables) are timed; ``peak_mb`` is the process's peak resident memory. Results are printed
as a Markdown table and appended to ``bench/results/maps.csv``. Target (issue 7): the
whole ``make all`` on the demo under 2 minutes, so 07 should stay within seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench_intake import ENGAGEMENT, cli, copies_bench, tiler
from bench_segment import _peak_mb

TILED = {"journeys": ("client_id",), "segments": ("client_id",), "survey_scores": ("respondent_id", "client_id"),
         "coded_fragments": ("doc_id", "client_id")}
ONCE = ("stage_funnel", "lost_reasons", "journey_lost_reasons", "stage_touches", "journey_touches",
        "journey_profiles", "lead_flows", "csat_by_stage", "survey_drivers", "code_quotes", "touchpoints",
        "stage_emotions")


def run_steps(root: Path) -> dict:
    """07 on the engagement under ``root``; times in seconds, peak in MB."""
    from cjm.steps.maps import models_of, read_inputs, run_maps
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths

    params, paths = load_params(ENGAGEMENT, root), EngagementPaths(ENGAGEMENT, root)
    tables = read_inputs(paths)
    t0 = time.perf_counter()
    models = models_of(tables, params)
    t1 = time.perf_counter()
    run_maps(params, paths)
    t2 = time.perf_counter()
    return {"clients": len(tables["journeys"]), "fragments": len(tables["coded_fragments"]), "maps": len(models),
            "model_s": round(t1 - t0, 1), "run_maps_s": round(t2 - t1, 1), "peak_mb": _peak_mb()}


if __name__ == "__main__":
    prepared = copies_bench("cjm-bench-maps-", ("cjm.steps.segment:run_segment", "cjm.steps.survey:run_survey",
                                                "cjm.steps.interviews:run_coding", "cjm.steps.funnel:run_funnel"),
                            tiler(TILED, ONCE), __file__)
    cli("maps", __doc__.splitlines()[0], prepared, run_steps, default_scales=[1, 10, 50])
