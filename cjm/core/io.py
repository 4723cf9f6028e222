"""Reading raw exports and writing tables, with clear errors and atomic writes.

Raw exports are read as text (every cell a string, blanks as missing) so that nothing
is lost before 02_clean parses types. Problems a consultant meets (missing or empty
file, wrong encoding, wrong delimiter) raise :class:`~cjm.core.errors.CjmError` naming
the file and the parameter to set.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import re
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from cjm.core.errors import CjmError
from cjm.core.files import write_atomic
from cjm.core.publication import current, remove
from cjm.core.xes import is_xes, peek_xes, read_xes_chunks

_DELIMITERS = (";", ",", "\t", "|")
#: ``sep`` of a file whose columns are separated by runs of spaces or tabs.
WHITESPACE = r"\s+"
#: Delimiters as messages name them.
SEP_NAMES = {";": "';' (semicolon)", ",": "',' (comma)", "\t": "'\\t' (tab)", "|": "'|' (bar)",
             WHITESPACE: "'\\s+' (spaces)"}
#: Delimiters as written in a params file (a tab needs double quotes, a backslash single ones).
SEP_YAML = {";": '";"', ",": '","', "\t": '"\\t"', "|": '"|"', WHITESPACE: "'\\s+'"}
_SAMPLE_BYTES = 1 << 16
_SAMPLE_ROWS = 50
#: Rows :func:`peek_export` reads below the header.
PEEK_ROWS = 20
#: A raw export of more bytes than this, like any folder of parquet files, goes through 01 and 02
#: out of core: streamed by record batches, never whole in memory (:func:`out_of_core`).
OUT_OF_CORE_BYTES = 2 << 30
_FIXED_TIME = datetime(2025, 10, 1)


def _guess_encoding(sample: bytes) -> str | None:
    """utf-16 (by its BOM), utf-8-sig, utf-8 or cp1251: the first that decodes ``sample``."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1251"):
        try:
            # incremental: a multibyte character cut at the end of the sample is not an error
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return "utf-8-sig" if encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8) else encoding
    return None


def _not_found(path: Path, param: str) -> CjmError:
    """The error of an export that is not there: the key naming its file (``sources.<name>.file``
    for ``param`` ``sources.<name>.format``) and a file of a close name beside it, if any."""
    import difflib

    key = param[: -len("format")] + "file" if param.endswith("format") else "file"
    names = sorted(p.name for p in path.parent.iterdir() if p.is_file()) if path.parent.is_dir() else []
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    hint = f"'{close[0]}' is there (renamed?): " if close else ""
    return CjmError(f"file not found: {path}", f"{hint}put the export there or correct '{key}' in the params")


def read_export(path: Path, fmt: dict | None = None, param: str = "format",
                columns: list[str] | None = None) -> pd.DataFrame:
    """Read one raw export (CSV or xlsx) as text.

    See :func:`read_export_chunks` to read a big CSV a block of rows at a time.

    Parameters
    ----------
    path : Path
        The file, ``.csv``/``.txt``/``.tsv``, ``.xlsx``, an event log ``.xes``/``.xes.gz``
        (:mod:`cjm.core.xes`: one row per event, trace attributes as ``case:<key>``), or a
        ``.parquet`` file or a folder of them (:func:`parquet_files`; cells written as text).
    fmt : dict, optional
        ``encoding`` and ``sep`` of a CSV (each guessed from the file's first 64 KiB when
        not given: utf-16 by its BOM, else utf-8 if it decodes, else cp1251; the one of
        ``; , tab |`` that splits every sampled row into the header's number of columns),
        ``sheet`` of an xlsx (default the first), ``skip_rows`` (lines above the header).
    param : str
        The parameter key the format comes from, named in error messages.
    columns : list of str, optional
        Read only these columns (header names as stripped); a big export read for a
        few columns costs less memory.

    Returns
    -------
    DataFrame
        All columns of dtype ``str``, blank cells as missing (any other text, such as
        ``NA``, stays text), column names stripped.

    Raises
    ------
    CjmError
        The file is missing, empty, of an unsupported type, in another encoding, split by
        another delimiter, or lacks the sheet; the message names the file and the key to set.
    """
    return next(read_export_chunks(path, fmt, param, columns))


