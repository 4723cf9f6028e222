"""03_segment against the demo's planted segments (ground truth computed by the generator)."""

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cjm.analysis import segment as sg
from cjm.steps.segment import load_model
from cjm.core.io import read_table

PLANTED_K = 7


@pytest.fixture(params=["demo_world", "bitrix_world"])
def world(request):
    return request.getfixturevalue(request.param)


def test_demo_recommends_the_planted_number_of_segments(world):
    # criterion: the finest peak of resample stability (>= k-1, > k+1) at least 0.85 stable
    result = world.segmented
    assert result.recommended == PLANTED_K, result.scan
    assert result.reason["why"] == "peak"
    assert result.reason["coarser"] <= result.reason["stability"] > result.reason["finer"]


def test_demo_split_recovers_the_planted_segments(world):
    result = world.segmented
    planted = world.planted(result.labels.index.to_series())
    assert planted.notna().all() and planted.nunique() == PLANTED_K
    assert result.model.k == PLANTED_K
    assert adjusted_rand_score(planted, result.labels) >= 0.8


def test_demo_portraits_carry_the_planted_traits(world):
    result = world.segmented
    planted = world.planted(result.labels.index.to_series())
    signatures = {int(k): v["signature"] for k, v in world.truth_json()["segments"].items()}
    overlap = pd.crosstab(planted, result.labels)
    traits = result.traits
    for number, signature in signatures.items():
        found = int(overlap.loc[number].idxmax())
        mine = traits[traits["segment"] == found]
        for feature, planted_trait in signature.items():
            if planted_trait in ("high", "low"):
                effect = mine.loc[mine["feature"] == feature, "effect"].item()
                assert (effect if planted_trait == "high" else -effect) >= 0.5, (number, feature, effect)
            else:
                effect = mine.loc[(mine["feature"] == feature) & (mine["level"] == planted_trait), "effect"].item()
                assert effect >= 0.3, (number, feature, planted_trait, effect)
        named = sg.top_traits(traits[traits["feature"].isin(result.model.section["features"])], found).head(2)
        assert set(named["feature"]) <= set(signature), (number, named["feature"].tolist(), signature)


def test_demo_outputs_and_assign_of_a_fresh_export(demo_world):
    result = demo_world.segmented
    paths = demo_world.paths
    labels = pd.read_parquet(paths.table("segments"))
    assert list(labels.columns) == ["client_id", "segment", "segment_name"]
    assert labels["client_id"].is_unique and len(labels) == len(read_table(paths, "clients"))
    assert labels.groupby("segment")["segment_name"].nunique().eq(1).all()
    assert (paths.report / "segment_profiles.xlsx").exists()
    profiles = pd.read_parquet(paths.table("segment_profiles"))
    assert profiles["segment"].tolist() == [*map(str, range(1, PLANTED_K + 1)), "all"]
    assert profiles["portrait"].iloc[:-1].str.contains(" ").all()  # each segment's traits, for the deck
    # a fresh export: a third of the clients, in another order, re-scored by the saved model
    model = load_model(paths)
    clients, deals = read_table(paths, "clients"), read_table(paths, "deals")
    fresh = clients.sample(frac=1 / 3, random_state=1)
    touches = pd.read_parquet(paths.table("touches"), columns=["client_id", "channel", "at"])
    features = sg.build_features(fresh, deals[deals["client_id"].isin(fresh["client_id"])],
                                 touches, model.section)
    # age counts at the last deal's year, the same in the fresh subset; every feature that
    # defines segments is then as in the fit
    again = sg.assign(model, features)
    assert again.equals(result.labels.reindex(again.index))
