"""The ``what_if`` service learns each rep's orders per call and average order value in the currency of
their expected booking, never across currencies (SQLite and PostgreSQL).

The two-currency company with opportunities of tests/services/test_metrics_currencies.py (Khalid K1
on ``gulf``, KWD; Uma U1 on ``gulf`` and ``states``, KWD and USD), plus ten calls of Khalid in
January 2017 and a second won order of his, 100.00 EUR (O6). For 2017-02 Khalid's booking is in KWD:

  learned in KWD: 1 order (O1, 1,000.105 KWD) in 10 calls -> 0.1 orders per call, 1,000.105 KWD
  1 call a day over February's 20 working days: 20.00 calls -> 2.00 orders -> 2,000.210 KWD

Before, O1 and O6 were added: 0.2 orders per call and (1,000.105 + 100.00) / 2 = 550.0525 "KWD",
4.00 orders -> 2,200.21 (cents, not fils). Uma's plans pay in KWD and USD: no order value is learned
for her (``booking_currency_or_none`` says None where ``booking_currencies`` refuses), and the service,
with no one to ask, answers ANA012 for her (the what-if page asks for the currency instead).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from attain.analytics.compute import parse_period
from attain.analytics.funnel import funnel_in_currency
from attain.analytics.views import connect
from attain.core.errors import AttainError
from attain.services.calc import published_plans
from attain.services.deal_currency import booking_currencies, booking_currency_or_none
from attain.services.forecast import store_tables, what_if
from tests.services.test_metrics_currencies import DEALS
from tests.services.test_two_currency_pages import DINAR_DEALS, STATES
from tests.support.store_company import load_csv_company

CALLS = "activity_id,payee_id,kind,occurred_at\n" + "".join(
    f"C{n},K1,call,2017-01-{n + 2:02d} 10:00:00\n" for n in range(10))
WITH_CALLS = {
    **DEALS,
    "opportunity": DEALS["opportunity"] + "O6,K1,PE,won,100.00,EUR,2016-12-20,2017-01-20\n",
    "activity": CALLS,
}


@pytest.fixture
def calls_url(migrated_url: str, tmp_path: Path) -> str:
    load_csv_company(migrated_url, tmp_path, WITH_CALLS, (("gulf", DINAR_DEALS), ("states", STATES)))
    return migrated_url


def test_a_rep_learns_in_their_booking_currency_only(calls_url: str) -> None:
    tables, plans = store_tables(calls_url), published_plans(calls_url)
    (khalid,) = what_if(tables, plans, ["K1"], "2017-02", date(2017, 2, 1), calls_per_day=Decimal(1))
    assert (khalid.calls, khalid.orders) == (Decimal("20.00"), Decimal("2.00"))  # 0.1 per call, not 0.2
    assert str(khalid.revenue) == "2000.210"  # at 1,000.105 KWD an order, to the fils


def test_the_learned_funnel_counts_the_orders_it_leaves_out(calls_url: str) -> None:
    con = connect(store_tables(calls_url))
    try:
        dinars = funnel_in_currency(con, date(2017, 2, 1), ["K1"], "KWD")
        unknown = funnel_in_currency(con, date(2017, 2, 1), ["K1"], None)
    finally:
        con.close()
    khalid = dinars.ratios["K1"]
    assert (khalid.orders, khalid.orders_per_call, str(khalid.average_order_value)) == (1, Decimal("0.1"),
                                                                                        "1000.105")
    assert dinars.left_out == {"EUR": 1} and dinars.without_history(["K1", "U1"]) == ["U1"]
    # no deal currency yet: orders are counted in every currency, no order value is learned
    assert unknown.ratios["K1"].orders == 2 and unknown.ratios["K1"].average_order_value is None
    assert unknown.left_out == {}


def test_a_rep_on_plans_in_two_currencies_is_never_given_a_guessed_currency(calls_url: str) -> None:
    tables, plans = store_tables(calls_url), published_plans(calls_url)
    window = parse_period("2017-02")
    assert booking_currency_or_none(tables, plans, ["K1", "U1"], window) == {"K1": "KWD", "U1": None}
    with pytest.raises(AttainError) as refused:
        booking_currencies(tables, plans, ["U1"], window)
    assert refused.value.code == "ANA012"
    with pytest.raises(AttainError) as asked:
        what_if(tables, plans, ["U1"], "2017-02", date(2017, 2, 1), calls_per_day=Decimal(1),
                orders_per_call=Decimal("0.1"), deal_size=Decimal(100))
    assert asked.value.code == "ANA012"
