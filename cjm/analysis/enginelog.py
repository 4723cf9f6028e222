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
#: A path's hash: two polynomial hashes of its step codes + 1, ``sum((s_i + 1) * base**i) mod
#: prime``, each (base, prime) here, the first times the second prime plus the second (every
#: product fits in a BIGINT). Paths of the same length share a key only by chance: for two
#: given paths about 1 in 2**62 (the primes' product); among a million distinct variants,
#: about 1 in 10 million that any two do.
PATH_HASHES = ((1_000_003, 2_147_483_647), (911_382_323, 2_147_483_629))


def quantile_sql(source: str, keys: list[str], quantiles: dict[str, float]) -> str:
    """SQL of exact quantiles per group, linearly interpolated (as ``percentile_cont`` and
    pandas), out of core: the distinct values are counted and ranked by a window (both
    spill to disk, unlike a quantile aggregate's state), and each quantile picks the values
    at ranks floor and ceil of ``q * (size - 1)``.

    Parameters
    ----------
    source : str
        A query with the columns ``keys`` and ``v``: integer microseconds (NULL: a row
        without a value, counted in ``entries`` only).
    keys : list of str
        The group's columns (none named ``q_*``).
    quantiles : dict
        Output column -> quantile in [0, 1]; the result is in days.

    Returns
    -------
    str
        A query of ``keys``, ``entries`` (rows), ``size`` (rows with a value) and the quantiles (NULL
        for a group without values).
    """
    group = ", ".join(keys)
    at = {name: (f"{q} * (q_size - 1)", f"floor({q} * (q_size - 1))", f"ceil({q} * (q_size - 1))")
          for name, q in quantiles.items()}
    picks = ", ".join(f"min(CASE WHEN q_upto > {low} THEN v END) AS {name}_lo, "
                      f"min(CASE WHEN q_upto > {high} THEN v END) AS {name}_hi, max({pos} - {low}) AS {name}_frac"
                      for name, (pos, low, high) in at.items())
    values = ", ".join(f"(CAST({name}_lo AS DOUBLE) + {name}_frac * CAST({name}_hi - {name}_lo AS DOUBLE)) "
                       f"/ {DAY_US} AS {name}" for name in quantiles)
    return f"""
        WITH counted AS (SELECT {group}, v, count(*) AS q_n FROM ({source}) x GROUP BY {group}, v),
        ranked AS (
            SELECT {group}, v, q_n,
                   sum(q_n) OVER (PARTITION BY {group} ORDER BY v NULLS LAST
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS q_upto,
                   sum(CASE WHEN v IS NOT NULL THEN q_n ELSE 0 END) OVER (PARTITION BY {group}) AS q_size
            FROM counted),
        picked AS (SELECT {group}, sum(q_n) AS entries, max(q_size) AS size, {picks} FROM ranked GROUP BY {group})
        SELECT {group}, entries, size, {values} FROM picked"""


