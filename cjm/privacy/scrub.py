"""Scrub free text (comments, transcripts, notes, open answers) of personal data.

E-mails, social handles and profile links, IBANs, card numbers (Luhn), Belarusian
personal numbers, passports, SNILS and INN, vehicle plates, phones and street
addresses are found by the patterns of :mod:`cjm.privacy.pii` (numbers with a check digit are
checked); person names by rules over pymorphy3's name readings, by a named-entity
model that ships in its package (natasha's slovnet NER) and by the names the export
itself lists (``known_names``). Each finding becomes a readable placeholder of its
kind (``[имя]``, ``[адрес]``); a run of adjacent name words becomes one ``[имя]``
(DESIGN.md "Privacy").

Rules for names, in short:

- capitalized Cyrillic words and initials (``И.``) are candidates; words in CAPITALS
  are read as if capitalized («ИВАНОВ ПЁТР»); lower-case words are candidates in a run
  with a patronymic, a known name, or a first name beside a surname («иваном петровичем
  сидоренко», «алексей шульга»);
- towns, car brands and models, the word after a car brand (Фольксваген Жук), months,
  weekdays and role words (``Клиент``, ``Менеджер``) are never names
  (:data:`cjm.privacy.pii.NOT_NAMES`);
- a patronymic, a known name, or a word pymorphy3 reads as a name with enough
  score is a name by itself (a higher score is needed at the start of a sentence);
- ambiguous words (``Вера``, ``Надежда``, ``Роза``, ``Лев`` ...; see
  :data:`cjm.privacy.pii.AMBIGUOUS_NAMES`) and weak readings are names only next to another
  name word or an initial;
- a word unknown to the dictionary or an animate noun (``Новик``, ``Мельник``) is
  taken as a surname only next to initials, a first name + patronymic pair (in its
  case), or the placeholder of the rest of the name;
- words in «quotes» are a company's name, unless two name words, initials and a
  surname, or a first name alone fill them («Иванова Анна», «Артём» on a badge); words
  after ``ул.``/``пр-т``/``г.`` are kept;
- Latin names are read through their Russian transliteration («Petr Ivanov»,
  «Kozlovsky») or a list of first names, never as English words (Main, Land); the word
  beside a first name or an initial is the surname; the NER model adds the person names
  the rules leave, without the verbs it sometimes takes in («Договорился с Бураком»).

Measured on the labelled corpus of tests/pii_corpus.py (bench/bench_privacy.py).
"""

from __future__ import annotations

import functools
import multiprocessing
import re
from collections.abc import Iterable

import pandas as pd
from threadpoolctl import threadpool_limits

from cjm.core.errors import CjmError
from cjm.core.languages import morph
from cjm.privacy.pii import AMBIGUOUS_NAMES, CAR_WORDS, FINDERS, NOT_NAMES, name_info, name_lemmas

CAR_TITLES = frozenset(w.capitalize() for w in CAR_WORDS)
#: Kinds of personal data replaced: names, phones, e-mails, social handles and profile links,
#: street addresses, passports, Belarusian personal numbers, other document numbers (SNILS,
#: INN), payment card numbers, IBANs, vehicle plates.
KINDS = ("name", "phone", "email", "handle", "address", "passport", "personal_number", "document", "card",
         "iban", "plate")
#: Placeholder text of each kind, per report language: the sentence stays readable.
PLACEHOLDER_TEXT: dict[str, dict[str, str]] = {
    "ru": {"name": "[имя]", "phone": "[телефон]", "email": "[email]", "handle": "[ник]", "address": "[адрес]",
           "passport": "[паспорт]", "personal_number": "[личный номер]", "document": "[номер документа]",
           "card": "[номер карты]", "iban": "[IBAN]", "plate": "[госномер]"},
    "en": {"name": "[name]", "phone": "[phone]", "email": "[email]", "handle": "[handle]", "address": "[address]",
           "passport": "[passport]", "personal_number": "[ID number]", "document": "[document number]",
           "card": "[card number]", "iban": "[IBAN]", "plate": "[plate]"},
}
#: Every placeholder string, to recognise scrubbed text.
PLACEHOLDERS: frozenset[str] = frozenset(v for d in PLACEHOLDER_TEXT.values() for v in d.values())

