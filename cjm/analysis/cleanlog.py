"""02_clean of a stage log or touches table out of core: the work of :mod:`cjm.analysis.clean`
done in DuckDB SQL over an anonymized source that never enters pandas.

The step (:mod:`cjm.steps.clean`) opens a DuckDB connection and a view of the source's part
files with a ``_row`` column (the row's number in file order); :func:`build_log_table` maps,
types and deduplicates it into a DuckDB table (:class:`LogTable`) as :func:`cjm.analysis.clean.build_table`
would; :func:`cjm.analysis.clean.clean` then checks its dates, takes the deals of an event log from
it (:meth:`LogTable.case_times`), and splits it by the groups of its deals and clients, each part
handed to the sink as a :class:`LogPart` (a query the step copies into a parquet folder). Only
distinct values (of labels, numbers) and one row per case come into pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cjm.analysis.clean import (FIXED, FUTURE_DATE, MISSING, OK, REJECTED, ROW_KEYS, _check_invalid_share, _note,
                                date_columns, label_map, parse_column, ranked_date_formats)
from cjm.core import schemas
from cjm.core.engines import ROW  # numbers a log's rows in file order
from cjm.core.errors import CjmError
from cjm.core.schemas import require_columns

#: Column of a :class:`LogTable` holding the group a row is set aside under (NULL: kept).
GROUP = "_group"
#: DuckDB types of the canonical kinds (the others are text).
SQL_TYPES = {"datetime": "TIMESTAMP", "number": "DOUBLE", "integer": "BIGINT", "year": "BIGINT"}


def quoted(name: str) -> str:
    """``name`` as a DuckDB identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def _stripped(column: str) -> str:
    """SQL of ``column`` with surrounding white space removed and a blank made NULL."""
    return f"nullif(regexp_replace({column}, '^\\s+|\\s+$', '', 'g'), '')"


def _date_sql(text: str, formats: list[str]) -> str:
    """SQL reading stripped ``text`` in each of ``formats`` in turn (``ISO8601`` and ``%z`` to naive UTC);
    DuckDB's ``strptime`` reads the directives of :data:`cjm.analysis.clean.DATE_FORMATS` as Python does."""
    reads = []
    for fmt in formats:
        if fmt == "ISO8601":
            reads.append(f"(try_cast({text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')")
        elif "%z" in fmt:
            reads.append(f"(try_strptime({text}, '{fmt}')::TIMESTAMPTZ AT TIME ZONE 'UTC')")
        else:
            reads.append(f"try_strptime({text}, '{fmt.replace(chr(39), chr(39) * 2)}')")
    return f"coalesce({', '.join(reads)})" if len(reads) > 1 else reads[0]


@dataclass
class LogPart:
    """Rows of a :class:`LogTable` for the sink: ``con.execute(f"COPY ({sql}) TO ...")`` writes them.

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
        The connection holding the table.
    sql : str
        A query of the rows, canonical columns only, in file order.
    rows : int
        How many.
    """

    con: object
    sql: str
    rows: int

    def __len__(self) -> int:
        return self.rows


