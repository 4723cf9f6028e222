"""Survey statistics against hand-computed values and published calculator examples."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo import voice as dv
from cjm.analysis import survey as sv
from cjm.core.errors import CjmError


def test_sample_size_matches_the_common_calculators():
    # Raosoft / SurveyMonkey: population 10,000, margin 5%, confidence 95% -> 370; unlimited -> 385
    assert sv.sample_size(10_000, 0.05) == 370
    assert sv.sample_size(None, 0.05) == 385
    # 99% and 3% on 5,000 (z = 2.5758): n0 = 1843.0, corrected 1346.6 -> 1347
    assert sv.sample_size(5_000, 0.03, 0.99) == 1347


def test_nps_sample_size_uses_the_nps_variance():
    # worst case variance 1: n0 = 1.96^2 / 0.1^2 = 384.1 -> 385; with 40% promoters and 20% detractors
    # the variance is 0.6 - 0.04 = 0.56: n0 = 215.1 -> 216
    assert sv.nps_sample_size(None, 10) == 385
    assert sv.nps_sample_size(None, 10, promoters=0.4, detractors=0.2) == 216
    assert sv.nps_sample_size(1_000, 10) == math.ceil(384.146 / (1 + 383.146 / 1000))


def test_sample_plan_per_segment_with_response_rate():
    plan = sv.sample_plan(pd.Series({1: 2_000, 2: 300}), margin=10, response_rate=0.2)
    first, second = plan.to_dict("records")
    assert first == {"segment": 1, "population": 2000, "completes": 323, "invitations": 1615, "short": False}
    assert second["completes"] == 169 and second["invitations"] == 300 and second["short"]


def test_nps_variance_and_interval_by_hand():
    result = sv.nps([10, 10, 9, 8, 7, 6, 0, 3, 9, 10])
    # p+ = 0.5, p- = 0.3: NPS 20; var = 0.8 - 0.04 = 0.76; se = 100 * sqrt(0.076) = 27.568
    assert (result["promoters"], result["passives"], result["detractors"]) == (5, 2, 3)
    assert result["nps"] == pytest.approx(20)
    assert result["se"] == pytest.approx(27.5681, abs=1e-4)
    assert result["ci_low"] == pytest.approx(20 - 1.959964 * 27.5681, abs=1e-3)
    assert result["ci_high"] == pytest.approx(20 + 1.959964 * 27.5681, abs=1e-3)


def test_nps_with_finite_population_narrows_the_interval():
    full = sv.nps([10, 0, 9, 5], population=4)
    assert full["se"] == 0 and full["nps"] == 0


def test_nps_rejects_scores_outside_0_10_and_reads_missing_as_absent():
    with pytest.raises(CjmError, match="0-10"):
        sv.nps([9, 11])
    with pytest.raises(CjmError, match="0-10"):
        sv.nps([9.5])
    assert sv.nps([10, None, np.nan])["n"] == 1
    assert np.isnan(sv.nps([])["nps"])


def test_nps_by_segment():
    frame = pd.DataFrame({"segment": [1, 1, 2, 2], "score": [10, 0, 9, 9]})
    table = sv.nps_by(frame, "score", "segment")
    assert table["segment"].tolist() == [1, 2] and table["nps"].tolist() == [0, 100]


def test_weighted_nps_by_hand():
    by_segment = pd.DataFrame({"segment": [1, 2], "nps": [50.0, -10.0], "se": [10.0, 20.0]})
    result = sv.weighted_nps(by_segment, pd.Series({1: 300, 2: 100}))
    # 0.75 * 50 + 0.25 * -10 = 35; se = sqrt(0.5625 * 100 + 0.0625 * 400) = 9.0139
    assert result["nps"] == pytest.approx(35)
    assert result["se"] == pytest.approx(9.0139, abs=1e-4)
    with pytest.raises(CjmError, match=r"segment\(s\) \[3\]"):
        sv.weighted_nps(by_segment, pd.Series({1: 300, 3: 100}))


def test_compare_two_estimates():
    result = sv.compare(40, 3, 25, 4)
    # difference 15, se 5, z 3, two-sided p = 0.0027
    assert result["difference"] == 15 and result["se"] == 5 and result["z"] == 3
    assert result["p_value"] == pytest.approx(0.0026998, abs=1e-6)
    assert result["ci_low"] == pytest.approx(15 - 1.959964 * 5, abs=1e-4)


def test_mean_ci_t_interval():
    result = sv.mean_ci([4, 5, 3, 4, None])
    # mean 4, sd 0.8165, se 0.40825, t(3, 0.975) = 3.18245
    assert result["n"] == 4 and result["mean"] == 4
    assert result["ci_high"] - 4 == pytest.approx(3.18245 * 0.408248, abs=1e-4)


@pytest.mark.parametrize("call", [lambda: sv.sample_size(100, 0), lambda: sv.sample_size(100, 0.05, 1.5),
                                  lambda: sv.sample_plan(pd.Series({1: 10}), 10, response_rate=0)])
def test_bad_plan_parameters_are_errors(call):
    with pytest.raises(CjmError):
        call()


def test_scores_read_worded_numbers_and_reject_the_rest():
    scores, handling = sv.parse_scores(pd.Series(["10", "6 баллов", "10 из 10", "11", "-1", "8.5", None, "хорошо"]),
                                       0, 10)
    assert scores.tolist()[:3] == [10, 6, 10] and scores[3:].isna().all()
    assert handling == {"answers": 7, "fixed": 2, "rejected": 4, "rejected_examples": "11, -1, 8.5, хорошо"}


def test_choices_split_into_flags_and_unknown_options_are_counted():
    flags, handling = sv.split_choices(pd.Series(["КАСКО; Шины", "Шины", None, "Шины; Мойка"]), ["КАСКО", "Шины"])
    assert flags.astype(object).fillna("—").to_dict("list") == {"КАСКО": [True, False, "—", False],
                                                                "Шины": [True, True, "—", True]}
    assert handling == {"answers": 3, "rows_with_unknown": 1, "unknown_options": "Мойка"}


def test_screening_sets_aside_speeders_then_repeat_answers():
    survey = pd.DataFrame({"client_id": ["a", "a", "b", "c", None], "seconds": [300, 200, 30, 400, 250],
                           "answered_at": pd.to_datetime(["2025-09-02", "2025-09-01", "2025-09-01",
                                                          "2025-09-03", "2025-09-03"])})
    kept, report = sv.screen_responses(survey, "seconds", 60)
    assert kept.index.tolist() == [1, 3, 4]  # a's earlier answer, c, and the unlinked one
    assert report["rows"].tolist() == [1, 1, 1]


def test_demo_survey_mess_is_handled_as_planted(demo_world):
    survey = demo_world.cleaned.tables["survey"]
    truth = demo_world.truth_json()["voice"]["survey"]
    kept, report = sv.screen_responses(survey, "Время заполнения, сек", 60)
    assert report["rows"].tolist()[:2] == [truth["n_speeders"], truth["n_duplicates"]]
    assert len(kept) == truth["n_rows"] - truth["n_speeders"] - truth["n_duplicates"]
    _, handling = sv.parse_scores(survey["Вероятность рекомендации (0-10)"], 0, 10)
    planted = truth["out_of_range"].values()
    assert handling["rejected"] == sum(isinstance(v, int) for v in planted)
    assert handling["fixed"] == sum(isinstance(v, str) for v in planted)
    gifts = survey["Какие подарки и дополнительные услуги были бы вам интересны?"]
    flags, choices = sv.split_choices(gifts, [*dv.GIFTS, dv.GIFT_NONE])
    assert choices["rows_with_unknown"] == truth["n_unknown_option"]
    assert set(choices["unknown_options"].split(", ")) <= set(truth["unknown_options"])
    assert flags.any(axis=1).sum() == gifts.notna().sum()  # every answer kept some known option
    assert flags.notna().all(axis=1).sum() == gifts.notna().sum()


def test_text_in_a_numeric_question_is_an_error_naming_it():
    with pytest.raises(CjmError, match="NPS scores must be numbers; found \\['десять'\\]"):
        sv.nps([9, "десять"])
    with pytest.raises(CjmError, match="ratings must be numbers"):
        sv.mean_ci([4, "отлично"])


def test_contribution_and_respondent_weights():
    assert sv.contribution([10, 8, 3, None]).tolist() == [100, 0, -100, pd.NA]
    weights = sv.respondent_weights(pd.Series([1, 1, 2, None]), pd.Series({1: 100, 2: 50}))
    assert weights.tolist()[:3] == [50, 50, 50] and weights.isna().iloc[3]


def test_weighted_nps_of_by_hand():
    result = sv.weighted_nps_of([10, 0, 9], [1, 1, 2])
    # c = 100, -100, 100; NPS = 200 / 4 = 50; se = sqrt(3/2 * (2500 + 22500 + 4 * 2500)) / 4 = 57.28
    assert result["nps"] == 50 and result["se"] == pytest.approx(57.282, abs=1e-3)
    plain = sv.weighted_nps_of([10, 0, 9, 7], [1, 1, 1, 1])
    assert plain["se"] == pytest.approx(sv.nps([10, 0, 9, 7])["se"] * math.sqrt(4 / 3))


def test_nps_by_months_in_bands():
    assert sv.band_labels([0, 6, 12]) == ["0-5", "6-11", "12+"]
    frame = pd.DataFrame({"nps": [10, 10, 0, 9, 3, 3], "months": [0, 5, 6, 11, 12, 40]})
    table = sv.nps_by_months(frame, [0, 6, 12], weight=None)
    assert table["band"].tolist() == ["0-5", "6-11", "12+"]
    assert table["n"].tolist() == [2, 2, 2] and table["nps"].tolist() == [100, 0, -100]


def test_nps_trend_by_hand():
    # promoters at 0 months, passives at 12, detractors at 24: exactly -100 points a year
    frame = pd.DataFrame({"nps": [10, 9, 8, 7, 0, 2] * 5, "months": [0, 0, 12, 12, 24, 24] * 5, "segment": 1})
    trend = sv.nps_trend(frame)
    assert trend["per_month"] == pytest.approx(-100 / 12) and trend["per_year"] == pytest.approx(-100)
    assert trend["n"] == 30 and trend["p_value"] < 1e-6


def test_nps_segment_tests_against_the_rest():
    frame = pd.DataFrame({"segment": [1, 1, 1, 2, 2, 2, 2, None], "nps": [10, 10, 0, 0, 0, 9, 7, 10]})
    table, overall = sv.nps_segment_tests(frame)
    # segment 1: 33.3; the rest (segment 2): -25; the unsegmented answer is not in either
    assert table["nps"].tolist() == pytest.approx([100 / 3, -25])
    assert table["vs_rest"].tolist() == pytest.approx([100 / 3 + 25, -25 - 100 / 3])
    assert overall["dof"] == 2 and 0 < overall["p_value"] < 1


def test_choice_shares_wilson_and_tests():
    flags = pd.DataFrame({"КАСКО": [True] * 3 + [False] * 7 + [pd.NA]}, dtype="boolean")
    shares = sv.choice_shares(flags)
    # Wilson 95% for 3 of 10: 0.1078 to 0.6032 (the unanswered row is not counted)
    row = shares.iloc[0]
    assert (row["n"], row["chosen"], row["share"]) == (10, 3, 0.3)
    assert row["ci_low"] == pytest.approx(0.1078, abs=1e-4) and row["ci_high"] == pytest.approx(0.6032, abs=1e-4)
    perfect = pd.DataFrame({"Шины": [True] * 50 + [False] * 50}, dtype="boolean")
    tests = sv.choice_tests(perfect, pd.Series([1] * 50 + [2] * 50))
    # 2x2 with Yates' correction: chi2 = (2500 - 50)^2 * 100 / 50^4 = 96.04; V = sqrt(96.04 / 100)
    assert tests.loc[0, "chi2"] == pytest.approx(96.04) and tests.loc[0, "cramers_v"] == pytest.approx(0.98)


def test_option_columns_read_as_flags():
    frame = pd.DataFrame({"q1": ["1", "", "да", None], "q2": ["0", None, "Зимние шины", None]})
    flags, handling = sv.option_columns(frame, {"КАСКО": "q1", "Шины": "q2"})
    assert flags.astype(object).fillna("—").to_dict("list") == {"КАСКО": [True, "—", True, "—"],
                                                                "Шины": [False, "—", True, "—"]}
    assert handling["answers"] == 2


def test_achieved_against_plan():
    plan = pd.DataFrame({"segment": [1, 2], "population": [500, 300], "completes": [100, 80]})
    by_segment = pd.DataFrame({"segment": [1], "n": [50], "ci_low": [10.0], "ci_high": [30.0]})
    table = sv.achieved_vs_plan(plan, by_segment, 15)
    assert table["achieved"].tolist() == [50, 0] and table["share_of_plan"].tolist() == [0.5, 0]
    assert table.loc[0, "margin_reached"] == 10 and pd.isna(table.loc[1, "margin_reached"])


def test_own_nps_from_values_takes_the_largest_variance():
    overall, by_segment = sv.own_nps({"nps": 20, "n": 100}, None, 0.95)
    # variance at most 1 - 0.2^2 = 0.96: se = 100 * sqrt(0.0096) = 9.798
    assert overall["se"] == pytest.approx(9.798, abs=1e-3) and by_segment is None
    shares = sv.own_nps({"nps": 20, "n": 100, "promoters": 0.5, "detractors": 0.3}, None, 0.95)[0]
    assert shares["se"] == pytest.approx(sv.nps([10] * 50 + [8] * 20 + [0] * 30)["se"])


SECTION = {"nps": "Рекомендация", "csat": {"Консультация": "Оценка консультации"}, "csat_scale": [1, 5],
           "single_choice": {}, "multi_choice": {"Подарки": {"column": "Подарки", "options": ["ТО", "Шины"]}},
           "comments": []}


def test_read_answers_reports_each_question():
    survey = pd.DataFrame({"Рекомендация": ["10", "9 баллов", "12", None],
                           "Оценка консультации": ["5", "0", "4", "3"],
                           "Подарки": ["ТО; Шины", "Мойка", None, "Шины"]})
    answers = sv.read_answers(survey, SECTION)
    assert answers.scores["nps"].tolist()[:2] == [10, 9] and answers.scores["nps"].isna().tolist()[2:] == [True] * 2
    handling = answers.handling.set_index("question")
    assert handling.loc["NPS", ["answers", "fixed", "rejected"]].tolist() == [3, 1, 1]
    assert handling.loc["Консультация", "rejected"] == 1 and handling.loc["Консультация", "examples"] == "0"
    assert handling.loc["Подарки", ["unknown", "examples"]].tolist() == [1, "Мойка"]


def test_a_missing_mapped_column_names_the_key_and_the_close_match():
    survey = pd.DataFrame({"Рекомендация": ["10"], "Оценка консультаций": ["5"], "Подарки": ["ТО"]})
    with pytest.raises(CjmError, match=r"'Оценка консультации' \(did you mean 'Оценка консультаций'\?\)") as error:
        sv.read_answers(survey, SECTION, "survey_export")
    assert "survey.csat.Консультация" in str(error.value)


WORDED = st.sampled_from(["{}", " {} ", "{} баллов", "{} балла", "{} из 10", "{}/10", "{} points"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=8), st.tuples(st.integers(-3, 14), WORDED)), max_size=30))
def test_parse_scores_accounts_for_every_answer(cells):
    values = pd.Series([c if not isinstance(c, tuple) else c[1].format(c[0]) for c in cells], dtype="object")
    scores, handling = sv.parse_scores(values, 0, 10)
    kept = scores.dropna()
    # every non-blank answer is either read (possibly fixed from words) or rejected, never lost
    assert int(scores.notna().sum()) + handling["rejected"] == handling["answers"]
    assert kept.between(0, 10).all() and (kept == kept.round()).all()
    for cell, score in zip(cells, scores):
        if isinstance(cell, tuple):
            assert (score == cell[0]) if 0 <= cell[0] <= 10 else pd.isna(score)


OPTIONS = ["Бесплатное ТО", "Зимние шины", "КАСКО", "Нет, не интересно"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sets(st.sampled_from(OPTIONS)), st.sets(st.sampled_from(["Мойка", "Коврики"])),
                          st.sampled_from([";", "; ", " ; "])), max_size=20))
def test_split_choices_keeps_known_options_and_counts_unknown(rows):
    values = pd.Series([sep.join(sorted(known | unknown)) or None for known, unknown, sep in rows], dtype="object")
    flags, handling = sv.split_choices(values, OPTIONS)
    for (known, unknown, _), (_, row) in zip(rows, flags.iterrows()):
        if known or unknown:
            assert {o for o in OPTIONS if row[o]} == known
        else:
            assert row.isna().all()
    assert handling["rows_with_unknown"] == sum(bool(unknown) for _, unknown, _ in rows)
    assert handling["answers"] == sum(bool(k or u) for k, u, _ in rows)


def test_a_score_question_with_too_many_answers_out_of_its_scale_stops_naming_key_and_scale():
    section = {**SECTION, "max_invalid_share": 0.05}
    survey = pd.DataFrame({"Рекомендация": ["10", "11", "12", "9"], "Оценка консультации": ["5", "4", "3", "2"],
                           "Подарки": [None] * 4})
    with pytest.raises(CjmError) as error:
        sv.read_answers(survey, section, "survey_export.xlsx")
    assert error.value.problem == ("survey_export.xlsx: column 'Рекомендация' (survey.nps) has 2 of 4 answers (50%) "
                                   "that are not whole numbers 0-10, e.g. 11, 12")
    assert error.value.fix == ("check the column map 'survey.nps' (NPS answers are whole numbers 0-10), "
                               "or raise 'survey.max_invalid_share' (now 0.05)")
    tenfold = survey.assign(Рекомендация="10", **{"Оценка консультации": ["8", "9", "5", "4"]})
    with pytest.raises(CjmError, match=r"'Оценка консультации' \(survey.csat.Консультация\) has 2 of 4") as error:
        sv.read_answers(tenfold, section)
    assert "set 'survey.csat_scale' (now [1, 5])" in error.value.fix
    # one slip in twenty (5%) is counted, not an error; without the key nothing stops
    twenty = pd.DataFrame({"Рекомендация": ["11"] + ["9"] * 19, "Оценка консультации": ["5"] * 20,
                           "Подарки": [None] * 20})
    assert sv.read_answers(twenty, section).handling.set_index("question").loc["NPS", "rejected"] == 1
    assert sv.read_answers(survey, SECTION).handling.set_index("question").loc["NPS", "rejected"] == 2


def test_holm_by_hand():
    # sorted 0.01, 0.02, 0.04 times 3, 2, 1 -> 0.03, 0.04, 0.04; a missing value stays missing
    np.testing.assert_allclose(sv.holm([0.04, np.nan, 0.01, 0.02]), [0.04, np.nan, 0.03, 0.04])
    assert sv.holm([0.6, 0.7]).tolist() == [1.0, 1.0] and len(sv.holm([])) == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.05, 1.0, np.nan])), max_size=12))
def test_holm_as_statsmodels(p_values):
    from unittest import mock

    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    expected = np.full(len(p), np.nan)
    if (~np.isnan(p)).any():
        with mock.patch("gc.collect"):  # statsmodels collects garbage each call: 0.4 s on a test session heap
            expected[~np.isnan(p)] = multipletests(p[~np.isnan(p)], method="holm")[1]
    np.testing.assert_allclose(sv.holm(p), expected, rtol=1e-12, atol=1e-15)
