"""Fits at a boundary of the parameter space (issue 24): the NBD (closed forms, nesting, CDNOW), the dropout
check, the boundary likelihood-ratio test (its null distribution by simulation) and what notebook 01's
customer-base steps make of a base without dropout."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from relmkt_utils import btyd
from relmkt_utils.btyd import NBD, boundary_lr_test, dropout_check, simulate_bgnbd, simulate_nbd
from relmkt_utils.btyd.base import log_rising
from relmkt_utils.btyd.boundary import mixture_text, mixture_weights
from relmkt_utils.btyd.distributions import dert_by_quadrature
from relmkt_utils.core.errors import ParameterError
from relmkt_utils.core.optimize import numerical_gradient, numerical_hessian
from relmkt_utils.core.results import MLEResults, diagnose
from relmkt_utils.present.tables import model_table

DATA = Path(__file__).resolve().parents[1] / "data"


def quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


@pytest.fixture(scope="module")
def no_dropout_base():
    """2,000 NBD customers (r = 0.5, alpha = 5 per week) observed 26 to 39 weeks: nobody ever leaves."""
    T = 26 + 13 * np.random.default_rng(3).random(2000)
    return simulate_nbd(2000, 0.5, 5.0, T, seed=3)


@pytest.fixture(scope="module")
def cdnow_cal():
    path = DATA / "cdnow_sample" / "calibration_summary.csv"
    if not path.exists():
        pytest.skip("CDNOW calibration summary not available")
    return pd.read_csv(path, dtype={"customer_id": str}).set_index("customer_id")


# ---------------------------------------------------------------- the NBD against closed forms
def test_log_rising_is_exact_where_log_gammas_lose_every_digit():
    """ln Γ(c+x) − ln Γ(c) = Σ_{k<x} ln(c+k) for whole x: at c = 3e11 a difference of log-gammas has an
    absolute error near 1e-3 (each is 7.8e12), the rising factorial is exact to rounding."""
    import math

    for c in (0.3, 7.0, 9.9e4, 1.1e5, 3e11, 1e18):
        for x in (0, 1, 17, 400):
            exact = math.fsum(math.log(c + k) for k in range(x))
            assert log_rising(c, x) == pytest.approx(exact, rel=1e-11, abs=1e-14)


def test_nbd_pmf_is_the_negative_binomial_and_sums_to_one():
    res = NBD([1.0, 0.0], [2.0, 0.0], [5.0, 5.0], time_unit="week").results_at([0.6, 3.0])
    n = np.arange(5000)
    for t in (1.0, 13.0, 52.0):
        pmf = res.pmf(t, n)
        np.testing.assert_allclose(pmf, stats.nbinom(0.6, 3.0 / (3.0 + t)).pmf(n), rtol=1e-10, atol=1e-300)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
        assert (n * pmf).sum() == pytest.approx(res.expected_purchases_new_customer(t), rel=1e-9)   # E[X(t)] = rt/alpha
    assert res.pmf(5.0, 2.5) == 0.0


def test_nbd_conditional_predictions_are_the_gamma_posterior():
    """Given x purchases in T the rate is Gamma(r + x, alpha + T): E[Y(t)] = (r+x)t/(alpha+T), the count is
    NB(r + x, (alpha+T)/(alpha+T+t)), DERT = (r+x)/((alpha+T) delta), P(alive) = 1."""
    r, al, t = 0.6, 3.0, 10.0
    x, tx, T = np.array([0.0, 1.0, 4.0]), np.array([0.0, 2.0, 30.0]), np.array([20.0, 30.0, 39.0])
    res = NBD(x, tx, T, time_unit="week").results_at([r, al])
    np.testing.assert_allclose(res.expected_purchases(t), (r + x) * t / (al + T))
    np.testing.assert_array_equal(res.p_alive(), np.ones(3))
    for n in (0, 1, 3):
        np.testing.assert_allclose(res.conditional_pmf(t, n), stats.nbinom(r + x, (al + T) / (al + T + t)).pmf(n))
    delta = np.log(1.1) / 52.18
    np.testing.assert_allclose(res.dert(delta=delta), (r + x) / ((al + T) * delta), rtol=1e-12)
    quadrature = dert_by_quadrature(lambda u: ((r + x) / (al + T))[:, None] * u, delta)  # the generic integral
    np.testing.assert_allclose(res.dert(delta=delta), quadrature, rtol=1e-6)


def test_nbd_analytic_gradient_and_hessian(no_dropout_base):
    m = NBD.from_summary(no_dropout_base)
    d = m._grouped()
    theta = np.array([0.7, 4.0])
    _, g, H = m._objective_on(d, theta, 2)
    np.testing.assert_allclose(g, numerical_gradient(lambda th: m._objective_on(d, th, 0), theta), rtol=1e-6)
    np.testing.assert_allclose(H, numerical_hessian(lambda th: m._objective_on(d, th, 1)[1], theta), rtol=1e-5)
    assert m._objective_on(d, theta, 0) == pytest.approx(-m.loglike(theta), rel=1e-12)


def test_nbd_recovers_its_parameters_and_the_score_equation_holds(no_dropout_base):
    """Parameter recovery on 2,000 simulated customers, and the closed form of the alpha score at the MLE:
    n r/alpha = Σ (r + x_i)/(alpha + T_i) (with one T for all: r T / alpha equals the mean purchases)."""
    fit = NBD.from_summary(no_dropout_base).fit()
    assert fit.converged and fit.unidentified == ()
    ci = fit.conf_int()
    assert ci.loc["r", "lower"] < 0.5 < ci.loc["r", "upper"] and ci.loc["alpha", "lower"] < 5.0 < ci.loc["alpha", "upper"]
    r, al = fit.params
    s = no_dropout_base
    assert len(s) * r / al == pytest.approx(((r + s["frequency"]) / (al + s["T"])).sum(), rel=1e-8)
    same_T = simulate_nbd(1000, 0.8, 2.0, 30.0, seed=1)
    r1, al1 = NBD.from_summary(same_T).fit().params
    assert r1 * 30.0 / al1 == pytest.approx(same_T["frequency"].mean(), rel=1e-8)


def test_the_latent_attrition_models_are_the_nbd_without_dropout(no_dropout_base):
    """Nesting, the premise of the test: at a → 0 (BG/NBD, MBG/NBD) or s → 0 (Pareto/NBD) each customer's
    log-likelihood is the NBD's at the same r and alpha."""
    s = no_dropout_base.iloc[:300]
    nbd = NBD.from_summary(s).loglike_obs([0.5, 5.0])
    for model, dropout in ((btyd.BetaGeo, [1e-13, 2.0]), (btyd.ModifiedBetaGeo, [1e-13, 2.0]),
                           (btyd.ParetoNBD, [1e-13, 10.0])):
        np.testing.assert_allclose(model.from_summary(s).loglike_obs([0.5, 5.0, *dropout]), nbd, rtol=0, atol=1e-9)


