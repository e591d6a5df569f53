"""Databases for the benchmarks: a temporary SQLite file, or a PostgreSQL database of its own
(never `test`), created if missing and emptied before use."""

from __future__ import annotations

import os
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import text

from bench import ROOT
from bench.harness.core import Options, Section
from bot.config import Settings
from bot.i18n import compile_catalogs
from storage.db import DEFAULT_SQLITE_SYNCHRONOUS, create_engine, migrate

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
# The step part drops and recreates its schema at every run: a name of its own, never one a
# person would give a database they keep.
PG_STEP_DB = "sangkien_bench_step"
PG_SCALE_DB = "bench_scale"  # the scale part keeps its million entries between runs
# The processes part empties it at each of its clusters (BENCH_PROCESSES_DB names another).
PG_PROCESSES_DB = os.environ.get("BENCH_PROCESSES_DB", "bench_processes")
_FORBIDDEN = {"test", "postgres", "template0", "template1"}

_catalogs_ready = False


def prepare_catalogs() -> None:
    """The .mo files are built at start-up in the product; do it once for the benchmarks."""
    global _catalogs_ready
    if not _catalogs_ready:
        compile_catalogs(ROOT / "locales")
        _catalogs_ready = True


def settings_for(url: str, synchronous: str = DEFAULT_SQLITE_SYNCHRONOUS) -> Settings:
    # As tests/conftest.py does, with flood control far out of the way of scripted residents.
    return Settings(database_url=url, flood_burst=10_000_000, sqlite_synchronous=synchronous)


def pg_url(database: str) -> str:
    return f"{PG_SERVER}/{database}"


async def pg_available() -> bool:
    try:
        conn = await asyncpg.connect(pg_url("postgres"), timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def databases(opts: Options, section: Section, missing: str = "rows") -> list[str]:
    """SQLite, and PostgreSQL on a full run when it answers (a note in `section` when not):
    --quick needs no database server."""
    if opts.quick:
        return ["sqlite"]
    if await pg_available():
        return ["sqlite", "postgresql"]
    section.notes.append(f"PostgreSQL was not reachable: its {missing} are missing.")
    return ["sqlite"]


async def ensure_pg_database(database: str) -> None:
    if database in _FORBIDDEN:
        raise ValueError(f"the benchmarks never use database {database!r}")
    conn = await asyncpg.connect(pg_url("postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


async def reset_pg(database: str) -> str:
    """Create the database if missing, drop and recreate its schema public; return its URL."""
    await ensure_pg_database(database)
    url = pg_url(database)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return url


@asynccontextmanager
async def fresh_database(backend: str, synchronous: str = DEFAULT_SQLITE_SYNCHRONOUS):
    """An empty, migrated database of the given backend (SQLite's commits with `synchronous`):
    yields (url, engine)."""
    with tempfile.TemporaryDirectory(prefix="sangkien-bench-") as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            url = await reset_pg(PG_STEP_DB)
        engine = create_engine(url, synchronous)
        try:
            await migrate(engine)
            yield url, engine
        finally:
            await engine.dispose()

