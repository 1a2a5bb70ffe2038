"""Figures of notebook 04 (retention vs acquisition, 维持老客户 / 吸引新客户; customer equity, 客户资产).

Each function draws on the axes it is given (or new ones from ``new_axes``) and returns them (a
``Figure`` for two-panel charts); every figure has a title and axis labels with units. Inputs are
the tables of ``relmkt_utils.retention``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import PALETTE, color_of, group_colors, legend_outside, new_axes


def survival_projection(comparison: pd.DataFrame, ax=None, period_unit: str = "year",
                        title: str = "Survivors: sBG vs constant-retention projection"):
    """Actual survivors and both projections of ``retention.compare_projections``; the dotted line ends
    the calibration period."""
    ax = new_axes(title, f"{period_unit}s since acquisition ({period_unit})", "customers alive (count)", ax=ax)
    t = comparison.index.to_numpy()
    cal = comparison["calibration"].to_numpy(bool)
    ax.plot(t[cal], comparison["actual"][cal], "o", color="#404040", label="actual (calibration)")
    ax.plot(t[~cal], comparison["actual"][~cal], "o", mfc="white", color="#404040", label="actual (holdout)")
    ax.plot(t, comparison["sbg"], "-", color=PALETTE[0], label="shifted-beta-geometric")
    ax.plot(t, comparison["geometric"], "--", color=PALETTE[1], label="constant retention")
    ax.axvline(t[cal].max(), color="#8c8c8c", ls=":", lw=1)
    ax.set_ylim(bottom=0)
    ax.legend()
    return ax


def retention_curves(comparison: pd.DataFrame, ax=None, period_unit: str = "year",
                     title: str = "Retention rate by tenure: r(t) rises through heterogeneity"):
    """Observed retention rates S(t)/S(t-1) and those of the sBG and constant models."""
    ax = new_axes(title, f"renewal number t ({period_unit})", "retention rate r(t) (share of customers)", ax=ax)
    c = comparison.iloc[1:]
    ax.plot(c.index, c["actual_retention"], "o", color="#404040", label="actual")
    ax.plot(c.index, c["sbg_retention"], "-", color=PALETTE[0], label="sBG: (β+t-1)/(α+β+t-1)")
    ax.plot(c.index, c["geometric_retention"], "--", color=PALETTE[1], label="constant retention")
    ax.legend()
    return ax


def cohort_survival(table: pd.DataFrame, ax=None, period_unit: str = "quarter", max_cohorts: int = 12,
                    title: str = "Share of each acquisition cohort still active", pooled=None):
    """Lines of n_t / n_0 per cohort (``retention.cohort_survivors``) that is observed beyond its first period;
    at most ``max_cohorts`` lines, the largest cohorts when there are more; ``pooled`` (a fitted sBG) adds its
    curve S(t), dashed."""
    from matplotlib.ticker import MaxNLocator

    ax = new_axes(title, f"{period_unit}s since acquisition ({period_unit})", "share of the cohort alive (%)", ax=ax)
    seen = table[table[1].notna()] if 1 in table.columns and table[1].notna().any() else table   # a renewal observed
    shown = seen.loc[seen[0].nlargest(max_cohorts).index.sort_values()] if len(seen) > max_cohorts else seen
    for key, row, col in zip(shown.index, shown.to_numpy(float), group_colors(map(str, shown.index))):
        ax.plot(table.columns, 100 * row / row[0], marker=".", color=col, label=str(key))
    if pooled is not None:
        t = np.asarray(table.columns, dtype=float)
        ax.plot(t, 100 * pooled.survival(t), "k--", lw=2.2, label="pooled sBG")
    ax.set_ylim(0, 102)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    legend_outside(ax, "cohort")
    return ax


def clv_cac_heatmap(grid: pd.DataFrame, ax=None, currency: str = "currency units",
                    title: str = "CLV minus acquisition cost (CAC) by retention and CAC", marker=None):
    """Heatmap of ``retention.clv_cac_grid`` with the break-even contour CLV = CAC; ``marker``
    (CAC, retention, label) puts a star where a dataset lies."""
    ax = new_axes(title, f"acquisition cost per customer, CAC ({currency})", "retention rate r (share per period)", ax=ax)
    x = grid.columns.to_numpy(float)
    y = grid.index.to_numpy(float)
    z = grid.to_numpy(float)
    lim = np.nanmax(np.abs(z))
    mesh = ax.pcolormesh(x, y, z, cmap="RdBu", vmin=-lim, vmax=lim, shading="nearest")
    ax.figure.colorbar(mesh, ax=ax, label=f"CLV - CAC ({currency})")
    if np.nanmin(z) < 0 < np.nanmax(z):
        ax.contour(x, y, z, levels=[0], colors="#202020", linewidths=1.2)
    if marker is not None:
        ax.plot(marker[0], marker[1], marker="*", ms=15, color="#f2c14e", mec="#202020", ls="none", label=marker[2])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8)
    return ax


def equity_surface(surface: pd.DataFrame, optimum=None, ax=None, currency: str = "currency units",
                   title: str = "Customer equity per prospect, CE(A, R)", points=()):
    """Filled contours of ``retention.equity_surface``; the optimum (``AllocationOptimum``) is marked, and
    each of ``points`` ((A, R, label, matplotlib marker), e.g. the firm's mean spends) too."""
    ax = new_axes(title, f"acquisition spend per prospect A ({currency})",
                  f"retention spend R ({currency} per customer)", ax=ax)
    A = surface.columns.to_numpy(float)
    R = surface.index.to_numpy(float)
    z = surface.to_numpy(float)
    lo = np.nanpercentile(z, 5)
    cs = ax.contourf(A, R, np.maximum(z, lo), levels=20, cmap="viridis")
    ax.figure.colorbar(cs, ax=ax, label=f"CE per prospect ({currency})")
    if optimum is not None:
        ax.plot(optimum.acquisition_spend, optimum.retention_spend, marker="*", ms=16, color="#c0504d",
                mec="white", ls="none",
                label=f"optimum A*={optimum.acquisition_spend:.3g}, R*={optimum.retention_spend:.3g}, "
                      f"CE*={optimum.equity_per_prospect:.3g}")
    for A, R, label, style in points:
        ax.plot(A, R, marker=style, ms=10, mew=2, color="#f2c14e" if style == "x" else "white", mec="#202020",
                ls="none", label=label)
    if optimum is not None or points:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, ncol=2)
    return ax


