"""Request dependencies shared by the API and the web pages: the app context and the principal.

A request is authenticated either by an ``Authorization: Bearer <token>`` header (API tokens; the
session cookie is then ignored, which is why such requests need no CSRF token) or by the signed
session cookie. The principal is resolved once per request and cached on ``request.state``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from attain.api.sessions import get_session
from attain.core.errors import AttainError
from attain.services import auth
from attain.services.access import BAD_TOKEN, DEFAULT_LIMIT, MAX_LIMIT, SIGN_IN_REQUIRED, Principal
from attain.settings import Settings


@dataclass(frozen=True, slots=True)
class AppContext:
    """What every request needs from the app: the settings and the database URL."""

    settings: Settings

    @property
    def url(self) -> str:
        return self.settings.database_url

    @property
    def secret_key(self) -> str:
        return self.settings.secret_key


def get_context(request: Request) -> AppContext:
    context = request.app.state.attain
    if not isinstance(context, AppContext):
        raise RuntimeError("the app was not built by attain.api.app.create_app")
    return context


async def context_dependency(request: Request) -> AppContext:
    """``get_context`` as a dependency. It is ``async`` because it only reads ``app.state``: FastAPI runs a
    plain ``def`` dependency on the thread pool, and that hop (a thread wake-up and a GIL hand-over) cost
    more than the lookup, on every request of every route."""
    return get_context(request)


def today() -> dt.date:
    """The day scoped reads are evaluated on (the reporting hierarchy as of today)."""
    return dt.date.today()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AttainError("Use 'Authorization: Bearer <API token>'.", code=BAD_TOKEN)
    return token.strip()


def resolve_principal(request: Request) -> Principal | None:
    """The principal of this request, or None when nobody is signed in (bad tokens raise)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    context = get_context(request)
    token = _bearer(request)
    principal: Principal | None
    if token is not None:
        principal = auth.principal_for_token(context.url, token)
    else:
        principal = _session_principal(request, context)
    request.state.principal = principal
    return principal


def _session_principal(request: Request, context: AppContext) -> Principal | None:
    session = get_session(request)
    user_id, stamp, session_id = session.user_id, session.get("stamp"), session.session_id
    if user_id is None or not isinstance(stamp, str) or session_id is None:
        if user_id is not None:
            session.sign_out()
        return None
    principal = auth.principal_for_session(context.url, context.secret_key, user_id, stamp, session_id)
    if principal is None:
        session.sign_out()
    return principal


def current_principal(request: Request) -> Principal:
    """The signed-in principal; ``SIGN_IN_REQUIRED`` when there is none."""
    principal = resolve_principal(request)
    if principal is None:
        raise AttainError("Sign in to continue.", code=SIGN_IN_REQUIRED)
    return principal


@dataclass(frozen=True, slots=True)
class Window:
    """Pagination of a list: at most ``limit`` rows starting at ``offset``."""

    limit: int
    offset: int


LIMIT_DOC = f"rows per page (max {MAX_LIMIT})"


async def window(  # async: pure arithmetic, no thread-pool hop (see ``context_dependency``)
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=LIMIT_DOC)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="rows to skip")] = 0,
) -> Window:
    return Window(limit, offset)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
ContextDep = Annotated[AppContext, Depends(context_dependency)]
WindowDep = Annotated[Window, Depends(window)]
