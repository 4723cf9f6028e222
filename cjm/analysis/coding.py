"""Coding of what customers say: interview turns, open answers and mystery-shopper notes
into the codes of a codebook, by map layer and stage, in the language of the texts.

A codebook (params' ``interviews.codebook``) groups codes by map layer (touchpoint,
barrier, pain, positive, emotion, question, goal, influencer, theme); each code has a
stage, a valence and patterns. A pattern is a few words that must all occur in one
sentence, compared as lemmas, so «договор», «договора», «договором» match alike; a word
ending in ``*`` matches by prefix. A word written after a negation (``не …``, or the text
language's own: «não chegar», «not call») must be negated («не перезвонили»). A code is
not given where the sentence negates one of its words («страховку никто не навязывал»,
«тревоги не было»).

The text language (params' ``text_language``, else ``language``) picks the lemmatizer:
pymorphy3 for Russian, simplemma for the other :data:`SUPPORTED_LANGUAGES`; the negation
words (:data:`NEGATIONS`, plus params' ``interviews.negations``); the seed tone lexicon
(ru/en only: other languages are scored with params' ``interviews.lexicon`` alone, see
:func:`tone_scored`); and how candidate themes are found (Russian nouns, else content
lemmas that are no stop words).

The unit of coding is the sentence: a fragment is one sentence with one code.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from cjm.core.errors import CjmError
from cjm.core.schemas import CODE_LAYERS, check_codebook
from cjm.core.languages import check_language, morph

#: Layers whose codes a negation turns around («не было тревоги»); a touchpoint, question or
#: theme is mentioned even in a negative sentence («на сайте нет информации»).
NEGATABLE = frozenset({"barrier", "pain", "positive", "emotion", "goal"})
#: Words that negate the word after them (up to ``NEGATION_REACH`` words on), by text language;
#: params' ``interviews.negations`` adds words. A language not listed negates with those alone.
NEGATIONS = {
    "ru": frozenset({"не", "ни", "нет", "никто", "ничто", "ничего", "никогда", "нигде", "никак", "no", "not",
                     "never", "without"}),
    "en": frozenset({"no", "not", "never", "without", "nobody", "nothing", "none", "neither", "nor", "cannot"}),
    "pt": frozenset({"não", "nem", "nunca", "jamais", "nenhum", "nenhuma", "ninguém", "nada", "sem"}),
    "es": frozenset({"no", "ni", "nunca", "jamás", "nada", "nadie", "ninguno", "ninguna", "ningún", "sin",
                     "tampoco"}),
    "fr": frozenset({"ne", "n", "pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "non"}),  # n': «n'est pas»
    "de": frozenset({"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "niemand",
                     "nichts", "ohne", "weder"}),
    "it": frozenset({"non", "né", "mai", "niente", "nulla", "nessuno", "nessuna", "nessun", "senza"}),
    "uk": frozenset({"не", "ні", "ніхто", "ніщо", "нічого", "ніколи", "ніде", "ніяк", "без", "немає", "нема"}),
    "pl": frozenset({"nie", "ani", "nigdy", "nikt", "nic", "nigdzie", "żaden", "żadna", "żadne", "bez", "brak"}),
    "nl": frozenset({"niet", "geen", "nooit", "niemand", "niets", "nergens", "zonder", "noch"}),
}
NEGATION_REACH = 3
#: Seed sentiment lexicon (lemmas: pymorphy3's for Russian, simplemma's for English), ru and en;
#: params' ``interviews.lexicon`` adds words. It gives a valence to fragments whose code has
#: none (a touchpoint named with praise).
LEXICON = {
    "positive": frozenset({
        "удобный", "удобно", "быстро", "быстрый", "хорошо", "хороший", "отлично", "отличный", "спасибо",
        "нравиться", "понравиться", "приятный", "приятно", "вежливый", "вежливо", "понятно", "понятный",
        "прозрачно", "прозрачный", "довольный", "рад", "радовать", "легко", "спокойно", "оперативно", "молодец",
        "благодарный", "замечательно", "помочь", "здорово", "классно", "удобство",
        "convenient", "easy", "fast", "quick", "quickly", "good", "great", "excellent", "thanks", "thank", "like",
        "love", "pleasant", "polite", "clear", "happy", "glad", "helpful", "smooth", "simple", "friendly"}),
    "negative": frozenset({
        "неудобно", "неудобный", "долго", "долгий", "плохо", "плохой", "проблема", "жаль", "неприятно",
        "неприятный", "раздражать", "сложно", "сложный", "непонятно", "непонятный", "ужасно", "дорого", "дорогой",
        "задержка", "ошибка", "обмануть", "грубый", "злиться", "устать", "нервничать", "жалоба", "медленно",
        "беда", "напрячь", "штраф", "затянуться",
        "slow", "slowly", "bad", "poor", "problem", "difficult", "confuse", "annoy", "expensive", "delay",
        "error", "rude", "complaint", "unclear", "hard", "late", "wait", "never", "wrong"}),
}
#: Text languages the seed :data:`LEXICON` scores.
LEXICON_LANGUAGES = frozenset({"ru", "en"})
#: Nouns of everyday speech that carry no theme («в целом», «по делу», «по порядку»).
FILLER_NOUNS = frozenset({"целое", "дело", "порядок", "голова", "вопрос", "проблема", "раз", "время", "сторона",
                          "случай", "смысл", "общее", "принцип"})
#: Stop-word lists (stopwordsiso) of languages it names otherwise.
_STOPWORD_CODES = {"nb": ("no",), "nn": ("no",), "hbs": ("hr",)}


def _mark_ranges() -> str:
    """The combining marks of the Basic Multilingual Plane as a regex class body: they are part of
    words in Devanagari, Malayalam, Hebrew, Arabic (and of decomposed accents)."""
    ranges, first, last = [], None, None
    for code in range(0x10000):
        if unicodedata.category(chr(code))[0] != "M":
            continue
        if last is not None and code == last + 1:
            last = code
            continue
        if first is not None:
            ranges.append((first, last))
        first = last = code
    ranges.append((first, last))
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_MARKS = _mark_ranges()
#: A word: letters and digits of any script (with their combining marks), inner hyphens.
_RUN = rf"[^\W_]+(?:[{_MARKS}]+[^\W_]*)*"
_WORD = re.compile(rf"{_RUN}(?:-{_RUN})*")
_PATTERN_WORD = re.compile(rf"{_RUN}(?:-{_RUN})*\*?")
_SENTENCE_GAP = re.compile(r"(?<=[.!?…؟।॥։])\s+")
_CLAUSE = re.compile(r"[,;:—–()،؛]")
_EN_NOT = re.compile(r"\b(ca|wo|sha)n['’]t\b|n['’]t\b")
_EN_NOT_STEM = {"ca": "can", "wo": "will", "sha": "shall"}


def _lower(text: str, language: str = "ru") -> str:
    """``text`` in NFC and lower case, as words are compared: Turkish dotted/dotless i kept apart,
    English «n't» written out («didn't» -> «did not»)."""
    text = unicodedata.normalize("NFC", text)
    if language in ("tr", "az"):
        text = text.replace("İ", "i").replace("I", "ı")
    text = text.lower()
    if language == "en" and ("'" in text or "’" in text):
        text = _EN_NOT.sub(lambda m: f"{_EN_NOT_STEM[m[1]]} not" if m[1] else " not", text)
    return text


@functools.lru_cache(maxsize=200_000)
def lemma(word: str, language: str = "ru") -> str:
    """The normal form of a word in the text ``language``, lower-cased: pymorphy3's for a Russian
    word (``ё`` as ``е``; a word without Cyrillic letters is only lower-cased), simplemma's otherwise."""
    if language == "ru":
        low = word.lower().replace("ё", "е")
        if not re.search("[а-я]", low):
            return low
        return morph().parse(low)[0].normal_form.replace("ё", "е")
    check_language(language)
    import simplemma

    return simplemma.lemmatize(word.lower(), lang=language).lower()


