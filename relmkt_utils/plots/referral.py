"""Figures of notebook 03 (referral program ROI). Each function returns the matplotlib Axes.

Every figure has a title and axis labels with units; colours come from ``plots.color_of`` so that
program/holdout, referral and the NPS groups keep their colours across notebooks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import color_of, new_axes

#: Tornado inputs that are counts even when their interval ends are not whole (458 customers, not 457.9).
COUNT_INPUTS = {"incremental_customers": "count", "rewarded_conversions": "count"}
SEGMENT_COLORS = {"champions": "#4f9d69", "affluents": "#1f4e79", "advocates": "#7d5ba6", "misers": "#8c8c8c"}


def funnel(table: pd.DataFrame, ax=None, title: str = "Referral funnel"):
    """Horizontal bars of ``referral.funnel_table``: customers -> referrers -> invitations -> referees."""
    ax = new_axes(title, "count (people or invitations)", "funnel stage", ax=ax)
    y = np.arange(len(table))[::-1]
    ax.barh(y, table["count"], color=color_of("referral"))
    ax.set_yticks(y, table["stage"])
    for yi, stage, c, s in zip(y, table["stage"], table["count"], table["share_of_previous"]):
        # invitations per referrer is a rate (1.6 each), not a share of the previous stage
        note = "" if pd.isna(s) else (f"  ({s:.2f} per referrer)" if stage == "invitations" else f"  ({s:.0%} of the stage above)")
        ax.text(c, yi, f" {c:,.0f}{note}", va="center", fontsize=8)
    ax.set_xlim(0, table["count"].max() * 1.35)
    return ax


def cascade(table: pd.DataFrame, ax=None, title: str = "Expected referral cascade by generation"):
    """Bars of new customers per generation and the cumulative line (``referral.cascade``),
    with the N0/(1-K) limit and, when present, the cumulative interval."""
    ax = new_axes(title, "generation g (0 = seed customers)", "customers (count)", ax=ax)
    ax.bar(table["generation"], table["new_customers"], color=color_of("referral"), alpha=0.6,
           label="new customers N0 K^g")
    ax.plot(table["generation"], table["cumulative"], "o-", color=color_of("program"), label="cumulative")
    if "cumulative_lower" in table:
        ax.fill_between(table["generation"], table["cumulative_lower"], table["cumulative_upper"],
                        color=color_of("program"), alpha=0.15, label="cumulative, 95% CI of K")
    lim = float(table["limit"].iloc[0])
    if np.isfinite(lim):
        ax.axhline(lim, ls="--", color="#8c8c8c", lw=1, label=f"limit N0/(1-K) = {lim:,.0f}")
    ax.legend(loc="center right")
    return ax


def km_referred(km: pd.DataFrame, ax=None, time_unit: str = "days",
                title: str = "Retention of referred vs other customers (Kaplan-Meier)"):
    """Step curves of ``referral.km_table`` with pointwise 95% bands."""
    ax = new_axes(title, f"time since acquisition ({time_unit})", "share still active (survival)", ax=ax)
    for group, sub in km.groupby("group", sort=False):
        col = color_of("referral") if group == "referred" else color_of("organic")
        if len(sub) and sub["time"].iloc[0] > 0:     # every curve starts at 1 at acquisition
            start = pd.DataFrame({"time": [0.0], "survival": [1.0], "lower": [1.0], "upper": [1.0]})
            sub = pd.concat([start, sub[["time", "survival", "lower", "upper"]]], ignore_index=True)
        ax.step(sub["time"], sub["survival"], where="post", color=col, label=str(group))
        ax.fill_between(sub["time"], sub["lower"], sub["upper"], step="post", color=col, alpha=0.15)
    ax.set_ylim(0, 1.02)
    ax.legend()
    return ax


def clv_crv_grid(grid: pd.DataFrame, ax=None, currency: str = "currency units",
                 title: str = "Customer value matrix: CLV x CRV (Kumar et al. 2007)"):
    """Scatter of ``referral.clv_crv_grid`` coloured by segment, with the split lines."""
    ax = new_axes(title, f"customer lifetime value, CLV ({currency})", f"customer referral value, CRV ({currency})", ax=ax)
    for seg, sub in grid.groupby("segment"):
        ax.scatter(sub["clv"], sub["crv"], s=8, alpha=0.6, color=SEGMENT_COLORS.get(seg, "#1f4e79"),
                   label=f"{seg} ({len(sub):,})")
    ax.axvline(grid.attrs.get("clv_threshold", grid["clv"].median()), color="#404040", lw=0.8, ls="--")
    ax.axhline(grid.attrs.get("crv_threshold", grid["crv"].median()), color="#404040", lw=0.8, ls="--")
    ax.legend(markerscale=2, fontsize=8)
    return ax


def lift(table: pd.DataFrame, ax=None, unit: str = "new customers per existing customer",
         title: str = "Program vs holdout: lift with 95% CI"):
    """Point-and-whisker chart. ``table`` has columns label, estimate, lower, upper (one row per
    quantity, e.g. program rate, holdout rate, difference); the zero line marks no effect."""
    ax = new_axes(title, unit, "quantity (group or difference)", ax=ax)
    y = np.arange(len(table))[::-1]
    est = table["estimate"].to_numpy(float)
    err = np.vstack([est - table["lower"].to_numpy(float), table["upper"].to_numpy(float) - est])
    colors = [color_of(str(lbl).split()[0].lower()) for lbl in table["label"]]
    for yi, e, lo, hi, c in zip(y, est, err[0], err[1], colors):
        ax.errorbar(e, yi, xerr=[[lo], [hi]], fmt="o", color=c, capsize=4)
    ax.set_yticks(y, table["label"])
    ax.axvline(0, color="#404040", lw=0.8)
    return ax


def tornado(table: pd.DataFrame, ax=None, title: str = "ROI sensitivity (tornado)", currency: str = ""):
    """Bars from ROI(low) to ROI(high) per parameter (``referral.roi_tornado``), largest swing on top;
    each bar is labelled with the input's plain name and its range, money in ``currency``."""
    from ..present import fmt, label
    from ..present.tables import kind_of

    ax = new_axes(title, "ROI (net value per unit of cost, %)", "input (low → high)", ax=ax)
    from matplotlib.ticker import PercentFormatter

    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    base = float(table["base_roi"].iloc[0])
    y = np.arange(len(table))[::-1]
    for yi, (_, r) in zip(y, table.iterrows()):
        ax.barh(yi, r["roi_low"] - base, left=base, color=color_of("paid"), alpha=0.8)
        ax.barh(yi, r["roi_high"] - base, left=base, color=color_of("organic"), alpha=0.8)
    names = []
    for p, lo, hi in zip(table["parameter"], table["low"], table["high"]):
        kind = COUNT_INPUTS.get(p) or kind_of(p, pd.Series([lo, hi], dtype=float))
        names.append(f"{label(p)} ({fmt(lo, kind, currency)} → {fmt(hi, kind, currency)})")
    ax.set_yticks(y, names)
    ax.axvline(base, color="#404040", lw=1)
    ax.axvline(0, color="#c0504d", lw=0.8, ls="--")
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=color_of("paid"), label="low value"), Patch(color=color_of("organic"), label="high value")],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return ax


