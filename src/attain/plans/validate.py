"""Semantic checks of a plan document: references, ids, tiers, formulas, dates — every problem at once.

``check_plan`` reads a file (``attain.plans.load``) and adds these checks; ``validate_plan`` runs
them on an already loaded plan. Items that failed the schema are skipped, the rest still checked,
so one run reports everything. Component kinds add their own checks through
``attain.components.registry.REGISTRY[kind].validate`` (when that package is installed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator
from typing import Any

from attain.core.errors import Issue, Severity, register
from attain.core.money import is_currency
from attain.plans.load import LoadedPlan, PathKey, dotted, load_plan, load_plan_text
from attain.plans.plan_parts import (
    UNKNOWN_COMPONENT,
    UNKNOWN_RULE,
    PlanParts,
    parts_of,
    raw_items,
    unknown_reference,
)
from attain.plans.schema import CreditKind, CreditRule, Measure, PlanDocument
from attain.plans.tier_table import IGNORED
from attain.plans.validate_components import component_issues
from attain.plans.validate_formulas import formula_issues

DUPLICATE_ID = register("PLAN010", "Two crediting rules, measures, components or objectives share an id")
ROLLUP_OF_ROLLUP = register("PLAN018", "A rollup rule's `of_rules` names another rollup rule")
UNKNOWN_CURRENCY = register("PLAN023", "The plan's currency is not an ISO 4217 code Attain knows")
EFFECTIVE_DATES = register("PLAN024", "The plan's `effective_to` is before its `effective_from`")
OVERCREDIT = register(
    "PLAN026", "A crediting rule's share is above 100% (without allow_overcredit) or negative"
)
OVERLAY_PAYEES = register("PLAN034", "An overlay rule names neither `payees` nor a `territory_role`")
PERIOD_WEIGHTS = register("PLAN036", "Proration period weights do not fit the pay period (count or sign)")
KIND_CHECK_FAILED = register("PLAN099", "A component kind's own check failed unexpectedly (a bug: report it)")

COVERED_HERE = frozenset(
    {
        "PLAN120",
        "PLAN121",
        "PLAN122",
        "PLAN123",
        "PLAN124",
        "PLAN126",
        "PLAN135",
        "PLAN144",
        "PLAN147",
        "PLAN148",
        "PLAN149",
    }
)
"""Component-kind codes whose problems this module already reports with lines (not reported twice)."""

_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def validate_plan(loaded: LoadedPlan, quota_measures: Collection[str] | None = None) -> list[Issue]:
    """Every semantic problem of a loaded plan (its schema issues are in ``loaded.issues``).

    ``quota_measures``: the quota measure names that have quota rows, when known; an
    attainment-based component on a measure without any is then a warning (PLAN021).
    """
    plan = parts_of(loaded)
    issues = _header(plan) + _duplicates(plan)
    issues += [i for index, rule in plan.rules for i in _rule(plan, index, rule)]
    issues += [i for index, measure in plan.measures for i in _measure(plan, index, measure)]
    for index, component in plan.components:
        issues += component_issues(plan, index, component, quota_measures)
    issues += _payout_references(plan) + _kind_checks(plan)
    return issues


def check_plan(path_or_text: Any, quota_measures: Collection[str] | None = None) -> LoadedPlan:
    """Load a plan and run every check: the result's ``issues`` hold schema and semantic problems."""
    return _with_checks(load_plan(path_or_text), quota_measures)


def check_plan_text(
    text: str, source: str = "plan.yaml", quota_measures: Collection[str] | None = None
) -> LoadedPlan:
    """Like ``check_plan`` for text held in memory (an editor, an upload), named ``source``."""
    return _with_checks(load_plan_text(text, source), quota_measures)


def _with_checks(loaded: LoadedPlan, quota_measures: Collection[str] | None) -> LoadedPlan:
    if loaded.data is None:
        return loaded
    issues = loaded.issues + validate_plan(loaded, quota_measures)
    issues.sort(key=lambda i: i.source.line or 0)
    return dataclasses.replace(loaded, issues=issues)


