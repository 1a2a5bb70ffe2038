"""Incrementality of the referral program from the randomized program / holdout split.

The unit is the existing customer, randomized to ``program`` (may send rewarded invitations) or
``holdout`` (no program; its referrals are the word of mouth that happens anyway, captured when a
new customer names the referrer). Outcomes per customer over the program window:
N = new customers brought (converted referrals) and A = 1{N >= 1}.

* Share with >= 1 new customer: p1 - p0 with Newcombe's hybrid score interval and the Wald
  interval; two-proportion z-test (statsmodels ``proportions_ztest``).
* New customers per customer: lift = mean(N | program) - mean(N | holdout), Wald interval.
* Adjusted effect: logit P(A = 1) = b0 + b1 program + controls (relationship level, tenure);
  odds ratio exp(b1) and the average marginal effect of the program (statsmodels ``Logit``).
  Randomization makes controls optional; they only sharpen the estimate.
* Cannibalization: the share of the program's referrals that would have come anyway,
  kappa = mean(N | holdout) / mean(N | program), delta-method interval on log kappa.
  Incremental share s = 1 - kappa.
* Incremental customers caused by the program: lift x n_program (interval scaled likewise).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.discrete.discrete_model import Logit
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.tools.tools import add_constant

from ..core.checks import ALPHA, TEXT, checked, dataframe, instance
from ..core.errors import require_columns
from ..core.estimate import Estimate, newcombe_diff_ci, ratio_ci, wald_diff_ci, z_value
from ..core.results import StatsmodelsResults
from ..core.time import DAYS_PER_YEAR, to_dates
from .funnel import converted, experiment_units



@checked(customers=dataframe(), referrals=dataframe())
def acquisition_outcomes(customers: pd.DataFrame, referrals: pd.DataFrame, eligible_before=None,
                         as_of=None) -> pd.DataFrame:
    """One row per experimental unit: group, program (0/1), new_customers, any_new, rewards paid,
    plus relationship_level and tenure_years (at ``eligible_before`` or ``as_of``) when available.

    ``eligible_before`` (usually the program start) keeps customers acquired before it, so that
    referees who joined during the program are not counted as units.

    Parameters
    ----------
    customers : DataFrame
        the canonical customers table (``customer_id``, ``acquired_at``, ``channel``,
        ``relationship_level``, ...).
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    eligible_before : date-like or None, default None
        keep only customers acquired before this date (usually the program start).
    as_of : date-like or None
        date of the data; default the last date of the tables.
    """
    require_columns(customers, "customers", ("customer_id", "referral_group"))
    require_columns(referrals, "referrals", ("referrer_id", "referee_id"))
    units = experiment_units(customers, eligible_before=eligible_before)
    units = units[units["referral_group"].isin(["program", "holdout"])]
    conv = referrals[converted(referrals)]
    ids = units["customer_id"]
    out = pd.DataFrame({"customer_id": ids.to_numpy(), "group": units["referral_group"].to_numpy()})
    out["program"] = (out["group"] == "program").astype(int)
    out["new_customers"] = ids.map(conv.groupby("referrer_id").size()).fillna(0).astype(int).to_numpy()
    out["any_new"] = (out["new_customers"] > 0).astype(int)
    reward = pd.Series(0.0, index=conv.index)
    for col in ("reward_referrer", "reward_referee"):
        if col in conv.columns:
            reward += pd.to_numeric(conv[col], errors="coerce").fillna(0.0)
    paid = reward.groupby(conv["referrer_id"]).sum()
    out["rewards"] = ids.map(paid).fillna(0.0).to_numpy(float)
    if "relationship_level" in units.columns:
        out["relationship_level"] = units["relationship_level"].to_numpy()
    if "acquired_at" in units.columns:
        ref = pd.Timestamp(eligible_before if eligible_before is not None else (as_of or to_dates(units["acquired_at"]).max()))
        out["tenure_years"] = ((ref - to_dates(units["acquired_at"])).dt.days / DAYS_PER_YEAR).to_numpy()
    return out


@dataclass
class IncrementalityResult:
    """Program vs holdout: rates, differences with intervals, the z-test."""

    share_any_diff: Estimate
    share_any_diff_wald: Estimate
    new_per_customer_diff: Estimate
    z: float
    p_value: float
    table: pd.DataFrame


@checked(outcomes=dataframe(), alpha=ALPHA)
def incrementality_test(outcomes: pd.DataFrame, alpha: float = 0.05) -> IncrementalityResult:
    """Two-proportion z-test and intervals for the lift in new-customer acquisition (module doc).

    Parameters
    ----------
    outcomes : DataFrame
        experimental units of :func:`acquisition_outcomes` (``group``, ``program``, ``new_customers``,
        ``any_new``, ``rewards``, controls).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    g1, g0 = outcomes[outcomes["program"] == 1], outcomes[outcomes["program"] == 0]
    if len(g1) < 2 or len(g0) < 2:
        raise ValueError("both the program and the holdout group need at least two customers")
    k1, n1, k0, n0 = int(g1["any_new"].sum()), len(g1), int(g0["any_new"].sum()), len(g0)
    newc = newcombe_diff_ci(k1, n1, k0, n0, alpha)
    wald = wald_diff_ci(g1["any_new"], g0["any_new"], alpha)
    z, p = proportions_ztest([k1, k0], [n1, n0])
    lift = wald_diff_ci(g1["new_customers"], g0["new_customers"], alpha)
    table = pd.DataFrame({
        "program": [k1 / n1, g1["new_customers"].mean(), n1],
        "holdout": [k0 / n0, g0["new_customers"].mean(), n0],
    }, index=["share with >= 1 new customer", "new customers per customer", "customers"])
    table["difference"] = [newc.value, lift.value, np.nan]
    table["lower"] = [newc.lower, lift.lower, np.nan]
    table["upper"] = [newc.upper, lift.upper, np.nan]
    table.attrs["row_kinds"] = {"share with >= 1 new customer": "share", "new customers per customer": "number",
                                "customers": "count"}
    return IncrementalityResult(newc, wald, lift, float(z), float(p), table)


