"""Record a notebook run's key numbers and the warnings a reader must see, for the batch's index.

``record(name, value)`` appends a value to the file named by the environment variable
``RELMKT_METRICS`` (set by the batch for each run; ``metrics.json`` of the run) and returns it.
Outside the batch nothing is written. Values must be JSON-serializable scalars (numbers, strings,
booleans, None); numpy scalars are converted, non-finite floats are stored as null.

``note_warning(sentence)`` adds a sentence to the run's ``warnings.json`` (beside ``metrics.json``),
which the batch copies into the run's ``index.json`` entry and shows on the index page: what could
not be estimated, a fit that did not converge, a section the data could not support. Importing this
module inside a batch run also routes every :class:`~relmkt_utils.core.errors.ConvergenceWarning`
and :class:`~relmkt_utils.core.errors.EstimationWarning` issued in the kernel to ``note_warning``
(they are still shown in the notebook as usual), so no such warning is lost on the way to the index.
"""
from __future__ import annotations

import json
import math
import os
import re
import warnings
from contextlib import contextmanager
from numbers import Number
from pathlib import Path

import numpy as np

from ..core.errors import ConvergenceWarning, DataError, EstimationWarning

METRICS_ENV = "RELMKT_METRICS"


def _plain(value):
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Number):
        v = float(value) if not isinstance(value, int) else value
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v
    raise TypeError(f"record() takes a number, string, boolean or None, not {type(value).__name__}")


def _update(path: str, update) -> None:
    """Read, update and write back a JSON file of the run, atomically (a temporary file beside it,
    renamed into place; never through a symbolic link): an interrupted write keeps the previous version."""
    from ..core.files import atomic_write

    data = {} if not os.path.exists(path) else json.loads(Path(path).read_text(encoding="utf-8"))
    data = update(data)
    atomic_write(path, json.dumps(data, indent=2, sort_keys=isinstance(data, dict)) + "\n")


def write_json(path, data) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file beside it and a rename, so that a
    reader never sees half a file."""
    from ..core.files import atomic_write

    atomic_write(Path(path), json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def record(name: str, value) -> object:
    """Record a key number of this run; returns the plain value."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"metric name must be an identifier, got {name!r}")
    plain = _plain(value)
    path = os.environ.get(METRICS_ENV)
    if path:
        _update(path, lambda metrics: {**metrics, name: plain})
    return plain


def save_table(name: str, table) -> str | None:
    """Write ``table`` (a DataFrame) as ``<name>.csv`` beside the run's report and return the file name;
    outside the batch (JupyterLab) nothing is written and None is returned, so that no file of the
    user's is ever replaced (call ``table.to_csv(path)`` there). The index links every such file.
    A named index (``customer_id``) is written as the first column; an unnamed row number is not.
    Text cells that a spreadsheet would run as formulas (``=``, ``+``, ``-``, ``@``, tab, CR first)
    get a leading ``'`` (OWASP; :mod:`relmkt_utils.core.csv_safety`); the file is written atomically."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"table name must be an identifier, got {name!r}")
    path = os.environ.get(METRICS_ENV)
    if not path:
        return None
    from ..core.csv_safety import line_end, neutralize_frame
    from ..core.files import atomic_output

    target = Path(path).with_name(f"{name}.csv")
    named_index = any(level is not None for level in table.index.names)   # e.g. customer_id; a row number is not data
    safe, _ = neutralize_frame(table)
    with atomic_output(target) as tmp:
        safe.to_csv(tmp, index=named_index, encoding="utf-8", lineterminator=line_end(safe), float_format="%.10g")
    return target.name


def warnings_path() -> str | None:
    """The run's ``warnings.json`` (beside ``metrics.json``), or None outside the batch."""
    path = os.environ.get(METRICS_ENV)
    return str(Path(path).with_name("warnings.json")) if path else None


def note_warning(sentence: str) -> str:
    """Add a warning sentence to this run's ``warnings.json`` (each sentence once); returns it."""
    path = warnings_path()
    text = " ".join(str(sentence).split())
    if path:
        _update(path, lambda ws: ws if text in (ws or []) else [*(ws or []), text])
    return text