class LogTable:
    """A typed canonical table (stage events, touches) in a DuckDB table, with the rows set aside
    marked in :data:`GROUP` and kept in file order by :data:`ROW`.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection holding it.
    table : str
        Its DuckDB table.
    name : str
        The canonical table it is.
    columns : list of str
        Its canonical columns, in order.
    source : str
        The DuckDB view of the anonymized source it was built from.
    """

    #: What :func:`cjm.analysis.clean.clean` asks to tell it from a DataFrame.
    out_of_core = True

    def __init__(self, con, table: str, name: str, columns: list[str], source: str):
        self.con, self.table, self.name, self.columns, self.source = con, table, name, columns, source

    def __len__(self) -> int:
        return self.count("true")

    def count(self, condition: str) -> int:
        """Rows not set aside that meet ``condition`` (SQL)."""
        return int(self.con.execute(f"SELECT count(*) FROM {self.table} WHERE {GROUP} IS NULL AND ({condition})"
                                    ).fetchone()[0])

    def part(self, group: str) -> LogPart:
        """The rows of ``group``, canonical columns only, in file order."""
        columns = ", ".join(quoted(c) for c in self.columns)
        rows = int(self.con.execute(f"SELECT count(*) FROM {self.table} WHERE {GROUP} = ?", [group]).fetchone()[0])
        return LogPart(self.con, f"SELECT {columns} FROM {self.table} WHERE {GROUP} = {_literal(group)} "
                                 f"ORDER BY {ROW}", rows)

    def date_problems(self, export_date=None) -> dict[str, tuple[str, list[str]]]:
        """:func:`cjm.analysis.clean.date_problems` as SQL: check -> (condition, columns read)."""
        columns = date_columns(pd.DataFrame(columns=self.columns), self.name)
        if export_date is None or not columns:
            return {}
        after = (pd.Timestamp(export_date).normalize() + pd.Timedelta(days=1)).isoformat()
        return {FUTURE_DATE: (" OR ".join(f"coalesce({quoted(c)} >= TIMESTAMP '{after}', false)" for c in columns),
                              columns)}

    def failing(self, condition: str, columns: list[str], keys: int | None = None):
        """Rows not set aside that meet ``condition``: their key (:data:`cjm.analysis.clean.ROW_KEYS`)
        and ``columns`` by key; or with ``keys``, that many of their keys, sorted, as text."""
        key = next((c for c in ROW_KEYS.get(self.name, ()) if c in self.columns), None)
        where = f"WHERE {GROUP} IS NULL AND ({condition})"
        if keys is not None:
            return [] if key is None else [str(k) for (k,) in self.con.execute(
                f"SELECT DISTINCT {quoted(key)} FROM {self.table} {where} AND {quoted(key)} IS NOT NULL "
                f"ORDER BY 1 LIMIT {int(keys)}").fetchall()]
        wanted = list(dict.fromkeys([*([key] if key else []), *columns]))
        order = f"{quoted(key)} NULLS LAST, {ROW}" if key else ROW
        return self.con.execute(f"SELECT {', '.join(quoted(c) for c in wanted)} FROM {self.table} {where} "
                                f"ORDER BY {order}").df()

    def mark(self, check: str, condition: str) -> None:
        """Set aside under ``check`` the rows not set aside that meet ``condition``."""
        self.con.execute(f"UPDATE {self.table} SET {GROUP} = ? WHERE {GROUP} IS NULL AND ({condition})", [check])

    def carry(self, checks: pd.DataFrame | None, key: str) -> None:
        """Set aside the rows not set aside whose ``key`` is among ``checks``' (``key``, ``check``)
        under that check: a deal's rows go with it."""
        if key not in self.columns or checks is None or not len(checks):
            return
        self.con.register("_carried", checks[[key, "check"]].drop_duplicates(key).astype("str"))
        self.con.execute(f"UPDATE {self.table} SET {GROUP} = c.check FROM _carried c WHERE {GROUP} IS NULL AND "
                         f"{self.table}.{quoted(key)} = c.{quoted(key)}")
        self.con.unregister("_carried")

    def groups(self) -> dict[str, int]:
        """Rows set aside (or scoped), by group."""
        return dict(self.con.execute(f"SELECT {GROUP}, count(*) FROM {self.table} WHERE {GROUP} IS NOT NULL "
                                     f"GROUP BY {GROUP}").fetchall())

    def scope(self, deals: pd.DataFrame, clients: pd.DataFrame, default: str) -> None:
        """Put every row not set aside in the scope group of its deal, else of its client
        (``deals``: ``deal_id``, ``group``; ``clients``: ``client_id``, ``group``), else ``default``,
        as :func:`cjm.analysis.clean._row_groups` does."""
        for key, owners in (("deal_id", deals), ("client_id", clients)):
            if not (key == "deal_id" and self.name == "clients"):
                self.carry(owners[[key, "group"]].rename(columns={"group": "check"}), key)
        self.con.execute(f"UPDATE {self.table} SET {GROUP} = ? WHERE {GROUP} IS NULL", [default])

    def outside(self, group: str, column: str, values: list) -> pd.DataFrame:
        """The values of ``column`` not among ``values`` in the rows of ``group``: ``column``, ``n``
        (rows), most frequent first."""
        listed = ", ".join(_literal(v) for v in values) or "NULL"
        return self.con.execute(f"SELECT {quoted(column)}, count(*) AS n FROM {self.table} WHERE {GROUP} = ? AND "
                                f"{quoted(column)} NOT IN ({listed}) GROUP BY 1 ORDER BY n DESC, min({ROW})", [group]).df(
                                ).astype({column: "str", "n": "int64"})

    def source_columns(self) -> pd.DataFrame:
        """An empty frame with the columns of the anonymized source, for messages."""
        return source_columns(self.con, self.source)

    def case_times(self, won_stages, lost_stages, case: str = "deal_id", stage: str = "stage",
                   at: str = "entered_at") -> tuple[pd.DataFrame, pd.Timestamp]:
        """The times of each case of the rows not set aside, as :func:`cjm.analysis.clean.case_outcomes`
        takes them (``created_at``, ``last``, ``won_at``, ``lost_at``, ``lost_stage``, indexed by
        ``deal_id`` in order), and the log's last event."""
        won = ", ".join(_literal(v) for v in won_stages) or "NULL"
        lost = ", ".join(_literal(v) for v in lost_stages) or "NULL"
        c, s, t = quoted(case), quoted(stage), quoted(at)
        cases = self.con.execute(
            f"WITH e AS (SELECT {c} AS c, {s} AS s, {t} AS t, {ROW} AS r FROM {self.table} "
            f"WHERE {GROUP} IS NULL AND {t} IS NOT NULL), "
            f"lost AS (SELECT c, arg_min(t, (t, r)) AS lost_at, arg_min(s, (t, r)) AS lost_stage FROM e "
            f"WHERE s IN ({lost}) GROUP BY c) "
            f"SELECT e.c AS deal_id, min(t) AS created_at, max(t) AS last, min(t) FILTER (s IN ({won})) AS won_at, "
            f"any_value(lost.lost_at) AS lost_at, any_value(lost.lost_stage) AS lost_stage "
            f"FROM e LEFT JOIN lost ON e.c = lost.c GROUP BY e.c ORDER BY e.c").df()
        last = self.con.execute(f"SELECT max({t}) FROM {self.table} WHERE {GROUP} IS NULL").fetchone()[0]
        cases = cases.astype({"deal_id": "str", "lost_stage": "str"})
        for column in ("created_at", "last", "won_at", "lost_at"):
            cases[column] = cases[column].astype("datetime64[us]")
        return cases.set_index("deal_id"), pd.Timestamp(last)

    def first_source_rows(self, key: str, columns: list[str]) -> pd.DataFrame:
        """The first row (in file order) of each value of the source's column ``key`` with any of
        ``columns`` given: ``key`` and ``columns`` as text, one row per key (a case's attributes)."""
        wanted = list(dict.fromkeys([key, *columns]))
        given = " OR ".join(f"{quoted(c)} IS NOT NULL" for c in columns)
        return self.con.execute(
            f"SELECT {', '.join(quoted(c) for c in wanted)} FROM {self.source} WHERE {given} "
            f"QUALIFY row_number() OVER (PARTITION BY {quoted(key)} ORDER BY {ROW}) = 1 ORDER BY {ROW}").df()


