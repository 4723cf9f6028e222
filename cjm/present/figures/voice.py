"""Figures of 05_interviews: emotions by stage, codes by segment."""

from __future__ import annotations

from matplotlib.figure import Figure

from cjm.present.figures.style import PALETTE, caption, decimal_axis, segment_grid, share_heatmap
from cjm.present.formats import format_number
from cjm.present.words import section


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
    decimal_axis(ax.yaxis, language, 1)
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
    grid = segment_grid(shown, "code", "share").loc[overall["code"]]
    return share_heatmap(grid, words["codes_title"], words["codes_caption"], names, words["all_respondents"],
                          language, vmax=max(0.05, float(grid.max().max())))
