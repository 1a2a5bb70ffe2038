r"""Fits at a boundary of the parameter space: no detectable dropout, the nested NBD and the boundary
likelihood-ratio test.

A latent-attrition model (BG/NBD, Pareto/NBD, MBG/NBD) fitted to customers who show no dropout in the
calibration window has its likelihood rising towards the edge of its parameter space: the BG/NBD's
dropout probability :math:`p \sim \mathrm{Beta}(a, b)` runs to 0 (:math:`a \to 0` or :math:`b \to \infty`,
so :math:`E[p] = a/(a+b) \to 0`), the Pareto/NBD's dropout rate :math:`\mu \sim \mathrm{Gamma}(s, \beta)`
likewise (:math:`E[\mu] = s/\beta \to 0`, the Poisson-gamma limit). In that limit each of them *is* the NBD
(:mod:`.nbd`): Poisson purchases with gamma heterogeneity and nobody leaving. Only r and alpha are then
identified; a and b (or s and beta) are not, and a P(alive) of 100% is an assumption of the limit, not a
finding.

:func:`dropout_check` says which case a fit is in:

* **no dropout** -- the fitted model says that (almost) nobody has left: the expected share of the fitted
  customers who dropped out, :math:`1 - \overline{P(\text{alive})}`, is below :data:`NO_DROPOUT_SHARE`, or
  the NBD fits at least as well; the NBD is fitted and scores the customers;
* **another boundary** -- parameters run off to 0 or infinity (or their standard errors say the data do not
  identify them) while dropout remains, e.g. :math:`a, b \to \infty` with :math:`a/(a+b)` fixed: every
  customer has the same dropout probability. Where the test below does not find dropout either, the NBD
  scores the customers, as the one model the data identify; where it does, the fitted model does, with a
  caution;
* **interior** -- an ordinary fit.

**The boundary likelihood-ratio test** (:func:`boundary_lr_test`) of the NBD against the full model.
The restriction "no dropout" puts the dropout parameters on the boundary of their space, so Wilks' :math:`\chi^2`
does not apply: with *k* restricted parameters on the boundary (and the rest inside), the statistic
:math:`\Lambda = 2(\ell_{\text{full}} - \ell_{\text{NBD}})` is asymptotically the chi-bar-square mixture
:math:`\sum_{j=0}^{k} \binom{k}{j} 2^{-k} \chi^2_j` (Self, S. G. & Liang, K.-Y. (1987). Asymptotic properties of
maximum likelihood estimators and likelihood ratio tests under nonstandard conditions. *Journal of the American
Statistical Association* 82(398), 605-610: Case 5, :math:`\tfrac12\chi^2_0 + \tfrac12\chi^2_1` for one parameter on
the boundary, and Case 6, :math:`\tfrac14\chi^2_0 + \tfrac12\chi^2_1 + \tfrac14\chi^2_2` for two with uncorrelated
estimates; Chernoff 1954). A share :math:`2^{-k}` of the samples drawn without dropout have their maximum on
the boundary itself (statistic 0). The p-value is :math:`\sum_{j\ge1} \binom{k}{j} 2^{-k} P(\chi^2_j \ge \Lambda)`
for :math:`\Lambda > 0` and 1 for :math:`\Lambda = 0`; at the no-dropout boundary the full model's maximum *is*
the NBD, so :math:`\Lambda = 0` there, whatever digits the two optimizers leave.

*k* is the model's ``dropout_boundary_df``, the number of one-sided directions in which dropout can leave
the boundary, checked by simulation of NBD worlds (``tests/test_btyd_boundary.py``; 600 worlds each of 500,
1,000 and 2,000 customers observed 26 to 39 weeks):

* BG/NBD, k = 1 (the mean dropout probability :math:`a/(a+b)`): 69-73% of the statistics are 0 and
  5.2-6.3% of the worlds are rejected at the 5% level;
* MBG/NBD, k = 2: besides the mean dropout probability, a share of customers leaving right at their first
  purchase (:math:`a, b \to 0`: p is 0 or 1) is a second direction, as the 26-27% of statistics at 0 show;
  with :math:`\tfrac14\chi^2_0 + \tfrac12\chi^2_1 + \tfrac14\chi^2_2` 5.2% are rejected at 2,000 customers and
  7.5% at 500 (with the 50:50 mixture of k = 1 it would be 10.5% and 13.7%);
* Pareto/NBD, k = 1 (the mean dropout rate :math:`s/\beta`), by analogy with the BG/NBD and not checked by
  simulation: near this boundary (:math:`\beta \to \infty`) the Pareto/NBD's :math:`{}_2F_1` series need up to
  100,000 terms for customers with eight or more purchases, and 9 of 16 worlds of 500 customers took over a
  minute each to fit.

The other dropout parameter (the spread of p, or of :math:`\mu`) is not identified under the null (Davies
1987), which the mixture does not account for; the simulation is the check that it matters little.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import comb

from ..core.checks import ALPHA, COUNT, FLAG, checked, instance
from ..core.errors import DataError, ParameterError
from .registry import REGISTRY, entry

#: A fitted model whose customers have dropped out with an expected share below this shows no dropout.
NO_DROPOUT_SHARE = 1e-6
#: Restricted parameters on the boundary under "no dropout" for a model that does not say (the mean dropout).
BOUNDARY_DF = 1


def mixture_weights(k: int) -> np.ndarray:
    """The chi-bar-square weights :math:`\binom{k}{j} 2^{-k}`, j = 0..k, of k restricted parameters on the
    boundary (Self & Liang 1987; module docstring)."""
    return np.array([comb(k, j) for j in range(k + 1)]) / 2.0 ** k


def mixture_text(k: int) -> str:
    """The mixture in words and symbols: "half χ²₀, half χ²₁", "¼ χ²₀ + ½ χ²₁ + ¼ χ²₂"."""
    if k == 1:
        return "half χ²₀, half χ²₁"
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    frac = {0.25: "¼", 0.5: "½", 0.125: "⅛", 0.375: "⅜"}
    return " + ".join(f"{frac.get(w, f'{w:g}')} χ²{str(j).translate(sub)}" for j, w in enumerate(mixture_weights(k)))



def _pair_limit(pair: tuple, values: dict) -> str:
    """What two parameters running off together mean, in plain words (by their names and where they go)."""
    up = all(values[n] > 1 for n in pair)
    if pair == ("r", "alpha"):
        return ("r and alpha run off to infinity together: every customer buys at the same rate (the gamma spread "
                "of purchase rates vanishes)" if up else "r and alpha run off together")
    if pair == ("a", "b"):
        if up:
            return ("a and b run off to infinity together: every customer has the same dropout probability a/(a+b) "
                    "(its beta spread vanishes)")
        return ("a and b run off to 0 together: each customer either never drops out or drops out at her first "
                "chance, in shares b/(a+b) and a/(a+b)")
    if pair == ("s", "beta"):
        return ("s and beta run off to infinity together: every customer has the same dropout rate s/beta (its "
                "gamma spread vanishes)" if up else "s and beta run off together")
    return f"{' and '.join(pair)} run off together"


#: Pairs of parameters whose joint run-off has a meaning of its own (:func:`_pair_limit`).
PAIRS = (("r", "alpha"), ("a", "b"), ("s", "beta"))


@dataclass(frozen=True)
class BoundaryLRTest:
    r"""The boundary likelihood-ratio test of the NBD (no dropout) against a latent-attrition model (module
    docstring): statistic :math:`2(\ell_{full} - \ell_{NBD})`, the number ``df`` of restricted parameters on
    the boundary, and the p-value of the chi-bar-square mixture :math:`\sum_j \binom{df}{j} 2^{-df}\chi^2_j`
    (for df = 1 the 50:50 mixture of :math:`\chi^2_0` and :math:`\chi^2_1`)."""

    statistic: float
    df: int
    pvalue: float
    llf_nested: float
    llf_full: float
    nested: str = "NBD"
    full: str = "model"

    def rejects(self, alpha: float = 0.05) -> bool:
        """Whether the data reject "no dropout" at level ``alpha``."""
        return self.pvalue < alpha

    def verdict(self, alpha: float = 0.05) -> str:
        """The verdict in plain words: dropout found, or none detectable."""
        if self.rejects(alpha):
            return f"at the {alpha:.0%} level the {self.full} finds dropout that the {self.nested} cannot explain"
        return (f"at the {alpha:.0%} level no detectable dropout: the data do not reject a base in which nobody "
                "leaves")

    def sentence(self, alpha: float = 0.05) -> str:
        """The test and its verdict in plain words (plain text)."""
        p = "< 0.001" if self.pvalue < 0.001 else f"= {self.pvalue:.3f}"
        return (f"Boundary likelihood-ratio test of the {self.nested} (no dropout) against the {self.full}: "
                f"2ΔlnL = {self.statistic:.2f}, p {p} ({self.mixture}; Self & Liang 1987); {self.verdict(alpha)}.")

    @property
    def mixture(self) -> str:
        """The null distribution in words (:func:`mixture_text`)."""
        return mixture_text(self.df)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"nested": self.nested, "full": self.full, "llf_nested": self.llf_nested,
                              "llf_full": self.llf_full, "statistic": self.statistic, "df": self.df,
                              "pvalue": self.pvalue}])


def _label(res) -> str:
    return str(getattr(res, "model_name", type(res).__name__))


#: fitted results with a log-likelihood (the two models of the boundary test)
FITTED = instance(attributes=("llf", "params"), text="fitted results (with llf and params)")


@checked(nested=FITTED, full=FITTED, df=COUNT, at_boundary=FLAG)
def boundary_lr_test(nested, full, df: int = BOUNDARY_DF, at_boundary: bool = False) -> BoundaryLRTest:
    r"""The boundary likelihood-ratio test of ``nested`` (fitted results without dropout) against ``full``
    (a latent-attrition model fitted to the same customers): :math:`\Lambda = 2(\ell_{full} - \ell_{nested})`
    with the p-value of :math:`\sum_{j=0}^{df} \binom{df}{j} 2^{-df}\chi^2_j` (Self & Liang 1987; module
    docstring), :math:`\tfrac12\chi^2_0 + \tfrac12\chi^2_1` for df = 1.

    Parameters
    ----------
    nested : results
        the fitted model without dropout (the NBD).
    full : results
        the fitted latent-attrition model it is nested in, on the same customers.
    df : int
        restricted parameters on the boundary (the full model's ``dropout_boundary_df``; 1: the mean dropout).
    at_boundary : bool
        the full model's maximum is at the no-dropout boundary, i.e. it is the nested model: the statistic
        is 0 whatever rounding the two fits leave.
    """
    n_r, n_f = float(getattr(nested, "nobs", np.nan)), float(getattr(full, "nobs", np.nan))
    if np.isfinite(n_r) and np.isfinite(n_f) and not np.isclose(n_r, n_f):
        raise ParameterError(f"boundary_lr_test: the models were fitted to different data ({n_r:g} and {n_f:g} "
                             "customers)")
    stat = 0.0 if at_boundary else max(0.0, 2.0 * (float(full.llf) - float(nested.llf)))
    weights = mixture_weights(df)
    p = 1.0 if stat <= 0 else float(sum(w * stats.chi2.sf(stat, j) for j, w in enumerate(weights) if j))
    return BoundaryLRTest(stat, int(df), p, float(nested.llf), float(full.llf), _label(nested), _label(full))


@dataclass
class DropoutCheck:
    """What :func:`dropout_check` found (module docstring).

    ``fit`` is the latent-attrition model's results; ``nested`` the NBD fitted to the same customers (None
    when it could not be fitted, with ``note`` saying why); ``test`` the boundary LR test; ``kind`` one of
    ``"no dropout"``, ``"boundary"`` (parameters run off while dropout remains) or ``""`` (interior);
    ``parameters`` the parameters the data do not identify; ``dropout_share`` the expected share of the
    fitted customers who dropped out by the end of calibration, by the fitted model."""

    fit: object
    nested: object = None
    test: BoundaryLRTest | None = None
    kind: str = ""
    parameters: tuple = ()
    dropout_share: float = float("nan")
    note: str = ""
    alpha: float = 0.05

    @property
    def at_boundary(self) -> bool:
        """Whether the fit ends at a boundary of its parameter space."""
        return bool(self.kind)

    @property
    def no_dropout(self) -> bool:
        """Whether the report should say "no detectable dropout": the NBD scores the customers."""
        return self.scoring is self.nested and self.nested is not None

    @property
    def scoring(self):
        """The results that score the customers (P(alive), expected purchases, CLV): the NBD where the fit
        is at the no-dropout boundary, or at another boundary without detectable dropout; else the fit."""
        if self.nested is None:
            return self.fit
        if self.kind == "no dropout":
            return self.nested
        if self.kind == "boundary" and self.test is not None and not self.test.rejects(self.alpha):
            return self.nested
        return self.fit

    @property
    def scoring_name(self) -> str:
        """The display name of the model that scores the customers."""
        return _label(self.scoring)

    def limits(self) -> str:
        """What the parameters at the boundary mean, in plain words (empty in the interior)."""
        if self.kind == "no dropout":
            return _no_dropout_limit(self.fit)
        return edge_limits(self.fit, self.parameters)

    def explanation(self) -> str:
        """Why the scores come from the model they come from, in plain words (plain text; empty for an ordinary
        interior fit)."""
        model = _label(self.fit)
        nbd = ("Only the NBD's r and alpha are identified, so P(alive), expected purchases and CLV come from the "
               "NBD, and every customer counts as a customer by assumption, not by estimate.")
        if self.no_dropout and self.kind == "no dropout":
            return (f"the {model}'s fit ends at the edge of its parameter space ({self.limits()}), where it is the "
                    f"NBD, Poisson purchases with gamma-distributed rates and nobody leaving. {nbd}")
        if self.no_dropout:
            return (f"the {model}'s fit ends at the edge of its parameter space ({self.limits()}), and the NBD, with "
                    f"nobody leaving, fits about as well. {nbd}")
        if self.kind:
            return (f"the {model}'s fit ends at the edge of its parameter space ({self.limits()}); the data do not "
                    f"identify {', '.join(self.parameters)}, so read its scores with care.")
        return ""

    def sentence(self, test: bool = True) -> str:
        """What the check found, in plain words, with the test's sentence (``test``; plain text)."""
        said = self.explanation()
        if self.no_dropout:
            said = f"No detectable dropout in the calibration window: {said}"
        elif said:
            said = said[:1].upper() + said[1:]
        elif self.nested is None and self.note:
            said = f"The test for dropout could not be made: {self.note}"
        if test and self.test is not None:
            said = f"{said} {self.test.sentence(self.alpha)}".strip()
        return said

    def table(self) -> pd.DataFrame:
        """The two fits side by side: parameters, log-likelihood, AIC (a reader's table)."""
        rows = {}
        for res in (self.fit, self.nested):
            if res is None:
                continue
            unid = set(getattr(res, "unidentified", ()) or ())
            rows[_label(res)] = {**{k: ("not identified" if k in unid else float(v)) for k, v in res.params.items()},
                                 "log-likelihood": float(res.llf), "AIC": float(res.aic)}
        out = pd.DataFrame(rows).T
        out.index.name = "model"
        return out


