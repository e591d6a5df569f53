"""The hot path of a resident's step: one guarded UPDATE of the users row on a long-lived
connection in autocommit mode, compiled once from the Core table.

`python -m bench.tools.profile_step` measures what each way of reaching SQLite costs here: a
pooled SQLAlchemy transaction with a read and a write is about 1 ms; one statement on a
long-lived driver connection is a fraction of that. A plain step (an answer stored in the draft)
needs nothing else, so it takes this path; a step that reads or writes anything more goes
through SQLAlchemy in one transaction.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import JSON, bindparam, literal_column, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from storage.db import sqlite_pragmas
from storage.tables import users

CHECKPOINT_SECONDS = 2.0

# Columns a step may write on its own row; everything else goes through SQLAlchemy.
WRITABLE = frozenset({"state", "data", "updated_at", "lang", "consent_version", "consented_at",
                      "subscribed", "interests", "blocked_at", "role"})


# The bucket refilled at `rate` up to `burst` since it was last used, less this message unless
# that would put it more than `max_held` messages in debt (then the message is refused).
FLOOD_SQL = """
INSERT INTO flood AS f (key, tokens, at, refused)
VALUES ($1::text, $2::float8 - 1, $5::float8, false)
ON CONFLICT (key) DO UPDATE SET
    refused = LEAST($2::float8, f.tokens + ($5::float8 - f.at) * $3::float8) - 1 < -$4::float8,
    tokens = LEAST($2::float8, f.tokens + ($5::float8 - f.at) * $3::float8)
             - CASE WHEN LEAST($2::float8, f.tokens + ($5::float8 - f.at) * $3::float8) - 1
                         < -$4::float8 THEN 0 ELSE 1 END,
    at = $5::float8
