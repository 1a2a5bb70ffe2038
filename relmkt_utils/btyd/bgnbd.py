r"""BG/NBD: the beta-geometric / negative binomial distribution model of repeat buying.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.

While alive a customer buys as a Poisson process with rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`;
right after each *repeat* purchase she drops out for good with probability :math:`p \sim \mathrm{Beta}(a, b)`.
For a customer with :math:`x` repeat purchases, the last at :math:`t_x`, observed for :math:`T`
(all in the data's own time unit) the likelihood is (FHL 2005, eq. 6)

.. math::

    L = \frac{B(a, b+x)}{B(a,b)} \frac{\Gamma(r+x)\,\alpha^r}{\Gamma(r)\,(\alpha+T)^{r+x}}
      + \delta_{x>0} \frac{B(a+1, b+x-1)}{B(a,b)} \frac{\Gamma(r+x)\,\alpha^r}{\Gamma(r)\,(\alpha+t_x)^{r+x}} .

It is evaluated in log space as

.. math::

    \log L = \log\Gamma(r+x) - \log\Gamma(r) + r\log\alpha + \log B(a, b+x) - \log B(a,b)
             - (r+x)\log(\alpha+T) + \delta_{x>0}\,\mathrm{softplus}(u),
    \quad u = \log\frac{a}{b+x-1} + (r+x)\log\frac{\alpha+T}{\alpha+t_x},

which never overflows however large :math:`x` and :math:`T` are. The fit works on the distinct
:math:`(x, t_x, T)` rows with weights and uses the analytic gradient and Hessian.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from ..core.checks import checked, numbers
from .base import PERIODS_AHEAD, CustomerModel, CustomerPredictionResults, DistinctRows, log_rising
from .distributions import ContinuousDistributionsMixin, _gauss_series, bgnbd_expected_new, bgnbd_pmf

NAMES = ["r", "alpha", "a", "b"]


def log_odds_dead(r, al, a, b, x, tx, T, first_purchase_dropout: bool = False):
    r"""The posterior log-odds of having dropped out, :math:`u = \log\frac{P(\text{dead} \mid x, t_x, T)}{P(\text{alive} \mid x, t_x, T)}`,
    shared by the BG/NBD, the MBG/NBD and their covariate forms (numpy-broadcasting; the parameters may be
    one per customer):

    * BG/NBD (FHL 2005, eq. 11): :math:`u = \log\frac{a}{b+x-1} + (r+x)\log\frac{\alpha+T}{\alpha+t_x}` for
      :math:`x > 0`, and :math:`-\infty` for :math:`x = 0` (she can only drop out right after a repeat purchase);
    * MBG/NBD (``first_purchase_dropout``, Batislam et al. 2007): :math:`b+x` in place of :math:`b+x-1`,
      for every x (she may drop out right after her first purchase too).

    P(alive) is :math:`1/(1+e^u)`, and the log-likelihood of the customer is the part free of
    :math:`t_x` plus :math:`\mathrm{softplus}(u)`."""
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    lg = np.log(al + T) - np.log(al + tx)
    if first_purchase_dropout:
        return np.log(a) - np.log(b + x) + (r + x) * lg
    p = x > 0
    u = np.log(a) - np.log(np.where(p, b + x - 1, 1.0)) + (r + x) * lg
    return np.where(p, u, -np.inf)


def posterior(r, al, a, b, x, tx, T, first_purchase_dropout: bool = False):
    """P(alive | x, t_x, T) and the BG/NBD parameters of a customer alive at T, given her past:
    (r + x, alpha + T, a, b + x) for the BG/NBD, (r + x, alpha + T, a, b + x + 1) for the MBG/NBD (a
    customer alive at T is, by memorylessness, a new BG/NBD customer with these parameters;
    :mod:`.distributions`)."""
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    pa = special.expit(-log_odds_dead(r, al, a, b, x, tx, T, first_purchase_dropout))
    return pa, (r + x, al + T, a + 0 * x, b + x + (1 if first_purchase_dropout else 0))


def _hyp2f1_euler_tail(a, b, r, x, z):
    r"""(1-z)^{a-1} 2F1(a+b-1-r, a-1; a+b+x-1; z) = (1-z)^{r+x} 2F1(r+x, b+x; a+b+x-1; z) (Euler)."""
    out = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    bad = ~np.isfinite(out)
    if np.any(bad):  # scipy's 2F1 can return nan for negative a, b and large c: sum the series directly
        xb, zb = np.broadcast_to(x, out.shape)[bad], np.broadcast_to(z, out.shape)[bad]
        out = np.array(out, dtype=float)
        out[bad] = np.exp((a - 1) * np.log1p(-zb)) * _gauss_series(a + b - 1 - r, a - 1, a + b + xb - 1, zb)
    return out


class BetaGeoResults(ContinuousDistributionsMixin, CustomerPredictionResults):
    """Fitted BG/NBD with the predictions of FHL (2005), the pmf, the conditional pmf and DERT
    (:mod:`.distributions`). Customer arguments default to the fitted data."""

    model_label = "BG/NBD"
    factorizes = True

    def p_alive(self, frequency=None, recency=None, T=None, params=None):
        r"""P(alive | x, t_x, T) = 1 / (1 + \delta_{x>0} \frac{a}{b+x-1} (\frac{\alpha+T}{\alpha+t_x})^{r+x}) (FHL 2005, eq. 11).

        Equal to 1 for x = 0: in the BG/NBD a customer can only drop out right after a repeat purchase,
        so every one-time buyer is "alive" by construction; read a mean P(alive) with the share of
        customers without a repeat purchase beside it."""
        theta = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)
        return self._per_row((x, tx, T_), idx, lambda rows: posterior(*theta, *rows.values)[0])

    @checked(t=PERIODS_AHEAD)
    def expected_purchases_new_customer(self, t, params=None):
        r"""Unconditional E[X(t)] for a customer just acquired (FHL 2005, eq. 7):

        .. math:: E[X(t)] = \frac{a+b-1}{a-1}\Big[1 - \big(\tfrac{\alpha}{\alpha+t}\big)^r
                  {}_2F_1\big(r, b; a+b-1; \tfrac{t}{\alpha+t}\big)\Big]

        computed with Euler's transformation as :math:`1-(1-z)^{a-1}\,{}_2F_1(a+b-1-r, a-1; a+b-1; z)`."""
        r, al, a, b = self._params_or(params)
        t = np.asarray(t, dtype=float)
        return _cond_expected(r, al, a, b, np.zeros_like(t), np.zeros_like(t), np.zeros_like(t), t)

    @checked(t=PERIODS_AHEAD)
    def expected_purchases(self, t, frequency=None, recency=None, T=None, params=None):
        r"""Conditional expected repeat purchases in the next ``t`` periods (FHL 2005, eq. 10):

        .. math:: E[Y(t)\mid x,t_x,T] = \frac{a+b+x-1}{a-1}
            \frac{1 - \big(\frac{\alpha+T}{\alpha+T+t}\big)^{r+x} {}_2F_1\big(r+x, b+x; a+b+x-1; \frac{t}{\alpha+T+t}\big)}
                 {1 + \delta_{x>0}\frac{a}{b+x-1}\big(\frac{\alpha+T}{\alpha+t_x}\big)^{r+x}}
        """
        r, al, a, b = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)
        return self._per_row((x, tx, T_), idx, lambda rows: _cond_expected(
            r, al, a, b, *rows.values, float(t), x_T_pairs(rows)))

    @checked(periods=PERIODS_AHEAD)
    def cumulative_purchases(self, periods, frequency=None, recency=None, T=None, params=None) -> np.ndarray:
        """:meth:`expected_purchases` of every customer (rows) at every one of ``periods`` (columns), all
        periods in one evaluation (:func:`_cond_expected_paths`)."""
        r, al, a, b = self._params_or(params)
        x, tx, T_, _ = self._rft(frequency, recency, T)
        return self._per_row((x, tx, T_), None, lambda rows: _cond_expected_paths(r, al, a, b, rows, periods))

    @checked(t=PERIODS_AHEAD, n=numbers())
    def pmf(self, t, n, params=None):
        r"""P(X(t) = n): probability of ``n`` repeat purchases in ``t`` periods for a new customer (FHL 2005,
        eq. 8; :func:`.distributions.bgnbd_pmf`); numpy-broadcasting in ``t`` and ``n``."""
        return bgnbd_pmf(t, n, *self._params_or(params))

    def _posterior(self, theta, x, tx, T):
        """P(alive) and the parameters of an alive customer, (r+x, alpha+T, a, b+x) (:func:`posterior`)."""
        return posterior(*theta, x, tx, T)

    @staticmethod
    def _new_pmf(t, n, *post):
        return bgnbd_pmf(t, n, *post)

    @staticmethod
    def _new_expected(t, *post):
        return bgnbd_expected_new(t, *post)


