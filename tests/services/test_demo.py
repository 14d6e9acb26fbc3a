"""The sample company: MavenTech loaded through the importers matches the dataset's reference figures.

The README of the Maven dataset publishes aggregates (4,238 won deals worth 10,005,534; won deals
and values per manager). After `attain demo` the database must give the same numbers, the org must be
agent -> manager -> VP of Sales, and a second load must change nothing.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import yaml
from sqlalchemy import func, select

from attain.core.entities import ACTIVITY_KINDS
from attain.plans.schema import PlanDocument, SpiffComponent, TieredComponent
from attain.services.demo import (
    DEMO_USERS,
    activities,
    agent_quarterly_quota,
    company_folder,
    dataset_folder,
    load_demo,
    quotas,
)
from attain.store.db import reading
from attain.store.tables import ENTITY_TABLES, app_user

DATA = dataset_folder()
needs_data = pytest.mark.skipif(not (DATA / "sales_pipeline.csv").is_file(), reason=f"no dataset in {DATA}")

REFERENCE_BY_MANAGER = {  # dataset README, "Won deals, won value ... by manager" (all six match (ext))
    "Melvin Marxen": ("Central", 882, Decimal(2_251_930)),
    "Summer Sewald": ("West", 828, Decimal(1_964_750)),
    "Dustin Brinkmann": ("Central", 747, Decimal(1_094_363)),
    "Rocco Neubert": ("East", 691, Decimal(1_960_545)),
    "Celia Rouche": ("West", 610, Decimal(1_603_897)),
    "Cara Losch": ("East", 480, Decimal(1_130_049)),
}


def won_by_manager(url: str) -> dict[str, tuple[str, int, Decimal]]:
    """Bookings per manager, following each booking's owner up the reporting line, with the office."""
    txn, line, payee = (ENTITY_TABLES[n] for n in ("transaction", "reporting_line", "payee"))
    query = (
        select(line.c.manager_id, payee.c.office_id, func.count(), func.sum(txn.c.amount))
        .join(line, line.c.payee_id == txn.c.owner_id)
        .join(payee, payee.c.payee_id == line.c.manager_id)
        .where(txn.c.kind == "booking")
        .group_by(line.c.manager_id, payee.c.office_id)
    )
    with reading(url) as conn:
        return {m: (office, int(n), Decimal(total)) for m, office, n, total in conn.execute(query)}


def scalar(url: str, query: object) -> object:
    with reading(url) as conn:
        return conn.execute(query).scalar_one()  # type: ignore[call-overload]


@needs_data
def test_the_sample_company_matches_the_dataset_and_loads_once(migrated_url: str, tmp_path: Path) -> None:
    first = load_demo(migrated_url, actor="test", work=tmp_path / "demo")

    assert first.ok, [r.issues[:3] for r in first.reports if not r.imported]
    txn, opp = ENTITY_TABLES["transaction"], ENTITY_TABLES["opportunity"]
    assert scalar(migrated_url, select(func.count()).select_from(txn)) == 4238
    assert scalar(migrated_url, select(func.sum(txn.c.amount))) == Decimal("10005534.00")
    by_status = reading_rows(migrated_url, select(opp.c.status, func.count()).group_by(opp.c.status))
    statuses = {row[0]: row[1] for row in by_status}
    assert statuses == {"won": 4238, "lost": 2473, "open": 2089}
    assert won_by_manager(migrated_url) == REFERENCE_BY_MANAGER

    payee, line = ENTITY_TABLES["payee"], ENTITY_TABLES["reporting_line"]
    assert scalar(migrated_url, select(func.count()).select_from(payee)) == 35 + 6 + 1
    managers = list(REFERENCE_BY_MANAGER)
    above_managers = select(line.c.manager_id).distinct().where(line.c.payee_id.in_(managers))
    managers_of_managers = reading_rows(migrated_url, above_managers)
    assert managers_of_managers == [("VP of Sales",)]
    gtx_pro = select(func.count()).select_from(txn).where(txn.c.product_id == "GTX Pro")
    assert scalar(migrated_url, gtx_pro) == 729  # the GTXPro rows that were won, mapped to "GTX Pro"

    second = load_demo(migrated_url, actor="test", work=tmp_path / "demo")

    assert second.ok
    assert sum(r.created + r.updated for r in second.reports) == 0
    assert sum(r.unchanged for r in second.reports) == sum(r.rows_selected for r in first.reports)
    assert scalar(migrated_url, select(func.count()).select_from(app_user)) == len(DEMO_USERS)
    assert first.plans == ["maven_ae v1 (published)", "maven_manager v1 (published)"]
    assert second.plans == ["maven_ae v1 (unchanged)", "maven_manager v1 (unchanged)"]


