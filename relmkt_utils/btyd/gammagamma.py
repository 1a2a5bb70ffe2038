r"""Gamma-Gamma model of the average spend per transaction.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer
base analysis. *Journal of Marketing Research* 42(4), 415-430; and Fader, P. S. & Hardie, B. G. S.
(2013). The Gamma-Gamma model of monetary value. http://brucehardie.com/notes/025/

Each transaction value of a customer is :math:`\mathrm{Gamma}(p, \nu)`, with
:math:`\nu \sim \mathrm{Gamma}(q, \gamma)` across customers. The mean :math:`\bar z` of the customer's
:math:`x \ge 1` repeat transactions has the density

.. math::

    f(\bar z \mid x) = \frac{\Gamma(px+q)}{\Gamma(px)\Gamma(q)}
        \frac{\gamma^q\, x^{px}\, \bar z^{px-1}}{(\gamma + x\bar z)^{px+q}},

and the conditional expected average spend is

.. math::

    E[M \mid \bar z, x] = \frac{p(\gamma + x \bar z)}{px + q - 1}
      = \frac{q-1}{px+q-1}\,\frac{p\gamma}{q-1} + \frac{px}{px+q-1}\,\bar z ,

a weighted mean of the population mean :math:`p\gamma/(q-1)` and the customer's own mean.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import checked, number
from ..core.errors import DataError
from ..core.optimize import newton_fit
from ..core.results import MLEResults
from .base import as_float_array, check_weights, group_rows, index_of
from .persistence import SavableResults
from .registry import Registered

NAMES = ["p", "q", "gamma"]


class GammaGammaResults(SavableResults, MLEResults):
    """Fitted Gamma-Gamma with the conditional expected spend."""

    def population_mean_spend(self, params=None) -> float:
        r"""E[Z] = p\gamma/(q-1) (infinite when q <= 1)."""
        p, q, g = self._params_or(params)
        return p * g / (q - 1) if q > 1 else np.inf

    def expected_spend_new_customer(self, params=None) -> float:
        r"""Expected spend per transaction of a customer with no history yet (CLVTools ``newcustomer.spending()``):
        the conditional expectation at x = 0, :math:`p\gamma/(q-1)` (infinite when q <= 1), i.e.
        :meth:`population_mean_spend`. Times a purchase model's ``expected_purchases_new_customer(t)`` (plus
        one for the first order, as CLVTools 0.12.1 counts it) it values a prospect."""
        return self.population_mean_spend(params)

    def expected_spend(self, frequency=None, monetary_value=None, params=None):
        r"""Conditional expected average transaction value :math:`p(\gamma + x\bar z)/(px+q-1)`.

        For customers with :math:`x = 0` this is the population mean :math:`p\gamma/(q-1)`.
        Defaults to the fitted customers."""
        p, q, g = self._params_or(params)
        if frequency is None:
            if self.model is None:
                raise ValueError("Gamma-Gamma: these results carry no customer data; pass frequency and monetary_value")
            x, m, idx = self.model.frequency, self.model.monetary_value, self.model.index
        else:
            x = as_float_array(frequency, "frequency", "Gamma-Gamma")
            if monetary_value is None:
                raise DataError("Gamma-Gamma expected_spend: give monetary_value with frequency")
            m = np.broadcast_to(as_float_array(monetary_value, "monetary_value", "Gamma-Gamma"), x.shape)
            idx = index_of(frequency)
        m = np.where(x > 0, m, 0.0)
        out = p * (g + x * m) / (p * x + q - 1)
        return pd.Series(out, index=idx) if idx is not None else out


class GammaGamma(Registered, key="gammagamma", name="Gamma-Gamma", data="spend", segment_test=True, rank=5):
    """Gamma-Gamma spend model on (frequency, monetary_value) of customers with frequency > 0.

    ``monetary_value`` is the mean value of the repeat transactions (strictly positive).
    Customers with frequency 0 are not allowed in the fit (filter them out first). Spend per purchase has
    no time unit, so the model needs none."""

    param_names = NAMES
    results_cls = GammaGammaResults
    summary_columns = ("frequency", "monetary_value")

    def __init__(self, frequency, monetary_value, weights=None):
        x = as_float_array(frequency, "frequency", self.model_name)
        m = as_float_array(monetary_value, "monetary_value", self.model_name)
        if len(x) == 0:
            raise DataError("Gamma-Gamma: no customer to fit; the spend model needs repeat buyers with a positive "
                            "mean spend")
        if len(x) != len(m):
            raise DataError("Gamma-Gamma: frequency and monetary_value must have the same length")
        if np.any(x < 1) or np.any(x != np.round(x)):
            raise DataError("Gamma-Gamma: frequency must be a whole number >= 1 (drop customers with no repeat purchase)")
        if np.any(m <= 0):
            raise DataError("Gamma-Gamma: monetary_value must be > 0 (customers with zero spend cannot be fitted)")
        self.frequency, self.monetary_value = x, m
        self.index = index_of(frequency)
        self.weights = check_weights(weights, len(x), self.model_name)
        self.nobs = float(len(x) if self.weights is None else self.weights.sum())
        self._data = None

    @classmethod
    def from_summary(cls, summary: pd.DataFrame, weights=None):
        """The model of a summary's repeat buyers' ``frequency`` and ``monetary_value`` (filter the
        summary to them first); ``weights`` a column name or one weight per row."""
        if not isinstance(summary, pd.DataFrame):
            raise DataError(f"Gamma-Gamma: from_summary needs a summary DataFrame, got {type(summary).__name__}")
        missing = [c for c in cls.summary_columns if c not in summary.columns]
        if missing:
            raise DataError(f"Gamma-Gamma: the summary has no column(s) {missing}")
        if isinstance(weights, str):
            weights = summary[weights]
        return cls(summary["frequency"], summary["monetary_value"], weights=weights)

    def _grouped(self):
        """Sufficient statistics: the special functions depend on x only, so they are evaluated per
        distinct x (weights ``nx``); only log(gamma + x m) is needed per row."""
        if self._data is None:
            pos, w = group_rows([self.monetary_value, self.frequency], self.weights)
            x, m = self.frequency[pos], self.monetary_value[pos]
            ux, inv = np.unique(x, return_inverse=True)
            lx, lm = np.log(x), np.log(m)
            self._data = dict(w=w, wx=w * x, W=w.sum(), xm=x * m, ux=ux, nx=np.bincount(inv, weights=w),
                              c_p=w @ (x * (lx + lm)), c_1=w @ lm)
        return self._data

    def loglike_obs(self, params) -> np.ndarray:
        """Log-density of each customer's mean spend at ``params`` = (p, q, gamma)."""
        p, q, g = np.asarray(params, dtype=float)
        x, m = self.frequency, self.monetary_value
        return (special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q) + q * np.log(g)
                + p * x * np.log(x) + (p * x - 1) * np.log(m) - (p * x + q) * np.log(g + x * m))

    def loglike(self, params) -> float:
        ll = self.loglike_obs(params)
        return float(ll.sum() if self.weights is None else ll @ self.weights)

    def _objective(self, theta, order):
        r"""Negative log-likelihood and its derivatives from the statistics of :meth:`_grouped`:

        .. math:: \ell = \sum_x n_x[\ln\Gamma(px+q) - \ln\Gamma(px)] + p\sum w x(\ln x + \ln m) - \sum w \ln m
                  - \sum w (px+q)\ln(\gamma + xm) + W[q\ln\gamma - \ln\Gamma(q)]
        """
        d = self._grouped()
        p, q, g = theta
        w, wx, W, ux, nx = d["w"], d["wx"], d["W"], d["ux"], d["nx"]
        pu = p * ux
        lgx = np.log(g + d["xm"])
        s_wx, s_w = wx @ lgx, w @ lgx
        ll = nx @ (special.gammaln(pu + q) - special.gammaln(pu)) + p * d["c_p"] - d["c_1"] - p * s_wx - q * s_w
        ll += W * (q * np.log(g) - special.gammaln(q))
        if order == 0:
            return -ll
        d1, d2 = special.digamma(pu + q), special.digamma(pu)
        igx = 1.0 / (g + d["xm"])
        i_wx, i_w = wx @ igx, w @ igx
        grad = np.array([
            nx @ (ux * (d1 - d2)) + d["c_p"] - s_wx,
            nx @ d1 - s_w + W * (np.log(g) - special.digamma(q)),
            W * q / g - p * i_wx - q * i_w,
        ])
        if order == 1:
            return -ll, -grad
        t1, t2 = special.polygamma(1, pu + q), special.polygamma(1, pu)
        igx2 = igx * igx
        H = np.empty((3, 3))
        H[0, 0] = nx @ (ux**2 * (t1 - t2))
        H[0, 1] = H[1, 0] = nx @ (ux * t1)
        H[0, 2] = H[2, 0] = -i_wx
        H[1, 1] = nx @ t1 - W * special.polygamma(1, q)
        H[1, 2] = H[2, 1] = W / g - i_w
        H[2, 2] = -W * q / g**2 + p * (wx @ igx2) + q * (w @ igx2)
        return -ll, -grad, -H

    def start_params(self) -> np.ndarray:
        """Method-of-moments-like start: p = 1, q = 2, gamma = mean spend (so p*gamma/(q-1) = mean)."""
        return np.array([1.0, 2.0, float(np.mean(self.monetary_value))])

    @checked(maxiter=number(1, integer=True))
    def fit(self, start_params=None, maxiter: int = 200) -> "GammaGammaResults":
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        return newton_fit(self._objective, x0, NAMES, results_cls=GammaGammaResults, model=self,
                          nobs=self.nobs, model_name=self.model_name, maxiter=maxiter)
