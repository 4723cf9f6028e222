"""02_clean's date checks (clean.dates) and conflicting repeats of a key (clean.duplicates):
small frames with hand-computed answers, then rows planted in client shapes that are not the demo."""

import copy

import pandas as pd
import pytest
from engagements import make_engagement

from cjm.analysis import clean as cl
from cjm.core.errors import CjmError
from cjm.core.params import load_params
from cjm.core.paths import EngagementPaths
from cjm.privacy.anonymize import anonymize


def _frame(rows, columns):
    return pd.DataFrame(rows, columns=columns, dtype="str")


# ----------------------------------------------------------------------------- dates
#: Exported 31.03.2024. d2 closed and d4 created after it, d7 both after it and closed before
#: created (the first check, the future, takes it), d3 closed before created; d5 created on
#: the day of the export is not in the future.
DEALS = _frame([["d1", "c1", "2024-01-10", "2024-02-01", "won"],
                ["d2", "c1", "2024-03-01", "2024-04-05", "lost"],
                ["d3", "c2", "2024-02-10", "2024-02-01", "lost"],
                ["d4", "c3", "2024-04-02", "", "open"],
                ["d5", "c3", "2024-03-31", "", "open"],
                ["d7", "c5", "2024-05-01", "2024-04-01", "lost"]], ["N", "K", "created", "closed", "status"])
#: d1's event of 10.04 is in the future by itself; d2's and d3's events go with their deals;
#: d5's event late on the day of the export stays.
STAGES = _frame([["d1", "Lead", "2024-01-10 09:00"], ["d1", "Won", "2024-02-01 10:00"],
                 ["d2", "Lead", "2024-03-01 09:00"], ["d3", "Lead", "2024-02-10 09:00"],
                 ["d5", "Lead", "2024-03-31 23:00"], ["d1", "Lead", "2024-04-10 09:00"]], ["deal", "stage", "at"])
#: c2's touch of d3 goes with the deal; c1's touch of 01.05 is in the future by itself.
TOUCHES = _frame([["c1", "d1", "2024-01-11", "phone"], ["c2", "d3", "2024-02-11", "phone"],
                  ["c3", "", "2024-03-02", "email"], ["c1", "", "2024-05-01", "email"]],
                 ["client", "deal", "at", "channel"])
FRAMES = {"deals": DEALS, "stages": STAGES, "touches": TOUCHES}
PARAMS = {
    "_file": "params/t.yaml", "export_date": "2024-03-31", "stages": ["Lead", "Won"],
    "sources": {"deals": {"file": "deals.csv"}, "stages": {"file": "stages.csv"}, "touches": {"file": "touches.csv"},
                "clients": {"file": "clients.csv"}},
    "clean": {"max_invalid_share": 0.05, "scope": [], "tables": {
        "deals": {"source": "deals", "columns": {"deal_id": "N", "client_id": "K", "created_at": "created",
                                                 "closed_at": "closed", "outcome": "status"}},
        "stage_events": {"source": "stages", "columns": {"deal_id": "deal", "stage": "stage", "entered_at": "at"}},
        "touches": {"source": "touches", "columns": {"client_id": "client", "deal_id": "deal", "at": "at",
                                                     "channel": "channel"}}}},
}


def _params(future=None, closed_before_created=None, export_date="2024-03-31"):
    params = copy.deepcopy(PARAMS)
    params["export_date"] = export_date
    rules = {"future": future, "closed_before_created": closed_before_created}
    params["clean"]["dates"] = {key: rule for key, rule in rules.items() if rule}
    return params


def _checks(result):
    return {(r.table, r.check): (r.action, None if pd.isna(r.rows) else r.rows, r.set_aside)
            for r in result.date_checks.itertuples()}


