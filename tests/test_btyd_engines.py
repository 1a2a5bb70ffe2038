"""rfm_summary beyond pandas: the DuckDB engine gives the pandas summary to 1e-9 on the same logs (edge
cases, calibration/holdout, D and W, freq_multiplier 7, text and integer ids, files and globs, random
logs), within a memory limit; compress_summary keeps the fits exact; `relmkt summarize`; datasets whose
transactions are a Parquet folder (`transactions_path`). The Spark engine: test_btyd_engines_spark.py.

The DuckDB tests skip when duckdb is not installed, except under CI=true, where they fail: CI must run
them (`make test` installs the `test` extra, which includes duckdb)."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relmkt_utils import btyd
from relmkt_utils.btyd import engines
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.data import datasets

ROOT = Path(__file__).resolve().parents[1]


def need(module: str, extra: str):
    """The optional package; without it the test skips with the reason, or fails under CI=true."""
    try:
        return importlib.import_module(module)
    except ImportError:
        reason = f"{module} is not installed (pip install -e '.[{extra}]')"
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"{reason}, but CI=true: the engine tests must run in CI")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def duck():
    return need("duckdb", "duckdb")


# A log with every edge the conventions speak of (2024-01-01 is a Monday; weeks run Monday to Sunday).
EDGE_ROWS = [
    ("a", "2024-01-01", 10.0), ("a", "2024-01-01", 5.0),   # two purchases on one day: one period
    ("a", "2024-01-03", 2.0),                              # same week as the first (W: merged)
    ("a", "2024-01-10", 4.0), ("a", "2024-02-20", 8.0),    # a repeat; a holdout purchase
    ("a", "2024-03-15", 1.0),                              # after every observation end used below
    ("b", "2024-01-05", 7.0),                              # one purchase only
    ("c", "2024-03-12", 3.0),                              # first seen after the observation end
    ("d", "2024-01-31", 6.0),                              # on the calibration end
    ("d", "2024-02-01", 1.0), ("d", "2024-02-01", 3.0),    # two holdout purchases on one day
    ("e", "2024-02-15", 9.0),                              # only in the holdout period
    ("f", "2024-03-04", 2.0), ("f", "2024-03-09", 2.5),    # in the week of observation_end 2024-03-07
    ("f", "2024-03-10", 1.5),
    ("g", "2024-01-02", 0.0), ("g", "2024-01-20", 0.0),    # zero amounts
]
INT_IDS = {"a": 10, "b": 9, "c": 100, "d": 2, "e": 55, "f": 1000, "g": 7}  # numeric order != text order


def edge_log(ids: str = "text") -> pd.DataFrame:
    tx = pd.DataFrame(EDGE_ROWS, columns=["customer_id", "date", "amount"])
    tx["date"] = pd.to_datetime(tx["date"])
    if ids == "int":
        tx["customer_id"] = tx["customer_id"].map(INT_IDS).astype("int64")
    return tx


OPTIONS = [
    dict(freq="D"),
    dict(freq="W"),
    dict(freq="W", observation_end="2024-03-07"),
    dict(freq="D", observation_end="2024-03-10", calibration_end="2024-01-31"),
    dict(freq="W", observation_end="2024-03-10", calibration_end="2024-01-31"),
    dict(freq="D", freq_multiplier=7, calibration_end="2024-01-31"),
    dict(freq="D", freq_multiplier=7, amount_col=None),
    dict(freq="W", calibration_end="2024-01-31", amount_col=None),
]


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same customers in the same order, same columns, every number within 1e-9 (relative)."""
    assert list(got.index) == list(want.index)
    assert got.index.name == want.index.name
    assert list(got.columns) == list(want.columns)
    np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("ids", ["text", "int"])
@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_duckdb_equals_pandas_on_edge_cases(duck, opts, ids):
    tx = edge_log(ids)
    want = btyd.rfm_summary(tx, **opts)
    assert_same(btyd.rfm_summary(tx, engine="duckdb", **opts), want)
    assert_same(btyd.rfm_summary(tx, engine="duckdb", compress=True, **opts).set_index(["frequency"]),
                btyd.compress_summary(want).set_index(["frequency"]))


