"""The plan versions of a run: which version is in force when, and which share crediting rules."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from attain.core.errors import AttainError, Issue, Source, register
from attain.engine.calendar import OPEN_END_DAY, CalendarKey, day_number
from attain.plans.schema import PlanDocument

CALC080 = register("CALC080", "Two plan documents have the same plan id and version")
CALC081 = register("CALC081", "Versions of one plan use different fiscal calendars or pay periods")


@dataclass(frozen=True)
class PlanVersion:
    """One plan document in the run, with its position and the day range it is in force."""

    index: int
    doc: PlanDocument
    from_day: int
    to_day: int
    rule_set: int

    @property
    def calendar(self) -> CalendarKey:
        return CalendarKey(self.doc.fiscal_year_start_month, self.doc.pay_period)

    @property
    def tag(self) -> str:
        return f"p{self.index}"


def plan_versions(plans: list[PlanDocument]) -> list[PlanVersion]:
    """Order versions, cut each at the next version's start, group identical crediting rules."""
    seen: dict[tuple[str, int], PlanDocument] = {}
    issues = []
    for doc in plans:
        if (doc.plan, doc.version) in seen:
            issues.append(
                Issue(
                    CALC080,
                    f"plan {doc.plan} version {doc.version} given twice",
                    source=Source(system="plan", external_id=f"{doc.plan}@{doc.version}"),
                )
            )
        seen[(doc.plan, doc.version)] = doc
    docs = sorted(seen.values(), key=lambda d: (d.plan, d.effective_from, d.version))
    for plan_id in {d.plan for d in docs}:
        keys = {(d.fiscal_year_start_month, d.pay_period) for d in docs if d.plan == plan_id}
        if len(keys) > 1:
            issues.append(
                Issue(
                    CALC081,
                    f"versions of plan {plan_id} differ in fiscal calendar or pay period",
                    source=Source(system="plan", external_id=plan_id),
                )
            )
    if issues:
        raise AttainError(issues[0].message, issues, code=issues[0].code)
    rule_sets: dict[tuple[str, str], int] = {}
    result = []
    for index, doc in enumerate(docs):
        following = docs[index + 1] if index + 1 < len(docs) and docs[index + 1].plan == doc.plan else None
        to_day = day_number(doc.effective_to) if doc.effective_to else OPEN_END_DAY
        if following is not None:
            to_day = min(to_day, day_number(following.effective_from) - 1)
        rules_key = (doc.plan, "|".join(r.model_dump_json() for r in doc.credit_rules))
        rule_set = rule_sets.setdefault(rules_key, len(rule_sets))
        result.append(PlanVersion(index, doc, day_number(doc.effective_from), to_day, rule_set))
    return result


def versions_table(versions: list[PlanVersion]) -> pa.Table:
    """plan_id, version, day range in force, calendar and currency of every version."""
    return pa.table(
        {
            "plan_id": pa.array([v.doc.plan for v in versions], pa.string()),
            "version": pa.array([v.doc.version for v in versions], pa.int32()),
            "tag": pa.array([v.tag for v in versions], pa.string()),
            "from_day": pa.array([v.from_day for v in versions], pa.int32()),
            "to_day": pa.array([v.to_day for v in versions], pa.int32()),
            "calendar": pa.array([v.calendar.name for v in versions], pa.string()),
            "currency": pa.array([v.doc.currency for v in versions], pa.string()),
        }
    )
