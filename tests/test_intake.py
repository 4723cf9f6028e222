"""Intake of exports as clients send them: dates in any common form, separators,
yes/no in value maps, keys from row numbers, what 01 keeps, drops and says."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjm.analysis import clean as cl
from cjm.privacy.anonymize import anonymize, read_source
from cjm.core.errors import CjmError
from cjm.core.io import read_export
from cjm.core.params import load_params, read_yaml, row_id_sources
from cjm.core.paths import EngagementPaths
from cjm.privacy.pii import detect_personal_columns


def _s(*values):
    return pd.Series(values, dtype="str")


# ----------------------------------------------------------------------------- dates
def test_iso_8601_with_fractions_and_offsets_is_converted_to_utc_and_said():
    info = {}
    dates, status = cl.parse_dates(_s("2011-10-01T00:38:44.546+02:00", "2011-11-01T10:38:44.546+01:00",
                                      "2011-11-01T10:38:44Z", "2011-11-02T08:00:00"), info=info)
    assert dates.tolist() == [pd.Timestamp("2011-09-30 22:38:44.546"), pd.Timestamp("2011-11-01 09:38:44.546"),
                              pd.Timestamp("2011-11-01 10:38:44"), pd.Timestamp("2011-11-02 08:00")]
    assert (status == cl.OK).all() and info == {"offsets": ["+01:00", "+02:00", "Z"]}


def test_yyyymmdd_and_excel_serial_days():
    assert cl.parse_dates(_s("19970101", "19971231"))[0].tolist() == [pd.Timestamp("1997-01-01"),
                                                                     pd.Timestamp("1997-12-31")]
    info = {}
    dates, _ = cl.parse_dates(_s("45000", "45000.5", ""), info=info)
    assert dates.tolist()[:2] == [pd.Timestamp("2023-03-15"), pd.Timestamp("2023-03-15 12:00")]
    assert info == {"excel_serial": 2}
    assert cl.parse_dates(_s("45000"), date_format="%d.%m.%Y")[1].tolist() == [cl.REJECTED]  # a pinned format


PARAMS = {"_file": "params/t.yaml", "sources": {"log": {"file": "log.csv"}}, "clean": {"max_invalid_share": 0.05}}


def test_a_mostly_unreadable_date_column_is_one_error_with_three_values():
    raw = pd.DataFrame({"id": ["1", "2", "3", "4"], "at": ["12/31/2011 10:00 PM", "1/2/2012 9:00 AM",
                                                           "1/3/2012 7:15 PM", "2012-01-04"]}, dtype="str")
    spec = {"source": "log", "columns": {"deal_id": "id", "stage": "id", "entered_at": "at"}}
    with pytest.raises(CjmError, match=r"(?s)log\.csv.*'at'.*entered_at.*3 of 4.*'12/31/2011 10:00 PM'.*date_format"):
        cl.build_table("stage_events", spec, {"log": raw}, PARAMS)


def test_times_converted_to_utc_are_a_note_of_02():
    raw = pd.DataFrame({"id": ["1", "2"], "s": ["a", "b"],
                        "at": ["2011-10-01T00:38:44.546+02:00", "2011-11-01T00:38:44.546+01:00"]}, dtype="str")
    spec = {"source": "log", "columns": {"deal_id": "id", "stage": "s", "entered_at": "at"}}
    _, _, counts = cl.build_table("stage_events", spec, {"log": raw}, PARAMS)
    assert counts["notes"] == [{"table": "stage_events", "column": "entered_at", "note": "utc",
                                "detail": "+01:00, +02:00", "count": None}]


_FORMATS = ["%d.%m.%Y", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y%m%d", "%d/%m/%Y"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2049, 12, 31)), min_size=1,
                max_size=20), st.sampled_from(_FORMATS), st.integers(-12, 14))
def test_any_date_as_exports_write_it_reads_back(moments, fmt, hours):
    moments = [m.replace(microsecond=0) for m in moments]
    written = [m.strftime(fmt) for m in moments]
    expected = [pd.Timestamp(dt.datetime.strptime(w, fmt)) for w in written]
    assert cl.parse_dates(_s(*written))[0].tolist() == expected
    offset = dt.timezone(dt.timedelta(hours=hours))
    iso = [m.replace(tzinfo=offset).isoformat(timespec="milliseconds") for m in moments]
    assert cl.parse_dates(_s(*iso))[0].tolist() == [pd.Timestamp(m - dt.timedelta(hours=hours)) for m in moments]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=20))
def test_any_text_is_read_or_rejected_never_raised(texts):
    dates, status = cl.parse_dates(pd.Series(texts, dtype="str"))
    assert len(dates) == len(texts) and set(status) <= {cl.OK, cl.MISSING, cl.REJECTED}
    assert (dates.isna() == (status != cl.OK)).all()


# ----------------------------------------------------------------------------- separators
def test_a_file_separated_by_runs_of_spaces_is_read(tmp_path):
    path = tmp_path / "purchases.txt"
    path.write_text("customer_id date quantity amount\n 00001 19970101   1    11.77\n 00002 19970112   5   77.00\n")
    expected = {"customer_id": ["00001", "00002"], "date": ["19970101", "19970112"], "quantity": ["1", "5"],
                "amount": ["11.77", "77.00"]}
    assert read_export(path).to_dict("list") == expected
    assert read_export(path, {"sep": r"\s+"}).to_dict("list") == expected


def test_a_tab_separated_file_declared_otherwise_names_the_tab(tmp_path):
    path = tmp_path / "log.tsv"
    path.write_text("a,b\tc\td\n1\t2\t3\n4\t5\t6\n")
    with pytest.raises(CjmError, match=r"delimiter ';' \(semicolon\) not found") as error:
        read_export(path, {"sep": ";"}, param="sources.log.format")
    assert error.value.fix == "the columns are split by '\\t' (tab): set 'sources.log.format.sep' to \"\\t\""
    assert read_export(path).columns.tolist() == ["a,b", "c", "d"]


def test_a_separator_of_several_characters_is_one_error(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("a;b\n1;2\n")
    with pytest.raises(CjmError, match=r"'format.sep' is ';;'"):
        read_export(path, {"sep": ";;"})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.from_regex(r"[A-Za-z0-9.]{1,8}", fullmatch=True), min_size=3, max_size=3),
                min_size=1, max_size=15), st.sampled_from([" ", "  ", "\t", " \t "]))
def test_any_whitespace_separated_table_reads_back(tmp_path_factory, rows, gap):
    path = tmp_path_factory.mktemp("ws") / "t.txt"
    lines = [gap.join(["first", "second", "third"]), *(" " + gap.join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n")
    read = read_export(path).to_numpy().tolist()  # a tab-separated reading keeps a line's leading space: 02 strips it
    assert [[value.strip() for value in row] for row in read] == rows


# ----------------------------------------------------------------------------- yes / no
def test_yaml_yes_no_on_off_stay_the_words_written():
    assert read_yaml("outcome: {yes: won, no: lost, on: open, Off: lost, true: won}") == {
        "outcome": {"yes": "won", "no": "lost", "on": "open", "Off": "lost", True: "won"}}


def test_a_value_map_matches_in_any_case():
    labels, _ = cl.unify_labels(_s("yes", "no", "Yes", "NO"), {"Yes": "won", "no": "lost"})
    assert labels.tolist() == ["won", "lost", "won", "lost"]


def test_an_unmatched_status_names_what_the_map_lists():
    raw = pd.DataFrame({"id": ["1", "2"], "y": ["да", "нет"]}, dtype="str")
    spec = {"source": "log", "columns": {"deal_id": "id", "outcome": "y"}, "values": {"outcome": {"yes": "won"}}}
    with pytest.raises(CjmError, match="'да'") as error:
        cl.build_table("deals", spec, {"log": raw}, PARAMS)
    assert "it lists 'yes', which match none of them" in error.value.fix


# ----------------------------------------------------------------------------- keys from row numbers
LEADS = "age;job;y\n30;admin.;yes\n41;retired;no\n"


@pytest.fixture
def leads(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "leads.yaml").write_text(
        "engagement: leads\nlanguage: en\nseed: 1\nstages: [Lead, Won]\nwon_stage: Won\n"
        "sources:\n  leads: {file: bank.csv}\n"
        "clean:\n  tables:\n    deals:\n      source: leads\n      columns: {outcome: y, age: age, job: job}\n"
        "      values: {outcome: {yes: won, no: lost}}\n", encoding="utf-8")
    paths = EngagementPaths("leads", tmp_path)
    paths.raw.mkdir(parents=True)
    (paths.raw / "bank.csv").write_text(LEADS, encoding="utf-8")
    return load_params("leads", tmp_path), paths


def test_rows_without_ids_are_numbered_and_the_deals_take_them(leads):
    params, paths = leads
    assert row_id_sources(params) == ["leads"]
    result = anonymize(params, paths)
    frame = result.frames["leads"]
    assert frame.columns[0] == "row_id" and frame["row_id"].str.match(r"^N-[0-9a-f]{16}$").all()
    back = result.reidentification.set_index("pseudonym")["original"]
    assert frame["row_id"].map(back).tolist() == ["leads:1", "leads:2"]
    assert result.columns.iloc[0][["column", "treatment", "detail"]].tolist() == ["row_id", "added", "row number"]
    cleaned = cl.clean(params, result.frames)
    deals = cleaned.tables["deals"]
    assert deals["deal_id"].tolist() == frame["row_id"].tolist() and deals["client_id"].equals(deals["deal_id"])
    assert deals["outcome"].tolist() == ["won", "lost"] and deals["age"].dtype == float
    assert deals["job"].tolist() == ["admin.", "retired"]
    assert cleaned.notes["note"].tolist() == ["row_ids", "client_is_deal"]


def test_a_key_left_unmapped_without_row_ids_is_one_error():
    raw = pd.DataFrame({"y": ["yes"]}, dtype="str")
    spec = {"source": "log", "columns": {"outcome": "y"}, "values": {"outcome": {"yes": "won"}}}
    with pytest.raises(CjmError, match=r"no column is mapped to deals\.deal_id"):
        cl.build_table("deals", spec, {"log": raw}, PARAMS)


def test_constants_fill_a_column_the_export_lacks():
    raw = pd.DataFrame({"id": ["1", "2"], "c": ["a", "a"]}, dtype="str")
    spec = {"source": "log", "columns": {"deal_id": "id", "client_id": "c"}, "constants": {"outcome": "won"}}
    table, _, counts = cl.build_table("deals", spec, {"log": raw}, PARAMS)
    assert table["outcome"].tolist() == ["won", "won"]
    assert counts["notes"][0]["note"] == "constant"


# ----------------------------------------------------------------------------- what 01 drops by content
def test_dates_of_events_are_not_birth_dates():
    calls = pd.DataFrame({"called": [f"{d:02d}.{m:02d}.{y}" for y in (2008, 2009, 2010) for m in (1, 5, 9)
                                     for d in (3, 17)]})
    births = pd.DataFrame({"born": [f"{d:02d}.{m:02d}.{y}" for y in range(1950, 2000, 3) for m, d in ((2, 4),)]})
    assert detect_personal_columns(calls) == {}
    assert detect_personal_columns(births) == {"born": "birth_date"}


@pytest.fixture
def phones(tmp_path):
    text = ("engagement: p\nlanguage: en\nseed: 1\nstages: [Lead, Won]\nwon_stage: Won\n"
            "sources:\n  deals: {file: deals.csv, identifiers: {id: deal}}\n"
            "clean:\n  tables:\n    deals:\n      source: deals\n"
            "      columns: {deal_id: id, client_id: id, outcome: status, callback: callback}\n"
            "      values: {outcome: {ok: won}}\n")
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "p.yaml").write_text(text, encoding="utf-8")
    paths = EngagementPaths("p", tmp_path)
    paths.raw.mkdir(parents=True)
    rows = [f"{i},ok,+375 29 123-45-{i:02d},8 029 765 43 {i:02d}" for i in range(10)]
    (paths.raw / "deals.csv").write_text("id,status,callback,contact\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return load_params("p", tmp_path), paths, text


def test_a_mapped_column_is_kept_and_an_unmapped_personal_one_dropped_with_its_reason(phones):
    params, paths, _ = phones
    result = anonymize(params, paths)
    assert "callback" in result.frames["deals"] and "contact" not in result.frames["deals"]
    treatments = result.columns.set_index("column")
    assert treatments.loc["contact", ["treatment", "detail"]].tolist() == ["dropped", "phone (found by content)"]
    assert treatments.loc["callback", "treatment"] == "kept"


def test_02_names_why_a_column_it_needs_was_dropped_in_01(phones, tmp_path):
    from cjm.privacy.anonymize import run_anonymize
    from cjm.steps.clean import run_clean

    _, paths, text = phones
    (paths.root / "params" / "p.yaml").write_text(text.replace("callback: callback", "callback: contact"),
                                                   encoding="utf-8")
    params = load_params("p", paths.root)
    run_anonymize(params.__class__({**params, "clean": {"tables": {"deals": {
        "source": "deals", "columns": {"deal_id": "id", "client_id": "id", "outcome": "status"},
        "values": {"outcome": {"ok": "won"}}}}}}), paths)
    with pytest.raises(CjmError, match=r"'contact' \(dropped in 01 as phone \(found by content\)\)") as error:
        run_clean(params, paths)
    assert error.value.fix == ("01 ran before the column was mapped (a mapped column is kept whatever its "
                               "content): rerun make all")
    read_source(params, paths, "deals")  # the raw export itself still has it
