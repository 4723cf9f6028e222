"""Preflight: every problem with an engagement's params and raw exports, found at once in
seconds, before 01_anonymize spends minutes on the sources that are fine.

``python -m cjm.steps.preflight ENGAGEMENT`` prints the problems, numbered, and exits 1;
or prints one line (``preflight: N sources, M params keys checked in X s``) and exits 0.

What is checked, reading only the start of each export (:func:`cjm.core.io.peek_export`):

- the params file: every problem at once (:func:`cjm.core.params.check_params`);
- each source under ``sources``: its file is there, not empty, readable in its declared
  ``format`` (a CSV's encoding and delimiter as 01 reads them, an xlsx's zip and sheet, an
  XES log's start), has a header and at least one row, and has every column the params
  name for it (the source's own keys, ``anonymize.quasi_identifiers``, the ``clean.tables``
  maps that read it, the ``survey`` questions of the survey's source), a missing one with
  the closest column there is; a column mapped onto dates or numbers none of whose first
  values can be read so (a wrong map, a date format that is not the export's);
- the transcripts an interview index names: there, and open (.docx, .txt in UTF-8);
- a source that is a folder of parquet files (a warehouse's export): every file of one schema,
  read from the files' footers only, however many rows they hold;
- the engine of 06 (``funnel.engine``): spark needs pyspark and a Java runtime.

Nothing is written.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cjm.analysis.clean import REJECTED, parse_column
from cjm.core.errors import CjmError
from cjm.core.io import peek_export, read_export, read_transcript
from cjm.core.params import check_params, clean_column_keys
from cjm.core.paths import EngagementPaths
from cjm.core.publication import sweep
from cjm.core.schemas import TABLES, require_columns, survey_columns
from cjm.core.xes import is_xes, xes_columns
from cjm.privacy.anonymize import added_columns, declared_column_keys


@dataclass
class Preflight:
    """What a preflight found.

    Attributes
    ----------
    problems : list of CjmError
        Every problem, params first, then by source in the order of the params.
    sources : int
        Sources checked.
    keys : int
        Params keys checked.
    seconds : float
        How long it took.
    """

    problems: list[CjmError]
    sources: int
    keys: int
    seconds: float


def check_engagement(engagement: str, root: Path | None = None) -> list[CjmError]:
    """Every problem with an engagement's params and raw exports (see the module's doc).

    Parameters
    ----------
    engagement : str
        The engagement's name: ``params/<name>.yaml`` and ``data/<name>/raw/``.
    root : Path, optional
        The folder holding ``params/`` and ``data/``; None: the workspace (``$CJM_ROOT``,
        else the project root).

    Returns
    -------
    list of CjmError
        Each problem naming the file, column or key and the fix; empty when all is well.
    """
    return preflight(engagement, root).problems


def preflight(engagement: str, root: Path | None = None) -> Preflight:
    """:func:`check_engagement`, with what was checked and how long it took."""
    start = time.perf_counter()
    checked = check_params(engagement, root)
    problems = list(checked.errors)
    sources = (checked.params or {}).get("sources", {})
    paths = EngagementPaths(engagement, root) if root else EngagementPaths(engagement)
    for name in (name for name, source in sources.items() if "file" in source):  # else a params problem
        expected = _expected_columns(checked.params, name, sound=not checked.errors)
        problems += source_problems(checked.params, paths, name, expected)
    problems += engine_problems(checked.params or {})
    return Preflight(problems, len(sources), checked.keys, time.perf_counter() - start)


def _expected_columns(params: dict, name: str, sound: bool) -> dict[str, list[str]]:
    """:func:`expected_columns`; with params that have problems (``sound`` False), nothing
    for a source whose columns the bad values leave unknown (their problems are listed)."""
    try:
        return expected_columns(params, name)
    except (KeyError, TypeError, AttributeError):
        if sound:
            raise
        return {}


def source_problems(params: dict, paths: EngagementPaths, name: str,
                    expected: dict[str, list[str]]) -> list[CjmError]:
    """The problems of one source's export: the file as :func:`~cjm.core.io.peek_export`
    reads it (a file it cannot read has no other problem), the ``expected`` columns
    (:func:`expected_columns`, :func:`column_problems`) and, for an interview index, its
    transcripts."""
    source = params["sources"][name]
    path, param = paths.raw / source["file"], f"sources.{name}.format"
    try:
        start = peek_export(path, source.get("format"), param)
    except CjmError as error:
        return [error]
    problems = column_problems(start, path, expected) + value_problems(params, name, start, path)
    if "transcripts" in source and source["transcripts"]["file_column"] in start.columns:
        problems += transcript_problems(path, source, param, paths.raw)
    return problems


def expected_columns(params: dict, name: str) -> dict[str, list[str]]:
    """Params key -> the raw columns of source ``name`` it names (columns 01 adds left out):
    the source's own keys (``sources.<name>.identifiers`` ...), its k-anonymity columns,
    the ``clean.tables`` maps reading it and, for the survey's source, the ``survey`` questions."""
    source, added = params["sources"][name], added_columns(params, name)
    named = [(column, f"sources.{name}.{key}") for column, key in declared_column_keys(source).items()]
    quasi = (params.get("anonymize") or {}).get("quasi_identifiers", {}).get(name, [])
    named += [(column, f"anonymize.quasi_identifiers.{name}") for column in quasi]
    named += [(column, key) for source_name, column, key in clean_column_keys(params) if source_name == name]
    named += _survey_columns(params, name)
    expected: dict[str, list[str]] = {}
    for column, key in named:
        if column not in added and column not in expected.get(key, []):
            expected.setdefault(key, []).append(column)
    return expected


