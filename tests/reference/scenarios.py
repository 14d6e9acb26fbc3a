"""Golden scenarios on disk: how a folder under tests/scenarios/ is read (see docs/golden-scenarios.md).

A scenario folder holds ``plan.yaml`` (or several ``plan*.yaml``), ``data/<entity>.csv``,
``scenario.yaml`` (periods to run, optional ``pending`` reason, ``expected_issues``, and
``engine_disagreement``: a reported engine bug, a strict xfail of the engine half only) and
``expected.csv`` (payee_id, period_label, component_id, amount[, capped_amount]), optionally
``expected_lines.csv`` (payee_id, transaction_id, component_id, amount: per-transaction earnings).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import yaml

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CENT = Decimal("0.01")

Key = tuple[str, str, str]


def to_cent(amount: Decimal) -> Decimal:
    """The comparison rule: half-even to the cent (the payout rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Scenario:
    name: str
    folder: Path
    periods: list[str]
    pending: str | None
    expected: dict[Key, Decimal]
    expected_lines: dict[Key, Decimal] | None
    expected_capped: dict[Key, Decimal]
    expected_issues: list[str] = field(default_factory=list)
    engine_disagreement: str | None = None

    @property
    def plan_paths(self) -> list[Path]:
        return sorted(self.folder.glob("plan*.yaml"))

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"


def read_amounts(path: Path, key: tuple[str, str, str], column: str = "amount") -> dict[Key, Decimal]:
    """A CSV of amounts keyed by three columns; repeated keys add up; empty cells are left out."""
    result: dict[Key, Decimal] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not (row.get(column) or "").strip():
                continue
            k = (row[key[0]], row[key[1]], row[key[2]])
            result[k] = result.get(k, Decimal(0)) + Decimal(row[column])
    return result


def load(folder: Path) -> Scenario:
    meta: dict[str, Any] = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    lines = folder / "expected_lines.csv"
    return Scenario(
        name=folder.name,
        folder=folder,
        periods=[str(p) for p in meta["periods"]],
        pending=meta.get("pending"),
        expected=read_amounts(folder / "expected.csv", ("payee_id", "period_label", "component_id")),
        expected_lines=(read_amounts(lines, ("payee_id", "transaction_id", "component_id"))
                        if lines.exists() else None),
        expected_capped=read_amounts(folder / "expected.csv", ("payee_id", "period_label", "component_id"),
                                     "capped_amount"),
        expected_issues=list(meta.get("expected_issues") or []),
        engine_disagreement=meta.get("engine_disagreement"),
    )


def discover() -> list[Scenario]:
    return [load(folder) for folder in sorted(SCENARIOS.iterdir()) if (folder / "scenario.yaml").exists()]


def differences(expected: dict[Key, Decimal], actual: dict[Key, Decimal]) -> list[str]:
    """Keys whose amounts differ to the cent (a missing key counts as 0), with the unrounded figure."""
    problems = []
    for key in sorted(set(expected) | set(actual)):
        want = expected.get(key, Decimal(0))
        got = actual.get(key, Decimal(0))
        if to_cent(want) != to_cent(got):
            problems.append(f"{' / '.join(key)}: expected {want}, got {to_cent(got)} (unrounded {got})")
    return problems
