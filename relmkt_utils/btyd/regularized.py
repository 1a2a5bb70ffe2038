r"""Ridge-penalized covariate models and pooled segments: shrunken effects instead of a refusal.

CLVTools' ``reg.lambdas`` (Bachmann, Meierer & Naef 2021) adds :math:`N\sum_g\lambda_g\lVert\gamma_g\rVert^2`
to the negative log-likelihood of a covariate model (:mod:`relmkt_utils.core.penalty`). Here it works for
every BTYD model with covariates of the suite (:class:`~relmkt_utils.btyd.BetaGeoCovariates`,
:class:`~relmkt_utils.btyd.ParetoNBDCovariates`, the time-varying and the spend/BG-BB covariate models):
:func:`fit_penalized` fits with given penalties, :func:`choose_penalty` picks the penalty by K-fold
cross-validation over customers (the held-out customers' log-likelihood) or by the log-likelihood of a
validation sample of other customers.

Pooled segments (many small groups, shrunken effects) are :mod:`relmkt_utils.btyd.segments`, which uses the
same penalty and cross-validation.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..core.checks import SEED, checked, number
from ..core.errors import ParameterError
from ..core.penalty import cross_validate_penalty, penalized_fit, ridge_matrix


def fit_penalized(model, penalty, blocks=(), start_params=None, maxiter: int = 200):
    """The ridge-penalized fit of a BTYD model with covariates (module docstring).

    Parameters
    ----------
    model : a BTYD covariate model
        e.g. :class:`~relmkt_utils.btyd.BetaGeoCovariates`, :class:`~relmkt_utils.btyd.ParetoNBDTimeVarying`.
    penalty : float or dict
        CLVTools' ``reg.lambdas``: one number for every coefficient or one per process
        (``{"purchase": 3, "dropout": 8}``), on the per-customer scale.
    blocks : iterable of lists of str
        effects-coded groups of coefficients (penalized on all k effects).
    start_params : array-like, optional
        start values (default the model's own).
    maxiter : int
        iterations of Newton's method.
    """
    for attr in ("_objective", "param_names", "positive", "nobs", "results_cls", "model_name"):
        if not hasattr(model, attr):
            raise ParameterError(f"fit_penalized: model must be a BTYD model with covariates; {type(model).__name__} "
                                 f"has no {attr}")
    x0 = model.start_params() if start_params is None else np.asarray(start_params, dtype=float)
    M = ridge_matrix(model.param_names, penalty, model.nobs, blocks)
    kw = dict(results_cls=model.results_cls, model=model, nobs=model.nobs, model_name=model.model_name,
              analytic_hessian=False, maxiter=maxiter)
    return penalized_fit(model._objective, x0, model.param_names, M, positive=model.positive, lambdas=penalty, **kw)


@checked(nobs=number(0, low_open=True))
def default_grid(nobs: float, sds=(2.0, 1.0, 0.5, 0.25, 0.12, 0.06, 0.03)) -> np.ndarray:
    r"""Penalties whose ridge prior has the standard deviations ``sds``: :math:`\lambda = 1/(2N\,sd^2)` (large
    effects allowed first, then ever stronger shrinkage).

    Parameters
    ----------
    nobs : float
        the number of customers N.
    sds : tuple of float
        prior standard deviations of an effect on the log scale.
    """
    return 1.0 / (2.0 * float(nobs) * np.asarray(sds, dtype=float) ** 2)


@checked(folds=number(2, integer=True), seed=SEED)
def choose_penalty(model, grid=None, folds: int = 5, seed: int = 0, blocks=(), validation=None,
                   process: str | None = None) -> pd.DataFrame:
    """The penalty with the largest held-out log-likelihood.

    Parameters
    ----------
    model : a BTYD covariate model
        the model to penalize.
    grid : array-like, optional
        penalties to compare (default :func:`default_grid`), on CLVTools' per-customer scale.
    folds : int
        K of the K-fold cross-validation over customers.
    seed : int
        seed of the folds.
    blocks : iterable of lists of str
        effects-coded groups (as :func:`fit_penalized`).
    validation : a model of the same kind, optional
        other customers (with the same covariate columns): the penalty is chosen by their log-likelihood at the
        fit on all of ``model``'s customers instead of by cross-validation.
    process : str, optional
        penalize only this process (``purchase``, ``dropout``); default every coefficient.

    Returns
    -------
    DataFrame indexed by lambda with ``heldout_llf``, ``se`` and ``best``.
    """
    grid = default_grid(model.nobs) if grid is None else np.asarray(grid, dtype=float)
    lam_of = (lambda v: {process: v}) if process else (lambda v: v)
    n = len(model.frequency)
    if validation is not None:
        rows, start = [], None
        for lam in grid:
            res = fit_penalized(model, lam_of(lam), blocks, start)
            start = res.params.to_numpy()
            rows.append({"lambda": float(lam), "heldout_llf": float(validation.loglike(start)), "se": np.nan})
        out = pd.DataFrame(rows).set_index("lambda")
        out["best"] = out["heldout_llf"] == out["heldout_llf"].max()
        return out
    base_w = np.ones(n) if getattr(model, "weights", None) is None else np.asarray(model.weights, dtype=float)

    def fit_with(lam, w, start):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_penalized(model.with_weights(base_w * w), lam_of(lam), blocks, start).params.to_numpy()

    return cross_validate_penalty(fit_with, model.loglike_obs, n, grid, folds=folds, seed=seed)
