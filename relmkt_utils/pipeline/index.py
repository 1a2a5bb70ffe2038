"""``reports/index.html``: the landing page of a batch, one section per notebook.

The page opens with how to read the reports and a map from the course's concepts (Kotler's
delivered value, Berry's three levels, member get member, 80/20, acquisition vs retention cost,
customer equity, CLV, NPS) to the notebooks and runs that show them, and links the glossary. Each
notebook's section says which question it answers (the notebook's title) and lists its runs: the
dataset, a badge (**full**: ran with nothing to report; **partial**: ran, but some estimate could not
be made or should not be trusted, with the reasons; **failed**, **not run** or **interrupted**, with the
reason), the run's **card** and links to the reader's report, the report with code and the executed
notebook. The card shows the same findings as the report's answer block (:func:`card_findings`): only
ok findings about the run's own data, as value and plain name; findings that need care are counted,
never shown as bare numbers. Every value shown comes from a config or a run and is escaped, and a link is emitted only when it is a
relative path ``<run>/<file>`` of plain characters (:func:`safe_href`): an entry can never carry a
``javascript:`` or outside link. A run whose last attempt failed while an earlier report was kept says
so beside the links.

The entries come from :func:`relmkt_utils.pipeline.batch.collect`, which rebuilds them from the run
folders' own records, never from an older ``index.json``.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

from ..present import narratives
from ..present.findings import Finding
from ..present.glossary import CONCEPTS

MAX_HEADLINES = 5
BADGES = {"full": "full", "partial": "partial", "failed": "failed", "invalid": "not run", "interrupted": "interrupted",
          "unverified": "unverified"}
KEPT_WORDS = {"ok": "it finished ok", "failed": "it failed too", "interrupted": "it was interrupted",
              "invalid": "it did not run", "unverified": "written by an earlier relmkt"}
_HREF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}/[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}$")


def safe_href(target) -> str | None:
    """``target`` when it is a relative link to a file of a run folder (``<run>/<file>``, plain
    characters, no scheme, no ``..``); None otherwise."""
    if isinstance(target, str) and _HREF.match(target) and ".." not in target:
        return target
    return None


def notebook_question(path: Path) -> str:
    """The notebook's title (first ``#`` heading), or its file name (a file that is not a regular
    file, a named pipe say, is not opened)."""
    import os
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return path.stem
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return path.stem
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            return re.sub(r"[*_`$]", "", cell.source.lstrip()[2:].splitlines()[0]).strip()
    return path.stem


def badge(result) -> str:
    if result.status == "ok":
        return "partial" if result.warnings else "full"
    return result.status


def card_findings(result) -> tuple[list[Finding], int]:
    """The findings a run's card shows (those of its notebook's answer that are ok and about the run's
    own data, at most :data:`MAX_HEADLINES`) and how many answer findings need care (a caution or not
    estimable): those are never shown as bare numbers, the card only counts them."""
    found = {f.key: f for f in (Finding.from_json(row) for row in (getattr(result, "findings", None) or []))}
    answer = [found[k] for k in narratives.spec(result.notebook).answer if k in found]
    shown = [f for f in answer if f.ok and f.card][:MAX_HEADLINES]
    return shown, sum(not f.ok for f in answer)


def _metrics(result) -> str:
    shown, care = card_findings(result)
    items = [f"<li><span class='value'>{html.escape(f.text())}</span> {html.escape(f.label)}"
             + (f" <span class='ci'>({html.escape(f.interval().split(';')[0])})</span>" if f.lower is not None else "")
             + "</li>" for f in shown]
    if care:
        items.append(f"<li class='care'>{care} finding{'s' if care != 1 else ''} of the answer need{'s' if care == 1 else ''} "
                     f"care: see the report</li>")
    return f"<ul class='metrics'>{''.join(items)}</ul>" if items else ""


def _run(result) -> str:
    b = badge(result)
    links = [f"<a href='{html.escape(href)}'>{html.escape(label)}</a>" for href, label in
             ((safe_href(result.html), "report"), (safe_href(result.html_full), "with code"),
              (safe_href(result.ipynb), "notebook"),
              *((safe_href(t), Path(str(t)).name) for t in getattr(result, "tables", []) or [])) if href]
    reasons = ""
    if result.error:
        reasons += f"<p class='reason'>{html.escape(result.error)}</p>"
    kept = getattr(result, "kept_report", None)
    if kept and links:
        how = KEPT_WORDS.get(kept, "")
        reasons += (f"<p class='dim'>This attempt did not replace the run's last report, which is kept and linked "
                    f"below{' (' + how + ')' if how else ''}.</p>")
    if result.warnings:
        items = "".join(f"<li>{html.escape(str(w))}</li>" for w in result.warnings)
        reasons += (f"<details><summary>{len(result.warnings)} thing{'s' if len(result.warnings) != 1 else ''} "
                    f"could not be estimated or should be read with care</summary><ul>{items}</ul></details>")
    if result.skipped:
        reasons += (f"<p class='dim'>Not in this dataset: {html.escape(', '.join(result.skipped))}.</p>")
    dataset = f" on <b>{html.escape(result.dataset)}</b>" if result.dataset else ""
    params = ", ".join(f"{html.escape(str(k))} = {html.escape(str(v))}" for k, v in (result.parameters or {}).items()
                       if k != "dataset")
    return (f"<article class='run'><header><span class='badge {b}'>{BADGES.get(b, b)}</span> "
            f"<b>{html.escape(result.name)}</b>{dataset}"
            f"<span class='dim'> · {(result.duration_s or 0):.0f} s</span></header>"
            f"{_metrics(result)}{reasons}"
            f"<p class='links'>{' · '.join(links)}"
            f"{'<span class=dim> · ' + params + '</span>' if params else ''}</p></article>")


HOW_TO_READ = """<details class='howto' open><summary>How to read these reports</summary>
<p>Each report opens with <b>the answer</b>: a few sentences with the numbers that answer its question for one
dataset. Then come its sections, each <i>Question → Method (with the formula) → Result → Reading it</i>. A
<b>Reading it</b> paragraph appears only where the numbers above it support it. Every interval is a 95%
confidence interval and says what it covers (sampling error, or only the uncertainty of a model's
parameters). A finding marked <b>Caution</b> exists but needs care, and the sentence says why; one that
<b>could not be estimated</b> says why not. Blocks marked <b>For researchers</b> hold the statistical details
(parameter tables, tests, model checks): open them when you need them. Terms are explained in the
<a href='glossary.html'>glossary</a>, with the Chinese term of the course where it uses one.</p></details>"""


def concept_map(results) -> str:
    """The table from each course concept to the notebooks (with their runs) that show it."""
    rows = []
    for concept in CONCEPTS:
        cells = []
        for notebook, what, keys in concept.where:
            runs = [r for r in results if r.notebook == notebook and safe_href(r.html) and any(
                    f.get("key") in keys and f.get("status") == "ok" for f in (getattr(r, "findings", None) or []))]
            links = ", ".join(f"<a href='{html.escape(safe_href(r.html))}'>{html.escape(r.dataset or r.name)}</a>"
                              for r in runs)
            if links:                                     # only where a run shows it
                cells.append(f"{html.escape(notebook[:2])}: {html.escape(what)} ({links})")
        term = f"<a href='glossary.html#{html.escape(concept.term)}'>{html.escape(concept.name)}</a>" if concept.term \
            else html.escape(concept.name)
        if cells:
            rows.append(f"<tr><td>{term} <span lang='zh' class='dim'>{html.escape(concept.zh)}</span></td>"
                        f"<td>{'<br>'.join(cells)}</td></tr>")
    return ("<details class='concepts'><summary>Where each concept of the course is measured</summary>"
            "<table class='concepts'><thead><tr><th>concept</th><th>notebook: what to look at (datasets)</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></details>")


def index_html(results, generated: str, notebooks_dir: Path | None = None) -> str:
    ok = sum(r.status == "ok" for r in results)
    sections = []
    for notebook in dict.fromkeys(r.notebook for r in results):
        runs = [r for r in results if r.notebook == notebook]
        question = notebook_question(notebooks_dir / f"{notebook}.ipynb") if notebooks_dir else notebook
        sections.append(f"<section><h2>{html.escape(question)}</h2>{''.join(_run(r) for r in runs)}</section>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>relmkt reports: loyalty, delivered value, referral ROI, retention vs acquisition</title>
<style>
body {{ font-family: "Noto Sans", "Segoe UI", Roboto, Arial, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.6rem; margin-bottom: 0.2rem; }} h2 {{ font-size: 1.2rem; margin: 2rem 0 0.6rem;
    border-bottom: 1px solid #dde1e6; padding-bottom: 0.3rem; }}
.run {{ border: 1px solid #e1e5ea; border-radius: 6px; padding: 0.6rem 0.9rem; margin: 0.6rem 0; }}
.badge {{ display: inline-block; font-size: 0.75rem; font-weight: 700; border-radius: 3px; padding: 0.05rem 0.4rem;
          text-transform: uppercase; letter-spacing: 0.03em; }}
.badge.full {{ background: #e3f3e6; color: #1b5e20; }} .badge.partial {{ background: #fff4d6; color: #7a5200; }}
.badge.failed, .badge.invalid, .badge.interrupted, .badge.unverified {{ background: #fde6e6; color: #b71c1c; }}
ul.metrics {{ list-style: none; padding: 0; margin: 0.4rem 0; display: flex; flex-wrap: wrap; gap: 0.3rem 1.6rem; }}
ul.metrics .value {{ font-weight: 700; font-variant-numeric: tabular-nums; }}
.reason {{ color: #b71c1c; white-space: pre-wrap; font-size: 0.85rem; margin: 0.3rem 0; }}
.run details {{ font-size: 0.85rem; color: #7a5200; }} .dim {{ color: #777; }} .links {{ margin: 0.3rem 0 0; font-size: 0.9rem; }}
li.care {{ color: #7a5200; font-size: 0.9rem; }} .ci {{ color: #666; font-size: 0.85rem; }}
details.howto, details.concepts {{ border: 1px solid #e1e5ea; border-radius: 6px; padding: 0.4rem 0.9rem; margin: 0.6rem 0; }}
details.howto summary, details.concepts summary {{ cursor: pointer; font-weight: 600; color: #1f4e79; }}
table.concepts {{ border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; width: 100%; }}
table.concepts th, table.concepts td {{ text-align: left; vertical-align: top; padding: 0.3rem 0.5rem;
    border-bottom: 1px solid #e3e6ea; }}
</style></head><body>
<h1>relmkt — relationship-marketing reports</h1>
<p>{ok} of {len(results)} runs finished · generated {html.escape(generated)}. Each report has a reader's version
(narrative, figures and tables) and a version with its code. <b>full</b>: everything was estimated;
<b>partial</b>: some estimates could not be made or should be read with care (the reasons are listed).
<a href="glossary.html">Glossary</a>.</p>
{HOW_TO_READ}
{concept_map(results)}
{''.join(sections)}
</body></html>
"""
