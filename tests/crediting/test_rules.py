"""Crediting rules, each like a handbook example: the deal, the rule, who gets what credit and why."""

from __future__ import annotations

from tests.engine.builders import D, codes, company, credits_of, plan, run

PAYEES = [{"payee_id": p, "name": p} for p in ("ann", "bob", "cy", "mia", "max", "dee", "dan", "ovl")]


def booking(
    tid: str, day: str, amount: str, owner: str | None = "ann", **extra: str
) -> dict[str, str | None]:
    return {
        "transaction_id": tid,
        "kind": "booking",
        "date": day,
        "amount": amount,
        "owner_id": owner,
        **extra,
    }


def test_owner_gets_the_amount_times_the_share():
    inputs = company(payee=PAYEES, transaction=[booking("t1", "2025-01-10", "1000.00")])
    result = run(inputs, plan([{"id": "own", "kind": "owner", "share": "50%"}]))
    assert credits_of(result, "payee_id", "rule_id", "share", "credit") == [
        ("ann", "own", D("0.5"), D("500"))
    ]


def test_owner_rule_reports_missing_and_unknown_owners_and_credits_nothing_for_them():
    inputs = company(
        payee=PAYEES,
        transaction=[
            booking("t1", "2025-01-10", "100.00", owner=None),
            booking("t2", "2025-01-11", "100.00", owner="ghost"),
            booking("t3", "2025-01-12", "100.00"),
        ],
    )
    result = run(inputs, plan([{"id": "own", "kind": "owner"}]))
    assert credits_of(result, "transaction_id") == [("t3",)]
    assert codes(result) == ["CALC011", "CALC012"]
    unknown = next(i for i in result.issues if i.code == "CALC012")
    assert unknown.source.line == 2  # t2 is the second row of the table


def test_split_shares_follow_the_team_percents_and_fall_back_to_the_owner():
    inputs = company(
        payee=PAYEES,
        transaction=[
            booking("t1", "2025-01-10", "1000.00", opportunity_id="o1"),
            booking("t2", "2025-01-11", "300.00", opportunity_id="o2"),
        ],
        opportunity_split=[
            {"opportunity_id": "o1", "payee_id": "ann", "percent": "60"},
            {"opportunity_id": "o1", "payee_id": "bob", "percent": "40"},
        ],
    )
    result = run(inputs, plan([{"id": "team", "kind": "split"}]))
    assert credits_of(result, "transaction_id", "payee_id", "share", "credit") == [
        ("t1", "ann", D("0.6"), D("600")),
        ("t1", "bob", D("0.4"), D("400")),
        ("t2", "ann", D("1"), D("300")),
    ]


def test_split_not_totalling_100_is_an_error_and_gets_no_split_credit():
    inputs = company(
        payee=PAYEES,
        transaction=[booking("t1", "2025-01-10", "1000.00", opportunity_id="o1")],
        opportunity_split=[
            {"opportunity_id": "o1", "payee_id": "ann", "percent": "60"},
            {"opportunity_id": "o1", "payee_id": "bob", "percent": "30"},
        ],
    )
    result = run(inputs, plan([{"id": "team", "kind": "split"}]))
    assert credits_of(result, "payee_id") == []
    assert codes(result) == ["CALC010"]
    assert "90" in result.issues[0].message


def test_overcredit_is_allowed_when_the_rule_says_so():
    inputs = company(
        payee=PAYEES,
        transaction=[booking("t1", "2025-01-10", "1000.00", opportunity_id="o1")],
        opportunity_split=[
            {"opportunity_id": "o1", "payee_id": "ann", "percent": "100"},
            {"opportunity_id": "o1", "payee_id": "bob", "percent": "50"},
        ],
    )
    result = run(inputs, plan([{"id": "team", "kind": "split", "allow_overcredit": True}]))
    assert credits_of(result, "payee_id", "credit") == [("ann", D("1000")), ("bob", D("500"))]


