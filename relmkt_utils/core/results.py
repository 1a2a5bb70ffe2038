"""The results protocol every fitted model of the suite answers, shaped like statsmodels' results.

A fitted model exposes

* ``params`` -- a named ``pandas.Series`` of estimates;
* ``bse`` -- their standard errors; ``cov_params()`` -- their covariance;
* ``conf_int(alpha=0.05)`` -- a DataFrame with columns ``lower`` and ``upper``;
* ``llf``, ``aic``, ``bic``, ``nobs`` where a likelihood is defined (NaN otherwise);
* ``summary()`` -- a printable statsmodels ``Summary``;
* ``converged`` -- whether the optimizer met its criterion; when it did not, fitting issued a
  :class:`~relmkt_utils.core.errors.ConvergenceWarning`, and ``warnings`` lists sentences saying
  what could not be trusted (empty for a clean fit).

Two implementations live here: :class:`MLEResults` for the suite's own maximum-likelihood models
(positive parameters fitted on the log scale by :func:`relmkt_utils.core.optimize.newton_fit`) and
:class:`StatsmodelsResults`, a thin adapter that gives a fitted statsmodels model (OLS, ordered logit,
conditional logit, Cox, logit) the same ``conf_int`` columns and ``warnings`` while passing every other
attribute through. :data:`PROTOCOL` names the attributes; ``tests/test_results_protocol.py`` checks
every model of the suite against it.

Intervals of :class:`MLEResults`: Wald intervals on the log scale, exp(eta_hat +/- z se(eta)), which stay
positive and cover better in small samples than theta_hat +/- z se(theta) (Cox & Hinkley 1974,
Sec. 9.3); ``conf_int(scale="natural")`` gives the plain Wald interval that statsmodels prints.
Standard errors on the natural scale come from the delta method, se(theta) = theta se(eta).

Models with real-valued coefficients beside their positive parameters (the BTYD models with
covariates, whose log-linear effects gamma can take any sign) are fitted with
``newton_fit(..., positive=mask)``: the results carry the mask in ``positive``, and for the
coefficients (``positive`` False) the optimizer's scale *is* the natural scale, so their ``bse`` is
sqrt of the covariance diagonal and their interval the plain Wald interval gamma +/- z se. Without a
mask (``positive=None``, every existing model) every parameter is positive and nothing changes.
"""
from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
from .errors import ConvergenceWarning, EstimationWarning
from .estimate import z_value

#: Attributes and methods of the results protocol.
PROTOCOL = ("params", "bse", "conf_int", "llf", "aic", "nobs", "summary", "converged", "warnings", "cov_params")

#: A standard error above this many times its estimate (log scale: se(log theta) above log(1e3)) means
#: the data do not pin the parameter down.
UNIDENTIFIED_LOG_SE = np.log(1e3)


