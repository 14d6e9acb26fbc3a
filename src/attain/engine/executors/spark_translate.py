"""DuckDB spellings the stage builders write outside the Dialect, made to mean the same on Spark.

The stages are portable SQL plus a few functions whose Spark namesakes do something else. Each
is rewritten here, on the SQL text, with quoted text never touched:

| DuckDB | meaning | Spark |
|---|---|---|
| ``CAST(x AS VARCHAR)`` | unbounded text | ``STRING`` (Spark's VARCHAR needs a length) |
| ``concat(a, b, ...)`` | NULL arguments skipped | ``concat_ws('', a, b, ...)`` (Spark's concat: NULL) |
| ``rtrim(s, chars)`` / ``ltrim`` | string first | ``rtrim(chars, s)`` (Spark takes the characters first) |
| ``ORDER BY k`` | NULLs last, either direction | ``ORDER BY k NULLS LAST`` (Spark: first when ascending) |
| ``x NOT IN (SELECT c FROM t)`` | (same) | NOT EXISTS when t.c has no NULL: a hash join, no nested loop |

A Dialect primitive for each (``text_type``, ``concat``, ``trim_trailing``, explicit null order)
would retire this module; tests/conformance catches a new difference either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass

_TOKEN = re.compile(
    r"'(?:[^'\\]|\\.|'')*'"  # string literal
    r'|"(?:[^"]|"")*"'  # double-quoted identifier
    r"|`(?:[^`]|``)*`"  # back-quoted identifier
    r"|[A-Za-z_][A-Za-z_0-9]*"  # word
    r"|\s+|.",
    re.DOTALL,
)
_LIST_ENDS = {"ROWS", "RANGE", "GROUPS", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "FETCH", "WINDOW"}


_NOT_IN_TABLE = re.compile(
    r"(?P<x>\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s+NOT\s+IN\s*\(\s*SELECT\s+(?P<col>[A-Za-z_]\w*)\s+"
    r"FROM\s+(?P<table>[A-Za-z_]\w*)\s*\)",
    re.IGNORECASE,
)


def not_in_subqueries(sql: str) -> set[tuple[str, str]]:
    """(table, column) of every ``x NOT IN (SELECT column FROM table)`` in ``sql``."""
    return {(m["table"], m["col"]) for m in _NOT_IN_TABLE.finditer(sql)}


def spark_sql(sql: str, never_null: Mapping[str, Set[str]] | None = None) -> str:
    """The stages' SQL with every DuckDB-only meaning written the Spark way.

    ``never_null``: table -> columns known to hold no NULL (the executor knows it of the Arrow
    tables it registered); ``x NOT IN (SELECT col FROM table)`` on such a column becomes an
    equi-join Spark can hash (see ``_not_in_as_not_exists``).
    """
    if never_null:
        sql = _NOT_IN_TABLE.sub(lambda m: _not_in_as_not_exists(m, never_null), sql)
    return _nulls_last(_rewrite_calls(_tokens(sql)))


def _not_in_as_not_exists(match: re.Match[str], never_null: Mapping[str, Set[str]]) -> str:
    """``x NOT IN (SELECT col FROM t)`` with no NULL in t.col, as NOT EXISTS, NULLs kept exactly.

    Spark plans a NOT IN under an OR as a nested loop (null-aware existence join: 4·10^9
    comparisons for 200k deals × 20k split opportunities). Without NULLs in ``t.col`` it equals
    NOT EXISTS (a hash join) when x is not NULL; when x is NULL, NOT IN is NULL (TRUE if t is
    empty), which ``NULLIF(x IS NOT NULL, FALSE) OR NOT EXISTS (SELECT 1 FROM t)`` reproduces.
    """
    x, col, table = match["x"], match["col"], match["table"]
    if col not in never_null.get(table, ()):
        return match.group(0)
    return (
        f"(NOT EXISTS (SELECT 1 FROM {table} AS not_in_rows WHERE not_in_rows.{col} = {x}) "  # noqa: S608
        f"AND (NULLIF({x} IS NOT NULL, FALSE) OR NOT EXISTS (SELECT 1 FROM {table})))"
    )


def _tokens(sql: str) -> list[str]:
    return _TOKEN.findall(sql)


def _quoted(token: str) -> bool:
    return token[:1] in ("'", '"', "`")


def _concat(args: list[str]) -> str:
    return "concat_ws(''" + "".join(f", {a.strip()}" for a in args) + ")"


def _trim(name: str) -> Callable[[list[str]], str]:
    def swapped(args: list[str]) -> str:
        if len(args) != 2:
            return f"{name}({', '.join(a.strip() for a in args)})"
        return f"{name}({args[1].strip()}, {args[0].strip()})"

    return swapped


_CALLS: dict[str, Callable[[list[str]], str]] = {
    "CONCAT": _concat,
    "RTRIM": _trim("rtrim"),
    "LTRIM": _trim("ltrim"),
}


def _rewrite_calls(tokens: list[str]) -> str:
    """Rewrite the calls of ``_CALLS`` (arguments first, innermost out) and VARCHAR types."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token, upper = tokens[i], tokens[i].upper()
        nxt = _next_solid(tokens, i + 1)
        if upper in _CALLS and nxt is not None and tokens[nxt] == "(":
            args, end = _arguments(tokens, nxt)
            out.append(_CALLS[upper]([_rewrite_calls(a) for a in args]))
            i = end + 1
            continue
        if upper == "VARCHAR" and not (nxt is not None and tokens[nxt] == "("):
            token = "STRING"
        out.append(token)
        i += 1
    return "".join(out)


