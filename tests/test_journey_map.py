"""cjm.analysis.journey_model: the journey model from small hand-made tables, with hand-computed cells."""

import json
from pathlib import Path

import pandas as pd
import pytest

from cjm.analysis import journey_model
from cjm.analysis.coding import read_codebook
from cjm.analysis.journey_model import TABLES, curve_table, from_dict, model_table, recommendations, to_dict
from cjm.core.errors import CjmError
from cjm.present.maps import from_json, map_title, phrase
from cjm.steps.maps import to_json

GOLDEN = Path(__file__).parent / "golden" / "journey_model.json"
STAGES = ["Выбор", "Оформление", "Обслуживание"]


def hand_tables() -> dict:
    """Two CRM stages mapped 1:1 onto the first two of three journey stages; ten clients on
    two journeys; two interviews (clients c1, c7) and a mystery visit."""
    funnel = pd.DataFrame([
        ("all", "all", "Заявка", 100, 60, 30, 10, 60 / 90, 1.0, 2.0, "Выбор"),
        ("all", "all", "Договор", 60, 50, 8, 2, 50 / 58, 3.0, 5.0, "Оформление"),
        ("journey", "1", "Заявка", 60, 40, 15, 5, 40 / 55, 1.5, None, "Выбор"),
        ("journey", "1", "Договор", 40, 35, 4, 1, 35 / 39, 2.5, None, "Оформление"),
        ("journey", "2", "Заявка", 40, 20, 15, 5, 20 / 35, 0.5, None, "Выбор"),
        ("journey", "2", "Договор", 20, 15, 4, 1, 15 / 19, 3.5, None, "Оформление"),
    ], columns=["breakdown", "group", "stage", "reached", "moved_on", "lost", "open", "conversion", "median_days",
                "p75_days", "journey_stage"])
    clients = [f"c{i}" for i in range(1, 11)]
    fragments = pd.DataFrame([
        ("interview", "i1", "c1", 2, "Выбор", "barrier", "Высокий аванс", -1, "Аванс большой.", 1),
        ("interview", "i1", "c1", 4, "Выбор", "touchpoint", "Сайт", 0, "Нашёл на сайте.", 1),
        ("interview", "i1", "c1", 6, "Оформление", "pain", "Долго", -1, "Ждал неделю.", 1),
        ("interview", "i2", "c7", 2, "Выбор", "barrier", "Высокий аванс", -1, "Аванс высокий.", 2),
        ("interview", "i2", "c7", 4, "Выбор", "positive", "Вежливо", 1, "Вежливый менеджер.", 2),
        ("mystery", "m1", None, 0, "Выбор", "barrier", "Высокий аванс", -1, "Аванс 30%.", None),
        ("mystery", "m1", None, 1, "Выбор", "emotion", "Тревога", -1, "Страшно переплатить.", None),
    ], columns=["source", "doc_id", "client_id", "turn", "stage", "layer", "code", "valence", "quote", "segment"])
    return {
        "stage_funnel": funnel,
        "lost_reasons": pd.DataFrame({"stage": ["Заявка", "Заявка", "Договор"],
                                      "reason": ["Дорого", "Не дозвонились", "Передумал"],
                                      "cases": [20, 10, 8], "share": [2 / 3, 1 / 3, 1.0]}),
        "journey_lost_reasons": pd.DataFrame({"journey": [1, 1, 2], "stage": ["Заявка", "Договор", "Заявка"],
                                              "reason": ["Дорого", "Передумал", "Не дозвонились"],
                                              "cases": [15, 4, 15], "share": [1.0, 1.0, 1.0]}),
        "stage_touches": pd.DataFrame({"stage": ["Заявка", "Договор"], "cases": [90, 58], "mean_touches": [1.5, 2.0]}),
        "journey_touches": pd.DataFrame({"journey": [1, 1, 2, 2], "stage": ["Заявка", "Договор"] * 2,
                                         "cases": [55, 39, 35, 19], "mean_touches": [1.2, 2.2, 1.9, 1.6]}),
        "journeys": pd.DataFrame({"client_id": clients, "journey": [1] * 6 + [2] * 4, "probability": 1.0,
                                  "journey_name": ["Сайт → Сайт"] * 6 + ["Через салон"] * 4}),  # 2: agreed in 06
        "journey_profiles": pd.DataFrame({"journey": [1, 1, 2, 2], "block": "entry",
                                          "feature": ["Сайт", "Салон", "Сайт", "Салон"],
                                          "share": [1.0, 0.0, 0.0, 1.0], "overall": [0.6, 0.4, 0.6, 0.4],
                                          "lift": [1.67, 0.0, 0.0, 2.5]}),
        "lead_flows": pd.DataFrame({"source": ["Сайт", "Салон", "Заявка"], "target": ["Заявка", "Заявка", "Договор"],
                                    "cases": [60, 40, 60], "step": [0, 0, 1]}),
        "segments": pd.DataFrame({"client_id": clients, "segment": [1] * 5 + [2] * 5,
                                  "segment_name": ["Семьи"] * 5 + ["Таксисты"] * 5}),
        "csat_by_stage": pd.DataFrame({"stage": ["Выбор", "Оформление"], "segment": "all", "n": [10, 10],
                                       "mean": [4.0, 3.0], "ci_low": [3.5, 2.5], "ci_high": [4.5, 3.5],
                                       "satisfied": [0.8, 0.3]}),
        "survey_scores": pd.DataFrame({"respondent_id": [f"r{i}" for i in range(10)], "client_id": clients,
                                       "nps": [10, 10, 9, 9, 8, 7, 6, 5, 10, 3],
                                       "Выбор": [5, 5, 4, 4, 4, 4, 4, 4, 3, 3],
                                       "Оформление": [2, 2, 3, 3, 3, 4, 4, 4, 3, 2], "segment": [1] * 5 + [2] * 5}),
        "survey_drivers": pd.DataFrame({"driver": ["Выбор", "Оформление"], "importance": [0.3, 0.7],
                                        "moment_of_truth": [False, True]}),
        "coded_fragments": fragments,
        "code_quotes": pd.DataFrame({"layer": ["barrier", "barrier", "pain"],
                                     "code": ["Высокий аванс", "Высокий аванс", "Долго"], "rank": [1, 2, 1],
                                     "source": ["mystery", "interview", "interview"], "doc_id": ["m1", "i2", "i1"],
                                     "quote": ["Аванс 30%.", "Аванс высокий.", "Ждал неделю."]}),
        "touchpoints": pd.DataFrame({"touchpoint": ["Сайт"], "stage": ["Выбор"], "channel": ["Сайт"],
                                     "online": [True], "mentions": [1], "documents": [1], "sources": ["interview"],
                                     "valence": [0.0], "mystery_visits": [0], "crm_touches": [120]}),
        "stage_emotions": pd.DataFrame({"stage": STAGES, "score": [-1 / 4, -1.0, None], "fragments": [4, 1, 0],
                                        "negative": [3, 1, 0], "positive": [1, 0, 0], "documents": [3, 1, 0]}),
        "segment_profiles": pd.DataFrame({"segment": ["1", "2", "all"], "clients": [5, 5, 10], "share": [0.5, 0.5, 1.0],
                                          "age": [35.0, 45.0, 40.0], "capital: capital": [0.8, 0.2, 0.5],
                                          "capital: regions": [0.2, 0.8, 0.5],
                                          "segment_name": ["Семьи", "Таксисты", None]}),
        "nps_by_segment": pd.DataFrame({"segment": [1, 2], "segment_name": ["Семьи", "Таксисты"], "n": [5, 5],
                                        "nps": [80.0, -40.0], "ci_low": [40.0, -80.0], "ci_high": [100.0, 0.0]}),
    }


