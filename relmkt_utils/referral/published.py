r"""Are referred customers worth more, and is the reward worth paying? The published evidence.

Sources (the numbers live in one place, the dataset ``data/referral_published``, typed in with source,
page and wording by ``data/make_referral_published.py``; this module only reads them):

* **SSV** -- Schmitt, P., Skiera, B. & Van den Bulte, C. (2011). Referral programs and customer value.
  *Journal of Marketing* 75(1), 46-59; with the authors' summaries in *GfK Marketing Intelligence
  Review* 5(1), 8-11 (2013) and *Harvard Business Review* (June 2011). A German bank, about 10,000 new
  customers followed for 33 months. Non-referred customers earn a contribution margin of 30 cents a
  day, referred ones 7.6 cents a day more (MIR p. 9), a gap that vanishes after about 30 months (HBR);
  referred customers churn about 18% less (HBR); a referred customer is worth at least 16% (JM p. 46),
  about EUR 40, more over six years, a return of about 60% on the EUR 25 reward (MIR p. 8).
* **W&G** -- Wolters, H. M. & Gedenk, K. (2019). Referral programs and customer value: insights from
  the telecommunications services industry. *Journal of Marketing Behavior* 3(4), 335-353. The
  replication: referred customers churn less but have *smaller* margins; new customers referred by
  email are worth less than non-referred ones (abstract, p. 335). Its numbers are not in a stored
  source, so W&G enters as directions only; every quantity that would need them is ``None`` with
  the sentence why.

**1. The value of a referred and of a non-referred customer** (:func:`group_values`), in months
:math:`k = 1..H` after acquisition (:math:`H` = 72 for six years; a month is 365.25/12 days,
:mod:`relmkt_utils.core.time`):

.. math::

    m_0(k) = m, \qquad m_1(k) = m + g\,\max\!\big(0,\ 1 - (k-1)/T\big),

    S_0(t) = r^{t/12}, \qquad S_1(t) = S_0(t)^{h},

    V_j = \mathrm{CLV}(m_j, S_j, i) = \sum_{t=0}^{H-1} m_j(t+1)\, S_j(t)\,(1+i)^{-t}\ \ (\text{start}),
    \quad \sum_{t=1}^{H} m_j(t)\, S_j(t)\,(1+i)^{-t}\ \ (\text{end}),

with :math:`m` the non-referred margin per month, :math:`g` the printed margin gap (fading linearly to
zero at :math:`T` = 30 months: "vanishes after about two and a half years"), :math:`r` the annual
retention of non-referred customers, :math:`h = 1 - 0.18` the hazard ratio of referred customers
(proportional hazards, so :math:`S_1 = S_0^h`), :math:`i` the monthly rate of the annual discount rate.
:math:`V_j` is :func:`relmkt_utils.core.clv.clv_from_survival` (both timing conventions). The
**uplift** is :math:`V_1/V_0 - 1` and the **value difference** :math:`\Delta V = V_1 - V_0`.

**2. The base retention** :math:`r` is not printed in any stored source. :func:`ssv_recomputation`
shows three anchors: *level* -- :math:`r` at which a non-referred customer is worth what the authors'
two numbers imply, :math:`V_0 = \text{EUR }40 / 16\% = \text{EUR }250` (the default); *uplift* -- the
:math:`r` at which the recomputed uplift is the published 16%; *third party* -- 79.2% still customers
at the end of the study (a blog's figure), :math:`r = 0.792^{12/33}`, an upper bound since most
customers were seen for less than 33 months.

**3. The break-even reward** (:func:`break_even_reward`). The authors' return on the reward,
:math:`\mathrm{ROI} = \Delta V / R - 1` (EUR 40 / EUR 25 - 1 = 60%), assumes that each referred customer
takes the place of a comparable non-referred customer the firm would otherwise have won through its
other channels at the same cost apart from the reward, so the reward buys the difference
:math:`\Delta V`. If a share :math:`s` of the rewarded referred customers would have joined anyway
(and would be worth as much without the reward, so the reward buys nothing for them):

.. math::

    R^*(s) = (1 - s)\,\Delta V, \qquad \mathrm{ROI}(R, s) = \frac{(1-s)\,\Delta V - R}{R},
    \qquad s_{\max}(R) = 1 - R/\Delta V .

:math:`s = 0` is the reading "the referred customer would not have come otherwise". :math:`R^*` is
:func:`relmkt_utils.referral.roi.break_even_reward` with :math:`I = 1 - s` incremental customers per
rewarded conversion, value :math:`\Delta V` and no fixed cost. Pass ``value_added`` = :math:`V_1`
instead of :math:`\Delta V` when a referred customer is a customer the firm would not have replaced
at all (then other acquisition costs saved belong in the comparison too).

**4. Where the studies disagree: the margin** (:func:`margin_ratio_break_even`). With constant
margins :math:`m_1 = \mu m_0`, a referred customer is worth at least as much as a non-referred one iff

.. math:: \mu \ge \mu^* = \frac{\sum_t S_0(t)(1+i)^{-t}}{\sum_t S_1(t)(1+i)^{-t}},

so a churn advantage makes up a margin deficit of at most :math:`1 - \mu^*`. SSV: higher margin *and*
lower churn, so :math:`\Delta V > 0` and a positive reward can pay. W&G: lower margin, lower churn:
the sign of :math:`\Delta V` depends on which is larger; for email referrals they report it negative,
so no positive reward breaks even under the reading of 3.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ..core.clv import check_timing, clv_from_survival
from ..core.errors import ParameterError
from ..core.time import time_unit
from ..data import datasets
from .roi import break_even_reward as _program_break_even
from .roi import roi as _program_roi

#: The dataset holding the published numbers.
DATASET = "referral_published"
SSV, WG = "ssv2011", "wg2019"
#: The studies, as a reader should see their names.
STUDIES = {SSV: "Schmitt, Skiera & Van den Bulte (2011)", WG: "Wolters & Gedenk (2019)"}
SETTINGS = {SSV: "a German bank, about 10,000 new customers followed for 33 months",
            WG: "a telecommunications services provider"}
#: Why W&G has no numbers here (said wherever one would be shown).
WG_MISSING = ("Wolters & Gedenk (2019) print their margins, churn and customer values in tables that are not in "
              "a stored source (only the abstract, p. 335, is); the dataset holds the directions it states")
#: The same for a reader of notebook 03 (the sentence of a finding that cannot be given).
WG_MISSING_FOR_READERS = ("the study prints its margins, churn and customer values in tables that are not in any "
                          "source we could read (only its abstract is)")
MONTH = time_unit("month")


def is_evidence(ds) -> bool:
    """Whether ``ds`` holds the published evidence's tables (figures, findings, segments)."""
    return {"figures", "findings", "segments"} <= set(getattr(ds, "extras", None) or {})


