"""Numbers, percentages, counts, plurals, p-values and dates as a reader of ``language`` writes them.

Everything goes through Babel's locale data (CLDR): a decimal comma and a no-break space
between thousands in Russian, a point and a comma in English, the percent sign as the
locale places it ("22 %" in Russian, "22%" in English). On top of Babel, a negative number
gets a true minus sign (U+2212) and a number rounded to zero never shows as "−0". A missing
value (None, NaN) is written as a dash.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date as Date
from functools import cache

import pandas as pd
from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import NumberPattern, parse_pattern

from cjm.present.words import section

MINUS = "\u2212"
#: What a missing value shows as.
MISSING = "—"


def _missing(value) -> bool:
    return pd.api.types.is_scalar(value) and pd.isna(value)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@cache
def _pattern(language: str, kind: str, digits: int | None) -> NumberPattern:
    """The locale's ``decimal`` or ``percent`` pattern with exactly ``digits`` decimals
    (None: the locale's own, up to three)."""
    formats = _locale(language).decimal_formats if kind == "decimal" else _locale(language).percent_formats
    pattern = parse_pattern(formats[None].pattern)
    if digits is not None:
        pattern = copy.copy(pattern)
        pattern.frac_prec = (digits, digits)
    return pattern


def _apply(pattern: NumberPattern, value: float, language: str, grouped: bool = True, sign: bool = False) -> str:
    text = pattern.apply(value, _locale(language), group_separator=grouped).replace("-", MINUS)
    return "+" + text if sign and value > 0 else text


def format_number(value: float, language: str, digits: int = 0, sign: bool = False, grouped: bool = False) -> str:
    """``value`` to ``digits`` decimals, with ``sign`` a "+" before a positive number and with
    ``grouped`` thousands separated: ``format_number(-1234.5, "ru", 1, grouped=True)`` is "−1 234,5"."""
    if _missing(value):
        return MISSING
    value = round(float(value), digits) or 0.0  # no "−0"
    return _apply(_pattern(language, "decimal", digits), value, language, grouped, sign)


def format_decimal(value: float, language: str) -> str:
    """``value`` with the decimals it has (up to three) and thousands separated: "1 234,5", "0,85"."""
    if _missing(value):
        return MISSING
    return _apply(_pattern(language, "decimal", None), round(float(value), 3) or 0.0, language)


def format_count(value: float, language: str) -> str:
    """A whole number with thousands separated: "2 483" in Russian, "2,483" in English."""
    return format_number(value, language, grouped=True)


def format_percent(share: float, language: str, digits: int = 0) -> str:
    """A share (0.224) as a percentage to ``digits`` decimals: "22 %" in Russian, "22%" in English."""
    if _missing(share):
        return MISSING
    share = round(float(share), digits + 2) or 0.0
    return _apply(_pattern(language, "percent", digits), share, language)


def plural(n: float, forms: str | Mapping[str, str], language: str) -> str:
    """The word agreeing with the number ``n`` as the reader sees it (rounded): ``forms`` maps
    the language's plural categories (``one``, ``few``, ``many``, ``other``) to words, or
    names such a mapping in the catalogue's ``plurals`` (``plural(23, "points", "ru")`` is
    "пункта")."""
    if isinstance(forms, str):
        forms = section(language, "plurals")[forms]
    return forms[_locale(language).plural_form(abs(round(n)))]


def format_p(p: float, language: str, bare: bool = False) -> str:
    """A p-value as a reader sees it: "p < 0,001", "p = 0,004" (three decimals below 0.01),
    "p = 0,34"; with ``bare`` only what a table's p column shows ("< 0,001", "0,34")."""
    if _missing(p):
        return MISSING if bare else f"p {MISSING}"
    if p < 0.001:
        relation, number = "<", format_number(0.001, language, 3)
    else:
        relation, number = "=", format_number(p, language, 3 if p < 0.01 else 2)
    if bare:
        return f"<\u00a0{number}" if relation == "<" else number
    return f"p {relation}\u00a0{number}"


def format_date(when: Date, language: str) -> str:
    """A date in the locale's long form: "30 ноября 2026 г.", "November 30, 2026"."""
    return babel_format_date(when, format="long", locale=_locale(language))
