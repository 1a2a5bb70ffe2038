"""Every retention figure has a title and axis labels with units."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.plots import retention as rp
from relmkt_utils.retention import published
from relmkt_utils.retention import (ResponseCurves, clv_by_relationship_level, clv_cac_grid, compare_projections,
                                    equity_surface, fit_response_curves, optimal_spend, retention_uplift_value,
                                    simulate_spend_table)

REGULAR = list(published.SURVIVORS["regular"])
CURVES = ResponseCurves(0.08, 0.5, 0.92, 0.4)


def _check(ax):
    assert ax.get_title().strip()
    assert "(" in ax.get_xlabel() and "(" in ax.get_ylabel()      # units in parentheses
    assert ax.has_data()


def _figures():
    cmp = compare_projections(REGULAR, 7, 12)
    cohorts = pd.DataFrame([[100, 60, 45, 40], [80, 50, 38, np.nan]], index=["2024Q1", "2024Q2"],
                           columns=[0, 1, 2, 3])
    costs = pd.DataFrame({"kind": ["retention", "acquisition", "acquisition"], "source": ["spend", "spend", "customers"],
                          "channel": ["all", "all", "paid"], "cost_per_customer": [2.0, 10.0, 55.5]})
    opt = optimal_spend(CURVES, 12.0, 0.008)
    return [
        rp.survival_projection(cmp),
        rp.retention_curves(cmp),
        rp.cohort_survival(cohorts),
        rp.clv_cac_heatmap(clv_cac_grid(40, 0.1, np.linspace(0.5, 0.95, 10), np.linspace(0, 400, 9)), currency="EUR"),
        rp.equity_surface(equity_surface(CURVES, 12.0, 0.008, n=21), opt, currency="EUR"),
        rp.cost_comparison(costs, currency="EUR"),
        rp.relationship_levels(clv_by_relationship_level({"financial": 0.6, "social": 0.75, "structural": 0.9}, 50, 0.1)),
        rp.uplift_value(retention_uplift_value(100, 0.8, 0.1, acquisition_cost=150, new_customers_per_period=100)),
    ]


def test_every_axes_is_labelled():
    for ax in _figures():
        _check(ax)
    plt.close("all")


def test_response_curve_panels_are_labelled():
    fig = rp.response_curves(fit_response_curves(simulate_spend_table(CURVES, 24, seed=1)), currency="EUR")
    assert len(fig.axes) == 2
    for ax in fig.axes:
        _check(ax)
    plt.close("all")


def test_equity_surface_marks_the_optimum():
    opt = optimal_spend(CURVES, 12.0, 0.008)
    ax = rp.equity_surface(equity_surface(CURVES, 12.0, 0.008, n=21), opt)
    x, y = ax.lines[-1].get_data()
    assert x[0] == pytest.approx(opt.acquisition_spend) and y[0] == pytest.approx(opt.retention_spend)
    plt.close("all")


def test_notebook_04_panels_are_labelled_and_readable():
    """The figures of notebook 04's helpers: a panel per cohort (survivors and retention, every model of
    retention.MODELS), survival by group (curves up to six groups, points with intervals beyond), CLV by group
    (labels only where they cannot overlap)."""
    from relmkt_utils.loyalty import time_to_dropout
    from relmkt_utils.retention import GroupValue, cohort_projections, survival_by_group

    proj = cohort_projections()
    for kind in ("survivors", "retention"):
        fig = rp.projection_panels(proj, kind)
        assert len(fig.axes) == len(proj.frames)
        for ax in fig.axes:
            _check(ax)
            assert len(ax.lines) <= 8
    rng = np.random.default_rng(0)
    n = 400
    tx = pd.DataFrame({"customer_id": np.repeat(np.arange(n), 2),
                       "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 2 * n), "D"),
                       "amount": 10.0})
    cust = pd.DataFrame({"customer_id": np.arange(n), "level": np.array(list("abcdefgh"))[np.arange(n) % 8],
                         "pair": np.array(["x", "y"])[np.arange(n) % 2]})
    dropout = time_to_dropout(tx, cust, observation_end="2024-12-31", inactivity_days=60, group_cols=["level", "pair"])
    comparisons = survival_by_group(dropout, ["level", "pair"], horizon=60)
    fig = rp.group_survival(comparisons)
    many, two = fig.axes[:2]
    _check(many)
    _check(two)
    assert len(many.collections) >= 1 and not many.get_legend()          # eight groups: points with intervals
    assert two.get_legend() is not None                                    # two groups: curves with a legend
    fits = pd.DataFrame({"clv": np.linspace(10, 80, 8), "retention_1": 0.5}, index=list("abcdefgh"))
    ax = rp.clv_by_group(GroupValue("level", "best_vs_worst_group", fits, "h", "a"), "EUR")
    _check(ax)
    assert not ax.texts                                                     # eight bars: no labels to overlap
    plt.close("all")
