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
    # an output folder that is not relmkt's (no marker, a folder of the user's in it) is not used at all
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "holds files relmkt did not write (show_run)" in res.stderr
    assert sorted(p.name for p in (project / "out").iterdir()) == ["show_run"]
    # in relmkt's output folder, the run whose folder is the user's is refused; the folder is left alone
    (project / "out" / ".relmkt-reports").write_text("relmkt\n")
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


def test_a_previous_run_is_replaced_whole_and_a_users_file_in_it_stops_the_run(project):
    """Issue 23, class 3: a file of the user's in a run folder is never deleted by the next run."""
    cfg = write_config(project, [{"name": "again", "notebook": "show", "parameters": {"dataset": "cdnow_sample"}}])
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0
    folder = project / "out" / "again"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / "stale.txt").write_text("my notes beside the report")
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "holds files relmkt did not write (stale.txt)" in res.stdout
    assert (folder / "stale.txt").read_text() == "my notes beside the report"
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "stale.txt"} == before
    entry = json.loads((project / "out" / "index.json").read_text())["runs"][0]
    assert entry["status"] == "invalid" and entry["html"] is None          # no link into a folder that is not ours
    for intruder in ("sub", "link"):                                        # a folder or a symbolic link: the same
        (folder / "stale.txt").unlink(missing_ok=True)
        (folder / "sub").mkdir() if intruder == "sub" else (folder / "link").symlink_to(project / "nb")
        res = relmkt("run", "--config", cfg, "--quiet")
        assert res.returncode == 2 and f"did not write ({intruder})" in res.stdout
        assert (folder / intruder).exists()
        shutil.rmtree(folder / "sub") if intruder == "sub" else (folder / "link").unlink()
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0
    files = sorted(p.name for p in folder.iterdir())
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
    assert res.returncode == 2 and "bootstrap must be at least 20 resamples" in res.stdout   # checked before the run
    assert json.loads((project / "out" / "index.json").read_text())["runs"][0]["status"] == "invalid"


# =========================================================================================================
# The second round (issue 23): never lose or overwrite what is not ours. Classes 1-4, 6-8 for the batch;
# tests/test_file_safety.py has import, summarize, validate and the core helpers.

def tiny(project: Path) -> Path:
    """A notebook that starts fast (no dataset): records the length of ``note``, fails when asked."""
    return notebook(project / "nb" / "tiny.ipynb", 'note = ""\nfail = False',
                    "from relmkt_utils.pipeline.record import record\n"
                    "record('note_length', len(note))\n"
                    "assert not fail, 'asked to fail'")


def marked_output(project: Path) -> Path:
    """An output folder relmkt wrote before (its marker), with a relmkt index."""
    out = project / "out"
    out.mkdir(exist_ok=True)
    (out / ".relmkt-reports").write_text("reports of relmkt run\n")
    return out


def tree_of(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------- class 1

def test_an_output_folder_with_someone_elses_index_is_refused_and_force_says_what_it_replaces(project):
    tiny(project)
    out = project / "out"
    out.mkdir()
    (out / "index.html").write_text("<h1>my website</h1>")
    (out / "index.json").write_text('{"my": "data"}')
    cfg = write_config(project, [{"name": "t", "notebook": "tiny"}])
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "holds files relmkt did not write (index.html, index.json)" in res.stderr
    assert "Traceback" not in res.stderr and "--force" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "index.json"]       # not even a lock file
    assert (out / "index.html").read_text() == "<h1>my website</h1>"
    res = relmkt("run", "--config", cfg, "--quiet", "--force")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "replacing its index.html and index.json" in res.stderr
    assert (out / ".relmkt-reports").is_file() and json.loads((out / "index.json").read_text())["runs"][0]["name"] == "t"
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0                   # now relmkt's: no --force


@pytest.mark.parametrize("where", ["root", "home", "home_force"])
def test_the_root_and_the_home_folder_are_never_output_folders(project, tmp_path_factory, where):
    tiny(project)
    home = tmp_path_factory.mktemp("home")
    cfg = write_config(project, [{"name": "t", "notebook": "tiny"}], output_dir="/" if where == "root" else str(home))
    extra = ["--force"] if where == "home_force" else []
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "run", "--config", str(cfg), "--quiet", *extra],
                         capture_output=True, text=True, env={**os.environ, "HOME": str(home)}, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert ("the root folder" if where == "root" else "your home folder") in res.stderr
    assert list(home.iterdir()) == [] and not Path("/.relmkt.lock").exists()


# ------------------------------------------------------------------------------------------- class 2

