"""Figures of notebook 02 (customer delivered value, 客户让渡价值).

Each function draws on the axes it is given (or new ones from ``new_axes``) and returns them;
every figure has a title and axis labels with units. Inputs are the tables of
``relmkt_utils.value``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter
import numpy as np
import pandas as pd
import seaborn as sns

from . import PALETTE, color_of, label_points, new_axes
from ..data.tables import CONSTRUCTS
from ..value import labels as value_labels

KIND_COLORS = {"value": PALETTE[0], "cost": PALETTE[1], "price": PALETTE[6]}


def _label(name: str) -> str:
    return value_labels.label(name)


def correlation_heatmap(scores: pd.DataFrame, columns=None, method: str = "pearson", ax=None):
    """Heatmap of the correlations between component scores (and outcomes if listed in ``columns``)."""
    cols = list(columns) if columns is not None else [c for c in CONSTRUCTS if c in scores.columns]
    corr = scores[cols].apply(pd.to_numeric, errors="coerce").corr(method=method)
    ax = new_axes(f"Correlation of component scores ({method.capitalize()})", "component score (1-7 scale)",
                  "component score (1-7 scale)", ax=ax, figsize=(7.5, 6.2))
    labels = [_label(c) for c in cols]
    sns.heatmap(corr, vmin=-1, vmax=1, cmap="RdBu_r", center=0, annot=True, fmt=".2f", square=True,
                xticklabels=labels, yticklabels=labels, cbar_kws={"label": f"{method.capitalize()} r (unitless)"}, ax=ax)
    ax.set_xlabel("component score (1-7 scale)")
    ax.set_ylabel("component score (1-7 scale)")
    return ax


def importance_chart(importance: pd.DataFrame, ax=None):
    """Standardized coefficients with CIs per component, one marker colour per outcome.

    ``importance`` is ``driver_importance`` / ``standardized_coefficients`` output.
    """
    outcomes = list(dict.fromkeys(importance["outcome"]))
    comps = list(dict.fromkeys(importance["component"]))
    names = {"ols": "OLS", "ordered": "ordered logit"}
    model = ", ".join(names.get(m, m) for m in dict.fromkeys(importance["model"])) if "model" in importance else "OLS"
    ax = new_axes(f"Drivers: standardized coefficients with 95% CIs ({model})",
                  "standardized coefficient β (sd of outcome per sd of score)", "component", ax=ax,
                  figsize=(7.5, 0.45 * len(comps) + 1.8))
    ypos = np.arange(len(comps))
    width = 0.7 / max(len(outcomes), 1)
    for i, outcome in enumerate(outcomes):
        sub = importance[importance["outcome"] == outcome].set_index("component").reindex(comps)
        y = ypos - 0.35 + width * (i + 0.5)
        err = np.vstack([sub["beta"] - sub["beta_lower"], sub["beta_upper"] - sub["beta"]])
        ax.errorbar(sub["beta"], y, xerr=err, fmt="o", color=PALETTE[i % len(PALETTE)], capsize=3,
                    label=_label(outcome))
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(ypos, [_label(c) for c in comps])
    ax.invert_yaxis()
    ax.legend(title="outcome", loc="best")
    return ax


def ipa_map(ipa: pd.DataFrame, ax=None):
    """Importance-performance map (Martilla & James 1977) with median crosshairs and quadrant names.

    ``ipa`` is ``importance_performance`` / ``ipa_table`` output; the component to improve first is
    ringed.
    """
    ax = new_axes("Importance-performance map", "performance (mean score, 1-7; costs reversed, higher = better)",
                  "importance (oriented β, sd per sd)", ax=ax)
    m_imp = ipa.attrs.get("importance_median", float(ipa["importance"].median()))
    m_perf = ipa.attrs.get("performance_median", float(ipa["performance"].median()))
    kinds = ipa["kind"] if "kind" in ipa else pd.Series("value", index=ipa.index)
    for kind in dict.fromkeys(kinds):
        sub = ipa[kinds == kind]
        ax.scatter(sub["performance"], sub["importance"], color=KIND_COLORS.get(kind, PALETTE[0]), s=50,
                   label=f"{kind} component", zorder=3)
    first = ipa[ipa["improve_first"]]
    if not first.empty:
        ax.scatter(first["performance"], first["importance"], s=220, facecolors="none", edgecolors="#000000",
                   linewidths=1.5, label="improve first", zorder=4)
    ax.margins(x=0.18, y=0.15)  # room for the quadrant names in the corners
    label_points(ax, ipa["performance"].to_numpy(), ipa["importance"].to_numpy(), [_label(c) for c in ipa["component"]])
    ax.axvline(m_perf, color="#888888", ls="--", lw=0.9)
    ax.axhline(m_imp, color="#888888", ls="--", lw=0.9)
    for text, x, y, ha, va in (("concentrate here", 0.02, 0.98, "left", "top"),
                               ("keep up the good work", 0.98, 0.98, "right", "top"),
                               ("low priority", 0.02, 0.02, "left", "bottom"),
                               ("possible overkill", 0.98, 0.02, "right", "bottom")):
        ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8, color="#666666", style="italic")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def wtp_forest(wtp: pd.DataFrame, boot: pd.DataFrame | None = None, currency: str = "EUR", truth=None, ax=None,
               per: str = "level"):
    """Willingness to pay per unit of each attribute (``per``: "level" for survey components, "unit" for
    other attributes) with delta-method CIs (and bootstrap CIs if given)."""
    attrs = list(wtp["attribute"])
    ax = new_axes(f"Willingness to pay per {per} of each attribute (95% CIs)", f"WTP ({currency} per {per})",
                  "attribute", ax=ax, figsize=(7.5, 0.45 * len(attrs) + 1.8))
    y = np.arange(len(attrs), dtype=float)
    off = 0.15 if boot is not None else 0.0
    err = np.vstack([wtp["wtp"] - wtp["lower"], wtp["upper"] - wtp["wtp"]])
    ax.errorbar(wtp["wtp"], y - off, xerr=err, fmt="o", color=PALETTE[0], capsize=3, label="delta method")
    if boot is not None:
        b = boot.set_index("attribute").reindex(attrs)
        errb = np.vstack([b["wtp"] - b["lower"], b["upper"] - b["wtp"]])
        ax.errorbar(b["wtp"], y + off, xerr=errb, fmt="s", color=PALETTE[3], capsize=3,
                    label=f"bootstrap percentile ({int(b['n_boot'].iloc[0])} draws)")
    if truth is not None:
        t = pd.Series(truth).reindex(attrs)
        ax.scatter(t, y, marker="x", color="#000000", zorder=4, label="true value")
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y, [_label(a) for a in attrs])
    ax.invert_yaxis()
    if boot is not None or truth is not None:
        ax.legend(loc="best")
    return ax


def wtp_distribution_chart(spread: pd.DataFrame, currency: str = "EUR", at_means: pd.Series | None = None, ax=None):
    """Boxes of each respondent's WTP per attribute (columns of ``spread``, as
    ``MixedLogitResults.wtp_distribution``): quartiles, whiskers at the 5th and 95th percentiles,
    no outlier points; ``at_means`` (WTP at the population means, by attribute, or a WTP table indexed by
    attribute) as diamonds."""
    attrs = list(spread.columns)
    ax = new_axes("Willingness to pay across respondents (mixed logit)", f"WTP ({currency} per unit)", "attribute",
                  ax=ax, figsize=(7.5, 0.5 * len(attrs) + 1.8))
    data = [spread[a].dropna().to_numpy() for a in attrs]
    y = np.arange(len(attrs), dtype=float)
    ax.boxplot(data, positions=y, vert=False, whis=(5, 95), showfliers=False, widths=0.55, patch_artist=True,
               boxprops={"facecolor": PALETTE[0], "alpha": 0.45}, medianprops={"color": "#000000"})
    if isinstance(at_means, pd.DataFrame):          # a WTP table indexed by attribute
        at_means = at_means["wtp"]
    if at_means is not None:
        ax.scatter(pd.Series(at_means).reindex(attrs), y, marker="D", color=PALETTE[3], zorder=4,
                   label="WTP at the population means")
        ax.legend(loc="best")
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y, [_label(a) for a in attrs])
    ax.invert_yaxis()
    return ax


def simulator_chart(sim: pd.DataFrame, offer_label: str = "focal offer", currency: str = "EUR"):
    """Share change (percentage points) and revenue change (currency) of one offer, per improved component.

    ``sim`` is ``simulate_all_components`` output. Returns the Figure (two labelled axes).
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.45 * len(sim) + 2.2), sharey=True, layout="constrained")
    labels = [f"{_label(a)} ({d:+g})" for a, d in zip(sim["attribute"], sim["delta"])]
    colors = [KIND_COLORS.get(k, PALETTE[0]) for k in sim["kind"]]
    y = np.arange(len(sim))
    ax1 = new_axes(f"Share change of {offer_label}", "change in share (percentage points)",
                   "component changed (levels)", ax=axes[0])
    ax1.barh(y, 100 * sim["share_change"], color=colors)
    ax1.set_yticks(y, labels)
    ax1.invert_yaxis()
    size = sim.attrs.get("market_size")
    per = f"{currency}, market of {size:g} buyers" if size is not None else currency
    ax2 = new_axes(f"Revenue change of {offer_label}", f"change in revenue ({per})",
                   "component changed (levels)", ax=axes[1])
    ax2.barh(y, sim["revenue_change"], color=colors)
    for ax in (ax1, ax2):
        ax.axvline(0, color="#444444", lw=0.8)
    fig.suptitle("Share simulator: one level better on each component", fontweight="bold")
    return fig


