"""Behavioural segmentation: features, the choice of k, candidate splits, portraits.

The consultant declares in params which features define the segments (``features``,
each with a weight) and which only describe them (``describe``). The flow:

>>> features = build_features(clients, deals, touches, section)     # one row per client
>>> encoder = FeatureEncoder(section["features"]).fit(features)
>>> Z = encoder.transform(features)
>>> scan = scan_k(Z, range(2, 13), seed=2025)                       # elbow, silhouette, ...
>>> k, why = recommend_k(scan, threshold=0.85)                       # the stability peak
>>> model = fit_segments(features, section, k, "kmeans", seed=2025)
>>> labels = assign(model, features)                                # also for a fresh export

Clients are put in a canonical order (by their feature values) before any fit, so a
shuffled export, or the same clients under other pseudonyms, gives the same labels;
segments are numbered by size, largest first. Fits run on one thread each: many small
fits, and a machine shared with other work, are faster so than with threads competing. Large bases are fitted on
a random subsample of ``fit_rows`` clients and every client is then assigned to the
nearest segment, which keeps the answer while the cost stays flat.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.metrics import (adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score,
                             silhouette_score)
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from cjm.errors import CjmError

#: Features the builder can compute: name -> (kind, whether to take the logarithm).
CATALOGUE = {
    "age": ("numeric", False),
    "amount": ("numeric", True),
    "down_payment_share": ("numeric", False),
    "term_months": ("numeric", False),
    "monthly_payment": ("numeric", True),
    "days_to_deal": ("numeric", True),
    "touches": ("numeric", True),
    "online_share": ("numeric", False),
    "deals": ("numeric", True),
    "gender": ("category", False),
    "region": ("category", False),
    "capital": ("category", False),
    "acquisition_channel": ("category", False),
    "product": ("category", False),
    "first_touch_channel": ("category", False),
}

#: Levels rarer than this share are pooled into one "other" level before encoding.
RARE_SHARE = 0.01
OTHER = "(other)"
MISSING = "(missing)"
#: Levels of the ``capital`` feature.
CAPITAL, REGIONS = "capital", "regions"
METHODS = ("kmeans", "gmm", "ward")
#: k-means restarts per fit: enough that stability measures the data, not the start.
N_INIT = 4


def _kind(name: str) -> str:
    if name not in CATALOGUE:
        raise CjmError(f"unknown segmentation feature '{name}'",
                       f"use one of: {', '.join(CATALOGUE)} (params: segment.features / segment.describe)")
    return CATALOGUE[name][0]


# ----------------------------------------------------------------------------- features

def build_features(clients: pd.DataFrame, deals: pd.DataFrame, touches: pd.DataFrame | None,
                   section: dict) -> pd.DataFrame:
    """One row per client (index ``client_id``, sorted) with the declared features.

    Deal features (amount, down payment share, term, monthly payment, days to deal,
    product) are those of the client's first deal; touch features count all of the
    client's touches. Age is counted at the year of the last deal in the data.

    Parameters
    ----------
    clients, deals, touches : DataFrame
        Canonical tables (DESIGN.md); ``touches`` may be None when the engagement has
        none, and then touch features are missing.
    section : dict
        The ``segment`` section of params: ``features`` (name -> weight), ``describe``
        (names), ``capital`` (the region value counted as the capital) and
        ``online_channels``.

    Returns
    -------
    DataFrame
        Numeric features as float, categorical features as text.
    """
    names = list(dict.fromkeys([*section["features"], *section.get("describe", [])]))
    for name in names:
        _kind(name)
    clients = clients.drop_duplicates("client_id").set_index("client_id").sort_index()
    first = (deals.sort_values(["created_at", "deal_id"]).drop_duplicates("client_id")
             .set_index("client_id").reindex(clients.index))
    amount = first["amount"].astype(float)
    down = first["down_payment"].astype(float)
    term = first["term_months"].astype(float)
    columns = {}
    if "age" in names:
        year = deals["created_at"].max().year
        columns["age"] = year - clients["birth_year"].astype(float)
    if "amount" in names:
        columns["amount"] = amount
    if "down_payment_share" in names:
        columns["down_payment_share"] = (down / amount).where(amount > 0).clip(0, 1)
    if "term_months" in names:
        columns["term_months"] = term
    if "monthly_payment" in names:
        columns["monthly_payment"] = ((amount - down.fillna(0)) / term).where(term > 0)
    if "days_to_deal" in names:
        won = first["outcome"].eq("won")
        days = (first["closed_at"] - first["created_at"]).dt.total_seconds() / 86400
        columns["days_to_deal"] = days.where(won).clip(lower=0)
    if "deals" in names:
        columns["deals"] = deals.groupby("client_id").size().reindex(clients.index, fill_value=0).astype(float)
    if "product" in names:
        columns["product"] = first["product"]
    for name in ("gender", "region", "acquisition_channel"):
        if name in names:
            columns[name] = clients[name]
    if "capital" in names:
        capital = section.get("capital")
        if not capital:
            raise CjmError("feature 'capital' needs the capital's region name",
                           "set segment.capital in params, e.g. capital: г. Минск")
        columns["capital"] = clients["region"].eq(capital).map({True: CAPITAL, False: REGIONS}).where(
            clients["region"].notna())
    touch_names = {"touches", "online_share", "first_touch_channel"} & set(names)
    if touch_names:
        columns.update(_touch_features(touches, clients.index, touch_names, section))
    features = pd.DataFrame(columns, index=clients.index)[names]
    for name in names:
        features[name] = features[name].astype(float if _kind(name) == "numeric" else "str")
    return features


def _touch_features(touches: pd.DataFrame | None, index: pd.Index, names: set, section: dict) -> dict:
    if touches is None:
        return {name: pd.Series(np.nan, index=index) for name in names}
    by_client = touches.groupby("client_id")
    out = {}
    if "touches" in names:
        out["touches"] = by_client.size().reindex(index, fill_value=0).astype(float)
    if "online_share" in names:
        online = touches["channel"].isin(section.get("online_channels", []))
        out["online_share"] = online.groupby(touches["client_id"]).mean().reindex(index)
    if "first_touch_channel" in names:
        first = touches.sort_values(["at"]).drop_duplicates("client_id").set_index("client_id")
        out["first_touch_channel"] = first["channel"].reindex(index)
    return out


class FeatureEncoder(TransformerMixin, BaseEstimator):
    """Numbers and categories onto one scale, weighted as the consultant declared.

    Numbers: missing values take the median, skewed ones (see :data:`CATALOGUE`) their
    logarithm, then each is standardized. Categories: levels under 1% are pooled, each
    level becomes an indicator, and the indicators of a feature are scaled so that the
    feature's total variance is 1, the same as one number's (for two levels this is
    exactly a standardized 0/1 column). Each feature's columns are then multiplied by
    its weight, so a weight of 0.5 gives a feature half the pull on distances.

    Parameters
    ----------
    weights : dict
        Feature name -> weight (> 0).
    """

    def __init__(self, weights: dict):
        self.weights = weights

    def fit(self, features: pd.DataFrame, y=None):
        self.numeric_ = {}
        self.levels_ = {}
        for name, weight in self.weights.items():
            values = features[name]
            if _kind(name) == "numeric":
                x = self._numeric(name, values)
                median = float(np.nanmedian(x)) if np.isfinite(x).any() else 0.0
                x = np.where(np.isfinite(x), x, median)
                self.numeric_[name] = (median, float(x.mean()), float(x.std()) or 1.0, float(weight))
            else:
                text = values.fillna(MISSING)
                shares = text.value_counts(normalize=True)
                kept = [lvl for lvl in shares.index if shares[lvl] >= RARE_SHARE]
                pooled = text.where(text.isin(kept), OTHER)
                shares = pooled.value_counts(normalize=True).sort_index()
                scale = np.sqrt((shares * (1 - shares)).sum()) or 1.0
                self.levels_[name] = (list(shares.index), shares.to_numpy(), float(weight) / scale)
        return self

    @staticmethod
    def _numeric(name: str, values: pd.Series) -> np.ndarray:
        x = values.to_numpy(dtype=float, na_value=np.nan)
        return np.log1p(np.clip(x, 0, None)) if CATALOGUE[name][1] else x

    def transform(self, features: pd.DataFrame) -> np.ndarray:
        blocks = []
        for name in self.weights:
            if name in self.numeric_:
                median, mean, std, weight = self.numeric_[name]
                x = self._numeric(name, features[name])
                x = np.where(np.isfinite(x), x, median)
                blocks.append(((x - mean) / std * weight)[:, None])
            else:
                levels, shares, scale = self.levels_[name]
                text = features[name].fillna(MISSING)
                text = text.where(text.isin(levels), OTHER if OTHER in levels else None)
                onehot = (text.to_numpy()[:, None] == np.array(levels, dtype=object)[None, :]).astype(float)
                blocks.append((onehot - shares) * scale)
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = []
        for name in self.weights:
            names += [name] if name in self.numeric_ else [f"{name}={lvl}" for lvl in self.levels_[name][0]]
        return np.array(names, dtype=object)


# ----------------------------------------------------------------------------- fitting

def canonical_order(Z: np.ndarray) -> np.ndarray:
    """Row order by content (lexicographic on the encoded columns): independent of the
    order and the identifiers the clients came with."""
    return np.lexsort(Z.T[::-1])


def _subsample(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(n, size, replace=False)) if n > size else np.arange(n)


class _NearestCentre:
    """Assigns points to the nearest of fixed centres (Ward's clusters, for new clients)."""

    def __init__(self, centres: np.ndarray):
        self.cluster_centers_ = centres

    def predict(self, Z: np.ndarray) -> np.ndarray:
        out = np.empty(len(Z), dtype=np.int64)
        for start in range(0, len(Z), 100_000):  # bounded memory on big bases
            block = Z[start:start + 100_000]
            out[start:start + len(block)] = (
                (block ** 2).sum(1)[:, None] - 2 * block @ self.cluster_centers_.T
                + (self.cluster_centers_ ** 2).sum(1)[None, :]).argmin(1)
        return out


def fit_method(Z: np.ndarray, k: int, method: str, seed: int, ward_rows: int = 4000):
    """A fitted clusterer with ``predict``: k-means, Gaussian mixture or Ward (on a sample).

    Parameters
    ----------
    Z : ndarray
        Encoded features.
    k : int
    method : {"kmeans", "gmm", "ward"}
        Gaussian mixtures share one covariance matrix ("tied"): clusters of one
        shape, which copes with correlated features (price and down payment).
    seed : int
    ward_rows : int
        Ward's method is quadratic in memory; it runs on at most this many rows and
        the rest are assigned to the nearest of its cluster means.
    """
    if method == "kmeans":
        return KMeans(k, n_init=N_INIT, random_state=seed).fit(Z)
    if method == "gmm":
        return GaussianMixture(k, covariance_type="tied", n_init=2, random_state=seed, reg_covar=1e-4).fit(Z)
    if method == "ward":
        rows = _subsample(len(Z), ward_rows, np.random.default_rng(seed))
        labels = AgglomerativeClustering(k, linkage="ward").fit_predict(Z[rows])
        return _NearestCentre(np.vstack([Z[rows][labels == j].mean(0) for j in range(k)]))
    raise CjmError(f"unknown segmentation method '{method}'", f"use one of: {', '.join(METHODS)}")


def scan_k(Z: np.ndarray, ks, seed: int, resamples: int = 20, share: float = 0.8,
           fit_rows: int = 20_000, metric_rows: int = 5_000) -> pd.DataFrame:
    """Quality of k-means splits for each k: the numbers to choose k from.

    Parameters
    ----------
    Z : ndarray
        Encoded features (put in :func:`canonical_order` here).
    ks : iterable of int
    seed : int
    resamples : int
        Fits on random subsets (``share`` of the rows each) whose agreement, as mean
        pairwise adjusted Rand index on common rows, is the split's stability.
    fit_rows, metric_rows : int
        Fits use at most ``fit_rows`` rows, silhouette at most ``metric_rows``.

    Returns
    -------
    DataFrame
        ``k``, ``inertia`` (per client), ``silhouette``, ``calinski_harabasz``,
        ``davies_bouldin``, ``stability``.
    """
    rng = np.random.default_rng(seed)
    Z = Z[canonical_order(Z)]
    fit = Z[_subsample(len(Z), fit_rows, rng)]
    probe = fit[_subsample(len(fit), metric_rows, rng)]
    subsets = [_subsample(len(fit), int(share * len(fit)), rng) for _ in range(resamples)]
    rows = []
    for k in ks:
        with threadpool_limits(1):
            rows.append(_scan_one(fit, probe, subsets, k, seed))
    return pd.DataFrame(rows)


def _scan_one(fit: np.ndarray, probe: np.ndarray, subsets: list, k: int, seed: int) -> dict:
    model = KMeans(k, n_init=N_INIT, random_state=seed).fit(fit)
    runs = [KMeans(k, n_init=N_INIT, random_state=seed + 1 + i).fit(fit[rows]).predict(probe)
            for i, rows in enumerate(subsets)]
    agreement = [adjusted_rand_score(a, b) for i, a in enumerate(runs) for b in runs[i + 1:]]
    return {
        "k": k, "inertia": model.inertia_ / len(fit),
        "silhouette": silhouette_score(probe, model.predict(probe)),
        "calinski_harabasz": calinski_harabasz_score(fit, model.labels_),
        "davies_bouldin": davies_bouldin_score(fit, model.labels_),
        "stability": float(np.mean(agreement)) if agreement else np.nan,
    }


def recommend_k(scan: pd.DataFrame, threshold: float = 0.85) -> tuple[int, dict]:
    """The finest split at which stability peaks, and why.

    Stability peaks at the number of groups the data holds (Ben-Hur et al., 2002;
    Lange et al., 2004): one more segment cuts a real group at a place each resample
    draws differently, one fewer merges two groups in varying ways. A k is a peak when
    its stability is at least that of k-1 and above that of k+1; the recommendation is
    the largest peak at least ``threshold`` stable. If no k reaches ``threshold``, the
    most stable k.

    Returns
    -------
    k : int
    reason : dict
        ``why`` (``peak`` or ``most_stable``), ``k``, ``stability``, ``threshold``,
        ``coarser`` and ``finer`` (the stability at k-1 and k+1, NaN at the ends).
    """
    stability = scan.set_index("k")["stability"].sort_index()
    coarser, finer = stability.shift(1), stability.shift(-1)
    peaks = stability[(stability >= threshold) & ~(stability < coarser) & (stability > finer)]
    k = int(peaks.index.max()) if len(peaks) else int(stability.idxmax())
    return k, {"why": "peak" if len(peaks) else "most_stable", "k": k, "stability": float(stability[k]),
               "threshold": threshold, "coarser": float(coarser[k]), "finer": float(finer[k])}


@dataclass
class SegmentModel:
    """A chosen segmentation: how to encode clients and which segment each goes to.

    Attributes
    ----------
    section : dict
        The ``segment`` params it was fitted with (features, weights, capital, ...).
    encoder : FeatureEncoder
    clusterer : object with ``predict``
    order : ndarray
        Segment number (1 = largest) of each raw cluster label.
    names : dict
        Segment number -> generated name (filled by :func:`describe_segments` users).
    method : str
    k : int
    """

    section: dict
    encoder: FeatureEncoder
    clusterer: object
    order: np.ndarray
    method: str
    k: int
    names: dict = field(default_factory=dict)


def fit_segments(features: pd.DataFrame, section: dict, k: int, method: str, seed: int) -> SegmentModel:
    """Fit one segmentation on ``features`` (a subsample of ``fit_rows`` if larger).

    Segments are numbered by size in the fitted data, largest first.
    """
    encoder = FeatureEncoder(section["features"]).fit(features)
    return _fit_encoded(encoder, encoder.transform(features), section, k, method, seed)


def _fit_encoded(encoder: FeatureEncoder, Z: np.ndarray, section: dict, k: int, method: str,
                 seed: int) -> SegmentModel:
    """:func:`fit_segments` on features already encoded by ``encoder``."""
    Z = Z[canonical_order(Z)]
    rows = _subsample(len(Z), section.get("fit_rows", 20_000), np.random.default_rng(seed))
    with threadpool_limits(1):
        clusterer = fit_method(Z[rows], k, method, seed)
        raw = clusterer.predict(Z)
    sizes = np.bincount(raw, minlength=k)
    rank = np.argsort(-sizes, kind="stable")
    order = np.empty(k, dtype=np.int64)
    order[rank] = np.arange(1, k + 1)
    return SegmentModel(section, encoder, clusterer, order, method, k)


def assign(model: SegmentModel, features: pd.DataFrame) -> pd.Series:
    """The segment (1..k) of each client of ``features``, new or already seen.

    Parameters
    ----------
    model : SegmentModel
    features : DataFrame
        From :func:`build_features` with the model's params (a fresh CRM export's
        canonical tables give a fresh feature table).

    Returns
    -------
    Series
        Segment numbers indexed like ``features``, named ``segment``.
    """
    missing = [name for name in model.encoder.weights if name not in features]
    if missing:
        raise CjmError(f"features missing for assign(): {', '.join(missing)}",
                       "build them with build_features() and the model's params section")
    return _labels(model, model.encoder.transform(features), features.index)


def _labels(model: SegmentModel, Z: np.ndarray, index: pd.Index) -> pd.Series:
    with threadpool_limits(1):
        return pd.Series(model.order[model.clusterer.predict(Z)], index=index, name="segment")


# ----------------------------------------------------------------------------- portraits

def describe_segments(features: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """How each segment differs from the rest, feature by feature.

    Numbers: Cohen's d of the segment against all other clients (on the log scale for
    skewed features), with means (medians for skewed features). Categories: for each level, its share in the
    segment and in the rest, and Cohen's h (the effect size of two proportions,
    comparable to d: 0.2 small, 0.5 medium, 0.8 large).

    Returns
    -------
    DataFrame
        ``segment``, ``feature``, ``level`` (categories), ``kind``, ``segment_value``
        (mean, median or share), ``overall_value``, ``effect``; one row per segment and
        feature (numbers) or level (categories).
    """
    rows = []
    for segment in sorted(labels.unique()):
        inside = (labels == segment).to_numpy()
        for name in features.columns:
            if _kind(name) == "numeric":
                raw = features[name].to_numpy(dtype=float, na_value=np.nan)
                x = FeatureEncoder._numeric(name, features[name])
                a, b = x[inside & np.isfinite(x)], x[~inside & np.isfinite(x)]
                pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1))
                                 / max(len(a) + len(b) - 2, 1)) if len(a) > 1 and len(b) > 1 else np.nan
                effect = (a.mean() - b.mean()) / pooled if pooled else np.nan
                centre = np.nanmedian if CATALOGUE[name][1] else np.nanmean
                rows.append({"segment": segment, "feature": name, "level": None, "kind": "numeric",
                             "segment_value": centre(raw[inside]) if np.isfinite(raw[inside]).any() else np.nan,
                             "overall_value": centre(raw) if np.isfinite(raw).any() else np.nan,
                             "effect": effect})
            else:
                text = features[name].fillna(MISSING)
                for level in text.value_counts().index:
                    is_level = (text == level).to_numpy()
                    p_in, p_out = is_level[inside].mean(), is_level[~inside].mean() if (~inside).any() else np.nan
                    rows.append({"segment": segment, "feature": name, "level": level, "kind": "category",
                                 "segment_value": p_in, "overall_value": is_level.mean(),
                                 "effect": 2 * np.arcsin(np.sqrt(p_in)) - 2 * np.arcsin(np.sqrt(p_out))})
    return pd.DataFrame(rows)


