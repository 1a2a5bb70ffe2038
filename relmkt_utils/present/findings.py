"""Findings as data: what a report found, typed, with its status and the sentence that states it.

A :class:`Finding` is one result of a section: its value and kind (from the names registry,
:mod:`.names`), its interval and what that interval covers, its **status** and the sentence that
states it. The report's first block (``id="answer"``), the readings (:mod:`.readings`) and the
index card are all rendered from the same findings, so they cannot disagree.

Statuses:

* ``ok`` -- an estimate to read as it stands;
* ``caution`` -- an estimate that exists but needs care (a short model history, a fit that misses
  its holdout, an interval that covers less than it seems); its sentence says so and it never
  stands on the index card as a bare number;
* ``not estimable`` -- the data cannot give it; the value is None and the sentence says why.

Sentences are written from templates (:func:`compose`): ``{value}`` is the finding's value in its
kind and unit (in bold), ``{interval}`` its interval with what it covers, ``{label}`` its plain
name, and ``{x:kind}`` any other number of the context in a kind (``{n:count}``,
``{share:share}``, ``{amount:money}``); a plain ``{x}`` is text from data, escaped.
"""
from __future__ import annotations

import html
import math
import string
from dataclasses import asdict, dataclass, field, replace

from .names import name as quantity_name
from .tables import MISSING, fmt

OK, CAUTION, NOT_ESTIMABLE = "ok", "caution", "not estimable"
STATUSES = (OK, CAUTION, NOT_ESTIMABLE)


def _number(x) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def value_text(value, kind: str, unit: str = "", currency: str = "") -> str:
    """A value as a reader sees it: in its kind, with its unit (money with the currency)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if kind == "number" and isinstance(value, (int, float)) and float(value).is_integer() and abs(value) < 1e15:
        kind = "count"                                   # 9 days, not 9.00 days
    text = fmt(value, kind, currency)
    if unit and kind in ("number", "count"):
        text = f"{text} {unit}"
    return text


def interval_text(lower, upper, kind: str, unit: str = "", currency: str = "", level: float = 0.95) -> str:
    """``95% CI 1,318 to 1,382 TWD``: both ends in the value's kind, the unit written once."""
    lo, hi = fmt(lower, kind, currency), fmt(upper, kind, currency)
    if kind == "money" and currency:
        lo = lo.removesuffix(f" {currency}")
    if kind == "points":                    # the unit stands once, after the estimate the interval follows
        lo, hi = lo.removesuffix(" percentage points"), hi.removesuffix(" percentage points")
    return f"{round(100 * level)}% CI {lo} to {hi}"


@dataclass(frozen=True)
class Finding:
    """One result of a report (module docstring). ``card`` is False for a finding about other data
    than the run's own (a published benchmark): the index card quotes only its own dataset."""

    key: str
    value: object = None
    kind: str = "number"
    unit: str = ""
    label: str = ""
    lower: float | None = None
    upper: float | None = None
    level: float = 0.95
    covers: str = ""
    status: str = OK
    reason: str = ""
    sentence: str = ""
    section: str = ""
    card: bool = True
    currency: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"finding {self.key}: status must be one of {STATUSES}, got {self.status!r}")
        if self.status != OK and not self.reason:
            raise ValueError(f"finding {self.key}: a {self.status} finding needs its reason")
        if (self.lower is None) != (self.upper is None):
            raise ValueError(f"finding {self.key}: an interval needs both ends")
        v, lo, hi = _number(self.value), _number(self.lower), _number(self.upper)
        if v is not None and lo is not None and hi is not None and \
                not (lo - 1e-9 * max(1.0, abs(lo)) <= v <= hi + 1e-9 * max(1.0, abs(hi))):
            raise ValueError(f"finding {self.key}: the value {v} lies outside its interval [{lo}, {hi}] "
                             f"(an estimate and its interval must be on one scale)")

    @property
    def ok(self) -> bool:
        return self.status == OK

    def text(self) -> str:
        """The value in its kind and unit."""
        return value_text(self.value, self.kind, self.unit, self.currency)

    def interval(self) -> str:
        """``95% CI lo to hi`` (and what it covers), or an empty string."""
        if self.lower is None:
            return ""
        kind = self.kind
        if kind == "number" and all(float(x).is_integer() for x in (self.value, self.lower, self.upper)):
            kind = "count"                                # 8 days (95% CI 7 to 9), as the value is written
        text = interval_text(self.lower, self.upper, kind, self.unit, self.currency, self.level)
        return f"{text}; {self.covers}" if self.covers else text

    def to_json(self) -> dict:
        out = asdict(self)
        for k in ("value", "lower", "upper"):
            if isinstance(out[k], float) and not math.isfinite(out[k]):
                out[k] = None
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Finding":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class _SentenceFormatter(string.Formatter):
    """``{x:kind}`` formats a number of the context by kind; a bare ``{x}`` is escaped text."""

    def __init__(self, currency: str):
        self.currency = currency

    def format_field(self, value, format_spec):
        if format_spec == "raw":                                 # markup the template itself built
            return str(value)
        if format_spec:
            kind, _, unit = format_spec.partition(" ")
            return html.escape(value_text(value, kind, unit, self.currency))
        if isinstance(value, float):
            return html.escape(fmt(value, "number", self.currency))
        return html.escape(str(value))


