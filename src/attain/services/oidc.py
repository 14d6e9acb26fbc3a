"""OpenID Connect sign-in: discovery, the authorization code flow with PKCE, and ID-token checks.

The flow, as the web pages drive it:

1. ``begin`` reads the provider's discovery document and returns the authorization URL plus a
   ``PendingSignIn`` (state, nonce, PKCE code verifier) that the caller keeps in the signed session;
2. the provider sends the browser back with ``code`` and ``state``; ``finish`` checks the state,
   exchanges the code (with the code verifier) at the token endpoint, verifies the ID token's
   signature against the provider's JWKS and its claims (``iss``, ``aud``, ``exp``, ``iat``,
   ``nonce``, ``azp``, ``at_hash``), reads userinfo when the ID token lacks the matching claim,
   then finds the Attain user (``attain.services.oidc_users``).

Authlib's OAuth2 client builds the authorization request and exchanges the code; the JOSE work is
done by joserfc (the JOSE library Authlib itself uses). Only asymmetric signatures are accepted
(never ``none`` or a shared secret). Discovery and keys are cached per issuer for an hour; an
unknown key id re-reads the key set once (key rotation).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
from authlib.common.encoding import to_unicode
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from attain.core.errors import AttainError, register
from attain.settings import Settings

OIDC_UNAVAILABLE = register(
    "AUTH017", "the OpenID provider could not be reached, or its discovery document or keys are invalid")
OIDC_REJECTED = register(
    "AUTH018", "the OpenID sign-in answer was refused: its state, nonce, signature, issuer, audience "
               "or expiry did not check out")
OIDC_NO_USER = register(
    "AUTH019", "the identity the OpenID provider vouched for matches no active Attain user")
OIDC_DENIED = register("AUTH020", "the OpenID provider refused or cancelled the sign-in")
OIDC_OFF = register("AUTH021", "OpenID Connect sign-in is not configured on this server")

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
"""Signature algorithms accepted on ID tokens (asymmetric only)."""
CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60
"""Clock skew tolerated on ``exp``, ``iat`` and ``nbf``."""
PENDING_SECONDS = 600
"""How long a started sign-in may take at the provider before its state is refused."""
TIMEOUT_SECONDS = 10.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """The provider Attain trusts and how an identity maps to an Attain user."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    user_claim: str = "email"
    create_users: bool = False
    provider_name: str = ""
    redirect_url: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """The configuration from ``ATTAIN_OIDC_*``, or None when OIDC sign-in is off."""
        if not settings.oidc_enabled:
            return None
        return cls(settings.oidc_issuer.rstrip("/"), settings.oidc_client_id, settings.oidc_client_secret,
                   settings.oidc_scopes, settings.oidc_user_claim, settings.oidc_create_users,
                   settings.oidc_provider_name, settings.oidc_redirect_url)

    @property
    def display_name(self) -> str:
        """What the sign-in button calls the provider."""
        return self.provider_name or urlparse(self.issuer).hostname or self.issuer

    @property
    def scope(self) -> str:
        words = self.scopes.split()
        return " ".join(words if "openid" in words else ["openid", *words])


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What a started sign-in must match when the provider answers (kept in the signed session)."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next: str
    started: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> PendingSignIn | None:
        """The pending sign-in stored in a session, or None when there is none (or it is malformed)."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(**{name: data[name] for name in cls.__dataclass_fields__})
        except (KeyError, TypeError):
            return None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says signed in: the verified ID-token claims (plus userinfo when fetched)."""

    issuer: str
    subject: str
    claims: dict[str, Any]


