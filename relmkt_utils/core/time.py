r"""Time units and calendars: the one place where days, weeks, months and years are converted.

A dataset's ``time_unit`` (``dataset.yml``: day, week, month or year) is the time unit of its models: the
BTYD summaries count recency and T in it, the fitted rates are per unit. Users give horizons in
calendar terms (months, years) and discount rates per year; :class:`TimeUnit` turns them into the
model's periods:

* a year has 365.25 days, so a week is 1/52.18 of a year and a month 1/12 (365.25/12 = 30.44 days);
* an annual discount rate :math:`d` is :math:`(1+d)^{1/P} - 1` per period of a unit with :math:`P`
  periods per year (the same present value for a cash flow one year ahead);
* a horizon of :math:`h` months is :math:`h \cdot P/12` periods.

Purchases are merged per calendar day and time is counted in days divided by the unit's length,
``rfm_convention()`` = ``("D", days per unit)``: for weeks this is the "weeks measured in days" of
Fader, Hardie & Lee (2005), whose CDNOW summary it reproduces.

**Time travels with the data.** A summary records how it counts time as a :class:`Period` (purchases
merged per ``freq`` period, ``"D"`` days or ``"W"`` weeks Monday to Sunday; time measured in units of
``multiplier`` such periods, its :attr:`Period.time_unit`); models built from it keep it, and
:func:`model_time_unit` is the one rule by which a prediction finds its unit: the model's, an explicit
``time_unit=`` only where the model has none, and a contradiction is a :class:`DataError`.

**The day rule** (:func:`day_numbers`, used by every floor and by the DuckDB and Spark engines): a
timestamp without a time zone counts on the calendar day it is written with (``2020-01-01 23:30`` is
2020-01-01 whatever the computer's zone); a timestamp with a time zone or a UTC offset is an instant,
and it counts on its calendar day in UTC (``2020-01-01 23:30-05:00`` in New York is 2020-01-02). Why
UTC and not the zone the timestamp was written in: Parquet, DuckDB and Spark store such timestamps as
UTC instants and drop the zone, and a column may mix offsets (summer and winter time), so UTC is the
only day every engine can read off every source. To count purchases on local business days, give
local timestamps without a zone (``s.dt.tz_convert("America/New_York").dt.tz_localize(None)``).

Calendar periods (months, quarters, years counted on the calendar, for acquisition cohorts) are the
units ``month``, ``quarter`` and ``year``; their length in days is the average length.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .checks import TEXT, checked, instance
from .errors import DataError, ParameterError

DAYS_PER_YEAR = 365.25
MONTHS_PER_YEAR = 12


class TimeUnit(NamedTuple):
    """A unit of model time: its name and its length in days. A named tuple, so that a summary whose
    ``attrs`` hold it can still be written to Parquet (pandas stores ``attrs`` as JSON there)."""

    name: str
    days: float

    @property
    def periods_per_year(self) -> float:
        """Periods of this unit in a year of 365.25 days (52.18 weeks, 12 months, ...)."""
        return DAYS_PER_YEAR / self.days

    @property
    def months(self) -> float:
        """Length in months (a month being a twelfth of a year)."""
        return MONTHS_PER_YEAR / self.periods_per_year

    def periods(self, *, days: float = 0.0, months: float = 0.0, years: float = 0.0) -> float:
        """A calendar span in periods of this unit: e.g. ``week.periods(months=36)`` = 156.5."""
        total_days = days + (months / MONTHS_PER_YEAR + years) * DAYS_PER_YEAR
        return total_days / self.days

    def whole_periods(self, *, days: float = 0.0, months: float = 0.0, years: float = 0.0) -> int:
        """:meth:`periods` rounded to a whole number of periods (at least 1)."""
        return max(1, int(round(self.periods(days=days, months=months, years=years))))

    def rate_per_period(self, annual_rate):
        """The discount rate per period equivalent to ``annual_rate`` per year: (1 + d)^(1/P) - 1."""
        if isinstance(annual_rate, (str, bytes, bool)):
            raise ParameterError(f"annual_discount_rate must be a number above -1 (e.g. 0.10), got {annual_rate!r}")
        d = np.asarray(annual_rate, dtype=float)
        if np.any(d <= -1) or not np.all(np.isfinite(d)):
            raise ParameterError(f"annual_discount_rate must be a finite number above -1, got {annual_rate!r}")
        out = np.expm1(np.log1p(d) / self.periods_per_year)
        return float(out) if out.ndim == 0 else out

    def discount_factors(self, annual_rate: float, periods) -> np.ndarray:
        """(1 + d)^(-t/P) for times ``t`` in periods of this unit."""
        t = np.asarray(periods, dtype=float)
        return np.exp(-np.log1p(float(annual_rate)) * t / self.periods_per_year)

    def rfm_convention(self) -> tuple[str, float]:
        """(``freq``, ``freq_multiplier``) of :func:`relmkt_utils.btyd.rfm_summary` for this unit:
        purchases merged per day, time counted in days / (days per unit)."""
        return "D", self.days

    def label(self, n: float = 2) -> str:
        """The unit's name, plural unless ``n`` is 1."""
        return self.name if n == 1 else f"{self.name}s"

    def __str__(self) -> str:
        return self.name


