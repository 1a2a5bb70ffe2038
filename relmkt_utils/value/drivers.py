"""Drivers of satisfaction, repurchase intent and NPS: which value or cost component matters most.

Models, each of an outcome y on the eight component scores x_1..x_8 (``value_scores`` output):

* **OLS with HC3 errors**: y = b_0 + sum_c b_c x_c + e, fitted by statsmodels ``OLS``; standard
  errors are the heteroskedasticity-consistent HC3 estimator (MacKinnon & White 1985), a safe
  default for bounded 1-7 / 0-10 outcomes whose error variance shrinks near the scale ends.
* **Ordered logit**: P(y <= j) = Lambda(tau_j - sum_c b_c x_c), fitted by statsmodels
  ``OrderedModel(distr="logit")`` (McCullagh 1980); it respects that y is ordinal.

Standardized coefficients (beta weights, for the importance chart):

* OLS:           beta_c = b_c * sd(x_c) / sd(y)                       (Hair et al., *Multivariate Data Analysis*)
* ordered logit: beta_c = b_c * sd(x_c) / sd(y*),  sd(y*)^2 = var(x'b) + pi^2/3
  (y*-standardization on the latent scale, Long 1997, *Regression Models for Categorical and
  Limited Dependent Variables*, ch. 3 for the y*-standardized coefficients, ch. 5 for ordinal outcomes.)

Their CIs are the coefficient's CI times the same factor (the sample sds treated as fixed).

Importance-performance analysis (IPA, Martilla & James 1977, *J. Marketing* 41(1):77-79):
importance = standardized coefficient, performance = mean component score. Both are oriented so
that higher = better: for a cost construct (monetary, time, energy, psychic) performance is
(1 + 7) - mean score (a low perceived cost performs well) and importance is -beta (the effect of
*lowering* the cost by one sd). The crosshairs are the medians of importance and of performance.
Quadrants: "concentrate here" (importance >= median, performance < median), "keep up the good
work" (>=, >=), "low priority" (<, <), "possible overkill" (<, >=).

Rule for what to improve first: among components with below-median performance, the one with the
highest importance. When the "concentrate here" quadrant is not empty this is its most important
member (any member has importance >= median, so it beats every low-importance candidate).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

from ..core.checks import ALPHA, COUNT, SERIES, TEXT, checked, dataframe, instance, number, one_of
from ..core.errors import DataError
from ..core.results import StatsmodelsResults
from ..data.tables import CONSTRUCTS, LIKERT_HI, LIKERT_LO

from .labels import label
from .scores import construct_kind

OUTCOMES = ("satisfaction", "repurchase_intent", "nps")
QUADRANTS = ("concentrate here", "keep up the good work", "low priority", "possible overkill")


def _components(scores: pd.DataFrame, components) -> list[str]:
    if components is None:
        components = [c for c in CONSTRUCTS if c in scores.columns]
    components = list(components)
    if not components:
        raise DataError("no component score columns found (expected some of: " + ", ".join(CONSTRUCTS) + ")")
    missing = [c for c in components if c not in scores.columns]
    if missing:
        raise DataError(f"component column(s) not in the scores: {', '.join(missing)}")
    return components


def _design(scores: pd.DataFrame, outcome: str, components) -> tuple[pd.Series, pd.DataFrame]:
    if outcome not in scores.columns:
        raise DataError(f"outcome column '{outcome}' not in the data")
    comps = _components(scores, components)
    data = scores[[outcome] + comps].apply(pd.to_numeric, errors="coerce").dropna()
    if len(data) <= len(comps) + 2:
        raise DataError(f"too few complete rows ({len(data)}) to regress '{outcome}' on {len(comps)} components")
    return data[outcome].astype(float), data[comps].astype(float)


@checked(scores=dataframe(), outcome=TEXT, cov_type=TEXT)
def fit_driver_ols(scores: pd.DataFrame, outcome: str, components=None, cov_type: str = "HC3"):
    """statsmodels OLS of ``outcome`` on the component scores (with intercept), HC3 errors by default.

    Parameters
    ----------
    scores : DataFrame
        construct scores and outcomes of :func:`relmkt_utils.value.value_scores`.
    outcome : str
        the outcome column (``'satisfaction'``, ``'repurchase_intent'`` or ``'nps'``).
    components : list of str or None
        the value and cost components used as drivers; default: every construct found in ``scores``.
    cov_type : str
        statsmodels covariance type of the standard errors (default ``'HC3'``).
    """
    y, X = _design(scores, outcome, components)
    fit = sm.OLS(y, sm.add_constant(X, has_constant="add")).fit(cov_type=cov_type)
    return StatsmodelsResults(fit, f"OLS ({cov_type}) of {outcome}")


@checked(scores=dataframe(), outcome=TEXT, maxiter=COUNT)
def fit_driver_ordered(scores: pd.DataFrame, outcome: str, components=None, maxiter: int = 2000):
    """statsmodels ``OrderedModel(distr="logit")`` of ``outcome`` on the component scores.

    The thresholds play the role of the intercept (no constant in the design). Fitted by BFGS.

    Parameters
    ----------
    scores : DataFrame
        construct scores and outcomes of :func:`relmkt_utils.value.value_scores`.
    outcome : str
        the outcome column (``'satisfaction'``, ``'repurchase_intent'`` or ``'nps'``).
    components : list of str or None
        the value and cost components used as drivers; default: every construct found in ``scores``.
    maxiter : int, default 2000
        most iterations of the optimizer.
    """
    y, X = _design(scores, outcome, components)
    levels = np.sort(y.unique())
    if levels.size < 3:
        raise DataError(f"the ordered logit needs at least three observed levels of '{outcome}'")
    y_cat = pd.Series(pd.Categorical(y, categories=levels, ordered=True), index=y.index)
    model = OrderedModel(y_cat, X, distr="logit")
    return StatsmodelsResults(model.fit(method="bfgs", maxiter=maxiter, disp=False), f"ordered logit of {outcome}")


@checked(scores=dataframe(), outcome=TEXT, model=one_of('ols', 'ordered'), alpha=ALPHA)
def standardized_coefficients(
    scores: pd.DataFrame, outcome: str, components=None, model: str = "ols", alpha: float = 0.05
) -> pd.DataFrame:
    """Tidy table of raw and standardized coefficients of one driver model, with CIs.

    Columns: ``outcome, model, component, kind, coef, se, lower, upper, p_value, beta, beta_lower,
    beta_upper, n``. See the module docstring for the standardization of each model.

    Parameters
    ----------
    scores : DataFrame
        construct scores and outcomes of :func:`relmkt_utils.value.value_scores`.
    outcome : str
        the outcome column (``'satisfaction'``, ``'repurchase_intent'`` or ``'nps'``).
    components : list of str or None
        the driver components; default every construct found in ``scores``.
    model : {'ols', 'ordered'}, default 'ols'
        driver model: OLS with HC3 errors or ordered logit.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    y, X = _design(scores, outcome, components)
    comps = list(X.columns)
    if model == "ols":
        res = fit_driver_ols(scores, outcome, comps)
        sd_y = y.std(ddof=1)
    elif model == "ordered":
        res = fit_driver_ordered(scores, outcome, comps)
        xb = X.to_numpy() @ res.params[comps].to_numpy()
        sd_y = float(np.sqrt(xb.var(ddof=1) + np.pi**2 / 3))
    else:
        raise ValueError(f"model must be 'ols' or 'ordered', got {model!r}")
    ci = res.conf_int(alpha=alpha)
    factor = X.std(ddof=1) / sd_y
    table = pd.DataFrame(
        {
            "outcome": outcome,
            "model": model,
            "component": comps,
            "kind": [construct_kind(c) for c in comps],
            "coef": res.params[comps].to_numpy(),
            "se": res.bse[comps].to_numpy(),
            "lower": ci.loc[comps, "lower"].to_numpy(),
            "upper": ci.loc[comps, "upper"].to_numpy(),
            "p_value": res.pvalues[comps].to_numpy(),
        }
    )
    f = factor[comps].to_numpy()
    table["beta"] = table["coef"] * f
    table["beta_lower"] = table["lower"] * f
    table["beta_upper"] = table["upper"] * f
    table["n"] = int(len(y))
    return table


