"""An account created by OpenID sign-in is linked to its payee by e-mail when that is unambiguous.

With ``ATTAIN_OIDC_CREATE_USERS`` an unknown identity becomes a rep; its verified e-mail links it to
the payee with that address when exactly one payee has it and no account holds that payee yet —
otherwise it has no payee and sees nothing, as before. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from attain.services import oidc, oidc_users
from attain.services.access import Scope
from attain.store.db import reading, transaction
from attain.store.tables import ENTITY_TABLES, app_user, audit_log
from tests.api.company import seed_company

NOW = dt.datetime.now(dt.UTC)


def _config(claim: str = "email") -> oidc.OidcConfig:
    return oidc.OidcConfig("https://id.example.com", "attain", "secret", user_claim=claim, create_users=True)


def _identity(subject: str, email: str, verified: bool = True) -> oidc.Identity:
    claims: dict[str, Any] = {"sub": subject, "email": email, "email_verified": verified}
    return oidc.Identity("https://id.example.com", subject, claims)


def _created(url: str, username: str) -> dict[str, Any]:
    with reading(url) as conn:
        row = conn.execute(
            select(audit_log.c.after).where(audit_log.c.action == "create", audit_log.c.key == username)
        ).scalar_one()
    return dict(row)


def test_the_payee_with_that_email_is_linked(migrated_url: str) -> None:
    seed_company(migrated_url)  # RITA (rita@example.com) has no account yet
    rita = oidc_users.sign_in(migrated_url, _config(), _identity("s-rita", "Rita@Example.com"), NOW)
    assert (rita.username, rita.role, rita.payee_id) == ("Rita@Example.com", "rep", "RITA")
    assert rita.scope is Scope.SELF
    assert _created(migrated_url, "Rita@Example.com")["access"] == (
        "own pay: linked to payee RITA by the e-mail Rita@Example.com")
    again = oidc_users.sign_in(migrated_url, _config(), _identity("s-rita", "rita@example.com"), NOW)
    assert again.user_id == rita.user_id  # the next sign-in finds the account through the payee's e-mail


def test_an_ambiguous_taken_or_unverified_email_links_nobody(migrated_url: str) -> None:
    seed_company(migrated_url)
    payee = ENTITY_TABLES["payee"]
    with transaction(migrated_url, actor="test") as conn:  # Fred and Grace share one address
        conn.execute(update(payee).where(payee.c.payee_id == "FRED").values(email="grace@example.com"))
    cases = [
        ("email", _identity("s-1", "grace@example.com")),  # two payees have it
        ("sub", _identity("s-2", "ray@example.com")),  # RAY is held by the account ray already
        ("sub", _identity("s-3", "xss@example.com", verified=False)),  # the provider does not vouch
        ("email", _identity("s-4", "stranger@example.com")),  # no payee has it
    ]
    for claim, identity in cases:
        principal = oidc_users.sign_in(migrated_url, _config(claim), identity, NOW)
        assert principal.payee_id is None and principal.scope is Scope.NOTHING, identity.claims
    with reading(migrated_url) as conn:
        linked = conn.execute(select(app_user.c.username).where(app_user.c.payee_id == "RAY")).scalars().all()
    assert linked == ["ray"]
    assert _created(migrated_url, "s-2")["access"] == "none until an admin links a payee"
