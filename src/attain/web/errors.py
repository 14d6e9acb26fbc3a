"""Error pages: the same code and text as the API's problem documents, as HTML.

A page that needs a signed-in user redirects to the sign-in page (and back afterwards).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from attain.api.problems import status_of
from attain.core.errors import CATALOG
from attain.services.access import SIGN_IN_REQUIRED
from attain.web.templating import render


def error_page(request: Request, status: int, code: str, detail: str) -> Response:
    """An HTML error page (or a redirect to sign in when that is the problem)."""
    if code == SIGN_IN_REQUIRED and request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    values = {"status": status, "code": code, "detail": detail, "meaning": CATALOG.get(code, "")}
    return render(request, "error.html", values, status_code=status)


async def rejection_page(request: Request, status: int, code: str, detail: str) -> Response:
    """The CSRF middleware's refusal, as a page (browser) or a problem document (API)."""
    if request.url.path.startswith("/api/"):
        from attain.api.problems import problem

        return problem(status, code, detail, request.url.path)
    return error_page(request, status or status_of(code), code, detail)
