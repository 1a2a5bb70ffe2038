r"""BG/BB: the beta-geometric / beta-binomial model of repeat buying at discrete opportunities.

Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time
noncontractual setting. *Marketing Science* 29(6), 1086-1108.

Transactions can only happen at discrete opportunities 1, 2, ... (an annual fund drive, a yearly
event, a weekly draw). While "alive" a customer transacts at each opportunity with probability
:math:`p \sim \mathrm{Beta}(\alpha, \beta)`; at the start of each opportunity she becomes inactive
for good with probability :math:`\theta \sim \mathrm{Beta}(\gamma, \delta)`. A customer with
:math:`x` transactions in :math:`n` opportunities, the last at opportunity :math:`t_x`
(:math:`0 \le x \le t_x \le n`; :math:`t_x = 0` when :math:`x = 0`) has the likelihood (FHS 2010, eq. 5)

.. math::

    L(\alpha,\beta,\gamma,\delta \mid x, t_x, n) =
      \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)} \frac{B(\gamma, \delta+n)}{B(\gamma,\delta)}
      + \sum_{i=0}^{n-t_x-1} \frac{B(\alpha+x, \beta+t_x-x+i)}{B(\alpha,\beta)}
        \frac{B(\gamma+1, \delta+t_x+i)}{B(\gamma,\delta)} .

The first term is "alive through opportunity n", the others "dropped out at the start of opportunity
:math:`t_x + i + 1`". Every term is a sum of log-beta functions, so :math:`\log L` is a
log-sum-exp over the :math:`n - t_x + 1` terms: no term can overflow or underflow to a wrong
answer. The fit groups identical :math:`(x, t_x, n)` rows (a recency/frequency summary with counts is
such a grouping: pass the counts as ``weights``) and uses the analytic gradient and Hessian
(softmax-weighted digamma and trigamma terms). Cost: one row of :math:`n - t_x + 1` terms per
distinct :math:`(x, t_x, n)`.

Predictions (each also at given ``params``), with :math:`L` the likelihood above:

* :math:`P(\text{alive at } n+1 \mid x, t_x, n) = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}\frac{B(\gamma, \delta+n+1)}{B(\gamma,\delta)} / L` (eq. 11);
* :math:`E[X(n)] = \frac{\alpha}{\alpha+\beta}\frac{\delta}{\gamma-1}\Big[1 - \frac{\Gamma(\gamma+\delta)}{\Gamma(\gamma+\delta+n)}\frac{\Gamma(1+\delta+n)}{\Gamma(1+\delta)}\Big]` for a new customer (eq. 8);
* :math:`E[X(n, n+n^*) \mid x, t_x, n] = \frac{1}{L}\frac{B(\alpha+x+1, \beta+n-x)}{B(\alpha,\beta)}\frac{\delta}{\gamma-1}\frac{\Gamma(\gamma+\delta)}{\Gamma(1+\delta)}\Big[\frac{\Gamma(1+\delta+n)}{\Gamma(\gamma+\delta+n)} - \frac{\Gamma(1+\delta+n+n^*)}{\Gamma(\gamma+\delta+n+n^*)}\Big]` (eq. 13);
* DERT, the discounted expected residual transactions at a discount rate :math:`d` per opportunity,
  a transaction at opportunity :math:`n+k` counted as :math:`(1+d)^{-k}` (eq. 14):
  :math:`\frac{B(\alpha+x+1, \beta+n-x)}{B(\alpha,\beta)} \frac{B(\gamma, \delta+n+1)}{B(\gamma,\delta)(1+d)} \frac{{}_2F_1(1, \delta+n+1; \gamma+\delta+n+1; \frac{1}{1+d})}{L}`;
* :math:`P(X(n) = x) = \binom{n}{x}\frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}\frac{B(\gamma,\delta+n)}{B(\gamma,\delta)} + \sum_{i=x}^{n-1}\binom{i}{x}\frac{B(\alpha+x,\beta+i-x)}{B(\alpha,\beta)}\frac{B(\gamma+1,\delta+i)}{B(\gamma,\delta)}` (eq. 7);
* the conditional distribution of the transactions in the next :math:`n^*` opportunities: a customer
  alive at :math:`n` (probability :math:`\pi = \frac{B(\alpha+x,\beta+n-x)B(\gamma,\delta+n)}{B(\alpha,\beta)B(\gamma,\delta)L}`)
  is a new customer with the posterior :math:`p \sim \mathrm{Beta}(\alpha+x, \beta+n-x)`,
  :math:`\theta \sim \mathrm{Beta}(\gamma, \delta+n)`, so
  :math:`P(X(n,n+n^*)=x^* \mid x,t_x,n) = \pi\,P(X(n^*)=x^* \mid \alpha+x, \beta+n-x, \gamma, \delta+n) + (1-\pi)\,1\{x^*=0\}`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import checked, number, numbers
from ..core.errors import DataError, ParameterError
from .base import (ANNUAL_RATE, HORIZON, MARGIN, CustomerModel, CustomerPredictionResults, as_float_array,
                   check_weights, factorize_rows, index_of, period_of)

NAMES = ["alpha", "beta", "gamma", "delta"]
MODEL = "BG/BB"


def check_xtn(frequency, recency, n_periods, model: str = MODEL):
    """Validate (x, t_x, n): whole numbers with 0 <= x <= t_x <= n, t_x = 0 exactly when x = 0, n >= 1."""
    x = as_float_array(frequency, "frequency", model)
    tx = as_float_array(recency, "recency", model)
    n = as_float_array(n_periods, "n_periods", model)
    if not (len(x) == len(tx) == len(n)):
        raise DataError(f"{model}: frequency, recency and n_periods must have the same length "
                        f"({len(x)}, {len(tx)}, {len(n)})")
    if len(x) == 0:
        raise DataError(f"{model}: no customers")
    for name, v in (("frequency", x), ("recency", tx), ("n_periods", n)):
        if np.any(v < 0) or np.any(v != np.round(v)):
            raise DataError(f"{model}: {name} must be a whole number of opportunities >= 0")
    if np.any(n < 1):
        raise DataError(f"{model}: n_periods must be at least 1 (the opportunities each customer was observed for)")
    if np.any(tx > n):
        raise DataError(f"{model}: recency (the opportunity of the last transaction) must not exceed n_periods")
    if np.any(x > tx):
        raise DataError(f"{model}: frequency must not exceed recency (x transactions need x opportunities up to t_x)")
    if np.any((x == 0) != (tx == 0)):
        raise DataError(f"{model}: recency must be 0 exactly for customers with frequency 0")
    return x, tx, n


def _build(x, tx, n, w=None) -> dict:
    """The likelihood terms of the distinct rows as a rows x (1 + max(n - t_x)) grid: column 0 is the
    'alive through n' term, column i + 1 the 'dropped out at t_x + i + 1' term (masked beyond n - t_x - 1).
    Each term is lnB(alpha + X, beta + M) + lnB(gamma + C, delta + K)."""
    K = (n - tx).astype(np.int64)
    kmax = int(K.max()) if K.size else 0
    i = np.arange(kmax, dtype=float)[None, :]
    X = np.repeat(x[:, None], kmax + 1, axis=1)
    M = np.concatenate([(n - x)[:, None], tx[:, None] - x[:, None] + i], axis=1)
    C = np.concatenate([np.zeros((len(x), 1)), np.ones((len(x), kmax))], axis=1)
    Kk = np.concatenate([n[:, None], tx[:, None] + i], axis=1)
    mask = np.concatenate([np.ones((len(x), 1), dtype=bool), i < K[:, None]], axis=1)
    w = np.ones(len(x)) if w is None else np.asarray(w, dtype=float)
    return dict(x=x, tx=tx, T=n, w=w, W=float(w.sum()), X=X, M=M, C=C, K=Kk, mask=mask)


def _terms(theta, d):
    al, be, ga, de = theta
    gl = special.gammaln
    aX, bM, abS = al + d["X"], be + d["M"], al + be + d["X"] + d["M"]
    gC, dK, gdS = ga + d["C"], de + d["K"], ga + de + d["C"] + d["K"]
    T = gl(aX) + gl(bM) - gl(abS) + gl(gC) + gl(dK) - gl(gdS)
    T = np.where(d["mask"], T, -np.inf)
    return T, (aX, bM, abS, gC, dK, gdS)


def _row_loglik(theta, d) -> np.ndarray:
    """log L of each row of ``d`` (see ``_build``)."""
    al, be, ga, de = theta
    T, _ = _terms(theta, d)
    return special.logsumexp(T, axis=1) - special.betaln(al, be) - special.betaln(ga, de)


def _objective(d, theta, order):
    """Negative log-likelihood of the grouped rows, with gradient (order 1) and Hessian (order 2)."""
    al, be, ga, de = theta
    w, W = d["w"], d["W"]
    T, (aX, bM, abS, gC, dK, gdS) = _terms(theta, d)
    mx = T.max(axis=1, keepdims=True)
    e = np.exp(T - mx)
    tot = e.sum(axis=1, keepdims=True)
    lse = (mx + np.log(tot))[:, 0]
    const = -special.betaln(al, be) - special.betaln(ga, de)
    ll = w @ lse + W * const
    if order == 0:
        return -ll
    dg = special.digamma
    S = e / tot                                             # softmax weights of the terms
    psi_ab, psi_gd = dg(abS), dg(gdS)
    D = np.stack([dg(aX) - psi_ab, dg(bM) - psi_ab, dg(gC) - psi_gd, dg(dK) - psi_gd])  # (4, rows, cols)
    D = np.where(d["mask"], D, 0.0)
    gbar = np.einsum("irc,rc->ir", D, S)
    cg = np.array([dg(al + be) - dg(al), dg(al + be) - dg(be), dg(ga + de) - dg(ga), dg(ga + de) - dg(de)])
    g = gbar @ w + W * cg
    if order == 1:
        return -ll, -g
    tg = lambda z: special.polygamma(1, z)  # noqa: E731
    Sw = S * w[:, None]
    H = np.einsum("irc,jrc,rc->ij", D, D, Sw) - np.einsum("ir,jr,r->ij", gbar, gbar, w)
    t_ab, t_gd = np.where(d["mask"], tg(abS), 0.0), np.where(d["mask"], tg(gdS), 0.0)
    t_a, t_b = np.where(d["mask"], tg(aX), 0.0), np.where(d["mask"], tg(bM), 0.0)
    t_g, t_d = np.where(d["mask"], tg(gC), 0.0), np.where(d["mask"], tg(dK), 0.0)
    H[0, 0] += np.sum(Sw * (t_a - t_ab))
    H[0, 1] += -np.sum(Sw * t_ab)
    H[1, 1] += np.sum(Sw * (t_b - t_ab))
    H[2, 2] += np.sum(Sw * (t_g - t_gd))
    H[2, 3] += -np.sum(Sw * t_gd)
    H[3, 3] += np.sum(Sw * (t_d - t_gd))
    H[0, 0] += W * (tg(al + be) - tg(al))
    H[0, 1] += W * tg(al + be)
    H[1, 1] += W * (tg(al + be) - tg(be))
    H[2, 2] += W * (tg(ga + de) - tg(ga))
    H[2, 3] += W * tg(ga + de)
    H[3, 3] += W * (tg(ga + de) - tg(de))
    H = np.triu(H) + np.triu(H, 1).T
    return -ll, -g, -H


class BetaGeoBetaBinomResults(CustomerPredictionResults):
    """Fitted BG/BB with the predictions of FHS (2010). Customer arguments (frequency, recency,
    n_periods) default to the fitted data; every prediction takes ``params`` too."""

    model_label = MODEL

    def _rft(self, frequency, recency, T):
        m = self.model
        if frequency is None:
            if m is None:
                raise ValueError(f"{self.model_label}: these results carry no customer data; pass frequency, "
                                 "recency and n_periods")
            return m.frequency, m.recency, m.T, m.index
        x, tx, n = check_xtn(frequency, recency, T, self.model_label)
        return x, tx, n, index_of(frequency)

    @staticmethod
    def _log_l(theta, x, tx, n):
        """log L of rows that are already distinct (the predictions run on :class:`.base.DistinctRows`)."""
        return _row_loglik(theta, _build(x, tx, n))

    def p_alive(self, frequency=None, recency=None, n_periods=None, params=None):
        r"""P(alive at opportunity n + 1 | x, t_x, n) (FHS 2010, eq. 11), in log space."""
        al, be, ga, de = theta = self._params_or(params)
        x, tx, n, idx = self._rft(frequency, recency, n_periods)

        def per_row(rows):
            x, tx, n = rows.values
            return np.exp(special.betaln(al + x, be + n - x) - special.betaln(al, be) + special.betaln(ga, de + n + 1)
                          - special.betaln(ga, de) - self._log_l(theta, x, tx, n))
        return self._per_row((x, tx, n), idx, per_row)

    @checked(n=numbers(0))
    def expected_purchases_new_customer(self, n, params=None):
        r"""E[X(n)]: expected transactions of a new customer in her first ``n`` opportunities (eq. 8)."""
        al, be, ga, de = self._params_or(params)
        n = np.asarray(n, dtype=float)
        return al / (al + be) * _gamma_ratio_diff(ga, de, 0.0, n)

    @checked(t=number(0))
    def expected_purchases(self, t, frequency=None, recency=None, n_periods=None, params=None):
        r"""E[X(n, n + n^*) | x, t_x, n]: expected transactions in the next ``t`` = :math:`n^*` opportunities (eq. 13)."""
        al, be, ga, de = theta = self._params_or(params)
        x, tx, n, idx = self._rft(frequency, recency, n_periods)

        def per_row(rows):
            x, tx, n = rows.values
            lead = np.exp(special.betaln(al + x + 1, be + n - x) - special.betaln(al, be) - self._log_l(theta, x, tx, n))
            return lead * _gamma_ratio_diff(ga, de, n, n + float(t))
        return self._per_row((x, tx, n), idx, per_row)

    @checked(annual_discount_rate=number(0, low_open=True))
    def dert(self, annual_discount_rate: float = 0.10, time_unit=None, frequency=None, recency=None,
             n_periods=None, params=None):
        r"""Discounted expected residual transactions (FHS 2010, eq. 14): the transactions from opportunity
        n + 1 on, one at opportunity n + k counted as :math:`(1+d)^{-k}`.

        The model's time unit is the spacing of the opportunities (a year for annual ones, as in the
        donations data: ``BetaGeoBetaBinom(..., time_unit="year")``, or ``time_unit="year"`` here for a
        model built without one); ``annual_discount_rate`` becomes :math:`d` per opportunity by
        :meth:`relmkt_utils.core.time.TimeUnit.rate_per_period`. Multiply by a value per transaction
        for the residual lifetime value."""
        d = self._unit(time_unit, "dert").rate_per_period(annual_discount_rate)
        if d <= 0:
            raise ParameterError(f"{self.model_label}: DERT needs a positive discount rate, got {annual_discount_rate!r}")
        al, be, ga, de = theta = self._params_or(params)
        x, tx, n, idx = self._rft(frequency, recency, n_periods)
        z = 1.0 / (1.0 + d)

        def per_row(rows):
            x, tx, n = rows.values
            lp = (special.betaln(al + x + 1, be + n - x) - special.betaln(al, be) + special.betaln(ga, de + n + 1)
                  - special.betaln(ga, de) - np.log1p(d) - self._log_l(theta, x, tx, n))
            return np.exp(lp) * special.hyp2f1(1.0, de + n + 1, ga + de + n + 1, z)
        return self._per_row((x, tx, n), idx, per_row)

    @checked(n=numbers(0), x=numbers())
    def pmf(self, n, x, params=None):
        r"""P(X(n) = x): probability that a new customer makes ``x`` transactions in her first ``n``
        opportunities (eq. 7); numpy-broadcasting in ``n`` and ``x``."""
        al, be, ga, de = self._params_or(params)
        return _pmf(al, be, ga, de, n, x)

    @checked(t=number(0, integer=True), k=number(integer=True))
    def conditional_pmf(self, t, k, frequency=None, recency=None, n_periods=None, params=None):
        r"""P(X(n, n+t) = k | x, t_x, n): probability of ``k`` transactions in the next ``t`` opportunities
        (the mixture of the module docstring). ``t`` and ``k`` are scalars; one value per customer."""
        al, be, ga, de = theta = self._params_or(params)
        x, tx, n, idx = self._rft(frequency, recency, n_periods)

        def per_row(rows):
            x, tx, n = rows.values
            pi = np.exp(special.betaln(al + x, be + n - x) - special.betaln(al, be) + special.betaln(ga, de + n)
                        - special.betaln(ga, de) - self._log_l(theta, x, tx, n))
            new = _pmf(al + x, be + n - x, ga, de + n, float(t), float(k))
            return pi * new + (1 - pi) * (float(k) == 0)
        return self._per_row((x, tx, n), idx, per_row)

    @checked(margin=MARGIN, annual_discount_rate=ANNUAL_RATE, horizon_months=HORIZON)
    def clv(self, spend, margin: float = 1.0, annual_discount_rate: float = 0.10, horizon_months: float = 12,
            time_unit=None, frequency=None, recency=None, n_periods=None, monetary_value=None, params=None):
        """Discounted value of the expected transactions over ``horizon_months`` (see
        :meth:`CustomerPredictionResults.clv`), opportunities spaced by the model's time unit (see :meth:`dert`)."""
        return super().clv(spend, margin, annual_discount_rate, horizon_months, time_unit, frequency, recency,
                           n_periods, monetary_value, params)



