"""Write the cohorts of Fader & Hardie (2007) as relmkt's canonical ``cohorts`` table (output committed).

Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of Interactive
Marketing* 21(1), 76-90, Table 1: two cohorts of 1,000 customers of a hypothetical subscription
business, "regular" and "high end", and the number still customers at the start of years 0-12. The
paper fits the shifted-beta-geometric (sBG) model to years 0-7 and projects years 8-12 as a holdout;
its estimates (3 decimals, as printed) are kept under ``source_figures``.

This file is the one place where the printed numbers are typed; ``relmkt_utils.retention.published``
reads them back from ``data/fader_hardie_2007``. Usage::

    python data/make_fader_hardie_2007.py
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from relmkt_utils.data.dataset import write_meta

HERE = Path(__file__).resolve().parent

#: Customers alive at the start of years 0..12 (Fader & Hardie 2007, Table 1).
SURVIVORS = {
    "regular": (1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173),
    "high end": (1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394),
}
#: (alpha, beta) of the sBG fitted to years 0-7, as printed.
PARAMS = {"regular": (0.704, 1.182), "high end": (0.668, 3.806)}
#: the last year of the calibration period; years 8-12 are the holdout
CALIBRATION_YEARS = 7

META = {
    "name": "fader_hardie_2007",
    "description": (
        "The two cohorts of Fader & Hardie (2007), 'How to project customer retention': 1,000 'regular' and "
        "1,000 'high end' customers of a hypothetical subscription business acquired at the same time, and "
        "the number still customers at the start of each year 0-12 (cohorts table: cohort, period = year, "
        "survivors). The paper fits the shifted-beta-geometric model to years 0-7 (calibration) and "
        "projects years 8-12 (holdout); its estimates are under source_figures (alpha_regular, "
        "beta_regular, alpha_high_end, beta_high_end, as printed to 3 decimals). The company is "
        "hypothetical and the paper gives no calendar dates or money: the observation window (13 years "
        "from 2000-01-01) and the currency are placeholders required by the dataset format; periods are "
        "years (time_unit year), so an annual discount rate applies per period as it is."
    ),
    "currency": "USD",
    "time_unit": "year",
    "observation_start": "2000-01-01",
    "observation_end": "2012-12-31",
    "provenance": (
        "Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of Interactive "
        "Marketing 21(1), 76-90, Table 1 (survivors) and the sBG estimates of its text; typed in by "
        "data/make_fader_hardie_2007.py."
    ),
    "licence": (
        "Published figures of a journal article (facts, 26 numbers per cohort) quoted for research and "
        "teaching; cite Fader & Hardie (2007)."
    ),
    "source_figures": {
        "customers_per_cohort": 1000,
        "calibration_years": CALIBRATION_YEARS,
        "alpha_regular": PARAMS["regular"][0],
        "beta_regular": PARAMS["regular"][1],
        "alpha_high_end": PARAMS["high end"][0],
        "beta_high_end": PARAMS["high end"][1],
    },
}


def cohorts_table() -> pd.DataFrame:
    """One row per cohort and year: cohort, period, survivors."""
    return pd.DataFrame(
        [(name, t, n) for name, counts in SURVIVORS.items() for t, n in enumerate(counts)],
        columns=["cohort", "period", "survivors"],
    )


def main(folder: Path = HERE / "fader_hardie_2007") -> None:
    write_meta(folder, META)
    cohorts_table().to_csv(folder / "cohorts.csv", index=False, lineterminator="\n")
    print(f"fader_hardie_2007: {len(SURVIVORS)} cohorts, years 0-{len(SURVIVORS['regular']) - 1}")


if __name__ == "__main__":
    main()
