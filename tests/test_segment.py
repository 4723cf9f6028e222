"""03_segment's building blocks on small hand-made frames with hand-computed answers."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from cjm.analysis import segment as sg
from cjm.core.errors import CjmError

SEED = 2025
ALL_FEATURES = ["age", "amount", "down_payment_share", "term_months", "monthly_payment", "days_to_deal",
                "deals", "product", "gender", "region", "acquisition_channel", "capital",
                "touches", "online_share", "first_touch_channel"]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Hundreds of rows need no threads; on a busy machine OpenMP's waiting makes k-means 10× slower."""
    with threadpool_limits(1):
        yield


# ----------------------------------------------------------------------------- helpers
def _clients() -> pd.DataFrame:
    """Three clients, not in id order; c2 has no birth year and no region."""
    return pd.DataFrame({
        "client_id": ["c3", "c1", "c2"],
        "gender": ["М", "Ж", "М"],
        "birth_year": pd.array([1980, 1990, None], dtype="Int64"),
        "region": ["г. Минск", "Брестская обл.", None],
        "acquisition_channel": ["Сайт", "Реклама", "Сайт"],
    })


def _deals() -> pd.DataFrame:
    """c1 has two deals (the later one listed first); the last deal in the data is of 2024."""
    ts = pd.Timestamp
    return pd.DataFrame({
        "deal_id": ["d2", "d1", "d3", "d4"],
        "client_id": ["c1", "c1", "c2", "c3"],
        "created_at": [ts("2024-06-01"), ts("2023-03-01"), ts("2024-01-10"), ts("2024-12-31")],
        "closed_at": [pd.NaT, ts("2023-03-11"), ts("2024-01-20"), ts("2025-01-05")],
        "outcome": ["open", "won", "lost", "won"],
        "product": ["B", "A", "B", "A"],
        "amount": [50_000.0, 30_000.0, 20_000.0, 40_000.0],
        "down_payment": [0.0, 6_000.0, 5_000.0, 10_000.0],
        "term_months": pd.array([12, 24, 36, 60], dtype="Int64"),
    })


def _touches() -> pd.DataFrame:
    """c1: three touches (two online, the first by phone); c3: one offline; c2: none."""
    ts = pd.Timestamp
    return pd.DataFrame({
        "client_id": ["c1", "c3", "c1", "c1"],
        "channel": ["Сайт", "Офис", "Звонок", "Viber"],
        "at": [ts("2023-02-10"), ts("2024-12-01"), ts("2023-02-01"), ts("2023-02-20")],
    })


def _section(features=None, describe=()) -> dict:
    return {"features": features if features is not None else {"age": 1}, "describe": list(describe),
            "capital": "г. Минск", "online_channels": ["Сайт", "Viber"]}


def _features(*names) -> pd.DataFrame:
    return sg.build_features(_clients(), _deals(), _touches(), _section({n: 1 for n in names}))


def _blobs(sizes, centres, seed):
    """Gaussian blobs of sd 1: points (n × dims) and the blob number (1-based) of each point."""
    rng = np.random.default_rng(seed)
    points = np.vstack([rng.normal(centre, 1.0, (size, len(centre))) for size, centre in zip(sizes, centres)])
    truth = np.repeat(np.arange(1, len(sizes) + 1), sizes)
    return points, truth


def _frame(points, columns=("age", "term_months"), prefix="c") -> pd.DataFrame:
    index = pd.Index([f"{prefix}{i:04d}" for i in range(len(points))], name="client_id")
    return pd.DataFrame(points, index=index, columns=list(columns))


#: Three blobs of decreasing size, far apart on (age, term_months): blob 1 is the largest.
BLOB_SIZES = (120, 80, 40)
BLOB_CENTRES = ((25.0, 12.0), (45.0, 60.0), (65.0, 24.0))


@pytest.fixture(scope="module")
def blob_features():
    points, truth = _blobs(BLOB_SIZES, BLOB_CENTRES, seed=1)
    features = _frame(points)
    return features, pd.Series(truth, index=features.index)


@pytest.fixture(scope="module")
def noise_features():
    """One round cloud, no structure: a split of it depends on every detail (seed, row order)."""
    return _frame(np.random.default_rng(7).normal(50, 10, (300, 2)))


def _section_for(features: pd.DataFrame) -> dict:
    return _section({name: 1 for name in features.columns})