def _loglik_rows(theta, x, tx, n) -> np.ndarray:
    """log L per row, evaluated once per distinct (x, t_x, n)."""
    codes, first = factorize_rows([x, tx, n])
    return _row_loglik(theta, _build(x[first], tx[first], n[first]))[codes]


def _gamma_ratio_diff(ga, de, lo, hi):
    r"""\frac{\delta}{\gamma-1}\frac{\Gamma(\gamma+\delta)}{\Gamma(1+\delta)}\Big[\frac{\Gamma(1+\delta+lo)}{\Gamma(\gamma+\delta+lo)}
    - \frac{\Gamma(1+\delta+hi)}{\Gamma(\gamma+\delta+hi)}\Big] = \sum_{k=lo+1}^{hi} B(\gamma, \delta+k)/B(\gamma,\delta)
    (for whole lo < hi): the expected opportunities alive in (lo, hi]. Continuous in gamma at 1."""
    gl = special.gammaln
    if abs(ga - 1) < 1e-7:
        return 0.5 * (_gamma_ratio_diff(1 - 1e-6, de, lo, hi) + _gamma_ratio_diff(1 + 1e-6, de, lo, hi))
    c = np.log(de) + gl(ga + de) - gl(1 + de)
    u1 = gl(1 + de + lo) - gl(ga + de + lo)
    u2 = gl(1 + de + hi) - gl(ga + de + hi)
    return np.exp(c + u1) * -np.expm1(u2 - u1) / (ga - 1)


