"""Run one step's notebook the way ``make all`` does: executed by papermill inside a
:class:`~cjm.core.publication.Publication` (the step's tables, report files and executed
notebook land together, or nothing does), the executed notebook stripped of what changes
from run to run (times, papermill's paths, random cell ids), one line said on success and
one clear message on failure.

``python -m cjm.core.runner ENGAGEMENT SOURCE TARGET [INPUT ...]`` (the Makefile's recipe)
runs the notebook SOURCE for ENGAGEMENT and publishes it as TARGET. With its INPUTs (Make's
prerequisites but the other steps' notebooks: its notebook, params section, code), a step
whose inputs and the tables it reads are as at its last run is not run again: its outputs
are kept (:mod:`cjm.core.stamps`). A failed run prints the error the consultant can act on
(a :class:`~cjm.core.errors.CjmError`'s problem and fix, else the error's type and text) and
where the failed notebook is kept for details: ``data/<e>/logs/<step>.ipynb`` (never
shared), and exits 1.

On a terminal, a bar of the notebook's cells and of the long loops inside it is drawn while
it runs (:mod:`cjm.core.progress`); each of the runner's lines is whole, so that two steps
run side by side (``make -j2``) say their start and end on lines of their own.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

#: jsonschema (under nbformat and papermill) imports rfc3987_syntax, when installed, for the
#: "iri" string formats, which no notebook schema uses; its grammar cost ~0.8 s at the start of
#: every step. Marked absent, it is skipped: jsonschema checks notebooks without those formats.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat
from traitlets.config import Config

from cjm.core.files import add_consultant_note, clear_consultant_notes
from cjm.core.paths import EngagementPaths
from cjm.core.progress import OWNER, TERMINAL, SharedTerminal
from cjm.core.publication import Publication, remove, staged
from cjm.core.stamps import save_stamp, unchanged
from cjm.core.warm import warm_kernel_manager

#: Cell metadata papermill and the kernel write that differ between two runs.
VOLATILE_CELL_KEYS = ("execution", "papermill")
#: The id of the cell papermill injects with the run's parameters (random otherwise).
INJECTED = "injected-parameters"
#: The output of a widget (a progress bar).
WIDGET = "application/vnd.jupyter.widget-view+json"
#: An object's address in its plain-text form (``<Styler at 0x7f50…>``): another at each run.
ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without what differs between two runs of the same inputs: the run's times
    and durations, papermill's paths and environment, the random id of the injected
    parameters cell (its parameters are kept), progress-bar widgets (their ids are random,
    their text holds times; the report leaves them out anyway) and objects' memory
    addresses in plain-text outputs. Changes and returns ``nb``."""
    ran = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": ran.get("parameters", {})}
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [out for out in cell.outputs if WIDGET not in out.get("data", {})]
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if INJECTED in cell.metadata.get("tags", []):
            cell["id"] = INJECTED
        for output in cell.get("outputs", []):
            if "text/plain" in output.get("data", {}):
                output.data["text/plain"] = ADDRESS.sub(">", output.data["text/plain"])
    return nb


def kernel_config(sockets: Path) -> Config:
    """The kernel talks to papermill over local sockets in the folder ``sockets``, not over
    TCP ports: two steps started at once (``make -j``, the tests' parallel runs) cannot
    both draw the same free port ("Address already in use")."""
    return Config({"KernelManager": {"transport": "ipc", "ip": str(sockets / "kernel")}})


def failure_message(step: str, error: BaseException, details: Path) -> str:
    """What a failed step says: the consultant's error as raised (problem and fix), or
    an error in the code said as such, then where the executed notebook is kept."""
    name, text = getattr(error, "ename", type(error).__name__), getattr(error, "evalue", str(error))
    said = text if name == "CjmError" else f"{name}: {text} (an error in the code, not in the data: report it)"
    return f"{step} failed: {said}\n  Details: {details}"


def keep_other_chapters(log: Path, chapter: str) -> None:
    """Fold ``chapter``'s notes, as the step staged them, into the consultant's log as it is
    now (called just before the commit): steps run side by side each staged a whole copy of
    the log, and the later commit would drop the notes the other published meanwhile."""
    copy, notes, inside = staged(log), [], False
    if copy.exists():
        for line in copy.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                inside = line[3:].strip() == chapter
            elif inside and line.startswith("- "):
                notes.append(line[2:])
        copy.unlink()
    clear_consultant_notes(log, chapter)
    for note in notes:
        add_consultant_note(log, chapter, note)


