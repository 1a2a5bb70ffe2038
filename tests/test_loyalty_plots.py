"""Every loyalty figure has a title and axis labels with units."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import relmkt_utils.loyalty as L
from relmkt_utils.plots import loyalty as P


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(5)
    n = 300
    ids = np.array([f"c{i:03d}" for i in range(n)])
    acquired = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 180, n), "D")
    customers = pd.DataFrame({"customer_id": ids, "acquired_at": acquired,
                              "channel": rng.choice(["organic", "paid", "referral"], n)})
    who = rng.integers(0, n, 3000)
    tx = pd.DataFrame({"customer_id": ids[who],
                       "date": acquired[who] + pd.to_timedelta(rng.exponential(120, 3000).astype(int), "D"),
                       "amount": rng.gamma(2, 15, 3000)})
    tx = tx[tx["date"] <= "2023-12-31"]
    survey = pd.DataFrame({"customer_id": ids, "date": pd.Timestamp("2023-10-01"),
                           "nps": rng.integers(0, 11, n), "channel": customers["channel"]})
    return customers, tx, survey


def _check(ax, unit_hint=True):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    if unit_hint:
        assert "(" in ax.get_xlabel() and "(" in ax.get_ylabel()
    plt.close(ax.figure)


def test_all_loyalty_figures_are_labelled(world):
    customers, tx, survey = world
    _check(P.plot_lorenz(L.customer_revenue(tx, customers)))
    _check(P.plot_cohort_heatmap(L.cohort_retention(tx, customers)))
    km = L.kaplan_meier(L.time_to_dropout(tx, customers, inactivity_days=60), by="channel")
    ax = P.plot_km(km)
    assert len(ax.get_lines()) == 3
    _check(ax)
    _check(P.plot_interpurchase_hist(L.inter_purchase_times(tx)))
    ax = P.plot_nps_bars(L.nps_by_group(survey, "channel"))
    assert len(ax.patches) == 3
    _check(ax, unit_hint=False)
    assert "points" in ax.get_ylabel()
    _check(P.plot_dick_basu(L.dick_basu_matrix(survey, tx)))


def test_every_group_gets_its_own_colour():
    """Ten age groups on one Kaplan-Meier plot were ten lines of one blue."""
    from relmkt_utils.plots import CATEGORY_COLORS, group_colors

    ages = ["<25", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64", ">65"]
    assert len(set(group_colors(ages))) == len(ages)
    mixed = group_colors(["paid", "organic", "Germany", "France"])
    assert mixed[:2] == [CATEGORY_COLORS["paid"], CATEGORY_COLORS["organic"]] and len(set(mixed)) == 4
