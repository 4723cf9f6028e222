"""Renderers of the journey model (:mod:`cjm.analysis.journey_model`): a poster (PNG, SVG, PDF at A3
landscape), an HTML page and a formatted xlsx. Each reads a :class:`JourneyMap` and
nothing else, so every number it shows is the model's.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from cjm.analysis.journey_model import LAYERS, Cell, Curve, JourneyMap, Persona, Stage, from_dict, model_table
from cjm.core.errors import CjmError
from cjm.core.files import write_atomic
from cjm.core.params import CHANNEL_KINDS
from cjm.present.figures.icons import icon_patch, icon_svg
from cjm.present.figures.style import segment_colour
from cjm.present.formats import format_count, format_number, format_percent, plural
from cjm.present.narrative import labelled
from cjm.present.segments import feature_words, trait_words
from cjm.present.words import section

#: A3 landscape, 420 x 297 mm, in inches.
A3 = (420 / 25.4, 297 / 25.4)
#: Layers by band of the map; ``emotion`` is drawn as the curve.
BANDS = {
    "customer": ("goals", "triggers", "entry_points", "touchpoints", "actions", "questions", "influencers"),
    "experience": ("barriers", "pains", "positives", "csat", "moment_of_truth", "quotes"),
    "business": ("conversion", "drop_off", "time_in_stage", "engagement", "kpi", "owners", "processes"),
    "solutions": ("opportunities",),
}
BAND_COLOURS = {"customer": "#e8f0fa", "experience": "#fbeeee", "business": "#eef6ee", "solutions": "#fff4d6"}
STAGE_COLOUR, BOTTLENECK_COLOUR, CURVE_COLOUR = "#0b5cad", "#c0392b", "#0b5cad"
#: Layers whose items show their evidence count after them (mentions or deals), with its unit's word.
COUNTED = {"goals", "questions", "barriers", "pains", "positives", "influencers", "emotion_words"}
#: The unit of a count (:attr:`Cell.unit`) -> its word in the catalogue's plurals: documents
#: naming a code are mentions.
UNIT_PLURALS = {"documents": "mentions", "deals": "deals", "clients": "clients", "respondents": "respondents",
                "fragments": "fragments"}

RECOMMENDATION_COLUMNS = ("rank", "stage", "barrier", "owner", "action", "effort", "lost", "lost_share", "documents",
                          "nps_weight", "impact", "top_lost_reason")
#: Columns of those tables that count (deals, documents, mentions, touches).
COUNT_COLUMNS = ("lost", "documents", "mentions", "crm_touches")
TOUCHPOINT_COLUMNS = ("stage", "touchpoint", "channel", "online", "mentions", "crm_touches", "valence", "owner")


def phrase(cell: Cell, language: str) -> str:
    """A cell as the map reads in ``language``: its kind phrased with its numbers, else its text."""
    words, kind, v = section(language, "cells"), cell.kind, cell.value
    if kind in ("conversion", "truth", "weight"):
        return words[kind].format(v=format_percent(v, language))
    if kind in ("entry", "segment"):
        return words[kind].format(name=cell.text, v=format_percent(v, language))
    if kind == "lost":
        return words["lost"].format(n=format_count(cell.n, language), v=format_percent(v, language))
    if kind == "days":
        days = format_number(v, language, 1)
        p75 = cell.detail.get("p75")
        return words["days"].format(v=days) if p75 is None else words["p75"].format(v=days,
                                                                                    p=format_number(p75, language))
    if kind == "touches":
        return words["touches"].format(v=format_number(v, language, 1))
    if kind == "csat":
        return words["csat"].format(v=format_percent(v, language),
                                    m=format_number(cell.detail["mean"], language, 1))
    if kind == "emotion":
        return format_number(v, language, 2, sign=True)
    if kind == "touchpoint":
        return f"{cell.text} ({words['online' if cell.detail.get('online') else 'offline']})"
    if kind == "quote":
        return words["quote"].format(text=cell.text)
    if kind == "kpi":
        shown = "—" if v is None else format_percent(v, language)
        return words["kpi"].format(name=cell.text, v=shown) if cell.target is None else \
            words["kpi_target"].format(name=cell.text, v=shown, t=format_percent(cell.target, language))
    if kind == "nps":
        return words["nps"].format(v=format_number(v, language), lo=format_number(cell.detail["low"], language),
                                   hi=format_number(cell.detail["high"], language))
    if kind in ("action", "unwritten", "trait"):
        return _opportunity_or_trait(cell, language)
    return cell.text


def _opportunity_or_trait(cell: Cell, language: str) -> str:
    """An action of the opportunities lane (with its owner and effort), a top barrier whose
    action is not written, or a persona's trait as 03's portraits write it
    (:func:`cjm.present.segments.trait_words`: the feature's words from params, else the catalogue's)."""
    words = section(language, "cells")
    if cell.kind == "unwritten":
        return words["unwritten"].format(barrier=cell.text)
    if cell.kind == "action":
        effort = effort_word(cell.detail.get("effort", ""), language) or "—"
        owner = cell.detail.get("owner")
        return words["action" if owner else "action_unowned"].format(action=cell.text, owner=owner, effort=effort)
    level = cell.detail.get("level") or None
    spec = {key: cell.detail[key] for key in ("label", "low", "high", "format") if cell.detail.get(key)}
    if level and cell.detail.get("level_word"):
        spec["levels"] = {level: cell.detail["level_word"]}
    mine = feature_words({"features": {cell.text: spec}}, pd.DataFrame(), language)[cell.text]
    trait = pd.Series({"kind": "category" if level else "numeric", "level": level, "effect": cell.detail["effect"],
                       "segment_value": cell.value, "overall_value": cell.detail["overall"]})
    return trait_words(trait, mine, language)[1]


def effort_word(effort: str, language: str) -> str:
    """An action's effort code (``low``, ``medium``, ``high``) in ``language``; empty as it is."""
    return section(language, "cells")[f"effort_{effort}"] if effort else ""


def persona_lines(persona: Persona, language: str) -> list[str]:
    """A persona card's lines after its name: its clients on the journey (and their share),
    the whole segment's NPS with the interval and respondents where surveyed (04 measures it
    by segment, not by journey), then its strongest traits."""
    words = section(language, "maps")
    lines = [words["persona_clients"].format(n=format_count(persona.clients, language),
                                             clients=plural(persona.clients, "clients", language),
                                             share=format_percent(persona.share, language))]
    if persona.nps:
        lines.append(words["persona_nps"].format(nps=phrase(persona.nps, language),
                                                 n=format_count(persona.nps.n, language)))
    return lines + [phrase(trait, language) for trait in persona.traits]


def persona_title(persona: Persona) -> str:
    """A persona card's heading: the segment's number and name."""
    return f"{persona.segment}. {persona.name}" if persona.name else persona.segment


