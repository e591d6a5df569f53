"""The scheduler (APScheduler 3): when each job looks for work. What is due, and whether it was
already sent, is read from the database at every run (bot.services.reminders), so the schedule
itself holds no state worth losing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.services.reminders import Jobs

log = logging.getLogger(__name__)

# Job name → minutes between runs. Daily jobs (the digest at 08:00, campaign and milestone
# reminders) run often and send at the first run after their hour, once per day by their key.
SCHEDULE = {
    "drafts": 15,
    "waiting_for_author": 60,
    "digest": 10,
    "campaign_closing": 30,
    "milestones": 60,
    "council": 10,  # rounds closing at the end of their day; members' daily reminder
}


def build_scheduler(jobs: Jobs, clock: Callable[[], datetime], timezone: str) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=timezone)

    def job(name: str):
        async def run() -> None:
            try:
                sent = await getattr(jobs, name)(clock())
                if sent:
                    log.info("job %s queued %d message(s)", name, sent)
            except Exception:  # the next run tries again; the keys prevent duplicates
                log.exception("job %s failed", name)

        return run

    for name, minutes in SCHEDULE.items():
        # Each job also runs shortly after start-up, to catch up on what a restart missed.
        scheduler.add_job(job(name), IntervalTrigger(minutes=minutes), id=name, name=name,
                          max_instances=1, coalesce=True,
                          next_run_time=datetime.now(UTC) + timedelta(seconds=5))
    return scheduler
