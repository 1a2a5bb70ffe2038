"""Turn a shop's raw order export into a relmkt dataset: ``relmkt import`` and :func:`import_orders`.

A raw export is a CSV or Parquet file with one row per order *line* (or per order): a customer
column, a date column, and either an amount column or a quantity and a unit-price column; often an
order (invoice) number and free attributes such as the country. :func:`import_orders` reads it,
cleans it with rules it states, rolls it up and writes a validated dataset folder:

1. **Ids** are stripped; an id that a spreadsheet turned into a float (``12346.0``) becomes ``12346``.
   Lines without a customer id are dropped (an order without a customer cannot be followed).
2. **Dates** are read in one order for the whole column (:mod:`relmkt_utils.data.export_dates`): the
   order given (``date_format``, ``dayfirst`` or ``monthfirst``), where a value that is a date only in
   the other order is an error naming its lines; else the order the values show (``13/01/2011`` only
   day first, ``1/13/2011`` only month first), stated in the printout; values that point both ways, or
   a column where every value reads both ways, are errors with examples. Lines whose date is no date
   in any order (``31/02/2011``) are dropped, with examples. A time of day is cut to the day.
3. **Amounts** are ``amount_col``, or ``quantity_col`` x ``price_col``, as exact decimals
   (:func:`relmkt_utils.data.reconciliation.line_amounts`). Lines whose amount does not parse are
   dropped, with examples.
4. **Returns** are lines with a negative amount. ``returns="drop"`` drops them; ``"net"`` nets each
   return against the same customer's purchases, the latest purchase on or before the return date
   first, then earlier ones, in exact decimals (an order netted to nothing is removed whole, and the
   reconciliation counts the orders and the customers that netting removed; what a return has beyond the
   customer's earlier purchases is reported as unmatched and dropped); ``"keep"`` drops them from
   the transactions and writes them to an extra table ``returns`` (customer_id, date, amount as a
   positive number).
5. **Zero amounts** (free items, cancelled lines) are dropped: a purchase of nothing is no purchase.
6. **Roll-up**: one transaction per order (``order_col``; its date is the order's first line's day and
   ``order_id`` is kept as a column) or, without an order column, per customer and day.
7. **Customers**: one row per buyer with ``acquired_at`` = the first purchase day and the free
   ``attributes`` (e.g. ``Country``) carried over as lower-case columns: a customer's most frequent
   value (ties: the first in the file); customers with several values are counted.
8. The observation window runs from the first to the last purchase day; ``dataset.yml`` records the
   source file, its SHA-256 and the settings (provenance), and the folder is validated.

The result, :class:`ImportReport`, reconciles the import with the file's own totals
(:mod:`relmkt_utils.data.reconciliation`): the file's lines and net amount (purchases and returns on
the same basis), each step with the lines and amount it removed or moved, the orders and customers
that netting removed, and the transactions written; each total is its start plus its steps, exactly.

**Nothing of the user's is overwritten, nothing half-written is left.** The output folder must not
exist, be empty, or be an earlier ``relmkt import`` whose files are unchanged (it is then replaced
whole); it must not be a symbolic link and must not hold the source. The folder is written into a
staging folder beside it (``.<name>.relmkt-staging-*``), validated, given its marker of completeness
(``.relmkt-dataset``: the size and SHA-256 of every file, :func:`relmkt_utils.data.dataset.mark_complete`)
and then renamed into place in one step; a second import to the same folder while one is running is
refused (a lock file ``.<name>.relmkt-lock`` beside it). Stopped at any point (SIGTERM, a full disk),
it leaves no folder that looks complete: ``relmkt validate`` calls an unfinished one unfinished.

**Inputs.** The source must be a regular file (a named pipe is refused). A CSV's encoding is
``encoding`` if given; else a byte-order mark decides (UTF-8, UTF-16, UTF-32); else UTF-8, then
Windows-1252, then Latin-1. UTF-16 without a byte-order mark is named in the message (give
``encoding``). Text cells that a spreadsheet would run as a formula (an id ``=HYPERLINK(...)``) are
written with a leading ``'`` in every table (OWASP), and the report says how many.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..core.bounded_yaml import YAMLLimitError, load_yaml
from ..core.csv_safety import neutralize_frame
from ..core.errors import DataError, ParameterError, Problem, shown_values
from ..core.files import (PathError, check_path_text, check_text, detect_encoding, exchange, open_regular,
                          os_error_sentence, output_lock, read_regular, refuse_link, rename_noreplace, same_or_inside)
from ..core.time import DATASET_UNITS
from .dataset import COMPLETENESS, Dataset, completeness_problems, mark_complete, mark_incomplete, save
from .datasets import validate
from .export_dates import DateReading, read_dates
from .reconciliation import LineAmounts, OrderStep, Reconciliation, Step, line_amounts, to_decimal
from .validation import likely_column

RETURN_MODES = ("drop", "net", "keep")
#: Keys of a YAML mapping file (the same as the command's options).
MAPPING_KEYS = ("customer_col", "date_col", "date_format", "dayfirst", "monthfirst", "order_col", "amount_col",
                "quantity_col", "price_col", "returns", "currency", "time_unit", "attributes", "name", "description",
                "licence", "encoding")
#: Settings that name one column of the export.
COLUMN_KEYS = ("customer_col", "date_col", "order_col", "amount_col", "quantity_col", "price_col")
#: The largest mapping file read, in bytes.
MAX_MAPPING_BYTES = 1_000_000
WRITER = "relmkt import"


def check_settings(settings: dict, where: str = "the import settings") -> None:
    """Each setting has its type: a column is one name (text), ``attributes`` a list of names,
    ``dayfirst`` true/false, the rest text; no text holds a lone surrogate. A ParameterError names
    the setting and what was given (a list where a column name belongs, say)."""
    for key, value in settings.items():
        if value is None:
            continue
        if key in ("dayfirst", "monthfirst"):
            ok = isinstance(value, bool)
            want = "true or false"
        elif key == "attributes":
            ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
            want = "a list of column names"
        else:
            ok = isinstance(value, str)
            want = "one column name (text)" if key in COLUMN_KEYS else "text"
        if not ok:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise ParameterError(f"{where}: {key} must be {want}, got {type(value).__name__} {shown}")
        for text in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(text, str):
                try:
                    check_text(text, f"{where}: {key}")
                except PathError as err:
                    raise ParameterError(str(err)) from None


@dataclass
class ImportReport:
    """What an import did: ``reconciliation`` (from the file's own lines and net amounts to the
    transactions written, :class:`~relmkt_utils.data.reconciliation.Reconciliation`), ``dates`` (the order
    the dates were read in and why, their range and examples,
    :class:`~relmkt_utils.data.export_dates.DateReading`), ``counts`` (lines read, kept and dropped per
    reason), ``examples`` (up to three raw values per reason), the written ``path`` and the number of
    ``customers`` and ``transactions``."""

    path: Path
    counts: dict
    examples: dict
    reconciliation: Reconciliation
    dates: DateReading
    customers: int
    transactions: int
    notes: list = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """The reconciliation as a table (:meth:`Reconciliation.table`)."""
        return self.reconciliation.table()

    def text(self) -> str:
        """What ``relmkt import`` prints: the folder, how the dates were read, the reconciliation, the notes."""
        lines = [f"imported into {self.path}: {self.customers:,} customers, {self.transactions:,} transactions",
                 f"dates: {self.dates.sentence()}", f"  {self.dates.range_sentence()}",
                 self.reconciliation.text()]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def decode_export(raw: bytes, name: str, encoding: str | None) -> tuple[str, str]:
    """The text of an export and the encoding it was read as (see the module docstring)."""
    found = detect_encoding(raw)
    if encoding:
        codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        try:
            family = codecs.lookup(codec).name
        except LookupError:
            family = ""
        if found and found[2] and not family.startswith(found[0][:6]):       # utf-16-le vs utf-16: same family
            raise DataError(Problem(name, f"the file begins with a {found[1]} byte-order mark, but the encoding given "
                                          f"is {encoding}; leave the encoding out (the mark is read) or give "
                                          f"{found[0]}"))
        try:
            return raw.decode(codec), encoding
        except LookupError:
            raise DataError(Problem(name, f"the encoding {encoding!r} is not one Python knows (e.g. utf-8, cp1252, "
                                          "latin-1, utf-16)")) from None
        except UnicodeDecodeError as exc:
            hint = f"; it looks like {found[1]}" if found else ""
            raise DataError(Problem(name, f"the file is not {encoding} text (byte {exc.start:,}){hint}")) from None
    if found is not None:
        codec, label, mark = found
        if not mark:
            raise DataError(Problem(name, f"the file looks like {label}: give the encoding "
                                          f"(--encoding {codec}) or save it as UTF-8"))
        try:
            return raw[mark:].decode(codec), f"{label} (byte-order mark)"
        except UnicodeDecodeError:
            raise DataError(Problem(name, f"the file begins with a {label} byte-order mark but is not {label} text; "
                                          "give the encoding (--encoding)")) from None
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _read(source: Path, encoding: str | None) -> tuple[pd.DataFrame, str]:
    if not source.exists():
        raise DataError(Problem(str(source), "the source file does not exist", code="not_found"))
    if source.suffix.lower() in (".parquet", ".pq"):
        with open_regular(source, what=f"the source {source}") as fh:
            try:
                return pd.read_parquet(fh).astype(object).where(lambda d: d.notna(), None), "parquet"
            except Exception as exc:
                raise DataError(Problem(source.name, "the file is not a readable Parquet table",
                                        detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None
    raw = read_regular(source, what=f"the source {source}")
    text, enc = decode_export(raw, source.name, encoding)
    import io

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise DataError(Problem(source.name, "the file is not a well-formed CSV table",
                                detail=str(exc).strip().splitlines()[-1])) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, enc


def _require(frame: pd.DataFrame, file: str, **columns) -> None:
    for option, col in columns.items():
        if col is not None and col not in frame.columns:
            hint = likely_column(col, frame.columns)
            raise DataError(Problem(file, f"the column given as {option.replace('_', '-')} is not in the file",
                                    column=col, detail=f"found {hint}" if hint else
                                    "columns: " + ", ".join(map(str, frame.columns[:12]))))


def normalize_ids(values: pd.Series) -> pd.Series:
    """Ids as text: stripped; a float-like id (``12346.0``, ``12346.00``) loses its zero decimals;
    empty becomes missing."""
    s = values.astype("string").str.strip()
    s = s.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True).replace("", pd.NA)
    return s.astype(object).where(s.notna(), None)


def _n(n: int, word: str) -> str:
    """``1 return``, ``2 returns``."""
    return f"{n:,} {word if n != 1 else word[:-1]}"


def _numbers(values: pd.Series) -> pd.Series:
    """Numbers as written with a decimal point; anything else (``12,50``, ``n/a``) does not parse."""
    s = values.astype("string").str.strip() if values.dtype == object else values
    return pd.to_numeric(s, errors="coerce").astype(float)


@dataclass(frozen=True)
class Netting:
    """What netting did: returns netted in full, in part and not at all, and the amounts (whole units)."""

    full: int = 0
    part: int = 0
    none: int = 0
    netted: int = 0
    unmatched: int = 0


def _net_returns(purchases: pd.DataFrame, returns: pd.DataFrame) -> tuple[pd.DataFrame, Netting]:
    """Subtract each return (``units`` < 0) from the same customer's purchases, latest on or before the
    return first, in whole units (exact). Returns the purchases with their netted ``units`` (a purchase
    netted to nothing keeps a row of 0 units) and what was netted."""
    purchases = purchases.sort_values(["customer_id", "date"], kind="stable").copy()
    units = [int(u) for u in purchases["units"]]
    dates = purchases["date"].to_numpy()
    by_customer = {c: idx for c, idx in purchases.groupby("customer_id", sort=False).indices.items()}
    full = part = none = netted = unmatched = 0
    for cust, day, value in returns[["customer_id", "date", "units"]].itertuples(index=False):
        asked = left = -int(value)
        rows = by_customer.get(cust, np.zeros(0, dtype=int))
        for r in rows[dates[rows] <= np.datetime64(day)][::-1]:
            take = min(left, units[r])
            units[r] -= take
            left -= take
            if left == 0:
                break
        netted += asked - left
        unmatched += left
        full, part, none = full + (left == 0), part + (0 < left < asked), none + (left == asked)
    purchases["units"] = pd.Series(units, index=purchases.index, dtype=purchases["units"].dtype)
    return purchases, Netting(full, part, none, netted, unmatched)


def _attributes(lines: pd.DataFrame, attributes: list[str]) -> tuple[pd.DataFrame, int]:
    """Per customer, the most frequent value of each attribute (ties: first seen) and how many
    customers had more than one value."""
    out = pd.DataFrame(index=pd.Index(sorted(lines["customer_id"].unique()), name="customer_id"))
    conflicting = set()
    for col in attributes:
        sub = lines[["customer_id", col]].dropna()
        counts = sub.groupby(["customer_id", col], sort=False).size().rename("n").reset_index()
        counts["order"] = np.arange(len(counts))
        counts = counts.sort_values(["customer_id", "n", "order"], ascending=[True, False, True], kind="stable")
        best = counts.drop_duplicates("customer_id").set_index("customer_id")[col]
        conflicting |= set(counts.loc[counts.duplicated("customer_id"), "customer_id"])
        out[col.strip().lower().replace(" ", "_")] = best.reindex(out.index)
    return out, len(conflicting)


def read_mapping(path: str | Path) -> dict:
    """The settings of a YAML mapping file (the keys of :data:`MAPPING_KEYS`), checked: a regular
    file of at most 1 MB, YAML within bounds (no alias bomb), each setting of its type."""
    p = Path(path)
    try:
        doc = load_yaml(read_regular(p, limit=MAX_MAPPING_BYTES, what=f"the mapping file {p}").decode("utf-8-sig"))
    except PathError as err:
        raise ParameterError(str(err)) from None
    except YAMLLimitError as exc:
        raise ParameterError(f"{p.name}: the mapping file is refused: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ParameterError(f"{p.name}: the mapping file is not valid YAML{where}") from None
    except UnicodeDecodeError:
        raise ParameterError(f"{p.name}: the mapping file is not UTF-8 text") from None
    except OSError as exc:
        raise ParameterError(f"{p.name}: the mapping file cannot be read ({exc.strerror})") from None
    if not isinstance(doc, dict):
        raise ParameterError(f"{p.name}: the mapping file must be a mapping of settings to values")
    unknown = sorted(set(map(str, doc)) - set(MAPPING_KEYS))
    if unknown:
        raise ParameterError(f"{p.name}: unknown settings {unknown}; known: {', '.join(MAPPING_KEYS)}")
    check_settings(doc, f"{p.name}")
    return doc


def _check_out(source: Path | None, out: Path) -> bool:
    """Refuse an output that is not new, empty or an unchanged earlier import, that is a link, or
    that is (or holds) the source. True when ``out`` is an earlier import to replace."""
    check_path_text(str(out), "the output folder")
    refuse_link(out, f"the output folder {out}")
    if source is not None and same_or_inside(source, [out]) is not None:
        raise ParameterError(f"the output folder {out} is the source or holds it; the import would overwrite its own "
                             "input: choose a new folder")
    if not out.exists():
        return False
    if not out.is_dir():
        raise ParameterError(f"the output {out} exists and is not a folder; nothing is overwritten: choose a new folder")
    if not any(out.iterdir()):
        return False
    problems = completeness_problems(out)
    if problems == []:
        listed = set(json.loads(read_regular(out / COMPLETENESS))["files"]) | {COMPLETENESS}
        others = sorted(p.name for p in out.iterdir() if p.name not in listed)
        if not others:
            return True
        problems = [f"it also holds files relmkt did not write ({', '.join(others[:3])})"]
    why = "" if problems is None else f" (an earlier import, but {problems[0]})"
    raise ParameterError(f"the output folder {out} exists and is not empty{why}; nothing is overwritten: "
                         "choose a new folder")


def _publish(staging: Path, out: Path, replace: bool) -> None:
    """Put the staged folder in place: a new name, an empty folder's place, or swapped with the
    earlier import in one step."""
    if replace:
        exchange(staging, out)
        shutil.rmtree(staging, ignore_errors=True)
        return
    if out.is_dir() and not out.is_symlink():
        out.rmdir()                           # empty (checked); a file of the user's there stops the rmdir
    rename_noreplace(staging, out)


def import_orders(source, out, *, customer_col: str, date_col: str, date_format: str | None = None,
                  dayfirst: bool = False, monthfirst: bool = False, order_col: str | None = None,
                  amount_col: str | None = None, quantity_col: str | None = None, price_col: str | None = None,
                  returns: str = "drop", currency: str = "EUR", time_unit: str = "week", attributes=(),
                  name: str | None = None, description: str | None = None,
                  licence: str = "the owner's data: not for redistribution", encoding: str | None = None) -> ImportReport:
    """Import a raw order or order-line export into the dataset folder ``out`` (module docstring).

    Every problem with the settings or the file is a :class:`~relmkt_utils.core.errors.DataError`
    sentence; nothing is written unless the import succeeds. ``out`` must not exist, be empty, or be an
    unchanged earlier import (replaced whole); an import to ``out`` while another runs is refused.
    The dates are read in one order: ``date_format``, ``dayfirst`` or ``monthfirst`` if given (a value that
    contradicts it is a DataError), else the order the values themselves show
    (:func:`~relmkt_utils.data.export_dates.read_dates`). Returns the :class:`ImportReport`.
    """
    out = Path(os.path.abspath(out))
    check_path_text(str(out), "the output folder")
    _check_out(Path(source), out)                  # early, before reading anything
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PathError(os_error_sentence(exc, f"the folder {out.parent}", "create")) from None
    with output_lock(out, "import"):              # a second import to ``out`` is refused while this one runs
        return _import_orders(source, out, customer_col=customer_col, date_col=date_col, date_format=date_format,
                              dayfirst=dayfirst, monthfirst=monthfirst, order_col=order_col, amount_col=amount_col,
                              quantity_col=quantity_col, price_col=price_col, returns=returns, currency=currency,
                              time_unit=time_unit, attributes=attributes, name=name, description=description,
                              licence=licence, encoding=encoding)


def _import_orders(source, out, *, customer_col: str, date_col: str, date_format: str | None = None,
                   dayfirst: bool = False, monthfirst: bool = False, order_col: str | None = None,
                   amount_col: str | None = None, quantity_col: str | None = None, price_col: str | None = None,
                   returns: str = "drop", currency: str = "EUR", time_unit: str = "week", attributes=(),
                   name: str | None = None, description: str | None = None,
                   licence: str = "the owner's data: not for redistribution", encoding: str | None = None) -> ImportReport:
    """:func:`import_orders` under the lock of ``out``."""
    source, out = Path(source), Path(out)
    check_path_text(str(source), "the source")
    check_settings(dict(customer_col=customer_col, date_col=date_col, date_format=date_format, dayfirst=dayfirst,
                        monthfirst=monthfirst, order_col=order_col, amount_col=amount_col, quantity_col=quantity_col,
                        price_col=price_col, returns=returns, currency=currency, time_unit=time_unit,
                        attributes=list(attributes or []), name=name, description=description, licence=licence,
                        encoding=encoding))
    if returns not in RETURN_MODES:
        raise ParameterError(f"returns must be one of {', '.join(RETURN_MODES)}, got {returns!r}")
    if time_unit not in DATASET_UNITS:
        raise ParameterError(f"time_unit must be one of {', '.join(DATASET_UNITS)}, got {time_unit!r}")
    if (amount_col is None) == (quantity_col is None or price_col is None):
        raise ParameterError("give either amount_col, or quantity_col and price_col (amount = quantity x price)")
    if sum(bool(x) for x in (date_format, dayfirst, monthfirst)) > 1:
        raise ParameterError("give one of date_format (--date-format), dayfirst (--dayfirst) and monthfirst "
                             "(--monthfirst), not several")
    _check_out(source, out)
    attributes = list(attributes or [])
    frame, encoding_used = _read(source, encoding)
    _require(frame, source.name, customer_col=customer_col, date_col=date_col, order_col=order_col,
             amount_col=amount_col, quantity_col=quantity_col, price_col=price_col)
    for col in attributes:
        _require(frame, source.name, attribute=col)
    frame = frame.reset_index(drop=True)
    table = encoding_used == "parquet"
    dates = read_dates(frame[date_col], date_format=date_format, dayfirst=dayfirst, monthfirst=monthfirst,
                       file=source.name, column=date_col, first_line=1 if table else 2,
                       row_word="rows" if table else "lines")
    exact = line_amounts(frame[amount_col]) if amount_col is not None else \
        line_amounts(quantity=frame[quantity_col], price=frame[price_col])

    lines = pd.DataFrame({"customer_id": normalize_ids(frame[customer_col])})
    lines["date"] = dates.dates.to_numpy()
    lines["units"] = exact.units
    lines["amount"] = exact.floats
    known = pd.Series(exact.known, index=lines.index)
    lines["kind"] = np.where(known & (lines["units"] > 0), "purchase", np.where(known & (lines["units"] < 0), "return",
                                                                                 "other"))
    if quantity_col is not None:
        lines["quantity"] = _numbers(frame[quantity_col])
    if order_col is not None:
        lines["order_id"] = normalize_ids(frame[order_col])
    for col in attributes:
        text = frame[col].astype("string").str.strip().replace("", pd.NA)
        lines[col] = text.astype(object).where(text.notna(), None)

    def money(units) -> Decimal:
        return to_decimal(int(np.sum(units)) if len(units) else 0, exact.scale)

    def step(what: str, sub: pd.DataFrame, kind: str = "step", examples=(), note: str = "") -> Step:
        sign = -1 if kind == "step" else 1
        p, r = sub["kind"] == "purchase", sub["kind"] == "return"
        return Step(what, sign * int(p.sum()), sign * money(sub.loc[p, "units"]), sign * int(r.sum()),
                    sign * money(sub.loc[r, "units"]), sign * int((sub["kind"] == "other").sum()), kind,
                    tuple(examples), note)

    basis = f"amount = {quantity_col} x {price_col}" if amount_col is None else f"amount = {amount_col}"
    recon = Reconciliation(currency, basis, exact.scale, [step("the file", lines, "start")])
    counts = {"lines_read": len(lines)}
    examples: dict[str, tuple] = {}
    raw_amount = frame[amount_col] if amount_col is not None else \
        frame[quantity_col].astype(object).fillna("(empty)").astype(str) + " x " \
        + frame[price_col].astype(object).fillna("(empty)").astype(str)

    def drop(mask: pd.Series, reason: str, what: str, raw: pd.Series | None = None) -> pd.DataFrame:
        n = int(mask.sum())
        counts[f"dropped_{reason}"] = n
        shown = shown_values(raw[mask[mask].index].tolist()) if n and raw is not None else ()
        if shown:
            examples[f"dropped_{reason}"] = shown
        recon.lines.append(step(what, lines[mask], examples=shown))
        return lines[~mask]

    lines = drop(lines["customer_id"].isna(), "missing_customer_id", "no customer id")
    lines = drop(lines["date"].isna(), "unparseable_date", "unparseable date", frame[date_col])
    lines = drop(~known[lines.index], "unparseable_amount", "unparseable amount", raw_amount)
    if counts["dropped_unparseable_amount"]:
        recon.lines[-1] = replace(recon.lines[-1], note="no amount to count: in the file's lines, not in its amount")
    lines = drop(lines["kind"] == "other", "zero_amount", "zero amount")
    recon.lines.append(step("lines kept", lines, "total"))
    returned = lines[lines["kind"] == "return"]
    purchases = lines[lines["kind"] == "purchase"]
    counts["return_lines"] = len(returned)
    counts["lines_kept"] = len(purchases)
    notes = [f"read as {encoding_used}"] if encoding_used != "parquet" else []

    keys = ["customer_id", "order_id"] if order_col is not None else ["customer_id", "date"]
    agg = {"date": "min", "units": "sum"} if order_col is not None else {"units": "sum"}
    if "quantity" in purchases:
        agg["quantity"] = "sum"
    tx = purchases.groupby(keys, sort=True, as_index=False, dropna=False).agg(agg)
    if order_col is not None and tx["order_id"].isna().any():
        notes.append(f"{int(tx['order_id'].isna().sum())} purchases without an order number were rolled up per "
                     "customer and day")
    extra, netted = {}, Netting()
    if returns == "net" and len(returned):
        tx, netted = _net_returns(tx, returned)
        amount = to_decimal(netted.netted, exact.scale)
        recon.lines.append(Step("returns netted against purchases", 0, -amount, -(netted.full + netted.part), amount,
                                note=f"{_n(netted.full, 'returns')} netted in full, {netted.part:,} in part: each "
                                     "against the same customer's latest purchase on or before its day, then earlier ones"))
        if netted.unmatched:
            parts = [f"{_n(netted.none, 'returns')} with no earlier purchase of the customer's left"] * bool(netted.none)
            parts += [f"what {_n(netted.part, 'returns')} had beyond the customer's earlier purchases"] * bool(netted.part)
            recon.lines.append(Step("return amount with nothing to net against", 0, Decimal(0), -netted.none,
                                    to_decimal(netted.unmatched, exact.scale),
                                    note="dropped: " + " and ".join(parts)))
    elif returns == "keep" and len(returned):
        extra["returns"] = (returned.assign(amount=-returned["amount"])
                            .groupby(["customer_id", "date"], as_index=False)["amount"].sum())
        recon.lines.append(step("returns kept apart (table returns)", returned,
                                note=f"written as {len(extra['returns']):,} rows (customer and day) of positive amounts"))
    elif len(returned):
        recon.lines.append(step("returns dropped (returns: drop)", returned))
    recon.lines.append(Step("purchase lines into transactions", len(purchases), money(purchases["units"]) -
                            to_decimal(netted.netted, exact.scale), kind="total"))
    rolled = (f"one per order ({order_col})" if order_col is not None else "one per customer and day")
    recon.transactions.append(OrderStep(f"purchase lines rolled up: {rolled}", len(tx), money(tx["units"]),
                                        int(tx["customer_id"].nunique()), "start"))
    if returns == "net" and len(returned):
        emptied = tx["units"] <= 0
        before = int(tx["customer_id"].nunique())
        tx = tx[~emptied]
        lost = before - int(tx["customer_id"].nunique())
        recon.transactions.append(OrderStep("orders netted to nothing: removed", -int(emptied.sum()), Decimal(0),
                                            -lost, note=f"{_n(lost, 'customers')} had nothing left after netting"
                                            if lost else "no customer lost every purchase"))
    tx = tx.assign(amount=LineAmounts(tx["units"].to_numpy(), np.ones(len(tx), dtype=bool), exact.scale).floats)
    long = sum(float(f"{x:.10g}") != x for x in tx["amount"])        # the dataset's CSV keeps 10 digits
    if long:
        notes.append(f"{_n(int(long), 'transaction amounts')} {'has' if long == 1 else 'have'} more than 10 significant "
                     "digits; transactions.csv keeps 10, so there it differs from the reconciliation's exact amounts")
    recon.transactions.append(OrderStep("transactions written", len(tx), money(tx["units"]),
                                        int(tx["customer_id"].nunique()), "total"))
    recon.check()
    if tx.empty:
        raise DataError(Problem(source.name, "no purchase is left after cleaning: check the column settings and "
                                "the date format", detail=", ".join(f"{k} {v}" for k, v in counts.items())))
    tx = tx.sort_values(["customer_id", "date"] + (["order_id"] if order_col else []), kind="stable")
    tx = tx[["customer_id", "date", "amount"] + [c for c in ("quantity", "order_id") if c in tx]]
    customers = tx.groupby("customer_id", as_index=False)["date"].min().rename(columns={"date": "acquired_at"})
    if attributes:
        attrs, n_conflicting = _attributes(purchases, attributes)
        customers = customers.join(attrs, on="customer_id")
        if n_conflicting:
            notes.append(f"{n_conflicting} customers have more than one value of {', '.join(attributes)}; "
                         "their most frequent value is kept")
    formulas = neutralize_frame(customers)[1] + neutralize_frame(tx)[1]
    if formulas:
        notes.append(f"{formulas} cells began with =, +, -, @, a tab or a carriage return and were written with a "
                     "leading ' so that a spreadsheet shows them as text instead of running them (OWASP)")
    start, end = tx["date"].min(), tx["date"].max()
    digest = hashlib.sha256(read_regular(source, what=f"the source {source}")).hexdigest()
    settings = {k: v for k, v in dict(customer_col=customer_col, date_col=date_col, date_format=date_format,
                                      dayfirst=dayfirst, monthfirst=monthfirst, order_col=order_col,
                                      amount_col=amount_col, quantity_col=quantity_col, price_col=price_col,
                                      returns=returns, attributes=attributes or None).items() if v not in (None, False)}
    meta = {
        "name": name or out.name,
        "description": description or f"Orders imported from {source.name}: {len(customers):,} customers, "
                                      f"{len(tx):,} transactions.",
        "currency": currency,
        "time_unit": time_unit,
        "observation_start": start.date().isoformat(),
        "observation_end": end.date().isoformat(),
        "provenance": f"relmkt import of {source.name} (sha256 {digest}) with "
                      + ", ".join(f"{k}={v}" for k, v in settings.items()) + f"; dates read {dates.order}"
                      + (" (inferred)" if dates.reason.startswith("inferred") else ""),
        "licence": licence,
    }
    if extra:
        meta["extras"] = {"returns": "returned amounts per customer and day (positive numbers), kept apart"}
    dataset = Dataset(name=meta["name"], meta=meta, customers=customers, transactions=tx, extras=extra)
    write_dataset(dataset, out, source, locked=True)
    return ImportReport(out, counts, examples, recon, dates, len(customers), len(tx), notes)


def write_dataset(dataset: Dataset, out: Path, source: Path | None = None, writer: str = WRITER,
                  locked: bool = False) -> None:
    """Write ``dataset`` to the folder ``out``: staged beside it, validated, marked complete and
    renamed into place, under the lock of ``out`` (taken here unless the caller holds it:
    ``locked``); see the module docstring. Nothing is left behind on failure, and a second writer
    to ``out`` is refused."""
    out = Path(os.path.abspath(out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PathError(os_error_sentence(exc, f"the folder {out.parent}", "create")) from None
    from contextlib import nullcontext

    with nullcontext() if locked else output_lock(out, "import"):
        replace = _check_out(source, out)
        for leftover in out.parent.glob(f".{out.name}.relmkt-staging-*"):     # a stopped import's (we hold the lock)
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.relmkt-staging-", dir=out.parent))
        except OSError as exc:
            raise PathError(os_error_sentence(exc, f"a staging folder in {out.parent}", "create")) from None
        try:
            staging.chmod(0o755)
            mark_incomplete(staging, writer)
            save(dataset, staging)
            problems = [p for p in validate(staging) if p.code != "incomplete"]
            if problems:
                raise DataError(problems, dataset=dataset.meta.get("name", dataset.name))
            mark_complete(staging, writer)
            _publish(staging, out, replace)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise PathError(os_error_sentence(exc, out)) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
