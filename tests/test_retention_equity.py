"""Customer equity and the economics of retention."""
from __future__ import annotations

import numpy as np
import pytest

from relmkt_utils.core.errors import ParameterError
from relmkt_utils.retention import (break_even_retention_spend, clv, clv_by_relationship_level, clv_cac_grid,
                                    customer_equity, retention_uplift_value)


@pytest.mark.parametrize("timing", ["start", "end"])
def test_customer_equity_equals_brute_force_sum_over_cohorts(timing):
    m, r, i, N0, n, c, g = 30.0, 0.8, 0.1, 5000, 400, 45.0, 0.03
    v = clv(m, r, i, timing=timing)
    K = 1500
    k = np.arange(1, K + 1)
    brute = N0 * v + np.sum(n * (1 + g) ** (k - 1) / (1 + i) ** k * (v - c))
    ce = customer_equity(m, r, i, N0, n, c, growth=g, timing=timing)
    assert ce["customer_equity"] == pytest.approx(brute, rel=1e-9)
    assert ce["future_customers_value"] - ce["future_acquisition_cost"] == pytest.approx(n / (i - g) * (v - c))
    fin = customer_equity(m, r, i, N0, n, c, horizon=10, growth=g, timing=timing)
    k10 = np.arange(1, 11)
    assert fin["customer_equity"] == pytest.approx(N0 * v + np.sum(n * (1 + g) ** (k10 - 1) / (1 + i) ** k10 * (v - c)))
    with pytest.raises(ParameterError):
        customer_equity(m, r, i, N0, n, c, growth=0.2)


def test_five_point_uplift_figures():
    m, r, i, c, n = 100.0, 0.80, 0.10, 150.0, 1000.0
    out = retention_uplift_value(m, r, i, uplift=0.05, acquisition_cost=c, current_customers=5000,
                                 new_customers_per_period=n, fixed_cost_per_period=100_000)
    v0, v1 = m * 1.1 / 0.3, m * 1.1 / 0.25
    assert out.loc["before", "clv"] == pytest.approx(v0) and out.loc["after", "clv"] == pytest.approx(v1)
    assert out.loc["change_pct", "clv"] == pytest.approx(100 * (v1 / v0 - 1))                 # +20%
    assert out.loc["change_pct", "clv_net_of_cac"] == pytest.approx(100 * (v1 - v0) / (v0 - c))  # +32.4%
    # steady state: N* = n/(1-r) = 5000 -> 6667; profit = N* m - n c - F
    assert out.loc["before", "steady_state_customers"] == pytest.approx(5000)
    p0, p1 = 5000 * m - n * c - 1e5, n / 0.15 * m - n * c - 1e5
    assert out.loc["change_pct", "steady_state_profit"] == pytest.approx(100 * (p1 - p0) / p0)  # +66.7%
    ce0 = 5000 * v0 + n / i * (v0 - c)
    assert out.loc["before", "customer_equity"] == pytest.approx(ce0)
    assert out.loc["change", "customer_equity"] > 0


@pytest.mark.parametrize("timing", ["start", "end"])
def test_break_even_spend_leaves_clv_unchanged(timing):
    m, r, u, i = 60.0, 0.7, 0.05, 0.1
    b = break_even_retention_spend(m, r, u, i, timing=timing)
    assert clv(m - b["per_period"], r + u, i, timing=timing) == pytest.approx(clv(m, r, i, timing=timing))
    assert b["one_off"] == pytest.approx(clv(m, r + u, i, timing=timing) - clv(m, r, i, timing=timing))
    if timing == "start":
        assert b["per_period"] == pytest.approx(m * u / (1 + i - r))
    # spending less than break-even makes the uplift profitable
    assert clv(m - 0.9 * b["per_period"], r + u, i, timing=timing) > clv(m, r, i, timing=timing)


def test_clv_cac_grid():
    r = np.array([0.5, 0.7, 0.9])
    c = np.array([0.0, 50.0, 100.0, 400.0])
    g = clv_cac_grid(40.0, 0.1, r, c)
    assert g.shape == (3, 4) and g.index.name == "retention" and g.columns.name == "acquisition_cost"
    assert g.loc[0.9, 0.0] == pytest.approx(clv(40.0, 0.9, 0.1))
    np.testing.assert_allclose(g.to_numpy(), clv(40.0, r, 0.1)[:, None] - c[None, :])
    assert g.loc[0.5, 100.0] < 0 < g.loc[0.9, 100.0]


def test_relationship_levels_move_clv():
    levels = {"structural": 0.9, "financial": 0.6, "social": 0.75}
    out = clv_by_relationship_level(levels, margin=50.0, discount_rate=0.1, bond_cost={"financial": 5.0, "social": 2.0,
                                                                                      "structural": 3.0})
    assert list(out.index) == ["financial", "social", "structural"]
    assert out.loc["financial", "clv"] == pytest.approx(clv(45.0, 0.6, 0.1))
    assert out["clv"].is_monotonic_increasing
    assert out.loc["structural", "expected_periods"] == pytest.approx(10.0)
    assert out.loc["financial", "clv_ratio_vs_first"] == 1.0
    with pytest.raises(ParameterError, match="relationship level"):
        clv_by_relationship_level({"emotional": 0.8}, 10.0, 0.1)
