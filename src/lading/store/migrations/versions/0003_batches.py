"""batch sources and feeding, uploaded files, batch/status index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_position", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("source_done", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("feed_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("feed_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("webhook_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("webhook_secret", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("invalid_rows", sa.JSON(), nullable=True))
        batch_op.create_index("ix_batches_feed", ["source_done", "status"], unique=False)
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_batch_status", ["batch_uuid", "status"], unique=False)
        batch_op.create_index("ix_runs_record", ["workspace_uuid", "workflow_uuid", "record_id"], unique=False)
    op.create_table(
        "files",
        sa.Column("s3_filename", sa.String(length=255), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("s3_filename"),
    )
    op.create_table(
        "file_chunks",
        sa.Column("s3_filename", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("s3_filename", "seq"),
    )


def downgrade() -> None:
    op.drop_table("file_chunks")
    op.drop_table("files")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_record")
        batch_op.drop_index("ix_runs_batch_status")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index("ix_batches_feed")
        for col in ("invalid_rows", "webhook_secret", "webhook_url", "feed_expires_at", "feed_owner", "source_done",
                    "source_position"):
            batch_op.drop_column(col)
