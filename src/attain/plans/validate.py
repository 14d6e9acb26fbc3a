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

from pydantic import TypeAdapter, ValidationError

from attain.core.errors import Issue, Severity, Source, register
from attain.core.money import is_currency
from attain.plans.load import LoadedPlan, PathKey, dotted, load_plan
from attain.plans.schema import (
    Basis,
    BonusComponent,
    Component,
    CreditKind,
    CreditRule,
    Measure,
    MultiplierComponent,
    PlanDocument,
    RateComponent,
    RateOf,
    SpiffComponent,
    TieredComponent,
)
from attain.plans.tier_table import IGNORED, check_tier_table
from attain.plans.validate_formulas import formula_issues

DUPLICATE_ID = register("PLAN010", "Two crediting rules, measures, components or objectives share an id")
UNKNOWN_MEASURE = register("PLAN011", "A reference to a measure the plan does not declare")
UNKNOWN_RULE = register("PLAN012", "A reference to a crediting rule the plan does not declare")
UNKNOWN_COMPONENT = register("PLAN013", "A multiplier applies to a component the plan does not declare")
ROLLUP_OF_ROLLUP = register("PLAN018", "A rollup rule's `of_rules` names another rollup rule")
MULTIPLIER_TARGET = register("PLAN019", "A multiplier applies to itself or to another multiplier")
CAP_AMOUNT = register(
    "PLAN020", "A cap or floor needs exactly one of `amount` and `percent_of_target_incentive`"
)
NO_QUOTA = register("PLAN021", "An attainment-based component on a measure that has no quota (warning)")
UNKNOWN_CURRENCY = register("PLAN023", "The plan's currency is not an ISO 4217 code Attain knows")
EFFECTIVE_DATES = register("PLAN024", "The plan's `effective_to` is before its `effective_from`")
SPIFF_WINDOW = register("PLAN025", "A SPIFF window ends before it starts")
OVERCREDIT = register(
    "PLAN026", "A crediting rule's share is above 100% (without allow_overcredit) or negative"
)
OVERLAY_PAYEES = register("PLAN034", "An overlay rule names neither `payees` nor a `territory_role`")
PERIOD_WEIGHTS = register("PLAN036", "Proration period weights do not fit the pay period (count or sign)")
EMPTY_RATE_TABLE = register("PLAN037", "A rate table has no rates")
RATE_LOOKS_LIKE_PERCENT = register(
    "PLAN038", "A rate above 1 (100%) — probably a percent without % (warning)"
)
NEGATIVE_FACTOR = register("PLAN039", "A multiplier factor is negative")
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
_COMPONENT: TypeAdapter[Any] = TypeAdapter(Component)


@dataclasses.dataclass
class _Plan:
    """The parts of a plan that passed the schema, with their positions, and every id written."""

    loaded: LoadedPlan
    document: PlanDocument | None
    rules: list[tuple[int, CreditRule]]
    measures: list[tuple[int, Measure]]
    components: list[tuple[int, Any]]
    rule_ids: dict[str, str]  # id -> kind as written
    measure_ids: set[str]
    component_ids: dict[str, str]  # id -> kind as written

    def at(self, path: PathKey) -> Source:
        return self.loaded.at(path)


