"""Users with their conversation, entries, attachments, history, counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8)),
        sa.Column("consent_version", sa.String(32)),
        sa.Column("consented_at", TZ),
        sa.Column("display_name", sa.String(200)),
        sa.Column("subscribed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("state", sa.String(64), nullable=False, server_default="new"),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("last_update_id", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(24), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("campaign", sa.String(64)),
        sa.Column("field", sa.String(64)),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("contact_phone", sa.String(32)),
        sa.Column("show_name", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_entries_unit_status_created", "entries", ["unit", "status", "created_at"])
    op.create_index("ix_entries_user", "entries", ["user_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "entry_id",
            sa.Integer,
            sa.ForeignKey("entries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_ref", sa.String(512), nullable=False),
        sa.Column("file_name", sa.String(255)),
        sa.Column("mime", sa.String(128)),
        sa.Column("size", sa.BigInteger),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_attachments_entry", "attachments", ["entry_id"])
    op.create_table(
        "history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "entry_id",
            sa.Integer,
            sa.ForeignKey("entries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("role", sa.String(24), nullable=False),
        sa.Column("from_status", sa.String(24)),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_history_entry", "history", ["entry_id"])


def downgrade() -> None:
    for table in ("history", "attachments", "entries", "counters", "users"):
        op.drop_table(table)
