"""Leak check: scan what may be shared for personal data (DESIGN.md "Privacy").

Everything under ``outputs/<engagement>/`` and ``data/<engagement>/interim/`` is
searched for

- every raw personal value of the engagement's exports: identifiers (client codes,
  deal numbers, manager names), names, phones, e-mails, documents, birth dates and
  street addresses, as the params declare them (plus the columns 01_anonymize finds
  personal by content);
- personal-data patterns (:mod:`cjm.privacy.pii`): phones, e-mails, passports, personal
  identification numbers.

Pseudonyms (``C-`` + 16 hex) and placeholders (``[имя]``, ``[телефон]`` ...) are not
leaks. ``raw/`` and ``private/`` are never scanned. Values are compared casefolded,
word by word (punctuation and spacing do not matter): a value matches only as a
whole run of words on one line, so the surname ``Баранов`` of a full name is not
found in ``Барановичи`` nor alone; birth dates are found only where a text has a date.
Images, and files of unknown types that are not text, are not read (the summary names them). Run ``python -m cjm.privacy.leaks ENGAGEMENT`` (the last step of
``make all``): it exits 1 on finds and 0 with a stamp file ``outputs/<e>/.leak-check``.
"""

from __future__ import annotations

import argparse
import bisect
import gc
from array import array
import hashlib
import html
import json
import multiprocessing
import os
import pickle
import re
import struct
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pypdf.errors import PyPdfError
from python_calamine import CalamineError
from tqdm.auto import tqdm

from cjm.privacy.anonymize import BIRTH_DATE_FORMATS, personal_by_content, read_source, read_source_blocks
from cjm.core.errors import CjmError
from cjm.core.files import write_atomic
from cjm.core.io import out_of_core
from cjm.core.params import clean_columns, load_params
from cjm.core.paths import WORKSPACE, EngagementPaths
from cjm.privacy.pii import FINDERS, find_phones, normalize_email, normalize_passport, normalize_personal_number, normalize_phone
from cjm.privacy.scrub import PLACEHOLDERS

