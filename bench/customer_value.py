"""``python -m bench.customer_value``: time :func:`relmkt_utils.btyd.customer_value` (per-customer CLV with
intervals) on a simulated customer base, for both interval methods.

The customers come from :func:`relmkt_utils.btyd.simulate_transactions` (a BG/NBD world with Gamma-Gamma
spend, purchases on days), summarised in weeks measured in days with a calibration period, as a dataset
would be. Prints one line per method: customers, distinct (x, t_x, T) rows, replicates, seconds, mean CLV
with its interval. There is no Lifetimes counterpart (Lifetimes has no CLV intervals), so this is not
part of ``python -m bench``.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from pathlib import Path

from relmkt_utils import btyd
from relmkt_utils.btyd.base import factorize_rows


def run(customers: int, model: str, methods: list[str], n_boot: int) -> list[dict]:
    """Simulate ``customers``, fit the purchase model and the Gamma-Gamma, and time customer_value per method."""
    t0 = time.perf_counter()
    tx = btyd.simulate_transactions(customers, r=0.6, alpha=40.0, a=0.8, b=3.0, start="2020-01-01",
                                    end="2021-06-30", acquisition_days=84, seed=4)
    s = btyd.rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end="2020-12-31")
    cls = btyd.BetaGeo if model == "bgnbd" else btyd.ParetoNBD
    t1 = time.perf_counter()
    res = cls(s["frequency"], s["recency"], s["T"]).fit()
    rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    gg = btyd.GammaGamma(rep["frequency"], rep["monetary_value"]).fit()
    t2 = time.perf_counter()
    _, first = factorize_rows([s[c].to_numpy() for c in ("frequency", "recency", "T")])
    _, pairs = factorize_rows([s[c].to_numpy() for c in ("frequency", "T")])
    print(f"{len(s):,} customers ({len(first):,} distinct (x, t_x, T), {len(pairs):,} distinct (x, T)); "
          f"data {t1 - t0:.1f} s, fits {t2 - t1:.2f} s")
    rows = []
    for method in methods:
        t = time.perf_counter()
        v = btyd.customer_value(res, gg, s, n_boot=n_boot, seed=0, method=method)
        dt = time.perf_counter() - t
        mean = v.attrs["clv_mean"]
        print(f"{model} {method:9s} n_boot={n_boot}: {dt:6.1f} s; mean CLV {mean}")
        rows.append({"customers": len(s), "distinct": len(first), "model": model, "method": method, "n_boot": n_boot,
                     "seconds": dt, "mean": mean})
    return rows


def write(rows: list[dict], path: Path) -> None:
    """The results as a Markdown page (machine, date, one row per customers x method)."""
    lines = ["# Per-customer CLV with intervals: cost (`python -m bench.customer_value`)", "",
             f"Written on {datetime.date.today()} on {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} cores; do not edit by hand. A BG/NBD world with Gamma-Gamma spend "
             "(`btyd.simulate_transactions`), 12-month CLV at 10% a year; `normal`: draws of the estimates from "
             "their asymptotic normal distribution; `bootstrap`: refits on resampled customers (CLVTools' "
             "`uncertainty=\"boots\"`). No peer library computes these intervals, so there is no ratio.", "",
             "| customers | distinct (x, t_x, T) | model | method | replicates | seconds | mean CLV (95% CI) |",
             "|---:|---:|---|---|---:|---:|---|"]
    for r in rows:
        m = r["mean"]
        lines.append(f"| {r['customers']:,} | {r['distinct']:,} | {r['model']} | {r['method']} | {r['n_boot']} | "
                     f"{r['seconds']:.1f} | {m.value:.2f} ({m.lower:.2f} to {m.upper:.2f}) |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", default="100000", help="comma-separated sizes (default 100000)")
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--methods", default="normal,bootstrap")
    ap.add_argument("--model", default="bgnbd", choices=("bgnbd", "paretonbd"))
    ap.add_argument("--bootstrap-max", type=int, default=200_000,
                    help="run the bootstrap method only up to this many customers (its refits dominate; default 200000)")
    ap.add_argument("--output", type=Path, help="also write the results as a Markdown table to this file")
    args = ap.parse_args(argv)
    rows = []
    for n in args.customers.split(","):
        methods = [m for m in args.methods.split(",") if m != "bootstrap" or int(n) <= args.bootstrap_max]
        rows += run(int(n), args.model, methods, args.n_boot)
    if args.output:
        write(rows, args.output)


if __name__ == "__main__":
    main()
