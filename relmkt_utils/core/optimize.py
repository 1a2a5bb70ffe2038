r"""The suite's one optimizer: damped Newton steps on the log scale for likelihoods of positive parameters.

Every model of the suite with an iterative maximum-likelihood fit (BG/NBD, Pareto/NBD, Gamma-Gamma,
the shifted-beta-geometric and its pooled form) supplies its negative log-likelihood with the analytic
gradient and, where it is cheap, the analytic Hessian; :func:`newton_fit` maximizes it over
:math:`\eta = \log\theta`, so positivity needs no constraint and a fit converges in about ten
evaluations. With :math:`g = \partial(-\ell)/\partial\theta` and
:math:`H = \partial^2(-\ell)/\partial\theta\partial\theta^\top` the log-scale derivatives are

.. math::  g_\eta = \theta \odot g, \qquad H_\eta = \operatorname{diag}(\theta) H \operatorname{diag}(\theta) + \operatorname{diag}(\theta \odot g).

The covariance of :math:`\hat\eta` is :math:`H_\eta^{-1}` at the optimum (observed information), so
``bse`` and ``conf_int()`` mean the same thing for every model (:class:`~relmkt_utils.core.results.MLEResults`).
When a model has no analytic Hessian, the steps use forward differences of the analytic gradient and
the covariance at the optimum central differences (:func:`numerical_hessian`).

A parameter that runs off to 0 or infinity (|log theta| > 35) is not identified by the data: the likelihood
keeps rising towards a boundary of the parameter space (a BG/NBD whose dropout probability runs to 0 on data
without dropout). The fit stops there instead of iterating, names those parameters in the results'
``boundary``, and the results say so (:func:`~relmkt_utils.core.results.diagnose`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .results import MLEResults, diagnose

#: |log theta| beyond which a parameter is taken to run off to 0 or infinity.
DIVERGED_LOG = 35.0

# f(theta, order) -> value (order 0), (value, grad) (order 1) or (value, grad, hess) (order 2)
Objective = Callable[[np.ndarray, int], object]


def numerical_hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, rel_step: float = 1e-5) -> np.ndarray:
    """Symmetrized central-difference Hessian from a gradient function."""
    x = np.asarray(x, dtype=float)
    k = x.size
    h = rel_step * np.maximum(1.0, np.abs(x))
    H = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h[j]
        H[:, j] = (grad(x + e) - grad(x - e)) / (2 * h[j])
    return 0.5 * (H + H.T)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, rel_step: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function (used by tests to check analytic gradients)."""
    x = np.asarray(x, dtype=float)
    h = rel_step * np.maximum(1.0, np.abs(x))
    g = np.empty_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h[j]
        g[j] = (f(x + e) - f(x - e)) / (2 * h[j])
    return g


