"""The pages' Jinja environment reads a plain dict's keys straight away (no AttributeError raised and
caught per lookup) and gives exactly what stock Jinja gives, for every kind of lookup a template makes."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from attain.web.templating import PageEnvironment, build_environment, path_segment

EXPRESSIONS = [
    "{{ row.amount }}",
    "{{ row.items()|list|length }}",  # a dict method, not a key
    "{{ row.get('amount') }}",
    "{{ row['amount'] }}",
    "{{ row.nested.label }}",
    "{{ row.items }}",  # a key named like a dict method: Jinja gives the method, so must we
    "{% for k, v in row.items() %}{{ k }}={{ v }};{% endfor %}",
    "{{ row.keys()|list|length }}",
]
ROWS: list[Any] = [
    {"amount": Decimal("12.50"), "nested": {"label": "<b>x</b>"}, "items": [1, 2]},
    OrderedDict(amount=Decimal(1), nested={"label": "y"}, items=[]),  # a dict subclass: the stock path
    defaultdict(int, {"amount": 3, "nested": {"label": "z"}, "items": ()}),
    SimpleNamespace(amount=Decimal(4), nested=SimpleNamespace(label="w"), items=[5],
                    get=lambda key: key, keys=lambda: [1]),
]


def stock() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def page() -> jinja2.Environment:
    return PageEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)


def outcome(env: jinja2.Environment, source: str, row: Any) -> str:
    try:
        return env.from_string(source).render(row=row)
    except Exception as error:  # the same refusal counts as the same result
        return f"{type(error).__name__}"


@pytest.mark.parametrize("source", EXPRESSIONS)
@pytest.mark.parametrize("row", ROWS, ids=["dict", "ordered", "default", "object"])
def test_lookups_answer_as_stock_jinja_does(source: str, row: Any) -> None:
    assert outcome(page(), source, row) == outcome(stock(), source, row)


def test_a_missing_key_is_still_an_error_under_strict_undefined() -> None:
    with pytest.raises(jinja2.UndefinedError):
        page().from_string("{{ row.missing }}").render(row={"amount": 1})
    assert page().from_string("{{ row.missing is defined }}").render(row={"amount": 1}) == "False"


def test_a_key_read_through_the_shortcut_is_still_escaped() -> None:
    html = page().from_string("{{ row.name }}").render(row={"name": "<script>alert(1)</script>"})
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_path_segments_are_quoted_whole_and_kept() -> None:
    path_segment.cache_clear()
    assert path_segment("P 1/2?x#y") == "P%201%2F2%3Fx%23y"
    env = build_environment()
    assert env.from_string("/reps/{{ id|seg }}").render(id="A/B") == "/reps/A%2FB"
    assert env.from_string("{{ 7|seg }}").render() == "7"
    path_segment("P 1/2?x#y")
    assert path_segment.cache_info().hits >= 1
