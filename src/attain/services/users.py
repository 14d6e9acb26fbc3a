"""User administration (admin only): list, create, change a role, reset a password, deactivate and
reactivate.

Every change is written to the audit log with the record before and after (never the password or
its hash). A reset password also clears a lockout. An admin cannot deactivate themselves or the
last active admin, so the system can never be left without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from attain.core.entities import ROLES
from attain.core.errors import AttainError
from attain.services import auth
from attain.services.access import (
    BAD_PARAMETER,
    BAD_ROLE,
    PAYEE_LINK,
    SELF_LOCKOUT,
    USERNAME_TAKEN,
    WEAK_PASSWORD,
    Page,
    Principal,
    not_found,
    page_of,
    payee_table,
    require,
)
from attain.store.db import reading, transaction
from attain.store.tables import app_user, audit_log

MIN_PASSWORD = 12
MAX_PASSWORD = 256
USER_COLUMNS = (app_user.c.id, app_user.c.username, app_user.c.role, app_user.c.payee_id,
                app_user.c.active, app_user.c.failed_logins, app_user.c.locked_until, app_user.c.created_at)


@dataclass(frozen=True, slots=True)
class NewUser:
    """What an admin enters to create a user."""

    username: str
    password: str
    role: str
    payee_id: str | None = None


def check_password(username: str, password: str) -> None:
    """Raise ``WEAK_PASSWORD`` unless the password meets the policy."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AttainError(f"The password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters.",
                          code=WEAK_PASSWORD)
    if password.strip().lower() == username.strip().lower():
        raise AttainError("The password must not be the username.", code=WEAK_PASSWORD)


def list_users(url: str, principal: Principal) -> list[dict[str, Any]]:
    """Every user (no password hashes), by username."""
    require(principal, "users.manage")
    with reading(url) as conn:
        rows = conn.execute(select(*USER_COLUMNS).order_by(app_user.c.username))
        return [dict(row._mapping) for row in rows]


def get_user(url: str, principal: Principal, user_id: int) -> dict[str, Any]:
    """One user by id (admin only)."""
    require(principal, "users.manage")
    with reading(url) as conn:
        return _user(conn, user_id)


def _user(conn: Connection, user_id: int) -> dict[str, Any]:
    row = conn.execute(select(*USER_COLUMNS).where(app_user.c.id == user_id)).first()
    if row is None:
        raise not_found("user", user_id)
    return dict(row._mapping)


def _check_new_user(conn: Connection, new: NewUser) -> None:
    if not new.username.strip() or len(new.username) > 100 or new.username != new.username.strip():
        raise AttainError("The username must be 1 to 100 characters without surrounding spaces.",
                          code=BAD_PARAMETER)
    if new.role not in ROLES:
        raise AttainError(f"Unknown role {new.role!r}: use {', '.join(ROLES)}.", code=BAD_ROLE)
    check_password(new.username, new.password)
    _check_access(conn, new.role, new.payee_id or None)
    if conn.execute(select(app_user.c.id).where(app_user.c.username == new.username)).first():
        raise AttainError(f"A user named {new.username!r} already exists.", code=USERNAME_TAKEN)


def create_user(url: str, principal: Principal, new: NewUser) -> dict[str, Any]:
    """Create a user with an argon2id password hash; returns the stored user."""
    require(principal, "users.manage")
    password_hash = auth.hash_password(new.password)
    with transaction(url, actor=principal.actor) as conn:
        _check_new_user(conn, new)
        user_id = conn.execute(app_user.insert().values(
            username=new.username, password_hash=password_hash, role=new.role,
            payee_id=new.payee_id or None, active=True,
        ).returning(app_user.c.id)).scalar_one()
        created = _user(conn, int(user_id))
        auth.record_change(conn, "create", "app_user", new.username, None, _public(created))
        return created


