"""What a handler sees of one incoming event, and what it leaves behind: replies and a new state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Settings
from bot.i18n import Translator
from bot.links import Links
from bot.model import Event, Option, Reply
from bot.reference import Reference
from bot.services.outbox import Outbox
from bot.services.review import Review


def _copy(value: Any) -> Any:
    """A copy of a row's JSON (dicts, lists and scalars): what the step changes stays its own
    until it is saved. Several times faster than copy.deepcopy, which the step paid for."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


# States in which the person is not answering a question: a notification's options (an officer's
# new entry, an author's status) may become what their typed numbers and labels pick, on a
# channel without buttons (bot.runtime). Elsewhere a typed number stays the answer they give.
BETWEEN_QUESTIONS = frozenset({"new", "menu", "review", "mine", "lookup", "settings"})


@dataclass
class Context:
    settings: Settings
    ref: Reference
    conn: AsyncConnection
    user: dict[str, Any]
    event: Event
    now: datetime
    t: Translator
    translators: Callable[[str | None], Translator]  # the sentences of any language
    replies: list[Reply] = field(default_factory=list)
    user_changes: dict[str, Any] = field(default_factory=dict)
    forget_user: bool = False
    campaigns_changed: bool = False
    tasks_requested: bool = False  # the step asked for a task (bot/tasks.py): look for it now
    # Signed links to the bot's pages, for channels where people cannot send documents in the
    # chat (bot.channels.base.DOCUMENTS_BY_LINK); None elsewhere.
    links: Links | None = None

    def __post_init__(self) -> None:
        self.state: str = self.user["state"]
        self.data: dict[str, Any] = _copy(self.user["data"] or {})
        self.outbox = Outbox(self.translators, self.now, quiet=self.ref.quiet,
                             sender=(self.event.channel, self.event.user))

    def review(self) -> Review:
        """The officers' workflow, bound to this step's transaction and outbox."""
        return Review(self.conn, self.ref, self.outbox, self.now, self.settings.review_days,
                      self.settings.unit_groups)

    @property
    def is_officer(self) -> bool:
        return (self.user.get("role") or "resident") != "resident"

    # --- language --------------------------------------------------------------------------
    def _(self, message: str) -> str:
        return self.t._(message)

    def tr(self, marked: str) -> str:
        """Translate a sentence marked with N_ where it was defined (not extracted here)."""
        return self.t._(marked)

    @property
    def lang(self) -> str:
        return self.t.lang

    @property
    def today(self) -> date:
        return self.now.astimezone(self.t.tz).date()

    # --- replies ---------------------------------------------------------------------------
    def say(
        self,
        text: str,
        options: list[Option] | None = None,
        *,
        numbered: bool = True,
        request_contact: str | None = None,
    ) -> None:
        """Reply to the sender. The options are remembered so that typing a label, or the number
        shown next to an option, later picks it, on every step. `numbered=False` shows no numbers
        and makes typed numbers plain answers, for a step whose answer may be a small number."""
        options = options or []
        # Telegram keeps a reply keyboard (the phone question's) until told otherwise.
        remove = not options and not request_contact and bool(self.data.pop("keyboard", False))
        if request_contact:
            self.data["keyboard"] = True
        self.replies.append(Reply(text=text, options=options, request_contact=request_contact,
                                  remove_keyboard=remove, numbered=numbered))
        self.data["opts"] = [[o.value, o.label] for o in options]
        # Rows written before typed numbers picked everywhere hold "numbered"; it is ignored.
        self.data.pop("numbered", None)
        if numbered:
            self.data.pop("plain", None)
        else:
            self.data["plain"] = True

    def note(self, text: str) -> None:
        """Reply without asking anything: the question being answered, and its options
        (typed numbers, earlier buttons), stay as they were."""
        self.replies.append(Reply(text=text))

    def goto(self, state: str) -> None:
        self.state = state

    def set_user(self, **values: Any) -> None:
        self.user_changes.update(values)
        self.user.update(values)
