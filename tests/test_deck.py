"""The client deck on hand-made engagements that are not the demo: a lead list with deals only
(no survey, interviews or segments) in Russian, and a full set with two segments in English.
The slides come in order with their titles in the engagement's language, every number is the
input tables', a missing source is one plain line, and the same deck is the same bytes."""

import re

import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu, Inches

from cjm.analysis.journey_model import JourneyMap, Stage
from cjm.analysis.summary import POPULATION, summarize
from cjm.present.deck import HEIGHT, WIDTH, DeckContent, Line, build_deck, fitted_size, save_deck
from cjm.present.words import section

CYRILLIC = re.compile("[А-Яа-яЁё]")


def _funnel(stages, entered, lost) -> pd.DataFrame:
    """A funnel of every deal: each stage's entries and losses, the last stage won."""
    moved_on = [e - x for e, x in zip(entered, lost)]
    conversion = [m / (m + x) if k < len(stages) - 1 else None for k, (m, x) in enumerate(zip(moved_on, lost))]
    return pd.DataFrame({"stage": stages, "entered": entered, "moved_on": moved_on, "lost": lost,
                         "conversion": pd.array(conversion, dtype="Float64").astype(float),
                         "lost_share": [x / sum(lost) for x in lost], "median_days": [1.5, 4.25, None],
                         "breakdown": "all"})


@pytest.fixture
def deals_only():
    """Deals only, in Russian: three stages, 40 of 100 lost at «Встреча»."""
    funnel = _funnel(["Заявка", "Встреча", "Договор"], [100, 80, 40], [20, 40, 0])
    return DeckContent(client="Ромашка", summary=summarize(stage_funnel=funnel), stage_funnel=funnel)


@pytest.fixture
def full(tmp_path):
    """Two segments, a survey, a funnel and two maps in English; the all-clients map has a poster."""
    profiles = pd.DataFrame({"segment": ["1", "2", "all"], "clients": [120, 80, 200], "share": [0.6, 0.4, 1.0],
                             "segment_name": ["Price seekers", "Fleet buyers", None],
                             "portrait": ["cheaper cars: price 30,000 vs 42,000; younger: age 31 vs 38",
                                          "fleets: 70% vs 28%", None]})
    by_segment = pd.DataFrame({"segment": ["1", "2"], "segment_name": ["Price seekers", "Fleet buyers"],
                               "n": [60, 40], "nps": [12.0, 47.5], "ci_low": [3.2, 35.0], "ci_high": [21.0, 60.1]})
    overall = pd.DataFrame({"estimate": [POPULATION], "n": [100], "nps": [26.0], "ci_low": [18.4],
                            "ci_high": [33.6]})
    own = pd.DataFrame({"scope": ["all"], "survey": [26.0], "own": [50.0], "own_n": [300], "difference": [-24.0],
                        "ci_low": [-35.0], "ci_high": [-13.0]})
    drivers = pd.DataFrame({"driver": ["Approval", "Application"], "importance": [0.62, 0.38], "rank": [1, 2],
                            "moment_of_truth": [True, False]})
    funnel = _funnel(["Application", "Approval", "Delivery"], [200, 150, 90], [50, 60, 0])
    recommendations = [
        {"rank": 1, "stage": "Approval", "barrier": "Slow approval", "owner": "Risk", "impact": 0.9,
         "action": "Approve small deals within a day", "effort": "high"},
        {"rank": 2, "stage": "Application", "barrier": "No call back", "owner": None, "impact": 0.55}]
    models = [JourneyMap("all", "", 200, 1.0, [Stage("Application"), Stage("Approval")],
                         bottleneck="Approval", recommendations=recommendations),
              JourneyMap("1", "Online", 150, 0.75, [Stage("Application"), Stage("Approval")])]
    poster = tmp_path / "map_all.png"
    Image.new("RGB", (1414, 1000), "white").save(poster)
    summary = summarize(segment_profiles=profiles, nps_overall=overall, nps_by_segment=by_segment, nps_own=own,
                        surveyed=True, stage_funnel=funnel, recommendations=recommendations, voice=True)
    return DeckContent(client="Acme Leasing", summary=summary, question="Where do leads drop out?",
                       segment_profiles=profiles, nps_by_segment=by_segment, survey_drivers=drivers,
                       stage_funnel=funnel, models=models, posters={"all": poster}, own_label="NPS after delivery")


