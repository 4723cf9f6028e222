"""The words of the notebooks, in the engagement's language (ru or en).

Notebooks are shared by every engagement, and the client reads them rendered without
code; so their narrative lives in the locale catalogue (:mod:`cjm.present.words`, section
``passages``), keyed by notebook and passage, and :func:`say` shows it as Markdown.
:func:`table` gives a table the column headers a client reads and writes its numbers as
:mod:`cjm.present.formats` does. What only the consultant should read (a params key to
set, a step to rerun) is a :func:`consultant_note` (section ``consultant``): shown in
JupyterLab and kept in the executed notebook and the consultant's log, never in the
client's pages.
"""

from __future__ import annotations

import hashlib
import html
import re
import string

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from cjm.core.files import add_consultant_note
from cjm.core.params import load_params
from cjm.core.paths import EngagementPaths
from cjm.present.formats import (MISSING, format_count, format_date, format_decimal, format_number, format_p,
                                 format_percent, plural)
from cjm.present.words import in_words, section

#: Columns whose words are codes of the analysis, written in the reader's words (``values``).
CODED_COLUMNS = ("treatment", "detail", "kind", "role", "rule", "label", "action", "group", "estimate", "quadrant",
                 "scope", "source", "layer", "check", "unit", "block", "reason", "last_action", "variant",
                 "option", "method", "empty", "journey", "segment", "curve", "sources", "source_column")
#: Columns of p-values, written as :func:`cjm.present.formats.format_p` does.
P_COLUMNS = ("p_value", "p_adjusted")
#: Columns whose cells list column names (``created_at, closed_at``), each written as a header.
COLUMN_LISTS = ("columns", "conflict_columns")


def table_names(names, language: str) -> str:
    """Canonical table names as the reader calls them, joined."""
    tables = section(language, "tables")
    return ", ".join(tables.get(name, name) for name in names)


def notes_table(notes: pd.DataFrame, language: str) -> pd.DataFrame:
    """02's notes as a reader's table: ``table``, ``column``, ``note`` (a sentence)."""
    sentences, tables = section(language, "notes"), section(language, "tables")
    texts = [sentences[row.note].format(detail=row.detail, count=format_count(row.count, language)
                                        if pd.notna(row.count) else "") for row in notes.itertuples()]
    return pd.DataFrame({"table": notes["table"].map(tables).fillna(notes["table"]),
                         "column": notes["column"], "note": texts})


def dates_said(date_checks: pd.DataFrame, export_date, language: str) -> Markdown:
    """02's passage on dates: the heading, then the day of the export the future is counted
    from (or that it is not given, so the future was not looked for); or, with nothing to
    check (``date_checks`` empty), that the exports have no dates."""
    if not len(date_checks):
        return say("02.dates.none", language)
    said = say("02.dates", language).data
    if export_date:
        said += "\n\n" + say("02.dates.export", language,
                               date=format_date(pd.Timestamp(export_date).date(), language)).data
    else:
        said += "\n\n" + say("02.dates.no_export", language).data
    return Markdown(said)


def hygiene_said(hygiene: pd.DataFrame, language: str) -> Markdown | None:
    """02's passage on the deals lost for a data hygiene reason: set aside or kept (the
    ``action`` of :func:`cjm.analysis.clean.hygiene_counts`), how many in all, then each
    reason with its number of deals; None when the params list no such reason."""
    if not len(hygiene):
        return None

    def deals(n):
        return f"{format_count(n, language)} {plural(n, 'deals', language)}"

    said = say(f"02.hygiene.{hygiene['action'].iloc[0]}", language, total=deals(int(hygiene["deals"].sum()))).data
    return Markdown(said + "\n\n" + "\n".join(f"- {reason}: {deals(int(n))}"
                                               for reason, n in zip(hygiene["reason"], hygiene["deals"])))


def start(engagement: str) -> tuple[dict, EngagementPaths, str]:
    """Set a notebook up: the engagement's params and paths, its language, the house
    plot style and display options that show whole tables.

    Returns
    -------
    params : dict
    paths : EngagementPaths
    language : str

    Raises
    ------
    CjmError
        If the params' language has no locale catalogue.
    """
    params = load_params(engagement)
    section(params["language"], "passages")  # an unknown language fails here, not halfway through
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.max_colwidth", 80)
    from cjm.present.figures.style import use_house_style  # matplotlib: here, not for every reader of notes

    use_house_style()
    return params, EngagementPaths(engagement), params["language"]


