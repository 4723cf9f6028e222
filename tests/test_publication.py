"""A step's outputs are published as a set (cjm.core.publication), and the executed notebook
is stripped of what changes between runs (cjm.core.runner)."""

import json
import os
import stat

import nbformat
import pandas as pd
import pytest

from cjm.core.errors import CjmError
from cjm.core.files import atomic_folder, write_atomic
from cjm.core.io import read_table, write_tables
from cjm.core.paths import EngagementPaths
from cjm.core.publication import STAGING, Publication, current, recover, remove, staged, sweep
from cjm.core.runner import INJECTED, failure_message, strip_volatile


@pytest.fixture
def paths(tmp_path):
    paths = EngagementPaths("acme", tmp_path)
    paths.interim.mkdir(parents=True)
    write_atomic("old deals", paths.interim / "deals.txt")
    write_atomic("old clients", paths.interim / "clients.txt")
    (paths.report / "maps").mkdir(parents=True)
    write_atomic("old map", paths.report / "maps" / "old.svg")
    return paths


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_writes_are_staged_until_the_commit_then_land_together(paths):
    with Publication(paths.root, "acme", "02_clean") as publication:
        write_atomic("new deals", paths.interim / "deals.txt")
        write_atomic(pd.DataFrame({"a": [1, 2]}), paths.table("touches"))
        assert (paths.interim / "deals.txt").read_text() == "old deals"  # readers see the old set meanwhile
        assert not paths.table("touches").exists()
        assert current(paths.table("touches")) == staged(paths.table("touches")) != paths.table("touches")
        assert read_table(paths, "touches")["a"].tolist() == [1, 2]  # the step reads its own new table
        assert [e["move"] for e in publication.moves()] == ["data/acme/interim/deals.txt",
                                                            "data/acme/interim/touches.parquet"]
    assert (paths.interim / "deals.txt").read_text() == "new deals"
    assert (paths.interim / "clients.txt").read_text() == "old clients"
    assert pd.read_parquet(paths.table("touches"))["a"].tolist() == [1, 2]
    assert not (paths.data / ".staging").exists() and STAGING not in os.environ


def test_published_files_and_folders_are_readable_by_all_and_private_ones_are_not(paths):
    old = os.umask(0o022)
    try:
        with Publication(paths.root, "acme", "07_cjm"):
            with atomic_folder(paths.report / "maps") as folder:
                write_atomic(b"png", folder / "map_all.png")
            write_atomic(pd.DataFrame({"a": [1]}), paths.report / "tables" / "t.csv")
            write_atomic("{}", paths.report / "journey_model.json")
            paths.private.mkdir(mode=0o700, parents=True)
            write_atomic("kind,original,pseudonym\n", paths.reidentification, private=True)
    finally:
        os.umask(old)
    modes = {p.relative_to(paths.root).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [paths.report, *sorted(paths.report.rglob("*")), paths.private, paths.reidentification]}
    assert modes == {"outputs/acme/report": 0o755, "outputs/acme/report/journey_model.json": 0o644,
                     "outputs/acme/report/maps": 0o755, "outputs/acme/report/maps/map_all.png": 0o644,
                     "outputs/acme/report/tables": 0o755, "outputs/acme/report/tables/t.csv": 0o644,
                     "data/acme/private": 0o700, "data/acme/private/reidentification.csv": 0o600}


def test_an_error_publishes_nothing_and_leaves_no_staging(paths):
    before = _files(paths.root)
    with pytest.raises(CjmError):
        with Publication(paths.root, "acme", "02_clean"):
            write_atomic("new deals", paths.interim / "deals.txt")
            remove(paths.interim / "clients.txt")
            raise CjmError("bad input", "fix it")
    assert _files(paths.root) == before
    assert not (paths.data / ".staging").exists()


def test_a_folder_is_replaced_whole_and_removals_wait_for_the_commit(paths):
    with Publication(paths.root, "acme", "07_cjm") as publication:
        with atomic_folder(paths.report / "maps") as folder:
            (folder / "new.svg").write_text("new map")
        remove(paths.interim / "clients.txt")
        write_tables({"segments": None}, paths.interim)  # a table this run did not make
        assert (paths.interim / "clients.txt").exists()
        assert {"move": "outputs/acme/report/maps", "whole": True} in publication.moves()
    assert _files(paths.report / "maps") == {"new.svg": "new map"}
    assert not (paths.interim / "clients.txt").exists()


def test_the_mark_of_completion_moves_last(paths):
    mark = paths.outputs / "notebooks" / "02_clean.ipynb"
    with Publication(paths.root, "acme", "02_clean", last=mark) as publication:
        write_atomic("{}", mark)
        write_atomic("new deals", paths.interim / "deals.txt")
        write_atomic("z", paths.report / "z.txt")
        assert publication.moves()[-1] == {"move": "outputs/acme/notebooks/02_clean.ipynb"}


