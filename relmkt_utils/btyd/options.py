"""What to summarise, checked once: the options of :func:`relmkt_utils.btyd.rfm_summary` and the rules
every engine applies to a log, each in one place.

:class:`SummaryOptions` holds the period (:class:`relmkt_utils.core.time.Period`), the observation and
calibration ends as day numbers (the suite's day rule, :func:`relmkt_utils.core.time.day_number`) and
the column names; the pandas engine (:mod:`.summary`) and the SQL engines (:mod:`.engines`) take it
whole instead of a dozen arguments. :func:`refuse_negative_amounts` and :func:`refuse_missing_amounts`
are the sentences every engine gives for a log that cannot be summarised.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.checks import instance, FLAG, TEXT
from ..core.errors import DataError, ParameterError
from ..core.time import FREQS, Period, day_number

#: Where the summary can be computed (:mod:`relmkt_utils.btyd.engines` has the DuckDB and Spark ones).
ENGINES = ("pandas", "duckdb", "spark")
WHO = "rfm_summary"


@dataclass(frozen=True)
class SummaryOptions:
    """The options of one RFM summary (:func:`relmkt_utils.btyd.rfm_summary`), checked."""

    period: Period
    observation_end: int | None = None   # day number; None: the last day of the log
    calibration_end: int | None = None   # day number; None: no holdout columns
    customer_col: str = "customer_id"
    date_col: str = "date"
    amount_col: str | None = "amount"
    compress: bool = False

    @classmethod
    def of(cls, *, freq, freq_multiplier, observation_end=None, calibration_end=None,
           customer_col="customer_id", date_col="date", amount_col="amount", compress=False) -> "SummaryOptions":
        """Options from rfm_summary's arguments; a ParameterError naming the first bad one."""
        if freq not in FREQS:
            raise ParameterError(f"{WHO}: freq must be one of {FREQS}, got {freq!r}")
        try:
            period = Period(freq, freq_multiplier)
        except ParameterError as exc:
            raise ParameterError(f"{WHO}: {exc}") from None
        TEXT.check(customer_col, "customer_col")
        TEXT.check(date_col, "date_col")
        instance(str, text="a text", none=True).check(amount_col, "amount_col")
        FLAG.check(compress, "compress")
        obs = None if observation_end is None else day_number(observation_end, f"{WHO}: observation_end")
        cal = None if calibration_end is None else day_number(calibration_end, f"{WHO}: calibration_end")
        return cls(period, obs, cal, customer_col, date_col, amount_col, bool(compress))

    @property
    def freq(self) -> str:
        return self.period.freq

    @property
    def multiplier(self) -> float:
        return self.period.multiplier

    @property
    def columns(self) -> list[str]:
        """The log's columns the summary reads."""
        return [c for c in (self.customer_col, self.date_col, self.amount_col) if c is not None]

    def stamp(self, frame):
        """``frame`` with the period recorded in its ``attrs`` (``freq``, ``freq_multiplier``,
        ``time_unit``): the summary tells every model built from it its time unit."""
        frame.attrs.update(self.period.attrs())
        return frame


def check_engine(engine) -> None:
    if engine is not None and engine not in ENGINES:
        raise ParameterError(f"{WHO}: engine must be one of {ENGINES}, got {engine!r}")


def refuse_negative_amounts(n_rows: int, first_ids, n_customers: int) -> None:
    """The one sentence for a log with negative amounts (returns): ``n_rows`` transactions of
    ``n_customers`` customers, the first ids (sorted) shown."""
    shown = ", ".join(map(str, list(first_ids)[:5])) + (f" and {n_customers - 5} more" if n_customers > 5 else "")
    raise DataError(f"{WHO}: {int(n_rows)} transactions have negative amounts (returns?), customers {shown}; a "
                    "summary of purchases needs amounts >= 0: net or drop the returns first, e.g. with relmkt "
                    "import --returns net")


def refuse_missing_amounts(amount_col: str, n_missing: int) -> None:
    raise DataError(f"{WHO}: column {amount_col!r} has {int(n_missing)} missing amounts; fill or drop them first")


def check_amounts(amount: np.ndarray, customers, amount_col: str) -> None:
    """The amount checks of a log in memory (``customers`` the id of each row): none negative, none missing."""
    negative = amount < 0
    if negative.any():
        who = sorted(set(map(str, np.asarray(customers, dtype=object)[negative])))
        refuse_negative_amounts(int(negative.sum()), who[:5], len(who))
    missing = np.isnan(amount)
    if missing.any():
        refuse_missing_amounts(amount_col, int(missing.sum()))
