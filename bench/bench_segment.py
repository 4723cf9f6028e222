"""Benchmark of the segmentation step (03_segment's computing core) at growing demo sizes.

    .venv/bin/python bench/bench_segment.py                # scales 1 10 100
    .venv/bin/python bench/bench_segment.py --scales 1 10

Each scale is generated once into a temporary project root and put through 01 and 02
(neither timed: see ``bench_intake.py``). Then, in a fresh process, each step of the
segmentation is timed and its peak resident memory measured: reading the canonical
clients, deals and touches, ``build_features``, ``FeatureEncoder`` fit and transform,
``scan_k`` over k = 2..12 with stability (10 resamples), ``fit_segments`` (k-means,
k = 7) and ``assign`` of every client. A step's peak is the process's high-water mark
during that step (reset before it through ``/proc/self/clear_refs``, so it includes the
data earlier steps still hold); ``peak_mb`` is the whole run's. ``load_1m`` is the machine's
load average as the timed run ends (the run itself counts up to 2): k-means' OpenMP threads
slow down many-fold when other processes compete for the cores, so figures taken with a
load well above the cores' number overstate the steps' own cost
(``--threads 0 1`` times each scale as is and again with OMP_NUM_THREADS=1). Results are printed as a
Markdown table and appended to ``bench/results/segment.csv``. Target (issue: k-scan
2..12 with stability): x100 (about 800,000 clients) in under 3 minutes and 4 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench_intake import ENGAGEMENT, _point_params_at_csv

HERE = Path(__file__).resolve().parent
SEED, K, KS = 2025, 7, range(2, 13)
SECTION = {
    "features": {"age": 1, "amount": 1, "down_payment_share": 1, "term_months": 1, "gender": 0.5, "capital": 0.5},
    "describe": ["region", "acquisition_channel", "monthly_payment", "days_to_deal", "touches", "online_share"],
    "capital": "г. Минск",
    "online_channels": ["E-mail", "Viber", "Telegram", "Сайт", "Личный кабинет"],
    "fit_rows": 20000,
}
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

    from cjm.paths import EngagementPaths
    from cjm.segment import FeatureEncoder, assign, build_features, fit_segments, scan_k

    interim = EngagementPaths(ENGAGEMENT, root).interim
    figures, state, overall = {}, {}, _peak_mb()

    def read():
        state["clients"] = pd.read_parquet(interim / "clients.parquet")
        state["deals"] = pd.read_parquet(interim / "deals.parquet")
        state["touches"] = pd.read_parquet(interim / "touches.parquet", columns=["client_id", "channel", "at"])

    def features():
        state["features"] = build_features(state["clients"], state["deals"], state["touches"], SECTION)

    def encode():
        state["Z"] = FeatureEncoder(SECTION["features"]).fit(state["features"]).transform(state["features"])

    def scan():
        state["scan"] = scan_k(state["Z"], KS, seed=SEED)

    def fit():
        state["model"] = fit_segments(state["features"], SECTION, K, "kmeans", SEED)

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


def prepare(scale: int, root: Path) -> float:
    """Generate the demo at ``scale`` under ``root`` and run 01 + 02 there; seconds taken."""
    t0 = time.perf_counter()
    (root / "params").mkdir()
    shutil.copy(HERE.parent / "params" / f"{ENGAGEMENT}.yaml", root / "params")
    subprocess.run([sys.executable, "-m", "cjm.demo", ENGAGEMENT, "--scale", str(scale), "--root", str(root)],
                   check=True, stdout=subprocess.DEVNULL)
    _point_params_at_csv(root)
    out = subprocess.run([sys.executable, str(HERE / "bench_intake.py"), "--run", str(root)],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"x{scale}: 01 + 02 failed:\n{out.stderr[-3000:]}")
    return time.perf_counter() - t0


def bench_scale(scale: int, threads: list[int]) -> list[dict]:
    """One row per thread setting (0: OMP_NUM_THREADS unset), all on one generated root."""
    root = Path(tempfile.mkdtemp(prefix=f"cjm-bench-seg-x{scale}-"))
    try:
        prepared = prepare(scale, root)
        print(f"x{scale}: demo generated and put through 01 + 02 in {prepared:.0f} s (not timed)",
              file=sys.stderr, flush=True)
        rows = []
        for n in threads:
            env = {**os.environ, **({"OMP_NUM_THREADS": str(n)} if n else {})}
            out = subprocess.run([sys.executable, __file__, "--run", str(root)], capture_output=True, text=True,
                                 env=env)
            load = round(os.getloadavg()[0], 1)
            if out.returncode:
                sys.exit(f"x{scale} failed:\n{out.stderr[-3000:]}")
            rows.append({"scale": scale, "threads": n or "default", "load_1m": load,
                         **json.loads(out.stdout.strip().splitlines()[-1])})
            print(json.dumps(rows[-1]), flush=True)
        return rows
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--threads", type=int, nargs="+", default=[0],
                        help="OMP_NUM_THREADS of the timed process, one run each (0: unset, the default)")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_steps(args.run)))
        return
    rows = []
    for scale in args.scales:
        rows += bench_scale(scale, args.threads)
    stamp = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.node(),
             "cpus": len(os.sched_getaffinity(0))}
    results = HERE / "results" / "segment.csv"
    results.parent.mkdir(exist_ok=True)
    new = not results.exists()
    with results.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*stamp, *rows[0]])
        if new:
            writer.writeheader()
        writer.writerows({**stamp, **row} for row in rows)
    print("\n| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row.values()) + " |")


if __name__ == "__main__":
    main()