def map_title(model: JourneyMap, language: str) -> str:
    """A map's title: its journey's name, or "all clients" in ``language``."""
    return model.title or section(language, "cells")["all"]


def counted(cell: Cell, language: str) -> str:
    """A cell's count with its unit agreeing with it: "12 mentions", "230 deals"."""
    return section(language, "cells")["count"].format(n=format_count(cell.n, language),
                                                      unit=plural(cell.n, UNIT_PLURALS[cell.unit], language))


def evidence_count(cell: Cell, layer: str, language: str) -> str:
    """The count after an item of the layers of :data:`COUNTED`, in brackets with its unit
    ("(12 mentions)", "(230 deals)"), so CRM deals and customers' voices are told apart;
    empty elsewhere or without a count."""
    return f"({counted(cell, language)})" if layer in COUNTED and cell.n else ""


def _item(cell: Cell, layer: str, language: str) -> str:
    """An item as a map shows it: :func:`phrase` and its :func:`evidence_count`."""
    count = evidence_count(cell, layer, language)
    return f"{phrase(cell, language)} {count}" if count else phrase(cell, language)


def _empty(stage: Stage, layer: str, words: dict) -> str:
    """What an empty cell shows: why nothing is there, or nothing where the layer has no place at the stage."""
    reason = stage.empty.get(layer, "none_found")
    return "" if reason == "not_at_stage" else words[reason]


def _shown_layers(model: JourneyMap) -> list[tuple[str, str]]:
    """(band, layer) of the rows a map shows: every layer some stage fills, or written in params."""
    shown = []
    for band, layers in BANDS.items():
        for layer in layers:
            if any(s.cells.get(layer) for s in model.stages) or \
                    any(s.empty.get(layer) == "not_in_params" for s in model.stages):
                shown.append((band, layer))
    return shown


def subtitle(model: JourneyMap, language: str) -> str:
    """One line under a map's title: clients, NPS, bottleneck, low point."""
    words = section(language, "maps")
    parts = [words["clients"].format(n=format_count(model.clients, language),
                                     share=format_percent(model.share, language))]
    if model.nps:
        parts.append(f"{phrase(model.nps, language)}, n = {format_count(model.nps.n, language)}")
    if model.bottleneck:
        parts.append(f"{words['bottleneck']}: {model.bottleneck}")
    if model.low_point:
        parts.append(f"{words['low_point']}: {model.low_point}")
    return " · ".join(parts)


# ----------------------------------------------------------------------------- poster


def _wrap_cell(items: list[str], chars: int, max_lines: int) -> list[str]:
    lines = []
    for item in items:
        wrapped = textwrap.wrap(item, chars, break_on_hyphens=False) or [""]
        if len(wrapped) > max_lines:
            wrapped = wrapped[:max_lines]
            wrapped[-1] = wrapped[-1][: max(chars - 1, 1)].rstrip() + "…"
        lines.extend(wrapped)
    return lines


def _label_lines(label: str, size: float) -> list[str]:
    """A layer's name wrapped to the poster's label column (1.5 inches) in bold."""
    return textwrap.wrap(label, max(int(1.45 * 72 / (0.68 * size)), 8))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of one line of ``text`` at font ``size`` in the current font.

    Matplotlib measures text at one size (``TextToPath.FONT_SCALE``) and scales the width
    to the size asked; measured once per text and scaled here the same way, the width is
    the same number, and fitting a box's text size by size measures each text once."""
    from matplotlib.textpath import TextToPath

    width = _text_width(text, bold, tuple(matplotlib.rcParams["font.family"]),
                        tuple(matplotlib.rcParams["font.sans-serif"]))
    return width * (float(size) / TextToPath.FONT_SCALE)


#: Widths measured: (text, bold, font families, sans-serif fonts) -> width at ``TextToPath.FONT_SCALE``.
_WIDTHS: dict[tuple, float] = {}
#: The keys of :data:`_WIDTHS` used in the open :func:`widths_kept` block.
_USED: set[tuple] = set()


def _text_width(text: str, bold: bool, family: tuple, sans: tuple) -> float:
    key = (text, bold, family, sans)
    _USED.add(key)
    if key not in _WIDTHS:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextToPath

        properties = FontProperties(family=list(family), size=TextToPath.FONT_SCALE,
                                    weight="bold" if bold else "normal")
        _WIDTHS[key] = TextToPath().get_text_width_height_descent(text, properties, ismath=False)[0]
    return _WIDTHS[key]


def _fonts_key() -> str:
    """Matplotlib's version and the font files the text of the current fonts is measured in."""
    from matplotlib.font_manager import FontProperties, findfont

    family = matplotlib.rcParams["font.family"]
    files = [findfont(FontProperties(family=family, weight=weight)) for weight in ("normal", "bold")]
    return json.dumps([matplotlib.__version__, *[(f, Path(f).stat().st_size) for f in files]])


@contextlib.contextmanager
def widths_kept(file: Path):
    """Text widths (:func:`text_width`) of the texts the block measures, kept in ``file`` (JSON)
    with the fonts' key (:func:`_fonts_key`): a text the last block with the same ``file``
    measured is not measured again (the deck of a rerun has most of its texts again); other
    fonts or another matplotlib measure again."""
    fonts = _fonts_key()
    kept = {}
    with contextlib.suppress(OSError, ValueError, TypeError):
        stored = json.loads(Path(file).read_text(encoding="utf-8"))
        if stored["fonts"] == fonts:
            kept = {(text, bold, tuple(family), tuple(sans)): width for text, bold, family, sans, width in stored["widths"]}
    _WIDTHS.update(kept)
    _USED.clear()
    yield
    if _USED != set(kept):
        write_atomic(json.dumps({"fonts": fonts, "widths": [[*key, _WIDTHS[key]] for key in sorted(_USED)]},
                                ensure_ascii=False), file, now=True)


