"""The pandas engine of the RFM summary: a transaction log in memory summarised with numpy.

The conventions are exactly those of Lifetimes 0.11.3 (``summary_data_from_transaction_data`` and
``calibration_and_holdout_data``), so numbers can be compared with that library, but the work is done
on integer codes with numpy (one sort of a 64-bit key, then run-length reductions) instead of pandas
``Period`` objects and a two-level groupby.

This module is the pandas engine (:func:`summarize_frame`) and :func:`compress_summary`; the entry
point of every engine is :func:`relmkt_utils.btyd.rfm_summary` (:mod:`.summary`), and logs beyond memory
(Parquet/CSV files read by DuckDB out of core, Spark DataFrames) are summarised by
:mod:`relmkt_utils.btyd.engines` (one SQL definition for both engines, tested equal to this numpy path).
Dates become day numbers by the suite's one day rule (:func:`relmkt_utils.core.time.day_numbers`) and
day numbers become periods by :class:`relmkt_utils.core.time.Period`.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ..core.errors import DataError, ParameterError
from ..core.time import NAT_DAY, day_numbers
from .options import SummaryOptions, check_amounts


def log_days(values) -> np.ndarray:
    """Day numbers of a log's date column (:func:`relmkt_utils.core.time.day_numbers`); a DataError for a
    missing or unparseable date."""
    days = day_numbers(values, "rfm_summary: the date column")
    if days.size and (days == NAT_DAY).any():
        raise DataError(missing_dates_sentence(int((days == NAT_DAY).sum()), days.size))
    return days


def missing_dates_sentence(missing: int, rows: int) -> str:
    """The sentence of every engine for a log with missing or unparseable dates (how many of how many rows)."""
    return (f"rfm_summary: the date column has missing or unparseable dates in {missing:,} of {rows:,} rows; "
            "`relmkt import` names their lines and values")


def runs(sorted_keys: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal values in a sorted array."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(([0], np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1))


def customer_periods(cust: np.ndarray, period: np.ndarray, amount: np.ndarray | None):
    """Merge purchases of one customer in one period: returns (customer, period, total) per distinct pair,
    sorted by customer then period."""
    pmin = period.min()
    span = np.int64(period.max() - pmin + 1)
    key = cust.astype(np.int64) * span + (period - pmin)
    if key.size > 1 and bool((key[1:] < key[:-1]).any()):  # a log sorted by customer and date needs no sort
        order = np.argsort(key)  # any order inside a (customer, period) run will do: it is summed
        key = key[order]
        amount = amount[order] if amount is not None else None
        starts = runs(key)
        ukey = key[starts]
        cust, period = ukey // span, ukey % span + pmin
    else:                                 # already in order: the runs' own customers and periods
        starts = runs(key)
        cust, period = cust[starts], period[starts]
    total = np.add.reduceat(amount, starts) if amount is not None else None
    return cust, period, total


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


#: Logs of at least this many rows are sorted by id in two halves at once (:func:`_sort_by_id`).
SPLIT_SORT_ROWS = 500_000


def _sort_by_id(arrow):
    """A stable order of the rows by id (pyarrow's sort, by UTF-8 bytes) and, along it, whether each id
    differs from the one before (for the rows after the first).

    Above :data:`SPLIT_SORT_ROWS` rows, on a machine with two cores or more, the rows are split at an id
    near the median (of a fixed sample: the same split every time) into those below it and the rest,
    and both parts are sorted at once in two threads (pyarrow releases the GIL): every id lies wholly in
    one part, each part keeps the rows' order, so the two sorted parts one after the other are the one
    stable sort, about twice as fast."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def sort(part):
        order = pc.sort_indices(part)
        ids = part.take(order)
        change = pc.not_equal(ids.slice(1), ids.slice(0, max(len(ids) - 1, 0))).to_numpy(zero_copy_only=False)
        return order.to_numpy(), change

    n = len(arrow)
    if n < SPLIT_SORT_ROWS or (os.cpu_count() or 1) < 2:
        return sort(arrow)
    sample = arrow.take(pa.array(np.random.default_rng(0).integers(0, n, 4097)))
    pivot = sample.take(pc.sort_indices(sample))[2048]
    below = pc.less(arrow, pivot).to_numpy(zero_copy_only=False)
    rows = [np.flatnonzero(below), np.flatnonzero(~below)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lambda r: sort(arrow.take(pa.array(r))), rows))
    (order_lo, change_lo), (order_hi, change_hi) = parts
    order = np.concatenate([rows[0][order_lo], rows[1][order_hi]])
    boundary = [True] if len(order_lo) and len(order_hi) else []
    return order, np.concatenate([change_lo, boundary, change_hi]).astype(bool)


