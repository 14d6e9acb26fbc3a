"""Pages print money with its currency's places: a Kuwaiti payee's measures, a deal's total and an
estimate's totals show the fils (3 places), a US payee's the cents. The templates are rendered with
the pages' own environment (``build_environment``) and the context their views pass."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from attain.web.templating import build_environment

BASE: dict[str, Any] = {"principal": None, "nav": [], "csrf_token": "t", "csrf_field": lambda: "",
                        "flashes": [], "path": "/", "page_url": lambda offset: "/"}


def _render(name: str, **context: Any) -> str:
    return build_environment().get_template(name).render({**BASE, **context})


def _results(currency: str) -> dict[str, Any]:
    return {"run_id": 7,
            "payouts": [{"period_label": "2017-01", "currency": currency, "amount": Decimal("35.004")}],
            "measures": [{"period_label": "2017-01", "measure_id": "bookings", "value": Decimal("1000.105"),
                          "quota_prorated": Decimal("2500.0005"), "attainment": Decimal("0.4")}]}


def test_measures_show_the_fils_of_a_kuwaiti_payee_and_the_cents_of_a_us_one() -> None:
    kuwaiti = _render("_results.html", results=_results("KWD"), payee={"currency": "KWD"})
    assert ">35.004 KWD<" in kuwaiti and ">1,000.105<" in kuwaiti and ">2,500.000<" in kuwaiti
    american = _render("_results.html", results={**_results("USD"), "payouts": []}, payee={"currency": "USD"})
    assert ">1,000.10<" in american and ">2,500.00<" in american  # half-even: .105 -> .10
    unknown = _render("_results.html", results={**_results("KWD"), "payouts": []}, payee={"currency": None})
    assert ">1,000.10<" in unknown  # no currency known: 2 places


def test_a_deal_total_shows_the_fils_of_its_currency() -> None:
    trace = {"transaction_id": "D1", "run_id": 3, "totals": {None: Decimal("35.0035")}, "earnings": [],
             "source": {"transaction_id": "D1", "kind": "booking", "date": "2017-01-10",
                        "amount": Decimal("1000.10"), "currency": "KWD", "owner_id": "K1", "account_id": None,
                        "product_id": None, "source_file": None, "source_line": None}}
    page = _render("deal.html", trace=trace, payee={"payee_id": "K1", "name": "Khalid"})
    assert "Why D1 paid 35.004 KWD" in page
    gone = _render("deal.html", trace={**trace, "source": None}, payee={"payee_id": "K1", "name": "Khalid"})
    assert "Why D1 paid 35.00<" in gone  # no source row: no currency to read, 2 places


def test_estimate_totals_show_the_fils_of_the_components_currency() -> None:
    components = [{"component_id": "commission", "currency": "KWD", "without": Decimal("35.004"),
                   "with": Decimal("70.0085"), "difference": Decimal("35.0045")}]
    estimate = SimpleNamespace(deals=[object()], components=components, issues=[],
                               without=Decimal("35.004"), with_deals=Decimal("70.0085"),
                               difference=Decimal("35.0045"))
    home = {"payee": {"name": "Khalid", "payee_id": "K1"},
            "period": {"label": "2017-01", "start": "2017-01-01", "end": "2017-01-31"}}
    page = _render("estimate.html", home=home, estimate=estimate, error=None, amount="", date="",
                   opportunities=[], chosen=[])
    assert "you earn <strong>35.004 KWD</strong> more" in page  # half-even: 4 is even
    total = '<th scope="row">Total</th><td class="num">35.004 KWD</td><td class="num">70.008 KWD</td>'
    assert total in page


def test_the_rep_home_shows_measures_tiers_commissions_and_draws_to_the_fils() -> None:
    period = {"label": "2017-01", "start": "2017-01-01", "end": "2017-01-31"}
    home = {
        "payee": {"payee_id": "K1", "name": "Khalid", "currency": "KWD"}, "run_id": 3, "period": period,
        "earnings": {"period": {"KWD": Decimal("35.004")}, "year_to_date": {"KWD": Decimal("35.004")}},
        "draws": [{"draw_id": "ramp", "plan_id": "gulf", "balance_after": Decimal("99.9995"),
                   "period_label": "2017-01"}],
        "measures": [{"measure_id": "bookings", "value": Decimal("1000.105"),
                      "quota_prorated": Decimal("2500"), "bar_percent": Decimal("40"),
                      "attainment": Decimal("0.4"), "pace": None}],
        "next_tiers": [{"more": Decimal("1499.895"), "measure_id": "bookings", "next_rate": Decimal("0.05"),
                        "component_id": "commission", "current_rate": Decimal("0.035")}],
        "deals": [{"date": "2017-01-10", "transaction_id": "D1", "account_name": None,
                   "deal_amount": Decimal("1000.105"), "currency": "KWD",
                   "commissions": {"KWD": Decimal("35.003675")}}],
        "lines": [], "statement_periods": [], "disputes": [],
    }
    page = _render("rep_home.html", home=home, own=True)
    for shown in (">35.004 KWD<", "100.000 KWD owed", ">1,000.105<", ">2,500.000<",
                  "<strong>1,499.895 more bookings</strong>", '<td class="num">35.004 KWD</td>'):
        assert shown in page, shown


def test_the_team_page_shows_each_payees_measures_at_their_currency_places() -> None:
    measure = {"measure_id": "bookings", "bar_percent": Decimal("40"), "attainment": Decimal("0.4")}
    team = {"run_id": 3, "period": {"label": "2017-01"},
            "rows": [{**measure, "payee_id": "K1", "name": "Khalid", "value": Decimal("1000.105"),
                      "quota_prorated": Decimal("2500")},
                     {**measure, "payee_id": "U1", "name": "Uma", "value": Decimal("2000.057"),
                      "quota_prorated": Decimal("5000")}],
            "leaders": [{"payee_id": "K1", "name": "Khalid", "currency": "KWD", "amount": Decimal("35.004")}]}
    page = _render("team.html", team=team, disputes=[], waiting=[],
                   principal=SimpleNamespace(role="manager", username="mona"))
    assert ">1,000.105<" in page and ">2,500.000<" in page  # Khalid is paid in KWD: fils
    assert ">2,000.06<" in page and ">5,000.00<" in page  # Uma has no payout yet: 2 places
    assert ">35.004 KWD<" in page


def test_a_kuwaiti_quota_version_shows_its_changes_and_outlook_to_the_fils() -> None:
    from datetime import date

    from attain.services.quota_versions import LineChange, QuotaLine

    start, end = date(2017, 1, 1), date(2017, 12, 31)
    line = QuotaLine("payee", "K1", "bookings", start, end, Decimal("12000.0005"), "KWD")
    version = SimpleNamespace(id=2, label="Gulf 2017 v2", status="draft", effective_from=start,
                              created_by="pat", created_at=None, approved_by=None, approved_at=None,
                              published_by=None, published_at=None, published_as=None)
    rep = SimpleNamespace(rep="K1", quota=Decimal("1000.0005"), p10=None, median=None, p90=None,
                          at_quota=None, vs_team=None, flag="")
    outlook = SimpleNamespace(periods=12, period_months=1, history_from=start, history_to=end,
                              measure="bookings", source="owned deals",
                              team=SimpleNamespace(median=None, expected_at_quota=0, reps=[rep], outliers=[]))
    page = _render("planning_quota.html", found=SimpleNamespace(lines=[line], notes=[]), version=version,
                   base=1, changes=[LineChange(line.key, Decimal("11000.0015"), line.amount)],
                   outlook=outlook, outlook_error="", chart="", may_edit=False, may_approve=False,
                   may_send_back=False, may_publish=False, versions=[])
    assert ">11,000.002 KWD<" in page and ">12,000.000 KWD<" in page  # the change, half-even to the fils
    assert ">1,000.000 KWD<" in page  # the outlook's quota per period


def test_the_what_if_shows_a_kuwaiti_plans_deal_revenue_and_commission_to_the_fils() -> None:
    from attain.services.deal_currency import DealCurrency
    from attain.web.whatif_pages import percent, show

    figures = {"calls": Decimal(65), "orders": Decimal(1), "revenue": Decimal("5000.005"),
               "commission_actual": Decimal(0), "commission_expected": Decimal("175.0035"),
               "commission_added": Decimal("175.0035")}
    rep = SimpleNamespace(payee_id="K1", orders=Decimal(1), revenue=Decimal("5000.005"),
                          commission_expected=Decimal("175.0035"))
    current = SimpleNamespace(calls_per_day=Decimal(1), orders_per_call=Decimal("0.015385"),
                              deal_size=Decimal(5000))
    view = SimpleNamespace(
        scope=SimpleNamespace(title="Dashboard of Khalid", subject="K1"),
        window=SimpleNamespace(label="2017-Q2", start="2017-04-01", end="2017-06-30"), start="2017-04-01",
        working_days=65, current=current, note="", total=lambda lines: figures, baseline=[rep, rep],
        scenario=[rep, rep], names={}, has_commission=True, deal=DealCurrency(("KWD",), ("KWD",), "KWD"),
        learned="")
    page = _render("whatif.html", kind="rep", view=view, changed=False, percent=percent, show=show,
                   currency="KWD", chart=None, error=None, kinds=[], choices=[],
                   form={"calls_per_day": "", "orders_per_call": "", "deal_size": ""})
    assert 'data-figure="commission_expected-baseline">175.004<' in page  # half-even: 3 is odd, goes up
    assert 'data-figure="revenue-baseline">5,000.005<' in page  # revenue in the deal currency, the fils
    assert "Deal size (KWD)" in page and "USD" not in page and 'name="currency"' not in page
    assert '<td class="num">175.004</td>' in page  # per rep
    assert show(Decimal("175.0035"), True) == "175.00" and show(Decimal("1.5"), False) == "1.5"
