"""A synthetic relationship-marketing world with known truth (``relmkt_utils.data.synthetic``).

``synthesize(seed=2024, n_customers=5000, **overrides)`` returns a
:class:`~relmkt_utils.data.dataset.Dataset` with six of the seven canonical tables (all but cohorts); ``dataset.meta["truth"]``
holds every generating parameter (defaults in :data:`DEFAULT_TRUTH`, documented in
:mod:`.truth`) and, under ``derived`` in each section, the values estimators should recover.
``simulate`` returns the same dataset plus the hidden per-customer traits (``World.latent``).

Modules by table: ``customers`` (latent traits, attributes), ``purchases`` (BG/NBD + gamma-gamma),
``survey``, ``referrals``, ``choices``, ``spend``; ``generate`` assembles them, ``_rng`` gives the
independent random streams.
"""
from .generate import World, simulate, synthesize
from .truth import DEFAULT_TRUTH

__all__ = ["synthesize", "simulate", "World", "DEFAULT_TRUTH"]
