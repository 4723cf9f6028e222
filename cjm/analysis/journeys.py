"""Journey types found in clients' paths: a latent class model of entry channel, contact
channels and skipped stages.

A journey is how a client comes and moves: the channel the lead came through, the
channels of the contacts on the way, the stages passed over. Each journey type is a
latent class with its own distribution over entry channels (one draw per client), over
contact channels (a multinomial draw per contact) and its own chance of skipping each
stage (a Bernoulli draw). The model is fitted by expectation-maximisation; a client
with few contacts is weighed by the evidence they give, not forced into a profile.
The number of types is chosen by the Bayesian information criterion: the smallest
number that reaches ``elbow`` (e.g. 90%) of the improvement in BIC that the numbers
tried up to ``k_max`` give, unless the params fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from cjm.core.errors import CjmError

#: Smoothing added to the counts of each class (a weak Dirichlet/Beta prior).
PRIOR = 0.5


@dataclass
class PathFeatures:
    """Clients' paths as the blocks of the latent class model.

    Attributes
    ----------
    entry : DataFrame
        One-hot entry channel of each client's first deal (clients x channels).
    contacts : DataFrame
        Contacts per channel (clients x channels).
    skipped : DataFrame
        1 where a client's deal went past a stage without entering it (clients x stages);
        no columns without a stage history.
    """

    entry: pd.DataFrame
    contacts: pd.DataFrame
    skipped: pd.DataFrame

    @property
    def index(self) -> pd.Index:
        return self.entry.index

    def blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(b.to_numpy(dtype=float) for b in (self.entry, self.contacts, self.skipped))

    def take(self, rows: np.ndarray) -> PathFeatures:
        return PathFeatures(*(b.iloc[rows] for b in (self.entry, self.contacts, self.skipped)))


def path_features(log, touches: pd.DataFrame | None, client: str = "client_id", channel: str = "channel",
                  missing: str = "(unknown)") -> PathFeatures:
    """The blocks of :class:`PathFeatures` for every client with a placed case in ``log``.

    Parameters
    ----------
    log : cjm.analysis.funnel.StageLog or cjm.analysis.enginelog.EngineLog
        Its cases need ``client`` and ``channel`` (the entry channel; else :class:`CjmError`) and
        ``created_at`` (a client's first deal gives the entry); cases without a client or
        with no place in the funnel are left out.
    touches : DataFrame, optional
        ``deal_id`` (matched to the log's ``case_id``), ``channel``: contacts of the cases;
        None or empty: no contact block.
    client : str
        Column of the cases with the client.
    channel : str
        Column of the channel, in the cases (entry) and in ``touches`` (contacts).
    missing : str
        Channel name given to a missing channel.

    Returns
    -------
    PathFeatures
        ``entry`` (one-hot entry channel), ``contacts`` (contacts per channel) and ``skipped``
        (1 where any of the client's deals went past a stage without entering it; only stages
        someone skipped), each one row per client (index ``client``, in first-deal order).
    """
    cases = log.cases
    for column in (client, channel):
        if column not in cases:
            raise CjmError(f"cases have no column {column!r} for the journeys",
                           f"map it onto deals.{column} in the params (clean.tables.deals)")
    mask = ((cases["furthest"] >= 0) & cases[client].notna()).to_numpy()
    placed = cases[mask]
    first = placed.sort_values("created_at", kind="stable").drop_duplicates(client)
    clients = pd.Index(first[client].to_numpy(), name=client)
    entry = pd.crosstab(first[client], first[channel].astype(object).fillna(missing)).reindex(clients).astype(float)
    if touches is not None and len(touches):
        known = touches[touches["deal_id"].isin(placed["case_id"])]
        owner = known["deal_id"].map(placed.set_index("case_id")[client])
        contacts = pd.crosstab(owner, known[channel].astype(object).fillna(missing))
        contacts = contacts.reindex(clients, fill_value=0).astype(float)
    else:
        contacts = pd.DataFrame(index=clients)
    entered = log.entered_stages()
    went_past = np.arange(len(log.stages))[None, :] < cases["furthest"].to_numpy()[:, None]
    skip = pd.DataFrame((went_past & ~entered)[mask], columns=log.stages, index=placed[client])
    skipped = skip.groupby(level=0).max().reindex(clients).astype(float)
    # without a stage history nothing is skipped (a won case's leap to the won stage is its outcome)
    skipped = skipped.loc[:, (skipped.sum() > 0) & log.history]
    return PathFeatures(entry, contacts, skipped)


def _log_likelihood(blocks, parameters) -> np.ndarray:
    """Log of each class's prior times the likelihood of each client (clients x classes)."""
    entry, contacts, skipped = blocks
    prior, theta_entry, theta_contacts, p_skip = parameters
    value = np.log(prior)[None, :] + entry @ np.log(theta_entry).T
    if contacts.shape[1]:
        value = value + contacts @ np.log(theta_contacts).T
    if skipped.shape[1]:
        value = value + skipped @ np.log(p_skip).T + (1 - skipped) @ np.log(1 - p_skip).T
    return value


def _m_step(blocks, resp) -> tuple:
    entry, contacts, skipped = blocks
    mass = resp.sum(axis=0)
    prior = (mass + 1e-9) / (mass.sum() + 1e-9 * len(mass))
    theta_entry = resp.T @ entry + PRIOR
    theta_entry /= theta_entry.sum(axis=1, keepdims=True)
    theta_contacts = resp.T @ contacts + PRIOR
    theta_contacts /= theta_contacts.sum(axis=1, keepdims=True)
    p_skip = (resp.T @ skipped + PRIOR) / (mass[:, None] + 2 * PRIOR)
    return prior, theta_entry, theta_contacts, p_skip


def fit_classes(blocks, k: int, seed: int, restarts: int = 5, max_iter: int = 500, tol: float = 1e-7) -> dict:
    """Fit a ``k``-class model by EM from ``restarts`` random starts; the best fit.

    Returns
    -------
    dict
        ``log_likelihood``, ``bic``, ``parameters`` (prior, entry, contact and skip
        distributions per class), ``iterations``.
    """
    n = len(blocks[0])
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(restarts):
        resp = rng.dirichlet(np.ones(k), n)
        previous = -np.inf
        for iteration in range(max_iter):
            parameters = _m_step(blocks, resp)
            joint = _log_likelihood(blocks, parameters)
            total = logsumexp(joint, axis=1)
            value = float(total.sum())
            resp = np.exp(joint - total[:, None])
            if value - previous <= tol * abs(value):
                break
            previous = value
        if best is None or value > best["log_likelihood"]:
            best = {"log_likelihood": value, "parameters": parameters, "iterations": iteration + 1}
    free = (k - 1) + k * (blocks[0].shape[1] - 1) + k * max(blocks[1].shape[1] - 1, 0) + k * blocks[2].shape[1]
    best["bic"] = -2 * best["log_likelihood"] + free * np.log(n)
    return best


def assign(blocks, parameters) -> tuple[np.ndarray, np.ndarray]:
    """Each client's most likely class and that class's posterior probability."""
    joint = _log_likelihood(blocks, parameters)
    posterior = np.exp(joint - logsumexp(joint, axis=1)[:, None])
    return posterior.argmax(axis=1), posterior.max(axis=1)


def choose_k(scan: pd.DataFrame, elbow: float = 0.9) -> int:
    """The smallest number of types whose BIC reaches ``elbow`` of the best improvement
    over one type in ``scan`` (``k``, ``bic``)."""
    one = scan.loc[scan["k"] == 1, "bic"]
    if one.empty:
        raise CjmError("the scan of journey numbers needs k = 1 as its base", "start k at 1")
    gain = one.iloc[0] - scan["bic"]
    reached = scan.loc[gain >= elbow * gain.max(), "k"]
    return int(reached.min())


@dataclass
class JourneyResult:
    """Journey types of the clients.

    Attributes
    ----------
    labels : DataFrame
        ``client_id``, ``journey`` (1..k, largest first), ``probability``.
    scan : DataFrame
        ``k``, ``log_likelihood``, ``bic``, ``improvement`` (share of the best BIC gain).
    k : int
    chosen_by : str
        "params" or "bic elbow".
    profiles : DataFrame
        Per journey and feature: ``journey``, ``block`` (entry, contacts, skipped),
        ``feature``, ``share`` (of the journey's clients or contacts), ``overall``, ``lift``.
    """

    labels: pd.DataFrame
    scan: pd.DataFrame
    k: int
    chosen_by: str
    profiles: pd.DataFrame


def find_journeys(features: PathFeatures, k_max: int = 8, n_journeys: int | None = None, elbow: float = 0.9,
                  seed: int = 0, restarts: int = 5, fit_rows: int = 20_000) -> JourneyResult:
    """Scan 1..``k_max`` journey types, choose their number, label every client.

    The model is fitted on at most ``fit_rows`` clients drawn at random (all of them in
    a smaller engagement); every client is then assigned to their most likely type.

    Parameters
    ----------
    features : PathFeatures
        :func:`path_features`; at least two clients (else :class:`CjmError`).
    k_max : int
        Largest number of journey types tried (at most the number of clients fitted).
    n_journeys : int, optional
        The number the client chose (raises ``k_max`` if larger); None: chosen by :func:`choose_k`.
    elbow : float
        Share of the best BIC gain over one type that the chosen number must reach.
    seed : int
        Seed of the subsample and of the EM starts.
    restarts : int
        Random starts of EM per number of types; the best fit is kept.
    fit_rows : int
        At most this many clients fitted.

    Returns
    -------
    JourneyResult
        ``labels`` (``client_id``, ``journey`` 1..k largest first, ``probability``), ``scan``
        (``k``, ``log_likelihood``, ``bic``, ``improvement``), ``k``, ``chosen_by``
        ("params" or "bic elbow"), ``profiles`` (:func:`journey_profiles`).
    """
    n = len(features.index)
    if n < 2:
        raise CjmError(f"{n} client(s) with a path: too few to find journeys", "check the deals and stage events")
    if n_journeys is not None and n_journeys > n:
        raise CjmError(f"{n_journeys} journeys asked for, but only {n} clients have a path",
                       f"set funnel.journeys.n_journeys to at most {n}, or leave it out to choose by BIC")
    if n_journeys is not None and n_journeys > k_max:
        k_max = n_journeys
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, fit_rows, replace=False)) if n > fit_rows else np.arange(n)
    blocks = features.take(rows).blocks()
    fits = {k: fit_classes(blocks, k, seed + k, restarts) for k in range(1, min(k_max, len(rows)) + 1)}
    scan = pd.DataFrame({"k": list(fits), "log_likelihood": [f["log_likelihood"] for f in fits.values()],
                         "bic": [f["bic"] for f in fits.values()]})
    gain = scan["bic"].iloc[0] - scan["bic"]
    scan["improvement"] = gain / gain.max() if gain.max() > 0 else 0.0
    k, chosen_by = (n_journeys, "params") if n_journeys else (choose_k(scan, elbow), "bic elbow")
    label, probability = assign(features.blocks(), fits[k]["parameters"])
    # journeys numbered by size, largest first
    order = np.argsort(-np.bincount(label, minlength=k), kind="stable")
    number = np.empty(k, dtype=np.int64)
    number[order] = np.arange(1, k + 1)
    labels = pd.DataFrame({"client_id": features.index.to_numpy(), "journey": number[label],
                           "probability": probability})
    return JourneyResult(labels=labels, scan=scan, k=k, chosen_by=chosen_by,
                         profiles=journey_profiles(features, labels["journey"].to_numpy()))


