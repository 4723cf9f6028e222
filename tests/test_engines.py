"""06's core out of core: DuckDB and Spark give the pandas engine's answers on messy
generated logs written as a folder of parquet files, and known answers on a 3-case log."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cjm.analysis.enginelog import DAY_US, prepare_engine_log, quantile_sql
from cjm.analysis.funnel import (analyse_funnel, directly_follows, funnel, last_actions, lead_flows, lost_reasons,
                                 prepare_log, stage_times, stage_touches, time_to_convert, touches_by,
                                 touches_by_stage, variants)
from cjm.analysis.journeys import path_features
from cjm.core.engines import PANDAS_LIMIT_BYTES, engine_kind, open_engine
from cjm.core.errors import CjmError
from cjm.core.params import default_section

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning:pyspark", "ignore:The copy keyword:DeprecationWarning")

STAGES = ["lead", "call", "offer", "contract", "signed"]
SECOND = 1 / 86400  # times in days agree to the second
DAY0 = pd.Timestamp("2025-03-01")


def messy_log(seed: int, cases: int = 300) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stage events, deals and touches with what real exports have: ties, times out of order,
    repeats, steps back, unknown and ignored names, missing names and times, events of
    unknown deals, lost deals without ``closed_at``, work items between the stages."""
    rng = np.random.default_rng(seed)
    events, deals, touches = [], [], []
    for n in range(cases):
        deal, t = f"d{n:04d}", DAY0 + pd.Timedelta(hours=int(rng.integers(0, 2000)))
        outcome = rng.choice(["won", "lost", "open"], p=[0.3, 0.5, 0.2])
        stage, path = 0, []
        for _ in range(int(rng.integers(0, 9))):
            path.append(stage)
            stage = int(np.clip(stage + rng.choice([1, 1, 2, 0, -1]), 0, len(STAGES) - 1))
        for stage in path:
            t += pd.Timedelta(minutes=int(rng.choice([0, 0, 30, 600, 3000, 9000])))  # zero: a tie
            at = t - pd.Timedelta(days=2) if rng.random() < 0.05 else t  # written out of order
            events.append({"deal_id": deal, "stage": STAGES[stage], "entered_at": at})
            if rng.random() < 0.3:  # a work item of the event log between the stages
                events.append({"deal_id": deal, "stage": rng.choice(["W_check", "W_call", "W_docs"]),
                               "entered_at": t + pd.Timedelta(minutes=5)})
            if rng.random() < 0.04:
                events.append({"deal_id": deal, "stage": "Archive", "entered_at": t})
            if rng.random() < 0.03:
                events.append({"deal_id": deal, "stage": None, "entered_at": t})
            if rng.random() < 0.03:
                events.append({"deal_id": deal, "stage": STAGES[stage], "entered_at": pd.NaT})
            if rng.random() < 0.5:
                touches.append({"deal_id": deal, "at": t + pd.Timedelta(hours=int(rng.integers(-30, 30))),
                                "channel": rng.choice(["web", "call", "mail"]),
                                "touchpoint": rng.choice(["site", "manager", "bot"]),
                                "direction": rng.choice(["in", "out"])})
        if rng.random() < 0.02:
            events.append({"deal_id": f"ghost{n}", "stage": "lead", "entered_at": t})
        closed = t + pd.Timedelta(days=int(rng.integers(0, 9))) if outcome != "open" and rng.random() < 0.9 \
            else pd.NaT
        deals.append({"deal_id": deal, "client_id": f"k{n % 240}", "outcome": outcome, "created_at": DAY0,
                      "closed_at": closed, "channel": rng.choice(["web", "call", None], p=[0.5, 0.4, 0.1]),
                      "segment": rng.choice([1.0, 2.0, 3.0, np.nan]),
                      "lost_reason": rng.choice(["price", "spam", None]) if outcome == "lost" else None,
                      "lost_stage": rng.choice(STAGES[:4]) if outcome == "lost" else None})
    events = pd.DataFrame(events).astype({"entered_at": "datetime64[us]"})
    return events, pd.DataFrame(deals), pd.DataFrame(touches).astype({"at": "datetime64[us]"})


