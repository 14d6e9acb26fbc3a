"""The formula grammar (LALR, lark) and the parser from text to the typed syntax tree.

Only the listed operations exist: literals, field names, + - * /, comparisons, and/or/not,
``in``/``not in`` lists and calls of allow-listed functions. There is no Python ``eval``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from attain.plans.expr import (
    BAD_ARGUMENT,
    SYNTAX,
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

GRAMMAR = r"""
?start: disj
?disj: conj
     | disj OR conj              -> logical
?conj: neg
     | conj AND neg              -> logical
?neg: comparison
    | NOT neg                    -> not_
?comparison: sum
    | sum CMP sum                -> compare
    | sum IN "(" items ")"       -> in_
    | sum NOT IN "(" items ")"   -> not_in
items: disj ("," disj)*
?sum: term
    | sum PLUS term              -> arithmetic
    | sum MINUS term             -> arithmetic
?term: unary
    | term STAR unary            -> arithmetic
    | term SLASH unary           -> arithmetic
?unary: atom
    | MINUS unary                -> negate
?atom: NUMBER                    -> number
     | STRING                    -> string
     | TRUE                      -> true
     | FALSE                     -> false
     | NULL                      -> null
     | NAME "(" [args] ")"       -> call
     | NAME                      -> field
     | "(" disj ")"
args: disj ("," disj)*

OR: "or"
AND: "and"
NOT: "not"
IN: "in"
TRUE: "true"
FALSE: "false"
NULL: "null"
CMP: /==|!=|<>|<=|>=|=|<|>/
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /[0-9]+(\.[0-9]+)?/
STRING: /'(?:[^']|'')*'/
%ignore /[ \t\r\n]+/
"""

_COMPARE = {"==": "=", "=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
MAX_LENGTH = 10_000


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="basic", propagate_positions=True, maybe_placeholders=True)


def _pos(token: Token) -> int:
    return token.start_pos or 0


class _ToExpr(Transformer[Token, Expr]):
    """Lark parse tree -> ``Expr`` nodes."""

    def number(self, children: list[Token]) -> Expr:
        return Number(Decimal(str(children[0])), pos=_pos(children[0]))

    def string(self, children: list[Token]) -> Expr:
        raw = str(children[0])
        return Text(raw[1:-1].replace("''", "'"), pos=_pos(children[0]))

    def true(self, children: list[Token]) -> Expr:
        return Boolean(True, pos=_pos(children[0]))

    def false(self, children: list[Token]) -> Expr:
        return Boolean(False, pos=_pos(children[0]))

    def null(self, children: list[Token]) -> Expr:
        return Null(pos=_pos(children[0]))

    def field(self, children: list[Token]) -> Expr:
        return Field(str(children[0]), pos=_pos(children[0]))

    def negate(self, children: list[Any]) -> Expr:
        operand = children[1]
        if isinstance(operand, Number):  # a negative literal stays a literal
            return Number(-operand.value, pos=_pos(children[0]))
        return Negate(operand, pos=_pos(children[0]))

    def arithmetic(self, children: list[Any]) -> Expr:
        left, op, right = children
        return Arithmetic(str(op), left, right, pos=_pos(op))

    def compare(self, children: list[Any]) -> Expr:
        left, op, right = children
        return Compare(_COMPARE[str(op)], left, right, pos=_pos(op))

    def logical(self, children: list[Any]) -> Expr:
        left, op, right = children
        return Logical(str(op), left, right, pos=_pos(op))

    def not_(self, children: list[Any]) -> Expr:
        return Not(children[1], pos=_pos(children[0]))

    def items(self, children: list[Expr]) -> tuple[Expr, ...]:
        return tuple(children)

    def args(self, children: list[Expr]) -> tuple[Expr, ...]:
        return tuple(children)

    def in_(self, children: list[Any]) -> Expr:
        operand, keyword, items = children
        return InList(operand, items, negated=False, pos=_pos(keyword))

    def not_in(self, children: list[Any]) -> Expr:
        operand, keyword, _, items = children
        return InList(operand, items, negated=True, pos=_pos(keyword))

    def call(self, children: list[Any]) -> Expr:
        name, args = children
        args = args or ()
        if str(name) == "date":
            return _date_literal(args, _pos(name))
        return Call(str(name), tuple(args), pos=_pos(name))


def _date_literal(args: tuple[Expr, ...], pos: int) -> Expr:
    """``date('2017-03-31')``: a date literal (the only form ``date(...)`` takes)."""
    if len(args) != 1 or not isinstance(args[0], Text):
        raise FormulaError(BAD_ARGUMENT, "date(...) takes one text literal like date('2017-03-31')", pos)
    try:
        return DateLiteral(date.fromisoformat(args[0].value), pos=pos)
    except ValueError:
        raise FormulaError(
            BAD_ARGUMENT, f"{args[0].value!r} is not a date (write date('YYYY-MM-DD'))", args[0].pos
        ) from None


def _syntax_error(text: str, exc: UnexpectedInput) -> FormulaError:
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return FormulaError(SYNTAX, "the formula ends too early (something is missing at the end)", len(text))
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        return FormulaError(SYNTAX, f"unexpected character {text[pos]!r}", pos)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        return FormulaError(SYNTAX, f"unexpected {str(token)!r}", _pos(token))
    return FormulaError(SYNTAX, "the formula does not parse", exc.pos_in_stream or 0)


def parse(text: str) -> Expr:
    """Parse a formula into its syntax tree; raise ``FormulaError`` (PLAN100/PLAN105) when it is wrong."""
    if not isinstance(text, str):
        raise FormulaError(SYNTAX, "the formula is not text", 0)
    return _parse(text)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Expr:
    """Parse once per distinct text (trees are immutable, so sharing them is safe)."""
    if not text.strip():
        raise FormulaError(SYNTAX, "the formula is empty", 0)
    if len(text) > MAX_LENGTH:
        raise FormulaError(SYNTAX, f"the formula is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    try:
        tree = _parser().parse(text)
        result: Expr = _ToExpr().transform(tree)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, FormulaError):
            raise exc.orig_exc from None
        raise
    except RecursionError:
        raise FormulaError(SYNTAX, "the formula is nested too deeply", 0) from None
    return result
