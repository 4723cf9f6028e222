"""Engagement parameters: ``params/<engagement>.yaml``, validated on load.

A wrong key or type stops the run with a :class:`~cjm.core.errors.CjmError` naming the
file, the key and what is expected. The file has shared keys (language, stages,
sources, seed) and a section per notebook (``anonymize``, ``clean``, ...).

``python -m cjm.core.params split ENGAGEMENT`` writes one file per notebook section under
``outputs/<engagement>/.params/``, rewriting only those whose content changed, so
that Make reruns only the steps whose parameters changed.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cjm.core.errors import CjmError
from cjm.core.schemas import KEYS, TABLES, codebook_problems
from cjm.core.paths import EngagementPaths


class _Loader(yaml.SafeLoader):
    """YAML as the consultant wrote it: only ``true``/``false`` are booleans, so a value
    map's ``yes``, ``no``, ``on``, ``off`` stay the words they match in the data (YAML
    1.1 would turn them into booleans)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
#: Words read as a yes/no setting (``online: yes``).
_BOOL_WORDS = {"yes": True, "on": True, "y": True, "no": False, "off": False, "n": False}


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """:class:`_Loader` by libyaml, where PyYAML has it: the same values, ten times faster."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def read_yaml(text: str):
    """YAML text as :class:`_Loader` reads it (by :class:`_FastLoader`; bad YAML is read again by
    :class:`_Loader`, whose error shows the line with a mark under the fault)."""
    try:
        return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError:
        return yaml.load(text, Loader=_Loader)


class _Skip(Exception):
    """A value failed its check (the problem is noted): its container leaves it out and
    checks the rest."""


#: What :func:`_checked` returns for a value that failed its check.
_BAD = object()


def _checked(spec: "Spec", value: Any, where: str, fail) -> Any:
    """``spec.check(value, where, fail)``, or :data:`_BAD` when the value failed (its
    problem noted by ``fail``), so that a bad node never stops the checking of its siblings."""
    try:
        return spec.check(value, where, fail)
    except _Skip:
        return _BAD


class Spec:
    """A node of the parameter schema: checks a value and describes what is expected.

    ``check(value, where, fail)`` returns the value as validated (defaults filled in). A
    problem is reported to ``fail`` (:class:`_Failure`): ``fail(key, value, expected)``
    notes it and leaves the node; ``fail.note_bad``, ``fail.unknown`` note it and go on.
    """

    expected = "a value"

    def check(self, value: Any, where: str, fail) -> Any:
        return value


class Scalar(Spec):
    def __init__(self, *types: type, choices: tuple | None = None, minimum: float | None = None):
        self.types, self.choices, self.minimum = types, choices, minimum
        names = " or ".join(dict.fromkeys(
            "number" if float in types and t in (int, float) else "whole number" if t is int
            else "text" if t is str else t.__name__ for t in types))
        self.expected = f"one of {list(choices)}" if choices else f"a {names}"
        if minimum is not None:
            self.expected += f" >= {minimum}"

    def check(self, value, where, fail):
        if bool in self.types and isinstance(value, str) and value.lower() in _BOOL_WORDS:
            value = _BOOL_WORDS[value.lower()]
        if isinstance(value, bool) and bool not in self.types:
            fail(where, value, self.expected)
        if not isinstance(value, self.types):
            fail(where, value, self.expected)
        if self.choices and value not in self.choices:
            fail(where, value, self.expected)
        if self.minimum is not None and value < self.minimum:
            fail(where, value, self.expected)
        return value


class ListOf(Spec):
    def __init__(self, item: Spec, min_items: int = 0):
        self.item, self.min_items = item, min_items
        self.expected = f"a list of {item.expected}" + (
            f" (at least {min_items})" if min_items else "")

    def check(self, value, where, fail):
        if not isinstance(value, list) or len(value) < self.min_items:
            fail(where, value, self.expected)
        items = (_checked(self.item, v, f"{where}[{i}]", fail) for i, v in enumerate(value))
        return [v for v in items if v is not _BAD]


class MapOf(Spec):
    """A mapping with free keys (e.g. raw column -> canonical column)."""

    def __init__(self, value: Spec):
        self.value = value
        self.expected = f"a mapping of names to {value.expected}"

    def check(self, value, where, fail):
        if not isinstance(value, dict):
            fail(where, value, self.expected)
        fail.keys += len(value)
        items = ((str(k), _checked(self.value, v, f"{where}.{k}", fail)) for k, v in value.items())
        return {k: v for k, v in items if v is not _BAD}


class Section(Spec):
    """A mapping with a fixed set of keys; unknown keys are errors, and a key that has
    moved elsewhere (``moved``: key -> its new place) an error saying where it went."""

    def __init__(self, fields: dict[str, Spec], required: tuple[str, ...] = (),
                 defaults: dict[str, Any] | None = None, moved: dict[str, str] | None = None):
        self.fields, self.required, self.defaults, self.moved = fields, required, defaults or {}, moved or {}
        self.expected = "a mapping with keys " + ", ".join(fields)

    def check(self, value, where, fail):
        """The section's keys checked each on its own: a bad one is noted and left out
        (its default, if any, stands in), the others are checked all the same."""
        if value is None:
            value = {}
        if not isinstance(value, dict):
            fail(where, value, self.expected)
        fail.keys += len(value)
        out = dict(self.defaults)
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if key in self.moved:
                fail.note(f"key '{path}' has moved to '{self.moved[key]}'",
                          f"move it, with its values as they are, under '{self.moved[key]}'")
                continue
            if key not in self.fields:
                fail.unknown(path, key, self.fields)
                continue
            checked = _checked(self.fields[key], item, path, fail)
            if checked is not _BAD:
                out[key] = checked
        for key in self.required:
            if key not in value:
                fail.note_bad(f"{where}.{key}" if where else key, "<missing>", self.fields[key].expected)
        return out


class MemorySize(Spec):
    """A memory size as DuckDB and Spark read it: a number and a unit (``3GB``, ``512MB``, ``1.5GiB``)."""

    expected = "a memory size such as 3GB or 512MB"
    PATTERN = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)

    def check(self, value, where, fail):
        if not isinstance(value, str) or not self.PATTERN.match(value.strip()):
            fail(where, value, self.expected)
        return value.strip()


#: Engines of 06's computations (``funnel.engine``): auto picks pandas for a table that fits in
#: memory and DuckDB for one 02 wrote out of core.
ENGINES = ("auto", "pandas", "duckdb", "spark")


class Date(Spec):
    """A date, written ``2025-10-01`` (YAML reads it as a date) or as that text."""

    expected = "a date as YYYY-MM-DD"

    def check(self, value, where, fail):
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                fail(where, value, self.expected)
        if not isinstance(value, datetime.date):
            fail(where, value, self.expected)
        return value.isoformat()


class Features(Spec):
    """Segmentation features: a mapping of names to a weight (``age: 1``) or to a mapping
    of settings (:data:`FEATURE`), or, for features only described, a list of names."""

    def __init__(self, weighted: bool):
        self.weighted = weighted
        self.expected = ("a mapping of feature names to a weight or to {weight, label, ...}" if weighted
                         else "a list of feature names or a mapping of names to {label, ...}")

    def check(self, value, where, fail):
        if not self.weighted and isinstance(value, list):
            value = {name: None for name in TEXTS.check(value, where, fail)}
        if not isinstance(value, dict):
            fail(where, value, self.expected)
        fail.keys += len(value)
        out = {}
        for name, spec in value.items():
            if self.weighted and isinstance(spec, (int, float)) and not isinstance(spec, bool):
                spec = {"weight": spec}
            spec = _checked(FEATURE, spec, f"{where}.{name}", fail)
            if spec is _BAD:
                continue
            if self.weighted and "weight" not in spec:  # noted, and kept so the features are not empty
                fail.note_bad(f"{where}.{name}.weight", "<missing>", "a number >= 0 (1 = the pull of one number)")
            out[str(name)] = spec
        return out


ANY = Spec()
TEXT = Scalar(str)
TEXTS = ListOf(TEXT)
#: How much work an action of ``maps.actions`` takes.
EFFORTS = ("low", "medium", "high")

#: One segmentation feature: a derived feature of the catalogue or a column of clients or
#: deals (``column`` when it is named otherwise), with the words of its portraits.
FEATURE = Section({
    "weight": Scalar(int, float, minimum=0), "label": TEXT, "column": TEXT,
    "kind": Scalar(str, choices=("number", "category")), "log": Scalar(bool),
    "low": TEXT, "high": TEXT, "levels": MapOf(TEXT), "format": Scalar(str, choices=("number", "percent")),
    "aggregate": Scalar(str, choices=("first", "last", "sum", "mean", "min", "max")),
})

#: How a raw file is read (01 reads everything as text; 02 parses types).
FORMAT = Section({
    "encoding": TEXT, "sep": TEXT, "sheet": Scalar(str, int), "skip_rows": Scalar(int, minimum=0),
})

#: One raw export and how 01 treats its columns.
SOURCE = Section({
    "file": TEXT,
    "format": FORMAT,
    "identifiers": MapOf(TEXT),
    "drop": TEXTS,
    "keep": TEXTS,
    "name_columns": TEXTS,
    "birth_date": MapOf(Scalar(str, choices=("birth_year", "age_band"))),
    "address": TEXTS,
    "free_text": TEXTS,
    "link_person": MapOf(Scalar(str, choices=("phone", "email"))),
    "link_to": TEXT,
    "date_format": TEXT,
    "transcripts": Section({"folder": TEXT, "file_column": TEXT}),
}, required=("file",))

SCOPE_RULE = Section({
    "name": TEXT, "label": TEXT, "column": TEXT,
    "in": ListOf(Scalar(str, int, float)), "not_in": ListOf(Scalar(str, int, float)),
    "greater_than": Scalar(int, float), "less_than": Scalar(int, float),
}, required=("name", "label", "column"))

TABLE_MAP = Section({
    "source": TEXT,
    "columns": MapOf(TEXT),
    "values": MapOf(MapOf(Scalar(str, int, float))),
    "constants": MapOf(Scalar(str, int, float)),
    "types": MapOf(Scalar(str, choices=("number", "integer", "category", "text", "datetime"))),
    "date_format": TEXT,
    "exclude_values": MapOf(ListOf(Scalar(str, int, float))),
    "other_columns": Scalar(str, choices=("keep", "drop")),
    "join": Section({"source": TEXT, "key": TEXT, "columns": MapOf(TEXT)}, required=("source", "key")),
}, required=("source", "columns"))

#: A choice question: one column (options joined by ``separator`` when several may be
#: chosen), or one column per option.
CHOICE = Section({"column": TEXT, "columns": MapOf(TEXT), "separator": TEXT, "options": TEXTS})

#: Kinds of channel a touchpoint's icon shows on the maps (``maps.channel_kinds``).
CHANNEL_KINDS = ("web", "phone", "messenger", "office", "email", "partner", "other")
#: A code of the codebook: the words that mark it and where it goes on the map.
CODE = Section({"stage": TEXT, "valence": Scalar(int, choices=(-1, 0, 1)), "patterns": ListOf(TEXT, min_items=1),
                "channel": TEXT, "online": Scalar(bool)}, required=("patterns",))

SCHEMA = Section({
    "engagement": TEXT,
    "client": TEXT,
    "question": TEXT,
    "language": Scalar(str, choices=("ru", "en")),
    "text_language": TEXT,
    "seed": Scalar(int, minimum=0),
    "export_date": Date(),
    "report_date": Date(),
    "demo": Section({"layout": Scalar(str, choices=("native", "bitrix")),
                     "scale": Scalar(int, minimum=1)}),
    "stages": ListOf(TEXT, min_items=2),
    "won_stage": TEXT,
    "journey_stages": ListOf(TEXT, min_items=2),
    "sources": MapOf(SOURCE),
    "anonymize": Section({
        "quasi_identifiers": MapOf(TEXTS),
        "k": Scalar(int, minimum=2),
        "detect_sample": Scalar(int, minimum=10),
    }, defaults={"k": 5, "quasi_identifiers": {}, "detect_sample": 2000}),
    "clean": Section({
        "tables": MapOf(TABLE_MAP),
        "scope": ListOf(SCOPE_RULE),
        "max_invalid_share": Scalar(float, int, minimum=0),
        "event_log": Section({
            "lifecycle": TEXTS, "won_stages": TEXTS, "lost_stages": TEXTS,
            "open_after_days": Scalar(int, float, minimum=0), "case_columns": MapOf(TEXT),
        }, defaults={"won_stages": [], "lost_stages": [], "open_after_days": 30, "case_columns": {}}),
        "dates": Section({"future": Scalar(str, choices=("set_aside", "keep", "stop")),
                          "closed_before_created": Scalar(str, choices=("set_aside", "keep", "stop"))},
                         defaults={"future": "set_aside", "closed_before_created": "set_aside"}),
        "duplicates": Scalar(str, choices=("keep_latest", "keep_won", "stop")),
        "hygiene_reasons": TEXTS,
        "hygiene": Scalar(str, choices=("set_aside", "keep")),
    }, defaults={"scope": [], "max_invalid_share": 0.05,
                 "dates": {"future": "set_aside", "closed_before_created": "set_aside"}, "duplicates": "keep_latest",
                 "hygiene_reasons": [], "hygiene": "set_aside"}),
    "segment": Section({
        "features": Features(weighted=True),
        "describe": Features(weighted=False),
        "capital": TEXT,
        "online_channels": TEXTS,
        "k_min": Scalar(int, minimum=2),
        "k_max": Scalar(int, minimum=3),
        "n_segments": Scalar(int, minimum=2),
        "method": Scalar(str, choices=("kmeans", "gmm", "ward")),
        "options": ListOf(Section({"method": Scalar(str, choices=("kmeans", "gmm", "ward")),
                                   "k": Scalar(int, minimum=2)}, required=("method", "k"))),
        "resamples": Scalar(int, minimum=2),
        "stability_threshold": Scalar(float, minimum=0),
        "fit_rows": Scalar(int, minimum=100),
    }, required=("features",), defaults={
        "describe": {}, "online_channels": [], "k_min": 2, "k_max": 12, "method": "kmeans",
        "resamples": 20, "stability_threshold": 0.85,
        "fit_rows": 20_000}),
    "survey": Section({
        "nps": TEXT,
        "csat": MapOf(TEXT),
        "csat_scale": ListOf(Scalar(int), min_items=2),
        "satisfied_from": Scalar(int, float),
        "single_choice": MapOf(CHOICE),
        "multi_choice": MapOf(CHOICE),
        "months": TEXT,
        "month_bands": ListOf(Scalar(int, minimum=0), min_items=1),
        "duration": TEXT,
        "min_seconds": Scalar(int, float, minimum=0),
        "comments": TEXTS,
        "population": Scalar(str, choices=("contract_holders", "segment_clients")),
        "plan": Section({"margin": Scalar(int, float, minimum=0), "confidence": Scalar(float, minimum=0),
                         "response_rate": Scalar(int, float, minimum=0)},
                        defaults={"margin": 10, "confidence": 0.95, "response_rate": 0.15}),
        "confidence": Scalar(float, minimum=0),
        "own_nps": Section({"table": TEXT, "score": TEXT, "nps": Scalar(int, float), "n": Scalar(int, minimum=1),
                            "promoters": Scalar(float, int, minimum=0), "detractors": Scalar(float, int, minimum=0),
                            "label": TEXT}, defaults={"score": "score"}),
        "driver_resamples": Scalar(int, minimum=10),
        "max_invalid_share": Scalar(float, int, minimum=0),
    }, defaults={
        "csat": {}, "csat_scale": [1, 5], "satisfied_from": 4, "single_choice": {}, "multi_choice": {},
        "month_bands": [0, 6, 12, 18, 24], "comments": [], "population": "contract_holders",
        "plan": {"margin": 10, "confidence": 0.95, "response_rate": 0.15}, "confidence": 0.95,
        "driver_resamples": 200, "max_invalid_share": 0.05}),
    "interviews": Section({
        "respondent_speakers": TEXTS,
        "codebook": MapOf(MapOf(CODE)),
        "lexicon": Section({"positive": TEXTS, "negative": TEXTS}),
        "negations": TEXTS,
        "quotes_per_code": Scalar(int, minimum=1),
        "discovery_min_documents": Scalar(int, minimum=1),
    }, defaults={"codebook": {}, "respondent_speakers": ["Респондент", "Respondent"], "quotes_per_code": 3,
                 "discovery_min_documents": 3}),
    "funnel": Section({
        "journey_stage_of": MapOf(TEXT),
        "journey_names": MapOf(TEXT),
        "ignore_stages": TEXTS,
        "order": Scalar(str, choices=("log", "time")),
        "breakdowns": TEXTS,
        "cohort": Scalar(str, choices=("month", "quarter")),
        "variants_coverage": Scalar(float, int, minimum=0),
        "variants_max": Scalar(int, minimum=1),
        "process_coverage": Scalar(float, int, minimum=0),
        "touch_bands": ListOf(Scalar(int, minimum=0), min_items=2),
        "journeys": Section({"k_max": Scalar(int, minimum=1), "n_journeys": Scalar(int, minimum=1),
                             "elbow": Scalar(float, minimum=0), "restarts": Scalar(int, minimum=1),
                             "fit_rows": Scalar(int, minimum=100)},
                            defaults={"k_max": 8, "elbow": 0.9, "restarts": 5, "fit_rows": 20_000}),
        "engine": Scalar(str, choices=ENGINES),
        "spark_master": TEXT,
        "memory_limit": MemorySize(),
    }, defaults={
        "engine": "auto", "spark_master": "local[*]", "memory_limit": "3GB",
        "journey_stage_of": {}, "journey_names": {}, "ignore_stages": [], "order": "log",
        "breakdowns": ["segment", "channel", "product", "cohort"], "cohort": "month", "variants_coverage": 0.8,
        "variants_max": 20, "process_coverage": 0.9,
        "touch_bands": [0, 1, 2, 3, 5],
        "journeys": {"k_max": 8, "elbow": 0.9, "restarts": 5, "fit_rows": 20_000}}),
    "maps": Section({
        "stages": MapOf(Section({"goals": TEXTS, "triggers": TEXTS, "actions": TEXTS, "owner": TEXT,
                                 "processes": TEXTS,
                                 "kpi": Section({"name": TEXT, "target": Scalar(float, int, minimum=0)},
                                                required=("name",))})),
        "owners": MapOf(TEXT),
        "actions": MapOf(Section({"action": TEXT, "owner": TEXT, "effort": Scalar(str, choices=EFFORTS)},
                                 required=("action", "effort"))),
        "touchpoint_owners": MapOf(TEXT),
        "channel_kinds": MapOf(Scalar(str, choices=CHANNEL_KINDS)),
        "top": Scalar(int, minimum=1),
        "segment_curves": Section({"min_gap": Scalar(float, int, minimum=0),
                                   "min_fragments": Scalar(int, minimum=1)},
                                  defaults={"min_gap": 0.3, "min_fragments": 10}),
        "impact_weights": Section({"lost": Scalar(float, int, minimum=0), "voice": Scalar(float, int, minimum=0),
                                   "nps": Scalar(float, int, minimum=0)},
                                  defaults={"lost": 1, "voice": 1, "nps": 1}),
    }, defaults={"stages": {}, "owners": {}, "actions": {}, "touchpoint_owners": {}, "channel_kinds": {},
                 "top": 3,
                 "segment_curves": {"min_gap": 0.3, "min_fragments": 10},
                 "impact_weights": {"lost": 1, "voice": 1, "nps": 1}},
        moved={"journey_names": "funnel.journey_names"}),
}, required=("engagement", "language", "seed", "stages", "sources"))

#: Keys every step reads; a change to one reruns every step.
SHARED_KEYS = ("engagement", "client", "language", "text_language", "seed", "export_date", "stages", "won_stage",
               "journey_stages", "sources")
#: Keys the contents page of the report reads (its ``report`` view, beside the sections'):
#: ``question``, the engagement's question in the client's words, opens its summary.
REPORT_KEYS = ("engagement", "client", "question", "language", "export_date", "report_date")
#: Notebook sections, in pipeline order.
SECTIONS = ("anonymize", "clean", "segment", "survey", "interviews", "funnel", "maps")


class _Failure:
    """Notes the problems of one params file, each naming the key, what it is and what is
    expected, and counts the keys checked."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[tuple[str, str | None]] = []
        self.keys = 0

    def note(self, problem: str, fix: str | None = None) -> None:
        """Note a problem (its text without the file's path)."""
        self.problems.append((problem, fix))

    def note_bad(self, key, value, expected) -> None:
        """Note that ``key`` has a bad ``value``, and what is ``expected`` instead."""
        self.note(f"key '{key}' is {value!r}", f"expected {expected}")

    def __call__(self, key, value, expected):
        """Note a bad value, and leave the node that holds it (see :func:`_checked`)."""
        self.note_bad(key, value, expected)
        raise _Skip

    def unknown(self, key_path: str, key, fields: dict) -> None:
        """Note an unknown key, with the closest known one."""
        import difflib

        close = difflib.get_close_matches(str(key), list(fields), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        self.note(f"unknown key '{key_path}'", f"{hint}expected one of: {', '.join(fields)}")

    def errors(self) -> list[CjmError]:
        """Each problem as its own error, naming the params file."""
        return [CjmError(f"{self.path}: {problem}", fix) for problem, fix in self.problems]

    def error(self) -> CjmError | None:
        """All problems as one error (None without any): one alone as :meth:`errors` words it;
        several numbered, a line each, under the file's path."""
        if len(self.problems) < 2:
            return next(iter(self.errors()), None)
        lines = [f"  {number}. {problem}" + (f" -> {fix}" if fix else "")
                 for number, (problem, fix) in enumerate(self.problems, start=1)]
        return CjmError(f"{self.path}: {len(self.problems)} problems\n" + "\n".join(lines),
                        "correct each key as said after its '->' (or as the problem says)")


@dataclass
class ParamsCheck:
    """What checking a params file found.

    Attributes
    ----------
    path : Path
        The params file.
    params : dict or None
        The parameters as validated, defaults filled in and ``_file`` set: whole when
        there is no problem, else without the values that had one (None when the file
        is missing or is not YAML mapping keys).
    errors : list of CjmError
        Every problem, one error each, naming the file and the key.
    error : CjmError or None
        All of them as one error (see :meth:`_Failure.error`).
    keys : int
        How many keys were checked.
    """

    path: Path
    params: dict | None
    errors: list[CjmError]
    error: CjmError | None
    keys: int = 0


def params_path(engagement: str | Path, root: Path | None = None) -> Path:
    """The params file of an engagement name (``params/<name>.yaml`` under ``root`` or the
    workspace), or ``engagement`` itself when it is a path to a YAML file."""
    path = Path(engagement)
    if path.suffix in (".yaml", ".yml"):
        return path
    return (EngagementPaths(str(engagement), root) if root else EngagementPaths(str(engagement))).params


def check_params(engagement: str | Path, root: Path | None = None) -> ParamsCheck:
    """Read an engagement's parameters and find every problem in them at once.

    Each key is checked on its own (type, choices, unknown and missing keys; a bad value
    is left out, its default standing in), then the keys against each other
    (:data:`_CONSISTENCY`): a bad value never stops the checking of the others.

    Parameters
    ----------
    engagement : str or Path
        Engagement name or path to a YAML file, as :func:`load_params` takes it.
    root : Path, optional
        As :func:`load_params` takes it.

    Returns
    -------
    ParamsCheck
        The parameters (as far as valid) and every problem found. A missing file, or
        text that is not YAML (the error names the line), is one problem alone.
    """
    path = params_path(engagement, root)
    fail = _Failure(str(path))
    if not path.exists():
        error = CjmError(f"no parameters file {path}", "copy params/demo.yaml to params/<engagement>.yaml and edit it")
        return ParamsCheck(path, None, [error], error)
    try:
        raw = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        fail.note(f"not valid YAML ({err})", "fix the YAML syntax at the line shown")
        return ParamsCheck(path, None, fail.errors(), fail.error())
    if not isinstance(raw, dict):
        fail.note("expected a mapping of keys at the top level")
        return ParamsCheck(path, None, fail.errors(), fail.error())
    params = SCHEMA.check(raw, "", fail)
    for check in _CONSISTENCY:
        _run_check(check, params, fail)
    params["_file"] = str(path)
    return ParamsCheck(path, params, fail.errors(), fail.error(), fail.keys)


def load_params(engagement: str | Path, root: Path | None = None) -> dict:
    """Read and validate an engagement's parameters.

    Parameters
    ----------
    engagement : str or Path
        Engagement name (reads ``params/<name>.yaml`` under the project root) or a
        path to a YAML file.
    root : Path, optional
        The folder holding ``params/`` (and ``data/``) for an engagement given by name; None:
        the workspace (``$CJM_ROOT``, else the project root). Ignored for a path to a YAML file.

    Returns
    -------
    dict
        The validated parameters, with defaults filled in and ``_file`` set.

    Raises
    ------
    CjmError
        One error listing every problem :func:`check_params` finds, each naming the key,
        what it is and what is expected.
    """
    checked = check_params(engagement, root)
    if checked.error is not None:
        raise checked.error
    return checked.params


def _check_table_maps(params: dict, report) -> None:
    """Each ``clean.tables`` entry is a canonical table, reads declared sources and maps
    the table's own columns (survey, clients and deals may add others)."""
    sources = params["sources"]
    for name, table in params.get("clean", {}).get("tables", {}).items():
        if name not in TABLES:
            report(f"unknown key 'clean.tables.{name}'", f"expected one of the canonical tables: {', '.join(TABLES)}")
            continue
        for key, source in (("source", table["source"]), ("join.source", table.get("join", {}).get("source"))):
            if source is not None and source not in sources:
                report(f"key 'clean.tables.{name}.{key}' names unknown source '{source}'",
                       f"expected one of: {', '.join(sources)}")
        unknown = set(table["columns"]) - set(TABLES[name])
        if name not in ("survey", "clients", "deals") and unknown:
            report(f"key 'clean.tables.{name}.columns' maps unknown column(s) {', '.join(sorted(unknown))}",
                   f"expected some of: {', '.join(TABLES[name])}")


def _check_won_stage(params: dict, report) -> None:
    """The won stage is one of the stages."""
    if params.get("won_stage") and params["won_stage"] not in params["stages"]:
        report(f"key 'won_stage' is {params['won_stage']!r}", "expected one of the names listed under 'stages'")


def _check_text_language(params: dict, report) -> None:
    """The texts' language is one the coding can lemmatize."""
    if "text_language" in params:
        from cjm.core.languages import check_language

        try:
            check_language(params["text_language"])
        except CjmError as err:
            report(f"key 'text_language': {err.problem}", err.fix)


def _check_scope(params: dict, report) -> None:
    """Each scope rule has exactly one condition."""
    for rule in params.get("clean", {}).get("scope", []):
        conditions = [k for k in ("in", "not_in", "greater_than", "less_than") if k in rule]
        if len(conditions) != 1:
            report(f"scope rule '{rule['name']}' needs exactly one of in, not_in, greater_than, less_than "
                   f"(has {conditions or 'none'})")


def _check_segment(params: dict, report) -> None:
    """The segment section's own consistency; feature names are checked against the data
    in 03 (a feature is a derived one or any column of clients or deals)."""
    section = params.get("segment")
    if section is None:
        return
    if not section["features"]:
        report("key 'segment.features' is empty", "name at least one feature with a weight")
    if section["k_min"] >= section["k_max"]:
        report(f"keys 'segment.k_min' and 'segment.k_max' are {section['k_min']} and {section['k_max']}",
               "expected k_min < k_max")
    if "capital" in [*section["features"], *section["describe"]] and "capital" not in section:
        report("feature 'capital' needs key 'segment.capital'",
               "set it to the capital's region as written in the data, e.g. capital: г. Минск")


def _check_tables(params: dict, report) -> None:
    """The deals come from a deals export or from an event log's cases, never from neither."""
    if "clean" not in params:
        return
    clean = params["clean"]
    tables, log = clean.get("tables", {}), clean.get("event_log")
    if "deals" not in tables and not (log is not None and "stage_events" in tables):
        report("no 'clean.tables.deals' column map",
               "map the CRM's deals export onto the deals table, or, for an event log, map it onto "
               "'clean.tables.stage_events' and describe its cases under 'clean.event_log'")
    if log is not None and "deals" in tables and (log["won_stages"] or log["lost_stages"]):
        report("keys 'clean.event_log.won_stages' and 'lost_stages' make the cases of a log without a deals "
               "table, but 'clean.tables.deals' is mapped", "remove them (the deals table gives the outcomes) "
               "or the deals map")
    if log is not None and "deals" not in tables and not log["won_stages"] and not params.get("won_stage"):
        report("key 'clean.event_log.won_stages' is empty and there is no 'won_stage'",
               "list the activities that make a case won, e.g. won_stages: [A_APPROVED]")


def _check_survey(params: dict, report) -> None:
    """The survey section's scale, choice questions, bands, shares and own NPS."""
    section = params.get("survey")
    if section is None:
        return
    low, high = section["csat_scale"][0], section["csat_scale"][-1]
    if len(section["csat_scale"]) != 2 or low >= high:
        report(f"key 'survey.csat_scale' is {section['csat_scale']}", "expected [lowest, highest], e.g. [1, 5]")
    for kind in ("single_choice", "multi_choice"):
        for question, spec in section[kind].items():
            if ("column" in spec) == ("columns" in spec):
                report(f"key 'survey.{kind}.{question}' needs exactly one of 'column' "
                       "(one column of answers) and 'columns' (option -> its column)")
    bands = section["month_bands"]
    if any(a >= b for a, b in zip(bands, bands[1:])):
        report(f"key 'survey.month_bands' is {bands}", "expected increasing lower edges, e.g. [0, 6, 12]")
    plan = section["plan"]
    for key, value, top in (("confidence", section["confidence"], 1 - 1e-12),
                            ("plan.confidence", plan["confidence"], 1 - 1e-12),
                            ("plan.response_rate", plan["response_rate"], 1)):
        if not 0 < value <= top:
            report(f"key 'survey.{key}' is {value}", "expected a share between 0 and 1, e.g. 0.95")
    own = section.get("own_nps")
    if own is not None and "table" not in own and not {"nps", "n"} <= set(own):
        report("key 'survey.own_nps' needs 'table' (an interim table of scores) or 'nps' and 'n'",
               "e.g. own_nps: {table: post_deal_nps} or own_nps: {nps: 57, n: 5283}")


def _check_journey_stages(params: dict, report) -> None:
    """Stages named by the survey's CSAT questions, the codebook and the funnel's stage
    mapping must be journey stages (and the mapping's keys CRM stages)."""
    journey = params.get("journey_stages")
    if journey is None:
        return
    for stage in params.get("survey", {}).get("csat", {}):
        if stage not in journey:
            report(f"key 'survey.csat.{stage}' is not a journey stage",
                   f"expected one of 'journey_stages': {', '.join(journey)}")
    for crm_stage, stage in params.get("funnel", {}).get("journey_stage_of", {}).items():
        if crm_stage not in params["stages"]:
            report(f"key 'funnel.journey_stage_of.{crm_stage}' is not a CRM stage",
                   f"expected one of 'stages': {', '.join(params['stages'])}")
        if stage not in journey:
            report(f"key 'funnel.journey_stage_of.{crm_stage}' is {stage!r}, not a journey stage",
                   f"expected one of 'journey_stages': {', '.join(journey)}")
    for stage in params.get("maps", {}).get("stages", {}):
        if stage not in journey:
            report(f"key 'maps.stages.{stage}' is not a journey stage",
                   f"expected one of 'journey_stages': {', '.join(journey)}")
    if "interviews" in params:
        for err in codebook_problems(params["interviews"]["codebook"], journey):
            report(err.problem, err.fix)


def _check_actions(params: dict, report) -> None:
    """Each ``maps.actions`` entry removes a barrier or pain of the codebook (the map's
    opportunities lane reads them by the codebook's words)."""
    actions = params.get("maps", {}).get("actions", {})
    codebook = params.get("interviews", {}).get("codebook")
    if not actions or not isinstance(codebook, dict):
        return
    known = [code for layer in ("barrier", "pain") for code in (codebook.get(layer) or {})]
    for barrier in actions:
        if barrier not in known:
            report(f"key 'maps.actions.{barrier}' is not a barrier or pain of 'interviews.codebook'",
                   f"expected one of: {', '.join(known) or '(the codebook has none)'}")


def _check_links(params: dict, report) -> None:
    """Sources linked to another by phone or e-mail (``link_to``) name a source that has
    contact columns and a client identifier; k-anonymity names declared sources."""
    sources = params["sources"]
    for name, source in sources.items():
        target = source.get("link_to")
        if target is None:
            continue
        if target not in sources:
            report(f"key 'sources.{name}.link_to' names unknown source '{target}'",
                   f"expected one of: {', '.join(sources)}")
        elif not source.get("link_person") or not sources[target].get("link_person"):
            report(f"source '{name}' links to '{target}' but one of them has no 'link_person'",
                   "declare the phone/e-mail columns under 'link_person' in both sources")
        elif "client" not in sources[target].get("identifiers", {}).values():
            report(f"source '{target}' (link_to of '{name}') has no identifier of kind 'client'",
                   f"add the client code column under 'sources.{target}.identifiers' as kind client")
    for name in params.get("anonymize", {}).get("quasi_identifiers", {}):
        if name not in sources:
            report(f"key 'anonymize.quasi_identifiers.{name}' names unknown source",
                   f"expected one of: {', '.join(sources)}")


def check_links(params: dict) -> None:
    """Raise the first problem :func:`_check_links` finds in validated ``params`` (for
    params made in code rather than loaded), naming the params file."""
    problems = []
    _check_links(params, lambda problem, fix=None: problems.append((problem, fix)))
    if problems:
        raise CjmError(f"{params.get('_file', 'params')}: {problems[0][0]}", problems[0][1])


#: The checks of keys against each other, in the order their problems are listed.
_CONSISTENCY = (_check_table_maps, _check_won_stage, _check_text_language, _check_tables, _check_segment,
                _check_survey, _check_journey_stages, _check_actions, _check_scope, _check_links)


def _run_check(check, params: dict, fail: _Failure) -> None:
    """Run one check of keys against each other, reporting to ``fail``. A check that trips
    over a value left out or malformed gives way when problems were already noted: that
    value's own problem stands for it (without any, the error is a bug and is raised)."""
    try:
        check(params, fail.note)
    except (KeyError, TypeError, AttributeError, IndexError, ValueError):
        if not fail.problems:
            raise


def clean_column_keys(params: dict) -> list[tuple[str, str, str]]:
    """``(source, raw column, params key)`` for each raw column ``clean.tables`` maps onto a
    canonical table: columns, exclude_values, join keys and columns, the event log's case
    columns; the key is the one naming the column (e.g. ``clean.tables.deals.columns``)."""
    out = []
    clean = params.get("clean") or {}
    tables = clean.get("tables", {})
    for name, table in tables.items():
        key = f"clean.tables.{name}"
        out += [(table["source"], column, f"{key}.columns") for column in table["columns"].values()]
        out += [(table["source"], column, f"{key}.exclude_values") for column in table.get("exclude_values", {})]
        if "join" in table:
            join = table["join"]
            out += [(join["source"], column, f"{key}.join") for column in [join["key"], *join.get("columns", {}).values()]]
    log = clean.get("event_log")
    if log is not None and "stage_events" in tables:
        out += [(tables["stage_events"]["source"], column, "clean.event_log.case_columns")
                for column in log["case_columns"].values()]
    return out


def clean_columns(params: dict) -> dict[str, list[str]]:
    """Source -> the raw columns ``clean.tables`` maps onto canonical tables (columns, join
    keys and columns, exclude_values, the event log's case columns), sorted. 01 never drops
    these by their content: the consultant declared what they are by mapping them."""
    out: dict[str, set] = {}
    for source, column, _ in clean_column_keys(params):
        out.setdefault(source, set()).add(column)
    return {source: sorted(columns) for source, columns in sorted(out.items())}


def row_id_sources(params: dict) -> list[str]:
    """Sources whose canonical table leaves its key unmapped (a lead list without ids):
    01 numbers their rows (``row_id``), 02 takes the numbers as the key."""
    tables = (params.get("clean") or {}).get("tables", {})
    return sorted({spec["source"] for name, spec in tables.items()
                   if name in KEYS and KEYS[name] not in spec["columns"]})


def default_section(name: str) -> dict:
    """A notebook section with every key at its default, for a params file without it."""
    return SCHEMA.fields[name].check({}, name, _Failure("defaults"))


def section_view(params: dict, section: str) -> dict:
    """The part of the parameters one notebook section depends on."""
    view = {key: params.get(key) for key in SHARED_KEYS}
    view[section] = params.get(section)
    if section == "anonymize":  # 01 keeps the columns 02 maps, and numbers the rows 02 needs as keys
        view["clean_columns"], view["row_id_sources"] = clean_columns(params), row_id_sources(params)
    return view


def split_sections(engagement: str, root: Path | None = None) -> list[str]:
    """Write each section's view to ``outputs/<e>/.params/<section>.yaml`` if it changed
    (and the ``report`` view, :data:`REPORT_KEYS`).

    Returns the names of the sections rewritten. Files whose content is unchanged keep
    their modification time, so Make does not rerun their steps.
    """
    from cjm.core.files import write_if_changed

    paths = EngagementPaths(engagement, root) if root else EngagementPaths(engagement)
    params = load_params(engagement, root)
    changed = []
    for section in (*SECTIONS, "report"):
        view = ({key: params.get(key) for key in REPORT_KEYS} if section == "report"
                else section_view(params, section))
        text = yaml.safe_dump(view, allow_unicode=True, sort_keys=True)
        if write_if_changed(paths.outputs / ".params" / f"{section}.yaml", text):
            changed.append(section)
    return changed
