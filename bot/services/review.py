"""The workflow. Every change of an entry's status is one step of `STEPS` (permissions.py),
applied by `Review._apply`, which does the same four things for each: check permission and
state, change the entry in one transaction (a guarded update), write the history, and notify
the people concerned in their own language. No status changes anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.channels.base import REPLY_WINDOW
from bot.codes import CodeError, parse_code
from bot.i18n import N_, Translator
from bot.model import Option
from bot.reference import Reference
from bot.render import author_status_label, officer_view, unit_name, upper_unit
from bot.services import council as council_service
from bot.services.actions import ANSWER
from bot.services.outbox import Message, Outbox
from bot.services.permissions import (  # noqa: F401 - the workflow's vocabulary, re-exported
    ACTION_LABELS,
    AUTHOR,
    DISTRICT_QUEUE,
    NOTE_PROMPTS,
    OFFICER_ROLES,
    PREVIOUS,
    STEPS,
    SYSTEM_ACTOR,
    WARD_QUEUE,
    Actor,
    Outcome,
    Step,
    action_options,
    actor_for,
    describe,
    refusal,
)
from bot.text import shorten
from bot.workflow import AWARD_LEVELS
from storage import entries as entry_repo
from storage import officers as officer_repo
from storage import users as user_repo

CLOSED_UNANSWERED = N_("Closed: the requested information did not arrive in time.")
DONE = N_("Done: {code} is now “{status}”.")
DONE_BY_ACTION = {
    "withdraw": N_("{code} has been withdrawn."),
    "answer": N_("Thank you. Your answer has been added to {code} and the officers have been "
                 "told."),
    "transfer": N_("Done: {code} has been transferred to {unit}."),
    "close_unanswered": CLOSED_UNANSWERED,
}
# What the actor is told when the entry is no longer in a state the step starts from; the
# officers' steps say who acted before them (`Review.stale`).
NOT_NOW = {
    "withdraw": N_("{code} can no longer be withdrawn: its review is finished."),
    "answer": N_("{code} is no longer waiting for information."),
}
# Which officers hear of a step, and the line their message starts with.
OFFICER_NEWS = {
    "forward": ("district", N_("Forwarded to your unit's queue:")),
    "transfer": ("new_ward", N_("Transferred to your ward's queue:")),
    "withdraw": ("queue", N_("The author has withdrawn this entry:")),
    "answer": ("queue", N_("The author has answered the officers' question:")),
    "close_unanswered": ("queue", CLOSED_UNANSWERED),
}
ANSWERED_YOURS = N_("The author has answered your question:")


class Review:
    """The workflow, bound to the things every step needs: reference data, calendar, outbox."""

    def __init__(self, conn: AsyncConnection, ref: Reference, outbox: Outbox, now: datetime,
                 review_days: int = 5, group_chats: dict[str, str] | None = None):
        self.conn, self.ref, self.outbox, self.now = conn, ref, outbox, now
        self.review_days = review_days
        self.group_chats = group_chats or {}

    # --- the ways in ------------------------------------------------------------------------
    async def run(self, actor: Actor, action: str, entry_id: int, note: str | None = None,
                  **args: Any) -> Outcome:
        """Take the step `action` on the entry. `args`: `unit` (transfer), `level` (award),
        `files` (answer)."""
        return await self._run(actor, action, await entry_repo.entry_by_id(self.conn, entry_id),
                               note, **args)

    async def by_code(self, actor: Actor, action: str, code: str, note: str | None = None,
                      **args: Any) -> Outcome:
        """The author's steps name the entry by its tracking code."""
        entry = await entry_repo.entry_by_code(self.conn, code)
        if entry is None or not actor.wrote(entry):
            return Outcome(False, N_("That entry is not among yours."))
        return await self._run(actor, action, entry, note, **args)

    async def _run(self, actor: Actor, action: str, entry: dict | None, note: str | None,
                   **args: Any) -> Outcome:
        step = STEPS.get(action)
        if step is None or entry is None:
            return Outcome(False, N_("This entry no longer exists."))
        if step.via and entry["status"] in STEPS[step.via].sources:
            # The author hears once, of this step; the one before it is in the history.
            before = await self._apply(actor, STEPS[step.via], entry, None, tell=False)
            if not before.ok:
                return before
            entry = before.entry
        return await self._apply(actor, step, entry, note, **args)

    async def close_unanswered(self, entry_id: int) -> Outcome:
        """No answer came in time: the entry is closed, and both sides are told."""
        return await self.run(SYSTEM_ACTOR, "close_unanswered", entry_id, CLOSED_UNANSWERED)

    async def remind_author(self, entry: dict) -> None:
        """The officers' question is still unanswered: recall it to the author."""
        author = await user_repo.load_user_by_id(self.conn, entry["user_id"]) \
            if entry["user_id"] else None
        if author is None:
            return
        asked = await entry_repo.last_change_to(self.conn, entry["id"], "needs_info")
        question = (asked or {}).get("note") or ""

        def render(t: Translator) -> Message:
            text = t._("The officers are still waiting for your answer about {code} “{title}”: "
                       "{question}").format(code=entry["code"], title=entry["title"],
                                            question=question)
            return Message(text, [Option(ANSWER.pack(entry["code"]), t._("Answer"))])

        self.outbox.add(author, render)

    async def announce_new(self, entry: dict, files: int) -> None:
        """A new entry: every officer of its unit, and the unit's group chat, hear of it."""
        await self._notify_officers(entry, unit=entry["unit"], role="ward_officer",
                                    headline=N_("New entry in your queue:"), groups=True,
                                    files=files)

    async def check(self, actor: Actor, action: str, entry_id: int, note: str | None = None,
                    **args: Any) -> Outcome | None:
        """Why the step would be refused now, or None: asked before an officer confirms."""
        step = STEPS[action]
        entry = await entry_repo.entry_by_id(self.conn, entry_id)
        if entry is None:
            return Outcome(False, N_("This entry no longer exists."))
        problem, _ = await self._check(step, entry, note, args.get("unit"), args.get("level"))
        return problem

    # --- the one apply path -----------------------------------------------------------------
    async def _apply(self, actor: Actor, step: Step, entry: dict, note: str | None, *,
                     tell: bool = True, unit: str | None = None, level: str | None = None,
                     files: Iterable[dict] = ()) -> Outcome:
        refused = refusal(self.ref, actor, step, entry)
        if refused:
            return Outcome(False, refused[0], refused[1], entry)
        note = (note or "").strip() or None
        if step.needs_note and not note:
            return Outcome(False, N_("This action needs a note for the author."), {}, entry)
        problem, note = await self._check(step, entry, note, unit, level)
        if problem:
            return problem
        if entry["status"] not in step.sources:
            return await self._not_now(step, entry)
        asked = None
        target = step.target
        if entry["status"] == "needs_info":
            asked = await entry_repo.last_change_to(self.conn, entry["id"], "needs_info")
        if target == PREVIOUS:
            target = (asked or {}).get("from_status") or "submitted"
        values = self._effects(step, entry, target, note, unit, level)
        if not await entry_repo.change_status(self.conn, entry["id"], step.sources, target,
                                              self.now, **values):
            return await self.stale(entry["id"])
        if step.action == "nominate" and note is None:  # the council's ranking (issue 14)
            note = await council_service.ranking_note(self.conn, self.ref, entry["id"])
        if "attach" in step.effects:
            await entry_repo.insert_attachments(self.conn, entry["id"], files, self.now)
        await entry_repo.insert_history(
            self.conn, entry["id"], at=self.now, actor_id=actor.user_id or None,
            role=actor.role, from_status=entry["status"], to_status=target, note=note,
            officer_id=actor.officer_id, actor_name=actor.name or None,
        )
        before, entry = entry, {**entry, "status": target, "updated_at": self.now, **values}
        reached = True
        if tell and step.level != AUTHOR:
            reached = await self._notify_author(step, entry, note)
        await self._notify_officers_of(step, before, entry, note, asked)
        params = {"code": entry["code"], "status": target, "unit": entry["unit"]}
        if not reached:
            params["unreached"] = True
        return Outcome(True, DONE_BY_ACTION.get(step.action, DONE), params, entry)

    async def _check(self, step: Step, entry: dict, note: str | None, unit: str | None,
                     level: str | None) -> tuple[Outcome | None, str | None]:
        """What a step needs besides permission and state: a valid pick, an existing entry."""
        if step.action == "duplicate":
            try:
                code = parse_code(note or "")
            except CodeError:
                return Outcome(False, N_("“{typed}” is not a valid tracking code."),
                               {"typed": shorten(note or "", 40)}), note
            other = await entry_repo.entry_by_code(self.conn, code)
            if other is None or other["id"] == entry["id"]:
                return Outcome(False, N_("No other entry has the code {code}."),
                               {"code": code}), note
            return None, code
        if step.choice == "ward" and (unit == entry["unit"] or unit not in
                                      {w.slug for w in self.ref.wards}):
            return Outcome(False, N_("Please choose the ward the entry should go to."), {},
                           entry), note
        if step.choice == "level" and level not in AWARD_LEVELS:
            return Outcome(False, N_("Please choose the level of the award."), {}, entry), note
        return None, note

    def _effects(self, step: Step, entry: dict, target: str, note: str | None,
                 unit: str | None, level: str | None) -> dict[str, Any]:
        """The columns a step writes besides the status."""
        values: dict[str, Any] = {}
        if entry["status"] == "needs_info" and target != "needs_info":
            # The clock runs again, the due date moved by the working days it waited.
            values["paused_at"] = None
            due = entry["due_at"]
            if entry["paused_at"] and due is not None:
                waited = self.ref.calendar.working_days_between(
                    entry["paused_at"].astimezone(self.ref.tz), self.now)
                if waited:
                    values["due_at"] = self.ref.calendar.add_working_days(
                        due.astimezone(self.ref.tz), waited)
        if "pause" in step.effects:
            values["paused_at"] = self.now
        if "move" in step.effects:
            values["unit"] = unit
        if "requeue" in step.effects:
            values.update(queue_since=self.now, due_at=self.due_from(self.now))
        if "award" in step.effects:
            values.update(award_level=level, award_prize=note)
        return values

    async def _not_now(self, step: Step, entry: dict) -> Outcome:
        if step.action in NOT_NOW:
            return Outcome(False, NOT_NOW[step.action], {"code": entry["code"]}, entry)
        return await self.stale(entry["id"])

    async def stale(self, entry_id: int) -> Outcome:
        """Someone else acted first: say who, and when."""
        entry = await entry_repo.entry_by_id(self.conn, entry_id)
        last = (await entry_repo.entry_history(self.conn, entry_id))[-1]
        return Outcome(
            False,
            N_("Already handled: {who} changed {code} to “{status}” at {time}."),
            {"who": last["actor_name"] or last["role"], "code": entry["code"],
             "status": entry["status"], "time": last["at"]},
            entry,
        )

    def due_from(self, start: datetime) -> datetime:
        """When an item arriving at `start` is due: `review_days` working days later."""
        return self.ref.calendar.add_working_days(
            start.astimezone(self.ref.tz), self.review_days
        )

    # --- notifications ----------------------------------------------------------------------
    async def _notify_author(self, step: Step, entry: dict, note: str | None) -> bool:
        """Tell the author; False when their channel will not let the bot reach them now
        (REPLY_WINDOW: the news waits for their next message)."""
        if entry["user_id"] is None:
            return True
        author = await user_repo.load_user_by_id(self.conn, entry["user_id"])
        if author is None:
            return True
        window = REPLY_WINDOW.get(author["channel"])
        reached = window is None or self.now - author["updated_at"] < window

        def render(t: Translator) -> Message:
            lines = [t._("Update on your entry {code} “{title}”: {status}.").format(
                code=entry["code"], title=entry["title"],
                status=author_status_label(t, entry["status"]))]
            options = []
            if entry["status"] == "needs_info":
                lines.append(t._("The officers ask: {question}").format(question=note))
                lines.append(t._("Press Answer to reply; you can add photos or documents."))
                options.append(Option(ANSWER.pack(entry["code"]), t._("Answer")))
            elif step.action == "unask":
                lines.append(t._("The officers have withdrawn their question; you do not need "
                                 "to answer it."))
            elif step.action == "transfer":
                lines.append(t._("It is now reviewed by {unit}.").format(
                    unit=unit_name(self.ref, t, entry["unit"])))
            elif step.action == "award":
                lines.append(t._("Result: {level}; prize: {prize}.").format(
                    level=t.tr(AWARD_LEVELS[entry["award_level"]]), prize=note))
            elif entry["status"] in ("rejected", "duplicate") and note:
                lines.append(t._("Reason: {reason}").format(reason=note))
            return Message("\n".join(lines), options)

        self.outbox.add(author, render)
        return reached

    async def _notify_officers_of(self, step: Step, before: dict, entry: dict,
                                  note: str | None, asked: dict | None) -> None:
        whom, headline = OFFICER_NEWS.get(step.action, (None, None))
        if whom == "district":
            await self._notify_officers(entry, **self._upper_queue(entry),
                                        headline=headline, extra_line=note)
        elif whom == "new_ward":
            await self._notify_officers(entry, role="ward_officer", unit=entry["unit"],
                                        headline=headline, extra_line=note, groups=True)
        elif whom == "queue":
            asker = (asked or {}).get("officer_id") if step.action == "answer" else None
            await self._notify_officers(entry, **self._queue_of(before),
                                        headline=headline, asker=asker,
                                        extra_line=note if step.level == AUTHOR else None)

    def _queue_of(self, entry: dict) -> dict:
        """Whose queue an entry sits in: the unit above its ward, or its ward's."""
        if entry["status"] in DISTRICT_QUEUE:
            return self._upper_queue(entry)
        return {"unit": entry["unit"], "role": "ward_officer"}

    def _upper_queue(self, entry: dict) -> dict:
        """The officers of the unit a ward forwards to: its parent in the units tree (the
        district, or since July 2025 the city's emulation board)."""
        return {"unit": upper_unit(self.ref, entry["unit"]), "role": "district_officer"}

    async def _notify_officers(self, entry: dict, *, role: str | None, unit: str | None,
                               headline: str, extra_line: str | None = None,
                               groups: bool = False, files: int | None = None,
                               asker: int | None = None) -> None:
        """`asker`: the officer who asked the question is told it is theirs."""
        recipients = await officer_repo.recipients(self.conn, unit=unit, role=role)
        if groups and unit in self.group_chats:
            channel, _, chat = self.group_chats[unit].partition(":")
            recipients.append({"id": None, "channel": channel, "external_id": chat,
                               "lang": None, "role": "ward_officer", "unit": unit})
        if not recipients:
            return
        if files is None:
            files = len(await entry_repo.entry_attachments(self.conn, entry["id"]))
        for officer in recipients:
            line = ANSWERED_YOURS if asker is not None and officer["id"] == asker else headline
            self._notify_officer(officer, entry, line, files, extra_line)

    def _notify_officer(self, officer: dict, entry: dict, headline: str, files: int,
                        extra_line: str | None) -> None:
        actor = Actor(user_id=0, role=officer.get("role") or "ward_officer",
                      unit=officer.get("unit"), officer_id=officer["id"])

        def render(t: Translator) -> Message:
            text = f"{t.tr(headline)}\n\n{officer_view(t, self.ref, entry, files)}"
            if extra_line:
                text += f"\n\n{extra_line}"
            return Message(text, action_options(t, self.ref, actor, entry))

        self.outbox.add(officer, render)
