"""ai: agents, releases, chats and messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Uuid = sa.String(length=36)


def _stamps(deleted: bool = False) -> list[sa.Column]:
    cols = [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]
    if deleted:
        cols.append(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    return cols


def upgrade() -> None:
    op.create_table(
        "ai_agents",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("icon_color", sa.String(length=16), nullable=False),
        sa.Column("icon_face", sa.String(length=32), nullable=False),
        sa.Column("folder_uuid", Uuid, nullable=True),
        sa.Column("template_slug", sa.String(length=128), nullable=True),
        sa.Column("deployed_release_uuid", Uuid, nullable=True),
        *_stamps(deleted=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_ai_agents_workspace", "ai_agents", ["workspace_uuid", "created_at"])
    op.create_table(
        "ai_releases",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("agent_uuid", Uuid, nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("parent_uuid", Uuid, nullable=True),
        sa.Column("config", Json, nullable=False),
        sa.Column("deployed_at", sa.DateTime(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_ai_releases_agent", "ai_releases", ["agent_uuid", "status"])
    op.create_table(
        "ai_chats",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("agent_uuid", Uuid, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("trigger", Json, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_ai_chats_workspace", "ai_chats", ["workspace_uuid", "agent_uuid", "created_at"])
    op.create_table(
        "ai_messages",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("chat_uuid", Uuid, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("parts", Json, nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("overrides", Json, nullable=True),
        sa.Column("run_uuid", Uuid, nullable=True),
        *_stamps(),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_ai_messages_chat", "ai_messages", ["chat_uuid", "seq"])


def downgrade() -> None:
    for table in ("ai_messages", "ai_chats", "ai_releases", "ai_agents"):
        op.drop_table(table)
