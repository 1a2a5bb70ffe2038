"""A seeded simulator of a randomized referral program with known truth.

The world
---------
* ``n_customers`` existing customers, acquired uniformly over the three years before the program
  start S (channel organic or paid), each with a relationship level (financial/social/structural)
  and an NPS answer 30 days before S. Each is randomized (exactly half) to ``program`` or ``holdout``.
* During the program window [S, S + W):
  - word of mouth (口碑) that happens anyway: every customer brings omega_t new customers, Poisson,
    at uniform times, where the type t = (NPS group, relationship level) sets
    omega_t = wom_rate[nps] * level_multiplier[level]. In the holdout group these are recorded when the
    new customer names the referrer (reward 0); in the program group they are rewarded like any
    referral (the cannibalized part of the program);
  - program customers also send nu_t = invite_rate[nps] * level_multiplier[level] rewarded
    invitations, Poisson, at uniform times; each converts with probability ``invite_conversion``
    after an exponential delay with mean ``mean_delay_days``; a conversion after S + W is not
    observed (the invitation stays open: referee empty).
  The share of converting invitations whose conversion falls inside the window is (days are whole)
  phi = (1/W) sum_{k=0}^{W-1} (1 - exp(-k / mu))  (~ 1 - (mu/W)(1 - exp(-W/mu)) in continuous time), so the observed incremental customers per program customer
  are Poisson(nu_t c phi).
* Converted referees become customers (channel referral); ``n_new_other`` organic/paid customers
  also join during the window (so cohorts are comparable).
* Every customer stays for an exponential lifetime with hazard ``churn_per_year``, multiplied by
  ``referred_hazard_ratio`` for referred customers, buys at Poisson rate ``orders_per_year`` while
  alive until S + W + follow-up, with Gamma(shape 2) order amounts of mean ``aov`` (times
  1 + ``referred_aov_uplift`` for referred customers).

Truth (``SimulatedProgram.truth``)
----------------------------------
Expectations over the type mixture p_t (NPS-group and level shares are independent):
mean new customers per holdout customer E[N0] = sum_t p_t omega_t; per program customer
E[N1] = sum_t p_t (omega_t + nu_t c phi); lift = E[N1] - E[N0]; shares with >= 1 new customer
1 - sum_t p_t exp(-rate_t); cannibalization = E[N0] / E[N1]; the true simple CLV of each group
(annual margin m = margin_rate * aov_g * orders_per_year, retention r = exp(-hazard_g),
CLV = m (1 + d) / (1 + d - r)); and the true ROI of the program for a given CLV per incremental
customer (see :func:`true_roi`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.checks import COUNT, FLAG, PROBABILITY, RATE, SEED, checked, instance, number
from ..core.clv import clv as closed_form_clv

NPS_GROUPS = ("promoter", "passive", "detractor")
LEVELS = ("financial", "social", "structural")
DAY = np.timedelta64(1, "D")


@dataclass
class SimulatedProgram:
    """Canonical tables of a simulated referral program plus its truth."""

    customers: pd.DataFrame
    referrals: pd.DataFrame
    survey: pd.DataFrame
    transactions: pd.DataFrame | None
    lifetimes: pd.DataFrame
    truth: dict = field(default_factory=dict)
    program_start: pd.Timestamp = pd.Timestamp("2023-01-01")
    program_end: pd.Timestamp = pd.Timestamp("2024-01-01")
    observation_end: pd.Timestamp = pd.Timestamp("2026-01-01")


def _nps_scores(rng, groups):
    lo = np.select([groups == "promoter", groups == "passive"], [9, 7], 0)
    hi = np.select([groups == "promoter", groups == "passive"], [10, 8], 6)
    return rng.integers(lo, hi + 1)


@checked(truth=instance(dict, text='the truth dict of simulate_referral_program'), clv=number(),
         reward_per_conversion=number(0), fixed_cost=number(0), n_program=COUNT)
def true_roi(truth: dict, clv: float, reward_per_conversion: float, fixed_cost: float, n_program: int) -> float:
    """True ROI of the simulated program: (n lift V - n E[N1] r - F) / (n E[N1] r + F).

    Parameters
    ----------
    truth : dict
        the ``truth`` of :func:`simulate_referral_program`.
    clv : float
        value of one incremental customer.
    reward_per_conversion : float
        reward per rewarded conversion, >= 0.
    fixed_cost : float
        fixed cost of the program, >= 0.
    n_program : int
        customers in the program group, >= 1.
    """
    value = n_program * truth["lift_new_per_customer"] * clv
    cost = n_program * truth["mean_new_program"] * reward_per_conversion + fixed_cost
    return (value - cost) / cost


@checked(n_customers=COUNT, seed=SEED, window_days=COUNT, followup_days=number(0, integer=True),
         invite_conversion=PROBABILITY, mean_delay_days=number(0, low_open=True),
         n_new_other=number(0, integer=True), aov=number(0, low_open=True),
         referred_aov_uplift=number(-1, low_open=True), orders_per_year=number(0, low_open=True),
         margin_rate=PROBABILITY, churn_per_year=number(0, low_open=True),
         referred_hazard_ratio=number(0, low_open=True), reward_referrer=number(0), reward_referee=number(0),
         discount_rate=RATE, with_transactions=FLAG)
def simulate_referral_program(
    n_customers: int = 4000,
    seed: int = 0,
    *,
    program_start: str = "2023-01-01",
    window_days: int = 365,
    followup_days: int = 730,
    nps_shares: tuple[float, float, float] = (0.35, 0.40, 0.25),
    level_shares: tuple[float, float, float] = (0.5, 0.3, 0.2),
    wom_rate: dict | None = None,
    invite_rate: dict | None = None,
    level_multiplier: dict | None = None,
    invite_conversion: float = 0.25,
    mean_delay_days: float = 14.0,
    n_new_other: int = 1000,
    aov: float = 50.0,
    referred_aov_uplift: float = 0.16,
    orders_per_year: float = 4.0,
    margin_rate: float = 0.3,
    churn_per_year: float = 0.35,
    referred_hazard_ratio: float = 0.82,
    reward_referrer: float = 15.0,
    reward_referee: float = 10.0,
    acquisition_cost: dict | None = None,
    discount_rate: float = 0.10,
    with_transactions: bool = True,
) -> SimulatedProgram:
    """Simulate one referral program; the same arguments give the same tables, byte for byte.

    Parameters
    ----------
    n_customers : int, default 4000
        existing customers, half randomized to the program, >= 1.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    program_start : str, default '2023-01-01'
        start date S of the program window.
    window_days : int, default 365
        length W of the program window in days, >= 1.
    followup_days : int, default 730
        days of purchases observed after the window, >= 0.
    nps_shares : tuple of 3 floats, default (0.35, 0.4, 0.25)
        shares of promoters, passives and detractors.
    level_shares : tuple of 3 floats, default (0.5, 0.3, 0.2)
        shares of the financial, social and structural levels.
    wom_rate : dict or None
        new customers by word of mouth per customer and NPS group (omega); default the module's.
    invite_rate : dict or None
        rewarded invitations per program customer and NPS group (nu); default the module's.
    level_multiplier : dict or None
        multiplier of both rates per relationship level; default the module's.
    invite_conversion : float, default 0.25
        probability that an invitation converts, in [0, 1].
    mean_delay_days : float, default 14.0
        mean delay of a conversion in days, > 0.
    n_new_other : int, default 1000
        organic/paid customers joining during the window, >= 0.
    aov : float, default 50.0
        mean order amount, > 0.
    referred_aov_uplift : float, default 0.16
        relative uplift of a referred customer's order amount, > -1.
    orders_per_year : float, default 4.0
        purchase rate of alive customers per year, > 0.
    margin_rate : float, default 0.3
        margin as a share of revenue, in [0, 1].
    churn_per_year : float, default 0.35
        dropout hazard per year, > 0.
    referred_hazard_ratio : float, default 0.82
        hazard ratio of referred customers, > 0.
    reward_referrer : float, default 15.0
        reward of the referrer per conversion, >= 0.
    reward_referee : float, default 10.0
        reward of the referee per conversion, >= 0.
    acquisition_cost : dict or None
        acquisition cost by channel; default the module's.
    discount_rate : float, default 0.1
        discount rate per year of the true CLV.
    with_transactions : bool, default True
        also simulate the transactions table.
    """
    rng = np.random.default_rng(seed)
    wom_rate = wom_rate or {"promoter": 0.15, "passive": 0.06, "detractor": 0.02}
    invite_rate = invite_rate or {"promoter": 1.2, "passive": 0.6, "detractor": 0.2}
    level_multiplier = level_multiplier or {"financial": 0.8, "social": 1.0, "structural": 1.3}
    acquisition_cost = acquisition_cost or {"organic": 5.0, "paid": 60.0, "referral": 0.0}
    S = np.datetime64(pd.Timestamp(program_start).date(), "D")
    E = S + np.timedelta64(window_days, "D")
    END = E + np.timedelta64(followup_days, "D")
    W, mu, c = float(window_days), float(mean_delay_days), float(invite_conversion)
    # invitation day j ~ U{0..W-1}, conversion day j + ceil(X), X ~ Exp(mu), observed if < W:
    phi = float(np.mean(1 - np.exp(-np.arange(window_days) / mu)))

    # --- existing customers -------------------------------------------------------------------
    n = int(n_customers)
    ids = np.array([f"C{i:06d}" for i in range(n)])
    nps_g = np.asarray(NPS_GROUPS)[rng.choice(3, n, p=nps_shares)]
    level = np.asarray(LEVELS)[rng.choice(3, n, p=level_shares)]
    acquired = S - rng.integers(1, 3 * 365 + 1, n) * DAY
    channel = np.where(rng.random(n) < 0.5, "organic", "paid")
    group = np.where(rng.permutation(n) < n // 2, "program", "holdout")
    mult = np.array([level_multiplier[x] for x in level])
    omega = np.array([wom_rate[x] for x in nps_g]) * mult
    nu = np.array([invite_rate[x] for x in nps_g]) * mult
    nps = _nps_scores(rng, nps_g)

    # --- referrals ----------------------------------------------------------------------------
    n_wom = rng.poisson(omega)
    wom_referrer = np.repeat(np.arange(n), n_wom)
    wom_conv = S + np.floor(rng.random(wom_referrer.size) * W).astype(int) * DAY
    wom_delay = rng.integers(0, 8, wom_referrer.size) * DAY
    wom_inv = np.maximum(wom_conv - wom_delay, S)
    in_prog = group == "program"
    n_inv = np.where(in_prog, rng.poisson(nu), 0)
    inv_referrer = np.repeat(np.arange(n), n_inv)
    inv_at = S + np.floor(rng.random(inv_referrer.size) * W).astype(int) * DAY
    will_convert = rng.random(inv_referrer.size) < c
    delay = np.ceil(rng.exponential(mu, inv_referrer.size)).astype(int) * DAY
    conv_at = inv_at + delay
    observed = will_convert & (conv_at < E)
    referrer = np.concatenate([wom_referrer, inv_referrer])
    invited_at = np.concatenate([wom_inv, inv_at])
    converted = np.concatenate([np.ones(wom_referrer.size, bool), observed])
    converted_at = np.concatenate([wom_conv, conv_at])
    order = np.lexsort((referrer, invited_at))
    referrer, invited_at, converted, converted_at = referrer[order], invited_at[order], converted[order], converted_at[order]
    n_conv = int(converted.sum())
    referee_ids = np.full(referrer.size, None, dtype=object)
    referee_ids[converted] = [f"R{i:06d}" for i in range(n_conv)]
    rewarded = converted & in_prog[referrer]
    referrals = pd.DataFrame({
        "referrer_id": ids[referrer],
        "invited_at": pd.to_datetime(invited_at),
        "referee_id": referee_ids,
        "converted_at": pd.to_datetime(np.where(converted, converted_at, np.datetime64("NaT"))),
        "reward_referrer": np.where(rewarded, reward_referrer, 0.0),
        "reward_referee": np.where(rewarded, reward_referee, 0.0),
    })

    # --- new customers: referees and other newcomers -------------------------------------------
    ref_acq = converted_at[converted]
    m_other = int(n_new_other)
    other_acq = S + np.floor(rng.random(m_other) * W).astype(int) * DAY
    new_ids = np.concatenate([referee_ids[converted].astype(str), [f"N{i:06d}" for i in range(m_other)]])
    new_channel = np.concatenate([np.full(n_conv, "referral"), np.where(rng.random(m_other) < 0.5, "organic", "paid")])
    n_new = n_conv + m_other
    all_ids = np.concatenate([ids, new_ids])
    customers = pd.DataFrame({
        "customer_id": all_ids,
        "acquired_at": pd.to_datetime(np.concatenate([acquired, ref_acq, other_acq])),
        "channel": np.concatenate([channel, new_channel]),
        "relationship_level": np.concatenate([level, np.asarray(LEVELS)[rng.choice(3, n_new, p=level_shares)]]),
        "referral_group": np.concatenate([group, np.where(rng.random(n_new) < 0.5, "program", "holdout")]),
    })
    customers["acquisition_cost"] = customers["channel"].map(acquisition_cost).astype(float)
    survey = pd.DataFrame({"customer_id": ids, "date": pd.Timestamp(S - 30 * DAY), "nps": nps})

    # --- lifetimes and transactions -------------------------------------------------------------
    N = len(customers)
    referred = (customers["channel"] == "referral").to_numpy()
    hazard = churn_per_year * np.where(referred, referred_hazard_ratio, 1.0)
    life_years = rng.exponential(1 / hazard)
    acq = customers["acquired_at"].to_numpy().astype("datetime64[D]")
    window_years = (END - acq) / DAY / 365.25
    churned = life_years < window_years
    alive_years = np.minimum(life_years, window_years)
    # whole days, as dates give them (and ties make the Cox fit faster)
    lifetimes = pd.DataFrame({"customer_id": all_ids, "duration": np.ceil(alive_years * 365.25),
                              "dropped": churned.astype(int), "referred": referred.astype(int)})
    transactions = None
    if with_transactions:
        k = rng.poisson(orders_per_year * alive_years)
        who = np.repeat(np.arange(N), k)
        when = acq[who] + np.floor(rng.random(who.size) * alive_years[who] * 365.25).astype(int) * DAY
        mean_amount = aov * np.where(referred[who], 1 + referred_aov_uplift, 1.0)
        amount = np.round(rng.gamma(2.0, mean_amount / 2.0), 2)
        transactions = pd.DataFrame({"customer_id": all_ids[who], "date": pd.to_datetime(when), "amount": amount})
        transactions = transactions.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)

    # --- truth ----------------------------------------------------------------------------------
    p_nps, p_lvl = np.asarray(nps_shares), np.asarray(level_shares)
    pt = np.outer(p_nps, p_lvl).ravel()
    om = np.outer([wom_rate[g] for g in NPS_GROUPS], [level_multiplier[v] for v in LEVELS]).ravel()
    nut = np.outer([invite_rate[g] for g in NPS_GROUPS], [level_multiplier[v] for v in LEVELS]).ravel()
    inc = nut * c * phi
    e0, e1 = float(pt @ om), float(pt @ (om + inc))
    any0, any1 = float(1 - pt @ np.exp(-om)), float(1 - pt @ np.exp(-(om + inc)))
    d = discount_rate

    # yearly margin, yearly retention exp(-hazard), margins at the start of each year (core.clv)
    clv_ref = closed_form_clv(margin_rate * aov * (1 + referred_aov_uplift) * orders_per_year,
                  np.exp(-churn_per_year * referred_hazard_ratio), d, timing="start")
    clv_other = closed_form_clv(margin_rate * aov * orders_per_year, np.exp(-churn_per_year), d, timing="start")
    truth = {
        "mean_new_holdout": e0, "mean_new_program": e1, "lift_new_per_customer": e1 - e0,
        "share_any_holdout": any0, "share_any_program": any1, "lift_share_any": any1 - any0,
        "cannibalization": e0 / e1, "viral_k_program": e1, "viral_k_holdout": e0,
        "incremental_customers": (e1 - e0) * int(in_prog.sum()), "n_program": int(in_prog.sum()),
        "observed_share_phi": float(phi), "invite_conversion": c,
        "aov_uplift": referred_aov_uplift, "hazard_ratio": referred_hazard_ratio,
        "clv_referred": float(clv_ref), "clv_other": float(clv_other),
        "clv_uplift": float(clv_ref / clv_other - 1), "margin_rate": margin_rate, "discount_rate": d,
        "reward_per_conversion": reward_referrer + reward_referee,
    }
    return SimulatedProgram(customers, referrals, survey, transactions, lifetimes, truth,
                            pd.Timestamp(S), pd.Timestamp(E), pd.Timestamp(END))
