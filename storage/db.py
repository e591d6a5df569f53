"""Engine creation and migrations for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import time
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# SQLite's `synchronous` levels the bot takes (what each survives: see sqlite_pragmas).
SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")
DEFAULT_SQLITE_SYNCHRONOUS = "FULL"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+asyncpg")
    elif u.drivername == "sqlite":
        u = u.set(drivername="sqlite+aiosqlite")
    return u.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, synchronous: str = DEFAULT_SQLITE_SYNCHRONOUS) -> AsyncEngine:
    """The engine of `url`; on SQLite its connections commit with `synchronous` (FULL or
    NORMAL, see SQLITE_SYNCHRONOUS below)."""
    url = normalise_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Every use is an explicit transaction (committed or rolled back), so the pool's own
        # rollback when a connection comes back is one thread hop for nothing.
        engine = create_async_engine(url, connect_args={"timeout": 30},
                                     pool_reset_on_return=None)
        event.listen(engine.sync_engine, "connect", _pragmas_listener(synchronous))
        return engine
    # A connection that died with the server (an outage, a restart) is replaced before a step
    # uses it, instead of failing that step: `_checked_out` below, which costs no round trip
    # where SQLAlchemy's pool_pre_ping costs three (BEGIN, a ping, ROLLBACK) on every checkout.
    # The pool's rollback on return stays: asyncpg's costs nothing when no transaction is open.
    engine = create_async_engine(url, pool_size=5, max_overflow=5)
    event.listen(engine.sync_engine.pool, "checkout", _checked_out)
    event.listen(engine.sync_engine.pool, "checkin", _checked_in)
    return engine


# A connection idle in the pool longer than this is pinged before use (a network that drops
# idle connections without a word); one used more recently is only checked for having been
# closed by the server, which asyncpg learns without asking (its socket was closed).
PING_IDLE_SECONDS = 30.0


def _checked_in(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["returned"] = time.monotonic()


def _checked_out(dbapi_connection, record, _proxy) -> None:
    """Replace a pooled PostgreSQL connection the server closed (an outage, a restart): raising
    DisconnectionError makes the pool discard it and connect again (up to three times)."""
    driver = getattr(dbapi_connection, "_connection", None)
    if driver is not None and driver.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")
    returned = record.info.get("returned")
    if returned is not None and time.monotonic() - returned > PING_IDLE_SECONDS:
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise exc.DisconnectionError(f"a pooled connection did not answer: {error}") \
                from error


# WAL lets readers work while a step commits; secure_delete overwrites erased personal data.
# No connection checkpoints the WAL on commit (a step would pay for it): the step writer does it
# in the background (storage.fastpath), and SQLite does it when the last connection closes.
#
# `synchronous` is what a commit survives (Settings.sqlite_synchronous, given to create_engine
# and to the step writer): in WAL mode, FULL syncs the WAL at every commit, so a commit survives
# a crash of the process, of the operating system and a power loss; NORMAL syncs only at
# checkpoints, so a commit survives a crash of the process, but a power loss or an OS crash may
# lose the last commits (never corrupts the database). Whatever the setting, the step writer
# stores a plain step's answer with NORMAL (storage.fastpath says why).


def sqlite_pragmas(synchronous: str = DEFAULT_SQLITE_SYNCHRONOUS) -> tuple[str, ...]:
    """The pragmas every SQLite connection runs, with `synchronous` FULL or NORMAL."""
    level = synchronous.upper()
    if level not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}, "
                         f"got {synchronous!r}")
    return (
        "journal_mode=WAL",
        f"synchronous={level}",
        "foreign_keys=ON",
        "busy_timeout=30000",
        "secure_delete=ON",
        "wal_autocheckpoint=0",
    )


def _pragmas_listener(synchronous: str):
    pragmas = sqlite_pragmas(synchronous)

    def set_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
    return set_pragmas


def _alembic_config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


# The key of the advisory lock under which PostgreSQL migrations run ("SANGKIEN" in ASCII).
MIGRATION_LOCK = 0x53414E474B49454E


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used at all (missing, read-only, unreachable): one sentence."""


