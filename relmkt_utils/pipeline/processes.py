"""The processes of a batch: a worker and its kernel end with the batch, even when it is killed.

Three layers, so that no worker or kernel outlives the batch that started it:

1. **A graceful stop** (Ctrl-C, SIGTERM, a timeout): :func:`stop_tree` sends SIGTERM to a worker and
   everything below it (its kernel runs in a session of its own), then SIGKILL after a grace period.
2. **The batch is killed** (``kill -9``: no handler runs). Each worker asks the kernel, first thing,
   for a signal when its parent dies (:func:`die_with_parent`: Linux ``prctl(PR_SET_PDEATHSIG)``);
   the worker's SIGTERM handler (:func:`stop_children_on_sigterm`) ends its kernel and exits. The
   kernel itself also polls its parent (ipykernel's ``JPY_PARENT_PID``) and exits when the worker is
   gone.
3. **The next batch reaps**: every worker and kernel carries ``RELMKT_OUTPUT=<output folder>`` in its
   environment; a batch that takes the output folder's lock (so no live batch writes there) ends
   every process still carrying it (:func:`reap`) before it starts its own.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time

GRACE_S = 3.0
POLL_S = 0.05
#: Environment variable naming the output folder of the batch a worker (and its kernel) belongs to.
OUTPUT_ENV = "RELMKT_OUTPUT"
#: Environment variable with the pid of the batch that started a worker.
BATCH_PID_ENV = "RELMKT_BATCH_PID"
PR_SET_PDEATHSIG = 1


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def parent_of(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        ppid = parent_of(int(entry))
        if ppid is not None:
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def signal_all(pids, sig) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def wait_gone(pids, seconds: float, proc: subprocess.Popen | None = None) -> list[int]:
    """Wait up to ``seconds`` for ``pids`` to end; the ones still alive."""
    deadline = time.monotonic() + seconds
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        if proc is not None:
            proc.poll()
        time.sleep(POLL_S)
        left = [p for p in left if alive(p)]
    return left


def stop_tree(proc: subprocess.Popen) -> None:
    """Terminate a worker and everything it started (its kernel runs in its own session): SIGTERM,
    then SIGKILL after :data:`GRACE_S` seconds for what is still running."""
    pids = [proc.pid, *descendants(proc.pid)]
    signal_all(pids, signal.SIGTERM)
    left = wait_gone(pids, GRACE_S, proc)
    if left:
        signal_all(left + [p for p in descendants(proc.pid) if p not in left], signal.SIGKILL)
        wait_gone(left, 5.0, proc)
    proc.wait()


def die_with_parent(expected_parent: int | None, sig: int = signal.SIGTERM) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies (``PR_SET_PDEATHSIG``). If the
    parent is already gone (it died before the request), exit now. False where prctl is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        ok = False
    if expected_parent and os.getppid() != expected_parent:
        os._exit(143)
    return ok


def stop_children_on_sigterm() -> None:
    """On SIGTERM, end every process this one started (its kernel), then exit with 143."""

    def handler(signum, frame):
        pids = descendants(os.getpid())
        signal_all(pids, signal.SIGTERM)
        left = wait_gone(pids, 1.0)
        signal_all(left, signal.SIGKILL)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def ancestors(pid: int) -> set[int]:
    out = set()
    while pid and pid not in out:
        out.add(pid)
        pid = parent_of(pid) or 0
    return out


def carrying(key: str, value: str) -> list[int]:
    """The processes (of this user) whose environment holds ``key=value``."""
    needle = f"{key}={value}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
        except OSError:
            continue
        if needle in env:
            found.append(int(entry))
    return found


def reap(output_dir) -> list[int]:
    """End every process left by an earlier batch on ``output_dir`` (workers, kernels and what they
    started); call it only while holding the output folder's lock. Returns the pids ended."""
    mine = ancestors(os.getpid())
    pids = [p for p in carrying(OUTPUT_ENV, str(output_dir)) if p not in mine and alive(p)]
    if not pids:
        return []
    signal_all(pids, signal.SIGTERM)
    left = wait_gone(pids, GRACE_S)
    signal_all(left, signal.SIGKILL)
    wait_gone(left, 5.0)
    return pids


PR_SET_NAME = 15


def set_process_title(title: str) -> None:
    """Show ``title`` as this process's command line in ``ps`` and ``/proc/<pid>/cmdline`` (a process
    forked from the warm pool, :mod:`.pool`, would otherwise show the pool's command line): the
    argument area of the process is overwritten in place, cut to its length (``setproctitle``'s
    technique), and the first 15 bytes become its name (``comm``). Does nothing where ``/proc`` or
    ``prctl`` are unavailable."""
    encoded = title.encode("utf-8", "replace")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_NAME, ctypes.c_char_p(encoded[:15]), 0, 0, 0)
        fields = _stat(os.getpid())
        start, end = int(fields[45]), int(fields[46])      # arg_start and arg_end (fields 48 and 49 of proc(5))
    except (OSError, AttributeError, TypeError, IndexError, ValueError):
        return
    size = end - start
    if size <= 1:
        return
    text = encoded[:size - 1]
    ctypes.memmove(start, text + b"\0" * (size - len(text)), size)