def reset_password(url: str, principal: Principal, user_id: int, password: str) -> None:
    """Set a new password for a user, clear any lockout; their open sessions end."""
    require(principal, "users.manage")
    password_hash = auth.hash_password(password)
    with transaction(url, actor=principal.actor) as conn:
        before = _user(conn, user_id)
        check_password(before["username"], password)
        conn.execute(update(app_user).where(app_user.c.id == user_id)
                     .values(password_hash=password_hash, failed_logins=0, locked_until=None))
        auth.record_change(conn, "reset_password", "app_user", before["username"],
                      {"locked_until": _iso(before["locked_until"])}, {"locked_until": None})


def set_active(url: str, principal: Principal, user_id: int, active: bool) -> None:
    """Deactivate (sessions and tokens stop working at once) or reactivate a user."""
    require(principal, "users.manage")
    with transaction(url, actor=principal.actor) as conn:
        before = _user(conn, user_id)
        if not active:
            _refuse_self_lockout(conn, principal, before)
        if bool(before["active"]) == active:
            return
        conn.execute(update(app_user).where(app_user.c.id == user_id).values(active=active))
        auth.record_change(conn, "activate" if active else "deactivate", "app_user", before["username"],
                      {"active": bool(before["active"])}, {"active": active})


def set_role(url: str, principal: Principal, user_id: int, role: str, payee_id: str | None) -> None:
    """Give a user another role and payee link (their open sessions end; tokens follow the new role).

    This is how an account created by an OpenID sign-in (no access) gets its access. An admin
    cannot change their own role, nor take the admin role from the last active admin.
    """
    require(principal, "users.manage")
    with transaction(url, actor=principal.actor) as conn:
        before = _user(conn, user_id)
        _check_access(conn, role, payee_id)
        if before["role"] == "admin" and role != "admin":
            _refuse_self_lockout(conn, principal, before)
        elif before["id"] == principal.user_id and role != before["role"]:
            raise AttainError("You cannot change your own role.", code=SELF_LOCKOUT)
        if (before["role"], before["payee_id"]) == (role, payee_id):
            return
        conn.execute(update(app_user).where(app_user.c.id == user_id).values(role=role, payee_id=payee_id))
        auth.record_change(conn, "change_role", "app_user", before["username"],
                           {"role": before["role"], "payee_id": before["payee_id"]},
                           {"role": role, "payee_id": payee_id})


def _check_access(conn: Connection, role: str, payee_id: str | None) -> None:
    """Raise unless ``role`` is known and a manager or rep is linked to an existing payee."""
    if role not in ROLES:
        raise AttainError(f"Unknown role {role!r}: use {', '.join(ROLES)}.", code=BAD_ROLE)
    if role in ("manager", "rep") and not payee_id:
        raise AttainError(f"A {role} account must be linked to a payee.", code=PAYEE_LINK)
    if payee_id and conn.execute(
        select(payee_table.c.payee_id).where(payee_table.c.payee_id == payee_id)
    ).first() is None:
        raise AttainError(f"No payee {payee_id} exists to link the account to.", code=PAYEE_LINK)


def _refuse_self_lockout(conn: Connection, principal: Principal, user: dict[str, Any]) -> None:
    if user["id"] == principal.user_id:
        raise AttainError("You cannot deactivate your own account.", code=SELF_LOCKOUT)
    if user["role"] == "admin" and user["active"]:
        admins = conn.execute(select(func.count()).select_from(app_user)
                              .where(app_user.c.role == "admin", app_user.c.active.is_(True))).scalar_one()
        if admins <= 1:
            raise AttainError("The last active admin cannot be deactivated.", code=SELF_LOCKOUT)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _public(user: dict[str, Any]) -> dict[str, Any]:
    """A user as the audit log keeps it (JSON-friendly, no secrets)."""
    return {key: (_iso(value) if key in ("locked_until", "created_at") else value)
            for key, value in user.items()}


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the audit log may be narrowed by (all optional, exact matches)."""

    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    key: str | None = None


def list_audit(url: str, principal: Principal, where: AuditFilter, limit: int, offset: int) -> Page:
    """The audit log, newest first (admin only)."""
    require(principal, "audit.read")
    query = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
    for name in ("actor", "action", "entity", "key"):
        value = getattr(where, name)
        if value:
            query = query.where(audit_log.c[name] == value)
    with reading(url) as conn:
        return page_of(conn, query, limit, offset)
