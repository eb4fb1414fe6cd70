"""console_sessions: the web console's sign-ins (cookie value stored hashed, with an expiry), and the partial
index the console's run list of top-level runs reads newest first

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("uuid", sa.String(length=36), primary_key=True),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        # The API token the person signed in with: the session has exactly its rights, and ends with it.
        sa.Column("token_uuid", sa.String(length=36), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ux_console_sessions_hash", "console_sessions", ["session_hash"], unique=True)
    op.create_index("ix_console_sessions_token", "console_sessions", ["token_uuid"])
    # Partial: only top-level runs, the ones the console lists; the title makes a title search index-only.
    op.create_index("ix_runs_workspace_created", "runs", ["workspace_uuid", "created_at", "record_title"],
                    sqlite_where=sa.text("parent_run_uuid IS NULL"),
                    postgresql_where=sa.text("parent_run_uuid IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_runs_workspace_created", "runs")
    op.drop_table("console_sessions")
