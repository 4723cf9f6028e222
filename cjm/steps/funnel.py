"""06_funnel's files: deals, stage history, touches and segments in; the funnel's interim
tables and workbook out."""

from __future__ import annotations

import pandas as pd

from cjm.analysis.clean import IN_SCOPE
from cjm.analysis.funnel import FunnelResult, analyse_funnel, funnel, prepare_log
from cjm.core.io import read_table, write_tables, write_xlsx_sheets
from cjm.core.params import default_section
from cjm.present.workbooks import client_sheets


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



def _side_group_funnels(params: dict, paths, in_scope: pd.DataFrame, section: dict) -> pd.DataFrame | None:
    """Conversion by stage of the in-scope deals next to each group 02 set aside."""
    folder = paths.interim / "side_groups"
    groups = sorted(p for p in folder.iterdir() if (p / "deals.parquet").exists()) if folder.exists() else []
    if not groups:
        return None
    labels = {rule["name"]: rule.get("label", rule["name"]) for rule in params.get("clean", {}).get("scope", [])}
    parts = [in_scope.assign(group=IN_SCOPE)]
    for group in groups:
        history = group / "stage_events.parquet"
        events = pd.read_parquet(history, columns=["deal_id", "stage", "entered_at"]) if history.exists() else None
        log = prepare_log(events, pd.read_parquet(group / "deals.parquet"), params["stages"], params.get("won_stage"),
                          section["ignore_stages"], section["order"])
        parts.append(funnel(log).assign(group=labels.get(group.name, group.name)))
    table = pd.concat(parts, ignore_index=True)
    return table[["group", "stage", "reached", "lost", "open", "won", "conversion"]]



def run_funnel(params: dict, paths) -> FunnelResult:
    """06 end to end: read the deals, the stage history (optional: without it the funnel is
    lead -> outcome), touches and segments, analyse, write the outputs. The paths of an
    event log (``clean.event_log``) have all its activities, not only the funnel's stages."""
    section = params.get("funnel") or default_section("funnel")
    segments = read_table(paths, "segments", optional=True)
    cases = _cases(read_table(paths, "deals"), segments, section["cohort"])
    events = read_table(paths, "stage_events", ["deal_id", "stage", "entered_at"], optional=True)
    activities = (params.get("clean") or {}).get("event_log") is not None
    log = prepare_log(events, cases, params["stages"], params.get("won_stage"), section["ignore_stages"],
                      section["order"], activities=activities)
    touches = read_table(paths, "touches", optional=True)
    result = analyse_funnel(log, section, touches, segments, params["seed"],
                            (params.get("clean") or {}).get("hygiene_reasons") or ())
    result.side_groups = _side_group_funnels(params, paths, result.funnel, section)
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
