"""cjm.core.io: raw exports read as text, clear errors on bad input, atomic and deterministic writes."""

import contextlib
import os
import stat
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from cjm.core.errors import CjmError
from cjm.core.files import add_consultant_note, atomic_folder, clear_consultant_notes, write_atomic
from cjm.core.io import peek_export, read_export, write_xlsx_deterministic
from cjm.core.publication import Publication
from cjm.core.schemas import require_columns

CP1251_CSV = ("Номер сделки;Сумма, BYN;Аванс;Комментарий\r\n"
              "Д-0001;1\xa0234,56;007;\"Клиент сказал: \"\"дорого\"\"; перезвонить\"\r\n"
              "Д-0002;;NA;\"две\r\nстроки\"\r\n")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _two_sheet_xlsx(path: Path) -> Path:
    workbook = Workbook()
    workbook.active.title = "Сделки"
    workbook.active.append(["Номер сделки"])
    workbook.active.append(["Д-0001"])
    sheet = workbook.create_sheet("Отказы")
    sheet.append(["Номер сделки", "Сумма", "Дата"])
    sheet.append(["Д-0002", 1234.5, datetime(2025, 3, 1)])
    sheet.append([None, None, None])
    sheet.append(["Д-0003", None, None])
    workbook.save(path)
    return path


def _raises(match: str, *args, **kwargs) -> CjmError:
    with pytest.raises(CjmError, match=match) as info:
        read_export(*args, **kwargs)
    return info.value


# ----------------------------------------------------------------------------- reading
def test_cp1251_semicolon_csv_is_read_as_text(tmp_path):
    path = _write(tmp_path / "deals.csv", CP1251_CSV.encode("cp1251"))
    frame = read_export(path, {"encoding": "cp1251", "sep": ";"})
    assert list(frame.columns) == ["Номер сделки", "Сумма, BYN", "Аванс", "Комментарий"]
    assert all(frame[c].dtype == "str" for c in frame.columns)
    assert frame.loc[0, "Сумма, BYN"] == "1\xa0234,56" and pd.isna(frame.loc[1, "Сумма, BYN"])
    assert frame["Аванс"].tolist() == ["007", "NA"]  # leading zeros and "NA" stay text
    assert frame["Комментарий"].tolist() == ['Клиент сказал: "дорого"; перезвонить', "две\r\nстроки"]


def test_cp1251_semicolon_csv_is_recognized_without_format(tmp_path):
    path = _write(tmp_path / "deals.csv", CP1251_CSV.encode("cp1251"))
    expected = read_export(path, {"encoding": "cp1251", "sep": ";"})
    pd.testing.assert_frame_equal(read_export(path), expected)


def test_utf8_sig_comma_csv(tmp_path):
    text = 'ID,Название сделки,Сумма\n1,"Лизинг, ООО ""Ромашка""",1\xa0000\n2,Физлицо,\n'
    path = _write(tmp_path / "bitrix.csv", text.encode("utf-8-sig"))
    for fmt in ({"encoding": "utf-8-sig", "sep": ","}, {"encoding": "utf-8", "sep": ","}, None):
        frame = read_export(path, fmt)
        assert list(frame.columns) == ["ID", "Название сделки", "Сумма"]
        assert frame["Название сделки"].tolist() == ['Лизинг, ООО "Ромашка"', "Физлицо"]
        assert frame.loc[0, "Сумма"] == "1\xa0000" and pd.isna(frame.loc[1, "Сумма"])


def test_skip_rows_above_the_header(tmp_path):
    text = "Выгрузка из CRM от 01.10.2025\r\n\r\nНомер;Стадия\r\n1;Новая\r\n"
    path = _write(tmp_path / "export.csv", text.encode("cp1251"))
    frame = read_export(path, {"encoding": "cp1251", "sep": ";", "skip_rows": 2})
    assert frame.to_dict("list") == {"Номер": ["1"], "Стадия": ["Новая"]}
    assert read_export(path, {"skip_rows": 2}).equals(frame)


