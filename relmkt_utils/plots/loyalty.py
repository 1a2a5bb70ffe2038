"""Figures of the loyalty notebook (01): concentration, cohorts, survival, NPS, Dick & Basu.

Every function takes the result of a :mod:`relmkt_utils.loyalty` helper, draws on ``ax`` (new
labelled axes when None) and returns the ``Axes``. Titles and axis labels carry units.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Rectangle

from . import group_colors, legend_outside, new_axes
from ..loyalty import (
    DICK_BASU_CELLS,
    CohortTable,
    DickBasuResult,
    KaplanMeier,
    lorenz_curve,
    top_share,
)


def plot_lorenz(values, ax=None, label: str = "customers", title: str | None = None):
    """Lorenz curve of revenue per customer with the line of equality and the 80/20 reference.

    The 80/20 rule is the point (80%, 20%): the bottom 80% of customers bring 20% of revenue. The
    observed top-20% share is written in the legend.
    """
    curve = lorenz_curve(values)
    share = top_share(values, 0.2)
    ax = new_axes(title or "Revenue concentration (Lorenz curve)",
                  "Cumulative share of customers, lowest spenders first (%)",
                  "Cumulative share of revenue (%)", ax=ax)
    ax.plot(100 * curve["customer_share"], 100 * curve["revenue_share"], color="#1f4e79", lw=2,
            label=f"{label}: top 20% bring {100 * share:.0f}% of revenue")
    ax.plot([0, 100], [0, 100], color="#8c8c8c", ls="--", lw=1, label="equality")
    ax.plot([0, 80, 100], [0, 20, 100], color="#c0504d", ls=":", lw=1.2, label="80/20 rule")
    ax.scatter([80], [20], color="#c0504d", zorder=3)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left")
    return ax


def plot_cohort_heatmap(cohorts: CohortTable, ax=None, max_months: int | None = 12, title: str | None = None):
    """Heatmap of the cohort retention matrix (share of the cohort buying, %)."""
    shares = cohorts.shares if max_months is None else cohorts.shares.iloc[:, : max_months + 1]
    n_rows = shares.shape[0]
    figsize = (max(7.5, 0.55 * shares.shape[1] + 2), max(3.5, 0.32 * n_rows + 1.5))
    ax = new_axes(title or "Cohort retention: share of each cohort buying (%)",
                  "Months since acquisition (months)", "Acquisition cohort (month)", ax=ax, figsize=figsize)
    data = 100 * shares
    data.index = data.index.astype(str)
    sns.heatmap(data, ax=ax, cmap="Blues", vmin=0, vmax=100, annot=shares.shape[1] <= 13 and n_rows <= 24,
                fmt=".0f", cbar_kws={"label": "customers buying (%)"}, mask=data.isna())
    ax.set_xlabel("Months since acquisition (months)")
    ax.set_ylabel("Acquisition cohort (month)")
    return ax


def plot_km(km: KaplanMeier, ax=None, ci: bool = True, title: str | None = None):
    """Kaplan-Meier curves per group (steps) with pointwise log(-log) confidence bands."""
    what = f" by {km.by.replace('_', ' ')}" if km.by else ""
    ax = new_axes(title or f"Customer survival (Kaplan-Meier){what}",
                  "Days since start (days)", "Share still active (%)", ax=ax)
    groups = list(km.curves.groupby("group", sort=False))
    for (name, c), col in zip(groups, group_colors(name for name, _ in groups)):
        med = km.medians.loc[name, "median"]
        lab = f"{name} (n={km.medians.loc[name, 'n']}, median " + (
            f"{med:.0f} d)" if np.isfinite(med) else "not reached)")
        ax.step(c["time"], 100 * c["survival"], where="post", color=col, lw=1.8, label=lab)
        if ci:
            ax.fill_between(c["time"], 100 * c["lower"], 100 * c["upper"], step="post",
                            color=col, alpha=0.15, lw=0)
    ax.set_ylim(0, 102)
    legend_outside(ax)
    return ax


def plot_interpurchase_hist(ipt: pd.DataFrame | pd.Series, ax=None, bins: int = 50,
                            max_days: float | None = None, title: str | None = None):
    """Histogram of inter-purchase times (days), with the median marked."""
    days = ipt["days"] if isinstance(ipt, pd.DataFrame) else pd.Series(ipt)
    days = days.to_numpy(dtype=float)
    if max_days is None:
        max_days = float(np.quantile(days, 0.99)) if days.size else 1.0
    ax = new_axes(title or "Time between purchases", "Days between consecutive purchase days (days)",
                  "Repeat purchases (count)", ax=ax)
    ax.hist(days[days <= max_days], bins=bins, color="#1f4e79", alpha=0.85)
    if days.size:
        med = float(np.median(days))
        ax.axvline(med, color="#c0504d", ls="--", lw=1.2, label=f"median {med:.0f} days")
        ax.legend()
    return ax


def plot_nps_bars(by_group: pd.DataFrame, ax=None, title: str | None = None):
    """NPS per group (points, -100..100) with its CI as error bars (from ``nps_by_group``)."""
    names = [", ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in by_group.index]
    ax = new_axes(title or "Net Promoter Score by group", "Group", "NPS (points, -100 to 100)", ax=ax)
    x = np.arange(len(names))
    err = np.vstack([by_group["nps"] - by_group["lower"], by_group["upper"] - by_group["nps"]])
    ax.bar(x, by_group["nps"], color=group_colors(names), yerr=err, capsize=4)
    for xi, (v, n) in enumerate(zip(by_group["nps"], by_group["n"])):
        ax.annotate(f"{v:.0f}\n(n={n})", (xi, v), textcoords="offset points",
                    xytext=(12, 4 if v >= 0 else -22), fontsize=8)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(x, names)
    return ax


def plot_dick_basu(result: DickBasuResult, ax=None, title: str | None = None):
    """Dick & Basu 2x2: customers and revenue share per cell (attitude x repeat patronage)."""
    ax = new_axes(title or "Dick & Basu loyalty matrix", "Repeat patronage (purchase days)",
                  "Relative attitude (survey score)", ax=ax)
    cells = result.cells
    pos = {"true loyalty": (1, 1), "latent loyalty": (0, 1), "spurious loyalty": (1, 0), "no loyalty": (0, 0)}
    shade = {"true loyalty": "#4f9d69", "latent loyalty": "#5b9bd5", "spurious loyalty": "#e39b2d",
             "no loyalty": "#bfbfbf"}
    for name in DICK_BASU_CELLS:
        x, y = pos[name]
        ax.add_patch(Rectangle((x, y), 1, 1, facecolor=shade[name], alpha=0.35, edgecolor="white", lw=2))
        row = cells.loc[name]
        text = f"{name}\n{int(row['customers'])} customers ({100 * row['share_customers']:.0f}%)"
        if np.isfinite(row["share_revenue"]):
            text += f"\nrevenue share {100 * row['share_revenue']:.0f}%"
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize=9)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    thr_p, thr_a = result.patronage_threshold, result.attitude_threshold
    ax.set_xticks([0.5, 1.5], [f"low (<= {thr_p:g})", f"high (> {thr_p:g})"])
    ax.set_yticks([0.5, 1.5], [f"low (< {thr_a:g})", f"high (>= {thr_a:g})"])
    ax.grid(False)
    return ax
