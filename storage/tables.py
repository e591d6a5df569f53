"""SQLAlchemy Core tables. The schema itself is created by the Alembic migrations."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# One row per chat identity. The conversation (state, draft answers, last update id) lives in the
# same row so that a step is one read and one guarded write.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("lang", String(8), nullable=True),
    Column("consent_version", String(32), nullable=True),
    Column("consented_at", DateTime(timezone=True), nullable=True),
    Column("display_name", String(200), nullable=True),
    Column("subscribed", Boolean, nullable=False, default=False),
    Column("state", String(64), nullable=False, default="new"),
    Column("data", JSON, nullable=False, default=dict),
    Column("last_update_id", BigInteger, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(24), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("unit", String(64), nullable=False),
    Column("campaign", String(64), nullable=True),
    Column("field", String(64), nullable=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("details", JSON, nullable=False, default=dict),
    Column("contact_name", String(200), nullable=True),
    Column("contact_phone", String(32), nullable=True),
    Column("show_name", Boolean, nullable=False, default=False),
    Column("status", String(24), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_entries_unit_status_created", entries.c.unit, entries.c.status, entries.c.created_at)
Index("ix_entries_user", entries.c.user_id)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("file_ref", String(512), nullable=False),
    Column("file_name", String(255), nullable=True),
    Column("mime", String(128), nullable=True),
    Column("size", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_attachments_entry", attachments.c.entry_id)

# The audit log of an entry: every change of status, who made it and why.
history = Table(
    "history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("role", String(24), nullable=False),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=False),
    Column("note", Text, nullable=True),
)
Index("ix_history_entry", history.c.entry_id)
