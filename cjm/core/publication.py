"""A step's outputs published as a set: all of them, or none.

While a :class:`Publication` is open, every file a step writes through :mod:`cjm.core.io`
goes to a staging tree that mirrors the engagement's folders
(``data/<e>/.staging/<step>/``), and every file it removes is noted there. On success the
publication is committed: a journal of the moves is written and renamed into place (the
one rename that decides), then the moves are done. A run killed before that rename leaves
only its staging tree, which the next run of the step removes; a run killed after it is
finished by the next run (:func:`recover`), so readers never see old and new outputs mixed.

The staging folder is named by the environment variable :data:`STAGING`, so the kernel
papermill starts for a notebook (a child process) writes into it too. The tables a step reads
(:func:`current` of a file directly under ``interim/``) are noted there as well
(:meth:`Publication.reads`): what the runner compares to decide a rerun by content.

Steps of one engagement may run side by side (``make -j2``): a publication's start and its
commit hold a lock on the engagement's data folder, so commits happen one at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from pathlib import Path

#: The environment variable naming the open publication's staging folder.
STAGING = "CJM_STAGING"
_JOURNAL = ".journal.json"
_REMOVED = ".removed"
_FOLDERS = ".folders"
_READS = ".reads"
#: The publication's own notes in its staging folder, never published.
_NOTES = (_JOURNAL, _REMOVED, _FOLDERS, _READS)


def _open() -> tuple[Path, Path] | None:
    """(staging folder, the workspace root it mirrors) of the open publication, or None."""
    stage = os.environ.get(STAGING)
    if not stage:
        return None
    stage = Path(stage)
    return stage, stage.parents[3]  # <root>/data/<e>/.staging/<step>


def _relative(path: Path, root: Path) -> Path | None:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return None


def _in_workspace(path: Path, opened: tuple[Path, Path] | None) -> Path | None:
    """``path`` relative to the open publication's workspace, or None: no publication is
    open, or ``path`` lies outside the workspace or in the staging tree already."""
    if opened is None or _relative(path, opened[0]) is not None:
        return None
    return _relative(path, opened[1])


def staged(path: Path) -> Path:
    """Where a write to ``path`` goes: its place in the open publication's staging tree,
    or ``path`` itself when no publication is open (or ``path`` lies outside the workspace)."""
    opened = _open()
    relative = _in_workspace(path, opened)
    return Path(path) if relative is None else opened[0] / relative


def current(path: Path) -> Path:
    """Where to read ``path`` from: the open publication's new copy if it wrote one. A table
    read directly under ``interim/`` is noted as one of the step's inputs."""
    opened = _open()
    relative = _in_workspace(path, opened)
    if relative is not None and len(relative.parts) == 4 and relative.parts[2] == "interim":
        _note(opened[0] / _READS, relative)
    new = staged(path)
    return new if new.exists() else Path(path)


def remove(path: Path) -> None:
    """Remove the file or folder ``path``: at the commit of the open publication, else now."""
    path = Path(path)
    opened = _open()
    relative = _in_workspace(path, opened)
    if relative is None:
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        return
    _note(opened[0] / _REMOVED, relative)
    new = opened[0] / relative
    shutil.rmtree(new) if new.is_dir() else new.unlink(missing_ok=True)


def replaces_folder(path: Path) -> None:
    """Note that the staged folder ``path`` replaces its target whole at the commit (what
    the target held before is not kept), as :func:`cjm.core.io.atomic_folder` means."""
    opened = _open()
    relative = opened and _relative(path, opened[0])
    if relative is not None:
        _note(opened[0] / _FOLDERS, relative)


def _note(listing: Path, relative: Path) -> None:
    listing.parent.mkdir(parents=True, exist_ok=True)
    with open(listing, "a", encoding="utf-8") as out:
        out.write(f"{relative.as_posix()}\n")


def _listed(listing: Path) -> list[str]:
    return list(dict.fromkeys(listing.read_text(encoding="utf-8").split())) if listing.exists() else []


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold an exclusive lock on ``folder`` (created if missing) while the block runs."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


