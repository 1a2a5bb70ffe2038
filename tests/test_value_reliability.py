"""Cronbach's alpha, its CI and item analysis (relmkt_utils.value.reliability)."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from relmkt_utils.value import cronbach_alpha, detect_constructs, item_analysis, reliability_table, simulate_survey

# Hand example: 4 respondents x 3 items (constructed here, arithmetic below).
#   item1 = 1 2 3 4  mean 2.5  SS = 2.25+.25+.25+2.25 = 5   var = 5/3
#   item2 = 2 3 3 4  mean 3    SS = 1+0+0+1         = 2   var = 2/3
#   item3 = 1 3 4 4  mean 3    SS = 4+0+1+1         = 6   var = 6/3
#   total = 4 8 10 12 mean 8.5 SS = 20.25+.25+2.25+12.25 = 35  var = 35/3
#   alpha = 3/2 * (1 - (13/3)/(35/3)) = 3/2 * 22/35 = 33/35
HAND = pd.DataFrame({"x_1": [1, 2, 3, 4], "x_2": [2, 3, 3, 4], "x_3": [1, 3, 4, 4]})


def test_alpha_hand_example():
    assert cronbach_alpha(HAND).value == pytest.approx(33 / 35, abs=1e-12)


def test_item_analysis_hand_example():
    table = item_analysis(HAND).set_index("item")
    # item 1 against the rest (x_2 + x_3 = 3 6 7 8, mean 6): cross-products (-1.5)(-3)+(-.5)(0)+(.5)(1)+(1.5)(2) = 8,
    # SS(item1) = 5, SS(rest) = 9+0+1+4 = 14  ->  r = 8 / sqrt(70)
    assert table.loc["x_1", "item_total_r"] == pytest.approx(8 / np.sqrt(70), abs=1e-12)
    # alpha without item 1: var(x_2) = 2/3, var(x_3) = 2, var(rest) = 14/3 -> 2 * (1 - (8/3)/(14/3)) = 6/7
    assert table.loc["x_1", "alpha_if_deleted"] == pytest.approx(6 / 7, abs=1e-12)
    for item in HAND.columns:
        rest = HAND.drop(columns=item)
        assert table.loc[item, "alpha_if_deleted"] == pytest.approx(cronbach_alpha(rest).value)


def _alpha_from_cov(x: np.ndarray) -> float:
    """Independent computation: alpha = k/(k-1) * (1 - trace(C) / sum(C)), C the item covariance matrix."""
    C = np.cov(x, rowvar=False)
    k = C.shape[0]
    return k / (k - 1) * (1 - np.trace(C) / C.sum())


@settings(max_examples=100, deadline=None)
@given(
    st.integers(3, 40).flatmap(
        lambda n: st.integers(2, 6).flatmap(lambda k: arrays(np.int64, (n, k), elements=st.integers(1, 7)))
    )
)
def test_alpha_equals_covariance_formula(x):
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return
    got = cronbach_alpha(pd.DataFrame(x)).value
    assert got == pytest.approx(_alpha_from_cov(x.astype(float)), rel=1e-9, abs=1e-9)


def test_feldt_interval_formula_and_order():
    res = cronbach_alpha(HAND, alpha=0.05)
    from scipy import stats

    f_hi = stats.f.ppf(0.975, 3, 6)  # df1 = n-1 = 3, df2 = (n-1)(k-1) = 6
    assert res.lower == pytest.approx(1 - (2 / 35) * f_hi)
    assert res.lower < res.value < res.upper < 1


@pytest.mark.parametrize("method", ["feldt", "asymptotic"])
def test_alpha_interval_covers_under_parallel_items(method):
    """Feldt's interval is exact for normal parallel items, van Zyl's is asymptotic.

    Parallel items x_j = f + e_j (var f = 1, var e = 1): true alpha = k r / (1 + (k-1) r), r = 1/2."""
    rng = np.random.default_rng(11)
    n, k, reps = 80, 4, 1500
    true = k * 0.5 / (1 + (k - 1) * 0.5)
    hits = 0
    for _ in range(reps):
        x = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
        res = cronbach_alpha(x, method=method)
        hits += res.lower <= true <= res.upper
    # binomial sd at 95% and 1500 reps is 0.56 points: the band is about +/- 3.5 sd
    assert 0.93 <= hits / reps <= 0.97


def test_detect_constructs_order_and_sorting():
    cols = ["customer_id", "nps", "time_cost_2", "product_value_10", "product_value_2", "product_value_1",
            "time_cost_1", "loyalty_1", "loyalty_2"]
    got = detect_constructs(cols)
    assert list(got) == ["product_value", "time_cost", "loyalty"]
    assert got["product_value"] == ["product_value_1", "product_value_2", "product_value_10"]
    with pytest.raises(ValueError, match="service_value"):
        detect_constructs(cols, constructs=["service_value"])


def test_reliability_table_on_simulated_survey():
    survey, _ = simulate_survey(n=300, seed=5)
    table = reliability_table(survey)
    assert len(table) == 8
    assert (table["lower"] < table["alpha"]).all() and (table["alpha"] < table["upper"]).all()
    assert table["alpha"].between(0.6, 0.95).all()


def test_alpha_needs_two_items():
    with pytest.raises(ValueError, match="two items"):
        cronbach_alpha(HAND[["x_1"]])