@functools.cache
def dataset():
    """The validated dataset ``data/referral_published`` of the project (read once)."""
    return datasets.load(datasets.PROJECT_DATA / DATASET)


def _ds(ds):
    return dataset() if ds is None else ds


def figures(ds=None) -> pd.DataFrame:
    """Every printed number (table ``figures``), indexed by its id."""
    return _ds(ds).extras["figures"].set_index("id")


def figure(name: str, ds=None) -> float:
    """One printed number by id (e.g. ``"value_difference"`` = 40); a ParameterError names the ids."""
    table = figures(ds)
    if name not in table.index:
        raise ParameterError(f"no published figure {name!r}; known: {', '.join(table.index)}")
    return float(table.loc[name, "value"])


# ------------------------------------------------------------------ 1. value of a customer of each group

@dataclass(frozen=True)
class GroupValues:
    """The value of a non-referred and of a referred customer (:func:`group_values`).

    ``table``: rows non-referred and referred; columns margin_per_day (first month), annual_retention,
    expected_months (months as a customer within the horizon) and clv. ``settings``: the inputs."""

    clv_nonreferred: float
    clv_referred: float
    table: pd.DataFrame
    settings: dict = field(default_factory=dict)

    @property
    def clv_difference(self) -> float:
        """Delta V = V_1 - V_0."""
        return self.clv_referred - self.clv_nonreferred

    @property
    def uplift(self) -> float:
        """V_1 / V_0 - 1."""
        return self.clv_referred / self.clv_nonreferred - 1


def _check(annual_retention, hazard_ratio, horizon_years, gap_months, margin_per_day, margin_gap_per_day):
    if not 0 < annual_retention < 1:
        raise ParameterError(f"annual_retention must lie strictly between 0 and 1, got {annual_retention!r}")
    if not hazard_ratio > 0:
        raise ParameterError(f"hazard_ratio must be > 0, got {hazard_ratio!r}")
    if not horizon_years > 0:
        raise ParameterError(f"horizon_years must be > 0, got {horizon_years!r}")
    if gap_months is not None and not gap_months > 0:
        raise ParameterError(f"gap_months must be > 0 (or None for a gap that never fades), got {gap_months!r}")
    if not margin_per_day > 0 or not np.isfinite(margin_gap_per_day):
        raise ParameterError(f"margin_per_day must be > 0 and margin_gap_per_day finite, got "
                             f"{margin_per_day!r} and {margin_gap_per_day!r}")


def margin_path(margin_per_day: float, margin_gap_per_day: float, n_months: int,
                gap_months: float | None = 30) -> np.ndarray:
    """Margins per month of a referred customer in months 1..n: m + g max(0, 1 - (k-1)/T) (per day times
    365.25/12 days); ``gap_months`` None keeps the gap for good."""
    k = np.arange(1, int(n_months) + 1, dtype=float)
    fade = np.ones_like(k) if gap_months is None else np.clip(1 - (k - 1) / float(gap_months), 0.0, None)
    return (margin_per_day + margin_gap_per_day * fade) * MONTH.days


def _curves(margin_per_day, margin_gap_per_day, annual_retention, hazard_ratio, gap_months, horizon_years,
            annual_discount_rate):
    """H, the monthly rate and (margins of months 1..H, survival S(0..H)) of each group (docstring, 1.)."""
    H = MONTH.whole_periods(years=horizon_years)
    rate = MONTH.rate_per_period(annual_discount_rate)
    t = np.arange(H + 1, dtype=float)
    s0 = annual_retention ** (t / MONTH.periods_per_year)
    m0 = np.full(H, margin_per_day * MONTH.days)
    return H, rate, (m0, s0), (margin_path(margin_per_day, margin_gap_per_day, H, gap_months), s0 ** hazard_ratio)


def value_paths(groups: GroupValues) -> pd.DataFrame:
    """The value of each group accumulated month by month, for a figure: rows month k = 1..H, columns
    non-referred and referred, each the CLV over the first k months (:func:`relmkt_utils.core.clv.clv_from_survival`
    on the first k months of :func:`group_values`'s curves, so the last row equals its V_0 and V_1)."""
    g = groups.settings
    H, rate, *curves = _curves(g["margin_per_day"], g["margin_gap_per_day"], g["annual_retention"],
                               g["hazard_ratio"], g["gap_months"], g["horizon_years"], g["annual_discount_rate"])
    out = pd.DataFrame({name: [clv_from_survival(m[:k], s[:k + 1], rate, g["timing"]) for k in range(1, H + 1)]
                        for name, (m, s) in zip(("non-referred", "referred"), curves)},
                       index=pd.RangeIndex(1, H + 1, name="month"))
    out.attrs.update(gap_months=g["gap_months"], currency="EUR")
    return out


