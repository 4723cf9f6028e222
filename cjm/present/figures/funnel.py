"""Figures of 06_funnel: the funnel, lost reasons, the process graph, the lead journey, journeys by segment."""

from __future__ import annotations

from matplotlib.figure import Figure

from cjm.present.figures.style import PALETTE, caption, share_heatmap, wrap
from cjm.present.formats import format_count, format_number, format_percent
from cjm.present.words import section, value_word


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
    ax.set_yticks(y, [wrap(s, 24) for s in rows["stage"]])
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
            labels.append(wrap(value_word(row["reason"], language), 34))
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
        ax.text(i, 0, wrap(stage, 11), ha="center", va="center", fontsize="small", zorder=3,
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
        ax.text(x, y, wrap(str(node), 14), ha="center", va="center", fontsize="x-small", zorder=3,
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
        ax.text(k, total * 1.02, wrap(stage, 14), ha="center", va="bottom", fontsize="x-small")
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
    return share_heatmap(share, words["journeys_title"], words["journeys_caption"], segment_names,
                          words["all_respondents"], language, words["segment"], words["journey"])