def fit_lines(text: str, width_pt: float, size: float, bold: bool = False) -> list[str]:
    """``text`` wrapped at spaces into lines of at most ``width_pt`` points (measured at font
    ``size``); a word wider than that is a line of its own (the caller shrinks the font)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width_pt:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _stage_label(name: str, width_pt: float, height_pt: float) -> tuple[list[str], float]:
    """A stage's name fitted inside its header box (``width_pt`` by ``height_pt`` inside the
    padding): its lines and font size, the largest of 9 to 6 points at which every line fits
    (at most two lines at 8.5 points and above, three below); else cut with an ellipsis."""
    for size in (9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0):
        lines = fit_lines(name, width_pt, size, bold=True)
        fits = all(text_width(line, size, True) <= width_pt for line in lines)
        if fits and len(lines) <= (2 if size >= 8.5 else 3) and len(lines) * size * 1.2 <= height_pt:
            return lines, size
    lines = fit_lines(name, width_pt, size, bold=True)[:3]
    while text_width(lines[-1] + "…", size, True) > width_pt and len(lines[-1]) > 1:
        lines[-1] = lines[-1][:-1]
    lines[-1] = lines[-1].rstrip() + "…"
    return lines, size


def _chars(width_in: float, size: float) -> int:
    """How many characters of font ``size`` a line ``width_in`` inches wide holds (at least 8)."""
    return max(int(width_in * 72 / (0.63 * size)), 8)


def _layout(model: JourneyMap, rows: list[tuple[str, str]], col_in: float, size: float, per_cell: int,
            language: str):
    """Wrapped lines of every cell, and each row's height in points, at font ``size``."""
    words = section(language, "maps")
    chars = _chars(col_in - 0.1, size)
    cells, heights = {}, []
    for _, layer in rows:
        tallest = len(_label_lines(words[layer], size))
        for stage in model.stages:
            items = [_item(c, layer, language) for c in stage.cells.get(layer, [])[:per_cell]]
            if layer == "touchpoints" and items:  # narrower: an icon before each
                lines = [line for _, lines in _touchpoint_items(stage, col_in, size, per_cell, language)
                         for line in lines]
            else:
                lines = _wrap_cell(items, chars, 5 if layer in ("quotes", "opportunities") else 3) if items \
                    else [_empty(stage, layer, words)]
            cells[layer, stage.name] = lines
            tallest = max(tallest, len(lines))
        heights.append(tallest * size * 1.22 + 5)
    return cells, heights


def curve_colour(curve: Curve) -> str:
    """The colour of an emotion curve: the journey's clients' in the map's blue, a segment's
    in the segment's own colour (:func:`cjm.present.figures.style.segment_colour`), the same on
    the poster, the HTML page, the chapters' figures and the deck."""
    return CURVE_COLOUR if curve.label == "all" else segment_colour(curve.label)


def curve_label(model: JourneyMap, index: int, words: dict) -> str:
    """The name of a map's ``index``-th emotion curve as its legend reads."""
    label = model.curves[index].label
    return words["curve_all"] if label == "all" else label


#: Font size of the poster's curve legend, and the height of one of its lines, in points.
LEGEND_SIZE, LEGEND_LINE = 7.0, 7.0 * 1.25


