r"""MBG/NBD: the modified BG/NBD, in which a customer may also drop out right after her first purchase.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of models
for customer base analysis. *International Journal of Research in Marketing* 24(3), 201-209; the
same model as Hoppe & Wagner's (2007) CBG/NBD. Implemented as in BTYDplus (``mbgcnbd`` with k = 1).

While alive a customer buys as a Poisson process with rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`;
she drops out for good with probability :math:`p \sim \mathrm{Beta}(a, b)` right after *every*
purchase, the first (at time 0) included. In the BG/NBD only repeat purchases can end a life, so every
customer without a repeat purchase is "alive"; here such a customer is alive with probability
:math:`1/(1 + \frac{a}{b}(\frac{\alpha+T}{\alpha})^r)`. With :math:`x, t_x, T` as in the BG/NBD:

.. math::

    L = \frac{\Gamma(r+x)\,\alpha^r}{\Gamma(r)} \Big[ \frac{B(a, b+x+1)}{B(a,b)} \frac{1}{(\alpha+T)^{r+x}}
        + \frac{B(a+1, b+x)}{B(a,b)} \frac{1}{(\alpha+t_x)^{r+x}} \Big],

evaluated in log space as

.. math::

    \log L = \log\Gamma(r+x) - \log\Gamma(r) + r\log\alpha + \log B(a, b+x+1) - \log B(a,b)
             - (r+x)\log(\alpha+T) + \mathrm{softplus}(u),
    \quad u = \log\frac{a}{b+x} + (r+x)\log\frac{\alpha+T}{\alpha+t_x} .

Predictions (each also at given ``params``):

* :math:`P(\text{alive} \mid x, t_x, T) = 1/(1 + e^{u})`;
* :math:`E[X(t)] = \frac{b}{a-1}\big[1 - (\frac{\alpha}{\alpha+t})^r {}_2F_1(r, b+1; a+b; \frac{t}{\alpha+t})\big]` for a new customer;
* :math:`E[Y(t) \mid x, t_x, T] = \frac{a+b+x}{a-1}\big[1 - (\frac{\alpha+T}{\alpha+T+t})^{r+x} {}_2F_1(r+x, b+x+1; a+b+x; \frac{t}{\alpha+T+t})\big] P(\text{alive})`;
* :math:`P(X(t) = x) = \frac{B(a, b+x+1)}{B(a,b)} \mathrm{NB}(x; r, \frac{\alpha}{\alpha+t}) + \frac{B(a+1, b+x)}{B(a,b)} P(\mathrm{NB} \ge x)`
  (NB the gamma-Poisson count of the purchases the customer would make if she never dropped out);
* conditional on the past, a customer alive at T is a new BG/NBD customer with the posterior
  :math:`\lambda \sim \mathrm{Gamma}(r+x, \alpha+T)`, :math:`p \sim \mathrm{Beta}(a, b+x+1)` (her next
  purchases can each end her life, and no "time-zero" dropout is left), which gives the conditional
  pmf and DERT (:mod:`.distributions`).
"""
from __future__ import annotations

import numpy as np
from scipy import special

from ..core.checks import checked, number, numbers
from .base import PERIODS_AHEAD, CustomerModel, CustomerPredictionResults, log_rising
from .bgnbd import log_odds_dead, posterior, x_T_pairs
from .distributions import ContinuousDistributionsMixin, bgnbd_expected_new, bgnbd_pmf, nb_count_pmf, nb_count_sf

NAMES = ["r", "alpha", "a", "b"]