def test_header_cell_with_a_line_break(tmp_path):
    text = '"Номер\nсделки";"Стоимость,\nBYN"\n1;"10,5"\n'
    path = _write(tmp_path / "export.csv", text.encode("utf-8"))
    expected = {"Номер\nсделки": ["1"], "Стоимость,\nBYN": ["10,5"]}
    assert read_export(path, {"sep": ";"}).to_dict("list") == expected
    assert read_export(path).to_dict("list") == expected


def test_utf16_tab_separated_is_recognized(tmp_path):
    path = _write(tmp_path / "export.txt", "Номер\tСтадия\n1\tНовая\n".encode("utf-16"))
    assert read_export(path).to_dict("list") == {"Номер": ["1"], "Стадия": ["Новая"]}


def test_xlsx_sheet_by_name(tmp_path):
    path = _two_sheet_xlsx(tmp_path / "crm.xlsx")
    frame = read_export(path, {"sheet": "Отказы"})
    assert list(frame.columns) == ["Номер сделки", "Сумма", "Дата"]
    assert frame["Номер сделки"].tolist() == ["Д-0002", "Д-0003"]  # the blank row is dropped
    assert frame.loc[0, "Сумма"] == "1234.5" and frame.loc[0, "Дата"].startswith("2025-03-01")
    assert read_export(path)["Номер сделки"].tolist() == ["Д-0001"]  # default: the first sheet


def test_xlsx_keeps_na_like_text(tmp_path):
    path = tmp_path / "survey.xlsx"
    write_xlsx_deterministic(pd.DataFrame({"a": ["NA", "null", None], "b": ["None", "=1+2", "x"]}), path, "s")
    assert read_export(path).to_dict("list") == {"a": ["NA", "null", np.nan], "b": ["None", "=1+2", "x"]}


# ----------------------------------------------------------------------------- bad input
def test_wrong_encoding_names_the_file_and_the_detected_one(tmp_path):
    path = _write(tmp_path / "deals.csv", CP1251_CSV.encode("cp1251"))
    err = _raises("deals.csv is not in encoding utf-8", path, {"encoding": "utf-8", "sep": ";"},
                  param="sources.deals.format")
    assert "it looks like cp1251" in err.fix and "sources.deals.format.encoding" in err.fix


def test_utf8_file_declared_cp1251_is_not_read_as_mojibake(tmp_path):
    path = _write(tmp_path / "deals.csv", "Номер;Стадия\n1;Новая\n".encode("utf-8"))
    err = _raises("deals.csv is not in encoding cp1251", path, {"encoding": "cp1251", "sep": ";"})
    assert "it looks like utf-8" in err.fix


def test_unknown_encoding_name(tmp_path):
    path = _write(tmp_path / "deals.csv", b"a;b\n1;2\n")
    _raises("unknown encoding 'utf-9'", path, {"encoding": "utf-9"})


def test_unknown_delimiter_names_the_file_and_the_fix(tmp_path):
    path = _write(tmp_path / "deals.csv", "Номер#Стадия\n1#Новая\n".encode("utf-8"))
    err = _raises(r"deals\.csv: delimiter ';' \(semicolon\) not found", path, {"sep": ";"},
                  param="sources.deals.format")
    assert err.fix == "set 'sources.deals.format.sep'"
    err = _raises(r"deals\.csv: cannot tell the delimiter", path, param="sources.deals.format")
    assert "set 'sources.deals.format.sep'" in err.fix
    assert read_export(path, {"sep": "#"}).to_dict("list") == {"Номер": ["1"], "Стадия": ["Новая"]}


def test_wrong_known_delimiter_suggests_the_right_one(tmp_path):
    path = _write(tmp_path / "deals.csv", b"a,b\n1,2\n")
    err = _raises(r"delimiter ';' \(semicolon\) not found", path, {"sep": ";"})
    assert err.fix == "the columns are split by ',' (comma): set 'format.sep' to \",\""


def test_a_tab_file_whose_lines_hold_as_many_commas_is_told_to_be_tab_separated(tmp_path):
    # every line splits into 4 by commas and 3 by tabs: the tabs are the delimiter
    path = _write(tmp_path / "deals.csv", "Сумма, BYN\tМарка, модель\tСрок\n1234,50\tVW, Polo\t36\n"
                                          "99,00\tKia, Rio\t24\n".encode("utf-8"))
    err = _raises(r"deals\.csv: delimiter ';' \(semicolon\) not found", path, {"sep": ";"},
                  param="sources.deals.format")
    assert err.fix == "the columns are split by '\\t' (tab): set 'sources.deals.format.sep' to \"\\t\""
    assert read_export(path).to_dict("list") == {"Сумма, BYN": ["1234,50", "99,00"],
                                                 "Марка, модель": ["VW, Polo", "Kia, Rio"], "Срок": ["36", "24"]}