def edge_limits(fit, parameters) -> str:
    """What ``parameters`` of ``fit`` running off to 0 or infinity mean, in plain words (pairs that run off
    together have a meaning of their own, :func:`_pair_limit`)."""
    values = {k: float(v) for k, v in fit.params.items()}
    pairs = [pair for pair in PAIRS if set(pair) <= set(parameters)]
    said = [_pair_limit(pair, values) for pair in pairs]
    rest = [p for p in parameters if not any(p in pair for pair in pairs)]
    said += [f"{p} runs off to {'0' if values[p] < 1 else 'infinity'}" for p in rest]
    return "; ".join(said)


def _say_edge(fit) -> None:
    """A fit whose unidentified parameters run off together (the NBD's r and alpha on customers who all buy at
    one rate): its warnings say so in plain words instead of "did not converge ... not maximum-likelihood"."""
    at = tuple(getattr(fit, "unidentified", ()) or ())
    if not at or not [pair for pair in PAIRS if set(pair) <= set(at)]:
        return
    keep = [w for w in fit.warnings if not ("did not converge" in w or "do not identify" in w)]
    fit.warnings[:] = keep + [f"{_label(fit)}: the fit ends at the edge of the parameter space ({edge_limits(fit, at)}); "
                              f"the data do not identify {', '.join(at)}: read them as limits, not as estimates."]


