"""Conversions shared by both sides of the benchmark (numpy and pandas only: they run under both
environments): inputs to a transaction DataFrame, results to plain arrays for the comparison."""
from __future__ import annotations

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")


def transactions_frame(arrays: dict) -> pd.DataFrame:
    """The log as both libraries take it: string customer ids, datetime64 dates, float amounts."""
    return pd.DataFrame({"customer_id": arrays["customer_id"].astype(object),
                         "date": arrays["date"].astype("datetime64[ns]"),
                         "amount": arrays["amount"]})


def summary_arrays(summary: pd.DataFrame) -> dict:
    """An RFM summary (index customer_id) as arrays sorted by customer id."""
    df = summary.sort_index()
    return {"customer_id": df.index.to_numpy().astype(str), **{c: df[c].to_numpy(float) for c in SUMMARY_COLUMNS}}


def engine_digest(summary: pd.DataFrame, every: int = 997) -> dict:
    """A summary too big to keep whole, for the agreement check: its size, column sums and every
    ``every``-th row (ids and values)."""
    rows = summary.iloc[::every]
    return {"n": np.array([len(summary)]), "ids": rows.index.to_numpy().astype(str),
            **{c: rows[c].to_numpy(float) for c in SUMMARY_COLUMNS},
            **{f"sum_{c}": np.array([summary[c].to_numpy(float).sum()]) for c in SUMMARY_COLUMNS}}


def prediction_arrays(result) -> dict:
    """(P(alive), expected purchases) as float arrays."""
    p_alive, expected = result
    return {"p_alive": np.asarray(p_alive, float), "expected_purchases": np.asarray(expected, float)}