def test_edge_log_numbers_by_hand(duck):
    """The conventions, read off the DuckDB result (so it is checked against the rules, not only pandas)."""
    tx = edge_log()
    s = btyd.rfm_summary(tx, engine="duckdb", freq="D", observation_end="2024-03-10", calibration_end="2024-01-31")
    assert list(s.index) == ["a", "b", "d", "g"]  # c and f are born later, e only in the holdout
    assert s.loc["a"].tolist() == [2, 9, 30, 3.0, 1, 8.0, 39]  # days 1,3,10; repeats 2 and 4; holdout 20 Feb
    assert s.loc["d"].tolist() == [0, 0, 0, 0.0, 1, 2.0, 39]  # two holdout purchases on one day: 1 period, mean 2
    assert s.loc["b", "frequency_holdout"] == 0 and s.loc["b", "monetary_value_holdout"] == 0
    w = btyd.rfm_summary(tx, engine="duckdb", freq="W", observation_end="2024-03-07")
    assert w.loc["f"].tolist() == [0, 0, 0, 6.0 * 0]  # 4, 9 and 10 March are one week: no repeat
    assert "c" not in w.index
    assert w.loc["a"].tolist() == [2, 7, 9, 6.0]  # weeks 0, 1, 7 (the 15 March week is after the end)