def top_traits(traits: pd.DataFrame, segment: int, n: int = 4, minimum: float = 0.5) -> pd.DataFrame:
    """The traits that set ``segment`` apart most: largest |effect| of numbers and
    over-represented category levels (missing and pooled levels left out), at least
    ``minimum`` in size (but always the top two)."""
    rows = traits[(traits["segment"] == segment) & traits["effect"].notna()]
    rows = rows[(rows["kind"] == "numeric") | ((rows["effect"] > 0) & ~rows["level"].isin([MISSING, OTHER]))]
    rows = rows.assign(size=rows["effect"].abs()).sort_values("size", ascending=False, kind="stable")
    rows = rows.drop_duplicates("feature")
    strong = rows[rows["size"] >= minimum]
    return (strong if len(strong) >= 2 else rows.head(2)).head(n).drop(columns="size")


def profile_table(features: pd.DataFrame, labels: pd.Series, max_levels: int = 8) -> pd.DataFrame:
    """Segment by feature: size, medians of numbers, shares of category levels; a last
    row for all clients. Categories with more than ``max_levels`` levels show the top ones."""
    groups = {**{int(s): (labels == s).to_numpy() for s in sorted(labels.unique())},
              "all": np.ones(len(labels), dtype=bool)}
    rows = []
    for segment, inside in groups.items():
        row = {"segment": str(segment), "clients": int(inside.sum()), "share": inside.mean()}
        for name in features.columns:
            if _kind(name) == "numeric":
                row[name] = features[name][inside].median()
            else:
                shares = features[name].fillna(MISSING).value_counts(normalize=True)
                for level in shares.index[:max_levels]:
                    row[f"{name}: {level}"] = (features[name][inside].fillna(MISSING) == level).mean()
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- words

