"""Fitting a PLS path model with bootstrap inference: :func:`fit_pls` returns :class:`PLSResults`.

Inference is by the nonparametric bootstrap (Efron & Tibshirani 1993), the standard for PLS-PM
(Tenenhaus et al. 2005, Sec. 2.4; Hair et al. 2017, ch. 5): ``n_boot`` resamples of the respondents
with replacement, drawn with ``numpy.random.default_rng(seed)``; the model is estimated again on each
(with each construct's sign set by the majority of its loadings, as in the original fit). A
quantity's standard error is the standard deviation of its replicates and its (1 - alpha) interval
the percentile interval [q_{alpha/2}, q_{1-alpha/2}] of the replicates. A resample on which an item
does not vary, or the algorithm does not converge, is dropped and counted in ``warnings``.

``PLSResults`` answers the suite's results protocol (``relmkt_utils.core.results``): ``params`` are
the path coefficients, named ``"from -> to"``; ``bse``, ``conf_int(alpha)`` and ``cov_params()`` come
from the bootstrap; PLS has no likelihood, so ``llf``, ``aic`` and ``bic`` are NaN.
"""
from __future__ import annotations

import warnings as _warnings

import numpy as np
import pandas as pd

from ...core.checks import COUNT, FLAG, SEED, checked, dataframe, instance, number, one_of
from ...core.errors import ConvergenceWarning, EstimationWarning
from ...core.estimate import Estimate
from ...core.results import make_summary
from ..drivers import ipa_table
from .effects import effects_frame, rescaled_scores, total_effects
from .model import PathModel, estimate, fit_once, inner_model, item_correlations, owner_index, prepare
from .quality import THRESHOLDS, htmt_matrix, reliability

ARROW = " -> "


def _interval(value: float, draws: np.ndarray, alpha: float) -> Estimate:
    return Estimate.from_draws(value, draws, alpha, "percentile bootstrap")


