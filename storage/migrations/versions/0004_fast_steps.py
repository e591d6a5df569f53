"""A version on users rows (for the dispatcher's cache), a partial index for ward queues, and
the message a broadcast's sender sees its progress in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WARD_QUEUE_SQL = "status IN ('submitted', 'accepted', 'needs_info')"


def upgrade() -> None:
    op.add_column("users", sa.Column("version", sa.Integer, nullable=False, server_default="0"))
    op.add_column("broadcasts", sa.Column("progress_ref", sa.String(64)))
    op.create_index(
        "ix_entries_ward_queue", "entries", ["unit", "queue_since", "id"],
        sqlite_where=sa.text(WARD_QUEUE_SQL), postgresql_where=sa.text(WARD_QUEUE_SQL),
    )


def downgrade() -> None:
    op.drop_index("ix_entries_ward_queue", "entries")
    op.drop_column("broadcasts", "progress_ref")
    op.drop_column("users", "version")