def reading_rows(url: str, query: object) -> list[tuple[object, ...]]:
    with reading(url) as conn:
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[call-overload]


@needs_data
def test_demo_users_sign_in_with_their_documented_passwords(migrated_url: str, tmp_path: Path) -> None:
    from argon2 import PasswordHasher

    from attain.services.demo import ensure_demo_users

    ensure_demo_users(migrated_url)
    rows = reading_rows(migrated_url, select(app_user.c.username, app_user.c.password_hash))
    hashes = {str(row[0]): str(row[1]) for row in rows}
    documented = (Path(__file__).resolve().parents[2] / "docs" / "importing.md").read_text()
    for username, password, _role, _payee in DEMO_USERS:
        stored = hashes[username]
        assert stored.startswith("$argon2id$")
        assert PasswordHasher().verify(stored, password)
        assert f"`{password}`" in documented


def test_the_quota_rule_rounds_the_teams_average_quarter_to_a_thousand() -> None:
    # Melvin Marxen's team won 2,251,930 with 6 agents: 2,251,930 / 6 / 4 = 93,830.4 -> 94,000
    assert agent_quarterly_quota(Decimal(2_251_930), 6) == Decimal(94_000)
    # Dustin Brinkmann's team: 1,094,363 / 5 / 4 = 54,718.15 -> 55,000
    assert agent_quarterly_quota(Decimal(1_094_363), 5) == Decimal(55_000)
    # exactly half way goes to the even thousand
    assert agent_quarterly_quota(Decimal(10_000), 1) == Decimal(2_000)  # 2,500 -> 2,000
    assert agent_quarterly_quota(Decimal(14_000), 1) == Decimal(4_000)  # 3,500 -> 4,000


@needs_data
def test_synthetic_quotas_and_activities_are_deterministic() -> None:
    teams = pl.read_csv(DATA / "sales_teams.csv", infer_schema=False)
    pipeline = pl.read_csv(DATA / "sales_pipeline.csv", infer_schema=False)

    table = quotas(teams, pipeline)
    assert table.height == (35 + 6) * 4
    melvin = table.filter(pl.col("assignee_id") == "Melvin Marxen", pl.col("period_start") == "2017-04-01")
    assert melvin.get_column("amount").to_list() == [str(94_000 * 6)]
    assert activities(pipeline).equals(activities(pipeline))
    made = activities(pipeline)
    assert set(made.get_column("kind").unique()) <= set(ACTIVITY_KINDS)
    assert made.get_column("activity_id").is_unique().all()
    assert made.height == 40_403


@pytest.mark.parametrize("name", ["maven_ae", "maven_manager"])
def test_the_demo_plans_are_valid_plan_documents(name: str) -> None:
    from attain.plans.validate import check_plan

    path = company_folder() / "plans" / f"{name}.yaml"
    plan = PlanDocument.model_validate(yaml.safe_load(path.read_text()))
    assert check_plan(path, ["bookings"]).issues == []  # the full plan validator agrees

    assert plan.plan == name and plan.pay_period.value == "quarter"
    tiered = [c for c in plan.components if isinstance(c, TieredComponent)]
    spiffs = [c for c in plan.components if isinstance(c, SpiffComponent)]
    assert len(tiered) == 1 and len(spiffs) == 1 and len(plan.components) == 2
    rates = [tier.rate or Decimal(0) for tier in tiered[0].tiers]
    assert tiered[0].basis.value == "attainment" and rates == sorted(rates) and rates[-1] > rates[-2]
    assert tiered[0].tiers[-1].from_ == 1 and tiered[0].tiers[-1].to is None  # the accelerator tier
    assert (str(spiffs[0].window_from), str(spiffs[0].window_to)) == ("2017-04-01", "2017-06-30")
    assert "GTX Pro" in (spiffs[0].filter or "")