def _starts_sentence(char: str) -> bool:
    """A capital (or a letter of a script without case), a digit, an opening quote or bracket."""
    if char.isalpha():
        return not char.islower() or "\u10d0" <= char <= "\u10ff"  # Georgian is written in lower case
    return char.isdigit() or char in "\"¿¡" or unicodedata.category(char) in ("Ps", "Pi")


def sentences(text: str) -> list[str]:
    """``text`` split into sentences: after ``.``, ``!``, ``?``, ``…`` (and ``؟``, ``।``, ``։``)
    and a space, before a capital, a digit or an opening quote or bracket, in any script."""
    text, out, start = text.strip(), [], 0
    for gap in _SENTENCE_GAP.finditer(text):
        if _starts_sentence(text[gap.end()]):
            out.append(text[start:gap.start()])
            start = gap.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def tokens(sentence: str, language: str = "ru") -> list[tuple[str, int]]:
    """Lemmas of a sentence's words, each with the number of its clause (split at commas,
    colons, dashes); a hyphenated word also gives the lemmas of its parts."""
    out = []
    for clause, part in enumerate(_CLAUSE.split(_lower(sentence, language))):
        for word in _WORD.findall(part):
            out.append((lemma(word, language), clause))
            if "-" in word:
                out.extend((lemma(piece, language), clause) for piece in word.split("-") if piece)
    return out


def _words(words: Iterable[str] | None, where: str) -> frozenset:
    """Params' single words, lower-cased; a phrase is an error naming ``where``."""
    out = set()
    for word in [words] if isinstance(words, str) else words or ():
        low = unicodedata.normalize("NFC", str(word)).strip().lower()
        if not _WORD.fullmatch(low):
            raise CjmError(f"{where}: {word!r} is not one word", "list single words, e.g. [nunca, jamais]")
        out.add(low)
    return frozenset(out)


@functools.lru_cache(maxsize=256)
def _negation_set(language: str, extra: frozenset) -> frozenset:
    shipped = NEGATIONS.get(language, frozenset())
    if language != "ru":  # the tokens are lemmas: «nenhuma» is «nenhum»
        shipped = shipped | {lemma(w, language) for w in shipped}
    return shipped | extra | {lemma(w, language) for w in extra}


