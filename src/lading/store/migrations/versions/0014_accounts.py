"""accounts: roles, API tokens (hashed), folders, reports, work sessions; user and workspace settings

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def _key() -> list[sa.Column]:
    return [sa.Column("uuid", sa.String(length=36), primary_key=True),
            sa.Column("workspace_uuid", sa.String(length=36), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("settings", Json, nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("picture", sa.Text(), nullable=True))
        batch.add_column(sa.Column("web_extension_data", Json, nullable=True))
        batch.add_column(sa.Column("permissions", Json, nullable=True))
        batch.add_column(sa.Column("last_sign_in_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    op.create_index("ix_users_email", "users", ["workspace_uuid", "email"])
    op.create_table(
        "roles", *_key(),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("permissions", Json, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ux_roles_slug", "roles", ["workspace_uuid", "slug"], unique=True)
    op.create_table(
        "api_tokens", *_key(),
        sa.Column("user_uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("permissions", Json, nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ux_api_tokens_hash", "api_tokens", ["token_hash"], unique=True)
    op.create_index("ix_api_tokens_workspace", "api_tokens", ["workspace_uuid", "created_at"])
    op.create_table(
        "folders", *_key(),
        sa.Column("parent_uuid", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("emoji_slug", sa.String(length=64), nullable=True),
        sa.Column("order", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("is_read_only", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_folders_workspace", "folders", ["workspace_uuid", "kind"])
    op.create_table(
        "reports", *_key(),
        sa.Column("user_uuid", sa.String(length=36), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_reports_workspace", "reports", ["workspace_uuid", "created_at"])
    op.create_table(
        "work_sessions", *_key(),
        sa.Column("session_id", sa.String(length=255), nullable=False),
        sa.Column("user_uuid", sa.String(length=36), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ux_work_sessions_id", "work_sessions", ["workspace_uuid", "session_id"], unique=True)


def downgrade() -> None:
    for table in ("work_sessions", "reports", "folders", "api_tokens", "roles"):
        op.drop_table(table)
    op.drop_index("ix_users_email", "users")
    with op.batch_alter_table("users") as batch:
        for column in ("picture", "web_extension_data", "permissions", "last_sign_in_at", "updated_at",
                       "deleted_at"):
            batch.drop_column(column)
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("settings")
        batch.drop_column("updated_at")
