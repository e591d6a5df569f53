"""Reminders. What is due is read from the database at each run, and each reminder is claimed
under a unique key before it is queued, so a restart loses nothing and nothing fires twice, even
with several processes. Every run may be late: each job catches up on what it missed."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import drafts
from bot.config import Settings
from bot.i18n import Translator
from bot.model import Option
from bot.reference import Reference
from bot.render import unit_name, upper_unit, wards_under
from bot.services import broadcasts as broadcast_service
from bot.services import council as council_service
from bot.services.campaigns import CampaignCache
from bot.services.outbox import Message, Outbox
from bot.services.permissions import DISTRICT_DUE, REVIEWER_ROLES, WARD_DUE
from bot.services.review import Review
from bot.text import shorten
from storage import channels as channel_repo
from storage import outbox as outbox_repo
from storage import reminders as reminder_repo
from storage import search as search_repo

DRAFT_HOURS = (72, 24)  # the later first: a late run sends only the most recent one
CAMPAIGN_DAYS = (1, 7)


class Jobs:
    """The reminder jobs. `queued` is told which channels got new outbox rows, so that the
    runtime delivers them right away."""

    def __init__(self, *, engine: AsyncEngine, settings: Settings, ref: Reference,
                 campaigns: CampaignCache, translators: Callable[[str | None], Translator],
                 queued: Callable[[Iterable[str]], None]):
        self.engine = engine
        self.settings = settings
        self.ref = ref
        self.campaigns = campaigns
        self.translators = translators
        self.queued = queued
        self.quiet = ref.quiet

    async def run_due(self, now: datetime) -> dict[str, int]:
        await self.campaigns.ensure(now)
        return {
            "drafts": await self.drafts(now),
            "waiting_for_author": await self.waiting_for_author(now),
            "digest": await self.digest(now),
            "campaign_closing": await self.campaign_closing(now),
            "milestones": await self.milestones(now),
            "housekeeping": await self.housekeeping(now),
            "council": await self.council(now),
        }

    async def housekeeping(self, now: datetime) -> int:
        """Forget what only served to refuse a redelivery or a flood: message ids older than a
        week (no platform redelivers after days) and flood buckets idle for a day; and the
        audit of officers' searches by a person once it is two years old (SEARCHES_KEPT)."""
        async with self.engine.begin() as conn:
            return (await channel_repo.forget_messages(conn, now - timedelta(days=7))
                    + await channel_repo.forget_flood(conn, now - timedelta(days=1))
                    + await search_repo.forget_searches(conn, now))

    async def _queue(self, conn, box: Outbox) -> int:
        await outbox_repo.put(conn, box.rows)
        self.queued(row["channel"] for row in box.rows)
        return len(box.rows)

    def _local(self, now: datetime) -> datetime:
        return now.astimezone(self.ref.tz)

    def _box(self, now: datetime) -> Outbox:
        """What a job queues during the quiet hours waits until they end (its key is claimed
        now, so it goes out once)."""
        return Outbox(self.translators, now, not_before=self.quiet.end_after(now))

    def _after_digest_hour(self, now: datetime) -> bool:
        """The daily jobs run from the digest hour until the quiet hours: a bot started at 23:30
        sends no "good morning"; the next morning's run does."""
        return self._local(now).hour >= self.settings.digest_hour and not self.quiet.contains(now)

    # --- unfinished forms ------------------------------------------------------------------
    async def drafts(self, now: datetime) -> int:
        box = self._box(now)
        async with self.engine.begin() as conn:
            idle = await reminder_repo.idle_users(
                conn, now - timedelta(hours=DRAFT_HOURS[-1]), now - timedelta(days=8))
            for person in idle:
                draft = (person["data"] or {}).get("draft")
                if not draft or not drafts.reminded(draft.get("kind")):
                    continue
                hours = (now - person["updated_at"]).total_seconds() / 3600
                due = [h for h in DRAFT_HOURS if hours >= h]
                claimed = [await reminder_repo.claim(
                    conn, f"draft{h}:{person['id']}:{draft.get('started')}", now) for h in due]
                if claimed and claimed[0]:
                    box.add(person, self._draft_message(draft))
            return await self._queue(conn, box)

    @staticmethod
    def _draft_message(draft: dict):
        def render(t: Translator) -> Message:
            return Message(
                t._("You have an unfinished {what}. Every answer you gave is kept; continue "
                    "whenever you like.").format(what=t.tr(drafts.name(draft["kind"]))),
                [Option(drafts.RESUME, t._("Continue"))])

        return render

    # --- questions the author has not answered -----------------------------------------------
    async def waiting_for_author(self, now: datetime) -> int:
        box = self._box(now)
        remind = now - timedelta(days=self.settings.info_remind_days)
        close = now - timedelta(days=self.settings.info_close_days)
        async with self.engine.begin() as conn:
            review = Review(conn, self.ref, box, now, self.settings.review_days,
                            self.settings.unit_groups)
            for entry in await reminder_repo.entries_waiting(conn, remind):
                paused = entry["paused_at"].isoformat()
                if entry["paused_at"] <= close:
                    if await reminder_repo.claim(conn, f"infoclose:{entry['id']}:{paused}", now):
                        await review.close_unanswered(entry["id"])
                elif await reminder_repo.claim(conn, f"inforemind:{entry['id']}:{paused}", now):
                    await review.remind_author(entry)
            return await self._queue(conn, box)

    # --- the officers' morning digest, and what is overdue for too long ------------------------
    async def digest(self, now: datetime) -> int:
        if not self._after_digest_hour(now):
            return 0
        box = self._box(now)
        today = self._local(now).date()
        end_of_tomorrow = datetime.combine(today + timedelta(days=1), time(23, 59, 59),
                                           tzinfo=self.ref.tz)
        async with self.engine.begin() as conn:
            officers = await reminder_repo.active_officers(conn)
            for officer in officers:
                if officer["role"] not in REVIEWER_ROLES:
                    continue
                if not await reminder_repo.claim(conn, f"digest:{officer['id']}:{today}", now):
                    continue
                ward = officer["role"] == "ward_officer"
                items = await reminder_repo.entries_due(
                    conn, WARD_DUE if ward else DISTRICT_DUE, end_of_tomorrow,
                    [officer["unit"]] if ward else wards_under(self.ref, officer["unit"]))
                if items:
                    box.add(officer, self._digest_message(items, now))
            await self._escalate(conn, box, officers, now)
            return await self._queue(conn, box)

    def _digest_message(self, items: list[dict], now: datetime):
        def render(t: Translator) -> Message:
            overdue = [i for i in items if i["due_at"] < now]
            lines = [t._("Good morning. In your queue: {overdue} overdue, {soon} due by "
                         "tomorrow.").format(overdue=len(overdue), soon=len(items) - len(overdue))]
            for item in items[:20]:
                mark = "⚠ " if item["due_at"] < now else ""
                lines.append(f"{mark}{item['code']} · {shorten(item['title'], 50)} · "
                             f"{t.date(item['due_at'])}")
            lines.append(t._("Send /hangdoi to open your queue."))
            return Message("\n".join(lines))

        return render

    async def _escalate(self, conn, box: Outbox, officers: list[dict], now: datetime) -> None:
        """Items overdue by more than `escalate_days` working days go to the district."""
        late = []
        for item in await reminder_repo.entries_due(conn, WARD_DUE, now):
            overdue = self.ref.calendar.working_days_between(
                item["due_at"].astimezone(self.ref.tz), now)
            if overdue > self.settings.escalate_days and await reminder_repo.claim(
                    conn, f"escalate:{item['id']}:{item['due_at'].isoformat()}", now):
                late.append((item, overdue))

        for officer in officers:
            if officer["role"] == "district_officer":
                mine = [(item, days) for item, days in late
                        if upper_unit(self.ref, item["unit"]) == officer["unit"]]
                if mine:
                    box.add(officer, self._escalation_message(mine))

    def _escalation_message(self, late: list[tuple[dict, int]]):
        def render(t: Translator) -> Message:
            lines = [t._("Items overdue by more than {days} working days in the wards:").format(
                days=self.settings.escalate_days)]
            for item, days in late:
                lines.append(f"⚠ {item['code']} · {unit_name(self.ref, t, item['unit'])} · "
                             + t._("{days} working days late").format(days=days))
            return Message("\n".join(lines))

        return render

    # --- campaigns about to close -------------------------------------------------------------
    async def campaign_closing(self, now: datetime) -> int:
        if not self._after_digest_hour(now):
            return 0
        box = self._box(now)
        today = self._local(now).date()
        async with self.engine.begin() as conn:
            for campaign in self.ref.open_campaigns(today):
                left = (campaign.closes - today).days
                # One claim per campaign and mark: the whole audience is told in this
                # transaction, so a run that finds the mark claimed has nothing left to do.
                # A late run sends only the nearer mark, and claims the earlier one with it.
                claimed = [await reminder_repo.claim(conn, f"camp{d}:{campaign.slug}", now)
                           for d in CAMPAIGN_DAYS if left <= d]
                if not claimed or not claimed[0]:
                    continue
                for person in await self._campaign_audience(conn, campaign):
                    box.add(person, self._closing_message(campaign, person))
            return await self._queue(conn, box)

    async def _campaign_audience(self, conn, campaign) -> list[dict]:
        audience: dict[int, dict] = {}
        base = {"kind": "all"}
        async for chunk in broadcast_service.recipients(conn, base):
            for person in chunk:
                if _interested(person.get("interests") or {}, campaign):
                    audience[person["id"]] = person
        for person in await reminder_repo.users_with_drafts(conn):
            draft = (person["data"] or {}).get("draft") or {}
            if draft.get("answers", {}).get("campaign") == campaign.slug:
                audience[person["id"]] = {**person, "draft": True}
        return list(audience.values())

    @staticmethod
    def _closing_message(campaign, person: dict):
        def render(t: Translator) -> Message:
            text = t._("The campaign “{title}” closes on {date}.").format(
                title=campaign.title(t.lang), date=t.date(campaign.closes))
            options = []
            if person.get("draft"):
                text += " " + t._("Your unfinished form for it is kept: send it before then.")
                options.append(Option(drafts.RESUME, t._("Continue")))
            return Message(text, options)

        return render

    # --- the plan's milestones ------------------------------------------------------------------
    async def milestones(self, now: datetime) -> int:
        if not self._after_digest_hour(now):
            return 0
        box = self._box(now)
        today = self._local(now).date()
        async with self.engine.begin() as conn:
            officers = await reminder_repo.active_officers(conn)
            for milestone in load_milestones(self.settings.milestones_file):
                when = next_occurrence(milestone, today)
                if when is None or (when - today).days > self.settings.milestone_days:
                    continue
                for officer in officers:
                    if officer["role"] in milestone["roles"] and await reminder_repo.claim(
                            conn, f"ms:{milestone['id']}:{when}:{officer['id']}", now):
                        box.add(officer, _milestone_message(milestone, when))
            return await self._queue(conn, box)


    # --- the selection council (issue 14) ---------------------------------------------------
    async def council(self, now: datetime) -> int:
        """Rounds whose closing day has ended close (their chairs are told); from the digest
        hour, each member with dossiers left in an open round is reminded once a day."""
        box = self._box(now)
        today = self._local(now).date()
        async with self.engine.begin() as conn:
            for round_id in await council_service.close_due(conn, self.ref, now):
                closed = await council_service.load_round(conn, round_id)
                for chair in await council_service.chairs(conn, closed):
                    box.add(chair, _round_closed_message(closed))
            if self._after_digest_hour(now):
                for open_round, member, left in await council_service.members_with_work(conn):
                    key = f"council:{open_round.id}:{member['officer_id']}:{today}"
                    if await reminder_repo.claim(conn, key, now):
                        box.add(member, _council_message(open_round, left))
            return await self._queue(conn, box)

