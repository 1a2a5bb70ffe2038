"""Convert CLVTools' apparel retailer data into relmkt's dataset ``data/apparel`` (run once; output committed).

Source: the R package CLVTools (Bachmann, Kuebler, Meierer, Naef, Oblander & Schilter), GitHub repository
bachmannpatrick/CLVTools at commit 1b06356b0ec07640b532c666aff29e2a3b8393fa (release 0.12.1), files
``data/apparelTrans.rda`` (3,187 purchases of 600 customers, 2005-2010), ``data/apparelStaticCov.rda``
(gender and acquisition channel of each customer) and ``data/apparelDynCov.rda`` (the weekly
"high season" indicator, the same for every customer, beside the static covariates repeated per week).
The data are simulated by the CLVTools authors and ship under the package's licence, GPL-3. The
``.rda`` files are read by ``data/rda.py`` (no R needed); their SHA-256 are checked below.

Tables written: ``transactions`` (customer_id, date, amount), ``customers`` (customer_id, acquired_at,
gender 0 = male / 1 = female, channel_offline 0 = online / 1 = offline: CLVTools' Gender and Channel),
and the extra table ``seasons`` (week_start, high_season): apparelDynCov without its per-customer copies
(checked equal to the static covariates).

Usage::

    python data/convert_apparel.py PATH/TO/CLVTools     # a checkout of the repository at the commit above
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from rda import read_rda  # noqa: E402

from relmkt_utils.data.dataset import write_meta  # noqa: E402

REPOSITORY = "bachmannpatrick/CLVTools"
COMMIT = "1b06356b0ec07640b532c666aff29e2a3b8393fa"
SHA256 = {
    "apparelTrans.rda": "8264912207ad56a831c1d591bc27db43921b2e2612e113b1976cb0ea2550cad4",
    "apparelStaticCov.rda": "13b5366b0e59ea1b6e292179d0703be02e2dce7ccec7b2ec0d24c7a690a12cd4",
    "apparelDynCov.rda": "87543e3c5826a0c0e0ff34867e4429e82c069b7c0c1528c47222927adef8fc87",
}

META = {
    "name": "apparel",
    "description": (
        "CLVTools' apparel retailer data: 600 customers who made their first purchase at an apparel retailer "
        "on 2005-01-02, and all their 3,187 purchases to the end of 2010, with each customer's gender and "
        "acquisition channel and a weekly high-season indicator. Simulated by the CLVTools authors; the data "
        "of CLVTools' vignette and tests (time unit weeks, 104-week calibration)."
    ),
    "currency": "EUR",
    "time_unit": "week",
    "observation_start": "2005-01-02",
    "observation_end": "2010-12-31",
    "provenance": (
        f"R package CLVTools 0.12.1, GitHub {REPOSITORY} at commit {COMMIT}: data/apparelTrans.rda, "
        "data/apparelStaticCov.rda, data/apparelDynCov.rda. Converted by data/convert_apparel.py."
    ),
    "licence": "GPL-3, the licence of CLVTools; cite Bachmann, Meierer & Naef (2021) and the CLVTools package.",
    "calibration_end": "2006-12-31",
    "extras": {
        "seasons": (
            "Per week (week_start, a Sunday, 2005-01-02 to 2010-12-26): high_season, 1 in the weeks CLVTools' "
            "apparelDynCov marks as high season, else 0 (the same for every customer)."
        )
    },
}


def _read(root: Path, name: str) -> pd.DataFrame:
    path = root / "data" / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256[name]:
        raise SystemExit(f"{path}: SHA-256 {digest} is not the one of commit {COMMIT}")
    (obj,) = read_rda(path).values()
    return obj


def _csv(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def main(root: Path) -> None:
    trans, static, dyn = (_read(root, n) for n in ("apparelTrans.rda", "apparelStaticCov.rda", "apparelDynCov.rda"))
    width = len(str(len(static)))
    cid = lambda s: s.astype(int).map(lambda i: f"{i:0{width}d}")          # noqa: E731
    tx = pd.DataFrame({"customer_id": cid(trans["Id"]), "date": trans["Date"], "amount": trans["Price"].astype(float)})
    tx = tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    first = tx.groupby("customer_id")["date"].min()
    customers = pd.DataFrame({"customer_id": cid(static["Id"]), "gender": static["Gender"].astype(int),
                              "channel_offline": static["Channel"].astype(int)})
    customers.insert(1, "acquired_at", customers["customer_id"].map(first))
    customers = customers.sort_values("customer_id").reset_index(drop=True)
    both = dyn.merge(static, on="Id", suffixes=("", "_static"))
    if not ((both["Gender"] == both["Gender_static"]).all() and (both["Channel"] == both["Channel_static"]).all()):
        raise SystemExit("apparelDynCov's Gender/Channel differ from apparelStaticCov's")
    if dyn.groupby("Cov.Date")["High.Season"].nunique().max() != 1:
        raise SystemExit("apparelDynCov's High.Season differs between customers of one week")
    seasons = (dyn.groupby("Cov.Date", as_index=False)["High.Season"].first()
               .rename(columns={"Cov.Date": "week_start", "High.Season": "high_season"}))
    seasons["high_season"] = seasons["high_season"].astype(int)
    folder = write_meta(HERE / "apparel", META)
    _csv(customers, folder / "customers.csv")
    _csv(tx, folder / "transactions.csv")
    _csv(seasons, folder / "seasons.csv")
    print(f"apparel: {len(customers):,} customers, {len(tx):,} transactions, {len(seasons)} weeks")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
