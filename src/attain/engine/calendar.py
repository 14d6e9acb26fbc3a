"""The run's calendar: pay periods of each plan's fiscal calendar as small tables the stages join.

Dates are also given as day numbers (days since 1970-01-01) so that day counts (proration, quota
spreading) are integer arithmetic in every SQL dialect. Built in Python: a few hundred rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa

from attain.core.periods import FiscalCalendar, Period, PeriodKind

EPOCH = date(1970, 1, 1)
OPEN_END_DAY = 2_932_896  # 9999-12-31: an open valid_to/effective_to


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


@dataclass(frozen=True)
class CalendarKey:
    """A fiscal calendar and pay period: plans sharing it share period tables."""

    start_month: int
    pay_period: PeriodKind

    @property
    def name(self) -> str:
        return f"m{self.start_month}_{self.pay_period.value}"

    @property
    def fiscal(self) -> FiscalCalendar:
        return FiscalCalendar(self.start_month)


@dataclass(frozen=True)
class RunWindow:
    """What a run covers: requested periods and the dates computed (from fiscal year start)."""

    requested: tuple[Period, ...]
    start: date
    end: date

    def overlaps_request(self, period: Period) -> bool:
        return any(period.start <= r.end and r.start <= period.end for r in self.requested)


def parse_periods(labels: list[str], calendar: FiscalCalendar) -> tuple[Period, ...]:
    """Parse requested period labels (``2017-Q1``, ``2017-03``...) in a plan's fiscal calendar."""
    if not labels:
        raise ValueError("at least one period is needed")
    return tuple(sorted(calendar.parse(label) for label in labels))


def run_window(requested: tuple[Period, ...], calendars: list[CalendarKey]) -> RunWindow:
    """From the start of the earliest fiscal year (over the plans' calendars) to the last period end."""
    first = requested[0]
    starts = [key.fiscal.year_start(key.fiscal.fiscal_year_of(first.start)) for key in calendars]
    return RunWindow(requested, min(starts), max(r.end for r in requested))


def pay_periods(
    key: CalendarKey, window: RunWindow, whole_years: bool = False
) -> list[tuple[Period, int, Period]]:
    """(pay period, index in its fiscal year, fiscal year) for every period the run computes
    (``whole_years``: every period of the fiscal years the run touches)."""
    fiscal = key.fiscal
    found = []
    for year in range(fiscal.fiscal_year_of(window.start), fiscal.fiscal_year_of(window.end) + 1):
        year_period = fiscal.periods(year, PeriodKind.YEAR)[0]
        for index, period in enumerate(fiscal.periods(year, key.pay_period), start=1):
            if whole_years or (period.end >= window.start and period.start <= window.end):
                found.append((period, index, year_period))
    return found


def _computed(period: Period, window: RunWindow) -> bool:
    return period.end >= window.start and period.start <= window.end


def periods_table(keys: list[CalendarKey], window: RunWindow, whole_years: bool = False) -> pa.Table:
    """One row per calendar x pay period: labels, dates, day numbers, index, year, requested flag.

    ``whole_years`` lists every period of the fiscal years the run touches, with ``computed``
    telling the periods the run calculates (annual figures such as the yearly target incentive
    need the periods after the last requested one too)."""
    rows: dict[str, list[object]] = {
        name: []
        for name in (
            "calendar",
            "period_label",
            "period_start",
            "period_end",
            "start_day",
            "end_day",
            "days_in_period",
            "period_index",
            "year_label",
            "year_start",
            "year_end",
            "requested",
            "computed",
        )
    }
    for key in keys:
        for period, index, year in pay_periods(key, window, whole_years):
            values = (
                key.name,
                period.label,
                period.start,
                period.end,
                day_number(period.start),
                day_number(period.end),
                period.days,
                index,
                year.label,
                year.start,
                year.end,
                window.overlaps_request(period),
                _computed(period, window),
            )
            for name, value in zip(rows, values, strict=True):
                rows[name].append(value)
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("calendar", pa.string()),
                ("period_label", pa.string()),
                ("period_start", pa.date32()),
                ("period_end", pa.date32()),
                ("start_day", pa.int32()),
                ("end_day", pa.int32()),
                ("days_in_period", pa.int32()),
                ("period_index", pa.int32()),
                ("year_label", pa.string()),
                ("year_start", pa.date32()),
                ("year_end", pa.date32()),
                ("requested", pa.bool_()),
                ("computed", pa.bool_()),
            ]
        ),
    )


def days_table(keys: list[CalendarKey], window: RunWindow) -> pa.Table:
    """calendar x date -> period_label for every day of the run (an equi-join for dated rows)."""
    calendars, days, labels = [], [], []
    for key in keys:
        for period, _, _ in pay_periods(key, window):
            day = period.start
            while day <= period.end:
                calendars.append(key.name)
                days.append(day)
                labels.append(period.label)
                day += timedelta(days=1)
    return pa.table(
        {
            "calendar": pa.array(calendars, pa.string()),
            "date": pa.array(days, pa.date32()),
            "period_label": pa.array(labels, pa.string()),
        }
    )


def months_table(keys: list[CalendarKey], window: RunWindow) -> pa.Table:
    """calendar x pay period x month of it (1-based) with the month's last day number."""
    calendars, labels, numbers, ends = [], [], [], []
    for key in keys:
        fiscal = key.fiscal
        for period, _, _ in pay_periods(key, window):
            months = [
                m
                for m in fiscal.periods(fiscal.fiscal_year_of(period.start), PeriodKind.MONTH)
                if period.start <= m.start <= period.end
            ]
            for number, month in enumerate(months, start=1):
                calendars.append(key.name)
                labels.append(period.label)
                numbers.append(number)
                ends.append(day_number(month.end))
    return pa.table(
        {
            "calendar": pa.array(calendars, pa.string()),
            "period_label": pa.array(labels, pa.string()),
            "month_no": pa.array(numbers, pa.int32()),
            "month_end_day": pa.array(ends, pa.int32()),
        }
    )
