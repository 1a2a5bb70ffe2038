"""``python -m bench``: time relmkt against Lifetimes 0.11.3 on the same inputs, in one run.

For each case the driver asks the two workers (:mod:`bench.worker`, one per environment) in turn to
run it — relmkt, Lifetimes, relmkt, Lifetimes, ... (the side that goes first alternates) — and keeps
the best of ``--reps`` runs per side. A side whose first run takes longer than ``--slow-after``
seconds is not repeated, and a call longer than ``--timeout`` seconds is stopped and reported as
such. Then the outputs are compared (:mod:`bench.agreement`), the default ``make reports`` batch is
timed, and ``bench/RESULTS.md`` and ``bench/results.png`` are written (:mod:`bench.report`).

Exit codes: 0 done, 1 a case disagreed or failed, 2 bad usage (e.g. no Lifetimes environment).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import agreement, data, report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PEER = ROOT / "bench" / ".venv-lifetimes" / "bin" / "python"


@dataclass
class Case:
    """One benchmark case: a kind of work (``rfm``, ``fit_bgnbd``, ...) on one input."""

    kind: str
    label: str
    size: int
    unit: str  # what ``size`` counts: "transactions" or "customers"
    make_input: object  # () -> Path of the .npz input, built on first use
    options: dict = field(default_factory=dict)
    peer: bool = True  # False: relmkt only (the DuckDB cases: Lifetimes cannot read a log beyond memory)

    @property
    def name(self) -> str:
        return f"{self.kind} {self.label}"


def plan(quick: bool) -> list[Case]:
    """The cases of the issue: summaries of 69,659 / 1M / 2M / 10M purchases; the three fits on CDNOW,
    100k and 1M customers; P(alive) and expected purchases for 1M customers. ``quick``: the small ones."""
    logs = [(None, "CDNOW", 69_659)] + ([] if quick else [(n, f"{n // 1_000_000}M", n) for n in (1_000_000, 2_000_000, 10_000_000)])
    customers = [(None, "CDNOW", 23_570), (100_000, "100k", 100_000)] + ([] if quick else [(1_000_000, "1M", 1_000_000)])
    cases = [Case("rfm", label, size, "transactions", lambda n=n: data.transaction_log(n), {"freq": "D"})
             for n, label, size in logs]
    for kind in ("fit_bgnbd", "fit_pnbd", "fit_gg"):
        for n, label, size in customers:
            make = (lambda n=n: data.repeat_buyers(data.customer_summary(n))) if kind == "fit_gg" else \
                   (lambda n=n: data.customer_summary(n))
            cases.append(Case(kind, label, size, "customers", make))
    for n, label, size in customers:
        cases.append(Case("fit_mbgnbd", label, size, "customers", lambda n=n: data.customer_summary(n)))
    cases.append(Case("fit_bgbb", "donations", 11_104, "customers", data.donations))
    cases.append(Case("fit_bgbb", "100k", 100_000, "customers", lambda: data.bgbb_donors(100_000)))
    if not quick:  # logs in date order, as shops export them; then beyond memory with DuckDB (relmkt only)
        for n in (2_000_000, 10_000_000):
            cases.append(Case("rfm", f"{n // 1_000_000}M by date", n, "transactions",
                              lambda n=n: data.transaction_log(n, order="date"), {"freq": "D"}))
        engine = {"freq": "D", "threads": 2}
        cases.append(Case("rfm_duckdb", "30M Parquet", 30_000_000, "transactions",
                          lambda: data.parquet_log(30_000_000), {**engine, "memory_limit": "1GB"}, peer=False))
        # within 1.5GB DuckDB summarises the 100M rows in ranges of customer ids (engines.BYTES_PER_ROW)
        for kind, limit in (("rfm_duckdb_file", "1.5GB"), ("rfm_duckdb_compress", "1.5GB")):
            cases.append(Case(kind, "100M Parquet", 100_000_000, "transactions", lambda: data.parquet_log(100_000_000),
                              {**engine, "memory_limit": limit, "out": str(data.WORK / "outputs" / "summary_100M.parquet")},
                              peer=False))
    n_pred, label_pred = customers[-1][0], customers[-1][1]
    for kind in ("predict_bgnbd", "predict_pnbd"):
        cases.append(Case(kind, label_pred, customers[-1][2], "customers",
                          lambda n=n_pred: data.customer_summary(n), {"t": 52.0}))
    return cases


class Worker:
    """A worker process of one side, restarted after a timeout."""

    def __init__(self, side: str, python: Path):
        self.side, self.python = side, python
        self.proc = None

    def _start(self):
        self.proc = subprocess.Popen([str(self.python), "-m", "bench.worker", self.side], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.replies: queue.Queue = queue.Queue()
        threading.Thread(target=lambda out=self.proc.stdout, q=self.replies: [q.put(l) for l in out] and None,
                         daemon=True).start()

    def request(self, req: dict, timeout: float) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        try:
            return json.loads(self.replies.get(timeout=timeout))
        except queue.Empty:
            self.stop()
            return {"ok": False, "timeout": True, "error": f"stopped after {timeout:.0f} s"}

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None


def measure(case: Case, workers: dict, reps: int, slow_after: float, timeout: float, outdir: Path) -> dict:
    """Best-of-``reps`` time and peak memory of each side, measured alternately; first outputs kept."""
    inp = str(case.make_input())
    workers = workers if case.peer else {"relmkt": workers["relmkt"]}
    sides = {name: {"times": [], "peaks": [], "error": None, "timeout": False} for name in workers}
    for rep in range(reps):
        order = list(workers) if rep % 2 == 0 else list(workers)[::-1]
        for name in order:
            s = sides[name]
            if s["error"] or (s["times"] and s["times"][0] > slow_after):
                continue
            out = outdir / f"{case.kind}_{case.label}_{name}.npz"
            req = {"case": case.kind, "input": inp, "output": str(out) if rep == 0 else None, "options": case.options}
            reply = workers[name].request(req, timeout)
            if reply["ok"]:
                s["times"].append(reply["seconds"])
                if reply["peak_mib"] is not None:
                    s["peaks"].append(reply["peak_mib"])
            else:
                s["error"], s["timeout"] = reply["error"], bool(reply.get("timeout"))
                print(f"  {name}: {reply['error']}", file=sys.stderr)
            if rep == 0:
                t = f"{reply['seconds']:.3f} s" if reply["ok"] else "failed"
                print(f"  {case.name:<24} {name:<9} {t}", file=sys.stderr, flush=True)
    return {name: {"best_s": min(s["times"]) if s["times"] else None, "runs": len(s["times"]),
                   "peak_mib": max(s["peaks"]) if s["peaks"] else None, "error": s["error"],
                   "timeout": s["timeout"], "output": str(outdir / f"{case.kind}_{case.label}_{name}.npz")}
            for name, s in sides.items()}


def compare(case: Case, result: dict) -> dict:
    if not case.peer:  # checked against the pandas path (30M) or identities of the log (100M)
        ours = result["relmkt"]
        if ours["error"]:
            return {"agrees": None, "detail": "not compared: " + ours["error"]}
        ok, detail = agreement.engine(case.kind, str(case.make_input()), dict(np.load(ours["output"])), case.options)
        return {"agrees": ok, "detail": detail}
    ours, peer = result["relmkt"], result["lifetimes"]
    if ours["error"] or peer["error"]:
        return {"agrees": None, "detail": "not compared: " + (ours["error"] or peer["error"])}
    load = lambda p: dict(np.load(p, allow_pickle=False))  # noqa: E731
    o, p = load(ours["output"]), load(peer["output"])
    if case.kind == "rfm":
        ok, detail = agreement.summaries(o, p)
        return {"agrees": ok, "detail": detail}
    if case.kind.startswith("fit_"):
        ok, detail, extra = agreement.fits(case.kind, load(case.make_input()), o, p)
        return {"agrees": ok, "detail": detail, "params_relmkt": o["params"].tolist(),
                "params_lifetimes": p["params"].tolist(), **extra}
    ok, detail = agreement.predictions(o, p)
    return {"agrees": ok, "detail": detail}


#: The default batch when issue 25 set its goal of 45 s (81.6 s then): reports.yml has gained three runs
#: since (value_satisfaction, value_mobi, referral_published), so both batches are timed.
ISSUE_25_RUNS = ("overview_synthetic", "overview_cdnow", "overview_tafeng", "loyalty_synthetic", "loyalty_cdnow_sample",
                 "loyalty_cdnow", "loyalty_tafeng", "loyalty_donations", "value_synthetic", "value_electricity",
                 "referral_synthetic", "referral_rich_reward", "retention_synthetic", "retention_tafeng",
                 "retention_fader_hardie")


def _wall_of_batch(outdir: Path, jobs: int, only=()) -> tuple[float, subprocess.CompletedProcess]:
    relmkt = Path(sys.executable).with_name("relmkt")
    start = time.perf_counter()
    proc = subprocess.run([str(relmkt), "run", "--output-dir", str(outdir), "--jobs", str(jobs), "--quiet",
                           *[arg for name in only for arg in ("--only", name)]], cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def time_batch(outdir: Path, jobs: int) -> dict:
    """Wall time of the default batch (``relmkt run`` over reports.yml) and time per run and notebook; then
    the wall time of the 15 runs of :data:`ISSUE_25_RUNS` alone (in a folder of their own)."""
    wall, proc = _wall_of_batch(outdir, jobs)
    index = json.loads((outdir / "index.json").read_text()) if (outdir / "index.json").exists() else {"runs": []}
    runs = []
    for r in index["runs"]:
        cells = [c["seconds"] for c in r.get("cell_seconds", [])]     # each code cell's time, from the worker
        runs.append({"name": r["name"], "notebook": r["notebook"], "status": r["status"], "seconds": r["duration_s"],
                     "cells_s": float(sum(cells)), "slowest_cell_s": float(max(cells, default=0.0))})
    fixed = sorted(run["seconds"] - run["cells_s"] for run in runs)      # kernel, imports, saving, HTML
    wall_15, proc_15 = _wall_of_batch(outdir.with_name(outdir.name + "-15"), jobs, ISSUE_25_RUNS)
    return {"wall_s": wall, "exit_code": proc.returncode, "jobs": jobs, "runs": runs,
            "issue_25_wall_s": wall_15, "issue_25_exit_code": proc_15.returncode, "issue_25_runs": len(ISSUE_25_RUNS),
            "fixed_median_s": float(np.median(fixed)) if fixed else None, "fixed_max_s": max(fixed, default=None),
            "cli": time_cli()}


def time_cli(reps: int = 7) -> dict:
    """Start-up of the ``relmkt`` command: the best of ``reps`` fresh interpreters importing its module,
    less an interpreter that imports nothing, and the wall time of ``relmkt --help``."""
    relmkt = Path(sys.executable).with_name("relmkt")

    def best(cmd) -> float:
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
            times.append(time.perf_counter() - t)
        return min(times)

    bare = best([sys.executable, "-c", "pass"])
    module = best([sys.executable, "-c", "import relmkt_utils.pipeline.cli"])
    return {"import_s": module - bare, "help_s": best([str(relmkt), "--help"]), "python_s": bare, "reps": reps}


def versions(python: Path, modules: list[str]) -> dict:
    code = ("import importlib, json, platform; v = {'python': platform.python_version()}\n"
            f"for m in {modules!r}:\n    v[m] = importlib.import_module(m).__version__\nprint(json.dumps(v))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 ** 2
    except (OSError, IndexError, ValueError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "os": platform.platform(),
            "load": [round(x, 2) for x in os.getloadavg()]}


def merge_into_last_run(path: Path, meta: dict, cases: list[dict], batch: dict | None):
    """The last run's results with ``cases`` (same kind and label) and ``batch`` measured again; the
    meta data of the last run, with a note of what was rerun and when."""
    if not path.exists():
        raise SystemExit(f"bench: --update needs the results of an earlier run in {path}; run the full bench first")
    last = json.loads(path.read_text())
    fresh = {(c["kind"], c["label"]): c for c in cases}
    merged = [fresh.pop((c["kind"], c["label"]), c) for c in last["cases"]] + list(fresh.values())
    rerun = [f"{c['kind']} {c['label']}" for c in cases] + (["the batch"] if batch else [])
    notes = [*last["meta"].get("updates", []), {"date": meta["date"], "rerun": rerun,
                                                  "wall_s": meta["bench_wall_s"]}]
    return {**last["meta"], "updates": notes}, merged, batch or last["batch"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer-python", type=Path, default=DEFAULT_PEER,
                    help="Python of the environment with Lifetimes 0.11.3 (made by `make bench`)")
    ap.add_argument("--reps", type=int, default=3, help="runs per side and case; the best is kept (default 3)")
    ap.add_argument("--slow-after", type=float, default=60.0,
                    help="do not repeat a side whose first run took longer than this, in seconds (default 60)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="stop a single call after this many seconds")
    ap.add_argument("--quick", action="store_true", help="only the CDNOW and 100k cases, no batch")
    ap.add_argument("--no-batch", action="store_true", help="skip timing the make reports batch")
    ap.add_argument("--jobs", type=int, default=2, help="notebooks at once in the batch (as make reports)")
    ap.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    ap.add_argument("--only", action="append", metavar="KIND",
                    help="run only the cases of this kind (e.g. fit_bgbb, or batch for the make reports batch; "
                         "repeatable); the batch is timed only when named")
    ap.add_argument("--update", action="store_true",
                    help="with --only: replace those cases (and the batch) in the last run's results "
                         "(bench/_work/results.json) and rewrite RESULTS.md from them, instead of writing the new "
                         "cases alone")
    ap.add_argument("--report-only", action="store_true",
                    help="measure nothing: rewrite RESULTS.md and results.png from the last run's results "
                         "(bench/_work/results.json), e.g. after a change of the report's wording")
    args = ap.parse_args(argv)
    if args.report_only:
        last = json.loads((data.WORK / "results.json").read_text())
        report.write(args.output, report.png_path(args.output), last["meta"], last["cases"], last["batch"])
        print(f"wrote {args.output} from {data.WORK / 'results.json'}", file=sys.stderr)
        return 0
    if not args.peer_python.exists():
        print(f"bench: no Lifetimes environment at {args.peer_python}; `make bench` creates it "
              "(or pass --peer-python)", file=sys.stderr)
        return 2

    outdir = data.WORK / "outputs"
    outdir.mkdir(parents=True, exist_ok=True)
    workers = {"relmkt": Worker("relmkt", Path(sys.executable)), "lifetimes": Worker("lifetimes", args.peer_python)}
    fitted: dict = {}
    results = []
    started = time.perf_counter()
    try:
        for case in plan(args.quick):
            if args.only and case.kind not in args.only:
                continue
            if case.kind.startswith("predict_"):  # at relmkt's estimates on the same customers
                fit = fitted.get(("fit_" + case.kind.split("_")[1], case.label))
                if fit is None:
                    continue
                case.options = {**case.options, "params": fit}
            print(f"{case.name} ({case.size:,} {case.unit})", file=sys.stderr, flush=True)
            res = measure(case, workers, args.reps, args.slow_after, args.timeout, outdir)
            cmp = compare(case, res)
            if case.kind.startswith("fit_") and "params_relmkt" in cmp:
                fitted[(case.kind, case.label)] = cmp["params_relmkt"]
            results.append({"kind": case.kind, "label": case.label, "size": case.size, "unit": case.unit,
                            **({} if case.peer else {"options": case.options}),
                            **{f"{k}": v for k, v in res.items()}, "agreement": cmp})
            print(f"  agreement: {cmp['detail']}", file=sys.stderr, flush=True)
    finally:
        for w in workers.values():
            w.stop()
    batch = None
    if not (args.quick or args.no_batch) and (not args.only or "batch" in args.only):
        print("batch: relmkt run (reports.yml)", file=sys.stderr, flush=True)
        batch = time_batch(data.WORK / "reports", args.jobs)
    engine_mods = ["duckdb"] if any(r["kind"].startswith("rfm_duckdb") for r in results) else []
    meta = {"machine": machine(), "relmkt_env": versions(Path(sys.executable), ["numpy", "pandas", "scipy"] + engine_mods),
            "lifetimes_env": versions(args.peer_python, ["numpy", "pandas", "scipy", "lifetimes"]),
            "reps": args.reps, "slow_after_s": args.slow_after, "timeout_s": args.timeout,
            "bench_wall_s": time.perf_counter() - started, "date": time.strftime("%Y-%m-%d")}
    if args.update:
        meta, results, batch = merge_into_last_run(data.WORK / "results.json", meta, results, batch)
    (data.WORK / "results.json").write_text(json.dumps({"meta": meta, "cases": results, "batch": batch}, indent=1))
    report.write(args.output, report.png_path(args.output), meta, results, batch)
    print(f"wrote {args.output}", file=sys.stderr)
    failed = [r for r in results if r["agreement"]["agrees"] is False or r["relmkt"]["error"]]
    return 1 if failed or (batch and batch["exit_code"] != 0) else 0


if __name__ == "__main__":
    raise SystemExit(main())
