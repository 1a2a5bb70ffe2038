"""The helpers notebook 03 calls instead of computing in its cells: each equals the computation it replaces
(checked by hand on small tables or against the functions it composes) and says what it left out."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils import referral as rf
from relmkt_utils.core.estimate import Estimate, wilson_ci
from relmkt_utils.data import datasets


@pytest.fixture(scope="module")
def sim():
    return rf.simulate_referral_program(n_customers=1500, seed=3)


def small():
    """Three programme customers: A sends three invitations (two convert), B one (not converted), C none."""
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"], "relationship_level": ["social", "financial", "social"],
                              "referral_group": "program"})
    referrals = pd.DataFrame({"referrer_id": ["A", "A", "A", "B"],
                              "invited_at": ["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-10"],
                              "referee_id": ["y1", "y2", None, None],
                              "converted_at": ["2024-01-04", "2024-01-11", None, None]})
    survey = pd.DataFrame({"customer_id": ["A", "B", "C"], "date": "2024-02-01", "nps": [10, 3, 8]})
    return customers, referrals, survey


def test_funnel_summary_by_hand():
    customers, referrals, survey = small()
    f = rf.funnel_summary(customers, referrals, survey, as_of="2024-03-01")
    assert f.table["count"].tolist() == [3, 2, 4, 2]
    assert f.referrer_share.value == pytest.approx(2 / 3) and f.referrer_share.lower == pytest.approx(wilson_ci(2, 3).lower)
    assert f.invitations_per_referrer == pytest.approx(2.0)               # (3 + 1) / 2 referrers
    assert f.conversion.value == pytest.approx(0.5)
    assert f.time_to_convert.n_converted == 2
    assert f.rate("nps_group", "promoter") == 1.0 and f.rate("nps_group", "detractor") == 1.0
    assert f.rate("nps_group", "passive") == 0.0
    assert f.rate("relationship_level", "social") == pytest.approx(0.5)
    # without a survey the NPS breakdown is left out, and its rates are None (a finding then says why)
    bare = rf.funnel_summary(customers.drop(columns="relationship_level"), referrals)
    assert bare.breakdowns == {} and bare.rate("nps_group", "promoter") is None
    # only the given customers' invitations count
    assert rf.funnel_summary(customers[customers["customer_id"] != "A"], referrals).table["count"].tolist() == [2, 1, 1, 0]


def test_referred_ids_and_group_means(sim):
    ids = rf.referred_ids(sim.customers, sim.referrals)
    assert set(ids) == set(sim.customers.loc[rf.referred_flag(sim.customers, sim.referrals), "customer_id"])
    m = rf.customer_metrics(sim.customers, sim.transactions, as_of=sim.observation_end, margin_rate=0.3)
    t = rf.group_means(m, "EUR")
    c = rf.compare_groups(m).set_index("metric")
    assert list(t.index) == ["order value (EUR)", "margin per year (EUR)", "orders per year"]
    assert t.loc["order value (EUR)", "uplift"] == pytest.approx(c.loc["aov", "uplift_pct"] / 100)
    ref = m.loc[m["referred"] == 1, "aov"].dropna().mean() / m.loc[m["referred"] == 0, "aov"].dropna().mean() - 1
    assert t.loc["order value (EUR)", "uplift"] == pytest.approx(ref)
    assert (t["uplift_lower"] <= t["uplift"]).all() and (t["uplift"] <= t["uplift_upper"]).all()
    assert len(t.columns) <= 7 and not any("_" in str(i) for i in t.index)


def test_cox_table_is_one_scale_with_plain_names(sim):
    m = rf.customer_metrics(sim.customers, sim.transactions, as_of=sim.observation_end, margin_rate=0.3)
    cox = rf.cox_referral(m, covariates=("relationship_level",))
    t = rf.cox_table(cox)
    assert t.loc["referred (vs other)", "hazard_ratio"] == pytest.approx(cox.hazard_ratio.value)
    assert t.loc["referred (vs other)", "lower"] == pytest.approx(cox.hazard_ratio.lower)
    assert ((t["lower"] <= t["hazard_ratio"]) & (t["hazard_ratio"] <= t["upper"])).all()
    assert not any("C(" in name or "_" in name for name in t.index), list(t.index)
    assert any(name.startswith("relationship level: ") for name in t.index)


def test_effects_table_in_points_and_odds(sim):
    out = rf.acquisition_outcomes(sim.customers, sim.referrals)
    test, logit = rf.incrementality_test(out), rf.incrementality_logit(out)
    t = rf.effects_table(test, logit)
    assert t.iloc[0]["estimate"] == pytest.approx(100 * test.share_any_diff.value)
    assert t.iloc[1]["estimate"] == pytest.approx(logit.odds_ratio.value)
    assert t.iloc[2]["upper"] == pytest.approx(100 * logit.marginal_effect.upper)
    assert list(t.attrs["row_kinds"].values()) == ["number", "ratio", "number"]


def test_referral_value_summary_is_the_composition_it_replaces(sim):
    units = rf.experiment_units(sim.customers, group="program")["customer_id"]
    future = pd.Series(np.linspace(0, 90, len(sim.customers)), index=sim.customers["customer_id"].to_numpy())
    kappa = 0.4
    s = rf.referral_value_summary(sim.customers, sim.referrals, sim.transactions, future, kappa, units, 0.3,
                                  25.0, 15.0, 0.1)
    from relmkt_utils.retention import acquisition_cost

    saving, _ = acquisition_cost(sim.customers, channel="paid")
    crv = rf.customer_referral_value(rf.with_rewards(sim.referrals, 25.0, 15.0),
                                     rf.referee_value(sim.transactions, future, 0.3), incremental_share=0.6,
                                     acquisition_saving=saving, discount_rate=0.1,
                                     reference=sim.customers.set_index("customer_id")["acquired_at"], customers=units)
    pd.testing.assert_series_equal(s.crv, crv)
    assert s.incremental_share == pytest.approx(0.6) and s.acquisition_saving == pytest.approx(saving)
    assert s.mean_clv == pytest.approx(future.reindex(units).mean())
    assert s.segments["customers"].sum() == len(units)
    # a share that would have come anyway above 1 is clipped: s = 0, never negative
    assert rf.referral_value_summary(sim.customers, sim.referrals, sim.transactions, future, 1.3, units, 0.3,
                                     25.0, 15.0).incremental_share == 0.0


def test_roi_sensitivity_moves_one_input_at_a_time(sim):
    out = rf.acquisition_outcomes(sim.customers, sim.referrals)
    res = rf.roi_bootstrap(out, clv=60.0, reward_per_conversion=40.0, fixed_cost=1000.0, n_boot=50, seed=1)
    inc = Estimate(res.incremental_customers, res.incremental_customers - 20, res.incremental_customers + 20, 10.0)
    V = Estimate(60.0, 50.0, 70.0, 5.0)
    t = rf.roi_sensitivity(res, inc, V, 40.0, 1000.0).set_index("parameter")
    assert t["base_roi"].iloc[0] == pytest.approx(res.roi.value)
    assert (t.loc["reward_per_conversion", "low"], t.loc["reward_per_conversion", "high"]) == (20.0, 60.0)
    assert (t.loc["fixed_cost", "low"], t.loc["fixed_cost", "high"]) == (0.0, 2000.0)
    C = res.rewarded_conversions
    assert t.loc["clv", "roi_high"] == pytest.approx((res.incremental_customers * 70 - C * 40 - 1000) / (C * 40 + 1000))


def test_wom_summary_by_hand():
    survey = pd.DataFrame({"customer_id": list("abcdefghij"), "date": "2024-01-01",
                           "nps": [10, 9, 9, 10, 8, 7, 3, 5, 2, 8]})          # 4 promoters, 3 detractors, 10 answers
    w = rf.wom_summary(survey, positive_reach=8, negative_reach=25)
    assert w.balance["net_per_customer"] == pytest.approx((4 * 8 - 3 * 25) / 10)
    assert w.implied_ratio == pytest.approx(32 / 75)
    assert w.east_reach_ratio == pytest.approx(3 * 3 / 4)
    low, high = w.net_range
    assert low == pytest.approx((4 * 2 - 3 * 25) / 10) and high == pytest.approx((4 * 12 - 3 * 3) / 10)
    g = w.grid_range()
    assert (g["pos_low"], g["pos_high"], g["neg_low"], g["neg_high"]) == (2, 12, 3, 25)
    # an assumed reach outside the grid joins it
    assert 40.0 in rf.wom_summary(survey, positive_reach=40, negative_reach=25).sensitivity.index


def test_reference_groups_beside_the_claims():
    tx = pd.DataFrame({"influence": ["family", "family", "none", "online_community"]})
    t = rf.reference_groups(tx)
    assert t.loc["family", "share of purchases"] == 0.5 and t["share of purchases"].sum() == pytest.approx(1.0)
    assert t.loc["online community", "share claimed by the source material"] == 0.17
    assert np.isnan(t.loc["none", "share claimed by the source material"])


def test_programme_recovery_sets_each_estimate_beside_its_truth():
    ds = datasets.load("synthetic")
    truth = ds.truth["referrals"]
    d = truth["derived"]
    e = Estimate(0.2, 0.15, 0.25, 0.02)

    class Value:                                       # a value comparison over the truth's horizon
        table = pd.DataFrame(index=["referred", "other"]).assign(x=0)
        table.attrs.update(time_unit="week", horizon_periods=157)
        revenue_uplift = Estimate(0.1, 0.0, 0.2, 0.05)

        def revenue(self, group):
            return Estimate(150.0, 140.0, 160.0, 5.0)

    t = rf.programme_recovery(truth, viral_k=e, lift=e, cannibalization=Estimate(0.3, 0.25, 0.35, 0.02),
                              incremental=e.scaled(3000), n_program=3000, value=Value())
    assert t.loc["incremental customers", "truth"] == pytest.approx(
        d["incremental_referred_customers_per_program_customer"] * 3000)
    assert t.loc["referrals that would have come anyway (%)", "estimate"] == pytest.approx(30.0)
    assert "revenue uplift of referred customers (%)" in t.index
    Value.table.attrs["horizon_periods"] = 104                # another horizon: no revenue rows
    t2 = rf.programme_recovery(truth, viral_k=e, lift=e, cannibalization=e, incremental=e, n_program=1, value=Value())
    assert not any(i.startswith("revenue") for i in t2.index)


def test_report_settings_follow_the_part_the_dataset_supports():
    params = {"reward_referrer": 25.0, "reward_referee": 15.0, "fixed_cost": 5000.0, "margin": 0.3,
              "annual_discount_rate": 0.1, "horizon_months": 36, "inactivity_days": 180, "positive_reach": 8.0,
              "negative_reach": 25.0, "share_anyway": 0.3, "bootstrap": 500, "seed": 2024}
    programme = dict(rf.report_settings(datasets.load("synthetic"), **params))
    assert programme["rewards"].startswith("40.00 EUR per conversion") and "180 days" in programme["lapse rule and intervals"]
    evidence = dict(rf.report_settings(rf.published.dataset(), **params))
    assert list(evidence) == ["recomputation"] and "30% of rewarded referrals" in evidence["recomputation"]
