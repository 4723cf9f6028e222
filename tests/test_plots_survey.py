"""The five figures of 04_survey on small hand-made tables: in both languages each has a
title, axis labels and its caption, draws what it is given, saves, and stays in its language."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from cjm.present.figures import style, survey  # noqa: E402
from cjm.present.words import section  # noqa: E402

NAMES = {1: "Дороже авто · высокий аванс", 2: "Дешевле авто · низкий аванс", 3: "Регионы"}
BY_SEGMENT = pd.DataFrame({"segment": [1, 2, 3], "segment_name": [NAMES[1], NAMES[2], NAMES[3]],
                           "n": [240, 91, 150], "nps": [39.6, 0.0, 18.0], "ci_low": [31.4, -14.5, 7.0],
                           "ci_high": [47.8, 14.5, 29.0]})
OVERALL = pd.DataFrame({"estimate": ["all respondents", "population (weighted by segment size)", "client's own NPS"],
                        "n": [500, 481, 2939], "nps": [24.5, 22.2, 56.2], "ci_low": [20.2, 18.2, 53.7],
                        "ci_high": [28.8, 26.2, 58.7]})
BY_MONTHS = pd.DataFrame({"band": ["0-5", "6-11", "12-17", "18+"], "n": [255, 242, 0, 259],
                          "nps": [41.6, 35.8, np.nan, -2.4], "ci_low": [32.0, 26.2, np.nan, -12.4],
                          "ci_high": [51.3, 45.3, np.nan, 7.5]})
TREND = {"n": 756, "per_month": -1.934, "ci_low": -2.424, "ci_high": -1.444, "p_value": 1e-14, "per_year": -23.21}
STAGES = ["Поиск и выбор", "Проверка и одобрение", "Обслуживание по договору", "Подписание договора",
          "Подбор автомобиля и расчёт", "Получение автомобиля"]  # the fifth is 26 characters long
GRID = pd.DataFrame({"driver": STAGES, "importance": [0.06, 0.21, 0.37, 0.05, 0.051, 0.049],
                     "performance": [4.01, 2.94, 3.72, 3.80, 3.66, 4.16],
                     "quadrant": ["maintain", "fix first", "keep up", "maintain", "watch", "maintain"]})
SEGMENTS = ["all", "1", "2", "3"]
OPTIONS = ["Бесплатное ТО", "Страховка КАСКО в подарок", "Зимние шины"]
SHARES = pd.DataFrame({"option": np.repeat(OPTIONS, 4), "segment": SEGMENTS * 3,
                       "share": [0.59, 0.57, 0.83, 0.5, 0.48, 0.45, 0.36, 0.5, 0.4, 0.62, 0.27, 0.3]})
CSAT = pd.DataFrame({"stage": np.repeat(STAGES, 4), "segment": SEGMENTS * len(STAGES),
                     "mean": np.linspace(2.8, 4.3, 4 * len(STAGES)),
                     "satisfied": np.linspace(0.23, 0.86, 4 * len(STAGES))})

FIGURES = {
    "segments": (lambda language: survey.plot_nps_by_segment(BY_SEGMENT, OVERALL, language), "segments_caption"),
    "months": (lambda language: survey.plot_nps_by_months(BY_MONTHS, TREND, 56.2, language), "months_caption"),
    "grid": (lambda language: survey.plot_importance_performance(GRID, language), "grid_caption"),
    "choices": (lambda language: survey.plot_choice_shares(SHARES, NAMES, language), "choice_caption"),
    "csat": (lambda language: survey.plot_csat_by_segment(CSAT, NAMES, language), "csat_caption"),
}
#: Latin words a Russian figure may show: the names of the metrics and of the statistics.
LATIN_IN_RUSSIAN = {"NPS", "CSAT", "n", "p"}


@pytest.fixture(autouse=True)
def _house_style():
    style.use_house_style()
    yield
    plt.close("all")


def _texts(fig: Figure) -> list[str]:
    fig.canvas.draw()  # tick labels are filled in at drawing
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_has_title_axis_labels_caption_and_saves(name, language, tmp_path):
    draw, caption_key = FIGURES[name]
    fig = draw(language)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title().strip()
    assert ax.get_xlabel().strip() and ax.get_ylabel().strip()
    note = section(language, "figures")[caption_key].format(satisfied_from=4)
    assert note in _texts(fig)
    assert fig.get_figwidth() <= 13
    fig.savefig(tmp_path / "figure.png")
    assert (tmp_path / "figure.png").stat().st_size > 15_000


@pytest.mark.parametrize("name", list(FIGURES))
def test_russian_figure_has_no_english_words(name):
    texts = _texts(FIGURES[name][0]("ru"))
    russian = section("ru", "figures")
    english = {w for key, w in section("en", "figures").items() if w != russian[key] and len(w) > 2}
    assert not english & set(texts)
    latin = {word for text in texts for word in re.findall(r"[A-Za-z]+", text)}
    assert latin <= LATIN_IN_RUSSIAN, latin


def test_nps_by_segment_draws_a_row_per_segment_and_the_references():
    fig = survey.plot_nps_by_segment(BY_SEGMENT, OVERALL, "ru")
    ax = fig.axes[0]
    points = ax.containers[0].lines[0]
    assert list(points.get_xdata()) == [18.0, 0.0, 39.6]  # the first segment on top
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "1. Дороже авто · высокий аванс (n = 240)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Клиентская база: 22", "NPS компании: 56"]
    low, high = ax.get_xlim()
    assert -100 - 5 <= low < -14.5 and 58 < high <= 100 + 5


def test_nps_by_segment_without_own_nps_draws_only_the_population():
    fig = survey.plot_nps_by_segment(BY_SEGMENT, OVERALL.iloc[:2], "en")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Client base: 22"]


@pytest.mark.parametrize("language, trend_text", [
    ("ru", "Тренд: −23 пункта в год\n(95% ДИ −29…−17; p <\u00a00,001)"),
    ("en", "Trend: −23 points a year\n(95% CI −29 to −17; p <\u00a00.001)")])
def test_nps_by_months_draws_the_bands_the_trend_and_own_nps(language, trend_text):
    fig = survey.plot_nps_by_months(BY_MONTHS, TREND, 56.2, language)
    ax = fig.axes[0]
    points = ax.containers[0].lines[0]
    assert len(points.get_xdata()) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0-5\nn = 255", "6-11\nn = 242", "12-17\nn = 0",
                                                            "18+\nn = 259"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["42", "36", "−2"])  # none for the empty band
    legend = ax.get_legend()
    assert legend.get_title().get_text() == trend_text
    assert any(t.get_text().endswith(": 56") for t in legend.get_texts())


def test_nps_by_months_without_trend_or_own_nps():
    trend = dict(TREND, per_year=np.nan)
    fig = survey.plot_nps_by_months(BY_MONTHS, trend, None, "en")
    legend = fig.axes[0].get_legend()
    assert not legend.get_title().get_text()
    assert [t.get_text() for t in legend.get_texts()] == ["NPS"]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_importance_performance_labels_every_stage_apart(language):
    fig = survey.plot_importance_performance(GRID, language)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == len(GRID)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text() in STAGES]
    assert sorted(t.get_text() for t in labels) == sorted(STAGES)
    quadrants = [t for t in ax.texts if t.get_text() in
                 {section(language, "figures")[q] for q in ("fix first", "keep up", "watch", "maintain")}]
    assert len(quadrants) == 4
    texts = labels + quadrants
    boxes = [Text.get_window_extent(t, renderer) for t in texts]  # the words, without leader lines
    frame = ax.get_window_extent(renderer)
    for i, box in enumerate(boxes):
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, texts[i].get_text()  # not cut
        assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, texts[i].get_text()
        assert not [t.get_text() for t, other in zip(texts[i + 1:], boxes[i + 1:]) if box.overlaps(other)], \
            texts[i].get_text()
    fix_first = ax.collections[0].get_facecolors()[1]
    assert matplotlib.colors.to_hex(fix_first) == survey.QUADRANT_COLOURS["fix first"].lower()
    assert any(line.get_ydata()[0] == pytest.approx(100 / len(GRID)) for line in ax.lines)  # the equal share


def test_choice_shares_puts_all_first_and_annotates_every_cell():
    fig = survey.plot_choice_shares(SHARES, NAMES, "ru", title="Какие подарки вам интересны?")
    ax = fig.axes[0]
    assert ax.get_title() == "Какие подарки вам интересны?"
    assert ax.images[0].get_array().shape == (len(OPTIONS), len(SEGMENTS))
    columns = [t.get_text() for t in ax.get_xticklabels()]
    assert columns[0] == "Все" and columns[1].startswith("1. Дороже авто")
    assert all(label.count("\n") <= 1 for label in columns)  # at most two lines
    assert [t.get_text() for t in ax.get_yticklabels()] == OPTIONS
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{v:.0%}".replace("%", "\u00a0%") for v in SHARES["share"])


def test_choice_shares_default_title_is_not_the_caption():
    fig = survey.plot_choice_shares(SHARES, NAMES, "en")
    assert fig.axes[0].get_title() == section("en", "figures")["choice_title"]


def test_csat_by_segment_keeps_the_stage_order():
    fig = survey.plot_csat_by_segment(CSAT, NAMES, "en", satisfied_from=4)
    ax = fig.axes[0]
    assert ax.images[0].get_array().shape == (len(STAGES), len(SEGMENTS))
    assert [t.get_text() for t in ax.get_yticklabels()] == STAGES
    assert len(ax.texts) == len(STAGES) * len(SEGMENTS)
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "All"
    assert any("ratings of 4 or more" in t for t in _texts(fig))
