"""cjm.present.maps: the renderers, on the small hand-made model of tests/golden/journey_model.json."""

import json
from pathlib import Path

import matplotlib.image as mpimg
import openpyxl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from cjm.analysis.journey_model import from_dict
from cjm.present.maps import A3, layer_coverage, map_summary, render_html, render_poster, save_poster, write_maps_xlsx

GOLDEN = Path(__file__).parent / "golden" / "journey_model.json"


@pytest.fixture(scope="module")
def models():
    return [from_dict(d) for d in json.loads(GOLDEN.read_text(encoding="utf-8"))]


def test_poster_files_at_a3(models, tmp_path):
    png, svg, pdf = save_poster(models[0], tmp_path, "map_all", "ru")
    height, width = mpimg.imread(png).shape[:2]
    assert (width, height) == (int(A3[0] * 150), int(A3[1] * 150))  # A3 landscape at 150 dpi
    text = svg.read_text(encoding="utf-8")
    for shown in ("Все клиенты", "Высокий аванс (3)", "Дорого (20)", "Момент истины: 70\u00a0% веса в NPS",
                  "не заполнено", "узкое место: Выбор"):
        assert shown in text  # text kept as text, Cyrillic intact
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".*"))  # nothing half-written left behind
    again = save_poster(models[0], tmp_path / "again", "map_all", "ru")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in (png, svg, pdf)]  # same model, same bytes


def test_poster_wraps_long_text_inside_its_column(models):
    model = models[1]
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


def test_html_page(models):
    page = render_html(models[0], "ru", {"PNG": "map_all.png"})
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ru">' in page
    assert "<script" not in page
    assert 'class="bottleneck">Выбор</th>' in page
    assert 'title="источник: coded_fragments (interview, mystery); записей: 3 (documents)">Высокий аванс' in page
    assert "<q>Аванс 30%.</q>" in page
    assert '<a href="map_all.png">PNG</a>' in page
    assert "<polyline" in page  # the emotion curve
    assert "Рекомендации: барьеры по влиянию" in page and "Точки контакта" in page


def test_xlsx_read_back(models, tmp_path):
    path = write_maps_xlsx(models, tmp_path / "maps.xlsx", "ru")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Все клиенты", "1. Сайт → Сайт", "2. Через салон", "Рекомендации барьеры по влиянию",
                               "Точки контакта", "Данные карты"]
    sheet = book["Все клиенты"]
    assert [sheet.cell(4, j).value for j in (2, 3, 4)] == ["Выбор", "Оформление", "Обслуживание"]
    rows = {sheet.cell(i, 1).value: i for i in range(5, sheet.max_row + 1)}
    assert sheet.cell(rows["Барьеры"], 2).value == "Высокий аванс (3)\nДорого (20)\nНе дозвонились (10)"
    assert sheet.cell(rows["Ответственные"], 4).value == "не заполнено"
    assert sheet.cell(rows["Эмоции"], 2).value == "−0,25"
    recommendations = list(book["Рекомендации барьеры по влиянию"].values)
    assert recommendations[1][:4] == ("Все клиенты", 1, "Выбор", "Высокий аванс")
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
