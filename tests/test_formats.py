"""Numbers, percentages, plurals, p-values and dates as a Russian and an English reader write
them (the expected strings written by hand)."""

from datetime import date, datetime

import numpy as np
import pytest

from cjm.present.formats import (format_count, format_date, format_decimal, format_number, format_p, format_percent,
                                 plural)

NBSP, MINUS = "\u00a0", "\u2212"


@pytest.mark.parametrize("value, language, kwargs, expected", [
    (1234567.891, "ru", {"digits": 2, "grouped": True}, f"1{NBSP}234{NBSP}567,89"),
    (1234567.891, "en", {"digits": 2, "grouped": True}, "1,234,567.89"),
    (1234.5, "ru", {"digits": 1}, "1234,5"),
    (1234.5, "en", {"digits": 1}, "1234.5"),
    (0.873, "ru", {"digits": 2}, "0,87"),
    (-12.34, "ru", {"digits": 1}, f"{MINUS}12,3"),
    (-1234.0, "en", {"grouped": True}, f"{MINUS}1,234"),
    (-0.004, "ru", {"digits": 2}, "0,00"),  # no "−0"
    (-0.4, "en", {}, "0"),
    (0, "ru", {"sign": True}, "0"),
    (3.2, "ru", {"sign": True}, "+3"),
    (-3.2, "en", {"sign": True}, f"{MINUS}3"),
    (0.256, "en", {"digits": 2, "sign": True}, "+0.26"),
    (np.nan, "ru", {}, "—"),
])
def test_format_number(value, language, kwargs, expected):
    assert format_number(value, language, **kwargs) == expected


@pytest.mark.parametrize("value, language, expected", [
    (2483, "ru", f"2{NBSP}483"), (2483, "en", "2,483"), (2120.0, "ru", f"2{NBSP}120"), (7, "en", "7"),
    (999.6, "en", "1,000"), (-1500, "ru", f"{MINUS}1{NBSP}500"), (None, "en", "—"),
])
def test_format_count(value, language, expected):
    assert format_count(value, language) == expected


@pytest.mark.parametrize("value, language, expected", [
    (2.5, "ru", "2,5"), (0.85, "en", "0.85"), (4, "ru", "4"), (12345.6789, "ru", f"12{NBSP}345,679"),
    (-0.0001, "en", "0"),
])
def test_format_decimal(value, language, expected):
    assert format_decimal(value, language) == expected


@pytest.mark.parametrize("share, language, digits, expected", [
    (0.22, "ru", 0, f"22{NBSP}%"), (0.22, "en", 0, "22%"), (0.2236, "ru", 1, f"22,4{NBSP}%"),
    (0.2236, "en", 1, "22.4%"), (1.0, "en", 0, "100%"), (12.5, "ru", 0, f"1{NBSP}250{NBSP}%"),
    (0.0, "ru", 0, f"0{NBSP}%"), (-0.0004, "en", 1, "0.0%"), (-0.05, "ru", 0, f"{MINUS}5{NBSP}%"),
    (np.nan, "en", 0, "—"),
])
def test_format_percent(share, language, digits, expected):
    assert format_percent(share, language, digits) == expected


@pytest.mark.parametrize("n, expected", [(1, "пункт"), (2, "пункта"), (5, "пунктов"), (11, "пунктов"),
                                         (21, "пункт"), (22, "пункта"), (25, "пунктов"), (0, "пунктов"),
                                         (-23.2, "пункта"), (112, "пунктов")])
def test_russian_plural_agrees_with_the_number(n, expected):
    assert plural(n, "points", "ru") == expected


@pytest.mark.parametrize("n, expected", [(1, "point"), (2, "points"), (0, "points"), (-1, "point")])
def test_english_plural(n, expected):
    assert plural(n, "points", "en") == expected


def test_plural_from_forms_given_directly():
    forms = {"one": "день", "few": "дня", "many": "дней", "other": "дня"}
    assert [plural(n, forms, "ru") for n in (1, 3, 7)] == ["день", "дня", "дней"]


@pytest.mark.parametrize("p, language, expected, bare", [
    (0.0004, "ru", f"p <{NBSP}0,001", f"<{NBSP}0,001"),
    (0.0004, "en", f"p <{NBSP}0.001", f"<{NBSP}0.001"),
    (0.0042, "ru", f"p ={NBSP}0,004", "0,004"),
    (0.0321, "ru", f"p ={NBSP}0,03", "0,03"),
    (0.345, "en", f"p ={NBSP}0.34", "0.34"),
    (np.nan, "ru", "p —", "—"),
])
def test_format_p(p, language, expected, bare):
    assert format_p(p, language) == expected
    assert format_p(p, language, bare=True) == bare


@pytest.mark.parametrize("when, language, expected", [
    (date(2025, 3, 12), "ru", "12 марта 2025\u202fг."), (date(2025, 3, 12), "en", "March 12, 2025"),
    (datetime(2026, 11, 30, 23, 59), "ru", "30 ноября 2026\u202fг."), (date(2024, 5, 1), "ru", "1 мая 2024\u202fг."),
])
def test_format_date(when, language, expected):
    assert format_date(when, language) == expected
