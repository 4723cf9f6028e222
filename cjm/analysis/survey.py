"""Survey statistics: sample plans, NPS and CSAT with intervals, weighting, comparisons.

The statistical core of 04_survey. NPS is in points (-100..100): the share of promoters
(9-10) minus the share of detractors (0-6), times 100. One answer contributes +1, 0 or
-1, so the variance of one answer is ``p+ + p- - (p+ - p-)^2`` and the standard error
of NPS is ``100 * sqrt(var / n)``; intervals are normal approximations, with the finite
population correction where the population is known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from cjm.core.errors import CjmError

PROMOTER, DETRACTOR = 9, 6


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise CjmError(f"confidence {confidence!r} is not a probability", "use e.g. 0.95")
    return float(special.ndtri(0.5 + confidence / 2))  # the normal quantile (scipy.stats' norm.ppf)


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

    Parameters
    ----------
    population : float or None
        N, the size of the population surveyed; None for an infinite one (no correction).
    margin : float
        Half-width of the interval, as a proportion (0.05 for ±5 points); must be positive.
    confidence : float
        Confidence level of the interval, in (0, 1).
    proportion : float
        Expected proportion p; 0.5, the default, gives the largest sample.

    Returns
    -------
    int
        Completes (answers) needed.
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

    Parameters
    ----------
    population : float or None
        N, the size of the population surveyed; None for an infinite one (no correction).
    margin : float
        Half-width of the interval in NPS points (10 for ±10); must be positive.
    confidence : float
        Confidence level of the interval, in (0, 1).
    promoters, detractors : float
        Expected shares (0-1) of promoters and detractors.

    Returns
    -------
    int
        Completes (answers) needed.
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
    confidence : float
        Confidence level of the interval, in (0, 1).
    response_rate : float
        Expected share of invitations that end in a complete answer, in (0, 1].
    metric : {"nps", "proportion"}
        :func:`nps_sample_size` per segment, or :func:`sample_size` (any other value).

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

    Parameters
    ----------
    scores : Series or array-like
        Whole-number scores 0-10; promoters 9-10, detractors 0-6. Text or a value outside
        0-10 or not whole raises :class:`CjmError`.
    confidence : float
        Confidence level of the normal interval, in (0, 1).
    population : float, optional
        Size of the population surveyed, for the finite population correction of ``se``.

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
    """:func:`nps` of column ``score`` for each value of ``by`` (one row each, sorted).

    Parameters
    ----------
    frame : DataFrame
        One row per answer: the ``score`` and ``by`` columns (rows whose ``by`` is missing
        are left out).
    score : str
        Column of 0-10 scores.
    by : str
        Column to group by (segment, journey ...).
    confidence : float
        Confidence level of the intervals, in (0, 1).
    populations : Series, optional
        Group -> its population size, for the finite population correction.

    Returns
    -------
    DataFrame
        ``by``, ``n``, ``promoters``, ``passives``, ``detractors``, ``nps``, ``se``,
        ``ci_low``, ``ci_high`` (as :func:`nps`).
    """
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

    Parameters
    ----------
    by_segment : DataFrame
        :func:`nps_by`: the ``segment``, ``nps`` and ``se`` columns; segments not in
        ``sizes`` are ignored, a segment of ``sizes`` missing or without NPS raises :class:`CjmError`.
    sizes : Series
        Segment -> its population size (the weights).
    confidence : float
        Confidence level of the interval, in (0, 1).
    segment : str
        Column of ``by_segment`` with the segment.

    Returns
    -------
    dict
        ``nps``, ``se``, ``ci_low``, ``ci_high`` (points).
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
            "p_value": float(2 * special.ndtr(-abs(z))) if se else np.nan}


def mean_ci(values, confidence: float = 0.95) -> dict:
    """Mean of a rating (CSAT) with a t interval; missing values left out.

    Parameters
    ----------
    values : Series or array-like
        Numeric ratings; text raises :class:`CjmError`.
    confidence : float
        Confidence level of the t interval, in (0, 1).

    Returns
    -------
    dict
        ``n``, ``mean``, ``se``, ``ci_low``, ``ci_high``; NaN interval with fewer than 2
        values (and NaN mean without any).
    """
    x = _numbers(values, "ratings")
    n = len(x)
    if n < 2:
        return {"n": n, "mean": float(x.mean()) if n else np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    se = float(x.std(ddof=1) / math.sqrt(n))
    half = float(special.stdtrit(n - 1, 0.5 + confidence / 2)) * se  # Student's t quantile (stats.t.ppf)
    mean = float(x.mean())
    return {"n": n, "mean": mean, "se": se, "ci_low": mean - half, "ci_high": mean + half}


# ----------------------------------------------------------------------------- answers

_LEADING_NUMBER = r"^\s*(-?\d+)\s*(?:балл\w*|из\s*\d+|points?|/\s*\d+)?\s*$"


def parse_scores(values: pd.Series, low: int, high: int) -> tuple[pd.Series, dict]:
    """Scores of a 0-10 (or 1-5 ...) question as numbers, and what was done to them.

    Whole numbers in ``[low, high]`` are kept; a number written with words around it
    ("6 баллов", "10 из 10", "7 points") is read and counted as fixed; anything else
    (out of range, fractions, free text) becomes missing and is counted as rejected.

    Parameters
    ----------
    values : Series
        The answers as exported (text or numbers).
    low, high : int
        The scale's ends (0 and 10 for NPS).

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


