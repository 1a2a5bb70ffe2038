r"""BG/CNBD-k and MBG/CNBD-k: the BG/NBD and MBG/NBD with Erlang-k inter-purchase times (regular buyers).

Platzer, M. (2008). *Stochastic models of noncontractual consumer relationships*. Master's thesis, WU
Vienna; Reutterer, T., Platzer, M. & Schröder, N. (2021). Leveraging purchase regularity for
predicting customer behavior the easy way. *International Journal of Research in Marketing* 38(1),
194-215; implemented in BTYDplus (Platzer & Reutterer) as ``bgcnbd.*`` and ``mbgcnbd.*``.

While alive a customer's inter-purchase times are Erlang-k with rate :math:`\lambda` (mean :math:`k/\lambda`),
:math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`, i.e. she buys at every k-th event of a Poisson process
of rate :math:`\lambda`; k = 1 is the Poisson purchasing of the BG/NBD, k > 1 makes the timing regular.
After each repeat purchase (BG/CNBD-k) or after every purchase including the first (MBG/CNBD-k,
:math:`\delta = 1`) she drops out for good with probability :math:`p \sim \mathrm{Beta}(a, b)`.
For a customer with :math:`x` repeat purchases, the last at :math:`t_x`, observed for :math:`T`, and
:math:`\ell = \sum \log(\text{inter-purchase times})` (``litt``) the likelihood is (BTYDplus ``xbgcnbd.LL``)

.. math::

    L = \frac{e^{(k-1)\ell}}{((k-1)!)^x}\,\frac{B(a, b+x+\delta)}{B(a,b)}\,
        \frac{\Gamma(r+kx)\,\alpha^r}{\Gamma(r)\,(\alpha+T)^{r+kx}}\,(S_1 + S_2),\qquad
    S_1 = 1\{\delta = 1 \text{ or } x>0\}\,\frac{a}{b+x-1+\delta}\Big(\frac{\alpha+T}{\alpha+t_x}\Big)^{r+kx},\quad
    S_2 = \sum_{j=0}^{k-1}\frac{(r+kx)_j}{j!}\Big(\frac{T-t_x}{\alpha+T}\Big)^j ,

:math:`(\cdot)_j` the rising factorial. :math:`S_1` is "dropped out right after the last purchase",
:math:`S_2` "alive, with :math:`j < k` events of the Poisson clock since the last purchase". It is
evaluated in log space (:math:`\log(S_1+S_2)` a log-sum-exp of k + 1 terms) with the analytic gradient;
litt only adds the constant :math:`(k-1)\ell`, so for a given k the fit groups the distinct
:math:`(x, t_x, T)`, and litt is needed only to compare the likelihoods of different k.

**Choosing k** (BTYDplus ``*.EstimateParameters(k = NULL)``): maximum likelihood for k = 1, 2, ..., 12,
stopping early once the log-likelihood has fallen twice in a row; the k with the largest
log-likelihood wins and counts as a fifth estimated parameter in the AIC.

**Predictions** (each also at given ``params``; exact, where BTYDplus approximates the conditional
expectation by a BG/NBD with rescaled :math:`\alpha` and a cohort-level bias correction):

* :math:`P(\text{alive} \mid x, t_x, T) = S_2/(S_1+S_2)` (1 for BG/CNBD-k customers with x = 0);
* given alive, the Poisson clock has run :math:`j < k` events since the last purchase with probability
  :math:`\pi_j \propto \frac{(r+kx)_j}{j!}(\frac{T-t_x}{\alpha+T})^j`, and then
  :math:`\lambda \sim \mathrm{Gamma}(r+kx+j, \alpha+T)`, :math:`p \sim \mathrm{Beta}(a, b+x+\delta)`.
  The n-th future purchase happens by :math:`T+t` when the clock makes :math:`nk-j` events, a
  negative binomial count with :math:`P(\mathrm{NB} \ge m) = I_{t/(\alpha+T+t)}(m, r+kx+j)`, and she
  lives to make it with probability :math:`B(a, b+x+\delta+n-1)/B(a, b+x+\delta)`, so

  .. math:: P(Y(t) \ge n \mid \text{alive}) = \frac{B(a, b+x+\delta+n-1)}{B(a, b+x+\delta)}
            \sum_{j<k}\pi_j\, I_{\frac{t}{\alpha+T+t}}(nk-j,\; r+kx+j),\qquad
            E[Y(t) \mid x, t_x, T] = P(\text{alive})\sum_{n\ge1} P(Y(t) \ge n \mid \text{alive});

* a new customer is the case :math:`x = t_x = T = 0`:
  :math:`E[X(t)] = \sum_{n \ge 1}\frac{B(a, b+\delta+n-1)}{B(a,b)} I_{\frac{t}{\alpha+t}}(nk, r)`, and the pmf
  :math:`P(X(t) = n) = P(X(t) \ge n) - P(X(t) \ge n+1)` with
  :math:`P(X(t) \ge n) = \frac{B(a, b+\delta+n-1)}{B(a,b)} I_{\frac{t}{\alpha+t}}(nk, r)` (the purchase
  clock and the dropout coin are independent); the conditional pmf likewise from the first bullet;
* DERT in closed form given the purchase rate, averaged over its posterior by quadrature (:meth:`dert`).

With k = 1 every formula is the BG/NBD's (δ = 0) or the MBG/NBD's (δ = 1); the tests check this.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import checked, number
from ..core.errors import DataError, ParameterError
from .base import CustomerModel, CustomerPredictionResults, as_float_array, period_of
from .distributions import bgnbd_expected_new, continuous_rate

NAMES = ["r", "alpha", "a", "b"]
#: The k tried when k is chosen by likelihood (BTYDplus tries 1..12).
K_MAX = 12
#: Terms of the sums over future purchases are added until they fall below this share of the sum.
_TOL = 1e-12


def check_litt(litt, frequency: np.ndarray, model: str) -> np.ndarray:
    """litt: finite, one per customer, 0 where frequency is 0."""
    ell = as_float_array(litt, "litt", model)
    if len(ell) != len(frequency):
        raise DataError(f"{model}: litt must hold one value per customer ({len(frequency)}), got {len(ell)}")
    if np.any(ell[frequency == 0] != 0):
        raise DataError(f"{model}: litt (the sum of log inter-purchase times) must be 0 for customers with "
                        "frequency 0")
    return ell


def check_k(k, model: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer, float)) or k != round(k) or k < 1:
        raise ParameterError(f"{model}: k must be a whole number >= 1 (the Erlang order), got {k!r}")
    return int(k)


class _CNBDModel(CustomerModel):
    """Shared part of the BG/CNBD-k (``dropout_at_zero`` False) and the MBG/CNBD-k (True).

    Parameters
    ----------
    frequency, recency, T : repeat purchases, time of the last one and length of observation since the
        first purchase (as the BG/NBD's)
    litt : sum of the logs of each customer's x inter-purchase times (0 when x = 0), in the unit of
        recency and T (:func:`relmkt_utils.btyd.regularity_summary`); needed to choose k by likelihood
        and for the log-likelihood of a given k (without it the log-likelihood lacks the constant
        :math:`(k-1)\\sum\\ell` and cannot be compared across k)
    k : the Erlang order, or None (default) to choose it by likelihood among 1..``K_MAX``
    weights : optional number of customers each row stands for
    time_unit : the unit of recency, T and litt when the data do not carry it (module :mod:`.base`); a
        summary's columns carry it (``from_summary(summary)``, with a ``litt`` column)
    """

    dropout_at_zero = False
    param_names = NAMES
    analytic_hessian = False
    summary_columns = ("frequency", "recency", "T", "litt")

    def __init__(self, frequency, recency, T, litt=None, k=None, weights=None, *, time_unit=None):
        super().__init__(frequency, recency, T, weights, time_unit=time_unit)
        self.litt = None if litt is None else check_litt(litt, self.frequency, self.model_name)
        if litt is not None:     # litt's logs of gaps are in a unit too: the one of recency and T
            self.period = period_of((frequency, recency, T, litt), time_unit, self.model_name)
        if k is None and self.litt is None:
            raise DataError(f"{self.model_name}: give k, or litt (the sum of log inter-purchase times per "
                            "customer, from regularity_summary) so that k can be chosen by likelihood")
        self.k = None if k is None else check_k(k, self.model_name)
        self._fit_k = self.k or 1

    # ------------------------------------------------------------------ likelihood
    def _litt_constant(self, k: int) -> float:
        """Sum over customers of (k-1) litt - x log((k-1)!): the part of the log-likelihood free of the parameters."""
        x = self.frequency
        ell = np.zeros_like(x) if self.litt is None else self.litt
        c = (k - 1) * ell - x * math.lgamma(k)
        return float(c.sum() if self.weights is None else c @ self.weights)

    def loglike_obs(self, params, k: int | None = None) -> np.ndarray:
        """Log-likelihood of each customer at ``params`` = (r, alpha, a, b) and Erlang order ``k`` (default:
        the model's k, or the one being fitted); without litt the (k-1) litt term is left out."""
        k = self._fit_k if k is None else check_k(k, self.model_name)
        r, al, a, b = np.asarray(params, dtype=float)
        x, tx, T = self.frequency, self.recency, self.T
        ell = np.zeros_like(x) if self.litt is None else self.litt
        lse, _ = _log_bracket((r, al, a, b), x, tx, T, k, self.dropout_at_zero, False)
        d = float(self.dropout_at_zero)
        return ((k - 1) * ell - x * math.lgamma(k) + special.betaln(a, b + x + d) - special.betaln(a, b)
                + special.gammaln(r + k * x) - special.gammaln(r) + r * np.log(al) - (r + k * x) * np.log(al + T)
                + lse)

    def loglike(self, params, k: int | None = None) -> float:
        ll = self.loglike_obs(params, k)
        return float(ll.sum() if self.weights is None else ll @ self.weights)

    def _sufficient(self, x, tx, T, w) -> dict:
        return dict(x=x, tx=tx, T=T, w=w, W=w.sum())

    def _objective_on(self, d, theta, order):
        return _objective(d, theta, order, self._fit_k, self.dropout_at_zero)

    def start_params(self) -> np.ndarray:
        """r = 1, alpha = k / (mean repeat rate), a = 1, b = 3 (alpha scales with k: the mean gap is k alpha / r)."""
        w = np.ones_like(self.T) if self.weights is None else self.weights
        rate = max((w @ self.frequency) / max(w @ self.T, 1e-12), 1e-6)
        return np.array([1.0, self._fit_k / rate, 1.0, 3.0])

    # ------------------------------------------------------------------ fit
    def fit(self, start_params=None, maxiter: int = 200, k_max: int = K_MAX):
        """Maximum likelihood (Newton on the log-parameters, analytic gradient) at the model's k, or, when
        k is None, for k = 1, 2, ... ``k_max`` (stopping once the log-likelihood has fallen twice in a
        row, as BTYDplus) keeping the best; ``results.k_loglik`` holds the log-likelihood of each k tried."""
        if self.k is not None:
            res = self._fit_at(self.k, start_params, maxiter)
            res.k_loglik = pd.Series({self.k: res.llf}, name="llf")
            return res
        fits, lls = {}, {}
        for k in range(1, int(k_max) + 1):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    fits[k] = self._fit_at(k, start_params, maxiter)
                except (ValueError, FloatingPointError):
                    break                  # BTYDplus stops the grid where a fit fails
            fits[k]._caught = caught
            lls[k] = fits[k].llf
            if k > 2 and lls[k] < lls[k - 1] < lls[k - 2]:
                break
        best = max(lls, key=lls.get)
        res = fits[best]
        for w in res._caught:
            warnings.warn(w.message, w.category, stacklevel=2)
        del res._caught
        res.settings = {"k": best, "k_selected": True}
        res.k_loglik = pd.Series(lls, name="llf").rename_axis("k")
        return res

    def _fit_at(self, k: int, start_params, maxiter):
        self._fit_k = k
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        res = super().fit(start_params=x0, maxiter=maxiter)
        res.llf = float(res.llf + self._litt_constant(k))
        res.settings = {"k": k, "k_selected": False}
        return res

    def results_at(self, params, k: int | None = None):
        """Results at given parameters and Erlang order (default: the model's k, else 1), without fitting."""
        k = (self.k or 1) if k is None else check_k(k, self.model_name)
        self._fit_k = k
        res = super().results_at(params)
        res.llf = self.loglike(params, k)
        res.settings = {"k": k, "k_selected": False}
        return res


def _log_terms(theta, x, tx, T, k: int, dropout_at_zero: bool):
    """log S1 (-inf where it is absent) and the log S2 terms j = 0..k-1 (rows x k)."""
    r, al, a, b = theta
    d = 1.0 if dropout_at_zero else 0.0
    rk = r + k * x
    la, lt = np.log(al + T), np.log(al + tx)
    has1 = (x > 0) | dropout_at_zero
    with np.errstate(divide="ignore"):
        ls1 = np.where(has1, np.log(a) - np.log(np.where(has1, b + x - 1 + d, 1.0)) + rk * (la - lt), -np.inf)
    j = np.arange(k, dtype=float)
    gap = np.maximum(T - tx, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.where(gap > 0, np.log(gap) - la, -np.inf)                       # log((T - tx)/(alpha + T))
        terms = (special.gammaln(rk[:, None] + j) - special.gammaln(rk)[:, None] - special.gammaln(j + 1)
                 + np.where(j > 0, j * lg[:, None], 0.0))
    return ls1, terms


def _log_bracket(theta, x, tx, T, k, dropout_at_zero, deriv):
    """log(S1 + S2) per row, and with ``deriv`` its gradient in (r, alpha, a, b) (4 x rows)."""
    ls1, terms = _log_terms(theta, x, tx, T, k, dropout_at_zero)
    allt = np.column_stack([ls1, terms])
    M = np.max(allt, axis=1)
    e = np.exp(allt - M[:, None])
    tot = e.sum(axis=1)
    lse = M + np.log(tot)
    if not deriv:
        return lse, None
    r, al, a, b = theta
    d = 1.0 if dropout_at_zero else 0.0
    rk = r + k * x
    wts = e / tot[:, None]
    w1, w2 = wts[:, 0], wts[:, 1:]
    j = np.arange(k, dtype=float)
    # d log term_j / dr = sum_{i<j} 1/(rk + i) = digamma(rk + j) - digamma(rk); d/dalpha = -j/(alpha + T)
    dt_r = special.digamma(rk[:, None] + j) - special.digamma(rk)[:, None]
    dt_a = -j[None, :] / (al + T)[:, None]
    with np.errstate(invalid="ignore"):
        ib = np.where(w1 > 0, 1.0 / np.where(w1 > 0, b + x - 1 + d, 1.0), 0.0)
    g = np.stack([
        w1 * (np.log(al + T) - np.log(al + tx)) + (w2 * dt_r).sum(axis=1),
        w1 * rk * (1.0 / (al + T) - 1.0 / (al + tx)) + (w2 * dt_a).sum(axis=1),
        w1 / a,
        -w1 * ib,
    ])
    return lse, g


def _objective(dd, theta, order, k, dropout_at_zero):
    """Negative log-likelihood (without the litt constant) of the grouped rows and its gradient."""
    r, al, a, b = theta
    x, tx, T, w, W = dd["x"], dd["tx"], dd["T"], dd["w"], dd["W"]
    d = 1.0 if dropout_at_zero else 0.0
    rk = r + k * x
    lse, gb = _log_bracket(theta, x, tx, T, k, dropout_at_zero, order >= 1)
    la = np.log(al + T)
    ll = w @ (special.betaln(a, b + x + d) + special.gammaln(rk) - rk * la + lse)
    ll += W * (-special.betaln(a, b) - special.gammaln(r) + r * np.log(al))
    if order == 0:
        return -ll
    dg = special.digamma
    g = gb @ w
    g[0] += w @ (dg(rk) - la) + W * (np.log(al) - dg(r))
    g[1] += -(w @ (rk / (al + T))) + W * r / al
    g[2] += w @ (dg(a + b) - dg(a + b + x + d))
    g[3] += w @ (dg(b + x + d) - dg(a + b + x + d)) + W * (dg(a + b) - dg(b))
    return -ll, -g


# ---------------------------------------------------------------------------- predictions

def _posterior(theta, x, tx, T, k, dropout_at_zero):
    """P(alive) and the phase weights pi_j (rows x k) of an alive customer."""
    ls1, terms = _log_terms(theta, x, tx, T, k, dropout_at_zero)
    M = terms.max(axis=1)
    ls2 = M + np.log(np.exp(terms - M[:, None]).sum(axis=1))
    pa = special.expit(ls2 - ls1)          # S2 / (S1 + S2); ls1 = -inf gives 1
    pi = np.exp(terms - ls2[:, None])
    return pa, pi


def _tail_alive(theta, x, T, pi, t, n, k, dropout_at_zero):
    r"""P(Y(t) >= n | alive) for rows (x, T, pi) and a column of n (rows x len(n))."""
    r, al, a, b = theta
    d = 1.0 if dropout_at_zero else 0.0
    n = np.asarray(n, dtype=float)[None, :]
    bx = (b + x + d)[:, None]
    surv = np.exp(special.betaln(a, bx + n - 1) - special.betaln(a, bx))
    z = (t / (al + T + t))[:, None]
    out = np.zeros((len(x), n.shape[1]))
    for j in range(k):
        out += pi[:, j:j + 1] * special.betainc(n * k - j, (r + k * x + j)[:, None], z)
    return surv * out


def _expected_alive(theta, x, T, pi, t, k, dropout_at_zero):
    """E[Y(t) | alive] = sum_n P(Y(t) >= n | alive), summed in blocks of n (8, 16, 32, ...) until the terms vanish.
    At k = 1 the sum has the closed form of the BG/NBD (Fader, Hardie & Lee 2005, eq. 7 at the posterior
    (r + x, alpha + T, a, b + x [+ 1 for the MBG])), which is evaluated instead."""
    t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
    if k == 1:
        r, al, a, b = theta
        d = 1.0 if dropout_at_zero else 0.0
        return np.asarray(bgnbd_expected_new(t, r + x, al + T, a, b + x + d), dtype=float)
    total = np.zeros(x.shape)
    active = t > 0
    start, size = 1, 8
    while active.any():
        n = np.arange(start, start + size, dtype=float)
        idx = np.flatnonzero(active)
        blk = _tail_alive(theta, x[idx], T[idx], pi[idx], t[idx], n, k, dropout_at_zero)
        total[idx] += blk.sum(axis=1)
        active[idx] = blk[:, -1] > _TOL * np.maximum(total[idx], 1e-300)
        start += size
        size = min(2 * size, 4096)
        if start > 10_000_000:
            raise ValueError("expected purchases: the sum over future purchases did not converge")
    return total


class _CNBDResults(CustomerPredictionResults):
    """Fitted (M)BG/CNBD-k: the predictions of the module docstring; k is ``results.k``."""

    dropout_at_zero = False
    settings: dict = {"k": 1, "k_selected": False}

    @property
    def k(self) -> int:
        """The Erlang order of the inter-purchase times."""
        return int(self.settings["k"])

    @property
    def df_model(self) -> int:
        """Parameters estimated: r, alpha, a, b, and k when it was chosen by likelihood."""
        return len(self.params) + (1 if self.settings.get("k_selected") else 0)

    def summary(self, alpha: float = 0.05):
        s = super().summary(alpha)
        how = "chosen by likelihood" if self.settings.get("k_selected") else "given"
        s.add_extra_txt([f"Erlang order k = {self.k} ({how}); k = 1 is the "
                         f"{'MBG/NBD' if self.dropout_at_zero else 'BG/NBD'}."])
        return s

    def _post(self, params, x, tx, T):
        return _posterior(self._params_or(params), x, tx, T, self.k, self.dropout_at_zero)

    def p_alive(self, frequency=None, recency=None, T=None, params=None):
        """P(alive | x, t_x, T) = S2 / (S1 + S2) (module docstring)."""
        x, tx, T_, idx = self._rft(frequency, recency, T)
        return self._per_row((x, tx, T_), idx, lambda rows: self._post(params, *rows.values)[0])

    def expected_purchases(self, t, frequency=None, recency=None, T=None, params=None):
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` periods (exact, module docstring)."""
        theta = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)

        def per_row(rows):
            ux, utx, uT = rows.values
            pa, pi = _posterior(theta, ux, utx, uT, self.k, self.dropout_at_zero)
            return pa * _expected_alive(theta, ux, uT, pi, float(t), self.k, self.dropout_at_zero)
        return self._per_row((x, tx, T_), idx, per_row)

    def expected_purchases_new_customer(self, t, params=None):
        r"""E[X(t)] = \sum_n \frac{B(a, b+\delta+n-1)}{B(a,b)} I_{t/(\alpha+t)}(nk, r) for a customer just acquired."""
        theta = self._params_or(params)
        t = np.asarray(t, dtype=float)
        ut, inv = np.unique(t.ravel(), return_inverse=True)
        z = np.zeros_like(ut)
        pa, pi = _posterior(theta, z, z, z, self.k, self.dropout_at_zero)
        out = (pa * _expected_alive(theta, z, z, pi, ut, self.k, self.dropout_at_zero))[inv]
        return float(out[0]) if t.ndim == 0 else out.reshape(t.shape)

    def pmf(self, t, n, params=None):
        """P(X(t) = n): probability of ``n`` repeat purchases in ``t`` periods for a new customer;
        numpy-broadcasting in ``t`` and ``n``."""
        theta = self._params_or(params)
        t, n = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(n, dtype=float))
        ok = (n >= 0) & (n == np.round(n))
        ns = np.where(ok, n, 0.0).ravel()
        tt = t.ravel()
        out = self._tail_new(theta, tt, ns) - self._tail_new(theta, tt, ns + 1)
        out = np.where(ok.ravel(), out, 0.0).reshape(t.shape)
        return float(out) if out.ndim == 0 else out

    def _tail_new(self, theta, t, n):
        """P(X(t) >= n) of a new customer, elementwise (1 at n = 0)."""
        r, al, a, b = theta
        d = 1.0 if self.dropout_at_zero else 0.0
        pos = n > 0
        nn = np.where(pos, n, 1.0)
        val = np.exp(special.betaln(a, b + d + nn - 1) - special.betaln(a, b)) * special.betainc(
            nn * self.k, r, t / (al + t))
        return np.where(pos, val, 1.0)

    def conditional_pmf(self, t, n, frequency=None, recency=None, T=None, params=None):
        """P(Y(t) = n | x, t_x, T), one value per customer (``t``, ``n`` scalars)."""
        theta = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)
        n = float(n)

        def per_row(rows):
            ux, utx, uT = rows.values
            pa, pi = _posterior(theta, ux, utx, uT, self.k, self.dropout_at_zero)
            tt = np.full(ux.shape, float(t))
            ge = lambda m: (np.ones(ux.shape) if m <= 0 else
                            _tail_alive(theta, ux, uT, pi, tt, [m], self.k, self.dropout_at_zero)[:, 0])
            alive_part = ge(n) - ge(n + 1) if n >= 0 and n == round(n) else np.zeros(ux.shape)
            return pa * alive_part + (1 - pa) * (n == 0)
        return self._per_row((x, tx, T_), idx, per_row)

    @checked(annual_discount_rate=number(0, low_open=True), delta=number(0, low_open=True, none=True))
    def dert(self, annual_discount_rate: float = 0.10, time_unit=None, frequency=None, recency=None, T=None,
             params=None, *, delta=None):
        r"""Discounted expected residual transactions, :math:`\int_0^\infty e^{-\delta t} dE[Y(t) \mid \cdot]` with
        :math:`\delta = \ln(1+d)/P` (:mod:`.distributions`), P from the model's time unit (that of its
        summary; ``time_unit`` for a model built without one), or ``delta`` per model period itself. Given alive in phase j with rate
        :math:`\lambda` and dropout probability p, the n-th future purchase comes after :math:`nk-j` events,
        worth :math:`\rho^{nk-j}` with :math:`\rho = \lambda/(\lambda+\delta)`, and she lives to make it with
        probability :math:`(1-p)^{n-1}`; summing over n and averaging over :math:`p \sim \mathrm{Beta}(a, b+x+\delta)`,

        .. math:: \mathrm{DERT} = P(\text{alive})\sum_{j<k}\pi_j\,E_\lambda\big[\rho^{k-j}\,
                  {}_2F_1(1, b+x+\delta; a+b+x+\delta; \rho^k)\big],\quad \lambda \sim \mathrm{Gamma}(r+kx+j, \alpha+T),

        the last expectation by the tanh-sinh rule (65 nodes) over the quantiles of :math:`\lambda`, exact to
        rounding although the integrand grows without bound in the upper tail when a < 1 (tests check it
        against adaptive quadrature)."""
        if delta is None:
            delta = continuous_rate(annual_discount_rate, self._unit(time_unit, "dert"))
        theta = self._params_or(params)
        x, tx, T_, idx = self._rft(frequency, recency, T)

        def per_row(rows):
            ux, utx, uT = rows.values
            pa, pi = _posterior(theta, ux, utx, uT, self.k, self.dropout_at_zero)
            return pa * _dert_alive(theta, ux, uT, pi, delta, self.k, self.dropout_at_zero)
        return self._per_row((x, tx, T_), idx, per_row)


#: Tanh-sinh rule on the quantiles of the posterior purchase rate (DERT): step and half-width in nodes.
_TS_STEP, _TS_HALF = 0.1, 32


def _dert_alive(theta, x, T, pi, delta, k, dropout_at_zero):
    """DERT of an alive customer (the expectation in :meth:`_CNBDResults.dert`), one value per row."""
    r, al, a, b = theta
    d = 1.0 if dropout_at_zero else 0.0
    h = np.arange(-_TS_HALF, _TS_HALF + 1) * _TS_STEP
    e = np.pi * np.sinh(h)
    u, q = special.expit(e), special.expit(-e)                 # quantile u and its upper-tail share q = 1 - u
    w = _TS_STEP * np.pi * np.cosh(h) * u * q
    bp = (b + x + d)[:, None]
    out = np.zeros(len(x))
    for j in range(k):
        shape = (r + k * x + j)[:, None]
        lam = special.gammainccinv(shape, q[None, :]) / (al + T)[:, None]
        rho = lam / (lam + delta)
        g = rho ** (k - j) * special.hyp2f1(1.0, bp, a + bp, rho ** k)
        out += pi[:, j] * (g @ w)
    return out


class BetaGeoCNBDResults(_CNBDResults):
    """Fitted BG/CNBD-k."""

    model_label = "BG/CNBD-k"
    dropout_at_zero = False


class ModifiedBetaGeoCNBDResults(_CNBDResults):
    """Fitted MBG/CNBD-k."""

    model_label = "MBG/CNBD-k"
    dropout_at_zero = True


class BetaGeoCNBD(_CNBDModel, key="bgcnbd", name="BG/CNBD-k", data="continuous", rank=8):
    """BG/CNBD-k model of (frequency, recency, T, litt); ``fit()`` returns :class:`BetaGeoCNBDResults`
    (module docstring; parameters as :class:`_CNBDModel`)."""

    dropout_at_zero = False
    results_cls = BetaGeoCNBDResults


class ModifiedBetaGeoCNBD(_CNBDModel, key="mbgcnbd", name="MBG/CNBD-k", data="continuous", rank=9):
    """MBG/CNBD-k model (dropout possible right after the first purchase too); ``fit()`` returns
    :class:`ModifiedBetaGeoCNBDResults`."""

    dropout_at_zero = True
    results_cls = ModifiedBetaGeoCNBDResults


# ---------------------------------------------------------------------------- simulation

def simulate_cnbd(n: int, k: int, r: float, alpha: float, a: float, b: float, T=52.0, dropout_at_zero: bool = False,
                  holdout: float = 0.0, seed: int = 0) -> pd.DataFrame:
    r"""Customers of a (M)BG/CNBD-k world (seeded): :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`,
    :math:`p \sim \mathrm{Beta}(a, b)`; a Poisson clock of rate :math:`\lambda` runs from the first purchase
    and every k-th of its events is a purchase; after each repeat purchase (and, with ``dropout_at_zero``,
    after the first) she drops out with probability p. The clock's events on [0, T + holdout] are drawn
    exactly (their number is Poisson, their times sorted uniforms).

    Returns a DataFrame (index ``customer_id``) with frequency, recency, T, litt (sum of the log
    inter-purchase times) of the purchases up to T, ``frequency_holdout`` (purchases in (T, T + holdout]),
    and the latent ``lambda_``, ``p``, ``alive`` (still alive at T)."""
    k = check_k(k, "simulate_cnbd")
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    if np.any(T < 0) or holdout < 0:
        raise ValueError("simulate_cnbd: T and holdout must be >= 0")
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    # J: repeat purchases she lives to make (dropping out right after the J-th); MBG: from 0 (gone at once)
    J = rng.geometric(np.clip(p, 1e-300, 1.0)) - (1 if dropout_at_zero else 0)
    span = T + holdout
    M = rng.poisson(lam * span)                                # events of the clock on [0, T + holdout]
    owner = np.repeat(np.arange(n), M)
    u = rng.random(owner.size) * span[owner]
    order = np.lexsort((u, owner))
    u = u[order]
    rank = np.arange(owner.size) - np.repeat(np.cumsum(M) - M, M) + 1    # 1-based rank within customer
    is_buy = (rank % k == 0) & (rank // k <= J[owner])
    bt, bo = u[is_buy], owner[is_buy]
    cal = bt <= T[bo]
    x = np.bincount(bo[cal], minlength=n)
    x_hold = np.bincount(bo[~cal], minlength=n)
    bt, bo = bt[cal], bo[cal]
    first_of_owner = np.r_[True, bo[1:] != bo[:-1]] if bo.size else np.zeros(0, dtype=bool)
    gaps = np.where(first_of_owner, bt, bt - np.r_[0.0, bt[:-1]])
    litt = np.bincount(bo, weights=np.log(gaps), minlength=n)
    tx = np.zeros(n)
    last = np.r_[bo[1:] != bo[:-1], True] if bo.size else np.zeros(0, dtype=bool)
    tx[bo[last]] = bt[last]
    alive = J > x                                              # she would buy again if the clock allowed
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "litt": litt,
                         "frequency_holdout": x_hold.astype(float), "lambda_": lam, "p": p, "alive": alive},
                        index=pd.RangeIndex(n, name="customer_id"))
