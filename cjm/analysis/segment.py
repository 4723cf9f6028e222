"""Behavioural segmentation: features, the choice of k, candidate splits, portraits.

The consultant declares in params which features define the segments (``features``,
each with a weight) and which only describe them (``describe``). The flow:

>>> features = build_features(clients, deals, touches, section)     # one row per client
>>> encoder = FeatureEncoder(weights(section)).fit(features)
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

import functools
import multiprocessing
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cjm.core.errors import CjmError
from cjm.core.progress import progress

#: Features the builder derives per client: name -> (kind, whether to take the logarithm).
DERIVED = {
    "age": ("numeric", False),
    "down_payment_share": ("numeric", False),
    "monthly_payment": ("numeric", True),
    "days_to_deal": ("numeric", True),
    "deals": ("numeric", True),
    "recency": ("numeric", True),
    "frequency": ("numeric", True),
    "monetary": ("numeric", True),
    "monetary_mean": ("numeric", True),
    "tenure": ("numeric", True),
    "touches": ("numeric", True),
    "online_share": ("numeric", False),
    "capital": ("category", False),
    "first_touch_channel": ("category", False),
}
#: Known features: the derived ones and canonical columns, with their kind and scale. Any
#: other column of clients or deals is a feature too: a number if its values are numbers
#: (on a log scale when it is non-negative and skewed), else a category.
CATALOGUE = {
    **DERIVED,
    "amount": ("numeric", True),
    "down_payment": ("numeric", True),
    "term_months": ("numeric", False),
    "gender": ("category", False),
    "region": ("category", False),
    "acquisition_channel": ("category", False),
    "product": ("category", False),
    "channel": ("category", False),
}
#: Canonical columns each derived feature reads (clients' or deals').
NEEDS = {
    "age": ("clients", ("birth_year",)), "down_payment_share": ("deals", ("amount", "down_payment")),
    "monthly_payment": ("deals", ("amount", "term_months")), "days_to_deal": ("deals", ("created_at", "closed_at")),
    "recency": ("deals", ("created_at",)), "tenure": ("deals", ("created_at",)),
    "monetary": ("deals", ("amount",)), "monetary_mean": ("deals", ("amount",)), "capital": ("clients", ("region",)),
}
#: Derived features shown as shares.
SHARES = frozenset({"down_payment_share", "online_share"})

#: Levels rarer than this share are pooled into one "other" level before encoding.
RARE_SHARE = 0.01
OTHER = "(other)"
MISSING = "(missing)"
#: Levels of the ``capital`` feature.
CAPITAL, REGIONS = "capital", "regions"
METHODS = ("kmeans", "gmm", "ward")
#: k-means restarts per fit: enough that stability measures the data, not the start.
N_INIT = 4


def is_number(values: pd.Series) -> bool:
    """Whether a feature is a number (else a category)."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def feature_specs(section: dict) -> dict[str, dict]:
    """Every feature of a ``segment`` section, defining then describing: name -> its settings
    (``weight`` for those that define the segments). Accepts the forms params normalize
    (``age: 1``, a list of described names) as well."""
    describe = section.get("describe") or {}
    if isinstance(describe, (list, tuple)):
        describe = dict.fromkeys(describe)
    features = {name: spec if isinstance(spec, dict) else {"weight": spec}
                for name, spec in section["features"].items()}
    return {**features, **{name: spec or {} for name, spec in describe.items() if name not in features}}


def weights(section: dict) -> dict[str, float]:
    """Feature name -> weight, for the features that define the segments."""
    return {name: float(spec["weight"]) for name, spec in feature_specs(section).items() if "weight" in spec}


def skewed(values: pd.Series) -> bool:
    """Whether a number's scale calls for its logarithm: never negative and skewed
    (skewness over 2), as amounts and counts are."""
    x = pd.to_numeric(values, errors="coerce").dropna()
    return len(x) > 2 and x.min() >= 0 and x.skew() > 2


