"""Files written whole or not at all, and the consultant's log: without pandas, so that the
runner, stamps, caches and manifest (which run before any kernel) start quickly.

A write goes into the open publication if any (:mod:`cjm.core.publication`): a step's files
land together when it succeeds.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path

from cjm.core.publication import current, remove, replaces_folder, staged

#: Characters of the random part of a temporary name (as :mod:`tempfile`'s, which
#: :data:`cjm.core.publication.LEFTOVER` recognises).
_TEMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"
#: Mode of a file only its owner may read (the secret key, the re-identification table).
PRIVATE_FILE = 0o600


def _temp_name(parent: Path, name: str, suffix: str = "") -> Path:
    """``parent/.<name>.<8 random characters><suffix>``: a temporary sibling's name."""
    return parent / f".{name}.{''.join(secrets.choice(_TEMP_CHARS) for _ in range(8))}{suffix}"


def _create_temp(parent: Path, name: str, suffix: str, create) -> Path:
    """``create`` (which fails with FileExistsError on a taken name) a temporary sibling of
    ``parent/name``; returns its path."""
    for _ in range(100):
        path = _temp_name(Path(parent), name, suffix)
        try:
            create(path)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free temporary name beside {Path(parent) / name}")


def temp_file(parent: Path, name: str, suffix: str = "", mode: int = 0o666) -> Path:
    """Create an empty temporary file beside ``parent/name`` and return its path.

    Unlike :func:`tempfile.mkstemp` (always mode 600) the file gets ``mode`` less the
    umask, as a plain ``open(path, "w")`` would: a report published on a web server is
    readable by it. Pass :data:`PRIVATE_FILE` for what only the owner may read.
    """
    return _create_temp(parent, name, suffix,
                        lambda path: os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)))


def temp_folder(parent: Path, name: str) -> Path:
    """Create an empty temporary folder beside ``parent/name`` (and ``parent`` if need be)
    and return its path; its mode is 777 less the umask, as :func:`os.mkdir` gives (not
    :func:`tempfile.mkdtemp`'s 700)."""
    Path(parent).mkdir(parents=True, exist_ok=True)
    return _create_temp(parent, name, "", os.mkdir)


@contextlib.contextmanager
def atomic_folder(target: Path):
    """Write a folder's contents into a temporary sibling and swap it in on success.

    On an error nothing of the new contents is left and the old folder is untouched. In an
    open publication (:mod:`cjm.core.publication`) the folder is staged and replaces its
    target whole when the publication is committed. The folder's mode honours the umask,
    as any folder made by :func:`os.mkdir` (755 under the usual umask 022).
    """
    target = staged(Path(target))
    staging = temp_folder(target.parent, target.name)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    replaces_folder(target)


def write_atomic(frame_or_text, path: Path, now: bool = False, private: bool = False, **kwargs) -> Path:
    """Write a DataFrame (parquet, csv or xlsx by suffix), text or bytes to ``path`` atomically:
    into the open publication if any (:mod:`cjm.core.publication`), unless ``now``. Returns
    ``path`` (:func:`cjm.core.publication.current` says where to read it back meanwhile).

    The file's mode is 666 less the umask (644 under the usual umask 022: a published
    report's images and downloads are readable by the web server), or 600 when ``private``
    (the secret key, the re-identification table), from its creation on.
    """
    path = Path(path)
    written = path if now else staged(path)
    written.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_file(written.parent, path.name, path.suffix, PRIVATE_FILE if private else 0o666)
    try:
        if isinstance(frame_or_text, str):
            tmp.write_text(frame_or_text, encoding="utf-8")
        elif isinstance(frame_or_text, bytes):
            tmp.write_bytes(frame_or_text)
        elif path.suffix == ".parquet":
            frame_or_text.to_parquet(tmp, index=False, **kwargs)
        elif path.suffix == ".csv":
            frame_or_text.to_csv(tmp, index=False, **kwargs)
        elif path.suffix == ".xlsx":
            frame_or_text.to_excel(tmp, index=False, engine="openpyxl", **kwargs)
        else:
            raise ValueError(f"write_atomic: unsupported suffix {path.suffix}")
        os.replace(tmp, written)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it holds it already (its time then stays); True if written."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomic(text, path, now=True)
    return True


def _consultant_notes(log: Path) -> dict[str, list[str]]:
    """The notes of the consultant's log as written (or staged) so far, by chapter."""
    path = current(log)
    notes: dict[str, list[str]] = {}
    if path.exists():
        chapter = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                chapter = notes.setdefault(line[3:].strip(), [])
            elif line.startswith("- ") and chapter is not None:
                chapter.append(line[2:])
    return notes


def _write_consultant_notes(log: Path, notes: dict[str, list[str]]) -> None:
    kept = {chapter: lines for chapter, lines in sorted(notes.items()) if lines}
    if not kept:
        remove(log)
        return
    write_atomic("\n".join(f"## {chapter}\n\n" + "".join(f"- {line}\n" for line in lines)
                           for chapter, lines in kept.items()), log)


def add_consultant_note(log: Path, chapter: str, note: str) -> Path:
    """Add ``note`` to ``chapter``'s notes in the consultant's log (``data/<e>/logs/consultant.md``:
    Markdown, a ``## <chapter>`` heading per chapter in order, a ``- note`` line per note),
    once: a note already there (a cell run again) is not repeated. Written into the open
    publication if any, so a step's notes are published with its outputs."""
    notes = _consultant_notes(log)
    lines = notes.setdefault(chapter, [])
    line = " ".join(note.split())
    if line not in lines:
        lines.append(line)
        _write_consultant_notes(log, notes)
    return log


def clear_consultant_notes(log: Path, chapter: str) -> None:
    """Drop ``chapter``'s notes from the consultant's log (a step's run starts afresh: a note
    whose cause is gone is not kept); the other chapters' notes stay."""
    notes = _consultant_notes(log)
    if notes.pop(chapter, None) is not None:
        _write_consultant_notes(log, notes)