@pytest.mark.parametrize("name", ["index.json", "index.html", ".relmkt.lock", ".relmkt-reports", "dangling"])
def test_a_symbolic_link_where_relmkt_writes_is_refused_and_never_followed(project, name):
    tiny(project)
    out = marked_output(project)
    victim = project / "victim.txt"
    victim.write_text("precious\n")
    link = out / ("index.json" if name == "dangling" else name)
    if name == ".relmkt-reports":
        link.unlink()
    link.symlink_to(project / "nowhere" if name == "dangling" else victim)
    cfg = write_config(project, [{"name": "t", "notebook": "tiny"}])
    res = relmkt("run", "--config", cfg, "--quiet")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "symbolic link" in res.stderr and victim.read_text() == "precious\n"
    assert link.is_symlink() and not (project / "nowhere").exists() and not (out / "t").exists()


def test_a_run_folder_that_is_a_link_to_elsewhere_is_left_alone(project):
    tiny(project)
    out = marked_output(project)
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "metrics.json").write_text("{}")
    (out / "t").symlink_to(elsewhere)
    res = relmkt("run", "--config", write_config(project, [{"name": "t", "notebook": "tiny"}]), "--quiet")
    assert res.returncode == 2 and "was not written by relmkt" in res.stdout
    assert (out / "t").is_symlink() and (elsewhere / "metrics.json").read_text() == "{}"


# ------------------------------------------------------------------------------------------- class 4

def test_a_failing_rerun_keeps_the_last_good_report_and_the_index_says_so(project):
    tiny(project)
    ok = write_config(project, [{"name": "t", "notebook": "tiny", "parameters": {"note": "good"}},
                                {"name": "other", "notebook": "tiny", "parameters": {"colour": "red"}}])
    ok = ok.rename(project / "ok.yml")
    assert relmkt("run", "--config", ok, "--quiet", "--only", "t").returncode == 0
    good = tree_of(project / "out" / "t")
    bad = write_config(project, [{"name": "t", "notebook": "tiny", "parameters": {"note": "bad", "fail": True}},
                                 {"name": "other", "notebook": "tiny", "parameters": {"colour": "red"}}])
    res = relmkt("run", "--config", bad, "--quiet", "--only", "t")
    assert res.returncode == 1 and "asked to fail" in res.stdout and "last report is kept" in res.stdout
    after = tree_of(project / "out" / "t")
    assert {k: v for k, v in after.items() if k != ".relmkt-attempt"} == good          # the good report, byte for byte
    entry = json.loads((project / "out" / "index.json").read_text())["runs"][0]
    assert entry["status"] == "failed" and entry["kept_report"] == "ok" and "asked to fail" in entry["error"]
    assert entry["html"] == "t/tiny.html" and entry["metrics"] == {"note_length": 4}     # the kept report's
    assert "did not replace the run's last report" in (project / "out" / "index.html").read_text()
    # a later batch of another run rebuilds the entry from the folder: still failed, report still linked
    assert relmkt("run", "--config", bad, "--quiet", "--only", "other").returncode == 2
    entry = json.loads((project / "out" / "index.json").read_text())["runs"][0]
    assert entry["status"] == "failed" and entry["kept_report"] == "ok" and entry["html"] == "t/tiny.html"
    # a good run replaces the folder whole (the attempt's record goes with it)
    assert relmkt("run", "--config", ok, "--quiet", "--only", "t").returncode == 0
    assert tree_of(project / "out" / "t") == good


def _limited(limit_bytes: int):
    import resource

    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return apply


@pytest.mark.parametrize("limit", [200_000, 1_500])
def test_a_full_disk_keeps_the_last_good_report_and_index_and_is_one_sentence(project, limit):
    """A file-size limit (RLIMIT_FSIZE, as a full disk: writes fail with EFBIG) in the batch's process:
    at 200 kB the worker cannot write the HTML (the run fails, the last good report stays); at 1.5 kB
    the batch cannot write its index either (one sentence, exit 2, the previous index stays)."""
    tiny(project)
    cfg = write_config(project, [{"name": "t", "notebook": "tiny", "parameters": {"note": "first"}}])
    assert relmkt("run", "--config", cfg, "--quiet").returncode == 0
    good, index = tree_of(project / "out" / "t"), (project / "out" / "index.html").read_bytes()
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "run", "--config", str(cfg), "--quiet"],
                         capture_output=True, text=True, timeout=300, preexec_fn=_limited(limit))
    assert "Traceback" not in res.stderr, res.stderr
    after = tree_of(project / "out" / "t")
    assert {k: v for k, v in after.items() if k != ".relmkt-attempt"} == good
    assert not list((project / "out").glob(".staging-*")) and not list((project / "out").glob(".relmkt-tmp-*"))
    if limit > 100_000:
        assert res.returncode == 1 and "last report is kept" in res.stdout
        assert json.loads((project / "out" / "index.json").read_text())["runs"][0]["kept_report"] == "ok"
    else:
        assert res.returncode == 2 and "file-size limit" in res.stderr and "nothing was replaced" in res.stderr
        assert (project / "out" / "index.html").read_bytes() == index


