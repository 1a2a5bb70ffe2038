r"""Pareto/GGG: the Pareto/NBD with gamma inter-purchase times whose regularity varies across customers.

Platzer, M. & Reutterer, T. (2016). Ticking away the moments: timing regularity helps to better predict
customer activity. *Marketing Science* 35(5), 779-799; implemented in BTYDplus as ``pggg.mcmc.DrawParameters``.

While alive, customer i's inter-purchase times are :math:`\mathrm{Gamma}(k_i, k_i\lambda_i)` (mean
:math:`1/\lambda_i`; the larger :math:`k_i` the more regular), her lifetime is
:math:`\tau_i \sim \mathrm{Exp}(\mu_i)`, and across customers :math:`k_i \sim \mathrm{Gamma}(t, \gamma)`,
:math:`\lambda_i \sim \mathrm{Gamma}(r, \alpha)`, :math:`\mu_i \sim \mathrm{Gamma}(s, \beta)` (shape, rate).
k = 1 for everyone is the Pareto/NBD. The data of a customer are :math:`x, t_x, T` and
:math:`\ell = \sum \log(\text{inter-purchase times})` (:func:`relmkt_utils.btyd.regularity_summary`).

**Estimation: the published Gibbs sampler, not maximum likelihood.** The likelihood integrates over
:math:`k_i`, :math:`\lambda_i` and :math:`\tau_i` with no closed form in :math:`k_i` (it enters through
:math:`\Gamma(k)^x` and the regularized incomplete gamma of the open last gap), so maximum likelihood
would need a two-dimensional quadrature per customer inside every step of the optimizer, and the
predictions of BTYDplus (future purchases, P(alive)) are themselves computed from customer-level
posterior draws. relmkt therefore implements BTYDplus' sampler (Platzer & Reutterer 2016, Appendix;
``pggg.mcmc.DrawParameters``), vectorized over customers and seeded (the same seed gives the same
numbers, byte for byte), with one change that makes it exact and faster: the lifetime step draws the
alive flag and :math:`\tau` from closed forms instead of a numerical integral and a slice sampler.
Per iteration, for every customer at once:

* :math:`k_i` and :math:`\lambda_i` by univariate slice sampling (Neal 2003; on the log scale) from
  :math:`p(k \mid \cdot) \propto g(k; t,\gamma)\,\prod_j f_{\Gamma(k,k\lambda)}(\text{gap}_j)\,Q(k, k\lambda(\min(\tau,T)-t_x))`
  and :math:`p(\lambda \mid \cdot) \propto g(\lambda; r+kx, \alpha+kt_x)\,Q(k, k\lambda(\min(\tau,T)-t_x))`
  (Q the regularized upper incomplete gamma: no purchase in the open last gap);
* :math:`\mu_i \sim \mathrm{Gamma}(s+1, \beta+\tau_i)` (conjugate);
* alive at T with probability :math:`e^{-\mu T}Q(k,k\lambda D) / [e^{-\mu T}Q(k,k\lambda D) + e^{-\mu t_x}(P(k, k\lambda D) - \rho^k P(k, (k\lambda+\mu)D) + Q(k,k\lambda D)(1-e^{-\mu D}))]`
  with :math:`D = T - t_x`, :math:`\rho = k\lambda/(k\lambda+\mu)` (the integral over the time of death
  in closed form); then :math:`\tau = T + \mathrm{Exp}(\mu)`, or :math:`\tau` in :math:`(t_x, T)` by
  exact rejection sampling from the equilibrium distribution of the gap in progress (bisection on the
  closed-form distribution function for the rare customer it does not settle in 50 rounds);
* the population parameters under BTYDplus' Gamma(0.001, 0.001) hyperpriors: each shape by slice
  sampling from its distribution with the rate integrated out, then the rate from its conjugate gamma
  (BTYDplus slice-samples shape and rate in turn, 200 steps per iteration, to cross their ridge).

The results hold the posterior medians as ``params`` (as BTYDplus reports), the covariance of the
log-draws as ``cov_params_log`` (so ``bse`` and ``conf_int()`` are the normal approximation of the
posterior on the log scale), ``converged`` from the Gelman-Rubin statistic of the chains (below 1.1 for
every log-parameter), and ``llf``, the log marginal likelihood at the medians, by quadrature over
:math:`k` (Gauss-Legendre in log k on a range narrowed around each customer's mode) with
:math:`\lambda` and :math:`\mu` integrated in closed form and :math:`\tau` by quadrature — comparable
with the maximized log-likelihoods of the other models (AIC counts the six parameters). The sampler's cost is
about 10 ms per iteration for 2,000 customers; BTYDplus' default 2 x 3,000 iterations take about a minute.

Predictions: P(alive) and expected purchases of the fitted customers from their posterior draws (as
BTYDplus' ``mcmc.PAlive`` and ``mcmc.DrawFutureTransactions``: a left-truncated gamma for the gap in
progress, then gamma gaps until the horizon or the end of life; averaged over draws); at other
``params`` or for other customers the customer-level sampler is run with the population parameters
held there. A new customer's E[X(t)] and pmf are deterministic:
:math:`P(X(t) \ge n) = E_{k,\tau}[I_{k u/(\alpha + k u)}(nk, r)]` with :math:`u = \min(\tau, t)` (the
n-th purchase after the first needs :math:`nk` units of gamma time; :math:`\lambda` integrated in closed
form), by quadrature over k and :math:`\tau`.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import COUNT, SEED, checked, number
from ..core.errors import ConvergenceWarning, DataError, ParameterError
from ..core.results import MLEResults
from .base import PeriodResults, SummaryModel, check_rft, index_of, period_of
from .cnbd import check_litt
from .persistence import SavableResults

NAMES = ["t", "gamma", "r", "alpha", "s", "beta"]
#: BTYDplus' hyperprior: Gamma(0.001, 0.001) on every shape and rate
HYPER = (1e-3, 1e-3)
_LOG_TINY = -700.0


# ---------------------------------------------------------------------------- slice sampling

def slice_sample(logf, x0, rng, width=1.0, max_steps=20, max_shrink=200):
    """One univariate slice-sampling update (Neal 2003, stepping out and shrinkage) of every element of
    ``x0`` at once. ``logf(x, idx)`` is the log density of the elements ``idx`` at the values ``x`` (same
    length as ``idx``), so each round evaluates only the elements still in play. Returns the new values."""
    x0 = np.asarray(x0, dtype=float)
    n = x0.size
    every = np.arange(n)
    logz = logf(x0, every) - rng.exponential(size=n)
    left = x0 - width * rng.random(n)
    right = left + width
    for edge, step in ((left, -width), (right, width)):
        idx = every
        for _ in range(max_steps):
            grow = logf(edge[idx], idx) > logz[idx]
            idx = idx[grow]
            if idx.size == 0:
                break
            edge[idx] += step
    out = x0.copy()
    idx = every
    for _ in range(max_shrink):
        if idx.size == 0:
            break
        prop = left[idx] + (right[idx] - left[idx]) * rng.random(idx.size)
        ok = logf(prop, idx) > logz[idx]
        out[idx[ok]] = prop[ok]
        bad, pb = idx[~ok], prop[~ok]
        lower = pb < x0[bad]
        left[bad[lower]] = pb[lower]
        right[bad[~lower]] = pb[~lower]
        idx = bad
    return out


# ---------------------------------------------------------------------------- conditional densities

def _log_q(k, z):
    """log Q(k, z), the regularized upper incomplete gamma, floored to avoid log(0)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(special.gammaincc(k, z)), _LOG_TINY)


