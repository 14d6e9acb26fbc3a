"""Hypothesis strategies for small random comp cases: a plan with a random tier table, and deals.

A ``Case`` is a plan document plus entity rows (payee, plan_assignment, transaction,
opportunity_split, quota) over Q1 2017; ``write`` puts it on disk as plan.yaml + data/*.csv so the
oracle and the engine read exactly the same files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from attain.plans.schema import PlanDocument

PAYEES = ["A", "B", "C"]
START = date(2017, 1, 1)
RATES = [Decimal(x) for x in ("0", "0.01", "0.02", "0.03", "0.05", "0.08", "0.1", "0.125", "0.2")]
SPLITS = [
    [Decimal(100)],
    [Decimal(60), Decimal(40)],
    [Decimal(50), Decimal(50)],
    [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")],
    [Decimal(70), Decimal(20), Decimal(10)],
]
RATINGS = ["marginal", "retroactive", "interpolated"]


@dataclass
class Case:
    plan: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    periods: list[str] = field(default_factory=lambda: ["2017-Q1"])

    @property
    def document(self) -> PlanDocument:
        return PlanDocument.model_validate(self.plan)


def text(value: Any) -> str:
    return "" if value is None else str(value)


def write(case: Case, folder: Path) -> tuple[list[Path], Path]:
    """plan.yaml and data/<entity>.csv under ``folder``; returns (plan paths, data folder)."""
    plan_path = folder / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(case.plan, sort_keys=False), encoding="utf-8")
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    for entity, rows in case.tables.items():
        if not rows:
            continue
        with (data / f"{entity}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows([{k: text(v) for k, v in row.items()} for row in rows])
    return [plan_path], data


@st.composite
def tier_tables(draw: st.DrawFn, attainment: bool = False, rising: bool = False,
                ratings: list[str] | None = None) -> list[dict[str, str]]:
    """1-4 contiguous tiers from 0, the last one open; rates (or interpolated amounts) at random."""
    count = draw(st.integers(1, 4))
    steps = sorted(draw(st.lists(st.integers(1, 24), min_size=count - 1, max_size=count - 1, unique=True)))
    unit = Decimal("0.05") if attainment else Decimal(2500)
    bounds = [Decimal(0)] + [unit * s for s in steps]
    rates = [draw(st.sampled_from(RATES)) for _ in range(count)]
    if rising:
        rates = sorted(rates)
    tiers = []
    for index, lo in enumerate(bounds):
        tier: dict[str, str] = {"from": str(lo)}
        closed = index + 1 < count
        if closed:
            tier["to"] = str(bounds[index + 1])
        rating = draw(st.sampled_from(ratings or RATINGS))
        tier["rating"] = rating
        if rating == "interpolated" and closed:
            tier["amount"] = str(draw(st.integers(0, 40)) * 50)
        else:
            tier["rate"] = str(rates[index])
        tiers.append(tier)
    return tiers


@st.composite
def deals(draw: st.DrawFn, reversals: bool = True, splits: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Bookings in Q1 2017 (some split, some cancelled later, wholly or in part)."""
    transactions: list[dict[str, Any]] = []
    split_rows: list[dict[str, Any]] = []
    for number in range(draw(st.integers(1, 8))):
        day = draw(st.integers(0, 89))
        # multiples of 2,500 land exactly on tier bounds often (the boundary rule matters there)
        amount = Decimal(draw(st.integers(1, 40)) * 2500) + draw(
            st.sampled_from([Decimal(0), Decimal(0), Decimal(0), Decimal("0.37"), Decimal(-1250)]))
        owner = draw(st.sampled_from(PAYEES))
        txn_id = f"T{number:02d}"
        opportunity = None
        if splits and draw(st.booleans()):
            opportunity = f"O{number:02d}"
            percents = draw(st.sampled_from(SPLITS))
            payees = draw(st.permutations(PAYEES))[: len(percents)]
            split_rows += [{"opportunity_id": opportunity, "payee_id": p, "percent": pc}
                           for p, pc in zip(payees, percents, strict=True)]
        transactions.append({"transaction_id": txn_id, "kind": "booking", "date": START + timedelta(day),
                             "amount": amount, "quantity": draw(st.integers(1, 5)), "owner_id": owner,
                             "opportunity_id": opportunity, "reverses_id": None})
        if reversals and draw(st.integers(0, 3)) == 0:
            later = draw(st.integers(day, 89))
            part = draw(st.sampled_from([amount, (amount / 2).quantize(Decimal("0.01"))]))
            transactions.append({"transaction_id": f"X{number:02d}", "kind": "cancellation",
                                 "date": START + timedelta(later), "amount": -part, "quantity": 1,
                                 "owner_id": owner, "opportunity_id": opportunity,
                                 "reverses_id": txn_id})
    return {"transaction": transactions, "opportunity_split": split_rows}


def base_tables(ti: Decimal = Decimal(10000)) -> dict[str, list[dict[str, Any]]]:
    return {
        "payee": [{"payee_id": p, "name": f"Payee {p}"} for p in PAYEES],
        "plan_assignment": [{"payee_id": p, "plan_id": "prop", "valid_from": START, "valid_to": None,
                             "target_incentive": ti} for p in PAYEES],
    }


def plan(tiered: dict[str, Any], pay_period: str, split: bool) -> dict[str, Any]:
    rule = {"id": "team", "kind": "split"} if split else {"id": "owner", "kind": "owner"}
    return {
        "plan": "prop", "version": 1, "effective_from": "2017-01-01", "pay_period": pay_period,
        "credit_rules": [rule],
        "measures": [{"id": "bookings"}],
        "components": [
            {"id": "commission", "kind": "tiered", "measure": "bookings", **tiered},
            {"id": "flat_rate", "kind": "rate", "measure": "bookings", "rate": "0.04"},
        ],
    }


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A random tiered plan (rating, evaluation, boundary, basis, tier period) and random deals."""
    attainment = draw(st.booleans())
    pay_period = draw(st.sampled_from(["month", "quarter"]))
    tiered: dict[str, Any] = {
        "evaluation": draw(st.sampled_from(["per_transaction", "cumulative", "period_end"])),
        "boundary": draw(st.sampled_from(["higher", "lower"])),
        "rating": draw(st.sampled_from(RATINGS)),
        "tiers": draw(tier_tables(attainment=attainment)),
    }
    if attainment:
        tiered["basis"] = "attainment"
        if draw(st.booleans()):
            tiered["rate_of"] = "target_incentive"
    if pay_period == "month" and draw(st.booleans()):
        tiered["tier_period"] = "year"
    split = draw(st.booleans())
    tables = base_tables() | draw(deals(splits=split))
    periods = ["2017-01", "2017-02", "2017-03"] if pay_period == "month" else ["2017-Q1"]
    if attainment:  # one quota row per pay period (spreading by days is a golden scenario's job)
        quota = draw(st.sampled_from([Decimal(20000), Decimal(75000), Decimal(100000)]))
        spans = ([(date(2017, m, 1), date(2017, m + 1, 1) - timedelta(1)) for m in (1, 2, 3)]
                 if pay_period == "month" else [(START, date(2017, 3, 31))])
        tables["quota"] = [{"assignee_kind": "payee", "assignee_id": p, "measure": "bookings",
                            "period_start": a, "period_end": b, "amount": quota}
                           for p in PAYEES for a, b in spans]
    return Case(plan(tiered, pay_period, split), tables, periods)
