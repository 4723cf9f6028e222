"""What a client reads is in the engagement's language: the small demo (scale 0.1) made in
Russian and in English by ``make all``; every HTML chapter, workbook sheet, poster SVG and the
deck's slides are read as the client sees it (visible text only), and holds no internal name, no Latin
word in Russian beyond the allowed ones, no count shown as a percentage above 100, and
numbers in the language's format."""

import html
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from cjm.core.schemas import TABLES
from cjm.privacy.leaks import documents, find_leaks

pytestmark = pytest.mark.slow
LANGUAGES = ("ru", "en")
#: Latin words a Russian report may hold: units, file formats and the names of methods (each
#: said in plain words where it is used).
ALLOWED_LATIN = {"NPS", "CSAT", "KPI", "CRM", "PNG", "SVG", "PDF", "HTML", "CSV", "XLSX", "JSON", "Excel",
                 "Power", "PowerPoint", "BI", "n", "k", "p", "d", "h", "H", "V", "CI", "vs", "HMAC", "LMG", "BIC"}
#: Headers of tables whose percentages may pass 100: a share of the plan, not of a whole.
OVER_100 = {"ru": {"Выполнение плана"}, "en": {"Share of plan"}}
#: snake_case words: column names, codes and keys of the catalogue.
SNAKE = re.compile(r"(?<![\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w(])(?!\.\w)")
LATIN = re.compile(r"(?<![\w.@/'«“-])[A-Za-z][A-Za-z'’-]*(?![\w.@/])")
PERCENT = re.compile(r"(?<![\d.,\u00a0\u202f])(\d{1,3}(?:[\u00a0\u202f]\d{3})*|\d+)(?:[.,]\d+)?[\u00a0\u202f]?%")
#: A decimal point in Russian (not a date or a version: digits on both sides, one dot).
RU_DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")
EN_DECIMAL_COMMA = re.compile(r"(?<![\d,])\d+,\d{1,2}(?![\d,])")


@pytest.fixture(scope="module", params=[pytest.param(lang, marks=pytest.mark.xdist_group(f"report_{lang}"))
                                        for lang in LANGUAGES])
def report(request, small_demo):
    language = request.param
    folder = small_demo(language) / "outputs" / f"demo_{language}" / "report"
    interim = folder.parents[2] / "data" / f"demo_{language}" / "interim"
    data_words = set()  # words of the client's own data (stage names, brands) in its tables are theirs to keep
    for path in (interim / f"{table}.parquet" for table in TABLES if (interim / f"{table}.parquet").exists()):
        frame = pd.read_parquet(path)
        for column in frame.select_dtypes(exclude="number").columns:
            for value in frame[column].dropna().astype(str).unique()[:5000]:
                data_words.update(LATIN.findall(value), SNAKE.findall(value))
    def strings(node):  # the client's own column names and labels in the params (values, not keys)
        if isinstance(node, dict):
            return [s for v in node.values() for s in strings(v)]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return [node] if isinstance(node, str) else []

    params = yaml.safe_load((folder.parents[2] / "params" / f"demo_{language}.yaml").read_text(encoding="utf-8"))
    for value in strings(params):
        data_words.update(LATIN.findall(value), SNAKE.findall(value))
    return language, folder, data_words


def _visible_html(path: Path) -> str:
    return _visible(path.read_text(encoding="utf-8"))


def _visible(text: str) -> str:
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    return html.unescape(text)


def _svg_text(path: Path) -> str:
    return html.unescape(" ".join(re.findall(r"(?s)<text\b[^>]*>(.*?)</text>", path.read_text(encoding="utf-8"))))


def _xlsx_text(path: Path) -> dict[str, str]:
    book = openpyxl.load_workbook(path, read_only=True)
    shown = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = [str(v) for v in (rows[0] if rows else []) if v is not None]
        strings = [str(v) for row in rows[1:] for v in row if isinstance(v, (str, bool))]
        shown[f"{path.name}[{sheet.title}]"] = " ".join([sheet.title, *header, *strings])
    return shown


