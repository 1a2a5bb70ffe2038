"""Render executed notebooks to HTML that reads well offline.

Two versions per notebook: the *reader's* version for students (code hidden, narrative, figures and
tables only) and the *full* version (code included). Formulas are turned into MathML at render
time (``latex2mathml``), which browsers display natively, so no MathJax download is needed.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$")

CSS = """
<style>
  body { max-width: 60rem; margin: auto; }
  math[display="block"] { margin: 0.6em 0; }
  .jp-RenderedHTMLCommon table { font-size: 0.9em; }
</style>
"""


def _mathml(tex: str, display: str) -> str:
    try:
        return latex_to_mathml(tex.strip(), display=display)
    except Exception:  # an unsupported macro: show the source rather than fail the report
        return f"<code>{html.escape(tex)}</code>"


def math_to_mathml(markdown: str) -> str:
    """Replace ``$$...$$`` and ``$...$`` in a markdown string by MathML elements."""
    out = _DISPLAY.sub(lambda m: "\n\n" + _mathml(m.group(1), "block") + "\n\n", markdown)
    return _INLINE.sub(lambda m: _mathml(m.group(1), "inline"), out)


def _with_mathml(nb):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source)
    return nb


def render_html(notebook_path: str | Path, out_path: str | Path, reader: bool) -> Path:
    """Write the HTML version of an executed notebook; ``reader=True`` hides the code."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = reader
    exporter.exclude_input_prompt = reader
    exporter.exclude_output_prompt = reader
    exporter.mathjax_url = ""
    body, _ = exporter.from_notebook_node(_with_mathml(nb))
    # nothing is fetched from the internet: no MathJax (math is MathML), no require.js from a CDN
    body = re.sub(r"<script[^>]*mathjax[^>]*>.*?</script>", "", body, flags=re.S | re.I)
    body = re.sub(r'<script[^>]*src="(https?:)?//[^"]*"[^>]*>\s*</script>', "", body, flags=re.I)
    body = re.sub(r'<script[^>]*src=""[^>]*>\s*</script>', "", body, flags=re.I)
    body = re.sub(r'<script type="module">(?:(?!</script>).)*mermaid(?:(?!</script>).)*</script>', "", body, flags=re.S)
    body = body.replace("</head>", CSS + "</head>", 1)
    out = Path(out_path)
    out.write_text(body, encoding="utf-8")
    return out
