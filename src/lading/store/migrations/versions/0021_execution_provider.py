"""executions.integration_slug and executions.connector_uuid: the provider of a span that is not a
node of the release (a waterfall's provider attempts), so that `spans` and `billing usage get-metrics`
attribute it to its integration and connector

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("executions", sa.Column("integration_slug", sa.String(length=64), nullable=True))
    op.add_column("executions", sa.Column("connector_uuid", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("connector_uuid")
        batch.drop_column("integration_slug")
