"""06's funnel on small hand-made logs: answers computed by hand."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjm.core.errors import CjmError
from cjm.core.params import default_section
from cjm.core.paths import EngagementPaths
from cjm.analysis.journeys import path_features
from cjm.analysis.funnel import (bottlenecks, directly_follows, funnel, last_actions, lead_flows,
                        lost_reasons, prepare_log, stage_times, stage_touches, time_to_convert,
                        touches_by_stage, variants, analyse_funnel)
from cjm.present.figures.funnel import plot_journeys_by_segment
from cjm.steps.funnel import write_funnel

STAGES = ["A", "B", "C", "D"]
DAY0 = pd.Timestamp("2025-01-01")


def day(x: float) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=x)


# case: (outcome, closed day, lost reason, [(stage, day), ...] in log order)
CASES = {
    "c1": ("won", 6, None, [("A", 0), ("B", 1), ("C", 3), ("D", 6)]),
    "c2": ("lost", 5, "price", [("A", 0), ("B", 2)]),
    "c3": ("open", None, None, [("A", 0), ("C", 1)]),                    # skipped B, still open
    "c4": ("lost", 1, None, [("A", 0)]),                                 # no reason recorded
    "c5": ("won", 9, None, []),                                          # no history, won
    "c6": ("open", None, None, []),                                      # no history, open: not placed
    "c7": ("won", 7, None, [("A", 0), ("B", 1), ("C", 2), ("B", 4), ("C", 5), ("D", 7)]),  # went back
    "c8": ("lost", 3, "price", [("A", 0), ("B", 2), ("C", 1)]),          # C written with an earlier time
    "c9": ("lost", 1, "spam", [("A", 0), ("A", 0)]),                     # the same time twice
}


def make_tables(cases=CASES, extra_events=()):
    deals = pd.DataFrame([{"deal_id": k, "client_id": f"K{k}", "outcome": o, "created_at": day(0),
                           "closed_at": day(c) if c is not None else pd.NaT, "lost_reason": r,
                           "segment": 1 if k in ("c1", "c2", "c3") else 2, "channel": "web" if k < "c5" else "call"}
                          for k, (o, c, r, _) in cases.items()])
    events = pd.DataFrame([{"deal_id": k, "stage": s, "entered_at": day(d)}
                           for k, (_, _, _, path) in cases.items() for s, d in path] + list(extra_events))
    return events, deals


@pytest.fixture
def log():
    events, deals = make_tables(extra_events=[{"deal_id": "c1", "stage": "Архив", "entered_at": day(2)},
                                              {"deal_id": "zz", "stage": "A", "entered_at": day(1)}])
    return prepare_log(events, deals, STAGES, "D")


def test_funnel_counts_open_cases_apart_and_skips_as_reached(log):
    table = funnel(log).set_index("stage")
    assert table["reached"].tolist() == [8, 6, 5, 3]
    assert table["entered"].tolist() == [7, 4, 4, 3]      # c5 entered only D, placed there by its outcome
    assert table["skipped"].tolist() == [1, 2, 1, 0]
    assert table["lost"].tolist() == [2, 1, 1, 0]
    assert table["open"].tolist() == [0, 0, 1, 0]
    assert table["won"].tolist() == [0, 0, 0, 3]
    assert table["moved_on"].tolist()[:3] == [6, 5, 3] and pd.isna(table.loc["D", "moved_on"])
    assert table["conversion"].tolist()[:3] == pytest.approx([6 / 8, 5 / 6, 3 / 4])  # open case not in the base
    assert table["reach_rate"].tolist() == pytest.approx([1, 6 / 8, 6 / 8 * 5 / 6, 6 / 8 * 5 / 6 * 3 / 4])
    assert table["lost_share"].tolist() == pytest.approx([2 / 4, 1 / 4, 1 / 4, 0])


def test_checks_count_every_row_and_case_set_aside(log):
    checks = log.checks.set_index("check")["count"]
    assert checks["stage events"] == 22
    assert checks["events of stages outside the funnel"] == 1
    assert checks["events of cases not in the cases table"] == 1
    assert checks["events earlier than the event before them"] == 1      # c8's C
    assert checks["cases with events at the same time"] == 1             # c9
    assert checks["cases that went back to an earlier stage"] == 1       # c7
    assert checks["cases without stage events"] == 2                     # c5, c6
    assert checks["cases without stage events and a known stage"] == 1   # c6
    assert log.unknown_stages.to_dict("records") == [{"stage": "Архив", "rows": 1}]
    assert len(log.events) == 20


def test_stage_times_sum_repeated_visits_and_leave_out_negative_times(log):
    times = stage_times(log).set_index("stage")
    # moved on from A: c1 1, c2 2, c3 1, c7 1, c8 2 days; from B: c1 2, c7 1 + 1 (c8's B -> C is negative)
    assert times.loc["A", ["moved_on_cases", "median_days"]].tolist() == [5, 1]
    assert times.loc["B", ["moved_on_cases", "median_days"]].tolist() == [2, 2]
    assert times.loc["C", "median_days"] == pytest.approx(3.5)          # c1 3, c7 2 + 2
    assert times.loc["A", "p90_days"] == pytest.approx(2)
    # lost: c4 1 day after A; c9 0 + 1; c2 3 days after B; c8 2 days after C
    assert times["lost_cases"].tolist() == [2, 1, 1, 0]
    assert times["median_days_to_loss"].tolist()[:3] == [1, 3, 2]
    assert np.isnan(times.loc["D", "median_days"])


@pytest.mark.parametrize("by", [None, "channel"])
def test_stage_times_where_no_case_moved_on_are_missing_not_an_error(by):
    cases = {"c2": CASES["c2"], "c4": CASES["c4"], "c6": CASES["c6"]}  # lost at B and A, open without history
    events, deals = make_tables(cases)
    times = stage_times(prepare_log(events, deals, STAGES, "D"), by)
    assert times["moved_on_cases"].sum() == 1 and times["lost_cases"].sum() == 2  # c2 moved on from A only
    assert times["median_days"].notna().sum() == 1 and times["median_days_to_loss"].notna().sum() == 2
    only_lost = {"c4": CASES["c4"]}  # nobody moved on anywhere: every stay time is missing
    times = stage_times(prepare_log(*make_tables(only_lost), STAGES, "D"), by)
    assert times["moved_on_cases"].sum() == 0 and times[["median_days", "p75_days", "p90_days"]].isna().all().all()


def test_time_to_convert_from_creation_to_the_won_stage(log):
    table = time_to_convert(log)
    assert table["won_cases"].item() == 2 and table["median_days"].item() == pytest.approx(6.5)  # c1 6, c7 7


def test_times_leave_out_cases_without_a_group_and_cases_lost_after_the_won_stage():
    # c10 has no channel; c11 reached D and was lost afterwards: not converted
    cases = {**CASES, "c10": ("won", 2, None, [("A", 0), ("B", 2), ("C", 2), ("D", 2)]),
             "c11": ("lost", 8, "price", [("A", 0), ("B", 1), ("C", 2), ("D", 4)])}
    events, deals = make_tables(cases)
    deals.loc[deals["deal_id"] == "c10", "channel"] = None
    log = prepare_log(events, deals, STAGES, "D")
    by_channel = stage_times(log, "channel").set_index(["channel", "stage"])
    # moved on from A: web c1, c2, c3, c11 (c4 lost); call c7, c8: c10 in neither (not in the last group, web)
    assert by_channel.loc[("web", "A"), "moved_on_cases"] == 4 and by_channel.loc[("call", "A"), "moved_on_cases"] == 2
    assert time_to_convert(log)["won_cases"].item() == 3  # c1, c7, c10; not c11


def test_funnel_by_segment(log):
    table = funnel(log, "segment").set_index(["segment", "stage"])
    assert table.loc[1, "reached"].tolist() == [3, 3, 2, 1]      # c1, c2, c3
    assert table.loc[2, "reached"].tolist() == [5, 3, 3, 2]      # c4, c5, c7, c8, c9 (c6 not placed)
    assert table.loc[(1, "C"), "conversion"] == 1.0                      # c1 moved on, c3 still open


def test_lost_reasons_by_furthest_stage(log):
    table = lost_reasons(log)
    assert table.to_dict("records") == [
        {"stage": "A", "reason": "missing_reason", "cases": 1, "share": 0.5},
        {"stage": "A", "reason": "spam", "cases": 1, "share": 0.5},
        {"stage": "B", "reason": "price", "cases": 1, "share": 1.0},
        {"stage": "C", "reason": "price", "cases": 1, "share": 1.0}]


def test_bottleneck_by_absolute_and_relative_loss(log):
    table = bottlenecks(funnel(log))
    assert table.iloc[0]["stage"] == "A" and table.iloc[0]["bottleneck"]
    assert table.set_index("stage")["loss_rate"].to_dict() == pytest.approx({"A": 0.25, "B": 1 / 6, "C": 0.25})


def test_variants_count_paths_with_repeats():
    events, deals = make_tables({**CASES, "c10": ("won", 3, None, [("A", 0), ("B", 1), ("C", 2), ("D", 3)])})
    table = variants(prepare_log(events, deals, STAGES, "D"), coverage=1.0)
    top = table.iloc[0]
    assert top["variant"] == "A → B → C → D" and top["cases"] == 2 and top["won"] == 2
    assert top["median_days"] == pytest.approx(4.5)
    assert "A → B → C → B → C → D" in set(table["variant"]) and "A → A" in set(table["variant"])
    assert table["cases"].sum() == 8 and table["cumulative_share"].iloc[-1] == pytest.approx(1)
    short = variants(prepare_log(events, deals, STAGES, "D"), coverage=0.2)
    assert len(short) == 2 and short.iloc[-1]["variant"] == "other_variants" and short["cases"].sum() == 8
    assert short["variants"].tolist() == [1, 6]


def test_directly_follows_counts_and_median_times(log):
    table = directly_follows(log).set_index(["source", "target"])
    assert table.loc[("A", "B"), "cases"] == 4 and table.loc[("A", "B"), "median_days"] == 1.5
    assert table.loc[("B", "C"), "cases"] == 4 and table.loc[("B", "C"), "median_days"] == 1   # c8's negative left out
    assert table.loc[("A", "C"), "kind"] == "skip" and table.loc[("C", "B"), "kind"] == "back"
    assert table.loc[("A", "A"), "kind"] == "repeat" and table.loc[("C", "D"), "cases"] == 2
    assert table.loc[("start", "A"), "cases"] == 7
    assert table.loc[("D", "won"), "cases"] == 2 and table.loc[("C", "open"), "cases"] == 1


@pytest.mark.parametrize("unit, span_days", [("s", 100_000), ("ns", 30), ("ns", 100_000)])
def test_directly_follows_medians_are_pandas_medians_in_any_clock_unit(unit, span_days):
    # gaps of up to 270 years in nanoseconds do not fit beside the edge in one int64: pandas finds those medians
    rng = np.random.default_rng(3)
    lengths = rng.integers(1, 7, 300)
    events = pd.DataFrame({"deal_id": np.repeat([f"d{i}" for i in range(300)], lengths),
                           "stage": rng.choice(STAGES, lengths.sum()),
                           "entered_at": (pd.Timestamp("1700-01-01")
                                          + pd.to_timedelta(rng.uniform(0, span_days, lengths.sum()), unit="D"))
                           .as_unit(unit)})
    deals = pd.DataFrame({"deal_id": [f"d{i}" for i in range(300)], "outcome": "open"})
    table = directly_follows(prepare_log(events, deals, STAGES, "D"), ends=False)
    gaps = events.assign(target=events["stage"].shift(-1), days=events["entered_at"].diff().shift(-1) / pd.Timedelta(days=1))
    gaps = gaps[events["deal_id"].eq(events["deal_id"].shift(-1))]
    expected = gaps.assign(days=gaps["days"].where(gaps["days"] >= 0)).groupby(["stage", "target"])["days"].median()
    got = table.set_index(["source", "target"])["median_days"]
    pd.testing.assert_series_equal(got.sort_index(), expected.rename_axis(["source", "target"]).rename("median_days"),
                                   check_exact=True)


def test_lead_flows_add_up_to_the_funnel(log):
    flows = lead_flows(log)
    into_first = flows[flows["target"] == "A"]["cases"].sum()
    assert into_first == 8 and set(flows.loc[flows["step"] == 0, "source"]) == {"web", "call"}
    out_of_a = flows[flows["source"] == "A"].set_index("target")["cases"].to_dict()
    assert out_of_a == {"B": 6, "lost: A": 2}
    assert flows.loc[flows["target"] == "won", "cases"].item() == 3


def test_time_order_follows_the_clock():
    events, deals = make_tables()
    log = prepare_log(events, deals, STAGES, "D", order="time")
    c8 = log.events[log.events["case"] == 7]["stage"].tolist()
    assert c8 == [0, 2, 1]   # A, C (day 1), B (day 2)


def test_touches_per_stage_and_last_actions(log):
    touches = pd.DataFrame({
        "deal_id": ["c2", "c2", "c2", "c1", "c1", "c4", "zz"],
        "at": [day(0.5), day(2.5), day(3), day(-1), day(1.5), day(0.2), day(1)],
        "touchpoint": ["call", "call", "visit", "call", "mail", "call", "call"],
        "direction": ["in", "out", "in", "in", "out", "in", "in"],
        "channel": ["phone", "phone", "office", "phone", "email", "phone", "phone"]})
    placed = touches_by_stage(log, touches)
    assert placed.attrs["left_out"] == 1
    assert placed.set_index(["deal_id", "at"])["stage"].to_dict() == {
        ("c2", day(0.5)): 0, ("c2", day(2.5)): 1, ("c2", day(3)): 1, ("c1", day(-1)): 0, ("c1", day(1.5)): 1,
        ("c4", day(0.2)): 0}
    summary, bands, kinds = stage_touches(log, placed)
    b = summary.set_index("stage").loc["B"]
    # decided at B: c1, c7 moved on (1 and 0 touches), c2 lost (2), c8 moved on (0)
    assert b["cases"] == 4 and b["mean_touches"] == pytest.approx(3 / 4)
    assert b["mean_touches_lost"] == 2 and b["mean_touches_moved_on"] == pytest.approx(1 / 3)
    assert bands[(bands["stage"] == "B") & (bands["band"] == "2")]["move_on_rate"].item() == 0
    assert kinds.set_index("stage").loc["B", ["call", "mail", "visit"]].tolist() == pytest.approx([1 / 4, 1 / 4, 1 / 4])
    actions = last_actions(log, placed)
    assert actions[actions["stage"] == "B"].iloc[0][["last_action", "cases"]].tolist() == ["in · visit · office", 1]
    assert actions[actions["stage"] == "C"]["last_action"].tolist() == ["no_touch"]


def test_a_case_written_in_several_runs_is_put_together_in_the_order_of_the_cases():
    # b's events come in two runs around a's; the cases table lists a after b, and x is unknown
    events = pd.DataFrame({"deal_id": ["b", "a", "x", "b", "a", None],
                           "stage": ["A", "A", "A", "C", "B", "B"],
                           "entered_at": [day(0), day(0), day(0), day(2), day(1), day(1)]})
    deals = pd.DataFrame({"deal_id": ["b", "a"], "outcome": ["open", "lost"]})
    for ids in (str, object):   # Arrow strings, and Python objects
        log = prepare_log(events.astype({"deal_id": ids}), deals.astype({"deal_id": ids}), STAGES, "D")
        assert log.events["case"].tolist() == [0, 0, 1, 1] and log.events["stage"].tolist() == [0, 2, 0, 1]
        assert log.cases["furthest"].tolist() == [2, 1]
        assert log.checks.set_index("check").loc["events of cases not in the cases table", "count"] == 2
        # one run a case, in another order than the cases table's: each run put at its case
        log = prepare_log(events.iloc[[1, 4, 0, 3]].astype({"deal_id": ids}), deals.astype({"deal_id": ids}),
                          STAGES, "D")
        assert log.events["case"].tolist() == [0, 0, 1, 1] and log.events["stage"].tolist() == [0, 2, 0, 1]


def test_integer_case_ids_give_the_funnel_of_text_ids(log):
    events, deals = make_tables(extra_events=[{"deal_id": "c1", "stage": "Архив", "entered_at": day(2)},
                                              {"deal_id": "zz", "stage": "A", "entered_at": day(1)}])
    number = {f"c{i}": i for i in range(1, 10)} | {"zz": 99}
    by_number = prepare_log(events.assign(deal_id=events["deal_id"].map(number)),
                            deals.assign(deal_id=deals["deal_id"].map(number)), STAGES, "D")
    pd.testing.assert_frame_equal(funnel(by_number), funnel(log))
    pd.testing.assert_frame_equal(directly_follows(by_number), directly_follows(log))
    pd.testing.assert_frame_equal(by_number.checks, log.checks)


def test_variants_are_the_distinct_paths_of_many_activities():
    # 300 activities: codes past 255 take two bytes each, so a path is told apart by every code whole
    rng = np.random.default_rng(5)
    paths = {f"p{i}": [f"x{code}" for code in rng.integers(0, 300, rng.integers(1, 4))] for i in range(400)}
    paths |= {"q1": ["x1", "x256"], "q2": ["x256", "x1"], "q3": ["x1", "x1"], "q4": ["x1"]}
    events = pd.DataFrame([{"deal_id": k, "stage": name, "entered_at": day(d)}
                           for k, path in paths.items() for d, name in enumerate(path)])
    deals = pd.DataFrame({"deal_id": list(paths), "outcome": "open"})
    table = variants(prepare_log(events, deals, STAGES, "D", activities=True), coverage=1.0)
    expected = pd.Series([" → ".join(path) for path in paths.values()]).value_counts()
    assert dict(zip(table["variant"], table["cases"])) == expected.to_dict()
    assert table.attrs["variants"] == len(expected)


def test_bad_input_is_one_clear_error():
    events, deals = make_tables()
    with pytest.raises(CjmError, match="no column entered_at"):
        prepare_log(events.drop(columns="entered_at"), deals, STAGES, "D")
    with pytest.raises(CjmError, match="outcome .*'closed'"):
        prepare_log(events, deals.assign(outcome="closed"), STAGES, "D")
    with pytest.raises(CjmError, match="repeated deal_id"):
        prepare_log(events, pd.concat([deals, deals.iloc[:1]]), STAGES, "D")
    with pytest.raises(CjmError, match="order 'clock'"):
        prepare_log(events, deals, STAGES, "D", order="clock")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(STAGES + ["?", None]), st.integers(0, 30)),
                max_size=40),
       st.lists(st.sampled_from(["won", "lost", "open"]), min_size=6, max_size=6))
def test_any_log_gives_a_consistent_funnel(rows, outcomes):
    deals = pd.DataFrame({"deal_id": [f"d{i}" for i in range(6)], "outcome": outcomes,
                          "created_at": day(0), "closed_at": day(40)})
    events = pd.DataFrame([{"deal_id": f"d{c}", "stage": s, "entered_at": day(d)} for c, s, d in rows],
                          columns=["deal_id", "stage", "entered_at"])
    log = prepare_log(events, deals, STAGES, "D")
    table = funnel(log)
    reached = table["reached"].to_numpy()
    assert (np.diff(reached) <= 0).all()
    assert (table["entered"] + table["skipped"] == table["reached"]).all()
    ended = table["lost"] + table["open"] + table["won"]
    assert (table["moved_on"].fillna(0) + ended == table["reached"]).all()
    assert reached[0] == (log.cases["furthest"] >= 0).sum()
    checks = log.checks.set_index("check")["count"]
    set_aside = checks[["events of stages outside the funnel", "events without a stage"]].sum()
    assert len(log.events) + set_aside == len(events)
    assert ((table["conversion"].dropna() >= 0) & (table["conversion"].dropna() <= 1)).all()


def test_without_a_stage_history_the_funnel_goes_from_lead_to_outcome():
    deals = pd.DataFrame({"deal_id": ["w1", "w2", "l1", "l2", "o1"], "client_id": ["a", "b", "c", "d", "e"],
                          "outcome": ["won", "won", "lost", "lost", "open"],
                          "lost_stage": [None, None, None, "B", None], "channel": ["x", "y", "x", "y", "x"]})
    log = prepare_log(None, deals, STAGES, "D")
    table = funnel(log).set_index("stage")
    assert table["reached"].tolist() == [5, 3, 2, 2]            # l2 lost at its recorded stage B
    assert table["entered"].tolist() == table["reached"].tolist() and (table["skipped"] == 0).all()
    assert table["lost"].tolist() == [1, 1, 0, 0] and table["open"].tolist() == [1, 0, 0, 0]
    assert table["won"].tolist() == [0, 0, 0, 2]
    assert log.checks.set_index("check").loc["cases without a stage history", "count"] == 5
    assert path_features(log, None).skipped.shape == (5, 0)      # the outcome is no skipped stage


def test_06_writes_the_agreed_journey_names_and_keeps_its_own_elsewhere(log, tmp_path):
    """A journey named with the client (``funnel.journey_names``) carries that name in 06's
    journeys table and figures; one without keeps the name made from its channels."""
    section = default_section("funnel")
    section["journeys"].update(n_journeys=2, restarts=1)
    segments = log.cases[["client_id", "segment"]].dropna().drop_duplicates()
    made = analyse_funnel(log, section, segments=segments).journey_names
    assert sorted(made.values()) == ["call", "web"]  # named by the entry channel that stands out
    web = next(j for j, name in made.items() if name == "web")
    section["journey_names"] = {str(web): "Через сайт"}
    result = analyse_funnel(log, section, segments=segments)
    assert result.journey_names == {**made, web: "Через сайт"}
    paths = EngagementPaths("hand", tmp_path)
    write_funnel(result, paths, "ru")
    journeys = pd.read_parquet(paths.table("journeys"))
    assert journeys.groupby("journey")["journey_name"].unique().map(list).to_dict() == {
        web: ["Через сайт"], 3 - web: ["call"]}
    figure = plot_journeys_by_segment(result.journey_segments, result.journey_names, {1: "Один", 2: "Два"}, "ru")
    shown = [t.get_text() for axis in figure.axes for t in axis.get_yticklabels() + axis.get_xticklabels()]
    assert f"{web}. Через сайт" in shown and f"{3 - web}. call" in shown, shown


def test_kept_hygiene_deals_stay_in_the_funnel_but_their_reasons_are_counted_apart(log):
    """clean.hygiene: keep. c9 (lost at A for "spam") is still a loss at A, but "spam" is no
    customer's reason: not among the lost reasons (nor by segment), counted apart with the
    share of A's losses it had."""
    from cjm.analysis.funnel import analyse_funnel
    from cjm.core.params import default_section

    section = {**default_section("funnel"), "breakdowns": ["segment"]}
    result = analyse_funnel(log, section, hygiene=["spam", "duplicate"])
    assert result.funnel.set_index("stage").loc["A", "lost"] == 2  # c4 and c9
    assert result.lost_reasons[["stage", "reason", "cases", "share"]].to_dict("records") == [
        {"stage": "A", "reason": "missing_reason", "cases": 1, "share": 0.5},
        {"stage": "B", "reason": "price", "cases": 1, "share": 1.0},
        {"stage": "C", "reason": "price", "cases": 1, "share": 1.0}]
    assert result.hygiene_lost.to_dict("records") == [{"stage": "A", "reason": "spam", "cases": 1, "share": 0.5}]
    assert "spam" not in set(result.lost_by_segment["reason"])
    assert analyse_funnel(log, section).hygiene_lost.empty  # none listed: every reason is a customer's
