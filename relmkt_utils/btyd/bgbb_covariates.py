r"""BG/BB with time-invariant covariates (discrete purchase opportunities).

Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time noncontractual
setting. *Marketing Science* 29(6), 1086-1108 (the BG/BB); covariates as Fader & Hardie (2007, note 019)
put them into the BG/NBD's beta mixing distribution.

Customer *i* transacts at each opportunity while alive with probability :math:`p_i \sim \mathrm{Beta}(\alpha_i,
\beta_i)` and drops out at the start of each opportunity with probability :math:`\theta_i \sim
\mathrm{Beta}(\gamma_i, \delta_i)`, with the four shapes scaled by her purchase covariates :math:`x_i` and
dropout covariates :math:`z_i`,

.. math::

    \alpha_i = \alpha_0 e^{\gamma_{Pa}^\top x_i},\quad \beta_i = \beta_0 e^{\gamma_{Pb}^\top x_i},\quad
    \gamma_i = \gamma_0 e^{\gamma_{Da}^\top z_i},\quad \delta_i = \delta_0 e^{\gamma_{Db}^\top z_i}

(coefficients ``purchase_a:``, ``purchase_b:``, ``dropout_a:``, ``dropout_b:<column>``): a positive
``purchase_a`` raises the mean transaction probability :math:`\alpha_i/(\alpha_i+\beta_i)`, a positive
``purchase_b`` lowers it; a positive ``dropout_a`` raises the mean dropout probability
:math:`\gamma_i/(\gamma_i+\delta_i)`. A 0/1 covariate on all four is the saturated two-group model:
the separate BG/BB fits of the two groups. Given her shapes the likelihood is FHS (2010, eq. 5),

.. math::

    L_i = \frac{B(\alpha_i+x, \beta_i+n-x)}{B(\alpha_i,\beta_i)} \frac{B(\gamma_i, \delta_i+n)}{B(\gamma_i,\delta_i)}
      + \sum_{j=0}^{n-t_x-1} \frac{B(\alpha_i+x, \beta_i+t_x-x+j)}{B(\alpha_i,\beta_i)}
        \frac{B(\gamma_i+1, \delta_i+t_x+j)}{B(\gamma_i,\delta_i)},

a log-sum-exp of log-beta terms (as :mod:`relmkt_utils.btyd.bgbb`), with the analytic gradient
(softmax-weighted digamma terms, chained through the log-linear shapes). The predictions are FHS's at each
customer's own shapes: P(alive) (eq. 11), the conditional expected transactions in the next :math:`n^*`
opportunities (eq. 13) and those of a new customer (eq. 8). CLVTools 0.12.1 has no BG/BB with covariates
(its ``bgbb`` stops with "not yet been implemented").
"""
from __future__ import annotations

import numpy as np
from scipy import special

from .base import DistinctRowPredictions, index_of
from .bgbb import BetaGeoBetaBinom, _build, _terms, check_xtn
from .static_covariates import StaticCovariateModel, StaticCovariateResults
from .registry import Registered


def alive_opportunities(ga, de, lo, hi):
    r"""Expected opportunities alive in (lo, hi] per unit alive at lo's start,
    :math:`\sum_{k=lo+1}^{hi} B(\gamma, \delta+k)/B(\gamma,\delta)` in closed form
    :math:`\frac{\delta}{\gamma-1}\frac{\Gamma(\gamma+\delta)}{\Gamma(1+\delta)}[\frac{\Gamma(1+\delta+lo)}{\Gamma(\gamma+\delta+lo)}
    - \frac{\Gamma(1+\delta+hi)}{\Gamma(\gamma+\delta+hi)}]` (FHS 2010, eqs. 8 and 13), vectorized, continuous at
    :math:`\gamma = 1`.

    Parameters
    ----------
    ga, de : array-like
        the dropout shapes gamma and delta.
    lo, hi : array-like
        the opportunities bounding the span.
    """
    ga, de, lo, hi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (ga, de, lo, hi)))
    gl = special.gammaln

    def at(g):
        c = np.log(de) + gl(g + de) - gl(1 + de)
        u1 = gl(1 + de + lo) - gl(g + de + lo)
        u2 = gl(1 + de + hi) - gl(g + de + hi)
        return np.exp(c + u1) * -np.expm1(u2 - u1) / (g - 1)

    near = np.abs(ga - 1) < 1e-7
    safe = np.where(near, 2.0, ga)
    out = at(safe)
    if near.any():
        out = np.where(near, 0.5 * (at(np.where(near, 1 - 1e-6, 2.0)) + at(np.where(near, 1 + 1e-6, 2.0))), out)
    return out


