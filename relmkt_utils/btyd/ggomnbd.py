r"""GGom/NBD: the Gamma-Gompertz/NBD model of repeat buying, whose customers' dropout risk changes with age.

Bemmaor, A. C. & Glady, N. (2012). Modeling purchasing behavior with sudden "death": a flexible
customer lifetime model. *Management Science* 58(5), 1012-1021; with the correction of the conditional
expectation by Adler, J. (2022), *Management Science*; implemented in CLVTools as ``ggomnbd``.

While alive a customer buys as a Poisson process with rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`;
her lifetime is Gompertz, :math:`P(\tau > u \mid \eta) = \exp(-\eta(e^{bu}-1))`, with shape b > 0 common
to all and scale :math:`\eta \sim \mathrm{Gamma}(s, \beta)`: the lifetime is Gamma-Gompertz,

.. math:: S(u) = \Big(\frac{\beta}{\beta + e^{bu} - 1}\Big)^s, \qquad
          f(u) = \frac{b s \beta^s e^{bu}}{(\beta + e^{bu} - 1)^{s+1}} .

As :math:`b \to 0` with :math:`\beta/b` fixed the lifetime becomes the Pareto/NBD's (Pareto II with
:math:`\beta_{\text{Pareto}} = \beta/b`): the GGom/NBD nests the Pareto/NBD at the boundary, so on data
that do not ask for age-dependent dropout (CDNOW) b and :math:`\beta` run towards 0 together and are not
identified; the fit then says so (EstimationWarning) and :math:`\beta/b` reads as the Pareto/NBD's
:math:`\beta`.

With :math:`x, t_x, T` as in the BG/NBD the likelihood is (Bemmaor & Glady 2012, eq. 4; CLVTools
``ggomnbd_LL_ind``)

.. math::

    L = \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)}\Big[\frac{S(T)}{(\alpha+T)^{r+x}}
        + \int_{t_x}^{T}\frac{f(\tau)}{(\alpha+\tau)^{r+x}}\,d\tau\Big],

alive at T or dead at :math:`\tau \in (t_x, T]`. Everything is in log space
(:math:`\log(\beta + e^{b\tau} - 1)` without overflow for any :math:`b\tau`); the integral, like
CLVTools' adaptive GSL rule, is numerical: the tanh-sinh rule (65 nodes, tested against scipy's adaptive
quadrature to about 1e-12), in :math:`\tau` for :math:`r+x < 2` and otherwise in
:math:`w = ((\alpha+t_x)/(\alpha+\tau))^{r+x-1}`, which absorbs the power of :math:`\alpha+\tau` (the
integrand of a frequent buyer falls off within :math:`(\alpha+t_x)/(r+x)` of :math:`t_x`). The gradient is the same rule applied to the derivative of the integrand.

Predictions (each also at given ``params``):

* :math:`P(\text{alive} \mid x, t_x, T) = \frac{S(T)(\alpha+T)^{-(r+x)}}{[\cdot]}` (the first term of the bracket over the bracket);
* a customer alive at T has :math:`\lambda \sim \mathrm{Gamma}(r+x, \alpha+T)` and, her scale updated to
  :math:`\eta \sim \mathrm{Gamma}(s, \beta + e^{bT} - 1)`, the residual lifetime
  :math:`S_T(u) = \big(\frac{\beta - 1 + e^{bT}}{\beta - 1 + e^{b(T+u)}}\big)^s`, so
  :math:`E[Y(t) \mid x, t_x, T] = P(\text{alive})\,\frac{r+x}{\alpha+T}\int_0^t S_T(u)\,du` (Adler's
  correction of Bemmaor & Glady's eq. 9; CLVTools ``ggomnbd_CET``);
* :math:`E[X(t)] = \frac{r}{\alpha}\int_0^t S(u)\,du` for a new customer (CLVTools ``ggomnbd_expectation``);
* :math:`P(X(t) = n) = \mathrm{NB}(n; r, \frac{\alpha}{\alpha+t}) S(t) + \int_0^t f(u)\,\mathrm{NB}(n; r, \frac{\alpha}{\alpha+u})\,du`
  (CLVTools ``ggomnbd_PMF``), and the conditional pmf from the posterior the same way;
* DERT :math:`= P(\text{alive})\frac{r+x}{\alpha+T}\int_0^\infty e^{-\delta u} S_T(u)\,du` with the continuously
  compounded rate :math:`\delta` (:mod:`.distributions`).
"""
from __future__ import annotations

