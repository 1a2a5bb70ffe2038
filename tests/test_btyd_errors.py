"""Errors at the door (issue 22): btyd's public functions check their arguments' types and ranges before
computing, and say in one sentence which argument broke which rule."""
import numpy as np
import pytest

from relmkt_utils import btyd
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.data import datasets


@pytest.fixture(scope="module")
def fitted():
    tx = datasets.load("cdnow_sample").transactions
    s = btyd.rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end="1997-09-30")
    bg = btyd.BetaGeo.from_summary(s).fit()
    rep = s[s["frequency"] > 0]
    gg = btyd.GammaGamma.from_summary(rep).fit()
    return tx, s, bg, gg


def one_sentence(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text and "Traceback" not in text
    return text


# ---------------------------------------------------------------- the cases of the issue
def test_horizon_months_as_text(fitted):
    _, s, bg, gg = fitted
    with pytest.raises(ParameterError) as exc:          # was: numpy's isfinite TypeError
        btyd.customer_value(bg, gg, s, horizon_months="12")
    assert one_sentence(exc) == 'horizon_months must be a number > 0; got "12" (text).'


def test_annual_discount_rate_as_text_fails_before_computing(fitted, monkeypatch):
    _, s, bg, gg = fitted
    calls = []
    monkeypatch.setattr(type(bg), "p_alive", lambda *a, **k: calls.append(1))
    with pytest.raises(ParameterError) as exc:          # was: a format-code ValueError after the whole computation
        btyd.customer_value(bg, gg, s, annual_discount_rate="0.1")
    assert one_sentence(exc) == 'annual_discount_rate must be a number > -1; got "0.1" (text).'
    assert calls == []
    with pytest.raises(ParameterError, match="annual_discount_rate"):
        bg.clv(gg, annual_discount_rate="0.1")
    with pytest.raises(ParameterError, match="annual_discount_rate"):
        bg.dert("0.1")


def test_a_text_column_passed_to_a_model_is_named(fitted):
    _, s, bg, _ = fitted
    texty = s.assign(frequency=s["frequency"].map(lambda v: f"{v:g} times"))
    with pytest.raises(DataError) as exc:               # was: "could not convert string to float" 8 frames deep
        btyd.BetaGeo(texty["frequency"], s["recency"], s["T"])
    assert one_sentence(exc).startswith("BG/NBD: frequency must hold numbers, but holds text such as '")
    with pytest.raises(DataError, match=r"frequency must hold numbers"):
        btyd.fit_model("pnbd", texty)
    with pytest.raises(DataError, match=r"monetary_value \(column 'spend'\) must hold numbers"):
        btyd.GammaGamma(s["frequency"], s["monetary_value"].astype(str).rename("spend") + " USD")
    with pytest.raises(DataError, match="recency must hold numbers"):
        bg.p_alive(s["frequency"], ["soon"] * len(s), s["T"])


def test_a_purchase_model_passed_as_the_spend_model(fitted):
    _, s, bg, _ = fitted
    with pytest.raises(ParameterError) as exc:          # was: a float() TypeError
        btyd.customer_value(bg, bg, s)
    assert one_sentence(exc).startswith("spend_model must be fitted Gamma-Gamma results")
    assert str(exc.value).endswith("; got a BetaGeoResults.")
    with pytest.raises(ParameterError, match="model must be fitted purchase-model results"):
        btyd.customer_value(s, 10.0, s)
    with pytest.raises(ParameterError, match="spend must be a number or numbers >= 0"):
        bg.clv("ten")


def test_negative_horizons_are_refused(fitted):
    _, _, bg, _ = fitted
    with pytest.raises(ParameterError) as exc:          # was: negative expected purchases
        bg.expected_purchases(t=-5)
    assert one_sentence(exc) == "t must be a number or numbers >= 0; got -5."
    for results in (bg, btyd.ParetoNBD.from_summary(fitted[1]).results_at([0.55, 10.6, 0.6, 11.7])):
        with pytest.raises(ParameterError, match="t must be a number or numbers >= 0"):
            results.expected_purchases_new_customer(np.array([1.0, -1.0]))
        with pytest.raises(ParameterError, match="t must be a number or numbers >= 0"):
            results.pmf(-1, 2)


# ---------------------------------------------------------------- the other doors
@pytest.mark.parametrize("call, pattern", [
    (lambda f: btyd.rfm_summary(f[0], freq="M"), "freq must be one of"),
    (lambda f: btyd.rfm_summary(f[0], freq_multiplier="7"), "freq_multiplier must be a positive number"),
    (lambda f: btyd.rfm_summary(f[0], customer_col=3), "customer_col must be a text"),
    (lambda f: btyd.rfm_summary(f[0], compress="yes"), "compress must be True or False"),
    (lambda f: btyd.rfm_summary(f[0], engine="polars"), "engine must be one of"),
    (lambda f: btyd.rfm_summary(f[0], observation_end="2024-02-30"), "observation_end '2024-02-30' is not a date"),
    (lambda f: btyd.compress_summary(f[1], by="frequency"), "by must be a list of column names"),
    (lambda f: btyd.calibration_end("2020-01-01", "2021-01-01", share=1.5), r"share must be a number in \(0, 1\)"),
    (lambda f: btyd.calibration_end("2020-01-01", "someday"), "observation_end 'someday' is not a date"),
    (lambda f: f[2].clv(f[3], margin=-0.3), "margin must be a number >= 0"),
    (lambda f: f[2].clv(f[3], horizon_months=0), "horizon_months must be a number > 0"),
    (lambda f: f[2].dert(0.0), "annual_discount_rate must be a number > 0"),
    (lambda f: f[2].dert(delta=-1.0), "delta must be a number > 0"),
    (lambda f: f[2].conditional_pmf(-1, 0), "t must be a number >= 0"),
    (lambda f: f[2].model.fit(maxiter=0), "maxiter must be a whole number >= 1"),
    (lambda f: btyd.customer_value(f[2], f[3], f[1], n_boot=2.5), "n_boot must be a whole number >= 2"),
    (lambda f: btyd.customer_value(f[2], f[3], f[1], alpha=1.0), r"alpha must be a number in \(0, 1\)"),
    (lambda f: btyd.customer_value(f[2], f[3], f[1], seed=-1), "seed must be a whole number >= 0"),
    (lambda f: btyd.customer_value(f[2], f[3], f[1].to_numpy()), "summary must be an rfm_summary DataFrame"),
    (lambda f: btyd.p_alive_matrix(f[2], T=-1), "T must be a number > 0"),
    (lambda f: btyd.expected_purchases_matrix(f[2], t=-2, T=10), "t must be a number >= 0"),
    (lambda f: btyd.period_transactions(f[2], max_frequency=0), "max_frequency must be a whole number >= 1"),
    (lambda f: btyd.period_transactions(f[1]), "results must be fitted BTYD results with a pmf"),
    (lambda f: btyd.calibration_vs_holdout(f[1], f[2], max_frequency="7"), "max_frequency must be a whole number"),
    (lambda f: btyd.p_alive_history(f[0], "bg", "0001"), "results must be fitted BTYD results"),
    (lambda f: btyd.p_alive_history(f[0], f[2], "0001", freq="M"), "freq must be one of"),
    (lambda f: btyd.repeat_transactions_over_time(f[0], f[2], freq_multiplier=-7), "freq_multiplier must be a number > 0"),
    (lambda f: btyd.chi_square_fit(btyd.period_transactions(f[2]), min_expected=0), "min_expected must be a number > 0"),
    (lambda f: btyd.spend_frequency_check(f[1], alpha=5), r"alpha must be a number in \(0, 1\)"),
    (lambda f: btyd.segment_lr_test(f[1], "frequency", model="paretonbd"), "model must be one of 'bgnbd', 'pnbd'"),
    (lambda f: btyd.segment_lr_test(f[1], np.arange(len(f[1])) % 2, min_customers=0), "min_customers must be a whole number >= 2"),
    (lambda f: btyd.lr_test("restricted", f[2]), "restricted must be fitted results"),
    (lambda f: btyd.fit_model("paretonbd", f[1]), "model must be one of bgnbd, pnbd, mbgnbd, bgbb"),
    (lambda f: btyd.fit_model("bgnbd", f[1], weights_col=3), "weights_col must be a text"),
    (lambda f: btyd.fit_model("bgnbd", f[1], weights_col="donors"), "no weights column 'donors'"),
    (lambda f: btyd.simulate_bgnbd(-5, 0.2, 4.0, 0.8, 2.4), "n must be a whole number >= 1"),
    (lambda f: btyd.simulate_bgnbd(5, 0.2, "4", 0.8, 2.4), "alpha must be a number or numbers > 0"),
    (lambda f: btyd.simulate_paretonbd(5, 0.5, 10.0, 0.6, 11.7, T=-1), "T must be a number or numbers >= 0"),
    (lambda f: btyd.simulate_transactions(5, 0.5, 10.0, 0.6, 2.0, seed=1.5), "seed must be a whole number >= 0"),
    (lambda f: btyd.simulate_bgbb(5, 1.2, 0.75, 0.66, 2.8, n_periods=0), "n_periods must be a number or numbers >= 1"),
    (lambda f: btyd.simulate_with_covariates("paretonbd", {}, np.ones((3, 1))), "model must be one of 'bgnbd', 'pnbd'"),
])
def test_every_door_names_its_argument(fitted, call, pattern):
    with pytest.raises(DataError, match=pattern) as exc:
        call(fitted)
    one_sentence(exc)