# ----------------------------------------------------------------------------- build_features
def test_features_are_one_row_per_client_sorted_by_id_with_declared_columns():
    features = sg.build_features(_clients(), _deals(), _touches(),
                                 _section({"age": 1, "gender": 0.5}, describe=["amount", "age", "touches"]))
    assert features.index.tolist() == ["c1", "c2", "c3"]
    assert features.index.name == "client_id"
    assert features.columns.tolist() == ["age", "gender", "amount", "touches"]


def test_every_catalogue_feature_by_hand():
    features = _features(*ALL_FEATURES)
    expected = pd.DataFrame({
        # age at 2024, the year of the last deal: c1 2024-1990, c2 no birth year, c3 2024-1980
        "age": [34.0, np.nan, 44.0],
        # first deals: c1 d1 (not d2, listed first), c2 d3, c3 d4
        "amount": [30_000.0, 20_000.0, 40_000.0],
        "down_payment_share": [6_000 / 30_000, 5_000 / 20_000, 10_000 / 40_000],
        "term_months": [24.0, 36.0, 60.0],
        "monthly_payment": [(30_000 - 6_000) / 24, (20_000 - 5_000) / 36, (40_000 - 10_000) / 60],
        # won first deals only: c1 10 days, c2 lost, c3 5 days
        "days_to_deal": [10.0, np.nan, 5.0],
        "deals": [2.0, 1.0, 1.0],
        "product": ["A", "B", "A"],
        "gender": ["Ж", "М", "М"],
        "region": ["Брестская обл.", np.nan, "г. Минск"],
        "acquisition_channel": ["Реклама", "Сайт", "Сайт"],
        "capital": ["regions", np.nan, "capital"],
        # c2 has no touches: none counted, no share, no first channel
        "touches": [3.0, 0.0, 1.0],
        "online_share": [2 / 3, np.nan, 0.0],
        "first_touch_channel": ["Звонок", np.nan, "Офис"],
    }, index=pd.Index(["c1", "c2", "c3"], name="client_id"))
    pd.testing.assert_frame_equal(features, expected, check_dtype=False)
    numeric = [name for name in ALL_FEATURES if sg.CATALOGUE[name][0] == "numeric"]
    assert (features[numeric].dtypes == float).all()


def test_missing_region_stays_missing_in_region_and_capital():
    features = _features("region", "capital")
    assert features.loc["c2"].isna().all()
    assert features.loc[["c1", "c3"], "capital"].tolist() == [sg.REGIONS, sg.CAPITAL]


def test_without_touches_table_touch_features_are_missing():
    features = sg.build_features(_clients(), _deals(), None,
                                 _section({"age": 1, "touches": 1, "online_share": 1, "first_touch_channel": 1}))
    assert features[["touches", "online_share", "first_touch_channel"]].isna().all().all()
    assert features["age"].notna().sum() == 2


@pytest.mark.parametrize("role", ["features", "describe"])
def test_unknown_feature_name_is_an_error_naming_it(role):
    section = _section({"age": 1, "shoe_size": 1}) if role == "features" else _section(describe=["shoe_size"])
    with pytest.raises(CjmError, match="shoe_size"):
        sg.build_features(_clients(), _deals(), _touches(), section)


def test_capital_feature_needs_the_capital_name():
    section = _section({"capital": 1})
    del section["capital"]
    with pytest.raises(CjmError, match="capital"):
        sg.build_features(_clients(), _deals(), _touches(), section)


# ----------------------------------------------------------------------------- FeatureEncoder
def _encode(features: pd.DataFrame, weights: dict):
    encoder = sg.FeatureEncoder(weights).fit(features)
    return encoder, encoder.transform(features)


def test_numbers_are_standardized_times_weight():
    features = pd.DataFrame({"age": [20.0, 30.0, 40.0, 70.0], "term_months": [12.0, 24.0, 36.0, 48.0]})
    _, Z = _encode(features, {"age": 1, "term_months": 2})
    np.testing.assert_allclose(Z.mean(0), [0, 0], atol=1e-12)
    np.testing.assert_allclose(Z.std(0), [1, 2])
    # age: mean 40, population sd sqrt((400 + 100 + 0 + 900) / 4) = sqrt(350)
    np.testing.assert_allclose(Z[:, 0], np.array([-20, -10, 0, 30]) / math.sqrt(350))


