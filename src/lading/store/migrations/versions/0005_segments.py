"""segments, segment changes and membership versions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Uuid = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("user_uuid", Uuid, nullable=True),
        sa.Column("model_uuid", Uuid, nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("filter", Json, nullable=False),
        sa.Column("sort", Json, nullable=True),
        sa.Column("records_limit", sa.Integer(), nullable=True),
        sa.Column("column_slugs", Json, nullable=True),
        sa.Column("tracking_column_slugs", Json, nullable=True),
        sa.Column("from_play", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("play_uuid", Uuid, nullable=True),
        sa.Column("records_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sync_seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sync_due", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("last_change_uuid", Uuid, nullable=True),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_segments_model", "segments", ["workspace_uuid", "model_uuid"])
    op.create_table(
        "segment_changes",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("segment_uuid", Uuid, nullable=False),
        sa.Column("slug", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("added_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("removed_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_segment_changes_segment", "segment_changes", ["segment_uuid", "seq"])
    op.create_table(
        "segment_members",
        sa.Column("segment_uuid", Uuid, nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("seq_from", sa.Integer(), nullable=False),
        sa.Column("seq_to", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("record", Json, nullable=True),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("segment_uuid", "record_id", "seq_from"),
    )
    op.create_index("ix_segment_members_to", "segment_members", ["segment_uuid", "seq_to"])
    op.create_index("ix_segment_members_from", "segment_members", ["segment_uuid", "seq_from"])


def downgrade() -> None:
    op.drop_table("segment_members")
    op.drop_table("segment_changes")
    op.drop_table("segments")
