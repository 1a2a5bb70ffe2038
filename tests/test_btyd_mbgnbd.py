"""MBG/NBD (Batislam, Denizel & Filiztekin 2007): the CDNOW fit of BTYDplus, the analytic derivatives,
the predictions against their closed forms and a simulation, parameter recovery."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from relmkt_utils import btyd
from relmkt_utils.core.optimize import numerical_gradient

DATA = Path(__file__).resolve().parents[1] / "data"
#: BTYDplus ``mbgcnbd.EstimateParameters(k = 1)`` on the CDNOW 39-week calibration summary
BTYDPLUS_CDNOW = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}


@pytest.fixture(scope="module")
def cdnow_cal():
    return pd.read_csv(DATA / "cdnow_sample" / "calibration_summary.csv", dtype={"customer_id": str}).set_index("customer_id")


@pytest.fixture(scope="module")
def mbg(cdnow_cal):
    return btyd.ModifiedBetaGeo(cdnow_cal.frequency, cdnow_cal.recency, cdnow_cal["T"]).fit()


def test_cdnow_fit_matches_btydplus(mbg):
    assert mbg.converged and mbg.warnings == []
    assert mbg.params.round(3).to_dict() == BTYDPLUS_CDNOW
    assert mbg.llf == pytest.approx(-9582.13, abs=0.01)
    assert "MBG/NBD" in str(mbg.summary())


def test_loglikelihood_is_the_two_term_mixture(mbg):
    """The likelihood of the module docstring written with scipy's gamma and beta functions."""
    r, al, a, b = 0.5, 6.0, 0.9, 1.6
    x, tx, T = np.array([0.0, 3.0]), np.array([0.0, 20.0]), np.array([30.0, 35.0])
    B = special.beta
    common = special.gamma(r + x) * al**r / special.gamma(r)
    L = common * (B(a, b + x + 1) / B(a, b) / (al + T) ** (r + x) + B(a + 1, b + x) / B(a, b) / (al + tx) ** (r + x))
    np.testing.assert_allclose(btyd.ModifiedBetaGeo(x, tx, T).loglike_obs([r, al, a, b]), np.log(L), rtol=1e-12)


def test_gradient_and_hessian_are_the_derivatives(mbg):
    m = mbg.model
    d = m._grouped()
    theta = mbg.params.to_numpy() * np.array([1.2, 0.8, 1.3, 0.7])
    f, g, H = m._objective_on(d, theta, 2)
    assert f == pytest.approx(-m.loglike(theta), rel=1e-12)
    np.testing.assert_allclose(g, numerical_gradient(lambda z: m._objective_on(d, z, 0), theta), rtol=1e-6, atol=1e-6)
    num_h = np.array([numerical_gradient(lambda z: m._objective_on(d, z, 1)[1][j], theta) for j in range(4)])
    np.testing.assert_allclose(H, num_h, rtol=1e-5, atol=1e-4)


def test_p_alive_of_one_time_buyers_is_below_one(mbg, cdnow_cal):
    r, al, a, b = mbg.params
    pa = mbg.p_alive()
    zero = cdnow_cal.frequency == 0
    want = 1 / (1 + a / b * ((al + cdnow_cal["T"][zero]) / al) ** r)
    np.testing.assert_allclose(pa[zero], want, rtol=1e-12)
    assert pa[zero].max() < 1
    # the BG/NBD calls every one-time buyer alive; the MBG/NBD does not
    bg = btyd.BetaGeo(cdnow_cal.frequency, cdnow_cal.recency, cdnow_cal["T"]).fit()
    assert (bg.p_alive()[zero] == 1).all()


def test_expectations_match_the_closed_forms(mbg, cdnow_cal):
    r, al, a, b = mbg.params
    t = np.array([1.0, 39.0, 78.0])
    want_new = b / (a - 1) * (1 - (al / (al + t)) ** r * special.hyp2f1(r, b + 1, a + b, t / (al + t)))
    np.testing.assert_allclose(mbg.expected_purchases_new_customer(t), want_new, rtol=1e-10)
    x, tx, T = cdnow_cal.frequency.to_numpy(), cdnow_cal.recency.to_numpy(), cdnow_cal["T"].to_numpy()
    hyp = special.hyp2f1(r + x, b + x + 1, a + b + x, 39 / (al + T + 39))
    num = (a + b + x) / (a - 1) * (1 - hyp * ((al + T) / (al + T + 39)) ** (r + x))
    want = num / (1 + a / (b + x) * ((al + T) / (al + tx)) ** (r + x))
    np.testing.assert_allclose(mbg.expected_purchases(39, x, tx, T), want, rtol=1e-9)


def test_one_time_buyers_who_may_be_gone_lower_the_forecast(mbg, cdnow_cal):
    """Over the 39-week holdout the MBG/NBD expects fewer purchases than the BG/NBD (1,577 vs 1,653 here;
    1,882 happened): it lets one-time buyers be gone, where the BG/NBD keeps them all alive."""
    bg = btyd.BetaGeo(cdnow_cal.frequency, cdnow_cal.recency, cdnow_cal["T"]).fit()
    ours, theirs = float(mbg.expected_purchases(39).sum()), float(bg.expected_purchases(39).sum())
    assert 0.9 * theirs < ours < theirs
    zero = (cdnow_cal.frequency == 0).to_numpy()
    assert (mbg.expected_purchases(39)[zero] < bg.expected_purchases(39)[zero]).all()


def test_parameter_recovery_and_simulated_means():
    truth = np.array([0.5, 6.0, 0.9, 1.6])
    T = np.linspace(30, 80, 30_000)
    sim = btyd.simulate_mbgnbd(30_000, *truth, T=T, seed=4)
    fit = btyd.ModifiedBetaGeo(sim["frequency"], sim["recency"], sim["T"]).fit()
    assert fit.converged
    z = np.abs(np.log(fit.params.to_numpy()) - np.log(truth)) / fit.bse_log.to_numpy()
    assert np.all(z < 3), dict(zip(fit.params.index, z))
    # E[X(T)] of the model at the truth is the simulated mean; the alive share is the mean P(alive)
    assert sim["frequency"].mean() == pytest.approx(fit.expected_purchases_new_customer(T, params=truth).mean(), rel=0.03)
    assert sim["alive"].mean() == pytest.approx(fit.p_alive(params=truth).mean(), abs=0.01)


def test_simulation_is_seeded():
    a = btyd.simulate_mbgnbd(300, 0.5, 6, 0.9, 1.6, seed=2)
    pd.testing.assert_frame_equal(a, btyd.simulate_mbgnbd(300, 0.5, 6, 0.9, 1.6, seed=2))
