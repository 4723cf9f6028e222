"""Segments as a client reads them: feature words, names, portraits and the feature summary."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from cjm.analysis.segment import (SHARES, SegmentResult, feature_specs, is_number, top_traits,
                                  weights)
from cjm.present.formats import format_number, format_percent
from cjm.present import words as locale
from cjm.present.words import value_word


def feature_words(section: dict, features: pd.DataFrame, language: str) -> dict[str, dict]:
    """Each feature's words in ``language``: ``label``, ``low`` and ``high`` (numbers),
    ``levels`` (category level -> its word), ``format`` (``number`` or ``percent``); from
    its params (``label``, ``low``, ``high``, ``levels``, ``format``), else the defaults of
    the catalogue's ``segments`` section, else the column's own name."""
    out, words = {}, locale.section(language, "segments")
    for name, spec in feature_specs(section).items():
        default = words["features"].get(spec.get("column", name), ())
        label = spec.get("label") or (default[0] if default else spec.get("column", name))
        low, high = default[1:] if len(default) == 3 else [words[w].format(label=label) for w in ("lower", "higher")]
        out[name] = {"label": label, "low": spec.get("low", low), "high": spec.get("high", high),
                     "levels": {**words["levels"], **spec.get("levels", {})},
                     "format": spec.get("format") or ("percent" if name in SHARES else "number")}
    for name in features.columns.difference(list(out)):
        out[name] = {"label": name, "low": "", "high": "", "levels": dict(words["levels"]), "format": "number"}
    return out


def default_words(features, language: str) -> dict[str, dict]:
    """:func:`feature_words` of features that have no params of their own."""
    return feature_words({"features": {}, "describe": list(features)}, pd.DataFrame(), language)


def format_value(value: float, fmt: str, language: str) -> str:
    """A feature's value as a portrait shows it: a share as a percentage; a number with
    digits by its size (0 from 10 on, 1 from 1, 2 below), thousands spaced."""
    if pd.isna(value):
        return "—"
    if fmt == "percent":
        return format_percent(value, language)
    digits = 0 if abs(value) >= 10 or value == round(value) else 1 if abs(value) >= 1 else 2
    return format_number(value, language, digits, grouped=True)


def _shown(trait, words: dict, language: str) -> tuple[str, str]:
    """A trait's segment and overall values as a portrait writes them."""
    fmt = words["format"] if trait["kind"] == "numeric" else "percent"
    return format_value(trait["segment_value"], fmt, language), format_value(trait["overall_value"], fmt, language)


def trait_words(trait: pd.Series, words: dict, language: str) -> tuple[str, str]:
    """A trait as a short word (for names) and a phrase with its numbers (for portraits);
    ``words`` are the feature's (:func:`feature_words`)."""
    segment_value, overall_value = _shown(trait, words, language)
    versus = locale.section(language, "segments")["versus"]
    if trait["kind"] == "numeric":
        short = words["high"] if trait["effect"] > 0 else words["low"]
        said = "" if words["label"] in short else f"{short}: "  # generic words already name the feature
        return short, f"{said}{words['label']} {segment_value} {versus} {overall_value}"
    level = str(trait["level"])
    short = words["levels"].get(level, f"{words['label']} «{level}»")
    return short, f"{short}: {segment_value} {versus} {overall_value}"


def stated(traits: pd.DataFrame, words: dict, language: str) -> pd.DataFrame:
    """The traits whose segment and overall values differ as a portrait writes them (a
    portrait never says "1 vs 1")."""
    if traits.empty:
        return traits
    keep = [a != b for a, b in (_shown(t, words[t["feature"]], language) for _, t in traits.iterrows())]
    return traits[np.array(keep, dtype=bool)]


