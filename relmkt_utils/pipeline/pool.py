"""The batch's warm pool: one process that has imported everything a run needs, from which every
worker (and, through it, every kernel) is forked.

A run used to start two fresh interpreters, the worker (papermill, nbconvert) and its kernel
(IPython, numpy, pandas, matplotlib, statsmodels, the suite), and each imported the same few hundred
modules again: 3-5 s of CPU per run, more than most notebooks compute. The pool imports them once
per batch (:data:`PRELOAD`, and compiles the HTML templates); a run is then a ``fork`` of it, so a
worker starts with all of it in memory, and forks its kernel the same way (:mod:`.kernels`). Every
run still gets new processes that have never run a cell: the pool itself runs no notebook and holds
no event loop, socket or thread when it forks. Modules whose import reads the run's environment
(``pipeline.record``, ``pipeline.report``, ``notebook``) are not preloaded, nor is matplotlib's inline
backend, which configures the kernel it is imported into.

**Protocol.** The batch starts the pool (``python -m relmkt_utils.pipeline.pool``) with the workers'
environment (:func:`.batch.worker_environment`) in a session of its own and writes one JSON line per
run to its stdin: ``{"job": <job file>, "log": <log file>}``. The pool forks a worker, answers
``{"started": <pid>}`` and, when that worker ends, ``{"exited": <pid>, "code": <exit code>}``. The end
of its stdin ends the pool.

**Safety.** The pool ends with the batch (``PR_SET_PDEATHSIG``; on SIGTERM it ends its workers'
process trees first) and carries the batch's output folder in its environment, so the next batch
reaps it like any worker (:mod:`.processes`). Each worker starts a session of its own, ends with the
pool, and otherwise behaves as a worker the batch started itself (:mod:`.worker`): the batch holds a
:class:`PooledWorker` handle with ``pid``, ``poll()``, ``wait()`` and ``returncode``, and stops it with
the same ``stop_tree``. Where the pool cannot start, the batch starts its workers as new processes.
"""
from __future__ import annotations

import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

#: Imported once by the pool: what a worker and the suite's notebooks import.
PRELOAD = (
    # the worker: papermill, nbclient and the HTML export
    "papermill", "papermill.engines", "nbclient", "nbformat", "jupyter_client", "jupyter_client.provisioning",
    "nbconvert", "relmkt_utils.pipeline.html", "relmkt_utils.pipeline.kernels", "bs4",
    # the kernel
    "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "IPython.display", "matplotlib", "matplotlib.pyplot",
    "numpy", "pandas", "scipy.stats", "scipy.optimize", "scipy.special", "seaborn", "statsmodels.api",
    # the suite (the packages a notebook uses, their figures and narratives)
    "relmkt_utils.core", "relmkt_utils.data.datasets", "relmkt_utils.data.overview", "relmkt_utils.btyd",
    "relmkt_utils.loyalty", "relmkt_utils.value", "relmkt_utils.referral", "relmkt_utils.retention",
    "relmkt_utils.present", "relmkt_utils.present.narratives", "relmkt_utils.plots", "relmkt_utils.plots.btyd",
    "relmkt_utils.plots.loyalty", "relmkt_utils.plots.overview", "relmkt_utils.plots.referral",
    "relmkt_utils.plots.retention", "relmkt_utils.plots.value",
)
#: Modules the pool must not hold when it forks: importing them reads or changes the run's own state.
NOT_PRELOADED = ("relmkt_utils.pipeline.record", "relmkt_utils.pipeline.report", "relmkt_utils.notebook",
                 "matplotlib_inline.backend_inline")
READY_TIMEOUT_S = 300.0


# ------------------------------------------------------------------------------ the pool process

def preload() -> list[str]:
    """Import :data:`PRELOAD` and compile the HTML export's templates; the modules that failed."""
    from .startup import skip_unused_slow_imports

    skip_unused_slow_imports()
    failed = []
    _import_as_in_a_kernel("pandas")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:                                   # noqa: BLE001  (the run imports it, and says why)
            failed.append(name)
    try:
        _render_a_page()
    except Exception:                                       # noqa: BLE001
        failed.append("html templates")
    leaked = [name for name in NOT_PRELOADED if name in sys.modules]
    if leaked:
        raise RuntimeError(f"the warm pool imported {', '.join(leaked)}, which must be imported by each run")
    return failed


