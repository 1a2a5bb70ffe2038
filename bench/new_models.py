"""``python -m bench.new_models``: fitting time of the models of issue 26 on real data, relmkt only.

The peers are R packages: CLVTools (GGom/NBD, the Pareto/NBD with time-varying covariates) and BTYDplus
(BG/CNBD-k, MBG/CNBD-k, Pareto/GGG). Debian packages R, but neither package (CLVTools, BTYDplus), and CRAN
cannot be reached from the machines this project is built on, so no peer runs here; the agreement with the
peers is checked in the tests against their published or extracted numbers instead (CLVTools'
``fitted_dyncov`` log-likelihoods, BTYDplus' CDNOW estimates).

Writes relmkt's own times, best of ``--reps`` fits after a warm-up, with the data each model is fitted
to, into ``bench/NEW_MODELS.md``.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
import warnings
from pathlib import Path

from relmkt_utils import btyd, retention
from relmkt_utils.data import datasets

ROOT = Path(__file__).resolve().parents[1]


def cases() -> list[tuple[str, str, object]]:
    """(model, data, a function that fits it once)."""
    cdnow = datasets.load("cdnow")
    freq, mult = cdnow.time_unit.rfm_convention()
    s = btyd.rfm_summary(cdnow.transactions, freq=freq, freq_multiplier=mult, calibration_end="1997-09-30")
    litt = btyd.regularity_summary(cdnow.transactions, freq=freq, freq_multiplier=mult,
                                   calibration_end="1997-09-30")["litt"].reindex(s.index).fillna(0.0)
    x, tx, T = s["frequency"], s["recency"], s["T"]
    app = datasets.load("apparel")
    panel = btyd.time_varying_panel(app.transactions, app.meta["calibration_end"],
                                    app.extras["seasons"].rename(columns={"week_start": "period_start"}),
                                    app.customers.set_index("customer_id")[["gender", "channel_offline"]],
                                    time_unit=app.time_unit)
    tv = dict(purchase=["high_season", "gender", "channel_offline"], dropout=["gender", "channel_offline"])
    survivors = list(retention.published.SURVIVORS["high end"][:8])
    where = f"CDNOW, {len(s):,} customers, calibration to 1997-09-30"
    small = datasets.load("cdnow_sample")       # the sampler: 2 chains of 3,000 sweeps, on the 1/10 sample
    ss = btyd.rfm_summary(small.transactions, freq=freq, freq_multiplier=mult, calibration_end="1997-09-30")
    sl = btyd.regularity_summary(small.transactions, freq=freq, freq_multiplier=mult,
                                 calibration_end="1997-09-30")["litt"].reindex(ss.index).fillna(0.0)
    return [
        ("BG/NBD (for scale)", where, lambda: btyd.BetaGeo(x, tx, T).fit()),
        ("BG/CNBD-k", where, lambda: btyd.BetaGeoCNBD(x, tx, T, litt=litt).fit()),
        ("MBG/CNBD-k", where, lambda: btyd.ModifiedBetaGeoCNBD(x, tx, T, litt=litt).fit()),
        ("GGom/NBD", where, lambda: btyd.GammaGompertzNBD(x, tx, T).fit()),
        ("Pareto/GGG (Gibbs sampler at its defaults)", f"CDNOW sample, {len(ss):,} customers, calibration to 1997-09-30",
         lambda: btyd.ParetoGGG(ss["frequency"], ss["recency"], ss["T"], sl).fit(seed=0)),
        ("Pareto/NBD, time-varying covariates", f"apparel, {len(app.customers):,} customers, weekly seasons",
         lambda: btyd.ParetoNBDTimeVarying(panel, **tv).fit()),
        ("BG/NBD, time-varying covariates", f"apparel, {len(app.customers):,} customers, weekly seasons",
         lambda: btyd.BetaGeoTimeVarying(panel, **tv).fit()),
        ("beta-discrete-Weibull", "Fader & Hardie's high-end cohort, years 0-7",
         lambda: retention.BetaDiscreteWeibull(survivors).fit()),
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.new_models", description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3, help="fits per model after the warm-up; the best is kept")
    ap.add_argument("--output", type=Path, default=ROOT / "bench" / "NEW_MODELS.md")
    args = ap.parse_args(argv)
    load = os.getloadavg()
    rows = []
    for name, data, fit in cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            fit()                                        # warm-up (and the only run of a fit over a minute)
            first = time.perf_counter() - start
            times = [first]
            for _ in range(args.reps if first < 60 else 0):
                start = time.perf_counter()
                fit()
                times.append(time.perf_counter() - start)
        rows.append((name, data, min(times)))
        print(f"{name}: {min(times):.3f} s", flush=True)
    lines = [
        "# Models of issue 26: fitting time", "",
        f"Written by `python -m bench.new_models` on {datetime.date.today():%Y-%m-%d}; {os.cpu_count()} cores, "
        f"{platform.platform()}; load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (1, 5, 15 min) at the "
        f"start. Best of {args.reps} fits after a warm-up. Do not edit by hand: rerun it.", "",
        "No peer column. " + __doc__.split("\n\n")[1].replace("\n", " ").replace("``", "`"), "",
        "| model | data | relmkt fit (s) |", "|---|---|---:|",
        *[f"| {name} | {data} | {seconds:.3f} |" for name, data, seconds in rows], "",
    ]
    args.output.write_text("\n".join(lines))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
