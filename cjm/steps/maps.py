"""07_cjm's files: 04-06's tables and the params in; the journey model, the maps (posters,
HTML pages, workbook), the lead journey scheme and the tables for BI out."""

from __future__ import annotations

import json
import multiprocessing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from cjm.analysis.coding import read_codebook
from cjm.analysis.segment import feature_specs
from cjm.analysis.journey_model import TABLES, JourneyMap, build_maps, curve_table, model_table, to_dict
from cjm.core.errors import CjmError
from cjm.core.files import atomic_folder, write_atomic
from cjm.core.io import read_table, write_xlsx_sheets
from cjm.core.params import default_section
from cjm.core.progress import progress
from cjm.core.publication import current
from cjm.present.maps import map_stem, render_html, save_figure, save_poster, shown_items, write_maps_xlsx
from cjm.present.figures.funnel import plot_lead_sankey
from cjm.present.segments import feature_words, profile_sheet
from cjm.present.words import section
from cjm.present.workbooks import client_sheets


def read_inputs(paths) -> dict[str, pd.DataFrame | None]:
    """The interim tables of :data:`TABLES` (None where a step did not write one).

    Raises
    ------
    CjmError
        Without 06's ``stage_funnel``: a map needs at least the funnel.
    """
    tables = {name: read_table(paths, name, optional=True) for name in TABLES}
    if tables["stage_funnel"] is None:
        raise CjmError(f"{paths.table('stage_funnel')} is missing", "run 06_funnel first (make all)")
    return tables



def to_json(models: list[JourneyMap], path: Path) -> Path:
    """Write the models as one JSON file (a list), atomically."""
    text = json.dumps([to_dict(m) for m in models], ensure_ascii=False, indent=1)
    return write_atomic(text, Path(path))


#: Aggregated tables of 04-06 a BI dashboard takes as they are (no per-client table).
EXPORTED = ("stage_funnel", "lost_reasons", "journey_lost_reasons", "directly_follows", "funnel_variants",
            "lead_flows", "stage_touches", "journey_touches", "journey_profiles", "segment_profiles",
            "nps_by_segment", "nps_by_months", "csat_by_stage", "survey_drivers", "stage_emotions", "touchpoints",
            "code_quotes")



@dataclass
class MapsResult:
    """07's output: the models, the files written per map (``all``, journeys, ``lead``)
    and the tables exported for BI."""

    models: list[JourneyMap]
    files: dict[str, list[Path]]
    tables: dict[str, pd.DataFrame]
    lead_scheme: Figure | None = None



def export_tables(models: list[JourneyMap], paths, params: dict) -> dict[str, pd.DataFrame]:
    """The tables behind every chart and map: the map items, emotion curves,
    recommendations and touchpoint list of the models, and the aggregated tables of
    04-06 (:data:`EXPORTED`); as ``report/tables/<name>.csv`` (UTF-8 with BOM, which
    Excel and Power BI read, with the code's column names) and the sheets of
    ``report/tables.xlsx`` (in the report's language: items phrased as on the maps,
    segment features by their labels)."""
    tables = {"map_items": model_table(models), "emotion_curves": curve_table(models),
              "recommendations": pd.DataFrame([dict(r, journey=m.journey) for m in models
                                               for r in m.recommendations]),
              "touchpoint_list": pd.DataFrame(models[0].touchpoints),
              "lead_flows": pd.DataFrame(models[0].lead_flows)}
    for name in EXPORTED:
        if name not in tables and (frame := read_table(paths, name, optional=True)) is not None:
            tables[name] = frame
    tables = {name: frame for name, frame in tables.items() if len(frame.columns)}
    with atomic_folder(paths.report / "tables") as folder:
        for name, frame in tables.items():
            write_atomic(frame, folder / f"{name}.csv", encoding="utf-8-sig")
    language = params["language"]
    shown = {**tables, "map_items": shown_items(models, language)}
    if "segment_profiles" in tables and params.get("segment"):
        words = feature_words(params["segment"], pd.DataFrame(), language)
        shown["segment_profiles"] = profile_sheet(tables["segment_profiles"], words, language)
    write_xlsx_sheets(client_sheets(shown, language), paths.report / "tables.xlsx")
    return tables


def run_maps(params: dict, paths) -> MapsResult:
    """07 end to end: build the models from 04-06's tables and params, write
    ``report/journey_model.json``, each map's poster (PNG, SVG, PDF) and HTML page and
    the lead journey scheme under ``report/maps/``, ``report/journey_maps.xlsx``, and the
    tables for BI (:func:`export_tables`)."""
    import matplotlib.pyplot as plt

    models = models_of(read_inputs(paths), params)
    language = params["language"]
    files, lead = {}, None
    with atomic_folder(paths.report / "maps") as folder:
        for model, written in zip(models, save_posters(models, folder, language)):
            stem = map_stem(model)
            links = {path.suffix[1:].upper(): path.name for path in written}
            page = folder / f"{stem}.html"
            page.write_text(render_html(model, language, links), encoding="utf-8")
            files[model.journey] = [*written, page]
        if models[0].lead_flows:
            lead = plot_lead_sankey(pd.DataFrame(models[0].lead_flows), params["stages"], language)
            files["lead"] = save_figure(lead, folder, "lead_journey", section(language, "maps")["lead"])
            plt.close(lead)
    files = {key: [current(paths.report / "maps" / p.name) for p in written] for key, written in files.items()}
    to_json(models, paths.report / "journey_model.json")
    write_maps_xlsx(models, paths.report / "journey_maps.xlsx", language)
    return MapsResult(models, files, export_tables(models, paths, params), lead)



def save_posters(models: list[JourneyMap], folder: Path, language: str, n_jobs: int = 2) -> list[list[Path]]:
    """Each map's poster by :func:`cjm.present.maps.save_poster` into ``folder``, the maps shared
    out to ``n_jobs`` forked processes (a poster drawn three times, as PNG, SVG and PDF, takes
    seconds; its bytes do not depend on the process that draws it). Returns each map's files."""
    global _POSTERS
    if n_jobs <= 1 or len(models) <= 1:
        return [save_poster(model, folder, map_stem(model), language) for model in progress(models, desc="posters")]
    _POSTERS = models, Path(folder), language
    try:
        with multiprocessing.get_context("fork").Pool(min(n_jobs, len(models))) as pool:
            return list(progress(pool.imap(_save_poster, range(len(models)), chunksize=1), total=len(models),
                                 desc="posters"))
    finally:
        _POSTERS = None


#: The maps, folder and language of :func:`save_posters`, inherited by the forked workers.
_POSTERS: tuple | None = None


def _save_poster(number: int) -> list[Path]:
    models, folder, language = _POSTERS
    return save_poster(models[number], folder, map_stem(models[number]), language)


def models_of(tables: dict, params: dict) -> list[JourneyMap]:
    """:func:`cjm.analysis.journey_model.build_maps` with the engagement's params: its
    journey stages, ``maps`` and ``survey`` sections (or their defaults), codebook and
    segment features (the personas' trait words)."""
    codes = read_codebook(params["interviews"]["codebook"]) if "interviews" in params else []
    features = feature_specs(params["segment"]) if params.get("segment") else {}
    return build_maps(tables, params.get("journey_stages") or params["stages"],
                      params.get("maps") or default_section("maps"), params.get("survey") or default_section("survey"),
                      codes, features)
