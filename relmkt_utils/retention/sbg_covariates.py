r"""Shifted-beta-geometric (sBG) retention model with time-invariant covariates.

Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of Interactive
Marketing* 21(1), 76-90 (the sBG, :mod:`relmkt_utils.retention.sbg`); covariates in the beta mixing
distribution as Fader & Hardie (2007, note 019) put them into the BG/NBD.

Customer *i* churns at each renewal with probability :math:`\theta_i \sim \mathrm{Beta}(\alpha_i, \beta_i)`,

.. math:: \alpha_i = \alpha_0 e^{\gamma_a^\top w_i}, \qquad \beta_i = \beta_0 e^{\gamma_b^\top w_i}

(coefficients ``dropout_a:<column>`` and ``dropout_b:<column>``; a positive ``dropout_a`` raises the mean
churn probability :math:`\alpha_i/(\alpha_i+\beta_i)`, a positive ``dropout_b`` lowers it). A customer who
churned in period *t* contributes :math:`\ln B(\alpha_i+1, \beta_i+t-1) - \ln B(\alpha_i, \beta_i)`, one
still a customer at the start of period *T* contributes :math:`\ln B(\alpha_i, \beta_i+T) - \ln B(\alpha_i, \beta_i)`
(F&H 2007, eq. 6, customer by customer). A cohort's survivor curve with a covariate row becomes one row per
churn period with the churners as weights (:meth:`ShiftedBetaGeometricCovariates.from_survivors`), so a 0/1
covariate on both shapes reproduces the separate fits of two cohorts exactly (F&H 2007's regular and high-end
cohorts, tests/test_retention_sbg_covariates.py). The gradient is analytic (digamma functions); ``penalty``
adds CLVTools' ridge term (:mod:`relmkt_utils.core.penalty`). Predictions are the sBG's at each row's shapes:
survival, retention rate and DEL/DERL.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import checked, dataframe, number, numbers
from ..core.design import design_matrix
from ..core.errors import DataError, ParameterError
from ..core.optimize import newton_fit
from ..core.penalty import fit_with_penalty
from ..btyd import Registered, SavableResults
from ..core.results import MLEResults
from .sbg import sbg_del, sbg_derl


class ShiftedBetaGeometricCovariates(Registered, key="sbg_covariates", name="sBG with covariates", data="contractual",
                                     chooser=False, rank=21):
    """sBG with covariates (module docstring); ``fit()`` returns :class:`SBGCovariatesResults`.

    Parameters
    ----------
    periods : array-like
        for a customer who churned: the period t >= 1 in which she churned; for one still a customer: the
        last period T >= 1 at whose start she was a customer (renewals made).
    churned : array-like of bool
        whether each customer churned.
    covariates : DataFrame
        numeric columns :math:`w_i`, one row per customer.
    weights : array-like, optional
        customers each row stands for.
    """

    model_name = "sBG with covariates"

    @property
    def results_cls(self):
        return SBGCovariatesResults
    base_names = ["alpha", "beta"]

    @checked(covariates=dataframe())
    def __init__(self, periods, churned, covariates, weights=None):
        t = np.asarray(periods, dtype=float).ravel()
        c = np.asarray(churned).ravel()
        if t.size == 0:
            raise DataError(f"{self.model_name}: no customers")
        if c.size != t.size:
            raise DataError(f"{self.model_name}: periods and churned must have the same length ({t.size}, {c.size})")
        if not np.all(np.isfinite(t)) or np.any(t < 1) or np.any(t != np.round(t)):
            raise DataError(f"{self.model_name}: periods must be whole numbers >= 1 (the churn period, or the last "
                            "period a customer was observed at)")
        self.periods, self.churned = t, c.astype(bool)
        self.X, self.columns = design_matrix(covariates, "dropout", t.size, None, self.model_name)
        if not self.columns:
            raise ParameterError(f"{self.model_name}: give covariates; without them use retention.ShiftedBetaGeometric")
        if weights is None:
            self.weights = None
        else:
            w = np.asarray(weights, dtype=float).ravel()
            if w.size != t.size or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
                raise DataError(f"{self.model_name}: weights must be finite, >= 0, not all 0, one per row ({t.size})")
            self.weights = w
        self.nobs = float(t.size if self.weights is None else self.weights.sum())
        self.index = covariates.index

    @classmethod
    @checked(covariates=dataframe())
    def from_survivors(cls, curves: dict, covariates: pd.DataFrame) -> "ShiftedBetaGeometricCovariates":
        """The model of several cohorts' survivor curves n_0..n_T, each with a covariate row.

        Parameters
        ----------
        curves : dict
            cohort label -> customers alive at the start of periods 0, 1, ..., T.
        covariates : DataFrame
            one row per cohort label (index), numeric columns.
        """
        rows, cov_rows, weights, churned = [], [], [], []
        missing = [k for k in curves if k not in covariates.index]
        if missing:
            raise DataError(f"sBG with covariates: covariates have no row for cohort(s) {missing}")
        for label, curve in curves.items():
            s = np.asarray(curve, dtype=float).ravel()
            if s.size < 2 or np.any(np.diff(s) > 0) or np.any(s < 0) or s[0] <= 0:
                raise DataError(f"sBG with covariates: the survivors of cohort {label!r} must be counts n_0 > 0 that "
                                "never increase, for at least periods 0 and 1")
            T = s.size - 1
            d = s[:-1] - s[1:]
            for t in range(1, T + 1):
                rows.append(t)
                churned.append(True)
                weights.append(d[t - 1])
                cov_rows.append(label)
            rows.append(T)
            churned.append(False)
            weights.append(s[-1])
            cov_rows.append(label)
        w = np.asarray(weights)
        keep = w > 0
        cov = covariates.loc[np.asarray(cov_rows, dtype=object)[keep]].reset_index(drop=True)
        return cls(np.asarray(rows)[keep], np.asarray(churned)[keep], cov, weights=w[keep])

    @property
    def param_names(self) -> list[str]:
        return (self.base_names + [f"dropout_a:{c}" for c in self.columns] + [f"dropout_b:{c}" for c in self.columns])

    @property
    def positive(self) -> np.ndarray:
        return np.arange(len(self.param_names)) < 2

    def individual(self, params, X=None):
        """(alpha_i, beta_i) of each row (of ``X``, default the fitted covariates)."""
        th = np.asarray(params, dtype=float)
        X = self.X if X is None else X
        k = len(self.columns)
        return th[0] * np.exp(X @ th[2:2 + k]), th[1] * np.exp(X @ th[2 + k:2 + 2 * k])

    def _rows(self, theta, deriv):
        a, b = self.individual(theta)
        t, ch = self.periods, self.churned
        lB = special.betaln(a, b)
        ll = np.where(ch, special.betaln(a + 1, b + t - 1), special.betaln(a, b + t)) - lB
        if not deriv:
            return ll, None
        dg = special.digamma
        pab = dg(a + b)
        da = np.where(ch, dg(a + 1), dg(a)) - dg(a + b + t) - dg(a) + pab
        db = np.where(ch, dg(b + t - 1), dg(b + t)) - dg(a + b + t) - dg(b) + pab
        w = np.ones(t.size) if self.weights is None else self.weights
        ha, hb = w * da * a, w * db * b
        return ll, np.concatenate([[ha.sum() / theta[0], hb.sum() / theta[1]], self.X.T @ ha, self.X.T @ hb])

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each row at ``params``."""
        return self._rows(params, False)[0]

    def loglike(self, params) -> float:
        """Total (weighted) log-likelihood at ``params``."""
        ll = self.loglike_obs(params)
        return float(ll.sum() if self.weights is None else ll @ self.weights)

    def _objective(self, theta, order):
        with np.errstate(all="ignore"):
            ll, g = self._rows(theta, order >= 1)
        w = np.ones(ll.size) if self.weights is None else self.weights
        f = -float(w @ ll)
        if order == 0:
            return f if np.isfinite(f) else np.inf
        return f, -g

    def start_params(self) -> np.ndarray:
        """The sBG without covariates (coefficients held at 0) fitted to the same customers, and coefficients 0."""
        k = 2 * len(self.columns)

        def base(theta, order):
            out = self._objective(np.r_[theta, np.zeros(k)], order)
            return out if order == 0 else (out[0], out[1][:2])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = newton_fit(base, np.array([1.0, 1.0]), self.base_names, model=None, nobs=self.nobs,
                             model_name="sBG", analytic_hessian=False)
        return np.r_[fit.params.to_numpy(), np.zeros(k)]

    @checked(maxiter=number(1, integer=True))
    def fit(self, start_params=None, maxiter: int = 200, penalty=None) -> "SBGCovariatesResults":
        """Maximum likelihood (Newton, analytic gradient); ``penalty`` as CLVTools' ``reg.lambdas``
        (:mod:`relmkt_utils.core.penalty`).

        Parameters
        ----------
        start_params : array-like, optional
            start values (default: the sBG without covariates, coefficients 0).
        maxiter : int
            iterations of Newton's method.
        penalty : float or dict, optional
            the ridge penalty on the coefficients (``{"dropout": lam}`` or a number).
        """
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        return fit_with_penalty(self._objective, x0, self.param_names, penalty, nobs=self.nobs, positive=self.positive,
                                results_cls=SBGCovariatesResults, model=self, model_name=self.model_name,
                                analytic_hessian=False, maxiter=maxiter)

    def results_at(self, params) -> "SBGCovariatesResults":
        """Results at given parameters, without fitting (covariance NaN, ``converged`` False)."""
        p = np.asarray(params, dtype=float)
        names = self.param_names
        return SBGCovariatesResults(model=self, params=pd.Series(p, index=names, name="params"),
                                    cov_params_log=pd.DataFrame(np.nan, index=names, columns=names),
                                    llf=self.loglike(p), nobs=self.nobs, converged=False, model_name=self.model_name,
                                    warnings=["evaluated at given parameters, not fitted"], positive=self.positive)


