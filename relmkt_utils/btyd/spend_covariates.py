r"""Gamma-Gamma spend model with time-invariant covariates.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer base
analysis. *Journal of Marketing Research* 42(4), 415-430 (the Gamma-Gamma model; Fader & Hardie 2013,
note 025); covariates as in Fader & Hardie (2007), note 019, for the purchase models.

Each transaction of customer *i* is :math:`\mathrm{Gamma}(p, \nu_i)`, :math:`\nu_i \sim \mathrm{Gamma}(q, \gamma_i)`
with the scale of the spend heterogeneity depending on her covariates :math:`w_i`,

.. math:: \gamma_i = \gamma_0\, e^{\delta^\top w_i}, \qquad E[Z_i] = \frac{p\,\gamma_i}{q-1},

so a coefficient ``spend:<column>`` is the log of the ratio of mean spends per unit of the covariate
(positive: customers with more of it spend more per transaction). The mean :math:`\bar z_i` of her
:math:`x_i \ge 1` repeat transactions has the Gamma-Gamma density at her own :math:`\gamma_i`,

.. math::

    f(\bar z_i \mid x_i) = \frac{\Gamma(px_i+q)}{\Gamma(px_i)\Gamma(q)}
        \frac{\gamma_i^q\, x_i^{px_i}\, \bar z_i^{px_i-1}}{(\gamma_i + x_i\bar z_i)^{px_i+q}},

and her conditional expected spend is :math:`p(\gamma_i + x_i\bar z_i)/(px_i+q-1)`. At coefficients 0 the
model is :class:`~relmkt_utils.btyd.GammaGamma`. A new customer with covariates *w* is expected to spend
:math:`p\gamma_0 e^{\delta^\top w}/(q-1)` per transaction (CLVTools' ``newcustomer.spending`` with covariates).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ..core.errors import DataError
from .base import index_of
from .gammagamma import GammaGamma
from .static_covariates import StaticCovariateModel, StaticCovariateResults
from .registry import Registered


class GammaGammaCovariates(StaticCovariateModel, Registered, key="gammagamma_covariates",
                           name="Gamma-Gamma with covariates", data="covariates", chooser=False, rank=14):
    r"""Gamma-Gamma with :math:`\gamma_i = \gamma_0 e^{\delta^\top w_i}` (module docstring); ``fit()`` returns
    :class:`GammaGammaCovariatesResults`.

    Parameters
    ----------
    frequency : array-like or Series
        repeat transactions x >= 1 of each customer (customers without repeat purchases left out).
    monetary_value : array-like or Series
        mean value of the repeat transactions, > 0.
    spend_covariates : DataFrame
        numeric columns :math:`w_i` (one row per customer, or indexed by customer id); coefficients
        ``spend:<column>``.
    weights : array-like, optional
        customers each row stands for.
    """

    model_name = "Gamma-Gamma with covariates"
    base_names = ["p", "q", "gamma"]
    kinds = ("spend",)
    prefixes = {"spend": ["spend"]}
    base_cls = GammaGamma

    def __init__(self, frequency, monetary_value, spend_covariates, weights=None):
        base = GammaGamma(frequency, monetary_value, weights=weights)      # the checks of the data
        self.frequency, self.monetary_value = base.frequency, base.monetary_value
        self._setup(len(self.frequency), index_of(frequency), {"spend": spend_covariates}, weights)

    @property
    def results_cls(self):
        return GammaGammaCovariatesResults

    def _base_model(self):
        return GammaGamma(self.frequency, self.monetary_value, weights=self.weights)

    def _row_columns(self):
        return [self.frequency, self.monetary_value]

    def _row_data(self, pos, w) -> dict:
        return dict(x=self.frequency[pos], m=self.monetary_value[pos], W=self.design["spend"][pos], w=w)

    @staticmethod
    def _rows(theta, d, deriv):
        p, q, g0 = theta[:3]
        delta = theta[3:]
        x, m = d["x"], d["m"]
        gi = g0 * np.exp(d["W"] @ delta)
        px = p * x
        lgx = np.log(gi + x * m)
        ll = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(gi)
              + px * np.log(x) + (px - 1) * np.log(m) - (px + q) * lgx)
        if not deriv:
            return ll, None
        w = d["w"]
        d1 = special.digamma(px + q)
        dp = x * (d1 - special.digamma(px) + np.log(x) + np.log(m) - lgx)
        dq = d1 - special.digamma(q) + np.log(gi) - lgx
        hg = w * (q / gi - (px + q) / (gi + x * m)) * gi            # d ll / d log gamma_i, weighted
        return ll, np.concatenate([[w @ dp, w @ dq, hg.sum() / g0], d["W"].T @ hg])


class GammaGammaCovariatesResults(StaticCovariateResults):
    """Fitted Gamma-Gamma with covariates: each customer's conditional and population mean spend, a new
    customer's expected spend (module docstring)."""

    model_label = "Gamma-Gamma with covariates"

    def _gamma_i(self, theta, W):
        return theta[2] * np.exp(W @ theta[3:])

    def expected_spend(self, frequency=None, monetary_value=None, spend_covariates=None, params=None):
        r"""Conditional expected spend per transaction :math:`p(\gamma_i + x\bar z)/(px+q-1)` (the population
        mean of her covariates when x = 0); defaults to the fitted customers.

        Parameters
        ----------
        frequency, monetary_value : array-like, optional
            other customers' repeat transactions and mean spend (with ``spend_covariates``, or the fitted
            customers' covariates when they are the same number).
        spend_covariates : DataFrame, optional
            their covariates (the fitted columns).
        params : array-like, optional
            parameters; default the estimates.
        """
        theta = self._params_or(params)
        p, q = theta[:2]
        m_ = self.model
        if frequency is None:
            if m_ is None:
                raise ValueError(f"{self.model_label}: these results carry no customer data; pass frequency, "
                                 "monetary_value and spend_covariates")
            x, m, idx, W = m_.frequency, m_.monetary_value, m_.index, m_.design["spend"]
        else:
            x = np.asarray(frequency, dtype=float).ravel()
            m = np.broadcast_to(np.asarray(monetary_value, dtype=float), x.shape)
            idx = index_of(frequency)
            if spend_covariates is None:
                if m_ is None or len(x) != m_.n:
                    raise DataError(f"{self.model_label}: pass spend_covariates for these {len(x)} customers")
                W = m_.design["spend"]
            else:
                W = self._matrices({"spend": spend_covariates}, len(x))["spend"]
        gi = self._gamma_i(theta, W)
        m = np.where(x > 0, m, 0.0)
        out = p * (gi + x * m) / (p * x + q - 1)
        return pd.Series(out, index=idx) if idx is not None else out

    def population_mean_spend(self, spend_covariates=None, params=None):
        r""":math:`p\gamma_i/(q-1)` for each row of ``spend_covariates`` (default the fitted customers);
        infinite when q <= 1.

        Parameters
        ----------
        spend_covariates : DataFrame, optional
            covariates (the fitted columns).
        params : array-like, optional
            parameters; default the estimates.
        """
        theta = self._params_or(params)
        p, q = theta[:2]
        n = None if spend_covariates is None else len(spend_covariates)
        W = self._matrices({"spend": spend_covariates}, n)["spend"]
        gi = self._gamma_i(theta, W)
        return p * gi / (q - 1) if q > 1 else np.full(gi.shape, np.inf)

    def expected_spend_new_customer(self, spend_covariates, params=None):
        """Expected spend per transaction of a customer with no history and these covariates (CLVTools'
        ``newcustomer.spending``): :meth:`population_mean_spend` of the given rows.

        Parameters
        ----------
        spend_covariates : DataFrame
            covariates of the new customer(s) (the fitted columns).
        params : array-like, optional
            parameters; default the estimates.
        """
        return self.population_mean_spend(spend_covariates, params)
