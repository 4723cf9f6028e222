"""02_clean's files: the anonymized sources read on demand, the canonical tables published
into ``interim/`` as a whole (:func:`cjm.analysis.clean.clean` does the work): in-scope
tables, ``side_groups/<rule>/`` (scope rules), ``set_aside/<check>/`` (rows the date checks
and data hygiene set aside), and the counts beside them (exclusion_waterfall, data_quality,
duplicates, date_checks, clean_notes, hygiene).

A source 01 wrote out of core (a folder ``anonymized/<source>/`` of part files) is never read
into pandas: its tables (stage events, touches) are built in DuckDB
(:mod:`cjm.analysis.cleanlog`, within ``funnel.memory_limit``, spilling to a temporary folder)
and written as folders, ``interim/<table>/part-00000.parquet`` (and so under ``side_groups/``
and ``set_aside/``); :func:`cjm.core.io.table_files` gives their files to a later step."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cjm.analysis.clean import IN_SCOPE, SET_ASIDE_GROUPS, CleanResult, clean, present_in_order
from cjm.analysis.cleanlog import LogPart, build_log_table
from cjm.core import schemas
from cjm.core.engines import FILE, ROW, open_engine
from cjm.core.errors import CjmError
from cjm.core.files import atomic_folder, temp_folder
from cjm.core.io import read_parquet_files
from cjm.core.paths import EngagementPaths
from cjm.core.publication import remove, staged


#: The part file of a table 02 writes out of core.
PART = "part-00000.parquet"


class AnonymizedSources(Mapping):
    """The anonymized sources in ``interim/anonymized/``, each read when asked for; those out of
    core (a folder of part files) only through DuckDB (:meth:`log_table`).

    Parameters
    ----------
    folder : Path
        ``interim/anonymized/``.
    names : iterable of str
        The sources of the params.
    memory_limit : str
        DuckDB's memory limit for the sources out of core.
    spill : Path, optional
        A folder DuckDB may spill to (made when needed, removed by :meth:`close`).
    """

    def __init__(self, folder: Path, names, memory_limit: str = "3GB", spill: Path | None = None):
        self.folder = Path(folder)
        self.names = [n for n in names if (self.folder / f"{n}.parquet").exists() or self.out_of_core(n)]
        self.memory_limit, self.spill, self._engine = memory_limit, spill, None

    def out_of_core(self, name: str) -> bool:
        """Whether source ``name`` was written out of core: a folder of part files, no ``<name>.parquet``."""
        return not (self.folder / f"{name}.parquet").exists() and any((self.folder / name).glob("*.parquet"))

    def files(self, name: str) -> list[Path]:
        """The parquet files of source ``name``, in order."""
        path = self.folder / f"{name}.parquet"
        return [path] if path.exists() else sorted((self.folder / name).glob("*.parquet"))

    def log_table(self, name: str, spec: dict, params: dict):
        """:func:`cjm.analysis.cleanlog.build_log_table` of canonical table ``name`` over its source's
        part files, in this object's DuckDB connection."""
        if self._engine is None:
            self._engine = open_engine("duckdb", memory_limit=self.memory_limit, temp_directory=self.spill)
        view, source = f"source_{name}", self.folder / f"{spec['source']}.parquet"
        self._engine.read(f"raw_{name}", source if source.exists() else self.folder / spec["source"])
        # a row's number: its file's place in the folder, then its place in the file (no sort)
        self._engine.run(f"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE ({FILE}, {ROW}), "
                         f"({FILE}::BIGINT << 40) + {ROW} AS {ROW} FROM raw_{name}")
        clean_params = params.get("clean") or {}
        lifecycle = (clean_params.get("event_log") or {}).get("lifecycle") if name == "stage_events" else None
        where = f"source '{spec['source']}' ({params['sources'][spec['source']]['file']})"
        return build_log_table(self._engine.handle, name, spec, view, where, lifecycle,
                               clean_params.get("max_invalid_share", 0.05))

    def close(self) -> None:
        """Close the DuckDB connection, if one was opened, and remove what it spilled."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        if self.spill is not None:
            shutil.rmtree(self.spill, ignore_errors=True)

    def dropped(self, name: str) -> dict[str, dict]:
        """Columns of source ``name`` that 01 dropped: column -> ``detail`` (why) and
        ``fix`` (what to declare if the column is needed)."""
        from cjm.privacy.anonymize import FOUND_BY_CONTENT, TREATMENTS

        path = self.folder / TREATMENTS
        if not path.exists():
            return {}
        table = pd.read_parquet(path)
        rows = table[(table["source"] == name) & (table["treatment"] == "dropped")]
        return {row.column: {"detail": row.detail, "fix": (
            "01 ran before the column was mapped (a mapped column is kept whatever its content): rerun make all"
            if row.detail.endswith(FOUND_BY_CONTENT)
            else f"it is declared personal under 'sources.{name}': map another column")}
            for row in rows.itertuples()}

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.read(name)

    def __contains__(self, name) -> bool:  # without reading the source
        return name in self.names

    def read(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Source ``name``, only ``columns`` of it if given and all present (a big
        export's free text stays on disk when the table does not use it)."""
        if name not in self.names:
            raise KeyError(name)
        files = self.files(name)
        if columns is not None:
            import pyarrow.parquet as pq

            columns = present_in_order(pq.read_schema(files[0]).names, columns)
        # a source out of core is read whole only for a table 02 does not build out of core (deals, clients ...)
        return read_parquet_files(files, columns)

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)



