"""Stage 3 — earn: run each component's SQL over the views of one plan version, then caps.

Stage-1 kinds (from credits/measures) run first in plan order; their lines form ``earnings_base``
for stage-2 kinds (multipliers); then ``attain.components.caps`` totals each component per payee
and period and adds the cap/floor lines to the trace.
"""

# ruff: noqa: S608 - SQL is built from code constants, quoted identifiers and Dialect literals

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attain.components.base import EARNING_COLUMNS, EarnContext
from attain.components.lines import describe
from attain.core.errors import AttainError, Issue, Source, register
from attain.engine.executors import Executor
from attain.engine.formulas import FormulaCompiler
from attain.engine.issues import issues_from_rows
from attain.engine.measure_stage import measure_credits_sql
from attain.engine.plans import PlanVersion
from attain.plans.schema import Measure

CALC091 = register("CALC091", "A plan uses a component kind this Attain does not know")

EARNING_NAMES = ", ".join(name for name, _ in EARNING_COLUMNS)


def _registry() -> dict[str, Any]:
    from attain.components.registry import REGISTRY

    return dict(REGISTRY)


def _measure(version: PlanVersion, measure_id: str) -> Measure | None:
    for measure in version.doc.measures:
        if measure.id == measure_id:
            return measure
    return None


def earn_context(version: PlanVersion, formulas: FormulaCompiler, explanations: bool = True) -> EarnContext:
    """What a component's SQL builder gets: plan, dialect, formula compiler, measure credits."""
    return EarnContext(
        plan=version.doc,
        dialect=formulas.dialect,
        compile_formula=lambda text: formulas.credit(text),
        measure_credits=lambda measure_id: (
            f"({measure_credits_sql(_measure(version, measure_id), formulas, 'credits')})"
        ),
        explanations=explanations,
    )


def component_sql_texts(version: PlanVersion, formulas: FormulaCompiler) -> list[str]:
    """The SQL every component of a version runs (earning lines and issue rows), not executed:
    which credit columns the version reads (``attain.engine.views.credit_columns``)."""
    ctx = earn_context(version, formulas)
    texts = []
    for _, component, kind in _kinds(version):
        texts.append(kind.earnings_sql(component, ctx))
        builder = getattr(kind, "issues_sql", None)
        texts.append((builder(component, ctx) if builder is not None else None) or "")
    return texts


def _kinds(version: PlanVersion) -> list[tuple[int, Any, Any]]:
    registry = _registry()
    found = []
    for order, component in enumerate(version.doc.components, start=1):
        kind = registry.get(component.kind)
        if kind is None:
            issue = Issue(
                CALC091,
                f"plan {version.doc.plan} component {component.id}: unknown kind {component.kind!r}",
                source=Source(system="plan", external_id=version.doc.plan),
            )
            raise AttainError(issue.message, [issue], code=CALC091)
        found.append((order, component, kind))
    return found


LineTable = tuple[int, str, bool]
"""One table of a version's trace: (component order, table name, whether it carries ``line_no``:
the line's number within its payee, period and component, in credit order)."""


def run_earn_stage(
    ex: Executor, version: PlanVersion, formulas: FormulaCompiler, explanations: bool = True
) -> tuple[list[LineTable], str, list[Issue]]:
    """Earn one plan version (views already defined); return (trace tables, totals table, issues).

    The trace is the components' tables and the cap/floor lines, in component order: the outputs
    read them once instead of copying the earning lines into a lines table and again into a trace
    table. A kind with ``numbers_lines`` (tiered: its running-total window already sorts its
    lines) adds ``line_no`` to its table, so the outputs do not sort those lines again.

    ``explanations``: False leaves the components' sentence column NULL (see CalcOptions)."""
    ctx = earn_context(version, formulas, explanations)
    kinds = _kinds(version)
    issues: list[Issue] = []
    tables: dict[int, str] = {}
    for stage in (1, 2):
        if stage == 2:
            base = [f"SELECT {EARNING_NAMES} FROM {tables[o]}" for o, _, k in kinds if k.stage == 1]
            ex.create_view("earnings_base", " UNION ALL ".join(base) or _no_lines(ex))
        for order, component, kind in kinds:
            if kind.stage != stage:
                continue
            table = f"earn_{version.tag}_{order}"
            ex.create_table(table, kind.earnings_sql(component, ctx))
            tables[order] = table
            issues += _component_issues(ex, kind, component, ctx)
    lines = " UNION ALL ".join(
        f"SELECT {order} AS component_order, {EARNING_NAMES} FROM {tables[order]}" for order, _, _ in kinds
    )
    lines_table = f"lines_{version.tag}"
    ex.create_view(lines_table, lines)  # the component tables stay until the run ends: read, not copied
    totals_table = f"totals_{version.tag}"
    from attain.components.caps import apply_caps, cap_lines

    ex.create_table(totals_table, apply_caps(version.doc, lines_table, ex.dialect))
    caps_order = len(kinds) + 1
    ex.create_table(f"caplines_{version.tag}", cap_lines(version.doc, totals_table, ex.dialect))
    numbered = {order: bool(getattr(kind, "numbers_lines", False)) for order, _, kind in kinds}
    trace = [(order, tables[order], numbered[order]) for order, _, _ in kinds]
    return [*trace, (caps_order, f"caplines_{version.tag}", False)], totals_table, issues


def explain_line(row: Mapping[str, Any]) -> str:
    """The sentence of one earning line: its own explanation, else its kind's ``explain(row)``."""
    text = row.get("explanation")
    if text:
        return str(text)
    kind = _registry().get(str(row.get("component_kind")))
    return kind.explain(row) if kind is not None else describe(row)


def _component_issues(ex: Executor, kind: Any, component: Any, ctx: EarnContext) -> list[Issue]:
    builder = getattr(kind, "issues_sql", None)
    sql = builder(component, ctx) if builder is not None else None
    return issues_from_rows(ex.fetch(sql)) if sql else []


def _no_lines(ex: Executor) -> str:
    empty = ", ".join(
        f"CAST(NULL AS {sql_type}) AS {ex.dialect.ident(name)}" for name, sql_type in EARNING_COLUMNS
    )
    return f"SELECT {empty} WHERE FALSE"
