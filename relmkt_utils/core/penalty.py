r"""Ridge (L2) penalties on regression coefficients, fitted by the suite's optimizer, and the choice of the
penalty by cross-validation over customers.

CLVTools' ``reg.lambdas`` (Bachmann, Meierer & Naef 2021, CLVTools' ``interlayer_regularization``)
minimizes the average negative log-likelihood plus a ridge term per process,

.. math:: -\frac{\ell(\theta)}{N} + \sum_g \lambda_g\, \gamma_g^\top \Omega_g \gamma_g ,

i.e. maximizes :math:`\ell(\theta) - N\sum_g \lambda_g \gamma_g^\top\Omega_g\gamma_g` with :math:`\Omega_g = I`:
the :math:`\lambda_g` are on CLVTools' scale (per customer), the base parameters are not penalized. A
segment coded by effects (:func:`relmkt_utils.core.design.effects_coding`: :math:`k-1` columns whose
coefficients :math:`u_1..u_{k-1}` leave :math:`u_k = -\sum u_j`) is penalized on all *k* effects,
:math:`\sum_{j=1}^k u_j^2 = u^\top (I + 11^\top) u`, so that no segment is the reference and the effects
shrink towards the pooled model.

The penalty is a Gaussian prior :math:`\gamma_g \sim N(0, (2N\lambda_g\Omega_g)^{-1})`; the penalized
estimate is its posterior mode and the inverse of the penalized observed information its Laplace
covariance, so ``bse`` and ``conf_int()`` of a penalized fit are posterior (shrunken) intervals, not Wald
intervals of the unpenalized estimator. ``llf`` is the log-likelihood at the penalized estimate (without the
penalty), ``penalized_llf`` with it, and ``df_effective`` :math:`= \mathrm{tr}(H_\ell H_{pen}^{-1})` the
effective number of parameters (Hastie & Tibshirani 1990), from which ``aic_effective`` follows.

:func:`cross_validate_penalty` picks :math:`\lambda` by K-fold cross-validation over customers: each fold's
customers are left out (weight 0), the model is fitted on the others and the left-out customers'
log-likelihood is summed; the :math:`\lambda` with the largest held-out log-likelihood wins (Hastie,
Tibshirani & Friedman 2009, sec. 7.10).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .checks import COUNT, SEED, checked, number
from .errors import ParameterError
from .optimize import newton_fit


def coefficient_group(name: str) -> str | None:
    """The process a coefficient belongs to: ``purchase:x`` and ``purchase_a:x`` -> ``purchase``,
    ``dropout_b:x`` -> ``dropout``, ``spend:x`` -> ``spend``; None for a base parameter (no colon)."""
    if ":" not in name:
        return None
    return name.split(":", 1)[0].split("_", 1)[0]


def ridge_matrix(names, lambdas, nobs: float, blocks=()) -> np.ndarray:
    """The matrix :math:`M` of the penalty :math:`\\theta^\\top M \\theta` (zero for base parameters).

    Parameters
    ----------
    names : list of str
        the model's parameter names (coefficients contain a colon: ``purchase:x``).
    lambdas : float or dict
        one penalty for every coefficient, or one per process (``{"purchase": 3, "dropout": 8}``; a process
        not named is not penalized), on CLVTools' per-customer scale.
    nobs : float
        the number of customers N (the weighted count of the fit).
    blocks : iterable of lists of str
        effects-coded groups of coefficients, penalized as :math:`u^\\top(I + 11^\\top)u`.
    """
    names = list(names)
    k = len(names)
    lam = np.zeros(k)
    for j, name in enumerate(names):
        g = coefficient_group(name)
        if g is None:
            continue
        if isinstance(lambdas, dict):
            lam[j] = float(lambdas.get(g, 0.0))
        else:
            lam[j] = float(lambdas)
    if np.any(lam < 0) or not np.all(np.isfinite(lam)):
        raise ParameterError(f"lambdas must be finite numbers >= 0; got {lambdas!r}")
    M = np.diag(lam)
    for block in blocks:
        idx = [names.index(b) for b in block]
        if len({lam[i] for i in idx}) > 1:
            raise ParameterError(f"an effects-coded block must have one penalty, got {[lam[i] for i in idx]}")
        sub = np.ix_(idx, idx)
        M[sub] = lam[idx[0]] * (np.eye(len(idx)) + 1.0)
    return float(nobs) * M


def penalized(objective: Callable, M: np.ndarray) -> Callable:
    """``objective`` (a negative log-likelihood f(theta, order) as for :func:`~relmkt_utils.core.optimize.newton_fit`)
    plus :math:`\\theta^\\top M\\theta` with its gradient and Hessian.

    Parameters
    ----------
    objective : callable
        f(theta, order) returning the value, (value, gradient) or (value, gradient, Hessian).
    M : numpy.ndarray
        the penalty matrix (:func:`ridge_matrix`).
    """
    M = np.asarray(M, dtype=float)

    def f(theta, order):
        theta = np.asarray(theta, dtype=float)
        pen = float(theta @ M @ theta)
        out = objective(theta, order)
        if order == 0:
            return out + pen
        if order == 1:
            return out[0] + pen, np.asarray(out[1]) + 2.0 * M @ theta
        return out[0] + pen, np.asarray(out[1]) + 2.0 * M @ theta, np.asarray(out[2]) + 2.0 * M
    return f


def penalized_fit(objective: Callable, x0, names, M: np.ndarray, *, positive=None, lambdas=None, **kw):
    """Maximize the penalized log-likelihood with :func:`~relmkt_utils.core.optimize.newton_fit` and add to the
    results ``penalty`` (the lambdas), ``penalized_llf``, ``df_effective`` and ``aic_effective``; ``llf`` is the
    unpenalized log-likelihood at the estimate (module docstring).

    Parameters
    ----------
    objective : callable
        the unpenalized negative log-likelihood f(theta, order).
    x0 : array-like
        start values.
    names : list of str
        parameter names.
    M : numpy.ndarray
        the penalty matrix (:func:`ridge_matrix`); penalized parameters must be real-valued (``positive`` False).
    positive : array-like of bool, optional
        the positive (log-scale) parameters, as for newton_fit.
    lambdas : float or dict, optional
        the penalties as given, kept on the results.
    **kw
        the other arguments of newton_fit (results_cls, model, nobs, model_name, analytic_hessian, maxiter).
    """
    M = np.asarray(M, dtype=float)
    pos = np.zeros(len(names), dtype=bool) if positive is None else np.asarray(positive, dtype=bool)
    if np.any(np.abs(M[pos]).sum(axis=1) > 0):
        raise ParameterError("only real-valued coefficients can be penalized, not the positive base parameters")
    res = newton_fit(penalized(objective, M), x0, names, positive=positive, **kw)
    theta = res.params.to_numpy(dtype=float)
    pen = float(theta @ M @ theta)
    res.penalized_llf = float(res.llf)
    res.llf = float(res.llf + pen)
    cov = res.cov_params_log.to_numpy()
    res.df_effective = float(len(names) - 2.0 * np.trace(M @ cov)) if np.all(np.isfinite(cov)) else float("nan")
    res.aic_effective = 2.0 * res.df_effective - 2.0 * res.llf
    res.penalty = lambdas
    res.interval_note = ("Penalized (ridge) fit: coefficients are posterior modes under the ridge prior and their "
                         "intervals Laplace intervals of that posterior; llf is without the penalty.")
    return res


def fit_with_penalty(objective: Callable, x0, names, penalty=None, *, nobs: float, positive=None, blocks=(), **kw):
    """The maximum-likelihood fit when ``penalty`` is None, else the ridge-penalized fit with the penalty
    matrix of ``penalty`` (:func:`ridge_matrix`, :func:`penalized_fit`): the one place a covariate model's
    ``fit(penalty=...)`` goes through. ``**kw``: the other arguments of newton_fit."""
    if penalty is None:
        return newton_fit(objective, x0, names, positive=positive, nobs=nobs, **kw)
    M = ridge_matrix(names, penalty, nobs, blocks)
    return penalized_fit(objective, x0, names, M, positive=positive, lambdas=penalty, nobs=nobs, **kw)


def folds_of(n: int, k: int, seed: int) -> np.ndarray:
    """A fold label 0..k-1 for each of ``n`` customers, balanced and seeded."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(n) % k)