def read_anonymized(params: dict, paths: EngagementPaths,
                    spill: Path | None = None) -> tuple[AnonymizedSources, dict]:
    """The anonymized sources 01_anonymize wrote (read on demand; those out of core by DuckDB, which
    may spill into ``spill``) and the transcripts."""
    folder = paths.anonymized
    if not folder.exists():
        raise CjmError(f"no anonymized exports in {folder}", "run 01_anonymize first (make all)")
    transcripts = {name: {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / name).glob("*.txt"))}
                   for name, source in params["sources"].items() if "transcripts" in source}
    memory_limit = (params.get("funnel") or {}).get("memory_limit", "3GB")
    return AnonymizedSources(folder, params["sources"], memory_limit, spill), transcripts



def _folder(staging: Path, rule: str) -> Path:
    """Where a table of ``rule`` is staged: in-scope tables at the top, a scope rule's under
    ``side_groups/``, a date check's under ``set_aside/``."""
    if rule == IN_SCOPE:
        return staging
    return staging / ("set_aside" if rule in SET_ASIDE_GROUPS else "side_groups") / rule


def _publish(result: CleanResult, staging: Path, paths: EngagementPaths) -> None:
    """Move what ``staging`` holds into ``interim/``: the tables, then the side groups and
    the rows set aside by dates; a canonical table of an earlier run that this run did not
    make is removed."""
    for name, frame in (("exclusion_waterfall", result.waterfall), ("data_quality", result.quality),
                        ("duplicates", result.duplicates), ("date_checks", result.date_checks),
                        ("clean_notes", result.notes), ("hygiene", result.hygiene)):
        frame.to_parquet(staging / f"{name}.parquet", index=False)
    made = {path.stem for path in staging.glob("*.parquet")}
    folders = {path.name for path in staging.iterdir() if path.is_dir() and path.name in schemas.TABLES}
    for name in sorted(set(schemas.TABLES) - made):
        remove(paths.table(name))
    for name in sorted(set(schemas.TABLES) - folders):
        if paths.table(name).with_suffix("").exists():
            remove(paths.table(name).with_suffix(""))
    for path in sorted(staging.glob("*.parquet")):
        os.replace(path, staged(paths.interim / path.name))
    for name in sorted(folders):  # a table out of core: its folder of part files
        with atomic_folder(paths.table(name).with_suffix("")) as folder:
            folder.rmdir()
            (staging / name).rename(folder)
    for group in ("side_groups", "set_aside"):
        (staging / group).mkdir(exist_ok=True)
        with atomic_folder(paths.interim / group) as folder:
            folder.rmdir()
            (staging / group).rename(folder)



@contextlib.contextmanager
def _tables_staged(paths: EngagementPaths):
    """A temporary folder in (the staged) ``interim/`` and the sink that writes 02's tables
    there by rule (:func:`_folder`); the folder is removed whatever happens."""
    staging = temp_folder(staged(paths.interim), "clean")
    try:
        def sink(rule: str, name: str, table: pd.DataFrame | LogPart) -> None:
            folder = _folder(staging, rule)
            folder.mkdir(parents=True, exist_ok=True)
            if isinstance(table, LogPart):  # a table out of core: a folder, written by DuckDB
                (folder / name).mkdir()
                target = str(folder / name / PART).replace("'", "''")
                table.con.execute(f"COPY ({table.sql}) TO '{target}' (FORMAT parquet)")
            else:
                table.to_parquet(folder / f"{name}.parquet", index=False)

        yield staging, sink
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_clean(result: CleanResult, paths: EngagementPaths) -> None:
    """Canonical tables to ``interim/<table>.parquet``, side groups to
    ``interim/side_groups/<rule>/<table>.parquet``, rows set aside by dates to
    ``interim/set_aside/<check>/<table>.parquet``, waterfall, quality, duplicates and date
    checks beside them."""
    with _tables_staged(paths) as (staging, sink):
        for rule, tables in [(IN_SCOPE, result.tables), *result.side_groups.items(), *result.set_aside.items()]:
            for name, table in tables.items():
                sink(rule, name, table)
        _publish(result, staging, paths)


def run_clean(params: dict, paths: EngagementPaths) -> CleanResult:
    """02 end to end, one big table in memory at a time; nothing lands in ``interim/``
    unless every table was built."""
    with _tables_staged(paths) as (staging, sink):
        sources, transcripts = read_anonymized(params, paths, spill=staging / ".duckdb")
        try:
            result = clean(params, sources, transcripts, sink=sink)
        finally:
            sources.close()
        _publish(result, staging, paths)
    return result
