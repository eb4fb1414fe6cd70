"""storage usage: records written to models, per UTC day

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storage_usage",
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("model_uuid", sa.String(length=36), nullable=False),
        sa.Column("workflow_uuid", sa.String(length=36), nullable=False, server_default=""),
        sa.Column("records_count", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("workspace_uuid", "day", "model_uuid", "workflow_uuid"),
    )


def downgrade() -> None:
    op.drop_table("storage_usage")
