"""The RFM summary beyond one machine's memory: one SQL definition, run by DuckDB or Spark.

:func:`relmkt_utils.btyd.rfm_summary` computes the summary with numpy when the log is a pandas
DataFrame. For a log that does not fit in memory it hands over to this module, which writes the
summary **once**, as SQL text (:func:`summary_sql`), and runs that same text on

* **DuckDB** (``pip install 'relmkt[duckdb]'``): Parquet or CSV files, folders and globs, read out
  of core; aggregates, joins and the final sort spill to ``temp_directory`` when the data exceed
  ``memory_limit``;
* **Spark** (``pip install 'relmkt[spark]'``): a Spark DataFrame or files read by a SparkSession, on
  a laptop (local mode) or a cluster.

Why SQL text, not an expression library such as ibis: the summary is four GROUP BYs, two joins and
some integer arithmetic, which both engines read in the same ANSI SQL; the only differences between
the dialects are a few spellings (identifier quotes, the name of the text type, and the day number of a
date, of an instant and of ISO text: :class:`Dialect`). Generating the text in one place keeps the two engines from drifting apart
without a dependency of ~10 packages whose Spark and DuckDB backends pin their own versions, and the
query can be printed and run anywhere (``spark-sql``, a warehouse). The pandas path stays numpy (it is
several times faster than any of them in memory); ``tests/test_btyd_engines.py`` checks the three
give the same table to 1e-9, including a property test over random logs for DuckDB.

The SQL works on a normalized relation ``(customer_id, day, amount)``, where ``day`` is the calendar
day number since 1970-01-01 by the suite's one day rule (:func:`relmkt_utils.core.time.day_numbers`,
:func:`_day_sql`): a date, a timestamp without a time zone (DuckDB ``TIMESTAMP``, Spark
``TIMESTAMP_NTZ``) or ISO text without an offset counts on the day it is written with; an instant (DuckDB
``TIMESTAMPTZ``, Spark ``TIMESTAMP``, text with an offset) on its day in UTC, whatever the session's time
zone; a pandas DataFrame's dates are numbered in Python by the very function the pandas engine uses.
Everything after that is one text for both engines:

1. ``tx``: purchases with their period ``p`` (the day, or the Monday-based week ``floor((day-4)/7)``),
   kept when the period is not after the observation end's (calibration: days up to its end);
2. ``cp``: one row per customer and period with the period's total (purchases merged);
3. ``cust``: per customer, number of periods, first and last period, and the repeat total: the sum of
   all period totals minus the first period's (``MIN_BY(total, p)``), in exact decimals (:data:`EXACT`),
   so one aggregation gives it, with no join back to each customer's first period (which took 3.6x
   the time on 30M rows);
4. ``hold`` (calibration only): per customer, distinct holdout periods, holdout purchases and their sum;
5. the summary: ``frequency = periods - 1``, ``recency = last - first``, ``T = end - first`` (divided by
   ``freq_multiplier``), ``monetary_value = repeat total / frequency``, sorted by customer id.

Memory: DuckDB spills its aggregates to ``temp_directory``, but not all of their memory (the
aggregation of ~97M customer-days of a 100M-row log stopped at a 2.5GB limit). So when the log has more
rows than ``memory_limit / BYTES_PER_ROW``, the same query runs once per range of customer ids (bounds
from a sample of ids), each range sorted, one after the other: memory stays within the limit, and
every customer is in one range, so the ranges' summaries are the summary.
"""
from __future__ import annotations

import glob
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import DataError, ParameterError
from ..core.time import MONDAY_1970, NAT_DAY, Period, day_numbers
from .options import (ENGINES, SummaryOptions, check_engine, refuse_missing_amounts,
                      refuse_negative_amounts)
from .numpy_engine import missing_dates_sentence, summarize_frame

SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")
HOLDOUT_COLUMNS = ("frequency_holdout", "monetary_value_holdout", "duration_holdout")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv")
EXTRAS = {"duckdb": "duckdb", "spark": "pyspark"}


#: Text with a UTC offset or ``Z`` after its time of day (``2020-01-01T23:30:00-05:00``): an instant.
OFFSET_PATTERN = "[0-9]:[0-9][0-9][:.0-9]*[ ]*(Z|z|[+-][0-9][0-9](:?[0-9][0-9])?)$"


@dataclass(frozen=True)
class Dialect:
    """The spellings in which DuckDB's and Spark's SQL differ for this query: identifier quotes, the text
    type, and the day number (since 1970-01-01, BIGINT) of a DATE, of an instant and of ISO text ``{x}``
    by the day rule of the module docstring."""

    name: str
    quote: str  # identifier quote
    epoch_day: str  # the day number of the DATE expression ``{x}``
    text: str  # the text type
    instant_day: str  # the day number in UTC of the instant ``{x}``
    text_day: str  # the day number of ISO text ``{x}``: UTC for text with an offset, as written without

    def ident(self, name: str) -> str:
        return self.quote + str(name).replace(self.quote, self.quote * 2) + self.quote


DUCKDB = Dialect(
    "duckdb", '"', "datediff('day', DATE '1970-01-01', {x})", "VARCHAR",
    # the connection's TimeZone is UTC (duckdb_connection): naive text is read as written, offsets applied
    instant_day="datediff('day', DATE '1970-01-01', CAST(timezone('UTC', {x}) AS DATE))",
    text_day="datediff('day', DATE '1970-01-01', CAST(timezone('UTC', TRY_CAST({x} AS TIMESTAMPTZ)) AS DATE))")