#: Name score (summed pymorphy3 Name/Surn/Patr readings) that makes a word a name on its own.
NAME_SCORE = 0.4
#: The same at the start of a sentence, where every word is capitalized.
NAME_SCORE_AT_START = 0.5

_TOKEN = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ]?[а-яё]+)*(?![А-ЯЁа-яё])|[А-ЯЁ]\.")
#: Words in capitals, read as if capitalized; lower-case words, candidates beside a patronymic.
_CAPS = re.compile(r"(?<![\w\[])[А-ЯЁ]{3,}(?:-[А-ЯЁ]{2,})?(?![\w\]])")
_LOWER = re.compile(r"(?<![\w\[])[а-яё]{3,}(?:-[а-яё]{2,})?(?![\w\]])")
#: Latin name tokens: capitalized words and initials.
_LATIN = re.compile(r"(?<![\w@./\-])(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.)(?![\w@/])")
_LATIN_CAPS = re.compile(r"(?<![\w@./\-])[A-Z]{3,}(?![\w@/])")
#: Russian first names as English texts transliterate them, and common English ones.
LATIN_FIRST_NAMES = frozenset((
    "aleksandr alexander alexandr aleksey alexey alexei andrey andrei anton artem artyom boris denis dmitry dmitri "
    "dmitriy egor evgeny evgeniy eugene fedor fyodor gleb grigory igor ilya ivan kirill konstantin maksim maxim "
    "mikhail nikita nikolay nikolai oleg pavel petr pyotr roman ruslan semyon sergey sergei stanislav stepan timur "
    "vadim valery valeriy vasily viktor victor vitaly vitaliy vladimir vladislav yaroslav yuri yury zakhar "
    "alena alina alla anastasia anastasiya anna antonina daria darya diana ekaterina yekaterina elena yelena "
    "elizaveta galina inna irina karina kristina ksenia kseniya larisa lidia lyudmila margarita maria mariya "
    "marina nadezhda natalia natalya nina oksana olga polina svetlana sofia sofya tamara tatiana tatyana "
    "valentina valeria vera veronika victoria viktoria yana yulia yuliya zhanna "
    "john james robert michael william david richard joseph thomas charles daniel matthew paul steven "
    "andrew peter george edward mary patricia jennifer linda elizabeth barbara susan jessica sarah karen "
    "nancy lisa margaret sandra ashley emily emma olivia sophia"
).split())
_TRANSLIT = (("iya", "ия"), ("iyu", "ию"), ("iye", "ие"), ("shch", "щ"), ("sch", "щ"), ("yo", "ё"), ("yu", "ю"), ("ya", "я"), ("ye", "е"), ("zh", "ж"),
             ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("iy", "ий"), ("yy", "ый"), ("a", "а"), ("b", "б"),
             ("v", "в"), ("w", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("y", "ы"),
             ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"),
             ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "к"), ("x", "кс"), ("q", "к"), ("j", "дж"))
_AFTER_STREET = re.compile(
    r"(?:\b(?:ул|улица|пр|пр-т|просп|проспект|пер|переулок|б-р|бульвар|пл|площадь|им|имени|(?-i:г|д)|гор|город|"
    r"дер|деревня|пос|аг|р-н|обл|ст|станция|тц|трц|бц|мкр|микрорайон)\.?\s*)$", re.IGNORECASE)