def source_columns(con, view: str) -> pd.DataFrame:
    """An empty frame with the columns of DuckDB view ``view`` (but :data:`ROW`), for messages."""
    names = [row[0] for row in con.execute(f"DESCRIBE {view}").fetchall() if row[0] != ROW]
    return pd.DataFrame(columns=names)


def build_log_table(con, name: str, spec: dict, view: str, where: str, lifecycle=None,
                    max_invalid_share: float = 0.05) -> tuple[LogTable, pd.DataFrame, dict]:
    """:func:`cjm.analysis.clean.build_table` of a table without a key (stage events, touches)
    over the DuckDB view ``view`` of its anonymized source (text columns and :data:`ROW`).

    Exact duplicates (on the columns used) keep their first row; ``exclude_values`` and the
    ``lifecycle`` transitions not listed are left out, counted; columns are typed as the pandas
    path types them: ids and text stripped, dates by the formats that read most of the first
    500 distinct values (:func:`cjm.analysis.clean.ranked_date_formats`; times with a UTC offset
    converted to UTC), labels, numbers and towns by their distinct values
    (:func:`cjm.analysis.clean.label_map`, :func:`cjm.analysis.clean.parse_column`).
    Excel serial days are not read out of core.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Where ``view`` is and the table is made (``log_<name>``).
    name : str
        The canonical table.
    spec : dict
        Its ``clean.tables.<name>`` params (``join`` and ``other_columns: keep`` are not supported).
    view : str
        The source's view.
    where : str
        The source as messages name it.
    lifecycle : list of str, optional
        ``clean.event_log.lifecycle`` (stage events only).
    max_invalid_share : float
        ``clean.max_invalid_share``.

    Returns
    -------
    table : LogTable
        Columns: the schema's mapped columns, then the extra ones.
    quality : DataFrame
        As :func:`cjm.analysis.clean.build_table`'s.
    counts : dict
        As :func:`cjm.analysis.clean.build_table`'s (no key duplicates: the table has no key).
    """
    if "join" in spec or spec.get("other_columns") == "keep":
        raise CjmError(f"{where}: 'clean.tables.{name}' uses "
                       f"{'join' if 'join' in spec else 'other_columns: keep'}, which 02 does not do out of core",
                       f"map the columns the table needs under 'clean.tables.{name}.columns'")
    columns, notes = dict(spec["columns"]), []
    raw = source_columns(con, view)
    require_columns(raw, list(dict.fromkeys(columns.values())), where, f"clean.tables.{name}.columns")
    for column in spec.get("exclude_values", {}):
        require_columns(raw, [column], where, f"clean.tables.{name}.exclude_values")
    used = list(dict.fromkeys([*columns.values(), *spec.get("exclude_values", {})]))
    picked = ", ".join(quoted(c) for c in used)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT {picked}, min({ROW}) AS {ROW} FROM {view} "
                f"GROUP BY {picked}")  # an exact duplicate's first row
    rows_read = int(con.execute(f"SELECT count(*) FROM {view}").fetchone()[0])
    kept = int(con.execute("SELECT count(*) FROM _raw").fetchone()[0])
    counts = {"table": name, "source": spec["source"], "rows_read": rows_read, "exact_duplicates": rows_read - kept}
    excluded = [f"{quoted(c)} IN ({', '.join('?' for _ in values)})" for c, values in spec.get("exclude_values",
                                                                                               {}).items()]
    arguments = [str(v) for values in spec.get("exclude_values", {}).values() for v in values]
    if lifecycle and "lifecycle" in columns:
        transition = quoted(columns["lifecycle"])
        other = (f"({transition} IS NOT NULL AND lower(regexp_replace({transition}, '^\\s+|\\s+$', '', 'g')) "
                 f"NOT IN ({', '.join('?' for _ in lifecycle)}))")
        found = con.execute(f"SELECT {transition}, count(*) FROM _raw WHERE {other} GROUP BY 1 ORDER BY 1",
                            [str(t).lower() for t in lifecycle]).fetchall()
        notes += [_note(name, "lifecycle", "lifecycle", str(t), int(n)) for t, n in found]
        excluded.append(other)
        arguments += [str(t).lower() for t in lifecycle]
    if excluded:
        con.execute(f"DELETE FROM _raw WHERE coalesce(({' OR '.join(excluded)}), false)", arguments)
    counts["excluded_values"] = kept - int(con.execute("SELECT count(*) FROM _raw").fetchone()[0])

    kinds, total = schemas.TABLES[name], _rows(con)
    typed, joins, quality = {}, [], []
    for canon, column in [*columns.items(), *((c, None) for c in spec.get("constants", {}))]:
        kind = kinds.get(canon) or spec.get("types", {}).get(canon) or (None if column else "text")
        mapping, date_format = spec.get("values", {}).get(canon), spec.get("date_format")
        if column is None:  # a constant: one value, parsed as a column of it would be
            value = str(spec["constants"][canon])
            notes.append(_note(name, canon, "constant", value))
            kind, parsed, status = _parse_distinct(pd.Series([value]), np.array([total]), kind, mapping, date_format)
            typed[canon] = _typed_literal(parsed.iloc[0], kind)
            row = _counts(pd.DataFrame({"v": [value], "n": [total], "status": status}), total)
        else:
            typed[canon], kind, row, join, offsets = _typed_column(con, column, canon, kind, mapping, date_format,
                                                                    total)
            joins += [join] if join else []
            if offsets:
                notes.append(_note(name, canon, "utc", ", ".join(offsets)))
        quality.append({"table": name, "column": canon, "kind": kind, "source": spec["source"],
                        "source_column": column or "(constant)", **row})
    order = [c for c in kinds if c in typed] + [c for c in typed if c not in kinds]
    missing = [c for c in schemas.REQUIRED[name] if c not in order]
    if missing:
        schemas.validate(pd.DataFrame(columns=order), name)  # the schema's message of a required column
    table = f"log_{name}"
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT _raw.{ROW} AS {ROW}, NULL::VARCHAR AS {GROUP}, "
                + ", ".join(f"{typed[c]} AS {quoted(c)}" for c in order)
                + " FROM _raw " + " ".join(joins) + f" ORDER BY {ROW}")
    con.execute("DROP TABLE _raw")
    for canon in typed:
        con.execute(f"DROP TABLE IF EXISTS {_label_table(canon)}")
    counts.update(key_duplicates=0, conflicting=0, conflict_columns=None, rows_kept=_rows(con, table), notes=notes)
    quality = pd.DataFrame(quality, columns=QUALITY_COLUMNS)
    _check_invalid_share(quality, max_invalid_share, where)
    return LogTable(con, table, name, order, view), quality.drop(columns="kind"), counts