def hand_params() -> dict:
    codebook = {"barrier": {"Высокий аванс": {"stage": "Выбор", "patterns": ["аванс"]}},
                "pain": {"Долго": {"stage": "Оформление", "patterns": ["ждать"]}},
                "positive": {"Вежливо": {"stage": "Выбор", "patterns": ["вежливый"]}},
                "touchpoint": {"Сайт": {"stage": "Выбор", "channel": "Сайт", "online": True, "patterns": ["сайт"]}}}
    maps = {"stages": {"Выбор": {"goals": ["Понять платёж"], "owner": "Продажи",
                                 "kpi": {"name": "Расчёт принят", "target": 0.7}},
                       "Оформление": {"owner": "Юристы", "processes": ["Подписание"]}},
            "owners": {"Долго": "Риски"}, "touchpoint_owners": {}, "channel_kinds": {},
            "actions": {"Высокий аванс": {"action": "Аванс от 10 %", "effort": "high"}},
            "top": 3, "segment_curves": {"min_gap": 0.3, "min_fragments": 1},
            "impact_weights": {"lost": 1, "voice": 1, "nps": 1}}
    return {"language": "ru", "stages": ["Заявка", "Договор"], "journey_stages": STAGES,
            "interviews": {"codebook": codebook}, "maps": maps,
            "survey": {"satisfied_from": 4, "confidence": 0.95}}


