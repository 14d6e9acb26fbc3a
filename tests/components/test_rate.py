"""Flat-rate commission: splits and manager overrides (P7), rate tables, per-unit amounts, parameters."""

from decimal import Decimal

from attain.components.registry import REGISTRY
from tests.components.book import Book, amounts, earn, issues, plan_with

D = Decimal


def rate_plan(parameters=None, **fields):
    extra = {"parameters": parameters} if parameters else {}
    return plan_with({"id": "commission", "kind": "rate", **fields}, **extra)


def test_p7_split_60_40_at_ten_percent():
    book = (Book().credit("ann", "2015-06-01", 60000, txn="DEAL", rule="split", share="0.6")
            .credit("bob", "2015-06-01", 40000, txn="DEAL", rule="split", share="0.4"))
    rows = earn(book, rate_plan(rate="10%"))
    assert {r["payee_id"]: r["amount"] for r in rows} == {"ann": 6000, "bob": 4000}
    assert rows[0]["explanation"] == "credit 60,000.00 of DEAL × 10% = 6,000.00"


def test_p7_override_rep_eight_percent_manager_four_from_payee_parameter():
    book = (Book().credit("rep", "2015-06-10", 100000, txn="DEAL")
            .credit("boss", "2015-06-10", 100000, txn="DEAL", rule="rollup", level=1)
            .assign("rep").assign("boss", parameters={"commission_rate": "4%"}))
    plan = rate_plan(parameters={"commission_rate": "8%"}, rate_parameter="commission_rate")
    rows = earn(book, plan)
    assert {r["payee_id"]: r["amount"] for r in rows} == {"rep": 8000, "boss": 4000}
    assert sum(amounts(rows)) == 12000  # the company pays 12% of the deal in total
    boss = next(r for r in rows if r["payee_id"] == "boss")
    assert boss["rate_or_factor"] == D("0.04")
    assert "(payee parameter commission_rate)" in boss["explanation"]


def test_payee_parameter_as_a_json_number():
    book = Book().credit("rep", "2015-06-10", 1000).assign("rep", parameters={"commission_rate": 0.125})
    rows = earn(book, rate_plan(parameters={"commission_rate": "8%"}, rate_parameter="commission_rate"))
    assert amounts(rows) == [125]


def test_bad_payee_parameter_pays_nothing_and_says_why():
    book = Book().credit("rep", "2015-06-10", 1000).assign("rep", parameters={"commission_rate": "eight"})
    plan = rate_plan(parameters={"commission_rate": "8%"}, rate_parameter="commission_rate")
    assert earn(book, plan) == []
    found = issues(book, plan)
    assert [i["code"] for i in found] == ["CALC032"]
    assert "commission_rate is eight" in found[0]["message"]


def test_rate_table_by_product_family_with_default():
    book = (Book().credit("rep", "2015-06-01", 1000, product_family="GTX")
            .credit("rep", "2015-06-02", 1000, product_family="MG")
            .credit("rep", "2015-06-03", 1000, product_family="GTK"))
    table = {"by": "product_family", "rates": {"GTX": "5%", "MG": "3%"}, "default": "1%"}
    assert amounts(earn(book, rate_plan(rate_table=table))) == [50, 30, 10]


def test_rate_table_without_default_reports_calc031():
    book = Book().credit("rep", "2015-06-01", 1000, product_family="GTX").credit(
        "rep", "2015-06-02", 1000, product_family="Other")
    plan = rate_plan(rate_table={"by": "product_family", "rates": {"GTX": "5%"}})
    assert amounts(earn(book, plan)) == [50]
    assert [i["code"] for i in issues(book, plan)] == ["CALC031"]


def test_per_unit_amount_and_filter():
    book = (Book().credit("rep", "2015-06-01", 900, quantity=3, product_family="GTX")
            .credit("rep", "2015-06-02", 500, quantity=2, product_family="MG"))
    plan = rate_plan(per_unit=25, filter="product_family = 'GTX'")
    rows = earn(book, plan)
    assert amounts(rows) == [75]
    assert rows[0]["explanation"] == "units 3.00 of T1 × 25.00 per unit = 75.00"


def test_per_unit_counts_the_credited_share_and_reversals_give_back():
    book = (Book().credit("ann", "2015-06-01", 600, txn="D", quantity=10, share="0.6")
            .credit("ann", "2015-07-01", -600, txn="R", quantity=10, share="0.6", is_reversal=True,
                    kind="return", reverses_id="D"))
    assert amounts(earn(book, rate_plan(per_unit=5))) == [30, -30]  # 6 units of 10 at 5.00


def test_validate():
    kind = REGISTRY["rate"]
    none = rate_plan()
    assert [i.code for i in kind.validate(none.components[0], none)] == ["PLAN130"]
    both = rate_plan(rate="1%", per_unit=5)
    assert [i.code for i in kind.validate(both.components[0], both)] == ["PLAN131"]
    orphan = rate_plan(rate_parameter="special")
    assert [(i.code, i.severity.value) for i in kind.validate(orphan.components[0], orphan)] == [
        ("PLAN132", "warning")]
