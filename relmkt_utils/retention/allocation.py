r"""Optimal acquisition and retention spending: Blattberg & Deighton's customer equity test.

Blattberg, R. C. & Deighton, J. (1996). Manage marketing by the customer equity test. *Harvard
Business Review* 74(4), 136-144. (Restated in Blattberg, Getz & Thomas 2001, ch. 3.)

Response curves (B&D's "decision calculus": a ceiling and an efficiency rate)
------------------------------------------------------------------------------
* acquisition rate per prospect for acquisition spend A per prospect: :math:`a(A) = c_a (1 - e^{-k_a A})`
* retention rate per period for retention spend R per customer per period: :math:`r(R) = c_r (1 - e^{-k_r R})`

Customer equity per prospect
----------------------------
B&D write :math:`CE = a m - A + a (m - R/r)\,\frac{r'}{1-r'}` with :math:`r' = r/(1+d)`, i.e.

.. math::

    CE(A, R) = a(A)\,m - A + a(A)\,\Bigl(m - \frac{R}{r(R)}\Bigr)\frac{r(R)}{1+d-r(R)}
             = a(A)\,[m + g(R)] - A, \qquad g(R) = \frac{m\,r(R) - R}{1+d-r(R)} .

Timing (the form used here, read off the formula): a prospect costs A at t = 0 and, if acquired,
pays margin m at once (undiscounted). At every later t = 1, 2, ... the firm spends R on each of the
:math:`a r^{t-1}` customers still on the books, of whom a share r stays and pays m; both the spend and
the margin of period t are booked at t and discounted by :math:`(1+d)^t` -- so R/r is the retention cost
per *retained* customer and :math:`\sum_{t\ge1} r^t/(1+d)^t = r/(1+d-r)` is the end-of-period margin
multiplier of Gupta & Lehmann. d is the discount rate per period (the period of r).

Optimum
-------
The retention part does not involve A, so :math:`R^*` maximizes g alone. Its first-order condition
:math:`r'(R)\,[m(1+d) - R] = 1 + d - r(R)` becomes, with :math:`M = m(1+d)`, :math:`u = e^{-k_r R}` and
:math:`y = k_r (M - R) - 1`, the equation :math:`y e^y = \frac{1+d-c_r}{c_r} e^{k_r M - 1}`, so

.. math:: R^* = M - \frac{1 + W_0\!\bigl(\tfrac{1+d-c_r}{c_r} e^{k_r M - 1}\bigr)}{k_r}

(:math:`W_0` the principal Lambert W branch), when :math:`c_r k_r M > 1 + d`; otherwise no retention
spend pays (:math:`R^* = 0`). The root is unique: the left side minus the right side decreases in R
on [0, M] because r is concave. Given :math:`V = m + g(R^*)`, the value of an acquired customer,
:math:`a'(A) V = 1` gives

.. math:: A^* = \frac{\ln(c_a k_a V)}{k_a} \quad (c_a k_a V > 1; \text{ else } A^* = 0), \qquad
          CE^* = c_a V - \frac{1}{k_a} - A^* .

Curves of another shape (any object with ``acquisition_rate(A)`` and ``retention_rate(R)``) are
optimized numerically with scipy (``method="numeric"``): R on [0, m] (beyond m the net margin
m r - R is negative since r <= 1), then A on [0, V].

Estimation
----------
:func:`fit_response_curves` fits both curves to a ``spend`` table by nonlinear least squares
(``scipy.optimize.curve_fit``) with binomial weights, :math:`\mathrm{Var}(\hat a_t) = a_t(1-a_t)/n_t`
evaluated at the fitted rate (iterated twice), and the residual variance estimated from the data
(``absolute_sigma=False``) so over-dispersion across periods widens the intervals. Intervals are Wald
intervals with t(n - 2) quantiles. The optimum's interval comes from the delta method (numerical
Jacobian of the closed form) or a seeded parametric bootstrap (binomial redraws at the fitted rates,
refit, percentile interval).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..core.checks import COUNT, RATE, SEED, checked, dataframe, number, numbers, one_of
from ..core.errors import ParameterError
from ..core.estimate import z_value
from ..core.results import make_summary

PARAMS = ["ceiling_a", "k_a", "ceiling_r", "k_r"]
SPEND_COLUMNS = ["period", "acquisition_spend", "retention_spend", "prospects", "new_customers",
                 "customers_at_start", "retained_customers"]


# ---------------------------------------------------------------------------- response curves

@dataclass(frozen=True)
class ResponseCurves:
    """a(A) = ceiling_a (1 - exp(-k_a A)), r(R) = ceiling_r (1 - exp(-k_r R)) (Blattberg & Deighton 1996)."""

    ceiling_a: float
    k_a: float
    ceiling_r: float
    k_r: float

    def __post_init__(self):
        if not (0 < self.ceiling_a <= 1 and 0 < self.ceiling_r <= 1):
            raise ParameterError("ceilings of the response curves must lie in (0, 1]")
        if not (self.k_a > 0 and self.k_r > 0):
            raise ParameterError("efficiency rates k_a and k_r must be > 0")

    @classmethod
    def from_mapping(cls, m: Mapping) -> "ResponseCurves":
        return cls(*(float(m[k]) for k in PARAMS))

    def as_series(self) -> pd.Series:
        return pd.Series([self.ceiling_a, self.k_a, self.ceiling_r, self.k_r], index=PARAMS)

    def acquisition_rate(self, A):
        return self.ceiling_a * -np.expm1(-self.k_a * np.asarray(A, dtype=float))

    def retention_rate(self, R):
        return self.ceiling_r * -np.expm1(-self.k_r * np.asarray(R, dtype=float))


def _check_econ(margin, discount_rate):
    if not margin > 0:
        raise ParameterError("margin must be > 0")
    if not discount_rate >= 0:
        raise ParameterError("discount rate must be >= 0")


@checked(R=numbers(0), margin=number(), discount_rate=RATE)
def retention_value(R, curves, margin: float, discount_rate: float):
    """g(R) = (m r(R) - R) / (1 + d - r(R)): discounted net value of the retention stream per acquired customer.

    Parameters
    ----------
    R : float or array-like
        retention spend per customer per period, >= 0.
    curves : ResponseCurves
        acquisition and retention response curves (:class:`ResponseCurves` or fitted
        :class:`ResponseCurveResults`).
    margin : float
        margin per customer per period (m).
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    """
    r = curves.retention_rate(R)
    return (margin * r - np.asarray(R, dtype=float)) / (1 + discount_rate - r)


@checked(A=numbers(0), R=numbers(0), margin=number(), discount_rate=RATE)
def customer_equity_per_prospect(A, R, curves, margin: float, discount_rate: float):
    """CE(A, R) = a(A) m - A + a(A) (m - R/r(R)) r(R)/(1+d-r(R)) (Blattberg & Deighton 1996); broadcasting.

    Parameters
    ----------
    A : float or array-like
        acquisition spend per prospect, >= 0.
    R : float or array-like
        retention spend per customer per period, >= 0.
    curves : ResponseCurves
        acquisition and retention response curves (:class:`ResponseCurves` or fitted
        :class:`ResponseCurveResults`).
    margin : float
        margin per customer per period (m).
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    """
    A = np.asarray(A, dtype=float)
    a = curves.acquisition_rate(A)
    out = a * (margin + retention_value(R, curves, margin, discount_rate)) - A
    return float(out) if np.ndim(out) == 0 else out


# ---------------------------------------------------------------------------- optimum

@dataclass(frozen=True)
class AllocationOptimum:
    """Optimal spends (per prospect / per customer per period) and what they buy."""

    acquisition_spend: float
    retention_spend: float
    acquisition_rate: float
    retention_rate: float
    value_per_customer: float
    equity_per_prospect: float
    method: str

    def as_series(self) -> pd.Series:
        return pd.Series({k: getattr(self, k) for k in
                          ("acquisition_spend", "retention_spend", "acquisition_rate", "retention_rate",
                           "value_per_customer", "equity_per_prospect")}, name=self.method)


def _w0_of_exp(log_z: float) -> float:
    """W0(exp(log_z)) without overflow: Newton on w + ln w = log_z for large arguments."""
    if log_z < 600:
        return float(special.lambertw(np.exp(log_z)).real)
    w = log_z - np.log(log_z)
    for _ in range(50):
        step = (w + np.log(w) - log_z) / (1 + 1 / w)
        w -= step
        if abs(step) < 1e-14 * w:
            break
    return float(w)


@checked(margin=number(), discount_rate=RATE)
def optimal_retention_spend(curves: ResponseCurves, margin: float, discount_rate: float) -> float:
    """R* = M - (1 + W0((1+d-c_r)/c_r e^{k_r M - 1}))/k_r with M = m(1+d); 0 when c_r k_r M <= 1 + d.

    Parameters
    ----------
    curves : ResponseCurves
        acquisition and retention response curves (:class:`ResponseCurves` or fitted
        :class:`ResponseCurveResults`).
    margin : float
        margin per customer per period (m).
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    """
    _check_econ(margin, discount_rate)
    c, k, d = curves.ceiling_r, curves.k_r, discount_rate
    M = margin * (1 + d)
    if c * k * M <= 1 + d:
        return 0.0
    y = _w0_of_exp(np.log((1 + d - c) / c) + k * M - 1)
    return float(max(M - (1 + y) / k, 0.0))


@checked(value_per_customer=number())
def optimal_acquisition_spend(curves: ResponseCurves, value_per_customer: float) -> float:
    """A* = ln(c_a k_a V)/k_a when c_a k_a V > 1, else 0 (V: value of an acquired customer).

    Parameters
    ----------
    curves : ResponseCurves
        acquisition and retention response curves (:class:`ResponseCurves` or fitted
        :class:`ResponseCurveResults`).
    value_per_customer : float
        value of an acquired customer (V), in the currency of the data.
    """
    z = curves.ceiling_a * curves.k_a * value_per_customer
    return float(np.log(z) / curves.k_a) if z > 1 else 0.0


@checked(margin=number(), discount_rate=RATE, method=one_of('auto', 'closed_form', 'numeric'))
def optimal_spend(curves, margin: float, discount_rate: float, method: str = "auto") -> AllocationOptimum:
    """Spends maximizing CE(A, R): closed form for :class:`ResponseCurves`, scipy otherwise.

    ``method``: "closed_form", "numeric" or "auto" (closed form when the curves are exponential).

    Parameters
    ----------
    curves : ResponseCurves
        acquisition and retention response curves (:class:`ResponseCurves` or fitted
        :class:`ResponseCurveResults`).
    margin : float
        margin per customer per period (m).
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    method : {'auto', 'closed_form', 'numeric'}, default 'auto'
        closed form (exponential curves), numeric (scipy), or the closed form when it applies.
    """
    _check_econ(margin, discount_rate)
    if method == "auto":
        method = "closed_form" if isinstance(curves, ResponseCurves) else "numeric"
    if method == "closed_form":
        if not isinstance(curves, ResponseCurves):
            raise ParameterError("the closed form needs exponential ResponseCurves; use method='numeric'")
        R = optimal_retention_spend(curves, margin, discount_rate)
    elif method == "numeric":
        R = _argmax_1d(lambda x: retention_value(x, curves, margin, discount_rate), 0.0, margin)
    else:
        raise ParameterError("method must be 'auto', 'closed_form' or 'numeric'")
    V = margin + float(retention_value(R, curves, margin, discount_rate))
    if method == "closed_form":
        A = optimal_acquisition_spend(curves, V)
    else:
        A = _argmax_1d(lambda x: curves.acquisition_rate(x) * V - x, 0.0, V)
    return AllocationOptimum(
        acquisition_spend=A, retention_spend=R,
        acquisition_rate=float(curves.acquisition_rate(A)), retention_rate=float(curves.retention_rate(R)),
        value_per_customer=V, equity_per_prospect=float(customer_equity_per_prospect(A, R, curves, margin, discount_rate)),
        method=method)


@checked(acquisition_spend=number(0), retention_spend=number(0))
def average_and_marginal_costs(curves: ResponseCurves, acquisition_spend: float, retention_spend: float) -> pd.DataFrame:
    r"""Average vs marginal cost of a customer at spends A (per prospect) and R (per customer per period).

    Rows ``acquisition`` and ``retention``; columns ``spend``, ``rate`` (a(A), r(R)),
    ``average_cost`` (A/a(A) per new customer, R/r(R) per retained customer, the "5-25x" kind of
    figure) and ``marginal_cost`` (1/a'(A), 1/r'(R): the cost of one *more* customer, which decides
    allocation; Pfeifer 2005). For the exponential curves :math:`a'(A) = c_a k_a e^{-k_a A}`.

    Parameters
    ----------
    curves : ResponseCurves
        the response curves.
    acquisition_spend : float
        acquisition spend per prospect (A), >= 0.
    retention_spend : float
        retention spend per customer per period (R), >= 0.
    """
    A, R = float(acquisition_spend), float(retention_spend)
    if A < 0 or R < 0:
        raise ParameterError("spends must be >= 0")
    a, r = float(curves.acquisition_rate(A)), float(curves.retention_rate(R))
    da = curves.ceiling_a * curves.k_a * np.exp(-curves.k_a * A)
    dr = curves.ceiling_r * curves.k_r * np.exp(-curves.k_r * R)
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = {"acquisition": {"spend": A, "rate": a, "average_cost": A / a if a > 0 else np.nan, "marginal_cost": 1 / da},
                "retention": {"spend": R, "rate": r, "average_cost": R / r if r > 0 else np.nan, "marginal_cost": 1 / dr}}
    return pd.DataFrame(rows).T[["spend", "rate", "average_cost", "marginal_cost"]]


def _argmax_1d(f, lo: float, hi: float, n_grid: int = 401) -> float:
    """Global grid search, then bounded Brent refinement around the best grid point."""
    x = np.linspace(lo, hi, n_grid)
    j = int(np.argmax(f(x)))
    a, b = x[max(j - 1, 0)], x[min(j + 1, n_grid - 1)]
    res = optimize.minimize_scalar(lambda z: -float(f(z)), bounds=(a, b), method="bounded",
                                   options={"xatol": 1e-10 * max(1.0, hi)})
    best = res.x if -res.fun >= f(x[j]) else x[j]
    return float(best)


@checked(margin=number(), discount_rate=RATE, acquisition_spend=numbers(0, none=True),
         retention_spend=numbers(0, none=True), n=number(2, integer=True))
def equity_surface(curves, margin: float, discount_rate: float, acquisition_spend=None,
                   retention_spend=None, n: int = 61) -> pd.DataFrame:
    """CE(A, R) per prospect on a grid: index ``retention_spend`` (R), columns ``acquisition_spend`` (A).

    Default grids run from 0 to 2.5 x the optimum (or to the margin when the optimum is 0).

    Parameters
    ----------
    curves : ResponseCurves
        acquisition and retention response curves (:class:`ResponseCurves` or fitted
        :class:`ResponseCurveResults`).
    margin : float
        margin per customer per period (m).
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    acquisition_spend : array-like or None
        acquisition spends of the grid; default 0 to 2.5 x the optimum.
    retention_spend : array-like or None
        retention spends of the grid; default 0 to 2.5 x the optimum.
    n : int, default 61
        grid points per axis when the spends are not given, >= 2.
    """
    if acquisition_spend is None or retention_spend is None:
        opt = optimal_spend(curves, margin, discount_rate)
        if acquisition_spend is None:
            acquisition_spend = np.linspace(0, 2.5 * opt.acquisition_spend or margin, n)
        if retention_spend is None:
            retention_spend = np.linspace(0, 2.5 * opt.retention_spend or margin, n)
    A = np.asarray(acquisition_spend, dtype=float).ravel()
    R = np.asarray(retention_spend, dtype=float).ravel()
    Z = customer_equity_per_prospect(A[None, :], R[:, None], curves, margin, discount_rate)
    return pd.DataFrame(Z, index=pd.Index(R, name="retention_spend"), columns=pd.Index(A, name="acquisition_spend"))


# ---------------------------------------------------------------------------- simulation

@checked(n_periods=COUNT, seed=SEED, overdispersion=number(0))
def simulate_spend_table(truth, n_periods: int | None = None, seed: int = 0, *, prospects_mean: float | None = None,
                         customers_at_start_first: float | None = None, acquisition_spend_range=None,
                         retention_spend_range=None, overdispersion: float = 0.0) -> pd.DataFrame:
    """A ``spend`` table generated from known response curves (seeded).

    ``truth``: :class:`ResponseCurves` or a mapping with ``ceiling_a, k_a, ceiling_r, k_r`` and
    optionally the keys of the synthetic world's ``spend`` section (``n_periods``, ``prospects_mean``,
    ``customers_at_start_first``, ``acquisition_spend_per_prospect_range``,
    ``retention_spend_per_customer_range``), which keyword arguments override.

    Period t: prospects ~ Poisson(prospects_mean); spends per head A_t, R_t log-uniform on their
    ranges; new_customers ~ Binomial(prospects, a_t) and retained ~ Binomial(customers_at_start, r_t),
    where a_t = a(A_t) and r_t = r(R_t), or with ``overdispersion`` rho > 0 drawn per period from a
    Beta with that mean and variance rho mean (1 - mean) (beta-binomial: period-level shocks).
    customers_at_start of t+1 = retained + new of t. Spends are in currency units, rounded to cents.

    Parameters
    ----------
    truth : ResponseCurves or dict
        the true curves, or a mapping with ``ceiling_a``, ``k_a``, ``ceiling_r``, ``k_r`` and optionally the
        synthetic world's ``spend`` keys.
    n_periods : int or None
        number of periods; default from ``truth``.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    prospects_mean : float or None
        mean prospects per period; default from ``truth``.
    customers_at_start_first : float or None
        customers at the start of the first period; default from ``truth``.
    acquisition_spend_range : tuple or None
        (low, high) acquisition spend per prospect; default from ``truth``.
    retention_spend_range : tuple or None
        (low, high) retention spend per customer; default from ``truth``.
    overdispersion : float, default 0.0
        beta-binomial overdispersion rho of the counts (0: binomial), >= 0.
    """
    m = {} if isinstance(truth, ResponseCurves) else dict(truth)
    curves = truth if isinstance(truth, ResponseCurves) else ResponseCurves.from_mapping(m)
    T = int(n_periods if n_periods is not None else m.get("n_periods", 24))
    P = float(prospects_mean if prospects_mean is not None else m.get("prospects_mean", 20000))
    N = float(customers_at_start_first if customers_at_start_first is not None else m.get("customers_at_start_first", 10000))
    a_lo, a_hi = acquisition_spend_range or m.get("acquisition_spend_per_prospect_range", (0.5, 8.0))
    r_lo, r_hi = retention_spend_range or m.get("retention_spend_per_customer_range", (0.5, 12.0))
    if T < 1 or P <= 0 or N <= 0 or not (0 < a_lo <= a_hi) or not (0 < r_lo <= r_hi) or not 0 <= overdispersion < 1:
        raise ParameterError("simulate_spend_table: n_periods >= 1, positive sizes and spend ranges, 0 <= overdispersion < 1")
    rng = np.random.default_rng(seed)

    def rate(p):
        if overdispersion <= 0:
            return p
        s = 1 / overdispersion - 1
        return rng.beta(p * s, (1 - p) * s)

    rows, n_start = [], int(round(N))
    for t in range(T):
        prospects = int(rng.poisson(P))
        A = float(np.exp(rng.uniform(np.log(a_lo), np.log(a_hi))))
        R = float(np.exp(rng.uniform(np.log(r_lo), np.log(r_hi))))
        new = int(rng.binomial(prospects, rate(float(curves.acquisition_rate(A)))))
        kept = int(rng.binomial(n_start, rate(float(curves.retention_rate(R)))))
        rows.append({"period": t, "acquisition_spend": round(A * prospects, 2), "retention_spend": round(R * n_start, 2),
                     "prospects": prospects, "new_customers": new, "customers_at_start": n_start,
                     "retained_customers": kept})
        n_start = kept + new
    return pd.DataFrame(rows, columns=SPEND_COLUMNS)


# ---------------------------------------------------------------------------- estimation

def _exp_curve(x, c, k):
    return c * -np.expm1(-k * x)


def _start(x, y):
    c0 = float(np.clip(1.15 * np.max(y), 1e-4, 0.999))
    mid = np.median(x)
    frac = np.clip(np.median(y) / c0, 1e-3, 0.99)
    return [c0, float(-np.log1p(-frac) / max(mid, 1e-9))]


def _fit_curve(x, y, n, weighting: str):
    p0 = _start(x, y)
    sigma = None
    rounds = 3 if weighting == "binomial" else 1
    for _ in range(rounds):
        # Levenberg-Marquardt (fast); the bounded trust-region fit only if LM leaves 0 < c <= 1, k > 0
        try:
            popt, pcov = optimize.curve_fit(_exp_curve, x, y, p0=p0, sigma=sigma, absolute_sigma=False, maxfev=5000)
            ok = 0 < popt[0] <= 1 and popt[1] > 0 and np.all(np.isfinite(pcov))
        except RuntimeError:
            ok = False
        if not ok:
            popt, pcov = optimize.curve_fit(_exp_curve, x, y, p0=p0, sigma=sigma, absolute_sigma=False,
                                            bounds=([1e-9, 1e-9], [1.0, np.inf]), max_nfev=10000)
        p0 = popt
        if weighting == "binomial":
            p = np.clip(_exp_curve(x, *popt), 1e-9, 1 - 1e-9)
            sigma = np.sqrt(p * (1 - p) / n)
    return popt, pcov


def _spend_arrays(spend: pd.DataFrame):
    missing = [c for c in SPEND_COLUMNS[1:] if c not in spend.columns]
    if missing:
        raise ParameterError(f"spend table lacks column(s) {missing}")
    d = spend[SPEND_COLUMNS[1:]].apply(pd.to_numeric, errors="coerce").astype(float)
    ok = (d["prospects"] > 0) & (d["customers_at_start"] > 0) & d.notna().all(axis=1)
    d = d[ok]
    if len(d) < 3:
        raise ParameterError("spend table needs at least 3 periods with prospects > 0 and customers_at_start > 0")
    if (d["new_customers"] > d["prospects"]).any() or (d["retained_customers"] > d["customers_at_start"]).any():
        raise ParameterError("spend table: new_customers must be <= prospects and retained_customers <= customers_at_start")
    return dict(
        A=(d["acquisition_spend"] / d["prospects"]).to_numpy(), a=(d["new_customers"] / d["prospects"]).to_numpy(),
        n_a=d["prospects"].to_numpy(),
        R=(d["retention_spend"] / d["customers_at_start"]).to_numpy(),
        r=(d["retained_customers"] / d["customers_at_start"]).to_numpy(), n_r=d["customers_at_start"].to_numpy())


@checked(spend=dataframe(), weighting=one_of('binomial', 'none'))
def fit_response_curves(spend: pd.DataFrame, weighting: str = "binomial") -> "ResponseCurveResults":
    """Fit a(A) and r(R) to a spend table by (binomial-weighted) nonlinear least squares.

    A = acquisition_spend/prospects, a = new_customers/prospects; R = retention_spend/customers_at_start,
    r = retained_customers/customers_at_start. ``weighting``: "binomial" or "none" (unweighted).

    Parameters
    ----------
    spend : DataFrame
        the canonical spend table (``period``, ``acquisition_spend``, ``retention_spend``, ``prospects``,
        ``new_customers``, ``customers_at_start``, ``retained_customers``).
    weighting : {'binomial', 'none'}, default 'binomial'
        binomial weights of the least squares, or none.
    """
    if weighting not in ("binomial", "none"):
        raise ParameterError("weighting must be 'binomial' or 'none'")
    z = _spend_arrays(spend)
    pa, ca = _fit_curve(z["A"], z["a"], z["n_a"], weighting)
    pr, cr = _fit_curve(z["R"], z["r"], z["n_r"], weighting)
    cov = np.zeros((4, 4))
    cov[:2, :2], cov[2:, 2:] = ca, cr           # the two curves are fitted to disjoint data
    return ResponseCurveResults(params=pd.Series(np.r_[pa, pr], index=PARAMS, name="params"),
                            cov=pd.DataFrame(cov, index=PARAMS, columns=PARAMS),
                            nobs=len(z["A"]), weighting=weighting, data=z)


@dataclass
class ResponseCurveResults:
    """Fitted Blattberg-Deighton response curves in the suite's results protocol (``params``, ``bse``,
    ``conf_int()``, ``summary()``, ``converged``, ``warnings``; ``llf`` and ``aic`` are NaN: nonlinear
    least squares has no likelihood), with ``curves``, ``optimum()`` and ``optimum_conf_int()``."""

    params: pd.Series
    cov: pd.DataFrame
    nobs: int
    weighting: str
    data: dict
    converged: bool = True
    warnings: list = field(default_factory=list)
    model_name = "Blattberg-Deighton response curves (weighted NLS)"
    llf = float("nan")
    aic = float("nan")


    @property
    def df_resid(self) -> int:
        return self.nobs - 2

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.values)), index=PARAMS)

    def cov_params(self) -> pd.DataFrame:
        return self.cov

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals with t(n - 2) quantiles; columns ``lower``, ``upper``."""
        q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        return pd.DataFrame({"lower": self.params - q * self.bse, "upper": self.params + q * self.bse})

    @property
    def curves(self) -> ResponseCurves:
        p = self.params
        return ResponseCurves(min(p["ceiling_a"], 1.0), p["k_a"], min(p["ceiling_r"], 1.0), p["k_r"])

    def optimum(self, margin: float, discount_rate: float) -> AllocationOptimum:
        return optimal_spend(self.curves, margin, discount_rate)

    def optimum_conf_int(self, margin: float, discount_rate: float, alpha: float = 0.05, method: str = "delta",
                         n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
        """Interval for the optimum: columns ``estimate``, ``se``, ``lower``, ``upper``; rows A*, R*, CE*, V.

        ``method="delta"``: se from the numerical Jacobian of the closed form times the parameter
        covariance, estimate +/- z se. ``method="bootstrap"``: ``n_boot`` parametric redraws
        (binomial counts at the fitted rates, same denominators and spends), refit, percentile
        interval; se is the bootstrap standard deviation. Seeded.
        """
        keys = ["acquisition_spend", "retention_spend", "equity_per_prospect", "value_per_customer"]

        def phi(theta):
            c = ResponseCurves(min(theta[0], 1.0), theta[1], min(theta[2], 1.0), theta[3])
            o = optimal_spend(c, margin, discount_rate)
            return np.array([getattr(o, k) for k in keys])

        theta = self.params.to_numpy()
        est = phi(theta)
        if method == "delta":
            J = np.empty((len(keys), 4))
            for j in range(4):
                h = 1e-6 * max(abs(theta[j]), 1e-3)
                e = np.zeros(4)
                e[j] = h
                J[:, j] = (phi(theta + e) - phi(theta - e)) / (2 * h)
            se = np.sqrt(np.clip(np.diag(J @ self.cov.values @ J.T), 0, np.inf))
            z = z_value(alpha)
            lo, hi = est - z * se, est + z * se
        elif method == "bootstrap":
            rng = np.random.default_rng(seed)
            d, c = self.data, self.curves
            pa = c.acquisition_rate(d["A"])
            pr = c.retention_rate(d["R"])
            draws = []
            for _ in range(int(n_boot)):
                ya = rng.binomial(d["n_a"].astype(np.int64), pa) / d["n_a"]
                yr = rng.binomial(d["n_r"].astype(np.int64), pr) / d["n_r"]
                try:
                    ta, _ = _fit_curve(d["A"], ya, d["n_a"], self.weighting)
                    tr, _ = _fit_curve(d["R"], yr, d["n_r"], self.weighting)
                except (RuntimeError, ValueError):
                    continue
                draws.append(phi(np.r_[ta, tr]))
            draws = np.asarray(draws)
            se = draws.std(axis=0, ddof=1)
            lo, hi = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
        else:
            raise ParameterError("method must be 'delta' or 'bootstrap'")
        return pd.DataFrame({"estimate": est, "se": se, "lower": lo, "upper": hi}, index=keys)

    def summary(self, alpha: float = 0.05):
        """A statsmodels ``Summary`` of both curves (the suite's one layout, :func:`~relmkt_utils.core.results.make_summary`)."""
        return make_summary(f"{self.model_name}, {self.weighting} weights",
                            [["Periods:", f"{self.nobs}", "Weights:", self.weighting]],
                            self.params[list(PARAMS)], self.bse[list(PARAMS)], self.conf_int(alpha).loc[list(PARAMS)],
                            alpha,
                            ["a(A) = ceiling_a (1 - exp(-k_a A)); r(R) = ceiling_r (1 - exp(-k_r R)).",
                             f"Wald intervals with t({self.df_resid}) quantiles; residual variance estimated."]
                            + list(self.warnings))
