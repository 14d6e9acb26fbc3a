"""Who may see what: the signed-in principal, role rights, and the payees inside their scope.

Roles (``attain.core.entities.ROLES``):
- ``admin``   everything, including users and the audit log;
- ``finance`` every payee, transaction and payout (no user administration);
- ``manager`` themselves and everyone below them in the reporting hierarchy *as of today*
  (``reporting_line``, effective-dated, ``valid_to`` inclusive, followed recursively);
- ``rep``     only their own payee;
- ``planner`` quota versions and territory designs, and the payee directory and hierarchy (every
  payee) — but no pay at all: no statements, runs, payouts, exports or period approvals.

The scope is SQL: ``payee_filter`` is a WHERE condition any read of payee data adds, binding the
principal's payee (``:me``) and the day (``:day``). An object outside the scope is reported exactly
like one that does not exist (``NOT_FOUND``), so guessing ids reveals nothing. Import these names
from ``attain.services.access``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Select,
    String,
    Subquery,
    bindparam,
    cast,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from attain.core.entities import ROLES
from attain.core.errors import AttainError, register
from attain.store.tables import ENTITY_TABLES

LOGIN_FAILED = register("AUTH001", "wrong username or password (or the account is deactivated)")
LOCKED_OUT = register("AUTH002", "account locked for 15 minutes after 5 failed sign-ins in a row")
SIGN_IN_REQUIRED = register("AUTH003", "sign-in required: no valid session or API token")
FORBIDDEN = register("AUTH004", "your role does not allow this action")
CSRF_REJECTED = register("AUTH005", "the CSRF token of a form or state-changing request is missing or wrong")
BAD_TOKEN = register("AUTH006", "the API token is unknown, revoked, or belongs to a deactivated user")
NOT_FOUND = register("AUTH007", "not found: the record does not exist or is outside what you may see")
WEAK_PASSWORD = register(
    "AUTH008", "the password does not meet the policy (12 to 256 characters, not the username)")
USERNAME_TAKEN = register("AUTH009", "a user with this username already exists")
BAD_PARAMETER = register("AUTH010", "a request parameter or field is missing or invalid")
BODY_TOO_LARGE = register("AUTH011", "the request body is too large")
SELF_LOCKOUT = register("AUTH012", "you cannot deactivate yourself or the last active admin")
BAD_ROLE = register("AUTH013", "unknown role: use admin, finance, manager, rep or planner")
PAYEE_LINK = register("AUTH014", "a manager or rep account must be linked to an existing payee")
OUTSIDE_TEAM = register(
    "AUTH022", "a manager's decision on a period concerns payees outside their hierarchy as of today")

payee_table = ENTITY_TABLES["payee"]
reporting_line = ENTITY_TABLES["reporting_line"]


class Scope(StrEnum):
    """How much of the payee population a principal can see."""

    ALL = "all"
    TEAM = "team"
    SELF = "self"
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user (by session or API token) on whose behalf a request runs."""

    user_id: int
    username: str
    role: str
    payee_id: str | None = None
    token_id: int | None = None

    @property
    def actor(self) -> str:
        """How this principal appears in the audit log."""
        return self.username if self.token_id is None else f"{self.username} (token {self.token_id})"

    @property
    def scope(self) -> Scope:
        if self.role in ("admin", "finance"):
            return Scope.ALL
        if self.payee_id is None or self.role not in ("manager", "rep"):
            return Scope.NOTHING
        return Scope.TEAM if self.role == "manager" else Scope.SELF

    @property
    def directory_scope(self) -> Scope:
        """Whose payee record (name, title, manager chain) the principal may read: the pay scope, and
        every payee for a planner (who designs territories and quotas for all of them, but sees no pay)."""
        return Scope.ALL if self.role == "planner" else self.scope

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


COMMAND_LINE = Principal(user_id=0, username="command line", role="admin")
"""The trusted operator of the ``attain`` command line (who holds the database URL holds everything).
Web and API callers always pass the signed-in principal; no service call defaults to this one."""


RIGHTS: dict[str, frozenset[str]] = {
    "users.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
    "payouts.read": frozenset({"admin", "finance"}),
    "imports.run": frozenset({"admin"}),
    "plans.read": frozenset({"admin", "finance"}),
    "plans.publish": frozenset({"admin"}),
    "runs.read": frozenset({"admin", "finance"}),
    "runs.start": frozenset({"admin", "finance"}),
    "periods.read": frozenset({"admin", "finance", "manager"}),
    "periods.decide": frozenset({"admin", "finance", "manager"}),
    "pay.read": frozenset({"admin", "finance", "manager", "rep"}),
    "quota_versions.read": frozenset({"admin", "finance", "planner"}),
    "territory_designs.read": frozenset({"admin", "finance", "planner"}),
    "payees.list": frozenset(ROLES),
    "tokens.own": frozenset(ROLES),
}
"""Which roles hold which right; payee data rights are further limited by ``Scope``: ``pay.read`` is a
payee's statements and payout lines, within the scope (own, team as of today, everyone). The steps of a
period's close are decided in ``services.approvals``; quota versions and territory designs in
``services.quota_versions`` and ``services.planning`` (a planner drafts, never approves or applies).
Quota versions and territory designs are planning work in progress: only the roles that plan or
approve them read them (a manager or rep reads the quotas in force on the payee page instead)."""


