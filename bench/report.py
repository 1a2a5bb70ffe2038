"""Write ``bench/RESULTS.md`` (tables) and ``bench/results.png`` (time against size, log-log)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TITLES = {
    "rfm": "rfm_summary (transaction log with string customer ids to RFM summary, daily)",
    "fit_bgnbd": "BG/NBD fit",
    "fit_pnbd": "Pareto/NBD fit",
    "fit_gg": "Gamma-Gamma fit (repeat buyers only)",
    "fit_mbgnbd": "MBG/NBD fit",
    "fit_bgbb": "BG/BB fit (discrete opportunities)",
    "predict_bgnbd": "BG/NBD P(alive) + expected purchases in 52 weeks",
    "predict_pnbd": "Pareto/NBD P(alive) + expected purchases in 52 weeks",
}
#: Cases with no Lifetimes side (relmkt's DuckDB engine on logs beyond memory): a section of their own.
ENGINE_TITLES = {
    "rfm_duckdb": "rfm_summary from Parquet with DuckDB, to a DataFrame",
    "rfm_duckdb_file": "relmkt summarize: Parquet log to a Parquet summary with DuckDB",
    "rfm_duckdb_compress": "rfm_summary(compress=True) from Parquet with DuckDB",
}
COLORS = {"relmkt": "#1f5f8b", "lifetimes": "#c0504d"}


def _secs(side: dict) -> str:
    if side["best_s"] is None:
        return f"> {side['timeout_limit']:.0f} (stopped)" if side.get("timeout") else "failed"
    s = side["best_s"]
    return f"{s:,.3f}" if s < 10 else f"{s:,.1f}"


def _ratio(r: dict) -> str:
    o, p = r["relmkt"]["best_s"], r["lifetimes"]["best_s"]
    if o is None or p is None:
        return "—"
    x = p / o
    return f"**{x:,.0f}×**" if x >= 10 else f"**{x:.1f}×**"


def _mib(side: dict) -> str:
    return "—" if side["peak_mib"] is None else f"{side['peak_mib']:,.0f}"


def _agree(a: dict) -> str:
    return {True: "yes", False: "**no**", None: "—"}[a["agrees"]]


def png_path(md_path: Path) -> Path:
    """The figure beside a results page: ``results.png`` for RESULTS.md, ``<stem>.png`` (lower case) for another."""
    return md_path.with_name(md_path.stem.lower() + ".png")


def write(md_path: Path, png_path: Path, meta: dict, cases: list[dict], batch: dict | None) -> None:
    engine_cases = [r for r in cases if "lifetimes" not in r]
    cases = [r for r in cases if "lifetimes" in r]
    for r in cases + engine_cases:
        for side in ("relmkt", "lifetimes"):
            if side in r:
                r[side]["timeout_limit"] = meta["timeout_s"]
    m, ev, lv = meta["machine"], meta["relmkt_env"], meta["lifetimes_env"]
    lines = [
        "# relmkt vs Lifetimes: benchmark results",
        "",
        f"Written by `make bench` (`python -m bench`) on {meta['date']}; the whole run took "
        f"{meta['bench_wall_s'] / 60:.1f} min. Do not edit by hand: rerun the benchmark.",
        *[f"Rerun on {u['date']} with `--update` ({u['wall_s'] / 60:.1f} min): {', '.join(u['rerun'])}; the other "
          "cases are from the full run." for u in meta.get("updates", [])],
        "",
        f"**Machine.** {m['cpu']}, {m['cores']} cores, {m['memory_gib'] or 0:.0f} GiB; {m['os']}"
        + (f"; load average {', '.join(f'{x:.2f}' for x in m['load'])} (1, 5, 15 min) when the run started" if m.get("load")
           else "") + ".  ",
        f"**relmkt environment.** Python {ev['python']}, numpy {ev['numpy']}, pandas {ev['pandas']}, scipy {ev['scipy']}.  ",
        f"**Peer.** Lifetimes {lv['lifetimes']} in its own environment (Python {lv['python']}, numpy {lv['numpy']}, "
        f"pandas {lv['pandas']}, scipy {lv['scipy']}; `bench/requirements-lifetimes.txt`).",
        "",
        "**Method.** Both libraries get the same inputs, read from the same `.npz` files, and each runs in a "
        "long-lived worker process of its own environment, so imports and data loading are not timed. "
        "The two are measured alternately in one run (relmkt, Lifetimes, then Lifetimes, relmkt, ...) and the "
        f"best of {meta['reps']} runs per side is kept; a side whose first run exceeds {meta['slow_after_s']:.0f} s "
        f"is run once, and a call still running after {meta['timeout_s']:.0f} s is stopped. "
        "*Peak memory* is the rise of the worker's peak resident set size over its size just before the call "
        "(Linux `VmHWM`, reset through `/proc/self/clear_refs`); memory the worker freed earlier and reuses is not counted, so values near 0 mean 'within memory already held'. Lifetimes is called as its documentation shows, "
        "with its default settings and one row per customer; *ratio* = Lifetimes time / relmkt time.",
        "",
        "**Agreement.** Summaries: the same customers and every number within 1e-6. Fits: both parameter sets "
        "are put into relmkt's log-likelihood in the data's own time unit (Lifetimes rescales time inside its "
        "fitters); relmkt agrees when its optimum is at least as high as Lifetimes'. Predictions: at relmkt's "
        "estimates, every P(alive) and expected number of purchases within 1e-6 (relative above 1).",
        "",
        "| case | size | Lifetimes (s) | relmkt (s) | ratio | peak MiB Lifetimes | peak MiB relmkt | agree | detail |",
        "|---|---:|---:|---:|---:|---:|---:|:-:|---|",
    ]
    for r in cases:
        lines.append(f"| {TITLES[r['kind']]} — {r['label']} | {r['size']:,} {r['unit']} | {_secs(r['lifetimes'])} | "
                     f"{_secs(r['relmkt'])} | {_ratio(r)} | {_mib(r['lifetimes'])} | {_mib(r['relmkt'])} | "
                     f"{_agree(r['agreement'])} | {r['agreement']['detail']} |")
    fits = [r for r in cases if r["kind"].startswith("fit_") and "params_relmkt" in r["agreement"]]
    if fits:
        lines += ["", "**Estimates** (relmkt / Lifetimes):", ""]
        for r in fits:
            pairs = ", ".join(f"{a:.4g} / {b:.4g}" for a, b in zip(r["agreement"]["params_relmkt"],
                                                                     r["agreement"]["params_lifetimes"]))
            lines.append(f"- {TITLES[r['kind']]} — {r['label']}: {pairs}")
    if engine_cases:
        lines += engine_section(engine_cases, meta)
    if batch:
        ok = sum(run["status"] == "ok" for run in batch["runs"])
        lines += [
            "", "## The `make reports` batch", "",
            f"`relmkt run` over `reports.yml`, {batch['jobs']} notebooks at a time: **{batch['wall_s']:.1f} s wall time** "
            f"for {len(batch['runs'])} runs ({ok} ok, exit code {batch['exit_code']}). A run's time includes starting "
            "its kernel and writing its HTML; *cells* is the sum of the cell times papermill recorded.",
            "",
        ]
        if batch.get("issue_25_wall_s") is not None:
            lines += [f"The {batch['issue_25_runs']} runs of the default batch when issue 25 set its goal of 45 s "
                      "(reports.yml has gained value_satisfaction, value_mobi and referral_published since), run alone "
                      f"the same way: **{batch['issue_25_wall_s']:.1f} s wall time** (exit code "
                      f"{batch['issue_25_exit_code']}).", ""]
        lines += [
            "| run | notebook | status | run (s) | cells (s) | slowest cell (s) |",
            "|---|---|---|---:|---:|---:|",
        ]
        for run in sorted(batch["runs"], key=lambda x: -x["seconds"]):
            lines.append(f"| {run['name']} | {run['notebook']} | {run['status']} | {run['seconds']:.1f} | "
                         f"{run['cells_s']:.1f} | {run['slowest_cell_s']:.1f} |")
        if batch.get("fixed_median_s") is not None:
            lines += ["", f"**Fixed cost per run** (run time less the time of its cells: starting the kernel from the "
                          f"warm pool, saving the notebook, writing both HTML versions): median "
                          f"**{batch['fixed_median_s']:.2f} s**, largest {batch['fixed_max_s']:.2f} s."]
        if batch.get("cli"):
            c = batch["cli"]
            lines += ["", f"**The `relmkt` command** (best of {c['reps']} fresh interpreters): importing its module "
                          f"takes **{c['import_s']:.3f} s** beyond a bare Python start ({c['python_s']:.3f} s); "
                          f"`relmkt --help` answers in {c['help_s']:.3f} s wall time."]
    lines += ["", f"![time against size, log-log]({png_path.name})", ""]
    md_path.write_text("\n".join(lines))
    if cases:  # a run of relmkt-only cases (--only rfm_duckdb) has nothing to plot against Lifetimes
        _plot(png_path, cases)


def engine_section(cases: list[dict], meta: dict) -> list[str]:
    """The DuckDB cases: logs beyond memory, relmkt only (time, peak memory, agreement)."""
    duck = meta["relmkt_env"].get("duckdb", "?")
    lines = [
        "", "## Beyond memory: DuckDB", "",
        f"relmkt's DuckDB engine (duckdb {duck}) reading a Parquet log out of core, with the memory limit shown "
        "(`memory_limit`, spilling to a temporary folder), relmkt only: Lifetimes needs the whole log in pandas. "
        "*Peak memory* as above: the rise of the worker's peak resident set (Python, pandas and DuckDB together). "
        "Agreement: the 30M summary against relmkt's pandas path on the same log (size, column sums, every 997th "
        "customer); the 100M ones against counts of the log made by a separate query.",
        "",
        "| case | size | options | relmkt (s) | peak MiB | agree | detail |",
        "|---|---:|---|---:|---:|:-:|---|",
    ]
    for r in cases:
        opts = ", ".join(f"{k}={v}" for k, v in r.get("options", {}).items() if k != "out")
        lines.append(f"| {ENGINE_TITLES.get(r['kind'], r['kind'])} — {r['label']} | {r['size']:,} {r['unit']} | {opts} | "
                     f"{_secs(r['relmkt'])} | {_mib(r['relmkt'])} | {_agree(r['agreement'])} | "
                     f"{r['agreement']['detail']} |")
    return lines


def _variant(label: str) -> str:
    """What a case label says beyond its data size: "2M by date" -> "by date", "1M" or "CDNOW" -> ""."""
    head, _, rest = label.partition(" ")
    return rest if head[:-1].isdigit() and head[-1] in "kM" else ""


def _plot(path: Path, cases: list[dict]) -> None:
    kinds = [k for k in TITLES if any(r["kind"] == k for r in cases)]
    ncols = 3
    nrows = (len(kinds) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    for ax, kind in zip(axes.flat, kinds):
        rows = sorted((r for r in cases if r["kind"] == kind), key=lambda r: r["size"])
        variants = dict.fromkeys(_variant(r["label"]) for r in rows)   # "" and e.g. "by date": one line each
        for side in ("lifetimes", "relmkt"):
            for variant, style in zip(variants, ("o-", "s--", "^:")):
                pts = [(r["size"], r[side]["best_s"]) for r in rows
                       if _variant(r["label"]) == variant and r[side]["best_s"] is not None]
                if pts:
                    x, y = zip(*pts)
                    name = "Lifetimes 0.11.3" if side == "lifetimes" else "relmkt"
                    ax.plot(x, y, style, color=COLORS[side], label=f"{name}, {variant}" if variant else name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(TITLES[kind], fontsize=9)
        ax.set_xlabel(f"{rows[0]['unit']} (log scale)")
        ax.set_ylabel("best time (s, log scale)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(kinds):]:
        ax.axis("off")
    fig.suptitle("Time against size: relmkt vs Lifetimes (same inputs, same machine, one run)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
