"""What a calculation returns: credit, measure, earning and total tables (Arrow) plus issues.

Column contracts are documented in docs/calculation.md ("Outputs"). A big run written to an output
folder (``CalcOptions.output_dir``) keeps its credits and earnings in the Parquet files the executor
wrote: the tables are read from them (memory-mapped) only when asked for, and ``rows`` counts them
from the files' metadata without reading a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import pyarrow as pa
import pyarrow.parquet as pq

from attain.core.errors import Issue

Output: TypeAlias = pa.Table | Path
"""A table in memory, or the Parquet file that holds it."""


@dataclass(frozen=True)
class CalcResult:
    """The outputs of one calculation."""

    credit_output: Output
    measures: pa.Table
    earning_output: Output
    component_totals: pa.Table
    issues: list[Issue] = field(default_factory=list)

    def __init__(
        self,
        credits: Output,
        measures: pa.Table,
        earnings: Output,
        component_totals: pa.Table,
        issues: list[Issue] | None = None,
    ) -> None:
        object.__setattr__(self, "credit_output", credits)
        object.__setattr__(self, "measures", measures)
        object.__setattr__(self, "earning_output", earnings)
        object.__setattr__(self, "component_totals", component_totals)
        object.__setattr__(self, "issues", list(issues or []))

    @property
    def credits(self) -> pa.Table:
        """Every credit row of the requested periods."""
        return _table(self.credit_output)

    @property
    def earnings(self) -> pa.Table:
        """The trace: every earning line of the requested periods."""
        return _table(self.earning_output)

    def rows(self, name: str) -> int:
        """Row count of ``credits``, ``earnings``, ``measures`` or ``component_totals``."""
        path = self.files.get(name)
        if path is not None:
            return int(pq.ParquetFile(path).metadata.num_rows)
        table: pa.Table = getattr(self, name)
        return int(table.num_rows)

    @property
    def files(self) -> dict[str, Path]:
        """The output files the executor wrote (empty when every table is in memory)."""
        pairs = {"credits": self.credit_output, "earnings": self.earning_output}
        return {name: out for name, out in pairs.items() if isinstance(out, Path)}


def _table(output: Output) -> pa.Table:
    if isinstance(output, Path):
        return pq.read_table(output, memory_map=True)
    return output
