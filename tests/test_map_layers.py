"""The map's personas, opportunities lane and emotions row on an engagement unlike the demo:
an English broadband provider (sign-up, installation, billing), two segments, two journeys,
eight clients, small hand-made tables with hand-computed answers."""

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import FancyBboxPatch, Rectangle

from cjm.analysis.journey_model import TABLES, Curve, build_map, build_maps, from_dict, to_dict
from cjm.analysis.segment import profile_traits
from cjm.present.figures.style import segment_colour
from cjm.present.maps import phrase, render_html, render_poster, write_maps_xlsx

STAGES = ["Sign-up", "Installation", "Billing"]
CLIENTS = [f"a{i}" for i in range(1, 9)]
FEATURES = {"tenure_months": {"label": "months with us", "low": "newer", "high": "longer with us"},
            "contract": {"levels": {"fibre": "fibre contract", "dsl": "DSL contract"}}}
ACTIONS = {"Missed appointment": {"action": "Two-hour arrival windows with an SMS", "owner": "Field service",
                                  "effort": "medium"}}


def tables() -> dict:
    """Segment 1 (a1-a5) and 2 (a6-a8); journey 1 (a1-a4, a6) and 2 (a5, a7, a8); four
    interviews: i1 (a1) and i2 (a2) anxious about a missed installation, i3 (a6) trusting at
    installation and annoyed by a confusing bill, i4 (a5, journey 2) anxious."""
    fragments = pd.DataFrame([
        ("interview", "i1", "a1", 1, "Installation", "barrier", "Missed appointment", -1, "Nobody came.", 1),
        ("interview", "i1", "a1", 2, "Installation", "emotion", "anxiety", -1, "I was worried.", 1),
        ("interview", "i1", "a1", 3, "Installation", "emotion", "anxiety", -1, "Still worried.", 1),
        ("interview", "i2", "a2", 1, "Installation", "barrier", "Missed appointment", -1, "They missed it.", 1),
        ("interview", "i2", "a2", 2, "Installation", "emotion", "anxiety", -1, "Nervous all day.", 1),
        ("interview", "i3", "a6", 1, "Installation", "emotion", "trust", 1, "The engineer was good.", 2),
        ("interview", "i3", "a6", 2, "Billing", "pain", "Confusing bill", -1, "What is this charge?", 2),
        ("interview", "i3", "a6", 3, "Billing", "emotion", "annoyance", -1, "Annoying.", 2),
        ("interview", "i4", "a5", 1, "Installation", "emotion", "anxiety", -1, "Worried.", 1),
    ], columns=["source", "doc_id", "client_id", "turn", "stage", "layer", "code", "valence", "quote", "segment"])
    found = dict.fromkeys(TABLES)
    found.update({
        "stage_funnel": pd.DataFrame({"breakdown": "all", "group": "all", "stage": STAGES, "reached": [8, 6, 5],
                                      "moved_on": [6, 5, 5], "lost": [2, 1, 0], "open": [0, 0, 0],
                                      "conversion": [0.75, 5 / 6, 1.0], "median_days": [1.0, 4.0, 30.0],
                                      "journey_stage": STAGES}),
        "journeys": pd.DataFrame({"client_id": CLIENTS, "journey": [1, 1, 1, 1, 2, 1, 2, 2],
                                  "journey_name": ["Online"] * 4 + ["Shop", "Online", "Shop", "Shop"]}),
        "segments": pd.DataFrame({"client_id": CLIENTS, "segment": [1] * 5 + [2] * 3,
                                  "segment_name": ["Fibre families"] * 5 + ["DSL loyal"] * 3}),
        "segment_profiles": pd.DataFrame({
            "segment": ["1", "2", "all"], "clients": [5, 3, 8], "share": [5 / 8, 3 / 8, 1.0],
            "tenure_months": [6.0, 60.0, 24.0], "online_share": [0.95, 0.2, 0.6],
            "contract: fibre": [0.9, 0.1, 0.6], "contract: dsl": [0.1, 0.9, 0.4],
            "segment_name": ["Fibre families", "DSL loyal", None]}),
        "nps_by_segment": pd.DataFrame({"segment": [1], "segment_name": ["Fibre families"], "n": [40], "nps": [35.0],
                                        "ci_low": [20.0], "ci_high": [50.0]}),  # segment 2 not surveyed
        "coded_fragments": fragments,
    })
    return found


