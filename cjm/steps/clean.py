"""02_clean's files: the anonymized sources read on demand, the canonical tables published
into ``interim/`` as a whole (:func:`cjm.analysis.clean.clean` does the work): in-scope
tables, ``side_groups/<rule>/`` (scope rules), ``set_aside/<check>/`` (rows the date checks
and data hygiene set aside), and the counts beside them (exclusion_waterfall, data_quality,
duplicates, date_checks, clean_notes, hygiene)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cjm.analysis.clean import IN_SCOPE, SET_ASIDE_GROUPS, CleanResult, clean, present_in_order
from cjm.core import schemas
from cjm.core.errors import CjmError
from cjm.core.io import atomic_folder, temp_folder
from cjm.core.paths import EngagementPaths
from cjm.core.publication import remove, staged


class AnonymizedSources(Mapping):
    """The anonymized sources in ``interim/anonymized/``, each read when asked for."""

    def __init__(self, folder: Path, names):
        self.folder = Path(folder)
        self.names = [n for n in names if (self.folder / f"{n}.parquet").exists()]

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

    def read(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Source ``name``, only ``columns`` of it if given and all present (a big
        export's free text stays on disk when the table does not use it)."""
        if name not in self.names:
            raise KeyError(name)
        path = self.folder / f"{name}.parquet"
        if columns is not None:
            import pyarrow.parquet as pq

            columns = present_in_order(pq.read_schema(path).names, columns)
        return pd.read_parquet(path, columns=columns)

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)



def read_anonymized(params: dict, paths: EngagementPaths) -> tuple[AnonymizedSources, dict]:
    """The anonymized sources 01_anonymize wrote (read on demand) and the transcripts."""
    folder = paths.anonymized
    if not folder.exists():
        raise CjmError(f"no anonymized exports in {folder}", "run 01_anonymize first (make all)")
    transcripts = {name: {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / name).glob("*.txt"))}
                   for name, source in params["sources"].items() if "transcripts" in source}
    return AnonymizedSources(folder, params["sources"]), transcripts



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
    for name in sorted(set(schemas.TABLES) - made):
        remove(paths.table(name))
    for path in sorted(staging.glob("*.parquet")):
        os.replace(path, staged(paths.interim / path.name))
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
        def sink(rule: str, name: str, table: pd.DataFrame) -> None:
            folder = _folder(staging, rule)
            folder.mkdir(parents=True, exist_ok=True)
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
        result = clean(params, *read_anonymized(params, paths), sink=sink)
        _publish(result, staging, paths)
    return result
