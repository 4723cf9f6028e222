"""The client deck: the engagement in PowerPoint for the steering meeting (``report/deck.pptx``).

Slides, 16:9: the title (client, question, date); the executive summary (the facts of the
contents page, :func:`cjm.present.summary.summary_parts`); one slide per segment (size,
share, NPS, strongest traits, in the segment's colour); NPS and what drives it; the funnel
and its bottleneck; each journey map (07's poster and its top barriers); what to change
first. Every word comes from the catalogue's ``deck`` section (and the shared ``summary`` and
``headers``), numbers from :mod:`cjm.present.formats`; text boxes and tables are native, so
the consultant edits them, and only posters are pictures. A slide whose source the
engagement lacks says so in one plain line.

:func:`build_deck` is pure (tables, models and poster paths in, a ``Presentation`` out);
:func:`write_deck` reads an engagement's files and writes the deck, the same bytes each time.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from cjm.analysis.journey_model import JourneyMap
from cjm.analysis.summary import TOP_BARRIERS, Summary
from cjm.core.io import read_table, write_office_zip
from cjm.core.params import default_section
from cjm.core.publication import current
from cjm.present.figures.style import segment_colour
from cjm.present.formats import MISSING, format_count, format_date, format_number, format_percent, plural
from cjm.present.maps import effort_word, fit_lines, map_stem, map_title, text_width, widths_kept
from cjm.present.summary import question_line, read_models, read_summary, report_dating, summary_parts
from cjm.present.words import section

#: The deck's file in ``report/``.
DECK_NAME = "deck.pptx"
#: 16:9 slides, in inches.
WIDTH, HEIGHT = 13.333, 7.5
MARGIN = 0.6
#: The house blue (the maps' stage colour), the text's grey and the light fills.
BLUE, INK, GREY, PALE = "0b5cad", "222222", "666666", "e8f0fa"
FONT = "Arial"
#: Line height as a multiple of the font size, and a text box's inner margin (inches).
LEADING, PAD = 1.2, 0.05
#: Barriers a map's slide lists.
MAP_BARRIERS = 3


@dataclass(frozen=True)
class DeckContent:
    """What the deck shows, read from the engagement's files (None: a source it lacks).

    Attributes
    ----------
    client : str
        The client's name (params ``client``).
    summary : Summary
        :func:`cjm.present.summary.read_summary`.
    question : str, optional
        The engagement's question (params ``question``).
    dated : tuple, optional
        (catalogue word of ``report``: ``report_date`` or ``data_as_of``, the date).
    segment_profiles : DataFrame, optional
        03's ``segment_profiles``: ``segment`` (``all`` for every client), ``clients``,
        ``share``, ``segment_name``, ``portrait`` (traits ``; ``-separated).
    nps_by_segment : DataFrame, optional
        04's ``segment``, ``n``, ``nps``, ``ci_low``, ``ci_high``.
    survey_drivers : DataFrame, optional
        04's ``driver``, ``importance``, ``moment_of_truth``, by rank.
    stage_funnel : DataFrame, optional
        06's ``stage``, ``entered``, ``lost``, ``conversion``, ``median_days`` (``breakdown``
        ``all`` rows are the whole funnel).
    models : list of JourneyMap, optional
        07's maps (all clients first); None before 07 has run.
    posters : dict
        Journey -> its poster PNG (the maps whose poster was drawn).
    own_label : str, optional
        What the company calls its own NPS.
    confidence : float
        The level of 04's intervals.
    """

    client: str
    summary: Summary
    question: str | None = None
    dated: tuple[str, date] | None = None
    segment_profiles: pd.DataFrame | None = None
    nps_by_segment: pd.DataFrame | None = None
    survey_drivers: pd.DataFrame | None = None
    stage_funnel: pd.DataFrame | None = None
    models: list[JourneyMap] | None = None
    posters: dict[str, Path] = field(default_factory=dict)
    own_label: str | None = None
    confidence: float = 0.95


# ----------------------------------------------------------------------------- drawing


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").lower())


def _lines(text: str, width_in: float, size: float, bold: bool = False) -> int:
    """Lines ``text`` takes in ``width_in`` (inside the margins) at font ``size``; measured in the
    house font, wider than the deck's, so the estimate errs towards more lines."""
    return sum(len(fit_lines(part, width_in * 72, size, bold)) for part in text.split("\n"))