def section(**changes) -> dict:
    return {"top": 3, "stages": {"Installation": {"owner": "Operations"}}, "owners": {},
            "actions": ACTIONS, "touchpoint_owners": {}, "channel_kinds": {}, "segment_curves": {"min_gap": 0.3, "min_fragments": 10},
            "impact_weights": {"lost": 1, "voice": 1, "nps": 1}, **changes}


SURVEY = {"satisfied_from": 4, "confidence": 0.95}


def models(**changes):
    return build_maps(tables(), STAGES, section(**changes), SURVEY, (), FEATURES)


def test_profile_traits_by_hand():
    traits = profile_traits(tables()["segment_profiles"]).set_index(["segment", "feature", "level"], drop=False)
    assert traits.loc[("1", "tenure_months", None), "effect"].item() == pytest.approx((6 - 24) / 15)
    h = 2 * np.arcsin(np.sqrt(0.95)) - 2 * np.arcsin(np.sqrt(0.6))  # a share: Cohen's h, as 03's categories
    assert traits.loc[("1", "online_share", None), "effect"].item() == pytest.approx(h)
    fibre = 2 * np.arcsin(np.sqrt(0.9)) - 2 * np.arcsin(np.sqrt(0.6))
    assert traits.loc[("1", "contract", "fibre"), "effect"].item() == pytest.approx(fibre)
    assert set(traits["segment"]) == {"1", "2"}  # the all-clients row is what they are measured against


def test_personas_of_a_journey_by_hand():
    online = models()[1]  # journey 1: a1-a4 of segment 1, a6 of segment 2
    first, second = online.personas
    assert (first.segment, first.name, first.clients, first.share) == ("1", "Fibre families", 4, 0.8)
    assert (second.segment, second.name, second.clients, second.share) == ("2", "DSL loyal", 1, 0.2)
    # segment 1's strongest: tenure (|-1.2|), online share (h 0.92), fibre (h 0.73); DSL is under-represented
    assert [phrase(t, "en") for t in first.traits] == ["newer: months with us 6 vs 24",
                                                       "online: online share of touches 95% vs 60%",
                                                       "fibre contract: 90% vs 60%"]
    assert phrase(first.nps, "en") == "NPS 35 (20…50)" and first.nps.n == 40
    assert second.nps is None  # not surveyed: no NPS, nothing made up
    assert [p.clients for p in models()[0].personas] == [5, 3]  # all clients' map: every segment
    again = from_dict(to_dict(online))
    assert again.personas == online.personas


def test_no_segments_no_personas_and_nothing_broken():
    found = tables()
    found.update(segments=None, segment_profiles=None, nps_by_segment=None)
    model = build_map(found, STAGES, section(), SURVEY, (), None, {})
    assert model.personas == [] and model.segments == []
    fig = render_poster(model, "en")
    assert not [a for a in fig.artists if a.get_label() == "persona"]
    assert 'class="persona"' not in render_html(model, "en")


def test_opportunities_lane_by_hand():
    model = models()[0]
    installation = model.stage("Installation").cells["opportunities"]
    assert [(c.kind, c.text, c.detail["owner"], c.detail["effort"]) for c in installation] == [
        ("action", "Two-hour arrival windows with an SMS", "Field service", "medium")]
    assert phrase(installation[0], "en") == "Two-hour arrival windows with an SMS — Field service; effort: medium"
    billing = model.stage("Billing").cells["opportunities"]
    assert [(c.kind, phrase(c, "en")) for c in billing] == [("unwritten", "action not written: Confusing bill")]
    assert model.stage("Sign-up").empty["opportunities"] == "none_found"
    first = model.recommendations[0]
    assert (first["barrier"], first["action"], first["effort"], first["owner"]) == (
        "Missed appointment", "Two-hour arrival windows with an SMS", "medium", "Field service")  # not Operations
    confusing = next(r for r in model.recommendations if r["barrier"] == "Confusing bill")
    assert (confusing["action"], confusing["effort"]) == ("", "")
    unwritten = models(actions={})[0]
    assert {s.empty["opportunities"] for s in unwritten.stages} == {"not_in_params"}
    assert all(not s.cells["opportunities"] for s in unwritten.stages)


