"""Who may do what to an entry: the workflow's steps, the actors, and the refusals.

Ward actions belong to the officers of the entry's own ward, district actions to the officers
of the unit above that ward (its parent in the units tree: the district, or the city's board),
the author's to the author, the clock's to the system, and nothing to anyone else.
`STEPS` is the whole state machine: no status changes but through one of its steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.i18n import N_, Translator
from bot.model import Option
from bot.reference import Reference
from bot.render import status_label, unit_name, upper_unit
from bot.services.actions import QUEUE_ACTION, QUEUE_CHOICE, VIEW, WITH_NOTE
from bot.workflow import AWARD_LEVELS, OPEN_STATUSES, ROLE_LABELS
from storage import officers as officer_repo
from storage import users as user_repo

WARD, DISTRICT, AUTHOR, SYSTEM = "ward", "district", "author", "system"
OFFICER_LEVELS = (WARD, DISTRICT)
OFFICER_ROLES = ("ward_officer", "district_officer", "communications", "admin",
                 "council_member")  # council_member: scores in a council (issue 14), no queue
REVIEWER_ROLES = ("ward_officer", "district_officer")  # the roles with a review queue
WARD_QUEUE = ("submitted", "accepted", "needs_info")
DISTRICT_QUEUE = ("forwarded", "shortlisted", "nominated", "awarded")
# The queue items whose due date runs: not those waiting for the author, nor awarded works
# waiting to be put into practice.
WARD_DUE = ("submitted", "accepted")
DISTRICT_DUE = ("forwarded", "shortlisted", "nominated")
# A step's target meaning "the status the entry had before the officers' question".
PREVIOUS = "previous"


@dataclass(frozen=True)
class Step:
    """One transition of the workflow. `effects` name what else the step writes (see
    Review._effects); `choice` is what the officer picks first (a ward, an award level);
    `confirm` marks the irreversible steps, which the officer confirms; `via` is a step taken
    first when the entry is still in that step's source (forwarding a new entry takes it).
    Any step out of `needs_info` restarts the due clock, moved by the working days it waited."""

    action: str
    sources: tuple[str, ...]
    target: str
    level: str
    needs_note: bool = False
    confirm: bool = False
    choice: str | None = None
    effects: tuple[str, ...] = ()
    via: str | None = None


STEPS = {
    s.action: s
    for s in (
        Step("take", ("submitted",), "accepted", WARD),
        Step("ask_info", ("submitted", "accepted"), "needs_info", WARD, needs_note=True,
             effects=("pause",)),
        Step("unask", ("needs_info",), PREVIOUS, WARD),
        Step("reject", WARD_QUEUE, "rejected", WARD, needs_note=True, confirm=True),
        Step("duplicate", WARD_QUEUE, "duplicate", WARD, needs_note=True, confirm=True),
        Step("transfer", WARD_QUEUE, "submitted", WARD, choice="ward", effects=("move", "requeue")),
        Step("forward", ("accepted", "needs_info"), "forwarded", WARD, effects=("requeue",),
             via="take"),
        Step("recognise", ("accepted",), "recognised", WARD, confirm=True),
        Step("close", ("accepted",), "closed", WARD),
        Step("shortlist", ("forwarded",), "shortlisted", DISTRICT),
        Step("dismiss", ("forwarded",), "rejected", DISTRICT, needs_note=True, confirm=True),
        Step("nominate", ("shortlisted",), "nominated", DISTRICT),
        Step("award", ("nominated",), "awarded", DISTRICT, needs_note=True, choice="level",
             effects=("award",)),
        Step("not_award", ("nominated",), "not_awarded", DISTRICT, confirm=True),
        Step("applied", ("awarded",), "applied", DISTRICT),
        Step("withdraw", OPEN_STATUSES, "withdrawn", AUTHOR),
        Step("answer", ("needs_info",), PREVIOUS, AUTHOR, effects=("attach",)),
        Step("close_unanswered", ("needs_info",), "closed", SYSTEM),
    )
}

ACTION_LABELS = {
    "take": N_("Take"),
    "ask_info": N_("Ask for more information"),
    "unask": N_("Withdraw the question"),
    "reject": N_("Reject"),
    "duplicate": N_("Duplicate of another entry"),
    "transfer": N_("Transfer to another ward"),
    "forward": N_("Forward to the higher level"),
    "recognise": N_("Recognise at ward level"),
    "close": N_("Close"),
    "shortlist": N_("Shortlist for the selection council"),
    "dismiss": N_("Reject at district level"),
    "nominate": N_("Nominate to the city award"),
    "award": N_("Record: awarded"),
    "not_award": N_("Record: not awarded"),
    "applied": N_("Mark as put into practice"),
    "view": N_("Details"),
}
FORWARD_WITH_NOTE = N_("Forward to the higher level with a note")

NOTE_PROMPTS = {
    "ask_info": N_("What do you need from the author? Type your question; it is sent as it is."),
    "reject": N_("Why is the entry rejected? Type the reason; the author will read it."),
    "dismiss": N_("Why is the entry rejected? Type the reason; the author will read it."),
    "duplicate": N_("Which entry does it duplicate? Type that entry's tracking code."),
    "forward": N_("Type the note for the officers of the higher level."),
    "award": N_("Which prize was awarded? Type it as the decision names it (for example: "
                "certificate of merit and 5,000,000 VND)."),
}


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: str  # "resident" or one of OFFICER_ROLES
    unit: str | None = None
    name: str = ""
    officer_id: int | None = None
    # The resident's chats on other channels, linked to this one (bot.services.linking).
    linked: tuple[int, ...] = ()

    def wrote(self, entry: dict) -> bool:
        """Whether the entry is this person's (sent from this chat or a linked one)."""
        return entry["user_id"] is not None and (
            entry["user_id"] == self.user_id or entry["user_id"] in self.linked)


