"""Model-checking tables for fitted BTYD models (the figures of Fader, Hardie & Lee 2005).

Every function returns a tidy DataFrame; ``relmkt_utils.plots.btyd`` draws them. The functions that
cut a transaction log into periods (:func:`repeat_transactions_over_time`, :func:`p_alive_history`) take
the period from the results (the one their summary recorded, :mod:`.base`); ``freq`` and
``freq_multiplier`` are needed only for a model that does not know its time unit, and a period whose
time unit contradicts the model's is a DataError.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import checked, instance, number, one_of
from ..core.errors import DataError, ParameterError
from ..core.time import FREQS, Period, day_number, same_unit
from . import engines
from .numpy_engine import customer_periods, log_days, runs
from .regularity import takes_litt

FITTED = instance(attributes=("p_alive", "expected_purchases"), text="fitted BTYD results (e.g. BetaGeo(...).fit())")


def history_period(results, freq, freq_multiplier, who: str) -> Period:
    """The period in which a history function cuts a log: the results' (from their summary), or the
    ``freq`` and ``freq_multiplier`` given for a model that has none. A given period whose time unit is not
    the model's is a DataError; ``freq`` alone keeps the model's unit (e.g. ``freq="W"`` for a week model:
    calendar weeks)."""
    if freq is not None:
        one_of(*FREQS).check(freq, "freq")
    if freq_multiplier is not None:
        number(0, low_open=True).check(freq_multiplier, "freq_multiplier")
    carried = getattr(results, "period", None)
    if freq is None and freq_multiplier is None:
        if carried is None:
            raise DataError(f"{who}: the model does not know its time unit; build it from an rfm_summary (which "
                            "records its period) or pass freq= and freq_multiplier= (e.g. freq='D', "
                            "freq_multiplier=7 for weeks measured in days)")
        return carried
    if freq is None:
        freq = carried.freq if carried is not None else "D"
    if freq_multiplier is None:
        freq_multiplier = (carried.time_unit.days / Period(freq).time_unit.days) if carried is not None else 1.0
    period = Period(freq, freq_multiplier)
    if carried is not None and not same_unit(period.time_unit, carried.time_unit):
        raise DataError(f"{who}: freq={freq!r}, freq_multiplier={freq_multiplier:g} measure time in "
                        f"{period.time_unit.label()}, but the model is in {carried.time_unit.label()} (from its "
                        "summary); leave freq and freq_multiplier out")
    return period


def check_summary_unit(summary: pd.DataFrame, results, who: str) -> None:
    """A summary recorded in another time unit than the model's: a DataError."""
    s = Period.of_attrs(getattr(summary, "attrs", None))
    m = getattr(results, "time_unit", None)
    if s is not None and m is not None and not same_unit(s.time_unit, m):
        raise DataError(f"{who}: the summary is in {s.time_unit.label()} and the model in {m.label()}; "
                        "summarise in the model's time unit")


