"""Invariants of the calculation, checked on the reference oracle (and so on anything equal to it).

- Splits conserve credit: when an opportunity's percents total 100, its credits add up to the
  deal's amount exactly.
- With rising rates, marginal never pays more than retroactive.
- A booking and its full cancellation in the same tier period net to zero under cumulative
  marginal evaluation.
- Payouts do not depend on the order of the input rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from attain.plans.schema import PlanDocument
from tests.properties.cases import Case, base_tables, cases, deals, plan, tier_tables
from tests.reference import oracle
from tests.reference.inputs import Tables, parse_cell
from tests.reference.oracle import OracleResult

FAST = settings(max_examples=100, deadline=None)


def typed(tables: dict[str, list[dict[str, Any]]]) -> Tables:
    """Rows as the oracle reads them from CSV (every field present, parsed by its kind)."""
    from attain.core.entities import ENTITIES

    result: Tables = {name: [] for name in ENTITIES}
    for entity, rows in tables.items():
        spec = ENTITIES[entity]
        result[entity] = [{f.name: parse_cell(f, None if row.get(f.name) is None else str(row[f.name]))
                           for f in spec.fields} for row in rows]
    return result


def run(case: Case) -> OracleResult:
    return oracle.calculate(typed(case.tables), [PlanDocument.model_validate(case.plan)], case.periods)


@FAST
@given(tables=deals(reversals=False, splits=True))
def test_splits_conserve_credit(tables: dict[str, list[dict[str, Any]]]) -> None:
    case = Case(plan({"tiers": [{"from": "0", "rate": "0.1"}]}, "quarter", split=True),
                base_tables() | tables)
    credited: dict[str, Decimal] = defaultdict(Decimal)
    for row in run(case).credits:
        credited[row["transaction_id"]] += row["credit"]
    for txn in tables["transaction"]:
        assert credited[txn["transaction_id"]] == txn["amount"], txn


@FAST
@given(tiers=tier_tables(rising=True, ratings=["marginal"]), tables=deals(reversals=False, splits=False),
       evaluation=st.sampled_from(["cumulative", "period_end"]))
def test_marginal_never_pays_more_than_retroactive_with_rising_rates(
        tiers: list[dict[str, str]], tables: dict[str, list[dict[str, Any]]], evaluation: str) -> None:
    retro = [{**t, "rating": "retroactive"} for t in tiers]
    marginal = run(Case(plan({"tiers": tiers, "evaluation": evaluation}, "month", False),
                        base_tables() | tables, ["2017-01", "2017-02", "2017-03"])).amounts()
    retroactive = run(Case(plan({"tiers": retro, "evaluation": evaluation}, "month", False),
                           base_tables() | tables, ["2017-01", "2017-02", "2017-03"])).amounts()
    for key, amount in marginal.items():
        if key[2] == "commission":
            assert amount <= retroactive[key], (key, amount, retroactive[key])


@FAST
@given(tiers=tier_tables(ratings=["marginal"]), tables=deals(reversals=False, splits=True),
       tier_period=st.sampled_from(
    ["period", "year"]), boundary=st.sampled_from(["higher", "lower"]))
def test_booking_and_full_cancellation_net_to_zero(
        tiers: list[dict[str, str]], tables: dict[str, list[dict[str, Any]]], tier_period: str,
        boundary: str) -> None:
    cancellations = [
        {**txn, "transaction_id": f"X{txn['transaction_id']}", "kind": "cancellation",
         "amount": -txn["amount"], "reverses_id": txn["transaction_id"]}
        for txn in tables["transaction"]
    ]
    in_march = [{**c, "date": c["date"].replace(month=3, day=31)} for c in cancellations]
    tiered = {"tiers": tiers, "evaluation": "cumulative",
              "tier_period": tier_period, "boundary": boundary}
    pay_period = "quarter" if tier_period == "period" else "month"
    periods = ["2017-Q1"] if pay_period == "quarter" else ["2017-01", "2017-02", "2017-03"]
    case = Case(plan(tiered, pay_period, split=bool(tables["opportunity_split"])),
                base_tables() | tables | {"transaction": tables["transaction"] + in_march}, periods)
    net: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for key, amount in run(case).amounts().items():
        net[(key[0], key[2])] += amount
    assert all(amount == 0 for amount in net.values()), dict(net)


@settings(max_examples=60, deadline=None)
@given(case=cases(), seed=st.integers(0, 1000))
def test_oracle_payouts_do_not_depend_on_row_order(case: Case, seed: int) -> None:
    rng = random.Random(seed)
    shuffled = Case(case.plan, {k: rng.sample(v, len(v)) for k, v in case.tables.items()}, case.periods)
    assert run(case).amounts() == run(shuffled).amounts()