def journey_profiles(features: PathFeatures, journey: np.ndarray) -> pd.DataFrame:
    """What sets each journey apart: shares of entry channels, of contact channels and of
    clients skipping each stage, against all clients (``lift`` = share / overall)."""
    rows = []
    for block, frame, per_contact in (("entry", features.entry, False), ("contacts", features.contacts, True),
                                      ("skipped", features.skipped, False)):
        if frame.shape[1] == 0:
            continue
        sums = frame.groupby(journey).sum()
        if per_contact:
            share = sums.div(sums.sum(axis=1).replace(0, np.nan), axis=0)
            overall = frame.sum() / frame.to_numpy().sum()
        else:
            share = sums.div(pd.Series(journey).value_counts().sort_index(), axis=0)
            overall = frame.mean()
        long = share.stack().rename("share").reset_index()
        long.columns = ["journey", "feature", "share"]
        long["overall"] = long["feature"].map(overall)
        long.insert(1, "block", block)
        rows.append(long)
    table = pd.concat(rows, ignore_index=True)
    table["lift"] = table["share"] / table["overall"].replace(0, np.nan)
    return table


def journey_names(profiles: pd.DataFrame, top: int = 3, min_share: float = 0.1, min_lift: float = 1.2,
                  arrow: str = " → ", agreed: dict | None = None) -> dict[int, str]:
    """A name per journey: the name agreed with the client where there is one, else its main
    entry channels, then the contact channels it uses more than the others ("Сайт, Агрегатор →
    Viber, Личный кабинет").

    Parameters
    ----------
    profiles : DataFrame
        :func:`journey_profiles` (:attr:`JourneyResult.profiles`): ``journey``, ``block``,
        ``feature``, ``share``, ``lift``.
    top : int
        At most this many channels of each block in a name, most frequent first.
    min_share : float
        Least share of the journey's clients (entry) or contacts a channel must have.
    min_lift : float
        Least lift (share over all clients' share) a channel must have; a journey where no
        entry channel passes both is named by its most common one.
    arrow : str
        Put between the entry channels and the contact channels.
    agreed : dict, optional
        Journey number (int or its text) -> the name agreed with the client; a journey
        without one keeps the name made from its channels.

    Returns
    -------
    dict
        Journey number -> name.
    """
    agreed = {str(journey): name for journey, name in (agreed or {}).items()}
    names = {}
    for journey, part in profiles.groupby("journey"):
        def leading(block: str) -> list[str]:
            rows = part[(part["block"] == block) & (part["share"] >= min_share) & (part["lift"] >= min_lift)]
            return rows.sort_values("share", ascending=False)["feature"].astype(str).head(top).tolist()

        entry, contacts = leading("entry"), leading("contacts")
        if not entry:  # no channel stands out: name the most common
            entry = part[part["block"] == "entry"].nlargest(1, "share")["feature"].astype(str).tolist()
        made = ", ".join(entry) + (arrow + ", ".join(contacts) if contacts else "")
        names[int(journey)] = agreed.get(str(int(journey))) or made
    return names


