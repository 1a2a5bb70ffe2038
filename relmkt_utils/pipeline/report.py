"""A notebook's report while it runs: its answer, its findings, its sections and its settings.

The first code cell of every notebook creates the report, which shows the answer block there (an
empty "the answer appears here" until the first finding) and updates it as findings come in, so
the answer stands above the fold in JupyterLab and in both HTML versions alike::

    from relmkt_utils.notebook import Report, loyalty, plots
    report = Report("00_data_overview")

    # parameters cell ...

    ds = report.start(dataset, segment=segment)      # checks, loads, applies the section requirements

    %%section concentration                           # first line of each code cell of a section
    share = loyalty.top_share(revenue, 0.2)
    report.find("top20_revenue_share", share, against="below")   # the sentence, the answer, the index card
    report.readings()                                  # the "Reading it" rules whose condition holds

* :meth:`Report.start` checks the parameters against the notebook's spec (:mod:`relmkt_utils.present.narratives`),
  loads the dataset, makes every table and figure follow the suite's presentation, routes Python
  warnings to the run's warnings (never into a reader's page) and decides which sections the data
  support. A section that cannot run is listed once at the top of the report.
* ``%%section <id>`` runs a cell only when its section can run (in JupyterLab a skipped cell says
  why in one line); the reports leave the section's cells (tagged ``section:<id>``) out.
* :meth:`Report.find` records a finding (:mod:`relmkt_utils.present.findings`): its sentence is shown
  as the section's result, it joins the answer when the spec lists it, and in a batch run it goes to
  ``findings.json`` and ``metrics.json`` (the index card and the golden tests read them).
* :meth:`Report.readings` shows the readings of the current section whose condition holds.
"""
from __future__ import annotations

import html
import os
import warnings
from pathlib import Path

import numpy as np

from ..core.errors import DataError, ParameterError
from ..present import findings as fnd
from ..present import narratives
from ..present.findings import Findings
from ..present.readings import applicable
from . import record as rec


def _display(obj, **kwargs):
    try:
        from IPython.display import display
    except ImportError:  # outside Jupyter
        print(getattr(obj, "data", obj))
        return None
    return display(obj, **kwargs)


def _html(text: str):
    try:
        from IPython.display import HTML
    except ImportError:
        return text
    return HTML(text)


def in_batch() -> bool:
    """Whether this kernel runs inside ``relmkt run`` (which sets the run's metrics file)."""
    return bool(os.environ.get(rec.METRICS_ENV))


