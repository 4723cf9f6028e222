"""A rerun redoes only what its change touched, decided by content: 03's k scan kept by the
content of its inputs, params and code (cjm.core.cache); a step whose notebook, params, code
and the tables it read are as at its last run keeps its outputs (cjm.core.stamps); steps
run side by side keep each other's notes in the consultant's log; progress bars go to the
runner's terminal only (cjm.core.progress)."""

import contextlib
import os
import pty
import re
import shutil
import subprocess

import nbformat
import numpy as np
import pandas as pd
import pytest
from engagements import make_engagement

import cjm.analysis.journeys
import cjm.analysis.segment
from cjm.core.files import add_consultant_note, write_atomic
from cjm.core.paths import PROJECT_ROOT, EngagementPaths
from cjm.core.progress import OWNER, TERMINAL, SharedTerminal, progress
from cjm.core.publication import Publication, current
from cjm.core.runner import keep_other_chapters
from cjm.core.stamps import save_stamp, unchanged
from cjm.present.report import chapter_page
from cjm.steps.funnel import cached_journeys
from cjm.steps.segment import cached_scan


@pytest.fixture
def paths(tmp_path):
    paths = EngagementPaths("acme", tmp_path)
    paths.interim.mkdir(parents=True)
    return paths


# ----------------------------------------------------------------------------- the k scan's cache
def _encoded(seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(centre, 0.3, (60, 2)) for centre in (0, 3, 6)])


def _entries(paths):
    return {p.name: p.stat().st_mtime_ns for p in paths.cache.glob("segment_scan.*.parquet")}


def test_the_scan_is_read_back_for_the_same_clients_params_and_code(paths):
    first = cached_scan(paths)(_encoded(), range(2, 5), 7, 3, fit_rows=500)
    entries = _entries(paths)
    assert len(entries) == 1 and list(first["k"]) == [2, 3, 4]
    again = cached_scan(paths)(_encoded(), range(2, 5), 7, 3, fit_rows=500)
    assert _entries(paths) == entries  # read back, not written again
    pd.testing.assert_frame_equal(again, first)
    pd.testing.assert_frame_equal(first, cjm.analysis.segment.scan_k(_encoded(), range(2, 5), 7, 3, fit_rows=500))


def test_a_damaged_scan_is_computed_again(paths):
    first = cached_scan(paths)(_encoded(), range(2, 4), 7, 3, fit_rows=500)
    (entry,) = paths.cache.glob("segment_scan.*.parquet")
    entry.write_bytes(b"cut short")
    pd.testing.assert_frame_equal(cached_scan(paths)(_encoded(), range(2, 4), 7, 3, fit_rows=500), first)
    pd.testing.assert_frame_equal(pd.read_parquet(entry), first)


