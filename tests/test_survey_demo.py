"""04_survey against the demo's planted survey process (ground truth computed by the generator)."""

import pandas as pd
import pytest

from cjm.core.io import read_table
from cjm.present.narrative import label
from cjm.present.workbooks import sheet_name


@pytest.fixture(params=["demo_world", "bitrix_world"])
def world(request):
    return request.getfixturevalue(request.param)


def test_planted_segment_nps_inside_the_intervals(world):
    result = world.surveyed
    planted_nps = {int(k): v for k, v in world.truth_json()["voice"]["survey"]["nps_by_segment"].items()}
    segments = read_table(world.paths, "segments")
    planted = world.planted(segments["client_id"])
    # each found segment stands for the planted segment most of its clients come from
    match = pd.crosstab(segments["segment"], planted).idxmax(axis=1)
    assert match.is_unique, match
    table = result.by_segment.set_index("segment")
    inside = [table.loc[s, "ci_low"] <= planted_nps[int(match[s])] <= table.loc[s, "ci_high"] for s in table.index]
    assert sum(inside) >= 6, table.assign(planted=[planted_nps[int(match[s])] for s in table.index])


def test_drop_from_the_post_deal_nps_is_significant(world):
    own = world.surveyed.own.iloc[0]
    truth = world.truth_json()
    assert own["scope"] == "all" and own["ci_high"] < 0 and own["p_value"] < 0.001
    # the company's own NPS is read from its export: in scope, close to the planted NPS of all deals
    assert abs(own["own"] - truth["post_deal_nps"]["nps"]) < 3


def test_planted_top_drivers_found_in_order(world):
    drivers = world.surveyed.drivers
    planted = world.truth_json()["voice"]["survey"]["top3"]
    assert drivers["driver"].head(3).tolist() == planted
    assert drivers["importance"].sum() == pytest.approx(1)
    assert (drivers.head(3)["p_value"] < 0.001).all()


def test_nps_falls_over_the_contract_as_planted(world):
    result = world.surveyed
    planted = world.truth_json()["voice"]["survey"]["nps_by_months"]
    bands = result.by_months.set_index("band")
    assert list(bands.index) == list(planted)
    inside = [bands.loc[b, "ci_low"] <= v <= bands.loc[b, "ci_high"] for b, v in planted.items()]
    assert sum(inside) >= 4, bands.assign(planted=list(planted.values()))
    assert result.trend["ci_high"] < 0 and result.trend["p_value"] < 0.001


def test_screening_and_respondents_as_planted(world):
    result = world.surveyed
    truth = world.truth_json()["voice"]["survey"]
    rows = result.screening.set_index("rule")["rows"]
    assert rows["speeder"] == truth["n_speeders"] and rows["repeat answer of a client"] == truth["n_duplicates"]
    groups = result.groups.set_index("group")["respondents"]
    assert groups.sum() == truth["n_rows"] - truth["n_speeders"] - truth["n_duplicates"]
    assert groups["not linked to the CRM"] >= truth["n_not_in_crm"] - 1
    assert len(result.comments) == truth["n_comments"]
    handling = result.handling.set_index("question")
    assert handling.loc["NPS", "rejected"] + handling.loc["NPS", "fixed"] == truth["n_out_of_range"]
    assert handling.loc["Подарки и дополнительные услуги", "unknown"] == truth["n_unknown_option"]


def test_gift_shares_by_segment_match_the_planted_propensities(world):
    result = world.surveyed
    survey_truth = world.truth_json()["voice"]["survey"]
    segments = read_table(world.paths, "segments")
    match = pd.crosstab(segments["segment"], world.planted(segments["client_id"])).idxmax(axis=1)
    shares = result.choices["Подарки и дополнительные услуги"]
    shares = shares[shares["segment"] != "all"]
    planted = [survey_truth["gifts_share_by_segment"][str(int(match[int(s)]))].get(o)
               for s, o in zip(shares["segment"], shares["option"])]
    cells = shares.assign(planted=planted).dropna(subset=["planted"])
    inside = cells["ci_low"].le(cells["planted"]) & cells["planted"].le(cells["ci_high"])
    assert inside.mean() >= 0.85, cells[~inside]
    assert (result.choice_tests["Подарки и дополнительные услуги"]["p_adjusted"] < 0.01).all()


def test_outputs_for_later_steps_and_the_client(demo_world):
    demo_world.surveyed
    paths = demo_world.paths
    by_segment = pd.read_parquet(paths.table("nps_by_segment"))
    assert {"segment", "n", "nps", "ci_low", "ci_high"} <= set(by_segment.columns)
    drivers = pd.read_parquet(paths.table("survey_drivers"))
    assert drivers["rank"].tolist() == list(range(1, 9))
    comments = pd.read_parquet(paths.table("survey_comments"))
    assert {"respondent_id", "client_id", "segment", "text"} <= set(comments.columns)
    plan = pd.read_excel(paths.report / "sample_plan.xlsx")
    completes, population = label("completes", "ru"), label("population", "ru")  # the workbook is the client's
    assert plan[completes].gt(0).all() and plan[population].sum() == by_segment_population(paths)
    sheets = pd.read_excel(paths.report / "survey_results.xlsx", sheet_name=None)
    assert {sheet_name(name, "ru") for name in ("overall", "by_segment", "achieved", "csat", "drivers", "own_nps",
                                                "by_months")} <= set(sheets)


def by_segment_population(paths) -> int:
    """Segmented clients with a won deal: the population the demo surveys."""
    deals = read_table(paths, "deals")
    segments = read_table(paths, "segments")
    return int(segments["client_id"].isin(deals.loc[deals["outcome"] == "won", "client_id"]).sum())


def test_before_the_survey_comes_in_only_the_plan_is_made(demo_world, tmp_path):
    from cjm.core.params import default_section
    from cjm.core.paths import EngagementPaths
    from cjm.present.survey import findings
    from cjm.steps.survey import run_survey

    demo_world.segmented
    paths = EngagementPaths("early", tmp_path)
    paths.interim.mkdir(parents=True)
    for name in ("segments", "deals"):
        (paths.table(name)).write_bytes(demo_world.paths.table(name).read_bytes())
    params = {k: v for k, v in demo_world.params.items() if k != "survey"}
    result = run_survey(params, paths)
    assert not result.answered and result.by_segment is None
    assert result.plan["completes"].gt(0).all()
    assert (paths.report / "sample_plan.xlsx").exists() and not paths.table("nps_by_segment").exists()
    assert findings(result, default_section("survey"), "ru") == {"margin": 10, "confidence": 0.95, "response_rate": 0.15}


def test_every_passage_of_the_chapter_is_filled_by_the_findings(demo_world):
    from cjm.present.narrative import say
    from cjm.present.survey import findings
    from cjm.present.words import section

    facts = findings(demo_world.surveyed, demo_world.params["survey"], "ru")
    assert (facts["own_direction"], facts["months_direction"]) == ("lower", "lower")
    for language in ("ru", "en"):
        for key in [k for k in section(language, "passages") if k.startswith("04.")]:
            assert "{" not in say(key, language, **facts, question="Q").data, key