def _legend_plan(model: JourneyMap, words: dict, width_in: float) -> tuple[int, list[str], float]:
    """How the segment curves' legend fits a strip ``width_in`` wide: its number of columns,
    each label's wrapped text, and the strip's height in inches (0 without segment curves)."""
    count = len(model.curves)
    if count < 2:
        return 0, [], 0.0
    columns = count if width_in / count >= 1.9 else -(-count // 2)
    handle = (1.6 + 0.8) * LEGEND_SIZE + 12  # the line, the gap to the text, the space between columns
    room = width_in * 72 / columns - handle
    labels = ["\n".join(fit_lines(curve_label(model, i, words), room, LEGEND_SIZE)[:3]) for i in range(count)]
    lines = max(label.count("\n") + 1 for label in labels)
    rows = -(-count // columns)
    return columns, labels, (rows * lines * LEGEND_LINE + (rows - 1) * 4) / 72 + 0.14


#: The poster's fixed parts, inches: margins, the label column, the bands above the rows.
POSTER = {"left": 0.35, "label": 1.55, "right": 0.3, "top": 0.95, "header": 0.62, "curve": 1.45, "footer": 0.5,
          "pad": 0.1}


# --- personas' cards and the emotions row of the poster (each drawn by its own helper)

#: Font sizes of a persona card's heading and lines, and the space between lines (times the size).
PERSONA_SIZES, PERSONA_SPACING = (7.5, 6.5), 1.3


def _persona_plan(model: JourneyMap, width_in: float, language: str) -> tuple[list[list[str]], float]:
    """How the personas' cards fill a strip ``width_in`` wide, one card per persona side by
    side: each card's lines (its heading cut to one line, every other line wrapped to two at
    most), and the strip's height in inches with the gap under it (0 without personas)."""
    if not model.personas:
        return [], 0.0
    card_pt = (width_in / len(model.personas) - 0.12) * 72 - 2 * 6 - 4  # inside the padding and the stripe
    title_size, size = PERSONA_SIZES
    cards = []
    for persona in model.personas:
        lines = [_cut(persona_title(persona), card_pt, title_size, True)]
        for line in persona_lines(persona, language):
            wrapped = fit_lines(line, card_pt, size)
            if len(wrapped) > 2:
                wrapped = [wrapped[0], _cut(" ".join(wrapped[1:]), card_pt, size)]
            lines.extend(_cut(w, card_pt, size) for w in wrapped)
        cards.append(lines)
    tallest = max(len(lines) for lines in cards)
    height_pt = title_size * PERSONA_SPACING + (tallest - 1) * size * PERSONA_SPACING + 2 * 5
    return cards, height_pt / 72 + 0.1


def _cut(line: str, width_pt: float, size: float, bold: bool = False) -> str:
    """``line`` cut with an ellipsis to ``width_pt`` points at font ``size``."""
    if text_width(line, size, bold) <= width_pt:
        return line
    while len(line) > 1 and text_width(line + "…", size, bold) > width_pt:
        line = line[:-1]
    return line.rstrip() + "…"


def _draw_personas(fig: Figure, model: JourneyMap, language: str, area: tuple) -> None:
    """The personas' cards side by side over the stage columns (``area``: the label's x, the
    columns' x, the strip's top y, its width and the cards' height, inches from the top-left
    corner), each framed and striped in its segment's colour, the strip named in the label column."""
    from matplotlib.colors import to_rgba

    label_x, x, y, width_in, height_in = area
    page_w, page_h = fig.get_size_inches()
    cards = _persona_plan(model, width_in, language)[0]
    card_in = width_in / len(cards)
    title_size, size = PERSONA_SIZES
    fig.text((label_x + 0.06) / page_w, 1 - (y + 0.05) / page_h,
             "\n".join(_label_lines(section(language, "maps")["personas"], title_size)), fontsize=title_size,
             fontweight="bold", va="top", color="#222", linespacing=1.1)
    for k, (persona, lines) in enumerate(zip(model.personas, cards)):
        colour = segment_colour(persona.segment)
        left = x + k * card_in + 0.03
        fig.add_artist(Rectangle((left / page_w, 1 - (y + height_in) / page_h), (card_in - 0.12) / page_w,
                                 height_in / page_h, transform=fig.transFigure, facecolor=to_rgba(colour, 0.08),
                                 edgecolor=colour, linewidth=0.9, label="persona"))
        fig.add_artist(Rectangle((left / page_w, 1 - (y + height_in) / page_h), 0.055 / page_w, height_in / page_h,
                                 transform=fig.transFigure, facecolor=colour, edgecolor="none"))
        text_x = (left + 0.055 + 6 / 72) / page_w
        fig.text(text_x, 1 - (y + 5 / 72) / page_h, lines[0], fontsize=title_size, fontweight="bold", va="top",
                 color="#222")
        fig.text(text_x, 1 - (y + (5 + title_size * PERSONA_SPACING) / 72) / page_h, "\n".join(lines[1:]),
                 fontsize=size, va="top", color="#333", linespacing=PERSONA_SPACING)


#: Font size of the poster's emotions row.
FEELINGS_SIZE = 7.0


def _emotion_words_plan(model: JourneyMap, col_in: float, language: str) -> tuple[dict, float]:
    """The emotions row under the curve: each stage's lines (its emotion words with their
    counts, one a line, cut to the column; else why there are none) and the row's height in
    inches (0 where no stage has any: the curve says why)."""
    if not any(s.cells.get("emotion_words") for s in model.stages):
        return {}, 0.0
    words = section(language, "maps")
    width_pt = (col_in - 0.1) * 72
    lines = {stage.name: [_cut(_item(c, "emotion_words", language), width_pt, FEELINGS_SIZE)
                          for c in stage.cells["emotion_words"]] or [_empty(stage, "emotion_words", words)]
             for stage in model.stages}
    tallest = max(max(len(v) for v in lines.values()), len(_label_lines(words["emotion_words"], FEELINGS_SIZE)))
    return lines, (tallest * FEELINGS_SIZE * 1.22 + 8) / 72


def _draw_emotion_words(fig: Figure, model: JourneyMap, lines: dict, language: str, area: tuple) -> None:
    """The emotions row (``lines`` of :func:`_emotion_words_plan`) in a band of its own
    (``area``: the label's x, the columns' x, the row's top y, a column's width and the row's
    height, inches from the top-left corner)."""
    label_x, x, y, col_in, height_in = area
    page_w, page_h = fig.get_size_inches()
    fig.add_artist(Rectangle((label_x / page_w, 1 - (y + height_in) / page_h),
                             (x + len(model.stages) * col_in - label_x) / page_w, height_in / page_h,
                             transform=fig.transFigure, facecolor=BAND_COLOURS["experience"], edgecolor="white",
                             linewidth=1.2, label="emotion_words"))
    label = "\n".join(_label_lines(section(language, "maps")["emotion_words"], FEELINGS_SIZE))
    fig.text((label_x + 0.06) / page_w, 1 - (y + 0.05) / page_h, label, fontsize=FEELINGS_SIZE, fontweight="bold",
             va="top", color="#222", linespacing=1.1)
    for i in range(1, len(model.stages)):  # white between the columns, as in the rows
        fig.add_artist(matplotlib.lines.Line2D([(x + i * col_in) / page_w] * 2, [1 - y / page_h,
                                                                                1 - (y + height_in) / page_h],
                                               transform=fig.transFigure, color="white", linewidth=1.5, zorder=1.5))
    for i, stage in enumerate(model.stages):
        fig.text((x + i * col_in + 0.05) / page_w, 1 - (y + 0.05) / page_h, "\n".join(lines[stage.name]),
                 fontsize=FEELINGS_SIZE, va="top", color="#111" if stage.cells.get("emotion_words") else "#999",
                 linespacing=1.1)


def render_poster(model: JourneyMap, language: str) -> Figure:
    """The map as an A3 landscape poster (420 x 297 mm): title, the personas' cards in a strip
    of their own, stages, the emotion curve (with segments' curves where they differ, named
    in a legend strip of their own under it) and the stages' emotions in customers' words
    under them, then the layers in four bands (customer, experience, company, and
    the opportunities lane: actions against the top barriers), each cell's items with their
    evidence counts; font size fitted to the page and the rows stretched to fill
    it down to the footer.

    Returns
    -------
    Figure
        Save it with :func:`save_figure` as a ``page``.
    """
    words = section(language, "maps")
    width, height = A3
    left, label_in, right = POSTER["left"], POSTER["label"], POSTER["right"]
    top_in, header_in, curve_in, footer_in = POSTER["top"], POSTER["header"], POSTER["curve"], POSTER["footer"]
    n = len(model.stages)
    x0 = left + label_in
    col_in = (width - x0 - right) / n
    columns, legend_labels, legend_in = _legend_plan(model, words, n * col_in)
    persona_in = _persona_plan(model, n * col_in, language)[1]
    feelings, feelings_in = _emotion_words_plan(model, col_in, language)
    top_in += persona_in
    rows = _shown_layers(model)
    rows_top = top_in + header_in + curve_in + feelings_in + legend_in
    room = (height - rows_top - footer_in) * 72
    for size, per_cell in ((9.0, 3), (8.5, 3), (8.0, 3), (7.5, 3), (7.0, 3), (6.5, 3), (6.0, 3), (5.5, 3),
                           (5.5, 2), (5.0, 2), (5.0, 1)):
        cells, heights = _layout(model, rows, col_in, size, per_cell, language)
        if sum(heights) <= room:
            break
    if rows and sum(heights) < room:  # the rows share what is left, down to the footer
        heights = [h + (room - sum(heights)) / len(rows) for h in heights]
    fig = Figure(figsize=A3)
    fig.patch.set_facecolor("white")

    def box(x, y, w, h, **style):  # x, y, w, h in inches from the top-left corner
        fig.add_artist(Rectangle((x / width, 1 - (y + h) / height), w / width, h / height,
                                 transform=fig.transFigure, **style))

    def text(x, y, s, **style):
        fig.text(x / width, 1 - y / height, s, **style)

    def axes(y, h, label):  # an axes over the stage columns, y and h in inches from the top
        return fig.add_axes((x0 / width, 1 - (y + h) / height, n * col_in / width, h / height), label=label)

    text(left, 0.42, map_title(model, language), fontsize=17, fontweight="bold", va="baseline")
    text(left, 0.72, subtitle(model, language), fontsize=9.5, color="#333", va="baseline")
    _draw_kind_legend(fig, model, width - right, 0.72, language)
    if persona_in:  # the personas' cards in a strip of their own, between the title and the stages
        _draw_personas(fig, model, language, (left, x0, POSTER["top"] - 0.05, n * col_in, persona_in - 0.1))
    y, pad = top_in, POSTER["pad"]
    for i, stage in enumerate(model.stages):
        colour = BOTTLENECK_COLOUR if stage.name == model.bottleneck else STAGE_COLOUR
        fig.add_artist(FancyBboxPatch(((x0 + i * col_in + 0.03) / width, 1 - (y + header_in - 0.05) / height),
                                      (col_in - 0.06) / width, (header_in - 0.1) / height,
                                      boxstyle="round,pad=0,rounding_size=0.005", transform=fig.transFigure,
                                      facecolor=colour, edgecolor="none"))
        lines, stage_size = _stage_label(stage.name, (col_in - 0.06 - 2 * pad) * 72, (header_in - 0.1 - pad) * 72)
        text(x0 + (i + 0.5) * col_in, y + header_in / 2, "\n".join(lines), fontsize=stage_size, fontweight="bold",
             color="white", ha="center", va="center", linespacing=1.1)
    y += header_in
    ax = axes(y + 0.1, curve_in - 0.2, "emotion")
    _draw_curves(ax, model, words, language)
    text(left + 0.06, y + 0.12, words["emotion_axis"], fontsize=8, fontweight="bold", va="top")
    y += curve_in
    if columns:  # the segments' curves named in a strip of their own, under the curve's axis
        handles, _ = ax.get_legend_handles_labels()
        legend_ax = axes(y, legend_in, "legend")
        legend_ax.axis("off")
        legend_ax.legend(handles, legend_labels, loc="center left", bbox_to_anchor=(0, 0.5), ncol=columns,
                         fontsize=LEGEND_SIZE, frameon=False, handlelength=1.6, handletextpad=0.8,
                         columnspacing=12 / LEGEND_SIZE, borderaxespad=0, borderpad=0, labelspacing=4 / LEGEND_SIZE)
        y += legend_in
    if feelings_in:  # the stages' emotions in customers' words, under the curve (and its legend)
        _draw_emotion_words(fig, model, feelings, language, (left, x0, y, col_in, feelings_in))
        y += feelings_in
    band_of = None
    for (band, layer), row_pt in zip(rows, heights):
        row_in = row_pt / 72
        box(left, y, width - left - right, row_in, facecolor=BAND_COLOURS[band], edgecolor="white", linewidth=1.2)
        if band != band_of:
            box(left, y, width - left - right, 0.012, facecolor="#999", edgecolor="none")
            band_of = band
        label = "\n".join(_label_lines(words[layer], size))
        text(left + 0.06, y + 0.05, label, fontsize=size, fontweight="bold", va="top", color="#222", linespacing=1.1)
        for i, stage in enumerate(model.stages):
            if layer == "touchpoints" and stage.cells.get(layer):
                _draw_touchpoints(fig, stage, x0 + i * col_in + 0.05, y + 0.05, col_in, size, per_cell, language)
                continue
            lines = cells[layer, stage.name]
            style = {"style": "italic"} if layer == "quotes" else {}
            colour = "#999" if not stage.cells.get(layer) else "#111"
            text(x0 + i * col_in + 0.05, y + 0.05, "\n".join(lines), fontsize=size, va="top", color=colour,
                 linespacing=1.1, **style)
        y += row_in
    for i in range(1, n):  # white between the columns of the rows, over the bands, under the text
        fig.add_artist(matplotlib.lines.Line2D([(x0 + i * col_in) / width] * 2, [1 - rows_top / height, 1 - y / height],
                                               transform=fig.transFigure, color="white", linewidth=1.5, zorder=1.5))
    footer = "\n".join(textwrap.wrap(words["footer"], 230))
    text(left, height - footer_in + 0.12, footer, fontsize=6.5, color="#555", va="top")
    return fig


# ----------------------------------------------------------------------------- poster: touchpoint icons

#: The room an icon takes before a touchpoint's text, in ems of the font (the icon is one em).
ICON_ROOM = 1.35


def channel_kinds_shown(model: JourneyMap) -> list[str]:
    """The channel kinds of a map's touchpoints, in the order of :data:`CHANNEL_KINDS`."""
    found = {c.detail.get("channel_kind", "other") for s in model.stages for c in s.cells.get("touchpoints", [])}
    return [kind for kind in CHANNEL_KINDS if kind in found]


def _touchpoint_items(stage: Stage, col_in: float, size: float, per_cell: int, language: str) -> list:
    """A stage's touchpoints as the poster shows them: (channel kind, wrapped lines) each,
    wrapped to the column less the icon's room."""
    chars = _chars(col_in - 0.1 - ICON_ROOM * size / 72, size)
    return [(c.detail.get("channel_kind", "other"), _wrap_cell([_item(c, "touchpoints", language)], chars, 3))
            for c in stage.cells.get("touchpoints", [])[:per_cell]]


def _draw_touchpoints(fig: Figure, stage: Stage, x: float, y: float, col_in: float, size: float, per_cell: int,
                      language: str) -> None:
    """A stage's touchpoints in their row, from (``x``, ``y``) inches from the page's top-left:
    each item's icon (one em, its top at the text's) then its text, the next item under it."""
    width, height = fig.get_size_inches()
    em = size / 72
    for kind, lines in _touchpoint_items(stage, col_in, size, per_cell, language):
        fig.add_artist(icon_patch(kind, x, height - y - 0.12 * em, em, fig.dpi_scale_trans, linewidth=0.06 * size))
        fig.text((x + ICON_ROOM * em) / width, 1 - y / height, "\n".join(lines), fontsize=size, va="top",
                 color="#111", linespacing=1.1)
        y += len(lines) * size * 1.22 / 72


def _draw_kind_legend(fig: Figure, model: JourneyMap, right: float, baseline: float, language: str) -> None:
    """The channel kinds of the map's touchpoints (icon and name each) in a line ending at
    ``right`` inches, on the ``baseline`` inches from the page's top; nothing without any."""
    words = section(language, "maps")
    width, height = fig.get_size_inches()
    size = LEGEND_SIZE
    em = size / 72
    x = right
    for kind in reversed(channel_kinds_shown(model)):
        name = words[f"kind_{kind}"]
        x -= text_width(name, size) / 72
        fig.text(x / width, 1 - baseline / height, name, fontsize=size, color="#333", va="baseline")
        x -= ICON_ROOM * em
        fig.add_artist(icon_patch(kind, x, height - baseline + 0.85 * em, em, fig.dpi_scale_trans,
                                  linewidth=0.06 * size))
        x -= 1.2 * em  # between two kinds


def _draw_curves(ax, model: JourneyMap, words: dict, language: str) -> None:
    """Emotion curves over the stage columns, the low point marked; without any (no
    texts of customers) the band says there is no source. The columns' borders are faint
    lines under the curves."""
    x = np.arange(len(model.stages)) + 0.5
    ax.patch.set_visible(False)
    ax.axhline(0, color="#999", linewidth=0.8, zorder=1)
    for border in range(1, len(model.stages)):
        ax.axvline(border, color="#e3e3e3", linewidth=0.8, zorder=0.5)
    if not model.curves:
        for xi in x:
            ax.text(xi, 0.5, words["no_source"], ha="center", va="center", fontsize=7.5, color="#999")
    for i, curve in enumerate(model.curves):
        y = np.array([np.nan if s is None else s for s in curve.scores], dtype=float)
        first = i == 0
        ax.plot(x, y, marker="o", markersize=5 if first else 3, linewidth=2.2 if first else 1.1,
                color=curve_colour(curve), alpha=1 if first else 0.85, label=curve_label(model, i, words),
                zorder=4 if first else 3)
        if first:
            for xi, yi, n in zip(x, y, curve.fragments):
                if np.isfinite(yi):
                    ax.annotate(format_number(yi, language, 2, sign=True),
                                (xi, yi), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7.5)
    if model.low_point:
        low = [s.name for s in model.stages].index(model.low_point)
        ax.scatter([x[low]], [model.curves[0].scores[low]], s=140, facecolors="none", edgecolors=BOTTLENECK_COLOUR,
                   linewidths=1.8, zorder=5)
    ax.set_xlim(0, len(model.stages))
    ax.set_ylim(-1.15, 1.25)
    ax.set_yticks([-1, 0, 1])
    ax.set_xticks([])
    ax.tick_params(labelsize=7)
    ax.grid(False, axis="x")
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)


#: The formats a figure is saved in, the first the one a notebook shows.
FORMATS = (".png", ".svg", ".pdf")


def save_figure(fig: Figure, folder: Path, stem: str, title: str, page: bool = False,
                formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``stem``.png (150 dpi), .svg (text kept as text) and .pdf (fonts
    embedded), or those of ``formats``, into ``folder``, each atomically and with fixed
    metadata, so the same figure gives the same bytes; a ``page`` (a poster) keeps its whole
    size, another figure is cut to what it draws. Returns the paths written."""
    metadata = {".png": {"Software": "cjm"}, ".svg": {"Title": title, "Creator": "cjm", "Date": None},
                ".pdf": {"Title": title, "Creator": "cjm", "Producer": "cjm", "CreationDate": None}}
    options = {".png": {"dpi": 150}, ".svg": {}, ".pdf": {}}
    written = []
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "cjm",
                                "savefig.bbox": "standard" if page else "tight"}):
        for suffix in formats:
            buffer = io.BytesIO()
            fig.savefig(buffer, format=suffix[1:], metadata=metadata[suffix], **options[suffix])
            written.append(write_atomic(buffer.getvalue(), Path(folder) / f"{stem}{suffix}"))
    return written


# ----------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 13px; color: #222; margin: 1.2rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; } h2 { font-size: 1.2rem; margin-top: 1.8rem; }
.sub { color: #444; margin: 0 0 1rem; }
table { border-collapse: collapse; }
table.map { table-layout: fixed; width: 100%; min-width: 70rem; }
.map th, .map td { border: 1px solid #fff; padding: .35rem .45rem; vertical-align: top; }
.map thead th { background: #0b5cad; color: #fff; font-size: .95rem; }
.map thead th.bottleneck { background: #c0392b; }
.map th.layer { width: 10rem; text-align: left; }
.map tr.customer td, .map tr.customer th { background: #e8f0fa; }
.map tr.experience td, .map tr.experience th { background: #fbeeee; }
.map tr.business td, .map tr.business th { background: #eef6ee; }
.map tr.solutions td, .map tr.solutions th { background: #fff4d6; }
.personas { display: flex; flex-wrap: wrap; gap: .6rem; margin: 0 0 1rem; }
.persona { flex: 1 1 14rem; max-width: 24rem; border: 1px solid; border-left-width: 6px; padding: .4rem .6rem; }
.persona h3 { font-size: .95rem; margin: 0 0 .2rem; } .persona p { margin: 0 0 .15rem; font-size: .9em; }
.feelings { display: grid; min-width: 70rem; background: #fbeeee; margin: 0 0 .6rem; }
.feelings div { padding: .3rem .45rem; border-left: 1px solid #fff; } .feelings .layer { font-weight: bold; }
.map ul { margin: 0; padding-left: 1rem; } .map li { margin-bottom: .2rem; }
.n { color: #555; font-size: .85em; } .empty { color: #999; } q { font-style: italic; }
.curve { width: 100%; min-width: 70rem; height: auto; }
table.list td, table.list th { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; }
table.list td.num { text-align: right; }
.files a { margin-right: 1rem; }
nav.back { margin-bottom: .8rem; } a { color: #0b5cad; }
ul.legend { list-style: none; margin: .2rem 0 1rem; padding: 0 0 0 14%; min-width: 60rem; }
ul.legend li { display: inline-block; margin: 0 1.4rem .3rem 0; }
.swatch { display: inline-block; width: 1.8rem; border-top: 2px solid; vertical-align: middle; margin-right: .4rem; }
.swatch.main { border-top-width: 4px; }
svg.icon { vertical-align: -.15em; color: #333; }
ul.kinds { list-style: none; margin: .2rem 0 .8rem; padding: 0; color: #444; }
ul.kinds li { display: inline-block; margin: 0 1.2rem .3rem 0; }
@media print { body { margin: 0; font-size: 9pt; } .files, nav.back { display: none; } }
"""


def _curve_svg(model: JourneyMap, words: dict, language: str) -> str:
    """The emotion curves as inline SVG over the stage columns (viewBox: 1000 x 200)."""
    n, width, top, bottom = len(model.stages), 1000, 20, 180
    span = width * 0.86 / n
    left = width * 0.14

    def point(i, score):
        return left + (i + 0.5) * span, top + (1 - (score + 1) / 2) * (bottom - top)

    parts = [f'<line x1="{left}" x2="{width}" y1="{point(0, 0)[1]:.1f}" y2="{point(0, 0)[1]:.1f}" stroke="#999"/>',
             f'<text x="4" y="{point(0, 0)[1] + 4:.1f}" font-size="12">{html.escape(words["emotion_axis"])}</text>']
    for k, curve in enumerate(model.curves):
        colour = curve_colour(curve)
        points = [point(i, s) for i, s in enumerate(curve.scores) if s is not None]
        label = curve_label(model, k, words)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{3 if k == 0 else 1.5}" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + f'"><title>{html.escape(label)}</title>'
                     "</polyline>")
        if k == 0:
            for (x, y), score in zip(points, [s for s in curve.scores if s is not None]):
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
                             f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="12" text-anchor="middle">'
                             f"{format_number(score, language, 2, sign=True)}</text>")
    return f'<svg class="curve" viewBox="0 0 {width} 200">{"".join(parts)}</svg>'


