"""Tiered commission and attainment payout curves: F(after) − F(before) per credit or per period.

Every evaluation mode reduces to "moves" of the tier basis, one per earning line: a credit rated
alone (``per_transaction``: 0 → credit), a credit on the running total of its tier period
(``cumulative``: total before → total after, ordered by date, transaction_id, credit_id), or a
period (``period_end``: 0 → period total, or year to date before → after). A line earns
F(after) − F(before), so reversals (negative moves) and retroactive true-ups need no special case.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from attain.components import codes
from attain.components.base import EarnContext
from attain.components.caps import check_cap
from attain.components.lines import (
    INCENTIVE_RELATION,
    describe,
    earning_lines,
    find_measure,
    has_measure,
    issue_lines,
    money_text,
    mul,
    percent_text,
    plain_text,
    quota_relation,
    relation,
)
from attain.components.tier_checks import check_tiers
from attain.components.tiers import CurveSql, CurveTier, TierCurve
from attain.core.errors import Issue
from attain.plans.dialect import Dialect
from attain.plans.schema import (
    Aggregate,
    Basis,
    Evaluation,
    PlanDocument,
    RateOf,
    Rating,
    TieredComponent,
)

_ORDER = "credit_id"
"""Running-total order: (date, transaction_id, credit_id). credit_id is numbered in credit order,
whose first keys are the transaction's date and id (``attain.crediting.numbering``), so sorting by
credit_id alone gives that order with one integer key (the window sorted a text key before)."""


class TieredKind:
    """``kind: tiered`` — see docs/components/tiered.md."""

    kind: ClassVar[str] = "tiered"
    stage: ClassVar[int] = 1
    numbers_lines: ClassVar[bool] = True
    """Lines carry ``line_no`` (credit order within payee and period): the running total's window
    sorts them already, so the engine's ``earning_id`` need not sort them again."""

    def validate(self, component: TieredComponent, plan: PlanDocument) -> list[Issue]:
        where = f"component {component.id}"
        issues = check_tiers(component.tiers, component.rating, f"{where} tiers")
        if not has_measure(plan, component.measure):
            issues.append(Issue(codes.UNKNOWN_MEASURE, f"{where}: measure {component.measure!r} is not "
                                "declared in the plan's measures", record=where))
        elif (find_measure(plan, component.measure).aggregate is Aggregate.DISTINCT_COUNT
              and component.evaluation is not Evaluation.PERIOD_END):
            issues.append(Issue(codes.TIER_MEASURE_NOT_ADDITIVE, f"{where}: measure {component.measure!r} "
                                "counts distinct values; use `evaluation: period_end`", record=where))
        return issues + check_cap(component, where)

    def earnings_sql(self, component: TieredComponent, ctx: EarnContext) -> str:
        return earning_lines(_Tiered(component, ctx).sql(), ctx.dialect, ctx.explanations, line_no=True)

    def issues_sql(self, component: TieredComponent, ctx: EarnContext) -> str | None:
        if component.basis is not Basis.ATTAINMENT and component.rate_of is not RateOf.TARGET_INCENTIVE:
            return None
        return issue_lines(missing_quota_sql(component.id, component.measure, _quota_column(component),
                                             ctx.dialect), ctx.dialect)

    def explain(self, row: Mapping[str, Any]) -> str:
        return describe(row)


def _quota_column(component: TieredComponent) -> str:
    per_year = component.tier_period == "year" and component.evaluation is not Evaluation.PER_TRANSACTION
    return "q_to_date" if per_year else "q_period"


def missing_quota_sql(component_id: str, measure_id: str, column: str, dialect: Dialect) -> str:
    """CALC030 rows: payee-periods on the plan whose measure has no (or a zero) quota."""
    message = (f"concat('no quota for measure {measure_id} in ', a.period_label, "
               f"': component {component_id} pays nothing this period')")
    return f"""SELECT {dialect.string(codes.NO_QUOTA)} AS code, 'error' AS severity, a.payee_id,
        a.period_label, {dialect.string(component_id)} AS component_id, NULL AS credit_id,
        {message} AS message
      FROM assignments AS a LEFT JOIN ({quota_relation(dialect, measure_id)}) AS qq
        ON qq.payee_id = a.payee_id AND qq.period_label = a.period_label
      WHERE qq.{column} IS NULL"""  # noqa: S608 - identifiers and literals quoted by the dialect


