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


#: Words of the figures, in the engagement's language.
WORDS = {
    "ru": {"all": "Все клиенты", "clients": "Клиенты",
           "deals": "сделок", "waterfall_title": "Кто вошёл в исследование: каскад исключений",
           "waterfall_caption": "Каждая полоса — клиенты, отложенные правилом (с их сделками); "
                                "правила применяются по порядку, клиент попадает в первое подходящее.",
           "k": "Число сегментов k", "inertia": "Инерция (локоть)", "silhouette": "Силуэт ↑",
           "calinski_harabasz": "Калински–Харабаш ↑", "davies_bouldin": "Дэвис–Болдин ↓",
           "stability": "Устойчивость ↑", "recommended": "рекомендовано",
           "scan_title": "Сколько сегментов: качество разбиения при разном k",
           "scan_caption": "Линия — рекомендованное k: самый подробный пик устойчивости разбиения "
                           "на подвыборках.",
           "heatmap_title": "Чем сегменты отличаются от остальных клиентов",
           "heatmap_caption": "Размер эффекта: d Коэна для чисел, h Коэна для долей категорий; "
                              "красный — выше, чем у остальных, синий — ниже; |0,5| — заметное отличие.",
           "projection_title": "Сегменты на плоскости главных компонент",
           "projection_caption": "Каждая точка — клиент (случайная выборка), оси — две главные компоненты "
                                 "признаков, по которым строились сегменты.",
           "component": "Главная компонента"},
    "en": {"all": "All clients", "clients": "Clients", "deals": "deals",
           "waterfall_title": "Who is in scope: exclusion waterfall",
           "waterfall_caption": "Each bar is the clients a rule set aside (with their deals); rules apply "
                                "in order and a client goes to the first that matches.",
           "k": "Number of segments k", "inertia": "Inertia (elbow)", "silhouette": "Silhouette ↑",
           "calinski_harabasz": "Calinski–Harabasz ↑", "davies_bouldin": "Davies–Bouldin ↓",
           "stability": "Stability ↑", "recommended": "recommended",
           "scan_title": "How many segments: quality of the split for each k",
           "scan_caption": "The line marks the recommended k: the finest peak of the split's stability "
                           "over resamples.",
           "heatmap_title": "How segments differ from the other clients",
           "heatmap_caption": "Effect size: Cohen's d for numbers, Cohen's h for category shares; red is "
                              "above the other clients, blue below; |0.5| is a clear difference.",
           "projection_title": "Segments on the principal-component plane",
           "projection_caption": "Each dot is a client (random sample); the axes are the first two principal "
                                 "components of the features that define the segments.",
           "component": "Principal component"},
}


