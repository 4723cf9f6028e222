"""03_segment's files: in-scope tables in; segments, profiles, the fitted model and the
profiles workbook out."""

from __future__ import annotations

import pickle
from importlib.metadata import version
from pathlib import Path

import cjm.analysis.segment
from cjm.analysis.segment import SegmentModel, scan_k, segment
from cjm.core.cache import cached_frame, content_key
from cjm.core.errors import CjmError
from cjm.core.files import write_atomic
from cjm.core.io import read_table, write_xlsx_sheets
from cjm.core.publication import current, remove
from cjm.present.segments import SegmentChapter, portray, profile_sheet
from cjm.present.workbooks import client_sheets


def write_segments(result: SegmentChapter, paths, language: str) -> None:
    """``interim/segments.parquet`` (client_id, segment, segment_name),
    ``interim/segment_profiles.parquet`` (the profile table with each segment's ``segment_name``
    and ``portrait``: its strongest traits with their numbers, ``; ``-separated),
    ``interim/segment_model.pickle`` and ``report/segment_profiles.xlsx``, each written whole or not at all."""
    labels = result.labels.rename_axis("client_id").reset_index()
    labels["segment_name"] = labels["segment"].map(result.model.names).astype("str")
    named = result.portraits[["segment", "segment_name", "portrait"]].astype({"segment": str})
    profiles = result.profiles.merge(named, on="segment", how="left")
    paths.interim.mkdir(parents=True, exist_ok=True)
    paths.report.mkdir(parents=True, exist_ok=True)
    write_atomic(labels, paths.table("segments"))
    write_atomic(profiles, paths.table("segment_profiles"))
    write_atomic(pickle.dumps(result.model), paths.interim / "segment_model.pickle")
    write_xlsx_sheets(client_sheets({"segments": profile_sheet(profiles, result.words, language)}, language),
                      paths.report / "segment_profiles.xlsx")



def load_model(paths) -> SegmentModel:
    """The segmentation 03_segment chose, to :func:`cjm.analysis.segment.assign` a fresh export's clients."""
    path = current(paths.interim / "segment_model.pickle")
    if not path.exists():
        raise CjmError(f"no fitted segmentation at {path}", "run 03_segment first (make all)")
    return pickle.loads(path.read_bytes())



#: What 03 writes under interim/ (removed when the engagement has no segment section).
OUTPUTS = ("segments.parquet", "segment_profiles.parquet", "segment_model.pickle")



def cached_scan(paths):
    """:func:`~cjm.analysis.segment.scan_k` kept in ``data/<e>/cache/`` by the content of
    its encoded clients, its arguments and the code and libraries that compute it: a rerun
    for another number of segments reads the scan back instead of fitting it again."""
    code = cjm.analysis.segment.__file__

    def scan(Z, ks, seed: int, resamples: int, fit_rows: int):
        key = content_key(Z, list(ks), seed, resamples, fit_rows, Path(code).read_bytes(),
                          version("scikit-learn"), version("numpy"))
        return cached_frame(paths.cache, "segment_scan", key,
                            lambda: scan_k(Z, ks, seed, resamples, fit_rows=fit_rows))

    return scan


def run_segment(params: dict, paths) -> SegmentChapter | None:
    """03 end to end: read the in-scope tables, segment, write the outputs. Without a
    ``segment`` section in the params there are no segments (None), and segments of an
    earlier run are removed, so later steps do not read them."""
    if not params.get("segment"):
        for name in OUTPUTS:
            remove(paths.interim / name)
        remove(paths.report / "segment_profiles.xlsx")
        return None
    clients, deals = read_table(paths, "clients"), read_table(paths, "deals")
    touches = read_table(paths, "touches", ["client_id", "channel", "at"], optional=True)
    section = params["segment"]
    result = portray(segment(clients, deals, touches, section, params["seed"], params.get("export_date"),
                             scan=cached_scan(paths)), section, params["language"])
    write_segments(result, paths, params["language"])
    return result