def write_folder(events: pd.DataFrame, folder, parts: int = 3):
    """The events as ``parts`` parquet files of a folder; the log as pandas reads them in turn."""
    folder.mkdir()
    for number, rows in enumerate(np.array_split(np.arange(len(events)), parts)):
        events.iloc[rows].to_parquet(folder / f"part-{number:02d}.parquet", index=False)
    return pd.concat([pd.read_parquet(folder / f"part-{n:02d}.parquet") for n in range(parts)], ignore_index=True)


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True), check_exact=False,
                                  atol=SECOND, rtol=0)


@pytest.fixture(scope="module")
def spark_engine():
    engine = open_engine("spark", master="local[2]", threads=1)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def duckdb_engine():
    engine = open_engine("duckdb", memory_limit="1GB", threads=1)
    yield engine
    engine.close()


ENGINES = [pytest.param("duckdb", id="duckdb"),
           pytest.param("spark", id="spark", marks=[pytest.mark.xdist_group("spark"), pytest.mark.slow])]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    events, deals, touches = messy_log(seed=11)
    root = tmp_path_factory.mktemp("messy")
    return write_folder(events, root / "events"), deals, touches, root / "events"


def _engine(request, kind):
    return request.getfixturevalue(f"{kind}_engine")


@pytest.mark.parametrize("kind, order, activities", [
    ("duckdb", "log", False), ("duckdb", "time", True),  # Spark: once, the log order is in the hand test
    pytest.param("spark", "time", True, marks=[pytest.mark.xdist_group("spark"), pytest.mark.slow])])
def test_every_engine_gives_the_pandas_answers_on_a_messy_log(request, kind, generated, order, activities):
    events, deals, touches, folder = generated
    engine = _engine(request, kind)
    engine.read("messy", folder)
    options = dict(won_stage="signed", ignore=["Archive"], order=order, activities=activities)
    expected, log = prepare_log(events, deals, STAGES, **options), prepare_engine_log(engine, "messy", deals,
                                                                                      STAGES, **options)
    checks = log.checks.set_index("check")["count"]
    assert order == "time" or min(checks[name] for name in (  # the log is as messy as it should be
        "events of stages outside the funnel", "events of ignored stages", "events without a stage",
        "events without a time", "events of cases not in the cases table", "events earlier than the event "
        "before them", "cases with events at the same time", "cases that went back to an earlier stage",
        "won cases whose history stops before the won stage", "cases without stage events")) > 0
    same(expected.checks, log.checks)
    same(expected.unknown_stages, log.unknown_stages)
    same(expected.cases, log.cases)
    assert log.activity_names == expected.activity_names
    for compute in (funnel, stage_times, time_to_convert, lost_reasons, lead_flows, directly_follows):
        same(compute(expected), compute(log))
    full = kind == "duckdb"  # Spark once each (a query takes it a second); its breakdowns in analyse_funnel's test
    for by in ("segment", "channel") if full else ("segment",):
        same(funnel(expected, by), funnel(log, by))
        same(stage_times(expected, by), stage_times(log, by))
    for coverage, most in ((0.5, None), (1.0, None), (0.9, 4)) if full else ((0.9, 4),):
        want, got = variants(expected, coverage, most=most), variants(log, coverage, most=most)
        same(want, got)
        assert want.attrs == got.attrs
    placed = touches_by_stage(log, touches)
    same(touches_by_stage(expected, touches), placed)
    for want, got in zip(stage_touches(expected, placed), stage_touches(log, placed)):
        same(want, got)
    same(last_actions(expected, placed), last_actions(log, placed))
    same(touches_by(expected, placed, "channel"), touches_by(log, placed, "channel"))
    want, got = path_features(expected, touches), path_features(log, touches)
    for block in ("entry", "contacts", "skipped"):
        pd.testing.assert_frame_equal(getattr(want, block), getattr(got, block))
    assert got.skipped.shape[1] > 0


