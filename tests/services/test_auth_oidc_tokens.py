"""ID-token checks one claim at a time (oidc.verify_id_token), with keys from the running test provider.

Each case signs a token with the provider's own key and changes one thing, so a refusal can only
come from that thing: several audiences without ``azp``, an ``at_hash`` of another access token,
a missing ``iat``, a shared-secret (HS256) signature, expiry inside and outside the 60 s leeway.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.jwk import OctKey

from attain.core.errors import AttainError
from attain.services import oidc
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, TestProvider, running_provider

NONCE = "n-0123456789"


@pytest.fixture(scope="module")
def provider() -> Iterator[TestProvider]:
    with running_provider() as started:
        yield started


@pytest.fixture
def config(provider: TestProvider) -> oidc.OidcConfig:
    oidc.clear_cache()
    return oidc.OidcConfig(issuer=provider.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def _claims(provider: TestProvider, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": provider.issuer,
        "sub": "sub-ray",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "email": "ray@example.com",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(provider: TestProvider, claims: dict[str, Any]) -> str:
    return jwt.encode({"alg": "RS256", "kid": provider.key.kid}, claims, provider.key)


def _refused(config: oidc.OidcConfig, token: str, access_token: str | None = None) -> str:
    with pytest.raises(AttainError) as refused:
        oidc.verify_id_token(config, token, NONCE, access_token)
    assert refused.value.code == "AUTH018"
    return str(refused.value)


def test_a_well_formed_token_names_its_subject(provider: TestProvider, config: oidc.OidcConfig) -> None:
    identity = oidc.verify_id_token(config, _signed(provider, _claims(provider)), NONCE)
    assert (identity.subject, identity.claims["email"]) == ("sub-ray", "ray@example.com")


def test_several_audiences_need_attain_as_the_authorized_party(
    provider: TestProvider, config: oidc.OidcConfig
) -> None:
    audiences = [CLIENT_ID, "another-app"]
    assert "azp" in _refused(config, _signed(provider, _claims(provider, aud=audiences)))
    accepted = _signed(provider, _claims(provider, aud=audiences, azp=CLIENT_ID))
    assert oidc.verify_id_token(config, accepted, NONCE).subject == "sub-ray"


def test_the_at_hash_must_match_the_access_token(provider: TestProvider, config: oidc.OidcConfig) -> None:
    at_hash = create_half_hash("the-real-access-token", "RS256").decode()
    token = _signed(provider, _claims(provider, at_hash=at_hash))
    assert oidc.verify_id_token(config, token, NONCE, "the-real-access-token").subject == "sub-ray"
    assert "at_hash" in _refused(config, token, "a-swapped-access-token")


def test_a_token_without_iat_or_with_another_nonce_is_refused(
    provider: TestProvider, config: oidc.OidcConfig
) -> None:
    _refused(config, _signed(provider, _claims(provider, iat=None)))
    _refused(config, _signed(provider, _claims(provider, nonce="another")))


def test_a_token_signed_with_the_client_secret_is_refused(
    provider: TestProvider, config: oidc.OidcConfig
) -> None:
    shared = OctKey.import_key(CLIENT_SECRET.encode())
    token = jwt.encode({"alg": "HS256"}, _claims(provider), shared)
    assert "signature" in _refused(config, token)


def test_expiry_allows_a_minute_of_clock_skew(provider: TestProvider, config: oidc.OidcConfig) -> None:
    now = int(time.time())
    just = _signed(provider, _claims(provider, iat=now - 400, exp=now - 30))
    assert oidc.verify_id_token(config, just, NONCE).subject == "sub-ray"
    _refused(config, _signed(provider, _claims(provider, iat=now - 400, exp=now - 90)))