def test_overlay_credits_named_payees_on_top_for_matching_products_only():
    inputs = company(
        payee=PAYEES,
        product=[{"product_id": "p1", "family": "Cloud"}, {"product_id": "p2", "family": "Hardware"}],
        transaction=[
            booking("t1", "2025-01-10", "1000.00", product_id="p1"),
            booking("t2", "2025-01-11", "500.00", product_id="p2"),
        ],
    )
    rules = [
        {"id": "own", "kind": "owner"},
        {"id": "cloud", "kind": "overlay", "payees": ["ovl"], "products": "product_family = 'Cloud'"},
    ]
    result = run(inputs, plan(rules))
    assert credits_of(result, "transaction_id", "payee_id", "rule_id", "credit") == [
        ("t1", "ann", "own", D("1000")),
        ("t1", "ovl", "cloud", D("1000")),
        ("t2", "ann", "own", D("500")),
    ]


def test_territory_holders_share_equally_and_the_account_territory_is_used_when_the_deal_has_none():
    inputs = company(
        payee=PAYEES,
        territory_assignment=[
            {"territory_id": "west", "payee_id": "ann", "valid_from": "2024-01-01"},
            {"territory_id": "west", "payee_id": "bob", "valid_from": "2024-01-01"},
            {"territory_id": "east", "payee_id": "cy", "valid_from": "2024-01-01", "valid_to": "2025-01-31"},
        ],
        account_territory=[{"account_id": "acme", "territory_id": "west", "valid_from": "2024-01-01"}],
        transaction=[
            booking("t1", "2025-01-10", "900.00", account_id="acme"),
            booking("t2", "2025-02-10", "100.00", territory_id="east"),
        ],
    )
    result = run(inputs, plan([{"id": "terr", "kind": "territory"}]))
    assert credits_of(result, "transaction_id", "payee_id", "share", "credit") == [
        ("t1", "ann", D("0.5"), D("450")),
        ("t1", "bob", D("0.5"), D("450")),
    ]
    assert codes(result) == ["CALC013"]  # east had no holder on 2025-02-10


def test_cancelling_a_split_deal_negates_every_credit_row_on_the_cancellation_date():
    inputs = company(
        payee=PAYEES,
        transaction=[
            booking("t1", "2025-01-10", "1000.00", opportunity_id="o1"),
            {
                "transaction_id": "c1",
                "kind": "cancellation",
                "date": "2025-04-02",
                "amount": "1000.00",
                "owner_id": "ann",
                "reverses_id": "t1",
            },
            {
                "transaction_id": "c2",
                "kind": "return",
                "date": "2025-04-03",
                "amount": "5.00",
                "reverses_id": "nope",
            },
        ],
        opportunity_split=[
            {"opportunity_id": "o1", "payee_id": "ann", "percent": "70"},
            {"opportunity_id": "o1", "payee_id": "bob", "percent": "30"},
        ],
    )
    result = run(inputs, plan([{"id": "team", "kind": "split"}]), ["2025-Q1", "2025-Q2"])
    assert credits_of(result, "transaction_id", "payee_id", "share", "credit", "period_label") == [
        ("t1", "ann", D("0.7"), D("700"), "2025-Q1"),
        ("t1", "bob", D("0.3"), D("300"), "2025-Q1"),
        ("c1", "ann", D("0.7"), D("-700"), "2025-Q2"),
        ("c1", "bob", D("0.3"), D("-300"), "2025-Q2"),
    ]
    assert codes(result) == ["CALC020"]


def test_a_cancellation_in_the_run_reverses_a_booking_of_the_previous_year():
    inputs = company(
        payee=PAYEES,
        transaction=[
            booking("t0", "2024-12-20", "400.00"),
            {
                "transaction_id": "c0",
                "kind": "cancellation",
                "date": "2025-01-05",
                "amount": "400.00",
                "reverses_id": "t0",
            },
        ],
    )
    result = run(inputs, plan([{"id": "own", "kind": "owner"}]))
    assert credits_of(result, "transaction_id", "payee_id", "credit") == [("c0", "ann", D("-400"))]