#: Feature -> (label, word when low, word when high, value format), by language.
FEATURE_WORDS = {
    "ru": {
        "age": ("возраст", "моложе", "старше", "{:.0f}"),
        "amount": ("стоимость авто", "дешевле авто", "дороже авто", "{:,.0f}"),
        "down_payment_share": ("аванс", "низкий аванс", "высокий аванс", "{:.0%}"),
        "term_months": ("срок, мес.", "короткий срок", "длинный срок", "{:.0f}"),
        "monthly_payment": ("платёж в месяц", "низкий платёж", "высокий платёж", "{:,.0f}"),
        "days_to_deal": ("дней до договора", "быстрое решение", "долгое решение", "{:.0f}"),
        "touches": ("касаний", "мало касаний", "много касаний", "{:.0f}"),
        "online_share": ("доля онлайн-касаний", "офлайн", "онлайн", "{:.0%}"),
        "deals": ("сделок", "меньше сделок", "больше сделок", "{:.0f}"),
        "gender": ("пол",), "region": ("регион",), "capital": ("столица",),
        "acquisition_channel": ("канал привлечения",), "product": ("продукт",),
        "first_touch_channel": ("первый канал",),
    },
    "en": {
        "age": ("age", "younger", "older", "{:.0f}"),
        "amount": ("car price", "cheaper car", "dearer car", "{:,.0f}"),
        "down_payment_share": ("down payment", "low down payment", "high down payment", "{:.0%}"),
        "term_months": ("term, months", "short term", "long term", "{:.0f}"),
        "monthly_payment": ("monthly payment", "low payment", "high payment", "{:,.0f}"),
        "days_to_deal": ("days to contract", "quick decision", "slow decision", "{:.0f}"),
        "touches": ("touches", "few touches", "many touches", "{:.0f}"),
        "online_share": ("online share of touches", "offline", "online", "{:.0%}"),
        "deals": ("deals", "fewer deals", "more deals", "{:.0f}"),
        "gender": ("gender",), "region": ("region",), "capital": ("capital",),
        "acquisition_channel": ("acquisition channel",), "product": ("product",),
        "first_touch_channel": ("first channel",),
    },
}
#: Category levels that read better as words in names and portraits.
LEVEL_WORDS = {
    "ru": {"Ж": "женщины", "М": "мужчины", CAPITAL: "столица", REGIONS: "регионы"},
    "en": {"Ж": "women", "М": "men", "F": "women", "M": "men", CAPITAL: "capital", REGIONS: "regions"},
}
_VERSUS = {"ru": "против", "en": "vs"}


