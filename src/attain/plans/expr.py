"""The typed syntax tree of a plan formula, its value types and the errors a formula can have.

Every node is a frozen dataclass carrying ``pos``: the 0-based offset in the formula text where
the node starts (for an operator, where the operator is), so problems point at the right place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from attain.core.errors import register

SYNTAX = register("PLAN100", "A formula does not parse (the grammar allows only listed operations)")
UNKNOWN_FIELD = register("PLAN101", "A formula names a field that does not exist here")
UNKNOWN_FUNCTION = register("PLAN102", "A formula calls a function that is not in the allow-list")
ARITY = register("PLAN103", "A formula function is called with the wrong number of arguments")
TYPE_MISMATCH = register("PLAN104", "A formula mixes types (e.g. a number compared with text)")
BAD_ARGUMENT = register("PLAN105", "A formula literal or argument is invalid (date, round places, attr name)")


class FieldType(StrEnum):
    """The type of a formula value."""

    NUMBER = "number"  # exact decimal or integer (rates, quantities, counts)
    MONEY = "money"  # exact decimal amount
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    NULL = "null"  # the type of the ``null`` literal: compatible with every type

    @property
    def is_numeric(self) -> bool:
        return self in (FieldType.NUMBER, FieldType.MONEY)


class FormulaError(ValueError):
    """A problem in a formula: a stable PLAN code, a plain message and the offset it is at."""

    def __init__(self, code: str, message: str, position: int = 0):
        super().__init__(f"[{code}] {message} (at column {position + 1})")
        self.code = code
        self.message = message
        self.position = position

    @property
    def column(self) -> int:
        """1-based column of the problem inside the formula."""
        return self.position + 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FormulaError) and (self.code, self.message, self.position) == (
            other.code,
            other.message,
            other.position,
        )

    def __hash__(self) -> int:
        return hash((self.code, self.message, self.position))


@dataclass(frozen=True)
class Expr:
    """Base of every formula node."""

    pos: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True)
class Number(Expr):
    value: Decimal


@dataclass(frozen=True)
class Text(Expr):
    value: str


@dataclass(frozen=True)
class DateLiteral(Expr):
    value: date


@dataclass(frozen=True)
class Boolean(Expr):
    value: bool


@dataclass(frozen=True)
class Null(Expr):
    pass


@dataclass(frozen=True)
class Field(Expr):
    name: str


@dataclass(frozen=True)
class Negate(Expr):
    operand: Expr


@dataclass(frozen=True)
class Arithmetic(Expr):
    op: str  # + - * /
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare(Expr):
    op: str  # = != < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Logical(Expr):
    op: str  # and / or
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True)
class InList(Expr):
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