class _Passage(string.Formatter):
    """Fills a passage in ``language``: a number with a format of its own (``.2f``, ``+.0f``,
    ``.0%``) as :mod:`cjm.present.formats` writes it to those decimals, a number without one
    with its thousands separated and the decimals it has."""

    def __init__(self, language: str):
        self.language = language

    def format_field(self, value, format_spec):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            return super().format_field(value, format_spec)
        if not format_spec:
            return format_decimal(value, self.language)
        spec = re.fullmatch(r"(\+?)\.(\d+)([f%])", format_spec)
        if spec is None:
            raise ValueError(f"a passage formats numbers as .Nf, +.Nf or .N%, not {format_spec!r}")
        sign, digits, kind = spec.group(1) == "+", int(spec.group(2)), spec.group(3)
        if kind == "%":
            return format_percent(value, self.language, digits)
        return format_number(value, self.language, digits, sign=sign, grouped=True)


def say(key: str, language: str, **values) -> Markdown:
    """The passage ``key`` of the catalogue's ``passages`` in ``language``, filled with
    ``values``, as Markdown for display."""
    return Markdown(_Passage(language).format(section(language, "passages")[key], **values))


#: The method terms each chapter explains under its title (:func:`terms`), as the chapter first
#: uses them; the catalogue's ``terms`` says each in plain words.
CHAPTER_TERMS = {
    "01": ("pseudonym", "k_anonymity"),
    "03": ("inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "stability", "adjusted_rand", "median",
           "effect_size", "principal_components"),
    "04": ("nps", "confidence_interval", "csat", "p_value", "holm", "chi_square", "cramers_v", "kruskal_wallis",
           "wilson", "relative_importance", "bootstrap", "regression"),
    "05": ("codebook", "tone"),
    "06": ("conversion", "median", "percentile", "odds_ratio", "variants", "directly_follows", "cohort",
           "latent_class", "log_likelihood", "bic", "adjusted_rand", "cramers_v"),
    "07": ("nps", "conversion", "kpi", "tone"),
}


def terms(chapter: str, language: str) -> Markdown:
    """The method terms of ``chapter`` (:data:`CHAPTER_TERMS`), each with one plain sentence
    of what it means for the client, under a short heading; nothing for a chapter without any."""
    words = section(language, "terms")
    items = [words["item"].format(**words[term]) for term in CHAPTER_TERMS.get(chapter, ())]
    return Markdown("\n\n".join([words["heading"], "\n".join(items)]) if items else "")


#: The mark, in an output's metadata, of a note for the consultant: the client's pages leave it out.
CONSULTANT_NOTE = "cjm_consultant_note"
#: How a note for the consultant stands out from the report's text in JupyterLab and the notebook.
_NOTE_BOX = ("border: 2px dashed #b35900; background: #fff4e5; color: #3d2600; padding: 0.4rem 0.8rem; "
             "margin: 0.4rem 0; border-radius: 4px")


def is_consultant_note(output) -> bool:
    """Whether a notebook output is a :func:`consultant_note` (by its metadata's mark)."""
    return bool(output.get("metadata", {}).get(CONSULTANT_NOTE))


def consultant_note(key: str, language: str, paths: EngagementPaths, **values) -> None:
    """Tell the consultant what to do (set a params key, mark the transcripts, rerun a
    step): the note ``key`` of the catalogue's ``consultant`` section in ``language``,
    filled with ``values`` as :func:`say` fills a passage.

    Shown as a box apart from the report's text, marked in the output's metadata
    (:data:`CONSULTANT_NOTE`) so the client's pages leave it out
    (:mod:`cjm.present.report`), and added to the engagement's consultant log
    ``data/<e>/logs/consultant.md`` under the chapter of ``key`` (``05`` of ``05.unmarked``),
    published with the step's outputs. Returns nothing (a cell ending with a note shows
    it once).
    """
    text = _Passage(language).format(section(language, "consultant")[key], **values)
    add_consultant_note(paths.consultant_log, key.split(".")[0], text)
    body = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))
    label = html.escape(section(language, "consultant")["label"])
    display({"text/html": f'<div style="{_NOTE_BOX}"><b>{label}</b> {body}</div>',
             "text/plain": f"{section(language, 'consultant')['label']} {text}"},
            raw=True, metadata={CONSULTANT_NOTE: True})


