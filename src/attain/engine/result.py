"""What a calculation returns: credit, measure, earning and total tables (Arrow) plus issues.

Column contracts are documented in docs/calculation.md ("Outputs").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from attain.core.errors import Issue


@dataclass(frozen=True)
class CalcResult:
    """The outputs of one calculation."""

    credits: pa.Table
    measures: pa.Table
    earnings: pa.Table
    component_totals: pa.Table
    issues: list[Issue] = field(default_factory=list)
