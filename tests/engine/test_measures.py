"""Measures, quotas and proration: the worked examples of the quota chapter."""

from __future__ import annotations

from tests.engine.builders import D, company, plan, run

PAYEES = [{"payee_id": p, "name": p} for p in ("ann", "bob")]
OWNER = [{"id": "own", "kind": "owner"}]


def measure_rows(result, payee="ann"):
    rows = [r for r in result.measures.to_pylist() if r["payee_id"] == payee]
    return {r["period_label"]: r for r in rows}


def on_plan(payee="ann", start="2025-01-01", end=None, ti=None):
    return {"payee_id": payee, "plan_id": "ae", "valid_from": start, "valid_to": end, "target_incentive": ti}


def test_values_to_date_and_attainment_are_exact():
    inputs = company(
        payee=PAYEES,
        plan_assignment=[on_plan()],
        transaction=[
            {"transaction_id": "t1", "date": "2025-02-01", "amount": "1000.00", "owner_id": "ann"},
            {"transaction_id": "t2", "date": "2025-05-01", "amount": "2000.00", "owner_id": "ann"},
        ],
        quota=[
            {
                "assignee_id": "ann",
                "measure": "bookings",
                "period_start": "2025-01-01",
                "period_end": "2025-03-31",
                "amount": "3000.00",
            },
            {
                "assignee_id": "ann",
                "measure": "bookings",
                "period_start": "2025-04-01",
                "period_end": "2025-06-30",
                "amount": "3000.00",
            },
        ],
    )
    rows = measure_rows(run(inputs, plan(OWNER), ["2025-Q1", "2025-Q2"]))
    assert rows["2025-Q1"]["value"] == D("1000") and rows["2025-Q1"]["attainment"] == D("0.3333333333")
    assert rows["2025-Q2"]["value_to_date"] == D("3000")
    assert rows["2025-Q2"]["quota_to_date"] == D("6000")
    assert rows["2025-Q2"]["attainment_to_date"] == D("0.5")


def test_a_yearly_quota_is_spread_over_the_quarters_by_days():
    inputs = company(
        payee=PAYEES,
        plan_assignment=[on_plan()],
        quota=[
            {
                "assignee_id": "ann",
                "measure": "bookings",
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "amount": "36500.00",
            }
        ],
    )
    rows = measure_rows(run(inputs, plan(OWNER), ["2025-Q1", "2025-Q2"]))
    assert rows["2025-Q1"]["quota"] == D("9000")  # 36,500 x 90 / 365
    assert rows["2025-Q2"]["quota"] == D("9100")  # 91 days
    assert rows["2025-Q1"]["value"] == D("0") and rows["2025-Q1"]["attainment"] == D("0")


def test_the_highest_quota_version_wins():
    quota = {
        "assignee_id": "ann",
        "measure": "bookings",
        "period_start": "2025-01-01",
        "period_end": "2025-03-31",
    }
    inputs = company(
        payee=PAYEES,
        plan_assignment=[on_plan()],
        quota=[
            {**quota, "amount": "1000.00", "version": "1"},
            {**quota, "amount": "1500.00", "version": "2"},
        ],
    )
    assert measure_rows(run(inputs, plan(OWNER)))["2025-Q1"]["quota"] == D("1500")


def test_a_mid_quarter_hire_gets_a_quota_prorated_by_days_on_plan():
    # bob joins the plan on 15 Feb: 45 of Q1's 90 days.
    inputs = company(
        payee=PAYEES,
        plan_assignment=[on_plan("bob", start="2025-02-15")],
        transaction=[{"transaction_id": "t1", "date": "2025-03-01", "amount": "1500.00", "owner_id": "bob"}],
        quota=[
            {
                "assignee_id": "bob",
                "measure": "bookings",
                "period_start": "2025-01-01",
                "period_end": "2025-03-31",
                "amount": "6000.00",
            }
        ],
    )
    row = measure_rows(run(inputs, plan(OWNER)), "bob")["2025-Q1"]
    assert (row["quota"], row["quota_prorated"], row["attainment"]) == (D("6000"), D("3000"), D("0.5"))