@dataclass
class LogitIncrementality:
    """Covariate-adjusted program effect on P(>= 1 new customer)."""

    odds_ratio: Estimate
    marginal_effect: Estimate
    results: object


@checked(outcomes=dataframe(), alpha=ALPHA)
def incrementality_logit(outcomes: pd.DataFrame, covariates=("relationship_level", "tenure_years"),
                         alpha: float = 0.05) -> LogitIncrementality:
    """Logit of any_new on program and controls; odds ratio and average marginal effect of program.

    Parameters
    ----------
    outcomes : DataFrame
        experimental units of :func:`acquisition_outcomes` (``group``, ``program``, ``new_customers``,
        ``any_new``, ``rewards``, controls).
    covariates : sequence of str, default ('relationship_level', 'tenure_years')
        control columns of ``outcomes``.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    cols = [c for c in covariates if c in outcomes.columns]
    X = outcomes[["program"]].astype(float)
    for c in cols:
        if outcomes[c].dtype == object or isinstance(outcomes[c].dtype, pd.CategoricalDtype) or outcomes[c].dtype == "string":
            X = X.join(pd.get_dummies(outcomes[c], prefix=c, drop_first=True, dtype=float))
        else:
            X[c] = outcomes[c].astype(float)
    X = add_constant(X)
    res = StatsmodelsResults(Logit(outcomes["any_new"].astype(float), X).fit(disp=0), "logit of any new customer")
    z = z_value(alpha)
    b, se = float(res.params["program"]), float(res.bse["program"])
    odds = Estimate(float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se)),
                    float(np.exp(b) * se), "logit Wald", alpha)
    me = res.get_margeff(at="overall", dummy=True)
    j = list(X.columns[1:]).index("program")
    lo, hi = me.conf_int(alpha=alpha)[j]
    ame = Estimate(float(me.margeff[j]), float(lo), float(hi), float(me.margeff_se[j]), "logit AME", alpha)
    return LogitIncrementality(odds, ame, res)


@checked(outcomes=dataframe(), alpha=ALPHA)
def cannibalization(outcomes: pd.DataFrame, alpha: float = 0.05) -> Estimate:
    """kappa = mean new customers per holdout customer / per program customer (log delta interval).

    Parameters
    ----------
    outcomes : DataFrame
        experimental units of :func:`acquisition_outcomes` (``group``, ``program``, ``new_customers``,
        ``any_new``, ``rewards``, controls).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    x1 = outcomes.loc[outcomes["program"] == 1, "new_customers"]
    x0 = outcomes.loc[outcomes["program"] == 0, "new_customers"]
    return ratio_ci(x0, x1, alpha)