def lever_chart(levers: pd.DataFrame, offer_label: str = "our offer"):
    """What each one-unit change of an offer does to its share (percentage points, left) and revenue
    (relative change, right), one bar per change in words, coloured by the sign of its effect (gain or
    loss). ``levers`` is :func:`relmkt_utils.value.levers.lever_effects` output. Returns the Figure."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.42 * len(levers) + 2.0), sharey=True, layout="constrained")
    y = np.arange(len(levers))
    colors = [PALETTE[2] if v >= 0 else PALETTE[1] for v in levers["share_change"]]
    ax1 = new_axes(f"Share of {offer_label}", "change in share (percentage points)", "", ax=axes[0])
    ax1.barh(y, 100 * levers["share_change"], color=colors)
    ax1.set_yticks(y, list(levers["change"]))
    ax1.invert_yaxis()
    ax2 = new_axes(f"Revenue of {offer_label}", "change in revenue (%)", "", ax=axes[1])
    ax2.barh(y, 100 * levers["revenue_change"], color=colors)
    for ax in (ax1, ax2):
        ax.axvline(0, color="#444444", lw=0.8)
    fig.suptitle("What one change of our offer does, everything else unchanged", fontweight="bold")
    return fig


def hazard_ratio_chart(hr: pd.DataFrame, ax=None):
    """Forest plot of hazard ratios of dropout with CIs on a log axis (reference line at 1)."""
    terms = list(hr["term"])
    ax = new_axes("Cox model of time to dropout: hazard ratios (95% CIs)",
                  "hazard ratio of dropout (log scale; < 1 = customers stay longer)", "term", ax=ax,
                  figsize=(7.5, 0.5 * len(terms) + 1.8))
    y = np.arange(len(terms))
    err = np.vstack([hr["hazard_ratio"] - hr["lower"], hr["upper"] - hr["hazard_ratio"]])
    ax.errorbar(hr["hazard_ratio"], y, xerr=err, fmt="o", color=PALETTE[0], capsize=3)
    ax.axvline(1.0, color="#444444", lw=0.8, ls="--")
    ax.set_xscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plain)
    labels = ["delivered value (+1 point)" if t == "delivered_value" else _label(t) for t in terms]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    return ax


def delivered_value_by_level_chart(by_level: pd.DataFrame, ax=None):
    """Mean delivered value per relationship level with CIs (``delivered_value_by_level`` output)."""
    ax = new_axes("Delivered value by relationship level (means, 95% CIs)", "relationship level",
                  "delivered value index (points, -6 to 6)", ax=ax)
    x = np.arange(len(by_level))
    colors = [color_of(level) for level in by_level["level"]]
    ax.bar(x, by_level["mean"], color=colors, alpha=0.85)
    err = np.vstack([by_level["mean"] - by_level["lower"], by_level["upper"] - by_level["mean"]])
    ax.errorbar(x, by_level["mean"], yerr=err, fmt="none", color="#222222", capsize=4)
    ax.set_xticks(x, [f"{lv} (n={n})" for lv, n in zip(by_level["level"], by_level["n"])])
    ax.axhline(0, color="#444444", lw=0.8)
    return ax


def delivered_value_hist(scores: pd.DataFrame, column: str = "delivered_value", bins: int = 48, ax=None):
    """Histogram of the delivered-value index over its full range -6..6, with the break-even line at 0.

    ``scores`` is ``value_scores`` output.
    """
    x = pd.to_numeric(scores[column], errors="coerce").dropna()
    ax = new_axes("Distribution of the delivered-value index", "delivered value DV = TV - TC (points, -6 to 6)",
                  "customers (count)", ax=ax)
    ax.hist(x, bins=np.linspace(-6, 6, bins + 1), color=PALETTE[0], alpha=0.85)
    ax.axvline(0, color=PALETTE[1], ls="--", lw=1.2, label="value = cost")
    ax.set_xlim(-6, 6)
    ax.legend(loc="upper left")
    return ax


# ------------------------------------------------------------------ the customer-satisfaction index model (ECSI)

#: where each construct of the ECSI model stands in its path diagram (x, y)
ECSI_LAYOUT = {"image": (0.0, 2.0), "expectations": (0.0, 1.0), "perceived_quality": (0.0, 0.0),
               "perceived_value": (1.35, 0.0), "satisfaction": (2.7, 1.0), "complaints": (4.05, 0.0),
               "loyalty": (4.05, 2.0)}
BOX_W, BOX_H = 0.95, 0.42


def _edge_point(x0, y0, x1, y1):
    """Where the line from the centre (x0, y0) towards (x1, y1) leaves the box around (x0, y0)."""
    dx, dy = x1 - x0, y1 - y0
    t = min(BOX_W / 2 / abs(dx) if dx else np.inf, BOX_H / 2 / abs(dy) if dy else np.inf)
    return x0 + t * dx, y0 + t * dy


def ecsi_path_diagram(paths: pd.DataFrame, r_squared: pd.DataFrame, ax=None):
    """The ECSI model as a path diagram: one box per construct (with its R² for an endogenous one), one
    arrow per path labelled with its standardized coefficient; solid where the 95% interval excludes 0,
    dashed and grey where it includes 0. ``paths`` and ``r_squared`` are the tables of
    :func:`relmkt_utils.value.pls.ecsi.ecsi_analysis` (``ECSIReport.paths``, ``ECSIReport.r_squared``)."""
    ax = new_axes("The customer-satisfaction index model: standardized paths and R²",
                  "solid arrow: 95% interval excludes 0; dashed grey: it includes 0 (no clear effect)", "", ax=ax,
                  figsize=(9.5, 5.2))
    r2 = dict(zip(r_squared["construct"], r_squared["r_squared"]))
    present = set(paths["from"]) | set(paths["to"])
    for c in present:
        x, y = ECSI_LAYOUT[c]
        ax.add_patch(plt.Rectangle((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H, facecolor="#eef3f8",
                                   edgecolor=PALETTE[0], lw=1.3, zorder=2))
        text = _label(c).capitalize() + (f"\nR² {100 * r2[c]:.0f}%" if c in r2 else "")
        ax.text(x, y, text, ha="center", va="center", fontsize=9.5, zorder=3)
    for row in paths.itertuples():
        (x0, y0), (x1, y1) = ECSI_LAYOUT[row[1]], ECSI_LAYOUT[row[2]]
        start, end = _edge_point(x0, y0, x1, y1), _edge_point(x1, y1, x0, y0)
        sig = bool(row.significant)
        ax.annotate("", xy=end, xytext=start, zorder=1,
                    arrowprops=dict(arrowstyle="-|>", lw=1.6 if sig else 1.0, color=PALETTE[0] if sig else "#999999",
                                    linestyle="-" if sig else (0, (4, 3)), shrinkA=0, shrinkB=1))
        mx, my = start[0] + 0.5 * (end[0] - start[0]), start[1] + 0.5 * (end[1] - start[1])
        ax.text(mx, my, f"{row.estimate:.2f}".replace("-", "−"), ha="center", va="center", fontsize=9,
                color="#000000" if sig else "#777777", zorder=4,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))
    ax.set_xlim(-0.6, 4.65)
    ax.set_ylim(-0.35, 2.35)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax


def total_effects_chart(effects: pd.DataFrame, targets=("satisfaction", "loyalty"), ax=None):
    """Total effects (standardized, all paths counted) of each construct on each of ``targets`` with
    their 95% percentile intervals, one colour per target. ``effects`` is ``ECSIReport.effects``."""
    rows = effects[effects["to"].isin(list(targets))]
    sources = list(dict.fromkeys(rows.sort_values("total", ascending=False)["from"]))
    ax = new_axes("What moves satisfaction and loyalty: total effects (95% intervals)",
                  "total effect (standard deviations of the target per standard deviation)", "construct", ax=ax,
                  figsize=(7.5, 0.5 * len(sources) + 1.8))
    y = np.arange(len(sources), dtype=float)
    width = 0.7 / len(targets)
    for k, target in enumerate(targets):
        sub = rows[rows["to"] == target].set_index("from").reindex(sources)
        pos = y - 0.35 + width * (k + 0.5)
        err = np.vstack([sub["total"] - sub["total_lower"], sub["total_upper"] - sub["total"]])
        ax.errorbar(sub["total"], pos, xerr=err, fmt="o", color=PALETTE[k % len(PALETTE)], capsize=3,
                    label=f"on {_label(target)}")
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y, [_label(c) for c in sources])
    ax.invert_yaxis()
    ax.legend(title="total effect", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def _label_clear_of_points(ax, xs, ys, texts, fontsize: int = 8, clearance: float = 12.0) -> None:
    """Label each point where its label covers no other label and no point (with ``clearance`` pixels
    around each point, room for a ring): right above, right below, left above or left below the point,
    the first that is free (else right above)."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    placed = []
    for i in sorted(range(len(texts)), key=lambda k: -float(ys[k])):
        for dx, dy, ha in ((9, 5, "left"), (9, -13, "left"), (-9, 5, "right"), (-9, -13, "right"), (9, 5, "left")):
            ann = ax.annotate(str(texts[i]), (xs[i], ys[i]), textcoords="offset points", xytext=(dx, dy), ha=ha,
                              fontsize=fontsize)
            box = ann.get_window_extent(renderer)
            hits_point = any(box.x0 - clearance <= px <= box.x1 + clearance and box.y0 - clearance <= py <= box.y1 + clearance
                             for j, (px, py) in enumerate(pts) if j != i)
            if not hits_point and not any(box.overlaps(b) for b in placed):
                break
            ann.remove()
        else:
            ann = ax.annotate(str(texts[i]), (xs[i], ys[i]), textcoords="offset points", xytext=(9, 5), fontsize=fontsize)
            box = ann.get_window_extent(renderer)
        placed.append(box)


