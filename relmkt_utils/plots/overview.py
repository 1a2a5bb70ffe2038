"""Figures of the data overview (notebook 00)."""
from __future__ import annotations

import pandas as pd

from . import group_colors, new_axes


def frequency_bars(distribution: pd.DataFrame, ax=None):
    """Bar chart of customers by number of purchase days (from ``overview.frequency_distribution``)."""
    ax = new_axes("Purchases per customer", "distinct purchase days", "share of customers (%)", ax=ax)
    ax.bar(distribution.index.astype(str), 100 * distribution["share"], color="#1f4e79")
    for x, v in zip(distribution.index.astype(str), 100 * distribution["share"]):
        ax.annotate(f"{v:.0f}%", (x, v), ha="center", va="bottom", fontsize=8)
    return ax


def mix_bars(table: pd.DataFrame, column: str, ax=None):
    """Side-by-side shares of customers and of revenue by category."""
    ax = new_axes(f"Customers and revenue by {column.replace('_', ' ')}", column.replace("_", " "), "share (%)", ax=ax)
    cats = list(table.index.astype(str))
    width = 0.38
    xs = range(len(cats))
    ax.bar([x - width / 2 for x in xs], 100 * table["share of customers"], width, label="customers",
           color=group_colors(cats))
    if "share of revenue" in table:
        ax.bar([x + width / 2 for x in xs], 100 * table["share of revenue"], width, label="revenue",
               color=group_colors(cats), alpha=0.5, hatch="//")
    ax.set_xticks(list(xs), cats)
    ax.legend()
    return ax