def build_map(tables, params, journey=None):
    codes = read_codebook(params["interviews"]["codebook"])
    return journey_model.build_map(tables, STAGES, params["maps"], params["survey"], codes, journey)


def build_maps(tables, params):
    codes = read_codebook(params["interviews"]["codebook"])
    return journey_model.build_maps(tables, STAGES, params["maps"], params["survey"], codes)


def ru(cell):
    return phrase(cell, "ru")


def cell(model, stage, layer, item=0):
    return model.stage(stage).cells[layer][item]


def test_all_clients_map_by_hand():
    model = build_map(hand_tables(), hand_params())
    assert (model.journey, model.title, model.clients, model.share) == ("all", "", 10, 1.0)
    assert (map_title(model, "ru"), map_title(model, "en")) == ("Все клиенты", "All clients")
    assert model.stage("Выбор").crm_stages == ["Заявка"] and model.stage("Обслуживание").crm_stages == []
    assert cell(model, "Выбор", "conversion").value == pytest.approx(60 / 90)
    assert cell(model, "Выбор", "conversion").n == 90  # decided: reached - open
    drop = cell(model, "Выбор", "drop_off")
    assert (drop.n, ru(drop)) == (30, "30 потеряно (79\u00a0% всех потерь)")  # 30 of 38 lost
    assert phrase(drop, "en") == "30 lost (79% of all losses)"  # one model, both languages
    assert ru(cell(model, "Выбор", "time_in_stage")) == "1,0 дн. (75% — до 2 дн.)"
    assert phrase(cell(model, "Выбор", "time_in_stage"), "en") == "1.0 days (75% within 2)"
    assert cell(model, "Оформление", "engagement").value == 2.0
    barriers = model.stage("Выбор").cells["barriers"]
    assert [(c.text, c.n, c.unit) for c in barriers] == [("Высокий аванс", 3, "documents"),
                                                         ("Дорого", 20, "deals"), ("Не дозвонились", 10, "deals")]
    assert barriers[0].quote == "Аванс 30%."  # the code's best quote
    assert ru(cell(model, "Выбор", "csat")) == "80\u00a0% довольны (средняя 4,0)"
    assert ru(cell(model, "Оформление", "moment_of_truth")) == "Момент истины: 70\u00a0% веса в NPS"
    assert ru(cell(model, "Выбор", "kpi")) == "Расчёт принят: 67\u00a0% (цель 70\u00a0%)"
    assert phrase(cell(model, "Выбор", "kpi"), "en") == "Расчёт принят: 67% (target 70%)"
    assert cell(model, "Выбор", "kpi").target == 0.7
    assert [ru(c) for c in model.stage("Выбор").cells["entry_points"]] == ["Сайт: 60\u00a0%", "Салон: 40\u00a0%"]
    assert ru(cell(model, "Выбор", "touchpoints")) == "Сайт (онлайн)"
    assert model.nps.value == pytest.approx(20.0)  # 5 promoters, 3 detractors of 10
    assert ru(model.nps).startswith("NPS 20 (")
    assert (model.bottleneck, model.low_point) == ("Выбор", "Оформление")
    assert model.touchpoints[0]["owner"] == "Продажи"  # the stage's owner
    assert model.lead_flows[0] == {"source": "Сайт", "target": "Заявка", "cases": 60, "step": 0}


