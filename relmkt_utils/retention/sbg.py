r"""Shifted-beta-geometric (sBG) retention model and its naive constant-retention rival.

Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of
Interactive Marketing* 21(1), 76-90.

Story: while a customer is alive, at each renewal she churns with her own probability
:math:`\theta` (geometric lifetime); :math:`\theta \sim \mathrm{Beta}(\alpha, \beta)` across
customers. With :math:`T` the period in which a customer churns (t = 1, 2, ...):

.. math::

    P(T=t) = \frac{B(\alpha+1, \beta+t-1)}{B(\alpha,\beta)}, \qquad
    S(t) = P(T>t) = \frac{B(\alpha, \beta+t)}{B(\alpha,\beta)}, \qquad
    r(t) = \frac{S(t)}{S(t-1)} = \frac{\beta+t-1}{\alpha+\beta+t-1}.

The retention rate r(t) *rises* with tenure although no customer's churn probability changes:
the high-churn customers leave first (heterogeneity, not loyalty building).

Data: ``survivors`` = :math:`n_0, n_1, \dots, n_T`, the customers of one cohort alive at the start
of periods 0..T. With :math:`d_t = n_{t-1} - n_t` churned in period t, the log-likelihood is
(F&H 2007, eq. 6)

.. math:: LL(\alpha,\beta) = \sum_{t=1}^{T} d_t \ln P(T=t) + n_T \ln S(T),

maximized on the log scale with the analytic gradient (digamma functions) by the suite's one
optimizer, :func:`relmkt_utils.core.optimize.newton_fit`.

Valuation (Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual
setting: the perils of ignoring heterogeneity. *Marketing Science* 29(1), 85-93). Margins are
paid at each renewal (start-of-period timing); with discount rate d per period,

.. math::

    \mathrm{DEL}(d) = \sum_{t=0}^{\infty} \frac{S(t)}{(1+d)^t}
                    = {}_2F_1\!\left(1, \beta; \alpha+\beta; \tfrac{1}{1+d}\right),

the discounted expected lifetime of a *new* customer (first payment at t = 0, undiscounted), and
for a customer who has made :math:`n-1` renewals, valued just before her n-th renewal decision
(a customer counted among the survivors :math:`n_{T}` at the start of period T has made T renewals,
so she is valued with n - 1 = T),

.. math::

    \mathrm{DERL}(d \mid n-1) = \sum_{t=n}^{\infty} \frac{S(t)}{S(n-1)} \frac{1}{(1+d)^{t-n}}
      = \frac{B(\alpha, \beta+n)}{B(\alpha, \beta+n-1)}\,
        {}_2F_1\!\left(1, \beta+n; \alpha+\beta+n; \tfrac{1}{1+d}\right).

Expected CLV = m x DEL; expected residual value of an existing customer = m x DERL.

The naive rival (:class:`GeometricRetention`) assumes one constant retention rate r for everyone,
:math:`S(t) = r^t`; its ML estimate is closed form, :math:`\hat r = 1 - \sum_t d_t / \sum_{t=0}^{T-1} n_t`
(churners over customer-periods at risk). Fitted to the early, high-churn years it
under-projects later survival, because the observed retention rate rises with tenure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import COUNT, SEED, checked, number, numbers
from ..core.errors import ParameterError
from ..core.estimate import z_value
from ..core.optimize import newton_fit
from ..core.results import MLEResults


# ---------------------------------------------------------------------------- model functions

@checked(alpha=numbers(0, low_open=True), beta=numbers(0, low_open=True), t=numbers(0))
def sbg_survival(alpha: float, beta: float, t) -> np.ndarray:
    """S(t) = B(alpha, beta + t) / B(alpha, beta).

    Parameters
    ----------
    alpha : float or array-like
        the sBG's alpha (a parameter of the beta distribution of the churn probability, not an interval
        level), > 0.
    beta : float or array-like
        the sBG's beta, > 0.
    t : float or array-like
        periods since acquisition, >= 0.
    """
    t = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


@checked(alpha=numbers(0, low_open=True), beta=numbers(0, low_open=True), t=numbers(1))
def sbg_churn_probability(alpha: float, beta: float, t) -> np.ndarray:
    """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), t = 1, 2, ...

    Parameters
    ----------
    alpha : float or array-like
        the sBG's alpha (beta-distribution parameter), > 0.
    beta : float or array-like
        the sBG's beta, > 0.
    t : float or array-like
        period of churn, t = 1, 2, ...
    """
    t = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha + 1, beta + t - 1) - special.betaln(alpha, beta))


@checked(alpha=numbers(0, low_open=True), beta=numbers(0, low_open=True), t=numbers(1))
def sbg_retention_rate(alpha: float, beta: float, t) -> np.ndarray:
    """r(t) = (beta + t - 1) / (alpha + beta + t - 1), the retention rate at the t-th renewal, t >= 1.

    Parameters
    ----------
    alpha : float or array-like
        the sBG's alpha (beta-distribution parameter), > 0.
    beta : float or array-like
        the sBG's beta, > 0.
    t : float or array-like
        renewal number, t >= 1.
    """
    t = np.asarray(t, dtype=float)
    return (beta + t - 1) / (alpha + beta + t - 1)


@checked(alpha=number(0, low_open=True), beta=number(0, low_open=True), discount_rate=number(0, low_open=True))
def sbg_del(alpha: float, beta: float, discount_rate: float) -> float:
    """DEL(d) = 2F1(1, beta; alpha + beta; 1/(1+d)) (Fader & Hardie 2010): discounted expected lifetime
    of a new customer in periods, counting the payment at acquisition (t = 0) as 1.

    Parameters
    ----------
    alpha : float
        the sBG's alpha (beta-distribution parameter), > 0.
    beta : float
        the sBG's beta, > 0.
    discount_rate : float
        discount rate per period, > 0.
    """
    if discount_rate <= 0:
        raise ParameterError("DEL needs a discount rate > 0 (the undiscounted sum may diverge)")
    return float(special.hyp2f1(1.0, beta, alpha + beta, 1.0 / (1.0 + discount_rate)))


@checked(alpha=number(0, low_open=True), beta=number(0, low_open=True), discount_rate=number(0, low_open=True),
         renewals=number(0, integer=True))
def sbg_derl(alpha: float, beta: float, discount_rate: float, renewals: int) -> float:
    """DERL(d | n-1 renewals) = B(alpha, beta+n)/B(alpha, beta+n-1) 2F1(1, beta+n; alpha+beta+n; 1/(1+d)),
    n = renewals + 1 (Fader & Hardie 2010, eq. 5): valued just before the n-th renewal decision.

    Parameters
    ----------
    alpha : float
        the sBG's alpha (beta-distribution parameter), > 0.
    beta : float
        the sBG's beta, > 0.
    discount_rate : float
        discount rate per period, > 0.
    renewals : int
        renewals the customer has made (n - 1), >= 0.
    """
    if discount_rate <= 0:
        raise ParameterError("DERL needs a discount rate > 0")
    n = int(renewals) + 1
    if n < 1:
        raise ParameterError("renewals must be a whole number >= 0")
    ratio = np.exp(special.betaln(alpha, beta + n) - special.betaln(alpha, beta + n - 1))
    return float(ratio * special.hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount_rate)))


@checked(alpha=number(0, low_open=True), beta=number(0, low_open=True), n_customers=COUNT, n_periods=COUNT, seed=SEED)
def simulate_survivors(alpha: float, beta: float, n_customers: int, n_periods: int, seed: int) -> np.ndarray:
    """Survivors n_0..n_T of a simulated cohort: theta_i ~ Beta(alpha, beta), geometric lifetimes (seeded).

    Parameters
    ----------
    alpha : float
        alpha of the beta distribution of the churn probability, > 0.
    beta : float
        beta of the beta distribution of the churn probability, > 0.
    n_customers : int
        cohort size, >= 1.
    n_periods : int
        last period simulated, >= 1.
    seed : int
        seed of the random draws (>= 0); the same seed gives the same numbers.
    """
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, size=n_customers)
    churn_period = rng.geometric(np.clip(theta, 1e-300, 1.0))        # period of churn, 1, 2, ...
    t = np.arange(n_periods + 1)
    return (churn_period[None, :] > t[:, None]).sum(axis=1)


# ---------------------------------------------------------------------------- data checks

def _check_survivors(survivors) -> np.ndarray:
    s = np.asarray(survivors, dtype=float).ravel()
    if s.size < 2:
        raise ParameterError("survivors needs the customers alive at the start of at least periods 0 and 1")
    if np.any(~np.isfinite(s)) or np.any(s < 0):
        raise ParameterError("survivors must be finite counts >= 0")
    if s[0] <= 0:
        raise ParameterError("survivors[0] (cohort size) must be > 0")
    if np.any(np.diff(s) > 0):
        raise ParameterError("survivors must not increase: a customer who has churned cannot be alive again")
    return s


# ---------------------------------------------------------------------------- sBG

class ShiftedBetaGeometric:
    """sBG model of one cohort's survivors n_0..n_T; ``fit()`` returns :class:`SBGResults`.

    Parameters
    ----------
    survivors : customers alive at the start of periods 0, 1, ..., T (n_0 = cohort size).
    """

    model_name = "sBG"
    param_names = ["alpha", "beta"]

    def __init__(self, survivors):
        self.survivors = _check_survivors(survivors)
        self.n_periods = self.survivors.size - 1
        self.churned = self.survivors[:-1] - self.survivors[1:]
        self.nobs = float(self.survivors[0])

    def loglike(self, params) -> float:
        """LL = sum_t d_t ln P(T=t) + n_T ln S(T)."""
        return float(self._nll(np.asarray(params, dtype=float))[0] * -1)

    def _nll(self, theta):
        a, b = theta
        T = self.n_periods
        t = np.arange(1, T + 1)
        d, nT = self.churned, self.survivors[-1]
        lB = special.betaln(a, b)
        lp = special.betaln(a + 1, b + t - 1) - lB
        lS = special.betaln(a, b + T) - lB
        ll = d @ lp + nT * lS
        pab = special.digamma(a + b)
        # d ln P(t) / d(a, b) and d ln S(T) / d(a, b)
        dlp_a = special.digamma(a + 1) - special.digamma(a + b + t) - special.digamma(a) + pab
        dlp_b = special.digamma(b + t - 1) - special.digamma(a + b + t) - special.digamma(b) + pab
        dls_a = pab - special.digamma(a + b + T)
        dls_b = special.digamma(b + T) - special.digamma(a + b + T) - special.digamma(b) + pab
        g = np.array([d @ dlp_a + nT * dls_a, d @ dlp_b + nT * dls_b])
        return -ll, -g

    def _objective(self, theta, order):
        value, grad = self._nll(theta)
        return value if order == 0 else (value, grad)

    def fit(self, start_params=(1.0, 1.0), maxiter: int = 200) -> "SBGResults":
        """Maximum likelihood by Newton's method on the log-parameters (analytic gradient)."""
        return newton_fit(self._objective, start_params, self.param_names, results_cls=SBGResults, model=self,
                          nobs=self.nobs, model_name=self.model_name, analytic_hessian=False, maxiter=maxiter)


