"""A labelled corpus of free text with planted personal data, and a scorer for scrubbers.

The corpus imitates what managers and customers of a Belarusian car-leasing company
write: CRM comments, interview turns, open survey answers and mystery-shopper notes,
mostly in Russian, some in English. A positive sentence carries one to three planted
personal values (:class:`Planted`) of the kinds :data:`cjm.privacy.scrub.KINDS`; a clean
sentence carries none but is full of things that look like personal data (towns in any
case, car models, banks, amounts, dates, deal numbers, words such as «улица», «дом»).

>>> from cjm.privacy.scrub import TextScrubber
>>> s = score(corpus(), TextScrubber().scrub)          # doctest: +SKIP
>>> print(format_scores(s))                            # doctest: +SKIP

Everything is drawn from one seeded :class:`Deck` (a ``random.Random`` that also deals
from shuffled decks, so every spelling and template is used): the same seed gives the same
corpus.
Every generated positive sentence is checked against the oracle (each planted value
replaced by its placeholder scores recall 1 and precision 1), so the cores of a value
never appear elsewhere in its sentence.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from stdnum import iban as _iban
from stdnum import luhn as _luhn

from cjm.privacy.scrub import KINDS, PLACEHOLDER_TEXT

SOURCES = ("manager_comment", "interview_turn", "open_answer", "mystery_note")
CASES = ("nom", "gen", "dat", "acc", "ins", "pre")


@dataclass(frozen=True)
class Planted:
    """One personal value planted in a sentence.

    kind : one of :data:`cjm.privacy.scrub.KINDS`.
    value : the substring as written in the sentence.
    core : what must not survive scrubbing: for names the name words (3+ letters, as
        written, initials excluded); for numbers and ids the digits (and letters) without
        separators; for handles the handle without ``@`` or domain; for e-mails the local
        part; for addresses the street name word(s) and the house number.
    """

    kind: str
    value: str
    core: tuple[str, ...]


@dataclass(frozen=True)
class Sentence:
    """A sentence of the corpus; ``planted`` is empty for a clean one."""

    text: str
    planted: tuple[Planted, ...]
    source: str  # one of SOURCES


@dataclass
class Scores:
    """Scores of a scrubber on a corpus, per kind and ``"all"`` (see :func:`score`)."""

    recall: dict[str, float]
    precision: dict[str, float]
    planted: dict[str, int]
    found: dict[str, int]
    misses: list[tuple[str, Planted]] = field(default_factory=list)
    false_alarms: list[tuple[str, str, str]] = field(default_factory=list)


# =============================================================================== randomness
class Deck(random.Random):
    """``random.Random`` that also deals from shuffled decks: each item of a deck comes once
    before any comes twice, so every spelling, template and name type is in the corpus."""

    def __init__(self, seed: int):
        super().__init__(seed)
        self._decks: dict[str, list] = {}

    def deal(self, key: str, items: Sequence):
        deck = self._decks.get(key)
        if not deck:
            deck = self._decks[key] = list(items)
            self.shuffle(deck)
        return deck.pop()


def _pick(rng: random.Random, key: str, items: Sequence):
    """The next card of deck ``key`` when ``rng`` is a :class:`Deck`, else a random item."""
    return rng.deal(key, items) if isinstance(rng, Deck) else rng.choice(items)


# =============================================================================== scoring
_WORD_EDGE = r"\w"
_SQUASH = re.compile(r"[\s\-\u2010-\u2015.()\[\]№]")


def _squash(text: str) -> str:
    """The text without spaces, dashes, dots, brackets and «№», case-folded."""
    return _SQUASH.sub("", text).casefold()


def _is_number_core(core: str) -> bool:
    """A core compared on the squashed text: it has a digit and 5+ characters."""
    return len(core) >= 5 and any(c.isdigit() for c in core)


def core_left(core: str, scrubbed: str) -> bool:
    """Whether a core piece survives in the scrubbed text (rules in :func:`score`)."""
    if _is_number_core(core):
        return _squash(core) in _squash(scrubbed)
    pattern = rf"(?<!{_WORD_EDGE}){re.escape(core.casefold())}(?!{_WORD_EDGE})"
    return re.search(pattern, scrubbed.casefold()) is not None


def core_in_value(core: str, value: str) -> bool:
    """Whether a core piece is in its value, as :func:`core_left` finds it (numbers compared
    without separators: ``375291234567`` is in ``+375 (29) 123-45-67``)."""
    return core_left(core, value)


def score(sentences: Sequence[Sentence], scrub: Callable[[str], str], language: str = "ru") -> Scores:
    """Recall and precision of ``scrub`` (``str -> str``) on labelled sentences.

    Rules:

    - **Recall.** A planted value is recalled when none of its ``core`` pieces is left
      in the scrubbed text. Pieces without digits, and short pieces with digits (fewer
      than 5 characters: house numbers such as ``5``, ``57Б``, ``221B``, a passport
      series ``4510``), are compared case-insensitively as whole words (``Иванов`` is
      not left in ``Иванова``: the core of a declined name is the words as written in
      its sentence, so the declined form must go). Pieces with a digit and 5+
      characters (phones, cards, ids, plates) are compared case-insensitively as
      substrings after removing spaces, dashes, dots, brackets and «№» from both the
      piece and the scrubbed text. Recall per kind = recalled / planted (1.0 when nothing
      of the kind is planted).
    - **Precision.** The placeholders ``PLACEHOLDER_TEXT[language][kind]`` are counted
      in each scrubbed text. Per sentence and kind, true placeholders = min(placeholders
      found, values planted of that kind); the rest are false alarms. Precision per kind
      = true / found (1.0 when none is found). A placeholder of the wrong kind for a
      planted value is a false alarm of its kind, while the value still counts as
      recalled if its core is gone (recall measures that nothing personal survives).
    - ``"all"`` pools every kind (recalled / planted, true / found).
    - ``misses`` lists ``(scrubbed text, value)`` for every value not recalled;
      ``false_alarms`` lists ``(original, scrubbed, kind)`` once per false placeholder.
    """
    marks = PLACEHOLDER_TEXT[language]
    keys = (*KINDS, "all")
    planted = dict.fromkeys(keys, 0)
    recalled = dict.fromkeys(keys, 0)
    found = dict.fromkeys(keys, 0)
    true = dict.fromkeys(keys, 0)
    misses: list[tuple[str, Planted]] = []
    false_alarms: list[tuple[str, str, str]] = []
    for sent in sentences:
        out = scrub(sent.text)
        for p in sent.planted:
            planted[p.kind] += 1
            planted["all"] += 1
            if any(core_left(c, out) for c in p.core):
                misses.append((out, p))
            else:
                recalled[p.kind] += 1
                recalled["all"] += 1
        for kind in KINDS:
            n_found = out.count(marks[kind])
            n_true = min(n_found, sum(p.kind == kind for p in sent.planted))
            found[kind] += n_found
            found["all"] += n_found
            true[kind] += n_true
            true["all"] += n_true
            false_alarms.extend([(sent.text, out, kind)] * (n_found - n_true))
    recall = {k: recalled[k] / planted[k] if planted[k] else 1.0 for k in keys}
    precision = {k: true[k] / found[k] if found[k] else 1.0 for k in keys}
    return Scores(recall, precision, planted, found, misses, false_alarms)


def format_scores(scores: Scores, misses: int = 3, false_alarms: int = 10) -> str:
    """A plain-text table of the scores, with a few misses of each kind and false alarms."""
    lines = [f"{'kind':<16}{'planted':>8}{'found':>8}{'recall':>8}{'precision':>10}"]
    for k in (*KINDS, "all"):
        lines.append(f"{k:<16}{scores.planted[k]:>8}{scores.found[k]:>8}"
                     f"{scores.recall[k]:>8.3f}{scores.precision[k]:>10.3f}")
    if scores.misses:
        lines.append("misses (scrubbed text | value):")
        for kind in KINDS:
            for out, p in [m for m in scores.misses if m[1].kind == kind][:misses]:
                lines.append(f"  {kind}: {out}  |  {p.value}")
    if scores.false_alarms:
        lines.append(f"false alarms ({len(scores.false_alarms)}; original -> scrubbed):")
        for orig, out, kind in scores.false_alarms[:false_alarms]:
            lines.append(f"  {kind}: {orig}  ->  {out}")
    return "\n".join(lines)


# =============================================================================== check digits
def snils_check(nine: str) -> str:
    """The two check digits of a SNILS given its first nine digits.

    Sum of digit × (9 - position) over the nine digits; the check number is the sum when
    below 100, 0 for 100 and 101, else the sum mod 101 (100 -> 0).
    """
    total = sum(int(d) * (9 - i) for i, d in enumerate(nine))
    if total < 100:
        check = total
    elif total in (100, 101):
        check = 0
    else:
        check = total % 101
        check = 0 if check == 100 else check
    return f"{check:02d}"


def snils_valid(value: str) -> bool:
    """Whether a SNILS (any separators) has the right check digits."""
    digits = re.sub(r"\D", "", value)
    return len(digits) == 11 and snils_check(digits[:9]) == digits[9:]


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10)


def inn_complete(prefix: str) -> str:
    """A valid INN from its first 9 (organisation) or 10 (person) digits."""
    if len(prefix) == 9:
        return prefix + _inn_digit(prefix, _INN10)
    n11 = prefix + _inn_digit(prefix, _INN11)
    return n11 + _inn_digit(n11, _INN12)


_BY_ID_VALUES = {**{str(d): d for d in range(10)}, **{chr(ord("A") + i): 10 + i for i in range(26)}}


def by_id_check(first13: str) -> str:
    """Check digit of a Belarusian identification number: weights 7, 3, 1 repeated over the
    13 characters (digits as themselves, Latin letters A=10 … Z=35), sum mod 10."""
    weights = (7, 3, 1) * 5
    return str(sum(_BY_ID_VALUES[c] * w for c, w in zip(first13, weights)) % 10)


# =============================================================================== names
#: Surnames in the masculine form. Types: -ов/-ев/-ёв/-ин (adjectival-possessive), -ский/-цкий
#: (adjective), -енко/-ко/-ых (never declined), other consonants (declined for men only), -а.
SURNAMES = (
    "Иванов", "Петров", "Кузнецов", "Смирнов", "Ковалёв", "Соколов", "Морозов", "Волков", "Лебедев",
    "Козлов", "Новиков", "Зайцев", "Павлов", "Семёнов", "Голубев", "Виноградов", "Богданов", "Воробьёв",
    "Фёдоров", "Михайлов", "Тарасов", "Беляев", "Комаров", "Орлов", "Киселёв", "Макаров", "Андреев",
    "Гусев", "Титов", "Кудрявцев", "Баранов", "Куликов", "Сорокин", "Никитин", "Ильин", "Калинин",
    "Егоров", "Громов", "Сидоров", "Белоусов", "Гончаров", "Ермолаев",
    "Сидоренко", "Кравченко", "Шевченко", "Бондаренко", "Ткаченко", "Коваленко", "Литвиненко", "Марченко",
    "Павленко", "Лысенко", "Остапенко", "Сушко", "Рудько", "Черных",
    "Лукашевич", "Богданович", "Мартинкевич", "Янушкевич", "Карпович", "Климович", "Ярошевич", "Станкевич",
    "Жданович", "Войтович", "Пашкевич", "Адамович", "Макаревич", "Прокопович", "Гуринович", "Олешкевич",
    "Шевчук", "Ковальчук", "Ткачук", "Гайдук", "Полещук", "Романюк", "Кравчук",
    "Новик", "Дубовик", "Жук", "Мельник", "Мороз", "Бурак", "Бондарь",
    "Козловский", "Романовский", "Савицкий", "Ковалевский", "Давыдовский", "Зелинский", "Вишневский",
    "Лисовский", "Яблонский", "Ольшевский", "Завадский", "Липницкий",
    "Шульга",
)
#: (name, gender); Пётр and Павел have a fleeting vowel, handled in :func:`decline_first`.
FIRST_NAMES = (
    ("Иван", "m"), ("Пётр", "m"), ("Сергей", "m"), ("Андрей", "m"), ("Алексей", "m"), ("Николай", "m"),
    ("Дмитрий", "m"), ("Александр", "m"), ("Владимир", "m"), ("Максим", "m"), ("Артём", "m"), ("Денис", "m"),
    ("Павел", "m"), ("Олег", "m"), ("Игорь", "m"), ("Виктор", "m"), ("Роман", "m"), ("Антон", "m"),
    ("Евгений", "m"), ("Вадим", "m"), ("Кирилл", "m"), ("Михаил", "m"), ("Станислав", "m"), ("Юрий", "m"),
    ("Вячеслав", "m"), ("Илья", "m"), ("Никита", "m"),
    ("Ольга", "f"), ("Анна", "f"), ("Елена", "f"), ("Татьяна", "f"), ("Наталья", "f"), ("Ирина", "f"),
    ("Светлана", "f"), ("Марина", "f"), ("Юлия", "f"), ("Мария", "f"), ("Екатерина", "f"), ("Анастасия", "f"),
    ("Дарья", "f"), ("Алина", "f"), ("Ксения", "f"), ("Виктория", "f"), ("Оксана", "f"), ("Людмила", "f"),
    ("Галина", "f"), ("Алёна", "f"), ("Кристина", "f"), ("Валентина", "f"), ("Полина", "f"), ("Жанна", "f"),
    ("Яна", "f"),
)
#: Short forms used in talk (interviews): Дима, Оля ...
DIMINUTIVES = (
    ("Саша", "m"), ("Дима", "m"), ("Серёжа", "m"), ("Паша", "m"), ("Миша", "m"), ("Вова", "m"), ("Коля", "m"),
    ("Лёша", "m"), ("Саша", "f"), ("Лена", "f"), ("Катя", "f"), ("Оля", "f"), ("Таня", "f"), ("Настя", "f"),
    ("Юля", "f"), ("Наташа", "f"), ("Маша", "f"), ("Света", "f"), ("Женя", "f"),
)
#: Patronymics in the masculine form; the feminine is -ич -> -на.
PATRONYMICS = (
    "Иванович", "Петрович", "Сергеевич", "Андреевич", "Алексеевич", "Николаевич", "Дмитриевич",
    "Александрович", "Владимирович", "Викторович", "Олегович", "Игоревич", "Михайлович", "Анатольевич",
    "Васильевич", "Юрьевич", "Геннадьевич", "Павлович", "Леонидович", "Валерьевич", "Евгеньевич",
    "Борисович", "Фёдорович", "Степанович",
)

_SIBILANT = "жшщчц"
_VELAR_SIB = "гкхжшщч"


def _decline_hard_consonant(word: str, case: str) -> str:
    """A masculine noun ending in a hard consonant (Иван, Жук, Лукашевич)."""
    ins = "ем" if word[-1] in _SIBILANT else "ом"
    return {"nom": word, "gen": word + "а", "dat": word + "у", "acc": word + "а", "ins": word + ins,
            "pre": word + "е"}[case]


def _decline_a(word: str, case: str) -> str:
    """A noun in -а/-я (Ольга, Наталья, Юлия, Никита, Шульга, Саша)."""
    stem, last = word[:-1], word[-1]
    if word.endswith("ия"):
        return {"nom": word, "gen": stem + "и", "dat": stem + "и", "acc": stem + "ю", "ins": stem + "ей",
                "pre": stem + "и"}[case]
    if last == "я":
        ins = "ёй" if word == "Илья" else "ей"
        return {"nom": word, "gen": stem + "и", "dat": stem + "е", "acc": stem + "ю", "ins": stem + ins,
                "pre": stem + "е"}[case]
    gen = "и" if stem[-1] in _VELAR_SIB else "ы"
    ins = "ей" if stem[-1] in _SIBILANT else "ой"
    return {"nom": word, "gen": stem + gen, "dat": stem + "е", "acc": stem + "у", "ins": stem + ins,
            "pre": stem + "е"}[case]


def decline_first(name: str, case: str) -> str:
    """A first name (or its short form) in a grammatical case."""
    if case == "nom":
        return name
    if name[-1] in "ая":
        return _decline_a(name, case)
    if name in ("Пётр", "Павел"):
        return _decline_hard_consonant("Петр" if name == "Пётр" else "Павл", case)
    if name.endswith("ий"):
        stem = name[:-1]
        return {"gen": stem + "я", "dat": stem + "ю", "acc": stem + "я", "ins": stem + "ем", "pre": stem + "и"}[case]
    if name[-1] in "йь":
        stem = name[:-1]
        return {"gen": stem + "я", "dat": stem + "ю", "acc": stem + "я", "ins": stem + "ем", "pre": stem + "е"}[case]
    return _decline_hard_consonant(name, case)


def patronymic(male_form: str, gender: str) -> str:
    """Сергеевич -> Сергеевна for a woman."""
    return male_form if gender == "m" else male_form[:-2] + "на"


def decline_patronymic(word: str, case: str) -> str:
    """A patronymic (-ович/-евич, -овна/-евна) in a grammatical case."""
    if word.endswith("ич"):
        return _decline_hard_consonant(word, case)
    return _decline_a(word, case)


def surname_form(male_form: str, gender: str) -> str:
    """The surname in the person's gender, nominative: Иванов -> Иванова, Козловский -> Козловская."""
    if gender == "m":
        return male_form
    if male_form.endswith(("ский", "цкий")):
        return male_form[:-2] + "ая"
    if re.search(r"(?:[оеё]в|[иы]н)$", male_form):
        return male_form + "а"
    return male_form  # -енко, -ич, -ук, Жук, Шульга: the same word


