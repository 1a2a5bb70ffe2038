"""Construct scores, total value, total cost and delivered value (relmkt_utils.value.scores)."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from relmkt_utils.data.tables import CONSTRUCTS
from relmkt_utils.value import DV_RANGE, construct_scores, value_scores


def _one_respondent():
    row = {"customer_id": "c1", "date": "2024-01-01", "nps": 8, "satisfaction": 6}
    values = {"product_value": (7, 6), "service_value": (5, 5), "personnel_value": (4, 6), "image_value": (3, 3),
              "monetary_cost": (2, 4), "time_cost": (1, 1), "energy_cost": (3, 5), "psychic_cost": (2, 2)}
    for c, items in values.items():
        for k, v in enumerate(items, start=1):
            row[f"{c}_{k}"] = v
    return pd.DataFrame([row])


def test_hand_example():
    out = value_scores(_one_respondent()).iloc[0]
    # construct means: 6.5, 5, 5, 3 -> TV = 19.5/4 = 4.875 ; costs 3, 1, 4, 2 -> TC = 10/4 = 2.5
    assert out["product_value"] == 6.5 and out["energy_cost"] == 4.0
    assert out["total_value"] == pytest.approx(4.875)
    assert out["total_cost"] == pytest.approx(2.5)
    assert out["delivered_value"] == pytest.approx(2.375)
    assert out["customer_id"] == "c1" and out["nps"] == 8


def test_missing_item_and_missing_construct():
    df = _one_respondent().drop(columns=["energy_cost_1", "energy_cost_2"])
    df["product_value_2"] = np.nan
    out = value_scores(df).iloc[0]
    assert out["product_value"] == 7.0  # mean of the answered item only
    assert "energy_cost" not in out.index
    assert out["total_cost"] == pytest.approx((3 + 1 + 2) / 3)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 20), st.integers(1, 3), st.integers(0, 10_000))
def test_indices_stay_on_scale(n, k, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"{c}_{j + 1}": rng.integers(1, 8, n) for c in CONSTRUCTS for j in range(k)})
    out = value_scores(df)
    assert out["total_value"].between(1, 7).all() and out["total_cost"].between(1, 7).all()
    assert out["delivered_value"].between(*DV_RANGE).all()
    assert np.allclose(out["delivered_value"], out["total_value"] - out["total_cost"])


def test_extremes_reach_the_documented_range():
    best = {f"{c}_1": (7 if c.endswith("_value") else 1) for c in CONSTRUCTS}
    worst = {f"{c}_1": (1 if c.endswith("_value") else 7) for c in CONSTRUCTS}
    out = value_scores(pd.DataFrame([best, worst]))
    assert list(out["delivered_value"]) == [6.0, -6.0] == [DV_RANGE[1], DV_RANGE[0]]


def test_no_items_is_an_error():
    with pytest.raises(ValueError, match="no Likert item"):
        construct_scores(pd.DataFrame({"customer_id": ["a"], "nps": [3]}))