class CohortValue:
    """What a contractual retention model's results derive from its survival S(t), DEL and DERL (the sBG's
    and the beta-discrete-Weibull's): expected survivors, a new customer's CLV, a renewed one's residual value."""

    def expected_survivors(self, t, params=None) -> np.ndarray:
        """n_0 S(t): expected number of the cohort alive at the start of period t."""
        return self.nobs * self.survival(t, params)

    def clv(self, margin: float, discount_rate: float, params=None) -> float:
        """Expected CLV of a new customer = m x DEL (margin at each renewal, the first at acquisition)."""
        return margin * self.discounted_expected_lifetime(discount_rate, params)

    def residual_clv(self, margin: float, discount_rate: float, renewals: int, params=None) -> float:
        """Expected residual value of a customer with ``renewals`` renewals = m x DERL."""
        return margin * self.derl(discount_rate, renewals, params)


@dataclass(repr=False)
class SBGResults(CohortValue, MLEResults):
    """Fitted sBG: projections S(t), r(t), expected survivors, DEL / DERL and CLV (Fader & Hardie 2007, 2010)."""

    @property
    def alpha(self) -> float:
        return float(self.params["alpha"])

    @property
    def beta(self) -> float:
        return float(self.params["beta"])

    def survival(self, t, params=None) -> np.ndarray:
        """S(t) = B(alpha, beta+t)/B(alpha, beta): share of the cohort alive at the start of period t."""
        return sbg_survival(*self._params_or(params), t)

    def churn_probability(self, t, params=None) -> np.ndarray:
        """P(T = t): share of the cohort that churns in period t (t >= 1)."""
        return sbg_churn_probability(*self._params_or(params), t)

    def retention_rate(self, t, params=None) -> np.ndarray:
        """r(t) = (beta + t - 1)/(alpha + beta + t - 1), t >= 1."""
        return sbg_retention_rate(*self._params_or(params), t)

    def mean_churn(self, params=None) -> float:
        """E(theta) = alpha / (alpha + beta): churn probability of the average new customer."""
        a, b = self._params_or(params)
        return a / (a + b)

    def discounted_expected_lifetime(self, discount_rate: float, params=None) -> float:
        """DEL(d) = 2F1(1, beta; alpha+beta; 1/(1+d)) (Fader & Hardie 2010)."""
        return sbg_del(*self._params_or(params), discount_rate)

    def derl(self, discount_rate: float, renewals: int, params=None) -> float:
        """DERL(d | renewals) for a customer who has made ``renewals`` renewals (Fader & Hardie 2010, eq. 5)."""
        return sbg_derl(*self._params_or(params), discount_rate, renewals)


    def base_value(self, margin: float, discount_rate: float, params=None) -> float:
        """Residual value of the cohort's customers alive at the last observed period T.

        The n_T customers alive at the start of period T have made T renewals (at t = 1..T), so each
        is worth m x DERL(d | T renewals) (Fader & Hardie 2010, eq. 5 with n - 1 = T):
        n_T x m x DERL(d | T)."""
        T = self.model.n_periods
        return float(self.model.survivors[-1] * margin * self.derl(discount_rate, T, params))


