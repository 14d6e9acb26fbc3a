"""How a calculation runs: executor resources and how much trace to keep."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXPLAIN_TRANSACTIONS = 200_000
"""Up to this many input transactions, a run writes explanation sentences unless told otherwise."""


@dataclass(frozen=True)
class CalcOptions:
    """Run options; the defaults suit a laptop run of a normal company."""

    threads: int | None = None
    """Executor threads (None: all cores)."""
    memory_limit: str | None = None
    """Executor memory limit, e.g. "1500MB"; beyond it the executor spills to ``temp_dir``."""
    temp_dir: Path | None = None
    """Where the executor spills (None: a private temporary folder)."""
    trace: bool = True
    """Keep one earning row per credit (the trace); False keeps component totals only."""
    explanations: bool | None = None
    """Write the per-line explanation sentence in SQL. None (default): only for runs of at most
    ``EXPLAIN_TRANSACTIONS`` transactions; a bigger run leaves ``explanation`` NULL (the text costs
    more than the calculation) and ``attain.engine.explain_line(row)`` renders it on demand from the
    trace columns (basis before/after, tier, rate or factor, credit, rule, transaction)."""
    executor: str = "duckdb"
    """Which executor runs the stages: ``duckdb`` (embedded, default) or ``spark`` (distributed)."""
    cluster_url: str | None = None
    """Where a distributed executor runs (e.g. ``spark://host:7077``); None: local mode."""
    output_dir: Path | None = None
    """Write credits/earnings Parquet here straight from the executor and keep them out of memory:
    the result's credits and earnings are then memory-mapped from Arrow files in this folder."""

    def explains(self, transactions: int) -> bool:
        """Whether a run over ``transactions`` input rows writes explanation sentences in SQL."""
        return self.explanations if self.explanations is not None else transactions <= EXPLAIN_TRANSACTIONS
