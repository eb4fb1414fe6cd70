"""runs.parent_agent_uuid (the agent whose action call started a run), ai_messages.user_uuid (the sender)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both backends: no table copy, whatever the number of runs.
    op.add_column("runs", sa.Column("parent_agent_uuid", sa.String(length=36), nullable=True))
    op.add_column("ai_messages", sa.Column("user_uuid", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ai_messages") as batch:
        batch.drop_column("user_uuid")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("parent_agent_uuid")
