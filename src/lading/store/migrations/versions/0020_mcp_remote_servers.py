"""mcp_servers of kind `remote`: someone else's MCP server registered for agents (`ai mcp-server create
--url`, C §2.8), beside the servers this workspace publishes (kind `published`)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    # Existing servers are all published ones.
    op.add_column("mcp_servers", sa.Column("kind", sa.String(length=16), server_default="published", nullable=False))
    op.add_column("mcp_servers", sa.Column("url", sa.Text(), nullable=True))
    # {"issuedAt", "sealed"}: the access token sealed by the credential vault, never stored in plain.
    op.add_column("mcp_servers", sa.Column("authentication", Json, nullable=True))
    op.add_column("mcp_servers", sa.Column("disabled_tool_slugs", Json, nullable=True))
    # The remote server's tools as last listed (on create, and when its URL or token changes).
    op.add_column("mcp_servers", sa.Column("tools", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mcp_servers") as batch:
        for column in ("tools", "disabled_tool_slugs", "authentication", "url", "kind"):
            batch.drop_column(column)
