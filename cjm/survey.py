"""Survey statistics: sample plans, NPS and CSAT with intervals, weighting, comparisons.

The statistical core of 04_survey. NPS is in points (-100..100): the share of promoters
(9-10) minus the share of detractors (0-6), times 100. One answer contributes +1, 0 or
-1, so the variance of one answer is ``p+ + p- - (p+ - p-)^2`` and the standard error
of NPS is ``100 * sqrt(var / n)``; intervals are normal approximations, with the finite
population correction where the population is known.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from cjm.errors import CjmError

PROMOTER, DETRACTOR = 9, 6


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise CjmError(f"confidence {confidence!r} is not a probability", "use e.g. 0.95")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _numbers(values, what: str) -> np.ndarray:
    """``values`` as floats without the missing ones; text is an error naming ``what``."""
    series = pd.Series(values)
    number = pd.to_numeric(series, errors="coerce")
    text = series.notna() & number.isna()
    if text.any():
        raise CjmError(f"{what} must be numbers; found {list(series[text].unique()[:5])}",
                       "read the answers with parse_scores() first (it reports what it could not read)")
    return number.dropna().to_numpy(dtype=float)


def _finite(n0: float, population: float | None) -> float:
    """``n0`` completes for an infinite population, corrected for a finite one."""
    return n0 if population is None else n0 / (1 + (n0 - 1) / population)


def sample_size(population: float | None, margin: float, confidence: float = 0.95,
                proportion: float = 0.5) -> int:
    """Completes needed to estimate a proportion within ``margin`` (e.g. 0.05).

    ``n0 = z^2 p (1 - p) / margin^2``, then the finite population correction
    ``n0 / (1 + (n0 - 1) / N)``, rounded up. With N = 10,000, 5% and 95% this gives 370,
    as the common online calculators (Raosoft, SurveyMonkey) do; without N, 385.
    """
    if margin <= 0:
        raise CjmError(f"margin of error {margin!r} must be positive", "use e.g. 0.05 for ±5 points")
    n0 = _z(confidence) ** 2 * proportion * (1 - proportion) / margin ** 2
    return math.ceil(_finite(n0, population) - 1e-9)


def nps_sample_size(population: float | None, margin: float, confidence: float = 0.95,
                    promoters: float = 0.5, detractors: float = 0.5) -> int:
    """Completes needed to estimate NPS within ``margin`` NPS points (e.g. 10).

    Uses NPS's own variance per answer, ``p+ + p- - (p+ - p-)^2``: at most 1 (half
    promoters, half detractors), the default; expected shares give a smaller plan.
    """
    if margin <= 0:
        raise CjmError(f"NPS margin {margin!r} must be positive", "use e.g. 10 for ±10 NPS points")
    variance = promoters + detractors - (promoters - detractors) ** 2
    n0 = _z(confidence) ** 2 * variance / (margin / 100) ** 2
    return math.ceil(_finite(n0, population) - 1e-9)


def sample_plan(sizes: pd.Series, margin: float, confidence: float = 0.95, response_rate: float = 1.0,
                metric: str = "nps") -> pd.DataFrame:
    """Completes and invitations per segment.

    Parameters
    ----------
    sizes : Series
        Segment -> clients in it (the population to survey).
    margin : float
        NPS points (``metric="nps"``) or a proportion (``metric="proportion"``).
    response_rate : float
        Expected share of invitations that end in a complete answer.

    Returns
    -------
    DataFrame
        ``segment``, ``population``, ``completes``, ``invitations`` (completes over the
        response rate, at most the population), ``short`` (True where even inviting
        everyone is not expected to give the completes).
    """
    if not 0 < response_rate <= 1:
        raise CjmError(f"response rate {response_rate!r} must be in (0, 1]", "use e.g. 0.15")
    needed = nps_sample_size if metric == "nps" else sample_size
    rows = []
    for segment, population in sizes.items():
        completes = needed(float(population), margin, confidence)
        invitations = math.ceil(completes / response_rate - 1e-9)
        rows.append({"segment": segment, "population": int(population), "completes": completes,
                     "invitations": min(invitations, int(population)), "short": invitations > population})
    return pd.DataFrame(rows)


def nps(scores, confidence: float = 0.95, population: float | None = None) -> dict:
    """NPS of 0-10 scores (missing ones left out) with its standard error and interval.

    Returns
    -------
    dict
        ``n``, ``promoters``, ``passives``, ``detractors`` (counts), ``nps``, ``se``,
        ``ci_low``, ``ci_high`` (points; NaN without answers).
    """
    values = _numbers(scores, "NPS scores")
    outside = values[(values < 0) | (values > 10) | (values != np.round(values))]
    if len(outside):
        raise CjmError(f"NPS scores must be whole numbers 0-10; found {sorted(set(outside))[:5]}",
                       "map or drop such answers before scoring (04_survey reports them)")
    n = len(values)
    promoters, detractors = int((values >= PROMOTER).sum()), int((values <= DETRACTOR).sum())
    out = {"n": n, "promoters": promoters, "passives": n - promoters - detractors, "detractors": detractors}
    if n == 0:
        return {**out, "nps": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    share_p, share_d = promoters / n, detractors / n
    variance = share_p + share_d - (share_p - share_d) ** 2
    fpc = 1.0 if population is None or population <= 1 else max(0.0, (population - n) / (population - 1))
    se = 100 * math.sqrt(variance / n * fpc)
    value = 100 * (share_p - share_d)
    half = _z(confidence) * se
    return {**out, "nps": value, "se": se, "ci_low": value - half, "ci_high": value + half}


def nps_by(frame: pd.DataFrame, score: str, by: str, confidence: float = 0.95,
           populations: pd.Series | None = None) -> pd.DataFrame:
    """:func:`nps` of column ``score`` for each value of ``by`` (one row each, sorted)."""
    rows = []
    for group, part in frame.groupby(by, sort=True):
        population = None if populations is None else populations.get(group)
        rows.append({by: group, **nps(part[score], confidence, population)})
    return pd.DataFrame(rows)


def weighted_nps(by_segment: pd.DataFrame, sizes: pd.Series, confidence: float = 0.95,
                 segment: str = "segment") -> dict:
    """Population NPS from segment NPS weighted by segment sizes (stratified estimate).

    ``NPS = sum w_s NPS_s`` with ``w_s = N_s / N``, ``se = sqrt(sum w_s^2 se_s^2)``.
    Every segment of ``sizes`` must have an estimate.
    """
    table = by_segment.set_index(segment)
    missing = [s for s in sizes.index if s not in table.index or pd.isna(table.loc[s, "nps"])]
    if missing:
        raise CjmError(f"no NPS answers for segment(s) {missing}",
                       "the weighted estimate needs every segment; collect answers or merge segments")
    weights = sizes / sizes.sum()
    value = float((weights * table.loc[sizes.index, "nps"]).sum())
    se = float(np.sqrt((weights ** 2 * table.loc[sizes.index, "se"] ** 2).sum()))
    half = _z(confidence) * se
    return {"nps": value, "se": se, "ci_low": value - half, "ci_high": value + half}


def compare(a: float, se_a: float, b: float, se_b: float, confidence: float = 0.95) -> dict:
    """Difference ``a - b`` of two independent estimates, its interval and a two-sided z test."""
    diff = a - b
    se = math.sqrt(se_a ** 2 + se_b ** 2)
    half = _z(confidence) * se
    z = diff / se if se else np.nan
    return {"difference": diff, "se": se, "ci_low": diff - half, "ci_high": diff + half, "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z))) if se else np.nan}


def mean_ci(values, confidence: float = 0.95) -> dict:
    """Mean of a rating (CSAT) with a t interval; missing values left out."""
    x = _numbers(values, "ratings")
    n = len(x)
    if n < 2:
        return {"n": n, "mean": float(x.mean()) if n else np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    se = float(x.std(ddof=1) / math.sqrt(n))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se
    mean = float(x.mean())
    return {"n": n, "mean": mean, "se": se, "ci_low": mean - half, "ci_high": mean + half}


# ----------------------------------------------------------------------------- answers

_LEADING_NUMBER = r"^\s*(-?\d+)\s*(?:балл\w*|из\s*\d+|points?|/\s*\d+)?\s*$"


def parse_scores(values: pd.Series, low: int, high: int) -> tuple[pd.Series, dict]:
    """Scores of a 0-10 (or 1-5 ...) question as numbers, and what was done to them.

    Whole numbers in ``[low, high]`` are kept; a number written with words around it
    ("6 баллов", "10 из 10", "7 points") is read and counted as fixed; anything else
    (out of range, fractions, free text) becomes missing and is counted as rejected.

    Returns
    -------
    scores : Series
        ``Float64``, missing where blank or rejected.
    handling : dict
        ``answers``, ``fixed``, ``rejected``, ``rejected_examples`` (up to five values).
    """
    text = values.astype("str").str.strip()
    blank = text.isna() | text.eq("")
    plain = pd.to_numeric(text, errors="coerce")
    worded = pd.to_numeric(text.str.extract(_LEADING_NUMBER, expand=False), errors="coerce")
    number = plain.fillna(worded)
    fixed = plain.isna() & worded.notna()
    valid = number.notna() & number.between(low, high) & (number == number.round())
    rejected = ~blank & ~valid
    scores = number.where(valid).astype("Float64")
    return scores, {"answers": int((~blank).sum()), "fixed": int((fixed & valid).sum()),
                    "rejected": int(rejected.sum()),
                    "rejected_examples": ", ".join(map(str, text[rejected].unique()[:5]))}


def split_choices(values: pd.Series, options: list[str], separator: str = ";") -> tuple[pd.DataFrame, dict]:
    """A multi-choice question in one delimited column, as one True/False column per option.

    Options not in ``options`` are not dropped silently: they are counted (and the rows
    that gave them) in the handling record, and the known options of those rows kept.
    """
    chosen = values.astype("str").str.split(separator).map(
        lambda items: [i.strip() for i in items if i.strip()] if isinstance(items, list) else [])
    flags = pd.DataFrame({option: chosen.map(lambda items, o=option: o in items) for option in options},
                         index=values.index)
    unknown = chosen.map(lambda items: [i for i in items if i not in options])
    seen = sorted({i for items in unknown for i in items})
    return flags, {"answers": int(chosen.map(bool).sum()), "rows_with_unknown": int(unknown.map(bool).sum()),
                   "unknown_options": ", ".join(seen)}


def screen_responses(survey: pd.DataFrame, duration: str | None = None, min_seconds: float | None = None,
                     client: str = "client_id", answered: str = "answered_at") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses kept for analysis, and what was set aside by which rule.

    Rules in order: speeders (filled in faster than ``min_seconds``), then repeat answers
    of one client (the first is kept). Answers without a CRM client stay in, counted.

    Returns
    -------
    kept : DataFrame
    report : DataFrame
        ``rule``, ``rows``, ``action`` (``set aside`` or ``kept``), one row per rule.
    """
    rows = []
    kept = survey
    if duration is not None and min_seconds is not None:
        seconds = pd.to_numeric(kept[duration], errors="coerce")
        fast = (seconds < min_seconds).to_numpy()
        rows.append({"rule": f"speeder (< {min_seconds:g} s)", "rows": int(fast.sum()), "action": "set aside"})
        kept = kept[~fast]
    order = kept.sort_values(answered, kind="stable") if answered in kept else kept
    repeat = order[client].notna() & order[client].duplicated()
    rows.append({"rule": "repeat answer of a client", "rows": int(repeat.sum()), "action": "set aside"})
    kept = kept.drop(index=order.index[repeat.to_numpy()])
    rows.append({"rule": "not linked to a CRM client", "rows": int(kept[client].isna().sum()), "action": "kept"})
    return kept, pd.DataFrame(rows)
