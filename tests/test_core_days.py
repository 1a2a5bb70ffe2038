"""The suite's one day rule (relmkt_utils.core.time.day_numbers), at time-zone edges: a timestamp without
a zone counts on the day it is written with, one with a zone or offset on its UTC day; every floor uses
it (core.purchases, btyd.rfm_summary, the data loader, referral.value). The DuckDB and Spark engines are
held to the same rule in test_btyd_engines.py and test_btyd_engines_spark.py."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils import btyd
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.purchases import day_log
from relmkt_utils.core.time import NAT_DAY, day_number, day_numbers, to_dates

EPOCH = dt.date(1970, 1, 1)
NY, TOKYO = "America/New_York", "Asia/Tokyo"


def day(y, m, d) -> int:
    return (dt.date(y, m, d) - EPOCH).days


def test_the_issue_example_one_number_everywhere():
    """2020-01-01 23:30 in New York is 2020-01-02 04:30 UTC: day 18263 in every floor (was 18262 in
    core.purchases and 18263 in btyd.summary)."""
    stamp = pd.Series(pd.to_datetime(["2020-01-01 23:30"])).dt.tz_localize(NY)
    assert day_numbers(stamp)[0] == day(2020, 1, 2) == 18263
    assert day_number(stamp.iloc[0]) == 18263 and day_number("2020-01-01T23:30-05:00") == 18263
    tx = pd.DataFrame({"customer_id": ["a", "a"], "date": stamp.tolist() * 2, "amount": [1.0, 2.0]})
    assert int(day_log(tx).day[0]) == 18263
    s = btyd.rfm_summary(tx, freq="D", observation_end="2020-01-10")
    assert s.loc["a", "T"] == day(2020, 1, 10) - 18263
    assert to_dates(stamp).iloc[0] == pd.Timestamp("2020-01-02 04:30")


def test_naive_values_count_as_written_and_instants_in_utc():
    naive = pd.to_datetime(pd.Series(["2020-01-01 23:30", "2020-01-02 00:30"]))
    assert list(day_numbers(naive)) == [day(2020, 1, 1), day(2020, 1, 2)]
    tokyo = naive.dt.tz_localize(TOKYO)                  # 14:30 and 15:30 UTC on 2020-01-01
    assert list(day_numbers(tokyo)) == [day(2020, 1, 1)] * 2
    # daylight saving: 2020-03-08 01:30 EST and 23:30 EDT are on 03-08 and 03-09 in UTC
    dst = pd.to_datetime(pd.Series(["2020-03-08 01:30", "2020-03-08 23:30"])).dt.tz_localize(NY)
    assert list(day_numbers(dst)) == [day(2020, 3, 8), day(2020, 3, 9)]
    # text: offsets applied, naive text as written, mixed in one column; empty cells missing
    text = ["2020-01-01T23:30:00-05:00", "2020-01-02T00:30:00+09:00", "2020-01-01 23:30:00", "2020-01-03", ""]
    assert list(day_numbers(text)) == [day(2020, 1, 2), day(2020, 1, 1), day(2020, 1, 1), day(2020, 1, 3), NAT_DAY]
    # before 1970 and half a second before midnight
    assert day_numbers(pd.Series(pd.to_datetime(["1969-12-31 23:59:59.5"])))[0] == -1
    with pytest.raises(DataError, match="the date column has unparseable dates"):
        day_numbers(["2020-01-01", "soon"], "the date column")
    with pytest.raises(ParameterError, match="observation_end"):
        day_number("2024-02-30", "observation_end")


@settings(max_examples=60, deadline=None)
@given(seconds=st.integers(-1_000_000_000, 4_000_000_000), zone=st.sampled_from(["UTC", NY, TOKYO, "Asia/Kolkata",
                                                                                  "Pacific/Kiritimati", "America/St_Johns"]))
def test_an_instant_counts_on_its_utc_day_in_any_zone(seconds, zone):
    # from 1938 on: before 1935 St John's kept local mean time (UTC-03:30:52), an offset in seconds that no
    # ISO text of an export carries
    utc = pd.Timestamp(seconds, unit="s", tz="UTC")
    local = utc.tz_convert(zone)
    want = seconds // 86_400
    assert day_numbers(pd.Series([local]))[0] == want == day_number(local)
    assert day_numbers([local.isoformat()])[0] == want                      # as text with its offset
    wall = local.tz_localize(None)                                          # the same clock without a zone
    assert day_numbers(pd.Series([wall]))[0] == (wall.date() - EPOCH).days


def test_every_floor_numbers_days_alike():
    """core.purchases (loyalty, retention, durations), btyd.rfm_summary and the data loader's parse give one
    day for a log with offsets: the first and last purchase days agree."""
    from relmkt_utils.data.validation import parse_dates

    text = pd.Series(["2020-01-01T23:30:00-05:00", "2020-01-05T00:30:00+09:00", "2020-01-09 23:59:59"])
    tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "date": text, "amount": [1.0, 1.0, 1.0]})
    core = day_log(tx).summary()
    s = btyd.rfm_summary(tx, freq="D")
    assert int(core.loc["a", "last"] - core.loc["a", "first"]) == s.loc["a", "recency"] == 8 - 1
    np.testing.assert_array_equal(day_numbers(parse_dates(text)), day_numbers(text))
