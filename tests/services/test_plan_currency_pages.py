"""A payee paid in US dollars on a Kuwaiti-dinar plan sees measures and commissions to the fils.

The company is the one of tests/payouts/test_fils_end_to_end.py: Uma (U1) is paid in USD on the ``gulf``
plan (KWD, 3.5% of bookings), her January deal D3 is 2,000.057 KWD and earns 70.001995 KWD (paid as
227.88 USD). The services that feed the rep home, the team page, a deal's explanation and the payee's
results name the plan currency (KWD, from the run's component totals), so the pages print 2,000.057
and 70.002 KWD where the pay currency would have given 2,000.06 and 70.00.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from attain.services import access, home
from attain.services.runs import run_payouts
from attain.store.db import reading, transaction
from attain.store.plans import publish, save_draft
from attain.web.whatif_pages import commission_currency
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


def test_the_what_if_names_the_published_plans_currency_when_they_share_one(gulf_url: str) -> None:
    assert commission_currency(gulf_url) == "KWD"  # the gulf plan: commission to the fils
    dollars = PLAN.replace("plan: gulf", "plan: states").replace("currency: KWD", "currency: USD")
    with transaction(gulf_url, "test") as conn:
        save_draft(conn, "states", 1, dollars, actor="test", effective_from=date(2017, 1, 1))
        publish(conn, "states", 1, actor="test")
    assert commission_currency(gulf_url) is None  # two currencies: none named, the cent