def test_kill_9_of_the_batch_ends_its_workers_and_kernels_and_the_next_batch_cleans_up(project):
    notebook(project / "nb" / "sleepy.ipynb", "seconds = 120", "import time\ntime.sleep(seconds)")
    tiny(project)
    cfg = write_config(project, [{"name": f"sleep{i}", "notebook": "sleepy"} for i in range(2)])
    proc = subprocess.Popen([sys.executable, "-m", "relmkt_utils", "run", "--config", str(cfg), "--quiet", "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, kernels = time.monotonic() + 120, []
    while time.monotonic() < deadline and len(kernels) < 2:
        tree = descendants(proc.pid)
        kernels = [p for p in tree if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()]
        time.sleep(0.2)
    assert len(kernels) == 2, "the kernels did not start"
    tree = descendants(proc.pid)
    proc.kill()                                            # SIGKILL: no handler of the batch runs
    proc.wait()
    from relmkt_utils.pipeline.processes import alive, wait_gone

    left = wait_gone(tree, 15.0)
    assert left == [], f"still running after kill -9 of the batch: {left}"
    assert list((project / "out").glob(".staging-*"))          # the killed batch could not tidy up ...
    res = relmkt("run", "--config", write_config(project, [{"name": "t", "notebook": "tiny"}]), "--quiet")
    assert res.returncode == 0, res.stdout + res.stderr
    assert not list((project / "out").glob(".staging-*"))      # ... the next one did
    assert not any(alive(p) for p in tree)


def test_the_next_batch_reaps_processes_an_earlier_batch_left_running(project):
    tiny(project)
    out = marked_output(project)
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True,
                              env={**os.environ, "RELMKT_OUTPUT": str(out)})
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True,
                                 env={**os.environ, "RELMKT_OUTPUT": str(out) + "-other"})
    try:
        cfg = write_config(project, [{"name": "t", "notebook": "tiny", "parameters": {"colour": "red"}}])
        res = relmkt("run", "--config", cfg, "--quiet")
        assert res.returncode == 2 and "ended 1 processes left running by an earlier batch" in res.stderr
        assert orphan.wait(timeout=10) is not None and bystander.poll() is None     # only this folder's
    finally:
        for p in (orphan, bystander):
            p.kill()
            p.wait()


# ------------------------------------------------------------------------------------------- classes 4, 8

def test_the_index_is_rebuilt_from_the_run_folders_never_from_a_tampered_or_stale_index(project):
    tiny(project)
    runs = lambda note: [{"name": "a", "notebook": "tiny", "parameters": {"note": note}},           # noqa: E731
                         {"name": "b", "notebook": "tiny", "parameters": {"colour": "red"}},       # never runs
                         {"name": "c", "notebook": "tiny"}]                                        # never ran
    assert relmkt("run", "--config", write_config(project, runs("one")), "--quiet", "--only", "a").returncode == 0
    stale = (project / "out" / "index.json").read_text()
    assert relmkt("run", "--config", write_config(project, runs("three")), "--quiet", "--only", "a").returncode == 0
    # a kill between publishing a and writing the index leaves the index of the previous version ...
    doc = json.loads(stale)
    doc["runs"][0]["html"] = "javascript:alert(document.cookie)"          # ... and someone tampers with it
    doc["runs"].append({**doc["runs"][0], "name": "c", "status": "ok", "html": "https://evil.example/x.html",
                        "metrics": {"note_length": 99}})
    (project / "out" / "index.json").write_text(json.dumps(doc))
    res = relmkt("run", "--config", write_config(project, runs("three")), "--quiet", "--only", "b")
    assert res.returncode == 2
    index = json.loads((project / "out" / "index.json").read_text())
    by_name = {r["name"]: r for r in index["runs"]}
    assert set(by_name) == {"a", "b"}                                     # c never ran: not shown, never "ok"
    assert by_name["a"]["parameters"] == {"note": "three"} and by_name["a"]["metrics"] == {"note_length": 5}
    assert by_name["a"]["html"] == "a/tiny.html" and by_name["b"]["status"] == "invalid"
    page = (project / "out" / "index.html").read_text()
    assert "javascript:" not in page and "evil.example" not in page and "href='a/tiny.html'" in page


