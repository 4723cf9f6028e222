"""demo.voice: survey, interviews and mystery-shopper notes of the demo, and their planted truth."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from demo import voice as dv

SEED = 11
_SUR = [("Иванов", "Иванова"), ("Кузьмич", "Кузьмич"), ("Петров", "Петрова"), ("Бойко", "Бойко"),
        ("Сидоров", "Сидорова"), ("Войтович", "Войтович")]
_FIRST_M = ["Иван", "Алексей", "Сергей", "Дмитрий", "Андрей"]
_FIRST_F = ["Ольга", "Елена", "Наталья", "Анастасия", "Мария"]
_PATR = [("Иванович", "Ивановна"), ("Петрович", "Петровна"), ("Сергеевич", "Сергеевна")]
_FMT = ["+375 ({op}) {a}-{b}-{c}", "80{op}{n}", "375{op}{n}", "8 0{op} {a} {b} {c}", "+375{op}{n}"]


def make_clients(n: int = 8000, seed: int = 0) -> pd.DataFrame:
    """Synthetic frame with the shape demo.engagement passes to generate_voice."""
    rng = np.random.default_rng(seed)
    fem = rng.random(n) < 0.4
    rows = []
    for i in range(n):
        s = _SUR[rng.integers(len(_SUR))][int(fem[i])]
        f = (_FIRST_F if fem[i] else _FIRST_M)[rng.integers(5)]
        p = _PATR[rng.integers(3)][int(fem[i])]
        op = ["29", "33", "44", "25"][rng.integers(4)]
        num = str(rng.integers(1_000_000, 10_000_000))
        phone = _FMT[rng.integers(len(_FMT))].format(op=op, n=num, a=num[:3], b=num[3:5], c=num[5:])
        rows.append((f"К-{i + 1:06d}", f"{s} {f} {p}", "Ж" if fem[i] else "М",
                     None if rng.random() < 0.05 else phone,
                     f"user{i}@mail.ru" if rng.random() < 0.75 else None))
    df = pd.DataFrame(rows, columns=["client_code", "full_name", "gender", "phone", "email"])
    group = rng.choice(["in_scope", "repeat_deal", "leaseback", "truck", "motorcycle"], n,
                       p=[0.8, 0.08, 0.06, 0.04, 0.02])
    seg = pd.array(rng.integers(1, 8, n), dtype="Int64")
    jour = pd.array(rng.integers(1, 4, n), dtype="Int64")
    seg[group != "in_scope"] = pd.NA
    jour[group != "in_scope"] = pd.NA
    df["segment"], df["journey"], df["side_group"] = seg, jour, group
    df["contract_date"] = pd.Timestamp("2023-01-15") + pd.to_timedelta(rng.integers(0, 990 * 1440, n), unit="m")
    df["town"] = rng.choice(["Минск", "Гомель", "Брест"], n)
    return df


def _generate(path, seed=SEED, n_sim=200_000):
    return dv.generate_voice(make_clients(), np.random.default_rng(seed), path, n_sim=n_sim)


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    return raw, _generate(raw)


@pytest.fixture(scope="module")
def survey(gen):
    raw, _ = gen
    return pd.read_excel(raw / "survey_export.xlsx", sheet_name="Ответы")


def _doc_turns(path):
    if path.suffix == ".docx":
        import docx
        return [p.text for p in docx.Document(path).paragraphs]
    return path.read_text(encoding="utf-8").splitlines()


def _all_files(raw):
    return sorted(p for p in raw.rglob("*") if p.is_file())


def test_determinism(gen, tmp_path):
    raw, truth = gen
    truth2 = _generate(tmp_path)
    files = _all_files(raw)
    assert [p.relative_to(raw) for p in files] == [p.relative_to(tmp_path) for p in _all_files(tmp_path)]
    for p in files:
        assert p.read_bytes() == (tmp_path / p.relative_to(raw)).read_bytes(), p.name
    assert json.dumps(truth, ensure_ascii=False, sort_keys=True) == json.dumps(truth2, ensure_ascii=False, sort_keys=True)


def test_truth_is_json_and_has_the_keys(gen):
    _, truth = gen
    json.dumps(truth, ensure_ascii=False)
    for key in ("journey_stages", "survey", "codebook", "fragments", "touchpoints", "emotion_low_stage",
                "discovery_themes", "free_text_pii", "interview_clients"):
        assert key in truth
    assert truth["journey_stages"] == dv.STAGES
    assert 28 <= len(truth["codebook"]) <= 40
    assert {t["touchpoint"] for t in truth["touchpoints"]} == set(dv.TOUCHPOINTS)


def test_survey_layout_and_mess(gen, survey):
    _, truth = gen
    t = truth["survey"]
    assert list(survey.columns) == dv.SURVEY_COLUMNS
    assert len(survey) == t["n_rows"] and 1350 <= len(survey) <= 1450
    assert survey["ID ответа"].is_unique
    assert pd.to_datetime(survey["Дата заполнения"], format="%d.%m.%Y %H:%M").dt.month.eq(9).all()
    nps = survey[dv.Q_NPS]
    num = pd.to_numeric(nps, errors="coerce")
    bad = nps[num.isna() | ~num.between(0, 10)]
    assert len(bad) == t["n_out_of_range"] == len(t["out_of_range"])
    assert {str(i) for i in survey.loc[bad.index, "ID ответа"]} == set(t["out_of_range"])
    speed = survey["ID ответа"].isin(t["speeder_ids"])
    assert speed.sum() == t["n_speeders"] and (survey.loc[speed, "Время заполнения, сек"] < 60).all()
    assert (survey.loc[~speed, "Время заполнения, сек"] >= 60).all()
    assert (survey.loc[speed, dv.CSAT_COLS].nunique(axis=1) == 1).all()
    key = survey["Телефон"].fillna("") + "|" + survey["E-mail"].fillna("")
    assert key.duplicated().sum() == t["n_duplicates"] > 0
    assert set(survey.loc[key.duplicated(), "ID ответа"]) == set(t["duplicate_ids"])
    opts = survey[dv.Q_GIFTS].str.split("; ").explode()
    unknown = ~opts.isin(dv.GIFTS + [dv.GIFT_NONE])
    assert unknown.sum() == t["n_unknown_option"]
    assert set(survey[dv.Q_SOURCE]) <= set(dv.SOURCES)
    csat = survey[dv.CSAT_COLS]
    assert csat.stack().dropna().between(1, 5).all() and csat.isna().any().any()
    comments = survey["Комментарий"].notna().mean()
    assert 0.38 <= comments <= 0.5
    assert sum(v is None for v in t["respondent_clients"].values()) == t["n_not_in_crm"]


def _clean(survey, t):
    ok = ~survey["ID ответа"].isin(t["speeder_ids"] + t["duplicate_ids"])
    s = survey[ok].copy()
    s["nps"] = pd.to_numeric(s[dv.Q_NPS], errors="coerce")
    s = s[s["nps"].between(0, 10)]
    cl = make_clients().set_index("client_code")
    codes = s["ID ответа"].astype(str).map(t["respondent_clients"])
    s["segment"] = codes.map(cl["segment"]).astype("Float64")
    s["side_group"] = codes.map(cl["side_group"])
    return s


def _nps(x):
    return 100 * ((x >= 9).mean() - (x <= 6).mean())


def test_planted_nps_visible_in_sample(gen, survey):
    _, truth = gen
    t = truth["survey"]
    s = _clean(survey, t)
    ins = s[s["side_group"] == "in_scope"]
    sample = ins.groupby("segment")["nps"].apply(_nps)
    planted = pd.Series({float(k): v for k, v in t["nps_by_segment"].items()})
    for k, target in dv.NPS_TARGET.items():
        assert abs(planted[k] - target) < 3
    assert planted.nunique() == 7
    assert sample.corr(planted.reindex(sample.index), method="spearman") > 0.8
    assert (sample - planted.reindex(sample.index)).abs().max() < 20
    assert sample[3.0] - sample[6.0] > 30
    # NPS falls with months since contract start, in the planted curve and in the sample
    curve = list(t["nps_by_months"].values())
    assert all(a > b for a, b in zip(curve, curve[1:])) and curve[0] - curve[-1] > 25
    m = ins[dv.Q_MONTHS]
    assert _nps(ins.loc[m <= 5, "nps"]) - _nps(ins.loc[m >= 24, "nps"]) > 20


def test_drivers_recovered_by_regression(gen, survey):
    _, truth = gen
    t = truth["survey"]
    assert t["top3"] == ["Обслуживание по договору", "Проверка и одобрение", "Консультация"]
    assert [d["weight"] for d in t["drivers"]] == sorted((d["weight"] for d in t["drivers"]), reverse=True)
    s = _clean(survey, t)
    s = s[s["side_group"] == "in_scope"].dropna(subset=dv.CSAT_COLS)
    X = np.column_stack([np.ones(len(s)), s[dv.CSAT_COLS].to_numpy(float), s[dv.Q_MONTHS].to_numpy(float)])
    for seg in range(1, 7):
        X = np.column_stack([X, (s["segment"] == seg).to_numpy(float)])
    beta = np.linalg.lstsq(X, s["nps"].to_numpy(float), rcond=None)[0][1:9]
    order = [dv.STAGES[i] for i in np.argsort(-beta)]
    assert order[:3] == t["top3"]
    assert pd.Series(s[dv.CSAT_COLS].corr().to_numpy()[np.triu_indices(8, 1)]).mean() > 0.15


def test_gifts(gen, survey):
    _, truth = gen
    share = truth["survey"]["gifts_share"]
    assert share["Бесплатное ТО"] > share["Страховка КАСКО в подарок"] > share["Зимние шины"]
    assert 0.45 < share["Бесплатное ТО"] < 0.65
    s = _clean(survey, truth["survey"])
    ins = s[s["side_group"] == "in_scope"]
    has_to = ins[dv.Q_GIFTS].str.contains("Бесплатное ТО", regex=False)
    by_seg = has_to.groupby(ins["segment"]).mean()
    assert by_seg[6.0] - by_seg[3.0] > 0.3


def test_interview_files(gen):
    raw, truth = gen
    folder = raw / "interviews"
    idx = pd.read_excel(folder / "index.xlsx", sheet_name="Интервью")
    assert list(idx.columns) == ["Файл", "Респондент", "Телефон", "Дата интервью", "Интервьюер"]
    assert len(idx) == 24 and set(idx["Файл"]) == set(truth["interview_clients"])
    names = sorted(p.name for p in folder.iterdir() if p.name != "index.xlsx")
    assert names == sorted(idx["Файл"])
    assert sum(n.endswith(".docx") for n in names) == 12 and sum(n.endswith(".txt") for n in names) == 12
    cl = make_clients().set_index("client_code")
    segs, jours = set(), set()
    for name in names:
        turns = _doc_turns(folder / name)
        assert 30 <= len(turns) <= 50, name
        assert all(re.match(r"^(Интервьюер|Респондент): \S", t) for t in turns), name
        assert turns[0].startswith("Интервьюер:")
        code = truth["interview_clients"][name]
        segs.add(cl.at[code, "segment"])
        jours.add(cl.at[code, "journey"])
        assert cl.at[code, "side_group"] == "in_scope"
        assert idx.set_index("Файл").at[name, "Респондент"] == cl.at[code, "full_name"]
    assert len(segs) == 7 and len(jours) == 3


def test_mystery_file(gen):
    raw, truth = gen
    m = pd.read_excel(raw / "mystery_shopper.xlsx")
    assert list(m.columns) == ["Визит", "Дата", "Этап", "Точка контакта", "Наблюдение", "Оценка", "Тайный покупатель"]
    assert 35 <= len(m) <= 45 and m["Визит"].is_unique
    assert set(m["Этап"]) == set(dv.STAGES[:6])
    assert set(m["Оценка"].astype(str)) == {"+", "-", "0"}
    assert set(m["Точка контакта"]) <= set(dv.TOUCHPOINTS)


def _doc_text(raw, survey, source, doc_id, turn):
    if source == "interview":
        return _doc_turns(raw / "interviews" / doc_id)[turn]
    if source == "survey":
        return survey.set_index("ID ответа").at[doc_id, "Комментарий"]
    m = pd.read_excel(raw / "mystery_shopper.xlsx").set_index("Визит")
    return m.at[doc_id, "Наблюдение"]


def test_every_fragment_quote_is_in_its_document(gen, survey):
    raw, truth = gen
    frags = pd.DataFrame(truth["fragments"])
    assert set(frags["source"]) == {"interview", "survey", "mystery"}
    book = {c["code"]: c for c in truth["codebook"]}
    docs = {}
    for f in truth["fragments"]:
        key = (f["source"], f["doc_id"], f["turn"])
        if key not in docs:
            docs[key] = _doc_text(raw, survey, *key)
        assert f["quote"] in docs[key], f
        assert book[f["code"]]["stage"] == f["stage"] and book[f["code"]]["valence"] == f["valence"]
        assert book[f["code"]]["layer"] == f["layer"]
        if f["source"] == "interview":
            assert docs[key].startswith("Респондент: ")
    iv = frags[frags["source"] == "interview"]
    assert iv.groupby("doc_id").size().min() >= 8
    assert set(frags["code"]) == set(book)
    for d in truth["negated_decoys"] + truth["discovery_fragments"]:
        assert d["quote"] in _doc_turns(raw / "interviews" / d["doc_id"])[d["turn"]]


def test_interviewer_turns_not_coded_and_word_forms_vary(gen):
    raw, truth = gen
    frags = [f for f in truth["fragments"] if f["source"] == "interview"]
    for f in frags[:200]:
        assert _doc_turns(raw / "interviews" / f["doc_id"])[f["turn"]].startswith("Респондент:")
    text = " ".join(f["quote"] for f in truth["fragments"])
    forms = {w for w in re.findall(r"\bдоговор\w*", text.lower())}
    assert len(forms) >= 3
    assert any("так и не перезвонили" in f["quote"] for f in truth["fragments"] if f["code"] == "Не перезвонили")


def test_emotion_low_point(gen):
    _, truth = gen
    frags = pd.DataFrame(truth["fragments"])
    mean = frags.groupby("stage")["valence"].mean()
    assert truth["emotion_low_stage"] == mean.idxmin() == "Проверка и одобрение"
    assert mean.drop("Проверка и одобрение").min() - mean.min() > 0.1
    iv = frags[frags["source"] == "interview"].groupby("stage")["valence"].mean()
    assert iv.idxmin() == "Проверка и одобрение"


def test_discovery_themes_recur(gen):
    _, truth = gen
    book = {c["code"] for c in truth["codebook"]}
    assert set(truth["discovery_themes"]).isdisjoint(book)
    for theme in truth["discovery_themes"]:
        assert len(truth["discovery_mentions"][theme]) >= 5


def test_free_text_pii_in_files(gen, survey):
    raw, truth = gen
    pii = truth["free_text_pii"]
    assert len(pii) > 100
    blobs = [" ".join(_doc_turns(p)) for p in (raw / "interviews").iterdir() if p.suffix in (".txt", ".docx")]
    blobs.append(" ".join(survey["Комментарий"].dropna()))
    m = pd.read_excel(raw / "mystery_shopper.xlsx")
    blobs.append(" ".join(m["Наблюдение"]))
    idx = pd.read_excel(raw / "interviews" / "index.xlsx", dtype=str)
    blobs.append(" ".join(idx["Респондент"]) + " " + " ".join(idx["Телефон"]))
    text = "\n".join(blobs)
    missing = [v for v in pii if v not in text]
    assert not missing
    assert any(re.search(r"\d{2}", v) for v in pii) and any("@" in v for v in pii)
    # every phone-like or e-mail-like string in free text is listed
    comments = " ".join(survey["Комментарий"].dropna())
    for found in re.findall(r"[\w.]+@[\w.]+\w", comments):
        assert found in pii