SPARK = Dialect(
    "spark", "`", "datediff({x}, DATE '1970-01-01')", "STRING",
    # microseconds since the epoch do not depend on the session's time zone
    instant_day="CAST(FLOOR(CAST(unix_micros({x}) AS DOUBLE) / 86400000000.0) AS BIGINT)",
    text_day=(f"CASE WHEN {{x}} RLIKE '{OFFSET_PATTERN}' "
              "THEN CAST(FLOOR(CAST(unix_micros(TRY_CAST({x} AS TIMESTAMP)) AS DOUBLE) / 86400000000.0) AS BIGINT) "
              "ELSE datediff(CAST(TRY_CAST({x} AS TIMESTAMP_NTZ) AS DATE), DATE '1970-01-01') END"))
DIALECTS = {"duckdb": DUCKDB, "spark": SPARK}


@dataclass(frozen=True)
class Spec:
    """What one query summarises: the options of :func:`rfm_summary` once the dates are day numbers and
    the observation end is known (:meth:`of`)."""

    freq: str
    multiplier: float
    end_day: int  # observation end (the last day of the log when not given)
    cal_day: int | None = None  # calibration end
    amount: bool = True
    n_rows: int = 0  # rows of the log (from the checks' pass)

    @classmethod
    def of(cls, options: SummaryOptions, end_day: int, n_rows: int = 0) -> "Spec":
        return cls(options.freq, options.multiplier, int(end_day), options.calibration_end,
                   options.amount_col is not None, int(n_rows))

    @property
    def period(self) -> Period:
        return Period(self.freq, self.multiplier)


@dataclass(frozen=True)
class EngineSettings:
    """Where and how a summary runs: the engine (default from the source), DuckDB's ``memory_limit``,
    ``temp_directory`` and ``threads``, the SparkSession, and ``buckets`` (ranges of customer ids DuckDB
    summarises one after the other; default from the rows and the memory limit)."""

    engine: str | None = None
    memory_limit: str | None = None
    temp_directory: str | None = None
    threads: int | None = None
    spark: object = None
    buckets: int | None = None


# ---------------------------------------------------------------- the one definition, as SQL text

def _period(day: str, freq: str) -> str:
    if freq == "D":
        return day
    return f"CAST(FLOOR(CAST({day} - {MONDAY_1970} AS DOUBLE) / 7.0) AS BIGINT)"


def _period_of_day(day: int, freq: str) -> int:
    return int(Period(freq).codes(day))


def _double(value: float) -> str:
    return f"CAST({float(value)!r} AS DOUBLE)"


#: The period totals are summed as exact decimals (128-bit in both engines), so a customer's repeat total is
#: her total minus her first period's without the cancellation of a float subtraction (1e12 + 0.01 - 1e12).
#: Totals up to 10^20 with 18 decimals; what is smaller than 1e-18 is rounded away.
EXACT = "DECIMAL(38, 18)"


def summary_sql(base: str, spec: Spec, dialect: Dialect = DUCKDB) -> str:
    """The query of the RFM summary of ``base``, a relation (table name or parenthesized subquery) with
    columns ``customer_id``, ``day`` (BIGINT days since 1970-01-01) and, when ``spec.amount``,
    ``amount`` (DOUBLE). Columns as :func:`relmkt_utils.btyd.rfm_summary`, rows sorted by customer_id."""
    q = dialect.ident
    m = _double(spec.multiplier)
    if spec.cal_day is None:
        end_p = _period_of_day(spec.end_day, spec.freq)
        keep = f"{_period('day', spec.freq)} <= {end_p}"
    else:
        end_p = _period_of_day(spec.cal_day, spec.freq)
        keep = f"day <= {spec.cal_day}"
    amount = ", amount" if spec.amount else ""
    tx = f"(SELECT customer_id, {_period('day', spec.freq)} AS p{amount} FROM {base} WHERE {keep})"
    totals = (f", SUM(CAST(total AS {EXACT})) - CAST(MIN_BY(total, p) AS {EXACT}) AS repeat_total"
              if spec.amount else "")
    ctes = [
        "cp AS (SELECT customer_id, p" + (", SUM(amount) AS total" if spec.amount else "")
        + f" FROM {tx} t GROUP BY customer_id, p)",
        f"cust AS (SELECT customer_id, COUNT(*) AS n_p, MIN(p) AS first_p, MAX(p) AS last_p{totals} "
        "FROM cp GROUP BY customer_id)",
    ]
    cols = [
        f"cust.customer_id AS {q('customer_id')}",
        f"CAST(cust.n_p - 1 AS DOUBLE) AS {q('frequency')}",
        f"CAST(cust.last_p - cust.first_p AS DOUBLE) / {m} AS {q('recency')}",
        f"CAST({end_p} - cust.first_p AS DOUBLE) / {m} AS {q('T')}",
    ]
    joins = []
    if spec.amount:
        cols.append(f"CASE WHEN cust.n_p > 1 THEN CAST(cust.repeat_total AS DOUBLE) / CAST(cust.n_p - 1 AS DOUBLE) "
                    f"ELSE CAST(0 AS DOUBLE) END AS {q('monetary_value')}")
    if spec.cal_day is not None:
        hold_amount = ", COUNT(*) AS n, SUM(amount) AS total" if spec.amount else ""
        ctes.append(f"hold AS (SELECT customer_id, COUNT(DISTINCT {_period('day', spec.freq)}) AS n_p{hold_amount} "
                    f"FROM {base} WHERE day > {spec.cal_day} AND day <= {spec.end_day} GROUP BY customer_id)")
        joins.append("LEFT JOIN hold ON hold.customer_id = cust.customer_id")
        cols.append(f"CAST(COALESCE(hold.n_p, 0) AS DOUBLE) AS {q('frequency_holdout')}")
        if spec.amount:
            cols.append(f"CASE WHEN hold.n > 0 THEN hold.total / CAST(hold.n AS DOUBLE) ELSE CAST(0 AS DOUBLE) END "
                        f"AS {q('monetary_value_holdout')}")
        duration = _period_of_day(spec.end_day, spec.freq) - end_p
        cols.append(f"CAST({duration} AS DOUBLE) / {m} AS {q('duration_holdout')}")
    return ("WITH " + ",\n     ".join(ctes) + "\nSELECT " + ",\n       ".join(cols)
            + "\nFROM cust " + " ".join(joins) + f"\nORDER BY {q('customer_id')}")


