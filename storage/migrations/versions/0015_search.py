"""The officers' search (issue 13): `entries.search_text`, the folded title, description and
contact name that words are matched on in SQL (storage/search.py), filled here for the entries
already stored, 1,000 at a time; an index on `entries.contact_phone` for the search by phone;
on PostgreSQL with pg_trgm a trigram index on `search_text`; and `searches`, the audit trail
of searches by an author's name or phone and of exports.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from storage.search import search_key

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 1000
TRIGRAMS = "ix_entries_search_trgm"


def upgrade() -> None:
    op.add_column("entries", sa.Column("search_text", sa.Text(), nullable=True))
    _fill_search_text()
    op.create_index("ix_entries_contact_phone", "entries", ["contact_phone"])
    _trigram_index()
    op.create_table(
        "searches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("officer_id", sa.Integer(),
                  sa.ForeignKey("officers.id", name="fk_searches_officer", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
    )
    op.create_index("ix_searches_officer", "searches", ["officer_id", "at"])
    op.create_index("ix_searches_at", "searches", ["at"])


def _fill_search_text() -> None:
    bind = op.get_bind()
    entries = sa.table("entries", sa.column("id", sa.Integer), sa.column("title", sa.String),
                       sa.column("description", sa.Text), sa.column("contact_name", sa.String),
                       sa.column("search_text", sa.Text))
    change = (sa.update(entries).where(entries.c.id == sa.bindparam("key"))
              .values(search_text=sa.bindparam("text")))
    last = 0
    while True:
        batch = bind.execute(
            sa.select(entries.c.id, entries.c.title, entries.c.description,
                      entries.c.contact_name)
            .where(entries.c.id > last).order_by(entries.c.id).limit(BATCH)).all()
        if not batch:
            return
        bind.execute(change, [{"key": r.id, "text": search_key(r.title, r.description,
                                                              r.contact_name)} for r in batch])
        last = batch[-1].id


def _trigram_index() -> None:
    """PostgreSQL with pg_trgm (a contrib extension, trusted since PostgreSQL 13: a database
    owner may create it): a trigram index that LIKE uses, so that a search reads the entries
    holding the words rather than every entry of the scope. Without the extension, or without
    the right to create it, the search scans its scope as on SQLite."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or bind.execute(sa.text(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first() is None:
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            bind.execute(sa.text(f"CREATE INDEX {TRIGRAMS} ON entries "
                                 "USING gin (search_text gin_trgm_ops)"))
    except sa.exc.DBAPIError:  # not allowed to create the extension: go without the index
        pass


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {TRIGRAMS}")
    op.drop_index("ix_searches_at", "searches")
    op.drop_index("ix_searches_officer", "searches")
    op.drop_table("searches")
    op.drop_index("ix_entries_contact_phone", "entries")
    op.drop_column("entries", "search_text")
