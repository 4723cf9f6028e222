"""Figures of 04_survey: NPS by segment and by months, satisfaction, drivers, choices."""

from __future__ import annotations

from matplotlib.figure import Figure

from cjm.present.figures.style import PALETTE, caption, decimal_axis, segment_grid, share_heatmap, wrap
from cjm.present.formats import format_decimal, format_number, format_p, plural
from cjm.present.words import section


#: Quadrant colours of the importance-performance grid ("fix first" in the warning colour).
QUADRANT_COLOURS = {"fix first": PALETTE[3], "keep up": PALETTE[2], "watch": PALETTE[1], "maintain": "#888888"}


def plot_nps_by_segment(by_segment, overall, language: str = "ru") -> Figure:
    """Forest plot: NPS of each segment with its 95% interval, against the client base and
    the company's own NPS.

    Parameters
    ----------
    by_segment : DataFrame
        One row per segment: ``segment`` (number), ``segment_name``, ``n`` (respondents),
        ``nps``, ``ci_low``, ``ci_high`` (points, -100..100), as
        :func:`cjm.analysis.survey.analyse_survey` returns it (``SurveyResult.by_segment``).
    overall : DataFrame
        ``estimate``, ``nps``: the rows "population (weighted by segment size)" and, when
        known, "client's own NPS" are drawn as vertical lines, their values in the legend.
    language : {"ru", "en"}

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt

    words = section(language, "figures")
    rows = by_segment.iloc[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(rows) + 2))
    y = list(range(len(rows)))
    ax.errorbar(rows["nps"], y, xerr=[rows["nps"] - rows["ci_low"], rows["ci_high"] - rows["nps"]],
                fmt="o", color=PALETTE[0], ecolor=PALETTE[0], capsize=4, markersize=7)
    ax.set_yticks(y, [f"{s}. {wrap(name, 34)} (n = {n})" for s, name, n in
                      zip(rows["segment"], rows["segment_name"], rows["n"])])
    estimates = overall.set_index("estimate")["nps"]
    drawn = []
    for estimate, key, style, colour in (("population (weighted by segment size)", "population", "--", "#444444"),
                                         ("client's own NPS", "own", ":", PALETTE[3])):
        if estimate in estimates and estimates[estimate] == estimates[estimate]:  # present, not NaN
            drawn.append(float(estimates[estimate]))
            ax.axvline(drawn[-1], linestyle=style, color=colour, linewidth=1.5,
                       label=f"{words[key]}: {format_number(drawn[-1], language)}")
    low = min([rows["ci_low"].min(), *drawn]) - 10
    high = max([rows["ci_high"].max(), *drawn]) + 10
    ax.set_xlim(max(-105, low), min(105, high))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(words["nps"])
    ax.set_ylabel(words["segment"])
    if drawn:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    ax.set_title(words["segments_title"], pad=30 if drawn else 6)
    ax.grid(axis="y", visible=False)
    caption(fig, words["segments_caption"])
    return fig


def plot_nps_by_months(by_months, trend: dict, own_nps: float | None = None, language: str = "ru") -> Figure:
    """NPS by band of months since the deal, with intervals, the trend and the company's own NPS.

    Parameters
    ----------
    by_months : DataFrame
        One row per band, in order: ``band`` (e.g. "0-5", "24+"), ``n`` (respondents),
        ``nps``, ``ci_low``, ``ci_high`` (points; NaN for a band without answers), as
        :func:`cjm.analysis.survey.nps_by_months` returns it.
    trend : dict
        ``per_year`` (points a year), ``ci_low``, ``ci_high`` (points a month) and ``p_value``,
        as :func:`cjm.analysis.survey.nps_trend` returns it; written in the legend.
    own_nps : float, optional
        The company's own NPS, drawn as a horizontal line when given.
    language : {"ru", "en"}

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt
    import numpy as np

    words = section(language, "figures")
    x = list(range(len(by_months)))
    value, low, high = (by_months[c].to_numpy(dtype=float) for c in ("nps", "ci_low", "ci_high"))
    fig, ax = plt.subplots(figsize=(9, 4.8))
    ax.errorbar(x, value, yerr=[value - low, high - value], fmt="-o", color=PALETTE[0], capsize=4,
                markersize=7, label=words["nps"])
    for xi, v, top in zip(x, value, high):
        if np.isfinite(v):
            ax.annotate(format_number(v, language), (xi, top), xytext=(0, 6), textcoords="offset points",
                        ha="center", va="bottom", fontsize="small", color=PALETTE[0], fontweight="bold",
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    if own_nps is not None and own_nps == own_nps:
        ax.axhline(own_nps, linestyle=":", color=PALETTE[3], linewidth=1.5,
                   label=f"{words['own']}: {format_number(own_nps, language)}")
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.margins(y=0.12)
    ax.set_xticks(x, [f"{band}\nn = {n}" for band, n in zip(by_months["band"], by_months["n"])])
    ax.set_xlabel(words["months"])
    ax.set_ylabel(words["nps"])
    title = None
    if trend and np.isfinite(trend.get("per_year", np.nan)):
        title = words["trend"].format(value=format_number(trend["per_year"], language, sign=True),
                                      points=plural(trend["per_year"], "points", language),
                                      low=format_number(12 * trend["ci_low"], language, sign=True),
                                      high=format_number(12 * trend["ci_high"], language, sign=True),
                                      p="" if np.isnan(trend.get("p_value", np.nan)) else
                                      "; " + format_p(trend["p_value"], language))
    legend = ax.legend(loc="best", title=title, alignment="left", fontsize="small", title_fontsize="small")
    legend.get_title().set_fontweight("bold")
    ax.set_title(words["months_title"])
    caption(fig, words["months_caption"])
    return fig


def _place_labels(ax, points, labels, obstacles=(), fontsize="small") -> list:
    """Label each of ``points`` (data coordinates) next to it, greedily: at the first of
    some offsets where the label overlaps no label placed before, no point and no box of
    ``obstacles`` (display coordinates) and stays inside the axes, else where it overlaps
    least; a label pushed away from its point gets a thin leader line."""
    import numpy as np
    from matplotlib.transforms import Bbox

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    scale = fig.dpi / 72
    marker = 6 * scale  # half a marker of s=90, in pixels
    centres = ax.transData.transform(np.asarray(points, dtype=float))
    taken = list(obstacles) + [Bbox.from_extents(cx - marker, cy - marker, cx + marker, cy + marker)
                               for cx, cy in centres]

    def area(a, b):
        return max(0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0, min(a.y1, b.y1) - max(a.y0, b.y0))

    offsets = [(9, 0, "left", "center"), (-9, 0, "right", "center"), (0, 9, "center", "bottom"),
               (0, -9, "center", "top"), (7, 7, "left", "bottom"), (7, -7, "left", "top"),
               (-7, 7, "right", "bottom"), (-7, -7, "right", "top")]
    offsets += [(dx, dy, "left" if dx > 0 else "right", "center")
                for dy in (15, -15, 25, -25, 35, -35, 47, -47) for dx in (16, -16)]
    placed = []
    for (px, py), text in zip(points, labels):
        probe = ax.annotate(text, (px, py), xytext=(0, 0), textcoords="offset points", fontsize=fontsize)
        best = None
        for dx, dy, ha, va in offsets:
            probe.set_position((dx, dy))
            probe.set_horizontalalignment(ha)
            probe.set_verticalalignment(va)
            box = probe.get_window_extent(renderer).padded(2 * scale)
            cost = sum(area(box, b) for b in taken) + 4 * (box.width * box.height - area(box, frame))
            if best is None or cost < best[0]:
                best = (cost, dx, dy, ha, va, box)
            if cost == 0:
                break
        probe.remove()
        _, dx, dy, ha, va, box = best
        leader = {"arrowstyle": "-", "color": "#999999", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 6 * scale}
        placed.append(ax.annotate(text, (px, py), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                                  ha=ha, va=va, zorder=4, arrowprops=leader if abs(dy) > 9 else None))
        taken.append(box)
    return placed


def plot_importance_performance(grid, language: str = "ru") -> Figure:
    """Stages on the importance-performance grid, coloured by quadrant.

    Parameters
    ----------
    grid : DataFrame
        One row per stage: ``driver`` (stage name), ``importance`` (share of the explained
        variance, 0..1, summing to 1), ``performance`` (mean CSAT), ``quadrant`` (one of
        "fix first", "keep up", "watch", "maintain"), as
        :func:`cjm.analysis.drivers.importance_performance` returns it.
    language : {"ru", "en"}

    Returns
    -------
    Figure
        x: performance, y: importance in %; dashed lines at the mean performance and at an
        equal share ``1 / len(grid)``; the quadrants named in the corners.
    """
    import matplotlib.pyplot as plt

    words = section(language, "figures")
    fig, ax = plt.subplots(figsize=(10, 6.5))
    performance, importance = grid["performance"].astype(float), 100 * grid["importance"].astype(float)
    ax.scatter(performance, importance, s=90, color=grid["quadrant"].map(QUADRANT_COLOURS), zorder=3)
    split_x, split_y = performance.mean(), 100 / len(grid)
    ax.axhline(split_y, linestyle="--", color="#666666", linewidth=1)  # an equal share
    ax.axvline(split_x, linestyle="--", color="#666666", linewidth=1)
    spread = max(performance.max() - performance.min(), 0.5)
    left, right = min(performance.min(), split_x) - 0.3 * spread, max(performance.max(), split_x) + 0.3 * spread
    top = max(importance.max(), split_y) * 1.2
    ax.set_xlim(left, right)
    ax.set_ylim(-0.06 * top, top)
    corners = []
    for quadrant, (x, y, ha, va, dy) in {"fix first": (left, top, "left", "top", -6),
                                         "keep up": (right, top, "right", "top", -6),
                                         "watch": (left, split_y, "left", "top", -6),
                                         "maintain": (right, split_y, "right", "top", -6)}.items():
        corners.append(ax.annotate(words[quadrant], (x, y), xytext=(6 if ha == "left" else -6, dy),
                                   textcoords="offset points", ha=ha, va=va,
                                   color=QUADRANT_COLOURS[quadrant], fontweight="bold"))
    ax.set_xlabel(words["performance"])
    ax.set_ylabel(words["importance"] + ", %")
    decimal_axis(ax.yaxis, language, None)
    decimal_axis(ax.xaxis, language)
    ax.set_title(words["grid_title"])
    renderer = fig.canvas.get_renderer()
    order = importance.sort_values(ascending=False).index
    _place_labels(ax, list(zip(performance[order], importance[order])), list(grid.loc[order, "driver"]),
                  [c.get_window_extent(renderer).padded(2) for c in corners])
    caption(fig, words["grid_caption"])
    return fig


def plot_choice_shares(shares, names: dict, language: str = "ru", title: str | None = None) -> Figure:
    """Heatmap of the share of answers choosing each option, for all respondents and by segment.

    Parameters
    ----------
    shares : DataFrame
        Long: ``option``, ``segment`` ("all" or the segment number as text), ``share``
        (0..1), as :func:`cjm.analysis.survey.choice_shares` returns it; options keep their order.
    names : dict
        Segment number -> name.
    language : {"ru", "en"}
    title : str, optional
        The question; the default is a general title.

    Returns
    -------
    Figure
    """
    import math

    words = section(language, "figures")
    grid = segment_grid(shares, "option", "share")
    top = float(grid.max().max()) if grid.notna().any().any() else 1.0
    return share_heatmap(grid, title or words["choice_title"], words["choice_caption"], names,
                          words["all_respondents"], language, words["segment"], words["option"],
                          vmax=min(1.0, max(0.1, math.ceil(top * 10 - 1e-9) / 10)))


def plot_csat_by_segment(csat, names: dict, language: str = "ru", satisfied_from: float = 4) -> Figure:
    """Heatmap of the share of satisfied answers at each stage, for all respondents and by segment.

    Parameters
    ----------
    csat : DataFrame
        Long: ``stage`` (in journey order), ``segment`` ("all" or the segment number as
        text), ``mean``, ``satisfied`` (share of ratings of ``satisfied_from`` or more), as
        :func:`cjm.analysis.survey.csat_summary` returns it.
    names : dict
        Segment number -> name.
    language : {"ru", "en"}
    satisfied_from : float
        The lowest rating counted as satisfied (for the caption).

    Returns
    -------
    Figure
    """
    words = section(language, "figures")
    return share_heatmap(segment_grid(csat, "stage", "satisfied"), words["csat_title"],
                          words["csat_caption"].format(satisfied_from=format_decimal(satisfied_from, language)),
                          names, words["all_respondents"], language, words["segment"], words["stage"])