def _format(name: str, value: float, language: str) -> str:
    if pd.isna(value):
        return "—"
    return FEATURE_WORDS[language][name][3].format(value).replace(",", "\u202f")


def trait_words(trait: pd.Series, language: str) -> tuple[str, str]:
    """A trait as a short word (for names) and a phrase with its numbers (for portraits)."""
    words = FEATURE_WORDS[language][trait["feature"]]
    versus = _VERSUS[language]
    if trait["kind"] == "numeric":
        short = words[2] if trait["effect"] > 0 else words[1]
        return short, (f"{short}: {words[0]} {_format(trait['feature'], trait['segment_value'], language)} "
                       f"{versus} {_format(trait['feature'], trait['overall_value'], language)}")
    level = str(trait["level"])
    short = LEVEL_WORDS[language].get(level, f"{words[0]} «{level}»")
    return short, f"{short}: {trait['segment_value']:.0%} {versus} {trait['overall_value']:.0%}"


def portraits(traits: pd.DataFrame, labels: pd.Series, language: str, defining=None) -> pd.DataFrame:
    """Name, size and portrait of each segment, from its top traits.

    Parameters
    ----------
    traits : DataFrame
        From :func:`describe_segments`.
    labels : Series
        Segment of each client.
    language : {"ru", "en"}
    defining : collection of str, optional
        Features that define the segments; names are made of these only (the
        portrait lists every strong trait). All features when None.

    Returns
    -------
    DataFrame
        ``segment``, ``segment_name`` (the two strongest defining traits, unique), ``clients``,
        ``share``, ``portrait`` (the top traits with their numbers), ``top_features``.
    """
    sizes = labels.value_counts()
    rows, seen = [], set()
    for segment in sorted(sizes.index):
        top = top_traits(traits, segment)
        words = [trait_words(trait, language) for _, trait in top.iterrows()]
        naming = top_traits(traits[traits["feature"].isin(defining)], segment) if defining else top
        name = " · ".join(trait_words(trait, language)[0] for _, trait in naming.head(2).iterrows())
        name = name[:1].upper() + name[1:]
        if name in seen:
            name = f"{name} ({segment})"
        seen.add(name)
        rows.append({"segment": int(segment), "segment_name": name, "clients": int(sizes[segment]),
                     "share": sizes[segment] / len(labels), "portrait": "; ".join(p for _, p in words),
                     "top_features": ", ".join(top["feature"])})
    return pd.DataFrame(rows)


