"""The viral coefficient K and the expected referral cascade (成员带动成员, member get member).

K = (invitations per customer) x (conversion rate) = i c: new customers that one customer brings
directly (Jurvetson & Draper's "viral marketing"; the reproduction number of epidemiology).

With per-customer counts (I_j invitations, C_j conversions, j = 1..N), i = sum I / N and
c = sum C / sum I, so K = i c = sum C / N = mean(C). The delta method for g(mean I, mean C) =
mean I * (mean C / mean I) has gradient (0, 1), so se(K) = sd(C) / sqrt(N): customers are the
independent units (invitations of one customer are not), and the interval is K +/- z se(K).

Cascade: each customer of generation g brings K customers of generation g + 1, so the expected
size of generation g is N_g = N0 K^g and the cumulative total after G generations is
N0 (1 - K^(G+1)) / (1 - K) -> N0 / (1 - K) when K < 1 (a geometric series); when K >= 1 the
expected cascade does not stop (the total is infinite) until the market saturates, which this
simple model ignores. Real referral K values are far below 1, so the total stays close to
N0 (1 + K).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import ALPHA, checked, dataframe, number
from ..core.errors import require_columns
from ..core.estimate import Estimate, z_value
from .funnel import converted


@dataclass
class ViralResult:
    """K with its parts: invitations per customer i, conversion rate c, K = i c."""

    k: Estimate
    invitations_per_customer: Estimate
    conversion_rate: float
    n_customers: int
    invitations: int
    conversions: int

    def summary(self) -> pd.DataFrame:
        rows = {"invitations per customer (i)": self.invitations_per_customer,
                "viral coefficient K = i c": self.k}
        out = pd.DataFrame({k: v.as_dict() for k, v in rows.items()}).T
        out.loc["conversion rate (c)"] = [self.conversion_rate, np.nan, np.nan, np.nan]
        return out


@checked(customers=dataframe(), referrals=dataframe(), alpha=ALPHA)
def viral_coefficient(customers: pd.DataFrame, referrals: pd.DataFrame, alpha: float = 0.05) -> ViralResult:
    """K = i c over the given customers (pass the program group for the program's K).

    Referrals whose referrer is not among ``customers`` are ignored.

    Parameters
    ----------
    customers : DataFrame
        the customers whose referrals count (e.g. the program group).
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    require_columns(referrals, "referrals", ("referrer_id", "referee_id"))
    ids = pd.Index(customers["customer_id"].unique())
    refs = referrals[referrals["referrer_id"].isin(ids)]
    inv = refs.groupby("referrer_id").size().reindex(ids, fill_value=0).to_numpy(float)
    conv = (converted(refs).groupby(refs["referrer_id"]).sum().reindex(ids, fill_value=0).to_numpy(float))
    n = ids.size
    if n < 2:
        raise ValueError("the viral coefficient needs at least two customers")
    z = z_value(alpha)

    def mean_est(x, method):
        m, se = x.mean(), x.std(ddof=1) / np.sqrt(n)
        return Estimate(float(m), float(max(0.0, m - z * se)), float(m + z * se), float(se), method, alpha)

    i_est = mean_est(inv, "wald, customers as units")
    k_est = mean_est(conv, "delta method, customers as units")
    c = conv.sum() / inv.sum() if inv.sum() > 0 else np.nan
    return ViralResult(k_est, i_est, float(c), int(n), int(inv.sum()), int(conv.sum()))


@checked(n0=number(0), k=number(0))
def cascade_total(n0: float, k: float) -> float:
    """Expected total customers of an endless cascade, N0 / (1 - K) for 0 <= K < 1, else inf.

    Parameters
    ----------
    n0 : float
        customers of generation 0 (the seed customers), >= 0.
    k : float
        viral coefficient K (new customers per customer), >= 0.
    """
    return float(n0 / (1 - k)) if k < 1 else float("inf")


@checked(n0=number(0), generations=number(0, integer=True))
def cascade(n0: float, k: float | Estimate, generations: int = 10) -> pd.DataFrame:
    """Expected customers by generation g = 0..G: N_g = N0 K^g and the cumulative sum.

    With an :class:`Estimate` for K, the columns ``cumulative_lower``/``cumulative_upper`` carry the
    cascade at the interval's ends (monotone in K, so it is the interval of the cumulative count).

    Parameters
    ----------
    n0 : float
        customers of generation 0 (the seed customers), >= 0.
    k : float or Estimate
        viral coefficient K; an :class:`Estimate` adds the interval's cascades.
    generations : int, default 10
        last generation G, >= 0.
    """
    g = np.arange(int(generations) + 1)
    kv = float(k)
    out = pd.DataFrame({"generation": g, "new_customers": n0 * kv**g})
    out["cumulative"] = out["new_customers"].cumsum()
    if isinstance(k, Estimate):
        out["cumulative_lower"] = np.cumsum(n0 * max(k.lower, 0.0) ** g)
        out["cumulative_upper"] = np.cumsum(n0 * k.upper**g)
    out["limit"] = cascade_total(n0, kv)
    return out


@checked(customers=dataframe(), referrals=dataframe())
def observed_generations(customers: pd.DataFrame, referrals: pd.DataFrame) -> pd.Series:
    """Generation of each customer in the observed data: 0 if nobody referred them, else the
    referrer's generation + 1 (referrers outside the customers table count as generation 0).

    Parameters
    ----------
    customers : DataFrame
        the canonical customers table (``customer_id``, ``acquired_at``, ``channel``,
        ``relationship_level``, ...).
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    """
    conv = referrals[converted(referrals)]
    parent = dict(zip(conv["referee_id"].astype(str), conv["referrer_id"].astype(str)))
    ids = customers["customer_id"].astype(str)
    gen: dict[str, int] = {}

    def depth(c: str) -> int:
        chain = []
        while c in parent and c not in gen and len(chain) <= len(parent):
            chain.append(c)
            c = parent[c]
        base = gen.get(c, 0)
        for j, node in enumerate(reversed(chain), start=1):
            gen[node] = base + j
        return gen.get(chain[0], base) if chain else base

    return pd.Series([depth(c) for c in ids], index=customers.index, name="generation")