@pytest.mark.parametrize("kind", ENGINES)
def test_analyse_funnel_runs_end_to_end_in_an_engine(request, kind, generated):
    events, deals, touches, folder = generated
    engine = _engine(request, kind)
    engine.read("messy_all", folder)
    section = {**default_section("funnel"), "breakdowns": ["segment", "channel", "product"]}
    expected = analyse_funnel(prepare_log(events, deals, STAGES, "signed", ignore=["Archive"]), section, touches)
    result = analyse_funnel(prepare_engine_log(engine, "messy_all", deals, STAGES, "signed", ignore=["Archive"]),
                            section, touches)
    for name in ("funnel", "breakdowns", "times", "to_convert", "bottlenecks", "lost_reasons", "variants",
                 "follows", "flows", "touches", "touch_bands", "touch_kinds", "last_actions", "journey_touches"):
        same(getattr(expected, name), getattr(result, name))
    assert result.skipped == expected.skipped == {"product": "absent"}
    pd.testing.assert_frame_equal(expected.journeys.labels, result.journeys.labels)


# ----------------------------------------------------------------------------- by hand
def hand_tables():
    """Three deals: x won A -> B -> C (C one day after a tie), y lost after A -> B -> A (went
    back, closed 2 days later), z open at A with a work item and an unknown deal's event."""
    t = [DAY0 + pd.Timedelta(days=d) for d in range(8)]
    events = pd.DataFrame({"deal_id": ["x", "x", "y", "x", "y", "y", "z", "z", "q"],
                           "stage": ["A", "B", "A", "C", "B", "A", "A", "W", "A"],
                           "entered_at": [t[0], t[0], t[1], t[1], t[3], t[4], t[2], t[5], t[0]]})
    deals = pd.DataFrame({"deal_id": ["x", "y", "z"], "outcome": ["won", "lost", "open"],
                          "created_at": [t[0]] * 3, "closed_at": [t[1], t[6], pd.NaT]})
    return events.astype({"entered_at": "datetime64[us]"}), deals


@pytest.mark.parametrize("kind", [pytest.param("duckdb"), pytest.param("spark", marks=pytest.mark.xdist_group("spark"))])
@pytest.mark.parametrize("source", ["folder", "csv"])
def test_a_three_case_log_by_hand(request, kind, source, tmp_path):
    events, deals = hand_tables()
    engine = _engine(request, kind)
    if source == "csv":
        events.to_csv(tmp_path / "hand.csv", index=False)
    else:
        write_folder(events, tmp_path / "hand", parts=2)
    engine.read("hand", tmp_path / ("hand.csv" if source == "csv" else "hand"))
    log = prepare_engine_log(engine, "hand", deals, ["A", "B", "C"], "C", activities=True)
    checks = log.checks.set_index("check")["count"]
    assert (checks["stage events"], checks["events of cases not in the cases table"]) == (9, 1)
    assert checks["events of stages outside the funnel"] == 1  # W
    assert checks["cases with events at the same time"] == 1  # x
    assert checks["cases that went back to an earlier stage"] == 1  # y
    assert log.cases["furthest"].tolist() == [2, 1, 0]
    assert log.entered.tolist() == [0b111, 0b011, 0b001]
    table = funnel(log).set_index("stage")
    assert table["reached"].tolist() == [3, 2, 1] and table["lost"].tolist() == [0, 1, 0]
    assert table["open"].tolist() == [1, 0, 0] and table["conversion"].tolist()[:2] == [1.0, 0.5]
    times = stage_times(log).set_index("stage")
    # x left A at once (a tie) and B after a day; y's two visits of A: 2 days to B, and from its
    # last event (back at A, the case lost) 2 days to the closing; y was lost at B after 1 day
    assert times.loc["A", "moved_on_cases"] == 2 and times.loc["A", "median_days"] == pytest.approx(2.0)
    assert times.loc["B", "median_days"] == pytest.approx(1.0) and times.loc["B", "moved_on_cases"] == 1
    assert times.loc["B", "lost_cases"] == 1 and times.loc["B", "median_days_to_loss"] == pytest.approx(1.0)
    assert times.loc["A", "lost_cases"] == 0
    assert time_to_convert(log)["median_days"].tolist() == [1.0]
    found = variants(log, coverage=1.0).set_index("variant")
    assert found["cases"].to_dict() == {"A → B → C": 1, "A → B → A": 1, "A → W": 1}
    assert found.loc["A → B → A", "lost"] == 1 and found.loc["A → B → A", "median_days"] == pytest.approx(3.0)
    follows = directly_follows(log).set_index(["source", "target"])
    assert follows.loc[("A", "B"), "cases"] == 2 and follows.loc[("A", "B"), "median_days"] == pytest.approx(1.0)
    assert follows.loc[("A", "W"), "kind"] == "other" and follows.loc[("B", "A"), "kind"] == "back"
    assert follows.loc[("start", "A"), "cases"] == 3 and follows.loc[("W", "open"), "cases"] == 1


