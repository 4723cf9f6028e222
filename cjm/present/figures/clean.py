"""Figures of 02_clean: who is in scope."""

from __future__ import annotations

from matplotlib.figure import Figure

from cjm.present.figures.style import PALETTE, caption
from cjm.present.formats import format_count
from cjm.present.words import section, value_word


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
