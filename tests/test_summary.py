"""The report's executive summary (cjm.analysis.summary, cjm.present.summary) and the contents
page it opens: every number equals the one its chapter shows, an engagement without a
survey or interviews says so in plain lines, and the page reads summary, maps, workbooks,
then the chapters as appendices, each workbook there linked once."""

import re
import shutil

import nbformat
import pandas as pd
import pytest
import yaml
from nbformat.v4 import new_markdown_cell, new_notebook

from cjm.analysis.funnel import findings as funnel_findings
from cjm.analysis.summary import MISSING, summarize
from cjm.core.params import load_params
from cjm.core.paths import EngagementPaths
from cjm.present.formats import format_count, format_number, format_percent
from cjm.present.maps import map_title
from cjm.present.report import WORKBOOKS, write_index
from cjm.present.summary import read_summary, summary_html, summary_of
from cjm.present.survey import findings as survey_findings
from cjm.present.words import section

CHAPTERS = ("01_anonymize", "02_clean", "03_segment", "04_survey", "05_interviews", "06_funnel", "07_cjm")
#: The interim tables the summary reads.
READ = ("segments", "segment_profiles", "nps_overall", "nps_by_segment", "nps_own", "survey_scores", "stage_funnel",
        "journeys")


# ----------------------------------------------------------------------------- the demo's numbers


@pytest.fixture(scope="module")
def demo(demo_world):
    demo_world.mapped
    return demo_world, read_summary(demo_world.paths)


def test_the_demo_lacks_nothing(demo):
    _, summary = demo
    assert summary.missing == {}


def test_segments_are_03s(demo):
    world, summary = demo
    profiles = pd.read_parquet(world.paths.table("segment_profiles"))
    mine = profiles[profiles["segment"] != "all"].reset_index(drop=True)
    assert summary.segments["segment"].tolist() == mine["segment"].tolist()
    assert summary.segments["segment_name"].tolist() == mine["segment_name"].tolist()
    assert summary.segments["clients"].tolist() == mine["clients"].tolist()
    labels = pd.read_parquet(world.paths.table("segments"))  # and 03's labels of every client agree
    counts = labels["segment"].astype(str).value_counts()
    assert summary.segments.set_index("segment")["clients"].to_dict() == counts.to_dict()
    planted, _ = world.planted_without_hygiene()  # the planted scope less the clients 02 set aside for hygiene
    assert summary.clients == len(labels) == (planted == "in_scope").sum()
    assert summary.segments["share"].tolist() == pytest.approx((summary.segments["clients"] / len(labels)).tolist())
    by_segment = world.surveyed.by_segment.set_index(world.surveyed.by_segment["segment"].astype(str))
    assert summary.segments.set_index("segment")["nps"].to_dict() == pytest.approx(by_segment["nps"].to_dict())


def test_nps_and_the_companys_own_are_04s(demo):
    world, summary = demo
    said = survey_findings(world.surveyed, world.params["survey"], "ru")  # what 04's passages quote
    assert summary.nps["nps"] == pytest.approx(said["nps"])
    assert (summary.nps["ci_low"], summary.nps["ci_high"]) == pytest.approx((said["nps_low"], said["nps_high"]))
    assert summary.nps["n"] == said["in_segments"]
    assert summary.own["own"] == pytest.approx(said["own"]) and summary.own["own_n"] == said["own_n"]
    assert summary.own["difference"] == pytest.approx(said["difference"])
    assert summary.own["direction"] == said["own_direction"] == "lower"  # the demo's planted gap


def test_the_bottleneck_is_06s(demo):
    world, summary = demo
    said = funnel_findings(world.funneled)
    assert summary.bottleneck == {"stage": said["bottleneck"], "lost": said["bottleneck_lost"],
                                  "lost_share": pytest.approx(said["bottleneck_share"]),
                                  "loss_rate": pytest.approx(said["bottleneck_rate"])}
    assert summary.bottleneck["stage"] == world.truth_json()["bottleneck_stage"]


def test_journeys_are_06s_with_the_agreed_names(demo):
    world, summary = demo
    labels = world.funneled.journeys.labels
    sizes = labels["journey"].astype(str).value_counts()
    assert summary.journeys.set_index("journey")["clients"].to_dict() == sizes.to_dict()
    assert summary.journeys["share"].sum() == pytest.approx(1)
    agreed = {str(k): v for k, v in world.params["funnel"]["journey_names"].items()}
    assert summary.journeys.set_index("journey")["journey_name"].to_dict() == agreed
    titles = {m.journey: map_title(m, "ru") for m in world.mapped.models[1:]}  # as the maps call them
    assert summary.journeys.set_index("journey")["journey_name"].to_dict() == titles
    planted = {j: spec["name"] for j, spec in world.truth_json()["journeys"].items()}
    assert titles == planted


