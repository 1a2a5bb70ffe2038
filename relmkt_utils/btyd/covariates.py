r"""BG/NBD and Pareto/NBD with time-invariant covariates, and likelihood-ratio tests between fitted models.

Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD and
BG/NBD models. http://brucehardie.com/notes/019/

**Covariates.** A customer's covariates scale the parameters of her gamma and beta mixing distributions
(the shapes :math:`r` and, for the Pareto/NBD, :math:`s` stay common). With :math:`x_i` the purchase
covariates and :math:`z_i` the dropout covariates of customer *i*:

* purchase process (both models): :math:`\alpha_i = \alpha_0 \exp(-\gamma_1^\top x_i)`, so
  :math:`E[\lambda_i] = r/\alpha_i = (r/\alpha_0)\exp(\gamma_1^\top x_i)`: a coefficient is the log of the
  ratio of mean purchase rates per unit of the covariate, like a Poisson regression;
* Pareto/NBD dropout: :math:`\beta_i = \beta_0 \exp(-\gamma_2^\top z_i)`, so
  :math:`E[\mu_i] = (s/\beta_0)\exp(\gamma_2^\top z_i)`: a positive coefficient shortens lifetimes;
* BG/NBD dropout: :math:`a_i = a_0\exp(\gamma_2^\top z_i)`, :math:`b_i = b_0\exp(\gamma_3^\top z_i)`
  (the note's form, also PyMC-Marketing's): a positive coefficient on ``a`` raises the dropout
  probability :math:`E[p_i] = a_i/(a_i+b_i)`, a positive one on ``b`` lowers it. With
  ``shared_dropout=True`` one coefficient scales both, :math:`a_i = a_0 e^{\gamma^\top z_i}`,
  :math:`b_i = b_0 e^{\gamma^\top z_i}` (CLVTools' ``bgnbd`` with static covariates): the mean dropout
  probability stays :math:`a_0/(a_0+b_0)` and only its concentration changes. The shared form is nested
  in the separate one, so :func:`lr_test` compares them.

Given her parameters the customer's likelihood is the model's own (FHL 2005, eq. 6; Fader & Hardie 2005,
note 009, for the Pareto/NBD), evaluated row by row in log space by the same functions as the models
without covariates (:func:`.bgnbd.log_odds_dead`, :func:`.paretonbd.row_loglik`).

**Parameters and fit.** ``params`` holds ``r, alpha, a, b`` (or ``r, alpha, s, beta``: the base values
:math:`\alpha_0, a_0, \dots` at covariates 0) and the coefficients ``purchase:<column>``,
``dropout:<column>`` (Pareto/NBD, shared BG/NBD) or ``dropout_a:<column>`` and ``dropout_b:<column>``
(BG/NBD). The base parameters are positive and fitted on the log scale, the coefficients are real
(:func:`relmkt_utils.core.optimize.newton_fit` with ``positive=``), so ``bse`` and ``conf_int()`` of a
coefficient are the plain Wald ones. The gradient is analytic (chain rule through
:math:`\partial\alpha_i/\partial\gamma_1 = -\alpha_i x_i`, ...), the Hessian a difference of it;
identical (x, t_x, T, covariates) rows are grouped with weights; the fit starts at the model without
covariates (coefficients 0), whose optimum it can only improve on. Centre and scale continuous
covariates (mean 0, sd 1) for a well-conditioned fit and readable base parameters; code categories
as 0/1 columns (``pandas.get_dummies(..., drop_first=True)``).

**Why separate classes.** :class:`BetaGeoCovariates` and :class:`ParetoNBDCovariates` take the
constructor arguments of :class:`~relmkt_utils.btyd.BetaGeo` / :class:`~relmkt_utils.btyd.ParetoNBD`
plus ``purchase_covariates`` and ``dropout_covariates``. They are classes of their own because the
models without covariates owe their speed to parameters shared by all customers (special functions per
distinct x, tail integrals per distinct (x, t), an analytic Hessian), which covariates remove; their
results mix positive and real parameters; and every prediction needs each customer's covariates.

**Likelihood-ratio tests.** :func:`lr_test` compares two nested fitted models, :func:`segment_lr_test`
one model pooled over segments against separate fits per segment.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from ..core.checks import checked, number, numbers
from ..core.design import design_matrix
from ..core.errors import DataError, EstimationWarning, ParameterError
from ..core.optimize import newton_fit
from ..core.time import same_unit
from .base import (ANNUAL_RATE, HORIZON, MARGIN, PERIODS_AHEAD, CustomerModel, CustomerPredictionResults, check_rft,
                   check_weights, discounted_sum, group_rows, index_of, period_of, spend_per_purchase)
from .bgnbd import BetaGeo, log_odds_dead, posterior
from .distributions import bgnbd_expected_new, bgnbd_pmf, pnbd_pmf
from .paretonbd import ParetoNBD, _expm1_ratio, row_loglik, row_terms
from .registry import REGISTRY, entry
from .simulate import simulate_bgnbd, simulate_paretonbd


def _columns(cov_cols: list[str], prefix: str) -> list[str]:
    return [f"{prefix}:{c}" for c in cov_cols]


# ------------------------------------------------------------------------------------------ row likelihoods
def _bg_rows(r, al, a, b, x, tx, T, deriv: bool):
    """BG/NBD log-likelihood of each row at individual (alpha, a, b), and d ll / d(r, alpha, a, b)."""
    gl = special.gammaln
    lal, LT, Ltx = np.log(al), np.log(al + T), np.log(al + tx)
    ll = gl(r + x) - gl(r) + r * lal + gl(b + x) - gl(a + b + x) - gl(b) + gl(a + b) - (r + x) * LT
    u = log_odds_dead(r, al, a, b, x, tx, T)           # -inf for x = 0
    ll = ll + np.logaddexp(0.0, u)
    if not deriv:
        return ll, None
    dg = special.digamma
    bx = np.where(x > 0, b + x - 1, 1.0)
    lg = LT - Ltx
    s = special.expit(u)
    psi_ab, psi_abx = dg(a + b), dg(a + b + x)
    d = np.stack([
        dg(r + x) - dg(r) + lal - LT + s * lg,
        r / al - (r + x) / (al + T) + s * (r + x) * (1.0 / (al + T) - 1.0 / (al + tx)),
        psi_ab - psi_abx + s / a,
        dg(b + x) - psi_abx - dg(b) + psi_ab - s / bx,
    ])
    return ll, d


# ------------------------------------------------------------------------------------------ the results
class _CovariateResults(CustomerPredictionResults):
    """Predictions of a fitted model with covariates. Customer arguments default to the fitted customers
    (and their covariates); for other customers pass ``frequency``, ``recency``, ``T`` and their
    ``purchase_covariates`` / ``dropout_covariates`` (DataFrames with the fitted columns, one row each)."""

    @property
    def settings(self) -> dict:
        """What a saved copy needs besides the parameters (``save(path)``): the covariate columns, the
        dropout form and which parameters are positive (fitted on the log scale)."""
        m = self.model
        return {"purchase_columns": list(m.purchase_columns), "dropout_columns": list(m.dropout_columns),
                "shared_dropout": bool(getattr(m, "shared_dropout", False)),
                "positive": [bool(v) for v in self._positive]}

    def _cov(self, purchase_covariates, dropout_covariates, n: int, fitted_customers: bool):
        m = self.model
        if purchase_covariates is None and dropout_covariates is None:
            if not fitted_customers or n != len(m.frequency):
                raise ValueError(f"{self.model_label}: pass purchase_covariates / dropout_covariates of these "
                                 f"{n} customers")
            return m.X, m.Z
        X = self._cov_matrix(purchase_covariates, m.purchase_columns, "purchase", n)
        Z = self._cov_matrix(dropout_covariates, m.dropout_columns, "dropout", n)
        return X, Z

    def _cov_matrix(self, cov, cols, kind, n):
        if not cols:
            return np.zeros((n, 0))
        if cov is None:
            raise ValueError(f"{self.model_label}: pass {kind}_covariates with columns {cols}")
        frame = cov if isinstance(cov, pd.DataFrame) else pd.DataFrame(np.asarray(cov, dtype=float).reshape(-1, len(cols)), columns=cols)
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise DataError(f"{self.model_label}: {kind}_covariates lacks the fitted column(s) {missing}")
        X = frame[cols].to_numpy(dtype=float)
        if len(X) == 1 and n > 1:
            X = np.repeat(X, n, axis=0)
        if len(X) != n:
            raise DataError(f"{self.model_label}: {kind}_covariates has {len(X)} rows for {n} customers")
        if not np.all(np.isfinite(X)):
            raise DataError(f"{self.model_label}: {kind}_covariates has missing or infinite values")
        return X

    def _customers(self, frequency, recency, T, purchase_covariates, dropout_covariates):
        x, tx, T_, idx = self._rft(frequency, recency, T)
        m = self.model
        fitted = frequency is None or (len(x) == len(m.frequency) and np.array_equal(x, m.frequency)
                                       and np.array_equal(tx, m.recency) and np.array_equal(T_, m.T))
        X, Z = self._cov(purchase_covariates, dropout_covariates, len(x), fitted)
        return x, tx, T_, X, Z, idx

    def individual_params(self, purchase_covariates=None, dropout_covariates=None, params=None) -> pd.DataFrame:
        """Each customer's own parameters (e.g. alpha_i, a_i, b_i), one row per fitted customer or per row
        of the given covariates."""
        n = len(self.model.frequency) if purchase_covariates is None and dropout_covariates is None else \
            len(purchase_covariates if purchase_covariates is not None else dropout_covariates)
        X, Z = self._cov(purchase_covariates, dropout_covariates, n, True)
        ind = self.model._individual(self._params_or(params), X, Z)
        idx = self.model.index if purchase_covariates is None and dropout_covariates is None else None
        return pd.DataFrame({k: np.broadcast_to(v, (n,)) for k, v in zip(self.model.base_names, ind)}, index=idx)

    def customer_covariates(self, customer_id) -> dict:
        """The covariates of one fitted customer, as keyword arguments of the predictions."""
        m = self.model
        if m.index is None:
            pos = int(customer_id)
        else:
            hits = np.flatnonzero(m.index == customer_id)
            if not hits.size:
                raise DataError(f"{self.model_label}: customer {customer_id!r} is not among the fitted customers")
            pos = int(hits[0])
        return {"purchase_covariates": pd.DataFrame(m.X[[pos]], columns=m.purchase_columns),
                "dropout_covariates": pd.DataFrame(m.Z[[pos]], columns=m.dropout_columns)}

    @checked(t=PERIODS_AHEAD)
    def expected_purchases_new_customer(self, t, purchase_covariates=None, dropout_covariates=None, params=None):
        r"""E[X(t)] of a customer just acquired. With covariates: one value per row (``t`` broadcast);
        without: the average over the fitted customers' covariates (weighted), in the shape of ``t`` — the
        population curve that :func:`~relmkt_utils.btyd.repeat_transactions_over_time` needs (it then
        takes every customer born in a period to have the base's average covariates)."""
        theta = self._params_or(params)
        m = self.model
        if purchase_covariates is None and dropout_covariates is None:
            t = np.asarray(t, dtype=float)
            d = m._grouped()
            pos, w = group_rows(list(d["X"].T) + list(d["Z"].T), d["w"], max_fraction=1.0)  # distinct covariate rows
            ind = [v[None, :] if np.ndim(v) else v for v in m._individual(theta, d["X"][pos], d["Z"][pos])]
            vals = np.asarray(self._new_expected(t.reshape(-1)[:, None], *ind), dtype=float)
            return (vals @ (w / w.sum())).reshape(t.shape)
        n = len(purchase_covariates if purchase_covariates is not None else dropout_covariates)
        X, Z = self._cov(purchase_covariates, dropout_covariates, n, False)
        return self._new_expected(np.asarray(t, dtype=float), *m._individual(theta, X, Z))

    @checked(t=PERIODS_AHEAD, n=numbers())
    def pmf(self, t, n, purchase_covariates=None, dropout_covariates=None, params=None):
        """P(X(t) = n) of a new customer, one value per fitted customer (``t`` broadcast, e.g. each
        customer's own T for the period-transactions histogram) or per row of the given covariates."""
        theta = self._params_or(params)
        if purchase_covariates is None and dropout_covariates is None:
            X, Z = self.model.X, self.model.Z
        else:
            rows = len(purchase_covariates if purchase_covariates is not None else dropout_covariates)
            X, Z = self._cov(purchase_covariates, dropout_covariates, rows, False)
        return self._new_pmf(t, n, *self.model._individual(theta, X, Z))

    @checked(margin=MARGIN, annual_discount_rate=ANNUAL_RATE, horizon_months=HORIZON)
    def clv(self, spend, margin: float = 1.0, annual_discount_rate: float = 0.10, horizon_months: float = 12,
            time_unit=None, frequency=None, recency=None, T=None, monetary_value=None, purchase_covariates=None,
            dropout_covariates=None, params=None):
        """Discounted CLV over ``horizon_months`` as :meth:`relmkt_utils.btyd.BetaGeoResults.clv`, each
        customer at her own parameters, in the model's time unit."""
        unit = self._unit(time_unit, "clv")
        horizon = unit.whole_periods(months=horizon_months)
        rate = unit.rate_per_period(annual_discount_rate)
        x, tx, T_, X, Z, idx = self._customers(frequency, recency, T, purchase_covariates, dropout_covariates)
        s = spend_per_purchase(spend, x, monetary_value)
        theta = self._params_or(params)
        rows = self._distinct(*self._customer_columns(x, tx, T_, X, Z))
        split = self._split_rows(rows, X, Z)
        cum = np.stack([rows.expand(self._cond_expected(theta, float(k), *split)) for k in range(1, horizon + 1)], axis=-1)
        return self._wrap(discounted_sum(cum, s, margin, rate), idx)

    def p_alive(self, frequency=None, recency=None, T=None, purchase_covariates=None, dropout_covariates=None,
                params=None):
        """P(alive | x, t_x, T) of each customer at her own parameters."""
        theta = self._params_or(params)
        x, tx, T_, X, Z, idx = self._customers(frequency, recency, T, purchase_covariates, dropout_covariates)

        def per_row(rows):
            ux, utx, uT, uX, uZ = self._split_rows(rows, X, Z)
            return self._p_alive(self.model._individual(theta, uX, uZ), ux, utx, uT)
        return self._per_row(self._customer_columns(x, tx, T_, X, Z), idx, per_row)

    @checked(t=PERIODS_AHEAD)
    def expected_purchases(self, t, frequency=None, recency=None, T=None, purchase_covariates=None,
                           dropout_covariates=None, params=None):
        """Conditional expected purchases in the next ``t`` periods, each customer at her own parameters."""
        theta = self._params_or(params)
        x, tx, T_, X, Z, idx = self._customers(frequency, recency, T, purchase_covariates, dropout_covariates)
        return self._per_row(self._customer_columns(x, tx, T_, X, Z), idx,
                             lambda rows: self._cond_expected(theta, float(t), *self._split_rows(rows, X, Z)))

    def _cond_expected(self, theta, t, x, tx, T, X, Z):
        ind = self.model._individual(theta, X, Z)
        return self._p_alive(ind, x, tx, T) * self._alive_expected(ind, float(t), x, T)


class BetaGeoCovariatesResults(_CovariateResults):
    """Fitted BG/NBD with covariates: the predictions of :class:`~relmkt_utils.btyd.BetaGeoResults` at each
    customer's own (alpha_i, a_i, b_i)."""

    model_label = "BG/NBD with covariates"

    @staticmethod
    def _p_alive(ind, x, tx, T):
        return posterior(*ind, x, tx, T)[0]

    @staticmethod
    def _alive_expected(ind, t, x, T):
        """E[Y(t) | alive]: a new customer with the posterior parameters (r+x, alpha_i+T, a_i, b_i+x)
        (:func:`relmkt_utils.btyd.bgnbd.posterior`)."""
        r, al, a, b = ind
        bb = b + x
        c0 = np.abs(a + bb - 1) < 1e-7     # removable singularity of 2F1 at c = 0: average the two sides
        out = np.asarray(bgnbd_expected_new(t, r + x, al + T, a, np.where(c0, bb + 1e-6, bb)), dtype=float)
        if np.any(c0):
            out = 0.5 * (out + np.asarray(bgnbd_expected_new(t, r + x, al + T, a, np.where(c0, bb - 1e-6, bb)), dtype=float))
        return out

    @staticmethod
    def _new_expected(t, r, al, a, b):
        return np.asarray(bgnbd_expected_new(t, r, al, a, b), dtype=float)

    @staticmethod
    def _new_pmf(t, n, r, al, a, b):
        return np.asarray(bgnbd_pmf(t, n, r, al, a, b), dtype=float)


class ParetoNBDCovariatesResults(_CovariateResults):
    """Fitted Pareto/NBD with covariates: the predictions of :class:`~relmkt_utils.btyd.ParetoNBDResults`
    at each customer's own (alpha_i, beta_i)."""

    model_label = "Pareto/NBD with covariates"

    @staticmethod
    def _p_alive(ind, x, tx, T):
        r, al, s, be = ind
        al, be = np.broadcast_to(al, x.shape), np.broadcast_to(be, x.shape)
        A, lse, _ = row_terms(r, al, s, be, x, tx, T, False)
        return np.exp(A - lse)

    @staticmethod
    def _alive_expected(ind, t, x, T):
        r, al, s, be = ind
        return (r + x) * (be + T) / (al + T) * _expm1_ratio(s, t / (be + T))

    @staticmethod
    def _new_expected(t, r, al, s, be):
        return r * be / al * _expm1_ratio(s, np.asarray(t, dtype=float) / be)

    @staticmethod
    def _new_pmf(t, n, r, al, s, be):
        return np.asarray(pnbd_pmf(t, n, r, al, s, be), dtype=float)


# ------------------------------------------------------------------------------------------ the models
class _CovariateModel(CustomerModel):
    """Shared part of the BTYD models with covariates (see the module docstring)."""

    base_cls = BetaGeo
    base_names: list[str] = []

    def __init__(self, frequency, recency, T, purchase_covariates=None, dropout_covariates=None, weights=None, *,
                 time_unit=None):
        self.frequency, self.recency, self.T = check_rft(frequency, recency, T, self.model_name)
        self.index = index_of(frequency)
        n = len(self.frequency)
        self.weights = check_weights(weights, n, self.model_name)
        self.nobs = float(n if self.weights is None else self.weights.sum())
        self.period = period_of((frequency, recency, T), time_unit, self.model_name)
        self.X, self.purchase_columns = design_matrix(purchase_covariates, "purchase", n, self.index, self.model_name)
        self.Z, self.dropout_columns = design_matrix(dropout_covariates, "dropout", n, self.index, self.model_name)
        if not self.purchase_columns and not self.dropout_columns:
            raise ParameterError(f"{self.model_name}: give purchase_covariates and/or dropout_covariates "
                                 f"(without covariates use btyd.{self.base_cls.__name__})")
        self._data = None

    # names and layout of the parameter vector
    @property
    def param_names(self) -> list[str]:
        return list(self.base_names) + _columns(self.purchase_columns, "purchase") + self._dropout_names()

    @property
    def positive(self) -> np.ndarray:
        return np.arange(len(self.param_names)) < len(self.base_names)

    def _dropout_names(self) -> list[str]:
        return _columns(self.dropout_columns, "dropout")

    def _split(self, theta):
        theta = np.asarray(theta, dtype=float)
        kp = len(self.purchase_columns)
        return theta[:4], theta[4:4 + kp], theta[4 + kp:]

    def with_weights(self, weights):
        """The same model (data and covariates) with other weights, e.g. bootstrap counts of customers."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.weights = check_weights(weights, len(self.frequency), self.model_name)
        new.nobs = float(new.weights.sum())
        new._data = None
        return new

    def covariate_frame(self) -> dict:
        """The fitted customers' covariates as the keyword arguments of the predictions."""
        return {"purchase_covariates": pd.DataFrame(self.X, columns=self.purchase_columns, index=self.index),
                "dropout_covariates": pd.DataFrame(self.Z, columns=self.dropout_columns, index=self.index)}

    def _sufficient(self, x, tx, T, w) -> dict:  # pragma: no cover - the covariate models group in _grouped
        raise NotImplementedError

    def _grouped(self) -> dict:
        if self._data is None:
            cols = [self.T, self.frequency, self.recency] + list(self.X.T) + list(self.Z.T)
            pos, w = group_rows(cols, self.weights)
            keep = w > 0
            pos, w = pos[keep], w[keep]
            self._data = dict(x=self.frequency[pos], tx=self.recency[pos], T=self.T[pos], X=self.X[pos],
                              Z=self.Z[pos], w=w, W=w.sum())
        return self._data

    def _objective_on(self, d, theta, order):
        ind = self._individual(theta, d["X"], d["Z"])
        ll, drow = self._rows(*ind, d["x"], d["tx"], d["T"], order >= 1)
        f = -float(d["w"] @ ll)
        if order == 0:
            return f if np.isfinite(f) else np.inf
        return f, -self._chain(theta, d, ind, drow * d["w"])

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer (ungrouped) at ``params``."""
        ind = self._individual(params, self.X, self.Z)
        return self._rows(*ind, self.frequency, self.recency, self.T, False)[0]

    def start_params(self) -> np.ndarray:
        """The model without covariates, fitted to the same customers, and coefficients 0."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = self.base_cls(self.frequency, self.recency, self.T, weights=self.weights).fit()  # no unit needed
        return np.r_[base.params.to_numpy(dtype=float), np.zeros(len(self.param_names) - 4)]

    @checked(maxiter=number(1, integer=True))
    def fit(self, start_params=None, maxiter: int = 200):
        """Maximum likelihood (Newton on log base parameters and raw coefficients, analytic gradient)."""
        if not np.any(self.frequency > 0):
            raise DataError(f"{self.model_name}: no customer has a repeat purchase, so the purchase and dropout "
                            "processes cannot be told apart; the model needs repeat buyers")
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        return self._finish(newton_fit(self._objective, x0, self.param_names, results_cls=self.results_cls,
                                       model=self, nobs=self.nobs, model_name=self.model_name,
                                       analytic_hessian=False, maxiter=maxiter, positive=self.positive))

    def results_at(self, params):
        """Results at given parameters, without fitting (covariance NaN, ``converged`` False)."""
        p = np.asarray(params, dtype=float)
        names = self.param_names
        return self._finish(self.results_cls(model=self, params=pd.Series(p, index=names, name="params"),
                                             cov_params_log=pd.DataFrame(np.nan, index=names, columns=names),
                                             llf=self.loglike(p), nobs=self.nobs, converged=False,
                                             model_name=self.model_name,
                                             warnings=["evaluated at given parameters, not fitted"],
                                             positive=self.positive))


class BetaGeoCovariates(_CovariateModel, key="bgnbd_covariates", name="BG/NBD with covariates", data="covariates",
                        savable=False, base="bgnbd", rank=6):
    r"""BG/NBD with time-invariant covariates (module docstring); ``fit()`` returns :class:`BetaGeoCovariatesResults`.

    Parameters
    ----------
    frequency, recency, T, weights : as :class:`~relmkt_utils.btyd.BetaGeo`
    purchase_covariates : DataFrame of numeric columns :math:`x_i` scaling
        :math:`\alpha_i = \alpha_0 e^{-\gamma_1^\top x_i}` (coefficients ``purchase:<column>``)
    dropout_covariates : DataFrame of numeric columns :math:`z_i` scaling
        :math:`a_i = a_0 e^{\gamma_2^\top z_i}`, :math:`b_i = b_0 e^{\gamma_3^\top z_i}`
        (``dropout_a:<column>``, ``dropout_b:<column>``)
    shared_dropout : one coefficient per dropout column for both a and b (CLVTools' form,
        ``dropout:<column>``) instead of one each
    """

    base_cls = BetaGeo
    base_names = ["r", "alpha", "a", "b"]
    results_cls = BetaGeoCovariatesResults
    simulator = staticmethod(simulate_bgnbd)

    def __init__(self, frequency, recency, T, purchase_covariates=None, dropout_covariates=None, weights=None,
                 shared_dropout: bool = False, *, time_unit=None):
        self.shared_dropout = bool(shared_dropout)
        super().__init__(frequency, recency, T, purchase_covariates, dropout_covariates, weights, time_unit=time_unit)

    def _dropout_names(self) -> list[str]:
        if self.shared_dropout:
            return _columns(self.dropout_columns, "dropout")
        return _columns(self.dropout_columns, "dropout_a") + _columns(self.dropout_columns, "dropout_b")

    def _individual(self, theta, X, Z):
        """(r, alpha_i, a_i, b_i) of each row."""
        (r, al0, a0, b0), gp, gd = self._split(theta)
        al = al0 * np.exp(-(X @ gp))
        kz = len(self.dropout_columns)
        ga = gd[:kz]
        gb = ga if self.shared_dropout else gd[kz:2 * kz]
        return r, al, a0 * np.exp(Z @ ga), b0 * np.exp(Z @ gb)

    @staticmethod
    def _rows(r, al, a, b, x, tx, T, deriv):
        return _bg_rows(r, al, a, b, x, tx, T, deriv)

    def _chain(self, theta, d, ind, wd):
        """Gradient in theta from the weighted row derivatives ``wd`` (4 x rows) in (r, alpha_i, a_i, b_i)."""
        (r, al0, a0, b0), _, _ = self._split(theta)
        _, al, a, b = ind
        ga_ = wd[1] * al          # d ll / d log alpha_i, weighted
        ha, hb = wd[2] * a, wd[3] * b
        g = [wd[0].sum(), ga_.sum() / al0, ha.sum() / a0, hb.sum() / b0, -(d["X"].T @ ga_)]
        if self.shared_dropout:
            g.append(d["Z"].T @ (ha + hb))
        else:
            g += [d["Z"].T @ ha, d["Z"].T @ hb]
        return np.concatenate([np.atleast_1d(v) for v in g])


class ParetoNBDCovariates(_CovariateModel, key="pnbd_covariates", name="Pareto/NBD with covariates",
                          data="covariates", savable=False, base="pnbd", rank=7):
    r"""Pareto/NBD with time-invariant covariates (module docstring); ``fit()`` returns
    :class:`ParetoNBDCovariatesResults`.

    ``purchase_covariates`` scale :math:`\alpha_i = \alpha_0 e^{-\gamma_1^\top x_i}` (``purchase:<column>``),
    ``dropout_covariates`` scale :math:`\beta_i = \beta_0 e^{-\gamma_2^\top z_i}` (``dropout:<column>``);
    other arguments as :class:`~relmkt_utils.btyd.ParetoNBD`."""

    base_cls = ParetoNBD
    base_names = ["r", "alpha", "s", "beta"]
    results_cls = ParetoNBDCovariatesResults
    simulator = staticmethod(simulate_paretonbd)

    def _individual(self, theta, X, Z):
        """(r, alpha_i, s, beta_i) of each row."""
        (r, al0, s, be0), gp, gd = self._split(theta)
        return r, al0 * np.exp(-(X @ gp)), s, be0 * np.exp(-(Z @ gd))

    @staticmethod
    def _rows(r, al, s, be, x, tx, T, deriv):
        return row_loglik(r, al, s, be, x, tx, T, deriv)

    def _chain(self, theta, d, ind, wd):
        (r, al0, s, be0), _, _ = self._split(theta)
        _, al, _, be = ind
        ga_, gb_ = wd[1] * al, wd[3] * be
        return np.concatenate([[wd[0].sum(), ga_.sum() / al0, wd[2].sum(), gb_.sum() / be0],
                               -(d["X"].T @ ga_), -(d["Z"].T @ gb_)])


# ------------------------------------------------------------------------------------------ simulation
def simulate_with_covariates(model: str, params: dict, purchase_covariates=None, dropout_covariates=None, T=52.0,
                             seed: int = 0, shared_dropout: bool = False) -> pd.DataFrame:
    """Customers of a BG/NBD (``model="bgnbd"``) or Pareto/NBD (``"pnbd"``) world with covariates: the
    covariate variant of the model with that key in the registry (:mod:`.registry`).

    ``params`` uses the names of the fitted model (``r``, ``alpha``, ``a``, ``b`` or ``s``, ``beta``, and
    ``purchase:<column>``, ``dropout_a:<column>``, ... ; a missing coefficient is 0), so the truth can be
    set beside the estimates (:func:`relmkt_utils.core.estimate.recovery_table`). Each customer's
    (alpha_i, a_i, b_i) or (alpha_i, beta_i) is drawn into :func:`~relmkt_utils.btyd.simulate_bgnbd` /
    :func:`~relmkt_utils.btyd.simulate_paretonbd`, which take per-customer parameters. Returns their frame
    (frequency, recency, T and the latent draws), indexed like the covariates."""
    base = entry(model) if isinstance(model, str) else None
    cls = None if base is None else base.covariates
    if cls is None:
        keys = [e.base for e in REGISTRY.values() if e.base]
        raise ParameterError(f"simulate_with_covariates: model must be one of {', '.join(map(repr, keys))}, got {model!r}")
    ref = purchase_covariates if purchase_covariates is not None else dropout_covariates
    if ref is None:
        raise ParameterError("simulate_with_covariates: give purchase_covariates and/or dropout_covariates")
    n = len(ref)
    shell = object.__new__(cls)
    shell.model_name, shell.shared_dropout = cls.model_name, bool(shared_dropout)
    shell.X, shell.purchase_columns = design_matrix(purchase_covariates, "purchase", n, None, cls.model_name)
    shell.Z, shell.dropout_columns = design_matrix(dropout_covariates, "dropout", n, None, cls.model_name)
    unknown = set(params) - set(shell.param_names)
    if unknown:
        raise ParameterError(f"simulate_with_covariates: unknown parameter(s) {sorted(unknown)}; "
                             f"the model has {shell.param_names}")
    theta = np.array([float(params.get(k, 0.0)) for k in shell.param_names])
    if any(k not in params for k in shell.base_names):
        raise ParameterError(f"simulate_with_covariates: give the base parameters {shell.base_names}")
    r, p2, p3, p4 = (np.broadcast_to(v, (n,)) for v in shell._individual(theta, shell.X, shell.Z))
    out = cls.simulator(n, r, p2, p3, p4, T=T, seed=seed)
    if isinstance(ref, (pd.DataFrame, pd.Series)):
        out.index = ref.index
    return out


# ------------------------------------------------------------------------------------------ LR tests
@dataclass(frozen=True)
class LRTest:
    """A likelihood-ratio test: statistic :math:`2(\\ell_{full} - \\ell_{restricted})`, its chi-square
    degrees of freedom and p-value, and sentences on what should not be trusted."""

    statistic: float
    df: int
    pvalue: float
    llf_restricted: float
    llf_full: float
    restricted: str = "restricted"
    full: str = "full"
    warnings: tuple = ()

    def sentence(self, alpha: float = 0.05) -> str:
        p = "< 0.001" if self.pvalue < 0.001 else f"= {self.pvalue:.3f}"
        verdict = ("the data reject the restricted model" if self.pvalue < alpha else
                   "the data do not reject the restricted model")
        return (f"Likelihood-ratio test of {self.restricted} against {self.full}: chi-square = {self.statistic:.2f} "
                f"on {self.df} df, p {p}; at the {alpha:.0%} level {verdict}.")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"restricted": self.restricted, "full": self.full, "llf_restricted": self.llf_restricted,
                              "llf_full": self.llf_full, "statistic": self.statistic, "df": self.df,
                              "pvalue": self.pvalue}])


