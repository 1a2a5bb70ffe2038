r"""Customer equity (客户资产) and the economics of retention (维持老客户 vs 吸引新客户).

Customer equity (Blattberg, Getz & Thomas 2001, *Customer Equity*; Gupta, Lehmann & Stuart 2004,
"Valuing customers", *J. Marketing Research* 41(1), 7-18) is the value of the current customers
plus that of all future cohorts, net of what acquiring them costs:

.. math::

    CE = N_0\,\mathrm{CLV} + \sum_{k=1}^{K} \frac{n_k}{(1+i)^k}\,(\mathrm{CLV} - c),
    \qquad n_k = n\,(1+g)^{k-1},

with N_0 current customers (already paid for), n_k customers acquired at the start of period k at
cost c each (CAC), CLV from :func:`relmkt_utils.core.clv.clv` in the chosen timing. An
infinite horizon (K = None) needs g < i and gives :math:`\sum_k n_k/(1+i)^k = n/(i-g)` (GLS 2004).

Other tools here:

* :func:`retention_uplift_value` -- what r -> r + 5 points is worth, as a share of CLV, of CLV net of
  CAC (profit per acquired customer), of customer equity and of steady-state profit per period
  (Reichheld & Sasser 1990, "Zero defections", HBR, report 25-85% in their industry examples; here
  the figure is *computed* for the inputs given, it is not a law).
* :func:`clv_cac_grid` -- CLV - CAC over retention x CAC (a heatmap table).
* :func:`break_even_retention_spend` -- the spend per customer at which an uplift pays for itself.
* :func:`clv_by_relationship_level` -- CLV under the retention of Berry's financial / social /
  structural bonds (财务/社会/结构层次).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import PROBABILITY, RATE, checked, number, numbers, one_of
from ..core.errors import ParameterError
from ..data.tables import RELATIONSHIP_LEVELS
from ..core.clv import check_timing, clv


@checked(discount_rate=RATE, horizon=number(0, integer=True, none=True), growth=RATE)
def cohort_discount_sum(discount_rate: float, horizon: int | None = None, growth: float = 0.0) -> float:
    r""":math:`\sum_{k=1}^{K} (1+g)^{k-1}/(1+i)^k`; n/(i-g) times this is the discounted count of future customers.

    Parameters
    ----------
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    horizon : int or None, default None
        number of future cohorts K; None for all.
    growth : float, default 0.0
        growth rate of the number of new customers per period (> -1).
    """
    i, g = float(discount_rate), float(growth)
    if horizon is None:
        if g >= i:
            raise ParameterError("an infinite stream of cohorts needs growth < discount rate")
        return 1.0 / (i - g)
    k = np.arange(1, int(horizon) + 1)
    return float(np.sum((1 + g) ** (k - 1) / (1 + i) ** k))


@checked(margin=number(), retention=PROBABILITY, discount_rate=RATE, current_customers=number(0),
         new_customers_per_period=number(0), acquisition_cost=number(0), horizon=number(0, integer=True, none=True),
         growth=RATE, timing=one_of("start", "end"))
def customer_equity(margin: float, retention: float, discount_rate: float, current_customers: float,
                    new_customers_per_period: float, acquisition_cost: float, horizon: int | None = None,
                    growth: float = 0.0, timing: str = "start") -> pd.Series:
    r"""CE = N_0 CLV + sum_k n_k (CLV - c)/(1+i)^k (Blattberg, Getz & Thomas 2001; Gupta, Lehmann & Stuart 2004).

    ``horizon`` K counts future cohorts (None = forever, needs ``growth`` < ``discount_rate``).
    Each customer's CLV is infinite-horizon. Returns the parts (currency of the inputs):
    ``clv``, ``current_customers_value``, ``future_customers_value`` (gross), ``future_acquisition_cost``
    and ``customer_equity``.

    Parameters
    ----------
    margin : float
        margin per customer per period.
    retention : float
        retention rate per period, in [0, 1].
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    current_customers : float
        customers today, >= 0.
    new_customers_per_period : float
        new customers acquired per period, >= 0.
    acquisition_cost : float
        acquisition cost per new customer (CAC), in the currency of the data, >= 0.
    horizon : int or None, default None
        number of future cohorts counted; None for all (needs growth < discount rate).
    growth : float, default 0.0
        growth rate of the number of new customers per period (> -1).
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    check_timing(timing)
    if current_customers < 0 or new_customers_per_period < 0 or acquisition_cost < 0:
        raise ParameterError("customer counts and acquisition cost must be >= 0")
    v = clv(margin, retention, discount_rate, timing=timing)
    w = new_customers_per_period * cohort_discount_sum(discount_rate, horizon, growth)
    cur, fut, cost = current_customers * v, w * v, w * acquisition_cost
    return pd.Series({"clv": v, "current_customers_value": cur, "future_customers_value": fut,
                      "future_acquisition_cost": cost, "customer_equity": cur + fut - cost})


