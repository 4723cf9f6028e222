"""Scrub free text (comments, transcripts, notes) of personal data.

Phones, e-mails, passport and personal numbers are found by the patterns of
:mod:`cjm.pii`; person names (surnames, first names, patronymics in any grammatical
case, initials) by pymorphy3 with context rules, plus the names the export itself
lists (``known_names``). Each finding becomes a typed placeholder; a run of
adjacent name words becomes one ``[ФИО]`` (DESIGN.md "Privacy").

Rules for names, in short:

- only capitalized Cyrillic words and initials (``И.``) are candidates;
- towns, car brands and models, months, weekdays and role words (``Клиент``,
  ``Менеджер``) are never names (:data:`cjm.pii.NOT_NAMES`);
- a patronymic, a known name, or a word pymorphy3 reads as a name with enough
  score is a name by itself (a higher score is needed at the start of a sentence);
- ambiguous words (``Вера``, ``Надежда``, ``Роза``, ``Лев`` ...; see
  :data:`cjm.pii.AMBIGUOUS_NAMES`) and weak readings are names only next to another
  name word or an initial;
- a word unknown to the dictionary or an animate noun (``Новик``, ``Мельник``) is
  taken as a surname only next to initials or a first name + patronymic pair;
- words in «quotes» (company names) and after ``ул.``/``пр-т``/``г.`` are kept.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterable

import pandas as pd

from cjm.errors import CjmError
from cjm.pii import AMBIGUOUS_NAMES, CAR_WORDS, PATTERNS, find_phones, morph, name_info, name_lemmas

CAR_TITLES = frozenset(w.capitalize() for w in CAR_WORDS)
KINDS = ("name", "phone", "email", "passport", "personal_number")
#: Placeholder text of each kind, per report language.
PLACEHOLDER_TEXT: dict[str, dict[str, str]] = {
    "ru": {"name": "[ФИО]", "phone": "[ТЕЛЕФОН]", "email": "[EMAIL]", "passport": "[ПАСПОРТ]",
           "personal_number": "[ЛИЧНЫЙ НОМЕР]"},
    "en": {"name": "[NAME]", "phone": "[PHONE]", "email": "[EMAIL]", "passport": "[PASSPORT]",
           "personal_number": "[ID NUMBER]"},
}
#: Every placeholder string, to recognise scrubbed text.
PLACEHOLDERS: frozenset[str] = frozenset(v for d in PLACEHOLDER_TEXT.values() for v in d.values())

#: Name score (summed pymorphy3 Name/Surn/Patr readings) that makes a word a name on its own.
NAME_SCORE = 0.4
#: The same at the start of a sentence, where every word is capitalized.
NAME_SCORE_AT_START = 0.6

_TOKEN = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ]?[а-яё]+)*(?![А-ЯЁа-яё])|[А-ЯЁ]\.")
_AFTER_STREET = re.compile(
    r"(?:\b(?:ул|улица|пр|пр-т|просп|проспект|пер|переулок|б-р|бульвар|пл|площадь|им|имени|г|гор|город|"
    r"д|дер|деревня|пос|аг|р-н|обл|ст|станция|тц|трц|бц|мкр|микрорайон)\.?\s*)$", re.IGNORECASE)
_SENTENCE_END = ".!?…:\n"  # a colon opens a speaker's turn in transcripts
_ADJ_SURNAME = re.compile(r"(?:ск|цк)(?:ий|ая|ой|ого|ому|им|ом|ую)$")
#: Endings of Russian and Belarusian surnames: with any Surn reading, the word is a name.
_SURNAME_END = re.compile(r"(?:[оеё]в|[иы]н)(?:а|у|ым|ой|ою|ом|е)?$|(?:ович|евич|вич)(?:а|у|ем|е)?$")
_PREPOSITION = re.compile(r"(?:^|[\s(])(?:в|во|из|до|под|через|около|возле|на|г\.|гор\.|город|городе)\s*$",
                          re.IGNORECASE)

STRONG, WEAK, CAND, INIT, NONE, TOWNLIKE, TOWNCAND = range(7)


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
    'Позвонил [ФИО] на [ТЕЛЕФОН]'
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
            not in_dict and (_ADJ_SURNAME.search(low) or re.search(r"(?:вич|енко|[уюч]к)[аеуом]*$", low)))
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
        read as a name next to its placeholder); returns the text and the runs replaced."""
        total = 0
        for _ in range(4):
            text, replaced = self._name_runs(text)
            total += replaced
            if not replaced:
                break
        return text, total

    def _name_runs(self, text: str) -> tuple[str, int]:
        """One pass of :meth:`_names`."""
        tokens = []  # (start, end, class)
        for m in _TOKEN.finditer(text):
            start, end, word = m.start(), m.end(), m.group()
            if len(word) == 2 and word[1] == ".":
                if start and text[start - 1].isalpha():
                    continue
                tokens.append((start, end, INIT))
                continue
            if start and (text[start - 1].isalnum() or text[start - 1] in "[«\"'"):
                continue
            mid, first = self._word_class(word)
            if mid == NONE:
                continue
            before = text[:start].rstrip()
            at_start = not before or before[-1] in _SENTENCE_END and not _ends_with_initial(before)
            if _AFTER_STREET.search(text[max(0, start - 14):start]) or _in_quotes(text, start):
                continue
            cls = first if at_start else mid
            if cls in (TOWNLIKE, TOWNCAND):  # a town after a preposition, else a (known) surname
                if _PREPOSITION.search(text[max(0, start - 10):start]):
                    continue
                cls = STRONG if cls == TOWNLIKE else CAND
            if cls != NONE:
                tokens.append((start, end, cls))
        if not tokens:
            return text, 0
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
        if not spans:
            return text, 0
        out, pos = [], 0
        for s, e in spans:
            out.append(text[pos:s])
            out.append(self.placeholders["name"])
            pos = e
        out.append(text[pos:])
        return "".join(out), len(spans)

    # ------------------------------------------------------------------ text
    def _scrub_counts(self, text: str) -> tuple[str, tuple[int, ...]]:
        ph = self.placeholders
        counts = dict.fromkeys(KINDS, 0)
        if "@" in text:
            text, counts["email"] = PATTERNS["email"].subn(ph["email"], text)
        if any(c.isdigit() for c in text):
            text, counts["personal_number"] = PATTERNS["personal_number"].subn(ph["personal_number"], text)
            text, counts["passport"] = PATTERNS["passport"].subn(ph["passport"], text)
            phones = find_phones(text)
            if phones:
                out, pos = [], 0
                for s, e, _ in phones:
                    out += [text[pos:s], ph["phone"]]
                    pos = e
                text = "".join(out) + text[pos:]
                counts["phone"] = len(phones)
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
        """``(scrubbed, counts)`` of each text, split over forked workers when worth it."""
        if n_jobs <= 1 or len(texts) < PARALLEL_MIN:
            return [_scrub_one(self, t) for t in texts]
        global _WORKER
        _WORKER = self  # inherited by the forked workers, with its word cache
        size = -(-len(texts) // (n_jobs * 4))
        chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
        try:
            with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
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


def _ends_with_initial(before: str) -> bool:
    return len(before) >= 2 and before[-1] == "." and before[-2].isupper() and (
        len(before) == 2 or not before[-3].isalpha())


def _in_quotes(text: str, start: int) -> bool:
    """Whether position ``start`` is inside «...» or "..." quotes."""
    left = text[:start]
    return left.count("«") > left.count("»") or left.count('"') % 2 == 1


def _name_spans(run: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Spans to replace in one run of adjacent candidate tokens ``(start, end, class)``."""
    classes = [c for _, _, c in run]
    n_strong = classes.count(STRONG)
    n_init = classes.count(INIT)
    n_words = len(classes) - n_init
    if n_strong == 0 and not (n_init and n_words):
        return []
    # weak words and surname-like nouns (CAND) next to a strong word or an initial belong to the name
    return [(run[0][0], run[-1][1])]
