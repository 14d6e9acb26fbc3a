"""A tiny hand-made earn-stage session: the views of attain.components.base, built from a few rows.

``Book`` collects credits, quotas, assignments and MBO scores the way a comp analyst would write
them down, derives the period columns (monthly or quarterly fiscal calendar starting in January),
the measures (sum of credit per payee × period, to date, quota, attainment) and creates the views
``credits``, ``measures``, ``assignments``, ``mbo_scores`` (and ``earnings_base``) in DuckDB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import duckdb

from attain.components.base import EARNING_COLUMNS, EarnContext
from attain.components.registry import REGISTRY
from attain.plans.dialect import DUCKDB
from attain.plans.schema import PlanDocument

try:  # the formula language compiles plan formulas to SQL
    from attain.plans.formula import to_sql as _to_sql

    def compile_formula(text: str) -> str:
        return _to_sql(text, DUCKDB)
except ImportError:  # pragma: no cover - only before attain.plans.formula exists

    def compile_formula(text: str) -> str:
        return text


D = Decimal
DEC = "DECIMAL(38, 10)"

CREDIT_COLUMNS: dict[str, str] = {
    "credit_id": "BIGINT", "transaction_id": "VARCHAR", "payee_id": "VARCHAR", "rule_id": "VARCHAR",
    "rule_kind": "VARCHAR", "share": DEC, "level": "INTEGER", "credit": DEC, "date": "DATE",
    "kind": "VARCHAR", "is_reversal": "BOOLEAN", "amount": DEC, "quantity": DEC, "currency": "VARCHAR",
    "account_id": "VARCHAR", "product_id": "VARCHAR", "owner_id": "VARCHAR", "opportunity_id": "VARCHAR",
    "territory_id": "VARCHAR", "reverses_id": "VARCHAR", "contract_term_months": "INTEGER",
    "product_name": "VARCHAR", "product_family": "VARCHAR", "product_series": "VARCHAR",
    "product_list_price": DEC, "account_sector": "VARCHAR", "account_segment": "VARCHAR",
    "account_country": "VARCHAR", "account_employees": "INTEGER", "account_annual_revenue": DEC,
    "attributes": "VARCHAR", "period_label": "VARCHAR", "period_start": "DATE", "period_end": "DATE",
    "period_index": "INTEGER", "year_label": "VARCHAR", "year_start": "DATE", "source_file": "VARCHAR",
    "source_line": "INTEGER",
}


def period_of(day: date, pay_period: str) -> tuple[str, int, date, date]:
    """(label, 1-based index in the year, start, end) of the pay period holding ``day``."""
    if pay_period == "quarter":
        q = (day.month - 1) // 3 + 1
        start = date(day.year, 3 * q - 2, 1)
        end = date(day.year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
        return f"{day.year}-Q{q}", q, start, date.fromordinal(end.toordinal() - 1)
    end = date(day.year + (day.month == 12), 1 if day.month == 12 else day.month + 1, 1)
    last = date.fromordinal(end.toordinal() - 1)
    return f"{day.year}-{day.month:02d}", day.month, date(day.year, day.month, 1), last


def periods_of_year(year: int, pay_period: str) -> list[tuple[str, int, date, date]]:
    months = range(1, 13, 3) if pay_period == "quarter" else range(1, 13)
    return [period_of(date(year, m, 1), pay_period) for m in months]


def exact_div(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 80
        return (a / b).quantize(D("1e-10"), rounding=ROUND_HALF_UP)


@dataclass
class Book:
    """Inputs of one earn-stage test, in the words of the comp analyst."""

    pay_period: str = "month"
    year: int = 2015
    credits: list[dict[str, Any]] = field(default_factory=list)
    quotas: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)
    assignments: dict[str, tuple[Decimal, dict[str, Any], list[str] | None]] = field(default_factory=dict)
    scores: list[tuple[str, str, str, Decimal]] = field(default_factory=list)

    def credit(self, payee: str, day: str, credit: Any, txn: str | None = None, rule: str = "owner",
               **fields: Any) -> Book:
        when = date.fromisoformat(day)
        label, index, start, end = period_of(when, self.pay_period)
        row: dict[str, Any] = dict.fromkeys(CREDIT_COLUMNS)
        row.update(
            credit_id=len(self.credits) + 1, transaction_id=txn or f"T{len(self.credits) + 1}",
            payee_id=payee,
            rule_id=rule, rule_kind="owner", share=D(1), level=0, credit=D(str(credit)), date=when,
            kind="booking", is_reversal=False, amount=D(str(credit)), currency="USD", owner_id=payee,
            period_label=label, period_start=start, period_end=end, period_index=index,
            year_label=str(when.year), year_start=date(when.year, 1, 1), attributes="{}",
        )
        for name, value in fields.items():
            row[name] = D(str(value)) if CREDIT_COLUMNS[name] == DEC and value is not None else value
        self.credits.append(row)
        return self

    def quota(self, payee: str, period: str, amount: Any, measure: str = "bookings") -> Book:
        self.quotas[(payee, measure, period)] = D(str(amount))
        return self

    def assign(self, payee: str, target_incentive: Any = 0, parameters: dict[str, Any] | None = None,
               periods: list[str] | None = None) -> Book:
        self.assignments[payee] = (D(str(target_incentive)), parameters or {}, periods)
        return self

    def score(self, payee: str, objective: str, period: str, score: Any) -> Book:
        self.scores.append((payee, objective, period, D(str(score))))
        return self

    # -- the views --------------------------------------------------------------------------------

    def _assignment_rows(self) -> list[tuple[Any, ...]]:
        payees = dict(self.assignments)
        for row in self.credits:
            payees.setdefault(row["payee_id"], (D(0), {}, None))
        rows = []
        for payee, (ti, params, only) in sorted(payees.items()):
            year = periods_of_year(self.year, self.pay_period)
            on_plan = [p for p in year if only is None or p[0] in only]
            for label, index, start, end in on_plan:
                days = (end - start).days + 1
                rows.append((payee, label, start, end, index, str(self.year), "plan", 1, ti,
                             ti * len(on_plan), json.dumps(params), days, days, "USD"))
        return rows

    def _measure_rows(self, plan: PlanDocument) -> list[tuple[Any, ...]]:
        measures = {m.id for m in plan.measures} | {"bookings"}
        rows = []
        for payee, label, start, end, index, year, *_ in self._assignment_rows():
            for measure in sorted(measures):
                value = sum((c["credit"] for c in self.credits if c["payee_id"] == payee
                             and c["period_label"] == label), D(0))
                to_date = sum((c["credit"] for c in self.credits if c["payee_id"] == payee
                               and c["period_index"] <= index), D(0))
                quota = self.quotas.get((payee, measure, label))
                quota_td = sum((q for (p, m, lab), q in self.quotas.items() if p == payee and m == measure
                                and _index(lab, self.pay_period) <= index), D(0))
                att = exact_div(value, quota) if quota else None
                att_td = exact_div(to_date, quota_td) if quota_td else None
                rows.append((payee, measure, label, start, end, index, year, value, to_date, quota, quota,
                             quota_td if quota_td else None, att, att_td))
        return rows

    def _number_in_credit_order(self) -> None:
        """credit_id in credit order (date, transaction_id, then as added), as the engine numbers
        credits (``attain.crediting.numbering``): the kinds' running totals sort by credit_id."""
        ordered = sorted(self.credits, key=lambda r: (r["date"], r["transaction_id"], r["credit_id"]))
        for number, row in enumerate(ordered, start=1):
            row["credit_id"] = number

    def session(self, plan: PlanDocument, earnings_base: list[dict[str, Any]] | None = None
                ) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        self._number_in_credit_order()
        cols = ", ".join(f"{n} {t}" for n, t in CREDIT_COLUMNS.items())
        con.execute(f"CREATE TABLE credit_rows ({cols})")
        if self.credits:
            con.executemany(f"INSERT INTO credit_rows VALUES ({', '.join('?' * len(CREDIT_COLUMNS))})",
                            [tuple(r[n] for n in CREDIT_COLUMNS) for r in self.credits])
        con.execute(f"""CREATE TABLE measure_rows (payee_id VARCHAR, measure_id VARCHAR, period_label VARCHAR,
            period_start DATE, period_end DATE, period_index INTEGER, year_label VARCHAR, value {DEC},
            value_to_date {DEC}, quota {DEC}, quota_prorated {DEC}, quota_to_date {DEC}, attainment {DEC},
            attainment_to_date {DEC})""")
        con.executemany(f"INSERT INTO measure_rows VALUES ({', '.join('?' * 14)})",
                        self._measure_rows(plan))
        con.execute(f"""CREATE TABLE assignment_rows (payee_id VARCHAR, period_label VARCHAR,
            period_start DATE, period_end DATE, period_index INTEGER, year_label VARCHAR, plan_id VARCHAR,
            plan_version INTEGER,
            target_incentive {DEC}, target_incentive_year {DEC}, parameters VARCHAR, days_on_plan INTEGER,
            days_in_period INTEGER, currency VARCHAR)""")
        con.executemany(f"INSERT INTO assignment_rows VALUES ({', '.join('?' * 14)})",
                        self._assignment_rows())
        _number_payee_periods(con)
        con.execute(f"CREATE TABLE mbo_scores (payee_id VARCHAR, objective_id VARCHAR, period_label VARCHAR, "
                    f"score {DEC})")
        if self.scores:
            con.executemany("INSERT INTO mbo_scores VALUES (?, ?, ?, ?)", self.scores)
        earning_cols = ", ".join(f"{n} {t}" for n, t in EARNING_COLUMNS)
        con.execute(f"CREATE TABLE earnings_base ({earning_cols})")
        for row in earnings_base or []:
            con.execute(f"INSERT INTO earnings_base VALUES ({', '.join('?' * len(EARNING_COLUMNS))})",
                        [row.get(n) for n, _ in EARNING_COLUMNS])
        return con


