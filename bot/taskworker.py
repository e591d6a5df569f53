"""The task runner (see bot/tasks.py): the runtime claims one task at a time and hands it to a
worker process, which builds the result and queues it in the outbox.

The worker is a process of its own (a `ProcessPoolExecutor` of one, started once with "spawn"
and kept for the next task), so that a report's seconds of CPU and its hundreds of megabytes are
not this process's: residents' steps go on, on the other core, while it runs. The claim is a
lease in the database (`storage/tasks.py`), renewed while the worker runs: if this process dies,
another process takes the task again once the lease runs out; a task whose worker died twice is
given up and its requester told. The worker queues the result and forgets the task in one
transaction, guarded by the claim, so a result is never sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

import handlers  # noqa: F401  (the handler modules register the kinds of tasks on import)
from bot.config import Settings
from bot.files import FileStore, FolderStore, default_files_dir
from bot.i18n import N_, Translator
from bot.model import Reply
from bot.reference import Reference
from bot.services.campaigns import CampaignCache
from bot.services.outbox import row as outbox_row
from bot.tasks import TASKS, TaskEnv
from storage import outbox
from storage import tasks as task_repo
from storage.db import create_engine

log = logging.getLogger(__name__)

TASK_FAILED = N_("Sorry, what you asked for could not be prepared. Please try again later; if it "
                 "happens again, tell the administrator.")
STILL_WORKING = N_("Still working on it: {stage}")
# The requester hears how far a task is only when it runs longer than this, and then at most
# this often.
TELL_AFTER = 10.0


async def execute(settings: Settings, task: dict, holder: str, now: datetime,
                  ref: Reference | None = None, files: FileStore | None = None) -> bool:
    """Run one claimed task in this process: its function, then its replies queued in the outbox
    and the task forgotten, in one transaction. False if another process had taken it over."""
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    fresh = ref is None
    ref = ref or Reference(settings)
    translators: dict[str, Translator] = {}

    def translator(lang: str | None) -> Translator:
        lang = lang or settings.default_lang
        if lang not in translators:
            translators[lang] = Translator(settings.locales_dir, lang, settings.timezone)
        return translators[lang]

    async def report(stage: str, fraction: float | None) -> None:
        async with engine.begin() as conn:
            shown = stage if fraction is None else f"{stage}\x1f{fraction:.2f}"
            await task_repo.progress(conn, task["id"], holder, shown)

    try:
        if fresh:  # a worker process: the campaigns are the database's, as the bot's are
            await CampaignCache(engine, ref, settings.campaigns_file).ensure(now)
        env = TaskEnv(settings=settings, engine=engine, ref=ref, t=translator(task["lang"]),
                      translators=translator,
                      files=files or FolderStore(default_files_dir(settings)),
                      now=now, requester=task, report=report)
        replies = await TASKS[task["kind"]](env, task["params"])
        rows = [outbox_row(task["channel"], task["external_id"], reply, now)
                for reply in replies]
        async with engine.begin() as conn:
            if not await task_repo.finish(conn, task["id"], holder):
                await conn.rollback()
                return False
            await outbox.put(conn, rows)
        return True
    finally:
        await engine.dispose()


def _stage(stage: str) -> tuple[str, float | None]:
    """(msgid, fraction or None) of what `progress` keeps: "msgid" or "msgid\x1ffraction"."""
    msgid, _, fraction = stage.partition("\x1f")
    return msgid, float(fraction) if fraction else None


def _finished(stage: str) -> bool:
    """A stage reported at 100 %."""
    fraction = _stage(stage)[1]
    return fraction is not None and fraction >= 1.0


def _work(settings: Settings, task: dict, holder: str, now: datetime) -> bool:
    """The worker process's entry point."""
    return asyncio.run(execute(settings, task, holder, now))