@checked(new_customers_per_period=number(0), retention=number(0, 1, high_open=True))
def steady_state_customers(new_customers_per_period: float, retention: float) -> float:
    """N* = n / (1 - r): the base at which the n newcomers per period replace the (1 - r) N* who leave.

    Parameters
    ----------
    new_customers_per_period : float
        new customers acquired per period, >= 0.
    retention : float
        retention rate per period, in [0, 1).
    """
    if retention >= 1:
        raise ParameterError("a steady state needs retention < 1")
    return new_customers_per_period / (1 - retention)


@checked(margin=number(), retention=PROBABILITY, discount_rate=RATE, uplift=number(-1, 1),
         acquisition_cost=number(0), current_customers=number(0), new_customers_per_period=number(0),
         fixed_cost_per_period=number(), timing=one_of("start", "end"))
def retention_uplift_value(margin: float, retention: float, discount_rate: float, uplift: float = 0.05,
                           acquisition_cost: float = 0.0, current_customers: float = 0.0,
                           new_customers_per_period: float = 0.0, fixed_cost_per_period: float = 0.0,
                           timing: str = "start") -> pd.DataFrame:
    r"""Value of raising retention from r to r + ``uplift`` (0.05 = 5 percentage points).

    Rows ``before`` / ``after`` / ``change`` / ``change_pct`` for:

    * ``clv`` -- lifetime value of a customer;
    * ``clv_net_of_cac`` -- CLV - c, the profit of acquiring one customer (Reichheld & Sasser's
      "customer NPV");
    * ``customer_equity`` -- :func:`customer_equity` with the given base and inflow (infinite horizon);
    * ``steady_state_profit`` -- profit per period once the base has settled at N* = n/(1-r):
      N* m - n c - F (with F = ``fixed_cost_per_period``).

    ``change_pct`` = 100 x (after - before)/|before|, the figure to set beside Reichheld & Sasser's
    25-85% (HBR 1990), which are industry examples, not a law.

    Parameters
    ----------
    margin : float
        margin per customer per period, in the currency of the data.
    retention : float
        retention rate per period, in [0, 1].
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    uplift : float, default 0.05
        rise of the retention rate (0.05 = 5 percentage points).
    acquisition_cost : float, default 0.0
        acquisition cost per new customer (CAC), in the currency of the data, >= 0.
    current_customers : float, default 0.0
        customers today, >= 0.
    new_customers_per_period : float, default 0.0
        new customers acquired per period, >= 0.
    fixed_cost_per_period : float, default 0.0
        fixed cost of the retention programme per period.
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    r1 = retention + uplift
    if not 0 <= retention < 1 or not 0 <= r1 < 1:
        raise ParameterError("retention and retention + uplift must lie in [0, 1)")
    rows = {}
    for name, r in (("before", retention), ("after", r1)):
        v = clv(margin, r, discount_rate, timing=timing)
        ce = customer_equity(margin, r, discount_rate, current_customers, new_customers_per_period,
                             acquisition_cost, timing=timing)["customer_equity"]
        n_star = steady_state_customers(new_customers_per_period, r)
        profit = n_star * margin - new_customers_per_period * acquisition_cost - fixed_cost_per_period
        rows[name] = {"retention": r, "clv": v, "clv_net_of_cac": v - acquisition_cost,
                      "customer_equity": ce, "steady_state_customers": n_star, "steady_state_profit": profit}
    out = pd.DataFrame(rows).T
    out.loc["change"] = out.loc["after"] - out.loc["before"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out.loc["change_pct"] = 100 * out.loc["change"] / out.loc["before"].abs()
    return out


@checked(margin=number(), discount_rate=RATE, retention=numbers(0, 1), acquisition_cost=numbers(0),
         timing=one_of("start", "end"))
def clv_cac_grid(margin: float, discount_rate: float, retention, acquisition_cost,
                 timing: str = "start") -> pd.DataFrame:
    """CLV - CAC on a retention x acquisition-cost grid (index ``retention``, columns ``acquisition_cost``).

    Positive cells are customers worth acquiring at that cost; the zero contour is CAC = CLV(r).

    Parameters
    ----------
    margin : float
        margin per customer per period, in the currency of the data.
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    retention : array-like
        retention rates of the grid's rows, in [0, 1].
    acquisition_cost : array-like
        acquisition costs of the grid's columns, >= 0.
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    r = np.asarray(retention, dtype=float).ravel()
    c = np.asarray(acquisition_cost, dtype=float).ravel()
    v = np.asarray(clv(margin, r, discount_rate, timing=timing), dtype=float).reshape(-1, 1)
    return pd.DataFrame(v - c[None, :], index=pd.Index(r, name="retention"),
                        columns=pd.Index(c, name="acquisition_cost"))


