"""Helpers added for notebook 04: pooled sBG over cohorts, sBG per group, equivalent retention,
average vs marginal cost of a customer."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relmkt_utils.core.errors import ParameterError
from relmkt_utils.retention import published
from relmkt_utils.retention import (PooledShiftedBetaGeometric, ResponseCurves, ShiftedBetaGeometric,
                                    average_and_marginal_costs, clv, equivalent_retention, fit_pooled, sbg_by_group,
                                    sbg_del, simulate_survivors)

REGULAR = list(published.SURVIVORS["regular"][:8])


def test_pooled_likelihood_is_the_sum_of_the_cohorts():
    a, b = [1000, 631, 468, 382], [800, 520, 400]
    pooled = PooledShiftedBetaGeometric([a, b])
    theta = np.array([0.7, 1.2])
    assert pooled.loglike(theta) == pytest.approx(ShiftedBetaGeometric(a).loglike(theta)
                                                  + ShiftedBetaGeometric(b).loglike(theta))
    assert pooled.nobs == 1800 and pooled.n_periods == 3 and pooled.n_cohorts == 2


def test_pooled_fit_of_one_cohort_equals_the_single_fit_and_duplicates_do_not_move_it():
    single = ShiftedBetaGeometric(REGULAR).fit()
    one = PooledShiftedBetaGeometric([REGULAR]).fit()
    two = PooledShiftedBetaGeometric([REGULAR, REGULAR]).fit()
    np.testing.assert_allclose(one.params, single.params, rtol=1e-6)
    np.testing.assert_allclose(two.params, single.params, rtol=1e-6)
    np.testing.assert_allclose(two.bse * np.sqrt(2), single.bse, rtol=1e-4)   # twice the data
    assert single.alpha == pytest.approx(0.704, abs=1e-3) and single.beta == pytest.approx(1.182, abs=1e-3)


def test_fit_pooled_recovers_simulated_parameters_over_ragged_cohorts():
    curves = [simulate_survivors(0.6, 1.5, 3000, T, seed=s) for s, T in enumerate([8, 6, 4, 2])]
    width = max(len(c) for c in curves)
    table = pd.DataFrame([np.r_[c, [np.nan] * (width - len(c))] for c in curves],
                         index=pd.Index(list("abcd"), name="cohort"))
    res = fit_pooled(table)
    ci = res.conf_int()
    assert ci.loc["alpha", "lower"] < 0.6 < ci.loc["alpha", "upper"]
    assert ci.loc["beta", "lower"] < 1.5 < ci.loc["beta", "upper"]
    # min_periods leaves out the short cohorts
    assert fit_pooled(table, min_periods=5).model.n_cohorts == 2
    with pytest.raises(ParameterError):
        fit_pooled(table, min_periods=9)


def test_sbg_by_group_and_equivalent_retention():
    rows, index = [], []
    for g, (al, be) in {"financial": (1.0, 1.0), "structural": (0.5, 4.0)}.items():
        for k, T in enumerate([6, 4]):
            s = simulate_survivors(al, be, 4000, T, seed=10 * k + len(g))
            rows.append(np.r_[s, [np.nan] * (6 - T)])
            index.append((g, f"c{k}"))
    table = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["relationship_level", "cohort"]))
    out = sbg_by_group(table, discount_rate=0.1)
    assert out.index.name == "relationship_level" and list(out.index) == ["financial", "structural"]
    assert out.loc["structural", "del"] > out.loc["financial", "del"]
    assert (out["cohorts"] == 2).all() and out.loc["financial", "customers"] == 8000
    # the equivalent constant retention reproduces the sBG lifetime value
    for g in out.index:
        r = out.loc[g, "equivalent_retention"]
        assert clv(1.0, r, 0.1) == pytest.approx(out.loc[g, "del"], rel=1e-10)
    with pytest.raises(ParameterError):
        sbg_by_group(table.droplevel(0), 0.1)


def test_equivalent_retention_inverts_the_closed_forms():
    for r in (0.3, 0.8, 0.95):
        assert equivalent_retention(clv(1.0, r, 0.08), 0.08) == pytest.approx(r)
        assert equivalent_retention(clv(1.0, r, 0.08, timing="end"), 0.08, timing="end") == pytest.approx(r)
    life = sbg_del(0.704, 1.182, 0.1)
    assert clv(7.5, equivalent_retention(life, 0.1), 0.1) == pytest.approx(7.5 * life)
    with pytest.raises(ParameterError):
        equivalent_retention(0.5, 0.1)
    with pytest.raises(ParameterError):
        equivalent_retention(1e6, 0.1)          # would need r > 1


def test_average_and_marginal_costs():
    c = ResponseCurves(0.08, 0.5, 0.92, 0.4)
    t = average_and_marginal_costs(c, 0.72, 6.45)
    A, R = 0.72, 6.45
    assert t.loc["acquisition", "average_cost"] == pytest.approx(A / c.acquisition_rate(A))
    h = 1e-6
    assert t.loc["acquisition", "marginal_cost"] == pytest.approx(2 * h / (c.acquisition_rate(A + h) - c.acquisition_rate(A - h)), rel=1e-6)
    assert t.loc["retention", "marginal_cost"] == pytest.approx(2 * h / (c.retention_rate(R + h) - c.retention_rate(R - h)), rel=1e-6)
    # concave curves: the next customer costs more than the average one
    assert (t["marginal_cost"] > t["average_cost"]).all()
    assert np.isnan(average_and_marginal_costs(c, 0.0, 1.0).loc["acquisition", "average_cost"])
    with pytest.raises(ParameterError):
        average_and_marginal_costs(c, -1.0, 1.0)


def test_revenue_per_alive_period_counts_periods_up_to_the_last_purchase():
    from relmkt_utils.retention import revenue_per_alive_period
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
                       "date": pd.to_datetime(["2024-01-10", "2024-03-02", "2024-01-20", "2024-02-01", "2024-02-03"]),
                       "amount": [10.0, 20.0, 5.0, 1.0, 4.0]})
    out = revenue_per_alive_period(tx, period="month")
    # a: Jan..Mar = 3 periods, b: 1, c: 1 -> 5 alive periods, revenue 40
    assert out["alive_periods"] == 5 and out["revenue"] == 40 and out["revenue_per_alive_period"] == 8
    cust = pd.DataFrame({"customer_id": ["a", "b", "c"], "acquired_at": ["2023-12-31", "2024-01-20", "2024-01-05"]})
    assert revenue_per_alive_period(tx, cust, period="month")["alive_periods"] == 4 + 1 + 2
    assert revenue_per_alive_period(tx, period="quarter")["alive_periods"] == 3
    with pytest.raises(ParameterError):
        revenue_per_alive_period(tx, period="week")
