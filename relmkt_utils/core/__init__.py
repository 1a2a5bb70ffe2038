"""What every science package of relmkt shares: one place for each concept.

* :mod:`.errors` -- :class:`DataError` (the user's data and parameters), warnings, ``require_columns``;
* :mod:`.time` -- time units and calendars, annual rates and calendar horizons in model periods, the
  period a summary records (:class:`Period`), the one day rule (:func:`day_numbers`);
* :mod:`.purchases` -- the purchase-day log of a transaction table, acquisition dates;
* :mod:`.durations` -- durations to dropout (the lapse rule) for every survival analysis;
* :mod:`.clv` -- customer lifetime value in both timing conventions, present values of margin streams;
* :mod:`.estimate` -- :class:`Estimate` (a value with its interval) and the interval formulas;
* :mod:`.results` -- the results protocol of every fitted model; :mod:`.optimize` -- the one optimizer;
* :mod:`.files` -- writing and reading files safely (atomic, no symbolic links, regular files only, locks),
  :mod:`.bounded_yaml` -- YAML within bounds, :mod:`.csv_safety` -- CSV cells that are never formulas;
* :mod:`.design` -- covariate tables as checked design matrices, effects coding of a segment;
* :mod:`.penalty` -- ridge penalties on coefficients (CLVTools' ``reg.lambdas``) and their cross-validation.

The names below are imported when first used (PEP 562), so ``from relmkt_utils.core.errors import
DataError`` (the ``relmkt`` command) does not import numpy, pandas, scipy and statsmodels.
"""
from __future__ import annotations

import importlib
import sys
import types

#: public name -> the module of this package that defines it
_HOMES = {
    **dict.fromkeys(("clv", "clv_from_survival", "equivalent_retention", "margin_multiplier", "present_value"), "clv"),
    **dict.fromkeys(("durations", "rule_sentence"), "durations"),
    **dict.fromkeys(("ConfigError", "ConvergenceWarning", "DataError", "EstimationWarning", "ParameterError", "Problem",
                     "RelmktError", "require_columns"), "errors"),
    **dict.fromkeys(("Estimate", "estimates_of", "recovery_table", "z_value"), "estimate"),
    **dict.fromkeys(("PROTOCOL", "MLEResults", "StatsmodelsResults"), "results"),
    **dict.fromkeys(("DAYS_PER_YEAR", "Period", "TimeUnit", "calendar_period", "day_number", "day_numbers",
                     "model_time_unit", "time_unit", "to_dates"), "time"),
}

__all__ = list(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


def _function_over_module(name: str) -> property:
    """``core.clv`` and ``core.durations`` are the functions, as with an eager ``from .clv import clv``,
    also after their modules were imported (which would set the package's attribute to the module)."""

    def get(module):
        return getattr(importlib.import_module(f"{__name__}.{name}"), name)

    def keep(module, value):
        pass

    return property(get, keep)


class _Core(types.ModuleType):
    clv = _function_over_module("clv")
    durations = _function_over_module("durations")


sys.modules[__name__].__class__ = _Core
