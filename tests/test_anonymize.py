"""01_anonymize: pseudonyms, generalization, linking, k-anonymity, and the demo end to end."""

import re
import stat

import numpy as np
import pandas as pd
import pytest

from cjm.privacy import anonymize as anon
from cjm.privacy.anonymize import (Pseudonymizer, PersonIndex, birth_cohort, birth_year, k_anonymity,
                           load_or_create_key, town_and_region)
from cjm.core.errors import CjmError
from cjm.core.io import read_export
from cjm.privacy.pii import normalize_phone

PSEUDONYM = re.compile(r"^[A-Z]-[0-9a-f]{16}$")


# ----------------------------------------------------------------------------- pseudonyms
def test_pseudonyms_are_stable_keyed_and_formatted():
    values = pd.Series(["К-000123", "К-000124", None, " К-000123"])
    first = Pseudonymizer(b"k" * 32).transform(values, "client")
    again = Pseudonymizer(b"k" * 32).transform(values, "client")
    other_key = Pseudonymizer(b"x" * 32).transform(values, "client")
    assert first.equals(again)
    assert first[0] == first[3] and first[0] != first[1] and pd.isna(first[2])
    assert not set(first.dropna()) & set(other_key.dropna())
    assert all(PSEUDONYM.match(v) for v in first.dropna())
    assert first[0].startswith("C-")


def test_same_value_of_another_kind_gets_another_pseudonym():
    p = Pseudonymizer(b"k" * 32)
    assert p.transform(pd.Series(["1001"]), "client")[0][2:] != p.transform(pd.Series(["1001"]), "deal")[0][2:]


def test_no_collisions_on_a_million_ids():
    ids = pd.Series([f"К-{i:07d}" for i in range(1_000_000)])
    out = Pseudonymizer(b"k" * 32).transform(ids, "client")
    assert out.nunique() == 1_000_000


def test_a_collision_is_an_error(monkeypatch):
    monkeypatch.setattr(anon, "PSEUDONYM_HEX", 1)  # 16 possible pseudonyms: 40 ids must collide
    with pytest.raises(CjmError, match="collision"):
        Pseudonymizer(b"k" * 32).transform(pd.Series([str(i) for i in range(40)]), "client")


def test_reidentification_maps_back():
    p = Pseudonymizer(b"k" * 32)
    out = p.transform(pd.Series(["К-1", "К-2", "К-1"]), "client")
    table = p.reidentification()
    assert len(table) == 2
    back = out.map(table.set_index("pseudonym")["original"])
    assert back.tolist() == ["К-1", "К-2", "К-1"]


def test_key_is_created_once_private_and_reused(tmp_path):
    path = tmp_path / "private" / "secret.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_key(path) == key
    path.write_text("not hex")
    with pytest.raises(CjmError, match="secret.key"):
        load_or_create_key(path)


def test_a_lost_key_is_an_error_not_a_new_key(tmp_path):
    path = tmp_path / "private" / "secret.key"
    load_or_create_key(path)
    (path.parent / "reidentification.csv").write_text("kind,original,pseudonym\n")
    path.unlink()
    with pytest.raises(CjmError, match="the key is lost") as error:
        load_or_create_key(path)
    assert "would change every pseudonym" in error.value.fix and not path.exists()


# ----------------------------------------------------------------------------- generalization
def test_birth_year_reads_several_formats_and_marks_invalid_dates():
    raw = pd.Series(["30.08.1983", "1983-08-30", "1990-01-02 00:00:00", "31.02.1985", "00.00.0000", "", None])
    assert birth_year(raw).tolist()[:5] == ["1983", "1983", "1990", "invalid", "invalid"]
    assert birth_year(raw)[5:].isna().all()


def test_birth_cohort_is_a_five_year_band():
    assert birth_cohort(pd.Series(["30.08.1983", "01.01.1985", "31.02.1985", None])).tolist()[:3] == [
        "1980-1984", "1985-1989", "invalid"]


def test_address_becomes_town_and_region():
    town, region = town_and_region(pd.Series(["г. Минск, ул. Сурганова, д. 12, кв. 45",
                                              "Минская обл., г. Борисов, ул. Ленина, д. 5", None]))
    assert town.tolist()[:2] == ["Минск", "Борисов"]
    assert region[1] == "Минская" and pd.isna(town[2])
    assert "Сурганова" not in " ".join(town.dropna()) + " ".join(region.dropna())


