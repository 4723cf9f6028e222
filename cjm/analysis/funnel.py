"""Funnel and paths from the CRM's stage history: the core of 06_funnel.

A deal is a *case* that passes the params' ``stages`` in order. Its *furthest* stage is
the highest it has an event for: it *reached* every stage up to that one (a stage it
went past without an event was *skipped*) and *moved on* from each stage before it. At
its furthest stage a lost deal is *lost* and an open deal is *open*: open deals are
never counted as lost. The conversion of a stage is ``moved_on / (reached - open)``.

Events are taken in the order the CRM wrote them (``order="log"``), so a timestamp
that is out of order or tied does not reorder a deal's path; times are differences of
timestamps between consecutive events, and a negative one is left out and counted.
Everything set aside (unknown stage names, events without a time or without a known
deal, deals without events) is counted in :attr:`StageLog.checks`.

A log of millions of events is worked on as integer codes: cases are positions in the
cases table and stages positions in the stage (or activity) names, the events are put in
case order by one stable sort of their runs, edges are ``source * k + target`` (their median
times from one sort of edge and gap packed in an int64) and paths the bytes of their codes,
encoded by Arrow; no Python loop runs over cases or events.

Every analysis also takes a log kept in DuckDB or Spark (:class:`cjm.analysis.enginelog.EngineLog`):
the event-level parts are methods of the two logs (numpy here, SQL there), each giving a
per-case array or a small table (:attr:`StageLog.entered`, :attr:`StageLog.won_entry`,
:meth:`StageLog.stay_stats`, :meth:`StageLog.follow_counts`, :meth:`StageLog.variant_table`,
:meth:`StageLog.touch_stages`), and everything built on them is one code for both.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cjm.core.errors import CjmError

DAY = np.timedelta64(1, "D")
#: Outcomes of a case; a case with another or no outcome is an error of the caller.
OUTCOMES = ("won", "lost", "open")
START = "start"
#: Codes the funnel's tables write for what the data do not say (the report phrases them): a
#: lost case without a recorded reason, a lost case without a touch at its last stage, and
#: the variants not listed one by one.
MISSING_REASON, NO_TOUCH, OTHER_VARIANTS = "missing_reason", "no_touch", "other_variants"


class CaseViews:
    """What a log (:class:`StageLog` in pandas, :class:`cjm.analysis.enginelog.EngineLog` in an
    engine) tells of its cases, the same for both: they hold ``cases``, ``stages``, ``won``
    and give :attr:`entered`."""

    @property
    def last(self) -> int:
        """Position of the stage a journey ends at: the won stage, else the last stage."""
        return len(self.stages) - 1 if self.won is None else self.won

    @cached_property
    def outcomes(self) -> np.ndarray:
        """Each case's outcome as its position in :data:`OUTCOMES` (compared, never converted)."""
        codes = np.full(len(self.cases), -1, dtype=np.int8)
        for code, name in enumerate(OUTCOMES):
            codes[(self.cases["outcome"] == name).to_numpy(dtype=bool)] = code
        return codes

    @property
    def has_events(self) -> bool:
        """Whether any case has an event at a stage of the funnel."""
        return bool((self.entered != 0).any())

    def entered_stages(self) -> np.ndarray:
        """Cases x stages: True where the case has an event at the stage (from :attr:`entered`)."""
        return (self.entered[:, None] >> np.arange(len(self.stages))) & 1 == 1


