"""Rules of the canonical tables, checked column by column; each broken rule becomes a Problem.

The checks parse text into typed columns at the same time, so a valid table comes out ready to
use: ids as strings, dates as ``datetime64``, amounts as floats, scales as integers.

Dates are ISO 8601: ``YYYY-MM-DD``, optionally with a time (``2024-03-01T10:00:00``). A date with a
UTC offset (``2024-03-01T10:00:00+01:00``, ``...Z``) is converted to UTC and the time zone is
dropped, so one column may mix offsets; a date without an offset is taken as it is (as UTC).

Free attribute columns (not in the schema) of a CSV become numbers when every non-empty value is a
number, unless they look like codes: ``*_id`` columns, columns named like codes (``postcode``,
``zip``, ``phone`` ...) and columns with a value that has a leading zero (``01234``) stay text.

A problem caused by values names up to five lines and up to three of the values as typed.

Every rule has a short code (used by tests) and a sentence (shown to users):
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..core.errors import Problem, rows_of, shown_values
from .survey_items import SurveyItems
from ..core.time import naive_dates
from .tables import CONSTRUCTS, LIKERT_HI, LIKERT_LO, SCHEMA, Column

RULES: dict[str, str] = {
    "yaml_missing": "dataset.yml is missing: every dataset folder needs one",
    "yaml_syntax": "dataset.yml is not valid YAML",
    "yaml_mapping": "dataset.yml must be a mapping of keys to values",
    "yaml_key": "a required key is missing from dataset.yml",
    "yaml_date": "observation_start must not be after observation_end",
    "yaml_iso_date": "observation_start, observation_end and calibration_end must be ISO dates (YYYY-MM-DD)",
    "yaml_time_unit": "time_unit must be one of day, week, month, year",
    "yaml_unknown_key": "unknown key",
    "yaml_bool": "the key must be true or false",
    "yaml_extras": "extras must be a mapping of table names to descriptions",
    "yaml_source_figures": "source_figures must be a mapping of names to numbers",
    "yaml_offers": "offers must map each offer name to a mapping of choices columns to numbers",
    "yaml_survey_items": "survey_items must declare the survey's item scale and constructs (see relmkt_utils/data/survey_items.py)",
    "survey_items_table": "survey_items is declared but the dataset has no survey table",
    "transactions_path": "transactions_path must point at Parquet files of the transactions: a file, a folder or a glob, relative to the dataset folder and inside it",
    "transactions_path_twice": "the transactions are given twice, by transactions_path and by a transactions table in the folder; keep one",
    "column_type": "the column has the wrong type",
    "extra_missing": "an extra table listed under extras has no file",
    "not_found": "no such dataset: give a dataset folder or one of the names in data/",
    "no_tables": "the dataset has none of the canonical tables (customers, transactions, survey, referrals, choices, spend, cohorts) and lists no extra tables under extras",
    "two_formats": "a table is given both as CSV and as Parquet; keep one",
    "encoding": "the file is not readable UTF-8 text",
    "encoding_other": "the file is not UTF-8 text; save it as UTF-8 (a spreadsheet's 'CSV UTF-8')",
    "csv_syntax": "the file is not a well-formed CSV table",
    "parquet": "the file is not a readable Parquet table",
    "unreadable": "the file could not be read",
    "yaml_limit": "dataset.yml is beyond relmkt's bounds for a YAML file (size, or values through aliases)",
    "yaml_text": "dataset.yml holds text that is not text (a lone surrogate such as \\udc80)",
    "yaml_extras_name": "an extras name must be the name of a table in the dataset folder (letters, digits, - and _; read from <name>.csv there)",
    "incomplete": "the folder is not as relmkt wrote it: it was stopped while writing it, or a file changed since (import it again; if you changed the files on purpose, delete .relmkt-dataset)",
    "duplicate_column": "each column name must appear once in the header; names that differ only by surrounding spaces are the same name",
    "empty": "the table has no rows",
    "missing_column": "a required column is missing",
    "id_empty": "ids must not be empty",
    "unique": "values must be unique",
    "duplicate_rows": "a transaction must not repeat an earlier line exactly (set allow_duplicate_transactions: true in dataset.yml if repeats are real purchases)",
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
    "cohort_duplicate": "a cohort must have one row per period",
    "cohort_periods": "the periods of a cohort must run 0, 1, 2, ... without gaps",
    "cohort_increasing": "survivors must not increase from one period to the next within a cohort",
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
    raw: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.raw is None:
            # the values as the user wrote them, to quote in problems (the checks retype ``frame``)
            self.raw = self.frame.copy()

    def problem(self, code: str, column: str | None = None, mask=None, detail: str = "", values=None) -> None:
        rows, n = rows_of(mask, self.offset) if mask is not None else ((), 0)
        if values is None:
            values = self.values_at(column, mask) if code in VALUE_RULES else ()
        self.problems.append(
            Problem(self.file, RULES[code], column=column, rows=rows, n_rows=n, detail=detail, code=code,
                    row_word=self.row_word, values=tuple(values))
        )

    def values_at(self, column: str | None, mask) -> tuple[str, ...]:
        """Up to three distinct values of ``column`` where ``mask`` is true, as the user wrote them."""
        if column is None or mask is None or self.raw is None or column not in self.raw.columns:
            return ()
        s = self.raw[column]
        if isinstance(s, pd.DataFrame):
            return ()
        return shown_values(s[np.asarray(mask, dtype=bool)])


# rules broken by values: their problems quote up to three of the offending values
VALUE_RULES = frozenset({
    "date_format", "date_window", "number", "finite_nonnegative", "finite", "category", "integer_range",
    "binary", "foreign_key", "unique", "cohort_duplicate", "cohort_periods", "cohort_increasing",
})


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
    parsed = parse_dates(s)
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
    # dates beyond the nanosecond range (years before 1677 or after 2262) are outside any window
    beyond = parsed.notna() & ((parsed < pd.Timestamp.min) | (parsed > pd.Timestamp.max))
    chk.frame[col.name] = parsed.where(~beyond).astype("datetime64[ns]")


def parse_dates(s: pd.Series) -> pd.Series:
    """ISO 8601 dates as naive ``datetime64`` (NaT where a value is not a date), by the suite's one day
    rule (:func:`relmkt_utils.core.time.naive_dates`): values with a UTC offset are converted to UTC and the
    offset dropped; values without one are kept as they are. Never raises for a user's values.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        parsed = s
    else:
        parsed = pd.to_datetime(s.astype("string").str.strip(), format="ISO8601", errors="coerce", utc=True)
    return naive_dates(parsed)


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


