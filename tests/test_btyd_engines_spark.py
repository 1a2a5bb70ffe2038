"""rfm_summary on Spark (local mode): the same summary as pandas to 1e-9, from a Spark DataFrame, a pandas
DataFrame and Parquet files; the compression inside Spark; the lazy Spark result for clusters.

One module-scoped local SparkSession, small logs, few queries: the file runs in well under a minute.
Skips when pyspark or Java is missing, except under CI=true, where it fails (.ci/run installs Java and
`make test` the `spark` extra)."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from relmkt_utils import btyd
from relmkt_utils.btyd import engines
from relmkt_utils.core.errors import DataError
from test_btyd_engines import TZ_OPTIONS, assert_same, edge_log, need, tz_edge_log

# pyspark 4.3 warns that it does not yet "fully support" pandas 3, and calls astype(copy=False)
pytestmark = [pytest.mark.filterwarnings("ignore:.*PySpark does not yet fully support pandas"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def spark():
    need("pyspark", "spark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        reason = "Java is not installed (apt-get install default-jre-headless): Spark cannot start"
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"{reason}, but CI=true: the Spark engine tests must run in CI")
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    # a short-lived JVM: the quick JIT tier and the serial collector start several seconds sooner
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", "--driver-java-options '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' "
                                                 "pyspark-shell")
    session = (SparkSession.builder.master("local[1]").appName("relmkt-tests")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "1").config("spark.default.parallelism", "1")
               .config("spark.sql.adaptive.enabled", "false")  # tiny data: re-planning costs more than it saves
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_dataframe_text_ids_with_calibration_and_weeks(spark):
    tx = edge_log()
    frame = spark.createDataFrame(tx)
    for opts in (dict(freq="D", freq_multiplier=7, calibration_end="2024-01-31"),
                 dict(freq="W", observation_end="2024-03-07")):
        assert_same(btyd.rfm_summary(frame, **opts), btyd.rfm_summary(tx, **opts))  # Spark is the default engine


def test_integer_ids_and_compression_inside_spark(spark):
    tx = edge_log("int")
    opts = dict(freq="W", observation_end="2024-03-10", calibration_end="2024-01-31")
    got = btyd.rfm_summary(tx, engine="spark", spark=spark, compress=True, **opts)
    want = btyd.compress_summary(btyd.rfm_summary(tx, **opts))
    assert list(got.columns) == list(want.columns)
    assert_same(got.set_index("frequency"), want.set_index("frequency"))


def test_parquet_files_read_by_spark_and_the_lazy_result(spark, tmp_path):
    tx = btyd.simulate_transactions(300, 0.5, 20.0, 0.8, 2.5, seed=5)
    tx.to_parquet(tmp_path / "log.parquet")
    opts = dict(freq="D", amount_col=None)
    assert_same(btyd.rfm_summary(str(tmp_path / "log.parquet"), engine="spark", **opts), btyd.rfm_summary(tx, **opts))
    lazy = engines.spark_summary(spark.read.parquet(str(tmp_path / "log.parquet")), spark=spark, freq="W")
    lazy.write.parquet(str(tmp_path / "summary"))  # what a cluster job does: the summary stays on the cluster
    back = pd.read_parquet(tmp_path / "summary").set_index("customer_id").sort_index()
    assert_same(back, btyd.rfm_summary(tx, freq="W"))
    s = btyd.rfm_summary(tx, freq="W")
    fit = btyd.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    pd.testing.assert_frame_equal(btyd.repeat_transactions_over_time(spark.createDataFrame(tx), fit, freq="W"),
                                  btyd.repeat_transactions_over_time(tx, fit, freq="W"), rtol=1e-12)


def test_user_mistakes_are_sentences_on_spark(spark):
    frame = spark.createDataFrame(edge_log())
    with pytest.raises(DataError, match=r"no column\(s\) \['buyer'\]"):
        btyd.rfm_summary(frame, customer_col="buyer")
    with pytest.raises(DataError, match="engine='spark'"):
        btyd.rfm_summary(frame, engine="duckdb")


def test_spark_follows_the_day_rule_whatever_the_session_time_zone(spark, tmp_path):
    """Instants (Spark TIMESTAMP, tz-aware Parquet, text with offsets) on their UTC day, naive values as
    written, with the session in Los Angeles: the pandas summary of the UTC days."""
    aware, utc_days, text = tz_edge_log()
    aware.to_parquet(tmp_path / "aware.parquet")
    utc_days.to_parquet(tmp_path / "naive.parquet")
    aware.assign(date=text).to_csv(tmp_path / "offsets.csv", index=False)
    before = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
    try:
        frame = spark.createDataFrame(aware)                      # a Spark TIMESTAMP column: instants
        sources = [frame, aware, str(tmp_path / "aware.parquet"), str(tmp_path / "naive.parquet"),
                   str(tmp_path / "offsets.csv")]
        for opts in TZ_OPTIONS:
            want = btyd.rfm_summary(utc_days, **opts)
            for source in sources:
                assert_same(btyd.rfm_summary(source, engine="spark", spark=spark, **opts), want)
    finally:
        spark.conf.set("spark.sql.session.timeZone", before)
