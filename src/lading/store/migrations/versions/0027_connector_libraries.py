"""connector_libraries: content libraries synced by an unstructured-data extractor (connections-ai spec
§2.7 `kind connector`; issue 18 item 5). A library sync is a storage run with `library_uuid` set
(`model_uuid` becomes nullable: exactly one of the two is set) and counts its removed and skipped
files; a synced content file names its library, connector and provider id (`external_id`), the
provider's version it holds (`external_version`, compared to download only what changed) and the
sync run that last listed it (`seen_run_uuid`: files no run of a finished full listing saw are gone
upstream).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("storage_runs") as batch:
        batch.add_column(sa.Column("library_uuid", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("removed_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("skipped", sa.Text(), nullable=True))
        batch.alter_column("model_uuid", existing_type=sa.String(length=36), nullable=True)
    op.create_index("ix_storage_runs_library", "storage_runs", ["workspace_uuid", "library_uuid", "created_at"])
    with op.batch_alter_table("content_files") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="native", nullable=False))
        batch.add_column(sa.Column("library_uuid", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("connector_uuid", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("external_version", sa.Text(), nullable=True))
        batch.add_column(sa.Column("seen_run_uuid", sa.String(length=36), nullable=True))
    op.create_index("ix_content_files_library", "content_files", ["workspace_uuid", "library_uuid", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_content_files_library", table_name="content_files")
    op.execute("DELETE FROM content_files WHERE library_uuid IS NOT NULL")
    with op.batch_alter_table("content_files") as batch:
        for name in ("seen_run_uuid", "external_version", "external_id", "connector_uuid", "library_uuid", "kind"):
            batch.drop_column(name)
    op.drop_index("ix_storage_runs_library", table_name="storage_runs")
    op.execute("DELETE FROM storage_runs WHERE model_uuid IS NULL")
    with op.batch_alter_table("storage_runs") as batch:
        batch.alter_column("model_uuid", existing_type=sa.String(length=36), nullable=False)
        for name in ("skipped", "removed_count", "library_uuid"):
            batch.drop_column(name)