@dataclass
class MLEResults:
    """Results of a maximum-likelihood fit over positive parameters (see the module docstring).

    Attributes
    ----------
    params : pd.Series      estimates, named by the model's parameter names
    cov_params_log : pd.DataFrame  covariance of the log-parameters (inverse observed information)
    llf : float             maximized log-likelihood, in the data's own units
    nobs : float            number of observations (customers, cohort members, ...)
    converged : bool        whether the optimizer met its convergence criterion
    warnings : list[str]    sentences on what should not be trusted (empty for a clean fit)
    positive : bool array or None  which parameters are positive and fitted on the log scale (None:
                            all of them); ``cov_params_log`` is then the covariance on the optimizer's
                            scale (log for positive parameters, natural for the others)
    """

    model: object
    params: pd.Series
    cov_params_log: pd.DataFrame
    llf: float
    nobs: float
    converged: bool = True
    iterations: int = 0
    model_name: str = "model"
    warnings: list = field(default_factory=list)
    positive: object = None
    #: the parameters the data do not identify (:func:`diagnose`): shown as "not identified", never as numbers
    unidentified: tuple = ()
    #: the parameters that ran off to 0 or infinity, where the fit stopped (a boundary of the parameter space;
    #: :func:`relmkt_utils.core.optimize.newton_fit`)
    boundary: tuple = ()

    #: the sentence of :meth:`summary` that says how the intervals are made
    interval_note: ClassVar[str] = "Intervals are Wald intervals on the log scale (positive parameters)."

    @property
    def _positive(self) -> np.ndarray:
        """Boolean mask of the log-scale (positive) parameters."""
        if self.positive is None:
            return np.ones(len(self.params), dtype=bool)
        return np.asarray(self.positive, dtype=bool)

    def _jacobian(self) -> np.ndarray:
        """d theta / d eta: theta for the positive parameters, 1 for the real-valued ones."""
        return np.where(self._positive, self.params.to_numpy(dtype=float), 1.0)

    @property
    def df_model(self) -> int:
        return len(self.params)

    @property
    def bse_log(self) -> pd.Series:
        return pd.Series(np.sqrt(np.clip(np.diag(self.cov_params_log.values), 0, np.inf)), index=self.params.index)

    @property
    def bse(self) -> pd.Series:
        """Standard errors on the natural scale (delta method from the log scale; the real-valued
        coefficients have their own)."""
        if self.positive is None:
            return self.params * self.bse_log
        return pd.Series(self._jacobian() * self.bse_log.to_numpy(), index=self.params.index)

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the natural-scale estimates (delta method)."""
        d = np.diag(self.params.values if self.positive is None else self._jacobian())
        return pd.DataFrame(d @ self.cov_params_log.values @ d, index=self.params.index, columns=self.params.index)

    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.bse

    @property
    def aic(self) -> float:
        return 2 * self.df_model - 2 * self.llf

    @property
    def bic(self) -> float:
        return self.df_model * np.log(self.nobs) - 2 * self.llf

    def conf_int(self, alpha: float = 0.05, scale: str = "log") -> pd.DataFrame:
        """(1 - alpha) confidence intervals, columns ``lower`` and ``upper``.

        ``scale="log"`` (default): exp(log theta +/- z se_log), always positive (real-valued
        coefficients, ``positive`` False: gamma +/- z se).
        ``scale="natural"``: theta +/- z se, the plain Wald interval.
        """
        z = z_value(alpha)
        with np.errstate(over="ignore", invalid="ignore"):   # a parameter the data do not identify: no upper end
            return self._conf_int(z, scale)

    def _conf_int(self, z: float, scale: str) -> pd.DataFrame:
        if scale == "log" and self.positive is not None:
            pos = self._positive
            lo = pd.Series(np.where(pos, self.params * np.exp(-z * self.bse_log), self.params - z * self.bse_log),
                           index=self.params.index)
            hi = pd.Series(np.where(pos, self.params * np.exp(z * self.bse_log), self.params + z * self.bse_log),
                           index=self.params.index)
        elif scale == "log":
            lo = self.params * np.exp(-z * self.bse_log)
            hi = self.params * np.exp(z * self.bse_log)
        elif scale == "natural":
            lo, hi = self.params - z * self.bse, self.params + z * self.bse
        else:
            raise ValueError("scale must be 'log' or 'natural'")
        return pd.DataFrame({"lower": lo, "upper": hi})

    def param_draws(self, n: int, seed: int) -> np.ndarray:
        """``n`` draws of the parameters from their asymptotic normal distribution on the log scale
        (seeded): the parametric part of the suite's intervals for derived quantities (Krinsky & Robb 1986).
        Real-valued coefficients (``positive`` False) are drawn on their own scale."""
        rng = np.random.default_rng(seed)
        cov = self.cov_params_log.to_numpy()
        if not np.all(np.isfinite(cov)):
            raise ValueError(f"{self.model_name}: the covariance of the estimates is not finite; no draws possible")
        if self.positive is None:
            return np.exp(rng.multivariate_normal(np.log(self.params.to_numpy()), cov, size=n, method="eigh"))
        pos = self._positive
        theta = self.params.to_numpy(dtype=float)
        eta = np.where(pos, np.log(np.where(pos, theta, 1.0)), theta)
        draws = rng.multivariate_normal(eta, cov, size=n, method="eigh")
        draws[:, pos] = np.exp(draws[:, pos])
        return draws

    def _params_or(self, params) -> np.ndarray:
        """The fitted parameters, or ``params`` (a sequence in the order of ``self.params``)."""
        if params is None:
            return self.params.to_numpy(dtype=float)
        p = np.asarray(params, dtype=float)
        if p.shape != (len(self.params),):
            raise ValueError(f"{self.model_name}: params must hold {len(self.params)} values "
                             f"({', '.join(self.params.index)}), got shape {p.shape}")
        return p

    def summary(self, alpha: float = 0.05):
        """A statsmodels ``Summary``: fit statistics and a table of estimates with intervals."""
        return make_summary(
            f"{self.model_name} results (maximum likelihood)",
            [["Model:", self.model_name, "Log-likelihood:", f"{self.llf:.4f}"],
             ["No. observations:", f"{self.nobs:g}", "AIC:", f"{self.aic:.4f}"],
             ["Converged:", str(bool(self.converged)), "BIC:", f"{self.bic:.4f}"]],
            self.params, self.bse, self.conf_int(alpha), alpha,
            [self.interval_note
             + ("" if self.positive is None or self._positive.all() else
                " Coefficients (real-valued) have plain Wald intervals, estimate +/- z se.")] + list(self.warnings))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"<{self.model_name} results: {inner}; llf={self.llf:.4f}>"


def make_summary(title: str, top_rows: list, params: pd.Series, bse: pd.Series, ci: pd.DataFrame, alpha: float,
                 notes: list[str]):
    """A statsmodels ``Summary`` with a block of fit statistics, a table of estimates (coef, std err and
    the (1 - alpha) interval) and notes: the one summary layout of the suite's own models."""
    from statsmodels.iolib.summary import Summary
    from statsmodels.iolib.table import SimpleTable

    rows = [[name, f"{params[name]:.4f}", f"{bse[name]:.4f}", f"{ci.loc[name, 'lower']:.4f}", f"{ci.loc[name, 'upper']:.4f}"]
            for name in params.index]
    level = int(round(100 * (1 - alpha)))
    s = Summary()
    s.tables += [SimpleTable(top_rows, title=title),
                 SimpleTable(rows, headers=["", "coef", "std err", f"[{level}% lower", "upper]"])]
    if notes:
        s.add_extra_txt(list(notes))
    return s