def test_two_level_rollup_follows_the_manager_in_force_on_each_deal_date():
    # ann reports to mia until 14 Feb, then to max; mia reports to dee, max to dan.
    inputs = company(
        payee=PAYEES,
        reporting_line=[
            {"payee_id": "ann", "manager_id": "mia", "valid_from": "2024-01-01", "valid_to": "2025-02-14"},
            {"payee_id": "ann", "manager_id": "max", "valid_from": "2025-02-15"},
            {"payee_id": "mia", "manager_id": "dee", "valid_from": "2024-01-01"},
            {"payee_id": "max", "manager_id": "dan", "valid_from": "2024-01-01"},
        ],
        transaction=[booking("t1", "2025-02-10", "100.00"), booking("t2", "2025-02-20", "200.00")],
    )
    rules = [{"id": "own", "kind": "owner"}, {"id": "up", "kind": "rollup", "levels": 2}]
    result = run(inputs, plan(rules))
    # credit ids follow (date, transaction, rule, payee): dee before mia within the roll-up rule
    assert credits_of(result, "transaction_id", "payee_id", "rule_id", "level", "credit") == [
        ("t1", "ann", "own", 0, D("100")),
        ("t1", "dee", "up", 2, D("100")),
        ("t1", "mia", "up", 1, D("100")),
        ("t2", "ann", "own", 0, D("200")),
        ("t2", "dan", "up", 2, D("200")),
        ("t2", "max", "up", 1, D("200")),
    ]


def test_a_later_reporting_line_wins_over_an_earlier_one_left_open():
    inputs = company(
        payee=PAYEES,
        reporting_line=[
            {"payee_id": "ann", "manager_id": "mia", "valid_from": "2024-01-01"},
            {"payee_id": "ann", "manager_id": "max", "valid_from": "2025-02-01"},
        ],
        transaction=[booking("t1", "2025-01-10", "100.00"), booking("t2", "2025-03-01", "100.00")],
    )
    result = run(inputs, plan([{"id": "own", "kind": "owner"}, {"id": "up", "kind": "rollup"}]))
    assert [r for r in credits_of(result, "transaction_id", "payee_id", "level") if r[2] == 1] == [
        ("t1", "mia", 1),
        ("t2", "max", 1),
    ]
    assert codes(result) == ["CALC014"]


def test_credit_ids_are_ordered_by_date_transaction_rule_and_payee():
    # credit_id = txn_no (rank by date, transaction_id) × 10,000 + the credit's rank in it
    inputs = company(
        payee=PAYEES,
        transaction=[
            booking("t2", "2025-01-10", "10.00", opportunity_id="o1"),
            booking("t1", "2025-01-10", "10.00"),
            booking("t0", "2025-01-11", "10.00"),
        ],
        opportunity_split=[
            {"opportunity_id": "o1", "payee_id": "bob", "percent": "50"},
            {"opportunity_id": "o1", "payee_id": "ann", "percent": "50"},
        ],
    )
    result = run(inputs, plan([{"id": "team", "kind": "split"}]))
    assert credits_of(result, "credit_id", "transaction_id", "payee_id") == [
        (10001, "t1", "ann"),
        (20001, "t2", "ann"),
        (20002, "t2", "bob"),
        (30001, "t0", "ann"),
    ]


def test_a_transactions_filter_restricts_a_rule():
    inputs = company(
        payee=PAYEES,
        transaction=[booking("t1", "2025-01-10", "100.00"), booking("t2", "2025-01-11", "5000.00")],
    )
    result = run(inputs, plan([{"id": "big", "kind": "owner", "transactions": "amount >= 1000"}]))
    assert credits_of(result, "transaction_id") == [("t2",)]
