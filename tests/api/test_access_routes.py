"""Every route of the web app and the REST API has an access decision, and the decision holds.

``DECISIONS`` is the access matrix: for each (method, path) who may use it. A route added to
``attain.web`` or ``attain.api.v1`` without an entry here fails ``test_every_route_has_an_access_decision``
— deciding who may open a new page is part of adding it. The other tests hold each decision to
account over HTTP: anonymous callers are sent to sign in, roles outside a route's set are refused
(403 AUTH004, or 404 AUTH007 where the page does not exist for them), and someone else's object —
a payee outside the scope, another user's token, a guessed id — is 404 AUTH007 like a missing one.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from attain.api.app import create_app
from attain.settings import Settings
from attain.store.db import transaction
from attain.store.tables import app_user
from tests.api.company import CHEAP_HASHER, PASSWORD, seed_company
from tests.api.conftest import csrf_of, sign_in
from tests.web.conftest import _module_db

__all__ = ["_module_db"]

PUBLIC = None
EVERYONE = frozenset({"admin", "finance", "manager", "rep", "planner"})
WITH_PAY = EVERYONE - {"planner"}
"""Pay, scoped (own / team today / everyone): a planner sees none (404 AUTH007, as for someone else's)."""
ADMIN = frozenset({"admin"})
BOOKS = frozenset({"admin", "finance"})
"""Admin and finance: plans, runs, payroll, the adjustments and disputes desk."""
PLANNING = BOOKS | {"planner"}
"""Quota versions and territory designs: a planner drafts and designs (never approves or applies)."""
APPROVERS = frozenset({"admin", "finance", "manager"})
PAYEES = frozenset({"manager", "rep"})
"""Pages about one's own pay: only accounts linked to a payee have them (others: 404)."""


@dataclass(frozen=True)
class Decision:
    """Who may use a route (None: anyone, signed in or not) and an address to try it at."""

    roles: frozenset[str] | None
    sample: str
    """The route with its ids filled in (someone else's or a guessed object where it takes one)."""
    form: tuple[tuple[str, str], ...] = ()
    """A well-formed body (form fields, or JSON for the API) so the refusal is about access, not shape."""
    files: tuple[str, ...] = ()
    """Fields sent as uploaded files (a multipart form)."""


def _form(**fields: str) -> tuple[tuple[str, str], ...]:
    return tuple(fields.items())


ADJUSTMENT = _form(payee_id="RAY", period_label="2024-01", amount="10", currency="USD", reason="test")


DECISIONS: dict[tuple[str, str], Decision] = {
    # signing in
    ("GET", "/api/v1/openapi.json"): Decision(PUBLIC, "/api/v1/openapi.json"),
    ("GET", "/login"): Decision(PUBLIC, "/login"),
    ("POST", "/login"): Decision(PUBLIC, "/login"),
    ("GET", "/login/oidc"): Decision(PUBLIC, "/login/oidc"),
    ("GET", "/login/oidc/callback"): Decision(PUBLIC, "/login/oidc/callback"),
    ("POST", "/logout"): Decision(PUBLIC, "/logout"),
    # REST API: payee data, scoped
    ("GET", "/api/v1/me"): Decision(EVERYONE, "/api/v1/me"),
    ("GET", "/api/v1/payees"): Decision(EVERYONE, "/api/v1/payees"),
    ("GET", "/api/v1/payees/{payee_id:path}"): Decision(EVERYONE, "/api/v1/payees/OTTO"),
    ("GET", "/api/v1/transactions"): Decision(EVERYONE, "/api/v1/transactions"),
    ("GET", "/api/v1/opportunities"): Decision(EVERYONE, "/api/v1/opportunities"),
    ("GET", "/api/v1/pay/{payee_id}"): Decision(WITH_PAY, "/api/v1/pay/OTTO"),
    ("GET", "/api/v1/pay/{payee_id}/deals/{transaction_id}"): Decision(
        WITH_PAY, "/api/v1/pay/OTTO/deals/T-OTTO-0"
    ),
    ("GET", "/api/v1/dashboards/{kind}"): Decision(WITH_PAY, "/api/v1/dashboards/rep?subject=OTTO"),
    # REST API: own tokens; administration
    ("GET", "/api/v1/tokens"): Decision(EVERYONE, "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"): Decision(EVERYONE, "/api/v1/tokens", _form(name="ci")),
    ("DELETE", "/api/v1/tokens/{token_id}"): Decision(EVERYONE, "/api/v1/tokens/999"),
    ("GET", "/api/v1/users"): Decision(ADMIN, "/api/v1/users"),
    ("POST", "/api/v1/users"): Decision(
        ADMIN, "/api/v1/users", _form(username="new", password="a long password 1", role="admin")
    ),
    ("GET", "/api/v1/users/{user_id}"): Decision(ADMIN, "/api/v1/users/999"),
    ("POST", "/api/v1/users/{user_id}/password"): Decision(
        ADMIN, "/api/v1/users/999/password", _form(password="a long password 1")
    ),
    ("POST", "/api/v1/users/{user_id}/role"): Decision(
        ADMIN, "/api/v1/users/999/role", _form(role="rep", payee_id="RAY")
    ),
    ("POST", "/api/v1/users/{user_id}/deactivate"): Decision(ADMIN, "/api/v1/users/999/deactivate"),
    ("POST", "/api/v1/users/{user_id}/activate"): Decision(ADMIN, "/api/v1/users/999/activate"),
    ("GET", "/api/v1/audit"): Decision(ADMIN, "/api/v1/audit"),
    # REST API: plan documents, each role as far as the plans service allows (a rep: their own)
    ("GET", "/api/v1/plans"): Decision(EVERYONE, "/api/v1/plans"),
    ("GET", "/api/v1/plans/{plan_id}/versions/{version}"): Decision(EVERYONE, "/api/v1/plans/P/versions/1"),
    # REST API: the desk (adjustments, disputes, background runs); a payee's own disputes
    ("GET", "/api/v1/adjustments"): Decision(BOOKS, "/api/v1/adjustments"),
    ("POST", "/api/v1/adjustments"): Decision(BOOKS, "/api/v1/adjustments", ADJUSTMENT),
    ("GET", "/api/v1/adjustments/{adjustment_id}"): Decision(BOOKS, "/api/v1/adjustments/999"),
    ("POST", "/api/v1/adjustments/{adjustment_id}/decision"): Decision(
        BOOKS, "/api/v1/adjustments/999/decision", _form(decision="approve")
    ),
    ("GET", "/api/v1/disputes"): Decision(BOOKS, "/api/v1/disputes"),
    ("POST", "/api/v1/disputes"): Decision(
        PAYEES, "/api/v1/disputes", _form(payout_id="999", message="why?")
    ),
    ("GET", "/api/v1/disputes/{dispute_id}"): Decision(BOOKS, "/api/v1/disputes/999"),
    ("POST", "/api/v1/disputes/{dispute_id}/assign"): Decision(
        BOOKS, "/api/v1/disputes/999/assign", _form(assignee="finance")
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/answer"): Decision(
        BOOKS, "/api/v1/disputes/999/answer", _form(text="because")
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/resolve"): Decision(
        BOOKS, "/api/v1/disputes/999/resolve", _form(resolution="fixed")
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/adjustment"): Decision(
        BOOKS,
        "/api/v1/disputes/999/adjustment",
        _form(amount="1", currency="USD", period_label="2024-01", reason="x"),
    ),
    ("GET", "/api/v1/my/disputes"): Decision(PAYEES, "/api/v1/my/disputes"),
    ("GET", "/api/v1/my/disputes/{dispute_id}"): Decision(PAYEES, "/api/v1/my/disputes/999"),
    ("POST", "/api/v1/my/disputes/{dispute_id}/reply"): Decision(
        PAYEES, "/api/v1/my/disputes/999/reply", _form(message="still wrong")
    ),
    ("GET", "/api/v1/jobs"): Decision(BOOKS, "/api/v1/jobs"),
    ("POST", "/api/v1/jobs"): Decision(BOOKS, "/api/v1/jobs", _form(periods="2024-01")),
    ("GET", "/api/v1/jobs/{job_id}"): Decision(BOOKS, "/api/v1/jobs/nope"),
    # pages: home, directory, pay (scoped to the payees the principal may see)
    ("GET", "/"): Decision(EVERYONE, "/"),
    ("GET", "/payees"): Decision(EVERYONE, "/payees"),
    ("GET", "/payees/{payee_id:path}"): Decision(EVERYONE, "/payees/OTTO"),
    ("GET", "/transactions"): Decision(EVERYONE, "/transactions"),
    ("GET", "/reps/{payee_id}"): Decision(WITH_PAY, "/reps/OTTO"),
    ("GET", "/reps/{payee_id}/deals/{transaction_id}"): Decision(WITH_PAY, "/reps/OTTO/deals/T-OTTO-0"),
    ("GET", "/reps/{payee_id}/statements/{period}.pdf"): Decision(
        WITH_PAY, "/reps/OTTO/statements/2024-01.pdf"
    ),
    ("GET", "/reps/{payee_id}/statements/{period}"): Decision(WITH_PAY, "/reps/OTTO/statements/2024-01"),
    ("POST", "/reps/{payee_id}/disputes"): Decision(
        WITH_PAY, "/reps/OTTO/disputes", _form(payout_id="1", message="why?")
    ),
    ("GET", "/estimate"): Decision(WITH_PAY, "/estimate?payee_id=OTTO"),
    ("POST", "/estimate"): Decision(
        WITH_PAY, "/estimate", _form(payee_id="OTTO", amount="1000", date="2024-01-15")
    ),
    ("GET", "/team"): Decision(APPROVERS, "/team"),
    ("GET", "/dashboards"): Decision(EVERYONE, "/dashboards"),  # a redirect to one's own dashboard
    ("GET", "/dashboards/{kind}"): Decision(WITH_PAY, "/dashboards/rep?subject=OTTO"),
    ("GET", "/dashboards/{kind}/dashboard.xlsx"): Decision(
        WITH_PAY, "/dashboards/rep/dashboard.xlsx?subject=OTTO"
    ),
    ("GET", "/dashboards/{kind}/{panel}.{fmt}"): Decision(
        WITH_PAY, "/dashboards/rep/earnings.csv?subject=OTTO"
    ),
    ("GET", "/whatif"): Decision(WITH_PAY, "/whatif?subject=OTTO"),
    ("POST", "/whatif"): Decision(WITH_PAY, "/whatif", _form(subject="OTTO", calls_per_day="2")),
    # pages: own tokens and disputes
    ("GET", "/account/tokens"): Decision(EVERYONE, "/account/tokens"),
    ("POST", "/account/tokens"): Decision(EVERYONE, "/account/tokens", _form(name="ci")),
    ("POST", "/account/tokens/{token_id}/revoke"): Decision(EVERYONE, "/account/tokens/999/revoke"),
    ("GET", "/my/disputes"): Decision(PAYEES, "/my/disputes"),
    ("POST", "/my/disputes/{dispute_id}/reply"): Decision(
        PAYEES, "/my/disputes/999/reply", _form(message="still wrong")
    ),
    # pages: administration, operations, the desk
    ("GET", "/admin/users"): Decision(ADMIN, "/admin/users"),
    ("POST", "/admin/users"): Decision(
        ADMIN, "/admin/users", _form(username="new", password="a long password 1", role="admin")
    ),
    ("POST", "/admin/users/{user_id}/password"): Decision(
        ADMIN, "/admin/users/999/password", _form(password="a long password 1")
    ),
    ("POST", "/admin/users/{user_id}/role"): Decision(
        ADMIN, "/admin/users/999/role", _form(role="rep", payee_id="RAY")
    ),
    ("POST", "/admin/users/{user_id}/deactivate"): Decision(ADMIN, "/admin/users/999/deactivate"),
    ("POST", "/admin/users/{user_id}/activate"): Decision(ADMIN, "/admin/users/999/activate"),
    ("GET", "/admin/audit"): Decision(ADMIN, "/admin/audit"),
    ("GET", "/admin/imports"): Decision(ADMIN, "/admin/imports"),
    ("POST", "/admin/imports"): Decision(
        ADMIN, "/admin/imports", _form(entity="payee", data="payee_id,name\nX,Y\n"), files=("data",)
    ),
    ("GET", "/admin/plans"): Decision(BOOKS, "/admin/plans"),
    ("GET", "/admin/plans/{plan_id}/{version}"): Decision(BOOKS, "/admin/plans/P/1"),
    ("POST", "/admin/plans"): Decision(
        BOOKS, "/admin/plans", _form(document="plan_id: x\n", action="validate"), files=("document",)
    ),
    ("GET", "/admin/plans/{plan_id}/{version}/preview"): Decision(BOOKS, "/admin/plans/P/1/preview"),
    ("POST", "/admin/plans/{plan_id}/{version}/{step}"): Decision(ADMIN, "/admin/plans/P/1/publish"),
    ("GET", "/planning"): Decision(PLANNING, "/planning"),
    ("POST", "/planning/quotas"): Decision(
        PLANNING, "/planning/quotas", _form(name="FY25", effective_from="2025-01-01")
    ),
    ("GET", "/planning/quotas/{version_id}"): Decision(PLANNING, "/planning/quotas/999"),
    ("POST", "/planning/quotas/{version_id}/{step}"): Decision(BOOKS, "/planning/quotas/999/approve"),
    ("GET", "/planning/territories/{design_id}"): Decision(PLANNING, "/planning/territories/999"),
    ("POST", "/planning/territories/{design_id}/apply"): Decision(
        BOOKS, "/planning/territories/999/apply", _form(effective_from="2025-01-01")
    ),
    ("GET", "/admin/runs"): Decision(BOOKS, "/admin/runs"),
    ("POST", "/admin/runs"): Decision(BOOKS, "/admin/runs", _form(periods="2024-01")),
    ("GET", "/admin/runs/{run_id}"): Decision(BOOKS, "/admin/runs/999"),
    ("GET", "/admin/jobs/{job_id}.json"): Decision(BOOKS, "/admin/jobs/nope.json"),
    ("GET", "/admin/jobs/{job_id}"): Decision(BOOKS, "/admin/jobs/nope"),
    ("POST", "/admin/periods/{label}/{step}"): Decision(APPROVERS, "/admin/periods/2024-01/approve"),
    ("GET", "/admin/exports/payroll/{label}.csv"): Decision(BOOKS, "/admin/exports/payroll/2024-01.csv"),
    ("GET", "/desk/adjustments"): Decision(BOOKS, "/desk/adjustments"),
    ("POST", "/desk/adjustments"): Decision(BOOKS, "/desk/adjustments", ADJUSTMENT),
    ("GET", "/desk/adjustments/{adjustment_id}"): Decision(BOOKS, "/desk/adjustments/999"),
    ("POST", "/desk/adjustments/{adjustment_id}/{decision}"): Decision(
        BOOKS, "/desk/adjustments/999/approve"
    ),
    ("GET", "/desk/disputes"): Decision(BOOKS, "/desk/disputes"),
    ("GET", "/desk/disputes/{dispute_id}"): Decision(BOOKS, "/desk/disputes/999"),
    ("POST", "/desk/disputes/{dispute_id}/assign"): Decision(
        BOOKS, "/desk/disputes/999/assign", _form(assignee="finance")
    ),
    ("POST", "/desk/disputes/{dispute_id}/answer"): Decision(
        BOOKS, "/desk/disputes/999/answer", _form(answer="because")
    ),
    ("POST", "/desk/disputes/{dispute_id}/resolve"): Decision(
        BOOKS, "/desk/disputes/999/resolve", _form(resolution="fixed")
    ),
    ("POST", "/desk/disputes/{dispute_id}/adjust"): Decision(BOOKS, "/desk/disputes/999/adjust", ADJUSTMENT),
}

USERS = {"admin": "admin", "finance": "finance", "manager": "mona", "rep": "ray", "planner": "pat"}
"""One user per role (tests/api/company.py; pat, the planner, is added here). OTTO, used in the
samples, is outside mona's and ray's scope; a planner reads OTTO's record but none of his pay."""
REFUSED = {403: "AUTH004", 404: "AUTH007"}


def add_planner(url: str) -> None:
    """Pat, a planner: no payee, every payee's record, no pay."""
    with transaction(url, actor="test") as conn:
        conn.execute(insert(app_user).values(
            username="pat", password_hash=CHEAP_HASHER.hash(PASSWORD), role="planner", payee_id=None))


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves (HEAD aside), walking included routers."""

    def walk(routes: list[object]) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # an included router (FastAPI >= 0.165)
                for context in route.effective_route_contexts():
                    for method in getattr(context.original_route, "methods", None) or ():
                        yield method, context.path
            elif getattr(route, "methods", None):
                for method in route.methods:  # type: ignore[attr-defined]
                    yield method, route.path  # type: ignore[attr-defined]

    return {(method, path) for method, path in walk(list(app.routes)) if method != "HEAD"}


def test_every_route_has_an_access_decision(shared_app: FastAPI) -> None:
    served = app_routes(shared_app)
    undecided = sorted(served - set(DECISIONS))
    assert not undecided, f"routes without an access decision (add them to DECISIONS): {undecided}"
    stale = sorted(set(DECISIONS) - served)
    assert not stale, f"decisions for routes that no longer exist: {stale}"


def _call(client: TestClient, key: tuple[str, str], csrf: bool = True) -> httpx.Response:
    """Request the sample of route ``key`` with its well-formed body (and the session's CSRF token)."""
    method, decision = key[0], DECISIONS[key]
    headers = {"X-CSRF-Token": csrf_of(client)} if csrf and method != "GET" else {}
    fields = dict(decision.form)
    if decision.sample.startswith("/api/"):
        answer: httpx.Response = client.request(method, decision.sample, headers=headers, json=fields or None)
    elif decision.files:
        files = {
            name: (f"{name}.csv" if name == "data" else f"{name}.yaml", fields.pop(name).encode())
            for name in decision.files
        }
        answer = client.request(method, decision.sample, headers=headers, data=fields, files=files)
    else:
        answer = client.request(method, decision.sample, headers=headers, data=fields or None)
    return answer


GUARDED = sorted(key for key, decision in DECISIONS.items() if decision.roles is not PUBLIC)


@pytest.mark.parametrize("method, path", GUARDED)
def test_anonymous_callers_are_sent_to_sign_in(client: TestClient, method: str, path: str) -> None:
    url = DECISIONS[(method, path)].sample
    answer = _call(client, (method, path))
    if method == "GET" and not url.startswith("/api/"):
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), url
    else:
        assert answer.status_code == 401 and "AUTH003" in answer.text, (url, answer.status_code)


RESTRICTED = [
    (role, key) for key in GUARDED for role in sorted(EVERYONE - (DECISIONS[key].roles or EVERYONE))
]


@pytest.fixture(scope="module")
def shared_app(_module_db: str, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app over one company for the whole module (the matrix only reads, or is refused)."""
    seed_company(_module_db)
    add_planner(_module_db)
    home = tmp_path_factory.mktemp("access-home")
    return create_app(Settings(home=home, database_url=_module_db, secret_key="test-secret-key"))


@pytest.fixture
def client(shared_app: FastAPI) -> Iterator[TestClient]:
    """An anonymous browser."""
    with TestClient(shared_app, follow_redirects=False) as anonymous:
        yield anonymous


@pytest.fixture(scope="module")
def _signed_in_clients(shared_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    made: dict[str, TestClient] = {}
    yield made
    for made_client in made.values():
        made_client.close()


@pytest.fixture
def as_role(_signed_in_clients: dict[str, TestClient], shared_app: FastAPI) -> Callable[[str], TestClient]:
    """A client signed in with the role's user, made once per module."""

    def client_for(role: str) -> TestClient:
        if role not in _signed_in_clients:
            made = TestClient(shared_app, follow_redirects=False)
            _signed_in_clients[role] = sign_in(made, USERS[role])
        return _signed_in_clients[role]

    return client_for


@pytest.mark.parametrize("role, key", RESTRICTED, ids=[f"{r}-{m}-{p}" for r, (m, p) in RESTRICTED])
def test_roles_outside_a_route_are_refused(
    as_role: Callable[[str], TestClient], role: str, key: tuple[str, str]
) -> None:
    client = as_role(role)
    answer = _call(client, key)
    assert answer.status_code in REFUSED, (role, key, answer.status_code, answer.text[:300])
    assert REFUSED[answer.status_code] in answer.text


LANDINGS = [
    (role, key)
    for key, decision in sorted(DECISIONS.items())
    if key[0] == "GET" and decision.roles and "{" not in key[1] and "?" not in decision.sample
    for role in sorted(decision.roles)
]


@pytest.mark.parametrize("role, key", LANDINGS, ids=[f"{r}-{p}" for r, (_, p) in LANDINGS])
def test_roles_inside_a_route_get_its_page(
    as_role: Callable[[str], TestClient], role: str, key: tuple[str, str]
) -> None:
    answer = as_role(role).get(DECISIONS[key].sample)
    assert answer.status_code in (200, 303), (role, key, answer.status_code, answer.text[:300])


OUTSIDERS = {"manager": "OTTO", "rep": "OTTO"}
"""Whose object each scoped role tries: OTTO left mona's team 60 days ago; ray is a rep."""
SCOPED = [
    (role, key)
    for key, decision in sorted(DECISIONS.items())
    if decision.roles in (EVERYONE, WITH_PAY) and "OTTO" in decision.sample
    for role in sorted(OUTSIDERS)
]


@pytest.mark.parametrize("role, key", SCOPED, ids=[f"{r}-{m}-{p}" for r, (m, p) in SCOPED])
def test_someone_elses_payee_is_not_found_everywhere(
    as_role: Callable[[str], TestClient], role: str, key: tuple[str, str]
) -> None:
    client = as_role(role)
    answer = _call(client, key)
    assert answer.status_code == 404 and "AUTH007" in answer.text, (role, key, answer.status_code)


def test_the_same_payee_is_visible_to_those_whose_scope_holds_it(
    as_role: Callable[[str], TestClient],
) -> None:
    for role in ("admin", "finance"):
        for url in ("/api/v1/payees/OTTO", "/payees/OTTO", "/reps/OTTO", "/api/v1/pay/OTTO"):
            assert as_role(role).get(url).status_code == 200, (role, url)
    for url in ("/api/v1/payees/RAY", "/payees/RAY", "/reps/RAY", "/api/v1/pay/RAY"):
        assert as_role("manager").get(url).status_code == 200, url


def test_a_planner_reads_every_payee_record_and_no_pay(as_role: Callable[[str], TestClient]) -> None:
    pat = as_role("planner")
    listed = pat.get("/api/v1/payees").json()
    assert listed["total"] == 7 and {"OTTO", "RAY", "GRACE"} <= {p["payee_id"] for p in listed["items"]}
    otto = pat.get("/api/v1/payees/OTTO").json()
    assert otto["payee"]["payee_id"] == "OTTO" and otto["manager_chain"]
    assert otto["recent_transactions"] == [] and otto["recent_opportunities"] == []
    page = pat.get("/payees/OTTO")
    assert page.status_code == 200 and "Otto Outside" in page.text
    assert "Earnings and attainment" not in page.text
    assert "Earnings and attainment" in as_role("finance").get("/payees/OTTO").text
    assert pat.get("/api/v1/transactions").json()["total"] == 0
    assert pat.get("/api/v1/opportunities").json()["total"] == 0
    assert "Nobody you can see." in pat.get("/dashboards/rep").text
    for url in ("/reps/RAY", "/reps/RAY/statements/2024-01", "/api/v1/pay/RAY", "/estimate?payee_id=RAY"):
        answer = pat.get(url)
        assert answer.status_code == 404 and "AUTH007" in answer.text, (url, answer.status_code)
    for url in ("/team", "/admin/runs", "/admin/exports/payroll/2024-01.csv", "/admin/plans"):
        answer = pat.get(url)
        assert answer.status_code == 403 and "AUTH004" in answer.text, (url, answer.status_code)
    assert pat.get("/planning").status_code == 200


def test_another_users_token_cannot_be_revoked_or_seen(as_role: Callable[[str], TestClient]) -> None:
    admin = as_role("admin")
    created = admin.post("/api/v1/tokens", json={"name": "admin's"}, headers={"X-CSRF-Token": csrf_of(admin)})
    token_id = created.json()["id"]
    ray = as_role("rep")
    assert token_id not in {t["id"] for t in ray.get("/api/v1/tokens").json()}
    deleted = ray.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRF-Token": csrf_of(ray)})
    assert deleted.status_code == 404 and deleted.json()["code"] == "AUTH007"
    page = ray.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(ray)})
    assert page.status_code == 404 and "AUTH007" in page.text
    assert not next(t for t in admin.get("/api/v1/tokens").json() if t["id"] == token_id)["revoked"]


