"""What the client reads: no instruction meant for the consultant (those are consultant
notes, section ``consultant``), and every method term explained where a chapter first uses it."""

import re
from collections.abc import Mapping

import pytest

from cjm.core.params import SECTIONS, SHARED_KEYS
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
             or (name == "passages" and PARAMS_WORD.search(text))]
    assert not found, "\n".join(f"{name}.{key}: {text}" for name, key, text in found)


@pytest.mark.parametrize("language", languages())
def test_the_consultants_notes_are_instructions_the_checks_know(language):
    """Each note says what to do in words :data:`INSTRUCTIONS` catch: the same words in a
    client passage would be caught too."""
    notes = {key: text for key, text in catalogue(language)["consultant"].items() if key != "label"}
    assert notes and all(INSTRUCTIONS[language].search(text) or PARAMS_KEY.search(text) for text in notes.values())
