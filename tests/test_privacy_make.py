"""Personal data planted in a small demo engagement (scale 0.1) never reaches interim/ or
outputs/: sentences of the labelled corpus (tests/pii_corpus.py) written into every
free-text column, into a survey column declared not personal and into the interview
transcripts; ``make all`` runs, the leak check passes, and a scan that shares no code with
the leak check reads every file written and finds none of the planted values."""

import html
import pickle
import re
import subprocess
import zipfile

import docx
import numpy as np
import openpyxl
import pandas as pd
import pii_corpus
import pytest
from PIL import Image

from demo.engagement import generate
from cjm.core.paths import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("privacy")]

NAME = "privacy"
#: Exports and their free-text columns: (file, sheet or None for a cp1251 CSV, column).
FIELDS = [
    ("crm_deals.csv", None, "Комментарий менеджера"),
    ("crm_activities.csv", None, "Описание"),
    ("crm_clients.xlsx", "Контрагенты", "Примечание"),
    ("crm_lost_reasons.xlsx", "Отказы", "Комментарий"),
    ("survey_export.xlsx", None, "Комментарий"),
    ("survey_export.xlsx", None, "Как вы узнали о нас?"),  # declared not personal: `keep`
    ("mystery_shopper.xlsx", None, "Наблюдение"),
]
PER_FIELD = 12


def _sentences():
    """Sentences with planted values that a cp1251 export can hold, in corpus order."""
    for sentence in pii_corpus.corpus():
        if sentence.planted:
            try:
                sentence.text.encode("cp1251")
            except UnicodeEncodeError:
                continue
            yield sentence