@pytest.mark.parametrize("change", ["clients", "k range", "seed", "resamples", "fit_rows", "code"])
def test_the_scan_is_computed_again_when_its_inputs_params_or_code_change(paths, change, tmp_path, monkeypatch):
    cached_scan(paths)(_encoded(), range(2, 5), 7, 3, fit_rows=500)
    before = _entries(paths)
    if change == "code":
        edited = tmp_path / "segment.py"
        shutil.copy(cjm.analysis.segment.__file__, edited)
        edited.write_text(edited.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
        monkeypatch.setattr(cjm.analysis.segment, "__file__", str(edited))
    args = {"Z": _encoded(1) if change == "clients" else _encoded(), "ks": range(2, 6 if change == "k range" else 5),
            "seed": 8 if change == "seed" else 7, "resamples": 4 if change == "resamples" else 3}
    scan = cached_scan(paths)(**args, fit_rows=400 if change == "fit_rows" else 500)
    after = _entries(paths)
    assert len(after) == 1 and after.keys() != before.keys()  # the kind's latest entry only
    pd.testing.assert_frame_equal(scan, cjm.analysis.segment.scan_k(**args, fit_rows=400 if change == "fit_rows" else 500))


# ----------------------------------------------------------------------------- steps kept by content
# ----------------------------------------------------------------------------- 06's journeys' cache
def _features(contacts: int = 1):
    """Path features of 40 clients in two plain groups: web entry and no contact, or office
    entry with ``contacts`` phone contacts."""
    from cjm.analysis.journeys import PathFeatures

    index = pd.Index([f"c{i}" for i in range(40)], name="client_id")
    web = np.arange(40) < 25
    entry = pd.DataFrame({"web": web, "office": ~web}, index=index).astype(float)
    calls = pd.DataFrame({"phone": np.where(web, 0.0, contacts)}, index=index)
    return PathFeatures(entry, calls, pd.DataFrame(index=index))


@pytest.mark.parametrize("change", [None, "features", "args"])
def test_journeys_are_read_back_unless_the_features_or_arguments_change(paths, change, monkeypatch):
    calls = []
    real = cjm.analysis.journeys.find_journeys
    monkeypatch.setattr(cjm.analysis.journeys, "find_journeys", lambda *a: calls.append(a) or real(*a))
    first = cached_journeys(paths)(_features(), 4, 2, 0.9, 3, 2, 1000)
    again = cached_journeys(paths)(_features(2 if change == "features" else 1), 4 if change != "args" else 3,
                                   2, 0.9, 3, 2, 1000)
    assert len(calls) == (1 if change is None else 2)
    assert first.k == 2 and first.labels["journey"].value_counts().tolist() == [25, 15]
    if change is None:  # the same result, read back
        pd.testing.assert_frame_equal(again.labels, first.labels)
        pd.testing.assert_frame_equal(again.scan, first.scan)
    assert len(list(paths.cache.glob("journeys.*.pickle"))) == 1  # the kind's latest entry only


def _run(paths, step, inputs, reads=(), writes=None):
    """A step's run as the runner makes it: reads tables through a publication, publishes
    ``writes`` (name -> text), then notes its stamp."""
    with Publication(paths.root, "acme", step) as publication:
        for name in reads:
            current(paths.table(name))
        for name, text in (writes or {}).items():
            write_atomic(text, paths.interim / name)
        moved = [e["move"] for e in publication.moves() if "move" in e]
        read = publication.reads()
    save_stamp(paths, step, inputs, read, moved)


@pytest.fixture
def stamped(paths, tmp_path):
    notebook = tmp_path / "05.ipynb"
    notebook.write_text("cells", encoding="utf-8")
    for name in ("survey_comments", "nps_by_segment"):
        write_atomic(name, paths.table(name))
    (paths.interim / "side_groups").mkdir()
    write_atomic("ids", paths.interim / "side_groups" / "clients.parquet")
    _run(paths, "05_interviews", [str(notebook)], reads=["survey_comments"], writes={"touchpoints.parquet": "05's"})
    return paths, notebook


def test_a_step_is_kept_while_what_it_read_is_the_same(stamped):
    paths, notebook = stamped
    assert unchanged(paths, "05_interviews", [str(notebook)])
    write_atomic("other numbers", paths.table("nps_by_segment"))  # another step's table it does not read
    write_atomic("survey_comments", paths.table("survey_comments"))  # written again, the same bytes
    write_atomic("{}", paths.private / ".leak-clean.json")  # the leak check's notes
    assert unchanged(paths, "05_interviews", [str(notebook)])


@pytest.mark.parametrize("change", ["a table it read", "its notebook", "a side group", "its own output"])
def test_a_step_runs_again_when_what_it_reads_or_wrote_changed(stamped, change):
    paths, notebook = stamped
    changed = {"a table it read": paths.table("survey_comments"), "its notebook": notebook,
               "a side group": paths.interim / "side_groups" / "clients.parquet",
               "its own output": paths.table("touchpoints")}[change]
    changed.write_text("changed", encoding="utf-8")
    assert not unchanged(paths, "05_interviews", [str(notebook)])


def test_a_step_never_stamped_runs(paths, tmp_path):
    assert not unchanged(paths, "04_survey", [])


# ----------------------------------------------------------------------------- the report's pages
@pytest.mark.parametrize("change", ["nothing", "the notebook", "the language", "the page"])
def test_a_chapter_page_is_rendered_again_only_when_what_it_is_made_of_changed(paths, change):
    notebook = paths.outputs / "notebooks" / "04_survey.ipynb"
    notebook.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Опрос\n\nNPS 40.")]), notebook)
    page = chapter_page(paths, notebook, "ru")
    assert "NPS 40." in page.read_text(encoding="utf-8")
    os.utime(page, ns=(0, 0))  # a page rendered again gets a new time
    language = "en" if change == "the language" else "ru"
    if change == "the notebook":
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Опрос\n\nNPS 41.")]), notebook)
    if change == "the page":
        page.write_text("edited", encoding="utf-8")
        os.utime(page, ns=(0, 0))
    assert chapter_page(paths, notebook, language) == page
    assert (page.stat().st_mtime_ns == 0) == (change == "nothing")
    assert ("NPS 41." if change == "the notebook" else "NPS 40.") in page.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- steps side by side
def test_steps_committing_one_after_the_other_keep_each_others_notes(paths):
    log = paths.consultant_log
    add_consultant_note(log, "03", "segments note")
    survey = Publication(paths.root, "acme", "04_survey", before_commit=lambda: keep_other_chapters(log, "04"))
    funnel = Publication(paths.root, "acme", "06_funnel", before_commit=lambda: keep_other_chapters(log, "06"))
    with survey:
        add_consultant_note(log, "04", "survey note")
        with funnel:  # started before 04 commits: its copy of the log lacks 04's note
            add_consultant_note(log, "06", "funnel note")
        assert "funnel note" in log.read_text(encoding="utf-8")  # 06 committed first
    text = log.read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if line.startswith("- ")] == [
        "- segments note", "- survey note", "- funnel note"]


