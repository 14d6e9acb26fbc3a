"""Plan formulas for the oracle: the product's own interpreter (``attain.plans.formula.evaluate``).

The oracle shares nothing with the engine but the plan schema, the core types and this
interpreter. A formula that is a bare field name (the defaults ``amount`` and ``credit``) is read
straight from the row, so plans without formulas run even before the formula module exists.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from functools import cache
from types import ModuleType
from typing import Any

_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")


class FormulaUnavailable(RuntimeError):
    """The formula interpreter (attain.plans.formula) is not there yet."""


def formula_module_available() -> bool:
    try:
        importlib.import_module("attain.plans.formula")
    except ImportError:
        return False
    return True


@cache
def interpreter() -> ModuleType:
    """attain.plans.formula, imported once (an ImportError is not cached: it is raised again)."""
    return importlib.import_module("attain.plans.formula")


def evaluate(formula: str, row: Mapping[str, Any]) -> Any:
    """The value of a formula on one row (a transaction or credit row)."""
    text = formula.strip()
    if _FIELD.match(text) and text in row and text not in ("true", "false", "null"):
        return row[text]
    try:
        module = interpreter()
    except ImportError as exc:
        raise FormulaUnavailable(f"formula {formula!r} needs attain.plans.formula") from exc
    return module.evaluate(text, dict(row))


def holds(formula: str | None, row: Mapping[str, Any]) -> bool:
    """A filter/condition: no formula means every row passes; null counts as false."""
    if formula is None:
        return True
    return evaluate(formula, row) is True