def log_features(features: pd.DataFrame, section: dict | None = None) -> list[str]:
    """The numeric features taken on a log scale: as ``log`` in their params, else as the
    :data:`CATALOGUE` says, else when :func:`skewed`."""
    specs = feature_specs(section) if section else {}
    out = []
    for name in features.columns:
        if not is_number(features[name]):
            continue
        log = (specs.get(name) or {}).get("log")
        if log is None:
            log = CATALOGUE[name][1] if name in CATALOGUE else skewed(features[name])
        if log:
            out.append(name)
    return out


def scaled(values: pd.Series, log: bool) -> np.ndarray:
    """A number's values as floats, as ``log1p`` (negatives as 0) when ``log``."""
    x = values.to_numpy(dtype=float, na_value=np.nan)
    return np.log1p(np.clip(x, 0, None)) if log else x


# ----------------------------------------------------------------------------- features

def build_features(clients: pd.DataFrame, deals: pd.DataFrame, touches: pd.DataFrame | None,
                   section: dict, export_date=None) -> pd.DataFrame:
    """One row per client (index ``client_id``, sorted) with the declared features.

    A feature is a column of clients, else of deals (the client's first deal's value,
    or ``aggregate`` over its deals: first, last, sum, mean, min, max), named by the
    feature or by its ``column``; else one derived per client (:data:`DERIVED`):

    - ``age`` at the year of the last deal in the data, from ``birth_year``;
    - ``deals`` (all), ``frequency`` (won deals), ``monetary`` (their total amount),
      ``monetary_mean`` (their mean amount);
    - ``recency`` (days from the client's last deal to the export date), ``tenure``
      (days from the first deal to the export date); the export date is ``export_date``,
      else the latest date of the deals;
    - ``down_payment_share``, ``monthly_payment``, ``days_to_deal`` (to a won first deal);
    - ``touches``, ``online_share`` (of ``online_channels``), ``first_touch_channel``;
      missing without a touches table; ``capital`` (``capital`` region or the rest).

    Only the declared features are read. A feature's kind is its params' ``kind``, else
    the column's (numbers stay numbers), else the catalogue's.

    Parameters
    ----------
    clients, deals, touches : DataFrame
        Canonical tables (DESIGN.md); ``touches`` may be None.
    section : dict
        The ``segment`` section of params: ``features`` and ``describe`` (name -> spec),
        ``capital`` and ``online_channels``.
    export_date : str or Timestamp, optional
        The day of the exports, for ``recency`` and ``tenure``; None: the latest date of the deals.

    Returns
    -------
    DataFrame
        Numeric features as float, categorical features as text.

    Raises
    ------
    CjmError
        A feature that is neither a column nor derived, or a derived one whose columns
        the engagement does not have.
    """
    specs = feature_specs(section)
    names = list(specs)
    clients = clients.drop_duplicates("client_id").set_index("client_id").sort_index()
    order = ["created_at", "deal_id"] if "created_at" in deals else []
    ordered = deals.sort_values(order, kind="stable") if order else deals
    columns = {}
    for name in names:
        spec = specs.get(name) or {}
        column = spec.get("column", name)
        if column in clients.columns and column != "client_id":
            values = clients[column]
        elif column in deals.columns and column not in ("deal_id", "client_id"):
            values = _per_client(ordered, column, spec.get("aggregate", "first"), clients.index)
        elif column in DERIVED:
            values = _derived(column, clients, ordered, touches, section, export_date)
        else:
            available = sorted({*clients.columns, *deals.columns, *DERIVED} - {"client_id", "deal_id"})
            raise CjmError(f"segmentation feature '{name}' is neither a column of clients or deals nor a "
                           "derived feature", f"use one of: {', '.join(available)} "
                           "(params: segment.features / segment.describe; 'column' names another column)")
        kind = spec.get("kind") or ("number" if is_number(values) else "category")
        columns[name] = (pd.to_numeric(values, errors="coerce").astype(float) if kind == "number"
                         else values.astype("str"))
    return pd.DataFrame(columns, index=clients.index)[names]