_UNCHOSEN = {"", "0", "нет", "no", "false", "ложь", "-"}


def split_choices(values: pd.Series, options: list[str], separator: str | None = ";") -> tuple[pd.DataFrame, dict]:
    """A choice question in one column (several options joined by ``separator``, or one
    option a row when ``separator`` is None),
    as one ``boolean`` column per option; rows without an answer are missing.

    Options not in ``options`` are not dropped silently: they are counted (and the rows
    that gave them) in the handling record, and the known options of those rows kept.
    """
    text = values.astype("str")
    parts = text.str.split(separator) if separator else text.map(lambda v: [v], na_action="ignore")
    chosen = parts.map(lambda items: [i.strip() for i in items if i.strip()] if isinstance(items, list) else [])
    answered = chosen.map(bool)
    flags = pd.DataFrame({option: chosen.map(lambda items, o=option: o in items) for option in options},
                         index=values.index).astype("boolean").where(answered, pd.NA)
    unknown = chosen.map(lambda items: [i for i in items if i not in options])
    seen = sorted({i for items in unknown for i in items})
    return flags, {"answers": int(answered.sum()), "rows_with_unknown": int(unknown.map(bool).sum()),
                   "unknown_options": ", ".join(seen)}


def option_columns(frame: pd.DataFrame, columns: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """A multi-choice question exported as one column per option (``columns``: option ->
    column), as :func:`split_choices` returns it.

    A cell counts as chosen unless blank or a "no" (``0``, ``нет``, ``no``, ``false``);
    exports write ``1``, ``да``, ``x`` or the option's text. A row with no option chosen
    is taken as unanswered.
    """
    flags = pd.DataFrame({option: ~frame[column].astype("str").str.strip().str.lower()
                          .fillna("").isin(_UNCHOSEN) for option, column in columns.items()},
                         index=frame.index)
    answered = flags.any(axis=1)
    return flags.astype("boolean").where(answered, pd.NA), {
        "answers": int(answered.sum()), "rows_with_unknown": 0, "unknown_options": ""}


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
        rows.append({"rule": "speeder", "rows": int(fast.sum()), "action": "set aside"})
        kept = kept[~fast]
    order = kept.sort_values(answered, kind="stable") if answered in kept else kept
    repeat = order[client].notna() & order[client].duplicated()
    rows.append({"rule": "repeat answer of a client", "rows": int(repeat.sum()), "action": "set aside"})
    kept = kept.drop(index=order.index[repeat.to_numpy()])
    rows.append({"rule": "not linked to a CRM client", "rows": int(kept[client].isna().sum()), "action": "kept"})
    return kept, pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the export


@dataclass
class SurveyAnswers:
    """A survey export read through the column map of params' ``survey`` section.

    Attributes
    ----------
    scores : DataFrame
        ``nps`` (0-10), one column per CSAT stage, ``months`` when mapped; ``Float64``,
        missing where blank or rejected. Index: the export's rows.
    choices : dict of str to DataFrame
        Question -> one ``boolean`` column per option (missing where unanswered).
    handling : DataFrame
        ``question``, ``kind``, ``column``, ``answers``, ``fixed`` (numbers read from
        words), ``rejected`` (unreadable or out of range, set to missing), ``unknown``
        (rows naming options not in params; their known options kept), ``examples``.
    """

    scores: pd.DataFrame
    choices: dict[str, pd.DataFrame]
    handling: pd.DataFrame


def read_answers(survey: pd.DataFrame, section: dict, where: str = "survey") -> SurveyAnswers:
    """Read the answers ``section`` maps (see :class:`SurveyAnswers`).

    A mapped column missing from ``survey`` is one error naming the params key, the
    column and its closest match; answers that cannot be read are counted, never
    silently dropped, and more of them than ``section["max_invalid_share"]`` (when given)
    of a score question's answers is an error naming the column, its key and the scale.
    """
    from cjm.core.schemas import require_columns, survey_columns

    if not section.get("nps") and not section.get("csat"):
        raise CjmError(f"{where}: no column is mapped to NPS or CSAT",
                       "set survey.nps to the 0-10 recommendation question, or survey.csat to ratings by stage")
    for key, column in survey_columns(section).items():
        require_columns(survey, [column], where, key)
    low, high = section["csat_scale"]
    numeric = [("NPS", "nps", section["nps"], 0, 10)] if section.get("nps") else []
    numeric += [(stage, "csat", column, low, high) for stage, column in section.get("csat", {}).items()]
    if section.get("months"):
        numeric.append((section["months"], "months", section["months"], 0, 1200))
    scores, rows = {}, []
    for question, kind, column, lowest, highest in numeric:
        scores[kind if kind in ("nps", "months") else question], read = parse_scores(survey[column], lowest, highest)
        if section.get("max_invalid_share") is not None:
            _check_rejected(read, column, question, kind, section, where)
        rows.append({"question": question, "kind": kind, "column": column, "answers": read["answers"],
                     "fixed": read["fixed"], "rejected": read["rejected"], "unknown": 0,
                     "examples": read["rejected_examples"]})
    choices = {}
    for kind in ("single_choice", "multi_choice"):
        for question, spec in section.get(kind, {}).items():
            if "columns" in spec:
                flags, read = option_columns(survey, spec["columns"])
            else:
                options = spec.get("options") or survey[spec["column"]].dropna().value_counts().index.tolist()
                separator = spec.get("separator", ";") if kind == "multi_choice" else None
                flags, read = split_choices(survey[spec["column"]], options, separator)
            choices[question] = flags
            rows.append({"question": question, "kind": kind, "column": spec.get("column", ""),
                         "answers": read["answers"], "fixed": 0, "rejected": 0,
                         "unknown": read["rows_with_unknown"], "examples": read["unknown_options"]})
    return SurveyAnswers(pd.DataFrame(scores, index=survey.index), choices, pd.DataFrame(rows))


def _check_rejected(read: dict, column: str, question: str, kind: str, section: dict, where: str) -> None:
    """Stop on a score question with more than ``section["max_invalid_share"]`` of its answers
    rejected (:func:`parse_scores`): a wrong column or scale, not a few slips; the fix names
    the key that maps the column and the scale's."""
    limit = section["max_invalid_share"]
    if not read["answers"] or read["rejected"] / read["answers"] <= limit:
        return
    key, scale, check = {
        "nps": ("survey.nps", "0-10", "(NPS answers are whole numbers 0-10)"),
        "months": ("survey.months", "0-1200", "(whole months since the deal)"),
        "csat": (f"survey.csat.{question}", "{}-{}".format(*section["csat_scale"]),
                 f"or set 'survey.csat_scale' (now {section['csat_scale']}) to the scale of the answers"),
    }[kind]
    raise CjmError(f"{where}: column '{column}' ({key}) has {read['rejected']} of {read['answers']} answers "
                   f"({read['rejected'] / read['answers']:.0%}) that are not whole numbers {scale}, "
                   f"e.g. {read['rejected_examples']}",
                   f"check the column map '{key}' {check}, or raise 'survey.max_invalid_share' (now {limit})")


# ----------------------------------------------------------------------------- weighting and bands


def contribution(scores) -> pd.Series:
    """Each answer's part in NPS: +100 promoter, 0 passive, -100 detractor (missing stays)."""
    score = pd.Series(scores, dtype="Float64")
    return (100.0 * ((score >= PROMOTER).astype("Float64") - (score <= DETRACTOR).astype("Float64")))


def respondent_weights(segment: pd.Series, sizes: pd.Series) -> pd.Series:
    """Weights that make respondents count as their segment's share of the population:
    ``N_s / n_s`` for a respondent of segment ``s``; missing outside the segments."""
    answered = segment.value_counts()
    return (segment.map(sizes) / segment.map(answered)).astype("Float64")


def weighted_nps_of(scores, weights, confidence: float = 0.95) -> dict:
    """NPS of respondents with ``weights`` (a ratio estimate) and its linearization
    standard error ``sqrt(n / (n - 1) * sum w_i^2 (c_i - NPS)^2) / sum w_i``, where
    ``c_i`` is the answer's :func:`contribution`. Equal weights give :func:`nps`'s interval
    up to the ``n / (n - 1)`` factor."""
    c, w = contribution(scores), pd.Series(weights, dtype="Float64")
    both = c.notna() & w.notna()
    c, w = c[both].to_numpy(dtype=float), w[both].to_numpy(dtype=float)
    n = len(c)
    if n < 2:
        return {"n": n, "nps": float(c.mean()) if n else np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    value = float((w * c).sum() / w.sum())
    se = float(math.sqrt(n / (n - 1) * (w ** 2 * (c - value) ** 2).sum()) / w.sum())
    half = _z(confidence) * se
    return {"n": n, "nps": value, "se": se, "ci_low": value - half, "ci_high": value + half}


def band_labels(edges: list[int]) -> list[str]:
    """``[0, 6, 12]`` -> ``["0-5", "6-11", "12+"]``: whole-month bands from their lower edges."""
    return [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:])] + [f"{edges[-1]}+"]


