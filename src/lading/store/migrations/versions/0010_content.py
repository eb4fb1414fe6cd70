"""content: files and libraries agents search

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Uuid = sa.String(length=36)


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "content_files",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("s3_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("is_searchable", sa.Boolean(), nullable=False),
        sa.Column("is_temporary", sa.Boolean(), nullable=False),
        sa.Column("folder_uuid", Uuid, nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_content_files_workspace", "content_files", ["workspace_uuid", "folder_uuid"])
    op.create_table(
        "content_passages",
        sa.Column("file_uuid", Uuid, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("file_uuid", "seq"),
    )
    op.create_table(
        "content_libraries",
        sa.Column("uuid", Uuid, nullable=False),
        sa.Column("workspace_uuid", Uuid, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("connector_uuid", Uuid, nullable=True),
        sa.Column("extractor_slug", sa.String(length=128), nullable=True),
        sa.Column("config", Json, nullable=False),
        sa.Column("file_uuids", Json, nullable=False),
        sa.Column("folder_uuid", Uuid, nullable=True),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_content_libraries_workspace", "content_libraries", ["workspace_uuid", "created_at"])


def downgrade() -> None:
    for table in ("content_libraries", "content_passages", "content_files"):
        op.drop_table(table)
