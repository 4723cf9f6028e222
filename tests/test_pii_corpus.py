"""tests/pii_corpus.py: a labelled corpus of planted personal data, its scorer, and the scrubber measured on it."""

import re
from collections import Counter

import pytest
from stdnum import iban, luhn
from stdnum.ru import inn

import pii_corpus as pc
from cjm.privacy.scrub import KINDS, PLACEHOLDER_TEXT

PH = PLACEHOLDER_TEXT["ru"]
CORPUS = pc.corpus()
POSITIVE = [s for s in CORPUS if s.planted]
CLEAN = [s for s in CORPUS if not s.planted]


def values(kind):
    return [p for s in POSITIVE for p in s.planted if p.kind == kind]


# ----------------------------------------------------------------------------- shape of the corpus
def test_size_kinds_and_sources():
    assert len(CORPUS) == 660
    assert len(POSITIVE) >= 300 and len(CLEAN) >= 300
    counts = pc.kind_counts(CORPUS)
    assert set(counts) == set(KINDS)
    assert min(counts.values()) >= 30, counts
    assert {s.source for s in CORPUS} == set(pc.SOURCES)
    assert sum(len({p.kind for p in s.planted}) >= 2 for s in POSITIVE) >= 100  # two or three kinds at once
    assert max(len(s.planted) for s in POSITIVE) == 3
    assert len({s.text for s in CORPUS}) == len(CORPUS)  # no sentence twice
    english = [s for s in CORPUS if not re.search("[А-Яа-яЁё]", s.text)]
    assert sum(bool(s.planted) for s in english) >= 30 and sum(not s.planted for s in english) >= 15


def test_same_seed_same_corpus_other_seed_other_corpus():
    assert pc.corpus(7, 50, 40) == pc.corpus(7, 50, 40)
    assert pc.corpus() == CORPUS
    assert pc.corpus(8, 50, 40) != pc.corpus(7, 50, 40)
    small = pc.corpus(3, 44, 20)
    assert sum(bool(s.planted) for s in small) == 44 and sum(not s.planted for s in small) == 20
    assert min(pc.kind_counts(small).values()) >= 4  # each kind leads n // 11 sentences


def test_values_are_in_their_sentences_and_cores_in_their_values():
    for s in POSITIVE:
        assert s.source in pc.SOURCES
        for p in s.planted:
            assert p.kind in KINDS
            assert p.value in s.text, (s.text, p)
            assert p.core and all(pc.core_in_value(c, p.value) for c in p.core), (s.text, p)
            if p.kind in ("name", "address", "email", "handle"):
                assert all(c in p.value for c in p.core), p  # words as written
            if p.kind == "name":
                assert all(len(c) >= 3 and c.isalpha() for c in p.core), p


def test_perfect_scrubber_scores_one_and_identity_scores_zero():
    perfect = {s.text: pc.oracle_scrub(s) for s in CORPUS}
    scores = pc.score(CORPUS, perfect.__getitem__)
    assert all(v == 1.0 for v in scores.recall.values()), scores.recall
    assert all(v == 1.0 for v in scores.precision.values()), scores.precision
    assert scores.found["all"] == scores.planted["all"] == sum(len(s.planted) for s in CORPUS)
    assert not scores.misses and not scores.false_alarms
    nothing = pc.score(CORPUS, lambda t: t)
    assert all(v == 0.0 for v in nothing.recall.values()), nothing.recall  # every core is written as planted
    assert all(v == 1.0 for v in nothing.precision.values())
    assert nothing.found["all"] == 0 and len(nothing.misses) == nothing.planted["all"]


def test_clean_sentences_are_clean_and_look_like_personal_data():
    assert len({s.text for s in CLEAN}) == len(CLEAN)
    text = "\n".join(s.text for s in CLEAN)
    assert not any(ph in text for ph in PH.values())
    for needle in ("улиц", "проспект", "дом", "Лада", "Geely", "Минск", "в Гомеле", "из Борисова", "область",
                   "ООО «БелТранс»", "Беларусбанк", "Приорбанк", "менеджер по продажам", "бухгалтер",
                   "Подписание договора", "Вера в успех", "Надежда есть", "Роза ветров", "BYN", "руб.",
                   "12.03.2024", "С-0", "заказ №", "договор № ", "%", "мес.", "Camry XV70", "модель 2121",
                   "The delivery was late again", "Street food"):
        assert needle.lower() in text.lower(), needle
    assert "Лев Толстой" not in text
    assert re.search(r"\d{2}\.\d{2}\.\d{4} в \d{1,2}:\d{2}", text)