def compose(template: str, finding: Finding, **context) -> str:
    """The sentence of ``finding`` from ``template`` (module docstring), as HTML. A template may be a
    function of the finding (and of the context, when it takes two arguments) that returns the template
    (a sentence that says "more" or "less")."""
    if finding.status == NOT_ESTIMABLE:
        return with_status("", finding)
    if callable(template):
        template = template(finding, context) if template.__code__.co_argcount == 2 else template(finding)
    interval = finding.interval()
    fields = {"value": f"<strong>{html.escape(finding.text())}</strong>",
              "interval": f" ({html.escape(interval)})" if interval else "",
              "label": html.escape(finding.label), "Label": html.escape(capital(finding.label))}
    body = _SentenceFormatter(finding.currency).vformat(
        template.replace("{value}", "{value:raw}").replace("{interval}", "{interval:raw}")
        .replace("{label}", "{label:raw}").replace("{Label}", "{Label:raw}"), (), {**context, **fields})
    return with_status(body, finding)


def with_status(body: str, finding: Finding) -> str:
    """A sentence with the finding's status in it: a caution says its reason after the sentence; a
    finding that cannot be estimated is the sentence why."""
    if finding.status == NOT_ESTIMABLE:
        return f"{html.escape(capital(finding.label))} could not be estimated: {html.escape(_period(finding.reason))}"
    if finding.status == CAUTION:
        return f"{body} <em>Caution: {html.escape(_period(finding.reason))}</em>"
    return body


def capital(text: str) -> str:
    """``text`` with a capital first letter, unless it starts with a name that has its own (sBG, pH)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].upper() + text[1:]


def _period(text: str) -> str:
    text = " ".join(str(text).split())
    return text if text.endswith((".", "!", "?")) else text + "."


def make(key: str, value=None, *, lower=None, upper=None, estimate=None, level: float = 0.95, covers: str = "",
         status: str | None = None, reason: str = "", template: str | None = None, section: str = "",
         card: bool = True, currency: str = "", label: str | None = None, **context) -> Finding:
    """A finding for the registered quantity ``key``, its sentence composed from ``template`` (a
    default sentence "{Label}: {value}{interval}." when None).

    ``estimate`` (an object with ``value``, ``lower``, ``upper``, e.g. :class:`relmkt_utils.core.estimate.Estimate`)
    gives value and interval at once. A value that is None or not finite makes the finding
    ``not estimable`` (``reason`` says why); ``status="caution"`` needs its ``reason`` too.
    """
    n = quantity_name(key)
    if estimate is not None:
        value, lower, upper = estimate.value, estimate.lower, estimate.upper
        level = 1 - getattr(estimate, "alpha", 1 - level)
    numeric = n.kind != "text"
    if numeric and _number(value) is None:
        status, value, lower, upper = NOT_ESTIMABLE, None, None, None
        reason = reason or "the data do not support it"
    elif numeric:
        value = float(value)
        if n.kind == "share" and not -1e-9 <= value <= 1 + 1e-9:
            raise ValueError(f"finding {key}: a share lies in [0, 1], got {value:g} (a change of a quantity is "
                             "kind 'change', percentage points 'points')")
        if n.kind == "count" and value.is_integer():
            value = int(value)
        if lower is not None and (_number(lower) is None or _number(upper) is None):
            lower = upper = None
        elif lower is not None:
            lower, upper = float(lower), float(upper)
    status = status or OK
    if status == OK:
        reason = ""                                      # a reason belongs to a caution or a missing estimate
    finding = Finding(key=key, value=value, kind=n.kind, unit=n.unit, label=label or n.label, lower=lower,
                      upper=upper, level=level, covers=covers, status=status, reason=reason, section=section,
                      card=card, currency=currency)
    sentence = compose(template or "{Label}: {value}{interval}.", finding, **context)
    return replace(finding, sentence=sentence)


@dataclass
class Findings:
    """The findings of one report, in the order they were found, by key."""

    items: dict[str, Finding] = field(default_factory=dict)

    def add(self, finding: Finding) -> Finding:
        self.items[finding.key] = finding
        return finding

    def __contains__(self, key) -> bool:
        return key in self.items

    def __getitem__(self, key) -> Finding:
        return self.items[key]

    def __iter__(self):
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def get(self, key) -> Finding | None:
        return self.items.get(key)

    def ok(self, key) -> bool:
        """Whether ``key`` was found with status ok."""
        f = self.items.get(key)
        return f is not None and f.ok

    def value(self, key, default=None):
        """The value of an ok finding, else ``default``: a rule never reads a number that is not ok."""
        f = self.items.get(key)
        return f.value if f is not None and f.ok else default

    def to_json(self) -> list[dict]:
        return [f.to_json() for f in self.items.values()]

    @classmethod
    def from_json(cls, rows: list[dict]) -> "Findings":
        out = cls()
        for row in rows or []:
            out.add(Finding.from_json(row))
        return out

    def metrics(self) -> dict:
        """The flat numbers of the findings, as the golden metrics record them: ``key`` and, with an
        interval, ``key_ci_low`` and ``key_ci_high``."""
        out = {}
        for f in self.items.values():
            out[f.key] = f.value
            if f.lower is not None:
                out[f"{f.key}_ci_low"], out[f"{f.key}_ci_high"] = f.lower, f.upper
        return out


STATUS_WORDS = {OK: "", CAUTION: "Caution", NOT_ESTIMABLE: "Not estimable"}


def answer_html(question: str, findings: list[Finding], dataset: str = "", pending: bool = False) -> str:
    """The report's first block: the question, then one sentence per finding with its status."""
    items = "".join(f'<li class="finding {f.status.replace(" ", "-")} {f.kind}">{f.sentence}</li>' for f in findings)
    on = f" for <em>{html.escape(dataset)}</em>" if dataset else ""
    if not items:
        items = ("<li>The answer appears here as the notebook runs.</li>" if pending
                 else "<li>No finding could be made on these data; the sections below say why.</li>")
    return (f'<div class="relmkt-answer" id="answer"><p class="relmkt-question"><strong>The question.</strong> '
            f"{html.escape(question)}</p><p><strong>The answer{on}.</strong></p><ul>{items}</ul></div>")
