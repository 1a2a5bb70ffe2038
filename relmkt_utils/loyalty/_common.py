"""Shared helpers of the loyalty package: per-customer purchase days and revenue.

A *purchase day* is a distinct (customer, calendar day) pair of the transaction log. Several
transactions of one customer on the same day count as one purchase occasion, the usual unit of
repeat-purchase and buy-till-you-die analyses (e.g. Fader, Hardie & Lee 2005 on CDNOW).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

CUSTOMER = "customer_id"
DATE = "date"
AMOUNT = "amount"


def require_columns(df: pd.DataFrame, columns, table: str) -> None:
    """Raise a one-sentence ``ValueError`` when ``df`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{table} table lacks column(s) {', '.join(map(repr, missing))}")


def purchase_days(
    transactions: pd.DataFrame,
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
    amount_col: str | None = AMOUNT,
) -> pd.DataFrame:
    """One row per distinct (customer, day), sorted by customer then day.

    Columns: ``customer_id``, ``day`` (datetime64 floored to the day) and, when ``amount_col`` is
    given, ``amount`` (sum of the day's transactions). Vectorized: one groupby over the log.
    """
    cols = [customer_col, date_col] + ([amount_col] if amount_col else [])
    require_columns(transactions, cols, "transactions")
    day = pd.to_datetime(transactions[date_col]).dt.floor("D")
    frame = pd.DataFrame({CUSTOMER: transactions[customer_col].to_numpy(), "day": day.to_numpy()})
    if amount_col:
        frame["amount"] = transactions[amount_col].to_numpy(dtype=float)
        out = frame.groupby([CUSTOMER, "day"], sort=True, observed=True)["amount"].sum().reset_index()
    else:
        out = frame.drop_duplicates().sort_values([CUSTOMER, "day"], kind="stable")
    return out.reset_index(drop=True)


def customer_summary(days: pd.DataFrame) -> pd.DataFrame:
    """Per customer (index ``customer_id``): first and last purchase day, purchase days, revenue."""
    g = days.groupby(CUSTOMER, sort=True, observed=True)
    agg = {"first": ("day", "min"), "last": ("day", "max"), "frequency": ("day", "size")}
    if "amount" in days.columns:
        agg["revenue"] = ("amount", "sum")
    return g.agg(**agg)


def as_values(values) -> np.ndarray:
    """A 1-d float array of non-negative finite values (revenue per customer)."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("need at least one value")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("values must be finite and >= 0 (revenue per customer)")
    return x
