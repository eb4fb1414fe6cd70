"""ai_agents.user_uuid, ai_releases.user_uuid (who made them), mcp_servers.user_uuid, .description and
.folder_uuid: what the HTTP client sends and reads back (api.md §6, §13)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable ADD COLUMNs on both backends: no table copy; older rows answer null.
    op.add_column("ai_agents", sa.Column("user_uuid", sa.String(length=36), nullable=True))
    op.add_column("ai_releases", sa.Column("user_uuid", sa.String(length=36), nullable=True))
    op.add_column("mcp_servers", sa.Column("user_uuid", sa.String(length=36), nullable=True))
    op.add_column("mcp_servers", sa.Column("description", sa.Text(), nullable=True))
    op.add_column("mcp_servers", sa.Column("folder_uuid", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mcp_servers") as batch:
        batch.drop_column("folder_uuid")
        batch.drop_column("description")
        batch.drop_column("user_uuid")
    with op.batch_alter_table("ai_releases") as batch:
        batch.drop_column("user_uuid")
    with op.batch_alter_table("ai_agents") as batch:
        batch.drop_column("user_uuid")