class PooledShiftedBetaGeometric(ShiftedBetaGeometric):
    """sBG with one (alpha, beta) shared by several cohorts of different lengths (pooled ML).

    ``curves``: a list of survivor vectors n_0..n_T (one per cohort, T may differ). The
    log-likelihood is the sum of the cohorts' F&H (2007) log-likelihoods, each cohort right-censored
    at its own last observed period. ``nobs`` is the total of the cohort sizes; ``survivors`` holds
    the cohort totals n_0 of the pooled cohorts at t = 0 only (``base_value`` is not defined for a pool).
    """

    model_name = "sBG (pooled cohorts)"

    def __init__(self, curves):
        curves = [_check_survivors(c) for c in curves]
        if not curves:
            raise ParameterError("a pooled sBG needs at least one cohort with periods 0 and 1 observed")
        self.models = [ShiftedBetaGeometric(c) for c in curves]
        self.n_cohorts = len(curves)
        self.n_periods = max(m.n_periods for m in self.models)
        self.nobs = float(sum(m.nobs for m in self.models))
        self.survivors = np.array([self.nobs])

    def _nll(self, theta):
        parts = [m._nll(theta) for m in self.models]
        return sum(p[0] for p in parts), np.sum([p[1] for p in parts], axis=0)


# ---------------------------------------------------------------------------- constant retention

