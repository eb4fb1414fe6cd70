"""user_passwords: a user's own sign-in to the web console (issue 17): `users.password_hash` (a salted
scrypt hash, never the password) and console sessions bound to a user instead of a token
(`console_sessions.user_uuid`; `token_uuid` becomes nullable: exactly one of the two is set).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
    with op.batch_alter_table("console_sessions") as batch:
        batch.add_column(sa.Column("user_uuid", sa.String(length=36), nullable=True))
        batch.alter_column("token_uuid", existing_type=sa.String(length=36), nullable=True)
    op.create_index("ix_console_sessions_user", "console_sessions", ["user_uuid"])


def downgrade() -> None:
    op.drop_index("ix_console_sessions_user", table_name="console_sessions")
    op.execute("DELETE FROM console_sessions WHERE token_uuid IS NULL")
    with op.batch_alter_table("console_sessions") as batch:
        batch.alter_column("token_uuid", existing_type=sa.String(length=36), nullable=False)
        batch.drop_column("user_uuid")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_hash")
