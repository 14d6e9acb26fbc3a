"""Caps and floors: component totals per payee × period, and the cap/floor lines of the trace.

``apply_caps`` sums the earning lines (after multipliers) per payee × period × component for every
period the payee is on the plan (zero when nothing was earned, so a floor still pays) and limits:

- ``cap per: period``: amount = min(earned, cap);
- ``cap per: year``: the year-to-date total is capped: a period gets
  min(earned to date, cap) − min(earned to date before, cap) — i.e. min(earned, cap − paid before)
  while earnings are positive, and a later reversal only gives back what exceeded the cap;
- ``floor per: period``: amount = max(amount after cap, floor);
- ``floor per: year``: the year-to-date total after caps is at least the floor to date;
- ``percent_of_target_incentive``: the limit is that percent × the period's target incentive
  (``per: period``) or × the annual target incentive (``per: year``: the sum of the target
  incentives of the fiscal year's pay periods on the plan, ``assignments.target_incentive_year``).

``capped_amount`` (≥ 0 for a cap) and ``floor_amount`` (≥ 0 for a floor) keep what the limits took
off or added. The earning lines keep their unrounded amounts; ``cap_lines`` gives one "cap" line
(−capped_amount) and one "floor" line (+floor_amount) per payee-period so the trace still sums to
the component total. ``amount_rounded`` is half-even to the currency's minor unit.
"""

from __future__ import annotations

from typing import Any

from attain.components import codes
from attain.components.base import EARNING_COLUMNS
from attain.components.lines import earning_lines, money_text, percent_text, plain_text, relation
from attain.core.errors import Issue
from attain.core.money import MINOR_UNITS, minor_unit
from attain.plans.dialect import Dialect
from attain.plans.schema import Cap, PlanDocument

TOTAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("payee_id", "VARCHAR"),
    ("period_label", "VARCHAR"),
    ("component_id", "VARCHAR"),
    ("component_kind", "VARCHAR"),
    ("earned", "DECIMAL(38, 10)"),  # sum of the earning lines (after multipliers), before cap/floor
    ("capped_amount", "DECIMAL(38, 10)"),  # taken off by the cap (0 without one)
    ("floor_amount", "DECIMAL(38, 10)"),  # added by the floor (0 without one)
    ("amount", "DECIMAL(38, 10)"),  # earned − capped_amount + floor_amount, unrounded
    ("amount_rounded", "DECIMAL(38, 10)"),  # half-even to the currency's minor unit
    ("currency", "VARCHAR"),
)


def check_cap(component: Any, where: str) -> list[Issue]:
    """PLAN149 when a cap or floor gives neither or both of amount and percent."""
    issues = []
    for name in ("cap", "floor"):
        limit: Cap | None = getattr(component, name, None)
        if limit is not None and (limit.amount is None) == (limit.percent_of_target_incentive is None):
            issues.append(Issue(codes.CAP_AMOUNT, f"{where}: the {name} needs exactly one of `amount` and "
                                "`percent_of_target_incentive`", record=where))
    return issues


def _limit_sql(limit: Cap, d: Dialect) -> str:
    """The limit's value on a row of the grid (per period, or to date for per: year)."""
    if limit.amount is not None:
        return d.decimal(limit.amount)
    assert limit.percent_of_target_incentive is not None
    ti = "g.ti_period" if limit.per == "period" else "g.ti_year"
    return d.calc(f"{d.decimal(limit.percent_of_target_incentive)} * {ti}")


def _limit_words(name: str, limit: Cap) -> str:
    if limit.amount is not None:
        value = plain_text(limit.amount)
    else:
        assert limit.percent_of_target_incentive is not None
        value = f"{percent_text(limit.percent_of_target_incentive)} of target incentive"
    return f"{name} {value} per {limit.per}"


def _by_component(plan: PlanDocument, d: Dialect, name: str, per: str) -> str:
    """CASE over component_id giving the cap/floor value for components limited ``per`` this way."""
    whens = []
    for c in plan.components:
        limit: Cap | None = getattr(c, name)
        if limit is not None and limit.per == per:
            whens.append(f"WHEN {d.string(c.id)} THEN {_limit_sql(limit, d)}")
    return f"(CASE g.component_id {' '.join(whens)} END)" if whens else "NULL"


def _components(plan: PlanDocument, d: Dialect) -> str:
    rows = ", ".join(f"({d.string(c.id)}, {d.string(c.kind)})" for c in plan.components)
    return f"(VALUES {rows}) AS pc(component_id, component_kind)"


def _rounded(d: Dialect, sql: str) -> str:
    whens = " ".join(
        f"WHEN {d.string(cur)} THEN {d.round_half_even(sql, MINOR_UNITS[cur])}"
        for cur in sorted(MINOR_UNITS) if MINOR_UNITS[cur] != 2
    )
    return f"(CASE s.currency {whens} ELSE {d.round_half_even(sql, 2)} END)"


