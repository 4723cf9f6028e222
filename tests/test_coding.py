"""Coding by lemmas with negation, speaker filtering and the summaries, on small hand-made texts."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjm.analysis import coding as cd
from cjm.core.errors import CjmError

BOOK = {
    "barrier": {"Много документов": {"stage": "Документы", "patterns": ["документ много", "столько бумага"]}},
    "pain": {"Не перезвонили": {"stage": "Одобрение", "patterns": ["не перезвонить"]}},
    "emotion": {"Тревога": {"stage": "Одобрение", "valence": -1, "patterns": ["тревога", "переживать"]}},
    "touchpoint": {"Сайт": {"stage": "Поиск", "channel": "Сайт", "online": True, "patterns": ["сайт"]},
                   "Telegram": {"stage": "Документы", "channel": "Telegram", "online": True,
                                "patterns": ["телеграм*"]}},
}
CODES = cd.read_codebook(BOOK, ["Поиск", "Документы", "Одобрение"])


def _codes(sentence: str) -> list[str]:
    return [c.code for c in cd.code_sentence(sentence, CODES)[0]]


@pytest.mark.parametrize("sentence", ["Документов было много.", "Много документов просили.",
                                      "С документами — много возни, документов много."])
def test_word_forms_match_through_lemmas(sentence):
    assert _codes(sentence) == ["Много документов"]


def test_prefix_words_and_hyphenated_words():
    assert _codes("Скинул всё в телеграм-бот.") == ["Telegram"]
    assert _codes("Отправил в Телеграме.") == ["Telegram"]


@pytest.mark.parametrize("sentence, codes", [
    ("Тревоги особой не было, я был уверен.", []),            # negated after the word
    ("Я не переживал совсем.", []),                           # negated before the word
    ("Я очень переживал, но не из-за денег.", ["Тревога"]),   # the negation is in another clause
    ("Обещали перезвонить, но так и не перезвонили.", ["Не перезвонили"]),
    ("Мне перезвонили сразу.", []),                           # the code needs the negation
    ("На сайте нет информации об авансе.", ["Сайт"]),         # a touchpoint is named even so
])
def test_negation(sentence, codes):
    assert _codes(sentence) == codes


@pytest.mark.parametrize("sentence, expected", [
    ("Калькулятор на сайте удобный.", 1), ("Сайт неудобный, всё долго грузится.", -1),
    ("Ничего сложного, всё понятно.", 1), ("Сайт как сайт.", 0), ("The app is slow and confusing.", -1)])
def test_tone_from_the_lexicon_with_negation(sentence, expected):
    assert cd.tone(cd.tokens(sentence)) == expected


def test_params_words_extend_the_lexicon():
    lexicon = cd.extended_lexicon({"negative": ["волокита"]})
    assert cd.tone(cd.tokens("Сплошная волокита с бумагами.")) == 0
    assert cd.tone(cd.tokens("Сплошная волокита с бумагами."), lexicon) == -1


def test_sentences_split_before_capitals_only():
    assert cd.sentences("Ждал неделю. Потом позвонили! А что дальше? т. е. ничего") == [
        "Ждал неделю.", "Потом позвонили!", "А что дальше? т. е. ничего"]


def test_codebook_errors_name_the_code():
    with pytest.raises(CjmError, match="unknown layer 'feeling'"):
        cd.read_codebook({"feeling": {"x": {"patterns": ["a"]}}})
    with pytest.raises(CjmError, match="barrier.Много документов: stage 'Бумаги' is not a journey stage"):
        cd.read_codebook({"barrier": {"Много документов": {"stage": "Бумаги", "patterns": ["a"]}}}, ["Поиск"])


def test_only_respondents_are_coded_and_the_rest_is_counted():
    interviews = pd.DataFrame({"interview_id": "i1", "client_id": "c1", "turn": [1, 2, 3],
                               "speaker": ["Интервьюер", "Респондент", None],
                               "text": ["Много документов пришлось собирать?", "Да, документов много.", "…"]})
    turns, handling = cd.respondent_turns(interviews, ["Респондент"])
    assert turns["turn"].tolist() == [2]
    assert handling == {"turns": 3, "respondent": 1, "other_speakers": 1, "unmarked": 1,
                        "speakers_seen": "Интервьюер, Респондент", "interviews_without_speakers": ""}
    unmarked = pd.concat([interviews, interviews.assign(interview_id="i2", speaker=None)])
    assert cd.respondent_turns(unmarked, ["Респондент"])[1]["interviews_without_speakers"] == "i2"
    with pytest.raises(CjmError, match="speakers found: Интервьюер, Респондент"):
        cd.respondent_turns(interviews, ["Клиент"])


def _coded(rows):
    texts = pd.DataFrame(rows, columns=["source", "doc_id", "client_id", "turn", "text"])
    fragments, uncoded = cd.code_texts(texts, CODES)
    return fragments.assign(segment=fragments["client_id"].map({"c1": 1, "c2": 2})), uncoded, texts


def test_fragments_summaries_and_emotions_by_hand():
    fragments, uncoded, texts = _coded([
        ("interview", "i1", "c1", 2, "Документов много. Очень переживал. Погода была хорошая."),
        ("interview", "i2", "c2", 2, "Скинул в Телеграм, документов много."),
        ("survey", "r1", "c2", 0, "Сайт удобный.")])
    assert fragments["code"].tolist() == ["Много документов", "Тревога", "Много документов", "Telegram", "Сайт"]
    assert fragments["valence"].tolist() == [-1, -1, -1, 0, 1]
    assert uncoded["quote"].tolist() == ["Погода была хорошая."]
    documents = texts[["source", "doc_id", "client_id"]].assign(segment=[1, 2, 2])
    table = cd.code_by_segment(fragments, documents).set_index(["code", "segment"])
    assert table.loc[("Много документов", "all"), ["mentions", "documents"]].tolist() == [2, 2]
    assert table.loc[("Много документов", "2"), "share"] == 0.5  # one of segment 2's two documents
    pairs = cd.cooccurrence(fragments)
    assert pairs.iloc[0][["code_a", "code_b", "documents"]].tolist() == ["Telegram", "Много документов", 1]
    emotions = cd.emotion_by_stage(fragments, ["Поиск", "Документы", "Одобрение"]).set_index("stage")
    # Документы: -1, -1 and a neutral Telegram mention -> -2/3; Поиск: «Сайт удобный», +1 by its tone
    assert emotions.loc["Документы", "score"] == pytest.approx(-2 / 3) and emotions.loc["Поиск", "score"] == 1
    inventory = cd.touchpoint_inventory(fragments, CODES).set_index("touchpoint")
    # «Сайт удобный»: the touchpoint takes the sentence's tone
    assert inventory.loc["Сайт", ["mentions", "valence"]].tolist() == [1, 1.0]
    assert inventory.loc["Telegram", "valence"] == 0


def test_discovery_groups_recurring_nouns_no_code_uses():
    rows = [("interview", f"i{k}", None, 1, text) for k, text in enumerate([
        "Нет мобильного приложения.", "Хочу приложение на телефон.", "Сделайте приложение, пожалуйста.",
        "Парковки нет.", "Погода была хорошая."])]
    _, uncoded, _ = _coded(rows)
    themes = cd.discover_themes(uncoded, CODES, min_documents=3, max_share=1.0)
    assert themes["theme"].tolist() == ["приложение"] and themes.loc[0, "documents"] == 3


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["Документов много", "Тревоги не было", "Сайт", "Погода", "Всё хорошо"]),
                min_size=1, max_size=5, unique=True), st.sampled_from([". ", "! ", "? "]))
def test_every_sentence_is_coded_or_kept_uncoded(parts, end):
    text = end.join(parts) + "."
    fragments, uncoded, _ = _coded([("survey", "r1", None, 0, text)])
    coded = fragments.drop_duplicates("quote")
    assert len(coded) + len(uncoded) == len(cd.sentences(text)) == len(parts)