def boundary_sentence(res: MLEResults) -> str:
    """The sentence of a fit that stopped at a boundary of its parameter space (``res.boundary``): which
    parameters ran off and where, and what that means for the estimates (empty without a boundary)."""
    names = tuple(getattr(res, "boundary", ()) or ())
    if not names:
        return ""
    where = ", ".join(f"{n} to {'0' if res.params[n] < 1 else 'infinity'}" for n in names)
    them = "it" if len(names) == 1 else "them"
    return (f"{res.model_name}: the likelihood keeps rising towards the edge of the parameter space ({where}), so "
            f"the fit stopped there. The likelihood is at its maximum on that boundary, but the data do not identify "
            f"{', '.join(names)}: read {them} as a limit, not as an estimate.")


def diagnose(res: MLEResults) -> MLEResults:
    """Fill ``res.warnings`` with what should not be trusted and issue each as a Python warning:
    no convergence (:class:`ConvergenceWarning`); a fit that stopped where parameters run off to 0 or infinity
    (``res.boundary``: the likelihood is at its maximum on a boundary of the parameter space, which is no failure
    of the optimizer, :class:`EstimationWarning`, :func:`boundary_sentence`); a covariance that is not finite or
    a standard error a thousand times its estimate (:class:`EstimationWarning`: the data do not identify the
    parameter). Parameters at the boundary are among ``res.unidentified``."""
    if res.boundary:
        res.warnings.append(boundary_sentence(res))
        _warnings.warn(res.warnings[-1], EstimationWarning, stacklevel=3)
    elif not res.converged:
        res.warnings.append(f"{res.model_name}: the optimizer did not converge in {res.iterations} iterations; "
                            "the estimates are not maximum-likelihood estimates.")
        _warnings.warn(res.warnings[-1], ConvergenceWarning, stacklevel=3)
    se = res.bse_log
    if res.positive is None:
        bad = [name for name in res.params.index
               if not np.isfinite(se[name]) or se[name] <= 0 or se[name] > UNIDENTIFIED_LOG_SE]
    else:  # a real-valued coefficient: its standard error against 1e3 x max(1, |estimate|)
        limit = np.where(res._positive, UNIDENTIFIED_LOG_SE, 1e3 * np.maximum(1.0, np.abs(res.params.to_numpy(dtype=float))))
        bad = [name for name, s_, lim in zip(res.params.index, se.to_numpy(), limit)
               if not np.isfinite(s_) or s_ <= 0 or s_ > lim]     # a zero error: a flat or singular direction
    bad = [name for name in res.params.index if name not in res.boundary and name in bad]
    res.unidentified = tuple(res.boundary) + tuple(bad)
    if bad:
        res.warnings.append(f"{res.model_name}: the data do not identify {', '.join(bad)} (standard error "
                            "zero, not finite or over a thousand times the estimate); do not read these estimates.")
        _warnings.warn(res.warnings[-1], EstimationWarning, stacklevel=3)
    return res


