"""MBO: target incentive × weight × min(score, max_score) per objective, warnings for gaps."""

from decimal import Decimal

from attain.components.registry import REGISTRY
from tests.components.book import Book, amounts, earn, issues, plan_with

D = Decimal


def mbo(max_score=1):
    return plan_with({"id": "objectives", "kind": "mbo", "max_score": max_score, "objectives": [
        {"id": "pipeline", "weight": "60%"}, {"id": "training", "weight": "40%"}]})


def test_weighted_scores_times_target_incentive():
    book = (Book(pay_period="quarter").assign("rep", target_incentive=5000)
            .score("rep", "pipeline", "2015-Q1", "0.9").score("rep", "training", "2015-Q1", 1))
    rows = earn(book, mbo())
    assert [(r["rule_id"], r["amount"]) for r in rows] == [("pipeline", 2700), ("training", 2000)]
    assert sum(amounts(rows)) == 4700  # 5,000 × (60% × 0.9 + 40% × 1)
    assert rows[0]["explanation"] == ("objective pipeline (weight 60%) scored 0.9: 60% × 0.9 × target "
                                      "incentive 5,000.00 = 2,700.00")


def test_score_above_max_is_limited_and_reported():
    book = Book(pay_period="quarter").assign("rep", target_incentive=5000).score(
        "rep", "pipeline", "2015-Q1", "1.5")
    plan = mbo(max_score="1.2")
    assert amounts(earn(book, plan)) == [3600]  # 5,000 × 60% × 1.2
    found = {(i["code"], i["severity"]) for i in issues(book, plan)}
    assert found == {("CALC041", "info"), ("CALC040", "warning")}  # training has no score in Q1


def test_no_scores_at_all_is_quiet():
    book = Book(pay_period="quarter").assign("rep", target_incentive=5000)
    assert earn(book, mbo()) == []
    assert issues(book, mbo()) == []


def test_validate():
    plan = plan_with({"id": "o", "kind": "mbo", "objectives": [
        {"id": "a", "weight": "70%"}, {"id": "a", "weight": "50%"}]})
    found = [(i.code, i.severity.value) for i in REGISTRY["mbo"].validate(plan.components[0], plan)]
    assert sorted(found) == [("PLAN144", "error"), ("PLAN145", "warning")]
