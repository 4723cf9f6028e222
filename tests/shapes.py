"""Seeded imitations of four raw client exports, for testing that intake reads real-world files.

Consultants receive whatever a client's system exports. Each generator below writes a
small, realistic export of one shape, byte for byte in the file format of the public
dataset it imitates, and returns the truth planted in it:

:func:`leads`
    A bank's marketing lead list, like UCI "Bank Marketing" ``bank-full.csv``:
    ``;``-separated, header and text values double-quoted, numbers bare, no id and no
    date column. Three customer groups convert at different rates.
:func:`subscriptions`
    Telco subscription customers, like IBM "Telco Customer Churn": comma-separated with
    CRLF line ends, ``TotalCharges`` a single blank space for customers of tenure 0.
    Three customer groups churn at different rates.
:func:`transactions`
    A purchase log like ``CDNOW_master.txt`` (whitespace-separated, right-aligned
    columns, zero-padded customer ids) and product reviews in Portuguese like the Olist
    order reviews (quoted CSV, accents, line breaks inside messages, themes said in
    different words, negated praise). Three customer groups buy differently.
:func:`event_log`
    A loan-application process log like BPI Challenge 2012, as CSV and as XES (plain and
    gzipped): work items with SCHEDULE/START/COMPLETE, automatic and human resources,
    timestamps with mixed UTC offsets, work items after the final decision, open cases.
    :func:`tile_event_log` repeats a log under fresh case ids for benchmarks.

Everything is drawn from one ``np.random.default_rng(seed)`` per call: the same seed and
size give byte-identical files.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

# --- 1. leads (UCI bank marketing) ----------------------------------------------------

LEAD_GROUPS = ["students", "workers", "retired"]
LEAD_SHARES = [0.25, 0.5, 0.25]
#: Conversion probability by group, multiplied by CONTACT_LIFT; a previous success converts at 0.65.
LEAD_CONVERSION = np.array([0.25, 0.06, 0.30])
CONTACTS = ["cellular", "telephone", "unknown"]
CONTACT_LIFT = np.array([1.3, 1.0, 0.4])
OTHER_JOBS = ["admin.", "entrepreneur", "housemaid", "management", "self-employed", "services",
              "unemployed", "unknown"]
WORKER_JOBS = ["blue-collar", "technician", "services", "admin."]
EDUCATIONS = ["primary", "secondary", "tertiary", "unknown"]
EDUCATION_P = [[0.02, 0.48, 0.45, 0.05], [0.25, 0.60, 0.10, 0.05], [0.45, 0.30, 0.15, 0.10]]


def leads(folder, n: int = 2000, seed: int = 7) -> pd.DataFrame:
    """Write a bank's marketing lead list as UCI "bank marketing" ``bank-full.csv`` is written.

    Parameters
    ----------
    folder : str or Path
        Folder to write ``bank.csv`` into (created if missing).
    n : int
        Number of leads (rows).
    seed : int
        Seed of the random generator.

    Returns
    -------
    pd.DataFrame
        One row per written row, in the same order: ``group`` (students, workers, retired),
        ``y`` (yes/no, as written) and ``contact`` (as written).

    Notes
    -----
    ``bank.csv``: ``;``-separated, LF, UTF-8, header and text values double-quoted,
    numbers bare. Students are 18-27, mostly ``student``, single, balance 0-1500, no
    housing loan; workers 30-55, blue-collar/technician/services/admin., married, housing
    loan, balance 0-4000; retired 60-85, married or divorced, balance 2000-20000, no housing
    loan. About 3% of students and workers are overdrawn (negative balance). Conversion is
    0.25 / 0.06 / 0.30 by group, x1.3 on a cellular contact, x0.4 on an unknown one, and
    0.65 whenever the previous campaign succeeded.
    """
    rng = np.random.default_rng(seed)
    group = rng.choice(3, size=n, p=LEAD_SHARES)

    def by_group(students, workers, retired):
        return np.select([group == 0, group == 1], [students, workers], retired)

    age = by_group(rng.integers(18, 28, n), rng.integers(30, 56, n), rng.integers(60, 86, n))
    job = by_group(np.where(rng.random(n) < 0.8, "student", rng.choice(OTHER_JOBS, n)),
                   rng.choice(WORKER_JOBS, n, p=[0.35, 0.3, 0.15, 0.2]), "retired")
    marital = by_group("single", "married", rng.choice(["married", "divorced"], n, p=[0.7, 0.3]))
    education = by_group(*(rng.choice(EDUCATIONS, n, p=p) for p in EDUCATION_P))
    balance = by_group(rng.integers(0, 1501, n), rng.integers(0, 4001, n), rng.integers(2000, 20001, n))
    overdrawn = (group != 2) & (rng.random(n) < 0.03)
    balance = np.where(overdrawn, -rng.integers(1, 2001, n), balance)
    loan = rng.random(n) < np.array([0.05, 0.2, 0.05])[group]
    contact = rng.choice(3, n, p=[0.65, 0.07, 0.28])
    campaign = np.minimum(rng.geometric(0.4, n), 20)
    previous = np.where(rng.random(n) < 0.8, 0, np.minimum(rng.geometric(0.5, n), 7))
    pdays = np.where(previous == 0, -1, rng.integers(1, 401, n))
    poutcome = np.where(previous == 0, "unknown",
                        rng.choice(["failure", "other", "success"], n, p=[0.6, 0.22, 0.18]))
    p_yes = np.where(poutcome == "success", 0.65, LEAD_CONVERSION[group] * CONTACT_LIFT[contact])
    y = np.where(rng.random(n) < p_yes, "yes", "no")

    yes_no = np.array(["no", "yes"])
    table = pd.DataFrame({
        "age": age, "job": job, "marital": marital, "education": education,
        "default": yes_no[(rng.random(n) < 0.02).astype(int)], "balance": balance,
        "housing": yes_no[(group == 1).astype(int)], "loan": yes_no[loan.astype(int)],
        "contact": np.array(CONTACTS)[contact], "campaign": campaign, "pdays": pdays,
        "previous": previous, "poutcome": poutcome, "y": y,
    })
    text = table.to_csv(sep=";", index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    _write(Path(folder) / "bank.csv", text.encode("utf-8"))
    return pd.DataFrame({"group": np.array(LEAD_GROUPS)[group], "y": y, "contact": table["contact"]})


# --- 2. subscriptions (IBM Telco customer churn) --------------------------------------

SUBSCRIPTION_GROUPS = ["new fiber", "loyal DSL", "phone only"]
SUBSCRIPTION_SHARES = [0.4, 0.35, 0.25]
CHURN = np.array([0.5, 0.03, 0.08])
#: Share of "new fiber" customers of tenure 0 (about 1% of all rows).
TENURE_ZERO = 0.025
ADD_ONS = ["OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport", "StreamingTV",
           "StreamingMovies"]
CONTRACTS = ["Month-to-month", "One year", "Two year"]
PAYMENTS = ["Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"]
PAYMENT_P = [[0.55, 0.15, 0.15, 0.15], [0.1, 0.2, 0.35, 0.35], [0.2, 0.45, 0.2, 0.15]]
LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def subscriptions(folder, n: int = 1500, seed: int = 11) -> pd.DataFrame:
    """Write telco subscription customers as IBM "Telco customer churn" is written.

    Parameters
    ----------
    folder : str or Path
        Folder to write ``customers.csv`` into (created if missing).
    n : int
        Number of customers (rows).
    seed : int
        Seed of the random generator.

    Returns
    -------
    pd.DataFrame
        One row per written row, in the same order: ``customerID``, ``group`` (new fiber,
        loyal DSL, phone only) and ``churn`` (bool).

    Notes
    -----
    ``customers.csv``: comma-separated, CRLF, UTF-8, unquoted. MonthlyCharges are
    multiples of 0.05 written with two decimals; TotalCharges is tenure x MonthlyCharges
    with 2% noise, and a single space when tenure is 0 (only "new fiber" customers,
    about 1% of rows). New fiber: tenure 1-12, Month-to-month, Fiber optic, 70-105 a
    month, churn 0.5; loyal DSL: tenure 40-72, Two year, DSL, 40-70, churn 0.03; phone
    only: tenure 10-60, any contract, no internet, 18-26, churn 0.08.
    """
    rng = np.random.default_rng(seed)
    group = rng.choice(3, size=n, p=SUBSCRIPTION_SHARES)

    def by_group(new_fiber, loyal_dsl, phone_only):
        return np.select([group == 0, group == 1], [new_fiber, loyal_dsl], phone_only)

    def yes_no(p_yes_by_group):
        return np.where(rng.random(n) < np.asarray(p_yes_by_group)[group], "Yes", "No")

    tenure = by_group(rng.integers(1, 13, n), rng.integers(40, 73, n), rng.integers(10, 61, n))
    tenure = np.where((group == 0) & (rng.random(n) < TENURE_ZERO), 0, tenure)
    internet = np.array(["Fiber optic", "DSL", "No"])[group]
    contract = by_group("Month-to-month", "Two year", rng.choice(CONTRACTS, n, p=[0.45, 0.25, 0.3]))
    monthly = by_group(rng.uniform(70, 105, n), rng.uniform(40, 70, n), rng.uniform(18, 26, n))
    monthly = np.round(monthly * 20) / 20
    total = np.round(tenure * monthly * (1 + rng.normal(0, 0.02, n)), 2)
    phone = yes_no([0.92, 0.8, 1.0])
    multiple = np.where(phone == "No", "No phone service", yes_no([0.45, 0.45, 0.45]))
    table = pd.DataFrame({
        "customerID": _unique_customer_ids(rng, n),
        "gender": rng.choice(["Female", "Male"], n),
        "SeniorCitizen": (rng.random(n) < np.array([0.25, 0.12, 0.05])[group]).astype(int),
        "Partner": yes_no([0.35, 0.7, 0.5]),
        "Dependents": yes_no([0.15, 0.45, 0.35]),
        "tenure": tenure, "PhoneService": phone, "MultipleLines": multiple,
        "InternetService": internet,
        **{name: np.where(internet == "No", "No internet service", yes_no([0.3, 0.6, 0.0]))
           for name in ADD_ONS},
        "Contract": contract,
        "PaperlessBilling": yes_no([0.75, 0.5, 0.35]),
        "PaymentMethod": by_group(*(rng.choice(PAYMENTS, n, p=p) for p in PAYMENT_P)),
        "MonthlyCharges": np.char.mod("%.2f", monthly),
        "TotalCharges": np.where(tenure == 0, " ", np.char.mod("%.2f", total)),
    })
    churn = rng.random(n) < CHURN[group]
    table["Churn"] = np.where(churn, "Yes", "No")
    _write(Path(folder) / "customers.csv", table.to_csv(index=False, lineterminator="\r\n").encode("utf-8"))
    return pd.DataFrame({"customerID": table["customerID"], "group": np.array(SUBSCRIPTION_GROUPS)[group],
                         "churn": churn})


def _unique_customer_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct ids like ``7590-VHVEG``: 4 digits, a dash, 5 upper-case letters."""
    ids = np.empty(n, dtype=object)
    todo = np.arange(n)
    while todo.size:
        digits = np.char.zfill(rng.integers(0, 10_000, todo.size).astype(str), 4)
        letters = LETTERS[rng.integers(0, 26, (todo.size, 5))]
        ids[todo] = [f"{d}-{''.join(word)}" for d, word in zip(digits, letters)]
        todo = np.flatnonzero(pd.Series(ids).duplicated().to_numpy())
    return ids