def decline_surname(male_form: str, gender: str, case: str) -> str:
    """A surname (given in the masculine form) for a person of ``gender`` in ``case``."""
    word = surname_form(male_form, gender)
    if case == "nom":
        return word
    if male_form.endswith(("ский", "цкий")):
        stem = male_form[:-2]
        if gender == "m":
            return {"gen": stem + "ого", "dat": stem + "ому", "acc": stem + "ого", "ins": stem + "им",
                    "pre": stem + "ом"}[case]
        return {"gen": stem + "ой", "dat": stem + "ой", "acc": stem + "ую", "ins": stem + "ой",
                "pre": stem + "ой"}[case]
    if re.search(r"(?:[оеё]в|[иы]н)$", male_form):
        if gender == "m":
            return {"gen": word + "а", "dat": word + "у", "acc": word + "а", "ins": word + "ым",
                    "pre": word + "е"}[case]
        return {"gen": male_form + "ой", "dat": male_form + "ой", "acc": male_form + "у", "ins": male_form + "ой",
                "pre": male_form + "ой"}[case]
    if male_form.endswith(("ко", "ых", "их", "аго")):
        return word
    if word.endswith("а"):
        return _decline_a(word, case)
    if gender == "f":
        return word  # Жук, Шевчук, Лукашевич: a woman's surname on a consonant is not declined
    if word.endswith("ь"):
        stem = word[:-1]
        return {"gen": stem + "я", "dat": stem + "ю", "acc": stem + "я", "ins": stem + "ем", "pre": stem + "е"}[case]
    return _decline_hard_consonant(word, case)


_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
     "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya")))


def translit(word: str) -> str:
    """Latin spelling as in a passport or a profile (Пётр -> Petr, Дмитрий -> Dmitry)."""
    low = word.lower()
    low = re.sub(r"ий$", "y", low)
    out = "".join(_TRANSLIT.get(c, c) for c in low)
    return out.capitalize() if word[:1].isupper() else out


@dataclass(frozen=True)
class Person:
    surname: str  # masculine form
    first: str
    patronymic: str  # masculine form
    gender: str


def surname_type(male_form: str) -> str:
    """How a surname declines: ``ov`` (Иванов, Ильин), ``sky`` (Козловский), ``fixed`` (Сидоренко,
    Черных), ``a`` (Шульга), ``soft`` (Бондарь), ``hard`` (Жук, Шевчук, Лукашевич)."""
    if male_form.endswith(("ский", "цкий")):
        return "sky"
    if re.search(r"(?:[оеё]в|[иы]н)$", male_form):
        return "ov"
    if male_form.endswith(("ко", "ых", "их", "аго")):
        return "fixed"
    return {"а": "a", "ь": "soft"}.get(male_form[-1], "hard")


SURNAME_TYPES = ("ov", "ov", "ov", "sky", "fixed", "hard", "hard", "a", "soft")


def _person(rng: random.Random, case: str = "nom") -> Person:
    """A person; in a :class:`Deck`, surname types and genders are dealt per grammatical case,
    so that every case meets every way of declining."""
    kind, g = _pick(rng, "surname_type." + case, [(k, g) for k in SURNAME_TYPES for g in "mf"])
    surname = _pick(rng, "surname." + kind, [x for x in SURNAMES if surname_type(x) == kind])
    first = _pick(rng, "first." + g, [f for f, fg in FIRST_NAMES if fg == g])
    return Person(surname, first, _pick(rng, "patronymic", PATRONYMICS), g)


def _words(person: Person, case: str) -> tuple[str, str, str]:
    return (decline_surname(person.surname, person.gender, case), decline_first(person.first, case),
            decline_patronymic(patronymic(person.patronymic, person.gender), case))


