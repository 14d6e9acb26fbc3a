"""``users.set_role`` decides on its own, with no web layer: only an admin changes a role or a payee
link, never their own role, never the last active admin's; each change is audited. SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from attain.core.errors import AttainError
from attain.services import users
from attain.services.access import Principal
from attain.store.db import reading
from attain.store.tables import app_user, audit_log
from tests.api.company import seed_company


@pytest.fixture
def url(migrated_url: str) -> str:
    seed_company(migrated_url)
    return migrated_url


def _ids(url: str) -> dict[str, int]:
    with reading(url) as conn:
        return {str(r.username): int(r.id) for r in conn.execute(select(app_user.c.username, app_user.c.id))}


def _role_changes(url: str) -> list[tuple[str, object, object]]:
    with reading(url) as conn:
        rows = conn.execute(select(audit_log.c.actor, audit_log.c.before, audit_log.c.after)
                            .where(audit_log.c.action == "change_role"))
        return [(str(r.actor), r.before, r.after) for r in rows]


def _principal(url: str, username: str, role: str, payee_id: str | None = None) -> Principal:
    return Principal(_ids(url)[username], username, role, payee_id)


@pytest.mark.parametrize("username, role, payee", [
    ("finance", "finance", None), ("mona", "manager", "MONA"), ("ray", "rep", "RAY"),
])
def test_only_an_admin_may_change_a_role(url: str, username: str, role: str, payee: str | None) -> None:
    caller = _principal(url, username, role, payee)
    with pytest.raises(AttainError) as refused:
        users.set_role(url, caller, _ids(url)["ray"], "admin", None)
    assert refused.value.code == "AUTH004"
    assert _role_changes(url) == []


def test_an_admin_changes_a_role_and_the_audit_log_keeps_before_and_after(url: str) -> None:
    admin = _principal(url, "admin", "admin")
    users.set_role(url, admin, _ids(url)["otto"], "manager", "OTTO")
    assert users.get_user(url, admin, _ids(url)["otto"])["role"] == "manager"
    users.set_role(url, admin, _ids(url)["otto"], "manager", "OTTO")  # no change: nothing recorded
    assert _role_changes(url) == [
        ("admin", {"role": "rep", "payee_id": "OTTO"}, {"role": "manager", "payee_id": "OTTO"})
    ]


def test_the_last_active_admin_keeps_the_admin_role(url: str) -> None:
    admin = _principal(url, "admin", "admin")
    with pytest.raises(AttainError) as own:
        users.set_role(url, admin, admin.user_id, "finance", None)
    assert own.value.code == "AUTH012"
    # a principal acting as admin from another account (e.g. a token of a user just demoted)
    # still cannot leave the system without an active admin
    other = Principal(_ids(url)["finance"], "finance", "admin")
    with pytest.raises(AttainError) as last:
        users.set_role(url, other, admin.user_id, "finance", None)
    assert last.value.code == "AUTH012"
    assert users.get_user(url, admin, admin.user_id)["role"] == "admin"