# -- provider metadata and keys -------------------------------------------------------------------

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget cached discovery documents and key sets (tests; after a provider reconfiguration)."""
    with _cache_lock:
        _cache.clear()


def _get_json(url: str) -> dict[str, Any]:
    try:
        answer = httpx.get(url, timeout=TIMEOUT_SECONDS, follow_redirects=False)
        answer.raise_for_status()
        document = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise AttainError(f"The sign-in provider did not answer properly at {url}: {exc}",
                          code=OIDC_UNAVAILABLE) from exc
    if not isinstance(document, dict):
        raise AttainError(f"The sign-in provider sent no JSON object at {url}.", code=OIDC_UNAVAILABLE)
    return document


def _cached(key: str, load: Any, force: bool = False) -> Any:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and not force and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = load()
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def _check_transport(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS):
        raise AttainError(f"The sign-in provider address {url} must use https.", code=OIDC_UNAVAILABLE)


def metadata(config: OidcConfig) -> dict[str, Any]:
    """The provider's discovery document, checked: same issuer, the endpoints the flow needs."""
    _check_transport(config.issuer)

    def load() -> dict[str, Any]:
        document = _get_json(f"{config.issuer}/.well-known/openid-configuration")
        if str(document.get("issuer", "")).rstrip("/") != config.issuer:
            raise AttainError(f"The discovery document names issuer {document.get('issuer')!r}, "
                              f"not {config.issuer!r}.", code=OIDC_UNAVAILABLE)
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(name), str):
                raise AttainError(f"The discovery document has no {name}.", code=OIDC_UNAVAILABLE)
            _check_transport(document[name])
        return document

    result: dict[str, Any] = _cached(f"meta|{config.issuer}", load)
    return result


def key_set(config: OidcConfig, force: bool = False) -> KeySet:
    """The provider's public signing keys (JWKS)."""
    uri = metadata(config)["jwks_uri"]

    def load() -> KeySet:
        try:
            return KeySet.import_key_set(_get_json(uri))  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise AttainError(f"The provider's key set at {uri} is invalid: {exc}",
                              code=OIDC_UNAVAILABLE) from exc

    result: KeySet = _cached(f"jwks|{uri}", load, force)
    return result


# -- the flow ----------------------------------------------------------------------------------------


def _client(config: OidcConfig, redirect_uri: str) -> OAuth2Client:
    methods = metadata(config).get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Client(client_id=config.client_id, client_secret=config.client_secret,
                        token_endpoint_auth_method=auth_method, scope=config.scope,
                        redirect_uri=redirect_uri, code_challenge_method="S256",
                        timeout=TIMEOUT_SECONDS)


def begin(config: OidcConfig, redirect_uri: str, next_path: str) -> tuple[str, PendingSignIn]:
    """Start a sign-in: the provider URL to send the browser to, and what its answer must match."""
    pending = PendingSignIn(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                            code_verifier=generate_token(64), redirect_uri=redirect_uri,
                            next=next_path, started=int(time.time()))
    with _client(config, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata(config)["authorization_endpoint"], state=pending.state,
            code_verifier=pending.code_verifier, nonce=pending.nonce)
    return str(url), pending


def check_answer(pending: PendingSignIn | None, params: Mapping[str, str], now: float | None = None) -> str:
    """The authorization code of the provider's answer, after checking it belongs to ``pending``."""
    if pending is None:
        raise AttainError("No sign-in was started in this browser (or it was already used): start again.",
                          code=OIDC_REJECTED)
    if not secrets.compare_digest(params.get("state") or "", pending.state):
        raise AttainError("The sign-in answer does not belong to this browser's sign-in (state mismatch).",
                          code=OIDC_REJECTED)
    if (now or time.time()) - pending.started > PENDING_SECONDS:
        raise AttainError("The sign-in took too long at the provider: start again.", code=OIDC_REJECTED)
    if params.get("error"):
        reason = params.get("error_description") or params["error"]
        raise AttainError(f"The sign-in provider refused: {reason}", code=OIDC_DENIED)
    code = params.get("code")
    if not code:
        raise AttainError("The sign-in answer carries no authorization code.", code=OIDC_REJECTED)
    return code