def _items(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _parse_items(raw: list[Any], parse: Any) -> list[tuple[int, Any]]:
    parsed = []
    for index, item in enumerate(raw):
        try:
            parsed.append((index, parse(item)))
        except ValidationError:
            continue
    return parsed


def _ids(raw: list[Any]) -> dict[str, str]:
    return {str(i["id"]): str(i.get("kind", "")) for i in raw if isinstance(i, dict) and "id" in i}


def _parts(loaded: LoadedPlan) -> _Plan:
    doc = loaded.document
    if doc is not None:
        return _Plan(
            loaded,
            doc,
            list(enumerate(doc.credit_rules)),
            list(enumerate(doc.measures)),
            list(enumerate(doc.components)),
            {r.id: r.kind.value for r in doc.credit_rules},
            {m.id for m in doc.measures},
            {c.id: c.kind for c in doc.components},
        )
    data = loaded.data if isinstance(loaded.data, dict) else {}
    raw_rules, raw_measures, raw_components = (
        _items(data, k) for k in ("credit_rules", "measures", "components")
    )
    return _Plan(
        loaded,
        None,
        _parse_items(raw_rules, CreditRule.model_validate),
        _parse_items(raw_measures, Measure.model_validate),
        _parse_items(raw_components, _COMPONENT.validate_python),
        _ids(raw_rules),
        set(_ids(raw_measures)),
        _ids(raw_components),
    )


def validate_plan(loaded: LoadedPlan, quota_measures: Collection[str] | None = None) -> list[Issue]:
    """Every semantic problem of a loaded plan (its schema issues are in ``loaded.issues``).

    ``quota_measures``: the quota measure names that have quota rows, when known; an
    attainment-based component on a measure without any is then a warning (PLAN021).
    """
    plan = _parts(loaded)
    issues = _header(plan) + _duplicates(plan)
    issues += [i for index, rule in plan.rules for i in _rule(plan, index, rule)]
    issues += [i for index, measure in plan.measures for i in _measure(plan, index, measure)]
    for index, component in plan.components:
        issues += _component(plan, index, component, quota_measures)
    issues += _kind_checks(plan)
    return issues


def check_plan(path_or_text: Any, quota_measures: Collection[str] | None = None) -> LoadedPlan:
    """Load a plan and run every check: the result's ``issues`` hold schema and semantic problems."""
    loaded = load_plan(path_or_text)
    if loaded.data is None:
        return loaded
    issues = loaded.issues + validate_plan(loaded, quota_measures)
    issues.sort(key=lambda i: i.source.line or 0)
    return dataclasses.replace(loaded, issues=issues)


# --- the plan as a whole ---------------------------------------------------------------------


def _header(plan: _Plan) -> list[Issue]:
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


def _duplicates(plan: _Plan) -> list[Issue]:
    data = plan.loaded.data if isinstance(plan.loaded.data, dict) else {}
    issues = []
    for section in ("credit_rules", "measures", "components"):
        issues += _duplicate_ids(plan, _items(data, section), (section,), section.replace("_", " ")[:-1])
    for index, component in enumerate(_items(data, "components")):
        issues += _duplicate_ids(
            plan, _items(component, "objectives"), ("components", index, "objectives"), "objective"
        )
    return issues


def _duplicate_ids(plan: _Plan, items: list[Any], path: PathKey, what: str) -> list[Issue]:
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


def _unknown(
    plan: _Plan, code: str, ref: str, known: Collection[str], what: str, path: PathKey
) -> list[Issue]:
    if ref in known:
        return []
    choices = ", ".join(sorted(known)) or "none declared"
    return [
        Issue(
            code,
            f"{dotted(path)}: unknown {what} {ref!r} (the plan has: {choices})",
            source=plan.at(path),
            record=dotted(path),
        )
    ]


# --- crediting rules and measures -------------------------------------------------------------


def _rule(plan: _Plan, index: int, rule: CreditRule) -> list[Issue]:
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
        issues += _unknown(plan, UNKNOWN_RULE, ref, plan.rule_ids, "credit rule", at)
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


def _ignored_rule_fields(plan: _Plan, path: PathKey, rule: CreditRule) -> list[Issue]:
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


def _measure(plan: _Plan, index: int, measure: Measure) -> list[Issue]:
    path: PathKey = ("measures", index)
    issues = formula_issues(plan.loaded, measure, path, "credit")
    for ref_index, ref in enumerate(measure.credit_rules or []):
        issues += _unknown(
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


# --- components --------------------------------------------------------------------------------


def _component(plan: _Plan, index: int, component: Any, quotas: Collection[str] | None) -> list[Issue]:
    path: PathKey = ("components", index)
    issues = formula_issues(plan.loaded, component, path, "credit") + _limits(plan, path, component)
    measure = getattr(component, "measure", None)
    if measure is not None:
        issues += _unknown(plan, UNKNOWN_MEASURE, measure, plan.measure_ids, "measure", (*path, "measure"))
        if quotas is not None and _uses_attainment(component):
            issues += _quota(plan, path, component, measure, quotas)
    for ref_index, ref in enumerate(getattr(component, "credit_rules", None) or []):
        issues += _unknown(
            plan, UNKNOWN_RULE, ref, plan.rule_ids, "credit rule", (*path, "credit_rules", ref_index)
        )
    if isinstance(component, TieredComponent):
        issues += check_tier_table(
            component.tiers, component.rating, component.basis, (*path, "tiers"), plan.at
        )
    elif isinstance(component, BonusComponent) and component.curve:
        issues += check_tier_table(
            component.curve,
            component.curve[0].rating or _DEFAULT_CURVE_RATING,
            Basis.ATTAINMENT,
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


_DEFAULT_CURVE_RATING = TieredComponent.model_fields["rating"].default


def _uses_attainment(component: Any) -> bool:
    if isinstance(component, TieredComponent):
        return component.basis is Basis.ATTAINMENT or component.rate_of is RateOf.TARGET_INCENTIVE
    if isinstance(component, BonusComponent):
        return component.basis is Basis.ATTAINMENT or bool(component.curve)
    if isinstance(component, MultiplierComponent):
        return component.attainment_at_least is not None or component.attainment_below is not None
    return False


def _quota(
    plan: _Plan, path: PathKey, component: Any, measure_id: str, quotas: Collection[str]
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


def _limits(plan: _Plan, path: PathKey, component: Any) -> list[Issue]:
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


def _multiplier(plan: _Plan, path: PathKey, component: MultiplierComponent) -> list[Issue]:
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
            issues += _unknown(plan, UNKNOWN_COMPONENT, ref, plan.component_ids, "component", at)
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


def _spiff_window(plan: _Plan, path: PathKey, component: SpiffComponent) -> list[Issue]:
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


def _rate(plan: _Plan, path: PathKey, component: RateComponent) -> list[Issue]:
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


# --- component kinds' own checks -------------------------------------------------------------


def _registry() -> dict[str, Any] | None:
    try:
        from attain.components.registry import REGISTRY
    except ImportError:
        return None
    return dict(REGISTRY)


def _kind_checks(plan: _Plan) -> list[Issue]:
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


def _with_source(plan: _Plan, path: PathKey, issues: Iterator[Issue]) -> list[Issue]:
    placed = []
    for issue in issues:
        if issue.source.file is None and issue.source.line is None:
            issue = dataclasses.replace(issue, source=plan.at(path))
        placed.append(issue)
    return placed