def compressed_sql(summary: str, columns: list[str], dialect: Dialect = DUCKDB) -> str:
    """:func:`relmkt_utils.btyd.compress_summary` of the query ``summary`` (with ``columns``) in SQL."""
    q = dialect.ident
    by = ["frequency", "recency", "T"] + (["duration_holdout"] if "duration_holdout" in columns else [])
    sums = [f"SUM({q(c)}) AS {q(c + '_sum')}" for c in columns if c not in by and c != "customer_id"]
    keys = ", ".join(q(c) for c in by)
    return (f"SELECT {keys}, COUNT(*) AS {q('weight')}" + "".join(", " + s for s in sums)
            + f" FROM ({summary}) s GROUP BY {keys} ORDER BY {keys}")


def _stats_sql(base: str, spec_cal: int | None, obs_day: int | None, amount: bool, freq: str) -> str:
    """One pass over the log for the checks of :func:`rfm_summary` (and the last day of the log)."""
    cols = ["COUNT(*) AS n_rows", "COUNT(*) - COUNT(customer_id) AS missing_ids",
            "COUNT(*) - COUNT(day) AS missing_dates", "MAX(day) AS last_day"]
    if amount:
        cols += ["SUM(CASE WHEN amount < 0 THEN 1 ELSE 0 END) AS negative",
                 "SUM(CASE WHEN amount IS NULL OR isnan(amount) THEN 1 ELSE 0 END) AS missing_amounts"]
    if spec_cal is None and obs_day is not None:
        per = _period("day", freq)
        cols.append(f"SUM(CASE WHEN {per} <= {_period_of_day(obs_day, freq)} THEN 1 ELSE 0 END) AS n_obs")
    if spec_cal is not None:
        upper = f" AND day <= {obs_day}" if obs_day is not None else ""
        cols += [f"SUM(CASE WHEN day <= {spec_cal} THEN 1 ELSE 0 END) AS n_cal",
                 f"SUM(CASE WHEN day > {spec_cal}{upper} THEN 1 ELSE 0 END) AS n_hold"]
    return "SELECT " + ", ".join(cols) + f" FROM {base}"


def _negative_sql(base: str, dialect: Dialect) -> tuple[str, str]:
    ids = f"SELECT DISTINCT CAST(customer_id AS {dialect.text}) AS c FROM {base} WHERE amount < 0"
    return f"SELECT c FROM ({ids}) n ORDER BY c LIMIT 5", f"SELECT COUNT(*) AS n FROM ({ids}) n"


def _day_sql(column: str, kind: str, dialect: Dialect) -> str:
    """The day number of a date column by the day rule (module docstring), as BIGINT."""
    if kind == "day":                  # already numbered in Python (a pandas DataFrame)
        return f"CAST({column} AS BIGINT)"
    if kind == "instant":
        return f"CAST({dialect.instant_day.format(x=column)} AS BIGINT)"
    if kind == "text":
        return f"CAST({dialect.text_day.format(x=column)} AS BIGINT)"
    date = column if kind == "date" else f"CAST({column} AS DATE)"     # a timestamp without a time zone
    return f"CAST({dialect.epoch_day.format(x=date)} AS BIGINT)"


def _normalized(relation: str, kinds: dict, customer_col: str, date_col: str, amount_col: str | None,
                dialect: Dialect) -> str:
    """The log as ``(customer_id, day, amount)`` whatever the source's names and types."""
    q = dialect.ident
    cols = [f"{q(customer_col)} AS customer_id", f"{_day_sql(q(date_col), kinds[date_col], dialect)} AS day"]
    if amount_col is not None:
        cast = "TRY_CAST" if kinds[amount_col] == "text" else "CAST"
        cols.append(f"{cast}({q(amount_col)} AS DOUBLE) AS amount")
    return f"(SELECT {', '.join(cols)} FROM {relation})"


# ---------------------------------------------------------------- sources

def _is_spark_frame(obj) -> bool:
    return type(obj).__module__.startswith("pyspark.") and hasattr(obj, "createOrReplaceTempView")


def default_engine(source) -> str:
    """pandas for a pandas DataFrame, Spark for a Spark DataFrame, DuckDB for files."""
    if isinstance(source, pd.DataFrame):
        return "pandas"
    return "spark" if _is_spark_frame(source) else "duckdb"


