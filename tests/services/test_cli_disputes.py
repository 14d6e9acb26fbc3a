"""`attain dispute ...` and `attain adjustment list` act as the named --user, through the services the
web and the API use, with the same rights: role × someone else's object. SQLite and PostgreSQL.

A payee raises a dispute only on their own payout line (`disputes.raise_own`: someone else's line is
AUTH007, like a missing one); the list is the user's pay scope (`disputes.visible_disputes`): a rep's
own, a manager's hierarchy as of today (Otto left Mona's team 60 days ago; Grace is over everyone),
everyone's for finance and admin, and the operator's when no --user is named. Assigning, answering,
resolving and settling by an adjustment are the desk's (finance, admin); the adjustment list too. A
planner sees no pay even when linked to a payee (AUTH004); an unknown user is PAY040.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, insert, select
from typer.testing import CliRunner, Result

from attain.cli.main import app
from attain.services import disputes
from attain.store.db import reading, transaction
from attain.store.tables import adjustment, app_user, dispute, dispute_message, payout
from tests.services.access_people import ADMIN
from tests.web.paid_company import seed_paid_company

runner = CliRunner()
DESK_STEPS = (
    ("assign", "{id}", "finance"),
    ("answer", "{id}", "because"),
    ("resolve", "{id}", "fixed"),
    ("adjust", "{id}", "25", "2024-Q2", "--reason", "fix"),
)


class Company:
    """The paid company's database and one payout line id per payee."""

    def __init__(self, url: str) -> None:
        self.url = url
        with reading(url) as conn:
            rows = conn.execute(select(payout.c.payee_id, func.min(payout.c.id)).group_by(payout.c.payee_id))
            self.line = {str(payee): int(line) for payee, line in rows}

    def invoke(self, *args: str) -> Result:
        return runner.invoke(app, list(args), env={"ATTAIN_DATABASE_URL": self.url, "COLUMNS": "250"})

    def ok(self, *args: str) -> str:
        result = self.invoke(*args)
        assert result.exit_code == 0, result.output
        return result.output

    def refused(self, code: str, *args: str) -> None:
        result = self.invoke(*args)
        assert result.exit_code == 1 and f"[{code}]" in result.output, (args, result.output)

    def raise_(self, user: str, payee: str, message: str) -> int:
        out = self.ok("dispute", "raise", str(self.line[payee]), message, "--user", user)
        return int(out.split()[1])

    def listed(self, *user: str) -> set[str]:
        """The messages of the disputes the user lists."""
        with reading(self.url) as conn:
            messages = [str(m) for m in conn.execute(select(dispute.c.message)).scalars()]
        out = self.ok("dispute", "list", *user)
        return {m for m in messages if m in out}


@pytest.fixture
def company(migrated_url: str) -> Iterator[Company]:
    """The paid company with Grace (manager over everyone) and Pat (a planner linked to Rita's payee)."""
    seed_paid_company(migrated_url)
    with transaction(migrated_url, actor="test") as conn:
        conn.execute(insert(app_user), [
            {"username": "grace", "password_hash": "x", "role": "manager", "payee_id": "GRACE"},
            {"username": "pat", "password_hash": "x", "role": "planner", "payee_id": "RITA"},
        ])
    yield Company(migrated_url)


def test_a_payee_raises_a_dispute_only_on_their_own_line(company: Company) -> None:
    ray = company.raise_("ray", "RAY", "ray: Q1 looks low")
    company.raise_("mona", "MONA", "mona: my own line")  # a manager is a payee too
    for user, payee, code in (
        ("ray", "OTTO", "AUTH007"),  # someone else's line answers like a missing one
        ("ray", "RITA", "AUTH007"),
        ("mona", "RAY", "AUTH007"),  # her team's line: only the payee raises
        ("finance", "RAY", "AUTH007"),  # no payee of their own
        ("pat", "RITA", "AUTH004"),  # a planner sees no pay, even linked to Rita
        ("nobody", "RAY", "PAY040"),
    ):
        company.refused(code, "dispute", "raise", str(company.line[payee]), "why?", "--user", user)
    company.refused("AUTH007", "dispute", "raise", "999999", "guessed", "--user", "ray")
    with reading(company.url) as conn:
        rows = conn.execute(select(dispute.c.payee_id, dispute.c.raised_by).order_by(dispute.c.id)).all()
        thread = conn.execute(select(dispute_message.c.author, dispute_message.c.role)
                              .where(dispute_message.c.dispute_id == ray)).all()
    assert [tuple(r) for r in rows] == [("RAY", "ray"), ("MONA", "mona")]
    assert [tuple(r) for r in thread] == [("ray", "rep")]


