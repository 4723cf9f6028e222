"""cjm.present.maps: the renderers, on the small hand-made model of tests/golden/journey_model.json."""

import json
import re
from dataclasses import replace
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import openpyxl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.patches import FancyBboxPatch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from cjm.analysis.journey_model import Cell, Curve, from_dict
from cjm.core.params import CHANNEL_KINDS
from cjm.present.figures.icons import BOX, ICONS, icon_path, icon_svg
from cjm.present.figures.style import segment_colour
from cjm.present.maps import (A3, CURVE_COLOUR, POSTER, channel_kinds_shown, curve_colour, evidence_count,
                              layer_coverage, map_summary, map_title,
                              render_html, render_poster, save_figure, shown_items, write_maps_xlsx)
from cjm.present.narrative import labelled

GOLDEN = Path(__file__).parent / "golden" / "journey_model.json"


def golden():
    return [from_dict(d) for d in json.loads(GOLDEN.read_text(encoding="utf-8"))]


def save_poster(model, folder, stem):
    """A map's poster saved as 07 saves it (:func:`cjm.steps.maps.drawings`)."""
    return save_figure(render_poster(model, "ru"), folder, stem, map_title(model, "ru"), page=True)


@pytest.fixture(scope="module")
def models():
    return golden()


SEGMENT_CURVES = [Curve("1. Семьи с детьми, которые берут машину в лизинг впервые", [0.2, -0.5, None], [5, 5, 0]),
                  Curve("2. Таксисты", [-0.6, 0.1, None], [5, 5, 0])]


def with_segment_curves(model):
    model.curves = [*model.curves, *SEGMENT_CURVES]
    return model


def drawn(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_poster_files_at_a3(models, tmp_path):
    assert A3 == pytest.approx((420 / 25.4, 297 / 25.4))  # 420 x 297 mm, landscape
    png, svg, pdf = save_poster(models[0], tmp_path, "map_all")
    height, width = mpimg.imread(png).shape[:2]
    assert (width, height) == (2480, 1753)  # A3 at 150 dpi
    page = [float(v) for v in re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", pdf.read_bytes()).group(1).split()]
    assert page[:2] == [0, 0] and page[2:] == pytest.approx([1190.55, 841.89], abs=1)  # points
    try:
        import pypdf
    except ImportError:  # the page read from the bytes above is enough
        pypdf = None
    if pypdf is not None:
        box = pypdf.PdfReader(pdf).pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx((1190.55, 841.89), abs=1)
    text = svg.read_text(encoding="utf-8")
    assert re.search(r'<svg [^>]*width="1190\.55\d*pt" height="841\.88\d*pt"', text)
    for shown in ("Все клиенты", "Высокий аванс (3 упоминания)", "Дорого (20 сделок)", "Момент истины: 70\u00a0% веса в NPS",
                  "не заполнено", "узкое место: Выбор"):
        assert shown in text  # text kept as text, Cyrillic intact
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".*"))  # nothing half-written left behind
    again = save_poster(models[0], tmp_path / "again", "map_all")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in (png, svg, pdf)]  # same model, same bytes


def test_figures_drawn_in_two_processes_are_those_drawn_in_one(models, tmp_path):
    from cjm.steps.maps import drawings, save_drawings

    shown = drawings(models, "ru", ["Заявка", "Договор"])
    one, done = save_drawings(shown, tmp_path / "one", n_jobs=1, meanwhile=lambda: "done")
    two, _ = save_drawings(shown, tmp_path / "two", n_jobs=2)
    assert done == "done"  # what this process did meanwhile
    assert [[p.name for p in files] for files in two] == [[f"{stem}.{kind}" for kind in ("png", "svg", "pdf")]
                                                           for stem in ("map_all", "map_journey_1", "map_journey_2",
                                                                        "lead_journey")]
    assert [[p.read_bytes() for p in files] for files in two] == [[p.read_bytes() for p in files] for files in one]
    assert one[0][0].read_bytes() == save_poster(models[0], tmp_path, "map_all")[0].read_bytes()


def test_poster_wraps_long_text_inside_its_column():
    model = golden()[1]
    model.stage("Выбор").cells["goals"][0].text = "Очень длинная формулировка цели клиента " * 4
    fig = render_poster(model, "ru")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    columns = fig.get_size_inches()[0] * fig.dpi
    goal = next(t for t in fig.texts if t.get_text().startswith("Очень длинная"))
    box = goal.get_window_extent(renderer)
    assert box.width < columns / len(model.stages)  # stays within one stage column
    assert goal.get_text().count("\n") >= 2


