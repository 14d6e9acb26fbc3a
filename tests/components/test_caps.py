"""Caps and floors on component totals: per period, per year to date, % of target incentive, floors."""

from decimal import Decimal

from attain.components.caps import cap_lines
from attain.components.registry import REGISTRY
from attain.plans.dialect import DUCKDB
from tests.components.book import Book, earn_stage, plan_with, rows_of, run_plan

D = Decimal


def commission(**limits):
    return plan_with({"id": "commission", "kind": "rate", "rate": "10%", **limits})


def three_months() -> Book:
    # commissions at 10%: January 7,000, February 3,000, March 2,000, April nothing
    return (Book().assign("rep", target_incentive=2000, periods=["2015-01", "2015-02", "2015-03", "2015-04"])
            .credit("rep", "2015-01-15", 70000).credit("rep", "2015-02-15", 30000)
            .credit("rep", "2015-03-15", 20000))


def by_period(totals, *columns):
    mine = [t for t in totals if t["component_id"] == "commission"]
    return {t["period_label"]: tuple(t[c] for c in columns) for t in mine}


def test_cap_per_period():
    _, totals = run_plan(three_months(), commission(cap={"amount": 5000}))
    assert by_period(totals, "earned", "capped_amount", "amount") == {
        "2015-01": (7000, 2000, 5000), "2015-02": (3000, 0, 3000), "2015-03": (2000, 0, 2000),
        "2015-04": (0, 0, 0)}


def test_cap_per_year_limits_the_year_to_date():
    # 8,000 a year: January 7,000; February min(3,000, 8,000 - 7,000) = 1,000; March nothing
    _, totals = run_plan(three_months(), commission(cap={"amount": 8000, "per": "year"}))
    assert by_period(totals, "amount", "capped_amount") == {
        "2015-01": (7000, 0), "2015-02": (1000, 2000), "2015-03": (0, 2000), "2015-04": (0, 0)}


def test_cap_per_year_and_a_reversal_gives_back_only_what_exceeded_the_cap():
    book = three_months().credit("rep", "2015-04-02", -10000, kind="cancellation", is_reversal=True)
    _, totals = run_plan(book, commission(cap={"amount": 8000, "per": "year"}))
    # to date: earned 12,000 - 1,000 = 11,000, still above the 8,000 cap: April pays 0
    assert by_period(totals, "earned", "amount")["2015-04"] == (-1000, 0)


def test_cap_as_percent_of_target_incentive():
    _, totals = run_plan(three_months(), commission(cap={"percent_of_target_incentive": "200%"}))
    assert by_period(totals, "amount")["2015-01"] == (4000,)  # 200% of 2,000
    yearly_cap = {"percent_of_target_incentive": "125%", "per": "year"}
    _, yearly = run_plan(three_months(), commission(cap=yearly_cap))
    # 125% of the ANNUAL target incentive (4 months on plan x 2,000 = 8,000): 10,000 from January on
    assert by_period(yearly, "amount", "capped_amount") == {
        "2015-01": (7000, 0), "2015-02": (3000, 0), "2015-03": (0, 2000), "2015-04": (0, 0)}


def test_floor_per_period_tops_up_even_without_earnings():
    _, totals = run_plan(three_months(), commission(floor={"amount": 2500}))
    assert by_period(totals, "amount", "floor_amount") == {
        "2015-01": (7000, 0), "2015-02": (3000, 0), "2015-03": (2500, 500), "2015-04": (2500, 2500)}


def test_cap_lines_keep_the_trace_summing_to_the_totals():
    plan = commission(cap={"amount": 5000}, floor={"amount": 2500})
    con = earn_stage(three_months(), plan)
    adjustments = rows_of(con, cap_lines(plan, "totals", DUCKDB) + " ORDER BY period_label")
    assert [(r["period_label"], r["component_kind"], r["amount"]) for r in adjustments] == [
        ("2015-01", "cap", -2000), ("2015-03", "floor", 500), ("2015-04", "floor", 2500)]
    assert adjustments[0]["explanation"] == (
        "cap 5000 per period: earned 7,000.00, capped off 2,000.00, pays 5,000.00")
    traced = rows_of(con, f"""SELECT period_label, SUM(amount) AS amount FROM (
        SELECT period_label, amount FROM earnings
        UNION ALL SELECT period_label, amount FROM ({cap_lines(plan, "totals", DUCKDB)}))
        GROUP BY period_label""")
    totals = rows_of(con, "SELECT period_label, amount FROM totals")
    by_line = {r["period_label"]: r["amount"] for r in traced}
    assert by_line == {t["period_label"]: t["amount"] for t in totals}


def test_amount_rounded_half_even_to_cents_keeps_the_unrounded_amount():
    book = Book().assign("rep", periods=["2015-01"]).credit("rep", "2015-01-15", 1)
    _, totals = run_plan(book, plan_with({"id": "commission", "kind": "rate", "rate": "12.5%"}))
    assert (totals[0]["amount"], totals[0]["amount_rounded"]) == (D("0.125"), D("0.12"))


def test_validate_cap_needs_exactly_one_limit():
    plan = commission(cap={"amount": 1, "percent_of_target_incentive": "10%"}, floor={})
    found = [i.code for i in REGISTRY["rate"].validate(plan.components[0], plan)]
    assert found == ["PLAN149", "PLAN149"]