def _reopened(content, language, path):
    save_deck(build_deck(content, language), path)
    return Presentation(str(path))


def _texts(slide) -> list[str]:
    texts = []
    for shape in slide.shapes:
        if shape.has_text_frame and shape.text_frame.text.strip():
            texts.append(shape.text_frame.text)
        if shape.has_table:
            texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return texts


def _title(slide) -> str:
    return _texts(slide)[0]


def _rows(slide) -> list[list[str]]:
    grids = [shape.table for shape in slide.shapes if shape.has_table]
    return [[cell.text for cell in row.cells] for row in grids[0].rows]


def test_a_deals_only_lead_list_in_russian(deals_only, tmp_path):
    deck = _reopened(deals_only, "ru", tmp_path / "deck.pptx")
    assert (deck.slide_width, deck.slide_height) == (Inches(WIDTH), Inches(HEIGHT))
    slides = list(deck.slides)
    summary, words = section("ru", "summary"), section("ru", "deck")
    titles = [_title(s) for s in slides]
    assert titles[1:] == [summary["title"], summary["segments_title"], words["nps_title"], words["funnel_title"],
                          section("ru", "report")["maps"], words["recommendations_title"]]
    assert all(CYRILLIC.search(t) for t in titles)
    assert "Ромашка" in titles[0] and words["title"] in titles[0] and summary["no_question"] in titles[0]
    # each absent source: its slide says so in one line
    for slide, line in ((slides[2], summary["no_segments"]), (slides[3], summary["no_survey"]),
                        (slides[5], summary["no_maps"]), (slides[6], summary["no_maps"])):
        assert line in _texts(slide)
    funnel = slides[4]
    assert _rows(funnel)[1:] == [["Заявка", "100", "80\u00a0%", "1,5", "20"],
                                 ["Встреча", "80", "50\u00a0%", "4,2", "40"], ["Договор", "40", "—", "—", "0"]]
    assert any("«Встреча»" in t and "40 сделок" in t for t in _texts(funnel))
    table = next(shape.table for shape in funnel.shapes if shape.has_table)
    bold = [row.cells[0].text_frame.paragraphs[0].runs[0].font.bold for row in table.rows][1:]
    assert bold == [False, True, False]  # the bottleneck's row stands out