def _number_payee_periods(con: duckdb.DuckDBPyConnection) -> None:
    """credits, measures and assignments with the engine's integers for (payee, period) and
    (payee, year) (``views.GRID_CREDIT_COLUMNS``), numbered alike in the three."""
    con.execute("""CREATE TABLE payee_periods AS SELECT payee_id, period_label, year_label,
        DENSE_RANK() OVER (ORDER BY payee_id, period_label) AS payee_period_no,
        DENSE_RANK() OVER (ORDER BY payee_id, year_label) AS payee_year_no
      FROM (SELECT payee_id, period_label, year_label FROM credit_rows
            UNION SELECT payee_id, period_label, year_label FROM measure_rows
            UNION SELECT payee_id, period_label, year_label FROM assignment_rows) k""")
    pairs = (("credits", "credit_rows"), ("measures", "measure_rows"), ("assignments", "assignment_rows"))
    for table, rows in pairs:
        con.execute(f"""CREATE TABLE {table} AS SELECT r.*, g.payee_period_no, g.payee_year_no FROM {rows} r
          JOIN payee_periods g ON g.payee_id = r.payee_id AND g.period_label = r.period_label""")


def _index(label: str, pay_period: str) -> int:
    return int(label.split("-Q")[1]) if pay_period == "quarter" else int(label.split("-")[1])


