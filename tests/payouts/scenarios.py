"""Pay scenarios on disk: a golden scenario folder with ``expected_payouts.csv`` (docs/payouts.md).

Besides the usual scenario files, a pay scenario has:
- ``expected_payouts.csv``: payee_id, period_label, line, amount — ``line`` is ``total`` (the sum of
  the payee's lines in the period) or a line kind (commission, clawback, true_up, draw, ...);
  only the lines named in the file are compared, a missing key counts as 0;
- optionally ``expected_balances.csv`` (payee_id, period_label, draw_id, balance_after) and
  ``expected_holds.csv`` (payee_id, period_label, transaction_id, held);
- optionally ``payouts.yaml``: ``locked`` periods paid and locked by a first run, then ``late_data``
  (a folder replacing ``data``) recalculated for ``periods`` (default: scenario.yaml's): a late deal
  after a lock; or ``diff_data`` (a folder run second) with ``expected_diff.csv`` (payee_id,
  period_label, change, reasons: the reasons that must be named, ``|``-separated).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from tests.reference.scenarios import SCENARIOS

Key = tuple[str, str, str]


@dataclass(frozen=True)
class PayScenario:
    name: str
    folder: Path
    periods: list[str]
    locked: list[str]
    late_data: str | None
    diff_data: str | None = None

    @property
    def plan_paths(self) -> list[Path]:
        return sorted(self.folder.glob("plan*.yaml"))

    def expected(self, file: str, key: tuple[str, str, str], column: str) -> dict[Key, Decimal] | None:
        path = self.folder / file
        if not path.exists():
            return None
        result: dict[Key, Decimal] = defaultdict(Decimal)
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                result[(row[key[0]], row[key[1]], row[key[2]])] += Decimal(row[column])
        return dict(result)


def discover() -> list[PayScenario]:
    found = []
    for folder in sorted(SCENARIOS.iterdir()):
        if not (folder / "expected_payouts.csv").exists():
            continue
        meta: dict[str, Any] = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
        extra: dict[str, Any] = {}
        if (folder / "payouts.yaml").exists():
            extra = yaml.safe_load((folder / "payouts.yaml").read_text(encoding="utf-8")) or {}
        periods = extra.get("periods") or meta["periods"]
        found.append(
            PayScenario(
                folder.name,
                folder,
                [str(p) for p in periods],
                [str(p) for p in extra.get("locked", [])],
                extra.get("late_data"),
                extra.get("diff_data"),
            )
        )
    return found
