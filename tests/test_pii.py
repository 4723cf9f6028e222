"""cjm.privacy.pii: phone/e-mail/document normalization, text patterns, personal-column detection."""


import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjm.privacy.pii import (PATTERNS, detect_personal_columns, find_phones, is_full_name, normalize_email,
                     normalize_passport, normalize_personal_number, normalize_phone)

PHONES = [
    ("+375 (29) 123-45-67", "+375291234567"), ("80291234567", "+375291234567"),
    ("8 029 123 45 67", "+375291234567"), ("375291234567", "+375291234567"),
    ("+375-33-1234567", "+375331234567"), ("(029) 123-45-67", "+375291234567"),
    ("+7 916 123-45-67", "+79161234567"), ("8 (916) 123-45-67", "+79161234567"),
    ("8-017-222-33-44", "+375172223344"), ("+375 44 765-43-21", "+375447654321"),
    (375291234567, "+375291234567"), ("+55 11 98765-4321", "+5511987654321"), ("+49 30 12345678", "+493012345678"),
]


@pytest.mark.parametrize("raw, e164", PHONES)
def test_normalize_phone_formats(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["45 600,00", "12.03.2024", "С-0001234", "2024", "60 мес.", "", None,
                                 "+1 555 123", "1234567", "80001234567", "+375 99 123-45-67", 45600.0])
def test_normalize_phone_rejects(raw):
    assert normalize_phone(raw) is None


def test_normalize_email_passport_personal_number():
    assert normalize_email("  Ivan.Petrov@Mail.RU ") == "ivan.petrov@mail.ru"
    assert normalize_email("не указан") is None
    assert normalize_passport("MP1234567") == normalize_passport("МР 1234567") == "MP1234567"
    assert normalize_passport("MP123456") is None
    assert normalize_personal_number("3140588A001PB5") == "3140588A001PB5"
    assert normalize_personal_number("3140588А001РВ5") == "3140588A001PB5"  # Cyrillic look-alikes
    assert normalize_personal_number("3140588A001PB") is None


@pytest.mark.parametrize("text, found", [
    ("тел. 8 029 123 45 67, аванс 45 600,00 BYN", ["+375291234567"]),
    ("звонить 80291234567 2024 года", ["+375291234567"]),
    ("тел.+375-33-1234567.", ["+375331234567"]),
    ("(029) 123-45-67 или 8 (916) 123-45-67", ["+375291234567", "+79161234567"]),
    ("Договор С-0291234567 от 12.03.2024, срок 60 мес.", []),
    ("Стоимость 45 600 000 руб., платёж 1 245 600,00, 2023-2025 гг.", []),
    ("Liguei para +55 11 98765-4321, depois +375 29 123-45-67", ["+5511987654321", "+375291234567"]),
    ("Call +44 20 7946 0958 or +49 30 12345678; total +12% on 2 300,00", ["+442079460958", "+493012345678"]),
    # the digits of a fraction are no phone: 029 520 29 52, 8 333 333 33 33 after a decimal point
    ('"lost_share": 0.0295202952, 0.056179775280898875,4645.8333333333; доля 0,0295202952', []),
])
def test_find_phones(text, found):
    assert [p[2] for p in find_phones(text)] == found


def test_document_and_email_patterns_skip_amounts_and_deal_numbers():
    text = "паспорт МР 1234567, MP7654321; ЛН 3140588A001PB5; сделка С-0001234, 45 600,00 BYN 1234567"
    assert PATTERNS["passport"].findall(text) == ["МР 1234567", "MP7654321"]
    assert PATTERNS["personal_number"].findall(text) == ["3140588A001PB5"]
    assert PATTERNS["email"].findall("на ivan.petrov85@mail.ru, info@bel-trans.by.") == [
        "ivan.petrov85@mail.ru", "info@bel-trans.by"]


# ----------------------------------------------------------------------------- property-based
_NATIONAL = st.one_of(
    st.tuples(st.just("375"), st.sampled_from(["25", "29", "33", "44", "17"]),
              st.text("0123456789", min_size=7, max_size=7)),
    st.tuples(st.just("7"), st.sampled_from(["916", "925", "903", "495", "812"]),
              st.text("0123456789", min_size=7, max_size=7)),
)