def check_table(chk: TableCheck, window: tuple[pd.Timestamp, pd.Timestamp] | None,
                survey_items: SurveyItems | None = None) -> None:
    """Check one table's own rules (columns, types, ranges, uniqueness, within-table logic).

    ``survey_items`` (the survey's declaration in dataset.yml, see ``survey_items.py``): its items are
    required and checked on its scale, and the survey's ``date`` and ``nps`` become optional."""
    df = chk.frame
    if len(df) == 0:
        chk.problem("empty")
        return
    columns = list(SCHEMA[chk.table])
    if chk.table == "survey" and survey_items is not None:
        columns = [replace(c, required=False) if c.name in ("date", "nps") else c for c in columns]
        columns += [Column(c, "int_range", lo=survey_items.lo, hi=survey_items.hi) for c in survey_items.items]
    if chk.table == "survey":
        declared = set() if survey_items is None else set(survey_items.items)
        columns += [Column(c, "int_range", lo=LIKERT_LO, hi=LIKERT_HI) for c in likert_columns(df.columns) if c not in declared]
    names = {c.name for c in columns}
    for col in columns:
        if col.name not in df.columns:
            if col.required:
                like = likely_column(col.name, [c for c in df.columns if c not in names])
                chk.problem("missing_column", col.name, detail=f"found {like}" if like else "")
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