# --- the plan as a whole ---------------------------------------------------------------------


def _header(plan: PlanParts) -> list[Issue]:
    doc = plan.document
    if doc is None:
        return []
    issues = []
    if not is_currency(doc.currency):
        issues.append(
            Issue(
                UNKNOWN_CURRENCY,
                f"currency {doc.currency!r} is not an ISO 4217 code Attain knows (e.g. USD, EUR, GBP, JPY)",
                source=plan.at(("currency",)),
            )
        )
    if doc.effective_to is not None and doc.effective_to < doc.effective_from:
        issues.append(
            Issue(
                EFFECTIVE_DATES,
                f"effective_to {doc.effective_to} is before effective_from {doc.effective_from}",
                source=plan.at(("effective_to",)),
            )
        )
    return issues


def _duplicates(plan: PlanParts) -> list[Issue]:
    data = plan.loaded.data if isinstance(plan.loaded.data, dict) else {}
    issues = []
    for section in ("credit_rules", "measures", "components"):
        issues += _duplicate_ids(plan, raw_items(data, section), (section,), section.replace("_", " ")[:-1])
    for index, component in enumerate(raw_items(data, "components")):
        issues += _duplicate_ids(
            plan, raw_items(component, "objectives"), ("components", index, "objectives"), "objective"
        )
    return issues


def _duplicate_ids(plan: PlanParts, items: list[Any], path: PathKey, what: str) -> list[Issue]:
    seen: dict[str, int] = {}
    issues = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item:
            continue
        key = str(item["id"])
        if key in seen:
            first = plan.loaded.line((*path, seen[key], "id"))
            issues.append(
                Issue(
                    DUPLICATE_ID,
                    f"{what} id {key!r} is used twice (first at line {first})",
                    source=plan.at((*path, index, "id")),
                    record=dotted((*path, index)),
                )
            )
        seen.setdefault(key, index)
    return issues


# --- crediting rules and measures -------------------------------------------------------------


def _rule(plan: PlanParts, index: int, rule: CreditRule) -> list[Issue]:
    path: PathKey = ("credit_rules", index)
    issues = formula_issues(plan.loaded, rule, path, "transaction")
    if (rule.share > 1 and not rule.allow_overcredit) or rule.share < 0:
        why = "is negative" if rule.share < 0 else "is above 100%: set `allow_overcredit: true` if intended"
        issues.append(
            Issue(
                OVERCREDIT,
                f"credit rule {rule.id!r}: share {rule.share} {why}",
                source=plan.at((*path, "share")),
                record=rule.id,
            )
        )
    if rule.kind is CreditKind.OVERLAY and not rule.payees and rule.territory_role is None:
        issues.append(
            Issue(
                OVERLAY_PAYEES,
                f"overlay rule {rule.id!r} needs `payees` or a `territory_role`",
                source=plan.at(path),
                record=rule.id,
            )
        )
    for ref_index, ref in enumerate(rule.of_rules or []):
        at = (*path, "of_rules", ref_index)
        issues += unknown_reference(plan, UNKNOWN_RULE, ref, plan.rule_ids, "credit rule", at)
        if plan.rule_ids.get(ref) == CreditKind.ROLLUP.value:
            issues.append(
                Issue(
                    ROLLUP_OF_ROLLUP,
                    f"rollup rule {rule.id!r} rolls up rule {ref!r}, itself a "
                    "rollup: use `levels` for more manager levels",
                    source=plan.at(at),
                    record=rule.id,
                )
            )
    return issues + _ignored_rule_fields(plan, path, rule)


_RULE_FIELDS_FOR = {
    "payees": {CreditKind.OVERLAY},
    "products": {CreditKind.OVERLAY},
    "of_rules": {CreditKind.ROLLUP},
    "territory_role": {CreditKind.OVERLAY, CreditKind.TERRITORY},
}


