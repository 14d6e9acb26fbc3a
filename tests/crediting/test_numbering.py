"""credit_id numbering: txn_no × 10,000 + the credit's rank in its transaction, in credit order."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from attain.core.errors import AttainError
from attain.crediting.numbering import CREDITS_PER_TRANSACTION, numbered_sql, overflow_sql, overflow_txn
from attain.engine.credit_stage import CREDITS_ALL_COLUMNS
from tests.crediting.test_rules import PAYEES, booking
from tests.engine.builders import company, credits_of, plan, run

GROUPS = [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2)]
"""(rule_set, rule_order) of the random rows."""
ORDER = "txn_no, rule_set, rule_order, payee_id, level, share, credit"


def _random_credit_rows(seed: int, transactions: int) -> pa.Table:
    """Credit rows with singleton and crowded rule groups, tied payees, shares and levels."""
    rng = random.Random(seed)
    rows: dict[str, list[object]] = {name: [] for name in CREDITS_ALL_COLUMNS}
    for txn_no in rng.sample(range(1, transactions * 3), transactions):
        for rule_set, rule_order in rng.sample(GROUPS, rng.randint(1, len(GROUPS))):
            for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
                share = Decimal(rng.choice(["1", "0.5", "0.25", "0.3333333333"]))
                row = {
                    "rule_set": rule_set,
                    "txn_no": txn_no,
                    "date": date(2025, 1, 1) + timedelta(days=txn_no // 7),  # txn_no ranks by date
                    "payee_id": rng.choice(["ann", "bob", "cy", "P10", "P9"]),
                    "rule_order": rule_order,
                    "level": rng.choice([0, 1, 2]),
                    "share": share,
                    "credit": (share * Decimal(rng.choice(["100", "-40.5", "7"]))).quantize(Decimal("1e-10")),
                }
                for name in CREDITS_ALL_COLUMNS:
                    rows[name].append(row[name])
    types = {
        "rule_set": pa.int32(),
        "txn_no": pa.int64(),
        "date": pa.date32(),
        "payee_id": pa.string(),
        "rule_order": pa.int32(),
        "level": pa.int32(),
        "share": pa.decimal128(38, 10),
        "credit": pa.decimal128(38, 10),
    }
    return pa.table({n: pa.array(rows[n], types[n]) for n in CREDITS_ALL_COLUMNS})


def test_numbers_follow_credit_order_and_name_the_transaction():
    con = duckdb.connect()
    cols = ", ".join(CREDITS_ALL_COLUMNS)
    numbered = f"({numbered_sql('credit_rows', CREDITS_ALL_COLUMNS)})"
    for seed in range(5):
        con.register("credit_rows", _random_credit_rows(seed, 300))
        ours = con.execute(
            f"SELECT credit_id, {cols} FROM {numbered} x ORDER BY credit_id"
        ).fetchall()
        in_order = con.execute(f"SELECT {cols} FROM credit_rows ORDER BY {ORDER}").fetchall()
        ids = [r[0] for r in ours]
        assert len(set(ids)) == len(ids)
        assert [r[1:] for r in ours] == in_order  # the same order as one sort by the seven keys
        ranks: dict[int, list[int]] = {}
        for credit_id, row in zip(ids, ours, strict=True):
            assert credit_id // CREDITS_PER_TRANSACTION == row[2]  # txn_no
            ranks.setdefault(row[2], []).append(credit_id % CREDITS_PER_TRANSACTION)
        assert all(r == list(range(1, len(r) + 1)) for r in ranks.values())
        assert con.execute(overflow_sql(numbered)).fetchone() == (None,)


def _one_transaction(txn_no: int, rows: int) -> pa.Table:
    return pa.table({
        "rule_set": pa.array([0] * rows, pa.int32()), "txn_no": pa.array([txn_no] * rows, pa.int64()),
        "date": pa.array([date(2025, 1, 1)] * rows, pa.date32()),
        "payee_id": pa.array([f"p{i:05d}" for i in range(rows)], pa.string()),
        "rule_order": pa.array([1] * rows, pa.int32()), "level": pa.array([0] * rows, pa.int32()),
        "share": pa.array([Decimal("0.0001")] * rows, pa.decimal128(38, 10)),
        "credit": pa.array([Decimal("1")] * rows, pa.decimal128(38, 10)),
    })


def test_a_transaction_past_the_numbers_it_has_is_found():
    con = duckdb.connect()
    limit = CREDITS_PER_TRANSACTION
    for rows, found in ((limit - 1, None), (limit, 7), (2 * limit + 3, 7)):
        con.register("credit_rows", pa.concat_tables([_one_transaction(7, rows), _one_transaction(8, 2)]))
        numbered = f"({numbered_sql('credit_rows', CREDITS_ALL_COLUMNS)})"
        at_limit = con.execute(overflow_sql(numbered)).fetchone()[0]
        assert (None if at_limit is None else overflow_txn(at_limit)) == found


def test_a_run_with_a_transaction_of_ten_thousand_credits_stops_with_calc015():
    members = [f"m{i:05d}" for i in range(CREDITS_PER_TRANSACTION)]
    inputs = company(
        payee=[*PAYEES, *({"payee_id": m, "name": m} for m in members)],
        transaction=[booking("big", "2025-01-10", "10000.00", opportunity_id="o1")],
        opportunity_split=[{"opportunity_id": "o1", "payee_id": m, "percent": "0.01"} for m in members],
    )
    with pytest.raises(AttainError) as stopped:
        run(inputs, plan([{"id": "team", "kind": "split"}]))
    assert stopped.value.code == "CALC015"
    assert "transaction big makes 10,000 credit rows or more" in str(stopped.value)


def test_rows_of_a_crowded_group_are_numbered_by_payee_level_share_and_credit():
    # t1: ann and bob split 50/50 and both report to mia, who gets two identical roll-up rows
    # (one per deal member); cy's 100% deal t2 is the next transaction (txn_no 2): 20001, 20002.
    inputs = company(
        payee=PAYEES,
        reporting_line=[
            {"payee_id": "ann", "manager_id": "mia", "valid_from": "2024-01-01"},
            {"payee_id": "bob", "manager_id": "mia", "valid_from": "2024-01-01"},
            {"payee_id": "cy", "manager_id": "max", "valid_from": "2024-01-01"},
            {"payee_id": "mia", "manager_id": "dee", "valid_from": "2024-01-01"},
        ],
        transaction=[
            booking("t2", "2025-01-11", "10.00", owner="cy"),
            booking("t1", "2025-01-10", "10.00", opportunity_id="o1"),
        ],
        opportunity_split=[
            {"opportunity_id": "o1", "payee_id": "bob", "percent": "60"},
            {"opportunity_id": "o1", "payee_id": "ann", "percent": "40"},
        ],
    )
    rules = [
        {"id": "team", "kind": "split", "fallback_to_owner": True},
        {"id": "up", "kind": "rollup", "levels": 2},
    ]
    result = run(inputs, plan(rules))
    assert credits_of(result, "credit_id", "transaction_id", "payee_id", "rule_id", "level", "share") == [
        (10001, "t1", "ann", "team", 0, Decimal("0.4")),
        (10002, "t1", "bob", "team", 0, Decimal("0.6")),
        (10003, "t1", "dee", "up", 2, Decimal("0.4")),
        (10004, "t1", "dee", "up", 2, Decimal("0.6")),
        (10005, "t1", "mia", "up", 1, Decimal("0.4")),
        (10006, "t1", "mia", "up", 1, Decimal("0.6")),
        (20001, "t2", "cy", "team", 0, Decimal("1")),
        (20002, "t2", "max", "up", 1, Decimal("1")),
    ]


def test_a_reversal_is_paired_with_its_original_by_number_and_checked_inside_the_run_only():
    # r1 (in the run) reverses t1 (last year): r1 gets t1's rows negated. c0 (last year) reverses
    # a transaction nobody has; it is pulled into the run only as the original of r2, and its own
    # problem belongs to the run that covers last year: no CALC020 here. r3 points nowhere: CALC020.
    reversal = {"kind": "return", "owner_id": "ann"}
    inputs = company(
        payee=PAYEES,
        opportunity_split=[
            {"opportunity_id": "o1", "payee_id": "bob", "percent": "50"},
            {"opportunity_id": "o1", "payee_id": "ann", "percent": "50"},
        ],
        transaction=[
            booking("t1", "2024-12-01", "80.00", opportunity_id="o1"),
            {
                **reversal,
                "transaction_id": "r1",
                "date": "2025-01-05",
                "amount": "20.00",
                "reverses_id": "t1",
            },
            {
                **reversal,
                "transaction_id": "c0",
                "date": "2024-12-20",
                "amount": "5.00",
                "reverses_id": "ghost",
            },
            {**reversal, "transaction_id": "r2", "date": "2025-01-06", "amount": "5.00", "reverses_id": "c0"},
            {
                **reversal,
                "transaction_id": "r3",
                "date": "2025-01-07",
                "amount": "9.00",
                "reverses_id": "gone",
            },
        ],
    )
    result = run(inputs, plan([{"id": "team", "kind": "split"}]))
    assert credits_of(result, "credit_id", "transaction_id", "payee_id", "credit") == [
        (30001, "r1", "ann", Decimal("-10")),  # r1 is the run's third transaction (after t1 and c0)
        (30002, "r1", "bob", Decimal("-10")),
    ]
    assert [(i.code, i.record) for i in result.issues] == [("CALC020", "transaction r3")]