def _log_p_k(logk, i, d, lam, gap, t, g):
    """log p(log k | rest) of customers ``i`` at ``logk`` (``gap`` = min(tau, T) - t_x)."""
    k = np.exp(logk)
    x, lm = d["x"][i], lam[i]
    return ((t - 1) * logk - g * k + logk                          # prior and Jacobian of log k
            + x * (k * np.log(k * lm) - special.gammaln(k)) + (k - 1) * d["litt"][i] - k * lm * d["tx"][i]
            + _log_q(k, k * lm * gap[i]))


def _log_p_lam(loglam, i, d, k, gap, r, al):
    """log p(log lambda | rest) of customers ``i`` at ``loglam``."""
    lam = np.exp(loglam)
    ki = k[i]
    return (r + ki * d["x"][i]) * loglam - (al + ki * d["tx"][i]) * lam + _log_q(ki, ki * lam * gap[i])


def _alive_dead(k, lam, mu, tx, T):
    """The two terms of P(alive | k, lambda, mu): e^{-mu T} Q(k, k lambda D) and the probability of dying in
    (t_x, T] before the next purchase (module docstring)."""
    D = T - tx
    kl = k * lam
    Qd = special.gammaincc(k, kl * D)
    alive = np.exp(-mu * T) * Qd
    rho_k = np.exp(k * (np.log(kl) - np.log(kl + mu)))
    dead = np.exp(-mu * tx) * (np.maximum(special.gammainc(k, kl * D) - rho_k * special.gammainc(k, (kl + mu) * D), 0.0)
                               - Qd * np.expm1(-mu * D))
    return alive, np.maximum(dead, 0.0)