def test_poster_segment_legend_has_an_area_of_its_own():
    model = with_segment_curves(golden()[1])
    fig = render_poster(model, "ru")
    renderer = drawn(fig)
    axes = {ax.get_label(): ax for ax in fig.axes}
    curve, strip = axes["emotion"], axes["legend"]
    assert not curve.get_position().overlaps(strip.get_position())  # figure coordinates
    assert strip.get_position().y1 <= curve.get_position().y0
    legend = strip.get_legend()
    shown = legend.get_window_extent(renderer)
    assert not shown.overlaps(curve.get_tightbbox(renderer))  # nor its text under the curve's tick labels
    assert strip.get_window_extent(renderer).padded(1).contains(shown.x0, shown.y0)
    assert strip.get_window_extent(renderer).padded(1).contains(shown.x1, shown.y1)
    assert [t.get_text().replace("\n", " ") for t in legend.get_texts()] == \
        ["все клиенты пути", *(c.label for c in SEGMENT_CURVES)]
    assert [to_rgb(h.get_color()) for h in legend.legend_handles] == [to_rgb(curve_colour(c)) for c in model.curves]
    assert "legend" not in {ax.get_label() for ax in render_poster(golden()[1], "ru").axes}  # one curve: none


def test_poster_curve_is_drawn_over_the_column_dividers():
    model = golden()[1]  # all clients' curve: −0.5 at Выбор, −1.0 at Оформление
    fig = render_poster(model, "ru")
    drawn(fig)
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255
    curve = next(ax for ax in fig.axes if ax.get_label() == "emotion")
    x, y = curve.transData.transform((1.0, -0.75))  # where the curve crosses the border of the first two stages
    row, column = int(round(pixels.shape[0] - y)), int(round(x))
    across = pixels[row - 3: row + 4, column]
    assert np.abs(across - to_rgb(CURVE_COLOUR)).sum(axis=1).min() < 0.15  # the curve's colour, not a white gap


DEMO_STAGES = ["Поиск и выбор", "Консультация", "Подбор авто и расчёт", "Сбор документов", "Проверка и одобрение",
               "Подписание договора", "Получение автомобиля", "Обслуживание по договору",
               "Проверка документов и одобрение заявки службой безопасности"]


def test_poster_stage_names_are_padded_inside_their_boxes():
    model = golden()[0]  # nine stages: the demo's names, then a very long one
    model.stages = [replace(model.stages[i % 3], name=name) for i, name in enumerate(DEMO_STAGES)]
    model.curves = [Curve("all", [0.1] * len(DEMO_STAGES), [3] * len(DEMO_STAGES))]
    model.bottleneck, model.low_point = DEMO_STAGES[2], DEMO_STAGES[4]
    fig = render_poster(model, "ru")
    renderer = drawn(fig)
    boxes = [a.get_window_extent(renderer) for a in fig.artists if isinstance(a, FancyBboxPatch)]
    assert len(boxes) == len(model.stages)
    pad = 0.08 * fig.dpi
    for stage, box in zip(model.stages, boxes):
        label = next(t for t in fig.texts if t.get_text().replace("\n", " ").rstrip("…") in stage.name
                     and t.get_ha() == "center")
        shown = label.get_window_extent(renderer)
        assert box.x0 + pad <= shown.x0 and shown.x1 <= box.x1 - pad, stage.name
        assert box.y0 < shown.y0 and shown.y1 < box.y1, stage.name


@pytest.mark.parametrize("index", [0, 1])
def test_poster_rows_fill_the_page_down_to_the_footer(index):
    model = with_segment_curves(golden()[index])
    fig = render_poster(model, "ru")
    renderer = drawn(fig)
    width, height = fig.get_size_inches()
    bands = [a for a in fig.artists if isinstance(a, Rectangle) and not isinstance(a, FancyBboxPatch)]
    bottom = min(a.get_y() for a in bands) * height  # inches above the page's bottom edge
    assert bottom == pytest.approx(POSTER["footer"], abs=0.02)  # no blank band above the footer
    footer = next(t for t in fig.texts if t.get_text().startswith("Источники"))
    shown = footer.get_window_extent(renderer)
    assert 0 < shown.y0 and shown.y1 < bottom * fig.dpi  # under the rows, on the page
    texts = [t.get_window_extent(renderer) for t in fig.texts]
    assert all(0 <= t.x0 and t.x1 <= width * fig.dpi and 0 <= t.y0 and t.y1 <= height * fig.dpi for t in texts)


