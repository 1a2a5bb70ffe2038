"""A notebook's kernel forked from its worker, which already holds every module a notebook imports.

A worker forked from the warm pool (:mod:`.pool`) has numpy, pandas, matplotlib, statsmodels, IPython,
ipykernel and the suite imported. Starting the kernel with ``python -m ipykernel_launcher`` would
import all of it again (2-3 s of CPU per run); instead the worker forks, first thing and before any
event loop, socket or thread exists, a child that waits for its launch instructions
(:class:`KernelSlot`). When papermill's kernel manager launches the kernel, :func:`launch_kernel`
(put in place of jupyter_client's by :func:`forked_kernels`) hands the slot the command, environment
and working folder the manager chose; the child starts a session of its own, takes that environment
and folder and runs ``ipykernel`` exactly as ``ipykernel_launcher`` would, with the same connection
file. Each run's kernel is a new process that has never run a cell: only modules are shared.

The kernel is the worker's child, so the batch's guarantees hold unchanged: it ends with its worker
(``PR_SET_PDEATHSIG``, and ipykernel's own parent poller through ``JPY_PARENT_PID``), the worker's
SIGTERM handler ends it, and ``stop_tree`` finds it among the worker's descendants. Its command line
reads ``ipykernel_launcher`` (:func:`.processes.set_process_title`). A kernel command that is not
``python -m ipykernel_launcher``, or a second launch, is started the ordinary way.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from functools import lru_cache

#: The module ``python -m`` runs for a Python kernel (the kernel spec's argv).
LAUNCHER = "ipykernel_launcher"
ACK_TIMEOUT_S = 30.0


class Forked:
    """A ``subprocess.Popen``-like handle of a child made with ``os.fork`` (what jupyter_client's
    provisioner and the batch use of it: ``pid``, ``poll``, ``wait``, signals, ``returncode``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, args=None):
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:          # reaped elsewhere: it has ended, its status is unknown
                self.returncode = -signal.SIGKILL
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def kernel_arguments(cmd) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` of a kernel command, or None for another kind."""
    cmd = [str(c) for c in cmd]
    for i in range(len(cmd) - 1):
        if cmd[i] == "-m" and cmd[i + 1] == LAUNCHER:
            return cmd[i + 2:]
    return None


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class KernelSlot:
    """A child forked now that becomes the kernel later (module docstring). Create it while the
    process has no thread, event loop or socket; :meth:`launch` once, or :meth:`discard`."""

    def __init__(self):
        orders_r, orders_w = os.pipe()
        ack_r, ack_w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:                                           # the slot
            os.close(orders_w)
            os.close(ack_r)
            code = 1
            try:
                code = _serve(orders_r, ack_w, parent)
            except BaseException:                              # noqa: BLE001  (never return into the worker)
                import traceback

                traceback.print_exc()
            finally:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except Exception:                          # noqa: BLE001
                        pass
                os._exit(code)
        os.close(orders_r)
        os.close(ack_w)
        self.pid, self._orders, self._ack = pid, orders_w, ack_r
        self.used = False

    def launch(self, args: list[str], env: dict, cwd: str | None) -> Forked:
        """Start the kernel in the slot with ``args`` (those of ``ipykernel_launcher``), ``env`` and
        ``cwd``; returns when the kernel has its own session (so that its process group is its own)."""
        self.used = True
        _write_all(self._orders, json.dumps({"args": args, "env": env, "cwd": cwd}).encode("utf-8"))
        os.close(self._orders)
        deadline = time.monotonic() + ACK_TIMEOUT_S
        ack = b""
        import select

        while not ack and time.monotonic() < deadline:
            ready, _, _ = select.select([self._ack], [], [], 0.1)
            if ready:
                ack = os.read(self._ack, 16) or b"eof"
        os.close(self._ack)
        return Forked(self.pid, ["ipykernel_launcher", *args])

    def discard(self) -> None:
        """End an unused slot (it sees the end of its orders and exits)."""
        if self.used:
            return
        self.used = True
        for fd in (self._orders, self._ack):
            try:
                os.close(fd)
            except OSError:
                pass
        Forked(self.pid).wait(timeout=10)


def _serve(orders: int, ack: int, parent: int) -> int:
    """The slot's life: wait for the orders, then be the kernel (returns its exit code)."""
    from .processes import die_with_parent, set_process_title

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    data = _read_all(orders)
    os.close(orders)
    if not data:
        return 0
    order = json.loads(data.decode("utf-8"))
    os.setsid()                                          # as jupyter_client starts a kernel: a session of its own
    os.write(ack, b"ok")
    os.close(ack)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(order["env"])
    if order.get("cwd"):
        os.chdir(order["cwd"])
    args = list(order["args"])
    set_process_title(" ".join(["python -m", LAUNCHER, *args]))
    import ipykernel_launcher

    sys.argv = [ipykernel_launcher.__file__, *args]
    # as ``python -m ipykernel_launcher`` does: the start folder is not on the path (IPython adds '')
    while sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    from ipykernel import kernelapp

    try:
        kernelapp.launch_new_instance(argv=args)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0


_SLOT: KernelSlot | None = None


def launch_kernel(cmd, stdin=None, stdout=None, stderr=None, env=None, independent=False, cwd=None, **kw):
    """jupyter_client's ``launch_kernel`` for a worker with a :class:`KernelSlot`: a Python kernel is
    started in the slot; anything else as jupyter_client does."""
    from jupyter_client import launcher

    args = kernel_arguments(cmd)
    slot = _SLOT
    if slot is None or slot.used or args is None or independent or stdin is not None or kw:
        return launcher.launch_kernel(cmd, stdin=stdin, stdout=stdout, stderr=stderr, env=env,
                                      independent=independent, cwd=cwd, **kw)
    env = dict(os.environ if env is None else env)
    env["JPY_PARENT_PID"] = str(os.getpid())
    return slot.launch(args, env, cwd)


@contextmanager
def forked_kernels():
    """Within the block, the kernel papermill starts is forked from this process (module docstring)."""
    global _SLOT
    from jupyter_client.provisioning import local_provisioner

    slot = KernelSlot()
    original = local_provisioner.launch_kernel
    _SLOT, local_provisioner.launch_kernel = slot, launch_kernel
    try:
        yield slot
    finally:
        local_provisioner.launch_kernel = original
        _SLOT = None
        slot.discard()


# --------------------------------------------------------------------------- the client's start-up wait

#: After the kernel answers ``kernel_info``, jupyter_client reads IOPub until it has been quiet for 0.2 s,
#: to drop the kernel's start-up messages: a fixed 0.2 s of every run. The batch waits this long instead.
#: Nothing depends on the flush: nbclient reads only the IOPub messages whose parent is the request it
#: sent (``_async_poll_output_msg``), so a start-up message that arrives later is skipped there.
IOPUB_QUIET_S = 0.02


@lru_cache(maxsize=None)
def quick_ready_manager():
    """jupyter_client's ``AsyncKernelManager`` whose clients end the start-up IOPub flush after
    :data:`IOPUB_QUIET_S` of quiet (for nbclient's ``kernel_manager_class``)."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class QuickReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout=None):
            channel = self.iopub_channel
            plain = channel.get_msg

            def get_msg(*args, timeout=None, **kwargs):       # jupyter_client's 0.2 s waits, shortened
                return plain(*args, timeout=IOPUB_QUIET_S if timeout == 0.2 else timeout, **kwargs)
            channel.get_msg = get_msg
            try:
                await super().wait_for_ready(timeout)
            finally:
                del channel.get_msg

    class QuickReadyManager(AsyncKernelManager):
        @default("client_factory")
        def _quick_ready_client(self):
            return QuickReadyClient

    return QuickReadyManager