class GeometricRetention:
    r"""Constant-retention (geometric) model: S(t) = r^t for every customer, the suite's one estimator
    of a constant retention rate (for one cohort, :func:`compare_projections`, and pooled over cohorts,
    :func:`relmkt_utils.retention.constant_retention` and :func:`relmkt_utils.retention.retention_by_group`).

    ``survivors``: one cohort's survivors n_0..n_T, several cohorts as a list of such curves (T may
    differ), or a table with one row per cohort and one column per period 0, 1, ... (NaN where a cohort
    is not observed, as :func:`relmkt_utils.retention.cohort_survivors` lays it out). Every pair of
    consecutive observed periods (n_{t-1}, n_t) of a cohort puts n_{t-1} customers at risk of which n_t
    renew, so with E the customer-periods at risk and K the renewals,

    .. math:: \ell(r) = K \ln r + (E - K) \ln(1 - r), \qquad \hat r = K / E, \qquad
              I(\hat r) = E / (\hat r (1 - \hat r)),

    for one cohort :math:`\hat r = 1 - (n_0 - n_T) / \sum_{t=0}^{T-1} n_t` (churners over
    customer-periods at risk). The intervals are Wald intervals on the logit scale
    (:meth:`GeometricResults.conf_int`), which stay inside (0, 1).
    """

    model_name = "geometric (constant retention)"
    param_names = ["retention"]

    def __init__(self, survivors):
        curves = _survivor_rows(survivors)
        prev, cur = curves[:, :-1], curves[:, 1:]
        both = np.isfinite(prev) & np.isfinite(cur)
        #: customer-periods at risk E and renewals K (the sufficient statistics)
        self.at_risk = float(np.where(both, prev, 0.0).sum())
        self.retained = float(np.where(both, cur, 0.0).sum())
        observed = both.any(axis=1)
        self.survivors = curves[0] if curves.shape[0] == 1 else curves
        self.n_cohorts = int(observed.sum())
        self.n_periods = curves.shape[1] - 1
        self.nobs = float(curves[observed, 0].sum())

    def loglike(self, params) -> float:
        r = float(np.asarray(params).ravel()[0])
        d = self.at_risk - self.retained
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(special.xlogy(d, 1 - r) + special.xlogy(self.retained, r))

    def fit(self) -> "GeometricResults":
        """The closed-form maximum-likelihood estimate r = K / E with its observed information."""
        if self.at_risk <= 0:
            raise ParameterError("survivors: no cohort is observed at two consecutive periods with customers at risk, "
                                 "so no renewal can be counted")
        r = self.retained / self.at_risk
        if not 0 < r < 1:
            raise ParameterError(f"survivors: a constant retention rate is not estimable when "
                                 f"{'nobody' if r >= 1 else 'everybody'} churned ({self.retained:g} renewals of "
                                 f"{self.at_risk:g} customer-periods at risk)")
        var_log = (1 - r) / (self.at_risk * r)        # var(r)/r^2 with var(r) = r(1-r)/E
        return GeometricResults(
            model=self, params=pd.Series([r], index=self.param_names, name="params"),
            cov_params_log=pd.DataFrame([[var_log]], index=self.param_names, columns=self.param_names),
            llf=self.loglike([r]), nobs=self.nobs, model_name=self.model_name)


