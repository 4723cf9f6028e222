"""Figures of 04_survey and 05_interviews on small hand-made tables: titles, labels, captions, what is drawn, both languages."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cjm.present.figures import clean, style, survey, voice  # noqa: E402
from cjm.present.words import section  # noqa: E402

NAMES = {1: "Молодые", 2: "Семьи"}
BY_SEGMENT = pd.DataFrame({"segment": [1, 2], "segment_name": ["Молодые", "Семьи"], "n": [120, 80],
                           "nps": [10.0, 35.0], "ci_low": [-3.0, 20.0], "ci_high": [23.0, 50.0]})
OVERALL = pd.DataFrame({"estimate": ["population (weighted by segment size)", "client's own NPS"], "nps": [20.0, 56.0]})
BY_MONTHS = pd.DataFrame({"band": ["0-11", "12+"], "n": [100, 90], "nps": [40.0, 5.0], "ci_low": [30.0, -6.0],
                          "ci_high": [50.0, 16.0]})
TREND = {"per_year": -23.0, "ci_low": -2.4, "ci_high": -1.4}
GRID = pd.DataFrame({"driver": ["Обслуживание", "Одобрение", "Консультация", "Выдача"],
                     "importance": [0.45, 0.3, 0.15, 0.1], "performance": [3.7, 2.9, 3.9, 4.3],
                     "quadrant": ["keep up", "fix first", "maintain", "maintain"]})
SHARES = pd.DataFrame({"option": ["ТО", "ТО", "ТО", "Шины", "Шины", "Шины"], "segment": ["all", "1", "2"] * 2,
                       "share": [0.6, 0.7, 0.5, 0.4, 0.3, 0.5]})
CSAT = SHARES.rename(columns={"option": "stage", "share": "satisfied"})
EMOTIONS = pd.DataFrame({"stage": ["Поиск", "Одобрение", "Выдача"], "score": [0.1, -0.8, 0.9], "fragments": [5, 9, 4]})
CODES = pd.DataFrame({"code": ["Тревога"] * 3 + ["Сайт"] * 3, "segment": ["all", "1", "2"] * 2,
                      "share": [0.2, 0.3, 0.1, 0.1, 0.05, 0.15], "documents": [4, 3, 1, 2, 1, 1]})

FIGURES = {
    "segments": lambda language: survey.plot_nps_by_segment(BY_SEGMENT, OVERALL, language),
    "months": lambda language: survey.plot_nps_by_months(BY_MONTHS, TREND, 56.0, language),
    "grid": lambda language: survey.plot_importance_performance(GRID, language),
    "choices": lambda language: survey.plot_choice_shares(SHARES, NAMES, language, title="Подарки"),
    "csat": lambda language: survey.plot_csat_by_segment(CSAT, NAMES, language),
    "emotions": lambda language: voice.plot_emotion_curve(EMOTIONS, language),
    "codes": lambda language: voice.plot_codes_by_segment(CODES, NAMES, language),
}


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("name", list(FIGURES))
def test_each_figure_has_title_labels_caption_and_saves(name, language, tmp_path):
    style.use_house_style()
    fig = FIGURES[name](language)
    ax = fig.axes[0]
    assert ax.get_title() and (ax.get_xlabel() or ax.get_xticklabels())
    texts = _texts(fig)
    assert any(len(t) > 40 and t.endswith((".", ").")) for t in texts), texts  # the caption
    fig.savefig(tmp_path / "figure.png")
    assert (tmp_path / "figure.png").stat().st_size > 10_000
    if language == "ru":
        russian, english = section("ru", "figures"), section("en", "figures")
        english = {w for key, w in english.items() if w != russian[key] and len(w) > 3}
        assert not english & set(texts)
    matplotlib.pyplot.close(fig)


def test_nps_by_segment_draws_each_segment_and_both_references():
    fig = survey.plot_nps_by_segment(BY_SEGMENT, OVERALL, "en")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2. Семьи (n = 80)", "1. Молодые (n = 120)"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Client base: 20", "Company's own NPS: 56"]


def test_heatmaps_put_all_first_then_segments_and_write_percentages():
    fig = survey.plot_choice_shares(SHARES, NAMES, "ru")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Все", "1. Молодые", "2. Семьи"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ТО", "Шины"]
    shown = [f"{share}\u00a0%" for share in (60, 70, 50, 40, 30, 50)]  # Russian puts a no-break space before %
    assert sorted(t.get_text() for t in ax.texts) == sorted(shown)


def test_importance_performance_names_every_stage_and_quadrant():
    fig = survey.plot_importance_performance(GRID, "ru")
    texts = _texts(fig)
    assert set(GRID["driver"]) <= set(texts)
    assert {"исправлять в первую очередь", "поддерживать", "наблюдать", "не наращивать"} <= set(texts)


def test_emotion_curve_marks_the_low_point():
    fig = voice.plot_emotion_curve(EMOTIONS, "en")
    ax = fig.axes[0]
    low = [line for line in ax.lines if line.get_color() == style.PALETTE[3]][0]
    assert list(low.get_xdata()) == [1] and list(low.get_ydata()) == [-0.8]
    assert [t.get_text() for t in ax.get_yticklabels()] and ax.get_ylim() == (-1.3, 1.3)


def test_russian_figures_write_numbers_with_a_decimal_comma_and_spaced_thousands():
    waterfall = pd.DataFrame({"rule": ["test_clients", "in_scope"], "label": ["Тестовые", "В исследовании"],
                              "clients": [1200, 2483], "deals": [3000, 5000], "clients_left": [2483, 2483]})
    texts = _texts(clean.plot_waterfall(waterfall, "ru"))
    assert "3\u00a0683 (8\u00a0000 сделок)" in texts and "1\u00a0200 (3\u00a0000 сделок)" in texts
    fig = voice.plot_emotion_curve(EMOTIONS, "ru")
    assert [t.get_text() for t in fig.axes[0].texts] == ["+0,10\nn = 5", "\u22120,80\nn = 9", "+0,90\nn = 4"]
    fig.canvas.draw()
    assert "\u22121,0" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    matplotlib.pyplot.close("all")