def test_future_dates_and_deals_closed_before_created_are_set_aside_and_counted():
    result = cl.clean(_params(), FRAMES)
    aside = "rows_set_aside"
    assert _checks(result) == {
        ("deals", "future_date"): (aside, 3, 3),                 # d2, d4, d7
        ("deals", "closed_before_created"): (aside, 2, 1),       # d3, d7 (d7 is already set aside)
        ("stage_events", "future_date"): (aside, 1, 2),          # d1's event of 10.04, and d2's with d2
        ("stage_events", "closed_before_created"): (aside, 0, 1),  # d3's event, with d3
        ("touches", "future_date"): (aside, 1, 1),
        ("touches", "closed_before_created"): (aside, 0, 1)}     # c2's touch of d3
    deals = result.date_checks.set_index(["table", "check"])
    assert deals.loc[("deals", "future_date"), "examples"] == "d2, d4"
    assert deals.loc[("deals", "future_date"), "columns"] == "created_at, closed_at"
    assert result.tables["deals"]["deal_id"].tolist() == ["d1", "d5"]
    assert result.tables["stage_events"]["entered_at"].tolist() == pd.to_datetime(
        ["2024-01-10 09:00", "2024-02-01 10:00", "2024-03-31 23:00"]).tolist()
    assert result.tables["touches"]["client_id"].tolist() == ["c1", "c3"]
    future, backwards = result.set_aside["future_date"], result.set_aside["closed_before_created"]
    assert future["deals"]["deal_id"].tolist() == ["d2", "d4", "d7"]
    assert future["stage_events"]["deal_id"].tolist() == ["d2", "d1"]
    assert backwards["deals"]["deal_id"].tolist() == ["d3"]
    assert backwards["stage_events"]["deal_id"].tolist() == backwards["touches"]["deal_id"].tolist() == ["d3"]
    # nothing silently dropped: every row built is in scope or set aside, and the summary says so
    summary = result.summary.set_index("table")
    assert summary.loc["deals", ["rows", "set_aside"]].tolist() == [2, 4]
    assert summary.loc["stage_events", ["rows", "set_aside"]].tolist() == [3, 3]
    assert summary.loc["touches", ["rows", "set_aside"]].tolist() == [2, 2]
    built = result.duplicates.set_index("table")["rows_kept"]
    assert (summary.loc[built.index, "rows"] + summary.loc[built.index, "set_aside"]).equals(built)


def test_kept_dates_are_counted_and_stay():
    result = cl.clean(_params(future="keep", closed_before_created="keep"), FRAMES)
    checks = _checks(result)
    assert checks[("deals", "future_date")] == ("rows_kept", 3, 0)
    assert checks[("deals", "closed_before_created")] == ("rows_kept", 2, 0)
    assert checks[("stage_events", "future_date")] == ("rows_kept", 1, 0)
    assert len(result.tables["deals"]) == 6 and len(result.tables["stage_events"]) == 6 and result.set_aside == {}


def test_closed_before_created_set_aside_while_the_future_is_kept():
    result = cl.clean(_params(future="keep"), FRAMES)
    assert result.set_aside["closed_before_created"]["deals"]["deal_id"].tolist() == ["d3", "d7"]
    assert "future_date" not in result.set_aside
    assert result.tables["deals"]["deal_id"].tolist() == ["d1", "d2", "d4", "d5"]


def test_closed_before_created_can_stop_the_run_naming_the_rows_and_the_key():
    with pytest.raises(CjmError, match=r"(?s)deals\.csv.*2 rows of table 'deals' were closed before they were "
                                       r"created.*deal_id 'd3' \(created_at 2024-02-10.*closed_at 2024-02-01.*'d7'"
                       ) as error:
        cl.clean(_params(closed_before_created="stop"), FRAMES)
    assert "'clean.dates.closed_before_created'" in error.value.fix and "keep" in error.value.fix


def test_future_dates_can_stop_the_run_naming_table_column_and_count():
    with pytest.raises(CjmError, match=r"(?s)deals\.csv.*3 rows of table 'deals' are dated after the export date "
                                       r"2024-03-31 \(created_at in 2, closed_at in 2\), e\.g\. deal_id 'd2' "
                                       r"\(created_at 2024-03-01 00:00:00, closed_at 2024-04-05 00:00:00\); "
                                       r"deal_id 'd4'") as error:
        cl.clean(_params(future="stop"), FRAMES)
    assert "'clean.dates.future'" in error.value.fix and "export_date" in error.value.fix


def test_without_an_export_date_the_future_is_not_checked_and_said():
    result = cl.clean(_params(export_date=None), FRAMES)
    checks = _checks(result)
    assert checks[("deals", "future_date")] == ("not_checked", None, 0)
    assert checks[("deals", "closed_before_created")] == ("rows_set_aside", 2, 2)
    assert result.tables["deals"]["deal_id"].tolist() == ["d1", "d2", "d4", "d5"]


