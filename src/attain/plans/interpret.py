"""A tiny interpreter of the formula syntax tree: the same semantics as the compiled SQL, in Python.

Used as the reference oracle in tests and to explain single rows. Numbers are Decimal at the
calculation scale (10 places): operands and products are rounded half away from zero like a SQL
cast, division is exact to 10 places (half away from zero, NULL on zero), ``round`` is half-even.
NULL (``None``) follows SQL three-valued logic: arithmetic and comparisons with NULL give NULL,
``and``/``or``/``not`` are Kleene logic, ``if`` takes the else branch when the condition is NULL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from attain.core.money import CALC_QUANTUM
from attain.plans.expr import (
    ARITY,
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

_PRECISION = 120


def _calc(value: Any) -> Decimal:
    """A number at the calculation scale, rounded half away from zero (a SQL cast)."""
    return Decimal(value).quantize(CALC_QUANTUM, rounding=ROUND_HALF_UP)


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _attr(row: Mapping[str, Any], name: str) -> str | None:
    raw = row.get("attributes")
    if raw is None:
        return None
    data = json.loads(raw) if isinstance(raw, str) else raw
    value = data.get(name) if isinstance(data, dict) else None
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _quarter(day: date) -> int:
    return (day.month - 1) // 3 + 1


_DATE_PARTS: dict[str, Callable[[date], int]] = {
    "year": lambda d: d.year,
    "quarter": _quarter,
    "month": lambda d: d.month,
    "day": lambda d: d.day,
}


class _Interpreter:
    def __init__(self, row: Mapping[str, Any]):
        self.row = row

    def value(self, node: Expr) -> Any:
        if isinstance(node, Number):
            return _calc(node.value)
        if isinstance(node, Text | DateLiteral | Boolean):
            return node.value
        if isinstance(node, Null):
            return None
        if isinstance(node, Field):
            return self.field(node.name, node.pos)
        if isinstance(node, Negate):
            operand = self.value(node.operand)
            return None if operand is None else -_calc(operand)
        if isinstance(node, Arithmetic):
            return self.arithmetic(node)
        if isinstance(node, Compare):
            a, b = self.value(node.left), self.value(node.right)
            return None if a is None or b is None else _compare(node.op, a, b)
        if isinstance(node, Logical):
            combine = _and if node.op == "and" else _or
            return combine(self.value(node.left), self.value(node.right))
        if isinstance(node, Not):
            operand = self.value(node.operand)
            return None if operand is None else not operand
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"not a formula node: {node!r}")

    def field(self, name: str, pos: int) -> Any:
        if name not in self.row:
            raise FormulaError(UNKNOWN_FIELD, f"unknown field {name!r}", pos)
        value = self.row[name]
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return _calc(value)
        if isinstance(value, float):
            raise TypeError(f"field {name!r} is a float; formulas take exact numbers only")
        return value

    def arithmetic(self, node: Arithmetic) -> Decimal | None:
        a, b = self.value(node.left), self.value(node.right)
        if a is None or b is None:
            return None
        a, b = _calc(a), _calc(b)
        if node.op == "+":
            return _calc(a + b)
        if node.op == "-":
            return _calc(a - b)
        if node.op == "*":
            return _calc(a * b)
        return None if b == 0 else _calc(a / b)

    def in_list(self, node: InList) -> bool | None:
        operand = self.value(node.operand)
        if operand is None:
            return None
        items = [self.value(item) for item in node.items]
        found: bool | None = (
            True
            if operand in [i for i in items if i is not None]
            else (None if any(i is None for i in items) else False)
        )
        return found if not node.negated or found is None else not found

    def call(self, node: Call) -> Any:
        name = node.name
        signature = FUNCTIONS.get(name)
        if signature is None:
            raise FormulaError(UNKNOWN_FUNCTION, f"unknown function {name}()", node.pos)
        count = len(node.args)
        if count < signature.min_args or (signature.max_args is not None and count > signature.max_args):
            raise FormulaError(ARITY, f"{signature.help}: wrong number of arguments ({count})", node.pos)
        if name == "round":
            x = self.value(node.args[0])
            places = Decimal(1).scaleb(-round_places(node))
            return None if x is None else _calc(_calc(x).quantize(places, rounding=ROUND_HALF_EVEN))
        if name == "attr":
            return _attr(self.row, attr_name(node))
        if name == "if":
            return self.value(node.args[1] if self.value(node.args[0]) is True else node.args[2])
        args = [self.value(arg) for arg in node.args]
        if name == "coalesce":
            return next((a for a in args if a is not None), None)
        if name == "is_null":
            return args[0] is None
        if any(a is None for a in args):
            return None
        return self.strict(node, args)

    def strict(self, node: Call, args: list[Any]) -> Any:
        """Functions that give NULL when any argument is NULL (args here are all non-NULL)."""
        name = node.name
        if name == "min":
            return min(args)
        if name == "max":
            return max(args)
        if name == "abs":
            return abs(args[0])
        if name in _DATE_PARTS:
            return _DATE_PARTS[name](args[0])
        if name == "days_between":
            return (args[1] - args[0]).days
        if name == "lower":
            return args[0].lower()
        if name == "upper":
            return args[0].upper()
        if name == "starts_with":
            return bool(args[0].startswith(args[1]))
        raise FormulaError(UNKNOWN_FUNCTION, f"unknown function {name}()", node.pos)


def interpret(expr: Expr, row: Mapping[str, Any]) -> Any:
    """Evaluate a parsed formula on one row (field name -> value; Decimal/int/str/date/bool/None)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return _Interpreter(row).value(expr)