def test_skewed_numbers_take_the_logarithm():
    # log1p of 0, 9, 99 is 0, ln 10, 2 ln 10: evenly spaced, so standardized to -a, 0, a
    features = pd.DataFrame({name: [0.0, 9.0, 99.0] for name in ("amount", "monthly_payment", "days_to_deal",
                                                                 "touches", "deals", "age")})
    _, Z = _encode(features, {name: 1 for name in features.columns})
    even = math.sqrt(1.5)  # (x - mean) / sd of -1, 0, 1
    np.testing.assert_allclose(Z[:, :5], np.tile([[-even], [0], [even]], 5), atol=1e-12)
    assert Z[2, 5] > even  # age is not skewed: 99 stays far out


def test_missing_numbers_take_the_median():
    features = pd.DataFrame({"age": [20.0, 30.0, 60.0, np.nan]})
    _, Z = _encode(features, {"age": 1})
    # the gap is filled with 30, the median of 20, 30, 60; then 20, 30, 60, 30 are standardized
    filled = np.array([20, 30, 60, 30])
    np.testing.assert_allclose(Z[:, 0], (filled - filled.mean()) / filled.std())


def test_two_level_category_has_total_variance_weight_squared():
    features = pd.DataFrame({"gender": ["Ж", "М", "М", "М", "Ж", "М", "М", "М"]})
    encoder, Z = _encode(features, {"gender": 0.5})
    assert encoder.get_feature_names_out().tolist() == ["gender=Ж", "gender=М"]
    np.testing.assert_allclose(Z.mean(0), [0, 0], atol=1e-12)
    assert Z.var(0).sum() == pytest.approx(0.25)
    # a woman is as far from a man as in a standardized 0/1 column of weight 0.5: 0.5 / sd(0/1)
    woman, man = Z[0], Z[1]
    assert np.linalg.norm(woman - man) == pytest.approx(0.5 / math.sqrt(0.25 * 0.75))


def test_rare_levels_are_pooled_and_unseen_levels_do_not_crash():
    regions = ["Минская"] * 120 + ["Брестская"] * 79 + ["Гродненская"]  # 1 of 200 = 0.5% < 1%
    features = pd.DataFrame({"region": regions, "age": np.arange(200.0)})
    encoder, Z = _encode(features, {"region": 1, "age": 1})
    assert encoder.get_feature_names_out().tolist() == ["region=(other)", "region=Брестская",
                                                        "region=Минская", "age"]
    assert Z.shape == (200, 4)
    assert Z[:, :3].var(0).sum() == pytest.approx(1.0)
    fresh = pd.DataFrame({"region": ["Гомельская", "Минская"], "age": [50.0, 50.0]})
    encoded = encoder.transform(fresh)
    np.testing.assert_allclose(encoded[0, :3], Z[-1, :3])  # an unseen level joins the pooled one
    np.testing.assert_allclose(encoded[1, :3], Z[0, :3])


def test_unseen_level_without_a_pooled_level_does_not_crash():
    features = pd.DataFrame({"gender": ["Ж", "М", "М", "Ж"]})
    encoder, Z = _encode(features, {"gender": 1})
    encoded = encoder.transform(pd.DataFrame({"gender": ["?", np.nan]}))
    assert encoded.shape == (2, 2) and np.isfinite(encoded).all()
    assert not any(np.allclose(row, known) for row in encoded for known in Z)


# ----------------------------------------------------------------------------- scan_k, recommend_k
@pytest.fixture(scope="module")
def three_blobs():
    points, _ = _blobs((200, 200, 200), ((0.0, 0.0), (10.0, 0.0), (0.0, 10.0)), seed=3)
    return points


@pytest.mark.parametrize("rows", [{}, {"fit_rows": 300, "metric_rows": 150}], ids=["all rows", "subsampled"])
def test_scan_finds_three_blobs(three_blobs, rows):
    scan = sg.scan_k(three_blobs, range(2, 6), seed=SEED, resamples=3, **rows)
    assert scan.columns.tolist() == ["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin",
                                     "stability"]
    assert scan["k"].tolist() == [2, 3, 4, 5]
    best = scan.set_index("k")
    assert best["silhouette"].idxmax() == 3
    assert best["calinski_harabasz"].idxmax() == 3
    assert best["davies_bouldin"].idxmin() == 3
    assert best.loc[3, "stability"] > 0.99
    assert (np.diff(scan["inertia"]) < 0).all()
    # per client: within-blob variance is about 2 (two coordinates of variance 1)
    assert best.loc[3, "inertia"] == pytest.approx(2, rel=0.15)