def test_a_client_set_aside_by_its_date_takes_its_deals_and_touches():
    params = _params()
    params["clean"]["tables"]["clients"] = {"source": "clients", "columns": {"client_id": "id",
                                                                             "first_contact_at": "first"}}
    clients = _frame([["c1", "2024-01-01"], ["c2", "2024-01-05"], ["c3", "2024-04-15"], ["c5", "2024-01-02"]],
                     ["id", "first"])
    result = cl.clean(params, {**FRAMES, "clients": clients})
    future = result.set_aside["future_date"]
    assert future["clients"]["client_id"].tolist() == ["c3"]
    assert future["deals"]["deal_id"].tolist() == ["d2", "d4", "d5", "d7"]  # d5 only with its client
    assert future["touches"]["client_id"].tolist() == ["c3", "c1"]
    assert _checks(result)[("deals", "future_date")] == ("rows_set_aside", 3, 4)
    assert result.tables["deals"]["deal_id"].tolist() == ["d1"]


def test_the_step_writes_the_checks_and_the_rows_set_aside_byte_for_byte_the_same(tmp_path):
    from cjm.steps.clean import write_clean

    written = []
    for run in ("one", "two"):
        paths = EngagementPaths("t", tmp_path / run)
        write_clean(cl.clean(_params(), FRAMES), paths)
        files = sorted(p.relative_to(paths.interim) for p in paths.interim.rglob("*.parquet"))
        written.append({str(f): (paths.interim / f).read_bytes() for f in files})
    assert written[0] == written[1]
    assert {"date_checks.parquet", "duplicates.parquet", "set_aside/future_date/deals.parquet",
            "set_aside/closed_before_created/touches.parquet"} <= set(written[0])
    assert not any(name.startswith("side_groups/") for name in written[0])  # no scope rule: no side group
    checks = pd.read_parquet(tmp_path / "one" / "data" / "t" / "interim" / "date_checks.parquet")
    assert checks.columns.tolist() == cl.DATE_CHECK_COLUMNS and checks["set_aside"].sum() == 9


def test_date_problems_read_only_the_schema_dates_of_the_table():
    table = pd.DataFrame({"deal_id": ["a", "b"],
                          "created_at": [pd.Timestamp("2024-03-31 23:59"), pd.Timestamp("2024-04-01")],
                          "contract_end": [pd.Timestamp("2030-01-01")] * 2})
    found = cl.date_problems(table, "deals", "2024-03-31")
    assert found[cl.FUTURE_DATE][0].tolist() == [False, True] and found[cl.FUTURE_DATE][1] == ["created_at"]
    assert cl.CLOSED_BEFORE_CREATED not in found and cl.date_problems(table, "deals") == {}


# ----------------------------------------------------------------------------- conflicting repeats of a key
#: Deal 1: won, then lost later (a conflict on outcome and closed_at); deal 2: a row that
#: only lacks the amount (no conflict); deal 3: created on two days (a conflict on created_at).
REPEATS = _frame([["1", "a", "01.01.2024", "05.01.2024", "Успешно", "100"],
                  ["1", "a", "01.01.2024", "10.01.2024", "Отказ", "100"],
                  ["2", "b", "02.01.2024", "", "В работе", ""],
                  ["2", "b", "02.01.2024", "", "В работе", "200"],
                  ["3", "c", "04.01.2024", "07.01.2024", "Отказ", "300"],
                  ["3", "c", "03.01.2024", "07.01.2024", "Отказ", "300"],
                  ["4", "d", "05.01.2024", "", "В работе", "400"]], ["N", "K", "Дата", "Закрыта", "Статус", "Сумма"])
SPEC = {"source": "deals", "columns": {"deal_id": "N", "client_id": "K", "created_at": "Дата", "closed_at": "Закрыта",
                                       "outcome": "Статус", "amount": "Сумма"},
        "values": {"outcome": {"Успешно": "won", "Отказ": "lost", "В работе": "open"}}}
TABLE_PARAMS = {"_file": "params/t.yaml", "sources": {"deals": {"file": "deals.csv"}},
                "clean": {"max_invalid_share": 0.05}}


def _build(rule, raw=REPEATS):
    params = copy.deepcopy(TABLE_PARAMS)
    params["clean"]["duplicates"] = rule
    return cl.build_table("deals", SPEC, {"deals": raw}, params)


@pytest.mark.parametrize("rule, outcome_of_1", [("keep_latest", "lost"), ("keep_won", "won")])
def test_conflicting_repeats_are_counted_and_settled_by_the_rule(rule, outcome_of_1):
    table, _, counts = _build(rule)
    assert (counts["key_duplicates"], counts["conflicting"], counts["rows_kept"]) == (3, 2, 4)
    assert counts["conflict_columns"] == "created_at, closed_at, outcome"
    kept = table.set_index("deal_id")
    assert kept.loc["1", "outcome"] == outcome_of_1
    assert kept.loc["2", "amount"] == 200  # the more complete row, not a conflict
    assert kept.loc["3", "created_at"] == pd.Timestamp("2024-01-04")  # the same close: the later creation


