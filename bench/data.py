"""Inputs of the benchmark cases, written once to ``bench/_work/`` as ``.npz`` (plain arrays that
both environments read; the file name carries the size and seed, so a rerun reuses it).

* Transaction logs: CDNOW's 69,659 purchase records (``data/cdnow``), and synthetic BG/NBD logs of
  1M, 2M and 10M purchases with string customer ids and daily dates
  (:func:`relmkt_utils.btyd.simulate_transactions`, CDNOW's parameters in days, customers acquired
  over the first year of two), cut to exactly the requested number of rows (rows are sorted by
  customer and date, so only the last customer loses some of her later purchases).
* The same logs in date order (what a shop's export looks like: rows by time, not by customer).
* Big logs for the DuckDB engine (``rfm_duckdb*`` cases): 30M and 100M purchases as one Parquet file,
  written in chunks of 2M customers (each chunk a log of the generator above with its own seed and id
  prefix, ``C003-0001234``), so the log is never in memory whole.
* Customer summaries: (frequency, recency, T, monetary value) in weeks measured in days
  (``rfm_summary(freq="D", freq_multiplier=7)``, the convention of Fader, Hardie & Lee 2005) of the
  whole CDNOW log (23,570 customers) and of synthetic logs of 100k and 1M customers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from relmkt_utils.data import datasets
from relmkt_utils.btyd import rfm_summary, simulate_bgbb, simulate_transactions

WORK = Path(__file__).resolve().parent / "_work"
#: CDNOW's BG/NBD and Gamma-Gamma estimates (FHL 2005), the purchase rate converted to days.
CDNOW_DAILY = dict(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426, spend=(6.25, 3.74, 15.44))
TX_PER_CUSTOMER = 2.85  # mean purchase records per customer of the logs below (measured)


def _synthetic_log(n_customers: int, seed: int, acquisition_days: int, end: str, id_prefix: str = "C"):
    p = CDNOW_DAILY
    return simulate_transactions(n_customers, p["r"], p["alpha"], p["a"], p["b"], start="2020-01-01", end=end,
                                 acquisition_days=acquisition_days, spend=p["spend"], seed=seed, id_prefix=id_prefix)


def _log_arrays(tx) -> dict:
    return {"customer_id": tx["customer_id"].to_numpy().astype(str),
            "date": tx["date"].to_numpy().astype("datetime64[D]"),
            "amount": tx["amount"].to_numpy(float)}


def _cached(name: str, build) -> Path:
    """``WORK/name``, written by ``build()`` (a dict of arrays) unless it is there already."""
    path = WORK / name
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        np.savez(path, **build())
    return path


def transaction_log(n_rows: int | None, seed: int = 7, order: str = "customer") -> Path:
    """A log of ``n_rows`` purchases (``None``: CDNOW's own log); returns its ``.npz`` path.
    ``order="date"``: the same rows sorted by date (stable), as a shop's export comes."""
    if order == "date":
        source = transaction_log(n_rows, seed)

        def by_date():
            with np.load(source) as z:
                arrays = {k: z[k] for k in z.files}
            o = np.argsort(arrays["date"], kind="stable")
            return {k: v[o] for k, v in arrays.items()}

        return _cached(source.stem + "_by_date.npz", by_date)

    def build():
        if n_rows is None:
            return _log_arrays(datasets.load("cdnow").transactions)
        tx = _synthetic_log(int(n_rows / TX_PER_CUSTOMER * 1.05) + 100, seed, 365, "2021-12-31")
        if len(tx) < n_rows:
            raise RuntimeError(f"synthetic log too short: {len(tx)} < {n_rows}")
        return _log_arrays(tx.iloc[:n_rows])

    return _cached("log_cdnow.npz" if n_rows is None else f"log_{n_rows}_seed{seed}.npz", build)


def parquet_log(n_rows: int, seed: int = 7, chunk_customers: int = 2_000_000) -> Path:
    """A log of ``n_rows`` purchases as one Parquet file (row groups of 1M rows), written chunk by chunk
    (``chunk_customers`` customers each, seed ``seed + chunk``, ids prefixed ``C<chunk>-``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = WORK / f"log_{n_rows}_seed{seed}.parquet"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    writer, written, chunk = None, 0, 0
    try:
        while written < n_rows:
            tx = _synthetic_log(chunk_customers, seed + chunk, 365, "2021-12-31", id_prefix=f"C{chunk:03d}-")
            table = pa.Table.from_pandas(tx.iloc[: n_rows - written], preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
            written += table.num_rows
            chunk += 1
    finally:
        if writer is not None:
            writer.close()
    partial.rename(path)
    return path


def customer_summary(n_customers: int | None, seed: int = 11) -> Path:
    """Per-customer (frequency, recency, T, monetary_value) in weeks measured in days, of CDNOW
    (``None``) or of a synthetic log of ``n_customers`` customers; returns its ``.npz`` path."""
    def build():
        if n_customers is None:
            tx = datasets.load("cdnow").transactions
        else:
            tx = _synthetic_log(n_customers, seed, 84, "2021-06-30")  # CDNOW's design: 12 weeks of births, 78 weeks
        s = rfm_summary(tx, freq="D", freq_multiplier=7)
        return {c: s[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")}

    return _cached("summary_cdnow.npz" if n_customers is None else f"summary_{n_customers}_seed{seed}.npz", build)


def repeat_buyers(summary_path: Path) -> Path:
    """The Gamma-Gamma input: customers of a summary with at least one repeat purchase of positive mean
    value (CDNOW has some zero-value records; both libraries reject a zero mean spend)."""
    def build():
        with np.load(summary_path) as z:
            keep = (z["frequency"] > 0) & (z["monetary_value"] > 0)
            return {"frequency": z["frequency"][keep], "monetary_value": z["monetary_value"][keep]}

    return _cached(summary_path.stem + "_repeat.npz", build)


def donations() -> Path:
    """The BG/BB input of Fader, Hardie & Shang (2010): the donations summary (22 patterns with counts,
    11,104 donors) of ``data/donations``; returns its ``.npz`` path."""
    def build():
        s = datasets.load("donations").extras["bgbb_summary"]
        return {"frequency": s["frequency"].to_numpy(float), "recency": s["recency"].to_numpy(float),
                "n_periods": s["n_periods"].to_numpy(float), "weights": s["donors"].to_numpy(float)}

    return _cached("donations.npz", build)


def bgbb_donors(n_donors: int, seed: int = 13) -> Path:
    """One row per donor of a BG/BB world at the donations estimates (6 opportunities, no weights)."""
    def build():
        s = simulate_bgbb(n_donors, 1.204, 0.750, 0.657, 2.783, n_periods=6, seed=seed)
        return {c: s[c].to_numpy(float) for c in ("frequency", "recency", "n_periods")}

    return _cached(f"bgbb_{n_donors}_seed{seed}.npz", build)
