"""Funnel, viral coefficient and cascade: hand examples and the simulator's truth."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.core.errors import DataError
from relmkt_utils.referral import (cascade, cascade_total, conversion_rate, experiment_units, funnel_table,
                                   invitations_per_referrer, nps_group, observed_generations, referral_rate_by,
                                   simulate_referral_program, time_to_convert, viral_coefficient)
from relmkt_utils.core.estimate import wilson_ci


@pytest.fixture(scope="module")
def sim():
    return simulate_referral_program(n_customers=4000, seed=7, with_transactions=False)


def tiny():
    """10 customers; A sends 3 invitations (2 convert), B sends 2 (1 converts), C sends 1 (0)."""
    customers = pd.DataFrame({"customer_id": list("ABCDEFGHIJ"), "relationship_level":
                              ["social"] * 5 + ["financial"] * 5})
    referrals = pd.DataFrame({
        "referrer_id": ["A", "A", "A", "B", "B", "C"],
        "invited_at": ["2024-01-01", "2024-01-05", "2024-02-01", "2024-01-10", "2024-03-01", "2024-03-10"],
        "referee_id": ["X1", "X2", None, "X3", None, None],
        "converted_at": ["2024-01-11", "2024-01-25", None, "2024-01-14", None, None],
    })
    return customers, referrals


def test_wilson_matches_textbook_value():
    # Agresti & Coull (1998) style check: 0/10 -> Wilson upper = z^2/(n+z^2) = 3.8415/13.8415
    est = wilson_ci(0, 10)
    assert est.lower == 0.0
    assert est.upper == pytest.approx(1.959964**2 / (10 + 1.959964**2), rel=1e-6)
    est = wilson_ci(3, 6)  # p = 0.5 -> symmetric around 0.5
    assert est.lower + est.upper == pytest.approx(1.0)


def test_funnel_table_counts_and_shares():
    customers, referrals = tiny()
    t = funnel_table(customers, referrals)
    assert t["count"].tolist() == [10, 3, 6, 3]
    assert t["share_of_previous"].iloc[1:].tolist() == pytest.approx([0.3, 2.0, 0.5])
    per = invitations_per_referrer(referrals)
    assert per.loc["A", "invitations"] == 3 and per.loc["A", "conversions"] == 2
    assert conversion_rate(referrals).value == pytest.approx(0.5)


def test_viral_coefficient_hand_example():
    # i = 6 invitations / 10 customers = 0.6; c = 3 / 6 = 0.5; K = i c = 0.3 = 3 conversions / 10
    customers, referrals = tiny()
    v = viral_coefficient(customers, referrals)
    assert v.invitations_per_customer.value == pytest.approx(0.6)
    assert v.conversion_rate == pytest.approx(0.5)
    assert v.k.value == pytest.approx(0.3)
    # se = sd(conversions per customer) / sqrt(10): counts (2, 1, 0 x 8)
    assert v.k.se == pytest.approx(np.std([2, 1] + [0] * 8, ddof=1) / np.sqrt(10))


def test_viral_coefficient_covers_simulated_truth(sim):
    units = experiment_units(sim.customers, group="program", eligible_before=sim.program_start)
    v = viral_coefficient(units, sim.referrals)
    assert v.k.covers(sim.truth["viral_k_program"]), (v.k, sim.truth["viral_k_program"])
    hold = experiment_units(sim.customers, group="holdout", eligible_before=sim.program_start)
    assert viral_coefficient(hold, sim.referrals).k.covers(sim.truth["viral_k_holdout"])


def test_cascade_total_is_geometric_limit():
    assert cascade_total(1000, 0.2) == pytest.approx(1250.0)  # 1000 / (1 - 0.2)
    assert cascade_total(1000, 1.0) == np.inf
    t = cascade(1000, 0.2, generations=60)
    assert t["new_customers"].iloc[:3].tolist() == pytest.approx([1000, 200, 40])
    assert t["cumulative"].iloc[-1] == pytest.approx(1000 / (1 - 0.2))
    assert t["limit"].iloc[0] == pytest.approx(1250.0)
    assert (np.diff(t["cumulative"]) >= 0).all()
    assert t["cumulative"].iloc[5] == pytest.approx(1000 * (1 - 0.2**6) / (1 - 0.2))
    with pytest.raises(ValueError):
        cascade_total(10, -0.1)


def test_cascade_interval_brackets_point():
    customers, referrals = tiny()
    v = viral_coefficient(customers, referrals)
    t = cascade(10, v.k, 4)
    assert (t["cumulative_lower"] <= t["cumulative"] + 1e-12).all()
    assert (t["cumulative_upper"] >= t["cumulative"] - 1e-12).all()


def test_observed_generations_follow_chains():
    customers = pd.DataFrame({"customer_id": ["A", "X1", "Y1", "Z"]})
    referrals = pd.DataFrame({"referrer_id": ["A", "X1"], "invited_at": ["2024-01-01"] * 2,
                              "referee_id": ["X1", "Y1"], "converted_at": ["2024-01-02"] * 2})
    assert observed_generations(customers, referrals).tolist() == [0, 1, 2, 0]


def test_time_to_convert_median_and_censoring():
    customers, referrals = tiny()
    ttc = time_to_convert(referrals, as_of="2024-04-01")
    # delays of converted invitations: 10, 20, 4 days; 3 open invitations are censored
    assert ttc.n_converted == 3 and ttc.n_censored == 3
    assert ttc.median_days.value == pytest.approx(10.0)


def test_referral_rate_by_nps_group_orders_promoters_first(sim):
    base = experiment_units(sim.customers, eligible_before=sim.program_start)
    by_nps = referral_rate_by(base, sim.referrals, survey=sim.survey)
    assert by_nps["group"].tolist() == ["promoter", "passive", "detractor"]
    r = by_nps.set_index("group")["rate"]
    assert r["promoter"] > r["passive"] > r["detractor"]
    assert (by_nps["lower"] <= by_nps["rate"]).all() and (by_nps["rate"] <= by_nps["upper"]).all()
    by_level = referral_rate_by(base, sim.referrals, by="relationship_level").set_index("group")["rate"]
    assert by_level["structural"] > by_level["financial"]


def test_nps_group_boundaries():
    g = nps_group(pd.Series([0, 6, 7, 8, 9, 10, np.nan]))
    assert g.tolist()[:6] == ["detractor", "detractor", "passive", "passive", "promoter", "promoter"]
    assert pd.isna(g.iloc[6])


def test_missing_table_is_a_data_error():
    customers, _ = tiny()
    with pytest.raises(DataError, match="survey"):
        referral_rate_by(customers, pd.DataFrame({"referrer_id": []}), survey=None)