def read_export_chunks(path: Path, fmt: dict | None = None, param: str = "format",
                       columns: list[str] | None = None, rows: int | None = None):
    """:func:`read_export`, a block of at most ``rows`` rows at a time (CSV, XES and parquet,
    whose files come by record batches; an xlsx, or ``rows=None``, comes in one block). Errors further into the file are raised
    when their block is read, as the same :class:`CjmError`.

    Yields
    ------
    DataFrame
        Consecutive blocks of the export, with the columns of the first.
    """
    fmt = fmt or {}
    path = _export_file(path, param)
    usecols = None if columns is None else (lambda name, wanted=frozenset(columns): (
        str(name).lstrip("\ufeff").strip() in wanted))
    kind = _export_kind(path)
    if kind == "xlsx":
        blocks = iter([_read_xlsx(path, fmt, param, usecols)])
    elif kind == "csv":
        blocks = _read_csv(path, fmt, param, usecols, rows)
    elif kind == "parquet":
        blocks = parquet_batches(parquet_files(path, param), columns, rows)
    else:
        blocks = read_xes_chunks(path, rows, columns)
    yield from _named_blocks(path, blocks)


def peek_export(path: Path, fmt: dict | None = None, param: str = "format", rows: int = PEEK_ROWS) -> pd.DataFrame:
    """The header and first rows of a raw export, read only from the start of the file.

    Every check of :func:`read_export` that the start of a file can fail is made: missing,
    empty (0 bytes), of an unsupported type, not in the encoding or not split by the
    delimiter of ``fmt`` (judged on the first 64 KiB, as :func:`read_export` judges them),
    a corrupt xlsx or one without the sheet, an XES log that does not parse, a header
    without rows. A big export costs no more than a small one.

    Parameters
    ----------
    path : Path
        The file, as :func:`read_export` takes it.
    fmt : dict, optional
        ``encoding``, ``sep``, ``sheet``, ``skip_rows``, as :func:`read_export` takes them.
    param : str
        The parameter key the format comes from, named in error messages.
    rows : int
        The most rows read below the header.

    Returns
    -------
    DataFrame
        At least one row. Columns as :func:`read_export` names them, except that an XES
        log has only the attributes of its first ``rows`` events (:func:`cjm.core.xes.xes_columns`
        lists all). Cells as text (an xlsx's as read_excel reads them, written as text).

    Raises
    ------
    CjmError
        As :func:`read_export`, naming the file and the key to set.
    """
    fmt = fmt or {}
    path = _export_file(path, param)
    kind = _export_kind(path)
    if kind == "xlsx":
        blocks = iter([_peek_xlsx(path, fmt, param, rows)])
    elif kind == "csv":
        blocks = _read_csv(path, fmt, param, None, rows)
    elif kind == "parquet":
        blocks = iter([_peek_parquet(parquet_files(path, param), rows)])
    else:
        blocks = iter([peek_xes(path, rows)])
    return next(_named_blocks(path, blocks))


def _export_file(path: Path, param: str) -> Path:
    """``path`` as a Path, or a CjmError when it is missing or empty."""
    path = Path(path)
    if not path.exists():
        raise _not_found(path, param)
    if path.is_file() and path.stat().st_size == 0:
        raise CjmError(f"{path} is empty (0 bytes)", "ask the client for the export again")
    return path


def _export_kind(path: Path) -> str:
    """``xlsx``, ``csv`` (also ``.txt``, ``.tsv``), ``xes`` (also ``.xes.gz``) or ``parquet`` (also
    a folder), by the file's name."""
    if path.is_dir() or path.suffix.lower() == ".parquet":
        return "parquet"
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return "csv"
    if is_xes(path):
        return "xes"
    raise CjmError(f"{path}: unsupported file type '{path.suffix}'",
                   "export it as .csv, .xlsx, .parquet (a folder of them for a big table) or, for an event "
                   "log, .xes")


