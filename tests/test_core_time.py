"""Time units: calendar horizons and annual rates in model periods (relmkt_utils.core.time)."""
import numpy as np
import pytest

from relmkt_utils.core.errors import DataError
from relmkt_utils.core.time import calendar_period, time_unit
from relmkt_utils.data import datasets


def test_periods_per_year_and_horizons():
    week = time_unit("week")
    assert week.periods_per_year == pytest.approx(365.25 / 7)          # 52.18
    assert week.periods(years=3) == pytest.approx(3 * 365.25 / 7)
    assert week.whole_periods(months=12) == 52 and week.whole_periods(months=36) == 157
    assert time_unit("month").periods(years=2) == pytest.approx(24)
    assert calendar_period("quarter").periods_per_year == pytest.approx(4)
    assert week.rfm_convention() == ("D", 7.0)


def test_annual_rate_is_equivalent_per_period():
    for name in ("day", "week", "month", "quarter"):
        u = time_unit(name)
        per = u.rate_per_period(0.10)
        # compounding the per-period rate over a year gives the annual rate back
        assert (1 + per) ** u.periods_per_year == pytest.approx(1.10, rel=1e-12)
        assert u.discount_factors(0.10, u.periods_per_year) == pytest.approx(1 / 1.10)
    assert time_unit("week").rate_per_period(0.0) == 0.0


def test_unknown_units_and_impossible_rates_are_data_errors():
    with pytest.raises(DataError, match="time unit"):
        time_unit("fortnight")
    with pytest.raises(DataError, match="period"):
        calendar_period("week")
    with pytest.raises(DataError, match="annual_discount_rate"):
        time_unit("week").rate_per_period(-1.5)


def test_every_shipped_dataset_declares_a_time_unit_that_is_read():
    for name in datasets.available():
        ds = datasets.load(name)
        assert ds.time_unit.name == ds.meta["time_unit"]
        assert np.isfinite(ds.time_unit.periods_per_year)
