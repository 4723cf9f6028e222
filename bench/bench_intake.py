"""Benchmark of the intake steps (01_anonymize + 02_clean) at growing demo sizes.

    .venv/bin/python bench/bench_intake.py                # scales 1 10 100
    .venv/bin/python bench/bench_intake.py --scales 1 10

Each scale is generated once into a temporary project root (not timed), then 01 and 02
run in a fresh process whose wall time per step and peak resident memory (the process
and, separately, its scrubbing workers) are measured. Results are printed as a Markdown
table and appended to ``bench/results/intake.csv``. Target (issue 2): x100 (about 2M
leads) in under 3 minutes and 6 GB on 2 cores.
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

HERE = Path(__file__).resolve().parent
ENGAGEMENT = "demo"


def run_steps(root: Path) -> dict:
    """01 and 02 on the engagement under ``root``; times in seconds, peaks in MB."""
    from cjm.privacy.anonymize import run_anonymize
    from cjm.steps.clean import run_clean
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths

    params, paths = load_params(ENGAGEMENT, root), EngagementPaths(ENGAGEMENT, root)
    t0 = time.perf_counter()
    run_anonymize(params, paths)
    t1 = time.perf_counter()
    result = run_clean(params, paths)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    deals = int(result.duplicates.set_index("table").loc["deals", "rows_kept"])
    return {"anonymize_s": round(t1 - t0, 1), "clean_s": round(t2 - t1, 1), "total_s": round(t2 - t0, 1),
            "peak_mb": round(peak), "worker_peak_mb": round(workers), "deals": deals,
            "touches": int(result.duplicates.set_index("table").loc["touches", "rows_kept"])}


def point_params_at_csv(root: Path) -> None:
    """Above scale 1 the generator writes every table as CSV (xlsx caps at 1M rows)."""
    import yaml

    path = root / "params" / f"{ENGAGEMENT}.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw = root / "data" / ENGAGEMENT / "raw"
    for source in params["sources"].values():
        csv_file = Path(source["file"]).with_suffix(".csv")
        if not (raw / source["file"]).exists() and (raw / csv_file).exists():
            source["file"], source["format"] = str(csv_file), {"encoding": "cp1251", "sep": ";"}
    path.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")


def generate(scale: int, root: Path) -> float:
    """The demo engagement at ``scale`` under the project root ``root``, its params pointed
    at the generated files; seconds taken."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE.parent / "params" / f"{ENGAGEMENT}.yaml", root / "params")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "demo", ENGAGEMENT, "--scale", str(scale), "--root", str(root)],
                   check=True, stdout=subprocess.DEVNULL)
    point_params_at_csv(root)
    return time.perf_counter() - t0