@dataclass(frozen=True)
class Line:
    """A paragraph of a text box: its text, size relative to the box's, weight and colour."""

    text: str
    scale: float = 1.0
    bold: bool = False
    colour: str = INK
    space: float = 0.3  # space before, in lines


def fitted_size(lines: list[Line], width_in: float, height_in: float, size: float, smallest: float = 11) -> float:
    """The largest font size, ``size`` down to ``smallest``, at which ``lines`` fit the box."""
    def height(s):
        return sum((_lines(line.text, width_in - 2 * PAD, s * line.scale, line.bold) + (line.space if k else 0))
                   * s * line.scale * LEADING for k, line in enumerate(lines)) / 72 + 2 * PAD
    while size > smallest and height(size) > height_in:
        size -= 1
    return size


def text_box(slide, x: float, y: float, w: float, h: float, lines: list[Line], size: float,
             anchor=MSO_ANCHOR.TOP, align=PP_ALIGN.LEFT, smallest: float = 11):
    """A native text box (inches) with ``lines`` at the largest size up to ``size`` that fits."""
    size = fitted_size(lines, w, h, size, smallest)
    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = Inches(PAD)
    for k, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
        paragraph.alignment = align
        paragraph.line_spacing = LEADING
        if k:
            paragraph.space_before = Pt(line.space * size * line.scale)
        run = paragraph.add_run()
        run.text = line.text
        run.font.name, run.font.size, run.font.bold = FONT, Pt(size * line.scale), line.bold
        run.font.color.rgb = _rgb(line.colour)
    return box


def _rectangle(slide, x: float, y: float, w: float, h: float, colour: str):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(h))
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(colour)
    shape.line.fill.background()
    return shape


def column_widths(total: float, shares: list[float], cells: list[list[str]], bold: list[bool], size: float,
                  margin: float) -> list[float] | None:
    """Widths (inches) of a table's columns: by ``shares`` of ``total``, but each at least as wide
    as its longest word at ``size`` (in the rows of ``cells`` that are ``bold``, bold), the rest
    shared by the others; None when the longest words alone are wider than ``total``."""
    least = [max(text_width(word, size, b) for row, b in zip(cells, bold) for word in row[c].split() or [""])
             / 72 + 2 * margin + 0.02 for c in range(len(shares))]
    if sum(least) > total:
        return None
    fixed: dict[int, float] = {}
    while True:
        free = [c for c in range(len(shares)) if c not in fixed]
        if not free:
            return [width * total / sum(least) for width in least]
        rest, share = total - sum(fixed.values()), sum(shares[c] for c in free)
        widths = [fixed.get(c, rest * shares[c] / share) for c in range(len(shares))]
        short = [c for c in free if widths[c] < least[c]]
        if not short:
            return widths
        fixed.update({c: least[c] for c in short})


def table(slide, x: float, y: float, w: float, h: float, header: list[str], rows: list[list[str]],
          widths: list[float], size: float = 16, right: tuple[int, ...] = (), marked: tuple[int, ...] = (),
          colour: str = BLUE):
    """A native table (inches): a ``colour`` header row, the ``rows`` (``marked`` ones filled
    pale, columns ``right`` aligned right), columns by the shares ``widths`` (:func:`column_widths`);
    at the largest size up to ``size`` whose words fit their columns and whose rows fit ``h``,
    each row as high as its longest cell."""
    margin, cells = 0.08, [header, *rows]
    bold = [k == 0 or k - 1 in marked for k in range(len(cells))]

    def heights(s, columns):
        return [max(_lines(cell, cw - 2 * margin, s, b) for cell, cw in zip(row, columns))
                * s * LEADING / 72 + 2 * margin for row, b in zip(cells, bold)]
    columns = column_widths(w, widths, cells, bold, size, margin)
    while size > 10 and (columns is None or sum(heights(size, columns)) > h):
        size -= 1
        columns = column_widths(w, widths, cells, bold, size, margin)
    columns = columns or [w * share / sum(widths) for share in widths]
    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(x), Inches(y), Inches(w),
                                   Inches(sum(heights(size, columns))))
    grid = shape.table
    grid.first_row = True
    for k, width in enumerate(columns):
        grid.columns[k].width = Inches(width)
    for r, (row, height) in enumerate(zip(cells, heights(size, columns))):
        grid.rows[r].height = Emu(int(Inches(height)))
        for c, text in enumerate(row):
            cell = grid.cell(r, c)
            cell.margin_left = cell.margin_right = cell.margin_top = cell.margin_bottom = Inches(margin)
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(colour if r == 0 else PALE if r - 1 in marked else "ffffff")
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if c in right and r else PP_ALIGN.LEFT
            run = paragraph.add_run()
            run.text = text
            run.font.name, run.font.size, run.font.bold = FONT, Pt(size), bold[r]
            run.font.color.rgb = _rgb("ffffff" if r == 0 else INK)
    return shape


