"""The navigation: which screens exist, who sees them, and where later screens plug in.

A screen is one ``Screen`` in ``SCREENS`` plus a router included by ``attain.web.routes``. Screens
that later work fills are listed in ``PLANNED`` with the roles they will need; they are *not* shown
until a router serves them — the nav never links to a page that does not exist, and no page shows
numbers that were not calculated.
"""

from __future__ import annotations

from dataclasses import dataclass

from attain.core.entities import ROLES
from attain.services.access import Principal


@dataclass(frozen=True, slots=True)
class Screen:
    """One entry of the main navigation."""

    key: str
    label: str
    path: str
    roles: frozenset[str]


EVERYONE = frozenset(ROLES)
WITH_PAY = EVERYONE - {"planner"}
"""Roles that see pay (their own, their team's, or everyone's); a planner sees none."""

SCREENS: list[Screen] = [
    Screen("home", "Home", "/", EVERYONE),
    Screen("team", "Team", "/team", frozenset({"admin", "finance", "manager"})),
    Screen("dashboards", "Dashboards", "/dashboards", WITH_PAY),
    Screen("estimate", "Estimator", "/estimate", frozenset({"manager", "rep"})),
    Screen("payees", "Payees", "/payees", frozenset({"admin", "finance", "manager", "planner"})),
    Screen("transactions", "Transactions", "/transactions", WITH_PAY),
    Screen("imports", "Imports", "/admin/imports", frozenset({"admin"})),
    Screen("plans", "Plans", "/admin/plans", frozenset({"admin", "finance"})),
    Screen("runs", "Runs", "/admin/runs", frozenset({"admin", "finance"})),
    Screen("adjustments", "Adjustments", "/desk/adjustments", frozenset({"admin", "finance"})),
    Screen("disputes", "Disputes", "/desk/disputes", frozenset({"admin", "finance"})),
    Screen("my-disputes", "My disputes", "/my/disputes", frozenset({"manager", "rep"})),
    Screen("tokens", "API tokens", "/account/tokens", EVERYONE),
    Screen("users", "Users & roles", "/admin/users", frozenset({"admin"})),
    Screen("audit", "Audit log", "/admin/audit", frozenset({"admin"})),
]
"""The screens served today, in menu order."""

PLANNED: dict[str, frozenset[str]] = {}
"""Screens that later issues add (key -> roles): register them with ``add_screen``."""


def add_screen(screen: Screen, after: str | None = None) -> None:
    """Add a screen to the navigation (once its router is included in the app)."""
    if any(existing.key == screen.key for existing in SCREENS):
        return
    keys = [existing.key for existing in SCREENS]
    index = keys.index(after) + 1 if after in keys else len(SCREENS)
    SCREENS.insert(index, screen)


def nav_for(principal: Principal | None) -> list[Screen]:
    """The screens this principal's role may open."""
    if principal is None:
        return []
    return [screen for screen in SCREENS if principal.role in screen.roles]
