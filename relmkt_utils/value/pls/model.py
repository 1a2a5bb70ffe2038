"""PLS path modeling (PLS-PM): the model (blocks of items, paths between constructs) and Lohmoeller's
iterative algorithm that estimates it.

Why the suite has its own implementation: ``plspm`` 0.5.7 (PyPI, the Python port of R's plspm) stops
with ``ValueError: zip() argument 2 is longer than argument 1`` inside pandas' indexing on the first
fit under pandas 3 (checked with the suite's pinned numpy 2.4.6 / pandas 3.1.1; its own regression
test fails the same way), relies on pandas' chained assignment, which pandas 3 turned into silent
copies, pulls in scikit-learn, and is GPL-3 while relmkt is MIT. ``seminr`` on PyPI is a young port.
The algorithm is short; this module writes it once, in numpy, and the tests check it against R
plspm's and SEMinR's reference outputs (tests/test_value_pls.py).

The algorithm (Lohmoeller 1989, *Latent Variable Path Modeling with Partial Least Squares*;
Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005, *Computational Statistics & Data Analysis* 48,
159-205, Sec. 2; the same steps as R's plspm ``get_weights`` and SEMinR's ``simplePLS``):

0. X: the items, centred, and with ``scaled=True`` divided by their standard deviations (population
   sd, divisor n). Block j holds the columns X_j of construct j. Start with unit weights, w_j = 1,
   scaled so that the proxy X_j w_j has variance 1.
1. Outer proxy: Y_j = X_j w_j, standardized.
2. Inner proxy: Z_j = sum_i e_ij Y_i over the constructs i adjacent to j, with the inner weights of
   the scheme:
     * centroid:  e_ij = sign(cor(Y_i, Y_j))
     * factorial: e_ij = cor(Y_i, Y_j)
     * path (Lohmoeller's path weighting, the default): for a predecessor i of j (i -> j), e_ij is the
       coefficient of Y_i in the regression of Y_j on all its predecessors; for a follower i
       (j -> i), e_ij = cor(Y_i, Y_j).
3. Outer weights: mode A (reflective), w_j = X_j' Z_j / n (covariances of the items with Z_j);
   mode B (formative), w_j = (X_j' X_j)^-1 X_j' Z_j (regression of Z_j on the block).
4. Repeat 1-3 until sum over items of (|w_old| - |w_new|)^2 < ``tol`` (R plspm's rule; with its
   default tol = 1e-6 and the same start this reproduces plspm's numbers to rounding).
5. Scores: Y_j = X_j w_j with w_j rescaled to give var(Y_j) = 1; a construct whose items correlate
   negatively with it on the majority is turned round (sign indeterminacy).
6. Inner model: each endogenous construct regressed by OLS on its predecessors' scores (path
   coefficients beta, R^2 = 1 - SSE/SST, adjusted R^2 = 1 - (1 - R^2)(n - 1)/(n - p - 1)); outer
   loadings are cor(x_k, Y_j).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from ...core.errors import DataError

SCHEMES = ("path", "centroid", "factorial")
MODES = ("A", "B")


@dataclass(frozen=True)
class PathModel:
    """A PLS path model: ``blocks`` (construct -> its item columns, in order), ``paths`` ((from, to)
    pairs between constructs) and ``modes`` (construct -> "A" reflective or "B" formative; A when not
    given). The constructs are the keys of ``blocks``, in their order; the paths must form no cycle."""

    blocks: dict[str, tuple[str, ...]]
    paths: tuple[tuple[str, str], ...]
    modes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", {str(c): tuple(map(str, items)) for c, items in self.blocks.items()})
        object.__setattr__(self, "paths", tuple((str(a), str(b)) for a, b in self.paths))
        object.__setattr__(self, "modes", {c: str(self.modes.get(c, "A")).upper() for c in self.blocks})
        if not self.blocks or any(len(items) == 0 for items in self.blocks.values()):
            raise ValueError("every construct needs at least one item")
        items = [i for block in self.blocks.values() for i in block]
        if len(set(items)) != len(items):
            raise ValueError("an item may measure only one construct")
        unknown = {c for p in self.paths for c in p} - set(self.blocks)
        if unknown:
            raise ValueError(f"paths name constructs without a block: {sorted(unknown)}")
        if len(set(self.paths)) != len(self.paths) or any(a == b for a, b in self.paths):
            raise ValueError("paths must be distinct and join two different constructs")
        bad = {c: m for c, m in self.modes.items() if m not in MODES}
        if bad:
            raise ValueError(f"modes must be 'A' or 'B', got {bad}")
        self.order()   # raises on a cycle

    @property
    def constructs(self) -> list[str]:
        return list(self.blocks)

    @property
    def items(self) -> list[str]:
        return [i for block in self.blocks.values() for i in block]

    def predecessors(self, construct: str) -> list[str]:
        """The constructs with a path into ``construct``, in block order."""
        sources = {a for a, b in self.paths if b == construct}
        return [c for c in self.blocks if c in sources]

    @property
    def endogenous(self) -> list[str]:
        return [c for c in self.blocks if self.predecessors(c)]

    def adjacency(self) -> np.ndarray:
        """D with D[i, j] = 1 when construct i has a path to construct j (block order)."""
        idx = {c: k for k, c in enumerate(self.blocks)}
        d = np.zeros((len(idx), len(idx)))
        for a, b in self.paths:
            d[idx[a], idx[b]] = 1.0
        return d

    @cached_property
    def layout(self) -> "Layout":
        """The model's structure as the iteration uses it (:class:`Layout`), worked out once per model: a
        bootstrap estimates the same model a thousand times."""
        return Layout.of(self)

    def order(self) -> list[str]:
        """The constructs in a causal order (every path goes forward); a ValueError on a cycle."""
        left, out = list(self.blocks), []
        while left:
            ready = [c for c in left if all(p in out for p in self.predecessors(c))]
            if not ready:
                raise ValueError(f"the paths form a cycle among {left}")
            out += ready
            left = [c for c in left if c not in ready]
        return out


@dataclass
class PLSFit:
    """One PLS-PM estimate (no inference): weights, scores, loadings, paths and R^2.

    ``weights`` and ``loadings`` are Series indexed by item; ``scores`` a DataFrame (rows as the data,
    one column per construct, mean 0 and variance 1); ``paths`` the matrix B with B[i, j] the path
    coefficient of i -> j (0 where there is no path); ``r_squared`` a Series over the endogenous
    constructs; ``iterations`` and ``converged`` describe step 4."""

    model: PathModel
    weights: pd.Series
    loadings: pd.Series
    scores: pd.DataFrame
    paths: pd.DataFrame
    r_squared: pd.Series
    iterations: int
    converged: bool
    nobs: int
    scaled: bool
    scheme: str


def prepare(data: pd.DataFrame, model: PathModel) -> np.ndarray:
    """The model's items of ``data`` as a float matrix; a DataError names a missing or non-numeric
    column, missing values or an item without variance."""
    missing = [i for i in model.items if i not in data.columns]
    if missing:
        raise DataError(f"survey: item column(s) {', '.join(missing[:5])} of the path model are not in the data")
    x = data[model.items].apply(pd.to_numeric, errors="coerce")
    bad = x.columns[x.isna().any()].tolist()
    if bad:
        raise DataError(f"survey: item column(s) {', '.join(bad[:5])} have missing or non-numeric values; "
                        "PLS path modeling here needs complete rows")
    x = x.to_numpy(dtype=float)
    flat = [i for i, s in zip(model.items, x.std(axis=0)) if s == 0]
    if flat:
        raise DataError(f"survey: item column(s) {', '.join(flat[:5])} do not vary; drop them from the model")
    if x.shape[0] < 10:
        raise DataError(f"survey: PLS path modeling needs at least 10 respondents, got {x.shape[0]}")
    return x


class Layout(NamedTuple):
    """A :class:`PathModel`'s structure in array form (``model.items`` and block order)."""

    owner: np.ndarray            # the construct of every item
    membership: np.ndarray       # items x constructs, 1 where the item measures the construct
    blocks: tuple                # the item slice of every construct (its items are contiguous)
    sizes: np.ndarray            # items per construct
    adjacency: np.ndarray        # D[i, j] = 1 for a path i -> j
    predecessors: tuple          # (j, its predecessors, their rows/columns for np.ix_) per endogenous j
    mode_b: tuple                # whether each construct is formative

    @classmethod
    def of(cls, model: PathModel) -> "Layout":
        sizes = np.array([len(b) for b in model.blocks.values()])
        owner = np.repeat(np.arange(len(sizes)), sizes)
        membership = np.zeros((len(owner), len(sizes)))
        membership[np.arange(len(owner)), owner] = 1.0
        ends = np.cumsum(sizes)
        d = model.adjacency()
        preds = tuple((j, pred, np.ix_(pred, pred)) for j in range(len(sizes))
                      for pred in [np.flatnonzero(d[:, j])] if pred.size)
        return cls(owner, membership, tuple(slice(e - s, e) for s, e in zip(sizes, ends)), sizes, d, preds,
                   tuple(model.modes[c] == "B" for c in model.blocks))