class ModifiedBetaGeoResults(ContinuousDistributionsMixin, CustomerPredictionResults):
    """Fitted MBG/NBD with the predictions of Batislam et al. (2007), the pmf, the conditional pmf and
    DERT (:mod:`.distributions`). Customer arguments default to the fitted data; every prediction
    takes ``params`` too."""

    model_label = "MBG/NBD"

    def p_alive(self, frequency=None, recency=None, T=None, params=None):
        r"""P(alive | x, t_x, T) = 1 / (1 + \frac{a}{b+x}(\frac{\alpha+T}{\alpha+t_x})^{r+x}), below 1 for x = 0 too."""
        theta = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)
        return self._per_row((x, tx, T_), idx, lambda rows: self._posterior(theta, *rows.values)[0])

    @checked(t=PERIODS_AHEAD)
    def expected_purchases_new_customer(self, t, params=None):
        r"""E[X(t)] = \frac{b}{a-1}[1 - (\frac{\alpha}{\alpha+t})^r {}_2F_1(r, b+1; a+b; \frac{t}{\alpha+t})]: a new
        customer is alive after her first purchase with probability b/(a+b), and then a BG/NBD customer with b + 1."""
        r, al, a, b = self._params_or(params)
        return b / (a + b) * bgnbd_expected_new(t, r, al, a, b + 1)

    @checked(t=PERIODS_AHEAD)
    def expected_purchases(self, t, frequency=None, recency=None, T=None, params=None):
        r"""E[Y(t) | x, t_x, T] = \frac{a+b+x}{a-1}[1 - (\frac{\alpha+T}{\alpha+T+t})^{r+x}
        {}_2F_1(r+x, b+x+1; a+b+x; \frac{t}{\alpha+T+t})]\,P(\text{alive})."""
        theta = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)

        def per_row(rows):
            pa, _ = self._posterior(theta, *rows.values)
            pairs = x_T_pairs(rows)            # an alive customer's expectation depends on (x, T) only
            _, post = self._posterior(theta, pairs.values[0], pairs.values[0] * 0, pairs.values[1])
            return pa * pairs.expand(self._new_expected(float(t), *post))
        return self._per_row((x, tx, T_), idx, per_row)

    @checked(periods=PERIODS_AHEAD)
    def cumulative_purchases(self, periods, frequency=None, recency=None, T=None, params=None) -> np.ndarray:
        """:meth:`expected_purchases` of every customer (rows) at every one of ``periods`` (columns), all
        periods in one evaluation, once per distinct (x, T) pair."""
        theta = self._params_or(params)
        x, tx, T_, _ = self._rft(frequency, recency, T)
        t = np.asarray(periods, dtype=float).ravel()[None, :]

        def per_row(rows):
            pa, _ = self._posterior(theta, *rows.values)
            pairs = x_T_pairs(rows)
            _, post = self._posterior(theta, pairs.values[0], pairs.values[0] * 0, pairs.values[1])
            return pa[:, None] * pairs.expand(self._new_expected(t, *(np.asarray(p)[:, None] for p in post)))
        return self._per_row((x, tx, T_), None, per_row)

    @checked(t=PERIODS_AHEAD, n=numbers())
    def pmf(self, t, n, params=None):
        r"""P(X(t) = n) for a new customer (module docstring); numpy-broadcasting in ``t`` and ``n``."""
        r, al, a, b = self._params_or(params)
        t, n = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(n, dtype=float))
        q = al / (al + t)
        lb = special.betaln(a, b)
        ns = np.maximum(n, 0.0)
        out = (np.exp(special.betaln(a, b + ns + 1) - lb) * nb_count_pmf(n, r, q)
               + np.exp(special.betaln(a + 1, b + ns) - lb) * nb_count_sf(n, r, q))
        out = np.where((n >= 0) & (n == np.round(n)), out, 0.0)
        return float(out) if out.ndim == 0 else out

    def _posterior(self, theta, x, tx, T):
        """P(alive) and the BG/NBD parameters of an alive customer: (r+x, alpha+T, a, b+x+1)
        (:func:`relmkt_utils.btyd.bgnbd.posterior`)."""
        return posterior(*theta, x, tx, T, first_purchase_dropout=True)

    @staticmethod
    def _new_pmf(t, n, *post):
        return bgnbd_pmf(t, n, *post)

    @staticmethod
    def _new_expected(t, *post):
        return bgnbd_expected_new(t, *post)



