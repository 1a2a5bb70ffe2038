"""Ridge penalties (CLVTools' reg.lambdas) on the suite's optimizer, their cross-validation, and the design
matrices of covariates (core.penalty, core.design)."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.core.design import design_matrix, effects_coding
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.optimize import numerical_gradient
from relmkt_utils.core.penalty import (coefficient_group, cross_validate_penalty, penalized, penalized_fit,
                                       ridge_matrix)


def least_squares(X, y):
    """0.5 ||y - X b||^2 as an objective of newton_fit (real-valued parameters)."""
    def f(b, order):
        r = y - X @ b
        v = 0.5 * r @ r
        if order == 0:
            return v
        if order == 1:
            return v, -X.T @ r
        return v, -X.T @ r, X.T @ X
    return f


def test_ridge_matrix_groups_and_blocks():
    names = ["r", "alpha", "purchase:x", "purchase:y", "dropout_a:x", "dropout_b:x", "spend:z"]
    assert [coefficient_group(n) for n in names] == [None, None, "purchase", "purchase", "dropout", "dropout", "spend"]
    M = ridge_matrix(names, {"purchase": 3.0, "dropout": 8.0}, nobs=10)
    np.testing.assert_allclose(np.diag(M), [0, 0, 30, 30, 80, 80, 0])
    M = ridge_matrix(["a", "purchase:g[1]", "purchase:g[2]"], 2.0, nobs=5, blocks=[["purchase:g[1]", "purchase:g[2]"]])
    u = np.array([0.0, 0.3, -0.1])
    assert u @ M @ u == pytest.approx(5 * 2.0 * (0.3 ** 2 + 0.1 ** 2 + 0.2 ** 2))     # the 3rd effect is -(0.3 - 0.1)
    with pytest.raises(ParameterError, match="lambdas"):
        ridge_matrix(names, -1.0, 10)


def test_penalized_fit_is_closed_form_ridge():
    """For least squares the penalized estimate is (X'X + 2M)^-1 X'y and the effective degrees of freedom
    tr(X'X (X'X + 2M)^-1) (Hastie & Tibshirani 1990)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = X @ [1.0, -0.5, 0.2, 0.0] + rng.normal(size=200)
    names = ["purchase:a", "purchase:b", "dropout:c", "dropout:d"]
    M = ridge_matrix(names, {"purchase": 0.05, "dropout": 0.2}, nobs=200)
    res = penalized_fit(least_squares(X, y), np.zeros(4), names, M, positive=np.zeros(4, bool), lambdas=0.05,
                        model=None, nobs=200, model_name="ls")
    A = X.T @ X + 2 * M
    np.testing.assert_allclose(res.params, np.linalg.solve(A, X.T @ y), rtol=1e-8)
    assert res.df_effective == pytest.approx(np.trace(X.T @ X @ np.linalg.inv(A)), rel=1e-6)
    f = penalized(least_squares(X, y), M)
    b = np.array([0.3, 0.1, -0.2, 0.5])
    np.testing.assert_allclose(f(b, 1)[1], numerical_gradient(lambda t: f(t, 0), b), rtol=1e-6)
    assert res.llf == pytest.approx(-least_squares(X, y)(res.params.to_numpy(), 0))


def test_cross_validation_prefers_shrinkage_when_effects_are_noise():
    """Twenty noise covariates: the held-out fit is best with a penalty; with one strong real effect and little
    noise, the smallest penalty wins."""
    rng = np.random.default_rng(1)
    n = 60
    X = rng.normal(size=(n, 20))
    names = [f"purchase:x{j}" for j in range(20)]

    def run(y, grid):
        def fit_with(lam, w, start):
            M = ridge_matrix(names, lam, w.sum())
            Xw = X * np.sqrt(w)[:, None]
            return np.linalg.solve(Xw.T @ Xw + 2 * M, Xw.T @ (y * np.sqrt(w)))

        return cross_validate_penalty(fit_with, lambda b: -0.5 * (y - X @ b) ** 2, n, grid, folds=5, seed=0)

    grid = [0.0, 0.01, 0.1, 1.0]
    cv = run(rng.normal(size=n), grid)
    assert list(cv.columns) == ["heldout_llf", "se", "best"] and cv["best"].sum() == 1
    assert cv.index[cv["best"]][0] > 0
    cv = run(X[:, 0] * 3 + 0.1 * rng.normal(size=n), grid)
    assert cv.index[cv["best"]][0] == 0.0
    with pytest.raises(ParameterError, match="folds"):
        cross_validate_penalty(lambda *a: None, lambda b: None, n, grid, folds=1)


def test_effects_coding_and_design_matrix():
    E, levels = effects_coding(pd.Series(["b", "a", "c", "a"]), "shop")
    assert levels == ["a", "b", "c"] and list(E.columns) == ["shop[a]", "shop[b]"]
    np.testing.assert_array_equal(E.to_numpy(), [[0, 1], [1, 0], [-1, -1], [1, 0]])
    with pytest.raises(DataError, match="only one value"):
        effects_coding(["a", "a"])
    idx = pd.Index(["u", "v", "w"])
    X, cols = design_matrix(pd.DataFrame({"x": [1.0, 2.0, 4.0]}, index=["w", "v", "u"]), "spend", 3, idx, "M")
    np.testing.assert_array_equal(X[:, 0], [4.0, 2.0, 1.0])
    with pytest.raises(DataError, match="no row for 1 customer"):
        design_matrix(pd.DataFrame({"x": [1.0, 2.0]}, index=["u", "v"]), "spend", 3, idx, "M")
    with pytest.raises(DataError, match="collinear"):
        design_matrix(pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.0]}), "spend", 3, None, "M")