def _show(markdown: str) -> None:
    try:
        from IPython.display import Markdown, display

        display(Markdown(markdown))
    except ImportError:  # outside Jupyter
        print(markdown)


_PARAMETER = re.compile(r"\b(?:purchase|dropout(?:_a|_b)?|spend):[\w.=+-]+")


def plain_words(sentence: str) -> str:
    """A message for readers: model parameters named as in the tables (``dropout_a:age_group=55-59`` ->
    "dropout (a): age group = 55-59")."""
    from ..present.tables import parameter_label

    return _PARAMETER.sub(lambda m: parameter_label(m.group(0)), sentence)


@contextmanager
def attempt(what: str):
    """Run a step of a notebook whose result the data may not support (a fit, an interval, a table):

    * a :class:`~relmkt_utils.core.errors.DataError` (the data cannot give this estimate, with the
      sentence why) or a singular matrix ends the step; the report says "**<what> could not be made:**
      <why>" and the sentence goes to the run's warnings; the notebook goes on;
    * a :class:`~relmkt_utils.core.errors.ConvergenceWarning` or
      :class:`~relmkt_utils.core.errors.EstimationWarning` raised in the step is shown right there,
      beside the result it concerns, as a caution, and goes to the run's warnings.

    Give the step's variables a value (``None``) before the ``with`` block and test it after."""
    from ..present import escape

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", EstimationWarning)
        try:
            yield
        except (DataError, np.linalg.LinAlgError) as err:
            sentence = " ".join(str(err).split())
            _show(f"**{escape(what)} could not be made:** {escape(plain_words(sentence))}")
            note_warning(f"{what} could not be made: {sentence}")
    for w in caught:
        if issubclass(w.category, (ConvergenceWarning, EstimationWarning)):
            _show(f"**Caution ({escape(what)}):** {escape(plain_words(str(w.message)))}")
            note_warning(str(w.message))
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _display_with_metadata(markdown: str, metadata: dict) -> None:
    try:
        from IPython.display import Markdown, display

        display(Markdown(markdown), metadata={"relmkt": metadata})
    except ImportError:  # outside Jupyter
        print(markdown)


def not_in_dataset(section, title: str, reason: str, failed: bool = False) -> None:
    """Say that the section tagged ``section:<section>`` cannot run on this dataset, and why; several
    sections left out for one reason are one entry (``section`` a list of ids, ``title`` naming them).

    In JupyterLab the sentence shows where the section would be. In the reports the sections' cells
    (heading, method, code and its reading, all tagged ``section:<id>``) are left out and the
    sentence joins one short "Not in this dataset" list at the top; the run's ``skipped.json`` and its
    index entry list it."""
    from ..present import escape

    sections = section if isinstance(section, str) else list(section)
    head = "Could not be made" if failed else "Not in this dataset"
    _display_with_metadata(f"**{head}: {escape(title)}** — {escape(reason)}.",
                           {"not_in_dataset": sections, "title": title, "reason": reason, "failed": failed})
    path = os.environ.get(METRICS_ENV)
    if path:
        entry = {"section": sections, "title": title, "reason": reason, **({"failed": True} if failed else {})}
        _update(str(Path(path).with_name("skipped.json")), lambda xs: xs if entry in (xs or []) else [*(xs or []), entry])


def hide_section(section: str) -> None:
    """Leave the cells tagged ``section:<section>`` out of the reports without listing them: for
    commentary that only applies to other data (e.g. remarks on a synthetic world's truth)."""
    _display_with_metadata("", {"hide_section": section})


def recorded(path: str) -> dict:
    """Read a metrics file written by :func:`record` (empty dict if absent)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _route_relmkt_warnings() -> None:
    shown = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, (ConvergenceWarning, EstimationWarning)):
            note_warning(str(message))
        return shown(message, category, filename, lineno, file, line)

    if not getattr(warnings.showwarning, "_relmkt", False):
        showwarning._relmkt = True
        warnings.showwarning = showwarning


if os.environ.get(METRICS_ENV):
    _route_relmkt_warnings()