def context(plan: PlanDocument, explanations: bool = True) -> EarnContext:
    """The EarnContext the engine would give: formulas compiled for DuckDB, measure credit rows."""

    def measure_credits(measure_id: str) -> str:
        measure = next((m for m in plan.measures if m.id == measure_id), None)
        where = ["TRUE"]
        if measure is not None and measure.credit_rules:
            where.append("rule_id IN (" + ", ".join(DUCKDB.string(r) for r in measure.credit_rules) + ")")
        if measure is not None and measure.filter:
            where.append(f"({compile_formula(measure.filter)})")
        return f"SELECT * FROM credits WHERE {' AND '.join(where)}"

    return EarnContext(plan=plan, dialect=DUCKDB, compile_formula=compile_formula,
                       measure_credits=measure_credits, explanations=explanations)


def plan_with(*components: dict[str, Any], **extra: Any) -> PlanDocument:
    """A one-rule plan with a 'bookings' measure and the given components."""
    doc: dict[str, Any] = {
        "plan": "test_plan", "version": 1, "effective_from": "2015-01-01",
        "credit_rules": [{"id": "owner", "kind": "owner"}],
        "measures": [{"id": "bookings"}],
        "components": list(components),
    }
    doc.update(extra)
    return PlanDocument.model_validate(doc)


