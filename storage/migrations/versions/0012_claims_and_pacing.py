"""Outbox rows claimed by a named process (`outbox.claimed_by`), so that a live process renews
its short claims and another takes over those of a dead one; `pacing`, the next free moment of
a rate shared by every process (a broadcast's messages per second are the bot's, not a
process's); `flood`, each sender's flood-control bucket, counted in the database where several
processes share it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_by", sa.String(64), nullable=True))
    op.create_table(
        "pacing",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("next_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "flood",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("flood")
    op.drop_table("pacing")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
