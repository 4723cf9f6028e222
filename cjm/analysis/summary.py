"""The executive summary's numbers, picked from the stable tables of 03-07.

Nothing is estimated anew: each number is the one its chapter shows (03's segment
profiles, 04's NPS tables, 06's funnel and journeys, 07's ranked barriers), so the summary
and the chapters cannot disagree. What an engagement lacks is a code in
:attr:`Summary.missing`, phrased by the presentation layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cjm.analysis.funnel import bottlenecks

#: The overall estimate 04 headlines: the client base's NPS, weighted by segment size.
POPULATION = "population (weighted by segment size)"
#: Barriers the summary lists.
TOP_BARRIERS = 5

#: Why a part of the summary is empty (the values of :attr:`Summary.missing`).
MISSING = {
    "segments": ("no_segments",),
    "nps": ("no_survey", "no_nps"),
    "own": ("no_own",),
    "bottleneck": ("no_funnel", "no_losses"),
    "journeys": ("no_journeys",),
    "barriers": ("no_maps", "no_voice", "no_barriers"),
}


@dataclass(frozen=True)
class Summary:
    """What the report's summary says, in numbers and codes.

    Attributes
    ----------
    segments : DataFrame or None
        ``segment``, ``segment_name``, ``clients``, ``share`` (of the segmented clients) and
        ``nps`` (missing without a survey), one row per segment in 03's order.
    clients : int or None
        Clients segmented (03's all-clients row).
    nps : dict or None
        04's headline: ``n``, ``nps``, ``ci_low``, ``ci_high`` of the client base.
    own : dict or None
        The survey against the company's own NPS: ``own``, ``own_n``, ``difference``,
        ``ci_low``, ``ci_high`` (of the difference) and ``direction`` (``lower``, ``higher``
        or ``same``: where the interval of the difference lies against 0).
    bottleneck : dict or None
        06's bottleneck: ``stage``, ``lost``, ``lost_share`` (of all lost), ``loss_rate``.
    journeys : DataFrame or None
        ``journey``, ``journey_name`` (the agreed name where one is given), ``clients``,
        ``share``, by journey number.
    barriers : DataFrame or None
        07's first :data:`TOP_BARRIERS` recommendations of the all-clients map: ``rank``,
        ``barrier``, ``stage``, ``action`` (missing: none written), ``owner``, ``impact``,
        ``documents``, ``lost``.
    missing : dict
        Part (``segments``, ``nps``, ``own``, ``bottleneck``, ``journeys``, ``barriers``) ->
        why it is empty (:data:`MISSING`).
    """

    segments: pd.DataFrame | None = None
    clients: int | None = None
    nps: dict | None = None
    own: dict | None = None
    bottleneck: dict | None = None
    journeys: pd.DataFrame | None = None
    barriers: pd.DataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)


def _direction(ci_low: float, ci_high: float) -> str:
    return "lower" if ci_high < 0 else "higher" if ci_low > 0 else "same"


def _segments(profiles: pd.DataFrame, by_segment: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    rows = profiles[profiles["segment"].astype(str) != "all"]
    table = pd.DataFrame({"segment": rows["segment"].astype(str).to_numpy(),
                          "segment_name": rows["segment_name"].to_numpy(),
                          "clients": rows["clients"].astype(int).to_numpy(),
                          "share": rows["share"].astype(float).to_numpy()})
    nps = {} if by_segment is None else dict(zip(by_segment["segment"].astype(str), by_segment["nps"]))
    table["nps"] = table["segment"].map(nps).astype(float)
    everyone = profiles.loc[profiles["segment"].astype(str) == "all", "clients"]
    return table, int(everyone.iloc[0]) if len(everyone) else int(table["clients"].sum())


def _journeys(labels: pd.DataFrame) -> pd.DataFrame:
    sizes = labels.groupby("journey", sort=True).agg(clients=("client_id", "size"), name=("journey_name", "first"))
    sizes = sizes.reset_index()
    return pd.DataFrame({"journey": sizes["journey"].astype(str), "journey_name": sizes["name"],
                         "clients": sizes["clients"].astype(int),
                         "share": sizes["clients"] / len(labels)})


def summarize(*, segment_profiles: pd.DataFrame | None = None, nps_overall: pd.DataFrame | None = None,
              nps_by_segment: pd.DataFrame | None = None, nps_own: pd.DataFrame | None = None,
              surveyed: bool = False, stage_funnel: pd.DataFrame | None = None,
              journeys: pd.DataFrame | None = None,
              recommendations: list[dict] | None = None, voice: bool = False,
              top: int = TOP_BARRIERS) -> Summary:
    """The summary of an engagement from its stable tables (None: a table it does not have).

    Parameters
    ----------
    segment_profiles : DataFrame, optional
        03's ``segment_profiles``: ``segment`` (``all`` for every client), ``clients``,
        ``share``, ``segment_name``.
    nps_overall : DataFrame, optional
        04's ``nps_overall``: ``estimate``, ``n``, ``nps``, ``ci_low``, ``ci_high``.
    nps_by_segment : DataFrame, optional
        04's ``nps_by_segment``: ``segment``, ``nps``.
    nps_own : DataFrame, optional
        04's ``nps_own``: ``scope`` (``all`` first), ``own``, ``own_n``, ``difference``,
        ``ci_low``, ``ci_high``.
    surveyed : bool
        Whether the survey's answers are in (04's ``survey_scores`` exists).
    stage_funnel : DataFrame, optional
        06's ``stage_funnel``: ``stage``, ``lost``, ``lost_share``, ``conversion``, and
        ``breakdown`` (its ``all`` rows are the funnel of every deal).
    journeys : DataFrame, optional
        06's ``journeys``: ``client_id``, ``journey``, ``journey_name`` (the name agreed
        with the client where one is, params ``funnel.journey_names``).
    recommendations : list of dict, optional
        The all-clients map's recommendations (``report/journey_model.json``); None
        before 07 has run.
    voice : bool
        Whether the map had what customers said (interviews, open answers) to find barriers in.
    top : int
        Barriers listed.

    Returns
    -------
    Summary
    """
    missing = {}
    segments = clients = None
    if segment_profiles is not None and len(segment_profiles):
        segments, clients = _segments(segment_profiles, nps_by_segment)
    else:
        missing["segments"] = "no_segments"

    nps = own = None
    population = (None if nps_overall is None
                  else nps_overall[nps_overall["estimate"] == POPULATION])
    if population is not None and len(population):
        row = population.iloc[0]
        nps = {"n": int(row["n"]), "nps": float(row["nps"]), "ci_low": float(row["ci_low"]),
               "ci_high": float(row["ci_high"])}
        mine = None if nps_own is None else nps_own[nps_own["scope"].astype(str) == "all"]
        if mine is not None and len(mine):
            row = mine.iloc[0]
            own = {"own": float(row["own"]), "own_n": int(row["own_n"]), "difference": float(row["difference"]),
                   "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"]),
                   "direction": _direction(row["ci_low"], row["ci_high"])}
        else:
            missing["own"] = "no_own"
    else:
        missing["nps"] = "no_nps" if surveyed else "no_survey"

    bottleneck = None
    if stage_funnel is None or not len(stage_funnel):
        missing["bottleneck"] = "no_funnel"
    else:
        whole = stage_funnel[stage_funnel["breakdown"] == "all"] if "breakdown" in stage_funnel else stage_funnel
        ranked = bottlenecks(whole.reset_index(drop=True))
        if len(ranked) and ranked["lost"].iloc[0] > 0:
            first = ranked.iloc[0]
            bottleneck = {"stage": str(first["stage"]), "lost": int(first["lost"]),
                          "lost_share": float(first["lost_share"]), "loss_rate": float(first["loss_rate"])}
        else:
            missing["bottleneck"] = "no_losses"

    found = None
    if journeys is not None and len(journeys):
        found = _journeys(journeys)
    else:
        missing["journeys"] = "no_journeys"

    barriers = None
    if recommendations is None:
        missing["barriers"] = "no_maps"
    elif recommendations:
        columns = ["rank", "barrier", "stage", "action", "owner", "impact", "documents", "lost"]
        barriers = pd.DataFrame(recommendations[:top]).reindex(columns=columns)
    else:
        missing["barriers"] = "no_voice" if not voice else "no_barriers"
    return Summary(segments, clients, nps, own, bottleneck, found, barriers, missing)
