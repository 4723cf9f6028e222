"""05_interviews' files: interviews, open answers and observations in; coded fragments,
touchpoints, emotions, quotes and the voice-of-the-customer workbook out."""

from __future__ import annotations

import pandas as pd

from cjm.analysis.coding import (CodingResult, check_language, code_sources, extended_lexicon, gather_texts,
                                 read_codebook, respondent_turns)
from cjm.core.files import write_atomic
from cjm.core.io import read_table, write_xlsx_sheets
from cjm.core.params import default_section
from cjm.present.workbooks import client_sheets


def run_coding(params: dict, paths) -> CodingResult:
    """05 end to end: read the interviews, open answers and observations present, code them in
    the text language (``text_language``, else ``language``), write the outputs."""
    section = params.get("interviews") or default_section("interviews")
    stages = params.get("journey_stages") or params["stages"]
    language = params.get("text_language") or params["language"]
    check_language(language)
    negations = section.get("negations") or ()
    codes = read_codebook(section["codebook"], stages, language=language, negations=negations)

    interviews, speakers = read_table(paths, "interviews", optional=True), None
    if interviews is not None:
        interviews, speakers = respondent_turns(interviews, section["respondent_speakers"],
                                                str(paths.table("interviews")))
    observations = read_table(paths, "observations", optional=True)
    texts = gather_texts(interviews, read_table(paths, "survey_comments", optional=True), observations)
    segments = read_table(paths, "segments", optional=True)
    segment_of = segments.set_index("client_id")["segment"] if segments is not None else pd.Series(dtype="Int64")
    touches = read_table(paths, "touches", ["channel"], optional=True)
    result = code_sources(texts, codes, stages, segment_of, observations, touches, section["quotes_per_code"],
                          section["discovery_min_documents"], speakers,
                          extended_lexicon(section.get("lexicon"), language), language, negations)
    write_coding(result, paths, params["language"])
    return result



def write_coding(result: CodingResult, paths, language: str) -> None:
    """``interim/coded_fragments``, ``touchpoints``, ``stage_emotions``, ``code_quotes`` for 07,
    and ``report/voice_of_customer.xlsx`` (a sheet per table) for the client."""
    paths.interim.mkdir(parents=True, exist_ok=True)
    paths.report.mkdir(parents=True, exist_ok=True)
    tables = {"coded_fragments": result.fragments, "touchpoints": result.touchpoints,
              "stage_emotions": result.emotions, "code_quotes": result.quotes}
    for name, frame in tables.items():
        write_atomic(frame, paths.table(name))
    sheets = {"fragments": result.fragments, "codes_by_segment": result.by_segment, "quotes": result.quotes,
              "touchpoints": result.touchpoints, "emotions": result.emotions, "cooccurrence": result.cooccurrence,
              "candidate_themes": result.themes}
    write_xlsx_sheets(client_sheets(sheets, language), paths.report / "voice_of_customer.xlsx")