def _per_client(deals: pd.DataFrame, column: str, how: str, index: pd.Index) -> pd.Series:
    """A deals column per client: its first or last deal's value (deals in time order), or
    the sum, mean, min or max over its deals."""
    values = deals[["client_id", column]]
    if how in ("first", "last"):
        picked = values.drop_duplicates("client_id", keep=how).set_index("client_id")[column]
    else:
        picked = values.groupby("client_id")[column].agg(how)
    return picked.reindex(index)


def _derived(name: str, clients: pd.DataFrame, deals: pd.DataFrame, touches: pd.DataFrame | None,
             section: dict, export_date) -> pd.Series:
    """One derived feature (:data:`DERIVED`) per client; deals in time order."""
    index = clients.index
    table, needed = NEEDS.get(name, (None, ()))
    frame = clients if table == "clients" else deals
    lacking = [c for c in needed if c not in frame.columns or frame[c].isna().all()]
    if lacking:
        raise CjmError(f"segmentation feature '{name}' needs {table}.{', '.join(lacking)}, which this "
                       "engagement does not have", "map it in clean.tables, or choose other features")
    if name == "age":
        return deals["created_at"].max().year - clients["birth_year"].astype(float)
    if name in ("down_payment_share", "monthly_payment", "days_to_deal"):  # of the client's first deal
        first = deals.drop_duplicates("client_id").set_index("client_id").reindex(index)
        if name == "down_payment_share":
            amount = first["amount"].astype(float)
            return (first["down_payment"].astype(float) / amount).where(amount > 0).clip(0, 1)
        if name == "monthly_payment":
            term = first["term_months"].astype(float)
            down = first["down_payment"].astype(float).fillna(0) if "down_payment" in first else 0.0
            return ((first["amount"].astype(float) - down) / term).where(term > 0)
        days = (first["closed_at"] - first["created_at"]).dt.total_seconds() / 86400
        return days.where(first["outcome"].eq("won")).clip(lower=0)
    if name == "deals":
        return deals.groupby("client_id").size().reindex(index, fill_value=0).astype(float)
    if name in ("frequency", "monetary", "monetary_mean"):  # of the won deals
        won = deals[deals["outcome"] == "won"].groupby("client_id")
        if name == "frequency":
            return won.size().reindex(index, fill_value=0).astype(float)
        return won["amount"].agg("sum" if name == "monetary" else "mean").reindex(
            index, fill_value=0.0 if name == "monetary" else np.nan).astype(float)
    if name in ("recency", "tenure"):
        until = pd.Timestamp(export_date) if export_date else latest_date(deals)
        return (until - _per_client(deals, "created_at", "max" if name == "recency" else "min", index)
                ).dt.total_seconds() / 86400
    if name == "capital":
        capital = section.get("capital")
        if not capital:
            raise CjmError("feature 'capital' needs the capital's region name",
                           "set segment.capital in params, e.g. capital: г. Минск")
        return clients["region"].eq(capital).map({True: CAPITAL, False: REGIONS}).where(clients["region"].notna())
    return _touch_feature(name, touches, index, section)


def latest_date(deals: pd.DataFrame) -> pd.Timestamp:
    """The latest date in the deals (created or closed): the export date when params give none."""
    dates = [deals[c].max() for c in ("created_at", "closed_at") if c in deals and deals[c].notna().any()]
    return max(dates) if dates else pd.NaT


def _touch_feature(name: str, touches: pd.DataFrame | None, index: pd.Index, section: dict) -> pd.Series:
    if touches is None:
        return pd.Series(np.nan, index=index)
    if name == "touches":
        return touches.groupby("client_id").size().reindex(index, fill_value=0).astype(float)
    if name == "online_share":
        online = touches["channel"].isin(section.get("online_channels", []))
        return online.groupby(touches["client_id"]).mean().reindex(index)
    first = touches.sort_values(["at"]).drop_duplicates("client_id").set_index("client_id")
    return first["channel"].reindex(index)


