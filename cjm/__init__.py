"""cjm: from a client's raw exports to Customer Journey Maps, reproducibly.

The front door: the functions a consultant calls from a notebook of their own. Each takes
DataFrames and column names and returns DataFrames, numbers or small dataclasses, and
never changes its inputs::

    import cjm

    log = cjm.prepare_log(stage_events, deals, stages=["Заявка", "Договор", "Выдача"],
                          won_stage="Выдача", case="deal_id", stage="stage", at="entered_at")
    cjm.funnel(log)                      # stage, reached, moved_on, lost, open, conversion, ...
    cjm.funnel(log, by="channel")        # the same per channel
    cjm.nps(survey["nps"])               # n, nps, promoters, detractors, se, ci_low, ci_high
    cjm.nps_by(survey, "nps", by="segment")

The pipeline itself (``make all``) runs the notebooks on :mod:`cjm.steps`. Modules load
on first use, so ``import cjm`` is quick.
"""

import importlib

#: Module -> the names the front door takes from it.
_FROM = {
    "cjm.core.errors": ("CjmError",),
    "cjm.core.io": ("read_export",),
    "cjm.core.params": ("load_params",),
    "cjm.privacy.scrub": ("TextScrubber",),
    "cjm.analysis.clean": ("parse_dates", "parse_numbers", "cases_from_events"),
    "cjm.analysis.segment": ("build_features", "scan_k", "recommend_k", "fit_segments", "describe_segments",
                             "profile_table"),
    "cjm.analysis.survey": ("parse_scores", "nps", "nps_by", "weighted_nps", "sample_size", "nps_sample_size", "sample_plan",
                            "csat_summary", "mean_ci"),
    "cjm.analysis.drivers": ("key_drivers", "importance_performance"),
    "cjm.analysis.coding": ("read_codebook", "code_texts", "discover_themes", "emotion_by_stage",
                            "touchpoint_inventory", "representative_quotes"),
    "cjm.analysis.funnel": ("prepare_log", "funnel", "bottlenecks", "stage_times", "time_to_convert", "lost_reasons",
                            "variants", "directly_follows", "touches_by_stage", "stage_touches"),
    "cjm.analysis.journeys": ("path_features", "find_journeys", "journey_names"),
}
_MODULE_OF = {name: module for module, names in _FROM.items() for name in names}

__all__ = sorted(_MODULE_OF)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'cjm' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    globals()[name] = value  # the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
