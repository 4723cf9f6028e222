"""06 against the demo's planted truth, in both CRM layouts."""

import glob

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cjm.analysis.funnel import funnel, lost_reasons, prepare_log
from cjm.analysis.journeys import journey_names


@pytest.fixture(params=["demo_world", "bitrix_world"])
def world(request):
    return request.getfixturevalue(request.param)


def all_deals_log(world):
    """In-scope deals, every side group and the deals set aside for data hygiene together: the
    population of the truth's funnel (which plants duplicate, spam and wrong-phone leads lost
    at the first stage)."""
    def table(name):
        files = [world.paths.table(name), *sorted(glob.glob(str(world.paths.interim / "side_groups" / "*" /
                                                                 f"{name}.parquet"))),
                 *glob.glob(str(world.paths.interim / "set_aside" / "hygiene" / f"{name}.parquet"))]
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

    world.funneled
    return prepare_log(table("stage_events"), table("deals"), world.params["stages"], world.params["won_stage"])


def test_conversions_within_two_points_of_the_planted_funnel(world):
    truth = pd.DataFrame(world.truth_json()["funnel"]).set_index("stage")
    ours = funnel(all_deals_log(world)).set_index("stage")
    gap = (ours["conversion"] - truth["conversion"]).dropna().abs()
    assert len(gap) == 6 and gap.max() < 0.02, gap
    # counts: off only by deals without any stage history whose stage nothing tells
    assert ((ours["reached"] - truth["reached"]).abs() <= 5).all()
    assert (ours["lost"] == truth["lost"]).all()


def test_in_scope_funnel_matches_the_planted_deals(world):
    result = world.funneled
    planted = pd.read_csv(world.paths.truth / "deals.csv", dtype=str)
    reid = pd.read_csv(world.paths.reidentification, dtype=str).query("kind == 'deal'")
    planted = planted.merge(reid, left_on="deal_code", right_on="original")
    planted = planted[planted["pseudonym"].isin(result.log.cases["case_id"])]
    stages = world.params["stages"]
    reached = planted["stage_reached"].map(stages.index)
    ours = result.funnel.set_index("stage")
    for k, stage in enumerate(stages[:-1]):
        base = (reached >= k) & ~((planted["outcome"] == "open") & (reached == k))
        conversion = (reached[base] > k).mean()
        assert abs(ours.loc[stage, "conversion"] - conversion) < 0.02, stage


def test_planted_bottleneck_is_found(world):
    result = world.funneled
    bottleneck = world.truth_json()["bottleneck_stage"]
    top = result.bottlenecks.set_index("stage")
    assert top.loc[bottleneck, "rank_lost"] == 1 and top.loc[bottleneck, "rank_rate"] == 1
    assert result.bottlenecks.iloc[0]["stage"] == bottleneck


def test_planted_anomalies_are_counted(world):
    truth = world.truth_json()
    checks = all_deals_log(world).checks.set_index("check")["count"]
    planted = truth["stage_anomalies"]
    assert checks["events earlier than the event before them"] == planted["out_of_order"]
    assert checks["cases with events at the same time"] == planted["ties"]
    assert checks["cases that went back to an earlier stage"] == planted["returns"]
    assert checks["cases without stage events"] == planted["deals_without_events"]
    assert checks["events of stages outside the funnel"] == planted["unknown_stage_rows"]
    assert set(world.funneled.log.unknown_stages["stage"]) == set(truth["unknown_stage_names"])


def test_planted_skips_of_the_car_selection(world):
    table = funnel(all_deals_log(world)).set_index("stage")
    planted = world.truth_json()["planted_skips_selection"]
    assert abs(table.loc["Подбор авто и расчёт", "skipped"] - planted) <= 0.05 * planted


def test_lost_reasons_by_stage_as_planted(world):
    truth = world.truth_json()["lost_reasons_by_stage"]
    ours = lost_reasons(all_deals_log(world))
    for stage, reasons in truth.items():
        found = ours[ours["stage"] == stage].set_index("reason")["cases"]
        assert {r: found.get(r, 0) for r in reasons} == reasons, stage


def test_three_planted_journeys_recovered_and_unlike_segments(world):
    result = world.funneled
    labels = result.journeys.labels
    assert result.journeys.k == 3 and result.journeys.chosen_by == "bic elbow"
    planted = world.planted(labels["client_id"], "journey").astype(int)
    assert adjusted_rand_score(planted, labels["journey"]) >= 0.7
    test = result.journey_test
    assert not test["same"] and test["adjusted_rand"] < 0.2 and test["segments_in_one_journey"] == 0
    assert result.journey_segments.shape == (7, 3)
    # each journey is named by the entry channels planted for it
    truth = world.truth_json()["journeys"]
    match = pd.crosstab(labels["journey"], planted).idxmax(axis=1)
    for journey, name in journey_names(result.journeys.profiles).items():
        entries = truth[str(match[journey])]["entry_channels"]
        assert all(channel in name.split(" → ")[0] for channel in entries), name
    # ... and called by the names agreed with the client (params funnel.journey_names)
    agreed = {int(j): name for j, name in world.params["funnel"]["journey_names"].items()}
    assert result.journey_names == agreed
    assert labels.groupby("journey")["journey_name"].first().to_dict() == agreed


def test_outputs_for_the_maps(world):
    world.funneled
    stage_funnel = pd.read_parquet(world.paths.table("stage_funnel"))
    assert {"stage", "entered", "moved_on", "lost", "open", "conversion", "median_days"} <= set(stage_funnel)
    overall = stage_funnel[stage_funnel["breakdown"] == "all"]
    assert overall["journey_stage"].notna().all()
    assert set(stage_funnel["breakdown"]) == {"all", "segment", "channel", "product", "cohort", "journey"}
    assert stage_funnel["journey_stage"].notna().all()
    # each journey's funnel adds up to the whole: the columns of its map
    by_journey = stage_funnel[stage_funnel["breakdown"] == "journey"].groupby("stage")[["reached", "lost"]].sum()
    assert (by_journey <= overall.set_index("stage")[["reached", "lost"]].loc[by_journey.index]).all().all()
    lost = pd.read_parquet(world.paths.table("journey_lost_reasons"))
    assert lost.groupby("stage")["cases"].sum().sum() == by_journey["lost"].sum()
    journeys = pd.read_parquet(world.paths.table("journeys"))
    assert {"client_id", "journey"} <= set(journeys) and journeys["client_id"].is_unique
    assert (world.paths.report / "funnel.xlsx").exists()