def plot_waterfall(waterfall, language: str = "ru") -> Figure:
    """Exclusion waterfall: all clients, what each scope rule set aside, what stayed in scope.

    Parameters
    ----------
    waterfall : DataFrame
        ``rule``, ``label``, ``clients``, ``deals``, ``clients_left`` (as
        :func:`cjm.clean.exclusion_waterfall` returns it).
    language : {"ru", "en"}

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt

    words = WORDS[language]
    rules = waterfall[waterfall["rule"] != "in_scope"]
    kept = waterfall[waterfall["rule"] == "in_scope"].iloc[0]
    total = int(rules["clients"].sum() + kept["clients"])
    names = [words["all"], *rules["label"].fillna(rules["rule"]), kept["label"]]
    widths = [total, *rules["clients"], kept["clients"]]
    starts = [0, *(rules["clients_left"]), 0]
    deals = [int(rules["deals"].sum() + kept["deals"]), *rules["deals"], kept["deals"]]
    colors = [PALETTE[0]] + [PALETTE[1]] * len(rules) + [PALETTE[2]]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(names) + 1.4))
    y = range(len(names))[::-1]
    ax.barh(list(y), widths, left=starts, color=colors, height=0.6)
    for yi, start, width, n_deals in zip(y, starts, widths, deals):
        ax.text(start + width + total * 0.01, yi, f"{int(width):,} ({int(n_deals):,} {words['deals']})".replace(",", "\u202f"),
                va="center", fontsize="small")
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
        As :func:`cjm.segment.scan_k` returns it.
    recommended : int
    language : {"ru", "en"}
    """
    import matplotlib.pyplot as plt

    words = WORDS[language]
    metrics = ["inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "stability"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(15, 3.4), sharex=True)
    for ax, metric, colour in zip(axes, metrics, PALETTE):
        ax.plot(scan["k"], scan[metric], marker="o", color=colour)
        ax.axvline(recommended, color="#444444", linestyle="--", linewidth=1)
        ax.set_title(words[metric], fontsize="medium")
        ax.set_xlabel(words["k"])
        ax.set_xticks(list(scan["k"]))
    axes[-1].annotate(words["recommended"], xy=(recommended, axes[-1].get_ylim()[0]), xytext=(3, 4),
                      textcoords="offset points", fontsize="small", color="#444444")
    fig.suptitle(words["scan_title"])
    fig.tight_layout()
    caption(fig, words["scan_caption"])
    return fig


def plot_segment_heatmap(traits, names: dict, language: str = "ru", max_levels: int = 8) -> Figure:
    """Segments by features, coloured by effect size against the other clients.

    Parameters
    ----------
    traits : DataFrame
        As :func:`cjm.segment.describe_segments` returns it.
    names : dict
        Segment number -> name.
    language : {"ru", "en"}
    max_levels : int
        Categories show their most frequent levels, at most this many, and only those
        on which some segment differs (|effect| of 0.3 or more).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from cjm.segment import FEATURE_WORDS, LEVEL_WORDS, MISSING, OTHER

    words, labels = WORDS[language], FEATURE_WORDS[language]
    shown = traits[~traits["level"].isin([MISSING, OTHER])].copy()
    shown["rank"] = shown.groupby(["segment", "feature"]).cumcount()
    shown = shown[shown["rank"] < max_levels]
    shown["column"] = [labels[f][0] if k == "numeric" else f"{labels[f][0]}: {LEVEL_WORDS[language].get(lvl, lvl)}"
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
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=7,
                    color="white" if abs(value) > 1.2 else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(words["heatmap_title"])
    caption(fig, words["heatmap_caption"])
    return fig


def plot_segment_projection(encoded, labels, names: dict, language: str = "ru", sample: int = 4000,
                            seed: int = 0) -> Figure:
    """Clients on the plane of the first two principal components, coloured by segment.

    Parameters
    ----------
    encoded : ndarray
        The defining features on one scale (:class:`cjm.segment.FeatureEncoder`).
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

    words = WORDS[language]
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
    ax.set_xlabel(f"{words['component']} 1")
    ax.set_ylabel(f"{words['component']} 2")
    ax.legend(markerscale=3, fontsize="small", loc="center left", bbox_to_anchor=(1, 0.5))
    ax.set_title(words["projection_title"])
    caption(fig, words["projection_caption"])
    return fig


# ----------------------------------------------------------------------------- 04_survey

SURVEY_WORDS = {
    "ru": {"nps": "NPS", "population": "Клиентская база", "own": "NPS компании",
           "segments_title": "NPS по сегментам",
           "segments_caption": "Точка — NPS сегмента, отрезок — 95%-й доверительный интервал; линии — NPS "
                               "клиентской базы (взвешено по сегментам) и собственный NPS компании.",
           "months": "Месяцев с начала договора", "months_title": "NPS по ходу договора",
           "months_caption": "Точка — NPS клиентов с этим сроком договора (взвешено по сегментам), отрезок — "
                             "95%-й интервал. Тренд: {per_year:+.0f} пунктов в год (95% ДИ {low:+.0f}…{high:+.0f}).",
           "importance": "Вклад в лояльность (доля объяснённой дисперсии)", "performance": "Средняя оценка этапа (CSAT)",
           "grid_title": "Важность и оценка этапов",
           "grid_caption": "Вверху слева — важные этапы с оценкой ниже средней: их исправлять в первую очередь. "
                           "Линии — равная доля вклада и средняя оценка этапов.",
           "fix first": "исправлять в первую очередь", "keep up": "поддерживать", "watch": "наблюдать",
           "maintain": "не вкладываться", "all": "Все",
           "choice_caption": "Доля ответивших, выбравших вариант: по всем респондентам и по сегментам.",
           "csat_title": "Удовлетворённость этапами по сегментам",
           "csat_caption": "Доля довольных (оценки от {satisfied_from} и выше) на каждом этапе; цвет — от низкой к высокой."},
    "en": {"nps": "NPS", "population": "Client base", "own": "Company's own NPS",
           "segments_title": "NPS by segment",
           "segments_caption": "Dot: the segment's NPS; bar: its 95% confidence interval; lines: the client base's "
                               "NPS (weighted by segment) and the company's own NPS.",
           "months": "Months since the deal", "months_title": "NPS over the contract",
           "months_caption": "Dot: NPS of clients this far into the contract (weighted by segment); bar: 95% "
                             "interval. Trend: {per_year:+.0f} points a year (95% CI {low:+.0f} to {high:+.0f}).",
           "importance": "Weight in loyalty (share of explained variance)", "performance": "Mean rating of the stage (CSAT)",
           "grid_title": "Importance and performance of the stages",
           "grid_caption": "Top left: important stages rated below average, to fix first. Lines: an equal share "
                           "of weight and the mean rating of the stages.",
           "fix first": "fix first", "keep up": "keep up", "watch": "watch", "maintain": "maintain", "all": "All",
           "choice_caption": "Share of answers choosing each option: all respondents and each segment.",
           "csat_title": "Satisfaction with the stages by segment",
           "csat_caption": "Share satisfied (ratings of {satisfied_from} or more) at each stage; colour from low to high."},
}

#: Quadrant colours of the importance-performance grid ("fix first" in the warning colour).
QUADRANT_COLOURS = {"fix first": PALETTE[3], "keep up": PALETTE[2], "watch": PALETTE[1], "maintain": "#888888"}


def _segment_label(segment, names: dict, words: dict, width: int = 18) -> str:
    import textwrap

    if str(segment) == "all":
        return words["all"]
    number = int(segment)
    return textwrap.fill(f"{number}. {names.get(number, number)}", width)


def plot_nps_by_segment(by_segment, overall, language: str = "ru") -> Figure:
    """NPS of each segment with its 95% interval, against the client base and the company's own NPS.

    Parameters
    ----------
    by_segment : DataFrame
        ``segment``, ``segment_name``, ``n``, ``nps``, ``ci_low``, ``ci_high``.
    overall : DataFrame
        ``estimate``, ``nps``: the rows "population (weighted by segment size)" and, when
        known, "client's own NPS" are drawn as lines.
    """
    import matplotlib.pyplot as plt

    words = SURVEY_WORDS[language]
    rows = by_segment.iloc[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(rows) + 2))
    y = range(len(rows))
    ax.errorbar(rows["nps"], list(y), xerr=[rows["nps"] - rows["ci_low"], rows["ci_high"] - rows["nps"]],
                fmt="o", color=PALETTE[0], ecolor=PALETTE[0], capsize=4, markersize=7)
    ax.set_yticks(list(y), [f"{s}. {name} (n = {n})" for s, name, n in
                            zip(rows["segment"], rows["segment_name"], rows["n"])])
    estimates = overall.set_index("estimate")["nps"]
    for estimate, key, style, colour in (("population (weighted by segment size)", "population", "--", "#444444"),
                                         ("client's own NPS", "own", ":", PALETTE[3])):
        if estimate in estimates:
            ax.axvline(estimates[estimate], linestyle=style, color=colour, linewidth=1.5,
                       label=f"{words[key]}: {estimates[estimate]:.0f}")
    low = min(rows["ci_low"].min(), estimates.min()) - 10
    high = max(rows["ci_high"].max(), estimates.max()) + 10
    ax.set_xlim(max(-100, low), min(100, high))
    ax.set_xlabel(words["nps"])
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    ax.set_title(words["segments_title"], pad=30)
    ax.grid(axis="y", visible=False)
    caption(fig, words["segments_caption"])
    return fig