# --- 3. transactions (CDNOW purchases + Olist reviews) --------------------------------

TRANSACTION_GROUPS = ["one-time", "regular", "big spenders"]
TRANSACTION_SHARES = [0.5, 0.35, 0.15]
PERIOD_START = np.datetime64("1997-01-01")
PERIOD_DAYS = int((np.datetime64("1998-06-30") - PERIOD_START) / np.timedelta64(1, "D")) + 1
EARLY_DAYS = 90  # one-time buyers buy in Q1 1997
LAST_4_MONTHS = int((np.datetime64("1998-03-01") - PERIOD_START) / np.timedelta64(1, "D"))
REVIEW_SHARE = 0.4
EMPTY_MESSAGE = 0.15
NEGATED = 0.25  # share of positive-theme mentions said negatively ("Não gostei da qualidade.")

#: Review themes: tone and wordings; positive themes also have negated wordings.
THEMES = {
    "atraso": ("negative", [
        "O produto ainda não chegou.", "A entrega atrasou muito, fiquei decepcionado.",
        "Demorou demais para chegar.", "Já passou do prazo e nada de chegar.",
        "Comprei há um mês e até agora não recebi."]),
    "entrega rápida": ("positive", [
        "Chegou antes do prazo, muito rápido!", "Entrega rápida e produto bem embalado.",
        "Recebi bem antes da data prevista.", "Entrega super rápida, parabéns."]),
    "defeito": ("negative", [
        "Veio com defeito.", "O produto chegou quebrado.", "Não funciona, veio faltando peça.",
        "Chegou danificado, a tampa está rachada."]),
    "qualidade": ("positive", [
        "Produto de ótima qualidade, recomendo.", "Excelente qualidade.",
        "Material muito bom, acabamento perfeito.", "A qualidade superou minhas expectativas."]),
    "atendimento": ("negative", [
        "O atendimento não respondeu meus e-mails.", "Ninguém respondeu minhas mensagens.",
        "Liguei várias vezes e o atendimento não resolveu nada.", "Péssimo atendimento da loja."]),
    "preço": ("positive", [
        "Preço justo, valeu a pena.", "Ótimo custo-benefício.", "Barato e bom, compraria de novo."]),
}
NEGATED_WORDINGS = {
    "entrega rápida": ["A entrega não foi rápida como prometido.", "Não achei a entrega rápida."],
    "qualidade": ["Não gostei da qualidade.", "A qualidade não é boa, material fraco."],
    "preço": ["Não valeu o preço que paguei.", "O preço não compensa."],
}
TITLES = {
    "positive": ["Recomendo", "Ótimo produto", "Muito bom", "Super recomendo"],
    "mixed": ["Razoável", "Mais ou menos"],
    "negative": ["Não recomendo", "Péssimo", "Decepcionado"],
}
#: Scores of reviews without a message (Olist's overall distribution).
SILENT_SCORE_P = [0.11, 0.03, 0.08, 0.19, 0.59]


