"""The Makefile's dependencies on code: each step's notebook, the report and the leak check
depend on the cjm modules they import, directly or through other modules, and on no other.

``python -m cjm.core.deps`` prints Make rules (``$(NB)/03_segment.ipynb: cjm/...``) that the
Makefile includes, so editing a map renderer reruns 07 and the report, not 01-06.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

from cjm.core.paths import PROJECT_ROOT

#: Make targets and the code they run: a notebook, or a module run with ``python -m``.
TARGETS = {f"$(NB)/{nb.stem}.ipynb": nb for nb in sorted((PROJECT_ROOT / "notebooks").glob("0*.ipynb"))}
TARGETS |= {"$(OUT)/report/index.html": "cjm.present.report", "$(OUT)/.leak-check": "cjm.privacy.leaks",
            "$(SECTIONS)/.split": "cjm.core.params"}


#: Modules that read data files shipped in the package, and those files.
DATA = {"cjm.present.words": "cjm/present/locales/*.yaml"}


def module_file(module: str) -> Path | None:
    """The source file of a cjm module (a package's ``__init__.py``), None if there is none."""
    base = PROJECT_ROOT / Path(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def imported(source: str, module: str = "") -> set[str]:
    """cjm modules ``source`` imports anywhere in it (inside functions too); ``module`` is the
    importing module's name, to resolve relative imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[:-node.level] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from cjm.core import io`
    return {name for name in found if name.split(".")[0] == "cjm" and module_file(name)}


def closure(modules: set[str]) -> set[Path]:
    """Source files of ``modules`` and of every module they import, with their packages'
    ``__init__.py`` (whose own imports are not followed: the front door names everything)
    and the data files they read (:data:`DATA`)."""
    files: set[Path] = set()
    todo = set(modules)
    while todo:
        name = todo.pop()
        path = module_file(name)
        if path is None or path in files:
            continue
        files.add(path)
        files |= set(PROJECT_ROOT.glob(DATA[name])) if name in DATA else set()
        parts = name.split(".")
        files |= {module_file(".".join(parts[:i])) for i in range(1, len(parts))}
        if path.name != "__init__.py":
            todo |= imported(path.read_text(encoding="utf-8"), name) - {name}
    return files


def notebook_imports(path: Path) -> set[str]:
    """cjm modules the code cells of notebook ``path`` import."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return imported("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"))


def rules() -> str:
    """One Make rule per target of :data:`TARGETS`: the target and the files of its code."""
    lines = []
    for target, code in TARGETS.items():
        modules = notebook_imports(code) if isinstance(code, Path) else {code}
        files = sorted(str(p.relative_to(PROJECT_ROOT)) for p in closure(modules))
        lines.append(f"{target}: {' '.join(files)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(rules())