class ModifiedBetaGeo(CustomerModel, key="mbgnbd", name="MBG/NBD", data="continuous", segment_test=True, rank=3,
                      nested="nbd"):
    """MBG/NBD model of (frequency, recency, T) per customer; ``fit()`` returns :class:`ModifiedBetaGeoResults`.

    Parameters as :class:`relmkt_utils.btyd.BetaGeo`: frequency (repeat purchases), recency (time of the
    last repeat purchase since the first), T (time since the first purchase), optional weights, time_unit."""

    param_names = NAMES
    #: restricted parameters on the boundary when nobody drops out (the mean dropout probability and a share leaving at the first purchase; :mod:`.boundary`)
    dropout_boundary_df = 2
    results_cls = ModifiedBetaGeoResults

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer (ungrouped) at ``params`` = (r, alpha, a, b)."""
        r, al, a, b = np.asarray(params, dtype=float)
        x, tx, T = self.frequency, self.recency, self.T
        u = log_odds_dead(r, al, a, b, x, tx, T, first_purchase_dropout=True)
        return (log_rising(r, x) - r * np.log1p(T / al) - x * np.log(al + T) + log_rising(b, x + 1)
                - log_rising(a + b, x + 1) + np.logaddexp(0.0, u))

    def _sufficient(self, x, tx, T, w) -> dict:
        ux, inv = np.unique(x, return_inverse=True)
        return dict(x=x, tx=tx, T=T, w=w, W=w.sum(), wx=w * x, ux=ux, nx=np.bincount(inv, weights=w), inv=inv)

    def _objective_on(self, d, theta, order):
        """Negative log-likelihood with gradient and Hessian in (r, alpha, a, b)."""
        r, al, a, b = theta
        ux, nx, W, w, wx = d["ux"], d["nx"], d["W"], d["w"], d["wx"]
        x, tx, T = d["x"], d["tx"], d["T"]
        # stable for b, or r and alpha, running off to infinity (as the BG/NBD; :func:`.base.log_rising`)
        ll = nx @ (log_rising(r, ux) + log_rising(b, ux + 1) - log_rising(a + b, ux + 1))
        L1 = np.log(al + T)
        LT = np.log1p(T / al)
        lg = L1 - np.log(al + tx)
        ll += -r * (w @ LT) - wx @ L1
        ib = (1.0 / (b + ux))[d["inv"]]
        u = np.log(a) + np.log(ib) + (r + x) * lg
        e = np.exp(-np.abs(u))
        ll += w @ (np.maximum(u, 0.0) + np.log1p(e))
        if order == 0:
            return -ll
        dg = special.digamma
        s = np.where(u > 0, 1.0, e) / (1.0 + e)
        iT, itx = 1.0 / (al + T), 1.0 / (al + tx)
        h = iT - itx
        du = np.stack([lg, (r + x) * h, np.full_like(u, 1.0 / a), -ib])
        ws = w * s
        g = du @ ws
        psi_abx = nx @ dg(a + b + ux + 1)
        g[0] += nx @ dg(r + ux) - W * dg(r) - w @ LT
        g[1] += W * r / al - r * (w @ iT) - wx @ iT
        g[2] += -psi_abx + W * dg(a + b)
        g[3] += nx @ dg(b + ux + 1) - psi_abx - W * dg(b) + W * dg(a + b)
        if order == 1:
            return -ll, -g
        tg = lambda z: special.polygamma(1, z)  # noqa: E731
        H = (du * (ws * (1 - s))) @ du.T
        H[0, 1] += ws @ h
        H[1, 1] += ws @ ((r + x) * (itx**2 - iT**2))
        H[2, 2] += -(ws.sum()) / a**2
        H[3, 3] += ws @ ib**2
        t_abx = nx @ tg(a + b + ux + 1)
        H[0, 0] += nx @ tg(r + ux) - W * tg(r)
        H[0, 1] += W / al - w @ iT
        H[1, 1] += -W * r / al**2 + (r * w + wx) @ iT**2
        H[2, 2] += -t_abx + W * tg(a + b)
        H[2, 3] += -t_abx + W * tg(a + b)
        H[3, 3] += nx @ tg(b + ux + 1) - t_abx - W * tg(b) + W * tg(a + b)
        H = np.triu(H) + np.triu(H, 1).T
        return -ll, -g, -H

    def start_params(self) -> np.ndarray:
        """r = 1, alpha = 1 / (mean repeat rate), a = 1, b = 2 (as the BG/NBD)."""
        w = np.ones_like(self.T) if self.weights is None else self.weights
        rate = max((w @ self.frequency) / max(w @ self.T, 1e-12), 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0, 2.0])


@checked(n=number(1, integer=True), r=number(0, low_open=True), alpha=number(0, low_open=True), a=number(0, low_open=True),
         b=number(0, low_open=True), T=numbers(0), seed=number(0, integer=True))
def simulate_mbgnbd(n: int, r: float, alpha: float, a: float, b: float, T=52.0, seed: int = 0):
    r"""Customers of an MBG/NBD world (seeded): :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`,
    :math:`p \sim \mathrm{Beta}(a, b)`; the customer drops out right after her first purchase with probability
    p, else makes :math:`J \sim \mathrm{Geometric}(p)` repeat purchases at most (dropping out after the last),
    so :math:`x = \min(N, J)` with :math:`N \sim \mathrm{Poisson}(\lambda T)` (0 if she left at once) and
    :math:`t_x` the x-th of N sorted uniform times on [0, T].

    Returns a DataFrame (index ``customer_id``) with frequency, recency, T and the latent ``lambda_``,
    ``p``, ``alive``."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    if np.any(T < 0):
        raise ValueError("simulate_mbgnbd: T must be >= 0")
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    gone_at_once = rng.random(n) < p
    N = rng.poisson(lam * T)
    J = rng.geometric(np.clip(p, 1e-300, 1.0))
    x = np.where(gone_at_once, 0, np.minimum(N, J))
    tx = np.zeros(n)
    pos = x > 0
    tx[pos] = T[pos] * rng.beta(x[pos], N[pos] - x[pos] + 1)
    alive = ~gone_at_once & (N < J)
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "lambda_": lam, "p": p, "alive": alive},
                        index=pd.RangeIndex(n, name="customer_id"))