def test_index_links_are_only_relative_links_into_run_folders():
    from relmkt_utils.pipeline.batch import RunResult
    from relmkt_utils.pipeline.index import index_html, safe_href

    for bad in ("javascript:alert(1)", "https://x.org/a.html", "/etc/passwd", "../x/y.html", "a/../../y",
                "a/b/c.html", "data:text/html,x", " a/x.html", "a/x.html'onmouseover='1", None, 3):
        assert safe_href(bad) is None, bad
    assert safe_href("run_1/01_loyalty.code.html") == "run_1/01_loyalty.code.html"
    r = RunResult(name="r", notebook="nb", status="ok", duration_s=1.0, parameters={}, metrics={},
                  html="javascript:alert(1)", html_full="r/nb.code.html", ipynb=None, error=None,
                  tables=["vbscript:x", "r/scores.csv"])
    page = index_html([r], "now")
    assert "javascript" not in page and "vbscript" not in page and "href='r/scores.csv'" in page


# ------------------------------------------------------------------------------------------- classes 6, 7

def test_an_alias_bomb_in_a_config_is_refused_in_a_moment(project):
    bomb = "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    (project / "bomb.yml").write_text("x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + bomb
                                      + "runs: [{name: a, notebook: show, parameters: {note: *x9}}]\n")
    t0 = time.monotonic()
    res = relmkt("run", "--config", project / "bomb.yml", "--quiet", timeout=60)
    assert res.returncode == 2 and "expands to more than" in res.stderr and time.monotonic() - t0 < 30


def test_a_config_that_is_a_named_pipe_is_refused_not_waited_on(project):
    os.mkfifo(project / "pipe.yml")
    res = relmkt("run", "--config", project / "pipe.yml", "--quiet", timeout=60)
    assert res.returncode == 2 and "named pipe (FIFO)" in res.stderr and "Traceback" not in res.stderr


def test_a_notebook_that_is_a_named_pipe_is_not_run(project):
    os.mkfifo(project / "nb" / "piped.ipynb")
    res = relmkt("run", "--config", write_config(project, [{"name": "p", "notebook": "piped"}]), "--quiet", timeout=60)
    assert res.returncode == 2 and "named pipe (FIFO)" in res.stdout


@pytest.mark.parametrize("field, yaml_value, words", [
    ("notebook", '"sh\\0ow"', "the notebook contains a NUL byte"),
    ("output_dir", '"out\\0x"', "output_dir contains a NUL byte"),
    ("dataset", '"cdnow\\0_sample"', "the dataset contains a NUL byte"),
    ("notebooks_dir", '"n\\0b"', "notebooks_dir contains a NUL byte"),
    ("parameter", '"caf\\udce9"', "contains a lone surrogate"),
    ("parameter_key", '"caf\\udce9"', "a parameter name contains a lone surrogate"),
    ("nested_parameter", '["ok", {"x": "\\ud800"}]', "contains a lone surrogate"),
])
def test_nul_bytes_and_lone_surrogates_in_a_config_are_one_sentence(project, field, yaml_value, words):
    out = marked_output(project)
    (out / "index.html").write_text("the previous index")
    run = {"name": "r", "notebook": "show", "parameters": {}}
    top = "notebooks_dir: nb\noutput_dir: out\n"
    if field in ("output_dir", "notebooks_dir"):
        top = top.replace(f"{field}: {'out' if field == 'output_dir' else 'nb'}", f"{field}: {yaml_value}")
        body = "runs: [{name: r, notebook: show}]\n"
    elif field == "notebook":
        body = f"runs: [{{name: r, notebook: {yaml_value}}}]\n"
    elif field == "dataset":
        body = f"runs: [{{name: r, notebook: show, parameters: {{dataset: {yaml_value}}}}}]\n"
    elif field == "parameter_key":
        body = f"runs: [{{name: r, notebook: show, parameters: {{{yaml_value}: 1}}}}]\n"
    else:
        body = f"runs: [{{name: r, notebook: show, parameters: {{note: {yaml_value}}}}}]\n"
    assert run
    (project / "c.yml").write_text(top + body)
    res = relmkt("run", "--config", project / "c.yml", "--quiet")
    assert res.returncode == 2 and words in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert (out / "index.html").read_text() == "the previous index"       # nothing was emptied


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")
def test_a_read_only_output_folder_is_one_sentence(project):
    tiny(project)
    cfg = write_config(project, [{"name": "t", "notebook": "tiny"}])
    (project / "out").mkdir()
    script = (f"mount -t tmpfs -o ro,size=1m tmpfs {project / 'out'} && "
              f"{sys.executable} -m relmkt_utils run --config {cfg} --quiet")
    res = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    if "mount" in res.stderr and res.returncode != 2:
        pytest.skip(f"cannot mount a read-only tmpfs here: {res.stderr.strip()}")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "read-only" in res.stderr or "not writable" in res.stderr
