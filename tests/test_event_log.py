"""Event logs (a process log without a deals table): 02 makes the cases, 06 keeps every
activity in the paths. Hand-computed cases, then a generated loan-application log
(tests/shapes.py) against pm4py, the process-mining reference: the same directly-follows
counts and variants after keeping only COMPLETE transitions, and each case ending as planted."""

import numpy as np
import pandas as pd
import pytest
import shapes

from cjm.analysis.clean import cases_from_events, clean
from cjm.analysis.funnel import OTHER_VARIANTS, covering_edges, directly_follows, funnel, prepare_log, variants
from cjm.core.io import read_export

STAGES = ["A", "B", "C", "D"]
DAY0 = pd.Timestamp("2025-01-01")


def day(x: float) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=x)


#: case -> its events (activity, day); W is a work item, X and Y end a case lost.
EVENTS = {
    "a": [("A", 0), ("B", 1), ("D", 5), ("W", 6)],   # won, then a work item: still won
    "b": [("A", 0), ("X", 2), ("W", 3)],              # lost at X, a work item after: still lost at X
    "c": [("A", 0), ("B", 1), ("Y", 4)],              # lost at Y
    "d": [("A", 1)],                                  # silent for 99 days: gone quiet
    "e": [("B", 100)],                                # open
    "f": [("A", 0), ("Y", 1), ("D", 2)],              # won after a lost activity: won counts
}


def _events() -> pd.DataFrame:
    return pd.DataFrame([{"deal_id": case, "stage": stage, "entered_at": day(d)}
                         for case, path in EVENTS.items() for stage, d in path])


def test_cases_from_an_event_log_by_hand():
    cases, counts = cases_from_events(_events(), ["D"], ["X", "Y"], open_after_days=30)
    table = cases.set_index("deal_id")
    assert table["outcome"].to_dict() == {"a": "won", "b": "lost", "c": "lost", "d": "lost", "e": "open", "f": "won"}
    assert table["lost_reason"].fillna("").to_dict() == {"a": "", "b": "X", "c": "Y", "d": "", "e": "", "f": ""}
    assert table.loc["a", "closed_at"] == day(5) and table.loc["b", "closed_at"] == day(2)
    assert table.loc["d", "closed_at"] == day(1) and pd.isna(table.loc["e", "closed_at"])
    assert table["created_at"].to_dict()["e"] == day(100)
    assert counts == [{"note": "cases_won", "detail": "D", "count": 2},
                      {"note": "cases_lost_at", "detail": "X", "count": 1},
                      {"note": "cases_lost_at", "detail": "Y", "count": 1},
                      {"note": "cases_gone_quiet", "detail": "30", "count": 1},
                      {"note": "cases_open", "detail": "", "count": 1}]


def test_until_the_export_date_a_recent_case_is_open():
    cases, _ = cases_from_events(_events(), ["D"], ["X", "Y"], open_after_days=30, until=day(20))
    assert cases.set_index("deal_id").loc["d", "outcome"] == "open"


def test_every_activity_is_in_the_paths_but_only_stages_in_the_funnel():
    events = _events()
    cases, _ = cases_from_events(events, ["D"], ["X", "Y"], open_after_days=30)
    log = prepare_log(events, cases, STAGES, "D", activities=True)
    assert log.activity_names == [*STAGES, "W", "Y", "X"]      # funnel stages, then by frequency
    assert funnel(log)["reached"].tolist() == [6, 4, 2, 2]       # f skipped B and C; a and f won at D
    follows = directly_follows(log).set_index(["source", "target"])
    assert follows.loc[("D", "W"), "cases"] == 1 and follows.loc[("D", "W"), "kind"] == "other"
    assert follows.loc[("X", "W"), "cases"] == 1 and follows.loc[("W", "lost"), "cases"] == 1
    assert follows.loc[("A", "B"), "kind"] == "forward" and follows.loc[("Y", "D"), "kind"] == "other"
    paths = variants(log, coverage=1.0)
    assert set(paths["variant"]) == {"A → B → D → W", "A → X → W", "A → B → Y", "A", "B", "A → Y → D"}
    checks = log.checks.set_index("check")
    assert checks.loc["events of stages outside the funnel", "count"] == 5   # W twice, X, Y twice
    assert "kept in the paths" in checks.loc["events of stages outside the funnel", "treatment"]


