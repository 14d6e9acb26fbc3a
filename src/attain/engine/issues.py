"""Issue rows produced by SQL checks, turned into ``attain.core.errors.Issue`` values."""

from __future__ import annotations

import pyarrow as pa

from attain.core.errors import Issue, Severity, Source


def issues_from_rows(rows: pa.Table) -> list[Issue]:
    """Rows with code, severity, message and (optionally) transaction/payee/source columns."""
    issues = []
    for row in rows.to_pylist():
        record = None
        if row.get("transaction_id"):
            record = f"transaction {row['transaction_id']}"
        elif row.get("payee_id"):
            record = f"payee {row['payee_id']}"
        if row.get("period_label"):
            record = f"{record or 'payee ' + str(row.get('payee_id'))} in {row['period_label']}"
        source = (
            Source(file=row.get("source_file"), line=row.get("source_line"))
            if row.get("source_file")
            else Source(system="calc", external_id=row.get("component_id") or row.get("payee_id"))
        )
        issues.append(
            Issue(
                str(row["code"]),
                str(row["message"]),
                severity=Severity(row["severity"]),
                source=source,
                record=record,
            )
        )
    return issues