def x_T_pairs(rows):
    """The distinct (x, T) pairs among the distinct (x, t_x, T) rows (:class:`.base.DistinctRows`), kept with
    them: the part of a prediction for a customer alive at T depends on x and T only."""
    return rows.derived("x_T", lambda: DistinctRows([rows.values[0], rows.values[2]]))


def _away_from_singularities(f, a, b, x):
    """``f(a, b)``, or at the removable singularities of FHL (2005) eq. 10 (a = 1; a + b + x = 1, a 2F1
    with c = 0) the average of ``f`` just either side of it."""
    if abs(a - 1) < 1e-7:
        return 0.5 * (_away_from_singularities(f, 1 - 1e-6, b, x) + _away_from_singularities(f, 1 + 1e-6, b, x))
    if np.any(np.abs(a + b + x - 1) < 1e-7):
        return 0.5 * (_away_from_singularities(f, a, b - 1e-6, x) + _away_from_singularities(f, a, b + 1e-6, x))
    return f(a, b)


def _alive_part(r, al, a, b, x, T, t):
    r"""The part of FHL (2005) eq. 10 free of t_x, :math:`\frac{a+b+x-1}{a-1}\big[1 - (1-z)^{r+x}\,{}_2F_1(r+x,
    b+x; a+b+x-1; z)\big]` with :math:`z = t/(\alpha+T+t)`: the expected purchases in the next t periods of a
    customer alive at T (numpy-broadcasting)."""
    z = t / (al + T + t)
    return (a + b + x - 1) / (a - 1) * (1 - _hyp2f1_euler_tail(a, b, r, x, z))


