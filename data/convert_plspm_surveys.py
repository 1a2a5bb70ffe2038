"""Convert the two customer-satisfaction surveys of plspm-python's tests into relmkt datasets (run once;
output committed): ``data/satisfaction`` and ``data/mobi``.

Source: the GitHub repository GoogleCloudPlatform/plspm-python at commit
addf58434532dc63320589c4cc2f341009d588b0 (2020-09-19), files ``tests/data/satisfaction.csv`` and
``tests/data/mobi.csv`` (GPL-3.0, the licence of that repository and of the R packages the data come
from). Their SHA-256 are checked below, so a different version of the files is refused.

* ``satisfaction.csv``: plspm's (R, Sanchez, Trinchera & Russolillo; GPL-3) ``satisfaction`` data, a
  customer-satisfaction study of a Spanish credit institution on 250 customers (Laboratory of
  Information Analysis and Modeling, Universitat Politecnica de Catalunya): 27 items imag1-5, expe1-5,
  qual1-5, val1-4, sat1-4, loy1-4 and gender. plspm's reference outputs beside it in the same folder were
  made with ``plspm(satisfaction, sat_path, sat_blocks, scaled = FALSE)``.
* ``mobi.csv``: the ECSI mobile-phone survey of Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005),
  250 customers, as shipped by semPLS and SEMinR (GPL-3): 24 items IMAG1-5, CUEX1-3, PERQ1-7, PERV1-2,
  CUSA1-3, CUSCO, CUSL1-3 on 1-10.

The canonical ``survey`` table gets a ``customer_id`` (the source's row name, zero-padded to 3
digits) and the items renamed ``<construct>_<k>`` with the ECSI construct names: image, expectations,
perceived_quality, perceived_value, satisfaction, complaints (mobi only), loyalty. ``k`` keeps the
source's item number (imag3 -> image_3, CUSCO -> complaints_1). The values are not changed. Each
dataset.yml declares the item scale and which items measure which construct (``survey_items``, see
relmkt_utils/data/survey_items.py), with the item wording the sources give.

Usage::

    git clone https://github.com/GoogleCloudPlatform/plspm-python
    git -C plspm-python checkout addf58434532dc63320589c4cc2f341009d588b0
    python data/convert_plspm_surveys.py plspm-python      # a checkout, or its .git directory
"""
from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd

from relmkt_utils.data.dataset import write_meta

HERE = Path(__file__).resolve().parent
REPOSITORY = "GoogleCloudPlatform/plspm-python"
COMMIT = "addf58434532dc63320589c4cc2f341009d588b0"
SHA256 = {
    "tests/data/satisfaction.csv": "7472dc1222129c94ecb4b1f0fdab1e9d82bd15023b09eb55f527ba4c6bc9d5e9",
    "tests/data/mobi.csv": "3b570b477b75af1b0593d8538cd0566e89c01c5bef6a0857cfdb6264d7a96894",
}
ORDER = ("image", "expectations", "perceived_quality", "perceived_value", "satisfaction", "complaints", "loyalty")

#: source item prefix -> construct, per dataset
PREFIXES = {
    "satisfaction": {"imag": "image", "expe": "expectations", "qual": "perceived_quality", "val": "perceived_value",
                     "sat": "satisfaction", "loy": "loyalty"},
    "mobi": {"IMAG": "image", "CUEX": "expectations", "PERQ": "perceived_quality", "PERV": "perceived_value",
             "CUSA": "satisfaction", "CUSCO": "complaints", "CUSL": "loyalty"},
}

LICENCE = (
    "GPL-3.0, the licence under which the data are distributed with {packages} and with "
    "GoogleCloudPlatform/plspm-python (Copyright 2019 Google Inc.); the data files keep that licence, apart "
    "from relmkt's MIT code. Academic use; cite {cite}."
)

# plspm's documentation describes each block by its aspects, not item by item (the order of the
# aspects is not said to be the order of the items), so the wording is given per construct.
SATISFACTION_WORDING = {
    "image": "The bank's image: reputation, trustworthiness, seriousness, solidness, caring about the customer's needs.",
    "expectations": "Expectations: products and services provided, customer service, providing solutions, expected overall quality.",
    "perceived_quality": "Perceived quality: reliable products and services, range of products and services, personal advice, overall perceived quality.",
    "perceived_value": "Perceived value: beneficial services and products, valuable investments, quality relative to price, price relative to quality.",
    "satisfaction": "Satisfaction: overall rating of satisfaction, fulfilment of expectations, satisfaction relative to other banks, performance relative to the customer's ideal bank.",
    "loyalty": "Loyalty: propensity to choose the same bank again, propensity to switch to another bank, intention to recommend the bank to friends, sense of loyalty.",
}