def nps_by_months(frame: pd.DataFrame, edges: list[int], confidence: float = 0.95,
                  score: str = "nps", months: str = "months", weight: str | None = "weight") -> pd.DataFrame:
    """NPS by months since the deal, in bands starting at ``edges`` (weighted when
    ``weight`` is a column): ``band``, ``n``, ``nps``, ``se``, ``ci_low``, ``ci_high``."""
    labels = band_labels(edges)
    band = pd.cut(frame[months].astype(float), [*edges, np.inf], right=False, labels=labels)
    rows = []
    for label in labels:
        part = frame[band == label]
        weights = part[weight] if weight else pd.Series(1.0, index=part.index)
        rows.append({"band": label, **weighted_nps_of(part[score], weights, confidence)})
    return pd.DataFrame(rows)


def nps_trend(frame: pd.DataFrame, score: str = "nps", months: str = "months", by: str | None = "segment",
              confidence: float = 0.95) -> dict:
    """How NPS changes per month since the deal: least squares of each answer's
    :func:`contribution` on months (and the segment, so that a mix of segments that
    differ in contract length does not pass for a trend), robust (HC3) errors.

    Returns
    -------
    dict
        ``n``, ``per_month`` (NPS points), ``ci_low``, ``ci_high``, ``p_value``, ``per_year``.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    data = pd.DataFrame({"c": contribution(frame[score]), "months": frame[months]})
    if by and frame[by].notna().any():
        data = data.join(pd.get_dummies(frame[by].astype("string"), prefix="s", drop_first=True, dtype=float))
        data = data[frame[by].notna()]
    data = data.dropna().astype(float)
    if len(data) < 3 or data["months"].nunique() < 2:
        return {"n": len(data), "per_month": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                "per_year": np.nan}
    fit = OLS(data["c"], add_constant(data.drop(columns="c"))).fit(cov_type="HC3")
    low, high = fit.conf_int(1 - confidence).loc["months"]
    slope = float(fit.params["months"])
    return {"n": len(data), "per_month": slope, "ci_low": float(low), "ci_high": float(high),
            "p_value": float(fit.pvalues["months"]), "per_year": 12 * slope}


# ----------------------------------------------------------------------------- differences between segments


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of ``p_values`` for testing them together (missing stay
    missing): the i-th smallest of m times m - i + 1, never below the one before, at most 1.
    statsmodels' ``multipletests(method="holm")`` gives the same, but collects garbage on
    every call (0.08 s each on a step's heap)."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(len(p), np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    steps = p[order] * np.arange(len(order), 0, -1)
    adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return adjusted


def nps_segment_tests(frame: pd.DataFrame, score: str = "nps", by: str = "segment",
                      confidence: float = 0.95, populations: pd.Series | None = None) -> tuple[pd.DataFrame, dict]:
    """NPS of each segment against the rest of the respondents, and whether segments differ at all.

    Returns
    -------
    table : DataFrame
        :func:`nps_by` columns plus ``vs_rest`` (difference in points), ``p_value`` (z test)
        and ``p_adjusted`` (Holm, over the segments).
    overall : dict
        ``chi2``, ``dof``, ``p_value`` of promoters/passives/detractors by segment.
    """
    from scipy import stats  # its tests only: scipy.stats takes ~1 s to import

    data = frame[frame[by].notna() & frame[score].notna()]
    table = nps_by(data, score, by, confidence, populations)
    differences = []
    for group in table[by]:
        mine, rest = nps(data.loc[data[by] == group, score]), nps(data.loc[data[by] != group, score])
        differences.append(compare(mine["nps"], mine["se"], rest["nps"], rest["se"], confidence))
    table["vs_rest"] = [d["difference"] for d in differences]
    table["p_value"] = [d["p_value"] for d in differences]
    table["p_adjusted"] = holm(table["p_value"])
    counts = table[["promoters", "passives", "detractors"]].to_numpy()
    counts = counts[:, counts.sum(axis=0) > 0]
    chi2, p, dof, _ = stats.chi2_contingency(counts) if len(counts) > 1 else (np.nan, np.nan, 0, None)
    return table, {"chi2": float(chi2), "dof": int(dof), "p_value": float(p)}


def csat_summary(scores: pd.DataFrame, stages: list[str], groups: pd.Series | None = None,
                 top_box: float = 4, confidence: float = 0.95) -> pd.DataFrame:
    """CSAT of each stage, overall (``segment`` "all") and by group, with t intervals.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, one numeric column per stage (missing answers left out).
    stages : list of str
        The columns of ``scores`` to summarize, in order.
    groups : Series, optional
        Each respondent's group (segment), aligned with ``scores``' index; respondents
        without a group count in "all" only.
    top_box : float
        Lowest score counted as satisfied.
    confidence : float
        Confidence level of the intervals, in (0, 1).

    Returns
    -------
    DataFrame
        ``stage``, ``segment`` ("all", then each group as text, sorted), ``n``, ``mean``,
        ``ci_low``, ``ci_high``, ``satisfied`` (share of answers >= ``top_box``, e.g. 4-5 on a
        1-5 scale).
    """
    parts = [("all", scores)]
    if groups is not None:
        parts += [(str(g), scores[groups == g]) for g in sorted(groups.dropna().unique())]
    rows = []
    for stage in stages:
        for group, part in parts:
            values = part[stage].dropna()
            result = mean_ci(values.astype(float), confidence)
            rows.append({"stage": stage, "segment": group, "n": result["n"], "mean": result["mean"],
                         "ci_low": result["ci_low"], "ci_high": result["ci_high"],
                         "satisfied": float((values >= top_box).mean()) if len(values) else np.nan})
    return pd.DataFrame(rows)


def csat_segment_tests(scores: pd.DataFrame, stages: list[str], groups: pd.Series) -> pd.DataFrame:
    """Whether a stage's CSAT differs between groups: Kruskal-Wallis ``h`` and ``p_value``
    per stage, ``p_adjusted`` by Holm over the stages."""
    from scipy import stats  # its tests only: scipy.stats takes ~1 s to import

    rows = []
    for stage in stages:
        samples = [scores.loc[groups == g, stage].dropna().astype(float) for g in sorted(groups.dropna().unique())]
        samples = [x for x in samples if len(x)]
        h, p = stats.kruskal(*samples) if len(samples) > 1 else (np.nan, np.nan)
        rows.append({"stage": stage, "h": float(h), "p_value": float(p)})
    table = pd.DataFrame(rows)
    table["p_adjusted"] = holm(table["p_value"])
    return table


def choice_shares(flags: pd.DataFrame, groups: pd.Series | None = None,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Share of answers choosing each option, overall (``segment`` "all") and by group,
    with Wilson intervals: ``option``, ``segment``, ``n``, ``chosen``, ``share``, ``ci_low``, ``ci_high``."""
    from statsmodels.stats.proportion import proportion_confint

    answered = flags.notna().all(axis=1)
    parts = [("all", flags[answered])]
    if groups is not None:
        parts += [(str(g), flags[answered & (groups == g)]) for g in sorted(groups.dropna().unique())]
    rows = []
    for option in flags.columns:
        for group, part in parts:
            n, chosen = len(part), int(part[option].sum())
            low, high = proportion_confint(chosen, n, 1 - confidence, method="wilson") if n else (np.nan, np.nan)
            rows.append({"option": option, "segment": group, "n": n, "chosen": chosen,
                         "share": chosen / n if n else np.nan, "ci_low": float(low), "ci_high": float(high)})
    return pd.DataFrame(rows)


