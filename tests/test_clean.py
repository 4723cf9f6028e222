"""02_clean: parsers, dedupe, scope rules (hand-computed), and the demo's ground truth."""

import numpy as np
import pandas as pd
import pytest

from cjm.analysis import clean as cl
from cjm.analysis.clean import FIXED, MISSING, OK, REJECTED
from cjm.core.errors import CjmError
from cjm.core.schemas import validate


def _s(*values):
    return pd.Series(list(values), dtype="str")


# ----------------------------------------------------------------------------- parsers
def test_numbers_as_exports_write_them():
    values, status = cl.parse_numbers(_s("59\u00a0500,00", "1 234,5", "1234.50", "1,234.5", "36 мес.",
                                         "", None, "abc", "12-34", "7"))
    expected = [59500.0, 1234.5, 1234.5, 1234.5, 36.0, np.nan, np.nan, np.nan, np.nan, 7.0]
    np.testing.assert_array_equal(values.to_numpy(), expected)
    assert status.tolist() == [OK, OK, OK, OK, FIXED, MISSING, MISSING, REJECTED, REJECTED, OK]


def test_integers_and_years_reject_fractions_and_out_of_range():
    values, status = cl.parse_integers(_s("36", "36,5", "60 мес."))
    assert values.tolist() == [36, pd.NA, 60] and status.tolist() == [OK, REJECTED, FIXED]
    years, status = cl.parse_integers(_s("1985", "invalid", "0", None), 1900, 2100)
    assert years.dtype == "Int64" and years.tolist() == [1985, pd.NA, pd.NA, pd.NA]
    assert status.tolist() == [OK, REJECTED, REJECTED, MISSING]


def test_dates_in_mixed_formats():
    values, status = cl.parse_dates(_s("01.02.2023", "01.02.2023 08:13", "2023-02-01 00:00:00",
                                       "31.02.2023", None, "скоро"))
    assert values.iloc[0] == pd.Timestamp("2023-02-01") == values.iloc[2]
    assert values.iloc[1] == pd.Timestamp("2023-02-01 08:13")
    assert status.tolist() == [OK, OK, OK, REJECTED, MISSING, REJECTED]
    _, status = cl.parse_dates(_s("2023-02-01", "01.02.2023"), date_format="%d.%m.%Y")
    assert status.tolist() == [REJECTED, OK]


def test_labels_unify_spacing_case_and_mapped_variants():
    values, status = cl.unify_labels(_s("Физическое лицо", "физическое  лицо", "ФЛ", "Физическое лицо", None),
                                     {"ФЛ": "Физическое лицо"})
    assert values.tolist()[:4] == ["Физическое лицо"] * 4 and pd.isna(values.iloc[4])
    assert status.tolist() == [OK, FIXED, FIXED, OK, MISSING]
    codes, status = cl.unify_labels(_s("Успешно", "Отказ", "Думает"), {"Успешно": "won", "*": "open"})
    assert codes.tolist() == ["won", "open", "open"]
    assert status.tolist() == [OK, OK, OK]  # a recode onto codes is not a fix


def test_towns_in_any_spelling():
    values, status = cl.parse_towns(_s("г.Минск", "Minsk", "Минск", "Атлантида"))
    assert values.tolist() == ["Минск", "Минск", "Минск", "Атлантида"]
    assert status.tolist() == [FIXED, FIXED, OK, REJECTED]


def test_keep_most_complete_row_per_key():
    frame = pd.DataFrame({"id": ["a", "a", "b", "b", "c", None, None], "x": [None, "1", "2", "2", None, "5", "5"],
                          "y": ["p", "p", None, "r", None, None, None]})
    kept, counts = cl.resolve_key_duplicates(frame, "id")
    # a and b: one row only fills a blank of the other, no conflict; rows without a key are all kept
    assert kept.index.tolist() == [1, 3, 4, 5, 6]
    assert counts == {"key_duplicates": 2, "conflicting": 0, "conflict_columns": None}


# ----------------------------------------------------------------------------- scope
CLIENTS = pd.DataFrame({"client_id": ["c1", "c2", "c3", "c4", "c5"],
                        "client_type": ["ЮЛ", "ФЛ", "ФЛ", "ФЛ", "ФЛ"]})
DEALS = pd.DataFrame({"deal_id": [f"d{i}" for i in range(7)],
                      "client_id": ["c1", "c2", "c3", "c3", "c4", "c5", "c9"],
                      "product": ["Грузовой", "Легковой", "Грузовой", "Легковой", "Легковой", "Легковой", "Легковой"]})
RULES = [{"name": "legal", "label": "ЮЛ", "column": "client_type", "in": ["ЮЛ"]},
         {"name": "truck", "label": "Грузовые", "column": "product", "in": ["Грузовой"]},
         {"name": "repeat", "label": "Повторные", "column": "deals_per_client", "greater_than": 1}]


