"""The application factory: REST API under /api/v1, the web pages, static assets, security layers.

Layers, outermost first: security headers -> signed session cookie -> CSRF check -> routes.
Routes are thin: they resolve the principal and call ``attain.services``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response

from attain import __version__
from attain.api import problems
from attain.api.csrf import CsrfMiddleware
from attain.api.deps import AppContext
from attain.api.headers import SECURITY_HEADERS, SecurityHeadersMiddleware
from attain.api.sessions import SessionMiddleware
from attain.api.v1 import router as api_router
from attain.core.errors import AttainError
from attain.services.access import BAD_PARAMETER, NOT_FOUND
from attain.settings import Settings, get_settings
from attain.web import errors as web_errors
from attain.web.routes import router as web_router
from attain.web.templating import STATIC, build_environment

API_PREFIX = "/api/"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app and REST API for ``settings`` (default: this process's settings)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Attain API", version=__version__,
        description="Sales performance management: payees, transactions, users, audit. "
                    "Errors are application/problem+json with Attain's stable codes.",
        openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
    )
    app.state.attain = AppContext(settings)
    app.state.jinja = build_environment()
    app.include_router(api_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _install_error_handlers(app)
    app.add_middleware(CsrfMiddleware, reject=web_errors.rejection_page)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AttainError)
    async def attain_error(request: Request, error: AttainError) -> Response:
        if _is_api(request):
            return problems.from_attain_error(request, error)
        return web_errors.error_page(request, problems.status_of(error.code), error.code, str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if _is_api(request):
            return problems.from_validation_error(request, error)
        return web_errors.error_page(request, 422, BAD_PARAMETER, "Some fields are missing or invalid.")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if _is_api(request):
            return problems.from_http_error(request, error)
        code = NOT_FOUND if error.status_code == 404 else problems.METHOD_NOT_ALLOWED
        detail = "There is no such page." if error.status_code == 404 else str(error.detail)
        return web_errors.error_page(request, error.status_code, code, detail)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        answer = problems.from_unexpected(request, error)
        if _is_api(request):
            return answer
        return HTMLResponse(SERVER_ERROR_PAGE, status_code=500, headers=dict(SECURITY_HEADERS))


SERVER_ERROR_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Server error · Attain</title>'
    '<link rel="stylesheet" href="/static/app.css"></head><body><main id="main"><h1>Something went wrong'
    '</h1><p class="error"><strong>AUTH015</strong> The server failed; the details are in its log.</p>'
    '<p><a href="/">Back to the home page</a></p></main></body></html>'
)
"""A static page for unexpected errors (templates are not used: they might be what failed)."""
