"""Jinja2 rendering for the web pages: autoescaped templates, the CSRF token, flash messages.

Autoescaping is on for every template (``autoescape=True``, not just ``.html``), so text from the
store — a payee named ``<script>`` — is shown, never run. Helpers available in templates:
``csrf_field()`` (the hidden form field), ``seg(value)`` (a value made safe for a URL path
segment), ``money(amount, currency)`` (the amount as paid: rounded half-even to the currency's minor unit,
never through a float), ``money_exact(amount, currency)`` (every calculated decimal, for traces),
``page_url(page, offset)``.
"""

from __future__ import annotations

import os
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from attain.api.deps import resolve_principal
from attain.api.sessions import get_session
from attain.core.errors import CATALOG, AttainError
from attain.core.money import minor_unit
from attain.web.nav import nav_for

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


_DICT_ATTRIBUTES = frozenset(dir(dict))


class PageEnvironment(jinja2.Environment):
    """Jinja's environment, with ``row.amount`` on a plain ``dict`` (what the services return) read as the
    key straight away. Jinja tries the attribute first and the item second; a plain dict has no attribute
    but those of ``dict`` itself, so the answer is the same — without raising and catching an
    AttributeError for each of the few hundred lookups a page makes."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@lru_cache(maxsize=8192)
def path_segment(value: str) -> str:
    """``value`` made safe for one URL path segment (ids repeat on a page and across pages: kept)."""
    return quote(value, safe="")


def build_environment() -> jinja2.Environment:
    env = PageEnvironment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                          auto_reload=os.environ.get("ATTAIN_TEMPLATE_RELOAD") == "1")
    env.filters["seg"] = lambda value: path_segment(str(value))
    env.filters["money"] = format_money
    env.filters["money_exact"] = format_money_exact
    env.globals["catalog"] = CATALOG
    return env


def format_money(amount: Decimal | None, currency: str | None = None) -> str:
    """'12,345.60 USD': rounded half-even to the currency's minor unit, as a payout line is paid."""
    if amount is None:
        return "—"
    places = minor_unit(currency)
    return format_money_exact(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), currency)


def format_money_exact(amount: Decimal | None, currency: str | None = None) -> str:
    """'12,345.6045000000 USD': the exact unrounded decimal (traces), grouping added; no float."""
    if amount is None:
        return "—"
    text = f"{amount:,f}"
    return f"{text} {currency}" if currency else text


def add_flash(request: Request, message: str, kind: str = "info") -> None:
    """Show ``message`` once on the next page this session sees."""
    session = get_session(request)
    session["flash"] = [*session.get("flash", []), [kind, message]]
    session.dirty = True


def _pop_flash(request: Request) -> list[list[str]]:
    session = get_session(request)
    messages = session.pop("flash", [])
    if messages:
        session.dirty = True
    return list(messages)


def page_url(request: Request, offset: int) -> str:
    """This page's URL with another ``offset`` (other query parameters kept)."""
    params = dict(request.query_params)
    params["offset"] = str(max(offset, 0))
    return f"{request.url.path}?{urlencode(params)}"


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render template ``name`` with the request's principal, nav, CSRF token and flash messages."""
    env: jinja2.Environment = request.app.state.jinja
    session = get_session(request)
    principal = getattr(request.state, "principal", None) or _quiet_principal(request)
    token = session.csrf_token
    values: dict[str, Any] = {
        "request": request, "principal": principal, "nav": nav_for(principal),
        "csrf_token": token, "csrf_field": lambda: Markup(
            f'<input type="hidden" name="csrf_token" value="{Markup.escape(token)}">'),
        "flashes": _pop_flash(request), "page_url": lambda offset: page_url(request, offset),
        "path": request.url.path,
    }
    values.update(context or {})
    return HTMLResponse(env.get_template(name).render(values), status_code=status_code)


def _quiet_principal(request: Request) -> Any:
    try:
        return resolve_principal(request)
    except AttainError:
        return None
