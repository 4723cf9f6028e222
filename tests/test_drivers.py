"""Key driver analysis against R² computed independently (statsmodels) and planted weights."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cjm.analysis import drivers as dr
from cjm.core.errors import CjmError


def _r2(y, x) -> float:
    return sm.OLS(y, sm.add_constant(x)).fit().rsquared if x.shape[1] else 0.0


def _lmg_by_orderings(data: np.ndarray) -> np.ndarray:
    """LMG as its definition reads: the gain in R² when a predictor joins, averaged over all orderings."""
    x, y = data[:, :-1], data[:, -1]
    p = x.shape[1]
    gains = np.zeros(p)
    for order in itertools.permutations(range(p)):
        for position, j in enumerate(order):
            before = list(order[:position])
            gains[j] += _r2(y, x[:, before + [j]]) - _r2(y, x[:, before])
    return gains / math.factorial(p)


def _correlated(n=500, seed=1):
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = 0.7 * common + rng.normal(size=(n, 4))
    y = x @ np.array([1.0, 0.75, 0.3, 0.0]) + rng.normal(size=n)
    return np.column_stack([x, y])


def test_relative_importance_equals_the_average_over_orderings():
    data = _correlated()
    importance, r2 = dr.relative_importance(data)
    assert importance == pytest.approx(_lmg_by_orderings(data), abs=1e-10)
    assert importance.sum() == pytest.approx(r2) and r2 == pytest.approx(_r2(data[:, -1], data[:, :-1]))


def test_key_drivers_rank_planted_weights_with_intervals():
    frame = pd.DataFrame(_correlated(2000, seed=2), columns=["a", "b", "c", "d", "score"])
    frame.loc[::50, "b"] = np.nan  # incomplete answers are left out and counted
    table, model = dr.key_drivers(frame, "score", ["a", "b", "c", "d"], resamples=100, random_state=3)
    assert table["driver"].tolist() == ["a", "b", "c", "d"]
    assert table["importance"].sum() == pytest.approx(1)
    assert (table["ci_low"] <= table["importance"]).all() and (table["importance"] <= table["ci_high"]).all()
    assert table["coefficient"].iloc[0] == pytest.approx(1, abs=0.1)
    assert table.set_index("driver").loc["d", "p_value"] > 0.01 > table.set_index("driver").loc["c", "p_value"]
    assert table["moment_of_truth"].tolist() == [True, True, False, False]
    assert model["left_out"] == 40 and model["n"] == 1960
    again, _ = dr.key_drivers(frame, "score", ["a", "b", "c", "d"], resamples=100, random_state=3)
    pd.testing.assert_frame_equal(table, again)


def test_key_drivers_refuse_what_they_cannot_estimate():
    frame = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [3, 3, 3, 3, 3], "y": [1, 3, 2, 5, 4]})
    with pytest.raises(CjmError, match="varied answers"):
        dr.key_drivers(frame, "y", ["a", "b"])
    with pytest.raises(CjmError, match="1 to 14 driver columns"):
        dr.key_drivers(frame, "y", [])


def test_key_drivers_redraw_resamples_where_a_question_has_one_answer():
    # five respondents: many resamples repeat one answer of a driver; they are drawn again, never a singular fit
    frame = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 2, 1, 2], "y": [1, 3, 2, 5, 4]})
    table, model = dr.key_drivers(frame, "y", ["a", "b"], resamples=50, random_state=0)
    assert table["importance"].sum() == pytest.approx(1) and model["n"] == 5
    assert (table["ci_low"] <= table["importance"]).all() and (table["importance"] <= table["ci_high"]).all()
    twins = frame.assign(b=frame["a"] * 2)
    with pytest.raises(CjmError, match="move together"):
        dr.key_drivers(twins, "y", ["a", "b"])


def test_importance_performance_quadrants():
    drivers = pd.DataFrame({"driver": ["A", "B", "C", "D"], "importance": [0.4, 0.3, 0.2, 0.1]})
    csat = pd.DataFrame({"stage": ["A", "B", "C", "D"], "mean": [3.0, 4.5, 3.2, 4.4]})
    grid = dr.importance_performance(drivers, csat)
    # importance split at 1/4, performance at the mean rating 3.775
    assert grid["quadrant"].tolist() == ["fix first", "keep up", "watch", "maintain"]
