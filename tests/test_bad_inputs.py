"""A corpus of bad inputs, each spoiling one small engagement that is not the demo (the README's
lead list, purchase log and process log, tests/engagements.py) or the small demo (xlsx and
docx): each is met by one clear CjmError (for the preflight: its list of problems) naming
the file, column or key and saying the fix, quickly, with nothing half-written.

Problems the files and params show are the preflight's (cjm.steps.preflight, seconds, nothing
written); problems in the values are 02's (dates, amounts, statuses) and 04's (scores), whose
files the preflight finds sound.
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest
from engagements import make_engagement

from cjm.core.errors import CjmError
from cjm.core.params import load_params
from cjm.core.paths import PROJECT_ROOT, EngagementPaths
from cjm.privacy.anonymize import run_anonymize
from cjm.steps.clean import run_clean
from cjm.steps.preflight import check_engagement
from cjm.steps.survey import run_survey
from demo import engagement as demo

#: The preflight's limit on the small engagements (it takes well under a second).
SECONDS = 10


# ----------------------------------------------------------------------------- spoiling a file
def _raw(root: Path, name: str) -> Path:
    return EngagementPaths(name, root).raw


def _params(root: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in the engagement's params file."""
    path = root / "params" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _bank(root: Path) -> pd.DataFrame:
    return pd.read_csv(_raw(root, "bank_leads") / "bank.csv", sep=";", dtype=str, keep_default_na=False)


def _write_bank(root: Path, frame: pd.DataFrame, encoding: str = "utf-8", **options) -> None:
    options = {"sep": ";", "quoting": csv.QUOTE_MINIMAL, **options}
    frame.to_csv(_raw(root, "bank_leads") / "bank.csv", index=False, encoding=encoding, lineterminator="\n",
                 **options)


def _cyrillic_jobs(root: Path) -> pd.DataFrame:
    """The lead list with its jobs in Russian (bytes that tell the encodings apart)."""
    bank = _bank(root)
    return bank.assign(job=bank["job"].map({"student": "студент", "retired": "пенсионер"}).fillna(bank["job"]))


def _spaced_bank(root: Path) -> None:
    """The lead list as a fixed-width text export: columns apart by runs of spaces."""
    text = _bank(root).to_string(index=False)
    (_raw(root, "bank_leads") / "bank.csv").write_text(text + "\n", encoding="utf-8")


def _purchases(root: Path, change: Callable[[pd.DataFrame], None]) -> None:
    """Change the purchase log (columns as text) and write it back as runs of spaces."""
    path = _raw(root, "cd_store") / "purchases.txt"
    frame = pd.read_csv(path, sep=r"\s+", dtype=str)
    change(frame)
    path.write_text(frame.to_string(index=False) + "\n", encoding="utf-8")


def _every_third(frame: pd.DataFrame, column: str, value: str) -> None:
    frame.loc[frame.index % 3 == 0, column] = value