def test_emotion_words_by_hand():
    everyone, online, shop = models()
    # documents per stage and code: anxiety i1 (twice), i2, i4; trust i3
    assert [(c.text, c.n) for c in everyone.stage("Installation").cells["emotion_words"]] == [("anxiety", 3),
                                                                                               ("trust", 1)]
    assert [(c.text, c.n) for c in online.stage("Installation").cells["emotion_words"]] == [("anxiety", 2),
                                                                                             ("trust", 1)]
    assert [(c.text, c.n) for c in shop.stage("Installation").cells["emotion_words"]] == [("anxiety", 1)]
    assert [(c.text, c.n) for c in online.stage("Billing").cells["emotion_words"]] == [("annoyance", 1)]
    assert online.stage("Sign-up").empty["emotion_words"] == "none_found"
    assert [c.text for c in models(top=1)[0].stage("Installation").cells["emotion_words"]] == ["anxiety"]


def _drawn(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _inside(inner, outer, slack=1.0):
    return outer.x0 - slack <= inner.x0 and inner.x1 <= outer.x1 + slack and \
        outer.y0 - slack <= inner.y0 and inner.y1 <= outer.y1 + slack


def _page_parts(fig, renderer):
    """Extents of the poster's parts: title texts, persona cards, stage boxes, the curve,
    the emotions band, the rows' bands."""
    rectangles = [a for a in fig.artists if isinstance(a, Rectangle) and not isinstance(a, FancyBboxPatch)]
    return {"cards": [a.get_window_extent(renderer) for a in rectangles if a.get_label() == "persona"],
            "feelings": [a.get_window_extent(renderer) for a in rectangles if a.get_label() == "emotion_words"],
            "stages": [a.get_window_extent(renderer) for a in fig.artists if isinstance(a, FancyBboxPatch)],
            "curve": next(ax for ax in fig.axes if ax.get_label() == "emotion").get_tightbbox(renderer),
            "rows": [a.get_window_extent(renderer) for a in rectangles if a.get_label() not in
                     ("persona", "emotion_words") and a.get_width() > 0.5 and a.get_height() > 0.005],
            "title": [t.get_window_extent(renderer) for t in fig.texts[:2]]}


@pytest.mark.parametrize("segments", [2, 8])
def test_poster_cards_emotions_and_lane_overlap_nothing(segments):
    model = models()[1]
    if segments == 8:  # many segments: narrow cards, long traits wrapped or cut inside them
        template = model.personas[0]
        model.personas = [from_dict(to_dict(model)).personas[0] for _ in range(segments)]
        for k, persona in enumerate(model.personas, 1):
            persona.segment, persona.name = str(k), f"{template.name} with a rather long name number {k}"
    fig = render_poster(model, "en")
    renderer = _drawn(fig)
    parts = _page_parts(fig, renderer)
    width, height = (v * fig.dpi for v in fig.get_size_inches())
    cards, feelings = parts["cards"], parts["feelings"]
    assert len(cards) == segments and len(feelings) == 1
    for i, card in enumerate(cards):
        assert all(not card.overlaps(other) for other in cards[i + 1:])
        assert all(not card.overlaps(other) for other in [*parts["title"], *parts["stages"], parts["curve"],
                                                           *feelings, *parts["rows"]])
        assert 0 <= card.x0 and card.x1 <= width and 0 <= card.y0 and card.y1 <= height
    band = feelings[0]
    assert band.y1 <= parts["curve"].y0 + 1  # directly under the curve, its ticks included
    assert all(not band.overlaps(row) or row.y1 <= band.y0 + 1 for row in parts["rows"])
    assert not any(isinstance(a, Axes) and a.get_label() == "legend" for a in fig.axes)
    model.curves.append(Curve("2. DSL loyal", [0.5, None, -0.5], [12, 0, 12]))  # a segment's curve: a legend
    fig = render_poster(model, "en")
    renderer = _drawn(fig)
    legend = next(a for a in fig.axes if a.get_label() == "legend").get_legend().get_window_extent(renderer)
    curve, band = _page_parts(fig, renderer)["curve"], _page_parts(fig, renderer)["feelings"][0]
    assert band.y1 <= legend.y0 and legend.y1 <= curve.y0 + 1  # curve, its legend, then the emotions in words
    texts = {t.get_text(): t.get_window_extent(renderer) for t in fig.texts}
    assert _inside(texts["anxiety (2 mentions)\ntrust (1 mention)"], band)
    for text in ("1. Fibre families", "2. DSL loyal") if segments == 2 else ():
        assert any(_inside(texts[text], card) for card in cards)
    for t in fig.texts:  # every card's lines inside one card
        shown = t.get_window_extent(renderer)
        if any(shown.overlaps(card) for card in cards):
            assert any(_inside(shown, card) for card in cards), t.get_text()
    lane = [t for t in texts if t.startswith("Two-hour arrival")]
    assert lane and _inside(texts[lane[0]], parts["rows"][-1])  # the opportunities lane, the last band
    assert all(0 <= b.x0 and b.x1 <= width and 0 <= b.y0 and b.y1 <= height for b in texts.values())


def test_html_page_has_cards_emotions_row_and_actions():
    model = models()[0]
    page = render_html(model, "en")
    cards = re.findall(r'<div class="persona" style="border-color: (#[0-9a-f]{6})"><h3>([^<]*)</h3>', page)
    assert cards == [(segment_colour(1), "1. Fibre families"), (segment_colour(2), "2. DSL loyal")]
    assert "<p>5 clients of the journey (62%)</p><p>NPS 35 (20…50) of the whole segment, n = 40</p>" in page
    # segment 2: DSL (h 1.13), tenure ((60 - 24) / 42 = 0.86), online share (h -0.85); no NPS line without a survey
    assert "<p>3 clients of the journey (38%)</p><p>DSL contract: 90% vs 40%</p><p>longer with us" in page
    feelings = re.search(r'<div class="feelings"[^>]*>(.*?)</div></div>', page).group(1)
    assert "anxiety (3 mentions)<br>trust (1 mention)" in feelings and "annoyance (1 mention)" in feelings
    assert page.index('class="curve"') < page.index('class="feelings"') < page.index('class="map"')
    assert '<tr class="solutions"><th class="layer">Opportunities and solutions</th>' in page
    assert "action not written: Confusing bill" in page
    assert "<td>Two-hour arrival windows with an SMS</td><td>medium</td>" in page  # the recommendations table
    # deals lost as a count, though «Billing» lost none (null) and made the column a float's
    assert '<td>medium</td><td class="num">1</td><td class="num">33%</td>' in page  # 1 of 3 lost


def test_xlsx_has_personas_emotions_and_actions(tmp_path):
    book = openpyxl.load_workbook(write_maps_xlsx(models(), tmp_path / "maps.xlsx", "en"))
    sheet = book["All clients"]
    rows = {sheet.cell(i, 1).value: i for i in range(5, sheet.max_row + 1)}
    assert sheet.cell(rows["Emotions in customers' words"], 3).value == "anxiety (3 mentions)\ntrust (1 mention)"
    assert sheet.cell(rows["Opportunities and solutions"], 4).value == "action not written: Confusing bill"
    personas = list(book["Personas segments on the journe"].values)  # cut to Excel's 31 characters
    assert personas[1][:6] == ("All clients", "1", "Fibre families", 5, 0.625, 35)
    assert personas[2][5] is None and personas[2][9] == ("DSL contract: 90% vs 40%; longer with us: months with us 60 "
                                                        "vs 24; offline: online share of touches 20% vs 60%")
    assert [row[1] for row in personas[1:]] == ["1", "2", "1", "2", "1", "2"]  # every map's personas