@dataclass(frozen=True)
class SegmentLRTest(LRTest):
    """:class:`LRTest` of one model pooled over segments against one per segment; ``table`` holds the
    estimates (columns: pooled and each segment) and ``n_customers`` the segment sizes."""

    table: object = field(default=None, compare=False)
    n_customers: object = field(default=None, compare=False)


def _label(res) -> str:
    return str(getattr(res, "model_name", type(res).__name__))


def lr_test(restricted, full) -> LRTest:
    r"""Likelihood-ratio test between two nested models fitted to the same customers.

    Statistic :math:`2(\ell_{full} - \ell_{restricted})`, asymptotically chi-square with
    df = (parameters of ``full``) - (parameters of ``restricted``) when the restriction holds (Wilks 1938)
    and lies inside the parameter space (e.g. coefficients = 0; not a variance at 0). Nesting itself is
    the caller's to know: e.g. the BG/NBD in the BG/NBD with covariates, shared in separate dropout
    coefficients. A negative statistic (the full model fits worse: not nested, or not converged) is set to
    0 with a warning."""
    for name, res in (("restricted", restricted), ("full", full)):
        if not hasattr(res, "llf") or not hasattr(res, "params"):
            raise ParameterError(f"lr_test: {name} must be fitted results (with llf and params), got {type(res).__name__}")
    df = len(full.params) - len(restricted.params)
    if df <= 0:
        raise ParameterError(f"lr_test: the full model ({_label(full)}, {len(full.params)} parameters) must have more "
                             f"parameters than the restricted one ({_label(restricted)}, {len(restricted.params)})")
    n_r, n_f = float(getattr(restricted, "nobs", np.nan)), float(getattr(full, "nobs", np.nan))
    if np.isfinite(n_r) and np.isfinite(n_f) and not np.isclose(n_r, n_f):
        raise ParameterError(f"lr_test: the models were fitted to different data ({n_r:g} and {n_f:g} customers)")
    u_r, u_f = getattr(restricted, "time_unit", None), getattr(full, "time_unit", None)
    if u_r is not None and u_f is not None and not same_unit(u_r, u_f):
        raise ParameterError(f"lr_test: the models were fitted in different time units ({u_r.name} and {u_f.name}), "
                             "so their likelihoods are not comparable")
    notes = []
    for name, res in (("restricted", restricted), ("full", full)):
        if not bool(getattr(res, "converged", True)):
            notes.append(f"The {name} model ({_label(res)}) did not converge; the test is not reliable.")
    llr, llf = float(restricted.llf), float(full.llf)
    stat = 2.0 * (llf - llr)
    if stat < 0:
        if stat < -1e-6 * max(1.0, abs(llf)):
            notes.append(f"The full model fits worse than the restricted one (chi-square {stat:.3g}): they are not "
                         "nested or a fit did not converge; the statistic is set to 0.")
            warnings.warn(notes[-1], EstimationWarning, stacklevel=2)
        stat = 0.0
    return LRTest(stat, int(df), float(stats.chi2.sf(stat, df)), llr, llf, _label(restricted), _label(full), tuple(notes))