def owner_index(model: PathModel) -> np.ndarray:
    """For every item (``model.items`` order) the position of its construct."""
    return np.repeat(np.arange(len(model.blocks)), [len(b) for b in model.blocks.values()])


def _standardize(y: np.ndarray) -> np.ndarray:
    """Columns centred and divided by their population sd (mean 0, variance 1)."""
    y = y - y.mean(axis=0)
    return y / y.std(axis=0)


def _cor(y: np.ndarray) -> np.ndarray:
    """Correlations of the columns of ``y``, columns already centred (the proxies of :func:`_standardize`)."""
    c = y.T @ y
    sd = np.sqrt(np.diag(c))
    return np.clip(c / sd[:, None] / sd[None, :], -1.0, 1.0)


def inner_weights(y: np.ndarray, layout: Layout, scheme: str) -> np.ndarray:
    """E with E[i, j] the weight of Y_i in the inner proxy Z_j = sum_i E[i, j] Y_i (the model's
    :class:`Layout`: adjacency d[i, j] = 1 for i -> j); ``y`` are standardized proxies."""
    r = _cor(y)
    d = layout.adjacency
    link = d + d.T
    if scheme == "centroid":
        return np.sign(r) * link
    if scheme == "factorial":
        return r * link
    e = r * link                                     # followers (and, for now, predecessors): correlations
    for j, pred, square in layout.predecessors:      # predecessors: regression of Y_j on them, R_pp^-1 r_pj
        e[pred, j] = r[pred, j] / r[square][0] if pred.size == 1 else np.linalg.solve(r[square], r[pred, j])
    return e


