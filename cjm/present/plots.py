"""The house plot theme: one look for every figure, readable on screen and in print.

Call :func:`use_house_style` once at the top of a notebook; give every figure a title,
axis labels and a one-line :func:`caption` of what it shows.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

# format_number and format_count are also imported from here by cjm.analysis (segment, journey_model)
# until it imports them from cjm.present.formats.
from cjm.present.formats import format_count, format_decimal, format_number, format_p, format_percent, plural
from cjm.present.words import section, value_word

#: Okabe-Ito colours, safe for the common forms of colour blindness; yellow comes late
#: because it is faint on white paper.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
           "#F0E442", "#000000")

#: matplotlib settings of the house style.
HOUSE_STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "figure.titlesize": 14,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "figure.dpi": 110,
    "savefig.bbox": "tight",
}


def use_house_style() -> None:
    """Apply the house style to matplotlib (and so to seaborn and pandas plots).

    Sets print-readable font sizes in DejaVu Sans (which has Cyrillic), a light grid
    behind the data, no top and right spines, the colour-blind-safe :data:`PALETTE` as
    the colour cycle, a figure dpi of 110 and tight bounding boxes when saving.
    """
    mpl.rcParams.update(HOUSE_STYLE)


def caption(ax_or_fig, text: str) -> Annotation:
    """Put a one-line caption under a figure, below every axes and its tick labels.

    The caption follows the axes when the layout changes and is kept in saved and
    inline figures (both use a tight bounding box).

    Parameters
    ----------
    ax_or_fig : matplotlib.axes.Axes or matplotlib.figure.Figure
        The figure, or any of its axes.
    text : str
        What the figure shows, in one sentence.

    Returns
    -------
    matplotlib.text.Annotation
        The caption.
    """
    fig = ax_or_fig if isinstance(ax_or_fig, Figure) else ax_or_fig.figure

    def below_axes(renderer):
        return Bbox.union([ax.get_tightbbox(renderer) for ax in fig.axes])

    note = Annotation(text, xy=(0.5, 0), xycoords=below_axes, xytext=(0, -8),
                      textcoords="offset points", ha="center", va="top",
                      fontsize="small", color="#444444")
    fig.add_artist(note)
    return note


def _decimal_axis(axis, language: str, digits: int | None = 2) -> None:
    """Tick labels of ``axis`` as the reader writes numbers (a decimal comma in Russian): to
    ``digits`` decimals, or with None the decimals each tick has."""
    from matplotlib.ticker import FuncFormatter

    if digits is None:
        axis.set_major_formatter(FuncFormatter(lambda v, _: format_decimal(v, language)))
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, language, digits)))


def plot_waterfall(waterfall, language: str = "ru") -> Figure:
    """Exclusion waterfall: all clients, what each scope rule set aside, what stayed in scope.

    Parameters
    ----------
    waterfall : DataFrame
        ``rule``, ``label``, ``clients``, ``deals``, ``clients_left`` (as
        :func:`cjm.analysis.clean.exclusion_waterfall` returns it).
    language : {"ru", "en"}

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt

    words = section(language, "figures")
    rules = waterfall[waterfall["rule"] != "in_scope"]
    kept = waterfall[waterfall["rule"] == "in_scope"].iloc[0]
    total = int(rules["clients"].sum() + kept["clients"])
    names = [words["all"], *(value_word(v, language) for v in [*rules["label"].fillna(rules["rule"]), kept["label"]])]
    widths = [total, *rules["clients"], kept["clients"]]
    starts = [0, *(rules["clients_left"]), 0]
    deals = [int(rules["deals"].sum() + kept["deals"]), *rules["deals"], kept["deals"]]
    colors = [PALETTE[0]] + [PALETTE[1]] * len(rules) + [PALETTE[2]]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(names) + 1.4))
    y = range(len(names))[::-1]
    ax.barh(list(y), widths, left=starts, color=colors, height=0.6)
    for yi, start, width, n_deals in zip(y, starts, widths, deals):
        label = f"{format_count(width, language)} ({format_count(n_deals, language)} {words['deals']})"
        ax.text(start + width + total * 0.01, yi, label, va="center", fontsize="small")
    ax.set_yticks(list(y), names)
    ax.set_xlim(0, total * 1.25)
    ax.set_xlabel(words["clients"])
    ax.set_title(words["waterfall_title"])
    ax.grid(axis="y", visible=False)
    caption(fig, words["waterfall_caption"])
    return fig


