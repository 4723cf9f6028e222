"""The journey model of 07: one map per journey (and one for all clients), built from the
tables of 04-06 and the consultant's notes in params, every cell with its evidence.

A map is a grid: journey stages (``journey_stages``) by layers (:data:`LAYERS`). A cell
holds items (:class:`Cell`): what the map shows, the number behind it, how many
records back it and from which table. A layer without items says why
(:data:`EMPTY_REASONS`): its source is absent, nothing was found at the stage, or the
consultant has not written it in params. The model serializes to JSON
(:func:`to_dict`, :func:`from_dict`); the renderers in :mod:`cjm.present.maps` read nothing
else, and phrase each cell by its kind (:data:`KINDS`) in the report's language.

Numbers come from the interim tables of 04 (``csat_by_stage``, ``survey_scores``,
``survey_drivers``), 05 (``coded_fragments``, ``code_quotes``, ``touchpoints``,
``stage_emotions``) and 06 (``stage_funnel``, ``lost_reasons``, ``journey_lost_reasons``,
``stage_touches``, ``journey_touches``, ``journeys``, ``journey_profiles``,
``lead_flows``). A journey's map uses its own clients' deals, answers and interviews;
mystery-shopper notes, which have no client, go on the all-clients map only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from cjm.analysis.funnel import MISSING_REASON
from cjm.core.errors import CjmError

#: Layers of a map, in the order a poster shows them, and the source each comes from.
LAYERS = {
    "goals": "params, interviews", "triggers": "params", "entry_points": "crm", "touchpoints": "interviews",
    "actions": "params", "questions": "interviews", "barriers": "interviews, crm", "pains": "interviews",
    "positives": "interviews", "emotion": "interviews", "emotion_words": "interviews", "csat": "survey", "moment_of_truth": "survey",
    "engagement": "crm", "influencers": "interviews", "conversion": "crm", "drop_off": "crm",
    "time_in_stage": "crm", "kpi": "params, crm", "owners": "params", "processes": "params", "quotes": "interviews",
    "opportunities": "params",
}
#: Why a layer of a stage is empty.
EMPTY_REASONS = ("no_source", "none_found", "not_in_params", "not_at_stage")
#: Codebook layers of 05 -> map layers.
CODED = {"goal": "goals", "question": "questions", "barrier": "barriers", "pain": "pains", "positive": "positives",
         "influencer": "influencers", "emotion": "emotion_words"}
#: Layers the consultant writes in ``maps.stages.<stage>``, and their keys there.
WRITTEN = {"goals": "goals", "triggers": "triggers", "actions": "actions", "owners": "owner",
           "processes": "processes", "kpi": "kpi"}
VERSION = 3
#: The kind of a touchpoint's channel (:data:`cjm.core.params.CHANNEL_KINDS`) by words in the
#: channel's name (ru and en, lower case, ё as е), tried in this order; none: ``other``.
CHANNEL_KEYWORDS = {
    "messenger": ("viber", "telegram", "whatsapp", "вайбер", "телеграм", "ватсап", "чат", "мессенджер", "messenger",
                  "chat", "sms", "смс"),
    "email": ("e-mail", "email", "почта"),
    "partner": ("партнер", "дилер", "partner", "dealer"),
    "phone": ("телефон", "звонок", "колл", "call", "phone"),
    "office": ("офис", "office", "branch", "салон", "отделени"),
    "web": ("сайт", "web", "site", "online", "онлайн", "app", "приложени"),
}
#: How a renderer phrases a cell's numbers (:attr:`Cell.kind`), and what each reads:
#: ``conversion`` (value: share moving on), ``lost`` (n: deals lost; value: share of all
#: losses), ``days`` (value: median days; detail ``p75``), ``touches`` (value: contacts per
#: deal), ``csat`` (value: share satisfied; detail ``mean``), ``truth`` and ``weight``
#: (value: weight in NPS), ``emotion`` (value: mean valence), ``touchpoint`` (text; detail
#: ``online``, ``channel_kind``), ``quote`` (text: the words), ``kpi`` (text: its name; value, target),
#: ``entry`` and ``segment`` (text: the name; value: share), ``nps`` (value; detail ``low``,
#: ``high``), ``action`` (text: what removes the barrier; detail ``barrier``, ``owner``,
#: ``effort``), ``unwritten`` (a top barrier without an action: text the barrier), ``trait``
#: (a persona's trait, :func:`_trait_cell`). An empty kind is shown as its text.
KINDS = ("", "conversion", "lost", "days", "touches", "csat", "truth", "weight", "emotion", "touchpoint", "quote",
         "kpi", "entry", "segment", "nps", "action", "unwritten", "trait")


@dataclass
class Cell:
    """One item of a map's cell and its evidence.

    Attributes
    ----------
    text : str
        The item's own words, from the data or params (a code, a reason, a touchpoint, a
        note, a name), in the engagement's language; empty where the numbers say it all.
    kind : str
        How the renderers phrase it (:data:`KINDS`); empty: ``text`` as it is.
    value : float, optional
        The number behind it (a share, a score, days), as in its source table.
    n : int, optional
        How many records back it, counted in ``unit``.
    unit : str
        What ``n`` counts: deals, clients, respondents, documents, fragments.
    source : str
        The table (or ``params``) it comes from.
    target : float, optional
        A KPI's target from params.
    quote : str
        A customer's words behind it.
    detail : dict
        Further numbers and codes its kind reads (e.g. ``p75``, ``mean``, ``low``, ``high``,
        ``online``, ``channel_kind``).
    """

    text: str = ""
    kind: str = ""
    value: float | None = None
    n: int | None = None
    unit: str = ""
    source: str = ""
    target: float | None = None
    quote: str = ""
    detail: dict = field(default_factory=dict)


@dataclass
class Stage:
    """A column of a map: its cells by layer, and why the empty ones are empty."""

    name: str
    crm_stages: list[str] = field(default_factory=list)
    cells: dict[str, list[Cell]] = field(default_factory=dict)
    empty: dict[str, str] = field(default_factory=dict)


@dataclass
class Curve:
    """An emotion curve: mean valence of what customers said, per stage (None: nothing said)."""

    label: str
    scores: list[float | None]
    fragments: list[int]


@dataclass
class Persona:
    """A segment on a map: its number and name, its clients on the journey and their share
    of the journey's clients, its portrait's strongest traits (cells of kind ``trait``) and
    its NPS with the interval (04's, of the whole segment; None without a survey)."""

    segment: str
    name: str
    clients: int
    share: float
    traits: list[Cell] = field(default_factory=list)
    nps: Cell | None = None


@dataclass
class JourneyMap:
    """One journey's map (``journey`` "all" is the map of all clients, whose ``title`` is empty).

    ``stages`` in journey order; ``curves`` the emotion curve of the journey's clients
    first, then the segments whose curve differs; ``segments`` the journey's clients by
    segment; ``personas`` a card per segment on the map, by segment number; ``recommendations`` barriers ranked by impact (:func:`recommendations`);
    ``touchpoints`` the touchpoint list; ``lead_flows`` the lead journey scheme (all
    clients' map only); ``sources`` which sources were there.
    """

    journey: str
    title: str
    clients: int
    share: float
    stages: list[Stage]
    nps: Cell | None = None
    bottleneck: str | None = None
    low_point: str | None = None
    curves: list[Curve] = field(default_factory=list)
    segments: list[Cell] = field(default_factory=list)
    personas: list[Persona] = field(default_factory=list)
    recommendations: list[dict] = field(default_factory=list)
    touchpoints: list[dict] = field(default_factory=list)
    lead_flows: list[dict] = field(default_factory=list)
    sources: dict[str, bool] = field(default_factory=dict)
    version: int = VERSION

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


# ----------------------------------------------------------------------------- inputs

#: Interim tables the model reads; each optional (a missing one empties its layers).
TABLES = ("stage_funnel", "lost_reasons", "journey_lost_reasons", "stage_touches", "journey_touches", "journeys",
          "journey_profiles", "lead_flows", "segments", "csat_by_stage", "survey_scores", "survey_drivers",
          "coded_fragments", "code_quotes", "touchpoints", "stage_emotions", "segment_profiles", "nps_by_segment")


# ----------------------------------------------------------------------------- builder


@dataclass
class _Scope:
    """The part of the inputs one map reads."""

    key: str                        # "all" or the journey number as text
    clients: set | None             # None: everyone
    funnel: pd.DataFrame
    lost: pd.DataFrame | None
    touches: pd.DataFrame | None
    fragments: pd.DataFrame | None
    scores: pd.DataFrame | None
    coded: dict = field(default_factory=dict)      # (stage, codebook layer) -> its codes' cells (:func:`_coded`)
    emotions: pd.DataFrame | None = None           # stage -> score, fragments (05's or recomputed)
    touchpoints: pd.DataFrame | None = None        # 05's inventory (or recomputed for the journey)
    csat: pd.DataFrame | None = None               # stage -> n, mean, satisfied (04's or recomputed)
    emotion_source: str = "stage_emotions"


def _stage_of(stage_funnel: pd.DataFrame) -> dict[str, list[str]]:
    """Journey stage -> its CRM stages, from 06's ``journey_stage`` column."""
    rows = stage_funnel[stage_funnel["breakdown"] == "all"]
    mapping: dict[str, list[str]] = {}
    for crm, journey in zip(rows["stage"], rows.get("journey_stage", pd.Series(np.nan, index=rows.index))):
        if isinstance(journey, str):
            mapping.setdefault(journey, []).append(crm)
    return mapping


def _rows_of(frame: pd.DataFrame, clients: set) -> pd.DataFrame:
    """The rows of ``frame`` whose ``client_id`` is one of ``clients``, by a set lookup per row
    (``isin`` of a text column makes an Arrow scalar of each of the thousands of clients)."""
    return frame[np.array([client in clients for client in frame["client_id"]], dtype=bool)]


def _scope(tables: dict, journey: str | None, stages: list[str], codes, survey: dict) -> _Scope:
    """The inputs of one map, and its per-stage tables computed once: 04-05's own tables
    for all clients, the same computations on the journey's clients otherwise."""
    from cjm.analysis.coding import emotion_by_stage, touchpoint_inventory
    from cjm.analysis.survey import csat_summary

    funnel = tables["stage_funnel"]
    if journey is None:
        clients = None
        funnel = funnel[funnel["breakdown"] == "all"]
        lost, touches = tables["lost_reasons"], tables["stage_touches"]
    else:
        labels = tables["journeys"]
        clients = set(labels.loc[labels["journey"].astype(str) == journey, "client_id"])
        funnel = funnel[(funnel["breakdown"] == "journey") & (funnel["group"] == journey)]
        lost, touches = (None if t is None else t[t["journey"].astype(str) == journey]
                         for t in (tables["journey_lost_reasons"], tables["journey_touches"]))
    fragments, scores = tables["coded_fragments"], tables["survey_scores"]
    if clients is not None:
        fragments = None if fragments is None else _rows_of(fragments, clients)
        scores = None if scores is None else _rows_of(scores, clients)
    scope = _Scope(journey or "all", clients, funnel.set_index("stage"), lost, touches, fragments, scores)
    if fragments is not None:
        scope.coded = _coded(fragments, tables["code_quotes"])
        if clients is None and tables["stage_emotions"] is not None:
            scope.emotions = tables["stage_emotions"].set_index("stage").reindex(stages)
        else:
            scope.emotions, scope.emotion_source = emotion_by_stage(fragments, stages).set_index("stage"), \
                "coded_fragments"
        scope.touchpoints = tables["touchpoints"] if clients is None and tables["touchpoints"] is not None \
            else touchpoint_inventory(fragments, codes)
    if clients is None and tables["csat_by_stage"] is not None:
        scope.csat = tables["csat_by_stage"].query("segment == 'all'").set_index("stage")
    elif scores is not None:
        asked = [s for s in stages if s in scores]
        scope.csat = csat_summary(scores, asked, None, survey["satisfied_from"], survey["confidence"]) \
            .set_index("stage")
    return scope


def _coded(fragments: pd.DataFrame, quotes: pd.DataFrame | None) -> dict[tuple[str, str], list[Cell]]:
    """The codes of 05's ``fragments`` at each stage and codebook layer, most documents first
    (ties by code), each with the best-ranked quote of ``quotes`` (05's ``code_quotes``) from
    a document that said it there; all at once, not per cell (a map has a hundred cells)."""
    keys = ["stage", "layer", "code"]
    said = fragments.dropna(subset=keys)
    counts = said.drop_duplicates([*keys, "source", "doc_id"]).groupby(keys).agg(
        documents=("doc_id", "size"), sources=("source", lambda s: ", ".join(sorted(set(s)))))
    best = {}
    if quotes is not None and len(quotes):
        documents = said[[*keys, "source", "doc_id"]].astype({"source": str, "doc_id": str}).drop_duplicates()
        ranked = quotes.merge(documents, on=["layer", "code", "source", "doc_id"]).sort_values("rank", kind="stable")
        best = ranked.drop_duplicates(keys).set_index(keys)["quote"].to_dict()
    coded: dict[tuple[str, str], list[Cell]] = {}
    for (stage, layer, code), documents, sources in zip(counts.index, counts["documents"], counts["sources"]):
        coded.setdefault((stage, layer), []).append(
            Cell(str(code), n=int(documents), unit="documents", source=f"coded_fragments ({sources})",
                 quote=best.get((stage, layer, code), "")))
    return {key: sorted(cells, key=lambda cell: -cell.n) for key, cells in coded.items()}


def _coded_cells(scope: _Scope, stage: str, layer: str, top: int) -> list[Cell]:
    """The ``top`` codes of a 05 layer at a stage (:func:`_coded`)."""
    return scope.coded.get((stage, layer), [])[:top]


def _funnel_row(scope: _Scope, crm_stages: list[str]) -> pd.Series | None:
    """06's funnel of a journey stage: its CRM stages' row (summed where several)."""
    rows = scope.funnel.reindex([s for s in crm_stages if s in scope.funnel.index])
    if not len(rows):
        return None
    if len(rows) == 1:
        return rows.iloc[0]
    first, last = rows.iloc[0], rows.iloc[-1]
    decided = first["reached"] - rows["open"].sum()
    return pd.Series({"reached": first["reached"], "moved_on": last["moved_on"], "lost": rows["lost"].sum(),
                      "open": rows["open"].sum(), "conversion": last["moved_on"] / decided if decided else np.nan,
                      "median_days": rows["median_days"].sum(min_count=1)})


def _crm_cells(scope: _Scope, crm_stages: list[str], all_lost: float, top: int) -> dict:
    """Conversion, drop-off, time in stage, engagement and lost reasons of a journey stage."""
    cells: dict[str, list[Cell]] = {}
    row = _funnel_row(scope, crm_stages)
    if row is None:
        return cells
    decided = int(row["reached"] - row["open"])
    if pd.notna(row["conversion"]):
        cells["conversion"] = [Cell(kind="conversion", value=float(row["conversion"]), n=decided, unit="deals",
                                    source="stage_funnel")]
    if row["lost"] > 0:
        share = row["lost"] / all_lost if all_lost else np.nan
        cells["drop_off"] = [Cell(kind="lost", value=float(share), n=int(row["lost"]), unit="deals",
                                  source="stage_funnel")]
    if pd.notna(row.get("median_days", np.nan)):
        p75 = row.get("p75_days", np.nan)
        cells["time_in_stage"] = [Cell(kind="days", value=float(row["median_days"]), n=int(row["moved_on"]),
                                       unit="deals", source="stage_funnel",
                                       detail={"p75": float(p75)} if pd.notna(p75) else {})]
    if scope.touches is not None:
        part = scope.touches[scope.touches["stage"].isin(crm_stages)]
        if len(part):
            mean = float(part["mean_touches"].sum())
            cells["engagement"] = [Cell(kind="touches", value=mean, n=int(part["cases"].max()), unit="deals",
                                        source="stage_touches" if scope.clients is None else "journey_touches")]
    if scope.lost is not None:
        part = scope.lost[scope.lost["stage"].isin(crm_stages) & scope.lost["reason"].ne(MISSING_REASON)]
        # a journey stage of several CRM stages: each reason once, its deals added up
        part = part.groupby("reason", sort=False)["cases"].sum().sort_values(ascending=False, kind="stable")
        lost = scope.lost.loc[scope.lost["stage"].isin(crm_stages), "cases"].sum()
        source = "lost_reasons" if scope.clients is None else "journey_lost_reasons"
        cells["barriers"] = [Cell(str(reason), value=float(n / lost), n=int(n), unit="deals", source=source)
                             for reason, n in part.head(top).items()]
    return cells


def _survey_cells(scope: _Scope, drivers: pd.DataFrame | None, respondents: int | None, stage: str) -> dict:
    """CSAT of a stage and its weight in NPS (``drivers``: 04's, indexed by stage)."""
    cells: dict[str, list[Cell]] = {}
    csat = scope.csat
    if csat is not None and stage in csat.index and csat.loc[stage, "n"] > 0:
        row = csat.loc[stage]
        source = "csat_by_stage" if scope.clients is None else "survey_scores"
        cells["csat"] = [Cell(kind="csat", value=float(row["satisfied"]), n=int(row["n"]), unit="respondents",
                              source=source, detail={"mean": float(row["mean"])})]
    if drivers is not None and stage in drivers.index:
        row = drivers.loc[stage]
        cells["moment_of_truth"] = [Cell(kind="truth" if bool(row["moment_of_truth"]) else "weight",
                                         value=float(row["importance"]), n=respondents, unit="respondents",
                                         source="survey_drivers")]
    return cells


def _voice_cells(scope: _Scope, stage: str, top: int, kinds: dict) -> dict:
    """What customers said about a stage: coded layers, emotion, touchpoints (each with its
    channel's kind, :func:`channel_kind` by ``kinds``), quotes."""
    cells: dict[str, list[Cell]] = {layer: _coded_cells(scope, stage, code_layer, top)
                                    for code_layer, layer in CODED.items()}
    emotions = scope.emotions
    if stage in emotions.index and emotions.loc[stage, "fragments"] > 0:
        row = emotions.loc[stage]
        cells["emotion"] = [Cell(kind="emotion", value=float(row["score"]), n=int(row["fragments"]),
                                 unit="fragments", source=scope.emotion_source)]
    points = scope.touchpoints
    points = points[(points["stage"] == stage) & (points["mentions"] > 0)]
    source = "touchpoints" if scope.clients is None else "coded_fragments"
    cells["touchpoints"] = [
        Cell(str(r["touchpoint"]), "touchpoint", float(r["valence"]), int(r["mentions"]), "fragments", source,
             detail={"online": bool(r["online"]), "channel_kind": channel_kind(r["channel"], kinds)})
        for _, r in points.sort_values("mentions", ascending=False, kind="stable").head(top).iterrows()]
    said = [c for layer in ("barriers", "pains", "positives") for c in cells[layer][:1] if c.quote]
    cells["quotes"] = [Cell(c.quote, "quote", n=c.n, unit=c.unit, source="code_quotes") for c in said[:2]]
    return cells


def channel_kind(channel, kinds: dict) -> str:
    """The kind of a touchpoint's ``channel`` (a code of :data:`cjm.core.params.CHANNEL_KINDS`):
    ``kinds`` (``maps.channel_kinds``: the client's channel value -> kind) wins, else the
    first kind of :data:`CHANNEL_KEYWORDS` a word of which the channel's name holds, else
    ``other`` (also without a channel)."""
    if not isinstance(channel, str) or not channel.strip():
        return "other"
    if channel in kinds:
        return kinds[channel]
    name = channel.lower().replace("ё", "е")
    return next((kind for kind, words in CHANNEL_KEYWORDS.items() if any(w in name for w in words)), "other")


def _written_cells(notes: dict, row: pd.Series | None) -> dict:
    """The consultant's layers of a stage (``maps.stages.<stage>``) and its KPI."""
    cells = {layer: [Cell(text, source="params") for text in ([notes[key]] if isinstance(notes.get(key), str)
                                                               else notes.get(key, []))]
             for layer, key in WRITTEN.items() if layer != "kpi"}
    kpi = notes.get("kpi")
    if kpi:
        current = float(row["conversion"]) if row is not None and pd.notna(row["conversion"]) else None
        cells["kpi"] = [Cell(str(kpi["name"]), "kpi", current,
                             int(row["reached"] - row["open"]) if current is not None else None, "deals",
                             "params, stage_funnel", kpi.get("target"))]
    return cells


def _entry_cells(tables: dict, journey: str | None, clients: int, top: int) -> list[Cell]:
    profiles = tables["journey_profiles"]
    if profiles is None:
        return []
    entry = profiles[profiles["block"] == "entry"]
    if journey is None:
        entry = entry.drop_duplicates("feature").assign(share=lambda f: f["overall"])
    else:
        entry = entry[entry["journey"].astype(str) == journey]
    entry = entry[entry["share"] > 0].sort_values("share", ascending=False, kind="stable").head(top)
    return [Cell(str(r["feature"]), "entry", float(r["share"]), clients, "clients", "journey_profiles")
            for _, r in entry.iterrows()]


def _curves(scope: _Scope, stages: list[str], segment_names: dict, min_gap: float, min_fragments: int) -> list[Curve]:
    """The scope's emotion curve, then each segment's where it differs from it by at least
    ``min_gap`` at a stage both have ``min_fragments`` fragments for."""
    from cjm.analysis.coding import emotion_by_stage

    fragments = scope.fragments
    if fragments is None or not len(fragments):
        return []
    whole = scope.emotions.reset_index()

    def curve(label, table):
        return Curve(label, [None if pd.isna(v) else float(v) for v in table["score"]],
                     [int(v) if pd.notna(v) else 0 for v in table["fragments"]])

    curves = [curve("all", whole)]
    if "segment" in fragments:
        for segment, part in fragments.dropna(subset=["segment"]).groupby("segment", sort=True):
            table = emotion_by_stage(part, stages)
            enough = (table["fragments"] >= min_fragments) & (whole["fragments"] >= min_fragments)
            gap = (table["score"] - whole["score"]).abs()[enough]
            if len(gap) and gap.max() >= min_gap:
                key = _segment_key(segment)
                curves.append(curve(f"{key}. {segment_names.get(key, '')}".rstrip(". "), table))
    return curves


def _segment_key(segment) -> str:
    """A segment's number as text (``1``, not ``1.0``), or its label as it is."""
    return str(int(segment)) if isinstance(segment, (int, float, np.integer, np.floating)) else str(segment)


#: Traits a persona card shows.
PERSONA_TRAITS = 3


def _trait_cell(trait: pd.Series, spec: dict) -> Cell:
    """A persona's trait (:func:`cjm.analysis.segment.profile_traits`' row): ``text`` the
    feature, ``value`` the segment's value; detail ``level`` (a category's, else empty),
    ``overall`` (all clients' value), ``effect``, and the feature's own words in params
    (``spec``: ``label``, ``low``, ``high``, ``format``, the level's ``level_word``) where given."""
    level = trait["level"] if isinstance(trait["level"], str) else ""
    words = {key: spec[key] for key in ("label", "low", "high", "format") if spec.get(key)}
    if level in (spec.get("levels") or {}):
        words["level_word"] = spec["levels"][level]
    return Cell(str(trait["feature"]), "trait", float(trait["segment_value"]), source="segment_profiles",
                detail={"level": level, "overall": float(trait["overall_value"]), "effect": float(trait["effect"]),
                        **words})


def _personas(tables: dict, scope: _Scope, clients: int, features: dict) -> list[Persona]:
    """A persona per segment with clients on the map, by segment number.

    Reads 03's ``segments`` (``client_id``, ``segment``, ``segment_name``) and
    ``segment_profiles`` (its strongest :data:`PERSONA_TRAITS` traits, ranked as 03's
    portraits by :func:`cjm.analysis.segment.top_traits`), and 04's ``nps_by_segment``
    (``segment``, ``n``, ``nps``, ``ci_low``, ``ci_high``); ``clients`` the map's clients, of
    whom each persona's ``share`` is; ``features`` feature -> its params (their words).
    """
    from cjm.analysis.segment import profile_traits, top_traits

    segments = tables["segments"]
    if segments is None or not len(segments):
        return []
    mine = segments if scope.clients is None else _rows_of(segments, scope.clients)
    profiles = tables["segment_profiles"]
    traits = profile_traits(profiles) if profiles is not None else None
    by_segment = {} if tables["nps_by_segment"] is None else \
        {_segment_key(r["segment"]): r for _, r in tables["nps_by_segment"].iterrows()}
    personas = []
    for (segment, name), part in mine.groupby(["segment", "segment_name"], sort=True):
        key = _segment_key(segment)
        strongest = [] if traits is None else \
            [_trait_cell(t, features.get(t["feature"]) or {}) for _, t in top_traits(traits, key, PERSONA_TRAITS).iterrows()]
        row = by_segment.get(key)
        nps_cell = None if row is None or pd.isna(row["nps"]) else \
            Cell(kind="nps", value=float(row["nps"]), n=int(row["n"]), unit="respondents", source="nps_by_segment",
                 detail={"low": float(row["ci_low"]), "high": float(row["ci_high"])})
        personas.append(Persona(key, str(name), len(part), len(part) / clients if clients else np.nan, strongest,
                                nps_cell))
    return personas


def _opportunities(model: JourneyMap, written: bool, voice: bool, top: int) -> None:
    """Fill each stage's ``opportunities`` layer from ``model.recommendations``: for its
    ``top`` barriers and pains in rank order, the action that removes each (kind ``action``)
    or the barrier whose action is not written yet (kind ``unwritten``). Empty: nothing
    written in ``maps.actions`` at all (``not_in_params``), no texts of customers
    (``no_source``, ``voice`` false), or no barrier at the stage (``none_found``)."""
    for stage in model.stages:
        ranked = [r for r in model.recommendations if r["stage"] == stage.name][:top] if written else []
        stage.cells["opportunities"] = [
            Cell(r["action"] or r["barrier"], "action" if r["action"] else "unwritten", n=r["documents"],
                 unit="documents", source="params" if r["action"] else "coded_fragments",
                 detail={"barrier": r["barrier"], "owner": r["owner"] or "", "effort": r["effort"] or ""})
            for r in ranked]
        stage.empty.pop("opportunities", None)
        if not ranked:
            stage.empty["opportunities"] = "not_in_params" if not written else "none_found" if voice else "no_source"


def _segment_cells(tables: dict, scope: _Scope, top: int) -> list[Cell]:
    segments = tables["segments"]
    if segments is None or scope.clients is None:
        return []
    mine = _rows_of(segments, scope.clients)
    counts = mine.groupby(["segment", "segment_name"]).size().sort_values(ascending=False).head(top)
    return [Cell(f"{s}. {name}", "segment", float(n / len(mine)), int(n), "clients", "segments")
            for (s, name), n in counts.items()]


def _nps_cell(scope: _Scope, confidence: float) -> Cell | None:
    from cjm.analysis.survey import nps

    if scope.scores is None or "nps" not in scope.scores or not scope.scores["nps"].notna().any():
        return None
    result = nps(scope.scores["nps"].dropna(), confidence)
    return Cell(kind="nps", value=float(result["nps"]), n=int(result["n"]), unit="respondents",
                source="survey_scores", detail={"low": float(result["ci_low"]), "high": float(result["ci_high"])})


def _mark_empty(stage: Stage, first: bool, present: dict[str, bool], notes: dict) -> None:
    """Say why each empty layer of a stage is empty (``notes``: the stage's params)."""
    for layer, sources in LAYERS.items():
        if stage.cells.get(layer):
            continue
        stage.cells[layer] = []
        if layer == "entry_points" and not first:
            stage.empty[layer] = "not_at_stage"
        elif layer in WRITTEN and not notes.get(WRITTEN[layer]):
            stage.empty[layer] = "not_in_params"
        elif not any(present.get(s.strip(), False) for s in sources.split(",")):
            stage.empty[layer] = "no_source"
        else:
            stage.empty[layer] = "none_found"


def _present(tables: dict) -> dict[str, bool]:
    return {"crm": tables["stage_funnel"] is not None,
            "survey": tables["survey_scores"] is not None or tables["csat_by_stage"] is not None,
            "interviews": tables["coded_fragments"] is not None and len(tables["coded_fragments"]) > 0,
            "params": True}


def build_map(tables: dict, stages: list[str], section: dict, survey: dict, codes=(),
              journey: str | None = None, features: dict | None = None) -> JourneyMap:
    """The map of one journey (``journey`` as in 06's ``journeys.journey``), or of all clients.

    Parameters
    ----------
    tables : dict of str to DataFrame or None
        The interim tables of :data:`TABLES` (None where a step wrote none).
    stages : list of str
        The journey stages, in order.
    section : dict
        How to build the maps (the validated ``maps`` section of the params: ``top``,
        ``stages`` notes, ``owners``, ``actions``, ``impact_weights``,
        ``segment_curves``, ``touchpoint_owners``, ``channel_kinds``).
    survey : dict
        ``satisfied_from`` and ``confidence`` of the survey.
    codes : list of cjm.analysis.coding.Code
        The codebook (touchpoints of a journey are recounted with it).
    journey : str, optional
        The journey; None for all clients.
    features : dict, optional
        The segment features' params (:func:`cjm.analysis.segment.feature_specs`), whose
        own words the personas' traits carry.

    Returns
    -------
    JourneyMap
    """
    top = section["top"]
    scope = _scope(tables, journey, stages, codes, survey)
    drivers = None if tables["survey_drivers"] is None else tables["survey_drivers"].set_index("driver")
    scores = tables["survey_scores"]
    respondents = None if scores is None or "nps" not in scores else int(scores["nps"].notna().sum())
    crm_of = _stage_of(tables["stage_funnel"]) or {s: [s] for s in stages}
    present = _present(tables)
    if scope.fragments is None:
        present["interviews"] = False
    labels = tables["journeys"]
    total = len(labels) if labels is not None else int(scope.funnel["reached"].iloc[0])
    clients = len(scope.clients) if scope.clients is not None else total
    all_lost = float(scope.funnel["lost"].sum())
    built = []
    for position, name in enumerate(stages):
        stage = Stage(name, crm_of.get(name, []))
        notes = section["stages"].get(name, {})
        row = _funnel_row(scope, stage.crm_stages)
        stage.cells.update(_written_cells(notes, row))
        crm = _crm_cells(scope, stage.crm_stages, all_lost, top)
        voice = _voice_cells(scope, name, top, section["channel_kinds"]) if present["interviews"] else {}
        for layer, items in {**voice, **_survey_cells(scope, drivers, respondents, name)}.items():
            stage.cells[layer] = stage.cells.get(layer, []) + items
        for layer, items in crm.items():
            stage.cells[layer] = stage.cells.get(layer, []) + items
        if position == 0:
            stage.cells["entry_points"] = _entry_cells(tables, journey, clients, top)
        _mark_empty(stage, position == 0, present, notes)
        built.append(stage)
    title = ""
    if journey is not None:  # 06's name: the one agreed with the client where there is one
        found = labels.loc[labels["journey"].astype(str) == journey, "journey_name"]
        title = found.iloc[0] if len(found) else journey
    segment_names = {} if tables["segments"] is None else dict(
        tables["segments"].drop_duplicates("segment").astype({"segment": str}).set_index("segment")["segment_name"])
    model = JourneyMap(journey or "all", str(title), clients, clients / total if total else np.nan, built,
                       nps=_nps_cell(scope, survey["confidence"]),
                       curves=_curves(scope, stages, segment_names, section["segment_curves"]["min_gap"],
                                      section["segment_curves"]["min_fragments"]),
                       segments=_segment_cells(tables, scope, top),
                       personas=_personas(tables, scope, clients, features or {}),
                       sources={k: v for k, v in present.items() if k != "params"})
    model.bottleneck = _bottleneck(model)
    if model.curves:
        scored = [(s, n) for s, n in zip(model.curves[0].scores, stages) if s is not None]
        model.low_point = min(scored)[1] if scored else None
    actions = section.get("actions") or {}
    model.recommendations = recommendations(model, section["owners"], section["impact_weights"], actions)
    _opportunities(model, bool(actions), present["interviews"], top)
    if journey is None:
        model.touchpoints = touchpoint_list(tables["touchpoints"], section, stages)
        if tables["lead_flows"] is not None:
            model.lead_flows = tables["lead_flows"].to_dict("records")
    return model


def build_maps(tables: dict, stages: list[str], section: dict, survey: dict, codes=(),
               features: dict | None = None) -> list[JourneyMap]:
    """The all-clients map, then one map per journey of 06 (by journey number); arguments
    as :func:`build_map`'s."""
    journeys = [] if tables["journeys"] is None else sorted(tables["journeys"]["journey"].unique())
    return [build_map(tables, stages, section, survey, codes, journey, features)
            for journey in [None, *(str(j) for j in journeys)]]


def _bottleneck(model: JourneyMap) -> str | None:
    """The stage losing the most deals."""
    lost = [(s.cells["drop_off"][0].value, s.name) for s in model.stages if s.cells.get("drop_off")]
    return max(lost)[1] if lost else None


def recommendations(model: JourneyMap, owners: dict | None = None, weights: dict | None = None,
                    actions: dict | None = None) -> list[dict]:
    """Barriers and pains customers named, ranked by their impact.

    Impact is the weighted mean of three shares, each divided by its largest value among
    the candidates so that all three count alike: deals lost at the barrier's stage (of
    all deals lost), documents naming the barrier (of those naming any barrier or pain),
    and the stage's weight in NPS (relative importance from 04's driver analysis). A
    component without a source (no survey, no CRM losses) is left out of the mean.

    Parameters
    ----------
    owners : dict, optional
        Barrier -> responsible unit (``maps.owners``); else the stage's owner from params.
    weights : dict, optional
        ``lost``, ``voice``, ``nps`` -> weight (default 1 each).
    actions : dict, optional
        Barrier -> ``action``, ``owner``, ``effort`` (``maps.actions``); its owner comes first.

    Returns
    -------
    list of dict
        ``rank``, ``stage``, ``barrier``, ``layer``, ``owner``, ``action`` and ``effort``
        (empty where no action is written), ``lost``, ``lost_share``,
        ``documents``, ``voice_share``, ``nps_weight``, ``impact``, ``top_lost_reason``;
        highest impact first.
    """
    owners, weights, actions = owners or {}, {"lost": 1, "voice": 1, "nps": 1, **(weights or {})}, actions or {}
    all_lost = sum(s.cells["drop_off"][0].n for s in model.stages if s.cells.get("drop_off"))
    rows = []
    for stage in model.stages:
        lost = stage.cells["drop_off"][0].n if stage.cells.get("drop_off") else None
        truth = stage.cells["moment_of_truth"][0].value if stage.cells.get("moment_of_truth") else None
        crm = [c for c in stage.cells.get("barriers", []) if c.unit == "deals"]
        stage_owner = ", ".join(c.text for c in stage.cells.get("owners", []))
        for layer in ("barriers", "pains"):
            for cell in (c for c in stage.cells.get(layer, []) if c.unit == "documents"):
                written = actions.get(cell.text, {})
                rows.append({"stage": stage.name, "barrier": cell.text, "layer": layer,
                             "owner": written.get("owner") or owners.get(cell.text, stage_owner),
                             "action": written.get("action", ""), "effort": written.get("effort", ""), "lost": lost,
                             "lost_share": lost / all_lost if lost is not None and all_lost else None,
                             "documents": cell.n, "nps_weight": truth,
                             "top_lost_reason": crm[0].text if crm else ""})
    if not rows:
        return []
    frame = pd.DataFrame(rows)
    frame["voice_share"] = frame["documents"] / frame["documents"].sum()
    weighted, total = 0.0, 0.0
    for column, key in (("lost_share", "lost"), ("voice_share", "voice"), ("nps_weight", "nps")):
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.notna().any() and values.max() > 0 and weights[key] > 0:
            weighted = weighted + (values / values.max()).fillna(0) * weights[key]
            total += weights[key]
    frame["impact"] = weighted / total if total else 0.0
    frame = frame.sort_values(["impact", "documents"], ascending=False, kind="stable", ignore_index=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    columns = ["rank", "stage", "barrier", "layer", "owner", "action", "effort", "lost", "lost_share", "documents", "voice_share",
               "nps_weight", "impact", "top_lost_reason"]
    return json.loads(frame[columns].to_json(orient="records", force_ascii=False))


def touchpoint_list(touchpoints: pd.DataFrame | None, section: dict, stages: list[str]) -> list[dict]:
    """05's touchpoint inventory with each touchpoint's owner (``maps.touchpoint_owners``,
    else its stage's owner): ``stage``, ``touchpoint``, ``channel``, ``online``,
    ``mentions``, ``documents``, ``crm_touches``, ``valence``, ``owner``; in stage order."""
    if touchpoints is None or not len(touchpoints):
        return []
    table = touchpoints.copy()
    stage_owner = {s: notes.get("owner", "") for s, notes in section["stages"].items()}
    table["owner"] = [section["touchpoint_owners"].get(t) or stage_owner.get(s, "")
                      for t, s in zip(table["touchpoint"], table["stage"])]
    table["order"] = table["stage"].map({s: i for i, s in enumerate(stages)})
    table = table.sort_values(["order", "mentions"], ascending=[True, False], kind="stable")
    columns = ["stage", "touchpoint", "channel", "online", "mentions", "documents", "crm_touches", "valence", "owner"]
    return json.loads(table[[c for c in columns if c in table]].to_json(orient="records", force_ascii=False))


# ----------------------------------------------------------------------------- JSON and tables


def _plain(value):
    """``value`` with numpy scalars as Python's and missing numbers as None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def to_dict(model: JourneyMap) -> dict:
    """The model as plain JSON types."""
    return _plain(asdict(model))


def from_dict(data: dict) -> JourneyMap:
    """A model back from :func:`to_dict`."""
    if data.get("version") != VERSION:
        raise CjmError(f"journey model version {data.get('version')!r} is not {VERSION}",
                       "rebuild the maps with this version of cjm (make all)")
    stages = [Stage(s["name"], s["crm_stages"], {k: [Cell(**c) for c in v] for k, v in s["cells"].items()}, s["empty"])
              for s in data["stages"]]
    nps_cell = Cell(**data["nps"]) if data.get("nps") else None
    personas = [Persona(**{**p, "traits": [Cell(**c) for c in p["traits"]],
                           "nps": Cell(**p["nps"]) if p.get("nps") else None}) for p in data["personas"]]
    return JourneyMap(**{**data, "stages": stages, "nps": nps_cell, "curves": [Curve(**c) for c in data["curves"]],
                         "segments": [Cell(**c) for c in data["segments"]], "personas": personas})


def model_table(models: list[JourneyMap]) -> pd.DataFrame:
    """Every item of every map, long: ``journey``, ``journey_name``, ``stage``, ``layer``,
    ``item``, ``text``, ``kind``, ``value``, ``n``, ``unit``, ``source``, ``target``, ``quote``,
    the numbers of :attr:`Cell.detail` (``p75``, ``mean``, ``low``, ``high``, ``online``,
    ``channel_kind``); empty
    layers as one row with ``empty`` saying why. The table a BI dashboard reads."""
    rows = []
    for model in models:
        for stage in model.stages:
            for layer in LAYERS:
                items = stage.cells.get(layer, [])
                for item, cell in enumerate(items, 1):
                    fields = {k: v for k, v in asdict(cell).items() if k != "detail"}
                    rows.append({"journey": model.journey, "journey_name": model.title, "stage": stage.name,
                                 "layer": layer, "item": item, **fields, **cell.detail, "empty": ""})
                if not items:
                    rows.append({"journey": model.journey, "journey_name": model.title, "stage": stage.name,
                                 "layer": layer, "item": 0, "text": "", "empty": stage.empty.get(layer, "")})
    return pd.DataFrame(rows)


def curve_table(models: list[JourneyMap]) -> pd.DataFrame:
    """The emotion curves, long: ``journey``, ``curve``, ``stage``, ``score``, ``fragments``."""
    return pd.DataFrame([{"journey": m.journey, "curve": c.label, "stage": s.name, "score": score, "fragments": n}
                         for m in models for c in m.curves for s, score, n in zip(m.stages, c.scores, c.fragments)])