@checked(results=FITTED)
def repeat_transactions_over_time(transactions, results, freq: str | None = None, observation_end=None,
                                  calibration_end=None, customer_col: str = "customer_id",
                                  date_col: str = "date", freq_multiplier: int | None = None, *,
                                  engine: str | None = None, **engine_options) -> pd.DataFrame:
    r"""Actual vs expected repeat transactions, period by period (FHL 2005, Figures 2 and 3).

    Purchases are cut to periods of ``freq`` and merged within a period, as in :func:`rfm_summary`;
    a customer's first period is her birth period :math:`b_i` and her later periods are repeat
    transactions. By period :math:`k` (counted from the first period of the log; a customer born in
    period :math:`b_i` then has :math:`T = k - b_i`, as in :func:`rfm_summary`) the model
    expects :math:`\sum_i E[X(k - b_i)]` cumulative repeat transactions, with :math:`E[X(t)]` the
    unconditional expectation for a new customer (``results.expected_purchases_new_customer``),
    summed over all customers born by then.

    The periods are the model's (:func:`history_period`: those of the summary it was fitted to, or
    ``freq`` and ``freq_multiplier`` for a model without a time unit). With ``freq_multiplier`` :math:`m`
    the model's time unit is :math:`m` periods: the expectation is evaluated at :math:`(k - b_i)/m` and the
    rows are blocks of :math:`m` periods (``freq="D", freq_multiplier=7``: weeks of the log, counted from
    its first day, as in the paper).

    ``transactions`` may be a pandas DataFrame or, as in :func:`rfm_summary`, Parquet/CSV files or a
    Spark DataFrame whose counts per period are made by DuckDB or Spark (``engine``, and
    ``memory_limit``, ``temp_directory``, ``threads``, ``spark`` in ``engine_options``).

    Returns one row per period or block (index ``period``: its start date) with columns ``k``
    (periods since the first), ``actual``, ``model`` (incremental), ``actual_cum``, ``model_cum``
    and ``calibration`` (True for periods on or before ``calibration_end``).
    """
    who = "repeat_transactions_over_time"
    period = history_period(results, freq, freq_multiplier, who)
    freq = period.freq
    if int(period.multiplier) != period.multiplier:
        raise ParameterError(f"{who}: the model's time unit must be a whole number of {freq} periods (freq_multiplier "
                             f"{period.multiplier:g}); summarise in days or weeks to track it")
    m = int(period.multiplier)
    if isinstance(transactions, pd.DataFrame) and engine in (None, "pandas"):
        p0, end_p, actual, births = _period_counts(transactions, period, observation_end, customer_col, date_col)
    else:  # a Parquet/CSV log or a Spark DataFrame: the counts come from DuckDB or Spark
        p0, end_p, actual, births = engines.period_counts(transactions, freq=freq, observation_end=observation_end,
                                                          customer_col=customer_col, date_col=date_col, engine=engine,
                                                          **engine_options)
    K = int(end_p - p0) + 1
    k = np.arange(K)
    # cumulative expectation at the end of period k: sum_b n_b E[X(k - b)]
    ex = np.asarray(results.expected_purchases_new_customer(k.astype(float) / m), dtype=float)
    model_cum = np.convolve(births, ex)[:K]
    actual_cum = np.cumsum(actual)
    ends = np.unique(np.r_[np.arange(m - 1, K, m), K - 1])  # last period of each block (the last may be shorter)
    block_starts = np.r_[0, ends[:-1] + 1]
    out = pd.DataFrame({
        "k": np.arange(ends.size),
        "actual": np.diff(np.r_[0.0, actual_cum[ends]]),
        "model": np.diff(np.r_[0.0, model_cum[ends]]),
        "actual_cum": actual_cum[ends],
        "model_cum": model_cum[ends],
    }, index=pd.DatetimeIndex([period.start(p0 + i) for i in block_starts], name="period"))
    if calibration_end is not None:
        cal_p = period.codes(day_number(calibration_end, f"{who}: calibration_end"))
        out["calibration"] = (p0 + ends) <= cal_p
    else:
        out["calibration"] = True
    out.attrs.update(period.attrs())          # rows are blocks of the model's time unit
    return out


def _period_counts(transactions, period: Period, observation_end, customer_col, date_col):
    """(first period of the log, last period, repeat transactions per period, births per period)."""
    for col in (customer_col, date_col):
        if col not in transactions.columns:
            raise DataError(f"repeat_transactions_over_time: transactions has no column {col!r}")
    days = log_days(transactions[date_col])
    codes, _ = pd.factorize(transactions[customer_col])
    codes_p = period.codes(days)
    end_day = int(days.max()) if observation_end is None else day_number(observation_end, "observation_end")
    end_p = int(period.codes(end_day))
    keep = codes_p <= end_p
    c, p, _ = customer_periods(codes[keep], codes_p[keep], None)
    starts = runs(c)
    is_first = np.zeros(c.size, dtype=bool)
    is_first[starts] = True
    p0 = int(p.min())
    K = int(end_p - p0) + 1
    actual = np.bincount(p[~is_first] - p0, minlength=K)[:K].astype(float)
    births = np.bincount(p[starts] - p0, minlength=K)[:K].astype(float)
    return p0, end_p, actual, births


