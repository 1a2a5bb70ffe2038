"""Net Promoter Score (Reichheld 2003, HBR "The one number you need to grow"): attitudinal loyalty.

On the 0-10 "would you recommend" scale, promoters answer 9-10, passives 7-8, detractors 0-6:

    NPS = 100 (p_P - p_D)  in [-100, 100].

(p_P, p_0, p_D) is a multinomial proportion vector, so Var(p_P - p_D) = [p_P + p_D - (p_P - p_D)^2] / n.
The interval is Rocks' (2016) **adjusted Wald** interval ("Interval estimation for the 'net promoter
score'", *The American Statistician* 70(4), 365-372), the best of the six methods he compared: add
3/4 to the promoter and to the detractor count and 3 to n,

    p~_P = (n_P + 3/4)/(n + 3),  p~_D = (n_D + 3/4)/(n + 3),  d~ = p~_P - p~_D,
    CI = 100 [d~ -/+ z sqrt((p~_P + p~_D - d~^2)/(n + 3))], clipped to [-100, 100].

The plain Wald interval (d -/+ z se at the observed shares) covers only about 86% at n = 20 with shares
.85/.10/.05; the adjusted one about 96% (``tests/test_loyalty_nps.py``, a slow simulation). The
point estimate is the observed NPS; for tiny n the interval is widened to contain it. ``se`` is the
adjusted standard error (points); :func:`nps_bootstrap` checks it by resampling.

Two independent groups: d = NPS_A - NPS_B with se = sqrt(se~_A^2 + se~_B^2) from the adjusted shares
of each group, z = d / se. Across several groups, a chi-square test of independence of group x
category tests equal category shares, which implies (but is stronger than) equal NPS.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..core.checks import ALPHA, COUNT, SEED, TEXT, checked, dataframe, instance, number, numbers
from ..core.errors import DataError, require_columns
from ..core.estimate import Estimate, z_value

CATEGORIES = ("promoter", "passive", "detractor")


@checked(scores=numbers(missing=True))
def nps_category(scores) -> pd.Series:
    """Promoter (9-10) / passive (7-8) / detractor (0-6) of each score; NaN stays missing.

    Parameters
    ----------
    scores : array-like
        0-10 answers (NaN stays missing).
    """
    s = pd.Series(scores, dtype="float64") if not isinstance(scores, pd.Series) else scores.astype("float64")
    _check_scores(s.dropna())
    cat = np.select([s >= 9, s >= 7, s >= 0], list(CATEGORIES), default="")
    out = pd.Series(pd.Categorical(np.where(s.isna(), None, cat), categories=list(CATEGORIES)),
                    index=s.index, name="nps_category")
    return out


def _check_scores(s: pd.Series) -> None:
    bad = (s < 0) | (s > 10) | (s != np.floor(s))
    if bad.any():
        raise DataError(f"NPS scores must be integers 0..10; found {s[bad].iloc[0]!r}")


def _counts(scores) -> tuple[int, int, int]:
    s = pd.Series(np.asarray(scores, dtype="float64")).dropna()
    _check_scores(s)
    return int((s >= 9).sum()), int(((s >= 7) & (s < 9)).sum()), int((s <= 6).sum())


ADJUSTED_WALD = "adjusted Wald (Rocks 2016)"


def _adjusted_se(promoters: float, detractors: float, n: float) -> float:
    """Standard error (points) of the NPS from the adjusted shares (n_P + 3/4)/(n + 3), (n_D + 3/4)/(n + 3)."""
    pp, pd_ = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
    return 100.0 * float(np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / (n + 3)))


@dataclass(frozen=True, repr=False)
class NPSResult(Estimate):
    """NPS in points (``value``, also ``nps``) with the adjusted-Wald interval, the number of answers
    ``n`` and the category shares."""

    n: int = 0
    promoters: float = 0.0
    passives: float = 0.0
    detractors: float = 0.0

    @property
    def nps(self) -> float:
        return self.value


@checked(promoters=number(0, integer=True), passives=number(0, integer=True), detractors=number(0, integer=True),
         alpha=ALPHA)
def nps_from_counts(promoters: int, passives: int, detractors: int, alpha: float = 0.05) -> NPSResult:
    """NPS from category counts, with the adjusted-Wald interval of the module docstring.

    Parameters
    ----------
    promoters : int
        number of answers 9-10.
    passives : int
        number of answers 7-8.
    detractors : int
        number of answers 0-6.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    n = promoters + passives + detractors
    if n <= 0:
        raise DataError("no NPS responses: the NPS needs at least one 0-10 answer")
    z = z_value(alpha)
    score = 100.0 * (promoters - detractors) / n
    centre = 100.0 * (promoters - detractors) / (n + 3)
    se = _adjusted_se(promoters, detractors, n)
    lower = min(max(centre - z * se, -100.0), score)
    upper = max(min(centre + z * se, 100.0), score)
    return NPSResult(score, lower, upper, se, ADJUSTED_WALD, alpha, n, promoters / n, passives / n, detractors / n)


