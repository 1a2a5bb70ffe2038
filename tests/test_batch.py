"""The batch end to end: real papermill, a real python3 kernel and nbconvert, on a small config."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from relmkt_utils.pipeline import batch
from relmkt_utils.core.errors import ConfigError, ParameterError
from relmkt_utils.pipeline.params import check_parameters, declared_parameters

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CORPUS = Path(__file__).resolve().parent / "datasets"


def _config(tmp_path: Path, runs: list[dict]) -> Path:
    path = tmp_path / "reports.yml"
    path.write_text(yaml.safe_dump({"output_dir": "out", "notebooks_dir": str(NOTEBOOKS), "timeout": 300, "runs": runs}))
    return path


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory):
    """One good run, one on an invalid dataset, one with an unknown parameter, one failing in a cell."""
    tmp = tmp_path_factory.mktemp("batch")
    nbdir = tmp / "notebooks"
    nbdir.mkdir()
    shutil.copy(NOTEBOOKS / "00_data_overview.ipynb", nbdir)
    failing = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# A notebook that fails halfway"),
            nbformat.v4.new_code_cell("n = 2", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("from relmkt_utils.pipeline.record import record\nrecord('before_failure', n)"),
            nbformat.v4.new_code_cell("raise RuntimeError('boom in cell 3')"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(failing, nbdir / "fails.ipynb")
    runs = [
        {"name": "good", "notebook": "00_data_overview", "parameters": {"dataset": "cdnow_sample"}},
        {"name": "bad_data", "notebook": "00_data_overview", "parameters": {"dataset": str(CORPUS / "malformed" / "negative_amount")}},
        {"name": "bad_param", "notebook": "00_data_overview", "parameters": {"dataset": "cdnow_sample", "colour": "red"}},
        {"name": "cell_fails", "notebook": "fails", "parameters": {"n": 5}},
    ]
    cfg = tmp / "reports.yml"
    cfg.write_text(yaml.safe_dump({"output_dir": "out", "notebooks_dir": "notebooks", "timeout": 300, "runs": runs}))
    results = batch.run_batch(batch.load_config(cfg), jobs=2, progress=False)
    return tmp / "out", {r.name: r for r in results}


def test_index_lists_every_run_with_status(small_batch):
    out, results = small_batch
    index = json.loads((out / "index.json").read_text())
    assert [r["name"] for r in index["runs"]] == ["good", "bad_data", "bad_param", "cell_fails"]
    status = {r["name"]: r["status"] for r in index["runs"]}
    # a run that cannot start (user mistake) is "invalid"; one that fails while running is "failed"
    assert status == {"good": "ok", "bad_data": "invalid", "bad_param": "invalid", "cell_fails": "failed"}
    for r in index["runs"]:
        assert set(r) >= {"name", "notebook", "status", "duration_s", "parameters", "metrics", "html", "error",
                          "warnings"}
    html = (out / "index.html").read_text()
    for name in ("good", "bad_data", "bad_param", "cell_fails"):
        assert name in html


def test_good_run_writes_notebook_both_html_and_metrics(small_batch):
    out, results = small_batch
    run = out / "good"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n_customers"] == 2357 and metrics["n_transactions"] == 6919
    assert 0 < metrics["top20_revenue_share"] < 1 and 0 < metrics["gini"] < 1
    reader = (run / "00_data_overview.html").read_text()
    full = (run / "00_data_overview.code.html").read_text()
    assert "<math" in reader  # formulas rendered to MathML, no MathJax download
    assert "cdnjs" not in reader and "MathJax.Hub" not in reader and "<script src=\"http" not in reader
    assert "pareto_comparison" not in reader and "pareto_comparison" in full  # code hidden for readers only
    assert "data:image/png;base64" in reader
    assert results["good"].metrics == metrics


def test_invalid_dataset_fails_before_execution_with_data_error(small_batch):
    out, results = small_batch
    r = results["bad_data"]
    assert "amounts, costs and spends must be finite and >= 0" in r.error
    assert "transactions.csv" in r.error and "'amount'" in r.error
    assert not (out / "bad_data" / "00_data_overview.ipynb").exists()


def test_unknown_parameter_fails_before_execution(small_batch):
    out, results = small_batch
    assert "unknown parameter colour" in results["bad_param"].error
    assert not (out / "bad_param" / "00_data_overview.ipynb").exists()


def test_failing_cell_keeps_partial_notebook_and_others_finish(small_batch):
    out, results = small_batch
    r = results["cell_fails"]
    assert r.status == "failed" and "RuntimeError" in r.error and "boom in cell 3" in r.error
    assert (out / "cell_fails" / "fails.ipynb").exists()
    assert (out / "cell_fails" / "fails.html").exists()
    # what ran before the failure is kept
    assert r.metrics == {"before_failure": 5}
    assert results["good"].status == "ok"


def test_parameters_are_checked_by_type():
    nb = NOTEBOOKS / "00_data_overview.ipynb"
    assert declared_parameters(nb) == {"dataset": "synthetic", "segment": ""}
    with pytest.raises(ParameterError, match="must be str"):
        check_parameters(nb, {"dataset": 3})
    check_parameters(nb, {"dataset": "cdnow"})


def test_config_errors_are_plain(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("runs: [{name: a}]")
    with pytest.raises(ConfigError, match="needs 'name' and 'notebook'"):
        batch.load_config(bad)


def test_cli_run_exits_2_on_a_user_mistake_and_on_bad_config(tmp_path):
    cfg = _config(tmp_path, [{"name": "x", "notebook": "00_data_overview", "parameters": {"nope": 1}}])
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "run", "--config", str(cfg), "--quiet"], capture_output=True, text=True)
    assert res.returncode == 2 and "unknown parameter nope" in res.stdout and "Traceback" not in res.stderr
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "run", "--config", str(tmp_path / "none.yml")], capture_output=True, text=True)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "does not exist" in res.stderr


def test_worker_startup_skips_the_slow_optional_import_and_still_validates_notebooks():
    """relmkt_utils.pipeline.startup keeps jsonschema's optional rfc3987_syntax (2 s to import) out of every
    worker; nbformat must still read and validate the notebooks."""
    code = ("import sys\n"
            "from relmkt_utils.pipeline.startup import skip_unused_slow_imports\n"
            "skip_unused_slow_imports()\n"
            "import papermill, nbformat\n"
            "assert sys.modules.get('rfc3987_syntax') is None\n"
            "import glob\n"
            "for p in sorted(glob.glob('notebooks/*.ipynb')):\n"
            "    nbformat.validate(nbformat.read(p, as_version=4))\n"
            "bad = nbformat.v4.new_notebook(); bad.cells.append({'cell_type': 'nonsense'})\n"
            "try:\n"
            "    nbformat.validate(bad)\n"
            "except nbformat.ValidationError:\n"
            "    print('invalid caught')\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "invalid caught" in proc.stdout


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("0*.ipynb")), ids=lambda p: p.stem)
def test_papermill_sees_every_parameter_with_its_help(notebook):
    """``papermill --help-notebook`` lists each parameter with the comment beside it as its help; a
    comment papermill cannot parse (an ``=`` in it, say) silently drops the parameter from that list."""
    import papermill

    inferred = {name: p["help"] for name, p in papermill.inspect_notebook(str(notebook)).items()}
    declared = declared_parameters(notebook)
    assert set(inferred) == set(declared)
    assert all(inferred.values()), [name for name, text in inferred.items() if not text]


def test_workers_share_the_cores_instead_of_oversubscribing_them(monkeypatch):
    """Two kernels each running a BLAS pool as wide as the machine fight for the cores (5x slower
    bootstraps measured here): each worker gets cores // jobs threads, unless the user chose."""
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 8)
    env = batch.worker_environment(jobs=2)
    assert env["OPENBLAS_NUM_THREADS"] == "4" and env["OMP_NUM_THREADS"] == "3"
    assert batch.worker_environment(jobs=16)["MKL_NUM_THREADS"] == "1"