class StatsmodelsResults:
    """A fitted statsmodels model seen through the suite's results protocol.

    ``conf_int(alpha)`` has columns ``lower``/``upper``; ``params``, ``bse`` and ``cov_params()`` are
    named Series/DataFrames even when the model was given numpy arrays (``names``); ``converged``
    reads statsmodels' ``mle_retvals`` (True for closed-form fits such as OLS); ``llf``/``aic`` are
    NaN where statsmodels defines none. Every other attribute (``pvalues``, ``tvalues``,
    ``get_margeff``, ``predict``, ...) is the statsmodels one.
    """

    def __init__(self, results, model_name: str, names=None):
        self._results = results
        self.model_name = model_name
        p = results.params
        self._names = list(p.index) if isinstance(p, pd.Series) else list(names or [f"x{i}" for i in range(len(p))])
        self.warnings: list[str] = []
        if not self.converged:
            self.warnings.append(f"{model_name}: the optimizer did not converge; the estimates are not "
                                 "maximum-likelihood estimates.")
            _warnings.warn(self.warnings[-1], ConvergenceWarning, stacklevel=2)

    @property
    def results(self):
        """The underlying statsmodels results object."""
        return self._results

    def __getattr__(self, name):
        return getattr(self._results, name)

    def _series(self, values) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=float), index=self._names)

    @property
    def params(self) -> pd.Series:
        return self._series(self._results.params)

    @property
    def bse(self) -> pd.Series:
        return self._series(self._results.bse)

    @property
    def pvalues(self) -> pd.Series:
        return self._series(self._results.pvalues)

    def cov_params(self) -> pd.DataFrame:
        return pd.DataFrame(np.asarray(self._results.cov_params(), dtype=float), index=self._names, columns=self._names)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        ci = np.asarray(self._results.conf_int(alpha=alpha), dtype=float)
        return pd.DataFrame({"lower": ci[:, 0], "upper": ci[:, 1]}, index=self._names)

    @property
    def llf(self) -> float:
        return float(getattr(self._results, "llf", np.nan))

    @property
    def aic(self) -> float:
        aic = getattr(self._results, "aic", None)
        if aic is None and np.isfinite(self.llf):
            return 2 * len(self._names) - 2 * self.llf
        return float(np.nan if aic is None else aic)

    @property
    def nobs(self) -> float:
        return float(getattr(self._results, "nobs", getattr(self._results.model, "nobs", np.nan)))

    @property
    def converged(self) -> bool:
        retvals = getattr(self._results, "mle_retvals", None)
        if isinstance(retvals, dict) and "converged" in retvals:
            return bool(retvals["converged"])
        return True

    def summary(self, *args, **kwargs):
        return self._results.summary(*args, **kwargs)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"<{self.model_name} results: {inner}>"