def forward_hessian(grad, eta: np.ndarray, g0: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Symmetrized forward-difference Hessian of the log-scale gradient: k gradients instead of the
    2k of central differences, relative error O(1e-5) — plenty for a Newton direction."""
    k = len(eta)
    H = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = step
        H[:, j] = (grad(eta + e) - g0) / step
    return 0.5 * (H + H.T)


def newton_fit(
    objective: Objective,
    x0,
    names: list[str],
    *,
    results_cls=MLEResults,
    model,
    nobs: float,
    model_name: str,
    analytic_hessian: bool = True,
    maxiter: int = 200,
    step_tol: float = 1e-10,
    positive=None,
) -> MLEResults:
    """Minimize ``objective`` (a negative log-likelihood over positive parameters) by damped Newton steps.

    Each step solves :math:`(H_\\eta + \\lambda I)\\,\\delta = g_\\eta` with the smallest
    :math:`\\lambda \\ge 0` that makes the matrix positive definite, caps the step at 3 on the log scale,
    and halves it until the Armijo condition holds. It stops when the step is below ``step_tol`` or
    the predicted decrease is below the rounding error of the objective.

    ``positive`` (optional boolean mask, one per parameter; default all True) marks the parameters
    that are positive and fitted on the log scale; the others (regression coefficients) are real-valued
    and fitted as they are: for them :math:`\\eta_j = \\theta_j`, the log-scale derivative terms become
    :math:`g_j` and :math:`H_{jk}`, and the results' ``bse``/``conf_int`` are on the natural scale
    (:class:`~relmkt_utils.core.results.MLEResults` ``positive``). Without it nothing changes.
    """

    if positive is None:
        pos = None

        def to_theta(eta):
            return np.exp(eta)

        def jac(theta):            # d theta / d eta
            return theta

        def curv(theta):           # d2 theta / d eta2
            return theta
    else:
        pos = np.asarray(positive, dtype=bool).ravel()
        if pos.shape != (len(names),):
            raise ValueError(f"{model_name}: positive must hold one flag per parameter ({len(names)})")

        def to_theta(eta):
            theta = np.array(eta, dtype=float)
            theta[pos] = np.exp(eta[pos])
            return theta

        def jac(theta):
            return np.where(pos, theta, 1.0)

        def curv(theta):
            return np.where(pos, theta, 0.0)

    def value(eta):
        with np.errstate(all="ignore"):
            v = float(objective(to_theta(eta), 0))
        return v if np.isfinite(v) else np.inf

    def grad_eta(eta):
        theta = to_theta(eta)
        _, g = objective(theta, 1)
        return np.asarray(g) * jac(theta)

    def derivs(eta):
        theta = to_theta(eta)
        J = jac(theta)
        if analytic_hessian:
            f, g, H = objective(theta, 2)
            g = np.asarray(g, float)
            He = np.outer(J, J) * np.asarray(H, float) + np.diag(curv(theta) * g)
        else:
            f, g = objective(theta, 1)
            g = np.asarray(g, float)
            He = forward_hessian(grad_eta, eta, J * g)
        return float(f), J * g, 0.5 * (He + He.T)

    x0 = np.asarray(x0, dtype=float)
    if pos is None:
        eta = np.log(x0)
    else:
        eta = x0.copy()
        eta[pos] = np.log(x0[pos])
    f, ge, He = derivs(eta)
    if not np.isfinite(f):
        raise ValueError(f"{model_name}: the log-likelihood is not finite at the starting values {dict(zip(names, to_theta(eta)))}")
    converged = False
    boundary: tuple = ()
    it = 0
    for it in range(1, maxiter + 1):
        lam = 0.0
        eye = np.eye(len(eta))
        scale = max(1.0, np.max(np.abs(np.diag(He))))
        while True:
            try:
                L = np.linalg.cholesky(He + lam * eye)
                break
            except np.linalg.LinAlgError:
                lam = max(2 * lam, 1e-8 * scale)
        step = np.linalg.solve(L.T, np.linalg.solve(L, ge))
        big = np.max(np.abs(step))
        if big > 3.0:
            step *= 3.0 / big
        slope = float(ge @ step)
        if slope < 1e-13 * max(1.0, abs(f)) and lam == 0.0:
            # predicted decrease below the rounding error of f: this is the optimum
            converged = True
            break
        t = 1.0
        if big < 1e-3 and lam == 0.0:
            # close to the optimum the quadratic model is exact to ~1e-9: take the full step
            eta = eta - step
            f, ge, He = derivs(eta)
            if big < step_tol:
                converged = True
                break
            continue
        while t > 1e-12:
            f_new = value(eta - t * step)
            if f_new <= f - 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            # no decrease possible along the Newton direction: at the optimum to machine precision
            converged = np.max(np.abs(ge)) < 1e-4 * max(1.0, abs(f)) and lam == 0.0
            break
        eta = eta - t * step
        f, ge, He = derivs(eta)
        off = np.abs(eta) > DIVERGED_LOG
        if pos is not None:
            off &= pos
        if off.any():
            converged = False  # a parameter runs off to 0 or infinity: not identified, stop here
            boundary = tuple(name for name, o in zip(names, off) if o)
            break
        if t * np.max(np.abs(step)) < step_tol:
            converged = lam == 0.0
            break
    if not analytic_hessian:
        # the steps used forward differences; the covariance gets the more accurate central ones
        He = numerical_hessian(grad_eta, eta, rel_step=1e-5)
    try:
        cov = np.linalg.inv(He)
    except np.linalg.LinAlgError:
        cov = np.full_like(He, np.nan)
    theta = to_theta(eta)
    extra = {} if pos is None else {"positive": pos.copy()}
    return diagnose(results_cls(
        model=model,
        params=pd.Series(theta, index=names, name="params"),
        cov_params_log=pd.DataFrame(cov, index=names, columns=names),
        llf=-float(f),
        nobs=float(nobs),
        converged=bool(converged),
        iterations=int(it),
        model_name=model_name,
        boundary=boundary,
        **extra,
    ))
