r"""NBD: Poisson purchases with gamma heterogeneity and no dropout, the model every latent-attrition model of
this package reduces to when its dropout vanishes.

Ehrenberg, A. S. C. (1959). The pattern of consumer purchases. *Applied Statistics* 8(1), 26-41; in the
customer-base setting Morrison, D. G. & Schmittlein, D. C. (1988). Generalizing the NBD model for customer
purchases: what are the implications and is it worth the effort? *Journal of Business & Economic Statistics*
6(2), 145-159; and Fader, P. S. & Hardie, B. G. S. (2004). Illustrating the performance of the NBD as a
benchmark model for customer-base analysis. http://brucehardie.com/notes/005/

A customer buys as a Poisson process with rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` and never
drops out. For a customer with :math:`x` repeat purchases, the last at :math:`t_x`, observed for :math:`T`,
the likelihood of the purchase times is the BG/NBD's first term (Fader, Hardie & Lee 2005, eq. 6, at
:math:`p \equiv 0`),

.. math::

    L(r, \alpha \mid x, t_x, T) = \int_0^\infty \lambda^x e^{-\lambda T}\, g(\lambda)\, d\lambda
      = \frac{\Gamma(r+x)}{\Gamma(r)} \frac{\alpha^r}{(\alpha+T)^{r+x}},

free of :math:`t_x`. It is the density of the purchase times, as the BG/NBD, Pareto/NBD and MBG/NBD
likelihoods are, so their log-likelihoods can be compared (the boundary likelihood-ratio test of
:mod:`.boundary`); the likelihood of the count alone, :math:`P(X(T) = x) = \mathrm{NB}(x; r, \alpha/(\alpha+T))`,
differs from it by :math:`x\log T - \log x!`, which does not depend on the parameters (same estimates).

Predictions (each also at given ``params``):

* P(alive) = 1 for every customer (nobody drops out);
* :math:`E[X(t)] = rt/\alpha` for a new customer, and :math:`P(X(t) = n) = \mathrm{NB}(n; r, \alpha/(\alpha+t))`;
* given her past the customer's rate is :math:`\mathrm{Gamma}(r+x, \alpha+T)` (conjugacy), so
  :math:`E[Y(t) \mid x, t_x, T] = \frac{r+x}{\alpha+T}\,t` and
  :math:`P(Y(t) = n \mid x, t_x, T) = \mathrm{NB}(n; r+x, \frac{\alpha+T}{\alpha+T+t})`;
* DERT at a continuously compounded rate :math:`\delta`: :math:`\int_0^\infty e^{-\delta t} \frac{r+x}{\alpha+T}\,dt
  = \frac{r+x}{(\alpha+T)\,\delta}`.

With one T for all customers the maximum-likelihood estimates fit the mean exactly: the score in
:math:`\alpha`, :math:`n r/\alpha - \sum_i (r+x_i)/(\alpha+T) = 0`, gives :math:`rT/\alpha = \bar x`.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from ..core.checks import checked, numbers
from ..core.errors import DataError
from .base import PERIODS_AHEAD, CustomerModel, CustomerPredictionResults, factorize_rows, log_rising
from .distributions import ContinuousDistributionsMixin, nb_count_pmf

NAMES = ["r", "alpha"]


class NBDResults(ContinuousDistributionsMixin, CustomerPredictionResults):
    """Fitted NBD with its predictions (module docstring); customer arguments default to the fitted data,
    every prediction takes ``params`` too."""

    model_label = "NBD"
    factorizes = True
    #: the model has no dropout: P(alive) is 1 by assumption, not an estimate
    has_dropout = False

    def p_alive(self, frequency=None, recency=None, T=None, params=None):
        """P(alive | x, t_x, T) = 1: the NBD has no dropout, so this is an assumption, never a finding."""
        x, _, _, idx = self._rft(frequency, recency, T)
        self._params_or(params)
        return self._wrap(np.ones_like(x), idx)

    @checked(t=PERIODS_AHEAD)
    def expected_purchases_new_customer(self, t, params=None):
        r"""E[X(t)] = r t / \alpha for a customer just acquired."""
        r, al = self._params_or(params)
        return r * np.asarray(t, dtype=float) / al

    @checked(t=PERIODS_AHEAD)
    def expected_purchases(self, t, frequency=None, recency=None, T=None, params=None):
        r"""E[Y(t) | x, t_x, T] = \frac{r+x}{\alpha+T}\,t (the posterior mean rate times t)."""
        r, al = self._params_or(params)
        x, _, T_, idx = self._rft(frequency, recency, T)
        return self._wrap((r + x) / (al + T_) * float(t), idx)

    @checked(t=PERIODS_AHEAD, n=numbers())
    def pmf(self, t, n, params=None):
        r"""P(X(t) = n) = NB(n; r, \alpha/(\alpha+t)) for a new customer; numpy-broadcasting in ``t`` and ``n``."""
        r, al = self._params_or(params)
        t, n = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(n, dtype=float))
        out = np.where(n == np.round(n), nb_count_pmf(n, r, al / (al + t)), 0.0)
        return float(out) if out.ndim == 0 else out

    def _posterior(self, theta, x, tx, T):
        """P(alive) = 1 and the parameters of the customer's rate given her past, (r + x, alpha + T)."""
        r, al = theta
        x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
        return np.ones_like(x), (r + x, al + T)

    @staticmethod
    def _new_pmf(t, n, r, al):
        n = np.asarray(n, dtype=float)
        return np.where(n == np.round(n), nb_count_pmf(n, r, al / (al + t)), 0.0)

    @staticmethod
    def _new_expected(t, r, al):
        return r * np.asarray(t, dtype=float) / al

    @staticmethod
    def _dert_alive(delta, r, al):
        r"""\int_0^\infty e^{-\delta t} r/\alpha\, dt = r / (\alpha\delta) (module docstring)."""
        return r / (al * delta)