def test_html_page(models):
    page = render_html(models[0], "ru", {"PNG": "map_all.png"})
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ru">' in page
    assert "<script" not in page
    assert 'class="bottleneck">Выбор</th>' in page
    assert 'title="источник: coded_fragments (interview, mystery); 3 упоминания">Высокий аванс' in page
    assert "<q>Аванс 30%.</q>" in page
    assert '<a href="map_all.png">PNG</a>' in page
    assert "<polyline" in page  # the emotion curve
    assert "Рекомендации: барьеры по влиянию" in page and "Точки контакта" in page
    assert 'class="legend"' not in page  # one curve: nothing to tell apart


@pytest.mark.parametrize("language, back, everyone", [("ru", "← Содержание", "все клиенты пути"),
                                                       ("en", "← Contents", "all clients of the journey")])
def test_html_page_has_the_curves_legend_and_a_link_back_to_the_contents(language, back, everyone):
    model = with_segment_curves(golden()[1])
    page = render_html(model, language, {"PNG": "map_journey_1.png"})
    assert f'<nav class="back"><a href="../index.html">{back}</a></nav>' in page
    legend = re.search(r'<ul class="legend"[^>]*>(.*?)</ul>', page).group(1)
    items = re.findall(r'<li><span class="swatch[^"]*" style="border-color: (#[0-9a-f]{6})"></span>([^<]*)</li>', legend)
    assert items == [(curve_colour(model.curves[0]), everyone), (curve_colour(SEGMENT_CURVES[0]), SEGMENT_CURVES[0].label),
                     (curve_colour(SEGMENT_CURVES[1]), SEGMENT_CURVES[1].label)]
    assert items[1][0] == segment_colour(1) and items[2][0] == segment_colour("2")  # the segments' own colours
    strokes = re.findall(r'<polyline fill="none" stroke="(#[0-9a-f]{6})"', page)
    assert strokes == [colour for colour, _ in items]  # the legend's colours are the curves' (and the poster's)
    assert '<li title="' in page  # every item keeps its evidence on hover


def test_xlsx_read_back(models, tmp_path):
    path = write_maps_xlsx(models, tmp_path / "maps.xlsx", "ru")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Все клиенты", "1. Сайт → Сайт", "2. Через салон", "Рекомендации барьеры по влиянию",
                               "Персоны сегменты на пути", "Точки контакта", "Данные карты"]
    sheet = book["Все клиенты"]
    assert [sheet.cell(4, j).value for j in (2, 3, 4)] == ["Выбор", "Оформление", "Обслуживание"]
    rows = {sheet.cell(i, 1).value: i for i in range(5, sheet.max_row + 1)}
    assert sheet.cell(rows["Барьеры"], 2).value == "Высокий аванс (3 упоминания)\nДорого (20 сделок)\nНе дозвонились (10 сделок)"
    assert sheet.cell(rows["Ответственные"], 4).value == "не заполнено"
    assert sheet.cell(rows["Эмоции"], 2).value == "−0,25"
    assert rows["Эмоции в словах клиентов"] == rows["Эмоции"] + 1  # the emotions row under the score
    assert sheet.cell(rows["Эмоции в словах клиентов"], 2).value == "Тревога (1 упоминание)"
    assert sheet.cell(rows["Возможности и решения"], 2).value == "Аванс от 10 % — Продажи; усилия: высокие"
    assert sheet.cell(rows["Возможности и решения"], 3).value == "действие не записано: Долго"
    recommendations = list(book["Рекомендации барьеры по влиянию"].values)
    assert recommendations[1][:7] == ("Все клиенты", 1, "Выбор", "Высокий аванс", "Продажи", "Аванс от 10 %",
                                      "высокие")
    assert recommendations[0][5:7] == ("Действие", "Усилия")
    personas = list(book["Персоны сегменты на пути"].values)
    assert personas[0][:5] == ("Путь клиента", "Сегмент", "Название", "Клиенты", "Доля")
    assert personas[1] == ("Все клиенты", "1", "Семьи", 5, 0.5, 80, 40, 100, 5,
                           "столица: 80\u00a0% против 50\u00a0%; моложе: возраст 35 против 40")
    evidence = list(book["Данные карты"].values)
    assert evidence[0][:6] == ("Путь", "Путь клиента", "Этап", "Слой карты", "Пункт", "Текст")  # the reader's headers
    conversion = next(row for row in evidence if row[2] == "Выбор" and row[3] == "конверсия")
    assert conversion[5] == "67\u00a0% переходят дальше"  # phrased as on the map


