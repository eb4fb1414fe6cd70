"""connectors, action cache, run parent kind

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "connectors",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("user_uuid", sa.String(length=36), nullable=True),
        sa.Column("integration_slug", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("config", _JSON, nullable=True),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("rate_limit", _JSON, nullable=True),
        sa.Column("cache_ttl_ms", sa.BigInteger(), nullable=True),
        sa.Column("use_credits", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.create_index("ix_connectors_workspace", ["workspace_uuid", "integration_slug"], unique=False)
    op.create_table(
        "connector_windows",
        sa.Column("connector_uuid", sa.String(length=36), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("calls", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("connector_uuid", "window_start"),
    )
    op.create_table(
        "connector_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("connector_uuid", sa.String(length=36), nullable=False),
        sa.Column("output", _JSON, nullable=True),
        sa.Column("child_index", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("call_stack", _JSON, nullable=True))
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_url", sa.String(length=1024), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_column("base_url")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("call_stack")
        batch_op.drop_column("parent_kind")
    op.drop_table("connector_cache")
    op.drop_table("connector_windows")
    op.drop_table("connectors")
