"""An award result's level and prize on the entry (empty for every existing row).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("entries", sa.Column("award_level", sa.String(16), nullable=True))
    op.add_column("entries", sa.Column("award_prize", sa.String(500), nullable=True))


def downgrade() -> None:
    op.drop_column("entries", "award_prize")
    op.drop_column("entries", "award_level")
