"""Every referral figure draws and carries a title and axis labels."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from relmkt_utils.plots import referral as rp
from relmkt_utils.referral import (cascade, clv_crv_grid, funnel_table, km_by_group, km_table, roi_tornado,
                                   simulate_referral_program, viral_coefficient, wom_balance, wom_sensitivity)


@pytest.fixture(scope="module")
def sim():
    return simulate_referral_program(n_customers=600, seed=4, with_transactions=False)


def labelled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(ax.figure)
    return True


def test_all_referral_figures_are_labelled(sim):
    units = sim.customers[sim.customers["referral_group"] == "program"]
    assert labelled(rp.funnel(funnel_table(units, sim.referrals)))
    ax = rp.cascade(cascade(len(units), viral_coefficient(units, sim.referrals).k, 6))
    assert len(ax.patches) == 7
    assert labelled(ax)
    m = sim.lifetimes
    assert labelled(rp.km_referred(km_table(km_by_group(m))))
    clv = pd.Series([300.0, 50, 200, 10], index=list("ABCD"))
    assert labelled(rp.clv_crv_grid(clv_crv_grid(clv, pd.Series({"A": 50.0, "B": 130.0}))))
    lift = pd.DataFrame({"label": ["program", "holdout", "difference"], "estimate": [0.24, 0.08, 0.16],
                         "lower": [0.22, 0.07, 0.13], "upper": [0.26, 0.09, 0.19]})
    ax = rp.lift(lift)
    assert len(ax.get_yticklabels()) == 3
    assert labelled(ax)
    base = dict(incremental_customers=100.0, clv=200.0, rewarded_conversions=300.0, reward_per_conversion=25.0,
                fixed_cost=2000.0)
    ax = rp.tornado(roi_tornado(base, {"clv": (100, 300), "fixed_cost": (1000, 3000),
                                       "reward_per_conversion": (20, 30)}), currency="EUR")
    assert len(ax.patches) == 6
    assert {t.get_text() for t in ax.get_yticklabels()} == {"CLV (100.00 EUR → 300.00 EUR)",
                                                          "fixed cost (1,000.00 EUR → 3,000.00 EUR)",
                                                          "reward per conversion (20.00 EUR → 30.00 EUR)"}
    assert labelled(ax)
    assert labelled(rp.wom_balance(wom_balance(300, 100, n_customers=500)))
    ax = rp.wom_sensitivity(wom_sensitivity(300, 100, 500))
    assert labelled(ax)
    # the units survive seaborn's renaming of the axes after the frame's index and columns
    assert "(people)" in ax.get_xlabel() and "(people)" in ax.get_ylabel()