#: Columns of :func:`find_leaks`.
COLUMNS = ["file", "kind", "column_or_line", "excerpt"]
#: Identifier kinds that name no person (activity numbers).
IMPERSONAL_KINDS = frozenset({"activity"})
#: Values shorter than this (in characters, words joined by a space) are not looked for.
MIN_CHARS = 4
#: Values made of digits only are looked for from this many digits on (IDs 1001, 480010 are not).
MIN_DIGITS = 7
#: Characters of context either side of a find in its excerpt.
CONTEXT = 20
#: Files never read: images other than PNG (whose text chunks are read; the project writes no
#: other images). Files of other unknown types are read when they are UTF-8 text.
BINARY_SUFFIXES = frozenset({".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".ico", ".tif", ".tiff"})
TABLE_SUFFIXES = frozenset({".parquet", ".xlsx", ".xlsm"})
#: Rows of a parquet file (a part of a table written out of core, or a raw export out of core)
#: read at a time.
BATCH_ROWS = 200_000
#: Types read: tables, text files (UTF-8, or else cp1251), PDF text, PNG text chunks, Word
#: documents, and the strings of pickles (the fitted segmentation).
KNOWN_SUFFIXES = TABLE_SUFFIXES | {".ipynb", ".json", ".html", ".htm", ".svg", ".csv", ".tsv", ".txt", ".md",
                                   ".pdf", ".png", ".docx", ".pptx", ".pickle", ".pkl"}
#: Notebook outputs of these types are binary images and not read.
BINARY_MIMES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
#: Name of the stamp written when the check passes.
STAMP = ".leak-check"
#: Pattern kinds (:data:`cjm.privacy.pii.FINDERS`): phones, e-mails, handles, addresses, documents, cards ...
PATTERN_KINDS = tuple(FINDERS)

_WORD = re.compile(r"\w+")
#: Words and line breaks: a value never matches across lines (or table cells, one a line).
_TOKEN = re.compile(r"\w+|\n")
_NOT_LEAKS = re.compile(r"\b[A-Z]-[0-9a-f]{16}\b|" + "|".join(map(re.escape, sorted(PLACEHOLDERS))))
#: Dates as ``dd.mm.yyyy``, ``dd/mm/yyyy`` or ``yyyy-mm-dd`` (birth dates are matched in these forms only).
_DATE = re.compile(r"(?<![\d.\-/])(?:(\d{1,2})([./])(\d{1,2})\2(\d{4})|(\d{4})-(\d{2})-(\d{2}))(?![\d\-/]|\.\d)")
_DATA_URI = re.compile(r"data:[\w/+.\-]+;base64,[A-Za-z0-9+/=]+")
#: Style sheets hold no client data (nbconvert's cite their authors' e-mails); their lines are kept empty.
_STYLE = re.compile(r"<style\b.*?</style>", re.DOTALL | re.IGNORECASE)
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL | re.IGNORECASE)
#: SVG tags hold geometry (path data that reads as phone numbers); text is in text nodes and comments.
_TAG = re.compile(r"<(?!!--)[^>]*>")
#: Nine digits at least, possibly separated: the only texts :func:`cjm.privacy.pii.find_phones` can match.
_PHONE_LIKE = re.compile(r"\d(?:[ \u00a0\-()+]*\d){8}")
_PATRONYMIC = re.compile(r"(?:ич|вна|чна)$")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: A value's anchor in :class:`ValueIndex` is packed as ``offset * _SPAN + length`` (in words).
_SPAN = 1 << 20


def fold(text: str) -> str:
    """``text`` casefolded with ``ё`` as ``е``, of the same length (offsets stay valid).

    >>> fold("Ёлкин ПЁТР")
    'елкин петр'
    """
    folded = text.casefold()
    if len(folded) != len(text):  # ß, İ ... grow when casefolded: keep them as they are
        folded = "".join(c if len(c.casefold()) != 1 else c.casefold() for c in text)
    return folded.replace("ё", "е")


# ----------------------------------------------------------------------------- the matcher
class ValueIndex:
    """Personal values to find in text, as runs of words.

    Each value is casefolded and split into words (``\\w+``); a text matches where
    the same words follow each other on one line, whatever the punctuation and
    spacing between them. Values are indexed by their longest word, so a text is
    scanned once, word by word, whatever the number of values.

    Parameters
    ----------
    values : iterable of str
        Raw values. Values shorter than :data:`MIN_CHARS` and numbers shorter
        than :data:`MIN_DIGITS` digits are left out.

    Examples
    --------
    >>> index = ValueIndex(["Баранов Олег Петрович", "К-000001", "480010"])
    >>> len(index), index.find("Клиент К-000001 из Барановичей: баранов  олег петрович.")
    (2, [(7, 15), (32, 54)])
    """

    def __init__(self, values: Iterable[str] = ()):
        self.values: set[str] = set()  # each value's words joined by a space
        self.anchors: dict[str, tuple[int, ...]] = {}  # longest word -> its values' offset * _SPAN + length
        for value in values:
            self.add(value)

    def __len__(self) -> int:
        return len(self.values)

    def __getstate__(self) -> dict:
        """Values and anchor words as lines of two strings (a cache of 200,000 values loads in
        a tenth of the time its sets and dict take one object at a time)."""
        single = [word for word, entries in self.anchors.items() if len(entries) == 1]
        return {"values": "\n".join(self.values), "anchors": "\n".join(single),
                "entries": array("q", (self.anchors[word][0] for word in single)),
                "shared": {word: entries for word, entries in self.anchors.items() if len(entries) > 1}}

    def __setstate__(self, state: dict) -> None:
        self.values = set(state["values"].split("\n")) if state["values"] else set()
        words = state["anchors"].split("\n") if state["anchors"] else []
        self.anchors = dict(zip(words, zip(state["entries"])))
        self.anchors.update(state["shared"])

    def add(self, value: str) -> None:
        """Add one raw value (ignored when too short to be personal)."""
        words = _WORD.findall(fold(value))
        joined, digits = " ".join(words), "".join(words)
        if len(joined) < MIN_CHARS or (digits.isdigit() and len(digits) < MIN_DIGITS) or joined in self.values:
            return
        self.values.add(joined)
        anchor = max(range(len(words)), key=lambda i: len(words[i]))
        self.anchors[words[anchor]] = self.anchors.get(words[anchor], ()) + (anchor * _SPAN + len(words),)

    def find(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of each value in ``text``, left to right, longest first where they overlap."""
        folded = fold(text)
        words = _TOKEN.findall(folded)
        hits = [i for i, w in enumerate(words) if w in self.anchors]
        if not hits:
            return []
        spans = [m.span() for m in _TOKEN.finditer(folded)]
        found = []
        for i in hits:
            for entry in self.anchors[words[i]]:
                offset, length = divmod(entry, _SPAN)
                start = i - offset
                if start >= 0 and " ".join(words[start:start + length]) in self.values:
                    found.append((spans[start][0], spans[start + length - 1][1]))
        return _disjoint(found)


def _disjoint(spans: list[tuple]) -> list[tuple]:
    """Spans sorted by start, dropping any that overlaps an earlier (or longer, same-start) one."""
    out = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not out or span[0] >= out[-1][1]:
            out.append(span)
    return out


@dataclass
class PersonalValues:
    """The raw personal values of an engagement, as they are looked for in text.

    Attributes
    ----------
    words : ValueIndex
        Identifiers, names, e-mails, documents, street addresses, phones as digits.
    phones : set of str
        Phones in E.164: a phone found in a text that is one of them is a raw value.
    birth_dates : set of str
        Birth dates as ``yyyy-mm-dd``, found only where a text has a date (``23.12.1985``,
        ``1985-12-23``), not in any three numbers in a row.
    """

    words: ValueIndex = field(default_factory=ValueIndex)
    phones: set[str] = field(default_factory=set)
    birth_dates: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.words) + len(self.birth_dates)


def _iso(date: re.Match) -> str:
    day, _, month, year, y, m, d = date.groups()
    return f"{y}-{m}-{d}" if y else f"{year}-{int(month):02d}-{int(day):02d}"


def find_personal(text: str, values: PersonalValues | None = None) -> list[tuple[int, int, str]]:
    """Raw personal values and personal-data patterns in one text.

    Parameters
    ----------
    text : str
        Any text; pseudonyms and scrub placeholders in it are not finds (nor do
        values match across them).
    values : PersonalValues, optional
        The raw values to look for; without them, patterns only.

    Returns
    -------
    list of tuple
        ``(start, end, kind)`` left to right, kind ``raw_value`` or one of
        :data:`PATTERN_KINDS`; a raw value found as a pattern too is reported once, as raw.

    Examples
    --------
    >>> find_personal("C-0123456789abcdef [телефон] mail: a.b@mail.ru")
    [(35, 46, 'email')]
    """
    values = PersonalValues() if values is None else values
    text = _NOT_LEAKS.sub(lambda m: "\n".ljust(len(m.group())), text)
    found = [(s, e, "raw_value") for s, e in values.words.find(text)]
    if values.birth_dates:
        found += [(*m.span(), "raw_value") for m in _DATE.finditer(text) if _iso(m) in values.birth_dates]
    if _PHONE_LIKE.search(text):
        found += [(s, e, "raw_value" if e164 in values.phones else "phone") for s, e, e164 in find_phones(text)]
    digits = any(c.isdigit() for c in text)
    for kind, (find, needs_digit) in FINDERS.items():
        if kind != "phone" and (digits or not needs_digit):
            found += [(s, e, kind) for s, e in find(text)]
    return _disjoint(found)  # raw values come first at a start, so they win over patterns


# ----------------------------------------------------------------------------- raw values
def _name_forms(names: Iterable[str]) -> list[str]:
    """Full names as written, plus ``Имя Фамилия`` and ``Фамилия Имя`` of ``Фамилия Имя Отчество``."""
    out = []
    for name in names:
        out.append(name)
        words = name.split()
        if len(words) == 3 and _PATRONYMIC.search(words[2].lower()):
            out += [f"{words[1]} {words[0]}", f"{words[0]} {words[1]}"]
    return out


def _phone_forms(phones: Iterable[str]) -> list[str]:
    """Digit-only forms of E.164 phones: international, national, with the trunk prefix."""
    forms = []
    for phone in phones:
        digits = phone[1:]
        national = digits[3:] if phone.startswith("+375") else digits[1:]
        trunk = ["80" + national, "0" + national] if phone.startswith("+375") else ["8" + national]
        forms += [digits, national, *trunk]
    return forms


def _document_forms(values: pd.Series) -> list[str]:
    """Passports and personal numbers as written and normalized (``MP1234567``, ``MP 1234567``)."""
    out = list(values)
    for value in values:
        norm = normalize_passport(value) or normalize_personal_number(value)
        if norm:
            out.append(norm)
            if normalize_passport(value):
                out.append(f"{norm[:2]} {norm[2:]}")
    return out


def _birth_dates(values: pd.Series) -> set[str]:
    """Birth dates as ``yyyy-mm-dd``, read in the formats 01_anonymize reads."""
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in BIRTH_DATE_FORMATS:
        dates = dates.fillna(pd.to_datetime(values, format=fmt, errors="coerce"))
    return set(dates.dropna().dt.strftime("%Y-%m-%d"))


def _texts(frame: pd.DataFrame, column: str) -> pd.Series:
    """Distinct non-blank values of a raw column, inner spaces collapsed."""
    values = pd.Series(frame[column].dropna().astype("str").unique(), dtype="str").str.split().str.join(" ")
    return pd.Series(values[values != ""].unique(), dtype="str")


def _add_source(found: PersonalValues, frame: pd.DataFrame, source: dict, detect_sample: int,
                mapped=()) -> None:
    """Add the raw personal values of one source to ``found``."""
    words = []
    for column, kind in source.get("identifiers", {}).items():
        if kind not in IMPERSONAL_KINDS:
            words += list(_texts(frame, column))
    names = list(source.get("name_columns", []))
    split = [c for c in names if _texts(frame, c).str.contains(" ").mean() < 0.5]  # Фамилия, Имя, Отчество
    if len(split) > 1:
        parts = frame[split].fillna("").astype("str")
        full = parts.iloc[:, 0].str.cat([parts[c] for c in split[1:]], sep=" ").str.split().str.join(" ")
        words += _name_forms(full[full.str.contains(" ")].unique())
    for column in [c for c in names if c not in split]:  # a single word alone is no name
        words += _name_forms(_texts(frame, column))
    by_kind = {**source.get("link_person", {}), **dict.fromkeys(source.get("drop", []), "document"),
               **dict.fromkeys(source.get("birth_date", {}), "birth_date"),
               **dict.fromkeys(source.get("address", []), "address"),
               **personal_by_content(frame, source, mapped, detect_sample)}  # what 01 drops by content
    for column, kind in by_kind.items():
        texts = _texts(frame, column)
        if kind == "phone":
            phones = {p for p in texts.map(normalize_phone) if p}
            found.phones |= phones
            words += [*texts, *_phone_forms(phones)]
        elif kind == "email":
            words += [e for e in texts.map(normalize_email) if e]
        elif kind == "birth_date":
            found.birth_dates |= _birth_dates(texts)
        elif kind == "address":
            words += list(texts[texts.str.contains(r"\d")])  # a town alone is not personal
        elif kind == "full_name":
            words += _name_forms(texts)
        else:  # declared personal, passports, personal numbers
            words += _document_forms(texts)
    for word in set(words):
        found.words.add(word)


def raw_personal_values(params: dict, frames: dict[str, pd.DataFrame]) -> PersonalValues:
    """Every raw personal value of an engagement's exports.

    Parameters
    ----------
    params : dict
        Validated engagement parameters (:func:`cjm.core.params.load_params`).
    frames : dict of DataFrame or of iterables of DataFrame
        The raw exports (:func:`cjm.privacy.anonymize.read_sources`); an export out of core as its
        blocks of rows (:func:`raw_exports`), each read in turn.

    Returns
    -------
    PersonalValues
        Values of identifiers (but activity numbers), name columns (full names
        only: ``Фамилия``, ``Имя``, ``Отчество`` columns are joined), ``link_person``,
        ``drop``, ``birth_date`` and ``address`` columns (street addresses only), and of
        the columns 01_anonymize drops as personal by content.
    """
    found = PersonalValues()
    detect_sample = params.get("anonymize", {}).get("detect_sample", 2000)
    mapped = clean_columns(params)
    for name, source in params["sources"].items():
        frame = frames[name]
        for block in [frame] if isinstance(frame, pd.DataFrame) else frame:
            _add_source(found, block, source, detect_sample, mapped.get(name, []))
    return found


def raw_exports(params: dict, paths: EngagementPaths) -> dict:
    """Every raw export of an engagement as :func:`raw_personal_values` takes them: read whole, or
    for an export out of core (:func:`cjm.core.io.out_of_core`) its blocks of :data:`BATCH_ROWS` rows."""
    return {name: read_source_blocks(params, paths, name, BATCH_ROWS) if out_of_core(paths.raw / source["file"])
            else read_source(params, paths, name) for name, source in params["sources"].items()}


def _exports_digest(params: dict, paths: EngagementPaths) -> str:
    """A hash of the raw exports' bytes and of the params that say what in them is personal."""
    digest = hashlib.sha256(json.dumps([params["sources"], clean_columns(params),
                                        params.get("anonymize", {}).get("detect_sample")],
                                       sort_keys=True, ensure_ascii=False).encode())
    for name, source in sorted(params["sources"].items()):
        files = [paths.raw / source["file"]]
        if files[0].is_dir():  # a folder of parquet files
            files = sorted(files[0].glob("*.parquet"))
        if "transcripts" in source:
            files += sorted((paths.raw / source["transcripts"]["folder"]).rglob("*"))
        for file in (f for f in files if f.is_file()):
            digest.update(file.name.encode())
            _hash_bytes(digest, file)
    return digest.hexdigest()[:16]


def _hash_bytes(digest, path: Path) -> None:
    """Feed a file's bytes to a hashlib ``digest``, a block at a time."""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)


#: The code that says what is personal and how it is found: its change makes a new check key.
CHECK_CODE = ("leaks.py", "pii.py", "scrub.py", "anonymize.py")


def check_key(params: dict, paths: EngagementPaths) -> str:
    """A hash of all a check depends on but the scanned files: the raw exports and the params
    that say what in them is personal (:func:`_exports_digest`), the secret key, the
    re-identification table and the check's code (:data:`CHECK_CODE`)."""
    digest = hashlib.sha256(_exports_digest(params, paths).encode())
    for file in (paths.secret_key, paths.reidentification, *(Path(__file__).with_name(n) for n in CHECK_CODE)):
        if file.exists():
            _hash_bytes(digest, file)
        else:
            digest.update(b"-")
    return digest.hexdigest()[:16]


def cached_personal_values(params: dict, paths: EngagementPaths, key: str | None = None) -> PersonalValues:
    """Every personal value a check looks for: :func:`raw_personal_values` of the engagement's
    exports, the secret key and every original identifier of the re-identification table (but
    row numbers), none of which may be shared. Read once: kept in ``private/`` under the
    :func:`check_key` (``key``, computed when not given), so a rerun reads one file, not the
    exports."""
    cache = paths.private / f".leak-values-{key or check_key(params, paths)}.pickle"
    values = None
    if cache.exists():
        try:
            values = pickle.loads(cache.read_bytes())
        except (pickle.UnpicklingError, AttributeError, EOFError, ImportError):
            values = None  # unreadable: read the exports again
    if isinstance(values, PersonalValues):
        return values
    values = raw_personal_values(params, raw_exports(params, paths))
    if paths.secret_key.exists():
        values.words.add(paths.secret_key.read_text(encoding="ascii").strip())
    if paths.reidentification.exists():
        table = pd.read_csv(paths.reidentification, dtype=str, keep_default_na=False)
        for original in table.loc[~table["kind"].isin([*IMPERSONAL_KINDS, "row"]), "original"].unique():
            values.words.add(original)
    paths.private.mkdir(parents=True, exist_ok=True)
    for old in paths.private.glob(".leak-values-*.pickle"):
        old.unlink()
    write_atomic(pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL), cache, private=True)  # raw personal values
    return values


