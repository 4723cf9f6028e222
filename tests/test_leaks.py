"""Leak check: the matcher on hand-made texts, file readers, and the demo engagement end to end."""

import json
import stat

import pandas as pd
import pytest

from cjm.privacy import leaks
from cjm.privacy.anonymize import read_sources
from cjm.privacy.leaks import PersonalValues, ValueIndex, documents, find_leaks, find_personal, main, raw_personal_values
from cjm.core.paths import PROJECT_ROOT

NAME = "Баранов Олег Петрович"


# ----------------------------------------------------------------------------- the matcher
def test_full_name_matches_whatever_the_case_spacing_and_punctuation():
    index = ValueIndex([NAME])
    text = "Звонил БАРАНОВ   олег Петрович, потом Баранов О.П."
    assert [text[s:e] for s, e in index.find(text)] == ["БАРАНОВ   олег Петрович"]


def test_a_surname_alone_or_in_a_town_is_not_a_find():
    index = ValueIndex([NAME, "Олег Баранов"])
    assert index.find("Офис в Барановичах и в Барановичи; Баранов приехал; Олег Петрович тоже") == []


def test_short_values_and_small_numbers_are_not_looked_for():
    index = ValueIndex(["Ян", "М", "480010", "1001", "К-12", "3751234567"])
    assert index.values == {"к 12", "3751234567"}
    assert index.find("ID 480010, 1001 клиентов, Ян") == []


def test_longest_value_wins_and_values_are_found_in_order():
    index = ValueIndex([NAME, "Баранов Олег", "К-000001"])
    text = "К-000001: Баранов Олег Петрович"
    assert [text[s:e] for s, e in index.find(text)] == ["К-000001", NAME]


def test_patterns_are_found_and_raw_values_win_over_them():
    index = ValueIndex(["kotov1985@mail.ru"])
    text = ("тел. +375 29 765-43-21, kotov1985@mail.ru, other@mail.ru, паспорт MP1234567, "
            "ЛН 3140588A001PB5, тел. 8 029 111 22 33")
    values = PersonalValues(index, phones={"+375291112233"})
    found = [(text[s:e], kind) for s, e, kind in find_personal(text, values)]
    assert found == [("+375 29 765-43-21", "phone"), ("kotov1985@mail.ru", "raw_value"),
                     ("other@mail.ru", "email"), ("MP1234567", "passport"),
                     ("3140588A001PB5", "personal_number"), ("8 029 111 22 33", "raw_value")]


def test_pseudonyms_placeholders_amounts_and_dates_are_not_finds():
    text = ("C-0123456789abcdef D-1234567890123456 [имя] [телефон] [личный номер] "
            "аванс 45 600,00 BYN от 01.01.2023 08:05, сделка С-0001234")
    assert find_personal(text, PersonalValues(ValueIndex([NAME]))) == []


def test_birth_dates_are_found_as_dates_only():
    values = PersonalValues(birth_dates={"1999-02-22", "1980-07-13"})
    text = "родилась 22.02.1999, в анкете 1999-02-22"
    assert [text[s:e] for s, e, _ in find_personal(text, values)] == ["22.02.1999", "1999-02-22"]
    assert find_personal('xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" 13:07 1980', values) == []


def test_values_do_not_match_across_lines_or_pseudonyms():
    values = PersonalValues(ValueIndex([NAME]))
    assert find_personal("Баранов Олег\nПетрович; Баранов Олег C-0123456789abcdef Петрович", values) == []


def test_excerpt_masks_every_find_near_the_one_shown():
    text = "строка 1\nзвонила Баранов Олег Петрович с +375 29 765-43-21 вчера\nстрока 3"
    finds = find_personal(text, PersonalValues(ValueIndex([NAME])))
    excerpt = leaks._excerpt(text, finds, 0)
    assert excerpt == "звонила Ба*** с +3***"


