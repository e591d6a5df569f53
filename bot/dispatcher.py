"""The dispatcher: one incoming event in, its replies out, the conversation committed between.

A step is one transaction: read the sender's row, run the handler, write the row back with a guard
on the update id (so a redelivered update is processed once), commit, and only then send.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import sys
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import JSON
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.base import DOCUMENTS_BY_LINK
from bot.config import Settings
from bot.context import Context
from bot.flood import UNLIMITED_CHANNELS, FloodGate, SharedFloodGate
from bot.i18n import N_, Translator
from bot.links import Links
from bot.model import Event, Reply
from bot.reference import Reference
from bot.services.campaigns import CampaignCache
from bot.services.outbox import row as outbox_row
from bot.text import clean, fold, shorten
from handlers import route
from storage import channels as channel_repo
from storage import outbox
from storage import users as user_repo
from storage.db import LazyTransaction, is_sqlite, normalise_url, unreachable
from storage.fastpath import SessionWriter
from storage.tables import users

log = logging.getLogger(__name__)

FLOOD_WARNING = N_(
    "You are sending messages very quickly. I will answer each of them in turn in a moment; "
    "nothing you sent is lost."
)
FLOOD_REFUSED = N_(
    "You are sending messages too quickly: this message was NOT received. Please wait a "
    "minute, then send it again."
)
INTERNAL_ERROR = N_(
    "Sorry, something went wrong on our side. Your answers so far are kept; "
    "please send your message again in a moment."
)


LATE_UPDATE = N_(
    "Your message “{text}” reached me after a later one, so I did not take it, to keep your "
    "answers in order. If it is still needed, please send it again."
)
SEEN_UPDATES = 32


OUTAGE_RETRY_SECONDS = 5.0  # a held message waits this long when the database is away
DATABASE_AWAY = N_(
    "The bot cannot reach its records for a moment, so this message was NOT taken. Your "
    "answers so far are kept; please send it again in a few minutes."
)


class _AlreadyProcessed(Exception):
    pass


class _Stale(Exception):
    """Another process wrote the sender's row since this one cached it: the step starts again
    on the fresh row."""


class Unprocessed(Exception):
    """The step could not be taken because the database was out of reach; nothing of it was
    kept, and it can be taken again as it was (a platform that redelivers is told so)."""


class SessionCache:
    """A bounded map of users rows (least recently used out first), kept compact.

    100,000 conversations in progress stay cached, so how a row is kept is most of the bot's
    memory and of what a full GC pass walks. Each row is one tuple of its values (the column
    names shared by every row of that shape), with its JSON columns (the draft's answers, the
    options offered, the interests) as UTF-8 JSON bytes and its words of few values (channel,
    state, role…) interned; the shape is named by its number, so the tuple holds no container
    and the collector stops tracking it (a full GC pass does not walk the cache's rows).
    `get` decodes the row into a dict of its own every time, so nothing the caller changes in
    it reaches the cache: only `put` does (python -m bench.tools.step_write measures it)."""

    def __init__(self, size: int = 100_000):
        self.size = size
        self._rows: OrderedDict = OrderedDict()
        self._shapes: dict[tuple, int] = {}
        self._shape_list: list[_Shape] = []

    def get(self, key) -> dict | None:
        kept = self._rows.get(key)
        if kept is None:
            return None
        self._rows.move_to_end(key)
        return self._decoded(kept)

    def value(self, key, name: str):
        """One column of a cached row, or None (the row not cached): the rest not decoded."""
        kept = self._rows.get(key)
        if kept is None:
            return None
        value = kept[self._shape_list[kept[0]].names.index(name) + 1]
        return _decode(value) if type(value) is bytes else value

    def put(self, key, row: dict) -> None:
        names = tuple(row)
        number = self._shapes.get(names)
        if number is None:
            number = self._shapes[names] = len(self._shape_list)
            self._shape_list.append(_Shape(names))
        shape = self._shape_list[number]
        values = [number, *row.values()]
        for at in shape.json:
            value = values[at]
            if value is not None:
                values[at] = (_EMPTY_JSON if type(value) is dict and not value else
                              json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                              .encode())
        for at in shape.words:
            if type(values[at]) is str:
                values[at] = sys.intern(values[at])
        self._rows[key] = tuple(values)
        self._rows.move_to_end(key)
        if len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def pop(self, key, default=None):
        kept = self._rows.pop(key, None)
        return default if kept is None else self._decoded(kept)

    def _decoded(self, kept: tuple) -> dict:
        """A cached row as a dict of its own: its columns' names, its JSON decoded."""
        shape = self._shape_list[kept[0]]
        row = dict(zip(shape.names, kept[1:], strict=True))
        for name in shape.json_names:
            if type(row[name]) is bytes:
                row[name] = _decode(row[name])
        return row


# The users columns kept as JSON bytes, and those of few distinct values (one string object for
# every row that holds the same word).
_JSON_COLUMNS = frozenset(column.name for column in users.c if isinstance(column.type, JSON))
_WORD_COLUMNS = frozenset({"channel", "lang", "consent_version", "role", "state"})
_EMPTY_JSON = b"{}"


class _Shape:
    """The column names of cached rows, and where (1-based, after the shape) their JSON and
    their words are."""

    __slots__ = ("names", "json", "json_names", "words")

    def __init__(self, names: tuple[str, ...]):
        self.names = names
        self.json = tuple(at for at, name in enumerate(names, 1) if name in _JSON_COLUMNS)
        self.json_names = tuple(names[at - 1] for at in self.json)
        self.words = tuple(at for at, name in enumerate(names, 1) if name in _WORD_COLUMNS)


def _decode(value: bytes):
    return {} if value is _EMPTY_JSON else json.loads(value)


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        reference: Reference | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        self.settings = settings
        self.engine = engine
        self.ref = reference or Reference(settings)
        self.clock = clock or (lambda: datetime.now(UTC))
        # Messages that came too fast, per sender, waiting for their turn (see _hold).
        self._held: dict[str, deque] = {}
        self._drains: set[asyncio.Task] = set()
        self.campaigns = CampaignCache(engine, self.ref, settings.campaigns_file)
        self._route = route
        # One lock per sender while someone holds or awaits it; then it goes by itself.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary())
        self._translators: dict[str, Translator] = {}
        # Each sender's row, as last written by this process (checked by a version on write).
        self.sessions = SessionCache()
        self.fast = SessionWriter(normalise_url(settings.database_url))
        # Channels with messages waiting in the outbox, so the runtime delivers right after a
        # step (bot.runtime).
        self.pending_channels: set[str] = set()
        # Set when a step asked for a task (bot/tasks.py): the runtime's task runner looks then.
        self.task_requests = asyncio.Event()
        # Who this process is, for the outbox rows it claims; the channels its runtime sends
        # on (Runtime.add); and the rows of those channels its steps wrote already claimed,
        # which the runtime sends from here right after the step (`take_claimed`).
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.served: set[str] = set()
        self._claimed: dict[str, list[tuple[float, dict]]] = {}
        self._link_key: str | None = None
        # Several processes may share a PostgreSQL database: steps of one sender are serialised
        # there (storage.users.lock_sender). SQLite has one process; its lock is in memory.
        self.serialise = not is_sqlite(settings.database_url)
        # Flood control counts in the database too where several processes share it.
        self.flood = (SharedFloodGate(settings.flood_burst, settings.flood_rate, self.fast.flood)
                      if self.serialise else FloodGate(settings.flood_burst, settings.flood_rate))

    async def links(self) -> Links:
        """Signed links to the bot's pages (bot.links), under the secret every process shares."""
        if self._link_key is None:  # read once; the address is the settings' of the moment
            async with self.engine.begin() as conn:
                self._link_key = await channel_repo.secret(conn, "links")
        return Links(self._link_key, self.settings.public_url)

    def translator(self, lang: str | None) -> Translator:
        """One translator per language, shared by every step (it holds no per-step state)."""
        lang = lang or self.settings.default_lang
        if lang not in self._translators:
            self._translators[lang] = Translator(
                self.settings.locales_dir, lang, self.settings.timezone)
        return self._translators[lang]

    async def handle(self, event: Event) -> list[Reply]:
        key = f"{event.channel}:{event.user}"
        if event.channel not in UNLIMITED_CHANNELS:
            held = self._held.get(key)  # while some wait, later ones queue behind them
            wait = await self.flood.reserve(key)  # an outage here: Runtime.converse says so
            if wait is None:
                return [self._sentence(event, FLOOD_REFUSED)]
            if wait > 0 or held is not None:
                return self._hold(key, event, wait)
        return await self._run(key, event)

    async def _run(self, key: str, event: Event) -> list[Reply]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            try:
                return await self._handle(_normalised(event))
            except _AlreadyProcessed:
                return []
            except Exception as error:
                if unreachable(error):
                    log.warning("the database is out of reach: %s (update %s) not taken: %s",
                                key, event.update_id, error)
                    raise Unprocessed(key) from error
                log.exception("handler failed for %s (update %s)", key, event.update_id)
                return [self._sentence(event, INTERNAL_ERROR)]

    def sentence(self, channel: str, user: str, message: str) -> str:
        """`message` in the language of `user` (from the session cache, else the default): for
        what is said outside a step, with no row read."""
        return self.translator(self.sessions.value((channel, user), "lang"))._(message)

    def _sentence(self, event: Event, message: str) -> Reply:
        return Reply(text=self.sentence(event.channel, event.user, message))

    def _hold(self, key: str, event: Event, wait: float) -> list[Reply]:
        """Keep a message that came too fast: it is handled in its turn, in order, and its
        replies go out through the outbox. The sender is told once per flood."""
        queue = self._held.get(key)
        first = queue is None
        if first:
            queue = self._held[key] = deque()
            task = asyncio.create_task(self._drain(key, queue))
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        queue.append((time.monotonic() + wait, event))
        return [self._sentence(event, FLOOD_WARNING)] if first else []

    async def _drain(self, key: str, queue: deque) -> None:
        try:
            while queue:
                due, event = queue[0]
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                try:
                    replies = await self._run(key, event)
                except Unprocessed:  # kept, in its place, until the database is back
                    queue[0] = (time.monotonic() + OUTAGE_RETRY_SECONDS, event)
                    continue
                queue.popleft()
                try:
                    async with self.engine.begin() as conn:
                        await outbox.put(conn, [
                            outbox_row(event.channel, reply.to or event.user, reply, self.clock())
                            for reply in replies])
                    self.pending_channels.add(event.channel)
                except Exception:
                    log.exception("could not queue the replies held for %s", key)
        finally:
            self._held.pop(key, None)

    async def _handle(self, event: Event) -> list[Reply]:
        now = self.clock()
        await self.campaigns.ensure(now)
        key = (event.channel, event.user)
        # A guard fails when the cached row was stale (another process or job wrote it): the
        # step then runs again on the fresh row. Nothing of the failed run was kept.
        for _attempt in range(3):
            user = self.sessions.get(key) or await self._load(event, now)
            # Read before the step's transaction: on SQLite a second connection would wait for it.
            links = await self.links() if event.channel in DOCUMENTS_BY_LINK else None
            # Several processes (PostgreSQL): a step that reads or writes more than its own row
            # takes the sender's lock first thing in its transaction, and starts again on the
            # fresh row if another process wrote it since it was cached. A step that touches
            # only its own row (the fast path) needs no lock: its write is guarded by the row's
            # version, and a stale row makes it start again the same way.
            tx = LazyTransaction(self.engine, on_open=(
                self._locker(event, user["version"]) if self.serialise else None))
            if event.update_id is not None and user["last_update_id"] >= event.update_id:
                await tx.rollback()
                return self._late(event, user)
            try:
                # A channel without increasing update ids (Zalo) names each message: taking its
                # id is part of the step, so a redelivery, here or in another process, is dropped.
                if event.message_id is not None and not await channel_repo.take_message(
                        tx, event.channel, event.message_id, now):
                    await tx.rollback()
                    raise _AlreadyProcessed
                ctx = Context(
                    settings=self.settings,
                    ref=self.ref,
                    conn=tx,
                    user=dict(user),
                    event=_resolve_option(event, user["data"] or {}),
                    now=now,
                    t=self.translator(user["lang"]),
                    translators=self.translator,
                    links=links,
                )
                await self._route(ctx)
                saved = await self._save(ctx, tx, user, event.update_id, now)
            except _Stale:
                await tx.rollback()
                saved = False
            except BaseException:
                await tx.rollback()
                raise
            if saved:
                if ctx.campaigns_changed:
                    self.campaigns.invalidate()
                if ctx.tasks_requested:
                    self.task_requests.set()
                return ctx.replies
            self.sessions.pop(key, None)
        raise RuntimeError(f"the row of {key} kept changing under the step")

    def _locker(self, event: Event, version: int):
        async def lock(conn) -> None:
            if await user_repo.lock_sender(conn, event.channel, event.user) != version:
                raise _Stale
        return lock

    def _late(self, event: Event, user: dict) -> list[Reply]:
        """An update no newer than the last one taken: a redelivery is dropped in silence; one
        that arrived after a later one (webhooks spread over processes) is not taken out of
        order, and its sender is told so."""
        seen = (user["data"] or {}).get("seen")
        if not seen or event.update_id == user["last_update_id"] or event.update_id in seen:
            raise _AlreadyProcessed
        what = shorten(event.text, 40) if event.text else ""
        text = self.translator(user["lang"])._(LATE_UPDATE).format(text=what)
        return [Reply(text)]

    async def _load(self, event: Event, now: datetime) -> dict:
        """The sender's row, created at their first contact: on PostgreSQL one statement in
        autocommit (one round trip), on SQLite a read and an insert when it found nothing."""
        if self.serialise:
            async with self.engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                user = await user_repo.load_or_create_user(
                    conn, event.channel, event.user, self.settings.default_lang, now)
        else:
            async with self.engine.begin() as conn:
                user = await user_repo.load_or_create_user(
                    conn, event.channel, event.user, self.settings.default_lang, now)
        self.sessions.put((event.channel, event.user), user)
        return user

    async def _save(self, ctx: Context, tx: LazyTransaction, user: dict,
                    update_id: int | None, now: datetime) -> bool:
        """Commit the step: on the fast path when it touched nothing but its own row, else in
        the step's transaction. False when a guard failed (the caller retries or drops it)."""
        key = (user["channel"], user["external_id"])
        if ctx.forget_user:
            await user_repo.delete_user(tx, user["id"])
            await tx.commit()
            self.sessions.pop(key, None)
            return True
        if update_id is not None and self.serialise:
            # The last ones taken, to tell a redelivery from a late one: only where several
            # processes share the database can an update come late (one poller keeps order).
            ctx.data["seen"] = [*(ctx.data.get("seen") or [])[-(SEEN_UPDATES - 1):], update_id]
        values = {"state": ctx.state, "data": ctx.data, "updated_at": now}
        values.update(ctx.user_changes)
        if user.get("blocked_at") is not None:
            values["blocked_at"] = None  # writing to the bot again means they unblocked it
        # Rows due now for a channel this process sends on are written claimed by it and sent
        # from memory after the commit; the others wait for their time, or for the process
        # that serves their channel.
        ours, theirs = [], []
        for r in ctx.outbox.rows:
            due = r["not_before"] is None or r["not_before"] <= now
            (ours if due and r["channel"] in self.served else theirs).append(r)
        ids = await outbox.put(tx, ours, self.holder)
        await outbox.put(tx, theirs)
        if tx.opened or not self.fast.accepts(values):
            if not await user_repo.save_user(tx, user["id"], values, update_id, user["version"]):
                await tx.rollback()
                return False
            await tx.commit()
        elif not await self.fast.save(user["id"], user["version"], values, update_id):
            return False
        self.pending_channels.update(row["channel"] for row in theirs)
        claimed_at = time.monotonic()
        for row, row_id in zip(ours, ids, strict=True):
            self._claimed.setdefault(row["channel"], []).append(
                (claimed_at, {**row, "id": row_id}))
        fresh = {**user, **ctx.user, **values, "version": user["version"] + 1}
        if update_id is not None:
            fresh["last_update_id"] = update_id
        self.sessions.put(key, fresh)
        return True

    def take_claimed(self, channel: str, fresh: float) -> tuple[list[dict], list[dict]]:
        """The rows of `channel` that steps wrote claimed by this process, oldest first, taken
        from memory: those claimed in the last `fresh` seconds (to send now, their lease has
        time left), and older ones (to give back: another process may take them soon)."""
        taken = self._claimed.pop(channel, [])
        since = time.monotonic() - fresh
        return ([row for at, row in taken if at >= since],
                [row for at, row in taken if at < since])

    @property
    def has_claimed(self) -> bool:
        return bool(self._claimed)

    async def close(self) -> None:
        held = sum(len(queue) for queue in self._held.values())
        if held:
            log.warning("stopping with %d messages held by flood control, not taken", held)
        for task in list(self._drains):
            task.cancel()
        await asyncio.gather(*self._drains, return_exceptions=True)
        await self.flood.settled()
        await self.fast.close()


def _normalised(event: Event) -> Event:
    if event.text is None:
        return event
    return replace(event, text=clean(event.text))


def _resolve_option(event: Event, data: dict) -> Event:
    """Typing the number or the label of an offered option is the same as pressing it."""
    if event.text is None or event.choice is not None or event.text.startswith("/"):
        return event
    options = data.get("opts") or []
    text = event.text.strip()
    value = None
    numbered = not data.get("plain") and text.isascii() and text.isdigit()
    if numbered and 1 <= int(text) <= len(options):
        value = options[int(text) - 1][0]
    else:
        key = fold(text)
        value = next((v for v, label in options if key and fold(label) == key), None)
    if value is None:
        return event
    return replace(event, choice=value, text=None)
