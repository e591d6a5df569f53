"""The officers' workflow. Each verb is one function doing the same four things: check
permission and state, change the entry in one transaction (a guarded update), write the history,
and notify the people concerned in their own language. No status changes anywhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.codes import CodeError, parse_code
from bot.i18n import N_, Translator
from bot.model import Option
from bot.reference import Reference
from bot.render import status_label
from bot.services.outbox import Message, Outbox
from bot.services.permissions import (  # noqa: F401 - the workflow's vocabulary, re-exported
    ACTION_LABELS,
    DISTRICT_QUEUE,
    NOTE_PROMPTS,
    OFFICER_ROLES,
    STEPS,
    WARD_QUEUE,
    Actor,
    Outcome,
    Step,
    action_options,
    actor_for,
    describe,
    refusal,
)
from bot.workflow import OPEN_STATUSES
from storage import entries as entry_repo
from storage import officers as officer_repo
from storage import users as user_repo


class Review:
    """The workflow, bound to the things every verb needs: reference data, calendar, outbox."""

    def __init__(self, conn: AsyncConnection, ref: Reference, outbox: Outbox, now: datetime,
                 review_days: int = 5, group_chats: dict[str, str] | None = None):
        self.conn, self.ref, self.outbox, self.now = conn, ref, outbox, now
        self.review_days = review_days
        self.group_chats = group_chats or {}

    # --- the verbs ------------------------------------------------------------------------
    async def take(self, actor: Actor, entry_id: int) -> Outcome:
        return await self._apply(actor, STEPS["take"], entry_id)

    async def ask_info(self, actor: Actor, entry_id: int, question: str) -> Outcome:
        return await self._apply(actor, STEPS["ask_info"], entry_id, question,
                                 paused_at=self.now)

    async def reject(self, actor: Actor, entry_id: int, reason: str) -> Outcome:
        return await self._apply(actor, STEPS["reject"], entry_id, reason)

    async def duplicate(self, actor: Actor, entry_id: int, other_code: str) -> Outcome:
        try:
            code = parse_code(other_code)
        except CodeError:
            return Outcome(False, N_("“{typed}” is not a valid tracking code."),
                           {"typed": other_code[:40]})
        other = await entry_repo.entry_by_code(self.conn, code)
        if other is None or other["id"] == entry_id:
            return Outcome(False, N_("No other entry has the code {code}."), {"code": code})
        return await self._apply(actor, STEPS["duplicate"], entry_id, code)

    async def forward(self, actor: Actor, entry_id: int) -> Outcome:
        """Forward to the district; a new entry is taken first, so the history shows both."""
        entry = await entry_repo.entry_by_id(self.conn, entry_id)
        if entry is not None and entry["status"] == "submitted":
            # The author hears once, of the forward; the take is in the history.
            taken = await self._apply(actor, STEPS["take"], entry_id, entry=entry,
                                      tell_author=False)
            if not taken.ok:
                return taken
            entry = taken.entry
        return await self._apply(
            actor, STEPS["forward"], entry_id, entry=entry, queue_since=self.now,
            due_at=self.due_from(self.now),
        )

    async def recognise(self, actor: Actor, entry_id: int) -> Outcome:
        return await self._apply(actor, STEPS["recognise"], entry_id)

    async def close(self, actor: Actor, entry_id: int) -> Outcome:
        return await self._apply(actor, STEPS["close"], entry_id)

    async def shortlist(self, actor: Actor, entry_id: int) -> Outcome:
        return await self._apply(actor, STEPS["shortlist"], entry_id)

    async def dismiss(self, actor: Actor, entry_id: int, reason: str) -> Outcome:
        return await self._apply(actor, STEPS["dismiss"], entry_id, reason)

    async def nominate(self, actor: Actor, entry_id: int) -> Outcome:
        return await self._apply(actor, STEPS["nominate"], entry_id)

    async def award(self, actor: Actor, entry_id: int) -> Outcome:
        return await self._apply(actor, STEPS["award"], entry_id)

    async def not_award(self, actor: Actor, entry_id: int) -> Outcome:
        return await self._apply(actor, STEPS["not_award"], entry_id)

    async def applied(self, actor: Actor, entry_id: int) -> Outcome:
        return await self._apply(actor, STEPS["applied"], entry_id)

    # --- what the author does -----------------------------------------------------------
    async def withdraw(self, actor: Actor, code: str) -> Outcome:
        """The author withdraws an open entry; the officers of its unit are told."""
        entry = await entry_repo.entry_by_code(self.conn, code)
        if entry is None or entry["user_id"] != actor.user_id:
            return Outcome(False, N_("That entry is not among yours."))
        if not await entry_repo.change_status(self.conn, entry["id"], OPEN_STATUSES, "withdrawn",
                                        self.now):
            return Outcome(False, N_("{code} can no longer be withdrawn: its review is "
                                     "finished."), {"code": code}, entry)
        await entry_repo.insert_history(
            self.conn, entry["id"], at=self.now, actor_id=actor.user_id, role="resident",
            from_status=entry["status"], to_status="withdrawn",
        )
        queue = self._queue_of(entry, entry["status"])
        entry = {**entry, "status": "withdrawn"}
        await self._notify_officers(entry, **queue,
                                    headline=N_("The author has withdrawn this entry:"))
        return Outcome(True, N_("{code} has been withdrawn."), {"code": code}, entry)

    async def answer(self, actor: Actor, code: str, text: str, files: list[dict]) -> Outcome:
        """The author answers the officers' question: the answer joins the entry, the entry
        returns to its queue, and the due date moves by the working days it waited."""
        entry = await entry_repo.entry_by_code(self.conn, code)
        if entry is None or entry["user_id"] != actor.user_id:
            return Outcome(False, N_("That entry is not among yours."))
        waited = 0
        if entry["paused_at"]:
            waited = self.ref.calendar.working_days_between(
                entry["paused_at"].astimezone(self.ref.tz), self.now)
        due = entry["due_at"]
        if due is not None and waited:
            due = self.ref.calendar.add_working_days(due.astimezone(self.ref.tz), waited)
        if not await entry_repo.change_status(self.conn, entry["id"], ("needs_info",), "submitted",
                                        self.now, paused_at=None, due_at=due):
            return Outcome(False, N_("{code} is no longer waiting for information."),
                           {"code": code}, entry)
        await entry_repo.insert_attachments(self.conn, entry["id"], files, self.now)
        await entry_repo.insert_history(
            self.conn, entry["id"], at=self.now, actor_id=actor.user_id, role="resident",
            from_status="needs_info", to_status="submitted", note=text or None,
        )
        entry = {**entry, "status": "submitted", "due_at": due, "paused_at": None}
        extra = text if text else None
        await self._notify_officers(entry, **self._queue_of(entry, "needs_info"), extra_line=extra,
                                    headline=N_("The author has answered your question:"))
        return Outcome(True, N_("Thank you. Your answer has been added to {code} and the "
                                "officers have been told."), {"code": code}, entry)

    # --- what the clock does ---------------------------------------------------------------
    async def remind_author(self, entry: dict) -> None:
        """The officers' question is still unanswered: recall it to the author."""
        author = await user_repo.load_user_by_id(self.conn, entry["user_id"]) if entry["user_id"] \
            else None
        if author is None:
            return
        history = await entry_repo.entry_history(self.conn, entry["id"])
        question = next((h["note"] for h in reversed(history) if h["to_status"] == "needs_info"),
                        "")

        def render(t: Translator) -> Message:
            text = t._("The officers are still waiting for your answer about {code} “{title}”: "
                       "{question}").format(code=entry["code"], title=entry["title"],
                                            question=question)
            return Message(text, [Option(f"ans:{entry['code']}", t._("Answer"))])

        self.outbox.add(author, render)

    async def close_unanswered(self, entry_id: int) -> Outcome:
        """No answer came in time: the entry is closed, and both sides are told."""
        entry = await entry_repo.entry_by_id(self.conn, entry_id)
        if entry is None or not await entry_repo.change_status(
                self.conn, entry_id, ("needs_info",), "closed", self.now, paused_at=None):
            return Outcome(False, N_("This entry no longer exists."))
        note = N_("Closed: the requested information did not arrive in time.")
        await entry_repo.insert_history(
            self.conn, entry_id, at=self.now, actor_id=None, role="system",
            from_status="needs_info", to_status="closed", note=note,
        )
        entry = {**entry, "status": "closed"}
        await self._notify_author(entry, None)
        await self._notify_officers(entry, **self._queue_of(entry, "needs_info"),
                                    headline=note)
        return Outcome(True, note, {}, entry)

    async def announce_new(self, entry: dict, files: int) -> None:
        """A new entry: every officer of its unit, and the unit's group chat, hear of it."""
        await self._notify_officers(entry, unit=entry["unit"], role="ward_officer",
                                    headline=N_("New entry in your queue:"), groups=True,
                                    files=files)

    @staticmethod
    def _queue_of(entry: dict, status: str) -> dict:
        """Whose queue an entry in `status` sits in: the district's, or its ward's."""
        if status in DISTRICT_QUEUE:
            return {"unit": None, "role": "district_officer"}
        return {"unit": entry["unit"], "role": "ward_officer"}

    async def run(self, actor: Actor, action: str, entry_id: int, note: str | None) -> Outcome:
        """Dispatch a button's action name to its verb."""
        verb = getattr(self, action)
        return await (verb(actor, entry_id, note) if STEPS[action].needs_note
                      else verb(actor, entry_id))

    # --- the four steps, shared -------------------------------------------------------------
    async def _apply(self, actor: Actor, step: Step, entry_id: int, note: str | None = None,
                     *, entry: dict | None = None, tell_author: bool = True,
                     **extra: Any) -> Outcome:
        """`entry`, when the caller has just read or changed it, saves reading it again."""
        if entry is None:
            entry = await entry_repo.entry_by_id(self.conn, entry_id)
        if entry is None:
            return Outcome(False, N_("This entry no longer exists."))
        refused = refusal(actor, step, entry)
        if refused:
            return Outcome(False, refused[0], refused[1], entry)
        if step.needs_note and not (note or "").strip():
            return Outcome(False, N_("This action needs a note for the author."), {}, entry)
        changed = await entry_repo.change_status(
            self.conn, entry_id, step.sources, step.target, self.now, **extra
        )
        if not changed:
            return await self.stale(entry_id)
        await entry_repo.insert_history(
            self.conn, entry_id, at=self.now, actor_id=actor.user_id, role=actor.role,
            from_status=entry["status"], to_status=step.target, note=note,
            officer_id=actor.officer_id, actor_name=actor.name,
        )
        entry = {**entry, "status": step.target, "updated_at": self.now, **extra}
        if tell_author:
            await self._notify_author(entry, note)
        if step.action == "forward":
            await self._notify_officers(entry, role="district_officer", unit=None,
                                        headline=N_("Forwarded to the district queue:"))
        return Outcome(True, N_("Done: {code} is now “{status}”."),
                       {"code": entry["code"], "status": step.target}, entry)

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
    async def _notify_author(self, entry: dict, note: str | None) -> None:
        if entry["user_id"] is None:
            return
        author = await user_repo.load_user_by_id(self.conn, entry["user_id"])
        if author is None:
            return

        def render(t: Translator) -> Message:
            lines = [t._("Update on your entry {code} “{title}”: {status}.").format(
                code=entry["code"], title=entry["title"], status=status_label(t, entry["status"]))]
            options = []
            if entry["status"] == "needs_info":
                lines.append(t._("The officers ask: {question}").format(question=note))
                lines.append(t._("Press Answer to reply; you can add photos or documents."))
                options.append(Option(f"ans:{entry['code']}", t._("Answer")))
            elif entry["status"] in ("rejected", "duplicate") and note:
                lines.append(t._("Reason: {reason}").format(reason=note))
            return Message("\n".join(lines), options)

        self.outbox.add(author, render)

    async def _notify_officers(self, entry: dict, *, role: str | None, unit: str | None,
                               headline: str, extra_line: str | None = None,
                               groups: bool = False, files: int | None = None) -> None:
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
            self._notify_officer(officer, entry, headline, files, extra_line)

    def _notify_officer(self, officer: dict, entry: dict, headline: str, files: int,
                        extra_line: str | None) -> None:
        from bot.render import officer_view

        actor = Actor(user_id=0, role=officer.get("role") or "ward_officer",
                      unit=officer.get("unit"), officer_id=officer["id"])

        def render(t: Translator) -> Message:
            text = f"{t.tr(headline)}\n\n{officer_view(t, self.ref, entry, files)}"
            if extra_line:
                text += f"\n\n{extra_line}"
            return Message(text, action_options(t, actor, entry))

        self.outbox.add(officer, render)
