"""06's stage history in an engine (DuckDB, Spark): a log of hundreds of millions of events
never held in pandas.

:func:`prepare_engine_log` has :func:`cjm.analysis.funnel.prepare_log`'s semantics and
checks; the events stay in the engine as coded tables (case: position in the cases table,
step: position in the stages or activities, time, order in the case), and only per-case
arrays and small tables come back. :class:`EngineLog` answers the same event-level questions
as :class:`~cjm.analysis.funnel.StageLog` in SQL written once for both engines (what the
dialects spell differently is in :data:`cjm.core.engines.DIALECTS`), so every public
function of :mod:`cjm.analysis.funnel` takes either log.

This module opens no file: it gets an :class:`~cjm.core.engines.Engine` and the name of a
view of the events (:meth:`~cjm.core.engines.Engine.read`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cjm.core.engines import FILE, ROW, Engine
from cjm.core.errors import CjmError
from cjm.analysis.funnel import (OUTCOMES, STAY_COLUMNS, CaseViews, case_table, classify_names, event_checks,
                                 place_cases, row_checks)

_logs = itertools.count()
#: A day in microseconds: SQL's times are differences of epoch microseconds.
DAY_US = 86_400_000_000


@dataclass
class EngineLog(CaseViews):
    """A stage history in an engine, ready for the funnel (see :func:`prepare_engine_log`).

    Attributes
    ----------
    engine : Engine
    prefix : str
        Prefix of the log's tables in the engine: ``steps`` (``c`` case position, ``s`` step,
        ``t`` time, ``i`` order in the case: every activity with ``activities``, else the
        stage events), ``ev`` (the stage events with the time of the one before and after,
        the highest stage before, and ``first_visit``) and ``cases`` (``c``, ``furthest``,
        ``outcome`` code, ``closed_at``).
    cases, stages, won, checks, unknown_stages, activity_names, history
        As :class:`~cjm.analysis.funnel.StageLog`.
    entered : ndarray of int64
        Per case, the stages it has an event at as a bitmask.
    won_entry : ndarray of datetime64
        Per case, the time of its first event at the won stage (NaT: none).
    """

    engine: Engine
    prefix: str
    cases: pd.DataFrame
    stages: list[str]
    won: int | None
    checks: pd.DataFrame
    entered: np.ndarray
    won_entry: np.ndarray
    unknown_stages: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["stage", "rows"]))
    activity_names: list[str] = field(default_factory=list)
    history: bool = True

    def _t(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _us(self, column: str) -> str:
        return self.engine.dialect["epoch_us"].format(x=column)

    def _days(self, later: str, earlier: str) -> str:
        return f"CAST({self._us(later)} - {self._us(earlier)} AS DOUBLE) / {DAY_US}"

    def stay_stats(self, codes: np.ndarray) -> pd.DataFrame:
        """As :meth:`StageLog.stay_stats <cjm.analysis.funnel.StageLog.stay_stats>`, in SQL."""
        has = codes >= 0
        self.engine.register(self._t("groups"), pd.DataFrame({"c": np.flatnonzero(has), "g": codes[has]}))
        length = (f"CASE WHEN e.next_t IS NOT NULL THEN {self._days('e.next_t', 'e.t')} "
                  f"WHEN k.outcome = {OUTCOMES.index('lost')} THEN {self._days('k.closed_at', 'e.t')} END")
        quantiles = ", ".join(f"percentile_cont({q}) WITHIN GROUP (ORDER BY CASE WHEN way = 0 THEN days END) "
                              f"AS {name}" for q, name in ((0.5, "median_days"), (0.75, "p75_days"),
                                                           (0.9, "p90_days")))
        table = self.engine.sql(f"""
            WITH visit AS (
                SELECT e.c, e.s, CASE WHEN {length} >= 0 THEN {length} END AS d
                FROM {self._t('ev')} e JOIN {self._t('cases')} k ON e.c = k.c),
            stay AS (  -- a case's visits of a stage summed; one of unknown length leaves it unknown
                SELECT c, s, CASE WHEN count(d) = count(*) THEN sum(d) END AS days FROM visit GROUP BY c, s),
            decided AS (
                SELECT g.g, st.s, st.days,
                       CASE WHEN st.s < k.furthest THEN 0 WHEN k.outcome = {OUTCOMES.index('lost')} THEN 1
                            ELSE 2 END AS way
                FROM stay st JOIN {self._t('cases')} k ON st.c = k.c JOIN {self._t('groups')} g ON st.c = g.c
                WHERE st.days IS NOT NULL)
            SELECT g AS grp, s AS stage, sum(CASE WHEN way = 0 THEN 1 ELSE 0 END) AS moved_on_cases, {quantiles},
                   sum(CASE WHEN way = 1 THEN 1 ELSE 0 END) AS lost_cases,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN way = 1 THEN days END)
                       AS median_days_to_loss
            FROM decided WHERE way < 2 GROUP BY g, s""")
        table = table.rename(columns={"grp": "group"}).astype({"group": np.int64, "stage": np.int64})
        return table.set_index(["group", "stage"]).sort_index()[STAY_COLUMNS]

    def follow_counts(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """As :meth:`StageLog.follow_counts <cjm.analysis.funnel.StageLog.follow_counts>`, in SQL."""
        k = len(self.activity_names or self.stages)
        edges = self.engine.sql(f"""
            SELECT a.s AS source, b.s AS target, count(*) AS cases,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN b.t >= a.t THEN {self._days('b.t', 'a.t')}
                                                      END) AS median_days
            FROM {self._t('steps')} a JOIN {self._t('steps')} b ON a.c = b.c AND b.i = a.i + 1  -- the next step
            GROUP BY a.s, b.s""")
        edges = edges.astype({"source": np.int64, "target": np.int64, "cases": np.int64, "median_days": float})
        edges = edges.sort_values(["source", "target"], ignore_index=True)
        ends = self.engine.sql(f"""
            WITH bounds AS (SELECT c, min_by(s, i) AS first, max_by(s, i) AS last FROM {self._t('steps')} GROUP BY c)
            SELECT b.first, b.last, k.outcome, count(*) AS cases
            FROM bounds b JOIN {self._t('cases')} k ON b.c = k.c GROUP BY b.first, b.last, k.outcome""")
        first = np.bincount(ends["first"].to_numpy(dtype=np.int64), weights=ends["cases"], minlength=k)
        final = np.bincount(ends["last"].to_numpy(dtype=np.int64) * len(OUTCOMES) + ends["outcome"].to_numpy(
            dtype=np.int64), weights=ends["cases"], minlength=k * len(OUTCOMES))
        return edges, first.astype(np.int64), final.astype(np.int64).reshape(k, len(OUTCOMES))

    def variant_table(self, coverage: float, most: int | None) -> tuple[pd.DataFrame, dict | None, int]:
        """As :meth:`StageLog.variant_table <cjm.analysis.funnel.StageLog.variant_table>`, in SQL:
        paths are the ordered strings of step codes, ranked by cases then the first case."""
        path = self.engine.dialect["path"].format(x="s", order="i")
        outcome = ", ".join(f"sum(CASE WHEN k.outcome = {code} THEN 1 ELSE 0 END) AS {name}"
                            for code, name in enumerate(OUTCOMES))
        self.engine.table(self._t("paths"), f"""
            SELECT c, {path} AS path, count(*) AS n,
                   {self._days('max_by(t, i)', 'min_by(t, i)')} AS days
            FROM {self._t('steps')} GROUP BY c""")
        self.engine.table(self._t("variants"), f"""
            WITH variant AS (
                SELECT p.path, max(p.n) AS stages, count(*) AS cases, min(p.c) AS first, {outcome},
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY p.days) AS median_days
                FROM {self._t('paths')} p JOIN {self._t('cases')} k ON p.c = k.c GROUP BY p.path)
            SELECT *, row_number() OVER (ORDER BY cases DESC, first) AS rnk,
                   sum(cases) OVER (ORDER BY cases DESC, first ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                       AS covered,
                   sum(cases) OVER () AS total
            FROM variant""")
        sizes = self.engine.sql(f"""
            SELECT count(*) AS variants, sum(cases) AS total,
                   sum(CASE WHEN CAST(covered AS DOUBLE) / total < {coverage} - 1e-12 THEN 1 ELSE 0 END) + 1 AS shown
            FROM {self._t('variants')}""").iloc[0]
        count = int(sizes["variants"])
        total = int(sizes["total"]) if count else 0
        shown = min(int(sizes["shown"]), most) if most else int(sizes["shown"])
        head = self.engine.sql(f"""
            SELECT path, stages, cases, {', '.join(OUTCOMES)}, median_days FROM {self._t('variants')}
            WHERE rnk <= {shown} ORDER BY rnk""")
        head = head.astype({"stages": np.int64, "cases": np.int64, **{o: np.int64 for o in OUTCOMES},
                            "median_days": float})
        head["share"] = head["cases"] / total if total else 0.0
        head["cumulative_share"] = head["share"].cumsum()
        codes = np.array(",".join(head.pop("path")).split(","), dtype=np.int64) if len(head) else np.zeros(0)
        head["codes"] = np.split(codes, np.cumsum(head["stages"].to_numpy())[:-1])
        rest = None
        if count > shown:
            rest = self.engine.sql(f"""
                WITH rest AS (SELECT path FROM {self._t('variants')} WHERE rnk > {shown})
                SELECT count(*) AS cases, {', '.join(f'sum(CASE WHEN k.outcome = {c} THEN 1 ELSE 0 END) AS {o}'
                                                     for c, o in enumerate(OUTCOMES))},
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY p.days) AS median_days
                FROM {self._t('paths')} p JOIN rest r ON p.path = r.path
                JOIN {self._t('cases')} k ON p.c = k.c""").iloc[0]
            rest = {"variants": count - shown, "cases": int(rest["cases"]), "share": int(rest["cases"]) / total,
                    "median_days": float(rest["median_days"]), **{o: int(rest[o]) for o in OUTCOMES}}
        return head, rest, count

    def touch_stages(self, case: np.ndarray, at: np.ndarray) -> np.ndarray:
        """As :meth:`StageLog.touch_stages <cjm.analysis.funnel.StageLog.touch_stages>`, in SQL: the
        touches and events of a case in time order (events first at a tie, in log order), each
        touch taking the stage of the last event before it."""
        self.engine.register(self._t("touches"), pd.DataFrame({"r": np.arange(len(case)), "c": case, "t": at}))
        last = self.engine.dialect["last_value"].format(x="s")
        placed = self.engine.sql(f"""
            WITH timeline AS (
                SELECT c, t, 0 AS kind, i, s, CAST(NULL AS BIGINT) AS r FROM {self._t('ev')}
                UNION ALL
                SELECT c, CAST(t AS TIMESTAMP) AS t, 1 AS kind, 0 AS i, CAST(NULL AS INT) AS s, r
                FROM {self._t('touches')}),
            placed AS (
                SELECT r, c, {last} OVER (PARTITION BY c ORDER BY t, kind, i
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s, kind
                FROM timeline),
            opening AS (SELECT c, min_by(s, i) AS s FROM {self._t('ev')} GROUP BY c)
            SELECT p.r, coalesce(p.s, o.s) AS s FROM placed p LEFT JOIN opening o ON p.c = o.c WHERE p.kind = 1""")
        stage = np.full(len(case), np.nan)
        stage[placed["r"].to_numpy(dtype=np.int64)] = placed["s"].to_numpy(dtype=float)
        return stage


def prepare_engine_log(engine: Engine, events: str, cases: pd.DataFrame, stages: list[str],
                       won_stage: str | None = None, ignore: tuple[str, ...] | list[str] = (), order: str = "log",
                       case: str = "deal_id", stage: str = "stage", at: str = "entered_at",
                       lost_stage: str | None = "lost_stage", activities: bool = False) -> EngineLog:
    """Check a stage history in an engine against its cases and code it for the funnel.

    The same semantics, checks and placement of cases as
    :func:`~cjm.analysis.funnel.prepare_log`; the events are never brought into pandas: they
    are coded in the engine (tables ``<prefix>steps``, ``<prefix>ev``, ``<prefix>cases``) and
    only per-case arrays come back. An engagement without a stage history has nothing to
    put in an engine: :func:`~cjm.analysis.funnel.prepare_log` with ``stage_events=None``.

    Examples
    --------
    >>> engine = open_engine("duckdb", memory_limit="3GB", temp_directory=spill)  # doctest: +SKIP
    >>> engine.read("stage_events", interim / "stage_events")                      # doctest: +SKIP
    >>> log = prepare_engine_log(engine, "stage_events", deals, stages, "Signed")  # doctest: +SKIP
    >>> analyse_funnel(log, params["funnel"], touches)                             # doctest: +SKIP

    Parameters
    ----------
    engine : Engine
        :func:`cjm.core.engines.open_engine`.
    events : str
        Name of the engine's view of the stage events (:meth:`Engine.read`: with the rows'
        place in the log): ``case``, ``stage``, ``at`` columns (names as given).
    cases : DataFrame
        One row per case: ``case``, ``outcome`` (won/lost/open), optionally ``created_at``,
        ``closed_at``, ``lost_stage`` and any attributes.
    stages, won_stage, ignore, order, case, stage, at, lost_stage, activities
        As :func:`~cjm.analysis.funnel.prepare_log`.

    Returns
    -------
    EngineLog
        ``cases`` (with ``case_id``, ``created_at``, ``closed_at``, ``furthest``), ``checks``,
        ``unknown_stages``; the events as tables in the engine.

    Raises
    ------
    CjmError
        A missing column, a repeated case, an outcome other than won/lost/open, an unknown ``order``.
    """
    engine.require(events, (case, stage, at), "stage events")
    missing = [c for c in (case, "outcome") if c not in cases.columns]
    if missing:
        raise CjmError(f"cases: no column {', '.join(missing)}", f"expected the columns {case}, outcome")
    if order not in ("log", "time"):
        raise CjmError(f"funnel order {order!r} is unknown", "use 'log' (the order of the rows) or 'time'")
    repeated = int(cases[case].duplicated().sum())
    if repeated:
        raise CjmError(f"cases: {repeated} repeated {case}", "pass one row per case")
    table = case_table(cases, case)
    prefix = f"cjm{next(_logs)}_"
    checks = []

    def check(name: str, count: int, unit: str, treatment: str) -> None:
        checks.append({"check": name, "count": int(count), "unit": unit, "treatment": treatment})

    q = engine.dialect["ident"].format
    e_case, e_stage, e_at = (f"e.{q(x=c)}" for c in (case, stage, at))
    named = engine.sql(f"""SELECT {e_stage} AS name, count(*) AS n, min(e.{FILE} * 4294967296 + e.{ROW}) AS first
                           FROM {events} e GROUP BY {e_stage}""")
    known = named[named["name"].notna()].sort_values("first")
    names = pd.Index(known["name"].tolist(), dtype=object)
    rows_of = np.r_[known["n"].to_numpy(dtype=np.int64), named.loc[named["name"].isna(), "n"].sum()]
    name_step, unknown_names, activity_names = classify_names(names, rows_of, stages, ignore, activities, True, check)
    engine.register(f"{prefix}names", pd.DataFrame({"name": known["name"].to_numpy(), "step": name_step})
                    .loc[lambda f: f["step"] >= 0].astype({"step": np.int64}))
    keys = pd.DataFrame({"key": table["case_id"], "c": np.arange(len(table), dtype=np.int64)})
    engine.register(f"{prefix}keys", keys[keys["key"].notna()])
    left_out = engine.sql(f"""
        SELECT sum(CASE WHEN {e_at} IS NULL THEN 1 ELSE 0 END) AS no_time,
               sum(CASE WHEN k.c IS NULL THEN 1 ELSE 0 END) AS no_case
        FROM {events} e LEFT JOIN {prefix}keys k ON {e_case} = k.key""").fillna(0).iloc[0]
    row_checks(left_out["no_time"], left_out["no_case"], check)
    by = f"e.{FILE}, e.{ROW}" if order == "log" else f"CAST({e_at} AS TIMESTAMP), e.{FILE}, e.{ROW}"
    engine.table(f"{prefix}steps", f"""
        SELECT k.c, n.step AS s, CAST({e_at} AS TIMESTAMP) AS t,
               row_number() OVER (PARTITION BY k.c ORDER BY {by}) AS i
        FROM {events} e JOIN {prefix}names n ON {e_stage} = n.name JOIN {prefix}keys k ON {e_case} = k.key
        WHERE {e_at} IS NOT NULL""")
    k = len(stages)
    engine.table(f"{prefix}ev", f"""
        SELECT c, s, t, i, lag(t) OVER w AS prev_t, lead(t) OVER w AS next_t,
               max(s) OVER (PARTITION BY c ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS high,
               row_number() OVER (PARTITION BY c, s ORDER BY i) = 1 AS first_visit
        FROM {prefix}steps WHERE s < {k}
        WINDOW w AS (PARTITION BY c ORDER BY i)""")
    order_checks = engine.sql(f"""
        SELECT sum(CASE WHEN t < prev_t THEN 1 ELSE 0 END) AS earlier,
               count(DISTINCT CASE WHEN t = prev_t THEN c END) AS tied,
               count(DISTINCT CASE WHEN s < high THEN c END) AS back
        FROM {prefix}ev""").fillna(0).iloc[0]
    event_checks(order_checks["earlier"], order_checks["tied"], order_checks["back"], check)
    won = list(stages).index(won_stage) if won_stage else -1
    per_case = engine.sql(f"""
        SELECT c, max(s) AS furthest, sum(CASE WHEN first_visit THEN CAST(1 AS BIGINT) << s ELSE 0 END) AS entered,
               max(CASE WHEN first_visit AND s = {won} THEN t END) AS won_at
        FROM {prefix}ev GROUP BY c""")
    of = per_case["c"].to_numpy(dtype=np.int64)
    furthest = np.full(len(table), -1, dtype=np.int64)
    furthest[of] = per_case["furthest"].to_numpy(dtype=np.int64)
    entered = np.zeros(len(table), dtype=np.int64)
    entered[of] = per_case["entered"].to_numpy(dtype=np.int64)
    won_entry = np.full(len(table), np.datetime64("NaT"), dtype="datetime64[us]")
    won_entry[of] = pd.to_datetime(per_case["won_at"]).to_numpy(dtype="datetime64[us]")
    won_code = place_cases(table, furthest, stages, won_stage, lost_stage, True, check)
    table["furthest"] = furthest
    log = EngineLog(engine=engine, prefix=prefix, cases=table, stages=list(stages), won=won_code,
                    checks=pd.DataFrame(checks), entered=entered, won_entry=won_entry, unknown_stages=unknown_names,
                    activity_names=activity_names)
    engine.register(f"{prefix}cases", pd.DataFrame({
        "c": np.arange(len(table), dtype=np.int64), "furthest": furthest, "outcome": log.outcomes.astype(np.int64),
        "closed_at": table["closed_at"].to_numpy(dtype="datetime64[us]")}))
    return log
