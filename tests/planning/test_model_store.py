"""`attain model` on a store: a published live plan against a draft file, the same period replayed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from attain.cli.main import app
from attain.core.errors import AttainError
from attain.services.planning import history_from_store, model_plans
from attain.services.plans import publish_file
from attain.store.bulk import upsert
from attain.store.db import transaction

PLAN = """plan: ae
version: {version}
effective_from: 2025-01-01
pay_period: quarter
credit_rules:
  - id: own
    kind: owner
measures:
  - id: bookings
components:
  - id: commission
    kind: tiered
    measure: bookings
    tiers:
{tiers}
"""
LIVE_TIERS = "      - {from: 0, to: 2000, rate: 5%}\n      - {from: 2000, rate: 10%}"
DRAFT_TIERS = "      - {from: 0, rate: 8%}"


def _seed(url: str) -> None:
    day, money = pa.date32(), pa.decimal128(18, 2)
    with transaction(url) as conn:
        upsert(conn, "payee", pa.table({"payee_id": ["ann", "bob"], "name": ["Ann", "Bob"]}), batch_id=None,
               actor="t")
        deals = pa.table({
            "transaction_id": ["T1", "T2", "T3"],
            "date": pa.array([dt.date(2025, 1, 5), dt.date(2025, 2, 5), dt.date(2025, 3, 5)], day),
            "amount": pa.array([Decimal("1000.00"), Decimal("3000.00"), Decimal("500.00")], money),
            "owner_id": ["ann", "ann", "bob"],
            "source_line": pa.array([2, 3, 4], pa.int64()),
        })
        upsert(conn, "transaction", deals, batch_id=None, actor="t", source_file="deals.csv")
        assignments = pa.table({"payee_id": ["ann", "bob"], "plan_id": ["ae", "ae"],
                                "valid_from": pa.array([dt.date(2025, 1, 1)] * 2, day)})
        upsert(conn, "plan_assignment", assignments, batch_id=None, actor="t")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    live, draft = tmp_path / "live.yaml", tmp_path / "flat8.yaml"
    live.write_text(PLAN.format(version=1, tiers=LIVE_TIERS))
    draft.write_text(PLAN.format(version=2, tiers=DRAFT_TIERS))
    return live, draft


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
def test_model_against_the_published_plan(migrated_url: str, tmp_path: Path) -> None:
    _seed(migrated_url)
    live, draft = _files(tmp_path)
    publish_file(migrated_url, live, "test")
    result = model_plans(migrated_url, [draft], ["2025-Q1"])
    now, flat = result.scenarios
    # live: ann 4,000 -> 100 + 200 = 300, bob 500 x 5% = 25; draft 8%: ann 320, bob 40
    assert now.payouts == {"ann": Decimal(300), "bob": Decimal(25)}
    assert flat.payouts == {"ann": Decimal(320), "bob": Decimal(40)}
    assert (now.revenue, now.cost, flat.cost) == (Decimal(4500), Decimal(325), Decimal(360))
    cli = CliRunner().invoke(app, ["model", "--plan", str(draft), "--period", "2025-Q1",
                                   "--database-url", migrated_url])
    assert cli.exit_code == 0, cli.output
    assert "flat8" in cli.output and "360.00" in cli.output and "2 / 0" in cli.output


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
def test_model_refuses_a_bad_draft(migrated_url: str, tmp_path: Path) -> None:
    _seed(migrated_url)
    live, _ = _files(tmp_path)
    publish_file(migrated_url, live, "test")
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: ae\nversion: x\n")
    with pytest.raises(AttainError) as caught:
        model_plans(migrated_url, [bad], ["2025-Q1"])
    assert caught.value.code == "PLNG008" and caught.value.issues


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)
def test_history_weights_from_the_store(migrated_url: str, tmp_path: Path) -> None:
    _seed(migrated_url)
    assert history_from_store(migrated_url, "2025-Q1") == {"ann": Decimal(4000), "bob": Decimal(500)}
    assert history_from_store(migrated_url, "2025-Q2") == {}
    reps = tmp_path / "reps.csv"
    reps.write_text("rep\nann\nbob\ncat\n")
    out = tmp_path / "q.csv"
    # 90,000 by 4,000 : 500 : 0 -> 80,000 and 10,000 (cat has no history)
    cli = CliRunner().invoke(app, ["quota", "allocate", "--target", "90000", "--reps", str(reps),
                                   "--by", "history", "--history-period", "2025-Q1",
                                   "--database-url", migrated_url, "--out", str(out)])
    assert cli.exit_code == 0, cli.output
    assert out.read_text() == "rep,quota\nann,80000\nbob,10000\ncat,0\n"
