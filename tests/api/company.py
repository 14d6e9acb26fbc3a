"""A tiny company for the web and API tests: a hierarchy with history, users of every role.

    Grace (boss) ── Mona (manager) ── Ray (rep), Rita (rep), <script>alert(1)</script> (rep)
                 └─ Otto (rep; reported to Mona until 60 days ago)
    Fred (rep) will report to Mona only from 30 days from now.

Users (password ``PASSWORD`` for all): admin, finance, mona (manager, payee MONA),
ray (rep, payee RAY), otto (rep, payee OTTO).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from argon2 import PasswordHasher
from sqlalchemy import insert

from attain.store.db import transaction
from attain.store.tables import ENTITY_TABLES, app_user

PASSWORD = "correct horse battery"
XSS_NAME = "<script>alert(1)</script>"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Fast argon2id parameters for tests (the app verifies with the parameters stored in the hash)."""

TODAY = dt.date.today()

PAYEES = [
    ("GRACE", "Grace Boss", "VP Sales"),
    ("MONA", "Mona Manager", "Sales Manager"),
    ("RAY", "Ray Rep", "Account Executive"),
    ("RITA", "Rita Rep", "Account Executive"),
    ("XSS", XSS_NAME, "Account Executive"),
    ("OTTO", "Otto Outside", "Account Executive"),
    ("FRED", "Fred Future", "Account Executive"),
]

LINES = [
    ("MONA", "GRACE", dt.date(2020, 1, 1), None),
    ("RAY", "MONA", dt.date(2020, 1, 1), None),
    ("RITA", "MONA", dt.date(2020, 1, 1), None),
    ("XSS", "MONA", dt.date(2020, 1, 1), None),
    ("OTTO", "MONA", dt.date(2020, 1, 1), TODAY - dt.timedelta(days=61)),
    ("OTTO", "GRACE", TODAY - dt.timedelta(days=60), None),
    ("FRED", "GRACE", dt.date(2020, 1, 1), TODAY + dt.timedelta(days=29)),
    ("FRED", "MONA", TODAY + dt.timedelta(days=30), None),
]

USERS = [
    ("admin", "admin", None),
    ("finance", "finance", None),
    ("mona", "manager", "MONA"),
    ("ray", "rep", "RAY"),
    ("otto", "rep", "OTTO"),
]


def _transactions() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for number, (payee_id, _, _) in enumerate(PAYEES):
        for k in range(3):
            rows.append(
                {
                    "transaction_id": f"T-{payee_id}-{k}",
                    "kind": "booking",
                    "date": dt.date(2024, 1 + k, 10 + number),
                    "amount": Decimal(f"{1000 * (number + 1)}.{k}5"),
                    "currency": "USD",
                    "owner_id": payee_id,
                    "account_id": "ACME",
                    "product_id": "GTX",
                    "opportunity_id": f"O-{payee_id}",
                }
            )
    return rows


def seed_company(url: str) -> None:
    """Load the tiny company and its users into a migrated database."""
    tables = ENTITY_TABLES
    with transaction(url, actor="test") as conn:
        conn.execute(
            insert(tables["payee"]),
            [
                {"payee_id": p, "name": n, "title": t, "currency": "USD", "email": f"{p.lower()}@example.com"}
                for p, n, t in PAYEES
            ],
        )
        conn.execute(
            insert(tables["reporting_line"]),
            [{"payee_id": p, "manager_id": m, "valid_from": f, "valid_to": t} for p, m, f, t in LINES],
        )
        conn.execute(insert(tables["account"]), [{"account_id": "ACME", "name": "Acme Corporation"}])
        conn.execute(insert(tables["transaction"]), _transactions())
        conn.execute(
            insert(tables["opportunity"]),
            [
                {
                    "opportunity_id": f"O-{p}",
                    "name": f"Deal of {p}",
                    "account_id": "ACME",
                    "owner_id": p,
                    "status": "won",
                    "stage": "Won",
                    "amount": Decimal("5000.00"),
                    "currency": "USD",
                    "close_date": dt.date(2024, 3, 1),
                }
                for p, _, _ in PAYEES
            ],
        )
        conn.execute(
            insert(tables["quota"]),
            [
                {
                    "assignee_kind": "payee",
                    "assignee_id": "RAY",
                    "measure": "bookings",
                    "period_start": dt.date(2024, 1, 1),
                    "period_end": dt.date(2024, 12, 31),
                    "amount": Decimal("120000.00"),
                    "currency": "USD",
                    "version": 1,
                }
            ],
        )
        password_hash = CHEAP_HASHER.hash(PASSWORD)
        conn.execute(
            insert(app_user),
            [{"username": u, "password_hash": password_hash, "role": r, "payee_id": p} for u, r, p in USERS],
        )
