"""Whether the fast engine can run a set of plans yet, and its results in the oracle's shape.

Used by the scenario runner and the property tests: while the engine (or a component kind it
needs) is missing, their engine halves are xfail with the reason given here.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from attain.plans.schema import PlanDocument

Key = tuple[str, str, str]
CENT = Decimal("0.01")
NOISE = Decimal("1e-6")


def engine_missing(plans: Iterable[PlanDocument]) -> str | None:
    """Why the engine cannot run these plans yet: no file mode, or a component kind not registered."""
    try:
        importlib.import_module("attain.engine.filemode")
        registry = importlib.import_module("attain.components.registry").REGISTRY
    except Exception as exc:  # an engine still being written may fail to import in any way
        return f"engine not there yet: attain.engine.filemode / components.registry ({exc!r})"
    kinds = {c.kind for plan in plans for c in plan.components}
    missing = sorted(kinds - set(registry))
    if missing:
        return f"component kind(s) not in attain.components.registry yet: {', '.join(missing)}"
    return None


def run_engine(plan_paths: list[Path], data_dir: Path, periods: list[str]) -> Any:
    """The engine's file mode on plan files and a data folder: a CalcResult."""
    filemode = importlib.import_module("attain.engine.filemode")
    return filemode.calculate_folder(plan_paths, data_dir, periods)


def totals(table: Any, column: str = "amount") -> dict[Key, Decimal]:
    """CalcResult.component_totals -> (payee, period, component) -> unrounded amount (or column)."""
    result: dict[Key, Decimal] = defaultdict(Decimal)
    for row in table.to_pylist():
        key = (str(row["payee_id"]), str(row["period_label"]), str(row["component_id"]))
        result[key] += Decimal(row[column] or 0)
    return dict(result)


def to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def same_to_the_cent(a: Decimal, b: Decimal) -> bool:
    """Equal once rounded half-even to the cent; a sub-micro difference that straddles a half cent
    (10th-place rounding of an intermediate) is not a disagreement."""
    return to_cent(a) == to_cent(b) or abs(a - b) <= NOISE


def disagreements(oracle: dict[Key, Decimal], engine: dict[Key, Decimal]) -> list[str]:
    """Keys whose amounts differ to the cent (missing = 0), with both unrounded figures."""
    return [
        f"{' / '.join(k)}: oracle {oracle.get(k, Decimal(0))}, engine {engine.get(k, Decimal(0))}"
        for k in sorted(set(oracle) | set(engine))
        if not same_to_the_cent(oracle.get(k, Decimal(0)), engine.get(k, Decimal(0)))
    ]