# Tenenhaus et al. (2005), the ECSI questionnaire for mobile phone providers, item by item in source order.
MOBI_WORDING = {
    "image_1": "Reputation of the mobile phone provider.",
    "image_2": "Trustworthiness.",
    "image_3": "Seriousness.",
    "image_4": "Solidness.",
    "image_5": "Caring about the customer's needs.",
    "expectations_1": "Expectations for the overall quality of the provider at the moment you became its customer.",
    "expectations_2": "Expectations for the provider to provide products and services that meet your personal needs.",
    "expectations_3": "How often did you expect that things could go wrong at the provider?",
    "perceived_quality_1": "Overall perceived quality.",
    "perceived_quality_2": "Technical quality of the network.",
    "perceived_quality_3": "Customer service and personal advice offered.",
    "perceived_quality_4": "Quality of the services you use.",
    "perceived_quality_5": "Range of services and products offered.",
    "perceived_quality_6": "Reliability and accuracy of the products and services provided.",
    "perceived_quality_7": "Clarity and transparency of the information provided.",
    "perceived_value_1": "Given the quality of the products and services offered, how would you rate the fees and prices you pay for them?",
    "perceived_value_2": "Given the fees and prices you pay, how would you rate the quality of the products and services offered?",
    "satisfaction_1": "Overall satisfaction.",
    "satisfaction_2": "Fulfilment of expectations.",
    "satisfaction_3": "How well does your provider compare with your ideal mobile phone provider?",
    "complaints_1": "How well or poorly the customer's complaints were handled.",
    "loyalty_1": "If you had to choose a new mobile phone provider, how likely is it that you would choose this one again?",
    "loyalty_2": "If other providers lowered their fees and prices while yours stayed as it is, at which difference (in %) "
                 "would you choose another provider?",
    "loyalty_3": "If a friend or colleague asked you for advice, how likely is it that you would recommend your provider?",
}

META = {
    "satisfaction": {
        "name": "satisfaction",
        "description": (
            "Customer-satisfaction survey of a Spanish credit institution (a retail bank), 250 customers, the "
            "satisfaction data of the R package plspm (Sanchez 2013, PLS Path Modeling with R): 27 items on "
            "the six constructs of the customer-satisfaction index model (ECSI/ACSI, Fornell 1996): image (5 "
            "items), expectations (5), perceived quality (5), perceived value (4), satisfaction (4) and "
            "loyalty (4), each a whole number from 0 to 10 (the source does not state the scale; 0 and 10 both "
            "occur), plus the respondent's gender. Item k of a construct is the source's item k (imag3 -> "
            "image_3). customer_id is the source's row name. The survey has no dates and no NPS question: "
            "the observation window (the year 2005) and time_unit are placeholders required by the dataset "
            "format."
        ),
        "currency": "none",
        "time_unit": "month",
        "observation_start": "2005-01-01",
        "observation_end": "2005-12-31",
        "provenance": (
            "Laboratory of Information Analysis and Modeling (LIAM), Facultat d'Informatica de Barcelona, "
            "Universitat Politecnica de Catalunya; distributed as satisfaction in the R package plspm "
            "(Sanchez, Trinchera & Russolillo) and copied to tests/data/satisfaction.csv of "
            f"{REPOSITORY} at commit {COMMIT}, beside plspm's reference outputs. Converted by "
            "data/convert_plspm_surveys.py."
        ),
        "licence": LICENCE.format(packages="the R package plspm", cite="Sanchez (2013), PLS Path Modeling with R"),
        "source_figures": {"respondents": 250, "items": 27},
    },
    "mobi": {
        "name": "mobi",
        "description": (
            "European Customer Satisfaction Index (ECSI) survey of 250 customers of a mobile phone provider "
            "(Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005, PLS path modeling, Computational Statistics & "
            "Data Analysis 48, 159-205): 24 items on seven constructs, image (5 items), expectations (3), "
            "perceived quality (7), perceived value (2), satisfaction (3), complaints (1) and loyalty (3), "
            "each a whole number from 1 (very negative) to 10 (very positive). loyalty_2 asks at which price "
            "difference the customer would switch, a different question from the other two loyalty items. "
            "Item k of a construct is the source's item k (PERQ3 -> perceived_quality_3, CUSCO -> "
            "complaints_1). customer_id is the source's row name. The survey has no dates and no NPS "
            "question: the observation window (the year 2000) and time_unit are placeholders required by "
            "the dataset format."
        ),
        "currency": "none",
        "time_unit": "month",
        "observation_start": "2000-01-01",
        "observation_end": "2000-12-31",
        "provenance": (
            "The ECSI mobile phone survey of Tenenhaus et al. (2005), distributed as mobi in the R packages "
            "semPLS and SEMinR (Ray, Danks & Calero Valdez) and copied to tests/data/mobi.csv of "
            f"{REPOSITORY} at commit {COMMIT}, beside SEMinR's reference paths and loadings. Item wording "
            "from the questionnaire reproduced with the data (Tenenhaus et al. 2005). Converted by "
            "data/convert_plspm_surveys.py."
        ),
        "licence": LICENCE.format(packages="the R packages semPLS and SEMinR",
                                  cite="Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005)"),
        "source_figures": {"respondents": 250, "items": 24},
    },
}


