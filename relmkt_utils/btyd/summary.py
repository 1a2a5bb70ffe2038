"""Recency-frequency-monetary (RFM) summaries of a transaction log, the input of the BTYD models:
:func:`rfm_summary` (the one entry point of every engine), :func:`compress_summary` and
:func:`calibration_end`.

The conventions are exactly those of Lifetimes 0.11.3 (``summary_data_from_transaction_data`` and
``calibration_and_holdout_data``), so numbers can be compared with that library. The options are checked
once (:class:`.options.SummaryOptions`); a pandas DataFrame is summarised by numpy
(:func:`.numpy_engine.summarize_frame`), files and Spark DataFrames by DuckDB or Spark
(:func:`.engines.run_summary`). The engines depend on :mod:`.options` and :mod:`.numpy_engine`, and
nothing depends back on this module, so the engines do not call each other.
"""
from __future__ import annotations

import pandas as pd

from ..core.checks import checked, number
from ..core.errors import ParameterError
from . import engines
from .numpy_engine import compress_summary, summarize_frame
from .options import SummaryOptions, check_engine

__all__ = ["rfm_summary", "compress_summary", "calibration_end"]


def rfm_summary(
    transactions,
    observation_end=None,
    freq: str = "W",
    calibration_end=None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = "amount",
    freq_multiplier: float = 1,
    *,
    engine: str | None = None,
    compress: bool = False,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
    threads: int | None = None,
    spark=None,
) -> pd.DataFrame:
    r"""One row per customer with the sufficient statistics of the BTYD models.

    Conventions (those of Lifetimes 0.11.3, ``summary_data_from_transaction_data``):

    * dates are cut to periods of ``freq`` (``"D"`` days, ``"W"`` weeks Monday-Sunday) and all purchases
      of a customer in one period are merged into one (their amounts are summed);
    * the observation end is cut to its period too, and every purchase whose *period* is not after the
      observation end's period is kept (so a purchase later in the same week as ``observation_end`` counts);
    * ``frequency`` :math:`x` = number of distinct periods with a purchase, minus one (the first);
    * ``recency`` :math:`t_x` = last purchase period minus first purchase period, in periods;
    * ``T`` = observation-end period minus first purchase period, in periods (0 for a customer born in
      the last period); customers whose first purchase is after the observation end are absent;
    * ``monetary_value`` = mean of the per-period totals of the repeat periods, 0 when :math:`x=0`;
      amounts must be >= 0 (negative amounts, e.g. returns, are refused with the customers named); a
      purchase with amount 0 counts as a purchase worth nothing;
    * ``freq_multiplier`` divides ``recency``, ``T`` (and ``duration_holdout``) after the counting, so
      they are measured in larger units while purchases are still merged per ``freq`` period:
      ``freq="D", freq_multiplier=7`` gives the "weeks measured in days" of Fader, Hardie & Lee (2005),
      whose CDNOW calibration summary it reproduces (Lifetimes has the same argument);
    * dates are calendar days by the suite's one day rule (:func:`relmkt_utils.core.time.day_numbers`): a
      timestamp without a time zone on the day it is written with, one with a zone or offset on its day
      in UTC, on every engine.

    **The summary records its period** in ``attrs``: ``freq``, ``freq_multiplier`` and ``time_unit`` (a
    :class:`relmkt_utils.core.time.TimeUnit`: ``freq="D", freq_multiplier=7`` is a week). Models built
    from the summary take their time unit from there (``BetaGeo.from_summary(summary)``; pandas hands the
    attrs on to the columns, so ``BetaGeo(s["frequency"], s["recency"], s["T"])`` does too), and so do
    their predictions in calendar terms (CLV, DERT, P(alive) histories).

    With ``calibration_end`` the statistics above describe the calibration period (transactions dated
    on or before ``calibration_end``; Lifetimes calls them ``frequency_cal`` etc.), and as in
    ``calibration_and_holdout_data`` three holdout columns are added for the customers of the calibration:

    * ``frequency_holdout`` = number of distinct periods with a purchase dated after ``calibration_end``
      and on or before ``observation_end`` (default: the last date of the log);
    * ``monetary_value_holdout`` = mean amount of those *individual* holdout purchases (not per-period
      totals, as in Lifetimes), 0 when there is none;
    * ``duration_holdout`` = period of ``observation_end`` minus period of ``calibration_end``.

    Parameters
    ----------
    transactions : the log: a pandas DataFrame with a customer column, a date column (datetime or
        parseable strings) and optionally an amount column (``amount_col=None`` skips the monetary
        columns); or a Parquet/CSV file, folder or glob (``"logs/*.parquet"``); or a Spark DataFrame.
    observation_end : date, optional; default the last date of the log.
    freq : ``"D"`` or ``"W"``.
    calibration_end : date, optional; adds the holdout columns.
    freq_multiplier : positive number of ``freq`` periods per time unit of the output.
    engine : ``"pandas"`` (default for a DataFrame: numpy, :func:`.numpy_engine.summarize_frame`), ``"duckdb"``
        (default for a path: out of core, within ``memory_limit``, spilling to ``temp_directory``) or
        ``"spark"`` (default for a Spark DataFrame; a path is read by ``spark`` or the active session).
        DuckDB and Spark run one generated SQL query (:mod:`relmkt_utils.btyd.engines`) and give the
        same table as pandas (tested to 1e-9), dates by the same day rule. Text dates must be ISO there.
    compress : return :func:`compress_summary` of the summary (computed inside the engine, so only the
        distinct (frequency, recency, T) rows leave DuckDB or the cluster).
    memory_limit, temp_directory, threads : DuckDB settings (e.g. ``"2GB"``, a folder for spills).
    spark : the SparkSession for ``engine="spark"`` (default: the active one, else a local one in UTC).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), float columns ``frequency, recency, T,
    monetary_value`` (+ holdout columns).
    """
    options = SummaryOptions.of(freq=freq, freq_multiplier=freq_multiplier, observation_end=observation_end,
                                calibration_end=calibration_end, customer_col=customer_col, date_col=date_col,
                                amount_col=amount_col, compress=compress)
    check_engine(engine)
    if isinstance(transactions, pd.DataFrame) and engine in (None, "pandas"):
        return summarize_frame(transactions, options)
    settings = engines.EngineSettings(engine=engine, memory_limit=memory_limit, temp_directory=temp_directory,
                                      threads=threads, spark=spark)
    return engines.run_summary(transactions, options, settings)


@checked(share=number(0, 1, low_open=True, high_open=True))
def calibration_end(observation_start, observation_end, given=None, share: float = 2 / 3) -> pd.Timestamp:
    """The end of the calibration period of a BTYD calibration/holdout split: ``given`` when it is a
    date (e.g. ``"1997-09-30"`` for CDNOW, as in Fader, Hardie & Lee 2005), else the day that ends
    ``share`` of the observation window (two thirds by default)."""
    start, end = (_stamp(observation_start, "observation_start"), _stamp(observation_end, "observation_end"))
    if given not in (None, ""):
        cal = _stamp(given, "calibration_end")
        if not start <= cal < end:
            raise ParameterError(f"calibration_end {cal.date()} must lie in the observation window "
                                 f"{start.date()} to {end.date()}, before its end")
        return cal
    return (start + (end - start) * share).normalize()


def _stamp(value, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise ParameterError(f"calibration_end: {name} {value!r} is not a date (write it as YYYY-MM-DD)")
    return stamp
