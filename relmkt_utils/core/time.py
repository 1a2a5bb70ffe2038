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

Calendar periods (months, quarters, years counted on the calendar, for acquisition cohorts) are the
units ``month``, ``quarter`` and ``year``; their length in days is the average length.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ParameterError

DAYS_PER_YEAR = 365.25
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class TimeUnit:
    """A unit of model time: its name and its length in days."""

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


def to_dates(values) -> pd.Series:
    """Dates as datetime64 without time zone: ISO strings and datetimes accepted, empty cells and
    unparseable text become NaT.

    Parameters
    ----------
    values : array-like
        ISO date strings, datetimes or empty cells.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if s.dtype == object:
        s = s.replace("", np.nan)
    out = pd.to_datetime(s, errors="coerce")
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_localize(None)
    return out
