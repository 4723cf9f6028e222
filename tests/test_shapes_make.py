"""``make all`` on each shape of client data: the README's params examples on generated
exports (tests/engagements.py), each run once in a temporary root and shared by the tests
of its group. The report, the maps and the leak check are there, every absent source is
one plain line of its chapter, no word of the demo's domain is said, and the planted facts
are found."""

import json
import re
import subprocess
import time
import zipfile

import pandas as pd
import pytest
import yaml
from engagements import make_engagement
from test_report_language import SNAKE, client_texts

from cjm.core.paths import PROJECT_ROOT
from cjm.core.schemas import TABLES

pytestmark = pytest.mark.slow

ENGAGEMENTS = ("bank_leads", "telco_churn", "cd_store", "loan_process", "loan_process_csv")
#: Words of the demo's domain (car leasing) that no other engagement's outputs may hold.
DEMO_WORDS = re.compile(r"автомоб|\bавто\b|лизинг|аванс|выдач|выдан|\bcars?\b|leasing|down payment|hand-over|"
                        r"dearer|cheaper", re.IGNORECASE)
_RUNS = {}


def each(*names):
    return pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xdist_group(n))
                                            for n in names or ENGAGEMENTS])


class Run:
    """One ``make all`` of an engagement in its own root."""

    def __init__(self, root, name):
        self.root, self.name = root, name
        self.truth = make_engagement(root, name)
        started = time.perf_counter()
        self.process = subprocess.run(["make", "-C", str(PROJECT_ROOT), "all", f"ENGAGEMENT={name}", f"ROOT={root}"],
                                      capture_output=True, text=True)
        self.seconds = time.perf_counter() - started
        self.outputs = root / "outputs" / name
        self.interim = root / "data" / name / "interim"

    def table(self, name):
        return pd.read_parquet(self.interim / f"{name}.parquet")

    def said(self, notebook: str) -> str:
        """The Markdown an executed notebook displayed (what its chapter says)."""
        cells = json.loads((self.outputs / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(output["data"]["text/markdown"]) for cell in cells
                         for output in cell.get("outputs", []) if "text/markdown" in output.get("data", {}))

    def original(self, kind: str) -> pd.Series:
        """Pseudonym -> original value of one kind of identifier (the re-identification table)."""
        table = pd.read_csv(self.root / "data" / self.name / "private" / "reidentification.csv", dtype=str)
        return table[table["kind"] == kind].set_index("pseudonym")["original"]


@pytest.fixture
def run(name, tmp_path_factory):
    if name not in _RUNS:
        _RUNS[name] = Run(tmp_path_factory.mktemp(name), name)
    made = _RUNS[name]
    assert made.process.returncode == 0, made.process.stdout[-3000:] + made.process.stderr[-3000:]
    return made


@each()
def test_make_all_writes_the_report_the_maps_and_passes_the_leak_check(run):
    report = run.outputs / "report"
    assert (report / "index.html").exists() and len(list(report.glob("0[1-7]_*.html"))) == 7
    assert (report / "maps" / "map_all.png").stat().st_size > 50_000
    assert (report / "maps" / "map_all.html").exists() and (report / "journey_model.json").exists()
    assert (run.outputs / ".leak-check").exists()
    print(f"{run.name}: make all in {run.seconds:.0f} s")


@each()
def test_no_internal_name_in_the_chapters(run):
    """As tests/test_report_language.py on the demo: no code name reaches a chapter, but the
    client's own column names (the values of its params) and its data's words."""
    params = yaml.safe_load((run.root / "params" / f"{run.name}.yaml").read_text(encoding="utf-8"))

    def strings(node):
        if isinstance(node, dict):
            return [s for v in node.values() for s in strings(v)]
        return [s for v in node for s in strings(v)] if isinstance(node, list) else [node]

    theirs = {w for s in strings(params) if isinstance(s, str) for w in SNAKE.findall(s)}
    for table in TABLES:
        if (run.interim / f"{table}.parquet").exists():
            frame = run.table(table)
            for column in frame.select_dtypes(exclude="number").columns:
                theirs.update(w for v in frame[column].dropna().astype(str).unique()[:3000] for w in SNAKE.findall(v))
    chapters = {k: v for k, v in client_texts(run.outputs / "report").items() if k.endswith(".html")}
    found = {where: sorted({m.group(0) for m in SNAKE.finditer(text)} - theirs) for where, text in chapters.items()}
    assert {where: words for where, words in found.items() if words} == {}


@each("bank_leads")
def test_make_reruns_only_the_steps_that_import_a_changed_module(run):
    """Make's graph from the imports (cjm.core.deps): a map renderer feeds 07 and the report,
    the report's code the report only, and with nothing changed nothing runs. ``-W`` has Make
    take the module as just edited (its content the same: each step Make starts finds what
    it reads unchanged and keeps its outputs); the runs are real, on the engagement made above."""
    def rerun(*edited):
        args = ["make", "-C", str(PROJECT_ROOT), "all", f"ENGAGEMENT={run.name}", f"ROOT={run.root}"]
        process = subprocess.run(args + [f"--what-if={path}" for path in edited], capture_output=True, text=True)
        assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
        return sorted(re.findall(r"(?m)^(0\d_\w+) …$", process.stdout)), \
            "cjm.present.report" in process.stdout

    assert rerun() == ([], False)
    assert rerun("cjm/present/maps.py") == (["07_cjm"], True)
    assert rerun("cjm/present/report.py") == ([], True)
    assert rerun("cjm/analysis/journey_model.py") == (["07_cjm"], True)


def _texts(folder):
    """Every text the outputs hold, by file: text files as they are, workbooks' cells."""
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".html", ".json", ".csv", ".svg", ".ipynb"):
            yield path, path.read_text(encoding="utf-8", errors="replace")
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                yield path, " ".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))