def read_source(source: Path, member: str) -> bytes:
    """The bytes of ``member`` from a checkout (``source/member``) or a git directory (at COMMIT),
    refused unless their SHA-256 is the recorded one."""
    if (source / member).is_file():
        data = (source / member).read_bytes()
    else:
        data = subprocess.run(["git", f"--git-dir={source}", "show", f"{COMMIT}:{member}"], check=True,
                              capture_output=True).stdout
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[member]:
        raise SystemExit(f"{member}: SHA-256 {digest}, expected {SHA256[member]} (commit {COMMIT})")
    return data


def item_name(column: str, prefixes: dict[str, str]) -> tuple[str, str]:
    """(construct, new column) of a source item column: ``imag3`` -> (image, image_3), ``CUSCO`` ->
    (complaints, complaints_1)."""
    for prefix in sorted(prefixes, key=len, reverse=True):
        if column.startswith(prefix):
            k = column[len(prefix):] or "1"
            return prefixes[prefix], f"{prefixes[prefix]}_{int(k)}"
    raise KeyError(column)


def convert(raw: pd.DataFrame, dataset: str) -> tuple[pd.DataFrame, dict]:
    """The canonical survey table and the ``survey_items`` declaration of one source table (its first,
    unnamed column holds the row names)."""
    raw = raw.rename(columns={raw.columns[0]: "row"})
    prefixes = PREFIXES[dataset]
    items = [c for c in raw.columns if c not in ("row", "gender")]
    named = {c: item_name(c, prefixes) for c in items}
    constructs: dict[str, list[str]] = {}
    for construct, column in sorted(named.values(), key=lambda cc: (ORDER.index(cc[0]), int(cc[1].rsplit("_", 1)[1]))):
        constructs.setdefault(construct, []).append(column)
    survey = pd.DataFrame({"customer_id": raw["row"].astype(int).map("{:03d}".format)})
    for construct, columns in constructs.items():
        for column in columns:
            source = next(c for c, (_, new) in named.items() if new == column)
            survey[column] = raw[source].astype(int)
    if "gender" in raw.columns:
        survey["gender"] = raw["gender"].astype(str)
    lo, hi = (0, 10) if dataset == "satisfaction" else (1, 10)
    values = survey[[c for cs in constructs.values() for c in cs]]
    if values.min().min() < lo or values.max().max() > hi:
        raise SystemExit(f"{dataset}: item values outside {lo}-{hi}")
    wording = SATISFACTION_WORDING if dataset == "satisfaction" else MOBI_WORDING
    return survey, {"scale": [lo, hi], "constructs": constructs, "wording": dict(wording)}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv if argv is None else argv
    if len(argv) != 2:
        raise SystemExit(__doc__.split("Usage::", 1)[1])
    source = Path(argv[1])
    for dataset in ("satisfaction", "mobi"):
        member = f"tests/data/{dataset}.csv"
        raw = pd.read_csv(io.BytesIO(read_source(source, member)))
        survey, items = convert(raw, dataset)
        meta = dict(META[dataset])
        meta["survey_items"] = items
        folder = write_meta(HERE / dataset, meta)
        survey.to_csv(folder / "survey.csv", index=False, lineterminator="\n")
        n_items = sum(len(v) for v in items["constructs"].values())
        assert len(survey) == meta["source_figures"]["respondents"] and n_items == meta["source_figures"]["items"]
        print(f"{dataset}: {len(survey)} respondents, {n_items} items in {len(items['constructs'])} constructs")


if __name__ == "__main__":
    main()
