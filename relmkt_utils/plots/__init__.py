"""One plotting theme for every notebook (seaborn on matplotlib), plus topic modules.

``use_theme()`` is called once at the top of a notebook. ``new_axes(title, xlabel, ylabel)`` gives
labelled axes; every figure of the suite has a title and axis labels with units. Topic modules
(``plots.loyalty``, ``plots.btyd``, ``plots.value``, ``plots.referral``, ``plots.retention``) draw
the figures of one notebook each and return the matplotlib ``Axes`` or ``Figure``.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() == "agg" else None  # keep inline in Jupyter

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

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
    """Apply the suite's theme: white grid, readable fonts (with a CJK fallback for the Chinese terms),
    fixed palette, legends without frames, and figures at twice the pixel density in Jupyter ("retina"
    PNG), so they stay sharp when a reader zooms."""
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
            "font.sans-serif": ["DejaVu Sans", "Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei",
                                "Arial Unicode MS", "sans-serif"],
            "axes.titlepad": 10,
            "legend.fontsize": 9,
        }
    )
    try:  # sharp figures in the notebook and its HTML: PNG at twice the resolution, shown at the same size
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except ImportError:
        pass


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


def group_colors(names) -> list[str]:
    """One colour per group, all different: the fixed colour of a known category (channel, level,
    NPS group), else the palette in order, or evenly spaced viridis colours when there are more
    groups than palette colours (ten age groups)."""
    names = [str(n) for n in names]
    others = [n for n in names if n not in CATEGORY_COLORS]
    free = [c for c in PALETTE if c not in {CATEGORY_COLORS[n] for n in names if n in CATEGORY_COLORS}]
    if len(others) > len(free):
        cmap = matplotlib.colormaps["viridis"]
        free = [matplotlib.colors.to_hex(cmap(x)) for x in np.linspace(0.0, 0.92, len(others))]
    spare = dict(zip(others, free))
    return [CATEGORY_COLORS.get(n) or spare[n] for n in names]


def legend_outside(ax, title: str | None = None):
    """The legend to the right of the axes, where it cannot cover the data."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title=title, fontsize=9)


def date_axis(ax) -> None:
    """Readable dates on the x axis: as many ticks as fit, labelled concisely (``1997``, ``Apr``, ``Jul``)."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def label_points(ax, xs, ys, texts, fontsize: int = 8, offset=(5, 4)) -> None:
    """Label scatter points without the labels overlapping: each label starts just right of its
    point and, when it would overlap a label already placed, moves down (then up) by a line until it
    is free; a moved label gets a thin leader line to its point."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    placed = []
    order = sorted(range(len(texts)), key=lambda i: -float(ys[i]))
    for i in order:
        dx, dy = offset
        for step in [0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5]:
            ann = ax.annotate(str(texts[i]), (xs[i], ys[i]), textcoords="offset points",
                              xytext=(dx, dy + step * (fontsize + 3)), fontsize=fontsize,
                              arrowprops=None if step == 0 else dict(arrowstyle="-", lw=0.5, color="#888888"))
            box = ann.get_window_extent(renderer).expanded(1.02, 1.1)
            if not any(box.overlaps(b) for b in placed):
                placed.append(box)
                break
            ann.remove()
        else:
            placed.append(ax.annotate(str(texts[i]), (xs[i], ys[i]), textcoords="offset points", xytext=offset,
                                      fontsize=fontsize).get_window_extent(renderer))
