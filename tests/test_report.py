"""cjm.present.report: executed notebooks to client HTML without code, and the contents page."""

import html
import os
import re
import subprocess
import sys

import nbformat
import pandas as pd
import pytest
import yaml
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cjm.core.errors import CjmError
from cjm.core.paths import PROJECT_ROOT, EngagementPaths
from cjm.present.narrative import consultant_note
from cjm.present.report import build_report, render_notebook, write_index
from cjm.present.words import section

SECRET_CODE = "segments = fit_the_secret_model(deals)"
TABLE = pd.DataFrame({"segment": ["Семьи", "Таксопарки"], "clients": [412, 97]}).to_html()
MTIME = 1_741_780_800  # 2025-03-12 12:00 UTC: a file's time, never the report's date


def make_engagement(root, language, name="e1", **dates):
    """A project root with params/<name>.yaml (with ``dates``: report_date, export_date) and
    one executed notebook; returns its paths."""
    params = yaml.safe_load((PROJECT_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    for key in ("report_date", "export_date"):  # only the dates the test gives
        params.pop(key, None)
    params.update(engagement=name, language=language, **dates)
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "params" / f"{name}.yaml").write_text(yaml.safe_dump(params, allow_unicode=True),
                                                  encoding="utf-8")
    nb = new_notebook(cells=[
        new_markdown_cell("# Сегменты клиентов\n\nСколько поведенческих сегментов и чем они "
                          "различаются.\n\nВторой абзац."),
        new_code_cell("n_segments = 4", metadata={"tags": ["parameters"]}),
        new_code_cell(SECRET_CODE + "\ndisplay(profile)", execution_count=2, outputs=[
            new_output("stream", name="stdout", text="fitted 509 clients\n"),
            new_output("stream", name="stderr", text="FutureWarning: something internal\n"),
            new_output("display_data", data={"text/html": TABLE, "text/plain": "table"}),
            new_output("display_data", data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                             "version_minor": 0},
                "text/plain": "progress 100%"}),
        ]),
        new_code_cell("check(deals)", metadata={"tags": ["remove"]}, execution_count=3,
                      outputs=[new_output("stream", name="stdout", text="internal check passed\n")]),
    ])
    paths = EngagementPaths(name, root)
    notebook = paths.outputs / "notebooks" / "01_test.ipynb"
    notebook.parent.mkdir(parents=True)
    nbformat.write(nb, notebook)
    os.utime(notebook, (MTIME, MTIME))
    return paths


def test_chapter_shows_outputs_without_code(tmp_path):
    paths = make_engagement(tmp_path, "ru")
    page = render_notebook(paths.outputs / "notebooks" / "01_test.ipynb",
                           paths.report / "01_test.html").read_text(encoding="utf-8")
    assert "<title>Сегменты клиентов</title>" in page
    assert '<html lang="en">' in page
    body = page[page.index("<body"):]
    assert "Таксопарки" in body and '<table border="1" class="dataframe">' in body
    assert "fitted 509 clients" in body
    for hidden in ("fit_the_secret_model", "display(profile)", "n_segments", "FutureWarning",
                   "progress 100%", "widget-view", "internal check passed"):
        assert hidden not in page
    for prompt in ("jp-InputPrompt", "jp-OutputPrompt", "jp-InputArea-editor"):
        assert prompt not in body
    assert "<script src=" not in page  # nothing fetched from a CDN
    assert not list(paths.report.glob(".*"))  # no temporary file left behind


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_note_for_the_consultant_stays_in_the_notebook_and_the_log_never_in_the_page(tmp_path, language):
    paths = make_engagement(tmp_path, language)
    InteractiveShell.instance()  # displays go to the shell, as in a kernel
    with capture_output() as shown:
        consultant_note("05.unmarked", language, paths, interviews="INT-77, INT-78")
    note, = shown.outputs
    notebook = paths.outputs / "notebooks" / "01_test.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(1, new_markdown_cell("Кодируется каждое предложение."))
    nb.cells.append(new_code_cell('consultant_note("05.unmarked", language, paths)', execution_count=4, outputs=[
        new_output("display_data", data=note.data, metadata=note.metadata)]))
    nbformat.write(nb, notebook)
    label = section(language, "consultant")["label"]
    assert label in notebook.read_text(encoding="utf-8") and "INT-77" in notebook.read_text(encoding="utf-8")
    assert "INT-77" in note.data["text/html"] and "<code>interviews.respondent_speakers</code>" in note.data["text/html"]
    page = render_notebook(notebook, paths.report / "01_test.html", language=language).read_text(encoding="utf-8")
    assert "Таксопарки" in page  # the client's outputs are there ...
    for trace in ("INT-77", label, "respondent_speakers", "#fff4e5", "consultant"):  # ... the note is not
        assert trace not in page, trace
    log = paths.data / "logs" / "consultant.md"
    assert log.read_text(encoding="utf-8").startswith("## 05\n\n- ") and "INT-77, INT-78" in log.read_text(encoding="utf-8")
    assert not [p for p in paths.outputs.rglob("*") if p.name.endswith(".md")]