def _say_boundary(fit, check: DropoutCheck) -> None:
    """Put the boundary in ``fit.warnings`` instead of "did not converge ... not maximum-likelihood estimates"
    and "the data do not identify ..." for the parameters at the boundary: at the no-dropout boundary the NBD
    confirms that the likelihood is at its maximum there (``fit.boundary`` then names the dropout parameters)."""
    at = set(check.parameters)
    keep = [w for w in fit.warnings if not ("did not converge" in w or "edge of the parameter space" in w
                                              or ("do not identify" in w and any(f" {p}" in w for p in at)))]
    if check.kind == "no dropout":
        fit.boundary = tuple(n for n in fit.params.index if n in at)
        said = (f"{_label(fit)}: the likelihood is at its maximum on the edge of the parameter space where nobody "
                f"drops out ({_no_dropout_limit(fit)}); there the model is the NBD, the data identify only r and "
                f"alpha, and {', '.join(fit.boundary)} are limits, not estimates.")
    else:
        said = (f"{_label(fit)}: the fit stopped at the edge of the parameter space ({check.limits()}); the data do "
                f"not identify {', '.join(check.parameters)}: read them as limits, not as estimates.")
    others = [n for n in fit.unidentified if n not in at]
    if others:
        said += f" The data do not identify {', '.join(others)} either."
    fit.warnings[:] = keep + [said]