def _segment_entry(model):
    """The registry entry of a segment-testable model key or class, or None."""
    e = entry(model)
    return e if e is not None and e.segment_test else None


def _fit_problem(res) -> str:
    """Why a fit is no maximum-likelihood fit to test with (empty when it is one): it did not converge, it
    stopped at a boundary of its parameter space, or the data do not identify some of its parameters."""
    if getattr(res, "boundary", ()):
        return f"ends at the edge of its parameter space ({', '.join(res.boundary)} run off to 0 or infinity)"
    if not res.converged:
        return "did not converge"
    if getattr(res, "unidentified", ()):
        return f"does not identify {', '.join(res.unidentified)}"
    return ""


def segment_lr_test(summary: pd.DataFrame, segment, model="bgnbd", min_customers: int = 30) -> SegmentLRTest:
    r"""Do segments need their own parameters? One model fitted to all customers (pooled) against one
    fitted to each of the k segments separately.

    The separate fits have :math:`k\,p` parameters, the pooled one :math:`p`, so under the hypothesis
    that every segment shares the pooled parameters
    :math:`2(\sum_g \ell_g - \ell_{pooled}) \sim \chi^2_{(k-1)p}`.

    ``summary`` is :func:`~relmkt_utils.btyd.rfm_summary` (frequency, recency, T; monetary_value for
    ``model="gammagamma"``, which uses the repeat buyers with a positive mean spend); ``segment`` the name
    of a column of ``summary`` or one label per row; ``model`` the key of a registered model that can be
    fitted per segment (``"bgnbd"``, ``"pnbd"``, ``"mbgnbd"``, ``"gammagamma"``; :mod:`.registry`) or its
    class. Segments need ``min_customers`` customers each (and some repeat buyers)."""
    number(2, integer=True).check(min_customers, "min_customers")
    if isinstance(segment, str):
        if segment not in summary.columns:
            raise DataError(f"segment_lr_test: summary has no column {segment!r}")
        seg = summary[segment]
        name = segment
    else:
        seg = pd.Series(np.asarray(segment), index=summary.index)
        name = getattr(segment, "name", None) or "segment"
    if len(seg) != len(summary):
        raise DataError(f"segment_lr_test: {len(seg)} segment labels for {len(summary)} customers")
    if seg.isna().any():
        raise DataError(f"segment_lr_test: segment {name!r} is missing for {int(seg.isna().sum())} customer(s)")
    found = _segment_entry(model)
    if found is None:
        keys = [e.key for e in REGISTRY.values() if e.segment_test]
        raise ParameterError(f"segment_lr_test: model must be one of {', '.join(map(repr, keys))} or its class, "
                             f"got {model!r}")
    cls = found.model
    need = list(cls.summary_columns)
    if not set(need) <= set(summary.columns):
        raise DataError(f"segment_lr_test: summary lacks column(s) {sorted(set(need) - set(summary.columns))}")
    if found.data == "spend":                      # the repeat buyers with a positive mean spend
        keep = (summary["frequency"] > 0) & (summary["monetary_value"] > 0)
        data, seg = summary[keep], seg[keep]
    else:
        data = summary
    make = cls.from_summary
    levels = sorted(pd.unique(seg), key=str)
    if len(levels) < 2:
        raise DataError(f"segment_lr_test: segment {name!r} has only one value ({levels}); nothing to compare")
    sizes = seg.value_counts()
    small = [str(k) for k in levels if sizes[k] < min_customers]
    if small:
        raise DataError(f"segment_lr_test: segment(s) {small} of {name!r} have fewer than {min_customers} customers")
    pooled = make(data).fit()
    separate = {lev: make(data[(seg == lev).to_numpy()]).fit() for lev in levels}
    llf_sep = float(sum(r.llf for r in separate.values()))
    p = len(pooled.params)
    df = (len(levels) - 1) * p
    stat = max(0.0, 2.0 * (llf_sep - float(pooled.llf)))
    notes = tuple(f"The fit for {lab} {_fit_problem(r)}; the test is not reliable."
                  for lab, r in [("all customers", pooled), *separate.items()] if _fit_problem(r))
    table = pd.DataFrame({"pooled": pooled.params, **{str(lev): r.params for lev, r in separate.items()}})
    label = found.name
    return SegmentLRTest(stat, int(df), float(stats.chi2.sf(stat, df)), float(pooled.llf), llf_sep,
                         f"one {label} for every {name}", f"one {label} per {name} ({len(levels)} groups)",
                         notes, table=table, n_customers=sizes.reindex(levels))
