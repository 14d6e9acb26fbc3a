"""The canonical entities of the system of record and their fields: one contract for all layers.

Importers validate rows against these specs, the store derives its tables from them, and the
engine's file mode reads CSV/Parquet files named ``<entity>.csv``/``<entity>.parquet`` with these
columns. Identifiers are the business keys (external ids) as text, e.g. a payee is identified by
``payee_id`` = "Moses Frase" or "E1042", never by a database surrogate key.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldKind(StrEnum):
    """The type of a field, as importers parse it and the store declares it."""

    TEXT = "text"
    ID = "id"  # a business key, text
    DATE = "date"  # ISO YYYY-MM-DD
    TIMESTAMP = "timestamp"  # ISO date-time
    MONEY = "money"  # exact decimal, DECIMAL(19, 3) in SQL; currency in a sibling field
    DECIMAL = "decimal"  # exact decimal with more places (rates, percents, FX), DECIMAL(24, 10)
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CURRENCY = "currency"  # ISO 4217 code
    CHOICE = "choice"  # one of ``choices``
    JSON = "json"  # free-form custom attributes


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column of an entity."""

    name: str
    kind: FieldKind
    required: bool = False
    ref: str | None = None  # entity whose key this field references
    choices: tuple[str, ...] = ()
    non_negative: bool = False
    default: str | None = None
    doc: str = ""


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """An entity: its name, its key fields and its columns."""

    name: str
    key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    doc: str = ""
    effective_dated: bool = False  # has valid_from / valid_to

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)


F = FieldSpec
K = FieldKind

TRANSACTION_KINDS = ("booking", "order", "invoice", "payment", "cancellation", "return")
REVERSAL_KINDS = ("cancellation", "return")
ACTIVITY_KINDS = (
    "lead_created", "call", "email", "meeting_scheduled", "meeting_held", "meeting_cancelled",
    "appointment_scheduled", "appointment_held", "appointment_cancelled", "quote_sent", "follow_up",
)
ROLES = ("admin", "finance", "manager", "rep", "planner")
OPPORTUNITY_STATUSES = ("open", "won", "lost")
QUOTA_ASSIGNEES = ("payee", "team", "territory")


