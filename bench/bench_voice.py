"""Benchmark of the coding step (05_interviews end to end) at growing amounts of text.

    .venv/bin/python bench/bench_voice.py                 # scales 1 17 170
    .venv/bin/python bench/bench_voice.py --scales 17

The demo engagement is generated once into a temporary project root and put through
01-04 (not timed). For each scale its open survey answers (599) and interview transcripts
(24) are copied ``scale`` times under fresh document ids (the mystery-shopper notes once),
so x17 is about 10,000 open answers and 400 transcripts. Then, in a fresh process,
``run_coding`` is timed (reading the tables, coding every sentence with the demo's
codebook, the summaries, quotes, inventory, emotions, candidate themes, writing the
outputs); ``peak_mb`` is the process's peak resident memory. Results are printed as a
Markdown table and appended to ``bench/results/voice.csv``. Target (issue 5): 10,000 open
answers and 50 transcripts in under 60 s on 2 cores.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench_intake import ENGAGEMENT, cli, copies_bench, tiler
from bench_segment import _peak_mb

TILED = {"survey_comments": ("respondent_id",), "interviews": ("interview_id",)}
ONCE = ("observations", "segments", "touches")


def run_steps(root: Path) -> dict:
    """05 on the engagement under ``root``; time in seconds, peak in MB."""
    from cjm.steps.interviews import run_coding
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths

    t0 = time.perf_counter()
    result = run_coding(load_params(ENGAGEMENT, root), EngagementPaths(ENGAGEMENT, root))
    seconds = time.perf_counter() - t0
    counts = result.sources.set_index("source")
    return {"open_answers": int(counts.loc["survey", "texts"]), "transcripts": int(counts.loc["interview", "documents"]),
            "sentences": int(counts["sentences"].sum()), "fragments": len(result.fragments),
            "coding_s": round(seconds, 1), "peak_mb": _peak_mb()}


if __name__ == "__main__":
    prepared = copies_bench("cjm-bench-voice-", ("cjm.steps.segment:run_segment", "cjm.steps.survey:run_survey"),
                            tiler(TILED, ONCE), __file__)
    cli("voice", __doc__.splitlines()[0], prepared, run_steps, default_scales=[1, 17, 170])