# ----------------------------------------------------------------------------- raw values
def test_raw_values_follow_the_declared_columns():
    frame = pd.DataFrame({
        "ID": ["1001", "1002"], "Сделка": ["С-0000001", "С-0000002"], "Дело": ["А-0000001", "А-0000002"],
        "Фамилия": ["Котов", "Ясинский"], "Имя": ["Андрей", "Алексей"], "Отчество": ["Аркадьевич", None],
        "Телефон": ["+375 44 941-40-24", None], "E-mail": ["Kotov1985@Mail.ru", None],
        "Паспорт": ["мр 1234567", None], "Дата рождения": ["23.12.1985", "1997-10-13"],
        "Адрес": ["г. Минск", "г. Могилев, ул. Кальварийская, д. 116"], "Город": ["Минск", "Могилев"]})
    params = {"sources": {"contacts": {
        "identifiers": {"ID": "client", "Сделка": "deal", "Дело": "activity"},
        "name_columns": ["Фамилия", "Имя", "Отчество"], "link_person": {"Телефон": "phone", "E-mail": "email"},
        "drop": ["Паспорт"], "birth_date": {"Дата рождения": "birth_year"}, "address": ["Адрес"]}}}
    values = raw_personal_values(params, {"contacts": frame})
    found = values.words.values
    assert values.phones == {"+375449414024"}
    assert values.birth_dates == {"1985-12-23", "1997-10-13"}
    assert {"с 0000001", "котов андрей аркадьевич", "андрей котов", "ясинский алексей",
            "375449414024", "449414024", "80449414024", "kotov1985 mail ru", "мр 1234567", "mp1234567",
            "mp 1234567", "г могилев ул кальварийская д 116"} <= found
    assert not found & {"1001", "а 0000001", "котов", "андрей", "г минск", "минск"}


# ----------------------------------------------------------------------------- files
def test_notebook_text_outputs_are_read_and_images_are_not(tmp_path):
    notebook = {"cells": [{"cell_type": "code", "source": ["x = 1\n", "x"], "outputs": [
        {"output_type": "display_data", "data": {"image/png": "iVBOR+375291234567AAAA",
                                                 "text/plain": ["тел. +375 29 765-43-21"]}}]}]}
    path = tmp_path / "01.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    found = [(locate(text.count("\n", 0, s) + 1), kind)
             for text, locate in documents(path) for s, e, kind in find_personal(text)]
    assert found == [("cell 1, line 3", "phone")]


def test_json_finds_are_named_by_path_and_html_images_are_skipped(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"journeys": [{"quote": "пишите a.b@mail.ru"}]}),
                                         encoding="utf-8")
    (tmp_path / "index.html").write_text('<p>ok</p>\n<img src="data:image/png;base64,AB+375291234567=">',
                                         encoding="utf-8")
    [(text, locate)] = documents(tmp_path / "model.json")
    [(s, e, kind)] = find_personal(text)
    assert (locate(text.count("\n", 0, s) + 1), kind) == ("$.journeys[0].quote", "email")
    [(text, _)] = documents(tmp_path / "index.html")
    assert find_personal(text) == []


def test_svg_geometry_and_style_sheets_are_not_read_but_text_is(tmp_path):
    svg = ('<svg><path d="M 0 0\nQ 2403 441 2728 666 \nL 80 29 765 43 21"/>\n'
           '<g id="text_1"><!-- звонить +375 29 765-43-21 --></g></svg>')
    (tmp_path / "map.svg").write_text(svg, encoding="utf-8")
    (tmp_path / "report.html").write_text(f"<style>/* Ivan <Maniac@SoftwareManiacs.Org> */</style>\n{svg}",
                                          encoding="utf-8")
    for name, line in (("map.svg", "line 4"), ("report.html", "line 5")):
        [(text, locate)] = documents(tmp_path / name)
        assert [(locate(text.count("\n", 0, s) + 1), kind) for s, e, kind in find_personal(text)] == [
            (line, "phone")], name


@pytest.mark.parametrize("name", ["bad.parquet", "bad.xlsx", "bad.json"])
def test_a_corrupt_file_is_a_clear_error(tmp_path, monkeypatch, name):
    paths = leaks.EngagementPaths("e", tmp_path)
    paths.report.mkdir(parents=True)
    (paths.report / name).write_text("{not what it says", encoding="utf-8")
    monkeypatch.setattr(leaks, "load_params", lambda engagement, root: {"sources": {}})
    monkeypatch.setattr(leaks, "raw_exports", lambda params, paths: {})
    with pytest.raises(leaks.CjmError, match=f"{name}: cannot be read"):
        find_leaks("e", tmp_path)