def test_k_anonymity_counts_small_groups():
    frame = pd.DataFrame({"g": ["М", "м ", "Ж", "Ж", "Ж", None], "y": ["1980"] * 6})
    report = k_anonymity(frame, ["g", "y"], k=3)
    # groups: (м,1980) x2, (ж,1980) x3, (blank,1980) x1
    assert report == {"records": 6, "groups": 3, "smallest_group": 1, "groups_under_k": 2,
                      "records_under_k": 3, "share_under_k": 0.5}


# ----------------------------------------------------------------------------- linking
def test_person_index_links_by_phone_then_email_and_reports_the_rest():
    clients = pd.DataFrame({"tel": ["+375 29 123-45-67", "80291112233", "80291112233", None],
                            "mail": ["a@x.by", "b@x.by", "c@x.by", "d@x.by"]})
    ids = pd.Series(["C-1", "C-2", "C-3", "C-4"])
    index = PersonIndex.build(clients, {"tel": "phone", "mail": "email"}, ids)
    survey = pd.DataFrame({"phone": ["375291234567", "8 029 111 22 33", None, "80440000000", None],
                           "email": [None, None, "D@X.BY", None, None]})
    client, counts = index.link(survey, {"phone": "phone", "email": "email"})
    assert client[0] == "C-1" and pd.isna(client[1]) and client[2] == "C-4" and client.iloc[3:].isna().all()
    assert counts == {"rows": 5, "linked_by_phone": 1, "linked_by_email": 1, "ambiguous": 1,
                      "not_found": 1, "no_contact": 1}


# ----------------------------------------------------------------------------- one source
def test_undeclared_personal_and_free_text_columns_are_caught():
    rng = np.random.default_rng(0)
    raw = pd.DataFrame({
        "code": [f"К-{i}" for i in range(30)],
        "Колонка 7": [f"+375 29 {rng.integers(100, 999)}-{rng.integers(10, 99)}-{rng.integers(10, 99)}"
                      for _ in range(30)],
        "Заметки": ["Клиент просил перезвонить Ивановой Ольге Петровне завтра утром"] * 30,
        "Сумма": ["100"] * 30,
    }).astype("str")
    source = {"identifiers": {"code": "client"}}
    plan = anon._plan_source(raw, source, detect_sample=100)
    frame, treatments, counts = anon._anonymize_source(
        raw, source, plan, Pseudonymizer(b"k" * 32), anon.TextScrubber(), n_jobs=1)
    by_column = {t["column"]: t for t in treatments}
    assert "Колонка 7" not in frame and by_column["Колонка 7"]["detail"] == "phone (found by content)"
    assert by_column["Заметки"]["treatment"] == "scrubbed"
    assert frame["Заметки"][0] == "Клиент просил перезвонить [имя] завтра утром"
    assert frame["Сумма"].tolist() == raw["Сумма"].tolist()
    assert counts[0]["name"] == 30


def test_kept_columns_are_not_trusted():
    """A column declared not personal is checked by content and scrubbed where it holds words."""
    options = ["Сайт", "Реклама в соцсетях", "Рекомендация знакомых", "Агрегатор"]
    raw = pd.DataFrame({
        "code": [f"К-{i}" for i in range(40)],
        "Как узнали": [*(options * 10)[:39], "Другое: посоветовал сосед Сидоренко Иван, тел. 8029 123-45-67"],
        "Контакт": [f"+375 29 {100 + i}-45-67" for i in range(40)],
        "Номер": [str(1000 + i) for i in range(40)],
    })
    source = {"identifiers": {"code": "client"}, "keep": ["Как узнали", "Контакт", "Номер"]}
    plan = anon._plan_source(raw, source, detect_sample=100)
    frame, treatments, counts = anon._anonymize_source(
        raw, source, plan, Pseudonymizer(b"k" * 32), anon.TextScrubber(), n_jobs=1)
    by_column = {t["column"]: t for t in treatments}
    assert by_column["Как узнали"] == {"column": "Как узнали", "treatment": "scrubbed",
                                       "detail": "declared not personal, text checked"}
    assert frame["Как узнали"].iloc[-1] == "Другое: посоветовал сосед [имя], тел. [телефон]"
    assert frame["Как узнали"].iloc[:39].tolist() == raw["Как узнали"].iloc[:39].tolist()
    assert "Контакт" not in frame and by_column["Контакт"]["detail"] == "phone (found by content)"
    assert frame["Номер"].tolist() == raw["Номер"].tolist() and by_column["Номер"]["treatment"] == "kept"
    assert {c["column"]: (c["name"], c["phone"]) for c in counts} == {"Как узнали": (1, 1)}


