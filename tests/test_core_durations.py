"""Durations to dropout under the suite's one lapse rule (relmkt_utils.core.durations)."""
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils.core.durations import durations
from relmkt_utils.core.errors import DataError
from relmkt_utils.loyalty import kaplan_meier, time_to_dropout


def tx_of(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date"]).assign(amount=1.0)


def test_hand_example_first_lapse_one_time_buyer_and_censoring():
    tx = tx_of([
        ("once", "2024-01-01"),                                   # one-time buyer
        ("steady", "2024-01-01"), ("steady", "2024-03-01"), ("steady", "2024-06-20"),
        ("back", "2024-01-01"), ("back", "2024-02-01"), ("back", "2024-06-25"),  # 145-day pause, then returns
    ])
    d = durations(tx, observation_end="2024-06-30", inactivity_days=100)
    # the one-time buyer lapses 100 days after her purchase, not at day 0
    assert d.loc["once", "dropped"] == 1 and d.loc["once", "duration"] == 100
    assert d.loc["once", "end"] == pd.Timestamp("2024-04-10")
    # gaps of 60 and 111 days: the second exceeds 100 -> lapse at 2024-03-01 + 100 days
    assert d.loc["steady", "dropped"] == 1 and d.loc["steady", "duration"] == 60 + 100
    assert d.loc["steady", "won_back"] == 1 and d.loc["steady", "last_activity"] == pd.Timestamp("2024-03-01")
    assert d.loc["back", "dropped"] == 1 and d.loc["back", "duration"] == 31 + 100 and d.loc["back", "won_back"] == 1
    # a longer window: nobody lapses before the end; all censored at 2024-06-30 (day 181 of the year)
    d2 = durations(tx, observation_end="2024-06-30", inactivity_days=200)
    assert (d2["dropped"] == 0).all() and (d2["duration"] == 181).all()
    assert "200 days" in d2.attrs["rule"]


def test_origin_units_and_late_starts():
    tx = tx_of([("a", "2024-01-01"), ("a", "2024-01-29"), ("b", "2024-03-01")])
    origin = pd.Series(pd.to_datetime(["2024-01-15", "2024-02-01", "2024-12-01"]), index=["a", "b", "late"])
    d = durations(tx, origin, observation_end="2024-06-30", inactivity_days=56, unit="week")
    assert "late" not in d.index
    assert d.loc["a", "start"] == pd.Timestamp("2024-01-15")  # the purchase before the origin does not count
    assert d.loc["a", "duration"] == pytest.approx((14 + 56) / 7)   # 2024-01-29 + 8 weeks
    assert d.loc["b", "duration"] == pytest.approx((29 + 56) / 7)   # the origin and 2024-03-01 are signs of life
    assert d.attrs["unit"] == "week"


def test_loyalty_curve_starts_at_one_and_falls_at_the_window_not_at_zero():
    tx = tx_of([("c%d" % i, "2024-01-01") for i in range(6)] + [("r", "2024-01-01"), ("r", "2024-12-01")])
    data = time_to_dropout(tx, observation_end="2024-12-31", inactivity_days=180)
    km = kaplan_meier(data)
    first_drop = km.curves.loc[km.curves["n_events"] > 0, "time"].min()
    assert first_drop == 180 and km.curves.loc[km.curves["time"] < 180, "survival"].eq(1.0).all()


def test_bad_window_is_a_data_error():
    with pytest.raises(DataError, match="inactivity_days"):
        durations(tx_of([("a", "2024-01-01")]), inactivity_days=0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 400)), min_size=1, max_size=40),
       st.integers(1, 200))
def test_lapse_rule_properties(rows, window):
    base = pd.Timestamp("2023-01-01")
    tx = tx_of([(f"c{c}", base + pd.Timedelta(days=d)) for c, d in rows])
    end = base + pd.Timedelta(days=400)
    d = durations(tx, observation_end=end, inactivity_days=window)
    assert (d["duration"] >= window * d["dropped"]).all()         # a lapse comes W days after a sign of life
    assert (d["end"] <= end).all() and (d["duration"] >= 0).all()
    censored = d[d["dropped"] == 0]
    assert ((end - censored["last_activity"]).dt.days <= window).all()
    dropped = d[d["dropped"] == 1]
    assert ((dropped["end"] - dropped["last_activity"]).dt.days == window).all()


def test_active_at_end_counts_won_back_customers():
    tx = tx_of([("back", "2024-01-01"), ("back", "2024-06-25"), ("gone", "2024-01-01")])
    d = durations(tx, observation_end="2024-06-30", inactivity_days=100)
    assert d.loc["back", "dropped"] == 1 and d.loc["back", "active_at_end"] == 1
    assert d.loc["gone", "dropped"] == 1 and d.loc["gone", "active_at_end"] == 0
