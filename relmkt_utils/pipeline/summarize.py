"""``relmkt summarize SOURCE --out summary.parquet``: the RFM summary of a transaction log, for batch users.

SOURCE is a Parquet or CSV file, a folder or a glob of them (quote the glob: ``'logs/*.parquet'``), or a
dataset (name in ``data/`` or folder with ``dataset.yml``: its ``transactions_path`` or transactions
table). The summary (:func:`relmkt_utils.btyd.rfm_summary`, one row per customer with ``customer_id``
as a column) is written to ``--out`` as Parquet, or CSV when the name ends in ``.csv``; ``--compress``
writes the distinct (frequency, recency, T) rows with their ``weight`` instead
(:func:`relmkt_utils.btyd.compress_summary`), all a BG/NBD or Pareto/NBD fit needs.

The default engine is DuckDB (out of core: ``--memory-limit 2GB`` caps its memory and it spills to
``--temp-directory``); ``--engine pandas`` reads the log into memory, ``--engine spark`` runs on the
active or a local SparkSession (and writes a folder of part files). A user mistake (a missing file, a
column the log does not have, a date that is not one, an engine that is not installed) is one sentence
and exit code 2.
"""
from __future__ import annotations

import time
from pathlib import Path

from ..core.errors import DataError


def add_summarize_parser(sub) -> None:
    """Register ``relmkt summarize`` on the subparsers of the ``relmkt`` command."""
    s = sub.add_parser("summarize", help="write the RFM summary of a transaction log (Parquet/CSV, out of core)",
                       description="Write the RFM summary (one row per customer, or distinct rows with weights) "
                                   "of a transaction log: a Parquet/CSV file, folder or glob, or a dataset.")
    s.add_argument("source", help="Parquet/CSV file, folder or quoted glob, or a dataset name or folder")
    s.add_argument("--out", required=True, help="output file: .parquet (default) or .csv")
    s.add_argument("--engine", choices=("duckdb", "pandas", "spark"), default=None,
                   help="default duckdb (out of core)")
    s.add_argument("--freq", choices=("D", "W"), default="W", help="periods: D days, W weeks Monday-Sunday (default W)")
    s.add_argument("--freq-multiplier", type=float, default=1.0,
                   help="periods per output time unit (D with 7: weeks measured in days)")
    s.add_argument("--observation-end", help="last day observed, YYYY-MM-DD (default: last date of the log)")
    s.add_argument("--calibration-end", help="end of the calibration period, YYYY-MM-DD: adds holdout columns")
    s.add_argument("--customer-col", default="customer_id")
    s.add_argument("--date-col", default="date")
    s.add_argument("--amount-col", default="amount", help="amount column; '' for none (no monetary columns)")
    s.add_argument("--compress", action="store_true", help="write distinct (frequency, recency, T) rows with weights")
    s.add_argument("--memory-limit", help="DuckDB memory limit, e.g. 2GB (default: 80%% of RAM)")
    s.add_argument("--temp-directory", help="DuckDB spill folder (default: a temporary folder)")
    s.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    s.set_defaults(func=run_summarize)


def _source(text: str):
    """A dataset (folder with dataset.yml, or a name in data/) becomes its transactions' source
    (:func:`relmkt_utils.data.datasets.transactions_source`); anything else is a path or glob."""
    from ..data.datasets import data_dir, transactions_source

    if any(ch in text for ch in "*?["):
        return text
    path = Path(text)
    if path.is_dir() and (path / "dataset.yml").exists():
        return transactions_source(path)
    if not path.exists() and "/" not in text and "\\" not in text and (data_dir() / text / "dataset.yml").exists():
        return transactions_source(data_dir() / text)
    return text


def _rows(out: str) -> int | None:
    try:
        import pyarrow.dataset as pads

        fmt = "csv" if out.lower().endswith(".csv") else "parquet"
        return pads.dataset(out, format=fmt).count_rows()
    except Exception:  # the count is only for the message
        return None


def run_summarize(args) -> int:
    from ..btyd.engines import write_summary

    out = Path(args.out)
    if out.is_dir() and args.engine != "spark":
        raise DataError(f"summarize: --out {args.out} is a folder; give a file name such as summary.parquet")
    if not out.resolve().parent.is_dir():
        raise DataError(f"summarize: cannot write {args.out}: folder {out.resolve().parent} does not exist")
    started = time.perf_counter()
    engine = write_summary(
        _source(args.source), args.out, engine=args.engine, compress=args.compress,
        observation_end=args.observation_end, freq=args.freq, calibration_end=args.calibration_end,
        customer_col=args.customer_col, date_col=args.date_col, amount_col=args.amount_col or None,
        freq_multiplier=args.freq_multiplier, memory_limit=args.memory_limit, temp_directory=args.temp_directory,
        threads=args.threads)
    n = _rows(args.out)
    what = "rows" if args.compress else "customers"
    count = f"{n:,} {what}" if n is not None else "done"
    print(f"wrote {args.out}: {count} ({engine}, {time.perf_counter() - started:.1f} s)")
    return 0
