"""``reports/index.html``: one table of every run with status, duration, parameters and key metrics."""
from __future__ import annotations

import html
from datetime import datetime, timezone


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e5 else f"{v:,.0f}"
    return html.escape(str(v))


def _kv(d: dict) -> str:
    if not d:
        return "<span class='dim'>defaults</span>"
    return "<br>".join(f"<code>{html.escape(str(k))}</code> = {_fmt(v)}" for k, v in d.items())


def index_html(results) -> str:
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
        status = "<span class='ok'>ok</span>" if r.status == "ok" else "<span class='failed'>failed</span>"
        err = f"<pre class='error'>{html.escape(r.error)}</pre>" if r.error else ""
        rows.append(
            f"<tr><td><b>{html.escape(r.name)}</b><br><span class='dim'>{html.escape(r.notebook)}</span></td>"
            f"<td>{status}{err}</td><td class='num'>{r.duration_s:.1f} s</td><td>{_kv(r.parameters)}</td>"
            f"<td>{_kv(r.metrics)}</td><td>{' · '.join(links)}</td></tr>"
        )
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>relmkt reports</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }}
th {{ background: #f3f5f8; }} .num {{ text-align: right; white-space: nowrap; }}
.ok {{ color: #2e7d32; font-weight: bold; }} .failed {{ color: #c62828; font-weight: bold; }}
.dim {{ color: #777; }} pre.error {{ white-space: pre-wrap; color: #c62828; font-size: 0.8rem; max-width: 30rem; }}
</style></head><body>
<h1>relmkt — relationship-marketing reports</h1>
<p>{ok} of {len(results)} runs ok · generated {stamp}. Each report has a reader's version
(narrative, figures and tables) and a version with code.</p>
<table><thead><tr><th>run</th><th>status</th><th>time</th><th>parameters</th><th>key metrics</th><th>open</th></tr></thead>
<tbody>
{''.join(rows)}
</tbody></table></body></html>
"""