class BetaGeoBetaBinomCovariates(StaticCovariateModel, Registered, key="bgbb_covariates", name="BG/BB with covariates",
                                 data="covariates", chooser=False, rank=15):
    """BG/BB with covariates (module docstring); ``fit()`` returns :class:`BetaGeoBetaBinomCovariatesResults`.

    Parameters
    ----------
    frequency, recency, n_periods : array-like
        as :class:`~relmkt_utils.btyd.BetaGeoBetaBinom`: transactions x, the opportunity of the last one
        t_x (0 when x = 0) and the opportunities observed n.
    purchase_covariates : DataFrame, optional
        numeric columns scaling alpha and beta (``purchase_a:<column>``, ``purchase_b:<column>``).
    dropout_covariates : DataFrame, optional
        numeric columns scaling gamma and delta (``dropout_a:<column>``, ``dropout_b:<column>``).
    weights : array-like, optional
        customers each row stands for (a summary with counts).
    """

    model_name = "BG/BB with covariates"
    base_names = ["alpha", "beta", "gamma", "delta"]
    kinds = ("purchase", "dropout")
    prefixes = {"purchase": ["purchase_a", "purchase_b"], "dropout": ["dropout_a", "dropout_b"]}
    base_cls = BetaGeoBetaBinom

    def __init__(self, frequency, recency, n_periods, purchase_covariates=None, dropout_covariates=None,
                 weights=None):
        self.frequency, self.recency, self.n_periods = check_xtn(frequency, recency, n_periods, self.model_name)
        self._setup(len(self.frequency), index_of(frequency),
                    {"purchase": purchase_covariates, "dropout": dropout_covariates}, weights)

    @property
    def results_cls(self):
        return BetaGeoBetaBinomCovariatesResults

    def _base_model(self):
        return BetaGeoBetaBinom(self.frequency, self.recency, self.n_periods, weights=self.weights)

    def _row_columns(self):
        return [self.frequency, self.recency, self.n_periods]

    def _row_data(self, pos, w) -> dict:
        d = _build(self.frequency[pos], self.recency[pos], self.n_periods[pos], w)
        d["Xp"], d["Xd"] = self.design["purchase"][pos], self.design["dropout"][pos]
        return d

    def individual(self, theta, Xp, Xd):
        """(alpha_i, beta_i, gamma_i, delta_i) of each row."""
        c = self._coefficients(theta)
        al, be, ga, de = theta[:4]
        return (al * np.exp(Xp @ c["purchase_a"]), be * np.exp(Xp @ c["purchase_b"]),
                ga * np.exp(Xd @ c["dropout_a"]), de * np.exp(Xd @ c["dropout_b"]))

    def _rows(self, theta, d, deriv):
        ind = self.individual(theta, d["Xp"], d["Xd"])
        T, (aX, bM, abS, gC, dK, gdS) = _terms(tuple(v[:, None] for v in ind), d)
        mx = T.max(axis=1, keepdims=True)
        e = np.exp(T - mx)
        tot = e.sum(axis=1, keepdims=True)
        al, be, ga, de = ind
        ll = (mx + np.log(tot))[:, 0] - special.betaln(al, be) - special.betaln(ga, de)
        if not deriv:
            return ll, None
        dg = special.digamma
        S = e / tot
        mask = d["mask"]
        D = np.stack([dg(aX) - dg(abS), dg(bM) - dg(abS), dg(gC) - dg(gdS), dg(dK) - dg(gdS)])
        D = np.where(mask, D, 0.0)
        g = np.einsum("irc,rc->ir", D, S)
        g += np.stack([dg(al + be) - dg(al), dg(al + be) - dg(be), dg(ga + de) - dg(ga), dg(ga + de) - dg(de)])
        h = g * np.stack(ind) * d["w"]                      # d ll / d log(shape_i), weighted
        base = h.sum(axis=1) / np.asarray(theta[:4], dtype=float)
        coef = [d["Xp"].T @ h[0], d["Xp"].T @ h[1], d["Xd"].T @ h[2], d["Xd"].T @ h[3]]
        return ll, np.concatenate([base, coef[0], coef[1], coef[2], coef[3]])