def group_values(margin_per_day: float, margin_gap_per_day: float, annual_retention: float,
                 hazard_ratio: float, *, gap_months: float | None = 30, horizon_years: float = 6,
                 annual_discount_rate: float = 0.10, timing: str = "start") -> GroupValues:
    """V_0 and V_1 of the module docstring (1.), with :func:`relmkt_utils.core.clv.clv_from_survival`.

    ``margin_per_day``: non-referred margin (currency per day); ``margin_gap_per_day``: referred minus
    non-referred in the first month (negative for smaller margins); ``annual_retention``: of non-referred
    customers; ``hazard_ratio``: referred vs non-referred churn (0.82 for 18% less churn)."""
    check_timing(timing)
    _check(annual_retention, hazard_ratio, horizon_years, gap_months, margin_per_day, margin_gap_per_day)
    H, rate, (m0, s0), (m1, s1) = _curves(margin_per_day, margin_gap_per_day, annual_retention, hazard_ratio,
                                          gap_months, horizon_years, annual_discount_rate)
    v0 = clv_from_survival(m0, s0, rate, timing)
    v1 = clv_from_survival(m1, s1, rate, timing)
    months = (lambda s: float(s[:-1].sum())) if timing == "start" else (lambda s: float(s[1:].sum()))
    table = pd.DataFrame(
        {"margin_per_day": [margin_per_day, margin_per_day + margin_gap_per_day],
         "annual_retention": [annual_retention, annual_retention ** hazard_ratio],
         "expected_months": [months(s0), months(s1)], "clv": [v0, v1]},
        index=pd.Index(["non-referred", "referred"], name="customers"))
    settings = dict(margin_per_day=margin_per_day, margin_gap_per_day=margin_gap_per_day,
                    annual_retention=annual_retention, hazard_ratio=hazard_ratio, gap_months=gap_months,
                    horizon_years=horizon_years, horizon_months=H, annual_discount_rate=annual_discount_rate,
                    timing=timing)
    return GroupValues(v0, v1, table, settings)


def _root(f, lo=1e-6, hi=1 - 1e-9):
    a, b = f(lo), f(hi)
    if not (np.isfinite(a) and np.isfinite(b)) or a * b > 0:
        return None
    return float(brentq(f, lo, hi, xtol=1e-12))


def retention_for_uplift(uplift: float, margin_per_day: float, margin_gap_per_day: float, hazard_ratio: float,
                         **kw) -> float | None:
    """The annual base retention r at which :func:`group_values` gives the uplift ``uplift`` (None when
    no r in (0, 1) does)."""
    return _root(lambda r: group_values(margin_per_day, margin_gap_per_day, r, hazard_ratio, **kw).uplift - uplift)


def retention_for_value(clv_nonreferred: float, margin_per_day: float, hazard_ratio: float = 1.0,
                        **kw) -> float | None:
    """The annual base retention r at which a non-referred customer is worth ``clv_nonreferred`` over the
    horizon (None when no r in (0, 1) does: the value lies outside one month's margin .. every month's)."""
    return _root(lambda r: group_values(margin_per_day, 0.0, r, hazard_ratio, **kw).clv_nonreferred
                 - clv_nonreferred)


# ------------------------------------------------------------------ 3. break-even reward

def break_even_reward(value_added, share_anyway=0.0):
    """R*(s) = (1 - s) x value_added: the reward per rewarded referral at which the value it adds is used
    up (module docstring, 3.). ``value_added`` is Delta V (the authors' reading) or V_1; ``share_anyway``
    the share of rewarded referred customers who would have joined anyway. numpy-broadcasting; it is
    :func:`relmkt_utils.referral.roi.break_even_reward` with I = 1 - s, V = value_added, C = 1, F = 0."""
    s = np.asarray(share_anyway, dtype=float)
    if np.any((s < 0) | (s > 1)):
        raise ParameterError(f"share_anyway must lie in [0, 1], got {share_anyway!r}")
    return _where_printed(lambda v, keep: _program_break_even(1 - np.broadcast_to(s, v.shape)[keep], v[keep], 1.0),
                          value_added, s)


def reward_roi(value_added, reward, share_anyway=0.0):
    """((1 - s) value_added - R) / R, the return on a reward R (:func:`relmkt_utils.referral.roi.roi`)."""
    if np.any(np.asarray(reward, dtype=float) <= 0):
        raise ParameterError(f"reward must be > 0, got {reward!r}")
    s = np.asarray(share_anyway, dtype=float)
    return _where_printed(lambda v, keep: _program_roi(1 - np.broadcast_to(s, v.shape)[keep], v[keep], 1.0,
                                                       np.broadcast_to(np.asarray(reward, float), v.shape)[keep]),
                          value_added, s, reward)


def _where_printed(compute, value_added, *others):
    """``compute`` on the entries whose value the studies print as a number; NaN (a difference printed only
    in words) stays NaN instead of reaching the programme formulas, which take numbers only."""
    v = np.asarray(value_added, dtype=float)
    shape = np.broadcast_shapes(v.shape, *(np.shape(o) for o in others))
    v = np.broadcast_to(v, shape)
    keep = np.isfinite(v)
    out = np.full(shape, np.nan)
    if keep.any():
        out[keep] = compute(v, keep)
    return out if shape else float(out)


