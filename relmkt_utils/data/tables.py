"""The canonical tables of a relmkt dataset: names, columns and their kinds.

A dataset is a folder with ``dataset.yml`` and any of these tables as ``<table>.csv`` or
``<table>.parquet``. Columns marked required must be present; optional ones are validated when
present; any other column is kept as a free attribute.

Kinds: ``id`` (text identifier), ``date`` (ISO date inside the observation window), ``amount``
(finite number >= 0), ``category`` (one of a fixed set), ``int_range`` (integer in [lo, hi]),
``binary`` (0 or 1), ``number`` (finite number), ``text``.
"""
from __future__ import annotations

from dataclasses import dataclass

TABLE_NAMES = ("customers", "transactions", "survey", "referrals", "choices", "spend", "cohorts")

CHANNELS = ("organic", "paid", "referral")
RELATIONSHIP_LEVELS = ("financial", "social", "structural")
REFERRAL_GROUPS = ("program", "holdout")
VALUE_CONSTRUCTS = ("product_value", "service_value", "personnel_value", "image_value")
COST_CONSTRUCTS = ("monetary_cost", "time_cost", "energy_cost", "psychic_cost")
CONSTRUCTS = VALUE_CONSTRUCTS + COST_CONSTRUCTS


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()
    lo: int | None = None
    hi: int | None = None
    nullable: bool = False


SCHEMA: dict[str, tuple[Column, ...]] = {
    "customers": (
        Column("customer_id", "id"),
        Column("acquired_at", "date", required=False),
        Column("channel", "category", required=False, choices=CHANNELS),
        Column("acquisition_cost", "amount", required=False),
        Column("relationship_level", "category", required=False, choices=RELATIONSHIP_LEVELS),
        Column("referral_group", "category", required=False, choices=REFERRAL_GROUPS),
    ),
    "transactions": (
        Column("customer_id", "id"),
        Column("date", "date"),
        Column("amount", "amount"),
        Column("quantity", "amount", required=False),
        # gross margin of the purchase (revenue - cost of goods); negative when sold below cost
        Column("margin", "number", required=False),
    ),
    "survey": (
        Column("customer_id", "id"),
        Column("date", "date"),
        Column("nps", "int_range", lo=0, hi=10),
        Column("satisfaction", "int_range", required=False, lo=1, hi=7),
        Column("repurchase_intent", "int_range", required=False, lo=1, hi=7),
    ),
    "referrals": (
        Column("referrer_id", "id"),
        Column("invited_at", "date"),
        Column("referee_id", "id", nullable=True),
        Column("converted_at", "date", nullable=True),
        Column("reward_referrer", "amount", required=False),
        Column("reward_referee", "amount", required=False),
    ),
    "choices": (
        Column("respondent_id", "id"),
        Column("task", "id"),
        Column("alternative", "id"),
        Column("chosen", "binary"),
        Column("price", "number"),
    ),
    "spend": (
        Column("period", "int_range", lo=0, hi=None),
        Column("acquisition_spend", "amount"),
        Column("retention_spend", "amount"),
        Column("prospects", "amount"),
        Column("new_customers", "amount"),
        Column("customers_at_start", "amount"),
        Column("retained_customers", "amount"),
    ),
    # survivors of customer cohorts (contractual retention, Fader & Hardie 2007): one row per cohort
    # and period 0..T, survivors non-increasing within a cohort (see validation.py)
    "cohorts": (
        Column("cohort", "id"),
        Column("period", "int_range", lo=0, hi=None),
        Column("survivors", "amount"),
        Column("segment", "id", required=False, nullable=True),
    ),
}

# Likert items of the survey: "<construct>_<k>", integers 1..7.
LIKERT_LO, LIKERT_HI = 1, 7