def _no_dropout_limit(fit) -> str:
    """The no-dropout limit of ``fit`` in symbols: E[p] = a/(a+b) -> 0 or E[mu] = s/beta -> 0."""
    names = set(fit.params.index)
    if {"a", "b"} <= names:
        a, b = float(fit.params["a"]), float(fit.params["b"])
        return f"a → {'0' if a < 1 else '∞'}, b → {'∞' if b > 1 else '0'}: the mean dropout probability a/(a+b) → 0"
    if {"s", "beta"} <= names:
        return "the mean dropout rate s/beta → 0, the Poisson-gamma limit"
    return "its dropout runs to 0"


def _dropout_share(fit) -> float:
    """1 - the (weighted) mean P(alive) of the fitted customers: the share the fit says have left."""
    m = fit.model
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pa = np.asarray(fit.p_alive(), dtype=float)
    if not np.all(np.isfinite(pa)):
        return float("nan")
    w = None if m.weights is None else m.weights
    return float(1.0 - np.average(pa, weights=w))


def fit_nested(fit):
    """The model ``fit``'s model reduces to without dropout (its registry entry's ``nested``, the NBD), fitted
    to the same customers (and weights, and period) as ``fit``."""
    found = entry(type(fit.model)) if fit.model is not None else None
    if found is None or not found.nested:
        raise ParameterError(f"fit_nested: {_label(fit)} has no nested no-dropout model in the registry")
    m = fit.model
    nested = REGISTRY[found.nested].model(m.frequency, m.recency, m.T, weights=m.weights)
    nested.period, nested.index = m.period, m.index
    return nested.fit()