@dataclass
class EngineLog(CaseViews):
    """A stage history in an engine, ready for the funnel (see :func:`prepare_engine_log`).

    Attributes
    ----------
    engine : Engine
    prefix : str
        Prefix of the log's tables in the engine: ``steps`` (``c`` case position, ``s`` step,
        ``t`` time, ``i`` order in the case: every activity with ``activities``, else the
        stage events; ``next_s``, ``next_t``: the case's next step), ``ev`` (the stage events
        with the time of the one before and after, and the highest stage before) and
        ``cases`` (``c``, ``furthest``, ``outcome`` code, ``closed_at``).
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

    def stay_stats(self, codes: np.ndarray) -> pd.DataFrame:
        """As :meth:`StageLog.stay_stats <cjm.analysis.funnel.StageLog.stay_stats>`, in SQL."""
        has = codes >= 0
        self.engine.register(self._t("groups"), pd.DataFrame({"c": np.flatnonzero(has).astype(np.int32),
                                                              "g": codes[has]}))
        lost_code, closing = OUTCOMES.index("lost"), f"{self._us('k.closed_at')} - {self._us('st.last_t')}"
        self.engine.table(self._t("stays"), f"""
            WITH stay AS (  -- a case's visits of a stage: the known lengths to the next event summed
                SELECT c, s, count(*) AS visits, count(CASE WHEN next_t >= t THEN 1 END) AS known,
                       sum(CASE WHEN next_t >= t THEN {self._us('next_t')} - {self._us('t')} END) AS v,
                       max(CASE WHEN next_t IS NULL THEN t END) AS last_t  -- the case's last event
                FROM {self._t('ev')} GROUP BY c, s)
            SELECT g.g, st.s, coalesce(st.v, 0) + CASE WHEN st.last_t IS NULL THEN 0 ELSE {closing} END AS v,
                   CASE WHEN st.s < k.furthest THEN 0 ELSE 1 END AS way
            FROM stay st JOIN {self._t('cases')} k ON st.c = k.c JOIN {self._t('groups')} g ON st.c = g.c
            WHERE (st.s < k.furthest OR k.outcome = {lost_code})  -- a last visit counts until a loss is closed;
              AND st.known + CASE WHEN st.last_t IS NOT NULL AND k.outcome = {lost_code} AND k.closed_at >= st.last_t
                                  THEN 1 ELSE 0 END = st.visits  -- one of unknown length leaves the stay unknown""")
        table = self.engine.sql(quantile_sql(f"SELECT g, s, way, v FROM {self._t('stays')}", ["g", "s", "way"],
                                             {"median_days": 0.5, "p75_days": 0.75, "p90_days": 0.9}))
        self.engine.drop(self._t("stays"))
        table = table.rename(columns={"g": "group", "s": "stage"}).astype(
            {"group": np.int64, "stage": np.int64, "way": np.int64, "size": np.int64})
        table = table.set_index(["group", "stage"]).sort_index()
        moved, lost = table[table["way"] == 0], table[table["way"] == 1]
        moved = moved[["size", "median_days", "p75_days", "p90_days"]].rename(columns={"size": "moved_on_cases"})
        lost = lost[["size", "median_days"]].rename(columns={"size": "lost_cases", "median_days": "median_days_to_loss"})
        return moved.join(lost, how="outer")[STAY_COLUMNS]

    def follow_counts(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """As :meth:`StageLog.follow_counts <cjm.analysis.funnel.StageLog.follow_counts>`, in SQL: a
        step and the next one are a row of ``steps``."""
        k = len(self.activity_names or self.stages)
        gap = f"CASE WHEN next_t >= t THEN {self._us('next_t')} - {self._us('t')} END"
        edges = self.engine.sql(quantile_sql(
            f"SELECT s AS source, next_s AS target, {gap} AS v FROM {self._t('steps')} WHERE next_s IS NOT NULL",
            ["source", "target"], {"median_days": 0.5}))
        edges = edges.rename(columns={"entries": "cases"})[["source", "target", "cases", "median_days"]].astype(
            {"source": np.int64, "target": np.int64, "cases": np.int64, "median_days": float})
        edges = edges.sort_values(["source", "target"], ignore_index=True)
        ends = self.engine.sql(f"""
            SELECT s, -1 AS outcome, count(*) AS cases FROM {self._t('steps')} WHERE i = 1 GROUP BY s
            UNION ALL
            SELECT st.s, k.outcome, count(*) AS cases
            FROM {self._t('steps')} st JOIN {self._t('cases')} k ON st.c = k.c WHERE st.next_s IS NULL
            GROUP BY st.s, k.outcome""")
        step, outcome = ends["s"].to_numpy(dtype=np.int64), ends["outcome"].to_numpy(dtype=np.int64)
        first = np.bincount(step[outcome < 0], weights=ends["cases"][outcome < 0], minlength=k)
        final = np.bincount(step[outcome >= 0] * len(OUTCOMES) + outcome[outcome >= 0],
                            weights=ends["cases"][outcome >= 0], minlength=k * len(OUTCOMES))
        return edges, first.astype(np.int64), final.astype(np.int64).reshape(k, len(OUTCOMES))

    def variant_table(self, coverage: float, most: int | None) -> tuple[pd.DataFrame, dict | None, int]:
        """As :meth:`StageLog.variant_table <cjm.analysis.funnel.StageLog.variant_table>`, in SQL:
        a path is keyed by its length and a hash of its step codes (:data:`PATH_HASHES`), summed
        by plain groupings; variants are ranked by cases then the first case, and the steps
        of the variants shown are those of their first case."""
        longest = int(self.engine.sql(f"SELECT max(i) AS n FROM {self._t('steps')}").iloc[0]["n"] or 1)
        powers = {"i": np.arange(1, longest + 1, dtype=np.int64)}
        for number, (base, prime) in enumerate(PATH_HASHES):
            powers[f"p{number}"] = np.array([pow(base, n, prime) for n in range(longest)], dtype=np.int64)
        self.engine.register(self._t("powers"), pd.DataFrame(powers))
        p0, p1 = (prime for _, prime in PATH_HASHES)
        self.engine.table(self._t("paths"), f"""
            SELECT st.c, CAST(sum((st.s + 1) * w.p0 % {p0}) % {p0} AS BIGINT) * {p1}
                         + CAST(sum((st.s + 1) * w.p1 % {p1}) % {p1} AS BIGINT) AS h,
                   count(*) AS n, {self._us('max_by(st.t, st.i)')} - {self._us('min_by(st.t, st.i)')} AS v
            FROM {self._t('steps')} st JOIN {self._t('powers')} w ON st.i = w.i GROUP BY st.c""")
        outcome = ", ".join(f"sum(CASE WHEN k.outcome = {code} THEN 1 ELSE 0 END) AS {name}"
                            for code, name in enumerate(OUTCOMES))
        self.engine.table(self._t("variants"), f"""
            WITH variant AS (
                SELECT p.h, p.n, count(*) AS cases, min(p.c) AS first, {outcome}
                FROM {self._t('paths')} p JOIN {self._t('cases')} k ON p.c = k.c GROUP BY p.h, p.n),
            timed AS ({quantile_sql(f"SELECT h, n, v FROM {self._t('paths')}", ["h", "n"], {"median_days": 0.5})})
            SELECT a.*, t.median_days, row_number() OVER (ORDER BY a.cases DESC, a.first) AS rnk,
                   sum(a.cases) OVER (ORDER BY a.cases DESC, a.first ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                       AS covered,
                   sum(a.cases) OVER () AS total
            FROM variant a JOIN timed t ON a.h = t.h AND a.n = t.n""")
        sizes = self.engine.sql(f"""
            SELECT count(*) AS variants, sum(cases) AS total,
                   sum(CASE WHEN CAST(covered AS DOUBLE) / total < {coverage} - 1e-12 THEN 1 ELSE 0 END) + 1 AS shown
            FROM {self._t('variants')}""").iloc[0]
        count = int(sizes["variants"])
        total = int(sizes["total"]) if count else 0
        shown = min(int(sizes["shown"]), most) if most else int(sizes["shown"])
        head = self.engine.sql(f"""
            SELECT n AS stages, cases, {', '.join(OUTCOMES)}, median_days FROM {self._t('variants')}
            WHERE rnk <= {shown} ORDER BY rnk""")
        head = head.astype({"stages": np.int64, "cases": np.int64, **{o: np.int64 for o in OUTCOMES},
                            "median_days": float})
        head["share"] = head["cases"] / total if total else 0.0
        head["cumulative_share"] = head["share"].cumsum()
        codes = self.engine.sql(f"""
            SELECT v.rnk, st.i, st.s FROM {self._t('steps')} st JOIN {self._t('variants')} v ON st.c = v.first
            WHERE v.rnk <= {shown}""").sort_values(["rnk", "i"])["s"].to_numpy(dtype=np.int64)
        head["codes"] = np.split(codes, np.cumsum(head["stages"].to_numpy())[:-1]) if len(head) else []
        rest = None
        if count > shown:
            rest = self.engine.sql(f"""
                WITH rest AS (SELECT h, n FROM {self._t('variants')} WHERE rnk > {shown}),
                ended AS (
                    SELECT 0 AS g, p.v, k.outcome FROM {self._t('paths')} p JOIN rest r ON p.h = r.h AND p.n = r.n
                    JOIN {self._t('cases')} k ON p.c = k.c),
                timed AS ({quantile_sql("SELECT g, v FROM ended", ["g"], {"median_days": 0.5})})
                SELECT t.entries AS cases, t.median_days, {', '.join(f'o.{name}' for name in OUTCOMES)}
                FROM timed t JOIN (SELECT 0 AS g, {', '.join(f'sum(CASE WHEN outcome = {c} THEN 1 ELSE 0 END) AS {o}'
                                                             for c, o in enumerate(OUTCOMES))} FROM ended) o
                ON t.g = o.g""").iloc[0]
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
    prefix = f"cjm{next(_logs)}_"
    table = case_table(cases, case)
    keys = table["case_id"]
    engine.register(f"{prefix}keys", pd.DataFrame({"key": keys, "c": np.arange(len(keys), dtype=np.int32)},
                                                  copy=False))
    repeated = int(engine.sql(f"""SELECT count(*) - count(DISTINCT key)
                                         - coalesce(max(CASE WHEN key IS NULL THEN 1 END), 0) AS n
                                  FROM {prefix}keys""").iloc[0]["n"])
    if repeated:
        raise CjmError(f"cases: {repeated} repeated {case}", "pass one row per case")
    checks = []

    def check(name: str, count: int, unit: str, treatment: str) -> None:
        checks.append({"check": name, "count": int(count), "unit": unit, "treatment": treatment})

    q = engine.dialect["ident"].format
    e_case, e_stage, e_at = (f"e.{q(x=c)}" for c in (case, stage, at))
    named = engine.sql(f"""SELECT {e_stage} AS name, count(*) AS n, count({e_at}) AS timed,
                                  min(e.{FILE} * 4294967296 + e.{ROW}) AS first
                           FROM {events} e GROUP BY {e_stage}""")
    known = named[named["name"].notna()].sort_values("first")
    names = pd.Index(known["name"].tolist(), dtype=object)
    rows_of = np.r_[known["n"].to_numpy(dtype=np.int64), named.loc[named["name"].isna(), "n"].sum()]
    name_step, unknown_names, activity_names = classify_names(names, rows_of, stages, ignore, activities, True, check)
    engine.register(f"{prefix}names", pd.DataFrame({"name": known["name"].to_numpy(), "step": name_step})
                    .loc[lambda f: f["step"] >= 0].astype({"step": np.int32}))
    by = f"e.{FILE}, e.{ROW}" if order == "log" else f"CAST({e_at} AS TIMESTAMP), e.{FILE}, e.{ROW}"
    engine.table(f"{prefix}steps", f"""
        SELECT k.c, n.step AS s, CAST({e_at} AS TIMESTAMP) AS t, row_number() OVER w AS i,
               lead(n.step) OVER w AS next_s, lead(CAST({e_at} AS TIMESTAMP)) OVER w AS next_t
        FROM {events} e JOIN {prefix}names n ON {e_stage} = n.name JOIN {prefix}keys k ON {e_case} = k.key
        WHERE {e_at} IS NOT NULL
        WINDOW w AS (PARTITION BY k.c ORDER BY {by})""")
    # rows of unknown cases: those of a step not in the steps, and those set aside (no time,
    # no step: few) looked up
    stepped = int(engine.sql(f"SELECT count(*) AS n FROM {prefix}steps").iloc[0]["n"])
    set_aside = engine.sql(f"""
        SELECT count(*) AS n FROM {events} e LEFT JOIN {prefix}names n ON {e_stage} = n.name
        LEFT JOIN {prefix}keys k ON {e_case} = k.key
        WHERE ({e_at} IS NULL OR n.step IS NULL) AND k.c IS NULL""").iloc[0]["n"]
    timed = known["timed"].to_numpy(dtype=np.int64)[name_step >= 0].sum()
    row_checks(rows_of.sum() - named["timed"].sum(), timed - stepped + int(set_aside or 0), check)
    k = len(stages)
    engine.table(f"{prefix}ev", f"""
        SELECT c, s, t, i, lag(t) OVER w AS prev_t, lead(t) OVER w AS next_t,
               max(s) OVER (PARTITION BY c ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS high
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
        SELECT c, CAST(max(s) AS SMALLINT) AS furthest, bit_or(CAST(1 AS BIGINT) << s) AS entered,
               min_by(t, CASE WHEN s = {won} THEN i END) AS won_at
        FROM {prefix}ev GROUP BY c""")
    of = per_case.pop("c").to_numpy(dtype=np.int64)
    furthest = np.full(len(table), -1, dtype=np.int64)
    furthest[of] = per_case.pop("furthest").to_numpy()
    entered = np.zeros(len(table), dtype=np.int64)
    entered[of] = per_case.pop("entered").to_numpy()
    won_entry = np.full(len(table), np.datetime64("NaT"), dtype="datetime64[us]")
    won_entry[of] = per_case.pop("won_at").to_numpy(dtype="datetime64[us]")
    del per_case, of
    for name in ("keys", "names"):
        engine.drop(f"{prefix}{name}")
    won_code = place_cases(table, furthest, stages, won_stage, lost_stage, True, check)
    table["furthest"] = furthest
    log = EngineLog(engine=engine, prefix=prefix, cases=table, stages=list(stages), won=won_code,
                    checks=pd.DataFrame(checks), entered=entered, won_entry=won_entry, unknown_stages=unknown_names,
                    activity_names=activity_names)
    engine.register(f"{prefix}cases", pd.DataFrame({
        "c": np.arange(len(table), dtype=np.int32), "furthest": furthest.astype(np.int16), "outcome": log.outcomes,
        "closed_at": table["closed_at"].to_numpy(dtype="datetime64[us]")}))
    return log