@pytest.mark.parametrize("language, words, absent", [
    ("ru", ("Главное", "Приложения", "Дата отчёта: 14 марта 2025\u202fг.", "не содержит персональных данных",
            "← Содержание", "Клиенты на сегменты не разделены."), "Contents"),
    ("en", ("Executive summary", "Appendices", "Report date: March 14, 2025", "contains no personal data",
            "← Contents", "Clients were not divided into segments."), "Содержание"),
])
def test_report_in_the_engagement_language(tmp_path, language, words, absent):
    paths = make_engagement(tmp_path, language, report_date="2025-03-14", export_date="2025-03-01")
    written = build_report("e1", tmp_path)
    assert written == [paths.report / "01_test.html", paths.report / "deck.pptx", paths.report / "index.html"]
    index = written[-1].read_text(encoding="utf-8")
    deck = section(language, "report")["deck"]
    assert f'<li><a href="deck.pptx">{html.escape(deck["title"])}</a>: {html.escape(deck["about"])}</li>' in index
    chapter = written[0].read_text(encoding="utf-8")
    assert f'<html lang="{language}">' in index and f'<html lang="{language}">' in chapter
    assert '<a href="01_test.html">Сегменты клиентов</a>' in index
    assert "Сколько поведенческих сегментов и чем они различаются." in index
    assert "Второй абзац" not in index
    assert "АвтоЛизинг Плюс" in index
    for word in words:
        assert word in index + chapter
    assert absent not in index
    assert index.index('<h2 id="summary">') < index.index('<h2 id="appendices">') < index.index("01_test.html")


def test_description_from_metadata_and_chapters_in_order(tmp_path):
    paths = make_engagement(tmp_path, "en")
    folder = paths.outputs / "notebooks"
    nb = new_notebook(cells=[new_markdown_cell("## 02. *Funnel*\n\nText.")],
                      metadata={"description": "Where leads drop out."})
    nbformat.write(nb, folder / "02_funnel.ipynb")
    stale = paths.report / "03_gone.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old chapter")
    build_report("e1", tmp_path)
    index = (paths.report / "index.html").read_text(encoding="utf-8")
    assert index.index("01_test.html") < index.index("02_funnel.html")
    assert '<a href="02_funnel.html">02. Funnel</a><p>Where leads drop out.</p>' in index
    assert not stale.exists()


def test_rendering_twice_gives_identical_bytes_the_deck_written_aside_or_not(tmp_path):
    make_engagement(tmp_path, "ru")
    first = [p.read_bytes() for p in build_report("e1", tmp_path)]
    second = [p.read_bytes() for p in build_report("e1", tmp_path, deck_aside=True)]
    assert first == second