@checked(fit=FITTED, alpha=ALPHA, nested=instance(attributes=("llf", "params"), none=True,
                                                 text="the nested model's fitted results"))
def dropout_check(fit, alpha: float = 0.05, nested=None) -> DropoutCheck:
    """Is ``fit`` (a fitted BG/NBD, Pareto/NBD or MBG/NBD with its customers) at a boundary of its parameter
    space, and which model should score the customers? Fits the NBD to the same customers, runs the boundary
    likelihood-ratio test and classifies the fit (module docstring). At a boundary the fit's ``unidentified``
    holds the parameters the data do not identify (every dropout parameter at the no-dropout boundary), so
    tables show them as "not identified".

    Parameters
    ----------
    fit : results
        a fitted latent-attrition model whose registry entry names a nested model (``nested="nbd"``), with
        its customers (not loaded from a file).
    alpha : float
        the level of the boundary likelihood-ratio test.
    nested : results, optional
        the nested model (the NBD) already fitted to the same customers; fitted here when None.
    """
    found = entry(type(getattr(fit, "model", None))) if getattr(fit, "model", None) is not None else None
    if found is None or not found.nested:
        raise ParameterError(f"dropout_check: {_label(fit)} must be a fitted latent-attrition model with its "
                             "customers (BG/NBD, Pareto/NBD or MBG/NBD)")
    check = DropoutCheck(fit, nested=nested, alpha=alpha)
    if nested is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check.nested = fit_nested(fit)
        except (DataError, np.linalg.LinAlgError) as err:
            check.note = " ".join(str(err).split())
        if check.nested is not None:
            _say_edge(check.nested)
    check.dropout_share = _dropout_share(fit)
    unidentified = tuple(getattr(fit, "unidentified", ()) or ())
    dropout_names = tuple(n for n in fit.params.index if n not in ("r", "alpha"))
    nested_as_good = check.nested is not None and float(check.nested.llf) >= float(fit.llf) - 1e-9 * max(1.0, abs(fit.llf))
    if (np.isfinite(check.dropout_share) and check.dropout_share < NO_DROPOUT_SHARE) or nested_as_good:
        check.kind = "no dropout"
        check.parameters = tuple(dict.fromkeys(unidentified + dropout_names))
    elif unidentified or getattr(fit, "boundary", ()):
        check.kind = "boundary"
        check.parameters = tuple(dict.fromkeys(tuple(getattr(fit, "boundary", ()) or ()) + unidentified))
    if check.kind:
        fit.unidentified = tuple(n for n in fit.params.index if n in check.parameters)
        _say_boundary(fit, check)
    if check.nested is not None:
        check.test = boundary_lr_test(check.nested, fit, df=int(getattr(type(fit.model), "dropout_boundary_df",
                                                                         BOUNDARY_DF)),
                                      at_boundary=check.kind == "no dropout")
    return check