@dataclass
class StageLog(CaseViews):
    """A stage history ready for the funnel.

    Attributes
    ----------
    events : DataFrame
        ``case`` (position in ``cases``), ``stage`` (position in ``stages``), ``at``
        (datetime64), grouped by case, each case's events in log (or time) order; events
        of unknown stages, without a time or of unknown cases are not in it.
    cases : DataFrame
        One row per case, in case order: ``case_id``, ``outcome``, ``created_at``,
        ``closed_at``, the attributes the caller passed (segment, channel, ...) and
        ``furthest`` (position of the furthest stage; -1 for a case with no place in the
        funnel).
    stages : list of str
    won : int or None
        Position of the won stage.
    checks : DataFrame
        ``check``, ``count``, ``unit``, ``treatment``: what was found and what was done.
    unknown_stages : DataFrame
        ``stage``, ``rows``: stage names outside ``stages`` and ``ignore``, most frequent first.
    activities : DataFrame or None
        As ``events``, with every activity of an event log, the funnel's stages and the
        others (``stage``: position in ``activity_names``); None when the paths are the
        funnel's stages only (then :attr:`steps` are the events).
    activity_names : list of str
        The funnel's stages, then the other activities, most frequent first.
    history : bool
        False when the engagement has no stage history: cases go from the lead to their
        outcome, so no stage is skipped.
    """

    events: pd.DataFrame
    cases: pd.DataFrame
    stages: list[str]
    won: int | None
    checks: pd.DataFrame
    unknown_stages: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["stage", "rows"]))
    activities: pd.DataFrame | None = None
    activity_names: list[str] = field(default_factory=list)
    history: bool = True

    # Views of the log that several analyses read, computed once.
    @cached_property
    def starts(self) -> np.ndarray:
        """Position in ``events`` of each case's first event (cases with events only)."""
        return _starts(self.events)

    @cached_property
    def ends(self) -> np.ndarray:
        """Position in ``events`` of each case's last event."""
        return _ends(self.events, self.starts)

    @cached_property
    def steps(self) -> tuple[pd.DataFrame, list[str], np.ndarray, np.ndarray]:
        """What the paths are made of: the activities (or the stage events), their names,
        and each case's first and last position among them."""
        if self.activities is None:
            return self.events, self.stages, self.starts, self.ends
        starts = _starts(self.activities)
        return self.activities, self.activity_names, starts, _ends(self.activities, starts)

    @cached_property
    def first_visits(self) -> np.ndarray:
        """For each event, the position in ``events`` of its case's first event at its stage."""
        case, stage = self.events["case"].to_numpy(), self.events["stage"].to_numpy()
        first = np.arange(len(case))
        for code in range(len(self.stages)):  # one pass a stage (a few), none a case
            rows = np.flatnonzero(stage == code)
            run = np.ones(len(rows), dtype=bool)  # the case's first event at the stage
            run[1:] = case[rows][1:] != case[rows][:-1]
            first[rows] = rows[run][np.cumsum(run) - 1]
        return first

    @cached_property
    def visits(self) -> pd.DataFrame:
        """The first event of each case at each stage it entered."""
        return self.events.iloc[np.flatnonzero(self.first_visits == np.arange(len(self.events)))]

    @cached_property
    def stays(self) -> pd.DataFrame:
        """:func:`_stays` of this log."""
        return _stays(self)

    # The event-level parts of the analyses (SQL in an EngineLog), each a small table.
    @cached_property
    def entered(self) -> np.ndarray:
        """Per case, the stages it has an event at as a bitmask (bit ``s``: stage ``s``); 0: no event."""
        visits = self.visits
        mask = np.zeros(len(self.cases), dtype=np.int64)
        if len(visits):
            starts = _starts(visits)
            bits = np.left_shift(1, visits["stage"].to_numpy().astype(np.int64))
            mask[visits["case"].to_numpy()[starts]] = np.add.reduceat(bits, starts)
        return mask

    @cached_property
    def won_entry(self) -> np.ndarray:
        """Per case, the time of its first event at the won stage (NaT: none, or no won stage)."""
        entry = np.full(len(self.cases), np.datetime64("NaT"), dtype=self.events["at"].to_numpy().dtype)
        if self.won is not None:
            visits = self.visits[self.visits["stage"].to_numpy() == self.won]
            entry[visits["case"].to_numpy()] = visits["at"].to_numpy()
        return entry

    def touch_stages(self, case: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The stage (float; NaN: the case has no events) each case was in at each time: that of
        its last event at or before it, its first stage before its first event. ``at`` sorted."""
        ev = self.events.sort_values("at", kind="stable")
        stage = pd.merge_asof(pd.DataFrame({"case": case, "at": at}), ev, on="at", by="case",
                              direction="backward")["stage"]
        first = pd.Series(self.events["stage"].to_numpy()[self.starts],
                          index=self.events["case"].to_numpy()[self.starts])
        return stage.fillna(pd.Series(case).map(first)).to_numpy(dtype=float)

    def stay_stats(self, codes: np.ndarray) -> pd.DataFrame:
        """Stays (:func:`_stays`) per group and stage: ``moved_on_cases``, ``median_days``,
        ``p75_days``, ``p90_days`` (of the stays that moved on), ``lost_cases``,
        ``median_days_to_loss``; index ``group`` (the code in ``codes``, a case's group; -1:
        none), ``stage``; only pairs with a stay of known length."""
        per = self.stays
        group = codes[per["case"].to_numpy()]
        per = per[group >= 0].assign(group=group[group >= 0])
        keys = ["group", "stage"]
        moved = per[per["left"] == "moved_on"].dropna(subset=["days"])
        lost = per[per["left"] == "lost"].dropna(subset=["days"])
        table = _quantiles(moved.groupby(keys), "days")
        table.insert(0, "moved_on_cases", moved.groupby(keys).size())
        losses = lost.groupby(keys)["days"].agg(lost_cases="size", median_days_to_loss="median")
        return table.join(losses, how="outer")

    def follow_counts(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """The transitions between steps (:attr:`steps`) of a case.

        Returns
        -------
        edges : DataFrame
            ``source``, ``target`` (step codes), ``cases``, ``median_days`` (negative gaps left
            out), one row per edge that occurs, by ``source * k + target``.
        first : ndarray
            Cases whose first step is each step.
        final : ndarray
            Steps x outcomes: cases whose last step is the step, by outcome.
        """
        steps, names, starts, last = self.steps
        case, stage, at = (steps[c].to_numpy() for c in ("case", "stage", "at"))
        k = len(names)
        # an edge is the integer source * k + target, k * k between two cases: counted by bincount,
        # its median time from one sort of the edges and their gaps in clock ticks, edges in the
        # order of their codes; no array of the pairs within cases is gathered
        apart = case[1:] != case[:-1]
        key = np.multiply(stage[:-1], k, dtype=np.int64)
        key += stage[1:]
        key[apart] = k * k
        counts = np.bincount(key, minlength=k * k + 1)[:k * k]
        edge = np.flatnonzero(counts)
        ticks = np.diff(at.view(np.int64))
        ticks[apart] = 0
        median = _median_days(key, ticks, k * k, at.dtype)[edge]
        edges = pd.DataFrame({"source": edge // k, "target": edge % k, "cases": counts[edge], "median_days": median})
        first = np.bincount(stage[starts], minlength=k)
        final = np.bincount(stage[last].astype(np.int64) * len(OUTCOMES) + self.outcomes[case[last]],
                            minlength=k * len(OUTCOMES)).reshape(k, len(OUTCOMES))
        return edges, first, final

    def variant_table(self, coverage: float, most: int | None) -> tuple[pd.DataFrame, dict | None, int]:
        """The variants listed one by one and the rest (see :func:`variants`).

        Returns
        -------
        head : DataFrame
            ``codes`` (each variant's step codes), ``stages``, ``cases``, ``share``,
            ``cumulative_share``, ``won``, ``lost``, ``open``, ``median_days``; most cases first.
        rest : dict or None
            ``variants``, ``cases``, ``share``, the outcomes and ``median_days`` of the rest.
        count : int
            How many distinct variants there are.
        """
        steps, names, starts, ends = self.steps
        ids, lengths = _path_ids(steps["stage"].to_numpy(), starts)
        outcome = self.outcomes[steps["case"].to_numpy()[starts]]
        at = steps["at"].to_numpy()
        frame = pd.DataFrame({"length": lengths, "first": starts, "days": (at[ends] - at[starts]) / DAY,
                              "variant": ids})
        table = frame.groupby("variant").agg(length=("length", "first"), cases=("first", "size"),
                                             first=("first", "min"), median_days=("days", "median"))
        ended = np.bincount(ids * len(OUTCOMES) + outcome, minlength=len(table) * len(OUTCOMES))
        table = table.join(pd.DataFrame(ended.reshape(-1, len(OUTCOMES)), columns=list(OUTCOMES)))
        table = table.sort_values(["cases", "first"], ascending=[False, True])
        total = table["cases"].sum()
        table["share"] = table["cases"] / total if total else 0.0
        table["cumulative_share"] = table["share"].cumsum()
        shown = _rows_covering(table["cumulative_share"].to_numpy(), coverage)
        shown = min(shown, most) if most else shown
        head, rest = table.iloc[:shown].reset_index(drop=True), table.iloc[shown:]
        stage_of = steps["stage"].to_numpy()
        head["codes"] = [stage_of[s:s + n] for s, n in zip(head["first"], head["length"])]
        head = head.rename(columns={"length": "stages"})
        other = None
        if len(rest):
            other = {"variants": len(rest), "cases": rest["cases"].sum(), "share": rest["share"].sum(),
                     "median_days": frame.loc[frame["variant"].isin(rest.index), "days"].median(),
                     **{o: rest[o].sum() for o in OUTCOMES}}
        return head, other, len(table)


def _starts(events: pd.DataFrame) -> np.ndarray:
    return _run_starts(events["case"].to_numpy())


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if len(values) else np.zeros(0, dtype=np.int64)


def _ends(events: pd.DataFrame, starts: np.ndarray) -> np.ndarray:
    return np.r_[starts[1:], len(events)] - 1 if len(events) else starts


def _median_days(group: np.ndarray, ticks: np.ndarray, groups: int, dtype: np.dtype) -> np.ndarray:
    """Per group (``0 .. groups - 1``), the median in days of the gaps ``ticks`` (int64, in
    the unit of the datetime ``dtype``) that are not negative; NaN for a group without any.
    Gaps of group ``groups`` are left out.

    The same floats as pandas' median of the gaps as days: the two middle gaps of a group
    are found by one sort of ``group`` and ``ticks`` packed into one int64 (by pandas where
    they do not fit), then each is divided by a day and the two averaged. ``group`` and
    ``ticks`` are overwritten.
    """
    day = DAY.astype(f"m8[{np.datetime_data(dtype)[0]}]").astype(np.int64)
    negative = ticks < 0
    group[negative] = groups  # a group of its own, after the others, never read
    ticks[negative] = 0
    counts = np.bincount(group, minlength=groups + 1)[:groups]
    has = np.flatnonzero(counts)
    median = np.full(groups, np.nan)
    shift = int(ticks.max()).bit_length() if len(ticks) else 0
    if shift + groups.bit_length() > 62:
        kept = group < groups
        median[has] = pd.Series(ticks[kept] / day).groupby(group[kept]).median().to_numpy()
        return median
    group <<= shift
    group |= ticks
    group.sort()
    group &= (1 << shift) - 1  # the gaps, by group and then by length
    low = np.cumsum(counts)[has] - counts[has]
    median[has] = (group[low + (counts[has] - 1) // 2] / day + group[low + counts[has] // 2] / day) / 2
    return median


def _arrow(values: pd.Series) -> pa.ChunkedArray | None:
    """The column's Arrow data when pandas holds it in Arrow (its strings), else None."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return pa.chunked_array(values.array.__arrow_array__())
    return None


def _factorize(values: pd.Series) -> tuple[list[np.ndarray], pd.Index, np.ndarray]:
    """Codes of a long column of a few distinct values, the values in order of appearance and
    the rows of each; a missing value's code is one past the last (it picks what a lookup
    table appends) and its rows are counted last. Arrow strings are encoded by Arrow chunk by
    chunk (every chunk's codes refer to one dictionary) and their codes are left in those
    pieces: no column of the length of the log is made."""
    array = _arrow(values)
    if array is None:
        codes, distinct = pd.factorize(values)
        codes = np.where(codes < 0, len(distinct), codes)
        return [codes], pd.Index(distinct, dtype=object), np.bincount(codes, minlength=len(distinct) + 1)
    encoded = pc.dictionary_encode(array)
    dictionary = encoded.chunks[-1].dictionary if encoded.num_chunks else pa.array([], array.type)
    pieces = [chunk.indices.fill_null(len(dictionary)).to_numpy() for chunk in encoded.chunks]
    rows = np.zeros(len(dictionary) + 1, dtype=np.int64)
    for piece in pieces:
        rows += np.bincount(piece, minlength=len(rows))
    return pieces, pd.Index(dictionary.to_pylist(), dtype=object), rows


def _case_runs(ids: pd.Series, keys: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """The runs of equal ``ids`` (a log is written case by case): where each begins and the
    position in ``keys`` of its id (-1 where absent or missing); and how many keys repeat one
    before them (a missing key counted as a value; none for a valid table).

    Arrow strings are looked up by Arrow: the keys and the first id of each run are found in
    one hash set of the keys, so each distinct string is hashed about twice and no column is
    copied whole.
    """
    events, table = _arrow(ids), _arrow(keys)
    if events is None or table is None:
        repeated = int(keys.duplicated().sum())
        codes, distinct = pd.factorize(ids)
        found = pd.Index(keys).get_indexer(distinct) if not repeated else np.full(len(distinct), -1)
        positions = np.append(found, -1)[codes]
        starts = _run_starts(positions)
        return starts, positions[starts], repeated
    starts = np.zeros(min(len(ids), 1), dtype=np.int64)
    if len(ids) > 1:  # a missing id is a run of its own
        change = pc.not_equal(events[1:], events[:-1]).fill_null(True).to_numpy(zero_copy_only=False)
        starts = np.r_[starts, np.flatnonzero(change) + 1]
    # the first id of each run, taken chunk by chunk (a take across chunks would join them all)
    edges = np.cumsum([0] + [len(chunk) for chunk in events.chunks])
    bounds = np.searchsorted(starts, edges)
    firsts = [chunk.take(pa.array(starts[lo:hi] - edge))
              for chunk, edge, lo, hi in zip(events.chunks, edges, bounds[:-1], bounds[1:])]
    # a key's first position among the keys, or an id's; a missing id or key finds none (-1).
    # The hash set is grown in the system's allocator: in Arrow's default (mimalloc) its growth
    # costs a third more time in page faults (10 million events: 0.15 s)
    found = pc.index_in(pa.chunked_array(table.chunks + [first.cast(table.type) for first in firsts], type=table.type),
                        value_set=table.combine_chunks(), skip_nulls=True,
                        memory_pool=pa.system_memory_pool()).fill_null(-1).to_numpy()
    key_codes, run_codes = found[:len(keys)], found[len(keys):]
    # a key is repeated unless it is its own first occurrence (one missing key is a value)
    repeated = len(keys) - int(np.count_nonzero(key_codes == np.arange(len(keys)))) - int(table.null_count > 0)
    return starts, run_codes.astype(np.int64), repeated


def _case_order(starts: np.ndarray, run_case: np.ndarray, at: np.ndarray,
                by_time: bool) -> tuple[np.ndarray | slice, np.ndarray]:
    """The stable order of events by case (then time, ``by_time``) and each event's case in
    that order, from the runs of one case (``starts``, ``run_case``; a log written case by case
    is one run a case): the runs are put in case order whole, then ordered by time where a
    case's times are not (a missing time first, as the least). All rows as they are when
    they already are in that order."""
    order, lengths = slice(None), np.diff(np.r_[starts, len(at)])
    if (np.diff(run_case) < 0).any():
        runs = _run_order(run_case)
        first, lengths, run_case = starts[runs], lengths[runs], run_case[runs]
        # one step a row, a jump where a run begins: the running sum is the order
        order = np.ones(len(at), dtype=np.int64)
        order[0] = first[0]
        order[np.cumsum(lengths[:-1])] = first[1:] - first[:-1] - lengths[:-1] + 1
        np.cumsum(order, out=order)
    case = np.repeat(run_case, lengths)
    if by_time:
        at = at[order].view(np.int64)
        if ((case[1:] == case[:-1]) & (at[1:] < at[:-1])).any():
            order = np.arange(len(case))[order][np.lexsort((at, case))]
    return order, case


def _run_order(run_case: np.ndarray) -> np.ndarray:
    """The stable order of runs by their case: each run put at its case where every run is a
    known case of its own (a log written case by case), no sort; else a stable sort."""
    if run_case.min() >= 0:
        slot = np.full(int(run_case.max()) + 1, -1, dtype=np.int64)
        slot[run_case] = np.arange(len(run_case))
        runs = slot[slot >= 0]
        if len(runs) == len(run_case):
            return runs
    return np.argsort(run_case, kind="stable")


def _datetimes(values: pd.Series) -> np.ndarray:
    """The column's times as datetime64: its own array when it holds them (nothing copied)."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "M":
        return values.to_numpy()
    return pd.to_datetime(values).to_numpy()


def _event_frame(case: np.ndarray, stage: np.ndarray, at: np.ndarray) -> pd.DataFrame:
    """The log's events: ``case`` (int64), ``stage`` (int16), ``at``."""
    return pd.DataFrame({"case": case.astype(np.int64, copy=False), "stage": stage.astype(np.int16, copy=False),
                         "at": at}, copy=False)


def _runs(ordered: np.ndarray) -> int:
    """How many distinct values a sorted array has."""
    return int(np.count_nonzero(ordered[1:] != ordered[:-1]) + 1) if len(ordered) else 0


def prepare_log(stage_events: pd.DataFrame | None, cases: pd.DataFrame, stages: list[str],
                won_stage: str | None = None, ignore: tuple[str, ...] | list[str] = (), order: str = "log",
                case: str = "deal_id", stage: str = "stage", at: str = "entered_at",
                lost_stage: str | None = "lost_stage", activities: bool = False) -> StageLog:
    """Check a stage history against its cases and put it in funnel order.

    Parameters
    ----------
    stage_events : DataFrame or None
        One row per stage entry: ``case``, ``stage``, ``at`` columns (names as given).
        None when the engagement has no stage history: every case is placed by its
        outcome, a won one at the won stage, a lost one at its recorded lost stage or
        the first, an open one at the first (the funnel is lead -> outcome).
    cases : DataFrame
        One row per case: ``case``, ``outcome`` (won/lost/open), optionally
        ``created_at``, ``closed_at``, ``lost_stage`` (the CRM's own record) and any attributes.
    stages : list of str
        Stages in journey order.
    won_stage : str, optional
        The stage that ends a won deal.
    ignore : list of str
        Stage names that are not steps of the journey (e.g. "Архив"): left out, counted.
    order : {"log", "time"}
        A case's events in the order of the rows (as the CRM wrote them) or by time.
    case : str
        Column of the case id, in ``stage_events`` and ``cases`` (renamed ``case_id`` in the log).
    stage : str
        Column of ``stage_events`` with the stage name.
    at : str
        Column of ``stage_events`` with the time the stage was entered (read with ``pd.to_datetime``).
    lost_stage : str or None
        Column of ``cases`` with the CRM's recorded lost stage, if it has one: places a lost
        case without events; otherwise only compared with the history (counted in the checks).
    activities : bool
        Keep every activity of the history, not only the funnel's stages, for the paths
        (an event log's work items and outcomes).

    Returns
    -------
    StageLog
        ``events`` (``case``, ``stage``, ``at``), ``cases`` (the cases' columns with
        ``case_id``, ``created_at``, ``closed_at`` (NaT where absent) and ``furthest``),
        ``checks`` (``check``, ``count``, ``unit``, ``treatment``), ``unknown_stages``.

    Raises
    ------
    CjmError
        A missing column, a repeated case, an outcome other than won/lost/open, an unknown ``order``.
    """
    history = stage_events is not None
    if not history:
        stage_events = pd.DataFrame({case: pd.Series(dtype="str"), stage: pd.Series(dtype="str"),
                                     at: pd.Series(dtype="datetime64[us]")})
    for name, frame, columns in (("stage events", stage_events, (case, stage, at)),
                                 ("cases", cases, (case, "outcome"))):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise CjmError(f"{name}: no column {', '.join(missing)}", f"expected the columns {', '.join(columns)}")
    if order not in ("log", "time"):
        raise CjmError(f"funnel order {order!r} is unknown", "use 'log' (the order of the rows) or 'time'")
    starts, run_case, repeated = _case_runs(stage_events[case], cases[case])
    if repeated:
        raise CjmError(f"cases: {repeated} repeated {case}", "pass one row per case")
    table = case_table(cases, case)
    checks = []

    def check(name: str, count: int, unit: str, treatment: str) -> None:
        checks.append({"check": name, "count": int(count), "unit": unit, "treatment": treatment})

    # codes first: a log has millions of rows but few stage names, so what a name is (a stage,
    # ignored, another activity) is decided once a name and gathered once a row (a missing
    # name picks the appended "not found"); the cases were found once a run of rows above
    pieces, names, rows_of = _factorize(stage_events[stage])  # rows_of: last, rows without a name
    name_step, unknown_names, activity_names = classify_names(names, rows_of, stages, ignore, activities,
                                                              history, check)
    times = _datetimes(stage_events[at])
    no_time = np.isnat(times)
    no_case = run_case < 0
    if history:
        row_checks(no_time.sum(), np.diff(np.r_[starts, len(times)])[no_case].sum(), check)
    lookup = np.append(name_step, -1).astype(np.int16)
    step_codes = np.concatenate([lookup[piece] for piece in pieces]) if pieces else np.zeros(0, dtype=np.int16)
    ordered, case_of = _case_order(starts, run_case, times, order == "time")  # all rows, then those kept
    dropped = (step_codes < 0) | no_time
    if dropped.any() or no_case.any():
        kept = ~dropped[ordered] & (case_of >= 0)
        ordered, case_of = np.arange(len(times))[ordered][kept], case_of[kept]
    stage_of, at_of = step_codes[ordered], times[ordered]
    trail = None
    if activities:  # every activity, sorted once; the funnel's stages (codes first) are the events
        trail = _event_frame(case_of, stage_of, at_of)
        staged = stage_of < len(stages)
        case_of, stage_of, at_of = case_of[staged], stage_of[staged], at_of[staged]
    events = _event_frame(case_of, stage_of, at_of)

    same = case_of[1:] == case_of[:-1]  # each event after the first: of the case of the one before
    earlier = same & (at_of[1:] < at_of[:-1])
    tied = same & (at_of[1:] == at_of[:-1])
    # the highest stage so far in the case: offset by case, one running maximum runs over all cases
    offset = case_of * (len(stages) + 1)
    running = np.maximum.accumulate(offset + stage_of) if len(case_of) else offset
    running -= offset
    back = same & (stage_of[1:] < running[:-1])
    if history:
        event_checks(earlier.sum(), _runs(case_of[1:][tied]), _runs(case_of[1:][back]), check)

    furthest = np.full(len(table), -1, dtype=np.int64)
    starts = _run_starts(case_of)
    if len(events):
        furthest[case_of[starts]] = np.maximum.reduceat(stage_of.astype(np.int64), starts)
    won = place_cases(table, furthest, stages, won_stage, lost_stage, history, check)
    table["furthest"] = furthest
    return StageLog(events=events, cases=table, stages=list(stages), won=won, checks=pd.DataFrame(checks),
                    unknown_stages=unknown_names, activities=trail, activity_names=activity_names, history=history)


def case_table(cases: pd.DataFrame, case: str) -> pd.DataFrame:
    """The cases as a log holds them: ``case`` renamed ``case_id``, ``created_at`` and
    ``closed_at`` (NaT where absent), a fresh index; :class:`CjmError` on an outcome other
    than won/lost/open."""
    bad = ~cases["outcome"].isin(OUTCOMES)
    if bad.any():
        raise CjmError(f"cases: outcome {sorted(set(cases.loc[bad, 'outcome'].astype(str)))[:5]} is not one of "
                       f"{list(OUTCOMES)}", "map the CRM's statuses onto won/lost/open (params clean.tables.deals)")
    table = cases.rename(columns={case: "case_id"}).reset_index(drop=True)
    for column in ("created_at", "closed_at"):
        if column not in table:
            table[column] = pd.Series(pd.NaT, index=table.index, dtype="datetime64[us]")
    return table


def classify_names(names: pd.Index, rows_of: np.ndarray, stages: list[str], ignore, activities: bool,
                   history: bool, check) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    """What each stage name of a log is, and the checks of the rows by their names.

    Parameters
    ----------
    names : Index
        The distinct stage names, in order of first appearance in the log.
    rows_of : ndarray
        Rows of each name, and last the rows without a name.
    stages, ignore, activities, history
        As :func:`prepare_log`.
    check : callable
        ``check(name, count, unit, treatment)``.

    Returns
    -------
    name_step : ndarray of int
        Each name's step: a stage's position or, with every activity, an activity's position
        in ``activity_names`` (after the stages, most frequent first); -1 leaves its rows out.
    unknown_names : DataFrame
        ``stage``, ``rows``: names outside ``stages`` and ``ignore``, most frequent first.
    activity_names : list of str
        The stages and then the unknown names with every activity, else empty.
    """
    name_stage = pd.Index(list(stages)).get_indexer(names)
    name_ignored = names.isin(list(ignore))
    unknown_rows = np.where((name_stage < 0) & ~name_ignored, rows_of[:-1], 0)
    frequent = np.argsort(-unknown_rows, kind="stable")  # ties in order of appearance
    frequent = frequent[unknown_rows[frequent] > 0]
    unknown_names = pd.DataFrame({"stage": names.to_numpy()[frequent], "rows": unknown_rows[frequent]})
    if history:
        check("stage events", rows_of.sum(), "rows", "read")
        check("events of stages outside the funnel", unknown_rows.sum(), "rows",
              "kept in the paths and the process map, not in the funnel" if activities else
              "left out; add the names to 'stages' or 'funnel.ignore_stages'")
        check("events of ignored stages", rows_of[:-1][name_ignored].sum(), "rows", "left out (funnel.ignore_stages)")
        check("events without a stage", rows_of[-1], "rows", "left out")
    activity_names = list(stages) + unknown_names["stage"].tolist() if activities else []
    name_step = pd.Index(activity_names).get_indexer(names) if activities else name_stage
    return name_step, unknown_names, activity_names


def row_checks(no_time: int, no_case: int, check) -> None:
    """The checks of rows left out for their time or case."""
    check("events without a time", no_time, "rows", "left out")
    check("events of cases not in the cases table", no_case, "rows", "left out")


def event_checks(earlier: int, tied_cases: int, back_cases: int, check) -> None:
    """The checks of a history's order: events earlier than the one before, cases with tied
    times, cases that went back."""
    check("events earlier than the event before them", earlier, "rows",
          "kept in log order; the negative time before them is left out of times in stage")
    check("cases with events at the same time", tied_cases, "cases", "kept in log order")
    check("cases that went back to an earlier stage", back_cases, "cases",
          "counted once per stage in the funnel; their repeats are in the paths")


def place_cases(table: pd.DataFrame, furthest: np.ndarray, stages: list[str], won_stage: str | None,
                lost_stage: str | None, history: bool, check) -> int | None:
    """Each case's final furthest stage from the furthest stage of its events, and its checks.

    A won case whose history stops short is counted at the won stage; a case without events
    is placed by its outcome (won: the won stage; lost: its recorded lost stage, where the
    cases have one; without any stage history every case not won is at the first stage).

    Parameters
    ----------
    table : DataFrame
        The cases: ``outcome`` and, when given, the ``lost_stage`` column.
    furthest : ndarray of int64
        Per case, the position of the furthest stage of its events (-1: none); changed in place.
    stages : list of str
    won_stage : str or None
    lost_stage : str or None
        Column of ``table`` with the CRM's recorded lost stage.
    history : bool
        False when there is no stage history at all.
    check : callable
        ``check(name, count, unit, treatment)`` records a check.

    Returns
    -------
    int or None
        Position of the won stage.
    """
    won = list(stages).index(won_stage) if won_stage else None
    # compared as the column is held (Arrow strings: no Python string a case)
    won_case, lost_case = ((table["outcome"] == name).to_numpy(dtype=bool) for name in ("won", "lost"))
    if won is not None and history:
        short = won_case & (furthest >= 0) & (furthest < won)
        check("won cases whose history stops before the won stage", short.sum(), "cases",
              "counted as having reached the won stage")
        furthest[short] = won
        beyond = ~won_case & (furthest >= won)
        check("cases at the won stage not marked won", beyond.sum(), "cases", "counted by their outcome")
    silent = furthest < 0
    if history:
        check("cases without stage events", silent.sum(), "cases", "placed by their outcome where it tells the stage")
    else:
        check("cases without a stage history", silent.sum(), "cases", "placed by their outcome: lead -> outcome")
    furthest[silent & won_case] = len(stages) - 1 if won is None else won
    if lost_stage and lost_stage in table:
        recorded = pd.Index(list(stages)).get_indexer(table[lost_stage])
        placed = silent & lost_case & (recorded >= 0)
        furthest[placed] = recorded[placed]
        lost = lost_case & ~silent & (recorded >= 0)
        check("lost cases whose CRM lost stage differs from their furthest stage",
              (lost & (recorded != furthest)).sum(), "cases", "the furthest stage of the history is used")
    if not history:
        furthest[(furthest < 0) & ~won_case] = 0
    check("cases without stage events and a known stage", (furthest < 0).sum(), "cases",
          "left out of the funnel (listed in the checks)")
    return won


def _group_codes(log: CaseViews, by: str | None) -> tuple[np.ndarray, list]:
    """Each case's group number under ``by`` (all cases one group without it) and the groups."""
    if by is None:
        return np.zeros(len(log.cases), dtype=np.int64), ["all"]
    if by not in log.cases:
        raise CjmError(f"no case attribute {by!r} to break the funnel down by",
                       f"expected one of: {', '.join(c for c in log.cases if c not in ('case_id', 'furthest'))}")
    codes, groups = pd.factorize(log.cases[by], sort=True)
    return codes.astype(np.int64), list(groups)


def _per_group(codes: np.ndarray, groups: int, k: int, columns: np.ndarray) -> np.ndarray:
    """Count of cases per group (rows) and value ``columns`` in 0..k-1 (columns)."""
    ok = (codes >= 0) & (columns >= 0)
    return np.bincount(codes[ok] * k + columns[ok], minlength=groups * k).reshape(groups, k)


def funnel(log: CaseViews, by: str | None = None) -> pd.DataFrame:
    """Stage by stage: cases that reached, entered, skipped, moved on from, were lost at or
    are still open at each stage, with conversions.

    Parameters
    ----------
    log : StageLog or EngineLog
        :func:`prepare_log`; reads its cases' ``outcome``, ``furthest`` and :attr:`~StageLog.entered`.
    by : str, optional
        A case attribute (segment, channel, product, cohort ...) to break the funnel down by;
        cases whose value is missing are left out of the breakdown.

    Returns
    -------
    DataFrame
        ``[by,] stage, reached, entered, skipped, moved_on, lost, open, won, conversion,
        reach_rate, lost_share``: ``conversion`` = moved_on / (reached - open);
        ``reach_rate`` = the product of the conversions before the stage (the share of
        leads that would get there once all open cases are decided at these rates);
        ``lost_share`` = this stage's share of all cases lost.
    """
    k = len(log.stages)
    codes, groups = _group_codes(log, by)
    furthest = log.cases["furthest"].to_numpy()
    ended = {name: _per_group(codes, len(groups), k, np.where(log.outcomes == code, furthest, -1))
             for code, name in enumerate(OUTCOMES)}
    total = sum(ended.values())
    reached = total[:, ::-1].cumsum(axis=1)[:, ::-1]
    mask = log.entered
    entered = np.stack([np.bincount(codes[(codes >= 0) & ((mask >> s) & 1 == 1)], minlength=len(groups))
                        for s in range(k)], axis=1)
    placed = furthest >= 0
    silent_cases = mask == 0
    # cases placed by their outcome have no events: count them as having entered their furthest
    # stage; without any stage history every case entered every stage it reached
    entered = entered + _per_group(codes, len(groups), k, np.where(silent_cases & placed, furthest, -1)) \
        if log.history else reached
    moved = np.concatenate([reached[:, 1:], np.zeros((len(groups), 1), dtype=np.int64)], axis=1)
    frames = []
    for g, group in enumerate(groups):
        decided = reached[g] - ended["open"][g]
        conversion = np.divide(moved[g], decided, out=np.full(k, np.nan), where=decided > 0)
        frame = pd.DataFrame({"stage": log.stages, "reached": reached[g], "entered": np.minimum(entered[g], reached[g]),
                              "moved_on": pd.array(moved[g], dtype="Int64"), "lost": ended["lost"][g],
                              "open": ended["open"][g],
                              "won": ended["won"][g], "conversion": conversion})
        frame["skipped"] = frame["reached"] - frame["entered"]
        last = log.last
        frame.loc[frame.index >= last, "moved_on"] = pd.NA
        frame.loc[frame.index >= last, "conversion"] = np.nan
        frame["reach_rate"] = np.r_[1.0, np.cumprod(np.nan_to_num(conversion[:-1], nan=0.0))]
        lost_total = frame["lost"].sum()
        frame["lost_share"] = frame["lost"] / lost_total if lost_total else 0.0
        if by is not None:
            frame.insert(0, by, group)
        frames.append(frame)
    columns = ([by] if by else []) + ["stage", "reached", "entered", "skipped", "moved_on", "lost", "open", "won",
                                      "conversion", "reach_rate", "lost_share"]
    return pd.concat(frames, ignore_index=True)[columns]


def bottlenecks(stage_funnel: pd.DataFrame) -> pd.DataFrame:
    """The stages ranked by the leads they lose, in absolute and relative terms.

    Parameters
    ----------
    stage_funnel : DataFrame
        :func:`funnel` without a breakdown.

    Returns
    -------
    DataFrame
        ``stage, lost, lost_share, loss_rate`` (1 - conversion), ``rank_lost``,
        ``rank_rate`` and ``bottleneck`` (the stage that is first on either), stages with
        a conversion only, most lost first.
    """
    table = stage_funnel.dropna(subset=["conversion"])[["stage", "lost", "lost_share", "conversion"]].copy()
    table["loss_rate"] = 1 - table["conversion"]
    table["rank_lost"] = table["lost"].rank(ascending=False, method="min").astype(int)
    table["rank_rate"] = table["loss_rate"].rank(ascending=False, method="min").astype(int)
    table["bottleneck"] = (table["rank_lost"] == 1) | (table["rank_rate"] == 1)
    return table.drop(columns="conversion").sort_values(["rank_lost", "rank_rate"], ignore_index=True)


#: Why a case's stay at a stage ended (:func:`_stays`' ``left``).
LEFT = ("moved_on", "lost", "stayed")


def _stays(log: StageLog) -> pd.DataFrame:
    """Days each case spent in each stage it entered: the time to its next event, summed
    over repeated visits; a case's last event counts until the case was closed when lost.

    Returns
    -------
    DataFrame
        ``case``, ``stage``, ``days`` (NaN where a visit's length is unknown or negative),
        ``left`` (categorical, :data:`LEFT`); one row per visited stage of a case, in the
        order of the first visits.
    """
    ev = log.events
    case, at = ev["case"].to_numpy(), ev["at"].to_numpy()
    nxt = np.zeros(len(ev), dtype=bool)  # an event followed by another of its case
    nxt[:-1] = case[1:] == case[:-1]
    days = np.full(len(ev), np.nan)
    days[nxt] = (at[1:][nxt[:-1]] - at[:-1][nxt[:-1]]) / DAY
    lost_case = log.outcomes == OUTCOMES.index("lost")
    lost = lost_case[case] & ~nxt
    closed = log.cases["closed_at"].to_numpy(dtype="datetime64[ns]")
    days[lost] = (closed[case[lost]] - at[lost]) / DAY
    days[days < 0] = np.nan  # a clock error, counted in the checks
    # a case's visits of a stage summed into its first visit; a visit of unknown length
    # leaves the stay unknown
    first = log.first_visits
    visit = first == np.arange(len(ev))
    number = np.cumsum(visit) - 1
    per = pd.DataFrame({"case": case[visit], "stage": ev["stage"].to_numpy()[visit],
                        "days": np.bincount(number[first], weights=days, minlength=int(visit.sum()))})
    of = per["case"].to_numpy()
    left = np.where(per["stage"].to_numpy() < log.cases["furthest"].to_numpy()[of], 0, np.where(lost_case[of], 1, 2))
    per["left"] = pd.Categorical.from_codes(left, LEFT)
    return per


def _quantiles(grouped, column: str) -> pd.DataFrame:
    """Median, 75th and 90th percentile of ``column`` per group (no rows without values),
    all three from one ordering of the values."""
    table = grouped[column].quantile([0.5, 0.75, 0.9]).unstack().reindex(columns=[0.5, 0.75, 0.9])  # none: no columns
    table.columns = ["median_days", "p75_days", "p90_days"]
    return table


#: Columns of :meth:`StageLog.stay_stats`.
STAY_COLUMNS = ["moved_on_cases", "median_days", "p75_days", "p90_days", "lost_cases", "median_days_to_loss"]


def stage_times(log: CaseViews, by: str | None = None) -> pd.DataFrame:
    """Days in each stage: median, 75th and 90th percentile over the cases that moved on
    from it, and the median days before a loss at it.

    A stay is the time from a stage's event to the case's next event, summed over repeated
    visits; at a lost case's last stage it runs to ``closed_at`` (no ``closed_at``: not
    counted); a stay with a negative (clock error) or unknown part is left out.

    Parameters
    ----------
    log : StageLog or EngineLog
        :func:`prepare_log`; reads its events' ``at`` and its cases' ``outcome``,
        ``closed_at``, ``furthest``.
    by : str, optional
        A case attribute to break the times down by.

    Returns
    -------
    DataFrame
        ``[by,] stage, moved_on_cases, median_days, p75_days, p90_days, lost_cases,
        median_days_to_loss``; stages nobody left have missing times.
    """
    codes, groups = _group_codes(log, by)
    stats = log.stay_stats(codes)
    grid = pd.MultiIndex.from_product([range(len(groups)), range(len(log.stages))], names=["group", "stage"])
    table = stats.reindex(grid)[STAY_COLUMNS]  # every stage, so a loss where nobody moved on counts
    table = table.reset_index()
    table["stage"] = np.asarray(log.stages, dtype=object)[table["stage"].to_numpy()]
    table[["moved_on_cases", "lost_cases"]] = table[["moved_on_cases", "lost_cases"]].fillna(0).astype(int)
    if by is None:
        return table.drop(columns="group")
    group = pd.Index(groups).take(table.pop("group").to_numpy())
    table.insert(0, by, group)
    return table


def time_to_convert(log: CaseViews, by: str | None = None) -> pd.DataFrame:
    """Days from a won case's creation to its entry into the won stage.

    Parameters
    ----------
    log : StageLog or EngineLog
        :func:`prepare_log` with a won stage (else :class:`CjmError`); reads the first event
        of each case at the won stage and the case's ``created_at``. Cases without such an
        event, without ``created_at`` or with a negative time are left out.
    by : str, optional
        A case attribute to break the times down by (cases whose value is missing left out).

    Returns
    -------
    DataFrame
        ``[by,] won_cases, median_days, p75_days, p90_days``.
    """
    if log.won is None:
        raise CjmError("time to convert needs the won stage", "set 'won_stage' in the params")
    entry = log.won_entry
    won = np.flatnonzero((log.outcomes == OUTCOMES.index("won")) & ~np.isnat(entry))  # not lost after it
    cases = log.cases.iloc[won]
    days = (entry[won] - cases["created_at"].to_numpy(dtype="datetime64[ns]")) / DAY
    frame = pd.DataFrame({"days": days, "group": cases[by].to_numpy() if by else "all"})
    frame = frame[frame["days"] >= 0]
    table = _quantiles(frame.groupby("group"), "days")
    table.insert(0, "won_cases", frame.groupby("group").size())
    table = table.rename_axis(by or "cases").reset_index()
    return table if by else table.drop(columns="cases")


def lost_reasons(log: CaseViews, by: str | None = None, reason: str = "lost_reason",
                 missing: str = MISSING_REASON) -> pd.DataFrame:
    """Reasons recorded on lost cases, by the stage they were lost at.

    Parameters
    ----------
    log : StageLog or EngineLog
        :func:`prepare_log`; reads its cases' ``outcome``, ``furthest`` (the stage lost at;
        lost cases with no place in the funnel are left out) and ``reason``.
    by : str, optional
        A case attribute to break the reasons down by (cases whose value is missing left out).
    reason : str
        Column of the cases with the lost reason (no such column: :class:`CjmError`).
    missing : str
        The code written for a lost case without a reason (:data:`MISSING_REASON`).

    Returns
    -------
    DataFrame
        ``[by,] stage, reason, cases, share`` (of the cases lost at the stage), stages in
        order, most frequent reason first; cases without a reason under ``missing``.
    """
    if reason not in log.cases:
        raise CjmError(f"cases have no column {reason!r}", "map the CRM's lost reason onto deals.lost_reason")
    lost = log.cases[(log.cases["outcome"] == "lost") & (log.cases["furthest"] >= 0)]
    keys = ([by] if by else []) + ["stage", "reason"]
    frame = pd.DataFrame({"stage": lost["furthest"].to_numpy(),
                          "reason": lost[reason].astype(object).where(lost[reason].notna(), missing).to_numpy()})
    if by:
        frame.insert(0, by, lost[by].to_numpy())
    table = frame.groupby(keys, sort=False).size().rename("cases").reset_index()
    table["share"] = table["cases"] / table.groupby(keys[:-1])["cases"].transform("sum")
    table = table.sort_values(keys[:-2] + ["stage", "cases", "reason"],
                              ascending=[True] * (len(keys) - 2) + [True, False, True], ignore_index=True)
    table["stage"] = np.asarray(log.stages, dtype=object)[table["stage"].to_numpy()]
    return table


def customer_reasons(reasons: pd.DataFrame, hygiene) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`lost_reasons` split in two: the customers' reasons, and those of data hygiene
    (``hygiene``: the client's lost-reason values that say a deal was a duplicate, spam, a
    wrong contact, not why a customer left), each with the columns and ``share`` (of all
    cases lost at the stage) it had."""
    apart = reasons["reason"].isin(list(hygiene))
    return reasons[~apart].reset_index(drop=True), reasons[apart].reset_index(drop=True)


def _path_ids(stage: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each case's path number (equal sequences of steps share one, numbered in order of
    first appearance) and its length, for the cases with steps.

    A case's path is the bytes of its step codes, a slice of ``stage`` itself: Arrow takes
    the column with the cases' bounds as a binary array (nothing copied) and encodes it,
    comparing the paths whole (no hash stands for a path).
    """
    lengths = np.diff(np.r_[starts, len(stage)])
    codes = np.ascontiguousarray(stage)
    bounds = np.r_[starts, len(stage)].astype(np.int64) * codes.itemsize
    paths = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(starts),
                                             [None, pa.py_buffer(bounds), pa.py_buffer(codes)])
    return pc.dictionary_encode(paths).indices.to_numpy().astype(np.int64), lengths


def variants(log: CaseViews, coverage: float = 0.8, separator: str = " → ",
             most: int | None = None) -> pd.DataFrame:
    """Distinct paths (of stages, or of every activity of an event log) with their counts,
    outcomes and durations.

    Parameters
    ----------
    log : StageLog or EngineLog
        :func:`prepare_log`; its steps (:attr:`StageLog.steps`) and its cases' ``outcome``.
    coverage : float
        Variants are listed, most frequent first, until they cover this share of the
        cases with events, and at most ``most`` of them; the rest are one row,
        :data:`OTHER_VARIANTS`.
    separator : str
        Joins the step names of a variant.
    most : int, optional
        At most this many variants listed one by one (None: no limit).

    Returns
    -------
    DataFrame
        ``variant, stages, variants, cases, share, cumulative_share, won, lost, open,
        median_days`` (first to last event); ``variants`` is how many distinct variants a
        row stands for (1, or the rest's number). ``attrs["variants"]``: how many distinct
        variants there are.
    """
    head, rest, count = log.variant_table(coverage, most)
    labels = np.asarray(log.activity_names or log.stages, dtype=object)
    head["variant"] = [separator.join(labels[codes]) for codes in head["codes"]]
    head = head.assign(variants=1)
    if rest is not None:
        other = {"variant": OTHER_VARIANTS, "stages": np.nan, "cumulative_share": 1.0, **rest}
        head = pd.concat([head, pd.DataFrame([other])], ignore_index=True)
    head = head[["variant", "stages", "variants", "cases", "share", "cumulative_share", *OUTCOMES, "median_days"]]
    head.attrs["variants"] = count
    return head


def directly_follows(log: CaseViews, ends: bool = True) -> pd.DataFrame:
    """The directly-follows graph: how often one step (a stage, or any activity of an
    event log) is followed by another in a case, and the median days between them.

    Parameters
    ----------
    log : StageLog or EngineLog
        :func:`prepare_log`; its steps (:attr:`StageLog.steps`) and its cases' ``outcome``.
    ends : bool
        Add edges from ``"start"`` to each case's first step and from its last step to
        its outcome ("won", "lost", "open").

    Returns
    -------
    DataFrame
        ``source, target, cases`` (transitions), ``median_days``, ``kind`` ("forward",
        "skip", "repeat", "back" between stages of the funnel; "other" where an activity
        outside the funnel is one end; "start", "end"), most frequent first.
    """
    edges, first, final = log.follow_counts()
    names = log.activity_names or log.stages
    src, tgt = edges["source"].to_numpy(), edges["target"].to_numpy()
    labels, funnel_stages = np.asarray(names, dtype=object), len(log.stages)
    inside = (src < funnel_stages) & (tgt < funnel_stages)
    parts = [pd.DataFrame({"source": labels[src], "target": labels[tgt], "cases": edges["cases"].to_numpy(),
                           "median_days": edges["median_days"].to_numpy(dtype=float),
                           "kind": np.select([tgt == src, ~inside, tgt == src + 1, tgt > src + 1],
                                             ["repeat", "other", "forward", "skip"], "back")})]
    if ends and first.sum():
        parts.append(pd.DataFrame({"source": START, "target": labels[first > 0], "cases": first[first > 0],
                                   "median_days": np.nan, "kind": "start"}))
        final = final.ravel()
        ended = np.flatnonzero(final)
        parts.append(pd.DataFrame({"source": labels[ended // len(OUTCOMES)],
                                   "target": np.asarray(OUTCOMES, dtype=object)[ended % len(OUTCOMES)],
                                   "cases": final[ended], "median_days": np.nan, "kind": "end"}))
    result = pd.concat(parts, ignore_index=True)
    return result.sort_values(["cases", "source", "target"], ascending=[False, True, True], ignore_index=True)[
        ["source", "target", "cases", "median_days", "kind"]]


def _rows_covering(cumulative: np.ndarray, coverage: float) -> int:
    """How many leading rows, by their cumulative share, cover ``coverage`` (one at least)."""
    return int(np.searchsorted(cumulative, coverage - 1e-12) + 1)


def covering_edges(follows: pd.DataFrame, coverage: float = 0.9) -> tuple[pd.DataFrame, dict]:
    """The most frequent transitions between steps (start and end edges aside) that
    together cover ``coverage`` of all transitions: what a readable process map of many
    activities draws.

    Returns
    -------
    edges : DataFrame
        The kept rows of ``follows``.
    left_out : dict
        ``edges`` and ``transitions`` left out, ``share`` of the transitions shown,
        ``shown`` (edges drawn), ``steps`` (distinct steps drawn).
    """
    moves = follows[~follows["kind"].isin(["start", "end"])].sort_values("cases", ascending=False, kind="stable")
    total = moves["cases"].sum()
    cumulative = moves["cases"].cumsum().to_numpy() / total if total else np.zeros(len(moves))
    kept = moves.iloc[:_rows_covering(cumulative, coverage)] if len(moves) else moves
    shown = kept["cases"].sum()
    return kept, {"shown": len(kept), "edges": len(moves) - len(kept), "transitions": int(total - shown),
                  "share": shown / total if total else 1.0,
                  "steps": len(set(kept["source"]) | set(kept["target"]))}


def lead_flows(log: CaseViews, channel: str = "channel") -> pd.DataFrame:
    """The lead journey as flows for a Sankey diagram: from the entry channel into the
    first stage, from each stage to the next, and out to "lost" or "open" at each stage
    and "won" at the won stage.

    Returns
    -------
    DataFrame
        ``source, target, cases, step`` (column of the diagram the flow starts in: 0 for
        the channels, 1 + the stage's position for the stages).
    """
    table = funnel(log)
    placed = log.cases[log.cases["furthest"] >= 0]
    rows = []
    if channel in placed:
        entries = placed[channel].astype(object).where(placed[channel].notna(), "?").value_counts()
        rows += [(name, log.stages[0], int(n), 0) for name, n in entries.items()]
    for i, row in table.iterrows():
        if pd.notna(row["moved_on"]) and row["moved_on"] > 0:
            rows.append((row["stage"], log.stages[i + 1], int(row["moved_on"]), i + 1))
        for outcome in OUTCOMES:
            if row[outcome] > 0:
                rows.append((row["stage"], f"{outcome}: {row['stage']}" if outcome != "won" else "won",
                             int(row[outcome]), i + 1))
    return pd.DataFrame(rows, columns=["source", "target", "cases", "step"])


def touches_by_stage(log: CaseViews, touches: pd.DataFrame, case: str = "deal_id", at: str = "at") -> pd.DataFrame:
    """Each touch of a case placed in the stage the case was in at its time.

    A touch before the case's first event belongs to its first stage. Touches of cases
    not in the log, or of cases without events, are left out and counted in the result's
    ``attrs["left_out"]``; touches without a time are left out uncounted.

    Parameters
    ----------
    log : StageLog or EngineLog
        :func:`prepare_log`; reads its events and cases' ``case_id``.
    touches : DataFrame
        One row per touch: the ``case`` and ``at`` columns, any others carried through
        (``channel``, ``touchpoint``, ``direction`` ...).
    case : str
        Column of ``touches`` with the case id (as in the log's ``case_id``).
    at : str
        Column of ``touches`` with the touch's time.

    Returns
    -------
    DataFrame
        The touches with ``case`` and ``stage`` (position) added, ``at`` as datetime,
        in time order.
    """
    positions = pd.Index(log.cases["case_id"]).get_indexer(touches[case])
    known = positions >= 0
    placed = touches[known].assign(case=positions[known].astype(np.int64),
                                   **{at: pd.to_datetime(touches.loc[known, at])}).dropna(subset=[at])
    placed = placed.sort_values(at, kind="stable").reset_index(drop=True)
    placed["stage"] = log.touch_stages(placed["case"].to_numpy(), placed[at].to_numpy())
    before = int(placed["stage"].isna().sum())
    placed = placed.dropna(subset=["stage"]).astype({"stage": np.int64})
    placed.attrs["left_out"] = int((~known).sum()) + before
    return placed


def _decided_touches(log: CaseViews, placed: pd.DataFrame) -> pd.DataFrame:
    """Each case decided at a stage (moved on or lost there): ``case``, ``stage``,
    ``moved_on``, ``touches`` (its touches at the stage)."""
    case_of, stage_of = np.nonzero(log.entered_stages())
    furthest = log.cases["furthest"].to_numpy()
    outcome = log.cases["outcome"].to_numpy()
    moved = stage_of < furthest[case_of]
    lost = (stage_of == furthest[case_of]) & (outcome[case_of] == "lost")
    decided = pd.DataFrame({"case": case_of, "stage": stage_of, "moved_on": moved})[moved | lost]
    counts = placed.groupby(["case", "stage"]).size().rename("touches")
    return decided.join(counts, on=["case", "stage"]).fillna({"touches": 0})


def touches_by(log: CaseViews, placed: pd.DataFrame, by: str) -> pd.DataFrame:
    """Contacts per case decided at each stage, by a case attribute (e.g. journey).

    Returns
    -------
    DataFrame
        ``by``, ``stage``, ``cases``, ``mean_touches``; stages in order.
    """
    frame = _decided_touches(log, placed)
    frame[by] = log.cases[by].take(frame["case"].to_numpy()).array
    table = frame.groupby([by, "stage"])["touches"].agg(cases="size", mean_touches="mean").reset_index()
    table["stage"] = np.asarray(log.stages, dtype=object)[table["stage"].to_numpy()]
    return table


def stage_touches(log: CaseViews, placed: pd.DataFrame, kind: str = "touchpoint",
                  bands: tuple[int, ...] = (0, 1, 2, 3, 5)) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """How many contacts each stage takes, and how that relates to moving on.

    Only cases decided at a stage (moved on or lost there) are counted: an open case's
    contacts are not finished.

    Parameters
    ----------
    log : StageLog or EngineLog
        :func:`prepare_log`; reads its stage visits and cases' ``outcome`` and ``furthest``.
    placed : DataFrame
        :func:`touches_by_stage`.
    kind : str
        Column of the touch's kind (call, message, visit ...).
    bands : tuple of int
        Lower edges of the bands of touches per case at a stage.

    Returns
    -------
    summary : DataFrame
        ``stage, cases, mean_touches, median_touches, mean_touches_moved_on,
        mean_touches_lost, odds_ratio, ci_low, ci_high, p_value`` (a logistic regression
        of moving on on the number of touches at the stage).
    by_band : DataFrame
        ``stage, band, cases, move_on_rate``.
    by_kind : DataFrame
        ``stage`` and, per kind of touch, the mean number per case at the stage.
    """
    kinds = placed.pivot_table(index=["case", "stage"], columns=kind, aggfunc="size", fill_value=0) \
        if kind in placed and len(placed) else pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []],
                                                                                         names=["case", "stage"]))
    frame = _decided_touches(log, placed).join(kinds, on=["case", "stage"]).fillna(0)
    rows, band_rows = [], []
    labels = [f"{lo}" if hi == lo + 1 else f"{lo}-{hi - 1}" for lo, hi in zip(bands[:-1], bands[1:])] + [f"{bands[-1]}+"]
    for code, group in frame.groupby("stage"):
        row = {"stage": log.stages[code], "cases": len(group), "mean_touches": group["touches"].mean(),
               "median_touches": group["touches"].median(),
               "mean_touches_moved_on": group.loc[group["moved_on"], "touches"].mean(),
               "mean_touches_lost": group.loc[~group["moved_on"], "touches"].mean(),
               "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
        y = group["moved_on"].astype(float)
        if 0 < y.mean() < 1 and group["touches"].nunique() > 1:
            row.update(_touch_odds(y, group["touches"].astype(float)))
        rows.append(row)
        band = pd.cut(group["touches"], [*bands, np.inf], right=False, labels=labels)
        for label, part in group.groupby(band, observed=False):
            band_rows.append({"stage": log.stages[code], "band": label, "cases": len(part),
                              "move_on_rate": part["moved_on"].mean() if len(part) else np.nan})
    by_kind = frame.groupby("stage")[list(kinds.columns)].mean().reset_index()
    by_kind["stage"] = np.asarray(log.stages, dtype=object)[by_kind["stage"].to_numpy()]
    return pd.DataFrame(rows), pd.DataFrame(band_rows), by_kind


def _touch_odds(moved_on: pd.Series, touches: pd.Series) -> dict:
    """Odds ratio of moving on per extra touch (logistic regression), its interval and p;
    empty where the data separate perfectly or the fit does not converge."""
    import warnings

    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning
    from statsmodels.tools.tools import add_constant

    with warnings.catch_warnings():
        for category in (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning):
            warnings.simplefilter("error", category)
        try:
            fit = Logit(moved_on, add_constant(touches)).fit(disp=0)
            low, high = np.exp(fit.conf_int().loc[touches.name])
        except (np.linalg.LinAlgError, ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning):
            return {}
    return {"odds_ratio": float(np.exp(fit.params[touches.name])), "ci_low": float(low), "ci_high": float(high),
            "p_value": float(fit.pvalues[touches.name])}


def last_actions(log: CaseViews, placed: pd.DataFrame, describe=("direction", "touchpoint", "channel"),
                 top: int = 5) -> pd.DataFrame:
    """What lost cases did last before they were lost, by the stage they were lost at.

    The last touch before the case was closed, described by the ``describe`` columns; a
    lost case without a touch at its last stage is :data:`NO_TOUCH`.

    Returns
    -------
    DataFrame
        ``stage, last_action, cases, share`` (of the cases lost at the stage),
        ``median_days_to_close`` (from that touch to the closing), the ``top`` actions
        of each stage.
    """
    cases = log.cases
    lost = np.flatnonzero((cases["outcome"].to_numpy() == "lost") & (cases["furthest"].to_numpy() >= 0))
    columns = [c for c in describe if c in placed]
    mine = placed[placed["case"].isin(lost)].copy()
    mine["closed_at"] = cases["closed_at"].to_numpy(dtype="datetime64[ns]")[mine["case"].to_numpy()]
    mine = mine[mine["stage"].to_numpy() == cases["furthest"].to_numpy()[mine["case"].to_numpy()]]
    mine = mine[mine["closed_at"].isna() | (mine["at"] <= mine["closed_at"])]
    last = mine.drop_duplicates("case", keep="last")  # placed touches are in time order
    action = last[columns].astype(str).agg(" · ".join, axis=1) if columns else pd.Series("touch", index=last.index)
    frame = pd.DataFrame({"case": last["case"].to_numpy(), "last_action": action.to_numpy(),
                          "days": (last["closed_at"] - last["at"]).dt.total_seconds().to_numpy() / 86400})
    untouched = np.setdiff1d(lost, frame["case"].to_numpy())
    frame = pd.concat([frame, pd.DataFrame({"case": untouched, "last_action": NO_TOUCH,
                                            "days": np.nan})], ignore_index=True)
    frame["stage"] = cases["furthest"].to_numpy()[frame["case"].to_numpy()]
    table = frame.groupby(["stage", "last_action"]).agg(cases=("case", "size"),
                                                        median_days_to_close=("days", "median")).reset_index()
    table["share"] = table["cases"] / table.groupby("stage")["cases"].transform("sum")
    table = table.sort_values(["stage", "cases"], ascending=[True, False]).groupby("stage").head(top)
    table["stage"] = np.asarray(log.stages, dtype=object)[table["stage"].to_numpy()]
    return table[["stage", "last_action", "cases", "share", "median_days_to_close"]].reset_index(drop=True)


@dataclass
class FunnelResult:
    """06's tables (see :func:`analyse_funnel`); ``skipped``: breakdown -> why it is not
    shown (``absent``: the deals have no such column; ``empty``: it has no values);
    ``journeys_skipped``: why no journeys were looked for (``no_channel``, ``no_client``);
    ``source``: where the caller worked on the history (06's step: its engine and size)."""

    log: CaseViews
    funnel: pd.DataFrame
    breakdowns: pd.DataFrame
    times: pd.DataFrame
    to_convert: pd.DataFrame
    bottlenecks: pd.DataFrame
    lost_reasons: pd.DataFrame
    lost_by_segment: pd.DataFrame | None
    variants: pd.DataFrame
    follows: pd.DataFrame
    flows: pd.DataFrame
    touches: pd.DataFrame | None = None
    touch_bands: pd.DataFrame | None = None
    touch_kinds: pd.DataFrame | None = None
    last_actions: pd.DataFrame | None = None
    journeys: object | None = None
    journey_names: dict | None = None
    journey_segments: pd.DataFrame | None = None
    journey_test: dict | None = None
    journey_lost_reasons: pd.DataFrame | None = None
    journey_touches: pd.DataFrame | None = None
    hygiene_lost: pd.DataFrame | None = None
    side_groups: pd.DataFrame | None = None
    skipped: dict = field(default_factory=dict)
    journeys_skipped: str | None = None
    source: object | None = None


#: Columns of 06's funnel by a breakdown (:attr:`FunnelResult.breakdowns`).
BREAKDOWN_COLUMNS = ["breakdown", "group", "stage", "reached", "entered", "skipped", "moved_on", "lost", "open", "won",
                     "conversion", "reach_rate", "lost_share", "median_days"]


def _breakdowns(log: CaseViews, names: list[str]) -> tuple[pd.DataFrame, dict]:
    """The funnel and times by each case attribute in ``names`` present in the log, long;
    and the names left out, with why (``absent``, ``empty``)."""
    parts, skipped = [], {}
    for name in names:
        if name not in log.cases or log.cases[name].notna().sum() == 0:
            skipped[name] = "absent" if name not in log.cases else "empty"
            continue
        table = funnel(log, name).merge(stage_times(log, name)[[name, "stage", "median_days"]], on=[name, "stage"])
        parts.append(table.rename(columns={name: "group"}).assign(breakdown=name))
    if not parts:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS), skipped
    table = pd.concat(parts, ignore_index=True)
    table["group"] = table["group"].astype(str)
    return table[BREAKDOWN_COLUMNS], skipped