def test_summaries(models):
    summary = map_summary(models, "ru")
    assert summary["clients"].tolist() == [10, 6, 4] and summary["bottleneck"].tolist()[0] == "Выбор"
    coverage = layer_coverage(models, "ru").set_index("layer")
    assert coverage.loc["Барьеры", "Все клиенты"] == "2 / 3"  # customers' and CRM's at the two CRM stages
    assert coverage.loc["Ответственные", "Все клиенты"] == "2 / 3"


def test_a_segment_has_one_colour_whatever_names_it_and_none_is_the_whole_journeys_blue():
    from cjm.present.figures.style import PALETTE

    assert segment_colour(2) == segment_colour("2") == segment_colour("2. Таксисты") != segment_colour(1)
    assert segment_colour("Таксисты") == segment_colour("Таксисты")  # a name without a number: fixed by the name
    assert len({segment_colour(k) for k in range(1, 11)}) == 10
    assert PALETTE[0].lower() not in {segment_colour(k) for k in range(1, 11)} and CURVE_COLOUR not in \
        {segment_colour(k) for k in range(1, 11)}


@pytest.mark.parametrize("language, voice, crm, one", [("ru", "(12 упоминаний)", "(230 сделок)", "(1 упоминание)"),
                                                       ("en", "(12 mentions)", "(230 deals)", "(1 mention)")])
def test_counts_say_whether_they_are_mentions_or_deals(language, voice, crm, one):
    said = Cell("Высокий аванс", n=12, unit="documents")
    lost = Cell("Дорого", n=230, unit="deals")
    assert evidence_count(said, "barriers", language) == voice
    assert evidence_count(lost, "barriers", language) == crm
    assert evidence_count(Cell("x", n=1, unit="documents"), "pains", language) == one
    assert evidence_count(lost, "conversion", language) == ""  # not a layer of counted items
    assert evidence_count(Cell("Цель из параметров", source="params"), "goals", language) == ""
    model = golden()[0]
    model.stages[0].cells["barriers"] = [said, lost]
    page = render_html(model, language)
    assert f'<span class="n">{voice}</span>' in page and f'<span class="n">{crm}</span>' in page
    texts = [t.get_text() for t in render_poster(model, language).texts]
    assert any(f"Высокий аванс {voice}" in t for t in texts) and any(f"Дорого {crm}" in t for t in texts)


def with_touchpoints(model):
    """Touchpoints of four channel kinds at the first stage (one long enough to wrap), one at
    the second."""
    kinds = [("Сайт", "web"), ("Колл-центр с очень длинным названием линии поддержки", "phone"),
             ("WhatsApp", "messenger"), ("Дилер", "partner")]
    model.stages[0].cells["touchpoints"] = [Cell(text, "touchpoint", 0.1, 5, "fragments", "touchpoints",
                                                 detail={"online": kind == "web", "channel_kind": kind})
                                            for text, kind in kinds]
    model.stages[1].cells["touchpoints"] = [Cell("Офис", "touchpoint", 0.0, 2, "fragments", "touchpoints",
                                                 detail={"online": False, "channel_kind": "office"})]
    return model


def test_poster_draws_each_touchpoints_icon_before_its_text_inside_its_cell():
    model = with_touchpoints(golden()[0])
    fig = render_poster(model, "ru")
    renderer = drawn(fig)
    icons = [a for a in fig.artists if isinstance(a, PathPatch)]
    legend = channel_kinds_shown(model)
    assert legend == ["web", "phone", "messenger", "office", "partner"]
    assert len(icons) == 3 + 1 + len(legend)  # three items a cell at most: the dealer is left out
    items = [t for t in fig.texts if t.get_text().split(" (")[0].replace("\n", " ") in
             {"Сайт", "WhatsApp", "Офис"} or t.get_text().startswith("Колл-центр")]
    assert len(items) == 4
    legend_icons, row_icons = icons[:len(legend)], icons[len(legend):]  # the header's legend is drawn first
    for icon, item in zip(row_icons, items):  # in drawing order: icon, then its text
        box, text = icon.get_window_extent(renderer), item.get_window_extent(renderer)
        assert box.x1 < text.x0 and text.x0 - box.x1 < 0.8 * item.get_fontsize() * fig.dpi / 72  # just before it
        line = text.height / (item.get_text().count("\n") + 1)
        assert text.y1 - line <= box.y0 and box.y1 <= text.y1 + 1  # beside the item's first line
        em = item.get_fontsize() * fig.dpi / 72
        assert 0.7 * em <= box.height <= em  # scaled with the font (its strokes inside a box of one em)
    boxes = [t.get_window_extent(renderer) for t in items]
    assert all(a.y1 <= b.y0 or b.y1 <= a.y0 for a, b in zip(boxes, boxes[1:3]))  # items of a cell do not overlap
    assert items[1].get_text().count("\n") >= 1  # the long one wraps, in its column
    column = (A3[0] - POSTER["left"] - POSTER["label"] - POSTER["right"]) / len(model.stages) * fig.dpi
    assert all(t.x1 - boxes[0].x0 < column for t in boxes[:3])
    subtitle = next(t for t in fig.texts if "клиентов" in t.get_text()).get_window_extent(renderer)
    legend_boxes = [a.get_window_extent(renderer) for a in legend_icons]
    assert all(not b.overlaps(subtitle) and b.x1 <= fig.bbox.x1 for b in legend_boxes)
    names = [t.get_text() for t in fig.texts if t.get_text() in {"сайт и приложения", "телефон", "офис",
                                                                   "мессенджеры и SMS", "партнёры и дилеры"}]
    assert names == ["партнёры и дилеры", "офис", "мессенджеры и SMS", "телефон", "сайт и приложения"]


