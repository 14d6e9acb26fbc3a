"""How a calculation runs: executor resources and how much trace to keep."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
    output_dir: Path | None = None
    """Write credits/earnings Parquet here straight from the executor and keep them out of memory:
    the result's credits and earnings are then memory-mapped from Arrow files in this folder."""
