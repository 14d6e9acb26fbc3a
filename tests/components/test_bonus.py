"""Bonuses: threshold on attainment or amount, % of target incentive, once per year, payout curve."""

from decimal import Decimal

from attain.components.registry import REGISTRY
from tests.components.book import Book, earn, issues, plan_with

D = Decimal


def bonus(**fields):
    return plan_with({"id": "club", "kind": "bonus", "measure": "bookings", **fields})


def quarterly() -> Book:
    # quota 100,000 a quarter; Q1 90% (misses), Q2 110% (reaches), Q3 130% (reaches again)
    book = Book(pay_period="quarter").assign("rep", target_incentive=20000)
    for quarter, day, amount in [("Q1", "2015-02-01", 90000), ("Q2", "2015-05-01", 110000),
                                 ("Q3", "2015-08-01", 130000)]:
        book.credit("rep", day, amount).quota("rep", f"2015-{quarter}", 100000)
    return book


def test_threshold_on_period_attainment_pays_each_period_it_is_reached():
    rows = earn(quarterly(), bonus(threshold=1, amount=5000))
    assert [(r["period_label"], r["amount"]) for r in rows] == [("2015-Q2", 5000), ("2015-Q3", 5000)]
    assert rows[0]["explanation"] == ("bookings attainment 110.00% reached the 100% threshold: "
                                      "bonus 5,000.00")


def test_once_per_year_pays_in_the_first_period_it_is_reached():
    # Q1 90% misses, Q2 110% reaches (paid), Q3 130% reaches again (not paid again)
    rows = earn(quarterly(), bonus(threshold=1, percent_of_target_incentive="10%", frequency="once_per_year"))
    assert [(r["period_label"], r["amount"]) for r in rows] == [("2015-Q2", 2000)]  # 10% of 20,000
    curve = earn(quarterly(), bonus(curve=[{"from": 1, "rate": 1}], frequency="once_per_year"))
    assert [(r["period_label"], r["amount"]) for r in curve] == [("2015-Q2", 2000)]  # (110% - 100%) × TI


def test_threshold_on_amount():
    rows = earn(quarterly(), bonus(basis="amount", threshold=120000, amount=1000))
    assert [r["period_label"] for r in rows] == ["2015-Q3"]


def test_payout_curve_on_attainment():
    # 50% of TI per unit of attainment up to 100%, then 150%: Q1 90% -> 45%; Q2 110% -> 65%; Q3 130% -> 95%
    curve = [{"from": 0, "to": 1, "rate": "0.5"}, {"from": 1, "rate": "1.5"}]
    rows = earn(quarterly(), bonus(curve=curve))
    assert [(r["period_label"], r["amount"]) for r in rows] == [
        ("2015-Q1", 9000), ("2015-Q2", 13000), ("2015-Q3", 19000)]
    assert rows[1]["explanation"] == ("bookings attainment 110.00%: curve pays 0.65 of target incentive "
                                      "20,000.00 = 13,000.00")


def test_no_quota_reports_calc030_and_pays_nothing():
    book = Book(pay_period="quarter").credit("rep", "2015-02-01", 500000)
    plan = bonus(threshold=1, amount=5000)
    assert earn(book, plan) == []
    assert {i["code"] for i in issues(book, plan)} == {"CALC030"}


def test_validate():
    kind = REGISTRY["bonus"]
    neither = bonus(threshold=1)
    assert [i.code for i in kind.validate(neither.components[0], neither)] == ["PLAN140"]
    no_threshold = bonus(amount=100)
    assert [i.code for i in kind.validate(no_threshold.components[0], no_threshold)] == ["PLAN141"]
    muddled = bonus(curve=[{"from": 0, "rate": 1}], amount=5)
    assert [i.code for i in kind.validate(muddled.components[0], muddled)] == ["PLAN142"]
