"""Measurement quality of a PLS path model: reliability, convergent and discriminant validity.

For a block of k standardized items with outer loadings lambda_1..lambda_k (cor of item and
construct score), outer weights w (scaled so that the composite X w has variance 1) and item
correlation matrix R:

* Cronbach's alpha of the standardized items, k rbar / (1 + (k - 1) rbar) with rbar the mean
  inter-item correlation (Cronbach 1951), computed by :func:`relmkt_utils.value.cronbach_alpha` on
  the z-scored items (R plspm's and SEMinR's alpha).
* Composite reliability (Joereskog 1971; Werts, Linn & Joereskog 1974; Dillon-Goldstein's rho in R plspm)
      rho_c = (sum lambda)^2 / ((sum lambda)^2 + sum (1 - lambda^2)).
  ``rho_c`` uses the PLS loadings (SEMinR, SmartPLS); R plspm's ``unidim`` table uses the loadings on
  the first principal component of R, ``pc_loadings`` (the tests check both against their sources).
* rho_A (Dijkstra & Henseler 2015, MIS Quarterly 39(2), 297-316, eq. 19), the consistent reliability
  of the PLS composite:  rho_A = (w'w)^2 * w'(R - diag R) w / w'(w w' - diag(w w')) w.
* Average variance extracted, AVE = mean lambda^2 (Fornell & Larcker 1981, J. Marketing Research 18(1),
  39-50); R plspm's "block communality".
* Heterotrait-monotrait ratio (Henseler, Ringle & Sarstedt 2015, J. Academy of Marketing Science 43(1),
  115-135, eq. 6): for constructs i and j,
      HTMT_ij = mean cor(heterotrait items) / sqrt(mean cor(monotrait items of i) * mean cor(of j))
  with the monotrait means over distinct item pairs of one construct (so a single-item construct has
  none, and its HTMT is not defined: NaN).

Usual thresholds (THRESHOLDS): loadings >= 0.708 (lambda^2 >= 0.5: the construct explains half of the
item's variance; Hair, Risher, Sarstedt & Ringle 2019, *European Business Review* 31(1), 2-24);
alpha, rho_c and rho_A >= 0.70 (Nunnally & Bernstein 1994, *Psychometric Theory*, 3rd ed.; Hair et
al. 2019; rho_c above 0.95 suggests redundant items); AVE >= 0.50 (Fornell & Larcker 1981); HTMT <
0.85 for conceptually distinct constructs, < 0.90 for conceptually similar ones (Henseler et al. 2015,
HTMT.85 after Kline 2011 and HTMT.90 after Gold, Malhotra & Segars 2001).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..reliability import cronbach_alpha

#: the usual thresholds, with the direction of the rule (see the module docstring for the sources)
THRESHOLDS = {
    "loading": (">=", 0.708),
    "alpha": (">=", 0.70),
    "rho_c": (">=", 0.70),
    "rho_a": (">=", 0.70),
    "ave": (">=", 0.50),
    "htmt_distinct": ("<", 0.85),
    "htmt_similar": ("<", 0.90),
}


def composite_reliability(loadings) -> float:
    """rho_c = (sum lambda)^2 / ((sum lambda)^2 + sum(1 - lambda^2)) (Joereskog 1971)."""
    lam = np.asarray(loadings, dtype=float)
    s = lam.sum() ** 2
    return float(s / (s + (1.0 - lam**2).sum()))


def rho_a(weights, corr) -> float:
    """Dijkstra & Henseler's (2015) rho_A of a composite with weights ``weights`` on standardized items
    whose correlation matrix is ``corr`` (the weights are first scaled to w'Rw = 1); 1 for one item."""
    w = np.asarray(weights, dtype=float)
    r = np.asarray(corr, dtype=float)
    if w.size == 1:
        return 1.0
    w = w / np.sqrt(w @ r @ w)
    ww = np.outer(w, w)
    num = (w @ w) ** 2 * (w @ (r - np.diag(np.diag(r))) @ w)
    den = w @ (ww - np.diag(np.diag(ww))) @ w
    return float(num / den)


def pc_loadings(corr) -> tuple[np.ndarray, np.ndarray]:
    """(loadings on the first principal component of ``corr``, eigenvalues in decreasing order)."""
    ev, vec = np.linalg.eigh(np.asarray(corr, dtype=float))
    ev, vec = ev[::-1], vec[:, ::-1]
    lam = vec[:, 0] * np.sqrt(ev[0])
    return (lam if lam.sum() >= 0 else -lam), ev


def htmt_matrix(corr: np.ndarray, blocks) -> np.ndarray:
    r"""HTMT of every pair of blocks (Henseler, Ringle & Sarstedt 2015): the mean heterotrait correlation over
    the geometric mean of the two mean monotrait correlations,

    .. math:: \mathrm{HTMT}_{ij} = \frac{\overline{r}_{ij}}{\sqrt{\overline{r}_{ii}\,\overline{r}_{jj}}}

    with :math:`\overline{r}_{ij}` the mean correlation of an item of block i with one of block j, and
    :math:`\overline{r}_{ii}` the mean of the correlations among the items of block i. ``blocks``: the
    item positions in ``corr`` of each block, or an items x blocks 0/1 membership matrix. NaN on the
    diagonal and for a single-item block."""
    corr = np.asarray(corr, dtype=float)
    if isinstance(blocks, np.ndarray) and blocks.ndim == 2:
        member = blocks
    else:
        member = np.zeros((corr.shape[0], len(blocks)))
        for j, b in enumerate(blocks):
            member[np.asarray(b, dtype=int), j] = 1.0
    sizes = member.sum(axis=0)
    mean = member.T @ corr @ member / np.outer(sizes, sizes)        # heterotrait means (off the diagonal)
    pairs = sizes * (sizes - 1) / 2
    within = np.diag(member.T @ np.triu(corr, 1) @ member)
    mono = np.divide(within, pairs, out=np.full(len(sizes), np.nan), where=pairs > 0)
    with np.errstate(invalid="ignore"):
        out = mean / np.sqrt(np.outer(mono, mono))
    np.fill_diagonal(out, np.nan)
    return out


def reliability(x: np.ndarray, model, weights: pd.Series, loadings: pd.Series, scaled: bool = True) -> pd.DataFrame:
    """One row per construct: mode, items, alpha, rho_c, rho_a, ave, the first two eigenvalues of the
    block's correlation matrix, R plspm's Dillon-Goldstein rho (on the first principal component) and
    the smallest loading; plus a ``meets_*`` column per threshold (NaN-safe: a one-item block has no
    alpha and meets nothing it cannot be measured by). ``x`` is the raw item matrix in
    ``model.items`` order; ``scaled`` says whether ``weights`` apply to z-scored items (else to the
    centred raw items)."""
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    corr = np.corrcoef(z, rowvar=False)
    rows, start = [], 0
    for c, block in model.blocks.items():
        pos = np.arange(start, start + len(block))
        start += len(block)
        lam = loadings[list(block)].to_numpy()
        r = corr[np.ix_(pos, pos)]
        w_z = weights[list(block)].to_numpy() * (1.0 if scaled else x[:, pos].std(axis=0))
        if len(block) > 1:
            pcl, ev = pc_loadings(r)
            a, dg, ev2 = cronbach_alpha(z[:, pos]).value, composite_reliability(pcl), ev[1]
        else:
            ev, a, dg, ev2 = np.ones(1), np.nan, np.nan, np.nan
        rows.append({"construct": c, "mode": model.modes[c], "items": len(block), "alpha": a,
                     "rho_c": composite_reliability(lam), "rho_a": rho_a(w_z, r), "ave": float(np.mean(lam**2)),
                     "min_loading": float(lam.min()), "eig_1st": float(ev[0]), "eig_2nd": ev2, "dg_rho_pc": dg})
    out = pd.DataFrame(rows)
    for key in ("alpha", "rho_c", "rho_a", "ave"):
        out[f"meets_{key}"] = out[key] >= THRESHOLDS[key][1]
    out["meets_loading"] = out["min_loading"] >= THRESHOLDS["loading"][1]
    multi = out["items"] > 1
    for key in ("alpha", "rho_c", "rho_a", "ave", "loading"):   # one item: reliability is not measured
        out[f"meets_{key}"] = out[f"meets_{key}"].where(multi, pd.NA).astype("boolean")
    return out
