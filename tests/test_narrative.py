"""The notebooks' words: both languages complete, tables formatted for the reader."""

import pandas as pd

from cjm.present.narrative import LABELS, TEXTS, say, say_each, table


def test_every_passage_exists_in_both_languages():
    assert set(TEXTS["ru"]) == set(TEXTS["en"])


def test_table_formats_thousands_precision_and_percentages():
    frame = pd.DataFrame({"segment": ["1", "2"], "clients": [2483, 12], "share": [0.22, 0.035],
                          "stability": [0.96714, 0.5]})
    html = table(frame, "ru", precision=3).to_html()
    assert "2\u202f483" in html and "0.967" in html and "0.96714" not in html
    assert "22%" in html and "4%" in html
    assert LABELS["ru"]["clients"] in html and "<th" in html


def test_table_without_percentage_columns_keeps_its_number_format():
    html = table(pd.DataFrame({"k": [2], "inertia": [2.497737]}), "en", precision=2).to_html()
    assert "2.50" in html and "2.497737" not in html


def test_say_fills_values_and_say_each_repeats_per_row():
    assert "k = 7" in say("03.peak", "ru", k=7, stability=0.97, coarser=0.94, finer=0.86, threshold=0.85).data
    rows = pd.DataFrame({"segment": [1, 2], "segment_name": ["A", "B"], "clients": [2483, 7],
                         "share": [0.2, 0.1], "portrait": ["x", "y"]})
    text = say_each("03.portrait", "en", rows).data
    assert text.count("**") == 4 and "2\u202f483 clients (20%)" in text


def test_table_writes_flags_and_p_values_for_a_reader():
    frame = pd.DataFrame({"short": [True, False], "p_value": [0.0004, 0.0321], "p_adjusted": [0.25, None]})
    html = table(frame, "ru").to_html()
    assert ">да<" in html and ">нет<" in html and "True" not in html
    assert "><\u00a00.001<" in html and ">0.03<" in html and ">0.25<" in html
    assert ">yes<" in table(frame, "en").to_html()