# ----------------------------------------------------------------------------- slides


class _Deck:
    """The presentation being built, in one language, with the slide frame of the house style."""

    def __init__(self, content: DeckContent, language: str):
        self.content, self.language = content, language
        self.words, self.headers = section(language, "deck"), section(language, "headers")
        self.presentation = Presentation()
        self.presentation.slide_width, self.presentation.slide_height = Inches(WIDTH), Inches(HEIGHT)

    def slide(self, title: str, colour: str = BLUE):
        """A blank slide with its ``title``, a rule in ``colour`` under it and the footer."""
        slide = self.presentation.slides.add_slide(self.presentation.slide_layouts[6])
        text_box(slide, MARGIN, 0.35, WIDTH - 2 * MARGIN, 0.9, [Line(title, bold=True, colour=colour)], 28,
                 anchor=MSO_ANCHOR.BOTTOM, smallest=18)
        _rectangle(slide, MARGIN, 1.3, WIDTH - 2 * MARGIN, 0.06, colour)
        number = format_count(len(self.presentation.slides), self.language)
        text_box(slide, MARGIN, HEIGHT - 0.45, WIDTH - 2 * MARGIN - 1, 0.35,
                 [Line(self.content.client, colour=GREY)], 11)
        text_box(slide, WIDTH - MARGIN - 1, HEIGHT - 0.45, 1, 0.35, [Line(number, colour=GREY)], 11,
                 align=PP_ALIGN.RIGHT)
        return slide

    def plain(self, slide, text: str) -> None:
        """The one line of a slide whose source the engagement lacks."""
        text_box(slide, MARGIN, 1.7, WIDTH - 2 * MARGIN, 1.5, [Line(text)], 20)

    def number(self, value, digits: int = 0) -> str:
        return format_number(value, self.language, digits)

    def title_slide(self) -> None:
        content = self.content
        slide = self.presentation.slides.add_slide(self.presentation.slide_layouts[6])
        _rectangle(slide, 0, 0, 0.35, HEIGHT, BLUE)
        lines = [Line(content.client, 0.55, colour=GREY), Line(self.words["title"], 1.0, True, BLUE, 0.2),
                 Line(question_line(content.question, self.language), 0.5, space=0.8)]
        if content.dated:
            word, when = content.dated
            lines.append(Line(f"{section(self.language, 'report')[word]}: {format_date(when, self.language)}",
                              0.4, colour=GREY, space=1.2))
        text_box(slide, 1.1, 1.2, WIDTH - 2.2, HEIGHT - 2.4, lines, 44, anchor=MSO_ANCHOR.MIDDLE, smallest=20)

    def summary_slide(self) -> None:
        slide = self.slide(section(self.language, "summary")["title"])
        parts = list(summary_parts(self.content.summary, self.language, self.content.own_label,
                                   self.content.confidence).values())
        column, height = (WIDTH - 2 * MARGIN - 0.4) / 2, HEIGHT - 2.15

        def lines(chunk):
            out = []
            for part in chunk:
                out += [Line(part.title, bold=True, colour=BLUE, space=0.8), Line(part.text, space=0.2)]
                out += [Line(f"{f'{i}.' if part.ordered else '•'} {item}", space=0.15)
                        for i, item in enumerate(part.items, 1)]
            return out
        # the parts in order over two columns, split where one size on the slide is the largest
        splits = [(lines(parts[:k]), lines(parts[k:])) for k in range(1, len(parts))]
        sizes = [min(fitted_size(chunk, column, height, 16) for chunk in split) for split in splits]
        size = max(sizes)
        for k, chunk in enumerate(splits[sizes.index(size)]):
            text_box(slide, MARGIN + k * (column + 0.4), 1.55, column, height, chunk, size)

    def segment_slides(self) -> None:
        profiles = self.content.segment_profiles
        summary = self.content.summary
        if summary.segments is None or profiles is None:
            self.plain(self.slide(section(self.language, "summary")["segments_title"]),
                       section(self.language, "summary")[summary.missing.get("segments", "no_segments")])
            return
        portraits = (dict(zip(profiles["segment"].astype(str), profiles["portrait"]))
                     if "portrait" in profiles else {})
        by_segment = self.content.nps_by_segment
        intervals = {} if by_segment is None else {str(r.segment): r for r in by_segment.itertuples()}
        for row in summary.segments.itertuples():
            colour = segment_colour(row.segment)
            slide = self.slide(self.words["segment"].format(n=row.segment, name=row.segment_name), colour)
            figures = [(format_count(row.clients, self.language),
                        self.words["clients"].format(clients_word=plural(row.clients, "clients", self.language))),
                       (format_percent(row.share, self.language), self.words["share"])]
            nps = intervals.get(str(row.segment))
            if nps is not None:
                figures.append((self.number(nps.nps), self.words["nps"].format(
                    level=format_percent(self.content.confidence, self.language), low=self.number(nps.ci_low),
                    high=self.number(nps.ci_high))))
            else:
                figures.append((MISSING, self.words["no_nps"]))
            for k, (big, label) in enumerate(figures):
                text_box(slide, MARGIN, 1.6 + k * 1.75, 3.9, 1.65,
                         [Line(big, 2.2, True, colour), Line(label, 0.8, colour=GREY, space=0.1)], 20, smallest=12)
            portrait = portraits.get(str(row.segment))
            traits = [t.strip() for t in portrait.split(";") if t.strip()] if isinstance(portrait, str) else []
            lines = [Line(self.words["traits"], bold=True, colour=BLUE)]
            lines += [Line(f"• {t[:1].upper()}{t[1:]}", space=0.5) for t in traits] or [Line(self.words["no_traits"])]
            text_box(slide, MARGIN + 4.4, 1.6, WIDTH - 2 * MARGIN - 4.4, HEIGHT - 2.2, lines, 22, smallest=14)

    def nps_slide(self) -> None:
        summary, words = self.content.summary, self.words
        slide = self.slide(words["nps_title"])
        if summary.nps is None:
            self.plain(slide, section(self.language, "summary")[summary.missing["nps"]])
            return
        segments = summary.segments
        names = {} if segments is None else dict(zip(segments["segment"], segments["segment_name"]))
        interval = "{} – {}".format
        rows = [[words["all_clients"], format_count(summary.nps["n"], self.language), self.number(summary.nps["nps"]),
                 interval(self.number(summary.nps["ci_low"]), self.number(summary.nps["ci_high"]))]]
        for r in ([] if self.content.nps_by_segment is None else self.content.nps_by_segment.itertuples()):
            rows.append([names.get(str(r.segment), str(r.segment)), format_count(r.n, self.language),
                         self.number(r.nps), interval(self.number(r.ci_low), self.number(r.ci_high))])
        if summary.own:
            rows.append([self.content.own_label or words["own"], format_count(summary.own["own_n"], self.language),
                         self.number(summary.own["own"]), MISSING])
        left = 6.9
        headers = self.headers
        shape = table(slide, MARGIN, 1.6, left, 3.6, ["", headers["respondents"], headers["nps"], words["interval"]],
                      rows, [3.2, 1.4, 0.9, 1.6], right=(1, 2, 3), marked=(0,))
        said = summary_parts(summary, self.language, self.content.own_label, self.content.confidence)["nps"].text
        top = 1.6 + Emu(shape.height).inches + 0.25
        text_box(slide, MARGIN, top, left, HEIGHT - 0.6 - top, [Line(said)], 16, smallest=12)
        x = MARGIN + left + 0.4
        drivers = self.content.survey_drivers
        if drivers is None or not len(drivers):
            text_box(slide, x, 1.6, WIDTH - MARGIN - x, 1.2, [Line(words["no_drivers"])], 18)
            return
        text_box(slide, x, 1.55, WIDTH - MARGIN - x, 0.75, [Line(words["drivers"], bold=True, colour=BLUE)], 16)
        yes = section(self.language, "values")["yes"]
        rows = [[str(r.driver), format_percent(r.importance, self.language), yes if r.moment_of_truth else ""]
                for r in drivers.sort_values("rank").itertuples()]
        table(slide, x, 2.35, WIDTH - MARGIN - x, HEIGHT - 3.0, [headers["driver"], headers["importance"],
                                                                  headers["moment_of_truth"]],
              rows, [2.6, 1.2, 1.3], size=14, right=(1,),
              marked=tuple(k for k, r in enumerate(drivers.sort_values("rank").itertuples()) if r.moment_of_truth))

    def funnel_slide(self) -> None:
        summary, funnel = self.content.summary, self.content.stage_funnel
        slide = self.slide(self.words["funnel_title"])
        if funnel is None or not len(funnel):
            self.plain(slide, section(self.language, "summary")[summary.missing["bottleneck"]])
            return
        whole = funnel[funnel["breakdown"] == "all"] if "breakdown" in funnel else funnel
        neck = (summary.bottleneck or {}).get("stage")
        rows = [[str(r.stage), format_count(r.entered, self.language), format_percent(r.conversion, self.language),
                 self.number(r.median_days, 1), format_count(r.lost, self.language)] for r in whole.itertuples()]
        h = self.headers
        shape = table(slide, MARGIN, 1.6, WIDTH - 2 * MARGIN, 4.2,
                      [h["stage"], h["entered"], h["conversion"], h["median_days"], h["lost"]], rows,
                      [4.2, 1.6, 1.6, 1.8, 1.6], right=(1, 2, 3, 4),
                      marked=tuple(k for k, s in enumerate(whole["stage"].astype(str)) if s == neck))
        said = summary_parts(summary, self.language)["bottleneck"]
        top = 1.6 + Emu(shape.height).inches + 0.25
        text_box(slide, MARGIN, top, WIDTH - 2 * MARGIN, HEIGHT - 0.6 - top,
                 [Line(said.title, bold=True, colour=BLUE), Line(said.text, space=0.2)], 18, smallest=12)

    def map_slides(self) -> None:
        models = self.content.models
        if not models:
            self.plain(self.slide(section(self.language, "report")["maps"]),
                       section(self.language, "summary")[self.content.summary.missing.get("barriers", "no_maps")])
            return
        for model in models:
            slide = self.slide(self.words["map"].format(title=map_title(model, self.language)))
            side, top = 4.0, 1.55  # the poster carries the map's title and numbers itself
            box_w, box_h = WIDTH - 2 * MARGIN - side - 0.3, HEIGHT - 0.55 - top
            poster = self.content.posters.get(model.journey)
            if poster is not None and Path(poster).exists():
                picture(slide, poster, MARGIN, top, box_w, box_h)
            else:
                text_box(slide, MARGIN, top, box_w, 1.0, [Line(self.words["no_poster"])], 18)
            x = WIDTH - MARGIN - side
            lines = [Line(self.words["map_barriers"], bold=True, colour=BLUE)]
            for k, r in enumerate(model.recommendations[:MAP_BARRIERS], 1):
                lines += [Line(f"{k}. {r['barrier']}", bold=True, space=0.8),
                          Line(f"{self.headers['stage']}: {r['stage']}", 0.85, colour=GREY, space=0.1),
                          Line(_owner(r, self.language), 0.85, colour=GREY, space=0.1)]
            if not model.recommendations:
                lines.append(Line(self.words["no_map_barriers"], space=0.5))
            text_box(slide, x, top, side, box_h, lines, 18, smallest=11)

    def recommendations_slide(self) -> None:
        slide = self.slide(self.words["recommendations_title"])
        models, summary = self.content.models, self.content.summary
        recommendations = models[0].recommendations[:TOP_BARRIERS] if models else []
        if not recommendations:
            self.plain(slide, section(self.language, "summary")[summary.missing.get("barriers", "no_maps")])
            return
        h = self.headers
        rows = [[format_count(r.get("rank", k), self.language), str(r["barrier"]), str(r["stage"]),
                 r.get("owner") or section(self.language, "summary")["no_owner"],
                 self.number(r.get("impact"), 2), r.get("action") or self.words["no_action"],
                 effort_word(r["effort"], self.language) if r.get("effort") else MISSING]
                for k, r in enumerate(recommendations, 1)]
        shape = table(slide, MARGIN, 1.6, WIDTH - 2 * MARGIN, HEIGHT - 2.9,
                      [h["rank"], h["barrier"], h["stage"], h["owner"], h["impact"], h["action"], self.words["effort"]],
                      rows, [0.8, 2.3, 2.0, 2.0, 1.0, 3.0, 1.3], size=15, right=(0, 4))
        top = 1.6 + Emu(shape.height).inches + 0.2
        text_box(slide, MARGIN, top, WIDTH - 2 * MARGIN, HEIGHT - 0.55 - top,
                 [Line(section(self.language, "summary")["impact_note"], colour=GREY)], 12, smallest=9)


