"""Schemas of the canonical tables (DESIGN.md, "Canonical tables") and their validation.

Each column has a kind that says how 02_clean parses it and what a valid table holds:

=========  ==================================================  ===================
kind       parsed from                                          dtype
=========  ==================================================  ===================
id         a pseudonym or code, kept as text                     str
category   a short label; spaces and case variants unified      str
text       free text, kept as it is                             str
datetime   dates in any common format (or ``date_format``)      datetime64
number     ``1 234,50``, ``1234.5``, ``36 мес.`` ...            float64
integer    as number, whole values only                          Int64
year       a four-digit year                                    Int64
town       a town in any spelling, unified by :mod:`cjm.core.geo`    str
outcome    the client's status, mapped by ``values``            won / lost / open
=========  ==================================================  ===================
"""

from __future__ import annotations

import pandas as pd

from cjm.core.errors import CjmError

OUTCOMES = ("won", "lost", "open")

#: Canonical columns of each table: name -> kind, in table order.
TABLES: dict[str, dict[str, str]] = {
    "clients": {
        "client_id": "id", "client_type": "category", "gender": "category", "birth_year": "year",
        "town": "town", "region": "category", "first_contact_at": "datetime",
        "acquisition_channel": "category", "manager_id": "id",
    },
    "deals": {
        "deal_id": "id", "client_id": "id", "created_at": "datetime", "closed_at": "datetime",
        "outcome": "outcome", "lost_reason": "category", "lost_stage": "category",
        "product": "category", "model": "category", "scheme": "category", "amount": "number",
        "down_payment": "number", "term_months": "integer", "channel": "category",
        "manager_id": "id",
    },
    "stage_events": {"deal_id": "id", "stage": "category", "entered_at": "datetime", "manager_id": "id",
                     "lifecycle": "category"},
    "touches": {
        "touch_id": "id", "client_id": "id", "deal_id": "id", "at": "datetime", "channel": "category",
        "touchpoint": "category", "direction": "category", "manager_id": "id",
    },
    "post_deal_nps": {"deal_id": "id", "client_id": "id", "answered_at": "datetime", "score": "integer"},
    "survey": {"respondent_id": "id", "client_id": "id", "answered_at": "datetime"},
    "interviews": {
        "interview_id": "id", "client_id": "id", "interviewed_at": "datetime", "turn": "integer",
        "speaker": "category", "text": "text",
    },
    "observations": {
        "visit_id": "id", "observed_at": "datetime", "stage": "category", "touchpoint": "category",
        "observation": "text", "valence": "category",
    },
}

#: Columns a table cannot do without.
REQUIRED: dict[str, tuple[str, ...]] = {
    "clients": ("client_id",),
    "deals": ("deal_id", "client_id", "outcome"),
    "stage_events": ("deal_id", "stage", "entered_at"),
    "touches": ("at", "channel"),
    "post_deal_nps": ("deal_id", "score"),
    "survey": ("respondent_id",),
    "interviews": ("interview_id", "turn", "text"),
    "observations": ("observation",),
}

#: Unique key of a table, where it has one.
KEYS = {"clients": "client_id", "deals": "deal_id", "survey": "respondent_id"}
#: Column 01 adds to an export whose table leaves its key unmapped: a pseudonym of the row's number.
ROW_ID = "row_id"

_DTYPE_CHECK = {
    "datetime": pd.api.types.is_datetime64_any_dtype,
    "number": pd.api.types.is_float_dtype,
    "integer": pd.api.types.is_integer_dtype,
    "year": pd.api.types.is_integer_dtype,
}


