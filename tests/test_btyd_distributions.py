"""Count distributions, conditional count distributions and DERT of the BTYD models, against BTYD's
published values, their definitions as integrals or sums, and each other."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings, strategies as st
from scipy import integrate, special

from relmkt_utils import btyd
from relmkt_utils.btyd.distributions import continuous_rate, pnbd_pmf
from relmkt_utils.core.errors import ParameterError

DATA = Path(__file__).resolve().parents[1] / "data"
BG_PAPER = [0.243, 4.414, 0.793, 2.426]        # FHL 2005, rounded as printed
X = np.array([0.0, 2.0, 7.0, 1.0, 0.0])        # a few CDNOW-like customers (weeks)
TX = np.array([0.0, 30.43, 35.0, 5.0, 0.0])
T = np.array([38.86, 38.86, 38.86, 20.0, 5.0])


@pytest.fixture(scope="module")
def cdnow_cal():
    return pd.read_csv(DATA / "cdnow_sample" / "calibration_summary.csv", dtype={"customer_id": str}).set_index("customer_id")


@pytest.fixture(scope="module")
def fits(cdnow_cal):
    args = (cdnow_cal.frequency, cdnow_cal.recency, cdnow_cal["T"])
    return {"BG/NBD": btyd.BetaGeo(*args, time_unit="week").fit(), "Pareto/NBD": btyd.ParetoNBD(*args, time_unit="week").fit(),
            "MBG/NBD": btyd.ModifiedBetaGeo(*args, time_unit="week").fit()}


def _at(cls, params):
    return cls([1.0], [1.0], [2.0]).results_at(params)


def test_bgnbd_pmf_matches_btyd():
    """BTYD's ``bgnbd.pmf(params, t, x)`` at the paper's rounded estimates."""
    res = _at(btyd.BetaGeo, BG_PAPER)
    assert res.pmf(39, 0) == pytest.approx(0.5737864, rel=1e-6)
    assert res.pmf(2, 10) == pytest.approx(1.07869e-07, rel=1e-5)   # 6 digits printed
    assert res.pmf(2, 10) == pytest.approx(1.0786896e-07, rel=1e-6)


@pytest.mark.parametrize("name", ["BG/NBD", "Pareto/NBD", "MBG/NBD"])
def test_pmf_sums_to_one_and_its_mean_is_the_expected_purchases(fits, name):
    res = fits[name]
    n = np.arange(800 if name == "Pareto/NBD" else 3000)   # the tails beyond hold less than 1e-11
    for t in (1.0, 39.0, 200.0):
        p = res.pmf(t, n)
        assert np.all(p >= 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-10)
        assert (n * p).sum() == pytest.approx(res.expected_purchases_new_customer(t), rel=1e-8)
    assert res.pmf(39.0, -1) == 0.0 and res.pmf(0.0, 0) == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["BG/NBD", "Pareto/NBD", "MBG/NBD"]), st.floats(0.1, 3), st.floats(2, 20),
       st.floats(0.2, 3), st.floats(0.5, 20), st.floats(0.5, 50))
@example("Pareto/NBD", 1.0, 6.0, 1.0, 0.5, 1.0)   # CI found it: scipy's 2F1 gave inf, and B1 - B2 cancelled in the tail
def test_pmf_is_a_distribution_with_the_right_mean_for_any_parameters(name, p1, p2, p3, p4, t):
    cls = {"BG/NBD": btyd.BetaGeo, "Pareto/NBD": btyd.ParetoNBD, "MBG/NBD": btyd.ModifiedBetaGeo}[name]
    if name != "Pareto/NBD" and abs(p3 - 1) < 0.05:
        p3 += 0.1   # E[X(t)] has a removable singularity at a = 1, checked elsewhere
    res = _at(cls, [p1, p2, p3, p4])
    n = np.arange(1200)   # t/(alpha+t) <= 50/52: the tail beyond holds less than 1e-13
    p = res.pmf(t, n)
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-8)
    assert (n * p).sum() == pytest.approx(res.expected_purchases_new_customer(t), rel=1e-6, abs=1e-10)


def test_pareto_pmf_is_the_integral_over_the_dropout_time(fits):
    """P(X(t)=n) = NB(n) P(alive at t) + int_0^t NB(n; tau) f(tau) dtau, by quadrature."""
    for params in (fits["Pareto/NBD"].params.to_numpy(), np.array([0.8, 3.0, 1.5, 40.0])):
        r, al, s, be = params
        for t, n in [(39.0, 0), (39.0, 3), (10.0, 5), (100.0, 20)]:
            nb = lambda tau: np.exp(special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)  # noqa: E731
                                    + r * np.log(al / (al + tau)) + special.xlogy(n, tau / (al + tau)))
            dead = integrate.quad(lambda tau: nb(tau) * s * be**s / (be + tau) ** (s + 1), 0, t, epsabs=0, epsrel=1e-12)[0]
            assert pnbd_pmf(t, n, *params) == pytest.approx(nb(t) * (be / (be + t)) ** s + dead, rel=1e-9)



@pytest.mark.parametrize("params, t, n", [((1.0, 6.0, 1.0, 0.5), 1.0, 30), ((1.0, 6.0, 1.0, 0.5), 1.0, 100),
                                          ((0.8, 3.0, 1.5, 40.0), 30.0, 150), ((2.0, 2.0, 0.5, 20.0), 50.0, 400)])
def test_pareto_pmf_far_in_the_tail_is_the_integral_too(params, t, n):
    """Where B1 and B2 agree to every digit (1e-86 beside 1e-5), the tail sum still gives the
    probability to 1e-9: the old difference printed noise (1e-20) or inf there."""
    r, al, s, be = params
    nb = lambda tau: np.exp(special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)  # noqa: E731
                            + r * np.log(al / (al + tau)) + special.xlogy(n, tau / (al + tau)))
    dead = integrate.quad(lambda tau: nb(tau) * s * be**s / (be + tau) ** (s + 1), 0, t, epsabs=0, epsrel=1e-12,
                          limit=200)[0]
    assert pnbd_pmf(t, n, *params) == pytest.approx(nb(t) * (be / (be + t)) ** s + dead, rel=1e-9)


@pytest.mark.parametrize("name", ["BG/NBD", "Pareto/NBD", "MBG/NBD"])
def test_conditional_pmf_sums_to_one_and_its_mean_is_the_conditional_expectation(fits, name):
    res = fits[name]
    k = np.arange(400)
    cond = np.array([res.conditional_pmf(39, kk, X, TX, T) for kk in k])
    np.testing.assert_allclose(cond.sum(axis=0), 1.0, atol=1e-10)
    np.testing.assert_allclose((k[:, None] * cond).sum(axis=0), res.expected_purchases(39, X, TX, T), rtol=1e-8)
    # nobody who might be gone is sure to buy: P(0) is at least P(dead)
    assert np.all(cond[0] >= 1 - res.p_alive(X, TX, T) - 1e-12)


def test_bgnbd_conditional_pmf_matches_simulated_holdout_counts():
    """BG/NBD customers simulated over 39 + 39 weeks: for any group chosen by the calibration data, the
    holdout counts follow the mean of the group's conditional pmfs."""
    r, al, a, b = params = [0.5, 4.0, 0.8, 2.5]
    rng = np.random.default_rng(12)
    n = 100_000
    lam, p = rng.gamma(r, 1 / al, n), rng.beta(a, b, n)
    n_cal = rng.poisson(39 * lam)
    n_all = n_cal + rng.poisson(39 * lam)
    J = rng.geometric(p)                        # dies right after the J-th repeat purchase
    x = np.minimum(n_cal, J)
    y = np.minimum(n_all, J) - x
    tx = np.zeros(n)
    pos = x > 0
    tx[pos] = 39 * rng.beta(x[pos], n_cal[pos] - x[pos] + 1)
    res = _at(btyd.BetaGeo, params)
    for group in (x == 0, (x >= 2) & (x <= 4), (x >= 1) & (tx < 20)):
        k = np.arange(6)
        model = np.array([res.conditional_pmf(39, kk, x[group], tx[group], np.full(group.sum(), 39.0)).mean() for kk in k])
        actual = np.bincount(np.minimum(y[group], 6), minlength=7)[:6] / group.sum()
        np.testing.assert_allclose(actual, model, atol=4 / np.sqrt(group.sum()))