def plot_nps_by_months(by_months, trend: dict, own_nps: float | None = None, language: str = "ru") -> Figure:
    """NPS by band of months since the deal, with intervals, and the company's own NPS.

    Parameters
    ----------
    by_months : DataFrame
        ``band``, ``nps``, ``ci_low``, ``ci_high``, ``n``.
    trend : dict
        ``per_year``, ``ci_low`` and ``ci_high`` (per month), as :func:`cjm.survey.nps_trend`.
    own_nps : float, optional
        Drawn as a line when given.
    """
    import matplotlib.pyplot as plt

    words = SURVEY_WORDS[language]
    x = range(len(by_months))
    fig, ax = plt.subplots(figsize=(9, 4.8))
    ax.errorbar(list(x), by_months["nps"], yerr=[by_months["nps"] - by_months["ci_low"],
                                                 by_months["ci_high"] - by_months["nps"]],
                fmt="-o", color=PALETTE[0], capsize=4, markersize=7, label=words["nps"])
    for xi, value, n in zip(x, by_months["nps"], by_months["n"]):
        ax.annotate(f"{value:.0f}\nn = {n}", (xi, value), xytext=(10, 0), textcoords="offset points",
                    va="center", fontsize="small")
    if own_nps is not None:
        ax.axhline(own_nps, linestyle=":", color=PALETTE[3], linewidth=1.5, label=f"{words['own']}: {own_nps:.0f}")
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.set_xticks(list(x), by_months["band"])
    ax.set_xlabel(words["months"])
    ax.set_ylabel(words["nps"])
    ax.legend(loc="lower left")
    ax.set_title(words["months_title"])
    caption(fig, words["months_caption"].format(per_year=trend["per_year"], low=12 * trend["ci_low"],
                                                high=12 * trend["ci_high"]))
    return fig


