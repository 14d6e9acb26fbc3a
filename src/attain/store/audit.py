"""The audit log: who changed what, when, with the record before and after (JSON; decimals as text).

Every write function of the store records its changes here, in the same transaction as the change.
``record`` writes one entry; ``record_many`` writes many entries of one action in a single statement.
Bulk upserts build their entries in SQL instead (see ``attain.store.bulk``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, insert

from attain.store.tables import audit_log
from attain.store.types import dumps_json

AuditEntry = tuple[str | None, Mapping[str, Any] | None, Mapping[str, Any] | None]
"""(key, before, after) of one audited change."""


def as_document(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A record as a JSON document: decimals, dates and times become exact text."""
    if record is None:
        return None
    return dict(json.loads(dumps_json(dict(record))))


def record(conn: Connection, actor: str, action: str, entity: str, key: str | None,
           before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    """Audit one change (``action`` e.g. create, update, delete, publish) of ``entity`` ``key``."""
    record_many(conn, actor, action, entity, [(key, before, after)])


def record_many(conn: Connection, actor: str, action: str, entity: str, entries: Iterable[AuditEntry]) -> int:
    """Audit many changes of one kind in one statement; returns how many entries were written."""
    at = dt.datetime.now(dt.UTC)
    rows = [
        {"at": at, "actor": actor, "action": action, "entity": entity, "key": key,
         "before": as_document(before), "after": as_document(after)}
        for key, before, after in entries
    ]
    if rows:
        conn.execute(insert(audit_log), rows)
    return len(rows)
