"""Every fitted model of the suite answers the same results protocol (relmkt_utils.core.results)."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils import btyd, referral, retention, value
from relmkt_utils.core.results import PROTOCOL
from relmkt_utils.data import datasets


@pytest.fixture(scope="module")
def ds():
    return datasets.load("synthetic")


def _btyd(ds):
    s = btyd.rfm_summary(ds.transactions, freq="D", freq_multiplier=7)
    rep = s[s["frequency"] > 0]
    don = datasets.load("donations").extras["bgbb_summary"]
    return {"BG/NBD": btyd.BetaGeo(s["frequency"], s["recency"], s["T"]).fit(),
            "Pareto/NBD": btyd.ParetoNBD(s["frequency"], s["recency"], s["T"]).fit(),
            "MBG/NBD": btyd.ModifiedBetaGeo(s["frequency"], s["recency"], s["T"]).fit(),
            "NBD": btyd.NBD(s["frequency"], s["recency"], s["T"]).fit(),
            "BG/BB": btyd.BetaGeoBetaBinom(don["frequency"], don["recency"], don["n_periods"], weights=don["donors"]).fit(),
            "Gamma-Gamma": btyd.GammaGamma(rep["frequency"], rep["monetary_value"]).fit()}


def _retention(ds):
    regular = list(retention.published.SURVIVORS["regular"][:8])
    return {"sBG": retention.ShiftedBetaGeometric(regular).fit(),
            "pooled sBG": retention.PooledShiftedBetaGeometric([regular, regular[:5]]).fit(),
            "constant retention": retention.GeometricRetention(regular).fit(),
            "response curves": retention.fit_response_curves(ds.spend)}


def _value(ds):
    scores = value.value_scores(ds.survey)
    frame = value.value_retention_frame(ds.survey, ds.transactions, ds.customers, ds.observation_end)
    return {"conditional logit": value.fit_conditional_logit(ds.choices),
            "OLS drivers": value.fit_driver_ols(scores, "satisfaction"),
            "ordered logit drivers": value.fit_driver_ordered(scores, "satisfaction"),
            "Cox of dropout on delivered value": value.fit_dropout_cox(frame),
            "mixed logit": value.fit_mixed_logit(value.simulate_mixed_logit(
                {"x1": 1.0, "x2": -0.5, "price": -0.4}, {"x1": 0.8, "x2": 0.5, "price": 0.3}, n_respondents=150,
                n_tasks=8, seed=3), n_draws=50, seed=1)}


def _referral(ds):
    metrics = referral.customer_metrics(ds.customers, ds.transactions, ds.observation_end, referrals=ds.referrals)
    outcomes = referral.acquisition_outcomes(ds.customers, ds.referrals)
    return {"Cox of referred customers": referral.cox_referral(metrics, covariates=("relationship_level",)).results,
            "incrementality logit": referral.incrementality_logit(outcomes).results}


def _btyd_covariates(ds):
    s = btyd.rfm_summary(ds.transactions, freq="D", freq_multiplier=7)
    c = pd.get_dummies(ds.customers.set_index("customer_id")[["channel", "relationship_level"]], drop_first=True).astype(float)
    purchase, dropout = c.filter(like="channel_"), c.filter(like="relationship_level_")
    return {"BG/NBD with covariates": btyd.BetaGeoCovariates(s["frequency"], s["recency"], s["T"], purchase, dropout).fit(),
            "Pareto/NBD with covariates": btyd.ParetoNBDCovariates(s["frequency"], s["recency"], s["T"], purchase,
                                                                   dropout).fit()}


def _btyd_new(ds):
    """The models of issue 26: regularity (litt from the log; the Pareto/GGG's sampler on a small Pareto/GGG
    world, whose chains mix), age-dependent dropout (on a GGom/NBD world: the synthetic BG/NBD world puts
    its MLE on the Pareto/NBD boundary), duration-dependent retention."""
    s = btyd.rfm_summary(ds.transactions, freq="D", freq_multiplier=7)
    litt = btyd.regularity_summary(ds.transactions, freq="D", freq_multiplier=7)["litt"]
    gg = btyd.simulate_ggomnbd(2000, 0.8, 4.0, 0.05, 1.2, 2.0, T=np.linspace(20, 100, 2000), seed=1)
    pg = btyd.simulate_paretoggg(300, 4.5, 1.5, 0.9, 10.0, 0.8, 12.0, T=np.linspace(36, 96, 300), seed=2)
    return {"BG/CNBD-k": btyd.BetaGeoCNBD(s["frequency"], s["recency"], s["T"], litt=litt).fit(),
            "MBG/CNBD-k": btyd.ModifiedBetaGeoCNBD(s["frequency"], s["recency"], s["T"], litt=litt).fit(),
            "GGom/NBD": btyd.GammaGompertzNBD(gg["frequency"], gg["recency"], gg["T"]).fit(),
            "BdW": retention.BetaDiscreteWeibull(list(retention.published.SURVIVORS["regular"][:8])).fit(),
            "Pareto/GGG": btyd.ParetoGGG(pg["frequency"], pg["recency"], pg["T"], pg["litt"]).fit(draws=300, burnin=100,
                                                                                                  thin=3, seed=0)}


def _issue26_covariates(ds):
    """Covariates everywhere (issue 26): time-varying (apparel), spend, BG/BB, sBG, pooled segments, correlation,
    and a ridge-penalized covariate model."""
    s = btyd.rfm_summary(ds.transactions, freq="D", freq_multiplier=7)
    chan = pd.get_dummies(ds.customers.set_index("customer_id")["channel"], drop_first=True).astype(float)
    rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    app = datasets.load("apparel")
    panel = btyd.time_varying_panel(app.transactions, app.meta["calibration_end"],
                                    app.extras["seasons"].rename(columns={"week_start": "period_start"}),
                                    app.customers.set_index("customer_id")[["gender", "channel_offline"]],
                                    time_unit=app.time_unit)
    tv = dict(purchase=["high_season", "gender", "channel_offline"], dropout=["gender", "channel_offline"])
    rng = np.random.default_rng(3)
    z = pd.DataFrame({"z": rng.integers(0, 2, 3000).astype(float)})
    bb = btyd.simulate_bgbb(3000, 1.2 * np.exp(0.4 * z["z"]), 0.75, 0.65, 2.8 * np.exp(0.2 * z["z"]), seed=4)
    curves = {k: list(v[:8]) for k, v in retention.published.SURVIVORS.items()}
    cohort = pd.DataFrame({"high_end": [0.0, 1.0]}, index=["regular", "high end"])
    cor = btyd.simulate_correlated(3000, 1.0, 1.0, 1.0, 3.0, 1.5, T=10.0, seed=2)
    seg = s.assign(segment=ds.customers.set_index("customer_id")["channel"].reindex(s.index).to_numpy())
    cov_model = btyd.BetaGeoCovariates(s["frequency"], s["recency"], s["T"], chan, chan)
    return {
        "Pareto/NBD with time-varying covariates": btyd.ParetoNBDTimeVarying(panel, **tv).fit(),
        "BG/NBD with time-varying covariates": btyd.BetaGeoTimeVarying(panel, **tv).fit(),
        "Gamma-Gamma with covariates": btyd.GammaGammaCovariates(rep["frequency"], rep["monetary_value"],
                                                                 chan.reindex(rep.index)).fit(),
        "BG/BB with covariates": btyd.BetaGeoBetaBinomCovariates(bb["frequency"], bb["recency"], bb["n_periods"], z, z).fit(),
        "sBG with covariates": retention.ShiftedBetaGeometricCovariates.from_survivors(curves, cohort).fit(),
        "BG/NBD with pooled segments": btyd.segment_fit(seg, "segment", penalty=0.01),
        "Pareto/NBD with correlation": btyd.ParetoNBDCorrelated(cor["frequency"], cor["recency"], cor["T"]).fit(),
        "BG/NBD with covariates, ridge": btyd.fit_penalized(cov_model, 0.01),
    }


ISSUE26 = ["Pareto/NBD with time-varying covariates", "BG/NBD with time-varying covariates", "Gamma-Gamma with covariates",
           "BG/BB with covariates", "sBG with covariates", "BG/NBD with pooled segments", "Pareto/NBD with correlation",
           "BG/NBD with covariates, ridge"]


@pytest.fixture(scope="module")
def models(ds):
    return {**_btyd(ds), **_btyd_covariates(ds), **_btyd_new(ds), **_issue26_covariates(ds), **_retention(ds),
            **_value(ds), **_referral(ds)}


NEW_MODELS = ["BG/CNBD-k", "MBG/CNBD-k", "GGom/NBD", "BdW", "Pareto/GGG"]


def test_the_suite_has_these_models(models):
    assert len(models) == 19 + len(NEW_MODELS) + len(ISSUE26)


@pytest.mark.parametrize("name", ["BG/NBD", "Pareto/NBD", "MBG/NBD", "NBD", "BG/BB", "Gamma-Gamma", "sBG", "pooled sBG", "constant retention",
                                  "response curves", "conditional logit", "OLS drivers", "ordered logit drivers",
                                  "Cox of dropout on delivered value", "Cox of referred customers",
                                  "incrementality logit", "mixed logit", "BG/NBD with covariates",
                                  "Pareto/NBD with covariates", *NEW_MODELS, *ISSUE26])
def test_every_model_answers_the_protocol(models, name):
    res = models[name]
    for attr in PROTOCOL:
        assert hasattr(res, attr), f"{name} lacks {attr}"
    params, bse = res.params, res.bse
    assert isinstance(params, pd.Series) and isinstance(bse, pd.Series)
    assert list(bse.index) == list(params.index) and all(isinstance(k, str) for k in params.index)
    ci95, ci90 = res.conf_int(), res.conf_int(alpha=0.10)
    assert list(ci95.columns) == ["lower", "upper"] and list(ci95.index) == list(params.index)
    assert (ci95["lower"] <= params + 1e-12).all() and (params <= ci95["upper"] + 1e-12).all()
    assert ((ci90["upper"] - ci90["lower"]) <= (ci95["upper"] - ci95["lower"]) + 1e-12).all()
    cov = res.cov_params()
    assert cov.shape == (len(params), len(params))
    np.testing.assert_allclose(np.sqrt(np.diag(cov.to_numpy())), bse.to_numpy(), rtol=1e-6)
    assert isinstance(res.converged, bool) and res.converged
    assert isinstance(res.warnings, list) and res.warnings == []
    assert isinstance(res.llf, float) and isinstance(res.aic, float)
    assert np.isfinite(res.llf) or name == "response curves"   # nonlinear least squares has no likelihood
    assert str(res.summary())


def test_a_fit_that_stops_early_warns_and_says_so():
    from relmkt_utils.core.errors import ConvergenceWarning

    sim = btyd.simulate_bgnbd(2000, 0.3, 4.0, 0.8, 2.5, seed=1)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = btyd.BetaGeo(sim["frequency"], sim["recency"], sim["T"]).fit(maxiter=1)
    assert not res.converged and "did not converge" in res.warnings[0]
    assert "did not converge" in str(res.summary())


def test_cox_control_without_events_is_a_sentence_not_a_singular_matrix(ds):
    from relmkt_utils.core.errors import DataError

    metrics = referral.customer_metrics(ds.customers, ds.transactions, ds.observation_end, referrals=ds.referrals)
    with pytest.raises(DataError, match="cohort have no dropouts"):
        referral.cox_referral(metrics)   # the 2025 cohort is too young for a 365-day lapse