class PLSResults:
    """A fitted PLS path model with its bootstrap replicates (see the module docstring).

    Attributes: ``model`` (:class:`PathModel`), ``fit`` (the point estimate, ``PLSFit``), ``scheme``,
    ``scaled``, ``n_boot`` (replicates kept), ``seed``, ``scale`` (the item scale (lo, hi) for the
    importance-performance map, or None), ``converged``, ``iterations``, ``warnings``.
    """

    def __init__(self, model: PathModel, fit, x: np.ndarray, boot: dict, seed: int, scale, warnings: list[str]):
        self.model = model
        self.fit = fit
        self._x = x
        self._boot = boot
        self.seed = seed
        self.scale = None if scale is None else (float(scale[0]), float(scale[1]))
        self.warnings = list(warnings)
        self.model_name = "PLS path model"

    # ------------------------------------------------------------------ results protocol
    @property
    def scheme(self) -> str:
        return self.fit.scheme

    @property
    def scaled(self) -> bool:
        return self.fit.scaled

    @property
    def n_boot(self) -> int:
        return int(self._boot["b"].shape[0])

    @property
    def converged(self) -> bool:
        return bool(self.fit.converged)

    @property
    def iterations(self) -> int:
        return int(self.fit.iterations)

    @property
    def nobs(self) -> float:
        return float(self.fit.nobs)

    llf = aic = bic = float("nan")

    @property
    def _path_index(self) -> list[tuple[int, int]]:
        names = self.model.constructs
        return [(names.index(a), names.index(b)) for a, b in self.model.paths]

    @property
    def params(self) -> pd.Series:
        """Path coefficients (standardized), named ``"from -> to"``, in the model's path order."""
        b = self.fit.paths.to_numpy()
        return pd.Series([b[i, j] for i, j in self._path_index], index=[a + ARROW + c for a, c in self.model.paths],
                         dtype=float)

    def _param_draws(self) -> np.ndarray:
        b = self._boot["b"]
        return np.column_stack([b[:, i, j] for i, j in self._path_index]) if len(b) else np.empty((0, len(self.params)))

    @property
    def bse(self) -> pd.Series:
        """Bootstrap standard errors of the path coefficients (NaN without replicates)."""
        d = self._param_draws()
        return pd.Series(d.std(axis=0, ddof=1) if len(d) > 1 else np.nan, index=self.params.index, dtype=float)

    def cov_params(self) -> pd.DataFrame:
        d = self._param_draws()
        cov = np.cov(d, rowvar=False) if len(d) > 1 else np.full((len(self.params),) * 2, np.nan)
        return pd.DataFrame(np.atleast_2d(cov), index=self.params.index, columns=self.params.index)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Percentile bootstrap intervals of the path coefficients, columns ``lower`` and ``upper``."""
        d = self._param_draws()
        est = [_interval(v, d[:, k], alpha) for k, v in enumerate(self.params)]
        return pd.DataFrame({"lower": [e.lower for e in est], "upper": [e.upper for e in est]}, index=self.params.index)

    def summary(self, alpha: float = 0.05):
        r2 = ", ".join(f"{c} {v:.3f}" for c, v in self.fit.r_squared.items())
        return make_summary(
            f"{self.model_name} results (PLS-PM, {self.scheme} weighting scheme)",
            [["Constructs:", str(len(self.model.blocks)), "Respondents:", f"{self.nobs:g}"],
             ["Items:", str(len(self.model.items)), "Bootstrap resamples:", f"{self.n_boot} (seed {self.seed})"],
             ["Converged:", str(self.converged), "Iterations:", str(self.iterations)]],
            self.params, self.bse, self.conf_int(alpha), alpha,
            [f"Standardized path coefficients; std err and intervals from the percentile bootstrap. R^2: {r2}."]
            + list(self.warnings))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:.3f}" for k, v in self.params.items())
        return f"<{self.model_name} results: {inner}>"

    # ------------------------------------------------------------------ tables
    def estimate(self, name: str, kind: str = "path", alpha: float = 0.05) -> Estimate:
        """One quantity with its percentile interval: ``kind`` "path" or "total" or "indirect" (name
        ``"from -> to"``), "loading" (an item), "r_squared" (a construct)."""
        names = self.model.constructs
        if kind in ("path", "total", "indirect"):
            a, c = name.split(ARROW)
            i, j = names.index(a), names.index(c)
            pick = {"path": lambda b: b[..., i, j],
                    "total": lambda b: _totals(b)[..., i, j],
                    "indirect": lambda b: _totals(b)[..., i, j] - b[..., i, j]}[kind]
            return _interval(float(pick(self.fit.paths.to_numpy())), pick(self._boot["b"]), alpha)
        if kind == "loading":
            k = self.model.items.index(name)
            return _interval(float(self.fit.loadings.iloc[k]), self._boot["loadings"][:, k], alpha)
        if kind == "r_squared":
            k = list(self.fit.r_squared.index).index(name)
            return _interval(float(self.fit.r_squared.iloc[k]), self._boot["r2"][:, k], alpha)
        raise ValueError(f"kind must be path, total, indirect, loading or r_squared, got {kind!r}")

    def paths_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per path: ``from, to, estimate, se, lower, upper, t`` (t = estimate / se, the
        bootstrap t of PLS-SEM reports) and ``significant`` (the interval excludes 0)."""
        rows = []
        for (a, c) in self.model.paths:
            e = self.estimate(a + ARROW + c, "path", alpha)
            rows.append({"from": a, "to": c, "estimate": e.value, "se": e.se, "lower": e.lower, "upper": e.upper,
                         "t": e.value / e.se if e.se > 0 else np.nan, "significant": not e.covers(0.0)})
        return pd.DataFrame(rows)

    def loadings_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per item: ``construct, item, weight, loading, lower, upper`` (loading interval),
        ``meets_loading`` (loading >= 0.708)."""
        owner = [c for c, block in self.model.blocks.items() for _ in block]
        rows = []
        for k, item in enumerate(self.model.items):
            e = self.estimate(item, "loading", alpha)
            rows.append({"construct": owner[k], "item": item, "weight": float(self.fit.weights.iloc[k]),
                         "loading": e.value, "lower": e.lower, "upper": e.upper,
                         "meets_loading": e.value >= THRESHOLDS["loading"][1]})
        return pd.DataFrame(rows)

    def r_squared_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per endogenous construct: ``construct, r_squared, r_squared_adj, lower, upper``."""
        n = self.nobs
        rows = []
        for c in self.fit.r_squared.index:
            e = self.estimate(c, "r_squared", alpha)
            p = len(self.model.predecessors(c))
            rows.append({"construct": c, "r_squared": e.value, "r_squared_adj": 1 - (1 - e.value) * (n - 1) / (n - p - 1),
                         "lower": e.lower, "upper": e.upper})
        return pd.DataFrame(rows)

    def effects_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per pair with an effect: ``from, to, direct, indirect, total`` and the percentile
        intervals of the indirect and total effects (``indirect_lower`` ... ``total_upper``)."""
        out = effects_frame(self.fit.paths)
        for kind in ("indirect", "total"):
            est = [self.estimate(a + ARROW + c, kind, alpha) for a, c in zip(out["from"], out["to"])]
            out[f"{kind}_lower"] = [e.lower for e in est]
            out[f"{kind}_upper"] = [e.upper for e in est]
        return out

    def mediation(self, target: str, alpha: float = 0.05) -> pd.DataFrame:
        """How much of each construct's total effect on ``target`` runs through each mediator: one row
        per (source, via) with a nonzero specific indirect effect T[source, via] T[via, target]:
        ``source, via, target, through, total, share`` (share = through / total) and the percentile
        interval of ``through`` and of ``share``."""
        names = self.model.constructs
        y = names.index(target)
        t0 = total_effects(self.fit.paths.to_numpy())
        tb = _totals(self._boot["b"])
        rows = []
        for s, src in enumerate(names):
            for m, via in enumerate(names):
                if len({s, m, y}) < 3 or t0[s, m] == 0 or t0[m, y] == 0:
                    continue
                e = _interval(t0[s, m] * t0[m, y], tb[:, s, m] * tb[:, m, y], alpha)
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = _interval(e.value / t0[s, y], tb[:, s, m] * tb[:, m, y] / tb[:, s, y], alpha)
                rows.append({"source": src, "via": via, "target": target, "through": e.value, "through_lower": e.lower,
                             "through_upper": e.upper, "total": t0[s, y], "share": share.value,
                             "share_lower": share.lower, "share_upper": share.upper})
        return pd.DataFrame(rows)

    def reliability(self) -> pd.DataFrame:
        """Per construct: alpha, rho_c, rho_A, AVE, eigenvalues and the ``meets_*`` threshold checks
        (see :mod:`relmkt_utils.value.pls.quality`)."""
        return reliability(self._x, self.model, self.fit.weights, self.fit.loadings, self.scaled)

    def htmt(self) -> pd.DataFrame:
        """The HTMT matrix of the constructs (NaN on the diagonal and for single-item constructs)."""
        names = self.model.constructs
        return pd.DataFrame(_htmt(self._x, self.model), index=names, columns=names)

    def htmt_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per pair of constructs with a defined HTMT: ``construct_1, construct_2, htmt``, the
        percentile interval and whether the estimate and the interval's upper end stay below 0.85 and
        0.90 (Henseler et al. 2015: discriminant validity holds when the upper end is below the threshold)."""
        names = self.model.constructs
        h0, hb = self.htmt().to_numpy(), self._boot["htmt"]
        rows = []
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                if np.isnan(h0[i, j]):
                    continue
                e = _interval(h0[i, j], hb[:, i, j], alpha)
                rows.append({"construct_1": names[i], "construct_2": names[j], "htmt": e.value, "lower": e.lower,
                             "upper": e.upper, "below_085": e.value < THRESHOLDS["htmt_distinct"][1],
                             "upper_below_085": e.upper < THRESHOLDS["htmt_distinct"][1],
                             "below_090": e.value < THRESHOLDS["htmt_similar"][1],
                             "upper_below_090": e.upper < THRESHOLDS["htmt_similar"][1]})
        return pd.DataFrame(rows)

    def ipma(self, target: str, scale=None, alpha: float = 0.05, constructs=None) -> pd.DataFrame:
        """Importance-performance map for ``target`` (Ringle & Sarstedt 2016; see
        :mod:`relmkt_utils.value.pls.effects`): one row per construct with a total effect on it,
        ``construct, importance`` (unstandardized total effect: target points per point of
        performance), ``importance_lower/upper``, ``performance`` (mean score 0-100) with
        ``performance_lower/upper``, ``total_effect`` (standardized), ``quadrant``, ``improve_first``.
        ``scale`` is the item scale (lo, hi), default the one given to :func:`fit_pls`; ``constructs``
        limits the map (and its medians) to these constructs (default: every construct with a total
        effect on ``target``)."""
        scale = self.scale if scale is None else scale
        if scale is None:
            raise ValueError("the importance-performance map needs the item scale: fit_pls(..., scale=(lo, hi)) or ipma(scale=)")
        lo, hi = scale
        names = self.model.constructs
        y = names.index(target)
        owner = owner_index(self.model)

        def imp_perf(x, w, b):
            s, w_tilde = rescaled_scores(x, w, owner, lo, hi, self.scaled)
            sd = s.std(axis=0)
            return total_effects(b)[:, y] * sd[y] / sd, s.mean(axis=0), w_tilde

        imp0, perf0, w_tilde = imp_perf(self._x, self.fit.weights.to_numpy(), self.fit.paths.to_numpy())
        idx, wb, bb = self._boot["index"], self._boot["weights"], self._boot["b"]
        reps = [imp_perf(self._x[idx[r]], wb[r], bb[r])[:2] for r in range(len(idx))]
        imp_b = np.array([r[0] for r in reps]).reshape(len(reps), len(names))
        perf_b = np.array([r[1] for r in reps]).reshape(len(reps), len(names))
        keep = [j for j in range(len(names)) if j != y and imp0[j] != 0 and (constructs is None or names[j] in constructs)]
        if len(keep) < 2:
            raise ValueError(f"the importance-performance map of {target} needs two or more constructs with an effect on it")
        t_std = total_effects(self.fit.paths.to_numpy())[:, y]
        table = ipa_table(pd.Series(imp0[keep], index=[names[j] for j in keep]),
                          pd.Series(perf0[keep], index=[names[j] for j in keep])).rename(columns={"component": "construct"})
        ests = {names[j]: (_interval(imp0[j], imp_b[:, j], alpha), _interval(perf0[j], perf_b[:, j], alpha)) for j in keep}
        table.insert(2, "importance_lower", table["construct"].map(lambda c: ests[c][0].lower))
        table.insert(3, "importance_upper", table["construct"].map(lambda c: ests[c][0].upper))
        table.insert(5, "performance_lower", table["construct"].map(lambda c: ests[c][1].lower))
        table.insert(6, "performance_upper", table["construct"].map(lambda c: ests[c][1].upper))
        table.insert(7, "total_effect", table["construct"].map(dict(zip(names, t_std))))
        table["target"] = target
        negative = sorted({c for c, v in zip([c for c, b in self.model.blocks.items() for _ in b], w_tilde) if v < 0})
        if negative:
            note = (f"IPMA: construct(s) {', '.join(negative)} have negative outer weights; their 0-100 "
                    "performance is not a weighted mean of the items and should not be read.")
            table.attrs["warning"] = note
            _warnings.warn(note, EstimationWarning, stacklevel=2)
        table.attrs.update({"target": target, "scale": (lo, hi)})
        return table


