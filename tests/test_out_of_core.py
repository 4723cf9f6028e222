"""A warehouse's stage log as a folder of parquet files through 01 and 02 out of core: read by
record batches, anonymized into part files, cleaned in DuckDB into folder tables; the same rows
as the pandas path gives for the same log exported as CSV (the loan-process event log of
tests/shapes.py, with an export date, a data hygiene reason and a scope rule)."""

import shutil

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapes
from engagements import readme_params

import cjm.core.io as io_module
import cjm.privacy.anonymize as anonymize_module
from cjm.analysis import clean as clean_module
from cjm.analysis.cleanlog import ROW, build_log_table
from cjm.core.errors import CjmError
from cjm.core.io import parquet_files, peek_export, read_export, read_table, table_files
from cjm.core.params import check_params, load_params
from cjm.core.paths import EngagementPaths
from cjm.privacy.anonymize import anonymize, run_anonymize
from cjm.privacy.leaks import find_leaks
from cjm.steps.clean import AnonymizedSources, run_clean
from cjm.steps.preflight import engine_problems, preflight

KEY = "ab" * 32 + "\n"
APPLICANTS = ["Ivan Petrov", "Anna Smirnova", "Oleg Kuznetsov", "Maria Popova"]
EXTRA = """export_date: 2012-03-10
"""
CLEAN_EXTRA = """  hygiene_reasons: [A_CANCELLED]
  scope:
    - {name: big, label: Big loans, column: amount, greater_than: 20000}
"""


def _params_text(name: str, file: str) -> str:
    text = readme_params()["loan_process"].replace("engagement: loan_process", f"engagement: {name}")
    text = text.replace("file: applications.xes.gz", f"file: {file}\n    name_columns: [applicant]")
    text = text.replace("clean:\n", CLEAN_EXTRA.join(["clean:\n", ""]), 1)
    return text.replace("language: en\n", "language: en\n" + EXTRA)


