"""Render executed notebooks to HTML that reads well offline and runs no script from the data.

Two versions per notebook: the *reader's* version for students (code hidden, narrative, figures and
tables only) and the *full* version (code included). Formulas are turned into MathML at render
time (``latex2mathml``), which browsers display natively, so no MathJax download is needed.

**Outputs are sanitized** (the idea of nbconvert's ``sanitize_html``, with an allow-list that keeps
tables and MathML): every HTML output and every Markdown output (``display(Markdown(...))``, which
the notebooks build from data and config values) is converted to HTML and cleaned with ``nh3`` (the
Python binding of the Rust sanitizer ammonia) before export: scripts with their content, event handlers
(``onerror=``), ``javascript:`` links, iframes and forms are removed, while tables, MathML, emphasis,
code and images with ``data:`` sources stay. The
notebooks also escape the values they insert (:func:`relmkt_utils.present.escape`), so a value shows
as the text it is.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import nh3
from jinja2 import pass_context
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter

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

FONTS = ('"Noto Sans", "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans CJK SC", "Source Han Sans SC", '
         '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif')
CSS = """
<style>
  :root { --jp-content-font-family: %(fonts)s; --jp-ui-font-family: %(fonts)s; --jp-content-font-size1: 15px; }
  body { max-width: 62rem; margin: auto; padding: 0 1rem; font-family: %(fonts)s; line-height: 1.5; }
  .jp-RenderedHTMLCommon { font-family: %(fonts)s; }
  math { font-size: 1em; } math[display="block"] { margin: 0.6em 0; }
  .relmkt-table { overflow-x: auto; max-width: 100%%; margin: 0.5em 0 1em; }
  table.relmkt { border-collapse: collapse; font-size: 0.88em; font-variant-numeric: tabular-nums; }
  table.relmkt caption { caption-side: top; text-align: left; color: #444; padding: 0.2em 0; }
  table.relmkt th { background: #f3f5f8; font-weight: 600; }
  .jp-RenderedHTMLCommon table.relmkt th, .jp-RenderedHTMLCommon table.relmkt td { text-align: left; }
  .jp-RenderedHTMLCommon table.relmkt th.num, .jp-RenderedHTMLCommon table.relmkt td.num { text-align: right; }
  table.relmkt th, table.relmkt td { border-bottom: 1px solid #e3e6ea; padding: 0.25em 0.6em; white-space: normal;
                                     overflow-wrap: anywhere; vertical-align: top; }
  table.relmkt td.num { white-space: nowrap; overflow-wrap: normal; }
  .relmkt-answer { border-left: 4px solid #1f4e79; background: #f3f7fb; padding: 0.5rem 1rem 0.3rem; margin: 0.4rem 0 1rem;
                   border-radius: 0 6px 6px 0; }
  .relmkt-answer p { margin: 0.2rem 0; } .relmkt-answer ul { margin: 0.3rem 0 0.4rem; padding-left: 1.2rem; }
  .relmkt-answer li { margin: 0.15rem 0; }
  .relmkt-answer li.caution, .relmkt-answer li.not-estimable { color: #6b4a00; }
  .relmkt-answer li em, p.relmkt-result em { color: #8a5a00; font-style: normal; font-weight: 600; }
  .relmkt-reading { border-left: 3px solid #9fb3c8; padding: 0.1rem 0 0.1rem 0.8rem; margin: 0.6rem 0; }
  details.relmkt-researcher { border: 1px dashed #c3ccd6; border-radius: 6px; padding: 0.2rem 0.9rem; margin: 0.8rem 0;
                              background: #fbfcfd; }
  details.relmkt-researcher > summary { cursor: pointer; color: #1f4e79; font-weight: 600; padding: 0.3rem 0; }
  a.relmkt-term, .jp-RenderedHTMLCommon a.relmkt-term { color: inherit; text-decoration: underline dotted #7f93a8; text-underline-offset: 2px; }
  figure.relmkt-figure { margin: 0.8em 0; } figure.relmkt-figure img { max-width: 100%%; height: auto; }
  .jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .jp-RenderedHTMLCommon table { max-width: 100%%; }
  .jp-Cell, .jp-OutputArea-output { max-width: 100%%; overflow-x: auto; }
  nav.relmkt-nav { font-size: 0.9em; margin: 1rem 0 0.5rem; }
  .relmkt-header { border: 1px solid #d8dde3; border-radius: 6px; background: #f8fafc; padding: 0.6rem 1rem;
                   margin: 0.5rem 0 1rem; font-size: 0.9em; }
  .relmkt-header dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0.3rem 0; }
  .relmkt-header dt { color: #555; } .relmkt-header dd { margin: 0; overflow-wrap: anywhere; }
  ul.relmkt-left-out { margin: 0.2rem 0 0.5rem; padding-left: 1.2rem; color: #555; }
  .relmkt-toc ul { margin: 0.3rem 0 0; padding-left: 0; list-style: none; columns: 2; }
  @media (max-width: 700px) { .relmkt-toc ul { columns: 1; } }
</style>
""" % {"fonts": FONTS}


def _mathml(tex: str, display: str) -> str:
    try:
        return latex_to_mathml(tex.strip(), display=display)
    except Exception:  # an unsupported macro: show the source rather than fail the report
        return f"<code>{html.escape(tex)}</code>"


def formula_html(tex: str) -> str:
    """A LaTeX formula as inline MathML (the glossary's formulas)."""
    return _mathml(tex, "inline")


def math_to_mathml(markdown: str) -> str:
    """Replace ``$$...$$`` and ``$...$`` in a markdown string by MathML elements."""
    out = _DISPLAY.sub(lambda m: "\n\n" + _mathml(m.group(1), "block") + "\n\n", markdown)
    return _INLINE.sub(lambda m: _mathml(m.group(1), "inline"), out)


def sanitize(fragment: str) -> str:
    """An HTML fragment with everything that could run or load code removed (module docstring)."""
    return nh3.clean(fragment, tags=ALLOWED_TAGS, clean_content_tags={"script"},
                     attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=ALLOWED_PROTOCOLS, strip_comments=True, link_rel=None)


def _as_text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _caption_text(markdown: str) -> str | None:
    """The caption of a figure from a Markdown text that starts with ``*Figure...``: plain words for
    the ``alt`` attribute (emphasis, formulas and links removed)."""
    text = markdown.strip()
    if not re.match(r"^\*?\s*Figures?\b", text):
        return None
    text = text.split("\n\n")[0]
    text = re.sub(r"\$([^$]*)\$", r"\1", text)
    text = re.sub(r"[*_`]|\\", "", text)
    text = re.sub(r"^Figures?\s*:\s*", "", text.strip())
    return " ".join(text.split())[:400] or None


def _figure_alts(nb) -> dict[tuple[int, int], str]:
    """(cell, output) -> alt text for every image output: the caption that follows it in the same cell
    (a ``*Figure: ...*`` Markdown output) or as the next Markdown cell, else the section it is in."""
    alts, section = {}, "the report"
    cells = nb.cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            heading = re.search(r"^#{1,3}\s+(.+)$", cell.source, re.M)
            if heading:
                section = re.sub(r"[*_`$]", "", heading.group(1)).strip()
            continue
        outputs = cell.get("outputs", [])
        for j, out in enumerate(outputs):
            if not any(k.startswith("image/") for k in out.get("data", {})):
                continue
            caption = None
            for later in outputs[j + 1:]:
                md = later.get("data", {}).get("text/markdown")
                caption = _caption_text(_as_text(md)) if md else None
                if caption or any(k.startswith("image/") for k in later.get("data", {})):
                    break
            if caption is None and i + 1 < len(cells) and cells[i + 1].cell_type == "markdown":
                caption = _caption_text(cells[i + 1].source)
            alts[(i, j)] = caption or f"Figure of the section “{section}”"
    return alts


def _with_mathml(nb):
    """The notebook to export: formulas of Markdown cells and outputs as MathML, every HTML and
    Markdown output sanitized into HTML, every figure an ``<img>`` with its caption as alt text."""
    nb = nbformat.from_dict(nb)
    alts = _figure_alts(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source)
        for j, output in enumerate(cell.get("outputs", [])):
            data = output.get("data")
            if not data:
                continue
            image = next((k for k in ("image/png", "image/jpeg") if k in data), None)
            if image is not None:
                size = output.get("metadata", {}).get(image, {})
                width = f' width="{int(size["width"])}"' if isinstance(size, dict) and "width" in size else ""
                src = _as_text(data[image]).replace("\n", "")
                alt = html.escape(alts.get((i, j), "Figure"), quote=True)
                output["data"] = {"text/html": f'<figure class="relmkt-figure"><img src="data:{image};base64,{src}" '
                                               f'alt="{alt}"{width}></figure>'}
                output["metadata"] = {}
                continue
            if "text/markdown" in data:
                data["text/html"] = sanitize(markdown_html(math_to_mathml(_as_text(data.pop("text/markdown")))))
            elif "text/html" in data:
                data["text/html"] = sanitize(_as_text(data["text/html"]))
            for kind in ("application/javascript", "text/javascript", "application/vnd.jupyter.widget-view+json"):
                data.pop(kind, None)
    return nb


def sections_left_out(nb) -> tuple[list[dict], set[str]]:
    """The sections the run said it could not show (:func:`relmkt_utils.pipeline.record.not_in_dataset`,
    listed) and those to hide silently (``hide_section``)."""
    listed, hidden = [], set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("relmkt", {})
            if "not_in_dataset" in meta:
                listed.append(meta)
                sections = meta["not_in_dataset"]
                hidden.update([sections] if isinstance(sections, str) else sections)
            if "hide_section" in meta:
                hidden.add(meta["hide_section"])
    return listed, hidden


def without_sections(nb, hidden: set[str]):
    """The notebook without the cells tagged ``section:<id>`` for the hidden ids, and without the
    "Not in this dataset" sentences themselves (the report lists them once, in its header)."""
    keep = [c for c in nb.cells
            if not any(t.startswith("section:") and t.split(":", 1)[1] in hidden
                       for t in c.get("metadata", {}).get("tags", []))]
    for cell in keep:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs
                            if "not_in_dataset" not in o.get("metadata", {}).get("relmkt", {})]
    nb.cells = keep
    return nb


def run_notes(nb) -> dict:
    """What the run said about itself for the header box (``Report.start``'s dataset and
    ``Report.setting``'s settings), taken out of the notebook's outputs."""
    notes = {"dataset": None, "settings": []}
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("relmkt", {})
            if "dataset" in meta:
                notes["dataset"] = meta["dataset"]
            elif "setting" in meta:
                notes["settings"].append(tuple(meta["setting"]))
            else:
                kept.append(out)
        if "outputs" in cell:
            cell.outputs = kept
    return notes


def for_readers(nb):
    """The reader's notebook: no error output streams (Python warnings go to the run's warnings list)."""
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return nb


def report_title(nb) -> str:
    """The notebook's question (its first ``#`` heading) and the dataset of the run."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith("# ")), "")
    heading = re.sub(r"[*_`$]", "", first.lstrip()[2:].splitlines()[0]).strip() if first else "relmkt report"
    params = nb.metadata.get("papermill", {}).get("parameters", {}) or {}
    dataset = params.get("dataset")
    return f"{heading} — {Path(str(dataset)).name}" if dataset else heading


def _definition_list(soup, pairs):
    box = soup.new_tag("dl")
    for key, value in pairs:
        dt, dd = soup.new_tag("dt"), soup.new_tag("dd")
        dt.string, dd.string = str(key), str(value)
        box.append(dt)
        box.append(dd)
    return box


def _fold_researcher_cells(soup) -> None:
    """Consecutive cells tagged ``researcher`` become one folded "For researchers" block."""
    tagged = [el if "jp-Cell" in (el.get("class") or []) else el.find_parent("div", class_="jp-Cell")
              for el in soup.select(".celltag_researcher")]
    cells = list(dict.fromkeys(c for c in tagged if c is not None))
    groups, current = [], []
    for cell in cells:
        if current and cell.find_previous_sibling("div", class_="jp-Cell") is not current[-1]:
            groups.append(current)
            current = []
        current.append(cell)
    if current:
        groups.append(current)
    for group in groups:
        heading = next((h for c in group for h in c.find_all(["h2", "h3", "h4"])), None)
        what = heading.get_text(" ", strip=True).rstrip("¶").strip() if heading is not None else ""
        details = soup.new_tag("details", attrs={"class": "relmkt-researcher"})
        summary = soup.new_tag("summary")
        summary.string = f"For researchers: {what}" if what else "For researchers"
        details.append(summary)
        group[0].insert_before(details)
        for cell in group:
            details.append(cell.extract())


_NO_LINK = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style", "summary", "th", "td",
            "caption", "math", "dt", "label", "button"}


def _term_pattern(phrase: str) -> re.Pattern:
    flags = re.I if phrase == phrase.lower() else 0               # "churn" in any case; "CLV" as written
    return re.compile(rf"(?<![\w/-]){re.escape(phrase)}(?![\w/-])", flags)


def _prose_texts(soup) -> list:
    roots = soup.select(".jp-RenderedMarkdown, .jp-RenderedHTMLCommon, .relmkt-answer") or [soup.body]
    texts = []
    for root in roots:
        for node in root.find_all(string=True):
            if node.parent is not None and not any(p.name in _NO_LINK for p in node.parents):
                texts.append(node)
    return list(dict.fromkeys(texts))


def link_terms(soup, glossary: str = "../glossary.html") -> int:
    """Link the first use of each glossary term in the page's prose to its entry (the answer, results,
    readings and narrative; never inside headings, tables, code or links). Returns how many were linked.
    The prose's text pieces are collected once and kept up to date as links split them."""
    from bs4 import NavigableString

    from ..present.glossary import TERMS

    texts = _prose_texts(soup)
    linked = 0
    for term in TERMS:
        patterns = [_term_pattern(m) for m in term.matches]
        for i, node in enumerate(texts):
            text = str(node)
            hits = [m for m in (p.search(text) for p in patterns) if m]
            if not hits:
                continue
            m = min(hits, key=lambda h: (h.start(), -len(h.group(0))))
            a = soup.new_tag("a", href=f"{glossary}#{term.id}", attrs={"class": "relmkt-term", "title": term.definition})
            a.string = m.group(0)
            before, after = NavigableString(text[:m.start()]), NavigableString(text[m.end():])
            node.replace_with(*[x for x in (before, a, after) if not isinstance(x, NavigableString) or str(x)])
            texts[i:i + 1] = [x for x in (before, after) if str(x)]     # the link's own text is not prose to link
            linked += 1
            break
    return linked


def _decorate(body: str, nb, reader: bool, left_out: list[dict] | None = None, notes: dict | None = None) -> str:
    """Title, back link, a header box with the dataset and parameters, and a table of contents."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")
    title = report_title(nb)
    if soup.title is None:
        soup.head.append(soup.new_tag("title"))
    soup.title.string = title
    params = nb.metadata.get("papermill", {}).get("parameters", {}) or {}
    header = soup.new_tag("div", attrs={"class": "relmkt-header"})
    box = soup.new_tag("dl")
    for key, value in params.items():
        shown = Path(str(value)).name if key == "dataset" else value
        dt, dd, code = soup.new_tag("dt"), soup.new_tag("dd"), soup.new_tag("code")
        code.string, dd.string = str(key), str(shown)             # a parameter's name is code, as typed in the notebook
        dt.append(code)
        box.append(dt)
        box.append(dd)
    strong = soup.new_tag("strong")
    strong.string = "Parameters of this run" if params else "Default parameters of the notebook"
    header.append(strong)
    if params:
        header.append(box)
    notes = notes or {}
    if notes.get("settings"):
        strong = soup.new_tag("strong")
        strong.string = "Settings that produced the numbers"
        header.append(strong)
        header.append(_definition_list(soup, notes["settings"]))
    about = notes.get("dataset")
    if about:
        details = soup.new_tag("details")
        summary = soup.new_tag("summary")
        summary.string = f"About the data: {about.get('name', '')}"
        details.append(summary)
        details.append(_definition_list(soup, [(k, about.get(key)) for k, key in (
            ("description", "description"), ("observation window", "window"), ("currency", "currency"),
            ("model time unit", "time_unit"), ("provenance", "provenance"), ("licence", "licence")) if about.get(key)]))
        header.append(details)
    for failed, heading in ((False, "Not in this dataset"), (True, "Could not be made on these data")):
        items = [item for item in (left_out or []) if bool(item.get("failed")) == failed]
        if not items:
            continue
        strong = soup.new_tag("strong")
        strong.string = heading
        header.append(strong)
        ul = soup.new_tag("ul", attrs={"class": "relmkt-left-out"})
        by_reason: dict[str, list[str]] = {}
        for item in items:                                    # one line per reason, naming its sections
            by_reason.setdefault(str(item.get("reason", "")), []).append(
                str(item.get("title", item.get("not_in_dataset", ""))))
        for reason, titles in by_reason.items():
            li = soup.new_tag("li")
            b = soup.new_tag("b")
            b.string = "; ".join(titles)
            li.append(b)
            li.append(f": {reason}")
            ul.append(li)
        header.append(ul)
    headings = [h for h in soup.find_all("h2") if h.get("id")]
    if headings:
        toc = soup.new_tag("div", attrs={"class": "relmkt-toc"})
        label = soup.new_tag("strong")
        label.string = "Contents"
        toc.append(label)
        ol = soup.new_tag("ul")
        for h in headings:
            li, a = soup.new_tag("li"), soup.new_tag("a", href=f"#{h['id']}")
            a.string = h.get_text(" ", strip=True).rstrip("¶").strip()
            li.append(a)
            ol.append(li)
        toc.append(ol)
        header.append(toc)
    nav = soup.new_tag("nav", attrs={"class": "relmkt-nav"})
    back = soup.new_tag("a", href="../index.html")
    back.string = "← all reports"
    nav.append(back)
    other = soup.new_tag("a", href=f"{Path(nb.metadata.get('papermill', {}).get('input_path', 'x')).stem}"
                                     f"{'.code' if reader else ''}.html")
    other.string = "the same report with its code" if reader else "the reader's version"
    nav.append(" · ")
    nav.append(other)
    main = soup.find("main") or soup.body
    h1 = soup.find("h1")
    answer = soup.find(id="answer")
    cell = answer.find_parent("div", class_="jp-Cell") if answer is not None else None
    if cell is None and h1 is not None:
        cell = h1.find_parent("div", class_="jp-Cell")
    if cell is not None:
        cell.insert_after(header)           # below the title and the answer
    else:
        main.insert(0, header)
    main.insert(0, nav)
    if reader:
        _fold_researcher_cells(soup)
    link_terms(soup)
    return str(soup)


class _Exporter(HTMLExporter):
    """nbconvert's lab HTML exporter whose Markdown renderer is built once per exporter (nbconvert
    builds a new mistune parser for every Markdown cell, most of a small page's export time); a cell
    with attachments still gets its own renderer. The template's ``clean_html`` (bleach, which the lab
    template applies to every highlighted code cell: 3 ms each) is the suite's :func:`sanitize`
    (ammonia, the same allow-list as the outputs)."""

    _markdown = None

    def default_filters(self):
        for name, function in super().default_filters():
            yield name, (sanitize if name == "clean_html" else function)

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        if cell.get("attachments") or path:
            return super().markdown2html(context, source)
        if self._markdown is None:
            from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

            renderer = IPythonRenderer(escape=False, attachments={}, embed_images=self.embed_images, path="",
                                       anchor_link_text=self.anchor_link_text,
                                       exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
            self._markdown = MarkdownWithMath(renderer=renderer)
        return self._markdown.render(source)


_MARKDOWN = None


def markdown_html(source: str) -> str:
    """Markdown (with ``$...$`` math left for :func:`math_to_mathml`) as HTML, as nbconvert renders it;
    one mistune parser serves every call."""
    global _MARKDOWN
    if _MARKDOWN is None:
        from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

        _MARKDOWN = MarkdownWithMath(renderer=IPythonRenderer(escape=False))
    return _MARKDOWN.render(source)


_EXPORTER = None


def exporter() -> HTMLExporter:
    """The one HTML exporter of this process (its templates are compiled once); :func:`export` sets
    what it shows before each use."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = _Exporter(template_name="lab")
        _EXPORTER.mathjax_url = ""
    return _EXPORTER


def export(nb, reader: bool) -> str:
    """The page of a notebook prepared by :func:`prepare`: nbconvert's lab template (code hidden for
    readers), nothing fetched from the internet, the suite's style."""
    exp = exporter()
    exp.exclude_input = reader
    exp.exclude_input_prompt = reader
    exp.exclude_output_prompt = reader
    body, _ = exp.from_notebook_node(nb)
    # nothing is fetched from the internet: no MathJax (math is MathML), no require.js from a CDN
    body = re.sub(r"<script[^>]*mathjax[^>]*>.*?</script>", "", body, flags=re.S | re.I)
    body = re.sub(r'<script[^>]*src="(https?:)?//[^"]*"[^>]*>\s*</script>', "", body, flags=re.I)
    body = re.sub(r'<script[^>]*src=""[^>]*>\s*</script>', "", body, flags=re.I)
    body = re.sub(r'<script type="module">(?:(?!</script>).)*mermaid(?:(?!</script>).)*</script>', "", body, flags=re.S)
    return body.replace("</head>", CSS + "</head>", 1)


def prepare(nb):
    """What both versions of a page share, made once: the sections the run left out and its notes
    taken out of the outputs, formulas as MathML, every output sanitized. Returns (notebook for the
    full version, notebook for readers, left out, notes)."""
    left_out, hidden = sections_left_out(nb)
    nb = without_sections(nb, hidden)
    notes = run_notes(nb)
    full = _with_mathml(nb)
    reader = for_readers(nbformat.from_dict(full))
    return full, reader, left_out, notes


def render_html(notebook_path: str | Path, out_path: str | Path, reader: bool) -> Path:
    """Write the HTML version of an executed notebook; ``reader=True`` hides the code (both versions:
    :func:`render_pages`)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    full, readers, left_out, notes = prepare(nb)
    body = _decorate(export(readers if reader else full, reader), nb, reader, left_out, notes)
    from ..core.files import atomic_write

    return atomic_write(Path(out_path), body)


def render_pages(notebook_path: str | Path, reader_path: str | Path, full_path: str | Path) -> tuple[Path, Path]:
    """Write the reader's version (code hidden) and the full version of an executed notebook from one
    read of the notebook and one pass of MathML and sanitization; the same pages as
    :func:`render_html` twice."""
    from ..core.files import atomic_write

    nb = nbformat.read(str(notebook_path), as_version=4)
    full, readers, left_out, notes = prepare(nb)
    pages = []
    for path, version, reader in ((reader_path, readers, True), (full_path, full, False)):
        pages.append(atomic_write(Path(path), _decorate(export(version, reader), nb, reader, left_out, notes)))
    return pages[0], pages[1]