class BetaGeoBetaBinom(CustomerModel, key="bgbb", name=MODEL, data="discrete", rank=4):
    """BG/BB model of (frequency, recency, n_periods) per customer; ``fit()`` returns
    :class:`BetaGeoBetaBinomResults` (Newton on the log-parameters, analytic gradient and Hessian).

    Parameters
    ----------
    frequency : transactions :math:`x` in the ``n_periods`` opportunities (whole numbers)
    recency : the opportunity of the last transaction, :math:`t_x` (0 when x = 0)
    n_periods : opportunities observed, :math:`n` (whole numbers >= 1)
    weights : optional number of customers each row stands for (a summary with counts)
    time_unit : the spacing of the opportunities (``"year"`` for an annual fund drive), which turns
        calendar horizons and annual rates into opportunities (:meth:`BetaGeoBetaBinomResults.dert`,
        ``clv``); needed only there
    """

    param_names = NAMES
    results_cls = BetaGeoBetaBinomResults
    summary_columns = ("frequency", "recency", "n_periods")

    def __init__(self, frequency, recency, n_periods, weights=None, *, time_unit=None):
        self.frequency, self.recency, self.T = check_xtn(frequency, recency, n_periods)
        self.index = index_of(frequency)
        self.weights = check_weights(weights, len(self.frequency), self.model_name)
        self.nobs = float(len(self.frequency) if self.weights is None else self.weights.sum())
        self.period = period_of((frequency, recency, n_periods), time_unit, self.model_name)
        self._data = None

    @property
    def n_periods(self) -> np.ndarray:
        """The opportunities each customer was observed for (:math:`n`)."""
        return self.T

    def _sufficient(self, x, tx, T, w) -> dict:
        return _build(x, tx, T, w)

    def _objective_on(self, data, theta, order):
        return _objective(data, theta, order)

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer (ungrouped) at ``params`` = (alpha, beta, gamma, delta)."""
        return _loglik_rows(np.asarray(params, dtype=float), self.frequency, self.recency, self.T)

    def start_params(self) -> np.ndarray:
        """alpha, beta from the mean transaction rate per opportunity (prior mean of p); gamma = delta = 1."""
        w = np.ones_like(self.T) if self.weights is None else self.weights
        rate = float(np.clip((w @ self.frequency) / max(w @ self.T, 1e-12), 0.05, 0.95))
        return np.array([rate, 1.0 - rate, 1.0, 1.0])


def _pmf(al, be, ga, de, n, x):
    """P(X(n) = x) of eq. 7, broadcasting over n and x (and over the parameters)."""
    al, be, ga, de, n, x = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (al, be, ga, de, n, x)))
    shape = n.shape
    al, be, ga, de, n, x = (v.ravel() for v in (al, be, ga, de, n, x))
    if np.any(n < 0) or np.any(n != np.round(n)) or np.any(x != np.round(x)):
        raise ParameterError(f"{MODEL}: pmf needs whole numbers of opportunities and transactions")
    bl = special.betaln
    lbinom = lambda nn, kk: special.gammaln(nn + 1) - special.gammaln(kk + 1) - special.gammaln(nn - kk + 1)  # noqa: E731
    ok = (x >= 0) & (x <= n)
    xs = np.where(ok, x, 0.0)
    head = lbinom(n, xs) + bl(al + xs, be + n - xs) + bl(ga, de + n)
    imax = int(n.max()) if n.size else 0
    i = np.arange(imax, dtype=float)[None, :]
    live = (i >= xs[:, None]) & (i < n[:, None])
    iv = np.where(live, i, xs[:, None])
    tail = (lbinom(iv, xs[:, None]) + bl(al[:, None] + xs[:, None], be[:, None] + iv - xs[:, None])
            + bl(ga[:, None] + 1, de[:, None] + iv))
    tail = np.where(live, tail, -np.inf)
    lp = special.logsumexp(np.concatenate([head[:, None], tail], axis=1), axis=1) - bl(al, be) - bl(ga, de)
    out = np.where(ok, np.exp(lp), 0.0)
    return out.reshape(shape) if shape else float(out[0])


@checked(n=number(1, integer=True), alpha=numbers(0, low_open=True), beta=numbers(0, low_open=True),
         gamma=numbers(0, low_open=True), delta=numbers(0, low_open=True), n_periods=numbers(1), seed=number(0, integer=True))
def simulate_bgbb(n: int, alpha: float, beta: float, gamma: float, delta: float, n_periods=6, seed: int = 0) -> pd.DataFrame:
    r"""Customers of a BG/BB world (seeded): :math:`p \sim \mathrm{Beta}(\alpha,\beta)`,
    :math:`\theta \sim \mathrm{Beta}(\gamma,\delta)`; the customer survives each opportunity's start with
    probability :math:`1-\theta` and, while alive, transacts with probability :math:`p`. alpha, beta, gamma
    and delta are numbers or one value per customer (a world with covariates, :mod:`.bgbb_covariates`).

    Returns a DataFrame (index ``customer_id``) with frequency, recency, n_periods and the latent
    ``p``, ``theta``, ``alive`` (alive at opportunity n_periods)."""
    rng = np.random.default_rng(seed)
    nper = np.broadcast_to(np.asarray(n_periods, dtype=np.int64), (n,)).copy()
    if np.any(nper < 1):
        raise ValueError("simulate_bgbb: n_periods must be >= 1")
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    life = rng.geometric(np.clip(theta, 1e-300, 1.0)) - 1      # opportunities survived: P(life >= t) = (1-theta)^t
    k = np.arange(1, int(nper.max()) + 1)[None, :]
    buy = (rng.random((n, k.shape[1])) < p[:, None]) & (k <= np.minimum(life, nper)[:, None])
    x = buy.sum(axis=1)
    tx = np.where(x > 0, np.max(np.where(buy, k, 0), axis=1), 0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx.astype(float), "n_periods": nper.astype(float),
                         "p": p, "theta": theta, "alive": life >= nper}, index=pd.RangeIndex(n, name="customer_id"))