def make_log(root, name: str, folder: bool, cases: int = 60):
    """The loan log of ``cases`` cases with an ``applicant`` column, under ``root`` as engagement
    ``name``: a CSV export, or (``folder``) a folder of three parquet files, the amount an integer
    column; the secret key fixed, so both give the same pseudonyms."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "params" / f"{name}.yaml").write_text(_params_text(name, "applications" if folder else "applications.csv"),
                                                  encoding="utf-8")
    raw = root / "data" / name / "raw"
    events = shapes.event_log(raw, cases=cases, formats=("csv",))["events"]
    (raw / "applications.csv").unlink()
    events = events.astype({"case:AMOUNT_REQ": "str", "org:resource": "str"}).replace({"org:resource": {"": None}})
    events["applicant"] = np.array(APPLICANTS)[events["case:concept:name"].astype(int) % len(APPLICANTS)]
    if folder:
        (raw / "applications").mkdir()
        events["case:AMOUNT_REQ"] = events["case:AMOUNT_REQ"].astype("int64")
        for number, rows in enumerate(np.array_split(np.arange(len(events)), 3)):
            events.iloc[rows].to_parquet(raw / "applications" / f"export-{number}.parquet", index=False)
    else:
        events.to_csv(raw / "applications.csv", index=False)
    paths = EngagementPaths(name, root)
    paths.private.mkdir(parents=True, exist_ok=True)
    paths.secret_key.write_text(KEY, encoding="ascii")
    return load_params(name, root), paths


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """01 and 02 run on the log as CSV (pandas) and as a parquet folder (out of core)."""
    root = tmp_path_factory.mktemp("out_of_core")
    runs = {}
    for name, folder in (("log_csv", False), ("log_parquet", True)):
        params, paths = make_log(root, name, folder)
        runs[name] = (params, paths, run_anonymize(params, paths), run_clean(params, paths))
    return runs


def _folder_table(folder) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))], ignore_index=True)


# ----------------------------------------------------------------------------- reading
def test_a_folder_of_parquet_files_reads_as_one_export_of_text_in_file_name_order(tmp_path):
    folder = tmp_path / "log"
    folder.mkdir()
    pq.write_table(pa.table({"id": ["b1", ""], "n": pa.array([2, None], pa.int64())}), folder / "2.parquet")
    pq.write_table(pa.table({"id": ["a1"], "n": pa.array([1], pa.int64())}), folder / "1.parquet")
    frame = read_export(folder)
    assert frame["id"].tolist()[0] == "a1" and frame["id"].isna().tolist() == [False, False, True]
    assert frame["n"].tolist()[:2] == ["1", "2"] and pd.isna(frame["n"].iloc[2])  # text, blank missing
    assert peek_export(folder, rows=1)["id"].tolist() == ["a1"]
    single = read_export(folder / "2.parquet")  # a single parquet file is an export too
    assert single["n"].iloc[0] == "2" and single["n"].isna().tolist() == [False, True]
    pq.write_table(pa.table({"id": [1]}), folder / "3.parquet")
    with pytest.raises(CjmError, match=r"3\.parquet: its columns differ from those of 1\.parquet"):
        parquet_files(folder)


def test_read_table_refuses_a_table_out_of_core_and_table_files_lists_its_parts(both):
    paths = both["log_parquet"][1]
    parts = table_files(paths, "stage_events")
    assert [p.relative_to(paths.interim).as_posix() for p in parts] == ["stage_events/part-00000.parquet"]
    with pytest.raises(CjmError, match="out of core"):
        read_table(paths, "stage_events")
    rows = pq.ParquetFile(parts[0]).metadata.num_rows
    with pytest.raises(CjmError, match="out of core"):
        read_table(paths, "stage_events", max_rows=rows - 1)
    assert len(read_table(paths, "stage_events", ["stage"], max_rows=rows)) == rows
    assert table_files(paths, "deals") == [paths.table("deals")]  # the cases are small: a file
    assert table_files(paths, "stage_events", under="side_groups/big") == [
        paths.interim / "side_groups" / "big" / "stage_events" / "part-00000.parquet"]
    assert table_files(paths, "deals", under="side_groups/big") == [paths.interim / "side_groups" / "big" / "deals.parquet"]
    assert table_files(paths, "touches", optional=True) is None


# ----------------------------------------------------------------------------- the same rows
def test_01_out_of_core_writes_the_rows_and_treatments_of_the_pandas_path(both):
    csv_params, csv_paths, csv_01, _ = both["log_csv"]
    _, paths, result, _ = both["log_parquet"]
    parts = sorted((paths.anonymized / "applications").glob("*.parquet"))
    assert [p.name for p in parts] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert not (paths.anonymized / "applications.parquet").exists()
    pd.testing.assert_frame_equal(_folder_table(paths.anonymized / "applications"),
                                  pd.read_parquet(csv_paths.anonymized / "applications.parquet"))
    pd.testing.assert_frame_equal(result.columns, csv_01.columns)
    assert result.columns.set_index("column").loc["applicant", "treatment"] == "dropped"
    pd.testing.assert_frame_equal(result.reidentification, csv_01.reidentification)


@pytest.mark.parametrize("table", ["stage_events", "deals", "clients"])
def test_02_out_of_core_publishes_the_rows_of_the_pandas_path(both, table):
    csv_paths, paths = both["log_csv"][1], both["log_parquet"][1]
    expected = read_table(csv_paths, table)
    assert len(expected)
    pd.testing.assert_frame_equal(read_table(paths, table, max_rows=10**6), expected)


def test_02_out_of_core_sets_aside_and_scopes_the_events_with_their_deals(both):
    csv_paths, paths = both["log_csv"][1], both["log_parquet"][1]
    groups = {"set_aside/future_date", "set_aside/hygiene", "side_groups/big"}
    for group in sorted(groups):
        expected = pd.read_parquet(csv_paths.interim / group / "stage_events.parquet")
        assert len(expected), group  # the fixture plants rows in each
        pd.testing.assert_frame_equal(_folder_table(paths.interim / group / "stage_events"), expected)
        assert not (paths.interim / group / "stage_events.parquet").exists()


@pytest.mark.parametrize("attribute", ["waterfall", "quality", "duplicates", "summary", "notes", "date_checks",
                                       "hygiene", "stages_outside_funnel"])
def test_02_out_of_core_counts_as_the_pandas_path(both, attribute):
    expected = getattr(both["log_csv"][3], attribute)
    assert len(expected)
    pd.testing.assert_frame_equal(getattr(both["log_parquet"][3], attribute), expected, check_dtype=False)


def test_the_log_is_streamed_by_blocks_and_never_read_whole(tmp_path, monkeypatch):
    params, paths = make_log(tmp_path, "log_blocks", folder=True, cases=20)
    whole = anonymize_module.read_source

    def no_whole_read(params, paths, name, columns=None, whole_frame=None):
        raise AssertionError(f"{name} read whole")
    monkeypatch.setattr(anonymize_module, "read_source", no_whole_read)
    blocks, anonymize_block = [], anonymize_module._anonymize_source
    monkeypatch.setattr(anonymize_module, "_anonymize_source",
                        lambda raw, *args: blocks.append(len(raw)) or anonymize_block(raw, *args))
    sink = tmp_path / "sink"
    sink.mkdir()
    anonymize(params, paths, sink=sink, block_rows=50)
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in parquet_files(paths.raw / "applications"))
    assert max(blocks) == 50 and sum(blocks) == rows
    assert len(list((sink / "applications").glob("part-*.parquet"))) == len(blocks)
    monkeypatch.setattr(anonymize_module, "read_source", whole)
    run_anonymize(params, paths)
    monkeypatch.setattr(clean_module, "build_table", lambda name, *a, **k: pytest.fail(f"{name} built in pandas"))
    monkeypatch.setattr(AnonymizedSources, "read", lambda self, name, columns=None: pytest.fail(f"{name} read"))
    run_clean(params, paths)
    assert table_files(paths, "stage_events")[0].parent.name == "stage_events"


def test_a_csv_export_above_the_threshold_goes_out_of_core_and_back(tmp_path, monkeypatch):
    """Each run publishes its tables whole: a folder replaces the file an earlier run wrote, and back."""
    params, paths = make_log(tmp_path, "log_big_csv", folder=False, cases=10)
    run_anonymize(params, paths)
    run_clean(params, paths)
    assert table_files(paths, "stage_events") == [paths.table("stage_events")]
    monkeypatch.setattr(io_module, "OUT_OF_CORE_BYTES", 1000)
    run_anonymize(params, paths)
    assert [p.name for p in (paths.anonymized / "applications").glob("*.parquet")] == ["part-00000.parquet"]
    run_clean(params, paths)
    assert table_files(paths, "stage_events") == [paths.interim / "stage_events" / "part-00000.parquet"]
    assert not paths.table("stage_events").exists()
    monkeypatch.undo()
    run_anonymize(params, paths)
    run_clean(params, paths)
    assert table_files(paths, "stage_events") == [paths.table("stage_events")]
    assert not (paths.interim / "stage_events").exists() and not (paths.anonymized / "applications").exists()


def test_k_anonymity_of_part_files_counts_as_in_memory(tmp_path):
    frame = pd.DataFrame({"town": ["Minsk", "minsk ", "Brest", None, "Brest", "Pinsk"],
                          "year": ["1980", "1980", "1990", "1990", "1990", None]})
    for number, rows in enumerate(([0, 1, 2], [3, 4, 5])):
        frame.iloc[rows].to_parquet(tmp_path / f"part-{number}.parquet", index=False)
    files = sorted(tmp_path.glob("*.parquet"))
    expected = anonymize_module.k_anonymity(frame, ["town", "year"], 2)
    assert expected["groups"] == 4 and expected["records_under_k"] == 2  # by hand: Minsk 1980 x2, Brest 1990 x2
    assert anonymize_module.k_anonymity_of_files(files, ["town", "year"], 2) == expected


# ----------------------------------------------------------------------------- SQL by hand
def test_build_log_table_types_deduplicates_and_counts_by_hand():
    con = duckdb.connect()
    con.register("events", pd.DataFrame({
        "case": ["7", "7", "7", "8", "8", " 9 "],
        "step": ["Sent", "Sent", "sent ", "Paid", "Paid", "Sent"],
        "time": ["2024-03-01T10:00:00+02:00", "2024-03-01T10:00:00+02:00", "2024-03-02T09:00:00+02:00",
                 "soon", "2024-03-05T00:00:00Z", None],
        "how": ["complete", "complete", "complete", "complete", "start", "complete"],
    }).assign(**{ROW: range(1, 7)}))
    spec = {"source": "log", "columns": {"deal_id": "case", "stage": "step", "entered_at": "time", "lifecycle": "how"}}
    table, quality, counts = build_log_table(con, "stage_events", spec, "events", "source 'log'", ["complete"],
                                             max_invalid_share=0.5)
    rows = con.execute(f"SELECT * EXCLUDE ({ROW}, _group) FROM {table.table} ORDER BY {ROW}").df()
    assert rows["deal_id"].tolist() == ["7", "7", "8", "9"]  # one exact duplicate, one start left out
    assert rows["stage"].tolist() == ["Sent", "Sent", "Paid", "Sent"]  # "sent " is the frequent spelling's
    assert rows["entered_at"].astype(str).tolist()[:2] == ["2024-03-01 08:00:00", "2024-03-02 07:00:00"]
    assert rows["entered_at"].isna().tolist() == [False, False, True, True]
    assert (counts["rows_read"], counts["exact_duplicates"], counts["excluded_values"], counts["rows_kept"]) == (6, 1, 1, 4)
    assert [n for n in counts["notes"] if n["note"] == "lifecycle"][0]["detail"] == "start"
    assert [n["detail"] for n in counts["notes"] if n["note"] == "utc"] == ["+02:00"]
    at = quality.set_index("column").loc["entered_at"]
    assert (at["rows"], at["missing"], at["rejected"], at["rejected_examples"]) == (4, 1, 1, "'soon'")
    stage = quality.set_index("column").loc["stage"]
    assert (stage["fixed"], stage["missing"]) == (1, 0)


def test_case_times_take_the_first_won_and_lost_events_by_hand():
    con = duckdb.connect()
    con.register("events", pd.DataFrame({"case": ["1", "1", "1", "2", "2"],
                                         "step": ["open", "declined", "approved", "open", "declined"],
                                         "time": ["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-05", "2024-01-06"],
                                         ROW: range(1, 6)}))
    spec = {"source": "log", "columns": {"deal_id": "case", "stage": "step", "entered_at": "time"}}
    table, _, _ = build_log_table(con, "stage_events", spec, "events", "source 'log'")
    cases, last = table.case_times(["approved"], ["declined"])
    assert last == pd.Timestamp("2024-01-06")
    assert cases.index.tolist() == ["1", "2"]
    assert cases["won_at"].iloc[0] == pd.Timestamp("2024-01-02") and pd.isna(cases["won_at"].iloc[1])
    assert cases["lost_stage"].tolist() == ["declined", "declined"]
    assert cases["created_at"].astype(str).tolist() == ["2024-01-01", "2024-01-05"]


def test_log_dates_are_checked_set_aside_or_stop_by_hand():
    def log():
        con = duckdb.connect()
        con.register("events", pd.DataFrame({"case": ["3", "1", "2", "1"], "step": ["a", "b", "a", "c"],
                                             "time": ["2024-03-02", "2024-03-01 23:59", "2024-03-05", "2024-04-01"],
                                             ROW: range(1, 5)}))
        spec = {"source": "log", "columns": {"deal_id": "case", "stage": "step", "entered_at": "time"}}
        return build_log_table(con, "stage_events", spec, "events", "source 'log'")[0]

    table = log()
    records = clean_module.check_log_dates(table, "stage_events", {}, "2024-03-01", "source 'log'",
                                           deal_checks=pd.DataFrame({"deal_id": ["2"], "check": ["hygiene"]}))
    assert records == [{"table": "stage_events", "check": "future_date", "columns": "entered_at",
                        "action": "rows_set_aside", "rows": 3, "set_aside": 3, "examples": "1, 2"}]
    assert table.groups() == {"future_date": 3} and len(table) == 1  # the 2024-03-01 23:59 event stays
    with pytest.raises(CjmError, match=r"source 'log': 3 rows of table 'stage_events' are dated after the export "
                                       r"date 2024-03-01 \(entered_at in 3\), e\.g\. deal_id '1'"):
        clean_module.check_log_dates(log(), "stage_events", {"future": "stop"}, "2024-03-01", "source 'log'")


# ----------------------------------------------------------------------------- preflight, params
def test_preflight_checks_a_folder_by_its_footers_and_names_what_is_wrong(tmp_path):
    make_log(tmp_path, "log_preflight", folder=True, cases=10)
    assert preflight("log_preflight", tmp_path).problems == []
    folder = tmp_path / "data" / "log_preflight" / "raw" / "applications"
    frame = pd.read_parquet(folder / "export-2.parquet").drop(columns="applicant")
    frame.to_parquet(folder / "export-2.parquet", index=False)
    problems = preflight("log_preflight", tmp_path).problems
    assert len(problems) == 1 and "export-2.parquet: its columns differ" in str(problems[0])
    shutil.rmtree(folder)
    folder.mkdir()
    for number in range(2):
        frame.to_parquet(folder / f"export-{number}.parquet", index=False)
    problems = preflight("log_preflight", tmp_path).problems
    assert len(problems) == 1 and "'applicant'" in str(problems[0]) and "sources.applications" in str(problems[0])


def test_the_engine_and_its_memory_are_params_with_defaults_and_checked(tmp_path):
    (tmp_path / "params").mkdir()
    text = _params_text("loan", "applications.csv")
    (tmp_path / "params" / "loan.yaml").write_text(text, encoding="utf-8")
    funnel = check_params("loan", tmp_path).params["funnel"]
    assert (funnel["engine"], funnel["spark_master"], funnel["memory_limit"]) == ("auto", "local[*]", "3GB")
    (tmp_path / "params" / "loan.yaml").write_text(text.replace("funnel:\n", "funnel:\n  engine: hadoop\n"
                                                                "  memory_limit: lots\n"), encoding="utf-8")
    errors = "\n".join(map(str, check_params("loan", tmp_path).errors))
    assert "funnel.engine" in errors and "['auto', 'pandas', 'duckdb', 'spark']" in errors
    assert "funnel.memory_limit" in errors and "a memory size such as 3GB" in errors


def test_spark_needs_pyspark_and_a_java_runtime(tmp_path, monkeypatch):
    spark = {"funnel": {"engine": "spark"}}
    assert engine_problems({"funnel": {"engine": "duckdb"}}) == []
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))  # no bin/java there
    monkeypatch.setitem(__import__("sys").modules, "pyspark", None)  # not importable
    problems = engine_problems(spark)
    assert len(problems) == 1
    assert "pyspark is not installed and no Java runtime was found" in problems[0].problem
    assert "pip install cjm[spark]" in problems[0].fix and "openjdk-17-jre-headless" in problems[0].fix


# ----------------------------------------------------------------------------- leaks
def test_the_leak_check_finds_a_name_planted_in_one_part_file(both, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(both["log_parquet"][1].root, root)
    paths = EngagementPaths("log_parquet", root)
    assert find_leaks("log_parquet", root).empty
    part = table_files(paths, "stage_events")[0]
    frame = pq.read_table(part)
    stages = frame["stage"].to_pylist()
    stages[len(stages) // 2] = "Oleg Kuznetsov"
    pq.write_table(frame.set_column(frame.schema.get_field_index("stage"), "stage", pa.array(stages)), part)
    leaks = find_leaks("log_parquet", root)
    assert leaks["file"].str.endswith("interim/stage_events/part-00000.parquet").all() and len(leaks) >= 1
    assert set(leaks["column_or_line"]) == {"stage"}


# ----------------------------------------------------------------------------- touches
SHOP = """engagement: {name}
client: Shop
language: en
seed: 13
export_date: 1998-05-31
stages: [Order, Purchase]
won_stage: Purchase
sources:
  purchases:
    file: {purchases}
    identifiers: {{customer_id: client}}
  visits:
    file: {visits}
    identifiers: {{customer_id: client}}
