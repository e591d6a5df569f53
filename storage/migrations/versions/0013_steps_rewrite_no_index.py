"""No index on users.updated_at: every step writes that column, so the index was rewritten at
every step (on SQLite two more WAL pages per plain step, three in all; on PostgreSQL no update
of a users row could be HOT). Its one reader, the draft reminders' query run every 15 minutes
(storage.reminders.idle_users), scans the table instead: about 10 ms for 100,000 rows on SQLite
(python -m bench.tools.step_write).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_users_updated", "users")


def downgrade() -> None:
    op.create_index("ix_users_updated", "users", ["updated_at"])