@checked(results=FITTED, max_frequency=number(1, integer=True))
def calibration_vs_holdout(summary: pd.DataFrame, results, max_frequency: int = 7) -> pd.DataFrame:
    r"""Mean holdout purchases by calibration frequency: actual vs the model's conditional expectation
    :math:`E[Y(t^*) \mid x, t_x, T]` with :math:`t^*` = ``duration_holdout`` (FHL 2005, Figure 4).

    ``summary`` is :func:`rfm_summary` with ``calibration_end`` (columns frequency, recency, T,
    frequency_holdout, duration_holdout). Frequencies above ``max_frequency`` are pooled into one row
    labelled ``max_frequency`` (read it as "max_frequency or more").

    Returns index ``frequency`` with ``n_customers``, ``actual`` and ``model``."""
    need = {"frequency", "recency", "T", "frequency_holdout", "duration_holdout"}
    if not isinstance(summary, pd.DataFrame):
        raise DataError(f"calibration_vs_holdout: summary must be a DataFrame (rfm_summary with calibration_end), "
                        f"got {type(summary).__name__}")
    check_summary_unit(summary, results, "calibration_vs_holdout")
    if not need <= set(summary.columns):
        raise DataError(f"calibration_vs_holdout: summary lacks columns {sorted(need - set(summary.columns))}")
    t_star = summary["duration_holdout"].to_numpy(float)
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    expected = np.empty(len(summary))
    # a model with covariates: the summary is its fitted customers, whose covariates go with them
    cov = results.model.covariate_frame() if hasattr(results.model, "covariate_frame") else None
    regular = "litt" in summary.columns and takes_litt(results)
    for t in np.unique(t_star):
        sel = t_star == t
        kw = {} if cov is None else {k: v.iloc[np.flatnonzero(sel)] for k, v in cov.items()}
        if regular:                                   # the Pareto/GGG's predictions use each customer's gaps
            kw["litt"] = summary["litt"].to_numpy(float)[sel]
        expected[sel] = np.asarray(results.expected_purchases(t, x[sel], tx[sel], T[sel], **kw), dtype=float)
    group = np.minimum(x, max_frequency).astype(int)
    df = pd.DataFrame({"frequency": group, "actual": summary["frequency_holdout"].to_numpy(float), "model": expected})
    out = df.groupby("frequency").agg(n_customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
    return out


@checked(results=FITTED, T=number(0, low_open=True), max_frequency=number(0, integer=True, none=True),
         max_recency=number(0, none=True))
def p_alive_matrix(results, T: float, max_frequency: int | None = None, max_recency: float | None = None) -> pd.DataFrame:
    """P(alive) for every whole frequency 0..max_frequency (rows) and recency 0..max_recency (columns)
    of a customer observed for ``T`` periods. Cells with frequency 0 and recency > 0 cannot occur and are NaN."""
    return _matrix(lambda x, tx, TT: results.p_alive(x, tx, TT), results, T, max_frequency, max_recency)


@checked(results=FITTED, t=number(0), T=number(0, low_open=True),
         max_frequency=number(0, integer=True, none=True), max_recency=number(0, none=True))
def expected_purchases_matrix(results, t: float, T: float, max_frequency: int | None = None,
                              max_recency: float | None = None) -> pd.DataFrame:
    """Conditional expected purchases in the next ``t`` periods over the frequency x recency grid
    (rows frequency, columns recency) for customers observed for ``T`` periods."""
    return _matrix(lambda x, tx, TT: results.expected_purchases(t, x, tx, TT), results, T, max_frequency, max_recency)


def _matrix(fn, results, T, max_frequency, max_recency):
    T = float(T)
    if max_frequency is None:
        max_frequency = int(max(1, np.quantile(results.model.frequency, 0.99)))
    if max_recency is None:
        max_recency = T
    rec = np.arange(0, int(np.floor(min(max_recency, T))) + 1, dtype=float)
    freqs = np.arange(0, int(max_frequency) + 1, dtype=float)
    X, R = np.meshgrid(freqs, rec, indexing="ij")
    valid = ~((X == 0) & (R > 0))
    vals = np.full(X.shape, np.nan)
    vals[valid] = np.asarray(fn(X[valid], R[valid], np.full(valid.sum(), T)), dtype=float)
    return pd.DataFrame(vals, index=pd.Index(freqs.astype(int), name="frequency"), columns=pd.Index(rec, name="recency"))


def p_alive_summary(p_alive, frequency) -> dict:
    """Mean P(alive) read with its caveat: under the BG/NBD a customer without a repeat purchase is
    alive with probability 1 (she can only drop out right after a repeat purchase), so the mean over
    all customers is pulled up by the one-time buyers. Returns the mean over all customers, over the
    repeat buyers, and the share of customers without a repeat purchase."""
    p = np.asarray(p_alive, dtype=float)
    x = np.asarray(frequency, dtype=float)
    repeat = x > 0
    return {"p_alive_mean": float(p.mean()),
            "p_alive_mean_repeat_buyers": float(p[repeat].mean()) if repeat.any() else float("nan"),
            "one_time_buyer_share": float(1 - repeat.mean())}


# ------------------------------------------------------------------------------ checks Lifetimes users know
@checked(results=instance(attributes=("pmf",), text="fitted BTYD results with a pmf (e.g. BetaGeo(...).fit())"),
         max_frequency=number(1, integer=True))
def period_transactions(results, max_frequency: int = 7) -> pd.DataFrame:
    r"""Period-transactions histogram: how many calibration customers made 0, 1, ..., ``max_frequency``
    or more repeat purchases, actual vs the model (Fader, Hardie & Lee 2007, "Creating a fit histogram for
    the BG/NBD model", brucehardie.com/notes/014; Lifetimes' ``plot_period_transactions``).

    The model expects :math:`E_n = \sum_i P(X(T_i) = n)` customers with *n* repeat purchases: each
    customer observed for her own :math:`T_i` (the model's pmf; per customer at her own parameters for a
    model with covariates), and :math:`E_{k+} = N - \sum_{n<k} E_n` in the last cell.
    Returns index ``frequency`` (0..k; the last row is "k or more") with ``actual``, ``model`` and
    ``label`` ("0", ..., "7+"); ``attrs["n_params"]`` is the number of fitted parameters."""
    k = int(max_frequency)
    m = results.model
    if m is None:
        raise DataError("period_transactions: these results carry no customers (loaded from a file); fit the model "
                        "to the summary to compare with it")
    x, T = np.asarray(m.frequency, dtype=float), np.asarray(m.T, dtype=float)
    w = np.ones_like(x) if m.weights is None else np.asarray(m.weights, dtype=float)
    N = float(w.sum())
    pmf = results.pmf
    expected = np.empty(k + 1)
    if hasattr(m, "covariate_frame"):          # each customer at her own parameters
        for n in range(k):
            expected[n] = w @ np.asarray(pmf(T, float(n)), dtype=float)
    else:                                      # once per distinct T
        uT, inv = np.unique(T, return_inverse=True)
        wT = np.bincount(inv, weights=w)
        for n in range(k):
            expected[n] = wT @ np.asarray(pmf(uT, float(n)), dtype=float)
    expected[k] = N - expected[:k].sum()
    actual = np.bincount(np.minimum(x, k).astype(int), weights=w, minlength=k + 1)[: k + 1]
    out = pd.DataFrame({"actual": actual, "model": expected,
                        "label": [str(n) for n in range(k)] + [f"{k}+"]},
                       index=pd.Index(np.arange(k + 1), name="frequency"))
    out.attrs["n_params"] = int(len(results.params))
    return out


@checked(n_params=number(0, integer=True, none=True), min_expected=number(0, low_open=True))
def chi_square_fit(table: pd.DataFrame, n_params: int | None = None, min_expected: float = 5.0) -> dict:
    r"""Pearson chi-square goodness of fit of a histogram (:func:`period_transactions`):
    :math:`\chi^2 = \sum_c (O_c - E_c)^2/E_c` over cells pooled (neighbours merged, from the top) until each
    expects at least ``min_expected`` customers, on df = cells - 1 - parameters (the parameters were fitted
    to the same customers). Returns statistic, df, pvalue, cells and a sentence (p NaN when df < 1)."""
    from scipy import stats

    n_params = int(table.attrs.get("n_params", 0) if n_params is None else n_params)
    obs, exp = table["actual"].to_numpy(float), table["model"].to_numpy(float)
    groups_o, groups_e = [], []
    o_acc = e_acc = 0.0
    for o, e in zip(obs[::-1], exp[::-1]):      # from the tail, where expected counts are small
        o_acc, e_acc = o_acc + o, e_acc + e
        if e_acc >= min_expected:
            groups_o.append(o_acc)
            groups_e.append(e_acc)
            o_acc = e_acc = 0.0
    if e_acc > 0 or o_acc > 0:
        if groups_e:
            groups_o[-1] += o_acc
            groups_e[-1] += e_acc
        else:
            groups_o, groups_e = [o_acc], [e_acc]
    O, E = np.array(groups_o), np.array(groups_e)
    stat = float(np.sum((O - E) ** 2 / E))
    df = len(O) - 1 - n_params
    p = float(stats.chi2.sf(stat, df)) if df >= 1 else float("nan")
    if df >= 1:
        ptxt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        sentence = (f"Chi-square {stat:.1f} on {df} df ({len(O)} cells after pooling those expecting fewer than "
                    f"{min_expected:g} customers, minus 1, minus {n_params} fitted parameters), {ptxt}.")
    else:
        sentence = (f"Chi-square {stat:.1f} over {len(O)} cells; too few cells for a test after {n_params} fitted "
                    "parameters (raise max_frequency).")
    return {"statistic": stat, "df": int(df), "pvalue": p, "cells": int(len(O)), "sentence": sentence}


def tracking_mape(table: pd.DataFrame) -> pd.DataFrame:
    r"""Mean absolute percentage error of the tracking curves of :func:`repeat_transactions_over_time`:
    :math:`100\,\mathrm{mean}_k |\hat y_k - y_k| / y_k` over the periods with :math:`y_k > 0`, for the
    cumulative and the incremental curve, in calibration and in holdout. Returns one row per curve and
    period with ``mape_pct`` and ``n_periods`` (periods used)."""
    rows = []
    cal = table["calibration"].to_numpy(bool) if "calibration" in table else np.ones(len(table), bool)
    for curve, (a, mcol) in {"cumulative": ("actual_cum", "model_cum"), "incremental": ("actual", "model")}.items():
        for period, sel in (("calibration", cal), ("holdout", ~cal)):
            y, yhat = table[a].to_numpy(float)[sel], table[mcol].to_numpy(float)[sel]
            ok = y > 0
            mape = float(100 * np.mean(np.abs(yhat[ok] - y[ok]) / y[ok])) if ok.any() else float("nan")
            rows.append({"curve": curve, "period": period, "mape_pct": mape, "n_periods": int(ok.sum())})
    return pd.DataFrame(rows)


def model_check_summary(histogram: pd.DataFrame | None = None, tracking: pd.DataFrame | None = None,
                        n_params: int | None = None) -> pd.DataFrame:
    """One table of the fit checks: the chi-square of the period-transactions histogram
    (:func:`period_transactions`, :func:`chi_square_fit`) and the tracking MAPE of the cumulative and
    incremental curves in calibration and holdout (:func:`tracking_mape`). Columns ``check``, ``value``,
    ``df``, ``p_value``, ``detail``; checks without their table are left out."""
    rows = []
    if histogram is not None:
        c = chi_square_fit(histogram, n_params)
        rows.append({"check": "period-transactions histogram: chi-square", "value": c["statistic"], "df": c["df"],
                     "p_value": c["pvalue"], "detail": c["sentence"]})
    if tracking is not None:
        for r in tracking_mape(tracking).itertuples():
            rows.append({"check": f"{r.curve} repeat transactions, {r.period}: MAPE (%)", "value": r.mape_pct,
                         "df": np.nan, "p_value": np.nan,
                         "detail": f"mean absolute percentage error over {r.n_periods} periods with purchases"})
    return pd.DataFrame(rows, columns=["check", "value", "df", "p_value", "detail"])


@checked(results=FITTED)
def p_alive_history(transactions: pd.DataFrame, results, customer_id, freq: str | None = None,
                    freq_multiplier: float | None = None, observation_end=None, customer_col: str = "customer_id",
                    date_col: str = "date") -> pd.DataFrame:
    r"""P(alive) of one customer over time, as her history unfolds (Lifetimes' ``calculate_alive_path``).

    On every period from her first purchase to ``observation_end`` (default: the last date of the log),
    her history so far is summarised as :func:`rfm_summary` would, in the model's period (that of the
    summary it was fitted to, :func:`history_period`; ``freq`` and ``freq_multiplier`` only for a model
    without one: purchases merged per ``freq`` period, recency and T in periods divided by
    ``freq_multiplier``), and the model's :math:`P(\text{alive} \mid x, t_x, T)` is evaluated at it: it
    jumps up at each purchase and decays while she stays away. A model with covariates uses her fitted
    covariates.

    Returns one row per period (index ``date``: the period's start) with ``T``, ``frequency``,
    ``recency``, ``p_alive`` and ``purchase`` (True in periods with a purchase)."""
    period = history_period(results, freq, freq_multiplier, "p_alive_history")
    freq_multiplier = period.multiplier
    if not isinstance(transactions, pd.DataFrame):
        raise DataError(f"p_alive_history: transactions must be a DataFrame (the log), got {type(transactions).__name__}")
    for col in (customer_col, date_col):
        if col not in transactions.columns:
            raise DataError(f"p_alive_history: transactions has no column {col!r}")
    mine = transactions[customer_col] == customer_id
    if not mine.any():
        raise DataError(f"p_alive_history: customer {customer_id!r} has no transaction")
    end_day = (int(log_days(transactions[date_col]).max()) if observation_end is None
               else day_number(observation_end, "p_alive_history: observation_end"))
    periods = np.unique(period.codes(log_days(transactions.loc[mine, date_col])))
    end_p = int(period.codes(end_day))
    periods = periods[periods <= end_p]
    if periods.size == 0:
        raise DataError(f"p_alive_history: customer {customer_id!r} has no transaction by the observation end")
    grid = np.arange(periods[0], end_p + 1)
    k = np.searchsorted(periods, grid, side="right") - 1
    x = k.astype(float)
    tx = (periods[k] - periods[0]) / freq_multiplier
    T = (grid - periods[0]) / freq_multiplier
    kw = results.customer_covariates(customer_id) if hasattr(results, "customer_covariates") else {}
    p = np.asarray(results.p_alive(x, tx, T, **kw), dtype=float)
    out = pd.DataFrame({"T": T, "frequency": x, "recency": tx, "p_alive": p, "purchase": np.isin(grid, periods)},
                       index=pd.DatetimeIndex([period.start(int(g)) for g in grid], name="date"))
    out.attrs.update(period.attrs())          # T and recency are in this period's time unit
    return out


@checked(alpha=number(0, 1, low_open=True, high_open=True), method=one_of("pearson", "spearman"))
def spend_frequency_check(summary: pd.DataFrame, alpha: float = 0.05, method: str = "pearson") -> pd.DataFrame:
    r"""The Gamma-Gamma model's independence assumption: among repeat buyers, is the average spend per
    purchase (``monetary_value``) correlated with the number of repeat purchases (``frequency``)?

    Pearson's r with the Fisher-z interval :math:`\tanh(\operatorname{atanh} r \pm z/\sqrt{n-3})`, or
    Spearman's rho (``method="spearman"``, robust to the long tail of spend) with the Fieller, Hartley &
    Pearson (1957) standard error :math:`\sqrt{1.06/(n-3)}` on the z scale. Fader, Hardie & Lee (2005,
    "RFM and CLV", *JMR*) report a correlation of 0.11 for CDNOW and judge the assumption tenable.
    Returns one row: ``n``, ``correlation``, ``lower``, ``upper``, ``p_value``, ``method`` and ``sentence``."""
    from scipy import stats

    from ..core.estimate import z_value

    if method not in ("pearson", "spearman"):
        raise ParameterError(f"spend_frequency_check: method must be 'pearson' or 'spearman', got {method!r}")
    for col in ("frequency", "monetary_value"):
        if col not in summary.columns:
            raise DataError(f"spend_frequency_check: summary has no column {col!r}")
    rep = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    n = len(rep)
    if n < 4:
        raise DataError(f"spend_frequency_check: {n} repeat buyers with a positive spend; a correlation needs at least 4")
    f, mv = rep["frequency"].to_numpy(float), rep["monetary_value"].to_numpy(float)
    if np.ptp(f) == 0 or np.ptp(mv) == 0:
        raise DataError("spend_frequency_check: frequency or monetary_value is constant among repeat buyers; "
                        "no correlation can be computed")
    if method == "pearson":
        r, p = stats.pearsonr(f, mv)
        se = 1 / np.sqrt(n - 3)
    else:
        r, p = stats.spearmanr(f, mv)
        se = np.sqrt(1.06 / (n - 3))
    r, p = float(r), float(p)
    z = z_value(alpha)
    zr = np.arctanh(np.clip(r, -0.999999, 0.999999))
    lo, hi = float(np.tanh(zr - z * se)), float(np.tanh(zr + z * se))
    level = int(round(100 * (1 - alpha)))
    name = "Pearson correlation" if method == "pearson" else "Spearman rank correlation"
    if lo <= 0 <= hi:
        verdict = "consistent with the independence the Gamma-Gamma model assumes"
    elif -0.3 < lo and hi < 0.3:
        verdict = ("weak: the Gamma-Gamma model's independence assumption is a fair approximation "
                   "(Fader, Hardie & Lee 2005 accept 0.11 for CDNOW)")
    else:
        verdict = ("too strong for the Gamma-Gamma model, which assumes independence: its spend of frequent "
                   "buyers will be biased; fit spend by segment or check the CLV of heavy buyers")
    sentence = (f"Among {n:,} repeat buyers the {name} of the number of repeat purchases and the average spend "
                f"per purchase is {r:.2f} ({level}% CI {lo:.2f} to {hi:.2f}): {verdict}.")
    return pd.DataFrame([{"n": n, "correlation": r, "lower": lo, "upper": hi, "p_value": p, "method": method,
                          "sentence": sentence}])
