"""A first look at a dataset (notebook 00): table sizes, date ranges, purchases per customer, mixes.

Concentration measures (Lorenz, Gini, top-20% share) live in :mod:`relmkt_utils.loyalty`.
"""
from __future__ import annotations

import pandas as pd

from .dataset import Dataset
from ..core.purchases import purchase_days

DATE_COLUMNS = {
    "customers": "acquired_at",
    "transactions": "date",
    "survey": "date",
    "referrals": "invited_at",
}


def table_sizes(ds: Dataset) -> pd.DataFrame:
    """One row per canonical table: rows, columns, first and last date (absent tables say so)."""
    from .tables import TABLE_NAMES

    rows = []
    for name in TABLE_NAMES:
        t = getattr(ds, name)
        if t is None:
            rows.append({"table": name, "rows": 0, "columns": 0, "first date": None, "last date": None, "present": False})
            continue
        col = DATE_COLUMNS.get(name)
        has_dates = col in t.columns if col else False
        rows.append(
            {
                "table": name,
                "rows": len(t),
                "columns": t.shape[1],
                "first date": t[col].min().date() if has_dates else None,
                "last date": t[col].max().date() if has_dates else None,
                "present": True,
            }
        )
    return pd.DataFrame(rows).set_index("table")


def purchases_per_customer(transactions: pd.DataFrame) -> pd.Series:
    """Distinct purchase days per customer (a Series indexed by customer id)."""
    days = purchase_days(transactions, amount_col=None)
    return days.groupby("customer_id", sort=True).size().rename("purchase_days")


def frequency_distribution(counts: pd.Series, cap: int = 10) -> pd.DataFrame:
    """Customers by number of purchase days, with ``cap`` and more pooled as '<cap>+'."""
    capped = counts.clip(upper=cap)
    table = capped.value_counts().sort_index().rename("customers").to_frame()
    table["share"] = table["customers"] / table["customers"].sum()
    table.index = [f"{i}+" if i == cap else str(i) for i in table.index]
    table.index.name = "purchase days"
    return table


def mix(customers: pd.DataFrame, column: str, revenue: pd.Series | None = None) -> pd.DataFrame:
    """Customers (and revenue, when given per customer id) by the categories of ``column``."""
    counts = customers[column].value_counts().rename("customers")
    out = counts.to_frame()
    out["share of customers"] = out["customers"] / out["customers"].sum()
    if revenue is not None:
        rev = customers.set_index("customer_id")[column].to_frame().join(revenue.rename("revenue")).fillna({"revenue": 0.0})
        by = rev.groupby(column)["revenue"].sum()
        out["revenue"] = by.reindex(out.index).fillna(0.0)
        out["share of revenue"] = out["revenue"] / out["revenue"].sum()
    out.index.name = column
    return out


def richest_group(customers: pd.DataFrame, columns: list[str], revenue: pd.Series) -> dict | None:
    """Of the categories of ``columns`` (with at least 1% of the customers), the one whose revenue
    per customer is highest: ``{"column", "group", "customer_share", "revenue_share"}``; None when
    there is no column or no revenue."""
    best = None
    for column in columns:
        table = mix(customers, column, revenue)
        if "share of revenue" not in table or not table["revenue"].sum() > 0:
            continue
        table = table[table["share of customers"] >= 0.01]
        per_head = table["share of revenue"] / table["share of customers"]
        group = per_head.idxmax()
        if best is None or per_head[group] > best["per_head"]:
            best = {"column": column, "group": group, "per_head": float(per_head[group]),
                    "customer_share": float(table.loc[group, "share of customers"]),
                    "revenue_share": float(table.loc[group, "share of revenue"])}
    if best is None:
        return None
    best.pop("per_head")
    return best
