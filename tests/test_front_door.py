"""The front door ``cjm``: every name resolves, every function documents its parameters and
what it returns (numpydoc), modules load on first use, and a call through it gives the
numbers computed by hand."""

import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cjm

FUNCTIONS = [name for name in cjm.__all__ if not inspect.isclass(getattr(cjm, name))]


def sections(doc: str | None) -> dict[str, list[str]]:
    """A numpydoc docstring's sections: title -> its lines (a title is a line underlined by dashes)."""
    lines = inspect.cleandoc(doc or "").splitlines()
    titles = [i for i in range(len(lines) - 1)
              if lines[i].strip() and lines[i + 1].strip() and set(lines[i + 1].strip()) == {"-"}]
    bounds = [*titles, len(lines)]
    return {lines[start].strip(): lines[start + 2:end] for start, end in zip(titles, bounds[1:])}


def documented(doc: str | None) -> set[str]:
    """Parameter names at the start of a line of the Parameters section (``a, b : int`` names two)."""
    names = set()
    for line in sections(doc).get("Parameters", []):
        if line.strip() and not line[0].isspace():
            names |= {part.strip().lstrip("*") for part in line.split(":")[0].split(",")}
    return names


def gaps(function) -> list[str]:
    """What the docstring of ``function`` lacks: missing sections and undocumented parameters."""
    found = sections(function.__doc__)
    missing = [f"no {title} section" for title in ("Parameters", "Returns") if title not in found]
    names = documented(function.__doc__)
    return missing + [f"parameter {p!r} undocumented" for p in inspect.signature(function).parameters
                      if p not in names]


def test_every_name_resolves_and_functions_are_callable():
    assert FUNCTIONS and set(cjm.__all__) >= {"funnel", "prepare_log", "nps", "CjmError", "TextScrubber"}
    for name in cjm.__all__:
        value = getattr(cjm, name)
        assert callable(value), name
        assert value.__name__ == name
    assert {"CjmError", "TextScrubber"} <= set(cjm.__all__) - set(FUNCTIONS)
    assert set(dir(cjm)) == {*cjm.__all__, "__version__"}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_documents_parameters_and_returns(name):
    assert gaps(getattr(cjm, name)) == []


def test_the_docstring_parser_finds_what_is_missing():
    def complete(frame, by=None, *, a_b=1):
        """Summary.

        Parameters
        ----------
        frame : DataFrame
            ``by`` is mentioned here, indented: that does not document it.
        by, a_b : str
            Two at once.

        Returns
        -------
        DataFrame
            ``frame`` again.
        """

    def lacking(frame, by=None, confidence=0.95):
        """Summary naming confidence.

        Parameters
        ----------
        frame : DataFrame
            ``confidence`` and ``by`` are mentioned, indented: that does not document them.

        Returns
        -------
        by : DataFrame
            A name in Returns documents no parameter.
        """

    def no_sections(x):
        """Summary; x is mentioned, Parameters and Returns too."""

    assert gaps(complete) == []
    assert gaps(lacking) == ["parameter 'by' undocumented", "parameter 'confidence' undocumented"]
    assert gaps(no_sections) == ["no Parameters section", "no Returns section", "parameter 'x' undocumented"]


def test_import_is_lazy_and_loads_on_first_use():
    code = textwrap.dedent("""
        import sys
        import cjm
        loaded = sorted(m for m in sys.modules if m.startswith("cjm."))
        assert loaded == [], loaded
        assert callable(cjm.funnel)
        assert "cjm.analysis.funnel" in sys.modules
        assert "cjm.analysis.survey" not in sys.modules
        print("ok")
    """)
    root = Path(cjm.__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-c", code], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def test_unknown_attribute_raises_naming_it():
    with pytest.raises(AttributeError, match="no_such_function"):
        cjm.no_such_function  # noqa: B018
    assert not hasattr(cjm, "variant")


def test_funnel_through_the_front_door_by_hand():
    # deal 1 goes A -> B -> C and is won; 2 is lost at B; 3 is lost at A; 4 is still open at B
    events = pd.DataFrame({
        "deal_id": [1, 1, 1, 2, 2, 3, 4, 4],
        "stage": ["A", "B", "C", "A", "B", "A", "A", "B"],
        "entered_at": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-10", "2024-01-02", "2024-01-04",
                                      "2024-01-05", "2024-01-06", "2024-01-07"]),
    })
    deals = pd.DataFrame({"deal_id": [1, 2, 3, 4], "outcome": ["won", "lost", "lost", "open"]})
    log = cjm.prepare_log(events, deals, stages=["A", "B", "C"], won_stage="C")
    table = cjm.funnel(log).set_index("stage")
    # reached: A by all 4, B by 1, 2, 4, C by 1
    assert table["reached"].tolist() == [4, 3, 1]
    assert table["lost"].tolist() == [1, 1, 0] and table["open"].tolist() == [0, 1, 0]
    # conversion = moved_on / (reached - open): A 3/4, B 1/(3-1); none after the won stage
    assert table.loc["A", "conversion"] == pytest.approx(0.75)
    assert table.loc["B", "conversion"] == pytest.approx(0.5)
    assert np.isnan(table.loc["C", "conversion"])
    assert table["reach_rate"].tolist() == pytest.approx([1.0, 0.75, 0.375])
    assert list(events["deal_id"]) == [1, 1, 1, 2, 2, 3, 4, 4] and "furthest" not in deals  # inputs unchanged


def test_nps_through_the_front_door_by_hand():
    # promoters (9-10): 10, 9; detractors (0-6): 6, 0; passive: 8 -> (2 - 2) / 5 = 0 points
    result = cjm.nps(pd.Series([10, 9, 8, 6, 0]))
    assert (result["n"], result["promoters"], result["passives"], result["detractors"]) == (5, 2, 1, 2)
    assert result["nps"] == 0.0
    # 3 promoters, 1 detractor of 5: (3 - 1) / 5 = 40 points
    assert cjm.nps(pd.Series([10, 9, 9, 7, 2]))["nps"] == pytest.approx(40.0)
