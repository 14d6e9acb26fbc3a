"""Every formula of a plan item parsed and type-checked, problems at file:line and formula column."""

from __future__ import annotations

from typing import Any

from attain.core.errors import Issue, Source
from attain.plans.expr import FieldType, FormulaError
from attain.plans.fields import CREDIT_FIELDS, TRANSACTION_FIELDS
from attain.plans.grammar import parse
from attain.plans.load import LoadedPlan, PathKey, dotted
from attain.plans.schema import Aggregate, Measure
from attain.plans.typecheck import check, infer

BOOL, NUMBER = FieldType.BOOL, FieldType.NUMBER

FORMULA_FIELDS: dict[str, FieldType | None] = {
    "transactions": BOOL,
    "products": BOOL,
    "filter": BOOL,
    "condition": BOOL,
    "amount": NUMBER,
    "amount_formula": NUMBER,
    "of": NUMBER,
}
"""Formula-valued fields of plan items and the type their formula must give (None: any)."""


def formula_issues(loaded: LoadedPlan, item: Any, path: PathKey, over: str) -> list[Issue]:
    """Problems of the formulas of one crediting rule / measure / component."""
    fields = TRANSACTION_FIELDS if over == "transaction" else CREDIT_FIELDS
    issues: list[Issue] = []
    for name, expect in FORMULA_FIELDS.items():
        text = getattr(item, name, None)
        if not isinstance(text, str):
            continue  # e.g. a bonus `amount` is a number, not a formula
        if name == "of" and isinstance(item, Measure) and item.aggregate is not Aggregate.SUM:
            expect = None  # count / distinct_count accept any field
        issues += formula_problems(loaded, text, (*path, name), fields, expect)
    table = getattr(item, "rate_table", None)
    if table is not None:
        issues += _rate_table_by(loaded, table.by, (*path, "rate_table", "by"), fields)
    return issues


def formula_problems(
    loaded: LoadedPlan, text: str, path: PathKey, fields: Any, expect: FieldType | None
) -> list[Issue]:
    """One formula's problems as Issues at its line (and column inside it)."""
    try:
        errors = check(parse(text), fields, expect)
    except FormulaError as exc:
        errors = [exc]
    return [_issue(loaded, text, path, error) for error in errors]


def _rate_table_by(loaded: LoadedPlan, text: str, path: PathKey, fields: Any) -> list[Issue]:
    problems = formula_problems(loaded, text, path, fields, None)
    if problems:
        return problems
    kind, _ = infer(parse(text), fields)
    if kind in (FieldType.BOOL, FieldType.DATE):
        error = FormulaError("PLAN104", f"a rate table is looked up by text or a number, not {kind.value}", 0)
        return [_issue(loaded, text, path, error)]
    return []


def _issue(loaded: LoadedPlan, text: str, path: PathKey, error: FormulaError) -> Issue:
    line = loaded.line(path)
    column = error.column
    if line is not None and path in loaded.literal_blocks:  # a `|` block starts on the next line
        line += 1 + text[: error.position].count("\n")
        column = error.position - text.rfind("\n", 0, error.position)
    message = f"{dotted(path)}: {error.message} (column {column} of `{_one_line(text)}`)"
    return Issue(error.code, message, source=Source(loaded.source, line), record=dotted(path))


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."