def _is_uri(text: str) -> bool:
    return "://" in text


def resolve_files(source) -> tuple[list[str], str]:
    """The files of a path, folder, glob or list of them, and their format (``"parquet"`` or
    ``"csv"``). A DataError when nothing matches or the formats are mixed."""
    items = list(source) if isinstance(source, (list, tuple)) else [source]
    files: list[str] = []
    for item in items:
        text = os.fspath(item)
        if any(ch in text for ch in "*?["):
            found = sorted(glob.glob(text, recursive=True))
            if not found:
                raise DataError(f"rfm_summary: no file matches {text!r}")
            files += [f for f in found if os.path.isfile(f)]
        elif os.path.isdir(text):
            found = sorted(str(p) for p in Path(text).rglob("*")
                           if p.is_file() and p.name.lower().endswith(PARQUET_SUFFIXES + CSV_SUFFIXES))
            if not found:
                raise DataError(f"rfm_summary: folder {text!r} has no Parquet or CSV file")
            files += found
        elif os.path.isfile(text):
            files.append(text)
        else:
            raise DataError(f"rfm_summary: {text!r}: no such file or folder")
    kinds = {("parquet" if f.lower().endswith(PARQUET_SUFFIXES) else
              "csv" if f.lower().endswith(CSV_SUFFIXES) else "?") for f in files}
    if "?" in kinds:
        bad = next(f for f in files if not f.lower().endswith(PARQUET_SUFFIXES + CSV_SUFFIXES))
        raise DataError(f"rfm_summary: {bad!r} is neither Parquet (.parquet) nor CSV (.csv): cannot read it")
    if len(kinds) != 1:
        raise DataError("rfm_summary: the files mix Parquet and CSV; give one format at a time")
    return files, kinds.pop()


def read_pandas(source, columns: list[str], customer_col: str) -> pd.DataFrame:
    """Files read into pandas (the ``engine="pandas"`` path for a path): only ``columns``; customer ids
    of CSV files stay text, as in a dataset."""
    files, fmt = resolve_files(source)
    try:
        if fmt == "parquet":
            import pyarrow.dataset as pads

            names = pads.dataset(files, format="parquet").schema.names
            _check_columns([c for c in columns if c not in names], names, source)
            return pads.dataset(files, format="parquet").to_table(columns=columns).to_pandas()
        frames = []
        for f in files:
            head = pd.read_csv(f, nrows=0)
            _check_columns([c for c in columns if c not in head.columns], list(head.columns), source)
            frames.append(pd.read_csv(f, usecols=columns, dtype={customer_col: str}))
        return pd.concat(frames, ignore_index=True)
    except (OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"rfm_summary: cannot read {_shown(source)}: {_first_line(exc)}") from None


def _check_columns(missing: list[str], found, source) -> None:
    if missing:
        shown = ", ".join(map(str, list(found)[:8])) + (" ..." if len(found) > 8 else "")
        raise DataError(f"rfm_summary: {_shown(source)} has no column(s) {missing} (found {shown})")


def _shown(source) -> str:
    if isinstance(source, pd.DataFrame) or _is_spark_frame(source):
        return "transactions"
    if isinstance(source, (list, tuple)):
        return ", ".join(map(os.fspath, source))
    return os.fspath(source)


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _require(engine: str):
    module = EXTRAS[engine]
    try:
        return __import__(module)
    except ImportError:
        raise DataError(f"rfm_summary: engine {engine!r} needs the {module} package, which is not installed: "
                        f"pip install 'relmkt[{engine}]' (or pass engine='pandas' for a log that fits in memory)") from None


# ---------------------------------------------------------------- kinds of columns

_DUCK_KINDS = {"DATE": "date", "VARCHAR": "text"}


def _duck_kind(type_name: str) -> str:
    t = type_name.upper()
    if t in _DUCK_KINDS:
        return _DUCK_KINDS[t]
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return "instant"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t in ("DOUBLE", "FLOAT", "REAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT",
             "UINTEGER", "USMALLINT", "UTINYINT") or t.startswith("DECIMAL"):
        return "number"
    return t.lower()


def _spark_kind(type_name: str) -> str:
    t = type_name.lower()
    if t == "date":
        return "date"
    if t == "timestamp_ntz":
        return "timestamp"
    if t.startswith("timestamp"):      # Spark's TIMESTAMP is an instant (with the session's local time zone)
        return "instant"
    if t == "string" or t.startswith("varchar") or t.startswith("char"):
        return "text"
    if t in ("double", "float", "bigint", "int", "smallint", "tinyint") or t.startswith("decimal"):
        return "number"
    return t


def _check_kinds(kinds: dict, date_col: str, amount_col: str | None, source) -> None:
    if kinds[date_col] not in ("date", "timestamp", "instant", "text", "day"):
        raise DataError(f"rfm_summary: column {date_col!r} of {_shown(source)} holds {kinds[date_col]} values, "
                        "not dates: give dates, timestamps or ISO date text (YYYY-MM-DD)")
    if amount_col is not None and kinds[amount_col] not in ("number", "text"):
        raise DataError(f"rfm_summary: column {amount_col!r} of {_shown(source)} holds {kinds[amount_col]} "
                        "values, not amounts")


# ---------------------------------------------------------------- running