def test_quantile_sql_gives_the_pandas_quantiles_of_repeated_values(duckdb_engine):
    rng = np.random.default_rng(3)
    values = pd.Series(rng.integers(0, 40, 400) * (DAY_US // 7), dtype="Int64")  # repeats
    values[rng.random(400) < 0.1] = pd.NA
    frame = pd.DataFrame({"g": np.r_[rng.integers(0, 3, 398), 5, 5], "v": values})
    frame.loc[frame["g"] == 5, "v"] = pd.NA  # a group without values
    duckdb_engine.register("repeated", frame)
    got = duckdb_engine.sql(quantile_sql("SELECT g, v FROM repeated", ["g"], {"p10": 0.1, "median": 0.5, "p90": 0.9}))
    got = got.set_index("g").sort_index()
    days = frame["v"].astype(float) / DAY_US
    want = days.groupby(frame["g"]).quantile([0.1, 0.5, 0.9]).unstack()
    np.testing.assert_allclose(got[["p10", "median", "p90"]].to_numpy(dtype=float), want.to_numpy(), atol=1e-9)
    assert got["entries"].tolist() == frame.groupby("g").size().tolist()
    assert got["size"].tolist() == frame.groupby("g")["v"].count().tolist() and got.loc[5, "size"] == 0


# ----------------------------------------------------------------------------- errors
def test_errors_name_the_fix(tmp_path, duckdb_engine):
    with pytest.raises(CjmError, match="unknown"):
        open_engine("polars")
    with pytest.raises(CjmError, match="no such file"):
        duckdb_engine.read("nothing", tmp_path / "missing.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CjmError, match="no \\*.parquet"):
        duckdb_engine.read("nothing", tmp_path / "empty")
    events, deals = hand_tables()
    events.drop(columns="entered_at").to_parquet(tmp_path / "e.parquet")
    duckdb_engine.read("no_time", tmp_path / "e.parquet")
    with pytest.raises(CjmError, match="no column entered_at"):
        prepare_engine_log(duckdb_engine, "no_time", deals, ["A", "B"])
    events.to_parquet(tmp_path / "e.parquet")
    duckdb_engine.read("twice", tmp_path / "e.parquet")
    with pytest.raises(CjmError, match="1 repeated deal_id"):
        prepare_engine_log(duckdb_engine, "twice", pd.concat([deals, deals.iloc[:1]]), ["A", "B"])
    with pytest.raises(CjmError, match="order"):
        prepare_engine_log(duckdb_engine, "twice", deals, ["A", "B"], order="random")


def test_auto_takes_pandas_below_the_threshold_and_duckdb_above(tmp_path):
    small = tmp_path / "small.parquet"
    pd.DataFrame({"a": range(10)}).to_parquet(small)
    assert engine_kind("auto", small) == "pandas" and engine_kind("auto", None) == "pandas"
    assert engine_kind("spark", small) == "spark"
    big = tmp_path / "big.csv"
    with open(big, "wb") as file:  # a sparse file of that size
        file.truncate(PANDAS_LIMIT_BYTES["csv"] + 1)
    assert engine_kind("auto", big) == "duckdb"
    with pytest.raises(CjmError, match="unknown"):
        engine_kind("fast", small)


def test_spark_without_java_says_how_to_install_it(tmp_path):
    code = ("from cjm.core.engines import open_engine\n"
            "try:\n    open_engine('spark')\nexcept Exception as error:\n    print(type(error).__name__, error)")
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60).stdout
    assert out.startswith("CjmError spark: no Java runtime found") and "install Java 17" in out, out
