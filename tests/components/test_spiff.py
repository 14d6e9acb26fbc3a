"""SPIFFs: a date window, every deal vs once per period, reversals take the SPIFF back."""

from decimal import Decimal

from attain.components.registry import REGISTRY
from tests.components.book import Book, earn, issues, plan_with

D = Decimal


def spiff(**fields):
    return plan_with({"id": "gtx_push", "kind": "spiff", "filter": "product_family = 'GTX'",
                      "window_from": "2015-03-01", "window_to": "2015-03-31", **fields})


def march_book() -> Book:
    return (Book().credit("rep", "2015-02-27", 1000, txn="EARLY", product_family="GTX")
            .credit("rep", "2015-03-02", 1000, txn="A", product_family="GTX")
            .credit("rep", "2015-03-05", 1000, txn="OTHER", product_family="MG")
            .credit("rep", "2015-03-31", 1000, txn="B", product_family="GTX")
            .credit("rep", "2015-04-01", 1000, txn="LATE", product_family="GTX"))


def test_every_deal_in_the_window_earns():
    rows = earn(march_book(), spiff(amount=250))
    assert [(r["transaction_id"], r["amount"]) for r in rows] == [("A", 250), ("B", 250)]
    assert rows[0]["explanation"] == "deal A qualifies (dated 2015-03-01 to 2015-03-31): 250.00"


def test_once_per_period_pays_the_first_deal_only():
    rows = earn(march_book(), spiff(amount=250, frequency="once_per_period"))
    assert [(r["transaction_id"], r["amount"]) for r in rows] == [("A", 250)]


def test_cancellation_after_the_window_takes_the_spiff_back():
    book = march_book().credit("rep", "2015-05-04", -1000, txn="X", kind="cancellation", is_reversal=True,
                               reverses_id="A", product_family="GTX")
    rows = earn(book, spiff(amount=250))
    assert [(r["period_label"], r["transaction_id"], r["amount"]) for r in rows] == [
        ("2015-03", "A", 250), ("2015-03", "B", 250), ("2015-05", "X", -250)]
    once = earn(book, spiff(amount=250, frequency="once_per_period"))
    assert [r["transaction_id"] for r in once] == ["B"]  # A was cancelled: B is the first that stands


def test_two_rows_of_one_deal_are_taken_back_once_each():
    # the manager holds two roll-up rows of deal D (one per split rep): paid twice, taken back twice
    book = Book()
    for share in ("0.5", "0.5"):
        book.credit("mo", "2015-03-10", 500, txn="D", rule="manager", share=share, level=1,
                    product_family="GTX")
    for share in ("0.5", "0.5"):
        book.credit("mo", "2015-04-02", -500, txn="C", rule="manager", share=share, level=1,
                    is_reversal=True, kind="cancellation", reverses_id="D", product_family="GTX")
    plan = plan_with({"id": "gtx_push", "kind": "spiff", "amount": 100, "filter": "product_family = 'GTX'"})
    rows = earn(book, plan)
    assert [(r["period_label"], r["amount"]) for r in rows] == [
        ("2015-03", 100), ("2015-03", 100), ("2015-04", -100), ("2015-04", -100)]


def test_amount_formula_per_deal():
    rows = earn(march_book(), spiff(amount_formula="credit * 0.02"))
    assert [r["amount"] for r in rows] == [20, 20]


def test_amount_formula_without_value_reports_calc045():
    book = march_book()
    plan = spiff(amount_formula="quantity * 5")  # no quantity on these deals
    assert earn(book, plan) == []
    assert [i["code"] for i in issues(book, plan)] == ["CALC045", "CALC045"]


def test_validate():
    plan = plan_with({"id": "s", "kind": "spiff", "amount": 1, "amount_formula": "credit",
                      "window_from": "2015-03-31", "window_to": "2015-03-01", "credit_rules": ["ghost"]})
    found = sorted(i.code for i in REGISTRY["spiff"].validate(plan.components[0], plan))
    assert found == ["PLAN146", "PLAN147", "PLAN148"]
