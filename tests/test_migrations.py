"""Migrations keep what is already stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import _alembic_config, create_engine, current_revision, downgrade, migrate
from tests.conftest import PG_URL, ROOT, reset_postgres


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


@pytest.mark.skipif(PG_URL is None, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_three_processes_migrating_an_empty_postgresql_database_at_once_all_come_up():
    await reset_postgres(PG_URL)
    env = {**os.environ, "SANGKIEN_DATABASE_URL": PG_URL}
    runs = [subprocess.Popen([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    engine = create_engine(PG_URL)
    async with engine.connect() as conn:
        assert await current_revision(conn) == (await _head())
    await engine.dispose()


async def _head() -> str:
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
