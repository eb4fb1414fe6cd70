"""releases.parent_uuid and releases.test_records (the draft's lineage and saved test inputs),
tools.icon (a raw-image tool icon): what the HTTP client sends and reads back (api.md §2.2, §2.3)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    # Plain nullable ADD COLUMNs on both backends: no table copy.
    op.add_column("releases", sa.Column("parent_uuid", sa.String(length=36), nullable=True))
    op.add_column("releases", sa.Column("test_records", Json, nullable=True))
    op.add_column("tools", sa.Column("icon", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tools") as batch:
        batch.drop_column("icon")
    with op.batch_alter_table("releases") as batch:
        batch.drop_column("test_records")
        batch.drop_column("parent_uuid")
