"""Benchmark of the survey step (04_survey end to end) at growing numbers of responses.

    .venv/bin/python bench/bench_survey.py                # scales 1 10 72 720
    .venv/bin/python bench/bench_survey.py --scales 1 72

The demo engagement is generated once into a temporary project root and put through 01,
02 and 03 (not timed). For each scale its survey (1,400 rows, with the planted mess:
speeders, repeat answers, worded and out-of-range scores, unknown options) is copied
``scale`` times under fresh respondent and client pseudonyms, with the clients' segments,
deals and post-deal NPS copied alike, so x72 is about 100,000 responses. Then, in a fresh
process, ``run_survey`` is timed (reading the tables, screening, reading answers, NPS by
segment and months, CSAT, choice shares and tests, key drivers with 200 bootstrap
resamples, writing the outputs), and the key-driver analysis alone; ``peak_mb`` is the
process's peak resident memory. Results are printed as a Markdown table and appended to
``bench/results/survey.csv``. Target (issue 4): 100,000 responses in under 30 s on 2 cores.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench_intake import ENGAGEMENT, cli, copies_bench, tiler
from bench_segment import _peak_mb

TILED = {"survey": ("respondent_id", "client_id"), "segments": ("client_id",), "deals": ("deal_id", "client_id"),
         "post_deal_nps": ("deal_id", "client_id")}


def run_steps(root: Path) -> dict:
    """04 on the engagement under ``root``; times in seconds, peak in MB."""
    import pandas as pd

    from cjm.analysis.drivers import key_drivers
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths
    from cjm.analysis.survey import read_answers
    from cjm.steps.survey import run_survey

    params, paths = load_params(ENGAGEMENT, root), EngagementPaths(ENGAGEMENT, root)
    section = params["survey"]
    t0 = time.perf_counter()
    result = run_survey(params, paths)
    t1 = time.perf_counter()
    scores = read_answers(pd.read_parquet(paths.table("survey")), section).scores
    t2 = time.perf_counter()
    key_drivers(scores, "nps", list(section["csat"]), section["driver_resamples"], random_state=params["seed"])
    t3 = time.perf_counter()
    return {"responses": int(result.screening["rows"].iloc[:2].sum() + result.groups["respondents"].sum()),
            "kept": int(result.groups["respondents"].sum()), "survey_s": round(t1 - t0, 1),
            "drivers_s": round(t3 - t2, 1), "peak_mb": _peak_mb()}


if __name__ == "__main__":
    cli("survey", __doc__.splitlines()[0], copies_bench("cjm-bench-survey-", ("cjm.steps.segment:run_segment",), tiler(TILED),
                                                      __file__),
        run_steps, default_scales=[1, 10, 72, 720])