def apply_caps(plan: PlanDocument, earnings_relation_sql: str, dialect: Dialect) -> str:
    """One SELECT of ``TOTAL_COLUMNS`` per payee × period on plan × component of ``plan``.

    ``earnings_relation_sql``: a relation (table name or parenthesised SELECT) of earning lines with
    payee_id, period_label, component_id and amount. Needs the ``assignments`` view.
    """
    d = dialect
    running = "PARTITION BY payee_id, component_id, year_label ORDER BY period_index"
    to_date = f"({running} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    grid = f"""SELECT a.payee_id, a.period_label, a.year_label, a.period_index, a.currency,
          a.target_incentive AS ti_period, a.target_incentive_year AS ti_year,
          pc.component_id, pc.component_kind
        FROM assignments AS a CROSS JOIN {_components(plan, d)}"""  # noqa: S608
    earned = f"""SELECT payee_id, period_label, component_id, SUM(amount) AS earned
        FROM {relation(earnings_relation_sql)} AS el GROUP BY payee_id, period_label, component_id"""  # noqa: S608
    limits = f"""SELECT g.*, {d.calc("COALESCE(e.earned, 0)")} AS earned,
          {_by_component(plan, d, "cap", "period")} AS cap_period,
          {_by_component(plan, d, "cap", "year")} AS cap_to_date,
          {_by_component(plan, d, "floor", "period")} AS floor_period,
          {_by_component(plan, d, "floor", "year")} AS floor_to_date
        FROM ({grid}) AS g LEFT JOIN ({earned}) AS e
          ON e.payee_id = g.payee_id AND e.period_label = g.period_label
          AND e.component_id = g.component_id"""  # noqa: S608
    capped_td = f"""SELECT l.*, LEAST(SUM(l.earned) OVER {to_date}, l.cap_to_date) AS capped_to_date
        FROM ({limits}) AS l"""  # noqa: S608
    after_cap = f"""SELECT c.*, CASE
            WHEN c.cap_period IS NOT NULL THEN LEAST(c.earned, c.cap_period)
            WHEN c.cap_to_date IS NOT NULL THEN
              c.capped_to_date - COALESCE(LAG(c.capped_to_date) OVER ({running}), 0)
            ELSE c.earned END AS after_cap
        FROM ({capped_td}) AS c"""  # noqa: S608
    floored_td = f"""SELECT a.*, GREATEST(SUM(a.after_cap) OVER {to_date}, a.floor_to_date) AS floored_to_date
        FROM ({after_cap}) AS a"""  # noqa: S608
    final = f"""SELECT f.*, CASE
            WHEN f.floor_period IS NOT NULL THEN GREATEST(f.after_cap, f.floor_period)
            WHEN f.floor_to_date IS NOT NULL THEN
              f.floored_to_date - COALESCE(LAG(f.floored_to_date) OVER ({running}), 0)
            ELSE f.after_cap END AS amount
        FROM ({floored_td}) AS f"""  # noqa: S608
    cols = {
        "payee_id": "s.payee_id", "period_label": "s.period_label", "component_id": "s.component_id",
        "component_kind": "s.component_kind", "earned": "s.earned",
        "capped_amount": "s.earned - s.after_cap", "floor_amount": "s.amount - s.after_cap",
        "amount": "s.amount", "amount_rounded": _rounded(d, "s.amount"), "currency": "s.currency",
    }
    select = ", ".join(f"CAST({cols[n]} AS {t}) AS {d.ident(n)}" for n, t in TOTAL_COLUMNS)
    return f"SELECT {select} FROM ({final}) AS s"  # noqa: S608 - built from this module's fragments


def cap_lines(plan: PlanDocument, totals_relation_sql: str, dialect: Dialect) -> str:
    """Earning lines (``EARNING_COLUMNS``) for what caps took off and floors added, per payee-period."""
    d = dialect
    p = minor_unit(plan.currency)  # the sentences' decimals
    parts = []
    for name, column, sign in (("cap", "capped_amount", "-"), ("floor", "floor_amount", "")):
        words = [
            f"WHEN {d.string(c.id)} THEN {d.string(_limit_words(name, getattr(c, name)))}"
            for c in plan.components if getattr(c, name) is not None
        ]
        if not words:
            continue
        text = (f"concat((CASE t.component_id {' '.join(words)} END), ': earned ', "
                f"{money_text(d, 't.earned', p)}, ', {'capped off' if name == 'cap' else 'topped up'} ', "
                f"{money_text(d, 't.' + column, p)}, ', pays ', {money_text(d, 't.amount', p)})")
        parts.append(f"""SELECT t.payee_id, t.period_label, t.component_id,
              {d.string(name)} AS component_kind,
              NULL AS credit_id, NULL AS transaction_id, NULL AS rule_id, NULL AS basis_before,
              t.earned AS basis_after, NULL AS tier_index, NULL AS tier_rate, NULL AS rate_or_factor,
              {sign}t.{column} AS amount, {text} AS explanation, a.payee_period_no
            FROM {relation(totals_relation_sql)} AS t
            JOIN assignments AS a ON a.payee_id = t.payee_id AND a.period_label = t.period_label
            WHERE t.{column} <> 0""")  # noqa: S608
    if not parts:
        empty = ", ".join(f"CAST(NULL AS {t}) AS {d.ident(n)}" for n, t in EARNING_COLUMNS)
        return f"SELECT {empty} WHERE FALSE"
    return earning_lines(" UNION ALL ".join(parts), d)