def _survivor_rows(survivors) -> np.ndarray:
    """Cohorts x periods as floats (NaN where not observed), checked: counts >= 0 that never increase."""
    if isinstance(survivors, pd.DataFrame):
        rows = survivors.to_numpy(dtype=float)
    elif isinstance(survivors, (list, tuple)) and survivors and np.ndim(survivors[0]) == 1:
        curves = [np.asarray(c, dtype=float).ravel() for c in survivors]
        width = max(c.size for c in curves)
        rows = np.array([np.pad(c, (0, width - c.size), constant_values=np.nan) for c in curves])
    else:
        rows = np.asarray(survivors, dtype=float)
        if rows.ndim == 1:
            return _check_survivors(rows)[None, :]
    if rows.ndim != 2 or rows.shape[1] < 2:
        raise ParameterError("survivors needs the customers alive at the start of at least periods 0 and 1")
    seen = rows[np.isfinite(rows)]
    if np.any(np.isinf(rows)) or np.any(seen < 0):
        raise ParameterError("survivors must be finite counts >= 0 (NaN where a cohort is not observed)")
    with np.errstate(invalid="ignore"):
        if np.any(np.diff(rows, axis=1) > 0):
            raise ParameterError("survivors must not increase: a customer who has churned cannot be alive again")
    return rows


