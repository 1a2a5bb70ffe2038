"""Fitted BTYD results survive a round trip through a JSON file, and their predictions still work."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relmkt_utils import btyd
from relmkt_utils.core.errors import DataError
from relmkt_utils.data import datasets

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def cal():
    return pd.read_csv(DATA / "cdnow_sample" / "calibration_summary.csv", dtype={"customer_id": str}).set_index("customer_id")


@pytest.fixture(scope="module")
def fitted(cal):
    args = (cal.frequency, cal.recency, cal["T"])
    rep = cal[cal.frequency > 0]
    don = datasets.load("donations").extras["bgbb_summary"]
    return {
        "BG/NBD": (btyd.BetaGeo(*args).fit(), args),
        "Pareto/NBD": (btyd.ParetoNBD(*args).fit(), args),
        "MBG/NBD": (btyd.ModifiedBetaGeo(*args).fit(), args),
        "BG/BB": (btyd.BetaGeoBetaBinom(don.frequency, don.recency, don.n_periods, weights=don.donors).fit(),
                  (don.frequency, don.recency, don.n_periods)),
        "Gamma-Gamma": (btyd.GammaGamma(rep.frequency, rep.monetary_value).fit(), (rep.frequency, rep.monetary_value)),
        "BG/CNBD-k": (btyd.BetaGeoCNBD(*args, k=2).fit(), args),
        "MBG/CNBD-k": (btyd.ModifiedBetaGeoCNBD(*args, k=2).fit(), args),
        "GGom/NBD": (btyd.GammaGompertzNBD(*args).results_at([0.55, 10.6, 0.02, 0.6, 0.25]), args),
    }


@pytest.mark.parametrize("name", ["BG/NBD", "Pareto/NBD", "MBG/NBD", "BG/BB", "Gamma-Gamma", "BG/CNBD-k", "MBG/CNBD-k",
                                  "GGom/NBD"])
def test_round_trip_keeps_everything_and_predictions_work(fitted, name, tmp_path):
    res, data = fitted[name]
    path = res.save(tmp_path / "fit.json")
    back = btyd.load_results(path)
    assert type(back) is type(res) and back.model is None
    assert back.model_name == res.model_name == name
    pd.testing.assert_series_equal(back.params, res.params)             # exact floats
    pd.testing.assert_frame_equal(back.cov_params(), res.cov_params())
    assert back.settings == res.settings                                 # e.g. the Erlang order k
    pd.testing.assert_frame_equal(back.conf_int(), res.conf_int())
    assert (back.llf, back.nobs, back.converged, back.iterations, back.warnings, back.aic) == \
           (res.llf, res.nobs, res.converged, res.iterations, res.warnings, res.aic)
    assert str(back.summary()) == str(res.summary())
    if name == "Gamma-Gamma":
        np.testing.assert_array_equal(back.expected_spend(*data), res.expected_spend())
        with pytest.raises(ValueError, match="no customer data"):
            back.expected_spend()
        return
    np.testing.assert_array_equal(np.asarray(back.p_alive(*data)), np.asarray(res.p_alive()))
    np.testing.assert_array_equal(np.asarray(back.expected_purchases(4, *data)), np.asarray(res.expected_purchases(4)))
    assert back.expected_purchases_new_customer(6) == res.expected_purchases_new_customer(6)
    assert back.pmf(6, 2) == res.pmf(6, 2)
    np.testing.assert_array_equal(np.asarray(back.dert(0.1, "year", *data)), np.asarray(res.dert(0.1, "year")))
    with pytest.raises(ValueError, match="no customer data"):
        back.p_alive()


def test_the_file_is_small_plain_json(fitted, tmp_path):
    res, _ = fitted["BG/NBD"]
    path = res.save(tmp_path / "bg.json")
    doc = json.loads(path.read_text())
    assert doc["format"] == "relmkt.btyd.results/1" and doc["model"] == "BG/NBD"
    assert doc["param_names"] == ["r", "alpha", "a", "b"] and len(doc["cov_params_log"]) == 4
    assert path.stat().st_size < 2000


def test_results_at_given_parameters_round_trip_with_unknown_covariance(fitted, tmp_path):
    res, (x, tx, T) = fitted["MBG/NBD"]
    at = res.model.results_at([0.5, 6.0, 0.9, 1.6])
    back = btyd.load_results(at.save(tmp_path / "at.json"))
    assert back.cov_params_log.isna().all().all() and not back.converged
    assert back.warnings == ["evaluated at given parameters, not fitted"]
    np.testing.assert_array_equal(back.p_alive(x, tx, T), np.asarray(at.p_alive()))


def test_a_file_that_is_not_saved_results_is_a_data_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="not a JSON file"):
        btyd.load_results(bad)
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(DataError, match="format"):
        btyd.load_results(bad)
    bad.write_text(json.dumps({"format": "relmkt.btyd.results/1", "results_class": "Nope"}))
    with pytest.raises(DataError, match="unknown results class"):
        btyd.load_results(bad)
