"""Text for Markdown output: values from data and config, escaped."""
from __future__ import annotations

import html
import re

#: Characters with a meaning in Markdown (CommonMark's ASCII punctuation that can start or end markup).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>])")


def escape(value) -> str:
    """``value`` as literal text inside Markdown: HTML special characters become entities and Markdown
    punctuation is backslash-escaped, so ``<script>``, ``*bold*``, backticks or ``$x$`` from a dataset
    show as typed and never as markup, a formula or code. ``None`` shows as an empty string."""
    if value is None:
        return ""
    text = " ".join(str(value).split())          # no line breaks: one value, one line
    text = _MARKDOWN.sub(r"\\\1", text)
    return html.escape(text, quote=False).replace("\\&lt;", "&lt;").replace("\\&gt;", "&gt;")


def dataset_header(ds, *notes: str) -> str:
    """The Markdown block that opens every report on a dataset: its name and description, observation
    window, currency, model time unit and provenance, every value escaped; ``notes`` (Markdown the
    notebook writes itself) follow as further lines."""
    meta = ds.meta
    lines = [f"**Dataset:** {escape(ds.name)} — {escape(meta.get('description', ''))}",
             f"**Observation window:** {escape(meta.get('observation_start'))} to {escape(meta.get('observation_end'))}; "
             f"currency {escape(ds.currency)}; model time unit {escape(ds.time_unit.name)}.",
             f"**Provenance:** {escape(meta.get('provenance', ''))}"]
    return "  \n".join(lines + list(notes))


class Paragraph:
    """A sentence of plain text shown as a paragraph, every character escaped: ``display(Paragraph(text))``
    in a notebook (``lead`` in bold before it)."""

    def __init__(self, text: str, lead: str = ""):
        self.text, self.lead = str(text), str(lead)

    def _repr_html_(self) -> str:
        lead = f"<strong>{html.escape(self.lead)}</strong> " if self.lead else ""
        return f"<p>{lead}{html.escape(self.text)}</p>"

    def __repr__(self) -> str:
        return f"{self.lead} {self.text}".strip()
