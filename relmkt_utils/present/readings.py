"""Readings are rules: a "Reading it" paragraph is shown only where its condition holds on the findings.

A :class:`Reading` names its section, states its condition in words (``condition``) and as a
function of the findings (``when``), and gives its text, fixed or written from the findings. A
notebook asks for the readings of a section (:func:`applicable`) after the section has recorded its
findings; a reading whose condition does not hold is not shown, so no paragraph speaks of data the
run does not have or contradicts the numbers above it. Conditions read only findings of their own
section or of earlier ones (the rule test of the reports checks every reading of every golden run
against the run's final findings).

Conditions read values through :meth:`Findings.value`, which gives None for a finding that is not
ok: a reading never rests on an estimate with a caution unless it says so itself.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable

from .findings import Findings


@dataclass(frozen=True)
class Reading:
    """One "Reading it" rule (module docstring)."""

    id: str
    section: str
    condition: str
    when: Callable[[Findings], bool]
    text: Callable[[Findings], str] | str

    def holds(self, findings: Findings) -> bool:
        try:
            return bool(self.when(findings))
        except (TypeError, KeyError, ZeroDivisionError):     # a finding it needs is missing or not ok
            return False

    def render(self, findings: Findings) -> str:
        """The paragraph as HTML (the text is the project's own Markdown-free HTML; values in it are
        formatted by the text function)."""
        body = self.text(findings) if callable(self.text) else self.text
        return (f'<div class="relmkt-reading" id="reading-{html.escape(self.id)}"><p><strong>Reading it.</strong> '
                f"{body}</p></div>")


def applicable(readings, section: str, findings: Findings) -> list[Reading]:
    """The readings of ``section`` whose condition holds, in their order."""
    return [r for r in readings if r.section == section and r.holds(findings)]


def check_unique(readings) -> None:
    """Reading ids are unique (they are the anchors the rule test looks for)."""
    seen = set()
    for r in readings:
        if r.id in seen:
            raise ValueError(f"reading id {r.id!r} is used twice")
        seen.add(r.id)