def test_a_missing_export_names_its_key_and_a_file_of_a_close_name(tmp_path):
    _write(tmp_path / "crm_deals_2025.csv", b"a;b\n1;2\n")
    err = _raises("file not found: .*crm_deals.csv", tmp_path / "crm_deals.csv", param="sources.deals.format")
    assert err.fix == ("'crm_deals_2025.csv' is there (renamed?): put the export there or correct "
                       "'sources.deals.file' in the params")
    err = _raises("file not found", tmp_path / "survey.xlsx", param="sources.survey.format")
    assert err.fix == "put the export there or correct 'sources.survey.file' in the params"


def test_rows_that_do_not_fit_the_header(tmp_path):
    path = _write(tmp_path / "deals.csv", b"a;b\n1;2\n1;2;3\n")
    _raises("rows do not split into the header's columns", path, {"sep": ";"})


@pytest.mark.parametrize("data, match", [
    (b"", "empty"), (b"   \r\n\r\n", "no header line"), ("\ufeff".encode("utf-8"), "no header line"),
    (b"a;b\r\n", "header but no rows"),
])
def test_empty_exports(tmp_path, data, match):
    _raises(match, _write(tmp_path / "deals.csv", data))


def test_missing_file_and_unsupported_type(tmp_path):
    _raises("file not found", tmp_path / "nowhere.csv")
    _raises("unsupported file type '.json'", _write(tmp_path / "deals.json", b"{}"))


def test_missing_sheet_names_the_sheets_present(tmp_path):
    path = _two_sheet_xlsx(tmp_path / "crm.xlsx")
    err = _raises(r"crm\.xlsx: no sheet 'Отказ'", path, {"sheet": "Отказ"}, param="sources.lost.format")
    assert err.fix == "set 'sources.lost.format.sheet' to one of ['Сделки', 'Отказы']"


def test_broken_xlsx(tmp_path):
    _raises("cannot be read as xlsx", _write(tmp_path / "crm.xlsx", b"not a zip"))


# ----------------------------------------------------------------------------- the start of an export
def _both_ways(path, fmt=None):
    """peek_export's frame, and read_export's first rows of the same file."""
    peeked = peek_export(path, fmt, rows=2)
    return peeked, read_export(path, fmt).head(2)


def test_peek_reads_the_start_as_read_export_reads_the_whole(tmp_path):
    xlsx = _two_sheet_xlsx(tmp_path / "crm.xlsx")
    for fmt in (None, {"sheet": "Отказы"}, {"sheet": 1}):
        peeked, whole = _both_ways(xlsx, fmt)
        pd.testing.assert_frame_equal(peeked, whole)
    peeked, _ = _both_ways(xlsx, {"sheet": "Отказы"})
    # the blank row is left out, as read_excel leaves it
    assert peeked.to_dict("list") == {"Номер сделки": ["Д-0002", "Д-0003"], "Сумма": ["1234.5", np.nan],
                                      "Дата": ["2025-03-01 00:00:00", np.nan]}
    csv = _write(tmp_path / "deals.csv", CP1251_CSV.encode("cp1251"))
    pd.testing.assert_frame_equal(*_both_ways(csv, {"encoding": "cp1251", "sep": ";"}))


def test_peek_reads_only_the_start(tmp_path):
    # a byte no encoding reads, 2 MB into the file: read_export finds it, peek_export never gets there
    rows = "".join(f"{i};текст\n" for i in range(200_000)).encode("utf-8")
    path = _write(tmp_path / "big.csv", b"id;text\n" + rows + b"1;\xff\n")
    assert peek_export(path, {"encoding": "utf-8", "sep": ";"}, rows=3)["id"].tolist() == ["0", "1", "2"]
    _raises("not in encoding utf-8 \\(further into the file\\)", path, {"encoding": "utf-8", "sep": ";"})


