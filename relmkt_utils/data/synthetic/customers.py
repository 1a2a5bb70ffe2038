"""Customers: latent traits (delivered value, dropout, purchase rate, spend) and observed attributes.

Latent traits of a batch of customers (all drawn at once, in a fixed order):

* eight construct scores eta_k ~ N(0, 1) (product, service, personnel, image value; monetary, time,
  energy, psychic cost); delivered value DV = sum(w_v eta_v) - sum(w_c eta_c) (Kotler),
  z_value = DV / sd(DV) ~ N(0, 1);
* the dropout copula z_p = -rho z_value + sqrt(1 - rho^2) e, p = BetaPPF(Phi(z_p); a, b), which
  keeps p ~ Beta(a, b) exactly (Fader, Hardie & Lee 2005);
* the relationship level from population quantiles of s = -z_p + noise_sd * e2 (Berry's financial,
  social, structural levels; higher level = lower dropout);
* lambda ~ Gamma(r, rate alpha) purchases per week; nu ~ Gamma(q, rate gamma) (gamma-gamma spend).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..tables import COST_CONSTRUCTS, VALUE_CONSTRUCTS, RELATIONSHIP_LEVELS

CONSTRUCT_ORDER = VALUE_CONSTRUCTS + COST_CONSTRUCTS


def driver_weights(t: dict) -> dict[str, float]:
    """Signed weights of the eight constructs in delivered value (costs negative)."""
    dv = t["delivered_value"]
    w = {k: float(dv["value_weights"][k]) for k in VALUE_CONSTRUCTS}
    w.update({k: -float(dv["cost_weights"][k]) for k in COST_CONSTRUCTS})
    return w


def delivered_value_sd(t: dict) -> float:
    return float(np.sqrt(sum(v * v for v in driver_weights(t).values())))


def level_cutpoints(t: dict) -> np.ndarray:
    """Cutpoints of the level score s ~ N(0, 1 + noise_sd^2) at the level shares."""
    sh = t["relationship_levels"]["shares"]
    cum = np.cumsum([sh[lv] for lv in RELATIONSHIP_LEVELS])[:-1]
    sd = np.sqrt(1.0 + t["relationship_levels"]["noise_sd"] ** 2)
    return sd * stats.norm.ppf(cum)


def draw_latent(rng: np.random.Generator, n: int, t: dict) -> dict[str, np.ndarray]:
    """Latent traits of ``n`` customers (arrays of length n)."""
    eta = rng.standard_normal((n, len(CONSTRUCT_ORDER)))
    e_p = rng.standard_normal(n)
    e_level = rng.standard_normal(n)
    bg, gg = t["bgnbd"], t["gamma_gamma"]
    lam = rng.gamma(bg["r"], 1.0 / bg["alpha"], n)
    nu = rng.gamma(gg["q"], 1.0 / gg["gamma"], n)

    w = np.array([driver_weights(t)[k] for k in CONSTRUCT_ORDER])
    z_value = eta @ w / delivered_value_sd(t)
    rho = t["delivered_value"]["dropout_value_correlation"]
    z_p = -rho * z_value + np.sqrt(1.0 - rho * rho) * e_p
    p = stats.beta.ppf(stats.norm.cdf(z_p), bg["a"], bg["b"])
    p = np.clip(p, 1e-12, 1.0)
    s = -z_p + t["relationship_levels"]["noise_sd"] * e_level
    level = np.searchsorted(level_cutpoints(t), s)  # 0 financial, 1 social, 2 structural
    out = {"z_value": z_value, "z_p": z_p, "p_base": p, "level": level, "lam": lam, "nu": nu}
    for j, k in enumerate(CONSTRUCT_ORDER):
        out[f"eta_{k}"] = eta[:, j]
    return out


def _lognormal(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    s2 = np.log1p(cv * cv)
    return rng.lognormal(np.log(mean) - s2 / 2.0, np.sqrt(s2), n)


def _categorical(rng: np.random.Generator, shares: dict, n: int) -> np.ndarray:
    names = list(shares)
    return np.asarray(names, dtype=object)[rng.choice(len(names), size=n, p=[shares[k] for k in names])]


def draw_base_customers(rng: np.random.Generator, n: int, t: dict) -> pd.DataFrame:
    """Observed attributes of the ``n`` acquired (organic/paid) customers; day = days after start."""
    c = t["customers"]
    day = rng.integers(0, c["acquisition_window_days"], n)
    channel = _categorical(rng, c["channel_shares"], n)
    cost = np.zeros(n)
    for ch, spec in c["acquisition_cost"].items():
        cost_ch = _lognormal(rng, spec["mean"], spec["cv"], n)  # draw for all n: stable streams
        cost = np.where(channel == ch, cost_ch, cost)
    group = draw_groups(rng, n, t)
    return pd.DataFrame({
        "day": day,
        "channel": channel,
        "acquisition_cost": np.round(cost, 2),
        "referral_group": group,
        "age_band": _categorical(rng, c["age_band_shares"], n),
        "region": _categorical(rng, c["region_shares"], n),
    })


def draw_groups(rng: np.random.Generator, n: int, t: dict) -> np.ndarray:
    return np.where(rng.random(n) < t["customers"]["program_share"], "program", "holdout").astype(object)


def draw_free_attributes(rng: np.random.Generator, n: int, t: dict) -> dict[str, np.ndarray]:
    c = t["customers"]
    return {"age_band": _categorical(rng, c["age_band_shares"], n), "region": _categorical(rng, c["region_shares"], n)}