RETURNING tokens, refused
"""


def _statement(dialect, columns: tuple[str, ...], guard_update: bool):
    stmt = update(users).where(
        users.c.id == bindparam("uid"), users.c.version == bindparam("ver")
    )
    values: dict[str, Any] = {name: bindparam(name) for name in columns}
    if guard_update:
        stmt = stmt.where(users.c.last_update_id < bindparam("upd"))
        values["last_update_id"] = bindparam("upd")
    bump = users.c.version + literal_column("1")
    compiled = stmt.values(**values, version=bump).compile(dialect=dialect)
    return str(compiled), list(compiled.positiontup)


class SessionWriter:
    """Writes a step's state, draft and time; False when a guard fails (stale or duplicate).

    SQLite: the UPDATE is tried first on the event loop's own thread, on a connection that never
    waits for a lock (busy_timeout=0): about 20 µs, against a thread hop's hundreds. When the
    database is busy (another connection is writing) it is handed, unchanged, to the writer's
    thread, whose connection waits for the lock as every other one does: the loop never waits.
    An autocommit UPDATE refused as busy did nothing, so taking it again there is safe, and the
    guards (version, update id) still decide. WAL lets one writer at a time, whichever of the two
    connections it is. Checkpoints have a connection and a thread of their own (see
    _checkpoints).

    Its connections commit with synchronous=NORMAL whatever the database's setting: what it
    writes is a plain step (a draft's answer, the conversation's state), which a power loss may
    undo only since the WAL was last synced, by the next checkpoint (CHECKPOINT_SECONDS) or by
    any FULL commit of the engine's (a confirmation, a review: in WAL mode its sync covers every
    frame before it). The resident is then asked that question again; nothing confirmed is
    lost. An fsync per plain step would be the loop's to wait for (or a thread hop)."""

    PRAGMAS = sqlite_pragmas("NORMAL")

    def __init__(self, url: str):
        u = make_url(url)
        self.sqlite = u.get_backend_name() == "sqlite"
        self.url = u
        dialect = (sqlite.dialect() if self.sqlite
                   else postgresql.dialect(paramstyle="numeric_dollar"))
        self._dialect = dialect
        self._sql: dict[tuple, tuple[str, list[str]]] = {}
        self._loop_conn: sqlite3.Connection | None = None
        self._conn: sqlite3.Connection | None = None
        self._checkpoint_conn: sqlite3.Connection | None = None
        self._pool = None
        self._checkpointer: asyncio.Task | None = None
        # One thread owns the waiting connection, so its writes are serialised without a lock;
        # another owns the checkpointing one.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sangkien-steps")
        self._checkpoint_thread = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="sangkien-checkpoint")
        self.handed_over = 0  # saves the loop gave to the writer's thread (database busy)

    def _connect(self, *, wait: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(self.url.database, isolation_level=None, timeout=30 if wait else 0,
                               check_same_thread=False)
        for pragma in self.PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        if not wait:
            conn.execute("PRAGMA busy_timeout=0")
        return conn

    def _loop_save(self, sql: str, params: list[Any]) -> bool | None:
        """On the event loop: the write, or None when the database is busy (nothing done)."""
        try:
            if self._loop_conn is None:
                self._loop_conn = self._connect(wait=False)
            return self._loop_conn.execute(sql, params).rowcount == 1
        except sqlite3.OperationalError as error:
            if _busy(error):
                return None
            raise

    def _sqlite_save(self, sql: str, params: list[Any]) -> bool:
        """Runs on the writer's own thread, waiting for the lock if need be: never on the
        event loop, which a busy database would otherwise stall."""
        if self._conn is None:
            self._conn = self._connect(wait=True)
        return self._conn.execute(sql, params).rowcount == 1

    def _sqlite_checkpoint(self) -> None:
        if self._checkpoint_conn is None:
            self._checkpoint_conn = self._connect(wait=False)
        self._checkpoint_conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def _checkpoints(self) -> None:
        """Copy the WAL back into the database every few seconds, on a connection and a thread
        of their own: never inside a step, never on the event loop, and never in the way of
        the writer's thread (a checkpoint may take 50–200 ms). PASSIVE takes no writer's lock,
        so steps keep committing meanwhile."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            try:
                await loop.run_in_executor(self._checkpoint_thread, self._sqlite_checkpoint)
            except sqlite3.Error:
                pass  # busy now; the next round will do it

    async def _pg(self):
        if self._pool is None:
            self._pool = await asyncpg.create_pool(
                self.url.set(drivername="postgresql").render_as_string(hide_password=False),
                min_size=1, max_size=4)
        return self._pool

    async def flood(self, key: str, burst: int, rate: float, max_held: int,
                    now: float) -> tuple[float, bool]:
        """PostgreSQL: take one message from sender `key`'s token bucket, shared by every
        process (bot.flood.SharedFloodGate), in one statement. Returns the bucket's tokens after
        it (below zero: the message waits its turn) and whether it was refused instead."""
        pool = await self._pg()
        row = await pool.fetchrow(FLOOD_SQL, key, float(burst), float(rate), float(max_held),
                                  now)
        return row["tokens"], row["refused"]

    def accepts(self, values: dict[str, Any]) -> bool:
        return values.keys() <= WRITABLE

    def _convert(self, name: str, value: Any) -> Any:
        """What SQLAlchemy's column types would have done to the value."""
        if value is None or name in ("uid", "ver", "upd"):
            return value
        kind = users.c[name].type
        if isinstance(kind, JSON):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, datetime):
            when = value.astimezone(UTC)
            # SQLAlchemy's SQLite format is naive UTC text; asyncpg takes the aware value.
            return when.replace(tzinfo=None).isoformat(" ") if self.sqlite else when
        if isinstance(value, bool) and self.sqlite:
            return int(value)
        return value

    def _params(self, names: list[str], values: dict[str, Any]) -> list[Any]:
        return [self._convert(name, values[name]) for name in names]

    async def save(self, user_id: int, version: int, values: dict[str, Any],
                   update_id: int | None) -> bool:
        shape = (tuple(sorted(values)), update_id is not None)
        if shape not in self._sql:
            self._sql[shape] = _statement(self._dialect, *shape)
        sql, names = self._sql[shape]
        params = self._params(names, {**values, "uid": user_id, "ver": version,
                                      "upd": update_id})
        if self.sqlite:
            loop = asyncio.get_running_loop()
            if self._checkpointer is None:
                self._checkpointer = loop.create_task(self._checkpoints())
            saved = self._loop_save(sql, params)
            if saved is not None:
                return saved
            self.handed_over += 1
            return await loop.run_in_executor(self._thread, self._sqlite_save, sql, params)
        status = await (await self._pg()).execute(sql, *params)
        return status.endswith(" 1")

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            self._checkpointer = None
        loop = asyncio.get_running_loop()
        if self._loop_conn is not None:
            conn, self._loop_conn = self._loop_conn, None
            conn.close()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await loop.run_in_executor(self._thread, conn.close)
        if self._checkpoint_conn is not None:
            conn, self._checkpoint_conn = self._checkpoint_conn, None
            await loop.run_in_executor(self._checkpoint_thread, conn.close)
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


def _busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY (any extended code): another connection holds the lock."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return "database is locked" in str(error)