def validate(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Check a canonical table against its schema and return it unchanged.

    Parameters
    ----------
    frame : DataFrame
        The table; columns beyond the schema (extra attributes from params) are allowed.
    table : str
        One of :data:`TABLES`.

    Raises
    ------
    CjmError
        Naming the table, the column and what is wrong: a required column missing,
        a column of the wrong type, a duplicated key, an outcome outside won/lost/open.
    """
    if table not in TABLES:
        raise CjmError(f"unknown canonical table '{table}'", f"expected one of: {', '.join(TABLES)}")
    missing = [c for c in REQUIRED[table] if c not in frame.columns]
    if missing:
        raise CjmError(f"table '{table}' lacks required column(s) {', '.join(missing)}",
                       f"map them under 'clean.tables.{table}.columns' in the params file")
    for column, kind in TABLES[table].items():
        if column in frame.columns and kind in _DTYPE_CHECK and not _DTYPE_CHECK[kind](frame[column]):
            raise CjmError(f"table '{table}': column '{column}' has dtype {frame[column].dtype}, "
                           f"expected {kind}", "parse it with cjm.analysis.clean (02_clean) before saving")
    key = KEYS.get(table)
    if key in frame.columns:
        dup = frame[key].dropna()
        dup = dup[dup.duplicated()]
        if len(dup):
            raise CjmError(f"table '{table}': {len(dup)} duplicated {key} values, e.g. {dup.iloc[0]!r}",
                           "remove duplicates before saving (02_clean keeps the most complete row)")
    if "outcome" in frame.columns:
        bad = sorted(set(frame["outcome"].dropna()) - set(OUTCOMES))
        if bad:
            raise CjmError(f"table '{table}': outcome has values {bad}",
                           f"map them to {', '.join(OUTCOMES)} under 'clean.tables.{table}.values.outcome'")
    return frame


def require_columns(frame: pd.DataFrame, columns, where: str, param: str, dropped: dict | None = None) -> None:
    """Raise a CjmError naming the missing columns, the close matches and the key to edit.

    ``dropped`` (column -> why, from 01) explains a column that 01 removed as personal. The
    fix names the key and, for a column with a close match (difflib), the match.
    """
    import difflib

    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return
    hints, renamed, fix = [], [], f"correct the column name under '{param}'"
    for col in missing:
        if dropped and col in dropped:
            hints.append(f"'{col}' (dropped in 01 as {dropped[col]['detail']})")
            fix = dropped[col]["fix"]
            continue
        close = difflib.get_close_matches(col, [str(c) for c in frame.columns], n=1, cutoff=0.5)
        hints.append(f"'{col}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        renamed += [f"'{col}' -> '{close[0]}'"] if close else []
    raise CjmError(f"{where}: column {', '.join(hints)} not found; it has: {', '.join(map(str, frame.columns))}",
                   fix + (f" (renamed or misspelt? {', '.join(renamed)})" if renamed else ""))


def survey_columns(section: dict) -> dict[str, str]:
    """Params key -> survey column, for every column the params' ``survey`` section maps
    (NPS, months, duration, CSAT by stage, choice questions, comments)."""
    keys = {f"survey.{key}": section[key] for key in ("nps", "months", "duration") if section.get(key)}
    keys.update({f"survey.csat.{stage}": column for stage, column in section.get("csat", {}).items()})
    for kind in ("single_choice", "multi_choice"):
        for question, spec in section.get(kind, {}).items():
            if "column" in spec:
                keys[f"survey.{kind}.{question}.column"] = spec["column"]
            keys.update({f"survey.{kind}.{question}.columns.{option}": column
                         for option, column in spec.get("columns", {}).items()})
    keys.update({f"survey.comments[{i}]": column for i, column in enumerate(section.get("comments", []))})
    return keys


#: Map layers a code can belong to, and the valence of their codes unless a code says otherwise.
CODE_LAYERS = {"theme": 0, "touchpoint": 0, "influencer": 0, "goal": 0, "question": 0, "barrier": -1, "pain": -1,
          "positive": 1, "emotion": 0}


def codebook_problems(codebook: dict, stages: list[str] | None = None,
                      where: str = "interviews.codebook") -> list[CjmError]:
    """Every problem of ``codebook`` (``{layer: {code: {stage, valence, patterns, ...}}}``),
    one :class:`CjmError` each naming the code: a layer not one of :data:`CODE_LAYERS`, a
    code without patterns, a stage not one of ``stages`` (when given)."""
    problems = []
    for layer, entries in codebook.items():
        if layer not in CODE_LAYERS:
            problems.append(CjmError(f"{where}: unknown layer '{layer}'", f"expected one of: {', '.join(CODE_LAYERS)}"))
            continue
        for name, spec in entries.items():
            stage = spec.get("stage")
            if stages is not None and stage is not None and stage not in stages:
                problems.append(CjmError(f"{where}.{layer}.{name}: stage '{stage}' is not a journey stage",
                                         f"expected one of: {', '.join(stages)}"))
            if not spec.get("patterns"):
                problems.append(CjmError(f"{where}.{layer}.{name} has no patterns", "list the words that mark the code"))
    return problems


def check_codebook(codebook: dict, stages: list[str] | None = None, where: str = "interviews.codebook") -> None:
    """Raise the first of :func:`codebook_problems` (as :class:`CjmError`), if any."""
    problems = codebook_problems(codebook, stages, where)
    if problems:
        raise problems[0]
