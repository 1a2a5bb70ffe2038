"""A batch runner you can hand to anyone (issue 12): no injected scripts, no lost files, clean Ctrl-C,
plain sentences and exit 2 for user mistakes, one path resolution, a lock, reproducible bytes.

Everything runs the real ``relmkt`` command, papermill, a real python3 kernel and nbconvert.
"""
from __future__ import annotations

import json
import re
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from relmkt_utils.pipeline.batch import LOCK, OutputLock, descendants

ROOT = Path(__file__).resolve().parent.parent
KERNELSPEC = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def notebook(path: Path, parameters: str, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook(metadata=KERNELSPEC)
    nb.cells = [nbformat.v4.new_markdown_cell("# A test notebook"),
                nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))
    return path


def relmkt(*args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "relmkt_utils", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def write_config(folder: Path, runs: list[dict], **top) -> Path:
    cfg = folder / "batch.yml"
    cfg.write_text(yaml.safe_dump({"output_dir": "out", "notebooks_dir": "nb", "timeout": 300, **top, "runs": runs}))
    return cfg


@pytest.fixture
def project(tmp_path):
    nb = tmp_path / "nb"
    nb.mkdir()
    notebook(nb / "show.ipynb", 'dataset = "synthetic"\nnote = ""',
             "from IPython.display import Markdown, display\n"
             "from relmkt_utils.data import datasets\n"
             "from relmkt_utils.present import dataset_header, escape\n"
             "from relmkt_utils.pipeline.record import record\n"
             "ds = datasets.load(dataset)\n"
             "display(Markdown(dataset_header(ds)))\n"
             "display(Markdown(f'Note: {escape(note[:40])}'))\n"
             "record('n_customers', len(ds.customers) if ds.customers is not None else 0)\n"
             "record('note_length', len(note))")
    return tmp_path


def hostile_dataset(folder: Path) -> Path:
    ds = folder / "ds" / "hostile"
    shutil.copytree(ROOT / "tests" / "datasets" / "valid", ds) if (ROOT / "tests" / "datasets" / "valid").exists() \
        else _tiny_dataset(ds)
    meta = yaml.safe_load((ds / "dataset.yml").read_text())
    meta.update(description="<script>alert('desc')</script> and `code` and *stars*",
                currency="<img src=x onerror=alert('cur')>",
                provenance="[click](javascript:alert('prov')) <iframe src=x></iframe>")
    (ds / "dataset.yml").write_text(yaml.safe_dump(meta, allow_unicode=True))
    return ds


def _tiny_dataset(ds: Path) -> None:
    ds.mkdir(parents=True)
    (ds / "dataset.yml").write_text(yaml.safe_dump({
        "name": "tiny", "description": "x", "currency": "EUR", "time_unit": "week", "observation_start": "2024-01-01",
        "observation_end": "2024-12-31", "provenance": "test", "licence": "CC0-1.0"}))
    (ds / "customers.csv").write_text("customer_id,acquired_at\na,2024-01-01\nb,2024-02-01\n")
    (ds / "transactions.csv").write_text("customer_id,date,amount\na,2024-01-01,10\na,2024-03-01,5\nb,2024-02-01,7\n")


# ------------------------------------------------------------------------------------------- 1

def test_values_from_data_and_config_are_escaped_and_outputs_sanitized(project):
    ds = hostile_dataset(project)
    cfg = write_config(project, [{"name": "hostile", "notebook": "show",
                                  "parameters": {"dataset": "ds/hostile", "note": "<script>alert('param')</script>"}}])
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 0, res.stdout + res.stderr
    for page in ("show.html", "show.code.html"):
        html = (project / "out" / "hostile" / page).read_text()
        assert not re.search(r"<script[^>]*>[^<]*alert", html)           # no script from the data runs
        assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", html, re.I)   # no event handler attribute
        assert not re.search(r"href\s*=\s*[\"']?javascript:", html, re.I) and "<iframe" not in html
        assert "&lt;script&gt;alert" in html                             # the value shows as the text it is
    index = (project / "out" / "index.html").read_text()
    assert "<script>alert('param')" not in index and "&lt;script&gt;" in index
    assert str(ds) not in json.loads((project / "out" / "index.json").read_text())["runs"][0]["parameters"]["dataset"]


def test_sanitizer_keeps_tables_and_mathml_and_drops_active_content():
    from relmkt_utils.pipeline.html import sanitize

    kept = sanitize("<table class='dataframe'><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
                    "<math display='block'><mfrac><mi>a</mi><mn>2</mn></mfrac></math><img src='data:image/png;base64,AA' alt='x'>")
    assert "<table" in kept and "<mfrac>" in kept and "data:image/png" in kept
    dropped = sanitize("<script>alert(1)</script><img src=x onerror=alert(1)><a href='javascript:alert(1)'>x</a>"
                       "<iframe src=x></iframe><form><input></form><svg onload=alert(1)>")
    for bad in ("<script", "onerror", "javascript:", "<iframe", "<form", "<input", "onload"):
        assert bad not in dropped


# ------------------------------------------------------------------------------------------- 2

def test_a_folder_of_the_users_is_never_replaced(project):
    mine = project / "out" / "show_run"
    (mine / "sub").mkdir(parents=True)
    (mine / "precious.csv").write_text("keep me\n")
    (mine / "sub" / "notes.txt").write_text("mine\n")
    cfg = write_config(project, [{"name": "show_run", "notebook": "show", "parameters": {"dataset": "cdnow_sample"}}])
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "was not written by relmkt" in res.stdout
    assert (mine / "precious.csv").read_text() == "keep me\n" and (mine / "sub" / "notes.txt").read_text() == "mine\n"
    assert not list((project / "out").glob(".staging-*"))


def test_a_run_folder_of_an_older_relmkt_without_marker_is_recognized(project):
    old = project / "out" / "legacy"
    old.mkdir(parents=True)
    for name in ("show.ipynb", "show.html", "show.code.html", "metrics.json"):
        (old / name).write_text("{}")
    cfg = write_config(project, [{"name": "legacy", "notebook": "show", "parameters": {"dataset": "cdnow_sample"}}])
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0
    assert (old / ".relmkt-run").is_file() and oct(old.stat().st_mode & 0o777) == "0o755"
    (old / "mine.txt").write_text("not relmkt's")
    (old / ".relmkt-run").unlink()
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and (old / "mine.txt").exists()


def test_a_previous_run_is_replaced_whole(project):
    cfg = write_config(project, [{"name": "again", "notebook": "show", "parameters": {"dataset": "cdnow_sample"}}])
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0
    (project / "out" / "again" / "stale.txt").write_text("from an older run")
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0
    files = sorted(p.name for p in (project / "out" / "again").iterdir())
    assert files == [".relmkt-run", "metrics.json", "show.code.html", "show.html", "show.ipynb"]


# ------------------------------------------------------------------------------------------- 3

def test_sigint_stops_every_worker_and_kernel_and_marks_the_index(project):
    notebook(project / "nb" / "sleepy.ipynb", "seconds = 120",
             "import time\nprint('kernel up', flush=True)\ntime.sleep(seconds)")
    runs = [{"name": f"sleep{i}", "notebook": "sleepy"} for i in range(3)]
    cfg = write_config(project, runs)
    proc = subprocess.Popen([sys.executable, "-m", "relmkt_utils", "run", "--config", str(cfg), "--quiet", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    tree = []
    while time.monotonic() < deadline:       # wait until both running notebooks have a kernel
        tree = descendants(proc.pid)
        kernels = [p for p in tree if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()] if tree else []
        if len(kernels) >= 2:
            break
        time.sleep(0.2)
    assert len(kernels) >= 2, "the kernels did not start"
    time.sleep(1.0)
    tree = descendants(proc.pid)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 15
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    survivors = [p for p in tree if Path(f"/proc/{p}").exists() and "Z" not in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1][:3]]
    assert survivors == [], f"still running: {survivors}"
    index = json.loads((project / "out" / "index.json").read_text())
    assert [r["status"] for r in index["runs"]] == ["interrupted"] * 3
    assert "not started" in index["runs"][2]["error"]


# ------------------------------------------------------------------------------------------- 4, 5

@pytest.mark.parametrize("name", ["../nb/show", "/etc/show", "sub/show"])
def test_notebooks_outside_the_notebooks_folder_are_refused(project, name):
    source = (project / "nb" / "show.ipynb").read_bytes()
    cfg = write_config(project, [{"name": "r", "notebook": name}])
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "must be a name in" in res.stderr and "Traceback" not in res.stderr
    assert (project / "nb" / "show.ipynb").read_bytes() == source
    assert not (project / "out").exists()


@pytest.mark.parametrize("args, message", [
    (["--jobs", "0"], "must be 1 or more"),
    (["--timeout", "nan"], "positive, finite"),
    (["--timeout", "inf"], "positive, finite"),
    (["--timeout", "-5"], "positive, finite"),
])
def test_bad_options_are_sentences_and_exit_2(project, args, message):
    cfg = write_config(project, [{"name": "r", "notebook": "show"}])
    res = relmkt("run", "--config", cfg, "--quiet", *args)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr


def test_bad_configs_are_sentences_and_exit_2(project):
    long_name = "x" * 300
    cases = [
        ({"runs": [{"name": long_name, "notebook": "show"}]}, "must be 1 to 64 letters"),
        ({"runs": [{"name": "r", "notebook": "show"}], "timeout": "soon"}, "number of seconds"),
        ({"runs": [{"name": "r", "notebook": "show", "parameters": {"x": {1, 2}}}]}, None),
    ]
    for doc, message in cases[:2]:
        cfg = project / "c.yml"
        cfg.write_text(yaml.safe_dump({"notebooks_dir": "nb", **doc}))
        res = relmkt("run", "--config", cfg, "--quiet")
        assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr
    (project / "out").write_text("a file where the output folder should be")
    res = relmkt("run", "--config", write_config(project, [{"name": "r", "notebook": "show"}]), "--quiet")
    assert res.returncode == 2 and "is a file" in res.stderr


def test_broken_notebooks_and_parameters_cells_are_sentences(project):
    text = (project / "nb" / "show.ipynb").read_text()
    (project / "nb" / "conflict.ipynb").write_text("<<<<<<< HEAD\n" + text + "=======\n{}\n>>>>>>> branch\n")
    notebook(project / "nb" / "badparams.ipynb", "dataset = 'synthetic'\nx = (", "print(1)")
    cfg = write_config(project, [{"name": "conflict", "notebook": "conflict"},
                                 {"name": "badparams", "notebook": "badparams"},
                                 {"name": "fine", "notebook": "show", "parameters": {"dataset": "cdnow_sample"}}])
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "merge-conflict markers" in res.stdout and "parameters cell is not valid Python" in res.stdout
    index = json.loads((project / "out" / "index.json").read_text())
    assert [r["status"] for r in index["runs"]] == ["invalid", "invalid", "ok"]   # the good run still ran


def test_yaml_dates_big_parameters_and_a_failing_cell(project):
    notebook(project / "nb" / "dated.ipynb", 'calibration_end = ""\nnote = ""',
             "from relmkt_utils.pipeline.record import record\n"
             "record('calibration_end', calibration_end)\nrecord('note_length', len(note))")
    notebook(project / "nb" / "fails.ipynb", "n = 1", "raise RuntimeError('boom')")
    cfg = project / "batch.yml"
    cfg.write_text("notebooks_dir: nb\noutput_dir: out\nruns:\n"
                   "  - {name: dated, notebook: dated, parameters: {calibration_end: 1997-09-30, note: " + "y" * 200_000 + "}}\n"
                   "  - {name: fails, notebook: fails}\n")
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 1, res.stdout + res.stderr          # a notebook failed while running
    metrics = json.loads((project / "out" / "dated" / "metrics.json").read_text())
    assert metrics == {"calibration_end": "1997-09-30", "note_length": 200_000}
    assert "RuntimeError" in json.loads((project / "out" / "index.json").read_text())["runs"][1]["error"]


def test_invalid_dataset_and_unknown_parameter_exit_2(project):
    bad = ROOT / "tests" / "datasets" / "malformed" / "negative_amount"
    cfg = write_config(project, [{"name": "a", "notebook": "show", "parameters": {"dataset": str(bad)}},
                                 {"name": "b", "notebook": "show", "parameters": {"colour": "red"}}])
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "finite and >= 0" in res.stdout and "unknown parameter colour" in res.stdout


# ------------------------------------------------------------------------------------------- 7, 8

def test_dataset_paths_are_resolved_once_from_the_config_folder(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("cwd")
    (elsewhere / "synthetic").mkdir()                       # must not hide data/synthetic
    hostile_dataset(project)
    cfg = write_config(project, [{"name": "rel", "notebook": "show", "parameters": {"dataset": "ds/hostile"}},
                                 {"name": "named", "notebook": "show", "parameters": {"dataset": "synthetic"}}])
    res = relmkt("run", "--config", cfg, "--quiet", cwd=elsewhere)
    assert res.returncode == 0, res.stdout + res.stderr
    runs = json.loads((project / "out" / "index.json").read_text())["runs"]
    assert runs[1]["metrics"]["n_customers"] == 5919        # the shipped synthetic world, not ./synthetic


def test_a_second_batch_on_the_same_folder_is_refused(project):
    (project / "out").mkdir()
    cfg = write_config(project, [{"name": "r", "notebook": "show", "parameters": {"dataset": "cdnow_sample"}}])
    with OutputLock(project / "out"):
        res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "another relmkt batch" in res.stderr and f"pid {os.getpid()}" in res.stderr
    assert (project / "out" / LOCK).exists() and not (project / "out" / "r").exists()


# ------------------------------------------------------------------------------------------- 10

def test_reruns_are_byte_identical(project):
    cfg = write_config(project, [{"name": "same", "notebook": "show", "parameters": {"dataset": "cdnow_sample"}}])
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0
    first = {p.name: p.read_bytes() for p in (project / "out" / "same").iterdir()}
    shutil.rmtree(project / "out")
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0
    second = {p.name: p.read_bytes() for p in (project / "out" / "same").iterdir()}
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []


# ------------------------------------------------------------------------------------------- 6

def _degenerate(folder: Path, name: str, rows: list[tuple]) -> None:
    d = folder / "ds" / name
    d.mkdir(parents=True)
    (d / "dataset.yml").write_text(yaml.safe_dump({
        "name": name, "description": "degenerate", "currency": "EUR", "time_unit": "week",
        "observation_start": "2024-01-01", "observation_end": "2024-12-31", "provenance": "test", "licence": "CC0-1.0"}))
    (d / "transactions.csv").write_text("customer_id,date,amount\n" + "".join(f"{c},{t},{a}\n" for c, t, a in rows))


def test_degenerate_but_valid_data_finish_and_say_what_could_not_be_estimated(project):
    import numpy as np

    rng = np.random.default_rng(1)
    day = lambda: str(np.datetime64("2024-01-01") + int(rng.integers(0, 300)))  # noqa: E731
    _degenerate(project, "one_customer", [("a", "2024-01-05", 10.0), ("a", "2024-03-01", 12.0), ("a", "2024-06-01", 8.0)])
    _degenerate(project, "all_once", [(f"c{i}", day(), float(rng.integers(5, 50))) for i in range(200)])
    _degenerate(project, "zero_amounts", sorted({(f"c{i}", day(), 0.0) for i in range(150) for _ in range(3)}))
    runs = [{"name": f"loyalty_{n}", "notebook": "01_loyalty_measurement", "parameters": {"dataset": f"ds/{n}"}}
            for n in ("one_customer", "all_once", "zero_amounts")]
    shutil.copy(ROOT / "notebooks" / "01_loyalty_measurement.ipynb", project / "nb")
    t0 = time.monotonic()
    res = relmkt("run", "--config", write_config(project, runs), "--quiet")
    assert time.monotonic() - t0 < 240           # identification problems stop early, not after minutes
    assert res.returncode == 0, res.stdout + res.stderr
    runs = {r["name"]: r for r in json.loads((project / "out" / "index.json").read_text())["runs"]}
    assert "buy-till-you-die models (section 4) could not be made" in " ".join(runs["loyalty_one_customer"]["warnings"])
    assert "no customer has a repeat purchase" in " ".join(runs["loyalty_all_once"]["warnings"])
    assert "total revenue is zero" in " ".join(runs["loyalty_zero_amounts"]["warnings"])
    assert runs["loyalty_all_once"]["metrics"].get("bgnbd_r") is None      # no estimate shown as a number
    page = (project / "out" / "loyalty_all_once" / "01_loyalty_measurement.html").read_text()
    assert "Could not be made on these data" in page and "Traceback" not in page


def test_a_parameter_the_notebook_refuses_is_a_user_mistake(project):
    shutil.copy(ROOT / "notebooks" / "03_referral_roi.ipynb", project / "nb")
    cfg = write_config(project, [{"name": "r", "notebook": "03_referral_roi", "parameters": {"bootstrap": 0}}])
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "bootstrap needs at least 20 resamples" in res.stdout
    assert json.loads((project / "out" / "index.json").read_text())["runs"][0]["status"] == "invalid"
