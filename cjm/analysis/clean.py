"""02_clean: anonymized exports -> typed, deduplicated canonical tables, scoped.

The column maps of ``clean.tables`` in the params put each anonymized source onto a
canonical table (:mod:`cjm.core.schemas`): columns renamed, values mapped, types parsed,
duplicates removed (repeats of a key whose rows disagree settled by ``clean.duplicates``).
The ``clean.dates`` rules set aside (or keep, counted, or stop on) rows dated after the
export and deals closed before they were created; ``clean.hygiene`` sets aside (or keeps,
counted) the deals lost for a data hygiene reason (``clean.hygiene_reasons``: duplicate
requests, spam, wrong contacts are not customers' reasons), with the clients left without a
deal. The ``clean.scope`` rules then set
clients aside in order (the first rule a client or any of its deals matches wins);
nothing is dropped: each side group keeps tables of its own, and the exclusion
waterfall, the duplicates and the date checks count them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cjm.core import schemas
from cjm.core.errors import CjmError
from cjm.core.geo import normalize_town, region_of
from cjm.core.schemas import ROW_ID, require_columns

IN_SCOPE = "in_scope"
NO_CLIENT = "no_client"
#: Status of each parsed value.
OK, MISSING, FIXED, REJECTED = 0, 1, 2, 3
#: Date formats tried, in order, when a table gives no ``date_format``.
DATE_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y", "%d.%m.%y", "%Y%m%d")
#: Tables built out of core (in DuckDB, :mod:`cjm.analysis.cleanlog`) from a source 01 wrote out of
#: core: the long ones without a key, a row per event. Other tables of such a source are read into memory.
OUT_OF_CORE_TABLES = ("stage_events", "touches")
#: Tables split by scope (the others, survey and voice of the customer, are kept whole).
SCOPED = ("clients", "deals", "stage_events", "touches", "post_deal_nps")
#: A kept default for values a ``values`` map does not list.
OTHER_VALUES = "*"
#: Columns of :attr:`CleanResult.notes`.
NOTE_COLUMNS = ["table", "column", "note", "detail", "count"]
#: How repeats of a key whose rows disagree are settled (``clean.duplicates``).
KEEP_LATEST, KEEP_WON, STOP = "keep_latest", "keep_won", "stop"
DUPLICATE_RULES = (KEEP_LATEST, KEEP_WON, STOP)
#: Dates that tell the latest of a key's conflicting rows, the first deciding.
LATEST_BY = {"deals": ("closed_at", "created_at"), "clients": ("first_contact_at",), "survey": ("answered_at",)}
#: Date checks, in order (a row failing both is set aside under the first): a date after the
#: day of the export, a deal closed before it was created.
FUTURE_DATE, CLOSED_BEFORE_CREATED = "future_date", "closed_before_created"
DATE_CHECKS = (FUTURE_DATE, CLOSED_BEFORE_CREATED)
#: The key of each check's rule under ``clean.dates``.
DATE_RULE_KEYS = {FUTURE_DATE: "future", CLOSED_BEFORE_CREATED: "closed_before_created"}
#: What a date rule does with the rows failing its check (``stop`` as for duplicates).
SET_ASIDE, KEEP = "set_aside", "keep"
DATE_ACTIONS = (SET_ASIDE, KEEP, STOP)
#: Codes of the ``action`` column of :attr:`CleanResult.date_checks` (the future is not
#: checked without an export date).
ROWS_SET_ASIDE, ROWS_KEPT, NOT_CHECKED = "rows_set_aside", "rows_kept", "not_checked"
#: Columns of :attr:`CleanResult.date_checks`.
DATE_CHECK_COLUMNS = ["table", "check", "columns", "action", "rows", "set_aside", "examples"]
#: The group of the deals lost for a data hygiene reason (``clean.hygiene_reasons``: a
#: duplicate request, spam, a wrong phone), set aside (``clean.hygiene``) like the date checks'.
HYGIENE = "hygiene"
#: Groups of the rows 02 sets aside under ``interim/set_aside/``, in order.
SET_ASIDE_GROUPS = (*DATE_CHECKS, HYGIENE)
#: Columns of :attr:`CleanResult.hygiene`.
HYGIENE_COLUMNS = ["reason", "deals", "action"]
#: Columns that name a row of each table in examples, the first present.
ROW_KEYS = {"clients": ("client_id",), "deals": ("deal_id",), "stage_events": ("deal_id",),
            "touches": ("touch_id", "deal_id", "client_id"), "post_deal_nps": ("deal_id",),
            "survey": ("respondent_id",), "interviews": ("interview_id",), "observations": ("visit_id",)}


# ----------------------------------------------------------------------------- parsers
def _by_unique(values: pd.Series, parse) -> tuple[pd.Series, np.ndarray]:
    """Apply ``parse`` once per distinct value and spread the result over the rows.

    ``parse(text)`` gets the distinct values as a Series of stripped text and returns
    (parsed Series, status array) aligned with it; blank values become MISSING here.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="str").str.strip()
    parsed, status = parse(text)
    blank = (text == "").to_numpy()
    parsed = parsed.mask(blank)
    status = np.where(blank, MISSING, status).astype(np.int8)
    out = pd.api.extensions.take(parsed.array, codes, allow_fill=True)
    state = pd.api.extensions.take(status, codes, allow_fill=True, fill_value=MISSING)
    return pd.Series(out, index=values.index, dtype=parsed.dtype), state.astype(np.int8)


_NUMBER = re.compile(r"^([-+]?\d[\d\s\u00a0\u202f.,]*)(.*)$")


def _number(text: str) -> tuple[float, int]:
    match = _NUMBER.match(text)
    if not match:
        return np.nan, REJECTED
    digits, rest = re.sub(r"[\s\u00a0\u202f]", "", match.group(1)), match.group(2).strip()
    if rest and re.search(r"\d", rest):
        return np.nan, REJECTED
    if "," in digits and "." in digits:  # the right-most mark is the decimal one
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        digits = digits.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif digits.count(",") == 1:
        digits = digits.replace(",", ".")
    elif digits.count(",") > 1 or digits.count(".") > 1:
        digits = digits.replace(",", "").replace(".", "")
    try:
        number = float(digits.rstrip("."))
    except ValueError:
        return np.nan, REJECTED
    return number, FIXED if rest else OK


