"""tools.credit_cap: the most provider credits one batch of the tool may spend (`tool create|update
--credit-cap`, issue 18 "cost before you spend")

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tools", sa.Column("credit_cap", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tools") as batch:
        batch.drop_column("credit_cap")
