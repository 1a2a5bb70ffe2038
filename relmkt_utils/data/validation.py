"""Rules of the canonical tables, checked column by column; each broken rule becomes a Problem.

The checks parse text into typed columns at the same time, so a valid table comes out ready to
use: ids as strings, dates as ``datetime64``, amounts as floats, scales as integers.

Every rule has a short code (used by tests) and a sentence (shown to users):
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.errors import Problem, rows_of
from .tables import CONSTRUCTS, LIKERT_HI, LIKERT_LO, SCHEMA, Column

RULES: dict[str, str] = {
    "yaml_missing": "dataset.yml is missing: every dataset folder needs one",
    "yaml_syntax": "dataset.yml is not valid YAML",
    "yaml_mapping": "dataset.yml must be a mapping of keys to values",
    "yaml_key": "a required key is missing from dataset.yml",
    "yaml_date": "observation_start and observation_end must be ISO dates (YYYY-MM-DD) with start before end",
    "yaml_time_unit": "time_unit must be one of day, week, month",
    "no_tables": "the dataset has none of the canonical tables (customers, transactions, survey, referrals, choices, spend)",
    "two_formats": "a table is given both as CSV and as Parquet; keep one",
    "encoding": "the file is not readable UTF-8 text",
    "csv_syntax": "the file is not a well-formed CSV table",
    "empty": "the table has no rows",
    "missing_column": "a required column is missing",
    "id_empty": "ids must not be empty",
    "unique": "values must be unique",
    "date_format": "dates must be ISO dates (YYYY-MM-DD)",
    "date_window": "dates must lie inside the observation window of dataset.yml",
    "number": "values must be numbers",
    "finite_nonnegative": "amounts, costs and spends must be finite and >= 0",
    "finite": "values must be finite numbers",
    "category": "values must be one of the known categories",
    "integer_range": "values must be whole numbers in the allowed range",
    "binary": "values must be 0 or 1",
    "foreign_key": "every id must refer to a customer in customers",
    "one_chosen": "exactly one alternative must be chosen (chosen = 1) per respondent and task",
    "conversion_pair": "referee_id and converted_at must both be given (converted) or both be empty",
    "conversion_order": "converted_at must not be before invited_at",
}


@dataclass
class TableCheck:
    """Validation state of one table: the file name, the typed frame and the problems found."""

    table: str
    file: str
    frame: pd.DataFrame
    row_word: str = "lines"
    problems: list[Problem] = field(default_factory=list)
    offset: int = 2

    def problem(self, code: str, column: str | None = None, mask=None, detail: str = "") -> None:
        rows, n = rows_of(mask, self.offset) if mask is not None else ((), 0)
        self.problems.append(
            Problem(self.file, RULES[code], column=column, rows=rows, n_rows=n, detail=detail, code=code, row_word=self.row_word)
        )


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip() == "")


def _check_id(chk: TableCheck, col: Column) -> None:
    s = chk.frame[col.name]
    blank = _blank(s)
    if not col.nullable and blank.any():
        chk.problem("id_empty", col.name, blank)
    out = s.astype("string").str.strip()
    out[blank] = pd.NA
    chk.frame[col.name] = out.astype(object).where(~blank, None)


def _check_date(chk: TableCheck, col: Column, window: tuple[pd.Timestamp, pd.Timestamp] | None) -> None:
    s = chk.frame[col.name]
    blank = _blank(s)
    if pd.api.types.is_datetime64_any_dtype(s):
        parsed = s
    else:
        parsed = pd.to_datetime(s.astype("string").str.strip(), format="ISO8601", errors="coerce")
    bad = parsed.isna() & ~blank
    if not col.nullable:
        bad |= blank
    if bad.any():
        chk.problem("date_format", col.name, bad)
    if window is not None:
        start, end = window
        outside = parsed.notna() & ((parsed < start) | (parsed > end + pd.Timedelta(days=1) - pd.Timedelta(1)))
        if outside.any():
            chk.problem("date_window", col.name, outside, detail=f"{start.date()} to {end.date()}")
    chk.frame[col.name] = parsed.astype("datetime64[ns]")


def _numeric(chk: TableCheck, col: Column) -> pd.Series | None:
    s = chk.frame[col.name]
    num = pd.to_numeric(s, errors="coerce") if not pd.api.types.is_numeric_dtype(s) else s.astype(float)
    bad = num.isna() & ~s.isna() | (s.isna() & (not col.nullable))
    if bad.any():
        chk.problem("number", col.name, bad)
        return None
    return num.astype(float)


def _check_amount(chk: TableCheck, col: Column) -> None:
    num = _numeric(chk, col)
    if num is None:
        return
    bad = ~np.isfinite(num) | (num < 0)
    if bad.any():
        chk.problem("finite_nonnegative", col.name, bad)
    chk.frame[col.name] = num


def _check_number(chk: TableCheck, col: Column) -> None:
    num = _numeric(chk, col)
    if num is None:
        return
    bad = ~np.isfinite(num)
    if bad.any():
        chk.problem("finite", col.name, bad)
    chk.frame[col.name] = num


def _check_int_range(chk: TableCheck, col: Column) -> None:
    num = _numeric(chk, col)
    if num is None:
        return
    bad = ~np.isfinite(num) | (num != np.round(num))
    if col.lo is not None:
        bad |= num < col.lo
    if col.hi is not None:
        bad |= num > col.hi
    if bad.any():
        hi = "" if col.hi is None else str(col.hi)
        chk.problem("integer_range", col.name, bad, detail=f"allowed {col.lo} to {hi}".rstrip(" to"))
        return
    chk.frame[col.name] = num.astype("int64")


def _check_binary(chk: TableCheck, col: Column) -> None:
    num = _numeric(chk, col)
    if num is None:
        return
    bad = ~num.isin([0, 1])
    if bad.any():
        chk.problem("binary", col.name, bad)
        return
    chk.frame[col.name] = num.astype("int64")


def _check_category(chk: TableCheck, col: Column) -> None:
    s = chk.frame[col.name].astype("string").str.strip()
    bad = ~s.isin(col.choices) | s.isna()
    if bad.any():
        chk.problem("category", col.name, bad, detail="allowed: " + ", ".join(col.choices))
        return
    chk.frame[col.name] = s.astype(object)


def likert_columns(columns) -> list[str]:
    """Survey columns that are Likert items ``<construct>_<k>`` of a known construct."""
    pattern = re.compile(r"^(%s)_\d+$" % "|".join(CONSTRUCTS))
    return [c for c in columns if pattern.match(str(c))]


def check_table(chk: TableCheck, window: tuple[pd.Timestamp, pd.Timestamp] | None) -> None:
    """Check one table's own rules (columns, types, ranges, uniqueness, within-table logic)."""
    df = chk.frame
    if len(df) == 0:
        chk.problem("empty")
        return
    columns = list(SCHEMA[chk.table])
    if chk.table == "survey":
        columns += [Column(c, "int_range", lo=LIKERT_LO, hi=LIKERT_HI) for c in likert_columns(df.columns)]
    for col in columns:
        if col.name not in df.columns:
            if col.required:
                chk.problem("missing_column", col.name)
            continue
        checker = {
            "id": _check_id,
            "amount": _check_amount,
            "number": _check_number,
            "int_range": _check_int_range,
            "binary": _check_binary,
            "category": _check_category,
        }.get(col.kind)
        if col.kind == "date":
            _check_date(chk, col, window)
        else:
            checker(chk, col)
    _infer_free_columns(chk, {c.name for c in columns})
    _table_logic(chk)