def test_peek_finds_what_the_start_shows(tmp_path):
    def fails(match, path, fmt=None):
        with pytest.raises(CjmError, match=match) as info:
            peek_export(path, fmt, param="sources.crm.format")
        return info.value

    xlsx = _two_sheet_xlsx(tmp_path / "crm.xlsx")
    assert fails("no sheet 'Отказ'", xlsx, {"sheet": "Отказ"}).fix == \
        "set 'sources.crm.format.sheet' to one of ['Сделки', 'Отказы']"
    fails("no sheet 2", xlsx, {"sheet": 2})
    header_only = tmp_path / "header.xlsx"
    write_xlsx_deterministic(pd.DataFrame({"Номер": []}), header_only, "s")
    fails("header.xlsx has a header but no rows", header_only)
    for data in (b"not a zip", b"PK\x03\x04 cut short"):
        error = fails("broken.xlsx: cannot be read as xlsx", _write(tmp_path / "broken.xlsx", data))
        assert error.fix == "open it in Excel and save it again as .xlsx"
    fails("empty \\(0 bytes\\)", _write(tmp_path / "empty.xlsx", b""))
    fails("file not found", tmp_path / "nowhere.xlsx")
    fails("header but no rows", _write(tmp_path / "deals.csv", b"a;b\r\n"))
    assert "it looks like cp1251" in fails("not in encoding utf-8", _write(tmp_path / "cp.csv", CP1251_CSV.encode(
        "cp1251")), {"encoding": "utf-8", "sep": ";"}).fix


def test_require_columns_suggests_a_close_name():
    frame = pd.DataFrame({"Номер сделки": ["1"], "Дата создания": ["01.01.2025"]})
    require_columns(frame, ["Номер сделки"], "deals.csv", "sources.deals")
    with pytest.raises(CjmError, match="deals.csv: column 'Номер сдлеки' \\(did you mean 'Номер сделки'\\?\\)") \
            as info:
        require_columns(frame, ["Номер сдлеки", "Дата создания"], "deals.csv", "sources.deals")
    assert "Дата создания" not in info.value.problem.split("not found")[0]
    assert info.value.fix == "correct the column name under 'sources.deals' (renamed or misspelt? 'Номер сдлеки' -> 'Номер сделки')"


# ----------------------------------------------------------------------------- writing
def test_atomic_folder_swaps_in_new_contents(tmp_path):
    target = tmp_path / "anonymized"
    target.mkdir()
    (target / "old.csv").write_text("old")
    with atomic_folder(target) as folder:
        (folder / "new.csv").write_text("new")
        assert (target / "old.csv").exists()  # untouched until the body succeeds
    assert [p.name for p in target.iterdir()] == ["new.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["anonymized"]


def test_atomic_folder_leaves_the_old_folder_when_the_body_raises(tmp_path):
    target = tmp_path / "anonymized"
    target.mkdir()
    (target / "old.csv").write_text("old")
    with pytest.raises(RuntimeError, match="boom"), atomic_folder(target) as folder:
        (folder / "new.csv").write_text("new")
        raise RuntimeError("boom")
    assert [p.name for p in target.iterdir()] == ["old.csv"]
    assert (target / "old.csv").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["anonymized"]


def test_write_atomic_writes_each_kind(tmp_path):
    frame = pd.DataFrame({"a": ["x", "ё"], "b": [1, 2]})
    assert (write_atomic("текст", tmp_path / "note.txt")).read_text(encoding="utf-8") == "текст"
    pd.testing.assert_frame_equal(pd.read_parquet(write_atomic(frame, tmp_path / "t.parquet")), frame)
    assert pd.read_csv(write_atomic(frame, tmp_path / "t.csv"))["a"].tolist() == ["x", "ё"]
    assert pd.read_excel(write_atomic(frame, tmp_path / "t.xlsx"))["b"].tolist() == [1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.txt", "t.csv", "t.parquet", "t.xlsx"]


@contextlib.contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, file_mode, folder_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750),
                                                          (0o002, 0o664, 0o775)])
