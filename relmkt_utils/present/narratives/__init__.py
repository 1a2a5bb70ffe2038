"""What each notebook's report says, as data: its question, its sections and what they need, the
findings of its answer, the sentences of its findings and its readings (rules).

One module per notebook (:mod:`.overview`, :mod:`.loyalty`, ...) defines a :class:`Spec`; the
notebook's :class:`relmkt_utils.pipeline.report.Report` reads it. Keeping this beside the
presentation layer, not in the notebook, makes every reading and every requirement a function the
tests can evaluate on any run.

* A :class:`Section` declares what it needs from the dataset and the parameters (``needs``: a
  function returning None when the section can run, else the sentence why not). A section that
  cannot run is listed once at the top of the report ("Not in this dataset") and its cells (tagged
  ``section:<id>``; code cells start with ``%%section <id>``) are not shown; ``listed=False``
  hides it without listing (remarks on a synthetic world's truth on real data). A section whose data
  turn out not to support it while it runs (a fit that cannot be made) is listed as "could not be
  made", with the sections declared ``after`` it.
* ``answer``: the keys of the findings that answer the question, in order (3-6 sentences).
* ``sentences``: the template of each finding's sentence (:func:`relmkt_utils.present.findings.compose`).
* ``readings``: the "Reading it" rules (:mod:`relmkt_utils.present.readings`).
* ``parameters``: a check per parameter (:class:`Check`), applied before a run by ``relmkt run``
  and in the kernel by ``Report.start``; types come from the annotations of the parameters cell.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from ..readings import Reading, check_unique


@dataclass(frozen=True)
class Section:
    """A section of a report and what it needs (module docstring)."""

    id: str
    title: str
    needs: Callable | None = None
    listed: bool = True
    #: sections that must have run for this one to run (a fit that failed takes its checks with it)
    after: tuple[str, ...] = ()

    def reason(self, ds, parameters: dict) -> str | None:
        """None when the section can run on ``ds`` with ``parameters``, else the sentence why not."""
        return None if self.needs is None else self.needs(ds, parameters)


@dataclass(frozen=True)
class Check:
    """A rule on one parameter's value, with the sentence that states it."""

    rule: Callable[[object], bool]
    sentence: str

    def fails(self, value) -> bool:
        try:
            return not self.rule(value)
        except TypeError:
            return True


def at_least(low, what: str = "") -> Check:
    return Check(lambda v: v >= low, f"must be at least {low}{what}")


def between(low, high, what: str = "") -> Check:
    return Check(lambda v: low <= v <= high, f"must lie in [{low}, {high}]{what}")


def above(low, what: str = "") -> Check:
    return Check(lambda v: v > low, f"must be above {low}{what}")


def one_of(*choices) -> Check:
    return Check(lambda v: v in choices, "must be one of " + ", ".join(repr(c) for c in choices))


@dataclass(frozen=True)
class Spec:
    """Everything a notebook's report says besides its fixed narrative (module docstring)."""

    notebook: str
    question: str
    sections: tuple[Section, ...] = ()
    answer: tuple[str, ...] = ()
    sentences: dict = field(default_factory=dict)
    readings: tuple[Reading, ...] = ()
    parameters: dict = field(default_factory=dict)

    def __post_init__(self):
        check_unique(self.readings)
        ids = [s.id for s in self.sections]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.notebook}: a section id is declared twice")
        unknown = {r.section for r in self.readings} - set(ids)
        if unknown:
            raise ValueError(f"{self.notebook}: readings of undeclared sections {sorted(unknown)}")

    def dependents(self, section_id: str) -> list[str]:
        """The sections that run only after ``section_id`` (directly or through others), in order."""
        out, frontier = [], {section_id}
        changed = True
        while changed:
            changed = False
            for s in self.sections:
                if s.id not in out and s.id != section_id and frontier & set(s.after):
                    out.append(s.id)
                    frontier.add(s.id)
                    changed = True
        return [s.id for s in self.sections if s.id in out]

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"{self.notebook} declares no section {section_id!r} (its sections: "
                       f"{', '.join(s.id for s in self.sections)})")

    def parameter_problems(self, parameters: dict) -> list[str]:
        """One sentence per parameter whose value breaks its check."""
        return [f"parameter {name} {check.sentence}, got {parameters[name]!r}"
                for name, check in self.parameters.items() if name in parameters and check.fails(parameters[name])]


#: notebook file name (without .ipynb) -> module of this package holding its ``SPEC``
MODULES = {"00_data_overview": "overview", "01_loyalty_measurement": "loyalty", "02_delivered_value": "value",
           "03_referral_roi": "referral", "04_retention_vs_acquisition": "retention"}


def spec(notebook: str) -> Spec:
    """The :class:`Spec` of a notebook (by its file name without ``.ipynb``); a notebook of the
    user's own without a spec gets an empty one (no sections, no readings)."""
    module = MODULES.get(notebook)
    if module is None:
        return Spec(notebook=notebook, question="")
    try:
        return importlib.import_module(f"{__name__}.{module}").SPEC
    except ModuleNotFoundError as err:
        if err.name == f"{__name__}.{module}":
            return Spec(notebook=notebook, question="")
        raise


# requirements shared by several notebooks

def needs_table(*tables: str) -> Callable:
    """A section that needs these tables of the dataset."""
    def needs(ds, parameters):
        missing = [t for t in tables if getattr(ds, t, None) is None]
        if missing:
            return f"the dataset has no {' and no '.join(missing)} table"
        return None
    return needs


def needs_log_in_memory(ds, parameters) -> str | None:
    """A section that reads the transaction log into memory."""
    if ds.transactions is not None:
        return None
    if ds.transactions_source is not None:
        return "it needs the log in memory, and this dataset's is read out of core (transactions_path)"
    return "the dataset has no transactions table"


def needs_truth(ds, parameters) -> str | None:
    """Remarks on the generator's truth: synthetic data only (hidden, not listed, elsewhere)."""
    return None if ds.truth else "the data are real, without a generator's truth"


def needs_groups(ds, parameters) -> str | None:
    """A comparison of groups: a ``segment`` column, or the relationship level and channel."""
    if ds.customers is None:
        return "the dataset has no customers table to form groups"
    if not ds.segments(parameters.get("segment", "")):
        return ("the customers table has no channel or relationship level; name another of its columns with the "
                "segment parameter")
    return None


def all_of(*needs: Callable) -> Callable:
    """A section that needs all of these."""
    def combined(ds, parameters):
        for n in needs:
            reason = n(ds, parameters)
            if reason:
                return reason
        return None
    return combined
