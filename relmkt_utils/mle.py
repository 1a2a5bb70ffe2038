"""Maximum-likelihood fitting and statsmodels-style results shared by every model of the suite.

Models of the suite (BG/NBD, Pareto/NBD, Gamma-Gamma, shifted-beta-geometric, ...) have strictly
positive parameters. They are fitted here on the log scale, theta = exp(eta), with an analytic
gradient when the model provides one, so an unconstrained quasi-Newton search (BFGS) can be used.

Standard errors come from the observed information: the Hessian of the negative log-likelihood
at the optimum, taken on the log scale by central differences of the gradient, then carried to
the natural scale by the delta method, se(theta) = theta * se(eta).

Confidence intervals are Wald intervals on the log scale, exp(eta_hat +/- z * se(eta)), which stay
positive and cover better in small samples than theta_hat +/- z * se(theta) (the textbook choice for
positive parameters, e.g. Cox & Hinkley 1974, Sec. 9.3). ``conf_int(scale="natural")`` gives the
plain Wald interval that statsmodels prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from scipy import optimize, stats

NegLogLik = Callable[[np.ndarray], "tuple[float, np.ndarray] | float"]


@dataclass
class MLEResults:
    """Results of a maximum-likelihood fit, shaped like statsmodels' ``LikelihoodModelResults``.

    Attributes
    ----------
    params : pd.Series      estimates, named by the model's parameter names
    cov_params_log : pd.DataFrame  covariance of the log-parameters (inverse observed information)
    llf : float             maximized log-likelihood, in the data's own units
    nobs : float            number of observations (customers, cohort members, ...)
    converged : bool        whether the optimizer reported success
    """

    model: object
    params: pd.Series
    cov_params_log: pd.DataFrame
    llf: float
    nobs: float
    converged: bool = True
    iterations: int = 0
    model_name: str = "model"
    extra: dict = field(default_factory=dict)

    @property
    def df_model(self) -> int:
        return len(self.params)

    @property
    def bse_log(self) -> pd.Series:
        return pd.Series(np.sqrt(np.clip(np.diag(self.cov_params_log.values), 0, np.inf)), index=self.params.index)

    @property
    def bse(self) -> pd.Series:
        """Standard errors on the natural scale (delta method from the log scale)."""
        return self.params * self.bse_log

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the natural-scale estimates (delta method)."""
        d = np.diag(self.params.values)
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

        ``scale="log"`` (default): exp(log theta +/- z se_log), always positive.
        ``scale="natural"``: theta +/- z se, the plain Wald interval.
        """
        z = stats.norm.ppf(1 - alpha / 2)
        if scale == "log":
            lo = self.params * np.exp(-z * self.bse_log)
            hi = self.params * np.exp(z * self.bse_log)
        elif scale == "natural":
            lo, hi = self.params - z * self.bse, self.params + z * self.bse
        else:
            raise ValueError("scale must be 'log' or 'natural'")
        return pd.DataFrame({"lower": lo, "upper": hi})

    def summary(self, alpha: float = 0.05):
        """A statsmodels ``Summary``: fit statistics and a table of estimates with intervals."""
        from statsmodels.iolib.summary import Summary
        from statsmodels.iolib.table import SimpleTable

        ci = self.conf_int(alpha)
        top = SimpleTable(
            [
                ["Model:", self.model_name, "Log-likelihood:", f"{self.llf:.4f}"],
                ["No. observations:", f"{self.nobs:g}", "AIC:", f"{self.aic:.4f}"],
                ["Converged:", str(bool(self.converged)), "BIC:", f"{self.bic:.4f}"],
            ],
            title=f"{self.model_name} results (maximum likelihood)",
        )
        rows = [
            [name, f"{self.params[name]:.4f}", f"{self.bse[name]:.4f}", f"{ci.loc[name, 'lower']:.4f}", f"{ci.loc[name, 'upper']:.4f}"]
            for name in self.params.index
        ]
        level = int(round(100 * (1 - alpha)))
        table = SimpleTable(rows, headers=["", "coef", "std err", f"[{level}% lower", "upper]"])
        s = Summary()
        s.tables += [top, table]
        s.add_extra_txt([f"Intervals are Wald intervals on the log scale (positive parameters)."])
        return s

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"<{self.model_name} results: {inner}; llf={self.llf:.4f}>"


def numerical_hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, rel_step: float = 1e-5) -> np.ndarray:
    """Symmetrized central-difference Hessian from a gradient function."""
    x = np.asarray(x, dtype=float)
    k = x.size
    h = rel_step * np.maximum(1.0, np.abs(x))
    H = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h[j]
        H[:, j] = (grad(x + e) - grad(x - e)) / (2 * h[j])
    return 0.5 * (H + H.T)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, rel_step: float = 1e-6) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    h = rel_step * np.maximum(1.0, np.abs(x))
    g = np.empty_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h[j]
        g[j] = (f(x + e) - f(x - e)) / (2 * h[j])
    return g


def fit_positive(
    negloglik: NegLogLik,
    x0,
    names: list[str],
    *,
    model,
    nobs: float,
    model_name: str,
    has_gradient: bool = True,
    tol: float = 1e-10,
    maxiter: int = 2000,
) -> MLEResults:
    """Maximize a likelihood over strictly positive parameters.

    ``negloglik(theta)`` returns the negative log-likelihood at natural-scale ``theta`` and, when
    ``has_gradient``, also its gradient with respect to ``theta`` as a tuple ``(value, grad)``.
    The search runs on eta = log(theta) with BFGS; the chain rule gives d/d eta = theta * d/d theta.
    """
    x0 = np.asarray(x0, dtype=float)

    def value_grad_natural(theta):
        if has_gradient:
            v, g = negloglik(theta)
            return float(v), np.asarray(g, dtype=float)
        v = float(negloglik(theta))
        return v, numerical_gradient(lambda t: float(negloglik(t)), theta)

    def fun(eta):
        theta = np.exp(eta)
        v, g = value_grad_natural(theta)
        if not np.isfinite(v):
            return 1e300, np.zeros_like(eta)
        return v, g * theta

    res = optimize.minimize(fun, np.log(x0), jac=True, method="BFGS", options={"gtol": tol, "maxiter": maxiter})
    eta = res.x
    # polish: L-BFGS-B can stop early on flat likelihoods; a Newton-like step with the
    # numerical Hessian of the analytic gradient refines to the printed decimals.
    grad_eta = lambda e: fun(e)[1]
    for _ in range(20):
        H = numerical_hessian(grad_eta, eta)
        g = grad_eta(eta)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        new = eta - step
        if fun(new)[0] <= fun(eta)[0] + 1e-12:
            eta = new
        if np.max(np.abs(step)) < 1e-10:
            break
    H = numerical_hessian(grad_eta, eta)
    try:
        cov = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        cov = np.full_like(H, np.nan)
    theta = np.exp(eta)
    llf = -fun(eta)[0]
    return MLEResults(
        model=model,
        params=pd.Series(theta, index=names, name="params"),
        cov_params_log=pd.DataFrame(cov, index=names, columns=names),
        llf=float(llf),
        nobs=float(nobs),
        converged=bool(res.success or np.max(np.abs(grad_eta(eta))) < 1e-4),
        iterations=int(res.nit),
        model_name=model_name,
    )
