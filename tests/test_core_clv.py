"""Closed-form CLV: both timing conventions vs brute-force sums, Monte Carlo and monotonicity."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils.core.errors import ParameterError
from relmkt_utils.core.clv import (clv, clv_from_survival, margin_multiplier, present_value, simulate_clv,
                                    survival_from_retention)


def brute(m, r, i, T=5000, timing="start", g=0.0):
    t = np.arange(0, T) if timing == "start" else np.arange(1, T + 1)
    growth = (1 + g) ** (t if timing == "start" else t - 1)
    return float(np.sum(m * growth * r ** t / (1 + i) ** t))


def test_textbook_values_of_both_conventions():
    # m = 100, r = 0.8, i = 0.1: start 100 x 1.1/0.3, end 100 x 0.8/0.3 (Gupta & Lehmann multiplier 2.667)
    assert clv(100, 0.8, 0.1, timing="start") == pytest.approx(366.6666667)
    assert clv(100, 0.8, 0.1, timing="end") == pytest.approx(266.6666667)
    assert margin_multiplier(0.9, 0.1, timing="end") == pytest.approx(4.5)
    assert margin_multiplier(0.8, 0.1, timing="start") == pytest.approx(1.1 / 0.3)


@pytest.mark.parametrize("timing", ["start", "end"])
@pytest.mark.parametrize("m,r,i", [(100, 0.8, 0.1), (35, 0.5, 0.02), (12, 0.95, 0.008), (1, 0.0, 0.1)])
def test_closed_form_equals_discounted_sum(timing, m, r, i):
    assert clv(m, r, i, timing=timing) == pytest.approx(brute(m, r, i, timing=timing), rel=1e-10)
    for T in (1, 3, 12):
        assert clv(m, r, i, horizon=T, timing=timing) == pytest.approx(brute(m, r, i, T=T, timing=timing), rel=1e-12)
    assert clv(m, r, i, horizon=0, timing=timing) == 0.0


def test_conventions_differ_by_r_over_one_plus_i():
    r, i = np.linspace(0.1, 0.95, 9), 0.12
    np.testing.assert_allclose(clv(10, r, i, timing="end"), clv(10, r, i, timing="start") * r / (1 + i))


@pytest.mark.parametrize("timing", ["start", "end"])
def test_margin_growth_matches_sum(timing):
    assert clv(20, 0.7, 0.1, timing=timing, margin_growth=0.05) == pytest.approx(
        brute(20, 0.7, 0.1, timing=timing, g=0.05), rel=1e-10)
    assert clv(20, 0.7, 0.1, horizon=6, timing=timing, margin_growth=0.05) == pytest.approx(
        brute(20, 0.7, 0.1, T=6, timing=timing, g=0.05), rel=1e-12)


@pytest.mark.parametrize("timing", ["start", "end"])
def test_clv_from_survival_equals_closed_form_for_constant_retention(timing):
    S = survival_from_retention(np.full(10, 0.75))
    assert clv_from_survival(40, S, 0.08, timing=timing) == pytest.approx(clv(40, 0.75, 0.08, horizon=10, timing=timing))
    # rising retention (heterogeneity) is worth more than its first-period value held constant
    S_rising = survival_from_retention(np.linspace(0.75, 0.95, 10))
    assert clv_from_survival(40, S_rising, 0.08, timing=timing) > clv(40, 0.75, 0.08, horizon=10, timing=timing)
    # period-specific margins
    m = np.arange(1, 11, dtype=float)
    t = np.arange(11)
    expect = np.sum(m * S[:-1] / 1.08 ** t[:-1]) if timing == "start" else np.sum(m * S[1:] / 1.08 ** t[1:])
    assert clv_from_survival(m, S, 0.08, timing=timing) == pytest.approx(expect)


@pytest.mark.parametrize("timing", ["start", "end"])
@pytest.mark.parametrize("horizon", [None, 5])
def test_monte_carlo_agrees_with_closed_form(timing, horizon):
    draws = simulate_clv(50.0, 0.8, 0.1, n_customers=200_000, seed=7, horizon=horizon, timing=timing)
    se = draws.std(ddof=1) / np.sqrt(draws.size)
    assert abs(draws.mean() - clv(50.0, 0.8, 0.1, horizon=horizon, timing=timing)) < 4 * se
    assert np.array_equal(draws, simulate_clv(50.0, 0.8, 0.1, 200_000, seed=7, horizon=horizon, timing=timing))


def test_bad_parameters_are_one_clear_error():
    with pytest.raises(ParameterError, match="timing"):
        clv(1, 0.5, 0.1, timing="middle")
    with pytest.raises(ParameterError, match="retention"):
        clv(1, 1.2, 0.1)
    with pytest.raises(ParameterError):
        clv(1, 1.0, 0.0)          # infinite horizon diverges
    with pytest.raises(ParameterError):
        clv_from_survival(1, [0.9, 0.8], 0.1)


rates = st.floats(0.0, 0.97, allow_nan=False)
disc = st.floats(0.001, 0.5, allow_nan=False)
margins = st.floats(0.01, 1e4, allow_nan=False)
timings = st.sampled_from(["start", "end"])
horizons = st.one_of(st.none(), st.integers(1, 60))


@settings(max_examples=60, deadline=None)
@given(m=margins, r=rates, dr=st.floats(0.005, 0.02), i=disc, T=horizons, timing=timings)
def test_clv_rises_with_retention(m, r, dr, i, T, timing):
    more, less = clv(m, min(r + dr, 0.99), i, horizon=T, timing=timing), clv(m, r, i, horizon=T, timing=timing)
    if T == 1 and timing == "start":
        assert more == less == m           # only the certain first margin is inside the horizon
    else:
        assert more > less


@settings(max_examples=60, deadline=None)
@given(m=margins, dm=st.floats(0.01, 100), r=st.floats(0.01, 0.97), i=disc, T=horizons, timing=timings)
def test_clv_rises_with_margin(m, dm, r, i, T, timing):
    assert clv(m + dm, r, i, horizon=T, timing=timing) > clv(m, r, i, horizon=T, timing=timing)


@settings(max_examples=60, deadline=None)
@given(m=margins, r=st.floats(0.01, 0.97), i=disc, di=st.floats(0.005, 0.1), T=horizons, timing=timings)
def test_clv_falls_with_discount_rate(m, r, i, di, T, timing):
    lower, higher = clv(m, r, i + di, horizon=T, timing=timing), clv(m, r, i, horizon=T, timing=timing)
    if T == 1 and timing == "start":
        assert lower == higher == m        # a single margin at t = 0 is not discounted
    else:
        assert lower < higher


def test_present_value_conventions_and_agreement_with_closed_forms():
    # a constant retention stream m r^k, k = 1..T, valued at the end of each period is the end-timing CLV
    m, r, i, T = 12.0, 0.8, 0.1, 40
    stream = m * r ** np.arange(1, T + 1)
    assert present_value(stream, i, "end") == pytest.approx(clv(m, r, i, horizon=T, timing="end"))
    # the margins m S(t-1) of periods 1..T paid at their start: the start-timing CLV
    assert present_value(m * r ** np.arange(0, T), i, "start") == pytest.approx(clv(m, r, i, horizon=T, timing="start"))
    # broadcasting over customers (rows) and no discounting
    a = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(present_value(a, 0.0), [6.0, 1.0])
    np.testing.assert_allclose(present_value(a, 1.0), [1 / 2 + 2 / 4 + 3 / 8, 1 / 8])


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 0.98), st.floats(0.001, 0.3), st.floats(0.001, 0.01))
def test_clv_rises_with_retention_in_both_conventions(r, i, dr):
    """More retention, more value, in both conventions and at any horizon."""
    for timing in ("start", "end"):
        assert clv(10.0, min(r + dr, 0.99), i, timing=timing) > clv(10.0, r, i, timing=timing)
        assert clv(10.0, min(r + dr, 0.99), i, horizon=5, timing=timing) >= clv(10.0, r, i, horizon=5, timing=timing)
