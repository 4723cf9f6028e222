"""Journey types: the latent class model on planted classes, the choice of their number,
their names and the cross-table with segments."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cjm.core.errors import CjmError
from cjm.analysis.journeys import (PathFeatures, choose_k, find_journeys, fit_classes, journey_names,
                          journeys_vs_segments)

ENTRY = ["web", "dealer", "office"]
CONTACTS = ["chat", "phone", "visit"]


def planted(n_per_class: int = 300, seed: int = 1) -> tuple[PathFeatures, np.ndarray]:
    """Two journey types: web leads who chat and skip stage S; office leads who phone and visit."""
    rng = np.random.default_rng(seed)
    cls = np.repeat([0, 1], n_per_class)
    entry_p = np.array([[0.7, 0.3, 0.0], [0.0, 0.3, 0.7]])[cls]
    entry = (rng.random(len(cls))[:, None] > np.cumsum(entry_p, axis=1)).sum(axis=1)
    contact_p = np.array([[0.8, 0.15, 0.05], [0.05, 0.55, 0.4]])[cls]
    contacts = np.array([rng.multinomial(rng.integers(0, 4), p) for p in contact_p])
    skip = (rng.random(len(cls)) < np.array([0.5, 0.02])[cls]).astype(float)
    index = pd.Index([f"k{i}" for i in range(len(cls))], name="client_id")
    features = PathFeatures(pd.DataFrame(np.eye(3)[entry], index=index, columns=ENTRY),
                            pd.DataFrame(contacts, index=index, columns=CONTACTS, dtype=float),
                            pd.DataFrame({"S": skip}, index=index))
    return features, cls


def test_planted_types_recovered_and_their_number_chosen():
    features, cls = planted()
    result = find_journeys(features, k_max=5, seed=3, restarts=3)
    assert result.k == 2 and result.chosen_by == "bic elbow"
    assert adjusted_rand_score(cls, result.labels["journey"]) > 0.8
    assert result.scan["k"].tolist() == [1, 2, 3, 4, 5] and result.scan["improvement"].max() == 1
    assert (result.labels["probability"] >= 0.5).all()


def test_number_from_params_and_largest_journey_first():
    features, _ = planted()
    result = find_journeys(features.take(np.r_[0:300, 300:400]), k_max=4, n_journeys=3, seed=3, restarts=2)
    assert result.k == 3 and result.chosen_by == "params"
    sizes = result.labels["journey"].value_counts().sort_index()
    assert sizes.is_monotonic_decreasing


def test_more_journeys_asked_than_clients_is_a_params_error():
    features, _ = planted()
    with pytest.raises(CjmError, match="5 journeys asked for, but only 3 clients have a path"):
        find_journeys(features.take(np.arange(3)), n_journeys=5)


def test_fit_is_reproducible_with_a_seed():
    features, _ = planted(100)
    a, b = (fit_classes(features.blocks(), 2, seed=7, restarts=2) for _ in range(2))
    assert a["log_likelihood"] == b["log_likelihood"]


def test_choose_k_is_the_smallest_reaching_the_elbow():
    scan = pd.DataFrame({"k": [1, 2, 3, 4, 5], "bic": [1000, 600, 420, 405, 400]})
    assert choose_k(scan, 0.9) == 3          # (1000 - 420) / 600 = 0.97; k = 2: 0.67
    assert choose_k(scan, 0.5) == 2
    assert choose_k(scan, 1.0) == 5
    with pytest.raises(CjmError, match="k = 1"):
        choose_k(scan.iloc[1:], 0.9)


def test_names_name_entry_channels_then_contacts_that_stand_out():
    features, cls = planted()
    result = find_journeys(features, k_max=3, n_journeys=2, seed=3, restarts=2)
    names = journey_names(result.profiles)
    assert sorted(names.values()) == ["office → phone, visit", "web → chat"]


def test_an_agreed_name_replaces_the_made_one_the_others_keep_theirs():
    profiles = pd.DataFrame({"journey": [1, 1, 2, 2, 3, 3], "block": "entry",
                             "feature": ["web", "office"] * 3, "share": [0.9, 0.1, 0.2, 0.8, 0.5, 0.5],
                             "lift": [1.8, 0.2, 0.4, 1.6, 1.0, 1.0]})
    made = journey_names(profiles)
    assert made == {1: "web", 2: "office", 3: "web"}  # 3: no channel stands out, the most common (first)
    assert journey_names(profiles, agreed={2: "Через офис", "3": "Смешанный"}) == {
        1: "web", 2: "Через офис", 3: "Смешанный"}  # keys as YAML gives them (int) or as params keep them (text)


def test_journeys_versus_segments_by_hand():
    journeys = pd.DataFrame({"client_id": list("abcdefgh"), "journey": [1, 1, 1, 1, 2, 2, 2, 2]})
    same = pd.DataFrame({"client_id": list("abcdefgh"), "segment": [1, 1, 1, 1, 2, 2, 2, 2]})
    table, test = journeys_vs_segments(journeys, same)
    assert table.to_numpy().tolist() == [[4, 0], [0, 4]]
    assert test["adjusted_rand"] == 1 and test["cramers_v"] == pytest.approx(1) and test["same"]
    assert test["segments_in_one_journey"] == 2
    across = same.assign(segment=[1, 2, 1, 2, 1, 2, 1, 2])
    table, test = journeys_vs_segments(journeys, across)
    assert table.to_numpy().tolist() == [[2, 2], [2, 2]]
    assert test["cramers_v"] == 0 and not test["same"] and test["segments_in_one_journey"] == 0