def test_keep_won_without_a_disagreement_on_the_outcome_keeps_the_latest():
    assert _build("keep_won", REPEATS.iloc[[5, 4]])[0]["created_at"].tolist() == [pd.Timestamp("2024-01-04")]


def test_settled_repeats_do_not_depend_on_the_rows_order():
    forward, backward = _build("keep_latest")[0], _build("keep_latest", REPEATS.iloc[::-1])[0]
    pd.testing.assert_frame_equal(forward.sort_values("deal_id", ignore_index=True),
                                  backward.sort_values("deal_id", ignore_index=True))


def test_a_tie_goes_to_the_most_complete_row_then_the_first():
    frame = pd.DataFrame({"id": ["x", "x", "x"], "v": ["1", "2", "3"], "w": [None, "p", "q"]})
    kept, counts = cl.resolve_key_duplicates(frame, "id")
    assert kept.index.tolist() == [1] and counts["conflict_columns"] == "v, w"


def test_a_repeat_that_only_fills_blanks_is_no_conflict():
    table, _, counts = _build("stop", REPEATS.iloc[[2, 3, 6]])
    assert counts["conflicting"] == 0 and counts["key_duplicates"] == 1
    assert table["amount"].tolist() == [200, 400]


def test_conflicting_repeats_can_stop_the_run_naming_the_key_and_the_fix():
    with pytest.raises(CjmError, match=r"(?s)deals\.csv.*2 values of the key 'N' \(deal_id\).*'1', '3'.*"
                                       r"'Дата' \(created_at\), 'Закрыта' \(closed_at\), 'Статус' \(outcome\)") as error:
        _build("stop")
    assert "'clean.duplicates'" in error.value.fix and "keep_latest" in error.value.fix


# ----------------------------------------------------------------------------- client shapes
def _cleaned(root, name, plant):
    make_engagement(root, name, scale=0.25)
    plant(root / "data" / name / "raw")
    params = load_params(name, root)
    anonymized = anonymize(params, EngagementPaths(name, root))
    back = anonymized.reidentification.set_index("pseudonym")["original"]
    return params, anonymized.frames, back


def test_purchases_after_the_export_are_set_aside_in_a_purchase_log(tmp_path):
    """cd_store (export 1998-07-01): two purchases planted in 1999 go aside, counted; the
    purchase of the day of the export stays."""
    def plant(raw):
        with open(raw / "purchases.txt", "a", encoding="utf-8") as log:
            for day in ("19990115", "19990301", "19980701"):
                log.write(f" 00001 {day}     1    10.00\n")

    params, frames, back = _cleaned(tmp_path, "cd_store", plant)
    result = cl.clean(params, frames)
    checks = result.date_checks.set_index(["table", "check"])
    assert checks.loc[("deals", "future_date"), ["rows", "set_aside"]].tolist() == [2, 2]
    aside = result.set_aside["future_date"]["deals"]
    assert aside["created_at"].dt.year.tolist() == [1999, 1999]
    assert aside["client_id"].map(back).tolist() == ["00001", "00001"]
    assert result.tables["deals"]["created_at"].max() == pd.Timestamp("1998-07-01")


def test_a_customer_exported_twice_with_different_churn_is_a_conflict(tmp_path):
    """telco_churn: a customer's row repeated with Churn flipped conflicts in deals (the
    outcome) and is an exact repeat in clients (same attributes); keep_latest keeps the first
    (no dates to tell), keep_won the staying customer."""
    planted = {}

    def plant(raw):
        lines = (raw / "customers.csv").read_bytes().split(b"\r\n")
        row = lines[1].split(b",")
        planted["id"], churn = row[0].decode(), row[-1]
        row[-1] = b"No" if churn == b"Yes" else b"Yes"
        planted["first"] = "won" if churn == b"No" else "lost"
        (raw / "customers.csv").write_bytes(b"\r\n".join([*lines[:-1], b",".join(row), b""]))

    params, frames, back = _cleaned(tmp_path, "telco_churn", plant)
    for rule, expected in (("keep_latest", planted["first"]), ("keep_won", "won")):
        params["clean"]["duplicates"] = rule
        result = cl.clean(params, frames)
        dups = result.duplicates.set_index("table")
        assert dups.loc["deals", ["key_duplicates", "conflicting", "conflict_columns"]].tolist() == [1, 1, "outcome"]
        assert dups.loc["clients", ["exact_duplicates", "key_duplicates", "conflicting"]].tolist() == [1, 0, 0]
        deals = result.tables["deals"].assign(original=lambda d: d["deal_id"].map(back))
        assert deals.loc[deals["original"] == planted["id"], "outcome"].tolist() == [expected], rule
    params["clean"]["duplicates"] = "stop"
    with pytest.raises(CjmError, match=r"customers\.csv.*1 values of the key 'customerID'"):
        cl.clean(params, frames)


