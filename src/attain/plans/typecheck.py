"""Type checking of formulas: every field known, every function allowed, no number compared with text.

``check`` collects every problem at once (not only the first) as ``FormulaError`` values with the
offset they are at; an unknown sub-expression does not cascade into more errors.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from attain.plans.expr import (
    ARITY,
    BAD_ARGUMENT,
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

T = FieldType
Kind = T | None  # None: unknown because of an error already reported
ATTR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .-]{0,63}$")
MAX_ROUND_PLACES = 10

_LABEL = {
    T.NUMBER: "a number",
    T.MONEY: "money",
    T.TEXT: "text",
    T.DATE: "a date",
    T.BOOL: "true/false",
    T.NULL: "null",
}


def label(kind: FieldType) -> str:
    """A type in plain words."""
    return _LABEL[kind]


def start(node: Expr) -> int:
    """Offset where a sub-expression begins (its leftmost token)."""
    if isinstance(node, Arithmetic | Compare | Logical):
        return start(node.left)
    if isinstance(node, InList):
        return start(node.operand)
    return node.pos


def describe(node: Expr) -> str:
    """A short human name of a sub-expression for messages."""
    if isinstance(node, Field):
        return node.name
    if isinstance(node, Text):
        return repr(node.value)
    if isinstance(node, Number):
        return str(node.value)
    if isinstance(node, Call):
        return f"{node.name}(...)"
    return "the expression"


@dataclass(frozen=True)
class Signature:
    """How many arguments a function takes and how its result type follows from theirs."""

    min_args: int
    max_args: int | None
    result: Callable[[_Checker, Call, list[Kind]], Kind]
    help: str


def round_places(node: Call) -> int:
    """The places argument of round(x, n): an integer literal 0..10, else FormulaError."""
    arg = node.args[1]
    if not (
        isinstance(arg, Number)
        and arg.value == arg.value.to_integral_value()
        and 0 <= arg.value <= MAX_ROUND_PLACES
    ):
        raise FormulaError(
            BAD_ARGUMENT, f"round(x, n) needs n as a whole number 0..{MAX_ROUND_PLACES}", arg.pos
        )
    return int(arg.value)


def attr_name(node: Call) -> str:
    """The attribute name of attr('name'): a text literal of letters, digits, _ . - and spaces."""
    arg = node.args[0]
    if not (isinstance(arg, Text) and ATTR_NAME.match(arg.value)):
        raise FormulaError(BAD_ARGUMENT, "attr('name') needs the attribute name as a text literal", arg.pos)
    return arg.value


class _Checker:
    def __init__(self, fields: Mapping[str, FieldType]):
        self.fields = fields
        self.errors: list[FormulaError] = []

    def fail(self, code: str, message: str, pos: int) -> None:
        self.errors.append(FormulaError(code, message, pos))

    def unify(self, a: Kind, b: Kind, node: Expr, what: str) -> Kind:
        if a is None or b is None:
            return None
        if a is T.NULL:
            return b
        if b is T.NULL or a == b:
            return a
        if a.is_numeric and b.is_numeric:
            return T.MONEY if T.MONEY in (a, b) else T.NUMBER
        self.fail(TYPE_MISMATCH, f"{what}: {label(a)} and {label(b)} do not mix", node.pos)
        return None

    def want(self, kind: Kind, ok: Callable[[T], bool], node: Expr, wanted: str) -> bool:
        if kind is None or kind is T.NULL or ok(kind):
            return True
        self.fail(TYPE_MISMATCH, f"{describe(node)} is {label(kind)}, expected {wanted}", node.pos)
        return False

    def numeric(self, kind: Kind, node: Expr) -> bool:
        return self.want(kind, lambda k: k.is_numeric, node, "a number")

    def type_of(self, node: Expr) -> Kind:
        if isinstance(node, Number):
            return T.NUMBER
        if isinstance(node, Text):
            return T.TEXT
        if isinstance(node, DateLiteral):
            return T.DATE
        if isinstance(node, Boolean):
            return T.BOOL
        if isinstance(node, Null):
            return T.NULL
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Negate):
            kind = self.type_of(node.operand)
            return kind if self.numeric(kind, node.operand) else None
        if isinstance(node, Arithmetic):
            return self.arithmetic(node)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Logical):
            for side in (node.left, node.right):
                self.want(self.type_of(side), lambda k: k is T.BOOL, side, "a condition (true/false)")
            return T.BOOL
        if isinstance(node, Not):
            self.want(
                self.type_of(node.operand), lambda k: k is T.BOOL, node.operand, "a condition (true/false)"
            )
            return T.BOOL
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"not a formula node: {node!r}")

    def field(self, node: Field) -> Kind:
        kind = self.fields.get(node.name)
        if kind is None:
            close = difflib.get_close_matches(node.name, list(self.fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.fail(UNKNOWN_FIELD, f"unknown field {node.name!r}{hint}", node.pos)
        return kind

    def arithmetic(self, node: Arithmetic) -> Kind:
        left, right = self.type_of(node.left), self.type_of(node.right)
        if not (self.numeric(left, node.left) & self.numeric(right, node.right)):
            return None
        if left is None or right is None:
            return None
        if node.op == "/":
            return T.MONEY if left is T.MONEY and right is not T.MONEY else T.NUMBER
        return T.MONEY if T.MONEY in (left, right) else T.NUMBER

    def compare(self, node: Compare) -> Kind:
        for side in (node.left, node.right):
            if isinstance(side, Null):
                self.fail(BAD_ARGUMENT, "a comparison with null is never true: use is_null(x)", side.pos)
        kind = self.unify(
            self.type_of(node.left),
            self.type_of(node.right),
            node,
            f"cannot compare {describe(node.left)} with {describe(node.right)}",
        )
        if kind is T.BOOL and node.op not in ("=", "!="):
            self.fail(TYPE_MISMATCH, "true/false values can only be compared with = or !=", node.pos)
        return T.BOOL

    def in_list(self, node: InList) -> Kind:
        kind = self.type_of(node.operand)
        for item in node.items:
            if isinstance(item, Null):
                self.fail(BAD_ARGUMENT, "null in a list never matches: use is_null(x)", item.pos)
                continue
            kind = self.unify(
                kind, self.type_of(item), item, f"{describe(item)} in the list of {describe(node.operand)}"
            )
        return T.BOOL

    def call(self, node: Call) -> Kind:
        signature = FUNCTIONS.get(node.name)
        if signature is None:
            close = difflib.get_close_matches(node.name, list(FUNCTIONS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else f"; allowed: {', '.join(sorted(FUNCTIONS))}"
            self.fail(UNKNOWN_FUNCTION, f"unknown function {node.name}(){hint}", node.pos)
            return None
        count = len(node.args)
        if count < signature.min_args or (signature.max_args is not None and count > signature.max_args):
            self.fail(ARITY, f"{signature.help} takes {_arity(signature)}, got {count}", node.pos)
            return None
        try:
            return signature.result(self, node, [self.type_of(arg) for arg in node.args])
        except FormulaError as exc:
            self.errors.append(exc)
            return None


def _arity(signature: Signature) -> str:
    if signature.max_args is None:
        return f"{signature.min_args} or more arguments"
    if signature.min_args == signature.max_args:
        return f"{signature.min_args} argument" + ("s" if signature.min_args != 1 else "")
    return f"{signature.min_args} to {signature.max_args} arguments"


def _same(c: _Checker, node: Call, kinds: list[Kind], what: str, allow_bool: bool = True) -> Kind:
    kind: Kind = T.NULL
    for arg, arg_kind in zip(node.args, kinds, strict=True):
        kind = c.unify(kind, arg_kind, arg, f"the arguments of {node.name}()")
    if kind is T.BOOL and not allow_bool:
        c.fail(TYPE_MISMATCH, f"{what} does not take true/false values", node.pos)
        return None
    return kind


def _min_max(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    return _same(c, node, kinds, f"{node.name}()", allow_bool=False)


def _abs(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    return kinds[0] if c.numeric(kinds[0], node.args[0]) else None


def _round(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    round_places(node)
    return kinds[0] if c.numeric(kinds[0], node.args[0]) else None


def _if(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    c.want(kinds[0], lambda k: k is T.BOOL, node.args[0], "a condition (true/false)")
    return c.unify(kinds[1], kinds[2], node, "the two results of if()")


def _coalesce(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    return _same(c, node, kinds, "coalesce()")


def _is_null(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    return T.BOOL


def _date_part(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    c.want(kinds[0], lambda k: k is T.DATE, node.args[0], "a date")
    return T.NUMBER


def _days_between(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    for arg, kind in zip(node.args, kinds, strict=True):
        c.want(kind, lambda k: k is T.DATE, arg, "a date")
    return T.NUMBER


def _text(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    for arg, kind in zip(node.args, kinds, strict=True):
        c.want(kind, lambda k: k is T.TEXT, arg, "text")
    return T.BOOL if node.name == "starts_with" else T.TEXT


def _attr(c: _Checker, node: Call, kinds: list[Kind]) -> Kind:
    attr_name(node)
    if "attributes" not in c.fields:
        c.fail(UNKNOWN_FIELD, "attr() needs the row's attributes, which are not available here", node.pos)
    return T.TEXT


FUNCTIONS: dict[str, Signature] = {
    "min": Signature(2, None, _min_max, "min(a, b, ...)"),
    "max": Signature(2, None, _min_max, "max(a, b, ...)"),
    "abs": Signature(1, 1, _abs, "abs(x)"),
    "round": Signature(2, 2, _round, "round(x, places)"),
    "if": Signature(3, 3, _if, "if(condition, then, else)"),
    "coalesce": Signature(2, None, _coalesce, "coalesce(a, b, ...)"),
    "is_null": Signature(1, 1, _is_null, "is_null(x)"),
    "year": Signature(1, 1, _date_part, "year(date)"),
    "quarter": Signature(1, 1, _date_part, "quarter(date)"),
    "month": Signature(1, 1, _date_part, "month(date)"),
    "day": Signature(1, 1, _date_part, "day(date)"),
    "days_between": Signature(2, 2, _days_between, "days_between(from, to)"),
    "lower": Signature(1, 1, _text, "lower(text)"),
    "upper": Signature(1, 1, _text, "upper(text)"),
    "starts_with": Signature(2, 2, _text, "starts_with(text, prefix)"),
    "attr": Signature(1, 1, _attr, "attr('name')"),
}
"""The allow-list of functions a formula may call."""


def infer(expr: Expr, fields: Mapping[str, FieldType]) -> tuple[FieldType | None, list[FormulaError]]:
    """The result type of a formula (None when it has errors) and every problem found."""
    checker = _Checker(fields)
    kind = checker.type_of(expr)
    return (kind if not checker.errors else None), checker.errors


def check(expr: Expr, fields: Mapping[str, FieldType], expect: FieldType | None = None) -> list[FormulaError]:
    """Every problem of a formula over ``fields``; with ``expect`` also require its result type.

    ``expect=BOOL`` for filters and conditions; ``NUMBER`` or ``MONEY`` for amounts (any number).
    """
    kind, errors = infer(expr, fields)
    if kind is None or kind is T.NULL or expect is None:
        return errors
    wrong = (
        (expect is T.BOOL and kind is not T.BOOL)
        or (expect.is_numeric and not kind.is_numeric)
        or (expect in (T.TEXT, T.DATE) and kind is not expect)
    )
    if wrong:
        wanted = (
            "a condition (true/false)"
            if expect is T.BOOL
            else ("a number" if expect.is_numeric else label(expect))
        )
        errors.append(
            FormulaError(TYPE_MISMATCH, f"this must give {wanted}, it gives {label(kind)}", start(expr))
        )
    return errors