def parse_numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Numbers as written in exports: ``1 234,50``, ``1234.50``, ``1,234.5``, ``36 мес.``.

    Parameters
    ----------
    values : Series of str
        A column as exported (surrounding spaces ignored; blank or missing is MISSING).

    Returns
    -------
    numbers : Series of float64
        NaN where blank or not a number.
    status : ndarray of int8
        Per value: OK, MISSING (blank), FIXED (a unit or suffix stripped), REJECTED.
    """
    def parse(text):
        pairs = [_number(t) for t in text]
        return (pd.Series([p[0] for p in pairs], index=text.index, dtype="float64"),
                np.array([p[1] for p in pairs], dtype=np.int8))

    return _by_unique(values, parse)


def parse_integers(values: pd.Series, low: float = -np.inf, high: float = np.inf) -> tuple[pd.Series, np.ndarray]:
    """Whole numbers within ``[low, high]`` (else REJECTED), as nullable Int64."""
    numbers, status = parse_numbers(values)
    bad = numbers.notna() & ((numbers % 1 != 0) | (numbers < low) | (numbers > high))
    status = np.where(bad.to_numpy(), REJECTED, status).astype(np.int8)
    return numbers.mask(bad).round().astype("Int64"), status


#: A time zone offset at the end of an ISO 8601 time (``Z``, ``+02:00``, ``-0500``).
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"
#: Excel serial day numbers read as dates: 1950-01-01 to 2099-12-31.
EXCEL_SERIALS = (18264, 73415)


def parse_dates(values: pd.Series, date_format: str | None = None,
                info: dict | None = None) -> tuple[pd.Series, np.ndarray]:
    """Dates and times as written in exports: ``dd.mm.yyyy``, ISO 8601 (``T``,
    fractions of a second, UTC offsets), ``YYYYMMDD``, Excel serial day numbers.

    With ``date_format`` every value must have that format; without, the formats of
    :data:`DATE_FORMATS` and ISO 8601 are tried, the one that reads most of the first
    500 distinct values first, so a column mixing dates with and without time reads
    whole. Times with a UTC offset are converted to UTC (offsets differ within a log
    when summer time starts or ends). A column of numbers none of these read, within
    :data:`EXCEL_SERIALS`, is read as Excel serial days.

    Parameters
    ----------
    values : Series of str
        A column as exported (surrounding spaces ignored; blank or missing is MISSING).
    date_format : str, optional
        A ``strftime`` format every value must have (params' ``date_format``); None: guessed.
    info : dict, optional
        Filled with what was done: ``offsets`` (the UTC offsets converted, sorted) and
        ``excel_serial`` (values read as Excel days), when any.

    Returns
    -------
    dates : Series of datetime64[us]
        Naive (UTC where the text had an offset); NaT where blank or unreadable.
    status : ndarray of int8
        Per value: OK, MISSING or REJECTED.
    """
    found = info if info is not None else {}

    def parse(text):
        ranked = ranked_date_formats(text.iloc[:500], date_format)
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
        for fmt in ranked:
            todo = out.isna() & text.ne("")
            if not todo.any():
                break
            out[todo] = _read_dates(text[todo], fmt)
        offsets = text[out.notna()].str.extract(_OFFSET, expand=False).dropna()  # only ISO 8601 reads them
        if len(offsets):
            found["offsets"] = sorted(set(found.get("offsets", [])) | set(offsets.unique()))
        todo = out.isna() & text.ne("")
        if todo.any() and not date_format:
            days = pd.to_numeric(text[todo], errors="coerce")
            serial = days.between(*EXCEL_SERIALS)
            if serial.sum() > 0.5 * todo.sum():
                out[days.index[serial]] = pd.to_datetime(days[serial], unit="D", origin="1899-12-30")
                found["excel_serial"] = found.get("excel_serial", 0) + int(serial.sum())
        return out, np.where(out.isna(), REJECTED, OK)

    return _by_unique(values, parse)


def _read_dates(text: pd.Series, fmt: str) -> pd.Series:
    """``text`` read in one format (ISO 8601 and ``%z`` formats converted to naive UTC), NaT where it fails."""
    if fmt != "ISO8601" and "%z" not in fmt:
        return pd.to_datetime(text, format=fmt, errors="coerce")
    return pd.to_datetime(text, format=fmt, errors="coerce", utc=True).dt.tz_convert(None)


def ranked_date_formats(sample: pd.Series, date_format: str | None = None) -> list[str]:
    """The formats :func:`parse_dates` tries, in order: ``[date_format]``, or :data:`DATE_FORMATS` and
    ``"ISO8601"``, the one that reads most of ``sample`` (distinct stripped values, the first 500 of
    a column) first."""
    formats = (date_format,) if date_format else (*DATE_FORMATS, "ISO8601")
    return sorted(formats, key=lambda f: -_read_dates(sample, f).notna().sum())


def unify_labels(values: pd.Series, mapping: dict | None = None) -> tuple[pd.Series, np.ndarray]:
    """Labels with spacing and case variants unified and a ``values`` map applied.

    Spaces are trimmed and collapsed; spellings that differ only in case take the most
    frequent one; then ``mapping`` (written value -> canonical value, ``"*"`` for all
    others) is applied. A value changed by any of these counts as FIXED.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    written = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    out, status = label_map(written, np.bincount(codes[codes >= 0], minlength=len(written)), mapping)
    labels = pd.api.extensions.take(out.array, codes, allow_fill=True)
    state = pd.api.extensions.take(status, codes, allow_fill=True, fill_value=MISSING)
    return pd.Series(labels, index=values.index, dtype="str"), state.astype(np.int8)


def label_map(written: pd.Series, weight: np.ndarray, mapping: dict | None = None) -> tuple[pd.Series, np.ndarray]:
    """:func:`unify_labels` of a column's distinct values.

    Parameters
    ----------
    written : Series of str
        The distinct values as written (none missing), in order of first appearance (which
        breaks ties of frequency).
    weight : ndarray of int
        The rows holding each.
    mapping : dict, optional
        The ``values`` map.

    Returns
    -------
    labels : Series of str
        The label of each value (missing where blank), aligned with ``written``.
    status : ndarray of int8
        OK, MISSING (blank) or FIXED, per value.
    """
    written = written.reset_index(drop=True)
    tidy = written.str.replace(r"[\s\u00a0]+", " ", regex=True).str.strip()
    weight = pd.Series(np.asarray(weight)).groupby(tidy.to_numpy()).transform("sum")
    spelling = (pd.DataFrame({"tidy": tidy, "fold": tidy.str.casefold(), "weight": weight})
                .sort_values("weight", ascending=False, kind="stable")
                .drop_duplicates("fold").set_index("fold")["tidy"])
    out = tidy.str.casefold().map(spelling)
    if mapping:
        lookup = {re.sub(r"\s+", " ", str(k)).strip(): str(v) for k, v in mapping.items() if k != OTHER_VALUES}
        default = mapping.get(OTHER_VALUES)
        # as written first, then in any case (a params "yes" matches the data's "Yes")
        folded = {key.casefold(): value for key, value in lookup.items()}
        mapped = out.map(lookup).fillna(out.str.casefold().map(folded))
        out = mapped.fillna(out if default is None else str(default))
    blank = (tidy == "").to_numpy()
    # a fix turns a variant into a spelling the column also has; a recode (Успешно -> won) is not one
    fixed = (out != written) & out.isin(set(tidy))
    status = np.where(blank, MISSING, np.where(fixed.to_numpy(), FIXED, OK)).astype(np.int8)
    return out.mask(blank).astype("str"), status


def parse_towns(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Towns in any spelling (``г.Минск``, ``Minsk``, ``Гомель ``) -> canonical names.

    A town :mod:`cjm.core.geo` does not know keeps its written form and counts as REJECTED
    (unrecognized), so the quality summary shows it.
    """
    def parse(text):
        names = [normalize_town(t) for t in text]
        status = [OK if n == t else FIXED if n else REJECTED for n, t in zip(names, text)]
        return pd.Series([n or t for n, t in zip(names, text)], index=text.index, dtype="str"), np.array(status)

    return _by_unique(values, parse)


def parse_column(values: pd.Series, kind: str, mapping: dict | None = None,
                 date_format: str | None = None, info: dict | None = None) -> tuple[pd.Series, np.ndarray]:
    """Parse one column by its schema kind (see :mod:`cjm.core.schemas`); ``info`` as
    :func:`parse_dates` fills it."""
    if mapping and kind not in ("category", "outcome"):
        values, _ = unify_labels(values, mapping)
    if kind == "number":
        return parse_numbers(values)
    if kind == "integer":
        return parse_integers(values)
    if kind == "year":
        return parse_integers(values, 1900, 2100)
    if kind == "datetime":
        return parse_dates(values, date_format, info)
    if kind == "town":
        return parse_towns(values)
    if kind in ("category", "outcome"):
        return unify_labels(values, mapping)
    text = values.astype("str").str.strip()
    blank = (text.isna() | text.eq("")).to_numpy()
    return text.mask(blank), np.where(blank, MISSING, OK).astype(np.int8)


# ----------------------------------------------------------------------------- tables
@dataclass
class CleanResult:
    """What 02_clean produced.

    Attributes
    ----------
    tables : dict of DataFrame
        In-scope canonical tables (clients, deals, stage_events, touches,
        post_deal_nps) and the unscoped ones (survey, interviews, observations).
    side_groups : dict of dict of DataFrame
        Scope rule -> table -> rows that rule set aside.
    waterfall : DataFrame
        ``rule``, ``label``, ``clients``, ``deals``, ``clients_left``, ``deals_left``:
        one row per rule in order, then ``in_scope``.
    quality : DataFrame
        ``table``, ``column``, ``source``, ``source_column``, ``rows``, ``missing``,
        ``fixed``, ``rejected``, ``rejected_examples``.
    duplicates : DataFrame
        ``table``, ``source``, ``rows_read``, ``exact_duplicates``, ``excluded_values``,
        ``key_duplicates`` (rows removed), ``conflicting`` (key values whose rows disagree),
        ``conflict_columns`` (where they disagree; missing without), ``rows_kept``.
    absent : list of str
        Tables whose source is not among the exports (their steps say so).
    summary : DataFrame
        ``table``, ``rows`` (in scope), ``set_aside`` (by the scope rules and the date
        checks), ``columns``.
    stages_outside_funnel : DataFrame or None
        :func:`stages_outside_funnel` of the in-scope stage events (None without them).
    notes : DataFrame
        :data:`NOTE_COLUMNS`: what was made of the exports beyond the column maps (keys
        from row numbers, constants, times converted to UTC, lifecycle transitions set
        aside, the cases of an event log), one row per fact, ``note`` a code.
    date_checks : DataFrame
        :data:`DATE_CHECK_COLUMNS`, one row per table and date check that applies to it or
        took rows along (:func:`check_dates`), in table order.
    set_aside : dict of dict of DataFrame
        Date check (or :data:`HYGIENE`) -> table -> the rows it set aside (with those of their
        deal or client).
    hygiene : DataFrame
        :func:`hygiene_counts`: the deals lost for each data hygiene reason and what was done
        with them (no rows: ``clean.hygiene_reasons`` lists none).

    ``tables``, ``side_groups`` and ``set_aside`` are empty when :func:`clean` wrote them to a sink.
    """

    tables: dict[str, pd.DataFrame]
    side_groups: dict[str, dict[str, pd.DataFrame]]
    waterfall: pd.DataFrame | None
    quality: pd.DataFrame | None
    duplicates: pd.DataFrame | None
    absent: list[str] = field(default_factory=list)
    summary: pd.DataFrame | None = None
    stages_outside_funnel: pd.DataFrame | None = None
    notes: pd.DataFrame | None = None
    date_checks: pd.DataFrame | None = None
    set_aside: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    hygiene: pd.DataFrame | None = None


def _source_label(params: dict, source: str) -> str:
    return f"source '{source}' ({params['sources'][source]['file']})"


def _check_invalid_share(quality: pd.DataFrame, limit: float, where: str,
                         param: str = "clean.tables.{table}.columns.{column}") -> None:
    """Stop on a column with more than ``limit`` of its given values unreadable; the fix
    names the parameter that maps it (``param``, formatted with the table and column)."""
    for row in quality.itertuples():
        given = row.rows - row.missing
        if row.kind != "town" and given and row.rejected / given > limit:
            raise CjmError(
                f"{where}: column '{row.source_column}' (mapped to {row.table}.{row.column}) has "
                f"{row.rejected} of {given} values ({row.rejected / given:.0%}) that cannot be read "
                f"as {row.kind}, e.g. {row.rejected_examples}",
                f"check the column map '{param.format(table=row.table, column=row.column)}'"
                + (f" or set 'clean.tables.{row.table}.date_format'" if row.kind == "datetime" else "")
                + f", or raise 'clean.max_invalid_share' (now {limit})")


def conflicting_keys(frame: pd.DataFrame, key: str) -> tuple[list, list[str]]:
    """Values of ``key`` whose rows disagree: two of its rows hold different values in the
    same column, neither missing (a row that only leaves blanks where another has values
    does not disagree).

    Returns
    -------
    keys : list
        The conflicting key values, sorted.
    columns : list of str
        The columns where some key's rows disagree, in ``frame``'s order.
    """
    repeated = (frame[key].notna() & frame[key].duplicated(keep=False)).to_numpy()
    if not repeated.any():
        return [], []
    others = [c for c in frame.columns if c != key]
    distinct = frame.loc[repeated].groupby(key, sort=True)[others].nunique(dropna=True) > 1
    keys = distinct.index[distinct.any(axis=1).to_numpy()]
    return keys.tolist(), [c for c in others if distinct[c].any()]


def resolve_key_duplicates(frame: pd.DataFrame, key: str, rule: str = KEEP_LATEST, latest_by=(),
                           outcome: str = "outcome", where: str = "", param: str = "clean.duplicates",
                           names: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """One row per value of ``key``; repeats whose rows disagree are *conflicting*.

    Repeats that only differ by blanks keep their most complete row. Conflicting repeats
    (:func:`conflicting_keys`) are settled by ``rule``: ``keep_latest`` keeps the row with
    the latest ``latest_by`` date (the first column decides, the next breaks its ties;
    a missing date counts as earliest), ``keep_won`` keeps a row whose ``outcome`` is won
    where the rows disagree on the outcome (the latest of those), else as ``keep_latest``;
    ``stop`` raises. Remaining ties go to the most complete row, then the first in ``frame``.

    Parameters
    ----------
    frame : DataFrame
        A typed table with a ``key`` column; not changed.
    key : str
        Its key column; rows with a missing key are all kept.
    rule : str
        One of :data:`DUPLICATE_RULES`.
    latest_by : sequence of str
        Date columns that tell the latest row (those ``frame`` lacks are skipped).
    outcome : str
        The column of won/lost/open, for ``keep_won``.
    where, param : str
        For the message of ``stop``: the file and the params key.
    names : dict, optional
        For the message of ``stop``: canonical column -> its column in the file.

    Returns
    -------
    kept : DataFrame
        ``frame``'s kept rows, in its order, with its index.
    counts : dict
        ``key_duplicates`` (rows removed), ``conflicting`` (key values whose rows disagree),
        ``conflict_columns`` (the columns where they disagree, joined by ", "; None without).

    Raises
    ------
    CjmError
        With ``rule`` ``stop`` and a conflicting key: naming the file, the key, how many,
        two of them, the columns, and the params key to set.
    """
    keys, columns = conflicting_keys(frame, key)
    counts = {"key_duplicates": 0, "conflicting": len(keys), "conflict_columns": ", ".join(columns) or None}
    if keys and rule == STOP:
        examples = ", ".join(repr(k) for k in keys[:2])
        names = names or {}
        disagree = ", ".join(f"'{names[c]}' ({c})" if c in names else c for c in columns)
        raise CjmError(f"{where}: {len(keys)} values of the key '{names.get(key, key)}' ({key}) have rows that "
                       f"disagree, e.g. {examples} (pseudonyms: look them up in the re-identification table), "
                       f"in column(s) {disagree}",
                       f"correct the export, or set '{param}' to keep_latest (the row with the latest date) "
                       f"or keep_won (the won row where outcomes disagree)")
    if not frame[key].duplicated().any():
        return frame, counts
    n = len(frame)
    conflict = frame[key].isin(keys).to_numpy()
    ranks = [np.arange(n), frame.isna().sum(axis=1).to_numpy()]  # np.lexsort: the last key sorts first
    for column in reversed([c for c in latest_by if c in frame.columns]):
        values = frame[column].to_numpy(dtype="datetime64[us]")
        known = ~np.isnat(values)
        later_first = np.where(known, -np.where(known, values.astype(np.int64), 0), np.iinfo(np.int64).max)
        ranks.append(np.where(conflict, later_first, 0))
    if rule == KEEP_WON and outcome in frame.columns:
        disagree = frame.loc[conflict].groupby(key)[outcome].nunique(dropna=True) > 1
        split = frame[key].isin(disagree.index[disagree.to_numpy()]).to_numpy()
        ranks.append(np.where(split & frame[outcome].eq("won").fillna(False).to_numpy(dtype=bool), 0, 1))
    order = np.lexsort(ranks)
    ranked_keys = frame[key].iloc[order]  # one column reordered, not the whole frame
    keep = (ranked_keys.isna() | ~ranked_keys.duplicated()).to_numpy()
    kept = frame.iloc[np.sort(order[keep])]
    counts["key_duplicates"] = len(frame) - len(kept)
    return kept, counts


def _turns(index: pd.DataFrame, transcripts: dict[str, str]) -> pd.DataFrame:
    """Interview turns (``Speaker: text`` lines) of the transcripts an index lists."""
    rows = []
    for position, name in enumerate(index["interview_id"]):
        text = transcripts.get(name)
        if text is None:
            raise CjmError(f"interview transcript '{name}' listed in the index is missing",
                           "rerun 01_anonymize, or correct the file name in the index")
        for turn, line in enumerate(text.splitlines(), start=1):
            speaker, sep, said = line.partition(":")
            if not sep or len(speaker) > 40:
                speaker, said = None, line
            rows.append((position, turn, speaker and speaker.strip(), said.strip()))
    turns = pd.DataFrame(rows, columns=["_row", "turn", "speaker", "text"])
    meta = index.assign(interview_id=index["interview_id"].map(lambda n: Path(n).stem))
    out = meta.reset_index(drop=True).join(turns.set_index("_row"), how="inner")
    return out.reset_index(drop=True).astype({"speaker": "str", "text": "str", "turn": "int64"})


def build_table(name: str, spec: dict, frames: dict[str, pd.DataFrame], params: dict,
                transcripts: dict[str, dict[str, str]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Map one anonymized source onto a canonical table.

    Parameters
    ----------
    name : str
        Canonical table (a key of :data:`cjm.core.schemas.TABLES`).
    spec : dict
        Its ``clean.tables.<name>`` params: ``source``, ``columns`` (canonical ->
        source column), optional ``values``, ``constants`` (canonical column -> one value
        for every row), ``types`` (extra column -> kind), ``date_format``,
        ``exclude_values``, ``join``, ``other_columns``. A table's key left unmapped is
        taken from the ``row_id`` 01 gave the rows; a deal's client, left unmapped, is the
        deal itself (a lead is its own client). Extra columns whose values are all numbers
        are numbers; other extra columns are categories.
    frames : mapping of DataFrame
        Anonymized sources (all text). Only the columns the table uses are taken (read,
        for sources with a ``read`` method); exact duplicates are judged on them. Sources
        with a ``dropped(name)`` method explain a missing column by why 01 dropped it.
    params : dict
        The engagement's params (for file names in messages, ``max_invalid_share``,
        ``clean.duplicates`` and ``clean.event_log.lifecycle``).
    transcripts : dict, optional
        Source -> {file name: text}, for the interviews table.

    Returns
    -------
    table : DataFrame
        Typed, deduplicated, validated.
    quality : DataFrame
        Per column: rows, missing, fixed, rejected, rejected_examples.
    counts : dict
        rows_read, exact_duplicates, excluded_values, key_duplicates, conflicting and
        conflict_columns (:func:`resolve_key_duplicates`, by ``clean.duplicates``), rows_kept,
        and ``notes``: a list of :data:`NOTE_COLUMNS` records of what was made of the export.
    """
    source = spec["source"]
    where = _source_label(params, source)
    columns, notes = dict(spec["columns"]), []
    key = schemas.KEYS.get(name)
    if key and key not in columns:
        columns = {key: ROW_ID, **columns}
        notes.append(_note(name, key, "row_ids", source))
    lifecycle = (params.get("clean") or {}).get("event_log", {}).get("lifecycle") if name == "stage_events" else None
    used = None if spec.get("other_columns") == "keep" else [
        *columns.values(), *spec.get("exclude_values", {}), *([spec["join"]["key"]] if "join" in spec else [])]
    raw = source_columns(frames, source, used)
    param = f"clean.tables.{name}.columns"
    needed = list(dict.fromkeys(columns.values()))
    dropped = frames.dropped(source) if hasattr(frames, "dropped") and not set(needed) <= set(
        raw.columns) else None  # why 01 dropped a column, read only when one is missing
    if key in columns and columns[key] == ROW_ID and ROW_ID not in raw.columns:
        raise CjmError(f"{where}: no column is mapped to {name}.{key} and the export has no row ids",
                       f"map the export's id column under '{param}.{key}' (01 numbers the rows of an export "
                       "whose tables leave the key unmapped: rerun make all)")
    require_columns(raw, needed, where, param, dropped)
    for column in spec.get("exclude_values", {}):
        require_columns(raw, [column], where, f"clean.tables.{name}.exclude_values")
    counts = {"table": name, "source": source, "rows_read": len(raw)}
    repeated = raw.duplicated().to_numpy()
    if repeated.any():
        raw = raw[~repeated]
    counts["exact_duplicates"] = int(repeated.sum())
    excluded = pd.Series(False, index=raw.index)
    for column, values in spec.get("exclude_values", {}).items():
        excluded |= raw[column].isin([str(v) for v in values])
    if lifecycle and "lifecycle" in columns:
        transition = raw[columns["lifecycle"]].str.strip().str.casefold()
        other = transition.notna() & ~transition.isin([t.casefold() for t in lifecycle])
        notes += [_note(name, "lifecycle", "lifecycle", str(t), int(n))
                  for t, n in raw.loc[other, columns["lifecycle"]].value_counts().sort_index().items()]
        excluded |= other
    if excluded.any():
        raw = raw[~excluded]
    counts["excluded_values"] = int(excluded.sum())

    mapped = pd.DataFrame({canon: raw[col] for canon, col in columns.items()}, index=raw.index, copy=False)
    sources = dict(columns)
    for canon, value in spec.get("constants", {}).items():
        mapped[canon], sources[canon] = pd.Series(str(value), index=raw.index, dtype="str"), "(constant)"
        notes.append(_note(name, canon, "constant", str(value)))
    if name == "deals" and "client_id" not in mapped:
        mapped["client_id"], sources["client_id"] = mapped["deal_id"], sources["deal_id"]
        notes.append(_note(name, "client_id", "client_is_deal"))
    if "join" in spec:
        mapped, joined = _join(mapped, spec, name, frames, params)
        sources.update(joined)
    if spec.get("other_columns") == "keep":
        used = set(columns.values())
        for col in raw.columns:
            if col not in used and col not in mapped.columns and col != ROW_ID:
                mapped[col], sources[col] = raw[col], col

    kinds = schemas.TABLES[name]
    values_maps = spec.get("values", {})
    for column in values_maps:
        if column not in mapped.columns:
            raise CjmError(f"{params['_file']}: key 'clean.tables.{name}.values.{column}' names a column "
                           f"that is not mapped", f"map it under '{param}' or remove the values map")
    typed, status, column_kinds = {}, {}, {}
    for column in mapped.columns:
        kind = kinds.get(column) or spec.get("types", {}).get(column) or (None if column in columns else "text")
        info = {}
        if kind is None:
            kind, typed[column], status[column] = _parse_extra(mapped[column], values_maps.get(column))
        else:
            typed[column], status[column] = parse_column(mapped[column], kind, values_maps.get(column),
                                                         spec.get("date_format"), info)
        column_kinds[column] = kind
        if info.get("offsets"):
            notes.append(_note(name, column, "utc", ", ".join(info["offsets"])))
        if info.get("excel_serial"):
            notes.append(_note(name, column, "excel_serial", count=info["excel_serial"]))
    if "town" in typed and "region" not in typed:
        typed["region"] = typed["town"].map(region_of).astype("str")
        status["region"] = np.where(typed["region"].isna().to_numpy(), MISSING, OK).astype(np.int8)
    if name == "deals" and "outcome" in mapped:
        _check_outcomes(mapped, typed, spec, where)
    table = pd.DataFrame(typed, index=mapped.index, copy=False)
    state = pd.DataFrame(status, index=mapped.index)

    counts.update(key_duplicates=0, conflicting=0, conflict_columns=None)
    if key in table.columns:
        rule = (params.get("clean") or {}).get("duplicates", KEEP_LATEST)
        table, settled = resolve_key_duplicates(table, key, rule, LATEST_BY.get(name, ()), where=where,
                                                names=columns)
        counts.update(settled)
        state = state.loc[table.index]
    if name == "interviews":
        table = _turns(table, (transcripts or {}).get(source, {}))
    order = [c for c in kinds if c in table.columns] + [c for c in table.columns if c not in kinds]
    table = table[order].reset_index(drop=True)
    counts["rows_kept"] = len(table)
    counts["notes"] = notes

    quality = _quality(name, source, mapped, state, sources, column_kinds)
    _check_invalid_share(quality, params.get("clean", {}).get("max_invalid_share", 0.05), where)
    return schemas.validate(table, name), quality.drop(columns="kind"), counts


def _parse_extra(values: pd.Series, mapping: dict | None) -> tuple[str, pd.Series, np.ndarray]:
    """An extra column parsed as numbers when its (mapped) values all read as numbers, else as
    categories: ``(kind, values, status)``."""
    numbers, status = parse_column(values, "number", mapping)
    given = status != MISSING
    if given.any() and (status[given] == OK).mean() >= 0.99:
        return "number", numbers, status
    return "category", *parse_column(values, "category", mapping)


def _note(table: str, column: str, note: str, detail: str = "", count: int | None = None) -> dict:
    return {"table": table, "column": column, "note": note, "detail": detail, "count": count}


def _join(mapped: pd.DataFrame, spec: dict, name: str, frames: dict, params: dict) -> tuple[pd.DataFrame, dict]:
    join = spec["join"]
    other = frames.get(join["source"])
    if other is None:
        return mapped, {}
    key = schemas.KEYS.get(name)
    if key is None or key not in mapped.columns:
        raise CjmError(f"{params['_file']}: key 'clean.tables.{name}.join' needs the table's key "
                       f"column '{key}' mapped", f"map it under 'clean.tables.{name}.columns'")
    cols = join.get("columns", {})
    require_columns(other, [join["key"], *cols.values()], _source_label(params, join["source"]),
                    f"clean.tables.{name}.join")
    right = other.drop_duplicates(subset=join["key"])[[join["key"], *dict.fromkeys(cols.values())]]
    right = pd.DataFrame({canon: right[col] for canon, col in cols.items()}).set_axis(right[join["key"]].to_numpy())
    both = set(right.columns) & set(mapped.columns)
    if both:
        raise CjmError(f"{params['_file']}: 'clean.tables.{name}' maps {', '.join(sorted(both))} both in "
                       "'columns' and in 'join.columns'", "keep one of the two")
    merged = mapped.join(right, on=key)
    return merged, {canon: f"{join['source']}: {col}" for canon, col in cols.items()}


def _check_outcomes(mapped: pd.DataFrame, typed: dict, spec: dict, where: str) -> None:
    outcome = typed["outcome"]
    bad = mapped.loc[outcome.notna() & ~outcome.isin(schemas.OUTCOMES), "outcome"]
    if len(bad):
        values = ", ".join(repr(v) for v in bad.value_counts().index[:8])
        listed = [str(k) for k in spec.get("values", {}).get("outcome", {})]
        known = f" (it lists {', '.join(repr(k) for k in listed)}, which match none of them)" if listed else ""
        raise CjmError(f"{where}: column '{spec['columns']['outcome']}' has statuses {values} that are "
                       f"not mapped to won, lost or open",
                       f"list them under 'clean.tables.deals.values.outcome'{known}; '*' maps all others")


def _quality(name: str, source: str, mapped: pd.DataFrame, state: pd.DataFrame, sources: dict,
             kinds: dict) -> pd.DataFrame:
    rows = []
    for column in state.columns:
        codes = state[column].to_numpy()
        bad = state.index[codes == REJECTED]
        rejected = mapped.loc[bad, column] if column in mapped.columns and len(bad) else pd.Series(dtype="str")
        rows.append({
            "table": name, "column": column, "kind": kinds.get(column, "category"), "source": source,
            "source_column": sources.get(column, "(derived)"), "rows": len(codes),
            "missing": int((codes == MISSING).sum()), "fixed": int((codes == FIXED).sum()),
            "rejected": int((codes == REJECTED).sum()),
            "rejected_examples": ", ".join(repr(v) for v in rejected.value_counts().index[:3]),
        })
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- dates
def date_columns(table: pd.DataFrame, name: str) -> list[str]:
    """The date columns of canonical table ``name`` (its schema's, in schema order) that ``table`` has."""
    return [c for c, kind in schemas.TABLES.get(name, {}).items() if kind == "datetime" and c in table.columns]


def date_problems(table: pd.DataFrame, name: str, export_date=None) -> dict[str, tuple[np.ndarray, list[str]]]:
    """The rows of canonical table ``name`` that fail each date check.

    :data:`FUTURE_DATE`: a date of the schema's date columns after the day of
    ``export_date`` (a time on that day is not after it; extra columns are not checked: a
    contract's end may rightly lie ahead). :data:`CLOSED_BEFORE_CREATED`: a deal whose
    ``closed_at`` is earlier than its ``created_at`` (both given).

    Parameters
    ----------
    table : DataFrame
        A typed canonical table; not changed.
    name : str
        Its name (a key of :data:`cjm.core.schemas.TABLES`).
    export_date : str or Timestamp, optional
        The day of the export; None: no future check.

    Returns
    -------
    dict
        Check -> (``mask``, ``columns``): a boolean per row, and the columns the check reads;
        only the checks that apply (the future with an export date and a date column, the
        order of dates for deals with both).
    """
    found = {}
    columns = date_columns(table, name)
    if export_date is not None and columns:
        after = pd.Timestamp(export_date).normalize() + pd.Timedelta(days=1)
        mask = np.zeros(len(table), dtype=bool)
        for column in columns:
            mask |= (table[column] >= after).fillna(False).to_numpy(dtype=bool)
        found[FUTURE_DATE] = (mask, columns)
    if name == "deals" and {"created_at", "closed_at"} <= set(columns):
        mask = (table["closed_at"] < table["created_at"]).fillna(False).to_numpy(dtype=bool)
        found[CLOSED_BEFORE_CREATED] = (mask, ["created_at", "closed_at"])
    return found


def _row_key(table: pd.DataFrame, name: str) -> str | None:
    """The column that names a row of ``table`` in examples (None: it has none)."""
    return next((c for c in ROW_KEYS.get(name, ()) if c in table.columns), None)


def _date_examples(table: pd.DataFrame, name: str, mask: np.ndarray, columns: list[str],
                   n: int = 2) -> tuple[list[str], list[str]]:
    """``n`` rows of ``mask``, the first by their key (else by position): their keys, and
    each described with its dates (``deal_id 'x' (created_at ..., closed_at ...)``)."""
    key = _row_key(table, name)
    rows = table[mask].assign(_row=np.flatnonzero(mask) + 1)
    if key is not None:  # one row per key (an interview's turns share theirs)
        rows = rows.sort_values(key, kind="stable", na_position="last").drop_duplicates(key)
    rows = rows.head(n)
    keys = [] if key is None else [str(k) for k in rows[key].dropna()]
    described = []
    for _, row in rows.iterrows():
        dates = ", ".join(f"{c} {row[c]}" for c in columns if pd.notna(row[c]))
        named = f"{key} {row[key]!r}" if key is not None and pd.notna(row[key]) else f"row {row['_row']}"
        described.append(f"{named} ({dates})")
    return keys, described


def check_dates(table: pd.DataFrame, name: str, rules: dict, export_date=None, where: str = "",
                deal_checks: pd.DataFrame | None = None,
                client_checks: pd.DataFrame | None = None) -> tuple[pd.Series, list[dict]]:
    """The date check that sets each row of ``table`` aside, by the rules of ``clean.dates``.

    A row failing a check (:func:`date_problems`) whose rule is ``set_aside`` is set aside
    under that check (the first of :data:`DATE_CHECKS` it fails); with ``keep`` it stays and
    is counted; with ``stop`` any such row raises. A row of a deal or a client set aside
    (``deal_checks``, ``client_checks``) goes with it: by its ``deal_id``, else by its
    ``client_id`` (a deal by its client), so a deal's stage history and touches follow it.

    Parameters
    ----------
    table : DataFrame
        A typed canonical table; not changed.
    name : str
        Its name.
    rules : dict
        ``future`` and ``closed_before_created``: one of :data:`DATE_ACTIONS` each (missing:
        ``set_aside``).
    export_date : str or Timestamp, optional
        The day of the export; None: dates are not checked against it.
    where : str
        The source, for the message of ``stop``.
    deal_checks, client_checks : DataFrame, optional
        ``deal_id`` (``client_id``) and ``check`` of the deals (clients) set aside.

    Returns
    -------
    group : Series of str
        Per row of ``table`` (by position): the check that sets it aside, missing if none.
    records : list of dict
        :data:`DATE_CHECK_COLUMNS`, one per check that applies to the table or took rows
        along: ``columns`` read, ``action`` (:data:`ROWS_SET_ASIDE`, :data:`ROWS_KEPT`, or
        :data:`NOT_CHECKED` for the future of a table with dates when there is no export
        date), ``rows`` failing it (None when not checked), ``set_aside`` (rows set aside
        under it, with those that went along with their deal or client), ``examples`` (two
        keys of failing rows, sorted).

    Raises
    ------
    CjmError
        A check whose rule is ``stop`` fails a row: naming the source, table, columns, how
        many rows, two of them and the params key to change.
    """
    group = pd.Series(None, index=range(len(table)), dtype="str")
    records = []
    for check, (mask, columns) in date_problems(table, name, export_date).items():
        rule = DATE_RULE_KEYS[check]
        action = rules.get(rule, SET_ASIDE)
        if action == STOP and mask.any():
            raise CjmError(*_date_stop(table, name, check, mask, columns, export_date, where, rule))
        if action == SET_ASIDE:
            group = group.mask(mask & group.isna().to_numpy(), check)
        keys, _ = _date_examples(table, name, mask, columns)
        records.append({"table": name, "check": check, "columns": ", ".join(columns),
                        "action": ROWS_SET_ASIDE if action == SET_ASIDE else ROWS_KEPT, "rows": int(mask.sum()),
                        "set_aside": 0, "examples": ", ".join(keys) or None})
    if export_date is None and date_columns(table, name):
        records.append({"table": name, "check": FUTURE_DATE, "columns": ", ".join(date_columns(table, name)),
                        "action": NOT_CHECKED, "rows": None, "set_aside": 0, "examples": None})
    for column, checks, owner in (("deal_id", deal_checks, "deals"), ("client_id", client_checks, "clients")):
        if column in table.columns and name != owner and checks is not None and len(checks):
            group = group.fillna(_pick(checks["check"], positions(table[column], checks[column])))
    return group, _with_set_aside(records, name, {check: int(group.eq(check).sum()) for check in DATE_CHECKS})


def _with_set_aside(records: list[dict], name: str, set_aside: dict) -> list[dict]:
    """The date checks' ``records`` of table ``name`` with the rows each set aside
    (``set_aside``: check -> rows; a check that set rows aside for another table's rows, with
    no record of its own, gets one), in the order of :data:`DATE_CHECKS`."""
    listed = {record["check"]: record for record in records}
    for check in DATE_CHECKS:
        n = set_aside.get(check, 0)
        if n and check not in listed:
            listed[check] = {"table": name, "check": check, "columns": None, "action": ROWS_SET_ASIDE, "rows": 0,
                             "set_aside": 0, "examples": None}
            records.append(listed[check])
        if check in listed:
            listed[check]["set_aside"] = n
    return sorted(records, key=lambda r: DATE_CHECKS.index(r["check"]))


def _date_stop(table: pd.DataFrame, name: str, check: str, mask: np.ndarray, columns: list[str], export_date,
               where: str, rule: str) -> tuple[str, str]:
    """The message and the fix of a date check whose rule is ``stop``."""
    _, described = _date_examples(table, name, mask, columns)
    examples = "; ".join(described)
    if check == FUTURE_DATE:
        after = [f"{c} in {int((table[c] >= pd.Timestamp(export_date).normalize() + pd.Timedelta(days=1)).sum())}"
                 for c in columns]
        after = [text for text in after if not text.endswith(" in 0")]
        problem = (f"{where}: {int(mask.sum())} rows of table '{name}' are dated after the export date "
                   f"{export_date} ({', '.join(after)}), e.g. {examples}")
        fix = (f"correct the export or 'export_date', or set 'clean.dates.{rule}' to set_aside (the rows are set "
               "aside and counted) or keep (kept and counted)")
    else:
        problem = (f"{where}: {int(mask.sum())} rows of table '{name}' were closed before they were created "
                   f"(closed_at earlier than created_at), e.g. {examples}")
        fix = (f"correct the export or the columns mapped to created_at and closed_at under "
               f"'clean.tables.{name}.columns', or set 'clean.dates.{rule}' to set_aside (the rows are set aside "
               "and counted) or keep (kept and counted)")
    return problem, fix


def split_rows(table: pd.DataFrame, group: pd.Series) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """``table``'s rows whose ``group`` (by position) is missing, and the others by group in
    :data:`SET_ASIDE_GROUPS` order, each in ``table``'s order with a fresh index."""
    aside = group.notna().to_numpy()
    if not aside.any():
        return table, {}
    parts = {check: table[group.eq(check).to_numpy(dtype=bool)].reset_index(drop=True)
             for check in SET_ASIDE_GROUPS if group.eq(check).any()}
    return table[~aside].reset_index(drop=True), parts


def _out_of_core(table) -> bool:
    """Whether ``table`` is a table out of core (:class:`cjm.analysis.cleanlog.LogTable`), not a DataFrame."""
    return getattr(table, "out_of_core", False)


def split_log_rows(table, groups) -> tuple[object, dict]:
    """:func:`split_rows` of a table out of core whose rows set aside are marked: the table (its
    rows not set aside) and a part (:class:`cjm.analysis.cleanlog.LogPart`) per group of ``groups``
    that has rows, in :data:`SET_ASIDE_GROUPS` order."""
    marked = table.groups()
    return table, {group: table.part(group) for group in SET_ASIDE_GROUPS if group in groups and marked.get(group)}


def check_log_dates(table, name: str, rules: dict, export_date=None, where: str = "",
                    deal_checks: pd.DataFrame | None = None, client_checks: pd.DataFrame | None = None) -> list[dict]:
    """:func:`check_dates` of a table out of core (:class:`cjm.analysis.cleanlog.LogTable`): its rows
    set aside are marked in it, and the same records are returned."""
    records = []
    for check, (condition, columns) in table.date_problems(export_date).items():
        rule = DATE_RULE_KEYS[check]
        action = rules.get(rule, SET_ASIDE)
        rows = table.count(condition)
        if action == STOP and rows:
            failing = table.failing(condition, columns)
            raise CjmError(*_date_stop(failing, name, check, np.ones(len(failing), dtype=bool), columns,
                                       export_date, where, rule))
        keys = table.failing(condition, columns, keys=2)
        if action == SET_ASIDE:
            table.mark(check, condition)
        records.append({"table": name, "check": check, "columns": ", ".join(columns),
                        "action": ROWS_SET_ASIDE if action == SET_ASIDE else ROWS_KEPT, "rows": rows,
                        "set_aside": 0, "examples": ", ".join(keys) or None})
    dated = [c for c, kind in schemas.TABLES.get(name, {}).items() if kind == "datetime" and c in table.columns]
    if export_date is None and dated:
        records.append({"table": name, "check": FUTURE_DATE, "columns": ", ".join(dated), "action": NOT_CHECKED,
                        "rows": None, "set_aside": 0, "examples": None})
    for column, checks, owner in (("deal_id", deal_checks, "deals"), ("client_id", client_checks, "clients")):
        if name != owner:
            table.carry(checks, column)
    return _with_set_aside(records, name, table.groups())


# ----------------------------------------------------------------------------- data hygiene
def hygiene_deals(deals: pd.DataFrame, reasons: list[str]) -> np.ndarray:
    """Which deals were lost for a data hygiene reason (one of ``reasons``, the client's own
    lost-reason values): a boolean per row of ``deals`` (``outcome``, ``lost_reason``; without
    a ``lost_reason`` column none)."""
    if not reasons or "lost_reason" not in deals:
        return np.zeros(len(deals), dtype=bool)
    return (deals["outcome"].eq("lost") & deals["lost_reason"].isin(list(reasons))).fillna(False).to_numpy(dtype=bool)


def hygiene_counts(deals: pd.DataFrame, reasons: list[str], action: str) -> pd.DataFrame:
    """The deals lost for each data hygiene reason.

    Parameters
    ----------
    deals : DataFrame
        ``outcome``, ``lost_reason`` (:func:`hygiene_deals`); not changed.
    reasons : list of str
        ``clean.hygiene_reasons``.
    action : str
        ``clean.hygiene``: :data:`SET_ASIDE` or :data:`KEEP`.

    Returns
    -------
    DataFrame
        :data:`HYGIENE_COLUMNS`: ``reason`` (each of ``reasons``, in their order, also those
        no deal has), ``deals``, ``action`` (:data:`ROWS_SET_ASIDE` or :data:`ROWS_KEPT`).
    """
    flagged = hygiene_deals(deals, reasons)
    counts = deals.loc[flagged, "lost_reason"].value_counts() if flagged.any() else pd.Series(dtype="int64")
    return pd.DataFrame({"reason": list(reasons), "deals": [int(counts.get(r, 0)) for r in reasons],
                         "action": ROWS_SET_ASIDE if action == SET_ASIDE else ROWS_KEPT}, columns=HYGIENE_COLUMNS)


def hygiene_groups(deals: pd.DataFrame, flagged: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deals ``flagged`` (:func:`hygiene_deals`) and the clients left with no other deal,
    as ``deal_id`` (``client_id``) and ``check`` (:data:`HYGIENE`) for :func:`check_dates`'s
    ``deal_checks`` and ``client_checks``: their stage history, touches and client go with them."""
    clients = deals.loc[flagged, "client_id"].dropna().drop_duplicates()
    clients = clients[~clients.isin(set(deals.loc[~flagged, "client_id"].dropna()))]
    return (deals.loc[flagged, ["deal_id"]].assign(check=HYGIENE).reset_index(drop=True),
            pd.DataFrame({"client_id": clients.to_numpy(), "check": HYGIENE}))


# ----------------------------------------------------------------------------- scope
def _rule_mask(frame: pd.DataFrame, rule: dict) -> pd.Series:
    values = frame[rule["column"]]
    if "greater_than" in rule:
        return values.gt(rule["greater_than"]).fillna(False)
    if "less_than" in rule:
        return values.lt(rule["less_than"]).fillna(False)
    listed = rule.get("in", rule.get("not_in"))
    numeric = pd.api.types.is_numeric_dtype(values)
    members = values.isin([float(v) for v in listed] if numeric else [str(v) for v in listed])
    return (members if "in" in rule else values.notna() & ~members).fillna(False)


def assign_scope(clients: pd.DataFrame, deals: pd.DataFrame, rules: list[dict]) -> pd.Series:
    """The side group of each client: the first rule it or any of its deals matches.

    Parameters
    ----------
    clients : DataFrame
        ``client_id`` and the client columns rules name.
    deals : DataFrame
        ``client_id`` and the deal columns rules name.
    rules : list of dict
        ``clean.scope``: ``name``, ``column`` and one of ``in``, ``not_in``,
        ``greater_than``, ``less_than``. ``deals_per_client`` is derived.

    Returns
    -------
    Series
        Indexed by client_id: a rule name or ``"in_scope"``.
    """
    per_client = deals.groupby("client_id").size()
    clients = clients.assign(deals_per_client=clients["client_id"].map(per_client).fillna(0).astype("int64"))
    group = pd.Series(IN_SCOPE, index=clients["client_id"].to_numpy(), dtype="str")
    for rule in rules:
        column = rule["column"]
        if column in clients.columns:
            hit = set(clients.loc[_rule_mask(clients, rule).to_numpy(), "client_id"])
        elif column in deals.columns:
            hit = set(deals.loc[_rule_mask(deals, rule).to_numpy(), "client_id"])
        else:
            raise CjmError(f"scope rule '{rule['name']}': column '{column}' is in neither clients nor deals",
                           f"use one of: {', '.join(sorted(set(clients.columns) | set(deals.columns)))}")
        free = group.eq(IN_SCOPE) & group.index.isin(list(hit))
        group[free] = rule["name"]
    return group


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each value among ``keys`` (-1 where absent or missing).

    Computed in Arrow: millions of identifiers never become Python strings.
    """
    found = pc.index_in(pa.array(values.astype("str").array), value_set=pa.array(keys.astype("str").array))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _pick(labels: pd.Series, pos: np.ndarray) -> pd.Series:
    """``labels`` at ``pos`` (missing where ``pos`` is -1), as text."""
    return pd.Series(labels.astype("str").array.take(pos, allow_fill=True))


def _carried(table: pd.DataFrame, checks: pd.DataFrame, key: str) -> pd.Series:
    """The ``check`` of each row of ``table`` whose ``key`` is among ``checks``' (missing elsewhere)."""
    return _pick(checks["check"], positions(table[key], checks[key]))


def _row_groups(name: str, table: pd.DataFrame, clients: pd.DataFrame, deals: pd.DataFrame) -> pd.Series:
    """The scope group of every row of a scoped table: by its deal, else by its client.

    ``clients`` and ``deals`` carry a ``group`` column beside their ids.
    """
    group = pd.Series(pd.NA, index=range(len(table)), dtype="str")
    if "deal_id" in table and name != "clients":
        group = _pick(deals["group"], positions(table["deal_id"], deals["deal_id"]))
    if "client_id" in table:
        group = group.fillna(_pick(clients["group"], positions(table["client_id"], clients["client_id"])))
    return group.fillna(NO_CLIENT)


def exclusion_waterfall(client_group: pd.Series, deals: pd.DataFrame, rules: list[dict], deal_groups: pd.Series,
                        before_scope: dict[str, tuple[int, int]] | None = None) -> pd.DataFrame:
    """Clients and deals each rule set aside, in rule order, and what stayed in scope.

    Parameters
    ----------
    before_scope : dict, optional
        Group set aside before the scope rules (:data:`HYGIENE`) -> its (clients, deals):
        the first rows, counted in the totals they are taken from.

    Returns
    -------
    DataFrame
        ``rule``, ``label`` (the rule's label from params; :data:`HYGIENE`, :data:`NO_CLIENT`
        and :data:`IN_SCOPE` for the groups no rule names), ``clients``, ``deals``,
        ``clients_left``, ``deals_left``.
    """
    before_scope = before_scope or {}
    steps = [(group, group) for group in before_scope]
    steps += [(NO_CLIENT, NO_CLIENT)] if (deal_groups == NO_CLIENT).any() else []
    steps += [(r["name"], r["label"]) for r in rules] + [(IN_SCOPE, IN_SCOPE)]
    clients_left = len(client_group) + sum(c for c, _ in before_scope.values())
    deals_left = len(deals) + sum(d for _, d in before_scope.values())
    rows = []
    for rule, label in steps:
        n_clients, n_deals = before_scope.get(rule) or (int((client_group == rule).sum()),
                                                        int((deal_groups == rule).sum()))
        if rule != IN_SCOPE:
            clients_left, deals_left = clients_left - n_clients, deals_left - n_deals
        rows.append({"rule": rule, "label": label, "clients": n_clients, "deals": n_deals,
                     "clients_left": clients_left, "deals_left": deals_left})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the step
def cases_from_events(events: pd.DataFrame, won_stages, lost_stages=(), open_after_days: float = 30,
                      until=None, case: str = "deal_id", stage: str = "stage",
                      at: str = "entered_at") -> tuple[pd.DataFrame, list[dict]]:
    """The cases of an event log that comes without a deals table.

    A case is won when it has an event of one of ``won_stages`` (closed at the first),
    whatever follows (work items after an approval); else lost when it has one of
    ``lost_stages`` (closed at the first; that stage is its ``lost_reason``, so a
    declined and a cancelled case are told apart); else lost when its last event is
    more than ``open_after_days`` before ``until`` (default: the log's last event), gone
    quiet; else open.

    Parameters
    ----------
    events : DataFrame
        ``case``, ``stage``, ``at`` (datetime) columns, one row per event; events without a
        time are left out.
    won_stages : list of str
        Activities that make a case won.
    lost_stages : list of str
        Activities that make a case (not won) lost.
    open_after_days : float
        Days of silence before ``until`` after which a case with neither is lost.
    until : str or Timestamp, optional
        The day of the export; None: the log's last event.
    case : str
        Column of ``events`` with the case id.
    stage : str
        Column of ``events`` with the activity (stage) name.
    at : str
        Column of ``events`` with the event's time.

    Returns
    -------
    cases : DataFrame
        ``deal_id`` (the ``case`` values), ``created_at`` (first event), ``closed_at`` (the
        first won or lost event, the last event of a quiet case, NaT when open), ``outcome``,
        ``lost_reason`` (missing unless lost at a lost stage); one row per case with a timed
        event, ordered by case.
    counts : list of dict
        ``note`` (``cases_won``, ``cases_lost_at``, ``cases_gone_quiet``, ``cases_open``),
        ``detail`` (the lost stage, or the days of silence) and ``count``.
    """
    frame = events[[case, stage, at]].dropna(subset=[at])
    grouped = frame.groupby(case, sort=True)[at]
    lost = (frame[frame[stage].isin(list(lost_stages))].sort_values(at, kind="stable")
            .drop_duplicates(case).set_index(case))
    cases = pd.DataFrame({"created_at": grouped.min(), "last": grouped.max()})
    cases["won_at"] = frame[frame[stage].isin(list(won_stages))].groupby(case)[at].min()
    cases["lost_at"], cases["lost_stage"] = lost[at], lost[stage].astype("str")
    return case_outcomes(cases.rename_axis("deal_id"), won_stages, open_after_days,
                         frame[at].max() if until is None else until)


def case_outcomes(cases: pd.DataFrame, won_stages, open_after_days: float, until) -> tuple[pd.DataFrame, list[dict]]:
    """:func:`cases_from_events` from the case's times: the outcome of each case and the counts.

    Parameters
    ----------
    cases : DataFrame
        Indexed by case id in order: ``created_at``, ``last`` (first and last event), ``won_at``
        (first event of a won stage), ``lost_at`` and ``lost_stage`` (first event of a lost
        stage, the earliest row among ties), missing where none.
    won_stages : list of str
        For the counts' detail.
    open_after_days : float
        Days of silence before ``until`` after which a case neither won nor lost is lost.
    until : Timestamp
        The day of the export, or the log's last event.

    Returns
    -------
    As :func:`cases_from_events`.
    """
    is_won = cases["won_at"].notna().to_numpy()
    at_lost_stage = ~is_won & cases["lost_at"].notna().to_numpy()
    quiet = ~is_won & ~at_lost_stage & (cases["last"] < pd.Timestamp(until) - pd.Timedelta(days=open_after_days)
                                        ).to_numpy()
    cases = cases.assign(outcome=np.select([is_won, at_lost_stage | quiet], ["won", "lost"], "open"))
    cases["closed_at"] = (cases["won_at"].fillna(cases["lost_at"])
                          .where(is_won | at_lost_stage, cases["last"].where(quiet)))
    cases["lost_reason"] = cases["lost_stage"].where(at_lost_stage).astype("str")
    counts = [{"note": "cases_won", "detail": ", ".join(won_stages), "count": int(is_won.sum())}]
    counts += [{"note": "cases_lost_at", "detail": str(name), "count": int(n)}
               for name, n in cases.loc[at_lost_stage, "lost_reason"].value_counts().sort_index().items()]
    counts += [{"note": "cases_gone_quiet", "detail": f"{open_after_days:g}", "count": int(quiet.sum())},
               {"note": "cases_open", "detail": "", "count": int((cases["outcome"] == "open").sum())}]
    cases = cases.rename_axis("deal_id").reset_index()
    return cases[["deal_id", "created_at", "closed_at", "outcome", "lost_reason"]], counts


def _log_cases(events: pd.DataFrame, spec: dict, frames,
               params: dict) -> tuple[pd.DataFrame, pd.DataFrame | None, list[dict]]:
    """The deals table of an engagement whose only export is an event log (``clean.event_log``):
    :func:`cases_from_events` with the case columns (``case_columns``: canonical deals
    column -> column of the log) taken from each case's first row that has them; with the
    quality of those columns (None without any) and the notes."""
    log = params["clean"]["event_log"]
    won = log["won_stages"] or [params["won_stage"]]
    if _out_of_core(events):
        times, last = events.case_times(won, log["lost_stages"])
        cases, counts = case_outcomes(times, won, log["open_after_days"], params.get("export_date") or last)
    else:
        cases, counts = cases_from_events(events, won, log["lost_stages"], log["open_after_days"],
                                          params.get("export_date"))
    notes = [_note("deals", "outcome", **count) for count in counts]
    notes.append(_note("deals", "deal_id", "cases_from_log", spec["source"], len(cases)))
    quality = None
    if log["case_columns"]:
        key = spec["columns"]["deal_id"]
        wanted = list(dict.fromkeys([key, *log["case_columns"].values()]))
        raw = events.source_columns() if _out_of_core(events) else source_columns(frames, spec["source"], wanted)
        require_columns(raw, wanted, _source_label(params, spec["source"]), "clean.event_log.case_columns")
        first = events.first_source_rows(key, list(log["case_columns"].values())) if _out_of_core(events) else \
            raw.dropna(subset=list(log["case_columns"].values()), how="all").drop_duplicates(key)
        attributes, status, kinds = {"deal_id": parse_column(first[key], "id")[0]}, {}, {}
        for canon, column in log["case_columns"].items():  # typed as a deals export's columns are
            kind = schemas.TABLES["deals"].get(canon)
            if kind is None:
                kinds[canon], attributes[canon], status[canon] = _parse_extra(first[column], None)
            else:
                kinds[canon], (attributes[canon], status[canon]) = kind, parse_column(first[column], kind)
        mapped = pd.DataFrame({canon: first[column] for canon, column in log["case_columns"].items()})
        quality = _quality("deals", spec["source"], mapped, pd.DataFrame(status, index=first.index),
                           dict(log["case_columns"]), kinds)
        _check_invalid_share(quality, params["clean"]["max_invalid_share"], _source_label(params, spec["source"]),
                             "clean.event_log.case_columns.{column}")
        quality = quality.drop(columns="kind")
        cases = cases.merge(pd.DataFrame(attributes), on="deal_id", how="left")
    cases["client_id"] = cases["deal_id"]
    notes.append(_note("deals", "client_id", "client_is_deal"))
    order = [c for c in schemas.TABLES["deals"] if c in cases] + [c for c in cases if c not in schemas.TABLES["deals"]]
    return schemas.validate(cases[order], "deals"), quality, notes


def absent_tables(params: dict) -> list[str]:
    """Canonical tables the engagement has no export for (the deals of an event log are made)."""
    clean = params.get("clean") or {}
    made = {"deals"} if clean.get("event_log") is not None else set()
    return [name for name in schemas.TABLES if name not in clean.get("tables", {}) and name not in made]


def clean(params: dict, frames, transcripts: dict[str, dict[str, str]] | None = None,
          sink: Callable[[str, str, pd.DataFrame], None] | None = None) -> CleanResult:
    """Canonical tables, side groups, waterfall and quality summary from anonymized sources.

    Each table is built (:func:`build_table`), its dates checked by ``clean.dates``
    (:func:`check_dates`: rows set aside go under their check, a deal's with their deal, a
    client's with their client), then split by the scope rules. The clients a table of its
    own does not give are those of the deals kept.

    Parameters
    ----------
    params : dict
        Validated params with a ``clean`` section (``export_date`` for the future check).
    frames : mapping of DataFrame
        Anonymized sources by name (:class:`cjm.steps.clean.AnonymizedSources` reads each
        when asked for, so only one big table is in memory at a time). A source for which
        ``frames.out_of_core(name)`` is true gives its :data:`OUT_OF_CORE_TABLES` by
        ``frames.log_table(table, spec, params)`` (a :class:`cjm.analysis.cleanlog.LogTable`,
        checked, scoped and handed to ``sink`` in parts without entering pandas).
    transcripts : dict, optional
        Source -> {file name: scrubbed text}.
    sink : callable, optional
        ``sink(rule, table_name, table)`` is handed each table (``rule`` is
        :data:`IN_SCOPE`, a side group's rule or, for rows a date check set aside, one of
        :data:`DATE_CHECKS`) as soon as it is done, and the table is not kept in the result.
    """
    section = params["clean"]
    specs = section["tables"]
    base = specs.get("deals") or specs["stage_events"]  # load_params checked there is one
    if base["source"] not in frames:
        raise CjmError(f"the source '{base['source']}' was not anonymized", "run 01_anonymize first (make all)")
    rules = section.get("scope", [])
    taken = sorted({r["name"] for r in rules} & {*SET_ASIDE_GROUPS, IN_SCOPE, NO_CLIENT})
    if taken:
        raise CjmError(f"{params.get('_file', 'params')}: scope rule name(s) {', '.join(taken)} are names 02 "
                       f"gives groups of its own", "name the rule otherwise under 'clean.scope'")
    result = CleanResult({}, {}, None, None, None, absent=absent_tables(params))
    quality, duplicates, summary, notes, checks = [], [], [], [], []
    built, settled, aside = {}, set(), {}
    date_rules, export_date = section.get("dates") or {}, params.get("export_date")
    went = {"deal_id": None, "client_id": None}  # deals and clients the date checks set aside, by check

    def build(name):
        if name in built:
            return built.pop(name)
        if name in OUT_OF_CORE_TABLES and hasattr(frames, "out_of_core") and frames.out_of_core(specs[name]["source"]):
            if sink is None:
                raise CjmError(f"{_source_label(params, specs[name]['source'])} is out of core: 02 writes its "
                               "tables as it goes", "run 02 by cjm.steps.clean.run_clean (make all)")
            table, table_quality, counts = frames.log_table(name, specs[name], params)
        else:
            table, table_quality, counts = build_table(name, specs[name], frames, params, transcripts)
        quality.append(table_quality)
        notes.extend(counts.pop("notes"))
        duplicates.append(counts)
        return table

    def settle_dates(name, table):
        """``table`` without the rows the date checks (and data hygiene) set aside (handed on
        under their check)."""
        settled.add(name)
        where = _source_label(params, (specs.get(name) or base)["source"])
        if _out_of_core(table):
            checks.extend(check_log_dates(table, name, date_rules, export_date, where, went["deal_id"],
                                          went["client_id"]))
            return set_aside(name, table, DATE_CHECKS)
        group, records = check_dates(table, name, date_rules, export_date, where, went["deal_id"], went["client_id"])
        checks.extend(records)
        return set_aside(name, table, group)

    def set_aside(name, table, group):
        """``table`` without the rows ``group`` names, handed on under their group (of a table out
        of core, ``group`` lists the groups its rows were marked with)."""
        kept, parts = split_log_rows(table, group) if _out_of_core(table) else split_rows(table, group)
        for check, part in parts.items():
            aside[name] = aside.get(name, 0) + len(part)
            if sink is None:
                result.set_aside.setdefault(check, {})[name] = part
            else:
                sink(check, name, part)
        if name in ("deals", "clients") and parts:
            key = f"{name[:-1]}_id"
            went[key] = pd.concat([part[[key]].assign(check=check) for check, part in parts.items()],
                                  ignore_index=True)
        return kept

    if "deals" in specs:
        deals = build("deals")
    else:  # an event log: its cases are the deals
        built["stage_events"] = settle_dates("stage_events", build("stage_events"))
        deals, log_quality, log_notes = _log_cases(built["stage_events"], specs["stage_events"], frames, params)
        quality += [log_quality] if log_quality is not None else []
        notes.extend(log_notes)
    deal_clients = deals[["deal_id", "client_id"]]  # all deals', so a post-deal answer set aside keeps its client
    has_clients = "clients" in specs and specs["clients"]["source"] in frames
    if has_clients:
        clients = settle_dates("clients", build("clients"))
    deals = settle_dates("deals", deals)
    reasons, hygiene_rule = section.get("hygiene_reasons") or [], section.get("hygiene", SET_ASIDE)
    result.hygiene = hygiene_counts(deals, reasons, hygiene_rule)
    flagged = hygiene_deals(deals, reasons)
    crm_deals, before_scope = deals, {}  # the scope rules read every deal the CRM holds (a duplicate too)
    if hygiene_rule == SET_ASIDE and flagged.any():  # with their stage history, touches and client
        gone = dict(zip(("deal_id", "client_id"), hygiene_groups(deals, flagged)))
        deals = set_aside("deals", deals, pd.Series(np.where(flagged, HYGIENE, None), dtype="str"))
        for key, rows in gone.items():
            went[key] = rows if went[key] is None else pd.concat([went[key], rows], ignore_index=True)
        if has_clients:
            before = len(clients)
            clients = set_aside("clients", clients, _carried(clients, gone["client_id"], "client_id"))
            gone_clients = before - len(clients)
        else:
            gone_clients = len(gone["client_id"])
        if "stage_events" in built and _out_of_core(built["stage_events"]):
            built["stage_events"].carry(gone["deal_id"], "deal_id")
            built["stage_events"] = set_aside("stage_events", built["stage_events"], (HYGIENE,))
        elif "stage_events" in built:  # an event log's, settled before its cases were made
            built["stage_events"] = set_aside("stage_events", built["stage_events"],
                                              _carried(built["stage_events"], gone["deal_id"], "deal_id"))
        before_scope[HYGIENE] = (gone_clients, int(flagged.sum()))
    if not has_clients:
        clients = pd.DataFrame({"client_id": pd.Series(deals["client_id"].dropna().unique(), dtype="str")})
    client_group = assign_scope(clients, crm_deals, rules)
    clients = clients.assign(group=client_group.to_numpy())
    deals = deals.assign(group=_row_groups("deals", deals[["client_id"]], clients, deals).to_numpy())
    result.waterfall = exclusion_waterfall(client_group, deals, rules, deals["group"], before_scope)
    # the groups set aside before the scope rules (data hygiene) have their tables already
    side_rules = [r for r in result.waterfall["rule"] if r != IN_SCOPE and r not in before_scope]

    def emit(name, table):
        if _out_of_core(table):
            table.scope(deals, clients, NO_CLIENT)
            parts = {rule: table.part(rule) for rule in [IN_SCOPE, *side_rules]}
        else:
            group = _row_groups(name, table, clients, deals) if name in SCOPED else None
            parts = {IN_SCOPE: table} if group is None else {
                rule: table[(group == rule).to_numpy(dtype=bool)].reset_index(drop=True)
                for rule in [IN_SCOPE, *side_rules]}
        summary.append({"table": name, "rows": len(parts[IN_SCOPE]),
                        "set_aside": sum(len(t) for r, t in parts.items() if r != IN_SCOPE) + aside.get(name, 0),
                        "columns": ", ".join(table.columns)})
        if name == "stage_events" and _out_of_core(table):
            result.stages_outside_funnel = table.outside(IN_SCOPE, "stage", params["stages"]).rename(
                columns={"n": "rows"})
        elif name == "stage_events":
            result.stages_outside_funnel = stages_outside_funnel(parts[IN_SCOPE], params["stages"])
        for rule, part in parts.items():
            if sink is None:
                (result.tables if rule == IN_SCOPE else result.side_groups.setdefault(rule, {}))[name] = part
            else:
                sink(rule, name, part)

    emit("clients", clients.drop(columns="group"))
    emit("deals", deals.drop(columns="group"))
    clients, deals = clients[["client_id", "group"]], deals[["deal_id", "group"]]
    for name, spec in specs.items():
        if name in ("clients", "deals"):
            continue
        table = build(name)
        if name == "post_deal_nps":
            found = positions(table["deal_id"], deal_clients["deal_id"])
            table = table.assign(client_id=_pick(deal_clients["client_id"], found).to_numpy())
        if name not in settled:
            table = settle_dates(name, table)
        emit(name, table)
        del table
        pa.default_memory_pool().release_unused()  # hand the table's memory back before the next
    result.quality = pd.concat(quality, ignore_index=True)
    result.duplicates = pd.DataFrame(duplicates)
    result.summary = pd.DataFrame(summary)
    result.notes = pd.DataFrame(notes, columns=NOTE_COLUMNS).astype({"count": "Int64"})
    order = {name: i for i, name in enumerate(schemas.TABLES)}
    checks.sort(key=lambda r: (order.get(r["table"], len(order)), DATE_CHECKS.index(r["check"])))
    result.date_checks = pd.DataFrame(checks, columns=DATE_CHECK_COLUMNS).astype({"rows": "Int64",
                                                                                  "set_aside": "int64"})
    return result


def present_in_order(present: list, columns: list) -> list | None:
    """``columns`` in the source's order if all are present, else None (all columns, so
    that a missing one is reported with everything the source has)."""
    return [c for c in present if c in set(columns)] if set(columns) <= set(present) else None


def source_columns(frames, name: str, columns: list[str] | None) -> pd.DataFrame:
    """Source ``name`` of ``frames`` with only ``columns`` (all when None or when one is
    missing); sources with a ``read(name, columns)`` method (as
    :class:`cjm.steps.clean.AnonymizedSources`) read just those from disk."""
    if hasattr(frames, "read"):
        return frames.read(name, columns)
    frame = frames[name]
    keep = None if columns is None else present_in_order(list(frame.columns), columns)
    return frame if keep is None else frame[keep]


def stages_outside_funnel(stage_events: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    """Stage-history rows whose stage is not one of the params' ``stages``.

    Returns
    -------
    DataFrame
        ``stage``, ``rows``, most frequent first.
    """
    outside = stage_events.loc[~stage_events["stage"].isin(stages), "stage"]
    return outside.value_counts().rename_axis("stage").rename("rows").reset_index()
