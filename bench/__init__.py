"""Benchmarks of relmkt against Lifetimes 0.11.3, the library its users would otherwise pick.

Run ``make bench`` (or ``.venv/bin/python -m bench --peer-python bench/.venv-lifetimes/bin/python``).
The two libraries cannot share one environment (Lifetimes 0.11.3 needs numpy 1.x and pandas 1.x), so
each side runs in a long-lived worker process of its own environment (:mod:`bench.worker`); the
driver (:mod:`bench.__main__`) prepares identical inputs on disk, asks the two workers in turn to run
each case, compares the outputs and writes ``bench/RESULTS.md`` and ``bench/results.png``.

This package's ``__init__`` must stay importable by the peer's old Python environment: it imports nothing.
"""
