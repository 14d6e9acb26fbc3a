"""Attain's formula language: parse, type-check, compile to SQL, and evaluate plan formulas.

A formula is a small expression over the fields of a row — a filter (``product_family in ('GTX',
'MG') and amount >= 1000``), an amount (``amount * 0.8``) or a condition
(``contract_term_months >= 24``). The grammar (``attain.plans.grammar``) allows only literals,
field names, ``+ - * /``, comparisons, ``and/or/not``, ``in``/``not in`` and the functions in
``FUNCTIONS``; there is no Python ``eval`` anywhere. The same tree compiles to exact-decimal SQL
(``to_sql``) and runs in a tiny interpreter (``evaluate``) with identical semantics.

The language reference is docs/plan-language.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attain.plans.dialect import DUCKDB, Dialect
from attain.plans.expr import (
    ARITY,
    BAD_ARGUMENT,
    SYNTAX,
    TYPE_MISMATCH,
    UNKNOWN_FIELD,
    UNKNOWN_FUNCTION,
    Arithmetic,
    Boolean,
    Call,
    Compare,
    DateLiteral,
    Expr,
    Field,
    FieldType,
    FormulaError,
    InList,
    Logical,
    Negate,
    Not,
    Null,
    Number,
    Text,
)
from attain.plans.fields import CREDIT_FIELDS, CREDIT_ONLY, TRANSACTION_FIELDS
from attain.plans.grammar import GRAMMAR, parse
from attain.plans.interpret import interpret
from attain.plans.sql import compile_sql
from attain.plans.typecheck import FUNCTIONS, check, infer

__all__ = [
    "ARITY",
    "BAD_ARGUMENT",
    "CREDIT_FIELDS",
    "CREDIT_ONLY",
    "DUCKDB",
    "FUNCTIONS",
    "GRAMMAR",
    "SYNTAX",
    "TRANSACTION_FIELDS",
    "TYPE_MISMATCH",
    "UNKNOWN_FIELD",
    "UNKNOWN_FUNCTION",
    "Arithmetic",
    "Boolean",
    "Call",
    "Compare",
    "DateLiteral",
    "Dialect",
    "Expr",
    "Field",
    "FieldType",
    "FormulaError",
    "InList",
    "Logical",
    "Negate",
    "Not",
    "Null",
    "Number",
    "Text",
    "check",
    "evaluate",
    "fields_of",
    "infer",
    "parse",
    "to_sql",
]


def _tree(expr_or_text: Expr | str) -> Expr:
    return parse(expr_or_text) if isinstance(expr_or_text, str) else expr_or_text


def to_sql(
    expr_or_text: Expr | str, dialect: Dialect = DUCKDB, columns: Mapping[str, str] | None = None
) -> str:
    """Compile a formula to a SQL expression of ``dialect``.

    ``columns`` maps field names to the SQL that reads them (e.g. ``{"amount": 'c."amount"'}``); a
    field missing from it is an error (PLAN101). Without it, fields are quoted column names.
    Raises ``FormulaError`` for a formula that does not parse or calls an unknown function.
    """
    return compile_sql(_tree(expr_or_text), dialect, columns)


def evaluate(expr_or_text: Expr | str, row: Mapping[str, Any]) -> Any:
    """Evaluate a formula on one row with the same semantics as its SQL (the reference oracle)."""
    return interpret(_tree(expr_or_text), row)


def fields_of(expr: Expr) -> set[str]:
    """The field names a formula reads (``attr(...)`` reads ``attributes``)."""
    found: set[str] = set()
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Field):
            found.add(node.name)
        elif isinstance(node, Negate | Not):
            stack.append(node.operand)
        elif isinstance(node, Arithmetic | Compare | Logical):
            stack.extend((node.left, node.right))
        elif isinstance(node, InList):
            stack.extend((node.operand, *node.items))
        elif isinstance(node, Call):
            if node.name == "attr":
                found.add("attributes")
            stack.extend(node.args)
    return found
