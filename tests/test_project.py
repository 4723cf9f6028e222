"""Project hygiene: pinned environments agree, notebooks are committed clean, data stays out of git."""

import ast
import json
import re
import tomllib

import pytest
import yaml

from cjm.core.paths import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
notebook_params = pytest.mark.parametrize(
    "notebook", NOTEBOOKS or [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks yet"))],
    ids=lambda p: getattr(p, "name", "none"))


def _pins(requirements) -> dict[str, str]:
    """``{normalized name: version}`` of ``name==version`` lines; anything else is an error."""
    pins = {}
    for line in requirements:
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line.strip())
        assert match, f"not pinned as name==version: {line!r}"
        name = re.sub(r"[-_.]+", "-", match[1]).lower()
        assert name not in pins, f"{name} is listed twice"
        pins[name] = match[2]
    return pins


def test_environment_yml_pins_the_same_packages_as_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    expected = _pins(project["dependencies"] + [pin for extra in project["optional-dependencies"].values()
                                                 for pin in extra])
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip, "environment.yml must install the cjm package itself (-e .)"
    assert _pins(p for p in pip if p != "-e .") == expected
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    minimum = re.fullmatch(r">=(\d+\.\d+)", project["requires-python"])[1]
    assert python == f"python={minimum}"


def test_gitignore_keeps_data_outputs_and_venv_out():
    lines = {line.strip().strip("/") for line in (PROJECT_ROOT / ".gitignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    assert {"data", "outputs", ".venv"} <= lines
    reincluded = [line for line in lines if re.match(r"!/?(data|outputs)\b", line)]
    assert not reincluded, f"these patterns put client data back in reach of git: {reincluded}"


@notebook_params
def test_notebook_is_committed_without_outputs(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    dirty = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{notebook.name}: cells {dirty} have outputs or execution counts; clear them"


@notebook_params
def test_notebook_has_one_parameters_cell_of_literals(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{notebook.name}: {len(tagged)} cells tagged 'parameters', expected 1"
    assert tagged[0]["cell_type"] == "code"
    source = tagged[0]["source"]
    tree = ast.parse(source if isinstance(source, str) else "".join(source))
    assert tree.body, f"{notebook.name}: the parameters cell is empty"
    for statement in tree.body:
        assert isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None, \
            f"{notebook.name}: line {statement.lineno} of the parameters cell is not an assignment"
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        assert all(isinstance(t, ast.Name) for t in targets), \
            f"{notebook.name}: line {statement.lineno} must assign to plain names"
        try:
            ast.literal_eval(statement.value)
        except ValueError:
            pytest.fail(f"{notebook.name}: line {statement.lineno} of the parameters cell is not a literal: "
                        f"{ast.unparse(statement)}")