def test_unknown_link_target_is_a_params_error(demo_world):
    params = {**demo_world.params, "sources": {**demo_world.params["sources"]}}
    params["sources"]["survey"] = {**params["sources"]["survey"], "link_to": "contacts"}
    with pytest.raises(CjmError, match="link_to.*contacts"):
        anon.anonymize(params, demo_world.paths)


def test_missing_declared_column_names_file_and_key(demo_world):
    params = {**demo_world.params, "sources": {"deals": {**demo_world.params["sources"]["deals"],
                                                         "free_text": ["Комментарий"]}}}
    with pytest.raises(CjmError, match=r"(?s)crm_deals\.csv.*Комментарий.*sources\.deals"):
        anon.read_sources(params, demo_world.paths)


def test_columns_taken_from_a_whole_sheet_are_those_read_alone(tmp_path):
    from cjm.core.paths import EngagementPaths

    paths = EngagementPaths("shop", root=tmp_path)
    paths.raw.mkdir(parents=True)
    pd.DataFrame({"Код": ["К-1", "К-2", "К-3", "К-4"], "ФИО": ["Иванов Пётр", None, None, "Сидорова Анна"],
                  "Телефон": ["+375291112233", None, "+375294445566", None]}).to_excel(
        paths.raw / "clients.xlsx", index=False)
    params = {"sources": {"clients": {"file": "clients.xlsx", "identifiers": {"Код": "client"},
                                      "name_columns": ["ФИО"], "link_person": {"Телефон": "phone"}}}}
    whole = read_export(paths.raw / "clients.xlsx")
    for columns in (["ФИО"], ["Телефон", "ФИО"], ["Код", "Телефон"]):
        alone = anon.read_source(params, paths, "clients", columns)
        pd.testing.assert_frame_equal(anon.read_source(params, paths, "clients", columns, whole), alone)
    assert anon.read_source(params, paths, "clients", ["ФИО"], whole)["ФИО"].tolist() == ["Иванов Пётр",
                                                                                         "Сидорова Анна"]
    with pytest.raises(CjmError, match="Адрес"):
        anon.read_source(params, paths, "clients", ["Адрес"], whole)


# ----------------------------------------------------------------------------- the demo
def _all_text(folder):
    chunks = []
    for path in folder.glob("*.parquet"):
        frame = pd.read_parquet(path)
        chunks += [v for col in frame for v in frame[col].dropna().unique()]
    chunks += [f.read_text(encoding="utf-8") for f in folder.glob("*/*.txt")]
    return "\n".join(chunks)


@pytest.mark.parametrize("world_name", ["demo_world", "bitrix_world"])
def test_demo_has_no_personal_values_left(world_name, request):
    world = request.getfixturevalue(world_name)
    world.anonymized
    text = _all_text(world.paths.anonymized)
    truth = world.truth_json()
    planted = truth["free_text_pii"] + truth["voice"]["free_text_pii"]
    tokens = set(re.findall(r"[\w@.+-]+", text))
    candidates = [v for v in planted if set(re.findall(r"[\w@.+-]+", v)) <= tokens]
    left = [v for v in candidates if re.search(rf"(?<![\w@.+-]){re.escape(v)}(?![\w@])", text)]
    assert left == []
    names = {" ".join(m.split()) for m in re.findall(r"[А-ЯЁ][а-яё]+(?:\s+[А-ЯЁ][а-яё]+){1,2}", text)}
    names |= {m.rsplit(" ", 1)[0] for m in names} | {m.split(" ", 1)[1] for m in names}
    emails = set(re.findall(r"[\w.+-]+@[\w.-]+", text))
    for source in world.params["sources"].values():  # every raw full name and e-mail is gone
        raw = read_export(world.paths.raw / source["file"], source.get("format"))
        for column in [*source.get("name_columns", []), *source.get("link_person", {})]:
            values = {" ".join(v.split()) for v in raw[column].dropna().unique()}
            assert not values & (names | emails), column


