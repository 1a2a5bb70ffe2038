"""Choice-based conjoint: conditional logit, willingness to pay, market shares and a simulator.

Model (McFadden 1974 conditional logit). Respondent r in task t sees alternatives j with attribute
levels x_j (the designable value and cost components, integer levels) and price p_j, and picks the
alternative with the largest utility U_j = x_j'beta + beta_price p_j + eps_j, eps iid Gumbel, so

    P(j | r, t) = exp(V_j) / sum_{l in task} exp(V_l),      V_j = x_j'beta + beta_price p_j.

It is fitted by statsmodels ``ConditionalLogit`` with one group per respondent x task (no
intercept: alternative-invariant terms cancel within a group). Part-worths are the beta's, with
Wald CIs from the inverse information.

Willingness to pay for one more level of attribute a (the price change that leaves utility
unchanged, in the currency of ``price``):

    WTP_a = -beta_a / beta_price.

Delta-method standard error, gradient g = (dWTP/dbeta_a, dWTP/dbeta_price) = (-1/beta_price,
beta_a/beta_price^2) and Cov = the 2x2 block of the fit's covariance:  se^2 = g' Cov g
(Train 2009, *Discrete Choice Methods with Simulation*, 2nd ed., ch. 3; Hole 2007, "A comparison
of approaches to estimating confidence intervals for willingness to pay measures", *Health Econ.*
16:827-840). The bootstrap cross-check resamples respondents with replacement (all their tasks
travel together, keeping within-respondent dependence) and refits; it reports the bootstrap
standard error and percentile interval. Refits use the suite's one conditional-logit solver,
``fit_clogit_arrays`` (the same likelihood, vectorized, by the suite's optimizer
:func:`relmkt_utils.core.optimize.newton_fit`), checked against statsmodels in the tests, because
statsmodels' per-group Python loop costs about a second per fit.

Shares of a set of offers (forced choice among them, IIA): s_j = exp(V_j) / sum_l exp(V_l).
Revenue of offer j = price_j x s_j x market size. The simulator changes one attribute of one offer
and reports every offer's share and revenue before and after.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.discrete.conditional_models import ConditionalLogit

from ..core.checks import ALPHA, COUNT, FLAG, SEED, TEXT, checked, dataframe, instance, number
from ..core.errors import ConvergenceWarning, DataError, Problem, rows_of
from ..core.estimate import z_value
from ..core.optimize import newton_fit
from ..core.results import StatsmodelsResults
from ..data.tables import CONSTRUCTS

from .scores import construct_kind

ID_COLUMNS = ("respondent_id", "task", "alternative", "chosen")


@checked(choices=dataframe(), price=TEXT)
def numeric_attributes(choices: pd.DataFrame, price: str = "price") -> pd.DataFrame:
    """A copy of ``choices`` with text attribute columns that hold only numbers converted to numbers.

    ``datasets.load`` keeps free (non-canonical) columns as text, so the attribute columns of a
    choices table read from CSV arrive as strings such as ``"3"``. A column other than the ids,
    ``chosen`` and ``price`` whose every non-empty value parses as a number becomes numeric (integer
    when all values are whole numbers); other text columns are left as they are.

    Parameters
    ----------
    choices : DataFrame
        the canonical choices table (``respondent_id``, ``task``, ``alternative``, ``chosen``, ``price`` and
        attribute columns).
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    """
    out = choices.copy()
    for col in out.columns:
        if col in ID_COLUMNS or col == price:
            continue
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        present = s.notna()
        if not present.any():
            continue
        num = pd.to_numeric(s.where(present), errors="coerce")
        if num[present].isna().any():
            continue
        if present.all() and np.isfinite(num).all() and (num == np.round(num)).all():
            num = num.astype("int64")
        out[col] = num
    return out


@checked(choices=dataframe(), price=TEXT)
def choice_attributes(choices: pd.DataFrame, price: str = "price") -> list[str]:
    """Numeric attribute columns of a choices table (all but ids, ``chosen`` and ``price``).

    Text columns holding only numbers count as numeric (see ``numeric_attributes``). Canonical
    constructs come first, in their canonical order, then other columns as they appear.

    Parameters
    ----------
    choices : DataFrame
        the canonical choices table (``respondent_id``, ``task``, ``alternative``, ``chosen``, ``price`` and
        attribute columns).
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    """
    choices = numeric_attributes(choices, price)
    cand = [
        c for c in choices.columns
        if c not in ID_COLUMNS and c != price and pd.api.types.is_numeric_dtype(choices[c])
        and not pd.api.types.is_bool_dtype(choices[c])
    ]
    return [c for c in CONSTRUCTS if c in cand] + [c for c in cand if c not in CONSTRUCTS]


def _prepare(choices: pd.DataFrame, attributes, price: str):
    for col in ("respondent_id", "task", "chosen", price):
        if col not in choices.columns:
            raise DataError(Problem("choices", f"required column '{col}' is missing", column=col))
    choices = numeric_attributes(choices, price)
    attrs = list(attributes) if attributes is not None else choice_attributes(choices, price)
    if not attrs:
        raise DataError(Problem("choices", "no numeric attribute columns besides price"))
    missing = [a for a in attrs if a not in choices.columns]
    if missing:
        raise DataError(Problem("choices", f"attribute column(s) missing: {', '.join(missing)}"))
    data = choices.sort_values(["respondent_id", "task"], kind="stable").reset_index(drop=True)
    groups = data.groupby(["respondent_id", "task"], sort=False).ngroup().to_numpy()
    n_chosen = data.groupby(groups)["chosen"].transform("sum").to_numpy()
    bad = n_chosen != 1
    if bad.any():
        rows, n = rows_of(bad)
        raise DataError(Problem("choices", "each respondent and task needs exactly one chosen alternative",
                                column="chosen", rows=rows, n_rows=n, row_word="rows (sorted by respondent, task)"))
    X = data[attrs + [price]].astype(float)
    if not np.isfinite(X.to_numpy()).all():
        raise DataError(Problem("choices", "attributes and price must be finite numbers"))
    return data, X, data["chosen"].astype(float).to_numpy(), groups, attrs


@checked(choices=dataframe(), price=TEXT, warm_start=FLAG)
def fit_conditional_logit(choices: pd.DataFrame, attributes=None, price: str = "price", warm_start: bool = True):
    """Conditional logit of ``chosen`` on the attributes and price (statsmodels ``ConditionalLogit``).

    Groups are respondent x task. Returns the statsmodels results (``params``, ``bse``,
    ``conf_int()``, ``cov_params()``, ``llf``, ``summary()``); parameter names are the column names.
    With ``warm_start`` statsmodels' BFGS starts from the vectorized Newton solution of
    ``fit_clogit_arrays`` (same likelihood), which cuts the fit time several-fold; statsmodels still
    maximizes the likelihood and computes the covariance itself.

    Parameters
    ----------
    choices : DataFrame
        the canonical choices table (``respondent_id``, ``task``, ``alternative``, ``chosen``, ``price`` and
        attribute columns).
    attributes : list of str or None
        attribute columns; default: every numeric column but the ids, ``chosen`` and ``price``
        (:func:`choice_attributes`).
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    warm_start : bool, default True
        start statsmodels' BFGS from the suite's Newton solution (same likelihood, several times faster).
    """
    _, X, y, groups, _ = _prepare(choices, attributes, price)
    start = fit_clogit_arrays(X.to_numpy(), y, groups)[0] if warm_start else None
    fit = ConditionalLogit(y, X, groups=groups).fit(start_params=start, disp=False)
    return StatsmodelsResults(fit, "conditional logit", names=list(X.columns))


def _as_params(fit_or_params) -> pd.Series:
    params = getattr(fit_or_params, "params", fit_or_params)
    return pd.Series(params, dtype=float)


@checked(fit=instance(attributes=('params',), text='fitted results (with params)'), alpha=ALPHA)
def part_worths(fit, alpha: float = 0.05) -> pd.DataFrame:
    """Tidy table of part-worths: ``term, kind, coef, se, lower, upper, p_value`` (Wald intervals).

    Parameters
    ----------
    fit : results
        a fitted conditional logit (:func:`fit_conditional_logit`).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    ci = fit.conf_int(alpha=alpha)
    names = list(fit.params.index)
    return pd.DataFrame(
        {
            "term": names,
            "kind": ["price" if n == "price" else construct_kind(n) for n in names],
            "coef": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "lower": ci["lower"].to_numpy(),
            "upper": ci["upper"].to_numpy(),
            "p_value": fit.pvalues.to_numpy(),
        }
    )


