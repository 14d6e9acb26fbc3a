"""A plan as the validator sees it: the items that passed the schema, their positions, every id.

Items that failed the schema are left out (their problems are already reported) so the others can
still be checked; ids are taken from the raw document so a reference to a broken item is not
reported as unknown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from pydantic import TypeAdapter, ValidationError

from attain.core.errors import Issue, Source, register
from attain.plans.load import LoadedPlan, PathKey, dotted
from attain.plans.schema import Component, CreditRule, Measure, PlanDocument

UNKNOWN_MEASURE = register("PLAN011", "A reference to a measure the plan does not declare")
UNKNOWN_RULE = register("PLAN012", "A reference to a crediting rule the plan does not declare")
UNKNOWN_COMPONENT = register(
    "PLAN013", "A multiplier (or payout rule) names a component the plan does not declare"
)

_COMPONENT: TypeAdapter[Any] = TypeAdapter(Component)


@dataclasses.dataclass
class PlanParts:
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
        """File and line of a document path."""
        return self.loaded.at(path)


def raw_items(data: Any, key: str) -> list[Any]:
    """The list under ``key`` of raw document data (empty when absent or not a list)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _parse_items(raw: list[Any], parse: Any) -> list[tuple[int, Any]]:
    """(position, model) of each raw item that passes the schema on its own."""
    parsed = []
    for index, item in enumerate(raw):
        try:
            parsed.append((index, parse(item)))
        except ValidationError:
            continue
    return parsed


def _ids(raw: list[Any]) -> dict[str, str]:
    return {str(i["id"]): str(i.get("kind", "")) for i in raw if isinstance(i, dict) and "id" in i}


def parts_of(loaded: LoadedPlan) -> PlanParts:
    doc = loaded.document
    if doc is not None:
        return PlanParts(
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
        raw_items(data, k) for k in ("credit_rules", "measures", "components")
    )
    return PlanParts(
        loaded,
        None,
        _parse_items(raw_rules, CreditRule.model_validate),
        _parse_items(raw_measures, Measure.model_validate),
        _parse_items(raw_components, _COMPONENT.validate_python),
        _ids(raw_rules),
        set(_ids(raw_measures)),
        _ids(raw_components),
    )


def unknown_reference(
    plan: PlanParts, code: str, ref: str, known: Collection[str], what: str, path: PathKey
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