def portraits(traits: pd.DataFrame, labels: pd.Series, language: str, defining=None,
              words: dict | None = None) -> pd.DataFrame:
    """Name, size and portrait of each segment, from its top traits.

    Parameters
    ----------
    traits : DataFrame
        From :func:`cjm.analysis.segment.describe_segments`.
    labels : Series
        Segment of each client.
    language : {"ru", "en"}
    defining : collection of str, optional
        Features that define the segments; names are made of these only (the
        portrait lists every strong trait). All features when None.
    words : dict, optional
        Feature -> its words (:func:`feature_words`); the defaults when None.

    Returns
    -------
    DataFrame
        ``segment``, ``segment_name`` (the two strongest defining traits; a third, or the
        number, where two segments would share a name), ``clients``, ``share``,
        ``portrait`` (the top traits with their numbers), ``top_features``.
    """
    if words is None:
        words = default_words(traits["feature"].unique(), language)
    traits = stated(traits, words, language)
    sizes = labels.value_counts()
    rows, seen = [], set()
    for segment in sorted(sizes.index):
        top = top_traits(traits, segment)
        phrases = [trait_words(trait, words[trait["feature"]], language) for _, trait in top.iterrows()]
        naming = top_traits(traits[traits["feature"].isin(defining)], segment, n=3) if defining else top
        shorts = [trait_words(trait, words[trait["feature"]], language)[0] for _, trait in naming.iterrows()]
        name = _capital(" · ".join(shorts[:2]))
        if name in seen and len(shorts) > 2:
            name = _capital(" · ".join(shorts[:3]))
        name = name or locale.section(language, "segments")["unnamed"].format(n=segment)
        if name in seen:
            name = f"{name} ({segment})"
        seen.add(name)
        rows.append({"segment": int(segment), "segment_name": name, "clients": int(sizes[segment]),
                     "share": sizes[segment] / len(labels), "portrait": "; ".join(p for _, p in phrases),
                     "top_features": ", ".join(top["feature"])})
    return pd.DataFrame(rows)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def feature_summary(features: pd.DataFrame, section: dict, language: str, words: dict | None = None) -> pd.DataFrame:
    """What went into the segmentation: each feature (by its label), its role, weight,
    missing share and distribution (median and quartiles of numbers, top levels of
    categories)."""
    words = words or feature_words(section, features, language)
    defining = weights(section)
    rows = []
    for name in features.columns:
        values, mine = features[name], words[name]
        row = {"feature": mine["label"], "role": "defines" if name in defining else "describes",
               "weight": defining.get(name), "missing": values.isna().mean()}
        if is_number(values):
            q = values.quantile([0.25, 0.5, 0.75])
            shown = [format_value(q[x], mine["format"], language) for x in (0.5, 0.25, 0.75)]
            row["distribution"] = f"{shown[0]} ({shown[1]}–{shown[2]})"
        else:
            shares = values.value_counts(normalize=True).head(4)
            row["distribution"] = ", ".join(f"{mine['levels'].get(lvl, lvl)} {format_value(share, 'percent', language)}"
                                            for lvl, share in shares.items())
        rows.append(row)
    return pd.DataFrame(rows)


@dataclasses.dataclass
class SegmentChapter(SegmentResult):
    """A :class:`~cjm.analysis.segment.SegmentResult` with its words: ``words`` (feature ->
    :func:`feature_words`), ``summary`` (:func:`feature_summary`), ``portraits`` (of the
    chosen split) and ``option_portraits`` (option label -> :func:`portraits`); the model
    carries the segment names."""

    words: dict = dataclasses.field(default_factory=dict)
    summary: pd.DataFrame | None = None
    portraits: pd.DataFrame | None = None
    option_portraits: dict = dataclasses.field(default_factory=dict)


def portray(result: SegmentResult, section: dict, language: str) -> SegmentChapter:
    """``result`` named and portrayed in ``language`` (names from the defining features)."""
    words = feature_words(section, result.features, language)
    defining = list(weights(section))
    described = portraits(result.traits, result.labels, language, defining, words)
    model = dataclasses.replace(result.model, names=dict(zip(described["segment"], described["segment_name"])))
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(SegmentResult)}
    return SegmentChapter(**{**fields, "model": model}, words=words,
                          summary=feature_summary(result.features, section, language, words), portraits=described,
                          option_portraits={option: portraits(traits, labels, language, defining, words)
                                            for option, (labels, traits) in result.option_splits.items()})


def profile_sheet(profiles: pd.DataFrame, words: dict, language: str) -> pd.DataFrame:
    """A segment profile table (:func:`cjm.analysis.segment.profile_table`) with each feature
    column named by its label and each ``feature: level`` column by the level's word."""
    def name(column: str) -> str:
        feature, _, level = str(column).partition(": ")
        if feature not in words:
            return column
        mine = words[feature]
        return f"{mine['label']}: {mine['levels'].get(level, value_word(level, language))}" if level else mine["label"]

    return profiles.rename(columns=name)
