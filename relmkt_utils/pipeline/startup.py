"""Process start-up of the batch: keep an unused optional import from costing seconds per notebook.

``nbformat`` (imported by papermill and nbconvert) imports ``jsonschema``, which tries the optional
``rfc3987_syntax`` package to check the ``iri`` string format. That package is installed here as a
dependency of ``jupyter-events`` (JupyterLab) and builds a Lark grammar when imported: about 2.3 s,
in every worker process, for a check the notebook schema never uses (it has no ``iri`` fields).
Marking the module as absent makes ``jsonschema`` skip it, exactly as where it is not installed.
"""
from __future__ import annotations

import sys

SKIPPED = ("rfc3987_syntax",)


def skip_unused_slow_imports() -> None:
    """Mark :data:`SKIPPED` as not installed for this process (no effect once already imported)."""
    for name in SKIPPED:
        sys.modules.setdefault(name, None)
