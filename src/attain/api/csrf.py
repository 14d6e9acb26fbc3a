"""CSRF protection: every state-changing request made with the session cookie must carry its token.

The token lives in the signed session (see ``sessions``). A browser form sends it as the hidden
field ``csrf_token``; a script sends it in the ``X-CSRF-Token`` header. Requests that authenticate
with an ``Authorization`` header (API tokens) carry no ambient credential a foreign site could
borrow, so they are exempt — and for them the session cookie is ignored entirely (see ``deps``).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from attain.api.sessions import SCOPE_KEY, Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
MAX_BODY_BYTES = 20 * 1024 * 1024
"""Largest body read to look for the form token (bigger uploads must send the header)."""

Rejection = Callable[[Request, int, str, str], Awaitable[Response]]
"""Renders a refusal: (request, HTTP status, error code, detail) -> response."""


class CsrfMiddleware:
    """Refuses unsafe requests whose CSRF token is missing or differs from the session's."""

    def __init__(self, app: ASGIApp, reject: Rejection) -> None:
        self.app = app
        self.reject = reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if "authorization" in headers:
            await self.app(scope, receive, send)
            return
        session = scope.get(SCOPE_KEY)
        expected = session.get("csrf") if isinstance(session, Session) else None
        provided = headers.get(HEADER)
        body: bytes | None = None
        if provided is None and _is_form(headers):
            declared = int(headers.get("content-length") or 0)
            if declared > MAX_BODY_BYTES:
                await self._refuse(scope, send, 413, "AUTH011", "The request body is too large.")
                return
            body = await _read_body(receive, MAX_BODY_BYTES)
            if body is None:
                await self._refuse(scope, send, 413, "AUTH011", "The request body is too large.")
                return
            provided = await _form_token(scope, headers, body)
        if not isinstance(expected, str) or not provided or not hmac.compare_digest(expected, provided):
            detail = "The form expired or did not come from Attain: reload the page and try again."
            await self._refuse(scope, send, 403, "AUTH005", detail)
            return
        await self.app(scope, _replay(body, receive) if body is not None else receive, send)

    async def _refuse(self, scope: Scope, send: Send, status: int, code: str, detail: str) -> None:
        request = Request(scope, _replay(b"", None))
        response = await self.reject(request, status, code, detail)
        await response(scope, _replay(b"", None), send)


def _is_form(headers: Headers) -> bool:
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in {"application/x-www-form-urlencoded", "multipart/form-data"}


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _form_token(scope: Scope, headers: Headers, body: bytes) -> str | None:
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FORM_FIELD)
        return values[0] if values else None
    form = await Request(scope, _replay(body, None)).form()
    try:
        value = form.get(FORM_FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


def _replay(body: bytes | None, then: Receive | None) -> Receive:
    """A ``receive`` that hands the already-read body to the application once, then defers to ``then``."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await then() if then is not None else {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body or b"", "more_body": False}

    return receive
