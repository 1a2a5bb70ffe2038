"""The presentation layer of the notebooks: how values from data and config are shown to readers.

:func:`escape` is the one way a notebook puts a value it did not write itself (a dataset's name,
description, provenance, currency, a category or column name) into Markdown: the value shows as the
text it is, whatever characters it holds.
"""
from .text import dataset_header, escape

__all__ = ["dataset_header", "escape"]