#: Columns of the quality rows :func:`build_log_table` makes (``kind`` dropped at the end).
QUALITY_COLUMNS = ["table", "column", "kind", "source", "source_column", "rows", "missing", "fixed", "rejected",
                   "rejected_examples"]
#: Kinds typed by their distinct values (the others, ids, text and dates, row by row in SQL unless
#: a ``values`` map applies).
_BY_DISTINCT = (None, "category", "outcome", "number", "integer", "year", "town")


def _typed_column(con, column: str, canon: str, kind: str | None, mapping: dict | None, date_format: str | None,
                  total: int) -> tuple[str, str, dict, str | None, list[str]]:
    """SQL typing the source column ``column`` of ``_raw`` as ``kind`` (None: an extra column, numbers
    or labels by its values): the expression, the kind, the quality counts, a join it needs (None),
    and the UTC offsets converted."""
    raw = f"_raw.{quoted(column)}"
    text = _stripped(raw)
    if kind == "datetime" and not mapping:
        sample = con.execute(f"SELECT {text} FROM _raw WHERE {raw} IS NOT NULL GROUP BY {raw} "
                             f"ORDER BY min({ROW}) LIMIT 500").df().iloc[:, 0]
        sql = _date_sql(text, ranked_date_formats(sample.astype("str").fillna(""), date_format))
        status = f"CASE WHEN {text} IS NULL THEN 1 WHEN {sql} IS NULL THEN 3 ELSE 0 END"
        values = con.execute(f"SELECT {raw} AS v, count(*) AS n, any_value({status}) AS status FROM _raw "
                             f"WHERE {status} <> 0 GROUP BY {raw}").df()
        offsets = con.execute(f"SELECT DISTINCT regexp_extract({text}, '(Z|[+-]\\d{{2}}:?\\d{{2}})$', 1) AS o "
                              f"FROM _raw WHERE {sql} IS NOT NULL ORDER BY o").df()["o"]
        return sql, kind, _counts(values, total), None, [o for o in offsets if o]
    if kind not in _BY_DISTINCT and not mapping:  # ids and text
        values = con.execute(f"SELECT {raw} AS v, count(*) AS n, 1 AS status FROM _raw WHERE {text} IS NULL "
                             f"GROUP BY {raw}").df()
        return text, kind or "text", _counts(values, total), None, []
    distinct = con.execute(f"SELECT {raw} AS v, count(*) AS n FROM _raw WHERE {raw} IS NOT NULL GROUP BY {raw} "
                           f"ORDER BY min({ROW})").df()
    kind, parsed, status = _parse_distinct(distinct["v"].astype("str"), distinct["n"].to_numpy(), kind, mapping,
                                           date_format)
    labels = pd.DataFrame({"v": distinct["v"].astype("str"), "parsed": parsed.reset_index(drop=True)})
    con.register("_distinct", labels)
    alias = _label_table(canon)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {alias} AS SELECT v, parsed::{SQL_TYPES.get(kind, 'VARCHAR')} "
                f"AS parsed FROM _distinct")
    con.unregister("_distinct")
    nulls = int(con.execute(f"SELECT count(*) FROM _raw WHERE {raw} IS NULL").fetchone()[0])
    values = pd.concat([distinct.assign(status=status), pd.DataFrame({"v": [None], "n": [nulls], "status": [1]})])
    return (f"{alias}.parsed", kind, _counts(values, total), f"LEFT JOIN {alias} ON {raw} = {alias}.v", [])