clean:
  tables:
    deals:
      source: purchases
      columns: {{client_id: customer_id, created_at: date, amount: amount}}
      constants: {{outcome: won}}
    touches:
      source: visits
      columns: {{client_id: customer_id, at: date, touchpoint: quantity}}
      constants: {{channel: shop}}
  scope:
    - {{name: regulars, label: Regular buyers, column: deals_per_client, greater_than: 4}}
"""


def make_shop(root, name: str, folder: bool):
    """The purchase log of tests/shapes.py as deals and as touches: two CSV exports, or
    (``folder``) two folders of two parquet files each."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    files = {"purchases": "purchases", "visits": "visits"} if folder else {"purchases": "purchases.csv",
                                                                            "visits": "visits.csv"}
    (root / "params" / f"{name}.yaml").write_text(SHOP.format(name=name, **files), encoding="utf-8")
    raw = root / "data" / name / "raw"
    shapes.transactions(raw, customers=40)
    (raw / "reviews.csv").unlink()
    log = read_export(raw / "purchases.txt", {"sep": r"\s+"})
    (raw / "purchases.txt").unlink()
    for export in files.values():
        if folder:
            (raw / export).mkdir()
            for number, rows in enumerate(np.array_split(np.arange(len(log)), 2)):
                log.iloc[rows].to_parquet(raw / export / f"{export}-{number}.parquet", index=False)
        else:
            log.to_csv(raw / export, index=False)
    paths = EngagementPaths(name, root)
    paths.private.mkdir(parents=True, exist_ok=True)
    paths.secret_key.write_text(KEY, encoding="ascii")
    params = load_params(name, root)
    return params, paths, run_anonymize(params, paths), run_clean(params, paths)


