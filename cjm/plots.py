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
                                "правила применяются по порядку, клиент попадает в первое подходящее."},
    "en": {"all": "All clients", "clients": "Clients", "deals": "deals",
           "waterfall_title": "Who is in scope: exclusion waterfall",
           "waterfall_caption": "Each bar is the clients a rule set aside (with their deals); rules apply "
                                "in order and a client goes to the first that matches."},
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
