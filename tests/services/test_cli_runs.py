"""The payout commands end to end: run, run diff, period close, adjustment, dispute, statement, export."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from attain.cli.main import app
from attain.store.db import reading, upgrade
from attain.store.tables import adjustment, audit_log
from tests.services.payout_company import load_company

runner = CliRunner()


def attain(url: str, *args: str) -> str:
    result = runner.invoke(app, [*args], env={"ATTAIN_DATABASE_URL": url, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_payout_commands_work_together(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    load_company(sqlite_url)
    out = attain(sqlite_url, "run", "--period", "2017-01", "--period", "2017-02")
    assert "run 1: 2017-01, 2017-02" in out and "total 5,500.00 USD" in out
    attain(sqlite_url, "adjustment", "add", "R2", "2017-02", "250", "--reason", "SPIFF", "--user", "fin")
    attain(sqlite_url, "adjustment", "approve", "1", "--user", "ada")
    out = attain(sqlite_url, "run", "--period", "2017-02")
    assert "run 2" in out
    out = attain(sqlite_url, "run", "diff", "2")
    assert "R2" in out and "250.00" in out and "adjustment lines changed" in out
    attain(sqlite_url, "period", "submit", "2017-02", "--user", "ada")
    # the manager step: mona has no team here, so the admin takes it (the hierarchy rule:
    # tests/services/test_approvals_access.py)
    attain(sqlite_url, "period", "approve", "2017-02", "--run", "2", "--user", "ada", "--comment", "ok")
    out = attain(sqlite_url, "period", "approve", "2017-02", "--run", "2", "--user", "fin")
    assert "approved" in out
    attain(sqlite_url, "period", "pay", "2017-02", "--user", "fin")
    attain(sqlite_url, "period", "lock", "2017-02", "--user", "fin")
    assert "locked" in attain(sqlite_url, "period", "list")
    refused = runner.invoke(app, ["period", "lock", "2017-02", "--user", "fin"],
                            env={"ATTAIN_DATABASE_URL": sqlite_url})
    assert refused.exit_code == 1 and "PAY031" in refused.output
    attain(sqlite_url, "dispute", "raise", "1", "this looks low", "--user", "rita")
    assert "this looks low" in attain(sqlite_url, "dispute", "list")
    html = tmp_path / "s.html"
    attain(sqlite_url, "statement", "R2", "2017-02", "--html", str(html))
    assert "SPIFF" in html.read_text()
    payroll = tmp_path / "payroll.csv"
    attain(sqlite_url, "export", "payroll", "--period", "2017-02", "--out", str(payroll))
    assert '"R2","Rob Rep",2017-02-28,"2017-02","USD",250.00' in payroll.read_text()
    assert attain(sqlite_url, "run", "list").count("succeeded") == 2


def test_the_command_line_adds_an_adjustment_only_as_a_finance_or_admin_user(migrated_url: str) -> None:
    """The finance desk's rule (web and API: ``adjustments.desk_create``), audited under the user."""
    load_company(migrated_url)
    env = {"ATTAIN_DATABASE_URL": migrated_url, "COLUMNS": "200"}
    add = ["adjustment", "add", "R2", "2017-02", "250", "--reason", "SPIFF", "--user"]
    for user, code in (("rita", "AUTH004"), ("mona", "AUTH004"), ("nobody", "PAY040")):
        refused = runner.invoke(app, [*add, user], env=env)
        assert refused.exit_code == 1 and code in refused.output, (user, refused.output)
    nobody = ["adjustment", "add", "NOPE", "2017-02", "250", "--reason", "x", "--user", "fin"]
    unknown = runner.invoke(app, nobody, env=env)
    assert unknown.exit_code == 1 and "DESK005" in unknown.output  # the desk checks the payee exists
    with reading(migrated_url) as conn:
        assert conn.execute(select(func.count()).select_from(adjustment)).scalar_one() == 0
    assert "adjustment 1 recorded" in attain(migrated_url, *add, "fin")
    with reading(migrated_url) as conn:
        made = conn.execute(select(adjustment.c.author, adjustment.c.amount)).one()
        logged = conn.execute(select(audit_log.c.actor).where(
            (audit_log.c.entity == "adjustment") & (audit_log.c.action == "create"))).scalars().all()
    assert (made.author, str(made.amount)) == ("fin", "250.00") and logged == ["fin"]


def test_the_cli_prints_paid_money_at_its_currency_places() -> None:
    from decimal import Decimal

    from attain.cli.runs import _money

    assert _money(Decimal("1234.567"), "KWD") == "1,234.567"
    assert _money(Decimal("1234.5"), "USD") == "1,234.50"
    assert _money(Decimal("1235"), "JPY") == "1,235"
    assert _money(Decimal("672834.85")) == "672,834.85"
