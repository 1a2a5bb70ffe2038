"""Recency-frequency-monetary (RFM) summaries of a transaction log, the input of the BTYD models.

The conventions are exactly those of Lifetimes 0.11.3 (``summary_data_from_transaction_data`` and
``calibration_and_holdout_data``), so numbers can be compared with that library, but the work is done
on integer codes with numpy (one sort of a 64-bit key, then run-length reductions) instead of pandas
``Period`` objects and a two-level groupby.

Logs beyond memory (Parquet/CSV files read by DuckDB out of core, Spark DataFrames) go through the
same :func:`rfm_summary`, which hands them to :mod:`relmkt_utils.btyd.engines` (one SQL definition
for both engines, tested equal to this module's numpy path).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import DataError, ParameterError

#: Supported period lengths: days, and weeks that end on Sunday (pandas' ``"W"`` = ``"W-SUN"``).
FREQS = ("D", "W")
#: Where the summary can be computed (:mod:`relmkt_utils.btyd.engines` has the DuckDB and Spark ones).
ENGINES = ("pandas", "duckdb", "spark")
_MONDAY_1970 = 4  # 1970-01-05, the first Monday after the epoch, is day 4


def _days(values) -> np.ndarray:
    """Calendar days since 1970-01-01 as int64 (time of day dropped)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        try:
            s = pd.to_datetime(s)
        except (ValueError, TypeError, OverflowError) as exc:
            why = str(exc).splitlines()[0].split(". You might")[0]
            raise DataError(f"rfm_summary: the date column has unparseable dates ({why})") from None
    if isinstance(s.dtype, pd.DatetimeTZDtype):  # instants are cut to days in UTC, as by the SQL engines
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    arr = s.to_numpy()
    if np.isnat(arr).any():
        raise DataError("rfm_summary: the date column has missing or unparseable dates")
    return arr.astype("datetime64[D]").astype(np.int64)


def _period_codes(days: np.ndarray, freq: str) -> np.ndarray:
    """Integer period index: days for ``"D"``; weeks (Monday to Sunday) for ``"W"``."""
    if freq == "D":
        return days
    if freq == "W":
        return (days - _MONDAY_1970) // 7
    raise ParameterError(f"rfm_summary: freq must be one of {FREQS}, got {freq!r}")


def _period_start(code: int, freq: str) -> pd.Timestamp:
    day = code if freq == "D" else code * 7 + _MONDAY_1970
    return pd.Timestamp(np.datetime64(int(day), "D"))


def _scalar_day(value, name: str = "date") -> int:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise ParameterError(f"rfm_summary: {name} {value!r} is not a date (write it as YYYY-MM-DD)") from None
    if stamp is pd.NaT:
        raise ParameterError(f"rfm_summary: {name} is missing (NaT)")
    return int(np.datetime64(stamp.tz_localize(None).normalize().to_datetime64(), "D").astype(np.int64))