def _owner(recommendation: dict, language: str) -> str:
    words = section(language, "summary")
    owner = recommendation.get("owner")
    return words["owner"].format(owner=owner) if isinstance(owner, str) and owner else words["no_owner"]


def picture(slide, path: Path, x: float, y: float, w: float, h: float):
    """The image at ``path`` as large as fits the box (inches), its proportions kept, centred
    across and at the top."""
    from PIL import Image

    with Image.open(path) as image:
        ratio = image.width / image.height
    width, height = (w, w / ratio) if w / ratio <= h else (h * ratio, h)
    return slide.shapes.add_picture(str(path), Inches(x + (w - width) / 2), Inches(y), Inches(width), Inches(height))


#: The deck's dates (document properties): never the time of the run.
_FIXED = datetime(2025, 10, 1)


def build_deck(content: DeckContent, language: str) -> Presentation:
    """The deck of an engagement in ``language``.

    Parameters
    ----------
    content : DeckContent
        The tables, models and posters it shows.
    language : {"ru", "en"}

    Returns
    -------
    Presentation
        The slides in order: title, executive summary, one per segment (or one saying
        there are none), NPS and drivers, funnel and bottleneck, one per map (or one saying
        there are none), what to change first.
    """
    deck = _Deck(content, language)
    deck.title_slide()
    deck.summary_slide()
    deck.segment_slides()
    deck.nps_slide()
    deck.funnel_slide()
    deck.map_slides()
    deck.recommendations_slide()
    properties = deck.presentation.core_properties
    properties.title = f"{content.client}: {section(language, 'report')['report']}"
    properties.author = properties.last_modified_by = properties.comments = ""  # no tool's words in the client's
    properties.language, properties.revision = language, 1
    properties.created = properties.modified = _FIXED
    return deck.presentation