@functools.cache
def _feature_encoder() -> type:
    """The class :class:`FeatureEncoder`, made on first use: a scikit-learn estimator, whose
    import (~1 s) the steps that only read segment specs and traits (07, the report) do not
    pay. It is this module's ``FeatureEncoder`` (see :func:`__getattr__`), where fitted
    models (``segment_model.pickle``) find it."""
    from sklearn.base import BaseEstimator, TransformerMixin

    class FeatureEncoder(TransformerMixin, BaseEstimator):
        """Numbers and categories onto one scale, weighted as the consultant declared.

        Numbers: missing values take the median, those in ``log`` their logarithm, then each
        is standardized. Categories: levels under 1% are pooled, each
        level becomes an indicator, and the indicators of a feature are scaled so that the
        feature's total variance is 1, the same as one number's (for two levels this is
        exactly a standardized 0/1 column). Each feature's columns are then multiplied by
        its weight, so a weight of 0.5 gives a feature half the pull on distances.

        Parameters
        ----------
        weights : dict
            Feature name -> weight (> 0).
        log : collection of str, optional
            Numeric features taken on a log scale; by default those :func:`log_features` finds.
        """

        def __init__(self, weights: dict, log=None):
            self.weights = weights
            self.log = log

        def fit(self, features: pd.DataFrame, y=None):
            self.numeric_ = {}
            self.levels_ = {}
            self.log_ = sorted(log_features(features[list(self.weights)]) if self.log is None else self.log)
            for name, weight in self.weights.items():
                values = features[name]
                if is_number(values):
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

        def _numeric(self, name: str, values: pd.Series) -> np.ndarray:
            return scaled(values, name in self.log_)

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

    FeatureEncoder.__qualname__ = "FeatureEncoder"
    return FeatureEncoder


