r"""Beta-discrete-Weibull (BdW) retention model: the sBG with duration dependence.

Fader, P. S., Hardie, B. G. S., Liu, Y., Davin, J. & Steenburgh, T. (2018). "How to project customer
retention" revisited: the role of duration dependence. *Journal of Interactive Marketing* 43, 1-16.

Story: a customer with churn parameter :math:`\theta \sim \mathrm{Beta}(\alpha, \beta)` survives her first
t renewal periods with the discrete Weibull probability :math:`(1-\theta)^{t^c}` (Nakagawa & Osaki 1975):
her churn probability rises with tenure when c > 1, falls when c < 1, and is constant for c = 1, which is
the shifted-beta-geometric of :mod:`.sbg`. With :math:`T` the period in which a customer churns
(t = 1, 2, ...), mixing over :math:`\theta` (Fader et al. 2018, eqs. 10-12):

.. math::

    S(t) = P(T > t) = \frac{B(\alpha, \beta + t^c)}{B(\alpha, \beta)}, \qquad
    P(T = t) = S(t-1) - S(t), \qquad
    r(t) = \frac{S(t)}{S(t-1)} = \frac{B(\alpha, \beta + t^c)}{B(\alpha, \beta + (t-1)^c)} .

Cohort-level retention rates can rise with tenure (heterogeneity sorting the cohort) although every
customer's churn probability rises (c > 1); c < 1 and heterogeneity both make them rise, and c > 1 can
give the early dip of a U-shaped curve. The paper's point: heterogeneity matters more than duration
dependence, and c is usually above 1.

Data: ``survivors`` = :math:`n_0, \dots, n_T` of one cohort (as :class:`.sbg.ShiftedBetaGeometric`); with
:math:`d_t = n_{t-1} - n_t`,

.. math:: LL(\alpha, \beta, c) = \sum_{t=1}^{T} d_t \ln P(T=t) + n_T \ln S(T),

:math:`\ln P(T = t)` computed as :math:`\ln S(t-1) + \log(1 - e^{\ln S(t) - \ln S(t-1)})` (no
cancellation), maximized on the log scale with the analytic gradient
(:math:`\partial \ln B(\alpha, \beta+t^c)/\partial c = t^c \ln t\,[\psi(\beta+t^c) - \psi(\alpha+\beta+t^c)]`)
by :func:`relmkt_utils.core.optimize.newton_fit`.

Valuation (margins at each renewal, the first at acquisition, as :mod:`.sbg`; Fader & Hardie 2010 give
closed forms only for c = 1, so the sums are summed until the discounted terms vanish):

.. math::

    \mathrm{DEL}(d) = \sum_{t=0}^{\infty}\frac{S(t)}{(1+d)^t}, \qquad
    \mathrm{DERL}(d \mid n-1) = \sum_{t=n}^{\infty}\frac{S(t)}{S(n-1)}\frac{1}{(1+d)^{t-n}} .
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ..btyd import Registered, SavableResults
from ..core.checks import COUNT, SEED, checked, number, numbers
from ..core.errors import ParameterError
from ..core.optimize import newton_fit
from ..core.results import MLEResults
from .sbg import CohortValue, ShiftedBetaGeometric, _check_survivors

#: Rules of the BdW's parameters (:mod:`relmkt_utils.core.checks`): alpha, beta and c all > 0.
SHAPE = dict(alpha=number(0, low_open=True), beta=number(0, low_open=True), c=number(0, low_open=True))
#: Discounted terms of DEL and DERL are summed until they fall below this share of the sum.
_SUM_TOL = 1e-15


# ---------------------------------------------------------------------------- model functions

def bdw_log_survival(alpha: float, beta: float, c: float, t) -> np.ndarray:
    """ln S(t) = ln B(alpha, beta + t^c) - ln B(alpha, beta)."""
    t = np.asarray(t, dtype=float)
    return special.betaln(alpha, beta + t ** c) - special.betaln(alpha, beta)


@checked(**SHAPE, t=numbers(0))
def bdw_survival(alpha: float, beta: float, c: float, t) -> np.ndarray:
    """S(t) = B(alpha, beta + t^c) / B(alpha, beta): share of the cohort alive at the start of period t.

    Parameters
    ----------
    alpha : float
        the BdW's alpha (a parameter of the beta distribution of the churn parameter, not an interval level), > 0.
    beta : float
        the BdW's beta, > 0.
    c : float
        the discrete-Weibull shape, > 0 (c = 1: the sBG; c > 1: each customer's churn probability rises with tenure).
    t : float or array-like
        periods since acquisition, >= 0.
    """
    return np.exp(bdw_log_survival(alpha, beta, c, t))


@checked(**SHAPE, t=numbers(1))
def bdw_churn_probability(alpha: float, beta: float, c: float, t) -> np.ndarray:
    """P(T = t) = S(t-1) - S(t), t = 1, 2, ..., computed without cancellation.

    Parameters
    ----------
    alpha : float
        the BdW's alpha (a parameter of the beta distribution of the churn parameter, not an interval level), > 0.
    beta : float
        the BdW's beta, > 0.
    c : float
        the discrete-Weibull shape, > 0 (c = 1: the sBG; c > 1: each customer's churn probability rises with tenure).
    t : float or array-like
        period of churn, t = 1, 2, ...
    """
    t = np.asarray(t, dtype=float)
    a, b = bdw_log_survival(alpha, beta, c, t - 1), bdw_log_survival(alpha, beta, c, t)
    return np.exp(a + np.log(-np.expm1(b - a)))


@checked(**SHAPE, t=numbers(1))
def bdw_retention_rate(alpha: float, beta: float, c: float, t) -> np.ndarray:
    """r(t) = B(alpha, beta + t^c) / B(alpha, beta + (t-1)^c), the retention rate at the t-th renewal, t >= 1.

    Parameters
    ----------
    alpha : float
        the BdW's alpha (a parameter of the beta distribution of the churn parameter, not an interval level), > 0.
    beta : float
        the BdW's beta, > 0.
    c : float
        the discrete-Weibull shape, > 0 (c = 1: the sBG; c > 1: each customer's churn probability rises with tenure).
    t : float or array-like
        renewal number, t >= 1.
    """
    t = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha, beta + t ** c) - special.betaln(alpha, beta + (t - 1) ** c))


def _discounted_sum(alpha, beta, c, discount_rate, start):
    """sum_{t >= start} S(t) / S(start - 1) / (1 + d)^(t - start), in blocks until the terms vanish."""
    if not np.isfinite(discount_rate) or discount_rate <= 0:
        raise ParameterError(f"DEL/DERL need a discount rate > 0 (the undiscounted sum may diverge), got {discount_rate!r}")
    ref = float(bdw_log_survival(alpha, beta, c, start - 1)) if start > 0 else 0.0
    total, k0, size = 0.0, 0, 256
    lq = -np.log1p(discount_rate)
    while True:
        k = np.arange(k0, k0 + size, dtype=float)
        terms = np.exp(bdw_log_survival(alpha, beta, c, start + k) - ref + k * lq)
        total += float(terms.sum())
        if terms[-1] <= _SUM_TOL * total or k0 > 10_000_000:
            return total
        k0 += size
        size *= 2


@checked(**SHAPE, discount_rate=number(0, low_open=True))
def bdw_del(alpha: float, beta: float, c: float, discount_rate: float) -> float:
    """DEL(d) = sum_t S(t)/(1+d)^t: discounted expected lifetime of a new customer in periods (payment at t = 0
    counted as 1).

    Parameters
    ----------
    alpha : float
        the BdW's alpha (a parameter of the beta distribution of the churn parameter, not an interval level), > 0.
    beta : float
        the BdW's beta, > 0.
    c : float
        the discrete-Weibull shape, > 0 (c = 1: the sBG; c > 1: each customer's churn probability rises with tenure).
    discount_rate : float
        discount rate per period, > 0.
    """
    return _discounted_sum(alpha, beta, c, discount_rate, 0)


@checked(**SHAPE, discount_rate=number(0, low_open=True), renewals=number(0, integer=True))
def bdw_derl(alpha: float, beta: float, c: float, discount_rate: float, renewals: int) -> float:
    """DERL(d | n-1 renewals), n = renewals + 1: valued just before the n-th renewal decision (as :func:`.sbg.sbg_derl`).

    Parameters
    ----------
    alpha : float
        the BdW's alpha (a parameter of the beta distribution of the churn parameter, not an interval level), > 0.
    beta : float
        the BdW's beta, > 0.
    c : float
        the discrete-Weibull shape, > 0 (c = 1: the sBG; c > 1: each customer's churn probability rises with tenure).
    discount_rate : float
        discount rate per period, > 0.
    renewals : int
        renewals the customer has made (n - 1), >= 0.
    """
    if int(renewals) != renewals or renewals < 0:
        raise ParameterError(f"renewals must be a whole number >= 0, got {renewals!r}")
    return _discounted_sum(alpha, beta, c, discount_rate, int(renewals) + 1)


@checked(**SHAPE, n_customers=COUNT, n_periods=COUNT, seed=SEED)
def simulate_bdw_survivors(alpha: float, beta: float, c: float, n_customers: int, n_periods: int, seed: int) -> np.ndarray:
    """Survivors n_0..n_T of a simulated cohort (seeded): theta_i ~ Beta(alpha, beta) and the discrete Weibull
    churn period T_i = ceil((ln U / ln(1 - theta_i))^(1/c)), U uniform, so P(T_i > t) = (1-theta_i)^(t^c).

    Parameters
    ----------
    alpha : float
        the BdW's alpha (a parameter of the beta distribution of the churn parameter, not an interval level), > 0.
    beta : float
        the BdW's beta, > 0.
    c : float
        the discrete-Weibull shape, > 0 (c = 1: the sBG; c > 1: each customer's churn probability rises with tenure).
    n_customers : int
        cohort size, >= 1.
    n_periods : int
        last period simulated, >= 1.
    seed : int
        seed of the random draws (>= 0); the same seed gives the same numbers.
    """
    rng = np.random.default_rng(seed)
    theta = np.clip(rng.beta(alpha, beta, size=n_customers), 1e-300, 1 - 1e-16)
    u = rng.random(n_customers)
    churn = np.maximum(np.ceil((np.log(u) / np.log1p(-theta)) ** (1.0 / c)), 1.0)
    t = np.arange(n_periods + 1)
    return (churn[None, :] > t[:, None]).sum(axis=1)


# ---------------------------------------------------------------------------- model

class BdWResults(CohortValue, SavableResults, MLEResults):
    """Fitted BdW: S(t), r(t), expected survivors, DEL / DERL and CLV, as :class:`.sbg.SBGResults` (every
    method also at given ``params`` = (alpha, beta, c)); and :meth:`lr_test_c1`, the test of c = 1 (the sBG)."""

    def survival(self, t, params=None) -> np.ndarray:
        """S(t) = B(alpha, beta+t^c)/B(alpha, beta): share of the cohort alive at the start of period t."""
        return bdw_survival(*self._params_or(params), t)

    def churn_probability(self, t, params=None) -> np.ndarray:
        """P(T = t): share of the cohort that churns in period t (t >= 1)."""
        return bdw_churn_probability(*self._params_or(params), t)

    def retention_rate(self, t, params=None) -> np.ndarray:
        """r(t) = B(alpha, beta+t^c)/B(alpha, beta+(t-1)^c), t >= 1: the retention-rate curve."""
        return bdw_retention_rate(*self._params_or(params), t)

    def mean_churn(self, params=None) -> float:
        """E(theta) = alpha/(alpha+beta): the first-period churn probability of the average new customer."""
        a, b, _ = self._params_or(params)
        return a / (a + b)

    def discounted_expected_lifetime(self, discount_rate: float, params=None) -> float:
        """DEL(d) = sum_t S(t)/(1+d)^t (module docstring)."""
        return bdw_del(*self._params_or(params), discount_rate)

    def derl(self, discount_rate: float, renewals: int, params=None) -> float:
        """DERL(d | renewals) for a customer who has made ``renewals`` renewals (module docstring)."""
        return bdw_derl(*self._params_or(params), discount_rate, renewals)


    def base_value(self, margin: float, discount_rate: float, params=None) -> float:
        """Residual value of the cohort's n_T customers alive at the start of the last observed period T:
        n_T x m x DERL(d | T renewals)."""
        if self.model is None:
            raise ValueError("BdW: these results carry no cohort (loaded from a file); base_value needs the survivors")
        return float(self.model.survivors[-1] * margin * self.derl(discount_rate, self.model.n_periods, params))

    def lr_test_c1(self) -> dict:
        """Likelihood-ratio test of c = 1 (no duration dependence: the sBG) against the fitted BdW:
        statistic 2 (LL_BdW - LL_sBG) on 1 degree of freedom; returns the statistic, p-value and the sBG's LL."""
        from scipy import stats

        if self.model is None:
            raise ValueError("BdW: these results carry no cohort (loaded from a file); the test needs the survivors")
        sbg = ShiftedBetaGeometric(self.model.survivors).fit()
        stat = max(2.0 * (self.llf - sbg.llf), 0.0)
        return {"statistic": stat, "pvalue": float(stats.chi2.sf(stat, 1)), "llf_sbg": sbg.llf, "llf_bdw": self.llf}


class BetaDiscreteWeibull(Registered, key="bdw", name="BdW", data="contractual", rank=20):
    """BdW model of one cohort's survivors n_0..n_T; ``fit()`` returns :class:`BdWResults`. It is entered in the
    BTYD model registry (:data:`relmkt_utils.btyd.REGISTRY`, as a contractual model, not one of the purchase
    models) so that ``results.save`` / :func:`relmkt_utils.btyd.load_results` find its results class.

    Parameters
    ----------
    survivors : customers alive at the start of periods 0, 1, ..., T (n_0 = cohort size).
    """

    param_names = ["alpha", "beta", "c"]
    results_cls = BdWResults

    def __init__(self, survivors):
        self.survivors = _check_survivors(survivors)
        self.n_periods = self.survivors.size - 1
        self.churned = self.survivors[:-1] - self.survivors[1:]
        self.nobs = float(self.survivors[0])
        if self.n_periods < 2:
            raise ParameterError("the BdW has three parameters: survivors needs periods 0, 1 and 2 at least")

    def loglike(self, params) -> float:
        """LL = sum_t d_t ln P(T=t) + n_T ln S(T)."""
        return -float(self._nll(np.asarray(params, dtype=float), False))

    def _nll(self, theta, deriv: bool):
        a, b, c = theta
        T = self.n_periods
        t = np.arange(0, T + 1, dtype=float)
        tc = t ** c
        lS = special.betaln(a, b + tc) - special.betaln(a, b)            # ln S(t), t = 0..T
        ratio = np.exp(lS[1:] - lS[:-1])                                 # r(t), t = 1..T
        lP = lS[:-1] + np.log(-np.expm1(lS[1:] - lS[:-1]))               # ln P(T = t)
        d, nT = self.churned, self.survivors[-1]
        ll = d @ lP + nT * lS[-1]
        if not deriv:
            return -ll
        # d ln S(t) / d(a, b, c)
        pab = special.digamma(a + b)
        dig_all = special.digamma(a + b + tc)
        dS = np.stack([
            special.digamma(a) - dig_all - special.digamma(a) + pab,
            special.digamma(b + tc) - dig_all - special.digamma(b) + pab,
            np.where(t > 0, tc * np.log(np.where(t > 0, t, 1.0)), 0.0) * (special.digamma(b + tc) - dig_all),
        ])
        # ln P(t) = ln(S(t-1) - S(t)): d = (S(t-1) dlnS(t-1) - S(t) dlnS(t)) / (S(t-1) - S(t))
        w_prev = 1.0 / (1.0 - ratio)
        w_curr = ratio / (1.0 - ratio)
        dP = dS[:, :-1] * w_prev - dS[:, 1:] * w_curr
        g = dP @ d + nT * dS[:, -1]
        return -ll, -g

    def _objective(self, theta, order):
        return self._nll(theta, False) if order == 0 else self._nll(theta, True)

    def start_params(self) -> np.ndarray:
        """The sBG's estimate with c = 1 (the BdW's special case) when it can be fitted, else (1, 1, 1)."""
        try:
            sbg = ShiftedBetaGeometric(self.survivors).fit()
            if sbg.converged:
                return np.r_[sbg.params.to_numpy(), 1.0]
        except (ValueError, np.linalg.LinAlgError):
            pass
        return np.array([1.0, 1.0, 1.0])

    def fit(self, start_params=None, maxiter: int = 200) -> "BdWResults":
        """Maximum likelihood by Newton's method on the log-parameters (analytic gradient), started at the sBG's fit."""
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        return newton_fit(self._objective, x0, self.param_names, results_cls=self.results_cls, model=self, nobs=self.nobs,
                          model_name=self.model_name, analytic_hessian=False, maxiter=maxiter)

    def results_at(self, params) -> "BdWResults":
        """Results at given (alpha, beta, c), without fitting (covariance unknown, ``converged`` False)."""
        p = np.asarray(params, dtype=float)
        names = self.param_names
        return self.results_cls(model=self, params=pd.Series(p, index=names, name="params"),
                          cov_params_log=pd.DataFrame(np.nan, index=names, columns=names), llf=self.loglike(p),
                          nobs=self.nobs, converged=False, model_name=self.model_name,
                          warnings=["evaluated at given parameters, not fitted"])


@checked(calibration_periods=number(2, integer=True, none=True), horizon=number(1, integer=True, none=True))
def compare_with_sbg(survivors, calibration_periods: int | None = None, horizon: int | None = None) -> pd.DataFrame:
    """Fit the sBG and the BdW on periods 0..``calibration_periods`` and project both to ``horizon``.

    Columns: ``actual`` (NaN where unknown), ``calibration`` (bool), ``sbg``, ``bdw`` (expected survivors),
    ``sbg_error_pct``, ``bdw_error_pct`` (100 (projection - actual)/actual), and the retention-rate curves
    ``actual_retention``, ``sbg_retention``, ``bdw_retention`` (r(t) = S(t)/S(t-1)). The fitted parameters,
    log-likelihoods and the likelihood-ratio test of c = 1 are in ``DataFrame.attrs`` (plain floats).

    Parameters
    ----------
    survivors : array-like
        survivors n_0, n_1, ... of one cohort, possibly past the calibration periods.
    calibration_periods : int or None
        last period of the calibration, >= 2 (the BdW has three parameters); default: the last observed period.
    horizon : int or None
        last period projected; default: the last observed period.
    """
    s = _check_survivors(survivors)
    Tc = s.size - 1 if calibration_periods is None else int(calibration_periods)
    if not 2 <= Tc <= s.size - 1:
        raise ParameterError("calibration_periods must be between 2 (the BdW has three parameters) and the last observed period")
    H = s.size - 1 if horizon is None else int(horizon)
    sbg = ShiftedBetaGeometric(s[: Tc + 1]).fit()
    bdw = BetaDiscreteWeibull(s[: Tc + 1]).fit()
    t = np.arange(H + 1)
    actual = np.full(H + 1, np.nan)
    k = min(H + 1, s.size)
    actual[:k] = s[:k]
    out = pd.DataFrame({"actual": actual, "calibration": t <= Tc, "sbg": sbg.expected_survivors(t),
                        "bdw": bdw.expected_survivors(t)}, index=pd.Index(t, name="period"))
    out["sbg_error_pct"] = 100 * (out["sbg"] - out["actual"]) / out["actual"]
    out["bdw_error_pct"] = 100 * (out["bdw"] - out["actual"]) / out["actual"]
    out["actual_retention"] = actual / np.r_[np.nan, actual[:-1]]
    out["sbg_retention"] = np.r_[np.nan, sbg.retention_rate(t[1:])]
    out["bdw_retention"] = np.r_[np.nan, bdw.retention_rate(t[1:])]
    lr = bdw.lr_test_c1()
    out.attrs.update(alpha_sbg=sbg.alpha, beta_sbg=sbg.beta, llf_sbg=sbg.llf,
                     alpha_bdw=float(bdw.params["alpha"]), beta_bdw=float(bdw.params["beta"]), c=float(bdw.params["c"]),
                     llf_bdw=bdw.llf, lr_statistic=lr["statistic"], lr_pvalue=lr["pvalue"], calibration_periods=Tc)
    return out
