"""The notebooks' words: passages filled in the reader's format, tables formatted for the reader."""

import pandas as pd
import pytest

from cjm.present.narrative import (_Passage, dates_said, hygiene_said, label, notes_table, say, say_each, table,
                                   table_names)

NBSP = "\u00a0"


def test_table_formats_thousands_precision_and_percentages_in_russian():
    frame = pd.DataFrame({"segment": ["1", "2"], "clients": [2483, 12], "share": [0.22, 0.035],
                          "stability": [0.96714, 0.5]})
    html = table(frame, "ru", precision=3).to_html()
    assert f">2{NBSP}483<" in html and ">0,967<" in html and "0.967" not in html and "0,96714" not in html
    assert f">22{NBSP}%<" in html and f">4{NBSP}%<" in html
    assert ">Клиенты<" in html and "<th" in html


def test_table_writes_english_headers_and_numbers():
    frame = pd.DataFrame({"ci_low": [-1234.56], "nps": [12.0], "clients": [2483]})
    html = table(frame, "en").to_html()
    assert ">95% CI from<" in html and ">NPS<" in html and ">Clients<" in html
    assert ">−1,234.6<" in html and ">12<" in html and ">2,483<" in html


def test_table_without_percentage_columns_keeps_its_number_format():
    html = table(pd.DataFrame({"k": [2], "inertia": [2.497737]}), "en", precision=2).to_html()
    assert ">2.50<" in html and "2.497737" not in html


def test_whole_floats_are_counts_and_missing_values_a_dash():
    html = table(pd.DataFrame({"rows": [2120.0, None], "mean": [1.5, None]}), "ru").to_html()
    assert f">2{NBSP}120<" in html and "2120,00" not in html and "2\u202f120,0" not in html
    assert html.count(">—<") == 2 and ">1,5<" in html


def test_a_count_named_like_a_share_stays_a_count():
    """02's quality table: ``missing`` counts values, it is not a share (it once showed as 39900 %)."""
    frame = pd.DataFrame({"column": ["amount"], "missing": [399], "fixed": [2], "rejected": [0]})
    html = table(frame, "ru").to_html()
    assert ">399<" in html and "%" not in html
    assert ">399<" in table(frame, "ru", percent=("missing",)).to_html()


def test_say_fills_values_in_the_readers_format():
    text = say("03.peak", "ru", k=7, stability=0.97, coarser=0.94, finer=0.86, threshold=0.85).data
    assert "k = 7" in text and "0,97" in text and "0,85" in text and "0.97" not in text
    rows = pd.DataFrame({"segment": [1, 2], "segment_name": ["A", "B"], "clients": [2483, 7],
                         "share": [0.2, 0.1], "portrait": ["x", "y"]})
    text = say_each("03.portrait", "en", rows).data
    assert text.count("**") == 4 and "2,483 clients (20%)" in text
    assert f"2{NBSP}483 клиентов (20{NBSP}%)" in say_each("03.portrait", "ru", rows).data


def test_say_writes_signed_numbers_with_a_true_minus_and_no_minus_zero():
    text = say("04.months", "ru", per_year=-23.2, per_year_low=-29.0, per_year_high=-0.2, trend_p="p", first_nps=41.6,
               last_nps=-2.4, last_band="18").data
    assert "**−23 " in text and "(95% ДИ −29…0," in text and "до −2 после" in text and "-" not in text


def test_a_passage_number_format_it_cannot_localize_is_refused():
    with pytest.raises(ValueError, match=".Nf"):
        _Passage("en").format("{x:.1e}", x=1.0)


def test_table_writes_flags_and_p_values_for_a_reader():
    frame = pd.DataFrame({"short": [True, False], "p_value": [0.0004, 0.0321], "p_adjusted": [0.25, None]})
    html = table(frame, "ru").to_html()
    assert ">да<" in html and ">нет<" in html and "True" not in html
    assert f"><{NBSP}0,001<" in html and ">0,03<" in html and ">0,25<" in html and ">—<" in html
    assert ">yes<" in table(frame, "en").to_html() and f"><{NBSP}0.001<" in table(frame, "en").to_html()


def test_coded_values_and_table_names_in_the_readers_words():
    frame = pd.DataFrame({"column": ["phone"], "treatment": ["dropped"]})
    assert ">удалена<" in table(frame, "ru").to_html() and ">dropped<" in table(frame, "en").to_html()
    assert table_names(["deals", "stage_events", "extra"], "ru") == "сделки, история стадий, extra"
    notes = pd.DataFrame({"table": ["deals"], "column": ["id"], "note": ["cases_open"], "detail": [""],
                          "count": [1234]})
    assert notes_table(notes, "ru").loc[0, "note"] == f"1{NBSP}234 случаев ещё открыты"


def test_label_names_a_column_or_keeps_an_unknown_one():
    assert label("ci_low", "en") == "95% CI from" and label("ci_low", "ru") == "95% ДИ от"
    assert label("Заявка", "en") == "Заявка"
    assert label("total_charges", "ru") == "total charges" and label("row_id", "ru") == "Номер строки"


def test_02_date_checks_and_conflicts_read_in_the_readers_words():
    checks = pd.DataFrame({"table": ["deals", "deals"], "check": ["future_date", "closed_before_created"],
                           "columns": ["created_at, closed_at", "created_at, closed_at"],
                           "action": ["rows_set_aside", "rows_kept"], "rows": [3, 2], "set_aside": [3, 0],
                           "examples": ["D-1, D-2", "D-3"]})
    html = table(checks, "ru").to_html()
    assert ">дата позже выгрузки<" in html and ">отложены<" in html and ">оставлены, посчитаны<" in html
    assert ">Дата создания, Дата закрытия<" in html and "future_date" not in html and "created_at" not in html
    said = dates_said(checks, "2024-03-31", "ru").data
    assert said.startswith("## Даты") and "31 марта 2024" in said
    assert "March 31, 2024" in dates_said(checks, "2024-03-31", "en").data
    assert "not given" in dates_said(checks, None, "en").data
    assert dates_said(checks.iloc[:0], None, "en").data == "The exports have no dates to check."
    duplicates = pd.DataFrame({"table": ["deals", "clients"], "conflicting": [2, 0],
                               "conflict_columns": ["outcome, closed_at", None]})
    html = table(duplicates, "en").to_html()
    assert ">Differ in<" in html and ">Outcome, Closed on<" in html and ">—<" in html


@pytest.mark.parametrize("language, lines", [
    ("ru", ["Всего 22 сделки", "- Дубль заявки: 21 сделка", "- Спам: 1 сделка", "- Неверный телефон: 0 сделок"]),
    ("en", ["22 deals in all", "- Дубль заявки: 21 deals", "- Спам: 1 deal", "- Неверный телефон: 0 deals"])])
def test_02_says_what_data_hygiene_set_aside_reason_by_reason(language, lines):
    hygiene = pd.DataFrame({"reason": ["Дубль заявки", "Спам", "Неверный телефон"], "deals": [21, 1, 0],
                            "action": "rows_set_aside"})
    said = hygiene_said(hygiene, language).data
    assert all(line in said for line in lines), said
    kept = hygiene_said(hygiene.assign(action="rows_kept"), language).data
    assert kept != said and lines[1] in kept
    assert hygiene_said(hygiene.head(0), language) is None  # no reason listed: no passage
