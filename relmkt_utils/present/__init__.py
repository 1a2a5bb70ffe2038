"""The presentation layer of the reports: how numbers, tables and values from data are shown to readers.

* :mod:`.text` -- :func:`escape` (a value from data or config as literal Markdown text) and
  :func:`dataset_header`;
* :mod:`.tables` -- :func:`table_html`/:class:`Table` (integers as integers, money with currency,
  shares as %, p-values as "< 0.001", intervals as "12.4 (9.1 to 15.6)", one missing mark, human
  labels), :func:`model_table` for fitted models, and :func:`use`, which makes this the HTML of every
  DataFrame a notebook displays.
"""
from .tables import MISSING, Table, describe, fmt, key_numbers, label, model_table, p_text, rows_of_kind, table_html, use
from .text import Paragraph, dataset_header, escape

__all__ = ["MISSING", "Paragraph", "Table", "dataset_header", "describe", "escape", "fmt", "key_numbers", "label", "model_table", "p_text", "rows_of_kind", "table_html", "use"]
