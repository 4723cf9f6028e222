"""Where an engagement's files live, resolved from the project root (not the cwd).

The code (notebooks, the package) lives in :data:`PROJECT_ROOT`; the engagements'
``params/``, ``data/`` and ``outputs/`` live in :data:`WORKSPACE`: the project root,
or the folder the environment variable ``CJM_ROOT`` names (``make all ROOT=...``
sets it), so a client's data can live apart from the code.
"""

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = Path(os.environ["CJM_ROOT"]).resolve() if os.environ.get("CJM_ROOT") else PROJECT_ROOT


@dataclass(frozen=True)
class EngagementPaths:
    """Folders and stable file names of one engagement (see DESIGN.md, "Files with stable names")."""

    name: str
    root: Path = WORKSPACE

    @property
    def params(self) -> Path:
        return self.root / "params" / f"{self.name}.yaml"

    @property
    def data(self) -> Path:
        return self.root / "data" / self.name

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def private(self) -> Path:
        return self.data / "private"

    @property
    def anonymized(self) -> Path:
        """Anonymized copies of the raw exports, written by 01 and read by 02."""
        return self.data / "interim" / "anonymized"

    @property
    def interim(self) -> Path:
        return self.data / "interim"

    @property
    def cache(self) -> Path:
        """Results kept by the content of their inputs (:mod:`cjm.core.cache`); ``make clean`` removes it."""
        return self.data / "cache"

    @property
    def truth(self) -> Path:
        return self.data / "truth"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs" / self.name

    @property
    def report(self) -> Path:
        return self.outputs / "report"

    @property
    def secret_key(self) -> Path:
        return self.private / "secret.key"

    @property
    def reidentification(self) -> Path:
        return self.private / "reidentification.csv"

    @property
    def consultant_log(self) -> Path:
        """What the steps tell the consultant to do (never shared with the client)."""
        return self.data / "logs" / "consultant.md"

    def table(self, name: str) -> Path:
        """Path of a canonical or derived table under interim/, e.g. ``table("deals")``."""
        return self.interim / f"{name}.parquet"
