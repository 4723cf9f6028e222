"""What the client reads: no instruction meant for the consultant (those are consultant
notes, section ``consultant``), and every method term explained where a chapter first uses it."""

import re
from collections.abc import Mapping

import nbformat
import pytest

from cjm.core.params import SECTIONS, SHARED_KEYS
from cjm.core.paths import PROJECT_ROOT
from cjm.present.narrative import CHAPTER_TERMS, terms
from cjm.present.words import catalogue, languages

#: Sections of a catalogue the client never reads.
CONSULTANT_SECTIONS = ("consultant",)
#: A params key or a code name in backticks (`interviews.codebook`, `survey.months`, `cjm.analysis…`);
#: a file the client gets (`funnel.xlsx`, `maps/`) is no such key.
PARAMS_KEY = re.compile(rf"`(?:{'|'.join((*SECTIONS, *SHARED_KEYS, 'cjm'))})"
                        r"(?:\.(?!(?:xlsx|json|csv|html|png|pdf|svg)`)[\w<>]+)*[`:\s]")
#: Talk of the params, which the client never sees (a passage says what was done, not where it is set).
PARAMS_WORD = re.compile(r"параметр|\bparam(?:s|eter)", re.IGNORECASE)
#: Instructions: imperatives and "can be set" turns telling someone to change and rerun something.
INSTRUCTIONS = {
    "ru": re.compile(r"(?<!\w)(?:разметьте|перезапустите|запустите|добавьте|укажите|задайте|пересмотрите|"
                     r"проверьте|исправьте|сопоставьте|опишите|настройте|выберите|можно задать|стоит пересмотреть|"
                     r"следует (?:задать|указать|добавить|пересмотреть)|make all)(?!\w)", re.IGNORECASE),
    "en": re.compile(r"\b(?:rerun|re-run|revisit|specify|declare|configure|make sure|make all|mark them|"
                     r"add (?:it|them)|set (?:it|them)|can be (?:given|set)|should be (?:set|given|added))\b",
                     re.IGNORECASE),
}


def _client_words(language: str):
    """(section, key, text) of every word of ``language`` a client can read."""
    def walk(tree, path):
        for key, value in tree.items():
            if isinstance(value, Mapping):
                yield from walk(value, (*path, key))
            elif isinstance(value, str):
                yield path[0], ".".join(map(str, (*path[1:], key))), value
    for name, tree in catalogue(language).items():
        if name not in CONSULTANT_SECTIONS:
            yield from walk(tree, (name,))


@pytest.mark.parametrize("language", languages())
def test_no_client_word_tells_the_consultant_what_to_do(language):
    found = [(name, key, text) for name, key, text in _client_words(language)
             if PARAMS_KEY.search(text) or INSTRUCTIONS[language].search(text)
             or PARAMS_WORD.search(text)]
    assert not found, "\n".join(f"{name}.{key}: {text}" for name, key, text in found)


@pytest.mark.parametrize("language", languages())
def test_the_consultants_notes_are_instructions_the_checks_know(language):
    """Each note says what to do in words :data:`INSTRUCTIONS` catch: the same words in a
    client passage would be caught too."""
    notes = {key: text for key, text in catalogue(language)["consultant"].items() if key != "label"}
    assert notes and all(INSTRUCTIONS[language].search(text) or PARAMS_KEY.search(text) for text in notes.values())


