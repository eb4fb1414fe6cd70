"""schedule ticks: the last fired tick of every cron trigger and play schedule

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Uuid = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "schedule_ticks",
        sa.Column("owner_uuid", Uuid, nullable=False),
        sa.Column("trigger_key", sa.String(length=64), nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("owner_kind", sa.String(length=8), nullable=False),
        sa.Column("last_tick_at", sa.DateTime(), nullable=False),
        sa.Column("fired_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner_uuid", "trigger_key"),
    )
    op.create_index("ix_schedule_ticks_workspace_uuid", "schedule_ticks", ["workspace_uuid"])


def downgrade() -> None:
    op.drop_table("schedule_ticks")
