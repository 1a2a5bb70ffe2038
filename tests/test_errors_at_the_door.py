"""Errors at the door (core.checks): a public function checks its arguments' types and ranges before any
work and names the argument, the rule and the value in one sentence (a ParameterError, also a ValueError)."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from relmkt_utils import core, loyalty, referral, retention, value
from relmkt_utils.core.checks import (ALPHA, COUNT, SEED, TEXT, checked, dataframe, instance, number, numbers,
                                      one_of)
from relmkt_utils.core.errors import DataError, ParameterError

# public functions without a declared check, and why
NOT_CHECKED = {
    "core.require_columns": "its job is the check of a table (None means the table is absent)",
    "core.calendar_period": "checks its one argument itself (core/time.py)",
    "core.time_unit": "checks its one argument itself (core/time.py)",
    "core.to_dates": "turns anything into dates; what cannot be read becomes NaT by design",
    "loyalty.dick_basu_cell": "reads any array-like as booleans",
    "value.detect_constructs": "reads column names of any iterable or DataFrame",
    "value.item_analysis": "takes any 2-d table of items (DataFrame or array)",
    "value.published_electricity": "has no arguments",
    "referral.published_gap": "takes only the published dataset, loaded when None",
}


def _public_functions():
    for pkg in (core, loyalty, retention, value, referral):
        name = pkg.__name__.split(".")[-1]
        for fn in pkg.__all__:
            obj = getattr(pkg, fn)
            if inspect.isfunction(obj):
                yield f"{name}.{fn}", obj


def test_every_public_function_checks_its_arguments_or_says_why_not():
    unchecked = sorted(name for name, fn in _public_functions() if not hasattr(fn, "__checks__"))
    assert unchecked == sorted(NOT_CHECKED)
    for name, fn in _public_functions():
        rules = getattr(fn, "__checks__", {})
        assert set(rules) <= set(inspect.signature(fn).parameters), name
        if "alpha" in inspect.signature(fn).parameters and fn.__module__.split(".")[-1] not in ("sbg", "bdw"):
            assert rules.get("alpha") is ALPHA, f"{name} does not check alpha as an interval level"
        if "seed" in inspect.signature(fn).parameters:
            assert "seed" in rules, f"{name} does not check its seed"


def _message(call) -> str:
    with pytest.raises(ParameterError) as info:
        call()
    assert isinstance(info.value, (DataError, ValueError))
    return str(info.value)


# one sentence per package, exactly as a researcher reads it
@pytest.mark.parametrize("call, sentence", [
    # core
    (lambda: core.clv(100, 0.8, "0.1"), 'discount_rate must be a number or numbers > -1; got "0.1" (text).'),
    (lambda: core.clv(100, [0.8, 1.2], 0.1), "retention must be a number or numbers in [0, 1]; got a list of 2 items "
                                               "(1 outside, e.g. 1.2)."),
    (lambda: core.clv(100, 0.8, 0.1, horizon=12.5), "horizon must be a whole number >= 0 or None; got 12.5."),
    (lambda: core.z_value(1.5), "alpha must be a number in (0, 1); got 1.5."),
    # loyalty
    (lambda: loyalty.nps([9, 10, 3], alpha="0.05"), 'alpha must be a number in (0, 1); got "0.05" (text).'),
    (lambda: loyalty.top_share([1.0, 2.0, 3.0], p=1.5), "p must be a number in [0, 1]; got 1.5."),
    (lambda: loyalty.gini(["a", "b"]), "values must be a number or numbers; got a list of 2 items."),
    (lambda: loyalty.nps_bootstrap([9, 10, 3], n_boot=0), "n_boot must be a whole number >= 1; got 0."),
    # retention
    (lambda: retention.sbg_derl(1.0, 2.0, 0.1, renewals=2.5), "renewals must be a whole number >= 0; got 2.5."),
    (lambda: retention.sbg_del(1.0, 2.0, discount_rate=0), "discount_rate must be a number > 0; got 0."),
    (lambda: retention.cohort_survivors(pd.DataFrame({"customer_id": [], "date": []}), period="week"),
     "period must be one of 'month', 'quarter', 'year'; got \"week\" (text)."),
    (lambda: retention.clv_cac_grid(30.0, 0.1, retention=[0.5, 0.8], acquisition_cost=True),
     "acquisition_cost must be a number or numbers >= 0; got True."),
    # value
    (lambda: value.bootstrap_wtp(pd.DataFrame(), n_boot=1), "n_boot must be a whole number >= 2; got 1."),
    (lambda: value.fit_conditional_logit(np.zeros((4, 3))),
     "choices must be a pandas DataFrame; got an array of shape (4, 3) and dtype float64."),
    (lambda: value.halton(10, 2, seed=-1), "seed must be a whole number >= 0 or None; got -1."),
    # referral
    (lambda: referral.roi(100, "50", 20, 5.0), 'clv must be a number or numbers; got "50" (text).'),
    (lambda: referral.simulate_referral_program(n_customers=0), "n_customers must be a whole number >= 1; got 0."),
    (lambda: referral.cascade_total(100, k=-0.5), "k must be a number >= 0; got -0.5."),
    (lambda: referral.published_settings(0.1, share_anyway=30), "share_anyway must be a number in [0, 1]; got 30."),
])
def test_the_sentence_names_the_argument_the_rule_and_the_value(call, sentence):
    assert _message(call) == sentence


def test_the_helpers_of_notebook_04_check_their_arguments():
    """retention's projection, holdout, valuation, groups and spending helpers, and core.time's day rule:
    a wrong argument is refused at the door, not read as something else (a column name as its letters, a
    single-cohort sBG as a pooled one)."""
    table = pd.DataFrame([[100, 30, 25, 20], [200, 50, 40, np.nan]], columns=range(4))
    single = retention.ShiftedBetaGeometric(np.array([100.0, 60.0, 40.0, 30.0])).fit()
    assert _message(lambda: retention.pooled_holdout(table, calibration_periods=0)) == \
        "calibration_periods must be a whole number >= 1 or None; got 0."
    assert _message(lambda: retention.cohort_fit_table(table, single)) == \
        "pooled must be the pooled sBG of fit_pooled or pooled_fit (SBGResults of a PooledShiftedBetaGeometric) or " \
        "None; got a SBGResults."
    assert _message(lambda: retention.projection_caveat(8, "quarters", 2.0)) == \
        "period must be one of 'day', 'week', 'month', 'quarter', 'year'; got \"quarters\" (text)."
    assert _message(lambda: retention.cohort_projections(models=["sbg", "weibull"])) == \
        "models must be a list of keys of MODELS ('sbg', 'bdw', 'constant') or None; got a list of 2 items (unknown: 'weibull')."
    assert _message(lambda: retention.basis("synthetic")) == \
        'ds must be a Dataset (loaded by relmkt_utils.data.datasets.load); got "synthetic" (text).'
    assert _message(lambda: retention.monte_carlo_check(144.0, 0.8, 0.1, seed=1, n_customers=1)) == \
        "n_customers must be a whole number >= 2; got 1."
    assert _message(lambda: retention.survival_by_group(pd.DataFrame(), "channel")) == \
        'columns must be a list of column names; got "channel" (text).'
    assert _message(lambda: retention.spending_optimum(pd.DataFrame(), 12.0, 0.008, n_boot=1)) == \
        "n_boot must be a whole number >= 2; got 1."
    assert _message(lambda: core.model_time_unit(None, "week", "customer_value")) == \
        'carried must be a TimeUnit or None; got "week" (text).'


def test_data_loaders_check_their_arguments():
    from relmkt_utils.data import datasets
    from relmkt_utils.data.synthetic import synthesize

    assert _message(lambda: datasets.load(3)) == "name_or_path must be a dataset name or a folder path; got 3."
    assert _message(lambda: synthesize(seed=1.5)) == "seed must be a whole number >= 0; got 1.5."


def test_the_checks_come_before_any_work():
    calls = []

    @checked(n=COUNT, label=TEXT)
    def work(n, label="x"):
        calls.append(n)
        return n

    with pytest.raises(ParameterError, match="^n must be a whole number >= 1; got -3.$"):
        work(-3)
    assert calls == []
    assert work(np.int64(2)) == 2 and work(2.0) == 2.0          # numpy integers and whole floats are numbers
    with pytest.raises(TypeError):                               # a wrong call keeps Python's own message
        work()
    with pytest.raises(TypeError, match="has no argument m"):
        checked(m=COUNT)(work)


@pytest.mark.parametrize("rule, good, bad", [
    (ALPHA, [0.05, np.float32(0.1)], [0, 1, True, "0.05", None, np.nan, [0.05]]),
    (SEED, [0, 7, np.int64(3), 4.0], [-1, 1.5, True, "1", None]),
    (number(0, none=True), [None, 0, 2.5], [-0.1, np.inf, "2"]),
    (numbers(0, 1), [0.5, [0, 1], np.array([[0.2]]), pd.Series([0.1, 0.9])], [[0.5, np.nan], ["0.5"], "0.5", [True]]),
    (numbers(0, missing=True), [[1, np.nan], np.nan], [[-1, np.nan], np.inf]),
    (dataframe(none=True), [pd.DataFrame(), None], [pd.Series(dtype=float), {}]),
    (one_of("start", "end"), ["start"], ["Start", 1, None, ["start"]]),
    (instance(dict, attributes=("params",)), [{}, pd.Series(dtype=float).to_frame().assign(params=1)], [[], 3]),
])
def test_rules(rule, good, bad):
    for v in good:
        rule.check(v, "x")
    for v in bad:
        with pytest.raises(ParameterError, match=r"^x must be "):
            rule.check(v, "x")