def plot_k_scan(scan, recommended: int, language: str = "ru") -> Figure:
    """The k scan on one chart: elbow, silhouette, Calinski-Harabasz, Davies-Bouldin and
    stability against k, with the recommended k marked.

    Parameters
    ----------
    scan : DataFrame
        As :func:`cjm.analysis.segment.scan_k` returns it.
    recommended : int
    language : {"ru", "en"}
    """
    import matplotlib.pyplot as plt

    words = section(language, "figures")
    metrics = ["inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "stability"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(15, 3.4), sharex=True)
    for ax, metric, colour in zip(axes, metrics, PALETTE):
        ax.plot(scan["k"], scan[metric], marker="o", color=colour)
        ax.axvline(recommended, color="#444444", linestyle="--", linewidth=1)
        ax.set_title(words[metric], fontsize="medium")
        ax.set_xlabel(words["k"])
        ax.set_xticks(list(scan["k"]))
        _decimal_axis(ax.yaxis, language, None)
    axes[-1].annotate(words["recommended"], xy=(recommended, axes[-1].get_ylim()[0]), xytext=(3, 4),
                      textcoords="offset points", fontsize="small", color="#444444")
    fig.suptitle(words["scan_title"])
    fig.tight_layout()
    caption(fig, words["scan_caption"])
    return fig


def plot_segment_heatmap(traits, names: dict, language: str = "ru", words: dict | None = None,
                         max_levels: int = 8) -> Figure:
    """Segments by features, coloured by effect size against the other clients.

    Parameters
    ----------
    traits : DataFrame
        As :func:`cjm.analysis.segment.describe_segments` returns it.
    names : dict
        Segment number -> name.
    language : {"ru", "en"}
    words : dict, optional
        Feature -> its words (:func:`cjm.analysis.segment.feature_words`), for the labels.
    max_levels : int
        Categories show their most frequent levels, at most this many, and only those
        on which some segment differs (|effect| of 0.3 or more).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from cjm.analysis.segment import MISSING, OTHER
    from cjm.present.segments import default_words

    features = {**default_words(traits["feature"].unique(), language), **(words or {})}
    words = section(language, "figures")
    shown = traits[~traits["level"].isin([MISSING, OTHER])].copy()
    shown["rank"] = shown.groupby(["segment", "feature"]).cumcount()
    shown = shown[shown["rank"] < max_levels]
    shown["column"] = [features[f]["label"] if k == "numeric"
                       else f"{features[f]['label']}: {features[f]['levels'].get(lvl, lvl)}"
                       for f, k, lvl in zip(shown["feature"], shown["kind"], shown["level"])]
    grid = shown.pivot_table(index="segment", columns="column", values="effect", sort=False)
    grid = grid.loc[:, grid.abs().max() >= 0.3]  # levels no segment differs on are noise here
    fig, ax = plt.subplots(figsize=(max(8, 0.42 * grid.shape[1] + 3), 0.5 * len(grid) + 2.8))
    image = ax.imshow(np.clip(grid.to_numpy(), -2, 2), cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=60, ha="right", fontsize="small")
    ax.set_yticks(range(len(grid)), [f"{s}. {names.get(s, s)}" for s in grid.index], fontsize="small")
    ax.grid(False)
    for (i, j), value in np.ndenumerate(grid.to_numpy()):
        if np.isfinite(value) and abs(value) >= 0.5:
            ax.text(j, i, format_number(value, language, 1), ha="center", va="center", fontsize=7,
                    color="white" if abs(value) > 1.2 else "black")
    fig.colorbar(image, ax=ax, shrink=0.8, format=lambda v, _: format_number(v, language, 1))
    ax.set_title(words["heatmap_title"])
    caption(fig, words["heatmap_caption"])
    return fig


def plot_segment_projection(encoded, labels, names: dict, language: str = "ru", sample: int = 4000,
                            seed: int = 0) -> Figure:
    """Clients on the plane of the first two principal components, coloured by segment.

    Parameters
    ----------
    encoded : ndarray
        The defining features on one scale (:class:`cjm.analysis.segment.FeatureEncoder`).
    labels : Series
        Segment of each row of ``encoded``.
    names : dict
        Segment number -> name.
    sample : int
        At most this many clients are drawn (chosen at random with ``seed``).
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.decomposition import PCA

    words = section(language, "figures")
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(encoded), min(sample, len(encoded)), replace=False))
    points = PCA(2, random_state=seed).fit_transform(encoded[rows])
    segments = np.asarray(labels)[rows]
    colours = PALETTE[:6] + ("#999999", "#8C564B", "#17BECF", "#BCBD22", "#7F7F7F", "#E377C2")
    fig, ax = plt.subplots(figsize=(9, 6.5))
    for i, segment in enumerate(sorted(set(segments))):
        here = segments == segment
        ax.scatter(points[here, 0], points[here, 1], s=6, alpha=0.5, color=colours[i % len(colours)],
                   label=f"{segment}. {names.get(segment, segment)}")
    _decimal_axis(ax.xaxis, language, None)
    _decimal_axis(ax.yaxis, language, None)
    ax.set_xlabel(f"{words['component']} 1")
    ax.set_ylabel(f"{words['component']} 2")
    ax.legend(markerscale=3, fontsize="small", loc="center left", bbox_to_anchor=(1, 0.5))
    ax.set_title(words["projection_title"])
    caption(fig, words["projection_caption"])
    return fig