_SENTENCE_END = ".!?…:\n"  # a colon opens a speaker's turn in transcripts
_ADJ_SURNAME = re.compile(r"(?:ск|цк)(?:ий|ая|ой|ого|ому|им|ом|ую)$")
#: Endings of Russian and Belarusian surnames: with any Surn reading, the word is a name.
_SURNAME_END = re.compile(r"(?:[оеё]в|[иы]н)(?:а|у|ым|ой|ою|ом|е)?$|(?:ович|евич|вич)(?:а|у|ем|е)?$")
#: Other endings of Belarusian and Ukrainian surnames, in any case (Шевчуку, Шульгой, Бондаренко).
_OTHER_SURNAME_END = re.compile(r"(?:енко|[уюи]к(?:а|у|ом|е)?|[еоё]ц(?:а|у|ом|е)?|(?:ич|вич)(?:а|у|ем|е)?|г[аиуе]|гой)$")
_PREPOSITION = re.compile(r"(?:^|[\s(])(?:в|во|из|до|под|через|около|возле|на|г\.|гор\.|город|городе)\s*$",
                          re.IGNORECASE)

STRONG, WEAK, CAND, INIT, NONE, TOWNLIKE, TOWNCAND, QUOTED, QUOTED_NAME = range(9)


class TextScrubber:
    """Replaces personal data in free text with typed placeholders.

    Parameters
    ----------
    known_names : iterable of str
        Full names from the export's name columns (``"Иванова Ольга Петровна"``);
        their words, in any grammatical case, are removed wherever they appear.
    language : {"ru", "en"}
        Language of the placeholders.

    Examples
    --------
    >>> TextScrubber().scrub("Позвонил Ивановой Ольге Петровне на +375 29 123-45-67")
    'Позвонил [имя] на [телефон]'
    """

    def __init__(self, known_names: Iterable[str] = (), language: str = "ru"):
        if language not in PLACEHOLDER_TEXT:
            raise CjmError(f"language {language!r} is not supported by TextScrubber",
                           f"use one of {sorted(PLACEHOLDER_TEXT)}")
        self.language = language
        self.placeholders = PLACEHOLDER_TEXT[language]
        known_names = list(known_names)
        self.known = name_lemmas(known_names)
        self.known_forms = {str(n).casefold() for n in known_names}
        self._classes: dict[str, tuple[int, int]] = {}

    # ------------------------------------------------------------------ words
    def _word_class(self, word: str) -> tuple[int, int]:
        """(class mid-sentence, class at sentence start) of a capitalized word, cached."""
        cls = self._classes.get(word)
        if cls is None:
            cls = self._classes[word] = self._classify(word)
        return cls

    def _classify(self, word: str) -> tuple[int, int]:
        parts = word.split("-")
        infos = [name_info(p) for p in parts if len(p) > 1]
        if not infos:
            return NONE, NONE
        name = max(i[0] for i in infos)
        patr = max(i[1] for i in infos)
        stop = all(i[2] for i in infos) or name_info(word)[2]
        known = bool(self.known) and any(i[3] & self.known for i in infos)
        low = word.lower()
        if low in AMBIGUOUS_NAMES:
            return WEAK, WEAK
        if stop:  # a town or car that is also a surname: a name only outside "в Борисове"
            if known:
                return TOWNLIKE, TOWNLIKE
            return (TOWNCAND, TOWNCAND) if name > 0 and low.capitalize() not in CAR_TITLES else (NONE, NONE)
        if patr >= 0.3:
            return STRONG, STRONG
        in_dict = all(morph().word_is_known(p.lower()) for p in parts)
        top = morph().parse(low)[0]
        if known and low in self.known_forms:  # written exactly as in the CRM (Родин, not Родину)
            return STRONG, STRONG
        if known:  # a known surname that reads as a common word in an oblique case ("Машину я …")
            # at a sentence start needs another name word next to it
            # (a surname reading is rare for such a word: Машину 0.03, while Бобров 0.2, Белоусов 0.5)
            ordinary = (name < 0.1 and in_dict and "nomn" not in top.tag
                        and not any(t in top.tag for t in ("Name", "Surn", "Patr")))
            return STRONG, (WEAK if ordinary else STRONG)
        if name >= NAME_SCORE_AT_START:
            return STRONG, STRONG
        surname_like = (name > 0 and _SURNAME_END.search(low)) or (
            not in_dict and (_ADJ_SURNAME.search(low) or _OTHER_SURNAME_END.search(low)))
        if surname_like:  # at a sentence start a nominative common noun (Машина) is not enough
            ordinary = in_dict and "nomn" in top.tag and not any(t in top.tag for t in ("Name", "Surn", "Patr"))
            return STRONG, (WEAK if ordinary else STRONG)
        if name >= NAME_SCORE:
            return STRONG, WEAK
        if name > 0 or _ADJ_SURNAME.search(low):
            return WEAK, WEAK
        if not in_dict or ("NOUN" in top.tag and "anim" in top.tag):
            return CAND, CAND
        return CAND, NONE  # a capitalized noun mid-sentence, e.g. a surname before a first name

    # ------------------------------------------------------------------ names
    def _names(self, text: str) -> tuple[str, int]:
        """Replace runs of name words until none is left (a replaced run can leave words that
        read as a name next to its placeholder), then Latin names and the person names the
        NER model finds; returns the text and the names replaced."""
        total, placeholder = 0, self.placeholders["name"]
        for _ in range(4):  # until nothing more is found: scrubbing twice changes nothing
            text, replaced = self._name_runs(text)
            for find in (_latin_names, _model_names):
                spans = find(text)
                text, replaced = _replace(text, spans, placeholder), replaced + len(spans)
            grown = _name_words_beside(text, placeholder)
            text = _replace(text, grown, placeholder)
            total += replaced
            if not replaced and not grown:
                break
        return text, total

    def _view(self, text: str) -> str:
        """``text`` as the name rules read it (same length): words in CAPITALS capitalized,
        and lower-case runs around a patronymic, a known name or a first name beside a
        surname capitalized."""
        chars = list(text)
        for m in _CAPS.finditer(text):
            chars[m.start() + 1:m.end()] = m.group()[1:].lower()
        words = list(_LOWER.finditer(text))
        for i, m in enumerate(words):
            name, patr, stop, lemmas = name_info(m.group())
            if stop:
                continue
            patronymic = patr >= 0.5
            seeded = patronymic or (self.known and lemmas & self.known and name >= 0.3)
            if not seeded and not (name > 0 and _lower_first_name(m.group())):
                continue
            run = [m]
            for step in (-1, 1):  # the name words beside it, on one line
                j = i + step
                while 0 <= j < len(words) and len(run) < 3:
                    near, edge = words[j], run[0] if step < 0 else run[-1]
                    gap = text[min(near.end(), edge.end()):max(near.start(), edge.start())]
                    if not (gap.isspace() and len(gap) <= 2) or not (
                            _lower_name_word(near.group()) or _beside_patronymic(near.group(), m.group(), edge is m, step)):
                        break
                    run.insert(0, near) if step < 0 else run.append(near)
                    j += step
            strict = bool(lemmas & AMBIGUOUS_NAMES)
            if not seeded and not any(_lower_surname(w.group(), strict) for w in run if w is not m):
                continue  # a first name alone in lower case may be a word (роман, максима)
            for word in run:
                chars[word.start()] = chars[word.start()].upper()
        return "".join(chars)

    def _name_runs(self, text: str) -> tuple[str, int]:
        """One pass of :meth:`_names`."""
        tokens = []  # (start, end, class)
        original, text = text, self._view(text)
        for m in _TOKEN.finditer(text):
            start, end, word = m.start(), m.end(), m.group()
            if len(word) == 2 and word[1] == ".":
                if start and text[start - 1].isalpha():
                    continue
                tokens.append((start, end, INIT))
                continue
            if start and (text[start - 1].isalnum() or text[start - 1] in "['"):
                continue
            mid, first = self._word_class(word)
            if mid == NONE:
                continue
            before = text[:start].rstrip()
            at_start = not before or before[-1] in _SENTENCE_END and not _ends_with_initial(before)
            if _AFTER_STREET.search(text[max(0, start - 14):start]) or _after_car(text, start):
                continue
            cls = first if at_start else mid
            if _in_quotes(text, start):  # «Иванова Анна», «Артём» on a badge, not «Петрович» the company
                name, patr, *_ = name_info(word)
                alone = text[end:end + 1] in "»\"" and text[start - 1] in "«\""
                if cls == STRONG and not alone:
                    tokens.append((start, end, QUOTED))
                elif cls == STRONG and name >= 0.7 and not patr:
                    tokens.append((start, end, QUOTED_NAME))
                continue
            if cls in (TOWNLIKE, TOWNCAND):  # a town after a preposition, else a (known) surname
                if _PREPOSITION.search(text[max(0, start - 10):start]):
                    continue
                cls = STRONG if cls == TOWNLIKE else CAND
            if cls != NONE:
                tokens.append((start, end, cls))
        if not tokens:
            return original, 0
        spans = []
        run = [tokens[0]]
        for tok in tokens[1:]:
            gap = text[run[-1][1]:tok[0]]
            if gap.strip() == "" and len(gap) <= 2:
                run.append(tok)
            else:
                spans.extend(_name_spans(run))
                run = [tok]
        spans.extend(_name_spans(run))
        return _replace(original, spans, self.placeholders["name"]), len(spans)

    # ------------------------------------------------------------------ text
    def _scrub_counts(self, text: str) -> tuple[str, tuple[int, ...]]:
        counts = dict.fromkeys(KINDS, 0)
        digits = any(c.isdigit() for c in text)
        for kind, (find, needs_digit) in FINDERS.items():
            if needs_digit and not digits:
                continue
            spans = _disjoint(find(text))
            if spans:
                text, counts[kind] = _replace(text, spans, self.placeholders[kind]), len(spans)
                digits = any(c.isdigit() for c in text)
        text, counts["name"] = self._names(text)
        return text, tuple(counts[k] for k in KINDS)

    def scrub(self, text: str) -> str:
        """The text with personal data replaced by placeholders (non-strings pass through)."""
        if not isinstance(text, str):
            return text
        return self._scrub_counts(text)[0]

    def scrub_series(self, s: pd.Series, n_jobs: int = 1) -> tuple[pd.Series, pd.Series]:
        """Scrub a column of texts; each distinct text is scrubbed once.

        Parameters
        ----------
        s : Series
            Free text; blanks (NaN/None) stay blank.
        n_jobs : int
            Worker processes for long columns (at least :data:`PARALLEL_MIN` distinct texts).

        Returns
        -------
        scrubbed : Series
            Same index and name, ``str`` dtype.
        counts : Series
            Number of replacements by kind (index ``name``, ``phone``, ``email``,
            ``passport``, ``personal_number``), over all rows.
        """
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        results = self._scrub_many(list(uniques), n_jobs)
        texts = [r[0] for r in results]
        per_row = pd.Series(codes[codes >= 0]).value_counts()
        totals = [0] * len(KINDS)
        for code, n in per_row.items():
            c = results[code][1]
            if any(c):
                for k in range(len(KINDS)):
                    totals[k] += c[k] * n
        scrubbed = pd.api.extensions.take(pd.array(texts, dtype="str"), codes, allow_fill=True)
        out = pd.Series(scrubbed, index=s.index, name=s.name, dtype="str")
        return out, pd.Series(totals, index=list(KINDS), name="replacements", dtype="int64")


    def _scrub_many(self, texts: list, n_jobs: int) -> list[tuple]:
        """``(scrubbed, counts)`` of each text, split over forked workers when worth it.

        The NER model's matrix products are small: on one BLAS thread they run ~10x faster
        than with threads that wait for each other (and give the same numbers)."""
        if n_jobs <= 1 or len(texts) < PARALLEL_MIN:
            with threadpool_limits(1):
                return [_scrub_one(self, t) for t in texts]
        global _WORKER
        _WORKER = self  # inherited by the forked workers, with its word cache
        size = -(-len(texts) // (n_jobs * 4))
        chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
        try:
            with threadpool_limits(1), multiprocessing.get_context("fork").Pool(n_jobs) as pool:
                return [r for part in pool.map(_scrub_chunk, chunks) for r in part]
        finally:
            _WORKER = None


#: Distinct texts from which :meth:`TextScrubber.scrub_series` uses several processes.
PARALLEL_MIN = 20_000
_WORKER: TextScrubber | None = None


def _scrub_one(scrubber: TextScrubber, text) -> tuple:
    return scrubber._scrub_counts(text) if isinstance(text, str) else (text, (0,) * len(KINDS))


def _scrub_chunk(texts: list) -> list[tuple]:
    return [_scrub_one(_WORKER, t) for t in texts]


def _replace(text: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    """``text`` with each of the disjoint ``spans`` (in order) replaced by ``placeholder``."""
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], placeholder]
        pos = end
    return "".join(out) + text[pos:] if spans else text


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order, dropping any that overlaps an earlier or longer one."""
    out = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not out or span[0] >= out[-1][1]:
            out.append(span)
    return out


def transliterate(word: str) -> str:
    """A Latin word in Cyrillic, as Russian names are romanized (``Ivanov`` -> ``иванов``,
    ``Kozlovsky`` -> ``козловский``)."""
    text, out = re.sub(r"(?<=[sc])k(?:iy|ii|y|i)$", "kiy", word.lower()), []
    while text:
        for latin, cyrillic in _TRANSLIT:
            if text.startswith(latin):
                out.append(cyrillic)
                text = text[len(latin):]
                break
        else:
            out.append(text[0])
            text = text[1:]
    return "".join(out)


@functools.lru_cache(maxsize=200_000)
def _lower_name_word(word: str) -> bool:
    """Whether a lower-case word beside a patronymic reads as a first name or surname."""
    name, _, stop, _ = name_info(word)
    return not stop and (name >= 0.3 or (name > 0 and bool(_SURNAME_END.search(word)))
                         or bool(_OTHER_SURNAME_END.search(word))
                         or (bool(_ADJ_SURNAME.search(word)) and not morph().word_is_known(word)))


@functools.lru_cache(maxsize=200_000)
def _lower_first_name(word: str) -> bool:
    """A lower-case word with a first-name reading (дмитрием, виктории, роман)."""
    score = sum(p.score for p in morph().parse(word) if "Name" in p.tag)
    return score >= 0.2 or (score > 0 and bool(name_info(word)[3] & AMBIGUOUS_NAMES))


def _beside_patronymic(word: str, patronymic: str, next_to_it: bool, step: int) -> bool:
    """A lower-case word in a full name around a patronymic: right before it with a first-name
    reading (романа ивановича), or a surname: a surname reading, or a noun in the patronymic's
    case (дубовика михаила борисовича, новику)."""
    if name_info(patronymic)[1] < 0.5 or name_info(word)[2]:
        return False
    parses = morph().parse(word)
    if step < 0 and next_to_it:
        return any("Name" in p.tag for p in parses)
    cases = {p.tag.case for p in morph().parse(patronymic) if "Patr" in p.tag}
    return _lower_surname(word) or any(p.tag.POS == "NOUN" and p.tag.case in cases for p in parses)


@functools.lru_cache(maxsize=200_000)
def _lower_surname(word: str, strict: bool = False) -> bool:
    """A lower-case word with a surname reading (бондарь, сидоренко), or an unknown word read
    as a name or with a surname's ending; ``strict``: a surname by its best reading and ending."""
    parses = morph().parse(word)
    unknown = not morph().word_is_known(word) and (name_info(word)[0] >= 0.5 or bool(
        _SURNAME_END.search(word) or _ADJ_SURNAME.search(word) or _OTHER_SURNAME_END.search(word)))
    if strict:
        return "Surn" in parses[0].tag or unknown
    return sum(p.score for p in parses if "Surn" in p.tag) >= 0.2 or unknown


