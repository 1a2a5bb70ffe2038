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
  :mod:`.bounded_yaml` -- YAML within bounds, :mod:`.csv_safety` -- CSV cells that are never formulas.
"""
from .clv import clv, clv_from_survival, equivalent_retention, margin_multiplier, present_value
from .durations import durations, rule_sentence
from .errors import (ConfigError, ConvergenceWarning, DataError, EstimationWarning, ParameterError, Problem,
                     RelmktError, require_columns)
from .estimate import Estimate, estimates_of, recovery_table, z_value
from .results import PROTOCOL, MLEResults, StatsmodelsResults
from .time import (DAYS_PER_YEAR, Period, TimeUnit, calendar_period, day_number, day_numbers, model_time_unit,
                   time_unit, to_dates)

__all__ = [
    "clv", "clv_from_survival", "equivalent_retention", "margin_multiplier", "present_value",
    "durations", "rule_sentence",
    "ConfigError", "ConvergenceWarning", "DataError", "EstimationWarning", "ParameterError", "Problem", "RelmktError",
    "require_columns", "Estimate", "estimates_of", "recovery_table", "z_value",
    "PROTOCOL", "MLEResults", "StatsmodelsResults",
    "DAYS_PER_YEAR", "Period", "TimeUnit", "calendar_period", "day_number", "day_numbers", "model_time_unit",
    "time_unit", "to_dates",
]