def _dead_cdf(u, k, lam, mu):
    """Unnormalized P(die within u of the last purchase, before the next one): integral_0^u mu e^{-mu v} Q(k, k lambda v) dv."""
    kl = k * lam
    rho_k = np.exp(k * (np.log(kl) - np.log(kl + mu)))
    Qu = special.gammaincc(k, kl * u)
    return (np.maximum(special.gammainc(k, kl * u) - rho_k * special.gammainc(k, (kl + mu) * u), 0.0)
            - Qu * np.expm1(-mu * u))


def _draw_tau(rng, k, lam, mu, tx, T):
    """tau given the other customer-level parameters: alive -> T + Exp(mu); dead -> inverse of the closed-form
    distribution function on (t_x, T) by bisection."""
    alive_w, dead_w = _alive_dead(k, lam, mu, tx, T)
    p_alive = alive_w / np.maximum(alive_w + dead_w, 1e-300)
    alive = rng.random(k.size) < p_alive
    tau = np.empty(k.size)
    tau[alive] = T[alive] + rng.exponential(1.0 / mu[alive])
    # dead: u = tau - t_x on (0, D) with density prop. to mu e^{-mu u} Q(k, k lambda u). Rejection: the
    # equilibrium distribution of the gap, u = V G*, V uniform, G* ~ Gamma(k+1, k lambda), has density
    # prop. to Q(k, k lambda u); keep u < D with probability e^{-mu u}. Bisection on the distribution
    # function for the few left after 50 rounds.
    left = np.flatnonzero(~alive)
    for _ in range(50):
        if left.size == 0:
            break
        kl = k[left] * lam[left]
        u = rng.random(left.size) * rng.gamma(k[left] + 1.0, 1.0 / kl)
        ok = (u < T[left] - tx[left]) & (rng.random(left.size) < np.exp(-mu[left] * u))
        tau[left[ok]] = tx[left[ok]] + u[ok]
        left = left[~ok]
    if left.size:
        kd, ld, md, D = k[left], lam[left], mu[left], T[left] - tx[left]
        target = rng.random(kd.size) * _dead_cdf(D, kd, ld, md)
        lo, hi = np.zeros(kd.size), D.copy()
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = _dead_cdf(mid, kd, ld, md) < target
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
            if np.all(hi - lo <= 1e-12 * np.maximum(D, 1.0)):
                break
        tau[left] = tx[left] + 0.5 * (lo + hi)
    return tau


def _draw_gamma_hyper(rng, values, shape, steps=10):
    """(shape, rate) of a Gamma population given its members ``values`` under Gamma(0.001, 0.001) hyperpriors:
    the shape from its distribution with the rate integrated out (slice sampling on the log scale; a Gibbs
    step on shape and rate separately crawls along their ridge), then the rate from its conjugate gamma."""
    n, sx, slx = values.size, float(values.sum()), float(np.log(values).sum())
    h1, h2 = HYPER
    lsx = np.log(h2 + sx)

    def logf(ls, i=None):
        a = np.exp(ls)
        return (h1 * ls - h2 * a + special.gammaln(h1 + n * a) - (h1 + n * a) * lsx + (a - 1) * slx
                - n * special.gammaln(a))

    ls = np.array([np.log(shape)])
    for _ in range(steps):
        ls = slice_sample(logf, ls, rng, width=0.5)
    shape = float(np.exp(ls[0]))
    return shape, float(rng.gamma(h1 + n * shape, 1.0 / (h2 + sx)))


# ---------------------------------------------------------------------------- the sampler

def _init_customers(d, lam0):
    n = d["x"].size
    k = np.ones(n)
    lam = np.full(n, lam0)
    tau = d["tx"] + 0.5 / lam
    mu = 1.0 / tau
    return k, lam, mu, tau