def max_share_anyway(value_added: float, reward: float) -> float:
    """s_max = 1 - R / value_added: the largest share of rewarded referred customers who may have joined
    anyway before the reward R stops paying (below 0: it never pays)."""
    if reward <= 0:
        raise ParameterError(f"reward must be > 0, got {reward!r}")
    return 1 - reward / value_added if value_added > 0 else float("-inf")


# ------------------------------------------------------------------ 4. margin against churn

def margin_ratio_break_even(annual_retention: float, hazard_ratio: float, *, horizon_years: float = 6,
                            annual_discount_rate: float = 0.10, timing: str = "start") -> float:
    """mu* = sum S_0 d^t / sum S_1 d^t (module docstring, 4.): referred customers with margins mu x the
    non-referred ones (constant over time) are worth as much as non-referred ones exactly at mu = mu*;
    1 - mu* is the margin deficit their churn advantage makes up."""
    g = group_values(1.0, 0.0, annual_retention, hazard_ratio, gap_months=None, horizon_years=horizon_years,
                     annual_discount_rate=annual_discount_rate, timing=timing)
    return g.clv_nonreferred / g.clv_referred


# ------------------------------------------------------------------ the studies' numbers

@dataclass(frozen=True)
class SsvInputs:
    """SSV's printed numbers that the recomputation uses (all read from the dataset)."""

    margin_per_day: float        # non-referred, controlled (MIR p. 9)
    margin_gap_per_day: float    # referred minus non-referred, controlled (MIR p. 9)
    gap_months: float            # margin gap gone after about 30 months (HBR)
    churn_reduction: float       # about 18% less churn (HBR)
    horizon_years: float         # six years (MIR p. 8)
    clv_difference: float        # about EUR 40 (MIR p. 8; HBR)
    uplift: float                # at least 16% (JM p. 46)
    reward: float                # EUR 25 (MIR p. 8)
    reward_roi: float            # about 60% (MIR p. 8)
    still_customer_end: float    # 79.2% of non-referred customers at the end of the study (third party)
    observation_months: float    # 33 (MIR)

    @property
    def hazard_ratio(self) -> float:
        """Referred vs non-referred churn hazard: 1 - 0.18 = 0.82 (rounded to the printed precision)."""
        return round(1 - self.churn_reduction, 12)

    @property
    def clv_nonreferred(self) -> float:
        """The value of a non-referred customer the two published numbers imply: Delta V / uplift (EUR 250)."""
        return self.clv_difference / self.uplift


def ssv_inputs(ds=None) -> SsvInputs:
    f = functools.partial(figure, ds=ds)
    return SsvInputs(
        margin_per_day=f("margin_nonreferred"), margin_gap_per_day=f("margin_gap"),
        gap_months=f("margin_gap_vanishes_months"), churn_reduction=f("churn_reduction_pct") / 100,
        horizon_years=f("value_horizon_years"), clv_difference=f("value_difference"),
        uplift=f("value_premium_pct") / 100, reward=f("reward"), reward_roi=f("reward_roi_pct") / 100,
        still_customer_end=f("still_customer_end_nonreferred") / 100, observation_months=f("observation_months"))


#: The anchors of the base retention (module docstring, 2.), in the order shown.
ANCHORS = ("level", "uplift", "third party")


def anchor_basis(name: str, p: SsvInputs) -> str:
    """What an anchor of :data:`ANCHORS` sets the base retention by, in words (from the printed numbers)."""
    return {
        "level": (f"a non-referred customer worth the published-implied EUR {p.clv_nonreferred:.0f} "
                  f"(EUR {p.clv_difference:.0f} / {100 * p.uplift:.0f}%)"),
        "uplift": f"the published uplift of {100 * p.uplift:.0f}%",
        "third party": (f"{100 * p.still_customer_end:.1f}% still customers after {p.observation_months:.0f} "
                        f"months (a blog's figure; an upper bound)"),
    }[name]


def _anchor_retention(name: str, p: SsvInputs, kw: dict) -> float | None:
    common = dict(gap_months=p.gap_months, horizon_years=p.horizon_years, **kw)
    if name == "level":
        return retention_for_value(p.clv_nonreferred, p.margin_per_day, **common)
    if name == "uplift":
        return retention_for_uplift(p.uplift, p.margin_per_day, p.margin_gap_per_day, p.hazard_ratio, **common)
    if name == "third party":
        return p.still_customer_end ** (12 / p.observation_months)
    raise ParameterError(f"base_retention must be one of {', '.join(ANCHORS)} or a number, got {name!r}")


def ssv_values(ds=None, base_retention="level", annual_discount_rate: float = 0.10,
               timing: str = "start") -> GroupValues:
    """SSV's referred and non-referred customer recomputed (:func:`group_values` on the printed numbers).
    ``base_retention``: an anchor name of :data:`ANCHORS` or an annual retention rate."""
    p = ssv_inputs(ds)
    kw = dict(annual_discount_rate=annual_discount_rate, timing=timing)
    r = _anchor_retention(base_retention, p, kw) if isinstance(base_retention, str) else float(base_retention)
    if r is None:
        raise ParameterError(f"no base retention in (0, 1) matches the anchor {base_retention!r}")
    g = group_values(p.margin_per_day, p.margin_gap_per_day, r, p.hazard_ratio, gap_months=p.gap_months,
                     horizon_years=p.horizon_years, **kw)
    return GroupValues(g.clv_nonreferred, g.clv_referred, g.table,
                       {**g.settings, "base_retention": base_retention})