def test_without_activities_the_paths_are_the_stages():
    events = _events()
    cases, _ = cases_from_events(events, ["D"], ["X", "Y"])
    paths = variants(prepare_log(events, cases, STAGES, "D"), coverage=1.0)
    assert "A → B → D" in set(paths["variant"]) and not paths["variant"].str.contains("W").any()


def test_variants_are_capped_and_say_how_many_there_are():
    events = _events()
    cases, _ = cases_from_events(events, ["D"], ["X", "Y"])
    paths = variants(prepare_log(events, cases, STAGES, "D", activities=True), coverage=1.0, most=2)
    assert len(paths) == 3 and paths["variant"].iloc[-1] == OTHER_VARIANTS and paths["cases"].sum() == 6
    assert paths["variants"].tolist() == [1, 1, 4]
    assert paths.attrs["variants"] == 6


def test_covering_edges_keep_the_most_frequent_up_to_the_share():
    follows = pd.DataFrame({"source": ["start", "a", "b", "a", "c", "b"], "target": ["a", "b", "c", "c", "a", "won"],
                            "cases": [10, 6, 3, 1, 1, 9], "kind": ["start", "other", "other", "other", "other", "end"]})
    kept, left = covering_edges(follows, 0.8)
    assert list(zip(kept["source"], kept["target"])) == [("a", "b"), ("b", "c")]   # 9 of 11 moves
    assert left == {"shown": 2, "edges": 2, "transitions": 2, "share": pytest.approx(9 / 11), "steps": 3}


# ----------------------------------------------------------------------------- against pm4py
@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("log")
    return folder, shapes.event_log(folder, cases=300, seed=5)


PARAMS = {"_file": "params.yaml", "language": "en", "stages": ["A_SUBMITTED", "A_PREACCEPTED", "A_ACCEPTED",
                                                                "A_FINALIZED", "A_APPROVED"],
          "won_stage": "A_APPROVED", "sources": {"log": {"file": "applications.csv"}},
          "clean": {"max_invalid_share": 0.05, "scope": [],
                    "tables": {"stage_events": {"source": "log", "columns": {
                        "deal_id": "case:concept:name", "stage": "concept:name", "entered_at": "time:timestamp",
                        "manager_id": "org:resource", "lifecycle": "lifecycle:transition"}}},
                    "event_log": {"lifecycle": ["complete"], "won_stages": ["A_APPROVED", "A_REGISTERED", "A_ACTIVATED"],
                                  "lost_stages": ["A_DECLINED", "A_CANCELLED"], "open_after_days": 30,
                                  "case_columns": {"amount": "case:AMOUNT_REQ"}}}}


@pytest.fixture(scope="module", params=["applications.csv", "applications.xes.gz"])
def cleaned(request, generated):
    folder, _ = generated
    raw = read_export(folder / request.param)
    return clean(PARAMS, {"log": raw}), raw


def _pm4py_log(raw: pd.DataFrame) -> pd.DataFrame:
    import pm4py

    log = raw[raw["lifecycle:transition"] == "COMPLETE"].copy()
    log["time:timestamp"] = pd.to_datetime(log["time:timestamp"], format="ISO8601", utc=True)
    return pm4py.format_dataframe(log, case_id="case:concept:name", activity_key="concept:name",
                                  timestamp_key="time:timestamp")


def _log(result) -> object:
    tables = result[0].tables
    return prepare_log(tables["stage_events"], tables["deals"], PARAMS["stages"], "A_APPROVED", activities=True)


def test_lifecycle_keeps_complete_events_and_counts_the_rest(cleaned, generated):
    result, raw = cleaned
    events = result.tables["stage_events"]
    assert len(events) == (raw["lifecycle:transition"] == "COMPLETE").sum()
    notes = result.notes[result.notes["note"] == "lifecycle"].set_index("detail")["count"]
    assert notes.to_dict() == raw.loc[raw["lifecycle:transition"] != "COMPLETE", "lifecycle:transition"] \
        .value_counts().sort_index().to_dict()
    assert set(result.notes.loc[result.notes["note"] == "utc", "detail"]) == {"+01:00, +02:00"}


