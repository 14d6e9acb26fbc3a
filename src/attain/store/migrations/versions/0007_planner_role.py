"""the planner role: app_user.role may also be 'planner' (quota versions and territory designs, no pay)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "role IN ('admin', 'finance', 'manager', 'rep')"
AFTER = "role IN ('admin', 'finance', 'manager', 'rep', 'planner')"


def _allow(condition: str) -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_app_user_role_allowed"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_app_user_role_allowed"), condition)


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    op.execute("UPDATE app_user SET role = 'rep', payee_id = NULL WHERE role = 'planner'")
    _allow(BEFORE)
