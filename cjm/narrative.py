"""The words of the notebooks, in the engagement's language (ru or en).

Notebooks are shared by every engagement, and the client reads them rendered without
code; so their narrative lives here, keyed by notebook and passage, and
:func:`say` shows it as Markdown. :func:`labelled` gives a table the column headers
a client reads.
"""

from __future__ import annotations

import re

import pandas as pd
from IPython.display import Markdown

from cjm.params import load_params
from cjm.paths import EngagementPaths
from cjm.plots import use_house_style

TEXTS = {
    "ru": {
        "01.title": "# 1. Обезличивание данных\n\n"
                    "Выгрузки CRM, анкета и интервью до любого анализа очищены от персональных данных. "
                    "Коды клиентов, сделок и менеджеров заменены псевдонимами (ключевой хеш HMAC): "
                    "один человек — один псевдоним во всех файлах. Таблица обратного сопоставления "
                    "хранится только у заказчика.",
        "01.columns": "## Что сделано с каждой колонкой\n\nКолонки, не описанные в параметрах, "
                      "проверены по содержимому: колонка с телефонами или e-mail удаляется, даже если "
                      "её никто не назвал.",
        "01.scrubbed": "## Очистка свободного текста\n\nКомментарии, описания и расшифровки интервью: "
                       "сколько найдено и заменено имён, телефонов, e-mail и номеров документов.",
        "01.links": "## Связь анкеты и интервью с клиентами CRM\n\nРеспонденты найдены в CRM по "
                    "телефону или e-mail; сами контакты после этого удалены.",
        "01.k_anonymity": "## Риск повторной идентификации (k-анонимность)\n\nОбобщённые признаки "
                          "(год рождения, город и т. п.): сколько записей попадает в группы меньше k.",
        "01.pseudonyms": "## Псевдонимы\n\nСколько разных идентификаторов каждого вида заменено.",
        "02.title": "# 2. Очистка данных и рамки исследования\n\n"
                    "Обезличенные выгрузки сведены в единые таблицы: клиенты, сделки, этапы, "
                    "касания. Типы приведены, дубликаты удалены, варианты написания объединены. "
                    "Группы, идущие другим путём, не удалены, а отложены в отдельные таблицы.",
        "02.duplicates": "## Дубликаты\n\nПолные повторы строк и повторы по ключу (оставлена самая "
                         "полная запись).",
        "02.quality": "## Качество данных\n\nПропуски, исправленные значения (варианты написания, "
                      "единицы измерения в числах) и отклонённые значения, которые не удалось прочитать.",
        "02.waterfall": "## Рамки исследования\n\nПравила применяются по порядку; клиент попадает "
                        "в первое подходящее правило вместе со всеми своими сделками.",
        "02.unknown_stages": "## Этапы вне списка воронки\n\nСтроки истории этапов с названиями, "
                             "которых нет в списке этапов параметров. Они сохранены; их разбирает "
                             "анализ воронки.",
        "02.tables": "## Итоговые таблицы\n\nТаблицы в рамках исследования, с которыми работают "
                     "следующие шаги.",
        "02.absent": "Источники, которых нет в этом проекте: {names}. Зависящие от них шаги это отметят.",
    },
    "en": {
        "01.title": "# 1. Anonymization\n\n"
                    "CRM exports, survey and interviews are cleared of personal data before any "
                    "analysis. Client, deal and manager codes are replaced by pseudonyms (keyed HMAC): "
                    "one person, one pseudonym in every file. Only the client keeps the table that "
                    "maps them back.",
        "01.columns": "## What happened to each column\n\nColumns the parameters do not describe "
                      "were checked by content: a column of phones or e-mails is removed even if "
                      "nobody named it.",
        "01.scrubbed": "## Free text\n\nComments, descriptions and interview transcripts: names, "
                       "phones, e-mails and document numbers found and replaced.",
        "01.links": "## Survey and interviews linked to CRM clients\n\nRespondents were found in "
                    "the CRM by phone or e-mail; the contacts were removed afterwards.",
        "01.k_anonymity": "## Re-identification risk (k-anonymity)\n\nGeneralized attributes (birth "
                          "year, town, ...): how many records fall in groups smaller than k.",
        "01.pseudonyms": "## Pseudonyms\n\nDistinct identifiers of each kind replaced.",
        "02.title": "# 2. Cleaning and scope\n\n"
                    "The anonymized exports are put into common tables: clients, deals, stages, "
                    "touches. Types are parsed, duplicates removed, spelling variants unified. "
                    "Groups that follow other paths are not deleted but set aside in tables of "
                    "their own.",
        "02.duplicates": "## Duplicates\n\nExact repeated rows and repeats of a key (the most "
                         "complete row is kept).",
        "02.quality": "## Data quality\n\nMissing values, fixed values (spelling variants, units "
                      "inside numbers) and rejected values that could not be read.",
        "02.waterfall": "## Scope\n\nRules apply in order; a client goes to the first rule that "
                        "matches, with all of its deals.",
        "02.unknown_stages": "## Stages outside the funnel\n\nStage-history rows whose stage is not "
                             "in the parameters' list. They are kept; the funnel analysis deals "
                             "with them.",
        "02.tables": "## Resulting tables\n\nThe in-scope tables the next steps work on.",
        "02.absent": "Sources this engagement does not have: {names}. The steps that use them "
                     "say so.",
    },
}

