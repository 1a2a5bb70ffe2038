r"""Does a retention model project what it has not seen? Holdout checks on acquisition cohorts.

A set of acquisition cohorts (rows of :func:`relmkt_utils.retention.cohort_survivors` or
:func:`~relmkt_utils.retention.survivor_table`: the customers :math:`n_{c,t}` of cohort c alive at
the start of period t since acquisition) is cut at a calibration tenure :math:`T_c`. The pooled sBG
(:class:`~relmkt_utils.retention.PooledShiftedBetaGeometric`) and the pooled constant retention rate
are fitted to the periods :math:`t \le T_c` of every cohort and project the later ones. For each
held-out tenure :math:`t > T_c`, over the cohorts observed at t,

.. math:: A_t = \sum_c n_{c,t}, \qquad P_t = \sum_c n_{c,0}\,S(t), \qquad e_t = 100\,(P_t - A_t)/A_t,

and the holdout error of a model is the mean absolute percentage error :math:`\frac1H\sum_t |e_t|`
over the H held-out tenures (its *bias* the mean of :math:`e_t`). This is Fader & Hardie's (2007)
check -- fit years 0-7, compare years 8-12 -- applied to the pooled cohorts of a purchase log; the
calibration is the first half of the observed tenures (at least two periods) unless given.

A projection is said to *fit* when its holdout error is below :data:`HOLDOUT_FIT_THRESHOLD` percent
(the sBG misses Fader & Hardie's cohorts by 1.5% and 2.8%; a constant rate by 21% and 59%); the
reports' readings and the caution on values built on the sBG use this one threshold
(:func:`projection_caveat`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import Rule, checked, dataframe, instance, number, one_of
from ..core.errors import DataError
from ..core.estimate import wilson_ci
from ..core.time import UNITS
from .cohorts import constant_retention, fit_cohorts, fit_pooled
from .sbg import PooledShiftedBetaGeometric, SBGResults

#: Mean absolute percentage error of a holdout (in percent) below which a projection "fits".
HOLDOUT_FIT_THRESHOLD = 5.0
#: A pooled sBG resting on fewer observed periods than this projects far beyond its data.
MIN_PERIODS_FOR_FORECAST = 6

#: The argument rule of a pooled sBG: the results of :func:`~relmkt_utils.retention.fit_pooled` or None.
POOLED = Rule("the pooled sBG of fit_pooled or pooled_fit (SBGResults of a PooledShiftedBetaGeometric) or None",
              lambda v: "" if v is None or (isinstance(v, SBGResults) and isinstance(v.model, PooledShiftedBetaGeometric))
              else "fails")


@dataclass(frozen=True)
class Holdout:
    """The holdout check of a set of cohorts (module docstring). ``table`` has one row per held-out
    tenure (``cohorts``, ``actual``, ``sbg``, ``constant``, ``sbg_error_pct``, ``constant_error_pct``);
    it is None, with ``reason`` saying why, when the cohorts are too short to hold periods out."""

    table: pd.DataFrame | None
    calibration_periods: int | None
    observed_periods: int
    reason: str = ""
    alpha: float | None = None
    beta: float | None = None
    retention: float | None = None

    def error(self, model: str = "sbg") -> float | None:
        """Mean absolute percentage error of ``model`` ("sbg" or "constant") over the held-out tenures."""
        return None if self.table is None else float(self.table[f"{model}_error_pct"].abs().mean())

    def bias(self, model: str = "sbg") -> float | None:
        """Mean signed percentage error (positive: the model projects too many survivors)."""
        return None if self.table is None else float(self.table[f"{model}_error_pct"].mean())

    def reader_table(self) -> pd.DataFrame:
        """The held-out tenures in plain words: cohorts observed, survivors, each model's projection and error."""
        if self.table is None:
            return pd.DataFrame()
        t = self.table
        out = pd.DataFrame({"cohorts observed": t["cohorts"], "customers still there": t["actual"],
                            "sBG projection": t["sbg"], "sBG error": t["sbg_error_pct"],
                            "constant-rate projection": t["constant"], "constant-rate error": t["constant_error_pct"]})
        out.index = [f"period {p}" for p in out.index]
        out.attrs["kinds"] = {"cohorts observed": "count", "customers still there": "count", "sBG projection": "count",
                              "constant-rate projection": "count", "sBG error": "percent", "constant-rate error": "percent"}
        return out.rename_axis("held out")

    def fits(self, model: str = "sbg") -> bool:
        """Whether the holdout error is below :data:`HOLDOUT_FIT_THRESHOLD`."""
        e = self.error(model)
        return e is not None and e < HOLDOUT_FIT_THRESHOLD


