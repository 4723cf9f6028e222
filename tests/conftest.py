"""Shared fixtures: the demo engagement generated once per test session, in both layouts."""

import json
import re
import shutil
import subprocess

import pandas as pd
import pytest

from demo import engagement as demo
from cjm.privacy.anonymize import anonymize, write_anonymized
from cjm.analysis.clean import HYGIENE, clean
from cjm.steps.clean import read_anonymized, write_clean
from cjm.steps.interviews import run_coding
from cjm.steps.funnel import run_funnel
from cjm.steps.maps import run_maps
from cjm.core.params import load_params
from cjm.core.paths import PROJECT_ROOT, EngagementPaths
from cjm.steps.segment import run_segment
from cjm.steps.survey import run_survey

SEED = 2025


class World:
    """A generated demo engagement in a temporary project root: params, paths, truth."""

    def __init__(self, root, engagement):
        (root / "params").mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / "params" / f"{engagement}.yaml", root / "params")
        self.paths = EngagementPaths(engagement, root)
        self.truth = demo.generate(engagement, scale=1, seed=SEED,
                                   layout="bitrix" if "bitrix" in engagement else "native", root=root)
        self.params = load_params(engagement, root)
        self._anonymized = None
        self._cleaned = None
        self._segmented = None
        self._surveyed = None
        self._coded = None
        self._funneled = None
        self._mapped = None

    @property
    def anonymized(self):
        """The result of 01 on this world (computed once, also written to interim/anonymized/)."""
        if self._anonymized is None:
            self._anonymized = anonymize(self.params, self.paths)
            write_anonymized(self._anonymized, self.paths)
        return self._anonymized

    @property
    def cleaned(self):
        """The result of 02 on this world (computed once, also written to interim/)."""
        if self._cleaned is None:
            self.anonymized
            self._cleaned = clean(self.params, *read_anonymized(self.params, self.paths))
            write_clean(self._cleaned, self.paths)
        return self._cleaned

    @property
    def segmented(self):
        """The result of 03 on this world (computed once, also written to interim/)."""
        if self._segmented is None:
            self.cleaned
            self._segmented = run_segment(self.params, self.paths)
        return self._segmented

    @property
    def surveyed(self):
        """The result of 04 on this world (computed once, also written to interim/ and report/)."""
        if self._surveyed is None:
            self.segmented
            self._surveyed = run_survey(self.params, self.paths)
        return self._surveyed

    @property
    def coded(self):
        """The result of 05 on this world (computed once, also written to interim/ and report/)."""
        if self._coded is None:
            self.surveyed
            self._coded = run_coding(self.params, self.paths)
        return self._coded

    @property
    def funneled(self):
        """The result of 06 on this world (computed once, also written to interim/ and report/)."""
        if self._funneled is None:
            self.segmented
            self._funneled = run_funnel(self.params, self.paths)
        return self._funneled

    @property
    def mapped(self):
        """The result of 07 on this world (computed once, after 04-06; written to report/)."""
        if self._mapped is None:
            self.coded
            self.funneled
            self._mapped = run_maps(self.params, self.paths)
        return self._mapped

    def planted(self, client_ids: pd.Series, column: str = "segment") -> pd.Series:
        """The planted segment (or another ``column`` of the truth's clients.csv, e.g. "journey")
        of each client pseudonym in ``client_ids`` (missing outside them)."""
        reid = pd.read_csv(self.paths.reidentification, dtype=str).query("kind == 'client'")
        truth = pd.read_csv(self.paths.truth / "clients.csv", dtype={"client_code": str})
        return client_ids.map(reid.merge(truth, left_on="original", right_on="client_code")
                              .set_index("pseudonym")[column])

    def planted_without_hygiene(self):
        """The planted side group of each client and the planted waterfall, with the deals the
        truth lost for a data hygiene reason (a duplicate request, spam, a wrong phone: the demo's
        ``clean.hygiene_reasons``, all planted at the lead stage) set aside as 02 does: each group
        keeps its clients (the scope rules read every deal the CRM holds) but not those deals, and
        a client left without a deal goes with them."""
        truth = self.truth_json()
        clients = pd.read_csv(self.paths.truth / "clients.csv", dtype=str).set_index("client_code")["side_group"]
        deals = pd.read_csv(self.paths.truth / "deals.csv", dtype=str)
        hygiene = deals["outcome"].eq("lost") & deals["lost_reason"].isin(self.params["clean"]["hygiene_reasons"])
        kept = deals[~hygiene].groupby("client_code").size().reindex(clients.index, fill_value=0)
        had = deals.groupby("client_code").size().reindex(clients.index, fill_value=0)
        group = clients.where(~((had > 0) & (kept == 0)), HYGIENE)
        rows = [{"rule": HYGIENE, "clients": int((group == HYGIENE).sum()), "deals": int(hygiene.sum())}]
        rows += [{"rule": r["rule"], "clients": int((group == r["rule"]).sum()), "deals": int(kept[group == r["rule"]].sum())}
                 for r in truth["waterfall"]]
        return group, rows

    def truth_json(self):
        return json.loads((self.paths.truth / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory):
    return World(tmp_path_factory.mktemp("demo"), "demo")


@pytest.fixture(scope="session")
def bitrix_world(tmp_path_factory):
    return World(tmp_path_factory.mktemp("bitrix"), "demo_bitrix")


def make_small_demo(root, language: str):
    """The small demo (scale 0.1) in ``language`` (engagement ``demo_<language>``, no
    ``demo:`` line: a client's engagement as Make sees it) made by ``make all`` in ``root``."""
    name = f"demo_{language}"
    demo.generate(name, scale=0.1, root=root)
    params = (PROJECT_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")
    params = re.sub(r"(?m)^demo:.*\n", "", params).replace("engagement: demo", f"engagement: {name}")
    params = re.sub(r"(?m)^language: \w+", f"language: {language}", params)
    (root / "params").mkdir()
    (root / "params" / f"{name}.yaml").write_text(params, encoding="utf-8")
    process = subprocess.run(["make", "-C", str(PROJECT_ROOT), "all", f"ENGAGEMENT={name}", f"ROOT={root}"],
                             capture_output=True, text=True)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    return root


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """``small_demo(language)``: the root of the small demo made once per session (and
    xdist worker) in that language, shared by the tests that read it (in one xdist group)."""
    made = {}

    def get(language: str):
        if language not in made:
            made[language] = make_small_demo(tmp_path_factory.mktemp(f"small_demo_{language}"), language)
        return made[language]
    return get