def unreachable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or used at all (the server is
    down, restarting or refusing connections, the connection broke, the pool has none left),
    rather than that one statement was wrong: the step can be taken again later as it was."""
    for cause in _causes(error):
        # Connection-class only: a full disk, a missing table or a read-only file is no outage
        # (the step would fail the same way again, and a platform would redeliver it forever).
        if isinstance(cause, ConnectionError | TimeoutError | exc.TimeoutError
                      | asyncpg.InterfaceError | asyncpg.InternalClientError):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        # PostgreSQL's classes: 08 connection exception, 53 insufficient resources, 57
        # operator intervention (shutdown, terminated session).
        if str(getattr(cause, "sqlstate", "") or "")[:2] in ("08", "53", "57"):
            return True
        if any(words in str(cause) for words in ("not currently accepting connections",
                                                  "database is locked")):
            return True
    return False


def _causes(error: BaseException):
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__


def _why(error: BaseException) -> str:
    text_ = str(getattr(error, "orig", None) or error).lower()
    if "readonly" in text_ or "read-only" in text_ or "read only" in text_:
        return "the database is read-only: check the permissions of the file and its folder"
    if "does not exist" in text_ and "database" in text_:
        return "the database does not exist on the server: create it (createdb) or fix the URL"
    if "unable to open database" in text_:
        return "the database file cannot be opened: its folder is missing or not writable"
    if isinstance(error, OSError) or "connect" in text_ or "refused" in text_:
        return "cannot connect to the database server: is it running, and is the URL right?"
    return f"the database refused to start: {str(error).splitlines()[0][:200]}"


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (see `_migrate`); DatabaseUnavailable, with a sentence for
    the operator, when the database cannot be used at all."""
    try:
        await _migrate(engine, revision)
        # A database already up to date takes no write to migrate: try one (rolled back), so
        # that a read-only one is refused now rather than at a resident's first message.
        async with engine.connect() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            await conn.rollback()
    except (DBAPIError, OSError) as error:
        raise DatabaseUnavailable(_why(error)) from error


async def _migrate(engine: AsyncEngine, revision: str) -> None:
    """Bring the schema to `revision`, the newest by default (idempotent). On PostgreSQL it runs
    under a transaction-scoped advisory lock, so that processes starting at once on an empty
    database wait for the first one's migrations instead of racing it (DDL is transactional
    there: the others then find the schema done). SQLite serialises writers by itself."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK})
        await conn.run_sync(
            lambda sync_conn: command.upgrade(_alembic_config(sync_conn), revision)
        )


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync_conn: command.downgrade(_alembic_config(sync_conn), revision)
        )


async def current_revision(conn: AsyncConnection) -> str | None:
    return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


class LazyTransaction:
    """A transaction that begins at its first statement, so a step that needs no SQL beyond
    its own row opens none. It offers what the repository functions use of a connection."""

    def __init__(self, engine: AsyncEngine, on_open=None):
        self.engine = engine
        self.on_open = on_open  # awaited with the connection when the transaction begins
        self._begin = None
        self._conn: AsyncConnection | None = None

    @property
    def dialect(self):
        return self.engine.dialect

    @property
    def opened(self) -> bool:
        return self._conn is not None

    async def _open(self) -> AsyncConnection:
        if self._conn is None:
            self._begin = self.engine.begin()
            self._conn = await self._begin.__aenter__()
            if self.on_open is not None:
                await self.on_open(self._conn)
        return self._conn

    async def execute(self, *args, **kwargs):
        return await (await self._open()).execute(*args, **kwargs)

    async def stream(self, *args, **kwargs):
        return await (await self._open()).stream(*args, **kwargs)

    async def commit(self) -> None:
        if self._begin is not None:
            begin, self._begin, self._conn = self._begin, None, None
            await begin.__aexit__(None, None, None)

    async def rollback(self) -> None:
        if self._begin is not None:
            begin, self._begin, self._conn = self._begin, None, None
            error = RuntimeError("rolled back")
            await begin.__aexit__(RuntimeError, error, None)
