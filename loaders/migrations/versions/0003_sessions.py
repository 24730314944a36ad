"""sessions: signed-in browser sessions, found again from a cookie

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 13:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("claim_hash", sa.String(length=64), nullable=True),
        sa.Column("signed_in_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("session_id"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("claim_hash"),
    )
    op.create_index("ix_sessions_user_name", "sessions", ["user_name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sessions_user_name", table_name="sessions")
    op.drop_table("sessions")