def _runs(sorted_keys: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal values in a sorted array."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def _customer_periods(cust: np.ndarray, period: np.ndarray, amount: np.ndarray | None):
    """Merge purchases of one customer in one period: returns (customer, period, total) per distinct pair,
    sorted by customer then period."""
    pmin = period.min()
    span = np.int64(period.max() - pmin + 1)
    key = cust.astype(np.int64) * span + (period - pmin)
    if key.size > 1 and bool((key[1:] < key[:-1]).any()):  # a log sorted by customer and date needs no sort
        order = np.argsort(key)  # any order inside a (customer, period) run will do: it is summed
        key = key[order]
        amount = amount[order] if amount is not None else None
    starts = _runs(key)
    ukey = key[starts]
    total = np.add.reduceat(amount, starts) if amount is not None else None
    return ukey // span, ukey % span + pmin, total


def _arrow_strings(values: pd.Series):
    """The ids as one pyarrow string array when they are text (pandas' string dtypes, or Python strings
    in an object column); None for anything else."""
    import pyarrow as pa

    if isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values.array)
    elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        arr = pa.array(values.to_numpy(), type=pa.large_string(), from_pandas=True)
    else:
        return None
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _factorize_sorted(values: pd.Series, column: str) -> tuple[np.ndarray, pd.Index]:
    """Codes of the customer ids numbered in sorted id order (so the summary needs no final sort), and
    the sorted distinct ids with the column's own dtype.

    Text ids are dictionary-encoded by pyarrow and only the distinct ids are sorted (several times
    faster than ``pd.factorize(sort=True)`` on Python strings); other ids go through pandas."""
    arrow = _arrow_strings(values)
    if arrow is not None:
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(arrow)
        if enc.indices.null_count:
            raise DataError(f"rfm_summary: column {column!r} has missing customer ids")
        order = pc.array_sort_indices(enc.dictionary).to_numpy()
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        codes = rank[enc.indices.to_numpy(zero_copy_only=False)]
        n = order.size
    else:
        try:
            codes, uniques = pd.factorize(values, sort=True)
        except TypeError:  # ids of mixed types cannot be sorted
            raise DataError(f"rfm_summary: column {column!r} mixes ids of different types (e.g. numbers and "
                            "text); give every id the same type") from None
        if (codes < 0).any():
            raise DataError(f"rfm_summary: column {column!r} has missing customer ids")
        n = len(uniques)
    first = np.empty(n, dtype=np.int64)  # the first row of each id, to take the ids with their own dtype
    first[codes[::-1]] = np.arange(codes.size - 1, -1, -1)
    return codes.astype(np.int64, copy=False), pd.Index(values.take(first).array, name="customer_id")


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
      whose CDNOW calibration summary it reproduces (Lifetimes has the same argument).

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
    engine : ``"pandas"`` (default for a DataFrame: the numpy implementation below), ``"duckdb"``
        (default for a path: out of core, within ``memory_limit``, spilling to ``temp_directory``) or
        ``"spark"`` (default for a Spark DataFrame; a path is read by ``spark`` or the active session).
        DuckDB and Spark run one generated SQL query (:mod:`relmkt_utils.btyd.engines`) and give the
        same table as pandas (tested to 1e-9). Text dates must be ISO there; time-zone-aware
        timestamps are cut to days in UTC (Spark: in its session time zone).
    compress : return :func:`compress_summary` of the summary (computed inside the engine, so only the
        distinct (frequency, recency, T) rows leave DuckDB or the cluster).
    memory_limit, temp_directory, threads : DuckDB settings (e.g. ``"2GB"``, a folder for spills).
    spark : the SparkSession for ``engine="spark"`` (default: the active one, else a local one in UTC).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), float columns ``frequency, recency, T,
    monetary_value`` (+ holdout columns).

    Implementation (pandas): customer ids are factorized in sorted order once (text ids through
    pyarrow's dictionary encoding), dates become integer period codes, and one sort of the 64-bit
    key (customer code x number of periods + period; skipped when the log is already sorted by
    customer and date) gives the merged customer-periods; every statistic is then a run-length
    reduction (``np.add.reduceat``).
    """
    check_options(freq, freq_multiplier, engine)
    if not isinstance(transactions, pd.DataFrame) or engine not in (None, "pandas"):
        from . import engines

        return engines.summary(transactions, observation_end=observation_end, freq=freq,
                               calibration_end=calibration_end, customer_col=customer_col, date_col=date_col,
                               amount_col=amount_col, freq_multiplier=freq_multiplier, engine=engine,
                               compress=compress, memory_limit=memory_limit, temp_directory=temp_directory,
                               threads=threads, spark=spark)
    out = _pandas_summary(transactions, observation_end, freq, calibration_end, customer_col, date_col,
                          amount_col, freq_multiplier)
    return compress_summary(out) if compress else out


def check_options(freq, freq_multiplier, engine=None) -> None:
    """The options every engine shares: a ParameterError naming the bad one."""
    if freq not in FREQS:
        raise ParameterError(f"rfm_summary: freq must be one of {FREQS}, got {freq!r}")
    if isinstance(freq_multiplier, bool) or not isinstance(freq_multiplier, (int, float, np.integer, np.floating)) \
            or not (np.isfinite(freq_multiplier) and freq_multiplier > 0):
        raise ParameterError(f"rfm_summary: freq_multiplier must be a positive number, got {freq_multiplier!r}")
    if engine is not None and engine not in ENGINES:
        raise ParameterError(f"rfm_summary: engine must be one of {ENGINES}, got {engine!r}")


def _pandas_summary(transactions, observation_end, freq, calibration_end, customer_col, date_col, amount_col,
                    freq_multiplier) -> pd.DataFrame:
    missing = [c for c in (customer_col, date_col, amount_col) if c is not None and c not in transactions.columns]
    if missing:
        raise DataError(f"rfm_summary: transactions has no column(s) {missing}")
    days = _days(transactions[date_col])
    if days.size == 0:
        raise DataError("rfm_summary: the transaction log is empty")
    codes, uniques = _factorize_sorted(transactions[customer_col], customer_col)
    amount = None
    if amount_col is not None:
        amount = np.asarray(transactions[amount_col], dtype=float)
        negative = amount < 0
        if negative.any():
            who = pd.unique(transactions.loc[negative, customer_col].astype(str))
            shown = ", ".join(sorted(who)[:5]) + (f" and {len(who) - 5} more" if len(who) > 5 else "")
            raise DataError(f"rfm_summary: {int(negative.sum())} transactions have negative amounts (returns?), "
                            f"customers {shown}; a summary of purchases needs amounts >= 0: net or drop the "
                            "returns first, e.g. with relmkt import --returns net")
        if np.isnan(amount).any():
            raise DataError(f"rfm_summary: column {amount_col!r} has {int(np.isnan(amount).sum())} missing amounts; "
                            "fill or drop them first")

    last_day = int(days.max())
    obs_day = last_day if observation_end is None else _scalar_day(observation_end, "observation_end")

    if calibration_end is None:
        out = _summary(codes, days, amount, obs_day, freq, len(uniques))
    else:
        cal_day = _scalar_day(calibration_end, "calibration_end")
        cal_mask = days <= cal_day
        if not cal_mask.any():
            raise DataError("rfm_summary: no transaction on or before calibration_end")
        out = _summary(codes[cal_mask], days[cal_mask], None if amount is None else amount[cal_mask], cal_day, freq, len(uniques))
        hold = (days > cal_day) & (days <= obs_day)
        if not hold.any():
            raise DataError("rfm_summary: no transaction between calibration_end and observation_end")
        hc, hp = codes[hold], _period_codes(days[hold], freq)
        pc, _, _ = _customer_periods(hc, hp, None)
        n = len(uniques)
        out["frequency_holdout"] = np.bincount(pc, minlength=n).astype(float)
        if amount is not None:
            cnt = np.bincount(hc, minlength=n)
            tot = np.bincount(hc, weights=amount[hold], minlength=n)
            out["monetary_value_holdout"] = np.divide(tot, cnt, out=np.zeros(n), where=cnt > 0)
        out["duration_holdout"] = float(_period_codes(np.array([obs_day]), freq)[0] - _period_codes(np.array([cal_day]), freq)[0])

    keep = out.pop("_present")
    if freq_multiplier != 1:
        for col in ("recency", "T", "duration_holdout"):
            if col in out:
                out[col] = out[col] / freq_multiplier
    if "duration_holdout" in out:
        out["duration_holdout"] = np.full(len(uniques), out["duration_holdout"])
    df = pd.DataFrame(out, index=uniques, copy=False)  # the codes number the ids in sorted order
    return df if keep.all() else df[keep]


def compress_summary(summary: pd.DataFrame, by=("frequency", "recency", "T")) -> pd.DataFrame:
    r"""The distinct rows of an RFM summary with their counts: columns ``by``, ``weight`` (customers per
    row) and ``<column>_sum`` for every other column (e.g. ``monetary_value_sum``), sorted by ``by``.

    The BG/NBD and Pareto/NBD likelihoods depend on a customer only through :math:`(x, t_x, T)`, so
    ``BetaGeo(c.frequency, c.recency, c.T, weights=c.weight)`` on the compressed table is the same fit
    as on one row per customer (with daily or weekly periods a few thousand rows stand for millions of
    customers). A calibration summary is grouped by ``duration_holdout`` too (constant), and its holdout
    columns are summed, so mean holdout purchases per row are ``frequency_holdout_sum / weight``.

    The Gamma-Gamma likelihood has the term :math:`\log(\gamma + xar z)` of each customer's own mean
    spend :math:`ar z`, so it cannot be fitted on (x, t_x, T) groups: fit it on the repeat buyers'
    distinct (frequency, monetary_value) pairs, ``compress_summary(s[s.frequency > 0],
    by=("frequency", "monetary_value"))``, with their weights. Its conditional expected spend
    :math:`p(\gamma + xar z)/(px+q-1)` is linear in :math:`ar z`, so ``monetary_value_sum`` of an
    (x, t_x, T) row gives the row's total expected spend, and CLV totals per row, exactly.
    """
    by = list(by)
    missing = [c for c in by if c not in summary.columns]
    if missing:
        raise DataError(f"compress_summary: the summary has no column(s) {missing}")
    if "duration_holdout" in summary.columns and "duration_holdout" not in by:
        by.append("duration_holdout")
    rest = [c for c in summary.columns if c not in by]
    groups = summary.groupby(by, sort=True)
    out = groups.size().rename("weight").to_frame()
    for col in rest:
        out[f"{col}_sum"] = groups[col].sum()
    return out.reset_index()


def _summary(codes, days, amount, obs_day, freq, n_customers) -> dict:
    period = _period_codes(days, freq)
    obs_period = _period_codes(np.array([obs_day]), freq)[0]
    keep = period <= obs_period
    if not keep.any():
        raise DataError("rfm_summary: no transaction on or before observation_end")
    c, p, tot = _customer_periods(codes[keep], period[keep], None if amount is None else amount[keep])
    starts = _runs(c)
    cust = c[starts]
    count = np.diff(np.r_[starts, c.size])
    first = p[starts]
    last = p[np.r_[starts[1:], c.size] - 1]
    n = n_customers
    present = np.zeros(n, dtype=bool)
    present[cust] = True
    freq_arr = np.zeros(n)
    freq_arr[cust] = count - 1
    rec = np.zeros(n)
    rec[cust] = last - first
    T = np.zeros(n)
    T[cust] = obs_period - first
    out = {"frequency": freq_arr, "recency": rec, "T": T}
    if tot is not None:
        is_first = np.zeros(c.size, dtype=bool)
        is_first[starts] = True
        repeat_tot = np.bincount(c[~is_first], weights=tot[~is_first], minlength=n)
        mv = np.divide(repeat_tot, freq_arr, out=np.zeros(n), where=freq_arr > 0)
        out["monetary_value"] = mv
    out["_present"] = present
    return out


def calibration_end(observation_start, observation_end, given=None, share: float = 2 / 3) -> pd.Timestamp:
    """The end of the calibration period of a BTYD calibration/holdout split: ``given`` when it is a
    date (e.g. ``"1997-09-30"`` for CDNOW, as in Fader, Hardie & Lee 2005), else the day that ends
    ``share`` of the observation window (two thirds by default)."""
    start, end = pd.Timestamp(observation_start), pd.Timestamp(observation_end)
    if given not in (None, ""):
        cal = pd.Timestamp(given)
        if not start <= cal < end:
            raise ParameterError(f"calibration_end {cal.date()} must lie in the observation window "
                                 f"{start.date()} to {end.date()}, before its end")
        return cal
    return (start + (end - start) * share).normalize()