@functools.lru_cache(maxsize=200_000)
def _latin_first_name(word: str) -> bool:
    """A Latin word that is a common first name, or a Russian one romanized (Vyacheslav)."""
    if word.lower() in LATIN_FIRST_NAMES:
        return True
    if _english_word(word):
        return False
    cyrillic = transliterate(word)
    return morph().word_is_known(cyrillic) and sum(p.score for p in morph().parse(cyrillic) if "Name" in p.tag) >= 0.5


@functools.lru_cache(maxsize=200_000)
def _latin_name_word(word: str) -> bool:
    """Whether a capitalized Latin word reads as a person's name (a known first name, or a
    Russian name or surname once transliterated)."""
    if word.lower() in LATIN_FIRST_NAMES:
        return True
    if _english_word(word):  # Land, Main, Manager: English words, not romanized names
        return False
    cyrillic = transliterate(word)
    name, patr, stop, _ = name_info(cyrillic)
    if stop:
        return False
    if morph().word_is_known(cyrillic):  # a Russian word: its name readings decide (Manager is none)
        return name >= 0.3 or patr > 0
    return bool(_ADJ_SURNAME.search(cyrillic) or _OTHER_SURNAME_END.search(cyrillic)) or (
        name > 0 and bool(_SURNAME_END.search(cyrillic)))


