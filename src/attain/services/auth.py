"""Signing in: argon2id passwords, lockout after failed attempts, session stamps and API tokens.

- Passwords are argon2id hashes (argon2-cffi ``PasswordHasher``); a hash made with weaker
  parameters is upgraded at the next successful sign-in.
- ``MAX_FAILED_LOGINS`` wrong passwords in a row lock the account for ``LOCKOUT``; a correct
  password during the lockout is refused too. A success (or an admin password reset) clears it.
- A session remembers a *stamp* derived from the user's password hash, role, payee link and active
  flag: a password reset, a role or link change or a deactivation ends every open session of that
  user. Signing out records the session's id (hashed) as ended, so a copied cookie dies with it.
- API tokens (``atn_`` + 43 random characters) are shown once; only their SHA-256 is stored.
Every sign-in, failure, lockout, sign-out and token change is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Select, bindparam, select, update

from attain.core.errors import AttainError
from attain.services.access import BAD_TOKEN, LOCKED_OUT, LOGIN_FAILED, NOT_FOUND, Principal
from attain.store.db import actor_of, reading, transaction
from attain.store.tables import api_token, app_user, audit_log

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
TOKEN_PREFIX = "atn_"
SESSION_ENTITY = "app_session"
"""Audit-log entity of ended sessions (key: the session id's digest; indexed by (entity, key))."""

hasher = PasswordHasher()
"""The argon2id hasher (library defaults: t=3, m=64 MiB, p=4). Tests may swap in a cheaper one."""

_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))
"""Verified against when the username is unknown, so both cases take the same time."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record_change(conn: Connection, action: str, entity: str, key: str | None,
                  before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Write one audit-log entry in the caller's unit of work (the actor comes from ``conn``)."""
    conn.execute(audit_log.insert().values(at=utcnow(), actor=actor_of(conn), action=action,
                                           entity=entity, key=key, before=before, after=after))


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return hasher.hash(password)


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_stamp(secret_key: str, user: Any) -> str:
    """A short fingerprint of what a session depends on (password hash, role, payee link, active flag)."""
    material = f"{user.id}|{user.password_hash}|{user.role}|{user.payee_id}|{bool(user.active)}".encode()
    return hmac.new(secret_key.encode(), material, hashlib.sha256).hexdigest()[:32]


def principal_of(user: Any, token_id: int | None = None) -> Principal:
    return Principal(user_id=int(user.id), username=str(user.username), role=str(user.role),
                     payee_id=user.payee_id, token_id=token_id)


def _find_user(conn: Connection, username: str) -> Any:
    return conn.execute(select(app_user).where(app_user.c.username == username)).first()