class TaskRunner:
    """Claims the tasks and runs each in the worker process (`inline`: in this process, on its
    loop, for tests that are not about processes)."""

    def __init__(self, dispatcher, *, inline: bool = False, files: FileStore | None = None):
        self.dispatcher = dispatcher
        self.inline = inline
        self.files = files  # the runtime's store (the worker process opens the same folder)
        # How often the lease is renewed and the stage read while a task runs, and after how
        # long (and then how often at most) the requester hears how far it is.
        self.poll = task_repo.LEASE.total_seconds() / 6
        self.tell_after = TELL_AFTER
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    async def run_pending(self, limit: int | None = None) -> int:
        """Run the tasks waiting (at most `limit`), one after the other; returns how many ran."""
        done = 0
        while limit is None or done < limit:
            async with self.dispatcher.engine.begin() as conn:
                claimed = await task_repo.claim(conn, self.dispatcher.holder)
            if not claimed:
                return done
            await self._run(claimed[0])
            done += 1
        return done

    async def _run(self, task: dict) -> None:
        holder, engine = self.dispatcher.holder, self.dispatcher.engine
        if task["kind"] not in TASKS or task["attempts"] > task_repo.MAX_ATTEMPTS:
            await self._fail(task, "unknown kind" if task["kind"] not in TASKS else "retried")
            return
        now = self.dispatcher.clock()
        if self.inline:
            work = asyncio.ensure_future(execute(self.dispatcher.settings, task, holder, now,
                                                 self.dispatcher.ref, self.files))
        else:
            work = asyncio.wrap_future(self._executor().submit(
                _work, self.dispatcher.settings, task, holder, now))
        started = last_told = time.monotonic()
        told = None
        try:
            while True:
                done, _ = await asyncio.wait({work}, timeout=self.poll)
                if done:
                    break
                async with engine.begin() as conn:
                    await task_repo.renew(conn, task["id"], holder)
                    current = await task_repo.get(conn, task["id"])
                stage = current and current["progress"]
                moment = time.monotonic()
                # A stage at 100 % or a task done meanwhile is no "still working": its result
                # is on its way, and a word after it would read as if it were not.
                if (stage and stage != told and not _finished(stage) and not work.done()
                        and moment - started >= self.tell_after
                        and moment - last_told >= self.tell_after):
                    await self._tell(task, stage)
                    told, last_told = stage, moment
            kept = work.result()
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                async with engine.begin() as conn:
                    await task_repo.release(conn, task["id"], holder)
            raise
        except BrokenProcessPool:
            log.error("the task worker died while building task %s (%s)", task["id"], task["kind"])
            self._pool = None
            await self._fail(task, "worker died")
            return
        except Exception:
            log.exception("task %s (%s) failed", task["id"], task["kind"])
            await self._fail(task, "error")
            return
        if kept:
            self.dispatcher.pending_channels.add(task["channel"])

    async def _tell(self, task: dict, stage: str) -> None:
        t = self.dispatcher.translator(task["lang"])
        msgid, fraction = _stage(stage)
        text = t._(STILL_WORKING).format(stage=t._(msgid))
        if fraction is not None:
            text += f" ({round(fraction * 100)}%)"
        async with self.dispatcher.engine.begin() as conn:
            await outbox.put(conn, [outbox_row(task["channel"], task["external_id"], Reply(text),
                                               self.dispatcher.clock())])
        self.dispatcher.pending_channels.add(task["channel"])

    async def _fail(self, task: dict, why: str) -> None:
        log.warning("task %s (%s) given up: %s", task["id"], task["kind"], why)
        t = self.dispatcher.translator(task["lang"])
        async with self.dispatcher.engine.begin() as conn:
            if await task_repo.finish(conn, task["id"], self.dispatcher.holder):
                await outbox.put(conn, [outbox_row(
                    task["channel"], task["external_id"], Reply(t._(TASK_FAILED)),
                    self.dispatcher.clock())])
        self.dispatcher.pending_channels.add(task["channel"])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
