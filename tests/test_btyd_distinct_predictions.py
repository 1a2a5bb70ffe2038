"""Predictions evaluated once per distinct customer row (:class:`relmkt_utils.btyd.base.DistinctRows`) equal
the row-by-row evaluation, keep the index, and follow a permutation of the customers."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from relmkt_utils import btyd
from relmkt_utils.btyd.base import DistinctRows

RNG = np.random.default_rng(5)
# 12 distinct (x, t_x, T) rows, repeated to 300 customers
_X = np.array([0, 0, 1, 1, 2, 3, 5, 0, 4, 1, 2, 7], dtype=float)
_T = np.array([30, 12, 30, 25, 40, 40, 38, 5, 33, 10, 18, 39], dtype=float)
_TX = np.where(_X > 0, np.round(_T * np.array([0, 0, .5, .9, .2, .7, 1, 0, .4, .1, .95, .6]), 1), 0.0)
PICK = RNG.integers(0, len(_X), 300)
INDEX = pd.Index([f"c{i}" for i in range(PICK.size)], name="customer_id")
# BG/BB: discrete opportunities
_N = np.array([6, 6, 6, 5, 6, 4, 6, 3, 6, 6, 2, 6], dtype=float)
_XB = np.minimum(_X, _N)
_TXB = np.where(_XB > 0, np.minimum(_N, _XB + np.array([0, 0, 0, 1, 2, 0, 0, 0, 1, 3, 0, 0])), 0.0)
COV = np.array([0.0, 1.0, 0.5, 0.0, 1.0, 0.5, 0.0, 1.0, 0.5, 0.0, 1.0, 0.5])

CASES = {  # model, params, the customer arguments of the distinct rows, covariates (or None)
    "bgnbd": (btyd.BetaGeo, [0.25, 4.0, 0.8, 2.5], (_X, _TX, _T), None),
    "pnbd": (btyd.ParetoNBD, [0.55, 10.0, 0.6, 12.0], (_X, _TX, _T), None),
    "mbgnbd": (btyd.ModifiedBetaGeo, [0.5, 6.0, 1.2, 2.4], (_X, _TX, _T), None),
    "bgcnbd": (btyd.BetaGeoCNBD, [0.5, 3.0, 0.8, 2.5], (_X, _TX, _T), None),
    "ggomnbd": (btyd.GammaGompertzNBD, [0.5, 8.0, 0.05, 0.6, 3.0], (_X, _TX, _T), None),
    "bgbb": (btyd.BetaGeoBetaBinom, [1.2, 0.75, 0.66, 2.8], (_XB, _TXB, _N), None),
    "bgnbd_cov": (btyd.BetaGeoCovariates, [0.25, 4.0, 0.8, 2.5, 0.3, -0.2, 0.1], (_X, _TX, _T), "both"),
    "pnbd_cov": (btyd.ParetoNBDCovariates, [0.55, 10.0, 0.6, 12.0, 0.3, -0.2], (_X, _TX, _T), "both"),
}


def _results(key, rows):
    cls, params, cols, cov = CASES[key]
    args = [pd.Series(c[rows], index=INDEX[: len(rows)]) for c in cols]
    if cov is None:
        model = cls(*args) if key != "bgcnbd" else cls(*args, k=2)
        return model.results_at(params), {}
    frame = pd.DataFrame({"z": COV[rows]}, index=args[0].index)
    model = cls(*args, purchase_covariates=frame, dropout_covariates=frame)
    return model.results_at(params), {"purchase_covariates": frame, "dropout_covariates": frame}


def _predict(res, key, cols, cov):
    if key == "bgbb":
        return res.p_alive(*cols), res.expected_purchases(3, *cols)
    return res.p_alive(*cols, **cov), res.expected_purchases(10.0, *cols, **cov)


@pytest.mark.parametrize("key", list(CASES))
def test_distinct_rows_equal_row_by_row(key):
    res, cov = _results(key, PICK)
    _, _, cols, has_cov = CASES[key]
    args = [pd.Series(c[PICK], index=INDEX) for c in cols]
    pa, ep = _predict(res, key, args, cov)
    assert isinstance(pa, pd.Series) and pa.index.equals(INDEX) and ep.index.equals(INDEX)
    for i in range(len(_X)):  # each distinct row alone: nothing to group
        one = [np.array([c[i]]) for c in cols]
        cov1 = {} if has_cov is None else {k: pd.DataFrame({"z": [COV[i]]}) for k in cov}
        pa1, ep1 = _predict(res, key, one, cov1)
        hit = PICK == i
        np.testing.assert_allclose(pa.to_numpy()[hit], pa1[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ep.to_numpy()[hit], ep1[0], rtol=1e-12, atol=1e-14)
    plain = _predict(res, key, [c[PICK] for c in cols], cov)  # arrays in, arrays out
    assert isinstance(plain[0], np.ndarray) and np.array_equal(plain[0], pa.to_numpy())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), key=st.sampled_from(["bgnbd", "pnbd", "mbgnbd", "bgbb", "pnbd_cov"]))
def test_permuting_rows_permutes_outputs(seed, key):
    res, cov = _results(key, PICK)
    _, _, cols, _ = CASES[key]
    perm = np.random.default_rng(seed).permutation(PICK.size)
    base = _predict(res, key, [pd.Series(c[PICK], index=INDEX) for c in cols], cov)
    pcov = {k: v.iloc[perm] for k, v in cov.items()}
    moved = _predict(res, key, [pd.Series(c[PICK][perm], index=INDEX[perm]) for c in cols], pcov)
    for b, m in zip(base, moved):
        assert m.index.equals(INDEX[perm])
        np.testing.assert_allclose(m.to_numpy(), b.to_numpy()[perm], rtol=1e-12, atol=1e-14)


def test_grouping_is_reused_only_while_the_rows_match():
    res, _ = _results("bgnbd", PICK)
    x, tx, T = (c[PICK].copy() for c in (_X, _TX, _T))
    first = res.p_alive(x, tx, T)
    rows = res.__dict__["_distinct_rows"][0]
    assert rows.grouped and len(rows.values[0]) == len(_X)
    res.expected_purchases(10.0, x, tx, T)
    assert res.__dict__["_distinct_rows"] == [rows]         # same customers: found once
    T[0] += 1.0                                             # changed in place: a new grouping
    changed = res.p_alive(x, tx, T)
    assert res.__dict__["_distinct_rows"][0] is not rows
    alone = res.p_alive(x[:1], tx[:1], T[:1])
    assert changed[0] == pytest.approx(alone[0], rel=1e-12) and changed[1:] == pytest.approx(first[1:], rel=1e-12)


def test_alternating_customer_sets_reuse_their_groupings():
    """A CLV interval alternates between the customers and their distinct (x, T) pairs: both groupings
    are kept, and the oldest is dropped beyond ``KEEP_DISTINCT``."""
    res, _ = _results("bgnbd", PICK)
    x, tx, T = (c[PICK].copy() for c in (_X, _TX, _T))
    res.p_alive(x, tx, T)
    res.p_alive(x, np.where(x > 0, T, 0.0), T)
    kept = list(res.__dict__["_distinct_rows"])
    assert len(kept) == 2
    res.p_alive(x, tx, T)
    res.p_alive(x, np.where(x > 0, T, 0.0), T)
    assert res.__dict__["_distinct_rows"] == kept           # found again, not rebuilt
    for k in range(res.KEEP_DISTINCT + 1):
        res.p_alive(x, tx, T + k + 1)
    assert len(res.__dict__["_distinct_rows"]) == res.KEEP_DISTINCT


def test_mostly_distinct_rows_are_not_grouped():
    n = 20_000
    T = np.random.default_rng(1).uniform(1, 50, n)          # continuous time: every row its own
    rows = DistinctRows([np.zeros(n), np.zeros(n), T])
    assert not rows.grouped and rows.expand(T) is T
    half = DistinctRows([np.repeat(np.arange(n // 4.0), 4)])
    assert half.grouped and len(half.values[0]) == n // 4


PATH_CASES = {"bgnbd": [0.25, 4.0, 0.8, 2.5], "bgnbd a=1": [0.25, 4.0, 1.0, 2.5],
              "bgnbd a+b+x=1 at x=0": [0.25, 4.0, 0.6, 0.4], "pnbd": [0.55, 10.0, 0.6, 12.0],
              "pnbd s=1": [0.55, 10.0, 1.0, 12.0], "mbgnbd": [0.5, 6.0, 1.2, 2.4], "mbgnbd a=1": [0.5, 6.0, 1.0, 2.4]}


@pytest.mark.parametrize("case", list(PATH_CASES))
@pytest.mark.parametrize("rows", ["grouped", "all distinct"])
def test_purchase_paths_equal_the_periods_one_by_one(case, rows):
    """The BG/NBD, MBG/NBD and Pareto/NBD evaluate every period of cumulative_purchases (what a CLV discounts)
    in one pass; it equals expected_purchases period by period (the generic path), also at the removable
    singularities."""
    from relmkt_utils.btyd.base import CustomerPredictionResults

    cls = CASES[case.split()[0]][0]
    pick = PICK if rows == "grouped" else np.arange(len(_X))
    res = cls(*[pd.Series(c[pick]) for c in (_X, _TX, _T)]).results_at(PATH_CASES[case])
    periods = np.array([0.5, 1.0, 2.0, 13.0, 52.0])
    paths = res.cumulative_purchases(periods)
    one_by_one = CustomerPredictionResults.cumulative_purchases(res, periods)
    assert type(res).cumulative_purchases is not CustomerPredictionResults.cumulative_purchases
    assert paths.shape == (pick.size, periods.size)
    np.testing.assert_allclose(paths, one_by_one, rtol=1e-12, atol=0)
    assert np.all(np.diff(paths, axis=1) > 0)               # more periods, more purchases
