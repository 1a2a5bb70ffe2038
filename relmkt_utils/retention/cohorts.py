r"""Retention in a dataset: survivors per acquisition cohort, and retention vs acquisition cost.

Survivors per cohort
--------------------
Customers are grouped by the period (month, quarter or year) of acquisition: ``acquired_at`` from
the customers table, else the first purchase. Periods since acquisition are t = 0, 1, 2, ...
(t = 0 is the acquisition period itself).

**Definition (non-contractual data).** Churn is not observed when customers simply stop buying. A
customer of a cohort counts as *alive at the start of period t* (t >= 1) when she makes at least one
purchase in period t or later; at t = 0 every acquired customer counts. The counts n_0 >= n_1 >= ...
are then survivors in the sense of the shifted-beta-geometric model (Fader & Hardie 2007) and can be
fitted per cohort (:func:`fit_cohorts`).

Caveats that follow from the definition:

* the last observed periods are biased *down*: a customer alive at t whose next purchase falls after
  the observation end looks dead. ``exclude_last`` hides the last k periods of every cohort; with
  inter-purchase gaps around one period, k = 1 removes most of the bias;
* a partly observed final period counts as observed;
* periods a cohort has not yet reached are NaN (a cohort acquired in the last period has n_0 only).

Survivors given as a table
--------------------------
A dataset's canonical ``cohorts`` table (cohort, period, survivors, optional segment; contractual
data such as Fader & Hardie's 2007 cohorts) holds the counts directly: :func:`survivor_curves` turns
it into one array n_0..n_T per cohort for :class:`~.sbg.ShiftedBetaGeometric` and
:func:`~.sbg.compare_projections`, and :func:`survivor_table` into the wide table of
:func:`cohort_survivors` for :func:`fit_cohorts` and :func:`fit_pooled`.

Costs
-----
:func:`retention_vs_acquisition_cost` sets the retention cost per *retained* customer (spend table:
sum retention_spend / sum retained_customers, Blattberg & Deighton's R/r) beside the acquisition cost
per new customer, overall (spend table) and per channel (customers table, mean acquisition_cost).
Such average-cost ratios (the "5-25x" of the source material) say nothing about where the next unit
of money should go: marginal returns decide (Pfeifer 2005, *J. Database Marketing & Customer
Strategy Management*), which is what :mod:`relmkt_utils.retention.allocation` computes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import ALPHA, TEXT, checked, dataframe, instance, number, one_of
from ..core.errors import DataError, ParameterError, Problem
from ..data.tables import CHANNELS
from ..core.clv import equivalent_retention
from ..core.purchases import acquisition_days, to_datetime_days
from .sbg import GeometricRetention, PooledShiftedBetaGeometric, SBGResults, ShiftedBetaGeometric

PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}


def _period_number(dates: pd.Series, period: str) -> pd.Series:
    d = pd.to_datetime(dates)
    y, m = d.dt.year, d.dt.month
    if period == "month":
        return y * 12 + (m - 1)
    if period == "quarter":
        return y * 4 + (m - 1) // 3
    return y


def _acquisition_dates(transactions: pd.DataFrame, customers: pd.DataFrame | None) -> pd.Series:
    """Acquisition dates by customer id (:func:`relmkt_utils.core.purchases.acquisition_days`)."""
    days = acquisition_days(transactions, customers)
    return pd.Series(to_datetime_days(days.to_numpy()), index=days.index)


@checked(transactions=dataframe(), customers=dataframe(none=True), period=one_of(*PERIODS),
         group=instance(str, none=True), exclude_last=number(0, integer=True))
def cohort_survivors(transactions: pd.DataFrame, customers: pd.DataFrame | None = None, period: str = "quarter",
                     observation_end=None, group: str | None = None, exclude_last: int = 0) -> pd.DataFrame:
    """Customers of each acquisition cohort alive at the start of periods t = 0, 1, ... since acquisition.

    Rows: cohort (a pandas Period of the acquisition date), or (group, cohort) when ``group`` names a
    customers-table column such as ``channel`` or ``relationship_level``. Columns: t = 0..K (ints).
    Alive at t >= 1 = at least one purchase in period t or later (see the module docstring); n_0 = all
    acquired. ``observation_end`` defaults to the last transaction date.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame or None
        the customers table (acquisition dates, groups); default: acquisition = first purchase.
    period : {'month', 'quarter', 'year'}, default 'quarter'
        calendar period of the cohorts.
    observation_end : date-like or None
        end of the observation window; default: the last transaction date.
    group : str or None, default None
        a customers column to split by (e.g. ``'channel'``, ``'relationship_level'``).
    exclude_last : int, default 0
        number of last periods of each cohort hidden (their survivors are biased down: a customer's next
        purchase may fall after the observation end).
    """
    if period not in PERIODS:
        raise ParameterError(f"period must be one of {list(PERIODS)}; got {period!r}")
    if exclude_last < 0:
        raise ParameterError("exclude_last must be >= 0")
    tx = transactions[["customer_id", "date"]].copy()
    tx["date"] = pd.to_datetime(tx["date"])
    if tx.empty:
        raise ParameterError("the transactions table is empty: no cohort to count")
    end = pd.Timestamp(observation_end) if observation_end is not None else tx["date"].max()
    tx = tx[tx["date"] <= end]
    acq = _acquisition_dates(tx, customers)
    acq = acq[acq.notna() & (acq <= end)]
    info = pd.DataFrame({"acquired": acq})
    info["cohort_no"] = _period_number(info["acquired"], period)
    info["cohort"] = info["acquired"].dt.to_period(PERIODS[period])
    last_no = _period_number(tx.groupby("customer_id")["date"].max(), period)
    info["last_rel"] = (last_no.reindex(info.index) - info["cohort_no"]).fillna(-1).astype(int)
    if group is not None:
        if customers is None or group not in customers.columns:
            raise ParameterError(f"group column {group!r} is not in the customers table")
        info[group] = customers.set_index("customer_id")[group].reindex(info.index)
        info = info[info[group].notna()]
    end_no = int(_period_number(pd.Series([end]), period).iloc[0])
    K = int(end_no - info["cohort_no"].min())
    t = np.arange(K + 1)
    keys = ["cohort"] if group is None else [group, "cohort"]
    rows, index = [], []
    for key, sub in info.groupby(keys, sort=True):
        horizon = end_no - int(sub["cohort_no"].iloc[0]) - exclude_last
        last = sub["last_rel"].to_numpy()
        counts = np.where(t == 0, len(sub), (last[None, :] >= t[:, None]).sum(axis=1)).astype(float)
        counts[t > max(horizon, 0)] = np.nan
        rows.append(counts)
        index.append(key if group is not None else key[0] if isinstance(key, tuple) else key)
    idx = pd.MultiIndex.from_tuples(index, names=keys) if group is not None else pd.Index(index, name="cohort")
    return pd.DataFrame(rows, index=idx, columns=pd.Index(t, name="periods_since_acquisition"))


@checked(transactions=dataframe(), customers=dataframe(none=True), period=one_of(*PERIODS))
def revenue_per_alive_period(transactions: pd.DataFrame, customers: pd.DataFrame | None = None,
                             period: str = "quarter", observation_end=None) -> pd.Series:
    """Revenue per customer-period alive, in the sense of :func:`cohort_survivors`.

    A customer is alive in periods t = 0..L since acquisition, L the period of her last purchase,
    so she counts L + 1 alive periods; revenue per alive period = total revenue / total alive
    periods. Times a margin rate it is the margin m per alive customer per period that turns an sBG
    survival curve fitted to the same cohorts into a CLV (m x DEL). Returns ``revenue``,
    ``alive_periods``, ``customers`` and ``revenue_per_alive_period``.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame or None, default None
        the customers table (acquisition dates).
    period : {'month', 'quarter', 'year'}, default 'quarter'
        calendar period of the cohorts.
    observation_end : date-like or None
        end of the observation window; default: the last transaction date.
    """
    if period not in PERIODS:
        raise ParameterError(f"period must be one of {list(PERIODS)}; got {period!r}")
    tx = transactions[["customer_id", "date", "amount"]].copy()
    tx["date"] = pd.to_datetime(tx["date"])
    if observation_end is not None:
        tx = tx[tx["date"] <= pd.Timestamp(observation_end)]
    if tx.empty:
        raise ParameterError("the transactions table is empty: no revenue to count")
    acq = _acquisition_dates(tx, customers).reindex(tx["customer_id"].unique())
    last = _period_number(tx.groupby("customer_id")["date"].max(), period)
    alive = (last - _period_number(acq.reindex(last.index), period)).clip(lower=0) + 1
    revenue = float(pd.to_numeric(tx["amount"]).sum())
    periods = float(alive.sum())
    return pd.Series({"revenue": revenue, "alive_periods": periods, "customers": float(len(alive)),
                      "revenue_per_alive_period": revenue / periods})


@checked(table=dataframe())
def cohort_curve(table: pd.DataFrame, row) -> np.ndarray:
    """The observed survivors n_0..n_T of one row of :func:`cohort_survivors` (NaNs dropped).

    Parameters
    ----------
    table : DataFrame
        survivors per cohort as :func:`cohort_survivors` or :func:`survivor_table` lay them out (rows
        cohorts, columns periods 0, 1, ...).
    row : label
        index label of the cohort in ``table``.
    """
    s = table.loc[row].to_numpy(dtype=float)
    return s[~np.isnan(s)]


@checked(table=dataframe(), min_periods=number(1, integer=True))
def fit_cohorts(table: pd.DataFrame, min_periods: int = 3) -> pd.DataFrame:
    """An sBG fit per cohort with at least ``min_periods`` observed periods after acquisition.

    Columns: ``n0``, ``periods`` (T), ``alpha``, ``beta``, ``alpha_se``, ``beta_se``, ``llf``,
    ``mean_churn`` (alpha/(alpha+beta)), ``retention_1`` and ``retention_T`` (r(1), r(T)), ``converged``.
    Cohorts with too few periods or nobody left after period 0 are skipped.

    Parameters
    ----------
    table : DataFrame
        survivors per cohort as :func:`cohort_survivors` or :func:`survivor_table` lay them out (rows
        cohorts, columns periods 0, 1, ...).
    min_periods : int, default 3
        least number of observed periods after acquisition for a cohort to count.
    """
    out = []
    for row in table.index:
        s = cohort_curve(table, row)
        if s.size - 1 < min_periods or s[-1] <= 0 or s[0] == s[-1]:
            continue
        res = ShiftedBetaGeometric(s).fit()
        T = s.size - 1
        out.append({"cohort": row, "n0": s[0], "periods": T, "alpha": res.alpha, "beta": res.beta,
                    "alpha_se": res.bse["alpha"], "beta_se": res.bse["beta"], "llf": res.llf,
                    "mean_churn": res.mean_churn(), "retention_1": float(res.retention_rate(1)),
                    "retention_T": float(res.retention_rate(T)), "converged": res.converged})
    cols = ["cohort", "n0", "periods", "alpha", "beta", "alpha_se", "beta_se", "llf", "mean_churn",
            "retention_1", "retention_T", "converged"]
    return pd.DataFrame(out, columns=cols).set_index("cohort")


def _usable_curves(table: pd.DataFrame, min_periods: int) -> list[np.ndarray]:
    curves = [cohort_curve(table, row) for row in table.index]
    return [s for s in curves if s.size - 1 >= min_periods and s[0] > 0]


@checked(table=dataframe(), min_periods=number(1, integer=True))
def fit_pooled(table: pd.DataFrame, min_periods: int = 1) -> SBGResults:
    """One sBG (alpha, beta) fitted to all cohorts of ``table`` with >= ``min_periods`` observed periods.

    Pooled maximum likelihood (:class:`relmkt_utils.retention.sbg.PooledShiftedBetaGeometric`): each
    cohort contributes its own right-censored likelihood, so young cohorts count for their early
    periods only. Raises :class:`ParameterError` when no cohort qualifies or nobody ever churns.

    Parameters
    ----------
    table : DataFrame
        survivors per cohort as :func:`cohort_survivors` or :func:`survivor_table` lay them out (rows
        cohorts, columns periods 0, 1, ...).
    min_periods : int, default 1
        least number of observed periods after acquisition for a cohort to count.
    """
    curves = _usable_curves(table, min_periods)
    if not curves:
        raise ParameterError(f"no cohort has {min_periods} or more observed periods after acquisition")
    if all(s[0] == s[-1] for s in curves):
        raise ParameterError("nobody churned in any cohort: the sBG model cannot be fitted")
    return PooledShiftedBetaGeometric(curves).fit()


@checked(table=dataframe(), discount_rate=number(0, low_open=True), min_periods=number(1, integer=True))
def sbg_by_group(table: pd.DataFrame, discount_rate: float, min_periods: int = 1) -> pd.DataFrame:
    """A pooled sBG per group of a ``cohort_survivors(..., group=...)`` table (index (group, cohort)).

    Columns: ``customers`` (sum of n_0), ``cohorts``, ``alpha``, ``beta``, ``alpha_se``, ``beta_se``,
    ``mean_churn`` (alpha/(alpha+beta)), ``retention_1`` and ``retention_4`` (r(1), r(4)),
    ``del`` (discounted expected lifetime in periods at ``discount_rate`` per period, Fader & Hardie
    2010) and ``equivalent_retention`` (the constant r with the same lifetime value,
    :func:`relmkt_utils.core.clv.equivalent_retention`). Groups that cannot be fitted are left out.

    Parameters
    ----------
    table : DataFrame
        a ``cohort_survivors(..., group=...)`` table (index group, cohort).
    discount_rate : float
        discount rate per period of the table, > 0.
    min_periods : int, default 1
        least number of observed periods after acquisition for a cohort to count.
    """
    if not isinstance(table.index, pd.MultiIndex):
        raise ParameterError("sbg_by_group needs a table from cohort_survivors(..., group=...)")
    rows = []
    for g, sub in table.groupby(level=0, sort=False):
        sub = sub.droplevel(0)
        curves = _usable_curves(sub, min_periods)
        if not curves or all(s[0] == s[-1] for s in curves):
            continue
        res = PooledShiftedBetaGeometric(curves).fit()
        life = res.discounted_expected_lifetime(discount_rate)
        rows.append({"group": g, "customers": float(sum(s[0] for s in curves)), "cohorts": len(curves),
                     "alpha": res.alpha, "beta": res.beta, "alpha_se": res.bse["alpha"], "beta_se": res.bse["beta"],
                     "mean_churn": res.mean_churn(), "retention_1": float(res.retention_rate(1)),
                     "retention_4": float(res.retention_rate(4)), "del": life,
                     "equivalent_retention": equivalent_retention(life, discount_rate)})
    cols = ["group", "customers", "cohorts", "alpha", "beta", "alpha_se", "beta_se", "mean_churn",
            "retention_1", "retention_4", "del", "equivalent_retention"]
    name = table.index.names[0]
    return pd.DataFrame(rows, columns=cols).set_index("group").rename_axis(name)


@checked(table=dataframe())
def pooled_retention(table: pd.DataFrame) -> pd.DataFrame:
    """Retention by tenure pooled over cohorts: r_t = sum n_t / sum n_{t-1} over cohorts observing both.

    Rows t = 1..K; columns ``at_risk`` (sum n_{t-1}), ``retained`` (sum n_t), ``retention``. Rising r_t
    is the heterogeneity signature the sBG model explains.

    Parameters
    ----------
    table : DataFrame
        survivors per cohort (rows) and period (columns), NaN where not observed.
    """
    v = table.to_numpy(dtype=float)
    prev, cur = v[:, :-1], v[:, 1:]
    both = ~np.isnan(prev) & ~np.isnan(cur)
    at_risk = np.where(both, prev, 0).sum(axis=0)
    kept = np.where(both, cur, 0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = kept / at_risk
    t = table.columns[1:]
    return pd.DataFrame({"at_risk": at_risk, "retained": kept, "retention": r}, index=pd.Index(t, name="period"))


@checked(table=dataframe())
def constant_retention(table: pd.DataFrame) -> float:
    """Pooled ML estimate of one constant retention rate: sum_t retained / sum_t at risk
    (:class:`~relmkt_utils.retention.GeometricRetention` over the cohorts of ``table``); 1.0 when nobody
    churned, NaN when no customer was at risk (as before the estimator was shared; its intervals and
    ``fit()`` refuse both).

    Parameters
    ----------
    table : DataFrame
        survivors per cohort (rows) and period (columns), NaN where not observed.
    """
    model = GeometricRetention(table)
    return model.retained / model.at_risk if model.at_risk > 0 else float("nan")


@checked(transactions=dataframe(), customers=dataframe(), group=TEXT, period=one_of(*PERIODS), exclude_last=number(0, integer=True),
         alpha=ALPHA)
def retention_by_group(transactions: pd.DataFrame, customers: pd.DataFrame, group: str = "relationship_level",
                       period: str = "year", exclude_last: int = 1, observation_end=None,
                       alpha: float = 0.05) -> pd.DataFrame:
    """Constant retention rate per group (e.g. Berry's relationship levels), pooled over cohorts.

    Columns: ``customers`` (acquired), ``at_risk`` (customer-periods), ``retention`` and its (1 - alpha)
    interval ``retention_lower`` / ``retention_upper``: the fit of
    :class:`~relmkt_utils.retention.GeometricRetention` to the group's cohorts, a Wald interval on the
    logit scale. A group where nobody (or everybody) churned has its observed rate and no interval (NaN).
    Feed ``retention`` to :func:`relmkt_utils.retention.equity.clv_by_relationship_level`.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame
        the customers table with the ``group`` column.
    group : str, default 'relationship_level'
        the customers column whose groups get one rate each.
    period : {'month', 'quarter', 'year'}, default 'year'
        calendar period of the cohorts.
    exclude_last : int, default 1
        number of last periods of each cohort hidden (their survivors are biased down: a customer's next
        purchase may fall after the observation end).
    observation_end : date-like or None
        end of the observation window; default: the last transaction date.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    tab = cohort_survivors(transactions, customers, period=period, group=group, exclude_last=exclude_last,
                           observation_end=observation_end)
    rows = []
    for g, sub in tab.groupby(level=0, sort=False):
        p = pooled_retention(sub)
        E, kept = p["at_risk"].sum(), p["retained"].sum()
        r, lo, hi = (kept / E if E > 0 else np.nan), np.nan, np.nan
        if 0 < kept < E:
            fit = GeometricRetention(sub).fit()
            r, (lo, hi) = fit.retention, fit.conf_int(alpha).loc["retention"]
        rows.append({group: g, "customers": sub[0].sum(), "at_risk": E, "retention": r,
                     "retention_lower": lo, "retention_upper": hi})
    return pd.DataFrame(rows).set_index(group)


@checked(spend=dataframe(none=True), customers=dataframe(none=True))
def retention_vs_acquisition_cost(spend: pd.DataFrame | None = None, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Retention cost per retained customer beside acquisition cost per new customer (overall and per channel).

    Columns: ``kind`` (retention / acquisition), ``source`` (spend / customers), ``channel``,
    ``customers``, ``total_cost``, ``cost_per_customer`` and ``ratio_to_retention`` (cost per customer
    divided by the retention cost per retained customer; NaN without a spend table).

    Parameters
    ----------
    spend : DataFrame or None, default None
        the spend table.
    customers : DataFrame or None, default None
        the customers table (its ``acquisition_cost`` and ``channel``).
    """
    if spend is None and customers is None:
        raise ParameterError("retention_vs_acquisition_cost needs a spend table, a customers table or both")
    rows = []
    if spend is not None:
        s = spend.apply(pd.to_numeric, errors="coerce") if not spend.empty else spend
        for kind, cost, n in (("retention", "retention_spend", "retained_customers"),
                              ("acquisition", "acquisition_spend", "new_customers")):
            total, count = float(s[cost].sum()), float(s[n].sum())
            rows.append({"kind": kind, "source": "spend", "channel": "all", "customers": count, "total_cost": total,
                         "cost_per_customer": total / count if count > 0 else np.nan})
    if customers is not None and "acquisition_cost" in customers.columns:
        c = customers.copy()
        c["acquisition_cost"] = pd.to_numeric(c["acquisition_cost"], errors="coerce")
        c = c[c["acquisition_cost"].notna()]
        groups = [("all", c)]
        if "channel" in c.columns:
            order = [ch for ch in CHANNELS if ch in set(c["channel"])] + \
                    sorted(set(c["channel"].dropna()) - set(CHANNELS))
            groups += [(ch, c[c["channel"] == ch]) for ch in order]
        for ch, sub in groups:
            rows.append({"kind": "acquisition", "source": "customers", "channel": ch, "customers": float(len(sub)),
                         "total_cost": float(sub["acquisition_cost"].sum()),
                         "cost_per_customer": float(sub["acquisition_cost"].mean()) if len(sub) else np.nan})
    out = pd.DataFrame(rows, columns=["kind", "source", "channel", "customers", "total_cost", "cost_per_customer"])
    ret = out.loc[out["kind"] == "retention", "cost_per_customer"]
    base = float(ret.iloc[0]) if len(ret) else np.nan
    out["ratio_to_retention"] = out["cost_per_customer"] / base
    return out


@checked(customers=dataframe(none=True), spend=dataframe(none=True), channel=instance(str, none=True))
def acquisition_cost(customers: pd.DataFrame | None = None, spend: pd.DataFrame | None = None,
                     channel: str | None = None) -> tuple[float, str]:
    """The acquisition cost per new customer (CAC) a dataset supports, and where it comes from.

    The mean ``acquisition_cost`` of the customers table (of one ``channel`` when given), else the
    spend table's acquisition spend per new customer, else 0 with a sentence saying that values built
    on it are gross of acquisition cost. Returns ``(cac, source)``.

    Parameters
    ----------
    customers : DataFrame or None, default None
        the customers table (its ``acquisition_cost``).
    spend : DataFrame or None, default None
        the spend table (acquisition spend per new customer).
    channel : str or None, default None
        keep only the customers of this channel.
    """
    if customers is not None and "acquisition_cost" in customers.columns:
        c = customers
        if channel is not None and "channel" in c.columns:
            c = c[c["channel"] == channel]
        cost = pd.to_numeric(c["acquisition_cost"], errors="coerce").dropna()
        if len(cost):
            where = f"{channel} customers" if channel else "customers"
            return float(cost.mean()), f"mean acquisition cost of the {where} (customers table)"
    if spend is not None and len(spend) and float(spend["new_customers"].sum()) > 0:
        return (float(spend["acquisition_spend"].sum() / spend["new_customers"].sum()),
                "acquisition spend per new customer (spend table)")
    return 0.0, "none in the data: values are gross of acquisition cost"


def _cohort_rows(cohorts: pd.DataFrame, segment: str | None) -> pd.DataFrame:
    """The rows of a cohorts table (of ``segment``), checked and sorted by cohort (first seen first) and period."""
    for col in ("cohort", "period", "survivors") + (("segment",) if segment is not None else ()):
        if col not in cohorts.columns:
            raise DataError(Problem("cohorts", f"required column '{col}' is missing", column=col))
    df = cohorts if segment is None else cohorts[cohorts["segment"] == segment]
    if df.empty:
        raise DataError(Problem("cohorts", "no rows" + (f" of segment {segment!r}" if segment is not None else ""),
                                column="segment" if segment is not None else None))
    df = df.assign(cohort=df["cohort"].astype(str), period=pd.to_numeric(df["period"]),
                   survivors=pd.to_numeric(df["survivors"]).astype(float))
    order = {c: i for i, c in enumerate(pd.unique(df["cohort"]))}
    df = df.assign(_order=df["cohort"].map(order)).sort_values(["_order", "period"], kind="stable")
    by = df.groupby("_order", sort=False)
    bad = df.loc[(df["period"] != by.cumcount()) | (by["survivors"].diff() > 0), "cohort"].unique()
    if bad.size:
        raise DataError(Problem("cohorts", "each cohort needs periods 0, 1, 2, ... once each and survivors that never "
                                "increase", column="period", detail="cohort " + ", ".join(map(repr, bad[:3]))))
    return df.drop(columns="_order")


@checked(cohorts=dataframe(), segment=instance(str, none=True))
def survivor_curves(cohorts: pd.DataFrame, segment: str | None = None) -> dict[str, np.ndarray]:
    """The survivors n_0, n_1, ..., n_T of each cohort of a canonical ``cohorts`` table.

    Returns ``{cohort: array}`` in the order the cohorts first appear, ready for
    ``ShiftedBetaGeometric(curve)`` or ``compare_projections(curve, calibration_periods=...)``.
    ``segment`` keeps only the cohorts of that segment. A DataError names the cohorts whose periods
    are not 0..T once each or whose survivors increase (``datasets.load`` has checked a shipped table).

    Parameters
    ----------
    cohorts : DataFrame
        the canonical cohorts table (``cohort``, ``period``, ``survivors``, optional ``segment``).
    segment : str or None, default None
        keep only the cohorts of this segment.
    """
    df = _cohort_rows(cohorts, segment)
    return {name: g["survivors"].to_numpy(dtype=float) for name, g in df.groupby("cohort", sort=False)}


@checked(cohorts=dataframe(), segment=instance(str, none=True))
def survivor_table(cohorts: pd.DataFrame, segment: str | None = None) -> pd.DataFrame:
    """The cohorts table as :func:`cohort_survivors` lays it out: one row per cohort, one column per
    period 0..T (NaN after a cohort's last period), for :func:`fit_cohorts`, :func:`fit_pooled` and
    :func:`pooled_retention`.

    Parameters
    ----------
    cohorts : DataFrame
        the canonical cohorts table (``cohort``, ``period``, ``survivors``, optional ``segment``).
    segment : str or None, default None
        keep only the cohorts of this segment.
    """
    curves = survivor_curves(cohorts, segment)
    width = max(c.size for c in curves.values())
    rows = [np.pad(c, (0, width - c.size), constant_values=np.nan) for c in curves.values()]
    return pd.DataFrame(rows, index=pd.Index(list(curves), name="cohort"), columns=list(range(width)))
