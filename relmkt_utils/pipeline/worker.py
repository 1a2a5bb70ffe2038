"""Execute one notebook run in its own process (started by :mod:`relmkt_utils.pipeline.batch`).

Usage: ``python -m relmkt_utils.pipeline.worker JOB.json``. The job file names the input notebook,
the run's folder (a fresh staging folder of the batch), the parameters and the working folder. The
worker runs papermill on the environment's own ``python3`` kernel with ``RELMKT_METRICS`` pointing at
the run's ``metrics.json``, makes the executed notebook reproducible (:func:`make_reproducible`),
renders the reader's and the full HTML (also for a partial notebook after a failure) and writes
``{"error": ..., "cell_seconds": [...], "cpu_s": ...}`` to the result file named in the job: the time of every
code cell goes to the run's entry in ``index.json``, not into the run's folder, so that the same
parameters give the same bytes there. A kernel that dies before it answers its first request (so
before any cell ran) is replaced once (:data:`KERNEL_NEVER_STARTED`).

The worker ends with its batch: first thing, it asks Linux for SIGTERM when the batch dies (even by
``kill -9``), and on SIGTERM it ends its kernel (which runs in a session of its own) before it
exits (:mod:`.processes`). Every file it writes is written atomically (``core.files``).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

#: Metadata papermill and nbclient add that changes from one run to the next.
VOLATILE_CELL_KEYS = ("execution",)
VOLATILE_PAPERMILL_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path")


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    where = f" in cell [{cell}]" if cell else ""
    return f"{ename}{where}: {evalue}".strip()


def make_reproducible(path: Path, notebook_name: str) -> list[dict]:
    """Same inputs, same bytes: number the cell ids (papermill draws random ones) and drop the
    timestamps, durations and temporary paths papermill and nbclient record. Returns the cell
    durations it dropped (cell number, first line, seconds), for the run's entry in ``index.json``."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    timings = []
    for i, cell in enumerate(nb.cells):
        seconds = (cell.metadata.get("papermill") or {}).get("duration")
        if cell.cell_type == "code" and isinstance(seconds, (int, float)):
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            timings.append({"cell": i, "first_line": first[:80], "seconds": round(float(seconds), 3)})
        cell["id"] = f"cell-{i}"
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        pm = cell.metadata.get("papermill")
        if isinstance(pm, dict):
            for key in VOLATILE_PAPERMILL_KEYS:
                pm.pop(key, None)
    pm = nb.metadata.get("papermill")
    if isinstance(pm, dict):
        for key in VOLATILE_PAPERMILL_KEYS:
            pm.pop(key, None)
        pm["input_path"] = f"{notebook_name}.ipynb"
    from ..core.files import atomic_write

    atomic_write(path, nbformat.writes(nb) + "\n")
    return timings


#: The executed notebook is saved while it runs at most this often (and always at its end, also after
#: a failing cell): papermill would write the whole growing notebook twice per cell.
SAVE_EVERY_S = 2.0
ENGINE = "relmkt"
#: What jupyter_client says when the kernel ended before it answered its first request, so before any
#: cell ran: e.g. another process took one of the ports named in its connection file between their
#: choice and the kernel's start (jupyter_client picks free ports, then the kernel binds them). The
#: worker then runs the notebook once more on a new kernel.
KERNEL_NEVER_STARTED = "Kernel died before replying to kernel_info"


def _register_engine() -> None:
    """papermill's nbclient engine, saving the notebook every :data:`SAVE_EVERY_S` seconds while it
    runs instead of twice per cell (a run stopped by a timeout keeps what ran until then)."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    if ENGINE in papermill_engines._engines:
        return

    class Manager(NotebookExecutionManager):
        _last_write = float("-inf")
        _final = False

        def save(self, **kwargs):
            import time

            now = time.monotonic()
            if self._final or now - self._last_write >= SAVE_EVERY_S:
                super().save(**kwargs)
                self._last_write = time.monotonic()

        def notebook_complete(self, **kwargs):
            self._final = True
            super().notebook_complete(**kwargs)

    class Engine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=30, **kwargs):
            nb_man = Manager(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                             autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE, Engine)


def main(job_path: str) -> int:
    """A worker started as its own process by the batch (``python -m relmkt_utils.pipeline.worker``)."""
    from .processes import BATCH_PID_ENV, die_with_parent, stop_children_on_sigterm

    stop_children_on_sigterm()
    die_with_parent(int(os.environ.get(BATCH_PID_ENV) or 0) or None)
    return run(job_path)


def run(job_path: str, fork_kernel: bool = False) -> int:
    """Execute the job: papermill on the ``python3`` kernel (forked from this process when
    ``fork_kernel``, :mod:`.kernels`), the executed notebook made reproducible, both HTML versions,
    the result file. Returns the exit code."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    out = Path(job["output_dir"])
    nb_out = out / f"{job['notebook']}.ipynb"
    os.environ["RELMKT_METRICS"] = str(out / "metrics.json")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    error, timings = None, []
    from .startup import skip_unused_slow_imports

    skip_unused_slow_imports()
    from contextlib import nullcontext

    from .kernels import forked_kernels, quick_ready_manager

    with forked_kernels() if fork_kernel else nullcontext():
        import papermill as pm

        _register_engine()
        for attempt in (1, 2):
            try:
                pm.execute_notebook(
                    job["input"],
                    str(nb_out),
                    parameters=job["parameters"],
                    kernel_name="python3",
                    kernel_manager_class=quick_ready_manager(),
                    engine_name=ENGINE,
                    cwd=job["cwd"],
                    progress_bar=False,
                    log_output=False,
                    report_mode=False,
                )
            except Exception as exc:  # papermill's execution errors carry the kernel's ename/evalue
                if attempt == 1 and KERNEL_NEVER_STARTED in str(exc):
                    print(f"relmkt worker: {exc}; starting a new kernel", file=sys.stderr, flush=True)
                    continue                  # the slot is used up: jupyter_client starts this one the usual way
                error = _error_text(exc)
            break
    if nb_out.exists():
        from .html import render_pages

        try:
            timings = make_reproducible(nb_out, job["notebook"])
            render_pages(nb_out, out / f"{job['notebook']}.html", out / f"{job['notebook']}.code.html")
        except Exception as exc:
            error = error or f"rendering failed: {_error_text(exc)}"
    from ..core.files import atomic_write

    atomic_write(job["result"], json.dumps({"error": error, "cell_seconds": timings, "cpu_s": _cpu_seconds()}))
    return 0


def _cpu_seconds() -> float:
    """CPU seconds of this worker and of its kernel (ended and waited for by now)."""
    import resource

    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return round(sum(u.ru_utime + u.ru_stime for u in used), 3)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
