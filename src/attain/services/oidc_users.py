"""Which Attain user an OpenID identity is, and the audited decision to let them in or not.

The claim named by ``ATTAIN_OIDC_USER_CLAIM`` is matched against usernames (``email`` and
``preferred_username`` case-insensitively, ``sub`` exactly); an ``email`` also matches the user
linked to the payee with that e-mail address. More than one match is refused (never a guess). An
unknown identity is refused, or — with ``ATTAIN_OIDC_CREATE_USERS`` — created as a ``rep``: linked
to the payee whose e-mail is the identity's verified ``email`` when exactly one payee has it and no
other account is linked to that payee (so a rep signing in for the first time sees their own pay at
once); otherwise with no payee, which sees nothing, until an admin links one.
Deactivated and locked accounts are refused whatever the provider says. Every sign-in and every
refusal is written to the audit log with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from attain.core.errors import AttainError
from attain.services import oidc
from attain.services.access import LOCKED_OUT, Principal, payee_table
from attain.services.auth import principal_of, record_change, utcnow
from attain.store.db import reading, transaction
from attain.store.tables import app_user

NO_PASSWORD = "!oidc"
"""The password hash of an account created by OpenID sign-in: matches no password, ever."""
MAX_USERNAME = 100


def complete_sign_in(url: str, config: oidc.OidcConfig, pending: oidc.PendingSignIn | None,
                     params: Mapping[str, str], now: dt.datetime | None = None) -> Principal:
    """Verify the provider's answer and return the Attain principal it stands for (audited either way)."""
    try:
        identity = oidc.identify(config, pending, params)
    except AttainError as error:
        _audit(url, "anonymous", "login_refused", None, {"reason": str(error), "code": error.code})
        raise
    return sign_in(url, config, identity, now or utcnow())


def _claim_value(config: oidc.OidcConfig, identity: oidc.Identity) -> str:
    value = identity.claims.get(config.user_claim)
    if not isinstance(value, str) or not value.strip():
        raise AttainError(f"The sign-in provider sent no {config.user_claim} claim to find your Attain "
                          "account by (ask the provider for that scope).", code=oidc.OIDC_NO_USER)
    if config.user_claim == "email" and identity.claims.get("email_verified") is False:
        raise AttainError("The sign-in provider has not verified your e-mail address.",
                          code=oidc.OIDC_NO_USER)
    return value.strip()


def _matches(conn: Connection, claim: str, value: str) -> list[Any]:
    """The users ``value`` of ``claim`` designates (more than one means the match is ambiguous)."""
    if claim == "sub":
        named = app_user.c.username == value
    else:
        named = func.lower(app_user.c.username) == value.lower()
    ids = select(app_user.c.id).where(named)
    if claim == "email":
        by_payee = (select(app_user.c.id).join(payee_table, payee_table.c.payee_id == app_user.c.payee_id)
                    .where(func.lower(payee_table.c.email) == value.lower()))
        ids = ids.union(by_payee)  # type: ignore[assignment]
    query = select(app_user).where(app_user.c.id.in_(ids.scalar_subquery())).order_by(app_user.c.id)
    return list(conn.execute(query))


def sign_in(url: str, config: oidc.OidcConfig, identity: oidc.Identity, now: dt.datetime) -> Principal:
    """The principal for a verified identity; refuses unknown, ambiguous, deactivated and locked accounts."""
    facts = {"via": "oidc", "issuer": identity.issuer, "subject": identity.subject}
    try:
        value = _claim_value(config, identity)
        with reading(url) as conn:
            found = _matches(conn, config.user_claim, value)
        user = _the_one(url, config, value, found, facts, _email_of(identity))
        _check_allowed(user, now)
    except AttainError as error:
        key = identity.claims.get(config.user_claim)
        _audit(url, str(key or "anonymous"), "login_refused", str(key) if key else None,
               {**facts, "reason": str(error), "code": error.code})
        raise
    with transaction(url, actor=user.username) as conn:
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(failed_logins=0))
        record_change(conn, "login", "app_user", user.username, None, facts)
    return principal_of(user)


def _email_of(identity: oidc.Identity) -> str | None:
    """The identity's e-mail address when the provider vouches for it (not marked unverified)."""
    email = identity.claims.get("email")
    if not isinstance(email, str) or not email.strip() or identity.claims.get("email_verified") is False:
        return None
    return email.strip()


def payee_for_email(conn: Connection, email: str | None) -> str | None:
    """The payee whose e-mail is ``email`` (case-insensitive) when exactly one payee has it and no
    account is linked to it yet; otherwise None (an ambiguous address is never guessed)."""
    if email is None:
        return None
    p = payee_table.c
    rows = conn.execute(select(p.payee_id).where(func.lower(p.email) == email.lower()).limit(2)).all()
    if len(rows) != 1:
        return None
    payee_id = str(rows[0].payee_id)
    taken = conn.execute(select(app_user.c.id).where(app_user.c.payee_id == payee_id).limit(1)).first()
    return None if taken is not None else payee_id


def _the_one(url: str, config: oidc.OidcConfig, value: str, found: list[Any], facts: dict[str, str],
             email: str | None = None) -> Any:
    if len(found) > 1:
        names = ", ".join(sorted(user.username for user in found))
        raise AttainError(f"{value} matches several Attain accounts ({names}); an admin must resolve it.",
                          code=oidc.OIDC_NO_USER)
    if found:
        return found[0]
    if not config.create_users:
        raise AttainError(f"No Attain account belongs to {value}; ask an admin to create one.",
                          code=oidc.OIDC_NO_USER)
    return _provision(url, value, facts, email)


def _provision(url: str, username: str, facts: dict[str, str], email: str | None = None) -> Any:
    """Create a rep for a first OpenID sign-in: linked to the payee of the verified e-mail when exactly
    one payee has it (and nobody else holds it), else with no payee and so no access."""
    if len(username) > MAX_USERNAME:
        raise AttainError(f"{username[:40]}... is too long for an Attain username.", code=oidc.OIDC_NO_USER)
    try:
        with transaction(url, actor=username) as conn:
            payee_id = payee_for_email(conn, email)
            user_id = conn.execute(app_user.insert().values(
                username=username, password_hash=NO_PASSWORD, role="rep", payee_id=payee_id, active=True,
            ).returning(app_user.c.id)).scalar_one()
            access = ("none until an admin links a payee" if payee_id is None
                      else f"own pay: linked to payee {payee_id} by the e-mail {email}")
            record_change(conn, "create", "app_user", username, None,
                          {**facts, "role": "rep", "payee_id": payee_id, "access": access})
            return conn.execute(select(app_user).where(app_user.c.id == user_id)).one()
    except IntegrityError:  # the same person's first sign-in in another tab won the race
        with reading(url) as conn:
            return conn.execute(select(app_user).where(app_user.c.username == username)).one()


def _check_allowed(user: Any, now: dt.datetime) -> None:
    if not user.active:
        raise AttainError(f"The Attain account {user.username} is deactivated; ask an admin.",
                          code=oidc.OIDC_NO_USER)
    if user.locked_until is not None and user.locked_until > now:
        raise AttainError(f"The Attain account {user.username} is locked after failed sign-ins; "
                          "try again later or ask an admin.", code=LOCKED_OUT)


def _audit(url: str, actor: str, action: str, key: str | None, after: dict[str, Any]) -> None:
    with transaction(url, actor=actor) as conn:
        record_change(conn, action, "app_user", key, None, after)
