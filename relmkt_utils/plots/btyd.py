"""Model-checking figures of the BTYD models (buy-till-you-die; 客户存活模型), one function per table of
``relmkt_utils.btyd.checks``. Each returns the matplotlib ``Axes``; every figure has a title and axis
labels with units."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import PALETTE, date_axis, legend_outside, new_axes


def plot_repeat_transactions(table: pd.DataFrame, cumulative: bool = True, unit: str = "week", ax=None,
                             title: str | None = None):
    """Actual vs model repeat transactions per period (``checks.repeat_transactions_over_time``);
    a dashed line marks the end of the calibration period."""
    kind = "Cumulative" if cumulative else "Incremental"
    ax = new_axes(title or f"{kind} repeat transactions: actual vs model",
                  f"Period start (one point per {unit})", "Repeat transactions (count)", ax=ax)
    a, m = ("actual_cum", "model_cum") if cumulative else ("actual", "model")
    ax.plot(table.index, table[a], color=PALETTE[0], label="Actual")
    ax.plot(table.index, table[m], color=PALETTE[1], linestyle="--", label="Model")
    if "calibration" in table and (~table["calibration"]).any() and table["calibration"].any():
        end = table.index[table["calibration"].to_numpy()].max()
        ax.axvline(end, color="#8c8c8c", linestyle=":", label="End of calibration")
    date_axis(ax)
    legend_outside(ax)
    return ax


def plot_calibration_holdout(table: pd.DataFrame, unit: str = "week", ax=None, title: str | None = None):
    """Mean holdout purchases by calibration frequency (``checks.calibration_vs_holdout``)."""
    ax = new_axes(title or "Conditional expectations: holdout purchases by calibration frequency",
                  "Repeat purchases in calibration (count; last group = that many or more)",
                  "Mean holdout purchases (per customer)", ax=ax)
    x = table.index.to_numpy()
    ax.plot(x, table["actual"], marker="o", color=PALETTE[0], label="Actual")
    ax.plot(x, table["model"], marker="s", linestyle="--", color=PALETTE[1], label="Model")
    ax.set_xticks(x)
    labels = [str(v) for v in x]
    labels[-1] = labels[-1] + "+"
    ax.set_xticklabels(labels)
    ax.legend()
    return ax


def _heatmap(matrix: pd.DataFrame, title: str, colorbar_label: str, unit: str, ax, vmin=None, vmax=None):
    ax = new_axes(title, f"Recency: time of last repeat purchase ({unit}s since first)",
                  "Frequency: repeat purchases (count)", ax=ax)
    rec = matrix.columns.to_numpy(float)
    freq = matrix.index.to_numpy(float)
    mesh = ax.pcolormesh(np.r_[rec - 0.5, rec[-1] + 0.5], np.r_[freq - 0.5, freq[-1] + 0.5],
                         np.ma.masked_invalid(matrix.to_numpy(float)), cmap="viridis", vmin=vmin, vmax=vmax, shading="flat")
    ax.figure.colorbar(mesh, ax=ax, label=colorbar_label)
    ax.grid(False)
    return ax


def plot_p_alive_matrix(matrix: pd.DataFrame, T: float | None = None, unit: str = "week", ax=None, title: str | None = None):
    """Heat map of P(alive) over frequency x recency (``checks.p_alive_matrix``)."""
    t = f" (T = {T:.1f} {unit}s)" if T is not None else ""
    return _heatmap(matrix, title or f"Probability that a customer is alive{t}", "P(alive) (probability, 0-1)",
                    unit, ax, vmin=0.0, vmax=1.0)


def plot_expected_purchases_matrix(matrix: pd.DataFrame, t: float | None = None, unit: str = "week", ax=None,
                                   title: str | None = None):
    """Heat map of conditional expected purchases over frequency x recency (``checks.expected_purchases_matrix``)."""
    h = f" in the next {t:.3g} {unit}s" if t is not None else ""
    return _heatmap(matrix, title or f"Expected purchases{h}", "Expected purchases (count per customer)", unit, ax)


def plot_period_transactions(table: pd.DataFrame, ax=None, title: str | None = None):
    """Customers by number of repeat purchases in calibration, actual vs model
    (``checks.period_transactions``; the last bar is "that many or more")."""
    ax = new_axes(title or "Period transactions: customers by repeat purchases, actual vs model",
                  "Repeat purchases in calibration (count; last bar = that many or more)",
                  "Customers (count)", ax=ax)
    pos = np.arange(len(table))
    w = 0.4
    ax.bar(pos - w / 2, table["actual"], width=w, color=PALETTE[0], label="Actual")
    ax.bar(pos + w / 2, table["model"], width=w, color=PALETTE[1], label="Model")
    ax.set_xticks(pos)
    ax.set_xticklabels(table["label"] if "label" in table else [str(v) for v in table.index])
    legend_outside(ax)
    return ax


def plot_p_alive_history(history: pd.DataFrame, customer: str = "", calibration_end=None, unit: str = "week",
                         ax=None, title: str | None = None):
    """P(alive) of one customer over time (``checks.p_alive_history``), her purchases marked, and the end
    of the calibration period dashed."""
    who = f" of customer {customer}" if customer != "" else ""
    ax = new_axes(title or f"Probability of being alive{who} over time", "Date",
                  "P(alive) (probability, 0-1)", ax=ax)
    ax.plot(history.index, history["p_alive"], color=PALETTE[0], label="P(alive)")
    buys = history[history["purchase"]]
    ax.plot(buys.index, buys["p_alive"], linestyle="none", marker="o", color=PALETTE[1], label="Purchase")
    if calibration_end is not None:
        ax.axvline(pd.Timestamp(calibration_end), color="#8c8c8c", linestyle=":", label="End of calibration")
    ax.set_ylim(-0.02, 1.02)
    date_axis(ax)
    legend_outside(ax)
    return ax


def plot_spend_frequency(summary: pd.DataFrame, check: pd.DataFrame | None = None, currency: str = "", ax=None,
                         title: str | None = None):
    """Average spend per purchase against repeat purchases among repeat buyers, the Gamma-Gamma
    independence check (``checks.spend_frequency_check``; its correlation in the title)."""
    rep = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if title is None:
        title = "Average spend vs repeat purchases (repeat buyers)"
        if check is not None:
            r = check.iloc[0]
            title += f"\n{'Pearson r' if r['method'] == 'pearson' else 'Spearman rho'} = {r['correlation']:.2f} " \
                     f"[{r['lower']:.2f}, {r['upper']:.2f}]"
    cur = f" ({currency} per purchase, log scale)" if currency else " (per purchase, log scale)"
    ax = new_axes(title, "Repeat purchases in calibration (count)", "Average spend" + cur, ax=ax)
    jitter = np.random.default_rng(0).uniform(-0.2, 0.2, len(rep))
    ax.scatter(rep["frequency"] + jitter, rep["monetary_value"], s=8, alpha=0.4, color=PALETTE[0], linewidths=0,
               label="Repeat buyer")
    ax.set_yscale("log")
    g = rep.groupby("frequency")["monetary_value"].agg(["mean", "size"])
    g = g[g["size"] >= 5]                      # means of at least 5 buyers
    ax.plot(g.index, g["mean"].to_numpy(), color=PALETTE[1], marker="s", label="Mean (frequencies with 5+ buyers)")
    legend_outside(ax)
    return ax


def plot_customer_value(table: pd.DataFrame, top: int = 20, currency: str = "", ax=None, title: str | None = None):
    """The ``top`` customers by CLV with their intervals (``btyd.customer_value``)."""
    t = table.sort_values("clv", ascending=False).head(int(top))[::-1]
    level = int(round(100 * (1 - table.attrs.get("alpha", 0.05))))
    cur = f" ({currency})" if currency else ""
    ax = new_axes(title or f"Customer lifetime value of the top {len(t)} customers, with {level}% intervals",
                  f"CLV{cur}", "Customer", ax=ax, figsize=(7.5, max(3.0, 0.25 * len(t) + 1.2)))
    y = np.arange(len(t))
    ax.errorbar(t["clv"], y, xerr=[t["clv"] - t["clv_lower"], t["clv_upper"] - t["clv"]], fmt="o",
                color=PALETTE[0], ecolor=PALETTE[5], capsize=2, label=f"CLV and {level}% interval")
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in t.index])
    legend_outside(ax)
    return ax
