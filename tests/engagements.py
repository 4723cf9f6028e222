"""The README's params examples of the four shapes of client data, as engagements made of
generated data (tests/shapes.py): what the end-to-end tests and the event-log bench run."""

from __future__ import annotations

import re
from pathlib import Path

import shapes

from cjm.core.paths import PROJECT_ROOT

#: A params example in the README: a yaml block whose first line names its file.
_EXAMPLE = re.compile(r"```yaml\n# params/([\w-]+)\.yaml\n.*?```", re.S)


def readme_params() -> dict[str, str]:
    """Engagement name -> the text of its params example in the README."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return {match.group(1): match.group(0)[len("```yaml\n"):-len("```")] for match in _EXAMPLE.finditer(readme)}


#: Each shape's README example, its generator and the files it writes under raw/.
SHAPES = {
    "bank_leads": lambda raw, scale: shapes.leads(raw, n=int(2000 * scale)),
    "telco_churn": lambda raw, scale: shapes.subscriptions(raw, n=int(1500 * scale)),
    "cd_store": lambda raw, scale: shapes.transactions(raw, customers=int(500 * scale)),
    "loan_process": lambda raw, scale: shapes.event_log(raw, cases=int(400 * scale)),
}
#: Engagements made of an example with another export file: the event log read from CSV.
VARIANTS = {"loan_process_csv": ("loan_process", {"applications.xes.gz": "applications.csv"})}


def make_engagement(root: Path, name: str, scale: float = 1.0, params: str | None = None):
    """Write ``params/<name>.yaml`` (the README's example, or ``params``) and generated raw
    exports under ``root``; returns the generator's planted truth."""
    base, replaced = VARIANTS.get(name, (name, {}))
    text = params or readme_params()[base]
    for old, new in {f"engagement: {base}": f"engagement: {name}", **replaced}.items():
        text = text.replace(old, new)
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "params" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return SHAPES[base](root / "data" / name / "raw", scale)