def feature_summary(features: pd.DataFrame, section: dict, language: str) -> pd.DataFrame:
    """What went into the segmentation: each feature (named in ``language``), its role,
    weight, missing share and distribution (median and quartiles of numbers, top levels
    of categories)."""
    rows = []
    for name in features.columns:
        values = features[name]
        weight = section["features"].get(name)
        row = {"feature": FEATURE_WORDS[language][name][0], "role": "defines" if weight else "describes", "weight": weight,
               "missing": values.isna().mean()}
        if _kind(name) == "numeric":
            q = values.quantile([0.25, 0.5, 0.75])
            row["distribution"] = " ".join([_format(name, q[0.5], language),
                                            f"({_format(name, q[0.25], language)}–{_format(name, q[0.75], language)})"])
        else:
            shares = values.value_counts(normalize=True).head(4)
            row["distribution"] = ", ".join(f"{LEVEL_WORDS[language].get(lvl, lvl)} {share:.0%}"
                                            for lvl, share in shares.items())
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the step

@dataclass
class SegmentResult:
    """What 03_segment shows and writes.

    Attributes
    ----------
    features : DataFrame
        One row per in-scope client: the features that define and describe segments.
    summary : DataFrame
        :func:`feature_summary` of ``features``.
    encoded : ndarray
        The defining features on one scale (rows as ``features``).
    scan : DataFrame
        :func:`scan_k` over the params' k range.
    recommended : int
    reason : dict
        Why ``recommended`` (see :func:`recommend_k`).
    options : DataFrame
        Candidate splits side by side: ``option``, ``method``, ``k``, ``sizes``,
        ``silhouette``, ``agreement`` (adjusted Rand index with the chosen split).
    option_portraits : dict
        Option label -> :func:`portraits` of that split.
    model : SegmentModel
        The chosen split (params ``n_segments`` and ``method``, else the recommended k
        with k-means).
    labels : Series
        Segment of each client (chosen split).
    traits, portraits, profiles : DataFrame
        :func:`describe_segments`, :func:`portraits`, :func:`profile_table` of it.
    """

    features: pd.DataFrame
    summary: pd.DataFrame
    encoded: np.ndarray
    scan: pd.DataFrame
    recommended: int
    reason: dict
    options: pd.DataFrame
    option_portraits: dict
    model: SegmentModel
    labels: pd.Series
    traits: pd.DataFrame
    portraits: pd.DataFrame
    profiles: pd.DataFrame


