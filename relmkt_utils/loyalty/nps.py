"""Net Promoter Score (Reichheld 2003, HBR "The one number you need to grow"): attitudinal loyalty.

On the 0-10 "would you recommend" scale, promoters answer 9-10, passives 7-8, detractors 0-6:

    NPS = 100 (p_P - p_D)  in [-100, 100].

(p_P, p_0, p_D) is a multinomial proportion vector, so the variance of the difference of two of its
cells is Var(p_P - p_D) = [p_P + p_D - (p_P - p_D)^2] / n (Rocks 2016, "Interval estimation for
the 'net promoter score'", The American Statistician 70(4):365-372; the Wald interval). The CI is
NPS +- z 100 sqrt(Var), clipped to [-100, 100]; :func:`nps_bootstrap` checks it by resampling.

Two independent groups: z = (NPS_A - NPS_B) / sqrt(Var_A + Var_B) (both in points). Across several
groups, a chi-square test of independence of group x category tests equal category shares, which
implies (but is stronger than) equal NPS.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

CATEGORIES = ("promoter", "passive", "detractor")


def nps_category(scores) -> pd.Series:
    """Promoter (9-10) / passive (7-8) / detractor (0-6) of each score; NaN stays missing."""
    s = pd.Series(scores, dtype="float64") if not isinstance(scores, pd.Series) else scores.astype("float64")
    _check_scores(s.dropna())
    cat = np.select([s >= 9, s >= 7, s >= 0], list(CATEGORIES), default="")
    out = pd.Series(pd.Categorical(np.where(s.isna(), None, cat), categories=list(CATEGORIES)),
                    index=s.index, name="nps_category")
    return out


def _check_scores(s: pd.Series) -> None:
    bad = (s < 0) | (s > 10) | (s != np.floor(s))
    if bad.any():
        raise ValueError(f"NPS scores must be integers 0..10; found {s[bad].iloc[0]!r}")


def _counts(scores) -> tuple[int, int, int]:
    s = pd.Series(np.asarray(scores, dtype="float64")).dropna()
    _check_scores(s)
    return int((s >= 9).sum()), int(((s >= 7) & (s < 9)).sum()), int((s <= 6).sum())


@dataclass(frozen=True)
class NPSResult:
    """NPS in points with category shares, standard error and a 1 - alpha CI (all in points)."""

    n: int
    promoters: float
    passives: float
    detractors: float
    nps: float
    se: float
    ci_low: float
    ci_high: float
    alpha: float = 0.05


def nps_from_counts(promoters: int, passives: int, detractors: int, alpha: float = 0.05) -> NPSResult:
    """NPS from category counts, with the multinomial (Wald) CI of the module docstring."""
    n = promoters + passives + detractors
    if n <= 0:
        raise ValueError("no NPS responses")
    pp, p0, pd_ = promoters / n, passives / n, detractors / n
    diff = pp - pd_
    se = 100.0 * np.sqrt(max(pp + pd_ - diff**2, 0.0) / n)
    z = stats.norm.ppf(1 - alpha / 2)
    score = 100.0 * diff
    return NPSResult(n, pp, p0, pd_, score, float(se),
                     float(max(score - z * se, -100.0)), float(min(score + z * se, 100.0)), alpha)


def nps(scores, alpha: float = 0.05) -> NPSResult:
    """NPS = 100 (share 9-10 - share 0-6) of 0-10 scores; missing answers are ignored."""
    return nps_from_counts(*_counts(scores), alpha=alpha)


@dataclass(frozen=True)
class BootstrapNPS:
    """Bootstrap standard error and percentile CI of the NPS (points)."""

    nps: float
    se: float
    ci_low: float
    ci_high: float
    n_boot: int
    seed: int


def nps_bootstrap(scores, n_boot: int = 4000, seed: int = 0, alpha: float = 0.05) -> BootstrapNPS:
    """Nonparametric bootstrap of the NPS: resample the n answers with replacement ``n_boot`` times.

    Resampling individuals only changes the category counts, so each replicate is drawn as
    Multinomial(n; p_P, p_0, p_D) from ``numpy.random.default_rng(seed)`` (same law, vectorized).
    Returns the replicates' standard deviation and the alpha/2, 1 - alpha/2 percentiles.
    """
    counts = np.array(_counts(scores), dtype=float)
    n = int(counts.sum())
    if n == 0:
        raise ValueError("no NPS responses")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts / n, size=n_boot)
    reps = 100.0 * (draws[:, 0] - draws[:, 2]) / n
    lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2])
    return BootstrapNPS(float(100 * (counts[0] - counts[2]) / n), float(reps.std(ddof=1)),
                        float(lo), float(hi), n_boot, seed)


def nps_by_group(
    survey: pd.DataFrame, by: str | list[str], score_col: str = "nps", alpha: float = 0.05
) -> pd.DataFrame:
    """NPS per group: n, category shares, nps, se, ci_low, ci_high (one row per group)."""
    s = survey[score_col].astype("float64")
    _check_scores(s.dropna())
    keys = by if isinstance(by, list) else [by]
    cat = pd.DataFrame({"P": (s >= 9), "O": (s >= 7) & (s < 9), "D": (s <= 6)})
    cat[keys] = survey[keys]
    counts = cat.groupby(by, sort=True, observed=True)[["P", "O", "D"]].sum()
    rows = [nps_from_counts(int(r.P), int(r.O), int(r.D), alpha) for r in counts.itertuples()]
    return pd.DataFrame([asdict(r) for r in rows], index=counts.index).drop(columns="alpha")


@dataclass(frozen=True)
class NPSDifference:
    """Difference NPS_A - NPS_B (points), its se, z statistic, two-sided p-value and CI."""

    difference: float
    se: float
    z: float
    pvalue: float
    ci_low: float
    ci_high: float


def nps_difference_test(scores_a, scores_b, alpha: float = 0.05) -> NPSDifference:
    """z-test of NPS_A = NPS_B for independent samples: z = (NPS_A - NPS_B) / sqrt(Var_A + Var_B)."""
    a, b = nps(scores_a, alpha), nps(scores_b, alpha)
    diff = a.nps - b.nps
    se = float(np.hypot(a.se, b.se))
    z = diff / se if se > 0 else (0.0 if diff == 0 else np.sign(diff) * np.inf)
    p = float(2 * stats.norm.sf(abs(z)))
    q = stats.norm.ppf(1 - alpha / 2)
    return NPSDifference(diff, se, float(z), p, diff - q * se, diff + q * se)


@dataclass(frozen=True)
class ChiSquareResult:
    """Pearson chi-square test of independence on the group x category ``table`` of counts."""

    statistic: float
    df: int
    pvalue: float
    table: pd.DataFrame


def nps_chi2_test(survey: pd.DataFrame, by: str, score_col: str = "nps") -> ChiSquareResult:
    """Chi-square test that promoter/passive/detractor shares are equal across the groups of ``by``.

    Categories that are empty in every group are dropped so the expected counts are positive.
    """
    cat = nps_category(survey[score_col])
    table = pd.crosstab(survey[by], cat).reindex(columns=list(CATEGORIES), fill_value=0)
    table = table.loc[:, table.sum() > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise ValueError("the chi-square test needs two groups and two non-empty categories")
    stat, p, dof, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    return ChiSquareResult(float(stat), int(dof), float(p), table)
