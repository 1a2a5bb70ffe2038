"""Helpers added for notebook 02: text attribute columns, hit rate, example offers, weight shares, DV histogram."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.plots import value as pv
from relmkt_utils.value import (
    choice_attributes,
    driver_importance,
    example_offers,
    fit_conditional_logit,
    hit_rate,
    numeric_attributes,
    simulate_choices,
    simulate_survey,
    value_scores,
    weight_shares,
)


@pytest.fixture(scope="module")
def choices():
    data, truth = simulate_choices(n_respondents=120, n_tasks=6, seed=3)
    return data, truth


def test_text_attribute_columns_are_read_as_numbers(choices):
    data, _ = choices
    as_text = data.copy()
    attrs = [c for c in data.columns if c not in ("respondent_id", "task", "alternative", "chosen", "price")]
    for c in attrs:
        as_text[c] = as_text[c].astype(str)
    as_text["label"] = "x"  # a real text column stays text
    conv = numeric_attributes(as_text)
    assert all(pd.api.types.is_integer_dtype(conv[c]) for c in attrs)
    assert conv["label"].tolist() == ["x"] * len(conv)
    assert choice_attributes(as_text) == choice_attributes(data)
    a, b = fit_conditional_logit(as_text), fit_conditional_logit(data)
    pd.testing.assert_series_equal(a.params, b.params)


def test_hit_rate_by_hand():
    # two tasks of two alternatives; utility = product_value - 0.1 price
    data = pd.DataFrame({
        "respondent_id": ["r", "r", "r", "r"], "task": ["1", "1", "2", "2"], "alternative": ["1", "2", "1", "2"],
        "product_value": [3, 1, 2, 2], "price": [10.0, 10.0, 10.0, 10.0], "chosen": [1, 0, 0, 1],
    })
    params = pd.Series({"product_value": 1.0, "price": -0.1})
    out = hit_rate(params, data)
    assert out["n_tasks"] == 2 and out["chance"] == pytest.approx(0.5)
    assert out["hit_rate"] == pytest.approx((1 + 0.5) / 2)  # task 2 is a tie: half a hit


def test_hit_rate_true_part_worths_beat_chance_but_not_one(choices):
    data, truth = choices
    out = hit_rate(truth, data)
    assert out["chance"] < out["hit_rate"] < 1


def test_example_offers_use_observed_levels(choices):
    data, _ = choices
    offers = example_offers(data)
    assert list(offers.index) == ["ours", "premium", "budget"]
    assert list(offers.columns) == choice_attributes(data) + ["price"]
    assert offers.loc["premium", "product_value"] > offers.loc["budget", "product_value"]
    assert offers.loc["premium", "time_cost"] < offers.loc["budget", "time_cost"]
    assert offers.loc["premium", "price"] > offers.loc["ours", "price"] > offers.loc["budget", "price"]
    for c in offers.columns:
        assert set(offers[c]) <= set(data[c].astype(float))


def test_weight_shares_are_scale_free():
    survey, _ = simulate_survey(n=300, seed=4)
    imp = driver_importance(value_scores(survey), outcomes=("satisfaction", "nps"))
    shares = weight_shares(imp)
    sums = shares.groupby(["outcome", "model"])["weight_share"].apply(lambda s: s.abs().sum())
    assert np.allclose(sums, 1.0)
    scaled = weight_shares(imp.assign(coef=imp["coef"] * 7.5))
    assert np.allclose(scaled["weight_share"], shares["weight_share"])
    assert (np.sign(shares["weight_share"]) == np.sign(shares["coef"])).all()


def test_delivered_value_hist_is_labelled():
    survey, _ = simulate_survey(n=200, seed=5)
    ax = pv.delivered_value_hist(value_scores(survey))
    assert ax.get_title() and "points" in ax.get_xlabel() and "count" in ax.get_ylabel()
    assert ax.get_xlim() == (-6, 6)
    plt.close("all")