def wom_balance(balance: dict, ax=None, title: str = "Word-of-mouth balance (source reach figures)"):
    """Positive, negative and net WOM impressions of ``referral.wom_balance``."""
    ax = new_axes(title, "source of word of mouth (customers x assumed reach, people)", "WOM impressions (people reached)", ax=ax)
    vals = [balance["positive_impressions"], -balance["negative_impressions"], balance["net_impressions"]]
    labels = [f"promoters x {balance['positive_reach']:g}", f"detractors x {balance['negative_reach']:g}", "net"]
    colors = [color_of("promoter"), color_of("detractor"), color_of("program")]
    ax.bar(labels, vals, color=colors)
    ax.axhline(0, color="#404040", lw=0.8)
    for i, v in enumerate(vals):
        ax.text(i, v, f"{v:,.0f}", ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
    return ax


def wom_sensitivity(grid: pd.DataFrame, ax=None, title: str = "Net WOM per customer by assumed reach"):
    """Heatmap of ``referral.wom_sensitivity`` (net impressions per customer)."""
    import seaborn as sns

    ax = new_axes(title, "", "", ax=ax)
    values = grid.to_numpy(float)
    annot = np.vectorize(lambda v: f"{v:.1f}".replace("-0.0", "0.0").replace("-", "−"))(values)
    shown = pd.DataFrame(values, index=[f"{v:g}" for v in grid.index], columns=[f"{v:g}" for v in grid.columns])
    sns.heatmap(shown, annot=annot, fmt="", center=0, cmap="RdYlGn", ax=ax,
                cbar_kws={"label": "net people per respondent"})
    # seaborn names the axes after the frame's index/columns: set the labels (with units) afterwards
    ax.set_xlabel("negative reach per detractor (people)")
    ax.set_ylabel("positive reach per promoter (people)")
    return ax


def published_values(paths: pd.DataFrame, ax=None, currency: str = "EUR",
                     title: str = "Value of a new customer accumulated month by month (bank study, recomputed)"):
    """Lines of ``referral.published.value_paths``: the discounted margin a new referred and a new
    non-referred customer have brought after each month, with the month the margin gap is gone."""
    ax = new_axes(title, "months since acquisition", f"value accumulated ({currency}, discounted)", ax=ax)
    for name in paths.columns:
        col = color_of("referral") if name == "referred" else color_of("organic")
        ax.plot(paths.index, paths[name], color=col, label=f"{name} customer")
        ax.annotate(f"{paths[name].iloc[-1]:,.0f} {currency}", (paths.index[-1], paths[name].iloc[-1]),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8, color=col)
    gap = paths.attrs.get("gap_months")
    if gap:
        ax.axvline(gap, color="#8c8c8c", lw=0.8, ls="--", label=f"margin gap gone ({gap:.0f} months)")
    ax.set_xlim(0, paths.index[-1] * 1.1)
    ax.legend(loc="upper left")
    return ax


def break_even_by_share(curves: pd.DataFrame, reward: float, share: float | None = None, ax=None,
                        currency: str = "EUR",
                        title: str = "Break-even reward by the share of referrals who would have come anyway"):
    """Lines R*(s) of ``referral.published.break_even_curves`` (one per group), the reward paid as a
    horizontal line and, when given, the assumed share as a vertical line."""
    from matplotlib.ticker import PercentFormatter

    ax = new_axes(title, "share of rewarded referrals who would have come anyway",
                  f"break-even reward ({currency})", ax=ax)
    styles = ["-", "--", ":", "-."]
    for i, name in enumerate(curves.columns):
        ax.plot(curves.index, curves[name], ls=styles[i % len(styles)], lw=1.6,
                color=color_of("referral") if name.startswith("all") else "#1f4e79", label=name)
    ax.axhline(reward, color="#c0504d", lw=1, label=f"reward paid ({reward:,.0f} {currency})")
    if share is not None:
        ax.axvline(share, color="#8c8c8c", lw=0.8, ls="--", label=f"assumed share ({share:.0%})")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, None)
    ax.legend(loc="upper right", fontsize=8)
    return ax
