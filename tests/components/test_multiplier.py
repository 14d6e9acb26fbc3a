"""Multipliers (stage 2): accelerators on multi-year deals, attainment ranges, decelerators."""

from decimal import Decimal

from attain.components.registry import REGISTRY
from tests.components.book import Book, plan_with, run_plan

D = Decimal
COMMISSION = {"id": "commission", "kind": "rate", "rate": "10%"}


def multiyear_book() -> Book:
    return (Book().credit("rep", "2015-03-02", 10000, txn="MULTI", contract_term_months=36)
            .credit("rep", "2015-03-09", 10000, txn="ANNUAL", contract_term_months=12))


def test_one_and_a_half_times_on_multi_year_deals():
    plan = plan_with(COMMISSION, {"id": "multi_year", "kind": "multiplier", "applies_to": ["commission"],
                                  "factor": "1.5", "condition": "contract_term_months >= 24"})
    lines, totals = run_plan(multiyear_book(), plan)
    uplift = [r for r in lines if r["component_id"] == "multi_year"]
    assert [(r["transaction_id"], r["amount"], r["rate_or_factor"]) for r in uplift] == [
        ("MULTI", 500, D("1.5"))]  # 50% of the 1,000 commission on the 36-month deal
    assert uplift[0]["explanation"] == ("×1.5 on commission line of MULTI when (contract_term_months >= 24): "
                                        "0.5 × 1,000.00 = 500.00")
    march = {t["component_id"]: t["amount"] for t in totals if t["period_label"] == "2015-03"}
    assert march == {"commission": 2000, "multi_year": 500}


def test_attainment_range_uses_attainment_to_date():
    book = (Book().credit("rep", "2015-01-10", 8000).credit("rep", "2015-02-10", 5000)
            .quota("rep", "2015-01", 10000).quota("rep", "2015-02", 2000))
    plan = plan_with(COMMISSION, {"id": "kicker", "kind": "multiplier", "applies_to": ["commission"],
                                  "factor": 2, "measure": "bookings", "attainment_at_least": 1})
    lines, _ = run_plan(book, plan)
    kicker = [(r["period_label"], r["amount"]) for r in lines if r["component_id"] == "kicker"]
    assert kicker == [("2015-02", 500)]  # Jan 80% to date; Feb 13,000 / 12,000 = 108% -> doubled


def test_decelerator_takes_away():
    plan = plan_with(COMMISSION, {"id": "short_deals", "kind": "multiplier", "applies_to": ["commission"],
                                  "factor": "0.5", "condition": "contract_term_months < 24"})
    lines, _ = run_plan(multiyear_book(), plan)
    assert [(r["transaction_id"], r["amount"]) for r in lines if r["component_id"] == "short_deals"] == [
        ("ANNUAL", -500)]


def test_validate():
    kind = REGISTRY["multiplier"]
    plan = plan_with(COMMISSION, {"id": "m", "kind": "multiplier", "applies_to": ["commission", "ghost"],
                                  "factor": 2, "attainment_at_least": "1.2", "attainment_below": "1"})
    found = sorted(i.code for i in kind.validate(plan.components[1], plan))
    assert found == ["PLAN135", "PLAN136", "PLAN137"]
