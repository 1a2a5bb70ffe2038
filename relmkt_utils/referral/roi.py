"""Referral program ROI: the P&L, the break-even reward, a bootstrap interval and a tornado.

Over a horizon, with
  I  incremental customers the program caused (lift x program size, from the holdout),
  V  value of a referred customer over the horizon (discounted CLV, e.g. ``btyd_value_comparison(...).value()``),
  C  rewarded conversions: every conversion in the program pays a reward, cannibalized ones too,
  r  reward per conversion = reward to referrer + reward to referee,
  F  fixed costs (platform, communication),
the program's

  cost  = C r + F,        value = I V,
  ROI   = (I V - C r - F) / (C r + F),
  break-even reward r* = (I V - F) / C   (ROI(r*) = 0; closed form from I V = C r + F).

dROI/dr = -C I V / (C r + F)^2 < 0 whenever I V > 0: the ROI falls as the reward rises.
(In practice raising r also raises C and I; this is the partial effect at fixed response.)

Bootstrap (seeded, vectorized): customers resampled with replacement within the program and the
holdout group (multinomial weights); each draw recomputes I = (mean N1 - mean N0) n1, C = sum N1
and the rewards paid, then ROI; the interval is the percentile interval. V is uncertain too: given
``clv_draws`` (draws of V from its own sampling distribution, e.g. the parametric + customer
bootstrap of :func:`relmkt_utils.referral.btyd_value_comparison`), each replicate takes one of them at
random (V is estimated from other data than the experiment, so the two are independent), and the
interval carries both sources of uncertainty.

The American Express "member get member" (成员带动成员) programme of the source material is the
model; Schmitt, Skiera & Van den Bulte (2011) report a return of about 60% on a EUR 25 reward.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import ALPHA, SEED, checked, dataframe, instance, number, numbers
from ..core.errors import DataError
from ..core.estimate import Estimate


@checked(incremental_customers=numbers(), clv=numbers(), rewarded_conversions=numbers(0),
         reward_per_conversion=numbers(0), fixed_cost=numbers(0))
def roi(incremental_customers, clv, rewarded_conversions, reward_per_conversion, fixed_cost=0.0):
    """ROI = (I V - C r - F) / (C r + F); numpy-broadcasting in every argument.

    Parameters
    ----------
    incremental_customers : float or array-like
        new customers the program caused (I).
    clv : float or array-like
        value of one incremental customer (V).
    rewarded_conversions : float or array-like
        conversions that were rewarded (C), >= 0.
    reward_per_conversion : float or array-like
        reward paid per rewarded conversion, referrer and referee together (r), >= 0.
    fixed_cost : float or array-like, default 0.0
        fixed cost of the program (F), >= 0.
    """
    cost = np.asarray(rewarded_conversions, float) * np.asarray(reward_per_conversion, float) + np.asarray(fixed_cost, float)
    value = np.asarray(incremental_customers, float) * np.asarray(clv, float)
    out = (value - cost) / cost
    return out if out.ndim else float(out)


@checked(incremental_customers=numbers(), clv=numbers(), rewarded_conversions=numbers(0), fixed_cost=numbers(0))
def break_even_reward(incremental_customers, clv, rewarded_conversions, fixed_cost=0.0):
    """Reward per conversion at which ROI = 0: r* = (I V - F) / C.

    Parameters
    ----------
    incremental_customers : float or array-like
        new customers the program caused (I).
    clv : float or array-like
        value of one incremental customer (V).
    rewarded_conversions : float or array-like
        conversions that were rewarded (C), >= 0.
    fixed_cost : float or array-like, default 0.0
        fixed cost of the program (F), >= 0.
    """
    out = (np.asarray(incremental_customers, float) * np.asarray(clv, float) - np.asarray(fixed_cost, float)) \
        / np.asarray(rewarded_conversions, float)
    return out if out.ndim else float(out)


@checked(incremental_customers=number(), clv=number(), rewarded_conversions=number(0), reward_referrer=number(0),
         reward_referee=number(0), fixed_cost=number(0))
def program_pnl(incremental_customers: float, clv: float, rewarded_conversions: float,
                reward_referrer: float, reward_referee: float, fixed_cost: float = 0.0) -> pd.DataFrame:
    """The program's P&L as a table (one amount per line, currency of the data).

    Parameters
    ----------
    incremental_customers : float
        new customers the program caused.
    clv : float
        value of one incremental (or referred) customer, in the currency of the data.
    rewarded_conversions : float
        conversions that were rewarded, >= 0.
    reward_referrer : float
        reward of the referrer per conversion, >= 0.
    reward_referee : float
        reward of the referee per conversion, >= 0.
    fixed_cost : float, default 0.0
        fixed cost of the program, >= 0.
    """
    C, I = float(rewarded_conversions), float(incremental_customers)
    rw1, rw2 = C * reward_referrer, C * reward_referee
    cost = rw1 + rw2 + fixed_cost
    value = I * clv
    r = reward_referrer + reward_referee
    lines = {
        "rewarded conversions (including those that would have come anyway)": C,
        "rewards to referrers": rw1,
        "rewards to referees": rw2,
        "fixed costs": fixed_cost,
        "total cost": cost,
        "incremental customers": I,
        "value per referred customer (horizon CLV)": clv,
        "incremental value": value,
        "net value": value - cost,
        "ROI": (value - cost) / cost,
        "break-even reward per conversion": break_even_reward(I, clv, C, fixed_cost),
        "reward per conversion": r,
    }
    table = pd.DataFrame({"line": list(lines), "amount": list(lines.values())})
    table.attrs["row_kinds"] = {"rewarded conversions (including those that would have come anyway)": "count",
                                "incremental customers": "count",
                                "ROI": "change"}           # a return may exceed 100%; the other lines are money
    return table


@dataclass
class RoiResult:
    """ROI of a program with its bootstrap interval and the parts it was made of."""

    roi: Estimate
    break_even_reward: Estimate
    incremental_customers: float
    rewarded_conversions: float
    rewards_paid: float
    fixed_cost: float
    clv: float
    draws: np.ndarray

    def pnl(self) -> pd.DataFrame:
        cost = self.rewards_paid + self.fixed_cost
        return pd.DataFrame({"line": ["rewards paid", "fixed costs", "total cost", "incremental customers",
                                      "value per referred customer", "incremental value", "net value", "ROI"],
                             "amount": [self.rewards_paid, self.fixed_cost, cost, self.incremental_customers,
                                        self.clv, self.incremental_customers * self.clv,
                                        self.incremental_customers * self.clv - cost, self.roi.value]})


@checked(outcomes=dataframe(), clv=number(), reward_per_conversion=number(0, none=True), fixed_cost=number(0),
         n_boot=number(2, integer=True), seed=SEED, alpha=ALPHA)
def roi_bootstrap(outcomes: pd.DataFrame, clv: float, reward_per_conversion: float | None = None,
                  fixed_cost: float = 0.0, n_boot: int = 200, seed: int = 0, alpha: float = 0.05,
                  clv_draws=None) -> RoiResult:
    """ROI from the experiment's outcomes (``incrementality.acquisition_outcomes``) with a bootstrap CI.

    Costs are the rewards actually paid in the program group (column ``rewards``) unless a
    ``reward_per_conversion`` is given, in which case cost = C r + F. ``clv_draws``: draws of V whose
    uncertainty the interval should carry (module docstring); without them V is held fixed.

    Parameters
    ----------
    outcomes : DataFrame
        experimental units of :func:`acquisition_outcomes` (``group``, ``program``, ``new_customers``,
        ``any_new``, ``rewards``, controls).
    clv : float
        value of one incremental (or referred) customer, in the currency of the data.
    reward_per_conversion : float or None
        reward per conversion for the costs; default: the rewards actually paid.
    fixed_cost : float, default 0.0
        fixed cost of the program, >= 0.
    n_boot : int, default 200
        bootstrap replicates, >= 2.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    clv_draws : array-like or None
        draws of the CLV whose uncertainty the interval carries; default the CLV held fixed.
    """
    if n_boot < 2:
        raise DataError(f"the bootstrap needs at least 2 replicates, got {n_boot}")
    rng = np.random.default_rng(seed)
    g1 = outcomes[outcomes["program"] == 1]
    g0 = outcomes[outcomes["program"] == 0]
    n1, n0 = len(g1), len(g0)
    y1 = g1["new_customers"].to_numpy(float)
    y0 = g0["new_customers"].to_numpy(float)
    pay = y1 * reward_per_conversion if reward_per_conversion is not None else g1["rewards"].to_numpy(float)

    w1 = rng.multinomial(n1, np.full(n1, 1 / n1), size=n_boot)
    w0 = rng.multinomial(n0, np.full(n0, 1 / n0), size=n_boot)
    s1, s0, spay = w1 @ y1, w0 @ y0, w1 @ pay
    inc_b = (s1 / n1 - s0 / n0) * n1
    v_b = np.full(n_boot, float(clv))
    if clv_draws is not None:
        v = np.asarray(clv_draws, dtype=float).ravel()
        v = v[np.isfinite(v)]
        if v.size == 0:
            raise DataError("clv_draws has no finite value")
        v_b = v[rng.integers(0, v.size, n_boot)]
    roi_b = (inc_b * v_b - spay - fixed_cost) / (spay + fixed_cost)
    with np.errstate(divide="ignore", invalid="ignore"):
        be_b = (inc_b * v_b - fixed_cost) / s1
    inc = (y1.mean() - y0.mean()) * n1
    cost = pay.sum() + fixed_cost
    method = "percentile bootstrap" + (" with draws of V" if clv_draws is not None else ", V fixed")
    roi_est = Estimate.from_draws(float((inc * clv - cost) / cost), roi_b, alpha, method)
    be_est = Estimate.from_draws(float((inc * clv - fixed_cost) / y1.sum()) if y1.sum() > 0 else np.nan,
                                 be_b, alpha, method)
    return RoiResult(roi_est, be_est, float(inc), float(y1.sum()), float(pay.sum()), float(fixed_cost),
                     float(clv), roi_b)


@checked(base=instance(dict, text='a dict of base values'), ranges=instance(dict, text='a dict of (low, high) ranges'))
def roi_tornado(base: dict, ranges: dict) -> pd.DataFrame:
    """ROI sensitivity: vary one parameter of :func:`roi` at a time over its (low, high) values.

    ``base`` holds incremental_customers, clv, rewarded_conversions, reward_per_conversion,
    fixed_cost; ``ranges`` maps some of these names to (low, high). Returns one row per parameter,
    sorted by swing = |ROI(high) - ROI(low)|, largest first (the top bar of a tornado chart).

    Parameters
    ----------
    base : dict
        base values of :func:`roi`'s arguments (incremental_customers, clv, rewarded_conversions,
        reward_per_conversion, fixed_cost).
    ranges : dict
        parameter -> (low, high).
    """
    unknown = set(ranges) - set(base)
    if unknown:
        raise ValueError(f"tornado ranges for unknown parameters: {sorted(unknown)}")
    base_roi = roi(**base)
    rows = []
    for name, (lo, hi) in ranges.items():
        r_lo = roi(**{**base, name: lo})
        r_hi = roi(**{**base, name: hi})
        rows.append({"parameter": name, "low": lo, "high": hi, "base": base[name], "roi_low": r_lo,
                     "roi_high": r_hi, "base_roi": base_roi, "swing": abs(r_hi - r_lo)})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


@checked(base=instance(dict, text='a dict of base values'), spread=number(0, 1, low_open=True, high_open=True))
def relative_ranges(base: dict, spread: float = 0.3, names=None) -> dict:
    """(low, high) = base x (1 -/+ spread) for the named parameters (all of ``base`` by default).

    Parameters
    ----------
    base : dict
        base values of :func:`roi`'s arguments (incremental_customers, clv, rewarded_conversions,
        reward_per_conversion, fixed_cost).
    spread : float, default 0.3
        relative spread, in (0, 1).
    names : sequence of str or None
        the parameters varied; default all of ``base``.
    """
    names = names or list(base)
    return {k: (base[k] * (1 - spread), base[k] * (1 + spread)) for k in names}


@checked(result=instance(RoiResult, text="a RoiResult (the result of roi_bootstrap)"),
         incremental=instance(Estimate, text="an Estimate"), clv=instance(Estimate, text="an Estimate"),
         reward_per_conversion=number(0), fixed_cost=number(0), reward_spread=number(0, 1))
def roi_sensitivity(result: RoiResult, incremental: Estimate, clv: Estimate, reward_per_conversion: float,
                    fixed_cost: float = 0.0, reward_spread: float = 0.5) -> pd.DataFrame:
    """The tornado of a programme (:func:`roi_tornado`): incremental customers and the value of a referred
    customer over their 95% intervals, the reward per conversion +/- ``reward_spread`` (50%) and the
    fixed cost from 0 to twice its value, each with the others at their base.

    Parameters
    ----------
    result : RoiResult
        the programme's ROI of :func:`roi_bootstrap` (its rewarded conversions are held fixed).
    incremental : Estimate
        incremental customers with their interval (e.g. ``incremental_customers(outcomes)``), varied
        from its lower to its upper bound.
    clv : Estimate
        value of one incremental (or referred) customer with its interval, in the currency of the data,
        varied from its lower to its upper bound.
    reward_per_conversion : float
        reward paid per rewarded conversion, referrer and referee together, >= 0.
    fixed_cost : float, default 0.0
        fixed cost of the program, >= 0; varied from 0 to twice its value.
    reward_spread : float, default 0.5
        relative spread of the reward, in [0, 1]: varied over (1 -/+ spread) x the reward.
    """
    base = {"incremental_customers": float(incremental.value), "clv": float(clv.value),
            "rewarded_conversions": result.rewarded_conversions, "reward_per_conversion": float(reward_per_conversion),
            "fixed_cost": float(fixed_cost)}
    ranges = {"incremental_customers": (incremental.lower, incremental.upper), "clv": (clv.lower, clv.upper),
              "reward_per_conversion": ((1 - reward_spread) * reward_per_conversion,
                                        (1 + reward_spread) * reward_per_conversion),
              "fixed_cost": (0.0, 2 * float(fixed_cost))}
    return roi_tornado(base, ranges)