def run_chain(d, hyper0, n_iter, burnin, thin, rng, fixed_hyper=False):
    """One Gibbs chain (module docstring). ``d``: dict of customer arrays x, tx, T, litt. Returns
    (hyper draws n_keep x 6, customer draws dict of n_keep x n arrays: k, lambda, mu, tau)."""
    t, g, r, al, s, be = hyper0
    x, tx, T = d["x"], d["tx"], d["T"]
    lam0 = max(float(x.mean()) / max(float(np.where(tx == 0, T, tx).mean()), 1e-9), 1e-6)
    k, lam, mu, tau = _init_customers(d, lam0)
    keep_h, keep_c = [], {"k": [], "lambda": [], "mu": [], "tau": []}
    for it in range(burnin + n_iter):
        gap = np.minimum(tau, T) - tx
        logk = slice_sample(lambda v, i: _log_p_k(v, i, d, lam, gap, t, g), np.log(k), rng, width=1.0)
        k = np.clip(np.exp(logk), 1e-3, 1e3)
        loglam = slice_sample(lambda v, i: _log_p_lam(v, i, d, k, gap, r, al), np.log(lam), rng, width=1.0)
        lam = np.exp(loglam)
        mu = np.maximum(rng.gamma(s + 1.0, 1.0 / (be + tau)), np.exp(-30.0))
        tau = _draw_tau(rng, k, lam, mu, tx, T)
        if not fixed_hyper:
            t, g = _draw_gamma_hyper(rng, k, t)
            r, al = _draw_gamma_hyper(rng, lam, r)
            s, be = _draw_gamma_hyper(rng, mu, s)
        if it >= burnin and (it - burnin) % thin == 0:
            keep_h.append((t, g, r, al, s, be))
            for name, v in (("k", k), ("lambda", lam), ("mu", mu), ("tau", tau)):
                keep_c[name].append(v.copy())
    return np.array(keep_h), {name: np.array(v) for name, v in keep_c.items()}


def gelman_rubin(chains: np.ndarray) -> np.ndarray:
    """Potential scale reduction factor per column of ``chains`` (n_chains x n_draws x n_params); with one
    chain, of its two halves (split R-hat)."""
    c = np.asarray(chains, dtype=float)
    if c.shape[0] == 1:
        h = c.shape[1] // 2
        c = np.stack([c[0, :h], c[0, h:2 * h]])
    n = c.shape[1]
    means = c.mean(axis=1)
    W = c.var(axis=1, ddof=1).mean(axis=0)
    B = n * means.var(axis=0, ddof=1)
    var = (n - 1) / n * W + B / n
    return np.sqrt(var / np.maximum(W, 1e-300))


# ---------------------------------------------------------------------------- marginal likelihood

_TS_H = np.arange(-24, 25) * 0.125


def _ts01(h=_TS_H, step=0.125):
    e = 0.5 * np.pi * np.sinh(h)
    u, q = special.expit(2 * e), special.expit(-2 * e)
    return u, q, step * np.pi * np.cosh(h) * u * q


_U, _Q, _W = _ts01()
#: a shorter tanh-sinh rule (25 nodes) for the time of death inside the likelihood
_UT, _QT, _WT = _ts01(np.arange(-12, 13) * 0.25, 0.25)


def _log_cust_given_k(k, d, r, al, s, be):
    """log of the likelihood of each customer (rows) given k (rows x m), lambda and mu integrated in closed
    form and tau by the tanh-sinh rule (module docstring)."""
    x, tx, T, ell = (d[n][:, None] for n in ("x", "tx", "T", "litt"))
    a = r + k * x
    c = al + k * tx
    la = (x * (k * np.log(k) - special.gammaln(k)) + (k - 1) * ell + special.gammaln(a) - special.gammaln(r)
          + r * np.log(al) - a * np.log(c))
    D = T - tx
    with np.errstate(divide="ignore"):
        alive = s * (np.log(be) - np.log(be + T)) + np.log(special.betainc(a, k, c / (c + k * D)))
        # dead at tau = tx + u, u in (0, D): s beta^s (beta + tau)^{-s-1} I_{c/(c + k u)}(a, k)
        u = D[..., None] * _UT
        lf = np.log(s) + s * np.log(be) - (s + 1) * np.log(be + tx[..., None] + u)
        li = lf + np.log(special.betainc(a[..., None], k[..., None], c[..., None] / (c[..., None] + k[..., None] * u)))
        dead = np.log(np.sum(np.exp(li) * (D[..., None] * _WT), axis=-1))
    return la + np.logaddexp(alive, dead)


def _keep_range(grid, lk, cut=36.0):
    """Per row, the range of ``grid`` (rows x m, increasing) where lk is within ``cut`` of its maximum,
    widened by one cell on each side."""
    m = grid.shape[1]
    keep = lk > lk.max(axis=1, keepdims=True) - cut
    lo_i = np.maximum(np.argmax(keep, axis=1) - 1, 0)
    hi_i = np.minimum(m - 1 - np.argmax(keep[:, ::-1], axis=1) + 1, m - 1)
    rows = np.arange(grid.shape[0])
    return grid[rows, lo_i], grid[rows, hi_i]


