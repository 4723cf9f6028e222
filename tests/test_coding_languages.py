"""Coding in other languages than Russian: Unicode words and sentences, simplemma lemmas,
negation words by language, tone without a seed lexicon, candidate themes without a POS
tagger, and a run without any text; small hand-computed cases."""

import math
import unicodedata

import pandas as pd
import pytest
import simplemma
import stopwordsiso

from cjm.analysis import coding as cd
from cjm.core import languages
from cjm.steps import interviews
from cjm.core.errors import CjmError

BOOK_PT = {
    "pain": {"Não chegou": {"stage": "Entrega", "patterns": ["não chegar"]},
             "Atraso": {"stage": "Entrega", "patterns": ["atrasar"]}},
    "positive": {"Chegou": {"stage": "Entrega", "patterns": ["chegar"]},
                 "Qualidade": {"stage": "Uso", "patterns": ["qualidade"]}},
    "touchpoint": {"Site": {"stage": "Compra", "patterns": ["site"]}},
}
STAGES_PT = ["Compra", "Entrega", "Uso"]
CODES_PT = cd.read_codebook(BOOK_PT, STAGES_PT, language="pt")


def _codes(sentence: str, codes=CODES_PT, language="pt", **kwargs) -> list[str]:
    return [c.code for c in cd.code_sentence(sentence, codes, language=language, **kwargs)[0]]


# ----------------------------------------------------------------------------- words and sentences


def test_accented_letters_stay_inside_words():
    assert [t for t, _ in cd.tokens("Não recebi a encomenda", "pt")] == ["não", "receber", "o", "encomenda"]
    # the same words when the accents come decomposed (NFD), and in the Russian default (lower-cased only)
    assert cd.tokens(unicodedata.normalize("NFD", "Não recebi a encomenda"), "pt") == cd.tokens(
        "Não recebi a encomenda", "pt")
    assert cd.tokens("Ótimo, não!") == [("ótimo", 0), ("não", 1)]
    # a script whose vowels are combining marks (Devanagari): two words, not five pieces
    assert len(cd.tokens("हिन्दी भाषा", "hi")) == 2


def test_pattern_words_keep_accents_and_prefixes():
    assert cd.Pattern.parse("péssimo atendim*", "pt") == cd.Pattern(("péssimo", "atendim*"), (False, False))
    assert cd.Pattern.parse("não chegar", "pt") == cd.Pattern(("chegar",), (True,))
    # «no» is «em o» in Portuguese, not a negation; «не» marks a negated word in any language
    assert cd.Pattern.parse("no prazo", "pt").negated == (False, False)
    assert cd.Pattern.parse("не chegar", "pt") == cd.Pattern(("chegar",), (True,))
    assert cd.Pattern.parse("not call", "en") == cd.Pattern(("call",), (True,))


def test_sentences_split_before_capitals_of_any_script():
    assert cd.sentences("Chegou rápido. Ótimo produto! É bom. Ó, que pena… não veio a caixa.") == [
        "Chegou rápido.", "Ótimo produto!", "É bom.", "Ó, que pena… não veio a caixa."]
    assert cd.sentences("Llegó tarde. ¿Por qué? ¡Nunca más! y ya") == ["Llegó tarde.", "¿Por qué?", "¡Nunca más! y ya"]
    assert cd.sentences("Посылка пришла. “Отлично” — сказал я. 2 дня ждал.") == [
        "Посылка пришла.", "“Отлично” — сказал я.", "2 дня ждал."]


# ----------------------------------------------------------------------------- lemmas and negation


def test_portuguese_codes_through_lemmas_and_negation():
    assert _codes("O produto não chegou.") == ["Não chegou"]      # the negated positive «Chegou» is not given
    assert _codes("O produto chegou ontem.") == ["Chegou"]        # the pain needs the negation
    assert _codes("A entrega atrasou muito") == ["Atraso"]        # «atrasou» -> atrasar
    assert _codes("Não gostei da qualidade") == []                # a negated positive does not count
    assert _codes("Gostei muito da qualidade.") == ["Qualidade"]
    assert _codes("Nunca encontrei nada no site.") == ["Site"]    # a touchpoint is named even so
    assert _codes("A qualidade, não sei.") == ["Qualidade"]       # the negation is in another clause


def test_english_is_lemmatized_and_contractions_negate():
    codes = cd.read_codebook({"pain": {"Waiting": {"stage": "S", "patterns": ["wait"]},
                                       "No call": {"stage": "S", "patterns": ["not call"]}}},
                             language="en")
    assert _codes("I waited for weeks.", codes, "en") == ["Waiting"]
    assert _codes("They didn't call me.", codes, "en") == ["No call"]
    assert _codes("They called me at once.", codes, "en") == []