# ----------------------------------------------------------------------------- progress
def test_bars_are_drawn_by_one_runner_at_a_time(tmp_path):
    device = tmp_path / "tty"
    device.touch()
    first, second = SharedTerminal(str(device), os.getpid()), SharedTerminal(str(device), os.getppid())
    first.write("first ")
    second.write("second ")  # the first holds the terminal
    first.release()
    second.write("then second")
    first.lock.unlink()
    assert device.read_text(encoding="utf-8") == "first then second"


def test_under_a_runner_without_a_terminal_there_is_no_bar(monkeypatch, capsys):
    monkeypatch.setenv(TERMINAL, "")
    monkeypatch.setenv(OWNER, str(os.getpid()))
    assert sum(progress(range(4), desc="k scan")) == 6
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_under_a_runner_with_a_terminal_bars_go_to_it(monkeypatch, capsys, tmp_path):
    device = tmp_path / "tty"
    monkeypatch.setenv("TQDM_DISABLE", "1")  # as make sets it for tqdm's own bars when its output is a log
    monkeypatch.setenv(TERMINAL, str(device))
    monkeypatch.setenv(OWNER, str(os.getpid()))
    assert sum(progress(range(4), desc="k scan")) == 6
    SharedTerminal(str(device), os.getpid()).lock.unlink()
    captured = capsys.readouterr()
    assert captured.out == captured.err == "" and "k scan" in device.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- make all, changed
STORE = "cd_store"


