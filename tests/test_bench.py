"""The benchmark harness (bench/): worker protocol, alternation and timeouts, agreement checks, report.

Lifetimes itself is not installed for the tests (it needs its own numpy 1.x environment, made by
`make bench`); here both sides of the harness are relmkt workers, which exercises every part of the
driver except the peer library's calls.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import __main__ as driver
from bench import agreement, report
from relmkt_utils import btyd

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def log_npz(tmp_path_factory):
    tx = btyd.simulate_transactions(400, 0.5, 20.0, 0.7, 2.5, start="2021-01-01", end="2021-12-31", seed=3)
    path = tmp_path_factory.mktemp("bench") / "log.npz"
    np.savez(path, customer_id=tx["customer_id"].to_numpy().astype(str),
             date=tx["date"].to_numpy().astype("datetime64[D]"), amount=tx["amount"].to_numpy(float))
    return path, tx


@pytest.fixture(scope="module")
def summary_npz(tmp_path_factory):
    s = btyd.simulate_bgnbd(3000, 0.25, 4.0, 0.8, 2.4, T=39.0, seed=5)
    path = tmp_path_factory.mktemp("bench") / "summary.npz"
    np.savez(path, frequency=s["frequency"].to_numpy(), recency=s["recency"].to_numpy(), T=s["T"].to_numpy())
    return path, s


def test_worker_answers_timed_requests_and_writes_outputs(log_npz, tmp_path):
    path, tx = log_npz
    out = tmp_path / "out.npz"
    reqs = [{"case": "rfm", "input": str(path), "output": str(out), "options": {"freq": "D"}},
            {"case": "rfm", "input": str(path), "output": None, "options": {"freq": "D"}},
            {"case": "no_such_case", "input": str(path), "output": None}]
    proc = subprocess.run([sys.executable, "-m", "bench.worker", "relmkt"], cwd=ROOT, text=True, capture_output=True,
                          input="".join(json.dumps(r) + "\n" for r in reqs), timeout=120)
    replies = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["ok"] for r in replies] == [True, True, False]
    assert all(r["seconds"] > 0 for r in replies[:2])
    assert replies[0]["peak_mib"] is None or replies[0]["peak_mib"] >= 0
    assert "KeyError" in replies[2]["error"]  # an unknown case is reported, the worker keeps serving
    got = np.load(out)
    want = btyd.rfm_summary(tx, freq="D")
    assert np.array_equal(got["customer_id"], want.index.to_numpy().astype(str))
    assert np.allclose(got["recency"], want["recency"]) and np.allclose(got["monetary_value"], want["monetary_value"])


def test_worker_usage_error_exits_2():
    proc = subprocess.run([sys.executable, "-m", "bench.worker", "nope"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "usage" in proc.stderr


@pytest.fixture
def workers():
    """Two relmkt workers standing in for relmkt and the peer; stopped after the test."""
    pair = {"relmkt": driver.Worker("relmkt", Path(sys.executable)),
            "lifetimes": driver.Worker("relmkt", Path(sys.executable))}
    yield pair
    for w in pair.values():
        w.stop()


def test_measure_alternates_keeps_best_and_compares(summary_npz, tmp_path, workers):
    path, _ = summary_npz
    case = driver.Case("fit_bgnbd", "test", 3000, "customers", lambda: path)
    res = driver.measure(case, workers, reps=3, slow_after=60, timeout=120, outdir=tmp_path)
    for side in ("relmkt", "lifetimes"):
        assert res[side]["runs"] == 3 and res[side]["error"] is None and res[side]["best_s"] > 0
    cmp = driver.compare(case, res)
    assert cmp["agrees"] is True and cmp["ll_relmkt"] == pytest.approx(cmp["ll_lifetimes"], abs=1e-9)


def test_slow_side_runs_once_and_timeout_is_reported(summary_npz, tmp_path, workers):
    path, _ = summary_npz
    case = driver.Case("fit_pnbd", "test", 3000, "customers", lambda: path)
    res = driver.measure(case, workers, reps=3, slow_after=0.0, timeout=120, outdir=tmp_path)
    assert res["relmkt"]["runs"] == 1 and res["lifetimes"]["runs"] == 1  # slower than slow_after: once
    stopped = driver.measure(case, workers, reps=2, slow_after=60, timeout=1e-4, outdir=tmp_path)
    assert stopped["relmkt"]["timeout"] and stopped["relmkt"]["best_s"] is None
    assert "not compared" in driver.compare(case, stopped)["detail"]
    again = driver.measure(case, workers, reps=1, slow_after=60, timeout=120, outdir=tmp_path)
    assert again["relmkt"]["best_s"] > 0  # the stopped worker was restarted


def test_agreement_checks_can_fail(summary_npz):
    _, s = summary_npz
    ids = np.array(["a", "b"])
    base = {"customer_id": ids, "frequency": np.array([1.0, 0.0]), "recency": np.array([2.0, 0.0]),
            "T": np.array([5.0, 3.0]), "monetary_value": np.array([10.0, 0.0])}
    assert agreement.summaries(base, dict(base))[0]
    assert not agreement.summaries(base, {**base, "recency": np.array([2.0 + 1e-5, 0.0])})[0]
    assert not agreement.summaries(base, {**base, "customer_id": np.array(["a", "c"])})[0]
    data = {k: s[k].to_numpy() for k in ("frequency", "recency", "T")}
    best = btyd.BetaGeo(data["frequency"], data["recency"], data["T"]).fit().params.to_numpy()
    worse = best * np.array([1.05, 1.0, 1.0, 1.0])
    assert agreement.fits("fit_bgnbd", data, {"params": best}, {"params": worse})[0]
    ok, detail, extra = agreement.fits("fit_bgnbd", data, {"params": worse}, {"params": best})
    assert not ok and extra["ll_relmkt"] < extra["ll_lifetimes"]
    pred = {"p_alive": np.array([0.5, 0.9]), "expected_purchases": np.array([0.1, 12.0])}
    assert agreement.predictions(pred, {"p_alive": np.array([0.5, 0.9]), "expected_purchases": np.array([0.1, 12.0 + 1e-6])})[0]
    assert not agreement.predictions(pred, {**pred, "p_alive": np.array([0.5, np.nan])})[0]


def test_report_writes_table_ratios_and_plot(tmp_path):
    side = lambda t, mib: {"best_s": t, "runs": 3, "peak_mib": mib, "error": None, "timeout": False}  # noqa: E731
    cases = [
        {"kind": "rfm", "label": "CDNOW", "size": 69_659, "unit": "transactions", "relmkt": side(0.02, 10.0),
         "lifetimes": side(0.4, 80.0), "agreement": {"agrees": True, "detail": "largest difference 0"}},
        {"kind": "rfm", "label": "1M", "size": 1_000_000, "unit": "transactions", "relmkt": side(0.3, 150.0),
         "lifetimes": {**side(None, None), "timeout": True, "error": "stopped"},
         "agreement": {"agrees": None, "detail": "not compared: stopped"}},
        {"kind": "fit_bgnbd", "label": "CDNOW", "size": 23_570, "unit": "customers", "relmkt": side(0.03, 5.0),
         "lifetimes": side(0.6, 20.0), "agreement": {"agrees": False, "detail": "LL lower",
                                                     "params_relmkt": [1, 2, 3, 4], "params_lifetimes": [1, 2, 3, 5]}},
    ]
    meta = {"machine": {"cpu": "cpu", "cores": 2, "memory_gib": 24.0, "os": "linux"},
            "relmkt_env": {"python": "3.11", "numpy": "2", "pandas": "3", "scipy": "1"},
            "lifetimes_env": {"python": "3.11", "numpy": "1", "pandas": "1", "scipy": "1", "lifetimes": "0.11.3"},
            "reps": 3, "slow_after_s": 60.0, "timeout_s": 900.0, "bench_wall_s": 120.0, "date": "2026-01-01"}
    batch = {"wall_s": 80.0, "exit_code": 0, "jobs": 2, "runs": [
        {"name": "a", "notebook": "00", "status": "ok", "seconds": 12.0, "cells_s": 9.0, "slowest_cell_s": 3.0}]}
    md, png = tmp_path / "RESULTS.md", tmp_path / "results.png"
    report.write(md, png, meta, cases, batch)
    text = md.read_text()
    assert "**20×**" in text  # 0.4 / 0.02
    assert "> 900 (stopped)" in text
    assert "| **no** |" in text and "80.0 s wall time" in text
    assert png.stat().st_size > 10_000


def test_the_batch_section_gives_the_fixed_cost_the_command_start_and_the_load(tmp_path):
    """The rows of issue 25: a run's fixed cost (run less cells), the relmkt command's start, the machine's load."""
    meta = {"machine": {"cpu": "cpu", "cores": 2, "memory_gib": 24.0, "os": "linux", "load": [0.5, 1.25, 2.0]},
            "relmkt_env": {"python": "3.11", "numpy": "2", "pandas": "3", "scipy": "1"},
            "lifetimes_env": {"python": "3.11", "numpy": "1", "pandas": "1", "scipy": "1", "lifetimes": "0.11.3"},
            "reps": 3, "slow_after_s": 60.0, "timeout_s": 900.0, "bench_wall_s": 120.0, "date": "2026-01-01"}
    batch = {"wall_s": 40.0, "exit_code": 0, "jobs": 2, "fixed_median_s": 0.84, "fixed_max_s": 1.5,
             "issue_25_wall_s": 36.5, "issue_25_exit_code": 0, "issue_25_runs": 15,
             "cli": {"import_s": 0.071, "help_s": 0.12, "python_s": 0.02, "reps": 7},
             "runs": [{"name": "a", "notebook": "00", "status": "ok", "seconds": 3.0, "cells_s": 2.1, "slowest_cell_s": 1.0}]}
    md = tmp_path / "WAITING.md"
    report.write(md, report.png_path(md), meta, [], batch)
    text = md.read_text()
    assert "load average 0.50, 1.25, 2.00" in text
    assert "median **0.84 s**, largest 1.50 s" in text
    assert "The 15 runs of the default batch when issue 25 set its goal of 45 s" in text and "**36.5 s wall time**" in text
    assert "| a | 00 | ok | 3.0 | 2.1 | 1.0 |" in text
    assert "**0.071 s** beyond a bare Python start" in text and "answers in 0.120 s" in text
    assert "(waiting.png)" in text and report.png_path(tmp_path / "RESULTS.md").name == "results.png"
    cli = driver.time_cli(reps=1)                      # measured for real: fresh interpreters
    assert cli["python_s"] > 0 and cli["help_s"] > 0 and cli["import_s"] < 5