def _reviews(root: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = _raw(root, "cd_store") / "reviews.csv"
    change(pd.read_csv(path, dtype=str, keep_default_na=False)).to_csv(path, index=False)


def _demo_deals(root: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Change the small demo's deals (cp1251, ';', as the CRM exports them) and write them back."""
    path = _raw(root, "demo") / "crm_deals.csv"
    frame = change(pd.read_csv(path, sep=";", encoding="cp1251", dtype=str, keep_default_na=False))
    frame.to_csv(path, sep=";", encoding="cp1251", index=False, lineterminator="\n")


def _closed_before_created(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates swapped in the first three deals that closed a day or more after they were created."""
    created, closed = pd.to_datetime(frame["Дата создания"], format="%d.%m.%Y"), pd.to_datetime(
        frame["Дата закрытия"], format="%d.%m.%Y", errors="coerce")
    rows = frame.index[(closed - created).dt.days >= 1][:3]
    frame.loc[rows, ["Дата создания", "Дата закрытия"]] = frame.loc[rows, ["Дата закрытия", "Дата создания"]].to_numpy()
    return frame


def _conflicting_repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """The first two won deals repeated as lost (same deal number, another status)."""
    won = frame[frame["Статус"] == frame["Статус"].mode()[0]].head(2)
    other = next(status for status in frame["Статус"].unique() if status != won["Статус"].iloc[0] and status)
    return pd.concat([frame, won.assign(Статус=other)], ignore_index=True)


def _header_only(path: Path) -> None:
    path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")


def _xlsx_header_only(path: Path, sheet: str) -> None:
    columns = pd.read_excel(path, sheet_name=sheet, nrows=0).columns
    pd.DataFrame(columns=columns).to_excel(path, sheet_name=sheet, index=False)


# ----------------------------------------------------------------------------- the corpus
@dataclass
class Case:
    """One bad input: how it spoils its engagement, which step meets it, and what the one
    message must say (``says``: the file, column or key; ``fix``: words of the fix)."""

    name: str
    engagement: str
    spoil: Callable[[Path], None]
    step: str  # preflight (also: load_params), clean (02) or survey (04)
    says: tuple[str, ...]
    fix: tuple[str, ...] = ()
    problems: int = 1
    params: bool = False  # a params problem: load_params raises it too, as one error
    also: tuple[tuple[str, ...], ...] = field(default_factory=tuple)  # other problems' words


ENC = "sources.leads.format"

CASES = [
    # --- files the preflight finds, on the lead list (bank.csv, ';', quoted, UTF-8)
    Case("empty file", "bank_leads", lambda r: (_raw(r, "bank_leads") / "bank.csv").write_bytes(b""),
         "preflight", ("bank.csv is empty (0 bytes)",), ("ask the client for the export again",)),
    Case("header only", "bank_leads", lambda r: _header_only(_raw(r, "bank_leads") / "bank.csv"),
         "preflight", ("bank.csv has a header but no rows",), ("ask the client for the export again",)),
    Case("cp1251 file declared utf-8", "bank_leads", lambda r: (
        _write_bank(r, _cyrillic_jobs(r), encoding="cp1251"),
        _params(r, "bank_leads", "file: bank.csv", "file: bank.csv\n    format: {encoding: utf-8}")),
         "preflight", ("bank.csv is not in encoding utf-8",),
         ("it looks like cp1251", f"set '{ENC}.encoding'")),
    Case("utf-8 file declared cp1251", "bank_leads", lambda r: (
        _write_bank(r, _cyrillic_jobs(r)),
        _params(r, "bank_leads", "file: bank.csv", "file: bank.csv\n    format: {encoding: cp1251}")),
         "preflight", ("bank.csv is not in encoding cp1251: it is UTF-8 text",),
         ("it looks like utf-8", f"set '{ENC}.encoding'")),
    Case("wrong separator", "bank_leads", lambda r: _params(
        r, "bank_leads", "file: bank.csv", "file: bank.csv\n    format: {sep: \",\"}"),
         "preflight", ("bank.csv: delimiter ',' (comma) not found in the header line",),
         (f"the columns are split by ';' (semicolon): set '{ENC}.sep' to \";\"",)),
    Case("tab-separated, declared ';'", "bank_leads", lambda r: (
        _write_bank(r, _bank(r), sep="\t"),
        _params(r, "bank_leads", "file: bank.csv", "file: bank.csv\n    format: {sep: \";\"}")),
         "preflight", ("bank.csv: delimiter ';' (semicolon) not found in the header line",),
         (f"the columns are split by '\\t' (tab): set '{ENC}.sep' to \"\\t\"",)),
    Case("whitespace-separated, declared ';'", "bank_leads", lambda r: (
        _spaced_bank(r), _params(r, "bank_leads", "file: bank.csv", "file: bank.csv\n    format: {sep: \";\"}")),
         "preflight", ("bank.csv: delimiter ';' (semicolon) not found in the header line",),
         (f"the columns are split by '\\s+' (spaces): set '{ENC}.sep' to '\\s+'",)),
    Case("missing column", "bank_leads", lambda r: _write_bank(r, _bank(r).drop(columns="contact")),
         "preflight", ("bank.csv: column 'contact' not found; it has: age, job",),
         ("correct the column name under 'clean.tables.deals.columns'",)),
    Case("renamed column", "bank_leads", lambda r: _write_bank(r, _bank(r).rename(columns={"balance": "balance_eur"})),
         "preflight", ("bank.csv: column 'balance' (did you mean 'balance_eur'?) not found",),
         ("correct the column name under 'clean.tables.deals.columns' (renamed or misspelt? 'balance' -> "
          "'balance_eur')",)),
    Case("missing file", "bank_leads", lambda r: (_raw(r, "bank_leads") / "bank.csv").unlink(),
         "preflight", ("file not found: ", "bank.csv"),
         ("put the export there or correct 'sources.leads.file' in the params",)),
    Case("renamed file", "bank_leads", lambda r: (_raw(r, "bank_leads") / "bank.csv").rename(
        _raw(r, "bank_leads") / "bank_2025.csv"),
         "preflight", ("file not found: ", "bank.csv"),
         ("'bank_2025.csv' is there (renamed?): put the export there or correct 'sources.leads.file'",)),
    # --- params, on the lead list: load_params raises one error, the preflight lists each problem
    Case("params: unknown key", "bank_leads", lambda r: _params(
        r, "bank_leads", "  breakdowns: [", "  breakdown: ["),
         "preflight", ("bank_leads.yaml: unknown key 'funnel.breakdown'",),
         ("did you mean 'breakdowns'?",), params=True),
    Case("params: wrong type", "bank_leads", lambda r: _params(r, "bank_leads", "seed: 7", "seed: seven"),
         "preflight", ("bank_leads.yaml: key 'seed' is 'seven'",), ("expected a whole number >= 0",), params=True),
    Case("params: not one of the choices", "bank_leads", lambda r: _params(
        r, "bank_leads", "language: en", "language: english"),
         "preflight", ("bank_leads.yaml: key 'language' is 'english'",), ("expected one of ['ru', 'en']",),
         params=True),
    Case("params: YAML syntax error", "bank_leads", lambda r: _params(
        r, "bank_leads", "stages: [Lead, Deposit]", "stages: [Lead, Deposit"),
         "preflight", ("bank_leads.yaml: not valid YAML", "line 7"), ("fix the YAML syntax at the line shown",),
         params=True),
    Case("params: several problems at once", "bank_leads", lambda r: (
        _params(r, "bank_leads", "seed: 7", "seed: seven"),
        _params(r, "bank_leads", "language: en\n", ""),
        _params(r, "bank_leads", "won_stage: Deposit", "won_stage: Deposit made"),
        _params(r, "bank_leads", "  k_max: 6", "  k_max: 6\n  k_maximum: 8")),
         "preflight", ("bank_leads.yaml: key 'seed' is 'seven'",), ("expected a whole number >= 0",),
         problems=4, params=True, also=(("unknown key 'segment.k_maximum'", "did you mean 'k_max'?"),
                                        ("key 'language' is '<missing>'", "expected one of ['ru', 'en']"),
                                        ("key 'won_stage' is 'Deposit made'", "listed under 'stages'"))),
    Case("params: a section given as a list", "bank_leads", lambda r: _params(
        r, "bank_leads", "funnel:\n  breakdowns: [segment, channel, previous_outcome, job]",
        "funnel: [segment, channel]\nexport_date: soon"),
         "preflight", ("bank_leads.yaml: key 'funnel' is ['segment', 'channel']",),
         ("expected a mapping with keys journey_stage_of",), problems=2, params=True,
         also=(("key 'export_date' is 'soon'", "expected a date as YYYY-MM-DD"),)),
    Case("params and a file at once", "bank_leads", lambda r: (
        _params(r, "bank_leads", "seed: 7", "seed: -7"), _header_only(_raw(r, "bank_leads") / "bank.csv")),
         "preflight", ("bank_leads.yaml: key 'seed' is -7",), ("expected a whole number >= 0",), problems=2,
         also=(("bank.csv has a header but no rows", "ask the client"),)),
    # --- files the preflight finds, on the purchase log and reviews (two sources)
    Case("a survey question's column renamed", "cd_store", lambda r: _reviews(
        r, lambda f: f.rename(columns={"review_score": "review_score_5"})),
         "preflight", ("reviews.csv: column 'review_score' (did you mean 'review_score_5'?) not found",),
         ("correct the column name under 'survey.csat.Покупка'", "'review_score' -> 'review_score_5'")),
    Case("two sources bad at once", "cd_store", lambda r: (
        (_raw(r, "cd_store") / "purchases.txt").write_bytes(b""), _header_only(_raw(r, "cd_store") / "reviews.csv")),
         "preflight", ("purchases.txt is empty (0 bytes)",), ("ask the client",), problems=2,
         also=(("reviews.csv has a header but no rows", "ask the client"),)),
    # --- the process log
    Case("an .xes.gz log that is not compressed", "loan_process", lambda r: (
        _raw(r, "loan_process") / "applications.xes.gz").write_bytes(
            (_raw(r, "loan_process") / "applications.xes").read_bytes()),
         "preflight", ("applications.xes.gz is not gzip-compressed although its name ends in .gz",),
         ("rename it to .xes if it is plain XML",)),
    # --- the small demo's xlsx and docx
    Case("corrupt xlsx", "demo", lambda r: (_raw(r, "demo") / "crm_clients.xlsx").write_bytes(
        (_raw(r, "demo") / "crm_clients.xlsx").read_bytes()[:5000]),
         "preflight", ("crm_clients.xlsx: cannot be read as xlsx (BadZipFile",),
         ("open it in Excel and save it again as .xlsx",)),
    Case("the sheet named in the format is not there", "demo", lambda r: _params(
        r, "demo", "format: {sheet: Контрагенты}", "format: {sheet: Клиенты}"),
         "preflight", ("crm_clients.xlsx: no sheet 'Клиенты'",),
         ("set 'sources.clients.format.sheet' to one of ['Контрагенты']",)),
    Case("an xlsx with a header only", "demo", lambda r: _xlsx_header_only(
        _raw(r, "demo") / "post_deal_nps.xlsx", "NPS"),
         "preflight", ("post_deal_nps.xlsx has a header but no rows",), ("ask the client for the export again",)),
    Case("corrupt docx transcript", "demo", lambda r: (_raw(r, "demo") / "interviews" / "interview_02.docx")
         .write_bytes(b"PK\x03\x04 not a document"),
         "preflight", ("interview_02.docx: cannot be read as .docx", "(listed in column 'Файл' of index.xlsx)"), ("open it in Word and save it again as .docx",)),
    Case("missing transcript", "demo", lambda r: (_raw(r, "demo") / "interviews" / "interview_01.txt").unlink(),
         "preflight", ("transcript not found: ", "interview_01.txt (listed in column 'Файл' of index.xlsx)"),
         ("correct the file name in the interview index",)),
    Case("a date format that is not the export's", "demo", lambda r: _params(
        r, "demo", 'date_format: "%d.%m.%Y"', 'date_format: "%Y-%m-%d"'),
         "preflight", ("crm_deals.csv: column 'Дата создания' (mapped to deals.created_at) has none of its first",
                       "readable as datetime, e.g. '"),
         ("set 'clean.tables.deals.date_format' to the export's format (now %Y-%m-%d)",), problems=2,
         also=(("column 'Дата закрытия' (mapped to deals.closed_at)", "clean.tables.deals.date_format"),)),
    # --- values: the files are sound, 02 and 04 meet them
    # the purchase log has 228 rows: every third is rows 0, 3, ..., 225, 76 of them (33%)
    Case("unreadable dates", "cd_store", lambda r: _purchases(r, lambda f: _every_third(f, "date", "31.02.98г")),
         "clean", ("source 'purchases' (purchases.txt): column 'date' (mapped to deals.created_at) has 76 of 228 "
                   "values (33%) that cannot be read as datetime, e.g. '31.02.98г'",),
         ("check the column map 'clean.tables.deals.columns.created_at'", "set 'clean.tables.deals.date_format'",
          "raise 'clean.max_invalid_share' (now 0.05)")),
    Case("text in amounts", "cd_store", lambda r: _purchases(r, lambda f: _every_third(f, "amount", "n/a")),
         "clean", ("source 'purchases' (purchases.txt): column 'amount' (mapped to deals.amount) has 76 of 228 "
                   "values (33%) that cannot be read as number, e.g. 'n/a'",),
         ("check the column map 'clean.tables.deals.columns.amount'", "raise 'clean.max_invalid_share'")),
    Case("unmapped statuses", "bank_leads", lambda r: _write_bank(
        r, _bank(r).assign(y=lambda f: f["y"].where(f.index % 4 > 0, "maybe"))),
         "clean", ("source 'leads' (bank.csv): column 'y' has statuses 'maybe' that are not mapped",),
         ("list them under 'clean.tables.deals.values.outcome'", "'*' maps all others")),
    # 02's date checks and duplicate rules, set to stop (by default the rows are set aside and counted)
    Case("dates after the export date", "cd_store", lambda r: (
        _purchases(r, lambda f: _every_third(f, "date", "20310501")),
        _params(r, "cd_store", "clean:\n  tables:", "clean:\n  dates: {future: stop}\n  tables:")),
         "clean", ("76 rows of table 'deals' are dated after the export date 1998-07-01 (created_at in 76)",),
         ("correct the export or 'export_date'", "set 'clean.dates.future' to set_aside")),
    Case("deals closed before they were created", "demo", lambda r: (
        _demo_deals(r, _closed_before_created),
        _params(r, "demo", "clean:\n", "clean:\n  dates: {closed_before_created: stop}\n")),
         "clean", ("3 rows of table 'deals' were closed before they were created",),
         ("'clean.tables.deals.columns'", "set 'clean.dates.closed_before_created' to set_aside")),
    Case("conflicting duplicate ids", "demo", lambda r: (
        _demo_deals(r, _conflicting_repeats),
        _params(r, "demo", "clean:\n", "clean:\n  duplicates: stop\n")),
         "clean", ("2 values of the key 'Номер сделки' (deal_id) have rows that disagree", "'Статус' (outcome)"),
         ("set 'clean.duplicates' to keep_latest",)),
    Case("out-of-range survey scores", "cd_store", lambda r: _reviews(
        r, lambda f: f.assign(review_score=(f["review_score"].astype(int) * 2).astype(str))),
         # 16 reviews, scores doubled: those of 1 and 2 stay in the scale, the 10 of 3, 4, 5 leave it
         "survey", ("reviews.csv (read as ", "survey.parquet): column 'review_score' (survey.csat.Покупка) has 10 of 16 "
                    "answers (62%) that are not whole numbers 1-5, e.g. "),
         ("check the column map 'survey.csat.Покупка' or set 'survey.csat_scale' (now [1, 5])",
          "raise 'survey.max_invalid_share' (now 0.05)")),
]


# ----------------------------------------------------------------------------- the engagements
@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """Each engagement the corpus spoils, made once: name -> its root."""
    roots = {}
    for name in ("bank_leads", "cd_store", "loan_process"):
        roots[name] = tmp_path_factory.mktemp(name)
        make_engagement(roots[name], name, scale=0.1)
    roots["demo"] = tmp_path_factory.mktemp("demo")
    (roots["demo"] / "params").mkdir()
    shutil.copy(PROJECT_ROOT / "params" / "demo.yaml", roots["demo"] / "params")
    demo.generate("demo", scale=0.1, root=roots["demo"])
    return roots


@pytest.fixture
def spoiled(pristine, tmp_path, request):
    """A copy of the case's engagement, spoiled: (case, root)."""
    case = request.param
    root = tmp_path / "root"
    shutil.copytree(pristine[case.engagement], root)
    case.spoil(root)
    return case, root


def _written(root: Path, name: str) -> list[Path]:
    """Files under the engagement's interim/ and outputs/ (the anonymized sources aside)."""
    paths = EngagementPaths(name, root)
    return sorted(p for folder in (paths.interim, paths.outputs) if folder.exists() for p in folder.rglob("*")
                  if paths.anonymized not in p.parents and p != paths.anonymized)


def _says(error: CjmError, says, fix) -> None:
    for words in says:
        assert words in error.problem, (words, str(error))
    for words in fix:
        assert words in (error.fix or ""), (words, str(error))


def _preflight_case(case: Case, root: Path) -> None:
    start = time.perf_counter()
    problems = check_engagement(case.engagement, root)
    assert time.perf_counter() - start < SECONDS
    assert len(problems) == case.problems, "\n".join(map(str, problems))
    assert all(isinstance(p, CjmError) and p.fix for p in problems)
    _says(problems[0], case.says, case.fix)
    for other, words in zip(problems[1:], case.also):
        _says(other, words[:1], words[1:])
    assert _written(root, case.engagement) == []
    if case.params:  # load_params: one error, listing them all
        with pytest.raises(CjmError) as error:
            load_params(case.engagement, root)
        if case.problems == 1:
            assert str(error.value) == str(problems[0])
        else:
            assert error.value.problem.splitlines()[0].endswith(f"{case.engagement}.yaml: {case.problems} problems")
            for problem in problems:
                assert problem.problem.split(".yaml: ", 1)[1] in str(error.value)


def _step_case(case: Case, root: Path) -> None:
    assert check_engagement(case.engagement, root) == []  # the files are sound: the values are 02's or 04's
    params, paths = load_params(case.engagement, root), EngagementPaths(case.engagement, root)
    run_anonymize(params, paths, n_jobs=1)
    if case.step == "survey":
        run_clean(params, paths)
    before = _written(root, case.engagement)
    with pytest.raises(CjmError) as error:
        run_clean(params, paths) if case.step == "clean" else run_survey(params, paths)
    _says(error.value, case.says, case.fix)
    assert _written(root, case.engagement) == before  # no table, half a table or workbook left


@pytest.mark.parametrize("spoiled", CASES, ids=[case.name for case in CASES], indirect=True)
def test_a_bad_input_gets_one_clear_message(spoiled):
    case, root = spoiled
    (_preflight_case if case.step == "preflight" else _step_case)(case, root)


def test_the_corpus_is_wide():
    assert len(CASES) >= 25
    assert {case.engagement for case in CASES} == {"bank_leads", "cd_store", "loan_process", "demo"}
    assert {case.step for case in CASES} == {"preflight", "clean", "survey"}


@pytest.mark.parametrize("name", ["bank_leads", "cd_store", "loan_process", "demo"])
def test_the_unspoiled_engagements_pass_the_preflight(pristine, name):
    assert check_engagement(name, pristine[name]) == []
