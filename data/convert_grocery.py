"""Convert BTYDplus' online grocery event log into relmkt's dataset ``data/grocery`` (run once; output committed).

Source: the R package BTYDplus (Platzer), GitHub repository mplatzer/BTYDplus at commit
d5eda8f139688bedd00f8afb63f91b73e4511800 (version 1.2.0), file ``data/groceryElog.rda``: 10,483
purchases of the 1,525 customers of an online grocery store who first bought in the first quarter of
2006 (and not in 2004-2005), to the end of 2007 (Platzer & Reutterer 2016, Marketing Science 35(5)).
It ships under the package's licence, GPL-3. The ``.rda`` is read by ``data/rda.py`` (no R needed);
its SHA-256 is checked below. The log has customer ids and dates only: no amounts, so it is not a
canonical transactions table (which needs them) but the extra table ``purchases``; ``customers`` holds
each customer's first purchase date.

Usage::

    python data/convert_grocery.py PATH/TO/BTYDplus     # a checkout of the repository at the commit above
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

REPOSITORY = "mplatzer/BTYDplus"
COMMIT = "d5eda8f139688bedd00f8afb63f91b73e4511800"
SHA256 = "8e0fc7550fd6c206a9cd74c12633acdd8974424d7f5829997bbfbffa65279e57"

META = {
    "name": "grocery",
    "description": (
        "BTYDplus' online grocery cohort: the 1,525 customers of an online grocery store who made their first "
        "purchase in the first quarter of 2006 (none in 2004-2005), and their 10,483 purchases to the end of "
        "2007; customer ids and dates only. Regular buyers: BTYDplus chooses Erlang-2 inter-purchase times "
        "(k = 2) for them, against k = 1 for CDNOW."
    ),
    "currency": "none",
    "time_unit": "week",
    "observation_start": "2006-01-01",
    "observation_end": "2007-12-30",
    "provenance": (
        f"R package BTYDplus 1.2.0, GitHub {REPOSITORY} at commit {COMMIT}: data/groceryElog.rda (data from "
        "Thomas Reutterer, WU Vienna; Platzer & Reutterer 2016). Converted by data/convert_grocery.py."
    ),
    "licence": "GPL-3, the licence of BTYDplus; cite Platzer & Reutterer (2016).",
    "calibration_end": "2006-12-31",
    "extras": {
        "purchases": ("One row per purchase record: customer_id, date (no amounts); btyd.rfm_summary(..., "
                      "amount_col=None) and btyd.regularity_summary read it."),
    },
}


def main(root: Path) -> None:
    path = root / "data" / "groceryElog.rda"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{path}: SHA-256 {digest} is not the one of commit {COMMIT}")
    (elog,) = read_rda(path).values()
    width = len(str(elog["cust"].astype(int).max()))
    tx = pd.DataFrame({"customer_id": elog["cust"].astype(int).map(lambda i: f"{i:0{width}d}"), "date": elog["date"]})
    tx = tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    customers = tx.groupby("customer_id", as_index=False)["date"].min().rename(columns={"date": "acquired_at"})
    folder = write_meta(HERE / "grocery", META)
    for name, df in (("customers", customers), ("purchases", tx)):
        out = df.copy()
        for c in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = out[c].dt.strftime("%Y-%m-%d")
        out.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    print(f"grocery: {len(customers):,} customers, {len(tx):,} purchases")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
