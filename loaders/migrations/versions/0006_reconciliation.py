"""reconciliation: each source's own values per imported row, and resolved items

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:50:00

Episodes imported before this revision have no contributions: import the
files again to compare them (their merged rows no longer hold both sources' values).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contributions",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("episode_id", sa.String(length=64), nullable=False),
        sa.Column("child_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=8), nullable=True),
        sa.Column("missing_from", sa.String(length=4), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("reported_at_date_only", sa.Boolean(), nullable=True),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.Column("returned_at_date_only", sa.Boolean(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["imports.import_id"]),
        sa.PrimaryKeyConstraint("source", "episode_id"),
    )
    op.create_index(op.f("ix_contributions_child_id"), "contributions", ["child_id"], unique=False)
    op.create_table(
        "reconciliation_resolutions",
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("item_key"),
    )


def downgrade() -> None:
    op.drop_table("reconciliation_resolutions")
    op.drop_index(op.f("ix_contributions_child_id"), table_name="contributions")
    op.drop_table("contributions")