# ----------------------------------------------------------------------------- files as texts
Document = tuple[str, Callable[[int], str]]  # text, line number -> column_or_line


def _binary(path: Path) -> bool:
    """Whether a file is not read: an image, or of an unknown type and not UTF-8 text."""
    suffix = path.suffix.lower()
    if suffix in BINARY_SUFFIXES or suffix in KNOWN_SUFFIXES:
        return suffix in BINARY_SUFFIXES
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _lines(values: Iterable) -> str:
    return "\n".join(" ".join(str(v).splitlines()) for v in values)


def _parquet_documents(path: Path) -> Iterator[Document]:
    """A parquet file's column names, then each column's values, :data:`BATCH_ROWS` rows at a time."""
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    yield _lines(handle.schema_arrow.names), lambda n: "column names"
    for batch in handle.iter_batches(batch_size=BATCH_ROWS):
        frame = batch.to_pandas()
        for column in frame.columns:
            yield _lines(_column_values(frame[column])), lambda n, c=column: c


def _table_documents(path: Path) -> Iterator[Document]:
    if path.suffix.lower() == ".parquet":
        yield from _parquet_documents(path)
        return
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, header=None, engine="calamine")
    for sheet, frame in sheets.items():
        prefix = f"{sheet}: "
        for k in range(frame.shape[1]):
            values = _column_values(frame.iloc[:, k])
            yield _lines(values), lambda n, c=f"{prefix}column {k + 1}": c


