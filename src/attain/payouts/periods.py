"""The pay window: the pay periods a pay run walks through, in order, from the fiscal year start."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from attain.core.errors import AttainError, Issue
from attain.core.periods import FiscalCalendar, Period, PeriodKind
from attain.payouts.codes import PAY001
from attain.plans.schema import PlanDocument


@dataclass(frozen=True)
class PayWindow:
    """Pay periods from the start of the fiscal year of the first requested period to the last one."""

    calendar: FiscalCalendar
    kind: PeriodKind
    periods: tuple[Period, ...]
    requested: frozenset[str]

    @property
    def labels(self) -> list[str]:
        return [p.label for p in self.periods]

    def index(self, label: str) -> int:
        """Position of a period label in the window (-1 before it, len after it)."""
        period = self.calendar.parse(label)
        if period.kind is not self.kind:
            period = self.calendar.period_of(period.start, self.kind)
        for i, candidate in enumerate(self.periods):
            if candidate.label == period.label:
                return i
        return -1 if period.start < self.periods[0].start else len(self.periods)

    def table(self, locked: frozenset[str]) -> pa.Table:
        """period_idx, period_label, period_start, period_end, requested, locked."""
        return pa.table({
            "period_idx": pa.array(range(len(self.periods)), pa.int32()),
            "period_label": [p.label for p in self.periods],
            "period_start": pa.array([p.start for p in self.periods], pa.date32()),
            "period_end": pa.array([p.end for p in self.periods], pa.date32()),
            "requested": [p.label in self.requested for p in self.periods],
            "locked": [p.label in locked for p in self.periods],
        })


def pay_calendar(plans: list[PlanDocument]) -> tuple[FiscalCalendar, PeriodKind]:
    """The one calendar and pay period every plan of the run shares (PAY001 otherwise)."""
    keys = {(p.fiscal_year_start_month, p.pay_period) for p in plans}
    if len(keys) != 1:
        listed = ", ".join(f"{p.plan} v{p.version}: {p.pay_period.value} from month "
                           f"{p.fiscal_year_start_month}" for p in plans)
        raise AttainError(f"plans of one pay run must share their pay period and fiscal year ({listed})",
                          [Issue(PAY001, f"different pay calendars: {listed}")], code=PAY001)
    start_month, kind = next(iter(keys))
    return FiscalCalendar(start_month), kind


def pay_window(plans: list[PlanDocument], requested: list[str]) -> PayWindow:
    """The window of a pay run over ``requested`` period labels (one fiscal year)."""
    calendar, kind = pay_calendar(plans)
    wanted = sorted(calendar.parse(label) for label in requested)
    first, last = wanted[0], wanted[-1]
    year = calendar.fiscal_year_of(first.start)
    periods = [p for y in range(year, calendar.fiscal_year_of(last.end) + 1)
               for p in calendar.periods(y, kind) if p.start <= last.end]
    labels = frozenset(p.label for p in periods
                       if any(w.start <= p.end and p.start <= w.end for w in wanted))
    return PayWindow(calendar, kind, tuple(periods), labels)