# ----------------------------------------------------------------------------- 04_survey

#: Quadrant colours of the importance-performance grid ("fix first" in the warning colour).
QUADRANT_COLOURS = {"fix first": PALETTE[3], "keep up": PALETTE[2], "watch": PALETTE[1], "maintain": "#888888"}


def _wraps(text: str, lines: int = 2) -> list[str]:
    """Ways to write ``text`` on one to ``lines`` lines, narrowest last: first broken after
    each " · " (the separator of the traits of a segment's name), then balanced."""
    import math
    import textwrap

    text = str(text)
    glued = text.replace(" · ", "\u00a0· ")  # " · " ends a line, never starts one
    ways = [text]
    if 0 < text.count(" · ") < lines:
        ways.append(text.replace(" · ", " ·\n"))
    for count in range(2, lines + 1):
        for size in range(math.ceil(len(text) / count), len(text)):
            wrapped = textwrap.wrap(glued, size, break_long_words=False)
            if len(wrapped) <= count:
                ways.append("\n".join(wrapped).replace("\u00a0", " "))
                break
    return ways


def _wrap(text: str, width: int, lines: int = 2) -> str:
    """``text`` on as few lines (at most ``lines``) of at most ``width`` characters as the
    words allow; " · " stays at the end of a line, never starts one."""
    ways = _wraps(text, lines)
    return next((w for w in ways if max(map(len, w.split("\n"))) <= width), ways[-1])


def _segment_label(segment, names: dict, all_label: str, width: int = 16) -> str:
    """"all" -> ``all_label``; a segment number -> "N. name" on at most two lines."""
    if str(segment) == "all":
        return all_label
    number = int(segment)
    return _wrap(f"{number}. {names.get(number, number)}", width)


def _fit(fig, texts, width: float, fontsize, lines: int = 2) -> list[str] | None:
    """Each of ``texts`` wrapped on the fewest lines (at most ``lines``) that are at most
    ``width`` pixels wide in ``fontsize``; None when some text does not fit."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    probe = Text(0, 0, "", fontsize=fontsize, figure=fig)
    out = []
    for text in texts:
        for way in _wraps(text, lines):
            probe.set_text(way)
            if probe.get_window_extent(renderer).width <= width:
                out.append(way)
                break
        else:
            return None
    return out


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
    ax.set_yticks(y, [f"{s}. {_wrap(name, 34)} (n = {n})" for s, name, n in
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
    _decimal_axis(ax.yaxis, language, None)
    _decimal_axis(ax.xaxis, language)
    ax.set_title(words["grid_title"])
    renderer = fig.canvas.get_renderer()
    order = importance.sort_values(ascending=False).index
    _place_labels(ax, list(zip(performance[order], importance[order])), list(grid.loc[order, "driver"]),
                  [c.get_window_extent(renderer).padded(2) for c in corners])
    caption(fig, words["grid_caption"])
    return fig


def _share_heatmap(grid, title: str, note: str, names: dict, all_label: str, language: str,
                   xlabel: str | None = None, ylabel: str | None = None, vmax: float = 1.0) -> Figure:
    """Rows by segment columns ("all" first) of shares 0..``vmax``, annotated as percentages.

    Column labels are "N. name" wrapped to fit their column (on two lines where they can).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    values = grid.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(min(13, 1.3 * grid.shape[1] + 4), 0.5 * len(grid) + 2.8),
                           layout="constrained")
    image = ax.imshow(values, cmap="YlGnBu", vmin=0, vmax=vmax, aspect="auto")
    ax.set_yticks(range(len(grid)), [_wrap(row, 30) for row in grid.index], fontsize="small")
    ax.axvline(0.5, color="white", linewidth=3)
    ax.grid(False)
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            ax.text(j, i, format_percent(value, language), ha="center", va="center", fontsize="small",
                    color="white" if value > 0.6 * vmax else "black")
    fig.colorbar(image, ax=ax, shrink=0.8, fraction=0.025, pad=0.01, format=lambda v, _: format_percent(v, language))
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.set_title(_wrap(title, 70, lines=3))
    fig.canvas.draw()  # lay out, to know how wide a column is
    column = ax.get_window_extent().width / grid.shape[1]
    labels = [_segment_label(c, names, all_label, 1000) for c in grid.columns]
    for size, lines in ((9, 2), (8.5, 2), (8.5, 3)):  # points: at most "small", at least readable in print
        fitted = _fit(fig, labels, column - 4 * fig.dpi / 72, size, lines)  # 4 points apart
        if fitted:
            ax.set_xticks(range(grid.shape[1]), fitted, fontsize=size)
            break
    else:  # too many segments for their names to stand upright
        ax.set_xticks(range(grid.shape[1]), [_wrap(label, 26) for label in labels], fontsize="small",
                      rotation=35, ha="right", rotation_mode="anchor")
    caption(fig, note)
    return fig