def test_a_rep_cannot_raise_a_dispute_for_someone_else(as_role: Callable[[str], TestClient]) -> None:
    mona = as_role("manager")  # RAY is in her team, but only Ray may question Ray's pay
    answer = mona.post(
        "/reps/RAY/disputes", data={"payout_id": "1", "message": "x", "csrf_token": csrf_of(mona)}
    )
    assert answer.status_code == 404 and "AUTH007" in answer.text


NOT_FOUND_CODES = ("AUTH007", "PAY040", "PLNG009", "DB006")
GUESSED = [
    (role, key)
    for key, decision in sorted(DECISIONS.items())
    if key[0] == "GET" and decision.roles in (ADMIN, BOOKS, PLANNING) and "{" in key[1]
    for role in sorted(decision.roles or ())
]


@pytest.mark.parametrize("role, key", GUESSED, ids=[f"{r}-{p}" for r, (_, p) in GUESSED])
def test_a_guessed_id_is_not_found_even_for_those_who_may_look(
    as_role: Callable[[str], TestClient], role: str, key: tuple[str, str]
) -> None:
    """Users, runs, jobs, plans, adjustments, disputes, quota versions, designs that do not exist are
    404 with a "no such record" code (AUTH007, PAY040, PLNG009, DB006), never shown, never a server
    error and never another client error."""
    answer = as_role(role).get(DECISIONS[key].sample)
    assert answer.status_code == 404, (role, key, answer.status_code, answer.text[:300])
    assert any(code in answer.text for code in NOT_FOUND_CODES), (role, key, answer.text[:300])


def test_every_status_is_listed_in_the_problems_module_itself() -> None:
    """A fresh interpreter that never imports the web pages answers the OpenID codes and every
    "no such record" code with their own status (nothing is patched in at import elsewhere)."""
    probe = (
        "import sys; from attain.api.problems import status_of; "
        "assert 'attain.web.auth_pages' not in sys.modules; "
        "print([status_of(c) for c in ('AUTH017', 'AUTH018', 'AUTH019', 'AUTH020', 'AUTH021', "
        "'PAY040', 'PLNG009', 'DB006', 'CALC094', 'AUTH007')])"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "[502, 400, 403, 403, 404, 404, 404, 404, 404, 404]", ran.stderr