def _infer_free_columns(chk: TableCheck, known: set[str]) -> None:
    """Free attribute columns of a CSV become numbers when every non-empty value is a number.

    Columns named ``*_id`` stay text (ids such as "00004" must keep their leading zeros).
    """
    for name in chk.frame.columns:
        s = chk.frame[name]
        if name in known or str(name).endswith("_id") or not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        num = pd.to_numeric(s, errors="coerce")
        if num.notna().sum() == s.notna().sum() and s.notna().any():
            is_int = bool(np.all(np.isfinite(num.dropna())) and (num.dropna() == np.round(num.dropna())).all())
            chk.frame[name] = num.astype("int64") if is_int and num.notna().all() else num


def _table_logic(chk: TableCheck) -> None:
    df = chk.frame
    cols = set(df.columns)
    if chk.table == "customers" and "customer_id" in cols:
        dup = df["customer_id"].duplicated(keep="first") & df["customer_id"].notna()
        if dup.any():
            chk.problem("unique", "customer_id", dup)
    if chk.table == "spend" and "period" in cols:
        dup = df["period"].duplicated(keep="first")
        if dup.any():
            chk.problem("unique", "period", dup)
    if chk.table == "choices" and {"respondent_id", "task", "chosen"} <= cols and pd.api.types.is_integer_dtype(df["chosen"]):
        n_chosen = df.groupby(["respondent_id", "task"], sort=False)["chosen"].transform("sum")
        bad = n_chosen != 1
        if bad.any():
            chk.problem("one_chosen", "chosen", bad)
    if chk.table == "referrals" and {"referee_id", "converted_at", "invited_at"} <= cols:
        has_ref = df["referee_id"].notna()
        has_conv = pd.to_datetime(df["converted_at"], errors="coerce").notna() if not pd.api.types.is_datetime64_any_dtype(df["converted_at"]) else df["converted_at"].notna()
        bad = has_ref != has_conv
        if bad.any():
            chk.problem("conversion_pair", "converted_at", bad)
        if pd.api.types.is_datetime64_any_dtype(df["converted_at"]) and pd.api.types.is_datetime64_any_dtype(df["invited_at"]):
            early = df["converted_at"].notna() & (df["converted_at"] < df["invited_at"])
            if early.any():
                chk.problem("conversion_order", "converted_at", early)


FOREIGN_KEYS = {
    "transactions": ("customer_id",),
    "survey": ("customer_id",),
    "referrals": ("referrer_id", "referee_id"),
}


def check_foreign_keys(checks: dict[str, TableCheck]) -> None:
    """Ids in transactions, survey and referrals must exist in customers (when customers exists)."""
    if "customers" not in checks or "customer_id" not in checks["customers"].frame.columns:
        return
    known = pd.Index(checks["customers"].frame["customer_id"].dropna().unique())
    for table, columns in FOREIGN_KEYS.items():
        if table not in checks:
            continue
        chk = checks[table]
        for col in columns:
            if col not in chk.frame.columns:
                continue
            s = chk.frame[col]
            bad = s.notna() & ~s.isin(known)
            if bad.any():
                chk.problem("foreign_key", col, bad)
