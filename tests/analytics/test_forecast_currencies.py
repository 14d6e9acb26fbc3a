"""The forecast panels per currency: every money figure in the currency its data names, never summed
across currencies.

The company of test_dashboards.py (Mia manages Ann, Bob and Cy; 2017-Q1 quotas Ann 100, Bob 200,
Cy 100; Ann won 60 + 60, Bob 50, Cy has one open deal at a 40 list price). Here Ann sells in KWD
(her deals and quota in dinars), Bob and Cy in USD, so Mia's team is in two currencies:

  KWD row: quota 100.000, won to 2017-02-15 60.000 (d1), commission 10.5006 -> 10.501 KWD
  USD row: quota 300.00, won 50.00 (d3), commission 5.00 USD
  never one row of 400 / 110 / 15.5006.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest

from attain.analytics import dashboards
from attain.analytics.amounts import Commissions, at_minor_unit, per_currency
from attain.analytics.export import panel_csv, workbook
from attain.analytics.views import connect
from attain.web.dashboard_pages import _cell
from tests.analytics.test_dashboards import Q1
from tests.analytics.test_dashboards import tables as company  # noqa: F401 - the fixture

AS_OF = date(2017, 2, 15)
COMMISSION = Commissions({"ann": {"KWD": Decimal("10.5006")}, "bob": {"USD": Decimal(5)}})


def _in(tables: dict[str, pa.Table], currencies: dict[str, str]) -> dict[str, pa.Table]:
    """The company with each owner's deals and quota in ``currencies`` (owner → code)."""
    deals, quota = tables["opportunity"], tables["quota"]
    return {**tables,
            "opportunity": deals.append_column("currency", pa.array(
                [currencies[o] for o in deals["owner_id"].to_pylist()])),
            "quota": quota.append_column("currency", pa.array(
                [currencies[o] for o in quota["assignee_id"].to_pylist()]))}


@pytest.fixture
def two_currencies(company: dict[str, pa.Table]) -> dict[str, pa.Table]:  # noqa: F811
    return _in(company, {"ann": "KWD", "bob": "USD", "cy": "USD"})


def test_one_currency_company_is_labelled_from_its_data(company: dict[str, pa.Table]) -> None:  # noqa: F811
    euro = _in(company, {"ann": "EUR", "bob": "EUR", "cy": "EUR"})
    euro["product"] = euro["product"].append_column("currency", pa.array(["EUR"]))  # Cy's list price
    paid = Commissions({"ann": {"EUR": Decimal("10.505")}, "bob": {"EUR": Decimal(5)}})
    panel = dashboards.executive(connect(euro), Q1, AS_OF, paid).panel("forecast_by_team")
    (team,) = panel.rows
    assert team["currency"] == "EUR"  # from the data: no USD anywhere
    assert (team["quota"], team["won"], team["commit"]) == (Decimal(400), Decimal(110), Decimal(170))
    assert team["commission"] == Decimal("15.50")  # 10.50 (half-even) + 5.00
    assert _cell(team, "quota", "money") == ("400.00 EUR", True) and panel.chart is not None
    # a commission in another currency than the figures gets its own row, never added to them
    other = dashboards.executive(connect(euro), Q1, AS_OF, COMMISSION).panel("forecast_by_team")
    assert {(r["currency"], r["commission"]) for r in other.rows} == {
        ("EUR", Decimal(0)), ("KWD", Decimal("10.501")), ("USD", Decimal(5))}


def test_without_a_currency_column_the_entity_default_is_the_label(company: dict[str, pa.Table]  # noqa: F811
                                                                   ) -> None:
    board = dashboards.executive(connect(company), Q1, AS_OF, {"ann": Decimal("10.50"), "bob": Decimal(5)})
    (team,) = board.panel("forecast_by_team").rows
    assert team["currency"] == "USD"  # the entity's declared default, as an import fills it
    assert (team["quota"], team["won"], team["commission"]) == (Decimal(400), Decimal(110), Decimal("15.50"))
    assert board.panel("forecast_by_team").chart is not None


