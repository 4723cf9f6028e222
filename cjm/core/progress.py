"""Progress of long work on the consultant's terminal, never in a notebook or the report.

``make all`` executes each step's notebook in a kernel whose outputs become the client's
report: a bar written there would be a page of it. So the runner (:mod:`cjm.core.runner`),
when its stderr is a terminal, names that terminal in the environment variable
:data:`TERMINAL`; its bar of the notebook's cells and the bars of long loops in the kernel
(:func:`progress`) are written to the terminal directly. Not on a terminal (CI, a log) the
variable is empty: no bars, only the runner's lines. Outside the runner (a consultant's
JupyterLab, a script) :func:`progress` is tqdm's own bar (a widget in a notebook). The
Makefile disables tqdm's own bars off a terminal (``TQDM_DISABLE``), not the runner's.

Steps running side by side (``make -j2``) share the terminal: one runner draws at a time,
the first to draw holding it until it ends (:class:`SharedTerminal`); the others' bars are
not drawn meanwhile.
"""

from __future__ import annotations

import fcntl
import io
import os
import tempfile
from pathlib import Path

#: The environment variable naming the terminal bars go to ("": none, unset: not under the runner).
TERMINAL = "CJM_PROGRESS"
#: The environment variable holding the process id of the runner whose bars these are.
OWNER = "CJM_PROGRESS_OWNER"
#: Line of the kernel's bars, under the runner's bar of the cells.
KERNEL_LINE = 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SharedTerminal(io.TextIOBase):
    """The terminal ``device`` as a stream that writes only while the runner ``owner`` (a
    process id) holds it: the first runner to write holds it until :meth:`release` (or its
    end), the others' writes are dropped meanwhile. The holder is named in a lock file of
    the temporary folder, one per terminal."""

    def __init__(self, device: str, owner: int):
        self.device, self.owner = device, str(owner)
        self.lock = Path(tempfile.gettempdir()) / f"cjm-progress{device.replace('/', '-')}.lock"
        self.stream = None

    def _holds(self) -> bool:
        with open(self.lock, "a+", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            lock.seek(0)
            holder = lock.read().strip()
            if holder and holder != self.owner and _alive(int(holder)):
                return False
            if holder != self.owner:
                lock.seek(0)
                lock.truncate()
                lock.write(self.owner)
        return True

    def write(self, text: str) -> int:
        if self._holds():
            if self.stream is None:
                self.stream = open(self.device, "a", encoding="utf-8")  # noqa: SIM115 (closed by close())
            self.stream.write(text)
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        if self.stream is not None:
            self.stream.flush()

    def isatty(self) -> bool:
        return True

    def release(self) -> None:
        """Let another runner draw: clear the holder if it is this one."""
        with open(self.lock, "a+", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            lock.seek(0)
            if lock.read().strip() == self.owner:
                lock.truncate(0)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
        super().close()


def progress(iterable=None, total: int | None = None, desc: str | None = None):
    """A progress bar over ``iterable`` (or updated by hand, of ``total`` steps) labelled
    ``desc``: on the runner's terminal, nowhere when the runner has none, tqdm's own outside
    the runner (see the module's text). Cleared when done.

    >>> sum(progress(range(3), desc="demo"))
    3
    """
    device = os.environ.get(TERMINAL)
    if device is None:
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, leave=False)
    from tqdm import tqdm

    if not device:
        return tqdm(iterable, total=total, desc=desc, disable=True)
    return tqdm(iterable, total=total, desc=desc, leave=False, dynamic_ncols=True, position=KERNEL_LINE,
                file=SharedTerminal(device, int(os.environ.get(OWNER) or os.getpid())), disable=False)
