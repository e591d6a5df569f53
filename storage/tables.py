"""SQLAlchemy Core tables. The schema itself is created by the Alembic migrations."""

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)


class UTCDateTime(TypeDecorator):
    """Aware datetimes, always stored in UTC. SQLite keeps no offset, so a local time stored as
    it is would come back hours off; converting on the way in makes both databases agree."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


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
    Column("consented_at", UTCDateTime(), nullable=True),
    Column("display_name", String(200), nullable=True),
    Column("subscribed", Boolean, nullable=False, default=False),
    # "resident", or the role of the chat's active officer binding (routing only; services
    # check the officers table itself before any action).
    Column("role", String(24), nullable=False, default="resident"),
    # Announcements: which wards and fields interest the resident (empty: all of them), and
    # since when the platform says the person blocked the bot (never sent to again).
    Column("interests", JSON, nullable=False, default=dict),
    Column("blocked_at", UTCDateTime(), nullable=True),
    Column("state", String(64), nullable=False, default="new"),
    Column("data", JSON, nullable=False, default=dict),
    Column("last_update_id", BigInteger, nullable=False, default=0),
    # Bumped by every write of the row: a process that cached it finds out it is stale.
    Column("version", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime(), nullable=False),
    # One person on two channels: the chat linked later names the first one's person (the
    # first chat's id, or its own person_id); both then see the same entries.
    Column("person_id", Integer, nullable=True),
    UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),
)
# No index on updated_at, nor on anything else a plain step writes (state, data): a step then
# rewrites one page, its row's. The draft reminders (storage.reminders.idle_users, every 15
# minutes) scan the table instead (migration 0013).

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
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The queue: when the entry reached its current queue, when it is due there, and since when
    # its clock is stopped (while it waits for the resident's answer).
    Column("queue_since", UTCDateTime(), nullable=True),
    Column("due_at", UTCDateTime(), nullable=True),
    Column("paused_at", UTCDateTime(), nullable=True),
    # An award result: its level (a key of bot.workflow.AWARD_LEVELS) and the prize as decided.
    Column("award_level", String(16), nullable=True),
    Column("award_prize", String(500), nullable=True),
    # The officers' search (storage/search.py): title, description and contact name folded
    # (bot.text.fold: lower case, no accents), "| " before the name; written with the entry.
    Column("search_text", Text, nullable=True),
)
Index("ix_entries_unit_status_created", entries.c.unit, entries.c.status, entries.c.created_at)
Index("ix_entries_status_queue", entries.c.status, entries.c.queue_since)
# A ward's open queue, oldest first, read without sorting the ward's whole backlog.
WARD_QUEUE_SQL = "status IN ('submitted', 'accepted', 'needs_info')"
Index("ix_entries_ward_queue", entries.c.unit, entries.c.queue_since, entries.c.id,
      sqlite_where=text(WARD_QUEUE_SQL), postgresql_where=text(WARD_QUEUE_SQL))
Index("ix_entries_user", entries.c.user_id)
# The officers' search by phone: an exact match on the stored E.164 number (migration 0015),
# which on PostgreSQL with pg_trgm also makes a trigram index on search_text for LIKE
# (ix_entries_search_trgm, created only where the extension may be; not declared here).
Index("ix_entries_contact_phone", entries.c.contact_phone)

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
    Column("created_at", UTCDateTime(), nullable=False),
    # The bot's file store (bot.files): None for rows from before it, sent by file_ref.
    Column("store_key", String(128), nullable=True),
    Column("sha256", String(64), nullable=True),
)
Index("ix_attachments_entry", attachments.c.entry_id)

# The audit log of an entry: every change of status, who made it and why.
history = Table(
    "history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("role", String(24), nullable=False),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=False),
    Column("note", Text, nullable=True),
    # Who acted, as it was at the time: the audit log outlives officers' accounts.
    Column("officer_id", Integer, ForeignKey("officers.id", ondelete="SET NULL"), nullable=True),
    Column("actor_name", String(200), nullable=True),
)
Index("ix_history_entry", history.c.entry_id)
Index("ix_history_officer", history.c.officer_id)

# Officers: a chat bound to a unit and a role by a one-time invite code.
officers = Table(
    "officers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("unit", String(64), nullable=False),
    Column("role", String(24), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)
Index("ix_officers_unit", officers.c.unit, officers.c.role)
Index("ix_officers_user", officers.c.user_id)

invites = Table(
    "invites",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("unit", String(64), nullable=False),
    Column("role", String(24), nullable=False),
    Column("name", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Column("officer_id", Integer, ForeignKey("officers.id", ondelete="SET NULL"), nullable=True),
)

# Messages to people other than the sender of an event (officers, authors, group chats), written
# in the same transaction as the change they announce and delivered after it commits.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("options", JSON, nullable=False),
    Column("attachments", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("claimed_at", UTCDateTime(), nullable=True),
    # The process that claimed it (Dispatcher.holder): it renews its claims while it sends.
    Column("claimed_by", String(64), nullable=True),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("status", String(16), nullable=False, default="pending"),
    # Not delivered before this time (what falls due in the quiet hours waits until they end).
    Column("not_before", UTCDateTime(), nullable=True),
)
Index("ix_outbox_pending", outbox.c.channel, outbox.c.status, outbox.c.id)

campaigns = Table(
    "campaigns",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("title_vi", String(300), nullable=False),
    Column("title_en", String(300), nullable=False),
    Column("description_vi", Text, nullable=False),
    Column("description_en", Text, nullable=False),
    Column("kinds", JSON, nullable=False),
    Column("fields", JSON, nullable=False),  # empty: every field
    Column("units", JSON, nullable=False),  # empty: every ward
    Column("opens", Date, nullable=False),
    Column("closes", Date, nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sender_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("text", Text, nullable=False),
    Column("photo", String(512), nullable=True),  # the channel's reference, as it arrived
    Column("photo_file", JSON, nullable=True),  # the photo as the bot stored it (Attachment)
    Column("audience", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # scheduled, sending, done, cancelled
    Column("send_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("reported", Integer, nullable=False, default=0),  # last progress step told (0–4)
    Column("progress_ref", String(64), nullable=True),  # the sender's progress message, to edit
)
Index("ix_broadcasts_status", broadcasts.c.status, broadcasts.c.send_at)

# One row per recipient of a broadcast: what a restart resumes from.
deliveries = Table(
    "deliveries",
    metadata,
    Column("broadcast_id", Integer, ForeignKey("broadcasts.id", ondelete="CASCADE"),
           primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("lang", String(8), nullable=True),
    Column("status", String(16), nullable=False),  # pending, sending, sent, failed, blocked, held
    Column("attempts", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime(), nullable=True),
)
Index("ix_deliveries_pending", deliveries.c.broadcast_id, deliveries.c.status,
      deliveries.c.user_id)

# Every reminder sent, under a key that names what it is about; the unique key is the claim
# that keeps two runs (or two processes) from sending the same reminder.
reminders = Table(
    "reminders",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("sent_at", UTCDateTime(), nullable=False),
)

# Messages already taken, for channels whose updates carry no increasing id and may come again
# (Zalo): the step that handles one inserts its id in the same transaction, so a redelivery,
# even to another process, finds it and is dropped. Rows older than a few days are purged.
received = Table(
    "received",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("received_at", UTCDateTime(), nullable=False),
)
Index("ix_received_at", received.c.received_at)

# Secrets the bot makes for itself and every process shares (the key that signs upload and file
# links, webhook secrets derived from it): made once, by whichever process needs one first.
secrets = Table(
    "secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)

# Credentials a channel renews (Zalo OA's access token and its single-use refresh token): one row
# per channel, rewritten under its version so that only one process's refresh counts.
channel_tokens = Table(
    "channel_tokens",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("access_token", Text(), nullable=False),
    Column("refresh_token", Text(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=True),
    Column("version", Integer(), nullable=False, default=0),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# One-time codes that link a person's chat on another channel to this one (Settings); only the
# code's hash is kept, for a few minutes.
link_codes = Table(
    "link_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Leases: what one process at a time may do (long polling a bot token), held until `expires_at`
# and renewed by the live holder; a dead holder's lease runs out and another process takes it.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# A rate shared by every process: the next moment (seconds since the epoch) at which the next
# message of `name` (a channel's broadcasts) may go. Each process reserves a short window of it.
pacing = Table(
    "pacing",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("next_at", Float, nullable=False),
)

# Flood control where several processes share the database: each sender's token bucket
# (`key` is "channel:chat"), written by one statement per message (storage.fastpath). A row idle
# for a day is dropped (bot.services.reminders.Jobs.housekeeping).
flood = Table(
    "flood",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("at", Float, nullable=False),
    Column("refused", Boolean, nullable=False),
)

# What an officer asked for that takes longer than a step (statistics, the yearly report): the
# step writes it, a worker process of whichever bot process claims it builds it (bot/tasks.py),
# and the result goes out through the outbox. A row lives until its result is queued.
tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("params", JSON, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("lang", String(8), nullable=True),
    Column("status", String(16), nullable=False),  # pending, running
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_at", UTCDateTime(), nullable=True),
    Column("progress", String(200), nullable=True),  # the stage last reached (a msgid)
    Column("created_at", UTCDateTime(), nullable=False),
)
Index("ix_tasks_status", tasks.c.status, tasks.c.id)

# The officers' searches by an author's name or phone, and their exports: the audit trail of who
# looked for whom (`sangkien audit --officer ID`); kept SEARCHES_KEPT (storage/search.py).
searches = Table(
    "searches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("officer_id", Integer, ForeignKey("officers.id", ondelete="SET NULL"), nullable=True),
    Column("actor_name", String(200), nullable=True),  # the officer's name at the time
    Column("at", UTCDateTime(), nullable=False),
    Column("kind", String(16), nullable=False),  # name, phone, export
    Column("query", Text, nullable=False),  # what the officer typed
    Column("results", Integer, nullable=False),
)
Index("ix_searches_officer", searches.c.officer_id, searches.c.at)
Index("ix_searches_at", searches.c.at)

# --- The selection council (issue 14): councils of a unit, their members, rounds of scoring ---
# A council belongs to a unit (the district); a member is an officer (usually a council_member)
# and may sit on several councils.
councils = Table(
    "councils",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

council_members = Table(
    "council_members",
    metadata,
    Column("council_id", Integer, ForeignKey("councils.id", ondelete="CASCADE"),
           primary_key=True),
    Column("officer_id", Integer, ForeignKey("officers.id", ondelete="CASCADE"),
           primary_key=True),
    Column("chair", Boolean, nullable=False, default=False),
    Column("added_at", UTCDateTime(), nullable=False),
)

# One round of scoring (a year "2026" or a campaign's slug): the rubric and rules are copied at
# opening, so a later edit of data/rubric.toml does not change an open round.
council_rounds = Table(
    "council_rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("council_id", Integer, ForeignKey("councils.id", ondelete="CASCADE"),
           nullable=False),
    Column("label", String(80), nullable=False),
    Column("rubric", JSON, nullable=False),
    Column("rubric_source", String(300), nullable=False, default=""),
    Column("rules", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # open, closed
    Column("closes_on", Date, nullable=True),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("closed_by", String(200), nullable=True),  # who closed it (a name, or "system")
)
Index("ix_council_rounds_status", council_rounds.c.status)

round_dossiers = Table(
    "round_dossiers",
    metadata,
    Column("round_id", Integer, ForeignKey("council_rounds.id", ondelete="CASCADE"),
           primary_key=True),
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
)

council_recusals = Table(
    "council_recusals",
    metadata,
    Column("round_id", Integer, ForeignKey("council_rounds.id", ondelete="CASCADE"),
           primary_key=True),
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("officer_id", Integer, ForeignKey("officers.id", ondelete="CASCADE"),
           primary_key=True),
    Column("kind", String(16), nullable=False),  # bot.council_model.CONFLICT_KINDS
    Column("automatic", Boolean, nullable=False, default=False),
    Column("note", Text, nullable=True),
    Column("at", UTCDateTime(), nullable=False),
)

council_scores = Table(
    "council_scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", Integer, ForeignKey("council_rounds.id", ondelete="CASCADE"),
           nullable=False),
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), nullable=False),
    Column("officer_id", Integer, ForeignKey("officers.id", ondelete="CASCADE"),
           nullable=False),
    Column("criterion", String(40), nullable=False),
    Column("points", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("round_id", "entry_id", "officer_id", "criterion",
                     name="uq_council_scores"),
)

council_comments = Table(
    "council_comments",
    metadata,
    Column("round_id", Integer, ForeignKey("council_rounds.id", ondelete="CASCADE"),
           primary_key=True),
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("officer_id", Integer, ForeignKey("officers.id", ondelete="CASCADE"),
           primary_key=True),
    Column("comment", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Every score and change, and every opening, recusal and closing: who, when, what, old → new.
council_audit = Table(
    "council_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", Integer, ForeignKey("council_rounds.id", ondelete="CASCADE"),
           nullable=False),
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="SET NULL"), nullable=True),
    Column("officer_id", Integer, ForeignKey("officers.id", ondelete="SET NULL"), nullable=True),
    Column("actor_name", String(200), nullable=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("action", String(16), nullable=False),  # open, score, comment, recuse, close
    Column("criterion", String(40), nullable=True),
    Column("old", Text, nullable=True),
    Column("new", Text, nullable=True),
)
Index("ix_council_audit_officer", council_audit.c.officer_id, council_audit.c.at)
