r"""Pareto/NBD and BG/NBD with time-varying covariates (contextual factors such as a season or a campaign).

Bachmann, P., Meierer, M. & Naef, J. (2021). The role of time-varying contextual factors in latent
attrition models for customer base analysis. *Marketing Science* 40(4), 783-809 (CLVTools' ``pnbd`` with
dynamic covariates).

**Pareto/NBD** (Bachmann et al. 2021). While alive, customer *i* buys at rate :math:`\lambda_i a(t)` and
drops out at rate :math:`\mu_i c(t)`, with :math:`a(t) = e^{\gamma_P^\top x(t)}`,
:math:`c(t) = e^{\gamma_L^\top z(t)}` for the purchase covariates :math:`x(t)` and the dropout
(lifetime) covariates :math:`z(t)` in force at time *t*, :math:`\lambda_i \sim \mathrm{Gamma}(r, \alpha)`,
:math:`\mu_i \sim \mathrm{Gamma}(s, \beta)`. With the cumulated exposures
:math:`B(t) = \int_0^t a(u)\,du`, :math:`D(t) = \int_0^t c(u)\,du` from her first purchase and her repeat
purchases at :math:`t_1, \dots, t_x` (the last at :math:`t_x`), observed to *T*,

.. math::

    L_i = \frac{\Gamma(r+x)\,\alpha^r\beta^s}{\Gamma(r)}\,e^{\gamma_P^\top \sum_j x(t_j)}
          \Big[\frac{1}{(\alpha+B(T))^{r+x}(\beta+D(T))^{s}}
          + s\int_{t_x}^{T}\frac{c(\omega)\,d\omega}{(\alpha+B(\omega))^{r+x}(\beta+D(\omega))^{s+1}}\Big].

Covariates are constant on the pieces :math:`k` of :math:`[t_x, T]` (periods, cut at :math:`t_x`), where
:math:`B` and :math:`D` are linear with slopes :math:`a_k, c_k`; with :math:`P_k = (\alpha+B_k)/a_k`,
:math:`Q_k = (\beta+D_k)/c_k` at the piece's start and
:math:`G(P, Q) = \int_0^\infty (P+u)^{-(r+x)}(Q+u)^{-(s+1)}du` (a Gauss hypergeometric function, computed
as in :mod:`relmkt_utils.btyd.paretonbd`), the piece contributes exactly

.. math:: I_k = a_k^{-(r+x)} c_k^{-s}\,[G(P_k, Q_k) - G(P_k+\ell_k, Q_k+\ell_k)].

All terms are positive and summed with a log-sum-exp; the gradient is analytic (derivatives of *G* in
its arguments and exponents, chained through :math:`P_k, Q_k` and the cumulated exposures). With constant
covariates :math:`B(t) = a t`, :math:`D(t) = c t` and the model is Fader & Hardie's (2007) Pareto/NBD
with :math:`\alpha_i = \alpha e^{-\gamma_P^\top x}`, :math:`\beta_i = \beta e^{-\gamma_L^\top z}`
(:class:`~relmkt_utils.btyd.ParetoNBDCovariates`); the coefficients carry the same names
(``purchase:<column>`` = CLVTools' ``trans.<column>``, ``dropout:<column>`` = ``life.<column>``) and signs.

**BG/NBD.** Purchases as above; after each repeat purchase at :math:`t_j` the customer drops out with
probability :math:`1-(1-p)^{c(t_j)}`, :math:`p \sim \mathrm{Beta}(a, b)`: a proportional hazard per
purchase occasion (the complementary log-log link of discrete-time survival, Prentice & Gloeckler 1978),
so that a covariate multiplies the log of the survival probability and :math:`c \equiv 1` is the BG/NBD
of Fader, Hardie & Lee (2005). With :math:`S_x = \sum_{j\le x} c(t_j)`,

.. math::

    L_i = \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)}\,e^{\gamma_P^\top \sum_j x(t_j)}\Big[
        \frac{B(a, b+S_x)}{B(a,b)\,(\alpha+B(T))^{r+x}} + 1_{x>0}\,
        \frac{B(a, b+S_{x-1}) - B(a, b+S_x)}{B(a,b)\,(\alpha+B(t_x))^{r+x}}\Big].

Its purchase covariates equal :class:`~relmkt_utils.btyd.BetaGeoCovariates`' when constant; its dropout
covariates act on the hazard, not on (a, b) as there (a different, non-nested specification).

**Predictions** take the covariate path after the calibration from the panel (a season known ahead) or
from :meth:`~relmkt_utils.btyd.TimeVaryingPanel.with_covariates` (a campaign scenario): P(alive) at the
calibration end; the conditional expected purchases in the next *t* periods, for the Pareto/NBD
(:math:`\lambda \sim \mathrm{Gamma}(r+x, \alpha+B(T))`, :math:`\mu \sim \mathrm{Gamma}(s, \beta+D(T))` given alive)

.. math:: E[Y(t)] = P(\text{alive})\,\frac{r+x}{\alpha+B(T)} \int_T^{T+t} a(u)
          \Big(\frac{\beta+D(T)}{\beta+D(u)}\Big)^{s} du

(closed form per piece), for the BG/NBD
:math:`E[Y(t)\mid p] = \int_T^{T+t} a(u)\,\frac{r'}{\alpha'}(\alpha'/(\alpha'+H_p(u)))^{r'+1}du` with
:math:`H_p(u) = \int_T^u a\,(1-(1-p)^{c})` (closed form per piece) averaged over
:math:`p \sim \mathrm{Beta}(a, b+S_x)` by Gauss-Jacobi quadrature; the expected purchases of a new
customer acquired at a given date; and the CLV of the suite's convention
(:func:`relmkt_utils.btyd.base.discounted_sum`, purchases of each period discounted at its end).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import SEED, checked, number
from ..core.errors import DataError, ParameterError
from ..core.penalty import fit_with_penalty
from ..core.results import MLEResults
from ..core.time import time_unit as as_time_unit
from .base import discounted_sum, spend_per_purchase
from .bgnbd import BetaGeo
from .covariate_panel import TimeVaryingPanel, cumsum_before, sum_after
from .paretonbd import ParetoNBD, _expm1_ratio, _hyp2f1_1pc_any
from .persistence import SavableResults
from .registry import Registered


# ------------------------------------------------------------------------------------------ G(P, Q)
def log_g(m, n, P, Q, deriv: bool = False):
    r"""log G(P, Q) with :math:`G = \int_0^\infty (P+u)^{-m}(Q+u)^{-n}du` (m, n > 0, m + n > 1) and, with
    ``deriv``, its derivatives in (m, n, P, Q) stacked in that order.

    For :math:`P \ge Q` (Fader & Hardie 2005, note 009, eq. 22, with Euler's transformation)
    :math:`G = P^{-m}Q^{-(n-1)}\,{}_2F_1(1, m; m+n; 1-Q/P)/(m+n-1)`, for :math:`P < Q` the roles swap;
    the series :math:`{}_2F_1(1, \cdot\,; \cdot\,; z)` with its derivatives is
    :func:`relmkt_utils.btyd.paretonbd.hyp2f1_1pc` (or its connection formula near z = 1).

    Parameters
    ----------
    m, n : array-like
        the exponents (for the Pareto/NBD: r + x and s + 1).
    P, Q : array-like
        the shifts, > 0.
    deriv : bool
        also return the derivatives.
    """
    m, n, P, Q = (np.ascontiguousarray(v, dtype=float) for v in np.broadcast_arrays(m, n, P, Q))
    swap = P < Q
    k = swap.astype(float)
    Ps = np.where(swap, n, m)
    C = m + n
    z = np.where(swap, (Q - P) / Q, (P - Q) / P)
    if z.size:
        G, GP, GC, Gz = _hyp2f1_1pc_any(Ps, C, z)
    else:
        G = GP = GC = Gz = z
    lP, lQ = np.log(P), np.log(Q)
    lg = -(m - k) * lP - (n - 1.0 + k) * lQ + np.log(G) - np.log(m + n - 1.0)
    if not deriv:
        return lg, None
    iG = 1.0 / G
    dz_dP = np.where(swap, -1.0 / Q, Q / P ** 2)
    dz_dQ = np.where(swap, P / Q ** 2, -1.0 / P)
    inv = 1.0 / (m + n - 1.0)
    d = np.stack([
        -lP + (GP * (1.0 - k) + GC) * iG - inv,
        -lQ + (GP * k + GC) * iG - inv,
        -(m - k) / P + Gz * dz_dP * iG,
        -(n - 1.0 + k) / Q + Gz * dz_dQ * iG,
    ])
    return lg, d


# ------------------------------------------------------------------------------------------ likelihoods
#: Gauss-Legendre nodes on [0, 1] for the pieces where the integrand is smooth enough (:func:`piece_integrals`)
GL_NODES, GL_WEIGHTS = (lambda v, w: ((v + 1.0) / 2.0, w / 2.0))(*np.polynomial.legendre.leggauss(20))
#: a piece is integrated by Gauss-Legendre when l/P and l/Q are at most GL_SPAN and (r+x) l/P + (s+1) l/Q at
#: most GL_DECAY (relative error below 1e-12, tests/test_btyd_timevarying.py); otherwise by the 2F1 difference
GL_SPAN, GL_DECAY = 4.0, 16.0


def piece_integrals(m, s, al_k, be_k, a, c, length, deriv: bool = False):
    r"""log of :math:`s\int_0^{\ell} c\,(\alpha_k + a u)^{-m}(\beta_k + c u)^{-(s+1)}du` for each piece
    (:math:`\alpha_k = \alpha + B_k`, :math:`\beta_k = \beta + D_k` at the piece's start), and with ``deriv``
    the derivatives of that log in (m, s, alpha_k, beta_k) and in the log-slopes (log a, log c).

    Smooth pieces (short against :math:`P = \alpha_k/a` and :math:`Q = \beta_k/c`) are integrated by 20-point
    Gauss-Legendre, the others exactly as :math:`a^{-m}c^{-s}[G(P, Q) - G(P+\ell, Q+\ell)]` (:func:`log_g`).

    Parameters
    ----------
    m : array-like
        r + x of each piece's customer.
    s : float
        the Pareto/NBD's s.
    al_k, be_k : array-like
        alpha + B and beta + D at the start of each piece.
    a, c : array-like
        the purchase and dropout rate multipliers on the piece.
    length : array-like
        length of each piece.
    deriv : bool
        also return the derivatives, stacked as (m, s, alpha_k, beta_k, log a, log c).
    """
    m, al_k, be_k, a, c, length = (np.asarray(v, dtype=float) for v in (m, al_k, be_k, a, c, length))
    P, Q = al_k / a, be_k / c
    rp, rq = length / P, length / Q
    smooth = (rp <= GL_SPAN) & (rq <= GL_SPAN) & (m * rp + (s + 1.0) * rq <= GL_DECAY)
    out = np.empty(m.size)
    der = np.empty((6, m.size)) if deriv else None
    if smooth.any():
        i = smooth
        u = length[i, None] * GL_NODES[None, :]
        A = al_k[i, None] + a[i, None] * u
        D = be_k[i, None] + c[i, None] * u
        lA, lD = np.log(A), np.log(D)
        lf = np.log(GL_WEIGHTS)[None, :] + np.log(c[i])[:, None] - m[i, None] * lA - (s + 1.0) * lD
        M = lf.max(axis=1, keepdims=True)
        tot = np.exp(lf - M).sum(axis=1, keepdims=True)
        out[i] = np.log(s) + np.log(length[i]) + (M + np.log(tot))[:, 0]
        if deriv:
            pi = np.exp(lf - M) / tot
            der[0, i] = -(pi * lA).sum(axis=1)
            der[1, i] = 1.0 / s - (pi * lD).sum(axis=1)
            der[2, i] = -(pi * m[i, None] / A).sum(axis=1)
            der[3, i] = -(pi * (s + 1.0) / D).sum(axis=1)
            der[4, i] = -(pi * m[i, None] * a[i, None] * u / A).sum(axis=1)
            der[5, i] = 1.0 - (pi * (s + 1.0) * c[i, None] * u / D).sum(axis=1)
    if (~smooth).any():
        i = ~smooth
        Pi, Qi, li = P[i], Q[i], length[i]
        g1, d1 = log_g(m[i], s + 1.0, Pi, Qi, deriv)
        g2, d2 = log_g(m[i], s + 1.0, Pi + li, Qi + li, deriv)
        v = np.exp(g2 - g1)
        la, lc = np.log(a[i]), np.log(c[i])
        out[i] = np.log(s) - m[i] * la - s * lc + g1 + np.log1p(-v)
        if deriv:
            dL = (d1 - v * d2) / (1.0 - v)
            der[0, i] = dL[0] - la
            der[1, i] = 1.0 / s - lc + dL[1]
            der[2, i] = dL[2] / a[i]
            der[3, i] = dL[3] / c[i]
            der[4, i] = -m[i] - dL[2] * Pi
            der[5, i] = -s - dL[3] * Qi
    return out, der


def pnbd_tv_loglik(theta, d: dict, deriv: bool = False):
    """Log-likelihood of each customer of the Pareto/NBD with time-varying covariates (module docstring)
    and, with ``deriv``, the gradient of the weighted total. ``d`` holds the arrays of
    :meth:`ParetoNBDTimeVarying.data`."""
    kp = d["kp"]
    r, al, s, be = (float(v) for v in theta[:4])
    gp, gd = np.asarray(theta[4:4 + kp], dtype=float), np.asarray(theta[4 + kp:], dtype=float)
    n, x, cust, length, after = d["n"], d["x"], d["cust"], d["length"], d["after"]
    a, c = np.exp(d["X"] @ gp), np.exp(d["Z"] @ gd)
    aL, cL = a * length, c * length
    BT = np.bincount(cust, aL, n)
    DT = np.bincount(cust, cL, n)
    rx = r + x
    lAB, lBD = np.log(al + BT), np.log(be + DT)
    logA = -rx * lAB - s * lBD
    k = after
    ik = cust[k]
    logI, dI = piece_integrals(rx[ik], s, al + cumsum_before(aL, cust, n)[k], be + cumsum_before(cL, cust, n)[k],
                               a[k], c[k], length[k], deriv)
    M = logA.copy()
    np.maximum.at(M, ik, logI)
    lse = M + np.log(np.exp(logA - M) + np.bincount(ik, np.exp(logI - M[ik]), n))
    ll = d["SX"] @ gp + special.gammaln(rx) - special.gammaln(r) + r * np.log(al) + s * np.log(be) + lse
    if not deriv:
        return ll, None
    w = d["w"]
    wA = np.exp(logA - lse)
    wk = np.exp(logI - lse[ik])
    g_r = special.digamma(rx) - special.digamma(r) + np.log(al) - wA * lAB + np.bincount(ik, wk * dI[0], n)
    g_s = np.log(be) - wA * lBD + np.bincount(ik, wk * dI[1], n)
    g_al = r / al - wA * rx / (al + BT) + np.bincount(ik, wk * dI[2], n)
    g_be = s / be - wA * s / (be + DT) + np.bincount(ik, wk * dI[3], n)
    uP = np.zeros(cust.size)
    uP[k] = wk * dI[2]
    h = aL * ((-wA * rx / (al + BT))[cust] + sum_after(uP, cust, n))
    h[k] += wk * dI[4]
    uQ = np.zeros(cust.size)
    uQ[k] = wk * dI[3]
    e = cL * ((-wA * s / (be + DT))[cust] + sum_after(uQ, cust, n))
    e[k] += wk * dI[5]
    wc = w[cust]
    grad = np.concatenate([[w @ g_r, w @ g_al, w @ g_s, w @ g_be], w @ d["SX"] + d["X"].T @ (wc * h),
                           d["Z"].T @ (wc * e)])
    return ll, grad


def bg_tv_loglik(theta, d: dict, deriv: bool = False):
    """Log-likelihood of each customer of the BG/NBD with time-varying covariates (module docstring) and,
    with ``deriv``, the gradient of the weighted total."""
    kp = d["kp"]
    r, al, a, b = (float(v) for v in theta[:4])
    gp, gd = np.asarray(theta[4:4 + kp], dtype=float), np.asarray(theta[4 + kp:], dtype=float)
    n, x, cust, length, after = d["n"], d["x"], d["cust"], d["length"], d["after"]
    la = d["X"] @ gp
    aL = np.exp(la) * length
    BT = np.bincount(cust, aL, n)
    Btx = np.bincount(cust[~after], aL[~after], n)
    cq = np.exp(d["Zq"] @ gd)
    last = d["last_repeat"]
    rc = d["repeat_customer"]
    Sx = np.bincount(rc, cq, n)
    not_last = np.ones(cq.size, dtype=bool)
    not_last[last[last >= 0]] = False
    S1 = np.bincount(rc[not_last], cq[not_last], n)
    rx = r + x
    lab = special.betaln(a, b)
    y2, y1 = b + Sx, b + S1
    has = x > 0
    lB2 = special.betaln(a, y2)
    T1 = lB2 - lab - rx * np.log(al + BT)
    lB1 = special.betaln(a, y1)
    rho = np.where(has, np.exp(lB2 - lB1), 0.0)
    with np.errstate(divide="ignore"):
        T2 = np.where(has, lB1 + np.log1p(-rho) - lab - rx * np.log(al + Btx), -np.inf)
    lse = np.logaddexp(T1, T2)
    ll = d["SX"] @ gp + special.gammaln(rx) - special.gammaln(r) + r * np.log(al) + lse
    if not deriv:
        return ll, None
    w = d["w"]
    w1 = np.exp(T1 - lse)
    w2 = np.where(has, np.exp(T2 - lse), 0.0)
    psi = special.digamma
    pa, pab = psi(a), psi(a + b)
    dl2a, dl1a = pa - psi(a + y2), pa - psi(a + y1)
    dl2y, dl1y = psi(y2) - psi(a + y2), psi(y1) - psi(a + y1)
    q = np.where(has, 1.0 / (1.0 - rho), 0.0)
    g_r = psi(rx) - psi(r) + np.log(al) - w1 * np.log(al + BT) - w2 * np.log(al + Btx)
    g_al = r / al - w1 * rx / (al + BT) - w2 * rx / (al + Btx)
    g_a = w1 * (dl2a - pa + pab) + w2 * ((dl1a - rho * dl2a) * q - pa + pab)
    g_b = w1 * (dl2y - psi(b) + pab) + w2 * ((dl1y - rho * dl2y) * q - psi(b) + pab)
    h = aL * ((-w1 * rx / (al + BT))[cust] + np.where(after, 0.0, (-w2 * rx / (al + Btx))[cust]))
    A1, A2 = dl1y * q, -rho * dl2y * q
    coef = cq * (w1 * dl2y + w2 * A2)[rc] + cq * np.where(not_last, (w2 * A1)[rc], 0.0)
    wc = w[cust]
    grad = np.concatenate([[w @ g_r, w @ g_al, w @ g_a, w @ g_b], w @ d["SX"] + d["X"].T @ (wc * h),
                           d["Zq"].T @ (w[rc] * coef)])
    return ll, grad


# ------------------------------------------------------------------------------------------ the models
class _TimeVaryingModel:
    """Shared part of the two time-varying models: data, parameter layout, fit, evaluation."""

    model_name = "model"
    base_names: list[str] = []
    base_cls = ParetoNBD

    def __init__(self, panel: TimeVaryingPanel, purchase=None, dropout=None, weights=None):
        if not isinstance(panel, TimeVaryingPanel):
            raise ParameterError(f"{self.model_name}: panel must be a TimeVaryingPanel (btyd.time_varying_panel), "
                                 f"got {type(panel).__name__}")
        self.panel = panel
        self.purchase_pos = panel.column_positions(purchase, f"{self.model_name}: purchase")
        self.dropout_pos = panel.column_positions(dropout, f"{self.model_name}: dropout")
        self.purchase_columns = [panel.columns[j] for j in self.purchase_pos]
        self.dropout_columns = [panel.columns[j] for j in self.dropout_pos]
        if not self.purchase_columns and not self.dropout_columns:
            raise ParameterError(f"{self.model_name}: give purchase and/or dropout covariates (without covariates use "
                                 f"btyd.{self.base_cls.__name__})")
        n = len(panel.customers)
        if weights is None:
            self.weights = None
        else:
            w = np.asarray(weights, dtype=float).ravel()
            if w.size != n or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
                raise DataError(f"{self.model_name}: weights must be finite, >= 0, not all 0, one per customer ({n})")
            self.weights = w
        self.nobs = float(n if self.weights is None else self.weights.sum())
        self.frequency, self.recency, self.T = panel.frequency, panel.recency, panel.T
        self.index = panel.customers
        self.time_unit = panel.time_unit
        self._data = None
        self._check_identified()

    @property
    def param_names(self) -> list[str]:
        return (list(self.base_names) + [f"purchase:{c}" for c in self.purchase_columns]
                + [f"dropout:{c}" for c in self.dropout_columns])

    @property
    def positive(self) -> np.ndarray:
        return np.arange(len(self.param_names)) < 4

    def _check_identified(self):
        P = self.panel.calibration_pieces()
        w = P.length
        for kind, pos in (("purchase", self.purchase_pos), ("dropout", self.dropout_pos)):
            if not pos:
                continue
            X = P.X[:, pos]
            cols = [self.panel.columns[j] for j in pos]
            const = [c for c, j in zip(cols, range(X.shape[1])) if np.ptp(X[:, j]) == 0]
            if const:
                raise DataError(f"{self.model_name}: {kind} covariate(s) {const} do not change over the customers' "
                                "calibration spans, so their effect cannot be told apart from the base parameters")
            Xc = (X - np.average(X, axis=0, weights=w)) * np.sqrt(w)[:, None]
            if np.linalg.matrix_rank(np.column_stack([np.sqrt(w), Xc])) < X.shape[1] + 1:
                raise DataError(f"{self.model_name}: the {kind} covariates {cols} are collinear over the calibration "
                                "(one is a combination of the others and the constant); drop one")

    def data(self) -> dict:
        """The arrays of the likelihood: customers, calibration pieces, covariates at repeat purchases."""
        if self._data is None:
            p = self.panel
            P = p.calibration_pieces()
            n = len(p.customers)
            R = p.repeat_rows()
            rc = p.repeat_customer
            last = np.full(n, -1, dtype=np.int64)
            if rc.size:
                ends = np.r_[np.flatnonzero(rc[1:] != rc[:-1]), rc.size - 1]
                last[rc[ends]] = ends
            SX = np.zeros((n, len(self.purchase_pos)))
            for j, col in enumerate(self.purchase_pos):
                SX[:, j] = np.bincount(rc, R[:, col], n)
            self._data = dict(n=n, x=p.frequency, cust=P.customer, length=P.length, after=P.after,
                              X=P.X[:, self.purchase_pos], Z=P.X[:, self.dropout_pos], kp=len(self.purchase_pos),
                              SX=SX, Zq=R[:, self.dropout_pos], repeat_customer=rc, last_repeat=last,
                              w=np.ones(n) if self.weights is None else self.weights)
        return self._data

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer at ``params``."""
        return self._rows(np.asarray(params, dtype=float), self.data(), False)[0]

    def loglike(self, params) -> float:
        """Total (weighted) log-likelihood at ``params``."""
        return float(self.data()["w"] @ self.loglike_obs(params))

    def _objective(self, theta, order):
        d = self.data()
        with np.errstate(all="ignore"):
            ll, g = self._rows(np.asarray(theta, dtype=float), d, order >= 1)
        f = -float(d["w"] @ ll)
        if order == 0:
            return f if np.isfinite(f) else np.inf
        return f, -g

    def start_params(self) -> np.ndarray:
        """The model without covariates, fitted to the same customers, and coefficients 0."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = self.base_cls(self.frequency, self.recency, self.T, weights=self.weights).fit()
        return np.r_[base.params.to_numpy(dtype=float), np.zeros(len(self.param_names) - 4)]

    def fit(self, start_params=None, maxiter: int = 200, penalty=None):
        """Maximum likelihood: Newton steps on the log base parameters and the raw coefficients
        (:func:`relmkt_utils.core.optimize.newton_fit`), analytic gradient, Hessian by its differences; with
        ``penalty`` CLVTools' ridge term (``reg.lambdas``, :mod:`relmkt_utils.core.penalty`).

        Parameters
        ----------
        start_params : array-like, optional
            start values (default: the model without covariates, coefficients 0).
        maxiter : int
            iterations of Newton's method.
        penalty : float or dict, optional
            one lambda for every coefficient or one per process (``{"purchase": 3, "dropout": 8}``).
        """
        if not np.any(self.frequency > 0):
            raise DataError(f"{self.model_name}: no customer has a repeat purchase; the model needs repeat buyers")
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        return fit_with_penalty(self._objective, x0, self.param_names, penalty, nobs=self.nobs, positive=self.positive,
                                results_cls=self.results_cls, model=self, model_name=self.model_name,
                                analytic_hessian=False, maxiter=maxiter)

    def results_at(self, params):
        """Results at given parameters, without fitting (covariance NaN, ``converged`` False)."""
        p = np.asarray(params, dtype=float)
        names = self.param_names
        return self.results_cls(model=self, params=pd.Series(p, index=names, name="params"),
                                cov_params_log=pd.DataFrame(np.nan, index=names, columns=names),
                                llf=self.loglike(p), nobs=self.nobs, converged=False, model_name=self.model_name,
                                warnings=["evaluated at given parameters, not fitted"], positive=self.positive)

    def with_weights(self, weights):
        """The same model with other customer weights (0 leaves a customer out: cross-validation, bootstrap)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        w = np.asarray(weights, dtype=float).ravel()
        new.weights = w
        new.nobs = float(w.sum())
        new._data = None
        return new


class ParetoNBDTimeVarying(_TimeVaryingModel, Registered, key="pnbd_timevarying",
                           name="Pareto/NBD with time-varying covariates", data="timevarying", chooser=False, rank=12):
    r"""Pareto/NBD with time-varying covariates (Bachmann, Meierer & Naef 2021; module docstring).

    Parameters
    ----------
    panel : TimeVaryingPanel
        customers and covariates (:func:`~relmkt_utils.btyd.time_varying_panel`).
    purchase : list of str, optional
        covariates of the purchase rate, :math:`a(t) = e^{\gamma_P^\top x(t)}` (``purchase:<column>``);
        default every column of the panel (CLVTools' ``~ .|.``).
    dropout : list of str, optional
        covariates of the dropout rate, :math:`c(t) = e^{\gamma_L^\top z(t)}` (``dropout:<column>``); a
        positive coefficient shortens lifetimes. Default every column.
    weights : array-like, optional
        customers each row stands for (0 leaves a customer out).
    """

    model_name = "Pareto/NBD with time-varying covariates"
    base_names = ["r", "alpha", "s", "beta"]
    base_cls = ParetoNBD

    @property
    def results_cls(self):
        return ParetoNBDTimeVaryingResults

    @staticmethod
    def _rows(theta, d, deriv):
        return pnbd_tv_loglik(theta, d, deriv)


class BetaGeoTimeVarying(_TimeVaryingModel, Registered, key="bgnbd_timevarying",
                         name="BG/NBD with time-varying covariates", data="timevarying", chooser=False, rank=13):
    r"""BG/NBD with time-varying covariates (module docstring): purchase covariates as the Pareto/NBD's,
    dropout covariates as a proportional hazard at each repeat purchase,
    :math:`P(\text{drop} \mid p) = 1-(1-p)^{c(t_j)}`.

    Parameters
    ----------
    panel : TimeVaryingPanel
        customers and covariates (:func:`~relmkt_utils.btyd.time_varying_panel`).
    purchase : list of str, optional
        covariates of the purchase rate (``purchase:<column>``); default every column.
    dropout : list of str, optional
        covariates of the dropout hazard at a purchase (``dropout:<column>``; positive: more dropout);
        default every column.
    weights : array-like, optional
        customers each row stands for.
    """

    model_name = "BG/NBD with time-varying covariates"
    base_names = ["r", "alpha", "a", "b"]
    base_cls = BetaGeo

    @property
    def results_cls(self):
        return BetaGeoTimeVaryingResults

    @staticmethod
    def _rows(theta, d, deriv):
        return bg_tv_loglik(theta, d, deriv)


# ------------------------------------------------------------------------------------------ predictions
def _beta_nodes(a: float, b: np.ndarray, n_nodes: int = 40):
    """Gauss-Jacobi nodes and normalized weights of Beta(a, b_i) for each b_i (rows)."""
    ub, inv = np.unique(np.round(np.asarray(b, dtype=float), 12), return_inverse=True)
    nodes = np.empty((ub.size, n_nodes))
    weights = np.empty((ub.size, n_nodes))
    for j, bj in enumerate(ub):
        u, wj = special.roots_jacobi(n_nodes, bj - 1.0, a - 1.0)
        nodes[j] = (1.0 + u) / 2.0
        weights[j] = wj / wj.sum()
    return nodes[inv], weights[inv]


class _TimeVaryingResults(SavableResults, MLEResults):
    """Predictions of a fitted time-varying model; ``panel`` defaults to the fitted one (give another, e.g.
    :meth:`~relmkt_utils.btyd.TimeVaryingPanel.with_covariates`, for a scenario or after loading)."""

    model_label = "model"

    @property
    def settings(self) -> dict:
        """What a saved copy needs besides the parameters: the covariate columns, the time unit and which
        parameters are positive."""
        m = self.model
        if m is None:
            return dict(getattr(self, "_settings", {}))
        return {"purchase_columns": list(m.purchase_columns), "dropout_columns": list(m.dropout_columns),
                "time_unit": m.time_unit.name, "positive": [bool(v) for v in self._positive]}

    @settings.setter
    def settings(self, value):
        self._settings = dict(value)

    @property
    def time_unit(self):
        if self.model is not None:
            return self.model.time_unit
        return as_time_unit(self.settings.get("time_unit", "week"))

    def _model_on(self, panel):
        """A model of this class on ``panel`` (the fitted one when None) with the fitted columns."""
        if panel is None:
            if self.model is None:
                raise ValueError(f"{self.model_label}: these results carry no panel (loaded); pass panel=")
            return self.model
        cols = self.model if self.model is not None else None
        purchase = cols.purchase_columns if cols is not None else self.settings["purchase_columns"]
        dropout = cols.dropout_columns if cols is not None else self.settings["dropout_columns"]
        m = object.__new__(self._model_cls)
        m.panel = panel
        m.purchase_pos = panel.column_positions(purchase, f"{self.model_label}: purchase")
        m.dropout_pos = panel.column_positions(dropout, f"{self.model_label}: dropout")
        m.purchase_columns, m.dropout_columns = list(purchase), list(dropout)
        m.weights, m.nobs = None, float(len(panel.customers))
        m.frequency, m.recency, m.T, m.index = panel.frequency, panel.recency, panel.T, panel.customers
        m.time_unit, m._data = panel.time_unit, None
        return m

    def _wrap(self, values, m):
        return pd.Series(values, index=m.index) if m.index is not None else values

    def p_alive(self, panel=None, params=None) -> pd.Series:
        """P(alive) of each customer at the calibration end.

        Parameters
        ----------
        panel : TimeVaryingPanel, optional
            customers and covariates; default the fitted ones.
        params : array-like, optional
            parameters in the order of ``params``; default the estimates.
        """
        m = self._model_on(panel)
        return self._wrap(self._alive(self._params_or(params), m), m)

    def expected_purchases(self, t, panel=None, params=None) -> pd.Series:
        """Conditional expected purchases of each customer in the ``t`` periods after the calibration end,
        along the covariate path of ``panel`` (module docstring).

        Parameters
        ----------
        t : float
            horizon in periods of the model's time unit.
        panel : TimeVaryingPanel, optional
            customers and covariates including the future periods; default the fitted panel.
        params : array-like, optional
            parameters; default the estimates.
        """
        m = self._model_on(panel)
        cum = self._cumulative(self._params_or(params), m, np.array([float(t)]))
        return self._wrap(cum[:, 0], m)

    def cumulative_expected_purchases(self, horizons, panel=None, params=None) -> pd.DataFrame:
        """Conditional expected purchases after the calibration end at each horizon (one column each).

        Parameters
        ----------
        horizons : array-like
            increasing horizons in periods.
        panel : TimeVaryingPanel, optional
            customers and covariates; default the fitted panel.
        params : array-like, optional
            parameters; default the estimates.
        """
        h = np.asarray(horizons, dtype=float).ravel()
        if h.size == 0 or np.any(np.diff(h) <= 0) or h[0] < 0:
            raise ParameterError(f"{self.model_label}: horizons must be increasing numbers >= 0")
        m = self._model_on(panel)
        cum = self._cumulative(self._params_or(params), m, h)
        return pd.DataFrame(cum, index=m.index, columns=h)

    def clv(self, spend, margin: float = 1.0, annual_discount_rate: float = 0.10, horizon_months: float = 12,
            panel=None, monetary_value=None, params=None) -> pd.Series:
        """Discounted CLV over ``horizon_months`` along the covariate path (the suite's convention,
        :func:`relmkt_utils.btyd.base.discounted_sum`; the time unit is the panel's).

        Parameters
        ----------
        spend : GammaGamma results or float or array-like
            expected spend per purchase (a fitted Gamma-Gamma gives each customer's conditional expectation).
        margin : float
            margin on spend.
        annual_discount_rate : float
            discount rate per year.
        horizon_months : float
            horizon in months.
        panel : TimeVaryingPanel, optional
            customers and covariates through the horizon; default the fitted panel.
        monetary_value : array-like, optional
            each customer's mean spend per repeat purchase (for a Gamma-Gamma ``spend``).
        params : array-like, optional
            parameters; default the estimates.
        """
        m = self._model_on(panel)
        unit = m.time_unit
        horizon = unit.whole_periods(months=horizon_months)
        rate = unit.rate_per_period(annual_discount_rate)
        theta = self._params_or(params)
        cum = self._cumulative(theta, m, np.arange(1, horizon + 1, dtype=float))
        x = m.frequency
        s = spend_per_purchase(spend, x, monetary_value)
        return self._wrap(discounted_sum(cum, s, margin, rate), m)

    def expected_purchases_new_customer(self, t, start, static=None, panel=None, params=None) -> float:
        """Expected purchases in the first ``t`` periods of a customer acquired at ``start``, along the
        panel's (common) covariate path.

        Parameters
        ----------
        t : float
            periods after acquisition.
        start : float or date-like
            acquisition time (model time) or date (for a panel built from dates).
        static : dict or Series, optional
            the customer's static covariates (every static column of the panel).
        panel : TimeVaryingPanel, optional
            the covariate path; default the fitted panel (its time-varying covariates must be the same for
            every customer).
        params : array-like, optional
            parameters; default the estimates.
        """
        m = self._model_on(panel)
        p = m.panel
        if p.varying.ndim == 3:
            raise DataError(f"{self.model_label}: the panel's time-varying covariates differ by customer; build a panel "
                            "whose covariate table has no customer_id column for a new customer's path")
        if isinstance(start, (int, float, np.integer, np.floating)):
            t0 = float(start)
        else:
            if p.origin is None:
                raise ParameterError(f"{self.model_label}: start must be a time for a panel built from times")
            from ..core.purchases import day_numbers
            t0 = (float(day_numbers([start])[0]) - p.origin) / p.time_unit.days
        srow = np.zeros((1, len(p.static_columns)))
        if p.static_columns:
            if static is None:
                raise ParameterError(f"{self.model_label}: give static covariates {p.static_columns} of the new customer")
            missing = [c for c in p.static_columns if c not in static]
            if missing:
                raise ParameterError(f"{self.model_label}: static lacks {missing}")
            srow[0] = [float(static[c]) for c in p.static_columns]
        from dataclasses import replace
        one = replace(p, customers=pd.Index(["new"]), birth=np.array([t0]), last=np.array([t0]),
                      repeat_customer=np.zeros(0, dtype=np.int64), repeat_time=np.zeros(0), static=srow, _cache={})
        pieces = one.pieces(np.array([t0]), np.array([t0 + float(t)]), np.array([0]))
        return float(self._new_expected(self._params_or(params), m, pieces))

    def _pieces_ahead(self, m, horizons):
        """Pieces of each (customer, horizon interval) after the calibration end."""
        p = m.panel
        n = len(p.customers)
        H = horizons.size
        lo = p.end + np.r_[0.0, horizons[:-1]]
        hi = p.end + horizons
        LO, HI = np.tile(lo, n), np.tile(hi, n)
        owner = np.repeat(np.arange(n), H)
        return p.pieces(LO, HI, owner), n, H


class ParetoNBDTimeVaryingResults(_TimeVaryingResults):
    """Fitted Pareto/NBD with time-varying covariates: P(alive), expected purchases along a covariate path,
    CLV, new-customer expectation (module docstring)."""

    model_label = "Pareto/NBD with time-varying covariates"
    _model_cls = ParetoNBDTimeVarying

    def _state(self, theta, m):
        d = m.data()
        kp = d["kp"]
        r, al, s, be = theta[:4]
        gp, gd = theta[4:4 + kp], theta[4 + kp:]
        a, c = np.exp(d["X"] @ gp), np.exp(d["Z"] @ gd)
        BT = np.bincount(d["cust"], a * d["length"], d["n"])
        DT = np.bincount(d["cust"], c * d["length"], d["n"])
        return d, r, al, s, be, gp, gd, BT, DT

    def _alive(self, theta, m):
        d, r, al, s, be, gp, gd, BT, DT = self._state(theta, m)
        ll = pnbd_tv_loglik(theta, d, False)[0]
        const = d["SX"] @ gp + special.gammaln(r + d["x"]) - special.gammaln(r) + r * np.log(al) + s * np.log(be)
        logA = -(r + d["x"]) * np.log(al + BT) - s * np.log(be + DT)
        return np.exp(logA - (ll - const))

    def _cumulative(self, theta, m, horizons):
        d, r, al, s, be, gp, gd, BT, DT = self._state(theta, m)
        alive = self._alive(theta, m)
        P, n, H = self._pieces_ahead(m, horizons)
        X, Z = P.X[:, m.purchase_pos], P.X[:, m.dropout_pos]
        a, c = np.exp(X @ gp), np.exp(Z @ gd)
        Ds = cumsum_before(c * P.length, P.customer, n)
        bb = be + DT[P.customer] + Ds
        contrib = a * np.exp(s * (np.log(be + DT[P.customer]) - np.log(bb))) * bb / c * _expm1_ratio(s, c * P.length / bb)
        per = np.bincount(P.span, contrib, n * H).reshape(n, H)
        return (alive * (r + d["x"]) / (al + BT))[:, None] * np.cumsum(per, axis=1)

    def _new_expected(self, theta, m, pieces):
        kp = len(m.purchase_pos)
        r, al, s, be = theta[:4]
        gp, gd = theta[4:4 + kp], theta[4 + kp:]
        a = np.exp(pieces.X[:, m.purchase_pos] @ gp)
        c = np.exp(pieces.X[:, m.dropout_pos] @ gd)
        Ds = cumsum_before(c * pieces.length, pieces.customer, 1)
        bb = be + Ds
        contrib = a * np.exp(s * (np.log(be) - np.log(bb))) * bb / c * _expm1_ratio(s, c * pieces.length / bb)
        return r / al * contrib.sum()


class BetaGeoTimeVaryingResults(_TimeVaryingResults):
    """Fitted BG/NBD with time-varying covariates: P(alive), expected purchases along a covariate path (Gauss-
    Jacobi over the dropout probability), CLV, new-customer expectation (module docstring)."""

    model_label = "BG/NBD with time-varying covariates"
    _model_cls = BetaGeoTimeVarying
    n_nodes = 40

    def _terms(self, theta, m):
        d = m.data()
        kp = d["kp"]
        r, al, a, b = theta[:4]
        gp, gd = theta[4:4 + kp], theta[4 + kp:]
        ll = bg_tv_loglik(theta, d, False)[0]
        aL = np.exp(d["X"] @ gp) * d["length"]
        BT = np.bincount(d["cust"], aL, d["n"])
        Sx = np.bincount(d["repeat_customer"], np.exp(d["Zq"] @ gd), d["n"])
        T1 = special.betaln(a, b + Sx) - special.betaln(a, b) - (r + d["x"]) * np.log(al + BT)
        const = d["SX"] @ gp + special.gammaln(r + d["x"]) - special.gammaln(r) + r * np.log(al)
        return d, np.exp(T1 - (ll - const)), BT, Sx

    def _alive(self, theta, m):
        return self._terms(theta, m)[1]

    def _path_sum(self, theta, m, P, rr, aa, bb, n_groups):
        r"""Expected purchases per span given alive at its customer's first span:
        :math:`E_p \sum_k (\alpha'/(\alpha'+H_k))^{r'}[1-(1+a_k q_k \ell_k/(\alpha'+H_k))^{-r'}]/q_k` with
        :math:`q_k = 1-(1-p)^{c_k}`, :math:`p \sim \mathrm{Beta}(a, b')` (Gauss-Jacobi), rr, aa, bb = r', alpha', b'
        per customer."""
        kp = len(m.purchase_pos)
        gp, gd = theta[4:4 + kp], theta[4 + kp:]
        a_k = np.exp(P.X[:, m.purchase_pos] @ gp)
        c_k = np.exp(P.X[:, m.dropout_pos] @ gd)
        nodes, weights = _beta_nodes(theta[2], bb, self.n_nodes)
        pn, pw = nodes[P.customer], weights[P.customer]
        q = -np.expm1(c_k[:, None] * np.log1p(-pn))                  # pieces x nodes
        inc = a_k[:, None] * q * P.length[:, None]
        Hs = np.empty_like(inc)
        for j in range(inc.shape[1]):
            Hs[:, j] = cumsum_before(inc[:, j], P.customer, len(rr))
        ap = aa[P.customer][:, None]
        r_ = rr[P.customer][:, None]
        lead = np.exp(-r_ * np.log1p(Hs / ap))
        frac = -np.expm1(-r_ * np.log1p(inc / (ap + Hs)))
        contrib = (lead * frac / q * pw).sum(axis=1)
        return np.bincount(P.span, contrib, n_groups)

    def _cumulative(self, theta, m, horizons):
        d, alive, BT, Sx = self._terms(theta, m)
        r, al, a, b = theta[:4]
        P, n, H = self._pieces_ahead(m, horizons)
        per = self._path_sum(theta, m, P, r + d["x"], al + BT, b + Sx, n * H).reshape(n, H)
        return alive[:, None] * np.cumsum(per, axis=1)

    def _new_expected(self, theta, m, pieces):
        r, al, a, b = theta[:4]
        return self._path_sum(theta, m, pieces, np.array([r]), np.array([al]), np.array([b]), 1)[0]


# ------------------------------------------------------------------------------------------ simulation
def _invert(piece_start, piece_len, slope, group, targets, target_group, n):
    """Times at which the per-group cumulative exposure (pieces sorted by group) reaches ``targets``."""
    incr = slope * piece_len
    gcum = np.cumsum(incr)
    offset = np.r_[0.0, gcum][np.searchsorted(group, np.arange(n))]
    pos = np.searchsorted(gcum, targets + offset[target_group], side="right")
    pos = np.minimum(pos, np.searchsorted(group, target_group, side="right") - 1)
    before = gcum[pos] - incr[pos] - offset[target_group]
    return piece_start[pos] + (targets - before) / slope[pos]


@checked(end=number(), seed=SEED)
def simulate_time_varying(model: str, params: dict, births, end: float, boundaries, varying=None, static=None,
                          columns=None, horizon_end: float | None = None, seed: int = 0):
    """Customers of a Pareto/NBD (``model="pnbd"``) or BG/NBD (``"bgnbd"``) world with time-varying
    covariates, as purchase times (model time) through ``horizon_end`` (default ``end``).

    Parameters
    ----------
    model : str
        ``"pnbd"`` or ``"bgnbd"``.
    params : dict
        ``r, alpha, s, beta`` (or ``r, alpha, a, b``) and coefficients ``purchase:<column>``,
        ``dropout:<column>`` (missing coefficients are 0).
    births : array-like
        each customer's first purchase (model time).
    end : float
        calibration end.
    boundaries : array-like
        period starts followed by the end of the last period.
    varying : DataFrame or array, optional
        time-varying covariates per period (or customers x periods x columns).
    static : DataFrame, optional
        static covariates, one row per customer in the order of ``births`` (its index gives the ids).
    columns : list of str, optional
        names of the columns of an array ``varying``.
    horizon_end : float, optional
        simulate to this time (a holdout after ``end``); default ``end``.
    seed : int
        seed of the random draws.

    Returns
    -------
    (purchases, truth): purchases with ``customer_id`` and ``time`` (the first is the birth), and one row
    per customer with the latent ``lambda``, ``mu`` or ``p`` and the dropout time (inf if alive at the end).
    """
    if model not in ("pnbd", "bgnbd"):
        raise ParameterError(f"simulate_time_varying: model must be 'pnbd' or 'bgnbd', got {model!r}")
    births = np.asarray(births, dtype=float)
    n = births.size
    ids = static.index if isinstance(static, pd.DataFrame) else pd.RangeIndex(n)
    stop = float(end if horizon_end is None else horizon_end)
    # a panel whose calibration is the whole simulated span, to read covariates
    shell = TimeVaryingPanel._assemble(pd.Index(ids, name="customer_id"), np.arange(n), births, stop, boundaries,
                                       varying, static, as_time_unit("week"), None, columns)
    cols = shell.columns
    unknown = set(params) - set(["r", "alpha", "s", "beta", "a", "b"]) - {f"purchase:{c}" for c in cols} \
        - {f"dropout:{c}" for c in cols}
    if unknown:
        raise ParameterError(f"simulate_time_varying: unknown parameter(s) {sorted(unknown)}; covariates are {cols}")
    gp = np.array([params.get(f"purchase:{c}", 0.0) for c in cols])
    gd = np.array([params.get(f"dropout:{c}", 0.0) for c in cols])
    rng = np.random.default_rng(seed)
    P = shell.pieces(births, np.full(n, stop), np.arange(n), check=False, merge=False)
    a, c = np.exp(P.X @ gp), np.exp(P.X @ gd)
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    BH = np.bincount(P.customer, a * P.length, n)
    if model == "pnbd":
        mu = rng.gamma(params["s"], 1.0 / params["beta"], n)
        DH = np.bincount(P.customer, c * P.length, n)
        E = rng.exponential(size=n)
        dies = mu * DH > E
        death = np.full(n, np.inf)
        if dies.any():
            who = np.flatnonzero(dies)
            death[who] = _invert(P.start, P.length, c, P.customer, E[who] / mu[who], who, n)
        # purchases: Poisson process in the B-scale up to B(horizon)
        Bh = np.where(np.isfinite(death), 0.0, BH)
        if dies.any():
            who = np.flatnonzero(dies)
            # B at the death time: integrate a over pieces up to death
            cs = cumsum_before(a * P.length, P.customer, n)
            inside = (P.start <= death[P.customer]) & (death[P.customer] < P.start + P.length)
            Bh[P.customer[inside]] = cs[inside] + a[inside] * (death[P.customer[inside]] - P.start[inside])
        count = rng.poisson(lam * Bh)
        owner = np.repeat(np.arange(n), count)
        target = rng.uniform(size=owner.size) * Bh[owner]
        times = _invert(P.start, P.length, a, P.customer, target, owner, n)
        truth = pd.DataFrame({"lambda": lam, "mu": mu, "dropout": death}, index=ids)
    else:
        p = rng.beta(params["a"], params["b"], n)
        count = rng.poisson(lam * BH)
        owner = np.repeat(np.arange(n), count)
        target = rng.uniform(size=owner.size) * BH[owner]
        order = np.lexsort((target, owner))
        owner, target = owner[order], target[order]
        times = _invert(P.start, P.length, a, P.customer, target, owner, n)
        per = shell.period_of(times)
        cq = np.exp(shell.values(owner, np.clip(per, 0, shell.boundaries.size - 2)) @ gd)
        drop = rng.uniform(size=owner.size) < -np.expm1(cq * np.log1p(-p[owner]))
        dead_before = cumsum_before(drop.astype(float), owner, n) > 0
        keep = ~dead_before
        death = np.full(n, np.inf)
        dd = drop & keep
        death[owner[dd]] = times[dd]
        owner, times = owner[keep], times[keep]
        truth = pd.DataFrame({"lambda": lam, "p": p, "dropout": death}, index=ids)
    purchases = pd.DataFrame({"customer_id": np.r_[np.asarray(ids), np.asarray(ids)[owner]],
                              "time": np.r_[births, times]})
    purchases = purchases.sort_values(["customer_id", "time"], kind="stable").reset_index(drop=True)
    return purchases, truth
