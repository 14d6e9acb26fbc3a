"""The interface every component kind implements, and the relations the earn stage hands it.

A component kind is one module in this package with one class implementing ``ComponentKind``;
``attain.components.registry`` maps the plan's ``kind`` to it (adding a kind = one registry line).

The earn stage (``attain.engine``) runs each component's ``earnings_sql`` inside one DuckDB (or
other executor) session in which these views exist, all restricted to one plan version's payees
and to the periods each payee is on that plan:

``credits`` — one row per credit, columns:
    credit_id BIGINT, transaction_id, payee_id, rule_id, rule_kind, share DECIMAL(38,10), level INT,
    credit DECIMAL(38,10), date DATE, kind, is_reversal BOOLEAN, amount DECIMAL(38,10),
    quantity DECIMAL(38,10), currency, account_id, product_id, owner_id, opportunity_id,
    territory_id, reverses_id, contract_term_months INT, product_name, product_family,
    product_series, product_list_price DECIMAL(38,10), account_sector, account_segment,
    account_country, account_employees INT, account_annual_revenue DECIMAL(38,10),
    attributes VARCHAR (JSON), period_label, period_start DATE, period_end DATE, period_index INT
    (1-based within the fiscal year), year_label, year_start DATE, source_file, source_line INT.
    The engine materializes only the columns a plan version reads: the core columns
    (``attain.engine.views.CORE_CREDIT_COLUMNS``: ids, rule, share, level, credit, date, kind,
    is_reversal, amount, quantity, reverses_id and the period columns) that the SQL of its
    measures and components names, plus every field the plan's formulas name; a kind that needs
    another column adds it to ``CORE_CREDIT_COLUMNS``. Two integers stand for the partitions of
    running totals: ``payee_period_no`` (payee_id, period_label) and ``payee_year_no`` (payee_id,
    year_label), numbered in the run (``attain.engine.views.GRID_CREDIT_COLUMNS``, kept when the
    kind's SQL names them): a window partitioned by one integer sorts much faster than by two
    strings. ``measures`` has ``payee_period_no`` and ``assignments`` both, numbered alike, so a
    kind can carry only the integer through its running-total sort and join the names back.
    Row order for running totals: (payee_id, date, transaction_id, credit_id); credit_id is
    numbered in that order (``attain.crediting.numbering``), so a kind may sort by it alone.

``measures`` — one row per payee × measure × pay period of the year (zero rows included):
    payee_id, measure_id, period_label, period_start, period_end, period_index, year_label,
    value DECIMAL(38,10), value_to_date DECIMAL(38,10), quota DECIMAL(38,10) (full, may be NULL),
    quota_prorated DECIMAL(38,10), quota_to_date DECIMAL(38,10) (sum of prorated quotas so far),
    attainment DECIMAL(38,10), attainment_to_date DECIMAL(38,10) (NULL without quota).

``assignments`` — one row per payee × pay period on this plan:
    payee_id, period_label, period_start, period_end, period_index, year_label, plan_id,
    plan_version INT, target_incentive DECIMAL(38,10) (per pay period, 0 when none),
    target_incentive_year DECIMAL(38,10) (the annual one: sum over the fiscal year's pay periods on
    the plan, including those after the run's last period), parameters VARCHAR (JSON
    object of payee parameter overrides), days_on_plan INT, days_in_period INT, currency.

``mbo_scores`` — payee_id, objective_id, period_label, score DECIMAL(38,10).

``earnings_base`` — (stage-2 kinds only, e.g. multipliers) the earning rows of all stage-1
components of this plan, in the ``EARNING_COLUMNS`` layout.

``earnings_sql`` returns one SELECT producing exactly ``EARNING_COLUMNS`` (names and order), the
last of which is the line's ``payee_period_no`` (from ``credits``, ``measures`` or ``assignments``:
the engine numbers and groups the trace by it instead of the payee and period strings). The
engine adds plan_id, plan_version and earning_id, then applies caps and floors
(``attain.components.caps``). A kind whose SQL already sorts its lines in credit order within each
payee and period may set ``numbers_lines = True`` and add ``line_no`` (1, 2, ... in that order)
after ``EARNING_COLUMNS`` (``lines.earning_lines(..., line_no=True)``): the engine then numbers the
trace without sorting those lines again (tiered does, from its running-total window).

``issues_sql`` (optional: may return None) returns one SELECT producing exactly ``ISSUE_COLUMNS``:
calculation problems the component found in the same views (e.g. CALC030: attainment-based
component without a quota). The rows it names pay nothing in ``earnings_sql``; the engine turns
each issue row into an ``attain.core.errors.Issue``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from attain.core.errors import Issue
from attain.core.money import minor_unit
from attain.plans.dialect import Dialect
from attain.plans.schema import PlanDocument

EARNING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("payee_id", "VARCHAR"),
    ("period_label", "VARCHAR"),
    ("component_id", "VARCHAR"),
    ("component_kind", "VARCHAR"),
    ("credit_id", "BIGINT"),  # NULL for period-level earnings (bonus, MBO, period_end tiers)
    ("transaction_id", "VARCHAR"),
    ("rule_id", "VARCHAR"),
    ("basis_before", "DECIMAL(38, 10)"),  # running basis before this line (tiered), else NULL
    ("basis_after", "DECIMAL(38, 10)"),
    ("tier_index", "INTEGER"),  # 1-based tier reached after this line, else NULL
    ("tier_rate", "DECIMAL(38, 10)"),  # rate of that tier
    ("rate_or_factor", "DECIMAL(38, 10)"),  # rate, per-unit amount, multiplier factor...
    ("amount", "DECIMAL(38, 10)"),  # unrounded earning
    ("explanation", "VARCHAR"),  # one plain sentence: how this line was computed
    ("payee_period_no", "BIGINT"),  # the run's integer for (payee_id, period_label): the trace's keys
)


ISSUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "VARCHAR"),  # CALCnnn, registered in attain.core.errors
    ("severity", "VARCHAR"),  # error | warning | info
    ("payee_id", "VARCHAR"),
    ("period_label", "VARCHAR"),
    ("component_id", "VARCHAR"),
    ("credit_id", "BIGINT"),  # NULL when the issue is about a payee-period
    ("message", "VARCHAR"),  # one sentence a comp analyst understands
)


@dataclass(frozen=True)
class EarnContext:
    """What a component needs to write its SQL: the plan, the dialect and helpers for formulas."""

    plan: PlanDocument
    dialect: Dialect
    compile_formula: Callable[[str], str]
    """Compile a plan formula (over credit-row fields) to a SQL expression of this dialect."""
    measure_credits: Callable[[str], str]
    """SQL sub-query: the ``credits`` rows that feed a measure (its credit_rules and filter)."""
    explanations: bool = True
    """False: the ``explanation`` column is NULL (about 2-3× faster on big runs); statements then
    call ``ComponentKind.explain(row)``, which describes a line from its other columns."""

    @property
    def money_places(self) -> int:
        """Decimals of the plan currency's minor unit: the sentences print amounts at them."""
        return minor_unit(self.plan.currency)


class ComponentKind(Protocol):
    """One kind of plan component (rate, tiered, multiplier, bonus, mbo, spiff)."""

    kind: ClassVar[str]
    stage: ClassVar[int]  # 1: from credits/measures; 2: from other components' earnings

    def validate(self, component: Any, plan: PlanDocument) -> list[Issue]:
        """Problems only this kind can see (beyond the schema), with PLAN codes."""
        ...

    def earnings_sql(self, component: Any, ctx: EarnContext) -> str:
        """One SELECT giving this component's earning rows in ``EARNING_COLUMNS`` layout."""
        ...

    def issues_sql(self, component: Any, ctx: EarnContext) -> str | None:
        """One SELECT giving ``ISSUE_COLUMNS`` rows for problems found while earning, or None."""
        ...

    def explain(self, row: Mapping[str, Any]) -> str:
        """A longer explanation of one earning row for statements (defaults to its explanation)."""
        ...
