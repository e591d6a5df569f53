"""An announcement's photo is kept as the bot stored it (`photo_file`: kind, store key, hash,
type), so that every channel can send it; `photo` keeps the channel's reference as it arrived,
and rows from before go out by it as they did.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("broadcasts", sa.Column("photo_file", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("photo_file")