def ssv_recomputation(ds=None, annual_discount_rate: float = 0.10, timing: str = "start",
                      share_anyway: float = 0.0) -> pd.DataFrame:
    """The published values beside the recomputation at each base-retention anchor.

    Rows: "published" (V_0 implied = Delta V / uplift, V_1 = V_0 + Delta V) and one per anchor; columns
    basis, annual_retention (non-referred) and annual_retention_referred, clv_nonreferred, clv_referred,
    clv_difference, uplift, break_even_reward (R*(s), ``share_anyway`` = s), reward_roi at the printed
    reward. The published row has no retention: none is printed in a stored source."""
    p = ssv_inputs(ds)
    rows = {"published": {"basis": (f"printed: EUR {p.clv_difference:.0f} and at least {100 * p.uplift:.0f}% over "
                                    f"{p.horizon_years:.0f} years (V_0 implied)"),
                          "annual_retention": np.nan, "annual_retention_referred": np.nan,
                          "clv_nonreferred": p.clv_nonreferred, "clv_referred": p.clv_nonreferred + p.clv_difference,
                          "clv_difference": p.clv_difference, "uplift": p.uplift}}
    for name in ANCHORS:
        g = ssv_values(ds, name, annual_discount_rate, timing)
        rows[name] = {"basis": anchor_basis(name, p), "annual_retention": g.table.loc["non-referred", "annual_retention"],
                      "annual_retention_referred": g.table.loc["referred", "annual_retention"],
                      "clv_nonreferred": g.clv_nonreferred, "clv_referred": g.clv_referred,
                      "clv_difference": g.clv_difference, "uplift": g.uplift}
    table = pd.DataFrame(rows).T
    table.index.name = "anchor"
    num = table.columns.drop("basis")
    table[num] = table[num].astype(float)
    table["break_even_reward"] = break_even_reward(table["clv_difference"].to_numpy(), share_anyway)
    table["reward_roi"] = reward_roi(table["clv_difference"].to_numpy(), p.reward, share_anyway)
    table.attrs.update(share_anyway=share_anyway, reward=p.reward, annual_discount_rate=annual_discount_rate,
                       timing=timing, horizon_years=p.horizon_years)
    return table


def segment_table(ds=None, share_anyway: float = 0.0) -> pd.DataFrame:
    """SSV's segments with the break-even reward and the return on the printed reward.

    Columns: dimension, segment, clv_difference (EUR over six years; missing where printed only in
    words), bound, direction, uplift (a third party's percentage), clv_nonreferred_implied
    (difference / uplift), break_even_reward (R*(s)), reward_roi, reward_pays (True/False; None where
    neither a number nor a negative direction is printed), source."""
    d = _ds(ds)
    seg = d.extras["segments"]
    reward = figure("reward", d)
    diff = pd.to_numeric(seg["value_difference"], errors="coerce").to_numpy(float)
    uplift = pd.to_numeric(seg["premium_pct"], errors="coerce").to_numpy(float) / 100
    be = break_even_reward(diff, share_anyway)
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(uplift != 0, diff / uplift, np.nan)
    pays = [bool(b > reward) if np.isfinite(b) else (False if dr < 0 else None)
            for b, dr in zip(be, seg["direction"])]
    out = pd.DataFrame({
        "dimension": seg["dimension"], "segment": seg["segment"], "clv_difference": diff,
        "bound": seg["value_bound"], "direction": seg["direction"].astype(int), "uplift": uplift,
        "clv_nonreferred_implied": implied, "break_even_reward": be,
        "reward_roi": reward_roi(diff, reward, share_anyway), "reward_pays": pays,
        "source": seg["source"] + ", " + seg["location"]})
    out.attrs.update(share_anyway=share_anyway, reward=reward, uplift_source="third party (Brand Fiercely blog)")
    return out


def published_gap(ds=None) -> pd.DataFrame:
    """SSV's reported gap between referred and comparable non-referred customers, one line per quantity
    (columns quantity, reported, note, source), every number read from the dataset.

    Parameters
    ----------
    ds : Dataset or None
        The loaded ``referral_published`` dataset (None: load it).
    """
    d = _ds(ds)
    p, fig = ssv_inputs(d), figures(d)

    def where(*ids):
        return "; ".join(dict.fromkeys(f"{fig.loc[i, 'source']}, {fig.loc[i, 'location']}" for i in ids))

    rows = [
        ("customer value (referred vs comparable non-referred)",
         f"at least {100 * p.uplift:.0f}% higher, about EUR {p.clv_difference:.0f} over {p.horizon_years:.0f} years",
         "similar demographics and time of acquisition; " + where("value_premium_pct", "value_difference")),
        ("contribution margin", (f"{100 * p.margin_gap_per_day:.1f} cents a day higher on {100 * p.margin_per_day:.0f} "
                                 f"cents (about {fig.loc['margin_gap_pct', 'value']:.0f}%)"),
         f"the gap vanishes after about {p.gap_months:.0f} months; " + where("margin_gap", "margin_gap_vanishes_months")),
        ("churn", f"about {100 * p.churn_reduction:.0f}% lower", "the gap persists; " + where("churn_reduction_pct")),
        (f"return on the EUR {p.reward:.0f} reward", f"about {100 * p.reward_roi:.0f}%",
         f"EUR {p.clv_difference:.0f} / EUR {p.reward:.0f} - 1; " + where("reward_roi_pct")),
    ]
    return pd.DataFrame(rows, columns=["quantity", "reported", "note"]).assign(
        source="Schmitt, Skiera & Van den Bulte (2011), J. Marketing 75(1):46-59")


