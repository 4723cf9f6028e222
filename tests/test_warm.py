"""Warm kernels (cjm.core.warm): a notebook run in a kernel forked by the zygote gives what a
kernel started afresh gives; the zygote kills the kernel of a runner that is gone and ends
when idle."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from cjm.core import warm
from cjm.core.runner import kernel_config

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="warm kernels are forked: Linux only")

#: A notebook saying where and how its kernel runs, and drawing a figure.
CELLS = [
    "import os, sys\nfrom pathlib import Path",
    "print(Path.cwd().name, os.environ.get('CJM_PROBE'), sorted(k for k in globals() if not k.startswith('_')))",
    "import matplotlib\nprint(matplotlib.get_backend())",
    "import matplotlib.pyplot as plt\nplt.figure(figsize=(2, 1), dpi=50)\nplt.plot([0, 1], [1, 0])\nplt.show()",
    "print(sys.path[0] == '' or Path(sys.path[0]) != Path.cwd(), 'cjm' in sys.modules)",
    "print(Path(f'/proc/{os.getppid()}/cmdline').read_bytes().split(b'\\0')[1:3])",
]


def run(folder: Path, name: str, warm_kernel: bool, monkeypatch) -> list:
    """The outputs of :data:`CELLS` run by papermill from ``folder`` as the runner runs a step."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in CELLS])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "in.ipynb")
    monkeypatch.setenv(warm.SWITCH, "1" if warm_kernel else "0")
    monkeypatch.setenv("CJM_PROBE", name)
    monkeypatch.chdir(folder)
    sockets = folder / name
    sockets.mkdir()
    papermill.execute_notebook(str(folder / "in.ipynb"), str(folder / f"{name}.ipynb"), kernel_name="python3",
                               progress_bar=False, config=kernel_config(sockets),
                               kernel_manager_class=warm.warm_kernel_manager())
    return [cell.outputs for cell in nbformat.read(folder / f"{name}.ipynb", as_version=4).cells]


@pytest.mark.slow
def test_a_forked_kernel_runs_a_notebook_as_a_fresh_one(tmp_path, monkeypatch):
    fresh = run(tmp_path, "fresh", False, monkeypatch)
    forked = run(tmp_path, "forked", True, monkeypatch)
    texts = [[output.get("text", "") for output in cell] for cell in forked]
    names = "['In', 'Out', 'Path', 'exit', 'get_ipython', 'open', 'os', 'quit', 'sys']"
    assert texts[1] == [f"{tmp_path.name} forked {names}\n"]  # its folder, its environment, a fresh namespace
    assert [o.get("text", "") for o in fresh[1]] == [f"{tmp_path.name} fresh {names}\n"]
    assert texts[2] == ["module://matplotlib_inline.backend_inline\n"]  # figures shown in the notebook
    assert forked[3][0]["data"]["image/png"] == fresh[3][0]["data"]["image/png"]
    assert texts[4] == ["True False\n"]  # the launcher's sys.path; not the zygote's cjm
    assert texts[5] == [f"{[b'-m', b'cjm.core.warm']}\n"]  # forked by the zygote
    assert [o.get("text", "") for o in fresh[5]] != texts[5]  # afresh: a child of the runner


def _kernel_command(folder: Path) -> list[str]:
    from jupyter_client.connect import write_connection_file

    connection_file, _ = write_connection_file(str(folder / "kernel.json"), transport="ipc",
                                               ip=str(folder / "k"))
    return [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file]


def _parent(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().split()[3]


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/stat")
        if not status.exists() or status.read_text().split()[2] == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_the_zygote_kills_the_kernel_of_a_runner_gone_and_reports_an_ended_one(tmp_path):
    env = {**os.environ, warm.SWITCH: "1", "CJM_PROBE": "zygote"}
    warm.start(env, str(tmp_path))  # as make's preflight starts it, ahead of the steps
    with open(os.devnull, "rb") as nothing, open(os.devnull, "wb") as sink:
        streams = (nothing.fileno(), sink.fileno(), sink.fileno())
        kernel = warm.fork_kernel(_kernel_command(tmp_path), env, str(tmp_path), streams)
        assert kernel is not None and kernel.poll() is None
        zygote = _parent(kernel.pid)
        assert b"serve" in Path(f"/proc/{zygote}/cmdline").read_bytes()
        kernel.terminate()
        assert kernel.wait(10) != 0  # ended by the signal, as the zygote saw it
        orphan = warm.fork_kernel(_kernel_command(tmp_path), env, str(tmp_path), streams)
    assert _parent(orphan.pid) == zygote  # the zygote started ahead serves both
    orphan.connection.close()  # the runner is gone
    assert _gone(orphan.pid)


def test_a_zygote_ignores_a_stray_request_ends_when_idle_and_leaves_no_socket(tmp_path):
    path = tmp_path / "z.sock"
    code = ("import sys; from pathlib import Path; import cjm.core.warm as w; "
            "w.IDLE_SECONDS, w.WARM_MODULES = 0.3, (); w.serve(Path(sys.argv[1]))")
    zygote = subprocess.Popen([sys.executable, "-c", code, str(path)])
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    connection.connect(str(path))  # listening
    connection.send(b"not a request")
    connection.close()
    assert zygote.wait(10) == 0
    assert not path.exists()


def test_one_zygote_per_python_environment(tmp_path):
    env = {"PATH": "/usr/bin", "PYTHONPATH": "/a"}
    same = warm.socket_path(env, str(tmp_path))
    per_step = {"CJM_STAGING": "/x", "CJM_PROGRESS_OWNER": "12", "CJM_ROOT": "/e", "JPY_PARENT_PID": "1",
                "MAKEFLAGS": " -j2 --jobserver-auth=fifo:/tmp/GMfifo1", "MAKELEVEL": "1",
                "PYTEST_CURRENT_TEST": "tests/test_x.py::test_y (call)"}
    assert warm.socket_path({**env, **per_step}, str(tmp_path)) == same
    assert warm.socket_path({**env, "PYTHONPATH": "/b"}, str(tmp_path)) != same
    assert warm.socket_path({**env, "OMP_NUM_THREADS": "1"}, str(tmp_path)) != same
    assert warm.socket_path(env, str(tmp_path / "elsewhere")) != same
    assert same.parent.stat().st_mode & 0o777 == 0o700


def test_another_kernel_or_the_switch_off_starts_afresh(tmp_path, monkeypatch):
    streams = (0, 1, 2)
    other = ["/usr/bin/env", "-m", "ipykernel_launcher", "-f", "k.json"]
    assert warm.fork_kernel(other, dict(os.environ), str(tmp_path), streams) is None
    monkeypatch.setenv(warm.SWITCH, "0")
    assert not warm.available()


def test_a_kernel_shut_down_at_a_steps_end_is_not_interrupted(monkeypatch):
    import asyncio

    from jupyter_client import AsyncKernelManager

    interrupted = []

    async def interrupt(self):
        interrupted.append(self.shutting_down)

    monkeypatch.setattr(AsyncKernelManager, "_async_interrupt_kernel", interrupt)
    manager = warm.warm_kernel_manager()()
    for shutting_down in (True, False):
        manager.shutting_down = shutting_down
        asyncio.run(manager._async_interrupt_kernel())
    assert interrupted == [False]  # interrupted while running only