def test_barriers_are_07s_first_five(demo):
    world, summary = demo
    ranked = world.mapped.models[0].recommendations
    assert len(ranked) > 5 and len(summary.barriers) == 5
    for row, rec in zip(summary.barriers.to_dict("records"), ranked):
        assert (row["rank"], row["barrier"], row["stage"], row["owner"], row["action"]) == (
            rec["rank"], rec["barrier"], rec["stage"], rec["owner"], rec["action"])
        assert row["impact"] == pytest.approx(rec["impact"])
    assert summary.barriers["impact"].is_monotonic_decreasing
    assert summary.barriers["owner"].map(bool).all()  # every barrier has an owner in the demo
    written = summary.barriers["action"].map(lambda a: isinstance(a, str) and bool(a))
    assert written.any() and not written.all()  # the demo leaves one top barrier's action unwritten


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_number_is_written_as_its_chapter_and_links_to_it(demo, language):
    world, summary = demo
    chapters = {stem: f"{stem}.html" for stem in CHAPTERS}
    page = summary_html(summary, language, "Где уходят клиенты?", chapters, own_label="NPS после сделки")

    def linked(text, chapter):
        return f'<a class="cjm-num" href="{chapter}.html">{text}</a>' in page

    for row in summary.segments.itertuples():
        assert linked(format_count(row.clients, language), "03_segment")
        assert linked(format_percent(row.share, language), "03_segment")
        assert linked(format_number(row.nps, language), "04_survey")
    assert linked(format_count(summary.clients, language), "03_segment")
    for key in ("nps", "ci_low", "ci_high"):
        assert linked(format_number(summary.nps[key], language), "04_survey")
    assert linked(format_number(summary.own["own"], language), "04_survey")
    assert linked(format_count(abs(round(summary.own["difference"])), language), "04_survey")
    neck = summary.bottleneck
    assert linked(format_count(neck["lost"], language), "06_funnel") and neck["stage"] in page
    assert linked(format_percent(neck["lost_share"], language), "06_funnel")
    assert linked(format_percent(neck["loss_rate"], language), "06_funnel")
    for row in summary.journeys.itertuples():
        assert linked(format_count(row.clients, language), "06_funnel") and row.journey_name in page
    for row in summary.barriers.itertuples():
        assert linked(format_number(row.impact, language, 2), "07_cjm") and row.owner in page
        assert (row.action if isinstance(row.action, str) else section(language, "summary")["no_action"]) in page
    assert "Где уходят клиенты?" in page and "NPS после сделки" in page
    assert section(language, "summary")["no_question"] not in page
    hrefs = set(re.findall(r'class="cjm-num" href="([^"]+)"', page))
    assert hrefs == {f"{stem}.html" for stem in ("03_segment", "04_survey", "06_funnel", "07_cjm")}


def test_without_chapter_pages_numbers_are_plain_and_the_question_neutral(demo):
    _, summary = demo
    page = summary_html(summary, "en")
    assert "cjm-num" not in page and "<a " not in page
    assert section("en", "summary")["no_question"] in page


# ----------------------------------------------------------------------------- what an engagement lacks


def test_nothing_there_is_a_plain_line_each():
    summary = summarize()
    assert summary.missing == {"segments": "no_segments", "nps": "no_survey", "bottleneck": "no_funnel",
                               "journeys": "no_journeys", "barriers": "no_maps"}
    for language in ("ru", "en"):
        page = summary_html(summary, language)
        words = section(language, "summary")
        for code in summary.missing.values():
            assert f"<p>{words[code]}</p>" in page.replace("&#x27;", "'")


def test_each_code_of_a_missing_part_has_words():
    for language in ("ru", "en"):
        words = section(language, "summary")
        assert all(code in words for codes in MISSING.values() for code in codes)


def test_a_survey_without_nps_and_a_map_without_barriers_say_so():
    funnel = pd.DataFrame({"stage": ["Lead", "Deal"], "lost": [0, 0], "lost_share": [0.0, 0.0],
                           "conversion": [1.0, None], "breakdown": ["all", "all"]})
    summary = summarize(surveyed=True, stage_funnel=funnel, recommendations=[], voice=True)
    assert summary.missing == {"segments": "no_segments", "nps": "no_nps", "bottleneck": "no_losses",
                               "journeys": "no_journeys", "barriers": "no_barriers"}
    assert summarize(recommendations=[], voice=False).missing["barriers"] == "no_voice"