def _latin_names(text: str) -> list[tuple[int, int]]:
    """Runs of Latin name words and initials: two name words, or a name word and initials;
    words in capitals (SHULGA YANA) read as capitalized."""
    text = _LATIN_CAPS.sub(lambda m: m.group().capitalize(), text)
    tokens = list(_LATIN.finditer(text))
    spans, run = [], []
    for m in [*tokens, None]:
        if m is not None and run and (text[run[-1].end():m.start()].isspace() and m.start() - run[-1].end() <= 2):
            run.append(m)
            continue
        initials = [t for t in run if t.group().endswith(".")]
        words = [t for t in run if t not in initials]
        named = [t for t in words if _latin_name_word(t.group())]
        first = [t for t in words if _latin_first_name(t.group())]
        if first and len(named) == 1:  # a first name: the word beside it is the surname
            i = words.index(first[0])
            named += [t for t in words[i + 1:i + 2] or words[i - 1:i] if run.index(t) - run.index(first[0]) in (-1, 1)]
        elif initials and not named:  # an initial: the word after it (Y. Shulga), else before it (Shulga I.)
            beside = [t for step in (1, -1) for i in initials for t in run[run.index(i) + step:][:1]
                      if 0 <= run.index(i) + step and t in words]
            named = [t for t in beside if len(t.group()) >= 3 and t.group().lower() not in _english_stopwords()][:1]
        if len(named) >= 2 or (named and initials):
            kept = [t for t in run if t in named or t in initials]
            spans.append((kept[0].start(), kept[-1].end()))
        run = [m] if m is not None else []
    return spans


