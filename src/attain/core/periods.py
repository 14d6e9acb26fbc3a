"""Periods as values: months, quarters, years and custom fiscal calendars, with start and end dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PeriodKind(StrEnum):
    """The length of a period."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A closed date range [start, end] with a label, e.g. 2017-Q1 (start 2017-01-01, end 2017-03-31)."""

    start: date
    end: date
    kind: PeriodKind
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class FiscalCalendar:
    """A fiscal year that starts on the first day of ``start_month`` (1 = calendar year).

    A fiscal year is named after the calendar year in which it ends (FY2018 starting 2017-02-01
    when ``start_month`` is 2), the common convention.
    """

    start_month: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.start_month <= 12:
            raise ValueError(f"fiscal start month must be 1..12, got {self.start_month}")

    def year_start(self, fiscal_year: int) -> date:
        if self.start_month == 1:
            return date(fiscal_year, 1, 1)
        return date(fiscal_year - 1, self.start_month, 1)

    def fiscal_year_of(self, day: date) -> int:
        if self.start_month == 1:
            return day.year
        return day.year + 1 if day.month >= self.start_month else day.year

    def periods(self, fiscal_year: int, kind: PeriodKind) -> list[Period]:
        """All periods of ``kind`` in a fiscal year, in order."""
        step = _MONTHS[kind]
        first = self.year_start(fiscal_year)
        result = []
        for i in range(12 // step):
            start = _add_months(first, i * step)
            end = _add_months(start, step) - timedelta(days=1)
            result.append(Period(start, end, kind, self._label(fiscal_year, kind, i + 1, start)))
        return result

    def _label(self, fiscal_year: int, kind: PeriodKind, n: int, start: date) -> str:
        prefix = "" if self.start_month == 1 else "FY"
        if kind is PeriodKind.MONTH:
            if self.start_month == 1:
                return f"{start.year}-{start.month:02d}"
            return f"FY{fiscal_year}-M{n:02d}"
        if kind is PeriodKind.QUARTER:
            return f"{prefix}{fiscal_year}-Q{n}"
        if kind is PeriodKind.HALF:
            return f"{prefix}{fiscal_year}-H{n}"
        return f"FY{fiscal_year}"

    def period_of(self, day: date, kind: PeriodKind) -> Period:
        """The period of ``kind`` that contains ``day``."""
        for period in self.periods(self.fiscal_year_of(day), kind):
            if day in period:
                return period
        raise AssertionError("unreachable: every day falls in a period")

    def year_of(self, period: Period) -> Period:
        return self.periods(self.fiscal_year_of(period.start), PeriodKind.YEAR)[0]

    def parse(self, label: str) -> Period:
        """Parse a period label: 2017, FY2017, 2017-Q1, FY2017-Q1, 2017-H2, 2017-03, FY2017-M03."""
        text = label.strip().upper()
        match = re.fullmatch(r"(?:FY)?(\d{4})(?:-(Q|H|M)?(\d{1,2}))?", text)
        if not match:
            raise ValueError(f"not a period label: {label!r} (try 2017, 2017-Q1, 2017-H1 or 2017-03)")
        year, tag, num = int(match[1]), match[2], match[3]
        if num is None:
            return self.periods(year, PeriodKind.YEAR)[0]
        n = int(num)
        if tag == "Q":
            kind = PeriodKind.QUARTER
        elif tag == "H":
            kind = PeriodKind.HALF
        elif tag == "M" or (tag is None and self.start_month == 1):
            kind = PeriodKind.MONTH
        else:
            raise ValueError(f"ambiguous period {label!r}: use FY{year}-M{n:02d} for fiscal months")
        periods = self.periods(year, kind)
        if not 1 <= n <= len(periods):
            raise ValueError(f"no {kind.value} {n} in {year}")
        return periods[n - 1]


CALENDAR = FiscalCalendar(1)
"""The plain calendar year."""