def test_touches_out_of_core_are_dated_scoped_and_counted_as_the_pandas_path(tmp_path):
    """The deals of a folder source (keys from row numbers across its part files) are read into
    memory; its touches stay out of core."""
    _, csv_paths, _, expected = make_shop(tmp_path, "shop_csv", folder=False)
    _, paths, _, result = make_shop(tmp_path, "shop_parquet", folder=True)
    assert table_files(paths, "touches")[0].parent.name == "touches"
    assert table_files(paths, "deals") == [paths.table("deals")]
    pd.testing.assert_frame_equal(read_table(paths, "deals"), read_table(csv_paths, "deals"))
    pd.testing.assert_frame_equal(read_table(paths, "touches", max_rows=10**6), read_table(csv_paths, "touches"))
    for group in ("set_aside/future_date", "side_groups/regulars"):
        csv_rows = pd.read_parquet(csv_paths.interim / group / "touches.parquet")
        assert len(csv_rows), group
        pd.testing.assert_frame_equal(_folder_table(paths.interim / group / "touches"), csv_rows)
    quality = result.quality.set_index(["table", "column"]).loc["touches"]
    assert quality.loc["channel", "source_column"] == "(constant)" and quality.loc["at", "rejected"] == 0
    for attribute in ("waterfall", "quality", "summary", "notes", "date_checks", "duplicates"):
        pd.testing.assert_frame_equal(getattr(result, attribute), getattr(expected, attribute), check_dtype=False)


