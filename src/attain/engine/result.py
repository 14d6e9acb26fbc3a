"""What a calculation returns: credit, measure, earning and total tables (Arrow) plus issues.

Column contracts are documented in docs/calculation.md ("Outputs"). A big run written to an output
folder (``CalcOptions.output_dir``) keeps its credits and earnings in the Parquet files the executor
wrote: the tables are read from them (memory-mapped) only when asked for, and ``rows`` counts them
from the files' metadata without reading a row. Written credits are normalized: ``credits.parquet``
holds the credit columns and the transaction's number (``txn_no``), ``transactions.parquet`` one row
per transaction with its own fields; ``credits`` joins them back to the in-memory layout.
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

CREDIT_FIELDS: tuple[str, ...] = (
    "credit_id", "transaction_id", "payee_id", "rule_id", "rule_kind", "share", "level", "credit", "date",
    "period_label", "kind", "is_reversal", "amount", "quantity", "currency", "account_id", "product_id",
    "owner_id", "opportunity_id", "territory_id", "reverses_id", "contract_term_months", "attributes",
    "source_file", "source_line",
)
"""Credit output columns (then plan_id): the credit and its transaction's own fields. Product and
account descriptions are not repeated on every credit row (join ``product``/``account`` by id)."""

TXN_OUTPUT_FIELDS: tuple[str, ...] = (
    "transaction_id", "kind", "is_reversal", "amount", "quantity", "currency", "account_id", "product_id",
    "owner_id", "opportunity_id", "territory_id", "reverses_id", "contract_term_months", "attributes",
    "source_file", "source_line",
)
"""The transaction's own fields among ``CREDIT_FIELDS``: ``transactions.parquet`` (with txn_no)."""


@dataclass(frozen=True)
class CalcResult:
    """The outputs of one calculation."""

    credit_output: Output
    measures: pa.Table
    earning_output: Output
    component_totals: pa.Table
    issues: list[Issue] = field(default_factory=list)
    transaction_output: Path | None = None
    """With written credits: the transactions file their ``txn_no`` refers to."""

    def __init__(
        self,
        credits: Output,
        measures: pa.Table,
        earnings: Output,
        component_totals: pa.Table,
        issues: list[Issue] | None = None,
        transactions: Path | None = None,
    ) -> None:
        object.__setattr__(self, "credit_output", credits)
        object.__setattr__(self, "transaction_output", transactions)
        object.__setattr__(self, "measures", measures)
        object.__setattr__(self, "earning_output", earnings)
        object.__setattr__(self, "component_totals", component_totals)
        object.__setattr__(self, "issues", list(issues or []))

    @property
    def credits(self) -> pa.Table:
        """Every credit row of the requested periods (written credits joined to their transactions)."""
        if isinstance(self.credit_output, Path) and self.transaction_output is not None:
            return _joined_credits(self.credit_output, self.transaction_output)
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
        pairs = {
            "credits": self.credit_output,
            "transactions": self.transaction_output,
            "earnings": self.earning_output,
        }
        return {name: out for name, out in pairs.items() if isinstance(out, Path)}


def _table(output: Output) -> pa.Table:
    if isinstance(output, Path):
        return pq.read_table(output, memory_map=True)
    return output


def _joined_credits(credits: Path, transactions: Path) -> pa.Table:
    """The written credit rows with their transaction's fields, in the in-memory column layout."""
    narrow = pq.read_table(credits, memory_map=True)
    txns = pq.read_table(transactions, memory_map=True, columns=["txn_no", *TXN_OUTPUT_FIELDS])
    joined = narrow.join(txns, keys="txn_no", join_type="left outer", use_threads=True)
    return joined.select([*CREDIT_FIELDS, "plan_id"])
