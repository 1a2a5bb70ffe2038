"""Behavioural loyalty (客户忠诚度, the "persistency" of the 7P analyses): who comes back, and when.

* Repeat-purchase rate: the share of customers with two or more distinct purchase days, with a
  Wilson score interval (Wilson 1927, JASA 22:209; Agresti & Coull 1998, Am. Stat. 52:119).
* Inter-purchase times: days between consecutive distinct purchase days of a customer.
* RFM scores (Hughes 1994, *Strategic Database Marketing*): recency, frequency, monetary value
  scored 1..5 by quintile, and named segments from the R and F scores.
* Cohort retention matrix: acquisition month x months since acquisition, share of the cohort
  that buys in that month.

A purchase day is a distinct (customer, calendar day) pair; see :mod:`relmkt_utils.core.purchases`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import ALPHA, TEXT, checked, dataframe, number, numbers, one_of
from ..core.errors import DataError, require_columns
from ..core.estimate import Estimate, wilson_ci
from ..core.purchases import (
    AMOUNT, CUSTOMER, DATE, day_log, day_numbers, end_day, sorted_unique,
    to_datetime_days,
)


# --------------------------------------------------------------------------- repeat purchase
@dataclass(frozen=True, repr=False)
class RepeatRate(Estimate):
    """Repeat-purchase rate ``value`` = n_repeaters / n_customers with a Wilson score interval."""

    n_customers: int = 0
    n_repeaters: int = 0

    @property
    def rate(self) -> float:
        return self.value


@checked(transactions=dataframe(), customers=dataframe(none=True), alpha=ALPHA, customer_col=TEXT, date_col=TEXT)
def repeat_purchase_rate(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    alpha: float = 0.05,
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
) -> RepeatRate:
    """Share of customers with 2+ distinct purchase days, with a Wilson CI.

    Wilson interval: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), z = z_{1-alpha/2}.
    The denominator is the customers who bought at least once, or, when ``customers`` is given,
    every customer of that table plus any buyer missing from it (non-buyers count as non-repeat).

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame or None, default None
        the customers table; when given, non-buyers count in the denominator.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    customer_col : str, default 'customer_id'
        name of the customer-id column.
    date_col : str, default 'date'
        name of the date column.
    """
    freq = day_log(transactions, customer_col, date_col).summary()["frequency"]
    n = int(freq.size)
    if customers is not None:
        require_columns(customers, "customers", (customer_col,))
        n = int(pd.Index(customers[customer_col].dropna().unique()).union(freq.index).size)
    if n == 0:
        raise DataError("no customers: the repeat-purchase rate is undefined")
    k = int((freq.to_numpy() >= 2).sum())
    w = wilson_ci(k, n, alpha)
    return RepeatRate(w.value, w.lower, w.upper, w.se, w.method, alpha, n, k)


@checked(transactions=dataframe(), customer_col=TEXT, date_col=TEXT)
def inter_purchase_times(
    transactions: pd.DataFrame,
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
) -> pd.DataFrame:
    """Days between consecutive distinct purchase days of each customer.

    One row per repeat purchase day: ``customer_id``, ``day`` (the later day), ``purchase``
    (2 for the gap between the 1st and 2nd purchase day, ...) and ``days`` (integer gap >= 1).
    One-time buyers contribute no row.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customer_col : str, default 'customer_id'
        name of the customer-id column.
    date_col : str, default 'date'
        name of the date column.
    """
    log = day_log(transactions, customer_col, date_col)
    code, day = log.code, log.day
    same = np.zeros(len(log), dtype=bool)
    same[1:] = code[1:] == code[:-1]
    starts = log.starts()
    order = np.arange(len(log)) - np.repeat(starts, np.diff(np.r_[starts, len(log)])) + 1
    gap = np.zeros(len(log), dtype="int64")
    gap[1:] = day[1:] - day[:-1]
    return pd.DataFrame({CUSTOMER: log.ids[code[same]], "day": to_datetime_days(day[same]),
                         "purchase": order[same], "days": gap[same]})


# --------------------------------------------------------------------------- RFM
#: Segment rules, evaluated top to bottom on the R and F scores (1..5); the first match wins.
#: Together they cover all 25 (R, F) pairs.
RFM_SEGMENT_RULES: tuple[tuple[str, str], ...] = (
    ("champions", "R >= 4 and F >= 4: bought recently and often"),
    ("loyal", "R >= 3 and F >= 3: buy often, fairly recently"),
    ("new", "R >= 4 and F <= 2: recent first purchases, few of them"),
    ("at risk", "R <= 2 and F >= 3: used to buy often, not lately"),
    ("hibernating", "R <= 2 and F <= 2: few purchases, long ago"),
    ("need attention", "R == 3 and F <= 2: middling recency, few purchases"),
)


@checked(values=numbers(missing=True), n_bins=number(2, integer=True))
def quantile_score(values: pd.Series, n_bins: int = 5) -> pd.Series:
    """Score 1..n_bins by quantile, ties handled deterministically: equal values, equal score.

    score_i = 1 + floor(n_bins * (r_i - 1) / n), where r_i is the *minimum* rank of value i (the
    number of strictly smaller values plus one). With distinct values this gives quintiles of equal
    size; tied values share the lowest score of the tie, independently of row order or id.

    Parameters
    ----------
    values : Series
        the values to score (missing values allowed).
    n_bins : int, default 5
        number of scores (5 gives quintiles), >= 2.
    """
    n = len(values)
    if n == 0:
        return pd.Series([], index=values.index, dtype="int64")
    r = values.rank(method="min").to_numpy()
    score = 1 + np.floor(n_bins * (r - 1) / n).astype("int64")
    return pd.Series(score, index=values.index, name=values.name)


@checked(r_score=numbers(1), f_score=numbers(1))
def rfm_segment(r_score, f_score) -> np.ndarray:
    """Segment names of :data:`RFM_SEGMENT_RULES` for arrays of R and F scores.

    Parameters
    ----------
    r_score : array-like
        recency scores (1 = least recent).
    f_score : array-like
        frequency scores (1 = least frequent).
    """
    r = np.asarray(r_score)
    f = np.asarray(f_score)
    conditions = [
        (r >= 4) & (f >= 4),
        (r >= 3) & (f >= 3),
        (r >= 4) & (f <= 2),
        (r <= 2) & (f >= 3),
        (r <= 2) & (f <= 2),
        (r == 3) & (f <= 2),
    ]
    return np.select(conditions, [name for name, _ in RFM_SEGMENT_RULES], default="unscored")


@checked(transactions=dataframe(), n_bins=number(2, integer=True), monetary=one_of('total', 'mean'),
         customer_col=TEXT, date_col=TEXT, amount_col=TEXT)
def rfm_scores(
    transactions: pd.DataFrame,
    observation_end=None,
    n_bins: int = 5,
    monetary: str = "total",
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
    amount_col: str = AMOUNT,
) -> pd.DataFrame:
    """RFM table of the buyers, indexed by customer id.

    * ``recency_days`` = observation_end - last purchase day (default end: the last day in the log;
      purchases after the end are ignored);
    * ``frequency`` = number of distinct purchase days;
    * ``monetary`` = total revenue (``monetary="total"``) or revenue per purchase day (``"mean"``).

    Scores ``R``, ``F``, ``M`` in 1..n_bins by :func:`quantile_score`; R is scored on
    -recency so that the most recent buyers get the highest R. ``rfm`` is the code "RFM" (e.g.
    "545") and ``segment`` applies :data:`RFM_SEGMENT_RULES`.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    observation_end : date-like or None
        end of the observation window; default: the last transaction date.
    n_bins : int, default 5
        number of score levels of R, F and M, >= 2.
    monetary : {'total', 'mean'}, default 'total'
        M as total revenue or revenue per purchase day.
    customer_col : str, default 'customer_id'
        name of the customer-id column.
    date_col : str, default 'date'
        name of the date column.
    amount_col : str, default 'amount'
        name of the amount column.
    """
    if monetary not in ("total", "mean"):
        raise DataError("monetary must be 'total' or 'mean'")
    log = day_log(transactions, customer_col, date_col, amount_col)
    end = end_day(log, observation_end)
    s = log.until(end).summary()
    out = pd.DataFrame(index=s.index)
    out["recency_days"] = (end - s["last"]).astype("int64")
    out["frequency"] = s["frequency"].astype("int64")
    out["monetary"] = s["revenue"] if monetary == "total" else s["revenue"] / s["frequency"]
    out["R"] = quantile_score(-out["recency_days"], n_bins)
    out["F"] = quantile_score(out["frequency"], n_bins)
    out["M"] = quantile_score(out["monetary"], n_bins)
    out["rfm"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    out["segment"] = rfm_segment(out["R"], out["F"])
    return out


# --------------------------------------------------------------------------- cohorts
@dataclass(frozen=True)
class CohortTable:
    """Cohort retention: ``shares`` = ``buyers`` / ``sizes``; NaN where not yet observable.

    Rows are acquisition months (``Period[M]``), columns months since acquisition 0, 1, ...
    """

    shares: pd.DataFrame
    buyers: pd.DataFrame
    sizes: pd.Series


@checked(rfm=dataframe())
def rfm_segment_table(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers and their share per RFM segment (from :func:`rfm_scores`), largest segment first.

    Parameters
    ----------
    rfm : DataFrame
        :func:`rfm_scores` of a transaction log (one row per customer with its ``segment``).
    """
    counts = rfm["segment"].value_counts().rename("customers")
    out = counts.to_frame()
    out["share of customers"] = out["customers"] / out["customers"].sum()
    out.index.name = "RFM segment"
    return out