AUTHOR_UNREACHED = N_(
    "The author has not written to the Official Account on Zalo for 7 days, so Zalo does not "
    "let us tell them now; they will be told as soon as they write again.")

SYSTEM_ACTOR = Actor(user_id=0, role=SYSTEM, name="")


@dataclass
class Outcome:
    ok: bool
    message: str  # a msgid, formatted with params in the actor's language
    params: dict[str, Any] = field(default_factory=dict)
    entry: dict | None = None


async def actor_for(conn: AsyncConnection, user: dict) -> Actor:
    officer = await officer_repo.active_officer(conn, user["id"])
    if officer is None:
        return Actor(user_id=user["id"], role="resident",
                     linked=tuple(await user_repo.same_person(conn, user)))
    return Actor(user_id=user["id"], role=officer["role"], unit=officer["unit"],
                 name=officer["name"], officer_id=officer["id"])


def refusal(ref: Reference, actor: Actor, step: Step, entry: dict) -> tuple[str, dict] | None:
    """Why `actor` may not take `step` on `entry`, or None when they may."""
    if step.level == AUTHOR:
        if not actor.wrote(entry):
            return N_("That entry is not among yours."), {}
        return None
    if step.level == SYSTEM:
        return None if actor.role == SYSTEM else (N_("Only the system can do this."), {})
    if actor.role not in OFFICER_ROLES:
        return N_("Only officers can do this."), {}
    if step.level == WARD:
        if actor.role != "ward_officer":
            return N_("Only the officers of the entry's ward can do this."), {}
        holder = entry["unit"]
    else:
        if actor.role != "district_officer":
            return N_("Only the officers of the higher level can do this."), {}
        holder = upper_unit(ref, entry["unit"])
    if holder is not None and actor.unit != holder:
        return N_("This entry belongs to another unit's queue; only its officers can act "
                  "on it."), {}
    return None


def available(ref: Reference, actor: Actor, entry: dict) -> list[str]:
    """The actions `actor` can take on `entry` now, in the order buttons are shown."""
    actions = []
    for step in STEPS.values():
        sources = step.sources + (STEPS[step.via].sources if step.via else ())
        if (step.level in OFFICER_LEVELS and entry["status"] in sources
                and refusal(ref, actor, step, entry) is None):
            actions.append(step.action)
    return actions


def action_options(t: Translator, ref: Reference, actor: Actor, entry: dict,
                   details: bool = True) -> list[Option]:
    """The actor's buttons for the entry; `details` adds Xem chi tiết (not on the details)."""
    options = []
    for action in available(ref, actor, entry):
        options.append(Option(QUEUE_ACTION.pack(action, entry["id"]), t.tr(ACTION_LABELS[action])))
        if action == "forward":
            options.append(Option(QUEUE_CHOICE.pack(action, entry["id"], WITH_NOTE),
                                  t.tr(FORWARD_WITH_NOTE)))
    if details:
        options.append(Option(QUEUE_ACTION.pack(VIEW, entry["id"]), t.tr(ACTION_LABELS[VIEW])))
    return options


def describe(t: Translator, ref: Reference, outcome: Outcome) -> str:
    """The outcome in the actor's language."""
    params = dict(outcome.params)
    if "status" in params:
        params["status"] = status_label(t, params["status"])
    if "time" in params:
        params["time"] = t.datetime(params["time"])
    if "level" in params:
        params["level"] = t.tr(AWARD_LEVELS.get(params["level"], params["level"]))
    if "unit" in params:
        params["unit"] = unit_name(ref, t, params["unit"])
    if params.get("who") in ROLE_LABELS:
        params["who"] = t.tr(ROLE_LABELS[params["who"]])
    if "role" in params:
        params["role"] = t.tr(ROLE_LABELS.get(params["role"], params["role"]))
    if "date" in params:
        params["date"] = t.date(params["date"])
    unreached = params.pop("unreached", False)
    text = t.tr(outcome.message).format(**params)
    if unreached:
        text += "\n" + t._(AUTHOR_UNREACHED)
    return text
