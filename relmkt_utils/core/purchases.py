"""The purchase-day log of a transaction table, shared by every package that counts purchases.

A *purchase day* is a distinct (customer, calendar day) pair of the transaction log. Several
transactions of one customer on the same day count as one purchase occasion, the usual unit of
repeat-purchase and buy-till-you-die analyses (e.g. Fader, Hardie & Lee 2005 on CDNOW). Days are
numbered by the suite's one day rule (:func:`relmkt_utils.core.time.day_numbers`: naive timestamps on
the day they are written with, time-zone-aware ones on their UTC day).

Speed: the customer ids are factorized once and the (customer, day) pairs are reduced with integer
keys in numpy, so a 10M-row log costs one string hash and one integer sort.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError, require_columns
from .time import NAT_DAY as NAT
from .time import day_number, day_numbers
from .time import day_stamps as to_datetime_days

CUSTOMER = "customer_id"
DATE = "date"
AMOUNT = "amount"


@dataclass
class DayLog:
    """Distinct purchase days sorted by customer then day, as integer arrays.

    ``ids``: customer ids (sorted); ``code``: index into ``ids`` per purchase day; ``day``: days
    since 1970-01-01; ``amount``: revenue of the day (None when not requested).
    """

    ids: np.ndarray
    code: np.ndarray
    day: np.ndarray
    amount: np.ndarray | None

    def __len__(self) -> int:
        return self.code.size

    def starts(self) -> np.ndarray:
        """Row index where each customer's purchase days begin."""
        new = np.ones(self.code.size, dtype=bool)
        new[1:] = self.code[1:] != self.code[:-1]
        return np.flatnonzero(new)

    def until(self, last_day: int) -> "DayLog":
        """Purchase days on or before ``last_day`` (customers without any are dropped)."""
        keep = self.day <= last_day
        if keep.all():
            return self
        used, code = _compact(self.code[keep])
        return DayLog(self.ids[used], code, self.day[keep],
                      None if self.amount is None else self.amount[keep])

    def summary(self) -> pd.DataFrame:
        """Per customer (index ``customer_id``): ``first``/``last`` purchase day (int days),
        ``frequency`` (purchase days) and, with amounts, ``revenue``."""
        st = self.starts()
        ends = (np.r_[st[1:], self.code.size] - 1)[: st.size].astype("int64")
        out = {"first": self.day[st], "last": self.day[ends], "frequency": np.diff(np.r_[st, self.code.size])}
        if self.amount is not None:
            out["revenue"] = np.add.reduceat(self.amount, st) if st.size else np.zeros(0)
        return pd.DataFrame(out, index=pd.Index(self.ids[self.code[st]], name=CUSTOMER))


def day_log(
    transactions: pd.DataFrame,
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
    amount_col: str | None = None,
) -> DayLog:
    """The :class:`DayLog` of a transaction log; rows with a missing id or date are ignored."""
    cols = [customer_col, date_col] + ([amount_col] if amount_col else [])
    require_columns(transactions, "transactions", cols)
    day = day_numbers(transactions[date_col], f"transactions, column '{date_col}',")
    codes, ids = pd.factorize(transactions[customer_col], sort=True)
    ok = (codes >= 0) & (day != NAT)
    codes, day = codes[ok].astype("int64"), day[ok]
    ids = np.asarray(ids, dtype=object)
    if codes.size == 0:
        return DayLog(ids[:0], codes, day, np.zeros(0) if amount_col else None)
    d0 = day.min()
    span = int(day.max() - d0) + 1
    key = codes * span + (day - d0)
    amt = transactions[amount_col].to_numpy(dtype=float)[ok] if amount_col else None
    uniq, amount = sorted_unique(key, amt)
    code = uniq // span
    used, code = _compact(code)  # drop ids whose rows were all invalid
    return DayLog(ids[used], code, uniq % span + d0, amount)


def sorted_unique(key: np.ndarray, weights: np.ndarray | None = None):
    """Sorted distinct values of an integer array and, with ``weights``, the sum per value.

    Sort-based (numpy's hash-based ``unique`` is slower on 10M keys); skips the sort when the
    keys are already sorted.
    """
    presorted = bool(np.all(key[1:] >= key[:-1]))
    if weights is None:
        k = key if presorted else np.sort(key)
        w = None
    else:
        order = None if presorted else np.argsort(key, kind="stable")
        k = key if order is None else key[order]
        w = weights if order is None else weights[order]
    new = np.ones(k.size, dtype=bool)
    new[1:] = k[1:] != k[:-1]
    if w is None:
        return k[new], None
    return k[new], np.add.reduceat(w, np.flatnonzero(new)) if k.size else w


def _compact(sorted_code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted integer codes: (the distinct codes, codes renumbered 0..k-1)."""
    new = np.ones(sorted_code.size, dtype=bool)
    new[1:] = sorted_code[1:] != sorted_code[:-1]
    return sorted_code[new], (np.cumsum(new) - 1).astype("int64")


def purchase_days(
    transactions: pd.DataFrame,
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
    amount_col: str | None = AMOUNT,
) -> pd.DataFrame:
    """One row per distinct (customer, day), sorted by customer then day.

    Columns: ``customer_id``, ``day`` (datetime64 at midnight) and, when ``amount_col`` is given,
    ``amount`` (sum of the day's transactions).
    """
    log = day_log(transactions, customer_col, date_col, amount_col)
    out = pd.DataFrame({CUSTOMER: log.ids[log.code], "day": to_datetime_days(log.day)})
    if log.amount is not None:
        out["amount"] = log.amount
    return out


def end_day(log: DayLog, observation_end=None) -> int:
    """Day number of the observation end: the given date, else the last purchase day of the log."""
    if observation_end is not None:
        return day_number(observation_end, "observation_end")
    if len(log) == 0:
        raise DataError("the transactions table has no purchases: give observation_end or more data")
    return int(log.day.max())


def as_values(values) -> np.ndarray:
    """A 1-d float array of non-negative finite values (revenue per customer)."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise DataError("need at least one value")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise DataError("values must be finite and >= 0 (revenue per customer)")
    return x


def acquisition_days(transactions: pd.DataFrame, customers: pd.DataFrame | None = None,
                     customer_col: str = CUSTOMER, date_col: str = DATE,
                     acquired_col: str = "acquired_at") -> pd.Series:
    """Day number of each customer's acquisition (index customer id, sorted).

    ``acquired_at`` of the customers table where it is given, else the first purchase day; where
    ``acquired_at`` is later than the first purchase, the purchase wins (a customer who bought was a
    customer). Customers of the customers table without purchases keep their ``acquired_at``.
    """
    s = day_log(transactions, customer_col, date_col).summary()["first"]
    if customers is None or acquired_col not in customers.columns:
        return s.astype("int64")
    require_columns(customers, "customers", (customer_col,))
    cust = customers.drop_duplicates(customer_col)
    acquired = pd.Series(day_numbers(cust[acquired_col], f"customers, column '{acquired_col}',"), index=pd.Index(cust[customer_col].to_numpy(), name=CUSTOMER))
    acquired = acquired[acquired != NAT]
    both = acquired.index.union(s.index)
    a = acquired.reindex(both)
    f = s.reindex(both)
    out = np.fmin(a.to_numpy(dtype=float), f.to_numpy(dtype=float))
    return pd.Series(out.astype("int64"), index=pd.Index(both, name=CUSTOMER))