class Publication:
    """Stage a step's writes and publish them as a set on success (see the module's text).

    Parameters
    ----------
    root : Path
        The workspace root (the folder holding ``data/`` and ``outputs/``).
    engagement : str
        The engagement's name.
    step : str
        The step's name (``02_clean``); names its staging folder.
    last : Path, optional
        A file moved into place after every other: the step's mark of completion for
        Make (its executed notebook).
    before_commit : callable, optional
        Called just before the commit, under the commit lock (no other step commits
        meanwhile): to fold the step's part into a file other steps write too.

    Used as a context manager: on an error nothing is published and the staging tree is
    removed; leftovers of an earlier killed run of the step are recovered on entry.
    """

    def __init__(self, root: Path, engagement: str, step: str, last: Path | None = None, before_commit=None):
        self.root = Path(os.path.abspath(root))
        self.data = self.root / "data" / engagement
        self.folder = self.data / ".staging" / step
        self.last = last
        self.before_commit = before_commit

    def __enter__(self) -> Publication:
        with _locked(self.data):
            recover(self.folder)
            self.folder.mkdir(parents=True)
        self._before = os.environ.get(STAGING)
        os.environ[STAGING] = str(self.folder)
        return self

    def __exit__(self, kind, error, trace) -> None:
        with _locked(self.data):
            try:
                if kind is None and self.before_commit is not None:
                    self.before_commit()
            except BaseException:
                recover(self.folder)
                raise
            finally:
                if self._before is None:
                    os.environ.pop(STAGING, None)
                else:
                    os.environ[STAGING] = self._before
            if kind is None:
                self.commit()
            else:
                recover(self.folder)

    def reads(self) -> list[str]:
        """The tables under ``interim/`` the step read (paths relative to the root), in order."""
        return _listed(self.folder / _READS)

    def moves(self) -> list[dict]:
        """The journal: each staged file or whole folder to move into place, then each
        path to remove, the ``last`` file at the very end."""
        folders = _listed(self.folder / _FOLDERS)
        entries = []
        for here, dirs, files in os.walk(self.folder):
            relative = Path(here).relative_to(self.folder)
            for name in sorted(dirs):
                if (relative / name).as_posix() in folders:
                    entries.append({"move": (relative / name).as_posix(), "whole": True})
            dirs[:] = sorted(d for d in dirs if (relative / d).as_posix() not in folders)
            entries += [{"move": (relative / name).as_posix()} for name in sorted(files)
                        if relative.parts or name not in _NOTES]
        moved = {entry.get("move") for entry in entries}
        entries += [{"remove": path} for path in _listed(self.folder / _REMOVED) if path not in moved]
        last = self.last and _relative(self.last, self.root)
        if last is not None:
            entries.sort(key=lambda entry: entry.get("move") == last.as_posix())
        return entries

    def commit(self) -> None:
        """Write the journal (renamed into place: the commit), then do its moves."""
        journal = self.folder / _JOURNAL
        draft = journal.with_suffix(".draft")
        with open(draft, "w", encoding="utf-8") as out:
            json.dump({"root": str(self.root), "entries": self.moves()}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(draft, journal)
        recover(self.folder)


def recover(folder: Path) -> None:
    """Finish or undo a publication in ``folder`` left by a killed run: with a journal
    (committed) its remaining moves are done; without, the staging tree is removed."""
    folder = Path(folder)
    journal = folder / _JOURNAL
    if journal.exists():
        plan = json.loads(journal.read_text(encoding="utf-8"))
        for entry in plan["entries"]:
            if "move" in entry:
                _move(folder / entry["move"], Path(plan["root"]) / entry["move"], entry.get("whole", False))
            else:
                target = Path(plan["root"]) / entry["remove"]
                shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):  # the last step's staging gone: no empty .staging/ left
        folder.parent.rmdir()


def _move(source: Path, target: Path, whole: bool) -> None:
    """Move a staged file or folder into place; done already (no ``source``): nothing."""
    old = target.with_name(f".{target.name}.old")
    if source.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        if whole:
            if old.exists():
                shutil.rmtree(old)
            if target.exists():
                target.rename(old)
        os.replace(source, target)
    if whole and old.exists():
        shutil.rmtree(old)


#: Temporary names of a write cut short outside a publication (a kernel killed in JupyterLab):
#: ``tempfile``'s ``.<name>.<8 characters>[suffix]``, ``.tmp.<name>`` and ``.<name>.old``.
LEFTOVER = re.compile(r"^\.(?:tmp\..+|.+\.old|.+\.[a-z0-9_]{8}(?:\.\w+)?|.+\.tmp)$")


def sweep(root: Path, engagement: str) -> list[str]:
    """Before a run (no step running): finish or undo every step's staging folder
    (:func:`recover`) and remove the temporary files and folders of cut-short writes under
    ``interim/`` and ``outputs/<e>/``; returns what was found, relative to ``root``."""
    root = Path(root)
    base = root / "data" / engagement / ".staging"
    found = sorted(p for p in base.iterdir()) if base.is_dir() else []
    for folder in found:
        recover(folder)
    for top in (root / "data" / engagement / "interim", root / "outputs" / engagement):
        if top.is_dir():
            leftovers = [p for p in top.rglob(".*") if LEFTOVER.match(p.name)]
            found += leftovers
            for path in sorted(leftovers, reverse=True):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    return [str(p.relative_to(root)) for p in found]