@dataclass(repr=False)
class GeometricResults(MLEResults):
    """Fitted constant-retention model; intervals on the logit scale (see :meth:`conf_int`)."""

    interval_note: ClassVar[str] = "Intervals are Wald intervals on the logit scale (a rate in (0, 1))."

    @property
    def retention(self) -> float:
        return float(self.params["retention"])

    def conf_int(self, alpha: float = 0.05, scale: str = "logit") -> pd.DataFrame:
        r"""(1 - alpha) interval of the retention rate, columns ``lower`` and ``upper``.

        ``scale="logit"`` (default): :math:`\operatorname{logit}^{-1}(\operatorname{logit}\hat r \pm
        z / \sqrt{E \hat r (1 - \hat r)})`, inside (0, 1) for every sample size; ``"log"`` and
        ``"natural"`` (:math:`\hat r \pm z \sqrt{\hat r(1-\hat r)/E}`, the binomial Wald interval) as
        in :meth:`MLEResults.conf_int`.
        """
        if scale != "logit":
            return super().conf_int(alpha, scale)
        z = z_value(alpha)
        r = self.params
        se_logit = self.bse / (r * (1 - r))
        eta = np.log(r / (1 - r))
        return pd.DataFrame({"lower": special.expit(eta - z * se_logit), "upper": special.expit(eta + z * se_logit)})

    def survival(self, t) -> np.ndarray:
        return self.retention ** np.asarray(t, dtype=float)

    def retention_rate(self, t) -> np.ndarray:
        return np.full(np.shape(t), self.retention)

    def expected_survivors(self, t) -> np.ndarray:
        return self.nobs * self.survival(t)


# ---------------------------------------------------------------------------- side by side

@checked(calibration_periods=number(1, integer=True, none=True), horizon=number(1, integer=True, none=True))
def compare_projections(survivors, calibration_periods: int | None = None, horizon: int | None = None) -> pd.DataFrame:
    """Fit sBG and constant retention on periods 0..``calibration_periods`` and project both to ``horizon``.

    ``survivors`` may run past the calibration (holdout actuals, as in Fader & Hardie 2007, who
    calibrate on years 0-7 and compare to years 8-12). Columns: ``actual`` (NaN where unknown),
    ``calibration`` (bool), ``sbg``, ``geometric`` (expected survivors), ``sbg_error_pct``,
    ``geometric_error_pct`` (100 (projection - actual)/actual), and the retention rates
    ``actual_retention``, ``sbg_retention``, ``geometric_retention`` (r(t) = S(t)/S(t-1)).
    The fitted parameters are in ``DataFrame.attrs`` (plain floats).

    Parameters
    ----------
    survivors : array-like
        survivors n_0, n_1, ... of one cohort, possibly past the calibration periods.
    calibration_periods : int or None
        last period of the calibration; default: the last observed period.
    horizon : int or None
        last period projected; default: the last observed period.
    """
    s = _check_survivors(survivors)
    Tc = s.size - 1 if calibration_periods is None else int(calibration_periods)
    if not 1 <= Tc <= s.size - 1:
        raise ParameterError("calibration_periods must be between 1 and the last observed period")
    H = s.size - 1 if horizon is None else int(horizon)
    sbg = ShiftedBetaGeometric(s[: Tc + 1]).fit()
    geo = GeometricRetention(s[: Tc + 1]).fit()
    t = np.arange(H + 1)
    actual = np.full(H + 1, np.nan)
    k = min(H + 1, s.size)
    actual[:k] = s[:k]
    out = pd.DataFrame({
        "actual": actual,
        "calibration": t <= Tc,
        "sbg": sbg.expected_survivors(t),
        "geometric": geo.expected_survivors(t),
    }, index=pd.Index(t, name="period"))
    out["sbg_error_pct"] = 100 * (out["sbg"] - out["actual"]) / out["actual"]
    out["geometric_error_pct"] = 100 * (out["geometric"] - out["actual"]) / out["actual"]
    prev = np.r_[np.nan, actual[:-1]]
    out["actual_retention"] = actual / prev
    out["sbg_retention"] = np.r_[np.nan, sbg.retention_rate(t[1:])]
    out["geometric_retention"] = np.r_[np.nan, geo.retention_rate(t[1:])]
    out.attrs.update(alpha=sbg.alpha, beta=sbg.beta, sbg_llf=sbg.llf, retention=geo.retention,
                     geometric_llf=geo.llf, calibration_periods=Tc)
    return out