def _factorize_sorted(values: pd.Series, column: str, days: np.ndarray):
    """Codes of the customer ids numbered in sorted id order (so the summary needs no final sort), the
    sorted distinct ids with the column's own dtype, and an order of the rows (or None).

    Text ids are sorted by pyarrow together with the days (one sort of the rows by id, then day, by
    the ids' UTF-8 bytes; by id alone when the log is in date order, arrow's sort being stable): the rows then come in that order, so the codes are the runs of equal ids
    and the customer-periods need no second sort (several times faster than hashing the ids into a
    dictionary when the log is in date order, and than ``pd.factorize(sort=True)`` on Python strings).
    Other ids go through pandas, and the rows keep their order."""
    arrow = _arrow_strings(values)
    if arrow is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if arrow.null_count:
            raise DataError(f"rfm_summary: column {column!r} has missing customer ids")
        if days.size < 2 or bool(np.all(days[1:] >= days[:-1])):   # a log in date order: arrow's sort is
            order, change = _sort_by_id(arrow)                         # stable, so the ids alone keep the days
        else:
            table = pa.table({"id": arrow, "day": pa.array(days)})
            order = pc.sort_indices(table, sort_keys=[("id", "ascending"), ("day", "ascending")]).to_numpy()
            ids = arrow.take(order)
            change = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1)).to_numpy(zero_copy_only=False)
        codes = np.zeros(len(order), dtype=np.int64)
        np.cumsum(change, out=codes[1:])
        first = order[np.r_[0, np.flatnonzero(change) + 1]]
        return codes, pd.Index(values.take(first).array, name="customer_id"), order
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # ids of mixed types cannot be sorted
        raise DataError(f"rfm_summary: column {column!r} mixes ids of different types (e.g. numbers and "
                        "text); give every id the same type") from None
    if (codes < 0).any():
        raise DataError(f"rfm_summary: column {column!r} has missing customer ids")
    first = np.empty(len(uniques), dtype=np.int64)  # the first row of each id, to take the ids with their own dtype
    first[codes[::-1]] = np.arange(codes.size - 1, -1, -1)
    return codes.astype(np.int64, copy=False), pd.Index(values.take(first).array, name="customer_id"), None


