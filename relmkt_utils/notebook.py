"""Everything a notebook of the suite uses, behind one import line.

``from relmkt_utils.notebook import Report, loyalty, plots, show`` gives the report of the run
(:class:`~relmkt_utils.pipeline.report.Report`), the science packages (``btyd``, ``loyalty``,
``value``, ``referral``, ``retention``), the figures (``plots``, with one module per topic:
``plots.loyalty``, ``plots.btyd``, ...), the data helpers (``datasets``, ``overview``), the reader's
tables (``Table``, ``model_table``, ``describe``), the steps the data may not support
(``attempt``), the tables written beside a report (``save_table``) and :func:`show`.

Each name is imported when a notebook asks for it (PEP 562), so a notebook pays only for the
packages it uses.
"""
from __future__ import annotations

import importlib

#: name -> (module, attribute or None for the module itself)
_EXPORTS = {
    "Report": ("relmkt_utils.pipeline.report", "Report"),
    "attempt": ("relmkt_utils.pipeline.record", "attempt"),
    "save_table": ("relmkt_utils.pipeline.record", "save_table"),
    "btyd": ("relmkt_utils.btyd", None),
    "loyalty": ("relmkt_utils.loyalty", None),
    "value": ("relmkt_utils.value", None),
    "referral": ("relmkt_utils.referral", None),
    "retention": ("relmkt_utils.retention", None),
    "datasets": ("relmkt_utils.data.datasets", None),
    "overview": ("relmkt_utils.data.overview", None),
    "Table": ("relmkt_utils.present", "Table"),
    "Paragraph": ("relmkt_utils.present", "Paragraph"),
    "model_table": ("relmkt_utils.present", "model_table"),
    "describe": ("relmkt_utils.present", "describe"),
    "recovery_table": ("relmkt_utils.core.estimate", "recovery_table"),
}
PLOT_MODULES = ("btyd", "loyalty", "overview", "referral", "retention", "value")

__all__ = sorted([*_EXPORTS, "plots", "show"])


def __getattr__(name: str):
    if name == "plots":
        plots = importlib.import_module("relmkt_utils.plots")
        for topic in PLOT_MODULES:
            importlib.import_module(f"relmkt_utils.plots.{topic}")
        return plots
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        found = importlib.import_module(module)
        return found if attribute is None else getattr(found, attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def show(*items, caption: str | None = None) -> None:
    """Display each item where it is called: a matplotlib figure or axes is drawn there (and closed,
    so it is not drawn twice); anything else as Jupyter displays it (a DataFrame as the suite's
    reader's table). ``caption`` follows the items as "*Figure: ...*" (it is also the figure's alt
    text in the HTML reports), or "*Table: ...*" when no item is a figure."""
    from IPython.display import Markdown, display

    figures = 0
    for item in items:
        figure = item if hasattr(item, "savefig") else getattr(item, "figure", None)
        if figure is not None and hasattr(figure, "savefig"):
            import matplotlib.pyplot as plt

            figures += 1
            display(figure)
            plt.close(figure)
        else:
            display(item)
    if caption:
        display(Markdown(f"*{'Figure' if figures else 'Table'}: {caption}*"))