def test_no_executed_notebooks_is_an_error(tmp_path):
    paths = make_engagement(tmp_path, "ru")
    (paths.outputs / "notebooks" / "01_test.ipynb").unlink()
    with pytest.raises(CjmError, match="no executed notebooks") as err:
        write_index("e1", tmp_path)
    assert "make all ENGAGEMENT=e1" in str(err.value)
    assert not paths.report.exists()


def test_notebook_that_stopped_with_an_error_is_refused(tmp_path):
    paths = make_engagement(tmp_path, "ru")
    notebook = paths.outputs / "notebooks" / "01_test.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[2].outputs.append(new_output("error", ename="KeyError", evalue="'amount'",
                                          traceback=[]))
    nbformat.write(nb, notebook)
    with pytest.raises(CjmError, match="stopped with KeyError"):
        build_report("e1", tmp_path)


def test_cli_reports_the_error_and_exits_2():
    run = subprocess.run([sys.executable, "-m", "cjm.present.report", "no_such_engagement"],
                         capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert run.returncode == 2
    assert run.stderr.startswith("error: no parameters file")


def test_chapter_keeps_its_figures(tmp_path):
    paths = make_engagement(tmp_path, "ru")
    notebook = paths.outputs / "notebooks" / "01_test.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    nb.cells.append(new_code_cell("plot_funnel(table)", execution_count=4, outputs=[
        new_output("display_data", data={"image/png": png, "text/plain": "<Figure size 1200x500>"})]))
    nbformat.write(nb, notebook)
    page = render_notebook(notebook, paths.report / "01_test.html").read_text(encoding="utf-8")
    assert re.search(r'<img [^>]*src="data:image/png;base64,' + re.escape(png), page)
    assert "plot_funnel" not in page and "Figure size" not in page


def test_ru_chapters_say_nothing_in_english():
    """Every passage a ru notebook shows is written in Russian (none falls back to English)."""
    from cjm.present.words import section

    latin = re.compile(r"\b(the|and|of|is|are|with)\b")
    english = [key for key, text in section("ru", "passages").items() if latin.search(re.sub(r"`[^`]*`|\{[^}]*\}", "", text))]
    assert english == []
    notebooks = sorted((PROJECT_ROOT / "notebooks").glob("0*.ipynb"))
    assert len(notebooks) == 7
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":  # the only markdown is the removed note for developers
                assert "remove" in cell.metadata.get("tags", []), path.name


@pytest.mark.parametrize("dates, said", [
    ({"report_date": "2025-03-14", "export_date": "2025-03-01"}, "Report date: March 14, 2025"),
    ({"export_date": "2025-03-01"}, "Data as of: March 1, 2025"),
    ({}, None),
])
def test_the_reports_date_is_from_the_params_never_from_the_run(tmp_path, dates, said):
    make_engagement(tmp_path, "en", **dates)
    index = write_index("e1", tmp_path).read_text(encoding="utf-8")
    dated = re.findall(r'<p class="cjm-meta">([^<]*\d{4})</p>', index)
    assert dated == ([said] if said else [])


def test_the_renderers_key_is_noted_and_found_again_by_parsing_only_when_its_code_changed(tmp_path, monkeypatch):
    import json

    from cjm.core import deps
    from cjm.present import report

    parsed = []
    closure = deps.closure
    monkeypatch.setattr(deps, "closure", lambda modules: (parsed.append(modules), closure(modules))[1])
    key = report._renderer.__wrapped__(tmp_path)
    note = json.loads((tmp_path / "renderer.json").read_text(encoding="utf-8"))
    assert str(PROJECT_ROOT / "cjm" / "present" / "report.py") in note and len(parsed) == 1
    assert report._renderer.__wrapped__(tmp_path) == key and len(parsed) == 1  # read from the note
    (tmp_path / "renderer.json").write_text(json.dumps(dict.fromkeys(note, "0" * 64)), encoding="utf-8")
    assert report._renderer.__wrapped__(tmp_path) == key and len(parsed) == 2  # a file changed: parsed again
