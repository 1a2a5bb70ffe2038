"""Model-checking figures of the BTYD models (buy-till-you-die; 客户存活模型), one function per table of
``relmkt_utils.btyd.checks``. Each returns the matplotlib ``Axes``; every figure has a title and axis
labels with units."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import PALETTE, new_axes


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
    ax.legend()
    return ax


def plot_calibration_holdout(table: pd.DataFrame, unit: str = "week", ax=None, title: str | None = None):
    """Mean holdout purchases by calibration frequency (``checks.calibration_vs_holdout``)."""
    ax = new_axes(title or "Conditional expectations: holdout purchases by calibration frequency",
                  "Repeat purchases in calibration (count; last group = that many or more)",
                  "Mean purchases in holdout (count per customer)", ax=ax)
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
    t = f" (T = {T:g} {unit}s)" if T is not None else ""
    return _heatmap(matrix, title or f"Probability that a customer is alive{t}", "P(alive) (probability, 0-1)",
                    unit, ax, vmin=0.0, vmax=1.0)


def plot_expected_purchases_matrix(matrix: pd.DataFrame, t: float | None = None, unit: str = "week", ax=None,
                                   title: str | None = None):
    """Heat map of conditional expected purchases over frequency x recency (``checks.expected_purchases_matrix``)."""
    h = f" in the next {t:g} {unit}s" if t is not None else ""
    return _heatmap(matrix, title or f"Expected purchases{h}", "Expected purchases (count per customer)", unit, ax)
