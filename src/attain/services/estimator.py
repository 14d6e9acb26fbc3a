"""The estimator: "if I close this deal / these opportunities, I earn X", by the real plan.

It runs the published plans through ``attain.engine.calculate`` twice on the store's data — as it
is, and with hypothetical booking rows owned by the payee — and reports, per component of the
period, the earnings without and with them and the difference. Nothing is written: the inputs are
read once, the hypothetical rows live only in the Arrow tables handed to the engine.

Only the payee's own plan assignments are kept, so the engine rates that one payee (credits of
colleagues' deals that roll up to the payee — a manager's team — are still credited, because every
transaction stays in the inputs). A hypothetical deal must fall in the period being estimated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from attain.core.errors import AttainError, register
from attain.engine import CalcResult, InputTables, calculate
from attain.services import access
from attain.services.access import Principal
from attain.services.calc import load_store_inputs, published_plans
from attain.services.home import Period
from attain.store.db import reading

ZERO = Decimal(0)
MAX_DEALS = 50
EST001 = register(
    "EST001", "a hypothetical deal needs a positive amount and a date inside the estimated period"
)
EST002 = register("EST002", "nothing to estimate: no published plan, or no calculated period for this payee")


@dataclass(frozen=True, slots=True)
class Hypothetical:
    """A deal the payee might close: a booking of ``amount`` on ``date``."""

    label: str
    amount: Decimal
    date: dt.date
    currency: str = "USD"
    opportunity_id: str | None = None


@dataclass(frozen=True)
class Estimate:
    """Earnings of one payee and period without and with the hypothetical deals, per component."""

    payee_id: str
    period: str
    deals: list[Hypothetical]
    components: list[dict[str, object]] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)

    @property
    def without(self) -> Decimal:
        return sum((Decimal(str(c["without"])) for c in self.components), ZERO)

    @property
    def with_deals(self) -> Decimal:
        return sum((Decimal(str(c["with"])) for c in self.components), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.with_deals - self.without


def check_deals(deals: list[Hypothetical], period: Period) -> None:
    """Refuse (``EST001``) a deal without a positive amount or outside the period; at most MAX_DEALS."""
    if not deals or len(deals) > MAX_DEALS:
        raise AttainError(f"give 1 to {MAX_DEALS} deals to estimate", code=EST001)
    for deal in deals:
        if deal.amount <= 0 or not period.start <= deal.date <= period.end:
            raise AttainError(
                f"{deal.label}: the amount must be positive and the date within {period.label} "
                f"({period.start} to {period.end})",
                code=EST001,
            )


def _booking_rows(payee_id: str, deals: list[Hypothetical], schema: pa.Schema) -> pa.Table:
    rows = [
        {
            "transaction_id": f"ESTIMATE-{n}",
            "kind": "booking",
            "date": deal.date,
            "amount": deal.amount,
            "currency": deal.currency,
            "quantity": Decimal(1),
            "owner_id": payee_id,
            "opportunity_id": deal.opportunity_id,
        }
        for n, deal in enumerate(deals, start=1)
    ]
    names = set(schema.names)
    return pa.Table.from_pylist([{k: v for k, v in row.items() if k in names} for row in rows], schema=schema)


def _only_payee(inputs: InputTables, payee_id: str) -> dict[str, pa.Table]:
    tables = dict(inputs)
    assignments = tables["plan_assignment"]
    tables["plan_assignment"] = assignments.filter(pc.equal(assignments["payee_id"], pa.scalar(payee_id)))
    return tables


def _totals(result: CalcResult, payee_id: str, period: str) -> dict[str, tuple[Decimal, str]]:
    totals = result.component_totals
    mine = totals.filter(
        pc.and_(pc.equal(totals["payee_id"], payee_id), pc.equal(totals["period_label"], period))
    )
    found: dict[str, tuple[Decimal, str]] = defaultdict(lambda: (ZERO, ""))
    for row in mine.select(["component_id", "amount", "currency"]).to_pylist():
        before = found[row["component_id"]][0]
        found[row["component_id"]] = (before + row["amount"], row["currency"])
    return dict(found)


def estimate(
    target: str | Engine,
    principal: Principal,
    payee_id: str,
    period: Period,
    deals: list[Hypothetical],
    day: dt.date,
) -> Estimate:
    """What the payee earns in ``period`` without and with ``deals`` (``NOT_FOUND`` outside the scope)."""
    with reading(target) as conn:
        access.ensure_payee_visible(conn, principal, payee_id, day)
    check_deals(deals, period)
    plans = published_plans(target)
    if not plans:
        raise AttainError("no published plan to estimate with", code=EST002)
    tables = _only_payee(load_store_inputs(target), payee_id)
    base = calculate(InputTables(tables), plans, [period.label])
    bookings = tables["transaction"]
    tables["transaction"] = pa.concat_tables([bookings, _booking_rows(payee_id, deals, bookings.schema)])
    after = calculate(InputTables(tables), plans, [period.label])
    before_totals, after_totals = (
        _totals(base, payee_id, period.label),
        _totals(after, payee_id, period.label),
    )
    components = []
    for component_id in sorted(before_totals.keys() | after_totals.keys()):
        without, currency = before_totals.get(component_id, (ZERO, ""))
        with_deals, currency_after = after_totals.get(component_id, (ZERO, ""))
        components.append(
            {
                "component_id": component_id,
                "currency": currency or currency_after,
                "without": without,
                "with": with_deals,
                "difference": with_deals - without,
            }
        )
    issues = [issue.message for issue in after.issues]
    return Estimate(payee_id, period.label, deals, components, issues)
