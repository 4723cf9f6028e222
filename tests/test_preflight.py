"""cjm.steps.preflight: which columns each source must have, the XES columns met late in a
log, and the command line (the corpus of bad inputs is tests/test_bad_inputs.py)."""

import os
import re
import subprocess
import sys

import pandas as pd
from engagements import make_engagement

from cjm.core.io import peek_export
from cjm.core.params import load_params
from cjm.core.paths import PROJECT_ROOT
from cjm.steps.preflight import column_problems, expected_columns


def test_the_demo_clients_must_have_every_column_their_params_name():
    params = load_params("demo")
    assert expected_columns(params, "clients") == {
        "sources.clients.identifiers": ["Код клиента", "Менеджер"],
        "sources.clients.name_columns": ["ФИО / Наименование", "Контактное лицо"],  # Менеджер named above
        "sources.clients.link_person": ["Телефон", "E-mail"],
        "sources.clients.drop": ["Паспорт", "Личный номер"],
        "sources.clients.birth_date": ["Дата рождения"],
        "sources.clients.address": ["Адрес регистрации"],
        "sources.clients.free_text": ["Примечание"],
        "anonymize.quasi_identifiers.clients": ["Пол", "Дата рождения", "Город"],
        "clean.tables.clients.columns": ["Код клиента", "Тип клиента", "Пол", "Дата рождения", "Город",
                                         "Дата первого обращения", "Источник", "Менеджер"],
    }


def test_the_survey_source_must_have_the_questions_but_not_what_01_adds():
    expected = expected_columns(load_params("demo"), "survey")
    assert expected["clean.tables.survey.columns"] == ["ID ответа", "Дата заполнения"]  # client_id: 01 links it
    assert expected["survey.nps"] == ["Вероятность рекомендации (0-10)"]
    assert expected["survey.csat.Сбор документов"] == ["CSAT: Сбор документов"]
    assert expected["survey.multi_choice.Подарки и дополнительные услуги.column"] == [
        "Какие подарки и дополнительные услуги были бы вам интересны?"]
    assert not any("client_id" in columns for columns in expected.values())
    lost_reasons = expected_columns(load_params("demo"), "lost_reasons")
    assert lost_reasons["clean.tables.deals.join"] == ["Номер сделки", "Причина отказа", "Стадия отказа"]


def test_a_lead_list_without_ids_must_have_the_mapped_columns_only(tmp_path):
    make_engagement(tmp_path, "bank_leads", scale=0.05)
    assert expected_columns(load_params("bank_leads", tmp_path), "leads") == {"clean.tables.deals.columns": [
        "y", "contact", "age", "job", "marital", "education", "default", "balance", "housing", "loan", "campaign",
        "pdays", "previous", "poutcome"]}


def test_an_xes_column_met_late_in_the_log_is_not_missing(tmp_path):
    log = tmp_path / "log.xes"
    trace = ('<trace><string key="concept:name" value="{case}"/>{extra}<event>'
             '<string key="concept:name" value="A"/></event></trace>')
    log.write_text("<log>" + trace.format(case=1, extra="") + trace.format(
        case=2, extra='<string key="LATE" value="x"/>') + "</log>", encoding="utf-8")
    start = peek_export(log, rows=1)
    assert list(start.columns) == ["case:concept:name", "concept:name"]
    assert column_problems(start, log, {"clean.event_log.case_columns": ["case:LATE"]}) == []
    problem, = column_problems(start, log, {"clean.event_log.case_columns": ["case:LATER"]})
    assert "column 'case:LATER' (did you mean 'case:LATE'?) not found" in problem.problem


def _command(root, name):
    env = {**os.environ, "CJM_ROOT": str(root), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, "-m", "cjm.steps.preflight", name], capture_output=True, text=True,
                          env=env, timeout=120)


def test_the_command_prints_one_line_when_all_is_well_and_each_problem_numbered_when_not(tmp_path):
    make_engagement(tmp_path, "cd_store", scale=0.05)
    done = _command(tmp_path, "cd_store")
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"preflight: 2 sources, \d+ params keys checked in \d+\.\d s\n", done.stdout)

    raw = tmp_path / "data" / "cd_store" / "raw"
    (raw / "purchases.txt").write_bytes(b"")
    pd.read_csv(raw / "reviews.csv").drop(columns="review_creation_date").to_csv(raw / "reviews.csv", index=False)
    done = _command(tmp_path, "cd_store")
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == "preflight: 2 problem(s) with engagement 'cd_store':"
    assert lines[1].startswith("1. ") and lines[1].endswith("purchases.txt is empty (0 bytes)")
    assert lines[2] == "     Fix: ask the client for the export again"
    assert lines[3].startswith("2. ") and "reviews.csv: column 'review_creation_date' (did you mean" in lines[3]
    assert lines[4].startswith("     Fix: correct the column name under 'clean.tables.survey.columns'")
    assert len(lines) == 5