def _ignored_rule_fields(plan: PlanParts, path: PathKey, rule: CreditRule) -> list[Issue]:
    issues = []
    for name, kinds in _RULE_FIELDS_FOR.items():
        if getattr(rule, name) is not None and rule.kind not in kinds:
            issues.append(
                Issue(
                    IGNORED,
                    f"credit rule {rule.id!r} is {rule.kind.value}: `{name}` is not used",
                    severity=Severity.WARNING,
                    source=plan.at((*path, name)),
                    record=rule.id,
                )
            )
    if rule.levels != 1 and rule.kind is not CreditKind.ROLLUP:
        issues.append(
            Issue(
                IGNORED,
                f"credit rule {rule.id!r} is {rule.kind.value}: `levels` is not used",
                severity=Severity.WARNING,
                source=plan.at((*path, "levels")),
                record=rule.id,
            )
        )
    return issues


def _measure(plan: PlanParts, index: int, measure: Measure) -> list[Issue]:
    path: PathKey = ("measures", index)
    issues = formula_issues(plan.loaded, measure, path, "credit")
    for ref_index, ref in enumerate(measure.credit_rules or []):
        issues += unknown_reference(
            plan, UNKNOWN_RULE, ref, plan.rule_ids, "credit rule", (*path, "credit_rules", ref_index)
        )
    weights = measure.period_weights
    if weights is not None:
        at = (*path, "period_weights")
        months = _MONTHS.get(plan.document.pay_period.value, 0) if plan.document else None
        if months is not None and len(weights) != months:
            issues.append(
                Issue(
                    PERIOD_WEIGHTS,
                    f"measure {measure.id!r}: {len(weights)} period weights for a "
                    f"pay period of {months} month(s)",
                    source=plan.at(at),
                    record=measure.id,
                )
            )
        if any(w < 0 for w in weights) or sum(weights) == 0:
            issues.append(
                Issue(
                    PERIOD_WEIGHTS,
                    f"measure {measure.id!r}: period weights must be positive",
                    source=plan.at(at),
                    record=measure.id,
                )
            )
    return issues


def _payout_references(plan: PlanParts) -> list[Issue]:
    """Payment schedules and clawbacks name components of this plan (PLAN013)."""
    payout = getattr(plan.document, "payout", None)
    if payout is None:
        return []
    named: list[tuple[PathKey, list[str] | None]] = [
        (("payout", "schedules", index, "components"), schedule.components)
        for index, schedule in enumerate(getattr(payout, "schedules", None) or [])
    ]
    clawback = getattr(payout, "clawback", None)
    if clawback is not None:
        named.append((("payout", "clawback", "components"), clawback.components))
    issues = []
    for path, refs in named:
        for index, ref in enumerate(refs or []):
            issues += unknown_reference(
                plan, UNKNOWN_COMPONENT, ref, plan.component_ids, "component", (*path, index)
            )
    return issues


# --- component kinds' own checks -------------------------------------------------------------


def _registry() -> dict[str, Any] | None:
    try:
        from attain.components.registry import REGISTRY
    except ImportError:
        return None
    return dict(REGISTRY)


def _kind_checks(plan: PlanParts) -> list[Issue]:
    registry = _registry()
    if registry is None or plan.document is None:
        return []
    issues = []
    for index, component in plan.components:
        kind = registry.get(component.kind)
        if kind is None:
            continue
        issues += _with_source(plan, ("components", index), _run_kind_check(kind, component, plan.document))
    return issues


def _run_kind_check(kind: Any, component: Any, document: PlanDocument) -> Iterator[Issue]:
    try:
        found = list(kind.validate(component, document))
    except Exception as exc:  # a bug in a kind must not hide the other problems
        yield Issue(
            KIND_CHECK_FAILED, f"component {component.id!r}: the {component.kind} check failed: {exc!r}"
        )
        return
    yield from (issue for issue in found if issue.code not in COVERED_HERE)


def _with_source(plan: PlanParts, path: PathKey, issues: Iterator[Issue]) -> list[Issue]:
    placed = []
    for issue in issues:
        if issue.source.file is None and issue.source.line is None:
            issue = dataclasses.replace(issue, source=plan.at(path))
        placed.append(issue)
    return placed
