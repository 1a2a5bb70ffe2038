"""Inputs of the benchmark cases, written once to ``bench/_work/`` as ``.npz`` (plain arrays that
both environments read; the file name carries the size and seed, so a rerun reuses it).

* Transaction logs: CDNOW's 69,659 purchase records (``data/cdnow``), and synthetic BG/NBD logs of
  1M, 2M and 10M purchases with string customer ids and daily dates
  (:func:`relmkt_utils.btyd.simulate_transactions`, CDNOW's parameters in days, customers acquired
  over the first year of two), cut to exactly the requested number of rows (rows are sorted by
  customer and date, so only the last customer loses some of her later purchases).
* Customer summaries: (frequency, recency, T, monetary value) in weeks measured in days
  (``rfm_summary(freq="D", freq_multiplier=7)``, the convention of Fader, Hardie & Lee 2005) of the
  whole CDNOW log (23,570 customers) and of synthetic logs of 100k and 1M customers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from relmkt_utils import datasets
from relmkt_utils.btyd import rfm_summary, simulate_transactions

WORK = Path(__file__).resolve().parent / "_work"
#: CDNOW's BG/NBD and Gamma-Gamma estimates (FHL 2005), the purchase rate converted to days.
CDNOW_DAILY = dict(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426, spend=(6.25, 3.74, 15.44))
TX_PER_CUSTOMER = 2.85  # mean purchase records per customer of the logs below (measured)


def _synthetic_log(n_customers: int, seed: int, acquisition_days: int, end: str):
    p = CDNOW_DAILY
    return simulate_transactions(n_customers, p["r"], p["alpha"], p["a"], p["b"], start="2020-01-01", end=end,
                                 acquisition_days=acquisition_days, spend=p["spend"], seed=seed)


def _log_arrays(tx) -> dict:
    return {"customer_id": tx["customer_id"].to_numpy().astype(str),
            "date": tx["date"].to_numpy().astype("datetime64[D]"),
            "amount": tx["amount"].to_numpy(float)}


def transaction_log(n_rows: int | None, seed: int = 7) -> Path:
    """A log of ``n_rows`` purchases (``None``: CDNOW's own log); returns its ``.npz`` path."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / ("log_cdnow.npz" if n_rows is None else f"log_{n_rows}_seed{seed}.npz")
    if path.exists():
        return path
    if n_rows is None:
        tx = datasets.load("cdnow").transactions
    else:
        tx = _synthetic_log(int(n_rows / TX_PER_CUSTOMER * 1.05) + 100, seed, 365, "2021-12-31")
        if len(tx) < n_rows:
            raise RuntimeError(f"synthetic log too short: {len(tx)} < {n_rows}")
        tx = tx.iloc[:n_rows]
    np.savez(path, **_log_arrays(tx))
    return path


def customer_summary(n_customers: int | None, seed: int = 11) -> Path:
    """Per-customer (frequency, recency, T, monetary_value) in weeks measured in days, of CDNOW
    (``None``) or of a synthetic log of ``n_customers`` customers; returns its ``.npz`` path."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / ("summary_cdnow.npz" if n_customers is None else f"summary_{n_customers}_seed{seed}.npz")
    if path.exists():
        return path
    if n_customers is None:
        tx = datasets.load("cdnow").transactions
    else:
        tx = _synthetic_log(n_customers, seed, 84, "2021-06-30")  # CDNOW's design: 12 weeks of births, 78 weeks
    s = rfm_summary(tx, freq="D", freq_multiplier=7)
    np.savez(path, frequency=s["frequency"].to_numpy(float), recency=s["recency"].to_numpy(float),
             T=s["T"].to_numpy(float), monetary_value=s["monetary_value"].to_numpy(float))
    return path


def repeat_buyers(summary_path: Path) -> Path:
    """The Gamma-Gamma input: customers of a summary with at least one repeat purchase of positive mean
    value (CDNOW has some zero-value records; both libraries reject a zero mean spend)."""
    path = summary_path.with_name(summary_path.stem + "_repeat.npz")
    if path.exists():
        return path
    with np.load(summary_path) as z:
        keep = (z["frequency"] > 0) & (z["monetary_value"] > 0)
        np.savez(path, frequency=z["frequency"][keep], monetary_value=z["monetary_value"][keep])
    return path