def test_a_run_killed_after_the_commit_is_finished_by_the_next(paths):
    publication = Publication(paths.root, "acme", "02_clean")
    with publication:
        write_atomic("new deals", paths.interim / "deals.txt")
        write_atomic("new clients", paths.interim / "clients.txt")
        publication.commit = lambda: None  # killed before the journal: the step ran, nothing committed
    assert (paths.interim / "deals.txt").read_text() == "old deals"
    staging = publication.folder
    assert staging.exists()
    # the journal written, one move of two done, then killed
    entries = Publication(paths.root, "acme", "02_clean").moves()
    (staging / ".journal.json").write_text(json.dumps({"root": str(paths.root), "entries": entries}))
    os.replace(staging / entries[0]["move"], paths.root / entries[0]["move"])
    assert (paths.interim / "clients.txt").read_text() == "new clients"
    assert (paths.interim / "deals.txt").read_text() == "old deals"  # mixed, until the next run
    assert sweep(paths.root, "acme") == ["data/acme/.staging/02_clean"]
    assert (paths.interim / "deals.txt").read_text() == "new deals"
    assert not (paths.data / ".staging").exists()


def test_a_run_killed_before_the_commit_is_undone_by_the_next(paths):
    before = _files(paths.interim)
    staging = paths.data / ".staging" / "01_anonymize"
    (staging / "data" / "acme" / "interim").mkdir(parents=True)
    (staging / "data" / "acme" / "interim" / "deals.txt").write_text("half")
    with Publication(paths.root, "acme", "01_anonymize"):  # the next run of the step
        pass
    assert _files(paths.interim) == before
    assert not staging.exists()
    recover(staging)  # nothing left: nothing to do


def test_writes_outside_the_workspace_and_now_are_not_staged(paths, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "x.txt"
    with Publication(paths.root, "acme", "01_anonymize"):
        write_atomic("x", elsewhere)
        write_atomic("key", paths.private / "secret.key", now=True)
        assert elsewhere.read_text() == "x" and (paths.private / "secret.key").read_text() == "key"


def test_the_executed_notebook_keeps_no_time_id_widget_or_address():
    nb = nbformat.v4.new_notebook(metadata={"papermill": {"parameters": {"engagement": "acme"},
                                                          "start_time": "2026-11-30T13:11:50", "duration": 2.4,
                                                          "output_path": "/tmp/x/.tmp.ipynb"},
                                            "widgets": {"state": {"1beb": {}}}})
    injected = nbformat.v4.new_code_cell("engagement = 'acme'", metadata={"tags": [INJECTED], "papermill": {
        "duration": 0.003}, "execution": {"iopub.execute_input": "2026-11-30T13:11:50.68Z"}})
    shown = nbformat.v4.new_code_cell("table", outputs=[
        nbformat.v4.new_output("display_data", {"text/plain": "<pandas.io.formats.style.Styler at 0x7f503d9f9b50>",
                                                "text/html": "<table id='T_84d87'>"}),
        nbformat.v4.new_output("display_data", {"application/vnd.jupyter.widget-view+json": {"model_id": "74a"},
                                                "text/plain": "anonymizing: 100% 7/7 [00:02<00:00]"})])
    nb.cells = [injected, shown]
    out = strip_volatile(nb)
    assert out.metadata["papermill"] == {"parameters": {"engagement": "acme"}} and "widgets" not in out.metadata
    assert out.cells[0]["id"] == INJECTED and set(out.cells[0].metadata) == {"tags"}
    assert [o.data["text/plain"] for o in out.cells[1].outputs] == ["<pandas.io.formats.style.Styler>"]


def test_a_failed_step_says_the_consultants_error_or_that_the_code_failed(tmp_path):
    class Failed(Exception):  # as papermill reports a failed cell
        ename, evalue = "CjmError", "params/acme.yaml: key 'seed' is 'x'\n  Fix: expected a whole number"

    said = failure_message("02_clean", Failed(), tmp_path / "logs" / "02_clean.ipynb")
    assert said.splitlines() == ["02_clean failed: params/acme.yaml: key 'seed' is 'x'",
                                 "  Fix: expected a whole number", f"  Details: {tmp_path}/logs/02_clean.ipynb"]
    said = failure_message("06_funnel", KeyError("stage"), tmp_path / "x.ipynb")
    assert said.startswith("06_funnel failed: KeyError: 'stage' (an error in the code, not in the data")


def test_a_sweep_removes_what_cut_short_writes_left_and_nothing_else(paths):
    kept = {"data/acme/interim/deals.txt", "outputs/acme/.leak-check", "outputs/acme/.params/clean.yaml",
            "outputs/acme/notebooks/02_clean.ipynb"}
    left = {"data/acme/interim/.anonymized.k2j_x9ab", "data/acme/interim/.deals.parquet.a8d_9zq1.parquet",
            "outputs/acme/notebooks/.tmp.02_clean.ipynb", "outputs/acme/report/.maps.old",
            "outputs/acme/report/.index.html.4242.tmp"}
    for name in kept | left:
        (paths.root / name).parent.mkdir(parents=True, exist_ok=True)
        (paths.root / name).write_text("x")
    assert set(sweep(paths.root, "acme")) == left
    assert not any((paths.root / name).exists() for name in left)
    assert all((paths.root / name).exists() for name in kept)