class BetaGeoBetaBinomCovariatesResults(DistinctRowPredictions, StaticCovariateResults):
    """Fitted BG/BB with covariates: P(alive), conditional and new-customer expected transactions at each
    customer's own shapes (module docstring)."""

    model_label = "BG/BB with covariates"

    def _customers(self, frequency, recency, n_periods, purchase_covariates, dropout_covariates):
        m = self.model
        if frequency is None:
            if m is None:
                raise ValueError(f"{self.model_label}: these results carry no customer data; pass frequency, recency, "
                                 "n_periods and the covariates")
            return m.frequency, m.recency, m.n_periods, m.design["purchase"], m.design["dropout"], m.index
        x, tx, n = check_xtn(frequency, recency, n_periods, self.model_label)
        mats = self._matrices({"purchase": purchase_covariates, "dropout": dropout_covariates}, len(x))
        return x, tx, n, mats["purchase"], mats["dropout"], index_of(frequency)

    def _individual(self, theta, Xp, Xd):
        shell = BetaGeoBetaBinomCovariates.__new__(BetaGeoBetaBinomCovariates)
        shell.columns = self._columns()
        return shell.individual(theta, Xp, Xd)

    def _log_l(self, theta, x, tx, n, Xp, Xd):
        d = _build(x, tx, n)
        ind = self._individual(theta, Xp, Xd)
        T, _ = _terms(tuple(v[:, None] for v in ind), d)
        al, be, ga, de = ind
        return special.logsumexp(T, axis=1) - special.betaln(al, be) - special.betaln(ga, de), ind

    def p_alive(self, frequency=None, recency=None, n_periods=None, purchase_covariates=None, dropout_covariates=None,
                params=None):
        """P(alive at opportunity n + 1 | x, t_x, n) at each customer's shapes (FHS 2010, eq. 11).

        Parameters
        ----------
        frequency, recency, n_periods : array-like, optional
            other customers (default the fitted ones).
        purchase_covariates, dropout_covariates : DataFrame, optional
            their covariates.
        params : array-like, optional
            parameters; default the estimates.
        """
        theta = self._params_or(params)
        x, tx, n, Xp, Xd, idx = self._customers(frequency, recency, n_periods, purchase_covariates, dropout_covariates)

        def per_row(rows):
            ux, utx, un, uXp, uXd = self._split_rows(rows, Xp, Xd)
            lL, (al, be, ga, de) = self._log_l(theta, ux, utx, un, uXp, uXd)
            return np.exp(special.betaln(al + ux, be + un - ux) - special.betaln(al, be)
                          + special.betaln(ga, de + un + 1) - special.betaln(ga, de) - lL)
        return self._per_row(self._customer_columns(x, tx, n, Xp, Xd), idx, per_row)

    def expected_purchases(self, t, frequency=None, recency=None, n_periods=None, purchase_covariates=None,
                           dropout_covariates=None, params=None):
        """Expected transactions in the next ``t`` opportunities (FHS 2010, eq. 13) at each customer's shapes.

        Parameters
        ----------
        t : int
            opportunities ahead.
        frequency, recency, n_periods : array-like, optional
            other customers (default the fitted ones).
        purchase_covariates, dropout_covariates : DataFrame, optional
            their covariates.
        params : array-like, optional
            parameters; default the estimates.
        """
        theta = self._params_or(params)
        x, tx, n, Xp, Xd, idx = self._customers(frequency, recency, n_periods, purchase_covariates, dropout_covariates)

        def per_row(rows):
            ux, utx, un, uXp, uXd = self._split_rows(rows, Xp, Xd)
            lL, (al, be, ga, de) = self._log_l(theta, ux, utx, un, uXp, uXd)
            lead = np.exp(special.betaln(al + ux + 1, be + un - ux) - special.betaln(al, be) - lL)
            return lead * alive_opportunities(ga, de, un, un + float(t))
        return self._per_row(self._customer_columns(x, tx, n, Xp, Xd), idx, per_row)

    def expected_purchases_new_customer(self, n, purchase_covariates=None, dropout_covariates=None, params=None):
        """E[X(n)] of a new customer with the given covariates (FHS 2010, eq. 8), one value per row.

        Parameters
        ----------
        n : int or array-like
            opportunities.
        purchase_covariates, dropout_covariates : DataFrame, optional
            the new customers' covariates (default: the fitted customers').
        params : array-like, optional
            parameters; default the estimates.
        """
        theta = self._params_or(params)
        rows = None
        for cov in (purchase_covariates, dropout_covariates):
            if cov is not None:
                rows = len(cov)
        mats = self._matrices({"purchase": purchase_covariates, "dropout": dropout_covariates}, rows)
        al, be, ga, de = self._individual(theta, mats["purchase"], mats["dropout"])
        return al / (al + be) * alive_opportunities(ga, de, 0.0, np.asarray(n, dtype=float))