class _Runner:
    """Runs SQL text on one engine: ``scalar_rows(sql)`` -> list of dicts, ``frame(sql)`` -> pandas,
    ``write(sql, path)``."""

    dialect: Dialect
    relation: str
    kinds: dict


def _numbered(frame: pd.DataFrame, date_col: str) -> pd.DataFrame:
    """A pandas log with its date column replaced by day numbers (nullable BIGINT) of the one day rule."""
    if date_col not in frame.columns:
        return frame
    days = day_numbers(frame[date_col], "rfm_summary: the date column")
    numbered = pd.array(days, dtype="Int64")
    numbered[days == NAT_DAY] = pd.NA
    return frame.assign(**{date_col: numbered})


class _DuckRunner(_Runner):
    dialect = DUCKDB

    def __init__(self, con, source, customer_col, date_col):
        self.con = con
        if isinstance(source, pd.DataFrame):
            self.relation = "relmkt_input"
            con.register(self.relation, _numbered(source, date_col))
        else:
            files, fmt = resolve_files(source)
            listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
            if fmt == "parquet":
                self.relation = f"read_parquet({listed})"
            else:
                self.relation = f"read_csv({listed}, header = true)"
                names = [row[0] for row in self._run(f"DESCRIBE SELECT * FROM {self.relation}", source).fetchall()]
                if customer_col in names:  # ids stay text, as in a dataset: "007" is not 7
                    cust = customer_col.replace("'", "''")
                    self.relation = f"read_csv({listed}, header = true, types = {{'{cust}': 'VARCHAR'}})"
        described = self._run(f"DESCRIBE SELECT * FROM {self.relation}", source).fetchall()
        self.kinds = {row[0]: _duck_kind(row[1]) for row in described}
        if isinstance(source, pd.DataFrame) and date_col in self.kinds:
            self.kinds[date_col] = "day"
        self.source = source

    def _run(self, sql, source=None, arrow=False):
        import duckdb

        try:
            if arrow:
                rel = self.con.sql(sql)
                return rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.fetch_arrow_table()
            return self.con.execute(sql)
        except duckdb.OutOfMemoryException as exc:
            raise DataError(f"rfm_summary: DuckDB ran out of memory ({_first_line(exc)}); raise memory_limit or "
                            "give a temp_directory with free disk space") from None
        except duckdb.Error as exc:
            raise DataError(f"rfm_summary: DuckDB could not read {_shown(source if source is not None else self.source)}: "
                            f"{_first_line(exc)}") from None

    def rows(self, sql) -> list[dict]:
        cur = self._run(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def arrow(self, sql):
        return self._run(sql, arrow=True)

    def frame(self, sql) -> pd.DataFrame:
        return self.arrow(sql).to_pandas(split_blocks=True, self_destruct=True)

    def memory_limit(self) -> float:
        """DuckDB's memory limit in bytes (the default is 80% of RAM)."""
        value = self.rows("SELECT current_setting('memory_limit') AS v")[0]["v"]
        return _bytes(value) or float("inf")

    def write(self, sql, path: str, fmt: str) -> None:
        target = path.replace("'", "''")
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        self._run(f"COPY ({sql}) TO '{target}' ({options})")


class _SparkRunner(_Runner):
    dialect = SPARK

    def __init__(self, session, source, customer_col, date_col):
        self.spark = session
        self.source = source
        if _is_spark_frame(source):
            frame = source
        elif isinstance(source, pd.DataFrame):
            frame = session.createDataFrame(_numbered(source, date_col))
        else:
            frame = self._read(source, customer_col)
        self.relation = "relmkt_input_" + uuid.uuid4().hex[:12]
        frame.createOrReplaceTempView(self.relation)
        self.kinds = {name: _spark_kind(t) for name, t in frame.dtypes}
        if isinstance(source, pd.DataFrame) and date_col in self.kinds:
            self.kinds[date_col] = "day"

    def _read(self, source, customer_col):
        texts = [os.fspath(s) for s in (source if isinstance(source, (list, tuple)) else [source])]
        if all(_is_uri(t) for t in texts):  # a cluster's storage (hdfs://, s3a://): Spark finds the files
            fmt = "csv" if all(t.lower().rstrip("/").endswith(CSV_SUFFIXES) for t in texts) else "parquet"
            files = texts
        else:
            files, fmt = resolve_files(source)
        try:
            if fmt == "parquet":
                return self.spark.read.parquet(*files)
            return self.spark.read.csv(files, header=True)  # every column text: ids keep their leading zeros
        except Exception as exc:  # Spark's AnalysisException and Py4J errors
            raise DataError(f"rfm_summary: Spark could not read {_shown(source)}: {_first_line(exc)}") from None

    def rows(self, sql) -> list[dict]:
        return [r.asDict() for r in self._sql(sql).collect()]

    def _sql(self, sql):
        try:
            return self.spark.sql(sql)
        except Exception as exc:
            raise DataError(f"rfm_summary: Spark could not run the summary of {_shown(self.source)}: "
                            f"{_first_line(exc)}") from None

    def lazy(self, sql):
        """The result as a Spark DataFrame (nothing is computed yet)."""
        return self._sql(sql)

    def frame(self, sql) -> pd.DataFrame:
        try:
            return self._sql(sql).toPandas()
        except DataError:
            raise
        except Exception as exc:
            raise DataError(f"rfm_summary: Spark failed on {_shown(self.source)}: {_first_line(exc)}") from None

    def write(self, sql, path: str, fmt: str) -> None:
        writer = self._sql(sql).write.mode("overwrite")
        (writer.parquet(path) if fmt == "parquet" else writer.csv(path, header=True))


@contextmanager
def duckdb_connection(memory_limit: str | None = None, temp_directory: str | None = None, threads: int | None = None):
    """A DuckDB connection for one summary: in memory, in UTC (so naive ISO text is read as written,
    :data:`DUCKDB`), at most ``memory_limit``
    (e.g. ``"2GB"``; DuckDB's default is 80% of RAM), spilling to ``temp_directory`` (default: a fresh
    temporary folder, removed afterwards), ``threads`` (default: all cores)."""
    duckdb = _require("duckdb")
    owned = None
    if temp_directory is None:
        owned = tempfile.mkdtemp(prefix="relmkt-duckdb-")
        temp_directory = owned
    given = {k: v for k, v in (("memory_limit", memory_limit), ("threads", threads)) if v is not None}
    config = {"temp_directory": str(temp_directory), "preserve_insertion_order": False}
    if memory_limit is not None:
        config["memory_limit"] = str(memory_limit)
    if threads is not None:
        config["threads"] = int(threads)
    try:
        try:
            con = duckdb.connect(":memory:", config=config)
        except duckdb.Error as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in given.items()) or f"temp_directory={temp_directory!r}"
            raise ParameterError(f"rfm_summary: DuckDB refused the settings ({shown}): {_first_line(exc)}") from None
        try:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        finally:
            con.close()
    finally:
        if owned is not None:
            shutil.rmtree(owned, ignore_errors=True)