def out_of_core(path: Path) -> bool:
    """Whether a raw export goes through 01 and 02 out of core: a folder (of parquet files), or a
    file of more than :data:`OUT_OF_CORE_BYTES`."""
    path = Path(path)
    return path.is_dir() or (path.is_file() and path.stat().st_size > OUT_OF_CORE_BYTES)


def parquet_files(path: Path, param: str = "file") -> list[Path]:
    """The parquet files of an export: ``path`` itself, or every ``*.parquet`` of the folder
    ``path`` in file-name order, all of one schema (read from their footers only).

    Raises
    ------
    CjmError
        A folder without parquet files, a file that is not parquet, or a file whose columns
        or types differ from the first file's, naming it.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    if not files:
        raise CjmError(f"{path} holds no .parquet file",
                       f"put the table's parquet files there or correct '{param[:-len('format')]}file' "
                       "in the params" if param.endswith("format") else "put the table's parquet files there")
    first = None
    for file in files:
        try:
            schema = pq.read_schema(file)
        except Exception as err:  # pyarrow's errors of a file that is not parquet
            raise CjmError(f"{file}: cannot be read as parquet ({type(err).__name__}: {err})",
                           "export it again as parquet") from err
        if first is None:
            first = schema
        elif not schema.remove_metadata().equals(first.remove_metadata()):
            raise CjmError(f"{file}: its columns differ from those of {files[0].name} ({_schema_text(schema)} "
                           f"against {_schema_text(first)})",
                           "export every file of the table with the same columns and types, or move it out of "
                           "the folder")
    return files


def _schema_text(schema) -> str:
    return ", ".join(f"{field.name} {field.type}" for field in schema)


def parquet_rows(files: list[Path]) -> int:
    """Rows of parquet ``files``, from their footers."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(file).metadata.num_rows for file in files)


def parquet_batches(files: list[Path], columns: list[str] | None = None, rows: int | None = None):
    """The rows of parquet ``files`` in order as text, a block of at most ``rows`` rows at a
    time (all in one block when None), as :func:`read_export` gives them.

    Yields
    ------
    DataFrame
        Every cell as text (numbers and times as Arrow writes them, e.g.
        ``2012-01-01 10:00:00.000000+0100``), blank text as missing.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = pq.read_schema(files[0]).names
    columns = None if columns is None else [c for c in names if c.strip() in set(columns)]
    if rows is None:
        yield _text_frame(pa.concat_tables([pq.read_table(f, columns=columns) for f in files]))
        return
    for file in files:  # a file at a time, a batch at a time: nothing read ahead, memory that of a block
        for batch in pq.ParquetFile(file).iter_batches(batch_size=rows, columns=columns):
            if batch.num_rows:
                yield _text_frame(batch)


def _peek_parquet(files: list[Path], rows: int) -> pd.DataFrame:
    """The first ``rows`` rows of parquet ``files`` as text, read from the first file that has rows
    (by its footer); no rows at all when none has."""
    import pyarrow.parquet as pq

    for file in files:
        handle = pq.ParquetFile(file)
        if handle.metadata.num_rows:
            return _text_frame(next(handle.iter_batches(batch_size=rows)))
    return pd.DataFrame(columns=pq.read_schema(files[0]).names)


def _text_frame(batch) -> pd.DataFrame:
    """A record batch (or table) as a frame of text: each column cast to string, blanks missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = {}
    for name, column in zip(batch.schema.names, batch.columns):
        column = column if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) \
            else pc.cast(column, pa.string())
        text[name] = pd.Series(pc.if_else(pc.equal(column, ""), None, column).to_pandas(), dtype="str")
    return pd.DataFrame(text)


def _named_blocks(path: Path, blocks):
    """The non-empty ``blocks`` of an export, column names stripped (and of a BOM); a
    CjmError when they hold no row at all."""
    rows_read = 0
    for frame in blocks:
        frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
        rows_read += len(frame)
        if len(frame):
            yield frame
    if not rows_read:
        raise CjmError(f"{path} has a header but no rows", "ask the client for the export again")


