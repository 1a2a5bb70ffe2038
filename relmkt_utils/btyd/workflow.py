"""The steps of a customer-base analysis that a notebook runs in order, each one call.

* :func:`customer_base` -- the summary the models are fitted to: a calibration/holdout
  :func:`~relmkt_utils.btyd.rfm_summary` of the transaction log (in memory or read out of core), or a
  dataset's summary of discrete purchase opportunities (``bgbb_summary``) for the BG/BB;
* :func:`holdout_error` -- how far the model's predicted holdout purchases are from the actual ones,
  :math:`\\sum_i \\hat E[X_i(t_i^*)] / \\sum_i x_i^* - 1`, the error a CLV interval of parameter
  uncertainty does not cover;
* :func:`fit_purchase_model` -- the chosen model and, for a latent-attrition model, its dropout check
  (:func:`~relmkt_utils.btyd.boundary.dropout_check`): at a boundary of its parameter space without
  detectable dropout the nested NBD scores the customers (:func:`scoring_key`, :func:`has_dropout`);
* :func:`compare_models` -- the continuous models fitted to one summary, with the NBD and the chosen model (a
  BG/CNBD-k's likelihood includes its inter-purchase times, so it compares with the BG/NBD, its k = 1), by
  log-likelihood, AIC, BIC;
* :func:`group_tests` -- per group column, the likelihood-ratio test of one model for all customers
  against one per group (:func:`~relmkt_utils.btyd.segment_lr_test`), customers without a label left out;
* :func:`group_covariates` -- all group columns at once as 0/1 covariates (Fader & Hardie 2007), tested
  against the model without them;
* :func:`spend_model` -- the Gamma-Gamma on the repeat buyers with its independence check.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.errors import ConvergenceWarning, DataError, EstimationWarning, ParameterError
from .boundary import DropoutCheck, dropout_check
from .choose import DISCRETE, NAMES, fit_model
from .registry import REGISTRY
from .checks import spend_frequency_check
from .covariates import lr_test, segment_lr_test
from .gammagamma import GammaGamma
from .summary import calibration_end as split_date
from .regularity import regularity_summary, takes_litt
from .summary import rfm_summary

#: A model predicting the holdout purchases further off than this (in total) gets a caution beside its CLV.
HOLDOUT_TOLERANCE = 0.10


@dataclass
class CustomerBase:
    """The customers a model is fitted to: ``summary`` (one row per customer or per pattern),
    ``weights`` (the column counting the customers of a pattern, or None), the calibration and
    holdout ends (None for a summary of discrete opportunities) and how many customers it holds."""

    summary: pd.DataFrame
    weights: str | None
    discrete: bool
    calibration_end: pd.Timestamp | None = None
    holdout_end: pd.Timestamp | None = None
    #: what :meth:`current` summarizes: the transaction log and the summary's (freq, multiplier)
    log: object = field(default=None, repr=False)
    rfm_convention: tuple | None = None
    _current: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def n_customers(self) -> int:
        return int(self.summary[self.weights].sum()) if self.weights else len(self.summary)

    @property
    def has_holdout(self) -> bool:
        return (not self.discrete and "frequency_holdout" in self.summary
                and float(self.summary["duration_holdout"].max()) > 0)

    def current(self) -> pd.DataFrame:
        """Every customer's (frequency, recency, T, monetary_value) over the whole window, from the first
        transaction to ``holdout_end``: what a customer is scored on today. The model is fitted on the
        calibration summary; scoring on this one counts the holdout's purchases too and includes the customers
        whose first purchase falls in the holdout. A discrete base is its own current summary."""
        if self.discrete or self.log is None:
            return self.summary
        if self._current is None:
            freq, multiplier = self.rfm_convention
            self._current = _with_litt(rfm_summary(self.log, observation_end=self.holdout_end, freq=freq,
                                                   freq_multiplier=multiplier),
                                       self.log, self.holdout_end, None, freq, multiplier, "litt" in self.summary)
        return self._current

    def description(self) -> str:
        if self.discrete:
            return (f"{self.n_customers:,} customers in {len(self.summary):,} patterns of (frequency, recency, "
                    "opportunities)")
        return (f"{self.n_customers:,} customers; calibration to {self.calibration_end:%Y-%m-%d}, holdout to "
                f"{self.holdout_end:%Y-%m-%d}")


def customer_base(ds, model: str, calibration_end: str = "", holdout_end: str = "") -> CustomerBase:
    """The summary ``model`` is fitted to (module docstring). ``calibration_end`` empty: the dataset's
    own split (``calibration_end`` of dataset.yml), else two thirds of the window; ``holdout_end``
    empty: the end of the data."""
    if model in DISCRETE:
        summary = ds.extras.get("bgbb_summary")
        if summary is None:
            raise ParameterError(f"model {model!r} needs a bgbb_summary table (discrete purchase opportunities), which "
                                 f"dataset {ds.name!r} does not have: use bgnbd, pnbd or mbgnbd")
        return CustomerBase(summary, "donors" if "donors" in summary.columns else None, True)
    log = ds.transactions if ds.transactions is not None else ds.transactions_source
    if log is None:
        raise ParameterError(f"model {model!r} needs a transactions table, which dataset {ds.name!r} does not have"
                             + ("; it has a bgbb_summary: use model 'bgbb'" if "bgbb_summary" in ds.extras else ""))
    hold = pd.Timestamp(holdout_end) if holdout_end else ds.observation_end
    if not ds.observation_start < hold <= ds.observation_end:
        raise ParameterError(f"holdout_end must lie in the observation window {ds.observation_start.date()} to "
                             f"{ds.observation_end.date()}, got {holdout_end!r}")
    cal = split_date(ds.observation_start, hold, calibration_end or ds.meta.get("calibration_end"))
    freq, multiplier = ds.time_unit.rfm_convention()
    summary = rfm_summary(log, observation_end=hold, freq=freq, freq_multiplier=multiplier, calibration_end=cal)
    needs_litt = "litt" in REGISTRY[model].model.summary_columns
    if needs_litt and not isinstance(log, pd.DataFrame):
        raise ParameterError(f"model {model!r} needs each customer's inter-purchase times (litt), which relmkt "
                             "computes from a transaction log in memory; this dataset's log is read from files")
    summary = _with_litt(summary, log, hold, cal, freq, multiplier, needs_litt)
    return CustomerBase(summary, None, False, cal, hold, log=log, rfm_convention=(freq, multiplier))


def _with_litt(summary: pd.DataFrame, log, end, cal, freq: str, multiplier: float, needed: bool) -> pd.DataFrame:
    """``summary`` with the ``litt`` column of :func:`~relmkt_utils.btyd.regularity_summary` (the regularity
    models' sum of log inter-purchase times) when ``needed``; 0 for customers without a repeat purchase."""
    if not needed:
        return summary
    litt = regularity_summary(log, observation_end=end, freq=freq, freq_multiplier=multiplier,
                              calibration_end=cal)["litt"]
    out = summary.assign(litt=litt.reindex(summary.index).fillna(0.0).to_numpy(float))
    out.attrs.update(summary.attrs)
    return out


def _regularity(fit, summary: pd.DataFrame) -> dict:
    """``{"litt": ...}`` for a model whose predictions use it (:func:`takes_litt`), else nothing."""
    return {"litt": summary["litt"]} if takes_litt(fit) and "litt" in summary.columns else {}


def holdout_error(fit, base: CustomerBase) -> float | None:
    """Total predicted over total actual holdout purchases, minus one (None without a holdout)."""
    if not base.has_holdout:
        return None
    s = base.summary
    expected = np.asarray(fit.expected_purchases(float(s["duration_holdout"].iloc[0]), s["frequency"],
                                                 s["recency"], s["T"], **_regularity(fit, s)),
                          dtype=float)                                                  # one holdout length for all
    actual = float(s["frequency_holdout"].sum())
    return float(expected.sum() / actual - 1) if actual > 0 else None


def holdout_mae(fit, base: CustomerBase) -> float | None:
    """Mean absolute error per customer of the predicted holdout purchases (None without a holdout)."""
    if not base.has_holdout:
        return None
    s = base.summary
    expected = np.asarray(fit.expected_purchases(float(s["duration_holdout"].iloc[0]), s["frequency"],
                                                 s["recency"], s["T"], **_regularity(fit, s)),
                          dtype=float)                                                  # one holdout length for all
    return float(np.mean(np.abs(expected - s["frequency_holdout"].to_numpy(float))))


def fit_purchase_model(model: str, base: CustomerBase) -> tuple:
    """The chosen purchase model fitted to ``base`` and, for a model with a nested no-dropout model (BG/NBD,
    Pareto/NBD, MBG/NBD), its :class:`~relmkt_utils.btyd.boundary.DropoutCheck` (None for the BG/BB):
    ``(results, check)``. The fit's warnings are issued after the check, so a fit at the no-dropout boundary
    is reported as a likelihood at its maximum on that boundary, not as an optimizer that did not converge."""
    return _checked_fit(lambda: fit_model(model, base.summary, weights_col=base.weights), REGISTRY[model].nested)


def _checked_fit(make, nested_key, nested=None) -> tuple:
    """``make()`` with its suite warnings held back until the dropout check (where the registry names a
    nested model) has put the boundary in them; other warnings pass on as they were. ``nested``: the nested
    model already fitted to the same customers."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = make()
        check = dropout_check(fit, nested=nested) if nested_key else None
    for w in caught:
        if not issubclass(w.category, (ConvergenceWarning, EstimationWarning)):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    said = list(fit.warnings)
    if check is not None and check.nested is not None and check.nested is not nested:
        said += list(check.nested.warnings)
    for sentence in said:
        warnings.warn(sentence, ConvergenceWarning if "did not converge" in sentence else EstimationWarning,
                      stacklevel=3)
    return fit, check


def scoring_key(model: str, check: DropoutCheck | None) -> str:
    """The registry key of the model that scores the customers: the nested NBD where ``check`` found no
    detectable dropout, else ``model``."""
    if check is not None and check.no_dropout:
        return REGISTRY[model].nested
    return model


def dropout_test_finding(check: DropoutCheck) -> dict:
    """The value and sentence context of the finding ``dropout_lr_p`` (the boundary likelihood-ratio test of
    ``check``): the p-value, the model's name, the statistic and the verdict, or the reason there is none."""
    test = check.test
    if test is None:
        return {"value": None, "model": getattr(check.fit, "model_name", "model"),
                "reason": check.note or "the NBD could not be fitted"}
    return {"value": test.pvalue, "model": test.full, "statistic": test.statistic, "verdict": test.verdict(check.alpha),
            "mixture": test.mixture}


def has_dropout(results) -> bool:
    """Whether ``results`` come from a model with a dropout process (False for the NBD, whose P(alive) is 1
    by assumption: no P(alive) matrix or history to show)."""
    return bool(getattr(results, "has_dropout", True))


def compare_models(base: CustomerBase, fitted: dict | None = None) -> tuple[pd.DataFrame, str]:
    """The continuous models fitted to ``base`` and the NBD without dropout (``fitted`` reuses fits already
    made, by key): one row each with parameters, log-likelihood, AIC, BIC, convergence, the edge of the
    parameter space a fit ends at (its :func:`~relmkt_utils.btyd.boundary.dropout_check`) and the parameters
    the data do not identify; and the name of the lowest AIC. A model that cannot be fitted has no row."""
    if base.discrete:
        raise ParameterError("compare_models: the continuous models need a continuous-time summary")
    fitted = {k: v for k, v in (fitted or {}).items() if v is not None}
    rows = {}
    standard = ("nbd", "bgnbd", "pnbd", "mbgnbd")
    chosen = [k for k, v in fitted.items() if k not in standard and REGISTRY[k].data == "continuous"
              and np.isfinite(getattr(v, "llf", np.nan)) and not takes_litt(v)]   # a likelihood on the same data
    for key in (*standard, *chosen):
        check = None
        try:
            if key in fitted:
                fit = fitted[key]
                if REGISTRY[key].nested and fit.model is not None and "nbd" in fitted:
                    check = dropout_check(fit, nested=fitted["nbd"])     # no refit: where the fit ends
            else:
                fit, check = _checked_fit(lambda: REGISTRY[key].model.from_summary(base.summary, weights=base.weights)
                                          .fit(), REGISTRY[key].nested, fitted.get("nbd"))
        except (DataError, np.linalg.LinAlgError):
            continue
        fitted.setdefault(key, fit)
        rows[REGISTRY[key].name] = {"parameters": len(fit.params), "log-likelihood": fit.llf, "AIC": fit.aic,
                                    "BIC": fit.bic, "converged": bool(fit.converged),
                                    "edge of the parameter space": (check.kind if check is not None and check.kind
                                                                    else "none" if check is not None else ""),
                                    "not identified": ", ".join(getattr(fit, "unidentified", ()) or ()) or "none"}
    order = [REGISTRY[k].name for k in ("bgnbd", "pnbd", "mbgnbd", *chosen, "nbd") if REGISTRY[k].name in rows]
    table = pd.DataFrame(rows).T.reindex(order)
    table.index.name = "model"
    return table, str(table["AIC"].astype(float).idxmin()) if len(table) else ""


def _labels(base: CustomerBase, customers: pd.DataFrame, column: str) -> pd.Series:
    return customers.set_index("customer_id")[column].reindex(base.summary.index)


def group_tests(base: CustomerBase, customers: pd.DataFrame, columns, model: str) -> list[dict]:
    """Per column: ``{"column", "test" (a SegmentLRTest) or "error" (the sentence why not), "left_out"}``."""
    out = []
    for column in columns:
        labels = _labels(base, customers, column)
        known = labels.notna().to_numpy()
        entry = {"column": column, "left_out": int((~known).sum()), "test": None, "error": None}
        try:
            test = segment_lr_test(base.summary[known], labels[known].astype(str), model=REGISTRY[model].model)
            doubtful = [w for w in test.warnings if "not reliable" in w]
            if doubtful:                              # a fit that is no maximum-likelihood fit: no verdict
                problem = doubtful[0].split(";")[0]
                raise DataError(f"{problem[:1].lower() + problem[1:]}, so the test gives no verdict")
            entry["test"] = test
        except (DataError, ParameterError) as err:
            entry["error"] = " ".join(str(err).split())
        except np.linalg.LinAlgError:                    # never "Singular matrix" in a reader's page
            entry["error"] = ("a group's fit has no invertible information matrix (its parameters are not "
                              "identified), so the test gives no verdict")
        out.append(entry)
    return out


def group_covariates(fit, base: CustomerBase, customers: pd.DataFrame, columns, model: str):
    """The model with every group column as 0/1 covariates (against each column's first group) for
    purchase and dropout, and its likelihood-ratio test against ``fit``: ``(results, LRTest)``."""
    covariate_model = REGISTRY[model].covariates if model in REGISTRY else None
    if covariate_model is None:
        with_covariates = [k for k, e in REGISTRY.items() if e.covariates is not None]
        raise ParameterError(f"group_covariates: covariates are available for "
                             f"{', '.join(NAMES[k] for k in with_covariates)}, not {NAMES.get(model, model)}")
    frame = customers.set_index("customer_id")[list(columns)].astype(str).reindex(base.summary.index)
    dummies = pd.get_dummies(frame, prefix=list(columns), prefix_sep="=", drop_first=True).astype(float)
    s = base.summary
    cov_fit = covariate_model(s["frequency"], s["recency"], s["T"], purchase_covariates=dummies,
                              dropout_covariates=dummies).fit()
    if not cov_fit.converged or getattr(cov_fit, "unidentified", ()):   # a test of a fit that is no fit has no verdict
        raise DataError(f"the {NAMES[model]} with the groups as covariates "
                        + ("did not converge" if not cov_fit.converged else
                           f"does not identify {len(cov_fit.unidentified)} of its {len(cov_fit.params)} parameters")
                        + ", so the likelihood-ratio test gives no verdict")
    return cov_fit, lr_test(fit, cov_fit)


def spend_model(base: CustomerBase):
    """The Gamma-Gamma fitted on the repeat buyers with a positive mean spend, and the check of its
    independence assumption (:func:`~relmkt_utils.btyd.spend_frequency_check`): ``(results, check)``."""
    s = base.summary
    if base.discrete or "monetary_value" not in s:
        raise DataError("the data have no amounts per purchase, so there is no spend model and no CLV in money")
    repeaters = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    if len(repeaters) < 2:
        raise DataError("fewer than two repeat buyers with a positive spend: the spend model cannot be fitted")
    return GammaGamma(repeaters["frequency"], repeaters["monetary_value"]).fit(), spend_frequency_check(s)


def param_metrics(model: str, fit) -> dict:
    """The fitted parameters and log-likelihood as metrics named ``<model>_<parameter>``, ``<model>_llf``; a
    parameter the data do not identify is None (not identified is not a number)."""
    unidentified = set(getattr(fit, "unidentified", ()) or ())
    return {**{f"{model}_{k}": None if k in unidentified else float(v) for k, v in fit.params.items()},
            f"{model}_llf": float(fit.llf)}


def group_test_sentence(entry: dict, model: str) -> str:
    """The sentence of one :func:`group_tests` entry (plain text): the test's verdict, or why it could not be made."""
    column = str(entry["column"]).replace("_", " ")
    name = REGISTRY[model].name
    left = f" ({entry['left_out']:,} customers without a {column} left out)" if entry["left_out"] else ""
    if entry["test"] is None:
        return f"{name} by {column}: the test could not be made: {entry['error']}"
    sentence = entry["test"].sentence().replace(str(entry["column"]), column)
    return f"{name} by {column}{left}: {sentence}"


def independence_sentence(check: pd.DataFrame) -> str:
    """The Gamma-Gamma independence check as a sentence (plain text)."""
    return ("Independence check (the model assumes that spend per purchase does not depend on how often a customer "
            f"buys): {check['sentence'].iloc[0]}")


def tracking(ds, fit, base: CustomerBase) -> pd.DataFrame:
    """Actual against expected repeat transactions per period through calibration and holdout
    (:func:`~relmkt_utils.btyd.repeat_transactions_over_time`) for the dataset's log."""
    from .checks import repeat_transactions_over_time

    log = ds.transactions if ds.transactions is not None else ds.transactions_source
    freq, multiplier = ds.time_unit.rfm_convention()
    return repeat_transactions_over_time(log, fit, freq=freq, freq_multiplier=multiplier,
                                         calibration_end=base.calibration_end, observation_end=base.holdout_end)


def lapsing_history(ds, fit, base: CustomerBase):
    """The P(alive) history through calibration of the repeat buyer with the most purchases whose
    P(alive) has fallen below one half (else of the repeat buyer with the most purchases):
    ``(customer id, history table)``."""
    from .checks import p_alive_history

    if ds.transactions is None:
        raise DataError("the P(alive) history needs the transaction log in memory")
    s = base.summary
    p_now = pd.Series(np.asarray(fit.p_alive(), dtype=float), index=s.index)
    lapsing = s[(s["frequency"] >= 2) & (p_now < 0.5)]
    pool = lapsing if len(lapsing) else s[s["frequency"] >= 1]
    if pool.empty:
        raise DataError("no customer bought twice in calibration, so there is no P(alive) history to show")
    who = pool["frequency"].idxmax()
    freq, multiplier = ds.time_unit.rfm_convention()
    return who, p_alive_history(ds.transactions, fit, who, freq=freq, freq_multiplier=multiplier,
                                observation_end=base.calibration_end)


def unidentified_dropout(fit) -> str:
    """The sentence why P(alive) and everything built on it need care when the data do not identify the
    model's parameters (empty when they do)."""
    bad = tuple(getattr(fit, "unidentified", ()) or ())
    if not bad:
        return ""
    return (f"the data do not identify the {getattr(fit, 'model_name', 'model')}'s {', '.join(bad)}, on which this "
            "rests")


@dataclass
class Scores:
    """Every customer's scores (``table``, written as customer_scores.csv) and what the report says of them."""

    table: pd.DataFrame
    alive: dict
    metrics: dict
    horizon: float
    horizon_unit: str
    expected_purchases_mean: float
    dert_mean: float | None = None
    clv_mean: object = None
    covers: str = ""
    status: str = "ok"
    caution: str = ""
    holdout_error: float | None = None
    holdout_expected: float | None = None
    holdout_actual: float | None = None
    #: the display name of the model that scored the customers (also the table's ``model`` column)
    model: str = ""
    #: whether that model has a dropout process (the NBD has none: its P(alive) is 1 by assumption)
    dropout: bool = True
    #: the date the customers are scored at (the end of the whole window, ``holdout_end``), ISO; "" if none
    asof: str = ""

    def preview(self, n: int = 10) -> pd.DataFrame:
        """The first ``n`` rows of the table for readers: without the P(alive) column of a model without
        dropout, whose 100% is an assumption, not a score."""
        table = self.table.head(n)
        return table if self.dropout else table.drop(columns=["p_alive"], errors="ignore")


def score_customers(fit, spend, base: CustomerBase, ds, horizon_months: float, margin: float,
                    annual_discount_rate: float, n_boot: int, seed: int) -> Scores:
    """P(alive), expected purchases and, with a spend model, the CLV with its interval for every customer
    (:func:`~relmkt_utils.btyd.customer_value`); for a summary of discrete opportunities, P(alive),
    expected purchases and DERT per pattern. The mean CLV's interval covers parameter uncertainty only;
    when the model misses the holdout purchases by more than :data:`HOLDOUT_TOLERANCE`, its status is
    ``caution`` with that error as the reason. ``fit`` is the model that scores (the NBD where the chosen
    model found no dropout, :func:`scoring_key`); the table's first column ``model`` names it for every
    customer, and a model without dropout gives no P(alive) summary (P(alive) = 1 is its assumption).

    The model is fitted on the calibration window and checked on the holdout (:func:`holdout_error`); the
    customers are scored on the whole window (:meth:`CustomerBase.current`), as they stand at ``holdout_end``:
    every customer of the data, with the holdout's purchases counted (``Scores.asof``)."""
    scores = _score_customers(fit, spend, base, ds, horizon_months, margin, annual_discount_rate, n_boot, seed)
    if not base.discrete and base.holdout_end is not None:
        scores.asof = f"{base.holdout_end:%Y-%m-%d}"
    return scores


def _score_customers(fit, spend, base: CustomerBase, ds, horizon_months: float, margin: float,
                     annual_discount_rate: float, n_boot: int, seed: int) -> Scores:
    """The body of :func:`score_customers`."""
    from .checks import p_alive_summary
    from .value import customer_value

    unit = ds.time_unit
    s = base.summary
    name = str(getattr(fit, "model_name", "model"))
    horizon = unit.whole_periods(months=horizon_months)
    if base.discrete:
        table = s.assign(p_alive=np.asarray(fit.p_alive(), dtype=float),
                         expected_purchases=np.asarray(fit.expected_purchases(horizon), dtype=float),
                         dert=np.asarray(fit.dert(annual_discount_rate, unit), dtype=float))
        w = table[base.weights] if base.weights else None
        p_alive = float(np.average(table["p_alive"], weights=w))
        expected = float(np.average(table["expected_purchases"], weights=w))
        dert = float(np.average(table["dert"], weights=w))
        return Scores(_with_model(table, name), {"p_alive_mean": p_alive},
                      {"p_alive_mean": p_alive, "clv_horizon_months": horizon_months},
                      horizon, unit.label(horizon), expected, dert_mean=dert, model=name)
    cal = s
    s = base.current()
    x, tx, T = s["frequency"], s["recency"], s["T"]
    regular = _regularity(fit, s)
    with np.errstate(all="ignore"):
        p_alive = np.asarray(fit.p_alive(x, tx, T, **regular), dtype=float)
        expected_purchases = np.asarray(fit.expected_purchases(horizon, x, tx, T, **regular), dtype=float)
        finite = np.all(np.isfinite(p_alive)) and np.all(np.isfinite(expected_purchases))
    if not finite:                                    # e.g. a 2F1 at a, b -> infinity: no number, and no crash
        unidentified = tuple(getattr(fit, "unidentified", ()) or ())
        raise DataError(f"the {name}'s predictions cannot be computed at its estimates"
                        + (f" (its fit ends at the edge of the parameter space, where the data do not identify "
                           f"{', '.join(unidentified)})" if unidentified else "") + ", so no customer is scored with it")
    summary_of_alive = p_alive_summary(p_alive, s["frequency"])
    dropout = has_dropout(fit)
    alive = {k: summary_of_alive[k] for k in ("p_alive_mean_repeat_buyers", "one_time_buyer_share")
             if dropout or k == "one_time_buyer_share"}
    error = holdout_error(fit, base)
    expected_holdout = actual_holdout = None
    if error is not None:
        actual_holdout = float(cal["frequency_holdout"].sum())
        expected_holdout = actual_holdout * (1 + error)
    metrics = {**({"p_alive_mean": summary_of_alive["p_alive_mean"]} if dropout else {}),
               "holdout_purchases_mae": holdout_mae(fit, base), "clv_horizon_months": horizon_months}
    if spend is None:
        table = s.assign(p_alive=p_alive, expected_purchases=expected_purchases)
        return Scores(_with_model(table, name), alive, metrics, horizon, unit.label(horizon),
                      float(table["expected_purchases"].mean()), holdout_error=error,
                      holdout_expected=expected_holdout, holdout_actual=actual_holdout, model=name,
                      dropout=dropout)
    if not hasattr(fit, "clv"):
        return _without_clv(s.assign(p_alive=p_alive, expected_purchases=expected_purchases), name, alive, metrics,
                            horizon, unit, error, expected_holdout, actual_holdout, dropout,
                            f"the {name} is fitted by sampling and has no closed-form discounted value; its scores are "
                            "P(alive) and the expected purchases from its posterior draws")
    try:
        table = customer_value(fit, spend, s, horizon_months=horizon_months, annual_discount_rate=annual_discount_rate,
                               margin=margin, n_boot=n_boot, seed=seed, time_unit=unit)
    except DataError as err:                          # e.g. no draws at parameters the data do not identify
        return _without_clv(s.assign(p_alive=p_alive, expected_purchases=expected_purchases), name, alive, metrics,
                            horizon, unit, error, expected_holdout, actual_holdout, dropout,
                            unidentified_dropout(fit) or " ".join(str(err).split()))
    columns = [c for c in ("frequency", "recency", "T", "p_alive", "expected_purchases", "expected_spend", "clv",
                           "clv_lower", "clv_upper") if c in table.columns]
    status, caution, covers = "ok", "", "parameter uncertainty only"
    clv = table.attrs["clv_mean"]
    if error is not None:                             # the model's own error, beside the interval that omits it
        covers += f"; the model's holdout forecast was {abs(error):.1%} too {'low' if error < 0 else 'high'}"
        if abs(error) > HOLDOUT_TOLERANCE:
            status = "caution"
            caution = (f"the model predicted {abs(error):.1%} {'fewer' if error < 0 else 'more'} holdout purchases "
                       "than happened, an error the interval does not include")
    if not dropout:
        covers += f"; the {name} assumes that nobody leaves"
    if unidentified_dropout(fit):
        status, caution = "caution", unidentified_dropout(fit)
    out = Scores(_with_model(table[columns], name), alive, metrics, horizon, unit.label(horizon),
                 float(table["expected_purchases"].mean()), clv_mean=clv,
                 covers=covers, status=status, caution=caution, holdout_error=error,
                 holdout_expected=expected_holdout, holdout_actual=actual_holdout, model=name, dropout=dropout)
    out.metrics["expected_purchases_mean"] = out.expected_purchases_mean
    return out


def _without_clv(table, name, alive, metrics, horizon, unit, error, expected_holdout, actual_holdout, dropout,
                 reason: str) -> Scores:
    """The scores of a model whose CLV cannot be given with an interval (``reason``): P(alive) and the
    expected purchases of every customer, the CLV not estimable."""
    return Scores(_with_model(table, name), alive, metrics, horizon, unit.label(horizon),
                  float(table["expected_purchases"].mean()), status="not estimable", caution=reason,
                  holdout_error=error, holdout_expected=expected_holdout, holdout_actual=actual_holdout, model=name,
                  dropout=dropout)


def _with_model(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """``table`` with a first column ``model`` naming the model that scored each row."""
    out = table.copy()
    out.insert(0, "model", name)
    return out