@checked(price=TEXT, alpha=ALPHA)
def wtp_delta(params: pd.Series, cov: pd.DataFrame, price: str = "price", alpha: float = 0.05) -> pd.DataFrame:
    """WTP = -beta_a / beta_price with delta-method se and Wald CI, for every non-price parameter.

    Columns: ``attribute, wtp, se, lower, upper``.

    Parameters
    ----------
    params : Series
        coefficients by attribute and price.
    cov : DataFrame
        their covariance.
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    params = pd.Series(params, dtype=float)
    cov = pd.DataFrame(cov, index=params.index, columns=params.index)
    if price not in params.index:
        raise ValueError(f"no price parameter '{price}' in the fit")
    bp = params[price]
    if bp == 0:
        raise DataError("the price coefficient is zero; willingness to pay is undefined")
    z = z_value(alpha)
    rows = []
    for a in params.index.drop(price):
        ba = params[a]
        w = -ba / bp
        g = np.array([-1.0 / bp, ba / bp**2])
        V = cov.loc[[a, price], [a, price]].to_numpy()
        se = float(np.sqrt(max(g @ V @ g, 0.0)))
        rows.append({"attribute": a, "wtp": w, "se": se, "lower": w - z * se, "upper": w + z * se})
    return pd.DataFrame(rows)


@checked(fit=instance(attributes=('params',), text='fitted results (with params)'), price=TEXT, alpha=ALPHA)
def willingness_to_pay(fit, price: str = "price", alpha: float = 0.05) -> pd.DataFrame:
    """WTP per unit of each attribute with delta-method CIs from a fitted conditional logit.

    WTP_a = -beta_a / beta_price; se from g' Cov g (see module docstring). Units: currency of
    ``price`` per attribute level.

    Parameters
    ----------
    fit : results
        a fitted conditional logit (:func:`fit_conditional_logit`).
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    return wtp_delta(fit.params, fit.cov_params(), price=price, alpha=alpha)