def test_empty_layers_say_why():
    tables = hand_tables()
    tables.update(csat_by_stage=None, survey_scores=None, survey_drivers=None)
    model = build_map(tables, hand_params())
    service = model.stage("Обслуживание")
    assert service.empty["csat"] == "no_source"          # no survey at all
    assert service.empty["conversion"] == "none_found"   # no CRM stage on it
    assert service.empty["owners"] == "not_in_params"
    assert model.stage("Оформление").empty["entry_points"] == "not_at_stage"
    assert model.stage("Выбор").empty["pains"] == "none_found"
    assert model.nps is None


def test_journey_map_uses_its_own_clients():
    model = build_map(hand_tables(), hand_params(), "1")
    assert (model.title, model.clients, model.share) == ("Сайт → Сайт", 6, 0.6)
    barriers = model.stage("Выбор").cells["barriers"]
    # only c1's interview: the mystery visit and c7 are not on this journey
    assert [(c.text, c.n, c.source) for c in barriers] == [
        ("Высокий аванс", 1, "coded_fragments (interview)"), ("Дорого", 15, "journey_lost_reasons")]
    assert barriers[0].quote == ""  # its quotes come from other documents
    assert cell(model, "Выбор", "conversion").value == pytest.approx(40 / 55)
    assert cell(model, "Выбор", "engagement").source == "journey_touches"
    assert ru(cell(model, "Выбор", "csat")) == "100\u00a0% довольны (средняя 4,3)"  # c1-c6: 5, 5, 4, 4, 4, 4
    assert cell(model, "Выбор", "csat").n == 6
    assert [ru(c) for c in model.stage("Выбор").cells["entry_points"]] == ["Сайт: 100\u00a0%"]
    assert build_map(hand_tables(), hand_params(), "2").title == "Через салон"  # the name 06 wrote (agreed)


def test_codes_of_a_cell_by_documents_then_code_each_with_a_quote_said_there():
    fragments = pd.DataFrame([
        ("interview", "i1", "Выбор", "barrier", "Б"), ("interview", "i1", "Выбор", "barrier", "Б"),  # one document
        ("mystery", "m1", "Выбор", "barrier", "Б"), ("interview", "i2", "Выбор", "barrier", "В"),
        ("interview", "i4", "Выбор", "barrier", "А"), ("interview", "i3", "Оформление", "barrier", "А"),
    ], columns=["source", "doc_id", "stage", "layer", "code"])
    quotes = pd.DataFrame({"layer": "barrier", "code": ["А", "А", "Б"], "rank": [1, 2, 1],
                           "source": ["interview", "interview", "mystery"], "doc_id": ["i3", "i4", "m1"],
                           "quote": ["А в i3.", "А в i4.", "Б в m1."]})
    coded = journey_model._coded(fragments, quotes)
    assert [(c.text, c.n, c.source, c.quote) for c in coded["Выбор", "barrier"]] == [
        ("Б", 2, "coded_fragments (interview, mystery)", "Б в m1."), ("А", 1, "coded_fragments (interview)", "А в i4."),
        ("В", 1, "coded_fragments (interview)", "")]  # А's best quote is from a document of another stage
    assert [(c.text, c.quote) for c in coded["Оформление", "barrier"]] == [("А", "А в i3.")]


def test_recommendations_by_hand():
    model = build_map(hand_tables(), hand_params())
    first, second = model.recommendations
    # lost share 30/38 and 8/38 (max-scaled 1, 4/15), voice 3/4 and 1/4 (1, 1/3), NPS .3 and .7 (3/7, 1)
    assert (first["barrier"], first["stage"], first["owner"]) == ("Высокий аванс", "Выбор", "Продажи")
    assert first["impact"] == pytest.approx((1 + 1 + 3 / 7) / 3)
    assert (second["barrier"], second["owner"]) == ("Долго", "Риски")
    assert second["impact"] == pytest.approx((4 / 15 + 1 / 3 + 1) / 3)
    assert first["top_lost_reason"] == "Дорого"
    model.recommendations = []
    unweighted = recommendations(model, weights={"lost": 1, "voice": 0, "nps": 0})
    assert unweighted[0]["impact"] == 1 and unweighted[1]["impact"] == pytest.approx(4 / 15)


