"""The broadcast worker's ledger write (one `deliveries` row marked after each send), done as the
product does it and in cheaper ways, without sending anything: what each way costs per message.
Used by bench.tools.profile_broadcast; nothing here changes the product."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import bindparam, case, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import broadcasts as broadcast_repo
from storage.db import is_sqlite
from storage.tables import deliveries

BATCH = 100  # rows per connection or transaction in the batched variants

MARK = (
    update(deliveries)
    .where(deliveries.c.broadcast_id == bindparam("b"), deliveries.c.user_id == bindparam("u"))
    .values(status=bindparam("s"), attempts=deliveries.c.attempts + 1,
            updated_at=bindparam("t"))
)


async def _pending(engine: AsyncEngine) -> list[tuple[int, int]]:
    async with engine.begin() as conn:
        await conn.execute(update(deliveries).values(status="pending", attempts=0))
        rows = await conn.execute(select(deliveries.c.broadcast_id, deliveries.c.user_id)
                                  .order_by(deliveries.c.user_id))
        return [(b, u) for b, u in rows]


def _batches(rows: list[tuple[int, int]]):
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


async def as_today(engine: AsyncEngine, rows) -> None:
    for b, u in rows:
        async with engine.begin() as conn:
            await broadcast_repo.mark(conn, b, u, "sent", datetime.now(UTC))


async def one_connection(engine: AsyncEngine, rows) -> None:
    for batch in _batches(rows):
        async with engine.connect() as conn:
            for b, u in batch:
                async with conn.begin():
                    await conn.execute(MARK, {"b": b, "u": u, "s": "sent",
                                              "t": datetime.now(UTC)})


async def ledger(engine: AsyncEngine, rows) -> None:
    """What the product does (storage.broadcasts.Ledger): a prepared statement in autocommit on
    a connection of its own (PostgreSQL: with synchronous_commit off)."""
    async with broadcast_repo.Ledger(engine) as book:
        for b, u in rows:
            await book.record(b, u, "sent", datetime.now(UTC))


async def per_batch(engine: AsyncEngine, rows) -> None:
    for batch in _batches(rows):
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            await conn.execute(MARK, [{"b": b, "u": u, "s": "sent", "t": now} for b, u in batch])


async def async_commit(engine: AsyncEngine, rows) -> None:
    """PostgreSQL: as before, with `SET LOCAL synchronous_commit = off` (a commit survives the
    bot's crash; a crash of the server or the machine may lose its last few hundred ms)."""
    for b, u in rows:
        async with engine.begin() as conn:
            await conn.execute(text("SET LOCAL synchronous_commit = off"))
            await broadcast_repo.mark(conn, b, u, "sent", datetime.now(UTC))


VARIANTS = [
    ("before: engine.begin() + repo.mark per message", as_today, True),
    ("the product: storage.broadcasts.Ledger (prepared, autocommit, own connection)", ledger,
     True),
    (f"one connection per {BATCH}, a transaction per message, prebuilt UPDATE",
     one_connection, True),
    (f"one transaction per {BATCH} (executemany): up to {BATCH} resent after a crash",
     per_batch, True),
    ("before + SET LOCAL synchronous_commit = off", async_commit, False),
]


async def measure(engine: AsyncEngine, url: str) -> list[tuple[str, float]]:
    """(label, µs per message) for each variant that applies to this database."""
    out = []
    for label, variant, on_sqlite in VARIANTS:
        if is_sqlite(url) and not on_sqlite:
            continue
        rows = await _pending(engine)
        t0 = time.perf_counter()
        await variant(engine, rows)
        out.append((label, (time.perf_counter() - t0) / len(rows) * 1e6))
    return out


async def batch_queries(engine: AsyncEngine, repeat: int = 20) -> dict[str, float]:
    """ms of the two queries the worker runs per batch of 100 (next_pending, and counts for
    its progress report), half-way through the ledger: both read past the rows already sent."""
    async with engine.begin() as conn:
        ids = (await conn.execute(select(deliveries.c.user_id)
                                  .order_by(deliveries.c.user_id))).scalars().all()
        broadcast_id = (await conn.execute(select(deliveries.c.broadcast_id).limit(1))).scalar()
        middle = ids[len(ids) // 2]
        await conn.execute(update(deliveries).values(status=case(
            (deliveries.c.user_id < middle, "sent"), else_="pending")))
    out = {}
    async with engine.connect() as conn:
        for name, call in (("next_pending", lambda: broadcast_repo.next_pending(
                conn, broadcast_id, BATCH)), ("counts", lambda: broadcast_repo.counts(
                conn, broadcast_id))):
            t0 = time.perf_counter()
            for _ in range(repeat):
                await call()
            out[name] = (time.perf_counter() - t0) / repeat * 1000
    return {"rows": len(ids), **out}