def _survey_columns(params: dict, name: str) -> list[tuple[str, str]]:
    """``(column, key)`` of the questions the ``survey`` section maps, when ``name`` is the
    survey table's source; a question mapped to a canonical name of that table is left out."""
    table = (params.get("clean") or {}).get("tables", {}).get("survey")
    if "survey" not in params or table is None or table["source"] != name:
        return []
    return [(column, key) for key, column in survey_columns(params["survey"]).items()
            if column not in table["columns"]]


def column_problems(start: pd.DataFrame, path: Path, expected: dict[str, list[str]]) -> list[CjmError]:
    """One problem per params key naming columns the export lacks, as
    :func:`~cjm.core.schemas.require_columns` words it (the closest column there is as the
    fix). An XES log's columns are all read only when its first events lack one."""
    columns = pd.DataFrame(columns=start.columns)
    if is_xes(path) and any(c not in columns for wanted in expected.values() for c in wanted):
        columns = pd.DataFrame(columns=xes_columns(path))
    problems = []
    for key, wanted in expected.items():
        try:
            require_columns(columns, wanted, str(path), key)
        except CjmError as error:
            problems.append(error)
    return problems


#: Kinds of canonical columns whose first values must be readable (a wrong map or format
#: makes all of them unreadable; a few bad values are 02's to count).
_TYPED = ("datetime", "number", "integer")
#: Fewer given values than this in the first rows: nothing is concluded.
_MIN_VALUES = 3


