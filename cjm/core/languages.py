"""The languages texts can be in: which are supported, and the shared Russian morphology."""

from __future__ import annotations

import functools
import re

from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES as _SIMPLEMMA_LANGUAGES

from cjm.core.errors import CjmError


@functools.lru_cache(maxsize=1)
def morph():
    """The shared pymorphy3 analyzer (loaded once, ~0.1 s)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


#: Text languages the coding can lemmatize: ``ru`` (pymorphy3) and simplemma's (ISO 639 codes).
SUPPORTED_LANGUAGES = frozenset({"ru"}) | frozenset(_SIMPLEMMA_LANGUAGES)



def check_language(language: str) -> None:
    """Raise :class:`CjmError` unless ``language`` is one of :data:`SUPPORTED_LANGUAGES`."""
    if isinstance(language, str) and language in SUPPORTED_LANGUAGES:
        return
    text = str(language)
    near = next((c for c in (text.lower(), re.split(r"[-_]", text)[0].lower()) if c in SUPPORTED_LANGUAGES), None)
    examples = ", ".join(["ru", "en", "pt", "es", "fr", "de", "it", "uk", "pl", "nl"])
    raise CjmError(f"text language {language!r} is not supported",
                   (f"write '{near}'; " if near else "")
                   + f"set text_language (or language) in params to a code such as {examples} "
                   f"({len(SUPPORTED_LANGUAGES)} supported: {', '.join(sorted(SUPPORTED_LANGUAGES))})")