def negation_words(language: str = "ru", negations: Iterable[str] | None = ()) -> frozenset:
    """The words (and their lemmas) that negate the word after them in a text of ``language``:
    :data:`NEGATIONS`' and params' ``interviews.negations`` (``negations``)."""
    return _negation_set(language, _words(negations, "interviews.negations"))


@functools.lru_cache(maxsize=256)
def _pattern_negation_set(language: str, extra: frozenset) -> frozenset:
    if language == "ru":  # as before: «нет», «никогда» are words of a Russian pattern
        return frozenset({"не", "not", "no"}) | extra | {lemma(w, language) for w in extra}
    return frozenset({"не"}) | _negation_set(language, extra)


def _negated(lemmas: list[tuple[str, int]], at: int, negations: frozenset = NEGATIONS["ru"],
             after: bool = True) -> bool:
    """Whether the word at ``at`` is negated: one of ``negations`` up to NEGATION_REACH words
    before it in its clause, or (``after``, Russian) «не быть»/«нет» right after it («тревоги не было»)."""
    word, clause = lemmas[at]
    before = lemmas[max(0, at - NEGATION_REACH):at]
    if any(lem in negations and c == clause for lem, c in before):
        return True
    if not after:
        return False
    after_words = [lem for lem, c in lemmas[at + 1:at + 4] if c == clause]
    return "нет" in after_words[:2] or any(a == "не" and b == "быть" for a, b in zip(after_words, after_words[1:]))


@dataclass(frozen=True)
class Pattern:
    """Words that must all be in one sentence; ``negated[i]`` where word ``i`` must be negated."""

    words: tuple[str, ...]
    negated: tuple[bool, ...]

    @classmethod
    def parse(cls, text: str, language: str = "ru", negations: Iterable[str] | None = ()) -> "Pattern":
        """A pattern of a codebook in the text ``language``: words as lemmas, ``word*`` as a prefix;
        a word after ``не`` or a negation of the language (:data:`NEGATIONS`, ``negations``; for
        Russian only ``не``, ``not``, ``no`` and ``negations``) must be negated."""
        negators = _pattern_negation_set(language, _words(negations, "interviews.negations"))
        low = _lower(text, language)
        if language == "ru":
            low = low.replace("ё", "е")
        words, negated, negate = [], [], False
        for word in _PATTERN_WORD.findall(low):
            if word in negators:
                negate = True
                continue
            words.append(word if word.endswith("*") else lemma(word, language))
            negated.append(negate)
            negate = False
        if not words:
            raise CjmError(f"pattern {text!r} has no words", "write the words that mark the code, e.g. «долго ждать»")
        return cls(tuple(words), tuple(negated))


def _pattern_matches(pattern: Pattern, lemmas: list[tuple[str, int]], negatable: bool, negations: frozenset,
                     after: bool) -> bool:
    """Whether ``pattern`` occurs in a sentence's ``lemmas`` (:func:`tokens`) with its negations;
    unless ``negatable``, only the words the pattern negates are checked for negation."""
    for word, must_negate in zip(pattern.words, pattern.negated):
        if word.endswith("*"):  # a prefix (two loops, not a test per token: most of the coding time is here)
            stem = word[:-1]
            places = [i for i, (token, _) in enumerate(lemmas) if token.startswith(stem)]
        else:
            places = [i for i, (token, _) in enumerate(lemmas) if token == word]
        if not any(_negated(lemmas, i, negations, after) == must_negate or not (must_negate or negatable)
                   for i in places):
            return False
    return True


@dataclass(frozen=True)
class Code:
    layer: str
    code: str
    stage: str | None
    valence: int
    patterns: tuple[Pattern, ...]
    channel: str | None = None
    online: bool | None = None


def read_codebook(codebook: dict, stages: list[str] | None = None, where: str = "interviews.codebook",
                  language: str = "ru", negations: Iterable[str] | None = ()) -> list[Code]:
    """Codes of a params codebook: ``{layer: {code: {stage, valence, patterns, channel, online}}}``,
    patterns read in the text ``language`` (:meth:`Pattern.parse`).

    An unknown layer or a stage not in ``stages`` is one error naming the code.

    Parameters
    ----------
    codebook : dict
        Layer -> code name -> ``patterns`` (list of str, required), ``stage``, ``valence``
        (default: the layer's, -1 for barrier and pain, 1 for positive, else 0), ``channel``, ``online``.
    stages : list of str, optional
        The journey stages a code's stage must be one of; None: not checked.
    where : str
        The params key the codebook came from, named in errors.
    language : str
        Language of the texts the patterns are matched in (lemmatizer and negations).
    negations : list of str, optional
        Params' ``interviews.negations``: words that negate besides :data:`NEGATIONS`.

    Returns
    -------
    list of Code
        One per code: ``layer``, ``code``, ``stage``, ``valence``, ``patterns``, ``channel``, ``online``.
    """
    check_codebook(codebook, stages, where)
    codes = []
    for layer, entries in codebook.items():
        for name, spec in entries.items():
            codes.append(Code(layer, name, spec.get("stage"), int(spec.get("valence", CODE_LAYERS[layer])),
                              tuple(Pattern.parse(p, language, negations) for p in spec["patterns"]),
                              spec.get("channel"), spec.get("online")))
    return codes


