"""What the pay stage reads besides earnings (the ledger of paid periods, adjustments) and what it returns.

A *ledger* holds the payout lines and draw balances of periods already paid or locked: the pay
stage never recomputes them, it reads what was paid and trues up the difference in the first open
period. Everything is an Arrow table with the column layouts below (money exact, decimal128).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa

from attain.core.errors import Issue

AMOUNT = pa.decimal128(38, 10)
RATE = pa.decimal128(38, 10)

LINE_SCHEMA = pa.schema([
    ("line_no", pa.int64()), ("payee_id", pa.string()), ("period_label", pa.string()),
    ("plan_id", pa.string()), ("kind", pa.string()), ("component_id", pa.string()),
    ("transaction_id", pa.string()), ("refers_to", pa.string()), ("source_currency", pa.string()),
    ("source_amount", AMOUNT), ("currency", pa.string()), ("fx_rate", RATE), ("amount", AMOUNT),
    ("amount_rounded", AMOUNT), ("explanation", pa.string()),
])
"""A payout line. ``source_amount`` is in the plan (or adjustment) currency; ``amount`` is unrounded in
the payee's currency at ``fx_rate``; ``amount_rounded`` is what is paid (half-even, minor unit)."""

BALANCE_SCHEMA = pa.schema([
    ("payee_id", pa.string()), ("period_label", pa.string()), ("plan_id", pa.string()),
    ("draw_id", pa.string()), ("draw_kind", pa.string()), ("draw_amount", AMOUNT),
    ("commission", AMOUNT), ("shortfall", AMOUNT), ("recovered", AMOUNT), ("written_off", AMOUNT),
    ("collected", AMOUNT), ("balance_before", AMOUNT), ("balance_after", AMOUNT),
])
"""A draw's state for a payee and period (plan currency): balance_after is owed by the payee."""

HOLD_SCHEMA = pa.schema([
    ("payee_id", pa.string()), ("period_label", pa.string()), ("plan_id", pa.string()),
    ("component_id", pa.string()), ("transaction_id", pa.string()), ("schedule_id", pa.string()),
    ("earned_to_date", AMOUNT), ("released_to_date", AMOUNT), ("held", AMOUNT),
])
"""Earnings earned but not yet payable at the end of a period, per deal (plan currency)."""

ADJUSTMENT_SCHEMA = pa.schema([
    ("adjustment_id", pa.string()), ("payee_id", pa.string()), ("period_label", pa.string()),
    ("amount", AMOUNT), ("currency", pa.string()), ("reason", pa.string()),
])
"""An approved manual adjustment, paid as-is (not against draws) in its period or the next open one."""


@dataclass(frozen=True)
class Ledger:
    """Paid history: lines and balances of locked/paid periods, and the balances before the window."""

    locked_periods: frozenset[str] = frozenset()
    lines: pa.Table = field(default_factory=LINE_SCHEMA.empty_table)
    balances: pa.Table = field(default_factory=BALANCE_SCHEMA.empty_table)
    opening_balances: pa.Table = field(default_factory=BALANCE_SCHEMA.empty_table)


@dataclass(frozen=True)
class PayResult:
    """The pay stage's outputs for the requested periods."""

    lines: pa.Table
    balances: pa.Table
    holds: pa.Table
    issues: list[Issue] = field(default_factory=list)

    def totals(self) -> dict[tuple[str, str], Decimal]:
        """(payee, period) -> rounded payout in the payee's currency (sum of its lines)."""
        result: dict[tuple[str, str], Decimal] = {}
        for row in self.lines.select(["payee_id", "period_label", "amount_rounded"]).to_pylist():
            key = (row["payee_id"], row["period_label"])
            result[key] = result.get(key, Decimal(0)) + row["amount_rounded"]
        return result


def empty_adjustments() -> pa.Table:
    return ADJUSTMENT_SCHEMA.empty_table()
