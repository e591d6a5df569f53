"""Migrations keep what is already stored, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from storage.db import create_engine, current_revision, downgrade, migrate


async def test_upgrading_an_old_database_keeps_authors_and_entries(db_url):
    engine = create_engine(db_url)
    await migrate(engine, "0001")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO users (channel, external_id, lang, subscribed, state, data, "
                 "last_update_id, updated_at) VALUES ('console', '42', 'vi', false, 'menu', "
                 "'{}', 0, :now)"), {"now": now})
        await conn.execute(
            text("INSERT INTO entries (code, kind, user_id, unit, title, description, details, "
                 "show_name, status, lang, created_at, updated_at) VALUES ('SK-26-00001-P', "
                 "'idea', 1, 'ben-nghe', 'Cũ', 'Mô tả', '{}', false, 'submitted', 'vi', :now, "
                 ":now)"), {"now": now})
    await migrate(engine)
    async with engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT e.user_id, u.role, u.interests FROM entries e JOIN users u ON u.id = e.user_id"
        ))).one()
        assert row[0] == 1 and row[1] == "resident"
        assert await current_revision(conn) is not None
    await engine.dispose()


async def test_downgrade_to_nothing_and_up_again(db_url):
    engine = create_engine(db_url)
    await migrate(engine)
    await downgrade(engine, "base")
    async with engine.connect() as conn:
        assert await current_revision(conn) is None
    await migrate(engine)
    await engine.dispose()