def extended_lexicon(words: dict | None, language: str = "ru") -> dict:
    """The tone lexicon of a text ``language``: :data:`LEXICON` for ru and en (none for other
    languages) with the ``positive`` and ``negative`` words of params (any form) added as lemmas."""
    words = words or {}
    seed = LEXICON if language in LEXICON_LANGUAGES else {side: frozenset() for side in LEXICON}
    return {side: seed[side] | {lemma(w, language) for w in words.get(side) or []} for side in LEXICON}


def tone_scored(language: str, words: dict | None) -> bool:
    """Whether sentences of ``language`` get a tone: the seed lexicon is ru/en; other languages
    need words under params' ``interviews.lexicon`` (``words``)."""
    return language in LEXICON_LANGUAGES or any((words or {}).get(side) for side in LEXICON)


def _tone(lemmas: list[tuple[str, int]], lexicon: dict, negations: frozenset, after: bool) -> int:
    total = 0
    for at, (word, _) in enumerate(lemmas):
        polarity = (word in lexicon["positive"]) - (word in lexicon["negative"])
        total += -polarity if polarity and _negated(lemmas, at, negations, after) else polarity
    return (total > 0) - (total < 0)


def tone(lemmas: list[tuple[str, int]], lexicon: dict | None = None, language: str = "ru",
         negations: Iterable[str] | None = ()) -> int:
    """-1, 0 or 1: the sign of a sentence's lexicon words (a negated word counts the other way);
    ``lexicon`` defaults to the language's (:func:`extended_lexicon`): 0 for a language
    without one."""
    lexicon = extended_lexicon(None, language) if lexicon is None else lexicon
    return _tone(lemmas, lexicon, negation_words(language, negations), language == "ru")


def _code_sentence(sentence: str, codes: list[Code], lexicon: dict, language: str,
                   negations: frozenset) -> tuple[list[Code], int]:
    lemmas, after = tokens(sentence, language), language == "ru"
    found = [code for code in codes
             if any(_pattern_matches(p, lemmas, code.layer in NEGATABLE, negations, after) for p in code.patterns)]
    return found, _tone(lemmas, lexicon, negations, after)


def code_sentence(sentence: str, codes: list[Code], lexicon: dict | None = None, language: str = "ru",
                  negations: Iterable[str] | None = ()) -> tuple[list[Code], int]:
    """The codes one sentence carries, and its :func:`tone` (``codes`` read in the same language)."""
    lexicon = extended_lexicon(None, language) if lexicon is None else lexicon
    return _code_sentence(sentence, codes, lexicon, language, negation_words(language, negations))