def journeys_vs_segments(journeys: pd.DataFrame, segments: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Cross-table of journeys and segments and how far apart the two groupings are.

    Returns
    -------
    table : DataFrame
        Clients by segment (rows) and journey (columns).
    test : dict
        ``clients``, ``chi2``, ``p_value``, ``cramers_v``, ``adjusted_rand`` (1 would mean
        the journeys are the segments), ``segments_in_one_journey`` (segments with at
        least 80% of their clients in one journey), ``same`` (whether journeys and segments
        are one grouping: adjusted Rand index of 0.5 or more).
    """
    from scipy.stats import chi2_contingency
    from sklearn.metrics import adjusted_rand_score

    both = journeys.merge(segments[["client_id", "segment"]], on="client_id")
    table = pd.crosstab(both["segment"], both["journey"])
    if table.shape[0] < 2 or table.shape[1] < 2:
        return table, {"clients": len(both), "chi2": np.nan, "p_value": np.nan, "cramers_v": np.nan,
                       "adjusted_rand": np.nan, "segments_in_one_journey": 0, "same": False}
    chi2, p_value, _, _ = chi2_contingency(table, correction=False)
    v = float(np.sqrt(chi2 / (len(both) * (min(table.shape) - 1))))
    ari = float(adjusted_rand_score(both["segment"], both["journey"]))
    concentrated = int((table.div(table.sum(axis=1), axis=0).max(axis=1) >= 0.8).sum())
    return table, {"clients": len(both), "chi2": float(chi2), "p_value": float(p_value), "cramers_v": v,
                   "adjusted_rand": ari, "segments_in_one_journey": concentrated, "same": ari >= 0.5}
