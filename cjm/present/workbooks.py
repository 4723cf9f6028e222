"""Workbooks as a client opens them: sheet names, column headers, coded values and yes/no
in the report's language (the interim tables and the CSVs for BI keep the code's names)."""

from __future__ import annotations

import re

import pandas as pd

from cjm.present.narrative import labelled
from cjm.present.words import section


def sheet_name(name: str, language: str) -> str:
    """A sheet's name in ``language`` from the catalogue's ``sheets`` (a trailing number is
    kept: ``choice 2``), within Excel's 31 characters."""
    base, number = re.fullmatch(r"(.*?)(?: (\d+))?", name).groups()
    return (section(language, "sheets")[base] + (f" {number}" if number else ""))[:31]


def client_sheets(sheets: dict[str, pd.DataFrame | None], language: str) -> dict[str, pd.DataFrame]:
    """``sheets`` (name -> table, None for none) as the client reads them: :func:`sheet_name`
    and :func:`cjm.present.narrative.labelled` tables."""
    return {sheet_name(name, language): labelled(frame, language) for name, frame in sheets.items()
            if frame is not None}
