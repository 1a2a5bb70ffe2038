"""Incrementality from the randomized program/holdout split: hand values and simulated truth."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.referral import (acquisition_outcomes, cannibalization, incremental_customers,
                                   incrementality_logit, incrementality_test, simulate_referral_program)
from relmkt_utils.core.estimate import newcombe_diff_ci


@pytest.fixture(scope="module")
def sim():
    return simulate_referral_program(n_customers=4000, seed=7, with_transactions=False)


@pytest.fixture(scope="module")
def outcomes(sim):
    return acquisition_outcomes(sim.customers, sim.referrals, eligible_before=sim.program_start)


def test_newcombe_matches_published_example():
    # Newcombe (1998), Stat Med 17:873, Table II example (a): 56/70 - 48/80 = 0.2000, method 10: 0.0524 to 0.3339
    est = newcombe_diff_ci(56, 70, 48, 80)
    assert est.value == pytest.approx(0.2)
    assert est.lower == pytest.approx(0.0524, abs=1e-4)
    assert est.upper == pytest.approx(0.3339, abs=1e-4)


def test_outcomes_count_referrals_per_unit():
    customers = pd.DataFrame({"customer_id": ["A", "B", "C", "D", "R1"],
                              "acquired_at": ["2022-01-01"] * 4 + ["2024-02-01"],
                              "referral_group": ["program", "program", "holdout", "holdout", "program"]})
    referrals = pd.DataFrame({"referrer_id": ["A", "A", "B", "C"], "invited_at": ["2024-01-05"] * 4,
                              "referee_id": ["R1", None, None, "R2"],
                              "converted_at": ["2024-02-01", None, None, "2024-02-02"],
                              "reward_referrer": [10.0, 0, 0, 0], "reward_referee": [5.0, 0, 0, 0]})
    out = acquisition_outcomes(customers, referrals, eligible_before="2024-01-01").set_index("customer_id")
    assert list(out.index) == ["A", "B", "C", "D"]  # the referee R1 joined later: not a unit
    assert out["new_customers"].tolist() == [1, 0, 1, 0]
    assert out.loc["A", "rewards"] == 15.0
    # program: 1 of 2 brought someone; holdout: 1 of 2 -> no lift, cannibalization 1
    assert incrementality_test(out).share_any_diff.value == pytest.approx(0.0)
    assert cannibalization(out).value == pytest.approx(1.0)


def test_lift_and_incremental_customers_cover_truth(sim, outcomes):
    t = sim.truth
    res = incrementality_test(outcomes)
    assert res.new_per_customer_diff.covers(t["lift_new_per_customer"]), res.new_per_customer_diff
    assert res.share_any_diff.covers(t["lift_share_any"]), res.share_any_diff
    assert res.share_any_diff_wald.covers(t["lift_share_any"])
    assert res.p_value < 1e-6
    inc = incremental_customers(outcomes)
    assert inc.covers(t["incremental_customers"]), (inc, t["incremental_customers"])
    assert inc.value == pytest.approx(res.new_per_customer_diff.value * t["n_program"])


def test_cannibalization_covers_truth(sim, outcomes):
    kappa = cannibalization(outcomes)
    assert kappa.covers(sim.truth["cannibalization"]), (kappa, sim.truth["cannibalization"])
    assert 0 < kappa.lower < kappa.value < kappa.upper < 1


def test_logit_marginal_effect_agrees_with_raw_difference(sim, outcomes):
    lg = incrementality_logit(outcomes)
    assert "relationship_level_social" in lg.results.params.index
    assert "tenure_years" in lg.results.params.index
    assert lg.odds_ratio.lower > 1
    assert lg.marginal_effect.covers(sim.truth["lift_share_any"]), lg.marginal_effect
    raw = incrementality_test(outcomes).share_any_diff.value
    assert lg.marginal_effect.value == pytest.approx(raw, abs=0.02)


def test_no_effect_world_gives_interval_around_zero():
    sim = simulate_referral_program(n_customers=3000, seed=3, with_transactions=False,
                                    invite_rate={"promoter": 0.0, "passive": 0.0, "detractor": 0.0})
    out = acquisition_outcomes(sim.customers, sim.referrals, eligible_before=sim.program_start)
    assert sim.truth["lift_new_per_customer"] == 0
    res = incrementality_test(out)
    assert res.new_per_customer_diff.covers(0.0)
    assert res.share_any_diff.covers(0.0)


def test_lift_table_hand_values():
    from relmkt_utils.referral import lift_table

    out = pd.DataFrame({"program": [1, 1, 1, 1, 0, 0, 0, 0], "new_customers": [0, 1, 2, 1, 0, 0, 1, 0]})
    t = lift_table(out).set_index("label")
    assert t.loc["program", "estimate"] == pytest.approx(1.0)
    assert t.loc["holdout", "estimate"] == pytest.approx(0.25)
    assert t.loc["difference (lift)", "estimate"] == pytest.approx(0.75)
    se1 = np.std([0, 1, 2, 1], ddof=1) / 2
    assert t.loc["program", "upper"] - t.loc["program", "estimate"] == pytest.approx(1.959964 * se1, rel=1e-5)
    se = np.sqrt(np.var([0, 1, 2, 1], ddof=1) / 4 + np.var([0, 0, 1, 0], ddof=1) / 4)
    assert t.loc["difference (lift)", "lower"] == pytest.approx(0.75 - 1.959964 * se, rel=1e-5)


def test_recovery_table_marks_coverage():
    from relmkt_utils.core.estimate import Estimate, recovery_table

    t = recovery_table({"a": Estimate(1.0, 0.5, 1.5, se=0.25), "b": Estimate(2.0, 1.9, 2.1)}, {"a": 1.2, "b": 3.0, "c": 0})
    assert t["covered"].tolist() == [True, False]
    assert t.loc["a", "z"] == pytest.approx(-0.8) and np.isnan(t.loc["b", "z"])
    assert t.loc["b", "truth"] == 3.0
    with pytest.raises(ValueError):
        recovery_table({"x": Estimate(1.0, 0.0, 2.0)}, {})