@checked(scores=numbers(missing=True), alpha=ALPHA)
def nps(scores, alpha: float = 0.05) -> NPSResult:
    """NPS = 100 (share 9-10 - share 0-6) of 0-10 scores; missing answers are ignored.

    Parameters
    ----------
    scores : array-like
        0-10 answers; missing answers are ignored.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    return nps_from_counts(*_counts(scores), alpha=alpha)


@checked(scores=numbers(missing=True), n_boot=COUNT, seed=SEED, alpha=ALPHA)
def nps_bootstrap(scores, n_boot: int = 4000, seed: int = 0, alpha: float = 0.05) -> Estimate:
    """Nonparametric bootstrap of the NPS: resample the n answers with replacement ``n_boot`` times.

    Resampling individuals only changes the category counts, so each replicate is drawn as
    Multinomial(n; p_P, p_0, p_D) from ``numpy.random.default_rng(seed)`` (same law, vectorized).
    Returns the NPS with the replicates' standard deviation and percentile interval.

    Parameters
    ----------
    scores : array-like
        0-10 answers; missing answers are ignored.
    n_boot : int, default 4000
        number of bootstrap replicates.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    if n_boot < 2:
        raise DataError(f"the bootstrap needs at least 2 replicates, got n_boot = {n_boot}")
    counts = np.array(_counts(scores), dtype=float)
    n = int(counts.sum())
    if n == 0:
        raise DataError("no NPS responses: the NPS needs at least one 0-10 answer")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts / n, size=n_boot)
    reps = 100.0 * (draws[:, 0] - draws[:, 2]) / n
    return Estimate.from_draws(100 * (counts[0] - counts[2]) / n, reps, alpha)


@checked(survey=dataframe(), by=instance(str, list, tuple, text='a column name or a list of them'), score_col=TEXT,
         alpha=ALPHA)
def nps_by_group(
    survey: pd.DataFrame, by: str | list[str], score_col: str = "nps", alpha: float = 0.05
) -> pd.DataFrame:
    """NPS per group: ``n``, category shares, ``nps``, ``se``, ``lower``, ``upper`` (adjusted Wald).

    Parameters
    ----------
    survey : DataFrame
        the canonical survey table (``customer_id``, ``date``, ``nps``, Likert items ``<construct>_<k>``,
        ...).
    by : str or list of str
        the survey column(s) that form the groups.
    score_col : str, default 'nps'
        name of the column of 0-10 NPS answers.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    keys = by if isinstance(by, list) else [by]
    require_columns(survey, "survey", [score_col, *keys])
    s = survey[score_col].astype("float64")
    _check_scores(s.dropna())
    cat = pd.DataFrame({"P": (s >= 9), "O": (s >= 7) & (s < 9), "D": (s <= 6)})
    cat[keys] = survey[keys]
    counts = cat.groupby(by, sort=True, observed=True)[["P", "O", "D"]].sum()
    rows = [nps_from_counts(int(r.P), int(r.O), int(r.D), alpha) for r in counts.itertuples()]
    return pd.DataFrame([{"n": r.n, "promoters": r.promoters, "passives": r.passives, "detractors": r.detractors,
                          "nps": r.value, "se": r.se, "lower": r.lower, "upper": r.upper} for r in rows],
                        index=counts.index)


@dataclass(frozen=True)
class NPSDifference:
    """Difference NPS_A - NPS_B (points), its se, z statistic, two-sided p-value and CI."""

    difference: float
    se: float
    z: float
    pvalue: float
    lower: float
    upper: float


@checked(scores_a=numbers(missing=True), scores_b=numbers(missing=True), alpha=ALPHA)
def nps_difference_test(scores_a, scores_b, alpha: float = 0.05) -> NPSDifference:
    """z-test of NPS_A = NPS_B for independent samples: z = (NPS_A - NPS_B) / sqrt(se~_A^2 + se~_B^2),
    with the adjusted standard errors of the module docstring.

    Parameters
    ----------
    scores_a : array-like
        0-10 answers of the first sample.
    scores_b : array-like
        0-10 answers of the second sample.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    a, b = nps(scores_a, alpha), nps(scores_b, alpha)
    diff = a.nps - b.nps
    se = float(np.hypot(a.se, b.se))
    z = diff / se if se > 0 else (0.0 if diff == 0 else np.sign(diff) * np.inf)
    p = float(2 * stats.norm.sf(abs(z)))
    q = z_value(alpha)
    return NPSDifference(diff, se, float(z), p, diff - q * se, diff + q * se)


