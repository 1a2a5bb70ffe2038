"""One estimate with its interval (:class:`Estimate`), the suite's interval formulas, and the table
that sets estimates beside a synthetic world's truth (:func:`recovery_table`).

An estimate carries its uncertainty: the value, the (1 - alpha) interval ``lower``..``upper``, the
standard error where one exists and the method that made the interval (delta method, bootstrap,
score interval, ...). Every function of the suite asks for the interval level the same way, with
``alpha`` (0.05 for 95%), as statsmodels' ``conf_int(alpha=...)`` does.

Intervals
---------
* Wilson score interval for one proportion (Wilson 1927; Agresti & Coull 1998):
  (p + z^2/2n +/- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n).
* Newcombe's hybrid score interval for a difference of two proportions (Newcombe 1998, method 10),
  built from the two Wilson intervals (l1, u1), (l2, u2):
  d - sqrt((p1-l1)^2 + (u2-p2)^2)  ...  d + sqrt((u1-p1)^2 + (p2-l2)^2).
* Log-ratio (delta-method) interval for a ratio of two independent means:
  Var(log m1/m0) ~= s1^2/(n1 m1^2) + s0^2/(n0 m0^2)   (Katz et al. 1978 for rates).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scipy import stats

from .checks import ALPHA, checked, instance


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its (1 - alpha) confidence interval.

    ``se`` is the standard error on the natural scale when one exists (NaN for bootstrap or
    score intervals that have none); ``method`` names how the interval was made.
    """

    value: float
    lower: float
    upper: float
    se: float = float("nan")
    method: str = ""
    alpha: float = 0.05

    def covers(self, x: float) -> bool:
        """True when ``x`` lies in the closed interval [lower, upper]."""
        return bool(self.lower <= x <= self.upper)

    def conf_int(self) -> tuple[float, float]:
        return (self.lower, self.upper)

    def as_dict(self, prefix: str = "") -> dict:
        return {f"{prefix}estimate": self.value, f"{prefix}lower": self.lower,
                f"{prefix}upper": self.upper, f"{prefix}se": self.se}

    def scaled(self, factor: float) -> "Estimate":
        """The estimate of ``factor * theta`` (factor > 0)."""
        return Estimate(self.value * factor, self.lower * factor, self.upper * factor,
                        self.se * abs(factor), self.method, self.alpha)

    @classmethod
    def from_draws(cls, value: float, draws, alpha: float = 0.05, method: str = "percentile bootstrap") -> "Estimate":
        """``value`` with the percentile interval and standard deviation of simulation ``draws``
        (bootstrap replicates or parameter draws); non-finite draws are ignored."""
        d = np.asarray(draws, dtype=float).ravel()
        d = d[np.isfinite(d)]
        if d.size < 2:
            return cls(float(value), np.nan, np.nan, np.nan, method, alpha)
        lo, hi = np.quantile(d, (alpha / 2, 1 - alpha / 2))
        return cls(float(value), float(lo), float(hi), float(d.std(ddof=1)), f"{method} ({d.size})", alpha)

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        level = round(100 * (1 - self.alpha))
        return f"Estimate({self.value:.4g}, {level}% CI [{self.lower:.4g}, {self.upper:.4g}], {self.method})"


@checked(alpha=ALPHA)
def z_value(alpha: float) -> float:
    """z_{1 - alpha/2}, the normal quantile of a two-sided (1 - alpha) interval.

    Parameters
    ----------
    alpha : float
        1 - the confidence level, in (0, 1).
    """
    return float(stats.norm.ppf(1 - alpha / 2))


@checked(results=instance(attributes=('params', 'conf_int', 'bse'), text='fitted results (params, bse, conf_int)'),
         alpha=ALPHA)
