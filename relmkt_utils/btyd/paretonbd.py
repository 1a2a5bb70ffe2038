r"""Pareto/NBD model of repeat buying (Schmittlein, Morrison & Colombo 1987).

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they and
what will they do next? *Management Science* 33(1), 1-24. Likelihood as derived in Fader, P. S. &
Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related expressions.
http://brucehardie.com/notes/009/

While alive a customer buys as a Poisson process with rate :math:`\lambda \sim \mathrm{Gamma}(r,\alpha)`;
her lifetime is exponential with rate :math:`\mu \sim \mathrm{Gamma}(s,\beta)`. With
:math:`x, t_x, T` as in the BG/NBD,

.. math::

    L = \frac{\Gamma(r+x)\alpha^r\beta^s}{\Gamma(r)}\Big[\frac{1}{(\alpha+T)^{r+x}(\beta+T)^s}
        + s \int_{t_x}^{T} \frac{d\tau}{(\alpha+\tau)^{r+x}(\beta+\tau)^{s+1}}\Big],

and the integral is :math:`J(t_x) - J(T)` with, for :math:`\alpha \ge \beta` (Fader & Hardie 2005, eq. 22),

.. math::

    s\,J(t) = \frac{s}{r+s+x}\,\frac{{}_2F_1\big(r+s+x, s+1; r+s+x+1; \frac{\alpha-\beta}{\alpha+t}\big)}{(\alpha+t)^{r+s+x}}

(and :math:`\alpha, \beta` and :math:`r+x, s+1` swapped for :math:`\alpha < \beta`), so that the argument
:math:`z` lies in :math:`[0, 1)`. Euler's transformation
:math:`{}_2F_1(a,b;a+1;z) = (1-z)^{1-b}\,{}_2F_1(1, a+1-b; a+1; z)` moves the large factor
:math:`(1-z)^{1-b}` into log space; the remaining series :math:`G = \sum_n \prod_{k<n}\frac{P+k}{C+k} z^n`
has positive terms that shrink at least geometrically (ratio :math:`< z`), is summed together with its
derivatives in :math:`P, C, z` (for the analytic gradient), and cannot overflow for any :math:`x` or :math:`T`.
The three terms of :math:`L` are combined with a log-sum-exp.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from ..core.checks import checked, numbers
from .base import PERIODS_AHEAD, CustomerModel, CustomerPredictionResults, DistinctRows, factorize_rows
from .distributions import ContinuousDistributionsMixin, pnbd_pmf

NAMES = ["r", "alpha", "s", "beta"]


def hyp2f1_1pc(P, C, z, tol: float = 1e-16, maxiter: int = 100_000):
    r"""G = 2F1(1, P; C; z) for 0 <= P < C, 0 <= z < 1, with dG/dP, dG/dC and dG/dz, by its series.

    Terms :math:`T_{n+1} = T_n \frac{P+n}{C+n} z` are summed until they are below ``tol`` times the sum;
    the tail left after ``maxiter`` terms is added as the geometric bound :math:`T_n\rho/(1-\rho)`.
    Returns (G, G_P, G_C, G_z)."""
    P, C, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (P, C, z)))
    shape = P.shape
    P, C, z = P.ravel(), C.ravel(), z.ravel()
    n_all = P.size
    out = [np.empty(n_all) for _ in range(4)]  # G, G_P, G_C, G_z of the finished rows
    # running sums of the rows still summing (compact arrays, written out when a row finishes)
    idx = np.arange(n_all)
    g, gp, gc, gz = np.ones(n_all), np.zeros(n_all), np.zeros(n_all), np.zeros(n_all)
    Tn = np.ones(n_all)       # current term T_n
    SP = np.zeros(n_all)      # sum_{k<n} 1/(P+k)
    SC = np.zeros(n_all)      # sum_{k<n} 1/(C+k)
    p, c, zz = P, C, z
    n = 0
    while idx.size and n < maxiter:
        ip, ic = 1.0 / (p + n), 1.0 / (c + n)
        q = Tn * (p + n) * ic               # T_{n+1} / z
        SP += ip
        SC += ic
        n += 1
        gz += n * q
        Tn = q * zz
        g += Tn
        gp += Tn * SP
        gc -= Tn * SC
        if n % 16 == 0 or n < 16:
            ratio = (p + n) / (c + n) * zz
            tail = Tn * (n + 1 + SP + SC) / np.maximum(1 - ratio, 1e-300) ** 2
            active = tail > tol * g
            if not active.all():
                done = ~active
                for o, v in zip(out, (g, gp, gc, gz)):
                    o[idx[done]] = v[done]
                idx, p, c, zz, Tn, SP, SC, g, gp, gc, gz = (
                    v[active] for v in (idx, p, c, zz, Tn, SP, SC, g, gp, gc, gz))
    if idx.size:  # geometric estimate of what is left
        ratio = (p + n) / (c + n) * zz
        g = g + Tn * ratio / (1 - ratio)
        for o, v in zip(out, (g, gp, gc, gz)):
            o[idx] = v
    G, GP, GC, Gz = out
    return G.reshape(shape), GP.reshape(shape), GC.reshape(shape), Gz.reshape(shape)


def hyp2f1_1pc_near1(P, C, z, tol: float = 1e-16, maxiter: int = 10_000):
    r"""G = 2F1(1, P; C; z) and its derivatives for z close to 1, by the connection formula
    (Abramowitz & Stegun 15.3.6) with :math:`d = C-1-P` not an integer and :math:`y = 1-z`:

    .. math:: G = \frac{C-1}{d}\,{}_2F_1(1, P; 1-d; y) + \frac{\Gamma(C)\Gamma(-d)}{\Gamma(P)}\, y^{d} z^{1-C}

    (the second series of 15.3.6 collapses to :math:`z^{1-C}` because its parameters are equal).
    The series in :math:`y` needs few terms when :math:`y` is small. Returns (G, G_P, G_C, G_z)."""
    P, C, z = (np.asarray(v, dtype=float) for v in (P, C, z))
    d = C - 1 - P
    y = 1 - z
    # series F1 = sum t_n, t_{n+1} = t_n (P+n)/(1-d+n) y, with d ln t_n/dP = SP_n, /dd = SD_n
    F = np.ones_like(z)
    FP = np.zeros_like(z)
    Fd = np.zeros_like(z)
    Fy = np.zeros_like(z)
    t = np.ones_like(z)
    SP = np.zeros_like(z)
    SD = np.zeros_like(z)
    for n in range(maxiter):
        q = t * (P + n) / (1 - d + n)
        SP += 1.0 / (P + n)
        SD += 1.0 / (1 - d + n)
        Fy += (n + 1) * q
        t = q * y
        F += t
        FP += t * SP
        Fd += t * SD
        if n > np.max(d) + 2 and np.all(np.abs(t) * (n + 2 + np.abs(SP) + np.abs(SD)) <= tol * np.abs(F) * (1 - y)):
            break
    A = (C - 1) / d
    lnB = special.gammaln(C) + special.gammaln(-d) - special.gammaln(P) + d * np.log(y) + (1 - C) * np.log(z)
    B = special.gammasgn(-d) * np.exp(lnB)
    G = A * F + B
    # derivatives: dF/dP = FP - Fd, dF/dC = Fd, dF/dz = -Fy; d = C - 1 - P
    dA_dP, dA_dC = (C - 1) / d**2, 1 / d - (C - 1) / d**2
    dlnB_dP = special.digamma(-d) - special.digamma(P) - np.log(y)
    dlnB_dC = special.digamma(C) - special.digamma(-d) + np.log(y) - np.log(z)
    dlnB_dz = -d / y + (1 - C) / z
    GP = dA_dP * F + A * (FP - Fd) + B * dlnB_dP
    GC = dA_dC * F + A * Fd + B * dlnB_dC
    Gz = -A * Fy + B * dlnB_dz
    return G, GP, GC, Gz


#: rows with z above NEAR1, P(1-z) < 2 (little cancellation) and C-1-P below NEAR1_DMAX, not within 1e-3 of
#: an integer, use the connection formula; the others the series
NEAR1, NEAR1_DMAX = 0.8, 8.0


def _hyp2f1_1pc_any(P, C, z):
    """Series for small z, connection formula near z = 1 where it is safe."""
    d = C - 1 - P
    near = (z > NEAR1) & (P * (1 - z) < 2.0) & (d < NEAR1_DMAX) & (np.abs(d - np.round(d)) > 1e-3)
    if not near.any():
        return hyp2f1_1pc(P, C, z)
    out = [np.empty_like(z) for _ in range(4)]
    far = ~near
    if far.any():
        for o, v in zip(out, hyp2f1_1pc(P[far], C[far], z[far])):
            o[far] = v
    for o, v in zip(out, hyp2f1_1pc_near1(P[near], C[near], z[near])):
        o[near] = v
    return tuple(out)


def log_tail(r, al, s, be, x, t, deriv: bool):
    r"""E(t) = \log[(r+s+x) J(t)] and its gradient in (r, alpha, s, beta), elementwise: alpha and beta may be
    shared (the model) or one per row (the model with covariates). The roles of alpha and beta (and of
    r + x and s + 1) swap where alpha < beta, so that the argument of the series lies in [0, 1)."""
    swap = np.asarray(al < be)
    k = swap.astype(float)
    C = r + s + x + 1.0
    P = np.where(swap, s + 1.0, r + x)
    z = np.where(swap, (be - al) / (be + t), (al - be) / (al + t))
    P, C, z = (np.ascontiguousarray(v, dtype=float) for v in np.broadcast_arrays(P, C, z))
    G, GP, GC, Gz = _hyp2f1_1pc_any(P, C, z)
    la, lb = np.log(al + t), np.log(be + t)
    E = -(r + x - k) * la - (s + k) * lb + np.log(G)
    if not deriv:
        return E, None
    iG = 1.0 / G
    dz_da = np.where(swap, -1.0 / (be + t), (be + t) / (al + t) ** 2)
    dz_db = np.where(swap, (al + t) / (be + t) ** 2, -1.0 / (al + t))
    dE = np.stack([
        -la + (GP * (1.0 - k) + GC) * iG,
        -(r + x - k) / (al + t) + Gz * dz_da * iG,
        -lb + (GP * k + GC) * iG,
        -(s + k) / (be + t) + Gz * dz_db * iG,
    ])
    return E, dE


def bracket(r, al, s, be, x, T, E1, E2):
    r"""The likelihood bracket :math:`e^A + e^{B_1} - e^{B_2}` in log space, with
    :math:`A = -(r+x)\log(\alpha+T) - s\log(\beta+T)` (alive at T) and
    :math:`B_j = \log\frac{s}{r+s+x} + E(t_j)`, :math:`t_1 = t_x`, :math:`t_2 = T` (died in between):
    returns (A, B1, B2, M, the three terms scaled by :math:`e^{-M}`, their sum), :math:`M = \max(A, B_1)`,
    so that its log is :math:`M + \log(\text{sum})`."""
    lnk = np.log(s) - np.log(r + s + x)
    A = -(r + x) * np.log(al + T) - s * np.log(be + T)
    B1, B2 = lnk + E1, lnk + E2
    M = np.maximum(A, B1)
    eA, e1, e2 = np.exp(A - M), np.exp(B1 - M), np.exp(B2 - M)
    return A, B1, B2, M, eA, e1, e2, eA + e1 - e2


def row_terms(r, al, s, be, x, tx, T, deriv: bool, pairs=None):
    """A (alive-at-T term), the log of the likelihood bracket (:func:`bracket`) and its gradient in
    (r, alpha, s, beta), row by row: the one Pareto/NBD row likelihood of the model, its results and the
    model with covariates. ``pairs`` (:func:`_tail_pairs`, shared alpha and beta only) evaluates the tail
    once per distinct (x, t)."""
    if pairs is None:
        E1, dE1 = log_tail(r, al, s, be, x, tx, deriv)
        E2, dE2 = log_tail(r, al, s, be, x, T, deriv)
    else:
        px, pt, c1, c2 = pairs
        E, dE = log_tail(r, al, s, be, px, pt, deriv)
        E1, E2 = E[c1], E[c2]
        if deriv:
            dE1, dE2 = dE[:, c1], dE[:, c2]
    A, B1, B2, M, _, _, _, tot = bracket(r, al, s, be, x, T, E1, E2)
    lse = M + np.log(tot)
    if not deriv:
        return A, lse, None
    wA, w1, w2 = np.exp(A - lse), np.exp(B1 - lse), np.exp(B2 - lse)
    irsx = 1.0 / (r + s + x)
    d = np.stack([
        -wA * np.log(al + T) - (w1 - w2) * irsx,
        -wA * (r + x) / (al + T),
        -wA * np.log(be + T) + (w1 - w2) * (1.0 / s - irsx),
        -wA * s / (be + T),
    ]) + w1 * dE1 - w2 * dE2
    return A, lse, d


def row_loglik(r, al, s, be, x, tx, T, deriv: bool = False, pairs=None):
    r"""Log-likelihood of each row (module docstring), :math:`\log\Gamma(r+x) - \log\Gamma(r) + r\log\alpha
    + s\log\beta + \log(e^A + e^{B_1} - e^{B_2})`, and with ``deriv`` its gradient in (r, alpha, s, beta)."""
    _, lse, d = row_terms(r, al, s, be, x, tx, T, deriv, pairs)
    ll = special.gammaln(r + x) - special.gammaln(r) + r * np.log(al) + s * np.log(be) + lse
    if not deriv:
        return ll, None
    return ll, d + np.stack([special.digamma(r + x) - special.digamma(r) + np.log(al) + 0 * x, r / al + 0 * x,
                             np.log(be) + 0 * x, s / be + 0 * x])


def _tail_pairs(x, tx, T):
    """The tail integral depends on (x, t) only and is needed at t = t_x and t = T: the distinct
    (x, t) pairs (``px``, ``pt``) and, per row, the codes of its two pairs (``c1``, ``c2``)."""
    codes, first = factorize_rows([np.r_[x, x], np.r_[tx, T]])
    pairs_x, pairs_t = np.r_[x, x], np.r_[tx, T]
    return pairs_x[first], pairs_t[first], codes[: x.size], codes[x.size:]


def _p_alive_rows(theta, rows):
    """P(alive) of the distinct rows ``rows.values`` (:class:`.base.DistinctRows`), the tail integral once per
    distinct (x, t) pair among them (:func:`_tail_pairs`, kept with the rows)."""
    x, tx, T = rows.values
    A, lse, _ = row_terms(*theta, x, tx, T, False, rows.derived("tail_pairs", lambda: _tail_pairs(x, tx, T)))
    return np.exp(A - lse)


def _expm1_ratio(s, y):
    r"""(1 - (1+y)^{-(s-1)})/(s-1), equal to log(1+y) at s = 1."""
    l = np.log1p(y)
    if abs(s - 1) < 1e-10:
        return l
    return -np.expm1(-(s - 1) * l) / (s - 1)


class ParetoNBDResults(ContinuousDistributionsMixin, CustomerPredictionResults):
    """Fitted Pareto/NBD with the predictions of Schmittlein et al. (1987) / Fader & Hardie (2005)."""

    model_label = "Pareto/NBD"
    factorizes = True

    def p_alive(self, frequency=None, recency=None, T=None, params=None):
        r"""P(alive | x, t_x, T) = \frac{(\alpha+T)^{-(r+x)}(\beta+T)^{-s}}{L / [\Gamma(r+x)\alpha^r\beta^s/\Gamma(r)]}
        (Fader & Hardie 2005, eq. 18), in log space."""
        theta = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)
        return self._per_row((x, tx, T_), idx, lambda rows: _p_alive_rows(theta, rows))

    @checked(t=PERIODS_AHEAD)
    def expected_purchases_new_customer(self, t, params=None):
        r"""E[X(t)] = \frac{r\beta}{\alpha(s-1)}\big[1 - (\frac{\beta}{\beta+t})^{s-1}\big] (SMC 1987, eq. 17)."""
        r, al, s, be = self._params_or(params)
        t = np.asarray(t, dtype=float)
        return r * be / al * _expm1_ratio(s, t / be)

    @checked(t=PERIODS_AHEAD)
    def expected_purchases(self, t, frequency=None, recency=None, T=None, params=None):
        r"""E[Y(t) | x, t_x, T] = \frac{(r+x)(\beta+T)}{(\alpha+T)(s-1)}\big[1-(\frac{\beta+T}{\beta+T+t})^{s-1}\big] P(\text{alive})
        (Fader & Hardie 2005, eq. 19)."""
        theta = self._params_or(params)
        r, al, s, be = theta
        x, tx, T_, idx = self._rft(frequency, recency, T)

        def per_row(rows):
            ux, _, uT = rows.values
            return (r + ux) * (be + uT) / (al + uT) * _expm1_ratio(s, float(t) / (be + uT)) * _p_alive_rows(theta, rows)
        return self._per_row((x, tx, T_), idx, per_row)

    @checked(periods=PERIODS_AHEAD)
    def cumulative_purchases(self, periods, frequency=None, recency=None, T=None, params=None) -> np.ndarray:
        """:meth:`expected_purchases` of every customer (rows) at every one of ``periods`` (columns), all
        periods in one evaluation, P(alive) once per distinct row."""
        theta = self._params_or(params)
        r, al, s, be = theta
        x, tx, T_, _ = self._rft(frequency, recency, T)
        t = np.asarray(periods, dtype=float).ravel()[None, :]

        def per_row(rows):
            ux, _, uT = (v[:, None] for v in rows.values)
            alive = (r + ux) * (be + uT) / (al + uT) * _expm1_ratio(s, t / (be + uT))
            return alive * _p_alive_rows(theta, rows)[:, None]
        return self._per_row((x, tx, T_), None, per_row)

    @checked(t=PERIODS_AHEAD, n=numbers())
    def pmf(self, t, n, params=None):
        r"""P(X(t) = n): probability of ``n`` repeat purchases in ``t`` periods for a new customer (Fader &
        Hardie 2006; :func:`.distributions.pnbd_pmf`); numpy-broadcasting in ``t`` and ``n``."""
        return pnbd_pmf(t, n, *self._params_or(params))

    def _posterior(self, theta, x, tx, T):
        """P(alive) and the parameters of an alive customer, (r+x, alpha+T, s, beta+T) (:mod:`.distributions`)."""
        r, al, s, be = theta
        return _p_alive_rows(theta, DistinctRows([x, tx, T])), (r + x, al + T, s + 0 * x, be + T)

    @staticmethod
    def _new_pmf(t, n, *post):
        return pnbd_pmf(t, n, *post)

    @staticmethod
    def _dert_alive(delta, r, al, s, be):
        r"""\frac{r}{\alpha}\,\beta^s\delta^{s-1}U(s, s; \delta\beta) at the posterior (FHL 2005 JMR, eq. 2)."""
        z = delta * be
        return r / al * np.exp(s * np.log(z)) * special.hyperu(s, s, z) / delta


class ParetoNBD(CustomerModel, key="pnbd", name="Pareto/NBD", data="continuous", segment_test=True, rank=2,
                nested="nbd"):
    """Pareto/NBD model of (frequency, recency, T); ``fit()`` returns :class:`ParetoNBDResults`
    (Newton on the log-parameters with the analytic gradient and a Hessian by differences of it).
    Arguments as :class:`~relmkt_utils.btyd.BetaGeo`."""

    param_names = NAMES
    #: restricted parameters on the boundary when nobody drops out (the mean dropout rate s/beta; :mod:`.boundary`)
    dropout_boundary_df = 1
    results_cls = ParetoNBDResults
    analytic_hessian = False
    # warm start from 20,000 rows above 50,000: the steps on all rows then take two or three iterations
    warm_rows, warm_size = 50_000, 20_000

    def _sufficient(self, x, tx, T, w) -> dict:
        px, pt, c1, c2 = _tail_pairs(x, tx, T)
        ux, inv = np.unique(x, return_inverse=True)
        return dict(x=x, tx=tx, T=T, w=w, W=w.sum(), ux=ux, nx=np.bincount(inv, weights=w),
                    px=px, pt=pt, c1=c1, c2=c2)

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer (ungrouped) at ``params`` = (r, alpha, s, beta)."""
        r, al, s, be = np.asarray(params, dtype=float)
        return row_loglik(r, al, s, be, self.frequency, self.recency, self.T)[0]

    def _objective_on(self, d, theta, order):
        r, al, s, be = theta
        ux, nx, W, w = d["ux"], d["nx"], d["W"], d["w"]
        x, T, c1, c2 = d["x"], d["T"], d["c1"], d["c2"]
        E, dE = log_tail(r, al, s, be, d["px"], d["pt"], order >= 1)
        _, _, _, M, eA, e1, e2, tot = bracket(r, al, s, be, x, T, E[c1], E[c2])
        lse = M + np.log(tot)
        ll = nx @ special.gammaln(r + ux) + W * (-special.gammaln(r) + r * np.log(al) + s * np.log(be)) + w @ lse
        if order == 0:
            return -ll
        # gradient of sum_i w_i lse_i, with the tail terms summed per (x, t) pair before the chain rule
        la, lb = np.log(al + T), np.log(be + T)
        wt = w / tot
        wA, w1, w2 = wt * eA, wt * e1, wt * e2
        k_r = (w1 - w2) @ (1.0 / (r + s + x))
        g = np.array([
            -(wA @ la) - k_r,
            -(wA @ ((r + x) / (al + T))),
            -(wA @ lb) + (w1 - w2).sum() / s - k_r,
            -s * (wA @ (1.0 / (be + T))),
        ])
        npairs = E.size
        g += dE @ (np.bincount(c1, weights=w1, minlength=npairs) - np.bincount(c2, weights=w2, minlength=npairs))
        g[0] += nx @ special.digamma(r + ux) - W * special.digamma(r) + W * np.log(al)
        g[1] += W * r / al
        g[2] += W * np.log(be)
        g[3] += W * s / be
        return -ll, -g

    def start_params(self) -> np.ndarray:
        w = np.ones_like(self.T) if self.weights is None else self.weights
        rate = max((w @ self.frequency) / max(w @ self.T, 1e-12), 1e-6)
        scale = max(float(w @ self.T / w.sum()), 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0, scale])
