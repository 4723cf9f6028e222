"""Benchmark of privacy: scrubbing free text and the leak check, at growing demo sizes.

    .venv/bin/python bench/bench_privacy.py                # scales 1 10
    .venv/bin/python bench/bench_privacy.py --scales 1

Each scale of the demo is generated into a temporary root and put through 01 and 02
(not timed). Then, in a fresh process: ``corpus_per_s`` is the scrubber on the 660
sentences of the labelled corpus (tests/pii_corpus.py), first, with every cache cold, and
``recall_min``/``precision_min`` its lowest recall and precision over the kinds of
personal data (``recall_all``/``precision_all`` pooled);
``texts`` distinct values of the demo's free-text columns are scrubbed one by one
(``scrub_s``, ``texts_per_s``), and natasha's NER tagger alone is run on the same texts
(``ner_s``; ``ratio`` = ner_s / scrub_s: our scrubber, rules and patterns included, against
the model it calls only where a capitalized word follows another); the leak check runs on
what 01 and 02 wrote: first with no cache (``leaks_first_s``: the exports are read),
then with the exports' personal values cached but every file read (``leaks_reread_s``: as
after a step rewrote everything), then again with nothing changed (``leaks_rerun_s``:
files found clean before are not read again).
``peak_mb`` is the process's peak resident memory. Results are printed as a Markdown table
and appended to ``bench/results/privacy.csv``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_intake import ENGAGEMENT, HERE, cli, generate, measure, run_intake
from bench_segment import _peak_mb


def free_texts(params, paths) -> list[str]:
    """Distinct values of every free-text column of the engagement's exports."""
    from cjm.privacy.anonymize import read_source

    texts = set()
    for name, source in params["sources"].items():
        if source.get("free_text"):
            frame = read_source(params, paths, name, source["free_text"])
            for column in source["free_text"]:
                texts.update(frame[column].dropna().astype(str))
    return sorted(texts)


def run_steps(root: Path) -> dict:
    """The scrubber on the corpus and on the demo's texts, natasha on the same texts, and the
    leak check without and with its cache, under ``root``."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import pii_corpus
    from natasha import Doc

    from cjm.privacy.leaks import find_leaks
    from cjm.core.params import load_params
    from cjm.core.paths import EngagementPaths
    from cjm.privacy.scrub import TextScrubber, _ner

    params, paths = load_params(ENGAGEMENT, root), EngagementPaths(ENGAGEMENT, root)
    corpus = pii_corpus.corpus()
    t0 = time.perf_counter()
    scrubber = TextScrubber()
    scrubbed = {s.text: scrubber.scrub(s.text) for s in corpus}
    corpus_s = time.perf_counter() - t0
    scores = pii_corpus.score(corpus, scrubbed.__getitem__)
    kinds = [k for k in scores.recall if k != "all"]

    texts = free_texts(params, paths)
    t0 = time.perf_counter()
    for text in texts:
        scrubber.scrub(text)
    scrub_s = time.perf_counter() - t0
    segmenter, tagger = _ner()
    t0 = time.perf_counter()
    for text in texts:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
    ner_s = time.perf_counter() - t0

    leak_s = {}
    for run in ("first", "reread", "rerun"):
        caches = {"first": ".leak-*", "reread": ".leak-clean.json", "rerun": "-"}[run]
        for cache in paths.private.glob(caches):
            cache.unlink()
        t0 = time.perf_counter()
        found = find_leaks(ENGAGEMENT, root)
        leak_s[f"leaks_{run}_s"] = round(time.perf_counter() - t0, 1)
    return {"corpus_per_s": round(len(corpus) / corpus_s),
            "recall_min": round(min(scores.recall[k] for k in kinds), 3), "recall_all": round(scores.recall["all"], 3),
            "precision_min": round(min(scores.precision[k] for k in kinds), 3),
            "precision_all": round(scores.precision["all"], 3),
            "texts": len(texts), "scrub_s": round(scrub_s, 1),
            "texts_per_s": round(len(texts) / scrub_s), "ner_s": round(ner_s, 1),
            "ratio": round(ner_s / scrub_s, 1), "files": found.attrs["files"], "leak_finds": len(found), **leak_s,
            "peak_mb": _peak_mb()}


def bench_scale(scale: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"cjm-bench-privacy-x{scale}-"))
    try:
        generated = generate(scale, root)
        run_intake(root)
        return {**measure(__file__, root, scale), "generate_s": round(generated, 1)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    cli("privacy", __doc__.splitlines()[0], bench_scale, run_steps, default_scales=[1, 10])
