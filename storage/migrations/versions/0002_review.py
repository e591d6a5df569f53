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
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("queue_since", TZ))
        batch.add_column(sa.Column("due_at", TZ))
        batch.add_column(sa.Column("paused_at", TZ))
    op.create_index("ix_entries_status_queue", "entries", ["status", "queue_since"])
    with op.batch_alter_table("history") as batch:
        batch.add_column(
            sa.Column(
                "officer_id",
                sa.Integer,
                sa.ForeignKey("officers.id", name="fk_history_officer", ondelete="SET NULL"),
            )
        )
        batch.add_column(sa.Column("actor_name", sa.String(200)))
    op.create_index("ix_history_officer", "history", ["officer_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("role", sa.String(24), nullable=False, server_default="resident")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role")
    op.drop_index("ix_history_officer", "history")
    with op.batch_alter_table("history") as batch:
        batch.drop_constraint("fk_history_officer", type_="foreignkey")
        batch.drop_column("actor_name")
        batch.drop_column("officer_id")
    op.drop_index("ix_entries_status_queue", "entries")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("paused_at")
        batch.drop_column("due_at")
        batch.drop_column("queue_since")
    op.drop_table("outbox")
    op.drop_table("invites")
    op.drop_table("officers")