def _totals(b: np.ndarray) -> np.ndarray:
    """Total effects of one B (k x k) or of a stack of them (r x k x k)."""
    if b.ndim == 2:
        return total_effects(b)
    k = b.shape[-1]
    eye = np.eye(k)
    return np.linalg.inv(eye - b) - eye if len(b) else b


def _htmt(x: np.ndarray, model: PathModel) -> np.ndarray:
    return htmt_matrix(np.corrcoef(x, rowvar=False), model.layout.membership)


@checked(data=dataframe(), model=instance(PathModel), scheme=one_of("path", "centroid", "factorial"), scaled=FLAG,
         n_boot=number(0, integer=True), seed=SEED, tol=number(0, low_open=True), maxiter=COUNT)
def fit_pls(data: pd.DataFrame, model: PathModel, scheme: str = "path", scaled: bool = True, n_boot: int = 1000,
            seed: int = 0, scale=None, tol: float = 1e-14, maxiter: int = 300) -> PLSResults:
    """Estimate ``model`` on the item columns of ``data`` by PLS-PM (:mod:`.model`) and bootstrap it.

    ``scheme``: "path" (default), "centroid" or "factorial"; ``scaled``: z-score the items (default;
    False only centres them, as R plspm's ``scaled = FALSE``); ``n_boot`` resamples with
    ``numpy.random.default_rng(seed)`` (0: no inference, NaN standard errors); ``scale``: the items'
    scale (lo, hi), needed by :meth:`PLSResults.ipma`; ``tol``/``maxiter``: the stopping rule of the
    iteration (R plspm uses tol = 1e-6, which leaves about 1e-6 on the loadings).

    Parameters
    ----------
    data : DataFrame
        One row per respondent with the item columns of ``model``.
    model : PathModel
        The constructs, their items and the paths between them.
    scheme : str
        The inner weighting scheme.
    scaled : bool
        Standardize the items (else only centre them).
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the resamples.
    scale : tuple or None
        The items' (lowest, highest) answer, for the importance-performance map.
    tol : float
        Convergence tolerance of the outer weights.
    maxiter : int
        Largest number of iterations.
    """
    if n_boot < 0:
        raise ValueError("n_boot must be >= 0")
    fit = fit_once(data, model, scheme, scaled, tol, maxiter)
    notes = []
    if not fit.converged:
        notes.append(f"PLS path model: the iteration did not converge in {maxiter} iterations; the estimates "
                     "are not a fixed point of the algorithm.")
        _warnings.warn(notes[-1], ConvergenceWarning, stacklevel=2)
    x = prepare(data, model)
    n, k, p = x.shape[0], len(model.blocks), x.shape[1]
    owner = owner_index(model)
    rng = np.random.default_rng(seed)
    keep_b, keep_l, keep_w, keep_r2, keep_h, keep_i = [], [], [], [], [], []
    failed = 0
    endo = [j for j, c in enumerate(model.constructs) if model.predecessors(c)]
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        xb = x[idx]
        if np.any(xb.std(axis=0) == 0):
            failed += 1
            continue
        w, scores, _, ok = estimate(xb, model, scheme, scaled, tol, maxiter)
        if not ok:
            failed += 1
            continue
        b, r2 = inner_model(scores, model)
        keep_b.append(b)
        keep_l.append(item_correlations(xb, scores, owner))
        keep_w.append(w)
        keep_r2.append(r2[endo])
        keep_h.append(_htmt(xb, model))
        keep_i.append(idx)
    if failed:
        notes.append(f"PLS path model: {failed} of {n_boot} bootstrap resamples were dropped (an item without "
                     "variance, or no convergence); intervals use the other resamples.")
        if failed > 0.05 * n_boot:
            _warnings.warn(notes[-1], EstimationWarning, stacklevel=2)
    boot = {"b": np.array(keep_b).reshape(-1, k, k), "loadings": np.array(keep_l).reshape(-1, p),
            "weights": np.array(keep_w).reshape(-1, p), "r2": np.array(keep_r2).reshape(-1, len(endo)),
            "htmt": np.array(keep_h).reshape(-1, k, k), "index": np.array(keep_i, dtype=np.int64).reshape(-1, n)}
    return PLSResults(model, fit, x, boot, seed, scale, notes)
