"""The package's layers (DESIGN.md, "Layout"), checked by import-linter's contracts in
pyproject.toml: steps over present, over analysis and privacy, over core; analysis reads no
file and no params; cjm never imports the demo generator; no cycles."""

import subprocess
import sys
from pathlib import Path

from cjm.core.paths import PROJECT_ROOT


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    process = subprocess.run([str(lint), "--config", str(PROJECT_ROOT / "pyproject.toml")], cwd=PROJECT_ROOT,
                             capture_output=True, text=True)
    assert process.returncode == 0, process.stdout[-4000:]
    assert "4 kept, 0 broken" in process.stdout


def test_a_broken_contract_is_reported(tmp_path):
    """The contracts can fail: analysis importing the presentation layer breaks the first."""
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["cjm"]\n\n[[tool.importlinter.contracts]]\n'
                      'name = "present under analysis"\ntype = "layers"\n'
                      'layers = ["cjm.analysis", "cjm.present"]\n', encoding="utf-8")
    lint = Path(sys.executable).with_name("lint-imports")
    process = subprocess.run([str(lint), "--config", str(config)], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert process.returncode != 0 and "BROKEN" in process.stdout
