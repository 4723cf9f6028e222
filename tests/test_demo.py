"""The demo world generator: determinism, file formats, truth consistent with the files."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from demo import engagement as demo
from cjm.core.geo import normalize_town
from cjm.core.paths import EngagementPaths

SEED = 2025


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    root = tmp_path_factory.mktemp("native")
    truth = demo.generate("demo", scale=1, seed=SEED, root=root)
    return EngagementPaths("demo", root), truth


@pytest.fixture(scope="module")
def bitrix(tmp_path_factory):
    root = tmp_path_factory.mktemp("bitrix")
    truth = demo.generate("demo_bitrix", scale=1, seed=SEED, layout="bitrix", root=root)
    return EngagementPaths("demo_bitrix", root), truth


@pytest.fixture(scope="module")
def tables(native):
    paths, _ = native
    kw = dict(encoding="cp1251", sep=";", dtype=str, keep_default_na=False, na_values=[""])
    return dict(
        clients=pd.read_excel(paths.raw / "crm_clients.xlsx", sheet_name="Контрагенты", dtype={"Дата рождения": str}),
        deals=pd.read_csv(paths.raw / "crm_deals.csv", **kw),
        stages=pd.read_csv(paths.raw / "crm_deal_stages.csv", **kw),
        activities=pd.read_csv(paths.raw / "crm_activities.csv", **kw),
        lost=pd.read_excel(paths.raw / "crm_lost_reasons.xlsx"),
        nps=pd.read_excel(paths.raw / "post_deal_nps.xlsx"),
    )


def test_determinism(tmp_path):
    a = demo.generate("d", scale=0.1, seed=7, root=tmp_path / "a")
    b = demo.generate("d", scale=0.1, seed=7, root=tmp_path / "b")
    demo.generate("d", scale=0.1, seed=8, root=tmp_path / "c")
    raw = {k: EngagementPaths("d", tmp_path / k).raw for k in "abc"}
    assert (raw["a"] / "crm_deals.csv").read_bytes() == (raw["b"] / "crm_deals.csv").read_bytes()
    assert (raw["a"] / "crm_clients.xlsx").read_bytes() == (raw["b"] / "crm_clients.xlsx").read_bytes()
    assert (raw["a"] / "crm_deals.csv").read_bytes() != (raw["c"] / "crm_deals.csv").read_bytes()
    assert a["n_deals"] == b["n_deals"]


def test_layout_stamp_and_folders(native, tmp_path):
    paths, _ = native
    assert (paths.raw / ".complete").exists()
    private = EngagementPaths("x", tmp_path).private
    private.mkdir(parents=True)
    (private / "secret.key").write_text("keep me")
    demo.generate("x", scale=0.05, seed=1, root=tmp_path)
    assert (private / "secret.key").read_text() == "keep me"


def test_raw_rows_match_files(native, tables):
    _, truth = native
    names = {"clients": "crm_clients.xlsx", "deals": "crm_deals.csv", "stages": "crm_deal_stages.csv",
             "activities": "crm_activities.csv", "lost": "crm_lost_reasons.xlsx", "nps": "post_deal_nps.xlsx"}
    for key, name in names.items():
        assert truth["raw_rows"][name] == len(tables[key]), name
    assert truth["raw_rows"]["crm_deals.csv"] - truth["duplicate_rows"]["crm_deals.csv"] == truth["n_deals"]
    assert len(tables["deals"].drop_duplicates()) == truth["n_deals"]
    assert len(tables["stages"].drop_duplicates()) == truth["n_stage_events"]
    assert len(tables["activities"].drop_duplicates()) == truth["n_touches"]
    assert tables["clients"]["Код клиента"].nunique() == truth["n_clients"]
    assert len(tables["lost"]) == truth["n_deals_by_outcome"]["lost"]


def test_documented_formats(tables):
    deals = tables["deals"]
    assert deals["Дата создания"].str.fullmatch(r"\d\d\.\d\d\.\d{4}").all()
    assert tables["stages"]["Дата перехода"].str.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d").all()
    price = deals["Стоимость, BYN"].dropna()
    assert price.str.contains("\xa0").any() and price.str.fullmatch(r"[\d\xa0]+,\d\d").all()
    values = pd.to_numeric(price.str.replace("\xa0", "").str.replace(",", "."))
    assert values.between(5_000, 900_000).all()
    assert set(deals["Статус"]) == {"Успешно", "Отказ", "В работе"}
    assert deals["Срок, мес."].str.fullmatch(r"\d+( мес\.)?").all()
    assert deals["Номер сделки"].str.fullmatch("С-\\d{7}").all()
    clients = tables["clients"]
    assert clients["Код клиента"].str.fullmatch("К-\\d{6}").all()
    assert set(clients["Тип клиента"]) == {"Физическое лицо", "Юридическое лицо", "ФЛ", "ЮЛ"}
    born = clients["Дата рождения"].dropna()
    assert born.str.fullmatch(r"\d\d\.\d\d\.\d{4}").all()
    assert (born == "00.00.0000").any() and born.str.startswith("31.02.").any()
    assert pd.api.types.is_datetime64_any_dtype(clients["Дата первого обращения"])
    assert set(tables["activities"]["Канал"]) == set(demo.CHANNELS)
    assert tables["nps"]["Оценка (0-10)"].between(0, 10).all()


def test_truth_files(native, tables):
    paths, truth = native
    assert json.loads((paths.truth / "truth.json").read_text(encoding="utf-8"))["n_deals"] == truth["n_deals"]
    assert demo.load_truth("demo", paths.root)["seed"] == SEED
    clients = pd.read_csv(paths.truth / "clients.csv", dtype={"client_code": str})
    deals = pd.read_csv(paths.truth / "deals.csv")
    assert len(clients) == truth["n_clients"] and len(deals) == truth["n_deals"]
    assert set(clients["client_code"]) == set(tables["clients"]["Код клиента"])
    assert set(deals["deal_code"]) == set(tables["deals"]["Номер сделки"])
    assert clients.loc[clients["side_group"] != "in_scope", "segment"].isna().all()
    assert clients.loc[clients["side_group"] == "in_scope", "segment"].between(1, 7).all()
    assert deals["outcome"].value_counts().to_dict() == truth["n_deals_by_outcome"]


def test_waterfall_rules_match_data(native, tables):
    """The side group of each contact is the first rule, in order, that its data matches."""
    _, truth = native
    wf = truth["waterfall"]
    assert [w["rule"] for w in wf] == demo.SIDE_GROUPS
    assert sum(w["clients"] for w in wf) == truth["n_clients"]
    assert sum(w["deals"] for w in wf) == truth["n_deals"]
    cl = tables["clients"].drop_duplicates("Код клиента").set_index("Код клиента")
    deals = tables["deals"].drop_duplicates()
    by = deals.groupby("Код клиента")
    legal = cl["Тип клиента"].isin(["Юридическое лицо", "ЮЛ"])
    truck = by["Предмет лизинга"].agg(lambda s: (s == "Грузовой автомобиль").any()).reindex(cl.index)
    moto = by["Предмет лизинга"].agg(lambda s: (s == "Мотоцикл").any()).reindex(cl.index)
    back = by["Схема"].agg(lambda s: (s == "Возвратный лизинг").any()).reindex(cl.index)
    many = (by.size() > 1).reindex(cl.index)
    rule = np.select([legal, truck, moto, back, many], demo.SIDE_GROUPS[:5], "in_scope")
    got = pd.Series(rule, index=cl.index).value_counts().to_dict()
    assert got == {w["rule"]: w["clients"] for w in wf}


def test_stage_counts(native, tables):
    _, truth = native
    st = tables["stages"].drop_duplicates()
    unknown = ~st["Стадия"].isin(truth["stages"])
    assert unknown.sum() == truth["stage_anomalies"]["unknown_stage_rows"] > 0
    with_events = st["Номер сделки"].nunique()
    assert truth["n_deals"] - with_events == truth["stage_anomalies"]["deals_without_events"] > 0
    an = truth["stage_anomalies"]
    assert an["returns"] > 0 and an["skips"] > 0 and an["ties"] > 0 and an["out_of_order"] > 0
    # out of order: later in the file, earlier in time, within a deal
    known = st[~unknown]
    t = pd.to_datetime(known["Дата перехода"], format="%d.%m.%Y %H:%M")
    same = known["Номер сделки"].eq(known["Номер сделки"].shift())
    assert int((same & (t < t.shift())).sum()) == an["out_of_order"]
    # the bottleneck loses most leads, absolute and relative
    funnel = {f["stage"]: f for f in truth["funnel"]}
    lost = tables["lost"]["Стадия отказа"].value_counts()
    assert lost.idxmax() == truth["bottleneck_stage"] == "Подбор авто и расчёт"
    conv = {s: f["conversion"] for s, f in funnel.items() if f["conversion"] is not None}
    assert min(conv, key=conv.get) == truth["bottleneck_stage"]
    reasons = tables["lost"].dropna(subset=["Причина отказа"]).groupby("Стадия отказа")["Причина отказа"].value_counts()
    for stage, counts in truth["lost_reasons_by_stage"].items():
        for reason, n in counts.items():
            assert reasons[(stage, reason)] == n


def test_invalid_and_blank_counts(native, tables):
    _, truth = native
    inv = truth["invalid"]
    cl = tables["clients"]
    complete = cl.loc[cl.notna().sum(axis=1).groupby(cl["Код клиента"]).idxmax()]
    born = complete["Дата рождения"]
    bad = born.str.startswith("31.02.") | (born == "00.00.0000")
    assert bad.sum() == inv["birth_date_invalid"]
    deals = tables["deals"].drop_duplicates()
    assert deals["Срок, мес."].str.endswith("мес.").sum() == inv["term_with_suffix"]
    assert deals["Стоимость, BYN"].isna().sum() == inv["amount_blank"]
    assert deals["Аванс, BYN"].isna().sum() == inv["down_payment_blank"]
    assert tables["lost"]["Причина отказа"].isna().sum() == inv["lost_reason_blank"]
    # dedupe keeps the most complete row: each code has exactly one most complete row
    n_filled = cl.notna().sum(axis=1)
    top = n_filled.groupby(cl["Код клиента"]).transform("max")
    dup_codes = cl["Код клиента"].duplicated(keep=False)
    partial = cl[dup_codes & (n_filled < top)]
    assert len(partial) == truth["duplicate_rows"]["crm_clients.xlsx"] - cl.duplicated().sum()


def test_towns_resolve(native, tables):
    _, truth = native
    assert set(tables["clients"]["Город"].dropna()) == set(truth["towns"])
    for raw, canon in truth["towns"].items():
        assert normalize_town(raw) == canon
    assert len(truth["towns"]) > len(set(truth["towns"].values()))  # variants exist


def test_free_text_pii(native, tables):
    _, truth = native
    pii = truth["free_text_pii"]
    texts = pd.concat([tables["activities"]["Описание"], tables["deals"]["Комментарий менеджера"],
                       tables["lost"]["Комментарий"], tables["clients"]["Примечание"]]).dropna().drop_duplicates()
    blob = "\n".join(texts)
    missing = [v for v in pii if v not in blob]
    assert not missing, missing[:5]
    assert len(pii) > 1000
    assert any(v.endswith("ой") for v in pii) and any(v.endswith("ым") for v in pii)  # oblique cases
    # about 30% of activities have a description, and about a third of those carry personal data
    act = tables["activities"]["Описание"].dropna()
    assert 0.25 < len(act) / len(tables["activities"]) < 0.35
    plain = {x for texts in demo._ACT_PLAIN.values() for x in texts}
    assert 0.25 < (~act.isin(plain)).mean() < 0.42
    by_first = {}
    for v in pii:
        by_first.setdefault(v.split()[0], []).append(v)

    def has_pii(text):
        words = re.split(r"[\s,:]+", text)
        return any(v in text for w in words for v in by_first.get(w, []))

    assert act[~act.isin(plain)].drop_duplicates().map(has_pii).all()
    assert not act[act.isin(plain)].drop_duplicates().map(has_pii).any()

def test_segments_and_journeys(native):
    paths, truth = native
    clients = pd.read_csv(paths.truth / "clients.csv")
    ins = clients[clients["side_group"] == "in_scope"]
    ct = pd.crosstab(ins["segment"], ins["journey"])
    assert ct.shape == (7, 3)
    # not a 1:1 (or many:1) mapping: every segment spreads over several journeys
    assert ((ct / ct.to_numpy().sum(axis=1, keepdims=True)).max(axis=1) < 0.75).all()
    sizes = {k: v["size"] for k, v in truth["segments"].items()}
    assert sum(sizes.values()) == truth["in_scope"]["clients"] == len(ins)
    shares = np.array(list(sizes.values())) / len(ins)
    assert shares.min() > 0.06 and shares.max() < 0.25
    prof = {k: v["profile"] for k, v in truth["segments"].items()}
    assert prof["3"]["median_price"] > 120_000 and prof["7"]["median_age"] > 55
    assert prof["4"]["minsk_share"] < 0.1 and prof["5"]["male_share"] == 0
    assert prof["7"]["online_touch_share"] < prof["1"]["online_touch_share"]
    assert sum(j["size"] for j in truth["journeys"].values()) == len(ins)


def test_post_deal_nps(native, tables):
    _, truth = native
    scores = tables["nps"]["Оценка (0-10)"]
    nps = 100 * ((scores >= 9).mean() - (scores <= 6).mean())
    assert round(nps, 1) == truth["post_deal_nps"]["nps"]
    assert 45 < nps < 65
    won = (tables["deals"].drop_duplicates()["Статус"] == "Успешно").sum()
    assert 0.45 < len(scores) / won < 0.65


def test_bitrix_same_world(native, bitrix):
    _, tn = native
    paths, tb = bitrix
    assert tb["n_deals"] == tn["n_deals"] and tb["n_clients"] == tn["n_clients"]
    assert tb["n_touches"] == tn["n_touches"] and tb["waterfall"] == tn["waterfall"]
    kw = dict(dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    contacts = pd.read_csv(paths.raw / "bitrix_contacts.csv", **kw)
    deals = pd.read_csv(paths.raw / "bitrix_deals.csv", **kw)
    history = pd.read_csv(paths.raw / "bitrix_stage_history.csv", **kw)
    acts = pd.read_csv(paths.raw / "bitrix_activities.csv", **kw)
    assert len(deals.drop_duplicates()) == tb["n_deals"]
    assert len(history.drop_duplicates()) == tb["n_stage_events"]
    assert len(acts.drop_duplicates()) == tb["n_touches"]
    assert contacts["ID"].nunique() == tb["n_clients"]
    assert {"Фамилия", "Имя", "Отчество", "Компания", "Тип контакта"} <= set(contacts.columns)
    assert set(contacts["Тип контакта"]) == {"Физ. лицо", "Юр. лицо"}
    assert deals["Сумма"].dropna().str.fullmatch(r"\d+\.\d\d").all()
    assert deals["Дата создания"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:00").all()
    assert {"Сделка успешна", "Сделка провалена"} <= set(deals["Стадия сделки"])
    assert (paths.raw / "post_deal_nps.xlsx").exists()
    clients = pd.read_csv(paths.truth / "clients.csv", dtype=str)
    assert set(clients["client_code"]) == set(contacts["ID"])


def test_voice_interface(tmp_path, monkeypatch):
    """generate() hands demo.voice the won individual clients and merges its truth under "voice"."""
    import importlib.machinery
    import sys
    import types

    seen = {}

    def generate_voice(clients, rng, raw_dir):
        seen["clients"], seen["raw_dir"] = clients, raw_dir
        assert isinstance(rng, np.random.Generator)
        return {"survey_rows": 3}

    fake = types.ModuleType("demo.voice")
    fake.__spec__ = importlib.machinery.ModuleSpec("demo.voice", None)
    fake.generate_voice = generate_voice
    monkeypatch.setitem(sys.modules, "demo.voice", fake)
    truth = demo.generate("v", scale=0.05, seed=3, root=tmp_path)
    assert truth["voice"] == {"survey_rows": 3}
    cl = seen["clients"]
    assert list(cl.columns) == ["client_code", "full_name", "gender", "phone", "email", "segment", "journey",
                                "side_group", "contract_date", "town"]
    assert len(cl) == cl["client_code"].nunique() > 0
    assert str(cl["segment"].dtype) == "Int64" and str(cl["journey"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(cl["contract_date"])
    assert "legal_entity" not in set(cl["side_group"])
    assert cl.loc[cl["side_group"] != "in_scope", "segment"].isna().all()
    assert set(cl["gender"]) <= {"М", "Ж"}
    assert seen["raw_dir"] == EngagementPaths("v", tmp_path).raw
    stored = demo.load_truth("v", tmp_path)
    assert stored["voice"] == {"survey_rows": 3}
    assert stored["n_clients_won"] >= len(cl)