# ----------------------------------------------------------------------------- data hygiene
#: h1 (a duplicate request) and h3 (spam) are lost for data hygiene reasons; c2's only deal is
#: h3, so c2 goes with it; c1 keeps its won deal h2; h4 lost for a customer's reason stays.
HYGIENE_DEALS = _frame([["h1", "c1", "2024-01-10", "2024-01-11", "lost", "Дубль заявки"],
                        ["h2", "c1", "2024-01-12", "2024-02-01", "won", ""],
                        ["h3", "c2", "2024-01-15", "2024-01-15", "lost", "Спам / тестовая заявка"],
                        ["h4", "c3", "2024-01-20", "2024-02-20", "lost", "Дорого"]],
                       ["N", "K", "created", "closed", "status", "reason"])
HYGIENE_STAGES = _frame([["h1", "Lead", "2024-01-10 09:00"], ["h2", "Lead", "2024-01-12 09:00"],
                         ["h2", "Won", "2024-02-01 10:00"], ["h3", "Lead", "2024-01-15 09:00"],
                         ["h4", "Lead", "2024-01-20 09:00"]], ["deal", "stage", "at"])
#: c1's touch of h1 goes with the deal, c2's touch without a deal with its client.
HYGIENE_TOUCHES = _frame([["c1", "h1", "2024-01-10", "phone"], ["c1", "h2", "2024-01-13", "phone"],
                          ["c2", "", "2024-01-15", "web"], ["c3", "h4", "2024-01-21", "web"]],
                         ["client", "deal", "at", "channel"])
HYGIENE_REASONS = ["Дубль заявки", "Спам / тестовая заявка", "Некорректный номер телефона"]


def _hygiene_params(action):
    params = _params()
    params["clean"]["tables"]["deals"]["columns"]["lost_reason"] = "reason"
    params["clean"].update(hygiene_reasons=HYGIENE_REASONS, hygiene=action)
    return params


def test_deals_lost_for_data_hygiene_are_set_aside_with_their_history_touches_and_clients():
    frames = {"deals": HYGIENE_DEALS, "stages": HYGIENE_STAGES, "touches": HYGIENE_TOUCHES}
    result = cl.clean(_hygiene_params("set_aside"), frames)
    assert result.hygiene.to_dict("records") == [
        {"reason": "Дубль заявки", "deals": 1, "action": "rows_set_aside"},
        {"reason": "Спам / тестовая заявка", "deals": 1, "action": "rows_set_aside"},
        {"reason": "Некорректный номер телефона", "deals": 0, "action": "rows_set_aside"}]  # listed, none found
    aside = result.set_aside[cl.HYGIENE]
    assert aside["deals"]["deal_id"].tolist() == ["h1", "h3"]
    assert aside["stage_events"]["deal_id"].tolist() == ["h1", "h3"]
    assert aside["touches"][["client_id", "deal_id"]].fillna("").values.tolist() == [["c1", "h1"], ["c2", ""]]
    assert result.tables["deals"]["deal_id"].tolist() == ["h2", "h4"]
    assert result.tables["clients"]["client_id"].tolist() == ["c1", "c3"]  # c2 had only the spam deal
    waterfall = result.waterfall.set_index("rule")
    assert waterfall.index.tolist() == [cl.HYGIENE, cl.IN_SCOPE]  # nothing silently dropped
    assert waterfall.loc[cl.HYGIENE, ["clients", "deals", "clients_left", "deals_left"]].tolist() == [1, 2, 2, 2]
    summary = result.summary.set_index("table")["set_aside"]
    assert summary[["deals", "stage_events", "touches"]].tolist() == [2, 2, 2]
    assert not len(result.date_checks.query("set_aside > 0"))  # not a date check