def test_a_huge_first_purchase_costs_no_precision(duck):
    """The SQL takes the repeat total as all periods minus the first, except where that would lose
    precision: 1e12 + 0.01 + 0.07 - 1e12 is 0.0800781 in doubles, the repeat purchases are 0.08."""
    tx = pd.DataFrame({"customer_id": ["h", "h", "h", "i", "i"], "amount": [1e12, 0.01, 0.07, 5.0, 6.0],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-01", "2024-01-05"])})
    want = btyd.rfm_summary(tx, freq="D")
    assert want.loc["h", "monetary_value"] == pytest.approx(0.04, rel=1e-12)
    assert_same(btyd.rfm_summary(tx, freq="D", engine="duckdb"), want)


def test_text_ids_of_every_pandas_kind_give_the_same_summary(duck):
    tx = edge_log()
    want = btyd.rfm_summary(tx, freq="D")
    for dtype in (object, "string", "str"):
        got = btyd.rfm_summary(tx.astype({"customer_id": dtype}), freq="D")
        assert_same(got, want)
        assert_same(btyd.rfm_summary(tx.astype({"customer_id": dtype}), freq="D", engine="duckdb"), want)


def test_pandas_path_does_not_depend_on_row_order():
    tx = btyd.simulate_transactions(500, 0.5, 20.0, 0.8, 2.5, seed=8)
    shuffled = tx.sample(frac=1.0, random_state=1).reset_index(drop=True)
    for freq in ("D", "W"):
        assert_same(btyd.rfm_summary(shuffled, freq=freq), btyd.rfm_summary(tx, freq=freq))


def test_time_zone_aware_dates_are_cut_in_utc():
    tx = edge_log()
    tokyo = tx.assign(date=tx["date"].dt.tz_localize("Asia/Tokyo"))  # midnight in Tokyo = the day before in UTC
    utc_days = tx.assign(date=tokyo["date"].dt.tz_convert("UTC").dt.tz_localize(None))
    assert_same(btyd.rfm_summary(tokyo, freq="D"), btyd.rfm_summary(utc_days, freq="D"))


# Purchases at time-zone edges (local clock, zone): late evening in New York is the next UTC day, early
# morning in Tokyo the previous one, and the daylight-saving night moves the offset.
TZ_EDGE = [
    ("ny", "2020-01-01 23:30", "America/New_York"), ("ny", "2020-01-02 00:30", "America/New_York"),
    ("ny", "2020-01-05 12:00", "America/New_York"),
    ("tokyo", "2020-01-01 23:30", "Asia/Tokyo"), ("tokyo", "2020-01-02 00:30", "Asia/Tokyo"),
    ("tokyo", "2020-01-03 08:59", "Asia/Tokyo"), ("tokyo", "2020-01-03 09:00", "Asia/Tokyo"),
    ("dst", "2020-03-08 01:30", "America/New_York"), ("dst", "2020-03-08 23:30", "America/New_York"),
    ("utc", "2019-12-31 23:59:59", "UTC"), ("utc", "2020-01-02 00:00", "UTC"),
]


def tz_edge_log() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(the log with time-zone-aware dates, the same log with each purchase's UTC day as a naive date, the
    dates as ISO text with their own offsets)."""
    stamps = [pd.Timestamp(clock, tz=zone) for _, clock, zone in TZ_EDGE]
    ids = [c for c, _, _ in TZ_EDGE]
    amounts = np.arange(1.0, len(TZ_EDGE) + 1)
    aware = pd.DataFrame({"customer_id": ids, "date": pd.Series([s.tz_convert("UTC") for s in stamps])
                          .dt.tz_convert("America/New_York"), "amount": amounts})
    utc_days = pd.DataFrame({"customer_id": ids, "amount": amounts,
                             "date": pd.to_datetime([s.tz_convert("UTC").strftime("%Y-%m-%d") for s in stamps])})
    return aware, utc_days[["customer_id", "date", "amount"]], [s.isoformat() for s in stamps]


TZ_OPTIONS = [dict(freq="D", observation_end="2020-03-10"), dict(freq="W", observation_end="2020-03-10"),
              dict(freq="D", observation_end="2020-03-10", calibration_end="2020-01-02")]


def test_the_tz_edge_log_tells_the_day_rules_apart():
    aware, utc_days, _ = tz_edge_log()
    local_days = aware.assign(date=[pd.Timestamp(c) for _, c, _ in TZ_EDGE])       # the local clock's day
    opts = TZ_OPTIONS[0]
    assert not btyd.rfm_summary(local_days, **opts).equals(btyd.rfm_summary(utc_days, **opts))
    for o in TZ_OPTIONS:
        assert_same(btyd.rfm_summary(aware, **o), btyd.rfm_summary(utc_days, **o))


@pytest.mark.parametrize("opts", TZ_OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_duckdb_and_pandas_agree_on_the_day_rule_at_time_zone_edges(duck, tmp_path, opts):
    """One day rule on every source: a tz-aware pandas frame, Parquet with tz-aware timestamps, Parquet and
    CSV with naive UTC wall clocks, CSV text with mixed UTC offsets; DuckDB and pandas."""
    aware, utc_days, text = tz_edge_log()
    want = btyd.rfm_summary(utc_days, **opts)
    aware.to_parquet(tmp_path / "aware.parquet")
    utc_days.to_parquet(tmp_path / "naive.parquet")
    aware.assign(date=text).to_csv(tmp_path / "offsets.csv", index=False)
    sources = [aware, tmp_path / "aware.parquet", tmp_path / "naive.parquet", tmp_path / "offsets.csv"]
    for source in sources:
        assert_same(btyd.rfm_summary(source, engine="duckdb", **opts), want)
        assert_same(btyd.rfm_summary(source, engine="pandas", **opts), want)


@st.composite
def random_logs(draw):
    n = draw(st.integers(1, 40))
    ids = draw(st.lists(st.sampled_from(["x", "y", "z", "10", "9", "é", "Z"]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 70), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(0, 100_000), min_size=n, max_size=n))
    tx = pd.DataFrame({"customer_id": ids, "date": pd.Timestamp("2023-12-25") + pd.to_timedelta(days, "D"),
                       "amount": np.array(cents) / 100})
    freq = draw(st.sampled_from(["D", "W"]))
    opts = {"freq": freq, "freq_multiplier": draw(st.sampled_from([1, 7, 2.5]))}
    last = tx["date"].max()
    if draw(st.booleans()):
        opts["observation_end"] = pd.Timestamp("2023-12-25") + pd.Timedelta(days=draw(st.integers(0, 80)))
    if draw(st.booleans()):
        opts["calibration_end"] = pd.Timestamp("2023-12-25") + pd.Timedelta(days=draw(st.integers(0, 70)))
    return tx, opts, last


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(random_logs())
def test_duckdb_equals_pandas_on_random_logs(duck, case):
    tx, opts, _ = case
    try:
        want = btyd.rfm_summary(tx, **opts)
    except DataError as err:  # no calibration or holdout purchase: both engines say the same sentence
        with pytest.raises(DataError) as got:
            btyd.rfm_summary(tx, engine="duckdb", **opts)
        assert str(got.value) == str(err)
        return
    assert_same(btyd.rfm_summary(tx, engine="duckdb", **opts), want)


def test_simulated_log_and_compressed_fits_are_exact(duck):
    tx = btyd.simulate_transactions(3000, 0.4, 15.0, 0.8, 2.5, start="2021-01-01", end="2022-06-30", seed=4)
    for opts in (dict(freq="D", freq_multiplier=7), dict(freq="W", calibration_end="2022-01-31")):
        want = btyd.rfm_summary(tx, **opts)
        assert_same(btyd.rfm_summary(tx, engine="duckdb", **opts), want)
    s = btyd.rfm_summary(tx, freq="D", freq_multiplier=7)
    c = btyd.rfm_summary(tx, engine="duckdb", freq="D", freq_multiplier=7, compress=True)
    assert c["weight"].sum() == len(s) and len(c) < len(s)
    assert c["monetary_value_sum"].sum() == pytest.approx(s["monetary_value"].sum(), rel=1e-12)
    full = btyd.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    grouped = btyd.BetaGeo(c["frequency"], c["recency"], c["T"], weights=c["weight"]).fit()
    np.testing.assert_allclose(grouped.params, full.params, rtol=1e-6)
    assert grouped.llf == pytest.approx(full.llf, rel=1e-9)
    buyers = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    pairs = btyd.compress_summary(buyers, by=("frequency", "monetary_value"))
    gg_full = btyd.GammaGamma(buyers["frequency"], buyers["monetary_value"]).fit()
    gg = btyd.GammaGamma(pairs["frequency"], pairs["monetary_value"], weights=pairs["weight"]).fit()
    np.testing.assert_allclose(gg.params, gg_full.params, rtol=1e-6)


def test_compress_summary_of_a_calibration_summary():
    s = btyd.rfm_summary(edge_log(), freq="D", observation_end="2024-03-10", calibration_end="2024-01-31")
    c = btyd.compress_summary(s)
    assert list(c.columns) == ["frequency", "recency", "T", "duration_holdout", "weight", "monetary_value_sum",
                               "frequency_holdout_sum", "monetary_value_holdout_sum"]
    assert c["weight"].sum() == len(s) and c["frequency_holdout_sum"].sum() == s["frequency_holdout"].sum()
    with pytest.raises(DataError, match="no column"):
        btyd.compress_summary(s, by=("frequency", "spend"))


def test_files_folders_and_globs(duck, tmp_path):
    tx = edge_log()
    want = btyd.rfm_summary(tx, freq="W", calibration_end="2024-01-31")
    tx.to_parquet(tmp_path / "log.parquet")
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, chunk in enumerate([tx.iloc[:6], tx.iloc[6:12], tx.iloc[12:]]):
        chunk.to_parquet(parts / f"part-{i}.parquet")
    zeros = tx.assign(customer_id="00" + tx["customer_id"])  # text ids with leading zeros stay text
    zeros.assign(date=zeros["date"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "log.csv", index=False)
    want_zeros = btyd.rfm_summary(zeros, freq="W", calibration_end="2024-01-31")
    for source, expected in [(tmp_path / "log.parquet", want), (str(parts), want), (str(parts / "*.parquet"), want),
                             (str(tmp_path / "log.csv"), want_zeros)]:
        for engine in ("duckdb", "pandas"):
            assert_same(btyd.rfm_summary(source, engine=engine, freq="W", calibration_end="2024-01-31"), expected)
    assert engines.default_engine(str(parts)) == "duckdb" and engines.default_engine(tx) == "pandas"


def test_within_a_small_memory_limit(duck, tmp_path):
    tx = btyd.simulate_transactions(60_000, 0.5, 20.0, 0.8, 2.5, seed=9)
    path = tmp_path / "log.parquet"
    tx.to_parquet(path)
    got = btyd.rfm_summary(path, freq="D", memory_limit="40MB", threads=1, temp_directory=str(tmp_path / "spill"))
    assert_same(got, btyd.rfm_summary(tx, freq="D"))
    with pytest.raises(ParameterError, match="memory_limit"):
        btyd.rfm_summary(path, memory_limit="a lot")


def test_user_mistakes_are_sentences(duck, tmp_path):
    tx = edge_log()
    with pytest.raises(DataError, match="no such file"):
        btyd.rfm_summary(tmp_path / "none.parquet")
    with pytest.raises(DataError, match="no file matches"):
        btyd.rfm_summary(str(tmp_path / "*.parquet"))
    tx.to_parquet(tmp_path / "log.parquet")
    with pytest.raises(DataError, match=r"no column\(s\) \['buyer'\]"):
        btyd.rfm_summary(tmp_path / "log.parquet", customer_col="buyer")
    with pytest.raises(ParameterError, match="observation_end"):
        btyd.rfm_summary(tmp_path / "log.parquet", observation_end="2024-02-30")
    bad = tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d"))
    bad.loc[3, "date"] = "soon"
    with pytest.raises(DataError, match="unparseable dates"):
        btyd.rfm_summary(bad, engine="duckdb")
    with pytest.raises(ParameterError, match="engine"):
        btyd.rfm_summary(tx, engine="polars")
    for sentence_of in (lambda e: btyd.rfm_summary(tx.assign(amount=-tx["amount"]), engine=e),
                        lambda e: btyd.rfm_summary(tx.assign(customer_id=tx["customer_id"].where(tx.index != 2)), engine=e),
                        lambda e: btyd.rfm_summary(tx, engine=e, calibration_end="2023-06-01"),
                        lambda e: btyd.rfm_summary(tx, engine=e, observation_end="2023-12-31")):  # before any purchase
        with pytest.raises(DataError) as pandas_err:
            sentence_of("pandas")
        with pytest.raises(DataError) as duck_err:
            sentence_of("duckdb")
        assert str(duck_err.value) == str(pandas_err.value)


def test_one_sql_text_for_both_dialects():
    """The DuckDB and Spark queries differ only in identifier quotes: one definition of the summary."""
    for spec in (engines.Spec("W", 1.0, 19800), engines.Spec("D", 7.0, 19800, cal_day=19700),
                 engines.Spec("D", 1.0, 19800, cal_day=19700, amount=False)):
        duck_sql = engines.summary_sql("base", spec, engines.DUCKDB)
        assert duck_sql.replace('"', "`") == engines.summary_sql("base", spec, engines.SPARK)
        assert "ORDER BY" in duck_sql and ("hold AS" in duck_sql) == (spec.cal_day is not None)


def test_write_summary_parquet_and_csv(duck, tmp_path):
    tx = edge_log()
    want = btyd.rfm_summary(tx, freq="D", freq_multiplier=7)
    tx.to_parquet(tmp_path / "log.parquet")
    for engine in ("duckdb", "pandas"):
        for name in ("s.parquet", "s.csv"):
            out = tmp_path / f"{engine}-{name}"
            engines.write_summary(tmp_path / "log.parquet", out, engine=engine, freq="D", freq_multiplier=7)
            back = pd.read_parquet(out) if name.endswith("parquet") else pd.read_csv(out, dtype={"customer_id": str})
            assert_same(back.set_index("customer_id"), want)


def _relmkt(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "relmkt_utils", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


def test_cli_summarize_writes_the_summary_and_exits_2_on_mistakes(duck, tmp_path):
    tx = edge_log()
    tx.to_parquet(tmp_path / "log.parquet")
    out = tmp_path / "summary.parquet"
    res = _relmkt("summarize", str(tmp_path / "log.parquet"), "--out", str(out), "--freq", "D",
                  "--calibration-end", "2024-01-31", "--observation-end", "2024-03-10", "--memory-limit", "200MB")
    assert res.returncode == 0, res.stderr
    assert "4 customers" in res.stdout
    want = btyd.rfm_summary(tx, freq="D", calibration_end="2024-01-31", observation_end="2024-03-10")
    assert_same(pd.read_parquet(out).set_index("customer_id"), want)
    for args, words in [((str(tmp_path / "nothere.parquet"),), "no such file"),
                        ((str(tmp_path / "log.parquet"), "--date-col", "when"), "no column(s) ['when']"),
                        ((str(tmp_path / "log.parquet"), "--calibration-end", "31/01/2024x"), "is not a date")]:
        res = _relmkt("summarize", *args, "--out", str(tmp_path / "x.parquet"))
        assert res.returncode == 2, res.stderr
        assert words in res.stderr and "Traceback" not in res.stderr


def _big_shop(folder: Path, tx: pd.DataFrame, path_value="logs/*.parquet", end="2024-12-31") -> Path:
    (folder / "logs").mkdir(parents=True)
    for i, chunk in enumerate([tx.iloc[:8], tx.iloc[8:]]):
        chunk.to_parquet(folder / "logs" / f"part-{i}.parquet")
    (folder / "dataset.yml").write_text(
        "name: big_shop\ndescription: a log too big for pandas\ncurrency: EUR\ntime_unit: week\n"
        f"observation_start: 2024-01-01\nobservation_end: {end}\nprovenance: test\nlicence: CC0\n"
        f"transactions_path: {path_value}\n")
    return folder


def test_transactions_path_dataset_is_not_read_into_pandas(duck, tmp_path):
    tx = edge_log()
    folder = _big_shop(tmp_path / "big_shop", tx)
    ds = datasets.load(folder)
    assert ds.transactions is None and not ds.has("transactions")
    assert ds.transactions_source == str((folder / "logs" / "*.parquet").resolve())
    assert_same(btyd.rfm_summary(ds.transactions_source, freq="D"), btyd.rfm_summary(tx, freq="D"))
    res = _relmkt("summarize", str(folder), "--out", str(tmp_path / "s.parquet"), "--compress")
    assert res.returncode == 0, res.stderr
    assert pd.read_parquet(tmp_path / "s.parquet")["weight"].sum() == tx["customer_id"].nunique()


def test_transactions_path_is_validated_from_parquet_metadata(tmp_path):
    tx = edge_log()
    bad = tx.assign(amount=tx["amount"].astype(str))
    folder = _big_shop(tmp_path / "a", bad, end="2024-02-29")
    rules = {(p.code, p.column) for p in datasets.validate(folder)}
    assert ("column_type", "amount") in rules and ("date_window", "date") in rules
    folder = _big_shop(tmp_path / "b", tx.assign(amount=tx["amount"] - 1).drop(columns="customer_id"))
    rules = {(p.code, p.column) for p in datasets.validate(folder)}
    assert rules == {("missing_column", "customer_id"), ("finite_nonnegative", "amount")}
    folder = _big_shop(tmp_path / "c", tx, path_value="nowhere/*.parquet")
    assert [p.code for p in datasets.validate(folder)] == ["transactions_path"]


def test_repeat_transactions_over_time_from_parquet(duck, tmp_path):
    tx = btyd.simulate_transactions(800, 0.5, 20.0, 0.8, 2.5, start="2021-01-01", end="2021-12-31", seed=12)
    tx.to_parquet(tmp_path / "log.parquet")
    s = btyd.rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end="2021-08-31")
    fit = btyd.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    kw = dict(freq="D", freq_multiplier=7, calibration_end="2021-08-31")
    want = btyd.repeat_transactions_over_time(tx, fit, **kw)
    got = btyd.repeat_transactions_over_time(tmp_path / "log.parquet", fit, **kw, memory_limit="200MB")
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)
    assert want["actual"].sum() == btyd.rfm_summary(tx, freq="D")["frequency"].sum()


def test_duckdb_cuts_a_big_log_into_ranges_of_customers(duck, tmp_path, monkeypatch):
    """Above BYTES_PER_ROW x rows of memory_limit, DuckDB summarises ranges of ids one after the other:
    the same table (sorted, complete), the same compressed summary and the same file."""
    tx = btyd.simulate_transactions(2000, 0.5, 20.0, 0.8, 2.5, start="2021-01-01", end="2021-12-31", seed=21)
    tx.to_parquet(tmp_path / "log.parquet")
    opts = dict(freq="W", calibration_end="2021-09-30")
    want = btyd.rfm_summary(tx, **opts)
    assert_same(engines.summary(tmp_path / "log.parquet", buckets=3, **opts), want)
    got = engines.summary(tmp_path / "log.parquet", buckets=3, compress=True, **opts)
    assert_same(got.set_index(["frequency", "recency", "T"]), btyd.compress_summary(want).set_index(["frequency", "recency", "T"]))
    engines.write_summary(tmp_path / "log.parquet", tmp_path / "s.parquet", buckets=4, **opts)
    assert_same(pd.read_parquet(tmp_path / "s.parquet").set_index("customer_id"), want)
    monkeypatch.setattr(engines, "BYTES_PER_ROW", 500_000)  # as if each row needed 0.5 MB: 2 or more ranges
    assert _n_queries(tmp_path / "log.parquet", "20MB") >= 2
    assert_same(btyd.rfm_summary(tmp_path / "log.parquet", memory_limit="20MB", **opts), want)
    assert engines._bytes("1.5GB") == 1.5e9 and engines._bytes("1.3 GiB") == 1.3 * 2 ** 30



def _n_queries(path, memory_limit) -> int:
    """How many queries DuckDB's summary of ``path`` takes within ``memory_limit``."""
    options = engines.SummaryOptions.of(freq="W", freq_multiplier=1)
    with engines._runner("duckdb", path, options, engines.EngineSettings(memory_limit=memory_limit)) as runner:
        base, spec = engines._plan(runner, path, options)
        return len(engines._queries(runner, base, spec, compress=False))
