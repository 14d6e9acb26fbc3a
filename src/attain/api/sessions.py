"""Signed session cookies: who is signed in and the session's CSRF token, tamper-proof and HttpOnly.

The cookie holds a small JSON document signed (HMAC) with the settings' secret key by itsdangerous;
it is never trusted unless the signature and its age (``max_age``) check out. It is HttpOnly,
SameSite=Lax, and Secure whenever the request came over https. Signing in replaces the whole
session (new session id and CSRF token), so a session planted before sign-in is worthless (no
fixation). Signing out records the session id as ended on the server (``auth.record_logout``), so
a copy of the cookie taken before sign-out no longer works either.
"""

from __future__ import annotations

import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE_NAME = "attain_session"
SESSION_MAX_AGE = 8 * 3600
"""Seconds a session stays valid after sign-in (a working day)."""
SCOPE_KEY = "attain.session"


class Session(dict[str, Any]):
    """The session of one request; remembers whether it must be written back to the cookie."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        super().__init__(data or {})
        self.dirty = False
        self.cleared = False

    @property
    def csrf_token(self) -> str:
        """The session's CSRF token, created on first use."""
        token = self.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            self["csrf"] = token
            self.dirty = True
        return token

    @property
    def user_id(self) -> int | None:
        value = self.get("uid")
        return value if isinstance(value, int) else None

    @property
    def session_id(self) -> str | None:
        """The random id of a signed-in session (its end is recorded server-side at sign-out)."""
        value = self.get("sid")
        return value if isinstance(value, str) else None

    def sign_in(self, user_id: int, stamp: str) -> None:
        """Start a fresh session for ``user_id``: new session id and CSRF token (no session fixation)."""
        self.clear()
        self.update(uid=user_id, stamp=stamp, sid=secrets.token_urlsafe(24), csrf=secrets.token_urlsafe(32))
        self.dirty = True

    def sign_out(self) -> None:
        """Forget everything; the cookie is deleted."""
        self.clear()
        self.cleared = True
        self.dirty = True


def get_session(conn: HTTPConnection) -> Session:
    """The session of this request (the middleware always installs one)."""
    session = conn.scope.get(SCOPE_KEY)
    if not isinstance(session, Session):
        raise RuntimeError("SessionMiddleware is not installed")
    return session


class SessionMiddleware:
    """Reads the signed cookie into ``scope['attain.session']`` and writes it back when changed."""

    def __init__(self, app: ASGIApp, secret_key: str, max_age: int = SESSION_MAX_AGE) -> None:
        self.app = app
        self.max_age = max_age
        self.serializer = URLSafeTimedSerializer(secret_key, salt="attain.session")

    def load(self, cookie: str | None) -> Session:
        if not cookie:
            return Session()
        try:
            data = self.serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return Session()
        return Session(data) if isinstance(data, dict) else Session()

    def cookie_header(self, session: Session, secure: bool) -> str:
        flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        if session.cleared and not session:
            return f"{COOKIE_NAME}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT{flags}"
        value = self.serializer.dumps(dict(session))
        return f"{COOKIE_NAME}={value}; Max-Age={self.max_age}{flags}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self.load(HTTPConnection(scope).cookies.get(COOKIE_NAME))
        scope[SCOPE_KEY] = session
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.dirty:
                MutableHeaders(scope=message).append("Set-Cookie", self.cookie_header(session, secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
