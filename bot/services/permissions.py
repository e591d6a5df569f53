"""Who may do what to an entry: the workflow's steps, the actors, and the refusals.

The rule is DESIGN.md's: ward actions belong to the officers of the entry's own ward, district
actions to the district's officers, and nothing to anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.i18n import N_, Translator
from bot.model import Option
from bot.reference import Reference
from bot.render import status_label, unit_name
from bot.workflow import ROLE_LABELS
from storage import officers as officer_repo

WARD, DISTRICT = "ward", "district"
OFFICER_ROLES = ("ward_officer", "district_officer", "communications", "admin")
WARD_QUEUE = ("submitted", "accepted", "needs_info")
DISTRICT_QUEUE = ("forwarded", "shortlisted", "nominated", "awarded")
# The queue items whose due date runs: not those waiting for the author, nor awarded works
# waiting to be put into practice.
WARD_DUE = ("submitted", "accepted")
DISTRICT_DUE = ("forwarded", "shortlisted", "nominated")


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str
    level: str
    needs_note: bool = False


STEPS = {
    s.action: s
    for s in (
        Step("take", ("submitted",), "accepted", WARD),
        Step("ask_info", ("submitted", "accepted"), "needs_info", WARD, needs_note=True),
        Step("reject", ("submitted", "accepted"), "rejected", WARD, needs_note=True),
        Step("duplicate", ("submitted", "accepted"), "duplicate", WARD, needs_note=True),
        Step("forward", ("accepted",), "forwarded", WARD),
        Step("recognise", ("accepted",), "recognised", WARD),
        Step("close", ("accepted",), "closed", WARD),
        Step("shortlist", ("forwarded",), "shortlisted", DISTRICT),
        Step("dismiss", ("forwarded",), "rejected", DISTRICT, needs_note=True),
        Step("nominate", ("shortlisted",), "nominated", DISTRICT),
        Step("award", ("nominated",), "awarded", DISTRICT),
        Step("not_award", ("nominated",), "not_awarded", DISTRICT),
        Step("applied", ("awarded",), "applied", DISTRICT),
    )
}

ACTION_LABELS = {
    "take": N_("Take"),
    "ask_info": N_("Ask for more information"),
    "reject": N_("Reject"),
    "duplicate": N_("Duplicate of another entry"),
    "forward": N_("Forward to the district"),
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

NOTE_PROMPTS = {
    "ask_info": N_("What do you need from the author? Type your question; it is sent as it is."),
    "reject": N_("Why is the entry rejected? Type the reason; the author will read it."),
    "dismiss": N_("Why is the entry rejected? Type the reason; the author will read it."),
    "duplicate": N_("Which entry does it duplicate? Type that entry's tracking code."),
}


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: str  # "resident" or one of OFFICER_ROLES
    unit: str | None = None
    name: str = ""
    officer_id: int | None = None


@dataclass
class Outcome:
    ok: bool
    message: str  # a msgid, formatted with params in the actor's language
    params: dict[str, Any] = field(default_factory=dict)
    entry: dict | None = None


async def actor_for(conn: AsyncConnection, user: dict) -> Actor:
    officer = await officer_repo.active_officer(conn, user["id"])
    if officer is None:
        return Actor(user_id=user["id"], role="resident")
    return Actor(user_id=user["id"], role=officer["role"], unit=officer["unit"],
                 name=officer["name"], officer_id=officer["id"])


def refusal(actor: Actor, step: Step, entry: dict) -> tuple[str, dict] | None:
    """Why `actor` may not take `step` on `entry`, or None when they may."""
    if actor.role not in OFFICER_ROLES:
        return N_("Only officers can do this."), {}
    if step.level == WARD:
        if actor.role != "ward_officer":
            return N_("Only the officers of the entry's ward can do this."), {}
        if actor.unit != entry["unit"]:
            return N_("This entry belongs to another unit's queue; only its officers can act "
                      "on it."), {}
    elif actor.role != "district_officer":
        return N_("Only the district's officers can do this."), {}
    return None


def available(actor: Actor, entry: dict) -> list[str]:
    """The actions `actor` can take on `entry` now, in the order buttons are shown."""
    actions = []
    for step in STEPS.values():
        sources = step.sources + (("submitted",) if step.action == "forward" else ())
        if entry["status"] in sources and refusal(actor, step, entry) is None:
            actions.append(step.action)
    return actions


def action_options(t: Translator, actor: Actor, entry: dict,
                   details: bool = True) -> list[Option]:
    """The actor's buttons for the entry; `details` adds Xem chi tiết (not on the details)."""
    options = [
        Option(f"q:{a}:{entry['id']}", t.tr(ACTION_LABELS[a])) for a in available(actor, entry)
    ]
    if details:
        options.append(Option(f"q:view:{entry['id']}", t.tr(ACTION_LABELS["view"])))
    return options


def describe(t: Translator, ref: Reference, outcome: Outcome) -> str:
    """The outcome in the actor's language."""
    params = dict(outcome.params)
    if "status" in params:
        params["status"] = status_label(t, params["status"])
    if "time" in params:
        params["time"] = t.datetime(params["time"])
    if "unit" in params:
        params["unit"] = unit_name(ref, t, params["unit"])
    if params.get("who") in ROLE_LABELS:
        params["who"] = t.tr(ROLE_LABELS[params["who"]])
    if "role" in params:
        params["role"] = t.tr(ROLE_LABELS.get(params["role"], params["role"]))
    if "date" in params:
        params["date"] = t.date(params["date"])
    return t.tr(outcome.message).format(**params)
