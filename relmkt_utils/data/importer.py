"""Turn a shop's raw order export into a relmkt dataset: ``relmkt import`` and :func:`import_orders`.

A raw export is a CSV or Parquet file with one row per order *line* (or per order): a customer
column, a date column, and either an amount column or a quantity and a unit-price column; often an
order (invoice) number and free attributes such as the country. :func:`import_orders` reads it,
cleans it with rules it states, rolls it up and writes a validated dataset folder:

1. **Ids** are stripped; an id that a spreadsheet turned into a float (``12346.0``) becomes ``12346``.
   Lines without a customer id are dropped (an order without a customer cannot be followed).
2. **Dates** are parsed with ``date_format`` (``strftime`` codes) or, without it, as ISO dates, or
   day first with ``dayfirst=True`` (``31/01/2024``). Lines whose date does not parse are dropped;
   the reconciliation shows up to three examples.
3. **Amounts** are ``amount_col``, or ``quantity_col`` x ``price_col``. Lines whose amount does not
   parse are dropped, with examples.
4. **Returns** are lines with a negative amount. ``returns="drop"`` drops them; ``"net"`` nets each
   return against the same customer's purchases, the latest purchase on or before the return date
   first, then earlier ones (a purchase netted to zero or below disappears; a return larger than the
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

The result, :class:`ImportReport`, reconciles every line: read = kept + each reason for dropping,
and the amounts before and after. The output folder must not exist or be empty: nothing is
overwritten.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..core.errors import DataError, ParameterError, Problem, shown_values
from ..core.time import DATASET_UNITS
from .dataset import Dataset, save
from .datasets import validate
from .validation import likely_column

RETURN_MODES = ("drop", "net", "keep")
#: Keys of a YAML mapping file (the same as the command's options).
MAPPING_KEYS = ("customer_col", "date_col", "date_format", "dayfirst", "order_col", "amount_col", "quantity_col",
                "price_col", "returns", "currency", "time_unit", "attributes", "name", "description", "licence",
                "encoding")


@dataclass
class ImportReport:
    """What an import did, line by line and in money: ``counts`` (lines read, kept and dropped per
    reason), ``examples`` (up to three raw values per reason), ``totals`` (amounts before and after),
    the written ``path`` and the number of ``customers`` and ``transactions``."""

    path: Path
    counts: dict
    examples: dict
    totals: dict
    customers: int
    transactions: int
    notes: list = field(default_factory=list)

    def _rows(self) -> list[tuple[str, object]]:
        rows = [(k.replace("_", " "), int(v)) for k, v in self.counts.items()]
        rows += [("customers written", int(self.customers)), ("transactions written", int(self.transactions))]
        return rows + [(k.replace("_", " "), round(float(v), 2)) for k, v in self.totals.items()]

    def table(self) -> pd.DataFrame:
        """The reconciliation as a two-column table (what, count or amount). Amounts reconcile:
        purchase amount read - dropped - returns netted = transaction amount written."""
        return pd.DataFrame(self._rows(), columns=["what", "value"], dtype=object)

    def text(self) -> str:
        """The reconciliation as the lines ``relmkt import`` prints (counts as integers, amounts to the cent)."""
        lines = [f"imported into {self.path}"]
        for what, value in self._rows():
            shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
            example = self.examples.get(what.replace(" ", "_"))
            lines.append(f"  {what:<38} {shown:>16}" + (f"   e.g. {', '.join(example)}" if example else ""))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _read(source: Path, encoding: str | None) -> tuple[pd.DataFrame, str]:
    if not source.is_file():
        raise DataError(Problem(str(source), "the source file does not exist", code="not_found"))
    if source.suffix.lower() in (".parquet", ".pq"):
        try:
            return pd.read_parquet(source).astype(object).where(lambda d: d.notna(), None), "parquet"
        except Exception as exc:
            raise DataError(Problem(source.name, "the file is not a readable Parquet table",
                                    detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None
    raw = source.read_bytes()
    for enc in ([encoding] if encoding else ["utf-8-sig", "cp1252", "latin-1"]):
        try:
            text = raw.decode(enc)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        raise DataError(Problem(source.name, f"the file is not {encoding} text"))
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


def _parse_dates(values: pd.Series, date_format: str | None, dayfirst: bool) -> pd.Series:
    s = values.astype("string").str.strip()
    if date_format:
        return pd.to_datetime(s, format=date_format, errors="coerce")
    if dayfirst:
        return pd.to_datetime(s, dayfirst=True, format="mixed", errors="coerce")
    return pd.to_datetime(s, format="ISO8601", errors="coerce", utc=False)


def _numbers(values: pd.Series) -> pd.Series:
    """Numbers as written with a decimal point; anything else (``12,50``, ``n/a``) does not parse."""
    s = values.astype("string").str.strip() if values.dtype == object else values
    return pd.to_numeric(s, errors="coerce").astype(float)


def _net_returns(purchases: pd.DataFrame, returns: pd.DataFrame) -> tuple[pd.DataFrame, float, int]:
    """Subtract each return from the same customer's purchases, latest on or before the return first.
    Returns the netted purchases (positive amounts only), the unmatched return amount and its count."""
    purchases = purchases.sort_values(["customer_id", "date"], kind="stable").copy()
    amount = purchases["amount"].to_numpy(dtype=float).copy()
    by_customer = {c: idx for c, idx in purchases.groupby("customer_id", sort=False).indices.items()}
    unmatched, n_unmatched = 0.0, 0
    for cust, day, value in returns[["customer_id", "date", "amount"]].itertuples(index=False):
        left = -float(value)
        rows = by_customer.get(cust, np.zeros(0, dtype=int))
        dates = purchases["date"].to_numpy()[rows]
        for r in rows[dates <= np.datetime64(day)][::-1]:
            take = min(left, amount[r]) if amount[r] > 0 else 0.0
            amount[r] -= take
            left -= take
            if left <= 1e-12:
                break
        if left > 1e-9:
            unmatched += left
            n_unmatched += 1
    purchases["amount"] = amount
    return purchases[purchases["amount"] > 1e-9], unmatched, n_unmatched


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
    """The settings of a YAML mapping file (the keys of :data:`MAPPING_KEYS`), checked."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ParameterError(f"{p.name}: the mapping file cannot be read ({type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise ParameterError(f"{p.name}: the mapping file must be a mapping of settings to values")
    unknown = sorted(set(doc) - set(MAPPING_KEYS))
    if unknown:
        raise ParameterError(f"{p.name}: unknown settings {unknown}; known: {', '.join(MAPPING_KEYS)}")
    return doc


def import_orders(source, out, *, customer_col: str, date_col: str, date_format: str | None = None,
                  dayfirst: bool = False, order_col: str | None = None, amount_col: str | None = None,
                  quantity_col: str | None = None, price_col: str | None = None, returns: str = "drop",
                  currency: str = "EUR", time_unit: str = "week", attributes=(), name: str | None = None,
                  description: str | None = None, licence: str = "the owner's data: not for redistribution",
                  encoding: str | None = None) -> ImportReport:
    """Import a raw order or order-line export into the dataset folder ``out`` (module docstring).

    Every problem with the settings or the file is a :class:`~relmkt_utils.core.errors.DataError`
    sentence; nothing is written unless the import succeeds, and ``out`` must not exist or be empty.
    Returns the :class:`ImportReport`.
    """
    source, out = Path(source), Path(out)
    if returns not in RETURN_MODES:
        raise ParameterError(f"returns must be one of {', '.join(RETURN_MODES)}, got {returns!r}")
    if time_unit not in DATASET_UNITS:
        raise ParameterError(f"time_unit must be one of {', '.join(DATASET_UNITS)}, got {time_unit!r}")
    if (amount_col is None) == (quantity_col is None or price_col is None):
        raise ParameterError("give either amount_col, or quantity_col and price_col (amount = quantity x price)")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ParameterError(f"the output folder {out} exists and is not empty; nothing is overwritten: "
                             "choose a new folder")
    attributes = list(attributes or [])
    frame, encoding_used = _read(source, encoding)
    _require(frame, source.name, customer_col=customer_col, date_col=date_col, order_col=order_col,
             amount_col=amount_col, quantity_col=quantity_col, price_col=price_col)
    for col in attributes:
        _require(frame, source.name, attribute=col)

    counts = {"lines_read": len(frame)}
    examples: dict[str, tuple] = {}
    lines = pd.DataFrame({"customer_id": normalize_ids(frame[customer_col])})
    lines["date"] = _parse_dates(frame[date_col], date_format, dayfirst).dt.normalize()
    if amount_col is not None:
        lines["amount"] = _numbers(frame[amount_col])
    else:
        lines["quantity"] = _numbers(frame[quantity_col])
        lines["amount"] = lines["quantity"] * _numbers(frame[price_col])
    if order_col is not None:
        lines["order_id"] = normalize_ids(frame[order_col])
    for col in attributes:
        text = frame[col].astype("string").str.strip().replace("", pd.NA)
        lines[col] = text.astype(object).where(text.notna(), None)
    before_total = float(lines["amount"].where(lines["amount"] > 0, 0).sum())

    def drop(mask, reason, raw=None):
        n = int(mask.sum())
        counts[f"dropped_{reason}"] = n
        if n and raw is not None:
            examples[f"dropped_{reason}"] = shown_values(raw[mask].tolist())
        return lines[~mask]

    lines = drop(lines["customer_id"].isna(), "missing_customer_id")
    lines = drop(lines["date"].isna(), "unparseable_date", frame.loc[lines.index, date_col])
    raw_amount = frame.loc[lines.index, amount_col] if amount_col else \
        frame.loc[lines.index, quantity_col].astype(str) + " x " + frame.loc[lines.index, price_col].astype(str)
    lines = drop(~np.isfinite(lines["amount"].to_numpy(dtype=float)), "unparseable_amount", raw_amount)
    lines = drop(lines["amount"] == 0, "zero_amount")
    is_return = lines["amount"] < 0
    returned = lines[is_return]
    counts["return_lines"] = int(is_return.sum())
    purchases = lines[~is_return]
    notes = [f"read as {encoding_used}"] if encoding_used != "parquet" else []
    totals = {"purchase_amount_read": before_total,
              "purchase_amount_dropped": before_total - float(purchases["amount"].sum()),   # lines dropped above
              "return_amount_read": float(-returned["amount"].sum())}

    keys = ["customer_id", "order_id"] if order_col is not None else ["customer_id", "date"]
    agg = {"date": "min", "amount": "sum"} if order_col is not None else {"amount": "sum"}
    if "quantity" in purchases:
        agg["quantity"] = "sum"
    tx = purchases.groupby(keys, sort=True, as_index=False, dropna=False).agg(agg)
    if order_col is not None and tx["order_id"].isna().any():
        notes.append(f"{int(tx['order_id'].isna().sum())} purchases without an order number were rolled up per "
                     "customer and day")
    extra = {}
    if returns == "net" and len(returned):
        tx, unmatched, n_unmatched = _net_returns(tx, returned)
        totals["return_amount_netted"] = totals["return_amount_read"] - unmatched
        totals["return_amount_unmatched"] = unmatched
        notes.append(f"{n_unmatched} returns were larger than the customer's earlier purchases; "
                     f"{unmatched:,.2f} could not be netted and were dropped" if n_unmatched else
                     "every return was netted against earlier purchases")
    elif returns == "keep" and len(returned):
        extra["returns"] = (returned.assign(amount=-returned["amount"])
                            .groupby(["customer_id", "date"], as_index=False)["amount"].sum())
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
    counts["lines_kept"] = len(purchases)
    totals["transaction_amount_written"] = float(tx["amount"].sum())
    start, end = tx["date"].min(), tx["date"].max()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    settings = {k: v for k, v in dict(customer_col=customer_col, date_col=date_col, date_format=date_format,
                                      dayfirst=dayfirst, order_col=order_col, amount_col=amount_col,
                                      quantity_col=quantity_col, price_col=price_col, returns=returns,
                                      attributes=attributes or None).items() if v not in (None, False)}
    meta = {
        "name": name or out.name,
        "description": description or f"Orders imported from {source.name}: {len(customers):,} customers, "
                                      f"{len(tx):,} transactions.",
        "currency": currency,
        "time_unit": time_unit,
        "observation_start": start.date().isoformat(),
        "observation_end": end.date().isoformat(),
        "provenance": f"relmkt import of {source.name} (sha256 {digest}) with "
                      + ", ".join(f"{k}={v}" for k, v in settings.items()),
        "licence": licence,
    }
    if extra:
        meta["extras"] = {"returns": "returned amounts per customer and day (positive numbers), kept apart"}
    dataset = Dataset(name=meta["name"], meta=meta, customers=customers, transactions=tx, extras=extra)
    out.mkdir(parents=True, exist_ok=True)
    try:
        save(dataset, out)
        problems = validate(out)
        if problems:
            raise DataError(problems, dataset=meta["name"])
    except BaseException:
        for p in out.iterdir():
            p.unlink()
        out.rmdir()
        raise
    return ImportReport(out, counts, examples, totals, len(customers), len(tx), notes)