def marginal_loglike(params, d, points: int = 40) -> np.ndarray:
    """Log marginal likelihood of each customer at ``params`` = (t, gamma, r, alpha, s, beta): the integral over
    k ~ Gamma(t, gamma) of :func:`_log_cust_given_k`. The integrand of a frequent buyer is sharply peaked in k,
    so the range is narrowed twice (a grid on the prior's quantiles, then a grid in log k, each keeping where
    the log-integrand is within 36 of its maximum) before a ``points``-node Gauss-Legendre rule in log k."""
    t, g, r, al, s, be = (float(v) for v in params)
    n = d["x"].size
    lpk = lambda k: (t * np.log(k) - g * k + t * np.log(g) - special.gammaln(t))    # noqa: E731  prior x k (d log k)
    uq = (np.arange(points) + 0.5) / points
    k1 = np.broadcast_to(np.log(special.gammaincinv(t, uq) / g), (n, points))
    lo, hi = _keep_range(k1, _log_cust_given_k(np.exp(k1), d, r, al, s, be) + lpk(np.exp(k1)))
    lo = np.where(lo == k1[:, 0], lo - 3.0, lo)                                   # open the ends of the prior's range
    hi = np.where(hi == k1[:, -1], hi + 3.0, hi)
    k2 = lo[:, None] + (hi - lo)[:, None] * np.linspace(0, 1, points)[None, :]
    lo, hi = _keep_range(k2, _log_cust_given_k(np.exp(k2), d, r, al, s, be) + lpk(np.exp(k2)))
    v, w = np.polynomial.legendre.leggauss(points)
    k3 = lo[:, None] + (hi - lo)[:, None] * 0.5 * (v + 1)[None, :]
    lk = _log_cust_given_k(np.exp(k3), d, r, al, s, be) + lpk(np.exp(k3))
    mx = lk.max(axis=1, keepdims=True)
    return mx[:, 0] + np.log(np.sum(np.exp(lk - mx) * 0.5 * (hi - lo)[:, None] * w[None, :], axis=1))


# ---------------------------------------------------------------------------- model

