"""Transaction logs too big for pandas: the ``transactions_path`` key of ``dataset.yml``.

``transactions_path: logs/*.parquet`` (a Parquet file, folder or glob, relative to the dataset folder
and inside it) says where a dataset's transactions are when they should not be read into memory.
An absolute path, ``~`` or a ``..`` that leaves the folder is refused (a glob such as
``/**/*.parquet`` would crawl the whole file system); for a log kept elsewhere, put a symbolic link
to it in the dataset folder. At most :data:`MAX_FILES` files are listed.
:func:`relmkt_utils.data.datasets.load` then leaves ``Dataset.transactions`` as None and sets
``Dataset.transactions_source`` to the resolved path, which :func:`relmkt_utils.btyd.rfm_summary`
reads with DuckDB, out of core::

    ds = datasets.load("big_shop")
    summary = btyd.rfm_summary(ds.transactions_source, freq="D", freq_multiplier=7, memory_limit="2GB")

Validation reads only Parquet metadata, never rows: each file's schema (columns ``customer_id``,
``date``, ``amount`` with their types) and the row-group statistics that writers store in the
footer (missing values; earliest and latest date against the observation window; the smallest
amount). What statistics cannot show (an id missing from customers) is not checked here;
``rfm_summary`` checks missing values and negative amounts again when it reads the rows.
"""
from __future__ import annotations

import datetime
import glob
import os
import re
from pathlib import Path

import pandas as pd

from ..core.errors import Problem
from ..core.time import day_number, day_stamps
from .validation import RULES

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
COLUMNS = ("customer_id", "date", "amount")
TYPES = {"customer_id": "text or whole numbers", "date": "dates or timestamps", "amount": "numbers"}


def _problem(file: str, code: str, column=None, detail: str = "") -> Problem:
    return Problem(file, RULES[code], column=column, detail=detail, code=code)


#: The most files a ``transactions_path`` may list.
MAX_FILES = 100_000


def outside_folder(value) -> bool:
    """True when a ``transactions_path`` would leave its dataset folder: absolute, ``~``, or a ``..``."""
    text = str(value).strip()
    return (text.startswith(("/", "\\", "~")) or os.path.isabs(text) or bool(re.match(r"^[A-Za-z]:", text))
            or ".." in re.split(r"[\\/]", text) or "\x00" in text)


def resolve_transactions_path(folder: Path, value) -> str | None:
    """The ``transactions_path`` of a dataset folder as an absolute path or glob inside the folder
    (None if it is not text or would leave the folder)."""
    if not isinstance(value, str) or not value.strip() or outside_folder(value):
        return None
    return str(Path(folder).resolve() / value.strip())


def parquet_files(source: str) -> list[str]:
    """The Parquet files of a file, folder or glob (sorted; empty when there is none; at most
    :data:`MAX_FILES`, more is a ValueError)."""
    if any(ch in source for ch in "*?["):
        found = glob.iglob(source, recursive=True)
    elif os.path.isdir(source):
        found = (str(p) for p in Path(source).rglob("*"))
    else:
        found = [source] if os.path.isfile(source) else []
    out = []
    for f in found:
        if f.lower().endswith(PARQUET_SUFFIXES) and os.path.isfile(f):
            out.append(f)
            if len(out) > MAX_FILES:
                raise ValueError(f"more than {MAX_FILES:,} Parquet files")
    return sorted(out)


def _kind_ok(column: str, arrow_type) -> bool:
    import pyarrow as pa

    t = arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type
    if column == "customer_id":
        return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
    if column == "date":
        return pa.types.is_date(t) or pa.types.is_timestamp(t)
    return pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_decimal(t)


def _day(value) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, (datetime.date, datetime.datetime, pd.Timestamp)):
        return pd.Timestamp(day_stamps([day_number(value)])[0])      # the suite's one day rule
    return None


def check_transactions_path(folder: Path, meta: dict, window, has_table: bool) -> list[Problem]:
    """Every problem of a dataset's ``transactions_path``, from Parquet metadata only."""
    source = resolve_transactions_path(folder, meta.get("transactions_path"))
    if source is None:
        value = meta.get("transactions_path")
        why = "it leaves the dataset folder" if isinstance(value, str) and value.strip() else "it is not a path"
        return [_problem("dataset.yml", "transactions_path", column="transactions_path",
                         detail=f"got {value!r}: {why}")]
    problems = []
    if has_table:
        problems.append(_problem("dataset.yml", "transactions_path_twice", column="transactions_path"))
    try:
        files = parquet_files(source)
    except ValueError as exc:
        return problems + [_problem("dataset.yml", "transactions_path", column="transactions_path", detail=str(exc))]
    if not files:
        return problems + [_problem("dataset.yml", "transactions_path", column="transactions_path",
                                    detail=f"no Parquet file at {meta['transactions_path']}")]
    import pyarrow.parquet as pq

    nulls = {c: 0 for c in COLUMNS}
    first_day = last_day = min_amount = None
    where = {}
    for f in files:
        name = os.path.relpath(f, folder) if Path(f).is_relative_to(Path(folder)) else f
        try:
            meta_f = pq.ParquetFile(f).metadata
            schema = meta_f.schema.to_arrow_schema()
        except Exception as exc:  # pyarrow raises many types for a damaged file
            problems.append(_problem(name, "parquet", detail=(str(exc).splitlines() or [type(exc).__name__])[0]))
            continue
        missing = [c for c in COLUMNS if c not in schema.names]
        if missing:
            problems.append(_problem(name, "missing_column", column=", ".join(missing),
                                     detail="found " + ", ".join(schema.names[:8])))
        bad = [c for c in COLUMNS if c in schema.names and not _kind_ok(c, schema.field(c).type)]
        for c in bad:
            problems.append(_problem(name, "column_type", column=c,
                                     detail=f"{schema.field(c).type}, expected {TYPES[c]}"))
        usable = [c for c in COLUMNS if c not in missing and c not in bad]
        index = {meta_f.schema.column(i).path: i for i in range(meta_f.num_columns)}
        for g in range(meta_f.num_row_groups):
            group = meta_f.row_group(g)
            for c in usable:
                stats = group.column(index[c]).statistics
                if stats is None:
                    continue
                if stats.has_null_count and stats.null_count:
                    nulls[c] += stats.null_count
                    where.setdefault(("null", c), name)
                if not stats.has_min_max:
                    continue
                if c == "date":
                    lo, hi = _day(stats.min), _day(stats.max)
                    if lo is not None and (first_day is None or lo < first_day):
                        first_day, where["first"] = lo, name
                    if hi is not None and (last_day is None or hi > last_day):
                        last_day, where["last"] = hi, name
                elif c == "amount" and (min_amount is None or float(stats.min) < min_amount):
                    min_amount, where["amount"] = float(stats.min), name
    for c, n in nulls.items():
        if n:
            code = "id_empty" if c == "customer_id" else "finite_nonnegative" if c == "amount" else "date_format"
            problems.append(_problem(where[("null", c)], code, column=c, detail=f"{n:,} missing values in the files"))
    if window is not None:
        start, end = window
        if first_day is not None and first_day < start:
            problems.append(_problem(where["first"], "date_window", column="date",
                                     detail=f"earliest date {first_day.date()} is before {start.date()}"))
        if last_day is not None and last_day > end:
            problems.append(_problem(where["last"], "date_window", column="date",
                                     detail=f"latest date {last_day.date()} is after {end.date()}"))
    if min_amount is not None and min_amount < 0:
        problems.append(_problem(where["amount"], "finite_nonnegative", column="amount",
                                 detail=f"smallest amount {min_amount:g}"))
    return problems
