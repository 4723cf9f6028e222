"""Reading raw exports and writing tables, with clear errors and atomic writes.

Raw exports are read as text (every cell a string, blanks as missing) so that nothing
is lost before 02_clean parses types. Problems a consultant meets (missing or empty
file, wrong encoding, wrong delimiter) raise :class:`~cjm.errors.CjmError` naming
the file and the parameter to set.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from cjm.errors import CjmError

_ENCODINGS = ("utf-8-sig", "cp1251", "koi8-r", "utf-16")
_DELIMITERS = (";", ",", "\t", "|")


def _guess_encoding(sample: bytes) -> str | None:
    for encoding in _ENCODINGS:
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def read_export(path: Path, fmt: dict | None = None, param: str = "format") -> pd.DataFrame:
    """Read one raw export (CSV or xlsx) as text.

    Parameters
    ----------
    path : Path
        The file, ``.csv``/``.txt`` or ``.xlsx``.
    fmt : dict, optional
        ``encoding`` (default utf-8), ``sep`` (default ``;``), ``sheet`` (default the
        first), ``skip_rows``.
    param : str
        The parameter key the format comes from, named in error messages.

    Returns
    -------
    DataFrame
        All columns of dtype ``str``, blank cells as missing, column names stripped.
    """
    fmt = fmt or {}
    path = Path(path)
    if not path.exists():
        raise CjmError(f"file not found: {path}",
                       "put the export there or correct 'file' in the params")
    if path.stat().st_size == 0:
        raise CjmError(f"{path} is empty (0 bytes)", "ask the client for the export again")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path, fmt, param)
    elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
        frame = _read_csv(path, fmt, param)
    else:
        raise CjmError(f"{path}: unsupported file type '{path.suffix}'",
                       "export it as .csv or .xlsx")
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise CjmError(f"{path} has a header but no rows", "ask the client for the export again")
    return frame


def _read_xlsx(path: Path, fmt: dict, param: str) -> pd.DataFrame:
    sheet = fmt.get("sheet", 0)
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, skiprows=fmt.get("skip_rows", 0),
                              engine="openpyxl")
    except ValueError as err:
        if "Worksheet" in str(err) or "not found" in str(err):
            import openpyxl

            sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
            raise CjmError(f"{path}: no sheet {sheet!r}",
                           f"set '{param}.sheet' to one of {sheets}") from err
        raise CjmError(f"{path}: cannot be read as xlsx ({err})") from err
    except Exception as err:  # zip/xml errors from a broken or mislabelled file
        raise CjmError(f"{path}: cannot be read as xlsx ({type(err).__name__}: {err})",
                       "open it in Excel and save it again as .xlsx") from err
    return frame.dropna(how="all").reset_index(drop=True)


def _read_csv(path: Path, fmt: dict, param: str) -> pd.DataFrame:
    encoding = fmt.get("encoding", "utf-8")
    sep = fmt.get("sep", ";")
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    try:
        # an incremental decoder tolerates a multibyte character cut at the 64 KiB boundary
        head_text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError as err:
        guess = _guess_encoding(head[: err.start + 64] if err.start else head)
        hint = f"it looks like {guess}: " if guess and guess != encoding else ""
        raise CjmError(f"{path} is not in encoding {encoding} (byte {err.start})",
                       f"{hint}set '{param}.encoding' (Russian Excel exports are often cp1251)") from err
    except LookupError as err:
        raise CjmError(f"{path}: unknown encoding '{encoding}'",
                       f"set '{param}.encoding' to e.g. utf-8 or cp1251") from err
    header = head_text.lstrip("\ufeff").splitlines()[0] if head_text.strip() else ""
    if not header.strip():
        raise CjmError(f"{path} has no header line", "the first line must name the columns")
    if sep not in header:
        found = [d for d in _DELIMITERS if d in header]
        hint = f"the header is split by {found[0]!r}: " if found else ""
        raise CjmError(f"{path}: delimiter {sep!r} not found in the header line",
                       f"{hint}set '{param}.sep'")
    try:
        frame = pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
                            na_values=[""], skiprows=fmt.get("skip_rows", 0), engine="c")
    except UnicodeDecodeError as err:
        raise CjmError(f"{path} is not in encoding {encoding} (further into the file)",
                       f"set '{param}.encoding' (Russian Excel exports are often cp1251)") from err
    except pd.errors.ParserError as err:
        raise CjmError(f"{path}: rows do not split into the header's columns with {sep!r} ({err})",
                       f"check '{param}.sep' and quoting in the file") from err
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    return frame


def require_columns(frame: pd.DataFrame, columns, where: str, param: str) -> None:
    """Raise a CjmError naming the missing columns, the close matches and the key to edit."""
    import difflib

    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return
    hints = []
    for col in missing:
        close = difflib.get_close_matches(col, [str(c) for c in frame.columns], n=1, cutoff=0.5)
        hints.append(f"'{col}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    raise CjmError(f"{where}: column {', '.join(hints)} not found; it has: "
                   f"{', '.join(map(str, frame.columns))}",
                   f"correct the column name under '{param}'")


@contextlib.contextmanager
def atomic_folder(target: Path):
    """Write a folder's contents into a temporary sibling and swap it in on success.

    On an error nothing of the new contents is left and the old folder is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def write_atomic(frame_or_text, path: Path, **kwargs) -> Path:
    """Write a DataFrame (parquet, csv or xlsx by suffix) or text to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        if isinstance(frame_or_text, str):
            Path(tmp).write_text(frame_or_text, encoding="utf-8")
        elif path.suffix == ".parquet":
            frame_or_text.to_parquet(tmp, index=False, **kwargs)
        elif path.suffix == ".csv":
            frame_or_text.to_csv(tmp, index=False, **kwargs)
        elif path.suffix == ".xlsx":
            frame_or_text.to_excel(tmp, index=False, engine="openpyxl", **kwargs)
        else:
            raise ValueError(f"write_atomic: unsupported suffix {path.suffix}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def read_table(paths, name: str) -> pd.DataFrame:
    """Read a canonical or derived table ``interim/<name>.parquet`` of an engagement."""
    path = paths.table(name)
    if not path.exists():
        raise CjmError(f"table {path} does not exist",
                       "run the step that writes it first (make all)")
    return pd.read_parquet(path)


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