# other names a user's file may give the required columns (compared lower-case, spaces as "_")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("invoicedate", "invoice_date", "order_date", "orderdate", "purchase_date", "timestamp", "datetime", "day"),
    "customer_id": ("customer", "customerid", "client_id", "user_id", "member_id"),
    "amount": ("revenue", "sales", "value", "total", "price", "sales_price"),
}


def _norm(name) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def likely_column(missing: str, columns) -> str | None:
    """The column of ``columns`` that probably means ``missing`` (a synonym or a close spelling)."""
    columns = [c for c in columns if str(c).strip()]
    normed = {_norm(c): c for c in reversed(columns)}
    target = _norm(missing)
    synonyms = SYNONYMS.get(target, ())
    for c in columns:
        n = _norm(c)
        if n in synonyms or n.replace("_", "") in synonyms:
            return str(c)
    close = difflib.get_close_matches(target, list(normed), n=1)
    if not close and len(target) >= 3:      # "Date" -> "InvoiceDate"
        close = [n for n in normed if target.replace("_", "") in n.replace("_", "")][:1]
    return str(normed[close[0]]) if close else None


# words of a column name that mark a code kept as text (postcodes, phone numbers ...)
CODE_WORDS = frozenset({"id", "code", "zip", "zipcode", "postcode", "postal", "plz", "phone", "tel", "sku", "ean", "isbn", "iban"})
_LEADING_ZERO = re.compile(r"^[+-]?0\d")


def _looks_like_code(name, s: pd.Series) -> bool:
    """A free column that must stay text: named like a code, or a value with a leading zero."""
    words = set(re.split(r"[^a-z0-9]+", str(name).lower()))
    if str(name).endswith("_id") or words & CODE_WORDS:
        return True
    text = s.dropna().astype(str).str.strip()
    return bool(text.str.match(_LEADING_ZERO).any())


def _infer_free_columns(chk: TableCheck, known: set[str]) -> None:
    """Free attribute columns of a CSV become numbers when every non-empty value is a number.

    Codes stay text (see :func:`_looks_like_code`): ids such as "00004" and postcodes such as
    "01234" must keep their leading zeros.
    """
    for name in chk.frame.columns:
        s = chk.frame[name]
        if name in known or not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)) or _looks_like_code(name, s):
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
    if chk.table == "cohorts":
        _cohort_logic(chk)
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


def _cohort_logic(chk: TableCheck) -> None:
    """A cohort has one row per period, periods 0..T without gaps and survivors that never increase."""
    df = chk.frame
    if not ({"cohort", "period", "survivors"} <= set(df.columns) and pd.api.types.is_integer_dtype(df["period"])
            and pd.api.types.is_float_dtype(df["survivors"])):
        return  # the column checks have already reported what is wrong
    dup = df.duplicated(["cohort", "period"], keep="first")
    if dup.any():
        chk.problem("cohort_duplicate", "period", dup)
        return
    ordered = df.sort_values(["cohort", "period"], kind="stable")
    by = ordered.groupby("cohort", sort=False)
    gap = ordered["period"] != by.cumcount()
    if gap.any():
        cohorts = ", ".join(map(repr, ordered.loc[gap, "cohort"].unique()[:3]))
        chk.problem("cohort_periods", "period", gap.reindex(df.index), detail=f"cohort {cohorts}")
        return
    rise = by["survivors"].diff() > 0
    if rise.any():
        cohorts = ", ".join(map(repr, ordered.loc[rise, "cohort"].unique()[:3]))
        chk.problem("cohort_increasing", "survivors", rise.reindex(df.index), detail=f"cohort {cohorts}")


def check_duplicate_rows(chk: TableCheck) -> None:
    """Lines of a table that repeat an earlier line in every column (``duplicate_rows``)."""
    raw = chk.raw if chk.raw is not None else chk.frame
    if len(raw) == 0 or raw.columns.duplicated().any():
        return
    dup = chk.frame.duplicated(keep="first")
    if dup.any():
        shown = raw[np.asarray(dup)].astype("string").fillna("").agg(",".join, axis=1)
        chk.problem("duplicate_rows", None, dup, values=shown_values(shown))


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
