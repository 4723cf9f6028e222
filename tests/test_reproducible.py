"""The small demo (scale 0.1, in Russian: the run tests/test_report_language.py reads, in
the same xdist group) gives the same bytes every time: made again from clean, and after a
run of 01, then of 02, killed in the middle (the old outputs stay whole meanwhile); each
rerun leaves no staging folder or temporary file behind. Every output ends as it was, for
the tests that read it. With nothing changed, ``make -n all`` lists nothing."""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cjm.core.paths import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report_ru")]
NAME = "demo_ru"


def _make(root: Path, *goals: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-C", str(PROJECT_ROOT), *goals, f"ENGAGEMENT={NAME}", f"ROOT={root}"],
                          capture_output=True, text=True)


def _made(root: Path) -> dict[str, str]:
    """Every file under outputs/ and interim/ -> its content hash."""
    folders = (root / "outputs" / NAME, root / "data" / NAME / "interim")
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(root: Path) -> list[str]:
    """Staging folders, temporary and half-swapped files of a killed run."""
    found = [p for p in (root / "data" / NAME).rglob("*")
             if p.name == ".staging" or re.match(r"\.(tmp\.|.*\.old$|anonymized\.|clean\.)", p.name)]
    found += [p for p in (root / "outputs" / NAME).rglob(".*") if p.name.startswith((".tmp", ".journal"))]
    return sorted(str(p.relative_to(root)) for p in found)


def _step(root: Path, step: str, ready=None) -> None:
    """Run ``step`` as ``make all`` does (cjm.core.runner); with ``ready``, kill it (the runner
    and its kernel) once it has staged what ``ready`` says is enough."""
    command = [sys.executable, "-m", "cjm.core.runner", NAME, f"notebooks/{step}.ipynb",
               str(root / "outputs" / NAME / "notebooks" / f"{step}.ipynb")]
    environment = {**os.environ, "CJM_ROOT": str(root)}
    if ready is None:
        done = subprocess.run(command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        return
    staging = root / "data" / NAME / ".staging" / step
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not (staging.exists() and ready(staging)):
            assert process.poll() is None, f"{step} ended before it staged what the test waits for"
            assert time.monotonic() < deadline, f"{step} staged nothing in 300 s"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    time.sleep(2)  # the kernel (a session of its own) sees its parent gone and exits within a second


@pytest.fixture(scope="module")
def root(small_demo):
    return small_demo("ru")


def test_nothing_changed_make_lists_nothing_and_a_restored_export_reruns_nothing(root):
    dry = _make(root, "-n", "all")
    assert "runner" not in dry.stdout and "cjm.present.report" not in dry.stdout, dry.stdout
    export = root / "data" / NAME / "raw" / "crm_deals.csv"
    os.utime(export, (0, 0))  # restored with an old time (unzip, cp -p): the same content
    assert "runner" not in _make(root, "-n", "all").stdout
    content = export.read_bytes()
    export.write_bytes(content + b"\n")  # one byte more: 01 and everything after it
    assert "runner" in _make(root, "-n", "all").stdout
    export.write_bytes(content)
    _make(root, "-n", "all")  # the manifest as the outputs were made


def test_made_again_from_clean_and_after_kills_the_bytes_are_the_same(root):
    made = _made(root)
    assert any(name.endswith("07_cjm.ipynb") for name in made) and any(name.endswith(".xlsx") for name in made)
    assert _make(root, "clean").returncode == 0
    again = _make(root, "all")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    differ = sorted(set(made.items()) ^ set(_made(root).items()))
    assert differ == [], f"files that differ between two runs from clean: {differ[:10]}"

    for step, ready in (("01_anonymize", lambda staging: any(staging.rglob("*.parquet"))),
                        ("02_clean", lambda staging: len(list(staging.rglob("*.parquet"))) >= 3)):
        _step(root, step, ready)
        assert (root / "data" / NAME / ".staging" / step).exists()
        assert _made(root) == made, f"a killed {step} changed a published file"
        _step(root, step)
        assert _leftovers(root) == []
        differ = sorted(set(made.items()) ^ set(_made(root).items()))
        assert differ == [], f"files that differ after {step} was killed and rerun: {differ[:10]}"