@functools.lru_cache(maxsize=100_000)
def _english_word(word: str) -> bool:
    """Whether simplemma's English dictionary knows the word."""
    import simplemma

    return simplemma.is_known(word.lower(), lang="en")


@functools.lru_cache(maxsize=1)
def _english_stopwords() -> frozenset:
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords("en"))


@functools.lru_cache(maxsize=1)
def _ner():
    """natasha's segmenter and news NER tagger (the slovnet model ships in the package)."""
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


#: A capitalized Cyrillic word after another word: where a person's name may stand.
_INNER_CAPITAL = re.compile(r"[\wа-яё,]\s+[А-ЯЁ][а-яё]{2,}")


@functools.lru_cache(maxsize=20_000)
def _model_names(text: str) -> tuple[tuple[int, int], ...]:
    """Person names the NER model finds that the rules left, in texts with a capitalized
    word after the first; a span of placeholders, non-names (towns, brands, roles) or
    lower-case words only is not a name. Cached per text: a text the rules leave as it
    was is read again on the next pass of :meth:`TextScrubber._names`, and exports repeat texts."""
    if not _INNER_CAPITAL.search(text):
        return ()
    from natasha import Doc

    segmenter, tagger = _ner()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    spans = []
    for span in doc.spans:
        if span.type != "PER" or "[" in span.text:
            continue
        words = [(span.start + m.start(), span.start + m.end(), m.group())
                 for m in re.finditer(r"[А-ЯЁа-яёA-Za-z]+", span.text)]
        while words and (_not_a_name_word(words[0][2]) or name_info(words[0][2])[3] & CAR_WORDS):
            words.pop(0)  # "Договорился с Бураком" tagged whole; "Нива Тревел" a car
        while words and _not_a_name_word(words[-1][2]):
            words.pop()
        if not any(w[0].isupper() for *_, w in words):
            continue
        if all(w.lower() in NOT_NAMES or name_info(w)[2] for *_, w in words):
            continue
        start = words[0][0]
        if _AFTER_STREET.search(text[max(0, start - 14):start]) or _in_quotes(text, start) or _after_car(text, start):
            continue  # a street, a company or a car model named after a person
        spans.append((start, words[-1][1]))
    return tuple(spans)


