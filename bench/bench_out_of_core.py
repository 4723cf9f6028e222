"""Benchmark of 01 and 02 on a stage log exported as a folder of parquet files (out of core:
streamed by record batches, cleaned in DuckDB), against the same log as one CSV (the pandas path).

    .venv/bin/python bench/bench_out_of_core.py                # scales 1 4 16
    .venv/bin/python bench/bench_out_of_core.py --scales 1 64

The README's event-log example (``loan_process``) is laid in a temporary root with a log of
10,000 applications (tests/shapes.py, about 137,000 events) repeated ``scale`` times under
fresh case ids, each copy a millisecond later: written as a folder of parquet files, one
per copy (engagement ``loan_parquet``, ``file: applications``), and as a CSV
(``loan_csv``; not timed). Each engagement then goes through 01 and through 02, each step in
a fresh process: ``<format>_<step>_s`` and ``<format>_<step>_mb`` are its time and peak
resident memory (01 ``anonymize``, 02 ``clean``; format ``parquet`` for the folder, ``csv``).
The folder's 01 holds a block of rows at a time and its 02 hands the log to DuckDB, whose
memory is capped by ``funnel.memory_limit`` (set to ``MEMORY_LIMIT`` here: beyond it DuckDB
spills to disk); the CSV's 02 holds the whole log. Results are printed as a Markdown table
and appended to ``bench/results/out_of_core.csv``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_intake import HERE, cli
from bench_segment import _peak_mb

BASE_CASES = 10_000
ENGAGEMENTS = {"loan_parquet": "applications", "loan_csv": "applications.csv"}
#: DuckDB's memory in 02 (``funnel.memory_limit``).
MEMORY_LIMIT = "500MB"


def generate(scale: int, root: Path) -> None:
    """Both engagements under ``root``, their logs the base log repeated ``scale`` times."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import shapes
    from engagements import readme_params

    for name, file in ENGAGEMENTS.items():
        text = readme_params()["loan_process"].replace("engagement: loan_process", f"engagement: {name}")
        text = text.replace("funnel:\n", f"funnel:\n  memory_limit: {MEMORY_LIMIT}\n")
        (root / "params").mkdir(exist_ok=True)
        (root / "params" / f"{name}.yaml").write_text(text.replace("applications.xes.gz", file), encoding="utf-8")
    raw = root / "data" / "loan_parquet" / "raw"
    base = shapes.event_log(raw, cases=BASE_CASES, seed=17, formats=("csv",))["events"]
    (raw / "applications.csv").unlink()
    log = shapes.tile_event_log(base, scale, shift=True)
    (raw / "applications").mkdir()
    for copy, rows in enumerate(range(0, len(log), len(base))):
        log.iloc[rows:rows + len(base)].to_parquet(raw / "applications" / f"copy-{copy:04d}.parquet", index=False)
    (root / "data" / "loan_csv" / "raw").mkdir(parents=True)
    log.to_csv(root / "data" / "loan_csv" / "raw" / "applications.csv", index=False)


def run_step(root: Path, engagement: str, step: str) -> dict:
    """01 (``anonymize``) or 02 (``clean``) of ``engagement`` under ``root``: seconds, peak MB, and
    after 02 the events read and kept."""
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths
    from cjm.privacy.anonymize import run_anonymize
    from cjm.steps.clean import run_clean

    params, paths = load_params(engagement, root), EngagementPaths(engagement, root)
    t0 = time.perf_counter()
    result = (run_anonymize if step == "anonymize" else run_clean)(params, paths)
    figures = {"seconds": round(time.perf_counter() - t0, 1), "peak_mb": _peak_mb()}
    if step == "clean":
        read = result.duplicates.set_index("table").loc["stage_events"]
        figures.update(events=int(read["rows_read"]), kept=int(read["rows_kept"]))
    return figures


def bench_scale(scale: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"cjm-bench-out-of-core-x{scale}-"))
    try:
        _child("--generate", root, str(scale))  # apart, so no process below inherits its memory
        row, kept = {"scale": scale}, {}
        for name, fmt in (("loan_parquet", "parquet"), ("loan_csv", "csv")):
            for step in ("anonymize", "clean"):
                figures = _child("--step", root, name, step)
                row.update({f"{fmt}_{step}_s": figures["seconds"], f"{fmt}_{step}_mb": figures["peak_mb"]})
            kept[fmt] = (figures["events"], figures["kept"])
        if kept["parquet"] != kept["csv"]:
            sys.exit(f"x{scale}: events read and kept by the folder's path {kept['parquet']}, by the CSV's {kept['csv']}")
        return {"scale": scale, "events": kept["csv"][0], **row}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _child(flag: str, root: Path, *args: str) -> dict:
    """This script with ``flag`` in a fresh process: the figures it prints."""
    out = subprocess.run([sys.executable, __file__, flag, str(root), *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{flag} failed under {root}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--generate":
        generate(int(sys.argv[3]), Path(sys.argv[2]))
        print(json.dumps({}))
    elif len(sys.argv) >= 5 and sys.argv[1] == "--step":
        print(json.dumps(run_step(Path(sys.argv[2]), sys.argv[3], sys.argv[4])))
    else:
        cli("out_of_core", __doc__.splitlines()[0], bench_scale, None, default_scales=[1, 4, 16])
