"""What every science package of relmkt shares: one place for each concept.

* :mod:`.errors` -- :class:`DataError` (the user's data and parameters), warnings, ``require_columns``;
* :mod:`.time` -- time units and calendars, annual rates and calendar horizons in model periods;
* :mod:`.purchases` -- the purchase-day log of a transaction table, acquisition dates;
* :mod:`.durations` -- durations to dropout (the lapse rule) for every survival analysis;
* :mod:`.clv` -- customer lifetime value in both timing conventions, present values of margin streams;
* :mod:`.estimate` -- :class:`Estimate` (a value with its interval) and the interval formulas;
* :mod:`.results` -- the results protocol of every fitted model; :mod:`.optimize` -- the one optimizer;
* :mod:`.design` -- covariate tables as checked design matrices, effects coding of a segment;
* :mod:`.penalty` -- ridge penalties on coefficients (CLVTools' ``reg.lambdas``) and their cross-validation.
"""
from .clv import clv, clv_from_survival, equivalent_retention, margin_multiplier, present_value
from .durations import durations, rule_sentence
from .errors import (ConfigError, ConvergenceWarning, DataError, EstimationWarning, ParameterError, Problem,
                     RelmktError, require_columns)
from .estimate import Estimate, estimates_of, recovery_table, z_value
from .results import PROTOCOL, MLEResults, StatsmodelsResults
from .time import DAYS_PER_YEAR, TimeUnit, calendar_period, time_unit, to_dates

__all__ = [
    "clv", "clv_from_survival", "equivalent_retention", "margin_multiplier", "present_value",
    "durations", "rule_sentence",
    "ConfigError", "ConvergenceWarning", "DataError", "EstimationWarning", "ParameterError", "Problem", "RelmktError",
    "require_columns", "Estimate", "estimates_of", "recovery_table", "z_value",
    "PROTOCOL", "MLEResults", "StatsmodelsResults",
    "DAYS_PER_YEAR", "TimeUnit", "calendar_period", "time_unit", "to_dates",
]
