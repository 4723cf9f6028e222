"""Benchmark of the segmentation step (03_segment's computing core) at growing demo sizes.

    .venv/bin/python bench/bench_segment.py                # scales 1 10 100
    .venv/bin/python bench/bench_segment.py --scales 1 10

Each scale is generated once into a temporary project root and put through 01 and 02
(neither timed: see ``bench_intake.py``). Then, in a fresh process, each step of the
segmentation is timed and its peak resident memory measured, with the demo params'
``segment`` section: reading the canonical clients, deals and touches,
``build_features``, ``FeatureEncoder`` fit and transform, ``scan_k`` over its k range
with stability, ``fit_segments`` (k-means, the planted k = 7) and ``assign`` of every
client. A step's peak is the process's high-water mark during that step (reset before
it through ``/proc/self/clear_refs``, so it includes the data earlier steps still hold);
``peak_mb`` is the whole run's. ``load_1m`` is the machine's load average as the timed
run ends (the run itself counts up to 1: its fits are single-threaded). Results are
printed as a Markdown table and appended to ``bench/results/segment.csv``. Target
(issue 3): x100 (about 800,000 clients) in under 3 minutes and 4 GB on 2 cores.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_intake import ENGAGEMENT, cli, generate, measure, run_intake

HERE = Path(__file__).resolve().parent
K = 7
STEPS = ("read", "features", "encode", "scan", "fit", "assign")


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _reset_peak() -> bool:
    """Lower the high-water mark to the current resident size; False where the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def run_steps(root: Path) -> dict:
    """The segmentation steps on the engagement under ``root``; times in seconds, peaks in MB."""
    import pandas as pd

    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths
    from cjm.analysis.segment import FeatureEncoder, assign, build_features, fit_segments, scan_k

    params = load_params(ENGAGEMENT, root)
    section, seed = params["segment"], params["seed"]
    interim = EngagementPaths(ENGAGEMENT, root).interim
    figures, state, overall = {}, {}, _peak_mb()

    def read():
        state["clients"] = pd.read_parquet(interim / "clients.parquet")
        state["deals"] = pd.read_parquet(interim / "deals.parquet")
        state["touches"] = pd.read_parquet(interim / "touches.parquet", columns=["client_id", "channel", "at"])

    def features():
        state["features"] = build_features(state["clients"], state["deals"], state["touches"], section)

    def encode():
        state["Z"] = FeatureEncoder(section["features"]).fit(state["features"]).transform(state["features"])

    def scan():
        state["scan"] = scan_k(state["Z"], range(section["k_min"], section["k_max"] + 1), seed,
                               section["resamples"], fit_rows=section["fit_rows"])

    def fit():
        state["model"] = fit_segments(state["features"], section, K, "kmeans", seed)

    def assign_all():
        state["labels"] = assign(state["model"], state["features"])

    start = time.perf_counter()
    for name, step in zip(STEPS, (read, features, encode, scan, fit, assign_all)):
        exact = _reset_peak()
        t0 = time.perf_counter()
        step()
        figures[f"{name}_s"] = round(time.perf_counter() - t0, 1)
        figures[f"{name}_mb"] = _peak_mb()  # without a reset: the running high-water mark
        overall = max(overall, figures[f"{name}_mb"])
    total = time.perf_counter() - start
    stability = state["scan"].set_index("k")["stability"]
    return {"clients": len(state["features"]), **{k: v for k, v in figures.items() if k.endswith("_s")},
            "total_s": round(total, 1), "peak_mb": overall,
            **{k: v for k, v in figures.items() if k.endswith("_mb")},
            "stability_k7": round(float(stability.get(K, float("nan"))), 3), "exact_step_peaks": exact}


def bench_scale(scale: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"cjm-bench-seg-x{scale}-"))
    try:
        t0 = time.perf_counter()
        generate(scale, root)
        run_intake(root)
        print(f"x{scale}: demo generated and put through 01 + 02 in {time.perf_counter() - t0:.0f} s (not timed)",
              file=sys.stderr, flush=True)
        return measure(__file__, root, scale)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    cli("segment", __doc__.splitlines()[0], bench_scale, run_steps)