def test_the_dispute_list_is_the_users_pay_scope(company: Company) -> None:
    for user, payee in (("ray", "RAY"), ("otto", "OTTO"), ("mona", "MONA"), ("grace", "GRACE")):
        company.raise_(user, payee, f"{user}: why?")
    everyone = {"ray: why?", "otto: why?", "mona: why?", "grace: why?"}
    assert company.listed("--user", "ray") == {"ray: why?"}
    assert company.listed("--user", "otto") == {"otto: why?"}
    assert company.listed("--user", "mona") == {"ray: why?", "mona: why?"}  # Otto left her team
    assert company.listed("--user", "grace") == everyone
    for desk in (("--user", "finance"), ("--user", "admin"), ()):  # () = the operator
        assert company.listed(*desk) == everyone
    company.refused("AUTH004", "dispute", "list", "--user", "pat")
    company.refused("PAY040", "dispute", "list", "--user", "nobody")
    company.refused("AUTH010", "dispute", "list", "--status", "lost")
    out = company.ok("dispute", "list", "--user", "mona", "--limit", "1")
    assert "dispute(s) 1–1 of 2" in out and "ray: why?" in out  # oldest first


def test_only_the_desk_assigns_answers_resolves_and_settles_a_dispute(company: Company) -> None:
    first = company.raise_("ray", "RAY", "first")
    second = company.raise_("mona", "MONA", "second")
    for user, code in (("ray", "AUTH004"), ("mona", "AUTH004"), ("grace", "AUTH004"), ("pat", "AUTH004"),
                       ("nobody", "PAY040")):
        for command, *args in DESK_STEPS:
            filled = [a.format(id=first) for a in args]
            company.refused(code, "dispute", command, *filled, "--user", user)
    with reading(company.url) as conn:
        assert conn.execute(select(dispute.c.status).where(dispute.c.id == first)).scalar_one() == "open"
        assert conn.execute(select(func.count()).select_from(dispute_message)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(adjustment)).scalar_one() == 0
    company.refused("DESK006", "dispute", "assign", str(first), "ray", "--user", "finance")
    company.ok("dispute", "assign", str(first), "admin", "--user", "finance")
    company.ok("dispute", "answer", str(first), "Your Q1 is below quota.", "--user", "admin")
    company.ok("dispute", "resolve", str(first), "Explained.", "--user", "finance")
    adjust = ("dispute", "adjust", str(second), "25", "--reason", "missed deal", "--user", "finance")
    company.refused("DESK005", *adjust, "2024-13")  # not a period label: never paid
    assert "settled by adjustment 1" in company.ok(*adjust, "2024-Q2")
    found = disputes.desk_get(company.url, ADMIN, first)
    assert [(m["actor"], m["role"], m["kind"]) for m in found["thread"]] == [
        ("ray", "rep", "message"), ("finance", "finance", "assignment"), ("admin", "admin", "answer"),
        ("finance", "finance", "resolution")]
    with reading(company.url) as conn:
        made = conn.execute(select(adjustment.c.author, adjustment.c.payee_id, adjustment.c.amount)).one()
    assert (made.author, made.payee_id, str(made.amount)) == ("finance", "MONA", "25.00")
    assert company.listed("--status", "unresolved") == set()
    company.refused("PAY043", "adjustment", "approve", "1", "--user", "finance")  # its author
    company.ok("adjustment", "approve", "1", "--user", "admin")


def test_only_finance_and_admins_list_adjustments(company: Company) -> None:
    company.ok("adjustment", "add", "RAY", "2024-Q2", "125.50", "--reason", "SPIFF", "--user", "finance")
    company.ok("adjustment", "add", "--reason", "clawback", "--user", "admin", "--", "OTTO", "2024-Q2", "-20")
    company.ok("adjustment", "approve", "1", "--user", "admin")
    for user, code in (("ray", "AUTH004"), ("mona", "AUTH004"), ("grace", "AUTH004"), ("pat", "AUTH004"),
                       ("nobody", "PAY040")):
        company.refused(code, "adjustment", "list", "--user", user)
    for reader in (("--user", "finance"), ("--user", "admin"), ()):
        out = company.ok("adjustment", "list", *reader)
        assert "125.50 USD" in out and "-20.00 USD" in out and "2 adjustment(s)" in out
    pending = company.ok("adjustment", "list", "--status", "pending", "--user", "finance")
    assert "clawback" in pending and "SPIFF" not in pending and "1 adjustment(s)" in pending
    assert "SPIFF" in company.ok("adjustment", "list", "--payee", "RAY", "--user", "finance")
    company.refused("AUTH010", "adjustment", "list", "--status", "lost", "--user", "finance")
