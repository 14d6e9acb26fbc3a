# ruff: noqa: E501
"""initial schema: entities, users, plans, imports, audit, runs, ledger

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 09:22:17.219565
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import attain.store.types

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('app_user',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(), nullable=False),
    sa.Column('password_hash', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', attain.store.types.UtcDateTime(), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'finance', 'manager', 'rep')", name=op.f('ck_app_user_role_allowed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username')),
    comment='A person who signs in; a rep is linked to their payee record.'
    )
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', attain.store.types.UtcDateTime(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('entity', sa.String(), nullable=False),
    sa.Column('key', sa.String(), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    comment='Who changed what, when, with the record before and after.'
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_entity_key'), ['entity', 'key'], unique=False)

    op.create_table('calc_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('status', sa.String(), server_default='queued', nullable=False),
    sa.Column('periods', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('input_fingerprint', sa.String(), nullable=True),
    sa.Column('plan_versions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_by', sa.String(), nullable=False),
    sa.Column('started_at', attain.store.types.UtcDateTime(), nullable=True),
    sa.Column('finished_at', attain.store.types.UtcDateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name=op.f('ck_calc_run_status_allowed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calc_run')),
    comment='One calculation: which periods, options, inputs and plan versions, and how it ended.'
    )
    op.create_table('fiscal_calendar',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('start_month', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('start_month BETWEEN 1 AND 12', name=op.f('ck_fiscal_calendar_start_month_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiscal_calendar')),
    sa.UniqueConstraint('name', name=op.f('uq_fiscal_calendar_name')),
    comment='A fiscal calendar: the month its fiscal year starts in.'
    )
    op.create_table('import_batch',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(), nullable=False),
    sa.Column('file_name', sa.String(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('started_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('finished_at', attain.store.types.UtcDateTime(), nullable=True),
    sa.Column('status', sa.String(), server_default='running', nullable=False),
    sa.Column('created_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unchanged_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rejected_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('error_report', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch')),
    comment='One file (or API batch) imported into one entity, with its outcome.'
    )
    op.create_table('period_status',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('period_label', sa.String(), nullable=False),
    sa.Column('status', sa.String(), server_default='open', nullable=False),
    sa.Column('changed_by', sa.String(), nullable=True),
    sa.Column('changed_at', attain.store.types.UtcDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'calculated', 'in_review', 'approved', 'paid', 'locked')", name=op.f('ck_period_status_status_allowed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_status')),
    sa.UniqueConstraint('period_label', name=op.f('uq_period_status_period_label')),
    comment='Where a pay period is in its close: open, calculated, in review, approved, paid, locked.'
    )
    op.create_table('plan',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('created_by', sa.String(), nullable=False),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan')),
    sa.UniqueConstraint('plan_id', name=op.f('uq_plan_plan_id')),
    comment='A comp plan; its content lives in its versions.'
    )
    op.create_table('account',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('sector', sa.String(), nullable=True),
    sa.Column('segment', sa.String(), nullable=True),
    sa.Column('employees', sa.BigInteger(), nullable=True),
    sa.Column('annual_revenue', attain.store.types.ExactDecimal(18, 2), nullable=True),
    sa.Column('currency', sa.String(), nullable=True),
    sa.Column('year_established', sa.BigInteger(), nullable=True),
    sa.Column('country', sa.String(), nullable=True),
    sa.Column('city', sa.String(), nullable=True),
    sa.Column('latitude', attain.store.types.ExactDecimal(24, 10), nullable=True),
    sa.Column('longitude', attain.store.types.ExactDecimal(24, 10), nullable=True),
    sa.Column('parent_account_id', sa.String(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_account_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('account_id', name='uq_account_key'),
    comment='A customer.'
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_parent_account_id'), ['parent_account_id'], unique=False)

    op.create_table('account_territory',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.String(), nullable=False),
    sa.Column('territory_id', sa.String(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_account_territory_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_territory')),
    sa.UniqueConstraint('account_id', 'valid_from', name='uq_account_territory_key'),
    comment='Which territory an account belongs to, effective-dated.'
    )
    with op.batch_alter_table('account_territory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_territory_territory_id'), ['territory_id'], unique=False)

    op.create_table('activity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('activity_id', sa.String(), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('occurred_at', attain.store.types.UtcDateTime(), nullable=False),
    sa.Column('account_id', sa.String(), nullable=True),
    sa.Column('opportunity_id', sa.String(), nullable=True),
    sa.Column('outcome', sa.String(), nullable=True),
    sa.Column('duration_minutes', sa.BigInteger(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_activity_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity')),
    sa.UniqueConstraint('activity_id', name='uq_activity_key'),
    comment='A sales activity: lead, call, meeting, appointment, quote, follow-up, email.'
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_payee_id'), ['payee_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('last_used_at', attain.store.types.UtcDateTime(), nullable=True),
    sa.Column('revoked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('revoked_at', attain.store.types.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_api_token_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    comment='A bearer token for the API; only its hash is stored.'
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('fx_rate',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('from_currency', sa.String(), nullable=False),
    sa.Column('to_currency', sa.String(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('rate', attain.store.types.ExactDecimal(24, 10), nullable=False),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_fx_rate_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fx_rate')),
    sa.UniqueConstraint('from_currency', 'to_currency', 'date', name='uq_fx_rate_key'),
    comment='A dated FX rate: 1 from_currency = rate to_currency.'
    )
    op.create_table('mbo_score',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('objective_id', sa.String(), nullable=False),
    sa.Column('period_label', sa.String(), nullable=False),
    sa.Column('score', attain.store.types.ExactDecimal(24, 10), nullable=False, comment='0..1 (1 = fully met)'),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_mbo_score_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mbo_score')),
    sa.UniqueConstraint('payee_id', 'objective_id', 'period_label', name='uq_mbo_score_key'),
    comment='A scored management objective (MBO) for a payee and period.'
    )
    op.create_table('office',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('office_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('region', sa.String(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_office_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office')),
    sa.UniqueConstraint('office_id', name='uq_office_key'),
    comment='A regional office.'
    )
    op.create_table('opportunity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('opportunity_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('account_id', sa.String(), nullable=True),
    sa.Column('owner_id', sa.String(), nullable=True),
    sa.Column('product_id', sa.String(), nullable=True),
    sa.Column('stage', sa.String(), nullable=True),
    sa.Column('status', sa.String(), nullable=True),
    sa.Column('amount', attain.store.types.ExactDecimal(18, 2), nullable=True),
    sa.Column('currency', sa.String(), nullable=True),
    sa.Column('created_date', sa.Date(), nullable=True),
    sa.Column('engage_date', sa.Date(), nullable=True),
    sa.Column('close_date', sa.Date(), nullable=True),
    sa.Column('forecast_category', sa.String(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_opportunity_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity')),
    sa.UniqueConstraint('opportunity_id', name='uq_opportunity_key'),
    comment='A sales opportunity (deal in the pipeline).'
    )
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_product_id'), ['product_id'], unique=False)

    op.create_table('opportunity_split',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('opportunity_id', sa.String(), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=True),
    sa.Column('percent', attain.store.types.ExactDecimal(24, 10), nullable=False, comment='share in percent, 0..100'),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_opportunity_split_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_split')),
    sa.UniqueConstraint('opportunity_id', 'payee_id', name='uq_opportunity_split_key'),
    comment='Opportunity team split: who shares the credit of a deal, in percent.'
    )
    with op.batch_alter_table('opportunity_split', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_split_payee_id'), ['payee_id'], unique=False)

    op.create_table('opportunity_stage',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('opportunity_id', sa.String(), nullable=False),
    sa.Column('stage', sa.String(), nullable=False),
    sa.Column('entered_date', sa.Date(), nullable=False),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_opportunity_stage_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_stage')),
    sa.UniqueConstraint('opportunity_id', 'stage', 'entered_date', name='uq_opportunity_stage_key'),
    comment='Stage history of an opportunity.'
    )
    op.create_table('payee',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('email', sa.String(), nullable=True),
    sa.Column('title', sa.String(), nullable=True),
    sa.Column('office_id', sa.String(), nullable=True),
    sa.Column('currency', sa.String(), nullable=True),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('termination_date', sa.Date(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_payee_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payee')),
    sa.UniqueConstraint('payee_id', name='uq_payee_key'),
    comment='A person who is paid incentive compensation.'
    )
    with op.batch_alter_table('payee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payee_office_id'), ['office_id'], unique=False)

    op.create_table('payout',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('period_label', sa.String(), nullable=False),
    sa.Column('component_id', sa.String(), nullable=True),
    sa.Column('amount', attain.store.types.ExactDecimal(24, 10), nullable=False),
    sa.Column('amount_rounded', attain.store.types.ExactDecimal(18, 2), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('fx_rate', attain.store.types.ExactDecimal(24, 10), nullable=True),
    sa.Column('status', sa.String(), server_default='calculated', nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calc_run.id'], name=op.f('fk_payout_run_id_calc_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout')),
    comment='A payout line: unrounded amount and the amount paid (rounded half-even).'
    )
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_payee_id_period_label'), ['payee_id', 'period_label'], unique=False)

    op.create_table('plan_assignment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('plan_id', sa.String(), nullable=False),
    sa.Column('target_incentive', attain.store.types.ExactDecimal(18, 2), nullable=True),
    sa.Column('parameters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True, comment='plan parameters for this payee (rate overrides...)'),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_plan_assignment_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_assignment')),
    sa.UniqueConstraint('payee_id', 'plan_id', 'valid_from', name='uq_plan_assignment_key'),
    comment='A payee on a plan for dates, with parameters.'
    )
    op.create_table('plan_version',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(), server_default='draft', nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(), nullable=False),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('published_by', sa.String(), nullable=True),
    sa.Column('published_at', attain.store.types.UtcDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name=op.f('ck_plan_version_status_allowed')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.plan_id'], name=op.f('fk_plan_version_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('plan_id', 'version', name='uq_plan_version_key'),
    comment='One version of a plan document (YAML); immutable once published.'
    )
    op.create_table('product',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('product_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('family', sa.String(), nullable=True),
    sa.Column('series', sa.String(), nullable=True),
    sa.Column('list_price', attain.store.types.ExactDecimal(18, 2), nullable=True),
    sa.Column('currency', sa.String(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_product_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('product_id', name='uq_product_key'),
    comment='Something sold.'
    )
    op.create_table('quota',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('assignee_kind', sa.String(), nullable=False),
    sa.Column('assignee_id', sa.String(), nullable=False),
    sa.Column('measure', sa.String(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('amount', attain.store.types.ExactDecimal(18, 2), nullable=False),
    sa.Column('currency', sa.String(), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_quota_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota')),
    sa.UniqueConstraint('assignee_kind', 'assignee_id', 'measure', 'period_start', 'version', name='uq_quota_key'),
    comment='A quota: payee/team/territory x measure x period, versioned.'
    )
    op.create_table('reporting_line',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('manager_id', sa.String(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_reporting_line_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_line')),
    sa.UniqueConstraint('payee_id', 'valid_from', name='uq_reporting_line_key'),
    comment='Who reports to whom, effective-dated (org hierarchy).'
    )
    with op.batch_alter_table('reporting_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_line_manager_id'), ['manager_id'], unique=False)

    op.create_table('run_component_total',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('period_label', sa.String(), nullable=False),
    sa.Column('component_id', sa.String(), nullable=False),
    sa.Column('earned', attain.store.types.ExactDecimal(38, 10), nullable=False),
    sa.Column('capped_amount', attain.store.types.ExactDecimal(38, 10), nullable=False),
    sa.Column('amount', attain.store.types.ExactDecimal(38, 10), nullable=False),
    sa.Column('amount_rounded', attain.store.types.ExactDecimal(18, 2), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calc_run.id'], name=op.f('fk_run_component_total_run_id_calc_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_component_total')),
    sa.UniqueConstraint('run_id', 'payee_id', 'period_label', 'component_id', name='uq_run_component_total_key'),
    comment="A component's total for a payee and period, before and after caps."
    )
    op.create_table('run_credit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('credit_id', sa.BigInteger(), nullable=False),
    sa.Column('transaction_id', sa.String(), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('rule_id', sa.String(), nullable=False),
    sa.Column('rule_kind', sa.String(), nullable=False),
    sa.Column('share', attain.store.types.ExactDecimal(24, 10), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('credit', attain.store.types.ExactDecimal(38, 10), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('period_label', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['calc_run.id'], name=op.f('fk_run_credit_run_id_calc_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_credit')),
    sa.UniqueConstraint('run_id', 'credit_id', name='uq_run_credit_key'),
    comment='Stage 1 output: a transaction credited to a payee by a rule.'
    )
    with op.batch_alter_table('run_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_credit_run_id_payee_id_period_label'), ['run_id', 'payee_id', 'period_label'], unique=False)

    op.create_table('run_earning',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('earning_id', sa.BigInteger(), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('plan_id', sa.String(), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('component_id', sa.String(), nullable=False),
    sa.Column('component_kind', sa.String(), nullable=False),
    sa.Column('period_label', sa.String(), nullable=False),
    sa.Column('credit_id', sa.BigInteger(), nullable=True),
    sa.Column('transaction_id', sa.String(), nullable=True),
    sa.Column('rule_id', sa.String(), nullable=True),
    sa.Column('basis_before', attain.store.types.ExactDecimal(38, 10), nullable=True),
    sa.Column('basis_after', attain.store.types.ExactDecimal(38, 10), nullable=True),
    sa.Column('tier_index', sa.Integer(), nullable=True),
    sa.Column('tier_rate', attain.store.types.ExactDecimal(24, 10), nullable=True),
    sa.Column('rate_or_factor', attain.store.types.ExactDecimal(24, 10), nullable=True),
    sa.Column('amount', attain.store.types.ExactDecimal(38, 10), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['calc_run.id'], name=op.f('fk_run_earning_run_id_calc_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_earning')),
    sa.UniqueConstraint('run_id', 'earning_id', name='uq_run_earning_key'),
    comment='Stage 3 output, the trace: one earning line with the tier and rate that made it.'
    )
    with op.batch_alter_table('run_earning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_earning_run_id_payee_id_period_label'), ['run_id', 'payee_id', 'period_label'], unique=False)

    op.create_table('run_measure',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('measure_id', sa.String(), nullable=False),
    sa.Column('period_label', sa.String(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('value', attain.store.types.ExactDecimal(38, 10), nullable=True),
    sa.Column('value_to_date', attain.store.types.ExactDecimal(38, 10), nullable=True),
    sa.Column('quota', attain.store.types.ExactDecimal(38, 10), nullable=True),
    sa.Column('quota_prorated', attain.store.types.ExactDecimal(38, 10), nullable=True),
    sa.Column('attainment', attain.store.types.ExactDecimal(24, 10), nullable=True),
    sa.Column('attainment_to_date', attain.store.types.ExactDecimal(24, 10), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['calc_run.id'], name=op.f('fk_run_measure_run_id_calc_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_measure')),
    sa.UniqueConstraint('run_id', 'payee_id', 'measure_id', 'period_label', name='uq_run_measure_key'),
    comment='Stage 2 output: a measure of a payee for a pay period, with quota and attainment.'
    )
    op.create_table('survey',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('survey_id', sa.String(), nullable=False),
    sa.Column('account_id', sa.String(), nullable=True),
    sa.Column('payee_id', sa.String(), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_survey_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey')),
    sa.UniqueConstraint('survey_id', name='uq_survey_key'),
    comment='A customer satisfaction survey answer (CSAT, 1..5).'
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_payee_id'), ['payee_id'], unique=False)

    op.create_table('team',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('team_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('office_id', sa.String(), nullable=True),
    sa.Column('manager_id', sa.String(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_team_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
    sa.UniqueConstraint('team_id', name='uq_team_key'),
    comment='A sales team.'
    )
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_office_id'), ['office_id'], unique=False)

    op.create_table('team_member',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('team_id', sa.String(), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_team_member_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_member')),
    sa.UniqueConstraint('team_id', 'payee_id', 'valid_from', name='uq_team_member_key'),
    comment='Membership of a payee in a team, effective-dated.'
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_payee_id'), ['payee_id'], unique=False)

    op.create_table('territory',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('territory_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('parent_id', sa.String(), nullable=True),
    sa.Column('kind', sa.String(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_territory_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_territory')),
    sa.UniqueConstraint('territory_id', name='uq_territory_key'),
    comment='A territory; hierarchical through parent_id.'
    )
    with op.batch_alter_table('territory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_territory_parent_id'), ['parent_id'], unique=False)

    op.create_table('territory_assignment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('territory_id', sa.String(), nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_territory_assignment_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_territory_assignment')),
    sa.UniqueConstraint('territory_id', 'payee_id', 'valid_from', name='uq_territory_assignment_key'),
    comment='A payee holding a territory, effective-dated.'
    )
    with op.batch_alter_table('territory_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_territory_assignment_payee_id'), ['payee_id'], unique=False)

    op.create_table('transaction',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('transaction_id', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('amount', attain.store.types.ExactDecimal(18, 2), nullable=False),
    sa.Column('currency', sa.String(), nullable=True),
    sa.Column('quantity', attain.store.types.ExactDecimal(24, 10), nullable=True),
    sa.Column('account_id', sa.String(), nullable=True),
    sa.Column('product_id', sa.String(), nullable=True),
    sa.Column('owner_id', sa.String(), nullable=True),
    sa.Column('opportunity_id', sa.String(), nullable=True),
    sa.Column('territory_id', sa.String(), nullable=True),
    sa.Column('reverses_id', sa.String(), nullable=True, comment='for cancellations/returns: the transaction this one reverses'),
    sa.Column('contract_term_months', sa.BigInteger(), nullable=True),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('source_file', sa.String(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_transaction_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transaction')),
    sa.UniqueConstraint('transaction_id', name='uq_transaction_key'),
    comment='A sales transaction (booking, order, invoice, payment, cancellation, return).'
    )
    with op.batch_alter_table('transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transaction_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_reverses_id'), ['reverses_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_territory_id'), ['territory_id'], unique=False)

    op.create_table('adjustment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payee_id', sa.String(), nullable=False),
    sa.Column('period_label', sa.String(), nullable=False),
    sa.Column('amount', attain.store.types.ExactDecimal(18, 2), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('author', sa.String(), nullable=False),
    sa.Column('created_at', attain.store.types.UtcDateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('approved_by', sa.String(), nullable=True),
    sa.Column('approved_at', attain.store.types.UtcDateTime(), nullable=True),
    sa.Column('corrects_payout_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['corrects_payout_id'], ['payout.id'], name=op.f('fk_adjustment_corrects_payout_id_payout')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustment')),
    comment='A manual correction to pay; a correction of a payout points at it (history is not edited).'
    )
    with op.batch_alter_table('adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjustment_payee_id_period_label'), ['payee_id', 'period_label'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjustment_payee_id_period_label'))

    op.drop_table('adjustment')
    with op.batch_alter_table('transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transaction_territory_id'))
        batch_op.drop_index(batch_op.f('ix_transaction_reverses_id'))
        batch_op.drop_index(batch_op.f('ix_transaction_product_id'))
        batch_op.drop_index(batch_op.f('ix_transaction_owner_id'))
        batch_op.drop_index(batch_op.f('ix_transaction_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_transaction_account_id'))

    op.drop_table('transaction')
    with op.batch_alter_table('territory_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_territory_assignment_payee_id'))

    op.drop_table('territory_assignment')
    with op.batch_alter_table('territory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_territory_parent_id'))

    op.drop_table('territory')
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_member_payee_id'))

    op.drop_table('team_member')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_office_id'))
        batch_op.drop_index(batch_op.f('ix_team_manager_id'))

    op.drop_table('team')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_payee_id'))
        batch_op.drop_index(batch_op.f('ix_survey_account_id'))

    op.drop_table('survey')
    op.drop_table('run_measure')
    with op.batch_alter_table('run_earning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_earning_run_id_payee_id_period_label'))

    op.drop_table('run_earning')
    with op.batch_alter_table('run_credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_credit_run_id_payee_id_period_label'))

    op.drop_table('run_credit')
    op.drop_table('run_component_total')
    with op.batch_alter_table('reporting_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_line_manager_id'))

    op.drop_table('reporting_line')
    op.drop_table('quota')
    op.drop_table('product')
    op.drop_table('plan_version')
    op.drop_table('plan_assignment')
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_payee_id_period_label'))

    op.drop_table('payout')
    with op.batch_alter_table('payee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payee_office_id'))

    op.drop_table('payee')
    op.drop_table('opportunity_stage')
    with op.batch_alter_table('opportunity_split', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_split_payee_id'))

    op.drop_table('opportunity_split')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_product_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_owner_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_account_id'))

    op.drop_table('opportunity')
    op.drop_table('office')
    op.drop_table('mbo_score')
    op.drop_table('fx_rate')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_payee_id'))
        batch_op.drop_index(batch_op.f('ix_activity_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_activity_account_id'))

    op.drop_table('activity')
    with op.batch_alter_table('account_territory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_territory_territory_id'))

    op.drop_table('account_territory')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_parent_account_id'))

    op.drop_table('account')
    op.drop_table('plan')
    op.drop_table('period_status')
    op.drop_table('import_batch')
    op.drop_table('fiscal_calendar')
    op.drop_table('calc_run')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_entity_key'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('app_user')

