"""Referred vs other customers: uplift and retention against the simulator's truth; CLV by hand."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.referral import (clv_comparison, compare_groups, cox_referral, customer_metrics,
                                   km_by_group, km_table, published_gap, referred_flag, simulate_referral_program)


@pytest.fixture(scope="module")
def sim():
    return simulate_referral_program(n_customers=4000, seed=7)


@pytest.fixture(scope="module")
def metrics(sim):
    m = customer_metrics(sim.customers, sim.transactions, as_of=sim.observation_end, margin_rate=0.3)
    # true churn of the simulated world replaces the gap proxy (a real contract end date would too)
    life = sim.lifetimes.set_index("customer_id")
    m["duration"] = m["customer_id"].map(life["duration"]).to_numpy()
    m["dropped"] = m["customer_id"].map(life["dropped"]).to_numpy()
    m["exposure_years"] = m["duration"] / 365.25
    m["annual_margin"] = m["margin"] / m["exposure_years"]
    return m


def test_customer_metrics_hand_example():
    customers = pd.DataFrame({"customer_id": ["A", "B"], "acquired_at": ["2023-01-01", "2023-01-01"],
                              "channel": ["referral", "paid"]})
    tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "date": ["2023-01-01", "2023-07-01", "2023-02-01"],
                       "amount": [100.0, 50.0, 40.0]})
    m = customer_metrics(customers, tx, as_of="2024-12-31", margin_rate=0.3, inactivity_days=365).set_index("customer_id")
    assert m["referred"].tolist() == [1, 0]
    assert m.loc["A", "aov"] == pytest.approx(75.0)
    assert m.loc["A", "margin"] == pytest.approx(45.0)
    # both last bought more than 365 days before as_of: dropped 365 days after the last purchase
    assert m["dropped"].tolist() == [1, 1]
    assert m.loc["A", "duration"] == pytest.approx(181.0 + 365)  # 2023-01-01 -> 2023-07-01 + 365 days
    assert m.loc["B", "duration"] == pytest.approx(31.0 + 365)
    assert m.loc["B", "exposure_years"] == pytest.approx(396 / 365.25)


def test_referred_flag_uses_channel_and_referrals():
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"], "channel": ["referral", "paid", "organic"]})
    referrals = pd.DataFrame({"referrer_id": ["A"], "referee_id": ["C"]})
    assert referred_flag(customers, referrals).tolist() == [True, False, True]


def test_aov_and_margin_uplift_cover_truth(sim, metrics):
    t = compare_groups(metrics, columns=("aov", "annual_margin", "purchase_rate")).set_index("metric")
    true_pct = 100 * sim.truth["aov_uplift"]  # 16%: referred orders are 16% larger, same frequency
    for col in ("aov", "annual_margin"):
        assert t.loc[col, "uplift_pct_lower"] <= true_pct <= t.loc[col, "uplift_pct_upper"], t.loc[col]
    assert t.loc["purchase_rate", "uplift_pct_lower"] <= 0 <= t.loc["purchase_rate", "uplift_pct_upper"]


def test_cox_hazard_ratio_covers_truth(sim, metrics):
    cx = cox_referral(metrics)
    assert "C(cohort)" in cx.formula and "C(relationship_level)" in cx.formula
    assert cx.hazard_ratio.covers(sim.truth["hazard_ratio"]), cx.hazard_ratio
    assert cx.churn_reduction.value == pytest.approx(1 - cx.hazard_ratio.value)


def test_clv_uplift_covers_truth(sim, metrics):
    cc = clv_comparison(metrics, discount_rate=sim.truth["discount_rate"], n_boot=300, seed=1)
    assert cc.uplift.covers(sim.truth["clv_uplift"]), (cc.uplift, sim.truth["clv_uplift"])
    assert cc.table.loc["referred", "clv"] == pytest.approx(sim.truth["clv_referred"], rel=0.15)
    assert cc.per_customer.notna().all()


def test_km_curves_start_at_one_and_separate(metrics):
    curves = km_by_group(metrics)
    tab = km_table(curves)
    assert set(tab["group"]) == {"referred", "other"}
    assert (tab["survival"] <= 1).all() and (tab["lower"] <= tab["survival"] + 1e-12).all()
    s_ref = curves["referred"].surv_prob[np.searchsorted(curves["referred"].surv_times, 365) - 1]
    s_oth = curves["other"].surv_prob[np.searchsorted(curves["other"].surv_times, 365) - 1]
    assert s_ref > s_oth  # lower hazard for referred customers


def test_published_gap_cites_schmitt_et_al():
    t = published_gap()
    assert t["reported"].str.contains("16%").any()
    assert t["source"].str.contains("Schmitt, Skiera & Van den Bulte").all()


def test_btyd_value_comparison_recovers_simulated_uplift():
    from relmkt_utils.btyd import BetaGeo, simulate_transactions
    from relmkt_utils.referral import btyd_value_comparison

    kw = dict(start="2020-01-01", end="2021-12-31", acquisition_days=180, spend=(6.0, 4.0, 15.0))
    other = simulate_transactions(3000, 0.5, 20.0, 0.8, 2.4, seed=1, id_prefix="O", **kw)
    referred = simulate_transactions(3000, 0.5, 20.0, 0.8, 6.0, seed=2, id_prefix="R", **kw)
    tx = pd.concat([other, referred], ignore_index=True)
    # truth in weeks: weekly rate = 7 x daily rate, so alpha_week = alpha_day / 7; same spend in both
    # groups; 24 months are 104 whole weeks
    model = BetaGeo([0.0], [0.0], [1.0])
    truth = [1 + float(model.results_at((0.5, 20.0 / 7, 0.8, b)).expected_purchases_new_customer(104.0))
             for b in (6.0, 2.4)]
    true_uplift = truth[0] / truth[1] - 1
    out = btyd_value_comparison(tx, referred["customer_id"].unique(), "2021-12-31", horizon_months=24,
                                margin_rate=1.0, annual_discount_rate=0.0, n_draws=200, seed=3)
    assert out.table.attrs["horizon_periods"] == 104
    assert out.revenue_uplift.covers(true_uplift)
    assert out.revenue_uplift.lower < out.revenue_uplift.value < out.revenue_uplift.upper
    # without margin and discounting the value is the revenue
    assert out.value_uplift.value == pytest.approx(out.revenue_uplift.value, rel=1e-9)
    assert out.table.loc["referred", "value"] == pytest.approx(out.table.loc["referred", "revenue"], rel=1e-9)
    assert out.per_customer.notna().all() and (out.per_customer >= 0).all()
    assert out.draws["referred"].shape == (200, 2)
    v = out.value("referred")
    assert v.lower < v.value < v.upper
    again = btyd_value_comparison(tx, referred["customer_id"].unique(), "2021-12-31", horizon_months=24,
                                  margin_rate=1.0, annual_discount_rate=0.0, n_draws=200, seed=3)
    assert again.revenue_uplift == out.revenue_uplift


def test_btyd_value_comparison_covers_the_synthetic_truth():
    """The synthetic world's true 3-year revenue of a new customer: 159.2 (non-referred) and 189.7
    (referred), from its generating BG/NBD and spend (dataset.yml, referrals.derived)."""
    from relmkt_utils.data import datasets
    from relmkt_utils.referral import btyd_value_comparison, referred_flag

    ds = datasets.load("synthetic")
    truth = ds.truth["referrals"]["derived"]["expected_revenue_over_horizon"]
    flag = referred_flag(ds.customers, ds.referrals)
    out = btyd_value_comparison(ds.transactions, ds.customers.loc[flag, "customer_id"], ds.observation_end,
                                horizon_months=36, n_draws=300, seed=2024)
    for group, key in (("referred", "referred"), ("other", "non_referred")):
        lo, hi = out.table.loc[group, ["revenue_lower", "revenue_upper"]]
        assert lo <= truth[key] <= hi, (group, lo, truth[key], hi)