def test_written_files_and_folders_honour_the_umask_as_a_plain_write_does(tmp_path, mask, file_mode, folder_mode):
    frame = pd.DataFrame({"a": [1]})
    with umask(mask):
        written = [write_atomic(b"png", tmp_path / "map.png"), write_atomic("{}", tmp_path / "model.json"),
                   write_atomic(frame, tmp_path / "t.csv"), write_atomic(frame, tmp_path / "t.parquet"),
                   write_xlsx_deterministic(frame, tmp_path / "t.xlsx", "s")]
        with atomic_folder(tmp_path / "maps") as folder:
            write_atomic(b"svg", folder / "map.svg")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
    assert mode(plain) == file_mode  # what a plain write gives
    assert {p.name: mode(p) for p in [*written, tmp_path / "maps" / "map.svg"]} == \
        {p.name: file_mode for p in [*written, tmp_path / "maps" / "map.svg"]}
    assert mode(tmp_path / "maps") == folder_mode  # not mkdtemp's 700
    write_atomic(b"again", tmp_path / "map.png")  # a file of mode 600 from an older run is replaced
    assert not list(tmp_path.glob(".*"))


def test_a_private_write_is_the_owners_alone_from_the_start(tmp_path):
    with umask(0o000):
        path = write_atomic("kind,original,pseudonym\n", tmp_path / "reidentification.csv", private=True)
        public = write_atomic("x", tmp_path / "public.txt")
    assert (mode(path), mode(public)) == (0o600, 0o666)


