"""dfe_figures: the DfE's national figures on children missing or away from placement

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 14:00:00

Follows 0003 (sessions).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dfe_figures",
        sa.Column("figure_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("old_la_code", sa.String(length=8), nullable=True),
        sa.Column("area_name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("measure", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("figure_id"),
        sa.UniqueConstraint("year", "area_code", "measure", name="uq_dfe_figures_year_area_measure"),
    )
    op.create_index(op.f("ix_dfe_figures_year"), "dfe_figures", ["year"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dfe_figures_year"), table_name="dfe_figures")
    op.drop_table("dfe_figures")
