"""Purchases: a BG/NBD process per customer on distinct days, with gamma-gamma spend.

For a customer acquired on day ``s`` (the first purchase, at time 0) and observed to day ``END``,
there are ``D = END - s`` days after acquisition. In continuous weekly time the customer's repeat
purchases while alive form a Poisson process of rate lambda on (0, T], T = D / 7 weeks, and after
each repeat purchase the customer drops out with probability p (Fader, Hardie & Lee 2005). This is
simulated exactly and mapped to days with one purchase per day:

* K ~ Poisson(lambda * D / 7) potential purchases in (0, T] (capped at D);
* their days are K *distinct* days drawn uniformly from 1..D (the Poisson process's uniform order
  statistics, discretized; distinctness changes nothing unless lambda is several per week);
* N ~ Geometric(p) is the repeat purchase after which the customer drops out; the customer makes
  the first X = min(K, N) of the K purchases, and is dead at the end iff N <= K.

Amounts: amount ~ Gamma(shape p_gg, rate nu) per purchase, rounded to cents (gamma-gamma model,
Fader, Hardie & Lee 2005, JMR). Each purchase also gets the free attribute ``influence``.
"""
from __future__ import annotations

import numpy as np


def distinct_days(rng: np.random.Generator, k: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each customer i, ``k[i]`` distinct days uniform in 1..d[i] (k <= d); returns (owner, day) sorted."""
    owner = np.repeat(np.arange(len(k)), k)
    day = 1 + np.floor(rng.random(owner.size) * d[owner]).astype(np.int64)
    while True:
        order = np.lexsort((day, owner))
        owner, day = owner[order], day[order]
        dup = np.zeros(owner.size, dtype=bool)
        dup[1:] = (owner[1:] == owner[:-1]) & (day[1:] == day[:-1])
        if not dup.any():
            return owner, day
        day[dup] = 1 + np.floor(rng.random(int(dup.sum())) * d[owner[dup]]).astype(np.int64)


def simulate(rng: np.random.Generator, start_day: np.ndarray, end_day: int, lam: np.ndarray, p: np.ndarray,
             nu: np.ndarray, t: dict) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Purchases of a batch of customers.

    Returns (purchases, per_customer): purchases has ``owner`` (index into the batch), ``day``
    (days after observation_start), ``amount``, ``influence``; per_customer has ``x`` (repeat
    purchases), ``dead`` (dropped out by the end), ``last_day`` (day of the last purchase) and
    ``active_end`` (dropout day, or end_day when still alive).
    """
    n = len(lam)
    d = (end_day - np.asarray(start_day, dtype=np.int64)).astype(np.int64)
    k = np.minimum(rng.poisson(lam * d / 7.0), d)
    n_drop = rng.geometric(np.clip(p, 1e-12, 1.0))
    x = np.minimum(k, n_drop)
    dead = n_drop <= k
    owner, rel = distinct_days(rng, k, d)
    # rank of each potential purchase within its customer; keep the first x
    first = np.searchsorted(owner, np.arange(n))
    rank = np.arange(owner.size) - first[owner]
    keep = rank < x[owner]
    owner, rel = owner[keep], rel[keep]
    # add the first purchase (day 0 after acquisition) and sort by customer, day
    owner = np.concatenate([np.arange(n), owner])
    rel = np.concatenate([np.zeros(n, dtype=np.int64), rel])
    order = np.lexsort((rel, owner))
    owner, rel = owner[order], rel[order]
    day = np.asarray(start_day, dtype=np.int64)[owner] + rel
    amount = np.round(rng.gamma(t["gamma_gamma"]["p"], 1.0 / nu[owner]), 2)
    shares = t["transactions"]["influence_shares"]
    names = np.asarray(list(shares), dtype=object)
    influence = names[rng.choice(len(names), size=owner.size, p=[shares[s] for s in shares])]
    last_rel = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_rel, owner, rel)
    last_day = np.asarray(start_day, dtype=np.int64) + last_rel
    active_end = np.where(dead, last_day, end_day)
    return (
        {"owner": owner, "day": day, "amount": amount, "influence": influence},
        {"x": x, "dead": dead, "last_day": last_day, "active_end": active_end, "exposure_days": d},
    )


# ---------------------------------------------------------------------------- closed forms

def expected_repeat(t_weeks, r: float, alpha: float, a: float, b: float):
    """BG/NBD E[X(t)], the expected number of repeat purchases in (0, t] (FHL 2005, eq. 9)."""
    from scipy.special import hyp2f1

    t_weeks = np.asarray(t_weeks, dtype=float)
    z = t_weeks / (alpha + t_weeks)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t_weeks)) ** r * hyp2f1(r, b, a + b - 1, z))


def expected_repeat_scaled(t_weeks: float, r: float, alpha: float, a: float, b: float, m: float = 1.0) -> float:
    """E[X(t)] when each customer's dropout probability is m * p, p ~ Beta(a, b) (m = 1: BG/NBD).

    Given (lambda, p) the BG/NBD gives E[X(t)] = (1 - exp(-lambda p t)) / p; integrating lambda out,
    E[X(t) | p] = (1 - (alpha / (alpha + m p t))^r) / (m p); p is integrated numerically.
    """
    from scipy import integrate
    from scipy.special import betaln

    def f(p: float) -> float:  # the Beta density's p^(a-1) (1-p)^(b-1) is quad's "alg" weight
        mp = m * p
        if mp * t_weeks < 1e-8:  # (1 - (alpha/(alpha+x))^r)/mp -> r t / alpha as mp -> 0
            return r * t_weeks / alpha
        return -np.expm1(r * np.log(alpha / (alpha + mp * t_weeks))) / mp

    val = integrate.quad(f, 0.0, 1.0, weight="alg", wvar=(a - 1.0, b - 1.0), limit=200, epsabs=1e-13, epsrel=1e-12)[0]
    return float(val / np.exp(betaln(a, b)))
