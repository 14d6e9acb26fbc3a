"""A payee paid in US dollars on a Kuwaiti-dinar plan sees measures and commissions to the fils.

The company is the one of tests/payouts/test_fils_end_to_end.py: Uma (U1) is paid in USD on the ``gulf``
plan (KWD, 3.5% of bookings), her January deal D3 is 2,000.057 KWD and earns 70.001995 KWD (paid as
227.88 USD). The services that feed the rep home, the team page, a deal's explanation and the payee's
results name the plan currency (KWD, from the run's component totals), so the pages print 2,000.057
and 70.002 KWD where the pay currency would have given 2,000.06 and 70.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import insert

from attain.analytics.compute import parse_period
from attain.core.errors import AttainError
from attain.services import access, home
from attain.services.calc import published_plans
from attain.services.deal_currency import booking_currencies, deal_currency
from attain.services.forecast import store_tables
from attain.services.runs import run_payouts
from attain.store.db import reading, transaction
from attain.store.plans import publish, save_draft
from attain.store.tables import ENTITY_TABLES
from tests.payouts.test_fils_end_to_end import ADA, IN_FILS, PLAN, _load
from tests.web.test_money_places_templates import _render

DAY = date(2017, 1, 15)


@pytest.fixture
def gulf_url(migrated_url: str, tmp_path: Path) -> str:
    """The gulf company loaded and January calculated and paid (one run)."""
    _load(migrated_url, tmp_path, IN_FILS)
    assert run_payouts(migrated_url, periods=["2017-01"], actor="fin").issues == []
    return migrated_url


def test_the_payees_results_name_the_plan_currency_of_each_measure(gulf_url: str) -> None:
    with reading(gulf_url) as conn:
        results = access.latest_results(conn, ADA, "U1", DAY)
    assert [p["currency"] for p in results["payouts"]] == ["USD"]
    assert [(m["measure_id"], m["currency"]) for m in results["measures"]] == [("bookings", "KWD")]
    page = _render("_results.html", results=results, payee={"currency": "USD"})
    assert ">227.88 USD<" in page and ">2,000.057<" in page


def test_the_rep_home_of_a_dollar_payee_on_a_dinar_plan_shows_fils(gulf_url: str) -> None:
    with reading(gulf_url) as conn:
        data = home.rep_home(conn, ADA, "U1", DAY)
    assert data["plan_currency"] == "KWD" and data["payee"]["currency"] == "USD"
    page = _render("rep_home.html", home=data, own=False)
    assert ">2,000.057<" in page  # the measure, at the plan's places without the code
    assert '<td class="num">70.002 KWD</td>' in page  # D3's commission, in the plan currency
    assert "227.88 USD" in page  # what she is paid, in her pay currency


def test_the_team_page_shows_each_payees_measures_at_their_plan_currency(gulf_url: str) -> None:
    with reading(gulf_url) as conn:
        team = home.team_overview(conn, ADA, DAY)
    assert {(r["payee_id"], r["currency"]) for r in team["rows"]} == {("K1", "KWD"), ("U1", "KWD")}
    page = _render("team.html", team=team, disputes=[], waiting=[],
                   principal=SimpleNamespace(role="admin", username="ada"))
    assert ">2,000.057<" in page and ">1,000.105<" in page  # Uma is paid in USD, her plan is in KWD
    assert ">227.88 USD<" in page  # the leaderboard stays in what she is paid


def test_a_deal_explanation_totals_in_the_plan_currency(gulf_url: str) -> None:
    with reading(gulf_url) as conn:
        payee = access.payee_profile(conn, ADA, "U1", DAY)
        trace = home.explain_deal(conn, ADA, "U1", "D3", DAY)
    assert trace["plan_currency"] == "KWD"
    page = _render("deal.html", payee=payee, trace=trace)
    assert "Why D3 paid 70.002 KWD" in page


def test_the_what_if_deal_currency_is_the_payees_plan_currency(gulf_url: str) -> None:
    tables, window = store_tables(gulf_url), parse_period("2017-Q1")
    gulf = deal_currency(tables, published_plans(gulf_url), ["U1"], window, "Uma")
    assert (gulf.chosen, gulf.fixed, gulf.quantum) == ("KWD", True, Decimal("0.001"))  # the fils
    dollars = PLAN.replace("plan: gulf", "plan: states").replace("currency: KWD", "currency: USD")
    with transaction(gulf_url, "test") as conn:
        save_draft(conn, "states", 1, dollars, actor="test", effective_from=date(2017, 1, 1))
        publish(conn, "states", 1, actor="test")
    plans = published_plans(gulf_url)
    assert deal_currency(tables, plans, ["U1"], window, "Uma").chosen == "KWD"  # not on the dollar plan
    with transaction(gulf_url, "test") as conn:
        conn.execute(insert(ENTITY_TABLES["plan_assignment"]),
                     [{"payee_id": "U1", "plan_id": "states", "valid_from": date(2017, 2, 1)}])
    tables = store_tables(gulf_url)
    both = deal_currency(tables, plans, ["U1"], window, "Uma")
    assert (both.plans, both.chosen, both.fixed) == (("KWD", "USD"), None, False)
    assert "The plans of Uma in 2017-Q1 pay in KWD and USD: choose" in both.note
    assert deal_currency(tables, plans, ["U1"], parse_period("2017-01"), "Uma").chosen == "KWD"  # before Feb
    assert deal_currency(tables, plans, ["U1"], window, "Uma", "usd").chosen == "USD"
    with pytest.raises(AttainError) as refused:
        deal_currency(tables, plans, ["U1"], window, "Uma", "EUR")
    assert refused.value.code == "ANA012"
    with pytest.raises(AttainError) as unsure:  # the dashboards' expected bookings guess nothing either
        booking_currencies(tables, plans, ["U1", "K1"], window)
    assert unsure.value.code == "ANA012" and "U1" in str(unsure.value)
    nobody = deal_currency(tables, plans, ["NOBODY"], window, "Nobody")
    assert nobody.choices == ("KWD", "USD") and nobody.chosen is None and "no published plan" in nobody.note
