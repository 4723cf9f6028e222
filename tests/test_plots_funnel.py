"""The figures of 06_funnel on a small hand-made log: in both languages each has its
title and caption, draws what it is given, saves, and stays in its language."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from cjm.present.figures import funnel as chapter, style  # noqa: E402
from cjm.present.words import section  # noqa: E402
from cjm.analysis.funnel import directly_follows, funnel, lead_flows, lost_reasons, prepare_log, stage_times  # noqa: E402
from cjm.analysis.journeys import journeys_vs_segments  # noqa: E402
from test_funnel import STAGES, make_tables  # noqa: E402


@pytest.fixture(scope="module")
def log():
    events, deals = make_tables()
    return prepare_log(events, deals, STAGES, "D")


def figures(log, language):
    table = funnel(log).merge(stage_times(log)[["stage", "median_days"]], on="stage")
    journeys = pd.DataFrame({"client_id": list("abcdef"), "journey": [1, 1, 2, 2, 2, 1]})
    segments = pd.DataFrame({"client_id": list("abcdef"), "segment": [1, 2, 1, 2, 1, 2]})
    cross, _ = journeys_vs_segments(journeys, segments)
    return {
        "funnel_caption": chapter.plot_funnel(table, language),
        "reasons_caption": chapter.plot_lost_reasons(lost_reasons(log, missing="—"), language),
        "process_caption": chapter.plot_process_map(directly_follows(log), table, language),
        "sankey_caption": chapter.plot_lead_sankey(lead_flows(log), STAGES, language),
        "journeys_caption": chapter.plot_journeys_by_segment(cross, {1: "web", 2: "office"}, {1: "Young", 2: "Old"},
                                                           language),
    }


@pytest.mark.parametrize("language", ["ru", "en"])
def test_each_figure_has_its_title_and_caption_and_saves(log, language, tmp_path):
    style.use_house_style()
    for key, fig in figures(log, language).items():
        fig.canvas.draw()
        texts = [t.get_text() for t in fig.findobj(Text)]
        assert section(language, "figures")[key] in texts, key
        assert fig.axes[0].get_title(), key
        fig.savefig(tmp_path / f"{key}.png")
        assert (tmp_path / f"{key}.png").stat().st_size > 10_000
    plt.close("all")


def test_russian_figures_have_no_english_words(log):
    allowed = set(STAGES) | {"web", "office", "call", "price", "spam", "Young", "Old", "NPS"}
    for key, fig in figures(log, "ru").items():
        fig.canvas.draw()
        words = {w for t in fig.findobj(Text) for w in re.findall(r"[A-Za-z]+", t.get_text())}
        assert words <= allowed, (key, words - allowed)
    plt.close("all")


def test_funnel_bars_add_up_to_the_cases_reached(log):
    table = funnel(log).merge(stage_times(log)[["stage", "median_days"]], on="stage")
    fig = chapter.plot_funnel(table, "en")
    widths = {}
    for bar in fig.axes[0].patches:
        y = round(bar.get_y() + bar.get_height() / 2)
        widths[y] = widths.get(y, 0) + bar.get_width()
    assert [widths[y] for y in sorted(widths, reverse=True)] == table["reached"].tolist()
    plt.close("all")