def test_first_rule_a_client_or_any_of_its_deals_matches_wins():
    group = cl.assign_scope(CLIENTS, DEALS, RULES)
    # c1: legal though its deal is a truck; c3: a truck deal among two, so truck (not repeat)
    assert group.to_dict() == {"c1": "legal", "c2": "in_scope", "c3": "truck", "c4": "in_scope", "c5": "in_scope"}


def test_waterfall_counts_clients_and_deals_and_orphans():
    group = cl.assign_scope(CLIENTS, DEALS, RULES)
    deal_groups = DEALS["client_id"].map(group).fillna(cl.NO_CLIENT)
    waterfall = cl.exclusion_waterfall(group, DEALS, RULES, deal_groups).set_index("rule")
    assert waterfall.loc[cl.NO_CLIENT, "deals"] == 1
    assert waterfall["clients"].to_dict() == {"no_client": 0, "legal": 1, "truck": 1, "repeat": 0, "in_scope": 3}
    assert waterfall.loc["in_scope", ["clients_left", "deals_left"]].tolist() == [3, 3]


def test_rule_on_unknown_column_names_rule_and_columns():
    with pytest.raises(CjmError, match=r"(?s)scope rule 'x'.*'colour'.*client_type"):
        cl.assign_scope(CLIENTS, DEALS, [{"name": "x", "label": "x", "column": "colour", "in": ["red"]}])


# ----------------------------------------------------------------------------- tables
PARAMS = {"_file": "params/t.yaml", "sources": {"deals": {"file": "deals.csv"}},
          "clean": {"max_invalid_share": 0.05}}


def _deals(**overrides):
    raw = pd.DataFrame({"N": ["1", "2", "2", "3"], "K": ["a", "b", "b", "c"],
                        "Дата": ["01.01.2023", "02.01.2023", "02.01.2023", "03.01.2023"],
                        "Статус": ["Успешно", "Отказ", "Отказ", "В работе"],
                        "Сумма": ["1 000,00", "2000", "2000", ""]}, dtype="str")
    return raw.assign(**overrides)


SPEC = {"source": "deals", "columns": {"deal_id": "N", "client_id": "K", "created_at": "Дата",
                                       "outcome": "Статус", "amount": "Сумма"},
        "values": {"outcome": {"Успешно": "won", "Отказ": "lost", "В работе": "open"}}}


def test_build_table_types_dedupes_and_counts():
    table, quality, counts = cl.build_table("deals", SPEC, {"deals": _deals()}, PARAMS)
    validate(table, "deals")
    assert table["outcome"].tolist() == ["won", "lost", "open"]
    assert table["amount"].tolist()[:2] == [1000.0, 2000.0] and pd.isna(table["amount"].iloc[2])
    assert counts == {"table": "deals", "source": "deals", "rows_read": 4, "exact_duplicates": 1,
                      "excluded_values": 0, "key_duplicates": 0, "conflicting": 0, "conflict_columns": None,
                      "rows_kept": 3, "notes": []}
    assert quality.set_index("column").loc["amount", "missing"] == 1


def test_unmapped_status_is_one_clear_error():
    with pytest.raises(CjmError, match=r"(?s)deals\.csv.*Статус.*'Думает'.*values\.outcome"):
        cl.build_table("deals", SPEC, {"deals": _deals(Статус=["Успешно", "Думает", "Думает", "Отказ"])}, PARAMS)


def test_too_many_unreadable_values_name_file_column_and_fix():
    with pytest.raises(CjmError, match=r"(?s)deals\.csv.*'Дата'.*created_at.*2 of 3.*date_format"):
        cl.build_table("deals", SPEC, {"deals": _deals(Дата=["01.01.2023", "вчера", "вчера", "завтра"])}, PARAMS)


def test_missing_mapped_column_names_it_and_the_key():
    spec = {**SPEC, "columns": {**SPEC["columns"], "amount": "Стоимость"}}
    with pytest.raises(CjmError, match=r"(?s)deals\.csv.*'Стоимость'.*clean\.tables\.deals\.columns"):
        cl.build_table("deals", spec, {"deals": _deals()}, PARAMS)


def test_exclude_values_sets_rows_aside_and_counts_them():
    spec = {"source": "deals", "columns": {"deal_id": "N", "stage": "Статус", "entered_at": "Дата"},
            "exclude_values": {"Статус": ["Отказ"]}}
    table, _, counts = cl.build_table("stage_events", spec, {"deals": _deals()}, PARAMS)
    assert table["stage"].tolist() == ["Успешно", "В работе"] and counts["excluded_values"] == 1


# ----------------------------------------------------------------------------- the demo
@pytest.fixture(params=["demo_world", "bitrix_world"])
def world(request):
    return request.getfixturevalue(request.param)