def test_bench_without_peer_environment_exits_2(tmp_path, capsys):
    assert driver.main(["--peer-python", str(tmp_path / "missing" / "python"), "--quick"]) == 2
    assert "make bench" in capsys.readouterr().err


def test_duckdb_case_runs_relmkt_only_checks_against_pandas_and_gets_its_section(tmp_path, workers):
    from test_btyd_engines import need

    need("duckdb", "duckdb")
    tx = btyd.simulate_transactions(2000, 0.5, 20.0, 0.7, 2.5, start="2021-01-01", end="2021-12-31", seed=6)
    path = tmp_path / "log.parquet"
    tx.to_parquet(path)
    case = driver.Case("rfm_duckdb", "test", len(tx), "transactions", lambda: path,
                       {"freq": "D", "memory_limit": "200MB", "threads": 1}, peer=False)
    res = driver.measure(case, workers, reps=1, slow_after=60, timeout=120, outdir=tmp_path)
    assert list(res) == ["relmkt"] and res["relmkt"]["best_s"] > 0  # no Lifetimes side
    cmp = driver.compare(case, res)
    assert cmp["agrees"] is True and "same as the pandas path" in cmp["detail"]
    row = {"kind": case.kind, "label": case.label, "size": case.size, "unit": case.unit, "options": case.options,
           **res, "agreement": cmp}
    meta = {"machine": {"cpu": "cpu", "cores": 2, "memory_gib": 24.0, "os": "linux"},
            "relmkt_env": {"python": "3.11", "numpy": "2", "pandas": "3", "scipy": "1", "duckdb": "2"},
            "lifetimes_env": {"python": "3.11", "numpy": "1", "pandas": "1", "scipy": "1", "lifetimes": "0.11.3"},
            "reps": 1, "slow_after_s": 60.0, "timeout_s": 900.0, "bench_wall_s": 10.0, "date": "2026-01-01"}
    md = tmp_path / "RESULTS.md"
    report.write(md, tmp_path / "results.png", meta, [row], None)
    text = md.read_text()
    assert "## Beyond memory: DuckDB" in text and "memory_limit=200MB" in text and "| yes |" in text


def test_update_replaces_only_the_rerun_cases_and_says_so(tmp_path):
    last = {"meta": {"date": "2026-11-01", "bench_wall_s": 1500.0},
            "cases": [{"kind": "rfm", "label": "2M", "t": 1}, {"kind": "fit_bgnbd", "label": "1M", "t": 2}],
            "batch": {"wall_s": 100.0}}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(last))
    meta, cases, batch = driver.merge_into_last_run(path, {"date": "2026-11-30", "bench_wall_s": 120.0},
                                             [{"kind": "rfm", "label": "2M", "t": 9}], None)
    assert cases == [{"kind": "rfm", "label": "2M", "t": 9}, {"kind": "fit_bgnbd", "label": "1M", "t": 2}]
    assert batch == {"wall_s": 100.0} and meta["date"] == "2026-11-01"
    assert meta["updates"] == [{"date": "2026-11-30", "rerun": ["rfm 2M"], "wall_s": 120.0}]
    with pytest.raises(SystemExit, match="earlier run"):
        driver.merge_into_last_run(tmp_path / "none.json", meta, [], None)
