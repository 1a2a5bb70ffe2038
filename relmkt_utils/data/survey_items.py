"""A survey's own item scale and constructs, declared in ``dataset.yml`` under ``survey_items``.

The canonical survey (``tables.py``) has Likert items ``<construct>_<k>`` on 1-7 for Kotler's eight
value and cost components, plus ``date`` and ``nps``. A published survey measures other constructs on
its own scale (the ECSI surveys: image, expectations, perceived quality, perceived value, satisfaction,
complaints, loyalty on 0-10 or 1-10) and often has neither dates nor an NPS question. Such a dataset
declares its items::

    survey_items:
      scale: [1, 10]                    # every declared item is a whole number in [lo, hi]
      constructs:                       # construct -> the survey columns that measure it
        image: [image_1, image_2, image_3]
        loyalty: [loyalty_1, loyalty_2]
      wording:                          # optional: question text of an item, or of a construct
        image_1: Reputation of the provider

Rules (``yaml_survey_items``): ``scale`` is two whole numbers lo < hi; ``constructs`` maps each name
(lower-case letters, digits, ``_``) to a non-empty list of column names, no column listed twice;
``wording`` (optional) maps a declared item or construct to text; no other key. With a declaration,
the survey's declared items are required columns checked against the declared scale
(``integer_range``), and ``date`` and ``nps`` become optional (a published item survey has neither).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

KEY = "survey_items"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SurveyItems:
    """A validated ``survey_items`` declaration: item scale, constructs and (optional) wording."""

    lo: int
    hi: int
    constructs: dict[str, tuple[str, ...]]
    wording: dict[str, str] = field(default_factory=dict)

    @property
    def items(self) -> list[str]:
        """Every declared item, construct by construct."""
        return [item for items in self.constructs.values() for item in items]

    @property
    def scale(self) -> tuple[int, int]:
        return (self.lo, self.hi)

    def construct_of(self, item: str) -> str:
        return next(c for c, items in self.constructs.items() if item in items)


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def parse_survey_items(value) -> tuple[SurveyItems | None, list[str]]:
    """The declaration as :class:`SurveyItems`, or None with the sentences saying what is wrong."""
    if not isinstance(value, dict):
        return None, ["must be a mapping with the keys scale, constructs and (optional) wording"]
    errors = [f"unknown key {k!r} (known: scale, constructs, wording)" for k in value if k not in ("scale", "constructs", "wording")]
    scale = value.get("scale")
    if not (isinstance(scale, list) and len(scale) == 2 and all(_whole(x) for x in scale) and scale[0] < scale[1]):
        errors.append(f"scale must be two whole numbers [lo, hi] with lo < hi, got {scale!r}")
    constructs = value.get("constructs")
    seen: set[str] = set()
    if not (isinstance(constructs, dict) and constructs):
        errors.append("constructs must map each construct name to a list of survey columns")
        constructs = {}
    for name, items in constructs.items():
        if not (isinstance(name, str) and _NAME.match(name)):
            errors.append(f"construct name {name!r} must be lower-case letters, digits and _")
        if not (isinstance(items, list) and items and all(isinstance(i, str) and i.strip() for i in items)):
            errors.append(f"construct {name!r} must list one or more column names")
            continue
        twice = sorted({i for i in items if i in seen or items.count(i) > 1})
        if twice:
            errors.append(f"column(s) {', '.join(twice)} listed more than once")
        seen.update(items)
    wording = value.get("wording", {}) or {}
    if not isinstance(wording, dict) or not all(isinstance(v, str) for v in wording.values()):
        errors.append("wording must map items or constructs to text")
        wording = {}
    unknown = [str(k) for k in wording if k not in seen and k not in constructs]
    if unknown:
        errors.append(f"wording names {', '.join(unknown[:3])}, neither a declared item nor a construct")
    if errors:
        return None, errors
    return SurveyItems(int(scale[0]), int(scale[1]), {str(c): tuple(i) for c, i in constructs.items()},
                       {str(k): str(v) for k, v in wording.items()}), []
