"""The kernel of a run, forked from its worker (:mod:`relmkt_utils.pipeline.kernels`): a kernel that dies
before it answers its first request is replaced once, and the run finishes on the new one."""
import json
import os
import subprocess
import sys
import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_notebook


def test_a_kernel_that_dies_before_answering_is_replaced_and_the_run_finishes(tmp_path):
    """The forked kernel of this worker exits as soon as it gets its orders (as one does whose port another
    process took): jupyter_client says it died before replying to kernel_info, and the worker runs the
    notebook again on a kernel started the usual way: the cells run once, on that kernel."""
    params = new_code_cell("n = 1", metadata={"tags": ["parameters"]})
    nb = new_notebook(cells=[params, new_code_cell("import os\nprint('pid', os.getpid(), 'n', n * 2)")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    source = tmp_path / "tiny.ipynb"
    source.write_text(nbformat.writes(nb), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    job = {"input": str(source), "output_dir": str(out), "notebook": "tiny", "parameters": {"n": 21},
           "cwd": str(tmp_path), "result": str(out / "result.json")}
    (tmp_path / "job.json").write_text(json.dumps(job))
    script = textwrap.dedent(f"""
        import os
        from relmkt_utils.pipeline import kernels, worker

        def dies_at_once(orders, ack, parent):     # the slot reads its orders, then ends: no kernel
            os.write(ack, b"ok")
            kernels._read_all(orders)
            return 1

        kernels._serve = dies_at_once
        raise SystemExit(worker.run({str(tmp_path / "job.json")!r}, fork_kernel=True))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "JUPYTER_PREFER_ENV_PATH": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Kernel died before replying to kernel_info; starting a new kernel" in proc.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["error"] is None
    executed = nbformat.read(str(out / "tiny.ipynb"), as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert text.count("pid") == 1 and "n 42" in text
    assert (out / "tiny.html").exists() and (out / "tiny.code.html").exists()