def test_dert_pareto_closed_form_matches_the_discounted_integral(fits):
    res = fits["Pareto/NBD"]
    d = continuous_rate(0.15, "week")
    got = res.dert(0.15, "week", X, TX, T)
    for i in (0, 2, 4):
        ey = lambda t: res.expected_purchases(t, X[i:i + 1], TX[i:i + 1], T[i:i + 1])[0]  # noqa: E731
        want = d * integrate.quad(lambda t: np.exp(-d * t) * ey(t), 0, np.inf, limit=400, epsrel=1e-11)[0]
        assert got[i] == pytest.approx(want, rel=1e-7)


def test_dert_bgnbd_matches_the_double_integral_over_the_posterior(fits):
    """DERT = P(alive) E[lambda / (delta + p lambda)] with lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x)."""
    res = fits["BG/NBD"]
    r, al, a, b = res.params
    d = continuous_rate(0.15, "week")
    got = res.dert(0.15, "week", X, TX, T)
    pa = res.p_alive(X, TX, T)
    for i in (1, 2, 3):
        k, rho, bb = r + X[i], al + T[i], b + X[i]

        def given_lambda(lam):
            dens = lambda p: np.exp((a - 1) * np.log(p) + (bb - 1) * np.log1p(-p) - special.betaln(a, bb))  # noqa: E731
            return integrate.quad(lambda p: lam / (d + p * lam) * dens(p), 0, 1, limit=200,
                                  points=[d / lam] if d / lam < 1 else None)[0]

        gam = lambda lam: np.exp(k * np.log(rho) + (k - 1) * np.log(lam) - rho * lam - special.gammaln(k))  # noqa: E731
        want = pa[i] * integrate.quad(lambda lam: given_lambda(lam) * gam(lam), 0, np.inf, limit=200)[0]
        assert got[i] == pytest.approx(want, rel=1e-7)