def save_deck(presentation: Presentation, path: Path) -> Path:
    """Write ``presentation`` to ``path`` through :func:`cjm.core.io.write_office_zip`:
    staged with the engagement's other outputs, the same bytes each time."""
    buffer = io.BytesIO()
    presentation.save(buffer)
    return write_office_zip(buffer.getvalue(), path)


def read_deck_content(paths, params: dict) -> DeckContent:
    """:class:`DeckContent` of an engagement from the files its steps wrote (a file a step
    did not write is a source it lacks)."""
    def tab(name):
        return read_table(paths, name, optional=True)

    models = read_models(paths)
    survey = params.get("survey") or default_section("survey")
    posters = {m.journey: current(paths.report / "maps" / f"{map_stem(m)}.png") for m in models or []}
    return DeckContent(client=params.get("client") or params["engagement"], summary=read_summary(paths),
                       question=params.get("question"), dated=report_dating(params),
                       segment_profiles=tab("segment_profiles"), nps_by_segment=tab("nps_by_segment"),
                       survey_drivers=tab("survey_drivers"), stage_funnel=tab("stage_funnel"), models=models,
                       posters={j: p for j, p in posters.items() if p.exists()},
                       own_label=(survey.get("own_nps") or {}).get("label"), confidence=survey["confidence"])


def write_deck(paths, params: dict) -> Path:
    """Build the engagement's deck and write it to ``report/deck.pptx``; the widths of its texts
    are kept in ``data/<e>/cache/text_widths.json`` for the next (:func:`cjm.present.maps.widths_kept`)."""
    with widths_kept(paths.cache / "text_widths.json"):
        deck = build_deck(read_deck_content(paths, params), params["language"])
    return save_deck(deck, paths.report / DECK_NAME)