def _side_groups_by_original(world):
    result = world.cleaned
    reid = pd.read_csv(world.paths.reidentification, dtype=str).query("kind == 'client'")
    original = reid.set_index("pseudonym")["original"]
    found = {cl.IN_SCOPE: result.tables["clients"]["client_id"]}
    found |= {rule: tables["clients"]["client_id"] for rule, tables in result.side_groups.items()}
    return pd.concat([ids.map(original).to_frame("client_code").assign(side_group=rule)
                      for rule, ids in found.items()]).set_index("client_code")["side_group"]


def test_demo_waterfall_and_side_groups_match_truth(world):
    truth = world.truth_json()
    waterfall = world.cleaned.waterfall
    planted, rows = world.planted_without_hygiene()
    assert waterfall[["rule", "clients", "deals"]].to_dict("records") == rows
    assert sum(r["deals"] for r in rows) == truth["n_deals"]  # every planted deal counted once
    found = _side_groups_by_original(world)
    assert found.sort_index().equals(planted[planted != cl.HYGIENE].sort_index())


def test_demo_duplicates_and_row_counts_match_truth(world):
    truth = world.truth_json()
    dups = world.cleaned.duplicates.set_index("table")
    removed = dups["exact_duplicates"] + dups["key_duplicates"]
    files = list(truth["duplicate_rows"])
    assert removed["clients"] == truth["duplicate_rows"][files[0]]
    assert removed["deals"] == truth["duplicate_rows"][files[1]]
    assert removed["stage_events"] == truth["duplicate_rows"][files[2]]
    assert removed["touches"] == truth["duplicate_rows"][files[3]]
    assert dups.loc["clients", "rows_kept"] == truth["n_clients"]
    assert dups.loc["deals", "rows_kept"] == truth["n_deals"]
    # Bitrix24 closes a lost deal with a move to «Сделка провалена»: set aside, not a stage
    assert dups.loc["stage_events", ["rows_kept", "excluded_values"]].sum() == truth["n_stage_events"]
    assert dups.loc["stage_events", "rows_kept"] == truth["n_stage_events"] - truth.get("bitrix", {}).get("lost_rows", 0)
    assert dups.loc["touches", "rows_kept"] == truth["n_touches"]
    outcomes = pd.concat([world.cleaned.tables["deals"], world.cleaned.set_aside[cl.HYGIENE]["deals"]]
                         + [t["deals"] for t in world.cleaned.side_groups.values()])
    assert outcomes["outcome"].value_counts().to_dict() == truth["n_deals_by_outcome"]


def test_demo_quality_summary_matches_planted_mess(world):
    invalid = world.truth_json()["invalid"]
    quality = world.cleaned.quality.set_index(["table", "column"])
    n_legal = world.truth_json()["waterfall"][0]["clients"]
    assert quality.loc[("clients", "birth_year"), "rejected"] == invalid["birth_date_invalid"]
    assert quality.loc[("clients", "birth_year"), "missing"] == invalid["birth_date_blank"] + n_legal
    assert quality.loc[("clients", "gender"), "missing"] == invalid["gender_blank"] + n_legal
    assert quality.loc[("deals", "amount"), "missing"] == invalid["amount_blank"]
    assert quality.loc[("deals", "down_payment"), "missing"] == invalid["down_payment_blank"]
    assert quality.loc[("deals", "term_months"), "fixed"] == invalid["term_with_suffix"]
    deals = pd.concat([world.cleaned.tables["deals"]] + [t["deals"] for t in world.cleaned.side_groups.values()])
    lost = deals[deals["outcome"] == "lost"]
    assert lost["lost_reason"].isna().sum() == invalid["lost_reason_blank"]
    towns = world.cleaned.tables["clients"]["town"]
    assert set(towns.dropna()) <= set(world.truth_json()["towns"].values())


def test_demo_short_client_types_are_fixed(demo_world):
    quality = demo_world.cleaned.quality.set_index(["table", "column"])
    assert quality.loc[("clients", "client_type"), "fixed"] == demo_world.truth_json()["invalid"]["client_type_short"]


def test_demo_writes_tables_and_side_groups(world):
    world.cleaned
    for name in ("clients", "deals", "stage_events", "touches", "post_deal_nps", "survey", "interviews",
                 "observations", "exclusion_waterfall", "data_quality"):
        assert world.paths.table(name).exists(), name
    _, planted = world.planted_without_hygiene()
    for rule in ("legal_entity", "truck", "motorcycle", "leaseback", "repeat_deal"):
        deals = pd.read_parquet(world.paths.interim / "side_groups" / rule / "deals.parquet")
        assert len(deals) == next(r["deals"] for r in planted if r["rule"] == rule)
    hygiene = pd.read_parquet(world.paths.interim / "set_aside" / cl.HYGIENE / "deals.parquet")
    assert len(hygiene) == planted[0]["deals"] and set(hygiene["lost_reason"]) == set(
        world.params["clean"]["hygiene_reasons"])
    stages = pd.read_parquet(world.paths.table("stage_events"))
    assert stages["entered_at"].dtype.kind == "M" and set(stages["deal_id"]) <= set(
        pd.read_parquet(world.paths.table("deals"))["deal_id"])
