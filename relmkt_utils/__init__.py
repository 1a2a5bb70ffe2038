"""relmkt_utils: helpers behind the relmkt relationship-marketing notebooks, in five floors, each
importing only from the floors below it (ARCHITECTURE.md):

1. ``core`` -- errors and argument checks, time units, durations, CLV, estimates, the results protocol, the optimizer;
2. ``data`` -- datasets (load, validate, save), canonical tables, the synthetic world;
3. the science packages ``btyd``, ``loyalty``, ``value``, ``referral`` and ``retention``;
4. ``present`` (tables and text for readers) and ``plots`` (figures);
5. ``pipeline`` -- the papermill batch, HTML reports, ``record()`` and the ``relmkt`` command.
"""
__version__ = "0.1.0"