def code_texts(texts: pd.DataFrame, codes: list[Code], lexicon: dict | None = None, language: str = "ru",
               negations: Iterable[str] | None = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Code every sentence of ``texts`` (written in ``language``). A fragment's valence is its
    code's, or, for codes without one (touchpoints, questions, themes), the sentence's :func:`tone`.

    Parameters
    ----------
    texts : DataFrame
        ``source``, ``doc_id``, ``client_id``, ``turn``, ``text`` (respondent speech only).
    codes : list of Code
        :func:`read_codebook`, read in the same ``language``.
    lexicon : dict, optional
        :func:`extended_lexicon`; the language's seed by default.
    language : str
        Language of the texts (lemmatizer, negations, seed lexicon).
    negations : list of str, optional
        Params' ``interviews.negations``: words that negate besides :data:`NEGATIONS`.

    Returns
    -------
    fragments : DataFrame
        ``source``, ``doc_id``, ``client_id``, ``turn``, ``stage``, ``layer``, ``code``,
        ``valence``, ``quote`` (the sentence); one row per sentence and code.
    uncoded : DataFrame
        ``source``, ``doc_id``, ``client_id``, ``turn``, ``quote``: sentences no code matched.
    """
    lexicon = extended_lexicon(None, language) if lexicon is None else lexicon
    negation = negation_words(language, negations)
    rows, rest = [], []
    for record in texts.itertuples(index=False):
        for sentence in sentences(str(record.text)):
            found, sentence_tone = _code_sentence(sentence, codes, lexicon, language, negation)
            where = {"source": record.source, "doc_id": record.doc_id, "client_id": record.client_id,
                     "turn": record.turn}
            rows += [{**where, "stage": c.stage, "layer": c.layer, "code": c.code,
                      "valence": c.valence or sentence_tone, "quote": sentence} for c in found]
            if not found:
                rest.append({**where, "quote": sentence})
    columns = ["source", "doc_id", "client_id", "turn", "stage", "layer", "code", "valence", "quote"]
    return (pd.DataFrame(rows, columns=columns),
            pd.DataFrame(rest, columns=["source", "doc_id", "client_id", "turn", "quote"]))


# ----------------------------------------------------------------------------- sources


def respondent_turns(interviews: pd.DataFrame, speakers: list[str], where: str = "interviews") -> tuple[pd.DataFrame, dict]:
    """The turns of ``interviews`` spoken by respondents, and what was left out.

    Transcripts without speaker marks cannot be told apart from the interviewer's
    questions; they are not coded but counted (``unmarked``), with the fix in the report.

    Returns
    -------
    turns : DataFrame
        ``interview_id``, ``client_id``, ``turn``, ``text``.
    handling : dict
        ``turns``, ``respondent``, ``other_speakers`` (turns of others, e.g. the
        interviewer), ``unmarked`` (turns without a speaker), ``speakers_seen``,
        ``interviews_without_speakers`` (transcripts not coded at all: mark their speakers).
    """
    speaker = interviews["speaker"]
    mine = speaker.isin(speakers)
    seen = sorted(speaker.dropna().unique().tolist())
    if len(interviews) and not mine.any():
        raise CjmError(f"{where}: no turn is spoken by {', '.join(speakers)}; speakers found: "
                       f"{', '.join(map(str, seen)) or 'none'}",
                       "set interviews.respondent_speakers to the label respondents' turns start with "
                       "(\"Респондент: …\"), or mark speakers in the transcripts")
    unmarked = interviews.groupby("interview_id")["speaker"].apply(lambda s: s.isna().all())
    return interviews.loc[mine, ["interview_id", "client_id", "turn", "text"]], {
        "turns": len(interviews), "respondent": int(mine.sum()),
        "other_speakers": int((~mine & speaker.notna()).sum()), "unmarked": int(speaker.isna().sum()),
        "speakers_seen": ", ".join(map(str, seen)),
        "interviews_without_speakers": ", ".join(map(str, unmarked.index[unmarked.to_numpy()]))}


def gather_texts(interviews: pd.DataFrame | None, comments: pd.DataFrame | None,
                 observations: pd.DataFrame | None) -> pd.DataFrame:
    """What customers said, from every source present, as one table to code.

    Parameters
    ----------
    interviews : DataFrame or None
        Respondent turns (:func:`respondent_turns`).
    comments : DataFrame or None
        Open survey answers (04's ``survey_comments``: ``respondent_id``, ``client_id``, ``text``).
    observations : DataFrame or None
        Mystery-shopper notes (``visit_id``, ``observation``).

    Returns
    -------
    DataFrame
        ``source`` (interview, survey, mystery), ``doc_id``, ``client_id``, ``turn``, ``text``.
    """
    parts = []
    if interviews is not None:
        parts.append(pd.DataFrame({"source": "interview", "doc_id": interviews["interview_id"],
                                   "client_id": interviews["client_id"], "turn": interviews["turn"],
                                   "text": interviews["text"]}))
    if comments is not None:
        parts.append(pd.DataFrame({"source": "survey", "doc_id": comments["respondent_id"],
                                   "client_id": comments["client_id"], "turn": 0, "text": comments["text"]}))
    if observations is not None:
        parts.append(pd.DataFrame({"source": "mystery", "doc_id": observations["visit_id"], "client_id": None,
                                   "turn": 0, "text": observations["observation"]}))
    columns = ["source", "doc_id", "client_id", "turn", "text"]
    texts = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return texts[texts["text"].notna()].astype({"doc_id": "str"}).reset_index(drop=True)


# ----------------------------------------------------------------------------- what the codes add up to


def code_by_segment(fragments: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Mentions of each code by segment, and the share of documents (an interview, a
    comment, a visit) of the segment that mention it.

    Parameters
    ----------
    fragments : DataFrame
        :func:`code_texts` fragments with a ``segment`` column (missing outside segments).
    documents : DataFrame
        ``source``, ``doc_id``, ``segment``: every document coded, once.

    Returns
    -------
    DataFrame
        ``layer``, ``code``, ``segment`` ("all" or the segment as text), ``mentions``,
        ``documents``, ``share`` (of the segment's documents).
    """
    rows = []
    groups = [("all", fragments, documents)] + [
        (str(s), fragments[fragments["segment"] == s], documents[documents["segment"] == s])
        for s in sorted(documents["segment"].dropna().unique())]
    for (layer, code), _ in fragments.groupby(["layer", "code"], sort=True):
        for segment, part, docs in groups:
            mine = part[part["code"] == code]
            mentioned = mine[["source", "doc_id"]].drop_duplicates()
            rows.append({"layer": layer, "code": code, "segment": segment, "mentions": len(mine),
                         "documents": len(mentioned), "share": len(mentioned) / len(docs) if len(docs) else float("nan")})
    return pd.DataFrame(rows, columns=["layer", "code", "segment", "mentions", "documents", "share"])


def cooccurrence(fragments: pd.DataFrame) -> pd.DataFrame:
    """Pairs of codes named in the same document: ``code_a``, ``code_b``, ``documents``,
    and ``jaccard`` (documents with both over documents with either), most frequent first."""
    by_doc = fragments.drop_duplicates(["source", "doc_id", "code"])
    docs_of = by_doc.groupby("code")[["source", "doc_id"]].apply(lambda f: set(zip(f["source"], f["doc_id"])))
    rows = []
    names = sorted(docs_of.index)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = len(docs_of[a] & docs_of[b])
            if both:
                rows.append({"code_a": a, "code_b": b, "documents": both,
                             "jaccard": both / len(docs_of[a] | docs_of[b])})
    table = pd.DataFrame(rows, columns=["code_a", "code_b", "documents", "jaccard"])
    return table.sort_values(["documents", "jaccard"], ascending=False, kind="stable").reset_index(drop=True)


def representative_quotes(fragments: pd.DataFrame, per_code: int = 3, max_chars: int = 160,
                          language: str = "ru") -> pd.DataFrame:
    """For each code, the quotes that say it most typically: the closest to the code's
    centroid in TF-IDF space of lemmas, from different documents, at most ``max_chars`` long,
    no two the same in lemmas (the same words said by a man and by a woman).

    Parameters
    ----------
    fragments : DataFrame
        :func:`code_texts` fragments: ``layer``, ``code``, ``source``, ``doc_id``, ``quote``.
    per_code : int
        At most this many quotes per code, each from another document.
    max_chars : int
        Longer quotes are left out.
    language : str
        Language of the quotes (their lemmas).

    Returns
    -------
    DataFrame
        ``layer``, ``code``, ``rank`` (1 = most typical), ``source``, ``doc_id``, ``quote``;
        codes without a quote short enough have no rows.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    rows = []
    for (layer, code), part in fragments.groupby(["layer", "code"], sort=True):
        part = part[part["quote"].str.len() <= max_chars]
        lemmas = pd.Series([" ".join(t for t, _ in tokens(q, language)) for q in part["quote"]], index=part.index)
        part, lemmas = part[~lemmas.duplicated()], lemmas[~lemmas.duplicated()].tolist()  # «позвонил»/«позвонила»
        if part.empty:
            continue
        matrix = TfidfVectorizer(token_pattern=r"\S+").fit_transform(lemmas)
        centroid = np.asarray(matrix.mean(axis=0))
        closeness = np.asarray(matrix @ centroid.T).ravel()
        seen = set()
        for i in np.argsort(-closeness, kind="stable"):
            record = part.iloc[i]
            key = (record["source"], record["doc_id"])
            if key in seen:
                continue
            seen.add(key)
            rows.append({"layer": layer, "code": code, "rank": len(seen), "source": record["source"],
                         "doc_id": record["doc_id"], "quote": record["quote"]})
            if len(seen) == per_code:
                break
    return pd.DataFrame(rows, columns=["layer", "code", "rank", "source", "doc_id", "quote"])


def touchpoint_inventory(fragments: pd.DataFrame, codes: list[Code], observations: pd.DataFrame | None = None,
                         touches: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every touchpoint customers named, across sources.

    Parameters
    ----------
    fragments : DataFrame
        :func:`code_texts` fragments: ``code``, ``source``, ``doc_id``, ``valence``
        (matched to a touchpoint by the code's name).
    codes : list of Code
        :func:`read_codebook`; one row per code of the ``touchpoint`` layer, in codebook order.
    observations : DataFrame, optional
        Mystery-shopper visits; their ``touchpoint`` column, if any, is counted.
    touches : DataFrame, optional
        CRM touches; their ``channel`` column is counted against each touchpoint's channel.

    Returns
    -------
    DataFrame
        ``touchpoint``, ``stage``, ``channel``, ``online``, ``mentions`` (fragments),
        ``documents``, ``sources`` (which sources name it), ``valence`` (mean tone of the
        sentences that name it, -1..1; 0 when none does), ``mystery_visits``
        (visits whose touchpoint it is), ``crm_touches`` (CRM touches in its channel; 0 without
        touches or a channel; touchpoints of one channel each count all its touches).
    """
    rows = []
    for code in (c for c in codes if c.layer == "touchpoint"):
        mine = fragments[fragments["code"] == code.code]
        rows.append({"touchpoint": code.code, "stage": code.stage, "channel": code.channel, "online": code.online,
                     "mentions": len(mine), "documents": len(mine[["source", "doc_id"]].drop_duplicates()),
                     "sources": ", ".join(sorted(mine["source"].unique())),
                     "valence": float(mine["valence"].mean()) if len(mine) else 0.0,
                     "mystery_visits": int((observations["touchpoint"] == code.code).sum())
                     if observations is not None and "touchpoint" in observations else 0,
                     "crm_touches": int((touches["channel"] == code.channel).sum())
                     if touches is not None and code.channel else 0})
    return pd.DataFrame(rows, columns=["touchpoint", "stage", "channel", "online", "mentions", "documents", "sources",
                                       "valence", "mystery_visits", "crm_touches"])


def emotion_by_stage(fragments: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    """The emotion score of each stage: mean valence (-1..1) of everything customers said
    about the stage (neutral mentions, such as a touchpoint, count as 0), with its evidence.

    Parameters
    ----------
    fragments : DataFrame
        :func:`code_texts` fragments: ``stage``, ``valence``, ``source``, ``doc_id``
        (fragments of codes without a stage are not counted).
    stages : list of str
        The journey stages, in order: one row each.

    Returns
    -------
    DataFrame
        ``stage`` (in journey order), ``score`` (NaN without fragments), ``fragments``,
        ``negative``, ``positive`` (fragments of each sign), ``documents``.
    """
    columns = ["stage", "score", "fragments", "negative", "positive", "documents"]
    if not {"stage", "valence", "source", "doc_id"} <= set(fragments.columns):  # no fragments at all
        return pd.DataFrame({"stage": stages, "score": [float("nan")] * len(stages),
                             **{column: [0] * len(stages) for column in columns[2:]}}, columns=columns)
    said = fragments[fragments["stage"].isin(stages)]
    said = said.assign(negative=said["valence"] < 0, positive=said["valence"] > 0)
    by = said.groupby("stage")
    table = pd.DataFrame({"score": by["valence"].mean().astype(float), "fragments": by.size(),
                          "negative": by["negative"].sum(), "positive": by["positive"].sum(),
                          "documents": said.drop_duplicates(["stage", "source", "doc_id"]).groupby("stage").size()})
    table = table.reindex(stages).rename_axis("stage").reset_index()
    table[columns[2:]] = table[columns[2:]].fillna(0).astype(int)
    return table[columns]


@functools.lru_cache(maxsize=200_000)
def _noun(word: str) -> str | None:
    """The lemma of ``word`` if it is a noun of three letters or more, else None."""
    if len(word) < 3 or not re.fullmatch("[а-яё]+", word):
        return None
    parse = morph().parse(word.replace("ё", "е"))[0]
    noun = parse.normal_form.replace("ё", "е") if parse.tag.POS == "NOUN" else None
    return None if noun in FILLER_NOUNS else noun


@functools.lru_cache(maxsize=64)
def _stop_words(language: str) -> frozenset:
    """stopwordsiso's stop words of ``language`` (none when it has no list) and its negations."""
    import stopwordsiso

    words = set(NEGATIONS.get(language, ()))
    for code in _STOPWORD_CODES.get(language, (language,)):
        if stopwordsiso.has_lang(code):
            words |= {unicodedata.normalize("NFC", w).lower() for w in stopwordsiso.stopwords(code)}
    return frozenset(words)


@functools.lru_cache(maxsize=200_000)
def _content_lemma(word: str, language: str) -> str | None:
    """The lemma of ``word`` (lower case) if it may name a theme in a language without a POS tagger:
    three letters or more, letters only, neither the word nor its lemma a stop word or negation."""
    stop = _stop_words(language)
    if word in stop:
        return None
    term = lemma(word, language)
    if len(term) < 3 or term in stop or not term[0].isalpha():
        return None
    return term if all(c.isalpha() or unicodedata.category(c)[0] == "M" for c in term) else None


def discover_themes(uncoded: pd.DataFrame, codes: list[Code], min_documents: int = 3, max_share: float = 0.5,
                    examples: int = 3, language: str = "ru", negations: Iterable[str] | None = ()) -> pd.DataFrame:
    """Candidate themes in what no code matched, for the consultant to extend the codebook.

    A candidate is a noun (in Russian, by pymorphy3; in another ``language``, any lemma of
    three letters or more that is no stop word, stopwordsiso's, nor a negation) that recurs
    in the uncoded sentences of at least ``min_documents`` documents, in more than one
    wording, but not in more than ``max_share`` of the documents of a source (words every
    interview has are the interview guide's, not a theme), and that no pattern of the
    codebook uses. Candidates said in more different sentences come first (a theme is
    raised in many words, a set phrase in one); a noun most of whose sentences a stronger
    candidate shares joins it. Scrubbed placeholders ([имя], [телефон], [name]) do not count.

    Parameters
    ----------
    uncoded : DataFrame
        :func:`code_texts`' uncoded sentences: ``source``, ``doc_id``, ``quote``.
    codes : list of Code
        :func:`read_codebook`; the words of its patterns are no candidates.
    min_documents : int
        Least number of documents a candidate recurs in.
    max_share : float
        Largest share of a source's documents (of those with uncoded sentences) a candidate may be in.
    examples : int
        At most this many example quotes per theme.
    language : str
        Language of the texts.
    negations : list of str, optional
        Params' ``interviews.negations``, no candidates either (languages other than Russian).

    Returns
    -------
    DataFrame
        ``theme`` (its main noun), ``terms``, ``documents``, ``sentences``, ``examples``
        (up to ``examples`` quotes in different wordings), the most varied first.
    """
    known = {w for code in codes for p in code.patterns for w in p.words}
    plain = uncoded["quote"].str.replace(r"\[[^\]]*\]", " ", regex=True)  # scrubbed [имя], [телефон]
    if language == "ru":
        plain = plain.str.lower()
        sentence_nouns = [{n for w in _WORD.findall(q) if (n := _noun(w)) and n not in known} for q in plain]
    else:
        plain = [_lower(q, language) for q in plain]
        known |= negation_words(language, negations)
        sentence_nouns = [{n for w in _WORD.findall(q) if (n := _content_lemma(w, language)) and n not in known}
                          for q in plain]
    wordings = [" ".join(t for t, _ in tokens(q, language)) for q in plain]  # «искал»/«искала»: one wording
    doc_keys = list(zip(uncoded["source"], uncoded["doc_id"]))
    docs_of: dict[str, set] = {}
    variants: dict[str, set] = {}
    for nouns, key, wording in zip(sentence_nouns, doc_keys, wordings):
        for noun in nouns:
            docs_of.setdefault(noun, set()).add(key)
            variants.setdefault(noun, set()).add(wording)
    per_source = pd.Series([source for source, _ in set(doc_keys)]).value_counts()

    def framing(noun: str) -> bool:  # in most documents of some source: the interview guide's words
        counts = pd.Series([source for source, _ in docs_of[noun]]).value_counts()
        return bool((counts > max_share * per_source[counts.index]).any())

    candidates = sorted((n for n, d in docs_of.items()
                         if len(d) >= min_documents and len(variants[n]) > 1 and not framing(n)),
                        key=lambda n: (-len(variants[n]), -len(docs_of[n]), n))
    themes, taken = [], set()
    for noun in candidates:
        if noun in taken:
            continue
        rows = [i for i, nouns in enumerate(sentence_nouns) if noun in nouns]
        together = [other for other in candidates if other not in taken and other != noun
                    and sum(other in sentence_nouns[i] for i in rows) >= 0.5 * sum(other in n for n in sentence_nouns)]
        taken.update([noun, *together])
        quotes, seen = [], set()
        for i in rows:
            if wordings[i] not in seen and len(quotes) < examples:
                seen.add(wordings[i])
                quotes.append(uncoded["quote"].iloc[i])
        themes.append({"theme": noun, "terms": ", ".join([noun, *together]), "documents": len(docs_of[noun]),
                       "sentences": len(rows), "examples": " | ".join(quotes)})
    return pd.DataFrame(themes, columns=["theme", "terms", "documents", "sentences", "examples"])


# ----------------------------------------------------------------------------- 05 end to end


@dataclass
class CodingResult:
    """What 05 finds: ``speakers`` (:func:`respondent_turns`'s handling, None without
    interviews), ``sources`` (per source: ``documents``, ``texts``, ``sentences``, ``coded``
    sentences), ``fragments`` (:func:`code_texts` plus ``segment``), ``uncoded``,
    ``by_segment`` (:func:`code_by_segment`), ``cooccurrence``, ``quotes``
    (:func:`representative_quotes`), ``touchpoints`` (:func:`touchpoint_inventory`),
    ``emotions`` (:func:`emotion_by_stage`), ``themes`` (:func:`discover_themes`)."""

    speakers: dict | None
    sources: pd.DataFrame
    fragments: pd.DataFrame
    uncoded: pd.DataFrame
    by_segment: pd.DataFrame
    cooccurrence: pd.DataFrame
    quotes: pd.DataFrame
    touchpoints: pd.DataFrame
    emotions: pd.DataFrame
    themes: pd.DataFrame


def _source_counts(texts: pd.DataFrame, fragments: pd.DataFrame, uncoded: pd.DataFrame) -> pd.DataFrame:
    coded = fragments.drop_duplicates(["source", "doc_id", "turn", "quote"]).groupby("source").size()
    rows = []
    for source, part in texts.groupby("source", sort=False):
        rows.append({"source": source, "documents": part["doc_id"].nunique(), "texts": len(part),
                     "sentences": int(coded.get(source, 0) + (uncoded["source"] == source).sum()),
                     "coded": int(coded.get(source, 0))})
    return pd.DataFrame(rows, columns=["source", "documents", "texts", "sentences", "coded"])


def code_sources(texts: pd.DataFrame, codes: list[Code], stages: list[str], segments: pd.Series,
                 observations: pd.DataFrame | None = None, touches: pd.DataFrame | None = None,
                 quotes_per_code: int = 3, min_documents: int = 3, speakers: dict | None = None,
                 lexicon: dict | None = None, language: str = "ru",
                 negations: Iterable[str] | None = ()) -> CodingResult:
    """05's analysis of the gathered texts (:func:`gather_texts`), written in ``language``
    (``codes`` read in it too); ``segments`` maps client -> segment; ``lexicon`` is
    :func:`extended_lexicon` (the language's seed by default), ``negations`` params'
    ``interviews.negations``. Without any text, every table is empty (with its columns)."""
    if texts.empty:
        texts = texts.reindex(columns=["source", "doc_id", "client_id", "turn", "text"])
    fragments, uncoded = code_texts(texts, codes, lexicon, language, negations)
    fragments["segment"] = fragments["client_id"].map(segments).astype("Int64")
    documents = texts.drop_duplicates(["source", "doc_id"])[["source", "doc_id", "client_id"]]
    documents = documents.assign(segment=documents["client_id"].map(segments).astype("Int64"))
    return CodingResult(
        speakers=speakers, sources=_source_counts(texts, fragments, uncoded), fragments=fragments, uncoded=uncoded,
        by_segment=code_by_segment(fragments, documents), cooccurrence=cooccurrence(fragments),
        quotes=representative_quotes(fragments, quotes_per_code, language=language),
        touchpoints=touchpoint_inventory(fragments, codes, observations, touches),
        emotions=emotion_by_stage(fragments, stages),
        themes=discover_themes(uncoded[uncoded["source"] != "mystery"], codes, min_documents, language=language,
                               negations=negations))


def findings(result: CodingResult) -> dict:
    """The numbers 05's narrative quotes: the stages of the lowest and highest emotion score
    (None, and NaN scores, when no stage has one)."""
    scored = result.emotions.dropna(subset=["score"]).set_index("stage")["score"]
    if scored.empty:
        return {"low": None, "low_score": float("nan"), "high": None, "high_score": float("nan")}
    return {"low": scored.idxmin(), "low_score": scored.min(), "high": scored.idxmax(), "high_score": scored.max()}
