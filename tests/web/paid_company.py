"""The tiny company (tests/api/company.py) with a published tiered plan and a succeeded pay run.

Plan ``web_plan``: quarterly, owner credit, a tiered commission on attainment of the yearly
``bookings`` quota (3% to 50%, 5% to 100%, 8% above) and a recoverable draw of 500 for Rita.
``pay(url)`` runs 2024 through ``attain.services.runs.run_payouts`` (the real engine and pay stage).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert

from attain.services.runs import RunOutcome, run_payouts
from attain.store.db import transaction
from attain.store.plans import publish, save_draft
from attain.store.tables import ENTITY_TABLES
from tests.api.company import PAYEES, seed_company

PLAN = """
plan: web_plan
version: 1
effective_from: 2024-01-01
currency: USD
pay_period: quarter
credit_rules:
  - id: owner
    kind: owner
measures:
  - id: bookings
    credit_rules: [owner]
    quota: bookings
    proration: days
components:
  - id: commission
    kind: tiered
    measure: bookings
    basis: attainment
    rating: marginal
    tiers:
      - {from: 0, to: 0.5, rate: "3%"}
      - {from: 0.5, to: 1, rate: "5%"}
      - {from: 1, rate: "8%"}
payout:
  draws:
    - id: ramp
      kind: recoverable_draw
      amount: 500
      payees: [RITA]
"""
QUARTER_QUOTA = Decimal("10000.00")


def seed_paid_company(url: str) -> RunOutcome:
    """The tiny company, quotas, the plan and its assignments, then a run of 2024-Q1."""
    seed_company(url)
    tables = ENTITY_TABLES
    others = [p for p, _, _ in PAYEES if p != "RAY"]
    with transaction(url, actor="test") as conn:
        conn.execute(insert(tables["product"]), [{"product_id": "GTX", "name": "GTX"}])
        conn.execute(
            insert(tables["quota"]),
            [
                {
                    "assignee_kind": "payee",
                    "assignee_id": p,
                    "measure": "bookings",
                    "period_start": dt.date(2024, 1, 1),
                    "period_end": dt.date(2024, 3, 31),
                    "amount": QUARTER_QUOTA,
                    "currency": "USD",
                    "version": 1,
                }
                for p in others
            ],
        )
        conn.execute(
            insert(tables["plan_assignment"]),
            [{"payee_id": p, "plan_id": "web_plan", "valid_from": dt.date(2024, 1, 1)} for p, _, _ in PAYEES],
        )
        conn.execute(
            insert(tables["opportunity"]),
            [
                {
                    "opportunity_id": "O-RAY-OPEN",
                    "name": "Ray's big one",
                    "account_id": "ACME",
                    "owner_id": "RAY",
                    "status": "open",
                    "stage": "Engaging",
                    "amount": Decimal("40000.00"),
                    "currency": "USD",
                    "close_date": dt.date(2024, 3, 20),
                }
            ],
        )
        save_draft(conn, "web_plan", 1, PLAN, actor="test", effective_from=dt.date(2024, 1, 1))
        publish(conn, "web_plan", 1, actor="test")
    return run_payouts(url, periods=["2024-Q1"], actor="admin")
