"""A customer not yet acquired (CLVTools ``newcustomer()`` / ``newcustomer.spending()``): every registered
purchase model predicts her transactions, and the Gamma-Gamma her spend per transaction."""
import numpy as np
import pytest

from relmkt_utils import btyd

#: parameters to evaluate each registered model at (any valid values)
AT = {"bgnbd": [0.24, 4.4, 0.79, 2.4], "pnbd": [0.55, 10.6, 0.61, 11.7], "mbgnbd": [0.52, 6.2, 0.89, 1.6],
      "bgbb": [1.2, 0.75, 0.66, 2.8], "bgcnbd": [0.36, 1.13, 0.52, 2.79], "mbgcnbd": [1.33, 2.81, 0.42, 0.79],
      "ggomnbd": [0.8, 4.0, 0.05, 1.2, 2.0], "pggg": [4.5, 1.5, 0.9, 10.0, 0.8, 12.0]}


def _results(name):
    cls = btyd.MODELS[name]
    if name == "bgbb":
        return cls([1.0], [2.0], [6.0]).results_at(AT[name])
    if "litt" in cls.summary_columns:
        extra = {"k": 2} if name != "pggg" else {}
        return cls([2.0], [10.0], [30.0], [3.0], **extra).results_at(AT[name])
    return cls([2.0], [10.0], [30.0]).results_at(AT[name])


@pytest.mark.parametrize("name", sorted(btyd.MODELS))
def test_every_registered_model_predicts_a_new_customer(name):
    assert set(AT) == set(btyd.MODELS)
    res = _results(name)
    horizon = [1.0, 3.0, 6.0] if name == "bgbb" else [4.0, 26.0, 52.0]
    e = np.asarray(res.expected_purchases_new_customer(np.array(horizon)), dtype=float)
    assert e.shape == (3,) and np.all(np.diff(e) > 0) and e[0] > 0
    assert float(res.expected_purchases_new_customer(horizon[1])) == pytest.approx(e[1], rel=1e-9)


def test_new_customer_spending_is_the_conditional_spend_with_no_history():
    """CLVTools' newcustomer.spending: the Gamma-Gamma expectation at x = 0, p gamma / (q - 1)."""
    sim = btyd.simulate_gammagamma(np.full(400, 3.0), 6.0, 4.0, 15.0, seed=1)
    res = btyd.GammaGamma(sim["frequency"], sim["monetary_value"]).fit()
    p, q, g = res.params
    assert res.expected_spend_new_customer() == pytest.approx(p * g / (q - 1), rel=1e-12)
    assert res.expected_spend_new_customer() == pytest.approx(float(res.expected_spend([0.0], [0.0])[0]), rel=1e-12)
    # Fader & Hardie (2013), CDNOW repeat spend: p = 6.25, q = 3.74, gamma = 15.44 -> 6.25 x 15.44 / 2.74
    assert res.expected_spend_new_customer(params=[6.25, 3.74, 15.44]) == pytest.approx(35.22, abs=0.01)
