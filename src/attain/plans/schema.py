"""The plan document: a versioned, declarative comp plan (YAML) as pydantic models.

A plan names its crediting rules (transactions -> credits), its measures (credits -> measure values
per payee and period, with quotas), and its components (measures/credits -> earnings). Formulas
(filters, amounts, conditions) are strings in Attain's formula language (``attain.plans.formula``),
never Python. Rates and percents are written as decimals (``0.05``) or percent strings (``"5%"``);
money as numbers or strings; they are parsed exactly (never through float).

The JSON Schema published in ``docs/plan-schema.json`` is generated from these models.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from attain.core.money import to_decimal
from attain.core.periods import PeriodKind
from attain.plans.payout_rules import PayoutRules


def _exact(value: Any) -> Decimal:
    """Parse a rate/amount exactly: 0.05, "0.05", "5%", "1,000" -> Decimal (YAML floats via their text)."""
    if isinstance(value, float):
        value = repr(value)  # YAML gives floats; their shortest repr is the author's text
    if isinstance(value, str) and value.strip().endswith("%"):
        return to_decimal(value.strip()[:-1]) / 100
    return to_decimal(value)


Exact = Annotated[Decimal, BeforeValidator(_exact), PlainSerializer(str, return_type=str)]
"""An exact decimal written as a number, a string or a percent ("5%" = 0.05)."""

Formula = Annotated[str, Field(min_length=1, description="An expression in Attain's formula language")]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


# --------------------------------------------------------------------------------------------
# Crediting
# --------------------------------------------------------------------------------------------


class CreditKind(StrEnum):
    """How a crediting rule finds the payees of a transaction."""

    OWNER = "owner"  # the transaction's owner_id, 100% (times ``share``)
    SPLIT = "split"  # the opportunity's team splits (opportunity_split percent)
    OVERLAY = "overlay"  # named payees or holders of a territory role, credited in addition
    ROLLUP = "rollup"  # the managers of credited payees, up ``levels`` levels, as of the txn date
    TERRITORY = "territory"  # whoever holds the transaction's (or its account's) territory on its date


class CreditRule(_Strict):
    """Turns transactions into credit rows (transaction x payee x amount x rule)."""

    id: Identifier
    kind: CreditKind
    description: str | None = None
    transactions: Formula | None = Field(
        None, description="Filter over transaction fields; default: every booking and its reversals"
    )
    amount: Formula = Field("amount", description="Credited amount per transaction before the share")
    share: Exact = Field(Decimal(1), description="Fraction of the amount credited (1 = 100%)")
    # split
    allow_overcredit: bool = Field(False, description="split: percents may total more than 100%")
    fallback_to_owner: bool = Field(True, description="split: no split rows -> owner gets 100%")
    # overlay / territory
    payees: list[str] | None = Field(None, description="overlay: payee ids credited")
    territory_role: str | None = Field(None, description="overlay/territory: role held in the territory")
    products: Formula | None = Field(None, description="overlay: extra condition (e.g. product family)")
    # rollup
    levels: int = Field(1, ge=1, le=20, description="rollup: how many manager levels up")
    of_rules: list[Identifier] | None = Field(None, description="rollup: credits of which rules roll up")


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------


class Aggregate(StrEnum):
    SUM = "sum"
    COUNT = "count"
    DISTINCT_COUNT = "distinct_count"


class Proration(StrEnum):
    """How a quota is prorated when a payee is on the plan for part of a period."""

    DAYS = "days"  # by calendar days on plan / days in period
    PERIOD_WEIGHTS = "period_weights"  # by the weights of the sub-periods (months) on plan
    NONE = "none"


class Measure(_Strict):
    """An aggregate of credits per payee and period (and to date), with its quota."""

    id: Identifier
    description: str | None = None
    aggregate: Aggregate = Aggregate.SUM
    of: Formula = Field("credit", description="Value aggregated per credit row (sum), or the field counted")
    filter: Formula | None = Field(None, description="Which credit rows count")
    credit_rules: list[Identifier] | None = Field(None, description="Credits of these rules (default all)")
    quota: str | None = Field(None, description="Quota measure name in the quota table (default: id)")
    proration: Proration = Proration.DAYS
    period_weights: list[Exact] | None = Field(
        None, description="period_weights proration: weight of each month of the period"
    )


# --------------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------------


class Rating(StrEnum):
    """How a tier table turns a value into an amount."""

    MARGINAL = "marginal"  # step: each slice at its own tier's rate
    RETROACTIVE = "retroactive"  # flat: the whole value at the rate of the tier reached
    INTERPOLATED = "interpolated"  # amount table: a tier's amount paid pro rata inside the tier


class Evaluation(StrEnum):
    """When a tier table is applied."""

    PER_TRANSACTION = "per_transaction"  # each credit on its own, from zero
    CUMULATIVE = "cumulative"  # each credit on the running total of the tier period (to date)
    PERIOD_END = "period_end"  # once, on the period's total


class Boundary(StrEnum):
    """Which tier a value equal to a bound belongs to."""

    HIGHER = "higher"  # [from, to): the value equal to ``to`` is rated in the next tier
    LOWER = "lower"  # (from, to]: the value equal to ``to`` stays in this tier


class Basis(StrEnum):
    AMOUNT = "amount"  # tier bounds are amounts of the measure
    ATTAINMENT = "attainment"  # tier bounds are fractions of the prorated quota (1 = 100%)


class RateOf(StrEnum):
    CREDIT = "credit"  # rate x measure value (commission)
    TARGET_INCENTIVE = "target_incentive"  # rate x target incentive (payout curve on attainment)


class Tier(_Strict):
    """One row of a tier table: [from, to) with a rate (or an amount for interpolated tables)."""

    from_: Exact = Field(alias="from")
    to: Exact | None = None
    rate: Exact | None = None
    amount: Exact | None = Field(None, description="interpolated: amount paid for the whole tier")
    rating: Rating | None = Field(None, description="hybrid tables: this tier's rating")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Cap(_Strict):
    """A cap or floor on a component's earnings, per period or per year; the capped-off part is kept."""

    amount: Exact | None = None
    percent_of_target_incentive: Exact | None = None
    per: Literal["period", "year"] = "period"