#: Parts of speech a name word never has (pymorphy3's best reading of a known word).
_NOT_NAME_POS = frozenset({"VERB", "INFN", "GRND", "PRTF", "PRTS", "ADVB", "PREP", "CONJ", "PRCL", "INTJ",
                           "NPRO", "COMP", "PRED", "NUMR"})


@functools.lru_cache(maxsize=200_000)
def _not_a_name_word(word: str) -> bool:
    """A verb, adverb or other function word the model took into a person's span."""
    if len(word) < 2 or not "А" <= word[0].upper() <= "Я":
        return False
    top = morph().parse(word.lower())[0]
    return morph().word_is_known(word.lower()) and top.tag.POS in _NOT_NAME_POS and name_info(word)[0] < NAME_SCORE


def _name_words_beside(text: str, placeholder: str) -> list[tuple[int, int]]:
    """Spans of a name's placeholder with the word right before or after it that reads as a
    surname or a first name (БУРАК [имя], [имя] дубовик): the rest of a name read in parts."""
    if placeholder not in text:
        return []
    ph = re.escape(placeholder)
    spans = []
    for m in re.finditer(rf"(?<![\w\[\]])(?P<w>[А-ЯЁа-яё]{{3,}}) (?={ph})|(?<={ph}) (?P<v>[А-ЯЁа-яё]{{3,}})(?![\w\[])",
                         text):
        word = (m.group("w") or m.group("v")).lower()
        name, _, stop, _ = name_info(word)
        if stop or _not_a_name_word(word) or not (name >= 0.3 or _lower_surname(word)):
            continue
        if m.group("w"):
            spans.append((m.start(), m.end() + len(placeholder)))
        else:
            spans.append((m.start() - len(placeholder), m.end()))
    return _disjoint(spans)