def _column_values(column: pd.Series) -> list[str]:
    """A table column's distinct values as text; of a numeric column only the whole numbers of
    7 digits or more (a phone, a card or a document number written as a number), as integers;
    times as ISO 8601 with a ``T`` (a date stays a date, never the digits of a phone)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return list(pd.Series(column.dropna().unique()).dt.strftime("%Y-%m-%dT%H:%M:%S"))
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = pd.Series(column.dropna().unique(), dtype="float64")
        return [str(int(v)) for v in values[(values.abs() >= 1e6) & (values == values.round())]]
    return list(column.dropna().astype("str").unique())


def _keep_lines(match: re.Match) -> str:
    return "\n" * match.group().count("\n")


def _svg_text(svg: str) -> str:
    return _TAG.sub(_keep_lines, svg)


def _cell_text(cell: dict) -> str:
    parts = [cell.get("source", "")]
    for output in cell.get("outputs", []):
        parts += [output.get("text", ""), "\n".join(output.get("traceback", []))]
        for mime, content in output.get("data", {}).items():
            text = "".join(content) if isinstance(content, list) else content
            if mime == "image/svg+xml":
                parts.append(_svg_text(text))
            elif mime not in BINARY_MIMES:
                parts.append(text if isinstance(text, str) else json.dumps(text, ensure_ascii=False))
    return "\n".join(t for t in ("".join(p) if isinstance(p, list) else p for p in parts) if t)


def _json_strings(node, where: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{where}.{key}", str(key)
            yield from _json_strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _json_strings(value, f"{where}[{i}]")
    elif node is not None:
        yield where, str(node)


def _pdf_documents(path: Path) -> Iterator[Document]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    yield _lines(str(v) for v in (reader.metadata or {}).values()), lambda n: "metadata"
    for number, page in enumerate(reader.pages, 1):
        yield page.extract_text() or "", lambda n, p=number: f"page {p}, line {n}"


def _png_text(path: Path) -> str:
    """The text chunks of a PNG (``tEXt``, ``zTXt``, ``iTXt``: title, author, software ...), before
    and after the image data, which is not decoded."""
    data = path.read_bytes()
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    texts, pos = [], len(_PNG_SIGNATURE)
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError("truncated PNG chunk")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body, pos = data[pos + 8:pos + 8 + length], pos + 12 + length
        if len(body) != length:
            raise ValueError("truncated PNG chunk")
        if kind == b"IEND":
            break
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            key, _, rest = body.partition(b"\0")
            try:
                if kind == b"tEXt":
                    value = rest.decode("latin-1")
                elif kind == b"zTXt":
                    value = zlib.decompress(rest[1:]).decode("latin-1")
                else:  # compressed flag, method, language and translated keyword, then UTF-8 text
                    compressed, rest = rest[:1] == b"\1", rest[2:]
                    text = rest.split(b"\0", 2)[-1]
                    value = (zlib.decompress(text) if compressed else text).decode("utf-8", "replace")
            except zlib.error as err:
                raise ValueError(f"corrupt {kind.decode()} chunk: {err}") from err
            texts.append(f"{key.decode('latin-1')}: {value}")
    return _lines(texts)


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return _lines([p.text for p in document.paragraphs] + cells)


def _pptx_text(path: Path) -> str:
    """A deck's words: every slide's text frames (in groups too), table cells and notes, and
    the document properties."""
    from pptx import Presentation

    deck = Presentation(str(path))

    def shape_texts(shapes):
        for shape in shapes:
            if hasattr(shape, "shapes"):  # a group
                yield from shape_texts(shape.shapes)
            if getattr(shape, "has_text_frame", False):
                yield shape.text_frame.text
            if getattr(shape, "has_table", False):
                yield from (cell.text for row in shape.table.rows for cell in row.cells)

    texts = [value for name in ("title", "subject", "author", "last_modified_by", "keywords", "comments",
                                "category", "content_status", "identifier", "version")
             if (value := getattr(deck.core_properties, name))]
    for slide in deck.slides:
        texts += shape_texts(slide.shapes)
        if slide.has_notes_slide:
            texts += shape_texts(slide.notes_slide.shapes)
    return _lines(texts)


def _pickle_strings(path: Path) -> str:
    """The strings a pickle holds (read without loading it: nothing in it runs)."""
    import pickletools

    return _lines(arg for _, arg, _ in pickletools.genops(path.read_bytes()) if isinstance(arg, str))


def documents(path: Path) -> Iterator[Document]:
    """The texts of one file to scan, each with how to name a line of it.

    Tables (parquet, xlsx): one text per column (its distinct values, one a line)
    named by the column, and the column names. Notebooks: one text per cell
    (source and outputs but binary images). JSON: its keys and values, named by
    their path. HTML, SVG: the text without embedded base64 images, style sheets
    and SVG tags (path data; SVG text is in text nodes and comments). PDF: its
    metadata and each page's text. PNG: its text chunks. Word documents: paragraphs
    and table cells. PowerPoint decks: the slides' and notes' text boxes and table cells,
    and the document properties. Pickles: their strings. Any other file: its text, by line number.
    """
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        yield from _table_documents(path)
        return
    if suffix == ".pdf":
        yield from _pdf_documents(path)
        return
    readers = {".png": _png_text, ".docx": _docx_text, ".pptx": _pptx_text, ".pickle": _pickle_strings,
               ".pkl": _pickle_strings}
    if suffix in readers:
        yield readers[suffix](path), lambda n: f"line {n}"
        return
    text = _read_text(path)
    if suffix == ".ipynb":
        for i, cell in enumerate(json.loads(text).get("cells", []), 1):
            yield _cell_text(cell), lambda n, i=i: f"cell {i}, line {n}"
    elif suffix == ".json":
        items = list(_json_strings(json.loads(text)))
        yield _lines(s for _, s in items), lambda n: items[n - 1][0]
    else:
        if suffix == ".svg":
            text = _svg_text(text)
        elif suffix in (".html", ".htm"):
            text = _SVG.sub(lambda m: _svg_text(m.group()), _STYLE.sub(_keep_lines, text))
        if suffix in (".html", ".htm", ".svg"):
            text = html.unescape(_DATA_URI.sub("data:", text))
        yield text, lambda n: f"line {n}"


# ----------------------------------------------------------------------------- the check
def _mask(value: str) -> str:
    return value[:2] + "***"


def _excerpt(text: str, finds: list[tuple[int, int, str]], k: int) -> str:
    """The line around find ``k`` (at most :data:`CONTEXT` characters each side), every find masked."""
    start, end, _ = finds[k]
    lo = max(text.rfind("\n", 0, start) + 1, start - CONTEXT)
    hi = text.find("\n", end)
    hi = min(len(text) if hi < 0 else hi, end + CONTEXT)
    near = [(s, e) for s, e, _ in finds if s < hi and e > lo]
    lo, hi = min(lo, near[0][0]), max(hi, near[-1][1])  # never cut a find in two
    out, pos = [], lo
    for s, e in near:
        out += [text[pos:s], _mask(text[s:e])]
        pos = e
    out.append(text[pos:hi])
    return "".join(out).strip()


def scanned_files(paths: EngagementPaths) -> list[Path]:
    """Every file under ``outputs/<e>/`` (but the stamp) and ``data/<e>/interim/``, sorted.

    ``data/<e>/raw/`` and ``data/<e>/private/`` are never scanned: they are not shared.
    """
    return [p for folder in (paths.outputs, paths.interim) if folder.is_dir()
            for p in sorted(folder.rglob("*")) if p.is_file() and p != paths.outputs / STAMP]


def find_leaks(engagement: str, root: Path | None = None, n_jobs: int = 1) -> pd.DataFrame:
    """Personal data in what an engagement may share.

    Parameters
    ----------
    engagement : str
        Engagement name (``params/<engagement>.yaml``).
    root : Path, optional
        Project root (default: this project).
    n_jobs : int
        Forked processes that read and match the files, when there are at least
        :data:`PARALLEL_FILES` to read (the finds are the same, in the same order).

    Returns
    -------
    DataFrame
        One row per find: ``file`` (relative to the root), ``kind`` (``raw_value``,
        ``phone``, ``email``, ``passport``, ``personal_number``), ``column_or_line``
        (the table column, ``line N``, ``cell N, line M`` or the JSON path) and
        ``excerpt`` (the context with every found value masked: its first two
        characters and ``***``). ``attrs`` holds ``files`` (files scanned),
        ``values`` (raw personal values looked for), ``texts`` (texts scanned),
        ``skipped`` (files not read: images, and binary files of unknown types) and
        ``unchanged`` (files not read again: the same bytes as at a check that found them
        clean, with the same personal values and the same code of the check).

    Raises
    ------
    CjmError
        Bad params, a missing raw export, nothing to scan, or a file that cannot be read.
    """
    root = Path(root) if root else WORKSPACE
    paths = EngagementPaths(engagement, root)
    params = load_params(engagement, root)
    files = scanned_files(paths)
    if not files:
        raise CjmError(f"nothing to scan: {paths.outputs} and {paths.interim} hold no files",
                       "run the pipeline first (make all)")
    key = check_key(params, paths)
    checked = _CleanFiles(paths, key)
    values = None  # read when a file is to be read: not at a rerun where nothing changed
    rows, skipped, texts, unchanged, todo = [], [], 0, 0, []
    for path in files:
        name = path.relative_to(root).as_posix()
        if _binary(path):
            skipped.append(name)
            continue
        digest = checked.digest(path)
        if checked.unchanged(digest):
            unchanged += 1
        else:
            todo.append((path, name, digest))
    if todo:
        values = cached_personal_values(params, paths, key)
    for (*_, digest), (found, read, clean) in zip(todo, tqdm(
            _scan_all([job[:2] for job in todo], values, checked.texts, n_jobs), total=len(todo),
            desc="leak check", leave=False)):
        rows += found
        texts += read
        if clean is not None:
            checked.add(digest, clean)
    checked.save(len(values) if values is not None else checked.values)
    leaks = pd.DataFrame(rows, columns=COLUMNS)
    leaks.attrs = {"files": len(files) - len(skipped), "values": checked.values, "texts": texts, "skipped": skipped,
                   "unchanged": unchanged}
    return leaks


def _scan(path: Path, name: str, values: PersonalValues, known: set[str]) -> tuple[list[tuple], int, list[str] | None]:
    """The finds in one file (rows of :data:`COLUMNS`), the number of its texts, and the hashes of
    its texts when it has no finds (None when it has). Texts whose hash is ``known`` are clean; the
    hashes of texts found clean are added to ``known``."""
    rows, clean, texts = [], [], 0
    try:
        for text, locate in documents(path):
            texts += 1
            text_digest = _text_digest(text)
            if text_digest in known:  # the same text in another file, or before it changed
                clean.append(text_digest)
                continue
            finds = find_personal(text, values)
            if not finds:
                known.add(text_digest)
                clean.append(text_digest)
            newlines = [m.start() for m in re.finditer("\n", text)] if finds else []
            rows += [(name, kind, locate(bisect.bisect(newlines, s) + 1), _excerpt(text, finds, k))
                     for k, (s, _, kind) in enumerate(finds)]
    except (OSError, ValueError, zipfile.BadZipFile, PyPdfError, CalamineError) as err:  # unreadable, corrupt or mislabelled
        raise CjmError(f"{path}: cannot be read for the leak check ({type(err).__name__}: {err})",
                       "rerun the step that wrote it, or remove the file") from err
    return rows, texts, None if rows else clean


#: Files to read from which a check is shared out to forked processes.
PARALLEL_FILES = 8
#: The personal values and known clean texts of :func:`_scan_all`, inherited by the forked workers.
_SCANNING: tuple | None = None


def _scan_all(files: list[tuple[Path, str]], values, known: set[str], n_jobs: int) -> Iterator[tuple]:
    """:func:`_scan` of each ``(path, name)``, in order, shared out to ``n_jobs`` forked processes
    when there are :data:`PARALLEL_FILES` files at least."""
    global _SCANNING
    if n_jobs <= 1 or len(files) < PARALLEL_FILES:
        yield from (_scan(path, name, values, known) for path, name in files)
        return
    _SCANNING = values, known
    try:
        with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
            yield from pool.imap(_scan_forked, files, chunksize=1)
    finally:
        _SCANNING = None


def _scan_forked(file: tuple[Path, str]) -> tuple:
    return _scan(*file, *_SCANNING)


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class _CleanFiles:
    """Hashes of the files a check found clean, each with the hashes of its texts, kept in
    ``private/``: a rerun reads again only the files that changed, and looks for personal
    data only in their texts that no clean file held (a page that changed in one table is
    matched in that table). They hold while the :func:`check_key` is the same.

    Attributes
    ----------
    texts : set of str
        Hashes of the texts found clean (in this check, and in the files of the last one).
    """

    def __init__(self, paths: EngagementPaths, key: str):
        self.key, self.file = key, paths.private / ".leak-clean.json"
        try:
            stored = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        same = stored.get("key") == self.key and isinstance(stored.get("files"), dict)
        self.before: dict[str, list[str]] = stored["files"] if same else {}
        self.values = stored.get("values", 0) if same else 0  # personal values looked for
        self.texts = {text for texts in self.before.values() for text in texts}
        self.now: dict[str, list[str]] = {}

    @staticmethod
    def digest(path: Path) -> str:
        """A hash of the file's place and bytes."""
        digest = hashlib.sha256(path.as_posix().encode())
        _hash_bytes(digest, path)
        return digest.hexdigest()

    def unchanged(self, digest: str) -> bool:
        """Whether a file was found clean by the last check (then it is recorded clean in this one)."""
        if digest not in self.before:
            return False
        self.now[digest] = self.before[digest]
        return True

    def add(self, digest: str, texts: list[str]) -> None:
        """Record a file found clean in this check, with the hashes of its texts."""
        self.now[digest] = texts

    def save(self, values: int) -> None:
        """Keep the hashes of the files found clean, and the number of personal values looked for."""
        self.values = values
        if self.file.parent.is_dir():
            write_atomic(json.dumps({"key": self.key, "values": values, "files": dict(sorted(self.now.items()))}),
                         self.file, private=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m cjm.privacy.leaks ENGAGEMENT``: 0 and a stamp when clean, 1 on finds, 2 on an error."""
    ap = argparse.ArgumentParser(prog="python -m cjm.privacy.leaks", description=__doc__.splitlines()[0])
    ap.add_argument("engagement")
    ap.add_argument("--root", type=Path, default=WORKSPACE)
    args = ap.parse_args(argv)
    stamp = EngagementPaths(args.engagement, args.root).outputs / STAMP
    t0 = time.perf_counter()
    try:
        leaks = find_leaks(args.engagement, args.root, n_jobs=min(os.cpu_count() or 1, 2))
    except CjmError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    info = leaks.attrs
    unchanged = f", {info['unchanged']} of them unchanged since a clean check" if info["unchanged"] else ""
    summary = (f"{info['files']} files ({info['texts']:,} texts read{unchanged}) scanned for {info['values']:,} "
               f"personal values and PII patterns in {time.perf_counter() - t0:.1f} s")
    if info["skipped"]:
        names = [n for n in info["skipped"] if Path(n).suffix.lower() not in BINARY_SUFFIXES]
        summary += f"; not read (images, binary files): {len(info['skipped'])}" + (
            f" ({', '.join(names[:5])}{' …' * (len(names) > 5)})" if names else "")
    if len(leaks):
        stamp.unlink(missing_ok=True)
        print(leaks.head(20).to_string(index=False))
        counts = ", ".join(f"{k} {n}" for k, n in leaks["kind"].value_counts().items())
        n_files = leaks["file"].nunique()
        print(f"leak check failed: {len(leaks)} finds in {n_files} file{'s' * (n_files != 1)} ({counts}); "
              f"{summary}", file=sys.stderr)
        return 1
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(f"files: {info['files']}\nvalues: {info['values']}\n", encoding="utf-8")  # no run's counts
    print(f"leak check passed: {summary}")
    return 0


if __name__ == "__main__":  # run as cjm.privacy.leaks, so that the cache pickles cjm.privacy.leaks.PersonalValues
    from cjm.privacy.leaks import main as _main

    gc.freeze()  # the imports' objects live to the end: the collector need not walk them again, nor at the exit
    sys.exit(_main())