def __getattr__(name: str):
    """``FeatureEncoder`` (:func:`_feature_encoder`)."""
    if name == "FeatureEncoder":
        return _feature_encoder()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.mixture import GaussianMixture

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
           fit_rows: int = 20_000, metric_rows: int = 5_000, n_jobs: int = 2) -> pd.DataFrame:
    """Quality of k-means splits for each k: the numbers to choose k from.

    Parameters
    ----------
    Z : ndarray
        Encoded features (put in :func:`canonical_order` here).
    ks : iterable of int
        The numbers of segments to try.
    seed : int
        Seed of the subsamples and the k-means fits.
    resamples : int
        Fits on random subsets (``share`` of the rows each) whose agreement, as mean
        pairwise adjusted Rand index on common rows, is the split's stability.
    share : float
        Share of the (fitted) rows in each resampled subset.
    fit_rows, metric_rows : int
        Fits use at most ``fit_rows`` rows, silhouette at most ``metric_rows``.
    n_jobs : int
        Forked processes the k's are shared out to (each k's numbers do not depend on
        where it runs: one thread each, its own seeds).

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
    ks = list(ks)
    global _SCAN
    with threadpool_limits(1):
        _SCAN = fit, probe, probe_distances(probe), subsets, seed
        try:
            if n_jobs <= 1 or len(ks) <= 1:
                return pd.DataFrame([_scan_one(k) for k in progress(ks, desc="k scan")])
            with multiprocessing.get_context("fork").Pool(min(n_jobs, len(ks))) as pool:
                return pd.DataFrame(list(progress(pool.imap(_scan_one, ks, chunksize=1), total=len(ks),
                                                  desc="k scan")))
        finally:
            _SCAN = None


#: What every k of :func:`scan_k` reads (fit rows, probe, its distances, subsets, seed),
#: inherited by the forked workers.
_SCAN: tuple | None = None


def probe_distances(probe: np.ndarray) -> np.ndarray:
    """The distances between the rows of ``probe``, computed once for the silhouettes of every
    split (``silhouette_score(distances, labels, metric="precomputed")``), block by block as
    ``silhouette_score(probe, labels)`` computes them: the same numbers to the last bit.
    ``metric_rows`` rows take ``8 * metric_rows ** 2`` bytes (200 MB for 5,000)."""
    from sklearn.metrics import pairwise_distances_chunked

    distances, start = np.empty((len(probe), len(probe))), 0
    for block in pairwise_distances_chunked(probe):
        distances[start:start + len(block)] = block
        start += len(block)
    return distances


def pair_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """The adjusted Rand index of two labellings (non-negative integers), as
    ``sklearn.metrics.adjusted_rand_score`` computes it (the same integer pair counts, the
    same division) without its checks of the input, which cost 100 times the count when a
    scan compares hundreds of pairs of runs.

    >>> pair_agreement(np.array([0, 0, 1, 2]), np.array([0, 0, 1, 1]))
    0.5714285714285714
    """
    width = int(b.max()) + 1
    counts = np.bincount(a.astype(np.int64) * width + b, minlength=(int(a.max()) + 1) * width)
    contingency = counts.reshape(-1, width)
    n, squares = len(a), int((contingency ** 2).sum())
    tp = squares - n
    fp = int((contingency @ contingency.sum(0)).sum()) - squares
    fn = int((contingency.T @ contingency.sum(1)).sum()) - squares
    tn = n * n - fp - fn - squares
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def _scan_one(k: int) -> dict:
    from sklearn.cluster import KMeans
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    fit, probe, distances, subsets, seed = _SCAN
    model = KMeans(k, n_init=N_INIT, random_state=seed).fit(fit)
    runs = [KMeans(k, n_init=N_INIT, random_state=seed + 1 + i).fit(fit[rows]).predict(probe)
            for i, rows in enumerate(subsets)]
    agreement = [pair_agreement(a, b) for i, a in enumerate(runs) for b in runs[i + 1:]]
    return {
        "k": k, "inertia": model.inertia_ / len(fit),
        "silhouette": silhouette_score(distances, model.predict(probe), metric="precomputed"),
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

    Parameters
    ----------
    scan : DataFrame
        :func:`scan_k`; reads ``k`` and ``stability``.
    threshold : float
        Least stability (mean adjusted Rand index) a peak must reach.

    Returns
    -------
    k : int
        The recommended number of segments.
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
    encoder: object  # a FeatureEncoder
    clusterer: object
    order: np.ndarray
    method: str
    k: int
    names: dict = field(default_factory=dict)


def fit_segments(features: pd.DataFrame, section: dict, k: int, method: str, seed: int) -> SegmentModel:
    """Fit one segmentation on ``features`` (a subsample of ``fit_rows`` if larger).

    Segments are numbered by size in the fitted data, largest first.

    Parameters
    ----------
    features : DataFrame
        :func:`build_features`: one row per client, a column per feature; the features with a
        ``weight`` in ``section`` define the segments (missing numbers take the median).
    section : dict
        The ``segment`` section of params: ``features`` (weights, ``log``), optionally
        ``fit_rows`` (default 20,000).
    k : int
        Number of segments.
    method : {"kmeans", "gmm", "ward"}
        Clustering method (see :func:`fit_method`); another raises :class:`CjmError`.
    seed : int
        Seed of the subsample and the fit.

    Returns
    -------
    SegmentModel
        The encoder, the fitted clusterer and the numbering of its clusters; :func:`assign`
        gives each client's segment (1..k).
    """
    encoder = _feature_encoder()(weights(section), log_features(features, section)).fit(features)
    return _fit_encoded(encoder, encoder.transform(features), section, k, method, seed)


def _fit_encoded(encoder, Z: np.ndarray, section: dict, k: int, method: str,
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

def describe_segments(features: pd.DataFrame, labels: pd.Series, log=None) -> pd.DataFrame:
    """How each segment differs from the rest, feature by feature.

    Numbers: Cohen's d of the segment against all other clients (on the log scale for
    the features in ``log``, by default those :func:`log_features` finds), with means
    (medians on a log scale). Categories: for each level, its share in the
    segment and in the rest, and Cohen's h (the effect size of two proportions,
    comparable to d: 0.2 small, 0.5 medium, 0.8 large).

    Parameters
    ----------
    features : DataFrame
        One row per client, a column per feature (:func:`build_features`); numbers or text,
        missing category values as their own level.
    labels : Series
        Each client's segment, in the row order of ``features`` (matched by position).
    log : collection of str, optional
        Numeric features compared on a log scale (``log1p``); None: :func:`log_features`.

    Returns
    -------
    DataFrame
        ``segment``, ``feature``, ``level`` (categories), ``kind``, ``segment_value``
        (mean, median or share), ``overall_value``, ``effect``; one row per segment and
        feature (numbers) or level (categories).
    """
    log = set(log_features(features) if log is None else log)
    rows = []
    for segment in sorted(labels.unique()):
        inside = (labels == segment).to_numpy()
        for name in features.columns:
            if is_number(features[name]):
                raw = features[name].to_numpy(dtype=float, na_value=np.nan)
                x = scaled(features[name], name in log)
                a, b = x[inside & np.isfinite(x)], x[~inside & np.isfinite(x)]
                pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1))
                                 / max(len(a) + len(b) - 2, 1)) if len(a) > 1 and len(b) > 1 else np.nan
                effect = (a.mean() - b.mean()) / pooled if pooled else np.nan
                centre = np.nanmedian if name in log else np.nanmean
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


def profile_traits(profiles: pd.DataFrame, shares=SHARES) -> pd.DataFrame:
    """How each segment of a profile table differs from all clients, feature by feature: the
    traits :func:`describe_segments` gives, from the table alone (03's ``segment_profiles``,
    which keeps no spread to divide by). Category levels and the numbers in ``shares`` are
    compared by Cohen's h of the segment's share against all clients'; other numbers by the
    difference of the medians over their mean size (``(a - b) / ((|a| + |b|) / 2)``, 0.5:
    the median a half larger), so that :func:`top_traits` ranks them alike.

    Parameters
    ----------
    profiles : DataFrame
        :func:`profile_table`'s rows (``segment`` as text, ``all`` the last), optionally with
        ``segment_name``: ``clients``, ``share``, a median per numeric feature and a
        ``"<feature>: <level>"`` share per category level.
    shares : collection of str
        Numeric features that are shares (compared by h).

    Returns
    -------
    DataFrame
        ``segment`` (text), ``feature``, ``level`` (categories), ``kind``, ``segment_value``,
        ``overall_value``, ``effect``; no row where a value is missing.
    """
    everyone = profiles[profiles["segment"].astype(str) == "all"]
    columns = [c for c in profiles.columns if c not in ("segment", "segment_name", "clients", "share")]
    if not len(everyone) or not columns:
        return pd.DataFrame(columns=["segment", "feature", "level", "kind", "segment_value", "overall_value",
                                     "effect"])
    overall = everyone.iloc[0]

    def h(p, q):
        return 2 * np.arcsin(np.sqrt(np.clip(p, 0, 1))) - 2 * np.arcsin(np.sqrt(np.clip(q, 0, 1)))

    rows = []
    for _, row in profiles[profiles["segment"].astype(str) != "all"].iterrows():
        for column in columns:
            mine, all_ = pd.to_numeric(row[column], errors="coerce"), pd.to_numeric(overall[column], errors="coerce")
            if pd.isna(mine) or pd.isna(all_):
                continue
            feature, _, level = str(column).partition(": ")
            if level or feature in shares:
                effect = h(mine, all_)
            else:
                size = (abs(mine) + abs(all_)) / 2
                effect = (mine - all_) / size if size else 0.0
            rows.append({"segment": str(row["segment"]), "feature": feature, "level": level or None,
                         "kind": "category" if level else "numeric", "segment_value": float(mine),
                         "overall_value": float(all_), "effect": float(effect)})
    return pd.DataFrame(rows, columns=["segment", "feature", "level", "kind", "segment_value", "overall_value",
                                       "effect"])


def profile_table(features: pd.DataFrame, labels: pd.Series, max_levels: int = 8) -> pd.DataFrame:
    """Segment by feature: size, medians of numbers, shares of category levels; a last
    row for all clients. Categories with more than ``max_levels`` levels show the top ones.

    Parameters
    ----------
    features : DataFrame
        One row per client, a column per feature (:func:`build_features`).
    labels : Series
        Each client's segment number (integers), in the row order of ``features`` (by position).
    max_levels : int
        At most this many levels of a category, the most frequent among all clients.

    Returns
    -------
    DataFrame
        One row per segment, then ``all``: ``segment`` (as text), ``clients``, ``share`` (of
        all clients), then per numeric feature its median (missing values left out) and
        per category level a column ``"<feature>: <level>"`` with its share (missing as a level).
    """
    groups = {**{int(s): (labels == s).to_numpy() for s in sorted(labels.unique())},
              "all": np.ones(len(labels), dtype=bool)}
    rows = []
    for segment, inside in groups.items():
        row = {"segment": str(segment), "clients": int(inside.sum()), "share": inside.mean()}
        for name in features.columns:
            if is_number(features[name]):
                row[name] = features[name][inside].median()
            else:
                shares = features[name].fillna(MISSING).value_counts(normalize=True)
                for level in shares.index[:max_levels]:
                    row[f"{name}: {level}"] = (features[name][inside].fillna(MISSING) == level).mean()
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- words


# ----------------------------------------------------------------------------- choosing the split

@dataclass
class SegmentResult:
    """A segmentation of the in-scope clients, with the splits it was chosen from.

    Attributes
    ----------
    features : DataFrame
        One row per in-scope client: the features that define and describe segments.
    encoded : ndarray
        The defining features on one scale (rows as ``features``).
    scan : DataFrame
        :func:`scan_k` over the k range.
    recommended : int
    reason : dict
        Why ``recommended`` (see :func:`recommend_k`).
    options : DataFrame
        Candidate splits side by side: ``option``, ``method``, ``k``, ``sizes``,
        ``silhouette``, ``agreement`` (adjusted Rand index with the chosen split).
    option_splits : dict
        Option label -> (labels, traits) of that split.
    model : SegmentModel
        The chosen split (``n_segments`` and ``method``, else the recommended k).
    labels : Series
        Segment of each client (chosen split).
    traits, profiles : DataFrame
        :func:`describe_segments` and :func:`profile_table` of it.
    notes : dict
        ``k_max`` when fewer clients than the k range needs lowered it (with
        ``clients``), ``export_date`` (and ``export_date_from``: ``params`` or ``data``)
        when a feature counts days to it.
    """

    features: pd.DataFrame
    encoded: np.ndarray
    scan: pd.DataFrame
    recommended: int
    reason: dict
    options: pd.DataFrame
    option_splits: dict
    model: SegmentModel
    labels: pd.Series
    traits: pd.DataFrame
    profiles: pd.DataFrame
    notes: dict = field(default_factory=dict)


#: Clients per segment at least, for the largest k tried.
CLIENTS_PER_SEGMENT = 10


def _options(section: dict, scan: pd.DataFrame, recommended: int, threshold: float) -> list[tuple[str, int]]:
    """The candidate splits: those params list, else k-means and a Gaussian mixture at
    the recommended k, and k-means at the next coarser stable k (the next finer one when
    the recommended k is the smallest tried)."""
    if section.get("options"):
        return [(o["method"], o["k"]) for o in section["options"]]
    coarser = scan[(scan["k"] < recommended) & (scan["stability"] >= threshold) & (scan["k"] > 2)]
    if len(coarser):
        other_k = int(coarser["k"].max())
    else:
        other_k = recommended - 1 if recommended - 1 >= scan["k"].min() else recommended + 1
    return [("kmeans", recommended), ("gmm", recommended), ("kmeans", other_k)]


def segment(clients: pd.DataFrame, deals: pd.DataFrame, touches: pd.DataFrame | None, section: dict,
            seed: int, export_date=None, scan=scan_k) -> SegmentResult:
    """Features, the k scan, the candidate splits and the chosen one.

    Parameters
    ----------
    clients, deals, touches : DataFrame
        In-scope canonical tables (``touches`` may be None).
    section : dict
        How to segment: ``features``, ``describe``, ``k_min``, ``k_max``, ``method``,
        ``n_segments``, ``options``, ``stability_threshold``, ``resamples``, ``fit_rows``
        (the validated ``segment`` section of the params).
    seed : int
    export_date : date-like, optional
        The day recency and tenure count to (the latest deal's day when None).
    scan : callable
        The k scan, called as :func:`scan_k` (``Z, ks, seed, resamples, fit_rows=``): a step
        passes one that reads back the scan of the same encoded clients and params.
    """
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    features = build_features(clients, deals, touches, section, export_date)
    notes = {}
    k_max = min(section["k_max"], len(features) // CLIENTS_PER_SEGMENT)
    if k_max < 3:
        raise CjmError(f"only {len(features)} in-scope clients: too few to find segments "
                       f"(at least {3 * CLIENTS_PER_SEGMENT})", "widen the scope in clean.scope, or drop the "
                       "segment section from the params")
    if k_max < section["k_max"]:
        notes.update(k_max=k_max, clients=len(features))
    k_min = min(section["k_min"], k_max - 1)
    if {"recency", "tenure"} & {spec.get("column", name) for name, spec in feature_specs(section).items()}:
        notes.update(export_date=str(pd.Timestamp(export_date or latest_date(deals)).date()),
                     export_date_from="params" if export_date else "data")
    log = log_features(features, section)
    encoder = _feature_encoder()(weights(section), log).fit(features)
    encoded = encoder.transform(features)
    threshold = section["stability_threshold"]
    scanned = scan(encoded, range(k_min, k_max + 1), seed, section["resamples"], fit_rows=section["fit_rows"])
    recommended, reason = recommend_k(scanned, threshold)
    splits = {}

    def split(method: str, k: int):
        """Model, labels and traits of one split, each fitted once."""
        if (method, k) not in splits:
            model = _fit_encoded(encoder, encoded, section, k, method, seed)
            labels = _labels(model, encoded, features.index)
            splits[method, k] = model, labels, describe_segments(features, labels, log)
        return splits[method, k]

    model, labels, traits = split(section["method"], section.get("n_segments") or recommended)
    rows, option_splits = [], {}
    probe = _subsample(len(encoded), 5_000, np.random.default_rng(seed))
    distances = probe_distances(encoded[probe])
    for number, (method, k) in enumerate(_options(section, scanned, recommended, threshold), start=1):
        _, option_labels, option_traits = split(method, k)
        option_splits[f"{number}: {method}, k={k}"] = option_labels, option_traits
        sizes = option_labels.value_counts().sort_index()
        rows.append({"option": f"{number}: {method}, k={k}", "method": method, "k": k,
                     "sizes": " / ".join(f"{n:,}".replace(",", "\u202f") for n in sizes),
                     "silhouette": silhouette_score(distances, option_labels.to_numpy()[probe],
                                                    metric="precomputed"),
                     "agreement": adjusted_rand_score(labels, option_labels)})
    return SegmentResult(features, encoded, scanned, recommended, reason, pd.DataFrame(rows), option_splits, model,
                         labels, traits, profile_table(features, labels), notes)


