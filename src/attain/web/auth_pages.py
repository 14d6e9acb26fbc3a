"""Sign in (password, or OpenID Connect when configured), sign out, and the home page that routes
each role to what it needs first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from attain.api.deps import ContextDep, PrincipalDep, resolve_principal, today
from attain.api.problems import status_of
from attain.api.sessions import get_session
from attain.core.errors import AttainError
from attain.services import access, auth, oidc, oidc_users
from attain.store.db import reading
from attain.web.templating import add_flash, render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only local paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


PENDING_KEY = "oidc"
"""Where a started OpenID sign-in waits in the session for the provider's answer."""


def _login_page(request: Request, next_path: str, error: AttainError | None = None,
                username: str = "") -> Response:
    config = oidc.OidcConfig.from_settings(request.app.state.attain.settings)
    values = {"next": next_path, "error": error, "username": username,
              "provider": config.display_name if config else None}
    status = status_of(error.code) if error else 200
    return render(request, "login.html", values, status_code=status)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    if resolve_principal(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next))


def _oidc_off(request: Request) -> Response:
    error = AttainError("Sign-in with an identity provider is not set up here.", code=oidc.OIDC_OFF)
    return _login_page(request, "/", error)


@router.get("/login/oidc")
def oidc_start(request: Request, context: ContextDep, next: str | None = None) -> Response:
    """Send the browser to the identity provider (state, nonce and PKCE verifier kept in the session)."""
    config = oidc.OidcConfig.from_settings(context.settings)
    if config is None:
        return _oidc_off(request)
    redirect_uri = config.redirect_url or str(request.url_for("oidc_callback"))
    try:
        target, pending = oidc.begin(config, redirect_uri, safe_next(next))
    except AttainError as error:
        return _login_page(request, safe_next(next), error)
    session = get_session(request)
    session[PENDING_KEY] = pending.as_dict()
    session.dirty = True
    return RedirectResponse(target, status_code=303)


@router.get("/login/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request, context: ContextDep) -> Response:
    """The provider's answer: verified, matched to an Attain user, then a fresh session."""
    config = oidc.OidcConfig.from_settings(context.settings)
    if config is None:
        return _oidc_off(request)
    session = get_session(request)
    pending = oidc.PendingSignIn.from_dict(session.pop(PENDING_KEY, None))
    session.dirty = True
    params = {key: value[:4000] for key, value in request.query_params.items()}
    try:
        principal = oidc_users.complete_sign_in(context.url, config, pending, params)
    except AttainError as error:
        return _login_page(request, pending.next if pending else "/", error)
    stamp = auth.current_stamp(context.url, context.secret_key, principal.user_id)
    session.sign_in(principal.user_id, stamp)
    return RedirectResponse(safe_next(pending.next if pending else "/"), status_code=303)


@router.post("/login")
def login(request: Request, context: ContextDep, username: Annotated[str, Form(max_length=100)],
          password: Annotated[str, Form(max_length=256)],
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    try:
        principal = auth.authenticate(context.url, username, password)
    except AttainError as error:
        return _login_page(request, safe_next(next), error, username)
    stamp = auth.current_stamp(context.url, context.secret_key, principal.user_id)
    get_session(request).sign_in(principal.user_id, stamp)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, context: ContextDep) -> Response:
    principal = resolve_principal(request)
    session = get_session(request)
    if principal is not None:
        auth.record_logout(context.url, principal, session.session_id)
    session.sign_out()
    add_flash(request, "You are signed out.")
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(request: Request, principal: PrincipalDep, context: ContextDep) -> Response:
    """Admins and finance land on an overview; managers on their team; reps on their own results;
    planners on the quota versions and territory designs they work on (and the payee directory)."""
    day = today()
    if principal.role == "rep" and principal.payee_id:
        from attain.web.pay_pages import rep_page

        return rep_page(request, principal, context.url, principal.payee_id)
    values: dict[str, object] = {}
    if principal.role == "planner":
        from attain.services.planning import planning_desk

        values["desk"] = planning_desk(context.url, principal)
    with reading(context.url) as conn:
        values["team"] = access.list_payees(conn, principal, day, "", access.DEFAULT_LIMIT, 0,
                                            directory=principal.role == "planner")
    return render(request, "home.html", values)
