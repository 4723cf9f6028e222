"""05's coding against the demo's planted fragments, touchpoints, emotions and themes."""

import pandas as pd
import pytest

from cjm.present.workbooks import sheet_name


@pytest.fixture(params=["demo_world", "bitrix_world"])
def world(request):
    return request.getfixturevalue(request.param)


def _keys(world, frame: pd.DataFrame, truth: bool) -> set:
    """(source, document, turn, code) of fragments; the truth's ids as our tables write them."""
    frame = frame.copy()
    if truth:
        reid = pd.read_csv(world.paths.reidentification, dtype=str)
        respondent = reid[reid["kind"] == "respondent"].set_index("original")["pseudonym"]
        survey = frame["source"] == "survey"
        frame.loc[survey, "doc_id"] = frame.loc[survey, "doc_id"].astype(str).map(respondent)
        frame["doc_id"] = frame["doc_id"].astype(str).str.replace(r"\.(txt|docx)$", "", regex=True)
        frame.loc[frame["source"] == "interview", "turn"] += 1  # the planted turns count from 0
    return set(zip(frame["source"], frame["doc_id"].astype(str), frame["turn"].astype(int), frame[
        "code" if "code" in frame else "code_negated"]))


def test_planted_codes_recovered_at_fragment_level(world):
    found = _keys(world, world.coded.fragments, truth=False)
    voice = world.truth_json()["voice"]
    planted = _keys(world, pd.DataFrame(voice["fragments"]), truth=True)
    hits = len(planted & found)
    assert hits / len(found) >= 0.9 and hits / len(planted) >= 0.85, (hits / len(found), hits / len(planted))
    # negated mentions («тревоги не было») are not coded
    decoys = _keys(world, pd.DataFrame(voice["negated_decoys"]), truth=True)
    assert not decoys & found


def test_every_planted_touchpoint_is_in_the_inventory(world):
    inventory = world.coded.touchpoints.set_index("touchpoint")
    for planted in world.truth_json()["voice"]["touchpoints"]:
        row = inventory.loc[planted["touchpoint"]]
        assert row["mentions"] > 0 and row["channel"] == planted["channel"] and row["online"] == planted["online"]
        assert row["stage"] == planted["stage"]


def test_emotion_low_point_is_the_planted_stage(world):
    emotions = world.coded.emotions
    voice = world.truth_json()["voice"]
    assert emotions["stage"].tolist() == voice["journey_stages"]
    assert emotions.loc[emotions["score"].idxmin(), "stage"] == voice["emotion_low_stage"]
    # the planted valence counts neutral mentions as 0; ours gives them the sentence's tone, so the
    # curve keeps the planted shape rather than its values
    planted = pd.Series(voice["stage_valence"])
    assert emotions.set_index("stage")["score"].corr(planted, method="spearman") >= 0.9


def test_discovery_surfaces_the_planted_themes(world):
    themes = world.coded.themes.head(8)
    words = " ".join(themes["terms"])
    assert "приложение" in words and "парковка" in words, themes


def test_outputs_for_the_maps(demo_world):
    result, paths = demo_world.coded, demo_world.paths
    fragments = pd.read_parquet(paths.table("coded_fragments"))
    assert {"source", "doc_id", "client_id", "stage", "layer", "code", "valence", "quote"} <= set(fragments.columns)
    assert set(fragments["source"]) == {"interview", "survey", "mystery"}
    assert result.speakers["respondent"] == result.speakers["other_speakers"]  # the interviewer is not coded
    quotes = pd.read_parquet(paths.table("code_quotes"))
    assert quotes.groupby("code")["rank"].max().le(3).all()
    sheets = pd.read_excel(paths.report / "voice_of_customer.xlsx", sheet_name=None)
    assert {sheet_name(name, "ru") for name in ("fragments", "codes_by_segment", "quotes", "touchpoints", "emotions",
                                                "candidate_themes")} <= set(sheets)
