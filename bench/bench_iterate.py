"""Benchmark of iterating on an engagement (issue 21): the demo from nothing, a rerun with
nothing changed, and a changed number of segments to new maps and report, as a consultant
runs them with ``make all``.

    .venv/bin/python bench/bench_iterate.py              # warm kernels, then kernels afresh
    .venv/bin/python bench/bench_iterate.py --warm 1     # warm kernels only

The demo (x1: about 20,000 deals) is generated into a temporary project root (not timed).
For each kernel mode (``CJM_WARM_KERNEL`` 1: kernels forked from a zygote, 0: started
afresh) the bench runs ``make clean && make all``, a no-op ``make all``, then twice a change
of ``segment.n_segments`` (5 to 4 and back) followed by ``make all``. Each line make prints
is timed as it arrives, so each step's wall time is read from the runner's own start and end
lines, the report's and the leak check's from their command and result lines. Results are
printed as a Markdown table (one row per run: the total, the steps, ``load_1m``) and
appended to ``bench/results/iterate.csv``. Targets (issue 21, 2 cores): the demo under 60 s,
no-op under 1 s, a rerun's leak check under 5 s, a changed k to new maps under 30 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_intake import ENGAGEMENT, HERE, record

PROJECT = HERE.parent
STEPS = ("01_anonymize", "02_clean", "03_segment", "04_survey", "05_interviews", "06_funnel", "07_cjm")
#: What starts and ends each timed part in make's output.
STARTS = {**{step: re.compile(rf"^{step} …") for step in STEPS},
          "report": re.compile(r"-m cjm\.present\.report "), "leaks": re.compile(r"-m cjm\.privacy\.leaks ")}
ENDS = {**{step: re.compile(rf"^{step}: ") for step in STEPS},
        "report": re.compile(r"chapters, the deck"), "leaks": re.compile(r"^leak check passed")}


def make(root: Path, goal: str, warm: bool) -> dict:
    """``make GOAL`` for the demo under ``root``: its wall time and each part's, in seconds."""
    env = {**os.environ, "CJM_WARM_KERNEL": "1" if warm else "0", "NUMPY_MADVISE_HUGEPAGE": "0"}
    start, begun, parts = time.perf_counter(), {}, {}
    with subprocess.Popen(["make", "-C", str(PROJECT), goal, f"ENGAGEMENT={ENGAGEMENT}", f"ROOT={root}"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as run:
        output = []
        for line in run.stdout:
            now = time.perf_counter() - start
            output.append(line)
            for part, pattern in STARTS.items():
                if pattern.search(line):
                    begun[part] = now
            for part, pattern in ENDS.items():
                if pattern.search(line) and part in begun:
                    parts[part] = round(now - begun[part], 1)
    if run.returncode:
        sys.exit(f"make {goal} failed under {root}:\n{''.join(output)[-3000:]}")
    return {"total_s": round(time.perf_counter() - start, 1), **parts}


def set_segments(root: Path, k: int) -> None:
    """``segment.n_segments: k`` in the params under ``root`` (the demo's line is commented out)."""
    path = root / "params" / f"{ENGAGEMENT}.yaml"
    text, found = re.subn(r"(?m)^  (# )?n_segments: \d+", f"  n_segments: {k}", path.read_text(encoding="utf-8"),
                          count=1)
    if not found:
        sys.exit(f"no segment.n_segments line in {path}")
    path.write_text(text, encoding="utf-8")


def bench_mode(root: Path, warm: bool) -> list[dict]:
    """The runs of one kernel mode on the generated demo under ``root``."""
    rows = []

    def run(name: str, goal: str = "all") -> None:
        figures = make(root, goal, warm)
        rows.append({"run": name, "warm": int(warm), "load_1m": round(os.getloadavg()[0], 1),
                     **{key: figures.get(key, "") for key in ("total_s", *STEPS, "report", "leaks")}})
        print(rows[-1], file=sys.stderr, flush=True)

    make(root, "clean", warm)
    run("clean_all")
    run("noop")
    for k in (4, 5):
        set_segments(root, k)
        run(f"k_{k}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, nargs="+", default=[1, 0], choices=[0, 1],
                        help="kernel modes to measure: 1 warm, 0 afresh")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cjm-bench-iterate-"))
    try:
        (root / "params").mkdir()
        shutil.copy(PROJECT / "params" / f"{ENGAGEMENT}.yaml", root / "params")
        set_segments(root, 5)
        make(root, "demo-data", True)  # the raw exports, not timed
        record("iterate", [row for warm in args.warm for row in bench_mode(root, bool(warm))])
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