class ParetoGGGResults(PeriodResults, SavableResults, MLEResults):
    """Fitted Pareto/GGG (module docstring): posterior medians as ``params``; ``rhat`` and ``hyper_draws``
    after a fit; P(alive) and expected purchases from customer-level draws; new-customer expectation and pmf
    by quadrature. ``draws_at`` controls the customer-level sampler run at other ``params`` or for other
    customers (iterations, burn-in, seed)."""

    model_label = "Pareto/GGG"
    settings: dict = {}
    draws_at = {"draws": 400, "burnin": 200, "thin": 2, "seed": 0}

    # -- customers and their draws
    def _customers(self, frequency, recency, T, litt):
        if frequency is None:
            if self.model is None:
                raise ValueError("Pareto/GGG: these results carry no customer data (loaded or built without a "
                                 "model); pass frequency, recency, T and litt")
            m = self.model
            return m.data(), m.index, True
        x, tx, T_ = check_rft(frequency, recency, T, self.model_label)
        if litt is None:
            raise DataError("Pareto/GGG: pass litt with the customers (the sum of log inter-purchase times)")
        return dict(x=x, tx=tx, T=T_, litt=check_litt(litt, x, self.model_label)), index_of(frequency), False

    def _draws(self, d, fitted: bool, params):
        if fitted and params is None and getattr(self, "_customer_draws", None) is not None:
            return self._customer_draws
        theta = self._params_or(params)
        cache = self.__dict__.setdefault("_draw_cache", {})
        key = (tuple(theta), id(d["x"]), d["x"].size)
        if key not in cache:
            cfg = self.draws_at
            _, c = run_chain(d, theta, cfg["draws"], cfg["burnin"], cfg["thin"], np.random.default_rng(cfg["seed"]),
                             fixed_hyper=True)
            cache.clear()
            cache[key] = c
        return cache[key]

    @staticmethod
    def _wrap(values, index):
        return pd.Series(values, index=index) if index is not None else values

    def p_alive(self, frequency=None, recency=None, T=None, litt=None, params=None):
        """P(alive at T): the share of each customer's posterior draws of tau beyond T (BTYDplus ``mcmc.PAlive``)."""
        d, idx, fitted = self._customers(frequency, recency, T, litt)
        c = self._draws(d, fitted, params)
        return self._wrap((c["tau"] > d["T"][None, :]).mean(axis=0), idx)

    def expected_purchases(self, t, frequency=None, recency=None, T=None, litt=None, params=None, seed: int = 1):
        """E[Y(t) | history]: the mean over posterior draws of simulated purchases in (T, T + t] (BTYDplus
        ``mcmc.DrawFutureTransactions``: the gap in progress from a gamma truncated at T - t_x, then gamma
        gaps, until the horizon or tau); seeded."""
        d, idx, fitted = self._customers(frequency, recency, T, litt)
        c = self._draws(d, fitted, params)
        return self._wrap(simulate_future(c, d, float(t), np.random.default_rng(seed)).mean(axis=0), idx)

    def _tail_new(self, theta, t, n):
        """P(X(t) >= n) of a new customer for an array of t and a column of n >= 1 (len(t) x len(n))."""
        tt, g, r, al, s, be = theta
        kq = special.gammaincinv(tt, np.clip(_U, 1e-300, 1 - 1e-16)) / g                # quantiles of k
        kq = np.where(_Q < 1e-12, special.gammainccinv(tt, np.maximum(_Q, 1e-300)) / g, kq)
        t = np.asarray(t, dtype=float)[:, None, None, None]
        n = np.asarray(n, dtype=float)[None, :, None, None]
        k = kq[None, None, :, None]
        # tau: alive past t with (beta/(beta+t))^s, else dies at u in (0, t) with density s beta^s (beta+u)^{-s-1}
        u = t * _U[None, None, None, :]
        surv = np.exp(s * (np.log(be) - np.log(be + t)))
        dens = s * np.exp(s * np.log(be) - (s + 1) * np.log(be + u))
        I = lambda v: special.betainc(n * k, r, k * v / (al + k * v))                    # noqa: E731
        inner = (surv * I(t))[..., 0] + np.sum(dens * I(u) * t * _W, axis=-1)
        return np.sum(inner * _W[None, None, :], axis=-1)

    def expected_purchases_new_customer(self, t, params=None):
        """E[X(t)] = sum_n P(X(t) >= n) for a customer just acquired (module docstring)."""
        theta = self._params_or(params)
        t = np.asarray(t, dtype=float)
        ut, inv = np.unique(t.ravel(), return_inverse=True)
        total = np.zeros(ut.size)
        start = 1
        while True:
            blk = self._tail_new(theta, ut, np.arange(start, start + 32))
            total += blk.sum(axis=1)
            if np.all(blk[:, -1] <= 1e-12 * np.maximum(total, 1e-300)) or start > 100_000:
                break
            start += 32
        out = total[inv]
        return float(out[0]) if t.ndim == 0 else out.reshape(t.shape)

    def pmf(self, t, n, params=None):
        """P(X(t) = n) = P(X(t) >= n) - P(X(t) >= n + 1) for a new customer; numpy-broadcasting in t and n."""
        theta = self._params_or(params)
        t, n = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(n, dtype=float))
        out = np.empty(t.shape)
        for i, (ti, ni) in enumerate(zip(t.ravel(), n.ravel())):
            if ni < 0 or ni != round(ni):
                out.flat[i] = 0.0
                continue
            ge = self._tail_new(theta, [ti], [max(ni, 1.0), ni + 1.0])[0]
            out.flat[i] = (1.0 if ni == 0 else ge[0]) - ge[1]
        return float(out) if out.ndim == 0 else out

    def summary(self, alpha: float = 0.05):
        """A statsmodels ``Summary`` of the posterior: medians, the normal approximation on the log scale, R-hat."""
        from ..core.results import make_summary

        notes = [f"Posterior medians of {self.settings.get('chains', '?')} Gibbs chains ({self.settings.get('burnin', '?')} "
                 f"burn-in + {self.settings.get('draws', '?')} iterations, every {self.settings.get('thin', '?')}-th kept, "
                 f"seed {self.settings.get('seed', '?')}); intervals: the posterior's normal approximation on the log scale.",
                 "Log-likelihood: the marginal likelihood at the medians (quadrature)."]
        rhat = getattr(self, "rhat", None)
        if rhat is not None:
            notes.append("Gelman-Rubin R-hat: " + ", ".join(f"{k} {v:.3f}" for k, v in rhat.items()))
        return make_summary(
            f"{self.model_name} results (Gibbs sampler, Platzer & Reutterer 2016)",
            [["Model:", self.model_name, "Log-likelihood:", f"{self.llf:.4f}"],
             ["No. observations:", f"{self.nobs:g}", "AIC:", f"{self.aic:.4f}"],
             ["Converged (R-hat < 1.1):", str(bool(self.converged)), "BIC:", f"{self.bic:.4f}"]],
            self.params, self.bse, self.conf_int(alpha), alpha, notes + list(self.warnings))

    def regularity(self):
        """Posterior mean of each fitted customer's regularity k (k > 1: more regular than Poisson)."""
        if getattr(self, "_customer_draws", None) is None:
            raise ValueError("Pareto/GGG: customer-level draws exist only for a fit")
        return self._wrap(self._customer_draws["k"].mean(axis=0), self.model.index)


