"""Mixed logit (relmkt_utils.value.mixed_logit): the published Electricity exercise, the likelihood
against hand computations and the conditional logit, parameter recovery, WTP, individual-level
coefficients and simulated shares."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special

from relmkt_utils import value
from relmkt_utils.core.errors import ParameterError
from relmkt_utils.core.optimize import numerical_gradient, numerical_hessian
from relmkt_utils.data import datasets
from relmkt_utils.value.mixed_logit import MixedLogit, halton, halton_normal, published_electricity, simulate_mixed_logit

#: the variable order of mlogit's exercise (pf first): the k-th random coefficient gets the k-th prime
MLOGIT_ORDER = ["price", "cl", "loc", "wk", "tod", "seas"]


@pytest.fixture(scope="module")
def electricity():
    return datasets.load("electricity").choices


@pytest.fixture(scope="module")
def mlogit_fit(electricity):
    # mlogit's draws: plain Halton (no shift), 100 points dropped, 100 per respondent, pf on prime 2
    return MixedLogit(electricity, attributes=MLOGIT_ORDER, n_draws=100, seed=None, skip=100).fit()


def _small(seed=3, n=60, tasks=4, sds=None):
    return simulate_mixed_logit({"x1": 1.0, "x2": -0.5, "price": -0.4}, sds or {"x1": 0.8, "x2": 0.5, "price": 0.2},
                                n_respondents=n, n_tasks=tasks, seed=seed)


# ---------------------------------------------------------------------------- draws

def _radical_inverse_draws(n_points, dims, seed, skip):
    """The hand-written Halton draws the suite used before scipy.stats.qmc (main at 4425ee0): radical
    inverses of the indices skip..skip+n-1 in the first primes, shifted by a seeded uniform modulo 1."""
    primes = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97)
    idx = np.arange(skip, skip + n_points, dtype=np.int64)
    out = np.empty((n_points, dims))
    for d in range(dims):
        base, value, factor, i = primes[d], np.zeros(n_points), 1.0 / primes[d], idx.copy()
        while np.any(i > 0):
            value += (i % base) * factor
            i //= base
            factor /= base
        out[:, d] = value
    if seed is not None:
        out = (out + np.random.default_rng(seed).uniform(size=dims)) % 1.0
    return np.clip(out, 1e-12, 1 - 1e-12)


@pytest.mark.parametrize("n, dims, seed, skip", [(3000, 6, 0, 10), (1000, 6, None, 100), (500, 25, 7, 10), (37, 3, 3, 0)])
def test_halton_draws_from_scipy_qmc_are_the_same_numbers_as_the_hand_written_ones(n, dims, seed, skip):
    assert np.array_equal(halton(n, dims, seed=seed, skip=skip), _radical_inverse_draws(n, dims, seed, skip))


def test_halton_is_the_radical_inverse_sequence_and_the_shift_is_seeded():
    plain = halton(4, 2, seed=None, skip=1)
    np.testing.assert_allclose(plain[:, 0], [1 / 2, 1 / 4, 3 / 4, 1 / 8])        # base 2: 1, 2, 3, 4
    np.testing.assert_allclose(plain[:, 1], [1 / 3, 2 / 3, 1 / 9, 4 / 9])        # base 3
    a, b, c = halton(500, 3, seed=1), halton(500, 3, seed=1), halton(500, 3, seed=2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert ((a > 0) & (a < 1)).all()
    # a shift modulo 1 keeps the low discrepancy: the points fill (0, 1) evenly in every dimension
    counts = np.stack([np.histogram(a[:, d], bins=10, range=(0, 1))[0] for d in range(3)])
    assert counts.min() >= 45 and counts.max() <= 55
    z = halton_normal(36_100, 6, seed=0)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01


# ---------------------------------------------------------------------------- the published exercise

def test_reproduces_train_and_croissant_exercise_3_on_electricity(mlogit_fit, electricity):
    """mlogit exercise 3: all six coefficients normal, 100 Halton draws, panel (Train & Croissant 2020)."""
    pub = published_electricity()
    res = mlogit_fit
    assert res.converged and res.warnings == []
    assert list(res.params.index) == [f"mean:{v}" for v in MLOGIT_ORDER] + [f"sd:{v}" for v in MLOGIT_ORDER]
    rel_mean = (res.means / pub["mean"] - 1).abs()
    rel_sd = (res.sds / pub["sd"] - 1).abs()
    assert (rel_mean < 0.05).all(), rel_mean
    assert (rel_sd < 0.20).all(), rel_sd
    # with mlogit's draws the published point is the maximum this fit reaches (to 0.3%)
    assert (rel_mean < 0.003).all() and (rel_sd < 0.003).all()
    model = res.model
    published_point = np.r_[pub["mean"].reindex(MLOGIT_ORDER).to_numpy(), pub["sd"].reindex(MLOGIT_ORDER).to_numpy()]
    assert model.loglike(published_point) == pytest.approx(res.llf, abs=0.01)
    assert res.llf == pytest.approx(-3952.49, abs=0.01)
    assert res.nobs == 4308 and model.panel.respondents.size == 361


@pytest.mark.slow
def test_the_simulated_likelihood_with_100_draws_has_a_second_maximum(electricity):
    """From small starting standard deviations the same draws lead to a higher maximum with sd(seas) = 0:
    an artefact of 100 plain Halton draws (documented in the notes), not a better model."""
    m = MixedLogit(electricity, attributes=MLOGIT_ORDER, n_draws=100, seed=None, skip=100)
    start = m.start_params()
    start[6:] = 0.1
    with pytest.warns(Warning):
        res = m.fit(start_params=start)
    assert res.llf > -3947 and res.sds["seas"] < 1e-3


def test_conditional_logit_equals_an_independent_fit_on_electricity(electricity):
    sm = value.fit_conditional_logit(electricity)                      # statsmodels ConditionalLogit
    data = electricity.sort_values(["respondent_id", "task"], kind="stable")
    X = data[list(sm.params.index)].astype(float).to_numpy()
    groups = data.groupby(["respondent_id", "task"], sort=False).ngroup().to_numpy()
    b, cov, llf = value.fit_clogit_arrays(X, data["chosen"].to_numpy(float), groups)
    np.testing.assert_allclose(sm.params.to_numpy(), b, rtol=1e-5)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), sm.bse.to_numpy(), rtol=1e-4)
    assert sm.llf == pytest.approx(llf, abs=1e-6)
    # the mixed logit with every standard deviation 0 is this conditional logit
    m = MixedLogit(electricity, n_draws=5, seed=0)
    means = sm.params[m.variables].to_numpy()
    assert m.loglike(np.r_[means, np.zeros(len(m.random))]) == pytest.approx(llf, abs=1e-6)


# ---------------------------------------------------------------------------- the likelihood

def test_gradient_and_hessian_are_the_derivatives_of_the_simulated_likelihood():
    data = _small()
    # unbalanced: one task with two alternatives instead of three, one respondent with a task fewer
    first_task = (data["respondent_id"] == "R0000") & (data["task"] == "1")
    data = data.drop(index=data.index[first_task & (data["chosen"] == 0)][0])
    data = data[~((data["respondent_id"] == "R0001") & (data["task"] == "2"))]
    m = MixedLogit(data, fixed=("x2",), n_draws=20, seed=4)
    assert m.panel.log_avail is not None and m.panel.n_tasks == 60 * 4 - 1
    assert m.param_names == ["mean:x1", "mean:x2", "mean:price", "sd:x1", "sd:price"]
    x = np.array([0.8, -0.3, -0.5, 0.6, 0.25])
    np.testing.assert_allclose(m.score(x), numerical_gradient(m.loglike, x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.hessian(x), numerical_hessian(m.score, x), rtol=1e-4, atol=1e-4)


def test_one_respondent_by_hand_uses_the_same_draws_for_all_her_tasks():
    choices = pd.DataFrame({
        "respondent_id": ["a"] * 5, "task": ["1", "1", "1", "2", "2"], "alternative": ["1", "2", "3", "1", "2"],
        "chosen": [1, 0, 0, 0, 1], "x": [1.0, 0.0, 1.0, 2.0, 0.0], "price": [3.0, 1.0, 5.0, 2.0, 4.0],
    })
    m = MixedLogit(choices, n_draws=7, seed=5)
    b, s = np.array([0.5, -0.3]), np.array([0.9, 0.2])
    beta = b + s * m.draws[0]                                          # (R, 2): one draw per r, both tasks
    v1 = np.array([[1.0, 3.0], [0.0, 1.0], [1.0, 5.0]]) @ beta.T       # task 1 (three alternatives) x draws
    v2 = np.array([[2.0, 2.0], [0.0, 4.0]]) @ beta.T
    p = np.exp(v1[0] - special.logsumexp(v1, axis=0)) * np.exp(v2[1] - special.logsumexp(v2, axis=0))
    assert m.loglike(np.r_[b, s]) == pytest.approx(np.log(p.mean()), rel=1e-12)
    # a panel is not a cross-section: the same choices as two respondents give another likelihood
    cross = choices.assign(respondent_id=["a", "a", "a", "b", "b"])
    assert MixedLogit(cross, n_draws=7, seed=5).loglike(np.r_[b, s]) != pytest.approx(np.log(p.mean()), rel=1e-6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(means=st.lists(st.floats(-2, 2), min_size=3, max_size=3), order_seed=st.integers(0, 10_000))
def test_without_heterogeneity_it_is_the_conditional_logit_in_any_row_order(means, order_seed):
    data = _small(n=25, tasks=3)
    m = MixedLogit(data, n_draws=10, seed=0)
    theta = np.r_[means, np.zeros(3)]
    v = data[m.variables].to_numpy(float) @ np.asarray(means)
    groups = data.groupby(["respondent_id", "task"], sort=False).ngroup().to_numpy()
    lse = pd.Series(v).groupby(groups).transform(lambda x: special.logsumexp(x)).to_numpy()
    assert m.loglike(theta) == pytest.approx(float(((v - lse) * data["chosen"]).sum()), abs=1e-8)
    shuffled = data.sample(frac=1.0, random_state=order_seed)
    theta = np.r_[means, [0.5, 0.3, 0.1]]
    assert MixedLogit(shuffled, n_draws=10, seed=0).loglike(theta) == pytest.approx(m.loglike(theta), abs=1e-9)


def test_same_seed_same_estimates_and_bad_arguments_are_clear():
    data = _small(n=150, tasks=6, sds={"x1": 0.8, "x2": 0.5, "price": 0.4})
    a = MixedLogit(data, n_draws=20, seed=1).fit()
    assert a.warnings == []
    b = MixedLogit(data, n_draws=20, seed=1).fit()
    pd.testing.assert_series_equal(a.params, b.params)
    with pytest.raises(ParameterError, match="fixed"):
        MixedLogit(data, fixed=("nope",))
    with pytest.raises(ParameterError, match="n_draws"):
        MixedLogit(data, n_draws=0)
    with pytest.raises(ParameterError, match="start_params"):
        MixedLogit(data, n_draws=5).fit(start_params=[0.0, 1.0])


# ---------------------------------------------------------------------------- recovery

TRUE_MEANS = {"x1": 1.0, "x2": -0.5, "price": -0.4}
TRUE_SDS = {"x1": 0.8, "x2": 0.5, "price": 0.2}


def _recovery(n, tasks, draws, seed):
    data = simulate_mixed_logit(TRUE_MEANS, TRUE_SDS, n_respondents=n, n_tasks=tasks, seed=seed)
    res = MixedLogit(data, n_draws=draws, seed=seed + 100).fit()
    truth = {**{f"mean:{k}": v for k, v in TRUE_MEANS.items()}, **{f"sd:{k}": v for k, v in TRUE_SDS.items()}}
    return res, pd.Series(truth)[res.params.index]


def test_recovers_known_means_and_standard_deviations():
    res, truth = _recovery(n=400, tasks=10, draws=100, seed=11)
    assert res.converged and res.warnings == []
    z = (res.params - truth) / res.bse
    assert (z.abs() < 3.5).all(), z


@pytest.mark.slow
def test_recovers_known_parameters_in_a_large_sample_and_intervals_cover():
    covered, estimates = [], []
    for seed in range(8):
        res, truth = _recovery(n=1000, tasks=12, draws=150, seed=seed)
        ci = res.conf_int()
        covered.append(((ci["lower"] <= truth) & (truth <= ci["upper"])).to_numpy())
        estimates.append(res.params)
    # on average over the fits every parameter is within 5% of the truth (one sample alone can be 3 se off:
    # seed 0 draws respondents whose mean x1 coefficient is 0.92)
    assert ((pd.DataFrame(estimates).mean() / truth - 1).abs() < 0.05).all()
    # 8 fits x 6 parameters at 95%: simulation bias with 150 draws may cost a little coverage
    assert np.mean(covered) >= 0.85


# ---------------------------------------------------------------------------- WTP, individuals, shares

def test_wtp_at_the_means_with_delta_and_krinsky_robb_intervals(mlogit_fit):
    res = mlogit_fit
    delta = res.wtp().set_index("attribute")
    kr = res.wtp(method="krinsky-robb", n_draws=4000, seed=2).set_index("attribute")
    assert list(delta.index) == ["cl", "loc", "wk", "tod", "seas"]
    expected = -res.means.drop("price") / res.means["price"]
    np.testing.assert_allclose(delta["wtp"], expected[delta.index], rtol=1e-12)
    np.testing.assert_allclose(kr["wtp"], expected[kr.index], rtol=1e-12)
    # TOD and seasonal rates are worth about a fixed price of 9.3 cents/kWh (-b_tod / b_pf = -9.30)
    assert delta.loc["tod", "wtp"] == pytest.approx(-9.30, abs=0.02)
    # both intervals contain the estimate and agree to within 15% of their width
    for tab in (delta, kr):
        assert ((tab["lower"] < tab["wtp"]) & (tab["wtp"] < tab["upper"])).all()
    width = delta["upper"] - delta["lower"]
    assert ((kr["upper"] - kr["lower"]) / width - 1).abs().max() < 0.15
    pd.testing.assert_frame_equal(kr, res.wtp(method="krinsky-robb", n_draws=4000, seed=2).set_index("attribute"))
    est = res.wtp_estimates(method="krinsky-robb", n_draws=500, seed=1)
    assert est["loc"].method == "krinsky-robb" and est["loc"].covers(est["loc"].value)
    with pytest.raises(ValueError):
        res.wtp(method="bootstrap")


def test_individual_coefficients_average_to_the_population_means(mlogit_fit):
    res = mlogit_fit
    ind = res.individual_coefficients()
    assert ind.shape == (361, 6) and list(ind.columns) == MLOGIT_ORDER
    assert ind.index[0] == "001"
    # at the maximum the conditional means average to about the population means (Train 2009, sec. 11.5)
    assert ((ind.mean() / res.means - 1).abs() < 0.05).all()
    # and spread less than the population (they shrink toward the mean)
    assert (ind.std() < res.sds).all()
    dist = res.wtp_distribution()
    assert list(dist.columns) == ["cl", "loc", "wk", "tod", "seas"] and dist.notna().all().all()
    assert dist["loc"].median() == pytest.approx(-res.means["loc"] / res.means["price"], rel=0.15)
    # with no heterogeneity every respondent has the population coefficients
    flat = res.params.copy()
    flat[[f"sd:{v}" for v in MLOGIT_ORDER]] = 0.0
    np.testing.assert_allclose(res.individual_coefficients(params=flat).to_numpy(),
                               np.tile(res.means.to_numpy(), (361, 1)), atol=1e-12)


def test_simulated_shares_and_a_change_of_one_offer(mlogit_fit):
    res = mlogit_fit
    offers = pd.DataFrame({"price": [7.0, 9.0, 0.0, 0.0], "cl": [1, 5, 0, 1], "loc": [0, 1, 0, 0],
                           "wk": [1, 0, 0, 1], "tod": [0, 0, 1, 0], "seas": [0, 0, 0, 1]}, index=list("ABCD"))
    shares = res.predict_shares(offers, n_draws=3000, seed=1)
    assert shares["share"].sum() == pytest.approx(1.0) and (shares["share"] > 0).all()
    pd.testing.assert_frame_equal(shares, res.predict_shares(offers, n_draws=3000, seed=1))
    # without heterogeneity the simulated shares are the logit shares at the means
    flat = res.params.copy()
    flat[[f"sd:{v}" for v in MLOGIT_ORDER]] = 0.0
    logit = value.predict_shares(res.means, offers[MLOGIT_ORDER])["share"]
    np.testing.assert_allclose(res.predict_shares(offers, params=flat)["share"], logit, rtol=1e-12)
    sim = res.simulate_offer(offers, "A", {"price": 6.0}, n_draws=3000, seed=1)
    assert sim.loc["A", "share_change"] > 0 and (sim.drop(index="A")["share_change"] < 0).all()
    assert sim["share_change"].sum() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="index label"):
        res.simulate_offer(offers, "Z", {"price": 6.0})


def test_summary_names_the_draws(mlogit_fit):
    text = str(mlogit_fit.summary())
    assert "maximum simulated likelihood" in text and "100 per respondent, unshifted" in text
    assert "sd:seas" in text
