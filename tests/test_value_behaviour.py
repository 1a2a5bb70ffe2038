"""Time to dropout on delivered value and relationship level (relmkt_utils.value.behaviour)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relmkt_utils.value import (
    delivered_value_by_level,
    fit_dropout_cox,
    hazard_ratios,
    simulate_retention,
    value_retention_frame,
)


def test_retention_frame_uses_the_lapse_rule_in_weeks():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b", "c"],
        "date": ["2024-01-01", "2024-02-26", "2024-01-08", "2024-06-24", "2024-01-01"],
        "amount": [10.0, 10.0, 5.0, 5.0, 1.0],
    })
    items = {f"{c}_1": 4 for c in ("product_value", "monetary_cost")}
    survey = pd.DataFrame({"customer_id": ["a", "b", "c", "late"],
                           "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-08-01"]),
                           "nps": 8, **items})
    out = value_retention_frame(survey, tx, observation_end="2024-07-01", inactivity_weeks=8).set_index("customer_id")
    assert "late" not in out.index  # survey after the observation end
    # a: last purchase 2024-02-26 + 8 weeks = 2024-04-22: dropped 16 weeks after the survey
    assert out.loc["a", "dropped"] == 1 and out.loc["a", "duration"] == pytest.approx(16.0)
    # b: 2024-01-08, then nothing for more than 8 weeks: lapsed at 2024-03-04 (9 weeks), won back in June
    assert out.loc["b", "dropped"] == 1 and out.loc["b", "duration"] == pytest.approx(9.0) and out.loc["b", "won_back"] == 1
    # c: the only purchase precedes the survey; the survey answer is the last sign of life -> W weeks
    assert out.loc["c", "dropped"] == 1 and out.loc["c", "duration"] == pytest.approx(8.0)
    assert "8 days" not in out.attrs["rule"] and "56 days" in out.attrs["rule"]


@pytest.fixture(scope="module")
def retention():
    world = simulate_retention(n=800, seed=4)
    frame = value_retention_frame(world["survey"], world["transactions"], world["customers"],
                                  observation_end=world["observation_end"], inactivity_weeks=26)
    return world, frame


def test_cox_recovers_hazard_ratios(retention):
    world, frame = retention
    assert len(frame) == 800 and 0.2 < frame["dropped"].mean() < 0.8
    fit = fit_dropout_cox(frame)
    hr = hazard_ratios(fit).set_index("term")
    truth = world["truth"]
    assert list(hr.index) == ["delivered_value", "relationship_level[social]", "relationship_level[structural]"]
    assert ((hr["coef"] - truth).abs() < 3.5 * hr["se"]).all()
    assert hr.loc["delivered_value", "upper"] < 1.0  # more delivered value, lower dropout hazard
    assert np.allclose(hr["hazard_ratio"], np.exp(hr["coef"]))
    assert np.allclose(hr["lower"], np.exp(hr["coef"] - stats.norm.ppf(0.975) * hr["se"]))


def test_delivered_value_by_level(retention):
    _, frame = retention
    table = delivered_value_by_level(frame).set_index("level")
    assert list(table.index) == ["financial", "social", "structural"]
    assert table["mean"].is_monotonic_increasing  # the simulator shifts value up with the bond level
    x = frame.loc[frame["relationship_level"] == "social", "delivered_value"]
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert table.loc["social", "lower"] == pytest.approx(x.mean() - half)
    assert table.loc["social", "n"] == len(x)


def test_reference_level_must_exist(retention):
    _, frame = retention
    with pytest.raises(ValueError, match="reference level"):
        fit_dropout_cox(frame, reference="platinum")