def choice_tests(flags: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Whether choosing each option depends on the group: chi-square test of independence
    (option chosen or not by group): ``option``, ``chi2``, ``dof``, ``p_value``,
    ``p_adjusted`` (Holm over the options), ``cramers_v``."""
    from scipy import stats  # its tests only: scipy.stats takes ~1 s to import

    answered = flags.notna().all(axis=1) & groups.notna()
    rows = []
    for option in flags.columns:
        counts = pd.crosstab(flags.loc[answered, option].astype(bool), groups[answered])
        if counts.shape[0] < 2 or counts.shape[1] < 2:
            rows.append({"option": option, "chi2": np.nan, "dof": 0, "p_value": np.nan, "cramers_v": np.nan})
            continue
        chi2, p, dof, _ = stats.chi2_contingency(counts.to_numpy())
        rows.append({"option": option, "chi2": float(chi2), "dof": int(dof), "p_value": float(p),
                     "cramers_v": float(math.sqrt(chi2 / counts.to_numpy().sum() / (min(counts.shape) - 1)))})
    table = pd.DataFrame(rows)
    table["p_adjusted"] = holm(table["p_value"])
    return table[["option", "chi2", "dof", "p_value", "p_adjusted", "cramers_v"]]


def achieved_vs_plan(plan: pd.DataFrame, by_segment: pd.DataFrame, margin: float) -> pd.DataFrame:
    """The sample reached against the plan: ``segment``, ``population``, ``planned``,
    ``achieved``, ``share_of_plan``, ``margin_planned``, ``margin_reached`` (half-width of
    the segment's NPS interval, points)."""
    reached = by_segment.set_index("segment")
    columns = [c for c in ("segment", "segment_name", "population", "completes") if c in plan]
    table = plan[columns].rename(columns={"completes": "planned"})
    table["achieved"] = table["segment"].map(reached["n"]).fillna(0).astype(int)
    table["share_of_plan"] = table["achieved"] / table["planned"]
    table["margin_planned"] = float(margin)
    table["margin_reached"] = table["segment"].map((reached["ci_high"] - reached["ci_low"]) / 2)
    return table


# ----------------------------------------------------------------------------- 04_survey end to end


@dataclass
class SurveyResult:
    """What 04_survey finds; every table is a DataFrame a notebook shows as it is.

    ``plan`` (:func:`sample_plan`), ``screening`` (:func:`screen_responses`), ``handling``
    (:class:`SurveyAnswers`), ``groups`` (who answered: ``group``, ``respondents``),
    ``achieved`` (:func:`achieved_vs_plan`), ``overall`` (``estimate``, ``n``, ``nps``,
    ``se``, ``ci_low``, ``ci_high``), ``by_segment`` (:func:`nps_segment_tests` with
    ``segment_name``), ``segment_test`` (dict), ``by_months`` and ``trend``
    (:func:`nps_by_months`, :func:`nps_trend`; None without months), ``own`` (survey
    against the client's own NPS: ``scope``, ``survey``, ``own``, ``difference``,
    ``ci_low``, ``ci_high``, ``p_value``), ``csat`` and ``csat_tests``, ``choices`` and
    ``choice_tests`` (question -> table), ``drivers`` and ``driver_model``
    (:func:`cjm.analysis.drivers.key_drivers`), ``grid`` (:func:`cjm.analysis.drivers.importance_performance`),
    ``comments`` (``respondent_id``, ``client_id``, ``segment``, ``question``, ``text``),
    ``names`` (segment -> name), ``scores`` (one row per kept respondent: ``respondent_id``,
    ``client_id``, ``nps``, one column per CSAT stage, ``segment``). Before the survey's export is in, all but ``plan`` are None.
    """

    plan: pd.DataFrame
    screening: pd.DataFrame | None = None
    handling: pd.DataFrame | None = None
    groups: pd.DataFrame | None = None
    achieved: pd.DataFrame | None = None
    overall: pd.DataFrame | None = None
    by_segment: pd.DataFrame | None = None
    segment_test: dict | None = None
    by_months: pd.DataFrame | None = None
    trend: dict | None = None
    own: pd.DataFrame | None = None
    csat: pd.DataFrame | None = None
    csat_tests: pd.DataFrame | None = None
    choices: dict[str, pd.DataFrame] | None = None
    choice_tests: dict[str, pd.DataFrame] | None = None
    drivers: pd.DataFrame | None = None
    driver_model: dict | None = None
    grid: pd.DataFrame | None = None
    comments: pd.DataFrame | None = None
    names: dict | None = None
    scores: pd.DataFrame | None = None

    @property
    def answered(self) -> bool:
        """False before the survey's export is in (only the sample plan is made)."""
        return self.screening is not None


def population_sizes(segments: pd.DataFrame, deals: pd.DataFrame, population: str) -> pd.Series:
    """Clients per segment in the surveyed population: ``contract_holders`` (clients with
    a won deal) or ``segment_clients`` (every segmented client). Index: segment, sorted."""
    if population == "contract_holders":
        holders = deals.loc[deals["outcome"] == "won", "client_id"]
        segments = segments[segments["client_id"].isin(holders)]
    return segments["segment"].value_counts().sort_index()


def respondent_groups(client_id: pd.Series, segment: pd.Series, side_groups: dict[str, set],
                      labels: dict[str, str]) -> pd.Series:
    """Where each respondent belongs: ``segment``, the label of the scope rule that set the
    client aside, ``other CRM client`` (linked, neither), or ``not linked to the CRM``."""
    group = pd.Series("other CRM client", index=client_id.index, dtype="str")
    for rule, clients in side_groups.items():
        group[client_id.isin(clients)] = labels.get(rule, rule)
    group[segment.notna()] = "segment"
    group[client_id.isna()] = "not linked to the CRM"
    return group


def own_nps(spec: dict, segments: pd.DataFrame, confidence: float, table: pd.DataFrame | None = None,
            where: str = "survey.own_nps.table") -> tuple[dict, pd.DataFrame | None]:
    """The client's own NPS, from ``table`` (the interim table ``spec["table"]`` names,
    scores in its ``spec["score"]`` column) or from values (``nps`` and ``n``, optionally
    ``promoters`` and ``detractors`` shares).

    From ``nps`` and ``n`` alone the variance is taken at its largest for that NPS,
    ``1 - (NPS / 100)^2``, a conservative interval. With a table whose rows carry
    ``client_id``, NPS by segment is returned as well (else None).
    """
    if "table" in spec:
        if spec["score"] not in table:
            raise CjmError(f"table {where} has no column '{spec['score']}'",
                           f"set survey.own_nps.score to one of: {', '.join(table.columns)}")
        overall = nps(table[spec["score"]], confidence)
        by_segment = None
        if "client_id" in table:
            joined = table.merge(segments[["client_id", "segment"]], on="client_id", how="inner")
            by_segment = nps_by(joined, spec["score"], "segment", confidence)
        return overall, by_segment
    share_p, share_d = spec.get("promoters"), spec.get("detractors")
    value, n = float(spec["nps"]), int(spec["n"])
    variance = (share_p + share_d - (share_p - share_d) ** 2 if share_p is not None and share_d is not None
                else 1 - (value / 100) ** 2)
    se = 100 * math.sqrt(variance / n)
    half = _z(confidence) * se
    return {"n": n, "nps": value, "se": se, "ci_low": value - half, "ci_high": value + half}, None


def _own_comparison(survey_overall: dict, own: dict, survey_by: pd.DataFrame, own_by: pd.DataFrame | None,
                    confidence: float) -> pd.DataFrame:
    rows = [("all", survey_overall, own)]
    if own_by is not None:
        mine = own_by.set_index("segment")
        rows += [(str(r["segment"]), r, mine.loc[r["segment"]]) for _, r in survey_by.iterrows()
                 if r["segment"] in mine.index]
    table = []
    for scope, ours, theirs in rows:
        diff = compare(ours["nps"], ours["se"], theirs["nps"], theirs["se"], confidence)
        table.append({"scope": scope, "survey": ours["nps"], "own": theirs["nps"], "own_n": int(theirs["n"]),
                      "difference": diff["difference"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"],
                      "p_value": diff["p_value"]})
    return pd.DataFrame(table)


def planned(sizes: pd.Series, section: dict, names: dict | None = None) -> pd.DataFrame:
    """:func:`sample_plan` with the margin, confidence and response rate of ``section["plan"]``,
    with a ``segment_name`` column from ``names`` (segment -> name) when given."""
    spec = section["plan"]
    plan = sample_plan(sizes, spec["margin"], spec["confidence"], spec["response_rate"])
    if names:
        plan.insert(1, "segment_name", plan["segment"].map(names))
    return plan


def segment_names(segments: pd.DataFrame) -> dict:
    """Segment -> name, from 03's labels."""
    return segments.drop_duplicates("segment").set_index("segment")["segment_name"].sort_index().to_dict()


#: Columns of :attr:`SurveyResult.comments`.
COMMENT_COLUMNS = ["respondent_id", "client_id", "segment", "question", "text"]


def analyse_survey(survey: pd.DataFrame, segments: pd.DataFrame, sizes: pd.Series, section: dict,
                   side_groups: dict[str, set] | None = None, labels: dict[str, str] | None = None,
                   own: tuple[dict, pd.DataFrame | None] | None = None, random_state: int = 0,
                   where: str = "survey") -> SurveyResult:
    """04_survey's analysis of one survey export.

    A survey without an NPS question (product reviews with a star rating, a CSAT-only
    questionnaire) gives everything but the NPS tables and the drivers of NPS.

    Parameters
    ----------
    survey : DataFrame
        ``respondent_id``, ``client_id``, ``answered_at`` and the columns ``section`` maps.
    segments : DataFrame
        ``client_id``, ``segment``, ``segment_name`` (03's labels).
    sizes : Series
        Segment -> clients in the surveyed population (:func:`population_sizes`).
    section : dict
        The params' ``survey`` section.
    own : (dict, DataFrame or None), optional
        The client's own NPS and its NPS by segment (:func:`own_nps`).
    """
    from cjm.analysis.drivers import importance_performance, key_drivers

    confidence, plan_spec = section["confidence"], section["plan"]
    names = segment_names(segments)
    plan = planned(sizes, section, names)
    kept, screening = screen_responses(survey, section.get("duration"), section.get("min_seconds"))
    answers = read_answers(kept, section, where)
    frame = answers.scores
    segment_of = segments.set_index("client_id")["segment"]
    frame["segment"] = kept["client_id"].map(segment_of).astype("Int64")
    group = respondent_groups(kept["client_id"], frame["segment"], side_groups or {}, labels or {})
    stages = list(section.get("csat", {}))
    csat = csat_summary(frame, stages, frame["segment"], section["satisfied_from"], confidence)
    result = SurveyResult(
        plan=plan, screening=screening, handling=answers.handling,
        groups=group.value_counts().rename_axis("group").reset_index(name="respondents"),
        csat=csat, csat_tests=csat_segment_tests(frame, stages, frame["segment"]),
        choices={q: choice_shares(flags, frame["segment"], confidence) for q, flags in answers.choices.items()},
        choice_tests={q: choice_tests(flags, frame["segment"]) for q, flags in answers.choices.items()},
        comments=_comments(kept, frame["segment"], section.get("comments", [])), names=names,
        scores=pd.concat([kept[["respondent_id", "client_id"]],
                          frame[[c for c in ("nps", *stages, "segment") if c in frame]]], axis=1)
        .reset_index(drop=True))
    if "nps" not in frame:
        answered = frame.dropna(subset=["segment"]).groupby("segment").size()
        reached = pd.DataFrame({"segment": answered.index, "n": answered.to_numpy(), "ci_low": np.nan,
                                "ci_high": np.nan})
        result.achieved = achieved_vs_plan(plan, reached, plan_spec["margin"])
        return result
    frame["weight"] = respondent_weights(frame["segment"].where(frame["nps"].notna()), sizes)
    by_segment, result.segment_test = nps_segment_tests(frame, confidence=confidence, populations=sizes)
    by_segment.insert(1, "segment_name", by_segment["segment"].map(names))
    in_segments = frame[frame["segment"].notna()]
    population = weighted_nps(by_segment, sizes, confidence)
    overall = pd.DataFrame([{"estimate": "all respondents", **nps(frame["nps"], confidence)},
                            {"estimate": "respondents in segments", **nps(in_segments["nps"], confidence)},
                            {"estimate": "population (weighted by segment size)",
                             "n": int(in_segments["nps"].notna().sum()), **population}])
    overall = overall[["estimate", "n", "nps", "se", "ci_low", "ci_high"]]
    if own is not None:
        overall.loc[len(overall)] = {"estimate": "client's own NPS",
                                     **{k: own[0][k] for k in ("n", "nps", "se", "ci_low", "ci_high")}}
        result.own = _own_comparison(population, own[0], by_segment, own[1], confidence)
    if "months" in frame:
        result.by_months = nps_by_months(in_segments, section["month_bands"], confidence)
        result.trend = nps_trend(in_segments, confidence=confidence)
    result.drivers, result.driver_model = key_drivers(frame, "nps", stages, section["driver_resamples"],
                                                      confidence, random_state)
    result.grid = importance_performance(result.drivers, csat[csat["segment"] == "all"])
    result.overall, result.by_segment = overall, by_segment
    result.achieved = achieved_vs_plan(plan, by_segment, plan_spec["margin"])
    return result


def _comments(kept: pd.DataFrame, segment: pd.Series, columns: list[str]) -> pd.DataFrame:
    """Open answers of the kept respondents, one row per answer: ``respondent_id``,
    ``client_id``, ``segment``, ``question``, ``text``."""
    comments = pd.concat([pd.DataFrame({"respondent_id": kept["respondent_id"], "client_id": kept["client_id"],
                                        "segment": segment, "question": column, "text": kept[column]})
                          for column in columns] or [pd.DataFrame(columns=COMMENT_COLUMNS)])
    comments = comments[comments["text"].notna() & comments["text"].astype("str").str.strip().ne("")]
    return comments.reset_index(drop=True)


