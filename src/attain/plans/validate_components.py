"""Semantic checks of plan components: references, tier tables, caps, multipliers, SPIFF windows."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from attain.core.errors import Issue, Severity, register
from attain.plans.load import PathKey
from attain.plans.plan_parts import (
    UNKNOWN_COMPONENT,
    UNKNOWN_MEASURE,
    UNKNOWN_RULE,
    PlanParts,
    unknown_reference,
)
from attain.plans.schema import (
    Basis,
    BonusComponent,
    MultiplierComponent,
    RateComponent,
    RateOf,
    Rating,
    SpiffComponent,
    TieredComponent,
)
from attain.plans.tier_table import check_tier_table
from attain.plans.validate_formulas import formula_issues

MULTIPLIER_TARGET = register("PLAN019", "A multiplier applies to itself or to another multiplier")
CAP_AMOUNT = register(
    "PLAN020", "A cap or floor needs exactly one of `amount` and `percent_of_target_incentive`"
)
NO_QUOTA = register("PLAN021", "An attainment-based component on a measure that has no quota (warning)")
SPIFF_WINDOW = register("PLAN025", "A SPIFF window ends before it starts")
EMPTY_RATE_TABLE = register("PLAN037", "A rate table has no rates")
RATE_LOOKS_LIKE_PERCENT = register(
    "PLAN038", "A rate above 1 (100%) — probably a percent without % (warning)"
)
NEGATIVE_FACTOR = register("PLAN039", "A multiplier factor is negative")


def component_issues(
    plan: PlanParts, index: int, component: Any, quotas: Collection[str] | None
) -> list[Issue]:
    """Every problem of the component at ``components[index]`` (kind checks run separately)."""
    path: PathKey = ("components", index)
    issues = formula_issues(plan.loaded, component, path, "credit") + _limits(plan, path, component)
    measure = getattr(component, "measure", None)
    if measure is not None:
        issues += unknown_reference(
            plan, UNKNOWN_MEASURE, measure, plan.measure_ids, "measure", (*path, "measure")
        )
        if quotas is not None and _uses_attainment(component):
            issues += _quota(plan, path, component, measure, quotas)
    for ref_index, ref in enumerate(getattr(component, "credit_rules", None) or []):
        issues += unknown_reference(
            plan, UNKNOWN_RULE, ref, plan.rule_ids, "credit rule", (*path, "credit_rules", ref_index)
        )
    if isinstance(component, TieredComponent):
        issues += check_tier_table(
            component.tiers, component.rating, component.basis, (*path, "tiers"), plan.at
        )
    elif isinstance(component, BonusComponent) and component.curve:
        issues += check_tier_table(
            component.curve,
            Rating.MARGINAL,  # a curve's slices add up (docs/calculation.md, Bonus)
            component.basis,
            (*path, "curve"),
            plan.at,
        )
    elif isinstance(component, MultiplierComponent):
        issues += _multiplier(plan, path, component)
    elif isinstance(component, SpiffComponent):
        issues += _spiff_window(plan, path, component)
    elif isinstance(component, RateComponent):
        issues += _rate(plan, path, component)
    return issues


def _uses_attainment(component: Any) -> bool:
    if isinstance(component, TieredComponent):
        return component.basis is Basis.ATTAINMENT or component.rate_of is RateOf.TARGET_INCENTIVE
    if isinstance(component, BonusComponent):
        return component.basis is Basis.ATTAINMENT or bool(component.curve)
    if isinstance(component, MultiplierComponent):
        return component.attainment_at_least is not None or component.attainment_below is not None
    return False


def _quota(
    plan: PlanParts, path: PathKey, component: Any, measure_id: str, quotas: Collection[str]
) -> list[Issue]:
    measure = next((m for _, m in plan.measures if m.id == measure_id), None)
    name = measure.quota if measure and measure.quota else measure_id
    if name in quotas:
        return []
    return [
        Issue(
            NO_QUOTA,
            f"component {component.id!r} pays on attainment of {measure_id!r} but there is no "
            f"quota for {name!r}: it will pay nothing (CALC030) until quotas are loaded",
            severity=Severity.WARNING,
            source=plan.at((*path, "measure")),
            record=component.id,
        )
    ]


def _limits(plan: PlanParts, path: PathKey, component: Any) -> list[Issue]:
    issues = []
    for name in ("cap", "floor"):
        limit = getattr(component, name, None)
        if limit is not None and (limit.amount is None) == (limit.percent_of_target_incentive is None):
            both = "both" if limit.amount is not None else "neither"
            issues.append(
                Issue(
                    CAP_AMOUNT,
                    f"component {component.id!r}: the {name} gives {both} of `amount` and "
                    "`percent_of_target_incentive`; give exactly one",
                    source=plan.at((*path, name)),
                    record=component.id,
                )
            )
    return issues


def _multiplier(plan: PlanParts, path: PathKey, component: MultiplierComponent) -> list[Issue]:
    issues = []
    for ref_index, ref in enumerate(component.applies_to):
        at = (*path, "applies_to", ref_index)
        if ref == component.id:
            issues.append(
                Issue(
                    MULTIPLIER_TARGET,
                    f"multiplier {component.id!r} applies to itself",
                    source=plan.at(at),
                    record=component.id,
                )
            )
        elif plan.component_ids.get(ref) == "multiplier":
            issues.append(
                Issue(
                    MULTIPLIER_TARGET,
                    f"multiplier {component.id!r} applies to {ref!r}, another "
                    "multiplier: multipliers apply to earning components only",
                    source=plan.at(at),
                    record=component.id,
                )
            )
        else:
            issues += unknown_reference(plan, UNKNOWN_COMPONENT, ref, plan.component_ids, "component", at)
    if component.factor < 0:
        issues.append(
            Issue(
                NEGATIVE_FACTOR,
                f"multiplier {component.id!r}: factor {component.factor} is negative",
                source=plan.at((*path, "factor")),
                record=component.id,
            )
        )
    return issues


def _spiff_window(plan: PlanParts, path: PathKey, component: SpiffComponent) -> list[Issue]:
    start, end = component.window_from, component.window_to
    if start is None or end is None or end >= start:
        return []
    return [
        Issue(
            SPIFF_WINDOW,
            f"SPIFF {component.id!r}: the window ends on {end}, before it starts on {start}",
            source=plan.at((*path, "window_to")),
            record=component.id,
        )
    ]


def _rate(plan: PlanParts, path: PathKey, component: RateComponent) -> list[Issue]:
    issues = []
    if component.rate_table is not None and not component.rate_table.rates:
        issues.append(
            Issue(
                EMPTY_RATE_TABLE,
                f"component {component.id!r}: the rate table has no rates",
                source=plan.at((*path, "rate_table", "rates")),
                record=component.id,
            )
        )
    rates = [("rate", component.rate)] + [
        (("rate_table", "rates", key), rate)
        for key, rate in (component.rate_table.rates.items() if component.rate_table else [])
    ]
    for where, rate in rates:
        if rate is not None and rate > 1:
            at = (*path, *(where if isinstance(where, tuple) else (where,)))
            issues.append(
                Issue(
                    RATE_LOOKS_LIKE_PERCENT,
                    f"component {component.id!r}: rate {rate} pays "
                    f'{(rate * 100).normalize():f}% of the credit; write "{rate}%" or '
                    f"{(rate / 100).normalize():f} if you meant {rate}%",
                    severity=Severity.WARNING,
                    source=plan.at(at),
                    record=component.id,
                )
            )
    return issues