class ParetoGGG(SummaryModel, key="pggg", name="Pareto/GGG", data="continuous", rank=11):
    """Pareto/GGG model of (frequency, recency, T, litt) per customer; ``fit()`` returns :class:`ParetoGGGResults`
    (module docstring).

    Parameters
    ----------
    frequency, recency, T : repeat purchases, time of the last one and length of observation (as the BG/NBD's)
    litt : sum of the logs of each customer's inter-purchase times (0 for x = 0), in the unit of recency and T
    weights : must be None: the sampler draws each customer's own parameters, so it takes one row per customer
    time_unit : the unit of recency, T and litt when the data do not carry it (module :mod:`.base`); a
        summary's columns carry it (``from_summary(summary)``, with a ``litt`` column)
    """

    param_names = NAMES
    results_cls = ParetoGGGResults
    summary_columns = ("frequency", "recency", "T", "litt")

    def __init__(self, frequency, recency, T, litt, weights=None, *, time_unit=None):
        if weights is not None:
            raise ParameterError(f"{self.model_name}: weights must be None; the Gibbs sampler draws each customer's "
                                 "own parameters, so it takes one row per customer, not weighted rows")
        self.frequency, self.recency, self.T = check_rft(frequency, recency, T, self.model_name)
        self.litt = check_litt(litt, self.frequency, self.model_name)
        self.index = index_of(frequency)
        self.nobs = float(len(self.frequency))
        self.weights = None
        self.period = period_of((frequency, recency, T, litt), time_unit, self.model_name)

    def data(self) -> dict:
        return dict(x=self.frequency, tx=self.recency, T=self.T, litt=self.litt)

    def loglike_obs(self, params) -> np.ndarray:
        """Log marginal likelihood of each customer at ``params`` (:func:`marginal_loglike`)."""
        return marginal_loglike(params, self.data())

    def loglike(self, params) -> float:
        return float(self.loglike_obs(params).sum())

    def start_params(self) -> np.ndarray:
        """t = gamma = 1 as BTYDplus; r = 1, alpha = 1 / (mean repeat rate), s = 1, beta = mean T (BTYDplus starts
        from a Pareto/NBD fit instead, which after the burn-in makes no difference and here would cost more
        than the sampler on small data)."""
        rate = max(float(self.frequency.sum()) / max(float(self.T.sum()), 1e-12), 1e-6)
        return np.array([1.0, 1.0, 1.0, 1.0 / rate, 1.0, max(float(self.T.mean()), 1e-6)])

    @checked(draws=COUNT, burnin=number(0, integer=True), thin=COUNT, chains=COUNT, seed=SEED)
    def fit(self, draws: int = 2500, burnin: int = 500, thin: int = 50, chains: int = 2, seed: int = 0,
            start_params=None) -> "ParetoGGGResults":
        """Run ``chains`` Gibbs chains of ``burnin + draws`` iterations each, keeping every ``thin``-th
        (BTYDplus' defaults: 2500, 500, 50, 2); seeded."""
        if not np.any(self.frequency > 0):
            raise DataError(f"{self.model_name}: no customer has a repeat purchase; the model needs repeat buyers")
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        seqs = np.random.SeedSequence(seed).spawn(chains)
        hyper, cust = [], []
        for sq in seqs:
            h, c = run_chain(self.data(), x0, draws, burnin, thin, np.random.default_rng(sq))
            hyper.append(h)
            cust.append(c)
        hyper = np.stack(hyper)                                        # chains x kept x 6
        logs = np.log(hyper)
        flat = logs.reshape(-1, len(NAMES))
        params = np.exp(np.median(flat, axis=0))
        rhat = gelman_rubin(logs)
        converged = bool(np.all(rhat < 1.1))
        res = ParetoGGGResults(
            model=self, params=pd.Series(params, index=NAMES, name="params"),
            cov_params_log=pd.DataFrame(np.cov(flat, rowvar=False), index=NAMES, columns=NAMES),
            llf=float(self.loglike(params)), nobs=self.nobs, converged=converged, iterations=int(burnin + draws),
            model_name=self.model_name)
        res.period = self.period
        res.settings = {"draws": int(draws), "burnin": int(burnin), "thin": int(thin), "chains": int(chains),
                        "seed": int(seed)}
        res.rhat = pd.Series(rhat, index=NAMES, name="rhat")
        res.hyper_draws = pd.DataFrame(hyper.reshape(-1, len(NAMES)), columns=NAMES)
        res._customer_draws = {name: np.concatenate([c[name] for c in cust]) for name in cust[0]}
        if not converged:
            res.warnings.append(f"{self.model_name}: the chains have not mixed (Gelman-Rubin above 1.1 for "
                                f"{', '.join(n for n, v in zip(NAMES, rhat) if v >= 1.1)}); run more draws.")
            warnings.warn(res.warnings[-1], ConvergenceWarning, stacklevel=2)
        return res

    def results_at(self, params) -> "ParetoGGGResults":
        """Results at given population parameters, without sampling them (covariance unknown, ``converged`` False);
        customer-level predictions run the customer-level sampler at ``params``."""
        p = np.asarray(params, dtype=float)
        res = ParetoGGGResults(model=self, params=pd.Series(p, index=NAMES, name="params"),
                               cov_params_log=pd.DataFrame(np.nan, index=NAMES, columns=NAMES),
                               llf=self.loglike(p), nobs=self.nobs, converged=False, model_name=self.model_name,
                               warnings=["evaluated at given parameters, not fitted"])
        return self._finish(res)