def test_png_text_chunks_are_read_other_images_and_binary_files_listed_not_read(tmp_path, monkeypatch):
    from PIL import Image, PngImagePlugin

    paths = leaks.EngagementPaths("e", tmp_path)
    paths.report.mkdir(parents=True)
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Author", "менеджер, +375 29 123-45-67")
    Image.new("RGB", (4, 4)).save(paths.report / "map.png", pnginfo=chunks)
    (paths.report / "photo.jpg").write_bytes(b"\xff\xd8\xff +375291234567")
    (paths.interim).mkdir(parents=True)
    (paths.interim / "model.joblib").write_bytes(b"\x80\x04\xff +375291234567")
    (paths.interim / "run.log").write_text("звонок +375 29 765-43-21", encoding="utf-8")
    monkeypatch.setattr(leaks, "load_params", lambda engagement, root: {"sources": {}})
    monkeypatch.setattr(leaks, "raw_exports", lambda params, paths: {})
    found = find_leaks("e", tmp_path)
    assert found[["file", "kind"]].values.tolist() == [["outputs/e/report/map.png", "phone"],
                                                       ["data/e/interim/run.log", "phone"]]
    assert found.attrs["skipped"] == ["outputs/e/report/photo.jpg", "data/e/interim/model.joblib"]
    assert found.attrs["files"] == 2


def test_pdf_pages_word_documents_and_pickles_are_read(tmp_path, monkeypatch):
    import pickle

    import docx
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = leaks.EngagementPaths("e", tmp_path)
    paths.report.mkdir(parents=True)
    fig = plt.figure()
    fig.text(0.1, 0.5, "Клиент: ул. Советская 5-12, карта 4111 1111 1111 1111")
    fig.savefig(paths.report / "map.pdf")
    plt.close(fig)
    document = docx.Document()
    document.add_paragraph("Пишите @ivanov_petr")
    document.save(paths.report / "notes.docx")
    (paths.report / "model.pickle").write_bytes(pickle.dumps({"names": ["ivan.petrov@mail.ru"]}))
    monkeypatch.setattr(leaks, "load_params", lambda engagement, root: {"sources": {}})
    monkeypatch.setattr(leaks, "raw_exports", lambda params, paths: {})
    found = find_leaks("e", tmp_path)
    assert sorted(map(tuple, found[["file", "kind"]].values.tolist())) == [
        ("outputs/e/report/map.pdf", "address"), ("outputs/e/report/map.pdf", "card"),
        ("outputs/e/report/model.pickle", "email"), ("outputs/e/report/notes.docx", "handle")]


def test_a_poster_pdf_is_read_a_text_a_line(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    texts = ["Клиент: ул. Советская 5-12", "карта 4111 1111 1111 1111 (Ёж) \\ [x]"]
    with matplotlib.rc_context({"pdf.fonttype": 42}):  # fonts embedded, as 07 writes the posters
        fig = plt.figure()
        for k, text in enumerate(texts):
            fig.text(0.1, 0.5 - 0.1 * k, text)
        fig.savefig(tmp_path / "map.pdf")
        plt.close(fig)
    [_, (read, locate)] = documents(tmp_path / "map.pdf")
    assert read.splitlines() == texts and locate(2) == "page 1, line 2"
    assert [kind for _, _, kind in find_personal(read)] == ["address", "card"]


def test_a_deck_is_read_in_its_tables_notes_and_properties(tmp_path, monkeypatch):
    from pptx import Presentation
    from pptx.util import Inches

    paths = leaks.EngagementPaths("e", tmp_path)
    paths.report.mkdir(parents=True)

    def deck(cell: str, note: str, author: str, name: str) -> None:
        presentation = Presentation()
        slide = presentation.slides.add_slide(presentation.slide_layouts[6])
        slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame.text = "Воронка"
        grid = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
        grid.cell(0, 0).text, grid.cell(1, 1).text = "Этап", cell
        slide.notes_slide.notes_text_frame.text = note
        presentation.core_properties.author = author
        presentation.save(paths.report / name)

    deck("ivan.petrov@mail.ru", "Перезвонить +375 29 123-45-67", "@ivanov_petr", "planted.pptx")
    deck("Консультация", "Главный барьер", "cjm", "clean.pptx")
    monkeypatch.setattr(leaks, "load_params", lambda engagement, root: {"sources": {}})
    monkeypatch.setattr(leaks, "raw_exports", lambda params, paths: {})
    found = find_leaks("e", tmp_path)
    assert found.attrs["files"] == 2
    assert sorted(map(tuple, found[["file", "kind"]].values.tolist())) == [
        ("outputs/e/report/planted.pptx", "email"), ("outputs/e/report/planted.pptx", "handle"),
        ("outputs/e/report/planted.pptx", "phone")]


# ----------------------------------------------------------------------------- the demo
@pytest.fixture(scope="module")
def world(demo_world):
    """The demo with 01 run, no outputs yet, and its raw exports read once for this module."""
    demo_world.anonymized
    demo_world.raw = read_sources(demo_world.params, demo_world.paths)
    return demo_world


@pytest.fixture
def cached_raw(world, monkeypatch):
    monkeypatch.setattr(leaks, "raw_exports", lambda params, paths: world.raw)


@pytest.fixture
def planted(world, cached_raw):
    """A raw client name in a report text, phones in an interim parquet; removed afterwards."""
    clients = world.raw["clients"]
    names = clients["ФИО / Наименование"].dropna()
    name = names[names.str.split().str.len() == 3].iloc[0]
    phones = clients["Телефон"].dropna().map(leaks.normalize_phone).dropna()
    national = phones[phones.str.startswith("+375")].iloc[0][4:]
    report = world.paths.report / "notes.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(f"Итоги\nКлиентка {name} из Барановичей недовольна.\nВ Барановичи едет {name.split()[0]}.\n",
                      encoding="utf-8")
    table = world.paths.interim / "probe.parquet"
    pd.DataFrame({"note": ["перезвонить +375 29 765-43-21", "ok"], "contact": [int(national), 0]}).to_parquet(table)
    yield {"name": name, "national": national, "report": report, "table": table}
    report.unlink()
    table.unlink()


