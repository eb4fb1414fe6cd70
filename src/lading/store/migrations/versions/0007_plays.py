"""plays: segment-driven workflows bound to a model and their generated segment

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Uuid = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "plays",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("workflow_uuid", Uuid, nullable=False),
        sa.Column("model_uuid", Uuid, nullable=False),
        sa.Column("segment_uuid", Uuid, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("change_kinds", Json, nullable=False),
        sa.Column("run_creation_rule", sa.String(length=16), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("schedule", Json, nullable=True),
        sa.Column("health_threshold", sa.Integer(), server_default="80", nullable=False),
        sa.Column("folder_uuid", Uuid, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_plays_workspace", "plays", ["workspace_uuid", "created_at"])
    op.create_index("ix_plays_segment", "plays", ["segment_uuid"])


def downgrade() -> None:
    op.drop_table("plays")