import numpy as np
from scipy import special

from ..core.checks import checked, number
from .base import CustomerModel, CustomerPredictionResults
from .distributions import continuous_rate, nb_count_pmf

NAMES = ["r", "alpha", "b", "s", "beta"]
#: Tanh-sinh rule: step and half-width (2 x 32 + 1 = 65 nodes).
TS_STEP, TS_HALF = 0.1, 32


def _ts_rule():
    h = np.arange(-TS_HALF, TS_HALF + 1) * TS_STEP
    e = 0.5 * np.pi * np.sinh(h)
    u, q = special.expit(2 * e), special.expit(-2 * e)          # position in (0, 1) and 1 - position
    w = TS_STEP * np.pi * np.cosh(h) * u * q
    return u, q, w


_U, _Q, _W = _ts_rule()


def _nodes(lo, hi):
    """Tanh-sinh nodes (rows x 65) on [lo, hi] per row, and their weights (rows x 65)."""
    lo, hi = np.asarray(lo, dtype=float)[:, None], np.asarray(hi, dtype=float)[:, None]
    span = hi - lo
    return lo + span * _U, span * _W


def _nodes_power(lo, hi, al, m):
    r"""Nodes on [lo, hi] for an integrand with the factor :math:`(\alpha+\tau)^{-(m+1)}`: for rows with m >= 1
    the tanh-sinh rule in :math:`w = ((\alpha+lo)/(\alpha+\tau))^m`, in which that factor times
    :math:`d\tau/dw` is constant (a frequent buyer's integrand falls off within :math:`(\alpha+lo)/m` of lo);
    elsewhere the rule in :math:`\tau`."""
    tau, wt = _nodes(lo, hi)
    sub = m >= 1.0
    if sub.any():
        a0 = (al + lo[sub])[:, None]
        mm = m[sub][:, None]
        wT = np.exp(mm * (np.log(a0) - np.log(al + hi[sub])[:, None]))         # w at tau = hi
        span = 1.0 - wT
        wv = wT + span * _Q                                                     # from 1 (tau = lo) down to wT
        tau[sub] = np.minimum(a0 * np.exp(-np.log(wv) / mm) - al, hi[sub][:, None])
        wt[sub] = span * _W * a0 / mm * np.exp(-(1.0 / mm + 1.0) * np.log(wv))
    return tau, wt


def log_shift(b, beta, u):
    r"""log(beta + e^{bu} - 1) for any bu >= 0: expm1 for small bu, bu + log1p((beta - 1) e^{-bu}) for large."""
    bu = b * np.asarray(u, dtype=float)
    small = bu < 30.0
    with np.errstate(over="ignore"):
        a = np.log(beta + np.expm1(np.where(small, bu, 0.0)))
    big = bu + np.log1p((beta - 1.0) * np.exp(-np.where(small, 30.0, bu)))
    return np.where(small, a, big)


def log_survival(b, s, beta, u):
    """log S(u) of the Gamma-Gompertz lifetime."""
    return s * (np.log(beta) - log_shift(b, beta, u))


