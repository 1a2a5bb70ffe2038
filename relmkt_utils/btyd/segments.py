r"""Pooled segments: one BG/NBD or Pareto/NBD with each segment's shrunken effects (ridge / random effects).

A ``segment`` (a country, a channel, an acquisition campaign) with many small groups has too few customers
per group for separate fits (:func:`~relmkt_utils.btyd.segment_lr_test` refuses groups under 30 customers)
and one pooled fit ignores the differences. Here group *g* gets its own purchase and dropout scales,

.. math::

    \text{BG/NBD: } \alpha_g = \alpha_0 e^{-u^P_g},\; a_g = a_0 e^{u^a_g},\; b_g = b_0 e^{u^b_g};\qquad
    \text{Pareto/NBD: } \alpha_g = \alpha_0 e^{-u^P_g},\; \beta_g = \beta_0 e^{-u^L_g},

with the shapes r (and s) shared, coefficients ``purchase:<segment>[<level>]``, ``dropout_a:``/``dropout_b:``
(BG/NBD) or ``dropout:`` (Pareto/NBD), the signs of :class:`~relmkt_utils.btyd.BetaGeoCovariates` /
:class:`~relmkt_utils.btyd.ParetoNBDCovariates` (a positive ``purchase`` effect: more purchases). Every
group has an effect (no reference level) and CLVTools' ridge penalty (:mod:`relmkt_utils.core.penalty`)
:math:`N\lambda\sum_g u_g^2` per process identifies them: it is the normal random-effects prior
:math:`u_g \sim N(0, 1/(2N\lambda))`, the penalized fit its posterior mode (an empirical-Bayes estimate
when :math:`\lambda` is chosen from the data: Efron & Morris 1975), and at the optimum
:math:`\sum_g u_g = 0` (a common shift of the effects is absorbed by the base parameter, which the penalty
leaves free), so the base parameters describe the typical group. A large group keeps nearly its own
parameters, a small one is pulled towards the typical group, the more the less its customers say.

:func:`segment_fit` chooses :math:`\lambda` by K-fold cross-validation over customers
(:func:`relmkt_utils.core.penalty.cross_validate_penalty`). The fit needs no numerical Hessian over the
many effects: each customer's likelihood depends on four local parameters
:math:`\eta_i = (\ln r, \ln\alpha_g, \ln a_g, \ln b_g)` (or :math:`\ln s, \ln\beta_g`), its 4 x 4 Hessian
in them is taken by central differences of the analytic gradient, summed per segment and mapped to the
parameters by the segment's constant Jacobian, so a Newton step costs nine gradient evaluations whatever
the number of segments.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import SEED, checked, dataframe, number, one_of
from ..core.errors import DataError, ParameterError
from ..core.estimate import z_value
from ..core.penalty import cross_validate_penalty, penalized_fit, ridge_matrix
from ..core.results import MLEResults
from .base import check_rft, check_weights, index_of
from .bgnbd import BetaGeo
from .paretonbd import ParetoNBD
from .persistence import SavableResults
from .registry import Registered
from .timevarying import piece_integrals

#: (base names, effect prefixes, which local parameter each prefix scales, its sign) per model
SPECS = {
    "bgnbd": (["r", "alpha", "a", "b"], ["purchase", "dropout_a", "dropout_b"], [1, 2, 3], [-1.0, 1.0, 1.0]),
    "pnbd": (["r", "alpha", "s", "beta"], ["purchase", "dropout"], [1, 3], [-1.0, -1.0]),
}
NAMES = {"bgnbd": "BG/NBD with pooled segments", "pnbd": "Pareto/NBD with pooled segments"}


def bg_row_loglik(r, al, a, b, x, tx, T, deriv: bool = False):
    """BG/NBD log-likelihood of each row (Fader, Hardie & Lee 2005, eq. 6) at row parameters, and with ``deriv``
    its derivatives in the logs of (r, alpha, a, b) (4 x rows).

    Parameters
    ----------
    r, al, a, b : array-like
        the parameters of each row.
    x, tx, T : array-like
        frequency, recency and T.
    deriv : bool
        also return the derivatives.
    """
    gl = special.gammaln
    lT, ltx = np.log(al + T), np.log(al + tx)
    p = x > 0
    bx = np.where(p, b + x - 1, 1.0)
    u = np.log(a) - np.log(bx) + (r + x) * (lT - ltx)
    ll = (gl(r + x) - gl(r) + r * np.log(al) + special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * lT
          + np.where(p, np.logaddexp(0.0, u), 0.0))
    if not deriv:
        return ll, None
    dg = special.digamma
    s = np.where(p, special.expit(u), 0.0)
    d = np.stack([
        r * (dg(r + x) - dg(r) + np.log(al) - lT + s * (lT - ltx)),
        al * (r / al - (r + x) / (al + T) + s * (r + x) * (1.0 / (al + T) - 1.0 / (al + tx))),
        a * (dg(a + b) - dg(a + b + x) + s / a),
        b * (dg(b + x) - dg(a + b + x) - dg(b) + dg(a + b) - s / bx),
    ])
    return ll, d


def pnbd_row_loglik(r, al, s, be, x, tx, T, deriv: bool = False):
    """Pareto/NBD log-likelihood of each row (Fader & Hardie 2005, note 009) at row parameters, the dropout
    integral by :func:`relmkt_utils.btyd.timevarying.piece_integrals`; with ``deriv`` its derivatives in the logs
    of (r, alpha, s, beta).

    Parameters
    ----------
    r, al, s, be : array-like
        the parameters of each row (s a scalar).
    x, tx, T : array-like
        frequency, recency and T.
    deriv : bool
        also return the derivatives.
    """
    r, al, be, x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (r, al, be, x, tx, T)))
    s = float(np.asarray(s).ravel()[0])
    rx = r + x
    lA, lB = np.log(al + T), np.log(be + T)
    logA = -rx * lA - s * lB
    k = T > tx
    logI = np.full(x.shape, -np.inf)
    dI = np.zeros((6,) + x.shape)
    if k.any():
        li, di = piece_integrals(rx[k], s, al[k] + tx[k], be[k] + tx[k], np.ones(k.sum()), np.ones(k.sum()),
                                 T[k] - tx[k], deriv)
        logI[k] = li
        if deriv:
            dI[:, k] = di
    lse = np.logaddexp(logA, logI)
    ll = special.gammaln(rx) - special.gammaln(r) + r * np.log(al) + s * np.log(be) + lse
    if not deriv:
        return ll, None
    wA, wI = np.exp(logA - lse), np.exp(logI - lse)
    d = np.stack([
        r * (special.digamma(rx) - special.digamma(r) + np.log(al) - wA * lA + wI * dI[0]),
        al * (r / al - wA * rx / (al + T) + wI * dI[2]),
        s * (np.log(be) - wA * lB + wI * dI[1]),
        be * (s / be - wA * s / (be + T) + wI * dI[3]),
    ])
    return ll, d


class PooledSegments(Registered, key="pooled_segments", name="pooled segments", data="segments", chooser=False, rank=17):
    """A BG/NBD or Pareto/NBD with one shrunken effect per segment and process (module docstring);
    ``fit(penalty)`` returns :class:`PooledSegmentsResults`.

    Parameters
    ----------
    frequency, recency, T : array-like
        the RFM summary (as :class:`~relmkt_utils.btyd.BetaGeo`).
    segment : array-like
        the segment of each customer (no missing values).
    model : str
        ``"bgnbd"`` or ``"pnbd"``.
    name : str
        the segment's name, used in the coefficient names.
    weights : array-like, optional
        customers each row stands for (0 leaves a customer out).
    """

    @property
    def results_cls(self):
        return PooledSegmentsResults

    def __init__(self, frequency, recency, T, segment, model: str = "bgnbd", name: str = "segment", weights=None):
        if model not in SPECS:
            raise ParameterError(f"pooled segments: model must be 'bgnbd' or 'pnbd', got {model!r}")
        self.model = model
        self.model_name = NAMES[model]
        self.frequency, self.recency, self.T = check_rft(frequency, recency, T, self.model_name)
        self.index = index_of(frequency)
        n = self.frequency.size
        labels = pd.Series(np.asarray(segment))
        if len(labels) != n:
            raise DataError(f"{self.model_name}: {len(labels)} segment labels for {n} customers")
        if labels.isna().any():
            raise DataError(f"{self.model_name}: segment {name!r} is missing for {int(labels.isna().sum())} customer(s)")
        self.levels = sorted(pd.unique(labels), key=str)
        if len(self.levels) < 2:
            raise DataError(f"{self.model_name}: segment {name!r} has only one value; nothing to pool")
        self.group = pd.Categorical(labels, categories=self.levels).codes.astype(np.int64)
        self.name = name
        self.weights = check_weights(weights, n, self.model_name)
        self.nobs = float(n if self.weights is None else self.weights.sum())
        self.base_names, self.prefixes, self.local, self.signs = SPECS[model]

    @property
    def param_names(self) -> list[str]:
        return list(self.base_names) + [f"{p}:{self.name}[{lev}]" for p in self.prefixes for lev in self.levels]

    @property
    def positive(self) -> np.ndarray:
        return np.arange(len(self.param_names)) < 4

    @property
    def blocks(self) -> list[list[str]]:
        """The coefficients of each process (one ridge penalty each)."""
        return [[f"{p}:{self.name}[{lev}]" for lev in self.levels] for p in self.prefixes]

    def _eta(self, theta, group=None):
        """Log local parameters (4 x rows) of each row."""
        theta = np.asarray(theta, dtype=float)
        g = self.group if group is None else group
        k = len(self.levels)
        eta = np.repeat(np.log(theta[:4])[:, None], g.size, axis=1)
        for j, (loc, sign) in enumerate(zip(self.local, self.signs)):
            eta[loc] += sign * theta[4 + j * k:4 + (j + 1) * k][g]
        return eta

    def _row(self, eta, deriv):
        f = bg_row_loglik if self.model == "bgnbd" else pnbd_row_loglik
        p = np.exp(eta)
        if self.model == "pnbd":
            return f(p[0], p[1], p[2][0] if p.shape[1] else 1.0, p[3], self.frequency, self.recency, self.T, deriv)
        return f(p[0], p[1], p[2], p[3], self.frequency, self.recency, self.T, deriv)

    def _w(self):
        return np.ones(self.frequency.size) if self.weights is None else self.weights

    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer at ``params``."""
        return self._row(self._eta(params), False)[0]

    def loglike(self, params) -> float:
        """Total (weighted) log-likelihood at ``params``."""
        return float(self._w() @ self.loglike_obs(params))

    def _objective(self, theta, order):
        theta = np.asarray(theta, dtype=float)
        w = self._w()
        eta = self._eta(theta)
        with np.errstate(all="ignore"):
            ll, d = self._row(eta, order >= 1)
        f = -float(w @ ll)
        if order == 0:
            return f if np.isfinite(f) else np.inf
        k, G = len(self.levels), self.group
        # gradient in xi = (log base, effects), then in theta
        gx = np.zeros(len(theta))
        gx[:4] = d @ w
        for j, (loc, sign) in enumerate(zip(self.local, self.signs)):
            gx[4 + j * k:4 + (j + 1) * k] = sign * np.bincount(G, d[loc] * w, k)
        jac = np.where(self.positive, theta, 1.0)
        grad = gx / jac
        if order == 1:
            return f, -grad
        # per-row 4 x 4 Hessians in eta by central differences of the gradient, summed per segment
        h = 1e-4
        Hg = np.zeros((k, 4, 4))
        for c in range(4):
            up, dn = eta.copy(), eta.copy()
            up[c] += h
            dn[c] -= h
            with np.errstate(all="ignore"):
                du, dd = self._row(up, True)[1], self._row(dn, True)[1]
            col = (du - dd) / (2 * h) * w
            for rr in range(4):
                Hg[:, rr, c] = np.bincount(G, col[rr], k)
        Hg = 0.5 * (Hg + np.transpose(Hg, (0, 2, 1)))
        K = len(theta)
        Hx = np.zeros((K, K))
        Hx[:4, :4] = Hg.sum(axis=0)
        seg = np.arange(k)
        for i, (li, si) in enumerate(zip(self.local, self.signs)):
            ci = 4 + i * k + seg
            Hx[:4, ci] = si * Hg[:, :, li].T
            Hx[ci, :4] = si * Hg[:, li, :]
            for j, (lj, sj) in enumerate(zip(self.local, self.signs)):
                Hx[ci, 4 + j * k + seg] = si * sj * Hg[:, li, lj]
        # to theta: H_theta = D Hx D - diag(g_xi / theta^2) on the positive block (D = 1/theta there)
        D = 1.0 / jac
        H = Hx * np.outer(D, D) - np.diag(np.where(self.positive, gx / jac ** 2, 0.0))
        return f, -grad, -H

    def start_params(self) -> np.ndarray:
        """The model without segments fitted to all customers, and effects 0."""
        cls = BetaGeo if self.model == "bgnbd" else ParetoNBD
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = cls(self.frequency, self.recency, self.T, weights=self.weights).fit()
        return np.r_[base.params.to_numpy(dtype=float), np.zeros(len(self.param_names) - 4)]

    def fit(self, penalty: float, start_params=None, maxiter: int = 200) -> "PooledSegmentsResults":
        """The ridge-penalized fit (CLVTools' lambda, per customer; must be > 0: without it a common shift of the
        effects and the base parameter is not identified).

        Parameters
        ----------
        penalty : float
            lambda, > 0, the same for every process (or a dict per process).
        start_params : array-like, optional
            start values (default: the model without segments, effects 0).
        maxiter : int
            iterations of Newton's method.
        """
        lam = penalty if isinstance(penalty, dict) else float(penalty)
        if (min(lam.values()) if isinstance(lam, dict) else lam) <= 0:
            raise ParameterError(f"{self.model_name}: penalty must be > 0 (it identifies the segment effects)")
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        M = ridge_matrix(self.param_names, lam, self.nobs)
        res = penalized_fit(self._objective, x0, self.param_names, M, positive=self.positive, lambdas=lam,
                            results_cls=PooledSegmentsResults, model=self, nobs=self.nobs,
                            model_name=self.model_name, analytic_hessian=True, maxiter=maxiter)
        return res

    def with_weights(self, weights):
        """The same model with other customer weights (cross-validation)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.weights = np.asarray(weights, dtype=float).ravel()
        new.nobs = float(new.weights.sum())
        return new


class PooledSegmentsResults(SavableResults, MLEResults):
    """Fitted pooled segments: the segments' effects and parameters, and each customer's predictions at her
    segment's parameters (those of :class:`~relmkt_utils.btyd.BetaGeoResults` /
    :class:`~relmkt_utils.btyd.ParetoNBDResults`)."""

    #: the cross-validation table of :func:`segment_fit` (empty for a given penalty)
    cv: object = None

    @property
    def settings(self) -> dict:
        """The model kind, the segment's name and levels (for ``save``)."""
        m = self.model
        if m is None:
            return dict(getattr(self, "_settings", {}))
        return {"model": m.model, "segment": m.name, "levels": [str(v) for v in m.levels],
                "positive": [bool(v) for v in self._positive]}

    @settings.setter
    def settings(self, value):
        self._settings = dict(value)

    def effects(self, alpha: float = 0.05) -> pd.DataFrame:
        """Every segment's effect per process with its Laplace standard error and interval (module docstring).

        Parameters
        ----------
        alpha : float
            1 - the level of the intervals.
        """
        z = z_value(alpha)
        m = self.model
        se = self.bse
        rows = []
        sizes = pd.Series(np.bincount(m.group, minlength=len(m.levels)), index=m.levels)
        for p in m.prefixes:
            for lev in m.levels:
                name = f"{p}:{m.name}[{lev}]"
                e, s = float(self.params[name]), float(se[name])
                rows.append({"segment": lev, "process": p, "effect": e, "se": s, "lower": e - z * s,
                             "upper": e + z * s, "customers": int(sizes[lev])})
        return pd.DataFrame(rows)

    def segment_parameters(self) -> pd.DataFrame:
        """Each segment's model parameters (r, alpha, a, b or r, alpha, s, beta) and number of customers."""
        m = self.model
        eta = np.exp(m._eta(self.params.to_numpy(), np.arange(len(m.levels))))
        out = pd.DataFrame(eta.T, columns=m.base_names, index=pd.Index(m.levels, name=m.name))
        out["customers"] = np.bincount(m.group, minlength=len(m.levels))
        return out

    def _per_segment(self, method: str, *args):
        m = self.model
        cls = BetaGeo if m.model == "bgnbd" else ParetoNBD
        params = self.segment_parameters()
        out = np.empty(m.frequency.size)
        for g, lev in enumerate(m.levels):
            sel = m.group == g
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = cls(m.frequency[sel], m.recency[sel], m.T[sel]).results_at(params.loc[lev, m.base_names].to_numpy())
            out[sel] = np.asarray(getattr(res, method)(*args), dtype=float)
        return pd.Series(out, index=m.index) if m.index is not None else out

    def p_alive(self):
        """P(alive) of each fitted customer at her segment's parameters."""
        return self._per_segment("p_alive")

    def expected_purchases(self, t):
        """Conditional expected purchases of each fitted customer in the next ``t`` periods.

        Parameters
        ----------
        t : float
            periods ahead.
        """
        return self._per_segment("expected_purchases", float(t))