def test_a_full_engagement_with_two_segments_in_english(full, tmp_path):
    deck = _reopened(full, "en", tmp_path / "deck.pptx")
    slides = list(deck.slides)
    words, summary = section("en", "deck"), section("en", "summary")
    assert [_title(s) for s in slides][1:] == [
        summary["title"], "Segment 1: Price seekers", "Segment 2: Fleet buyers", words["nps_title"],
        words["funnel_title"], "Journey map: All clients", "Journey map: Online", words["recommendations_title"]]
    assert not any(CYRILLIC.search(t) for s in slides for t in _texts(s))
    assert _title(slides[0]).split("\n")[:3] == ["Acme Leasing", words["title"],
                                                 summary["question"].format(question="Where do leads drop out?")]
    first, second = _texts(slides[2]), _texts(slides[3])
    assert "120\nclients in the segment" in first and "60%\nof the clients in scope" in first
    assert "12\nNPS, 95% interval 3 to 21" in first
    assert "• Cheaper cars: price 30,000 vs 42,000" in first[-1] and "• Younger: age 31 vs 38" in first[-1]
    assert "80\nclients in the segment" in second and "40%\nof the clients in scope" in second
    colours = {str(shape.fill.fore_color.rgb) for shape in slides[3].shapes
               if shape.shape_type == 1 and shape.fill.type == 1}  # the rule under the title
    assert colours == {"009E73"}  # segment 2's colour everywhere
    assert _rows(slides[4])[1:] == [["All clients (weighted by segment size)", "100", "26", "18 – 34"],
                                    ["Price seekers", "60", "12", "3 – 21"], ["Fleet buyers", "40", "48", "35 – 60"],
                                    ["NPS after delivery", "300", "50", "—"]]
    assert any("24 points below" in t for t in _texts(slides[4]))
    tables = [shape.table for shape in slides[4].shapes if shape.has_table]
    assert [[c.text for c in row.cells] for row in tables[1].rows][1:] == [["Approval", "62%", "yes"],
                                                                          ["Application", "38%", ""]]
    assert any("“Approval”" in t and "60 deals" in t for t in _texts(slides[5]))
    pictures = [shape for shape in slides[6].shapes if shape.shape_type == 13]
    assert len(pictures) == 1 and not [s for s in slides[7].shapes if s.shape_type == 13]
    assert words["no_poster"] in _texts(slides[7]) and words["no_map_barriers"] in "".join(_texts(slides[7]))
    picture = pictures[0]
    assert Emu(picture.left + picture.width).inches <= WIDTH - 0.6 - 4.0  # left of the barriers' column
    assert Emu(picture.top + picture.height).inches <= HEIGHT - 0.5  # above the footer
    assert abs(picture.width / picture.height - 1.414) < 0.01
    assert "1. Slow approval" in _texts(slides[6])[-1] and "owner: Risk" in _texts(slides[6])[-1]
    assert _rows(slides[8])[1:] == [["1", "Slow approval", "Approval", "Risk", "0.90",
                                     "Approve small deals within a day", "high"],
                                    ["2", "No call back", "Application", "no owner assigned", "0.55",
                                     "action not written", "—"]]
    russian = _reopened(full, "ru", tmp_path / "ru.pptx").slides[8]
    assert [row[-1] for row in _rows(russian)[1:]] == ["высокие", "—"]  # the effort in the deck's language
    properties = deck.core_properties
    assert properties.title == "Acme Leasing: " + section("en", "report")["report"] and properties.language == "en"
    assert (properties.author, properties.last_modified_by, properties.comments) == ("", "", "")


def test_text_shrinks_to_fit_its_box_and_no_box_leaves_the_slide(full, tmp_path):
    long = DeckContent(**{**full.__dict__, "question": "Where and why do leads drop out? " * 30})
    deck = _reopened(long, "en", tmp_path / "deck.pptx")
    sizes = {run.font.size.pt for shape in deck.slides[0].shapes if shape.has_text_frame
             for p in shape.text_frame.paragraphs for run in p.runs}
    assert max(sizes) < 44
    for slide in deck.slides:
        for shape in slide.shapes:
            assert 0 <= Emu(shape.left).inches and Emu(shape.left + shape.width).inches <= WIDTH + 0.01
            assert 0 <= Emu(shape.top).inches and Emu(shape.top + shape.height).inches <= HEIGHT + 0.01
    line = [Line("word " * 40)]  # 40 words, about 14 lines 3 inches wide at 20 pt: 1 inch does not hold them
    assert fitted_size(line, 3, 1, 20) < 20 and fitted_size(line, 3, 6, 20) == 20


def test_the_same_deck_is_the_same_bytes(full, tmp_path):
    first = save_deck(build_deck(full, "en"), tmp_path / "a.pptx").read_bytes()
    second = save_deck(build_deck(full, "en"), tmp_path / "b.pptx").read_bytes()
    assert first == second


def test_a_survey_without_drivers_and_segments_without_portraits_say_so(full, tmp_path):
    bare = DeckContent(**{**full.__dict__, "survey_drivers": None,
                          "segment_profiles": full.segment_profiles.drop(columns="portrait")})
    slides = list(_reopened(bare, "en", tmp_path / "deck.pptx").slides)
    words = section("en", "deck")
    assert words["no_traits"] in _texts(slides[2])[-1] and words["no_drivers"] in _texts(slides[4])
    assert len([shape for shape in slides[4].shapes if shape.has_table]) == 1  # NPS by segment only