def exchange_code(config: OidcConfig, pending: PendingSignIn, code: str) -> dict[str, Any]:
    """Trade the authorization code (plus the PKCE verifier) for tokens at the token endpoint."""
    endpoint = metadata(config)["token_endpoint"]
    try:
        with _client(config, pending.redirect_uri) as client:
            token = client.fetch_token(endpoint, grant_type="authorization_code", code=code,
                                       redirect_uri=pending.redirect_uri,
                                       code_verifier=pending.code_verifier)
    except OAuthError as exc:
        raise AttainError(f"The sign-in provider refused the authorization code: {exc}",
                          code=OIDC_REJECTED) from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise AttainError(f"The sign-in provider's token endpoint failed: {exc}",
                          code=OIDC_UNAVAILABLE) from exc
    if not isinstance(token.get("id_token"), str):
        raise AttainError("The sign-in provider sent no ID token.", code=OIDC_REJECTED)
    return dict(token)


def _decode(config: OidcConfig, id_token: str) -> jwt.Token:
    offered = metadata(config).get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [name for name in offered if name in ALGORITHMS]
    try:
        try:
            return jwt.decode(id_token, key_set(config), algorithms=algorithms)
        except InvalidKeyIdError:  # the provider rotated its keys: read them again, once
            return jwt.decode(id_token, key_set(config, force=True), algorithms=algorithms)
    except JoseError as exc:
        raise AttainError(f"The ID token's signature does not verify ({exc.error}).",
                          code=OIDC_REJECTED) from exc
    except (ValueError, TypeError) as exc:
        raise AttainError(f"The ID token is malformed: {exc}", code=OIDC_REJECTED) from exc


def verify_id_token(config: OidcConfig, id_token: str, nonce: str, access_token: str | None = None,
                    now: int | None = None) -> Identity:
    """The identity in ``id_token`` once its signature and claims check out; ``OIDC_REJECTED`` otherwise."""
    token = _decode(config, id_token)
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        now=now, leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": config.issuer}, sub={"essential": True},
        aud={"essential": True, "value": config.client_id}, exp={"essential": True},
        iat={"essential": True}, nonce={"essential": True, "value": nonce})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise AttainError(f"The ID token was refused: {exc.description or exc.error}.",
                          code=OIDC_REJECTED) from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise AttainError("The ID token names several audiences but not Attain as its azp.",
                          code=OIDC_REJECTED)
    if access_token and "at_hash" in claims:
        expected = create_half_hash(access_token, token.header.get("alg", "RS256"))
        if expected is None or not secrets.compare_digest(to_unicode(expected), str(claims["at_hash"])):
            raise AttainError("The ID token's at_hash does not match the access token.", code=OIDC_REJECTED)
    return Identity(issuer=config.issuer, subject=str(claims["sub"]), claims=claims)


def with_userinfo(config: OidcConfig, identity: Identity, access_token: str | None) -> Identity:
    """Add the userinfo claims when the ID token lacks the matching claim (ID-token claims win).

    The userinfo answer must be about the same subject (OpenID Connect Core 5.3.2), else ``OIDC_REJECTED``.
    """
    endpoint = metadata(config).get("userinfo_endpoint")
    if config.user_claim in identity.claims or not access_token or not isinstance(endpoint, str):
        return identity
    _check_transport(endpoint)
    try:
        answer = httpx.get(endpoint, headers={"Authorization": f"Bearer {access_token}"},
                           timeout=TIMEOUT_SECONDS, follow_redirects=False)
        answer.raise_for_status()
        info = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise AttainError(f"The sign-in provider's userinfo endpoint failed: {exc}",
                          code=OIDC_UNAVAILABLE) from exc
    if not isinstance(info, dict) or info.get("sub") != identity.subject:
        raise AttainError("The provider's userinfo is about another subject than the ID token.",
                          code=OIDC_REJECTED)
    return Identity(identity.issuer, identity.subject, {**info, **identity.claims})


def identify(config: OidcConfig, pending: PendingSignIn | None, params: Mapping[str, str]) -> Identity:
    """Check the provider's answer, exchange its code and verify the ID token: who signed in."""
    code = check_answer(pending, params)
    assert pending is not None
    token = exchange_code(config, pending, code)
    identity = verify_id_token(config, token["id_token"], pending.nonce, token.get("access_token"))
    return with_userinfo(config, identity, token.get("access_token"))
