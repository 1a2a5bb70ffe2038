"""One plotting theme for every notebook (seaborn on matplotlib), plus topic modules.

``use_theme()`` is called once at the top of a notebook. ``new_axes(title, xlabel, ylabel)`` gives
labelled axes; every figure of the suite has a title and axis labels with units. Topic modules
(``plots.loyalty``, ``plots.btyd``, ``plots.value``, ``plots.referral``, ``plots.retention``) draw
the figures of one notebook each and return the matplotlib ``Axes`` or ``Figure``.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() == "agg" else None  # keep inline in Jupyter

import matplotlib.pyplot as plt
import seaborn as sns

PALETTE = ["#1f4e79", "#c0504d", "#4f9d69", "#e39b2d", "#7d5ba6", "#5b9bd5", "#8c8c8c"]
#: Fixed colours so a category keeps its colour across notebooks.
CATEGORY_COLORS = {
    "financial": "#e39b2d",
    "social": "#5b9bd5",
    "structural": "#1f4e79",
    "organic": "#4f9d69",
    "paid": "#c0504d",
    "referral": "#7d5ba6",
    "program": "#1f4e79",
    "holdout": "#8c8c8c",
    "promoter": "#4f9d69",
    "passive": "#bfbfbf",
    "detractor": "#c0504d",
}
FIGSIZE = (7.5, 4.2)


def use_theme() -> None:
    """Apply the suite's theme: white grid, readable fonts, fixed palette, SVG-quality DPI."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=0.95)
    plt.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "svg.hashsalt": "relmkt",
        }
    )


def new_axes(title: str, xlabel: str, ylabel: str, ax=None, figsize=None):
    """Axes with title and labels set; creates a figure when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize or FIGSIZE)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def color_of(category: str, default: str = "#1f4e79") -> str:
    return CATEGORY_COLORS.get(str(category), default)