def spark_session(spark=None):
    """``spark`` if given, else the active SparkSession, else a local one (``local[*]``, UTC)."""
    if spark is not None:
        return spark
    _require("spark")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    return (SparkSession.builder.master("local[*]").appName("relmkt")
            .config("spark.sql.session.timeZone", "UTC").getOrCreate())


@contextmanager
def _runner(engine, source, options: SummaryOptions, settings: EngineSettings):
    if engine == "duckdb":
        with duckdb_connection(settings.memory_limit, settings.temp_directory, settings.threads) as con:
            yield _DuckRunner(con, source, options.customer_col, options.date_col)
    else:
        runner = _SparkRunner(spark_session(settings.spark), source, options.customer_col, options.date_col)
        try:
            yield runner
        finally:
            runner.spark.catalog.dropTempView(runner.relation)


def _plan(runner: _Runner, source, options: SummaryOptions) -> tuple[str, Spec]:
    """Check the log as the pandas path does (same sentences) and return the normalized relation and
    the spec of the query."""
    customer_col, date_col, amount_col = options.customer_col, options.date_col, options.amount_col
    _check_columns([c for c in options.columns if c not in runner.kinds], list(runner.kinds), source)
    _check_kinds(runner.kinds, date_col, amount_col, source)
    base = _normalized(runner.relation, runner.kinds, customer_col, date_col, amount_col, runner.dialect)
    obs_day, cal_day = options.observation_end, options.calibration_end
    stats = runner.rows(_stats_sql(base, cal_day, obs_day, amount_col is not None, options.freq))[0]
    stats = {k: (0 if v is None and k != "last_day" else v) for k, v in stats.items()}
    if stats["missing_dates"]:
        raise DataError(missing_dates_sentence(int(stats["missing_dates"]), int(stats["n_rows"])))
    if stats["n_rows"] == 0:
        raise DataError("rfm_summary: the transaction log is empty")
    if stats["missing_ids"]:
        raise DataError(f"rfm_summary: column {customer_col!r} has missing customer ids")
    if amount_col is not None:
        if stats["negative"]:
            first, count = _negative_sql(base, runner.dialect)
            refuse_negative_amounts(stats["negative"], [r["c"] for r in runner.rows(first)],
                                    int(runner.rows(count)[0]["n"]))
        if stats["missing_amounts"]:
            refuse_missing_amounts(amount_col, stats["missing_amounts"])
    end_day = int(stats["last_day"]) if obs_day is None else obs_day
    if "n_obs" in stats and not stats["n_obs"]:
        raise DataError("rfm_summary: no transaction on or before observation_end")
    if cal_day is not None:
        if not stats["n_cal"]:
            raise DataError("rfm_summary: no transaction on or before calibration_end")
        if not stats["n_hold"]:
            raise DataError("rfm_summary: no transaction between calibration_end and observation_end")
    return base, Spec.of(options, end_day, int(stats["n_rows"]))


#: Bytes of DuckDB ``memory_limit`` that one query needs per row of the log. DuckDB spills its
#: aggregates, but not all of their memory: with ~97M customer-days (100M rows) the query stopped at
#: 2.5GB. Above this the customers are cut into ranges of ids, one query each (:func:`_id_ranges`).
BYTES_PER_ROW = 40
_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30,
          "tib": 2 ** 40}


def _bytes(text) -> float | None:
    import re

    m = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(text))
    if not m or m.group(2).lower() not in _UNITS:
        return None
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


def _literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value)) if isinstance(value, (int, np.integer)) else repr(float(value))