def transactions(folder, customers: int = 500, seed: int = 13) -> dict:
    """Write a purchase log as ``CDNOW_master.txt`` and reviews as the Olist order reviews.

    Parameters
    ----------
    folder : str or Path
        Folder to write ``purchases.txt`` and ``reviews.csv`` into (created if missing).
    customers : int
        Number of customers (ids ``00001`` upwards).
    seed : int
        Seed of the random generator.

    Returns
    -------
    dict
        ``customers``: DataFrame of ``customer_id`` (5-digit text), ``group`` (one-time,
        regular, big spenders), ``purchases``, ``total_amount`` and ``last_purchase``
        (datetime64, a date). ``reviews``: DataFrame, in written order, of ``review_id``,
        ``customer_id``, ``score``, ``themes`` (list of keys of :data:`THEMES`, empty for an
        empty message) and ``message`` (as written, "" when empty).

    Notes
    -----
    ``purchases.txt``: header ``customer_id date quantity amount``, then lines like
    `` 00001 19970101   1    11.77`` (LF), sorted by customer and date, within
    1997-01-01..1998-06-30. One-time buyers buy once in Q1 1997 for 5-30; regulars 4-12
    times over the whole period for 10-60; big spenders 2-5 times in the last 4 months
    for 80-300.

    ``reviews.csv``: pandas' standard CSV (LF, minimal quoting, so messages with a comma
    or a line break are quoted); about 40% of customers review once, 2-7 days after one
    of their purchases (``review_creation_date`` at midnight, as in Olist). A message
    says 1-2 themes in one of several wordings; a positive theme is negated a quarter of
    the time; about 15% of messages are empty, some are all lower case and some break
    the line (CRLF) between sentences, as Olist's do. Score 1-2 when every mention is
    negative, 4-5 when every one is positive, 3 when mixed.
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    group = rng.choice(3, size=customers, p=TRANSACTION_SHARES)
    count = np.select([group == 0, group == 1], [1, rng.integers(4, 13, customers)],
                      rng.integers(2, 6, customers))
    owner = np.repeat(np.arange(customers), count)
    row_group = group[owner]
    m = owner.size
    day = np.select([row_group == 0, row_group == 1],
                    [rng.integers(0, EARLY_DAYS, m), rng.integers(0, PERIOD_DAYS, m)],
                    rng.integers(LAST_4_MONTHS, PERIOD_DAYS, m))
    amount = np.select([row_group == 0, row_group == 1],
                       [rng.uniform(5, 30, m), rng.uniform(10, 60, m)], rng.uniform(80, 300, m))
    amount = np.round(amount, 2)
    quantity = np.minimum(rng.geometric(np.array([0.6, 0.5, 0.3])[row_group]), 10)
    order = np.lexsort((day, owner))
    owner, day, amount, quantity = owner[order], day[order], amount[order], quantity[order]

    ids = np.char.zfill((np.arange(customers) + 1).astype(str), 5)
    dates = (PERIOD_START + day.astype("timedelta64[D]")).astype(str)
    yyyymmdd = np.char.replace(dates, "-", "")
    lines = [f" {c} {d} {q:>3d} {a:>8.2f}\n" for c, d, q, a in zip(ids[owner], yyyymmdd, quantity, amount)]
    _write(folder / "purchases.txt", ("customer_id date quantity amount\n" + "".join(lines)).encode("utf-8"))

    purchases = pd.DataFrame({"owner": owner, "day": day, "amount": amount})
    per_customer = purchases.groupby("owner").agg(purchases=("day", "size"), total=("amount", "sum"),
                                                  last=("day", "max"))
    truth = pd.DataFrame({
        "customer_id": ids, "group": np.array(TRANSACTION_GROUPS)[group],
        "purchases": per_customer["purchases"].to_numpy(),
        "total_amount": per_customer["total"].round(2).to_numpy(),
        "last_purchase": pd.to_datetime(PERIOD_START + per_customer["last"].to_numpy().astype("timedelta64[D]")),
    })
    reviews = _reviews(rng, ids, owner, day)
    written = reviews.drop(columns="themes").rename(columns={"score": "review_score",
                                                             "message": "review_comment_message"})
    _write(folder / "reviews.csv", written.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return {"customers": truth, "reviews": reviews[["review_id", "customer_id", "score", "themes", "message"]]}


def _reviews(rng: np.random.Generator, ids: np.ndarray, owner: np.ndarray, day: np.ndarray) -> pd.DataFrame:
    """One review by about 40% of customers, in a shuffled order, with their planted themes."""
    first_row = np.searchsorted(owner, np.arange(ids.size))
    n_rows = np.diff(np.append(first_row, owner.size))
    rows = []
    for customer in np.flatnonzero(rng.random(ids.size) < REVIEW_SHARE):
        bought = day[first_row[customer] + rng.integers(n_rows[customer])]
        created = PERIOD_START + np.timedelta64(int(bought + rng.integers(2, 8)), "D")
        themes, message, score = _review_text(rng)
        tone = "positive" if score >= 4 else "negative" if score <= 2 else "mixed"
        title = rng.choice(TITLES[tone]) if rng.random() < 0.4 else ""
        rows.append({"review_id": rng.bytes(16).hex(), "customer_id": ids[customer], "score": score,
                     "review_comment_title": title, "message": message,
                     "review_creation_date": f"{created} 00:00:00", "themes": themes})
    table = pd.DataFrame(rows)
    table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
    return table[["review_id", "customer_id", "score", "review_comment_title", "message",
                  "review_creation_date", "themes"]]


def _review_text(rng: np.random.Generator) -> tuple[list[str], str, int]:
    """Themes, message and score of one review (no themes and "" for an empty message)."""
    if rng.random() < EMPTY_MESSAGE:
        return [], "", int(rng.choice(5, p=SILENT_SCORE_P)) + 1
    keys = list(THEMES)
    themes = [keys[i] for i in rng.choice(len(keys), size=1 + int(rng.random() < 0.35), replace=False)]
    sentences, tones = [], set()
    for theme in themes:
        tone, wordings = THEMES[theme]
        if theme in NEGATED_WORDINGS and rng.random() < NEGATED:
            tone, wordings = "negative", NEGATED_WORDINGS[theme]
        sentences.append(wordings[rng.integers(len(wordings))])
        tones.add(tone)
    message = ("\r\n" if rng.random() < 0.1 else " ").join(sentences)
    if rng.random() < 0.15:
        message = message.lower()
    score = 3 if len(tones) > 1 else int(rng.integers(4, 6) if tones == {"positive"} else rng.integers(1, 3))
    return themes, message, score


# --- 4. event log (BPI Challenge 2012) ------------------------------------------------

OUTCOMES = ["approved", "declined", "cancelled", "open"]
OUTCOME_SHARES = [0.17, 0.50, 0.25, 0.08]
#: Where a decline happens; "automatic" and "leads" are the early ones (60%).
DECLINE_STAGES = ["automatic", "leads", "preaccepted", "accepted", "validated"]
DECLINE_P = [0.42, 0.18, 0.16, 0.08, 0.16]
CANCEL_STAGES = ["preaccepted", "sent"]
CANCEL_P = [0.55, 0.45]
APPROVAL = ["A_APPROVED", "A_REGISTERED", "A_ACTIVATED", "O_ACCEPTED"]
FINAL_A = ["A_APPROVED", "A_DECLINED", "A_CANCELLED"]
ACTIVITIES = [
    "A_SUBMITTED", "A_PARTLYSUBMITTED", "A_PREACCEPTED", "A_ACCEPTED", "A_FINALIZED", "A_APPROVED",
    "A_REGISTERED", "A_ACTIVATED", "A_DECLINED", "A_CANCELLED", "O_SELECTED", "O_CREATED", "O_SENT",
    "O_SENT_BACK", "O_ACCEPTED", "O_DECLINED", "O_CANCELLED", "W_Afhandelen leads",
    "W_Completeren aanvraag", "W_Nabellen offertes", "W_Valideren aanvraag",
    "W_Nabellen incomplete dossiers", "W_Beoordelen fraude", "W_Wijzigen contractgegevens",
]
FIRST_CASE = 173688
AUTOMATIC = "112"
RESOURCES = np.array(["10862", "10913", "11049", "10629", "10609", "10809", "11019", "10899",
                      "10972", "11169", "10188", "10912"])
RESOURCE_P = 1 / np.arange(1, 13) ** 0.7 / (1 / np.arange(1, 13) ** 0.7).sum()
STAFF, NOBODY = "staff", ""
#: Gap before an event, by kind: (median seconds, sigma of its logarithm).
GAPS = {"auto": (0.5, 1.0), "work": (240.0, 1.0), "queue": (3 * 3600.0, 1.5),
        "customer": (2 * 86400.0, 0.8)}
TRAILING = 0.5  # a decision taken while a work item is open: the item completes after it
FRAUD_CHECK = 0.04
LEADS_FIRST = 0.3
INCOMPLETE_DOSSIER = 0.3
CONTRACT_CHANGE = 0.12
MS = np.timedelta64(1, "ms")
#: Case starts (UTC): Amsterdam midnight 2011-10-01 .. 2012-03-14; open cases in the last 10 days.
CASES_FROM = np.datetime64("2011-09-30T22:00", "ms")
CASES_UNTIL = np.datetime64("2012-03-13T23:00", "ms")
OPEN_FROM = CASES_UNTIL - np.timedelta64(10, "D")
#: The export's end: later events are not in the log, and a case decided later is open in it.
LOG_END = CASES_UNTIL + np.timedelta64(1, "D")
#: The events that decide a case of each planted outcome (the first of them counts).
DECIDING = {"approved": ("A_APPROVED", "A_REGISTERED", "A_ACTIVATED"), "declined": ("A_DECLINED",),
            "cancelled": ("A_CANCELLED",)}
#: Europe/Amsterdam: UTC moments of clock changes and the UTC offset (hours) from each on.
DST_SWITCHES = np.array(["2011-10-30T01:00", "2012-03-25T01:00", "2012-10-28T01:00"], dtype="datetime64[ms]")
DST_OFFSETS = np.array([2, 1, 2, 1])
EVENT_COLUMNS = ["case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp",
                 "org:resource", "case:AMOUNT_REQ", "case:REG_DATE"]
FORMATS = ("csv", "xes", "xes.gz")


def event_log(folder, cases: int = 400, seed: int = 17, formats=FORMATS) -> dict:
    """Write a loan-application event log as BPI Challenge 2012 is written, as CSV and/or XES.

    Parameters
    ----------
    folder : str or Path
        Folder to write ``applications.csv``, ``applications.xes`` and
        ``applications.xes.gz`` into (created if missing), as chosen by ``formats``.
    cases : int
        Number of cases (loan applications).
    seed : int
        Seed of the random generator.
    formats : iterable of str
        Any of ``"csv"``, ``"xes"``, ``"xes.gz"``.

    Returns
    -------
    dict
        ``events``: DataFrame with the CSV's columns and rows (``time:timestamp`` and
        ``case:REG_DATE`` as written text, ``org:resource`` "" when blank).
        ``cases``: DataFrame of ``case`` (6-digit text), ``outcome`` (approved, declined,
        cancelled, open) and ``amount`` (AMOUNT_REQ).

    Notes
    -----
    Case ids run from 173688 in order of the first event. Declines are automatic (by
    resource 112, right after A_PARTLYSUBMITTED), after a W_Afhandelen leads work item,
    after A_PREACCEPTED, after A_ACCEPTED, or after validation; cancellations after
    A_PREACCEPTED or after O_SENT. A decision taken while a work item is open is
    followed by that item's COMPLETE half of the time, and some approved cases get a
    W_Wijzigen contractgegevens afterwards, so many cases end with a work item. Open
    cases start in the last 10 days and stop before any final decision; the log ends a day
    after the last case starts (2012-03-15): later events are not in it, and a case decided
    later is open (its planted outcome says so). Timestamps carry
    Amsterdam's UTC offset of their moment (+02:00 before 2011-10-30 01:00 UTC, +01:00
    after, +02:00 again from 2012-03-25 01:00 UTC for the few cases running that late).
    The CSV is LF, minimally quoted; the XES follows OpenXES 1.0RC7, and the ``.xes.gz``
    is its gzip with mtime 0.
    """
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown formats {sorted(unknown)}; choose from {FORMATS}")
    rng = np.random.default_rng(seed)
    outcome = rng.choice(len(OUTCOMES), size=cases, p=OUTCOME_SHARES)
    is_open = outcome == OUTCOMES.index("open")
    span = int((CASES_UNTIL - CASES_FROM) / MS)
    open_span = int((CASES_UNTIL - OPEN_FROM) / MS)
    start = np.where(is_open, span - open_span + rng.integers(0, open_span, cases), rng.integers(0, span, cases))
    amount = np.clip(np.round(np.exp(rng.normal(np.log(12_000), 0.6, cases)) / 500), 10, 100).astype(int) * 500
    order = np.argsort(start, kind="stable")
    outcome, start, amount = outcome[order], start[order], amount[order]

    plans = [_plan_case(rng, OUTCOMES[o]) for o in outcome]
    lengths = np.array([len(p) for p in plans])
    case = np.repeat(np.arange(cases), lengths)
    activity, transition, gap_kind, who = (np.array(column) for column in zip(*(e for p in plans for e in p)))
    first = np.cumsum(lengths) - lengths

    gap = np.zeros(case.size, dtype=np.int64)
    for kind, (median, sigma) in GAPS.items():
        at = np.flatnonzero(gap_kind == kind)
        gap[at] = np.maximum(1, np.round(median * 1000 * np.exp(sigma * rng.standard_normal(at.size))))
    elapsed = np.cumsum(gap)
    moment = CASES_FROM + (start[case] + elapsed - elapsed[first][case]) * MS
    exported = moment <= LOG_END
    case, activity, transition, who, moment = (column[exported] for column in (case, activity, transition, who, moment))
    first = np.flatnonzero(np.r_[True, case[1:] != case[:-1]])
    planted = np.array(OUTCOMES, dtype=object)[outcome]
    decided = np.zeros(cases, dtype=bool)
    for name, events in DECIDING.items():
        decided[case[np.isin(activity, events) & (planted[case] == name)]] = True
    stamp = _amsterdam(moment)

    resource = np.where(who == STAFF, "", who).astype(object)
    staff = np.flatnonzero(who == STAFF)
    resource[staff] = rng.choice(RESOURCES, staff.size, p=RESOURCE_P)
    case_id = (FIRST_CASE + np.arange(cases)).astype(str)
    events = pd.DataFrame({
        "case:concept:name": case_id[case], "concept:name": activity, "lifecycle:transition": transition,
        "time:timestamp": stamp, "org:resource": resource, "case:AMOUNT_REQ": amount[case],
        "case:REG_DATE": stamp[first][case],
    })

    folder = Path(folder)
    if "csv" in formats:
        _write(folder / "applications.csv", events.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    if {"xes", "xes.gz"} & set(formats):
        xes = _xes(events, first)
        if "xes" in formats:
            _write(folder / "applications.xes", xes)
        if "xes.gz" in formats:
            _write(folder / "applications.xes.gz", gzip.compress(xes, mtime=0))
    truth = pd.DataFrame({"case": case_id, "outcome": np.where(decided, planted, "open"), "amount": amount})
    return {"events": events, "cases": truth}


class _Plan:
    """The events of one case in order, as (activity, lifecycle, gap kind, resource kind)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.events: list[tuple[str, str, str, str]] = []

    def add(self, activity: str, gap: str = "auto", transition: str = "COMPLETE", who: str = STAFF):
        """One event after a gap of kind ``gap`` (see :data:`GAPS`; ``"first"`` for none)."""
        self.events.append((activity, transition, gap, who))

    def schedule(self, item: str):
        """Put work item ``item`` in the queue (no resource)."""
        self.add(item, "auto", "SCHEDULE", NOBODY)

    def rounds(self, item: str, times: int, wait: str = "queue"):
        """Start and complete ``item`` ``times`` times."""
        for _ in range(times):
            self.add(item, wait, "START")
            self.add(item, "work", "COMPLETE")

    def work(self, item: str, times: int = 1):
        """A whole work item: scheduled, then started and completed ``times`` times."""
        self.schedule(item)
        self.rounds(item, times)

    def decide(self, item: str, decision: list[str], who: str = STAFF):
        """Take ``decision`` (events) while the started ``item`` is open; it completes before or after."""
        if self.rng.random() < FRAUD_CHECK:
            self.work("W_Beoordelen fraude")
        trailing = self.rng.random() < TRAILING
        if not trailing:
            self.add(item, "work", "COMPLETE")
        for i, activity in enumerate(decision):
            self.add(activity, "work" if i == 0 else "auto", who=who)
        if trailing:
            self.add(item, "work", "COMPLETE")