def _cond_expected(r, al, a, b, x, tx, T, t, pairs=None):
    """FHL (2005) eq. 10 row by row; ``pairs`` (:func:`x_T_pairs` of these rows, scalar ``t``) evaluates the
    2F1 once per distinct (x, T)."""
    x, tx, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T, t)))

    def at(a, b):
        if pairs is None:
            alive = _alive_part(r, al, a, b, x, T, t)
        else:
            (px, pT), pt = pairs.values, t.flat[0] if t.size else 0.0
            alive = pairs.expand(_alive_part(r, al, a, b, px, pT, pt))
        return alive * special.expit(-log_odds_dead(r, al, a, b, x, tx, T))
    return _away_from_singularities(at, a, b, x)


def _cond_expected_paths(r, al, a, b, rows, periods):
    """FHL (2005) eq. 10 for the distinct rows ``rows`` (:class:`.base.DistinctRows` of x, t_x, T; one row of
    the result each) at every one of ``periods`` (one column each), in one evaluation: the 2F1 once per
    distinct (x, T) and period, P(alive) once per row."""
    x, tx, T = rows.values
    pairs = x_T_pairs(rows)
    px, pT = (v[:, None] for v in pairs.values)
    t = np.asarray(periods, dtype=float)[None, :]

    def at(a, b):
        return (pairs.expand(_alive_part(r, al, a, b, px, pT, t))
                * special.expit(-log_odds_dead(r, al, a, b, x, tx, T))[:, None])
    return _away_from_singularities(at, a, b, x)