def say_each(key: str, language: str, rows: pd.DataFrame) -> Markdown:
    """The passage ``key`` once per row of ``rows`` (its columns fill the passage)."""
    text, passage = section(language, "passages")[key], _Passage(language)
    return Markdown("\n\n".join(passage.format(text, **row) for row in rows.to_dict("records")))


def _cell_format(column: pd.Series, name, language: str, precision: int, percent):
    """How ``table`` writes the cells of a numeric ``column``: a p-value, a count (whole
    numbers, a count never shown as a percentage), a percentage or a number."""
    if name in P_COLUMNS:
        return lambda p: format_p(p, language, bare=True)
    values = column.dropna()
    if pd.api.types.is_integer_dtype(column) or (name not in percent and (values == values.round()).all()):
        return lambda n: format_count(n, language)
    if name in percent:
        return lambda share: format_percent(share, language)
    return lambda x: format_number(x, language, precision, grouped=True)


def table(frame: pd.DataFrame, language: str, precision: int = 1, percent=("share",)):
    """``frame`` for the reader: headers in ``language``, no index, and numbers written as
    :mod:`cjm.present.formats` does: whole numbers as counts, others to ``precision``
    decimals, the ``percent`` columns (shares) as percentages, p-values (``p_value``,
    ``p_adjusted``) as :func:`cjm.present.formats.format_p` writes them; a missing value as "—".
    A column of integers is a count even when named in ``percent``. The table's id comes
    from its content (not pandas' random one), so a chapter renders to the same bytes."""
    shown = labelled(frame, language)
    headers = dict(zip(frame.columns, shown.columns))
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    formats = {headers[c]: _cell_format(frame[c], c, language, precision, percent) for c in numeric}
    text = [headers[c] for c in frame.columns if c not in numeric]
    content = hashlib.sha1(shown.to_csv().encode("utf-8")).hexdigest()[:5]
    return (shown.style.set_uuid(content).hide(axis="index").format(formats, na_rep=MISSING)
            .set_properties(subset=text, **{"text-align": "left"}))


def label(key: str, language: str) -> str:
    """The reader's name of a column or breakdown ``key`` (the catalogue's ``headers``); a key
    it has none for as written, a code name's underscores as spaces (an extra column the
    params name ``total_charges`` reads "total charges")."""
    words = section(language, "headers")
    return words[key] if key in words else re.sub(r"(?<=[a-z0-9])_(?=[a-z0-9])", " ", str(key))


def heading(key: str, language: str) -> Markdown:
    """A small heading naming ``key`` (a column, a breakdown) in ``language``."""
    return Markdown(f"### {label(key, language)}")


def labelled(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """``frame`` with its column headers, flags (yes, no) and coded words (the columns of
    :data:`CODED_COLUMNS`) in ``language``."""
    values = section(language, "values")
    flags = [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c]) or (
        frame[c].dtype == object and frame[c].notna().any() and frame[c].dropna().map(type).eq(bool).all())]
    frame = frame.assign(**{c: frame[c].map({True: values["yes"], False: values["no"]}) for c in flags})
    for column in CODED_COLUMNS:
        if column in frame:
            frame[column] = frame[column].map(lambda text: in_words(text, language))
    names, tables = {}, section(language, "tables")  # tables and columns named in cells, as the reader calls them
    for column in ("table", "source"):
        if column in frame:
            names[column] = frame[column].map(lambda name: tables.get(name, name) if isinstance(name, str) else name)
    for column in ("column", "breakdown"):
        if column in frame:
            names[column] = frame[column].map(lambda name: in_words(label(name, language), language))
    for column in COLUMN_LISTS:  # lists of columns, each named as the reader calls it
        if column in frame:
            names[column] = frame[column].map(lambda text: ", ".join(label(c, language) for c in text.split(", "))
                                              if isinstance(text, str) and text else None)
    return frame.assign(**names).rename(columns=lambda c: label(c, language))
