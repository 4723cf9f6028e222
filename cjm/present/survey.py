"""04_survey as a client reads it: the numbers its passages quote."""

from __future__ import annotations

from cjm.analysis.survey import SurveyResult
from cjm.present.formats import format_p


def _direction(ci_low: float, ci_high: float) -> str:
    """``lower``, ``higher`` or ``same``: where an interval of a difference lies against 0."""
    return "lower" if ci_high < 0 else "higher" if ci_low > 0 else "same"



def findings(result: SurveyResult, section: dict, language: str) -> dict:
    """The numbers 04_survey's narrative quotes, by the names its passages use."""
    if not result.answered:
        return dict(section["plan"])

    def listed(names: list[str]) -> str:
        return ", ".join(names) if names else "—"

    set_aside = result.screening.loc[result.screening["action"] == "set aside", "rows"].sum()
    out = {"rows": int(set_aside + result.groups["respondents"].sum()),
           "min_seconds": section.get("min_seconds") or 0, **section["plan"],
           "satisfied_from": section["satisfied_from"], "scale": "{}-{}".format(*section["csat_scale"]),
           "comments": len(result.comments)}
    rated = result.csat[result.csat["segment"] == "all"].dropna(subset=["satisfied"]).sort_values("satisfied")
    if len(rated):
        out.update(lowest=rated["stage"].iloc[0], lowest_share=rated["satisfied"].iloc[0])
    if result.overall is None:
        return out
    population = result.overall.set_index("estimate").loc["population (weighted by segment size)"]
    ranked = result.by_segment.sort_values("nps")
    grid = result.grid.set_index("driver")
    out.update(nps=population["nps"], nps_low=population["ci_low"], nps_high=population["ci_high"],
               in_segments=int(population["n"]),
               segments_p=format_p(result.segment_test["p_value"], language),
               best=ranked["segment_name"].iloc[-1], best_nps=ranked["nps"].iloc[-1],
               worst=ranked["segment_name"].iloc[0], worst_nps=ranked["nps"].iloc[0],
               **result.driver_model, top=listed(result.drivers["driver"].head(3).tolist()),
               moments=listed(result.drivers.loc[result.drivers["moment_of_truth"], "driver"].tolist()),
               fix_first=listed(grid.index[grid["quadrant"] == "fix first"].tolist()))
    if result.own is not None:
        own = result.own.iloc[0]
        out.update(own=own["own"], own_n=int(own["own_n"]), difference=own["difference"],
                   difference_low=own["ci_low"], difference_high=own["ci_high"],
                   own_p=format_p(own["p_value"], language),
                   own_direction=_direction(own["ci_low"], own["ci_high"]),
                   own_label=section["own_nps"].get("label", section["own_nps"].get("table", "")))
    if result.trend is not None:
        trend, bands = result.trend, result.by_months.dropna(subset=["nps"])
        out.update(per_year=trend["per_year"], per_year_low=12 * trend["ci_low"], per_year_high=12 * trend["ci_high"],
                   trend_p=format_p(trend["p_value"], language),
                   months_direction=_direction(trend["ci_low"], trend["ci_high"]),
                   first_nps=bands["nps"].iloc[0], last_nps=bands["nps"].iloc[-1],
                   last_band=bands["band"].iloc[-1].rstrip("+"))
    return out
