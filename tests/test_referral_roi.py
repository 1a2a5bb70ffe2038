"""ROI, break-even reward and tornado by hand; monotonicity properties; bootstrap coverage (slow)."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from relmkt_utils.referral import (acquisition_outcomes, break_even_reward, program_pnl, relative_ranges, roi,
                                   roi_bootstrap, roi_tornado, simulate_referral_program, true_roi)

BASE = dict(incremental_customers=100.0, clv=200.0, rewarded_conversions=300.0, reward_per_conversion=25.0,
            fixed_cost=2000.0)


def test_roi_and_break_even_hand_calculation():
    # cost = 300 x 25 + 2000 = 9500; value = 100 x 200 = 20000; ROI = (20000 - 9500) / 9500
    assert roi(**BASE) == pytest.approx(10500 / 9500)
    assert roi(**BASE) == pytest.approx(1.105263, abs=1e-6)
    # r* = (I V - F) / C = (20000 - 2000) / 300 = 60
    assert break_even_reward(100, 200, 300, 2000) == pytest.approx(60.0)
    assert roi(**{**BASE, "reward_per_conversion": 60.0}) == pytest.approx(0.0, abs=1e-12)


def test_program_pnl_lines_add_up():
    t = program_pnl(100, 200, 300, reward_referrer=15, reward_referee=10, fixed_cost=2000).set_index("line")["amount"]
    assert t["rewards to referrers"] == 4500 and t["rewards to referees"] == 3000
    assert t["total cost"] == 9500 and t["incremental value"] == 20000 and t["net value"] == 10500
    assert t["ROI"] == pytest.approx(10500 / 9500)
    assert t["break-even reward per conversion"] == pytest.approx(60.0)


positive = st.floats(min_value=1.0, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(I=positive, V=positive, C=positive, F=st.floats(min_value=0.0, max_value=1e4), r=st.floats(0.01, 1e3),
       dr=st.floats(0.01, 1e3))
def test_roi_decreases_in_reward(I, V, C, F, r, dr):
    assert roi(I, V, C, r + dr, F) < roi(I, V, C, r, F)


@settings(max_examples=200, deadline=None)
@given(I=positive, V=positive, C=positive, F=st.floats(min_value=0.0, max_value=1e4), dr=st.floats(0.01, 1e3))
def test_roi_zero_at_break_even_and_negative_past_it(I, V, C, F, dr):
    r_star = break_even_reward(I, V, C, F)
    if r_star <= 0:  # fixed costs alone exceed the value: no reward breaks even
        assert I * V <= F
        return
    assert roi(I, V, C, r_star, F) == pytest.approx(0.0, abs=1e-9)
    assert roi(I, V, C, r_star + dr, F) < 0


def test_tornado_hand_values_and_order():
    ranges = {"clv": (100.0, 300.0), "fixed_cost": (1000.0, 3000.0), "reward_per_conversion": (15.0, 35.0)}
    t = roi_tornado(BASE, ranges).set_index("parameter")
    # clv: ROI(100) = (10000 - 9500)/9500, ROI(300) = (30000 - 9500)/9500
    assert t.loc["clv", "roi_low"] == pytest.approx(500 / 9500)
    assert t.loc["clv", "roi_high"] == pytest.approx(20500 / 9500)
    # reward 15: cost 6500 -> 13500/6500; reward 35: cost 12500 -> 7500/12500
    assert t.loc["reward_per_conversion", "roi_low"] == pytest.approx(13500 / 6500)
    assert t.loc["reward_per_conversion", "roi_high"] == pytest.approx(7500 / 12500)
    assert list(t.index) == ["clv", "reward_per_conversion", "fixed_cost"]  # by swing
    assert t["base_roi"].tolist() == pytest.approx([10500 / 9500] * 3)
    assert relative_ranges({"clv": 200.0}, 0.5) == {"clv": (100.0, 300.0)}
    with pytest.raises(ValueError):
        roi_tornado(BASE, {"nonsense": (0, 1)})


def test_roi_bootstrap_point_matches_hand_formula():
    # program: 4 customers with 2, 1, 0, 1 new customers (rewards 25 each); holdout: 4 with 1, 0, 0, 0
    out = pd.DataFrame({"program": [1] * 4 + [0] * 4, "new_customers": [2, 1, 0, 1, 1, 0, 0, 0]})
    out["rewards"] = 25.0 * out["new_customers"] * out["program"]
    res = roi_bootstrap(out, clv=200.0, fixed_cost=50.0, n_boot=50, seed=3)
    # I = (4/4 - 1/4) x 4 = 3; C = 4; cost = 4 x 25 + 50 = 150; ROI = (600 - 150)/150 = 3
    assert res.incremental_customers == pytest.approx(3.0)
    assert res.roi.value == pytest.approx(3.0)
    assert res.break_even_reward.value == pytest.approx((600 - 50) / 4)
    again = roi_bootstrap(out, clv=200.0, fixed_cost=50.0, n_boot=50, seed=3)
    assert np.array_equal(res.draws, again.draws)  # seeded: same numbers


def test_roi_bootstrap_covers_truth_on_one_program():
    sim = simulate_referral_program(n_customers=4000, seed=7, with_transactions=False)
    out = acquisition_outcomes(sim.customers, sim.referrals, eligible_before=sim.program_start)
    clv = sim.truth["clv_referred"]
    res = roi_bootstrap(out, clv=clv, fixed_cost=2000.0, n_boot=200, seed=0)
    truth = true_roi(sim.truth, clv, sim.truth["reward_per_conversion"], 2000.0, sim.truth["n_program"])
    assert res.roi.covers(truth), (res.roi, truth)


def roi_coverage(n_sims=100, n_boot=200, n_customers=4000, fixed_cost=2000.0):
    hits, rows = 0, []
    for k in range(n_sims):
        sim = simulate_referral_program(n_customers=n_customers, seed=1000 + k, with_transactions=False)
        out = acquisition_outcomes(sim.customers, sim.referrals, eligible_before=sim.program_start)
        clv = sim.truth["clv_referred"]
        res = roi_bootstrap(out, clv=clv, fixed_cost=fixed_cost, n_boot=n_boot, seed=k)
        truth = true_roi(sim.truth, clv, sim.truth["reward_per_conversion"], fixed_cost, sim.truth["n_program"])
        hits += res.roi.covers(truth)
        rows.append((res.roi.value, res.roi.lower, res.roi.upper, truth))
    return hits, np.array(rows)


@pytest.mark.slow
def test_roi_bootstrap_coverage_100_programs():
    hits, rows = roi_coverage()
    print(f"ROI bootstrap coverage: {hits}/100; true ROI {rows[0, 3]:.3f}; mean width {np.mean(rows[:, 2] - rows[:, 1]):.3f}")
    assert 90 <= hits <= 99
