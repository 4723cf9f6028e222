"""Key driver analysis: how much each stage's satisfaction drives the overall score.

Relative importance is the Shapley decomposition of R² (LMG, Lindeman, Merenda and
Gold 1980; Grömping 2006): each driver's average gain in R² when it joins every subset
of the other drivers. Unlike regression coefficients, the shares stay meaningful when
the drivers are correlated, as stage ratings always are (one good experience colours
them all), and they sum to the model's R². Intervals come from a bootstrap of the
respondents; significance from the least-squares coefficients with robust (HC3) errors.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from cjm.core.errors import CjmError

#: More drivers than this make the 2^p subsets of the decomposition slow.
MAX_DRIVERS = 14


class _Decomposition:
    """The Shapley decomposition of R² over ``p`` predictors, set up once for many
    covariance matrices (the bootstrap)."""

    def __init__(self, p: int):
        self.p = p
        self.subsets = [np.array(list(itertools.combinations(range(p), k))) for k in range(1, p + 1)]
        masks = np.arange(2 ** p)
        size = np.array([m.bit_count() for m in masks.tolist()])
        # weight of a subset S without j: |S|! (p - |S| - 1)! / p!
        self.weight = np.array([math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
                                if k < p else 0.0 for k in size])
        self.without = [masks[(masks >> j) & 1 == 0] for j in range(p)]

    def r2(self, cov: np.ndarray) -> np.ndarray:
        """R² of the outcome (last row/column of ``cov``) on every subset, by bit mask."""
        p = self.p
        r2 = np.zeros(2 ** p)
        for indexes in self.subsets:
            xx = cov[indexes[:, :, None], indexes[:, None, :]]
            xy = cov[indexes, p]
            beta = np.linalg.solve(xx, xy[..., None])[..., 0]
            r2[(1 << indexes).sum(axis=1)] = (beta * xy).sum(axis=1) / cov[p, p]
        return r2

    def shares(self, data: np.ndarray) -> tuple[np.ndarray, float]:
        """Each predictor's average gain in R² over the subsets of the others, and R²."""
        r2 = self.r2(np.cov(data, rowvar=False))
        gains = [(self.weight[w] * (r2[w | (1 << j)] - r2[w])).sum() for j, w in enumerate(self.without)]
        return np.array(gains), float(r2[-1])


def relative_importance(data: np.ndarray) -> tuple[np.ndarray, float]:
    """LMG importance of each column but the last (the outcome) and the full model's R².

    Parameters
    ----------
    data : ndarray of shape (n, p + 1)
        Predictors, then the outcome; no missing values.

    Returns
    -------
    importance : ndarray of shape (p,)
        Each predictor's share of R² (they sum to R²).
    r2 : float
    """
    return _Decomposition(data.shape[1] - 1).shares(data)


