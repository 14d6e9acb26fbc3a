"""Errors as RFC 9457 problem documents (``application/problem+json``) with Attain's stable codes.

The ``code`` member is the same code the CLI prints (``AUTH007``, ``IMP003``...), ``title`` is its
catalog meaning, ``detail`` the message for this occurrence and ``issues`` the row-level problems
an ``AttainError`` carried. Web pages show the same code and text in HTML (see ``attain.web``).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from attain.api.headers import SECURITY_HEADERS
from attain.core.errors import CATALOG, AttainError, Issue, register
from attain.payouts.codes import PAY040
from attain.planning.codes import NO_VERSION
from attain.services.access import (
    BAD_PARAMETER,
    BAD_TOKEN,
    BODY_TOO_LARGE,
    CSRF_REJECTED,
    FORBIDDEN,
    LOCKED_OUT,
    LOGIN_FAILED,
    NOT_FOUND,
    SIGN_IN_REQUIRED,
)
from attain.services.oidc import OIDC_DENIED, OIDC_NO_USER, OIDC_OFF, OIDC_REJECTED, OIDC_UNAVAILABLE

log = logging.getLogger("attain.api")

SERVER_ERROR = register("AUTH015", "unexpected server error; the details are in the server log")
METHOD_NOT_ALLOWED = register("AUTH016", "this address does not accept that HTTP method")

MEDIA_TYPE = "application/problem+json"

STATUS_BY_CODE: dict[str, int] = {
    LOGIN_FAILED: 401, LOCKED_OUT: 423, SIGN_IN_REQUIRED: 401, FORBIDDEN: 403, CSRF_REJECTED: 403,
    BAD_TOKEN: 401, NOT_FOUND: 404, "AUTH008": 422, "AUTH009": 409, BAD_PARAMETER: 422,
    BODY_TOO_LARGE: 413, "AUTH012": 409, "AUTH013": 422, "AUTH014": 422, SERVER_ERROR: 500,
    METHOD_NOT_ALLOWED: 405, "AUTH022": 403,  # a manager's period decision outside their hierarchy
    # OpenID sign-in: provider unreachable, answer refused, no such user, cancelled, not configured
    OIDC_UNAVAILABLE: 502, OIDC_REJECTED: 400, OIDC_NO_USER: 403, OIDC_DENIED: 403, OIDC_OFF: 404,
    # "no such record": a run, payout line, dispute, adjustment, plan version, quota version,
    # territory design, or a statement nothing was calculated for
    PAY040: 404, NO_VERSION: 404, "DB006": 404, "CALC094": 404,
    "DB007": 503, "DESK003": 409,
}
"""HTTP status of each code; other codes: 422 for input problems (IMP, PLAN, CALC), else 400."""


class Problem(BaseModel):
    """A problem document as the API returns it (documented in the OpenAPI schema)."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str | None = None
    issues: list[dict[str, Any]] = []


def status_of(code: str) -> int:
    """The HTTP status an error code is answered with."""
    if code in STATUS_BY_CODE:
        return STATUS_BY_CODE[code]
    return 422 if code[:3] in {"IMP", "PLA", "CAL"} else 400


def issue_json(issue: Issue) -> dict[str, Any]:
    """One row-level issue as JSON (code, message, severity, source, value, record)."""
    return {"code": issue.code, "message": issue.message, "severity": str(issue.severity),
            "source": str(issue.source), "line": issue.source.line, "column": issue.source.column,
            "value": issue.value, "record": issue.record}


def problem(status: int, code: str, detail: str, instance: str | None = None,
            issues: list[dict[str, Any]] | None = None) -> JSONResponse:
    """A problem+json response."""
    body = Problem(type=f"urn:attain:error:{code}", title=CATALOG.get(code, "error"), status=status,
                   code=code, detail=detail, instance=instance, issues=issues or [])
    headers = {"WWW-Authenticate": 'Bearer realm="attain"'} if status == 401 else None
    return JSONResponse(body.model_dump(), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_attain_error(request: Request, error: AttainError) -> JSONResponse:
    return problem(status_of(error.code), error.code, str(error), request.url.path,
                   [issue_json(i) for i in error.issues])


def from_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    issues: list[dict[str, Any]] = [{"code": BAD_PARAMETER, "message": str(e.get("msg", "invalid")),
               "field": ".".join(str(p) for p in e.get("loc", ())), "value": _short(e.get("input"))}
              for e in error.errors()]
    fields = ", ".join(str(i["field"]) for i in issues) or "the request"
    return problem(422, BAD_PARAMETER, f"Invalid value for {fields}.", request.url.path, issues)


def from_http_error(request: Request, error: HTTPException) -> JSONResponse:
    if error.status_code == 404:
        return problem(404, NOT_FOUND, "Nothing is served at this address.", request.url.path)
    if error.status_code == 405:
        return problem(405, METHOD_NOT_ALLOWED, "This address does not accept that method.", request.url.path)
    code = SIGN_IN_REQUIRED if error.status_code == 401 else BAD_PARAMETER
    return problem(error.status_code, code, str(error.detail), request.url.path)


def from_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    answer = problem(500, SERVER_ERROR, "Something went wrong on the server.", request.url.path)
    answer.headers.update(SECURITY_HEADERS)
    return answer


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"