def shared_terminal() -> SharedTerminal | None:
    """The terminal this runner's stderr writes to, shared with the steps running beside it;
    None when stderr is not a terminal."""
    return SharedTerminal(os.ttyname(sys.stderr.fileno()), os.getpid()) if sys.stderr.isatty() else None


def run_step(engagement: str, source: Path, target: Path, inputs: list[str] | tuple = ()) -> tuple[float, int | None]:
    """Execute the notebook ``source`` for ``engagement`` and publish it as ``target``
    with the step's outputs; returns the seconds it took and the number of files published,
    None when ``inputs`` (the step's files) and the tables it reads are as at its last run:
    then nothing runs and ``target`` is only marked up to date.

    Raises
    ------
    papermill.PapermillExecutionError
        If a cell failed; nothing of the run is published, and the failed notebook is
        kept under ``data/<e>/logs/``.
    """
    paths = EngagementPaths(engagement)
    step = Path(source).stem
    start = time.perf_counter()
    if inputs and Path(target).exists() and unchanged(paths, step, list(inputs)):
        os.utime(target)
        return time.perf_counter() - start, None
    import papermill

    terminal = shared_terminal()
    os.environ.update({TERMINAL: terminal.device if terminal else "", OWNER: str(os.getpid())})
    cells = terminal and {"desc": step, "file": terminal, "leave": False, "position": 0, "dynamic_ncols": True,
                          "disable": False}
    try:
        with Publication(paths.root, engagement, step, last=target,
                         before_commit=lambda: keep_other_chapters(paths.consultant_log, step[:2])) as publication:
            clear_consultant_notes(paths.consultant_log, step[:2])  # the run writes its chapter's notes anew
            executed = staged(Path(target))
            executed.parent.mkdir(parents=True, exist_ok=True)
            try:
                with tempfile.TemporaryDirectory(prefix="cjm-kernel-") as sockets:
                    papermill.execute_notebook(str(source), str(executed), parameters={"engagement": engagement},
                                               kernel_name="python3", progress_bar=cells or False,
                                               extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                               config=kernel_config(Path(sockets)),
                                               kernel_manager_class=warm_kernel_manager())
            except Exception:
                log = paths.data / "logs" / f"{step}.ipynb"
                log.parent.mkdir(parents=True, exist_ok=True)
                if executed.exists():
                    log.write_bytes(executed.read_bytes())
                raise
            nbformat.write(strip_volatile(nbformat.read(executed, as_version=4)), executed)
            remove(paths.data / "logs" / f"{step}.ipynb")
            moved = [entry["move"] for entry in publication.moves() if "move" in entry]
            reads = publication.reads()
    finally:
        if terminal:
            terminal.release()
    if inputs:
        logs = paths.data.relative_to(paths.root) / "logs"
        save_stamp(paths, step, list(inputs), reads, [m for m in moved if not Path(m).is_relative_to(logs)])
    return time.perf_counter() - start, len(moved)


def say(line: str) -> None:
    """Print one whole line in one write (steps side by side do not cut into each other's
    lines); on a terminal, over whatever bar another step drew there."""
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), (("\r\033[J" if sys.stdout.isatty() else "") + line + "\n").encode())


def main(argv: list[str] | None = None) -> int:
    engagement, source, target, *inputs = argv if argv is not None else sys.argv[1:]
    step = Path(source).stem
    say(f"{step} …")
    try:
        seconds, published = run_step(engagement, Path(source), Path(target), inputs)
    except Exception as error:  # one message, not papermill's traceback
        print(failure_message(step, error, EngagementPaths(engagement).data / "logs" / f"{step}.ipynb"),
              file=sys.stderr)
        return 1
    if published is None:
        say(f"{step}: what it reads is as at its last run: its outputs are kept ({seconds:.1f} s)")
    else:
        say(f"{step}: done in {seconds:.0f} s ({published} files and folders published)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
