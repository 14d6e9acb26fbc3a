"""The plans' payout rules as small Arrow tables the pay stage joins (one row per rule x component).

Built in Python from the plan documents: a few rows per plan, never per payee or per deal.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from attain.core.errors import Issue, Severity, Source
from attain.payouts.codes import PAY002, PAY003
from attain.payouts.ledger import AMOUNT
from attain.payouts.periods import PayWindow
from attain.plans.payout_rules import PayoutRules
from attain.plans.schema import PlanDocument

NO_END = 1_000_000


def _rules(doc: PlanDocument) -> PayoutRules:
    return doc.payout or PayoutRules()


def _plan_issue(doc: PlanDocument, code: str, message: str) -> Issue:
    where = Source(system="plan", external_id=f"{doc.plan}@{doc.version}")
    return Issue(code, message, Severity.ERROR, where)


def _components(doc: PlanDocument, named: list[str] | None, what: str, issues: list[Issue]) -> list[str]:
    ids = [c.id for c in doc.components]
    for unknown in sorted(set(named or []) - set(ids)):
        issues.append(_plan_issue(doc, PAY002, f"{what} names component {unknown!r}, not in plan {doc.plan}"))
    return [c for c in ids if named is None or c in named]


def schedules_table(plans: list[PlanDocument], issues: list[Issue]) -> pa.Table:
    """plan_id, plan_version, component_id, schedule_id, inst_no, share, release_on, delay_periods."""
    rows: list[dict[str, object]] = []
    for doc in plans:
        taken: set[str] = set()
        for schedule in _rules(doc).schedules:
            for component in _components(doc, schedule.components, f"schedule {schedule.id}", issues):
                if component in taken:
                    continue
                taken.add(component)
                rows += [{"plan_id": doc.plan, "plan_version": doc.version, "component_id": component,
                          "schedule_id": schedule.id, "inst_no": n, "share": inst.share,
                          "release_on": inst.when.value, "delay_periods": inst.delay_periods}
                         for n, inst in enumerate(schedule.installments)]
    schema = pa.schema([("plan_id", pa.string()), ("plan_version", pa.int32()), ("component_id", pa.string()),
                        ("schedule_id", pa.string()), ("inst_no", pa.int32()), ("share", AMOUNT),
                        ("release_on", pa.string()), ("delay_periods", pa.int32())])
    return pa.Table.from_pylist(rows, schema)


def clawbacks_table(plans: list[PlanDocument], issues: list[Issue]) -> pa.Table:
    """plan_id, plan_version, component_id, window_days, prorate_by_term, limit_to_paid."""
    rows = []
    for doc in plans:
        rule = _rules(doc).clawback
        if rule is None:
            continue
        rows += [{"plan_id": doc.plan, "plan_version": doc.version, "component_id": component,
                  "window_days": rule.window_days, "prorate_by_term": rule.prorate_by_term,
                  "limit_to_paid": rule.limit_to_paid}
                 for component in _components(doc, rule.components, "clawback", issues)]
    schema = pa.schema([("plan_id", pa.string()), ("plan_version", pa.int32()), ("component_id", pa.string()),
                        ("window_days", pa.int64()), ("prorate_by_term", pa.bool_()),
                        ("limit_to_paid", pa.bool_())])
    return pa.Table.from_pylist(rows, schema)


def _index(window: PayWindow, label: str | None, default: int, doc: PlanDocument, what: str,
           issues: list[Issue]) -> int:
    if label is None:
        return default
    try:
        return window.index(label)
    except ValueError:
        issues.append(_plan_issue(doc, PAY003, f"{what} {label!r} is not a pay period label"))
        return default


def _draw_rows(doc: PlanDocument, window: PayWindow, issues: list[Issue]) -> Iterator[dict[str, object]]:
    for order, draw in enumerate(_rules(doc).draws):
        start = _index(window, draw.start, -NO_END, doc, f"draw {draw.id} start", issues)
        end = _index(window, draw.end, NO_END, doc, f"draw {draw.id} end", issues)
        base = {"plan_id": doc.plan, "plan_version": doc.version, "draw_order": order, "draw_id": draw.id,
                "draw_kind": draw.kind.value, "recoverable": draw.kind.recoverable,
                "is_guarantee": draw.kind.is_guarantee, "amount": draw.amount,
                "amount_parameter": draw.amount_parameter, "start_idx": start, "end_idx": end,
                "recovery_start_idx": _index(window, draw.recovery_start, start, doc, "recovery_start",
                                             issues),
                "recovery_end_idx": _index(window, draw.recovery_end, NO_END, doc, "recovery_end", issues),
                "max_recovery": draw.max_recovery_per_period, "min_payment": draw.min_payment,
                "on_termination": draw.on_termination.value}
        payees: list[str | None] = list(draw.payees) if draw.payees else [None]
        for payee in payees:
            yield {**base, "payee_filter": payee}


def draws_table(plans: list[PlanDocument], window: PayWindow, issues: list[Issue]) -> pa.Table:
    """One row per draw (and per payee it is limited to), its periods as window indexes."""
    rows = [row for doc in plans for row in _draw_rows(doc, window, issues)]
    schema = pa.schema([
        ("plan_id", pa.string()), ("plan_version", pa.int32()), ("draw_order", pa.int32()),
        ("draw_id", pa.string()), ("draw_kind", pa.string()), ("recoverable", pa.bool_()),
        ("is_guarantee", pa.bool_()), ("amount", AMOUNT), ("amount_parameter", pa.string()),
        ("start_idx", pa.int32()), ("end_idx", pa.int32()), ("recovery_start_idx", pa.int32()),
        ("recovery_end_idx", pa.int32()), ("max_recovery", AMOUNT), ("min_payment", AMOUNT),
        ("on_termination", pa.string()), ("payee_filter", pa.string())])
    return pa.Table.from_pylist(rows, schema)


def versions_table(plans: list[PlanDocument], window: PayWindow) -> pa.Table:
    """plan_id, plan_version, currency, period_idx: the version of each plan in force in each period."""
    rows = []
    for i, period in enumerate(window.periods):
        by_plan: dict[str, PlanDocument] = {}
        for doc in sorted(plans, key=lambda d: (d.effective_from, d.version)):
            ends = doc.effective_to
            if doc.effective_from <= period.end and (ends is None or ends >= period.start):
                by_plan[doc.plan] = doc
        rows += [{"plan_id": d.plan, "plan_version": d.version, "currency": d.currency, "period_idx": i}
                 for d in by_plan.values()]
    schema = pa.schema([("plan_id", pa.string()), ("plan_version", pa.int32()), ("currency", pa.string()),
                        ("period_idx", pa.int32())])
    return pa.Table.from_pylist(rows, schema)
