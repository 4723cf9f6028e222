"""The report's executive summary: the question of the engagement, its segments, NPS against
the company's own, the funnel's bottleneck, the journeys found and the barriers ranked by
impact with their owners, in the engagement's language.

:func:`read_summary` reads the stable files the chapters wrote (03-07) and hands them to
:func:`cjm.analysis.summary.summarize`, so every number is the one its chapter shows;
:func:`summary_html` phrases it, each number a link to the chapter it comes from. A part
the engagement lacks (no survey, no interviews, no segments) is one plain line.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from cjm.analysis.summary import Summary, summarize
from cjm.core.io import read_table
from cjm.core.params import default_section
from cjm.core.publication import current
from cjm.present.formats import format_count, format_number, format_percent, plural
from cjm.present.words import section

#: The chapter (executed notebook's stem) each part of the summary comes from.
CHAPTER_OF = {"segments": "03_segment", "nps": "04_survey", "bottleneck": "06_funnel", "journeys": "06_funnel",
              "barriers": "07_cjm"}


def read_models(paths):
    """07's journey models (``report/journey_model.json``), None before 07 has run."""
    from cjm.present.maps import from_json

    model_file = current(paths.report / "journey_model.json")
    return from_json(model_file) if model_file.exists() else None


def read_summary(paths) -> Summary:
    """The summary of an engagement from the files its steps wrote (interim tables of 03,
    04 and 06, ``report/journey_model.json`` of 07); a file a step did not write is a part
    the engagement lacks.

    Parameters
    ----------
    paths : EngagementPaths
    """
    def table(name, columns=None):
        return read_table(paths, name, columns, optional=True)

    models = read_models(paths)
    everyone = models[0] if models else None
    return summarize(
        segment_profiles=table("segment_profiles"), nps_overall=table("nps_overall"),
        nps_by_segment=table("nps_by_segment"), nps_own=table("nps_own"),
        surveyed=current(paths.table("survey_scores")).exists(),
        stage_funnel=table("stage_funnel"), journeys=table("journeys", ["client_id", "journey", "journey_name"]),
        recommendations=None if everyone is None else everyone.recommendations,
        voice=bool(everyone and everyone.sources.get("interviews")))


def _link(text: str, href: str | None) -> str:
    """``text`` (already escaped) as a link to ``href``, or as it is without one."""
    return f'<a class="cjm-num" href="{html.escape(href)}">{text}</a>' if href else text


@dataclass(frozen=True)
class Part:
    """One part of the summary as a reader sees it: a heading, a sentence (or the plain line of
    what the engagement lacks), the list under it and a note."""

    title: str
    text: str
    items: tuple[str, ...] = ()
    ordered: bool = False
    note: str = ""


def summary_parts(summary: Summary, language: str, own_label: str | None = None, confidence: float = 0.95,
                  escape=str, number=lambda text, part: text, journey=lambda name, key: name) -> dict[str, Part]:
    """The summary's parts in ``language``, by name (``segments``, ``nps``, ``bottleneck``,
    ``journeys``, ``barriers``, in this order).

    Parameters
    ----------
    summary : Summary
        :func:`read_summary`.
    language : {"ru", "en"}
    own_label : str, optional
        What the company calls its own NPS (params ``survey.own_nps.label``).
    confidence : float
        The level of 04's intervals (params ``survey.confidence``).
    escape : callable
        Text -> as the output writes it (``html.escape`` for a page; as it is for slides).
    number : callable
        (escaped number, part) -> the number as shown (a link to the chapter of ``part``).
    journey : callable
        (escaped journey name, journey) -> the name as shown (a link to its map).
    """
    words = section(language, "summary")
    e = escape

    def fill(key, **values):  # a sentence of the catalogue (escaped) with shown values
        return e(words[key]).format(**values)

    def count(n, part):
        return number(e(format_count(n, language)), part)

    def pct(share, part):
        return number(e(format_percent(share, language)), part)

    def points(value, part):
        return number(e(format_number(value, language)), part)

    def word(n, forms):  # the word agreeing with n (a name in the catalogue's plurals)
        return e(plural(n, forms, language))

    def missing(part, title):
        return Part(fill(title), fill(summary.missing[part]))

    parts = {}
    if summary.segments is None:
        parts["segments"] = missing("segments", "segments_title")
    else:
        n = len(summary.segments)
        items = []
        for row in summary.segments.itertuples():
            line = fill("segment", name=e(str(row.segment_name)), clients=count(row.clients, "segments"),
                        clients_word=word(row.clients, "clients"), share=pct(row.share, "segments"))
            if row.nps == row.nps:  # not missing
                line += fill("segment_nps", nps=points(row.nps, "nps"))
            items.append(line)
        said = fill("segments", clients=count(summary.clients, "segments"), n=count(n, "segments"),
                    segments=word(n, "segments"))
        parts["segments"] = Part(fill("segments_title"), said, tuple(items))

    if summary.nps is None:
        parts["nps"] = missing("nps", "nps_title")
    else:
        nps = summary.nps
        said = fill("nps", nps=points(nps["nps"], "nps"), level=e(format_percent(confidence, language)),
                    low=points(nps["ci_low"], "nps"), high=points(nps["ci_high"], "nps"))
        if summary.own is None:
            said += " " + fill(summary.missing["own"])
        else:
            own = summary.own
            company = (fill("own_label", own=points(own["own"], "nps"), label=e(own_label)) if own_label
                       else fill("own_plain", own=points(own["own"], "nps")))
            gap = abs(round(own["difference"]))
            said += " " + fill("own_" + own["direction"], company=company, gap=count(gap, "nps"),
                               points=word(gap, "points"))
        parts["nps"] = Part(fill("nps_title"), said)

    if summary.bottleneck is None:
        parts["bottleneck"] = missing("bottleneck", "bottleneck_title")
    else:
        neck = summary.bottleneck
        parts["bottleneck"] = Part(fill("bottleneck_title"),
                                   fill("bottleneck", stage=e(neck["stage"]), lost=count(neck["lost"], "bottleneck"),
                                        deals=word(neck["lost"], "deals"), share=pct(neck["lost_share"], "bottleneck"),
                                        rate=pct(neck["loss_rate"], "bottleneck")))

    if summary.journeys is None:
        parts["journeys"] = missing("journeys", "journeys_title")
    else:
        n = len(summary.journeys)
        items = tuple(fill("journey", name=journey(e(str(row.journey_name)), row.journey),
                           clients=count(row.clients, "journeys"), clients_word=word(row.clients, "clients"),
                           share=pct(row.share, "journeys")) for row in summary.journeys.itertuples())
        parts["journeys"] = Part(fill("journeys_title"),
                                 fill("journeys", n=count(n, "journeys"), journeys=word(n, "journeys")), items)

    if summary.barriers is None:
        parts["barriers"] = missing("barriers", "barriers_title")
    else:
        items = []
        for row in summary.barriers.itertuples():
            owner = fill("owner", owner=e(row.owner)) if isinstance(row.owner, str) and row.owner else fill("no_owner")
            action = fill("action", action=e(row.action)) if isinstance(row.action, str) and row.action \
                else fill("no_action")
            items.append(fill("barrier", barrier=e(str(row.barrier)), stage=e(str(row.stage)),
                              impact=number(e(format_number(row.impact, language, 2)), "barriers"), action=action,
                              owner=owner))
        parts["barriers"] = Part(fill("barriers_title"), fill("barriers", n=count(len(items), "barriers")),
                                 tuple(items), ordered=True, note=fill("impact_note"))
    return parts