def allowed(principal: Principal, right: str) -> bool:
    """True when the principal's role holds ``right``."""
    return principal.role in RIGHTS.get(right, frozenset())


def require(principal: Principal, right: str) -> None:
    """Raise ``FORBIDDEN`` unless the principal's role holds ``right``."""
    if not allowed(principal, right):
        raise AttainError(f"Your role ({principal.role}) does not allow this.", code=FORBIDDEN)


def not_found(what: str, key: object) -> AttainError:
    """The one error for "does not exist" and "exists but not yours" alike."""
    return AttainError(f"No {what} {key!s} was found.", code=NOT_FOUND)


DAY = bindparam("day", type_=Date())
"""The day the hierarchy is read on (every scoped statement binds it)."""
ME = bindparam("me", type_=String())
"""The principal's own payee id."""
PAYEE = bindparam("payee_id", type_=String())
"""The payee a detail statement is about."""


def scope_params(principal: Principal, day: dt.date, **more: Any) -> dict[str, Any]:
    """The bound values of a scoped statement: the principal's payee, the day, and ``more``."""
    return {"me": principal.payee_id, "day": day, **more}


@cache
def lines_in_force() -> Subquery:
    """The reporting lines in force on ``:day`` (``valid_to`` inclusive, empty = open)."""
    rl = reporting_line.c
    return (select(rl.payee_id, rl.manager_id)
            .where(rl.valid_from <= DAY, or_(rl.valid_to.is_(None), rl.valid_to >= DAY))
            .subquery("current_line"))


@cache
def team() -> Select[tuple[str]]:
    """``:me`` and everyone below them on ``:day``, followed recursively (UNION ends cycles)."""
    current = lines_in_force()
    members = select(cast(ME, String()).label("payee_id")).cte("team", recursive=True)
    below = select(current.c.payee_id).join(members, current.c.manager_id == members.c.payee_id)
    members = members.union(below)
    return select(members.c.payee_id)


@cache
def visible_ids(scope: Scope) -> Select[tuple[str]] | None:
    """The payee ids a principal of ``scope`` may see (binds ``:me``, ``:day``); None = every payee."""
    if scope is Scope.ALL:
        return None
    if scope is Scope.TEAM:
        return team()
    if scope is Scope.SELF:
        return select(cast(ME, String()).label("payee_id"))
    return select(payee_table.c.payee_id).where(false())


def payee_filter(column: ColumnElement[str], scope: Scope) -> ColumnElement[bool]:
    """A WHERE condition keeping rows whose payee ``column`` lies in ``scope`` (binds ``:me``, ``:day``)."""
    visible = visible_ids(scope)
    return true() if visible is None else column.in_(visible.scalar_subquery())


@cache
def _visible_payee(scope: Scope) -> Select[tuple[str]]:
    p = payee_table.c
    return select(p.payee_id).where(p.payee_id == PAYEE, payee_filter(p.payee_id, scope))


def can_see_payee(
    conn: Connection, principal: Principal, payee_id: str, day: dt.date, scope: Scope | None = None
) -> bool:
    """True when ``payee_id`` exists and lies inside ``scope`` (default: the principal's pay scope) on
    ``day``."""
    params = scope_params(principal, day, payee_id=payee_id)
    return conn.execute(_visible_payee(scope or principal.scope), params).first() is not None


def ensure_payee_visible(
    conn: Connection, principal: Principal, payee_id: str, day: dt.date, scope: Scope | None = None
) -> None:
    """Raise ``NOT_FOUND`` (never "forbidden") unless ``payee_id`` is in ``scope`` (default: the
    principal's pay scope)."""
    if not can_see_payee(conn, principal, payee_id, day, scope):
        raise not_found("payee", payee_id)


def ensure_pay_visible(conn: Connection, principal: Principal, payee_id: str, day: dt.date) -> None:
    """``FORBIDDEN`` for a role without pay (a planner); ``NOT_FOUND`` for a payee outside the scope."""
    require(principal, "pay.read")
    ensure_payee_visible(conn, principal, payee_id, day)


def pay_scope(
    conn: Connection, principal: Principal, payees: list[str] | None, day: dt.date
) -> list[str] | None:
    """The payees whose pay ``principal`` may read among ``payees`` (None = every payee).

    Finance and admin: ``payees`` as asked. A manager or rep: their scope on ``day`` (all of it when
    ``payees`` is None); a payee asked for outside it is ``NOT_FOUND``, like one that does not exist.
    A role without pay is ``FORBIDDEN``."""
    require(principal, "pay.read")
    visible = visible_ids(principal.scope)
    if visible is None:
        return payees
    ids = [str(row[0]) for row in conn.execute(visible, scope_params(principal, day))]
    if payees is None:
        return sorted(ids)
    outside = sorted(set(payees) - set(ids))
    if outside:
        raise not_found("payee", outside[0])
    return payees