def analyse_funnel(log: CaseViews, section: dict, touches: pd.DataFrame | None = None,
                   segments: pd.DataFrame | None = None, seed: int = 0, hygiene=(),
                   find_journeys=None) -> FunnelResult:
    """All of 06 on a prepared log: funnel, breakdowns, times, reasons, bottlenecks, paths,
    touches per stage, last actions, journeys and their overlap with segments. What the
    data lack (a breakdown's column, lost reasons, touches, channels) is left out and said
    in ``skipped``; ``log`` is not changed. Lost reasons of data hygiene (``hygiene``:
    ``clean.hygiene_reasons``, deals 02 kept) are counted apart (``hygiene_lost``), never
    among the customers' reasons (:func:`customer_reasons`). ``find_journeys``: the function
    that finds the journeys (:func:`cjm.analysis.journeys.find_journeys`, its default; the
    step passes one that keeps its result by content)."""
    times = stage_times(log)
    whole = funnel(log).merge(times[["stage", "median_days", "p75_days", "p90_days"]], on="stage")
    recorded = "lost_reason" in log.cases and log.cases["lost_reason"].notna().any()
    reasons, hygiene_lost = customer_reasons(lost_reasons(log), hygiene) if recorded else (pd.DataFrame(), None)
    breakdowns, skipped = _breakdowns(log, section["breakdowns"])
    result = FunnelResult(
        log=log, funnel=whole, breakdowns=breakdowns, times=times,
        to_convert=time_to_convert(log) if log.won is not None else pd.DataFrame(),
        bottlenecks=bottlenecks(whole), lost_reasons=reasons,
        lost_by_segment=customer_reasons(lost_reasons(log, "segment"), hygiene)[0]
        if "segment" in log.cases and len(reasons) else None, hygiene_lost=hygiene_lost,
        variants=variants(log, section["variants_coverage"], most=section["variants_max"]),
        follows=directly_follows(log), flows=lead_flows(log), skipped=skipped)
    placed = None
    if touches is not None and len(touches):
        placed = touches_by_stage(log, touches)
        result.touches, result.touch_bands, result.touch_kinds = stage_touches(log, placed,
                                                                               bands=tuple(section["touch_bands"]))
        result.last_actions = last_actions(log, placed)
    if "client_id" not in log.cases:
        result.journeys_skipped = "no_client"
    elif "channel" not in log.cases or log.cases["channel"].isna().all():
        result.journeys_skipped = "no_channel"
    else:
        from cjm.analysis import journeys

        spec = section["journeys"]
        found = (find_journeys or journeys.find_journeys)(journeys.path_features(log, touches), spec["k_max"], spec.get("n_journeys"), spec["elbow"],
                              seed, spec["restarts"], spec["fit_rows"])
        result.journeys, result.journey_names = found, journeys.journey_names(found.profiles,
                                                                              agreed=section.get("journey_names"))
        found.labels["journey_name"] = found.labels["journey"].map(result.journey_names)
        # each journey's own funnel, losses and contacts: the columns of its map
        journey = found.labels.set_index("client_id")["journey"]
        by_journey = dataclasses.replace(log, cases=log.cases.assign(
            journey=log.cases["client_id"].map(journey).astype("Int64")))
        result.breakdowns = pd.concat([result.breakdowns, _breakdowns(by_journey, ["journey"])[0]], ignore_index=True)
        if len(reasons):
            result.journey_lost_reasons = customer_reasons(lost_reasons(by_journey, "journey"), hygiene)[0]
        if placed is not None:
            result.journey_touches = touches_by(by_journey, placed, "journey")
        if segments is not None:
            result.journey_segments, result.journey_test = journeys.journeys_vs_segments(found.labels, segments)
    return result


