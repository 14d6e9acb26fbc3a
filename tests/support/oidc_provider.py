"""A small, real OpenID Connect provider for the tests: discovery, authorize, token, JWKS, userinfo.

It runs under uvicorn on a loopback port in a background thread (``running_provider``), signs ID
tokens with an RS256 key generated at start, and checks what a strict provider checks: registered
client and redirect URI, client secret, one-time codes bound to their redirect URI, PKCE (S256).

The sign-in page is a plain form ("Account" + "Continue" / "Cancel"), so a browser can use it;
``authorize`` (a POST of that form) lets httpx tests skip the page. ``misbehave`` makes the next
tokens wrong in one chosen way, to prove the relying party refuses them:

``wrong_audience``, ``expired``, ``wrong_nonce``, ``no_nonce``, ``wrong_issuer``, ``tampered``
(payload changed after signing), ``foreign_key`` (signed by a key not in the JWKS, same kid),
``alg_none`` (unsigned), ``unverified_email``, ``thin_id_token`` (e-mail and names only in
userinfo), ``userinfo_other_sub`` (userinfo about another subject).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "attain-tests"
CLIENT_SECRET = "s3cret-of-the-attain-test-client"
MISBEHAVIOURS = frozenset(
    {
        "wrong_audience",
        "expired",
        "wrong_nonce",
        "no_nonce",
        "wrong_issuer",
        "tampered",
        "foreign_key",
        "alg_none",
        "unverified_email",
    }
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())


@dataclass
class Grant:
    """An authorization code waiting to be exchanged."""

    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    account: str
    issued: float


@dataclass
class TestProvider:
    """The provider's state: keys, registered client, accounts, outstanding codes and tokens."""

    __test__ = False  # not a pytest test class

    issuer: str = ""
    redirect_uris: set[str] = field(default_factory=set)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    misbehave: set[str] = field(default_factory=set)
    codes: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    )

    def add_account(self, name: str, **claims: Any) -> None:
        """An account the provider vouches for (claims of its ID token besides iss/aud/exp...)."""
        self.accounts[name] = {
            "sub": f"sub-{name}",
            "preferred_username": name,
            "email": f"{name}@example.com",
            "email_verified": True,
            "name": name.title(),
            **claims,
        }

    # -- endpoints ---------------------------------------------------------------------------

    def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def _refusal(self, params: dict[str, str]) -> str | None:
        if params.get("client_id") != CLIENT_ID:
            return "unknown client"
        if params.get("redirect_uri") not in self.redirect_uris:
            return f"redirect_uri {params.get('redirect_uri')!r} is not registered"
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return "only the OpenID authorization code flow is served"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE with S256 is required"
        return None

    async def authorize_page(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.requests.append({"endpoint": "authorize", **params})
        refusal = self._refusal(params)
        if refusal:
            return HTMLResponse(f"<p>{html.escape(refusal)}</p>", status_code=400)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head>'
            '<body><h1>Test identity provider</h1><form method="post" action="/authorize">'
            f'{hidden}<label for="account">Account</label> <input id="account" name="account">'
            '<button type="submit" name="decision" value="allow">Continue</button>'
            '<button type="submit" name="decision" value="deny">Cancel</button></form></body></html>'
        )

    async def authorize(self, request: Request) -> Response:
        params = {k: str(v) for k, v in (await request.form()).items()}
        refusal = self._refusal(params)
        if refusal:
            return HTMLResponse(f"<p>{html.escape(refusal)}</p>", status_code=400)
        back = {"state": params["state"]} if "state" in params else {}
        if params.get("decision") == "deny" or params.get("account") not in self.accounts:
            back.update(error="access_denied", error_description="The user cancelled or is unknown here.")
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = Grant(
                CLIENT_ID,
                params["redirect_uri"],
                params["code_challenge"],
                params.get("nonce"),
                params["account"],
                time.time(),
            )
            back["code"] = code
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(back)}", status_code=302)

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            who, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            who, secret = form.get("client_id", ""), form.get("client_secret", "")
        return who == CLIENT_ID and secrets.compare_digest(secret, CLIENT_SECRET)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.requests.append({"endpoint": "token", **form})
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(form.get("code", ""), None)  # one use only
        if grant is None or time.time() - grant.issued > 60 or form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if s256(form.get("code_verifier", "")) != grant.challenge:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "PKCE failed"}, status_code=400
            )
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant.account
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant, access_token),
            }
        )

    def id_token(self, grant: Grant, access_token: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            **self.accounts[grant.account],
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "at_hash": _b64(hashlib.sha256(access_token.encode()).digest()[:16]),
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        bad = self.misbehave
        if "wrong_audience" in bad:
            claims["aud"] = "some-other-client"
        if "expired" in bad:
            claims["iat"], claims["exp"] = now - 900, now - 600
        if "wrong_nonce" in bad:
            claims["nonce"] = "a-nonce-from-another-sign-in"
        if "no_nonce" in bad:
            claims.pop("nonce", None)
        if "wrong_issuer" in bad:
            claims["iss"] = "https://impostor.example"
        if "unverified_email" in bad:
            claims["email_verified"] = False
        if "thin_id_token" in bad:  # identity claims only from userinfo, as some providers do
            claims = {
                k: v
                for k, v in claims.items()
                if k not in ("email", "email_verified", "name", "preferred_username")
            }
        return self._sign(claims)

    def _sign(self, claims: dict[str, Any]) -> str:
        bad = self.misbehave
        if "alg_none" in bad:
            header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{header}.{_b64(json.dumps(claims).encode())}."
        key = self.key
        if "foreign_key" in bad:
            key = RSAKey.generate_key(2048, parameters={"kid": str(self.key.kid), "use": "sig"})
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        if "tampered" in bad:
            header, _, signature = token.split(".")
            forged = _b64(
                json.dumps({**claims, "email": "admin@example.com", "preferred_username": "admin"}).encode()
            )
            token = f"{header}.{forged}.{signature}"
        return token

    def userinfo(self, request: Request) -> Response:
        self.requests.append({"endpoint": "userinfo"})
        account = self.access_tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if account is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        info = dict(self.accounts[account])
        if "userinfo_other_sub" in self.misbehave:
            info["sub"] = "sub-someone-else"
        return JSONResponse(info)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize_page, methods=["GET"]),
                Route("/authorize", self.authorize, methods=["POST"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/userinfo", self.userinfo),
                Route("/favicon.ico", lambda request: Response(status_code=204)),
            ]
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_provider() -> Iterator[TestProvider]:
    """A ``TestProvider`` served by uvicorn on a free loopback port until the block ends."""
    provider = TestProvider()
    port = _free_port()
    provider.issuer = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-oidc-provider", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test OpenID provider did not start")
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