@checked(outcomes=dataframe(), alpha=ALPHA)
def incremental_customers(outcomes: pd.DataFrame, alpha: float = 0.05) -> Estimate:
    """New customers the program caused: (mean N program - mean N holdout) x n_program.

    Parameters
    ----------
    outcomes : DataFrame
        experimental units of :func:`acquisition_outcomes` (``group``, ``program``, ``new_customers``,
        ``any_new``, ``rewards``, controls).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    g1, g0 = outcomes[outcomes["program"] == 1], outcomes[outcomes["program"] == 0]
    return wald_diff_ci(g1["new_customers"], g0["new_customers"], alpha).scaled(len(g1))


@checked(outcomes=dataframe(), column=TEXT, alpha=ALPHA)
def lift_table(outcomes: pd.DataFrame, column: str = "new_customers", alpha: float = 0.05) -> pd.DataFrame:
    """Program mean, holdout mean and their difference with Wald intervals, for ``plots.referral.lift``.

    Columns label, estimate, lower, upper; rows "program", "holdout", "difference (lift)".

    Parameters
    ----------
    outcomes : DataFrame
        experimental units of :func:`acquisition_outcomes` (``group``, ``program``, ``new_customers``,
        ``any_new``, ``rewards``, controls).
    column : str, default 'new_customers'
        the outcome column compared.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    z = z_value(alpha)
    rows = []
    for key, label in ((1, "program"), (0, "holdout")):
        x = outcomes.loc[outcomes["program"] == key, column].to_numpy(float)
        m, se = x.mean(), x.std(ddof=1) / np.sqrt(x.size)
        rows.append({"label": label, "estimate": m, "lower": m - z * se, "upper": m + z * se})
    d = wald_diff_ci(outcomes.loc[outcomes["program"] == 1, column], outcomes.loc[outcomes["program"] == 0, column], alpha)
    rows.append({"label": "difference (lift)", "estimate": d.value, "lower": d.lower, "upper": d.upper})
    return pd.DataFrame(rows)


@checked(test=instance(IncrementalityResult, text="an IncrementalityResult (the result of incrementality_test)"),
         logit=instance(LogitIncrementality, text="a LogitIncrementality (the result of incrementality_logit)"))
def effects_table(test: IncrementalityResult, logit: LogitIncrementality) -> pd.DataFrame:
    """The programme's effect on the share of customers who bring someone, three ways, as a reader's
    table (each row in its own kind): the difference of the shares (Newcombe) and the average marginal
    effect of the logit with controls in percentage points, the logit's odds ratio; columns estimate,
    lower, upper.

    Parameters
    ----------
    test : IncrementalityResult
        the program vs holdout comparison of :func:`incrementality_test` (its Newcombe difference of
        the shares with a new customer).
    logit : LogitIncrementality
        the logit with controls of :func:`incrementality_logit` (its odds ratio and average marginal
        effect of the program).
    """
    points = "percentage points of the share with a new customer"
    rows = {f"programme minus holdout, Newcombe ({points})": test.share_any_diff.scaled(100),
            "odds ratio of bringing someone, logit with controls": logit.odds_ratio,
            f"average marginal effect, logit with controls ({points})": logit.marginal_effect.scaled(100)}
    out = pd.DataFrame({"estimate": [e.value for e in rows.values()], "lower": [e.lower for e in rows.values()],
                        "upper": [e.upper for e in rows.values()]}, index=pd.Index(list(rows), name="effect"))
    out.attrs["row_kinds"] = dict(zip(rows, ("number", "ratio", "number")))
    return out