def test_nbd_on_cdnow_and_the_published_bgnbd_show_dropout(cdnow_cal):
    """CDNOW's 2,357 customers, 39-week calibration, the data of Fader & Hardie's NBD benchmark note (2004,
    "Illustrating the performance of the NBD as a benchmark model for customer-base analysis",
    brucehardie.com/notes/005). The note's own estimates were not at hand to compare with: r = 0.3848 and
    alpha = 12.072 here are this suite's, pinned (and they satisfy the alpha score equation, tested above).
    Against the published BG/NBD log-likelihood of Fader, Hardie & Lee (2005, Marketing Science 24(2);
    relmkt_utils.btyd.published: −9,582.4, same likelihood of the purchase times), the boundary test finds
    dropout beyond doubt: 2ΔlnL = 362.5."""
    fit = NBD(cdnow_cal["frequency"], cdnow_cal["recency"], cdnow_cal["T"], time_unit="week").fit()
    assert fit.converged
    assert fit.params["r"] == pytest.approx(0.3848, abs=1e-4) and fit.params["alpha"] == pytest.approx(12.072, abs=1e-3)
    r, al = fit.params
    assert len(cdnow_cal) * r / al == pytest.approx(((r + cdnow_cal["frequency"]) / (al + cdnow_cal["T"])).sum(), rel=1e-8)
    assert fit.llf == pytest.approx(-9763.66, abs=0.01)
    published = MLEResults(model=None, params=pd.Series([0.243, 4.414, 0.793, 2.426], index=["r", "alpha", "a", "b"]),
                           cov_params_log=pd.DataFrame(), llf=-9582.4, nobs=2357.0, model_name="BG/NBD")
    test = boundary_lr_test(fit, published)
    assert test.statistic == pytest.approx(362.5, abs=0.1) and test.pvalue < 1e-70 and test.rejects()
    bg = quiet(lambda: btyd.BetaGeo(cdnow_cal["frequency"], cdnow_cal["recency"], cdnow_cal["T"], time_unit="week").fit())
    check = dropout_check(bg)
    assert check.kind == "" and check.scoring is bg and not check.no_dropout
    assert "finds dropout that the NBD cannot explain" in check.sentence()


