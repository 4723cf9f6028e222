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
