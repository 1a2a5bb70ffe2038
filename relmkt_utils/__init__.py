"""relmkt_utils: helpers behind the relmkt relationship-marketing notebooks, in four floors, each
importing only from the floors below it:

1. ``core`` -- time units, durations, CLV, estimates, the results protocol, the optimizer, errors;
2. ``data`` -- datasets (load, validate, save), canonical tables, the synthetic world;
3. the science packages ``btyd``, ``loyalty``, ``value``, ``referral``, ``retention`` and ``plots``;
4. ``pipeline`` -- the papermill batch, HTML reports, ``record()`` and the ``relmkt`` command.
"""
__version__ = "0.1.0"