class _Component(_Strict):
    id: Identifier
    description: str | None = None
    cap: Cap | None = None
    floor: Cap | None = None


class RateTable(_Strict):
    """Rates looked up by a field (e.g. product family or account segment), with a default."""

    by: Formula
    rates: dict[str, Exact]
    default: Exact | None = None


class RateComponent(_Component):
    """Flat commission: a percent of each credit, or an amount per unit, optionally from a table."""

    kind: Literal["rate"]
    measure: Identifier | None = Field(None, description="Credits that feed this measure (its filter)")
    filter: Formula | None = None
    rate: Exact | None = None
    per_unit: Exact | None = Field(None, description="Amount per unit of quantity instead of a rate")
    rate_table: RateTable | None = None
    rate_parameter: Identifier | None = Field(None, description="Payee parameter overriding ``rate``")


class TieredComponent(_Component):
    """Tiered commission or payout curve on a measure's amount or attainment."""

    kind: Literal["tiered"]
    measure: Identifier
    basis: Basis = Basis.AMOUNT
    rating: Rating = Rating.MARGINAL
    evaluation: Evaluation = Evaluation.CUMULATIVE
    boundary: Boundary = Boundary.HIGHER
    rate_of: RateOf = RateOf.CREDIT
    tier_period: Literal["period", "year"] = Field(
        "period", description="Running total resets each pay period or each (fiscal) year"
    )
    tiers: list[Tier] = Field(min_length=1)


class MultiplierComponent(_Component):
    """Accelerator/decelerator: multiplies other components' earnings when a condition holds."""

    kind: Literal["multiplier"]
    applies_to: list[Identifier] = Field(min_length=1)
    factor: Exact
    condition: Formula | None = Field(None, description="Per credit, over transaction fields")
    measure: Identifier | None = Field(None, description="With attainment_at_least: attainment test")
    attainment_at_least: Exact | None = None
    attainment_below: Exact | None = None


class BonusComponent(_Component):
    """A bonus when a measure reaches a threshold, or along an attainment curve."""

    kind: Literal["bonus"]
    measure: Identifier
    basis: Basis = Basis.ATTAINMENT
    threshold: Exact | None = None
    amount: Exact | None = None
    percent_of_target_incentive: Exact | None = None
    curve: list[Tier] | None = Field(None, description="Attainment curve (rates of target incentive)")
    frequency: Literal["once_per_period", "once_per_year"] = "once_per_period"


class Objective(_Strict):
    id: Identifier
    weight: Exact
    description: str | None = None


class MboComponent(_Component):
    """Management-by-objectives bonus: target incentive x weight x score (0..max_score) per objective."""

    kind: Literal["mbo"]
    objectives: list[Objective] = Field(min_length=1)
    max_score: Exact = Decimal(1)


class SpiffComponent(_Component):
    """Per-transaction bonus for deals that match a filter inside a date window."""

    kind: Literal["spiff"]
    filter: Formula | None = None
    amount: Exact | None = None
    amount_formula: Formula | None = None
    window_from: date | None = None
    window_to: date | None = None
    frequency: Literal["every_time", "once_per_period"] = "every_time"
    credit_rules: list[Identifier] | None = None


Component = Annotated[
    RateComponent | TieredComponent | MultiplierComponent | BonusComponent | MboComponent | SpiffComponent,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------


class PlanDocument(_Strict):
    """A comp plan version. Published versions are immutable; a change is a new version."""

    plan: Identifier = Field(description="Plan id, shared by all its versions")
    version: int = Field(ge=1)
    name: str | None = None
    description: str | None = None
    effective_from: date
    effective_to: date | None = None
    currency: str = "USD"
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    pay_period: PeriodKind = PeriodKind.MONTH
    parameters: dict[Identifier, Exact] = Field(
        default_factory=dict, description="Defaults a plan assignment may override per payee"
    )
    credit_rules: list[CreditRule] = Field(min_length=1)
    measures: list[Measure] = Field(default_factory=list)
    components: list[Component] = Field(min_length=1)
    payout: PayoutRules | None = Field(None, description="Draws, payment schedules and clawbacks")