# ----------------------------------------------------------------------------- what is planted
def test_cards_ibans_inns_and_snils_are_valid():
    cards = values("card")
    assert len(cards) >= 30 and all(luhn.is_valid(p.core[0]) and len(p.core[0]) == 16 for p in cards)
    assert {" ", "-"} <= {sep for p in cards for sep in " -" if sep in p.value}
    assert any(re.fullmatch(r"\d{16}", p.value) for p in cards)
    ibans = values("iban")
    assert len(ibans) >= 30 and all(iban.is_valid(p.core[0]) for p in ibans)
    assert {p.core[0][:2] for p in ibans} == {"BY", "DE"}
    assert all(len(p.core[0]) == {"BY": 28, "DE": 22}[p.core[0][:2]] for p in ibans)
    assert any(" " in p.value for p in ibans) and any(" " not in p.value for p in ibans)
    docs = values("document")
    inns = [p.core[0] for p in docs if len(p.core[0]) in (10, 12)]
    snils = [p for p in docs if len(p.core[0]) == 11]
    assert len(inns) + len(snils) == len(docs) >= 30
    assert inns and all(inn.is_valid(v) for v in inns) and {len(v) for v in inns} == {10, 12}
    assert snils and all(pc.snils_valid(p.value) for p in snils)
    assert any(re.fullmatch(r"\d{3}-\d{3}-\d{3} \d{2}", p.value) for p in snils)


@pytest.mark.parametrize("make", [pc.passport_value, pc.personal_number_value, pc.snils_value, pc.inn_value,
                                  pc.card_value, pc.iban_value, pc.plate_value, pc.address_value,
                                  pc.address_en_value, lambda rng: pc.address_value(rng, "loc")])
def test_every_spelling_a_generator_makes_holds_its_core(make):
    """The corpus drops sentences whose values fail the checks: no spelling may be dropped that way."""
    rng = pc.random.Random(1)
    for _ in range(400):
        value, core = make(rng)
        assert core and all(pc.core_in_value(c, value) for c in core), (value, core)


def test_check_digit_helpers_on_known_numbers():
    assert pc.snils_valid("112-233-445 95") and not pc.snils_valid("112-233-445 96")
    assert pc.snils_check("112233445") == "95"
    assert pc.inn_complete("770708389") == "7707083893"
    assert pc.inn_complete("5001007322") == "500100732259"
    assert inn.is_valid(pc.inn_complete("123456789"))
    assert pc.by_id_check("3140588A001PB") in "0123456789"


def test_phones_are_belarusian_or_russian_numbers_in_many_spellings():
    phones = values("phone")
    assert len(phones) >= 30
    for p in phones:
        d = p.core[0]
        assert p.core[0] == re.sub(r"\D", "", p.value)
        assert (re.fullmatch(r"(?:375|80|0)(?:25|29|33|44|17)\d{7}", d)
                or re.fullmatch(r"[78](?:9\d\d|495)\d{7}", d)), p
    spellings = {re.sub(r"\d", "9", p.value) for p in phones}
    assert len(spellings) >= 10
    assert any(p.value.startswith("+375 (") for p in phones) and any(p.value.startswith("+7") for p in phones)


def test_ids_plates_passports_have_their_formats():
    for p in values("personal_number"):
        v = p.core[0].upper()
        assert re.fullmatch(r"[3-6]\d{6}[ABCHKEM]\d{3}(?:PB|BA|BI|GB)\d", v), p
        assert pc.by_id_check(v[:13]) == v[13]
    by = ru = 0
    for p in values("plate"):
        core = p.core[0]
        if re.fullmatch(r"\d{4}[АВЕІКМНОРСТХABEIKMHOPCTX]{2}[1-7]", core):
            by += 1
        else:
            assert re.fullmatch(r"[АВЕКМНОРСТУХ]\d{3}[АВЕКМНОРСТУХ]{2}\d{2,3}", core.upper()), p
            ru += 1
    assert by >= 10 and ru >= 5
    passports = values("passport")
    assert any(re.search("[МРНВСКАВ]{2}", p.value) for p in passports)  # Cyrillic series
    assert any(re.fullmatch(r"[A-Z]{2}\d{7}", p.value) for p in passports)
    assert any(p.core == (p.value.split()[1], p.value.split()[3]) for p in passports if p.value.startswith("серия"))
    assert any(re.fullmatch(r"\d{2} \d{2} \d{6}", p.value) for p in passports)