def test_nbd_saves_and_loads(tmp_path, no_dropout_base):
    fit = NBD.from_summary(no_dropout_base.iloc[:500]).fit()
    back = btyd.load_results(fit.save(tmp_path / "nbd.json"))
    assert type(back) is type(fit)
    np.testing.assert_allclose(back.expected_purchases(10.0, [1.0, 3.0], [5.0, 20.0], [30.0, 30.0]),
                               fit.expected_purchases(10.0, [1.0, 3.0], [5.0, 20.0], [30.0, 30.0]))


def test_the_nbd_is_registered_but_not_offered_by_the_model_parameter():
    entry = btyd.REGISTRY["nbd"]
    assert entry.model is NBD and not entry.chooser and "nbd" not in btyd.MODELS
    assert {k for k, e in btyd.REGISTRY.items() if e.nested == "nbd"} == {"bgnbd", "pnbd", "mbgnbd"}


# ---------------------------------------------------------------- the boundary test
def test_the_mixture_p_value_is_half_the_chi_square_tail():
    nested = MLEResults(model=None, params=pd.Series([1.0, 1.0], index=["r", "alpha"]), cov_params_log=pd.DataFrame(),
                        llf=-100.0, nobs=10.0, model_name="NBD")
    full = MLEResults(model=None, params=pd.Series([1.0] * 4, index=["r", "alpha", "a", "b"]),
                      cov_params_log=pd.DataFrame(), llf=-100.0 + 2.705543 / 2, nobs=10.0, model_name="BG/NBD")
    assert boundary_lr_test(nested, full).pvalue == pytest.approx(0.05, abs=1e-6)   # half of χ²₁'s 10% point
    assert boundary_lr_test(nested, full, at_boundary=True).pvalue == 1.0
    assert boundary_lr_test(nested, full, df=2).pvalue == pytest.approx(
        0.5 * stats.chi2.sf(2.705543, 1) + 0.25 * stats.chi2.sf(2.705543, 2))
    np.testing.assert_allclose(mixture_weights(3), [1 / 8, 3 / 8, 3 / 8, 1 / 8])
    assert mixture_text(1) == "half χ²₀, half χ²₁" and mixture_text(2) == "¼ χ²₀ + ½ χ²₁ + ¼ χ²₂"
    with pytest.raises(ParameterError, match="df must be"):
        boundary_lr_test(nested, full, df=0)


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.just(0.0), st.floats(1e-6, 60.0)), st.integers(1, 3))
def test_the_mixture_p_value_is_a_probability_that_falls_with_the_statistic(lr, k):
    nested = MLEResults(model=None, params=pd.Series([1.0], index=["r"]), cov_params_log=pd.DataFrame(), llf=0.0,
                        nobs=1.0)
    full = MLEResults(model=None, params=pd.Series([1.0, 1.0], index=["r", "a"]), cov_params_log=pd.DataFrame(),
                      llf=lr / 2, nobs=1.0)
    p = boundary_lr_test(nested, full, df=k).pvalue
    higher = MLEResults(model=None, params=full.params, cov_params_log=pd.DataFrame(), llf=lr / 2 + 0.5, nobs=1.0)
    assert 0.0 <= p <= 1.0 and boundary_lr_test(nested, higher, df=k).pvalue <= p
    assert (p == 1.0) == (lr == 0.0) and (lr == 0.0 or p <= 1 - mixture_weights(k)[0] + 1e-12)


# ---------------------------------------------------------------- the check on a base without dropout
def test_a_base_without_dropout_is_at_the_boundary_and_the_nbd_scores_it(no_dropout_base):
    fit = quiet(lambda: btyd.fit_model("bgnbd", no_dropout_base))
    check = dropout_check(fit)
    assert check.kind == "no dropout" and check.no_dropout and check.dropout_share < 1e-6
    assert check.scoring is check.nested and check.scoring_name == "NBD"
    assert check.test.statistic == 0.0 and check.test.pvalue == 1.0 and not check.test.rejects()
    assert set(fit.unidentified) == {"a", "b"} and set(fit.boundary) == {"a", "b"}
    said = " ".join(fit.warnings)
    assert "not maximum-likelihood" not in said and "at its maximum on the edge of the parameter space" in said
    assert check.sentence().startswith("No detectable dropout in the calibration window")
    table = model_table(fit).df.set_index("parameter")
    assert (table.loc[["a", "b"], "estimate"] == "not identified").all() and table.loc[["a", "b"], "lower"].isna().all()
    assert isinstance(table.loc["r", "estimate"], float)
    assert btyd.workflow.param_metrics("bgnbd", fit)["bgnbd_a"] is None
    np.testing.assert_allclose(check.nested.params, NBD.from_summary(no_dropout_base).fit().params, rtol=1e-8)


