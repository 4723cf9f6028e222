"""The house plot theme: one look for every figure, readable on screen and in print, and the
helpers the chapters' figures share.

Call :func:`use_house_style` once at the top of a notebook; give every figure a title,
axis labels and a one-line :func:`caption` of what it shows.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

from cjm.present.formats import format_decimal, format_number, format_percent


#: Okabe-Ito colours, safe for the common forms of colour blindness; yellow comes late
#: because it is faint on white paper.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
           "#F0E442", "#000000")
#: One colour per segment (segment 1 first) in every figure, poster and slide; none is the
#: blue of all clients (``PALETTE[0]``), so a segment's line never passes for the whole.
SEGMENT_PALETTE = ("#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8c564b", "#999999", "#17becf",
                   "#bcbd22", "#000000")


def segment_colour(segment) -> str:
    """The colour of a segment, from its number (``2``, ``"2"`` or a label such as ``"2. Name"``);
    a segment named without a number gets a colour fixed by its name."""
    import re
    import zlib

    number = re.match(r"\s*(\d+)", str(segment))
    position = int(number.group(1)) - 1 if number else zlib.crc32(str(segment).encode())
    return SEGMENT_PALETTE[position % len(SEGMENT_PALETTE)]


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


def decimal_axis(axis, language: str, digits: int | None = 2) -> None:
    """Tick labels of ``axis`` as the reader writes numbers (a decimal comma in Russian): to
    ``digits`` decimals, or with None the decimals each tick has."""
    from matplotlib.ticker import FuncFormatter

    if digits is None:
        axis.set_major_formatter(FuncFormatter(lambda v, _: format_decimal(v, language)))
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, language, digits)))


def wraps(text: str, lines: int = 2) -> list[str]:
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


def wrap(text: str, width: int, lines: int = 2) -> str:
    """``text`` on as few lines (at most ``lines``) of at most ``width`` characters as the
    words allow; " · " stays at the end of a line, never starts one."""
    ways = wraps(text, lines)
    return next((w for w in ways if max(map(len, w.split("\n"))) <= width), ways[-1])


def segment_label(segment, names: dict, all_label: str, width: int = 16) -> str:
    """"all" -> ``all_label``; a segment number -> "N. name" on at most two lines."""
    if str(segment) == "all":
        return all_label
    number = int(segment)
    return wrap(f"{number}. {names.get(number, number)}", width)


def fit_lines(fig, texts, width: float, fontsize, lines: int = 2) -> list[str] | None:
    """Each of ``texts`` wrapped on the fewest lines (at most ``lines``) that are at most
    ``width`` pixels wide in ``fontsize``; None when some text does not fit."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    probe = Text(0, 0, "", fontsize=fontsize, figure=fig)
    out = []
    for text in texts:
        for way in wraps(text, lines):
            probe.set_text(way)
            if probe.get_window_extent(renderer).width <= width:
                out.append(way)
                break
        else:
            return None
    return out


def share_heatmap(grid, title: str, note: str, names: dict, all_label: str, language: str,
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
    ax.set_yticks(range(len(grid)), [wrap(row, 30) for row in grid.index], fontsize="small")
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
    ax.set_title(wrap(title, 70, lines=3))
    fig.canvas.draw()  # lay out, to know how wide a column is
    column = ax.get_window_extent().width / grid.shape[1]
    labels = [segment_label(c, names, all_label, 1000) for c in grid.columns]
    for size, lines in ((9, 2), (8.5, 2), (8.5, 3)):  # points: at most "small", at least readable in print
        fitted = fit_lines(fig, labels, column - 4 * fig.dpi / 72, size, lines)  # 4 points apart
        if fitted:
            ax.set_xticks(range(grid.shape[1]), fitted, fontsize=size)
            break
    else:  # too many segments for their names to stand upright
        ax.set_xticks(range(grid.shape[1]), [wrap(label, 26) for label in labels], fontsize="small",
                      rotation=35, ha="right", rotation_mode="anchor")
    caption(fig, note)
    return fig


def segment_grid(table, rows: str, value: str):
    """``table`` (long, with ``segment`` "all" or a number as text) as rows x segments, "all" first."""
    grid = table.pivot_table(index=rows, columns="segment", values=value, sort=False, dropna=False)
    order = ["all"] + sorted((c for c in grid.columns if c != "all"), key=int)
    return grid[[c for c in order if c in grid.columns]].loc[list(dict.fromkeys(table[rows]))]


def show(fig: Figure) -> None:
    """Display ``fig`` now, in a loop of a notebook cell, and close it (so it is not drawn twice)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)
