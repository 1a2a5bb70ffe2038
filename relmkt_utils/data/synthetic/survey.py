"""Survey: one response per sampled customer, Likert items, satisfaction, repurchase intent, NPS, WOM.

* Likert items ``<construct>_<k>`` (k = 1..3): x* = loading_k * eta + sqrt(1 - loading_k^2) * e,
  cut at ``likert_cutpoints`` into 1..7 (cost items: higher = more cost).
* satisfaction, repurchase_intent (1..7) and nps (0..10): ordered probit on delivered value,
  y* = beta * z_value + e, e ~ N(0, 1), with cutpoints sqrt(1 + beta^2) * Phi^-1(cumulative shares),
  so the answers have exactly the configured marginal shares.
* positive_mentions / negative_mentions ~ Poisson with a mean by NPS group (promoter 9-10,
  passive 7-8, detractor 0-6): the source's "8 deals / 25 people" claims as defaults.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .customers import CONSTRUCT_ORDER

N_ITEMS = 3


def probit_cutpoints(beta: float, shares) -> np.ndarray:
    """Cutpoints of y* = beta z + e (z, e ~ N(0,1)) that give the answer shares ``shares``."""
    cum = np.cumsum(shares)[:-1]
    return np.sqrt(1.0 + beta * beta) * stats.norm.ppf(np.clip(cum, 0, 1))


def nps_group(nps: np.ndarray) -> np.ndarray:
    return np.where(nps >= 9, "promoter", np.where(nps >= 7, "passive", "detractor")).astype(object)


def cronbach_alpha_latent(loadings) -> float:
    """Cronbach's alpha of standardized items with one-factor loadings (before cutting into 1..7)."""
    lam = np.asarray(loadings, dtype=float)
    k = lam.size
    cov = np.outer(lam, lam)
    np.fill_diagonal(cov, 1.0)
    return float(k / (k - 1) * (1 - k / cov.sum()))


def simulate(rng: np.random.Generator, latent: pd.DataFrame, start_day: np.ndarray, last_purchase_day: np.ndarray,
             end_day: int, t: dict) -> pd.DataFrame:
    """Survey rows (customer index ``idx``, ``day`` and the answers) for the sampled customers."""
    s = t["survey"]
    n = len(latent)
    respond = rng.random(n) < s["response_share"]
    idx = np.flatnonzero(respond)
    m = idx.size
    lo = np.asarray(start_day)[idx]
    hi = np.minimum(end_day, np.asarray(last_purchase_day)[idx] + s["days_after_last_purchase"])
    day = lo + np.floor(rng.random(m) * (hi - lo + 1)).astype(np.int64)
    out: dict[str, np.ndarray] = {"idx": idx, "day": day}
    z = latent["z_value"].to_numpy()[idx]
    for name, lo_val in (("nps", 0), ("satisfaction", 1), ("repurchase_intent", 1)):
        spec = s[name]
        ystar = spec["beta"] * z + rng.standard_normal(m)
        out[name] = lo_val + np.searchsorted(probit_cutpoints(spec["beta"], spec["shares"]), ystar)
    load = np.asarray(s["likert_loadings"], dtype=float)
    cuts = np.asarray(s["likert_cutpoints"], dtype=float)
    for c in CONSTRUCT_ORDER:
        eta = latent[f"eta_{c}"].to_numpy()[idx]
        noise = rng.standard_normal((m, load.size))
        xstar = eta[:, None] * load[None, :] + noise * np.sqrt(1 - load * load)[None, :]
        items = 1 + np.searchsorted(cuts, xstar)
        for k in range(load.size):
            out[f"{c}_{k + 1}"] = items[:, k]
    grp = nps_group(out["nps"])
    wom = t["word_of_mouth"]
    pos = np.array([wom["positive_mean"][g] for g in grp], dtype=float)
    neg = np.array([wom["negative_mean"][g] for g in grp], dtype=float)
    out["positive_mentions"] = rng.poisson(pos)
    out["negative_mentions"] = rng.poisson(neg)
    return pd.DataFrame(out)
