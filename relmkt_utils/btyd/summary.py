"""Recency-frequency-monetary (RFM) summaries of a transaction log, the input of the BTYD models.

The conventions are exactly those of Lifetimes 0.11.3 (``summary_data_from_transaction_data`` and
``calibration_and_holdout_data``), so numbers can be compared with that library, but the work is done
on integer codes with numpy (one sort of a 64-bit key, then run-length reductions) instead of pandas
``Period`` objects and a two-level groupby.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import DataError, ParameterError

#: Supported period lengths: days, and weeks that end on Sunday (pandas' ``"W"`` = ``"W-SUN"``).
FREQS = ("D", "W")
_MONDAY_1970 = 4  # 1970-01-05, the first Monday after the epoch, is day 4


def _days(values) -> np.ndarray:
    """Calendar days since 1970-01-01 as int64 (time of day dropped)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
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


def _scalar_day(value) -> int:
    return int(np.datetime64(pd.Timestamp(value).tz_localize(None).normalize().to_datetime64(), "D").astype(np.int64))


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
    order = np.argsort(key)  # any order inside a (customer, period) run will do: it is summed
    key = key[order]
    starts = _runs(key)
    ukey = key[starts]
    total = np.add.reduceat(amount[order], starts) if amount is not None else None
    return ukey // span, ukey % span + pmin, total


def rfm_summary(
    transactions: pd.DataFrame,
    observation_end=None,
    freq: str = "W",
    calibration_end=None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = "amount",
    freq_multiplier: float = 1,
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
    transactions : DataFrame with a customer column, a date column (datetime or parseable strings) and
        optionally an amount column (``amount_col=None`` skips the monetary columns).
    observation_end : date, optional; default the last date of the log.
    freq : ``"D"`` or ``"W"``.
    calibration_end : date, optional; adds the holdout columns.
    freq_multiplier : positive number of ``freq`` periods per time unit of the output.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), float columns ``frequency, recency, T,
    monetary_value`` (+ holdout columns).

    Implementation: customer ids are factorized once, dates become integer period codes, and a
    single sort of the 64-bit key (customer code x number of periods + period) gives the merged
    customer-periods; every statistic is then a run-length reduction (``np.add.reduceat``).
    """
    if freq not in FREQS:
        raise ParameterError(f"rfm_summary: freq must be one of {FREQS}, got {freq!r}")
    if not (np.isfinite(freq_multiplier) and freq_multiplier > 0):
        raise ParameterError(f"rfm_summary: freq_multiplier must be a positive number, got {freq_multiplier!r}")
    missing = [c for c in (customer_col, date_col, amount_col) if c is not None and c not in transactions.columns]
    if missing:
        raise DataError(f"rfm_summary: transactions has no column(s) {missing}")
    days = _days(transactions[date_col])
    if days.size == 0:
        raise DataError("rfm_summary: the transaction log is empty")
    codes, uniques = pd.factorize(transactions[customer_col], sort=False)
    if (codes < 0).any():
        raise DataError(f"rfm_summary: column {customer_col!r} has missing customer ids")
    amount = None
    if amount_col is not None:
        amount = np.asarray(transactions[amount_col], dtype=float)

    last_day = int(days.max())
    obs_day = last_day if observation_end is None else _scalar_day(observation_end)

    if calibration_end is None:
        out = _summary(codes, days, amount, obs_day, freq, len(uniques))
    else:
        cal_day = _scalar_day(calibration_end)
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
    df = pd.DataFrame(out)
    df.index = pd.Index(uniques, name="customer_id")
    df = df[keep]
    return df.sort_index()


def _summary(codes, days, amount, obs_day, freq, n_customers) -> dict:
    period = _period_codes(days, freq)
    obs_period = _period_codes(np.array([obs_day]), freq)[0]
    keep = period <= obs_period
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