class NBD(CustomerModel, key="nbd", name="NBD", data="continuous", segment_test=True, chooser=False, rank=20):
    """NBD model of (frequency, recency, T) per customer, recency unused; ``fit()`` returns :class:`NBDResults`.
    Not offered by the notebooks' ``model`` parameter: it is the model the latent-attrition models reduce to
    at their no-dropout boundary, fitted there by :func:`relmkt_utils.btyd.boundary.dropout_check`.

    Parameters
    ----------
    frequency : repeat purchases :math:`x` (whole numbers >= 0)
    recency : time of the last repeat purchase since the first (checked as for the BG/NBD; the NBD does not use it)
    T : time since the first purchase to the end of observation
    weights : optional number of customers each row stands for
    time_unit : the unit of recency and T when the data do not carry it (module :mod:`.base`)
    """

    param_names = NAMES
    results_cls = NBDResults

    def loglike_obs(self, params) -> np.ndarray:
        r"""Log-likelihood of each customer at ``params`` = (r, alpha):
        :math:`\log\frac{\Gamma(r+x)}{\Gamma(r)} - r\,\mathrm{log1p}(T/\alpha) - x\log(\alpha+T)`."""
        r, al = np.asarray(params, dtype=float)
        x, T = self.frequency, self.T
        return log_rising(r, x) - r * np.log1p(T / al) - x * np.log(al + T)

    def _sufficient(self, x, tx, T, w) -> dict:
        """The distinct (x, T) with summed weights (recency does not enter the likelihood)."""
        pos, ww = _group_xT(x, T, w)
        xs, Ts = x[pos], T[pos]
        ux, inv = np.unique(xs, return_inverse=True)
        return dict(x=xs, T=Ts, w=ww, W=ww.sum(), wx=ww * xs, ux=ux, nx=np.bincount(inv, weights=ww))

    def _objective_on(self, d, theta, order):
        """Negative log-likelihood with its gradient and Hessian in (r, alpha)."""
        r, al = theta
        ux, nx, w, wx, T = d["ux"], d["nx"], d["w"], d["wx"], d["T"]
        LT = np.log1p(T / al)
        ll = nx @ log_rising(r, ux) - r * (w @ LT) - wx @ np.log(al + T)
        if order == 0:
            return -ll
        iT = 1.0 / (al + T)
        u = T / (al * (al + T))                       # -d LT / d alpha
        g = np.array([nx @ (special.digamma(r + ux) - special.digamma(r)) - w @ LT,
                      r * (w @ u) - wx @ iT])
        if order == 1:
            return -ll, -g
        du = -T * (2 * al + T) / (al * (al + T)) ** 2   # d u / d alpha
        H = np.array([[nx @ (special.polygamma(1, r + ux) - special.polygamma(1, r)), w @ u],
                      [w @ u, r * (w @ du) + wx @ iT**2]])
        return -ll, -g, -H

    def start_params(self) -> np.ndarray:
        """r = 1, alpha = 1 / (mean repeat rate): the mean rate r/alpha matches the data's."""
        w = np.ones_like(self.T) if self.weights is None else self.weights
        rate = max((w @ self.frequency) / max(w @ self.T, 1e-12), 1e-6)
        return np.array([1.0, 1.0 / rate])

    def fit(self, start_params=None, maxiter: int = 200):
        """Maximum likelihood by Newton's method on the log-parameters (analytic gradient and Hessian;
        :meth:`relmkt_utils.btyd.base.CustomerModel.fit` checks the arguments)."""
        if not np.any(self.frequency > 0):
            raise DataError("NBD: no customer has a repeat purchase, so the purchase rate is zero and its "
                            "heterogeneity cannot be estimated; the model needs repeat buyers")
        return super().fit(start_params=start_params, maxiter=maxiter)


def _group_xT(x, T, w):
    """Representative rows and summed weights of the distinct (x, T) pairs."""
    key, first = factorize_rows([x, T])
    return first, np.bincount(key, weights=w, minlength=len(first))
