"""Independent random streams: one child of ``SeedSequence(seed)`` per table (and per sub-part).

``stream(seed, "survey")`` is the same generator whatever the other tables' parameters are, so
changing, say, the conjoint design leaves the customers, purchases and survey untouched. The
integer keys are fixed forever (append new names; never renumber).
"""
from __future__ import annotations

import numpy as np

STREAMS = {
    "customers": 0,   # acquisition dates, channels, costs, groups, free attributes
    "latent": 1,      # per-customer latent traits (constructs, dropout copula, lambda, nu)
    "purchases": 2,   # purchase counts, days, amounts, influence
    "survey": 3,
    "referrals": 4,   # sub-keyed by generation
    "choices": 5,
    "spend": 6,
}


def stream(seed: int, name: str, *sub: int) -> np.random.Generator:
    """The generator of one named stream (``sub`` adds e.g. a referral generation)."""
    key = (STREAMS[name],) + tuple(int(s) for s in sub)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))
