"""tests/shapes.py: seeded raw exports written as the public datasets they imitate."""

import gzip
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from shapes import (ACTIVITIES, FINAL_A, LEAD_GROUPS, NEGATED_WORDINGS, SUBSCRIPTION_GROUPS, THEMES,
                    TRANSACTION_GROUPS, event_log, leads, subscriptions, tile_event_log, transactions)

SIZES = {"leads": 1000, "subscriptions": 800, "transactions": 300, "event_log": 250}
XES = "{http://www.xes-standard.org/}"


def _make(folder, seed_shift=0):
    """All four shapes at test sizes into ``folder``; their truths by name."""
    return {
        "leads": leads(folder, n=SIZES["leads"], seed=7 + seed_shift),
        "subscriptions": subscriptions(folder, n=SIZES["subscriptions"], seed=11 + seed_shift),
        "transactions": transactions(folder, customers=SIZES["transactions"], seed=13 + seed_shift),
        "event_log": event_log(folder, cases=SIZES["event_log"], seed=17 + seed_shift),
    }


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The shapes written once: (folder, truths)."""
    folder = tmp_path_factory.mktemp("shapes")
    return folder, _make(folder)


def _read(folder, name, **kwargs):
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False, **kwargs)


def test_same_seed_same_bytes_other_seed_other_bytes(made, tmp_path):
    folder, _ = made
    _make(tmp_path / "again")
    _make(tmp_path / "other", seed_shift=1)
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["applications.csv", "applications.xes", "applications.xes.gz", "bank.csv",
                     "customers.csv", "purchases.txt", "reviews.csv"]
    for name in names:
        assert (tmp_path / "again" / name).read_bytes() == (folder / name).read_bytes(), name
        assert (tmp_path / "other" / name).read_bytes() != (folder / name).read_bytes(), name


def test_bank_csv(made):
    folder, truth = made
    raw = (folder / "bank.csv").read_bytes()
    lines = raw.decode("utf-8").split("\n")
    assert b"\r" not in raw and lines[-1] == ""
    assert lines[0] == ('"age";"job";"marital";"education";"default";"balance";"housing";"loan";'
                        '"contact";"campaign";"pdays";"previous";"poutcome";"y"')
    row = re.compile(r'^\d+;("[a-z.-]+";){4}-?\d+;("[a-z]+";){3}\d+;-?\d+;\d+;"[a-z]+";"(yes|no)"$')
    assert all(row.match(line) for line in lines[1:-1])

    bank = pd.read_csv(folder / "bank.csv", sep=";")
    leads_truth = truth["leads"]
    assert len(bank) == len(leads_truth) == SIZES["leads"]
    assert bank["age"].dtype.kind == bank["balance"].dtype.kind == "i"
    assert (bank["y"] == leads_truth["y"]).all() and (bank["contact"] == leads_truth["contact"]).all()
    assert set(bank["contact"]) == {"cellular", "telephone", "unknown"}
    assert set(bank["marital"]) <= {"married", "single", "divorced"}
    assert bank["campaign"].between(1, 20).all() and bank["previous"].between(0, 7).all()
    assert ((bank["pdays"] == -1) == (bank["previous"] == 0)).all()
    assert ((bank["poutcome"] == "unknown") == (bank["previous"] == 0)).all()
    assert (bank["balance"] < 0).any()

    group = leads_truth["group"]
    shares = group.value_counts(normalize=True)
    assert abs(shares["students"] - 0.25) < 0.06 and abs(shares["workers"] - 0.5) < 0.06
    assert bank.loc[group == "retired", "age"].between(60, 85).all()
    assert (bank.loc[group == "workers", "housing"] == "yes").all()
    rate = (bank["y"] == "yes").groupby(group).mean()
    assert rate["workers"] < 0.12 < rate["students"] and rate["workers"] < rate["retired"]
    by_contact = (bank["y"] == "yes").groupby(bank["contact"]).mean()
    assert by_contact["cellular"] > by_contact["unknown"]
    assert set(group) == set(LEAD_GROUPS)


def test_customers_csv(made):
    folder, truth = made
    raw = (folder / "customers.csv").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") == SIZES["subscriptions"] + 1
    customers = _read(folder, "customers.csv")
    assert customers.columns[0] == "customerID" and customers.columns[-1] == "Churn"
    assert len(customers.columns) == 21
    assert customers["customerID"].str.fullmatch(r"\d{4}-[A-Z]{5}").all()
    assert customers["customerID"].is_unique
    assert (customers["customerID"] == truth["subscriptions"]["customerID"]).all()

    tenure = customers["tenure"].astype(int)
    blank = customers["TotalCharges"] == " "
    assert blank.any() and (blank == (tenure == 0)).all()
    assert customers["MonthlyCharges"].str.fullmatch(r"\d+\.\d\d").all()
    assert customers.loc[~blank, "TotalCharges"].str.fullmatch(r"\d+\.\d\d").all()
    monthly = customers["MonthlyCharges"].astype(float)
    total = pd.to_numeric(customers["TotalCharges"], errors="coerce")
    assert ((total / (tenure * monthly))[~blank] - 1).abs().max() < 0.1
    no_internet = customers["InternetService"] == "No"
    for add_on in ["OnlineSecurity", "TechSupport", "StreamingMovies"]:
        assert ((customers[add_on] == "No internet service") == no_internet).all()
    assert ((customers["MultipleLines"] == "No phone service") == (customers["PhoneService"] == "No")).all()

    group = truth["subscriptions"]["group"]
    assert (group[tenure == 0] == "new fiber").all()
    assert abs(group.value_counts(normalize=True)["new fiber"] - 0.4) < 0.06
    assert ((customers["Churn"] == "Yes") == truth["subscriptions"]["churn"]).all()
    churn = truth["subscriptions"]["churn"].groupby(group).mean()
    assert churn["new fiber"] > 0.35 and churn["loyal DSL"] < 0.1 and churn["phone only"] < 0.2
    assert set(group) == set(SUBSCRIPTION_GROUPS)


def test_purchases_txt(made):
    folder, truth = made
    lines = (folder / "purchases.txt").read_text(encoding="utf-8").split("\n")
    assert lines[0] == "customer_id date quantity amount"
    assert all(re.fullmatch(r" \d{5} \d{8} +\d+ +\d+\.\d\d", line) for line in lines[1:-1])
    purchases = pd.read_csv(folder / "purchases.txt", sep=r"\s+", dtype=str)
    assert list(purchases.columns) == ["customer_id", "date", "quantity", "amount"]
    assert purchases["customer_id"].str.fullmatch(r"\d{5}").all() and purchases["customer_id"].iloc[0] == "00001"
    date = pd.to_datetime(purchases["date"], format="%Y%m%d")
    assert date.between("1997-01-01", "1998-06-30").all()
    key = purchases["customer_id"] + purchases["date"]
    assert key.is_monotonic_increasing

    customers = truth["transactions"]["customers"].set_index("customer_id")
    counts = purchases.groupby("customer_id").size()
    assert (counts == customers["purchases"]).all()
    spent = purchases["amount"].astype(float).groupby(purchases["customer_id"]).sum().round(2)
    assert np.allclose(spent, customers["total_amount"])
    assert (date.groupby(purchases["customer_id"]).max() == customers["last_purchase"]).all()
    group = customers["group"].reindex(purchases["customer_id"]).to_numpy()
    assert (date[group == "big spenders"] >= "1998-03-01").all()
    assert (customers.loc[customers["group"] == "one-time", "purchases"] == 1).all()
    assert abs(customers["group"].value_counts(normalize=True)["one-time"] - 0.5) < 0.08
    assert set(customers["group"]) == set(TRANSACTION_GROUPS)


def test_reviews_csv(made):
    folder, truth = made
    reviews = _read(folder, "reviews.csv")
    planted = truth["transactions"]["reviews"]
    assert list(reviews.columns) == ["review_id", "customer_id", "review_score", "review_comment_title",
                                     "review_comment_message", "review_creation_date"]
    assert (reviews["review_comment_message"] == planted["message"]).all()
    assert (reviews["customer_id"] == planted["customer_id"]).all()
    assert reviews["customer_id"].str.fullmatch(r"\d{5}").all()
    assert reviews["review_id"].str.fullmatch(r"[0-9a-f]{32}").all() and reviews["review_id"].is_unique
    assert reviews["review_creation_date"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert 0.3 < len(reviews) / SIZES["transactions"] < 0.5

    messages = reviews["review_comment_message"]
    assert messages.str.contains("não|ótima|rápid|preço", case=False).any()
    assert messages.str.contains("[ãáâéêíóôõúç]").mean() > 0.3
    assert messages.str.contains("\r\n").any()
    assert 0.05 < (messages == "").mean() < 0.3
    negated = {w for wordings in NEGATED_WORDINGS.values() for w in wordings}
    assert messages.map(lambda m: any(w in m for w in negated)).any()

    score = planted["score"]
    tones = planted["themes"].map(lambda themes: {THEMES[t][0] for t in themes})
    said_negated = messages.str.lower().map(lambda m: any(w.lower() in m for w in negated))
    assert (score[tones == {"negative"}] <= 2).all()
    assert (score[(tones == {"positive"}) & ~said_negated] >= 4).all()
    assert (score[(tones == {"positive"}) & said_negated] <= 3).all()

    purchases = pd.read_csv(folder / "purchases.txt", sep=r"\s+", dtype=str)
    bought = pd.to_datetime(purchases["date"], format="%Y%m%d")
    created = pd.to_datetime(reviews["review_creation_date"])
    for customer, when in zip(reviews["customer_id"], created):
        days = (when - bought[purchases["customer_id"] == customer]).dt.days
        assert days.between(2, 7).any()


def _final_a(events):
    return events[events["concept:name"].isin(FINAL_A)].groupby("case:concept:name")["concept:name"].last()


def test_applications_csv(made):
    folder, truth = made
    events = _read(folder, "applications.csv")
    planted = truth["event_log"]
    assert list(events.columns) == ["case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp",
                                    "org:resource", "case:AMOUNT_REQ", "case:REG_DATE"]
    assert events.equals(planted["events"].astype(str))
    assert set(events["concept:name"]) <= set(ACTIVITIES)

    stamp = events["time:timestamp"]
    assert stamp.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00").all()
    assert stamp.str.endswith("+01:00").any() and stamp.str.endswith("+02:00").any()
    utc = pd.to_datetime(stamp, format="ISO8601", utc=True)
    winter = (utc >= pd.Timestamp("2011-10-30 01:00", tz="UTC")) & (utc < pd.Timestamp("2012-03-25 01:00", tz="UTC"))
    assert (stamp.str.endswith("+01:00") == winter).all()
    case = events["case:concept:name"]
    assert (utc.groupby(case).diff().dropna() > pd.Timedelta(0)).all()
    assert case.astype(int).is_monotonic_increasing and case.iloc[0] == "173688"

    first = events.groupby(case).head(2)
    assert (first["concept:name"].to_numpy().reshape(-1, 2) == ["A_SUBMITTED", "A_PARTLYSUBMITTED"]).all()
    assert (first["org:resource"] == "112").all()
    assert (events.groupby(case)["time:timestamp"].first() == events.groupby(case)["case:REG_DATE"].first()).all()
    amount = events["case:AMOUNT_REQ"].astype(int)
    assert (amount % 500 == 0).all() and amount.between(5000, 50000).all()
    schedule = events["lifecycle:transition"] == "SCHEDULE"
    assert (events.loc[schedule, "org:resource"] == "").all()
    assert events.loc[~schedule, "org:resource"].str.fullmatch(r"112|\d{5}").all()
    work = events["concept:name"].str.startswith("W_")
    assert (events.loc[~work, "lifecycle:transition"] == "COMPLETE").all()
    assert set(events.loc[work, "lifecycle:transition"]) == {"SCHEDULE", "START", "COMPLETE"}


def test_event_log_outcomes(made):
    _, truth = made
    events, cases = truth["event_log"]["events"], truth["event_log"]["cases"].set_index("case")
    case = events["case:concept:name"]
    final = _final_a(events).reindex(cases.index)
    outcome = cases["outcome"]
    assert (final[outcome == "declined"] == "A_DECLINED").all()
    assert (final[outcome == "cancelled"] == "A_CANCELLED").all()
    assert (final[outcome == "approved"] == "A_APPROVED").all()
    assert final[outcome == "open"].isna().all()
    has = events.groupby(case)["concept:name"].agg(set)
    approved = has[outcome.index[outcome == "approved"]]
    assert approved.map(lambda s: {"A_REGISTERED", "A_ACTIVATED", "O_ACCEPTED"} <= s).all()
    offered = has.map(lambda s: "O_SENT" in s)
    declined, cancelled = outcome == "declined", outcome == "cancelled"
    assert (has[declined & offered].map(lambda s: "O_DECLINED" in s)).all()
    assert (has[cancelled & offered].map(lambda s: "O_CANCELLED" in s)).all()

    last = events.groupby(case)["concept:name"].last()
    assert last.str.startswith("W_").mean() > 0.2
    early = has[declined].map(lambda s: "A_PREACCEPTED" not in s).mean()
    assert 0.45 < early < 0.75
    shares = outcome.value_counts(normalize=True)
    for name, share in {"approved": 0.17, "declined": 0.5, "cancelled": 0.25, "open": 0.08}.items():
        assert abs(shares[name] - share) < 0.08, name
    start = pd.to_datetime(events.groupby(case)["case:REG_DATE"].first(), format="ISO8601", utc=True)
    assert (start[outcome.index[outcome == "open"]] > pd.Timestamp("2012-03-02", tz="UTC")).all()
    assert start.min() >= pd.Timestamp("2011-09-30 22:00", tz="UTC")


def test_xes(made):
    folder, truth = made
    xes = (folder / "applications.xes").read_bytes()
    assert xes.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n')
    assert gzip.decompress((folder / "applications.xes.gz").read_bytes()) == xes
    root = ET.fromstring(xes)
    assert root.tag == XES + "log" and root.get("xes.version") == "1.0"
    assert {e.get("name") for e in root.iter(XES + "extension")} == {"Lifecycle", "Organizational", "Time",
                                                                        "Concept"}
    traces = root.findall(XES + "trace")
    events = truth["event_log"]["events"]
    assert len(traces) == events["case:concept:name"].nunique()
    assert sum(len(t.findall(XES + "event")) for t in traces) == len(events)

    rows = []
    for trace in traces:
        attributes = {a.get("key"): a.get("value") for a in trace if a.tag != XES + "event"}
        for event in trace.iter(XES + "event"):
            values = {a.get("key"): a.get("value") for a in event}
            rows.append([attributes["concept:name"], values["concept:name"], values["lifecycle:transition"],
                         values["time:timestamp"], values.get("org:resource", ""), attributes["AMOUNT_REQ"],
                         attributes["REG_DATE"]])
    assert pd.DataFrame(rows, columns=events.columns).equals(events.astype(str))


@pytest.mark.filterwarnings("ignore:Install the optional requirement")
def test_pm4py_reads_xes(made):
    pm4py = pytest.importorskip("pm4py")
    folder, truth = made
    log = pm4py.read_xes(str(folder / "applications.xes"))
    events = truth["event_log"]["events"]
    assert len(log) == len(events)
    assert set(log["case:concept:name"]) == set(events["case:concept:name"])
    assert log["concept:name"].value_counts().sort_index().equals(
        events["concept:name"].value_counts().sort_index())


def test_tile_event_log(made):
    _, truth = made
    events = truth["event_log"]["events"]
    tiled = tile_event_log(events, 3)
    assert len(tiled) == 3 * len(events)
    assert tiled["case:concept:name"].nunique() == 3 * events["case:concept:name"].nunique()
    assert tiled["case:concept:name"].astype(int).is_monotonic_increasing
    third = tiled.iloc[2 * len(events):].reset_index(drop=True)
    assert (third["case:concept:name"].astype(int) == events["case:concept:name"].astype(int) + 2_000_000).all()
    assert third.drop(columns="case:concept:name").equals(events.drop(columns="case:concept:name"))
    numeric = events.assign(**{"case:concept:name": events["case:concept:name"].astype(int)})
    assert tile_event_log(numeric, 2)["case:concept:name"].max() == numeric["case:concept:name"].max() + 1_000_000
    assert tile_event_log(events, 1).equals(events)