def test_demo_pseudonyms_agree_across_files_and_map_back(demo_world):
    result = demo_world.anonymized
    clients = result.frames["clients"]["Код клиента"]
    assert set(result.frames["deals"]["Код клиента"]) <= set(clients)
    assert set(result.frames["activities"]["Номер сделки"].dropna()) <= set(result.frames["deals"]["Номер сделки"])
    reid = pd.read_csv(demo_world.paths.reidentification, dtype=str)
    back = reid[reid["kind"] == "deal"].set_index("pseudonym")["original"]
    deals = pd.read_csv(demo_world.paths.truth / "deals.csv", dtype=str).set_index("deal_code")["client_code"]
    frame = result.frames["deals"].drop_duplicates()
    clients_back = reid[reid["kind"] == "client"].set_index("pseudonym")["original"]
    assert (frame["Номер сделки"].map(back).map(deals) == frame["Код клиента"].map(clients_back)).all()
    assert (reid["kind"] == "client").sum() == demo_world.truth["n_clients"]


def test_demo_survey_respondents_are_linked_to_their_clients(demo_world):
    result = demo_world.anonymized
    survey = demo_world.truth_json()["voice"]["survey"]
    pseudonym = Pseudonymizer(load_or_create_key(demo_world.paths.secret_key)).pseudonym
    respondent = pd.read_csv(demo_world.paths.reidentification, dtype=str).query("kind == 'respondent'")
    original = respondent.set_index("pseudonym")["original"]
    frame = result.frames["survey"]
    expected = frame["ID ответа"].map(original).map(survey["respondent_clients"])
    linked = frame["client_id"].notna()
    assert (frame.loc[linked, "client_id"] == expected[linked].map(lambda c: pseudonym(c, "client"))).all()
    assert expected[~linked].notna().sum() <= 5  # only phones shared by two clients stay unlinked
    links = result.links.set_index("source").loc["survey"]
    assert links["not_found"] == survey["n_not_in_crm"]
    assert result.links.set_index("source").loc["interviews", "linked_by_phone"] == 24


def test_demo_generalizes_and_reports(demo_world):
    result = demo_world.anonymized
    clients = result.frames["clients"]
    invalid = (clients.drop_duplicates("Код клиента")["Дата рождения"] == "invalid").sum()
    assert invalid >= demo_world.truth["invalid"]["birth_date_invalid"]
    assert clients["Дата рождения"].dropna().str.fullmatch(r"\d{4}|invalid").all()
    assert {"Адрес регистрации (town)", "Адрес регистрации (region)"} <= set(clients)
    assert result.k_anonymity.loc[0, "records"] == len(clients)
    treatments = result.columns.set_index(["source", "column"])["treatment"]
    assert treatments["clients", "Паспорт"] == "dropped" and treatments["deals", "Статус"] == "kept"
    assert (result.frames["clients"].dtypes == "str").all()
    transcripts = sorted(p.name for p in (demo_world.paths.anonymized / "interviews").iterdir())
    assert transcripts == sorted(result.frames["interviews"]["Файл"]) and len(transcripts) == 24


def test_written_output_is_all_or_nothing(demo_world, monkeypatch):
    demo_world.anonymized
    before = sorted(p.name for p in demo_world.paths.anonymized.iterdir())
    broken = anon.AnonymizeResult(frames={"x": pd.DataFrame({"a": [object()]})},
                                  reidentification=demo_world.anonymized.reidentification)
    with pytest.raises(Exception):
        anon.write_anonymized(broken, demo_world.paths)
    assert sorted(p.name for p in demo_world.paths.anonymized.iterdir()) == before
    assert not [p for p in demo_world.paths.interim.iterdir() if p.name.startswith(".")]


def test_phone_normalization_used_for_linking_accepts_export_formats():
    assert {normalize_phone(v) for v in ["+375 (29) 123-45-67", "80291234567", "375291234567",
                                         "8 029 123 45 67", "+375-29-1234567"]} == {"+375291234567"}


def test_big_exports_streamed_in_blocks_give_the_same_output(demo_world, tmp_path):
    whole = demo_world.anonymized
    streamed = anon.anonymize(demo_world.params, demo_world.paths, sink=tmp_path, block_rows=7_000)
    for name, frame in whole.frames.items():
        written = pd.read_parquet(tmp_path / f"{name}.parquet")
        pd.testing.assert_frame_equal(written, frame.reset_index(drop=True), check_dtype=False)
    for table in ("columns", "scrubbed", "links", "k_anonymity", "pseudonyms"):
        pd.testing.assert_frame_equal(getattr(streamed, table), getattr(whole, table))