@checked(scores=dataframe(), model=one_of('ols', 'ordered'), alpha=ALPHA)
def driver_importance(
    scores: pd.DataFrame, outcomes=OUTCOMES, components=None, model: str = "ols", alpha: float = 0.05
) -> pd.DataFrame:
    """``standardized_coefficients`` stacked over the outcomes present in ``scores``.

    Parameters
    ----------
    scores : DataFrame
        construct scores and outcomes of :func:`relmkt_utils.value.value_scores`.
    outcomes : sequence of str
        the outcomes modelled (those present in ``scores``).
    components : list of str or None
        the value and cost components used as drivers; default: every construct found in ``scores``.
    model : {'ols', 'ordered'}, default 'ols'
        driver model: OLS with HC3 errors or ordered logit.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    present = [o for o in outcomes if o in scores.columns]
    if not present:
        raise DataError("none of the outcomes " + ", ".join(outcomes) + " is in the data")
    return pd.concat(
        [standardized_coefficients(scores, o, components, model=model, alpha=alpha) for o in present],
        ignore_index=True,
    )


@checked(importance=SERIES, performance=SERIES)
def ipa_table(importance: pd.Series, performance: pd.Series) -> pd.DataFrame:
    """Quadrants of an importance-performance map from *oriented* importance and performance.

    Both Series are indexed by component and oriented so that higher = better. Crosshairs at the
    medians; ``improve_first`` marks the component with the highest importance among those with
    performance below the median (Martilla & James 1977 "concentrate here" rule; see module docstring).
    Columns: ``component, importance, performance, quadrant, improve_first``; sorted by priority
    (concentrate here first, then by importance descending).

    Parameters
    ----------
    importance : Series
        oriented importance by component (higher = more important).
    performance : Series
        oriented performance by component (higher = better).
    """
    imp = pd.Series(importance, dtype=float)
    perf = pd.Series(performance, dtype=float).reindex(imp.index)
    if imp.isna().any() or perf.isna().any():
        raise ValueError("importance and performance must be given, without gaps, for the same components")
    m_imp, m_perf = imp.median(), perf.median()
    high = imp >= m_imp
    good = perf >= m_perf
    quadrant = np.select(
        [high & ~good, high & good, ~high & ~good],
        [QUADRANTS[0], QUADRANTS[1], QUADRANTS[2]],
        default=QUADRANTS[3],
    )
    out = pd.DataFrame(
        {"component": imp.index.astype(str), "importance": imp.to_numpy(), "performance": perf.to_numpy(),
         "quadrant": quadrant}
    )
    below = out["performance"] < m_perf
    out["improve_first"] = False
    if below.any():
        out.loc[out.loc[below, "importance"].idxmax(), "improve_first"] = True
    out["_q"] = out["quadrant"].map({q: i for i, q in enumerate(QUADRANTS)})
    out = out.sort_values(["_q", "importance"], ascending=[True, False]).drop(columns="_q").reset_index(drop=True)
    out.attrs["importance_median"] = float(m_imp)
    out.attrs["performance_median"] = float(m_perf)
    return out


@checked(scores=dataframe(), importance=dataframe(), outcome=instance(str, none=True))
def importance_performance(scores: pd.DataFrame, importance: pd.DataFrame, outcome: str | None = None) -> pd.DataFrame:
    """Importance-performance map of the components for one outcome.

    ``importance`` is a ``standardized_coefficients`` / ``driver_importance`` table. Performance is
    the mean component score in ``scores``. Orientation (higher = better): for cost constructs
    performance = (1 + 7) - mean and importance = -beta; value constructs are used as they are.
    Adds ``kind``, ``beta`` (unoriented) and ``mean_score`` (unoriented) to the ``ipa_table`` columns.

    Parameters
    ----------
    scores : DataFrame
        construct scores and outcomes of :func:`relmkt_utils.value.value_scores`.
    importance : DataFrame
        a :func:`standardized_coefficients` or :func:`driver_importance` table.
    outcome : str or None
        the outcome whose importances are used; default the first in ``importance``.
    """
    table = importance
    outcomes = table["outcome"].unique()
    if outcome is None:
        if len(outcomes) > 1:
            raise ValueError(f"the importance table has several outcomes ({', '.join(outcomes)}); pick one with outcome=")
        outcome = outcomes[0]
    table = table[table["outcome"] == outcome]
    if table.empty:
        raise DataError(f"no importance rows for outcome '{outcome}'")
    table = table.set_index("component")
    kinds = pd.Series([construct_kind(c) for c in table.index], index=table.index)
    sign = np.where(kinds == "cost", -1.0, 1.0)
    mean_score = scores[list(table.index)].mean()
    perf = pd.Series(np.where(kinds == "cost", LIKERT_LO + LIKERT_HI - mean_score, mean_score), index=table.index)
    imp = table["beta"] * sign
    out = ipa_table(imp, perf)
    out.insert(1, "kind", out["component"].map(kinds))
    out["beta"] = out["component"].map(table["beta"])
    out["mean_score"] = out["component"].map(mean_score)
    out["outcome"] = outcome
    return out


@checked(ipa=dataframe())
def improve_first(ipa: pd.DataFrame) -> str | None:
    """The component to improve first according to an ``ipa_table`` (None if none is below median).

    Parameters
    ----------
    ipa : DataFrame
        an :func:`ipa_table`.
    """
    hit = ipa.loc[ipa["improve_first"], "component"]
    return None if hit.empty else str(hit.iloc[0])


@checked(importance=dataframe())
def weight_shares(importance: pd.DataFrame) -> pd.DataFrame:
    """Signed relative weights of the components: w_c = b_c / sum_k |b_k| per outcome and model.

    Raw coefficients of an OLS on the 1-7 scale and of an ordered logit on its latent scale are in
    different units; dividing by the sum of their absolute values removes the scale, so the two
    models (and a generator's driver weights, which sum to 1 in absolute value) can be compared.
    ``importance`` is a ``standardized_coefficients`` / ``driver_importance`` table (several models
    may be stacked). Returns a copy with the column ``weight_share`` added.

    Parameters
    ----------
    importance : DataFrame
        a :func:`standardized_coefficients` or :func:`driver_importance` table.
    """
    out = importance.copy()
    keys = [c for c in ("outcome", "model") if c in out.columns]
    total = out["coef"].abs().groupby([out[k] for k in keys]).transform("sum") if keys else out["coef"].abs().sum()
    out["weight_share"] = out["coef"] / total
    return out


# ---------------------------------------------------------------------------- for a report

@checked(importance=dataframe(), outcome=TEXT, model=one_of("ols", "ordered"))
def top_driver(importance: pd.DataFrame, outcome: str, model: str = "ols") -> str:
    """The component whose standardized coefficient for ``outcome`` is largest in absolute value (the
    one the outcome moves with most, per standard deviation of the component).

    Parameters
    ----------
    importance : DataFrame
        a :func:`standardized_coefficients` / :func:`driver_importance` table.
    outcome : str
        the outcome (satisfaction, repurchase_intent or nps).
    model : {'ols', 'ordered'}, default 'ols'
        the driver model whose coefficients are compared.
    """
    rows = importance[(importance["outcome"] == outcome) & (importance["model"] == model)]
    if rows.empty:
        raise DataError(f"no {model} driver coefficients for outcome '{outcome}'")
    return str(rows.loc[rows["beta"].abs().idxmax(), "component"])


@checked(ipa=dataframe(), scores=dataframe(), z=number(0, low_open=True))
def improvement_priority(ipa: pd.DataFrame, scores: pd.DataFrame, z: float = 2.0) -> dict:
    """The component to improve first (:func:`improve_first`) and whether the data rank it clearly:
    its performance lies below the median of the components by ``margin`` standard errors of its mean
    score, se = sd / sqrt(n); below ``z`` (2 by default) another sample could put it on the other side
    of the median line, so ``clear`` is False and ``reason`` says so in a sentence. Keys: ``component``
    (None when no component performs below the median), ``name`` (its plain name), ``margin``, ``clear``,
    ``quadrant``, ``reason``.

    Parameters
    ----------
    ipa : DataFrame
        an :func:`importance_performance` table (with its medians in ``attrs``).
    scores : DataFrame
        the component scores (:func:`relmkt_utils.value.value_scores`).
    z : float, default 2.0
        the standard errors below the median from which the ranking counts as clear.
    """
    component = improve_first(ipa)
    if component is None:
        return {"component": None, "name": None, "margin": float("nan"), "clear": False, "quadrant": "",
                "reason": "no component is rated below the median of the components"}
    row = ipa.set_index("component").loc[component]
    x = pd.to_numeric(scores[component], errors="coerce").dropna()
    se = float(x.std(ddof=1) / np.sqrt(len(x)))
    margin = (ipa.attrs["performance_median"] - float(row["performance"])) / se if se > 0 else float("inf")
    clear = bool(margin >= z)
    reason = "" if clear else (f"its mean rating is only {margin:.1f} standard errors below the median of the components, "
                               "so another sample of customers could rank it on the other side")
    return {"component": component, "name": label(component), "margin": float(margin), "clear": clear,
            "quadrant": str(row["quadrant"]),
            "reason": reason}


@checked(ols=dataframe(), outcome=TEXT, ordered=dataframe(none=True), truth=instance(dict, none=True))
def driver_table(ols: pd.DataFrame, outcome: str, ordered: pd.DataFrame | None = None,
                 truth: dict | None = None) -> pd.DataFrame:
    """The drivers of one outcome side by side, for researchers, by component (plain names): the OLS
    standardized coefficient ``beta`` with ``beta_lower``/``beta_upper``, the signed weights
    b_c / sum |b| of the OLS and, when given, of the ordered logit (:func:`weight_shares`; negative for a
    cost, so not shares of a whole) and the generator's ``true weight``
    (``truth``: component -> weight).

    Parameters
    ----------
    ols : DataFrame
        the OLS :func:`standardized_coefficients` (one or more outcomes).
    outcome : str
        the outcome to show.
    ordered : DataFrame or None, default None
        the ordered logit's :func:`standardized_coefficients` for the outcome.
    truth : dict or None, default None
        a generator's driver weights by component (synthetic data).
    """
    ols = weight_shares(ols[ols["outcome"] == outcome]).set_index("component")
    out = pd.DataFrame({"beta": ols["beta"], "beta_lower": ols["beta_lower"], "beta_upper": ols["beta_upper"],
                        "signed weight (OLS)": ols["weight_share"]})
    if ordered is not None:
        o = weight_shares(ordered[ordered["outcome"] == outcome]).set_index("component")
        out["signed weight (ordered logit)"] = o["weight_share"].reindex(out.index)
    if truth:
        out["true weight"] = pd.Series(truth, dtype=float).reindex(out.index)
    out.index = [label(c) for c in out.index]
    out.index.name = "component"
    return out


def ipa_reader_table(ipa: pd.DataFrame) -> pd.DataFrame:
    """An :func:`importance_performance` table with plain names: component, kind, importance,
    performance, quadrant."""
    out = ipa[["component", "kind", "importance", "performance", "quadrant"]].copy()
    out["component"] = [label(c) for c in out["component"]]
    return out


def driver_models(scores: pd.DataFrame, outcome: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The driver coefficients a report needs: the OLS of every outcome in ``scores`` (for the chart)
    and the ordered logit of ``outcome`` (to check the top driver), as two
    :func:`standardized_coefficients` tables."""
    return driver_importance(scores, model="ols"), standardized_coefficients(scores, outcome, model="ordered")


def r_squared(scores: pd.DataFrame, outcome: str) -> tuple[float, float]:
    """R² of ``outcome`` on the eight component scores and on the equal-weight delivered-value index
    alone (OLS): how much of the outcome the components explain, and how much Kotler's index keeps."""
    return (float(fit_driver_ols(scores, outcome).rsquared),
            float(fit_driver_ols(scores, outcome, components=["delivered_value"]).rsquared))
