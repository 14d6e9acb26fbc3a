"""Administration (admin role only): users and roles, password resets, deactivation, the audit log;
and plan documents, which every role reads as far as ``attain.services.plans`` allows (admin and
finance every version, a rep their own plan's published versions, a manager also their team's)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from attain.api.deps import ContextDep, PrincipalDep, WindowDep
from attain.api.schemas import AuditPage, PasswordReset, User, UserCreate
from attain.services import plans, users

router = APIRouter(tags=["admin"])


class RoleChange(BaseModel):
    """A user's new role and payee link (managers and reps must be linked to an existing payee)."""

    role: str = Field(max_length=20, description="admin, finance, manager, rep or planner")
    payee_id: str | None = Field(None, max_length=100, description="the payee the account is (empty: none)")


@router.get("/users", response_model=list[User])
def list_users(principal: PrincipalDep, context: ContextDep) -> object:
    """Every user with role, linked payee, and lockout state."""
    return users.list_users(context.url, principal)


@router.post("/users", response_model=User, status_code=201)
def create_user(body: UserCreate, principal: PrincipalDep, context: ContextDep) -> object:
    """Create a user (managers and reps must be linked to a payee)."""
    new = users.NewUser(body.username, body.password, body.role, body.payee_id)
    return users.create_user(context.url, principal, new)


@router.get("/users/{user_id}", response_model=User)
def get_user(user_id: int, principal: PrincipalDep, context: ContextDep) -> object:
    return users.get_user(context.url, principal, user_id)


@router.post("/users/{user_id}/password", response_model=User)
def reset_password(user_id: int, body: PasswordReset, principal: PrincipalDep, context: ContextDep) -> object:
    """Set a new password; clears a lockout and ends the user's open sessions."""
    users.reset_password(context.url, principal, user_id, body.password)
    return users.get_user(context.url, principal, user_id)


@router.post("/users/{user_id}/role", response_model=User)
def change_role(user_id: int, body: RoleChange, principal: PrincipalDep, context: ContextDep) -> object:
    """Give a user another role and payee link; audited, and the user's open sessions end.

    Refused: your own role (AUTH012), the admin role of the last active admin (AUTH012), an unknown
    role (AUTH013), a manager or rep without an existing payee (AUTH014), an unknown user (AUTH007).
    """
    users.set_role(context.url, principal, user_id, body.role, (body.payee_id or "").strip() or None)
    return users.get_user(context.url, principal, user_id)


@router.post("/users/{user_id}/deactivate", response_model=User)
def deactivate(user_id: int, principal: PrincipalDep, context: ContextDep) -> object:
    """Stop the user signing in; their sessions and tokens stop working at once."""
    users.set_active(context.url, principal, user_id, active=False)
    return users.get_user(context.url, principal, user_id)


@router.post("/users/{user_id}/activate", response_model=User)
def activate(user_id: int, principal: PrincipalDep, context: ContextDep) -> object:
    users.set_active(context.url, principal, user_id, active=True)
    return users.get_user(context.url, principal, user_id)


@router.get("/audit", response_model=AuditPage)
def audit_log(principal: PrincipalDep, context: ContextDep, page: WindowDep,
              actor: Annotated[str | None, Query(max_length=200)] = None,
              action: Annotated[str | None, Query(max_length=100)] = None,
              entity: Annotated[str | None, Query(max_length=100)] = None,
              key: Annotated[str | None, Query(max_length=200)] = None) -> object:
    """The audit log, newest first: who changed what, when, before and after."""
    where = users.AuditFilter(actor, action, entity, key)
    return users.list_audit(context.url, principal, where, page.limit, page.offset)


class PlanVersionSummary(BaseModel):
    """A stored plan version without its document."""

    plan_id: str
    version: int
    status: str
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    sha256: str
    published_by: str | None = None
    published_at: dt.datetime | None = None


class PlanVersionDocument(PlanVersionSummary):
    """A stored plan version with its YAML document, exactly as published."""

    document: str


@router.get("/plans", response_model=list[PlanVersionSummary], tags=["plans"])
def list_plans(principal: PrincipalDep, context: ContextDep,
               plan_id: Annotated[str | None, Query(max_length=100)] = None) -> object:
    """The plan versions you may read: every one for admin and finance; for a rep, the published
    versions of the plans they are on; for a manager, also those of their team (as of today)."""
    return plans.list_plan_versions(context.url, principal, plan_id)


@router.get("/plans/{plan_id}/versions/{version}", response_model=PlanVersionDocument, tags=["plans"])
def plan_document(plan_id: str, version: int, principal: PrincipalDep, context: ContextDep) -> object:
    """One plan version's document; a version you may not read is 404 AUTH007, like a missing one."""
    return plans.stored_document(context.url, principal, plan_id, version)
