"""The SQL schema of the system of record: entity tables derived from ``ENTITIES`` plus the app's own tables.

Run outputs follow docs/calculation.md "Outputs", plus ``run_id``: unrounded engine amounts are
``ENGINE_AMOUNT`` (NUMERIC(38, 10)); paid money is rounded ``MONEY`` (NUMERIC(19, 3): three decimals so
that Bahraini, Kuwaiti, Jordanian, Omani and Tunisian amounts are kept to the fils, see
docs/decisions/0007-money-three-decimals.md).

Every entity of ``attain.core.entities`` gets one table named after it, with a surrogate integer ``id``,
a UNIQUE constraint on the entity's business key, one column per field (typed from its ``FieldKind``)
and lineage columns (``source_file``, ``source_line``, ``import_batch_id``, ``created_at``,
``updated_at``). Business-key references (``FieldSpec.ref``) are indexed but not foreign keys:
importers check them (see ``bulk.existing_keys``) so that files can arrive in any order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.types import TypeEngine

from attain.core.entities import ENTITIES, ROLES, EntitySpec, FieldKind, FieldSpec
from attain.store.types import ExactDecimal, JsonDocument, UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
"""Every table of Attain; the migrations must produce exactly this schema."""

SurrogateId = BigInteger().with_variant(Integer(), "sqlite")
"""Integer surrogate key (64-bit on PostgreSQL; SQLite's rowid alias)."""

MONEY = ExactDecimal(19, 3, read_places=2)
"""Entered or paid money: up to 3 decimals (a minor unit is 0, 2 or 3), 16 digits before the point."""
DECIMAL = ExactDecimal(24, 10)
"""Rates, percents, FX, shares and unrounded amounts of moderate size."""
ENGINE_AMOUNT = ExactDecimal(38, 10)
"""Unrounded engine amounts (credits, measures, earnings), kept at the calculation scale."""

PLAN_STATUSES = ("draft", "published", "retired")
PERIOD_STATUSES = ("open", "calculated", "in_review", "approved", "paid", "locked")
RUN_STATUSES = ("queued", "running", "succeeded", "failed")
LINEAGE_COLUMNS = ("source_file", "source_line", "import_batch_id", "created_at", "updated_at")


def column_type(kind: FieldKind) -> TypeEngine[Any]:
    """The SQL type of an entity field of this kind."""
    types: dict[FieldKind, TypeEngine[Any]] = {
        FieldKind.MONEY: MONEY,
        FieldKind.DECIMAL: DECIMAL,
        FieldKind.DATE: Date(),
        FieldKind.TIMESTAMP: UtcDateTime(),
        FieldKind.JSON: JsonDocument,
        FieldKind.INTEGER: BigInteger(),
        FieldKind.BOOLEAN: Boolean(),
    }
    return types.get(kind, String())


def _field_column(spec: EntitySpec, field: FieldSpec) -> Column[Any]:
    in_key = field.name in spec.key
    return Column(field.name, column_type(field.kind), nullable=not (in_key or field.required),
                  comment=field.doc or None)


def _lineage_columns() -> list[Column[Any]]:
    return [
        Column("source_file", String(), nullable=True),
        Column("source_line", Integer(), nullable=True),
        Column("import_batch_id", SurrogateId, ForeignKey("import_batch.id"), nullable=True),
        Column("created_at", UtcDateTime(), nullable=False, server_default=func.current_timestamp()),
        Column("updated_at", UtcDateTime(), nullable=False, server_default=func.current_timestamp()),
    ]


def _entity_table(spec: EntitySpec) -> Table:
    ref_indexes = [Index(None, f.name) for f in spec.fields if f.ref and f.name not in spec.key[:1]]
    return Table(
        spec.name,
        metadata,
        Column("id", SurrogateId, primary_key=True, autoincrement=True),
        *[_field_column(spec, f) for f in spec.fields],
        *_lineage_columns(),
        UniqueConstraint(*spec.key, name=f"uq_{spec.name}_key"),
        *ref_indexes,
        comment=spec.doc or None,
    )


def _status_check(column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_allowed")


def _created() -> list[Column[Any]]:
    return [Column("created_at", UtcDateTime(), nullable=False, server_default=func.current_timestamp())]


# -- imports and audit ------------------------------------------------------------------------

import_batch = Table(
    "import_batch", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("entity", String(), nullable=False),
    Column("file_name", String(), nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("actor", String(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False, server_default=func.current_timestamp()),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("status", String(), nullable=False, server_default="running"),
    Column("created_count", Integer(), nullable=False, server_default="0"),
    Column("updated_count", Integer(), nullable=False, server_default="0"),
    Column("unchanged_count", Integer(), nullable=False, server_default="0"),
    Column("rejected_count", Integer(), nullable=False, server_default="0"),
    Column("error_report", JsonDocument, nullable=True),
    comment="One file (or API batch) imported into one entity, with its outcome.",
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(), nullable=False),
    Column("action", String(), nullable=False),
    Column("entity", String(), nullable=False),
    Column("key", String(), nullable=True),
    Column("before", JsonDocument, nullable=True),
    Column("after", JsonDocument, nullable=True),
    Index(None, "entity", "key"),
    Index(None, "at"),
    comment="Who changed what, when, with the record before and after.",
)

ENTITY_TABLES: dict[str, Table] = {name: _entity_table(spec) for name, spec in ENTITIES.items()}
"""One table per canonical entity, by entity name."""

# -- users and access -------------------------------------------------------------------------

app_user = Table(
    "app_user", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("username", String(), nullable=False, unique=True),
    Column("password_hash", String(), nullable=False),
    Column("role", String(), nullable=False),
    Column("payee_id", String(), nullable=True),
    Column("active", Boolean(), nullable=False, server_default=true()),
    Column("failed_logins", Integer(), nullable=False, server_default="0"),
    Column("locked_until", UtcDateTime(), nullable=True),
    *_created(),
    _status_check("role", ROLES),
    comment="A person who signs in; a rep is linked to their payee record.",
)

api_token = Table(
    "api_token", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("user_id", SurrogateId, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(), nullable=False, unique=True),
    Column("name", String(), nullable=False),
    *_created(),
    Column("last_used_at", UtcDateTime(), nullable=True),
    Column("revoked", Boolean(), nullable=False, server_default=false()),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Index(None, "user_id"),
    comment="A bearer token for the API; only its hash is stored.",
)

# -- plans and calendars ----------------------------------------------------------------------

plan = Table(
    "plan", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("plan_id", String(), nullable=False, unique=True),
    Column("name", String(), nullable=True),
    Column("created_by", String(), nullable=False),
    *_created(),
    comment="A comp plan; its content lives in its versions.",
)

plan_version = Table(
    "plan_version", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("plan_id", String(), ForeignKey("plan.plan_id"), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("status", String(), nullable=False, server_default="draft"),
    Column("effective_from", Date(), nullable=True),
    Column("effective_to", Date(), nullable=True),
    Column("document", Text(), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_by", String(), nullable=False),
    *_created(),
    Column("published_by", String(), nullable=True),
    Column("published_at", UtcDateTime(), nullable=True),
    UniqueConstraint("plan_id", "version", name="uq_plan_version_key"),
    _status_check("status", PLAN_STATUSES),
    comment="One version of a plan document (YAML); immutable once published.",
)

fiscal_calendar = Table(
    "fiscal_calendar", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("name", String(), nullable=False, unique=True),
    Column("start_month", Integer(), nullable=False, server_default="1"),
    CheckConstraint("start_month BETWEEN 1 AND 12", name="start_month_range"),
    comment="A fiscal calendar: the month its fiscal year starts in.",
)

period_status = Table(
    "period_status", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("period_label", String(), nullable=False, unique=True),
    Column("status", String(), nullable=False, server_default="open"),
    Column("changed_by", String(), nullable=True),
    Column("changed_at", UtcDateTime(), nullable=True),
    Column("run_id", BigInteger(), nullable=True, comment="The run whose payout lines the period shows"),
    _status_check("status", PERIOD_STATUSES),
    comment="Where a pay period is in its close: open, calculated, in review, approved, paid, locked.",
)

# -- calculation runs and the ledger ------------------------------------------------------------


def _run_id() -> Column[int]:
    return Column("run_id", SurrogateId, ForeignKey("calc_run.id", ondelete="CASCADE"), nullable=False)


calc_run = Table(
    "calc_run", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("status", String(), nullable=False, server_default="queued"),
    Column("periods", JsonDocument, nullable=False),
    Column("options", JsonDocument, nullable=True),
    Column("input_fingerprint", String(), nullable=True),
    Column("plan_versions", JsonDocument, nullable=True),
    Column("created_by", String(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("error", Text(), nullable=True),
    _status_check("status", RUN_STATUSES),
    comment="One calculation: which periods, options, inputs and plan versions, and how it ended.",
)

run_credit = Table(
    "run_credit", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    _run_id(),
    Column("credit_id", BigInteger(), nullable=False),
    Column("transaction_id", String(), nullable=False),
    Column("payee_id", String(), nullable=False),
    Column("rule_id", String(), nullable=False),
    Column("rule_kind", String(), nullable=False),
    Column("share", DECIMAL, nullable=False),
    Column("level", Integer(), nullable=False),
    Column("credit", ENGINE_AMOUNT, nullable=False),
    Column("date", Date(), nullable=False),
    Column("period_label", String(), nullable=False),
    UniqueConstraint("run_id", "credit_id", name="uq_run_credit_key"),
    Index(None, "run_id", "payee_id", "period_label"),
    comment="Stage 1 output: a transaction credited to a payee by a rule.",
)

run_measure = Table(
    "run_measure", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    _run_id(),
    Column("payee_id", String(), nullable=False),
    Column("measure_id", String(), nullable=False),
    Column("period_label", String(), nullable=False),
    Column("period_start", Date(), nullable=False),
    Column("period_end", Date(), nullable=False),
    Column("value", ENGINE_AMOUNT, nullable=True),
    Column("value_to_date", ENGINE_AMOUNT, nullable=True),
    Column("quota", ENGINE_AMOUNT, nullable=True),
    Column("quota_prorated", ENGINE_AMOUNT, nullable=True),
    Column("attainment", DECIMAL, nullable=True),
    Column("attainment_to_date", DECIMAL, nullable=True),
    UniqueConstraint("run_id", "payee_id", "measure_id", "period_label", name="uq_run_measure_key"),
    comment="Stage 2 output: a measure of a payee for a pay period, with quota and attainment.",
)

run_earning = Table(
    "run_earning", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    _run_id(),
    Column("earning_id", BigInteger(), nullable=False),
    Column("payee_id", String(), nullable=False),
    Column("plan_id", String(), nullable=False),
    Column("plan_version", Integer(), nullable=False),
    Column("component_id", String(), nullable=False),
    Column("component_kind", String(), nullable=False),
    Column("period_label", String(), nullable=False),
    Column("credit_id", BigInteger(), nullable=True),
    Column("transaction_id", String(), nullable=True),
    Column("rule_id", String(), nullable=True),
    Column("basis_before", ENGINE_AMOUNT, nullable=True),
    Column("basis_after", ENGINE_AMOUNT, nullable=True),
    Column("tier_index", Integer(), nullable=True),
    Column("tier_rate", DECIMAL, nullable=True),
    Column("rate_or_factor", DECIMAL, nullable=True),
    Column("amount", ENGINE_AMOUNT, nullable=False),
    Column("explanation", Text(), nullable=True),
    UniqueConstraint("run_id", "earning_id", name="uq_run_earning_key"),
    Index(None, "run_id", "payee_id", "period_label"),
    comment="Stage 3 output, the trace: one earning line with the tier and rate that made it.",
)

run_component_total = Table(
    "run_component_total", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    _run_id(),
    Column("payee_id", String(), nullable=False),
    Column("period_label", String(), nullable=False),
    Column("component_id", String(), nullable=False),
    Column("earned", ENGINE_AMOUNT, nullable=False),
    Column("capped_amount", ENGINE_AMOUNT, nullable=False),
    Column("amount", ENGINE_AMOUNT, nullable=False),
    Column("amount_rounded", MONEY, nullable=False),
    Column("currency", String(), nullable=False),
    UniqueConstraint("run_id", "payee_id", "period_label", "component_id",
                     name="uq_run_component_total_key"),
    comment="A component's total for a payee and period, before and after caps.",
)

payout = Table(
    "payout", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    _run_id(),
    Column("payee_id", String(), nullable=False),
    Column("period_label", String(), nullable=False),
    Column("component_id", String(), nullable=True),
    Column("amount", ExactDecimal(24, 10), nullable=False),
    Column("amount_rounded", MONEY, nullable=False),
    Column("currency", String(), nullable=False),
    Column("fx_rate", DECIMAL, nullable=True),
    Column("status", String(), nullable=False, server_default="calculated"),
    Column("line_no", BigInteger(), nullable=True),
    Column("plan_id", String(), nullable=True),
    Column("kind", String(), nullable=True, comment="commission, true_up, clawback, draw, adjustment, ..."),
    Column("transaction_id", String(), nullable=True),
    Column("refers_to", String(), nullable=True, comment="What the line points at (cancellation, draw...)"),
    Column("source_currency", String(), nullable=True),
    Column("source_amount", ENGINE_AMOUNT, nullable=True),
    Column("explanation", Text(), nullable=True),
    Index(None, "payee_id", "run_id", "period_label"),
    Index(None, "run_id", "period_label"),
    comment="A payout line: unrounded amount and the amount paid (rounded half-even).",
)

payout_balance = Table(
    "payout_balance", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    _run_id(),
    Column("payee_id", String(), nullable=False),
    Column("period_label", String(), nullable=False),
    Column("plan_id", String(), nullable=False),
    Column("draw_id", String(), nullable=False),
    Column("draw_kind", String(), nullable=True),
    *[Column(name, ENGINE_AMOUNT, nullable=False) for name in (
        "draw_amount", "commission", "shortfall", "recovered", "written_off", "collected", "balance_before",
        "balance_after")],
    Index(None, "run_id", "period_label", "payee_id"),
    comment="A draw's state for a payee and period (plan currency); balance_after is owed by the payee.",
)

payout_hold = Table(
    "payout_hold", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    _run_id(),
    Column("payee_id", String(), nullable=False),
    Column("period_label", String(), nullable=False),
    Column("plan_id", String(), nullable=False),
    Column("component_id", String(), nullable=False),
    Column("transaction_id", String(), nullable=True),
    Column("schedule_id", String(), nullable=True),
    Column("earned_to_date", ENGINE_AMOUNT, nullable=False),
    Column("released_to_date", ENGINE_AMOUNT, nullable=False),
    Column("held", ENGINE_AMOUNT, nullable=False),
    Index(None, "run_id", "period_label", "payee_id"),
    comment="Earnings earned but not yet payable (a payment schedule holds them) at a period end.",
)

run_lock = Table(
    "run_lock", metadata,
    Column("period_label", String(), primary_key=True),
    Column("token", String(), nullable=False),
    Column("actor", String(), nullable=False),
    Column("acquired_at", UtcDateTime(), nullable=False),
    comment="A period being calculated by a run: a second run of the period waits (serialized runs).",
)

approval = Table(
    "approval", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("period_label", String(), nullable=False),
    _run_id(),
    Column("step", String(), nullable=False),
    Column("decision", String(), nullable=False),
    Column("actor", String(), nullable=False),
    Column("role", String(), nullable=False),
    Column("comment", Text(), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("valid", Boolean(), nullable=False, server_default=true()),
    _status_check("step", ("manager", "finance")),
    _status_check("decision", ("approved", "rejected")),
    Index(None, "period_label", "run_id"),
    comment="A manager's or finance's decision on the exact run of a period under review.",
)

adjustment = Table(
    "adjustment", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("payee_id", String(), nullable=False),
    Column("period_label", String(), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(), nullable=False),
    Column("reason", Text(), nullable=False),
    Column("author", String(), nullable=False),
    *_created(),
    Column("approved_by", String(), nullable=True),
    Column("approved_at", UtcDateTime(), nullable=True),
    Column("corrects_payout_id", SurrogateId, ForeignKey("payout.id"), nullable=True),
    Index(None, "payee_id", "period_label"),
    comment="A manual correction to pay; a correction of a payout points at it (history is not edited).",
)

DISPUTE_STATUSES = ("open", "assigned", "answered", "resolved", "adjusted")

dispute = Table(
    "dispute", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("payout_id", SurrogateId, ForeignKey("payout.id"), nullable=False),
    Column("payee_id", String(), nullable=False),
    Column("period_label", String(), nullable=False),
    Column("raised_by", String(), nullable=False),
    Column("message", Text(), nullable=False),
    Column("status", String(), nullable=False, server_default="open"),
    Column("assignee", String(), nullable=True),
    Column("answer", Text(), nullable=True),
    Column("resolution", Text(), nullable=True),
    Column("adjustment_id", SurrogateId, ForeignKey("adjustment.id"), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("assigned_at", UtcDateTime(), nullable=True),
    Column("answered_at", UtcDateTime(), nullable=True),
    Column("resolved_at", UtcDateTime(), nullable=True),
    _status_check("status", DISPUTE_STATUSES),
    Index(None, "payee_id"),
    comment="A payee's question on a payout line: assigned, answered, resolved or turned into an adjustment.",
)

RUN_OUTPUT_TABLES = {
    "credits": run_credit,
    "measures": run_measure,
    "earnings": run_earning,
    "component_totals": run_component_total,
}
"""Which table stores which ``CalcResult`` attribute."""

# -- planning: quota versions and territory designs (issue 7) ------------------------------------

QUOTA_VERSION_STATUSES = ("draft", "approved", "published")

quota_version = Table(
    "quota_version", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("name", String(), nullable=False, comment="The quota set, e.g. 'FY2018 AE quotas'"),
    Column("number", Integer(), nullable=False, comment="1, 2, ... within the name"),
    Column("status", String(), nullable=False, server_default="draft"),
    Column("effective_from", Date(), nullable=False),
    Column("based_on_id", SurrogateId, ForeignKey("quota_version.id"), nullable=True),
    Column("created_by", String(), nullable=False),
    *_created(),
    Column("approved_by", String(), nullable=True),
    Column("approved_at", UtcDateTime(), nullable=True),
    Column("published_by", String(), nullable=True),
    Column("published_at", UtcDateTime(), nullable=True),
    Column("published_as", Integer(), nullable=True, comment="The quota.version its rows were written with"),
    UniqueConstraint("name", "number", name="uq_quota_version_key"),
    _status_check("status", QUOTA_VERSION_STATUSES),
    comment="A version of a quota set: draft -> approved -> published (then immutable; feeds the engine).",
)

quota_version_line = Table(
    "quota_version_line", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("version_id", SurrogateId, ForeignKey("quota_version.id", ondelete="CASCADE"), nullable=False),
    Column("assignee_kind", String(), nullable=False),
    Column("assignee_id", String(), nullable=False),
    Column("measure", String(), nullable=False),
    Column("period_start", Date(), nullable=False),
    Column("period_end", Date(), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(), nullable=False),
    Column("source_line", Integer(), nullable=True),
    UniqueConstraint("version_id", "assignee_kind", "assignee_id", "measure", "period_start",
                     name="uq_quota_version_line_key"),
    comment="One quota of a quota version (assignee x measure x period).",
)

quota_version_comment = Table(
    "quota_version_comment", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("version_id", SurrogateId, ForeignKey("quota_version.id", ondelete="CASCADE"), nullable=False),
    Column("author", String(), nullable=False),
    Column("action", String(), nullable=False, comment="comment, approve, publish, ..."),
    Column("text", Text(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index(None, "version_id"),
    comment="A comment on a quota version, or the note left with a workflow step.",
)

TERRITORY_DESIGN_STATUSES = ("proposed", "applied")

territory_design = Table(
    "territory_design", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("name", String(), nullable=False, unique=True),
    Column("status", String(), nullable=False, server_default="proposed"),
    Column("territories", Integer(), nullable=False),
    Column("method", String(), nullable=False),
    Column("gap", DECIMAL, nullable=True),
    Column("distance_km", DECIMAL, nullable=True),
    Column("settings", JsonDocument, nullable=True),
    Column("created_by", String(), nullable=False),
    *_created(),
    Column("applied_from", Date(), nullable=True),
    Column("applied_by", String(), nullable=True),
    Column("applied_at", UtcDateTime(), nullable=True),
    _status_check("status", TERRITORY_DESIGN_STATUSES),
    comment="A solved territory design; applied = written as account territories from a date.",
)

territory_design_account = Table(
    "territory_design_account", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("design_id", SurrogateId, ForeignKey("territory_design.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", String(), nullable=False),
    Column("territory_id", String(), nullable=False),
    Column("previous_territory_id", String(), nullable=True),
    Column("potential", DECIMAL, nullable=False),
    Column("workload", DECIMAL, nullable=True),
    Column("latitude", DECIMAL, nullable=False),
    Column("longitude", DECIMAL, nullable=False),
    UniqueConstraint("design_id", "account_id", name="uq_territory_design_account_key"),
    comment="An account's territory in a design, with today's territory and the figures it was solved on.",
)

# -- the desk's records: background jobs, adjustment decisions, dispute threads (issues 4 and 5) ----

JOB_STATES = ("queued", "running", "succeeded", "failed")
ADJUSTMENT_DECISIONS = ("approved", "rejected")
DISPUTE_MESSAGE_KINDS = ("message", "answer", "assignment", "resolution")

calc_job = Table(
    "calc_job", metadata,
    Column("id", String(32), primary_key=True, comment="A random hex id (the job page's address)"),
    Column("kind", String(), nullable=False, server_default="pay_run"),
    Column("periods", JsonDocument, nullable=False),
    Column("payees", JsonDocument, nullable=True, comment="Null: every payee"),
    Column("state", String(), nullable=False, server_default="queued"),
    Column("stage", String(), nullable=False),
    Column("percent", Integer(), nullable=False, server_default="0"),
    Column("requested_by", String(), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("run_id", SurrogateId, ForeignKey("calc_run.id", ondelete="SET NULL"), nullable=True),
    Column("summary", Text(), nullable=True),
    Column("error_code", String(), nullable=True),
    Column("error_text", Text(), nullable=True),
    Column("host", String(), nullable=False, comment="The machine whose process works the job"),
    Column("pid", Integer(), nullable=False),
    Column("heartbeat_at", UtcDateTime(), nullable=False, comment="Last sign of life of the worker"),
    _status_check("state", JOB_STATES),
    CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
    Index(None, "requested_at"),
    comment="A background run: its progress while it works, and how it ended (run or error).",
)

adjustment_decision = Table(
    "adjustment_decision", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("adjustment_id", SurrogateId, ForeignKey("adjustment.id", ondelete="CASCADE"), nullable=False,
           unique=True),
    Column("status", String(), nullable=False),
    Column("decided_by", String(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("comment", Text(), nullable=True),
    _status_check("status", ADJUSTMENT_DECISIONS),
    comment="The one decision on an adjustment (approved or rejected, by someone else than its author).",
)

dispute_message = Table(
    "dispute_message", metadata,
    Column("id", SurrogateId, primary_key=True, autoincrement=True),
    Column("dispute_id", SurrogateId, ForeignKey("dispute.id", ondelete="CASCADE"), nullable=False),
    Column("author", String(), nullable=False),
    Column("role", String(), nullable=False, comment="The author's role when writing (rep, finance, ...)"),
    Column("kind", String(), nullable=False),
    Column("text", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    _status_check("kind", DISPUTE_MESSAGE_KINDS),
    Index(None, "dispute_id", "id"),
    comment="One step of a dispute's thread: the payee's messages, assignments, answers, the resolution.",
)