# ----------------------------------------------------------------------------- 06 on an engine
FUNNEL_TABLES = ("stage_funnel", "funnel_variants", "directly_follows", "lost_reasons", "lead_flows")


def _funnel_run(params, paths, engine: str):
    from cjm.steps.funnel import run_funnel

    result = run_funnel({**params, "funnel": {**params["funnel"], "engine": engine}}, paths)
    return result, {name: read_table(paths, name) for name in FUNNEL_TABLES}


@pytest.mark.parametrize("engine", ["auto", "duckdb"])
def test_06_on_the_folder_02_wrote_gives_the_pandas_paths_tables(both, engine):
    """06 on the CSV log's table in memory and on the parquet log's folder, by the engine
    chosen ("auto": a small folder is read into pandas), side groups included."""
    expected, expected_tables = _funnel_run(*both["log_csv"][:2], "auto")
    params, paths = both["log_parquet"][:2]
    result, tables = _funnel_run(params, paths, engine)
    assert expected.source.engine == "pandas" and expected.source.events == len(read_table(both["log_csv"][1],
                                                                                          "stage_events"))
    assert result.source.engine == ("pandas" if engine == "auto" else "duckdb")
    assert result.source.events == expected.source.events > 0 and result.source.touches_left_out == 0
    for name in FUNNEL_TABLES:
        pd.testing.assert_frame_equal(tables[name], expected_tables[name], check_exact=False, atol=1e-9)
    assert list(expected.side_groups["group"].unique()) == [clean_module.IN_SCOPE, "Big loans"]
    big = expected.side_groups[expected.side_groups["group"] == "Big loans"]
    big_deals = pd.read_parquet(paths.interim / "side_groups" / "big" / "deals.parquet")
    assert big["stage"].tolist() == params["stages"] and 0 < big["reached"].iloc[0] <= len(big_deals)
    pd.testing.assert_frame_equal(result.side_groups, expected.side_groups, check_exact=False, atol=1e-9)
    assert result.log.has_events and result.log.activity_names[:len(params["stages"])] == params["stages"]
