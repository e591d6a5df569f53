"""The runtime: what runs besides the conversation, for every channel at once.

It owns the outbox delivery (notifications other steps, jobs and processes left for people), the
broadcast worker and the scheduler's jobs. Each message goes through the channel its recipient
belongs to; a channel this process does not serve is left to the process that does (outbox) or
recorded as failed (announcements). Channels come and go with `serve()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import signal
import socket
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.broadcaster import Broadcaster, run_forever
from bot.channels.base import Channel, Outcome, SendResult
from bot.context import BETWEEN_QUESTIONS
from bot.dispatcher import DATABASE_AWAY, INTERNAL_ERROR, Unprocessed
from bot.files import FileStore, FolderStore, default_files_dir
from bot.heartbeat import renewed
from bot.i18n import N_
from bot.model import Attachment, Event, Option, Reply
from bot.scheduler import build_scheduler
from bot.services.reminders import Jobs
from bot.taskworker import TaskRunner
from storage import channels as channel_repo
from storage import outbox
from storage import users as user_repo
from storage.db import unreachable

log = logging.getLogger(__name__)

# The messages of this request that could not be taken (the database was out of reach), while
# a webhook whose platform delivers again on an error answer is handled (`redelivery`).
_UNPROCESSED: contextvars.ContextVar[list[Event] | None] = contextvars.ContextVar(
    "unprocessed", default=None)


@contextlib.contextmanager
def redelivery():
    """Handle a platform's request whose messages it delivers again unless told they were
    taken: yields the list of those that could not be, for the webhook to answer an error."""
    token = _UNPROCESSED.set([])
    try:
        yield _UNPROCESSED.get()
    finally:
        _UNPROCESSED.reset(token)
PHOTO = N_("Photo")
DOCUMENT = N_("Document")
NO_LINK = N_("this chat cannot show files; please open it on Telegram or ask the ward office")


class Runtime:
    def __init__(self, dispatcher, channels: Iterable[Channel] = (), *,
                 broadcast_rate: float | None = None, every: float = 2.0,
                 files: FileStore | None = None, inline_tasks: bool = False):
        self.dispatcher = dispatcher
        # Where the channels keep what people send, and read it back to send it on.
        self.files = files or FolderStore(default_files_dir(dispatcher.settings))
        self.channels: dict[str, Channel] = {}
        self.every = every
        queued = dispatcher.pending_channels.update
        self.broadcaster = Broadcaster(
            self.channels, engine=dispatcher.engine, settings=dispatcher.settings,
            ref=dispatcher.ref, translators=dispatcher.translator, clock=dispatcher.clock,
            queued=queued, rate=broadcast_rate)
        self.jobs = Jobs(engine=dispatcher.engine, settings=dispatcher.settings,
                         ref=dispatcher.ref, campaigns=dispatcher.campaigns,
                         translators=dispatcher.translator, queued=queued)
        # What officers asked for that takes longer than a step, built in a worker process
        # (`inline_tasks`: on this loop, for tests that are not about processes).
        self.tasks = TaskRunner(dispatcher, inline=inline_tasks, files=self.files)
        self._tasks: list[asyncio.Task] = []
        # Per channel, the people whose message the platform asked to send again later: their
        # next ones go after it, through the outbox's order, not from memory.
        self._gave_back: dict[str, set[str]] = {}
        self._scheduler = None
        for channel in channels:
            self.add(channel)

    def add(self, channel: Channel) -> None:
        self.channels[channel.name] = channel
        # Its steps' outbox rows are claimed by this process as they are written, and sent
        # from memory right after the step (`deliver_pending`).
        self.dispatcher.served.add(channel.name)

    # --- links to the bot's pages -----------------------------------------------------------
    async def attachment_line(self, channel: str, recipient: str, attachment: Attachment) -> str:
        """A file named in a text, for a channel that cannot carry it: with a signed link to
        open it where the bot has a public address."""
        say = self.dispatcher.sentence
        name = attachment.name or say(channel, recipient, PHOTO if attachment.kind == "photo"
                                      else DOCUMENT)
        links = await self.dispatcher.links()
        link = links.file(attachment.key, attachment.name, attachment.mime) \
            if attachment.key else None
        if link is None:
            return f"📎 {name} — {say(channel, recipient, NO_LINK)}"
        return f"📎 {name}: {link}"

    # --- one incoming message ----------------------------------------------------------------
    async def converse(self, channel: Channel, event: Event, prepare=None) -> None:
        """What a channel does with a person's message: `prepare(event)` (fetching a file, say),
        the step, its replies sent through `channel`, then what it left in the outbox. A failure
        anywhere is told to the sender in their language; what they entered before is kept.
        When the database is out of reach and the platform will deliver the message again
        (inside `redelivery()`), nothing is said: the message is left for the platform."""
        try:
            if prepare is not None:
                event = await prepare(event)
            replies = await self.dispatcher.handle(event)
        except Exception as error:
            # The step itself says Unprocessed; what comes before it (fetching a file, the
            # flood count, waking held messages) may meet the outage directly.
            if isinstance(error, Unprocessed) or unreachable(error):
                unprocessed = _UNPROCESSED.get()
                if unprocessed is not None:
                    unprocessed.append(event)
                    return
                message = DATABASE_AWAY
            else:
                log.exception("error while handling a message on %s", channel.name)
                message = INTERNAL_ERROR
            replies = [Reply(self.dispatcher.sentence(channel.name, event.user, message))]
        for reply in replies:
            await channel.send(reply.to or event.user, reply)
        if self.dispatcher.pending_channels or self.dispatcher.has_claimed:
            await self.deliver_pending()

    # --- the outbox ------------------------------------------------------------------------
    async def deliver(self, name: str) -> int:
        """Send the outbox's pending messages for channel `name`; returns how many were sent.

        What this process's steps wrote claimed goes first, from memory; then a few rows are
        claimed at a time. Each is settled in the database as soon as it is sent (forgotten,
        given back, or held), so a crash here sends again at most the message in flight; the
        claims still waiting are renewed while a slow batch goes out."""
        channel = self.channels[name]
        engine, clock = self.dispatcher.engine, self.dispatcher.clock
        self.dispatcher.pending_channels.discard(name)
        delivered, waiting = await self._send_claimed(channel)
        if waiting:
            return delivered  # what the platform asked to wait for goes next round
        while True:
            async with engine.begin() as conn:
                rows = await outbox.claim(conn, name, clock(), self.dispatcher.holder)
            if not rows:
                return delivered
            sent, waiting = await self._send_batch(channel, rows)
            delivered += sent
            if waiting:
                return delivered

    async def _send_claimed(self, channel: Channel) -> tuple[int, bool]:
        """Send what this process's steps wrote claimed for `channel`, from memory, with no
        claim of its own: one statement settles each row. Rows claimed too long ago are given
        back instead (their lease may be near its end, and another process would send them)."""
        fresh, old = self.dispatcher.take_claimed(
            channel.name, outbox.LEASE.total_seconds() / 3)
        waiting = self._gave_back.get(channel.name, set())
        old += [row for row in fresh if row["external_id"] in waiting]
        fresh = [row for row in fresh if row["external_id"] not in waiting]
        if old:
            async with self.dispatcher.engine.begin() as conn:
                await outbox.release(conn, [row["id"] for row in old])
        if not fresh:
            return 0, False
        return await self._send_batch(channel, fresh)

    async def _send_batch(self, channel: Channel, rows: list[dict]) -> tuple[int, bool]:
        """Send `rows`, claimed by this process, in order, settling each as soon as it is sent;
        returns how many were sent and whether the platform asked to wait."""
        name, engine = channel.name, self.dispatcher.engine
        # People whose earlier message waits (held by the platform, or to be tried again):
        # their later ones wait behind it, so that each person reads them in order.
        behind: dict[str, SendResult] = {}
        left = [row["id"] for row in rows]
        delivered = 0

        async def renew(left: list[int] = left) -> None:  # the rows not sent yet
            async with engine.begin() as conn:
                await outbox.renew(conn, left, self.dispatcher.holder)

        try:
            async with renewed(outbox.LEASE.total_seconds() / 3, renew):
                for row in rows:
                    result = (behind.get(row["external_id"])
                              or await self._send_row(channel, row))
                    await self._settle(name, row, result)
                    left.remove(row["id"])
                    if result.outcome in (Outcome.HELD, Outcome.RETRY_AFTER):
                        behind[row["external_id"]] = result
                    gave_back = self._gave_back.setdefault(name, set())
                    if result.outcome is Outcome.RETRY_AFTER:
                        gave_back.add(row["external_id"])
                    else:
                        gave_back.discard(row["external_id"])
                    delivered += result.outcome is Outcome.SENT
        finally:
            if left:  # stopped midway: what was not sent is given back at once
                async with engine.begin() as conn:
                    await outbox.release(conn, left)
        return delivered, any(r.outcome is Outcome.RETRY_AFTER for r in behind.values())

    async def _settle(self, name: str, row: dict, result: SendResult) -> None:
        """What one message's send means for its row: sent or refused for good, it is
        forgotten; to be tried again, given back; not to be taken now, held. One statement
        (PostgreSQL: in autocommit, one round trip) but for a person who blocked the bot."""
        if result.outcome is Outcome.BLOCKED:
            async with self.dispatcher.engine.begin() as conn:
                await self._settle_in(conn, name, row, result)
            return
        async with self._autocommit() as conn:
            await self._settle_in(conn, name, row, result)
        if result.outcome is Outcome.FAILED:
            log.warning("a message to %s:%s was refused for good", name, row["external_id"])

    @contextlib.asynccontextmanager
    async def _autocommit(self):
        """A connection for one statement: on PostgreSQL in autocommit (no BEGIN, no COMMIT);
        on SQLite a transaction (its autocommit costs two thread hops more)."""
        engine = self.dispatcher.engine
        if engine.dialect.name != "postgresql":
            async with engine.begin() as conn:
                yield conn
            return
        async with engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def _settle_in(self, conn, name: str, row: dict, result: SendResult) -> None:
        if result.outcome is Outcome.RETRY_AFTER:
            await outbox.release(conn, [row["id"]])
        elif result.outcome is Outcome.HELD:
            await outbox.hold(conn, [row["id"]])
        else:
            await outbox.forget(conn, [row["id"]])
        if result.outcome is Outcome.BLOCKED:
            await user_repo.mark_blocked(conn, self.dispatcher.clock(), channel=name,
                                         external_id=row["external_id"])

    async def _send_row(self, channel: Channel, row: dict) -> SendResult:
        recipient, reply = row["external_id"], _reply(row)
        reachable = getattr(channel, "reachable", None)
        if reachable is not None and not await reachable(recipient):
            return SendResult.HELD  # nothing offered: the person will not see it yet
        if reply.options and (not channel.has_buttons or getattr(channel, "typed_options", False)):
            reply = await self._offered(channel.name, recipient, reply)
        return await channel.send(recipient, reply)

    async def _offered(self, channel: str, recipient: str, reply: Reply) -> Reply:
        """On a channel without buttons (or whose buttons send text back: `typed_options`), a
        notification's numbered options are what the person's next typed number picks, unless
        they are answering a question: then the options are shown without numbers, and the
        number they type stays their answer."""
        # A read and a write guarded by the row's version: no transaction needed around them.
        async with self._autocommit() as conn:
            offered = await user_repo.offer(
                conn, channel, recipient, [[o.value, o.label] for o in reply.options],
                BETWEEN_QUESTIONS)
        if offered:
            self.dispatcher.sessions.pop((channel, recipient), None)
            return reply
        return replace(reply, numbered=False)

    async def wake(self, name: str, external_id: str) -> bool:
        """`external_id` wrote on channel `name`: what the platform would not take for them
        before (Outcome.HELD) is delivered after this step. One read when nothing waits."""
        async with self.dispatcher.engine.connect() as conn:
            if not await outbox.held_for(conn, name, external_id):
                return False
        async with self.dispatcher.engine.begin() as conn:
            woke = await outbox.wake(conn, name, external_id)
        if woke:
            self.dispatcher.pending_channels.add(name)
        return bool(woke)

    async def deliver_pending(self) -> int:
        """Deliver right after a step: what it wrote claimed, from memory (no claim, no
        read), then the channels it left unclaimed messages for."""
        delivered = 0
        for name, channel in self.channels.items():
            if name not in self.dispatcher.pending_channels:
                delivered += (await self._send_claimed(channel))[0]
        pending = [n for n in self.dispatcher.pending_channels if n in self.channels]
        return delivered + sum([await self.deliver(name) for name in pending])

    async def run_requested_tasks(self) -> int:
        """Where nothing runs in the background (the console), the tasks the last steps asked
        for, at once, in the worker process; returns how many ran."""
        if not self.dispatcher.task_requests.is_set():
            return 0
        self.dispatcher.task_requests.clear()
        return await self.tasks.run_pending()

    async def deliver_all(self) -> int:
        return sum([await self.deliver(name) for name in list(self.channels)])

    # --- time ------------------------------------------------------------------------------
    async def tick(self, now: datetime) -> None:
        """Everything due at `now`: the jobs, the announcements, the tasks, then the outbox."""
        await self.jobs.run_due(now)
        await self.broadcaster.run()
        await self.tasks.run_pending()
        await self.deliver_all()

    async def start(self) -> None:
        """Start the delivery loop, the broadcast worker and the scheduler."""
        self._tasks = [asyncio.create_task(self._delivery_loop()),
                       asyncio.create_task(run_forever(self.broadcaster)),
                       asyncio.create_task(self._task_loop())]
        self._scheduler = build_scheduler(
            self.jobs, self.dispatcher.clock, self.dispatcher.settings.timezone)
        self._scheduler.start()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self.tasks.close()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def _delivery_loop(self) -> None:
        """Deliver what other processes (the console, `jobs run-due`) left in the outbox."""
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.deliver_all()
            except Exception:  # keep delivering whatever one round met
                log.exception("outbox delivery failed")

    async def _task_loop(self) -> None:
        """Run the tasks steps asked for (at once) or other processes left (every few seconds),
        one at a time, each in the worker process; deliver each result as soon as it is queued."""
        requests = self.dispatcher.task_requests
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(requests.wait(), self.every)
            requests.clear()
            try:
                while await self.tasks.run_pending(limit=1):
                    await self.deliver_pending()
                await self.deliver_pending()
            except Exception:  # keep running whatever one round met
                log.exception("the task loop failed")

    async def serve(self) -> None:
        """Start every channel (each has `start()` and `stop()`) and the runtime; run until
        SIGINT or SIGTERM. A channel that long-polls (`polls`) is started only while this
        process holds its lease in the database: one poller per token, whatever the number of
        processes; the others stand by and take over when it dies."""
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stopped.set)
        started: list = []
        pollers: list[asyncio.Task] = []
        try:
            for channel in self.channels.values():
                if getattr(channel, "polls", False):
                    pollers.append(asyncio.create_task(self._poll_under_lease(channel, stopped)))
                else:
                    await channel.start()
                    started.append(channel)
            await self.start()
            log.info("serving %s", ", ".join(self.channels))
            await stopped.wait()
        finally:
            for task in pollers:
                task.cancel()
            await asyncio.gather(*pollers, return_exceptions=True)
            await self.stop()
            for channel in reversed(started):
                await channel.stop()

    async def _poll_under_lease(self, channel, stopped: asyncio.Event) -> None:
        name, holder = f"poll:{channel.name}", self.dispatcher.holder
        seconds = self.dispatcher.settings.poll_lease_seconds
        polling = told = False
        try:
            while True:
                now = datetime.now(UTC)
                try:
                    async with self.dispatcher.engine.begin() as conn:
                        current = await channel_repo.lease_holder(conn, name)
                        held = await channel_repo.hold_lease(
                            conn, name, holder, now, now + timedelta(seconds=seconds),
                            dead=current if _died_here(current) else None)
                except Exception:  # the database is away: keep polling only while ours lasts
                    log.exception("could not renew the lease %s", name)
                    held = polling
                if held and not polling:
                    await channel.start()
                    polling = True
                    log.info("%s: this process polls", channel.name)
                elif not held and polling:
                    log.error("%s: another process took over polling; stopping", channel.name)
                    stopped.set()
                    return
                elif not held and not told:
                    log.info("%s: another process polls; standing by", channel.name)
                    told = True
                await asyncio.sleep(seconds / 3)
        finally:
            if polling:
                await channel.stop()
                with contextlib.suppress(Exception):
                    async with self.dispatcher.engine.begin() as conn:
                        await channel_repo.drop_lease(conn, name, holder)


def _died_here(holder: str | None) -> bool:
    """A lease holder that was a process of this machine that no longer runs (a bot restarted
    after a crash takes its own lease back at once instead of waiting for it to run out)."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:40] or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _reply(row: dict) -> Reply:
    return Reply(
        text=row["text"],
        options=[Option(v, label) for v, label in row["options"]],
        attachments=[Attachment(**a) for a in row["attachments"]],
    )