def test_segment_curves_where_they_differ():
    params = hand_params()
    # all: -1/4 at «Выбор» (stage_emotions); segment 1 said a barrier and a neutral touchpoint there
    # (-1/2, and -1 at «Оформление»), segment 2 a barrier and a positive (0): both 1/4 away
    assert [c.label for c in build_map(hand_tables(), params).curves] == ["all"]  # min_gap 0.3
    params["maps"]["segment_curves"] = {"min_gap": 0.2, "min_fragments": 1}
    curves = build_map(hand_tables(), params).curves
    assert [c.label for c in curves] == ["all", "1. Семьи", "2. Таксисты"]
    assert curves[1].scores == [-0.5, -1.0, None] and curves[1].fragments == [2, 1, 0]
    assert curves[2].scores == [0.0, None, None]
    params["maps"]["segment_curves"] = {"min_gap": 0.2, "min_fragments": 3}  # too few statements to compare
    assert [c.label for c in build_map(hand_tables(), params).curves] == ["all"]


def test_golden_json_and_round_trip(tmp_path):
    models = build_maps(hand_tables(), hand_params())
    assert [m.journey for m in models] == ["all", "1", "2"]
    data = [to_dict(m) for m in models]
    assert data == json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert "Все клиенты" not in GOLDEN.read_text(encoding="utf-8")  # the model holds values, not phrases
    path = to_json(models, tmp_path / "model.json")
    assert [to_dict(m) for m in from_json(path)] == data
    assert from_dict(data[1]).stage("Выбор").cells["barriers"][0].text == "Высокий аванс"


def test_long_tables_for_bi():
    models = build_maps(hand_tables(), hand_params())
    items = model_table(models)
    row = items[(items["journey"] == "all") & (items["stage"] == "Выбор") & (items["layer"] == "conversion")]
    assert row["value"].iloc[0] == pytest.approx(60 / 90) and row["source"].iloc[0] == "stage_funnel"
    empty = items[(items["journey"] == "all") & (items["stage"] == "Обслуживание") & (items["layer"] == "owners")]
    assert empty["empty"].tolist() == ["not_in_params"]
    curves = curve_table(models)
    assert set(curves.columns) == {"journey", "curve", "stage", "score", "fragments"}
    assert len(curves[(curves["journey"] == "all") & (curves["curve"] == "all")]) == 3


def test_errors_name_the_fix(tmp_path):
    (tmp_path / "model.json").write_text('[{"version": 0}]', encoding="utf-8")
    with pytest.raises(CjmError, match="version 0 is not 3"):
        from_json(tmp_path / "model.json")
    with pytest.raises(CjmError, match="cannot read the journey model"):
        from_json(tmp_path / "missing.json")
    assert set(hand_tables()) == set(TABLES)


@pytest.mark.parametrize("channel, kind", [
    ("Website", "web"), ("Mobile app", "web"), ("Call centre", "phone"), ("WhatsApp Business", "messenger"),
    ("Онлайн-чат", "messenger"), ("Телеграм-бот", "messenger"), ("Branch office", "office"), ("Салон", "office"),
    ("E-mail", "email"), ("Почта", "email"), ("Dealer network", "partner"), ("Партнёрский сайт", "partner"),
    ("Звонок", "phone"), ("Letter", "other"), ("", "other"), (None, "other")])
def test_a_channels_kind_from_its_name_in_russian_or_english(channel, kind):
    assert journey_model.channel_kind(channel, {}) == kind


def test_the_params_say_a_channels_kind_where_its_name_does_not():
    kinds = {"Автосалон": "partner", "Личный кабинет": "web"}
    assert [journey_model.channel_kind(c, {}) for c in ("Автосалон", "Личный кабинет")] == ["office", "other"]
    assert [journey_model.channel_kind(c, kinds) for c in ("Автосалон", "Личный кабинет")] == ["partner", "web"]
    params = hand_params()
    site = build_map(hand_tables(), params).stage("Выбор").cells["touchpoints"][0]
    assert (site.text, site.detail["channel_kind"]) == ("Сайт", "web")  # the codebook's channel «Сайт»
    params["maps"]["channel_kinds"] = {"Сайт": "partner"}
    assert build_map(hand_tables(), params).stage("Выбор").cells["touchpoints"][0].detail["channel_kind"] == "partner"