def _options(section: dict, scan: pd.DataFrame, recommended: int, threshold: float) -> list[tuple[str, int]]:
    """The candidate splits: those params list, else k-means and a Gaussian mixture at
    the recommended k, and k-means at the next coarser stable k."""
    if section.get("options"):
        return [(o["method"], o["k"]) for o in section["options"]]
    coarser = scan[(scan["k"] < recommended) & (scan["stability"] >= threshold) & (scan["k"] > 2)]
    other_k = int(coarser["k"].max()) if len(coarser) else max(recommended - 1, 2)
    return [("kmeans", recommended), ("gmm", recommended), ("kmeans", other_k)]


def segment(params: dict, clients: pd.DataFrame, deals: pd.DataFrame,
            touches: pd.DataFrame | None) -> SegmentResult:
    """03 on the canonical tables: features, the k scan, options, the chosen split.

    Parameters
    ----------
    params : dict
        Validated engagement params; reads ``seed``, ``language`` and ``segment``.
    clients, deals, touches : DataFrame
        In-scope canonical tables (``touches`` may be None).
    """
    section, seed, language = params["segment"], params["seed"], params["language"]
    features = build_features(clients, deals, touches, section)
    if len(features) < section["k_max"] * 10:
        raise CjmError(f"only {len(features)} in-scope clients for up to {section['k_max']} segments",
                       "lower segment.k_max in params, or widen the scope in clean.scope")
    encoder = FeatureEncoder(section["features"]).fit(features)
    encoded = encoder.transform(features)
    threshold, defining = section["stability_threshold"], list(section["features"])
    scan = scan_k(encoded, range(section["k_min"], section["k_max"] + 1), seed, section["resamples"],
                  fit_rows=section["fit_rows"])
    recommended, reason = recommend_k(scan, threshold)
    splits = {}

    def split(method: str, k: int):
        """Model, labels, traits and portraits of one split, each fitted once."""
        if (method, k) not in splits:
            model = _fit_encoded(encoder, encoded, section, k, method, seed)
            labels = _labels(model, encoded, features.index)
            traits = describe_segments(features, labels)
            splits[method, k] = model, labels, traits, portraits(traits, labels, language, defining)
        return splits[method, k]

    model, labels, traits, described = split(section["method"], section.get("n_segments") or recommended)
    model.names = dict(zip(described["segment"], described["segment_name"]))
    rows, option_portraits = [], {}
    probe = _subsample(len(encoded), 5_000, np.random.default_rng(seed))
    for number, (method, k) in enumerate(_options(section, scan, recommended, threshold), start=1):
        _, option_labels, _, option_portraits[f"{number}: {method}, k={k}"] = split(method, k)
        sizes = option_labels.value_counts().sort_index()
        rows.append({"option": f"{number}: {method}, k={k}", "method": method, "k": k,
                     "sizes": " / ".join(f"{n:,}".replace(",", "\u202f") for n in sizes),
                     "silhouette": silhouette_score(encoded[probe], option_labels.to_numpy()[probe]),
                     "agreement": adjusted_rand_score(labels, option_labels)})
    return SegmentResult(features, feature_summary(features, section, language), encoded, scan, recommended, reason,
                         pd.DataFrame(rows), option_portraits, model, labels, traits, described,
                         profile_table(features, labels))


