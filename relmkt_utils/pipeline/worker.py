"""Execute one notebook run in its own process (started by :mod:`relmkt_utils.batch`).

Usage: ``python -m relmkt_utils.worker '<json job>'``. Runs papermill on the environment's own
``python3`` kernel with ``RELMKT_METRICS`` pointing at the run's ``metrics.json``, then renders the
reader's and the full HTML (also for a partial notebook after a failure). Prints one line
``RELMKT_RESULT {"error": ...}`` for the parent.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    where = f" in cell [{cell}]" if cell else ""
    return f"{ename}{where}: {evalue}".strip()


def main(job_json: str) -> int:
    job = json.loads(job_json)
    out = Path(job["output_dir"])
    nb_out = out / f"{job['notebook']}.ipynb"
    os.environ["RELMKT_METRICS"] = str(out / "metrics.json")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    error = None
    from .startup import skip_unused_slow_imports

    skip_unused_slow_imports()
    import papermill as pm

    try:
        pm.execute_notebook(
            job["input"],
            str(nb_out),
            parameters=job["parameters"],
            kernel_name="python3",
            cwd=job["cwd"],
            progress_bar=False,
            log_output=False,
            report_mode=False,
        )
    except Exception as exc:  # papermill's execution errors carry the kernel's ename/evalue
        error = _error_text(exc)
    if nb_out.exists():
        from .html import render_html

        try:
            render_html(nb_out, out / f"{job['notebook']}.html", reader=True)
            render_html(nb_out, out / f"{job['notebook']}.code.html", reader=False)
        except Exception as exc:
            error = error or f"rendering failed: {_error_text(exc)}"
    print("RELMKT_RESULT " + json.dumps({"error": error}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