class _Tiered:
    """Builds the SQL of one tiered component."""

    def __init__(self, component: TieredComponent, ctx: EarnContext):
        self.c = component
        self.ctx = ctx
        self.d = ctx.dialect
        self.measure = find_measure(ctx.plan, component.measure)
        self.curve = TierCurve.of(component.tiers, component.rating, component.boundary)
        self.on_incentive = component.rate_of is RateOf.TARGET_INCENTIVE
        self.scaled = component.basis is Basis.ATTAINMENT and not self.on_incentive  # bounds × quota
        self.needs_quota = component.basis is Basis.ATTAINMENT or self.on_incentive
        self.per_year = (component.tier_period == "year"
                         and component.evaluation is not Evaluation.PER_TRANSACTION)
        self.multiples = CurveSql(self.curve, self.d, "q").quota_multiples() if self.scaled else []
        self.rated = CurveSql(self.curve, self.d, "m.q" if self.scaled else None, self._columns("m.qa"))
        self.rated_before = CurveSql(self.curve, self.d, "m.q_before" if self.scaled else None,
                                     self._columns("m.qb"))

    def _columns(self, prefix: str) -> dict[Decimal, str]:
        """Quota × bound columns (``_scales_sql``) the curve reads instead of multiplying per row."""
        return {value: f"{prefix}{i}" for i, value in enumerate(self.multiples)}

    # -- moves: one row per earning line with the basis before and after -----------------------

    def _row_value(self) -> str:
        if self.measure.aggregate is Aggregate.COUNT:
            return self.d.decimal(Decimal(1))
        return self.d.calc(self.ctx.compile_formula(self.measure.of))

    def moves(self) -> str:
        if self.c.evaluation is Evaluation.PERIOD_END:
            return self._period_moves()
        source = self.ctx.measure_credits(self.c.measure)
        value = self._row_value()
        # windows are partitioned by the integers standing for (payee, period) and (payee, year)
        part = "payee_year_no" if self.per_year else "payee_period_no"
        # only the columns the lines carry: each one more rides through the running-total sort
        year = ", c.payee_year_no" if self.per_year else ""
        # (payee_id and period_label are not carried: each string rides through the sort; the
        # positions take them from the payee-period's incentive row, joined by the integer)
        rows = f"""SELECT c.payee_period_no{year}, c.credit_id, c.transaction_id, c.rule_id,
            {value} AS v FROM {relation(source)} AS c"""  # noqa: S608 - compiled formula
        if self.c.evaluation is Evaluation.PER_TRANSACTION:
            before, after = self.d.decimal(Decimal(0)), "v"
        else:
            after = (f"SUM(v) OVER (PARTITION BY {part} ORDER BY {_ORDER} "
                     "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)")
            before = f"{after} - v"
        # the line's number in its payee-period, in credit order: with a period running total
        # it shares that window's sort (one sort for both)
        line_no = f"ROW_NUMBER() OVER (PARTITION BY payee_period_no ORDER BY {_ORDER})"
        return f"""SELECT payee_period_no, credit_id, transaction_id, rule_id, v,
            {before} AS run_before, {after} AS run_after, {line_no} AS line_no
          FROM ({rows}) AS r"""  # noqa: S608

    def _period_moves(self) -> str:
        before = "m.value_to_date - m.value" if self.per_year else self.d.decimal(Decimal(0))
        after = "m.value_to_date" if self.per_year else "m.value"
        return f"""SELECT a.payee_period_no, NULL AS credit_id, NULL AS transaction_id,
            NULL AS rule_id, m.value AS v, {before} AS run_before, {after} AS run_after, 1 AS line_no
          FROM measures AS m JOIN assignments AS a
            ON a.payee_id = m.payee_id AND a.period_label = m.period_label
          WHERE m.measure_id = {self.d.string(self.c.measure)}"""  # noqa: S608 - quoted by the dialect

    # -- positions on the curve -------------------------------------------------------------------

    def _scales(self) -> tuple[str, str, str, str]:
        """SQL of (quota, target incentive) after and before a move (see docs: tier_period year)."""
        if not self.per_year:
            return "qq.q_period", "qq.q_period", "inc.ti_period", "inc.ti_period"
        if self.c.evaluation is Evaluation.PERIOD_END:  # G_t(YTD_t) − G_t−1(YTD_t−1)
            return ("qq.q_to_date", "COALESCE(qq.q_to_date_before, qq.q_to_date)",
                    "inc.ti_to_date", "inc.ti_to_date_before")
        return "qq.q_to_date", "qq.q_to_date", "inc.ti_to_date", "inc.ti_to_date"

    def positions(self) -> str:
        q, q_before, ti, ti_before = self._scales()
        if self.on_incentive:
            x_before = self.d.exact_div("mv.run_before", q_before)
            x_after = self.d.exact_div("mv.run_after", q)
        else:
            x_before, x_after = "mv.run_before", "mv.run_after"
        where = f"WHERE {q} IS NOT NULL" if self.needs_quota else ""
        scaled = "".join(f", qq.qa{i}, qq.qb{i}" for i in range(len(self.multiples)))
        return f"""SELECT inc.payee_id, inc.period_label, mv.*, {q} AS q, {q_before} AS q_before,
            {ti} AS ti, {ti_before} AS ti_before,
            {x_before} AS x_before, {x_after} AS x_after{scaled}
          FROM ({self.moves()}) AS mv
          LEFT JOIN ({self._scales_sql(q, q_before)}) AS qq
            ON qq.payee_period_no = mv.payee_period_no
          JOIN ({INCENTIVE_RELATION}) AS inc ON inc.payee_period_no = mv.payee_period_no
          {where}"""  # noqa: S608 - built from this module's fragments

    def _scales_sql(self, q: str, q_before: str) -> str:
        """The quota relation with quota × each bound after (qa<i>) and before (qb<i>) a move, once
        per payee-period (the same ``Dialect.mul`` the curve would do on every credit row)."""
        columns = "".join(
            f", {self.d.mul(q, value)} AS qa{i}, {self.d.mul(q_before, value)} AS qb{i}"
            for i, value in enumerate(self.multiples)
        )
        return f"SELECT qq.*{columns} FROM ({quota_relation(self.d, self.c.measure)}) AS qq"  # noqa: S608

    def sql(self) -> str:
        r = self.rated
        f_before, f_after = self.rated_before.value("m.x_before"), r.value("m.x_after")
        rated = f"""SELECT m.*, {f_before} AS f_before, {f_after} AS f_after,
            {r.tier_index("m.x_after")} AS tier_index, {r.tier_rate("m.x_after")} AS tier_rate,
            {r.by_tier("m.x_after", lambda t: self.d.string(_tier_words(t, self.c.rating)))} AS tier_words
          FROM ({self.positions()}) AS m"""  # noqa: S608 - built from this module's fragments
        amount = "t.f_after - t.f_before"
        if self.on_incentive:
            amount = f"{mul(self.d, 't.ti', 't.f_after')} - {mul(self.d, 't.ti_before', 't.f_before')}"
        return f"""SELECT t.payee_id, t.period_label, {self.d.string(self.c.id)} AS component_id,
            'tiered' AS component_kind, t.credit_id, t.transaction_id, t.rule_id, t.line_no,
            t.payee_period_no,
            t.x_before AS basis_before, t.x_after AS basis_after, t.tier_index, t.tier_rate,
            {"t.ti" if self.on_incentive else "NULL"} AS rate_or_factor, {amount} AS amount,
            {self._explanation(amount)} AS explanation
          FROM ({rated}) AS t"""  # noqa: S608 - built from this module's fragments

    # -- explanation --------------------------------------------------------------------------------

    def _explanation(self, amount: str) -> str:
        def money(sql: str) -> str:
            return money_text(self.d, sql, self.ctx.money_places)

        def pct(sql: str) -> str:
            return f"concat({money_text(self.d, mul(self.d, sql, '100'))}, '%')"

        name = self.c.measure
        if self.on_incentive:
            move = f"concat('attainment ', {pct('t.x_before')}, ' → ', {pct('t.x_after')})"
        else:
            move = f"concat('{name} ', {money('t.x_before')}, ' → ', {money('t.x_after')})"
        if self.c.evaluation is Evaluation.PERIOD_END:
            head = f"concat('period ', t.period_label, ': ', {move})"
        elif self.c.evaluation is Evaluation.PER_TRANSACTION:
            head = (f"concat('credit ', {money('t.v')}, ' of ', t.transaction_id, "
                    f"' rated alone from zero, ', {move})")
        else:
            head = f"concat('credit ', {money('t.v')}, ' of ', t.transaction_id, ' moved ', {move})"
        rescaled = self.scaled and self.per_year and self.c.evaluation is Evaluation.PERIOD_END
        if self.curve.all_marginal and not self.on_incentive and not rescaled:
            shown = CurveSql(self.curve, self.d, "t.q" if self.scaled else None)
            how = f"nullif({shown.slices_text('t.x_before', 't.x_after', money, percent_text)}, '')"
            how = f"coalesce({how}, 'nothing in a paying tier')"
        elif self.on_incentive:
            f_after, f_before = _plain_sql(self.d, "t.f_after"), _plain_sql(self.d, "t.f_before")
            how = (f"concat('curve ', {f_after}, ' − ', {f_before}, "
                   f"' of target incentive ', {money('t.ti')})")
        else:
            how = (f"concat(coalesce(t.tier_words, 'below the first tier'), ': ', {money('t.f_after')}, "
                   f"' − ', {money('t.f_before')}, ' already earned')")
        return f"concat({head}, ': ', {how}, ' = ', {money(amount)})"


def _plain_sql(dialect: Dialect, sql: str) -> str:
    return f"CAST(CAST({dialect.round_half_even(sql, 4)} AS DECIMAL(38, 4)) AS VARCHAR)"


def _tier_words(tier: CurveTier, default: Rating) -> str:
    if tier.rating is Rating.INTERPOLATED and tier.amount is not None:
        return (f"tier {tier.index} (interpolated, {plain_text(tier.amount)} over "
                f"{plain_text(tier.lo)}–{plain_text(tier.hi or tier.lo)})")
    return f"tier {tier.index} ({tier.rating.value} at {percent_text(tier.rate)})"
