"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 15:29:28.801074
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("workflow_uuid", sa.String(length=36), nullable=True),
        sa.Column("release_uuid", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("runs_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("health_threshold", sa.Integer(), server_default="80", nullable=False),
        sa.Column("parent_run_uuid", sa.String(length=36), nullable=True),
        sa.Column("parent_node_uuid", sa.String(length=36), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index("ix_batches_parent", ["parent_run_uuid"], unique=False)
        batch_op.create_index("ix_batches_workspace", ["workspace_uuid", "created_at"], unique=False)

    op.create_table(
        "executions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("run_uuid", sa.String(length=36), nullable=False),
        sa.Column("workflow_uuid", sa.String(length=36), nullable=True),
        sa.Column("release_uuid", sa.String(length=36), nullable=True),
        sa.Column("batch_uuid", sa.String(length=36), nullable=True),
        sa.Column("node_uuid", sa.String(length=36), nullable=False),
        sa.Column("node_slug", sa.String(length=255), nullable=False),
        sa.Column("node_kind", sa.String(length=16), nullable=False),
        sa.Column("node_action_slug", sa.String(length=255), nullable=True),
        sa.Column("node_child_index", sa.Integer(), nullable=True),
        sa.Column("next_node_uuid", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("credits_used_count", sa.Float(), server_default="0", nullable=False),
        sa.Column("execution_charge", sa.Float(), server_default="0", nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.create_index("ix_executions_run", ["run_uuid", "id"], unique=False)
        batch_op.create_index("ix_executions_workspace", ["workspace_uuid", "started_at"], unique=False)

    op.create_table(
        "releases",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("workflow_uuid", sa.String(length=36), nullable=True),
        sa.Column("user_uuid", sa.String(length=36), nullable=True),
        sa.Column("version", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "form_fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "nodes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deployed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_releases_workflow", ["workspace_uuid", "workflow_uuid", "status"], unique=False
        )

    op.create_table(
        "runs",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("workflow_uuid", sa.String(length=36), nullable=True),
        sa.Column("release_uuid", sa.String(length=36), nullable=False),
        sa.Column("batch_uuid", sa.String(length=36), nullable=True),
        sa.Column("root_run_uuid", sa.String(length=36), nullable=False),
        sa.Column("parent_run_uuid", sa.String(length=36), nullable=True),
        sa.Column("parent_node_uuid", sa.String(length=36), nullable=True),
        sa.Column("item_index", sa.Integer(), nullable=True),
        sa.Column("is_group_parent", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=255), nullable=True),
        sa.Column("record_title", sa.String(length=255), nullable=True),
        sa.Column(
            "input",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "computed_configs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "parent_context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "output",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("cursor_node_uuid", sa.String(length=36), nullable=True),
        sa.Column("cursor_execution_id", sa.Integer(), nullable=True),
        sa.Column("cursor_attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("available_at", sa.DateTime(), nullable=True),
        sa.Column("waiting_children", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("credits_used_count", sa.Float(), server_default="0", nullable=False),
        sa.Column("executions_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_batch", ["batch_uuid"], unique=False)
        batch_op.create_index("ix_runs_claim", ["status", "available_at"], unique=False)
        batch_op.create_index("ix_runs_parent", ["parent_run_uuid", "parent_node_uuid"], unique=False)
        batch_op.create_index("ix_runs_root", ["root_run_uuid"], unique=False)
        batch_op.create_index(
            "ix_runs_workflow", ["workspace_uuid", "workflow_uuid", "created_at"], unique=False
        )

    op.create_table(
        "tools",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("workflow_uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "triggers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_read_only", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("folder_uuid", sa.String(length=36), nullable=True),
        sa.Column("emoji_slug", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("tools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tools_workspace_uuid"), ["workspace_uuid"], unique=False)

    op.create_table(
        "users",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=32), server_default="admin", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_workspace_uuid"), ["workspace_uuid"], unique=False)

    op.create_table(
        "workflows",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("tool_uuid", sa.String(length=36), nullable=True),
        sa.Column("play_uuid", sa.String(length=36), nullable=True),
        sa.Column("folder_uuid", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workflows_workspace_uuid"), ["workspace_uuid"], unique=False)

    op.create_table(
        "workspaces",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
        sa.UniqueConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("workspaces")
    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflows_workspace_uuid"))

    op.drop_table("workflows")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_workspace_uuid"))

    op.drop_table("users")
    with op.batch_alter_table("tools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tools_workspace_uuid"))

    op.drop_table("tools")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_workflow")
        batch_op.drop_index("ix_runs_root")
        batch_op.drop_index("ix_runs_parent")
        batch_op.drop_index("ix_runs_claim")
        batch_op.drop_index("ix_runs_batch")

    op.drop_table("runs")
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.drop_index("ix_releases_workflow")

    op.drop_table("releases")
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_index("ix_executions_workspace")
        batch_op.drop_index("ix_executions_run")

    op.drop_table("executions")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index("ix_batches_workspace")
        batch_op.drop_index("ix_batches_parent")

    op.drop_table("batches")
