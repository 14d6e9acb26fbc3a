"""A small company in the store for the payout service tests: three reps, a monthly 10% plan with a draw.

``load_company(url)`` upserts payees, plan assignments, transactions and yearly quotas, publishes the plan
and creates users (a rep, a manager, finance, an admin). Helpers change the data between runs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy import insert

from attain.core.entities import ENTITIES
from attain.engine.inputs import arrow_schema
from attain.store.bulk import upsert
from attain.store.db import transaction
from attain.store.plans import publish, save_draft
from attain.store.tables import app_user

PLAN = """
plan: pay_svc
version: {version}
effective_from: 2017-01-01
pay_period: month
credit_rules:
  - id: owner
    kind: owner
measures:
  - id: bookings
components:
  - id: commission
    kind: rate
    measure: bookings
    rate: "{rate}"
payout:
  draws:
    - id: ramp
      kind: recoverable_draw
      amount: 1000
      payees: [R3]
"""
USERS = (("rita", "rep", "R1"), ("mona", "manager", None), ("fin", "finance", None), ("ada", "admin", None))


def table(entity: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = arrow_schema(ENTITIES[entity])
    names = [n for n in schema.names if n not in ("source_file", "source_line")]
    return pa.Table.from_pylist(
        [{n: r.get(n) for n in names} for r in rows], pa.schema([schema.field(n) for n in names])
    )


def deal(tid: str, payee: str, day: date, amount: int) -> dict[str, Any]:
    return {
        "transaction_id": tid,
        "kind": "booking",
        "date": day,
        "amount": Decimal(amount),
        "owner_id": payee,
        "currency": "USD",
        "quantity": Decimal(1),
    }


DEALS = [
    deal("T1", "R1", date(2017, 1, 10), 10_000),
    deal("T2", "R2", date(2017, 1, 20), 20_000),
    deal("T3", "R1", date(2017, 2, 5), 5_000),
    deal("T4", "R3", date(2017, 2, 15), 3_000),
]


def put(url: str, entity: str, rows: list[dict[str, Any]]) -> None:
    with transaction(url, "test") as conn:
        upsert(conn, entity, table(entity, rows), batch_id=None, actor="test")


def publish_plan(url: str, version: int = 1, rate: str = "10%") -> None:
    with transaction(url, "test") as conn:
        save_draft(
            conn,
            "pay_svc",
            version,
            PLAN.format(version=version, rate=rate),
            actor="test",
            effective_from=date(2017, 1, 1),
        )
        publish(conn, "pay_svc", version, actor="test")


def load_company(url: str) -> None:
    put(
        url,
        "payee",
        [
            {"payee_id": p, "name": n, "currency": "USD"}
            for p, n in (("R1", "Rita Rep"), ("R2", "Rob Rep"), ("R3", "Ray Ramp"))
        ],
    )
    put(
        url,
        "plan_assignment",
        [{"payee_id": p, "plan_id": "pay_svc", "valid_from": date(2017, 1, 1)} for p in ("R1", "R2", "R3")],
    )
    put(url, "transaction", DEALS)
    put(
        url,
        "quota",
        [
            {
                "assignee_kind": "payee",
                "assignee_id": p,
                "measure": "bookings",
                "period_start": date(2017, 1, 1),
                "period_end": date(2017, 12, 31),
                "amount": Decimal(120_000),
                "currency": "USD",
                "version": 1,
            }
            for p in ("R1", "R2", "R3")
        ],
    )
    publish_plan(url)
    with transaction(url, "test") as conn:
        conn.execute(
            insert(app_user),
            [{"username": u, "password_hash": "x", "role": r, "payee_id": p} for u, r, p in USERS],
        )
