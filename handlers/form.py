"""What a form is: one declaration holds its kind, names, questions, who may fill it in, whether
an unfinished one is reminded, and what confirming does. The engine (handlers/flow.py) only reads
declarations; a new form is a `Form(...)` passed to `register` plus its `on_confirm` function,
in the handler module of its feature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot import drafts
from bot.context import Context
from bot.i18n import N_
from handlers.fields import Field, Retry


@dataclass(frozen=True)
class Done:
    """The form was confirmed: the draft is deleted and `text` is shown with the menu. When
    confirming is refused, `on_confirm` returns a `Retry` instead: the draft is kept and the
    summary shown again after its message."""

    text: str


@dataclass(frozen=True)
class Form:
    kind: str
    title: str  # msgid: "your idea", as in "Please check your idea:"
    draft_name: str  # msgid: "idea", as in "You have an unfinished idea"
    fields: tuple[Field, ...]
    on_confirm: Callable[[Context, dict], Awaitable[Done | Retry]]
    roles: frozenset[str] | None = None  # None: any resident who consented
    reminded: bool = False
    # The answers a new draft starts with, or a sentence why the form cannot start now.
    prepare: Callable[[Context, str | None], dict[str, Any] | str] | None = None
    # A line for the summary, e.g. how many people an announcement will reach.
    summary_note: Callable[[Context, dict], Awaitable[str | None]] | None = None
    not_editable: tuple[str, ...] = ()  # answers the summary does not offer to change
    refusal: str = N_("Only the communications office and administrators can do this.")

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def allows(self, role: str | None) -> bool:
        return self.roles is None or (role or "resident") in self.roles


FORMS: dict[str, Form] = {}


def register(form: Form) -> Form:
    FORMS[form.kind] = form
    drafts.register(form.kind, form.draft_name, reminded=form.reminded)
    return form
