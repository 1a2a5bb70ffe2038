"""BG/BB (Fader, Hardie & Shang 2010): the published donations fit from the shipped dataset, the analytic
derivatives, the predictions against their definitions, parameter recovery and input checks."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import special

from relmkt_utils import btyd
from relmkt_utils.btyd.bgbb import _objective
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.optimize import numerical_gradient
from relmkt_utils.data import datasets

#: FHS (2010), the BG/BB estimates on the 1995 donor cohort, 1996-2001 (as printed)
PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
PUBLISHED_LL = -33225.6


@pytest.fixture(scope="module")
def summary():
    return datasets.load("donations").extras["bgbb_summary"]


@pytest.fixture(scope="module")
def res(summary):
    return btyd.BetaGeoBetaBinom(summary["frequency"], summary["recency"], summary["n_periods"],
                                 weights=summary["donors"]).fit()


def test_the_shipped_donations_summary_is_the_papers(summary):
    assert list(summary.columns) == ["frequency", "recency", "n_periods", "donors"]
    assert len(summary) == 22 and summary["donors"].sum() == 11_104
    assert (summary["n_periods"] == 6).all()
    assert summary.loc[(summary.frequency == 0), "donors"].item() == 3464
    assert summary.loc[(summary.frequency == 6), "donors"].item() == 1203


def test_donations_fit_matches_fhs2010(res):
    assert res.converged and res.warnings == []
    assert res.params.round(3).to_dict() == PUBLISHED
    assert round(res.llf, 1) == PUBLISHED_LL
    assert res.nobs == 11_104
    ci = res.conf_int()
    assert (ci["lower"] < res.params).all() and (res.params < ci["upper"]).all()
    assert "BG/BB" in str(res.summary())


def test_weights_give_the_same_fit_as_one_row_per_donor(summary, res):
    rows = summary.loc[summary.index.repeat(summary["donors"])]
    assert len(rows) == 11_104
    each = btyd.BetaGeoBetaBinom(rows["frequency"], rows["recency"], rows["n_periods"]).fit()
    np.testing.assert_allclose(each.params, res.params, rtol=1e-7)
    assert each.llf == pytest.approx(res.llf, rel=1e-12)


def test_gradient_and_hessian_are_the_derivatives_of_the_loglikelihood(res):
    model = res.model
    d = model._grouped()
    theta = res.params.to_numpy() * np.array([1.3, 0.7, 1.2, 0.8])
    f, g, H = _objective(d, theta, 2)
    assert f == pytest.approx(-model.loglike(theta), rel=1e-12)
    np.testing.assert_allclose(g, numerical_gradient(lambda z: _objective(d, z, 0), theta), rtol=1e-6, atol=1e-6)
    num_h = np.array([numerical_gradient(lambda z: _objective(d, z, 1)[1][j], theta) for j in range(4)])
    np.testing.assert_allclose(H, num_h, rtol=1e-5, atol=1e-4)


def test_loglikelihood_is_the_sum_over_the_dropout_times():
    """Eq. 5 written out for one donor (x=2, t_x=3, n=6) with scipy's beta function."""
    a, b, g, d = 1.2, 0.75, 0.66, 2.8
    x, tx, n = 2, 3, 6
    B = special.beta
    L = B(a + x, b + n - x) / B(a, b) * B(g, d + n) / B(g, d)
    L += sum(B(a + x, b + tx - x + i) / B(a, b) * B(g + 1, d + tx + i) / B(g, d) for i in range(n - tx))
    model = btyd.BetaGeoBetaBinom([x], [tx], [n])
    assert model.loglike([a, b, g, d]) == pytest.approx(np.log(L), rel=1e-12)


def test_pmf_of_a_new_donor_sums_to_one_and_has_the_expected_mean(res):
    for n in (1, 6, 11, 30):
        k = np.arange(n + 1)
        p = res.pmf(n, k)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        assert (k * p).sum() == pytest.approx(res.expected_purchases_new_customer(n), rel=1e-10)
    assert res.pmf(6, 7) == 0.0 and res.pmf(6, -1) == 0.0


def test_pmf_matches_the_papers_fit_to_the_repeat_donation_histogram(res, summary):
    """FHS 2010, Figure 2: the model's expected number of donors per frequency 1996-2001 is close to the
    actual counts (the chi-square-type gap is small relative to 11,104 donors)."""
    actual = summary.groupby("frequency")["donors"].sum().reindex(range(7), fill_value=0).to_numpy()
    expected = 11_104 * res.pmf(6, np.arange(7))
    assert np.abs(expected - actual).max() < 0.05 * actual.max()