@checked(margin=number(), retention=PROBABILITY, uplift=number(-1, 1), discount_rate=RATE,
         timing=one_of("start", "end"))
def break_even_retention_spend(margin: float, retention: float, uplift: float, discount_rate: float,
                               timing: str = "start") -> pd.Series:
    r"""Spend per customer at which a retention uplift r -> r' = r + ``uplift`` exactly pays for itself.

    * ``per_period``: a spend s in every period of the relationship (with every margin) keeps CLV
      unchanged: (m - s) M(r') = m M(r), so :math:`s^* = m\,(1 - M(r)/M(r'))` with M the margin
      multiplier of the timing; start timing: :math:`s^* = m (r'-r)/(1+i-r)`.
    * ``one_off``: a single spend at acquisition: :math:`\mathrm{CLV}(r') - \mathrm{CLV}(r)`.

    Spending less than these figures per customer makes the programme profitable.

    Parameters
    ----------
    margin : float
        margin per customer per period, in the currency of the data.
    retention : float
        retention rate per period, in [0, 1].
    uplift : float
        rise of the retention rate (0.05 = 5 percentage points).
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    r1 = retention + uplift
    if not 0 <= retention < 1 or not 0 <= r1 < 1:
        raise ParameterError("retention and retention + uplift must lie in [0, 1)")
    v0 = clv(1.0, retention, discount_rate, timing=timing)
    v1 = clv(1.0, r1, discount_rate, timing=timing)
    return pd.Series({"clv_before": margin * v0, "clv_after": margin * v1,
                      "per_period": margin * (1 - v0 / v1), "one_off": margin * (v1 - v0)})


@checked(discount_rate=RATE, timing=one_of("start", "end"))
def clv_by_relationship_level(retention_by_level, margin, discount_rate: float, bond_cost=0.0,
                              timing: str = "start") -> pd.DataFrame:
    r"""CLV of customers held by financial, social or structural bonds (Berry 1995; 财务/社会/结构层次).

    ``retention_by_level``: {level: r}; ``margin`` and ``bond_cost`` (cost per customer per period of
    keeping the bond, e.g. the price incentive of the financial level): a number or {level: value}.
    Columns: ``retention``, ``margin``, ``bond_cost``, ``expected_periods`` (1/(1-r), start timing; r/(1-r)
    end timing: expected number of margins), ``clv`` (of the net margin m - cost), ``clv_vs_first``
    (difference to the first level listed, normally financial) and ``clv_ratio_vs_first``.

    Parameters
    ----------
    retention_by_level : dict
        level -> retention rate per period.
    margin : float or dict
        margin per customer per period, one number or level -> margin.
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    bond_cost : float or dict, default 0.0
        cost per customer per period of keeping the bond, one number or level -> cost.
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    levels = list(retention_by_level)
    unknown = [lv for lv in levels if lv not in RELATIONSHIP_LEVELS]
    if unknown:
        raise ParameterError(f"unknown relationship level(s) {unknown}; use {list(RELATIONSHIP_LEVELS)}")
    levels.sort(key=RELATIONSHIP_LEVELS.index)

    def per_level(x, lv):
        return float(x[lv]) if isinstance(x, dict) else float(x)

    rows = []
    for lv in levels:
        r = float(retention_by_level[lv])
        m, k = per_level(margin, lv), per_level(bond_cost, lv)
        rows.append({"level": lv, "retention": r, "margin": m, "bond_cost": k,
                     "expected_periods": clv(1.0, r, 0.0, timing=timing) if r < 1 else np.inf,
                     "clv": clv(m - k, r, discount_rate, timing=timing)})
    out = pd.DataFrame(rows).set_index("level")
    out["clv_vs_first"] = out["clv"] - out["clv"].iloc[0]
    out["clv_ratio_vs_first"] = out["clv"] / out["clv"].iloc[0]
    return out