def _log_terms(theta, x, tx, T, deriv: bool):
    """The two log-terms of the bracket, A (alive) and B (dead in (t_x, T]), and with ``deriv`` their
    gradients (5 x rows)."""
    r, al, b, s, be = theta
    rx = r + x
    lT = log_shift(b, be, T)
    A = -rx * np.log(al + T) + s * (np.log(be) - lT)
    tau, w = _nodes_power(tx, T, al, rx - 1.0)
    lg = log_shift(b, be, tau)
    la = np.log(al + tau[...])
    li = np.log(b) + np.log(s) + s * np.log(be) + b * tau - (s + 1) * lg - rx[:, None] * la
    M = li.max(axis=1)
    e = np.exp(li - M[:, None]) * w
    tot = e.sum(axis=1)
    with np.errstate(divide="ignore"):
        B = np.where(tot > 0, M + np.log(tot), -np.inf)
    if not deriv:
        return A, B, None, None
    # d log g / d theta at the nodes, with g the integrand (log g = li)
    eb = np.exp(b * tau - lg)                                   # e^{b tau} / (beta + e^{b tau} - 1)
    dli = [-la, -rx[:, None] / (al + tau), 1.0 / b + tau - (s + 1) * tau * eb,
           np.full_like(tau, 1.0 / s) + np.log(be) - lg, s / be - (s + 1) * np.exp(-lg)]
    wt = np.divide(e, tot[:, None], out=np.zeros_like(e), where=tot[:, None] > 0)
    dB = np.stack([(wt * d).sum(axis=1) for d in dli])
    ebT = np.exp(b * T - lT)
    dA = np.stack([-np.log(al + T), -rx / (al + T), -s * T * ebT, np.log(be) - lT, s / be - s * np.exp(-lT)])
    return A, B, dA, dB


def _residual_log_survival(b, s, be, T, u):
    r"""log S_T(u) = s [log(beta - 1 + e^{bT}) - log(beta - 1 + e^{b(T+u)})] (module docstring)."""
    return s * (log_shift(b, be, T) - log_shift(b, be, T + u))


