"""The plan's ``payout:`` section: draws, payment schedules (holds) and clawbacks, as pydantic models.

These rules turn earnings into payouts (docs/payouts.md). Amounts are in the plan's currency and
per pay period; periods are pay-period labels of the plan's calendar (``2017-03``, ``2017-Q2``).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from attain.core.money import to_decimal


def _exact(value: Any) -> Decimal:
    """Parse exactly: 0.5, "0.5", "50%", "1,000" -> Decimal (YAML floats through their text)."""
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str) and value.strip().endswith("%"):
        return to_decimal(value.strip()[:-1]) / 100
    return to_decimal(value)


Exact = Annotated[Decimal, BeforeValidator(_exact), PlainSerializer(str, return_type=str)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
PeriodLabel = Annotated[str, Field(pattern=r"^(FY)?\d{4}(-(Q|H|M)?\d{1,2})?$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrawKind(StrEnum):
    """What a draw pays and whether the shortfall is owed back.

    A *draw* advances its amount every period and the period's commission is applied against it;
    a *guarantee* only tops the commission up to its amount. Both pay max(commission, amount) in a
    period; a *recoverable* one records the shortfall as a balance that later excess commission
    repays, a *non-recoverable* one never asks for it back.
    """

    NON_RECOVERABLE_GUARANTEE = "non_recoverable_guarantee"
    NON_RECOVERABLE_DRAW = "non_recoverable_draw"
    RECOVERABLE_GUARANTEE = "recoverable_guarantee"
    RECOVERABLE_DRAW = "recoverable_draw"

    @property
    def recoverable(self) -> bool:
        return self.value.startswith("recoverable")

    @property
    def is_guarantee(self) -> bool:
        return self.value.endswith("guarantee")


class OnTermination(StrEnum):
    """What happens to a recoverable balance still owed when the payee leaves."""

    FORGIVE = "forgive"  # written off: never collected
    COLLECT = "collect"  # deducted from the final payout (which may go negative: owed by the payee)
    CARRY = "carry"  # kept as a receivable on the balance, nothing paid or deducted


class Draw(_Strict):
    """A draw or guarantee paid per pay period, with its recovery terms."""

    id: Identifier
    kind: DrawKind
    amount: Exact = Field(description="Per pay period, in the plan currency")
    amount_parameter: Identifier | None = Field(
        None, description="A plan-assignment parameter overriding ``amount`` per payee")
    payees: list[str] | None = Field(None, description="Only these payees (default: everyone on the plan)")
    start: PeriodLabel | None = Field(None, description="First period the draw is paid (default: plan start)")
    end: PeriodLabel | None = Field(None, description="Last period the draw is paid (default: open)")
    recovery_start: PeriodLabel | None = Field(None, description="First period a balance is recovered")
    recovery_end: PeriodLabel | None = Field(
        None, description="Last period a balance is recovered; what is left after it is written off")
    max_recovery_per_period: Exact | None = Field(None, description="At most this much recovered per period")
    min_payment: Exact = Field(Decimal(0), description="Recovery never brings a period's payment below this")
    on_termination: OnTermination = OnTermination.FORGIVE

    @model_validator(mode="after")
    def _positive(self) -> Draw:
        if self.amount < 0 or self.min_payment < 0:
            raise ValueError("a draw's amount and min_payment cannot be negative")
        if self.max_recovery_per_period is not None and self.max_recovery_per_period < 0:
            raise ValueError("max_recovery_per_period cannot be negative")
        return self


class ReleaseOn(StrEnum):
    """The event that releases an installment of an earning."""

    BOOKING = "booking"  # the earning's own period (signature)
    INVOICE = "invoice"  # the first invoice linked to the deal (same opportunity_id)
    PAYMENT = "payment"  # customer payments linked to the deal, in proportion to the amount collected


class Installment(_Strict):
    """A share of an earning released by an event, optionally some periods later (a holdback)."""

    share: Exact = Field(description="Fraction of the earning (0.5 or '50%')")
    when: ReleaseOn = ReleaseOn.BOOKING
    delay_periods: int = Field(0, ge=0, le=120, description="Released this many periods after the event")


class PaymentSchedule(_Strict):
    """When earnings of some components become payable: installments whose shares add up to 1."""

    id: Identifier
    components: list[Identifier] | None = Field(None, description="Components it applies to (default all)")
    installments: list[Installment] = Field(min_length=1)

    @model_validator(mode="after")
    def _shares_total_one(self) -> PaymentSchedule:
        total = sum((i.share for i in self.installments), Decimal(0))
        if total != 1 or any(i.share <= 0 for i in self.installments):
            raise ValueError(f"schedule {self.id}: installment shares must be positive and total 100%")
        return self


class Clawback(_Strict):
    """Cancellations and returns within a window take back the original earning, at its original rate."""

    window_days: int = Field(ge=0, description="Days after the original transaction a reversal claws back")
    components: list[Identifier] | None = Field(None, description="Components clawed back (default all)")
    prorate_by_term: bool = Field(
        False, description="Take back only the unserved part of the contract term (contract_term_months)")
    limit_to_paid: bool = Field(
        False, description="Never take back more than was released; unreleased holds of it are dropped")


class PayoutRules(_Strict):
    """The plan's payout rules: draws, payment schedules and clawbacks (docs/payouts.md)."""

    draws: list[Draw] = Field(default_factory=list)
    schedules: list[PaymentSchedule] = Field(default_factory=list)
    clawback: Clawback | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> PayoutRules:
        for kind, ids in (("draw", [d.id for d in self.draws]), ("schedule", [s.id for s in self.schedules])):
            if len(ids) != len(set(ids)):
                raise ValueError(f"{kind} ids must be unique")
        return self