def test_dert_mbgnbd_matches_the_discounted_integral(fits):
    res = fits["MBG/NBD"]
    d = continuous_rate(0.10, "week")
    got = res.dert(0.10, "week", X, TX, T)
    for i in range(len(X)):
        ey = lambda t: res.expected_purchases(t, X[i:i + 1], TX[i:i + 1], T[i:i + 1])[0]  # noqa: E731
        want = d * integrate.quad(lambda t: np.exp(-d * t) * ey(t), 0, np.inf, limit=400, epsrel=1e-11)[0]
        assert got[i] == pytest.approx(want, rel=1e-7)


def test_dert_follows_the_time_unit_and_the_rate(fits):
    res = fits["BG/NBD"]
    weekly = res.dert(0.10, "week", X, TX, T)
    # the same customers in days: rates per day, DERT unchanged
    daily = btyd.BetaGeo([1.0], [1.0], [2.0]).results_at(res.params.to_numpy() * [1, 7, 1, 1])
    np.testing.assert_allclose(daily.dert(0.10, "day", X, TX * 7, T * 7), weekly, rtol=1e-6)
    assert np.all(res.dert(0.20, "week", X, TX, T) < weekly)
    assert len(res.dert()) == len(res.model.frequency)
    with pytest.raises(ParameterError):
        res.dert(0.0)
    with pytest.raises(ParameterError):
        res.dert(-0.5)
