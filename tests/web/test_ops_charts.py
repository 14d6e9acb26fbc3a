"""The chart helper: a spec becomes a CSP-safe figure (JSON data, no inline code) with exact amounts."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from attain.web.charts import bar_chart, chart_html, diverging_bar_chart, spec_json


def test_amounts_keep_their_digits_and_text_cannot_close_the_script() -> None:
    spec = {"data": {"values": [{"amount": Decimal("12345678901234567.1234567891"), "name": "</script><b>"}]}}
    text = spec_json(spec)
    assert "12345678901234567.1234567891" in text  # no float on the way (a double keeps ~17 digits)
    assert "<" not in text and ">" not in text and "&" not in text
    back = json.loads(text, parse_float=Decimal)
    assert back["data"]["values"][0] == {
        "amount": Decimal("12345678901234567.1234567891"),
        "name": "</script><b>",
    }


def test_marker_text_in_data_stays_text() -> None:
    text = spec_json({"a": ["\x00decimal:5", "\\u0000decimal:6", dt.date(2024, 1, 2), Decimal("-0.10")]})
    assert json.loads(text, parse_float=Decimal)["a"] == [
        "decimal:5",
        "\\u0000decimal:6",
        "2024-01-02",
        Decimal("-0.10"),
    ]


def test_figure_has_a_text_alternative_and_json_spec_only() -> None:
    spec = bar_chart([{"p": "A", "v": Decimal("1.50")}], x="p", y="v")
    html = str(chart_html(spec, "run 7/x", "Paid <now>"))
    assert 'class="chart-frame" role="img" aria-label="Paid &lt;now&gt;"' in html
    match = re.search(r'<script type="application/json" id="(chart-run-7-x-spec)">(.*)</script>', html)
    assert match and f'data-vega-spec="{match.group(1)}"' in html
    spec = json.loads(match.group(2))
    assert spec["mark"] == {"type": "bar"} and spec["data"]["values"] == [{"p": "A", "v": 1.5}]
    assert spec["$schema"].endswith("vega-lite/v5.json")
    assert "<script>" not in html and "onload" not in html


def test_diverging_chart_colours_losses_apart() -> None:
    spec = diverging_bar_chart([{"payee": "A", "delta": Decimal("-3")}], category="payee", value="delta")
    assert spec["encoding"]["color"]["condition"]["test"] == "datum['delta'] < 0"
