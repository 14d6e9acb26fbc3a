"""Changing a user's role and payee link (users.set_role): how an account with no access gets some.

Worked example: an account created by an OpenID sign-in is a rep without a payee and sees nobody.
The admin links it to payee RITA as a rep: from then on it sees Rita (and only Rita), its old
sessions end (the role is part of the session stamp), and the audit log keeps before and after.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from attain.core.errors import AttainError
from attain.services import auth, users
from attain.services.access import Principal, list_payees
from attain.store.db import reading, transaction
from attain.store.tables import app_user, audit_log
from tests.api.conftest import cheap_hashing, company_url

__all__ = ["cheap_hashing", "company_url"]


def _principal(url: str, username: str) -> Principal:
    with reading(url) as conn:
        return auth.principal_of(conn.execute(select(app_user).where(app_user.c.username == username)).one())


def _new_unlinked(url: str) -> int:
    with transaction(url) as conn:
        return int(
            conn.execute(
                insert(app_user)
                .values(
                    username="rita@example.com",
                    password_hash="!oidc",
                    role="rep",
                    payee_id=None,
                )
                .returning(app_user.c.id)
            ).scalar_one()
        )


def _visible(url: str, principal: Principal) -> set[str]:
    with reading(url) as conn:
        return {row["payee_id"] for row in list_payees(conn, principal, dt.date.today()).items}


def test_an_admin_links_an_account_without_access_to_its_payee(company_url: str) -> None:
    user_id = _new_unlinked(company_url)
    assert _visible(company_url, _principal(company_url, "rita@example.com")) == set()
    old_stamp = auth.current_stamp(company_url, "k", user_id)
    users.set_role(company_url, _principal(company_url, "admin"), user_id, "rep", "RITA")
    assert _visible(company_url, _principal(company_url, "rita@example.com")) == {"RITA"}
    assert auth.current_stamp(company_url, "k", user_id) != old_stamp  # open sessions end
    with reading(company_url) as conn:
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "change_role")).one()
    assert entry.actor == "admin" and entry.key == "rita@example.com"
    assert entry.before == {"role": "rep", "payee_id": None} and entry.after == {
        "role": "rep",
        "payee_id": "RITA",
    }


@pytest.mark.parametrize(
    "role, payee, code",
    [("rep", None, "AUTH014"), ("manager", "NOBODY", "AUTH014"), ("owner", None, "AUTH013")],
)
def test_a_role_needs_a_known_name_and_a_payee_for_managers_and_reps(
    company_url: str, role: str, payee: str | None, code: str
) -> None:
    user_id = _new_unlinked(company_url)
    with pytest.raises(AttainError) as refused:
        users.set_role(company_url, _principal(company_url, "admin"), user_id, role, payee)
    assert refused.value.code == code


def test_only_admins_change_roles_and_never_their_own_or_the_last_admins(company_url: str) -> None:
    admin = _principal(company_url, "admin")
    ray = _principal(company_url, "ray")
    with pytest.raises(AttainError) as refused:
        users.set_role(company_url, _principal(company_url, "finance"), ray.user_id, "admin", None)
    assert refused.value.code == "AUTH004"
    with pytest.raises(AttainError) as own:
        users.set_role(company_url, admin, admin.user_id, "finance", None)
    assert own.value.code == "AUTH012"
    users.set_role(company_url, admin, ray.user_id, "admin", None)  # a second admin...
    users.set_role(company_url, _principal(company_url, "ray"), admin.user_id, "finance", None)  # may demote
    with pytest.raises(AttainError) as last:
        users.set_role(company_url, _principal(company_url, "ray"), ray.user_id, "rep", "RAY")
    assert last.value.code == "AUTH012"


def test_two_first_sign_ins_of_one_person_make_one_account(company_url: str) -> None:
    """Two tabs finishing a first OpenID sign-in at once: the second finds the first's account."""
    from attain.services import oidc_users

    facts = {"via": "oidc", "issuer": "https://idp.example", "subject": "s-1"}
    first = oidc_users._provision(company_url, "new@example.com", facts)
    second = oidc_users._provision(company_url, "new@example.com", facts)
    assert first.id == second.id and (second.role, second.payee_id) == ("rep", None)