def test_scan_is_reproducible_with_the_seed(three_blobs):
    first = sg.scan_k(three_blobs, [2, 3], seed=SEED, resamples=2)
    again = sg.scan_k(three_blobs, [2, 3], seed=SEED, resamples=2)
    pd.testing.assert_frame_equal(first, again)


def test_scan_gives_the_same_numbers_in_one_process_or_two(three_blobs):
    pd.testing.assert_frame_equal(sg.scan_k(three_blobs, [2, 3, 4], seed=SEED, resamples=2, n_jobs=1),
                                  sg.scan_k(three_blobs, [2, 3, 4], seed=SEED, resamples=2, n_jobs=2),
                                  check_exact=True)


def test_pair_agreement_is_the_adjusted_rand_index():
    # pairs of 4 items: 6; together in both 1 (tp), only in the second 1 (fp), in neither 4 (tn):
    # ARI = 2 (1*4 - 0*1) / ((1+0)(0+4) + (1+1)(1+4)) = 8/14
    assert sg.pair_agreement(np.array([0, 0, 1, 2]), np.array([0, 0, 1, 1])) == 8 / 14
    assert sg.pair_agreement(np.array([1, 1, 0, 0]), np.array([0, 0, 1, 1])) == 1.0
    rng = np.random.default_rng(SEED)
    for size, k in [(50, 2), (300, 5), (1000, 9)]:
        a, b = rng.integers(0, k, size).astype(np.int32), rng.integers(0, k + 1, size).astype(np.int32)
        assert sg.pair_agreement(a, b) == adjusted_rand_score(a, b)  # to the last bit


def test_silhouette_of_probe_distances_is_silhouette_score_to_the_last_bit(three_blobs):
    from sklearn.metrics import silhouette_score

    labels = np.repeat([0, 1, 2], 200)
    labels[::7] = 1
    distances = sg.probe_distances(three_blobs)
    assert distances.shape == (600, 600) and (np.diag(distances) == 0).all()
    assert silhouette_score(distances, labels, metric="precomputed") == silhouette_score(three_blobs, labels)


def test_feature_encoder_is_the_module_s_made_on_first_use(three_blobs):
    import pickle
    import subprocess
    import sys

    code = "import sys, cjm.analysis.segment; print('sklearn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    features = pd.DataFrame({"x": [1.0, 2.0, 4.0], "kind": ["a", "b", "a"]})
    encoder = sg.FeatureEncoder({"x": 1, "kind": 0.5}).fit(features)
    assert type(encoder) is sg.FeatureEncoder and type(encoder).__qualname__ == "FeatureEncoder"
    again = pickle.loads(pickle.dumps(encoder))
    np.testing.assert_array_equal(again.transform(features), encoder.transform(features))


def _scan(stability: dict) -> pd.DataFrame:
    return pd.DataFrame({"k": list(stability), "stability": list(stability.values())})


def test_recommend_takes_the_finest_stability_peak_above_threshold():
    # peaks: 3 (0.97 > 0.90 and > 0.80) and 6 (0.93 > 0.88 and > 0.70); 4 (0.80) is not one
    k, reason = sg.recommend_k(_scan({2: 0.90, 3: 0.97, 4: 0.80, 5: 0.88, 6: 0.93, 7: 0.70}), threshold=0.85)
    assert k == 6
    assert reason == {"why": "peak", "k": 6, "stability": 0.93, "threshold": 0.85, "coarser": 0.88,
                      "finer": 0.70}


def test_recommend_skips_peaks_below_threshold_and_the_open_end():
    # 5 rises but stays under the threshold; 6, the last k, cannot be a peak (its right is unknown)
    k, reason = sg.recommend_k(_scan({2: 0.99, 3: 0.95, 4: 0.60, 5: 0.80, 6: 0.99}), threshold=0.85)
    assert k == 2
    assert np.isnan(reason["coarser"]) and reason["finer"] == pytest.approx(0.95)


def test_recommend_takes_a_plateau_at_its_finest_k():
    k, _ = sg.recommend_k(_scan({2: 0.60, 3: 0.99, 4: 0.99, 5: 0.70}), threshold=0.85)
    assert k == 4