def _curve_legend(model: JourneyMap, words: dict) -> str:
    """The emotion curves' legend (a colour, then the journey's clients or a segment's name,
    in the poster's colours); empty without segment curves."""
    if len(model.curves) < 2:
        return ""
    items = "".join(f'<li><span class="swatch{" main" if k == 0 else ""}" '
                    f'style="border-color: {curve_colour(model.curves[k])}">'
                    f"</span>{html.escape(curve_label(model, k, words))}</li>" for k in range(len(model.curves)))
    return f'<ul class="legend" aria-label="{html.escape(words["emotion_axis"])}">{items}</ul>'


def _persona_cards(model: JourneyMap, language: str) -> str:
    """The personas as cards, each framed in its segment's colour (the poster's); empty without any."""
    if not model.personas:
        return ""
    e = html.escape
    cards = "".join(
        f'<div class="persona" style="border-color: {segment_colour(p.segment)}"><h3>{e(persona_title(p))}</h3>'
        + "".join(f"<p>{e(line)}</p>" for line in persona_lines(p, language)) + "</div>" for p in model.personas)
    return f'<h2>{e(section(language, "maps")["personas"])}</h2><div class="personas">{cards}</div>'


def _emotion_words_row(model: JourneyMap, words: dict, language: str) -> str:
    """The stages' emotions in customers' words, a row under the curve over the same columns
    (the curve's 14 % of labels, then the stages); empty where no stage has any."""
    if not any(s.cells.get("emotion_words") for s in model.stages):
        return ""
    e = html.escape
    cells = "".join("<div>" + ("<br>".join(e(_item(c, "emotion_words", language)) for c in s.cells["emotion_words"])
                               or f'<span class="empty">{e(_empty(s, "emotion_words", words))}</span>') + "</div>"
                    for s in model.stages)
    return (f'<div class="feelings" style="grid-template-columns: 14% repeat({len(model.stages)}, 1fr)">'
            f'<div class="layer">{e(words["emotion_words"])}</div>{cells}</div>')