def test_english_seed_lexicon_words_are_simplemma_lemmas():
    english = {w for side in cd.LEXICON.values() for w in side if w.isascii()}
    assert {w for w in english if simplemma.lemmatize(w, lang="en") != w} == set()
    assert cd.tone(cd.tokens("The support was slow and confusing.", "en"), language="en") == -1
    assert cd.tone(cd.tokens("The app wasn't confusing, it was great.", "en"), language="en") == 1


def test_a_language_without_shipped_negations_negates_with_params_words_only():
    book = {"pain": {"Não chegou": {"stage": "S", "patterns": ["nu ajunge"]}},
            "positive": {"Chegou": {"stage": "S", "patterns": ["ajunge"]}}}
    assert "ro" not in cd.NEGATIONS
    # without params' words «nu» is a plain word: the pattern «nu ajunge» asks for it
    assert _codes("Coletul nu a ajuns.", cd.read_codebook(book, language="ro"), "ro") == ["Não chegou", "Chegou"]
    negating = cd.read_codebook(book, language="ro", negations=["nu"])
    assert _codes("Coletul nu a ajuns.", negating, "ro", negations=["nu"]) == ["Não chegou"]
    assert _codes("Coletul a ajuns.", negating, "ro", negations=["nu"]) == ["Chegou"]


def test_params_negations_add_words_and_must_be_single_words():
    assert "jamé" in cd.negation_words("pt", ["Jamé"]) and "não" in cd.negation_words("pt")
    assert cd.negation_words("sv") == frozenset()
    with pytest.raises(CjmError, match="interviews.negations: 'de jeito nenhum' is not one word"):
        cd.negation_words("pt", ["de jeito nenhum"])


def test_russian_lemmas_are_unchanged():
    assert cd.lemma("договора") == cd.lemma("договора", "ru") == "договор"
    assert cd.lemma("Telegram") == "telegram"   # a Latin word in a Russian text is only lower-cased
    assert cd.lemma("Chegou", "pt") == "chegar"


def test_check_language_names_the_value_and_supported_codes():
    assert {"ru", "en", "pt", "uk", "de"} <= languages.SUPPORTED_LANGUAGES and isinstance(languages.SUPPORTED_LANGUAGES, frozenset)
    assert languages.check_language("pt") is None
    with pytest.raises(CjmError, match=r"text language 'xx' is not supported") as error:
        languages.check_language("xx")
    assert "pt" in error.value.fix and "en" in error.value.fix
    with pytest.raises(CjmError, match="write 'pt'"):
        languages.check_language("pt-BR")
    with pytest.raises(CjmError, match="'xx'"):
        cd.tokens("Olá", "xx")


# ----------------------------------------------------------------------------- tone


def test_tone_is_not_scored_in_portuguese_without_params_words():
    sentence = cd.tokens("Atendimento péssimo, muito ruim.", "pt")
    assert cd.tone(sentence, language="pt") == 0
    assert cd.extended_lexicon(None, "pt") == {"positive": frozenset(), "negative": frozenset()}
    lexicon = cd.extended_lexicon({"positive": ["ótimo"], "negative": ["péssimo", "ruins"]}, "pt")
    assert lexicon["negative"] == {"péssimo", "ruim"}          # lemmatized in the text language
    assert cd.tone(sentence, lexicon, "pt") == -1
    assert cd.tone(cd.tokens("Não é ruim.", "pt"), lexicon, "pt") == 1   # a negated negative word
    assert cd.extended_lexicon(None, "en") == cd.LEXICON == cd.extended_lexicon(None)


def test_tone_scored():
    assert cd.tone_scored("ru", None) and cd.tone_scored("en", {})
    assert not cd.tone_scored("pt", None) and not cd.tone_scored("pt", {"positive": [], "negative": []})
    assert cd.tone_scored("pt", {"negative": ["péssimo"]})


def test_touchpoint_valence_takes_the_tone_only_with_a_lexicon():
    texts = pd.DataFrame({"source": "survey", "doc_id": ["r1"], "client_id": None, "turn": 0,
                          "text": ["Site péssimo."]})
    fragments, _ = cd.code_texts(texts, CODES_PT, language="pt")
    assert fragments[["code", "valence"]].values.tolist() == [["Site", 0]]
    lexicon = cd.extended_lexicon({"negative": ["péssimo"]}, "pt")
    fragments, _ = cd.code_texts(texts, CODES_PT, lexicon, "pt")
    assert fragments["valence"].tolist() == [-1]


# ----------------------------------------------------------------------------- candidate themes


def _uncoded(texts):
    return pd.DataFrame({"source": "survey", "doc_id": [f"r{i}" for i in range(len(texts))], "client_id": None,
                         "turn": 0, "quote": texts})