def summarize_frame(transactions: pd.DataFrame, options: SummaryOptions) -> pd.DataFrame:
    """The summary of a pandas log (the pandas engine of :func:`relmkt_utils.btyd.rfm_summary`, whose
    docstring states the conventions), with its period in ``attrs``.

    Implementation: customer ids are factorized in sorted order once (text ids through pyarrow's
    dictionary encoding), dates become integer period codes, and one sort of the 64-bit key (customer
    code x number of periods + period; skipped when the log is already sorted by customer and date)
    gives the merged customer-periods; every statistic is then a run-length reduction (``np.add.reduceat``)."""
    o = options
    missing = [c for c in o.columns if c not in transactions.columns]
    if missing:
        raise DataError(f"rfm_summary: transactions has no column(s) {missing}")
    days = log_days(transactions[o.date_col])
    if days.size == 0:
        raise DataError("rfm_summary: the transaction log is empty")
    amount = None
    if o.amount_col is not None:
        try:
            amount = np.asarray(transactions[o.amount_col], dtype=float)
        except (ValueError, TypeError):
            raise DataError(f"rfm_summary: column {o.amount_col!r} holds text, not amounts") from None
        check_amounts(amount, transactions[o.customer_col], o.amount_col)   # ids read only for an error
    codes, uniques, order = _factorize_sorted(transactions[o.customer_col], o.customer_col, days)
    if order is not None:                                   # the rows by customer, then day
        days = days[order]
        amount = None if amount is None else amount[order]

    period = o.period
    obs_day = int(days.max()) if o.observation_end is None else o.observation_end
    if o.calibration_end is None:
        out = _summary(codes, days, amount, obs_day, period, len(uniques))
    else:
        cal_day = o.calibration_end
        cal_mask = days <= cal_day
        if not cal_mask.any():
            raise DataError("rfm_summary: no transaction on or before calibration_end")
        out = _summary(codes[cal_mask], days[cal_mask], None if amount is None else amount[cal_mask], cal_day, period,
                       len(uniques))
        hold = (days > cal_day) & (days <= obs_day)
        if not hold.any():
            raise DataError("rfm_summary: no transaction between calibration_end and observation_end")
        hc, hp = codes[hold], period.codes(days[hold])
        pc, _, _ = customer_periods(hc, hp, None)
        n = len(uniques)
        out["frequency_holdout"] = np.bincount(pc, minlength=n).astype(float)
        if amount is not None:
            cnt = np.bincount(hc, minlength=n)
            tot = np.bincount(hc, weights=amount[hold], minlength=n)
            out["monetary_value_holdout"] = np.divide(tot, cnt, out=np.zeros(n), where=cnt > 0)
        out["duration_holdout"] = float(period.codes(obs_day) - period.codes(cal_day))

    keep = out.pop("_present")
    if o.multiplier != 1:
        for col in ("recency", "T", "duration_holdout"):
            if col in out:
                out[col] = out[col] / o.multiplier
    if "duration_holdout" in out:
        out["duration_holdout"] = np.full(len(uniques), out["duration_holdout"])
    df = pd.DataFrame(out, index=uniques, copy=False)  # the codes number the ids in sorted order
    df = df if keep.all() else df[keep]
    return o.stamp(compress_summary(df) if o.compress else df)


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
    if not isinstance(summary, pd.DataFrame):
        raise ParameterError(f"compress_summary: summary must be an rfm_summary DataFrame, got {type(summary).__name__}")
    if isinstance(by, str) or not all(isinstance(c, str) for c in by):
        raise ParameterError(f"compress_summary: by must be a list of column names, got {by!r}")
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
    out = out.reset_index()
    out.attrs.update(summary.attrs)          # the period the summary recorded
    return out


def _summary(codes, days, amount, obs_day, period, n_customers) -> dict:
    obs_period = period.codes(obs_day)
    period = period.codes(days)
    keep = period <= obs_period
    if not keep.any():
        raise DataError("rfm_summary: no transaction on or before observation_end")
    if not keep.all():
        codes, period, amount = codes[keep], period[keep], None if amount is None else amount[keep]
    c, p, tot = customer_periods(codes, period, amount)
    starts = runs(c)
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
        # each customer's total after her first period: the sum over [start + 1, next start), by one
        # reduceat over the interleaved bounds (an empty span, a customer with one period, gives 0)
        bounds = np.empty(2 * starts.size, dtype=np.int64)
        bounds[0::2] = starts + 1
        bounds[1::2] = np.r_[starts[1:], c.size]
        sums = np.add.reduceat(np.append(tot, 0.0), bounds)[0::2]
        repeat_tot = np.zeros(n)
        repeat_tot[cust] = np.where(count > 1, sums, 0.0)
        mv = np.divide(repeat_tot, freq_arr, out=np.zeros(n), where=freq_arr > 0)
        out["monetary_value"] = mv
    out["_present"] = present
    return out
