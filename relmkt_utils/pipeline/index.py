"""``reports/index.html``: one table of every run with status, duration, parameters and key metrics.

Every value shown (run names, parameters, metrics, errors, warnings) comes from a config or a run and
is escaped."""
from __future__ import annotations

import html


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e5 else f"{v:,.0f}"
    return html.escape(str(v))


def _kv(d: dict) -> str:
    if not d:
        return "<span class='dim'>defaults</span>"
    return "<br>".join(f"<code>{html.escape(str(k))}</code> = {_fmt(v)}" for k, v in d.items())


STATUS = {"ok": "ok", "failed": "failed", "invalid": "not run", "interrupted": "interrupted"}


def index_html(results, generated: str) -> str:
    ok = sum(r.status == "ok" for r in results)
    rows = []
    for r in results:
        links = []
        if r.html:
            links.append(f"<a href='{html.escape(r.html)}'>report</a>")
        if r.html_full:
            links.append(f"<a href='{html.escape(r.html_full)}'>with code</a>")
        if r.ipynb:
            links.append(f"<a href='{html.escape(r.ipynb)}'>notebook</a>")
        label = STATUS.get(r.status, r.status)
        status = f"<span class='{'ok' if r.status == 'ok' else 'failed'}'>{html.escape(label)}</span>"
        err = f"<pre class='error'>{html.escape(r.error)}</pre>" if r.error else ""
        warns = r.warnings or []
        if warns:
            err += "<ul class='warn'>" + "".join(f"<li>{html.escape(str(w))}</li>" for w in warns) + "</ul>"
        rows.append(
            f"<tr><td><b>{html.escape(r.name)}</b><br><span class='dim'>{html.escape(r.notebook)}</span></td>"
            f"<td>{status}{err}</td><td class='num'>{(r.duration_s or 0):.1f} s</td><td>{_kv(r.parameters)}</td>"
            f"<td>{_kv(r.metrics)}</td><td>{' · '.join(links)}</td></tr>"
        )
    stamp = html.escape(generated)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>relmkt reports</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }}
th {{ background: #f3f5f8; }} .num {{ text-align: right; white-space: nowrap; }}
.ok {{ color: #2e7d32; font-weight: bold; }} .failed {{ color: #c62828; font-weight: bold; }}
.dim {{ color: #777; }} ul.warn {{ color: #8a5a00; font-size: 0.8rem; margin: 0.3rem 0; padding-left: 1.1rem; }} pre.error {{ white-space: pre-wrap; color: #c62828; font-size: 0.8rem; max-width: 30rem; }}
</style></head><body>
<h1>relmkt — relationship-marketing reports</h1>
<p>{ok} of {len(results)} runs ok · generated {stamp}. Each report has a reader's version
(narrative, figures and tables) and a version with code.</p>
<table><thead><tr><th>run</th><th>status</th><th>time</th><th>parameters</th><th>key metrics</th><th>open</th></tr></thead>
<tbody>
{''.join(rows)}
</tbody></table></body></html>
"""