def _segment_grid(table, rows: str, value: str):
    """``table`` (long, with ``segment`` "all" or a number as text) as rows x segments, "all" first."""
    grid = table.pivot_table(index=rows, columns="segment", values=value, sort=False, dropna=False)
    order = ["all"] + sorted((c for c in grid.columns if c != "all"), key=int)
    return grid[[c for c in order if c in grid.columns]].loc[list(dict.fromkeys(table[rows]))]


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
    grid = _segment_grid(shares, "option", "share")
    top = float(grid.max().max()) if grid.notna().any().any() else 1.0
    return _share_heatmap(grid, title or words["choice_title"], words["choice_caption"], names,
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
    return _share_heatmap(_segment_grid(csat, "stage", "satisfied"), words["csat_title"],
                          words["csat_caption"].format(satisfied_from=format_decimal(satisfied_from, language)),
                          names, words["all_respondents"], language, words["segment"], words["stage"])


# ----------------------------------------------------------------------------- 05_interviews

def plot_emotion_curve(emotions, language: str = "ru") -> Figure:
    """The emotion curve: each stage's score with its evidence, the low point marked.

    Parameters
    ----------
    emotions : DataFrame
        ``stage`` (in journey order), ``score`` (-1..1), ``fragments``, as
        :func:`cjm.analysis.coding.emotion_by_stage` returns it.
    """
    import textwrap

    import matplotlib.pyplot as plt

    words = section(language, "figures")
    x = list(range(len(emotions)))
    fig, ax = plt.subplots(figsize=(12, 4.8))
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.plot(x, emotions["score"], "-o", color=PALETTE[0], markersize=8)
    low = emotions["score"].idxmin()
    ax.plot([x[emotions.index.get_loc(low)]], [emotions.loc[low, "score"]], "o", color=PALETTE[3], markersize=13)
    for xi, score, n in zip(x, emotions["score"], emotions["fragments"]):
        ax.annotate(f"{format_number(score, language, 2, sign=True)}\nn = {n}", (xi, score),
                    xytext=(0, 12 if score >= 0 else -26), textcoords="offset points", ha="center", fontsize="small")
    ax.set_xticks(x, [textwrap.fill(s, 14) for s in emotions["stage"]], fontsize="small")
    ax.set_ylim(-1.3, 1.3)
    _decimal_axis(ax.yaxis, language, 1)
    ax.set_ylabel(words["emotion_axis"])
    ax.set_xlabel(words["stage"])
    ax.set_title(words["emotion_title"])
    caption(fig, words["emotion_caption"])
    return fig


def plot_codes_by_segment(by_segment, names: dict, language: str = "ru", top: int = 20) -> Figure:
    """Share of each segment's documents mentioning the ``top`` most frequent codes.

    Parameters
    ----------
    by_segment : DataFrame
        ``code``, ``segment`` ("all" or the segment as text), ``share``, ``documents``, as
        :func:`cjm.analysis.coding.code_by_segment` returns it.
    """
    words = section(language, "figures")
    overall = by_segment[by_segment["segment"] == "all"].nlargest(top, "documents")
    shown = by_segment[by_segment["code"].isin(overall["code"])]
    grid = _segment_grid(shown, "code", "share").loc[overall["code"]]
    return _share_heatmap(grid, words["codes_title"], words["codes_caption"], names, words["all_respondents"],
                          language, vmax=max(0.05, float(grid.max().max())))


# ----------------------------------------------------------------------------- 06_funnel

#: Colours of what became of deals at a stage.
OUTCOME_COLOURS = {"moved_on": PALETTE[0], "won": PALETTE[2], "lost": PALETTE[3], "open": "#999999"}
#: Colours of the entry channels of the lead journey: neither the trunk's blue nor the loss's red.
CHANNEL_COLOURS = (PALETTE[1], PALETTE[2], PALETTE[4], PALETTE[5], PALETTE[6], "#8C6D31", "#7F7F7F")


def plot_funnel(stage_funnel, language: str = "ru") -> Figure:
    """The deal funnel: per stage, the deals that reached it split into moved on, lost,
    open and won, with the conversion and the median days in the stage.

    Parameters
    ----------
    stage_funnel : DataFrame
        :func:`cjm.analysis.funnel.funnel` with ``median_days`` (one row per stage, in order).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    words = section(language, "figures")
    rows = stage_funnel.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(11, 0.62 * len(rows) + 1.8))
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for part in ("moved_on", "won", "open", "lost"):
        values = rows[part].fillna(0).to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=OUTCOME_COLOURS[part], height=0.7, label=words[f"{part}_label"])
        left += values
    top = rows["reached"].max()
    for yi, (_, row) in zip(y, rows.iterrows()):
        parts = [format_count(row["reached"], language)]
        if row["conversion"] == row["conversion"]:
            parts.append(f"{words['conversion']} {format_percent(row['conversion'], language)}")
        if "median_days" in row and row["median_days"] == row["median_days"]:
            parts.append(f"{format_number(row['median_days'], language, 1)} {words['days']}")
        ax.text(row["reached"] + 0.01 * top, yi, " · ".join(parts), va="center", fontsize="small")
    ax.set_yticks(y, [_wrap(s, 24) for s in rows["stage"]])
    ax.set_xlim(0, top * 1.42)
    ax.set_xlabel(words["deals_axis"])
    ax.xaxis.set_major_formatter(lambda v, _: format_count(v, language))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4)
    ax.set_title(words["funnel_title"], pad=28)
    caption(fig, words["funnel_caption"])
    return fig


def plot_lost_reasons(reasons, language: str = "ru", top: int = 4) -> Figure:
    """Lost deals by stage and reason: the ``top`` reasons of each stage as bars.

    Parameters
    ----------
    reasons : DataFrame
        :func:`cjm.analysis.funnel.lost_reasons` (``stage``, ``reason``, ``cases``, ``share``).
    """
    import matplotlib.pyplot as plt

    words = section(language, "figures")
    shown = reasons.groupby("stage", sort=False).head(top)
    stages = list(dict.fromkeys(shown["stage"]))
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(shown) + 0.35 * len(stages) + 1.6))
    y, labels, position = [], [], 0.0
    for number, stage in enumerate(stages):
        part = shown[shown["stage"] == stage]
        ax.text(0, position - 0.1, stage, fontweight="bold", va="bottom", ha="left", fontsize="small",
                transform=ax.get_yaxis_transform())
        position -= 0.55
        for _, row in part.iterrows():
            y.append(position)
            labels.append(_wrap(value_word(row["reason"], language), 34))
            ax.barh(position, row["cases"], height=0.75, color=PALETTE[number % 2 * 5])
            label = f"  {format_count(row['cases'], language)} ({format_percent(row['share'], language)})"
            ax.text(row["cases"], position, label, va="center", fontsize="small")
            position -= 1
        position -= 0.3
    ax.set_yticks(y, labels, fontsize="small")
    ax.set_ylim(position + 0.4, 0.6)
    ax.set_xlim(0, shown["cases"].max() * 1.25)
    ax.set_xlabel(words["deals_axis"])
    ax.xaxis.set_major_formatter(lambda v, _: format_count(v, language))
    ax.grid(axis="y", visible=False)
    ax.set_title(words["reasons_title"])
    caption(fig, words["reasons_caption"])
    return fig


def plot_process_map(follows, stage_funnel, language: str = "ru", min_share: float = 0.001) -> Figure:
    """The directly-follows graph on the stage line: forward moves as arrows between
    neighbours, skips as arcs above, returns as arcs below, the deals lost under each stage.

    Parameters
    ----------
    follows : DataFrame
        :func:`cjm.analysis.funnel.directly_follows` (``source``, ``target``, ``cases``,
        ``median_days``, ``kind``).
    stage_funnel : DataFrame
        :func:`cjm.analysis.funnel.funnel`, for the stages' order and their losses.
    min_share : float
        Moves rarer than this share of all moves are not drawn.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    words = section(language, "figures")
    stages = list(stage_funnel["stage"])
    x = {stage: i for i, stage in enumerate(stages)}
    moves = follows[follows["kind"].isin(["forward", "skip", "back"])]
    moves = moves[moves["cases"] >= min_share * moves["cases"].sum()]
    fig, ax = plt.subplots(figsize=(max(11, 1.85 * len(stages)), 6))
    widest = moves["cases"].max()
    for i, stage in enumerate(stages):
        ax.text(i, 0, _wrap(stage, 11), ha="center", va="center", fontsize="small", zorder=3,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "#eef4fa", "edgecolor": PALETTE[0]})
        lost = stage_funnel.loc[stage_funnel["stage"] == stage, "lost"].iloc[0]
        if lost:
            ax.text(i, -0.33, f"{words['lost_under']} {format_count(lost, language)}", ha="center", va="top",
                    fontsize="x-small", color=OUTCOME_COLOURS["lost"], fontweight="bold")
    arcs = {"skip": [], "back": []}
    for _, move in moves.sort_values("cases").iterrows():
        a, b = x[move["source"]], x[move["target"]]
        label = format_count(move["cases"], language)
        if move["median_days"] == move["median_days"]:
            label += f"\n{format_number(move['median_days'], language, 1)} {words['days']}"
        style = {"arrowstyle": "-|>", "mutation_scale": 12, "linewidth": 0.8 + 6 * move["cases"] / widest,
                 "alpha": 0.85, "zorder": 2}
        if move["kind"] == "forward":
            ax.add_patch(FancyArrowPatch((a + 0.34, 0), (b - 0.34, 0), color=PALETTE[0], **style))
            ax.text((a + b) / 2, 0.06, label, ha="center", va="bottom", fontsize="x-small", color="#333333")
            continue
        side = 1 if move["kind"] == "skip" else -1
        level = 0.55 + 0.28 * len(arcs[move["kind"]])  # higher arcs for later moves, so labels do not meet
        arcs[move["kind"]].append(move)
        start, end = (a + 0.12 * side, 0.22 * side), (b - 0.12 * side, 0.22 * side)
        control = ((a + b) / 2, side * 2 * level - 0.22 * side)
        path = Path([start, control, end], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
        colour = PALETTE[1] if side > 0 else PALETTE[4]
        ax.add_patch(FancyArrowPatch(path=path, color=colour, **style))
        ax.text((a + b) / 2, side * level, label.replace("\n", " · "), ha="center", va="center",
                fontsize="x-small", color="#333333", zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": colour, "linewidth": 0.6})
    reach = 0.8 + 0.28 * max(len(arcs["skip"]), len(arcs["back"]), 1)
    ax.set_xlim(-0.6, len(stages) - 0.4)
    ax.set_ylim(-reach, reach)
    ax.axis("off")
    ax.set_title(words["process_title"])
    caption(fig, words["process_caption"])
    return fig


def _layers(follows) -> dict[str, int]:
    """Each step's column in a left-to-right process map: edges that close a loop are found
    by a depth-first walk from the steps cases start with, most frequent edges first, and
    set aside; then each step goes one column right of the step it is most often reached
    from (the rest of the edges are drawn, but do not stretch the map)."""
    moves = follows[~follows["kind"].isin(["start", "end"])].sort_values("cases", ascending=False, kind="stable")
    after: dict[str, list[str]] = {}
    for source, target in zip(moves["source"], moves["target"]):
        after.setdefault(source, []).append(target)
    starts = follows.loc[follows["kind"] == "start"].sort_values("cases", ascending=False, kind="stable")["target"]
    state, finished, back = {}, [], set()

    def walk(node):
        state[node] = "open"
        for target in after.get(node, []):
            if state.get(target) == "open":
                back.add((node, target))
            elif target not in state:
                walk(target)
        state[node] = "done"
        finished.append(node)

    for root in [*starts, *after]:
        if root not in state:
            walk(root)
    reached_from = {}  # the most frequent edge into each step that is not a loop's
    for source, target in zip(moves["source"], moves["target"]):
        if (source, target) not in back and source != target:
            reached_from.setdefault(target, source)
    layer = {}
    for node in reversed(finished):  # a topological order of the edges that are left
        layer[node] = layer[reached_from[node]] + 1 if node in reached_from else 0
    return layer


def plot_process_graph(follows, language: str = "ru", coverage: float = 0.9) -> Figure:
    """The directly-follows graph of many activities (an event log's): the most frequent
    transitions covering ``coverage`` of all (:func:`cjm.analysis.funnel.covering_edges`) as arrows,
    width by frequency; activities in columns (:func:`_layers`), a column's activities
    stacked by where their predecessors are; arrows back to earlier columns curved.

    Parameters
    ----------
    follows : DataFrame
        :func:`cjm.analysis.funnel.directly_follows` (``source``, ``target``, ``cases``, ``kind``).
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import FancyArrowPatch

    from cjm.analysis.funnel import covering_edges

    words = section(language, "figures")
    kept, left = covering_edges(follows, coverage)
    nodes = sorted(set(kept["source"]) | set(kept["target"]))
    layer = _layers(follows)
    shown = sorted({layer[n] for n in nodes})
    layer = {n: shown.index(layer[n]) for n in nodes}  # the columns of the activities drawn, side by side
    columns, place = {}, {}
    for node in sorted(nodes, key=lambda n: (layer[n], n)):
        columns.setdefault(layer[node], []).append(node)
    tallest = max((len(c) for c in columns.values()), default=1)
    for depth in sorted(columns):  # stack a column by the mean height of its placed predecessors
        members = columns[depth]
        heights = {n: np.mean([place[s][1] for s, t in zip(kept["source"], kept["target"]) if t == n and s in place]
                              or [0.0]) for n in members}
        members.sort(key=lambda n: -heights[n])
        place.update({n: (depth, (len(members) - 1) / 2 - row) for row, n in enumerate(members)})
    order = sorted(columns)
    fig, ax = plt.subplots(figsize=(max(11, 1.9 * len(order)), max(5, 1.1 * tallest + 2)))
    widest = kept["cases"].max() if len(kept) else 1
    for _, move in kept.sort_values("cases").iterrows():
        (x0, y0), (x1, y1) = place[move["source"]], place[move["target"]]
        if (x0, y0) == (x1, y1):  # a repeat: a small loop above the box
            ax.annotate("", (x0 + 0.12, y0 + 0.18), (x0 - 0.12, y0 + 0.18), arrowprops={
                "arrowstyle": "-|>", "connectionstyle": "arc3,rad=-1.6", "color": PALETTE[4], "linewidth": 0.8})
            ax.text(x0, y0 + 0.42, format_count(move["cases"], language), ha="center", fontsize="x-small")
            continue
        back = x1 <= x0
        colour = PALETTE[4] if back else PALETTE[0]
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), connectionstyle=f"arc3,rad={0.35 if back else 0.08}",
                                     arrowstyle="-|>", mutation_scale=11, shrinkA=34, shrinkB=34, color=colour,
                                     linewidth=0.6 + 5 * move["cases"] / widest, alpha=0.8, zorder=2))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + (-0.25 if back else 0.08), format_count(move["cases"], language),
                ha="center", va="center", fontsize="x-small", color="#333333", zorder=4,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    for node, (x, y) in place.items():
        ax.text(x, y, _wrap(str(node), 14), ha="center", va="center", fontsize="x-small", zorder=3,
                bbox={"boxstyle": "round,pad=0.35", "facecolor": "#eef4fa", "edgecolor": PALETTE[0]})
    ax.set_xlim(-0.7, len(order) - 0.3)
    ax.set_ylim(-tallest / 2 - 0.6, tallest / 2 + 0.6)
    ax.axis("off")
    ax.set_title(words["graph_title"])
    caption(fig, words["graph_caption"].format(share=format_percent(left["share"], language),
                                               edges=format_count(left["edges"], language)))
    return fig


def _band(ax, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float], colour, alpha=0.45):
    """A flow band of a Sankey diagram from the span ``y0`` at ``x0`` to ``y1`` at ``x1``."""
    import numpy as np

    t = np.linspace(0, 1, 40)
    ease = 3 * t ** 2 - 2 * t ** 3
    xs = x0 + (x1 - x0) * t
    low = y0[0] + (y1[0] - y0[0]) * ease
    high = y0[1] + (y1[1] - y0[1]) * ease
    ax.fill_between(xs, low, high, color=colour, alpha=alpha, linewidth=0)


def plot_lead_sankey(flows, stages: list[str], language: str = "ru") -> Figure:
    """The lead journey as a Sankey diagram: entry channels on the left, the stages as
    columns, lost and open deals leaving downwards at each stage, won deals at the end.

    Parameters
    ----------
    flows : DataFrame
        :func:`cjm.analysis.funnel.lead_flows` (``source``, ``target``, ``cases``, ``step``).
    stages : list of str
        The stages in order.
    """
    import matplotlib.pyplot as plt

    words = section(language, "figures")

    def flow(source, target) -> float:
        return float(flows.loc[(flows["source"] == source) & (flows["target"] == target), "cases"].sum())

    total = float(flows.loc[flows["step"] == 1, "cases"].sum())  # all that leaves the first stage
    floor = -0.12 * total  # exits hang below this line
    fig, ax = plt.subplots(figsize=(13, 7))
    # entry channels, stacked with gaps on the left, flow into the first stage's column
    channels = flows[flows["step"] == 0].sort_values("cases", ascending=False)
    gap = 0.015 * total
    y, into = total + gap * (len(channels) - 1) / 2, total
    for number, (_, row) in enumerate(channels.iterrows()):
        colour = CHANNEL_COLOURS[number % len(CHANNEL_COLOURS)]
        ax.fill_between([-0.06, 0], y - row["cases"], y, color=colour)
        ax.text(-0.09, y - row["cases"] / 2, f"{row['source']} · {format_count(row['cases'], language)}", ha="right",
                va="center", fontsize="x-small")
        _band(ax, 0, 0.96, (y - row["cases"], y), (into - row["cases"], into), colour, 0.35)
        y, into = y - row["cases"] - gap, into - row["cases"]
    for k, stage in enumerate(stages, start=1):
        reached = total if k == 1 else flow(stages[k - 2], stage)
        onward = flow(stage, stages[k]) if k < len(stages) else 0.0
        ax.fill_between([k - 0.04, k + 0.04], total - reached, total, color=PALETTE[0])
        ax.text(k, total * 1.02, _wrap(stage, 14), ha="center", va="bottom", fontsize="x-small")
        ax.text(k + 0.06, total - reached / 2 if k == len(stages) else total - 0.02 * total,
                format_count(reached, language), ha="left", va="center" if k == len(stages) else "top",
                fontsize="x-small", color=PALETTE[0], fontweight="bold")
        if onward:
            _band(ax, k + 0.04, k + 0.96, (total - onward, total), (total - onward, total), PALETTE[0], 0.3)
        level, drop = total - onward, floor
        for kind in ("won", "lost", "open"):
            cases = flow(stage, "won" if kind == "won" else f"{kind}: {stage}")
            if not cases:
                continue
            colour = OUTCOME_COLOURS[kind]
            if kind == "won":
                ax.text(k + 0.1, total - reached - 0.02 * total, f"{words['won_label']} {format_count(cases, language)}",
                        ha="left", va="top", fontsize="small", color=colour, fontweight="bold")
            else:
                _band(ax, k + 0.04, k + 0.5, (level - cases, level), (drop - cases, drop), colour, 0.55)
                ax.fill_between([k + 0.5, k + 0.54], drop - cases, drop, color=colour)
                ax.text(k + 0.57, drop - cases / 2, f"{words[kind + '_label']} {format_count(cases, language)}",
                        ha="left", va="center", fontsize="x-small", color=colour)
                drop -= cases + gap
            level -= cases
    ax.set_xlim(-1.4, len(stages) + 0.8)
    ax.set_ylim(floor - 0.45 * total, total * 1.12)
    ax.axis("off")
    ax.set_title(words["sankey_title"])
    caption(fig, words["sankey_caption"])
    return fig


def plot_journeys_by_segment(cross, journey_names: dict, segment_names: dict, language: str = "ru") -> Figure:
    """Heatmap of the share of each segment's clients on each journey.

    Parameters
    ----------
    cross : DataFrame
        Clients by segment (rows) and journey (columns), as
        :func:`cjm.analysis.journeys.journeys_vs_segments` returns it.
    """
    words = section(language, "figures")
    counts = cross.T
    share = counts.div(counts.sum(axis=0), axis=1)
    share.insert(0, "all", counts.sum(axis=1) / counts.to_numpy().sum())
    share.columns = ["all", *[str(c) for c in counts.columns]]
    share.index = [f"{j}. {journey_names.get(j, j)}" for j in share.index]
    return _share_heatmap(share, words["journeys_title"], words["journeys_caption"], segment_names,
                          words["all_respondents"], language, words["segment"], words["journey"])


# ----------------------------------------------------------------------------- 07_cjm

def plot_journey_emotions(curves, titles: dict, stages: list[str], language: str = "ru") -> Figure:
    """Emotion curves of every map, one panel each: the journey's clients (thick line, low
    point circled) and the segments whose curve differs (thin lines).

    Parameters
    ----------
    curves : DataFrame
        :func:`cjm.analysis.journey_model.curve_table` (``journey``, ``curve``, ``stage``, ``score``,
        ``fragments``).
    titles : dict
        Journey -> the map's title.
    """
    import textwrap

    import matplotlib.pyplot as plt
    import numpy as np

    words = section(language, "figures")
    journeys = list(dict.fromkeys(curves["journey"]))
    fig, axes = plt.subplots(len(journeys), 1, figsize=(12, 2.6 * len(journeys) + 0.8), sharex=True, squeeze=False)
    x = np.arange(len(stages))
    for ax, journey in zip(axes[:, 0], journeys):
        part = curves[curves["journey"] == journey]
        ax.axhline(0, color="#888888", linewidth=0.8)
        for number, (label, curve) in enumerate(part.groupby("curve", sort=False)):
            score = curve.set_index("stage")["score"].reindex(stages).to_numpy(dtype=float)
            main = label == "all"
            ax.plot(x, score, "-o", linewidth=2.4 if main else 1.1, markersize=6 if main else 3,
                    color=PALETTE[0] if main else PALETTE[(number % (len(PALETTE) - 1)) + 1],
                    label=words["journey_clients"] if main else label, zorder=3 if main else 2)
            if main and np.isfinite(score).any():
                low = int(np.nanargmin(score))
                ax.plot([x[low]], [score[low]], "o", markersize=13, markerfacecolor="none",
                        markeredgecolor=PALETTE[3], markeredgewidth=2)
        ax.set_ylim(-1.2, 1.2)
        _decimal_axis(ax.yaxis, language, 1)
        ax.set_title(titles.get(journey, journey), loc="left", fontsize="medium")
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes[-1, 0].set_xticks(x, [textwrap.fill(s, 14) for s in stages], fontsize="small")
    fig.supylabel(words["emotion_axis"])
    fig.suptitle(words["journey_emotions_title"])
    caption(fig, words["journey_emotions_caption"])
    return fig


def show(fig: Figure) -> None:
    """Display ``fig`` now, in a loop of a notebook cell, and close it (so it is not drawn twice)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)