#: The method terms a client meets, as each language writes them in the chapters' words.
METHOD_TERMS = {
    "pseudonym": (r"HMAC", r"HMAC"),
    "k_anonymity": (r"k-анонимн", r"k-anonymity"),
    "median": (r"медиан", r"\bmedian"),
    "inertia": (r"инерци|локот", r"inertia|elbow"),
    "silhouette": (r"силуэт", r"silhouette"),
    "calinski_harabasz": (r"Калински", r"Calinski"),
    "davies_bouldin": (r"Дэвис", r"Davies"),
    "stability": (r"устойчивост", r"stabilit"),
    "adjusted_rand": (r"Рэнда", r"\bRand\b"),
    "effect_size": (r"размер эффекта|Коэна", r"effect size|Cohen"),
    "principal_components": (r"главн\w* компонент", r"principal component"),
    "nps": (r"\bNPS\b", r"\bNPS\b"),
    "csat": (r"\bCSAT\b", r"\bCSAT\b"),
    "confidence_interval": (r"доверительн|\bДИ\b|интервал", r"confidence interval|\bCI\b|intervals?\b"),
    "p_value": (r"(?<![\w-])p(?![\w-])", r"(?<![\w-])p(?![\w-])"),
    "holm": (r"Холм", r"Holm"),
    "chi_square": (r"хи-квадрат", r"chi-square"),
    "cramers_v": (r"Крамер", r"Cramér"),
    "kruskal_wallis": (r"Краскел", r"Kruskal"),
    "relative_importance": (r"Шепли|LMG", r"Shapley|LMG"),
    "bootstrap": (r"бутстреп", r"bootstrap"),
    "wilson": (r"Уилсон", r"Wilson"),
    "regression": (r"регресси", r"regression"),
    "codebook": (r"кодов\w* книг", r"codebook"),
    "tone": (r"тональност", r"\btone\b"),
    "conversion": (r"конверси", r"conversion"),
    "percentile": (r"процентил", r"percentile"),
    "odds_ratio": (r"отношение шансов", r"odds ratio"),
    "variants": (r"(?<!\w)Варианты —|последовательност\w* этапов", r"\bVariants are|sequences? of stages"),
    "directly_follows": (r"непосредственного следования", r"directly[- ]follows"),
    "latent_class": (r"латентных классов", r"latent class"),
    "log_likelihood": (r"правдоподоби", r"log-likelihood"),
    "bic": (r"\bBIC\b", r"\bBIC\b"),
    "cohort": (r"когорт", r"cohort"),
    "kpi": (r"\bKPI\b", r"\bKPIs?\b"),
}
#: The figures each chapter draws (its module of :mod:`cjm.present.figures`).
FIGURES_OF = {"02": "clean", "03": "segment", "04": "survey", "05": "voice", "06": "funnel", "07": "maps"}


def chapter_words(chapter: str, language: str) -> str:
    """Everything of the catalogue a chapter shows: its passages, and the titles, captions
    and axis words its figures take from the catalogue."""
    words = [text for key, text in catalogue(language)["passages"].items() if key.startswith(f"{chapter}.")]
    if chapter in FIGURES_OF:
        source = (PROJECT_ROOT / "cjm" / "present" / "figures" / f"{FIGURES_OF[chapter]}.py").read_text(encoding="utf-8")
        figures = catalogue(language)["figures"]
        words += [figures[key] for key in dict.fromkeys(re.findall(r'words\["(\w+)"\]', source))]
    return "\n".join(words)


def used_terms(chapter: str, language: str) -> list[str]:
    return [term for term, patterns in METHOD_TERMS.items()
            if re.search(patterns[("ru", "en").index(language)], chapter_words(chapter, language), re.IGNORECASE)]


CHAPTERS = ("01", "02", "03", "04", "05", "06", "07")


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_method_term_a_chapter_uses_is_explained_in_it_in_plain_words(chapter, language):
    shown = terms(chapter, language).data
    glossary = catalogue(language)["terms"]
    used = used_terms(chapter, language)
    assert set(CHAPTER_TERMS.get(chapter, ())) == set(used), "explained but unused, or used but unexplained"
    for term in used:
        said = glossary[term]
        assert said["term"] in shown and said["says"] in shown, term
        assert said["says"].rstrip(".").count(" ") >= 4 and said["says"].endswith("."), term  # a sentence
    if used:  # shown with the chapter's title
        notebook = nbformat.read(next((PROJECT_ROOT / "notebooks").glob(f"{chapter}_*.ipynb")), as_version=4)
        title = next(cell.source for cell in notebook.cells if f'"{chapter}.title"' in cell.source)
        assert f'terms("{chapter}", language)' in title


def test_every_term_of_the_glossary_is_a_method_term_some_chapter_explains():
    for language in ("ru", "en"):
        glossary = set(catalogue(language)["terms"]) - {"heading", "item"}
        assert glossary == set(METHOD_TERMS) == {t for chapter in CHAPTER_TERMS.values() for t in chapter}