def _next_solid(tokens: list[str], start: int) -> int | None:
    for j in range(start, len(tokens)):
        if not tokens[j].isspace():
            return j
    return None


def _arguments(tokens: list[str], open_at: int) -> tuple[list[list[str]], int]:
    """The top-level arguments (as token lists) of the call whose ``(`` is at ``open_at``."""
    args: list[list[str]] = [[]]
    depth = 0
    for j in range(open_at, len(tokens)):
        token = tokens[j]
        if token == "(":
            depth += 1
            if depth == 1:
                continue
        elif token == ")":
            depth -= 1
            if depth == 0:
                return ([] if args == [[]] else args), j
        elif token == "," and depth == 1:
            args.append([])
            continue
        args[-1].append(token)
    raise ValueError("unbalanced parentheses in SQL")


@dataclass
class _OrderList:
    depth: int
    item_started: bool = False
    item_has_nulls: bool = False


def _nulls_last(sql: str) -> str:
    """Give every ORDER BY item without a null order DuckDB's: NULLS LAST."""
    out: list[str] = []
    lists: list[_OrderList] = []
    depth, previous = 0, ""

    def close_item() -> None:
        current = lists[-1]
        if current.item_started and not current.item_has_nulls:
            at = len(out)
            while at > 0 and out[at - 1].isspace():
                at -= 1
            out.insert(at, " NULLS LAST")
        current.item_started = current.item_has_nulls = False

    for token in _tokens(sql):
        upper = "" if _quoted(token) else token.upper()
        at_list = bool(lists) and depth == lists[-1].depth
        if at_list and (token in (",", ")", ";") or upper in _LIST_ENDS):
            close_item()
            if token != ",":
                lists.pop()
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        out.append(token)
        if token.isspace():
            continue
        if lists and depth >= lists[-1].depth and token != ",":
            lists[-1].item_started = True
            lists[-1].item_has_nulls |= upper == "NULLS" and depth == lists[-1].depth
        if upper == "BY" and previous == "ORDER":
            lists.append(_OrderList(depth))
        previous = upper
    while lists:
        close_item()
        lists.pop()
    return "".join(out)