def plant(raw):
    """Write corpus sentences into the raw exports; returns the sentences planted."""
    sentences, planted = _sentences(), []

    def take(prefix=""):
        sentence = next(sentences)
        planted.append(sentence)
        return prefix + sentence.text

    for file, sheet, column in FIELDS:
        prefix = "Другое: " if column.startswith("Как вы") else ""
        path = raw / file
        if sheet is None and path.suffix == ".csv":
            frame = pd.read_csv(path, sep=";", encoding="cp1251", dtype=str, keep_default_na=False)
            for row in np.linspace(0, len(frame) - 1, PER_FIELD).astype(int):
                frame.loc[row, column] = take(prefix)
            frame.to_csv(path, sep=";", encoding="cp1251", index=False)
            continue
        book = openpyxl.load_workbook(path)
        sheet_ = book[sheet] if sheet else book.active
        col = [c.value for c in sheet_[1]].index(column) + 1
        for row in np.linspace(2, sheet_.max_row, PER_FIELD).astype(int):
            sheet_.cell(row=int(row), column=col, value=take(prefix))
        book.save(path)
    for path in sorted((raw / "interviews").glob("interview_*")):
        lines = [f"Респондент: {take()}" for _ in range(3)]
        if path.suffix == ".txt":
            path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
        elif path.suffix == ".docx":
            document = docx.Document(path)
            for line in lines:
                document.add_paragraph(line)
            document.save(path)
    return planted


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp(NAME)
    generate(NAME, scale=0.1, root=root)
    params = (PROJECT_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")
    params = re.sub(r"(?m)^demo:.*\n", "", params).replace("engagement: demo", f"engagement: {NAME}")
    (root / "params").mkdir()
    (root / "params" / f"{NAME}.yaml").write_text(params, encoding="utf-8")
    planted = plant(root / "data" / NAME / "raw")
    process = subprocess.run(["make", "-C", str(PROJECT_ROOT), "all", f"ENGAGEMENT={NAME}", f"ROOT={root}"],
                             capture_output=True, text=True)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    return root, planted


# ----------------------------------------------------------------------------- an independent scan
def file_text(path) -> str:
    """Every string a file holds, read without cjm: tables' cells, archives' XML, images'
    text chunks, PDF text, pickled objects, text files as they are."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        return "\n".join(map(str, [*frame.columns, *frame.to_numpy().ravel()]))
    if suffix in (".xlsx", ".docx", ".pptx"):
        with zipfile.ZipFile(path) as archive:
            return html.unescape(" ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()))
    if suffix == ".png":
        with Image.open(path) as image:
            return " ".join(f"{k} {v}" for k, v in image.text.items())
    if suffix == ".pdf":
        import pypdf

        return " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    if suffix in (".pickle", ".pkl"):
        with open(path, "rb") as f:
            return repr(pickle.load(f))
    return path.read_bytes().decode("utf-8", "replace")


def value_patterns(value: pii_corpus.Planted) -> list[str]:
    """Regexes (case-insensitive) of what must not be left of a planted value: numbers of 5+
    characters with any separators between their characters, words whole; a short number
    (a house, a passport series) only beside the value's other piece (ул. Советская, 5)."""
    long = [c for c in value.core if not _short_number(c)]
    short = [c for c in value.core if _short_number(c)]
    patterns = [_number(c) if any(ch.isdigit() for ch in c) else _word(c) for c in long]
    return patterns + [rf"{_word(long[-1])}[^\n]{{0,25}}?{_word(c)}|{_word(c)}[^\n]{{0,25}}?{_word(long[-1])}"
                       for c in short]


def _short_number(core: str) -> bool:
    return any(ch.isdigit() for ch in core) and len(core) < 5


def _number(core: str) -> str:
    return r"(?<![0-9A-Za-z])" + _SEPARATORS.join(map(re.escape, core)) + r"(?![0-9])"


def _word(core: str) -> str:
    return rf"(?<!\w){re.escape(core)}(?!\w)"


_SEPARATORS = r"[\s\-().№/]{0,3}"


def found_in(folder, planted) -> dict[str, list[str]]:
    """Files of ``folder`` that hold a piece of a planted value, and the pieces. A regex runs
    on a file only where a fast test says it may: a number's characters are in the text with
    separators removed, or a piece's words are among the text's words."""
    values = [v for s in planted for v in s.planted]
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = file_text(path).casefold()
        words = set(re.findall(r"\w+", text))
        squashed = re.sub(r"[\s\-().№/]+", "", text)
        hits = set()
        for value in values:
            if any(re.sub(r"[\s\-().№/]+", "", core) in squashed if any(c.isdigit() for c in core)
                   else all(w in words for w in re.findall(r"\w+", core))
                   for core in map(str.casefold, value.core) if not _short_number(core)):
                hits |= {m.group() for p in value_patterns(value) for m in re.finditer(p, text, re.IGNORECASE)}
        if hits:
            found[str(path.relative_to(folder))] = sorted(hits)
    return found


def test_planted_values_are_in_the_raw_exports(world):
    """The scan can fail: it finds the planted values in every export they were planted in."""
    root, planted = world
    raw = root / "data" / NAME / "raw"
    transcripts = len(list((raw / "interviews").glob("interview_*")))
    assert len(planted) == len(FIELDS) * PER_FIELD + 3 * transcripts
    assert sum(len(s.planted) for s in planted) >= 150
    assert {p.kind for s in planted for p in s.planted} == set(pii_corpus.KINDS)
    missing = [(s.text, p) for s in planted for p in s.planted
               if not all(re.search(x, s.text, re.IGNORECASE) for x in value_patterns(p))]
    assert not missing
    holding = set(found_in(raw, planted))
    assert {file for file, *_ in FIELDS} <= holding
    assert sum(name.startswith("interviews/interview_") for name in holding) == transcripts


def test_make_all_passes_the_leak_check(world):
    root, _ = world
    assert (root / "outputs" / NAME / ".leak-check").exists()


@pytest.mark.parametrize("folder", ["outputs", "interim"])
def test_no_planted_value_anywhere(world, folder):
    root, planted = world
    where = root / "outputs" / NAME if folder == "outputs" else root / "data" / NAME / "interim"
    assert sum(1 for p in where.rglob("*") if p.is_file()) > 20
    assert not found_in(where, planted)


def test_planted_texts_are_scrubbed_not_dropped(world):
    """The free texts go on, with placeholders where the personal values were."""
    root, planted = world
    anonymized = root / "data" / NAME / "interim" / "anonymized"
    text = "\n".join(file_text(p) for p in anonymized.rglob("*") if p.is_file())
    placeholders = len(re.findall(r"\[(?:имя|телефон|email|ник|адрес|паспорт|личный номер|номер документа|"
                                  r"номер карты|IBAN|госномер)\]", text))
    assert placeholders >= sum(len(s.planted) for s in planted)
    assert "Другое: " in text  # the kept survey answers are kept, scrubbed
