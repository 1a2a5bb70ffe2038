"""The dates of a raw export, read in one stated order: the strict date rule of ``relmkt import``.

Shops write dates month first (``12/1/2010 8:26``, the United States), day first (``01/12/2010 08:26``,
most of Europe) or year first (``2010-12-01 08:26``, ISO 8601). pandas' ``dayfirst=True`` is a
preference, not a rule: a value that is not a date day first is read month first without a word, so a
month-first file read "day first" gets the 13th to the 31st of every month right and swaps the 1st to
the 12th. Here the order is one rule for the whole column, and :func:`read_dates` says which it is and why:

* **Given** (``date_format``, ``dayfirst`` or ``monthfirst``): every value is read in exactly that
  order. A value that is no date in that order but is one in the other (``12/13/2010`` given day first;
  with a ``date_format``, a value that parses only with its day and month swapped) contradicts the
  order: a :class:`~relmkt_utils.core.errors.DataError` names the file, the column, the line numbers,
  the values and the rule. A value that is a date in neither order (``31/02/2011``, ``n/a``, an empty
  cell) is *unparseable*: its line is dropped and counted, with examples, by the import.
* **Inferred** (no option): a value admits one reading only when it is a date in one order only
  (``13/01/2011`` only day first, ``01/13/2011`` only month first: a first field above 12 cannot be a
  month, nor can a second one). When such values exist and all point one way, that order is chosen for
  the whole column and the reason is stated; when they point both ways, a DataError shows examples of
  both; when every value reads both ways, a DataError asks for ``--dayfirst``, ``--monthfirst`` or
  ``--date-format``, with examples and the formats that would fit.
* **Year-first dates** (``2010-12-01``, ``2010/12/01``, ISO 8601 with a time and an offset) and dates
  that name the month (``1 Dec 2010``, ``Dec 1, 2010``) have one reading and are read under any order
  (not under a ``date_format``, which is the one form allowed).

Two-digit years follow ``strptime``'s ``%y`` (69-99 are 1969-1999, 00-68 are 2000-2068). A time of day
is checked (hours 0-23, or 1-12 with AM/PM; minutes and seconds 0-59) and then cut to the calendar day
by the day rule of :mod:`relmkt_utils.core.time` (a timestamp with a zone or offset counts on its UTC day).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import FLAG, SERIES, TEXT, checked, instance, number
from ..core.errors import DataError, Problem, rows_of, shown_values

#: Day, month and year as numbers with one separator (``/``, ``.`` or ``-``), then an optional time.
NUMERIC_DATE = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})"
                          r"(?:(?:[ T]+|\s*,\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?\s*([AaPp]\.?[Mm]\.?)?)?$")
#: A date that names its month (read by dateutil through pandas' ``format="mixed"``).
MONTH_NAME = r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\b|\d)"
ORDERS = ("day first", "month first")


@dataclass(frozen=True)
class DateReading:
    """How a date column was read: ``dates`` (calendar days, ``NaT`` where a value is no date),
    ``order`` (``"day first"``, ``"month first"``, ``"year first"``, ``"with the format %d/%m/%Y"`` ...), ``reason``
    (given, or why it was inferred) and ``examples`` (up to three pairs of raw value and day read)."""

    dates: pd.Series
    order: str
    reason: str
    examples: tuple[tuple[str, str], ...]

    @property
    def unparseable(self) -> pd.Series:
        """True where a value is no date (its line is dropped by the import)."""
        return self.dates.isna()

    def sentence(self) -> str:
        """``read month first, inferred: ...``: the order and the reason in one line."""
        return f"read {self.order}, {self.reason}"

    def range_sentence(self) -> str:
        """The range of the days read and the examples: ``2010-12-01 to 2011-12-09; e.g. "12/1/2010 8:26" -> 2010-12-01``."""
        if self.dates.notna().sum() == 0:
            return "no value is a date"
        first, last = self.dates.min(), self.dates.max()
        shown = ", ".join(f'"{raw}" -> {day}' for raw, day in self.examples)
        return f"{first.date().isoformat()} to {last.date().isoformat()}" + (f"; e.g. {shown}" if shown else "")


def _valid_days(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """The calendar day of each (year, month, day), NaT where there is no such day (30 February, month 13)."""
    parts = pd.DataFrame({"year": year, "month": month, "day": day}).fillna(0).astype("int64")
    parts = parts.where((parts["year"] >= 1678) & (parts["year"] <= 2261), 0)     # the span of datetime64[ns]
    return pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")


def _utc_days(stamps: pd.Series) -> pd.Series:
    """Timestamps (``utc=True``) to calendar days without a zone (the day rule)."""
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")


def _format_hint(parts: pd.DataFrame, index) -> tuple[str, str]:
    """The day-first and month-first ``strftime`` formats that fit the value at ``index``."""
    sep, year, hour, second, ampm = (parts.at[index, k] for k in (1, 3, 4, 6, 7))
    tail = "%Y" if len(str(year)) == 4 else "%y"
    clock = ""
    if isinstance(hour, str):
        clock = (" %I:%M" if isinstance(ampm, str) else " %H:%M") + (":%S" if isinstance(second, str) else "") \
            + (" %p" if isinstance(ampm, str) else "")
    return f"%d{sep}%m{sep}{tail}{clock}", f"%m{sep}%d{sep}{tail}{clock}"


def _swap_day_month(fmt: str) -> str | None:
    if "%d" not in fmt or "%m" not in fmt:
        return None
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


@checked(values=SERIES, date_format=instance(str, none=True, text="a strftime format (text)"), dayfirst=FLAG,
         monthfirst=FLAG, file=TEXT, column=TEXT, first_line=number(0, integer=True), row_word=TEXT)
def read_dates(values: pd.Series, date_format: str | None = None, dayfirst: bool = False, monthfirst: bool = False,
               file: str = "the export", column: str = "date", first_line: int = 2,
               row_word: str = "lines") -> DateReading:
    """Read a column of dates in one order, given or inferred (module docstring), and say which and why.

    Parameters
    ----------
    values : Series
        the raw values (text, or dates of a Parquet column); empty cells are no date.
    date_format : str or None
        a ``strftime`` format every value must match (``"%m/%d/%Y %H:%M"``).
    dayfirst : bool
        numeric dates are day first (``31/01/2024``); a value that is a date only month first is an error.
    monthfirst : bool
        numeric dates are month first (``1/31/2024``); a value that is a date only day first is an error.
    file : str
        the file's name, for the error sentences.
    column : str
        the column's name, for the error sentences.
    first_line : int
        the line (or row) number of the first value: 2 for a CSV file with a header line.
    row_word : str
        what the sentences call a line: ``"lines"`` for a CSV file, ``"rows"`` for a table.

    Returns
    -------
    DateReading
        the calendar days (``NaT`` where a value is no date in the order read), the order, the reason and
        three examples of raw value and day read.
    """
    if sum(bool(x) for x in (date_format, dayfirst, monthfirst)) > 1:
        raise DataError(Problem(file, "give one of date_format (--date-format), dayfirst (--dayfirst) and "
                                      "monthfirst (--monthfirst), not several", column=column))
    if pd.api.types.is_datetime64_any_dtype(values.dtype):         # a Parquet date column: nothing to choose
        stamps = pd.to_datetime(values, utc=True) if isinstance(values.dtype, pd.DatetimeTZDtype) else None
        days = _utc_days(stamps) if stamps is not None else values.dt.normalize().astype("datetime64[ns]")
        return DateReading(days, "as stored", "the column holds dates, not text", _examples(values.astype(str), days))
    text = values.astype("string").str.strip()
    text = text.where(text != "", pd.NA)
    codes, uniques = pd.factorize(text)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="string")
    weight = np.bincount(codes[codes >= 0], minlength=len(u))
    where = dict(codes=codes, text=text, file=file, column=column, first_line=first_line, row_word=row_word)

    if date_format:
        days = _utc_days(pd.to_datetime(u, format=date_format, utc=True, errors="coerce"))
        swapped = _swap_day_month(date_format)
        if swapped:
            other = _utc_days(pd.to_datetime(u, format=swapped, utc=True, errors="coerce"))
            wrong = np.flatnonzero(days.isna().to_numpy() & other.notna().to_numpy())
            if wrong.size:
                raise _contradiction(wrong, weight, where, f"with the format {date_format}",
                                     f"valid with day and month swapped ({swapped}): check the format")
        return _reading(days, f"with the format {date_format}", "as given", where)

    parts = u.str.extract(NUMERIC_DATE)
    numeric = parts[0].notna().to_numpy()
    a, b, c = (pd.to_numeric(parts[k], errors="coerce").astype("float64") for k in (0, 2, 3))
    la, lc = parts[0].str.len().astype("float64"), parts[3].str.len().astype("float64")
    year_first = numeric & (la == 4).fillna(False).to_numpy() & (lc <= 2).fillna(False).to_numpy()
    year_last = numeric & (la <= 2).fillna(False).to_numpy() & lc.isin([2, 4]).fillna(False).to_numpy()
    hour, minute, second = (pd.to_numeric(parts[k], errors="coerce").astype("float64") for k in (4, 5, 6))
    ampm = parts[7].notna()
    clock_ok = (hour.isna() | ((~ampm & (hour <= 23)) | (ampm & (hour >= 1) & (hour <= 12)))) \
        & (minute.isna() | (minute <= 59)) & (second.isna() | (second <= 59))
    clock_ok = clock_ok.fillna(False).to_numpy()
    year = c.where(lc == 4, c + np.where(c < 69, 2000, 1900))
    day_first = _valid_days(year, b, a).where(year_last & clock_ok)
    month_first = _valid_days(year, a, b).where(year_last & clock_ok)
    one_reading = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    one_reading[year_first & clock_ok] = _valid_days(a, b, c)[year_first & clock_ok]
    rest = ~numeric
    if rest.any():
        iso = _utc_days(pd.to_datetime(u[rest], format="ISO8601", utc=True, errors="coerce"))
        one_reading[rest] = iso
        named = rest & one_reading.isna().to_numpy() & u.str.contains(MONTH_NAME, regex=True).fillna(False).to_numpy()
        if named.any():
            one_reading[named] = _utc_days(pd.to_datetime(u[named], format="mixed", utc=True, errors="coerce"))
    only_day = (day_first.notna() & month_first.isna()).to_numpy()
    only_month = (month_first.notna() & day_first.isna()).to_numpy()
    both = (day_first.notna() & month_first.notna()).to_numpy()

    if dayfirst or monthfirst:
        order = "day first" if dayfirst else "month first"
        wrong = np.flatnonzero(only_month if dayfirst else only_day)
        if wrong.size:
            other = "month first" if dayfirst else "day first"
            raise _contradiction(wrong, weight, where, f"{order} ({'--dayfirst' if dayfirst else '--monthfirst'})",
                                 f"valid only {other}: the file's dates are not {order}; give "
                                 f"{'--monthfirst' if dayfirst else '--dayfirst'} or a --date-format that every value "
                                 "matches")
        days = one_reading.fillna(day_first if dayfirst else month_first)
        return _reading(days, order, "as given", where)

    n_day, n_month, n_both = (int(weight[m].sum()) for m in (only_day, only_month, both))
    if n_day and n_month:
        d_idx, m_idx = np.flatnonzero(only_day), np.flatnonzero(only_month)
        mask_d, mask_m = np.isin(codes, d_idx), np.isin(codes, m_idx)
        rows_d, _ = rows_of(mask_d, first_line)
        rows_m, _ = rows_of(mask_m, first_line)
        detail = (f"{_n(n_day, row_word)} with a date that reads only day first ({_at(rows_d, row_word)}: "
                  f"{', '.join(shown_values(text[mask_d].unique()))}) and {_n(n_month, row_word)} with one that "
                  f"reads only month first ({_at(rows_m, row_word)}: {', '.join(shown_values(text[mask_m].unique()))}); "
                  "correct the file, or give --date-format, --dayfirst or --monthfirst and see the lines it refuses")
        raise DataError(Problem(file, "the dates are day first in some lines and month first in others", column=column,
                                detail=detail))
    if n_day or n_month:
        order, other = ("day first", "month first") if n_day else ("month first", "day first")
        idx = np.flatnonzero(only_day if n_day else only_month)
        first = shown_values(text[np.isin(codes, idx)].unique(), limit=1)[0]
        reason = (f"inferred: {_n(max(n_day, n_month), row_word)} with a date that reads only {order} (e.g. {first}), "
                  f"none only {other}")
        if n_both:
            reason += f"; the {_n(n_both, row_word)} that read either way are read {order} too"
        days = one_reading.fillna(day_first if n_day else month_first)
        return _reading(days, order, reason, where, prefer=idx)
    if n_both:
        idx = np.flatnonzero(both)
        mask = np.isin(codes, idx)
        rows, n_rows = rows_of(mask, first_line)
        dmy, mdy = _format_hint(parts, idx[0])
        raise DataError(Problem(file, "the order of day and month cannot be told: in every date both are 12 or less "
                                      f"({_n(n_both, row_word)}), so each reads day first and month first",
                                column=column, rows=rows, n_rows=n_rows, row_word=row_word,
                                values=shown_values(text[mask].unique()),
                                detail=f"give --dayfirst, --monthfirst or --date-format, e.g. --date-format '{dmy}' "
                                       f"or '{mdy}'"))
    kinds = {"year first": bool(year_first.any()), "with the month's name": bool((rest & one_reading.notna().to_numpy()).any())}
    order = " or ".join(k for k, v in kinds.items() if v) or "year first"
    return _reading(one_reading, order, "one reading only (no day-month order to choose)", where)


def _contradiction(wrong: np.ndarray, weight: np.ndarray, where: dict, order: str, why: str) -> DataError:
    mask = np.isin(where["codes"], wrong)
    rows, n_rows = rows_of(mask, where["first_line"])
    n = int(weight[wrong].sum())
    return DataError(Problem(where["file"], f"{_n(n, 'values')} {'are not dates' if n != 1 else 'is not a date'} when "
                                            f"read {order}",
                             column=where["column"], detail=why, rows=rows, n_rows=n_rows, row_word=where["row_word"],
                             values=shown_values(where["text"][mask].unique())))


def _n(n: int, word: str) -> str:
    """``1 line``, ``2 lines``."""
    return f"{n:,} {word if n != 1 else word.rstrip('s')}"


def _at(rows: tuple, word: str) -> str:
    """``line 3``, ``lines 3, 7, 9``."""
    return f"{word if len(rows) != 1 else word.rstrip('s')} {', '.join(map(str, rows[:3]))}"


def _reading(unique_days: pd.Series, order: str, reason: str, where: dict, prefer=()) -> DateReading:
    codes = where["codes"]
    if len(unique_days) and unique_days.isna().all():
        text = where["text"]
        how = f"when read {order}" if order.startswith("with the format") else "in any form relmkt reads"
        raise DataError(Problem(where["file"], f"no value is a date {how}", column=where["column"],
                                values=shown_values(text.dropna().unique()),
                                detail="give --date-format with the form of the values, e.g. '%d/%m/%Y %H:%M'"))
    days = pd.Series(unique_days.to_numpy()[np.where(codes >= 0, codes, 0)], index=where["text"].index)
    days[codes < 0] = pd.NaT
    return DateReading(days, order, reason, _examples(where["text"], days, codes, prefer))


def _examples(text: pd.Series, days: pd.Series, codes=None, prefer=()) -> tuple[tuple[str, str], ...]:
    """Three raw -> day pairs, in file order: a value that showed the order (``prefer``), one whose day and
    month differ, and the first values read on other days."""
    if codes is None:
        codes = pd.factorize(text)[0]
    pos = np.flatnonzero(days.notna().to_numpy())
    if not pos.size:
        return ()
    found, first = np.unique(codes[pos], return_index=True)
    first_of = dict(zip(found.tolist(), pos[first].tolist()))
    ordered = sorted(first_of.values())
    picks = [first_of[k] for k in prefer if k in first_of][:1]
    for p in ordered:
        stamp = days.iloc[p]
        if stamp.day != stamp.month and p not in picks:
            picks.append(p)
            break
    for p in ordered:                                           # then the first values, on days not shown yet
        if len(picks) >= 3:
            break
        if p not in picks and days.iloc[p] not in {days.iloc[q] for q in picks}:
            picks.append(p)
    return tuple((str(text.iloc[p]), days.iloc[p].date().isoformat()) for p in sorted(picks))