def test_scope_rules_read_every_deal_of_the_crm_though_hygiene_sets_some_aside():
    """c1's duplicate request h1 makes it a client of two deals for the rule (as the CRM has
    it); h1 is set aside all the same, c1 goes to the rule's group with h2 alone."""
    params = _hygiene_params("set_aside")
    params["clean"]["scope"] = [{"name": "repeat", "label": "Повторные", "column": "deals_per_client",
                                 "greater_than": 1}]
    frames = {"deals": HYGIENE_DEALS, "stages": HYGIENE_STAGES, "touches": HYGIENE_TOUCHES}
    result = cl.clean(params, frames)
    assert result.side_groups["repeat"]["deals"]["deal_id"].tolist() == ["h2"]
    assert result.waterfall[["rule", "clients", "deals"]].values.tolist() == [
        [cl.HYGIENE, 1, 2], ["repeat", 1, 1], [cl.IN_SCOPE, 1, 1]]


def test_kept_hygiene_deals_stay_counted_and_a_clients_table_loses_only_the_spam_client():
    frames = {"deals": HYGIENE_DEALS, "stages": HYGIENE_STAGES, "touches": HYGIENE_TOUCHES}
    kept = cl.clean(_hygiene_params("keep"), frames)
    assert kept.hygiene["deals"].tolist() == [1, 1, 0] and set(kept.hygiene["action"]) == {"rows_kept"}
    assert kept.tables["deals"]["deal_id"].tolist() == ["h1", "h2", "h3", "h4"] and cl.HYGIENE not in kept.set_aside
    assert cl.HYGIENE not in set(kept.waterfall["rule"])
    params = _hygiene_params("set_aside")
    params["clean"]["tables"]["clients"] = {"source": "clients", "columns": {"client_id": "id"}}
    clients = _frame([["c1"], ["c2"], ["c3"], ["c4"]], ["id"])  # c4: a contact without deals stays
    result = cl.clean(params, {**frames, "clients": clients})
    assert result.set_aside[cl.HYGIENE]["clients"]["client_id"].tolist() == ["c2"]
    assert result.tables["clients"]["client_id"].tolist() == ["c1", "c3", "c4"]
    assert result.waterfall.set_index("rule").loc[cl.HYGIENE, ["clients", "deals"]].tolist() == [1, 2]


def test_a_lead_list_sets_aside_its_duplicate_and_test_leads(tmp_path):
    """bank_leads (no ids, no dates, no clients): a lost-reason column planted on the leads
    that did not convert, every 10th a duplicate and every 10th (after it) a test entry; the
    listed 'wrong number' matches none."""
    planted = {}

    def plant(raw):
        bank = pd.read_csv(raw / "bank.csv", sep=";")
        lost = (bank["y"] == "no").to_numpy()
        order = lost.cumsum() % 10
        bank["reason"] = [("duplicate lead" if k == 0 else "test entry" if k == 1 else "no interest") if no else ""
                          for no, k in zip(lost, order)]
        planted.update(bank[lost]["reason"].value_counts().to_dict(), leads=len(bank))
        bank.to_csv(raw / "bank.csv", sep=";", index=False)

    from engagements import readme_params
    text = readme_params()["bank_leads"].replace("loan: loan, contacts: campaign",
                                                 "loan: loan, lost_reason: reason, contacts: campaign")
    text = text.replace("clean:\n  tables:", "clean:\n  hygiene_reasons: [duplicate lead, test entry, wrong number]\n"
                                              "  tables:")
    make_engagement(tmp_path, "bank_leads", scale=0.1, params=text)
    plant(tmp_path / "data" / "bank_leads" / "raw")
    params = load_params("bank_leads", tmp_path)
    result = cl.clean(params, anonymize(params, EngagementPaths("bank_leads", tmp_path)).frames)
    hygiene = planted["duplicate lead"] + planted["test entry"]
    assert planted["leads"] == 200 and planted["duplicate lead"] > 0 and planted["test entry"] > 0
    assert result.hygiene["deals"].tolist() == [planted["duplicate lead"], planted["test entry"], 0]
    assert len(result.set_aside[cl.HYGIENE]["deals"]) == hygiene
    assert len(result.tables["deals"]) == planted["leads"] - hygiene
    assert set(result.tables["deals"]["lost_reason"].dropna()) == {"no interest"}
    waterfall = result.waterfall.set_index("rule")
    assert waterfall.loc[cl.HYGIENE, ["clients", "deals"]].tolist() == [hygiene, hygiene]  # a lead is its client
    assert waterfall.loc[cl.IN_SCOPE, "deals_left"] == planted["leads"] - hygiene
