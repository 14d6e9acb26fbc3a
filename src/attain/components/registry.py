"""Plan component kinds by their ``kind``: adding a kind is one module and one line here.

The engine runs every stage-1 kind (from credits, measures, assignments, MBO scores) first, then
the stage-2 kinds (multipliers, from ``earnings_base``), then ``attain.components.caps``. The plan
validator calls ``REGISTRY[component.kind].validate(component, plan)`` for the checks the schema
cannot express (codes PLAN120–PLAN149, see ``attain.components.codes``).
"""

from __future__ import annotations

from attain.components.base import ComponentKind
from attain.components.bonus import BonusKind
from attain.components.mbo import MboKind
from attain.components.multiplier import MultiplierKind
from attain.components.rate import RateKind
from attain.components.spiff import SpiffKind
from attain.components.tiered import TieredKind

REGISTRY: dict[str, ComponentKind] = {
    "rate": RateKind(),
    "tiered": TieredKind(),
    "bonus": BonusKind(),
    "mbo": MboKind(),
    "spiff": SpiffKind(),
    "multiplier": MultiplierKind(),
}


def kinds_of_stage(stage: int) -> list[str]:
    """The kinds evaluated in ``stage`` (1: from credits and measures; 2: from stage-1 earnings)."""
    return [name for name, kind in REGISTRY.items() if kind.stage == stage]