def test_conditional_expectation_is_the_sum_of_the_alive_probabilities(res):
    al, be, ga, de = res.params
    x, tx, n = np.array([0, 2, 6, 3]), np.array([0, 5, 6, 3]), np.array([6, 6, 6, 6])
    L = np.exp(res.model.__class__(x, tx, n).loglike_obs(res.params))
    # E[X(n, n+n*)] = sum_k E[p 1{alive at n+k} | data] with data and alive at n+k: p^x (1-p)^(n-x) (1-theta)^(n+k)
    want = sum(special.beta(al + x + 1, be + n - x) / special.beta(al, be)
               * special.beta(ga, de + n + k) / special.beta(ga, de) for k in range(1, 6)) / L
    np.testing.assert_allclose(res.expected_purchases(5, x, tx, n), want, rtol=1e-10)
    cond = np.array([res.conditional_pmf(5, k, x, tx, n) for k in range(6)])
    np.testing.assert_allclose(cond.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose((np.arange(6)[:, None] * cond).sum(axis=0), want, rtol=1e-10)
    pa = res.p_alive(x, tx, n)
    assert np.all((pa > 0) & (pa < 1)) and pa[2] > pa[1] > pa[3]  # 6 of 6 beats 2 ending at 5 beats 3 ending at 3


def test_gamma_one_is_not_a_singularity(res):
    p = res.params.to_numpy().copy()
    p[2] = 1.0
    mid = res.expected_purchases_new_customer(6, params=p)
    lo = res.expected_purchases_new_customer(6, params=p * [1, 1, 1 - 1e-4, 1])
    hi = res.expected_purchases_new_customer(6, params=p * [1, 1, 1 + 1e-4, 1])
    assert lo > mid > hi or lo < mid < hi
    assert mid == pytest.approx((np.arange(7) * res.pmf(6, np.arange(7), params=p)).sum(), rel=1e-7)


def test_dert_is_the_discounted_sum_of_future_transactions(res):
    x, tx, n = np.array([0, 2, 6]), np.array([0, 5, 6]), np.array([6, 6, 6])
    d = 0.10
    got = res.dert(d, "year", x, tx, n)
    k = np.arange(1, 4001)
    cum = np.array([res.expected_purchases(kk, x, tx, n) for kk in np.r_[0, k]])
    brute = (np.diff(cum, axis=0) / (1 + d) ** k[:, None]).sum(axis=0)
    np.testing.assert_allclose(got, brute, rtol=1e-8)
    # a tenth a year is a smaller rate per opportunity when opportunities are monthly
    assert np.all(res.dert(d, "month", x, tx, n) > got)
    with pytest.raises(ParameterError):
        res.dert(0.0, "year", x, tx, n)


def test_predictions_accept_params_and_default_to_the_fitted_donors(res):
    assert len(res.p_alive()) == 22
    p2 = res.params.to_numpy() * 1.1
    assert not np.allclose(res.p_alive(params=p2), res.p_alive())
    assert res.clv(10.0, horizon_months=60, time_unit="year").shape == (22,)   # opportunities a year apart


def test_parameter_recovery_on_simulated_donors():
    truth = np.array([1.2, 0.75, 0.66, 2.8])
    sim = btyd.simulate_bgbb(20_000, *truth, n_periods=8, seed=5)
    fit = btyd.BetaGeoBetaBinom(sim["frequency"], sim["recency"], sim["n_periods"]).fit()
    assert fit.converged
    z = np.abs(np.log(fit.params.to_numpy()) - np.log(truth)) / fit.bse_log.to_numpy()
    assert np.all(z < 3), dict(zip(fit.params.index, z))
    # the simulated counts follow the model's pmf at the truth
    hist = np.bincount(sim["frequency"].astype(int), minlength=9) / len(sim)
    np.testing.assert_allclose(hist, fit.pmf(8, np.arange(9), params=truth), atol=0.01)


def test_simulation_is_seeded():
    a = btyd.simulate_bgbb(500, 1, 1, 1, 1, seed=3)
    b = btyd.simulate_bgbb(500, 1, 1, 1, 1, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert (a["recency"] >= a["frequency"]).all() and (a["recency"] <= a["n_periods"]).all()


@pytest.mark.parametrize("x, tx, n, match", [
    ([3], [2], [6], "frequency must not exceed recency"),
    ([1], [7], [6], "must not exceed n_periods"),
    ([0], [2], [6], "recency must be 0 exactly"),
    ([0], [0], [0], "at least 1"),
    ([1.5], [2], [6], "whole number"),
])
def test_impossible_summaries_are_data_errors(x, tx, n, match):
    with pytest.raises(DataError, match=match):
        btyd.BetaGeoBetaBinom(x, tx, n)


def test_no_repeat_donor_is_a_data_error():
    with pytest.raises(DataError, match="repeat"):
        btyd.BetaGeoBetaBinom([0, 0], [0, 0], [6, 6]).fit()


@settings(max_examples=40, deadline=None)
@given(st.floats(0.1, 5), st.floats(0.1, 5), st.floats(0.1, 5), st.floats(0.1, 5), st.integers(1, 40))
def test_pmf_is_a_distribution_for_any_parameters(al, be, ga, de, n):
    res = btyd.BetaGeoBetaBinom([1], [1], [n]).results_at([al, be, ga, de])
    p = res.pmf(n, np.arange(n + 1))
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-10)
    assert (np.arange(n + 1) * p).sum() == pytest.approx(res.expected_purchases_new_customer(n), rel=1e-8, abs=1e-12)


def test_a_dataset_of_extra_tables_only_is_valid_and_an_empty_one_is_not(tmp_path):
    """The donations data ship no canonical table, only the summary as an extra: that is valid; a folder
    with neither a canonical nor an extra table still is not."""
    assert datasets.validate("donations") == []
    meta = dict(datasets.load("donations").meta)
    folder = tmp_path / "empty"
    folder.mkdir()
    import yaml

    (folder / "dataset.yml").write_text(yaml.safe_dump({k: v for k, v in meta.items() if k != "extras"}))
    assert [p.code for p in datasets.validate(folder)] == ["no_tables"]