def client_texts(folder: Path) -> dict[str, str]:
    """File (and sheet) -> the text the client reads there."""
    texts = {str(p.relative_to(folder)): _visible_html(p) for p in sorted(folder.rglob("*.html"))}
    texts |= {str(p.relative_to(folder)): _svg_text(p) for p in sorted(folder.rglob("*.svg"))}
    for path in sorted(folder.glob("*.xlsx")):
        texts |= _xlsx_text(path)
    texts |= {path.name: "\n".join(text for text, _ in documents(path)) for path in sorted(folder.glob("*.pptx"))}
    return texts


def _found(pattern: re.Pattern, texts: dict[str, str], keep=lambda m: True) -> dict[str, list[str]]:
    found = {}
    for where, text in texts.items():
        hits = sorted({m.group(0) for m in pattern.finditer(text) if keep(m)})
        if hits:
            found[where] = hits[:12]
    return found


def test_the_report_has_chapters_maps_and_workbooks(report):
    _, folder, _ = report
    texts = client_texts(folder)
    assert sum(name.endswith(".html") for name in texts) >= 9
    assert any(name.endswith(".svg") for name in texts) and any(".xlsx[" in name for name in texts)


def test_no_internal_name(report):
    _, folder, data_words = report
    assert _found(SNAKE, client_texts(folder), lambda m: m.group(0) not in data_words) == {}


def test_russian_holds_latin_words_only_where_allowed(report):
    language, folder, data_words = report
    if language != "ru":
        pytest.skip("an English report is Latin")
    allowed = ALLOWED_LATIN | data_words  # and acronyms and units in capitals (BYN, ID)
    assert _found(LATIN, client_texts(folder), lambda m: m.group(0) not in allowed and not (
        m.group(0).isupper() and len(m.group(0)) <= 5)) == {}


def _over_100(text: str) -> list[str]:
    return [m.group(0) for m in PERCENT.finditer(text) if int(re.sub(r"\D", "", m.group(1)) or 0) > 100]


def test_no_count_shown_as_a_percentage_above_100(report):
    language, folder, _ = report
    over = {}
    for path in sorted(folder.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        tables = pd.read_html(io.StringIO(page)) if "<table" in page else []
        for table in tables:
            for position, header in enumerate(table.columns):
                name = " ".join(map(str, header)) if isinstance(header, tuple) else str(header)
                if name not in OVER_100[language]:
                    over.update({f"{path.name}: {name}": hits for v in table.iloc[:, position].map(str)
                                 if (hits := _over_100(v))})
        prose = re.sub(r"(?s)<table\b.*?</table>", " ", page)
        over.update({f"{path.name}: text": hits for hits in [_over_100(_visible(prose))] if hits})
    for where, text in client_texts(folder).items():
        if ".xlsx[" in where:
            over.update({where: hits for hits in [_over_100(text)] if hits})
    assert over == {}


def test_the_deck_has_a_slide_per_segment_and_map_and_passed_the_leak_check(report):
    from pptx import Presentation

    from cjm.present.maps import from_json

    language, folder, _ = report
    root, name = folder.parents[2], f"demo_{language}"
    deck = Presentation(str(folder / "deck.pptx"))
    segments = len(pd.read_parquet(root / "data" / name / "interim" / "segment_profiles.parquet")) - 1  # but "all"
    maps = len(from_json(folder / "journey_model.json"))
    assert segments >= 2 and maps >= 2
    # title, summary, one per segment, NPS, funnel, one per map, what to change first
    assert len(deck.slides) == 5 + segments + maps
    found = find_leaks(name, root)
    assert found.empty and f"outputs/{name}/report/deck.pptx" not in found.attrs["skipped"]


def test_numbers_in_the_language_format(report):
    language, folder, _ = report
    pattern = RU_DECIMAL_POINT if language == "ru" else EN_DECIMAL_COMMA
    assert _found(pattern, client_texts(folder)) == {}


def test_booleans_are_words_of_the_language(report):
    language, folder, _ = report
    for path in folder.glob("*.xlsx"):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    assert 't="b"' not in archive.read(name).decode("utf-8"), f"{path.name}: {name} has TRUE/FALSE"
