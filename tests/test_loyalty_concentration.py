"""Revenue concentration: Gini, Lorenz curve, top-p share, published Pareto ratios."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils.loyalty import (
    PUBLISHED_PARETO_RATIOS,
    customer_revenue,
    gini,
    lorenz_curve,
    pareto_comparison,
    top_share,
)

revenues = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=60).filter(lambda v: sum(v) > 0)


def test_gini_equal_spend_is_zero():
    assert gini([5.0] * 7) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 40])
def test_gini_one_customer_takes_all(n):
    x = np.zeros(n)
    x[3 % n] = 100.0
    assert gini(x) == pytest.approx((n - 1) / n)
    assert gini(x, corrected=True) == pytest.approx(1.0)


def test_gini_hand_example_and_mean_difference_formula():
    # (-3*1 - 1*2 + 1*3 + 3*4) / (4 * 10) = 10/40
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25)
    x = np.random.default_rng(3).gamma(0.7, 50, size=300)
    mean_abs_diff = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini(x) == pytest.approx(mean_abs_diff, rel=1e-10)
    curve = lorenz_curve(x)
    area = np.trapezoid(curve["revenue_share"], curve["customer_share"])
    assert gini(x) == pytest.approx(1 - 2 * area, rel=1e-10)


def test_gini_rejects_bad_input():
    with pytest.raises(ValueError, match="zero"):
        gini([0, 0, 0])
    with pytest.raises(ValueError, match=">= 0"):
        gini([1, -2])
    with pytest.raises(ValueError, match="two customers"):
        gini([3], corrected=True)


@settings(max_examples=60, deadline=None)
@given(revenues)
def test_lorenz_curve_monotone_from_origin_to_one(values):
    c = lorenz_curve(values)
    assert len(c) == len(values) + 1
    assert (c.iloc[0].to_numpy() == 0).all() and (c.iloc[-1].to_numpy() == 1).all()
    assert (np.diff(c["customer_share"]) > 0).all()
    assert (np.diff(c["revenue_share"]) >= -1e-12).all()
    assert (c["revenue_share"] <= c["customer_share"] + 1e-9).all()  # below the diagonal
    g = gini(values)
    assert -1e-12 <= g <= (len(values) - 1) / len(values) + 1e-12


def test_top_share_hand_examples():
    x = np.arange(1, 11)  # total 55
    assert top_share(x, 0.2) == pytest.approx(19 / 55)  # 10 + 9
    assert top_share(x, 0.25) == pytest.approx(23 / 55)  # 10 + 9 + half of 8
    assert top_share(x, 0.0) == pytest.approx(0.0)
    assert top_share(x, 1.0) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        top_share(x, 1.5)


def test_customer_revenue_includes_non_buyers():
    tx = pd.DataFrame({"customer_id": ["b", "a", "b"], "amount": [1.0, 2.0, 3.5]})
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"]})
    rev = customer_revenue(tx, customers)
    assert rev.to_dict() == {"a": 2.0, "b": 4.5, "c": 0.0}
    assert customer_revenue(tx).index.tolist() == ["a", "b"]


def test_published_pareto_ratios_are_cited_data():
    t = PUBLISHED_PARETO_RATIOS
    assert t.set_index("source")["top20_share"].to_dict()["Kim, Singh & Winer (2017)"] == 0.73
    assert (t["citation"].str.len() > 20).all()
    assert t["top20_share"].between(0, 1).all()
    both = pareto_comparison({"CDNOW": 0.55, "synthetic": 0.61})
    assert both["top20_share"].tolist()[-2:] == [0.55, 0.61]
    assert len(pareto_comparison(0.5)) == len(t) + 1