def _read_xlsx(path: Path, fmt: dict, param: str, usecols=None) -> pd.DataFrame:
    """A sheet read whole by calamine (Rust): the same text as openpyxl gives, ~10x faster."""
    sheet = fmt.get("sheet", 0)
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False, na_values=[""],
                              skiprows=fmt.get("skip_rows", 0), usecols=usecols, engine="calamine")
    except ValueError as err:
        if "Worksheet" in str(err) or "not found" in str(err):
            import openpyxl

            raise _no_sheet(path, sheet, openpyxl.load_workbook(path, read_only=True).sheetnames, param) from err
        raise CjmError(f"{path}: cannot be read as xlsx ({err})") from err
    except Exception as err:  # zip/xml errors from a broken or mislabelled file
        raise _not_xlsx(path, err) from err
    return frame.dropna(how="all").reset_index(drop=True)


def _peek_xlsx(path: Path, fmt: dict, param: str, rows: int) -> pd.DataFrame:
    """The header and first ``rows`` non-blank rows of an xlsx's sheet, read by openpyxl's
    streaming sheet parser: only the start of the sheet is parsed (``load_workbook``, even
    read-only, parses a whole sheet that does not state its size, as many writers' do not)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        reader = ExcelReader(path, read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
    except Exception as err:  # zip/xml errors from a broken or mislabelled file
        raise _not_xlsx(path, err) from err
    try:
        sheets = {sheet.name: rel.target for sheet, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type}
        names, sheet = list(sheets), fmt.get("sheet", 0)
        if sheet not in names and not (isinstance(sheet, int) and 0 <= sheet < len(names)):
            raise _no_sheet(path, sheet, names, param)
        book = reader.wb
        with reader.archive.open(sheets[names[sheet] if isinstance(sheet, int) else sheet]) as source:
            lines = WorkSheetParser(source, reader.shared_strings, True, book.epoch, book._date_formats,
                                    book._timedelta_formats).parse()
            return _sheet_start(lines, fmt.get("skip_rows", 0), rows)
    except CjmError:
        raise
    except Exception as err:  # a sheet's xml broken inside a sound zip
        raise _not_xlsx(path, err) from err
    finally:
        reader.archive.close()


def _sheet_start(lines, skip: int, rows: int) -> pd.DataFrame:
    """The header (line ``skip + 1``; blank: unnamed columns) and the first ``rows`` non-blank
    lines below it of a sheet parsed as ``(line number, cells)``, as read_excel names and
    fills them (cells as text)."""
    header, body = None, []
    for number, cells in lines:
        if number <= skip:
            continue
        values = {cell["column"]: cell["value"] for cell in cells if cell["value"] not in (None, "")}
        if header is None:
            header = values if number == skip + 1 else {}
            if number == skip + 1:
                continue
        if values:
            body.append(values)
        if len(body) >= rows:
            break
    header = header or {}
    width = range(1, max(header, default=0) + 1)
    return pd.DataFrame([[None if i not in line else str(line[i]) for i in width] for line in body],
                        columns=[str(header[i]) if i in header else f"Unnamed: {i - 1}" for i in width], dtype="str")


def _not_xlsx(path: Path, err: Exception) -> CjmError:
    return CjmError(f"{path}: cannot be read as xlsx ({type(err).__name__}: {err})",
                    "open it in Excel and save it again as .xlsx")


def _no_sheet(path: Path, sheet, sheets: list[str], param: str) -> CjmError:
    return CjmError(f"{path}: no sheet {sheet!r}", f"set '{param}.sheet' to one of {sheets}")


def _read_csv(path: Path, fmt: dict, param: str, usecols=None, rows: int | None = None):
    """Blocks of ``rows`` rows (one block when None) of a CSV checked for its encoding,
    delimiter and header."""
    with open(path, "rb") as handle:
        head = handle.read(_SAMPLE_BYTES)
    whole = path.stat().st_size <= len(head)
    encoding = fmt.get("encoding") or _guess_encoding(head)
    if encoding is None:
        raise CjmError(f"{path}: cannot tell its encoding", f"set '{param}.encoding' (e.g. utf-8 or cp1251)")
    text = _decode_sample(path, head, encoding, param)
    skip = fmt.get("skip_rows", 0)
    if not "".join(text.splitlines()[skip:]).strip():
        raise CjmError(f"{path} has no header line", "the first line must name the columns")
    sep = fmt.get("sep") or _guess_sep(path, text, skip, whole, param)
    if len(sep) != 1 and sep != WHITESPACE:
        raise CjmError(f"{path}: '{param}.sep' is {sep!r}",
                       "set it to the one character between the columns, or '\\s+' for runs of spaces")
    header = _sample_records(text, sep, skip, whole)[0]
    if len(header) < 2:
        real = next(iter(_ranked_seps(_fitting_seps(text, skip, whole))), None)
        raise CjmError(f"{path}: delimiter {SEP_NAMES.get(sep, repr(sep))} not found in the header line",
                       f"the columns are split by {SEP_NAMES[real]}: set '{param}.sep' to {SEP_YAML[real]}"
                       if real else f"set '{param}.sep'")
    options = dict(sep=sep, encoding=encoding, dtype=str, keep_default_na=False, na_values=[""],
                   skiprows=skip, usecols=usecols, engine="c")
    try:
        if rows is None:
            yield pd.read_csv(path, **options)
        else:
            with pd.read_csv(path, chunksize=rows, **options) as reader:
                yield from reader
    except UnicodeDecodeError as err:
        raise CjmError(f"{path} is not in encoding {encoding} (further into the file)",
                       f"set '{param}.encoding' (Russian Excel exports are often cp1251)") from err
    except pd.errors.ParserError as err:
        raise CjmError(f"{path}: rows do not split into the header's columns with {sep!r} ({err})",
                       f"check '{param}.sep' and quoting in the file") from err


def _decode_sample(path: Path, head: bytes, encoding: str, param: str) -> str:
    """``head`` as text, or a CjmError naming the encoding the bytes look like."""
    looks_like = _guess_encoding(head)
    hint = f"it looks like {looks_like}: " if looks_like and looks_like != encoding else ""
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError as err:
        raise CjmError(f"{path} is not in encoding {encoding} (byte {err.start})",
                       f"{hint}set '{param}.encoding' (Russian Excel exports are often cp1251)") from err
    except LookupError as err:
        raise CjmError(f"{path}: unknown encoding '{encoding}'",
                       f"set '{param}.encoding' to e.g. utf-8 or cp1251") from err
    # a single-byte encoding decodes any bytes: UTF-8 text would silently become mojibake
    if looks_like in ("utf-8", "utf-8-sig") and not head.isascii() \
            and not codecs.lookup(encoding).name.startswith("utf"):
        raise CjmError(f"{path} is not in encoding {encoding}: it is UTF-8 text",
                       f"{hint}set '{param}.encoding'")
    return text.lstrip("\ufeff")


def _sample_records(text: str, sep: str, skip: int, whole: bool) -> list[list[str]]:
    """The header and up to 50 rows of ``text`` split by ``sep``, quotes respected as pandas does.

    When ``text`` is the start of a longer file its last record may be cut and is left out.
    """
    limit = skip + _SAMPLE_ROWS + 2
    if sep == WHITESPACE:
        records = [line.split() for line in text.splitlines()[:limit]]
    else:
        records = []
        with contextlib.suppress(csv.Error):  # a quote left open at the end of the sample
            records.extend(itertools.islice(csv.reader(io.StringIO(text), delimiter=sep), limit))
    if not whole and len(records) < limit:
        records = records[:-1]
    return [r for r in records[skip:] if r][: _SAMPLE_ROWS + 1] or [[]]


def _fitting_seps(text: str, skip: int, whole: bool) -> dict[str, int]:
    """Delimiters that split the header into several columns and every sampled row into as
    many, with their number of columns; runs of spaces only when no delimiter fits."""
    fits = {}
    for sep in (*_DELIMITERS, WHITESPACE):
        if sep == WHITESPACE and fits:
            break
        header, *rows = _sample_records(text, sep, skip, whole)
        if len(header) > 1 and all(len(row) == len(header) for row in rows):
            fits[sep] = len(header)
    return fits


def _ranked_seps(fits: dict[str, int]) -> list[str]:
    """The delimiters of :func:`_fitting_seps`, likeliest first: most columns, but a comma
    after any other, for commas also sit inside names and values (``Сумма, BYN``,
    ``1 234,50``, ``VW, Polo``) where tabs and semicolons seldom do: a tab-separated file
    whose every line holds as many commas is still split by tabs."""
    return sorted(fits, key=lambda sep: _sep_rank(fits, sep), reverse=True)


def _sep_rank(fits: dict[str, int], sep: str) -> tuple[bool, int]:
    return sep != ",", fits[sep]


def _guess_sep(path: Path, text: str, skip: int, whole: bool, param: str) -> str:
    """The likeliest delimiter of :func:`_ranked_seps`; none, or two alike, is an error."""
    fits = _fitting_seps(text, skip, whole)
    best = _ranked_seps(fits)
    if not best or (len(best) > 1 and _sep_rank(fits, best[0]) == _sep_rank(fits, best[1])):
        tried = ", ".join(SEP_NAMES[d] for d in (best or [*_DELIMITERS, WHITESPACE]))
        raise CjmError(f"{path}: cannot tell the delimiter (tried {tried})",
                       f"set '{param}.sep' to the character between the columns ('\\s+' for spaces)")
    return best[0]


def write_xlsx_deterministic(frame: pd.DataFrame, path: Path, sheet: str, date_columns=(),
                             creator: str = "cjm") -> Path:
    """Write ``frame`` as a one-sheet xlsx whose bytes depend on its contents only.

    Parameters
    ----------
    frame : DataFrame
        The table; the header row is its column names, missing values become empty cells
        and text stays text (a leading ``=`` does not make a formula).
    path : Path
        The ``.xlsx`` file to write.
    sheet : str
        The sheet name.
    date_columns : sequence of str
        Columns of dates or datetimes, written as date cells shown ``DD.MM.YYYY``.
    creator : str
        The workbook's author property.

    Returns
    -------
    Path
        ``path``. The same frame and arguments always give byte-identical files.
    """
    return write_xlsx_sheets({sheet: frame}, path, date_columns, creator)


def write_tables(tables: dict[str, pd.DataFrame | None], folder: Path) -> None:
    """Write each table to ``folder/<name>.parquet`` atomically; a table this run did not
    make (None) is removed, so that none is left from an earlier run."""
    for name, frame in tables.items():
        if frame is None:
            remove(Path(folder) / f"{name}.parquet")
        else:
            write_atomic(frame, Path(folder) / f"{name}.parquet")


def write_xlsx_sheets(sheets: dict[str, pd.DataFrame | None], path: Path, date_columns=(),
                      creator: str = "cjm") -> Path:
    """Write several tables as the sheets of one xlsx, as :func:`write_xlsx_deterministic`
    writes one (sheet names are cut to Excel's 31 characters; a None table has no sheet)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet, frame in ((s, f) for s, f in sheets.items() if f is not None):
        worksheet = workbook.create_sheet(sheet[:31])
        columns = list(frame.columns)
        worksheet.append([_xlsx_value(worksheet, c) for c in columns])
        dates = {columns.index(c) for c in date_columns if c in columns}
        for values in frame.itertuples(index=False, name=None):
            worksheet.append([_xlsx_value(worksheet, v, k in dates) for k, v in enumerate(values)])
    workbook.properties.creator = creator
    workbook.properties.created = _FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_office_zip(buffer.getvalue(), path)


def _xlsx_value(worksheet, value, is_date: bool = False):
    """``value`` for a write-only row: missing as None, text never a formula, dates shown DD.MM.YYYY."""
    from openpyxl.cell import WriteOnlyCell

    if pd.isna(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if not is_date and not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(worksheet, value=value)
    if is_date:
        cell.number_format = "DD.MM.YYYY"
    else:
        cell.data_type = "s"
    return cell


def write_office_zip(data: bytes, path: Path) -> Path:
    """Write an Office file (xlsx, docx) with fixed zip timestamps and document dates.

    Parameters
    ----------
    data : bytes
        The file as saved by openpyxl or python-docx.
    path : Path
        Where to write it.

    Returns
    -------
    Path
        ``path``, written atomically; its bytes no longer depend on when it was written.
    """
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*", rb"\g<1>" + stamp, body)
            member = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, body)
    return write_atomic(out.getvalue(), Path(path))


def table_files(paths, name: str, optional: bool = False, under: str | None = None) -> list[Path] | None:
    """The parquet files of a canonical or derived table, without reading them: ``[interim/<name>.parquet]``,
    or the part files of ``interim/<name>/`` (a table 02 wrote out of core), in order; for an
    engine to read (:func:`read_table` reads only a table that fits in memory).

    ``under``: a folder of ``interim/`` holding the table instead, e.g. ``side_groups/<rule>`` or
    ``set_aside/<check>``. A missing table is an error, or None when ``optional``.
    """
    path = current(paths.table(name) if under is None else paths.interim / under / f"{name}.parquet")
    folder = current(path.with_suffix(""))
    if path.exists():
        return [path]
    if folder.is_dir():
        return sorted(folder.glob("*.parquet"))
    if optional:
        return None
    raise CjmError(f"table {path} does not exist", "run the step that writes it first (make all)")


def read_table(paths, name: str, columns: list[str] | None = None, optional: bool = False,
               max_rows: int | None = None) -> pd.DataFrame | None:
    """Read a canonical or derived table ``interim/<name>.parquet`` of an engagement
    (only ``columns`` when given). A missing table is an error, or None when ``optional``
    (a source the engagement may not have).

    A table written out of core as a folder ``interim/<name>/`` is read only when it has at
    most ``max_rows`` rows (counted from the files' footers); without ``max_rows`` it is a
    CjmError: such a table is for an engine, by :func:`table_files`.
    """
    files = table_files(paths, name, optional)
    if files is None:
        return None
    if files != [current(paths.table(name))]:
        rows = parquet_rows(files)
        if max_rows is None or rows > max_rows:
            raise CjmError(f"table {files[0].parent} is out of core ({rows:,} rows in {len(files)} parquet files): "
                           "it is not read into memory",
                           "read it with an engine from cjm.core.io.table_files (06's funnel.engine: duckdb or "
                           "spark), or read fewer rows")
    return read_parquet_files(files, columns)


def read_parquet_files(files: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of parquet ``files`` (a table's file, or the part files of a folder, in order)
    as one frame, only ``columns`` when given."""
    if len(files) == 1:
        return pd.read_parquet(files[0], columns=columns)
    return pd.concat([pd.read_parquet(f, columns=columns) for f in files], ignore_index=True)


def read_transcript(path: Path, encoding: str = "utf-8") -> str:
    """Text of an interview transcript (``.txt``, ``.md`` or ``.docx``), one turn per line.

    A ``.docx`` gives one line per non-empty paragraph. Text files are read in
    ``encoding``; a file in another encoding raises a CjmError naming the likely one.
    """
    path = Path(path)
    if not path.exists():
        raise CjmError(f"transcript not found: {path}",
                       "put the file there or correct the file name in the interview index")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        import docx

        try:
            document = docx.Document(str(path))
        except Exception as err:  # a broken or mislabelled file
            raise CjmError(f"{path}: cannot be read as .docx ({type(err).__name__})",
                           "open it in Word and save it again as .docx") from err
        return "\n".join(p.text.strip() for p in document.paragraphs if p.text.strip())
    if suffix not in (".txt", ".md"):
        raise CjmError(f"{path}: unsupported transcript type '{path.suffix}'",
                       "save transcripts as .txt, .md or .docx")
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        guess = _guess_encoding(data)
        hint = f"it looks like {guess}: " if guess and guess != encoding else ""
        raise CjmError(f"{path} is not in encoding {encoding} (byte {err.start})",
                       f"{hint}re-save it as UTF-8") from err
    return "\n".join(line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip())
