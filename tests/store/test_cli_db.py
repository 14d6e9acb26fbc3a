"""`attain init`, `attain db upgrade|status` and `attain list` on a real database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import typer
from typer.testing import CliRunner

from attain.cli import db as db_cli
from attain.store.bulk import upsert
from attain.store.db import current_revision, head_revision, transaction

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Attain (test)."""

    db_cli.register(app)
    return app


def test_init_creates_the_database_in_the_home_folder(attain_home: Path) -> None:
    result = runner.invoke(_app(), ["init"])
    assert result.exit_code == 0, result.output
    assert (attain_home / "attain.db").exists() and (attain_home / "secret_key").exists()
    assert str(attain_home.resolve()) in result.output.replace("\n", "")
    assert current_revision(f"sqlite:///{attain_home.resolve() / 'attain.db'}") == head_revision()


def test_status_before_and_after_upgrade(db_url: str, attain_home: Path) -> None:
    before = runner.invoke(_app(), ["db", "status", "--database-url", db_url])
    assert before.exit_code == 1 and "[DB007]" in " ".join(before.output.split())
    upgraded = runner.invoke(_app(), ["db", "upgrade", "--database-url", db_url])
    assert upgraded.exit_code == 0, upgraded.output
    after = runner.invoke(_app(), ["db", "status", "--database-url", db_url])
    assert after.exit_code == 0, after.output
    text = " ".join(after.output.split())
    assert "up to date" in text and "plan_version" in text


def test_list_shows_rows_of_an_entity(migrated_url: str, attain_home: Path) -> None:
    rows = pa.table({"transaction_id": ["T1", "T2"],
                     "date": pa.array([dt.date(2024, 1, 2)] * 2, pa.date32()),
                     "amount": pa.array([Decimal("1234.50"), Decimal("-3.00")], pa.decimal128(18, 2)),
                     "owner_id": ["[bold]Ana", "Bo"]})
    with transaction(migrated_url) as conn:
        upsert(conn, "transaction", rows, batch_id=None, actor="t")
    app = _app()
    listed = runner.invoke(app, ["list", "transaction", "--limit", "1", "--database-url", migrated_url])
    filtered = runner.invoke(app, ["list", "transaction", "-w", "owner_id=Bo",
                                   "--database-url", migrated_url])
    unknown = runner.invoke(app, ["list", "shoes", "--database-url", migrated_url])
    assert listed.exit_code == 0, listed.output
    assert "1234.50" in listed.output and "[bold]Ana" in listed.output and "of 2" in listed.output
    assert "-3.00" in filtered.output and "1234.50" not in filtered.output
    assert unknown.exit_code == 1 and "[DB004]" in unknown.output and "payee" in unknown.output