@each()
def test_no_word_of_the_demo_domain(run):
    found = {str(path.relative_to(run.outputs)): sorted(set(DEMO_WORDS.findall(text)))
             for path, text in _texts(run.outputs) if DEMO_WORDS.search(text)}
    assert not found, found


def line(name, notebook, passage):
    return pytest.param(name, notebook, passage, marks=pytest.mark.xdist_group(name))


@pytest.mark.parametrize("name, notebook, passage", [
    line("bank_leads", "01_anonymize", "without an identifier column"),
    line("bank_leads", "05_interviews", "no interviews, open answers or mystery-shopper notes"),
    line("bank_leads", "06_funnel", "no stage history"),
    line("bank_leads", "06_funnel", "Times in stage are not counted"),
    line("telco_churn", "04_survey", "Опрос ещё не проводился"),
    line("telco_churn", "06_funnel", "Истории этапов в выгрузках нет"),
    line("cd_store", "04_survey", "не рассчитываются"),
    line("cd_store", "05_interviews", "для языка текстов (pt) нет словаря"),
    line("cd_store", "06_funnel", "Потерянных сделок нет"),
    line("loan_process", "03_segment", "No segmentation"),
    line("loan_process", "06_funnel", "outside the funnel's stages"),
    line("loan_process", "06_funnel", "rarer links"),
    line("loan_process", "06_funnel", "No distinct client journeys"),
])
def test_what_an_engagement_lacks_is_one_plain_line(run, notebook, passage):
    assert passage in run.said(notebook)


@each("bank_leads")
def test_leads_funnel_and_channels_as_planted(run):
    truth = run.truth.assign(deal_id=lambda t: [f"leads:{i}" for i in range(1, len(t) + 1)])
    deals = run.table("deals").assign(original=lambda d: d["deal_id"].map(run.original("row")))
    merged = deals.merge(truth, left_on="original", right_on="deal_id")
    assert len(merged) == len(truth) and (merged["outcome"].eq("won") == merged["y"].eq("yes")).all()
    funnel = run.table("stage_funnel")
    by_channel = funnel[(funnel["breakdown"] == "channel") & (funnel["stage"] == "Lead")].set_index("group")
    planted = truth.groupby("contact")["y"].apply(lambda y: y.eq("yes").mean())
    assert by_channel["conversion"].to_dict() == pytest.approx(planted.to_dict())


@each("telco_churn")
def test_subscriptions_churn_by_contract_as_planted(run):
    deals = run.table("deals").assign(original=lambda d: d["client_id"].map(run.original("client")))
    merged = deals.merge(run.truth, left_on="original", right_on="customerID")
    assert len(merged) == len(run.truth) and (merged["outcome"].eq("lost") == merged["churn"]).all()
    funnel = run.table("stage_funnel")
    kept = funnel[(funnel["breakdown"] == "product") & (funnel["stage"] == "Подключение")].set_index("group")
    assert kept["conversion"].to_dict() == pytest.approx((1 - merged.groupby("product")["churn"].mean()).to_dict())


@each("cd_store")
def test_reviews_in_portuguese_are_coded_to_their_planted_themes(run):
    fragments = run.table("coded_fragments")
    reviews = run.truth["reviews"]
    respondent = run.original("respondent")
    coded = fragments.assign(review_id=fragments["doc_id"].map(respondent)).groupby("review_id")["code"].apply(set)
    themes = {"atraso": "Задержка доставки", "defeito": "Брак", "atendimento": "Поддержка не отвечает",
              "entrega rápida": "Быстрая доставка"}
    for theme, code in themes.items():
        planted = set(reviews.loc[reviews["themes"].map(lambda t, th=theme: th in t), "review_id"])
        found = {r for r, codes in coded.items() if code in codes}
        assert len(planted & found) >= 0.8 * len(planted), (theme, len(planted), len(planted & found))
        assert len(found - planted) <= 0.1 * len(found), (theme, found - planted)


@each("loan_process", "loan_process_csv")
def test_event_log_cases_end_as_planted(run):
    deals = run.table("deals").assign(case=lambda d: d["deal_id"].map(run.original("deal")))
    merged = deals.merge(run.truth["cases"].astype({"case": str}), on="case")
    assert len(merged) == len(run.truth["cases"])
    expected = merged["outcome_y"].map({"approved": "won", "declined": "lost", "cancelled": "lost", "open": "open"})
    assert (merged["outcome_x"] == expected).all()
    reasons = merged.loc[merged["outcome_y"].isin(["declined", "cancelled"])]
    assert (reasons["lost_reason"] == "A_" + reasons["outcome_y"].str.upper()).all()
    events = run.table("stage_events")
    assert set(events["lifecycle"].str.upper()) == {"COMPLETE"}