def clogit_objective(X: np.ndarray, chosen: np.ndarray, starts: np.ndarray, weights: np.ndarray | None = None):
    r"""The negative log-likelihood of the conditional logit as an objective of
    :func:`relmkt_utils.core.optimize.newton_fit`: ``objective(b, order)`` returns the value (order 0),
    with the gradient (1) and the Hessian (2).

    Rows are sorted by choice task, ``starts`` the first row of each task, ``chosen`` 1 for the
    chosen row of each task and 0 elsewhere; task g counts ``weights[g]`` times (default 1, a
    bootstrap resample counts a respondent drawn k times k times). With :math:`p_j` the logit
    probability of row j in its task and :math:`\bar x_g = \sum_{j \in g} p_j x_j`,

    .. math::

        \ell(b) = \sum_g w_g \Big[x_{g,c_g}'b - \log \sum_{j \in g} e^{x_j'b}\Big],\quad
        \nabla\ell = X'\,w \odot (y - p),\quad
        -\nabla^2\ell = X'\operatorname{diag}(w \odot p) X - \sum_g w_g \bar x_g \bar x_g'

    (McFadden 1974; Train 2009, ch. 3.7), the likelihood statsmodels' ``ConditionalLogit`` maximizes
    when every task has exactly one chosen row.
    """
    X = np.ascontiguousarray(X, dtype=float)
    y = np.asarray(chosen, dtype=float)
    starts = np.asarray(starts, dtype=np.intp)
    sizes = np.diff(np.r_[starts, len(X)])
    w = np.ones(starts.size) if weights is None else np.asarray(weights, dtype=float)
    task = np.repeat(np.arange(starts.size), sizes)     # the task of each row
    w_row = w[task]
    wy = w_row * y
    last: dict = {}

    def pieces(b):
        # the line search evaluates a point and Newton's next step asks for its derivatives: compute once
        if "b" not in last or not np.array_equal(last["b"], b):
            v = X @ b
            m = np.maximum.reduceat(v, starts)
            e = np.exp(v - m[task])
            den = np.add.reduceat(e, starts)
            last.update(b=np.array(b, dtype=float), nll=-float(wy @ v - w @ (m + np.log(den))), e=e, den=den)
        return last["nll"], last["e"], last["den"]

    def objective(b, order):
        nll, e, den = pieces(b)
        if order == 0:
            return nll
        p = e / den[task]
        wp = w_row * p
        grad = -(X.T @ (wy - wp))
        if order == 1:
            return nll, grad
        xbar = np.add.reduceat(p[:, None] * X, starts)
        return nll, grad, X.T @ (X * wp[:, None]) - xbar.T @ (xbar * w[:, None])

    return objective


