"""`attain quota version ...` and `attain territory design --save` / `apply` end to end on a store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from sqlalchemy import insert, select
from typer.testing import CliRunner

from attain.cli.main import app
from attain.store.bulk import upsert
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, app_user

runner = CliRunner()


def _users(url: str) -> None:
    with transaction(url) as conn:
        conn.execute(insert(app_user), [{"username": "ada", "password_hash": "x", "role": "admin"},
                                        {"username": "fin", "password_hash": "x", "role": "finance"}])


def _run(url: str, *args: str) -> str:
    result = runner.invoke(app, [*args, "--database-url", url])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_quota_version_from_file_to_published_and_diffed(migrated_url: str, tmp_path: Path) -> None:
    _users(migrated_url)
    first = tmp_path / "q1.csv"
    first.write_text("assignee_id,measure,period_start,period_end,amount\n"
                     "ann,bookings,2025-01-01,2025-03-31,10000\nbob,bookings,2025-01-01,2025-03-31,8000\n")
    out = _run(migrated_url, "quota", "version", "create", "AE 2025", "--effective-from", "2025-01-01",
               "--file", str(first), "--user", "ada")
    assert "quota version 1: AE 2025 v1, draft, 2 line(s)" in out
    denied = runner.invoke(app, ["quota", "version", "approve", "1", "--user", "ada", "--database-url",
                                 migrated_url])
    assert denied.exit_code == 2 and "PLNG010" in denied.output
    _run(migrated_url, "quota", "version", "approve", "1", "--user", "fin", "--comment", "ok")
    assert "published as quota version 1" in _run(migrated_url, "quota", "version", "publish", "1",
                                                  "--user", "fin")
    second = tmp_path / "q2.csv"
    second.write_text("assignee_id,measure,period_start,period_end,amount\n"
                      "ann,bookings,2025-01-01,2025-03-31,12000\n")
    _run(migrated_url, "quota", "version", "create", "AE 2025", "--effective-from", "2025-01-01",
         "--file", str(second), "--based-on", "1", "--user", "ada")
    diff = _run(migrated_url, "quota", "version", "diff", "2")
    assert "changed +2,000.00" in diff and "removed -8,000.00" in diff
    shown = _run(migrated_url, "quota", "version", "show", "1")
    assert "[approve] ok" in shown and "10,000.00 USD" in shown
    listed = _run(migrated_url, "quota", "version", "list")
    assert "published" in listed and "draft" in listed


def test_a_territory_design_saved_and_applied(migrated_url: str, tmp_path: Path) -> None:
    _users(migrated_url)
    with transaction(migrated_url) as conn:
        upsert(conn, "account_territory", pa.table({
            "account_id": list("ABCD"), "territory_id": ["T1", "T2", "T1", "T1"],
            "valid_from": pa.array([dt.date(2025, 1, 1)] * 4, pa.date32())}), batch_id=None, actor="t")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,potential,lat,lon,territory\nA,100,0,0.5,T1\nB,100,0,1,T2\n"
                        "C,100,0,-1,T1\nD,100,0,-0.9,T1\n")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("a,b\nA,B\nA,C\nC,D\n")
    out = _run(migrated_url, "territory", "design", "--accounts", str(accounts), "--tolerance", "0",
               "--adjacency", str(pairs), "--save", "rebalance", "--user", "fin")
    assert "milp-contiguous" in out and "saved as territory design 1" in out
    assert "proposed" in _run(migrated_url, "territory", "designs")
    for user, code in (("fin", "AUTH004"), ("nobody", "PAY040")):  # an admin applies a design
        refused = runner.invoke(app, ["territory", "apply", "1", "--from", "2025-04-01", "--user", user,
                                      "--database-url", migrated_url])
        assert refused.exit_code == 2 and code in refused.output, (user, refused.output)
    unknown = runner.invoke(app, ["territory", "design", "--accounts", str(accounts), "--save", "x",
                                  "--user", "nobody", "--database-url", migrated_url])
    assert unknown.exit_code == 2 and "PAY040" in unknown.output
    applied = _run(migrated_url, "territory", "apply", "1", "--from", "2025-04-01", "--user", "ada")
    assert "1 account(s) change territory" in applied
    at = ENTITY_TABLES["account_territory"].c
    with reading(migrated_url) as conn:
        rows = conn.execute(select(at.territory_id, at.valid_from).where(at.account_id == "A")
                            .order_by(at.valid_from)).all()
    assert [tuple(r) for r in rows] == [("T1", dt.date(2025, 1, 1)), ("T2", dt.date(2025, 4, 1))]
