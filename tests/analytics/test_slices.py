"""Territory and segment slices, CSAT, customer lifetime value and forecast categories, by hand.

The company: ann (territory North until 2017-02-28, then South) and bob (South) report to mia.

    deal  owner account  status  amount  close       category   cost of its transactions
    d1    ann   BIG      won     100.00  2017-01-10             60.00 (one transaction)
    d2    ann   SMALL    won     50.00   2017-03-15             none stated
    d3    bob   SMALL    won     30.00   2017-03-20             10.00 + 5.00
    d4    bob   BIG      open    —       2017-03-25  Commit     (expected close; list price 40.00)
    d5    bob   SMALL    open    70.00   2017-03-31  best case  (the rep's expected amount)
    d6    ann   SMALL    open    20.00   2017-05-01  commit     (expected after Q1)

BIG has no segment but 12,000 employees (Enterprise); SMALL says segment "SMB". Account SMALL
belongs to territory West from 2017-03-01 (so it beats the owner's territory from then on).
Surveys: ann 5, 4, 2; bob 3 (all in Q1).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from attain.analytics.compute import MetricValue, compute_metrics
from attain.analytics.views import connect, scoped

MONEY = pa.decimal128(18, 2)
D = date.fromisoformat


@pytest.fixture
def company() -> dict[str, pa.Table]:
    deals = [("d1", "ann", "BIG", "won", "100.00", "2017-01-10", None),
             ("d2", "ann", "SMALL", "won", "50.00", "2017-03-15", None),
             ("d3", "bob", "SMALL", "won", "30.00", "2017-03-20", None),
             ("d4", "bob", "BIG", "open", None, "2017-03-25", "Commit"),
             ("d5", "bob", "SMALL", "open", "70.00", "2017-03-31", "best case"),
             ("d6", "ann", "SMALL", "open", "20.00", "2017-05-01", "commit")]
    ids, owners, accounts, statuses, amounts, closes, categories = zip(*deals, strict=True)
    return {
        "opportunity": pa.table({
            "opportunity_id": ids, "owner_id": owners, "account_id": accounts, "status": statuses,
            "product_id": ["P"] * 6, "stage": ["x"] * 6,
            "amount": pa.array([Decimal(a) if a else None for a in amounts], MONEY),
            "engage_date": pa.array([D("2017-01-01")] * 6, pa.date32()),
            "close_date": pa.array([D(c) for c in closes], pa.date32()),
            "forecast_category": pa.array(list(categories), pa.string())}),
        "transaction": pa.table({
            "transaction_id": ["t1", "t2", "t3", "t4"], "opportunity_id": ["d1", "d2", "d3", "d3"],
            "attributes": ['{"cost": "60.00"}', None, '{"cost": 10}', '{"cost": "5.00"}']}),
        "activity": pa.table({"activity_id": pa.array([], pa.string())}),
        "quota": pa.table({"assignee_kind": ["payee", "payee"], "assignee_id": ["ann", "bob"],
                           "measure": ["bookings"] * 2, "version": [1, 1],
                           "period_start": pa.array([D("2017-01-01")] * 2, pa.date32()),
                           "period_end": pa.array([D("2017-03-31")] * 2, pa.date32()),
                           "amount": pa.array([Decimal(300), Decimal(100)], MONEY)}),
        "payee": pa.table({"payee_id": ["ann", "bob", "mia"]}),
        "reporting_line": pa.table({"payee_id": ["ann", "bob"], "manager_id": ["mia", "mia"],
                                    "valid_from": pa.array([D("2016-01-01")] * 2, pa.date32())}),
        "product": pa.table({"product_id": ["P"], "list_price": pa.array([Decimal("40.00")], MONEY)}),
        "account": pa.table({"account_id": ["BIG", "SMALL"], "segment": [None, "SMB"],
                             "employees": pa.array([12000, 40], pa.int64())}),
        "territory_assignment": pa.table({
            "territory_id": ["North", "South", "South"], "payee_id": ["ann", "ann", "bob"],
            "valid_from": pa.array([D("2016-01-01"), D("2017-03-01"), D("2016-01-01")], pa.date32()),
            "valid_to": pa.array([D("2017-02-28"), None, None], pa.date32())}),
        "account_territory": pa.table({
            "account_id": ["SMALL"], "territory_id": ["West"],
            "valid_from": pa.array([D("2017-03-01")], pa.date32())}),
        "survey": pa.table({"survey_id": ["s1", "s2", "s3", "s4"], "payee_id": ["ann", "ann", "ann", "bob"],
                            "account_id": ["BIG", "SMALL", "SMALL", "BIG"],
                            "date": pa.array([D("2017-02-01")] * 4, pa.date32()),
                            "score": pa.array([5, 4, 2, 3], pa.int64())}),
    }


def values(con: duckdb.DuckDBPyConnection, by: str | None, period: str | None,
           names: list[str]) -> dict[tuple[str, str], MetricValue]:
    return {(r.slice, r.metric): r for r in compute_metrics(con, by, period, names)}


def test_territory_follows_account_then_owner_on_the_day(company: dict[str, pa.Table]) -> None:
    got = values(connect(company), "territory", "2017-Q1", ["revenue", "quota"])
    assert got[("North", "revenue")].value == Decimal("100.00")  # d1: ann held North in January
    assert got[("West", "revenue")].value == Decimal("80.00")  # d2 + d3: account SMALL is West from March
    assert got[("North", "quota")].value == Decimal(300)  # quotas follow the payee on the quota start:
    assert got[("South", "quota")].value == Decimal(100)  # ann held North on 2017-01-01, bob South


def test_segment_uses_the_size_band_when_empty(company: dict[str, pa.Table]) -> None:
    got = values(connect(company), "segment", "2017-Q1", ["revenue", "won_deals"])
    assert got[("Enterprise", "revenue")].value == Decimal("100.00")
    assert got[("SMB", "won_deals")].value == 2


def test_csat_share_and_mean(company: dict[str, pa.Table]) -> None:
    got = values(connect(company), "payee", "2017-Q1", ["csat", "average_csat_score"])
    assert got[("ann", "csat")].value == Decimal("0.6666666667")  # 5 and 4 of 5, 4, 2
    assert got[("ann", "average_csat_score")].value == Decimal("3.6666666667")  # 11 / 3
    assert got[("bob", "csat")].value == 0
    company_wide = values(connect(company), None, "2017-Q1", ["csat"])
    assert company_wide[("all", "csat")].numerator == 2 and company_wide[("all", "csat")].denominator == 4


def test_lifetime_value_and_margin_per_customer(company: dict[str, pa.Table]) -> None:
    got = values(connect(company), None, None, ["customer_lifetime_value", "margin_per_customer",
                                                "value_per_customer"])
    assert got[("all", "customer_lifetime_value")].value == Decimal("90.00")  # 180 over BIG, SMALL
    # margin only where every transaction states its cost: d1 (100 − 60) and d3 (30 − 15), two customers
    assert got[("all", "margin_per_customer")].value == Decimal("27.50")


def test_commit_and_best_case_forecast(company: dict[str, pa.Table]) -> None:
    got = values(connect(company), "payee", "2017-Q1", ["commit_forecast", "best_case_forecast"])
    assert got[("bob", "commit_forecast")].value == Decimal("70.00")  # 30 won + d4 at list price 40
    assert got[("bob", "best_case_forecast")].value == Decimal("140.00")  # + d5 at its amount 70
    assert got[("ann", "commit_forecast")].value == Decimal("150.00")  # d6 is expected in May, not Q1


def test_scoped_cursor_sees_only_its_payees(company: dict[str, pa.Table]) -> None:
    con = connect(company)
    got = values(scoped(con, ["bob"]), "payee", "2017-Q1", ["revenue", "csat"])
    assert {key[0] for key in got} == {"bob"}
    assert values(scoped(con, []), None, None, ["revenue"]) == {}  # nobody in scope: no figures at all
    assert values(con, None, None, ["revenue"])[("all", "revenue")].value == Decimal("180.00")


def test_quotas_are_prorated_by_days_in_whole_cents_half_even() -> None:
    con = duckdb.connect()
    from attain.analytics.views import PRORATION_MACROS

    for macro in PRORATION_MACROS:
        con.execute(macro)

    def share(amount: str, start: str, end: str, window: tuple[str, str]) -> Decimal:
        row = con.execute("SELECT prorated(CAST(? AS DECIMAL(18, 2)), ?::DATE, ?::DATE, ?::DATE, ?::DATE)",
                          [amount, start, end, *window]).fetchone()
        assert row is not None
        return Decimal(row[0])

    year = ("2017-01-01", "2017-12-31")
    assert share("365000.00", *year, ("2017-01-01", "2017-03-31")) == Decimal("90000.00")  # 90 of 365 days
    assert share("365000.00", *year, ("2016-01-01", "2018-12-31")) == Decimal("365000.00")  # whole quota
    assert share("365000.00", *year, ("2018-01-01", "2018-03-31")) == 0
    assert share("100.00", "2017-01-01", "2017-01-03", ("2017-01-01", "2017-01-01")) == Decimal("33.33")
    assert share("0.03", "2017-01-01", "2017-01-02", ("2017-01-01", "2017-01-01")) == Decimal("0.02")  # 1.5 ¢
    assert share("0.01", "2017-01-01", "2017-01-02", ("2017-01-01", "2017-01-01")) == 0  # 0.5 ¢ → 0 (even)


def test_a_yearly_quota_gives_each_quarter_its_share(company: dict[str, pa.Table]) -> None:
    quotas = company["quota"]
    index = quotas.schema.get_field_index("period_end")
    yearly = quotas.set_column(index, "period_end", pa.array([D("2017-12-31")] * 2, pa.date32()))
    con = connect({**company, "quota": yearly})
    q1 = values(con, "payee", "2017-Q1", ["quota", "quota_attainment"])
    assert q1[("ann", "quota")].value == Decimal("73.97")  # 300 × 90 / 365 = 73.972…
    assert q1[("ann", "quota_attainment")].value == Decimal("2.0278491280")  # 150 / 73.97
    q2 = values(con, "payee", "2017-Q2", ["quota"])
    assert q2[("bob", "quota")].value == Decimal("24.93")  # 100 × 91 / 365 = 24.931…
    assert values(con, None, None, ["quota"])[("all", "quota")].value == Decimal(400)  # all time: whole