def test_names_in_every_form():
    assert len(pc.SURNAMES) >= 60 and len(pc.FIRST_NAMES) >= 40 and len(pc.PATRONYMICS) >= 20
    assert {g for _, g in pc.FIRST_NAMES} == {"m", "f"}
    names = [p.value for p in values("name")]
    assert any(re.search(r"[А-ЯЁ]\. ?[А-ЯЁ]\.", v) for v in names)  # initials
    assert any(v.isupper() and len(v) > 6 for v in names)  # CAPITALS
    assert any(v.islower() for v in names)  # lower case
    assert any(re.fullmatch(r"[A-Za-z. ]+", v) for v in names)  # Latin
    words = {w.casefold() for v in names for w in v.split()}
    for case in pc.CASES[1:]:  # first names in every grammatical case
        forms = {pc.decline_first(f, case).casefold() for f, _ in pc.FIRST_NAMES} - {
            f.casefold() for f, _ in pc.FIRST_NAMES}
        assert len(words & forms) >= 3, case
    for ending in ("ой", "ича", "ичу"):  # surnames and patronymics too (Ивановой, Петровича, Лукашевичу)
        assert any(w.endswith(ending) for w in words), ending
    nominative = {w.casefold() for w in pc.SURNAMES + pc.PATRONYMICS} | {f.casefold() for f, _ in pc.FIRST_NAMES}
    nominative |= {pc.surname_form(x, "f").casefold() for x in pc.SURNAMES}
    nominative |= {pc.patronymic(x, "f").casefold() for x in pc.PATRONYMICS}
    cyrillic = [w for w in words if re.fullmatch("[а-яё]{3,}", w)]
    assert sum(w not in nominative for w in cyrillic) >= 0.25 * len(cyrillic)  # a quarter declined
    assert len(set(names)) >= 0.9 * len(names)


@pytest.mark.parametrize("surname, gender, case, expected", [
    ("Иванов", "m", "ins", "Ивановым"), ("Иванов", "f", "dat", "Ивановой"), ("Иванов", "f", "acc", "Иванову"),
    ("Ковалёв", "m", "pre", "Ковалёве"), ("Козловский", "f", "acc", "Козловскую"), ("Козловский", "m", "dat",
                                                                                 "Козловскому"),
    ("Сидоренко", "m", "ins", "Сидоренко"), ("Лукашевич", "m", "gen", "Лукашевича"), ("Лукашевич", "m", "ins",
                                                                                    "Лукашевичем"),
    ("Лукашевич", "f", "dat", "Лукашевич"), ("Шевчук", "m", "ins", "Шевчуком"), ("Жук", "f", "gen", "Жук"),
    ("Бондарь", "m", "dat", "Бондарю"), ("Шульга", "m", "ins", "Шульгой"), ("Ильин", "f", "gen", "Ильиной"),
])
def test_surname_declension(surname, gender, case, expected):
    assert pc.decline_surname(surname, gender, case) == expected


@pytest.mark.parametrize("name, case, expected", [
    ("Пётр", "ins", "Петром"), ("Павел", "dat", "Павлу"), ("Иван", "gen", "Ивана"), ("Сергей", "ins", "Сергеем"),
    ("Дмитрий", "pre", "Дмитрии"), ("Игорь", "ins", "Игорем"), ("Илья", "ins", "Ильёй"), ("Никита", "acc", "Никиту"),
    ("Ольга", "gen", "Ольги"), ("Анна", "gen", "Анны"), ("Юлия", "dat", "Юлии"), ("Наталья", "ins", "Натальей"),
    ("Саша", "ins", "Сашей"), ("Оля", "acc", "Олю"),
])
def test_first_name_declension(name, case, expected):
    assert pc.decline_first(name, case) == expected


def test_patronymics_and_transliteration():
    assert pc.patronymic("Петрович", "f") == "Петровна"
    assert pc.decline_patronymic("Петровна", "dat") == "Петровне"
    assert pc.decline_patronymic("Сергеевич", "ins") == "Сергеевичем"
    assert [pc.translit(w) for w in ("Пётр", "Иванов", "Ольга", "Сидоренко", "Дмитрий", "Шевчук", "Юлия")] == \
        ["Petr", "Ivanov", "Olga", "Sidorenko", "Dmitry", "Shevchuk", "Yuliya"]


# ----------------------------------------------------------------------------- scoring rules by hand
S1 = pc.Sentence("Позвонил Ивановой Ольге, тел. 80291234567",
                 (pc.Planted("name", "Ивановой Ольге", ("Ивановой", "Ольге")),
                  pc.Planted("phone", "80291234567", ("80291234567",))), "manager_comment")
S2 = pc.Sentence("Выезд на ул. Советская 5-12 в 14:30",
                 (pc.Planted("address", "ул. Советская 5-12", ("Советская", "5")),), "manager_comment")
S3 = pc.Sentence("Клиент из Гомеля, аванс 20%", (), "manager_comment")
TINY = [S1, S2, S3]


def fake(outputs):
    return lambda text: outputs[text]


def test_score_exact_scrubber():
    s = pc.score(TINY, fake({S1.text: f"Позвонил {PH['name']}, тел. {PH['phone']}",
                             S2.text: f"Выезд на {PH['address']} в 14:30", S3.text: S3.text}))
    assert s.planted == {**dict.fromkeys(KINDS, 0), "name": 1, "phone": 1, "address": 1, "all": 3}
    assert s.found == s.planted
    assert all(v == 1.0 for v in s.recall.values()) and all(v == 1.0 for v in s.precision.values())
    assert s.misses == [] and s.false_alarms == []