def earn(book: Book, plan: PlanDocument, component_id: str | None = None,
         earnings_base: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Run one component's SQL (default: the plan's first) and return its lines in credit order."""
    comp = next(c for c in plan.components if component_id in (None, c.id))
    con = book.session(plan, earnings_base)
    kind = REGISTRY[comp.kind]
    rel = con.sql(kind.earnings_sql(comp, context(plan)))
    numbers_lines = getattr(kind, "numbers_lines", False)
    assert rel.columns == [n for n, _ in EARNING_COLUMNS] + (["line_no"] if numbers_lines else [])
    rows = [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
    rows.sort(key=lambda r: (r["payee_id"], r["period_label"], r["credit_id"] or 0))
    if numbers_lines:
        _check_line_numbers(rows)
    return [{k: v for k, v in r.items() if k != "line_no"} for r in rows]


def _check_line_numbers(rows: list[dict[str, Any]]) -> None:
    """A kind's own ``line_no``: 1, 2, ... in credit order within each payee and period."""
    expected: dict[tuple[str, str], int] = {}
    for row in rows:  # sorted by payee, period, credit_id
        key = (row["payee_id"], row["period_label"])
        expected[key] = expected.get(key, 0) + 1
        assert row["line_no"] == expected[key], (key, row["credit_id"], row["line_no"])


def issues(book: Book, plan: PlanDocument, component_id: str | None = None) -> list[dict[str, Any]]:
    comp = next(c for c in plan.components if component_id in (None, c.id))
    sql = REGISTRY[comp.kind].issues_sql(comp, context(plan))
    if sql is None:
        return []
    rel = book.session(plan).sql(sql)
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def amounts(rows: list[dict[str, Any]]) -> list[Decimal]:
    return [r["amount"] for r in rows]



def earn_stage(book: Book, plan: PlanDocument) -> duckdb.DuckDBPyConnection:
    """The whole earn stage as the engine runs it: stage-1 kinds, then stage 2, then caps and floors.

    Leaves tables ``earnings`` (all lines) and ``totals`` (``apply_caps``) in the session.
    """
    from attain.components.caps import apply_caps

    con = book.session(plan)
    ctx = context(plan)
    con.execute("CREATE TABLE stage_two AS SELECT * FROM earnings_base WHERE FALSE")
    for stage, target in ((1, "earnings_base"), (2, "stage_two")):
        kinds = [(REGISTRY[c.kind], c) for c in plan.components]
        sqls = [kind.earnings_sql(c, ctx) for kind, c in kinds if kind.stage == stage]
        if sqls:
            con.execute(f"INSERT INTO {target} " + " UNION ALL ".join(sqls))
    con.execute("CREATE TABLE earnings AS SELECT * FROM earnings_base UNION ALL SELECT * FROM stage_two")
    con.execute(f"CREATE TABLE totals AS {apply_caps(plan, 'earnings', DUCKDB)}")
    return con


def rows_of(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    rel = con.sql(sql)
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def run_plan(book: Book, plan: PlanDocument) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(earning lines, component totals) of the whole earn stage, sorted for stable assertions."""
    con = earn_stage(book, plan)
    lines = rows_of(con, "SELECT * FROM earnings ORDER BY payee_id, period_label, component_id, credit_id")
    totals = rows_of(con, "SELECT * FROM totals ORDER BY payee_id, period_label, component_id")
    return lines, totals
