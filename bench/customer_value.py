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
import time

from relmkt_utils import btyd
from relmkt_utils.btyd.base import factorize_rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--methods", default="normal,bootstrap")
    ap.add_argument("--model", default="bgnbd", choices=("bgnbd", "paretonbd"))
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    tx = btyd.simulate_transactions(args.customers, r=0.6, alpha=40.0, a=0.8, b=3.0, start="2020-01-01",
                                    end="2021-06-30", acquisition_days=84, seed=4)
    s = btyd.rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end="2020-12-31")
    cls = btyd.BetaGeo if args.model == "bgnbd" else btyd.ParetoNBD
    t1 = time.perf_counter()
    res = cls(s["frequency"], s["recency"], s["T"]).fit()
    rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    gg = btyd.GammaGamma(rep["frequency"], rep["monetary_value"]).fit()
    t2 = time.perf_counter()
    _, first = factorize_rows([s[c].to_numpy() for c in ("frequency", "recency", "T")])
    _, pairs = factorize_rows([s[c].to_numpy() for c in ("frequency", "T")])
    print(f"{len(s):,} customers ({len(first):,} distinct (x, t_x, T), {len(pairs):,} distinct (x, T)); "
          f"data {t1 - t0:.1f} s, fits {t2 - t1:.2f} s")
    for method in args.methods.split(","):
        t = time.perf_counter()
        v = btyd.customer_value(res, gg, s, n_boot=args.n_boot, seed=0, method=method)
        dt = time.perf_counter() - t
        print(f"{args.model} {method:9s} n_boot={args.n_boot}: {dt:6.1f} s; mean CLV {v.attrs['clv_mean']}")


if __name__ == "__main__":
    main()