def key_drivers(frame: pd.DataFrame, outcome: str, drivers: list[str], resamples: int = 200,
                confidence: float = 0.95, random_state: int = 0) -> tuple[pd.DataFrame, dict]:
    """How much each driver column explains of ``outcome``, with intervals and significance.

    Respondents with every driver and the outcome answered are used (their number is
    reported); ratings are taken as numbers.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent; ``outcome`` (e.g. the 0-10 recommendation score) and the
        ``drivers`` (e.g. CSAT per stage).
    outcome : str
        Column of the overall score explained.
    drivers : list of str
        Columns of the drivers, 1 to :data:`MAX_DRIVERS` (else :class:`CjmError`).
    resamples : int
        Bootstrap resamples for the intervals of the importances.
    confidence : float
        Confidence level of the bootstrap (percentile) intervals.
    random_state : int
        Seed of the bootstrap.

    Returns
    -------
    table : DataFrame
        One row per driver, most important first: ``driver``, ``importance`` (share of the
        explained variance, summing to 1), ``ci_low``, ``ci_high``, ``coefficient`` (outcome
        points per rating point, the others held fixed), ``p_value`` (HC3), ``rank``,
        ``moment_of_truth`` (True where the whole interval is above an equal share, 1/p).
    model : dict
        ``n`` (respondents used), ``left_out`` (with a driver or the outcome missing),
        ``r2``, ``r2_ci_low``, ``r2_ci_high``.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    if not 1 <= len(drivers) <= MAX_DRIVERS:
        raise CjmError(f"key drivers need 1 to {MAX_DRIVERS} driver columns, got {len(drivers)}",
                       "list fewer stages under survey.csat or group them")
    data = frame[[*drivers, outcome]].astype("Float64")
    complete = data.notna().all(axis=1)
    values = data[complete].to_numpy(dtype=float)
    n, p = len(values), len(drivers)
    if n <= p + 1 or np.any(values.std(axis=0) == 0):
        raise CjmError(f"key drivers need varied answers to every driver from more than {p + 1} respondents "
                       f"with all of them answered; {n} have", "collect more answers or drop constant questions")
    decomposition = _Decomposition(p)
    try:
        importance, r2 = decomposition.shares(values)
    except np.linalg.LinAlgError:
        raise CjmError(f"key drivers: the answers to {', '.join(drivers)} move together, so their weights cannot "
                       "be told apart", "drop or merge the questions that repeat another") from None
    rng = np.random.default_rng(random_state)
    draws = np.empty((resamples, p))
    r2_draws = np.empty(resamples)
    b = tries = 0
    while b < resamples:
        sample = values[rng.integers(0, n, n)]
        tries += 1
        try:  # a resample where a question has one answer, or two move together, says nothing of them
            gains, fit = decomposition.shares(sample) if sample[:, -1].std() > 0 else (None, 0.0)
        except np.linalg.LinAlgError:
            gains, fit = None, 0.0
        if fit <= 0:
            if tries > 10 * resamples:
                raise CjmError(f"key drivers: {n} respondents answer too alike to resample the importances",
                               "collect more answers or drop near-constant questions")
            continue
        draws[b], r2_draws[b] = gains / fit, fit
        b += 1
    tail = (1 - confidence) / 2 * 100
    fit = OLS(values[:, -1], add_constant(values[:, :-1])).fit(cov_type="HC3")
    table = pd.DataFrame({
        "driver": drivers, "importance": importance / r2,
        "ci_low": np.percentile(draws, tail, axis=0), "ci_high": np.percentile(draws, 100 - tail, axis=0),
        "coefficient": fit.params[1:], "p_value": fit.pvalues[1:],
    }).sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, p + 1)
    table["moment_of_truth"] = table["ci_low"] > 1 / p
    low, high = np.percentile(r2_draws, [tail, 100 - tail])
    return table, {"n": n, "left_out": int((~complete).sum()), "r2": r2, "r2_ci_low": float(low),
                   "r2_ci_high": float(high)}


def importance_performance(drivers: pd.DataFrame, csat: pd.DataFrame) -> pd.DataFrame:
    """Drivers placed on the importance-performance grid.

    Parameters
    ----------
    drivers : DataFrame
        As :func:`key_drivers` returns it.
    csat : DataFrame
        ``stage``, ``mean`` (performance), for the same stages.

    Returns
    -------
    DataFrame
        ``driver``, ``importance``, ``performance``, ``quadrant``: ``fix first`` (important,
        below the average rating), ``keep up`` (important, above), ``watch`` (less important,
        below), ``maintain`` (less important, above). Importance is split at the equal share
        1/p, performance at the mean of the stages' ratings.
    """
    table = drivers[["driver", "importance"]].assign(
        performance=drivers["driver"].map(csat.set_index("stage")["mean"]))
    important = table["importance"] > 1 / len(table)
    above = table["performance"] >= table["performance"].mean()
    table["quadrant"] = np.select([important & ~above, important & above, ~important & ~above],
                                  ["fix first", "keep up", "watch"], "maintain")
    return table
