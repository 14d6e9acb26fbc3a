"""Administration pages: users and roles (create, change a role and payee link, reset password,
deactivate), the audit log, and every user's own API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from attain.api.deps import ContextDep, PrincipalDep, WindowDep
from attain.api.problems import status_of
from attain.core.entities import ROLES
from attain.core.errors import AttainError
from attain.services import access, auth, users
from attain.web.templating import add_flash, render

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form(max_length=256)]
Filter = Annotated[str, Query(max_length=200)]


def _users_page(request: Request, principal: access.Principal, url: str,
                error: AttainError | None = None, form: dict[str, str] | None = None) -> Response:
    listed = users.list_users(url, principal)
    values = {"users": listed, "roles": ROLES, "error": error, "form": form or {}}
    return render(request, "admin_users.html", values,
                  status_code=status_of(error.code) if error else 200)


@router.get("/admin/users")
def users_page(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    return _users_page(request, principal, context.url)


@router.post("/admin/users")
def create_user(request: Request, principal: PrincipalDep, context: ContextDep, username: Field,
                password: Field, role: Field, payee_id: Field = "") -> Response:
    new = users.NewUser(username.strip(), password, role, payee_id.strip() or None)
    try:
        users.create_user(context.url, principal, new)
    except AttainError as error:
        if error.code == access.FORBIDDEN:
            raise
        form = {"username": username, "role": role, "payee_id": payee_id}
        return _users_page(request, principal, context.url, error, form)
    add_flash(request, f"User {new.username} created.", "success")
    return RedirectResponse("/admin/users", status_code=303)


def _user_action(request: Request, principal: access.Principal, url: str, action: str,
                 user_id: int, password: str = "", role: str = "", payee_id: str = "") -> Response:
    try:
        if action == "password":
            users.reset_password(url, principal, user_id, password)
        elif action == "role":
            users.set_role(url, principal, user_id, role, payee_id.strip() or None)
        else:
            users.set_active(url, principal, user_id, active=action == "activate")
    except AttainError as error:
        if error.code in (access.FORBIDDEN, access.NOT_FOUND):
            raise
        return _users_page(request, principal, url, error)
    done = {"password": "Password reset; the account is unlocked.", "activate": "User reactivated.",
            "deactivate": "User deactivated.",
            "role": "Role and payee link saved; the user's open sessions have ended."}[action]
    add_flash(request, done, "success")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/password")
def reset_password(request: Request, user_id: int, principal: PrincipalDep, context: ContextDep,
                   password: Field) -> Response:
    return _user_action(request, principal, context.url, "password", user_id, password)


@router.post("/admin/users/{user_id}/role")
def change_role(request: Request, user_id: int, principal: PrincipalDep, context: ContextDep,
                role: Field, payee_id: Field = "") -> Response:
    """Give a user another role and payee link (audited; not one's own role, not the last admin)."""
    return _user_action(request, principal, context.url, "role", user_id, role=role, payee_id=payee_id)


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(request: Request, user_id: int, principal: PrincipalDep, context: ContextDep) -> Response:
    return _user_action(request, principal, context.url, "deactivate", user_id)


@router.post("/admin/users/{user_id}/activate")
def activate(request: Request, user_id: int, principal: PrincipalDep, context: ContextDep) -> Response:
    return _user_action(request, principal, context.url, "activate", user_id)


@router.get("/admin/audit")
def audit_page(request: Request, principal: PrincipalDep, context: ContextDep, page: WindowDep,
               actor: Filter = "", action: Filter = "", entity: Filter = "", key: Filter = "") -> Response:
    where = users.AuditFilter(actor or None, action or None, entity or None, key or None)
    found = users.list_audit(context.url, principal, where, page.limit, page.offset)
    values = {"page": found, "filters": {"actor": actor, "action": action, "entity": entity, "key": key}}
    return render(request, "admin_audit.html", values)


@router.get("/account/tokens")
def tokens_page(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    tokens = auth.list_tokens(context.url, principal)
    return render(request, "tokens.html", {"tokens": tokens, "new_token": None})


@router.post("/account/tokens")
def create_token(request: Request, principal: PrincipalDep, context: ContextDep,
                 name: Annotated[str, Form(min_length=1, max_length=100)]) -> Response:
    _, token = auth.create_token(context.url, principal, name)
    tokens = auth.list_tokens(context.url, principal)
    return render(request, "tokens.html", {"tokens": tokens, "new_token": token}, status_code=201)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, principal: PrincipalDep, context: ContextDep) -> Response:
    auth.revoke_token(context.url, principal, token_id)
    add_flash(request, "Token revoked.", "success")
    return RedirectResponse("/account/tokens", status_code=303)
