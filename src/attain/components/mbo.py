"""Management by objectives: target incentive × weight × min(score, max_score), one line per objective.

Scores come from ``mbo_scores`` (payee, objective, period). An objective without a score in a
period where the payee has scores for others is CALC040 (warning: it pays nothing); a score above
``max_score`` is limited to it and reported as CALC041 (info).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from attain.components import codes
from attain.components.base import EarnContext
from attain.components.caps import check_cap
from attain.components.lines import (
    INCENTIVE_RELATION,
    describe,
    earning_lines,
    issue_lines,
    money_text,
    mul,
    number_text,
    percent_sql,
)
from attain.core.errors import Issue, Severity
from attain.plans.dialect import Dialect
from attain.plans.schema import MboComponent, PlanDocument


class MboKind:
    """``kind: mbo`` — see docs/components/mbo.md."""

    kind: ClassVar[str] = "mbo"
    stage: ClassVar[int] = 1

    def validate(self, component: MboComponent, plan: PlanDocument) -> list[Issue]:
        where = f"component {component.id}"
        ids = [o.id for o in component.objectives]
        issues = [
            Issue(codes.MBO_DUPLICATE_OBJECTIVE, f"{where}: objective {o!r} is listed twice", record=where)
            for o in sorted({i for i in ids if ids.count(i) > 1})
        ]
        weights = [o.weight for o in component.objectives]
        if any(w < 0 for w in weights) or sum(weights) > 1:
            issues.append(Issue(codes.MBO_WEIGHTS, f"{where}: objective weights total {sum(weights)} "
                                "(expected "
                                "0..1, none negative)", severity=Severity.WARNING, record=where))
        return issues + check_cap(component, where)

    def earnings_sql(self, component: MboComponent, ctx: EarnContext) -> str:
        d, p = ctx.dialect, ctx.money_places
        amount = mul(d, mul(d, "s.ti", "s.weight"), "s.used")
        weight, used = percent_sql(d, "s.weight"), number_text(d, "s.used")
        explanation = (f"concat('objective ', s.objective_id, ' (weight ', {weight}, ') scored ', "
                       f"{number_text(d, 's.score')}, "
                       f"CASE WHEN s.score > s.used THEN concat(' (limited to ', {used}, ')') "
                       f"ELSE '' END, ': ', {percent_sql(d, 's.weight')}, ' × ', {number_text(d, 's.used')}, "
                       f"' × target incentive ', {money_text(d, 's.ti', p)}, ' = ', "
                       f"{money_text(d, amount, p)})")
        inner = f"""SELECT s.payee_id, s.period_label, {d.string(component.id)} AS component_id,
            'mbo' AS component_kind, NULL AS credit_id, NULL AS transaction_id, s.objective_id AS rule_id,
            NULL AS basis_before, s.used AS basis_after, NULL AS tier_index, NULL AS tier_rate,
            s.weight AS rate_or_factor, {amount} AS amount, {explanation} AS explanation, s.payee_period_no
          FROM ({_scored(component, d)}) AS s WHERE s.score IS NOT NULL"""  # noqa: S608 - quoted fragments
        return earning_lines(inner, d, ctx.explanations)

    def issues_sql(self, component: MboComponent, ctx: EarnContext) -> str | None:
        d = ctx.dialect
        inner = f"""SELECT CASE WHEN s.score IS NULL THEN {d.string(codes.NO_SCORE)}
                 ELSE {d.string(codes.SCORE_ABOVE_MAX)} END AS code,
            CASE WHEN s.score IS NULL THEN 'warning' ELSE 'info' END AS severity,
            s.payee_id, s.period_label, {d.string(component.id)} AS component_id, NULL AS credit_id,
            CASE WHEN s.score IS NULL
                 THEN concat('objective ', s.objective_id, ' has no score for ', s.period_label,
                             ': pays nothing')
                 ELSE concat('objective ', s.objective_id, ' scored ', {number_text(d, 's.score')},
                             ' in ', s.period_label, ', limited to ', {number_text(d, 's.used')})
                 END AS message
          FROM ({_scored(component, d)}) AS s
          WHERE (s.score IS NULL AND s.scored_in_period) OR s.score > s.used"""  # noqa: S608
        return issue_lines(inner, d)

    def explain(self, row: Mapping[str, Any]) -> str:
        return describe(row)


def _scored(component: MboComponent, d: Dialect) -> str:
    """Payee-period × objective with weight, score (NULL when missing), used score and ti."""
    objectives = ", ".join(f"({d.string(o.id)}, {d.decimal(o.weight)})" for o in component.objectives)
    ids = ", ".join(d.string(o.id) for o in component.objectives)
    return f"""SELECT inc.payee_id, inc.period_label, inc.payee_period_no, inc.ti_period AS ti,
        o.objective_id, o.weight,
        sc.score, LEAST(sc.score, {d.decimal(component.max_score)}) AS used,
        EXISTS (SELECT 1 FROM mbo_scores AS x WHERE x.payee_id = inc.payee_id
                AND x.period_label = inc.period_label AND x.objective_id IN ({ids})) AS scored_in_period
      FROM ({INCENTIVE_RELATION}) AS inc
      CROSS JOIN (VALUES {objectives}) AS o(objective_id, weight)
      LEFT JOIN mbo_scores AS sc ON sc.payee_id = inc.payee_id AND sc.period_label = inc.period_label
        AND sc.objective_id = o.objective_id"""  # noqa: S608 - quoted fragments