def test_discovery_finds_a_recurring_portuguese_lemma_and_never_a_stop_word():
    uncoded = _uncoded([
        "A embalagem veio rasgada, [TELEFONE] também.",
        "Embalagens frágeis demais para o transporte, [TELEFONE].",
        "Achei a embalagem muito simples para o preço, [TELEFONE].",
        "O tamanho é bom para mim, porque também serve muito.",
        "Não tenho nada a dizer, [TELEFONE], muito para nada."])
    themes = cd.discover_themes(uncoded, CODES_PT, min_documents=3, max_share=1.0, language="pt")
    assert themes["theme"].tolist() == ["embalagem"] and themes.loc[0, "documents"] == 3
    assert themes.loc[0, "examples"].count(" | ") == 2   # three wordings
    # with a low bar, still no stop word, negation or scrubbed placeholder
    loose = cd.discover_themes(uncoded, CODES_PT, min_documents=2, max_share=1.0, language="pt")
    terms = {t for row in loose["terms"] for t in row.split(", ")}
    assert "embalagem" in terms
    assert not terms & (stopwordsiso.stopwords("pt") | cd.NEGATIONS["pt"] | {"telefone"})


def test_discovery_leaves_out_words_the_codebook_uses():
    uncoded = _uncoded(["O site caiu.", "Site lento demais.", "No site não achei nada."])
    assert cd.discover_themes(uncoded, CODES_PT, min_documents=3, max_share=1.0, language="pt").empty


# ----------------------------------------------------------------------------- no texts at all


def test_no_texts_give_empty_tables_with_their_columns():
    texts = pd.DataFrame(columns=["source", "doc_id", "client_id", "turn", "text"])
    result = cd.code_sources(texts, CODES_PT, STAGES_PT, pd.Series(dtype="Int64"), language="pt")
    columns = {
        "sources": ["source", "documents", "texts", "sentences", "coded"],
        "fragments": ["source", "doc_id", "client_id", "turn", "stage", "layer", "code", "valence", "quote",
                      "segment"],
        "uncoded": ["source", "doc_id", "client_id", "turn", "quote"],
        "by_segment": ["layer", "code", "segment", "mentions", "documents", "share"],
        "cooccurrence": ["code_a", "code_b", "documents", "jaccard"],
        "quotes": ["layer", "code", "rank", "source", "doc_id", "quote"],
        "touchpoints": ["touchpoint", "stage", "channel", "online", "mentions", "documents", "sources", "valence",
                        "mystery_visits", "crm_touches"],
        "emotions": ["stage", "score", "fragments", "negative", "positive", "documents"],
        "themes": ["theme", "terms", "documents", "sentences", "examples"]}
    for name, expected in columns.items():
        assert getattr(result, name).columns.tolist() == expected, name
    assert result.touchpoints[["touchpoint", "mentions"]].values.tolist() == [["Site", 0]]
    assert result.emotions["stage"].tolist() == STAGES_PT and result.emotions["score"].isna().all()
    assert result.emotions[["fragments", "negative", "positive", "documents"]].eq(0).all().all()
    found = cd.findings(result)
    assert list(found) == ["low", "low_score", "high", "high_score"]
    assert found["low"] is None and found["high"] is None
    assert math.isnan(found["low_score"]) and math.isnan(found["high_score"])
    assert cd.emotion_by_stage(pd.DataFrame(), ["A"]).iloc[0].tolist()[2:] == [0, 0, 0, 0]


# ----------------------------------------------------------------------------- 05 end to end


class _Paths:
    def __init__(self, root):
        self.root = root

    def table(self, name):
        return self.root / f"{name}.parquet"


def _params(**interviews):
    return {"language": "en", "text_language": "pt", "stages": STAGES_PT,
            "interviews": {"codebook": BOOK_PT, "respondent_speakers": ["Cliente"], "quotes_per_code": 3,
                           "discovery_min_documents": 3, **interviews}}


def test_run_coding_reads_the_text_language_negations_and_lexicon(tmp_path, monkeypatch):
    monkeypatch.setattr(interviews, "write_coding", lambda result, paths, language: None)
    pd.DataFrame({"respondent_id": ["r1", "r2"], "client_id": ["c1", "c2"],
                  "text": ["O produto jamé chegou. Site péssimo.", "A entrega atrasou."]}).to_parquet(
        tmp_path / "survey_comments.parquet")
    result = interviews.run_coding(_params(negations=["jamé"], lexicon={"negative": ["péssimo"]}), _Paths(tmp_path))
    assert result.fragments[["code", "valence"]].values.tolist() == [["Não chegou", -1], ["Site", -1],
                                                                      ["Atraso", -1]]
    with pytest.raises(CjmError, match="text language 'xx'"):
        interviews.run_coding({**_params(), "text_language": "xx"}, _Paths(tmp_path))
    # without text_language, the report language is the texts' language
    english = {**_params(), "text_language": None, "language": "en"}
    assert interviews.run_coding(english, _Paths(tmp_path)).fragments["code"].tolist() == ["Site"]
