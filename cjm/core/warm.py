"""Warm kernels: each step's notebook still runs in a kernel of its own, but the kernel is
forked from a process that has already imported what every step imports.

A kernel started afresh spends 2 to 2.5 s before the notebook's first cell has run:
starting Python and ipykernel, then importing pandas, matplotlib and scipy in the imports
cell. ``make all`` runs seven steps, each in a new kernel. The first step the runner
executes (or make's preflight, ahead of it: ``python -m cjm.core.warm start``) starts a
**zygote**: ``python -m cjm.core.warm serve SOCKET``, a process that imports those
libraries once (:data:`WARM_MODULES`, third-party only: never cjm, whose code a consultant
edits between runs) and then waits on a Unix socket. Each step's kernel manager
(:func:`warm_kernel_manager`, given to papermill by :mod:`cjm.core.runner`) asks it for a
kernel: the zygote forks, and the child becomes the kernel (``ipykernel``'s own
entry point, with the runner's arguments, environment, folder and standard streams), in a
session of its own as a kernel started afresh is. Papermill talks to it as to any kernel
and shuts it down at the step's end; the next step gets a new fork. A notebook therefore
starts from the same state as before, with a few modules already in memory.

One zygote serves one environment: its socket is named by a digest of the Python, this
module's code, the folder and the environment variables (but cjm's own, make's,
jupyter_client's and pytest's, which what it imports does not read), so a changed
``PYTHONPATH`` gets a zygote of its own. A zygote ends when no kernel of its own has run
for :data:`IDLE_SECONDS`; it kills a kernel whose runner has gone. Where anything of this
is not available (not Linux, another kernel, a zygote that does not answer) the kernel is
started afresh, as jupyter_client does, and ``CJM_WARM_KERNEL=0`` turns the zygote off.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

#: Imported by the zygote before it forks kernels: what the steps' notebooks import.
WARM_MODULES = ("IPython", "ipykernel.kernelapp", "numpy", "pandas", "pyarrow.parquet", "scipy.stats",
                "sklearn.cluster", "statsmodels.regression.linear_model", "statsmodels.discrete.discrete_model",
                "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg", "fontTools.subset",
                "openpyxl", "babel.numbers", "simplemma", "yaml")
#: Environment variables no library the zygote imports reads, set per step or per run (by cjm,
#: jupyter_client, make or pytest): kernels differing in them alone share a zygote, and get their own.
UNREAD = ("CJM_", "JPY_PARENT_PID", "JPY_SESSION_NAME", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMINAL",
          "PYTEST_")
#: A zygote with no kernel running ends after this many seconds without a request.
IDLE_SECONDS = 20.0
#: How long a runner waits for a zygote it started to take requests.
START_SECONDS = 30.0
#: Set to 0 to start every kernel afresh.
SWITCH = "CJM_WARM_KERNEL"
_LAUNCHER = ["-m", "ipykernel_launcher"]


def available() -> bool:
    """Warm kernels work here: Linux (fork, Unix sockets passing descriptors), not switched off."""
    return sys.platform == "linux" and os.environ.get(SWITCH, "1") != "0"


def socket_path(env: dict[str, str], cwd: str) -> Path:
    """The socket of the zygote serving kernels of ``env`` in ``cwd`` with this Python."""
    shared = {key: value for key, value in env.items() if not key.startswith(UNREAD)}
    own_code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # a zygote runs its own version
    digest = hashlib.sha256(json.dumps([sys.executable, cwd, own_code, sorted(shared.items())]).encode())
    digest = digest.hexdigest()[:20]
    folder = Path(tempfile.gettempdir()) / f"cjm-warm-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{digest}.sock"


# --- the runner's side ------------------------------------------------------------------------------


class ForkedKernel:
    """A kernel forked by a zygote, seen by jupyter_client as the ``Popen`` of a kernel started
    afresh: ``pid``, ``poll``, ``wait``, ``send_signal``, ``kill``, ``terminate``. Its exit
    status comes from the zygote (the kernel's parent) over ``connection``, which stays open
    while the kernel lives: the zygote kills a kernel whose connection closes."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, connection: socket.socket):
        self.pid, self.connection, self.returncode = pid, connection, None

    def _status(self, timeout: float | None) -> int | None:
        if self.returncode is None and select.select([self.connection], [], [], timeout)[0]:
            message = self.connection.recv(4096)
            # the zygote gone without saying: the kernel is killed with its session
            self.returncode = json.loads(message)["exit"] if message else self._kill_session()
            self.connection.close()
        return self.returncode

    def _kill_session(self) -> int:
        kill_kernel(self.pid)
        return -signal.SIGKILL

    def poll(self) -> int | None:
        return self._status(0)

    def wait(self, timeout: float | None = None) -> int:
        if self._status(timeout) is None:
            raise subprocess.TimeoutExpired("kernel", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def kill_kernel(pid: int) -> None:
    """Kill the forked kernel ``pid`` and what it started (its session, once it has made it its
    own: just forked, it may not have yet)."""
    for kill in (os.kill, os.killpg):
        with contextlib.suppress(ProcessLookupError):
            kill(pid, signal.SIGKILL)


def _connect(path: Path, started: bool) -> socket.socket | None:
    """A connection to the zygote at ``path``; None when there is none (``started``: one is
    starting, wait for it to listen)."""
    deadline = time.monotonic() + (START_SECONDS if started else 0)
    while True:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            connection.connect(str(path))
            return connection
        except OSError:
            connection.close()
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)


def _listening(path: Path) -> bool:
    probe = _connect(path, started=False)
    if probe:
        probe.close()
    return probe is not None


def start(env: dict[str, str], cwd: str) -> Path:
    """Start the zygote for ``env`` and ``cwd`` unless it runs (one caller at a time starts it,
    under a lock), without waiting for it; returns its socket."""
    path = socket_path(env, cwd)
    if not _listening(path):
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _listening(path):
                path.unlink(missing_ok=True)
                zygote_env = {key: value for key, value in env.items() if not key.startswith(UNREAD)}
                subprocess.Popen([sys.executable, "-m", __name__, "serve", str(path)], cwd=cwd, env=zygote_env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
    return path


def fork_kernel(cmd: list[str], env: dict[str, str], cwd: str, streams: tuple[int, int, int]) -> ForkedKernel | None:
    """A kernel running ``cmd`` (``python -m ipykernel_launcher ARGS``) forked by the zygote,
    with ``env``, in ``cwd``, on the file descriptors ``streams`` (stdin, stdout, stderr);
    None when ``cmd`` is another kernel's or no zygote answers."""
    if Path(cmd[0]).resolve() != Path(sys.executable).resolve() or cmd[1:3] != _LAUNCHER:
        return None
    connection = _connect(start(env, cwd), started=True)
    if connection is None:
        return None
    try:
        request = json.dumps({"argv": cmd[3:], "env": env, "cwd": cwd}).encode()
        connection.settimeout(START_SECONDS)  # the zygote may still be importing
        socket.send_fds(connection, [request], list(streams))
        reply = connection.recv(4096)
        connection.settimeout(None)
    except OSError:
        reply = b""
    if not reply:
        connection.close()
        return None
    return ForkedKernel(json.loads(reply)["pid"], connection)


def _warm_provisioner():
    from jupyter_client.provisioning import LocalProvisioner

    class WarmProvisioner(LocalProvisioner):
        """LocalProvisioner whose kernel is forked by a zygote when one can be had."""

        async def launch_kernel(self, cmd, **kwargs):
            streams = [kwargs.get(name) for name in ("stdin", "stdout", "stderr")]
            kernel = None
            if all(stream is None for stream in streams):
                env, cwd = dict(kwargs.get("env") or os.environ), kwargs.get("cwd") or os.getcwd()
                with open(os.devnull, "rb") as nothing:
                    kernel = fork_kernel(cmd, env, str(cwd), (nothing.fileno(), sys.stdout.fileno(),
                                                              sys.stderr.fileno()))
            if kernel is None:
                return await super().launch_kernel(cmd, **kwargs)
            self.process, self.pid, self.pgid = kernel, kernel.pid, kernel.pid
            return self.connection_info

    return WarmProvisioner


def warm_kernel_manager():
    """The kernel manager class papermill is given (``kernel_manager_class``): jupyter_client's,
    with kernels forked by the zygote when :func:`available`, not interrupted on shutdown."""
    from jupyter_client import AsyncKernelManager

    class WarmKernelManager(AsyncKernelManager):
        async def _async_interrupt_kernel(self):
            # jupyter_client interrupts a kernel before asking it to shut down; at a step's end it
            # is idle and shuts down when asked, and an interrupt caught mid-message would print
            # "KeyboardInterrupt caught in kernel" on the consultant's terminal
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None and available():
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = _warm_provisioner()(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                       parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return WarmKernelManager


# --- the zygote -------------------------------------------------------------------------------------


def _become_kernel(request: dict, streams: list[int]) -> None:
    """In the forked child: the kernel of ``request``, as ``python -m ipykernel_launcher``
    would start it in a session of its own. Never returns."""
    code = 1
    try:
        os.setsid()
        for target, stream in enumerate(streams):
            os.dup2(stream, target)
            os.close(stream)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if sys.path and Path(sys.path[0] or ".").resolve() == Path.cwd():
            del sys.path[0]
        for name in [name for name in sys.modules if name == "cjm" or name.startswith("cjm.")]:
            del sys.modules[name]  # the zygote's own: the notebook imports cjm's code as it is now
        # its parent is the zygote, not the runner (ipykernel read JPY_PARENT_PID when the zygote imported it)
        sys.argv = [str(Path(importlib.import_module("ipykernel_launcher").__file__)), *request["argv"],
                    f"--IPKernelApp.parent_handle={os.getppid()}"]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else 0
    finally:
        os._exit(code)


def serve(path: Path) -> None:
    """Listen at ``path`` and fork a kernel for each request, importing :data:`WARM_MODULES`
    one by one while none waits (a kernel asked for early imports the rest itself), until no
    kernel has run for :data:`IDLE_SECONDS`."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(str(path))
    server.listen(16)
    # matplotlib reads its backend from the environment when imported: the one ipykernel sets
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    to_import = list(WARM_MODULES)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    kernels: dict[int, socket.socket | None] = {}  # a kernel's pid -> its runner's connection (None: gone)
    try:
        while True:
            runners = [connection for connection in kernels.values() if connection]
            wait = 0 if to_import else None if kernels else IDLE_SECONDS
            ready = select.select([server, wake_read, *runners], [], [], wait)[0]
            if not ready and to_import:
                with contextlib.suppress(ImportError):
                    importlib.import_module(to_import.pop(0))
                continue
            if not ready:
                return
            if wake_read in ready:
                os.read(wake_read, 4096)
                _reap(kernels)
            for pid, connection in list(kernels.items()):
                if connection in ready and not connection.recv(4096):  # its runner is gone: so is the kernel
                    connection.close()
                    kernels[pid] = None
                    kill_kernel(pid)
            if server in ready:
                connection = server.accept()[0]
                message, streams, _, _ = socket.recv_fds(connection, 1 << 20, 3)
                if len(streams) != 3 or not message:  # not a runner's request
                    for stream in streams:
                        os.close(stream)
                    connection.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for other in (server, *runners, connection):
                        other.close()
                    _become_kernel(json.loads(message), streams)
                for stream in streams:
                    os.close(stream)
                connection.send(json.dumps({"pid": pid}).encode())
                kernels[pid] = connection
    finally:
        server.close()
        path.unlink(missing_ok=True)


def _reap(kernels: dict[int, socket.socket | None]) -> None:
    """Collect the kernels that ended and tell each one's runner its exit status."""
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = kernels.pop(pid, None)
        if connection:
            try:
                connection.send(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())
            except OSError:
                pass
            connection.close()


if __name__ == "__main__":
    # ``start``: the zygote of this environment, started ahead of the steps (make's preflight);
    # ``serve SOCKET``: be the zygote
    if sys.argv[1:] == ["start"]:
        if available():
            start(dict(os.environ), os.getcwd())
    else:
        serve(Path(sys.argv[2]))
