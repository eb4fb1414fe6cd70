"""ai memories: what agents, users and the workspace remember between conversations

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_memories",
        sa.Column("mem0_id", sa.String(length=64), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("agent_uuid", sa.String(length=36), nullable=True),
        sa.Column("user_uuid", sa.String(length=36), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mem0_id"),
    )
    op.create_index("ix_ai_memories_scope", "ai_memories", ["workspace_uuid", "scope", "updated_at"])


def downgrade() -> None:
    op.drop_table("ai_memories")