def _render_a_page() -> None:
    """Both HTML pages of a small executed notebook, written to a temporary folder and removed: every
    run's worker then finds the templates compiled and the code highlighter's and the HTML parser's
    patterns built (about 0.1 s of each run otherwise)."""
    import tempfile

    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from .html import render_pages

    code = new_code_cell("x = [1, 2]\nx", execution_count=1, outputs=[
        new_output("execute_result", {"text/plain": "[1, 2]"}, execution_count=1),
        new_output("display_data", {"text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "1"}),
        new_output("display_data", {"text/markdown": "*Table: a $y$ of the page.*", "text/plain": "y"})])
    nb = new_notebook(cells=[new_markdown_cell("# A page\n\nWith $x^2$ and *emphasis*."), code])
    with tempfile.TemporaryDirectory(prefix="relmkt-warm-") as folder:
        path = Path(folder) / "warm.ipynb"
        path.write_text(nbformat.writes(nb), encoding="utf-8")
        render_pages(path, Path(folder) / "warm.html", Path(folder) / "warm.code.html")


class _KernelShell:
    """What ``get_ipython()`` returns inside a Jupyter kernel, as far as an import looks at it."""

    kernel = True


def _import_as_in_a_kernel(name: str) -> None:
    """Import ``name`` as a kernel would: pandas chooses its default ``display.max_columns`` at import
    (20 under a Jupyter kernel, 0 in a terminal) by looking for ``get_ipython()``, which the pool has
    not (the kernel's shell is made after the fork)."""
    import builtins

    builtins.get_ipython = _KernelShell
    try:
        importlib.import_module(name)
    except Exception:                                       # noqa: BLE001  (the run imports it, and says why)
        pass
    finally:
        del builtins.get_ipython


def _send(doc: dict) -> None:
    data = (json.dumps(doc) + "\n").encode("utf-8")
    while data:
        data = data[os.write(1, data):]


def _become_worker(order: dict, pool_pid: int) -> int:
    """In the forked child: a worker with its own session, stdin from /dev/null, output to its log."""
    from .processes import die_with_parent, set_process_title, stop_children_on_sigterm
    from .worker import run

    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    log = os.open(order["log"], os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(devnull)
    os.close(log)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stop_children_on_sigterm()
    die_with_parent(pool_pid)
    set_process_title(f"python -m relmkt_utils.pipeline.worker {order['job']}")
    return run(order["job"], fork_kernel=True)


def _fork_worker(order: dict) -> int:
    pool_pid = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = _become_worker(order, pool_pid)
        except BaseException:                               # noqa: BLE001  (never return into the pool's loop)
            import traceback

            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:                           # noqa: BLE001
                    pass
            os._exit(code)
    return pid


def _end_workers(workers: set[int]) -> None:
    from .processes import descendants, signal_all, wait_gone

    pids = [p for w in workers for p in (w, *descendants(w))]
    signal_all(pids, signal.SIGTERM)
    signal_all(wait_gone(pids, 3.0), signal.SIGKILL)


def serve() -> int:
    """The pool's life (module docstring): preload, then fork a worker for each order on stdin."""
    from .processes import BATCH_PID_ENV, die_with_parent, set_process_title

    workers: set[int] = set()

    def stop(signum, frame):
        _end_workers(workers)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)           # Ctrl-C is the batch's to handle
    die_with_parent(int(os.environ.get(BATCH_PID_ENV) or 0) or None)
    set_process_title("python -m relmkt_utils.pipeline.pool (relmkt run: warm pool)")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")   # as each worker sets it
    failed = preload()
    _send({"ready": True, "failed": failed})
    buffer = b""
    open_input = True
    while open_input or workers:
        ready, _, _ = select.select([0] if open_input else [], [], [], 0.05)
        while workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                workers.clear()
                break
            if not pid:
                break
            if pid in workers:
                workers.discard(pid)
                _send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})
        if not ready:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            open_input = False                              # the batch is done: finish the workers it still waits for
            continue
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                pid = _fork_worker(json.loads(line))
                workers.add(pid)
                _send({"started": pid})
    return 0


# ------------------------------------------------------------------------------ the batch's side

class PoolError(Exception):
    """The pool could not start or stopped answering."""


class Pool:
    """The batch's handle of its warm pool (module docstring)."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen([sys.executable, "-m", "relmkt_utils.pipeline.pool"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                     start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buffer = b""
        self.ready = False
        self.exited: dict[int, int] = {}
        self._started: list[int] = []

    def _read(self, timeout: float) -> None:
        """Read what the pool has said within ``timeout`` seconds."""
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            raise PoolError("the warm pool stopped")
        self._buffer += chunk
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            doc = json.loads(line)
            if "ready" in doc:
                self.ready = True
            elif "started" in doc:
                self._started.append(int(doc["started"]))
            elif "exited" in doc:
                self.exited[int(doc["exited"])] = int(doc["code"])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def is_ready(self) -> bool:
        """Whether the pool has imported everything (never blocks; a pool that stopped counts as ready: the
        batch then starts its workers as new processes)."""
        if not self.ready:
            try:
                self.collect_or_raise()
            except PoolError:
                return True
        return self.ready or not self.alive()

    def start(self, job_file: Path, log_file: Path) -> PooledWorker:
        """Fork a worker for a job (waits, the first time, until the pool has imported everything)."""
        line = json.dumps({"job": str(job_file), "log": str(log_file)}) + "\n"
        try:
            self.proc.stdin.write(line.encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise PoolError("the warm pool stopped") from None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self._started:
            if not self.alive() or time.monotonic() > deadline:
                raise PoolError("the warm pool did not start a worker")
            self._read(0.05)
        return PooledWorker(self, self._started.pop(0), [str(job_file)])

    def collect(self) -> None:
        """Take in the exits the pool has reported (never blocks)."""
        try:
            self.collect_or_raise()
        except PoolError:
            return

    def collect_or_raise(self) -> None:
        """:meth:`collect`, raising PoolError when the pool has stopped."""
        while True:
            before = len(self._buffer), len(self.exited), len(self._started), self.ready
            self._read(0)
            if (len(self._buffer), len(self.exited), len(self._started), self.ready) == before:
                return

    def close(self) -> None:
        """End the pool: no more orders; it ends when its workers have (the batch stops those first)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            from .processes import stop_tree

            stop_tree(self.proc)


class PooledWorker:
    """A worker forked by the pool, seen by the batch as a ``subprocess.Popen`` (``pid``, ``poll``,
    ``wait``, ``returncode``)."""

    def __init__(self, pool: Pool, pid: int, args):
        self.pool, self.pid, self.args = pool, pid, args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.pool.collect()
            if self.pid in self.pool.exited:
                self.returncode = self.pool.exited.pop(self.pid)
            elif not self.pool.alive():
                from .processes import alive

                if not alive(self.pid):              # the pool is gone, and the worker with it
                    self.returncode = -signal.SIGKILL
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(0.01)
        return self.returncode


if __name__ == "__main__":
    code = serve()
    os._exit(code)                 # no teardown of the hundreds of modules the pool holds
