"""Tiered commission in SQL against hand-made credits: the public worked examples P1, P2, P4, P5."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from attain.components.registry import REGISTRY
from attain.components.tiers import curve_value
from attain.plans.schema import Boundary, Rating, Tier
from tests.components.book import Book, amounts, context, earn, issues, plan_with, rows_of

D = Decimal
STEP = [{"from": 0, "to": 1000, "rate": "1%"}, {"from": 1000, "to": 3000, "rate": "2%"},
        {"from": 3000, "to": 8000, "rate": "3%"}, {"from": 8000, "to": 20000, "rate": "5%"}]
AMOUNTS = [{"from": 0, "to": 1000, "amount": 10}, {"from": 1000, "to": 3000, "amount": 40},
           {"from": 3000, "to": 8000, "amount": 100}, {"from": 8000, "to": 20000, "amount": 2000}]
P1_DEALS = [("2015-01-01", 200), ("2015-01-02", 300), ("2015-01-15", 1500), ("2015-02-01", 1200),
            ("2015-02-15", 2000), ("2015-03-01", 4500)]


def tiered(**fields):
    return plan_with({"id": "commission", "kind": "tiered", "measure": "bookings", **fields})


def p1_book() -> Book:
    book = Book(pay_period="quarter")
    for day, amount in P1_DEALS:
        book.credit("rep", day, amount)
    return book


def test_p1_per_transaction_step_rates():
    rows = earn(p1_book(), tiered(evaluation="per_transaction", tiers=STEP))
    assert amounts(rows) == [2, 3, 20, 14, 30, 95]
    assert sum(amounts(rows)) == 164
    assert rows[2]["explanation"] == (
        "credit 1,500.00 of T3 rated alone from zero, bookings 0.00 → 1,500.00: "
        "1,000.00 at 1% + 500.00 at 2% = 20.00"
    )


def test_p2_per_transaction_interpolated_amounts():
    rows = earn(p1_book(), tiered(evaluation="per_transaction", rating="interpolated", tiers=AMOUNTS))
    assert amounts(rows) == [2, 3, 20, 14, 30, 80]
    assert sum(amounts(rows)) == 149


def test_p4_accumulated_value_then_a_new_deal():
    table = [{"from": 0, "to": 150000, "rate": "4%"}, {"from": 150000, "to": 250000, "rate": "6%"},
             {"from": 250000, "rate": "8%"}]
    book = Book().credit("rep", "2015-03-02", 145000).credit("rep", "2015-03-20", 20000, txn="NEW")
    rows = earn(book, tiered(tiers=table))
    new = rows[1]
    assert new["amount"] == 1100  # 5,000 at 4% + 15,000 at 6% (blended 5.5%)
    assert (new["basis_before"], new["basis_after"], new["tier_index"], new["tier_rate"]) == (
        145000, 165000, 2, D("0.06"))
    assert new["explanation"] == ("credit 20,000.00 of NEW moved bookings 145,000.00 → 165,000.00: "
                                  "5,000.00 at 4% + 15,000.00 at 6% = 1,100.00")


def test_p5_retroactive_true_up_rides_on_the_deal_that_crosses():
    table = [{"from": 0, "to": 100000, "rate": "50%"}, {"from": 100000, "rate": "60%"}]
    book = Book()
    for day, amount in [("2015-05-04", 60000), ("2015-05-11", 30000), ("2015-05-18", 90000)]:
        book.credit("rep", day, amount)
    retro = earn(book, tiered(rating="retroactive", tiers=table))
    assert amounts(retro) == [30000, 15000, 63000]  # 108,000 - 45,000 already earned at 50%
    assert sum(amounts(retro)) == 108000
    marginal = earn(book, tiered(rating="marginal", tiers=table))
    assert sum(amounts(marginal)) == 98000


def test_cumulative_running_total_resets_each_period():
    book = Book().credit("rep", "2015-01-10", 1500).credit("rep", "2015-02-10", 1500)
    assert amounts(earn(book, tiered(tiers=STEP))) == [20, 20]
    assert amounts(earn(book, tiered(tiers=STEP, tier_period="year"))) == [20, 30]  # 1,500 more at 2%


def test_reversal_nets_to_zero():
    book = (Book().credit("rep", "2015-04-01", 2500, txn="D1")
            .credit("rep", "2015-04-09", -2500, txn="C1", kind="cancellation", is_reversal=True,
                    reverses_id="D1"))
    rows = earn(book, tiered(tiers=STEP))
    assert amounts(rows) == [40, -40]
    assert sum(amounts(rows)) == 0
    assert "-1,000.00 at 1% + -1,500.00 at 2%" in rows[1]["explanation"]


def test_period_end_on_the_year_to_date_pays_the_difference():
    table = [{"from": 0, "to": 50000, "rate": "1%"}, {"from": 50000, "rate": "2%"}]
    book = Book(pay_period="quarter").credit("rep", "2015-02-01", 30000).credit("rep", "2015-05-01", 30000)
    rows = earn(book, tiered(evaluation="period_end", tier_period="year", tiers=table))
    by_period = {r["period_label"]: r["amount"] for r in rows}
    assert by_period["2015-Q1"] == 300
    assert by_period["2015-Q2"] == 400  # F(60,000) = 700, minus 300 earned in Q1
    assert all(r["credit_id"] is None for r in rows)


def test_attainment_bounds_scale_with_the_prorated_quota():
    table = [{"from": 0, "to": 1, "rate": "5%"}, {"from": 1, "rate": "8%"}]
    book = (Book().credit("rep", "2015-01-05", 30000).credit("rep", "2015-01-25", 20000)
            .quota("rep", "2015-01", 40000))
    rows = earn(book, tiered(basis="attainment", tiers=table))
    assert amounts(rows) == [1500, 1300]  # 30,000 at 5%; then 10,000 at 5% + 10,000 at 8%


def test_attainment_payout_curve_pays_a_share_of_target_incentive():
    # 100% of target incentive at 100% attainment, then 2x above: 120% attainment -> 140% of TI
    curve = [{"from": 0, "to": 1, "rate": 1}, {"from": 1, "rate": 2}]
    book = (Book(pay_period="quarter").credit("rep", "2015-01-10", 60000).credit("rep", "2015-02-10", 60000)
            .quota("rep", "2015-Q1", 100000).assign("rep", target_incentive=10000))
    period_end = earn(book, tiered(basis="attainment", rate_of="target_incentive", evaluation="period_end",
                                   tiers=curve))
    assert [r["amount"] for r in period_end if r["period_label"] == "2015-Q1"] == [14000]
    cumulative = earn(book, tiered(basis="attainment", rate_of="target_incentive", tiers=curve))
    assert amounts(cumulative) == [6000, 8000]
    assert cumulative[1]["basis_after"] == D("1.2")


def year_book() -> Book:
    # quarterly quota 100,000 and target incentive 10,000; Q1 books 120,000, Q2 books 60,000
    return (Book(pay_period="quarter").assign("rep", target_incentive=10000)
            .credit("rep", "2015-02-01", 120000).credit("rep", "2015-05-01", 60000)
            .quota("rep", "2015-Q1", 100000).quota("rep", "2015-Q2", 100000))


def test_year_to_date_payout_curve_trues_up_against_quota_and_incentive_to_date():
    curve = [{"from": 0, "to": 1, "rate": 1}, {"from": 1, "rate": 2}]
    plan = tiered(rate_of="target_incentive", basis="attainment", evaluation="period_end", tier_period="year",
                  tiers=curve)
    by_period = {r["period_label"]: r["amount"] for r in earn(year_book(), plan)}
    # Q1: 120% of 100,000 -> 1.4 × 10,000 = 14,000. Q2: 180,000 / 200,000 = 90% -> 0.9 × 20,000 = 18,000
    # to date, so Q2 pays 18,000 - 14,000 = 4,000.
    assert (by_period["2015-Q1"], by_period["2015-Q2"]) == (14000, 4000)
    cumulative = tiered(rate_of="target_incentive", basis="attainment", tier_period="year", tiers=curve)
    # each deal rated on its own period's curve: Q2's deal moves 60% -> 90% of 200,000: 0.3 × 20,000
    assert amounts(earn(year_book(), cumulative)) == [14000, 6000]


def test_year_to_date_attainment_bounds_use_the_quota_to_date():
    table = [{"from": 0, "to": 1, "rate": "5%"}, {"from": 1, "rate": "8%"}]
    plan = tiered(basis="attainment", evaluation="period_end", tier_period="year", tiers=table)
    by_period = {r["period_label"]: r["amount"] for r in earn(year_book(), plan)}
    # Q1: 100,000 at 5% + 20,000 at 8% = 6,600; Q2: 180,000 of a 200,000 quota to date at 5% = 9,000
    assert (by_period["2015-Q1"], by_period["2015-Q2"]) == (6600, 2400)


def test_no_quota_pays_nothing_and_reports_calc030():
    table = [{"from": 0, "to": 1, "rate": "5%"}, {"from": 1, "rate": "8%"}]
    book = (Book().credit("rep", "2015-01-05", 30000).quota("rep", "2015-01", 40000)
            .credit("rep", "2015-02-05", 5))
    plan = tiered(basis="attainment", tiers=table)
    assert [r["period_label"] for r in earn(book, plan)] == ["2015-01"]
    found = {(i["code"], i["period_label"]) for i in issues(book, plan)}
    assert ("CALC030", "2015-02") in found
    assert ("CALC030", "2015-01") not in found


def test_validate_reports_what_the_schema_cannot():
    kind = REGISTRY["tiered"]
    plan = tiered(rating="interpolated", tiers=[{"from": 0, "to": 1000, "rate": "1%"},
                                                {"from": 2000, "amount": 50}])
    codes = sorted(i.code for i in kind.validate(plan.components[0], plan))
    assert codes == ["PLAN120", "PLAN124", "PLAN124"]
    good = tiered(tiers=STEP)
    assert kind.validate(good.components[0], good) == []
    wrong = tiered(measure="nope", tiers=STEP)
    assert [i.code for i in kind.validate(wrong.components[0], wrong)] == ["PLAN126"]


def test_lean_runs_skip_the_sql_sentence_and_explain_describes_the_line():
    plan = tiered(tiers=STEP)
    book = Book().credit("rep", "2015-01-05", 500).credit("rep", "2015-01-09", 1500, txn="T3")
    kind = REGISTRY["tiered"]
    sql = kind.earnings_sql(plan.components[0], context(plan, explanations=False))
    lean = rows_of(book.session(plan), sql + " ORDER BY credit_id")
    assert [r["amount"] for r in lean] == [5, 25]
    assert all(r["explanation"] is None for r in lean)
    assert kind.explain(lean[1]) == "tiered commission, on T3, basis 500.00 → 2,000.00, tier 2 at 2%: 25.00"


# -- the SQL running total equals a row-by-row walk with the Python curve ---------------------------


DEALS = st.lists(
    st.tuples(st.integers(1, 3), st.integers(1, 28), st.decimals("-5000", "20000", places=2)),
    min_size=1, max_size=12,
)


@given(DEALS, st.sampled_from(list(Rating)), st.sampled_from(list(Boundary)),
       st.sampled_from(["period", "year"]))
@settings(max_examples=25, deadline=None)
def test_cumulative_lines_walk_the_curve_in_date_order(deals, rating, boundary, tier_period):
    table = [{"from": 0, "to": 1000, "rate": "1%", "amount": 10}, {"from": 1000, "to": 3000, "rate": "2%",
             "amount": 40}, {"from": 3000, "rate": "3%"}]
    plan = tiered(tiers=table, rating=rating.value, boundary=boundary.value, tier_period=tier_period)
    book = Book()
    for month, day, amount in deals:
        book.credit("rep", f"2015-{month:02d}-{day:02d}", amount)
    got = {r["credit_id"]: r["amount"] for r in earn(book, plan)}
    tiers = [Tier.model_validate(t) for t in table]
    running: dict[str, Decimal] = {}
    for row in sorted(book.credits, key=lambda r: (r["date"], r["transaction_id"], r["credit_id"])):
        key = row["year_label"] if tier_period == "year" else row["period_label"]
        before = running.get(key, Decimal(0))
        after = running[key] = before + row["credit"]
        want = curve_value(tiers, after, rating, boundary) - curve_value(tiers, before, rating, boundary)
        assert got[row["credit_id"]] == want, row


HYBRID = [{"from": 0, "to": "0.5", "rate": 0},
          {"from": "0.5", "to": 1, "rating": "interpolated", "amount": 1750},
          {"from": 1, "rate": "5%"}]


def test_per_transaction_year_table_rates_each_credit_on_the_period_quota():
    # Found by the engine-vs-oracle property test (the oracle then paid 0, since changed to this
    # reading): a per_transaction table rates each credit alone against the PERIOD's quota, whatever
    # its tier_period. Monthly quota 20,000. January's 10,000 is 50% -> tier 2 starts, F = 0.
    # February's 20,000 is 100% of February's 20,000 (not 50% of the 40,000 to date): the whole
    # interpolated tier, 1,750. March's 25,000 is 125%: 1,750 + 5,000 above quota at 5% = 2,000.
    book = (Book().credit("rep", "2015-01-10", 10000).credit("rep", "2015-02-10", 20000)
            .credit("rep", "2015-03-10", 25000))
    for label in ("2015-01", "2015-02", "2015-03"):
        book.quota("rep", label, 20000)
    for tier_period in ("period", "year"):
        plan = tiered(basis="attainment", evaluation="per_transaction", tier_period=tier_period, tiers=HYBRID)
        rows = earn(book, plan)
        assert amounts(rows) == [0, 1750, 2000], tier_period
        assert [r["basis_after"] for r in rows] == [10000, 20000, 25000]
        assert [r["tier_index"] for r in rows] == [2, 3, 3]  # boundary higher: a bound starts its tier