def test_recommend_falls_back_to_the_most_stable_k():
    k, reason = sg.recommend_k(_scan({2: 0.50, 3: 0.80, 4: 0.60, 5: 0.40}), threshold=0.85)
    assert k == 3
    assert reason["why"] == "most_stable"
    assert reason["stability"] == pytest.approx(0.80) and reason["finer"] == pytest.approx(0.60)


# ----------------------------------------------------------------------------- fit_segments, assign
@pytest.mark.parametrize("method", sg.METHODS)
def test_each_method_recovers_blobs_numbered_by_size(blob_features, method):
    features, truth = blob_features
    model = sg.fit_segments(features, _section_for(features), 3, method, seed=SEED)
    labels = sg.assign(model, features)
    assert labels.name == "segment" and labels.index.equals(features.index)
    assert adjusted_rand_score(truth, labels) == 1.0
    # blob 1 is the largest, so it is segment 1, and so on
    assert (labels == truth).all()
    assert model.method == method and model.k == 3


@pytest.mark.parametrize("method", sg.METHODS)
def test_new_clients_go_to_the_segment_of_their_blob(blob_features, method):
    features, _ = blob_features
    model = sg.fit_segments(features, _section_for(features), 3, method, seed=SEED)
    fresh = _frame(np.array(BLOB_CENTRES[::-1]) + 0.5, prefix="new")
    assert sg.assign(model, fresh).tolist() == [3, 2, 1]


@pytest.mark.parametrize("method", sg.METHODS)
def test_same_seed_gives_same_labels(noise_features, method):
    section = _section_for(noise_features)
    first = sg.assign(sg.fit_segments(noise_features, section, 4, method, seed=SEED), noise_features)
    again = sg.assign(sg.fit_segments(noise_features, section, 4, method, seed=SEED), noise_features)
    pd.testing.assert_series_equal(first, again)
    if method != "ward":  # the only method without randomness
        other = sg.assign(sg.fit_segments(noise_features, section, 4, method, seed=SEED + 1), noise_features)
        assert not other.equals(first), "the data should be sensitive to the seed"


@pytest.mark.parametrize("method", sg.METHODS)
def test_shuffled_rows_give_the_same_labels(noise_features, method):
    section = _section_for(noise_features)
    labels = sg.assign(sg.fit_segments(noise_features, section, 4, method, seed=SEED), noise_features)
    shuffled = noise_features.sample(frac=1, random_state=11)
    shuffled_labels = sg.assign(sg.fit_segments(shuffled, section, 4, method, seed=SEED), shuffled)
    assert shuffled_labels.index.equals(shuffled.index)
    pd.testing.assert_series_equal(shuffled_labels.reindex(labels.index), labels)


def test_segments_are_numbered_by_size_on_unstructured_data(noise_features):
    labels = sg.assign(sg.fit_segments(noise_features, _section_for(noise_features), 4, "kmeans", seed=SEED),
                       noise_features)
    sizes = labels.value_counts().sort_index()
    assert sizes.index.tolist() == [1, 2, 3, 4]
    assert sizes.is_monotonic_decreasing


def test_assign_without_a_model_feature_is_an_error_naming_it(blob_features):
    features, _ = blob_features
    model = sg.fit_segments(features, _section_for(features), 3, "kmeans", seed=SEED)
    with pytest.raises(CjmError, match="term_months"):
        sg.assign(model, features.drop(columns="term_months"))


def test_unknown_method_is_an_error_naming_it(blob_features):
    features, _ = blob_features
    with pytest.raises(CjmError, match="spectral"):
        sg.fit_segments(features, _section_for(features), 3, "spectral", seed=SEED)


# ----------------------------------------------------------------------------- portraits
def _tiny():
    """Five clients in two segments: ages 20, 30 | 40, 50, 60; women 1 of 2 | 1 of 3."""
    index = pd.Index([f"c{i}" for i in range(1, 6)], name="client_id")
    features = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0, 60.0],
                             "gender": ["Ж", "М", "Ж", "М", "М"]}, index=index)
    labels = pd.Series([1, 1, 2, 2, 2], index=index, name="segment")
    return features, labels


