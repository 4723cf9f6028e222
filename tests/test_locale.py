"""The locale catalogues: every language has every word, with the same placeholders, and an
unknown language is refused with the languages there are."""

import string
from collections.abc import Mapping

import pytest
from babel import Locale

from cjm.core.errors import CjmError
from cjm.present.words import catalogue, languages, section

#: Sections whose entries are a word's plural forms, which differ between languages.
PLURAL_SECTIONS = ("plurals",)


def _keys(tree, path=()) -> set[tuple]:
    """Every key path of a catalogue down to its words (a word's plural forms are one entry)."""
    keys = set()
    for key, value in tree.items():
        here = (*path, key)
        if isinstance(value, Mapping) and (len(here) == 1 or here[0] not in PLURAL_SECTIONS):
            keys |= _keys(value, here)
        else:
            keys.add(here)
    return keys


def _words(tree):
    for value in tree.values():
        if isinstance(value, Mapping):
            yield from _words(value)
        elif isinstance(value, list):  # a feature's label, low and high words
            yield from value
        else:
            yield value


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_ru_and_en_are_the_languages():
    assert languages() == ["en", "ru"]


def test_every_language_has_the_same_keys():
    reference = _keys(catalogue("ru"))
    assert len(reference) > 500
    for language in languages():
        keys = _keys(catalogue(language))
        assert keys == reference, (language, sorted(keys ^ reference)[:10])


def test_no_word_is_empty():
    for language in languages():
        empty = [word for word in _words(catalogue(language)) if not isinstance(word, str) or not word.strip()]
        assert empty == [], language


@pytest.mark.parametrize("name", ["passages", "notes", "figures", "maps", "summary"])
def test_a_text_has_the_same_placeholders_in_every_language(name):
    russian = section("ru", name)
    for language in languages():
        words = section(language, name)
        differ = [key for key, text in russian.items() if _placeholders(text) != _placeholders(words[key])]
        assert differ == [], (language, differ)


def test_plural_forms_are_the_languages_categories():
    for language in languages():
        categories = set(Locale.parse(language).plural_form.tags) | {"other"}
        for key, forms in section(language, "plurals").items():
            assert set(forms) == categories, (language, key)


def test_every_russian_header_has_an_english_one():
    english, russian = section("en", "headers"), section("ru", "headers")
    assert set(english) == set(russian)
    written = {key: english[key] for key in ("ci_low", "ci_high", "nps", "se", "p_adjusted", "cramers_v")}
    assert written == {"ci_low": "95% CI from", "ci_high": "95% CI to", "nps": "NPS", "se": "Std. error",
                       "p_adjusted": "p (Holm)", "cramers_v": "Cramér's V"}  # once "Ci low", "Nps", ...


def test_a_section_cannot_be_changed_by_a_caller():
    with pytest.raises(TypeError):
        section("ru", "headers")["clients"] = "x"


def test_an_unknown_language_is_refused_with_the_languages_there_are():
    with pytest.raises(CjmError, match="'de'.*en, ru") as error:
        catalogue("de")
    assert "language" in error.value.fix


@pytest.mark.parametrize("language", ["ru", "en"])
def test_segment_words_cover_the_codes_of_the_analysis(language):
    from cjm.analysis.segment import CAPITAL, REGIONS

    words = section(language, "segments")
    assert {CAPITAL, REGIONS} <= set(words["levels"]) and "{n}" in words["unnamed"]
    assert all(len(w) in (1, 3) for w in words["features"].values())  # a label, or a label and low and high words