def test_own_nps_missing_and_same_within_chance():
    overall = pd.DataFrame({"estimate": ["all respondents", "population (weighted by segment size)"],
                            "n": [120, 100], "nps": [30.0, 28.4], "se": [4.0, 4.2], "ci_low": [22.0, 20.2],
                            "ci_high": [38.0, 36.6]})
    alone = summarize(nps_overall=overall, surveyed=True)
    assert alone.nps == {"n": 100, "nps": 28.4, "ci_low": 20.2, "ci_high": 36.6}
    assert alone.missing["own"] == "no_own" and "nps" not in alone.missing
    assert section("ru", "summary")["no_own"] in summary_html(alone, "ru")
    own = pd.DataFrame({"scope": ["all"], "survey": [28.4], "own": [31.0], "own_n": [300], "difference": [-2.6],
                        "ci_low": [-12.0], "ci_high": [6.8], "p_value": [0.6]})
    same = summarize(nps_overall=overall, nps_own=own, surveyed=True)
    assert same.own["direction"] == "same" and "own" not in same.missing
    assert "в пределах случайности" in summary_html(same, "ru")


def _crm_only(world, root):
    """An engagement with the demo's CRM only (no survey, no interviews): its segments, funnel
    and journeys, and the maps 07 builds of them."""
    from cjm.steps.maps import models_of, read_inputs, to_json

    params = {k: v for k, v in world.params.items() if k not in ("survey", "interviews")}
    paths = EngagementPaths("crm_only", root)
    paths.interim.mkdir(parents=True)
    for name in ("segments", "segment_profiles", "stage_funnel", "journeys"):
        shutil.copy(world.paths.table(name), paths.table(name))
    paths.report.mkdir(parents=True)
    to_json(models_of(read_inputs(paths), params), paths.report / "journey_model.json")
    return paths, params


@pytest.mark.parametrize("language", ["ru", "en"])
def test_an_engagement_without_survey_or_interviews_says_so(demo, tmp_path, language):
    world, full = demo
    paths, params = _crm_only(world, tmp_path)
    summary = read_summary(paths)
    assert summary.missing == {"nps": "no_survey", "barriers": "no_voice"}
    assert summary.bottleneck == full.bottleneck and summary.journeys.equals(full.journeys)
    assert summary.segments["nps"].isna().all()
    page = summary_of(paths, {**params, "language": language})
    words = section(language, "summary")
    for code in ("no_survey", "no_voice"):
        assert f"<p>{words[code]}</p>".replace("'", "&#x27;") in page
    assert "NPS" not in page.split(words["segments_title"])[1].split(words["nps_title"])[0]  # no segment NPS


@pytest.fixture(scope="module")
def lead_list(tmp_path_factory):
    """The README's lead list (no ids, no dates, no survey, no interviews) run through 01-07
    in-process at a tenth of its size: its paths and params."""
    from engagements import make_engagement

    from cjm.analysis.clean import clean
    from cjm.privacy.anonymize import anonymize, write_anonymized
    from cjm.steps.clean import read_anonymized, write_clean
    from cjm.steps.funnel import run_funnel
    from cjm.steps.interviews import run_coding
    from cjm.steps.maps import run_maps
    from cjm.steps.segment import run_segment
    from cjm.steps.survey import run_survey

    root = tmp_path_factory.mktemp("lead_list")
    make_engagement(root, "bank_leads", scale=0.1)
    params, paths = load_params("bank_leads", root), EngagementPaths("bank_leads", root)
    write_anonymized(anonymize(params, paths), paths)
    write_clean(clean(params, *read_anonymized(params, paths)), paths)
    for step in (run_segment, run_survey, run_coding, run_funnel, run_maps):
        step(params, paths)
    return paths, params


def test_a_lead_list_says_what_it_lacks(lead_list):
    paths, params = lead_list
    summary = read_summary(paths)
    assert summary.missing == {"nps": "no_survey", "barriers": "no_voice"}
    funnel = pd.read_parquet(paths.table("stage_funnel")).query("breakdown == 'all'")
    first = funnel.iloc[0]
    assert summary.bottleneck == {"stage": "Lead", "lost": first["lost"], "loss_rate": pytest.approx(1 - first["conversion"]),
                                  "lost_share": pytest.approx(1.0)}
    assert summary.segments["clients"].sum() == summary.clients == 200
    page = summary_of(paths, params, {stem: f"{stem}.html" for stem in CHAPTERS})
    words = section("en", "summary")
    assert f"<p>{words['no_survey']}</p>" in page and f"<p>{words['no_voice']}</p>" in page
    assert words["no_question"] in page  # the example asks no question
    visible = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", visible)  # no internal name


# ----------------------------------------------------------------------------- the contents page


