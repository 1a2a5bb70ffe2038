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

**Nothing of the user's is overwritten.** ``--out`` may not be one of the inputs, lie inside an input
folder or match the input glob (the next summary would read it), or be a symbolic link. An existing
``--out`` is replaced only when relmkt wrote it (its record ``<out>.relmkt.json`` matches it), or with
``--force``, which says what it replaces. The summary is written to a temporary file beside ``--out``
and renamed into place; its record (size and SHA-256 of the output, the marker of completeness that
``relmkt validate <out>`` checks) says "unfinished" while the rename is under way. Two summaries to
one ``--out`` at once: the second is refused (a lock file beside it). In a CSV summary, a customer id
that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is written with
a leading ``'`` (OWASP).
"""
from __future__ import annotations

import fnmatch
import glob
import json
import os
import shutil
import sys
import time
from pathlib import Path

from ..core.csv_safety import neutralize_csv
from ..core.errors import DataError
from ..core.files import (PathError, atomic_write, check_files, check_path_text, exchange, file_record,
                          new_temp_file, os_error_sentence, output_lock, read_regular, refuse_link, rename_noreplace)

WRITER = "relmkt summarize"


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
    s.add_argument("--force", action="store_true", help="replace an existing --out that relmkt did not write "
                   "(never one of the inputs)")
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


def record_path(out) -> Path:
    """The record of a summary: ``<out>.relmkt.json`` beside it."""
    out = Path(out)
    return out.with_name(out.name + ".relmkt.json")


def is_summary(path) -> bool:
    """True when ``path`` is an output of ``relmkt summarize`` (it has a record beside it)."""
    try:
        return os.path.lexists(path) and record_path(path).is_file()
    except (OSError, ValueError):
        return False


def summary_problems(out) -> list[str]:
    """What is wrong with a summary against its record (an empty list: complete and unchanged)."""
    out = Path(out)
    try:
        doc = json.loads(read_regular(record_path(out), limit=50_000_000))
    except (OSError, ValueError, DataError):
        return [f"its record {record_path(out).name} cannot be read"]
    if not isinstance(doc, dict) or doc.get("written_by") != WRITER:
        return [f"{record_path(out).name} is not a record of relmkt summarize"]
    if doc.get("complete") is not True or not isinstance(doc.get("files"), dict):
        return ["relmkt summarize was stopped before it finished writing it: run the summary again"]
    problems = check_files(out.parent, doc["files"])
    return [f"{p}: the summary is incomplete or was changed since relmkt wrote it" for p in problems]


def _inputs(source: str) -> list[str]:
    """The files a source names (a file, folder or glob), for the checks of ``--out``."""
    if any(ch in source for ch in "*?["):
        return [f for f in glob.glob(source, recursive=True) if os.path.isfile(f)]
    if os.path.isdir(source):
        return [str(p) for p in Path(source).rglob("*") if p.is_file()]
    return [source] if os.path.exists(source) else []


def check_out(source: str, out: Path) -> None:
    """Refuse an ``--out`` that is one of the inputs or would be read as one next time."""
    real = os.path.realpath(out)
    for f in _inputs(source):
        if os.path.realpath(f) == real:
            raise DataError(f"summarize: --out {out} is one of the inputs ({source}); the summary would replace the "
                            "data it is made from: choose another --out")
    if any(ch in source for ch in "*?[") and fnmatch.fnmatch(os.path.abspath(out), os.path.abspath(source)):
        raise DataError(f"summarize: --out {out} matches the input pattern {source!r}; the next summary would read it "
                        "as input: choose a name outside it")
    if os.path.isdir(source) and real.startswith(os.path.realpath(source).rstrip(os.sep) + os.sep):
        raise DataError(f"summarize: --out {out} is inside the input folder {source}; the next summary would read it "
                        "as input: choose a place outside it")


def _record_files(parent: Path, written: Path, name: str) -> dict:
    """Sizes and SHA-256 of the output ``written`` (a file or a folder of part files), under ``name``."""
    if written.is_dir():
        parts = sorted(p.relative_to(written).as_posix() for p in written.rglob("*") if p.is_file())
        return {f"{name}/{k}": v for k, v in file_record(written, parts).items()}
    return {name: file_record(parent, [written.name])[written.name]}


def run_summarize(args) -> int:
    from ..btyd.engines import write_summary

    check_path_text(args.out, "--out")
    out = Path(os.path.abspath(args.out))
    refuse_link(out, f"--out {args.out}")
    if out.is_dir() and args.engine != "spark":
        raise DataError(f"summarize: --out {args.out} is a folder; give a file name such as summary.parquet")
    if not out.parent.is_dir():
        raise DataError(f"summarize: cannot write {args.out}: folder {out.parent} does not exist")
    source = _source(args.source)
    check_out(source, out)
    fmt_csv = out.name.lower().endswith(".csv")
    started = time.perf_counter()
    with output_lock(out, "summarize"):
        if os.path.lexists(out):
            ours = is_summary(out) and (summary_problems(out) == [] or "stopped before" in summary_problems(out)[0])
            if ours and out.is_dir():                   # a folder of part files: nothing else of the user's in it
                doc = json.loads(read_regular(record_path(out), limit=50_000_000))
                listed = {k.split("/", 1)[1] for k in doc.get("files", {}) if "/" in k}
                ours = all(p.relative_to(out).as_posix() in listed for p in out.rglob("*") if not p.is_dir())
            if not ours and not args.force:
                raise PathError(f"summarize: {args.out} exists and was not written by relmkt summarize (or was changed "
                                "since); nothing is overwritten: choose another --out, or pass --force to replace it")
            if not ours:
                print(f"relmkt: --force: replacing {args.out}, which relmkt did not write", file=sys.stderr)
        tmp = new_temp_file(out.parent, suffix=out.suffix)
        tmp.unlink()                                   # the engines create the file (or Spark its folder)
        record = record_path(out)
        earlier = read_regular(record, limit=50_000_000) if record.is_file() and not record.is_symlink() else None
        published = False
        try:
            try:
                engine = write_summary(
                    source, str(tmp), engine=args.engine, compress=args.compress,
                    observation_end=args.observation_end, freq=args.freq, calibration_end=args.calibration_end,
                    customer_col=args.customer_col, date_col=args.date_col, amount_col=args.amount_col or None,
                    freq_multiplier=args.freq_multiplier, memory_limit=args.memory_limit,
                    temp_directory=args.temp_directory, threads=args.threads)
            except DataError as err:                   # name the output the user gave, not the temporary file
                raise DataError(str(err).replace(str(tmp), args.out)) from None
            if fmt_csv:
                for part in ([tmp] if tmp.is_file() else sorted(tmp.rglob("*.csv"))):
                    safe = new_temp_file(part.parent, suffix=".csv")
                    neutralize_csv(part, safe)
                    os.replace(safe, part)
                    crc = part.with_name(f".{part.name}.crc")      # Hadoop's checksum of the part, now stale
                    if crc.is_file() and not crc.is_symlink():
                        crc.unlink()
            doc = {"written_by": WRITER, "complete": False, "output": out.name, "source": args.source,
                   "engine": engine}
            doc["files"] = _record_files(out.parent, tmp, out.name)
            if out.is_dir() and not tmp.is_dir():
                raise DataError(f"summarize: --out {args.out} is a folder; give a file name")
            atomic_write(record, json.dumps({k: v for k, v in doc.items() if k != "files"}, indent=1) + "\n")
            if tmp.is_dir():
                exchange(tmp, out) if os.path.lexists(out) else rename_noreplace(tmp, out)
            else:
                os.replace(tmp, out)
            published = True
            doc["complete"] = True
            atomic_write(record, json.dumps(doc, indent=1, sort_keys=True) + "\n")
        except BaseException as exc:
            if not published:                          # the earlier summary is still there: so is its record
                if earlier is not None:
                    atomic_write(record, earlier)
                elif record.is_file() and not record.is_symlink():
                    record.unlink()
            if isinstance(exc, OSError):               # a full disk while neutralizing or recording: a sentence
                kept = "; the previous summary is kept" if not published and os.path.exists(out) else ""
                raise PathError(os_error_sentence(exc, args.out) + kept) from None
            raise
        finally:
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            elif os.path.lexists(tmp):
                tmp.unlink()
    n = _rows(args.out)
    what = "rows" if args.compress else "customers"
    count = f"{n:,} {what}" if n is not None else "done"
    print(f"wrote {args.out}: {count} ({engine}, {time.perf_counter() - started:.1f} s)")
    return 0
