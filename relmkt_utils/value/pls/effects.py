"""Direct, indirect and total effects in a recursive path model, and the importance-performance map.

Effects (Alwin & Hauser 1975, *American Sociological Review* 40(1), 37-47; Bollen 1987). With B the
matrix of path coefficients (B[i, j] the direct effect of construct i on j) of an acyclic model,
B^k[i, j] sums the products of coefficients along all paths of length k from i to j, so

    total    T = B + B^2 + B^3 + ... = (I - B)^-1 - I
    indirect = T - B.

The part of the total effect of X on Y that runs through a mediator M (a specific indirect effect)
is T[X, M] * T[M, Y]: every directed path from X to Y through M splits at M into a path X -> M and a
path M -> Y, and in an acyclic model it passes M once. Its share of T[X, Y] is how much of X's effect
on Y goes through M (0 to 1 when all the effects involved are positive).

Importance-performance map analysis, IPMA (Ringle & Sarstedt 2016, *Industrial Management & Data
Systems* 116(9), 1865-1886; Martilla & James 1977 for the map): for a target construct Y,

* performance of construct j: its score on the items rescaled to 0-100, x~ = 100 (x - lo) / (hi - lo)
  with the survey's item scale [lo, hi], weighted by the unstandardized outer weights
  w~_k = (w_k / sd(x_k)) / sum_l (w_l / sd(x_l)) of its block (weights of z-scored items turned into
  weights of raw items and normalized to sum 1, so that the score stays on 0-100); its mean over
  respondents;
* importance of j: the unstandardized total effect of j on Y, T[j, Y] sd(Y~) / sd(j~): by how many
  points (0-100) Y rises when j's performance rises by one point. Rescaled scores are increasing linear
  functions of the standardized ones when all weights are positive (IPMA assumes it and warns
  otherwise), so this is the total effect in the rescaled model.

Which construct to improve first: the most important among those whose performance is below the
median of the map (the "concentrate here" rule of :func:`relmkt_utils.value.ipa_table`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def total_effects(b: np.ndarray) -> np.ndarray:
    """T = (I - B)^-1 - I for a nilpotent (acyclic) path matrix B."""
    k = b.shape[0]
    return np.linalg.solve(np.eye(k) - b.T, np.eye(k)).T - np.eye(k)


def effects_frame(b: pd.DataFrame) -> pd.DataFrame:
    """One row per ordered pair of constructs with a nonzero total effect: ``from, to, direct,
    indirect, total`` (pairs in block order)."""
    names = list(b.index)
    t = total_effects(b.to_numpy())
    rows = [{"from": a, "to": c, "direct": b.iloc[i, j], "indirect": t[i, j] - b.iloc[i, j], "total": t[i, j]}
            for i, a in enumerate(names) for j, c in enumerate(names) if t[i, j] != 0 or b.iloc[i, j] != 0]
    return pd.DataFrame(rows, columns=["from", "to", "direct", "indirect", "total"])


def through(b: np.ndarray, source: int, target: int, via: int) -> float:
    """The specific indirect effect of ``source`` on ``target`` through ``via``: T[s, m] T[m, t]."""
    t = total_effects(b)
    return float(t[source, via] * t[via, target])


def rescaled_scores(x: np.ndarray, weights: np.ndarray, owner: np.ndarray, lo: float, hi: float,
                    scaled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(scores on 0-100, normalized unstandardized weights) per construct: items rescaled to 0-100 and
    weighted by w~ (module docstring). ``weights`` apply to z-scored items when ``scaled`` (else to the
    centred raw items)."""
    raw = weights / x.std(axis=0) if scaled else weights.astype(float).copy()
    k = owner.max() + 1
    sums = np.bincount(owner, weights=raw, minlength=k)
    w_tilde = raw / sums[owner]
    xr = 100.0 * (x - lo) / (hi - lo)
    return (xr * w_tilde) @ np.eye(k)[owner], w_tilde
