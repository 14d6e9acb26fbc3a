"""REST API version 1 (/api/v1): one router per resource, assembled here."""

from __future__ import annotations

from fastapi import APIRouter

from attain.api.problems import Problem
from attain.api.v1 import admin, dashboards, desk, pay, payees, tokens

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for status, text in ((401, "not signed in / bad token"), (403, "role or CSRF refusal"),
                         (404, "not found or not visible to you"), (422, "invalid parameters"))
}

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
for _module in (payees, pay, tokens, admin, desk, dashboards):
    router.include_router(_module.router)