def response_curves(fit, figsize=(11, 4.2), currency: str = "currency units"):
    """Two panels: observed acquisition and retention rates vs spend per head with the fitted curves."""
    fig, axes = plt.subplots(1, 2, figsize=figsize)
    d, c = fit.data, fit.curves
    panels = [
        (axes[0], d["A"], d["a"], c.acquisition_rate, "Acquisition response a(A)",
         f"acquisition spend per prospect A ({currency})", "acquisition rate (new customers per prospect)", "paid"),
        (axes[1], d["R"], d["r"], c.retention_rate, "Retention response r(R)",
         f"retention spend per customer R ({currency})", "retention rate (share retained per period)", "structural"),
    ]
    for ax, x, y, f, title, xl, yl, col in panels:
        new_axes(title, xl, yl, ax=ax)
        ax.plot(x, y, "o", color=color_of(col), alpha=0.7, label="periods")
        grid = np.linspace(0, x.max() * 1.05, 200)
        ax.plot(grid, f(grid), "-", color="#202020", label="fitted curve")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.legend()
    fig.tight_layout()
    return fig


def cost_comparison(costs: pd.DataFrame, ax=None, currency: str = "currency units",
                    title: str = "Cost per retained customer vs cost per new customer"):
    """Bars of ``retention.retention_vs_acquisition_cost``: cost per customer by kind, source and channel."""
    ax = new_axes(title, f"cost per customer ({currency})", "what the money buys (source)", ax=ax)
    if "cost" in costs.columns:                       # the plain table of retention.cost_table
        labels, values = list(costs["cost"]), costs["cost per customer"]
        colors = [PALETTE[2] if text.startswith("keeping") else PALETTE[0] for text in labels]
    else:
        labels = [f"{k}: {s}, {ch}" for k, s, ch in zip(costs["kind"], costs["source"], costs["channel"])]
        values = costs["cost_per_customer"]
        colors = [color_of(ch) if ch != "all" else (PALETTE[2] if k == "retention" else PALETTE[0])
                  for k, ch in zip(costs["kind"], costs["channel"])]
    y = np.arange(len(costs))[::-1]
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, labels)
    for yi, v in zip(y, values):
        ax.annotate(f"{v:,.2f}", (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    return ax


def relationship_levels(table: pd.DataFrame, ax=None, currency: str = "currency units",
                        title: str = "CLV by relationship level (financial, social, structural bonds)"):
    """Bars of ``retention.clv_by_relationship_level``, annotated with each level's retention rate."""
    ax = new_axes(title, "relationship level (Berry's bonds)", f"customer lifetime value ({currency})", ax=ax)
    x = np.arange(len(table))
    ax.bar(x, table["clv"], color=[color_of(lv) for lv in table.index])
    ax.set_xticks(x, table.index)
    for xi, v, r in zip(x, table["clv"], table["retention"]):
        ax.annotate(f"{v:,.0f}\n(r = {r:.0%})", (xi, v), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=8)
    ax.margins(y=0.15)                  # room for the labels above the tallest bar
    return ax


def uplift_value(uplift: pd.DataFrame, ax=None,
                 title: str = "What a retention uplift is worth (percent change)"):
    """Bars of the ``change_pct`` row of ``retention.retention_uplift_value``."""
    cols = [c for c in ("clv", "clv_net_of_cac", "customer_equity", "steady_state_profit") if c in uplift.columns]
    r0, r1 = uplift.loc["before", "retention"], uplift.loc["after", "retention"]
    ax = new_axes(f"{title}: r {r0:.1%} → {r1:.1%}", "quantity (per customer, per firm, per period)",
                  "change (% of the value before)", ax=ax)
    vals = uplift.loc["change_pct", cols].to_numpy(float)
    ax.bar(np.arange(len(cols)), vals, color=PALETTE[0])
    ax.set_xticks(np.arange(len(cols)), [c.replace("_", " ") for c in cols])
    for xi, v in enumerate(vals):
        ax.annotate(f"{v:+.0f}%", (xi, v), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    ax.margins(y=0.1)
    return ax


# ---------------------------------------------------------------------------- notebook 04, by section

def projection_panels(projections, kind: str = "survivors"):
    """One panel per cohort of a ``retention.CohortProjections``: the customers still there (dots;
    filled = calibration, open = holdout) with each model's projection (``kind="survivors"``), or the
    retention rate at each renewal (``kind="retention"``)."""
    frames = projections.frames
    unit = projections.period
    fig, axes = plt.subplots(1, len(frames), figsize=(5.6 * len(frames), 4.2), sharey=True, squeeze=False)
    styles = ["-", "--", "-.", ":"]
    for ax, (name, f) in zip(axes[0], frames.items()):
        cal = f["calibration"].to_numpy(bool)
        t = f.index.to_numpy()
        if kind == "survivors":
            new_axes(f"{name.capitalize()} cohort: customers still there", f"{unit}s since acquisition ({unit})",
                     "customers (count)", ax=ax)
            ax.plot(t[cal], f["actual"][cal], "o", color="#404040", label="actual, fitted")
            ax.plot(t[~cal], f["actual"][~cal], "o", mfc="white", color="#404040", label="actual, held out")
            for i, m in enumerate(projections.models):
                ax.plot(t, f[m], styles[i % 4], color=PALETTE[i], label=projections.label(m))
            ax.set_ylim(bottom=0)
        else:
            new_axes(f"{name.capitalize()} cohort: retention rate", f"renewal ({unit}s since acquisition)",
                     "retention rate r(t) (%)", ax=ax)
            ax.plot(t[1:], 100 * f["actual_retention"].iloc[1:], "o", color="#404040", label="actual")
            for i, m in enumerate(projections.models):
                ax.plot(t[1:], 100 * f[f"{m}_retention"].iloc[1:], styles[i % 4], color=PALETTE[i],
                        label=projections.label(m))
        ax.axvline(projections.calibration + 0.5, color="#8c8c8c", ls=":", lw=1)
    axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    return fig


def group_survival(comparisons, dropout=None, max_curves: int = 6):
    """One panel per ``retention.GroupSurvival``: the Kaplan-Meier share still active by days since
    acquisition for up to ``max_curves`` groups, else each group's share still active at the
    comparison's horizon with its 95% interval. Without comparisons, the curve of all customers of
    ``dropout`` (the table of ``loyalty.time_to_dropout``)."""
    if not comparisons:
        from ..loyalty import kaplan_meier
        from .loyalty import plot_km
        ax = plot_km(kaplan_meier(dropout), title="Customers still active (Kaplan-Meier), all customers")
        return ax.figure
    fig, axes = plt.subplots(1, len(comparisons), figsize=(6.4 * len(comparisons), 4.4), squeeze=False)
    for ax, c in zip(axes[0], comparisons):
        what = c.column.replace("_", " ")
        if len(c.at_horizon) <= max_curves:
            new_axes(f"Customers still active, by {what}", "days since acquisition (days)", "still active (%)", ax=ax)
            groups = list(c.km.curves.groupby("group", sort=False))
            order = {g: i for i, g in enumerate(c.at_horizon.index)}
            groups.sort(key=lambda g: order.get(g[0], len(order)))
            for (name, k), col in zip(groups, group_colors(g for g, _ in groups)):
                ax.step(k["time"], 100 * k["survival"], where="post", color=col, lw=1.8, label=f"{name} (n={c.at_horizon.loc[name, 'customers']:,.0f})")
                ax.fill_between(k["time"], 100 * k["lower"], 100 * k["upper"], step="post", color=col, alpha=0.15, lw=0)
            ax.axvline(c.horizon, color="#8c8c8c", ls=":", lw=1)
            ax.set_ylim(0, 102)
            legend_outside(ax, what)
        else:
            a = c.at_horizon
            new_axes(f"Still active {c.horizon} days after acquisition, by {what}", f"{what} (group)",
                     "still active (%)", ax=ax)
            x = np.arange(len(a))
            ax.errorbar(x, 100 * a["active"], yerr=[100 * (a["active"] - a["lower"]), 100 * (a["upper"] - a["active"])],
                        fmt="o", color=PALETTE[0], ecolor="#7f93a8", capsize=3)
            ax.set_xticks(x, a.index, rotation=30 if len(a) > 6 else 0)
    fig.tight_layout()
    return fig


def clv_by_group(value, currency: str = "currency units"):
    """Bars of the CLV of a new customer per group (``retention.GroupValue``), labelled with the sBG's
    retention at the first renewal when there are six groups or fewer (more labels would overlap)."""
    f = value.fits
    what = value.column.replace("_", " ")
    ax = new_axes(f"CLV of a new customer by {what}", f"{what} (group)", f"customer lifetime value ({currency})")
    x = np.arange(len(f))
    ax.bar(x, f["clv"], color=group_colors(f.index))
    ax.set_xticks(x, f.index, rotation=30 if len(f) > 6 else 0)
    for xi, v, r in zip(x, f["clv"], f["retention_1"]) if len(f) <= 6 else ():   # more groups: the table has them
        ax.annotate(f"{v:,.0f}\n(r₁ = {r:.0%})", (xi, v), xytext=(0, 3), textcoords="offset points", ha="center",
                    fontsize=8)
    ax.margins(y=0.18)
    return ax
