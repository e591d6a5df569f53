"""Officers, invites, the outbox, queue dates on entries, officer columns on history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("role", sa.String(24), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
    )
    op.create_index("ix_officers_unit", "officers", ["unit", "role"])
    op.create_index("ix_officers_user", "officers", ["user_id"])
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("role", sa.String(24), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ),
        sa.Column("officer_id", sa.Integer, sa.ForeignKey("officers.id", ondelete="SET NULL")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("claimed_at", TZ),
        sa.Column("sent_at", TZ),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["channel", "status", "id"])
    # Plain ADD COLUMN, never a table rebuild: on SQLite a rebuild drops the old table, and
    # with foreign keys on that would set every entry's author to NULL.
    op.add_column("entries", sa.Column("queue_since", TZ))
    op.add_column("entries", sa.Column("due_at", TZ))
    op.add_column("entries", sa.Column("paused_at", TZ))
    op.create_index("ix_entries_status_queue", "entries", ["status", "queue_since"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with a REFERENCES clause in place, but Alembic would only do it
        # by rebuilding the table.
        op.execute(
            "ALTER TABLE history ADD COLUMN officer_id INTEGER "
            "REFERENCES officers (id) ON DELETE SET NULL"
        )
    else:
        op.add_column(
            "history",
            sa.Column(
                "officer_id",
                sa.Integer,
                sa.ForeignKey("officers.id", name="fk_history_officer", ondelete="SET NULL"),
            ),
        )
    op.add_column("history", sa.Column("actor_name", sa.String(200)))
    op.create_index("ix_history_officer", "history", ["officer_id"])
    op.add_column(
        "users", sa.Column("role", sa.String(24), nullable=False, server_default="resident")
    )


def downgrade() -> None:
    op.drop_column("users", "role")
    op.drop_index("ix_history_officer", "history")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_history_officer", "history", type_="foreignkey")
    op.drop_column("history", "actor_name")
    op.drop_column("history", "officer_id")
    op.drop_index("ix_entries_status_queue", "entries")
    for column in ("paused_at", "due_at", "queue_since"):
        op.drop_column("entries", column)
    op.drop_table("outbox")
    op.drop_table("invites")
    op.drop_table("officers")
