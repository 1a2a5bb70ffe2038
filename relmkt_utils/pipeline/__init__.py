"""The batch: run configs (:mod:`.config`), parameter checks (:mod:`.params`), one worker process per
notebook (:mod:`.worker`) that ends with the batch (:mod:`.processes`), HTML export (:mod:`.html`), the
index page (:mod:`.index`), ``record()`` for a notebook's key numbers (:mod:`.record`) and the ``relmkt``
command (:mod:`.cli`).

Nothing is imported here, so ``from relmkt_utils.pipeline.record import record`` in a notebook stays light.
"""
