"""The referral simulator: determinism, table shapes, and truth that matches a large sample."""
import pandas as pd
import pytest

from relmkt_utils.referral import acquisition_outcomes, simulate_referral_program
from relmkt_utils.data.tables import SCHEMA


def test_same_seed_same_tables_different_seed_different():
    a = simulate_referral_program(n_customers=500, seed=5)
    b = simulate_referral_program(n_customers=500, seed=5)
    c = simulate_referral_program(n_customers=500, seed=6)
    pd.testing.assert_frame_equal(a.referrals, b.referrals)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    assert not a.referrals.equals(c.referrals)


def test_tables_follow_the_canonical_schema():
    sim = simulate_referral_program(n_customers=500, seed=2)
    for name in ("customers", "referrals", "survey", "transactions"):
        table = getattr(sim, name)
        required = [col.name for col in SCHEMA[name] if col.required]
        assert set(required) <= set(table.columns), name
    assert set(sim.customers["channel"]) <= {"organic", "paid", "referral"}
    assert set(sim.customers["referral_group"]) == {"program", "holdout"}
    assert sim.customers["customer_id"].is_unique
    conv = sim.referrals["referee_id"].notna()
    assert set(sim.referrals.loc[conv, "referee_id"]) <= set(sim.customers["customer_id"])
    assert sim.referrals.loc[~conv, "converted_at"].isna().all()
    # holdout referrals are unrewarded word of mouth; program conversions are rewarded
    grp = sim.referrals["referrer_id"].map(sim.customers.set_index("customer_id")["referral_group"])
    assert (sim.referrals.loc[grp == "holdout", "reward_referrer"] == 0).all()
    assert (sim.referrals.loc[(grp == "program") & conv, "reward_referrer"] > 0).all()
    assert (sim.referrals.loc[conv, "converted_at"] < sim.program_end).all()


def test_truth_matches_a_large_sample():
    sim = simulate_referral_program(n_customers=40000, seed=9, with_transactions=False)
    out = acquisition_outcomes(sim.customers, sim.referrals, eligible_before=sim.program_start)
    means = out.groupby("program")["new_customers"].mean()
    assert means[0] == pytest.approx(sim.truth["mean_new_holdout"], rel=0.06)
    assert means[1] == pytest.approx(sim.truth["mean_new_program"], rel=0.04)
    share = out.groupby("program")["any_new"].mean()
    assert share[1] == pytest.approx(sim.truth["share_any_program"], rel=0.04)
