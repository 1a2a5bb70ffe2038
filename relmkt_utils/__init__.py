"""relmkt_utils: helpers behind the relmkt relationship-marketing notebooks.

One module per topic: ``datasets`` (load and validate), ``synthetic`` (a world with known truth),
``btyd`` (buy-till-you-die models), ``loyalty``, ``value``, ``referral``, ``retention``,
``plots`` (one theme), ``report`` (record metrics), ``batch`` and ``cli`` (the ``relmkt`` command).
"""
__version__ = "0.1.0"
