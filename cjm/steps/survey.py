"""04_survey's files: the survey, 03's segments and the deals in; the interim tables and the
workbooks for the client and the survey partner out."""

from __future__ import annotations

import pandas as pd

from cjm.analysis.survey import (SurveyResult, analyse_survey, own_nps, planned, population_sizes,
                                 segment_names)
from cjm.core.io import read_table, write_tables, write_xlsx_sheets
from cjm.core.params import default_section
from cjm.present import words as locale
from cjm.present.workbooks import client_sheets


def _side_groups(paths) -> dict[str, set]:
    folder = paths.interim / "side_groups"
    return {rule.name: set(pd.read_parquet(rule / "clients.parquet", columns=["client_id"])["client_id"])
            for rule in sorted(folder.glob("*")) if (rule / "clients.parquet").exists()}



def _survey_file(params: dict, paths) -> str:
    """The survey as messages name it: its raw export, and the interim table 04 reads."""
    source = (params.get("clean") or {}).get("tables", {}).get("survey", {}).get("source")
    raw = params["sources"].get(source, {}).get("file")
    return f"{raw} (read as {paths.table('survey')})" if raw else str(paths.table("survey"))


def run_survey(params: dict, paths) -> SurveyResult:
    """04 end to end: read the survey, 03's segments and the deals, analyse, write the outputs.

    Before the survey's export is in (no ``interim/survey.parquet``), only the sample plan
    is made, from the ``survey`` section or its defaults. Without segments, every client
    is in one group.
    """
    section = params.get("survey") or default_section("survey")
    deals = read_table(paths, "deals", ["client_id", "outcome"])
    segments = read_table(paths, "segments", optional=True)
    if segments is None:
        segments = pd.DataFrame({"client_id": read_table(paths, "clients", ["client_id"])["client_id"], "segment": 1,
                                 "segment_name": locale.section(params["language"], "cells")["all"]})
    sizes = population_sizes(segments, deals, section["population"])
    if not paths.table("survey").exists():
        result = SurveyResult(plan=planned(sizes, section, segment_names(segments)))
    else:
        spec = section.get("own_nps")
        own = own_nps(spec, segments, section["confidence"], read_table(paths, spec["table"]) if "table" in spec
                      else None, str(paths.table(spec.get("table", "")))) if spec else None
        labels = {rule["name"]: rule["label"] for rule in params.get("clean", {}).get("scope", [])}
        result = analyse_survey(read_table(paths, "survey"), segments, sizes, section, _side_groups(paths), labels,
                                own, params["seed"], where=_survey_file(params, paths))
    write_survey(result, paths, params["language"])
    return result



def write_survey(result: SurveyResult, paths, language: str) -> None:
    """Interim tables for later steps (``nps_by_segment``, ``csat_by_stage``,
    ``survey_drivers``, ``nps_by_months``, ``survey_comments``, ``survey_scores``, and the
    headline numbers the report's summary quotes: ``nps_overall``, the chapter's overall
    estimates, and ``nps_own``, the survey against the company's own NPS) and, for the
    client and the survey partner, ``report/sample_plan.xlsx`` and ``report/survey_results.xlsx``."""
    paths.interim.mkdir(parents=True, exist_ok=True)
    paths.report.mkdir(parents=True, exist_ok=True)
    write_xlsx_sheets(client_sheets({"plan": result.plan}, language), paths.report / "sample_plan.xlsx")
    tables = {"nps_by_segment": result.by_segment, "csat_by_stage": result.csat, "survey_drivers": result.drivers,
              "survey_comments": result.comments, "survey_scores": result.scores, "nps_by_months": result.by_months,
              "nps_overall": result.overall, "nps_own": result.own}
    write_tables(tables, paths.interim)
    if not result.answered:
        (paths.report / "survey_results.xlsx").unlink(missing_ok=True)
        return
    sheets = {"overall": result.overall, "by_segment": result.by_segment, "achieved": result.achieved,
              "csat": result.csat, "drivers": None if result.grid is None
              else result.grid.merge(result.drivers, on=["driver", "importance"])}
    sheets.update(own_nps=result.own, by_months=result.by_months)
    sheets.update({f"choice {i + 1}": table.assign(question=q) for i, (q, table) in enumerate(result.choices.items())})
    write_xlsx_sheets(client_sheets(sheets, language), paths.report / "survey_results.xlsx")
