"""return interview content: who held it, why late, push and pull factors, disclosures, follow-up

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CONTENT_COLUMNS = ("rhi_conducted_by", "rhi_late_reason", "push_factors", "pull_factors", "disclosures", "follow_up")


def upgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        for name in CONTENT_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        for name in reversed(CONTENT_COLUMNS):
            batch.drop_column(name)
