"""ai: what the HTTP client reads of chats and messages (api.md §6, §13): soft deletes, the chat's
creator, pinned release and credits, the message's release and usage, and message votes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Uuid = sa.String(length=36)


def upgrade() -> None:
    # Plain nullable ADD COLUMNs on both backends: no table copy.
    op.add_column("ai_chats", sa.Column("user_uuid", Uuid, nullable=True))
    op.add_column("ai_chats", sa.Column("release_uuid", Uuid, nullable=True))
    op.add_column("ai_chats", sa.Column("credits_used_count", sa.Float(), nullable=True))
    op.add_column("ai_chats", sa.Column("deleted_at", sa.DateTime(), nullable=True))
    op.add_column("ai_messages", sa.Column("release_uuid", Uuid, nullable=True))
    op.add_column("ai_messages", sa.Column("usage", Json, nullable=True))
    op.add_column("ai_messages", sa.Column("deleted_at", sa.DateTime(), nullable=True))
    op.create_table(
        "ai_votes",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("chat_uuid", Uuid, nullable=False),
        sa.Column("message_uuid", Uuid, nullable=False),
        sa.Column("user_uuid", Uuid, nullable=False),
        sa.Column("is_upvoted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ux_ai_votes_voter", "ai_votes", ["workspace_uuid", "message_uuid", "user_uuid"], unique=True)
    op.create_index("ix_ai_votes_chat", "ai_votes", ["workspace_uuid", "chat_uuid"])


def downgrade() -> None:
    op.drop_table("ai_votes")
    with op.batch_alter_table("ai_messages") as batch:
        for column in ("deleted_at", "usage", "release_uuid"):
            batch.drop_column(column)
    with op.batch_alter_table("ai_chats") as batch:
        for column in ("deleted_at", "credits_used_count", "release_uuid", "user_uuid"):
            batch.drop_column(column)
