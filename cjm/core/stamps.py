"""A step rerun only when what it reads changed, decided by content: Make compares times
and runs a step's runner when a file it depends on is newer (another step published again,
say); the runner then compares the content of what the step read at its last run with what
is there now, and when nothing changed keeps the step's outputs instead of running it
(05 after a change of 04's params that left the tables 05 reads as they were).

A step's stamp, ``data/<e>/cache/steps/<step>.json``, written after each run that published:

- ``reads``: the tables directly under ``interim/`` the step read
  (:meth:`cjm.core.publication.Publication.reads`), other steps' outputs;
- ``published``: the files the step published;
- ``key``: the :func:`~cjm.core.cache.content_key` of the step's own inputs (its notebook,
  params section, code: Make's prerequisites), of those reads, of every other file of the
  engagement's data (the anonymized exports, side groups, private key: read by steps
  without :func:`~cjm.core.publication.current`) and of its published files as they were.
"""

from __future__ import annotations

import json
from pathlib import Path

from cjm.core.cache import content_key
from cjm.core.files import write_atomic
from cjm.core.manifest import file_hash

#: Folders of ``data/<e>/`` that are no step's input: the raw exports (their manifest is
#: 01's input), the cache, the consultant's log and failed runs, the staging tree.
NOT_INPUTS = ("raw", "cache", "logs", ".staging")


def _files(root: Path, relative: list[str]) -> list[Path]:
    """Each of ``relative`` under ``root``, folders as the files they hold."""
    found = []
    for name in relative:
        path = root / name
        found += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return found


def _state(root: Path, files: list[Path]) -> list[tuple[str, str]]:
    """(path, content hash or ``absent``) of each file, paths relative to ``root`` when under it."""
    def name(path: Path) -> str:
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)

    return [(name(p), file_hash(p) if p.is_file() else "absent") for p in files]


def _other_data(paths) -> list[Path]:
    """The engagement's data files but the tables directly under ``interim/``, :data:`NOT_INPUTS`
    and the leak check's notes (hidden files of ``private/``)."""
    if not paths.data.is_dir():
        return []
    top = [p for p in sorted(paths.data.iterdir()) if p.name not in NOT_INPUTS and not p.name.startswith(".")]
    files = []
    for path in top:
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files += [p for p in found if p.parent != paths.interim
                  and not (p.parent == paths.private and p.name.startswith("."))]
    return files


def stamp_key(paths, inputs: list[str], reads: list[str], published: list[str]) -> str:
    """The content key of a step's ``inputs`` (files), ``reads`` and ``published`` (paths
    relative to the workspace root) and of the engagement's other data (:func:`_other_data`)."""
    root = paths.root
    return content_key(_state(root, [Path(p).resolve() for p in sorted(inputs)]),
                       _state(root, [root / p for p in reads]), _state(root, _other_data(paths)),
                       _state(root, _files(root, published)))


def stamp_path(paths, step: str) -> Path:
    return paths.cache / "steps" / f"{step}.json"


def unchanged(paths, step: str, inputs: list[str]) -> bool:
    """True if ``step`` ran before on the same content of ``inputs``, of the tables it read
    and of the engagement's other data, and its published files are as it left them."""
    try:
        stamp = json.loads(stamp_path(paths, step).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp["key"] == stamp_key(paths, inputs, stamp["reads"], stamp["published"])


def save_stamp(paths, step: str, inputs: list[str], reads: list[str], published: list[str]) -> None:
    """Note what ``step`` just read and published (see the module's text); its own outputs
    among the tables it read are not inputs."""
    reads = [r for r in reads if r not in published]
    stamp = {"key": stamp_key(paths, inputs, reads, published), "reads": reads, "published": published}
    write_atomic(json.dumps(stamp, indent=1), stamp_path(paths, step), now=True)