class GammaGompertzNBDResults(CustomerPredictionResults):
    """Fitted GGom/NBD with the predictions of the module docstring; customer arguments default to the
    fitted data."""

    model_label = "GGom/NBD"

    def _terms(self, theta, rows):
        """The log terms A, B of the distinct rows (module docstring) and P(alive) = A / (A + B)."""
        A, B, _, _ = _log_terms(theta, *rows.values, False)
        return np.exp(A - np.logaddexp(A, B))

    def p_alive(self, frequency=None, recency=None, T=None, params=None):
        """P(alive | x, t_x, T) = A / (A + B) (module docstring)."""
        theta = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)
        return self._per_row((x, tx, T_), idx, lambda rows: self._terms(theta, rows))

    def _mean_residual(self, theta, T, t):
        """int_0^t S_T(u) du per row (tanh-sinh)."""
        r, al, b, s, be = theta
        u, w = _nodes(np.zeros_like(T), np.broadcast_to(t, T.shape))
        return (np.exp(_residual_log_survival(b, s, be, T[:, None], u)) * w).sum(axis=1)

    def expected_purchases(self, t, frequency=None, recency=None, T=None, params=None):
        """E[Y(t) | x, t_x, T] = P(alive) (r+x)/(alpha+T) int_0^t S_T(u) du (Adler 2022; module docstring)."""
        theta = self._params_or(params)
        r, al = theta[0], theta[1]
        x, tx, T_, idx = self._rft(frequency, recency, T)

        def per_row(rows):
            ux, _, uT = rows.values
            return self._terms(theta, rows) * (r + ux) / (al + uT) * self._mean_residual(theta, uT, float(t))
        return self._per_row((x, tx, T_), idx, per_row)

    def expected_purchases_new_customer(self, t, params=None):
        """E[X(t)] = r/alpha int_0^t S(u) du for a customer just acquired (CLVTools ``ggomnbd_expectation``)."""
        theta = self._params_or(params)
        t = np.asarray(t, dtype=float)
        ut, inv = np.unique(t.ravel(), return_inverse=True)
        out = (theta[0] / theta[1] * self._mean_residual(theta, np.zeros_like(ut), ut))[inv]
        return float(out[0]) if t.ndim == 0 else out.reshape(t.shape)

    @staticmethod
    def _count_pmf(n, r, al, b, s, be, T0, t):
        r"""P(N(t) = n) for rows of (r, alpha, T0) and scalar n, t: Poisson-gamma purchases until the residual
        Gamma-Gompertz lifetime of a customer alive at age T0: NB(n; t) S(t) + int_0^t f(u) NB(n; u) du."""
        lS = _residual_log_survival(b, s, be, T0, t)
        first = nb_count_pmf(n, r, al / (al + t)) * np.exp(lS)
        u, w = _nodes(np.zeros_like(T0), np.full_like(T0, t))
        age = T0[:, None] + u
        # f_T(u) = -d S_T(u)/du = s b e^{b(T0+u)} / (beta - 1 + e^{b(T0+u)}) S_T(u)
        lf = (np.log(s) + np.log(b) + b * age - log_shift(b, be, age)
              + _residual_log_survival(b, s, be, T0[:, None], u))
        nb = nb_count_pmf(n, r[:, None], al[:, None] / (al[:, None] + u))
        return first + (np.exp(lf) * nb * w).sum(axis=1)

    def pmf(self, t, n, params=None):
        """P(X(t) = n): probability of ``n`` repeat purchases in ``t`` periods for a new customer (module
        docstring); numpy-broadcasting in ``t`` and ``n``."""
        r, al, b, s, be = self._params_or(params)
        t, n = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(n, dtype=float))
        out = np.empty(t.shape)
        for i, (ti, ni) in enumerate(zip(t.ravel(), n.ravel())):
            ok = ni >= 0 and ni == round(ni)
            out.flat[i] = self._count_pmf(ni, np.array([r]), np.array([al]), b, s, be, np.zeros(1), ti)[0] if ok else 0.0
        return float(out) if out.ndim == 0 else out

    def conditional_pmf(self, t, n, frequency=None, recency=None, T=None, params=None):
        """P(Y(t) = n | x, t_x, T): an alive customer buys with the posterior rate until her residual lifetime
        ends (module docstring); one value per customer (``t``, ``n`` scalars)."""
        theta = self._params_or(params)
        r, al, b, s, be = theta
        x, tx, T_, idx = self._rft(frequency, recency, T)
        n = float(n)

        def per_row(rows):
            pa = self._terms(theta, rows)
            ux, _, uT = rows.values
            alive = self._count_pmf(n, r + ux, al + uT, b, s, be, uT, float(t)) if n >= 0 and n == round(n) else 0.0
            return pa * alive + (1 - pa) * (n == 0)
        return self._per_row((x, tx, T_), idx, per_row)

    @checked(annual_discount_rate=number(0, low_open=True), delta=number(0, low_open=True, none=True))
    def dert(self, annual_discount_rate: float = 0.10, time_unit=None, frequency=None, recency=None, T=None,
             params=None, *, delta=None):
        r"""DERT = P(alive) (r+x)/(alpha+T) :math:`\int_0^\infty e^{-\delta u} S_T(u)\,du`, the integral as
        :math:`\frac{1}{\delta}\int_0^1 S_T(-\ln v/\delta)\,dv` by the tanh-sinh rule; :math:`\delta`
        the continuously compounded ``annual_discount_rate`` per period of the model's time unit (that of its
        summary; ``time_unit`` for a model built without one), or ``delta`` per model period itself."""
        if delta is None:
            delta = continuous_rate(annual_discount_rate, self._unit(time_unit, "dert"))
        theta = self._params_or(params)
        r, al, b, s, be = theta
        x, tx, T_, idx = self._rft(frequency, recency, T)

        def per_row(rows):
            ux, _, uT = rows.values
            u = -np.log(_U)[None, :] / delta
            integral = (np.exp(_residual_log_survival(b, s, be, uT[:, None], u)) * _W).sum(axis=1) / delta
            return self._terms(theta, rows) * (r + ux) / (al + uT) * integral
        return self._per_row((x, tx, T_), idx, per_row)