def test_period_weights_count_the_months_on_plan_at_month_end():
    inputs = company(
        payee=PAYEES,
        plan_assignment=[on_plan("bob", start="2025-02-15")],
        quota=[
            {
                "assignee_id": "bob",
                "measure": "bookings",
                "period_start": "2025-01-01",
                "period_end": "2025-03-31",
                "amount": "6000.00",
            }
        ],
    )
    measures = [{"id": "bookings", "proration": "period_weights", "period_weights": [1, 1, 2]}]
    row = measure_rows(run(inputs, plan(OWNER, measures=measures)), "bob")["2025-Q1"]
    assert row["quota_prorated"] == D("4500")  # Feb + Mar weights 3 of 4


def test_proration_none_keeps_the_whole_quota():
    inputs = company(
        payee=PAYEES,
        plan_assignment=[on_plan("bob", start="2025-02-15")],
        quota=[
            {
                "assignee_id": "bob",
                "measure": "bookings",
                "period_start": "2025-01-01",
                "period_end": "2025-03-31",
                "amount": "6000.00",
            }
        ],
    )
    measures = [{"id": "bookings", "proration": "none"}]
    assert measure_rows(run(inputs, plan(OWNER, measures=measures)), "bob")["2025-Q1"]["quota_prorated"] == D(
        "6000"
    )


def test_no_quota_means_no_attainment():
    inputs = company(
        payee=PAYEES,
        plan_assignment=[on_plan()],
        transaction=[{"transaction_id": "t1", "date": "2025-02-01", "amount": "10.00", "owner_id": "ann"}],
    )
    row = measure_rows(run(inputs, plan(OWNER)))["2025-Q1"]
    assert row["value"] == D("10") and row["quota"] is None and row["attainment"] is None


def test_count_and_distinct_count_measures_with_a_filter():
    inputs = company(
        payee=PAYEES,
        plan_assignment=[on_plan()],
        transaction=[
            {
                "transaction_id": "t1",
                "date": "2025-01-05",
                "amount": "10.00",
                "owner_id": "ann",
                "account_id": "a",
            },
            {
                "transaction_id": "t2",
                "date": "2025-01-06",
                "amount": "2000.00",
                "owner_id": "ann",
                "account_id": "a",
            },
            {
                "transaction_id": "t3",
                "date": "2025-04-06",
                "amount": "3000.00",
                "owner_id": "ann",
                "account_id": "a",
            },
            {
                "transaction_id": "t4",
                "date": "2025-04-07",
                "amount": "3000.00",
                "owner_id": "ann",
                "account_id": "b",
            },
        ],
    )
    measures = [
        {"id": "big_deals", "aggregate": "count", "filter": "amount >= 1000"},
        {"id": "logos", "aggregate": "distinct_count", "of": "account_id"},
    ]
    result = run(inputs, plan(OWNER, measures=measures), ["2025-Q1", "2025-Q2"])
    rows = {(r["measure_id"], r["period_label"]): r for r in result.measures.to_pylist()}
    assert (
        rows[("big_deals", "2025-Q1")]["value"] == 1 and rows[("big_deals", "2025-Q2")]["value_to_date"] == 3
    )
    assert rows[("logos", "2025-Q2")]["value"] == 2  # a and b in Q2
    assert rows[("logos", "2025-Q2")]["value_to_date"] == 2  # a counted once in the year


def test_measures_only_for_periods_on_the_plan():
    inputs = company(payee=PAYEES, plan_assignment=[on_plan(end="2025-03-31")])
    result = run(inputs, plan(OWNER), ["2025-Q1", "2025-Q2"])
    assert sorted(r["period_label"] for r in result.measures.to_pylist()) == ["2025-Q1"]
