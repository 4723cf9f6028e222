"""06_funnel's files: deals, stage history, touches and segments in; the funnel's interim
tables and workbook out. The stage history is worked on by the engine ``funnel.engine``
names: pandas in memory, or DuckDB or Spark (:mod:`cjm.core.engines`) reading its parquet
files without holding them ("auto": by the size of the files)."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pandas as pd

import cjm.analysis.journeys
from cjm.analysis.clean import IN_SCOPE
from cjm.analysis.enginelog import prepare_engine_log
from cjm.analysis.funnel import FunnelResult, analyse_funnel, funnel, prepare_log
from cjm.core.cache import cached_result, content_key
from cjm.core.engines import engine_kind, open_engine
from cjm.core.io import parquet_rows, read_parquet_files, read_table, table_files, write_tables, write_xlsx_sheets
from cjm.core.params import default_section
from cjm.present.workbooks import client_sheets

#: Touches beyond this many rows are not read into memory: contacts per stage are left out (said).
TOUCH_ROWS_IN_MEMORY = 20_000_000
#: The stage history's columns 06 reads.
EVENT_COLUMNS = ["deal_id", "stage", "entered_at"]


@dataclass
class LogSource:
    """Where 06 worked on the stage history: ``engine`` (pandas, duckdb, spark), the
    ``events`` rows of the history's files (0: none) and the ``touches_left_out`` (rows of a
    touches table too large for memory: contacts per stage are not computed)."""

    engine: str
    events: int
    touches_left_out: int = 0


def _history(paths, under: str | None = None):
    """The stage history's parquet source (its file, or the folder 02 wrote out of core) and
    its files, or (None, None) without one."""
    files = table_files(paths, "stage_events", optional=True, under=under)
    if not files:
        return None, None
    return (files[0] if len(files) == 1 and files[0].name == "stage_events.parquet" else files[0].parent), files


class _Logs:
    """Prepares the stage histories of one engagement (in scope, side groups) on one engine,
    opened on first use and closed with the context."""

    def __init__(self, kind: str, section: dict, spill_parent):
        self.kind, self.section, self.spill_parent = kind, section, spill_parent
        self.engine, self._stack, self._views = None, contextlib.ExitStack(), 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.engine is not None:
            self.engine.close()
        self._stack.close()

    def prepare(self, source, files, cases: pd.DataFrame, params: dict, **options):
        args = (params["stages"], params.get("won_stage"), self.section["ignore_stages"], self.section["order"])
        if source is None or self.kind == "pandas":
            events = read_parquet_files(files, EVENT_COLUMNS) if files else None
            return prepare_log(events, cases, *args, **options)
        if self.engine is None:
            spill = self._stack.enter_context(tempfile.TemporaryDirectory(prefix=".spill-", dir=self.spill_parent))
            self.engine = open_engine(self.kind, memory_limit=self.section["memory_limit"], temp_directory=spill,
                                      master=self.section["spark_master"])
        self._views += 1
        view = f"stage_events_{self._views}"
        self.engine.read(view, source)
        return prepare_engine_log(self.engine, view, cases, *args, **options)


def _cases(deals: pd.DataFrame, segments: pd.DataFrame | None, cohort: str) -> pd.DataFrame:
    """Deals as cases, with the client's segment and the cohort of their creation (when
    deals have dates)."""
    cases = deals.copy()
    if segments is not None:
        cases = cases.merge(segments[["client_id", "segment"]], on="client_id", how="left")
    if "created_at" in cases and cases["created_at"].notna().any():
        cases["cohort"] = pd.to_datetime(cases["created_at"]).dt.to_period(
            {"month": "M", "quarter": "Q"}[cohort]).astype(str).where(cases["created_at"].notna())
    return cases



def _side_group_funnels(params: dict, paths, in_scope: pd.DataFrame, logs: _Logs) -> pd.DataFrame | None:
    """Conversion by stage of the in-scope deals next to each group 02 set aside (their
    histories on the engine of the in-scope one)."""
    folder = paths.interim / "side_groups"
    groups = sorted(p for p in folder.iterdir() if (p / "deals.parquet").exists()) if folder.exists() else []
    if not groups:
        return None
    labels = {rule["name"]: rule.get("label", rule["name"]) for rule in params.get("clean", {}).get("scope", [])}
    parts = [in_scope.assign(group=IN_SCOPE)]
    for group in groups:
        source, files = _history(paths, under=f"side_groups/{group.name}")
        log = logs.prepare(source, files, pd.read_parquet(group / "deals.parquet"), params)
        parts.append(funnel(log).assign(group=labels.get(group.name, group.name)))
    table = pd.concat(parts, ignore_index=True)
    return table[["group", "stage", "reached", "lost", "open", "won", "conversion"]]



def _touches(paths) -> tuple[pd.DataFrame | None, int]:
    """The touches table (None without one), and its rows when it is too large for memory
    (then it is None: 06 leaves contacts per stage out and says so)."""
    files = table_files(paths, "touches", optional=True)
    rows = parquet_rows(files) if files else 0
    if files is None or rows > TOUCH_ROWS_IN_MEMORY:
        return None, rows
    return read_parquet_files(files), 0


def cached_journeys(paths):
    """:func:`~cjm.analysis.journeys.find_journeys` kept in ``data/<e>/cache/`` by the content
    of the clients' path features, its arguments and the code and library that compute it:
    the journeys do not depend on the segments, so a rerun for another number of segments
    reads them back instead of fitting the latent classes again."""
    code = Path(cjm.analysis.journeys.__file__).read_bytes()

    def find(features, *args):
        blocks = (features.entry, features.contacts, features.skipped)
        key = content_key(*features.blocks(), [[str(c) for c in b.columns] for b in blocks],
                          [str(i) for i in features.index], list(args), code, version("numpy"))
        return cached_result(paths.cache, "journeys", key,
                             lambda: cjm.analysis.journeys.find_journeys(features, *args))

    return find


def run_funnel(params: dict, paths) -> FunnelResult:
    """06 end to end: read the deals, the stage history (optional: without it the funnel is
    lead -> outcome), touches and segments, analyse, write the outputs. The paths of an
    event log (``clean.event_log``) have all its activities, not only the funnel's stages.
    The history is prepared on the engine ``funnel.engine`` names (said in ``result.source``)."""
    section = params.get("funnel") or default_section("funnel")
    segments = read_table(paths, "segments", optional=True)
    cases = _cases(read_table(paths, "deals"), segments, section["cohort"])
    activities = (params.get("clean") or {}).get("event_log") is not None
    source, files = _history(paths)
    kind = engine_kind(section["engine"], source) if source is not None else "pandas"
    touches, touches_left_out = _touches(paths)
    with _Logs(kind, section, paths.data) as logs:
        log = logs.prepare(source, files, cases, params, activities=activities)
        result = analyse_funnel(log, section, touches, segments, params["seed"],
                                (params.get("clean") or {}).get("hygiene_reasons") or (), cached_journeys(paths))
        result.side_groups = _side_group_funnels(params, paths, result.funnel, logs)
    result.source = LogSource(kind, parquet_rows(files) if files else 0, touches_left_out)
    for table in (result.funnel, result.breakdowns):
        table["journey_stage"] = table["stage"].map(section.get("journey_stage_of", {}))
    write_funnel(result, paths, params["language"])
    return result



def write_funnel(result: FunnelResult, paths, language: str) -> None:
    """Interim tables for 07 (``stage_funnel``, ``journeys``, ``funnel_variants``,
    ``directly_follows``, ``lost_reasons``, ``stage_touches``, ``journey_profiles``,
    ``lead_flows``, ``journey_lost_reasons``, ``journey_touches``) and ``report/funnel.xlsx``."""
    paths.interim.mkdir(parents=True, exist_ok=True)
    paths.report.mkdir(parents=True, exist_ok=True)
    overall = result.funnel.assign(breakdown="all", group="all")
    stage_funnel = pd.concat([overall, result.breakdowns], ignore_index=True)
    journeys = result.journeys
    tables = {"stage_funnel": stage_funnel, "funnel_variants": result.variants, "directly_follows": result.follows,
              "lost_reasons": result.lost_reasons if len(result.lost_reasons) else None, "lead_flows": result.flows,
              "stage_touches": result.touches, "journeys": journeys.labels if journeys else None,
              "journey_profiles": journeys.profiles if journeys else None,
              "journey_lost_reasons": result.journey_lost_reasons, "journey_touches": result.journey_touches}
    write_tables(tables, paths.interim)
    sheets = {"funnel": result.funnel, "checks": result.log.checks, "bottlenecks": result.bottlenecks,
              "times": result.times, "lost_reasons": result.lost_reasons, "variants": result.variants,
              "directly_follows": result.follows, "breakdowns": result.breakdowns}
    optional = {"touches": result.touches, "touch_bands": result.touch_bands, "touch_kinds": result.touch_kinds,
                "last_actions": result.last_actions,
                "side_groups": result.side_groups, "lost_by_segment": result.lost_by_segment,
                "hygiene_lost": result.hygiene_lost if result.hygiene_lost is not None and len(result.hygiene_lost)
                else None,
                "journey_scan": result.journeys.scan if result.journeys else None,
                "journey_profiles": result.journeys.profiles if result.journeys else None,
                "journeys_x_segments": result.journey_segments.reset_index()
                if result.journey_segments is not None else None}
    write_xlsx_sheets(client_sheets({**sheets, **optional}, language), paths.report / "funnel.xlsx")