def _dated(*fields: FieldSpec) -> tuple[FieldSpec, ...]:
    return (*fields, F("valid_from", K.DATE, required=True), F("valid_to", K.DATE))


ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("office", ("office_id",), (
            F("office_id", K.ID, required=True), F("name", K.TEXT), F("region", K.TEXT),
        ), "A regional office."),
        EntitySpec("payee", ("payee_id",), (
            F("payee_id", K.ID, required=True), F("name", K.TEXT, required=True),
            F("email", K.TEXT), F("title", K.TEXT), F("office_id", K.ID, ref="office"),
            F("currency", K.CURRENCY, default="USD"),
            F("hire_date", K.DATE), F("termination_date", K.DATE),
        ), "A person who is paid incentive compensation."),
        EntitySpec("team", ("team_id",), (
            F("team_id", K.ID, required=True), F("name", K.TEXT),
            F("office_id", K.ID, ref="office"), F("manager_id", K.ID, ref="payee"),
        ), "A sales team."),
        EntitySpec("team_member", ("team_id", "payee_id", "valid_from"), _dated(
            F("team_id", K.ID, required=True, ref="team"),
            F("payee_id", K.ID, required=True, ref="payee"),
        ), "Membership of a payee in a team, effective-dated.", effective_dated=True),
        EntitySpec("reporting_line", ("payee_id", "valid_from"), _dated(
            F("payee_id", K.ID, required=True, ref="payee"),
            F("manager_id", K.ID, required=True, ref="payee"),
        ), "Who reports to whom, effective-dated (org hierarchy).", effective_dated=True),
        EntitySpec("territory", ("territory_id",), (
            F("territory_id", K.ID, required=True), F("name", K.TEXT),
            F("parent_id", K.ID, ref="territory"), F("kind", K.TEXT),
        ), "A territory; hierarchical through parent_id."),
        EntitySpec("territory_assignment", ("territory_id", "payee_id", "valid_from"), _dated(
            F("territory_id", K.ID, required=True, ref="territory"),
            F("payee_id", K.ID, required=True, ref="payee"),
            F("role", K.TEXT, default="owner"),
        ), "A payee holding a territory, effective-dated.", effective_dated=True),
        EntitySpec("account", ("account_id",), (
            F("account_id", K.ID, required=True), F("name", K.TEXT), F("sector", K.TEXT),
            F("segment", K.TEXT), F("employees", K.INTEGER, non_negative=True),
            F("annual_revenue", K.MONEY, non_negative=True), F("currency", K.CURRENCY, default="USD"),
            F("year_established", K.INTEGER), F("country", K.TEXT), F("city", K.TEXT),
            F("latitude", K.DECIMAL), F("longitude", K.DECIMAL),
            F("parent_account_id", K.ID, ref="account"),
        ), "A customer."),
        EntitySpec("account_territory", ("account_id", "valid_from"), _dated(
            F("account_id", K.ID, required=True, ref="account"),
            F("territory_id", K.ID, required=True, ref="territory"),
        ), "Which territory an account belongs to, effective-dated.", effective_dated=True),
        EntitySpec("product", ("product_id",), (
            F("product_id", K.ID, required=True), F("name", K.TEXT), F("family", K.TEXT),
            F("series", K.TEXT), F("list_price", K.MONEY, non_negative=True),
            F("currency", K.CURRENCY, default="USD"),
        ), "Something sold."),
        EntitySpec("transaction", ("transaction_id",), (
            F("transaction_id", K.ID, required=True),
            F("kind", K.CHOICE, required=True, choices=TRANSACTION_KINDS, default="booking"),
            F("date", K.DATE, required=True), F("amount", K.MONEY, required=True),
            F("currency", K.CURRENCY, default="USD"), F("quantity", K.DECIMAL, default="1"),
            F("account_id", K.ID, ref="account"), F("product_id", K.ID, ref="product"),
            F("owner_id", K.ID, ref="payee"), F("opportunity_id", K.ID, ref="opportunity"),
            F("territory_id", K.ID, ref="territory"),
            F("reverses_id", K.ID, ref="transaction",
              doc="for cancellations/returns: the transaction this one reverses"),
            F("contract_term_months", K.INTEGER, non_negative=True),
            F("attributes", K.JSON),
        ), "A sales transaction (booking, order, invoice, payment, cancellation, return)."),
        EntitySpec("opportunity", ("opportunity_id",), (
            F("opportunity_id", K.ID, required=True), F("name", K.TEXT),
            F("account_id", K.ID, ref="account"), F("owner_id", K.ID, ref="payee"),
            F("product_id", K.ID, ref="product"), F("stage", K.TEXT),
            F("status", K.CHOICE, choices=OPPORTUNITY_STATUSES, default="open"),
            F("amount", K.MONEY), F("currency", K.CURRENCY, default="USD"),
            F("created_date", K.DATE), F("engage_date", K.DATE), F("close_date", K.DATE),
            F("forecast_category", K.TEXT),
        ), "A sales opportunity (deal in the pipeline)."),
        EntitySpec("opportunity_stage", ("opportunity_id", "stage", "entered_date"), (
            F("opportunity_id", K.ID, required=True, ref="opportunity"),
            F("stage", K.TEXT, required=True), F("entered_date", K.DATE, required=True),
        ), "Stage history of an opportunity."),
        EntitySpec("opportunity_split", ("opportunity_id", "payee_id"), (
            F("opportunity_id", K.ID, required=True, ref="opportunity"),
            F("payee_id", K.ID, required=True, ref="payee"),
            F("role", K.TEXT, default="owner"),
            F("percent", K.DECIMAL, required=True, non_negative=True, doc="share in percent, 0..100"),
        ), "Opportunity team split: who shares the credit of a deal, in percent."),
        EntitySpec("activity", ("activity_id",), (
            F("activity_id", K.ID, required=True), F("payee_id", K.ID, required=True, ref="payee"),
            F("kind", K.CHOICE, required=True, choices=ACTIVITY_KINDS),
            F("occurred_at", K.TIMESTAMP, required=True),
            F("account_id", K.ID, ref="account"), F("opportunity_id", K.ID, ref="opportunity"),
            F("outcome", K.TEXT), F("duration_minutes", K.INTEGER, non_negative=True),
        ), "A sales activity: lead, call, meeting, appointment, quote, follow-up, email."),
        EntitySpec("survey", ("survey_id",), (
            F("survey_id", K.ID, required=True), F("account_id", K.ID, ref="account"),
            F("payee_id", K.ID, ref="payee"), F("date", K.DATE, required=True),
            F("score", K.INTEGER, required=True, non_negative=True),
        ), "A customer satisfaction survey answer (CSAT, 1..5)."),
        EntitySpec("quota", ("assignee_kind", "assignee_id", "measure", "period_start", "version"), (
            F("assignee_kind", K.CHOICE, required=True, choices=QUOTA_ASSIGNEES, default="payee"),
            F("assignee_id", K.ID, required=True), F("measure", K.TEXT, required=True),
            F("period_start", K.DATE, required=True), F("period_end", K.DATE, required=True),
            F("amount", K.MONEY, required=True, non_negative=True),
            F("currency", K.CURRENCY, default="USD"), F("version", K.INTEGER, default="1"),
        ), "A quota: payee/team/territory x measure x period, versioned."),
        EntitySpec("mbo_score", ("payee_id", "objective_id", "period_label"), (
            F("payee_id", K.ID, required=True, ref="payee"), F("objective_id", K.ID, required=True),
            F("period_label", K.TEXT, required=True),
            F("score", K.DECIMAL, required=True, non_negative=True, doc="0..1 (1 = fully met)"),
        ), "A scored management objective (MBO) for a payee and period."),
        EntitySpec("fx_rate", ("from_currency", "to_currency", "date"), (
            F("from_currency", K.CURRENCY, required=True), F("to_currency", K.CURRENCY, required=True),
            F("date", K.DATE, required=True), F("rate", K.DECIMAL, required=True, non_negative=True),
        ), "A dated FX rate: 1 from_currency = rate to_currency."),
        EntitySpec("plan_assignment", ("payee_id", "plan_id", "valid_from"), _dated(
            F("payee_id", K.ID, required=True, ref="payee"), F("plan_id", K.ID, required=True),
            F("target_incentive", K.MONEY, non_negative=True),
            F("parameters", K.JSON, doc="plan parameters for this payee (rate overrides...)"),
        ), "A payee on a plan for dates, with parameters.", effective_dated=True),
    )
}
"""Every importable entity, by name."""