def _label_table(canon: str) -> str:
    """The DuckDB table of the typed distinct values of canonical column ``canon``."""
    return quoted(f"_labels_{canon}")


def _parse_distinct(values: pd.Series, weight: np.ndarray, kind: str | None, mapping: dict | None,
                    date_format: str | None) -> tuple[str, pd.Series, np.ndarray]:
    """A column's distinct ``values`` (text, in order of first appearance, each held by ``weight``
    rows) parsed as :func:`cjm.analysis.clean.parse_column` parses the column: ``(kind, parsed,
    status)``; kind None is an extra column, numbers when 99% of its given rows read as numbers."""
    values = values.reset_index(drop=True)
    if kind in ("category", "outcome"):
        return (kind, *label_map(values, weight, mapping))
    labels = label_map(values, weight, mapping)[0] if mapping else values
    if kind is None:
        numbers, status = parse_column(labels, "number")
        given = status != MISSING
        if given.any() and weight[given & (status == OK)].sum() >= 0.99 * weight[given].sum():
            return "number", numbers, status
        return ("category", *label_map(values, weight, mapping))
    return (kind, *parse_column(labels, kind, date_format=date_format))


def _typed_literal(value, kind: str) -> str:
    """A parsed value as a SQL literal of its kind's type."""
    if pd.isna(value):
        return f"NULL::{SQL_TYPES.get(kind, 'VARCHAR')}"
    if kind == "datetime":
        return f"TIMESTAMP '{pd.Timestamp(value).isoformat()}'"
    if kind in SQL_TYPES:
        return f"{value}::{SQL_TYPES[kind]}"
    return _literal(value)


def _counts(values: pd.DataFrame, total: int) -> dict:
    """Quality counts of a column from its values' ``v`` (raw value), ``n`` (rows) and ``status``."""
    by = values.groupby("status")["n"].sum()
    rejected = values[values["status"] == REJECTED].sort_values("n", ascending=False, kind="stable")
    return {"rows": total, "missing": int(by.get(MISSING, 0)), "fixed": int(by.get(FIXED, 0)),
            "rejected": int(by.get(REJECTED, 0)), "rejected_examples": ", ".join(repr(v) for v in rejected["v"][:3])}


def _rows(con, table: str = "_raw") -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"
