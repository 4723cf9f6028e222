"""Figures of 07_cjm: the journeys' emotion curves side by side."""

from __future__ import annotations

from matplotlib.figure import Figure

from cjm.present.figures.style import PALETTE, caption, decimal_axis, segment_colour
from cjm.present.words import section


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
        for label, curve in part.groupby("curve", sort=False):
            score = curve.set_index("stage")["score"].reindex(stages).to_numpy(dtype=float)
            main = label == "all"
            ax.plot(x, score, "-o", linewidth=2.4 if main else 1.1, markersize=6 if main else 3,
                    color=PALETTE[0] if main else segment_colour(label),
                    label=words["journey_clients"] if main else label, zorder=3 if main else 2)
            if main and np.isfinite(score).any():
                low = int(np.nanargmin(score))
                ax.plot([x[low]], [score[low]], "o", markersize=13, markerfacecolor="none",
                        markeredgecolor=PALETTE[3], markeredgewidth=2)
        ax.set_ylim(-1.2, 1.2)
        decimal_axis(ax.yaxis, language, 1)
        ax.set_title(titles.get(journey, journey), loc="left", fontsize="medium")
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes[-1, 0].set_xticks(x, [textwrap.fill(s, 14) for s in stages], fontsize="small")
    fig.supylabel(words["emotion_axis"])
    fig.suptitle(words["journey_emotions_title"])
    caption(fig, words["journey_emotions_caption"])
    return fig