def estimate(x: np.ndarray, model: PathModel, scheme: str = "path", scaled: bool = True, tol: float = 1e-14,
             maxiter: int = 300) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Steps 0-5 on a prepared item matrix: (weights per item, scores n x constructs, iterations,
    converged). ``x`` is the raw item matrix in ``model.items`` order."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    n = x.shape[0]
    x = x - x.mean(axis=0)
    if scaled:
        x = x / x.std(axis=0)
    layout = model.layout
    odm, owner = layout.membership, layout.owner             # construct of each item
    formative = [(j, block) for j, block in enumerate(layout.blocks) if layout.mode_b[j]]
    w = odm / (x @ odm).std(axis=0)                           # step 0
    w_old = w.sum(axis=1)
    # R plspm's proxies in the loop have variance ((n-1)/n)^2 (scale() then * sqrt((n-1)/n)); the
    # factor changes no fixed point, only the size of the weights that the stopping rule compares
    shrink = (n - 1) / n
    converged, it = False, 0
    for it in range(1, maxiter + 1):
        y = _standardize(x @ w) * shrink                       # step 1
        z = y @ inner_weights(y, layout, scheme)               # step 2
        w = (x.T @ z / n) * odm                                # step 3, mode A: cov(x_k, Z_owner(k))
        for j, block in formative:                             # mode B: regression of Z_j on the block
            w[block, j] = np.linalg.lstsq(x[:, block], z[:, j], rcond=None)[0]
        w_new = w.sum(axis=1)
        if np.sum((np.abs(w_old) - np.abs(w_new)) ** 2) < tol:  # step 4
            converged = True
            break
        w_old = w_new
    w = w / (x @ w).std(axis=0)                                # step 5
    scores = x @ w
    r = item_correlations(x, scores, owner)
    sign = np.sign([np.sign(r[owner == j]).sum() or 1.0 for j in range(len(layout.sizes))])
    return w.sum(axis=1) * sign[owner], scores * sign, it, converged


def item_correlations(x: np.ndarray, scores: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """cor(x_k, Y_owner(k)) for every item k (the outer loadings)."""
    xs = _standardize(x)
    return (xs * _standardize(scores)[:, owner]).mean(axis=0)


def inner_model(scores: np.ndarray, model: PathModel) -> tuple[np.ndarray, np.ndarray]:
    """Step 6: (B, R^2) with B[i, j] the OLS path coefficient of i -> j and R^2 per construct (NaN
    for exogenous ones), from standardized scores."""
    k = len(model.blocks)
    d = model.adjacency()
    b = np.zeros((k, k))
    r2 = np.full(k, np.nan)
    for j in range(k):
        pred = np.flatnonzero(d[:, j])
        if pred.size:
            coef = np.linalg.lstsq(scores[:, pred], scores[:, j], rcond=None)[0]
            b[pred, j] = coef
            resid = scores[:, j] - scores[:, pred] @ coef
            r2[j] = 1.0 - resid @ resid / (scores[:, j] @ scores[:, j])
    return b, r2


def fit_once(data: pd.DataFrame, model: PathModel, scheme: str = "path", scaled: bool = True, tol: float = 1e-14,
             maxiter: int = 300) -> PLSFit:
    """Estimate ``model`` on ``data`` (a DataFrame with the item columns): the point estimate only;
    :func:`relmkt_utils.value.pls.fit_pls` adds the bootstrap."""
    x = prepare(data, model)
    w, scores, it, ok = estimate(x, model, scheme, scaled, tol, maxiter)
    b, r2 = inner_model(scores, model)
    names = model.constructs
    loadings = item_correlations(x, scores, owner_index(model))
    endo = [j for j, c in enumerate(names) if model.predecessors(c)]
    return PLSFit(
        model=model,
        weights=pd.Series(w, index=model.items, name="weight"),
        loadings=pd.Series(loadings, index=model.items, name="loading"),
        scores=pd.DataFrame(scores, index=data.index, columns=names),
        paths=pd.DataFrame(b, index=names, columns=names),
        r_squared=pd.Series(r2[endo], index=[names[j] for j in endo], name="r_squared"),
        iterations=it, converged=ok, nobs=x.shape[0], scaled=scaled, scheme=scheme,
    )
