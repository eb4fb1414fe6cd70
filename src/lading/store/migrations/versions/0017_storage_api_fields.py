"""models.description, models.position, models.unification, models.folder_uuid: what the HTTP client
sends with a model and reads back (api.md §3 `model.create` / `model.update`, §13 Model)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    # Plain nullable ADD COLUMNs on both backends: no table copy.
    op.add_column("models", sa.Column("description", sa.Text(), nullable=True))
    op.add_column("models", sa.Column("position", Json, nullable=True))
    op.add_column("models", sa.Column("unification", Json, nullable=True))
    op.add_column("models", sa.Column("folder_uuid", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.drop_column("folder_uuid")
        batch.drop_column("unification")
        batch.drop_column("position")
        batch.drop_column("description")