def plot_importance_performance(grid, language: str = "ru") -> Figure:
    """Stages on the importance-performance grid.

    Parameters
    ----------
    grid : DataFrame
        ``driver``, ``importance`` (share), ``performance`` (mean CSAT), ``quadrant``, as
        :func:`cjm.drivers.importance_performance` returns it.
    """
    import matplotlib.pyplot as plt

    words = SURVEY_WORDS[language]
    fig, ax = plt.subplots(figsize=(10, 6.5))
    colours = grid["quadrant"].map(QUADRANT_COLOURS)
    ax.scatter(grid["performance"], 100 * grid["importance"], s=90, color=colours, zorder=3)
    top = 100 * grid["importance"].max() * 1.15
    step, placed = top * 0.045, []
    for _, row in grid.sort_values("importance", ascending=False).iterrows():
        x, y = row["performance"], 100 * row["importance"]
        label_y = y
        while any(abs(x - px) < 0.45 and abs(label_y - py) < step for px, py in placed):
            label_y -= step  # move down past labels already placed nearby
        placed.append((x, label_y))
        ax.annotate(row["driver"], (x, y), xytext=(x + 0.03, label_y), fontsize="small", va="center",
                    arrowprops={"arrowstyle": "-", "color": "#999999", "linewidth": 0.6} if label_y != y else None)
    ax.axhline(100 / len(grid), linestyle="--", color="#666666", linewidth=1)  # an equal share
    ax.axvline(grid["performance"].mean(), linestyle="--", color="#666666", linewidth=1)
    left, right = grid["performance"].min() - 0.25, grid["performance"].max() + 0.45
    ax.set_xlim(left, right)
    ax.set_ylim(min(0, min(py for _, py in placed) - step), top)
    split = 100 / len(grid)
    for quadrant, (x, y, ha) in {"fix first": (left, top, "left"), "keep up": (right, top, "right"),
                                 "watch": (left, split, "left"), "maintain": (right, split, "right")}.items():
        ax.annotate(words[quadrant], (x, y), xytext=(6 if ha == "left" else -6, -6), textcoords="offset points",
                    ha=ha, va="top", color=QUADRANT_COLOURS[quadrant], fontweight="bold")
    ax.set_xlabel(words["performance"])
    ax.set_ylabel(words["importance"] + ", %")
    ax.set_title(words["grid_title"])
    caption(fig, words["grid_caption"])
    return fig


def _share_heatmap(grid, title: str, note: str, names: dict, words: dict, vmax: float = 1.0) -> Figure:
    """Rows by segment columns ("all" first) of shares 0..``vmax``, annotated as percentages."""
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(min(13, 1.3 * grid.shape[1] + 4), 0.5 * len(grid) + 2.6))
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="YlGnBu", vmin=0, vmax=vmax, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [_segment_label(c, names, words, 14) for c in grid.columns],
                  fontsize="small")
    ax.set_yticks(range(len(grid)), grid.index, fontsize="small")
    ax.axvline(0.5, color="white", linewidth=3)
    ax.grid(False)
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize="small",
                    color="white" if value > 0.6 * vmax else "black")
    fig.colorbar(image, ax=ax, shrink=0.8, format=lambda v, _: f"{v:.0%}")
    ax.set_title(title)
    caption(fig, note)
    return fig


def _segment_grid(table, rows: str, value: str):
    """``table`` (long, with ``segment`` "all" or a number as text) as rows x segments, "all" first."""
    grid = table.pivot_table(index=rows, columns="segment", values=value, sort=False)
    order = ["all"] + sorted((c for c in grid.columns if c != "all"), key=int)
    return grid[order].loc[list(dict.fromkeys(table[rows]))]