def _make(root, terminal: bool = False) -> tuple[int, str]:
    """``make all`` of the store in ``root``: its return code and what it wrote, on a
    terminal (a pseudo-terminal) or captured as in a CI log."""
    command = ["make", "-C", str(PROJECT_ROOT), "all", f"ENGAGEMENT={STORE}", f"ROOT={root}", "JOBS=2"]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True)
        return done.returncode, done.stdout + done.stderr
    main, side = pty.openpty()
    process = subprocess.Popen(command, stdin=side, stdout=side, stderr=side)
    os.close(side)
    said = b""
    with contextlib.suppress(OSError):  # the terminal closed: every process on it ended
        while chunk := os.read(main, 1 << 16):
            said += chunk
    os.close(main)
    return process.wait(), said.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The store made, then made again after each change of its params: the k scan's
    resamples (on a terminal), the number of segments, the survey's confidence level."""
    root = tmp_path_factory.mktemp(STORE)
    make_engagement(root, STORE)
    params = root / "params" / f"{STORE}.yaml"

    def scans():
        return {p.name: p.stat().st_mtime_ns for p in (root / "data" / STORE / "cache").glob("segment_scan.*")}

    def made_after(old: str, new: str, terminal: bool = False) -> dict:
        params.write_text(params.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        code, said = _make(root, terminal)
        assert code == 0, said[-3000:]
        return {"said": said, "scans": scans()}

    code, said = _make(root)
    assert code == 0, said[-3000:]
    runs = {"first": {"said": said, "scans": scans()}}
    runs["resamples"] = made_after("  k_max: 6\n", "  k_max: 6\n  resamples: 10\n", terminal=True)
    runs["k"] = made_after("  k_max: 6\n", "  k_max: 6\n  n_segments: 4\n")
    runs["survey"] = made_after("  satisfied_from: 4\n", "  satisfied_from: 4\n  confidence: 0.9\n")
    return root, runs


#: A tqdm bar: ``k scan:  33%|███▎      | 1/3 [00:00<00:01,  1.30it/s]``.
BAR = re.compile(r"\w: +\d+%\||\d+/\d+ \[\d\d:\d\d")


@pytest.mark.slow
@pytest.mark.xdist_group(STORE)
def test_steps_that_do_not_read_each_other_run_side_by_side(store):
    root, runs = store
    said = runs["first"]["said"]
    assert said.index("06_funnel …") < said.index("04_survey: done") < said.index("05_interviews …")
    assert all(re.fullmatch(r"0\d_\w+ …|0\d_\w+: done in \d+ s \(\d+ files and folders published\)", line)
               for line in said.splitlines() if line.startswith("0"))  # whole lines, none cut into another


@pytest.mark.slow
@pytest.mark.xdist_group(STORE)
def test_a_change_of_the_scans_params_scans_again_with_bars_on_the_terminal(store):
    root, runs = store
    said = runs["resamples"]["said"]
    bars = {match.group(1) for match in re.finditer(r"(\w[\w ]*): +\d+%\|", said)}
    assert {"k scan", "03_segment"} <= bars  # the scan's bar and that of 03's cells
    assert "07_cjm: done" not in said or {"07_cjm", "posters"} <= bars
    assert "01_anonymize" not in said and "02_clean" not in said
    assert len(runs["resamples"]["scans"]) == 1 and runs["resamples"]["scans"] != runs["first"]["scans"]


@pytest.mark.slow
@pytest.mark.xdist_group(STORE)
def test_a_change_of_k_reads_the_scan_back_and_reruns_from_03(store):
    root, runs = store
    said = runs["k"]["said"]
    assert "03_segment: done" in said and "01_anonymize" not in said and "02_clean" not in said
    assert runs["k"]["scans"] == runs["resamples"]["scans"]  # the same entry, not written again
    assert not BAR.search(said) and "\r" not in said  # not on a terminal: the runner's lines only


@pytest.mark.slow
@pytest.mark.xdist_group(STORE)
def test_a_survey_change_keeps_what_does_not_read_what_it_changed(store):
    root, runs = store
    said = runs["survey"]["said"]
    assert "04_survey: done" in said and "05_interviews: what it reads is as at its last run" in said
    assert "03_segment" not in said and "06_funnel" not in said


@pytest.mark.slow
@pytest.mark.xdist_group(STORE)
def test_no_bar_in_the_executed_notebooks_or_the_report(store):
    root, runs = store
    outputs = root / "outputs" / STORE
    files = [*(outputs / "notebooks").glob("*.ipynb"), *(outputs / "report").glob("*.html")]
    assert len(files) >= 14
    assert not [f.name for f in files if BAR.search(f.read_text(encoding="utf-8"))]