def _direction_word(d: int) -> str:
    return "higher" if d > 0 else "lower" if d < 0 else "no difference"


def comparison_table(ds=None, annual_discount_rate: float = 0.10, timing: str = "start") -> pd.DataFrame:
    """The two studies side by side (rows margin, churn, value): what each reports for referred vs
    non-referred customers, with the size where a stored source prints it, and whether they agree."""
    d = _ds(ds)
    f = d.extras["findings"].set_index(["study", "topic"])
    p = ssv_inputs(d)
    sizes = {
        "margin": (f"+{100 * p.margin_gap_per_day:.1f} cents a day on {100 * p.margin_per_day:.0f} cents "
                   f"(about {figure('margin_gap_pct', d):.0f}%), gone after about {p.gap_months:.0f} months"),
        "churn": f"about {100 * p.churn_reduction:.0f}% less churn, the gap persists",
        "value": f"at least {100 * p.uplift:.0f}% (about EUR {p.clv_difference:.0f}) over {p.horizon_years:.0f} years",
    }
    rows = []
    for topic in ("margin", "churn", "value"):
        s, w = f.loc[(SSV, topic)], f.loc[(WG, topic)]
        wg_text = _direction_word(int(w["direction"])) + (f" ({w['over_time']})" if isinstance(w["over_time"], str)
                                                            and w["over_time"] else "")
        rows.append({"topic": topic, STUDIES[SSV]: f"{_direction_word(int(s['direction']))}: {sizes[topic]}",
                     STUDIES[WG]: wg_text + "; size not in the sources we could read",
                     "same_direction": int(s["direction"]) == int(w["direction"])})
    return pd.DataFrame(rows).set_index("topic")


def _dir(ds, study, topic) -> int:
    return int(_ds(ds).extras["findings"].set_index(["study", "topic"]).loc[(study, topic), "direction"])


# ------------------------------------------------------------------ the notebook's helper

@dataclass(frozen=True)
class PublishedEvidence:
    """What notebook 03 shows for the published evidence (:func:`evidence`).

    ``tables``: name -> DataFrame (sources, figures, findings, ssv_groups, ssv_recomputation, segments,
    comparison); ``headline``: study key -> dict of headline numbers and sentences (None with a reason
    where a number is not published in a stored source)."""

    tables: dict
    headline: dict
    settings: dict

    def findings(self, part: str) -> list[tuple[str, object, dict]]:
        """What notebook 03 records in each part of the published evidence (``value``, ``segments``,
        ``reward``, ``studies``): (finding key, value, keywords of ``Report.find``: the numbers its sentence
        quotes, ``show=False`` for a number only the readings use, ``reason`` where a number is not
        published in a stored source). The keys are named in ``relmkt_utils.present.names``."""
        ssv, wg = self.headline[SSV], self.headline[WG]
        quiet = {"show": False}
        low, high = ssv["uplift_range"]
        by_age, stated = ssv["segment_difference"], ssv["segment_stated"]
        parts = {
            "value": [
                ("ssv_value_premium", ssv["uplift_published"], {"diff": ssv["clv_difference_published"]}),
                ("ssv_value_difference", ssv["clv_difference_published"], quiet),
                ("ssv_clv_uplift", ssv["uplift"], {"published": ssv["uplift_published"], "diff": ssv["clv_difference"],
                                                   "low": low, "high": high}),
                ("ssv_clv_difference", ssv["clv_difference"], quiet),
                ("ssv_clv_uplift_low", low, quiet), ("ssv_clv_uplift_high", high, quiet)],
            "segments": [
                ("ssv_reward", ssv["reward"], quiet),
                ("ssv_value_difference_26_35", by_age.get("26 to 35 years"),
                 {"mid": by_age.get("36 to 55 years"), "old": stated.get("over 55 years", "not stated")}),
                ("ssv_value_difference_36_55", by_age.get("36 to 55 years"), quiet),
                ("ssv_value_over_55", stated.get("over 55 years", "not stated"), quiet)],
            "reward": [
                ("ssv_breakeven_reward", ssv["clv_difference_published"], {"recomputed": ssv["clv_difference"]}),
                ("ssv_breakeven_reward_anyway", ssv["break_even_reward_published"], {"s": ssv["share_anyway"]}),
                ("ssv_max_share_anyway", ssv["max_share_anyway"], {"reward": ssv["reward"], "show": False}),
                ("ssv_reward_roi", ssv["reward_roi_published"], {"reward": ssv["reward"], "smax": ssv["max_share_anyway"],
                                                                 "diff": ssv["clv_difference_published"]})],
            "studies": [
                ("wg_value_direction", wg["email_referral_value"], {}),
                ("wg_margin_deficit_offset", wg["margin_deficit_made_up_at_ssv_churn_gap"], {}),
                ("wg_breakeven_reward", wg["break_even_reward_text"], {}),
                ("wg_clv_difference", wg["clv_difference"], {"reason": WG_MISSING_FOR_READERS})],
        }
        if part not in parts:
            raise ParameterError(f"part must be one of {', '.join(parts)}, got {part!r}")
        return parts[part]


