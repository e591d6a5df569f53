"""The broadcast worker: delivers announcements at the configured rate, one recipient at a time.

Each delivery is recorded in the ledger as soon as it is sent, so a crash or a restart resumes
with nobody lost and at most the one message in flight sent twice. Scheduled announcements wait
out the quiet hours; RetryAfter from the platform pauses the worker for the time it asks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.base import Channel, Outcome
from bot.config import Settings
from bot.heartbeat import renewed
from bot.i18n import N_, Translator
from bot.model import Attachment, Option, Reply
from bot.reference import Reference
from bot.services import broadcasts as broadcast_service
from bot.services.outbox import Message, Outbox
from storage import broadcasts as broadcast_repo
from storage import outbox as outbox_repo
from storage import pacing
from storage import users as user_repo

log = logging.getLogger(__name__)

FOOTER = N_("You receive this because you asked for announcements. Send /dunglai to stop.")
MAX_ATTEMPTS = 3
# Deliveries a worker claims at a time (renewed while it sends them): about CLAIM_SPAN seconds
# of its rate, at least CLAIM_BATCH, at most MAX_CLAIM and a quarter of the announcement. A
# claim is a transaction of a few statements: at 2,000 messages a second, claiming 50 at a time
# cost more than the ledger's records.
CLAIM_BATCH = 50
CLAIM_SPAN = 0.25
MAX_CLAIM = 500
PER_CHAT_SECONDS = 1.0  # the longest per-chat gap a channel may ask for
WINDOW_SECONDS = 0.2  # how much of the shared rate a process reserves at a time
# How late a process held up (a claim, a busy machine) may still send in its reserved slots,
# catching up: longer loses less of the rate, but allows a burst of up to this much of it. At 0.1 s
# a second of a 30/s announcement held up to 35 messages (above Telegram's limit); at a third of
# that, 32-33, with the same achieved rate (helper measurement, two CPU hogs beside it).
CATCH_UP_SECONDS = 0.033


class SharedRate:
    """A channel's broadcast rate, shared by every process through the database: this process
    reserves a window of it (storage.pacing) and spreads its messages over the window. The next
    window is reserved while the last quarter of this one is being sent, not once it has run
    out: a reservation that came after its window's end would start the next one late, and the
    time in between would be lost to the rate (at 30/s, 4 % of it on a busy machine)."""

    def __init__(self, engine: AsyncEngine, name: str, rate: float):
        self.engine, self.name, self.rate = engine, name, rate
        self.chunk = max(1, min(int(rate * WINDOW_SECONDS), 1000))
        self._early = self.chunk // 4  # messages left in the window when the next is reserved
        self._slack = max(CATCH_UP_SECONDS, 1 / rate)  # how late a window's slot may be taken
        self._next = 0.0  # when this process's next message may go
        self._left = 0  # messages left in the window it is sending
        self._reserved: deque[float] = deque()  # the start of the next window, reserved ahead

    async def _reserve(self) -> None:
        async with self.engine.begin() as conn:
            self._reserved.append(await pacing.reserve(conn, self.name, self.chunk, self.rate))

    async def acquire(self) -> None:
        while not self._left:
            if not self._reserved:
                await self._reserve()
            start = self._reserved.popleft()
            # Slots that passed more than CATCH_UP_SECONDS ago (this process was held up) are
            # given up: sending them all now would be a burst above the rate.
            missed = max(0, int((time.time() - self._slack - start) * self.rate))
            self._next, self._left = start + missed / self.rate, max(0, self.chunk - missed)
        at, self._left = self._next, self._left - 1
        self._next += 1 / self.rate
        if self._left <= self._early and not self._reserved:
            await self._reserve()
        delay = at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)


class Broadcaster:
    """Sends each delivery through the channel its recipient belongs to, at that channel's rate
    (or `rate`, for every channel, when given) counted over every process. A recipient of a
    channel this process does not serve is recorded as failed."""

    def __init__(self, channels: Mapping[str, Channel], *, engine: AsyncEngine,
                 settings: Settings, ref: Reference,
                 translators: Callable[[str | None], Translator], clock: Callable[[], datetime],
                 queued: Callable[[Iterable[str]], None], rate: float | None = None):
        self.engine = engine
        self.quiet = ref.quiet
        self.translators = translators
        self.clock = clock
        self.queued = queued  # told which channels got new outbox rows
        self.channels = channels
        self.rate = rate
        self._rates: dict[str, SharedRate] = {}
        # When each chat last got a message, for the last second only (Telegram: at most one
        # message a second to one chat); older entries are dropped, so memory stays flat.
        self._recent: OrderedDict[tuple[str, str], float] = OrderedDict()

    def _rate(self, channel: Channel) -> SharedRate:
        rate = self._rates.get(channel.name)
        if rate is None:
            rate = self._rates[channel.name] = SharedRate(
                self.engine, f"broadcast:{channel.name}", self.rate or channel.rate)
        return rate

    def _batch(self, total: int) -> int:
        """How many deliveries to claim at a time: no more than a quarter of the announcement,
        so that its sender still sees the progress at each quarter (reported between batches)."""
        fastest = self.rate or max((c.rate for c in self.channels.values()), default=0.0)
        return max(CLAIM_BATCH, min(int(fastest * CLAIM_SPAN), MAX_CLAIM, total // 4))

    async def start_due(self) -> int:
        """Claim the announcements whose time has come (scheduled ones wait out quiet hours)
        and write their ledgers; returns how many started."""
        now = self.clock()
        async with self.engine.begin() as conn:
            due = await broadcast_repo.with_status(conn, "scheduled", due_by=now)
        started = 0
        for broadcast in due:
            if broadcast["audience"].get("scheduled") and self.quiet.contains(now):
                continue
            async with self.engine.begin() as conn:
                if await broadcast_service.start(conn, broadcast, now) is not None:
                    started += 1
        return started

    async def run(self) -> int:
        """Start what is due, then deliver every announcement in progress."""
        await self.start_due()
        async with self.engine.begin() as conn:
            sending = await broadcast_repo.with_status(conn, "sending")
        delivered = 0
        for broadcast in sending:
            delivered += await self._deliver(broadcast)
        return delivered

    async def _deliver(self, broadcast: dict) -> int:
        async with broadcast_repo.Ledger(self.engine) as ledger:
            return await self._deliver_with(broadcast, ledger)

    async def _deliver_with(self, broadcast: dict, ledger: broadcast_repo.Ledger) -> int:
        replies: dict[str | None, Reply] = {}  # one per language, built once
        async with self.engine.begin() as conn:
            counts = await broadcast_repo.counts(conn, broadcast["id"])
        total = sum(counts.values())
        done = total - counts.get("pending", 0) - counts.get("sending", 0)
        delivered = 0
        while True:
            async with self.engine.begin() as conn:
                current = await broadcast_repo.get(conn, broadcast["id"])
                rows = [] if current["status"] != "sending" else await broadcast_repo.claim(
                    conn, broadcast["id"], self._batch(total), datetime.now(UTC))
                unfinished = 0 if rows else await broadcast_repo.unfinished(conn, broadcast["id"])
            if current["status"] != "sending":
                return delivered
            if not rows:
                if not unfinished:  # else another process is sending the rest
                    await self._finish(broadcast)
                return delivered
            # Each delivery is claimed, then recorded on its own the moment it is sent: a crash
            # resends at most the message in flight (the rest of the batch is taken again once
            # its claim, renewed while this worker lives, runs out).
            left = deque(row["user_id"] for row in rows)

            async def renew(left: deque[int] = left) -> None:  # the rows not sent yet
                async with self.engine.begin() as conn:
                    await broadcast_repo.renew(conn, broadcast["id"], list(left),
                                               datetime.now(UTC))

            try:
                async with renewed(broadcast_repo.CLAIM_SECONDS / 3, renew):
                    for row in rows:
                        if row["lang"] not in replies:
                            replies[row["lang"]] = self._reply(broadcast, row["lang"])
                        status = await self._send_one(row, replies[row["lang"]])
                        await self._record(ledger, broadcast, row, status)
                        left.popleft()
                        delivered += status == "sent"
            finally:
                if left:  # stopped midway: what was not sent is given back at once
                    async with self.engine.begin() as conn:
                        await broadcast_repo.release(conn, broadcast["id"], list(left))
            done += len(rows)
            if total and done * 4 // total > current["reported"]:
                await self._report(broadcast)  # counted in the database at each quarter only

    async def _record(self, ledger: broadcast_repo.Ledger, broadcast: dict, row: dict,
                      status: str) -> None:
        now = self.clock()
        if status != "blocked":  # one prepared statement, committed at once
            await ledger.record(broadcast["id"], row["user_id"], status, now)
            return
        async with self.engine.begin() as conn:  # the recipient too, in the same transaction
            await broadcast_repo.mark(conn, broadcast["id"], row["user_id"], status, now)
            await user_repo.mark_blocked(conn, now, user_id=row["user_id"])

    def _reply(self, broadcast: dict, lang: str | None) -> Reply:
        t = self.translators(lang)
        if broadcast.get("photo_file"):
            photos = [Attachment(**broadcast["photo_file"])]
        else:  # kept before photos were stored by the bot: by the channel's reference
            photos = [Attachment("photo", broadcast["photo"])] if broadcast["photo"] else []
        return Reply(text=f"{broadcast['text']}\n\n— {t._(FOOTER)}", attachments=photos)

    async def _send_one(self, row: dict, reply: Reply) -> str:
        channel = self.channels.get(row["channel"])
        if channel is None:
            return "failed"
        for _attempt in range(MAX_ATTEMPTS + 5):
            await self._per_chat(channel, row["external_id"])
            await self._rate(channel).acquire()
            self._recent[(channel.name, row["external_id"])] = time.monotonic()
            result = await channel.send(row["external_id"], reply)
            if result.outcome is Outcome.RETRY_AFTER:
                await asyncio.sleep(result.retry_after or 0.0)  # the platform's RetryAfter
                continue
            if result.outcome is Outcome.HELD:  # not kept for months: counted apart
                return "held"
            return result.status
        return "failed"

    async def _per_chat(self, channel: Channel, chat: str) -> None:
        now, gap = time.monotonic(), channel.per_chat_seconds
        # Entries older than the longest gap of any channel can go (one second on Telegram).
        while self._recent and next(iter(self._recent.values())) < now - PER_CHAT_SECONDS:
            self._recent.popitem(last=False)
        last = self._recent.pop((channel.name, chat), None)  # set again when it is sent
        if last is not None and now - last < gap:
            await asyncio.sleep(gap - (now - last))

    async def _finish(self, broadcast: dict) -> None:
        now = self.clock()
        async with self.engine.begin() as conn:
            if not await broadcast_repo.set_status(conn, broadcast["id"], ("sending",), "done",
                                                   finished_at=now):
                return
            report = await self._progress(conn, broadcast, final=True)
        await self._tell(broadcast, report, final=True)

    async def _report(self, broadcast: dict) -> None:
        async with self.engine.begin() as conn:
            report = await self._progress(conn, broadcast, final=False)
        await self._tell(broadcast, report, final=False)

    async def _progress(self, conn, broadcast: dict, final: bool):
        """The sender's progress report at each quarter and at the end, or None."""
        counts = await broadcast_repo.counts(conn, broadcast["id"])
        total = sum(counts.values()) or 1
        done = total - counts.get("pending", 0) - counts.get("sending", 0)
        step = 4 if final else min(3, done * 4 // total)
        current = await broadcast_repo.get(conn, broadcast["id"])
        if step <= current["reported"] or broadcast["sender_id"] is None:
            return None
        await broadcast_repo.set_reported(conn, broadcast["id"], step)
        sender = await user_repo.load_user_by_id(conn, broadcast["sender_id"])
        if sender is None:
            return None

        def render(t: Translator) -> Message:
            text = t._("Announcement #{id}: {done} of {total} handled — sent {sent}, blocked "
                       "{blocked}, failed {failed}.").format(
                id=broadcast["id"], done=done, total=total, sent=counts.get("sent", 0),
                blocked=counts.get("blocked", 0), failed=counts.get("failed", 0))
            if counts.get("held"):
                text += " " + t._("Not reachable now ({held}): on Zalo, an Official Account may "
                                  "write only to people who wrote to it in the last 7 days.") \
                    .format(held=counts["held"])
            cancel = broadcast_service.CANCEL.pack("cancel", broadcast["id"])
            options = [] if final else [Option(cancel, t._("Cancel"))]
            return Message(text, options)

        return sender, render, current.get("progress_ref")

    async def _tell(self, broadcast: dict, report, final: bool) -> None:
        """Edit the sender's progress message where the channel can; else send a new one
        through the outbox (Zalo and the console cannot edit).

        On a channel that edits, the progress is one message: a report it could not show is
        skipped (the next one says more), and only the final one falls back to the outbox. A
        copy sent through the outbox has no ref to edit, so the next report would show a second
        message beside it, the first keeping its Cancel button after the end."""
        if report is None:
            return
        sender, render, previous = report
        channel = self.channels.get(sender["channel"])
        if channel is not None and channel.can_edit:
            message = render(self.translators(sender.get("lang")))
            reply = Reply(text=message.text, options=message.options)
            ref = await channel.edit(sender["external_id"], reply, previous)
            if ref is not None:
                if ref != previous:
                    async with self.engine.begin() as conn:
                        await broadcast_repo.set_progress_ref(conn, broadcast["id"], ref)
                return
            if not final:
                return
        async with self.engine.begin() as conn:
            box = Outbox(self.translators, self.clock())
            box.add(sender, render)
            await outbox_repo.put(conn, box.rows)
        self.queued([sender["channel"]])


async def run_forever(broadcaster: Broadcaster, every: float = 5.0) -> None:
    while True:
        try:
            await broadcaster.run()
        except Exception:  # a failed round must not stop the next one
            log.exception("broadcast round failed")
        await asyncio.sleep(every)
