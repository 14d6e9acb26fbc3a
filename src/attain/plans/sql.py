"""Compile a formula's syntax tree to SQL through a ``Dialect``: quoted identifiers, escaped literals.

Numbers are exact DECIMAL(38, 10): literals through ``Dialect.decimal``, ``+ - *`` cast back to the
calculation scale (half away from zero), ``/`` through ``Dialect.exact_div`` (never DOUBLE, never
integer truncation), ``round`` through ``Dialect.round_half_even``. Injection is impossible: the
only text copied into SQL is quoted by the dialect, and field names must be known columns.
"""

from __future__ import annotations

from collections.abc import Mapping

from attain.plans.dialect import Dialect
from attain.plans.expr import (
    ARITY,
    SYNTAX,
    UNKNOWN_FIELD,
    UNKNOWN_FUNCTION,
    Arithmetic,
    Boolean,
    Call,
    Compare,
    DateLiteral,
    Expr,
    Field,
    FormulaError,
    InList,
    Logical,
    Negate,
    Not,
    Null,
    Number,
    Text,
)
from attain.plans.typecheck import FUNCTIONS, attr_name, round_places

_SQL_COMPARE = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_DECIMAL_NODES = (Number, Arithmetic, Negate)
MAX_SQL_LENGTH = 1_000_000
"""Each exact division repeats its operands in SQL; a formula nesting many divisions is refused."""


def _whole(node: Expr) -> bool:
    """A number literal without decimals (12, -3, 100.00)."""
    return isinstance(node, Number) and node.value == node.value.to_integral_value()


class _Compiler:
    def __init__(self, dialect: Dialect, columns: Mapping[str, str] | None):
        self.d = dialect
        self.columns = columns

    def num(self, node: Expr) -> str:
        """An operand of arithmetic at the calculation type (fields and calls are cast)."""
        sql = self.sql(node)
        return sql if isinstance(node, _DECIMAL_NODES) else self.d.calc(sql)

    def sql(self, node: Expr) -> str:
        if isinstance(node, Number):
            return self.d.decimal(node.value)
        if isinstance(node, Text):
            return self.d.string(node.value)
        if isinstance(node, DateLiteral):
            return self.d.date_literal(node.value)
        if isinstance(node, Boolean):
            return "TRUE" if node.value else "FALSE"
        if isinstance(node, Null):
            return "NULL"
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Negate):
            return f"(-{self.num(node.operand)})"
        if isinstance(node, Arithmetic):
            return self.arithmetic(node)
        if isinstance(node, Compare):
            return f"({self.sql(node.left)} {_SQL_COMPARE[node.op]} {self.sql(node.right)})"
        if isinstance(node, Logical):
            return f"({self.sql(node.left)} {node.op.upper()} {self.sql(node.right)})"
        if isinstance(node, Not):
            return f"(NOT {self.sql(node.operand)})"
        if isinstance(node, InList):
            items = ", ".join(self.sql(item) for item in node.items)
            return f"({self.sql(node.operand)} {'NOT IN' if node.negated else 'IN'} ({items}))"
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"not a formula node: {node!r}")

    def field(self, node: Field) -> str:
        if self.columns is None:
            return self.d.ident(node.name)
        column = self.columns.get(node.name)
        if column is None:
            raise FormulaError(UNKNOWN_FIELD, f"unknown field {node.name!r}", node.pos)
        return column

    def arithmetic(self, node: Arithmetic) -> str:
        if node.op == "*" and (_whole(node.left) or _whole(node.right)):
            return self.times_whole(node)
        left, right = self.num(node.left), self.num(node.right)
        if node.op == "/":
            return self.d.exact_div(left, right)
        return self.d.calc(f"{left} {node.op} {right}")

    def times_whole(self, node: Arithmetic) -> str:
        """x * 12: a whole-number factor keeps the scale at 10 places, so no rounding cast is needed.

        (Rounding a DECIMAL(38, 20) product back to 10 places is the slow path of DuckDB's
        128-bit decimals; a whole factor avoids it and gives the same exact value.)
        """
        whole, other = (node.left, node.right) if _whole(node.left) else (node.right, node.left)
        assert isinstance(whole, Number)
        return f"({self.num(other)} * CAST('{int(whole.value)}' AS DECIMAL(38, 0)))"

    def call(self, node: Call) -> str:
        signature = FUNCTIONS.get(node.name)
        if signature is None:
            raise FormulaError(UNKNOWN_FUNCTION, f"unknown function {node.name}()", node.pos)
        count = len(node.args)
        if count < signature.min_args or (signature.max_args is not None and count > signature.max_args):
            raise FormulaError(ARITY, f"{signature.help}: wrong number of arguments ({count})", node.pos)
        return self.function(node)

    def function(self, node: Call) -> str:
        name, args = node.name, node.args
        if name == "round":
            return self.d.round_half_even(self.sql(args[0]), round_places(node))
        if name == "attr":
            return self.d.json_text(self.field(Field("attributes", pos=node.pos)), attr_name(node))
        sql = [self.sql(arg) for arg in args]
        if name in ("min", "max"):
            any_null = " OR ".join(f"{s} IS NULL" for s in sql)
            both = ", ".join(sql)
            pick = "LEAST" if name == "min" else "GREATEST"
            return f"(CASE WHEN {any_null} THEN NULL ELSE {pick}({both}) END)"
        if name == "if":
            return f"(CASE WHEN {sql[0]} THEN {sql[1]} ELSE {sql[2]} END)"
        if name == "is_null":
            return f"({sql[0]} IS NULL)"
        if name in ("year", "quarter", "month", "day"):
            return self.d.date_part(name, sql[0])
        if name == "days_between":
            return self.d.days_between(sql[0], sql[1])
        if name == "starts_with":
            return self.d.starts_with(sql[0], sql[1])
        return f"{name.upper()}({', '.join(sql)})"  # abs, coalesce, lower, upper


def compile_sql(expr: Expr, dialect: Dialect, columns: Mapping[str, str] | None = None) -> str:
    """The SQL of a parsed formula; ``columns`` maps field names to SQL (default: quoted names)."""
    sql = _Compiler(dialect, columns).sql(expr)
    if len(sql) > MAX_SQL_LENGTH:
        raise FormulaError(SYNTAX, "the formula is too complex (too many nested divisions)", expr.pos)
    return sql