@pytest.mark.parametrize("name", ["t.parquet", "t.json"])
def test_write_atomic_leaves_no_temp_file_and_the_old_file_on_error(tmp_path, name):
    (tmp_path / name).write_text("old")
    unwritable = pd.DataFrame({"a": [1, "x", object()]})  # parquet cannot store mixed objects
    with pytest.raises(Exception):
        write_atomic(unwritable, tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert (tmp_path / name).read_text() == "old"


def test_write_xlsx_deterministic(tmp_path):
    frame = pd.DataFrame({"Дата": [datetime(2025, 3, 1), None], "Сумма": [np.int64(5), 7],
                          "Текст": ["а", np.nan]})
    first = write_xlsx_deterministic(frame, tmp_path / "a.xlsx", "Лист", ("Дата",), creator="Клиент")
    second = write_xlsx_deterministic(frame, tmp_path / "b.xlsx", "Лист", ("Дата",), creator="Клиент")
    assert first.read_bytes() == second.read_bytes()
    sheet = load_workbook(first)["Лист"]
    assert [c.value for c in sheet[1]] == ["Дата", "Сумма", "Текст"]
    assert [c.value for c in sheet[2]] == [datetime(2025, 3, 1), 5, "а"]
    assert sheet["A2"].number_format == "DD.MM.YYYY"
    assert [c.value for c in sheet[3]] == [None, 7, None]
    assert load_workbook(first).properties.creator == "Клиент"


# ----------------------------------------------------------------------------- round trips
ANY_CP1251 = st.characters(codec="cp1251", exclude_categories=("Cc", "Cs"))
TRICKY = "аяЁёЩAz09 =.'№«»—\xa0\n;,\"\t"  # sampled apart so they are frequent, not 15 of ~230
NAME_TRICKY = TRICKY.translate({ord(c): None for c in ';,"\t'})  # a header the reader can guess


def _texts(tricky: str, max_size: int):
    return st.one_of(st.text(st.sampled_from(tricky), max_size=max_size), st.text(ANY_CP1251, max_size=max_size))


@st.composite
def text_frames(draw, name_tricky=TRICKY, name_any=True):
    """A 2-4 column, 1-5 row frame of cp1251-encodable text cells (empty cells are missing values)."""
    name = _texts(name_tricky, 6) if name_any else st.text(st.sampled_from(name_tricky), max_size=6)
    names = draw(st.lists(name.filter(str.strip), min_size=2, max_size=4, unique_by=str.strip))
    cells = st.lists(_texts(TRICKY, 8), min_size=len(names), max_size=len(names))
    return pd.DataFrame(draw(st.lists(cells, min_size=1, max_size=5)), columns=names)


def _round_trip(frame: pd.DataFrame, encoding: str, sep: str, fmt_given: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        frame.to_csv(path, sep=sep, encoding=encoding, index=False)
        data = path.read_bytes()
        if encoding == "cp1251":
            # such bytes are valid UTF-8 too (e.g. "Рђ"), which the reader rightly prefers
            assume(data.isascii() or not _is_utf8(data))
        got = read_export(path, {"encoding": encoding, "sep": sep} if fmt_given else None)
    expected = frame.replace("", np.nan)
    expected.columns = [c.strip() for c in frame.columns]
    assert got.to_dict("list") == expected.to_dict("list")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


ROUND_TRIP = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIP
@given(frame=text_frames(), encoding=st.sampled_from(["cp1251", "utf-8-sig"]), sep=st.sampled_from([";", ","]))
def test_csv_round_trip_with_format(frame, encoding, sep):
    _round_trip(frame, encoding, sep, fmt_given=True)


@ROUND_TRIP
@given(frame=text_frames(NAME_TRICKY, name_any=False), encoding=st.sampled_from(["cp1251", "utf-8-sig"]),
       sep=st.sampled_from([";", ","]))
def test_csv_round_trip_guessing_the_format(frame, encoding, sep):
    _round_trip(frame, encoding, sep, fmt_given=False)


@ROUND_TRIP
@given(frame=text_frames())
def test_xlsx_round_trip(frame):
    frame = frame[frame.ne("").any(axis=1)]  # the reader drops blank rows
    assume(len(frame))
    with tempfile.TemporaryDirectory() as tmp:
        got = read_export(write_xlsx_deterministic(frame, Path(tmp) / "export.xlsx", "Лист"))
    expected = frame.replace("", np.nan).reset_index(drop=True)
    expected.columns = [c.strip() for c in frame.columns]
    assert got.to_dict("list") == expected.to_dict("list")


def test_transcripts_read_from_txt_md_and_docx(tmp_path):
    import docx

    from cjm.core.io import read_transcript

    lines = ["Интервьюер: Как прошло одобрение?", "Респондент: Долго, ждал неделю."]
    (tmp_path / "a.txt").write_text("\ufeff" + "\n\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "a.md").write_text("\n".join(lines), encoding="utf-8")
    document = docx.Document()
    for line in ["", *lines]:
        document.add_paragraph(line)
    document.save(tmp_path / "a.docx")
    for name in ("a.txt", "a.md", "a.docx"):
        assert read_transcript(tmp_path / name) == "\n".join(lines), name


def test_transcript_in_a_wrong_encoding_or_type_is_one_clear_error(tmp_path):
    from cjm.core.io import read_transcript

    (tmp_path / "b.txt").write_bytes("Респондент: Долго ждал одобрения.".encode("cp1251"))
    with pytest.raises(CjmError, match="b.txt is not in encoding utf-8") as error:
        read_transcript(tmp_path / "b.txt")
    assert "cp1251" in error.value.fix and "UTF-8" in error.value.fix
    (tmp_path / "c.rtf").write_text("{\\rtf1}", encoding="utf-8")
    with pytest.raises(CjmError, match="unsupported transcript type '.rtf'"):
        read_transcript(tmp_path / "c.rtf")


def test_the_consultant_log_keeps_each_note_once_by_chapter_and_a_run_starts_its_chapter_afresh(tmp_path):
    log = tmp_path / "data" / "e" / "logs" / "consultant.md"
    add_consultant_note(log, "05", "Разметьте интервью `I-1`\n и перезапустите шаг 05.")
    add_consultant_note(log, "03", "Пересмотрите признаки.")
    add_consultant_note(log, "05", "Разметьте интервью `I-1` и перезапустите шаг 05.")  # the cell run again
    assert log.read_text(encoding="utf-8") == (
        "## 03\n\n- Пересмотрите признаки.\n\n## 05\n\n- Разметьте интервью `I-1` и перезапустите шаг 05.\n")
    with Publication(tmp_path, "e", "05_interviews"):  # a rerun of 05 whose cause is gone
        clear_consultant_notes(log, "05")
        assert "## 05" in log.read_text(encoding="utf-8")  # published only with the step's outputs
    assert log.read_text(encoding="utf-8") == "## 03\n\n- Пересмотрите признаки.\n"
    clear_consultant_notes(log, "03")
    assert not log.exists()