def _initials(person: Person, rng: random.Random) -> str:
    f, p = person.first[0], person.patronymic[0]
    return rng.choice((f"{f}.{p}.", f"{f}. {p}."))


def _name_core(value: str) -> tuple[str, ...]:
    return tuple(w for w in re.findall(r"[A-Za-zА-Яа-яЁёІі]+", value) if len(w) >= 3)


#: Cyrillic name formats and their weights.
_NAME_FORMATS = (("SFP", 18), ("FPS", 7), ("FS", 10), ("SF", 7), ("FP", 10), ("S", 6), ("S_II", 12),
                 ("II_S", 6), ("CAPS", 7), ("lower", 6), ("latin", 7))


def name_value(rng: random.Random, person: Person, case: str, fmt: str | None = None) -> str:
    """The person's name as written in a sentence, in ``case`` (a random format unless ``fmt``)."""
    if fmt is None:
        fmt = _pick(rng, "name.format", [f for f, w in _NAME_FORMATS for _ in range(w)])
    s, f, p = _words(person, case)
    if fmt == "SFP":
        return f"{s} {f} {p}"
    if fmt == "FPS":
        return f"{f} {p} {s}"
    if fmt == "FS":
        return f"{f} {s}"
    if fmt == "SF":
        return f"{s} {f}"
    if fmt == "FP":
        return f"{f} {p}"
    if fmt == "S":
        return s
    if fmt == "S_II":
        return f"{s} {_initials(person, rng)}"
    if fmt == "II_S":
        return f"{_initials(person, rng)} {s}"
    if fmt == "CAPS":
        return rng.choice((f"{s} {f} {p}", f"{s} {_initials(person, rng)}", f"{f} {s}")).upper()
    if fmt == "lower":
        return rng.choice((f"{s} {f} {p}", f"{f} {p} {s}", f"{f} {s}")).lower()
    if fmt == "latin":
        return latin_name(rng, person)
    raise ValueError(fmt)


def latin_name(rng: random.Random, person: Person) -> str:
    """A Latin transliteration: Petr Ivanov, Ivanov Petr, P. Ivanov, Ivanov P., IVANOV PETR."""
    s = translit(surname_form(person.surname, person.gender))
    f = translit(person.first)
    return _pick(rng, "latin", (f"{f} {s}", f"{f} {s}", f"{s} {f}", f"{f[0]}. {s}", f"{s} {f[0]}.",
                                f"{s} {f}".upper()))


# =============================================================================== other values
BY_MOBILE = ("25", "29", "33", "44")
RU_MOBILE = ("903", "905", "910", "915", "916", "921", "925", "926", "960", "977", "985", "999")


def phone_value(rng: random.Random) -> str:
    """A Belarusian or Russian phone number in one of the usual spellings."""
    d = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(6))
    a, b, c = d[:3], d[3:5], d[5:]
    by, ru = rng.choice(BY_MOBILE), rng.choice(RU_MOBILE)
    spellings = (  # Belarusian mobile (twice as often), Minsk landline, Russian
        *[f"+375 ({by}) {a}-{b}-{c}", f"+375 {by} {a}-{b}-{c}", f"+375{by}{d}", f"375{by}{d}",
          f"8 0{by} {a} {b} {c}", f"80{by}{d}", f"8-0{by}-{a}-{b}-{c}", f"8 (0{by}) {a}-{b}-{c}",
          f"(0{by}) {a}-{b}-{c}", f"+375-{by}-{d}", f"+375 {by} {d}", f"8 0{by} {d}"] * 2,
        f"8 017 {a}-{b}-{c}", f"+375 17 {a}-{b}-{c}", f"8-017-{a}-{b}-{c}", f"(017) {a}-{b}-{c}",
        f"+7 {ru} {a}-{b}-{c}", f"8 ({ru}) {a}-{b}-{c}", f"+7{ru}{d}", f"8{ru}{d}", f"8-{ru}-{a}-{b}-{c}",
        f"+7 ({ru}) {a}-{b}-{c}", f"+7 (495) {a}-{b}-{c}")
    return spellings[_pick(rng, "phone", range(len(spellings)))]


_MAIL_DOMAINS = ("mail.ru", "gmail.com", "tut.by", "yandex.ru", "yandex.by", "inbox.ru", "bk.ru", "list.ru",
                 "outlook.com", "icloud.com", "rambler.ru")


def _login(rng: random.Random, person: Person, seps: str = "._") -> str:
    s = translit(surname_form(person.surname, person.gender)).lower()
    f = translit(person.first).lower()
    sep = rng.choice(seps)
    year = str(rng.randint(70, 99)) if rng.random() < 0.3 else ""
    return rng.choice((f"{f}{sep}{s}", f"{s}{sep}{f}", f"{f[0]}{sep}{s}", f"{s}{sep}{f[:3]}", f"{f}{s}",
                       f"{s}{f[0]}")) + year


def email_value(rng: random.Random, person: Person) -> tuple[str, tuple[str, ...]]:
    """``ivan.petrov@mail.ru``, ``O.Sidorenko@gmail.com``; core the local part."""
    local = _login(rng, person, "._")
    if rng.random() < 0.2:
        local = ".".join(p.capitalize() for p in local.split("."))
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}", (local,)


def handle_value(rng: random.Random, person: Person) -> tuple[str, tuple[str, ...]]:
    """``@ivanov_petr``, ``t.me/olga_sid``, ``https://vk.com/id123456``, ``instagram.com/petr.ivanov``."""
    login = _login(rng, person, "_" if rng.random() < 0.6 else ".")
    style = _pick(rng, "handle", range(8))
    if style == 0:
        return f"@{login.replace('.', '_')}", (login.replace(".", "_"),)
    if style == 1:
        login = login.replace(".", "_")
        return rng.choice((f"t.me/{login}", f"https://t.me/{login}")), (login,)
    if style == 2:
        vid = f"id{rng.randint(10_000, 799_999_999)}"
        return rng.choice((f"https://vk.com/{vid}", f"vk.com/{vid}")), (vid,)
    if style == 3:
        return rng.choice((f"vk.com/{login}", f"https://vk.com/{login}")), (login,)
    if style == 4:
        return rng.choice((f"instagram.com/{login}", f"https://www.instagram.com/{login}/")), (login,)
    if style == 5:
        login = login.replace("_", ".")
        return rng.choice((f"www.facebook.com/{login}", f"facebook.com/{login}")), (login,)
    if style == 6:
        profile = str(rng.randint(500_000_000_000, 599_999_999_999))
        return f"ok.ru/profile/{profile}", (profile,)
    login = login.replace(".", "_")
    return f"@{login}", (login,)


#: (type, name): streets of Belarusian towns; "adj" names agree with «улица» (Советская -> Советской).
STREETS = (
    ("ул", "Советская", "adj"), ("ул", "Притыцкого", ""), ("ул", "Сурганова", ""), ("ул", "Кальварийская", "adj"),
    ("ул", "Якуба Коласа", ""), ("ул", "Янки Купалы", ""), ("ул", "Максима Богдановича", ""),
    ("ул", "Ленина", ""), ("ул", "Калиновского", ""), ("ул", "Тимирязева", ""), ("ул", "Московская", "adj"),
    ("ул", "Гикало", ""), ("ул", "Платонова", ""), ("ул", "Воронянского", ""), ("ул", "Есенина", ""),
    ("ул", "Ангарская", "adj"), ("ул", "Кульман", ""), ("ул", "Лобанка", ""), ("ул", "Уручская", "adj"),
    ("ул", "Одоевского", ""), ("ул", "Гоголя", ""), ("ул", "Ожешко", ""), ("ул", "Первомайская", "adj"),
    ("ул", "Интернациональная", "adj"), ("ул", "Свердлова", ""), ("ул", "Карла Маркса", ""),
    ("пр", "Независимости", ""), ("пр", "Победителей", ""), ("пр", "Дзержинского", ""), ("пр", "Машерова", ""),
    ("пр", "Рокоссовского", ""), ("пр", "Газеты Правда", ""), ("пр", "Мира", ""), ("пр", "Речицкий", "madj"),
    ("пр", "Партизанский", "madj"),
    ("пер", "Козлова", ""), ("пер", "Калинина", ""), ("пер", "Добромысленский", "madj"),
    ("бр", "Шевченко", ""), ("бр", "Мулявина", ""),
)
TOWNS_AT = ("г. Минск", "г. Гомель", "г. Брест", "г. Гродно", "г. Витебск", "г. Могилёв", "г. Борисов",
            "г. Бобруйск", "Минск", "Гродно")


def _house(rng: random.Random) -> str:
    h = str(rng.choice((rng.randint(1, 30), rng.randint(1, 30), rng.randint(31, 180))))
    if rng.random() < 0.2:
        h += rng.choice("АБВ" if rng.random() < 0.8 else "абк")
    return h


def _flat(rng: random.Random) -> str:
    return str(rng.randint(1, 260))


_MARKERS = {  # (nominative spellings, locative spellings) of each street type
    "ул": (("ул.", "ул.", "улица", "ул"), ("ул.", "улице")),
    "пр": (("пр-т", "проспект", "пр.", "просп."), ("пр-те", "проспекте", "пр.")),
    "пер": (("пер.", "переулок"), ("пер.", "переулке")),
    "бр": (("б-р", "бульвар"), ("б-р", "бульваре")),
}


def _street(rng: random.Random, case: str) -> tuple[str, tuple[str, ...]]:
    """A street as written before the house number, and its name words."""
    typ, street, agree = _pick(rng, "street", STREETS)
    loc = case == "loc"
    marker = rng.choice(_MARKERS[typ][1 if loc else 0])
    name = street
    if agree == "adj" and loc:
        name = street[:-2] + "ой"  # Советская -> Советской
    if agree == "madj":  # Речицкий проспект: the adjective may come first
        if loc:
            name = street[:-2] + "ом"
        head = rng.choice((f"{marker} {name}", f"{name} {marker}"))
    else:
        head = f"{marker} {name}"
    return head, tuple(w for w in name.split() if len(w) >= 3)


def address_value(rng: random.Random, case: str = "nom") -> tuple[str, tuple[str, ...]]:
    """A street address in Russian, nominative or locative (after «на»; the preposition is not
    part of the value); core = the street name words and the house number."""
    head, words = _street(rng, case)
    house, flat = _house(rng), _flat(rng)
    tails = (
        f" {house}-{flat}", f", д. {house}, кв. {flat}", f" д. {house} кв. {flat}", f", {house}",
        f", дом {house}, корпус {rng.randint(1, 4)}, квартира {flat}", f", {house}-{flat}", f" {house}, кв. {flat}",
        f", д.{house}, кв.{flat}", f", д. {house}", f", д. {house}, корп. {rng.randint(1, 4)}, кв. {flat}")
    value = head + tails[_pick(rng, "address.tail", range(len(tails)))]
    if case == "nom" and rng.random() < 0.2:
        value = f"{rng.choice(TOWNS_AT)}, {value}"
    return value, (*words, house)