def test_a_team_in_two_currencies_has_a_row_per_currency_and_no_sum(two_currencies: dict[str, pa.Table]
                                                                    ) -> None:
    panel = dashboards.executive(connect(two_currencies), Q1, AS_OF, COMMISSION).panel("forecast_by_team")
    rows = {r["currency"]: r for r in panel.rows}
    assert set(rows) == {"KWD", "USD"} and {r["who"] for r in panel.rows} == {"mia"}
    kwd, usd = rows["KWD"], rows["USD"]
    assert (kwd["quota"], kwd["won"], kwd["commission"]) == (Decimal(100), Decimal(60), Decimal("10.501"))
    assert str(kwd["quota"]) == "100.000" and str(kwd["commission"]) == "10.501"  # to the fils
    assert (usd["quota"], usd["won"], usd["commission"]) == (Decimal(300), Decimal(50), Decimal("5.00"))
    assert kwd["commit"] == Decimal(120) and usd["commit"] == Decimal(50)  # Ann's 60 + 60, Bob's 50
    assert kwd["attainment"] == Decimal("0.6") and usd["forecast"] == usd["won"] + usd["pipeline"]
    assert all(r["quota"] != Decimal(400) and r["won"] != Decimal(110) for r in panel.rows)
    assert "Mia M: figures in KWD and USD, one row per currency (amounts in two currencies are never " \
           "added)." in panel.notes
    assert panel.chart is None  # one axis cannot carry dinars and dollars
    assert _cell(kwd, "quota", "money") == ("100.000 KWD", True)
    assert _cell(usd, "commission", "money") == ("5.00 USD", True)


def test_reps_keep_their_own_currency(two_currencies: dict[str, pa.Table]) -> None:
    panel = dashboards.manager(connect(two_currencies), Q1, AS_OF, COMMISSION).panel("forecast_by_rep")
    assert [(r["who"], r["currency"], r["quota"], r["commission"]) for r in panel.rows] == [
        ("ann", "KWD", Decimal(100), Decimal("10.501")),
        ("ann", "USD", None, Decimal("0.00")),  # d2, open at the cut-off, weighted at its dollar list price
        ("bob", "USD", Decimal(200), Decimal("5.00")),
        ("cy", "USD", Decimal(100), Decimal("0.00")),
    ]


def test_a_rep_paid_in_two_currencies_gets_both_never_the_sum(two_currencies: dict[str, pa.Table]) -> None:
    paid = Commissions({"ann": {"KWD": Decimal("70.001995"), "USD": Decimal("30.005")}})
    panel = dashboards.manager(connect(two_currencies), Q1, AS_OF, paid).panel("forecast_by_rep")
    ann = {r["currency"]: r for r in panel.rows if r["who"] == "ann"}
    assert ann["KWD"]["commission"] == Decimal("70.002") and ann["USD"]["commission"] == Decimal("30.00")
    assert ann["USD"]["quota"] is None and ann["USD"]["won"] == 0  # no dollar quota: no attainment
    assert ann["USD"]["attainment"] is None
    assert paid == {} and per_currency(paid, "ann") == {"KWD": Decimal("70.001995"), "USD": Decimal("30.005")}


def test_a_plain_commission_is_left_out_where_its_currency_is_unknown(two_currencies: dict[str, pa.Table]
                                                                      ) -> None:
    panel = dashboards.manager(connect(two_currencies), Q1, AS_OF, {"ann": Decimal(1), "bob": Decimal(2)}
                               ).panel("forecast_by_rep")
    assert {(r["who"], r["currency"]): r["commission"] for r in panel.rows} == {
        ("ann", "KWD"): Decimal(0), ("ann", "USD"): Decimal(0), ("bob", "USD"): Decimal("2.00"),
        ("cy", "USD"): Decimal("0.00")}
    assert "Expected commission of Ann A left out: it names no currency and their figures are in " \
           "several." in panel.notes


def test_exports_name_the_currency_and_keep_its_places(two_currencies: dict[str, pa.Table]) -> None:
    panel = dashboards.executive(connect(two_currencies), Q1, AS_OF, COMMISSION).panel("forecast_by_team")
    text = panel_csv(panel)
    assert text.splitlines()[0].startswith("Who,Name,Currency,Quota,")
    assert "mia,Mia M,KWD,100.000," in text and "mia,Mia M,USD,300.00," in text
    assert b"#,##0.000" in _sheet_xml(workbook([panel]))  # fils shown for the dinar row


