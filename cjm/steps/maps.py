"""07_cjm's files: 04-06's tables and the params in; the journey model, the maps (posters,
HTML pages, workbook), the lead journey scheme and the tables for BI out."""

from __future__ import annotations

import functools
import json
import multiprocessing
from collections.abc import Callable
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
from cjm.present.maps import (FORMATS, map_stem, map_title, render_html, render_poster, save_figure, shown_items,
                              write_maps_xlsx)
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
    tables for BI (:func:`export_tables`). The posters and the scheme are drawn in two
    other processes (:func:`save_drawings`) while this one writes the rest."""
    models = models_of(read_inputs(paths), params)
    shown = drawings(models, params["language"], params["stages"])
    with atomic_folder(paths.report / "maps") as folder:
        written, tables = save_drawings(shown, folder, meanwhile=lambda: _write_rest(models, folder, paths, params))
    files = {model.journey: [*saved, folder / f"{map_stem(model)}.html"] for model, saved in zip(models, written)}
    if len(written) > len(models):
        files["lead"] = written[-1]
    files = {key: [current(paths.report / "maps" / p.name) for p in saved] for key, saved in files.items()}
    return MapsResult(models, files, tables)


def _write_rest(models: list[JourneyMap], folder: Path, paths, params: dict) -> dict[str, pd.DataFrame]:
    """All 07 writes but the figures: each map's HTML page (linking its poster's files) into
    ``folder``, the JSON, the maps' workbook and the tables for BI (returned)."""
    language = params["language"]
    for model in models:
        stem = map_stem(model)
        links = {suffix[1:].upper(): f"{stem}{suffix}" for suffix in FORMATS}
        (folder / f"{stem}.html").write_text(render_html(model, language, links), encoding="utf-8")
    to_json(models, paths.report / "journey_model.json")
    write_maps_xlsx(models, paths.report / "journey_maps.xlsx", language)
    return export_tables(models, paths, params)


@dataclass(frozen=True)
class Drawing:
    """A figure 07 saves as ``stem`` in each of :data:`~cjm.present.maps.FORMATS`: ``draw()``
    makes it, ``title`` goes into the files' metadata, a ``page`` (a poster) keeps its size."""

    stem: str
    title: str
    draw: Callable[[], Figure]
    page: bool = False


def drawings(models: list[JourneyMap], language: str, stages: list[str]) -> list[Drawing]:
    """Each map's poster (:func:`cjm.present.maps.render_poster`), then the lead journey
    scheme over the CRM ``stages`` (:func:`cjm.present.figures.funnel.plot_lead_sankey`)
    where the all-clients map has lead flows."""
    shown = [Drawing(map_stem(m), map_title(m, language), functools.partial(render_poster, m, language), page=True)
             for m in models]
    if models[0].lead_flows:
        shown.append(Drawing("lead_journey", section(language, "maps")["lead"],
                             functools.partial(plot_lead_sankey, pd.DataFrame(models[0].lead_flows), stages, language)))
    return shown


#: How a figure's formats are shared out as tasks: its SVG with its PDF, and its PNG, take
#: about as long (the longer first, so that the last task to start is a short one).
PARTS = (FORMATS[1:], FORMATS[:1])


def save_drawings(shown: list[Drawing], folder: Path, n_jobs: int = 2,
                  meanwhile: Callable[[], object] = lambda: None) -> tuple[list[list[Path]], object]:
    """Save each of ``shown`` into ``folder`` (:func:`cjm.present.maps.save_figure`), its
    :data:`PARTS` shared out to ``n_jobs`` forked processes (a poster takes a second or more;
    its bytes do not depend on the process that draws it), while this process runs
    ``meanwhile``. Returns each drawing's files (in :data:`~cjm.present.maps.FORMATS` order)
    and what ``meanwhile`` returned."""
    global _DRAWINGS
    tasks = [(number, part) for number in range(len(shown)) for part in PARTS]
    _DRAWINGS = shown, Path(folder)
    try:
        if n_jobs <= 1 or len(tasks) <= 1:
            parts = [_save_part(task) for task in progress(tasks, desc="posters")]
            extra = meanwhile()
        else:
            with multiprocessing.get_context("fork").Pool(min(n_jobs, len(tasks))) as pool:
                pending = pool.imap(_save_part, tasks, chunksize=1)
                extra = meanwhile()
                parts = list(progress(pending, total=len(tasks), desc="posters"))
    finally:
        _DRAWINGS = None
    files = [[] for _ in shown]
    for (number, _), written in zip(tasks, parts):
        files[number] += written
    return [sorted(paths, key=lambda path: FORMATS.index(path.suffix)) for paths in files], extra


#: The drawings and folder of :func:`save_drawings`, inherited by the forked workers.
_DRAWINGS: tuple | None = None


def _save_part(task: tuple[int, tuple[str, ...]]) -> list[Path]:
    import matplotlib.pyplot as plt

    (shown, folder), (number, formats) = _DRAWINGS, task
    drawing = shown[number]
    fig = drawing.draw()
    try:
        return save_figure(fig, folder, drawing.stem, drawing.title, drawing.page, formats)
    finally:
        plt.close(fig)


def models_of(tables: dict, params: dict) -> list[JourneyMap]:
    """:func:`cjm.analysis.journey_model.build_maps` with the engagement's params: its
    journey stages, ``maps`` and ``survey`` sections (or their defaults), codebook and
    segment features (the personas' trait words)."""
    codes = read_codebook(params["interviews"]["codebook"]) if "interviews" in params else []
    features = feature_specs(params["segment"]) if params.get("segment") else {}
    return build_maps(tables, params.get("journey_stages") or params["stages"],
                      params.get("maps") or default_section("maps"), params.get("survey") or default_section("survey"),
                      codes, features)