@dataclass(frozen=True)
class ChiSquareResult:
    """Pearson chi-square test of independence on the group x category ``table`` of counts."""

    statistic: float
    df: int
    pvalue: float
    table: pd.DataFrame


@checked(survey=dataframe(), by=TEXT, score_col=TEXT)
def nps_chi2_test(survey: pd.DataFrame, by: str, score_col: str = "nps") -> ChiSquareResult:
    """Chi-square test that promoter/passive/detractor shares are equal across the groups of ``by``.

    Categories that are empty in every group are dropped so the expected counts are positive.

    Parameters
    ----------
    survey : DataFrame
        the canonical survey table (``customer_id``, ``date``, ``nps``, Likert items ``<construct>_<k>``,
        ...).
    by : str
        the survey column that forms the groups.
    score_col : str, default 'nps'
        name of the column of 0-10 NPS answers.
    """
    cat = nps_category(survey[score_col])
    table = pd.crosstab(survey[by], cat).reindex(columns=list(CATEGORIES), fill_value=0)
    table = table.loc[:, table.sum() > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise DataError("the chi-square test needs two groups and two non-empty categories")
    stat, p, dof, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    return ChiSquareResult(float(stat), int(dof), float(p), table)


@dataclass(frozen=True)
class GroupNPS:
    """NPS per group (``table``, as :func:`nps_by_group`) and the difference between the groups with
    the highest and the lowest NPS (``difference``, ``highest``, ``lowest``)."""

    table: pd.DataFrame
    difference: NPSDifference | None
    highest: str | None
    lowest: str | None


@checked(survey=dataframe(), customers=dataframe(), by=TEXT, score_col=TEXT, alpha=ALPHA)
def nps_groups(survey: pd.DataFrame, customers: pd.DataFrame, by: str, score_col: str = "nps",
               alpha: float = 0.05) -> GroupNPS:
    """NPS per group of the customers column ``by`` (each answer joined to its customer's group) and
    the test of the highest against the lowest group (:func:`nps_difference_test`).

    Parameters
    ----------
    survey : DataFrame
        the canonical survey table (``customer_id``, ``date``, ``nps``, Likert items ``<construct>_<k>``,
        ...).
    customers : DataFrame
        the canonical customers table (``customer_id``, ``acquired_at``, ``channel``,
        ``relationship_level``, ...).
    by : str
        the customers column that forms the groups.
    score_col : str, default 'nps'
        name of the column of 0-10 NPS answers.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    require_columns(customers, "customers", ("customer_id", by))
    sv = survey.merge(customers[["customer_id", by]], on="customer_id", how="left").dropna(subset=[by])
    table = nps_by_group(sv, by, score_col, alpha)
    if len(table) < 2:
        return GroupNPS(table, None, None, None)
    order = table["nps"].sort_values()
    lo, hi = order.index[0], order.index[-1]
    diff = nps_difference_test(sv.loc[sv[by] == hi, score_col], sv.loc[sv[by] == lo, score_col], alpha)
    return GroupNPS(table, diff, str(hi), str(lo))


@checked(score=instance(Estimate), boot=instance(Estimate))
def nps_interval_check(score: Estimate, boot: Estimate) -> pd.DataFrame:
    """The adjusted Wald interval of the NPS beside a nonparametric bootstrap of the same answers:
    their standard errors and 95% intervals should agree when the adjusted Wald interval is right.

    Parameters
    ----------
    score : Estimate
        :func:`nps` of the answers (adjusted Wald, Rocks 2016).
    boot : Estimate
        :func:`nps_bootstrap` of the same answers.
    """
    return pd.DataFrame({"method": ["adjusted Wald (Rocks 2016)", "nonparametric bootstrap"],
                         "nps": [score.value, boot.value], "lower": [score.lower, boot.lower],
                         "upper": [score.upper, boot.upper], "se": [score.se, boot.se]})