UNITS = {
    "day": TimeUnit("day", 1.0),
    "week": TimeUnit("week", 7.0),
    "month": TimeUnit("month", DAYS_PER_YEAR / 12),
    "quarter": TimeUnit("quarter", DAYS_PER_YEAR / 4),
    "year": TimeUnit("year", DAYS_PER_YEAR),
}
#: Units a dataset may declare as its model time unit.
DATASET_UNITS = ("day", "week", "month", "year")
#: Calendar periods for acquisition cohorts and spend tables.
CALENDAR_PERIODS = ("month", "quarter", "year")


def time_unit(unit) -> TimeUnit:
    """The :class:`TimeUnit` of a name (``"week"``) or a TimeUnit itself; a ParameterError otherwise.

    Parameters
    ----------
    unit : str or TimeUnit
        a unit name (``'day'``, ``'week'``, ``'month'``, ``'quarter'``, ``'year'``) or a :class:`TimeUnit`.
    """
    if isinstance(unit, TimeUnit):
        return unit
    try:
        return UNITS[str(unit)]
    except KeyError:
        raise ParameterError(f"time unit must be one of {', '.join(UNITS)}, got {unit!r}") from None


def calendar_period(name: str) -> TimeUnit:
    """A calendar period (month, quarter or year) as a :class:`TimeUnit`; a ParameterError otherwise.

    Parameters
    ----------
    name : str
        ``'month'``, ``'quarter'`` or ``'year'``.
    """
    if name not in CALENDAR_PERIODS:
        raise ParameterError(f"the period must be one of {', '.join(CALENDAR_PERIODS)}, got {name!r}")
    return UNITS[name]


#: The day number of a missing date (:func:`day_numbers`).
NAT_DAY = int(np.iinfo(np.int64).min)


def naive_dates(values, what: str = "dates", errors: str = "raise") -> pd.Series:
    """Dates and timestamps as ``datetime64`` without time zone, by the day rule of the module docstring:
    naive values as written, values with a zone or offset converted to UTC. Text is parsed by pandas;
    empty cells are NaT, and text that is not a date is a DataError naming ``what`` (``errors="coerce"``:
    NaT instead).

    Parameters
    ----------
    values : array-like
        dates, timestamps (with or without a time zone) or text.
    what : str
        what the values are, for the error sentence.
    errors : str
        ``"raise"`` (a DataError for text that is not a date) or ``"coerce"`` (NaT).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        s = s.replace("", np.nan)
    try:
        out = pd.to_datetime(s, utc=True, errors=errors)
    except (ValueError, TypeError, OverflowError) as exc:
        try:   # ISO text that mixes forms (with and without a time or an offset): pandas infers one format
            out = pd.to_datetime(s, utc=True, errors=errors, format="ISO8601")
        except (ValueError, TypeError, OverflowError):
            why = str(exc).splitlines()[0].split(". You might")[0]
            raise DataError(f"{what} has unparseable dates ({why})") from None
    return out.dt.tz_localize(None)


@checked(what=TEXT)
def day_numbers(values, what: str = "dates") -> np.ndarray:
    """Calendar day numbers since 1970-01-01 (int64) by the day rule of the module docstring; a missing
    date is :data:`NAT_DAY`; text that is not a date is a DataError naming ``what``.

    Parameters
    ----------
    values : array-like
        dates, timestamps (with or without a time zone) or ISO text.
    what : str
        what the values are, for the error sentence (e.g. ``"transactions, column 'date',"``).
    """
    arr = naive_dates(values, what).to_numpy()
    days = arr.astype("datetime64[D]").astype(np.int64)
    if days.size and np.isnat(arr).any():
        days[np.isnat(arr)] = NAT_DAY
    return days


@checked(what=TEXT)
def day_number(value, what: str = "date") -> int:
    """The day number of one date (a ``YYYY-MM-DD`` text, a date, a timestamp) by the same rule; a
    ParameterError naming ``what`` when it is missing or not a date.

    Parameters
    ----------
    value : str, date or Timestamp
        the date.
    what : str
        its name, for the error sentence (e.g. ``"observation_end"``).
    """
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise ParameterError(f"{what} {value!r} is not a date (write it as YYYY-MM-DD)") from None
    if stamp is pd.NaT:
        raise ParameterError(f"{what} is missing (NaT)")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return int(np.datetime64(stamp.normalize().to_datetime64(), "D").astype(np.int64))


def to_dates(values) -> pd.Series:
    """Dates as datetime64 without time zone (the day rule of the module docstring): ISO strings and
    datetimes accepted, empty cells and unparseable text become NaT.

    Parameters
    ----------
    values : array-like
        ISO date strings, datetimes or empty cells.
    """
    return naive_dates(values, errors="coerce")


def day_stamps(days) -> np.ndarray:
    """Inverse of :func:`day_numbers`: datetime64 values at midnight."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[s]")


