"""Render executed notebooks to HTML that reads well offline and runs no script from the data.

Two versions per notebook: the *reader's* version for students (code hidden, narrative, figures and
tables only) and the *full* version (code included). Formulas are turned into MathML at render
time (``latex2mathml``), which browsers display natively, so no MathJax download is needed.

**Outputs are sanitized** (the idea of nbconvert's ``sanitize_html``, with an allow-list that keeps
tables and MathML): every HTML output and every Markdown output (``display(Markdown(...))``, which
the notebooks build from data and config values) is converted to HTML and cleaned with ``bleach``
before export: scripts, event handlers (``onerror=``), ``javascript:`` links, iframes and forms
are removed, while tables, MathML, emphasis, code and images with ``data:`` sources stay. The
notebooks also escape the values they insert (:func:`relmkt_utils.present.escape`), so a value shows
as the text it is.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import bleach
import nbformat
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

MATHML_TAGS = {"math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "mstyle",
               "merror", "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup", "msubsup", "munder",
               "mover", "munderover", "mmultiscripts", "mtable", "mtr", "mtd", "semantics", "annotation"}
ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
                "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
                "img", "ins", "kbd", "li", "ol", "p", "pre", "s", "samp", "small", "span", "strong", "style", "sub",
                "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", *MATHML_TAGS}
ALLOWED_ATTRIBUTES = {"*": ["class", "id", "title", "align", "colspan", "rowspan", "scope", "lang", "dir"],
                      "a": ["href", "name"], "img": ["src", "alt", "width", "height"],
                      "math": ["display", "xmlns"], "mo": ["stretchy", "fence", "separator", "lspace", "rspace"],
                      "mi": ["mathvariant"], "mstyle": ["displaystyle", "scriptlevel"],
                      "mtable": ["columnalign", "rowspacing", "columnspacing"], "mspace": ["width"],
                      "mfrac": ["linethickness"], "annotation": ["encoding"]}
ALLOWED_PROTOCOLS = {"http", "https", "mailto", "data"}

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


def sanitize(fragment: str) -> str:
    """An HTML fragment with everything that could run or load code removed (module docstring)."""
    return bleach.clean(fragment, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS,
                        strip=True, strip_comments=True)


def _as_text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _with_mathml(nb):
    """The notebook to export: formulas of Markdown cells and outputs as MathML, every HTML and
    Markdown output sanitized into HTML."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            if "text/markdown" in data:
                data["text/html"] = sanitize(markdown2html_mistune(math_to_mathml(_as_text(data.pop("text/markdown")))))
            elif "text/html" in data:
                data["text/html"] = sanitize(_as_text(data["text/html"]))
            for kind in ("application/javascript", "text/javascript", "application/vnd.jupyter.widget-view+json"):
                data.pop(kind, None)
    return nb


def render_html(notebook_path: str | Path, out_path: str | Path, reader: bool, title: str | None = None) -> Path:
    """Write the HTML version of an executed notebook; ``reader=True`` hides the code."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    if title:
        nb.metadata["title"] = title
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