def _sheet_xml(data: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read("xl/styles.xml")


def test_at_minor_unit() -> None:
    assert at_minor_unit(Decimal("30.005"), "USD") == Decimal("30.00")
    assert at_minor_unit(Decimal("70.001995"), "KWD") == Decimal("70.002")
    assert at_minor_unit(Decimal("1.5"), "JPY") == Decimal(2)
    assert at_minor_unit(Decimal("1.2345"), None) == Decimal("1.2345")


def test_the_sample_company_keeps_its_figures_in_usd_from_its_data(sample_tables: dict[str, pa.Table]
                                                                   ) -> None:
    """MavenTech is all USD: one row per team, the same quota, won, pipeline and commit/best case as
    summing every rep's figures (``forecast_vs_quota``) and the catalog's forecasts per manager."""
    from attain.analytics.compute import compute_metrics, parse_period
    from attain.analytics.forecast import forecast_vs_quota

    window, as_of = parse_period("2017-Q4"), date(2017, 11, 15)
    con = connect(sample_tables)
    panel = dashboards.executive(con, window, as_of).panel("forecast_by_team")
    assert {r["currency"] for r in panel.rows} == {"USD"} and len(panel.rows) == 6
    assert {c.unit for c in panel.columns if c.key in ("quota", "won", "commit")} == {"money"}
    reps = forecast_vs_quota(con, window.start, window.end, as_of)
    categories = compute_metrics(con, "manager", window.label, ["commit_forecast", "best_case_forecast"])
    forecasts = {(v.slice, v.metric): v.value for v in categories}
    for row in panel.rows:
        mine = [r for r in reps if r["manager_id"] == row["who"]]
        assert row["quota"] == sum(r["quota"] for r in mine)
        assert row["won"] == sum(r["won"] for r in mine)
        assert row["pipeline"] == sum(r["pipeline"] for r in mine)
        assert row["commit"] == forecasts[row["who"], "commit_forecast"]
        assert row["best_case"] == forecasts[row["who"], "best_case_forecast"]
    assert sum(r["quota"] for r in panel.rows) == Decimal(2_507_000)


def test_the_other_panels_name_their_money_from_the_data(company: dict[str, pa.Table]) -> None:  # noqa: F811
    euro = _in(company, {"ann": "EUR", "bob": "EUR", "cy": "EUR"})
    euro["product"] = euro["product"].append_column("currency", pa.array(["EUR"]))
    board = dashboards.executive(connect(euro), Q1, AS_OF)
    office = {c.key: c for c in board.panel("win_rate_by_office").columns}
    assert office["revenue"].unit == "EUR" and office["sales_velocity"].unit == "EUR/day"
    assert office["sales_velocity"].label == "Velocity (EUR/day)" and office["win_rate"].unit == "ratio"
    headline = {r["metric"]: r for r in board.panel("headline").rows}
    assert headline["revenue"]["unit"] == "EUR" and headline["revenue"]["value"] == Decimal(170)
    assert headline["win_rate"]["unit"] == "ratio"
    usd = dashboards.executive(connect(company), Q1, AS_OF)  # no currency column: the entity default
    assert {c.key: c.unit for c in usd.panel("win_rate_by_office").columns}["revenue"] == "USD"


def test_the_other_panels_never_add_two_currencies(two_currencies: dict[str, pa.Table]) -> None:
    board = dashboards.manager(connect(two_currencies), Q1, date(2017, 3, 31))
    note = ("Amounts not shown: the deals and quotas in scope are in KWD and USD, and amounts in two "
            "currencies are never added (the forecast panel gives them per currency).")
    leaders = board.panel("leaderboard")
    assert note in leaders.notes and all(r["revenue"] is None for r in leaders.rows)
    assert [r["won_deals"] for r in leaders.rows] == [2, 1, 0]  # counts and ratios stay
    headline = {r["metric"]: r for r in board.panel("headline").rows}
    assert headline["revenue"]["value"] is None and headline["win_rate"]["value"] is not None
    assert headline["quota_attainment"]["value"] is None  # won ÷ quota over dinars and dollars
    attainment = board.panel("attainment_by_rep")
    assert note in attainment.notes and all(r["quota_attainment"] is None for r in attainment.rows)
    rep = dashboards.rep(connect(two_currencies), Q1, date(2017, 3, 31))
    pace = rep.panel("pace")
    assert pace.notes == [note] and all(r["won_to_date"] is None for r in pace.rows)