def ipma_chart(ipma: pd.DataFrame, target: str = "loyalty", ax=None):
    """Importance-performance map of a path model (Ringle & Sarstedt 2016): each construct's
    performance (mean score, 0-100) against its importance for ``target`` (points of the target per
    point of performance), both with their 95% intervals; dashed lines at the medians, the quadrants
    named, the construct to improve first ringed. ``ipma`` is ``ECSIReport.ipma``."""
    ax = new_axes(f"Importance-performance map for {_label(target)}", "performance (mean score, 0 to 100)",
                  f"importance (points of {_label(target)} per point)", ax=ax, figsize=(7.5, 4.8))
    xerr = np.vstack([ipma["performance"] - ipma["performance_lower"], ipma["performance_upper"] - ipma["performance"]])
    yerr = np.vstack([ipma["importance"] - ipma["importance_lower"], ipma["importance_upper"] - ipma["importance"]])
    ax.errorbar(ipma["performance"], ipma["importance"], xerr=xerr, yerr=yerr, fmt="o", color=PALETTE[0],
                ecolor="#9fb6cc", capsize=2, zorder=3, label="construct (95% intervals)")
    first = ipma[ipma["improve_first"]]
    if not first.empty:
        ax.scatter(first["performance"], first["importance"], s=240, facecolors="none", edgecolors="#000000",
                   linewidths=1.5, label="improve first", zorder=4)
    ax.margins(x=0.2, y=0.18)
    _label_clear_of_points(ax, ipma["performance"].to_numpy(), ipma["importance"].to_numpy(),
                           [_label(c) for c in ipma["construct"]])
    ax.axvline(float(ipma["performance"].median()), color="#888888", ls="--", lw=0.9)
    ax.axhline(float(ipma["importance"].median()), color="#888888", ls="--", lw=0.9)
    for text, x, y, ha, va in (("concentrate here", 0.02, 0.98, "left", "top"),
                               ("keep up the good work", 0.98, 0.98, "right", "top"),
                               ("low priority", 0.02, 0.02, "left", "bottom"),
                               ("possible overkill", 0.98, 0.02, "right", "bottom")):
        ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8, color="#666666", style="italic")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