def test_anonymized_demo_has_no_leaks_and_gets_a_stamp(world, cached_raw, capsys):
    # files read: all under outputs/ and interim/ but the binary ones (a segment model, when 03 ran here first)
    n_files = sum(p.is_file() and not leaks._binary(p) for f in (world.paths.outputs, world.paths.interim)
                  for p in f.rglob("*"))
    code = main([world.paths.name, "--root", str(world.paths.root)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "leak check passed" in out
    stamp = (world.paths.outputs / leaks.STAMP).read_text(encoding="utf-8")
    assert f"files: {n_files}\n" in stamp
    assert int(stamp.split("values: ")[1]) > len(world.raw["clients"])
    caches = list(world.paths.private.glob(".leak-*"))  # raw personal values: the owner's only
    assert caches and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in caches), caches


def test_planted_leaks_are_found_with_file_kind_and_place(world, planted):
    found = find_leaks(world.paths.name, world.paths.root)
    rows = set(found[["file", "kind", "column_or_line"]].itertuples(index=False, name=None))
    e = world.paths.name
    assert rows == {(f"outputs/{e}/report/notes.txt", "raw_value", "line 2"),
                    (f"data/{e}/interim/probe.parquet", "phone", "note"),
                    (f"data/{e}/interim/probe.parquet", "raw_value", "contact")}
    text = "\n".join(found["excerpt"])
    assert planted["name"] not in text and planted["national"] not in text
    assert "Барановичей" in text  # the town next to the name is context, not a find


def test_main_fails_on_planted_leaks_and_removes_the_stamp(world, planted, capsys):
    stamp = world.paths.outputs / leaks.STAMP
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("old", encoding="utf-8")
    assert main([world.paths.name, "--root", str(world.paths.root)]) == 1
    captured = capsys.readouterr()
    assert "leak check failed: 3 finds in 2 files" in captured.err
    assert planted["name"] not in captured.out + captured.err
    assert not stamp.exists()


def test_a_rerun_reads_only_what_changed_since_a_clean_check(world, cached_raw, monkeypatch):
    e, root = world.paths.name, world.paths.root
    find_leaks(e, root)
    read, documents = [], leaks.documents
    monkeypatch.setattr(leaks, "documents", lambda path: (read.append(path.name), documents(path))[1])
    again = find_leaks(e, root)
    assert read == [] and again.attrs["unchanged"] == again.attrs["files"] > 10 and again.attrs["texts"] == 0

    name = world.raw["clients"]["ФИО / Наименование"].dropna().iloc[0]
    late = world.paths.report / "late.txt"
    late.write_text(f"Звонила {name}", encoding="utf-8")
    try:
        assert len(find_leaks(e, root)) == 1 and read == ["late.txt"]
        assert len(find_leaks(e, root)) == 1 and read == ["late.txt"] * 2  # a file with finds is read every time
    finally:
        late.unlink()
    table = world.paths.reidentification
    before = table.read_bytes()
    table.write_bytes(before + b"\n")  # other personal values: every file is read again
    try:
        read.clear()
        assert find_leaks(e, root).attrs["unchanged"] == 0 and len(read) == again.attrs["files"]
    finally:
        table.write_bytes(before)


def test_user_errors_exit_2(tmp_path, capsys):
    assert main(["nope", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: no parameters file")
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "demo.yaml").write_text(
        (PROJECT_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["demo", "--root", str(tmp_path)]) == 2
    assert "nothing to scan" in capsys.readouterr().err