class Report:
    """The report of one notebook run (module docstring)."""

    def __init__(self, notebook: str):
        self.notebook = notebook
        self.spec = narratives.spec(notebook)
        self.findings = Findings()
        self.skipped: dict[str, str] = {}
        self.ds = None
        self.parameters: dict = {}
        self.currency = ""
        self.current = ""                       # the section whose cell is running
        self._answer = _display(_html(self._answer_html(pending=True)), display_id=True)

    # ---------------------------------------------------------------- start
    def start(self, dataset, **parameters):
        """Check the parameters, load the dataset and apply the sections' requirements; returns the
        :class:`~relmkt_utils.data.dataset.Dataset`."""
        from .. import plots, present
        from ..data import datasets

        problems = self.spec.parameter_problems(parameters)
        if problems:
            raise ParameterError("; ".join(problems))
        self.parameters = dict(parameters)
        if in_batch():
            _route_python_warnings()
        ds = datasets.load(dataset)
        self.ds, self.currency = ds, ds.currency
        present.use(ds.currency)
        plots.use_theme()
        self._register_magic()
        for section in self.spec.sections:          # in order: a section's own needs, then those it runs after
            reason = section.reason(ds, self.parameters)
            if not reason:
                before = next((self.spec.section(a) for a in section.after if a in self.skipped), None)
                reason = before and f"it needs {before.title}, which does not run here"
            if reason:
                self.skip(section.id, reason, cascade=False)
        _display(_html(""), metadata={"relmkt": {"dataset": _about(ds)}})
        self._update_answer()
        return ds

    def setting(self, name: str, value: str) -> None:
        """A setting that produced the numbers (the model, the margin and where it comes from, the
        time unit): shown in the report's header box beside the parameters."""
        if not in_batch():
            _display(_html(f"<p><strong>{html.escape(name)}:</strong> {html.escape(value)}</p>"))
            return
        _display(_html(""), metadata={"relmkt": {"setting": [name, value]}})

    # ---------------------------------------------------------------- sections
    def skip(self, section: str, reason: str, failed: bool = False, cascade: bool = True) -> None:
        """Leave ``section`` out of this run, with the sentence why (listed once at the top), and (with
        ``cascade``) the sections that run only after it."""
        s = self.spec.section(section)
        if section in self.skipped:
            return
        self.skipped[section] = reason
        if s.listed:
            rec.not_in_dataset(section, s.title, reason, failed=failed)
        else:
            rec.hide_section(section)
        for later in self.spec.dependents(section) if cascade else ():
            self.skip(later, f"it needs {s.title}, which " + ("could not be made" if failed else "does not run here"),
                      failed=failed)

    def fail(self, section: str, reason: str) -> None:
        """The data did not support ``section`` after all (a fit or a test could not be made): the
        section and those after it are listed as "could not be made" with ``reason``, which also goes to
        the run's warnings; the notebook goes on."""
        title = self.spec.section(section).title
        rec.note_warning(f"{title[:1].upper() + title[1:]} could not be made: {reason}")
        if not in_batch():
            _display(_html(f"<p><strong>{html.escape(title[:1].upper() + title[1:])} could not be made:</strong> "
                           f"{html.escape(rec.plain_words(reason))}</p>"))
        self.skip(section, rec.plain_words(reason), failed=True)

    def runs(self, section: str) -> bool:
        """Whether ``section`` runs on this dataset."""
        self.spec.section(section)
        return section not in self.skipped

    def _register_magic(self) -> None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
        if shell is None:
            return

        def section(line, cell):
            section_id = line.strip()
            self.spec.section(section_id)                       # an unknown id is a mistake in the notebook
            if section_id in self.skipped:
                if not in_batch():
                    _display(_html(f"<p><em>Not run on this dataset: {html.escape(self.skipped[section_id])}.</em></p>"))
                return None
            self.current = section_id
            failure = []

            def data_cannot(shell_, etype, value, tb, tb_offset=None):   # a user's data, not a bug: no traceback
                if isinstance(value, ParameterError):                    # a user's parameter stops the run
                    shell_.showtraceback((etype, value, tb), tb_offset=tb_offset)
                    return
                failure.append(" ".join(str(value).split()))

            shell.set_custom_exc((DataError, np.linalg.LinAlgError), data_cannot)
            try:
                result = shell.run_cell(cell)
            finally:
                shell.set_custom_exc((), None)
                self.current = ""
            if failure:
                self.fail(section_id, failure[0])
                return None
            result.raise_error()
            return None

        section.__doc__ = "Run the cell only when its section can run on this dataset (relmkt_utils.pipeline.report)."
        shell.register_magic_function(section, magic_kind="cell", magic_name="section")

    # ---------------------------------------------------------------- findings
    def find(self, key: str, value=None, *, show: bool = True, **kwargs) -> None:
        """Record the finding ``key`` (see :func:`relmkt_utils.present.findings.make` for the keywords:
        ``estimate=``, ``lower=``/``upper=``, ``covers=``, ``status=``, ``reason=``, ``card=`` and the
        context of its sentence); show its sentence unless ``show=False``; update the answer. The
        finding is ``report.findings[key]`` afterwards (nothing is returned, so a ``find`` that ends a
        cell prints nothing more)."""
        template = kwargs.pop("template", None) or self.spec.sentences.get(key)
        finding = fnd.make(key, value, template=template, currency=self.currency,
                           section=kwargs.pop("section", self.current), **kwargs)
        self.findings.add(finding)
        if show:
            _display(_html(f'<p class="relmkt-result"><strong>Result.</strong> {finding.sentence}</p>'))
        self._save()
        if key in self.spec.answer:
            self._update_answer()

    def record(self, **values) -> None:
        """Record numbers for researchers and the golden tests (``metrics.json``) that are not findings
        of the report: parameter estimates, fit statistics."""
        for key, value in values.items():
            rec.record(key, None if value is None else value if isinstance(value, (str, bool)) else float(value))

    def readings(self, section: str | None = None) -> None:
        """Show the readings of ``section`` (the running one by default) whose condition holds."""
        section = section or self.current
        for reading in applicable(self.spec.readings, section, self.findings):
            _display(_html(reading.render(self.findings)))

    def answer(self) -> list[fnd.Finding]:
        """The findings of the answer, in the spec's order."""
        return [self.findings[k] for k in self.spec.answer if k in self.findings]

    def _answer_html(self, pending: bool = False) -> str:
        dataset = self.ds.name if self.ds is not None else ""
        return fnd.answer_html(self.spec.question, self.answer(), dataset, pending=pending)

    def _update_answer(self) -> None:
        if self._answer is not None and hasattr(self._answer, "update"):
            self._answer.update(_html(self._answer_html(pending=True)))

    def _save(self) -> None:
        path = os.environ.get(rec.METRICS_ENV)
        if not path:
            return
        rec.write_json(Path(path).with_name("findings.json"), self.findings.to_json())
        for key, value in self.findings.metrics().items():
            rec.record(key, value)


def _about(ds) -> dict:
    """What the report's header box says about the dataset (plain text; the renderer escapes it)."""
    meta = ds.meta
    return {"name": ds.name, "description": str(meta.get("description", "")),
            "window": f"{meta.get('observation_start', '')} to {meta.get('observation_end', '')}",
            "currency": ds.currency, "time_unit": ds.time_unit.name, "provenance": str(meta.get("provenance", "")),
            "licence": str(meta.get("licence", meta.get("license", "")))}


def _route_python_warnings() -> None:
    """In a batch run, a Python warning goes to the run's warnings list, never into the page; the
    suite's own (convergence, estimation) keep their sentence, others say where they came from."""
    from ..core.errors import ConvergenceWarning, EstimationWarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, (ConvergenceWarning, EstimationWarning)):
            rec.note_warning(str(message))
        else:
            rec.note_warning(f"Python {category.__name__} ({Path(str(filename)).name}): {message}")

    showwarning._relmkt = True
    warnings.showwarning = showwarning
