"""Figures of 03_segment: how many segments, how they differ, where they lie."""

from __future__ import annotations

from matplotlib.figure import Figure

from cjm.present.figures.style import PALETTE, caption, decimal_axis, segment_colour
from cjm.present.formats import format_number
from cjm.present.words import section


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
        decimal_axis(ax.yaxis, language, None)
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
    fig, ax = plt.subplots(figsize=(9, 6.5))
    for segment in sorted(set(segments)):
        here = segments == segment
        ax.scatter(points[here, 0], points[here, 1], s=6, alpha=0.5, color=segment_colour(segment),
                   label=f"{segment}. {names.get(segment, segment)}")
    decimal_axis(ax.xaxis, language, None)
    decimal_axis(ax.yaxis, language, None)
    ax.set_xlabel(f"{words['component']} 1")
    ax.set_ylabel(f"{words['component']} 2")
    ax.legend(markerscale=3, fontsize="small", loc="center left", bbox_to_anchor=(1, 0.5))
    ax.set_title(words["projection_title"])
    caption(fig, words["projection_caption"])
    return fig