def _format(cc: str, code: str, sub: str, style: int, sep: str) -> str:
    groups = sep.join([sub[:3], sub[3:5], sub[5:]])
    by = cc == "375"
    return [
        f"+{cc} ({code}) {groups}",
        f"+{cc}{sep}{code}{sep}{groups}",
        f"{cc}{code}{sub}" if by else f"8{code}{sub}",
        f"8 0{code} {groups}" if by else f"8 ({code}) {groups}",
        f"(0{code}) {groups}" if by else f"+{cc} {code} {sub}",
        f"80{code}{sub}" if by else f"8{sep}{code}{sep}{groups}",
    ][style]


@settings(max_examples=200, deadline=None)
@given(_NATIONAL, st.integers(0, 5), st.sampled_from(["", " ", "-"]))
def test_any_formatting_normalizes_to_same_e164(number, style, sep):
    cc, code, sub = number
    assert normalize_phone(_format(cc, code, sub, style, sep)) == f"+{cc}{code}{sub}"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=40))
def test_text_without_digits_never_a_phone(text):
    assert normalize_phone(text) is None
    assert find_phones(text) == []


# ----------------------------------------------------------------------------- columns
def test_full_name_values():
    assert is_full_name("Иванова Ольга Петровна")
    assert is_full_name("Петров Иван")
    assert is_full_name("Мартинкевич Алесь Чеславович")
    for v in ["Минск", "Лада Веста", "Шкода Октавия", "Geely Coolray", "Подбор авто и расчёт",
              "Новая заявка", "ООО «БелТрансСервис»", "Гомель Брест", "Выдача Авто"]:
        assert not is_full_name(v), v


def test_detect_personal_columns_by_content_not_header():
    n = 12
    names = ["Иванова Ольга Петровна", "Петров Иван Сергеевич", "Кузнецов Андрей Игоревич",
             "Новик Анна Викторовна", "Сидорова Мария", "Лебедев Максим Олегович"] * 2
    df = pd.DataFrame({
        "Колонка 7": ["+375 (29) 123-45-67", "80441234567", "8 033 765 43 21", "", None, "375251112233"] * 2,
        "Колонка 8": [f"user{i}@mail.ru" for i in range(n)],
        "Колонка 9": names,
        "Колонка 10": ["MP1234567", "МР 7654321", "KH1112223", "AB3334445", "HB5556667", "BM7778889"] * 2,
        "Колонка 11": ["3140588A001PB5", "4250190M002PB1"] * 6,
        "Колонка 12": ["12.03.1985", "01.11.1990", "23.07.1979", "05.05.2001"] * 3,
        "Город": ["Минск", "Гомель", "Брест", "Лида", "Борисов", "Могилев"] * 2,
        "Модель": ["Geely Coolray", "Лада Веста", "Volkswagen Polo", "Шкода Октавия", "Тойота Камри", "Geely Atlas"] * 2,
        "Стадия": ["Новая заявка", "Консультация", "Подбор авто и расчёт", "Сбор документов",
                   "Выдача авто", "Подписание договора"] * 2,
        "Компания": ["ООО «БелТранс»", "ЧУП «АгроСнаб»", "ОАО «Гомельстрой»"] * 4,
        "Сумма": ["45 600,00", "12 000,00", "60 000,00"] * 4,
        "Дата сделки": ["12.03.2024", "01.02.2025", "30.09.2025"] * 4,
        "Срок": [36, 60, 48] * 4,
    })
    assert detect_personal_columns(df) == {
        "Колонка 7": "phone", "Колонка 8": "email", "Колонка 9": "full_name", "Колонка 10": "passport",
        "Колонка 11": "personal_number", "Колонка 12": "birth_date"}


def test_detect_personal_columns_sample_is_deterministic_and_threshold_applies():
    df = pd.DataFrame({"x": ["80291234567"] * 50 + ["нет"] * 50, "y": ["80291234567"] * 70 + ["нет"] * 30})
    assert detect_personal_columns(df, sample=20) == detect_personal_columns(df, sample=20) == {"y": "phone"}