def write_segments(result: SegmentResult, paths) -> None:
    """``interim/segments.parquet`` (client_id, segment, segment_name),
    ``interim/segment_profiles.parquet``, ``interim/segment_model.pickle`` and
    ``report/segment_profiles.xlsx``, each written whole or not at all."""
    from cjm.io import write_atomic, write_xlsx_deterministic

    labels = result.labels.rename_axis("client_id").reset_index()
    labels["segment_name"] = labels["segment"].map(result.model.names).astype("str")
    profiles = result.portraits[["segment", "segment_name"]].assign(segment=lambda f: f["segment"].astype(str))
    profiles = result.profiles.merge(profiles, on="segment", how="left")
    paths.interim.mkdir(parents=True, exist_ok=True)
    paths.report.mkdir(parents=True, exist_ok=True)
    write_atomic(labels, paths.table("segments"))
    write_atomic(profiles, paths.table("segment_profiles"))
    write_atomic(pickle.dumps(result.model), paths.interim / "segment_model.pickle")
    with_portraits = profiles.merge(result.portraits[["segment", "portrait"]].astype({"segment": str}),
                                    on="segment", how="left")
    write_xlsx_deterministic(with_portraits, paths.report / "segment_profiles.xlsx", "segments")


def load_model(paths) -> SegmentModel:
    """The segmentation 03_segment chose, to :func:`assign` a fresh export's clients."""
    path = paths.interim / "segment_model.pickle"
    if not path.exists():
        raise CjmError(f"no fitted segmentation at {path}", "run 03_segment first (make all)")
    return pickle.loads(path.read_bytes())


def run_segment(params: dict, paths) -> SegmentResult:
    """03 end to end: read the in-scope tables, segment, write the outputs."""
    from cjm.io import read_table

    clients, deals = read_table(paths, "clients"), read_table(paths, "deals")
    touches = read_table(paths, "touches", ["client_id", "channel", "at"], optional=True)
    result = segment(params, clients, deals, touches)
    write_segments(result, paths)
    return result
