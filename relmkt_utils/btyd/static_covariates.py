r"""What the models with time-invariant covariates of issue 26 share (Gamma-Gamma, BG/BB): the covariate
tables, the layout of the parameters, grouping identical rows, the fit with an optional ridge penalty.

A model of this kind has positive base parameters (``p, q, gamma`` or ``alpha, beta, gamma, delta``: the
values at covariates 0) and real-valued coefficients named ``<process>:<column>`` (``spend:x``,
``purchase_a:x``, ``dropout_b:x``), each scaling one base parameter log-linearly,
:math:`\theta_i = \theta_0 e^{\gamma^\top w_i}` (Fader & Hardie 2007's way, as
:class:`~relmkt_utils.btyd.BetaGeoCovariates`). The fit runs Newton steps on the log base parameters and the
raw coefficients (:func:`relmkt_utils.core.optimize.newton_fit` with ``positive=``) from the model without
covariates (coefficients 0), with the analytic gradient; ``penalty`` adds CLVTools' ridge term
(:mod:`relmkt_utils.core.penalty`). The likelihood-ratio test against the model without covariates is
:func:`relmkt_utils.btyd.lr_test`.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..core.design import design_matrix
from ..core.errors import DataError, ParameterError
from ..core.penalty import fit_with_penalty
from ..core.results import MLEResults
from .base import group_rows
from .persistence import SavableResults


class StaticCovariateModel:
    """Shared part of :class:`~relmkt_utils.btyd.GammaGammaCovariates` and
    :class:`~relmkt_utils.btyd.BetaGeoBetaBinomCovariates` (module docstring).

    Subclasses set ``model_name``, ``base_names``, ``kinds`` (the covariate arguments, e.g.
    ``("spend",)``), ``prefixes`` (the coefficient prefixes of each kind, e.g. ``{"spend": ["spend"]}``),
    ``base_cls`` and ``_rows`` (log-likelihood of each row and its gradient in the row's parameters)."""

    model_name = "model"
    base_names: list[str] = []
    kinds: tuple = ()
    prefixes: dict = {}

    def _setup(self, n: int, index, covariates: dict, weights):
        self.index = index
        self.n = n
        if weights is None:
            self.weights = None
        else:
            w = np.asarray(weights, dtype=float).ravel()
            if w.size != n or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
                raise DataError(f"{self.model_name}: weights must be finite, >= 0, not all 0, one per row ({n})")
            self.weights = w
        self.nobs = float(n if self.weights is None else self.weights.sum())
        self.design, self.columns = {}, {}
        for kind in self.kinds:
            X, cols = design_matrix(covariates.get(kind), kind, n, index, self.model_name)
            self.design[kind], self.columns[kind] = X, cols
        if not any(self.columns.values()):
            raise ParameterError(f"{self.model_name}: give covariates ({', '.join(k + '_covariates' for k in self.kinds)})"
                                 f"; without them use btyd.{self.base_cls.__name__}")
        self._data = None

    @property
    def param_names(self) -> list[str]:
        names = list(self.base_names)
        for kind in self.kinds:
            for prefix in self.prefixes[kind]:
                names += [f"{prefix}:{c}" for c in self.columns[kind]]
        return names

    @property
    def positive(self) -> np.ndarray:
        return np.arange(len(self.param_names)) < len(self.base_names)

    def _coefficients(self, theta) -> dict:
        """{prefix: coefficient vector} from the parameter vector."""
        theta = np.asarray(theta, dtype=float)
        out, j = {}, len(self.base_names)
        for kind in self.kinds:
            k = len(self.columns[kind])
            for prefix in self.prefixes[kind]:
                out[prefix] = theta[j:j + k]
                j += k
        return out

    def _grouped(self) -> dict:
        if self._data is None:
            cols = self._row_columns() + [X[:, j] for X in self.design.values() for j in range(X.shape[1])]
            pos, w = group_rows(cols, self.weights)
            keep = w > 0
            self._data = self._row_data(pos[keep], w[keep])
        return self._data

    def _objective(self, theta, order):
        d = self._grouped()
        with np.errstate(all="ignore"):
            ll, g = self._rows(np.asarray(theta, dtype=float), d, order >= 1)
        f = -float(d["w"] @ ll)
        if order == 0:
            return f if np.isfinite(f) else np.inf
        return f, -g

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each row (ungrouped) at ``params``."""
        d = self._row_data(np.arange(self.n), np.ones(self.n))
        return self._rows(np.asarray(params, dtype=float), d, False)[0]

    def loglike(self, params) -> float:
        """Total (weighted) log-likelihood at ``params``."""
        ll = self.loglike_obs(params)
        return float(ll.sum() if self.weights is None else ll @ self.weights)

    def start_params(self) -> np.ndarray:
        """The model without covariates fitted to the same rows, and coefficients 0."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = self._base_model().fit()
        return np.r_[base.params.to_numpy(dtype=float), np.zeros(len(self.param_names) - len(self.base_names))]

    def fit(self, start_params=None, maxiter: int = 200, penalty=None):
        """Maximum likelihood (Newton, analytic gradient); with ``penalty`` (a number, or one per process as
        ``{"purchase": 3, "dropout": 8}``) the ridge-penalized fit of :mod:`relmkt_utils.core.penalty`.

        Parameters
        ----------
        start_params : array-like, optional
            start values (default: the model without covariates and coefficients 0).
        maxiter : int
            iterations of Newton's method.
        penalty : float or dict, optional
            CLVTools' ``reg.lambdas`` on the per-row scale.
        """
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        return fit_with_penalty(self._objective, x0, self.param_names, penalty, nobs=self.nobs, positive=self.positive,
                                results_cls=self.results_cls, model=self, model_name=self.model_name,
                                analytic_hessian=False, maxiter=maxiter)

    def results_at(self, params):
        """Results at given parameters, without fitting (covariance NaN, ``converged`` False)."""
        p = np.asarray(params, dtype=float)
        names = self.param_names
        return self.results_cls(model=self, params=pd.Series(p, index=names, name="params"),
                                cov_params_log=pd.DataFrame(np.nan, index=names, columns=names),
                                llf=self.loglike(p), nobs=self.nobs, converged=False, model_name=self.model_name,
                                warnings=["evaluated at given parameters, not fitted"], positive=self.positive)

    def with_weights(self, weights):
        """The same model with other row weights (0 leaves a row out: cross-validation, bootstrap)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.weights = np.asarray(weights, dtype=float).ravel()
        new.nobs = float(new.weights.sum())
        new._data = None
        return new


class StaticCovariateResults(SavableResults, MLEResults):
    """Shared part of the results: the covariates of other customers, saving the settings."""

    model_label = "model"

    @property
    def settings(self) -> dict:
        """The covariate columns of each kind and which parameters are positive (for ``save``)."""
        m = self.model
        if m is None:
            return dict(getattr(self, "_settings", {}))
        return {"columns": {k: list(v) for k, v in m.columns.items()}, "positive": [bool(v) for v in self._positive]}

    @settings.setter
    def settings(self, value):
        self._settings = dict(value)

    def _columns(self) -> dict:
        return self.model.columns if self.model is not None else self.settings["columns"]

    def _matrices(self, covariates: dict, n: int | None):
        """Design matrices of the fitted columns for other rows (a DataFrame per kind), or the fitted ones."""
        cols = self._columns()
        if all(v is None for v in covariates.values()):
            if self.model is None:
                raise ValueError(f"{self.model_label}: these results carry no customer data; pass the covariates")
            return self.model.design
        out = {}
        for kind, names in cols.items():
            cov = covariates.get(kind)
            if not names:
                out[kind] = np.zeros((n, 0))
                continue
            if cov is None:
                raise ValueError(f"{self.model_label}: pass {kind}_covariates with columns {names}")
            frame = cov if isinstance(cov, pd.DataFrame) else pd.DataFrame(np.asarray(cov, dtype=float).reshape(-1, len(names)),
                                                                            columns=names)
            missing = [c for c in names if c not in frame.columns]
            if missing:
                raise DataError(f"{self.model_label}: {kind}_covariates lacks the fitted column(s) {missing}")
            X = frame[names].to_numpy(dtype=float)
            if n is not None and len(X) == 1 and n > 1:
                X = np.repeat(X, n, axis=0)
            if n is not None and len(X) != n:
                raise DataError(f"{self.model_label}: {kind}_covariates has {len(X)} rows for {n} customers")
            if not np.all(np.isfinite(X)):
                raise DataError(f"{self.model_label}: {kind}_covariates has missing or infinite values")
            out[kind] = X
        return out