def _plan_case(rng: np.random.Generator, outcome: str) -> list[tuple[str, str, str, str]]:
    """The planned events of one case with the given outcome (see :func:`event_log`)."""
    plan = _Plan(rng)
    plan.add("A_SUBMITTED", "first", who=AUTOMATIC)
    plan.add("A_PARTLYSUBMITTED", who=AUTOMATIC)
    if outcome == "declined":
        stage = rng.choice(DECLINE_STAGES, p=DECLINE_P)
    elif outcome == "cancelled":
        stage = rng.choice(CANCEL_STAGES, p=CANCEL_P)
    else:
        stage = "approved"
    ending = "A_CANCELLED" if outcome == "cancelled" else "A_DECLINED"
    if stage == "automatic":
        plan.add("A_DECLINED", who=AUTOMATIC)
        return plan.events
    if stage == "leads" or rng.random() < LEADS_FIRST:
        plan.schedule("W_Afhandelen leads")
        plan.add("W_Afhandelen leads", "queue", "START")
        if stage == "leads":
            plan.decide("W_Afhandelen leads", [ending])
            return plan.events
        plan.add("W_Afhandelen leads", "work", "COMPLETE")
    plan.add("A_PREACCEPTED", "work")
    plan.schedule("W_Completeren aanvraag")
    plan.rounds("W_Completeren aanvraag", rng.geometric(0.6) - 1)
    plan.add("W_Completeren aanvraag", "queue", "START")
    if stage == "preaccepted":
        plan.decide("W_Completeren aanvraag", [ending])
        return plan.events
    plan.add("A_ACCEPTED", "work")
    if stage == "accepted":
        plan.decide("W_Completeren aanvraag", [ending])
        return plan.events
    for activity in ["O_SELECTED", "A_FINALIZED", "O_CREATED", "O_SENT"]:
        plan.add(activity)
    plan.schedule("W_Nabellen offertes")
    plan.add("W_Completeren aanvraag", "work", "COMPLETE")
    plan.rounds("W_Nabellen offertes", rng.integers(0, 3), wait="customer")
    plan.add("W_Nabellen offertes", "customer", "START")
    if stage == "sent":
        plan.decide("W_Nabellen offertes", list(rng.permutation(["A_CANCELLED", "O_CANCELLED"])))
        return plan.events
    plan.add("O_SENT_BACK", "work")
    plan.add("W_Nabellen offertes", "work", "COMPLETE")
    plan.schedule("W_Valideren aanvraag")
    plan.add("W_Valideren aanvraag", "queue", "START")
    if rng.random() < INCOMPLETE_DOSSIER:
        plan.add("W_Valideren aanvraag", "work", "COMPLETE")
        plan.work("W_Nabellen incomplete dossiers", rng.integers(1, 4))
        plan.add("W_Valideren aanvraag", "customer", "START")
    if stage == "validated":
        plan.decide("W_Valideren aanvraag", list(rng.permutation(["O_DECLINED", "A_DECLINED"])))
        return plan.events
    plan.decide("W_Valideren aanvraag", list(rng.permutation(APPROVAL)))
    if rng.random() < CONTRACT_CHANGE:
        plan.work("W_Wijzigen contractgegevens")
    if outcome == "open":
        decided = min(i for i, event in enumerate(plan.events) if event[0] in APPROVAL)
        return plan.events[:rng.integers(2, decided + 1)]
    return plan.events