@pytest.mark.parametrize("key", ["mbgnbd", pytest.param("pnbd", marks=pytest.mark.slow)])
def test_the_other_latent_attrition_models_reach_the_nbd_too(no_dropout_base, key):
    """(The Pareto/NBD is slow there: near beta -> infinity its 2F1 series need up to 100,000 terms.)"""
    s = no_dropout_base.iloc[:300]
    check = dropout_check(quiet(lambda: btyd.fit_model(key, s)))
    assert check.no_dropout and check.scoring_name == "NBD" and not check.test.rejects()


def test_a_base_with_dropout_keeps_its_model():
    sim = simulate_bgnbd(2000, 0.5, 5.0, 0.8, 2.5, T=39.0, seed=4)
    fit = btyd.fit_model("bgnbd", sim)
    check = dropout_check(fit)
    assert check.kind == "" and check.scoring is fit and check.test.rejects() and fit.unidentified == ()


def test_diagnose_names_a_boundary_instead_of_a_failed_optimizer():
    res = MLEResults(model=None, params=pd.Series([0.5, 5.0, 1e-16, 3.0], index=["r", "alpha", "a", "b"]),
                     cov_params_log=pd.DataFrame(np.eye(4), index=list("rxab"), columns=list("rxab")), llf=-1.0,
                     nobs=10.0, converged=False, model_name="BG/NBD", boundary=("a",))
    with pytest.warns(Warning, match="edge of the parameter space"):
        diagnose(res)
    assert "a to 0" in res.warnings[0] and "not maximum-likelihood" not in " ".join(res.warnings)
    assert "a" in res.unidentified


# ---------------------------------------------------------------- notebook 01's steps on a base without dropout
@pytest.fixture(scope="module")
def synthetic_without_dropout():
    from relmkt_utils.data.synthetic import synthesize

    return synthesize(seed=11, n_customers=800, bgnbd__a=1e-6)


def test_notebook_steps_score_every_customer_with_the_nbd(synthetic_without_dropout):
    ds = synthetic_without_dropout
    base = btyd.workflow.customer_base(ds, "bgnbd")
    fit, check = quiet(lambda: btyd.workflow.fit_purchase_model("bgnbd", base))
    assert check.no_dropout and btyd.workflow.scoring_key("bgnbd", check) == "nbd"
    spend, _ = quiet(lambda: btyd.workflow.spend_model(base))
    scores = btyd.workflow.score_customers(check.scoring, spend, base, ds, horizon_months=12, margin=1.0,
                                           annual_discount_rate=0.1, n_boot=50, seed=1)
    table = scores.table
    assert list(table.columns[:1]) == ["model"] and (table["model"] == "NBD").all()
    assert len(table) == len(base.current()) > base.n_customers and table["clv"].notna().all()   # all, holdout newcomers too
    assert (table["clv_lower"] <= table["clv"] + 1e-9).all() and (table["clv"] <= table["clv_upper"] + 1e-9).all()
    assert not any(k.startswith("p_alive") for k in scores.alive) and "p_alive_mean" not in scores.metrics
    assert "p_alive" not in scores.preview().columns and "nobody leaves" in scores.covers


@pytest.mark.slow
def test_the_model_comparison_says_where_each_fit_ends(synthetic_without_dropout):
    """Slow: the Pareto/NBD's series near the no-dropout boundary (beta -> infinity) take minutes on a busy machine."""
    base = btyd.workflow.customer_base(synthetic_without_dropout, "bgnbd")
    fit, check = quiet(lambda: btyd.workflow.fit_purchase_model("bgnbd", base))
    comparison, _ = quiet(lambda: btyd.workflow.compare_models(base, {"bgnbd": fit, "nbd": check.nested}))
    assert comparison.loc["NBD", "not identified"] == "none"
    assert (comparison.loc[["BG/NBD", "Pareto/NBD", "MBG/NBD"], "edge of the parameter space"] == "no dropout").all()


def test_every_run_names_the_model_that_scored_each_customer():
    from relmkt_utils.data import datasets

    ds = datasets.load("cdnow_sample")
    base = btyd.workflow.customer_base(ds, "bgnbd", "1997-09-30")
    fit, check = quiet(lambda: btyd.workflow.fit_purchase_model("bgnbd", base))
    assert not check.no_dropout and check.test.rejects()
    scores = btyd.workflow.score_customers(check.scoring, None, base, ds, horizon_months=12, margin=1.0,
                                           annual_discount_rate=0.1, n_boot=20, seed=1)
    assert (scores.table["model"] == "BG/NBD").all() and "p_alive_mean_repeat_buyers" in scores.alive