def findings(result: FunnelResult) -> dict:
    """The numbers 06's narrative quotes. ``bottleneck`` is None where no case was lost,
    ``days_to_convert`` where won cases have no dated history."""
    table = result.funnel
    first = table.iloc[0]
    decided = first["reached"] - table["open"].sum()
    facts = {"cases": int(first["reached"]), "won": int(table["won"].sum()), "open": int(table["open"].sum()),
             "won_rate": table["won"].sum() / decided if decided else float("nan"),
             "won_stage": result.log.stages[result.log.last],
             "variants_shown": int(result.variants["stages"].notna().sum()),
             "variants": int(result.variants.attrs.get("variants", len(result.variants))),
             "top_variant_share": result.variants["share"].iloc[0] if len(result.variants) else float("nan"),
             "bottleneck": None, "days_to_convert": None}
    top = result.bottlenecks.iloc[0] if len(result.bottlenecks) else None
    if top is not None and top["lost"] > 0:
        facts.update(bottleneck=top["stage"], bottleneck_lost=int(top["lost"]), bottleneck_share=top["lost_share"],
                     bottleneck_rate=top["loss_rate"])
    if len(result.to_convert) and pd.notna(result.to_convert["median_days"].iloc[0]):
        facts["days_to_convert"] = result.to_convert["median_days"].iloc[0]
    if result.journeys is not None:
        facts.update(k=result.journeys.k, chosen_by=result.journeys.chosen_by)
    if result.journey_test:
        facts.update(ari=result.journey_test["adjusted_rand"], cramers_v=result.journey_test["cramers_v"],
                     same=result.journey_test["same"])
    return facts