def _id_ranges(runner, base: str, spec: Spec, buckets: int | None = None) -> list[str | None]:
    """Conditions that cut the customers into ranges of ids small enough for DuckDB's memory (None: all
    at once). A customer is in one range, so each range is summarised on its own and the sorted results
    follow one another; bounds are quantiles of a sample of 100,000 ids."""
    if buckets is None:
        if not isinstance(runner, _DuckRunner):
            return [None]
        buckets = int(np.ceil(spec.n_rows * BYTES_PER_ROW / runner.memory_limit()))
    if buckets <= 1:
        return [None]
    qs = ", ".join(repr(i / buckets) for i in range(1, buckets))
    sampled = runner.rows(f"SELECT quantile_disc(customer_id, [{qs}]) AS q FROM (SELECT customer_id FROM {base} b) s "
                          "USING SAMPLE reservoir(100000 ROWS)")[0]["q"]
    bounds = sorted(set(sampled))
    edges = [None] + bounds + [None]
    return [" AND ".join(([f"customer_id >= {_literal(lo)}"] if lo is not None else [])
                         + ([f"customer_id < {_literal(hi)}"] if hi is not None else []))
            for lo, hi in zip(edges[:-1], edges[1:])]


def _queries(runner, base: str, spec: Spec, compress: bool, buckets: int | None = None) -> list[str]:
    """The summary query, once or per range of ids."""
    out = []
    for cond in _id_ranges(runner, base, spec, buckets):
        sql = summary_sql(base if cond is None else f"(SELECT * FROM {base} b WHERE {cond})", spec, runner.dialect)
        out.append(compressed_sql(sql, _columns(spec), runner.dialect) if compress else sql)
    return out


def _merge_compressed(frame: pd.DataFrame) -> pd.DataFrame:
    """Compressed summaries of ranges of customers, added up row by row."""
    by = [c for c in ("frequency", "recency", "T", "duration_holdout") if c in frame.columns]
    return frame.groupby(by, sort=True).sum().reset_index()


def _finish(frame: pd.DataFrame, compress: bool) -> pd.DataFrame:
    if compress:
        frame["weight"] = frame["weight"].astype(np.int64)
        return frame
    return frame.set_index("customer_id")


def _engine_of(source, settings: EngineSettings) -> str:
    check_engine(settings.engine)
    engine = settings.engine or default_engine(source)
    if _is_spark_frame(source) and engine != "spark":
        raise ParameterError(f"rfm_summary: a Spark DataFrame is summarised by engine='spark', not {engine!r}")
    return engine


def run_summary(source, options: SummaryOptions, settings: EngineSettings = EngineSettings()) -> pd.DataFrame:
    """The summary of any source on any engine (:func:`relmkt_utils.btyd.rfm_summary`, which checked the
    ``options``), with its period recorded in ``attrs``."""
    engine = _engine_of(source, settings)
    if engine == "pandas":
        frame = source if isinstance(source, pd.DataFrame) else read_pandas(source, options.columns, options.customer_col)
        return summarize_frame(frame, options)
    compress = options.compress
    with _runner(engine, source, options, settings) as runner:
        base, spec = _plan(runner, source, options)
        queries = _queries(runner, base, spec, compress, settings.buckets)
        if len(queries) == 1:
            return options.stamp(_finish(runner.frame(queries[0]), compress))
        if compress:
            merged = _merge_compressed(pd.concat([runner.frame(q) for q in queries], ignore_index=True))
            return options.stamp(_finish(merged, True))
        import pyarrow as pa

        table = pa.concat_tables([runner.arrow(q) for q in queries])
        return options.stamp(_finish(table.to_pandas(split_blocks=True, self_destruct=True), False))


def summary(source, *, observation_end=None, freq="W", calibration_end=None, customer_col="customer_id",
            date_col="date", amount_col="amount", freq_multiplier=1, engine=None, compress=False,
            memory_limit=None, temp_directory=None, threads=None, spark=None, buckets=None) -> pd.DataFrame:
    """:func:`relmkt_utils.btyd.rfm_summary` of any source on any engine (see there), with ``buckets``: the
    number of ranges of customer ids DuckDB summarises one after the other (default: from the log's
    rows and the memory limit, :data:`BYTES_PER_ROW`)."""
    options = SummaryOptions.of(freq=freq, freq_multiplier=freq_multiplier, observation_end=observation_end,
                                calibration_end=calibration_end, customer_col=customer_col, date_col=date_col,
                                amount_col=amount_col, compress=compress)
    settings = EngineSettings(engine, memory_limit, temp_directory, threads, spark, buckets)
    return run_summary(source, options, settings)


def _columns(spec: Spec) -> list[str]:
    cols = ["customer_id", "frequency", "recency", "T"] + (["monetary_value"] if spec.amount else [])
    if spec.cal_day is not None:
        cols += ["frequency_holdout"] + (["monetary_value_holdout"] if spec.amount else []) + ["duration_holdout"]
    return cols


def period_counts_sql(base: str, spec: Spec, dialect: Dialect = DUCKDB) -> str:
    """Per period (up to the observation end's): customers born (first purchase period) and repeat
    transactions (later periods with a purchase), the data of
    :func:`relmkt_utils.btyd.repeat_transactions_over_time`."""
    per = _period("day", spec.freq)
    end_p = _period_of_day(spec.end_day, spec.freq)
    return (f"WITH cp AS (SELECT DISTINCT customer_id, {per} AS p FROM {base} WHERE {per} <= {end_p}),\n"
            "     cust AS (SELECT customer_id, MIN(p) AS first_p FROM cp GROUP BY customer_id)\n"
            "SELECT cp.p AS p, SUM(CASE WHEN cp.p = cust.first_p THEN 1 ELSE 0 END) AS births,\n"
            "       SUM(CASE WHEN cp.p > cust.first_p THEN 1 ELSE 0 END) AS repeats\n"
            "FROM cp JOIN cust ON cp.customer_id = cust.customer_id GROUP BY cp.p ORDER BY p")