def test_score_scrubber_that_replaces_nothing():
    s = pc.score(TINY, lambda t: t)
    assert s.recall["name"] == s.recall["phone"] == s.recall["address"] == s.recall["all"] == 0.0
    assert s.recall["card"] == 1.0  # nothing planted of the kind
    assert all(v == 1.0 for v in s.precision.values()) and s.found["all"] == 0
    assert [(out, p.kind) for out, p in s.misses] == [(S1.text, "name"), (S1.text, "phone"), (S2.text, "address")]
    assert s.false_alarms == []


def test_score_scrubber_that_over_replaces():
    out1 = f"Позвонил {PH['name']} {PH['name']}, тел. {PH['phone']}"
    out2 = f"Выезд на ул. {PH['name']} {PH['address']} в {PH['phone']}"
    out3 = f"Клиент из {PH['name']}, аванс {PH['phone']}"
    s = pc.score(TINY, fake({S1.text: out1, S2.text: out2, S3.text: out3}))
    assert s.recall["all"] == 1.0
    assert s.found["name"] == 4 and s.precision["name"] == 0.25
    assert s.found["phone"] == 3 and s.precision["phone"] == pytest.approx(1 / 3)
    assert s.found["address"] == 1 and s.precision["address"] == 1.0
    assert s.found["all"] == 8 and s.precision["all"] == pytest.approx(3 / 8)
    assert Counter((o, k) for o, _, k in s.false_alarms) == Counter({
        (S1.text, "name"): 1, (S2.text, "name"): 1, (S2.text, "phone"): 1, (S3.text, "name"): 1,
        (S3.text, "phone"): 1})
    assert all(scrubbed == {S1.text: out1, S2.text: out2, S3.text: out3}[o] for o, scrubbed, _ in s.false_alarms)


def test_score_partial_and_wrong_kind():
    out1 = f"Позвонил {PH['name']} Ольге, тел. 8 (029) 123-45-67"  # a name word and the phone survive
    out2 = f"Выезд на {PH['name']} в 14:30"  # the address is gone, but as a name
    s = pc.score(TINY, fake({S1.text: out1, S2.text: out2, S3.text: S3.text}))
    assert s.recall["name"] == 0.0 and s.recall["phone"] == 0.0 and s.recall["address"] == 1.0
    assert s.recall["all"] == pytest.approx(1 / 3)
    assert [(out, p.kind) for out, p in s.misses] == [(out1, "name"), (out1, "phone")]
    assert s.precision["name"] == 0.5 and s.found["name"] == 2  # one name planted; the address's placeholder is false
    assert s.precision["address"] == 1.0 and s.found["address"] == 0
    assert s.false_alarms == [(S2.text, out2, "name")]


def test_core_matching_rules():
    assert not pc.core_left("Иванов", "Звонила Иванова")  # whole words
    assert pc.core_left("Иванова", "звонила ИВАНОВА вчера")  # case-insensitive
    assert not pc.core_left("5", "кв. 15, 2025 год")
    assert pc.core_left("5", "дом 5-12")
    assert pc.core_left("57Б", "ул. Сурганова, 57б-112")
    assert pc.core_left("375291234567", "тел. +375 (29) 123-45-67")  # separators removed
    assert pc.core_left("MP1234567", "паспорт mp 1234567")
    assert not pc.core_left("375291234567", "тел. [телефон]")
    assert pc.core_left("ivan.petrov", "ivan.petrov@mail.ru") and not pc.core_left("ivan.petrov", "[email]")


# ----------------------------------------------------------------------------- the real scrubber
@pytest.mark.parametrize("seed", [2025, 3, 14])
def test_scrubber_on_the_corpus(seed):
    """Recall of every kind 0.99 or more, precision 0.95 or more. The rules were tuned on
    seed 2025; seeds 3 and 14 are corpora of twice the size the rules never saw (measured at
    writing: names 1.000 and 0.997 recall, precision 1.000; every other kind 1.000)."""
    from cjm.privacy.scrub import TextScrubber

    corpus = CORPUS if seed == 2025 else pc.corpus(seed, 660, 660)
    scores = pc.score(corpus, TextScrubber().scrub)
    print()
    print(pc.format_scores(scores, misses=3, false_alarms=15))
    low_recall = {k: round(v, 3) for k, v in scores.recall.items() if v < 0.99}
    low_precision = {k: round(v, 3) for k, v in scores.precision.items() if v < 0.95}
    assert not low_recall and not low_precision, (low_recall, low_precision)
    assert scores.recall["all"] >= 0.995