@checked(n=COUNT, folds=number(2, integer=True), seed=SEED)
def cross_validate_penalty(fit_with: Callable, heldout_loglike: Callable, n: int, grid, folds: int = 5,
                           seed: int = 0) -> pd.DataFrame:
    """K-fold cross-validated log-likelihood of each penalty in ``grid`` (module docstring).

    Parameters
    ----------
    fit_with : callable
        fit_with(lam, weights, start) -> parameter vector: the model fitted with penalty ``lam`` to the
        customers with weight 1 (0 = left out), from the start ``start`` (None, or the previous fit's estimate).
    heldout_loglike : callable
        heldout_loglike(params) -> the log-likelihood of every customer at ``params``.
    n : int
        number of customers.
    grid : array-like
        the penalties to compare (from large to small is fastest: each fit starts from the previous).
    folds : int
        number of folds K.
    seed : int
        seed of the fold assignment.

    Returns
    -------
    DataFrame indexed by lambda: ``heldout_llf`` (summed over folds), ``se`` (its standard error over customers)
    and ``best`` (True for the largest held-out log-likelihood).
    """
    grid = [float(v) for v in np.atleast_1d(grid)]
    if not grid or any(v < 0 or not np.isfinite(v) for v in grid):
        raise ParameterError(f"grid must hold penalties >= 0; got {grid!r}")
    label = folds_of(n, folds, seed)
    rows = []
    starts = {f: None for f in range(folds)}
    for lam in grid:
        per = np.empty(n)
        for f in range(folds):
            w = (label != f).astype(float)
            params = fit_with(lam, w, starts[f])
            starts[f] = params
            per[label == f] = np.asarray(heldout_loglike(params), dtype=float)[label == f]
        rows.append({"lambda": lam, "heldout_llf": float(per.sum()), "se": float(per.std(ddof=1) * np.sqrt(n))})
    out = pd.DataFrame(rows).set_index("lambda")
    out["best"] = out["heldout_llf"] == out["heldout_llf"].max()
    return out