def summary_html(summary: Summary, language: str, question: str | None = None,
                 chapters: dict[str, str] | None = None, maps: dict[str, str] | None = None,
                 own_label: str | None = None, confidence: float = 0.95) -> str:
    """The summary as an HTML fragment in ``language``: the question, then
    :func:`summary_parts`, each number a link to the chapter it comes from.

    Parameters
    ----------
    summary : Summary
        :func:`read_summary`.
    language : {"ru", "en"}
    question : str, optional
        The question of the engagement in the client's words (params ``question``); without
        it, a neutral line.
    chapters : dict, optional
        Chapter stem (``04_survey``) -> its page (``04_survey.html``), for the chapters there
        are; a number whose chapter is not there is not a link.
    maps : dict, optional
        Journey -> the page of its map, for the journeys' names to link to.
    own_label : str, optional
        What the company calls its own NPS (params ``survey.own_nps.label``).
    confidence : float
        The level of 04's intervals (params ``survey.confidence``).
    """
    chapters, maps = chapters or {}, maps or {}
    e = html.escape
    out = [f'<h2 id="summary">{e(section(language, "summary")["title"])}</h2>',
           f'<p class="cjm-question">{e(question_line(question, language))}</p>',
           f'<p class="cjm-meta">{e(section(language, "summary")["links"])}</p>']
    for part in summary_parts(summary, language, own_label, confidence, e,
                              lambda text, part: _link(text, chapters.get(CHAPTER_OF[part])),
                              lambda name, key: _link(name, maps.get(key))).values():
        out.append(f"<h3>{part.title}</h3>")
        out.append(f"<p>{part.text}</p>")
        if part.items:
            tag = "ol" if part.ordered else "ul"
            out.append(f'<{tag} class="cjm-summary-list">' + "".join(f"<li>{i}</li>" for i in part.items)
                       + f"</{tag}>")
        if part.note:
            out.append(f'<p class="cjm-meta">{part.note}</p>')
    return "\n".join(out) + "\n"


def question_line(question: str | None, language: str) -> str:
    """The engagement's question as the summary opens with it; without one, a neutral line."""
    words = section(language, "summary")
    return words["question"].format(question=question.strip()) if question and question.strip() \
        else words["no_question"]


def report_dating(params: dict) -> tuple[str, date] | None:
    """What dates the report: (``report_date``, the params' ``report_date``), else
    (``data_as_of``, their ``export_date``), else None (never the time of the run); the first
    is the catalogue's word of ``report``."""
    return next(((word, date.fromisoformat(str(params[key])))
                 for key, word in (("report_date", "report_date"), ("export_date", "data_as_of")) if params.get(key)),
                None)


def summary_of(paths, params: dict, chapters: dict[str, str] | None = None) -> str:
    """:func:`summary_html` of the engagement's files in its language, with links to the
    chapters there are (``chapters``: stem -> page) and to the pages of the maps 07 drew."""
    from cjm.present.maps import map_stem

    summary = read_summary(paths)
    maps = {m.journey: f"maps/{map_stem(m)}.html" for m in (read_models(paths) or [])
            if current(paths.report / "maps" / f"{map_stem(m)}.html").exists()}
    survey = params.get("survey") or default_section("survey")
    own = (survey.get("own_nps") or {}).get("label")
    return summary_html(summary, params["language"], params.get("question"), chapters, maps, own,
                        survey["confidence"])