def _ssv_headline(ds, table: pd.DataFrame, groups: GroupValues, share_anyway, kw) -> dict:
    p = ssv_inputs(ds)
    pub, rec = table.loc["published"], table.loc["level"]
    lo, hi = float(table.loc[list(ANCHORS), "uplift"].min()), float(table.loc[list(ANCHORS), "uplift"].max())
    be_pub = float(break_even_reward(p.clv_difference, share_anyway))
    be_rec = float(rec["break_even_reward"])
    s_max = max_share_anyway(p.clv_difference, p.reward)
    seg = _ds(ds).extras["segments"]
    reading = (
        f"Referred customers are worth more: at least {100 * p.uplift:.0f}%, about EUR {p.clv_difference:.0f} over "
        f"{p.horizon_years:.0f} years as published; recomputed with the suite's CLV from the printed margins and "
        f"churn, {100 * rec['uplift']:.0f}% (EUR {rec['clv_difference']:.0f}) at a base retention of "
        f"{100 * rec['annual_retention']:.0f}% a year, and {100 * lo:.0f}% to {100 * hi:.0f}% over the three "
        f"anchors. The EUR {p.reward:.0f} reward {'pays' if be_pub > p.reward else 'does not pay'}: it breaks "
        f"even at EUR {be_pub:.0f} (the published difference"
        + (f", {100 * share_anyway:.0f}% assumed to have joined anyway" if share_anyway else "")
        + f"), and pays as long as fewer than {100 * s_max:.0f}% of the rewarded referrals would have come "
        f"anyway.")
    return {
        "study": STUDIES[SSV], "setting": SETTINGS[SSV], "currency": "EUR", "horizon_years": p.horizon_years,
        "clv_nonreferred_published": float(pub["clv_nonreferred"]),      # implied: Delta V / uplift
        "clv_referred_published": float(pub["clv_referred"]),
        "clv_difference_published": p.clv_difference, "uplift_published": p.uplift,
        "uplift_published_bound": "at least",
        "clv_nonreferred": groups.clv_nonreferred, "clv_referred": groups.clv_referred,
        "clv_difference": groups.clv_difference, "uplift": groups.uplift,
        "uplift_range": (lo, hi),
        "annual_retention_nonreferred": float(groups.table.loc["non-referred", "annual_retention"]),
        "annual_retention_referred": float(groups.table.loc["referred", "annual_retention"]),
        "retention_basis": anchor_basis("level", p),
        "annual_retention_for_published_uplift": float(table.loc["uplift", "annual_retention"]),
        "margin_per_day_nonreferred": p.margin_per_day, "margin_gap_per_day": p.margin_gap_per_day,
        "margin_gap_share": p.margin_gap_per_day / p.margin_per_day, "margin_gap_months": p.gap_months,
        "churn_reduction": p.churn_reduction, "churn_hazard_ratio": p.hazard_ratio,
        "reward": p.reward, "reward_roi_published": p.reward_roi,
        "reward_roi": float(reward_roi(p.clv_difference, p.reward, share_anyway)),
        "share_anyway": share_anyway,
        "break_even_reward_published": be_pub, "break_even_reward": be_rec,
        "max_share_anyway": s_max,
        "segment_difference": dict(zip(seg["segment"], pd.to_numeric(seg["value_difference"], errors="coerce"))),
        "segment_stated": dict(zip(seg["segment"], seg["value_bound"])),
        "worth_more": _dir(ds, SSV, "value") > 0 and p.clv_difference > 0, "reward_pays": bool(be_pub > p.reward),
        "reading": reading,
        "settings": dict(kw),
    }


def _wg_headline(ds, mu_star: float) -> dict:
    margin, churn, value = (_dir(ds, WG, t) for t in ("margin", "churn", "value"))
    deficit = 1 - mu_star
    reading = (
        f"Not in general. Referred customers churn less but earn smaller margins, so the two pull in opposite "
        f"directions; new customers referred by email are worth less than non-referred ones, so for them no "
        f"positive reward breaks even. A churn advantage as large as the bank's would make up a margin deficit "
        f"of at most {100 * deficit:.0f}% over six years; the sizes of this study are not in a stored source.")
    none = {"clv_nonreferred": None, "clv_referred": None, "clv_difference": None, "uplift": None,
            "margin_gap_share": None, "churn_reduction": None, "reward": None, "break_even_reward": None}
    return {
        "study": STUDIES[WG], "setting": SETTINGS[WG], "currency": None, **none,
        "why_missing": WG_MISSING,
        "margin_direction": margin, "churn_direction": churn, "email_referral_value_direction": value,
        "margin_deficit_made_up_at_ssv_churn_gap": deficit,
        "email_referral_value": _direction_word(value),
        "break_even_reward_text": "below zero" if value < 0 else "not known from a stored source",
        "worth_more": False if value < 0 else None,
        "reward_pays": False if value < 0 else None,
        "reward_pays_for": "new customers referred by email (the only value the abstract reports)",
        "reading": reading,
    }


def evidence(ds=None, annual_discount_rate: float = 0.10, timing: str = "start",
             share_anyway: float = 0.0) -> PublishedEvidence:
    """Everything notebook 03 needs for the published evidence, from the loaded dataset ``ds`` (default:
    the project's ``referral_published``): tables and headline numbers per study (see
    :class:`PublishedEvidence`). ``share_anyway``: the assumed share of rewarded referred customers who
    would have joined anyway (module docstring, 3.)."""
    d = _ds(ds)
    kw = dict(annual_discount_rate=annual_discount_rate, timing=timing)
    recomputation = ssv_recomputation(d, share_anyway=share_anyway, **kw)
    groups = ssv_values(d, "level", **kw)
    p = ssv_inputs(d)
    mu_star = margin_ratio_break_even(float(groups.table.loc["non-referred", "annual_retention"]), p.hazard_ratio,
                                      horizon_years=p.horizon_years, **kw)
    tables = {
        "sources": d.extras["sources"],
        "figures": d.extras["figures"],
        "findings": d.extras["findings"],
        "ssv_groups": groups.table,
        "ssv_recomputation": recomputation,
        "segments": segment_table(d, share_anyway),
        "comparison": comparison_table(d, **kw),
    }
    tables["value_paths"] = value_paths(groups)
    tables["break_even"] = break_even_curves(recomputation, tables["segments"])
    headline = {SSV: _ssv_headline(d, recomputation, groups, share_anyway, kw), WG: _wg_headline(d, mu_star)}
    return PublishedEvidence(tables, headline, dict(share_anyway=share_anyway, **kw))


