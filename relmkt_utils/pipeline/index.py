"""``reports/index.html``: the landing page of a batch, one section per notebook.

Each section says which question its notebook answers (the notebook's title) and lists its runs:
the dataset, a badge (**full**: ran with nothing to report; **partial**: ran, but some estimate could
not be made or should not be trusted, with the reasons; **failed**, **not run** or **interrupted**,
with the reason), three to five headline numbers with plain names and units (:data:`HEADLINES`, in
order of preference: the first five the run produced; a number it did not produce is left out, never
shown as "None", and the next one takes its place), and links to the reader's
report, the report with code and the executed notebook. Every value shown comes from a config or a
run and is escaped, and a link is emitted only when it is a relative path ``<run>/<file>`` of plain
characters (:func:`safe_href`): an entry can never carry a ``javascript:`` or outside link. A run whose
last attempt failed while an earlier report was kept says so beside the links.

The entries come from :func:`relmkt_utils.pipeline.batch.collect`, which rebuilds them from the run
folders' own records, never from an older ``index.json``.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

from ..present import fmt

#: Per notebook, in order of preference: (metric recorded by the notebook, plain name, kind of number).
#: The index shows the first :data:`MAX_HEADLINES` a run recorded; ``{metric}`` in a name is filled
#: in from the run's metrics (a name whose metric is missing is not shown).
HEADLINES = {
    "00_data_overview": [("n_customers", "customers", "count"), ("n_transactions", "transactions", "count"),
                         ("repeat_rate", "repeat-purchase rate", "share"),
                         ("top20_revenue_share", "revenue of the top 20% of customers", "share")],
    "01_loyalty_measurement": [("repeat_rate", "repeat-purchase rate", "share"),
                               ("p_alive_mean_repeat_buyers", "mean P(alive) of repeat buyers", "share"),
                               ("clv_mean", "mean CLV per customer over {clv_horizon_months:g} months", "money"),
                               ("nps", "Net Promoter Score (points)", "number"),
                               ("top20_revenue_share", "revenue of the top 20% of customers", "share"),
                               ("p_alive_mean", "mean P(alive)", "share"),
                               ("expected_purchases_mean", "expected purchases per customer in {clv_horizon_months:g} "
                                "months", "number"),
                               ("dert_mean", "discounted expected residual transactions per customer", "number")],
    "02_delivered_value": [("delivered_value_mean", "mean delivered value (−6 to 6)", "number"),
                           ("top_improvement_driver", "component to improve first", "text"),
                           ("hr_delivered_value", "dropout hazard ratio per point of delivered value", "number"),
                           ("choice_hit_rate", "choices predicted by the logit", "share"),
                           ("mxl_simulated_share_change", "change in the simulated offer's choice share "
                            "(percentage points, mixed logit)", "points"),
                           ("simulated_share_change", "change in the simulated offer's choice share "
                            "(percentage points, logit)", "points"),
                           ("mxl_wtp_wk", "willingness to pay for a well-known supplier (cents/kWh)", "number"),
                           ("mxl_wtp_loc", "willingness to pay for a local supplier (cents/kWh)", "number")],
    "03_referral_roi": [("referral_roi", "return on the referral programme", "share"),
                        ("incremental_customers", "customers the programme caused", "count"),
                        ("viral_coefficient", "new customers per programme customer (K)", "number"),
                        ("breakeven_reward", "break-even reward per conversion", "money")],
    "04_retention_vs_acquisition": [("clv", "CLV of a new customer", "money"),
                                    ("customer_equity", "customer equity", "money"),
                                    ("acquisition_to_retention_cost_ratio", "acquisition / retention cost per customer",
                                     "number"),
                                    ("clv_structural_vs_financial", "CLV, structural / financial bond", "number"),
                                    ("profit_change_5pt_retention", "more steady-state profit from 5 points more annual "
                                     "retention", "percent"),
                                    ("break_even_retention_spend", "break-even retention spend per customer per "
                                     "{cohort_period}", "money"),
                                    ("sbg_regular_holdout_mape", "sBG forecast error, years 8-12, Fader & Hardie "
                                     "(2007) regular cohort (MAPE)", "percent"),
                                    ("sbg_high_end_holdout_mape", "sBG forecast error, years 8-12, Fader & Hardie "
                                     "(2007) high-end cohort (MAPE)", "percent"),
                                    ("constant_r_regular_holdout_mape", "constant-retention forecast error, years "
                                     "8-12, regular cohort (MAPE)", "percent")],
}
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


def _metrics(result) -> str:
    items = []
    for key, name, kind in HEADLINES.get(result.notebook, []):
        value = (result.metrics or {}).get(key)
        if value is None:
            continue
        if kind == "points":                                  # a change of a share: +2.7, not 2.7%
            value, kind = f"{100 * value:+.1f}", "text"
        if len(items) == MAX_HEADLINES:
            break
        try:
            name = name.format_map(result.metrics)
        except (KeyError, TypeError, ValueError):
            continue
        items.append(f"<li><span class='value'>{html.escape(fmt(value, kind, result.currency or ''))}</span> "
                     f"{html.escape(name)}</li>")
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
details {{ font-size: 0.85rem; color: #7a5200; }} .dim {{ color: #777; }} .links {{ margin: 0.3rem 0 0; font-size: 0.9rem; }}
</style></head><body>
<h1>relmkt — relationship-marketing reports</h1>
<p>{ok} of {len(results)} runs finished · generated {html.escape(generated)}. Each report has a reader's version
(narrative, figures and tables) and a version with its code. <b>full</b>: everything was estimated;
<b>partial</b>: some estimates could not be made or should be read with care (the reasons are listed).</p>
{''.join(sections)}
</body></html>
"""