def value_problems(params: dict, name: str, start: pd.DataFrame, path: Path) -> list[CjmError]:
    """Columns ``clean.tables`` maps onto dates or numbers none of whose first values can be
    read as such, as 02 would read them (its ``date_format``), found before 01 runs: a column
    mapped by mistake, or a date format that is not the export's. Columns 01 rewrites (its
    own keys) and XES logs (typed as read) are left out."""
    if is_xes(path):
        return []
    own = set(declared_column_keys(params["sources"][name]))
    problems = []
    for table, spec in ((params.get("clean") or {}).get("tables") or {}).items():
        if spec.get("source") != name:
            continue
        for column, raw in spec["columns"].items():
            kind = TABLES.get(table, {}).get(column)
            if kind not in _TYPED or raw in own or raw not in start.columns:
                continue
            values = start[raw].dropna()
            values = values[values.astype(str).str.strip() != ""]
            _, status = parse_column(values, kind, date_format=spec.get("date_format"))
            if len(values) >= _MIN_VALUES and (status == REJECTED).all():
                examples = ", ".join(repr(v) for v in values.head(3))
                problems.append(CjmError(
                    f"{path}: column '{raw}' (mapped to {table}.{column}) has none of its first {len(values)} values "
                    f"readable as {kind}, e.g. {examples}",
                    f"check the column map 'clean.tables.{table}.columns.{column}'"
                    + (f" or set 'clean.tables.{table}.date_format' to the export's format (now "
                       f"{spec.get('date_format') or 'guessed'})" if kind == "datetime" else "")))
    return problems


def transcript_problems(index: Path, source: dict, param: str, raw: Path) -> list[CjmError]:
    """The transcripts an interview index names (its ``transcripts.file_column``) that are
    missing or do not open, as :func:`~cjm.core.io.read_transcript` (01's reader) finds them,
    each naming the index and its column."""
    column = source["transcripts"]["file_column"]
    try:  # an index is short: its column of file names is read whole
        names = read_export(index, source.get("format"), param, columns=[column])[column]
    except CjmError as error:
        return [error]
    problems = []
    for file_name in names.dropna().drop_duplicates():
        try:
            read_transcript(raw / source["transcripts"]["folder"] / str(file_name))
        except CjmError as error:
            problems.append(CjmError(f"{error.problem} (listed in column '{column}' of {index.name})", error.fix))
    return problems


#: How to install what ``funnel.engine: spark`` needs.
SPARK_FIX = ("install pyspark (pip install cjm[spark]) and a Java runtime (Debian/Ubuntu: apt-get install "
             "openjdk-17-jre-headless, or set JAVA_HOME), or set 'funnel.engine' to duckdb")


def engine_problems(params: dict) -> list[CjmError]:
    """What ``funnel.engine`` needs and the machine lacks: with ``spark``, pyspark importable and a
    Java runtime that starts (``$JAVA_HOME/bin/java``, else ``java`` on the PATH, run with
    ``-version``); one problem naming what is missing and the fix."""
    if (params.get("funnel") or {}).get("engine") != "spark":
        return []
    missing = [] if importlib.util.find_spec("pyspark") else ["pyspark is not installed"]
    if not java_runs():
        missing.append("no Java runtime was found (JAVA_HOME unset and no java on the PATH, or it does not start)")
    return [CjmError(f"'funnel.engine' is spark, but {' and '.join(missing)}", SPARK_FIX)] if missing else []


def java_runs() -> bool:
    """Whether a Java runtime starts: ``$JAVA_HOME/bin/java`` if set, else ``java`` on the PATH."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return False
    try:
        return subprocess.run([java, "-version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def main(argv: list[str] | None = None) -> int:
    """``python -m cjm.steps.preflight ENGAGEMENT``: the problems, numbered, on stderr and
    exit code 1; or one line on stdout and 0."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m cjm.steps.preflight ENGAGEMENT", file=sys.stderr)
        return 2
    for leftover in sweep(EngagementPaths(args[0]).root, args[0]):
        print(f"preflight: removed {leftover}, left by a run cut short")
    found = preflight(args[0])
    if found.problems:
        print(f"preflight: {len(found.problems)} problem(s) with engagement '{args[0]}':", file=sys.stderr)
        for number, problem in enumerate(found.problems, start=1):
            print(f"{number}. " + str(problem).replace("\n", "\n   "), file=sys.stderr)
        return 1
    print(f"preflight: {found.sources} sources, {found.keys} params keys checked in {found.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