# ---------------------------------------------------------------- the null distribution, by simulation
def _rejections(key: str, worlds: int, n: int) -> tuple[float, float]:
    stats_ = []
    for i in range(worlds):
        T = 26 + 13 * np.random.default_rng(1000 + i).random(n)
        fit = quiet(lambda: btyd.fit_model(key, simulate_nbd(n, 0.5, 5.0, T, seed=i)))
        stats_.append(dropout_check(fit).test)
    return (float(np.mean([t.pvalue < 0.05 for t in stats_])), float(np.mean([t.statistic == 0 for t in stats_])))


@pytest.mark.slow
@pytest.mark.parametrize("key, zeros", [("bgnbd", (0.55, 0.85)), ("mbgnbd", (0.15, 0.40))])
def test_the_boundary_test_rejects_about_five_percent_of_worlds_without_dropout(key, zeros):
    """300 NBD worlds of 1,000 customers (measured with 600 worlds each of 500, 1,000 and 2,000 customers: BG/NBD
    5.2-6.3% rejected at the 5% level with half χ²₀ + half χ²₁, 69-73% of the statistics 0; MBG/NBD with k = 2
    5.2% at 2,000 and 7.5% at 500 customers, 26-27% at 0; see relmkt_utils.btyd.boundary)."""
    rate, zero_share = _rejections(key, 300, 1000)
    assert 0.02 <= rate <= 0.09
    assert zeros[0] <= zero_share <= zeros[1]


# ---------------------------------------------------------------- notebook 01 end to end (slow: a kernel)
@pytest.mark.slow
def test_notebook_01_on_a_base_without_dropout_and_forty_groups(tmp_path):
    """Issue 24's case on a generated base: nobody ever drops out (a synthetic world with a = 1e-6) and a
    ``country`` of 40 groups, 30 of them with 1-20 customers. The report says "no detectable dropout" (a finding
    of the answer, on the index card), shows no P(alive) headline, scores every customer with the NBD (the
    ``model`` column), and neither "Singular matrix" nor "not maximum-likelihood estimates" appears anywhere."""
    import re

    import yaml

    from relmkt_utils.data.dataset import save
    from relmkt_utils.data.synthetic import synthesize
    from relmkt_utils.pipeline import batch

    ds = synthesize(seed=11, n_customers=1500, bgnbd__a=1e-6)
    rng = np.random.default_rng(5)
    small = np.repeat([f"S{k:02d}" for k in range(30)], rng.integers(1, 21, 30))
    country = np.concatenate([small, rng.choice([f"B{k}" for k in range(10)], len(ds.customers) - len(small))])
    rng.shuffle(country)
    ds.customers["country"] = country
    ds.meta["name"] = "no_dropout"
    folder = save(ds, tmp_path / "no_dropout")
    config = tmp_path / "runs.yml"
    config.write_text(yaml.safe_dump({"output_dir": str(tmp_path / "out"), "timeout": 900,
                                      "notebooks_dir": str(Path(__file__).resolve().parents[1] / "notebooks"),
                                      "runs": [{"name": "nodrop", "notebook": "01_loyalty_measurement",
                                                "parameters": {"dataset": str(folder), "segment": "country"}}]}))
    (result,) = batch.run_batch(batch.load_config(config), jobs=1, progress=False)
    assert result.status == "ok", result.error
    found = {f["key"]: f for f in result.findings}
    assert found["dropout_detected"]["value"] == "no" and found["dropout_detected"]["status"] == "ok"
    assert found["dropout_lr_p"]["value"] == 1.0
    assert not [k for k in found if k.startswith("p_alive")]
    out = tmp_path / "out"
    scores = pd.read_csv(out / "nodrop" / "customer_scores.csv")
    base = btyd.workflow.customer_base(ds, "bgnbd")
    assert (scores["model"] == "NBD").all() and len(scores) == base.n_customers
    assert set(scores["customer_id"]) == set(base.summary.index)
    card = re.findall(r"<article class='run'>.*?</article>", (out / "index.html").read_text(encoding="utf-8"), re.S)[0]
    headlines = re.findall(r"<li><span class='value'>(.*?)</span> (.*?)</li>", card)
    assert ("no", "detectable dropout in the calibration window") in headlines
    assert not [h for h in headlines if "P(alive)" in h[1]]
    page = (out / "nodrop" / "01_loyalty_measurement.html").read_text(encoding="utf-8")
    everything = page + card + " ".join(map(str, result.warnings))
    assert "Singular matrix" not in everything and "not maximum-likelihood" not in everything
    assert "logrank_p_country" in found and "other (" in page
