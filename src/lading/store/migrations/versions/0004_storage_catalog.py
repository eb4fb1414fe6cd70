"""storage catalog: datasets, models, relationships

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("connector_uuid", sa.String(length=36), nullable=True),
        sa.Column("config", Json, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ux_datasets_slug", "datasets", ["workspace_uuid", "slug"], unique=True)
    op.create_table(
        "models",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("dataset_uuid", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("extractor_slug", sa.String(length=64), nullable=False),
        sa.Column("config", Json, nullable=True),
        sa.Column("id_column_slug", sa.String(length=64), nullable=False),
        sa.Column("title_column_slug", sa.String(length=64), nullable=True),
        sa.Column("time_column_slug", sa.String(length=64), nullable=True),
        sa.Column("columns", Json, nullable=False),
        sa.Column("is_paused", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("schedule", Json, nullable=True),
        sa.Column("table_schema", sa.String(length=63), nullable=False),
        sa.Column("table_name", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ux_models_slug", "models", ["dataset_uuid", "slug"], unique=True)
    op.create_index("ux_models_table", "models", ["table_schema", "table_name"], unique=True)
    op.create_index("ix_models_workspace", "models", ["workspace_uuid", "dataset_uuid"])
    op.create_table(
        "relationships",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("workspace_uuid", sa.String(length=36), nullable=False),
        sa.Column("dataset_uuid", sa.String(length=36), nullable=False),
        sa.Column("from_model_uuid", sa.String(length=36), nullable=False),
        sa.Column("to_model_uuid", sa.String(length=36), nullable=False),
        sa.Column("from_column_slug", sa.String(length=64), nullable=False),
        sa.Column("to_column_slug", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_index("ix_relationships_from", "relationships", ["workspace_uuid", "from_model_uuid"])
    op.create_index("ix_relationships_to", "relationships", ["workspace_uuid", "to_model_uuid"])


def downgrade() -> None:
    op.drop_table("relationships")
    op.drop_table("models")
    op.drop_table("datasets")