def _with_effort_words(rows: list[dict], language: str) -> list[dict]:
    """Recommendations with each action's effort in words."""
    return [{**row, "effort": effort_word(row.get("effort") or "", language)} for row in rows]


def _touchpoint_icon(cell: Cell, words: dict) -> str:
    """The icon of a touchpoint's channel kind, its name on hover, before the item's text."""
    kind = cell.detail.get("channel_kind", "other")
    return icon_svg(kind, html.escape(words[f"kind_{kind}"])) + " "


def _kind_legend(model: JourneyMap, words: dict) -> str:
    """The channel kinds of the map's touchpoints, icon and name each; empty without any."""
    kinds = channel_kinds_shown(model)
    if not kinds:
        return ""
    items = "".join(f"<li>{icon_svg(kind)} {html.escape(words['kind_' + kind])}</li>" for kind in kinds)
    return f'<ul class="kinds" aria-label="{html.escape(words["channel_kind"])}">{items}</ul>'


def _evidence(cell: Cell, words: dict, language: str) -> str:
    parts = [f"{words['source']}: {cell.source}"] if cell.source else []
    if cell.n is not None:
        parts.append(counted(cell, language))
    return "; ".join(parts)


def _list_table(rows: list[dict], columns, words: dict, language: str) -> str:
    head = "".join(f"<th>{html.escape(words.get(c, c))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            if isinstance(value, bool):
                cells.append(f"<td>{words['yes' if value else 'no']}</td>")
            elif isinstance(value, float):  # a count is a float where some rows have none (JSON's null)
                shown = format_percent(value, language) if c in ("lost_share", "nps_weight") \
                    else format_count(value, language) if c in COUNT_COLUMNS else format_number(value, language, 2)
                cells.append(f'<td class="num">{shown}</td>')
            elif isinstance(value, int):
                cells.append(f'<td class="num">{format_count(value, language)}</td>')
            else:
                cells.append(f"<td>{html.escape('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def render_html(model: JourneyMap, language: str, files: dict[str, str] | None = None) -> str:
    """The map as a self-contained HTML page (no scripts, printable): a link back to the
    report's contents (``../index.html``), the personas' cards, the grid of stages by layers
    (the opportunities lane last) with each item's source and count on hover, the emotion
    curves with the stages' emotion words under them and their legend (the poster's colours),
    the journey's segments, its recommendations and (all clients' map) the touchpoint list.

    Parameters
    ----------
    files : dict, optional
        Label -> relative link of the poster files to list at the top.
    """
    words = section(language, "maps")
    e = html.escape
    head = "".join(f'<th class="{"bottleneck" if s.name == model.bottleneck else ""}">{e(s.name)}</th>'
                   for s in model.stages)
    rows = []
    for band, layer in _shown_layers(model):
        cells = []
        for stage in model.stages:
            items = stage.cells.get(layer, [])
            if not items:
                cells.append(f'<td class="empty">{e(_empty(stage, layer, words))}</td>')
                continue
            lis = []
            for cell in items:
                count = evidence_count(cell, layer, language)
                count = f' <span class="n">{e(count)}</span>' if count else ""
                body = f"<q>{e(cell.text)}</q>" if cell.kind == "quote" else e(phrase(cell, language))
                if layer == "touchpoints":
                    body = _touchpoint_icon(cell, words) + body
                lis.append(f'<li title="{e(_evidence(cell, words, language))}">{body}{count}</li>')
            cells.append(f"<td><ul>{''.join(lis)}</ul></td>")
        rows.append(f'<tr class="{band}"><th class="layer">{e(words[layer])}</th>{"".join(cells)}</tr>')
    links = "".join(f'<a href="{e(href)}">{e(label)}</a>' for label, href in (files or {}).items())
    sections = []
    if model.segments:
        sections.append(f"<h2>{e(words['segments'])}</h2><ul>"
                        + "".join(f"<li>{e(phrase(c, language))}</li>" for c in model.segments) + "</ul>")
    if model.recommendations:
        sections.append(f"<h2>{e(words['recommendations'])}</h2>"
                        + _list_table(_with_effort_words(model.recommendations, language), RECOMMENDATION_COLUMNS,
                                      words, language))
    if model.touchpoints:
        sections.append(f"<h2>{e(words['touchpoint_list'])}</h2>"
                        + _list_table(model.touchpoints, TOUCHPOINT_COLUMNS, words, language))
    return f"""<!DOCTYPE html>
<html lang="{language}">
<head><meta charset="utf-8"><title>{e(map_title(model, language))}</title><style>{_CSS}</style></head>
<body>
<nav class="back"><a href="../index.html">{e(section(language, "report")["back"])}</a></nav>
<h1>{e(map_title(model, language))}</h1>
<p class="sub">{e(subtitle(model, language))}</p>
<p class="files">{links}</p>
{_persona_cards(model, language)}
{_curve_svg(model, words, language)}
{_curve_legend(model, words)}
{_emotion_words_row(model, words, language)}
{_kind_legend(model, words)}
<table class="map"><thead><tr><th class="layer"></th>{head}</tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{"".join(sections)}
<p class="sub">{e(words["footer"])}</p>
</body>
</html>
"""


# ----------------------------------------------------------------------------- xlsx


def _sheet_name(base: str, used: set) -> str:
    """``base`` as a sheet name Excel takes (31 characters, no ``[]:*?/`` or backslash), unique in ``used``."""
    name = "".join(ch for ch in base if ch not in "[]:*?/\\")[:31]
    while name in used:
        name = name[:28] + f"~{len(used)}"
    used.add(name)
    return name


def write_maps_xlsx(models: list[JourneyMap], path: Path, language: str) -> Path:
    """One formatted sheet per map (stages across, layers down: the emotion score and the
    emotion words first, the opportunities lane last; items with their counts, the
    bottleneck stage in red), then the recommendations of every map (with their actions),
    the personas of every map, the touchpoint list and every item with its source and
    count; written atomically.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from cjm.core.io import write_office_zip

    words = section(language, "maps")
    book = Workbook()
    book.remove(book.active)
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    fills = {band: PatternFill("solid", fgColor=colour[1:]) for band, colour in BAND_COLOURS.items()}
    used: set = set()
    for model in models:
        title = map_title(model, language)
        sheet = book.create_sheet(_sheet_name(title if model.journey == "all" else f"{model.journey}. {title}", used))
        sheet["A1"], sheet["A2"] = title, subtitle(model, language)
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.column_dimensions["A"].width = 24
        for j, stage in enumerate(model.stages, 2):
            cell = sheet.cell(4, j, stage.name)
            cell.font = Font(bold=True, color="FFFFFF")
            colour = BOTTLENECK_COLOUR if stage.name == model.bottleneck else STAGE_COLOUR
            cell.fill = PatternFill("solid", fgColor=colour[1:])
            cell.alignment = wrap
            sheet.column_dimensions[cell.column_letter].width = 34
        layers = [("experience", "emotion"), ("experience", "emotion_words")] + _shown_layers(model)
        for i, (band, layer) in enumerate(layers, 5):
            label = sheet.cell(i, 1, words[layer])
            label.font, label.fill, label.alignment = bold, fills[band], wrap
            tallest = 1
            for j, stage in enumerate(model.stages, 2):
                items = stage.cells.get(layer, [])
                text = "\n".join(_item(c, layer, language) for c in items) if items else _empty(stage, layer, words)
                cell = sheet.cell(i, j, text)
                cell.alignment, cell.fill = wrap, fills[band]
                tallest = max(tallest, sum(len(line) // 34 + 1 for line in text.split("\n")))
            sheet.row_dimensions[i].height = min(15 * tallest, 400)
        sheet.freeze_panes = "B5"
    tables = {words["recommendations"]: pd.DataFrame([dict(r, journey=map_title(m, language)) for m in models
                                                      for r in _with_effort_words(m.recommendations, language)],
                                                     columns=["journey", *RECOMMENDATION_COLUMNS]),
              words["personas"]: persona_table(models, language),
              words["touchpoint_list"]: pd.DataFrame(models[0].touchpoints, columns=list(TOUCHPOINT_COLUMNS)),
              words["evidence"]: shown_items(models, language)}
    for name, frame in tables.items():
        sheet = book.create_sheet(_sheet_name(name, used))
        frame = labelled(frame, language)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if isinstance(v, float) and np.isnan(v) else v for v in row])
        for cell in sheet[1]:
            cell.font = bold
    book.properties.creator = "cjm"
    buffer = io.BytesIO()
    book.save(buffer)
    return write_office_zip(buffer.getvalue(), Path(path))


# ----------------------------------------------------------------------------- 07 end to end


def shown_items(models: list[JourneyMap], language: str) -> pd.DataFrame:
    """:func:`cjm.analysis.journey_model.model_table` as the client reads it: each item's
    ``text`` as the map phrases it, a touchpoint's channel kind by its name, each journey by
    its title, no ``kind`` code."""
    table = model_table(models)
    table.loc[table["item"] > 0, "text"] = [phrase(cell, language) for model in models for stage in model.stages
                                            for layer in LAYERS for cell in stage.cells.get(layer, [])]
    if "channel_kind" in table:
        words = section(language, "maps")
        table["channel_kind"] = table["channel_kind"].map(lambda kind: words[f"kind_{kind}"] if isinstance(kind, str)
                                                          else kind)
    titles = {model.journey: map_title(model, language) for model in models}
    return table.assign(journey_name=table["journey"].map(titles)).drop(columns="kind")


def persona_table(models: list[JourneyMap], language: str) -> pd.DataFrame:
    """The personas of every map, one row each: ``journey_name`` (:func:`map_title`),
    ``segment``, ``segment_name``, ``clients`` (on the journey), ``share`` (of its clients),
    ``nps``, ``ci_low``, ``ci_high``, ``respondents`` (missing without a survey) and ``traits``
    (as the cards write them, "; " between)."""
    columns = ["journey_name", "segment", "segment_name", "clients", "share", "nps", "ci_low", "ci_high",
               "respondents", "traits"]
    return pd.DataFrame([{"journey_name": map_title(m, language), "segment": p.segment, "segment_name": p.name,
                          "clients": p.clients, "share": p.share,
                          "nps": p.nps.value if p.nps else np.nan,
                          "ci_low": p.nps.detail["low"] if p.nps else np.nan,
                          "ci_high": p.nps.detail["high"] if p.nps else np.nan,
                          "respondents": p.nps.n if p.nps else np.nan,
                          "traits": "; ".join(phrase(t, language) for t in p.traits)}
                         for m in models for p in m.personas], columns=columns)


def map_stem(model: JourneyMap) -> str:
    """File name (without suffix) of a map: ``map_all``, ``map_journey_1`` ..."""
    return "map_all" if model.journey == "all" else f"map_journey_{model.journey}"


def map_summary(models: list[JourneyMap], language: str) -> pd.DataFrame:
    """One row per map: ``journey``, ``journey_name`` (:func:`map_title`), ``clients``, ``share``,
    ``nps``, ``respondents``, ``bottleneck``, ``low_point``."""
    return pd.DataFrame([{"journey": m.journey, "journey_name": map_title(m, language), "clients": m.clients,
                          "share": m.share,
                          "nps": m.nps.value if m.nps else np.nan, "respondents": m.nps.n if m.nps else 0,
                          "bottleneck": m.bottleneck or "", "low_point": m.low_point or ""} for m in models])


def layer_coverage(models: list[JourneyMap], language: str) -> pd.DataFrame:
    """How many stages each map fills in each layer: ``layer`` (its name in ``language``),
    then one column per map (``filled of stages``)."""
    words = section(language, "maps")
    rows = []
    for layer in LAYERS:
        row = {"layer": words[layer]}
        for model in models:
            filled = sum(bool(s.cells.get(layer)) for s in model.stages)
            row[map_title(model, language)] = f"{filled} / {len(model.stages)}"
        rows.append(row)
    return pd.DataFrame(rows)


def findings(models: list[JourneyMap]) -> dict:
    """The numbers 07's narrative quotes."""
    first = models[0]
    top = first.recommendations[0] if first.recommendations else {}
    return {"journeys": len(models) - 1, "bottleneck": first.bottleneck or "—",
            "low_point": first.low_point or "—", "barrier": top.get("barrier", "—"), "stage": top.get("stage", "—"),
            "owner": top.get("owner") or "—"}


def from_json(path: Path) -> list[JourneyMap]:
    """The models :func:`cjm.steps.maps.to_json` wrote."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CjmError(f"{path}: cannot read the journey model ({err})", "rebuild it with 07_cjm (make all)") from err
    return [from_dict(d) for d in data]