def observed_periods(table: pd.DataFrame) -> int:
    """The longest tenure (periods since acquisition) any cohort of ``table`` is observed at."""
    seen = [c for c in table.columns if table[c].notna().any()]
    return int(max(seen)) if seen else 0


@checked(table=dataframe(), calibration_periods=number(1, integer=True, none=True))
def pooled_holdout(table: pd.DataFrame, calibration_periods: int | None = None) -> Holdout:
    """Fit the pooled sBG and the constant rate to tenures 0..T_c of every cohort and compare their
    projections of the later tenures with the survivors (module docstring). ``calibration_periods``
    defaults to half the longest observed tenure, at least 2; at least one tenure must remain.

    Parameters
    ----------
    table : DataFrame
        survivors per cohort as :func:`~relmkt_utils.retention.cohort_survivors` or
        :func:`~relmkt_utils.retention.survivor_table` lay them out (rows cohorts, columns tenures 0, 1, ...,
        NaN where a cohort is not observed).
    calibration_periods : int or None, default None
        the last tenure T_c the models are fitted to, >= 1; None for half the longest observed tenure (at
        least 2). A T_c that leaves no later tenure gives a Holdout without a table, and its reason.
    """
    T = observed_periods(table)
    Tc = max(2, T // 2) if calibration_periods is None else int(calibration_periods)
    if T < 3 or not 1 <= Tc < T:
        return Holdout(None, None, T, reason=f"the cohorts are observed for only {T} periods after acquisition, too "
                                             "few to fit a model on some and check it on the rest (at least 3 are needed)")
    calibration = table.loc[:, [c for c in table.columns if c <= Tc]]
    try:
        sbg = fit_pooled(calibration)
    except DataError as err:
        return Holdout(None, Tc, T, reason=" ".join(str(err).split()))
    r = constant_retention(calibration)
    rows = []
    for t in (c for c in table.columns if Tc < c <= T):
        seen = table[t].notna()
        actual, n0 = float(table.loc[seen, t].sum()), float(table.loc[seen, 0].sum())
        if not seen.any() or actual <= 0:
            continue
        rows.append({"period": t, "cohorts": int(seen.sum()), "actual": actual,
                     "sbg": n0 * float(sbg.survival(t)), "constant": n0 * r ** t})
    if not rows:
        return Holdout(None, Tc, T, reason="no customer is left in the held-out periods to compare with")
    out = pd.DataFrame(rows).set_index("period")
    for model in ("sbg", "constant"):
        out[f"{model}_error_pct"] = 100 * (out[model] - out["actual"]) / out["actual"]
    return Holdout(out, Tc, T, alpha=sbg.alpha, beta=sbg.beta, retention=r)


@checked(observed=number(0, integer=True), period=one_of(*UNITS), holdout_error=number(0, none=True))
def projection_caveat(observed: int, period: str, holdout_error: float | None) -> dict:
    """The status of a value projected by an sBG fitted to ``observed`` periods of renewals
    (``period``: month, quarter, year) with the given holdout error (percent, None when it could not
    be checked): ``{"status": "ok" | "caution", "reason": sentence}``, to pass to a finding.

    Caution when fewer than :data:`MIN_PERIODS_FOR_FORECAST` periods were observed (a lifetime is
    projected far beyond the data: an illustration of the method, not a forecast), or when the
    projection misses its holdout by :data:`HOLDOUT_FIT_THRESHOLD` percent or more.

    Parameters
    ----------
    observed : int
        periods of renewals the sBG was fitted to (the longest observed tenure), >= 0.
    period : {'day', 'week', 'month', 'quarter', 'year'}
        the name of one period, as the reason says it (``'quarter'``: "6 quarters of renewals").
    holdout_error : float or None
        the sBG's mean absolute percentage error on the held-out periods (:meth:`Holdout.error`), in
        percent, >= 0; None when the projection could not be checked.
    """
    if observed < MIN_PERIODS_FOR_FORECAST:
        return {"status": "caution",
                "reason": f"the sBG rests on {observed} {period}{'s' if observed != 1 else ''} of renewals and projects "
                          "lifetimes far beyond them: read this as an illustration of the method, not as a forecast"}
    if holdout_error is not None and holdout_error >= HOLDOUT_FIT_THRESHOLD:
        return {"status": "caution",
                "reason": f"the sBG misses the survivors of the held-out {period}s by {holdout_error:.1f}% on average "
                          f"(more than {HOLDOUT_FIT_THRESHOLD:.0f}%), so values built on it are uncertain beyond their "
                          "interval"}
    return {"status": "ok", "reason": ""}


@checked(table=dataframe())
def tenure_retention(table: pd.DataFrame) -> pd.DataFrame:
    """Observed retention by tenure, pooled over the cohorts that observe both periods, with Wilson
    95% intervals: rows t = 1..T, columns ``at_risk``, ``retained``, ``retention``, ``lower``, ``upper``.

    Parameters
    ----------
    table : DataFrame
        survivors per cohort (rows) and tenure (columns 0, 1, ...), NaN where a cohort is not observed.
    """
    v = table.to_numpy(dtype=float)
    rows = []
    for j, t in enumerate(table.columns[1:], start=1):
        both = ~np.isnan(v[:, j - 1]) & ~np.isnan(v[:, j])
        n, k = float(v[both, j - 1].sum()), float(v[both, j].sum())
        if n > 0:
            e = wilson_ci(k, n)
            rows.append({"period": t, "at_risk": n, "retained": k, "retention": e.value, "lower": e.lower,
                         "upper": e.upper})
    return pd.DataFrame(rows).set_index("period")


@checked(table=dataframe(), first=number(1, integer=True), last=number(1, integer=True, none=True))
def retention_over(table: pd.DataFrame, first: int = 2, last: int | None = None):
    """One retention rate for the renewals ``first``..``last`` (all later ones when None), pooled over
    cohorts and periods (customers retained over customers at risk), with its Wilson interval
    (:class:`~relmkt_utils.core.estimate.Estimate`); None when no cohort is observed that long.

    Parameters
    ----------
    table : DataFrame
        survivors per cohort (rows) and tenure (columns 0, 1, ...), NaN where a cohort is not observed.
    first : int, default 2
        the first renewal (tenure) pooled, >= 1 (1: retention from acquisition to the first renewal).
    last : int or None, default None
        the last renewal pooled, >= 1; None for every later one observed.
    """
    t = tenure_retention(table)
    t = t[(t.index >= first) & ((t.index <= last) if last is not None else True)]
    if t.empty:
        return None
    return wilson_ci(float(t["retained"].sum()), float(t["at_risk"].sum()))


@checked(table=dataframe())
def pooled_fit(table: pd.DataFrame):
    """The pooled sBG of ``table`` (:func:`relmkt_utils.retention.fit_pooled`) and an empty reason, or
    None and the sentence why it cannot be fitted (no cohort with a renewal, nobody churned).

    Parameters
    ----------
    table : DataFrame
        survivors per cohort (rows) and tenure (columns 0, 1, ...), NaN where a cohort is not observed.
    """
    try:
        return fit_pooled(table), ""
    except DataError as err:
        return None, " ".join(str(err).split())


@checked(table=dataframe(), pooled=POOLED)
def cohort_fit_table(table: pd.DataFrame, pooled) -> pd.DataFrame:
    """An sBG per cohort with three or more periods (:func:`relmkt_utils.retention.fit_cohorts`) and
    the pooled one (when there is one), in plain words: customers, periods, alpha, beta, retention at the first and at the
    last observed renewal (the mean churn probability is one minus the first).

    Parameters
    ----------
    table : DataFrame
        survivors per cohort (rows) and tenure (columns 0, 1, ...), NaN where a cohort is not observed.
    pooled : SBGResults or None
        the pooled sBG of ``table`` (:func:`pooled_fit` or :func:`~relmkt_utils.retention.fit_pooled`),
        its last row; None when it could not be fitted (no pooled row).
    """
    fits = fit_cohorts(table)
    rows = [{"cohort": str(c), "customers": r["n0"], "periods": r["periods"], "α": r["alpha"], "β": r["beta"],
             "retention at the first renewal": r["retention_1"], "retention at the last renewal": r["retention_T"]}
            for c, r in fits.iterrows()]
    T = pooled.model.n_periods if pooled is not None else 0
    rows += [] if pooled is None else [{"cohort": f"all {pooled.model.n_cohorts} cohorts pooled", "customers": pooled.nobs, "periods": T,
                 "α": pooled.alpha, "β": pooled.beta, "retention at the first renewal": float(pooled.retention_rate(1)),
                 "retention at the last renewal": float(pooled.retention_rate(T))}]
    out = pd.DataFrame(rows, columns=["cohort", "customers", "periods", "α", "β", "retention at the first renewal",
                                      "retention at the last renewal"]).set_index("cohort")
    out.attrs["kinds"] = {"customers": "count", "periods": "count", "α": "number", "β": "number",
                          "retention at the first renewal": "share", "retention at the last renewal": "share"}
    return out


@checked(table=dataframe(), pooled=instance(SBGResults, text="fitted sBG results (SBGResults)", none=True))
def tenure_table(table: pd.DataFrame, pooled) -> pd.DataFrame:
    """Retention by tenure pooled over the cohorts beside the pooled sBG's r(t): rows customers at
    risk, retained, observed rate (with its interval) and the sBG's rate; one column per renewal.

    Parameters
    ----------
    table : DataFrame
        survivors per cohort (rows) and tenure (columns 0, 1, ...), NaN where a cohort is not observed.
    pooled : SBGResults or None
        the sBG whose retention rate r(t) is set beside the observed one (the pooled sBG of ``table``,
        :func:`pooled_fit`); None leaves its row empty (NaN).
    """
    t = tenure_retention(table)
    out = pd.DataFrame({"customers at risk": t["at_risk"], "customers retained": t["retained"],
                        "observed retention": t["retention"],
                        "95% interval": [f"{100 * lo:.1f}% to {100 * hi:.1f}%" for lo, hi in zip(t["lower"], t["upper"])],
                        "sBG r(t)": pooled.retention_rate(t.index.to_numpy()) if pooled is not None else np.nan}).T
    out.columns = [f"renewal {c}" for c in out.columns]
    out = out.rename_axis("")
    out.attrs["row_kinds"] = {"customers at risk": "count", "customers retained": "count", "observed retention": "share",
                              "95% interval": "text", "sBG r(t)": "share"}
    return out


__all__ = ["HOLDOUT_FIT_THRESHOLD", "MIN_PERIODS_FOR_FORECAST", "Holdout", "cohort_fit_table", "observed_periods",
           "pooled_fit", "pooled_holdout", "projection_caveat", "retention_over", "tenure_retention", "tenure_table"]
