"""Properties of the pay stage over random plans, deals and sequences of runs with locked periods.

- Conservation: over a run and the locked periods before it, total paid = total earned (engine
  component totals) − still held + adjustments + change in draw balances + balances written off +
  non-recoverable top-ups.
- A locked period is never rewritten: a later run emits no line for it, even when late deals land
  in it, and what it paid is settled by a true-up in the first open period.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attain.core.entities import ENTITIES
from attain.engine import InputTables
from attain.engine.inputs import arrow_schema
from attain.payouts import Ledger, PayResult
from attain.payouts.filemode import calculate_and_pay
from attain.payouts.ledger import ADJUSTMENT_SCHEMA
from attain.plans.schema import PlanDocument

MONTHS = ["2017-01", "2017-02", "2017-03", "2017-04"]
PAYEES = ["A", "B", "C"]
KINDS = ["non_recoverable_guarantee", "non_recoverable_draw", "recoverable_guarantee", "recoverable_draw"]

deal = st.tuples(st.sampled_from(PAYEES), st.integers(0, 3), st.integers(-2_000_00, 60_000_00),
                 st.booleans())
draw = st.tuples(st.sampled_from(KINDS), st.integers(0, 5_000), st.sampled_from([None, "forgive", "collect"]))
schedule = st.sampled_from([None, "holdback", "payment"])


def plan(draws: dict[str, tuple[str, int, str | None]], sched: str | None) -> PlanDocument:
    payout: dict[str, object] = {"draws": [
        {"id": f"d_{p.lower()}", "kind": kind, "amount": amount, "payees": [p], "recovery_start": "2017-02",
         "max_recovery_per_period": 1500, **({"on_termination": term} if term else {})}
        for p, (kind, amount, term) in draws.items()]}
    if sched == "holdback":
        payout["schedules"] = [{"id": "hb", "installments": [{"share": "80%"},
                                                              {"share": "20%", "delay_periods": 1}]}]
    elif sched == "payment":
        payout["schedules"] = [{"id": "pay", "installments": [{"share": "100%", "when": "payment"}]}]
    return PlanDocument.model_validate({
        "plan": "prop", "version": 1, "effective_from": "2017-01-01", "pay_period": "month",
        "credit_rules": [{"id": "owner", "kind": "owner"}], "measures": [{"id": "bookings"}],
        "components": [{"id": "commission", "kind": "rate", "measure": "bookings", "rate": "10%"}],
        "payout": payout})


def inputs(deals: list[tuple[str, int, int, bool]], terminated: dict[str, bool]) -> InputTables:
    txns: list[dict[str, object]] = []
    for n, (payee, month, cents, paid) in enumerate(deals):
        day = date(2017, month + 1, 5 + n % 20)
        txns.append({"transaction_id": f"T{n}", "kind": "booking", "date": day,
                     "amount": Decimal(cents) / 100, "owner_id": payee, "opportunity_id": f"O{n}",
                     "currency": "USD", "quantity": Decimal(1)})
        if paid and cents > 0:
            paid_on = date(2017, min(month + 2, 4), 1)
            txns.append({"transaction_id": f"P{n}", "kind": "payment", "date": paid_on,
                         "amount": Decimal(cents // 2) / 100, "owner_id": payee, "opportunity_id": f"O{n}",
                         "currency": "USD", "quantity": Decimal(1)})
    def table(entity: str, rows: list[dict[str, object]]) -> pa.Table:
        schema = arrow_schema(ENTITIES[entity])
        return pa.Table.from_pylist([{f: r.get(f) for f in schema.names} for r in rows], schema)

    return InputTables({
        "transaction": table("transaction", txns),
        "payee": table("payee", [{"payee_id": p, "name": p, "currency": "USD",
                                  "termination_date": date(2017, 3, 20) if terminated.get(p) else None}
                                 for p in PAYEES]),
        "plan_assignment": table("plan_assignment", [{"payee_id": p, "plan_id": "prop",
                                                      "valid_from": date(2017, 1, 1)} for p in PAYEES]),
    })


def adjustments(amounts: list[int]) -> pa.Table:
    rows = [{"adjustment_id": f"J{n}", "payee_id": PAYEES[n % 3], "period_label": MONTHS[n % 4],
             "amount": Decimal(a), "currency": "USD", "reason": "test"} for n, a in enumerate(amounts)]
    return pa.Table.from_pylist(rows, ADJUSTMENT_SCHEMA)


def column_sum(table: pa.Table, column: str, where: tuple[str, object] | None = None) -> Decimal:
    rows = table.to_pylist()
    return sum((Decimal(r[column]) for r in rows if where is None or r[where[0]] == where[1]), Decimal(0))


def conservation(result: PayResult, ledger: Ledger, totals: pa.Table, held: Decimal,
                 adjusted: Decimal) -> None:
    paid = column_sum(result.lines, "source_amount") + column_sum(ledger.lines, "source_amount")
    earned = column_sum(totals, "amount")
    balances = pa.concat_tables([ledger.balances, result.balances]).to_pylist()
    last: dict[tuple[str, str], Decimal] = {}
    for row in sorted(balances, key=lambda r: r["period_label"]):
        last[(row["payee_id"], row["draw_id"])] = row["balance_after"]
    top_ups = sum((r["shortfall"] for r in balances if r["draw_kind"].startswith("non_")), Decimal(0))
    written = sum((r["written_off"] for r in balances), Decimal(0))
    expected = earned - held + adjusted + sum(last.values(), Decimal(0)) + written + top_ups
    assert paid == expected, f"paid {paid} != earned {earned} - held {held} + adj {adjusted} + balances " \
                             f"{sum(last.values(), Decimal(0))} + written off {written} + top-ups {top_ups}"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals=st.lists(deal, min_size=1, max_size=8), late=st.lists(deal, max_size=3),
       draws=st.dictionaries(st.sampled_from(PAYEES), draw, max_size=3), sched=schedule,
       terminated=st.dictionaries(st.sampled_from(PAYEES), st.booleans(), max_size=3),
       adjusted=st.lists(st.integers(-300, 300).filter(bool), max_size=3), lock=st.integers(1, 3))
def test_paid_equals_earned_and_locked_periods_are_never_rewritten(
        deals: list[tuple[str, int, int, bool]], late: list[tuple[str, int, int, bool]],
        draws: dict[str, tuple[str, int, str | None]], sched: str | None, terminated: dict[str, bool],
        adjusted: list[int], lock: int) -> None:
    doc = plan(draws, sched)
    locked = MONTHS[:lock]
    _, first = calculate_and_pay(inputs(deals, terminated), [doc], locked, adjustments=adjustments(adjusted))
    ledger = Ledger(frozenset(locked), first.lines, first.balances)
    late_deals = [(p, min(m, lock - 1), c, paid) for p, m, c, paid in late]  # late deals in locked months
    result, second = calculate_and_pay(inputs(deals + late_deals, terminated), [doc], MONTHS, ledger=ledger,
                                       adjustments=adjustments(adjusted))
    assert not set(second.lines.column("period_label").to_pylist()) & set(locked)
    assert not set(second.balances.column("period_label").to_pylist()) & set(locked)
    held = column_sum(second.holds, "held", ("period_label", MONTHS[-1]))
    conservation(second, ledger, result.component_totals, held, Decimal(sum(adjusted)))


step = st.tuples(st.lists(deal, max_size=2), st.lists(st.integers(-300, 300).filter(bool), max_size=2))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals=st.lists(deal, min_size=1, max_size=6), steps=st.lists(step, min_size=1, max_size=3),
       draws=st.dictionaries(st.sampled_from(PAYEES), draw, max_size=3), sched=schedule)
def test_over_a_sequence_of_runs_each_locking_a_period_the_books_balance_and_history_stays(
        deals: list[tuple[str, int, int, bool]],
        steps: list[tuple[list[tuple[str, int, int, bool]], list[int]]],
        draws: dict[str, tuple[str, int, str | None]], sched: str | None) -> None:
    """Run, lock the next period, add late deals (into any month, locked ones included) and
    adjustments, run again...: locked lines never change, and after every run paid = earned ± the rest."""
    doc = plan(draws, sched)
    ledger, everything, adjusted = Ledger(), list(deals), []
    for number, (late, amounts) in enumerate(steps):
        adjusted += amounts
        result, paid = calculate_and_pay(inputs(everything, {}), [doc], MONTHS, ledger=ledger,
                                         adjustments=adjustments(adjusted))
        assert not set(paid.lines.column("period_label").to_pylist()) & ledger.locked_periods
        held = column_sum(paid.holds, "held", ("period_label", MONTHS[-1]))
        conservation(paid, ledger, result.component_totals, held, Decimal(sum(adjusted)))
        lock = MONTHS[number]  # close the next period with what this run paid in it
        ledger = Ledger(ledger.locked_periods | {lock},
                        pa.concat_tables([ledger.lines, in_period(paid.lines, lock)]),
                        pa.concat_tables([ledger.balances, in_period(paid.balances, lock)]))
        everything += late


def in_period(table: pa.Table, label: str) -> pa.Table:
    return table.filter(pc.equal(table.column("period_label"), label))