class SBGCovariatesResults(SavableResults, MLEResults):
    """Fitted sBG with covariates: survival, retention rate, DEL/DERL and CLV for given covariate rows
    (``save(path)`` / :func:`relmkt_utils.btyd.load_results` keep the columns)."""

    @property
    def settings(self) -> dict:
        """The covariate columns and which parameters are positive (for ``save``)."""
        if self.model is None:
            return dict(getattr(self, "_settings", {}))
        return {"columns": list(self.model.columns), "positive": [bool(v) for v in self._positive]}

    @settings.setter
    def settings(self, value):
        self._settings = dict(value)

    def _shapes(self, covariates, params):
        theta = self._params_or(params)
        if covariates is None:
            if self.model is None:
                raise ValueError(f"{self.model_name}: these results carry no customers (loaded); pass covariates")
            return self.model.individual(theta)
        cols = self.model.columns if self.model is not None else self.settings["columns"]
        missing = [c for c in cols if c not in covariates.columns]
        if missing:
            raise DataError(f"{self.model_name}: covariates lack the fitted column(s) {missing}")
        X = covariates[cols].to_numpy(dtype=float)
        if not np.all(np.isfinite(X)):
            raise DataError(f"{self.model_name}: covariates have missing or infinite values")
        k = len(cols)
        return theta[0] * np.exp(X @ theta[2:2 + k]), theta[1] * np.exp(X @ theta[2 + k:2 + 2 * k])

    @checked(covariates=dataframe(none=True), t=numbers(0))
    def survival(self, covariates, t, params=None) -> np.ndarray:
        """S(t) = B(alpha_i, beta_i + t)/B(alpha_i, beta_i): rows of ``covariates`` x values of ``t``.

        Parameters
        ----------
        covariates : DataFrame or None
            covariate rows (the fitted columns); None for the fitted rows.
        t : float or array-like
            periods, >= 0.
        params : array-like, optional
            parameters; default the estimates.
        """
        a, b = self._shapes(covariates, params)
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.exp(special.betaln(a[:, None], b[:, None] + t[None, :]) - special.betaln(a, b)[:, None])

    @checked(covariates=dataframe(none=True), t=numbers(1))
    def retention_rate(self, covariates, t, params=None) -> np.ndarray:
        """r(t) = (beta_i + t - 1)/(alpha_i + beta_i + t - 1): rows x values of ``t``.

        Parameters
        ----------
        covariates : DataFrame or None
            covariate rows (the fitted columns); None for the fitted rows.
        t : float or array-like
            renewal numbers, >= 1.
        params : array-like, optional
            parameters; default the estimates.
        """
        a, b = self._shapes(covariates, params)
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return (b[:, None] + t[None, :] - 1) / (a[:, None] + b[:, None] + t[None, :] - 1)

    @checked(covariates=dataframe(none=True))
    def mean_churn(self, covariates=None, params=None) -> np.ndarray:
        """E(theta_i) = alpha_i/(alpha_i + beta_i) of each row.

        Parameters
        ----------
        covariates : DataFrame or None
            covariate rows; None for the fitted rows.
        params : array-like, optional
            parameters; default the estimates.
        """
        a, b = self._shapes(covariates, params)
        return a / (a + b)

    @checked(covariates=dataframe(none=True), discount_rate=number(0, low_open=True))
    def discounted_expected_lifetime(self, covariates, discount_rate: float, params=None) -> np.ndarray:
        """DEL(d) of a new customer of each row (Fader & Hardie 2010).

        Parameters
        ----------
        covariates : DataFrame or None
            covariate rows; None for the fitted rows.
        discount_rate : float
            discount rate per period, > 0.
        params : array-like, optional
            parameters; default the estimates.
        """
        a, b = self._shapes(covariates, params)
        return np.array([sbg_del(float(ai), float(bi), discount_rate) for ai, bi in zip(a, b)])

    @checked(covariates=dataframe(none=True), discount_rate=number(0, low_open=True), renewals=number(0, integer=True))
    def derl(self, covariates, discount_rate: float, renewals: int, params=None) -> np.ndarray:
        """DERL(d | renewals) of a customer of each row (Fader & Hardie 2010, eq. 5).

        Parameters
        ----------
        covariates : DataFrame or None
            covariate rows; None for the fitted rows.
        discount_rate : float
            discount rate per period, > 0.
        renewals : int
            renewals made.
        params : array-like, optional
            parameters; default the estimates.
        """
        a, b = self._shapes(covariates, params)
        return np.array([sbg_derl(float(ai), float(bi), discount_rate, renewals) for ai, bi in zip(a, b)])

    @checked(covariates=dataframe(none=True), margin=number(), discount_rate=number(0, low_open=True))
    def clv(self, covariates, margin: float, discount_rate: float, params=None) -> np.ndarray:
        """Expected CLV of a new customer of each row: margin x DEL.

        Parameters
        ----------
        covariates : DataFrame or None
            covariate rows; None for the fitted rows.
        margin : float
            margin per period (paid at each renewal, the first at acquisition).
        discount_rate : float
            discount rate per period, > 0.
        params : array-like, optional
            parameters; default the estimates.
        """
        return margin * self.discounted_expected_lifetime(covariates, discount_rate, params)