def estimates_of(results, alpha: float = 0.05) -> dict[str, Estimate]:
    """The parameters of fitted results (the suite's results protocol) as :class:`Estimate` s.

    Parameters
    ----------
    results : results
        fitted results of the results protocol (``params``, ``bse``, ``conf_int``).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    ci = results.conf_int(alpha)
    return {name: Estimate(float(results.params[name]), float(ci.loc[name, "lower"]), float(ci.loc[name, "upper"]),
                           float(results.bse[name]), "Wald (log scale)" if hasattr(results, "bse_log") else "Wald", alpha)
            for name in results.params.index}


def wilson_ci(k: float, n: float, alpha: float = 0.05) -> Estimate:
    """Proportion k/n with the Wilson score interval (NaN when n == 0)."""
    if n <= 0:
        return Estimate(np.nan, np.nan, np.nan, np.nan, "wilson", alpha)
    z = z_value(alpha)
    p = k / n
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return Estimate(float(p), float(max(0.0, centre - half)), float(min(1.0, centre + half)),
                    float(np.sqrt(p * (1 - p) / n)), "wilson", alpha)


def newcombe_diff_ci(k1: float, n1: float, k0: float, n0: float, alpha: float = 0.05) -> Estimate:
    """p1 - p0 with Newcombe's hybrid score interval (method 10)."""
    a, b = wilson_ci(k1, n1, alpha), wilson_ci(k0, n0, alpha)
    d = a.value - b.value
    lo = d - np.sqrt((a.value - a.lower) ** 2 + (b.upper - b.value) ** 2)
    hi = d + np.sqrt((a.upper - a.value) ** 2 + (b.value - b.lower) ** 2)
    se = np.sqrt(a.value * (1 - a.value) / n1 + b.value * (1 - b.value) / n0)
    return Estimate(float(d), float(lo), float(hi), float(se), "newcombe", alpha)


def wald_diff_ci(x1: np.ndarray, x0: np.ndarray, alpha: float = 0.05) -> Estimate:
    """Difference of two independent means with the Wald (unpooled, Welch-type) interval."""
    x1, x0 = np.asarray(x1, float), np.asarray(x0, float)
    d = x1.mean() - x0.mean()
    se = np.sqrt(x1.var(ddof=1) / x1.size + x0.var(ddof=1) / x0.size)
    z = z_value(alpha)
    return Estimate(float(d), float(d - z * se), float(d + z * se), float(se), "wald", alpha)


def ratio_ci(x1: np.ndarray, x0: np.ndarray, alpha: float = 0.05) -> Estimate:
    """Ratio of two independent means m1/m0 with the delta-method interval on the log scale."""
    x1, x0 = np.asarray(x1, float), np.asarray(x0, float)
    m1, m0 = x1.mean(), x0.mean()
    if m1 <= 0 or m0 <= 0:
        return Estimate(np.nan, np.nan, np.nan, np.nan, "log-ratio delta", alpha)
    se_log = np.sqrt(x1.var(ddof=1) / (x1.size * m1**2) + x0.var(ddof=1) / (x0.size * m0**2))
    r = m1 / m0
    z = z_value(alpha)
    return Estimate(float(r), float(r * np.exp(-z * se_log)), float(r * np.exp(z * se_log)),
                    float(r * se_log), "log-ratio delta", alpha)


@checked(truth=instance(dict, text='a dict of true values'), alpha=ALPHA)
def recovery_table(estimates, truth: dict, alpha: float = 0.05) -> pd.DataFrame:
    """Estimates beside the true values they should recover (synthetic data): the one helper every
    notebook uses to set a result beside the truth of the world it was generated from.

    ``estimates`` maps a label to an :class:`Estimate`, or is fitted results (their ``params`` and
    ``conf_int(alpha)``); ``truth`` maps the same labels to numbers (extra labels are ignored).
    Returns estimate, lower, upper, truth, covered (truth inside the closed interval) and z, the
    distance (estimate - truth) / se in standard errors (NaN without a standard error), one row per label.

    Parameters
    ----------
    estimates : dict or results
        label -> :class:`Estimate`, or fitted results (their ``params`` and ``conf_int(alpha)``).
    truth : dict
        label -> true value (extra labels are ignored).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    if not isinstance(estimates, dict):
        estimates = estimates_of(estimates, alpha)
    missing = set(estimates) - set(truth)
    if missing:
        raise ValueError(f"no true value for: {sorted(missing)}")
    rows = {k: {"estimate": e.value, "lower": e.lower, "upper": e.upper, "truth": float(truth[k]),
                "covered": e.covers(float(truth[k])),
                "z": (e.value - float(truth[k])) / e.se if e.se > 0 else np.nan} for k, e in estimates.items()}
    table = pd.DataFrame(rows).T.astype({"estimate": float, "lower": float, "upper": float, "truth": float,
                                         "covered": bool, "z": float})
    table.attrs.update(decimals="row", row_columns=["estimate", "lower", "upper", "truth"])   # rows differ in scale
    return table