@pytest.mark.parametrize("language, office", [("ru", "офис"), ("en", "office")])
def test_html_page_puts_the_icon_before_each_touchpoint_and_a_legend_of_the_kinds(language, office):
    page = render_html(with_touchpoints(golden()[0]), language)
    cells = re.findall(r'<li title="[^"]*"><svg class="icon"[^>]*data-kind="(\w+)"><title>([^<]*)</title>', page)
    assert [kind for kind, _ in cells] == ["web", "phone", "messenger", "partner", "office"]
    assert cells[-1][1] == office  # the kind's name on hover
    legend = re.search(r'<ul class="kinds"[^>]*>(.*?)</ul>', page).group(1)
    assert re.findall(r'data-kind="(\w+)"', legend) == ["web", "phone", "messenger", "office", "partner"]
    assert page.index('class="kinds"') < page.index('<table class="map"')
    assert 'class="kinds"' not in render_html(golden()[2], language)  # no touchpoint: no legend


def test_one_definition_of_each_icon_for_the_poster_and_the_page():
    for kind in CHANNEL_KINDS:
        path, svg = icon_path(kind), icon_svg(kind)
        strokes = re.findall(r'<path d="([^"]*)"/>', svg)
        assert len(strokes) == sum(code == MplPath.MOVETO for code in path.codes) == len(ICONS[kind])
        points = [tuple(map(float, p.split())) for d in strokes for p in re.findall(r"[ML]([\d. -]+)", d)]
        drawn_points = [tuple(v) for v, code in zip(path.vertices, path.codes) if code != MplPath.CLOSEPOLY]
        assert np.ravel(points) == pytest.approx(np.ravel(drawn_points))
        assert all(0 <= c <= BOX for point in points for c in point)  # inside the icon's box


def test_the_evidence_table_names_each_touchpoints_channel_kind():
    table = shown_items([with_touchpoints(golden()[0])], "ru")
    points = table[table["layer"] == "touchpoints"]
    assert points.loc[points["stage"] == "Выбор", "channel_kind"].tolist() == ["сайт и приложения", "телефон",
                                                                                 "мессенджеры и SMS", "партнёры и дилеры"]
    assert labelled(table, "ru").columns.str.contains("Вид канала").any()


def test_text_widths_kept_are_read_back_not_measured_again_unless_the_fonts_differ(tmp_path, monkeypatch):
    from matplotlib.textpath import TextToPath

    from cjm.present import maps

    file, text = tmp_path / "text_widths.json", "Длинный срок · низкий аванс"
    monkeypatch.setattr(maps, "_WIDTHS", {})
    with maps.widths_kept(file):
        width = maps.text_width(text, 11, bold=True)
    measured, measure = [], TextToPath.get_text_width_height_descent
    monkeypatch.setattr(TextToPath, "get_text_width_height_descent",
                        lambda *args, **kwargs: (measured.append(args[1]), measure(*args, **kwargs))[1])
    monkeypatch.setattr(maps, "_WIDTHS", {})
    with maps.widths_kept(file):
        assert maps.text_width(text, 11, bold=True) == width and measured == []
    kept = json.loads(file.read_text(encoding="utf-8"))
    file.write_text(json.dumps({**kept, "fonts": "another matplotlib"}), encoding="utf-8")
    monkeypatch.setattr(maps, "_WIDTHS", {})
    with maps.widths_kept(file):
        assert maps.text_width(text, 11, bold=True) == width and measured == [text]
    with maps.widths_kept(file):
        maps.text_width("Регионы", 11)
    assert [row[0] for row in json.loads(file.read_text(encoding="utf-8"))["widths"]] == ["Регионы"]  # the last block's
