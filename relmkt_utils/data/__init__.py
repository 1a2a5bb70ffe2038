"""Datasets: the canonical tables (:mod:`.tables`), their validation (:mod:`.validation`), reading
and writing (:mod:`.datasets`, :mod:`.dataset`), a first look (:mod:`.overview`) and the synthetic
world with known truth (:mod:`.synthetic`)."""
