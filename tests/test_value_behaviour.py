"""Time to dropout on delivered value and relationship level (relmkt_utils.value.behaviour)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relmkt_utils.value import (
    delivered_value_by_level,
    dropout_table,
    fit_dropout_cox,
    hazard_ratios,
    simulate_retention,
    value_retention_frame,
)


def test_dropout_table_hand_example():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b", "c"],
        "date": ["2024-01-01", "2024-02-26", "2024-01-08", "2024-06-24", "2024-01-01"],
        "amount": [10.0, 10.0, 5.0, 5.0, 1.0],
    })
    start = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-08-01"]),
                      index=["a", "b", "c", "late"])
    out = dropout_table(tx, start, observation_end="2024-07-01", inactivity_weeks=8).set_index("customer_id")
    assert "late" not in out.index  # origin after the observation end
    # a: last purchase 2024-02-26, 18 weeks before the end > 8 -> dropped, duration 56 days = 8 weeks
    assert out.loc["a", "event"] == 1 and out.loc["a", "duration_weeks"] == pytest.approx(8.0)
    # b: last purchase 1 week before the end -> active, censored at the end: 182 days = 26 weeks
    assert out.loc["b", "event"] == 0 and out.loc["b", "duration_weeks"] == pytest.approx(26.0)
    # c: only purchase precedes the survey; last sign of life = survey date -> dropped at duration 0
    assert out.loc["c", "event"] == 1 and out.loc["c", "duration_weeks"] == 0.0
    assert out.loc["c", "last_activity"] == pd.Timestamp("2024-01-15")


def test_dropout_default_origin_and_end():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": ["2024-01-01", "2024-01-15", "2024-12-31"],
                       "amount": [1.0, 1.0, 1.0]})
    out = dropout_table(tx).set_index("customer_id")  # origin = first purchase, end = 2024-12-31
    assert out.loc["a", "event"] == 1 and out.loc["a", "duration_weeks"] == pytest.approx(2.0)
    assert out.loc["b", "event"] == 0 and out.loc["b", "duration_weeks"] == 0.0
    with pytest.raises(ValueError, match="inactivity_weeks"):
        dropout_table(tx, inactivity_weeks=0)


@pytest.fixture(scope="module")
def retention():
    world = simulate_retention(n=800, seed=4)
    frame = value_retention_frame(world["survey"], world["transactions"], world["customers"],
                                  observation_end=world["observation_end"], inactivity_weeks=26)
    return world, frame


def test_cox_recovers_hazard_ratios(retention):
    world, frame = retention
    assert len(frame) == 800 and 0.2 < frame["event"].mean() < 0.8
    fit = fit_dropout_cox(frame)
    hr = hazard_ratios(fit).set_index("term")
    truth = world["truth"]
    assert list(hr.index) == ["delivered_value", "relationship_level[social]", "relationship_level[structural]"]
    assert ((hr["coef"] - truth).abs() < 3.5 * hr["se"]).all()
    assert hr.loc["delivered_value", "ci_high"] < 1.0  # more delivered value, lower dropout hazard
    assert np.allclose(hr["hazard_ratio"], np.exp(hr["coef"]))
    assert np.allclose(hr["ci_low"], np.exp(hr["coef"] - stats.norm.ppf(0.975) * hr["se"]))


def test_delivered_value_by_level(retention):
    _, frame = retention
    table = delivered_value_by_level(frame).set_index("level")
    assert list(table.index) == ["financial", "social", "structural"]
    assert table["mean"].is_monotonic_increasing  # the simulator shifts value up with the bond level
    x = frame.loc[frame["relationship_level"] == "social", "delivered_value"]
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert table.loc["social", "ci_low"] == pytest.approx(x.mean() - half)
    assert table.loc["social", "n"] == len(x)


def test_reference_level_must_exist(retention):
    _, frame = retention
    with pytest.raises(ValueError, match="reference level"):
        fit_dropout_cox(frame, reference="platinum")