def test_directly_follows_counts_match_pm4py(cleaned):
    import pm4py

    result, raw = cleaned
    dfg, starts, ends = pm4py.discover_dfg(_pm4py_log(raw))
    ours = directly_follows(_log(cleaned))
    moves = ours[~ours["kind"].isin(["start", "end"])]
    assert dict(zip(zip(moves["source"], moves["target"]), moves["cases"])) == dfg
    assert dict(zip(ours.loc[ours["kind"] == "start", "target"], ours.loc[ours["kind"] == "start", "cases"])) == starts
    last = ours[ours["kind"] == "end"].groupby("source")["cases"].sum()
    assert last.to_dict() == ends


def test_variants_match_pm4py(cleaned):
    import pm4py

    result, raw = cleaned
    expected = {" → ".join(variant): count for variant, count in pm4py.get_variants(_pm4py_log(raw)).items()}
    ours = variants(_log(cleaned), coverage=1.0)
    assert dict(zip(ours["variant"], ours["cases"])) == expected


@pytest.fixture(scope="module")
def tied(generated, tmp_path_factory):
    """The generated log as CSV with every second COMPLETE event of a case at the very time
    of the COMPLETE event before it, where that one is of another activity (the same activity
    at the same time is a duplicate, which 02 drops): ties that only the order of the rows decides."""
    events = generated[1]["events"].copy()
    complete = events[events["lifecycle:transition"] == "COMPLETE"]
    by_case = complete.groupby("case:concept:name", sort=False)
    tie = (by_case.cumcount() % 2 == 1) & (by_case["concept:name"].shift() != complete["concept:name"])
    events.loc[tie[tie].index, "time:timestamp"] = by_case["time:timestamp"].shift()[tie]
    path = tmp_path_factory.mktemp("tied") / "applications.csv"
    events.to_csv(path, index=False)
    return path


def test_with_ties_every_edge_and_variant_count_is_pm4py_s(tied):
    import pm4py

    raw = read_export(tied)
    log = _log((clean(PARAMS, {"log": raw}), raw))
    complete = raw[raw["lifecycle:transition"] == "COMPLETE"]
    assert len(log.activities) == len(complete)
    steps = log.activities
    tied = steps.loc[(steps["case"].diff() == 0) & (steps["at"].diff() == pd.Timedelta(0)), "case"].nunique()
    assert tied > 200   # of the 300 cases
    theirs = _pm4py_log(raw)
    dfg, starts, ends = pm4py.discover_dfg(theirs)
    ours = directly_follows(log)
    moves = ours[~ours["kind"].isin(["start", "end"])]
    assert dict(zip(zip(moves["source"], moves["target"]), moves["cases"])) == dfg
    assert dict(zip(ours.loc[ours["kind"] == "start", "target"], ours.loc[ours["kind"] == "start", "cases"])) == starts
    assert ours[ours["kind"] == "end"].groupby("source")["cases"].sum().to_dict() == ends
    paths = variants(log, coverage=1.0)
    assert dict(zip(paths["variant"], paths["cases"])) == {" → ".join(variant): count for variant, count
                                                           in pm4py.get_variants(theirs).items()}


def test_cases_end_as_planted(cleaned, generated):
    result, _ = cleaned
    planted = generated[1]["cases"].astype({"case": str}).set_index("case")
    deals = result.tables["deals"].set_index("deal_id")
    outcome = planted["outcome"].map({"approved": "won", "declined": "lost", "cancelled": "lost", "open": "open"})
    assert deals["outcome"].reindex(planted.index).tolist() == outcome.tolist()
    lost = planted[planted["outcome"].isin(["declined", "cancelled"])]
    assert (deals.loc[lost.index, "lost_reason"] == "A_" + lost["outcome"].str.upper()).all()
    assert np.allclose(deals["amount"].reindex(planted.index), planted["amount"])
    log = _log(cleaned)
    wins = funnel(log).set_index("stage")["won"]
    assert wins["A_APPROVED"] == (planted["outcome"] == "approved").sum() and wins.drop("A_APPROVED").eq(0).all()


def test_case_columns_are_in_the_quality_summary_and_never_dropped_by_01(cleaned):
    from cjm.core.params import clean_columns

    result, raw = cleaned
    amount = result.quality.set_index(["table", "column"]).loc[("deals", "amount")]
    assert amount["source_column"] == "case:AMOUNT_REQ" and amount["rejected"] == 0
    assert amount["rows"] == raw["case:concept:name"].nunique()
    assert "case:AMOUNT_REQ" in clean_columns(PARAMS)["log"]
