"""The locale catalogues: every word a client reads, one YAML file per language.

``locales/<language>.yaml`` holds the same sections in every language (``passages``,
``headers``, ``values``, ``tables``, ``notes``, ``figures``, ``plurals``, ``maps``,
``report``); :func:`section` gives one section of one language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType

import yaml

from cjm.core.errors import CjmError

#: Safe YAML, by libyaml where PyYAML has it (ten times faster than the pure-Python reader, the same data).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The folder of the catalogues (package data).
LOCALES = files("cjm.present") / "locales"


def languages() -> list[str]:
    """The languages with a catalogue, sorted."""
    return sorted(entry.name.removesuffix(".yaml") for entry in LOCALES.iterdir() if entry.name.endswith(".yaml"))


@cache
def catalogue(language: str) -> Mapping[str, Mapping]:
    """Every section of ``language``'s catalogue, read once (read-only).

    Raises
    ------
    CjmError
        If ``language`` has no catalogue.
    """
    if language not in languages():
        raise CjmError(f"no words for language '{language}': the catalogues cover {', '.join(languages())}",
                       f"set 'language' in the engagement's params to one of them, or add "
                       f"cjm/present/locales/{language}.yaml with the keys of the others")
    sections = yaml.load((LOCALES / f"{language}.yaml").read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    return MappingProxyType({name: MappingProxyType(section) for name, section in sections.items()})


def section(language: str, name: str) -> Mapping:
    """The section ``name`` of ``language``'s catalogue (``section("ru", "headers")["clients"]``
    is "Клиенты")."""
    return catalogue(language)[name]


@cache
def _codes(language: str) -> re.Pattern:
    """Any code of the ``values`` section, as a whole word."""
    codes = sorted(section(language, "values"), key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, codes))})(?!\w)")


def in_words(text, language: str):
    """``text`` with every code of the analysis in it (``1: kmeans, k=3``,
    ``coded_fragments (interview)``) as ``language`` says it; not text: as it is."""
    if not isinstance(text, str):
        return text
    values = section(language, "values")
    return _codes(language).sub(lambda m: values[m.group(0)], text)


def value_word(value, language: str):
    """A coded value of the analysis (``in_scope``, ``missing_reason``, ``fix first`` ...) as
    ``language`` says it; any other value (the client's own words) as it is."""
    return section(language, "values").get(value, value) if isinstance(value, str) else value
