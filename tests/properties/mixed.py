"""Hypothesis strategies for random plans that mix every crediting rule and component kind.

Crediting: owner or split, plus optional territory, overlay (named or by role, product filter) and
rollup (1-2 levels, a manager change mid-quarter) rules. Components: rate (flat, table by product
family, per unit, payee parameter), tiered, multiplier (condition or attainment), bonus (threshold
or curve, once per period/year), SPIFF (window, every time/once per period), MBO, with random
caps and floors. Data: deals with products, accounts, territories, moves, cancellations, quotas,
MBO scores. Monthly or quarterly pay over Q1 2017.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tests.properties.cases import PAYEES, START, Case, deals, tier_tables

MANAGERS = ["M1", "M2", "D"]
FAMILIES = {"P1": "GTX", "P2": "MG", "P3": "GTK"}


def rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [draw(st.sampled_from([{"id": "owner", "kind": "owner"},
                                                         {"id": "team", "kind": "split"}]))]
    if draw(st.booleans()):
        found.append({"id": "area", "kind": "territory", "share": draw(st.sampled_from(["1", "0.5"]))})
    if draw(st.booleans()):
        overlay: dict[str, Any] = {"id": "overlay", "kind": "overlay"}
        if draw(st.booleans()):
            overlay["payees"] = ["C"]
        else:
            overlay["territory_role"] = "specialist"
        if draw(st.booleans()):
            overlay["products"] = "product_family = 'GTX'"
        found.append(overlay)
    if draw(st.booleans()):
        found.append({"id": "rollup", "kind": "rollup", "levels": draw(st.integers(1, 2))})
    return found


def limit(draw: st.DrawFn) -> dict[str, Any] | None:
    if not draw(st.booleans()):
        return None
    per = draw(st.sampled_from(["period", "year"]))
    if draw(st.booleans()):
        return {"amount": str(draw(st.integers(1, 20)) * 250), "per": per}
    return {"percent_of_target_incentive": draw(st.sampled_from(["10%", "25%"])), "per": per}


def components(draw: st.DrawFn) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    rate: dict[str, Any] = {"id": "commission", "kind": "rate", "measure": "bookings"}
    style = draw(st.sampled_from(["flat", "table", "per_unit", "parameter"]))
    if style == "flat":
        rate["rate"] = draw(st.sampled_from(["0.05", "0.1"]))
    elif style == "table":
        rate["rate_table"] = {"by": "product_family", "rates": {"GTX": "0.06", "MG": "0.03"}}
        if draw(st.booleans()):
            rate["rate_table"]["default"] = "0.01"
    elif style == "per_unit":
        rate["per_unit"] = "25"
    else:
        rate["rate"], rate["rate_parameter"] = "0.02", "my_rate"
    if draw(st.booleans()):
        rate["filter"] = "amount >= 20000"
    cap, floor = limit(draw), (limit(draw) if draw(st.integers(0, 3)) == 0 else None)
    if cap:
        rate["cap"] = cap
    if floor and floor["per"] == "period":
        rate["floor"] = floor
    found.append(rate)
    attainment = draw(st.booleans())
    tiered: dict[str, Any] = {
        "id": "tiers", "kind": "tiered", "measure": "bookings",
        "evaluation": draw(st.sampled_from(["per_transaction", "cumulative", "period_end"])),
        "rating": draw(st.sampled_from(["marginal", "retroactive"])),
        "tier_period": draw(st.sampled_from(["period", "year"])),
        "tiers": draw(tier_tables(attainment=attainment))}
    if attainment:
        tiered["basis"] = "attainment"
        if draw(st.booleans()):
            tiered["rate_of"] = "target_incentive"
    found.append(tiered)
    if draw(st.booleans()):
        multiplier: dict[str, Any] = {"id": "kicker", "kind": "multiplier",
                                      "applies_to": draw(st.sampled_from([["commission"], ["tiers"],
                                                                          ["commission", "tiers"]])),
                                      "factor": draw(st.sampled_from(["1.5", "2", "0.5"]))}
        if draw(st.booleans()):
            multiplier["condition"] = "contract_term_months >= 24"
        else:
            multiplier |= {"measure": "bookings", "attainment_at_least": draw(st.sampled_from(["0.5", "1"]))}
        found.append(multiplier)
    if draw(st.booleans()):
        bonus: dict[str, Any] = {"id": "bonus", "kind": "bonus", "measure": "bookings", "basis": "attainment",
                                 "frequency": draw(st.sampled_from(["once_per_period", "once_per_year"]))}
        if bonus["frequency"] == "once_per_period" and draw(st.booleans()):
            bonus["curve"] = [{"from": "0.5", "to": "1", "rate": "0.5"}, {"from": "1", "rate": "1"}]
        elif draw(st.booleans()):
            bonus |= {"threshold": draw(st.sampled_from(["0.5", "1"])), "amount": "500"}
        else:
            bonus |= {"threshold": draw(st.sampled_from(["0.5", "1"])), "percent_of_target_incentive": "10%"}
        found.append(bonus)
    if draw(st.booleans()):
        found.append({"id": "spiff", "kind": "spiff", "filter": "product_family = 'GTX'", "amount": "100",
                      "window_from": "2017-02-01", "window_to": "2017-03-15",
                      "frequency": draw(st.sampled_from(["every_time", "once_per_period"]))})
    if draw(st.booleans()):
        found.append({"id": "mbo", "kind": "mbo", "max_score": "1.2",
                      "objectives": [{"id": "o1", "weight": "0.6"}, {"id": "o2", "weight": "0.4"}]})
    return found


def org_tables(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Reporting lines (A moves from M1 to M2 mid-quarter), territories and their holders."""
    change = START + timedelta(draw(st.integers(10, 80)))
    move = START + timedelta(draw(st.integers(10, 80)))
    return {
        "reporting_line": [
            {"payee_id": "A", "manager_id": "M1", "valid_from": date(2016, 1, 1),
             "valid_to": change - timedelta(1)},
            {"payee_id": "A", "manager_id": "M2", "valid_from": change, "valid_to": None},
            {"payee_id": "B", "manager_id": "M1", "valid_from": date(2016, 1, 1), "valid_to": None},
            {"payee_id": "M1", "manager_id": "D", "valid_from": date(2016, 1, 1), "valid_to": None},
            {"payee_id": "M2", "manager_id": "D", "valid_from": date(2016, 1, 1), "valid_to": None},
        ],
        "territory_assignment": [
            {"territory_id": "EAST", "payee_id": "A", "role": "owner", "valid_from": date(2016, 1, 1),
             "valid_to": move - timedelta(1)},
            {"territory_id": "EAST", "payee_id": "B", "role": "owner", "valid_from": move, "valid_to": None},
            {"territory_id": "WEST", "payee_id": "B", "role": "owner", "valid_from": date(2016, 1, 1),
             "valid_to": None},
            {"territory_id": "WEST", "payee_id": "C", "role": "owner", "valid_from": date(2016, 1, 1),
             "valid_to": None},
            {"territory_id": "EAST", "payee_id": "C", "role": "specialist", "valid_from": date(2016, 1, 1),
             "valid_to": None},
        ],
        "account": [{"account_id": "AC1", "name": "Acme"}, {"account_id": "AC2", "name": "Bolt"}],
        "account_territory": [
            {"account_id": "AC1", "territory_id": "EAST", "valid_from": date(2016, 1, 1), "valid_to": None},
            {"account_id": "AC2", "territory_id": "WEST", "valid_from": date(2016, 1, 1), "valid_to": None},
        ],
        "product": [{"product_id": k, "name": k, "family": v} for k, v in FAMILIES.items()],
    }