def plot_choice_shares(shares, names: dict, language: str = "ru", title: str | None = None) -> Figure:
    """Share of answers choosing each option, for all respondents and by segment.

    Parameters
    ----------
    shares : DataFrame
        ``option``, ``segment`` ("all" or the segment number as text), ``share``, as
        :func:`cjm.survey.choice_shares` returns it.
    names : dict
        Segment number -> name.
    title : str, optional
        The question; the default is a general title.
    """
    words = SURVEY_WORDS[language]
    return _share_heatmap(_segment_grid(shares, "option", "share"), title or words["choice_caption"],
                          words["choice_caption"], names, words)


def plot_csat_by_segment(csat, names: dict, language: str = "ru", satisfied_from: float = 4) -> Figure:
    """Share of satisfied answers at each stage, for all respondents and by segment.

    Parameters
    ----------
    csat : DataFrame
        ``stage``, ``segment`` ("all" or the segment number as text), ``satisfied``, as
        :func:`cjm.survey.csat_summary` returns it.
    satisfied_from : float
        The lowest rating counted as satisfied (for the caption).
    """
    words = SURVEY_WORDS[language]
    return _share_heatmap(_segment_grid(csat, "stage", "satisfied"), words["csat_title"],
                          words["csat_caption"].format(satisfied_from=satisfied_from), names, words)


# ----------------------------------------------------------------------------- 05_interviews

VOICE_WORDS = {
    "ru": {"all": "Все", "emotion_title": "Эмоции по этапам пути клиента",
           "emotion_axis": "Эмоциональный фон (−1 … +1)", "stage": "Этап",
           "emotion_caption": "Средняя тональность всего, что клиенты сказали об этапе (барьеры и боли −1, "
                              "позитив +1, нейтральные упоминания 0); n — число фрагментов.",
           "codes_title": "Что называют клиенты разных сегментов",
           "codes_caption": "Доля документов (интервью, комментариев) сегмента, где упомянут код; "
                            "показаны самые частые коды."},
    "en": {"all": "All", "emotion_title": "Emotions along the customer journey",
           "emotion_axis": "Emotional tone (−1 … +1)", "stage": "Stage",
           "emotion_caption": "Mean valence of all customers said about the stage (barriers and pains −1, "
                              "positives +1, neutral mentions 0); n is the number of fragments.",
           "codes_title": "What customers of each segment bring up",
           "codes_caption": "Share of the segment's documents (interviews, comments) that mention the code; "
                            "the most frequent codes."},
}


def plot_emotion_curve(emotions, language: str = "ru") -> Figure:
    """The emotion curve: each stage's score with its evidence, the low point marked.

    Parameters
    ----------
    emotions : DataFrame
        ``stage`` (in journey order), ``score`` (-1..1), ``fragments``, as
        :func:`cjm.coding.emotion_by_stage` returns it.
    """
    import textwrap

    import matplotlib.pyplot as plt

    words = VOICE_WORDS[language]
    x = list(range(len(emotions)))
    fig, ax = plt.subplots(figsize=(12, 4.8))
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.plot(x, emotions["score"], "-o", color=PALETTE[0], markersize=8)
    low = emotions["score"].idxmin()
    ax.plot([x[emotions.index.get_loc(low)]], [emotions.loc[low, "score"]], "o", color=PALETTE[3], markersize=13)
    for xi, score, n in zip(x, emotions["score"], emotions["fragments"]):
        ax.annotate(f"{score:+.2f}\nn = {n}", (xi, score), xytext=(0, 12 if score >= 0 else -26),
                    textcoords="offset points", ha="center", fontsize="small")
    ax.set_xticks(x, [textwrap.fill(s, 14) for s in emotions["stage"]], fontsize="small")
    ax.set_ylim(-1.3, 1.3)
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
        :func:`cjm.coding.code_by_segment` returns it.
    """
    words = VOICE_WORDS[language]
    overall = by_segment[by_segment["segment"] == "all"].nlargest(top, "documents")
    shown = by_segment[by_segment["code"].isin(overall["code"])]
    grid = _segment_grid(shown, "code", "share").loc[overall["code"]]
    return _share_heatmap(grid, words["codes_title"], words["codes_caption"], names, words,
                          vmax=max(0.05, float(grid.max().max())))


def show(fig: Figure) -> None:
    """Display ``fig`` now, in a loop of a notebook cell, and close it (so it is not drawn twice)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)