def _locked(user: Any, now: dt.datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def authenticate(url: str, username: str, password: str, now: dt.datetime | None = None) -> Principal:
    """Check a username and password; count failures and lock the account after too many.

    Raises ``LOGIN_FAILED`` (unknown user, wrong password, deactivated) or ``LOCKED_OUT``. The
    password is verified outside any write transaction (argon2 is slow on purpose).
    """
    now = now or utcnow()
    with reading(url) as conn:
        user = _find_user(conn, username)
    if user is None:
        _password_matches(_DUMMY_HASH, password)
        _audit_attempt(url, username, "login_failed", {"reason": "unknown user"})
        raise AttainError("Wrong username or password.", code=LOGIN_FAILED)
    if _locked(user, now):
        _audit_attempt(url, username, "login_refused", {"reason": "locked"})
        raise _locked_error()
    if not _password_matches(user.password_hash, password) or not user.active:
        if _count_failure(url, user, now):
            raise _locked_error()
        raise AttainError("Wrong username or password.", code=LOGIN_FAILED)
    _record_success(url, user, password)
    return principal_of(user)


def _audit_attempt(url: str, username: str, action: str, after: dict[str, Any]) -> None:
    with transaction(url, actor=username or "anonymous") as conn:
        record_change(conn, action, "app_user", username, None, after)


def _locked_error() -> AttainError:
    minutes = int(LOCKOUT.total_seconds() // 60)
    return AttainError(
        f"This account is locked after {MAX_FAILED_LOGINS} failed sign-ins; try again in {minutes} minutes "
        "or ask an admin to reset the password.", code=LOCKED_OUT)


def _count_failure(url: str, user: Any, now: dt.datetime) -> bool:
    """Count one more failure (atomically); lock when it is the last allowed. True when locked now."""
    reason = "wrong password" if user.active else "deactivated"
    with transaction(url, actor=user.username) as conn:
        failures = conn.execute(
            update(app_user).where(app_user.c.id == user.id)
            .values(failed_logins=app_user.c.failed_logins + 1)
            .returning(app_user.c.failed_logins)).scalar_one()
        record_change(conn, "login_failed", "app_user", user.username, None,
                      {"reason": reason, "failed_logins": failures})
        if failures < MAX_FAILED_LOGINS:
            return False
        locked_until = now + LOCKOUT
        conn.execute(update(app_user).where(app_user.c.id == user.id)
                     .values(failed_logins=0, locked_until=locked_until))
        record_change(conn, "locked", "app_user", user.username, None,
                      {"locked_until": locked_until.isoformat()})
        return True


def _record_success(url: str, user: Any, password: str) -> None:
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
    if hasher.check_needs_rehash(user.password_hash):
        values["password_hash"] = hasher.hash(password)
    with transaction(url, actor=user.username) as conn:
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(**values))
        record_change(conn, "login", "app_user", user.username, None, None)


def session_digest(session_id: str) -> str:
    """How an ended session is recorded (its SHA-256: the log never holds a usable session id)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def record_logout(url: str, principal: Principal, session_id: str | None) -> None:
    """Write the sign-out to the audit log and end the session server-side (copies of its cookie die)."""
    with transaction(url, actor=principal.actor) as conn:
        record_change(conn, "logout", "app_user", principal.username, None, None)
        if session_id:
            record_change(conn, "end", SESSION_ENTITY, session_digest(session_id), None,
                          {"user": principal.username})


@cache
def _session_user() -> Select[Any]:
    """The user ``:user_id`` unless session ``:ended_key`` was ended (one indexed lookup each)."""
    ended = (select(audit_log.c.id)
             .where(audit_log.c.entity == SESSION_ENTITY, audit_log.c.key == bindparam("ended_key"))
             .exists())
    return select(app_user).where(app_user.c.id == bindparam("user_id"), ~ended)


def principal_for_session(url: str, secret_key: str, user_id: int, stamp: str,
                          session_id: str) -> Principal | None:
    """The principal of a session, or None when the user is gone, deactivated, re-stamped or signed out."""
    params = {"user_id": user_id, "ended_key": session_digest(session_id)}
    with reading(url) as conn:
        user = conn.execute(_session_user(), params).first()
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(session_stamp(secret_key, user), stamp):
        return None
    return principal_of(user)


def current_stamp(url: str, secret_key: str, user_id: int) -> str:
    """The stamp a new session of ``user_id`` carries."""
    with reading(url) as conn:
        user = conn.execute(select(app_user).where(app_user.c.id == user_id)).one()
    return session_stamp(secret_key, user)


# -- API tokens ---------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(url: str, principal: Principal, name: str) -> tuple[int, str]:
    """Issue a new API token for the principal's own user; returns (token id, the token, shown once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction(url, actor=principal.actor) as conn:
        token_id = conn.execute(api_token.insert().values(
            user_id=principal.user_id, token_hash=token_digest(token), name=name,
        ).returning(api_token.c.id)).scalar_one()
        record_change(conn, "create", "api_token", str(token_id), None,
                      {"name": name, "user": principal.username})
    return int(token_id), token


def list_tokens(url: str, principal: Principal) -> list[dict[str, Any]]:
    """The principal's own tokens (never the secret), newest first."""
    query = (select(api_token.c.id, api_token.c.name, api_token.c.created_at, api_token.c.last_used_at,
                    api_token.c.revoked, api_token.c.revoked_at)
             .where(api_token.c.user_id == principal.user_id).order_by(api_token.c.id.desc()))
    with reading(url) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def revoke_token(url: str, principal: Principal, token_id: int) -> None:
    """Revoke one of the principal's tokens (an admin may revoke anyone's)."""
    with transaction(url, actor=principal.actor) as conn:
        row = conn.execute(select(api_token).where(api_token.c.id == token_id)).first()
        if row is None or (row.user_id != principal.user_id and not principal.is_admin):
            raise AttainError(f"No API token {token_id} was found.", code=NOT_FOUND)
        if row.revoked:
            return
        conn.execute(update(api_token).where(api_token.c.id == token_id)
                     .values(revoked=True, revoked_at=utcnow()))
        record_change(conn, "revoke", "api_token", str(token_id), {"revoked": False}, {"revoked": True})


def principal_for_token(url: str, token: str) -> Principal:
    """The principal an API token stands for; raises ``BAD_TOKEN`` otherwise."""
    query = (select(app_user, api_token.c.id.label("token_id"), api_token.c.last_used_at)
             .join(api_token, api_token.c.user_id == app_user.c.id)
             .where(api_token.c.token_hash == token_digest(token), api_token.c.revoked.is_(False)))
    with reading(url) as conn:
        row = conn.execute(query).first()
    if row is None or not row.active or not token.startswith(TOKEN_PREFIX):
        raise AttainError("The API token is not valid.", code=BAD_TOKEN)
    _touch_token(url, int(row.token_id), row.last_used_at)
    return principal_of(row, token_id=int(row.token_id))


def _touch_token(url: str, token_id: int, last_used: dt.datetime | None) -> None:
    """Remember when a token was last used (at most once a minute, to keep reads cheap)."""
    now = utcnow()
    if last_used is not None and now - last_used < dt.timedelta(minutes=1):
        return
    with transaction(url, actor="system") as conn:
        conn.execute(update(api_token).where(api_token.c.id == token_id).values(last_used_at=now))
