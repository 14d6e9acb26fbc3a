# ruff: noqa: E501
"""payout lines found by (payee, run, period): a rep's page reads its own lines of one run

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_payee_id_period_label"))
        batch_op.create_index(
            batch_op.f("ix_payout_payee_id_run_id_period_label"), ["payee_id", "run_id", "period_label"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_payee_id_run_id_period_label"))
        batch_op.create_index(batch_op.f("ix_payout_payee_id_period_label"), ["payee_id", "period_label"], unique=False)