def _interested(interests: dict, campaign) -> bool:
    """No ticked ward or field means all of them; else they must meet the campaign's."""
    for chosen, offered in ((interests.get("wards"), campaign.units),
                            (interests.get("fields"), campaign.fields)):
        if chosen and offered and not set(chosen) & set(offered):
            return False
    return True


def _milestone_message(milestone: dict, when: date):
    def render(t: Translator) -> Message:
        title = milestone["title_en"] if t.lang == "en" else milestone["title_vi"]
        return Message(t._("Reminder, deadline {date}: {title}").format(
            date=t.date(when), title=title))

    return render


def load_milestones(path: Path) -> list[dict]:
    with path.open("rb") as fh:
        return tomllib.load(fh).get("milestone", [])


def next_occurrence(milestone: dict, today: date) -> date | None:
    """The milestone's next date on or after today (a yearly one recurs by itself)."""
    if "date" in milestone:
        return milestone["date"] if milestone["date"] >= today else None
    month, day = (int(x) for x in milestone["yearly"].split("-"))
    this_year = date(today.year, month, day)
    return this_year if this_year >= today else date(today.year + 1, month, day)



def _council_message(round, left: int):  # noqa: A002
    def render(t: Translator) -> Message:
        if round.closes_on:
            text = t._("Selection council “{council}”, round {label}: {count} dossier(s) left "
                       "for you to score; the round closes on {date}. Send /hoidong.").format(
                council=round.council_name, label=round.label, count=left,
                date=t.date(round.closes_on))
        else:
            text = t._("Selection council “{council}”, round {label}: {count} dossier(s) left "
                       "for you to score. Send /hoidong.").format(
                council=round.council_name, label=round.label, count=left)
        return Message(text)

    return render


def _round_closed_message(round):  # noqa: A002
    def render(t: Translator) -> Message:
        return Message(t._("Selection council “{council}”: round {label} closed at the end of "
                           "its closing day. Send /hoidong for the ranking.").format(
            council=round.council_name, label=round.label))

    return render