@checked(transactions=dataframe(), customers=dataframe(none=True), max_months=number(1, integer=True, none=True),
         customer_col=TEXT, date_col=TEXT, acquired_col=TEXT)
def cohort_retention(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    max_months: int | None = None,
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
    acquired_col: str = "acquired_at",
) -> CohortTable:
    """Cohort retention matrix: share of an acquisition cohort that buys k months later.

    cell(c, k) = #{customers of cohort c with a purchase in calendar month c + k} / #cohort c.

    The cohort of a customer is the month of ``acquired_at`` when ``customers`` is given (customers
    who never bought then stay in the denominator), otherwise the month of the first purchase
    (so cell k = 0 is 1 by construction). Purchases before the acquisition month, and buyers
    missing from ``customers``, are ignored.
    Cells with c + k after the month of ``observation_end`` (default: last day of the log) are NaN;
    the last observed month may be partial.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame or None, default None
        the customers table; when given, cohorts are the months of ``acquired_at``, else of the first
        purchase.
    observation_end : date-like or None
        end of the observation window; default: the last transaction date.
    max_months : int or None
        last month since acquisition shown; default all.
    customer_col : str, default 'customer_id'
        name of the customer-id column.
    date_col : str, default 'date'
        name of the date column.
    acquired_col : str, default 'acquired_at'
        name of the acquisition-date column of ``customers``.
    """
    log = day_log(transactions, customer_col, date_col)
    end = end_day(log, observation_end)
    log = log.until(end)
    end_m = int(_month_ordinal(np.array([end]))[0])
    if customers is not None:
        require_columns(customers, "customers", (customer_col, acquired_col,))
        acq = customers.drop_duplicates(customer_col)
        acquired = day_numbers(acq[acquired_col])
        valid = acquired != np.iinfo("int64").min
        cohort = pd.Series(_month_ordinal(acquired[valid]), index=acq[customer_col].to_numpy()[valid])
        cohort = cohort[cohort <= end_m]
        cohort_of_code = cohort.reindex(log.ids).to_numpy(dtype=float)
    else:
        cohort_of_code = _month_ordinal(log.summary()["first"].to_numpy()).astype(float)
        cohort = pd.Series(cohort_of_code, index=log.ids)
    cohort = cohort.astype("int64")
    sizes = cohort.value_counts().sort_index()

    c0 = int(sizes.index.min()) if len(sizes) else end_m
    n_rows = end_m - c0 + 1  # calendar months from the first cohort to the observation end
    n_months = n_rows if max_months is None else min(n_rows, max_months + 1)
    # distinct (customer, k) pairs, then a (cohort, k) count table, all with integer keys
    k = _month_ordinal(log.day) - cohort_of_code[log.code]
    ok = ~np.isnan(k) & (k >= 0) & (k < n_months)
    pair, _ = sorted_unique(log.code[ok] * np.int64(n_months) + k[ok].astype("int64"))
    cell = (cohort_of_code[pair // n_months].astype("int64") - c0) * n_months + pair % n_months
    table = np.bincount(cell, minlength=n_rows * n_months).reshape(n_rows, n_months)
    counts = pd.DataFrame(table[sizes.index.to_numpy() - c0], index=sizes.index)
    observable = np.arange(n_months)[None, :] <= (end_m - sizes.index.to_numpy())[:, None]
    shares = counts.div(sizes, axis=0).where(observable)
    counts = counts.where(observable)
    idx = pd.PeriodIndex.from_ordinals(sizes.index.to_numpy(), freq="M", name="cohort")
    for frame in (shares, counts):
        frame.index = idx
        frame.columns = pd.RangeIndex(n_months, name="months_since_acquisition")
    sizes = pd.Series(sizes.to_numpy(), index=idx, name="customers")
    return CohortTable(shares=shares, buyers=counts, sizes=sizes)


def _month_ordinal(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 (the ordinal of a monthly ``Period``) of day numbers."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")
