"""connectors.is_default and oauth_grants: what the HTTP client's connection calls read and write
(api.md §5: the default connector of an integration, OAuth token sets awaiting a connector)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    # Existing connectors stay unmarked: the newest-connector rule keeps choosing for them.
    op.add_column("connectors", sa.Column("is_default", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "oauth_grants",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("integration_slug", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("redirect_uri", sa.Text(), nullable=True),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("extra_values", Json, nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_oauth_grants_workspace_uuid", "oauth_grants", ["workspace_uuid"])
    op.create_index("ux_oauth_grants_state", "oauth_grants", ["state"], unique=True)


def downgrade() -> None:
    op.drop_table("oauth_grants")
    with op.batch_alter_table("connectors") as batch:
        batch.drop_column("is_default")