class GammaGompertzNBD(CustomerModel, key="ggomnbd", name="GGom/NBD", data="continuous", rank=10):
    """GGom/NBD model of (frequency, recency, T) per customer; ``fit()`` returns :class:`GammaGompertzNBDResults`
    (maximum likelihood, Newton on the log-parameters with the analytic gradient and a Hessian by
    differences of it). Parameters as :class:`relmkt_utils.btyd.BetaGeo` (``time_unit=``, ``from_summary``)."""

    param_names = NAMES
    results_cls = GammaGompertzNBDResults
    analytic_hessian = False
    warm_rows, warm_size = 50_000, 20_000

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer (ungrouped) at ``params`` = (r, alpha, b, s, beta)."""
        r, al, b, s, be = np.asarray(params, dtype=float)
        x = self.frequency
        A, B, _, _ = _log_terms((r, al, b, s, be), x, self.recency, self.T, False)
        return special.gammaln(r + x) - special.gammaln(r) + r * np.log(al) + np.logaddexp(A, B)

    def _sufficient(self, x, tx, T, w) -> dict:
        return dict(x=x, tx=tx, T=T, w=w, W=w.sum())

    def _objective_on(self, d, theta, order):
        r, al, b, s, be = theta
        x, w, W = d["x"], d["w"], d["W"]
        A, B, dA, dB = _log_terms(theta, x, d["tx"], d["T"], order >= 1)
        lse = np.logaddexp(A, B)
        ll = w @ (special.gammaln(r + x) + lse) + W * (r * np.log(al) - special.gammaln(r))
        if order == 0:
            return -ll
        pa = np.exp(A - lse)
        g = (dA * pa + dB * (1 - pa)) @ w
        g[0] += w @ special.digamma(r + x) + W * (np.log(al) - special.digamma(r))
        g[1] += W * r / al
        return -ll, -g

    def start_params(self) -> np.ndarray:
        """r = 1, alpha = 1 / (mean repeat rate), b = 1 / (mean T), s = 1, beta = 1."""
        w = np.ones_like(self.T) if self.weights is None else self.weights
        rate = max((w @ self.frequency) / max(w @ self.T, 1e-12), 1e-6)
        mean_T = max(float(w @ self.T / w.sum()), 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0 / mean_T, 1.0, 1.0])


def simulate_ggomnbd(n: int, r: float, alpha: float, b: float, s: float, beta: float, T=52.0, holdout: float = 0.0,
                     seed: int = 0):
    r"""Customers of a GGom/NBD world (seeded): :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`,
    :math:`\eta \sim \mathrm{Gamma}(s, \beta)`, Gompertz lifetime :math:`\tau = \frac{1}{b}\log(1 + E/\eta)`
    with E standard exponential; Poisson purchases on [0, min(tau, T)] (x, t_x drawn exactly) and on
    (T, min(tau, T + holdout)] (``frequency_holdout``).

    Returns a DataFrame (index ``customer_id``) with frequency, recency, T, frequency_holdout and the
    latent ``lambda_``, ``eta``, ``tau``, ``alive`` (tau > T)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    if np.any(T < 0) or holdout < 0:
        raise ValueError("simulate_ggomnbd: T and holdout must be >= 0")
    lam = rng.gamma(r, 1.0 / alpha, n)
    eta = rng.gamma(s, 1.0 / beta, n)
    tau = np.log1p(rng.exponential(size=n) / eta) / b
    span = np.minimum(tau, T)
    x = rng.poisson(lam * span)
    tx = np.zeros(n)
    pos = x > 0
    tx[pos] = span[pos] * rng.beta(x[pos], 1.0)               # the last of x uniform times
    later = np.clip(np.minimum(tau, T + holdout) - T, 0.0, None)
    hold = rng.poisson(lam * later)
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "frequency_holdout": hold.astype(float),
                         "lambda_": lam, "eta": eta, "tau": tau, "alive": tau > T},
                        index=pd.RangeIndex(n, name="customer_id"))
