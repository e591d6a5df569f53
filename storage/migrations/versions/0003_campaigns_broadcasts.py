"""Campaigns in the database, announcement interests, broadcasts with a delivery ledger,
and the record of reminders sent.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("interests", sa.JSON, nullable=False, server_default="{}"))
    op.add_column("users", sa.Column("blocked_at", TZ))
    op.create_index("ix_users_updated", "users", ["updated_at"])
    op.create_table(
        "campaigns",
        sa.Column("slug", sa.String(64), primary_key=True),
        sa.Column("title_vi", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("description_vi", sa.Text, nullable=False),
        sa.Column("description_en", sa.Text, nullable=False),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("units", sa.JSON, nullable=False),
        sa.Column("opens", sa.Date, nullable=False),
        sa.Column("closes", sa.Date, nullable=False),
        sa.Column("closed_at", TZ),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("photo", sa.String(512)),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("send_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("started_at", TZ),
        sa.Column("finished_at", TZ),
        sa.Column("reported", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_broadcasts_status", "broadcasts", ["status", "send_at"])
    op.create_table(
        "deliveries",
        sa.Column(
            "broadcast_id",
            sa.Integer,
            sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", TZ),
    )
    op.create_index(
        "ix_deliveries_pending", "deliveries", ["broadcast_id", "status", "user_id"]
    )
    op.create_table(
        "reminders",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("sent_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_index("ix_deliveries_pending", "deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_broadcasts_status", "broadcasts")
    op.drop_table("broadcasts")
    op.drop_table("campaigns")
    op.drop_index("ix_users_updated", "users")
    op.drop_column("users", "blocked_at")
    op.drop_column("users", "interests")