EN_STREETS = ("Baker", "Oxford", "Victoria", "Church", "Station", "Park", "Mill", "Queen", "King", "Green",
              "Elm", "Maple", "Oak", "High")
EN_TYPES = ("Street", "St.", "Road", "Rd", "Avenue", "Lane", "Drive")


def address_en_value(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """``12 Baker Street``, ``221B Baker St.``, ``Flat 3, 45 Oxford Road``, or a Minsk address in Latin."""
    if rng.random() < 0.25:
        street, typ = rng.choice((("Nezavisimosti", "Ave"), ("Pobediteley", "Ave"), ("Surganova", "St."),
                                  ("Pritytskogo", "St."), ("Kalvariyskaya", "St."), ("Masherova", "Ave")))
        house = str(rng.randint(1, 150))
        return f"{house} {street} {typ}, apt. {_flat(rng)}, Minsk", (street, house)
    street, typ = rng.choice(EN_STREETS), rng.choice(EN_TYPES)
    house = str(rng.randint(1, 240)) + (rng.choice("AB") if rng.random() < 0.2 else "")
    value = f"{house} {street} {typ}"
    if rng.random() < 0.25:
        value = f"Flat {rng.randint(1, 40)}, {value}"
    return value, (street, house)


PASSPORT_SERIES = ("MP", "MP", "MP", "MC", "HB", "KH", "AB", "BM", "KB", "PP", "MH")
_CYR = str.maketrans("ABEKMHOPCTX", "АВЕКМНОРСТХ")


def passport_value(rng: random.Random, country: str = "") -> tuple[str, tuple[str, ...]]:
    """A Belarusian passport (``MP1234567``, ``МР 1234567``) or a Russian one (``45 10 123456``,
    ``серия 4510 номер 123456``: core then the series and the number); ``country`` "ru" for
    a Russian one only."""
    styles = ("by", "by", "by", "by_space", "by_no", "ru", "ru_4", "ru_no", "ru_words")
    style = _pick(rng, "passport" + country, [x for x in styles if x.startswith(country)])
    if style.startswith("by"):
        series = rng.choice(PASSPORT_SERIES)
        if rng.random() < 0.35:
            series = series.translate(_CYR)
        digits = f"{rng.randint(1000000, 4999999)}"
        value = {"by": f"{series}{digits}", "by_space": f"{series} {digits}", "by_no": f"{series} № {digits}"}[style]
        if rng.random() < 0.1:
            value = value.lower()
        return value, (re.sub(r"[\s№]", "", value),)
    series = f"{rng.randint(1, 99):02d}{rng.randint(0, 24):02d}"
    number = f"{rng.randint(100000, 999999)}"
    if style == "ru_words":
        return f"серия {series} номер {number}", (series, number)
    value = {"ru": f"{series[:2]} {series[2:]} {number}", "ru_4": f"{series} {number}",
             "ru_no": f"{series} № {number}"}[style]
    return value, (series + number,)


def personal_number_value(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A Belarusian identification number ``3140588A001PB5``."""
    first = rng.choice("3456")
    year = rng.randint(0, 99) if first in "34" else rng.randint(0, 6)
    body = f"{first}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{year:02d}"
    body += rng.choice("ABCHKEM") + f"{rng.randint(0, 999):03d}" + rng.choice(("PB", "PB", "PB", "BA", "BI", "GB"))
    value = body + by_id_check(body)
    if rng.random() < 0.1:
        value = value.lower()
    return value, (value,)


def snils_value(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A SNILS ``112-233-445 95`` with its check digits."""
    nine = f"{rng.randint(2_000_000, 999_999_999):09d}"
    check = snils_check(nine)
    dashed = f"{nine[:3]}-{nine[3:6]}-{nine[6:]}"
    value = _pick(rng, "snils", (f"{dashed} {check}", f"{dashed} {check}", f"{dashed}-{check}", f"{nine}{check}"))
    return value, (nine + check,)


def inn_value(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A Russian INN, 12 digits (a person) or 10 (a company, an individual's firm)."""
    region = f"{rng.choice((77, 50, 78, 66, 23, 54, 52, 16, 61, 67, 32)):02d}"
    if _pick(rng, "inn", (12, 12, 10)) == 12:
        value = inn_complete(region + f"{rng.randint(0, 99_999_999):08d}")
    else:
        value = inn_complete(region + f"{rng.randint(0, 9_999_999):07d}")
    return value, (value,)


CARD_PREFIXES = ("4", "4", "4276", "4255", "5", "51", "53", "55", "2200", "2202", "9112")


def card_value(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A 16-digit Luhn-valid card number, grouped by spaces or dashes or not at all."""
    prefix = rng.choice(CARD_PREFIXES)
    if prefix == "5":
        prefix = str(rng.randint(51, 55))
    body = prefix + "".join(rng.choice("0123456789") for _ in range(15 - len(prefix)))
    digits = body + _luhn.calc_check_digit(body)
    groups = [digits[i:i + 4] for i in range(0, 16, 4)]
    value = _pick(rng, "card", (" ".join(groups), " ".join(groups), "-".join(groups), digits))
    return value, (digits,)


BY_BANKS = ("NBRB", "ALFA", "PJCB", "AKBB", "BPSB", "BLBB", "MTBK", "UNBS", "BAPB", "OLMP")
DE_BANKS = ("37040044", "10070000", "50010517", "20041133", "76026000", "12030000")


def iban_value(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A Belarusian (28 characters) or German (22) IBAN with valid check digits, grouped by 4 or not."""
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    if _pick(rng, "iban", ("BY", "BY", "DE")) == "BY":
        bban = (rng.choice(BY_BANKS) + rng.choice(("3012", "3014", "3013", "3819", "3600"))
                + "".join(rng.choice("0123456789") if rng.random() < 0.8 else rng.choice(alnum) for _ in range(16)))
        country = "BY"
    else:
        bban = rng.choice(DE_BANKS) + f"{rng.randint(0, 9_999_999_999):010d}"
        country = "DE"
    number = country + _iban.calc_check_digits(country + "00" + bban) + bban
    grouped = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    return _pick(rng, "iban.group", (grouped, grouped, grouped, number)), (number,)


BY_PLATE_CYR = "АВЕІКМНОРСТХ"
BY_PLATE_LAT = "ABEIKMHOPCTX"
RU_PLATE = "АВЕКМНОРСТУХ"
RU_REGIONS = ("77", "97", "177", "777", "50", "150", "750", "78", "178", "67", "32", "40")


def plate_value(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A Belarusian plate ``1234 AB-7`` (Latin or Cyrillic letters) or a Russian one ``А123ВС 77``."""
    letters = BY_PLATE_CYR if rng.random() < 0.5 else BY_PLATE_LAT
    num, ab, region = f"{rng.randint(1, 9999):04d}", rng.choice(letters) + rng.choice(letters), str(rng.randint(1, 7))
    a, bc = rng.choice(RU_PLATE), rng.choice(RU_PLATE) + rng.choice(RU_PLATE)
    ru_num, ru_region = f"{rng.randint(1, 999):03d}", rng.choice(RU_REGIONS)
    spellings = (
        *[f"{num} {ab}-{region}", f"{num} {ab}-{region}", f"{num}{ab}-{region}", f"{num} {ab} - {region}"] * 2,
        f"{a}{ru_num}{bc} {ru_region}", f"{a}{ru_num}{bc}{ru_region}", f"{a} {ru_num} {bc} {ru_region}",
        f"{a}{ru_num}{bc} {ru_region}".lower(), f"{a}{ru_num}{bc}{ru_region}".lower())
    value = spellings[_pick(rng, "plate", range(len(spellings)))]
    return value, (_SQUASH.sub("", value),)


# =============================================================================== templates
# Slots: {name.CASE} a person's name in some format; {full.CASE} surname + first name (+ patronymic)
# or surname + initials; {first.CASE} a first name alone; {dimin.CASE} a short form (Дима);
# {surn.CASE} a surname alone; {patr.CASE} the patronymic of the name just before it (one value with it);
# {ename} a Latin name; {phone} {email} {handle} {tg} (a Telegram handle) {addr} {addr.loc}
# {passport_ru} {passport_by} (a Russian, a Belarusian passport)
# {addr_en} {passport} {pn} {snils} {inn} {card} {iban} {plate}.
# <a|b> chooses by the gender of the sentence's person (first for a man, second for a woman).
# Several name slots in one template are different people.

MANAGER = (
    "<Клиент|Клиентка> {name.nom} <просил|просила> перезвонить на {phone} после 18:00",
    "<Клиент|Клиентка> {name.nom} просит перезвонить на {phone}, днём не может говорить",
    "Позвонил {name.dat}, уточнил аванс и срок, ждёт расчёт на {email}",
    "Договор передан {name.dat} на подпись, копия ушла на {email}",
    "Выезд по адресу {addr} в четверг, контакт {name.nom}, тел. {phone}",
    "Встреча с {name.ins} перенесена, адрес доставки: {addr}",
    "Документы {name.gen} переданы в СБ: паспорт {passport_by}, личный номер {pn}",
    "Паспорт {passport_by} сверен, личный номер {pn} совпадает с анкетой",
    "Не дозвонился до {name.gen}, написал в Viber на {phone}",
    "Отказ СБ по {name.dat}: просрочки в кредитной истории, паспорт {passport}",
    "По заявке {name.gen} нужен ИНН {inn} и СНИЛС {snils} (гражданин РФ)",
    "Гражданин РФ, паспорт {passport_ru}, ИНН {inn}, нужен поручитель",
    "Клиент из РФ, СНИЛС {snils}, ИНН {inn}, документы в работе",
    "ИНН {inn} проверен, анкета {name.gen} готова к одобрению",
    "Аванс оплачен картой {card}, чек отправлен на {email}",
    "Оплата первого взноса с карты {card} не прошла, клиент перезвонит",
    "Реквизиты для возврата: {iban}, получатель {full.nom}",
    "Счёт клиента для возврата переплаты {iban}",
    "Авто {plate} передано {name.dat}, акт подписан",
    "Машина {plate} на стоянке у офиса, ключи у {name.gen}",
    "Клиент приехал на своей машине {plate}, оставил в трейд-ин",
    "Связаться через телеграм {tg}, звонки не принимает",
    "<Клиент|Клиентка> пишет только в {handle}, телефон {phone} не отвечает",
    "Созвонились с {first.ins} {patr.ins}, ждёт КП на {email}",
    "{first.dat} позвонить завтра до обеда по номеру {phone}",
    "Лизингополучатель {full.nom}, личный номер {pn}, паспорт {passport_by}",
    "Поручитель: {full.nom}, {addr}, тел. {phone}",
    "<Супруг|Супруга> клиента {name.nom} тоже будет на подписании, <его|её> номер {phone}",
    "Передать {name.dat}, что одобрение пришло, контакт {phone}",
    "Курьер доставит договор к 10:00, клиент работает на {addr.loc}",
    "Жалоба от {name.gen}: менеджер не перезвонил, просит ответ на {email}",
    "Со слов {name.gen}, машину {plate} поцарапали при выдаче",
    "Заявку оформил<|а> {name.nom}, данные карты {card} для автоплатежа",
    "Пени по договору, <клиент|клиентка> {full.nom} обещал<|а> оплатить, IBAN {iban}",
    "Контакт ЛПР: {name.nom}, {email}, {phone}",
    "Проверка ГИБДД по номеру {plate}: ограничений нет",
    "Уточнить у {name.gen} адрес регистрации: {addr}",
    "Прописан на {addr.loc}, фактически живёт в Гомеле",
    "Для страховки: водитель {full.nom}, паспорт {passport}",
    "Перевести бонус на карту {card} по заявлению {name.gen}",
    "Клиент прислал фото паспорта {passport} в {handle}",
    "Поговорил с {name.ins} о досрочном выкупе, ждёт график на {email}",
    "Клиент спрашивал о {name.pre}, хочет работать только с ним",
    "Созвон с {name.ins} в 11:00, потом выслать договор на {email}",
    "Сделку ведёт {name.nom}, согласовано с {name.ins}",
    "Напомнить {name.dat} о платеже, тел. {phone}",
    "Со слов клиента, о {name.pre} он узнал от знакомых",
    "Встретил<|а> {name.acc} у офиса, передал<|а> документы",
    "В анкете о {name.pre} нет данных о доходе, паспорт {passport}",
    "Клиент знаком с {name.ins} из отдела продаж, просит скидку",
    "Рекомендовал нас {name.nom}, бонус за рекомендацию на карту {card}",
    "Прошу закрепить {name.acc} за менеджером, клиент из Гомеля",
    "Оформление на {name.acc}, залог не нужен, тел. {phone}",
    "Профиль клиента в соцсети: {handle}, там же переписка с {first.ins}",
)
INTERVIEW = (
    "Респондент: Мне <сосед|соседка>, {name.nom}, <посоветовал|посоветовала> вашу компанию",
    "Респондент: Мне {dimin.nom} с работы скинул<|а> ваш сайт",
    "Респондент: Менеджер {first.nom} <был очень вежлив|была очень вежлива>, всё объяснил<|а>",
    "Респондент: Я звонил {first.dat} раз пять, а перезванивали с {phone}",
    "Респондент: Мой номер {phone}, можете написать, если будут вопросы",
    "Респондент: Я живу на {addr.loc}, до вашего офиса час ехать",
    "Интервьюер: Кто вам помогал с документами? — Респондент: {name.nom}, <он|она> у вас юристом",
    "Респондент: Договор подписывал<|а> с {name.ins}, всё прошло быстро",
    "Респондент: Я живу на {addr.loc}, машину {plate} пригнали прямо к подъезду",
    "Респондент: Я вообще пишу в телеграм, мой ник {tg}",
    "Респондент: Почта у меня {email}, туда всё и присылали",
    "Респондент: Платил<|а> с карты {card}, деньги списали два раза",
    "Респондент: У меня номер машины {plate}, камеры её ловили на КАД",
    "Респондент: Паспорт у меня российский, {passport_ru}, и с этим были сложности",
    "Респондент: Просили ИНН {inn}, а я не понимал<|а> зачем",
    "Респондент: Я дал<|а> им СНИЛС {snils}, но его не приняли",
    "Респондент: Возврат пришёл на счёт {iban}, через две недели",
    "Респондент: У {name.gen} лизинг в другой компании, <он|она> жалуется",
    "Респондент: Спасибо {first.dat}, <он|она> реально вытащил<|а> сделку",
    "Респондент: Я {name.nom}, работаю в такси, мне нужна машина под лизинг",
    "Респондент: Личный номер {pn} я вводил<|а> три раза, сайт его не принимал",
    "Респондент: Ну, {dimin.nom} сказал<|а>, что всё оформит за день",
    "Респондент: Я указал<|а> адрес {addr}, а курьер поехал на другой",
    "Респондент: Мы с {name.ins} вместе брали машины, <он|она> у вас второй раз",
    "Респондент: Я с {name.ins} до сих пор на связи, <он|она> и сейчас помогает",
    "Респондент: Я много слышал<|а> о {name.pre}, поэтому и пришёл",
    "Интервьюер: А с {name.ins} вы общались? — Респондент: Да, по телефону",
    "Респондент: Я попросил<|а> позвать {name.acc}, а <его|её> не было",
    "Респондент: Про вас написал<|а> {dimin.nom} у себя на странице, {handle}, я и пошёл",
)
OPEN = (
    "Другое: <посоветовал сосед|посоветовала соседка> {name.nom}, тел. {phone}",
    "Другое: по рекомендации {name.gen}",
    "Другое: узнал<|а> от {first.gen} из автосалона",
    "Перезвоните мне: {phone}, {first.nom}",
    "Пишите на почту {email}",
    "Мой телеграм {tg}, пишите туда",
    "Хочу, чтобы менеджер {name.nom} со мной больше не связывался",
    "Благодарю {name.acc} за помощь с оформлением",
    "Рекомендую {name.acc}, <он|она> всё сделал<|а> быстро",
    "Хорошие отзывы о {name.pre} оправдались",
    "Недоволен общением с {name.ins}, <он|она> не перезвонил<|а>",
    "Передайте спасибо {name.dat} и {name.dat}",
    "Работал<|а> с {name.ins}, всё понравилось",
    "Отдельное спасибо {name.dat}!",
    "Авто {plate} до сих пор не сняли с учёта",
    "Верните деньги на карту {card}",
    "Реквизиты для возврата {iban}",
    "Адрес доставки документов: {addr}",
    "Почему на {addr.loc} нет вашего пункта выдачи?",
    "Паспорт {passport}, прошу удалить мои данные из базы",
    "Прошу удалить мои данные: {name.nom}, {email}",
    "Личный номер {pn}, не могу войти в личный кабинет",
    "СНИЛС {snils} указан неверно, исправьте",
    "ИНН {inn}, нужен акт сверки",
    "Лучший менеджер {first.nom}, а вот с {surn.ins} было сложно",
    "Оценка 2: {name.nom} обещал<|а> перезвонить и пропал<|а>",
    "Связь через {handle} или {phone}",
)
MYSTERY = (
    "Консультант {first.nom} не <представился|представилась>, имя прочитали на бейдже",
    "Консультант (бейдж «{first.nom}») не <представился|представилась>, номер не дал<|а>",
    "Консультант не <представился|представилась>, на бейдже «{name.nom}»",
    "Менеджер {name.nom} <предложил|предложила> тест-драйв, визитка с номером {phone}",
    "Визит 12.03, консультант {name.nom}, контакт для связи {email}",
    "Звонок на {phone}: ответил<|а> {first.nom}, ждал 4 минуты",
    "Тайный покупатель оставил номер {phone}, перезвонили через 2 дня",
    "Легенда: покупатель {name.nom}, телефон {phone}, почта {email}",
    "Консультант {name.nom} попросил<|а> паспорт {passport} до расчёта, это нарушение",
    "На парковке салона стояла машина сотрудника {plate}, мешала подъезду",
    "Консультант {full.nom} записал<|а> адрес {addr} на листке",
    "Менеджер сфотографировал<|а> карту {card} на телефон — грубое нарушение",
    "Старший менеджер {name.nom} подошёл<|ла> через 10 минут",
    "Разговор с {name.ins} длился 12 минут, расчёт не выдан",
    "Отзывы о {name.pre} в зале хорошие, но к нам <он|она> не подошёл<|ла>",
    "Консультант сослал<ся|ась> на {name.acc}, <который|которая> в отпуске",
    "Тест-драйв с {name.ins} не состоялся: машина {plate} на мойке",
    "Оставлен ник {tg} для связи в телеграме, написали через день",
    "В салоне на {addr.loc} консультант {first.nom} не <знал|знала> условий лизинга",
)
ENGLISH = (
    ("Client {ename} asked to call back at {phone}", "manager_comment"),
    ("Please send the invoice to {email}, attention {ename}", "manager_comment"),
    ("Refund to {iban}, account holder {ename}", "manager_comment"),
    ("Wire transfer from {iban} received", "manager_comment"),
    ("Delivery address: {addr_en}", "manager_comment"),
    ("{ename} lives at {addr_en} and wants the car delivered", "manager_comment"),
    ("Found us via {handle}", "open_answer"),
    ("Contact me on {handle} or at {email}", "open_answer"),
    ("My e-mail is {email}", "open_answer"),
    ("Thanks to {ename} for the quick approval", "open_answer"),
    ("Consultant {ename} did not introduce <himself|herself>", "mystery_note"),
    ("Salesperson {ename} gave me a business card with {phone}", "mystery_note"),
    ("Respondent: My colleague {ename} recommended you, <he|she> leased a car last year", "interview_turn"),
    ("Respondent: I paid with card {card} and was charged twice", "interview_turn"),
    ("Respondent: I moved to {addr_en} last spring", "interview_turn"),
    ("Car {plate} was returned with a scratch, contact {email}", "manager_comment"),
    ("Passport {passport} checked, client {ename}", "manager_comment"),
    ("Please remove my data: {ename}, {email}, {handle}", "open_answer"),
)


def _templates() -> list[tuple[str, str]]:
    out = [(t, "manager_comment") for t in MANAGER] + [(t, "interview_turn") for t in INTERVIEW]
    out += [(t, "open_answer") for t in OPEN] + [(t, "mystery_note") for t in MYSTERY] + list(ENGLISH)
    return out


_SLOT = re.compile(r"\{(\w+)(?:\.(\w+))?\}")
_ALT = re.compile(r"<([^<>|]*)\|([^<>|]*)>")
_SLOT_KIND = {"name": "name", "full": "name", "first": "name", "dimin": "name", "surn": "name", "patr": "name",
              "ename": "name", "phone": "phone", "email": "email", "handle": "handle", "tg": "handle",
              "addr": "address", "addr_en": "address", "passport": "passport", "passport_ru": "passport",
              "passport_by": "passport", "pn": "personal_number", "snils": "document", "inn": "document",
              "card": "card", "iban": "iban", "plate": "plate"}


def _template_kinds(template: str) -> set[str]:
    return {_SLOT_KIND[m.group(1)] for m in _SLOT.finditer(template)}


def _fill(rng: random.Random, template: str) -> tuple[str, tuple[Planted, ...]] | None:
    """Fill a template's slots; None when the result breaks a rule (e.g. cores repeated)."""
    names = [m for m in _SLOT.finditer(template) if m.group(1) in ("name", "full", "first", "dimin", "surn",
                                                                    "ename")]
    people: list[Person] = [_person(rng, m.group(2) or "nom") for m in names]
    gender = people[0].gender if people else rng.choice("mf")
    people_iter = iter(people)
    contact = people[0] if people else _person(rng, "contact")
    text_parts: list[str] = []
    planted: list[Planted] = []
    pos = 0
    last_person: Person | None = None
    for m in _SLOT.finditer(template):
        lit = _ALT.sub(lambda a: a.group(1) if gender == "m" else a.group(2), template[pos:m.start()])
        text_parts.append(lit)
        pos = m.end()
        slot, case = m.group(1), m.group(2) or "nom"
        kind = _SLOT_KIND[slot]
        if slot == "patr":  # continues the first name just before: «{first.ins} {patr.ins}» is one value
            assert last_person is not None and planted and planted[-1].kind == "name" and lit == " ", template
            word = decline_patronymic(patronymic(last_person.patronymic, last_person.gender), case)
            value = planted.pop().value + " " + word
            planted.append(Planted("name", value, _name_core(value)))
            text_parts.append(word)
            continue
        if slot in ("name", "full", "first", "dimin", "surn", "ename"):
            person = next(people_iter)
            last_person = person
            if slot == "name":
                value = name_value(rng, person, case)
            elif slot == "full":
                value = name_value(rng, person, case, rng.choice(("SFP", "SFP", "FPS", "S_II", "II_S", "CAPS")))
            elif slot == "first":
                value = decline_first(person.first, case)
            elif slot == "dimin":
                short = rng.choice([d for d, g in DIMINUTIVES if g == person.gender])
                value = decline_first(short, case)
            elif slot == "surn":
                value = decline_surname(person.surname, person.gender, case)
            else:
                value = latin_name(rng, person)
            core = _name_core(value)
        elif slot == "phone":
            value = phone_value(rng)
            core = (re.sub(r"\D", "", value),)
        elif slot == "email":
            value, core = email_value(rng, contact)
        elif slot == "tg":
            login = _login(rng, contact, "_").replace(".", "_")
            value, core = rng.choice((f"@{login}", f"@{login}", f"t.me/{login}", f"https://t.me/{login}")), (login,)
        elif slot == "handle":
            value, core = handle_value(rng, contact)
        elif slot == "addr":
            value, core = address_value(rng, case)
        elif slot == "addr_en":
            value, core = address_en_value(rng)
        elif slot == "passport":
            value, core = passport_value(rng)
        elif slot == "passport_ru":
            value, core = passport_value(rng, "ru")
        elif slot == "passport_by":
            value, core = passport_value(rng, "by")
        elif slot == "pn":
            value, core = personal_number_value(rng)
        elif slot == "snils":
            value, core = snils_value(rng)
        elif slot == "inn":
            value, core = inn_value(rng)
        elif slot == "card":
            value, core = card_value(rng)
        elif slot == "iban":
            value, core = iban_value(rng)
        else:
            value, core = plate_value(rng)
        planted.append(Planted(kind, value, tuple(core)))
        text_parts.append(value)
    tail = _ALT.sub(lambda a: a.group(1) if gender == "m" else a.group(2), template[pos:])
    text = "".join(text_parts) + tail
    sent_planted = tuple(planted)
    if not _oracle_ok(text, sent_planted):
        return None
    return text, sent_planted


def oracle_scrub(sentence: Sentence, language: str = "ru") -> str:
    """The sentence with every planted value replaced by its placeholder (longest values first)."""
    text = sentence.text
    marks = PLACEHOLDER_TEXT[language]
    for p in sorted(sentence.planted, key=lambda p: -len(p.value)):
        text = text.replace(p.value, marks[p.kind])
    return text


def _oracle_ok(text: str, planted: tuple[Planted, ...]) -> bool:
    if any(mark in text for mark in PLACEHOLDER_TEXT["ru"].values()):
        return False
    if any(p.value not in text or not p.core or not all(core_in_value(c, p.value) for c in p.core) for p in planted):
        return False
    values = [p.value for p in planted]
    if len(set(values)) != len(values):  # the same value twice: ambiguous placeholders
        return False
    # kinds scored apart: no value holds a core of another (Petr Ivanov and petr.ivanov@mail.ru)
    if any(core_left(c, q.value) for p in planted for q in planted if q is not p for c in p.core):
        return False
    sent = Sentence(text, planted, "manager_comment")
    out = oracle_scrub(sent)
    if any(core_left(c, out) for p in planted for c in p.core):
        return False
    return all(out.count(PLACEHOLDER_TEXT["ru"][k]) == sum(p.kind == k for p in planted) for k in KINDS)


# =============================================================================== clean sentences
CARS = ("Лада Веста", "Geely Coolray", "Volkswagen Polo", "Шкода Октавия", "Тойота Камри", "Toyota RAV4",
        "BMW X5", "Kia Rio", "Hyundai Creta", "Renault Logan", "Geely Atlas", "Haval Jolion", "Chery Tiggo 7 Pro",
        "Volkswagen Tiguan", "Skoda Rapid", "Лада Гранта", "Нива Тревел", "Mercedes Sprinter", "Ford Transit",
        "Toyota Land Cruiser", "Belgee X50", "Kia Sportage", "Рено Дастер", "Фольксваген Поло", "Шкода Кодиак",
        "Geely Monjaro", "Tesla Model 3", "Audi A6", "Citroen Berlingo", "Peugeot Partner")
CARS_GEN = ("Лады Весты", "Шкоды Октавии", "Тойоты Камри", "Джили Кулрей", "Гранты", "Нивы", "Шкоды Рапид")
CITIES = ("Минск", "Гомель", "Брест", "Гродно", "Витебск", "Могилёв", "Борисов", "Бобруйск", "Барановичи", "Пинск",
          "Орша", "Мозырь", "Солигорск", "Молодечно", "Лида", "Новополоцк", "Жодино", "Москва", "Смоленск")
CITIES_IN = ("в Минске", "в Гомеле", "в Бресте", "в Гродно", "в Витебске", "в Могилёве", "в Борисове",
             "в Бобруйске", "в Барановичах", "в Пинске", "в Орше", "в Мозыре", "в Солигорске", "в Лиде",
             "в Новополоцке", "в Жодино", "в Москве", "в Смоленске", "в Слуцке", "в Жлобине", "в Речице")
CITIES_FROM = ("из Минска", "из Гомеля", "из Бреста", "из Гродно", "из Витебска", "из Могилёва", "из Борисова",
               "из Бобруйска", "из Барановичей", "из Пинска", "из Орши", "из Солигорска", "из Лиды", "из Москвы",
               "из Светлогорска", "из Молодечно")
REGIONS = ("Брестская область", "Гомельская область", "Минская область", "Гродненская область",
           "Витебская область", "Могилёвская область", "Минский район", "Смоленская область")
REGIONS_IN = ("в Брестской области", "в Гомельской области", "в Минской области", "в Гродненской области",
              "в Витебской области", "в Могилёвской области", "в Минском районе", "в Борисовском районе")
BANKS = ("Беларусбанк", "Приорбанк", "Альфа-Банк", "Сбербанк", "Белинвестбанк", "МТБанк", "Белагропромбанк",
         "Технобанк", "Банк Дабрабыт", "Паритетбанк", "БНБ-Банк", "ВТБ", "Статусбанк", "Белгазпромбанк")
BANKS_IN = ("в Беларусбанке", "в Приорбанке", "в Альфа-Банке", "в Сбербанке", "в Белинвестбанке", "в МТБанке",
            "в Белагропромбанке", "в Технобанке", "в Паритетбанке", "в ВТБ")
COMPANIES = ("ООО «БелТранс»", "ЧУП «АвтоЛидер»", "ОАО «Гомельстройматериалы»", "ООО «ЕвроЛогистик»",
             "ИП-шная фирма «Грузовичок»", "ЗАО «Минская торговая сеть»", "ООО «Агро-Сервис Плюс»",
             "СООО «ТрансКарго»", "УП «Минсктранс»", "ООО «Строймаркет»", "ОДО «Вектор-Авто»")
JOBS = ("менеджер по продажам", "директор", "бухгалтер", "кредитный специалист", "юрист", "логист",
        "руководитель отдела продаж", "специалист колл-центра", "главный бухгалтер", "финансовый директор",
        "водитель-экспедитор", "индивидуальный предприниматель", "экономист", "менеджер по лизингу",
        "специалист службы безопасности", "старший менеджер")
JOBS_GEN = ("менеджера по продажам", "директора", "бухгалтера", "кредитного специалиста", "юриста",
            "руководителя отдела", "службы безопасности", "главного бухгалтера", "финансового директора")
STAGES = ("Новая заявка", "Квалификация", "Подписание договора", "Проверка и одобрение", "Сбор документов",
          "Выдача авто", "Отказ клиента", "Согласование условий", "Подготовка КП", "Оплата аванса",
          "Передача в СБ", "Сделка успешна")
MONTHS_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
              "ноября", "декабря")
WEEKDAYS = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу")
MODEL_CODES = ("Camry XV70", "модель 2121", "RAV4 XA50", "Polo Mk6", "Octavia A8", "BMW G05", "Coolray SX11",
               "Tiguan AD1", "Kia Rio FB", "двигатель 1.6 MPI", "коробка DSG7", "комплектация Comfort 2.0 AT",
               "артикул 5Q0-698-151", "код опции PR-1ZA", "шины 205/55 R16", "модель 21214", "Atlas FX11")


def _amount(rng: random.Random) -> str:
    style = rng.randrange(6)
    if style == 0:
        return f"{rng.randint(10, 99)} {rng.randint(100, 999)},{rng.choice(('00', '50', '25'))} BYN"
    if style == 1:
        return f"{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)} руб."
    if style == 2:
        return f"{rng.randint(5, 95) * 1000:,}".replace(",", " ") + " долларов"
    if style == 3:
        return f"{rng.randint(300, 4000)} BYN в месяц"
    if style == 4:
        return f"${rng.randint(8, 60)}k"
    return f"{rng.randint(12, 180)} тыс. руб."


def _date(rng: random.Random) -> str:
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2022, 2025)
    style = rng.randrange(4)
    if style == 0:
        return f"{d:02d}.{m:02d}.{y}"
    if style == 1:
        return f"{d:02d}.{m:02d}.{y} в {rng.randint(9, 19)}:{rng.choice(('00', '15', '30', '45'))}"
    if style == 2:
        return f"{d} {MONTHS_GEN[m - 1]}"
    return f"{y}-{m:02d}-{d:02d}"


def _deal(rng: random.Random) -> str:
    style = rng.randrange(6)
    if style == 0:
        return f"С-{rng.randint(1, 99999):07d}"
    if style == 1:
        return f"заказ №{rng.randint(100000, 999999)}"
    if style == 2:
        return f"договор № {rng.randint(2021, 2025)}/{rng.randint(1, 999)}"
    if style == 3:
        return f"сделка #{rng.randint(1000, 99999)}"
    if style == 4:
        return f"заявка № Л-{rng.randint(100, 9999)}"
    return f"счёт № {rng.randint(1, 999)} от {rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}"


def _pct(rng: random.Random) -> str:
    return rng.choice((f"аванс {rng.choice((10, 15, 20, 25, 30, 40))}%, срок {rng.choice((12, 24, 36, 48, 60))} мес.",
                       f"ставка {rng.randint(8, 19)},{rng.choice((0, 5, 9))}% годовых",
                       f"удорожание {rng.randint(3, 12)}% в год",
                       f"выкупная стоимость {rng.randint(1, 10)}%",
                       f"срок {rng.choice((2, 3, 4, 5))} года, аванс {rng.choice((10, 20, 30))}%"))


CLEAN_TEMPLATES = (
    ("Клиент хочет {car}, {pct}", "manager_comment"),
    ("Клиент {city_from}, интересуется покупкой {car_gen}", "manager_comment"),
    ("Перезвонить {weekday}, клиент сравнивает нас {bank_ins}", "manager_comment"),
    ("Сделка перешла на этап «{stage}» {date}", "manager_comment"),
    ("Этап «{stage}»: ждём справку о доходах от {job_gen}", "manager_comment"),
    ("Расчёт: {amount}, {pct}", "manager_comment"),
    ("КП отправлено, {car}, цена {amount}", "manager_comment"),
    ("Одобрение получено {bank_in}, {pct}", "manager_comment"),
    ("Клиент работает {company_as}, должность — {job}", "manager_comment"),
    ("Контактное лицо — {job}, решение принимает директор", "manager_comment"),
    ("{deal}: пакет документов собран, передано в СБ", "manager_comment"),
    ("По {deal_dat} ждём оплату аванса до {date}", "manager_comment"),
    ("Выдача {car_gen} запланирована {city_in} {date}", "manager_comment"),
    ("Клиент {city_from}, готов приехать в офис {weekday}", "manager_comment"),
    ("Авто на складе {city_in}, перегон в офис за счёт клиента", "manager_comment"),
    ("Нужна машина для такси, рассматривает {car} и {car2}", "manager_comment"),
    ("Не берёт трубку третий день, этап «{stage}»", "manager_comment"),
    ("Юрлицо {company}, {region}, парк из {n} машин", "manager_comment"),
    ("Интересует {model}, в наличии нет, поставка через {n} нед.", "manager_comment"),
    ("Отказ: клиента не устроил аванс, уходит {bank_in}", "manager_comment"),
    ("Перенос встречи на {date}", "manager_comment"),
    ("Респондент: Мы {city_from}, в {city} ездить далеко", "interview_turn"),
    ("Респондент: Брали {car} для работы, {pct}", "interview_turn"),
    ("Респондент: Сначала были {bank_in}, там отказали", "interview_turn"),
    ("Респондент: Я {job}, мне машина нужна каждый день", "interview_turn"),
    ("Респондент: Думали между {car_ins} и {car2_ins}", "interview_turn"),
    ("Респондент: Дольше всего был этап «{stage}», почти две недели", "interview_turn"),
    ("Респондент: Платёж {amount}, для нас это нормально", "interview_turn"),
    ("Интервьюер: Почему вы выбрали лизинг, а не кредит {bank_in}?", "interview_turn"),
    ("Респондент: Офис {city_in} удобный, но парковки нет", "interview_turn"),
    ("Респондент: Договор подписали {date}, а машину дали через месяц", "interview_turn"),
    ("Другое: реклама на радио {city_in}", "open_answer"),
    ("Другое: выставка {city_in}", "open_answer"),
    ("Наши клиенты {region_in} чаще берут грузовые авто", "manager_comment"),
    ("Респондент: Мы живём {region_in}, до Минска два часа", "interview_turn"),
    ("Хотелось бы {car} в лизинг без аванса", "open_answer"),
    ("Слишком высокий платёж: {amount}", "open_answer"),
    ("Условия лучше, чем {bank_in}", "open_answer"),
    ("Долго ждали одобрения, этап «{stage}» затянулся", "open_answer"),
    ("Добавьте офис {city_in}", "open_answer"),
    ("Визит {date}, посетителей в салоне: {n}, консультант занят", "mystery_note"),
    ("Консультант предложил {car} вместо {car2_gen}", "mystery_note"),
    ("Расчёт на {car}: {pct}, {amount}", "mystery_note"),
    ("Салон {city_in}, ожидание консультанта {n} мин.", "mystery_note"),
    ("Консультант назвал ставку {bank_gen}, но не свою", "mystery_note"),
    ("The client wants a {car_en}, {pct_en}", "manager_comment"),
    ("Contract signed on {date_en}", "manager_comment"),
    ("Deal {deal_en} moved to approval", "manager_comment"),
    ("Respondent: We compared you with {bank_en} and chose leasing", "interview_turn"),
    ("The showroom in {city_en} had no test-drive car", "mystery_note"),
)
CARS_INS = ("Лада Вестой", "Шкодой Октавией", "Тойотой Камри", "Geely Coolray", "Volkswagen Polo", "Kia Rio",
            "Haval Jolion", "Рено Дастером", "Нивой")
CARS_EN = ("Geely Coolray", "Toyota RAV4", "BMW X5", "Volkswagen Polo", "Skoda Octavia", "Toyota Camry", "Kia Rio",
           "Haval Jolion")
CITIES_EN = ("Minsk", "Gomel", "Brest", "Grodno", "Vitebsk", "Mogilev", "Borisov")
BANKS_EN = ("Belarusbank", "Priorbank", "Alfa-Bank", "Sberbank", "Belinvestbank", "MTBank")
BANKS_GEN = ("Беларусбанка", "Приорбанка", "Альфа-Банка", "Сбербанка", "Белинвестбанка", "МТБанка")
BANKS_INS = ("с Беларусбанком", "с Приорбанком", "с Альфа-Банком", "со Сбербанком", "с Белинвестбанком", "с МТБанком")
COMPANIES_AS = ("в ООО «БелТранс»", "в такси", "на заводе", "в «Евроопте»", "в строительной фирме",
                "в ЧУП «АвтоЛидер»", "в ИП", "в логистической компании", "на МАЗе", "в айти")

CLEAN_FIXED = (
    ("На улице было холодно, клиент ждал у входа", "mystery_note"),
    ("Клиент работает в ООО «БелТранс», просит счёт на юрлицо", "manager_comment"),
    ("Клиент живёт в Гомеле, в Минск приедет только на выдачу", "manager_comment"),
    ("Встреча назначена на 12.03.2024 в 14:30, офис на втором этаже", "manager_comment"),
    ("Офис переехал ближе к проспекту, но адрес ещё не сообщили", "manager_comment"),
    ("Улица и метро — главные каналы наружной рекламы", "manager_comment"),
    ("Дом и дача — цели кредита, машина потом", "interview_turn"),
    ("Вера в успех у клиента есть, но денег на аванс нет", "manager_comment"),
    ("Надежда есть, клиент думает до конца недели", "manager_comment"),
    ("Роза ветров в салоне: двери открыты, холодно", "mystery_note"),
    ("Любовь к немецким машинам у клиента с детства", "interview_turn"),
    ("Слава богу, одобрили с первого раза", "interview_turn"),
    ("Звезда сервиса — быстрый ответ в мессенджере", "open_answer"),
    ("Лада Веста в наличии, Гранта под заказ", "manager_comment"),
    ("Клиент хотел Фольксваген Жук, но его нет в линейке", "manager_comment"),
    ("Победа над бюрократией: договор за один день", "open_answer"),
    ("Мир тесен: клиент раньше работал у конкурента", "manager_comment"),
    ("Клиент живёт за городом, в доме, до офиса далеко", "manager_comment"),
    ("Улицу перекрыли, курьер опоздал на час", "manager_comment"),
    ("На проспекте пробки, встреча сдвинулась на 30 минут", "manager_comment"),
    ("Квартира в залоге, поэтому банк отказал", "interview_turn"),
    ("В переулке за салоном нет парковки", "mystery_note"),
    ("Номер телефона клиент не оставил", "manager_comment"),
    ("Паспорт не нужен, достаточно заявки на сайте", "open_answer"),
    ("Карта лояльности не сработала на кассе", "open_answer"),
    ("Личный кабинет не открывается с телефона", "open_answer"),
    ("Госномер на машину ещё не получен, ждём ГАИ", "manager_comment"),
    ("Адрес офиса есть на сайте, но навигатор ведёт не туда", "open_answer"),
    ("Электронная почта не пришла, проверил спам", "manager_comment"),
    ("Телеграм-бот не отвечает после 22:00", "open_answer"),
    ("ИНН и СНИЛС не требуются для резидентов РБ", "manager_comment"),
    ("Реквизиты компании отправлены в бухгалтерию", "manager_comment"),
    ("Паспортные данные сверены, расхождений нет", "manager_comment"),
    ("Звонок с короткого номера 7220, клиент не понял, кто звонит", "manager_comment"),
    ("Клиенту 45 лет, стаж вождения 20 лет", "manager_comment"),
    ("Пробег 120 000 км, год выпуска 2019", "manager_comment"),
    ("Объём 1,6 л, 122 л.с., расход 7,5 л на 100 км", "mystery_note"),
    ("Скидка 5% при оплате до конца месяца", "open_answer"),
    ("Ставка 14,9% против 17,5% у банка", "interview_turn"),
    ("Звонок длился 12 минут, из них 8 — ожидание", "mystery_note"),
    ("Консультант был вежлив, но не знал условий", "mystery_note"),
    ("Консультант не представился и не дал визитку", "mystery_note"),
    ("Менеджер был очень вежлив, всё объяснил", "interview_turn"),
    ("Мне сосед посоветовал вашу компанию", "interview_turn"),
    ("Другое: посоветовал сосед", "open_answer"),
    ("Другое: увидел рекламу в Инстаграме", "open_answer"),
    ("Другое: рассылка в Телеграме", "open_answer"),
    ("Другое: друзья, коллеги, знакомые", "open_answer"),
    ("Менеджер по продажам перезвонил через два дня", "open_answer"),
    ("Директор сам приехал на подписание", "manager_comment"),
    ("Бухгалтер клиента запросила акт сверки", "manager_comment"),
    ("Кредитный специалист банка не отвечает", "manager_comment"),
    ("Служба безопасности одобрила с условием поручителя", "manager_comment"),
    ("Поручитель нужен, если стаж меньше года", "manager_comment"),
    ("Супруга клиента против лизинга", "manager_comment"),
    ("Клиентка просила не звонить на работу", "manager_comment"),
    ("Клиент в отпуске до 15-го", "manager_comment"),
    ("Минск — главный рынок, регионы растут", "manager_comment"),
    ("Могилёв и Витебск дают меньше заявок", "manager_comment"),
    ("Брестская область — лидер по грузовым авто", "manager_comment"),
    ("Гомель снова просел по конверсии", "manager_comment"),
    ("Из Борисова приезжают на тест-драйв в Минск", "interview_turn"),
    ("Беларусбанк дал ставку ниже нашей", "manager_comment"),
    ("Приорбанк и Альфа-Банк предложили кредит без залога", "interview_turn"),
    ("Сбербанк отказал из-за дохода", "interview_turn"),
    ("Тойота Камри не проходит по бюджету", "manager_comment"),
    ("Geely Coolray — самая популярная модель квартала", "manager_comment"),
    ("Шкода Октавия в белом цвете будет в мае", "manager_comment"),
    ("X5 в лизинг только для юрлиц", "manager_comment"),
    ("RAV4 гибрид — ожидание три месяца", "manager_comment"),
    ("Camry XV70 с пробегом, вариант из Литвы", "manager_comment"),
    ("Модель 2121 снята с производства", "manager_comment"),
    ("Заявка пришла в субботу в 23:40", "manager_comment"),
    ("Нет ответа, повторный звонок в 14:30", "manager_comment"),
    ("Договор № 2024/117 расторгнут по соглашению сторон", "manager_comment"),
    ("Заказ №123456 отменён клиентом", "manager_comment"),
    ("Сделка С-0001234 закрыта, авто выдано", "manager_comment"),
    ("Аванс 20%, срок 36 мес., платёж устраивает", "manager_comment"),
    ("Сумма 45 600,00 BYN с НДС", "manager_comment"),
    ("Годовой оборот 1 234 567 руб., нужен отчёт", "manager_comment"),
    ("КАСКО включено в платёж", "manager_comment"),
    ("Страховка и регистрация за счёт лизингодателя", "open_answer"),
    ("Очень долго, три недели на одобрение", "open_answer"),
    ("Всё понравилось, спасибо", "open_answer"),
    ("Буду рекомендовать друзьям", "open_answer"),
    ("Не понравилось, что навязывали страховку", "open_answer"),
    ("Сайт неудобный, калькулятор врёт", "open_answer"),
    ("Слишком много документов", "open_answer"),
    ("Никто не перезвонил после заявки", "open_answer"),
    ("Хорошие условия для ИП", "open_answer"),
    ("Всё устроило, кроме очереди в салоне", "open_answer"),
    ("Консультант отвлекался на телефон", "mystery_note"),
    ("Кофе не предложили, ожидание 15 минут", "mystery_note"),
    ("В салоне чисто, выставочные машины помыты", "mystery_note"),
    ("Тест-драйв предложен только после вопроса", "mystery_note"),
    ("Расчёт выдан на бланке компании", "mystery_note"),
    ("Консультант не спросил о цели покупки", "mystery_note"),
    ("Условия лизинга объяснены понятно", "mystery_note"),
    ("Бейдж у консультанта отсутствовал", "mystery_note"),
    ("Консультант представился, но имя не расслышал", "mystery_note"),
    ("Звонок переведён на старшего менеджера", "mystery_note"),
    ("Респондент: Ну, в целом всё нормально было", "interview_turn"),
    ("Респондент: Честно, я бы сейчас выбрал кредит", "interview_turn"),
    ("Респондент: Главное — чтобы не тянули с документами", "interview_turn"),
    ("Респондент: Мне важно, чтобы машина была новая", "interview_turn"),
    ("Интервьюер: Как вы узнали о компании?", "interview_turn"),
    ("Интервьюер: Что было самым сложным?", "interview_turn"),
    ("Респондент: Самое сложное — справка с работы", "interview_turn"),
    ("Респондент: Жена настояла на кроссовере", "interview_turn"),
    ("Респондент: Мы семьёй ездим на дачу каждые выходные", "interview_turn"),
    ("Респондент: Папа сказал, что лизинг — это аренда", "interview_turn"),
    ("Респондент: Коллеги по работе брали у вас", "interview_turn"),
    ("Респондент: Машина нужна для доставки, я курьер", "interview_turn"),
    ("Роман с лизингом у меня не сложился с первого раза", "interview_turn"),
    ("Максимальная сумма без поручителя — 50 000 BYN", "manager_comment"),
    ("The delivery was late again", "open_answer"),
    ("Street food was not part of the offer", "open_answer"),
    ("Contract signed on 12.03.2024", "manager_comment"),
    ("The manager was polite but slow", "open_answer"),
    ("Great service, fast approval", "open_answer"),
    ("Respondent: We needed a van for the business", "interview_turn"),
    ("The consultant did not introduce himself", "mystery_note"),
    ("No parking near the office on Saturday", "open_answer"),
    ("Down payment 20%, term 36 months", "manager_comment"),
    ("Approval took two weeks, too long", "open_answer"),
    ("The car was delivered to the showroom, not home", "open_answer"),
    ("Address and phone are on the website", "open_answer"),
    ("Card payment failed twice at the cashier", "open_answer"),
    ("Main Street banner campaign brought few leads", "manager_comment"),
)


def _fill_clean(rng: random.Random, template: str) -> str:
    def c(key: str, items: Sequence[str]) -> str:
        return _pick(rng, "clean." + key, items)

    values = {
        "car": c("car", CARS), "car2": c("car2", CARS), "car_gen": c("car_gen", CARS_GEN),
        "car2_gen": c("car2_gen", CARS_GEN), "car_ins": c("car_ins", CARS_INS), "car2_ins": c("car2_ins", CARS_INS),
        "city": c("city", CITIES), "city_in": c("city_in", CITIES_IN), "city_from": c("city_from", CITIES_FROM),
        "region": c("region", REGIONS), "region_in": c("region_in", REGIONS_IN), "bank": c("bank", BANKS),
        "bank_in": c("bank_in", BANKS_IN), "bank_gen": c("bank_gen", BANKS_GEN), "bank_ins": c("bank_ins", BANKS_INS),
        "company": c("company", COMPANIES), "company_as": c("company_as", COMPANIES_AS), "job": c("job", JOBS),
        "job_gen": c("job_gen", JOBS_GEN), "stage": c("stage", STAGES), "amount": _amount(rng), "date": _date(rng),
        "deal": _deal(rng), "pct": _pct(rng), "model": c("model", MODEL_CODES), "weekday": c("weekday", WEEKDAYS),
        "n": str(rng.randint(2, 40)), "car_en": c("car_en", CARS_EN), "city_en": c("city_en", CITIES_EN),
        "bank_en": c("bank_en", BANKS_EN),
        "date_en": f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2022, 2025)}",
        "deal_en": f"#{rng.randint(1000, 99999)}",
        "pct_en": f"down payment {rng.choice((10, 20, 30))}%, term {rng.choice((24, 36, 48))} months",
    }
    values["deal_dat"] = (values["deal"].replace("заказ", "заказу").replace("договор ", "договору ")
                          .replace("сделка", "сделке").replace("заявка", "заявке").replace("счёт", "счёту"))
    text = template.format(**values)
    return text[0].upper() + text[1:]


def clean_sentences(rng: random.Random, n: int) -> list[Sentence]:
    """``n`` distinct clean sentences: the fixed ones first (in a random order), then filled templates."""
    fixed = list(CLEAN_FIXED)
    rng.shuffle(fixed)
    out: list[Sentence] = [Sentence(t, (), s) for t, s in fixed[:n]]
    seen = {s.text for s in out}
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 200 * n:
            raise RuntimeError(f"could not make {n} distinct clean sentences")
        template, source = _pick(rng, "clean", CLEAN_TEMPLATES)
        text = _fill_clean(rng, template)
        if text in seen or any(mark in text for mark in PLACEHOLDER_TEXT["ru"].values()):
            continue
        seen.add(text)
        out.append(Sentence(text, (), source))
    return out


# =============================================================================== the corpus
def positive_sentences(rng: random.Random, n: int) -> list[Sentence]:
    """``n`` sentences with planted values; each kind leads ``n // len(KINDS)`` sentences or more."""
    templates = _templates()
    by_kind = {k: [t for t in templates if k in _template_kinds(t[0])] for k in KINDS}
    lead = [KINDS[i % len(KINDS)] for i in range(n)]
    rng.shuffle(lead)
    out: list[Sentence] = []
    seen: set[str] = set()
    for kind in lead:
        for _ in range(1000):
            template, source = _pick(rng, "template." + kind, by_kind[kind])
            filled = _fill(rng, template)
            if filled is not None and filled[0] not in seen:
                break
        else:
            raise RuntimeError(f"could not fill a template for {kind}")
        text, planted = filled
        seen.add(text)
        out.append(Sentence(text, planted, source))
    return out


def corpus(seed: int = 2025, positives: int = 330, negatives: int = 330) -> list[Sentence]:
    """``positives`` sentences with planted personal data and ``negatives`` clean ones, shuffled.

    Deterministic: the same seed gives the same corpus. Spellings, templates, surnames and
    first names are dealt from shuffled decks (:class:`Deck`), so all of them are used.
    """
    rng = Deck(seed)
    sentences = positive_sentences(rng, positives) + clean_sentences(rng, negatives)
    rng.shuffle(sentences)
    return sentences


def kind_counts(sentences: Sequence[Sentence]) -> dict[str, int]:
    """Planted values per kind."""
    counts = dict.fromkeys(KINDS, 0)
    for s in sentences:
        for p in s.planted:
            counts[p.kind] += 1
    return counts
