"""Attainment bands and the activity needs compare won deals and quota within one currency.

The company of test_dashboards.py (Mia manages Ann, Bob and Cy), with currencies:

- Ann: 2017-Q1 quota 100 KWD; d1 won 60 KWD (2017-01-10), d2 won 240 USD (2017-02-20). Her
  attainment is 60 / 100 = 60% (50-80%), not (60 + 240) / 100; the dollars are named in a note.
  For 2017-Q2 her quota is 300 KWD: at her dinar order value (60 a deal) she needs 5 orders, and at
  her ratios (2 orders a quote, a quote per 2 meetings, a meeting per 2 calls) 3 quotes, 6 meetings,
  12 calls, where the order value over both currencies (300 / 2 = 150) gave 2 orders and 4 calls.
- Bob: quota 200 USD and 50 KWD in Q1 (100 USD and 100 KWD in Q2): in no band and no calls a day,
  a note says why, where before his 250 "of quota" counted his 50 won as 20%.
- Cy: 100 USD, nothing won: below 50%.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest

from attain.analytics import dashboards
from attain.analytics.compute import parse_period
from attain.analytics.funnel import period_needs
from attain.analytics.views import connect, scoped
from tests.analytics.test_dashboards import Q1
from tests.analytics.test_dashboards import tables as company  # noqa: F401 - the fixture

D = date.fromisoformat
Q2 = parse_period("2017-Q2")
QUOTAS = [  # who, measure, start, end, amount, currency
    ("ann", "bookings", "2017-01-01", "2017-03-31", "100", "KWD"),
    ("bob", "bookings", "2017-01-01", "2017-03-31", "200", "USD"),
    ("bob", "bookings_kwd", "2017-01-01", "2017-03-31", "50", "KWD"),
    ("cy", "bookings", "2017-01-01", "2017-03-31", "100", "USD"),
    ("ann", "bookings", "2017-04-01", "2017-06-30", "300", "KWD"),
    ("bob", "bookings", "2017-04-01", "2017-06-30", "100", "USD"),
    ("bob", "bookings_kwd", "2017-04-01", "2017-06-30", "100", "KWD"),
]


@pytest.fixture
def currencies(company: dict[str, pa.Table]) -> dict[str, pa.Table]:  # noqa: F811
    deals = company["opportunity"]
    amounts = [Decimal(240) if d == "d2" else a for d, a in zip(deals["opportunity_id"].to_pylist(),
                                                                deals["amount"].to_pylist(), strict=True)]
    deals = deals.set_column(deals.schema.get_field_index("amount"), "amount",
                             pa.array(amounts, pa.decimal128(18, 2)))
    who, measure, start, end, amount, code = zip(*QUOTAS, strict=True)
    return {**company,
            "opportunity": deals.append_column("currency", pa.array(["KWD", "USD", "USD", "USD", "USD"])),
            "product": company["product"].append_column("currency", pa.array(["USD"])),
            "quota": pa.table({
                "assignee_kind": ["payee"] * len(QUOTAS), "assignee_id": list(who), "measure": list(measure),
                "period_start": pa.array([D(s) for s in start], pa.date32()),
                "period_end": pa.array([D(e) for e in end], pa.date32()),
                "amount": pa.array([Decimal(a) for a in amount], pa.decimal128(18, 2)),
                "currency": list(code), "version": [1] * len(QUOTAS)})}


def test_attainment_bands_divide_within_one_currency(currencies: dict[str, pa.Table]) -> None:
    panel = dashboards.executive(connect(currencies), Q1, D("2017-03-31")).panel("attainment_distribution")
    bands = {r["band"]: r["sellers"] for r in panel.rows}
    assert bands == {"below 50%": 1, "50–80%": 1, "80–100%": 0, "100–120%": 0, "120% and more": 0}
    assert panel.notes == [
        "Ann A: won in USD not counted against the KWD quota.",
        "Bob B: quota in KWD and USD, in no band (attainment is won ÷ quota within one currency; amounts "
        "in two currencies are never added).",
    ]


def test_a_company_in_one_currency_keeps_its_bands(company: dict[str, pa.Table]) -> None:  # noqa: F811
    panel = dashboards.executive(connect(company), Q1, D("2017-03-31")).panel("attainment_distribution")
    assert {r["band"]: r["sellers"] for r in panel.rows}["120% and more"] == 1 and panel.notes == []


def test_the_activity_needed_is_in_the_quotas_currency(currencies: dict[str, pa.Table]) -> None:
    needs = {n.who: n for n in period_needs(connect(currencies), Q2, Q2.start)}
    ann = needs["ann"]
    assert (ann.currency, ann.remaining_quota) == ("KWD", Decimal(300))
    assert (ann.orders, ann.quotes, ann.appointments, ann.calls) == (5, 3, 6, 12)
    bob = needs["bob"]
    assert bob.remaining_quota is None and bob.calls is None and bob.currencies == ("KWD", "USD")
    assert bob.sentence() == ("bob: quota in KWD and USD, no calls a day computed (amounts in two "
                              "currencies are never added)")


def test_a_quota_in_a_currency_never_won_in_has_no_order_value(currencies: dict[str, pa.Table]) -> None:
    dollars = {**currencies, "quota": currencies["quota"].filter(
        pa.compute.equal(currencies["quota"]["assignee_id"], "ann"))}
    dollars["quota"] = dollars["quota"].set_column(
        dollars["quota"].schema.get_field_index("currency"), "currency", pa.array(["EUR", "EUR"]))
    (ann,) = period_needs(connect(dollars), Q2, Q2.start)
    assert ann.calls is None and ann.currency == "EUR"
    assert ann.sentence() == "ann: no won order in EUR before the period to learn an order value from"


def test_the_dashboards_say_so(currencies: dict[str, pa.Table]) -> None:
    con = connect(currencies)
    team = dashboards.manager(con, Q2, D("2017-04-30")).panel("activity_targets")
    assert ("Bob B: quota in KWD and USD, no calls a day computed (amounts in two currencies are never "
            "added)") in team.notes
    assert {r["payee_id"] for r in team.rows} == {"ann"}
    mine = dashboards.rep(scoped(con, ["ann"]), Q2, D("2017-04-01")).panel("funnel_needs")
    assert {r["step"]: r["needed"] for r in mine.rows}["Orders"] == 5
    assert mine.notes[0].startswith("ann: to reach your quota you need")