@checked(tol=number(0, low_open=True), maxiter=COUNT)
def fit_clogit_arrays(X: np.ndarray, chosen: np.ndarray, groups: np.ndarray, tol: float = 1e-10, maxiter: int = 100,
                      weights=None, start=None):
    """Maximum likelihood of the conditional logit with one chosen row per group: the suite's one
    conditional-logit solver (Newton steps of :func:`relmkt_utils.core.optimize.newton_fit` on
    :func:`clogit_objective`, all coefficients real-valued).

    ``groups`` labels the choice task of each row (any labels, rows in any order); ``weights``
    (optional, one per group in the order of the sorted distinct labels) counts a task w times;
    ``start`` the starting coefficients (default 0); ``tol`` the step size below which the
    iterations stop. Returns ``(params, cov, llf)`` with ``cov`` the inverse observed information.
    Same likelihood as statsmodels ``ConditionalLogit`` when every group has exactly one chosen row.

    Parameters
    ----------
    X : ndarray
        rows x attributes: one row per alternative of each task.
    chosen : ndarray
        1 for the chosen row of each task, 0 elsewhere.
    groups : ndarray
        the task of each row (any labels, rows in any order).
    tol : float, default 1e-10
        step size below which the Newton iterations stop, > 0.
    maxiter : int, default 100
        most iterations of the optimizer.
    weights : array-like or None
        one weight per task in the order of the sorted task labels (a task counts w times); default 1.
    start : array-like or None
        starting coefficients; default 0.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-d array of rows x attributes, got shape {X.shape}")
    labels = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    objective = clogit_objective(X[order], np.asarray(chosen, dtype=float)[order], starts, weights)
    k = X.shape[1]
    x0 = np.zeros(k) if start is None else np.asarray(start, dtype=float)
    res = newton_fit(objective, x0, [f"x{j}" for j in range(k)], model=None, nobs=float(starts.size),
                     model_name="conditional logit", positive=np.zeros(k, dtype=bool), maxiter=maxiter,
                     step_tol=tol)
    return res.params.to_numpy(), res.cov_params_log.to_numpy(), float(res.llf)


@checked(choices=dataframe(), price=TEXT, n_boot=number(2, integer=True), seed=SEED, alpha=ALPHA)
def bootstrap_wtp(
    choices: pd.DataFrame,
    attributes=None,
    price: str = "price",
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Bootstrap over respondents of the WTP: resample respondents with replacement, refit, recompute.

    Columns: ``attribute, wtp`` (full-sample estimate), ``boot_mean, boot_se, lower, upper``
    (percentile interval), ``n_boot``. Seeded: the same seed gives the same numbers.

    Parameters
    ----------
    choices : DataFrame
        the canonical choices table (``respondent_id``, ``task``, ``alternative``, ``chosen``, ``price`` and
        attribute columns).
    attributes : list of str or None
        attribute columns; default: every numeric column but the ids, ``chosen`` and ``price``
        (:func:`choice_attributes`).
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    n_boot : int, default 200
        number of bootstrap replicates.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    data, X, y, groups, attrs = _prepare(choices, attributes, price)
    names = attrs + [price]
    Xv = X.to_numpy()
    b_full, _, _ = fit_clogit_arrays(Xv, y, groups)
    # A respondent drawn k times counts k times in the likelihood: weight her choice tasks by k instead of
    # copying her rows (the same estimates); weights go by task in the order of the sorted task labels.
    task = np.unique(groups, return_inverse=True)[1].ravel()
    task_resp = np.empty(int(task.max()) + 1, dtype=np.intp)
    task_resp[task] = np.unique(data["respondent_id"].to_numpy(), return_inverse=True)[1].ravel()
    n_resp = int(task_resp.max()) + 1
    rng = np.random.default_rng(seed)
    p_i = names.index(price)
    draws = np.empty((n_boot, len(attrs)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for b in range(n_boot):
            counts = np.bincount(rng.integers(0, n_resp, n_resp), minlength=n_resp)
            beta = fit_clogit_arrays(Xv, y, groups, weights=counts[task_resp].astype(float), start=b_full)[0]
            draws[b] = -np.delete(beta, p_i) / beta[p_i]
    stopped = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    if stopped:
        warnings.warn(f"bootstrap_wtp: {stopped} of {n_boot} bootstrap refits did not converge; their "
                      "estimates are in the interval", ConvergenceWarning, stacklevel=2)
    tail = alpha / 2
    wtp_full = -np.delete(b_full, p_i) / b_full[p_i]
    return pd.DataFrame(
        {
            "attribute": attrs,
            "wtp": wtp_full,
            "boot_mean": draws.mean(axis=0),
            "boot_se": draws.std(axis=0, ddof=1),
            "lower": np.quantile(draws, tail, axis=0),
            "upper": np.quantile(draws, 1 - tail, axis=0),
            "n_boot": n_boot,
        }
    )


@checked(fit_or_params=instance(pd.Series, dict, attributes=('params',), text='fitted results or a Series of part-worths'),
         offers=dataframe())
def predict_shares(fit_or_params, offers: pd.DataFrame) -> pd.DataFrame:
    """Logit shares of a set of offers: s_j = exp(V_j) / sum_l exp(V_l), V_j = x_j'beta + beta_price p_j.

    ``offers`` has one row per offer and one column per parameter of the fit (attributes and
    price). Returns a copy with columns ``utility`` and ``share`` added (shares sum to 1).

    Parameters
    ----------
    fit_or_params : results or Series
        fitted conditional logit (its ``params``) or part-worths indexed by attribute and price.
    offers : DataFrame
        one row per offer (index: the offer's name), one column per attribute of the fit and the price.
    """
    params = _as_params(fit_or_params)
    missing = [n for n in params.index if n not in offers.columns]
    if missing:
        raise ValueError(f"offers lack column(s) for the part-worths: {', '.join(missing)}")
    if len(offers) == 0:
        raise ValueError("offers is empty")
    v = offers[list(params.index)].astype(float).to_numpy() @ params.to_numpy()
    e = np.exp(v - v.max())
    out = offers.copy()
    out["utility"] = v
    out["share"] = e / e.sum()
    return out


@checked(fit_or_params=instance(pd.Series, dict, attributes=('params',), text='fitted results or a Series of part-worths'),
         offers=dataframe(), attribute=TEXT, delta=number(), market_size=number(0), price=TEXT)
def simulate_change(
    fit_or_params,
    offers: pd.DataFrame,
    offer,
    attribute: str,
    delta: float = 1.0,
    market_size: float = 1000.0,
    price: str = "price",
) -> pd.DataFrame:
    """Change ``attribute`` of offer ``offer`` (an index label of ``offers``) by ``delta`` and re-share.

    Returns one row per offer: ``share_before, share_after, share_change, revenue_before,
    revenue_after, revenue_change`` with revenue = price x share x market_size (after the change
    when the changed attribute is the price). Index = ``offers.index``; ``attrs['offer']`` and
    ``attrs['attribute']`` record the scenario.

    Parameters
    ----------
    fit_or_params : results or Series
        fitted conditional logit (its ``params``) or part-worths indexed by attribute and price.
    offers : DataFrame
        one row per offer (index: the offer's name), one column per attribute of the fit and the price.
    offer : label
        index label of the offer in ``offers`` that changes.
    attribute : str
        the attribute (or price) column that changes.
    delta : float, default 1.0
        change of the attribute, in its own units.
    market_size : float, default 1000.0
        number of buyers in the market; revenue = price x share x market size.
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    """
    if offer not in offers.index:
        raise ValueError(f"offer {offer!r} is not an index label of offers")
    if attribute not in offers.columns:
        raise ValueError(f"offers have no column '{attribute}'")
    before = predict_shares(fit_or_params, offers)
    changed = offers.copy()
    changed[attribute] = changed[attribute].astype(float)
    changed.loc[offer, attribute] = changed.loc[offer, attribute] + delta
    after = predict_shares(fit_or_params, changed)
    out = pd.DataFrame(
        {
            "share_before": before["share"],
            "share_after": after["share"],
            "revenue_before": offers[price].astype(float) * before["share"] * market_size,
            "revenue_after": changed[price].astype(float) * after["share"] * market_size,
        },
        index=offers.index,
    )
    out["share_change"] = out["share_after"] - out["share_before"]
    out["revenue_change"] = out["revenue_after"] - out["revenue_before"]
    out.attrs.update({"offer": offer, "attribute": attribute, "delta": delta, "market_size": market_size})
    return out[["share_before", "share_after", "share_change", "revenue_before", "revenue_after", "revenue_change"]]


@checked(fit_or_params=instance(pd.Series, dict, attributes=('params',), text='fitted results or a Series of part-worths'),
         offers=dataframe(), delta=number(), market_size=number(0), price=TEXT)
def simulate_all_components(
    fit_or_params,
    offers: pd.DataFrame,
    offer,
    delta: float = 1.0,
    market_size: float = 1000.0,
    price: str = "price",
    attributes=None,
) -> pd.DataFrame:
    """``simulate_change`` of offer ``offer`` for every attribute (all parameters but price).

    For a cost attribute the change is -delta (one level *less* cost), so every row is an
    improvement of the offer. One row per attribute: ``attribute, kind, delta, share_before,
    share_after, share_change, revenue_before, revenue_after, revenue_change`` (focal offer only).

    Parameters
    ----------
    fit_or_params : results or Series
        fitted conditional logit (its ``params``) or part-worths indexed by attribute and price.
    offers : DataFrame
        one row per offer (index: the offer's name), one column per attribute of the fit and the price.
    offer : label
        index label of the offer in ``offers`` that changes.
    delta : float, default 1.0
        improvement of each attribute in its own units (cost attributes change by -delta).
    market_size : float, default 1000.0
        number of buyers in the market; revenue = price x share x market size.
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    attributes : list of str or None
        the attributes changed; default every parameter but the price.
    """
    params = _as_params(fit_or_params)
    attrs = list(attributes) if attributes is not None else [n for n in params.index if n != price]
    rows = []
    for a in attrs:
        kind = construct_kind(a)
        d = -delta if kind == "cost" else delta
        sim = simulate_change(params, offers, offer, a, delta=d, market_size=market_size, price=price)
        rows.append({"attribute": a, "kind": kind, "delta": d, **sim.loc[offer].to_dict()})
    out = pd.DataFrame(rows)
    out.attrs.update({"offer": offer, "market_size": market_size})
    return out


@checked(fit_or_params=instance(pd.Series, dict, attributes=('params',), text='fitted results or a Series of part-worths'),
         choices=dataframe(), price=TEXT)
def hit_rate(fit_or_params, choices: pd.DataFrame, price: str = "price") -> dict:
    """How often the chosen alternative is the one with the largest deterministic utility.

    Kotler's rule says a customer picks the offer with the largest delivered value. With utility
    V_j = x_j'beta + beta_price p_j (fitted or true part-worths), the hit rate is the share of
    tasks whose chosen alternative has the largest V (a tie of m alternatives counts 1/m). A
    deterministic rule would give 1; the logit's random part makes it lower even with the true
    part-worths. Returns ``{"hit_rate", "chance", "n_tasks"}`` with chance = mean of 1 / (number of
    alternatives in the task), the rate of picking at random.

    Parameters
    ----------
    fit_or_params : results or Series
        fitted conditional logit (its ``params``) or part-worths indexed by attribute and price.
    choices : DataFrame
        the canonical choices table (``respondent_id``, ``task``, ``alternative``, ``chosen``, ``price`` and
        attribute columns).
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    """
    params = _as_params(fit_or_params)
    data, _, y, groups, _ = _prepare(choices, [n for n in params.index if n != price], price)
    v = data[list(params.index)].astype(float).to_numpy() @ params.to_numpy()
    vmax = pd.Series(v).groupby(groups).transform("max").to_numpy()
    top = np.isclose(v, vmax, rtol=0.0, atol=1e-9)
    n_top = pd.Series(top.astype(float)).groupby(groups).transform("sum").to_numpy()
    n_alt = np.bincount(groups)
    hits = np.where((y == 1) & top, 1.0 / n_top, 0.0)
    return {"hit_rate": float(hits.sum() / n_alt.size), "chance": float(np.mean(1.0 / n_alt)),
            "n_tasks": int(n_alt.size)}


@checked(offers=dataframe())
def check_offers(offers: pd.DataFrame, columns) -> pd.DataFrame:
    """The offers of a dataset's ``dataset.yml`` checked against the choice model: one row named
    ``ours`` (the offer the simulator changes) and a number for every column of ``columns`` (attributes
    and price); returned with the columns in that order. A mismatch is a DataError naming the key.

    Parameters
    ----------
    offers : DataFrame
        the offers of ``dataset.yml`` (index: offer names).
    columns : sequence of str
        the attributes and the price of the choice model.
    """
    columns = list(columns)
    problems = []
    if "ours" not in offers.index:
        problems.append("no offer is named 'ours' (the offer the simulator changes)")
    missing = {str(o): [c for c in columns if c not in offers.columns or pd.isna(offers.loc[o, c])] for o in offers.index}
    problems += [f"offer {o!r} lacks {', '.join(cols)}" for o, cols in missing.items() if cols]
    extra = [c for c in offers.columns if c not in columns]
    if extra:
        problems.append(f"{', '.join(map(str, extra))} {'is' if len(extra) == 1 else 'are'} not an attribute of the choices table")
    if problems:
        raise DataError("dataset.yml, key offers: " + "; ".join(problems) + f" (attributes: {', '.join(columns)})")
    return offers[columns]


@checked(choices=dataframe(), price=TEXT)
def example_offers(choices: pd.DataFrame, attributes=None, price: str = "price") -> pd.DataFrame:
    """Three illustrative offers built from the levels observed in a choices table.

    With L_0 < ... < L_{n-1} the distinct levels of a column, m = (n - 1) // 2 and the step
    s = max(1, n // 4), "middle" is L_m, "high" L_{min(n-1, m+s)} and "low" L_{max(0, m-s)}:

    * ``ours``: every attribute and the price at the middle level;
    * ``premium``: value attributes high, cost attributes low, price high (more value, less
      non-monetary cost, dearer);
    * ``budget``: the reverse (value low, cost high, price low).

    Each offer uses levels the respondents actually saw (with five levels 1..5: 3, 4 and 2).
    Index: the offer names; columns: the attributes and the price.

    Parameters
    ----------
    choices : DataFrame
        the canonical choices table (``respondent_id``, ``task``, ``alternative``, ``chosen``, ``price`` and
        attribute columns).
    attributes : list of str or None
        attribute columns; default: every numeric column but the ids, ``chosen`` and ``price``
        (:func:`choice_attributes`).
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    """
    data = numeric_attributes(choices, price)
    attrs = list(attributes) if attributes is not None else choice_attributes(data, price)
    rows = {"ours": {}, "premium": {}, "budget": {}}
    for col in attrs + [price]:
        levels = np.unique(data[col].dropna().astype(float))
        if levels.size == 0:
            raise DataError(f"column '{col}' has no levels")
        m, step = (levels.size - 1) // 2, max(1, levels.size // 4)
        lo, mid, hi = float(levels[max(0, m - step)]), float(levels[m]), float(levels[min(levels.size - 1, m + step)])
        better_high = col != price and construct_kind(col) == "value"
        rows["ours"][col] = mid
        if col == price:
            rows["premium"][col], rows["budget"][col] = hi, lo
        else:
            rows["premium"][col], rows["budget"][col] = (hi, lo) if better_high else (lo, hi)
    return pd.DataFrame.from_dict(rows, orient="index")[attrs + [price]]