def _ends_with_initial(before: str) -> bool:
    return len(before) >= 2 and before[-1] == "." and before[-2].isupper() and (
        len(before) == 2 or not before[-3].isalpha())


_WORD_BEFORE = re.compile(r"([А-ЯЁа-яёA-Za-z\-]+)\s+$")


def _after_car(text: str, start: int) -> bool:
    """Whether the word before ``start`` is a car brand or model (Фольксваген Жук, Лада Вестой)."""
    m = _WORD_BEFORE.search(text[max(0, start - 24):start])
    return bool(m) and bool(name_info(m.group(1))[3] & CAR_WORDS)


def _in_quotes(text: str, start: int) -> bool:
    """Whether position ``start`` is inside «...» or "..." quotes."""
    left = text[:start]
    return left.count("«") > left.count("»") or left.count('"') % 2 == 1


def _name_spans(run: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Spans to replace in one run of adjacent candidate tokens ``(start, end, class)``."""
    if any(c in (QUOTED, QUOTED_NAME) for *_, c in run):  # in quotes: two strong name words, initials
        quoted = [t for t in run if t[2] == QUOTED]                # and a surname, or a first name alone
        named = len(quoted) >= 2 or (quoted and any(c == INIT for *_, c in run)) or run[0][2] == QUOTED_NAME
        return [(run[0][0], run[-1][1])] if named else []
    classes = [c for _, _, c in run]
    n_strong = classes.count(STRONG)
    n_init = classes.count(INIT)
    n_words = len(classes) - n_init
    if n_strong == 0 and not (n_init and n_words):
        return []
    # weak words and surname-like nouns (CAND) next to a strong word or an initial belong to the name
    return [(run[0][0], run[-1][1])]