def break_even_curves(recomputation: pd.DataFrame, segments: pd.DataFrame, points: int = 101) -> pd.DataFrame:
    """R*(s) = (1 - s) Delta V over s in [0, 1] (module docstring, 3.) for the published difference, the
    recomputed one (base retention anchored on the published level) and each segment with a printed
    difference: rows s, one column per line (its label)."""
    s = pd.Index(np.linspace(0.0, 1.0, points), name="share who would have come anyway")
    lines = {"all customers, as published": recomputation.loc["published", "clv_difference"],
             "all customers, recomputed": recomputation.loc["level", "clv_difference"]}
    for _, row in segments.dropna(subset=["clv_difference"]).iterrows():
        lines[f"aged {row['segment']}" if row["dimension"] == "age" else str(row["segment"])] = row["clv_difference"]
    return pd.DataFrame({name: break_even_reward(float(dv), s.to_numpy()) for name, dv in lines.items()}, index=s)


#: The kinds of the columns of :func:`reader_tables` (for ``present.Table(..., kinds=KINDS)``).
KINDS = {"retention a year, non-referred → referred": "text",
         "value, non-referred": "money", "value, referred": "money",
         "difference": "money", "premium": "change", "difference over six years": "money",
         "premium (third party)": "change", "break-even reward at the assumed share": "money",
         "the reward pays at the assumed share": "bool", "as the authors state it": "text"}

#: The rows of the recomputation as readers see them.
ANCHOR_LABELS = {"published": "as published",
                 "level": "recomputed: implied value",
                 "uplift": "recomputed: the 16%",
                 "third party": "recomputed: a blog's retention"}


def _stated(value, bound) -> str:
    if pd.isna(value):
        return str(bound)
    return f"{'about ' if bound == 'about' else 'at least ' if bound == 'at least' else ''}EUR {value:.0f}"


def reader_tables(ev: PublishedEvidence) -> dict:
    """The tables of :func:`evidence` as a report shows them (plain labels, at most seven columns; kinds in
    :data:`KINDS`): ``values`` (the published value beside the recomputation at each base-retention anchor),
    ``segments`` (the difference by segment, the break-even reward and whether the printed reward pays) and
    ``comparison`` (the two studies side by side)."""
    rec = ev.tables["ssv_recomputation"]
    retention = ["not printed" if pd.isna(r0) else f"{100 * r0:.1f}% → {100 * r1:.1f}%"
                 for r0, r1 in zip(rec["annual_retention"], rec["annual_retention_referred"])]
    values = pd.DataFrame({
        "retention a year, non-referred → referred": retention,
        "value, non-referred": rec["clv_nonreferred"], "value, referred": rec["clv_referred"],
        "difference": rec["clv_difference"], "premium": rec["uplift"]})
    values.index = [ANCHOR_LABELS[a] for a in rec.index]
    values.index.name = "value over six years"
    seg = ev.tables["segments"]
    share = ev.settings["share_anyway"]
    segments = pd.DataFrame({
        "difference over six years": seg["clv_difference"].to_numpy(),
        "as the authors state it": [_stated(v, b) for v, b in zip(seg["clv_difference"], seg["bound"])],
        "premium (third party)": seg["uplift"].to_numpy(),
        "break-even reward at the assumed share": seg["break_even_reward"].to_numpy(),
        "the reward pays at the assumed share": seg["reward_pays"].to_numpy()},
        index=pd.Index([f"aged {x}" if d == "age" else str(x) for d, x in zip(seg["dimension"], seg["segment"])],
                       name="segment"))
    segments.attrs["share_anyway"] = share
    comparison = ev.tables["comparison"].copy()
    comparison.index = comparison.index.rename("referred vs non-referred")
    comparison = comparison.rename(columns={"same_direction": "same direction"})
    return {"values": values, "segments": segments, "comparison": comparison}


def printed_numbers(ds=None) -> pd.DataFrame:
    """Every printed number as a reader's table: quantity, group, the number as printed (with its unit
    and bound: "about 10,000 customers", "EUR 0.30 per day", "at least 16%"), the source and where in it."""
    fig = _ds(ds).extras["figures"]

    def printed(row) -> str:
        bound = {"about": "about ", "at least": "at least "}.get(row["bound"], "")
        unit, v = str(row["unit"]), float(row["value"])
        if unit == "percent":
            return f"{bound}{v:g}%"
        if unit.startswith("EUR"):
            return f"{bound}{100 * v:g} cents{unit[3:]}" if v < 1 else f"{bound}EUR {v:,.0f}{unit[3:]}"
        return f"{bound}{v:,.0f} {unit}" if v.is_integer() else f"{bound}{v:,.3g} {unit}"

    out = pd.DataFrame({"quantity": fig["quantity"], "group": fig["group"], "as printed": fig.apply(printed, axis=1),
                        "source": fig["source"] + " (" + fig["source_kind"] + ")", "where": fig["location"]})
    return out
