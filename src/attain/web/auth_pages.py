"""Sign in, sign out, and the home page that routes each role to what it needs first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from attain.api.deps import ContextDep, PrincipalDep, resolve_principal, today
from attain.api.problems import status_of
from attain.api.sessions import get_session
from attain.core.errors import AttainError
from attain.services import access, auth
from attain.store.db import reading
from attain.web.templating import add_flash, render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only local paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    if resolve_principal(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "error": None, "username": ""})


@router.post("/login")
def login(request: Request, context: ContextDep, username: Annotated[str, Form(max_length=100)],
          password: Annotated[str, Form(max_length=256)],
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    try:
        principal = auth.authenticate(context.url, username, password)
    except AttainError as error:
        values = {"next": safe_next(next), "error": error, "username": username}
        return render(request, "login.html", values, status_code=status_of(error.code))
    stamp = auth.current_stamp(context.url, context.secret_key, principal.user_id)
    get_session(request).sign_in(principal.user_id, stamp)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, context: ContextDep) -> Response:
    principal = resolve_principal(request)
    if principal is not None:
        auth.record_logout(context.url, principal)
    get_session(request).sign_out()
    add_flash(request, "You are signed out.")
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    """Admins and finance land on an overview; managers on their team; reps on their own results."""
    day = today()
    if principal.role == "rep" and principal.payee_id:
        from attain.web.pay_pages import rep_page

        return rep_page(request, principal, context.url, principal.payee_id)
    with reading(context.url) as conn:
        team = access.list_payees(conn, principal, day, "", access.DEFAULT_LIMIT, 0)
    return render(request, "home.html", {"team": team})
