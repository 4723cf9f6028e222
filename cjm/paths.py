"""Where an engagement's files live, resolved from the project root (not the cwd)."""

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class EngagementPaths:
    """Folders and stable file names of one engagement (see DESIGN.md, "Files with stable names")."""

    name: str
    root: Path = PROJECT_ROOT

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

    def table(self, name: str) -> Path:
        """Path of a canonical or derived table under interim/, e.g. ``table("deals")``."""
        return self.interim / f"{name}.parquet"