def _amsterdam(moment: np.ndarray) -> np.ndarray:
    """UTC moments (datetime64[ms]) as ISO 8601 text with milliseconds and Amsterdam's offset."""
    hours = DST_OFFSETS[np.searchsorted(DST_SWITCHES, moment, side="right")]
    local = np.datetime_as_string(moment + hours * np.timedelta64(1, "h"), unit="ms")
    return np.char.add(local, np.char.add("+0", np.char.add(hours.astype(str), ":00"))).astype(object)


XES_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<!-- This file has been generated with the OpenXES library. It conforms -->
<!-- to the XML serialization of the XES standard for log storage and -->
<!-- management. -->
<!-- XES standard version: 1.0 -->
<!-- OpenXES library version: 1.0RC7 -->
<!-- OpenXES is available from http://www.openxes.org/ -->
<log xes.version="1.0" xes.features="nested-attributes" openxes.version="1.0RC7" xmlns="http://www.xes-standard.org/">
\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<global scope="trace">
\t\t<string key="concept:name" value="__INVALID__"/>
\t</global>
\t<global scope="event">
\t\t<string key="lifecycle:transition" value="complete"/>
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<date key="time:timestamp" value="1970-01-01T01:00:00.000+01:00"/>
\t</global>
\t<classifier name="MXML Legacy Classifier" keys="concept:name lifecycle:transition"/>
\t<classifier name="Event Name" keys="concept:name"/>
\t<classifier name="Resource" keys="org:resource"/>
\t<string key="source" value="Rapid Synthesizer"/>
\t<string key="concept:name" value="applications.xes"/>
\t<string key="lifecycle:model" value="standard"/>
"""


def _xes(events: pd.DataFrame, first: np.ndarray) -> bytes:
    """The XES document of ``events`` (rows of a case consecutive, case ``i`` from row ``first[i]``)."""
    text = {column: events[column].astype(str).map(_attribute) for column in EVENT_COLUMNS}
    resource = ('\t\t\t<string key="org:resource" value="' + text["org:resource"] + '"/>\n').where(
        events["org:resource"] != "", "")
    blocks = ("\t\t<event>\n" + resource
              + '\t\t\t<string key="lifecycle:transition" value="' + text["lifecycle:transition"] + '"/>\n'
              + '\t\t\t<string key="concept:name" value="' + text["concept:name"] + '"/>\n'
              + '\t\t\t<date key="time:timestamp" value="' + text["time:timestamp"] + '"/>\n'
              + "\t\t</event>\n").tolist()
    parts = [XES_HEAD]
    for begin, end in zip(first, np.append(first[1:], len(events))):
        parts.append(f'\t<trace>\n\t\t<string key="concept:name" value="{text["case:concept:name"].iat[begin]}"/>\n'
                     f'\t\t<string key="AMOUNT_REQ" value="{text["case:AMOUNT_REQ"].iat[begin]}"/>\n'
                     f'\t\t<date key="REG_DATE" value="{text["case:REG_DATE"].iat[begin]}"/>\n')
        parts.extend(blocks[begin:end])
        parts.append("\t</trace>\n")
    parts.append("</log>\n")
    return "".join(parts).encode("utf-8")


def _attribute(value: str) -> str:
    """``value`` escaped for a double-quoted XML attribute."""
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def tile_event_log(events: pd.DataFrame, copies: int, shift: bool = False) -> pd.DataFrame:
    """The log ``events`` repeated ``copies`` times under fresh case ids, for benchmarks.

    Parameters
    ----------
    events : pd.DataFrame
        An event log with a numeric ``case:concept:name`` (text or integer), like
        ``event_log(...)["events"]`` or its CSV read back.
    copies : int
        Number of copies (1 returns an equal log).
    shift : bool
        Move copy ``k``'s times ``k`` milliseconds later (written anew with their
        Amsterdam offset), so that times are as distinct as in a real log of that size.

    Returns
    -------
    pd.DataFrame
        Copy ``k`` (0-based) is the log with ``k * step`` added to every case id, where
        ``step`` is the smallest multiple of 1,000,000 above the largest id; copies follow
        each other, so rows stay ordered by case (numerically) then time. Ids keep their
        dtype (text stays text); every other column is repeated unchanged.
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    column = events["case:concept:name"]
    ids = pd.to_numeric(column).to_numpy(np.int64)
    step = 1_000_000 * (int(ids.max()) // 1_000_000 + 1) if ids.size else 1_000_000
    tiled = events.iloc[np.tile(np.arange(len(events)), copies)].reset_index(drop=True)
    new_ids = np.tile(ids, copies) + np.repeat(np.arange(copies, dtype=np.int64) * step, ids.size)
    tiled["case:concept:name"] = new_ids if pd.api.types.is_numeric_dtype(column) else new_ids.astype(str)
    if shift:
        moment = pd.to_datetime(events["time:timestamp"], format="ISO8601", utc=True).dt.tz_convert(None)
        moment = moment.to_numpy().astype("datetime64[ms]")
        tiled["time:timestamp"] = _amsterdam(np.tile(moment, copies) + np.repeat(np.arange(copies), moment.size) * MS)
    return tiled


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
