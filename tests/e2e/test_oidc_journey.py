"""Browser journey: signing in through an OpenID Connect provider, in headless Chromium.

`attain serve` runs with ATTAIN_OIDC_* pointing at the test provider (tests/support/oidc_provider.py,
uvicorn on another loopback port). A rep clicks "Sign in with Test IdP", picks their account at the
provider and lands on their home page; an identity without an Attain account is sent back to the
sign-in page with AUTH019. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.api.company import seed_company
from tests.e2e.conftest import ARTIFACTS, serving
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, TestProvider, running_provider

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def provider() -> Iterator[TestProvider]:
    with running_provider() as started:
        started.add_account("ray")  # ray@example.com: the e-mail of payee RAY, linked to user ray
        started.add_account("stranger")
        yield started


@pytest.fixture(scope="module")
def live_server(provider: TestProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``attain serve`` configured for the provider (its environment is set only while it starts)."""
    settings = {
        "ATTAIN_OIDC_ISSUER": provider.issuer,
        "ATTAIN_OIDC_CLIENT_ID": CLIENT_ID,
        "ATTAIN_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "ATTAIN_OIDC_PROVIDER_NAME": "Test IdP",
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        with serving(tmp_path_factory.mktemp("e2e-oidc-home"), seed_company, "e2e-oidc-secret") as base:
            provider.redirect_uris.add(f"{base}/login/oidc/callback")
            yield base
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_a_rep_signs_in_with_the_provider_and_a_stranger_is_refused(  # type: ignore[no-untyped-def]
    live_server: str, provider: TestProvider, browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.location.get('url')}: {message.text}")
            if message.type == "error"
            else None
        ),
    )

    page.goto(f"{live_server}/login")
    page.screenshot(path=str(ARTIFACTS / "e2e-oidc-login.png"), full_page=True)
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{provider.issuer}/authorize?")
    assert page.get_by_role("heading", name="Test identity provider").is_visible()
    page.get_by_label("Account").fill("ray")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url.startswith(live_server)
    assert page.get_by_role("heading", name="Hello, Ray Rep").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-oidc-rep-home.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_text("You are signed out.").is_visible()

    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.wait_for_load_state()
    page.get_by_label("Account").fill("stranger")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Sign in").is_visible()
    alert = page.get_by_role("alert")
    assert "AUTH019" in alert.inner_text() and "stranger@example.com" in alert.inner_text()
    page.screenshot(path=str(ARTIFACTS / "e2e-oidc-refused.png"), full_page=True)
    page.goto(f"{live_server}/payees")
    assert page.get_by_role("heading", name="Sign in").is_visible()  # nobody was signed in
    refusal = f"{live_server}/login/oidc/callback"  # its 403 status is the refusal itself
    others = [e for e in errors if not e.startswith((provider.issuer, refusal))]
    assert others == []  # no CSP violations, script errors or missing assets on Attain's pages
    context.close()