@st.composite
def mixed_cases(draw: st.DrawFn) -> Case:
    pay_period = draw(st.sampled_from(["month", "quarter"]))
    periods = ["2017-01", "2017-02", "2017-03"] if pay_period == "month" else ["2017-Q1"]
    plan = {"plan": "prop", "version": 1, "effective_from": "2017-01-01", "pay_period": pay_period,
            "parameters": {"my_rate": "0.03"}, "credit_rules": rules(draw),
            "measures": [{"id": "bookings"}], "components": components(draw)}
    tables = draw(deals(splits=True))
    for txn in tables["transaction"]:
        if txn["reverses_id"] is None:
            txn["product_id"] = draw(st.sampled_from(list(FAMILIES)))
            txn["account_id"] = draw(st.sampled_from(["AC1", "AC2"]))
            txn["contract_term_months"] = draw(st.sampled_from([12, 24, 36]))
    originals = {t["transaction_id"]: t for t in tables["transaction"]}
    for txn in tables["transaction"]:
        if txn["reverses_id"] is not None:
            source = originals[txn["reverses_id"]]
            for name in ("product_id", "account_id", "contract_term_months"):
                txn[name] = source[name]
    everyone = PAYEES + MANAGERS
    # B joins during the quarter: a prorated first period, and with monthly periods whole months
    # off the plan whose credits stay out of the plan's to-date values (midyear_joiner_year_to_date)
    hire = START + timedelta(draw(st.integers(0, 70)))
    assignments = [{"payee_id": p, "plan_id": "prop", "valid_from": hire if p == "B" else START,
                    "valid_to": None, "target_incentive": Decimal(5000),
                    "parameters": '{"my_rate": "0.07"}' if p == "A" else None} for p in everyone]
    quota_spans = ([(date(2017, m, 1), date(2017, m + 1, 1) - timedelta(1)) for m in (1, 2, 3)]
                   if pay_period == "month" else [(START, date(2017, 3, 31))])
    quotas = [{"assignee_kind": "payee", "assignee_id": p, "measure": "bookings", "period_start": a,
               "period_end": b, "amount": Decimal(50000)} for p in everyone for a, b in quota_spans]
    scores = [{"payee_id": p, "objective_id": o, "period_label": label, "score": draw(
        st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1), Decimal("1.5")]))}
        for p in PAYEES for o in ("o1", "o2") for label in periods]
    tables |= org_tables(draw) | {
        "payee": [{"payee_id": p, "name": p} for p in everyone],
        "plan_assignment": assignments, "quota": quotas, "mbo_score": scores,
    }
    return Case(plan, tables, periods)
