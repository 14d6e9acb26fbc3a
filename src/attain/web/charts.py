"""Vega-Lite charts in server-rendered pages, CSP-safe: a spec becomes HTML, the browser draws it.

The Content-Security-Policy allows ``'self'`` scripts only, so a chart is never inline JavaScript:
``chart_html(spec, ...)`` writes the spec as ``<script type="application/json">`` (data, never run)
next to an empty figure, and ``static/charts.js`` (loaded with the vendored Vega files by
``templates/_chart_scripts.html``) embeds every such figure with the expression interpreter.

Use from a page::

    from attain.web.charts import bar_chart, chart_html
    figure = chart_html(bar_chart(rows, x="payee", y="amount"), "payouts", "Paid per payee")
    # template: {{ figure }} and {% block scripts %}{% include "_chart_scripts.html" %}{% endblock %}

Amounts stay exact on the way: a ``Decimal`` is written as its own digits (a JSON number), never
through a Python float; the browser draws it (drawing is the only place it becomes a double). Keep the
numbers in a table on the same page too: a chart is for the eye, the table for the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
"""The schema id Vega-Lite expects in ``$schema`` (an identifier: nothing is fetched)."""

_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


_MARK = "\x00decimal:"
_MARKED = re.compile(r'"\\u0000decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def _mark_decimals(value: Any) -> Any:
    """Decimals become marked strings (swapped for their digits after encoding); NUL leaves text."""
    if isinstance(value, Decimal):
        return _MARK + format(value, "f") if value.is_finite() else None
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {str(k): _mark_decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark_decimals(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def spec_json(spec: Mapping[str, Any]) -> str:
    """The spec as JSON safe inside ``<script type="application/json">`` (no ``<``, ``>`` or ``&``)."""
    text = json.dumps(_mark_decimals(spec), separators=(",", ":"), allow_nan=False)
    text = _MARKED.sub(lambda match: match.group(1), text)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_html(spec: Mapping[str, Any], chart_id: str, description: str) -> Markup:
    """A ``<figure>`` that ``static/charts.js`` fills; ``description`` is its text alternative."""
    key = _SAFE_ID.sub("-", chart_id) or "chart"
    full = {"$schema": VEGA_LITE_SCHEMA, "width": "container", "description": description, **spec}
    return Markup(
        '<figure class="chart">'
        f'<div class="chart-frame" role="img" aria-label="{escape(description)}">'
        f'<div class="chart-view" id="chart-{key}" data-vega-spec="chart-{key}-spec"></div></div>'
        f'<script type="application/json" id="chart-{key}-spec">{spec_json(full)}</script>'
        f"<figcaption>{escape(description)}</figcaption>"
        "</figure>"
    )


def bar_chart(
    rows: Iterable[Mapping[str, Any]],
    *,
    x: str,
    y: str,
    color: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    sort: str = "-y",
    height: int = 240,
) -> dict[str, Any]:
    """A bar chart spec: ``x`` nominal (categories), ``y`` quantitative; ``color`` an optional series."""
    encoding: dict[str, Any] = {
        "x": {"field": x, "type": "nominal", "sort": sort, "title": x_title or x, "axis": {"labelAngle": 0}},
        "y": {"field": y, "type": "quantitative", "title": y_title or y},
        "tooltip": [{"field": x, "type": "nominal"}, {"field": y, "type": "quantitative"}],
    }
    if color is not None:
        encoding["color"] = {"field": color, "type": "nominal", "title": color}
        encoding["xOffset"] = {"field": color}
        encoding["tooltip"].append({"field": color, "type": "nominal"})
    return {
        "data": {"values": [dict(row) for row in rows]},
        "mark": {"type": "bar"},
        "encoding": encoding,
        "height": height,
    }


def diverging_bar_chart(
    rows: Iterable[Mapping[str, Any]], *, category: str, value: str, title: str | None = None
) -> dict[str, Any]:
    """Horizontal bars around zero (gains right, losses left), e.g. who gains and loses under a new plan."""
    values = [dict(row) for row in rows]
    return {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": category, "type": "nominal", "sort": "-x", "title": category},
            "x": {"field": value, "type": "quantitative", "title": title or value},
            "color": {
                "condition": {"test": f"datum['{value}'] < 0", "value": "#b3261e"},
                "value": "#1b6e3a",
            },
            "tooltip": [{"field": category, "type": "nominal"}, {"field": value, "type": "quantitative"}],
        },
        "height": max(60, 18 * len(values)),
    }