@checked(summary=dataframe(), model=one_of("bgnbd", "pnbd"), folds=number(2, integer=True), seed=SEED)
def segment_fit(summary: pd.DataFrame, segment, model: str = "bgnbd", penalty="cv", grid=None, folds: int = 5,
                seed: int = 0) -> PooledSegmentsResults:
    """One BG/NBD or Pareto/NBD with every segment's shrunken effects, the penalty chosen by cross-validation
    (module docstring). The results carry the cross-validation table in ``cv``.

    Parameters
    ----------
    summary : DataFrame
        :func:`~relmkt_utils.btyd.rfm_summary` (frequency, recency, T) with the segment column.
    segment : str or array-like
        the name of a column of ``summary`` or one label per row.
    model : str
        ``"bgnbd"`` or ``"pnbd"``.
    penalty : "cv" or float
        CLVTools' lambda (per customer), or ``"cv"`` to choose it from ``grid`` by ``folds``-fold
        cross-validation over customers.
    grid : array-like, optional
        the penalties of the cross-validation (default :func:`relmkt_utils.btyd.regularized.default_grid`).
    folds : int
        K of the cross-validation.
    seed : int
        seed of the folds.
    """
    from .regularized import default_grid

    missing = [c for c in ("frequency", "recency", "T") if c not in summary.columns]
    if missing:
        raise DataError(f"segment_fit: summary lacks column(s) {missing}")
    if isinstance(segment, str):
        if segment not in summary.columns:
            raise DataError(f"segment_fit: summary has no column {segment!r}")
        labels, name = summary[segment].to_numpy(), segment
    else:
        labels, name = np.asarray(segment), getattr(segment, "name", None) or "segment"
    m = PooledSegments(summary["frequency"], summary["recency"], summary["T"], labels, model=model, name=name)
    cv = None
    if isinstance(penalty, str):
        if penalty != "cv":
            raise ParameterError(f"segment_fit: penalty must be a number > 0 or 'cv', got {penalty!r}")
        grid = default_grid(m.nobs) if grid is None else np.asarray(grid, dtype=float)

        def fit_with(lam, w, start):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return m.with_weights(w).fit(lam, start_params=start).params.to_numpy()

        cv = cross_validate_penalty(fit_with, m.loglike_obs, m.frequency.size, grid, folds=folds, seed=seed)
        penalty = float(cv.index[cv["best"].to_numpy()][0])
    res = m.fit(float(penalty))
    res.cv = cv
    return res


@checked(summary=dataframe(), model=one_of("bgnbd", "pnbd"))
def separate_fits(summary: pd.DataFrame, segment: str, model: str = "bgnbd") -> dict:
    """One model per segment (no pooling), for comparison: {level: results, or None where the fit fails (no
    repeat buyer), does not converge or does not identify a parameter}.

    Parameters
    ----------
    summary : DataFrame
        frequency, recency, T and the segment column.
    segment : str
        the segment column.
    model : str
        ``"bgnbd"`` or ``"pnbd"``.
    """
    cls = BetaGeo if model == "bgnbd" else ParetoNBD
    out = {}
    for lev, part in summary.groupby(segment, sort=True):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = cls(part["frequency"], part["recency"], part["T"]).fit()
            out[lev] = res if res.converged and not res.unidentified else None
        except (DataError, ValueError):
            out[lev] = None
    return out
