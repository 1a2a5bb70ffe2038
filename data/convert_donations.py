"""Convert the donations summary of Fader, Hardie & Shang (2010) into relmkt's dataset ``data/donations``
(run once; output committed).

Source: ``lifetimes/datasets/donations.csv`` inside the ``Lifetimes==0.11.3`` wheel on PyPI (MIT
licence): the recency/frequency summary of the 11,104 first-time donors of 1995 to a non-profit
organization, over the six annual donation opportunities 1996-2001, as 22 rows of (frequency, recency,
periods, weights) with the number of donors of each pattern in ``weights``. The file has no donor ids,
no dates and no amounts, so the dataset has no canonical table: it ships the summary as the extra table
``bgbb_summary`` (columns renamed to relmkt's: ``n_periods`` for Lifetimes' ``periods``, ``donors`` for
``weights``). Nothing in relmkt imports lifetimes.

Usage::

    python data/convert_donations.py            # downloads the wheel with pip into a temp dir
    python data/convert_donations.py WHEEL.whl  # uses a wheel you already have
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

from relmkt_utils.data.dataset import write_meta

sys.path.insert(0, str(Path(__file__).resolve().parent))  # data/source_wheel.py, beside this script
from source_wheel import wheel_from_pypi  # noqa: E402

HERE = Path(__file__).resolve().parent
WHEEL = "Lifetimes==0.11.3"
MEMBER = "lifetimes/datasets/donations.csv"
DONORS = 11_104

META = {
    "name": "donations",
    "description": (
        "Summary of the 11,104 donors of the 1995 cohort of first-time supporters of a non-profit "
        "organization, used by Fader, Hardie & Shang (2010), 'Customer-base analysis in a discrete-time "
        "noncontractual setting', Marketing Science 29(6), to introduce the BG/BB model: for each pattern of "
        "repeat donations over the six annual donation opportunities 1996-2001 (frequency x = donations, "
        "recency t_x = the opportunity of the last one, 1 = 1996, ..., n_periods = 6), the number of donors. "
        "The data hold no donor ids, dates or amounts: there are no canonical tables, only bgbb_summary."
    ),
    # the summary holds no amounts; no currency is implied
    "currency": "none",
    # one period is one annual donation opportunity; the summary has no calendar dates
    "time_unit": "year",
    "observation_start": "1995-01-01",
    "observation_end": "2001-12-31",
    "provenance": (
        "Fader, Hardie & Shang (2010), Marketing Science 29(6), 1086-1108 (the 1995 cohort, calibration "
        "period 1996-2001); the summary as redistributed in the Lifetimes 0.11.3 wheel on PyPI "
        "(lifetimes/datasets/donations.csv). Converted by data/convert_donations.py."
    ),
    "licence": "Redistributed under the MIT licence of Lifetimes 0.11.3; academic use, cite Fader, Hardie & Shang (2010).",
    "extras": {
        "bgbb_summary": (
            "One row per (frequency, recency, n_periods) pattern: frequency = repeat donations in the 6 annual "
            "opportunities 1996-2001, recency = the opportunity (1-6) of the last one (0 when none), "
            "n_periods = 6, donors = the number of donors with that pattern (11,104 in all). Fit with "
            "relmkt_utils.btyd.BetaGeoBetaBinom(frequency, recency, n_periods, weights=donors)."
        )
    },
}



def summary_from_wheel(path: Path) -> pd.DataFrame:
    """The summary of the wheel with relmkt's column names, sorted by (frequency, recency)."""
    with zipfile.ZipFile(path) as zf:
        raw = pd.read_csv(io.BytesIO(zf.read(MEMBER)))
    out = pd.DataFrame({"frequency": raw["frequency"].astype(int), "recency": raw["recency"].astype(int),
                        "n_periods": raw["periods"].astype(int), "donors": raw["weights"].astype(int)})
    out = out.sort_values(["frequency", "recency"], kind="stable").reset_index(drop=True)
    if int(out["donors"].sum()) != DONORS:
        raise SystemExit(f"{MEMBER}: {out['donors'].sum()} donors, expected {DONORS}")
    return out


def main() -> None:
    summary = summary_from_wheel(wheel_from_pypi(WHEEL))
    folder = HERE / "donations"
    write_meta(folder, META)
    summary.to_csv(folder / "bgbb_summary.csv", index=False, lineterminator="\n")
    print(f"donations: {len(summary)} patterns, {summary['donors'].sum():,} donors")


if __name__ == "__main__":
    main()