def simulate_future(c, d, horizon: float, rng) -> np.ndarray:
    """Purchases in (T, T + horizon] for every draw (rows) and customer (columns) of the customer draws ``c``."""
    k, lam, tau = c["k"], c["lambda"], c["tau"]
    T = np.broadcast_to(d["T"], k.shape)
    tx = np.broadcast_to(d["tx"], k.shape)
    end = np.minimum(T + horizon, tau)
    alive = tau > T
    count = np.zeros(k.shape)
    # the gap in progress: a gamma truncated below at T - t_x
    lo = special.gammainc(k, k * lam * (T - tx))
    u = lo + (1 - lo) * rng.random(k.shape)
    gap = special.gammaincinv(k, np.minimum(u, 1 - 1e-16)) / (k * lam)
    nxt = tx + np.maximum(gap, T - tx)
    active = alive & (nxt <= end)
    while active.any():
        count += active
        g = rng.gamma(k[active], 1.0 / (k[active] * lam[active]))
        nxt[active] += g
        active = active & (nxt <= end)
    return count


def simulate_paretoggg(n: int, t: float, gamma: float, r: float, alpha: float, s: float, beta: float, T=52.0,
                       holdout: float = 0.0, seed: int = 0) -> pd.DataFrame:
    r"""Customers of a Pareto/GGG world (seeded; BTYDplus ``pggg.GenerateData``): :math:`k \sim \mathrm{Gamma}(t, \gamma)`
    (floored at 0.1 as BTYDplus), :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`, :math:`\mu \sim \mathrm{Gamma}(s, \beta)`,
    :math:`\tau \sim \mathrm{Exp}(\mu)`; gaps :math:`\mathrm{Gamma}(k, k\lambda)` from the first purchase at 0.

    Returns frequency, recency, T, litt of the purchases up to T, frequency_holdout in (T, T + holdout],
    and the latent ``k``, ``lambda_``, ``mu``, ``tau``, ``alive`` (tau > T)."""
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    k = np.maximum(rng.gamma(t, 1.0 / gamma, n), 0.1)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    tau = rng.exponential(1.0 / mu)
    end = np.minimum(tau, T + holdout)
    x = np.zeros(n)
    x_hold = np.zeros(n)
    tx = np.zeros(n)
    litt = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        g = rng.gamma(k[active], 1.0 / (k[active] * lam[active]))
        now[active] += g
        idx = np.flatnonzero(active)
        ok = now[idx] <= end[idx]
        cal = ok & (now[idx] <= T[idx])
        hold = ok & ~cal
        ic = idx[cal]
        x[ic] += 1
        tx[ic] = now[ic]
        litt[ic] += np.log(g[cal])
        x_hold[idx[hold]] += 1
        active[idx[~ok]] = False
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "litt": litt, "frequency_holdout": x_hold, "k": k,
                         "lambda_": lam, "mu": mu, "tau": tau, "alive": tau > T},
                        index=pd.RangeIndex(n, name="customer_id"))