class BetaGeo(CustomerModel, key="bgnbd", name="BG/NBD", data="continuous", segment_test=True, rank=1, nested="nbd"):
    """BG/NBD model of (frequency, recency, T) per customer; ``fit()`` returns :class:`BetaGeoResults`.

    Parameters
    ----------
    frequency : repeat purchases :math:`x` (whole numbers >= 0)
    recency : time of the last repeat purchase since the first purchase, :math:`t_x` (0 when x = 0)
    T : time since the first purchase to the end of observation
    weights : optional number of customers each row stands for
    time_unit : the unit of recency and T when the data do not carry it (module :mod:`.base`)
    """

    param_names = NAMES
    #: restricted parameters on the boundary when nobody drops out (the mean dropout probability a/(a+b); :mod:`.boundary`)
    dropout_boundary_df = 1
    results_cls = BetaGeoResults

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer (ungrouped) at ``params`` = (r, alpha, a, b)."""
        r, al, a, b = np.asarray(params, dtype=float)
        x, tx, T = self.frequency, self.recency, self.T
        ll = (log_rising(r, x) - r * np.log1p(T / al) - x * np.log(al + T)
              + log_rising(b, x) - log_rising(a + b, x))          # B(a, b+x)/B(a, b), stable for any b
        return ll + np.logaddexp(0.0, log_odds_dead(r, al, a, b, x, tx, T))

    def _sufficient(self, x, tx, T, w) -> dict:
        return _build(x, tx, T, w)

    def _objective_on(self, data, theta, order):
        return _objective(data, theta, order)

    def start_params(self) -> np.ndarray:
        """Scale-aware starting values: r = 1, alpha = 1 / (mean repeat rate), a = 1, b = 2."""
        w = np.ones_like(self.T) if self.weights is None else self.weights
        rate = max((w @ self.frequency) / max(w @ self.T, 1e-12), 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0, 2.0])


def _build(x, tx, T, w) -> dict:
    """Arrays for the likelihood: rows with x > 0 first (the first ``m``), the distinct x values
    ``ux`` with their total weights ``nx``, and for the x > 0 rows the code of their x in ``ux[ix]``."""
    order = np.argsort(x == 0, kind="stable")
    x, tx, T, w = x[order], tx[order], T[order], w[order]
    m = int(np.count_nonzero(x > 0))
    ux, inv = np.unique(x, return_inverse=True)
    ix = np.flatnonzero(ux > 0)
    xcode = np.searchsorted(ux[ix], x[:m])
    return dict(x=x, tx=tx, T=T, w=w, W=w.sum(), wx=w * x, m=m, ux=ux, nx=np.bincount(inv, weights=w),
                ix=ix, xcode=xcode)


def _objective(d, theta, order):
    """Negative log-likelihood of the grouped rows ``d`` (see ``_build``), with gradient (order 1)
    and Hessian (order 2) in (r, alpha, a, b)."""
    r, al, a, b = theta
    ux, nx, W, w, wx, m = d["ux"], d["nx"], d["W"], d["w"], d["wx"], d["m"]
    # log-gamma ratios as rising factorials and r log(alpha/(alpha+T)) as -r log1p(T/alpha): no digit is lost
    # when b (no dropout) or r and alpha (one purchase rate for all) run off to infinity (:func:`log_rising`)
    ll = nx @ (log_rising(r, ux) + log_rising(b, ux) - log_rising(a + b, ux))
    L1 = np.log(al + d["T"])
    LT = np.log1p(d["T"] / al)
    ll += -r * (w @ LT) - wx @ L1
    xp, wp, txp = d["x"][:m], w[:m], d["tx"][:m]
    lg = L1[:m] - np.log(al + txp)
    ib = (1.0 / (b + ux[d["ix"]] - 1))[d["xcode"]]          # 1/(b+x-1), x > 0
    u = np.log(a) + np.log(ib) + (r + xp) * lg
    e = np.exp(-np.abs(u))
    ll += wp @ (np.maximum(u, 0.0) + np.log1p(e))            # softplus(u)
    if order == 0:
        return -ll
    dg = special.digamma
    s = np.where(u > 0, 1.0, e) / (1.0 + e)                  # logistic(u)
    iT = 1.0 / (al + d["T"])
    iTp, itx = iT[:m], 1.0 / (al + txp)
    h = iTp - itx
    du = np.stack([lg, (r + xp) * h, np.full_like(u, 1.0 / a), -ib])
    ws = wp * s
    g = du @ ws
    psi_abx = nx @ dg(a + b + ux)
    g[0] += nx @ dg(r + ux) - W * dg(r) - w @ LT
    g[1] += W * r / al - r * (w @ iT) - wx @ iT
    g[2] += -psi_abx + W * dg(a + b)
    g[3] += nx @ dg(b + ux) - psi_abx - W * dg(b) + W * dg(a + b)
    if order == 1:
        return -ll, -g
    tg = lambda z: special.polygamma(1, z)
    H = (du * (ws * (1 - s))) @ du.T
    H[0, 1] += ws @ h
    H[1, 1] += ws @ ((r + xp) * (itx**2 - iTp**2))
    H[2, 2] += -(ws.sum()) / a**2
    H[3, 3] += ws @ ib**2
    t_abx = nx @ tg(a + b + ux)
    H[0, 0] += nx @ tg(r + ux) - W * tg(r)
    H[0, 1] += W / al - w @ iT
    H[1, 1] += -W * r / al**2 + (r * w + wx) @ iT**2
    H[2, 2] += -t_abx + W * tg(a + b)
    H[2, 3] += -t_abx + W * tg(a + b)
    H[3, 3] += nx @ tg(b + ux) - t_abx - W * tg(b) + W * tg(a + b)
    H = np.triu(H) + np.triu(H, 1).T
    return -ll, -g, -H