# ---------------------------------------------------------------- the period of a summary
#: Periods in which a summary merges purchases: ``"D"`` calendar days, ``"W"`` weeks Monday to Sunday
#: (pandas' ``"W"`` = ``"W-SUN"``, named by their last day).
FREQS = ("D", "W")
FREQ_DAYS = {"D": 1.0, "W": 7.0}
#: 1970-01-05, the first Monday after the epoch, is day 4.
MONDAY_1970 = 4


def unit_of_days(days: float) -> TimeUnit:
    """The named unit (day, week, month, quarter, year) of this length in days, or an unnamed one
    (``"14-day period"``)."""
    for unit in UNITS.values():
        if abs(unit.days - days) <= 1e-9 * unit.days:
            return unit
    return TimeUnit(f"{days:g}-day period", float(days))


def same_unit(a: TimeUnit, b: TimeUnit) -> bool:
    """Whether two units have the same length (a week from calendar weeks is a week from days x 7)."""
    return abs(a.days - b.days) <= 1e-9 * max(a.days, b.days)


@dataclass(frozen=True)
class Period:
    """How a summary counts time: purchases merged per ``freq`` period (``"D"`` or ``"W"``), recency and
    T measured in units of ``multiplier`` such periods. Its :attr:`time_unit` is the model time unit:
    ``Period("D", 7)`` is the week of Fader, Hardie & Lee (2005), weeks measured in days."""

    freq: str
    multiplier: float = 1.0

    def __post_init__(self):
        if self.freq not in FREQS:
            raise ParameterError(f"freq must be one of {FREQS}, got {self.freq!r}")
        m = self.multiplier
        if isinstance(m, bool) or not isinstance(m, (int, float, np.integer, np.floating)) \
                or not (np.isfinite(m) and m > 0):
            raise ParameterError(f"freq_multiplier must be a positive number, got {m!r}")
        object.__setattr__(self, "multiplier", float(m))

    @classmethod
    def of(cls, unit) -> "Period":
        """The suite's period of a time unit: purchases merged per day, time in days / the unit's length."""
        return cls(*time_unit(unit).rfm_convention())

    @classmethod
    def of_attrs(cls, attrs) -> "Period | None":
        """The period a summary records in ``attrs`` (``freq``, ``freq_multiplier``), or None."""
        if not isinstance(attrs, dict) or "freq" not in attrs:
            return None
        return cls(attrs["freq"], attrs.get("freq_multiplier", 1.0))

    @property
    def time_unit(self) -> TimeUnit:
        return unit_of_days(FREQ_DAYS[self.freq] * self.multiplier)

    def attrs(self) -> dict:
        """What a summary records: ``freq``, ``freq_multiplier`` and the ``time_unit`` (a TimeUnit)."""
        return {"freq": self.freq, "freq_multiplier": self.multiplier, "time_unit": self.time_unit}

    def codes(self, days) -> np.ndarray:
        """Period index of day numbers: the day for ``"D"``; the Monday-to-Sunday week for ``"W"``."""
        days = np.asarray(days, dtype=np.int64)
        return days if self.freq == "D" else (days - MONDAY_1970) // 7

    def start(self, code: int) -> pd.Timestamp:
        """The first day of the period with index ``code``."""
        day = int(code) if self.freq == "D" else int(code) * 7 + MONDAY_1970
        return pd.Timestamp(np.datetime64(day, "D"))


@checked(carried=instance(TimeUnit, text="a TimeUnit", none=True), who=TEXT)
def model_time_unit(given, carried: TimeUnit | None, who: str) -> TimeUnit:
    """The time unit a prediction converts calendar horizons and annual rates with: the one the model
    carries (from the summary it was fitted to); ``given`` (an explicit ``time_unit=``) only where the
    model has none. A ``given`` unit that contradicts the model's, or no unit at all, is a DataError.

    Parameters
    ----------
    given : str, TimeUnit or None
        the ``time_unit=`` the caller passed.
    carried : TimeUnit or None
        the unit the model carries.
    who : str
        the function asking, for the error sentence.
    """
    if given is None:
        if carried is None:
            raise DataError(f"{who}: the model does not know its time unit, which turns calendar horizons and "
                            "annual rates into its periods; build it from an rfm_summary (which records its "
                            "period) or pass time_unit= (e.g. time_unit='week')")
        return carried
    unit = time_unit(given)
    if carried is not None and not same_unit(unit, carried):
        raise DataError(f"{who}: time_unit={str(given)!r} contradicts the model's time unit ({carried.name}), "
                        "which it took from its summary; leave time_unit out")
    return carried if carried is not None else unit