def _report_of(world, root, language="ru", drop=()):
    """A project root with the demo world's params, interim tables the summary reads, report
    files (maps, workbooks, journey model) but ``drop``, and executed notebooks of the seven
    chapters (their titles as the catalogue words them)."""
    params = yaml.safe_load((world.paths.params).read_text(encoding="utf-8"))
    params["language"] = language
    (root / "params").mkdir()
    (root / "params" / "demo.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    paths = EngagementPaths("demo", root)
    paths.interim.mkdir(parents=True)
    for name in READ:
        if world.paths.table(name).exists():
            shutil.copy(world.paths.table(name), paths.table(name))
    shutil.copytree(world.paths.report, paths.report, ignore=shutil.ignore_patterns(*drop))
    folder = paths.outputs / "notebooks"
    folder.mkdir(parents=True)
    passages = section(language, "passages")
    for stem in CHAPTERS:
        title = passages[f"{stem[:2]}.title"]
        nbformat.write(new_notebook(cells=[new_markdown_cell(title + "\n\nWhat the chapter is about.")]),
                       folder / f"{stem}.ipynb")
    return paths


@pytest.mark.parametrize("language", ["ru", "en"])
def test_contents_page_reads_summary_maps_files_then_appendices(demo_world, tmp_path, language):
    demo_world.mapped
    paths = _report_of(demo_world, tmp_path, language)
    index = write_index("demo", tmp_path).read_text(encoding="utf-8")
    body = index[index.index("<body>"):]
    order = [body.index(f'<h2 id="{part}">') for part in ("summary", "maps", "files", "appendices")]
    assert order == sorted(order)
    assert body.index("<h1>") < order[0] and not re.search(r"<h2\b", body[:order[0]])  # nothing before the summary
    words = section(language, "report")
    assert f'<h2 id="appendices">{words["appendices"]}</h2>' in body
    listed = [body.index(f'<li><a href="{stem}.html">') for stem in CHAPTERS]
    assert order[3] < listed[0] and listed == sorted(listed)  # the chapters after their heading, in order
    assert load_params("demo", tmp_path)["question"] in body
    assert paths.report.joinpath("index.html").exists()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_chapters_are_numbered_once(demo_world, tmp_path, language):
    demo_world.mapped
    _report_of(demo_world, tmp_path, language)
    index = write_index("demo", tmp_path).read_text(encoding="utf-8")
    appendices = index[index.index('<h2 id="appendices">'):]
    assert "<ol" not in appendices  # the list adds no numbers of its own
    titles = re.findall(r'<li><a href="0\d_\w+\.html">([^<]*)</a>', appendices)
    assert [t.split(".")[0] for t in titles] == [str(n) for n in range(1, 8)]  # the title's own number, once
    assert not re.search(r"\b(\d+)\.\s+\1\.", re.sub(r"<[^>]+>", " ", index))


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_workbook_there_is_linked_once_with_what_it_holds(demo_world, tmp_path, language):
    demo_world.mapped
    paths = _report_of(demo_world, tmp_path, language)
    present = sorted(p.name for p in paths.report.glob("*.xlsx"))
    assert present == sorted(f"{name}.xlsx" for name in WORKBOOKS)  # the demo makes all seven
    index = write_index("demo", tmp_path).read_text(encoding="utf-8")
    files = index[index.index('<h2 id="files">'):index.index('<h2 id="appendices">')]
    described = section(language, "report")["workbooks"]
    for name in present:
        stem = name.removesuffix(".xlsx")
        assert index.count(f'href="{name}"') == 1
        assert (f'<a href="{name}">{described[stem]["title"]}</a>: {described[stem]["about"]}'
                .replace("'", "&#x27;") in files)


def test_a_workbook_not_there_is_not_linked(demo_world, tmp_path):
    demo_world.mapped
    _report_of(demo_world, tmp_path, drop=("sample_plan.xlsx", "survey_results.xlsx"))
    index = write_index("demo", tmp_path).read_text(encoding="utf-8")
    assert 'href="sample_plan.xlsx"' not in index and 'href="survey_results.xlsx"' not in index
    assert 'href="funnel.xlsx"' in index


def test_the_summary_links_to_pages_there_are(demo_world, tmp_path):
    demo_world.mapped
    paths = _report_of(demo_world, tmp_path)
    index = write_index("demo", tmp_path).read_text(encoding="utf-8")
    summary = index[index.index('<h2 id="summary">'):index.index('<h2 id="maps">')]
    for href in set(re.findall(r'href="([^"]+)"', summary)):
        target = href if href.startswith("maps/") else href.replace(".html", ".ipynb")
        assert (paths.report / href).exists() or (paths.outputs / "notebooks" / target).exists(), href
    assert {f"0{n}_" for n in (3, 4, 6, 7)} <= {h[:3] for h in re.findall(r'href="(0\d_)', summary)}
