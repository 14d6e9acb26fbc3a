"""Metrics read from the store, on SQLite and PostgreSQL: slices, CSAT, the prepared snapshot.

A small company written through the store (not Arrow tables): Ann and Bob report to Mia; Ann holds
territory North, Bob South. Three won deals (Ann 100.00 and 50.00, Bob 30.00) on two accounts, a
lost one, an open Commit deal of Bob's expected in the period, four survey answers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert

from attain.services import metrics
from attain.store.db import transaction
from attain.store.tables import ENTITY_TABLES

D = date.fromisoformat


def _seed(url: str) -> None:
    t = ENTITY_TABLES
    with transaction(url, actor="test") as conn:
        conn.execute(
            insert(t["payee"]),
            [{"payee_id": p, "name": n} for p, n in (("ann", "Ann"), ("bob", "Bob"), ("mia", "Mia"))],
        )
        conn.execute(
            insert(t["reporting_line"]),
            [{"payee_id": p, "manager_id": "mia", "valid_from": D("2016-01-01")} for p in ("ann", "bob")],
        )
        conn.execute(insert(t["territory"]), [{"territory_id": "North"}, {"territory_id": "South"}])
        conn.execute(
            insert(t["territory_assignment"]),
            [
                {"territory_id": "North", "payee_id": "ann", "valid_from": D("2016-01-01"), "role": "owner"},
                {"territory_id": "South", "payee_id": "bob", "valid_from": D("2016-01-01"), "role": "owner"},
            ],
        )
        conn.execute(
            insert(t["account"]),
            [
                {"account_id": "BIG", "employees": 9000, "segment": None},
                {"account_id": "SMALL", "employees": None, "segment": "SMB"},
            ],
        )
        conn.execute(insert(t["product"]), [{"product_id": "P", "list_price": Decimal("40.00")}])
        conn.execute(
            insert(t["opportunity"]),
            [
                _deal("d1", "ann", "BIG", "won", "100.00", "2017-01-10"),
                _deal("d2", "ann", "SMALL", "won", "50.00", "2017-02-10"),
                _deal("d3", "bob", "SMALL", "won", "30.00", "2017-03-10"),
                _deal("d4", "bob", "BIG", "lost", "0.00", "2017-03-11"),
                {**_deal("d5", "bob", "BIG", "open", None, "2017-03-30"), "forecast_category": "Commit"},
            ],
        )
        conn.execute(
            insert(t["quota"]),
            [
                {
                    "assignee_kind": "payee",
                    "assignee_id": p,
                    "measure": "bookings",
                    "period_start": D("2017-01-01"),
                    "period_end": D("2017-03-31"),
                    "amount": Decimal(a),
                    "version": 1,
                }
                for p, a in (("ann", 300), ("bob", 100))
            ],
        )
        conn.execute(
            insert(t["survey"]),
            [
                {
                    "survey_id": f"s{n}",
                    "payee_id": p,
                    "account_id": "BIG",
                    "date": D("2017-02-01"),
                    "score": s,
                }
                for n, (p, s) in enumerate((("ann", 5), ("ann", 2), ("bob", 4), ("bob", 4)))
            ],
        )


def _deal(
    key: str, owner: str, account: str, status: str, amount: str | None, close: str
) -> dict[str, object]:
    return {
        "opportunity_id": key,
        "owner_id": owner,
        "account_id": account,
        "product_id": "P",
        "status": status,
        "stage": status,
        "amount": Decimal(amount) if amount else None,
        "engage_date": D("2017-01-01"),
        "close_date": D(close),
        "forecast_category": None,
    }


def test_slices_and_new_metrics_from_the_store(migrated_url: str) -> None:
    _seed(migrated_url)
    rows = metrics.metrics_report(
        migrated_url,
        "territory",
        "2017-Q1",
        ["revenue", "quota_attainment", "csat", "commit_forecast", "win_rate"],
    )
    got = {(r.slice, r.metric): r.value for r in rows}
    assert got[("North", "revenue")] == Decimal("150.00")
    assert got[("North", "quota_attainment")] == Decimal("0.5")
    assert got[("North", "csat")] == Decimal("0.5")  # 5 and 2
    assert got[("South", "csat")] == 1
    assert got[("South", "commit_forecast")] == Decimal("70.00")  # 30 won + d5 at list price 40
    assert got[("South", "win_rate")] == Decimal("0.5")
    segments = {
        (r.slice, r.metric): r.value
        for r in metrics.metrics_report(migrated_url, "segment", None, ["revenue"])
    }
    assert segments[("Enterprise", "revenue")] == Decimal("100.00")  # no segment, 9,000 employees
    assert segments[("SMB", "revenue")] == Decimal("80.00")
    assert segments[("(none)", "revenue")] == 0  # quotas belong to no segment
    lifetime = metrics.metrics_report(migrated_url, None, None, ["customer_lifetime_value"])
    assert lifetime[0].value == Decimal("90.00")  # 180 over two customers


def test_the_snapshot_is_rebuilt_when_the_data_changes(migrated_url: str) -> None:
    _seed(migrated_url)
    first = metrics.snapshot(migrated_url)
    assert metrics.snapshot(migrated_url) is first  # nothing changed: the same prepared facts
    with transaction(migrated_url, actor="test") as conn:
        conn.execute(
            insert(ENTITY_TABLES["survey"]),
            [{"survey_id": "s9", "payee_id": "ann", "account_id": None, "date": D("2017-02-02"), "score": 1}],
        )
    second = metrics.snapshot(migrated_url)
    assert second is not first and second.fingerprint != first.fingerprint
    assert second.con.execute("SELECT count(*) FROM survey").fetchone() == (5,)


def test_demo_surveys_come_from_won_deals_and_import_idempotently(migrated_url: str) -> None:
    _seed(migrated_url)
    with transaction(migrated_url, actor="test") as conn:
        conn.execute(
            insert(ENTITY_TABLES["opportunity"]),
            [_deal(f"w{n}", "ann", "BIG", "won", "10.00", "2017-02-15") for n in range(40)],
        )
    first = metrics.seed_demo_surveys(migrated_url, actor="test")
    assert first.imported and 0 < first.created < 43  # about 30% of the 43 won deals
    again = metrics.seed_demo_surveys(migrated_url, actor="test")
    assert again.created == 0 and again.unchanged == first.created
    tables = metrics.analysis_tables(migrated_url, ["survey", "opportunity"])
    won = {r["opportunity_id"] for r in tables["opportunity"].to_pylist() if r["status"] == "won"}
    made = [r for r in tables["survey"].to_pylist() if r["survey_id"].startswith("CSAT-")]
    assert {r["survey_id"].removeprefix("CSAT-") for r in made} <= won
    assert all(1 <= r["score"] <= 5 and r["date"] > D("2017-01-10") for r in made)
