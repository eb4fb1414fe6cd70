"""custom_integrations: a workspace's declared integrations (`connection custom-integration …`,
api.md §5 `customIntegration.*`), each an integration document visible to its workspace only

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "custom_integrations",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("document", Json, nullable=False),
        sa.Column("user_uuid", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ux_custom_integrations_slug", "custom_integrations", ["workspace_uuid", "slug"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_custom_integrations_slug", table_name="custom_integrations")
    op.drop_table("custom_integrations")
