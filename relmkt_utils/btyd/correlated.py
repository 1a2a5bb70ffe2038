r"""Pareto/NBD with correlated purchase and dropout rates (Sarmanov's bivariate gamma; CLVTools' ``use.cor``).

Glady, N., Lemmens, A. & Croux, C. (2015). Unveiling the relationship between the transaction timing,
spending and dropout behavior of customers. *International Journal of Research in Marketing* 32(1), 78-93
(the Sarmanov form of the Pareto/NBD), as in CLVTools' ``interlayer_correlation`` (Bachmann, Meierer &
Naef 2021). The purchase rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` and the dropout rate
:math:`\mu \sim \mathrm{Gamma}(s, \beta)` get the joint density

.. math:: f(\lambda, \mu) = g(\lambda)\,h(\mu)\,[1 + m\,(e^{-\lambda} - L_A)(e^{-\mu} - L_B)],\qquad
          L_A = \Big(\frac{\alpha}{\alpha+1}\Big)^r,\; L_B = \Big(\frac{\beta}{\beta+1}\Big)^s,

with the gamma marginals unchanged. Since :math:`e^{-\lambda} g(\lambda \mid r,\alpha) = L_A\,g(\lambda \mid r,\alpha+1)`,
the prior is a signed mixture of four independent Pareto/NBD priors and a customer's likelihood is
(CLVTools' ``vLL``)

.. math:: L = L_{00} + m L_A L_B\,(L_{00} + L_{11} - L_{10} - L_{01}),

:math:`L_{ab}` the Pareto/NBD likelihood at :math:`(\alpha+a, \beta+b)`; every prediction is the same
mixture of the four Pareto/NBD predictions. The correlation of :math:`\lambda` and :math:`\mu` is

.. math:: \rho = m\,\frac{\sqrt r\,L_A}{1+\alpha}\,\frac{\sqrt s\,L_B}{1+\beta}

(``correlation()``, with its delta-method interval); *m* must keep the density non-negative,
:math:`-1/\max(L_AL_B, (1-L_A)(1-L_B)) \le m \le 1/\max(L_A(1-L_B), (1-L_A)L_B)` (CLVTools' bounds). The
log-likelihood is :math:`\ell = \ell_{00} + \log(1 + m L_A L_B K)`,
:math:`K = 1 + e^{\ell_{11}-\ell_{00}} - e^{\ell_{10}-\ell_{00}} - e^{\ell_{01}-\ell_{00}}`, with the analytic
gradient; *m* = 0 is the Pareto/NBD, so :func:`~relmkt_utils.btyd.lr_test` tests the correlation (1 df).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..core.checks import COUNT, SEED, checked, number
from ..core.errors import DataError, EstimationWarning
from ..core.estimate import Estimate, z_value
from ..core.optimize import newton_fit
from ..core.results import MLEResults
from .base import check_rft, check_weights, index_of
from .paretonbd import ParetoNBD
from .persistence import SavableResults
from .registry import Registered
from .segments import pnbd_row_loglik

SHIFTS = ((0, 0), (1, 0), (0, 1), (1, 1))
SIGNS = {(0, 0): 1.0, (1, 0): -1.0, (0, 1): -1.0, (1, 1): 1.0}


def m_bounds(r, alpha, s, beta) -> tuple[float, float]:
    """The range of *m* that keeps the Sarmanov density non-negative (module docstring).

    Parameters
    ----------
    r, alpha, s, beta : float
        the Pareto/NBD parameters.
    """
    LA, LB = (alpha / (alpha + 1)) ** r, (beta / (beta + 1)) ** s
    return -1.0 / max(LA * LB, (1 - LA) * (1 - LB)), 1.0 / max(LA * (1 - LB), (1 - LA) * LB)


def correlation_of(r, alpha, s, beta, m) -> float:
    """The correlation of the purchase and dropout rates (module docstring).

    Parameters
    ----------
    r, alpha, s, beta, m : float
        the parameters.
    """
    LA, LB = (alpha / (alpha + 1)) ** r, (beta / (beta + 1)) ** s
    return float(m * np.sqrt(r) * LA / (1 + alpha) * np.sqrt(s) * LB / (1 + beta))


class ParetoNBDCorrelated(Registered, key="pnbd_correlated", name="Pareto/NBD with correlation", data="continuous",
                         chooser=False, rank=16):
    """Pareto/NBD with Sarmanov-correlated purchase and dropout rates (module docstring); ``fit()`` returns
    :class:`ParetoNBDCorrelatedResults`.

    Parameters
    ----------
    frequency, recency, T : array-like
        the RFM summary (as :class:`~relmkt_utils.btyd.ParetoNBD`).
    weights : array-like, optional
        customers each row stands for.
    """

    model_name = "Pareto/NBD with correlation"

    @property
    def results_cls(self):
        return ParetoNBDCorrelatedResults
    param_names = ["r", "alpha", "s", "beta", "m"]

    def __init__(self, frequency, recency, T, weights=None):
        self.frequency, self.recency, self.T = check_rft(frequency, recency, T, self.model_name)
        self.index = index_of(frequency)
        self.weights = check_weights(weights, len(self.frequency), self.model_name)
        self.nobs = float(len(self.frequency) if self.weights is None else self.weights.sum())

    @property
    def positive(self) -> np.ndarray:
        return np.array([True, True, True, True, False])

    def _terms(self, theta, deriv):
        r, al, s, be, m = (float(v) for v in theta)
        x, tx, T = self.frequency, self.recency, self.T
        out = {}
        for a, b in SHIFTS:
            out[(a, b)] = pnbd_row_loglik(r, al + a, s, be + b, x, tx, T, deriv)
        return out

    def _rows(self, theta, deriv):
        r, al, s, be, m = (float(v) for v in theta)
        lo, hi = m_bounds(r, al, s, be)
        if not lo <= m <= hi:
            return np.full(self.frequency.size, -np.inf), None
        t = self._terms(theta, deriv)
        l00 = t[(0, 0)][0]
        e = {k: np.exp(t[k][0] - l00) for k in SHIFTS if k != (0, 0)}
        K = 1.0 + e[(1, 1)] - e[(1, 0)] - e[(0, 1)]
        LA, LB = (al / (al + 1)) ** r, (be / (be + 1)) ** s
        Q = LA * LB * K
        inner = 1.0 + m * Q
        ll = l00 + np.log(inner)
        if not deriv:
            return ll, None
        # row derivatives of l_ab in the logs of (r, alpha+a, s, beta+b): to the natural (r, alpha, s, beta)
        nat = {}
        for (a, b), (_, d) in t.items():
            nat[(a, b)] = np.stack([d[0] / r, d[1] / (al + a), d[2] / s, d[3] / (be + b)])
        dK = sum(SIGNS[k] * e[k] * (nat[k] - nat[(0, 0)]) for k in e)
        dlogLALB = np.array([np.log(al / (al + 1)), r / al - r / (al + 1), np.log(be / (be + 1)), s / be - s / (be + 1)])
        dQ = Q * dlogLALB[:, None] + LA * LB * dK
        g = nat[(0, 0)] + m * dQ / inner
        gm = Q / inner
        return ll, np.vstack([g, gm[None, :]])

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer at ``params`` = (r, alpha, s, beta, m)."""
        return self._rows(np.asarray(params, dtype=float), False)[0]

    def loglike(self, params) -> float:
        """Total (weighted) log-likelihood at ``params``."""
        ll = self.loglike_obs(params)
        return float(ll.sum() if self.weights is None else ll @ self.weights)

    def _objective(self, theta, order):
        w = np.ones(self.frequency.size) if self.weights is None else self.weights
        with np.errstate(all="ignore"):
            ll, g = self._rows(np.asarray(theta, dtype=float), order >= 1)
        f = -float(w @ ll)
        if order == 0:
            return f if np.isfinite(f) else np.inf
        if not np.isfinite(f):
            return np.inf, np.zeros(5)
        return f, -(g @ w)

    def start_params(self) -> np.ndarray:
        """The Pareto/NBD fitted to the same customers, and m = 0."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = ParetoNBD(self.frequency, self.recency, self.T, weights=self.weights).fit()
        return np.r_[base.params.to_numpy(dtype=float), 0.0]

    def fit(self, start_params=None, maxiter: int = 200) -> "ParetoNBDCorrelatedResults":
        """Maximum likelihood (Newton on the log base parameters and m, analytic gradient).

        Parameters
        ----------
        start_params : array-like, optional
            start values (default the Pareto/NBD's estimates and m = 0).
        maxiter : int
            iterations of Newton's method.
        """
        if not np.any(self.frequency > 0):
            raise DataError(f"{self.model_name}: no customer has a repeat purchase")
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = newton_fit(self._objective, x0, self.param_names, results_cls=ParetoNBDCorrelatedResults, model=self,
                             nobs=self.nobs, model_name=self.model_name, analytic_hessian=False, maxiter=maxiter,
                             positive=self.positive)
        r, al, s, be, m = res.params.to_numpy(dtype=float)
        lo, hi = m_bounds(r, al, s, be)
        if not res.converged and min(m - lo, hi - m) < 1e-3 * (hi - lo):
            edge = max(abs(correlation_of(r, al, s, be, lo)), abs(correlation_of(r, al, s, be, hi)))
            res.warnings = [f"{self.model_name}: m = {m:.4g} is at the edge of the Sarmanov family ([{lo:.4g}, {hi:.4g}] "
                            "keeps the density non-negative): the data ask for a correlation beyond what this family "
                            f"can express here (|Cor| up to {edge:.3f}); the estimates are the best within the family."]
            warnings.warn(res.warnings[0], EstimationWarning, stacklevel=2)
        else:
            for w in caught:
                warnings.warn(w.message, w.category, stacklevel=2)
        return res

    def results_at(self, params) -> "ParetoNBDCorrelatedResults":
        """Results at given parameters, without fitting."""
        p = np.asarray(params, dtype=float)
        names = self.param_names
        return ParetoNBDCorrelatedResults(model=self, params=pd.Series(p, index=names, name="params"),
                                          cov_params_log=pd.DataFrame(np.nan, index=names, columns=names),
                                          llf=self.loglike(p), nobs=self.nobs, converged=False,
                                          model_name=self.model_name, warnings=["evaluated at given parameters, not fitted"],
                                          positive=self.positive)


class ParetoNBDCorrelatedResults(SavableResults, MLEResults):
    """Fitted correlated Pareto/NBD: the correlation with its interval, and predictions as the mixture of the four
    Pareto/NBD predictions (module docstring)."""

    @property
    def settings(self) -> dict:
        """Which parameters are positive (m is real-valued), for ``save``."""
        return {"positive": [bool(v) for v in self._positive]}

    @settings.setter
    def settings(self, value):
        pass

    def correlation(self, alpha: float = 0.05) -> Estimate:
        """Corr(lambda, mu) with its delta-method interval (CLVTools' ``Cor(life,trans)``).

        Parameters
        ----------
        alpha : float
            1 - the level of the interval.
        """
        th = self.params.to_numpy(dtype=float)
        rho = correlation_of(*th)
        grad = np.empty(5)
        for j in range(5):
            h = 1e-6 * max(1.0, abs(th[j]))
            up, dn = th.copy(), th.copy()
            up[j] += h
            dn[j] -= h
            grad[j] = (correlation_of(*up) - correlation_of(*dn)) / (2 * h)
        cov = self.cov_params().to_numpy()
        se = float(np.sqrt(max(grad @ cov @ grad, 0.0))) if np.all(np.isfinite(cov)) else float("nan")
        z = z_value(alpha)
        return Estimate(rho, rho - z * se, rho + z * se, se=se, method="delta method", alpha=alpha)

    def _mixture(self, method, *args, frequency=None, recency=None, T=None, params=None):
        r, al, s, be, m = self._params_or(params)
        if frequency is None:
            if self.model is None:
                raise ValueError(f"{self.model_name}: these results carry no customer data; pass frequency, recency, T")
            x, tx, T_, idx = self.model.frequency, self.model.recency, self.model.T, self.model.index
        else:
            x, tx, T_ = check_rft(frequency, recency, T, self.model_name)
            idx = index_of(frequency)
        LA, LB = (al / (al + 1)) ** r, (be / (be + 1)) ** s
        c = {k: m * LA * LB * SIGNS[k] for k in SHIFTS}
        c[(0, 0)] += 1.0
        ll = {k: pnbd_row_loglik(r, al + k[0], s, be + k[1], x, tx, T_)[0] for k in SHIFTS}
        top = np.max(np.stack(list(ll.values())), axis=0)
        num = np.zeros(x.size)
        den = np.zeros(x.size)
        for k in SHIFTS:
            wk = c[k] * np.exp(ll[k] - top)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                base = ParetoNBD(x, tx, T_).results_at([r, al + k[0], s, be + k[1]])
            num += wk * np.asarray(getattr(base, method)(*args), dtype=float)
            den += wk
        out = num / den
        return pd.Series(out, index=idx) if idx is not None else out

    def p_alive(self, frequency=None, recency=None, T=None, params=None):
        """P(alive at T) of each customer.

        Parameters
        ----------
        frequency, recency, T : array-like, optional
            other customers (default the fitted ones).
        params : array-like, optional
            parameters; default the estimates.
        """
        return self._mixture("p_alive", frequency=frequency, recency=recency, T=T, params=params)

    def expected_purchases(self, t, frequency=None, recency=None, T=None, params=None):
        """Conditional expected purchases in the next ``t`` periods.

        Parameters
        ----------
        t : float
            periods ahead.
        frequency, recency, T : array-like, optional
            other customers (default the fitted ones).
        params : array-like, optional
            parameters; default the estimates.
        """
        return self._mixture("expected_purchases", float(t), frequency=frequency, recency=recency, T=T, params=params)


@checked(n=COUNT, r=number(0, low_open=True), alpha=number(0, low_open=True), s=number(0, low_open=True),
         beta=number(0, low_open=True), m=number(), seed=SEED)
def simulate_correlated(n: int, r: float, alpha: float, s: float, beta: float, m: float, T=52.0,
                        seed: int = 0) -> pd.DataFrame:
    """Customers of a correlated Pareto/NBD world (seeded): (lambda, mu) from the Sarmanov density by
    rejection from the product of the gamma marginals, then Pareto/NBD purchases to T.

    Parameters
    ----------
    n : int
        customers.
    r, alpha, s, beta, m : float
        the parameters (m within :func:`m_bounds`).
    T : float or array-like
        observation span of each customer.
    seed : int
        seed of the draws.
    """
    lo, hi = m_bounds(r, alpha, s, beta)
    if not lo <= m <= hi:
        raise DataError(f"simulate_correlated: m = {m} is outside [{lo:.3f}, {hi:.3f}] (the density would be negative)")
    rng = np.random.default_rng(seed)
    LA, LB = (alpha / (alpha + 1)) ** r, (beta / (beta + 1)) ** s
    bound = 1.0 + abs(m) * max(LA, 1 - LA) * max(LB, 1 - LB)
    lam, mu = np.empty(0), np.empty(0)
    while lam.size < n:
        k = 2 * (n - lam.size) + 100
        l_, u_ = rng.gamma(r, 1.0 / alpha, k), rng.gamma(s, 1.0 / beta, k)
        acc = rng.uniform(size=k) * bound < 1.0 + m * (np.exp(-l_) - LA) * (np.exp(-u_) - LB)
        lam, mu = np.r_[lam, l_[acc]], np.r_[mu, u_[acc]]
    lam, mu = lam[:n], mu[:n]
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    tau = rng.exponential(1.0 / mu)
    span = np.minimum(tau, T)
    x = rng.poisson(lam * span)
    tx = np.where(x > 0, span * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "lambda_": lam, "mu": mu,
                         "alive": tau > T}, index=pd.RangeIndex(n, name="customer_id"))