def period_counts(source, *, freq, observation_end=None, customer_col="customer_id", date_col="date",
                  engine=None, memory_limit=None, temp_directory=None, threads=None, spark=None):
    """``(first period, last period, repeat transactions per period, births per period)`` of a log on
    DuckDB or Spark, as the pandas path of ``repeat_transactions_over_time`` counts them."""
    options = SummaryOptions.of(freq=freq, freq_multiplier=1, observation_end=observation_end,
                                customer_col=customer_col, date_col=date_col, amount_col=None)
    settings = EngineSettings(engine, memory_limit, temp_directory, threads, spark)
    engine = _engine_of(source, settings)
    if engine == "pandas":
        raise ValueError("period_counts: the pandas path is repeat_transactions_over_time's own")
    with _runner(engine, source, options, settings) as runner:
        base, spec = _plan(runner, source, options)
        counts = runner.frame(period_counts_sql(base, spec, runner.dialect))
    end_p = _period_of_day(spec.end_day, freq)
    p = counts["p"].to_numpy(np.int64)
    p0 = int(p.min())
    actual, births = np.zeros(end_p - p0 + 1), np.zeros(end_p - p0 + 1)
    actual[p - p0] = counts["repeats"].to_numpy(float)
    births[p - p0] = counts["births"].to_numpy(float)
    return p0, end_p, actual, births


def write_summary(source, out, *, engine=None, compress=False, observation_end=None, freq="W",
                  calibration_end=None, customer_col="customer_id", date_col="date", amount_col="amount",
                  freq_multiplier=1, memory_limit=None, temp_directory=None, threads=None, spark=None,
                  buckets=None) -> str:
    """Write the summary (``customer_id`` as a column) to ``out``: Parquet, or CSV when ``out`` ends in
    ``.csv``. DuckDB and Spark write it themselves, so it never passes through Python's memory (Spark
    writes a folder of part files). Returns the engine that did it."""
    out = os.fspath(out)
    fmt = "csv" if out.lower().endswith(".csv") else "parquet"
    options = SummaryOptions.of(freq=freq, freq_multiplier=freq_multiplier, observation_end=observation_end,
                                calibration_end=calibration_end, customer_col=customer_col, date_col=date_col,
                                amount_col=amount_col, compress=compress)
    settings = EngineSettings(engine, memory_limit, temp_directory, threads, spark, buckets)
    engine = _engine_of(source, settings)
    if engine == "pandas":
        df = run_summary(source, options, settings)
        _write_frame(df if compress else df.reset_index(), out, fmt)
        return engine
    with _runner(engine, source, options, settings) as runner:
        base, spec = _plan(runner, source, options)
        queries = _queries(runner, base, spec, compress, buckets)
        if len(queries) == 1:
            runner.write(queries[0], out, fmt)
        elif compress:
            _write_frame(_merge_compressed(pd.concat([runner.frame(q) for q in queries], ignore_index=True)), out, fmt)
        else:  # one range of customers at a time through Python, in id order
            _write_tables((runner.arrow(q) for q in queries), out, fmt)
    return engine


def _write_frame(df: pd.DataFrame, out: str, fmt: str) -> None:
    try:
        df.to_csv(out, index=False) if fmt == "csv" else df.to_parquet(out, index=False)
    except OSError as exc:
        raise DataError(f"rfm_summary: cannot write {out!r}: {_first_line(exc)}") from None


def _write_tables(tables, out: str, fmt: str) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    writer = None
    try:
        for table in tables:
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema) if fmt == "parquet" else pacsv.CSVWriter(out, table.schema)
            writer.write_table(table)
    except OSError as exc:
        raise DataError(f"rfm_summary: cannot write {out!r}: {_first_line(exc)}") from None
    finally:
        if writer is not None:
            writer.close()


def spark_summary(source, *, spark=None, compress=False, observation_end=None, freq="W", calibration_end=None,
                  customer_col="customer_id", date_col="date", amount_col="amount", freq_multiplier=1):
    """The summary as a **Spark DataFrame** (lazy: nothing leaves the cluster until you write or
    collect it), e.g. to write it next to the log with ``.write.parquet(...)`` on a cluster. The checks
    of :func:`rfm_summary` run first (one pass over the log). The temporary view of the input stays
    registered for the life of the session."""
    options = SummaryOptions.of(freq=freq, freq_multiplier=freq_multiplier, observation_end=observation_end,
                                calibration_end=calibration_end, customer_col=customer_col, date_col=date_col,
                                amount_col=amount_col, compress=compress)
    runner = _SparkRunner(spark_session(spark), source, customer_col, date_col)
    base, spec = _plan(runner, source, options)
    sql = summary_sql(base, spec, runner.dialect)
    if compress:
        sql = compressed_sql(sql, _columns(spec), runner.dialect)
    return runner.lazy(sql)


__all__ = ["ENGINES", "DUCKDB", "SPARK", "Dialect", "Spec", "EngineSettings", "summary_sql", "compressed_sql",
           "summary", "run_summary",
           "write_summary", "spark_summary", "duckdb_connection", "spark_session", "resolve_files",
           "default_engine", "read_pandas"]
