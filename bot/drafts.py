"""What the services need to know about a form's draft without knowing the form: its name in a
sentence ("your unfinished idea") and whether an unfinished one is reminded.

The form declarations (handlers/form.py) register themselves here; services read it, so that
nothing below the handlers imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons import Button

# The main menu's buttons: "menu:<item>". Reminders offer "Continue" with the same value as
# the menu's own option, so it is defined here, below both.
MENU = Button("menu", "item")
RESUME = MENU.pack("resume")
MAIN = MENU.pack("main")


@dataclass(frozen=True)
class DraftKind:
    name: str  # msgid, e.g. "idea"
    reminded: bool


_KINDS: dict[str, DraftKind] = {}


def register(kind: str, name: str, *, reminded: bool) -> None:
    _KINDS[kind] = DraftKind(name, reminded)


def name(kind: str) -> str:
    """The draft's name (a msgid, to be translated with `tr`); the kind itself if unknown."""
    known = _KINDS.get(kind)
    return known.name if known else kind


def reminded(kind: str | None) -> bool:
    """Whether an unfinished draft of this kind gets the 24- and 72-hour reminders."""
    known = _KINDS.get(kind or "")
    return bool(known and known.reminded)


def files_of(draft: dict) -> list[dict]:
    """The files of a draft: the list in its answers; drafts saved before the files moved there
    kept them beside the answers (and a count as the answer)."""
    files = draft.get("answers", {}).get("files")
    return list(files) if isinstance(files, list) else list(draft.get("files") or [])