def _trait(traits, segment, feature, level=None) -> pd.Series:
    rows = traits[(traits["segment"] == segment) & (traits["feature"] == feature)]
    if level is not None:
        rows = rows[rows["level"] == level]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_cohens_d_of_a_number_by_hand():
    traits = sg.describe_segments(*_tiny())
    # segment 1: mean 25 vs 50; variances (ddof 1) 50 and 100; pooled sd sqrt((1*50 + 2*100) / 3)
    d = (25 - 50) / math.sqrt(250 / 3)
    age = _trait(traits, 1, "age")
    assert age["kind"] == "numeric"
    assert age["effect"] == pytest.approx(d)
    assert (age["segment_value"], age["overall_value"]) == (25, 40)
    assert _trait(traits, 2, "age")["effect"] == pytest.approx(-d)


def test_cohens_h_of_a_category_level_by_hand():
    traits = sg.describe_segments(*_tiny())
    women = _trait(traits, 1, "gender", "Ж")
    assert women["kind"] == "category"
    assert women["effect"] == pytest.approx(2 * math.asin(math.sqrt(1 / 2)) - 2 * math.asin(math.sqrt(1 / 3)))
    assert (women["segment_value"], women["overall_value"]) == (pytest.approx(0.5), pytest.approx(0.4))
    men = _trait(traits, 2, "gender", "М")
    assert men["effect"] == pytest.approx(2 * math.asin(math.sqrt(2 / 3)) - 2 * math.asin(math.sqrt(1 / 2)))
    assert len(traits) == 2 * (1 + 2)  # per segment: one row for age, one per gender level


def test_skewed_numbers_compare_on_the_log_scale_and_show_medians():
    index = pd.Index(["a", "b", "c", "d"], name="client_id")
    features = pd.DataFrame({"amount": [9.0, 99.0, 0.0, 999.0]}, index=index)
    traits = sg.describe_segments(features, pd.Series([1, 1, 2, 2], index=index))
    # logs: ln10, 2 ln10 | 0, 3 ln10; means 1.5 ln10 vs 1.5 ln10
    amount = _trait(traits, 1, "amount")
    assert amount["effect"] == pytest.approx(0, abs=1e-12)
    assert (amount["segment_value"], amount["overall_value"]) == (54, 54)


def _traits_table() -> pd.DataFrame:
    rows = [  # segment, feature, level, kind, effect
        (1, "age", None, "numeric", -1.2),
        (1, "amount", None, "numeric", 0.3),
        (1, "gender", "Ж", "category", 0.9),
        (1, "gender", "М", "category", -0.9),
        (1, "region", sg.MISSING, "category", 2.0),
        (1, "region", sg.OTHER, "category", 1.5),
        (1, "region", "Минская", "category", 0.6),
        (1, "region", "Брестская", "category", 0.55),
        (1, "product", "A", "category", -0.7),
        (2, "term_months", None, "numeric", 3.0),
    ]
    traits = pd.DataFrame(rows, columns=["segment", "feature", "level", "kind", "effect"])
    return traits.assign(segment_value=0.5, overall_value=0.5)


def test_top_traits_keep_strong_over_represented_levels_one_per_feature():
    top = sg.top_traits(_traits_table(), 1, n=4, minimum=0.5)
    # amount (0.3) is weak; (missing), (other) and under-represented levels are left out
    assert list(zip(top["feature"], top["level"].fillna(""))) == [("age", ""), ("gender", "Ж"),
                                                                  ("region", "Минская")]


def test_top_traits_at_most_n_and_always_the_top_two():
    assert sg.top_traits(_traits_table(), 1, n=2, minimum=0.5)["feature"].tolist() == ["age", "gender"]
    assert sg.top_traits(_traits_table(), 1, n=4, minimum=5)["feature"].tolist() == ["age", "gender"]
    assert sg.top_traits(_traits_table(), 2)["feature"].tolist() == ["term_months"]


def test_profile_table_by_hand():
    features, labels = _tiny()
    profile = sg.profile_table(features, labels)
    assert profile["segment"].tolist() == ["1", "2", "all"]
    assert profile["clients"].tolist() == [2, 3, 5]
    assert profile["clients"].iloc[:-1].sum() == profile["clients"].iloc[-1]
    np.testing.assert_allclose(profile["share"], [0.4, 0.6, 1.0])
    np.testing.assert_allclose(profile["age"], [25, 50, 40])
    np.testing.assert_allclose(profile["gender: М"], [0.5, 2 / 3, 0.6])
    np.testing.assert_allclose(profile["gender: Ж"], [0.5, 1 / 3, 0.4])