LABELS = {
    "ru": {
        "source": "Источник", "column": "Колонка", "treatment": "Обработка", "detail": "Подробности",
        "texts": "Текстов", "name": "Имена", "phone": "Телефоны", "email": "E-mail",
        "passport": "Паспорта", "personal_number": "Личные номера", "rows": "Строк",
        "linked_by_phone": "Найдено по телефону", "linked_by_email": "Найдено по e-mail",
        "ambiguous": "Неоднозначно", "not_found": "Не найдено", "no_contact": "Без контакта",
        "quasi_identifiers": "Квазиидентификаторы", "records": "Записей", "groups": "Групп",
        "smallest_group": "Мин. группа", "groups_under_k": "Групп < k", "records_under_k": "Записей < k",
        "share_under_k": "Записей < k, %", "kind": "Вид", "identifiers": "Идентификаторов",
        "table": "Таблица", "rows_read": "Прочитано", "exact_duplicates": "Полные дубли",
        "key_duplicates": "Дубли по ключу", "excluded_values": "Отложено по значению",
        "rows_kept": "Осталось", "source_column": "Колонка источника", "missing": "Пропуски",
        "fixed": "Исправлено", "rejected": "Отклонено", "rejected_examples": "Примеры отклонённых",
        "rule": "Правило", "label": "Группа", "clients": "Клиенты", "deals": "Сделки",
        "clients_left": "Осталось клиентов", "deals_left": "Осталось сделок", "stage": "Этап",
        "columns": "Колонки", "set_aside": "Отложено",
    },
    "en": {},
}


#: Words inside tables (treatments of columns, kinds of identifiers), by language.
VALUES = {
    "ru": {
        "pseudonymized": "псевдоним", "dropped": "удалена", "generalized": "обобщена",
        "scrubbed": "очищен текст", "kept": "оставлена", "declared not personal": "не персональная (параметры)",
        "looks like free text": "похожа на свободный текст", "found by content": "найдено по содержимому",
        "used to link the person": "использован для связи с клиентом", "declared personal": "персональная (параметры)",
        "town and region": "город и область", "birth year": "год рождения", "age band": "возрастная группа",
        "client": "клиент", "deal": "сделка", "manager": "менеджер", "respondent": "респондент",
        "activity": "дело CRM", "interview": "интервью", "name": "имя", "phone": "телефон", "email": "e-mail",
        "passport": "паспорт", "personal_number": "личный номер",
    },
    "en": {},
}


def start(engagement: str) -> tuple[dict, EngagementPaths, str]:
    """Set a notebook up: the engagement's params and paths, its language, the house
    plot style and display options that show whole tables.

    Returns
    -------
    params : dict
    paths : EngagementPaths
    language : str
    """
    params = load_params(engagement)
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.max_colwidth", 80)
    use_house_style()
    return params, EngagementPaths(engagement), params["language"]


def say(key: str, language: str, **values) -> Markdown:
    """The passage ``key`` of :data:`TEXTS` in ``language``, as Markdown for display."""
    return Markdown(TEXTS[language][key].format(**values))


def table(frame: pd.DataFrame, language: str):
    """``frame`` for the reader: headers in ``language``, no index, thin-space thousands."""
    shown = labelled(frame, language)
    text = [c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c])]
    return (shown.style.hide(axis="index").format(thousands="\u202f", precision=1, na_rep="—")
            .set_properties(subset=text, **{"text-align": "left"}))


def labelled(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """``frame`` with its column headers in ``language`` (English headers keep their names)."""
    words, values = LABELS.get(language, {}), VALUES.get(language, {})
    if values:
        pattern = "|".join(sorted(map(re.escape, values), key=len, reverse=True))
        frame = frame.copy()
        for column in ("treatment", "detail", "kind"):
            if column in frame:
                frame[column] = frame[column].str.replace(rf"\b(?:{pattern})\b", lambda m: values[m.group(0)],
                                                          regex=True)
    if not words:
        return frame.rename(columns=lambda c: str(c).replace("_", " ").capitalize())
    return frame.rename(columns=lambda c: words.get(c, c))