def run_intake(root: Path) -> dict:
    """01 and 02 on ``root`` in a fresh process: their figures (see :func:`run_steps`)."""
    out = subprocess.run([sys.executable, str(HERE / "bench_intake.py"), "--run", str(root)],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"01 + 02 failed under {root}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def record(name: str, rows: list[dict]) -> None:
    """Append ``rows`` to ``bench/results/<name>.csv`` with the time and machine, and print
    them as a Markdown table."""
    stamp = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.node(),
             "cpus": len(os.sched_getaffinity(0))}
    results = HERE / "results" / f"{name}.csv"
    results.parent.mkdir(exist_ok=True)
    fieldnames = [*stamp, *rows[0]]
    if results.exists() and results.read_text().splitlines()[:1] != [",".join(fieldnames)]:
        # the bench's columns changed: keep the old figures aside, start a new file
        results.rename(results.with_name(f"{name}-{stamp['when'][:10]}-old-columns.csv"))
    new = not results.exists()
    with results.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames)
        if new:
            writer.writeheader()
        writer.writerows({**stamp, **row} for row in rows)
    print("\n| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row.values()) + " |")


def bench_scale(scale: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"cjm-bench-x{scale}-"))
    try:
        generated = generate(scale, root)
        return {"scale": scale, "generate_s": round(generated, 1), **run_intake(root)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def measure(script: str, root: Path, scale: int) -> dict:
    """``script --run ROOT`` in a fresh process: its figures, with the scale and the load average."""
    out = subprocess.run([sys.executable, script, "--run", str(root)], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"x{scale} failed:\n{out.stderr[-3000:]}")
    return {"scale": scale, "load_1m": round(os.getloadavg()[0], 1), **json.loads(out.stdout.strip().splitlines()[-1])}


def prepare_demo(prefix: str, runs: tuple[str, ...]) -> Path:
    """The demo (x1) in a temporary root, put through 01 and 02, then through ``runs``
    ("module:function" taking params and paths, e.g. "cjm.steps.segment:run_segment"); not timed."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    generate(1, root)
    run_intake(root)
    code = ("import importlib, sys; from pathlib import Path; from cjm.core.params import load_params; "
            "from cjm.core.paths import EngagementPaths; root = Path(sys.argv[1]); "
            f"params, paths = load_params({ENGAGEMENT!r}, root), EngagementPaths({ENGAGEMENT!r}, root)\n"
            "for run in sys.argv[2:]:\n"
            "    module, function = run.split(':')\n"
            "    getattr(importlib.import_module(module), function)(params, paths)")
    subprocess.run([sys.executable, "-c", code, str(root), *runs], check=True)
    return root


def copies_bench(prefix: str, runs: tuple[str, ...], tile, script: str):
    """``bench_scale`` for benches that measure copies of one prepared demo: the demo is
    prepared once (:func:`prepare_demo`); each scale copies its params, has ``tile(interim,
    target_interim, scale)`` write the tables, and runs ``script --run ROOT`` in a fresh process."""
    import atexit

    base: list[Path] = []

    def bench_scale(scale: int) -> dict:
        if not base:
            t0 = time.perf_counter()
            base.append(prepare_demo(prefix, runs))
            atexit.register(shutil.rmtree, base[0], True)
            print(f"demo prepared in {time.perf_counter() - t0:.0f} s (not timed)", file=sys.stderr, flush=True)
        root = Path(tempfile.mkdtemp(prefix=f"{prefix}x{scale}-"))
        try:
            shutil.copytree(base[0] / "params", root / "params")
            tile(base[0] / "data" / ENGAGEMENT / "interim", root / "data" / ENGAGEMENT / "interim", scale)
            return measure(script, root, scale)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    return bench_scale


def tiler(tables: dict[str, tuple[str, ...]], once: tuple[str, ...] = ()):
    """A ``tile`` for :func:`copies_bench`: each interim table of ``tables`` copied ``scale``
    times, its key columns under fresh pseudonyms (a missing key stays missing); the
    tables ``once`` copied as they are."""
    def tile(source: Path, target: Path, scale: int) -> None:
        import pandas as pd

        target.mkdir(parents=True, exist_ok=True)
        for name, keys in tables.items():
            table = pd.read_parquet(source / f"{name}.parquet")
            copies = [table.assign(**{key: table[key] + f"-{k}" for key in keys}) for k in range(scale)]
            pd.concat(copies, ignore_index=True).to_parquet(target / f"{name}.parquet")
        for name in once:
            shutil.copy(source / f"{name}.parquet", target / f"{name}.parquet")

    return tile


def cli(name: str, description: str, bench_scale, run_steps, default_scales=(1, 10, 100)) -> None:
    """A benchmark's command line: ``--scales`` to measure (each by ``bench_scale``, results
    recorded as ``name``); ``--run ROOT`` (internal) measures one prepared root in this process."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scales", type=int, nargs="+", default=list(default_scales))
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_steps(args.run)))
        return
    rows = []
    for scale in args.scales:
        rows.append(bench_scale(scale))
        print(json.dumps(rows[-1]), flush=True)
    record(name, rows)


if __name__ == "__main__":
    cli("intake", __doc__.splitlines()[0], bench_scale, run_steps)
