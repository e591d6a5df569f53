"""The kinds of question a form asks. Each knows how to ask, read an answer and show it.

`accept` returns an `Answer` (go on), a `Retry` (say why and ask again, keeping the draft) or a
`Stay` (the answer was taken, but the question goes on, as with several files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.model import Option
from bot.phones import display_phone, normalise_phone
from handlers.common import DONE, SKIP, WRONG_KIND, nav


@dataclass(frozen=True)
class Answer:
    value: Any


@dataclass(frozen=True)
class Retry:
    message: str


@dataclass(frozen=True)
class Stay:
    message: str


@dataclass(frozen=True)
class Field:
    name: str
    prompt: str  # msgid
    label: str  # msgid, used in the summary and the edit list
    optional: bool = False
    when: Callable[[dict], bool] | None = None  # asked only when this holds for the answers
    kind = "text"

    def applies(self, answers: dict) -> bool:
        return self.when is None or self.when(answers)

    def options(self, ctx: Context) -> list[Option]:
        return []

    def ask(self, ctx: Context, prefix: str | None = None) -> None:
        text = ctx._(self.prompt)
        if prefix:
            text = f"{prefix}\n\n{text}"
        ctx.say(
            text,
            self.options(ctx) + nav(ctx, skip=self.optional),
            free_text=self.kind in ("text", "phone"),
        )

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        raise NotImplementedError

    def render(self, ctx: Context, value: Any) -> str:
        return str(value)

    def wrong_kind(self, ctx: Context) -> Retry:
        return Retry(ctx.tr(WRONG_KIND[self.kind]))


@dataclass(frozen=True)
class TextField(Field):
    max_len: int = 500
    min_len: int = 1

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        text = ctx.event.text
        if text is None or ctx.event.choice is not None:
            return self.wrong_kind(ctx)
        if text.startswith("/"):
            return Retry(ctx._("Commands cannot be used as an answer. Please type your answer."))
        if len(text) > self.max_len:
            return Retry(
                ctx._(
                    "That is {length} characters long; the limit for {label} is {limit}. "
                    "Please shorten it and send it again; your other answers are kept."
                ).format(length=len(text), label=ctx._(self.label).lower(), limit=self.max_len)
            )
        if len(text) < self.min_len:
            return Retry(
                ctx._("That is too short: please write at least {limit} characters.").format(
                    limit=self.min_len
                )
            )
        return Answer(text)


@dataclass(frozen=True)
class NameField(TextField):
    """A person's name, typed, or the name their chat app shows, offered as one button."""

    def options(self, ctx: Context) -> list[Option]:
        name = ctx.event.display_name
        draft = ctx.data["draft"]
        if name and self.min_len <= len(name) <= self.max_len:
            draft["suggested_name"] = name
        if draft.get("suggested_name"):
            return [Option("pick:suggested", draft["suggested_name"])]
        return []

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        suggested = ctx.data["draft"].get("suggested_name")
        if ctx.event.choice == "pick:suggested" and suggested:
            return Answer(suggested)
        return super().accept(ctx)


@dataclass(frozen=True)
class ChoiceField(Field):
    choices: Callable[[Context], list[tuple[str, str]]] | None = None
    kind = "choice"

    def options(self, ctx: Context) -> list[Option]:
        return [Option(f"pick:{value}", label) for value, label in self.choices(ctx)]

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        choice = ctx.event.choice
        valid = {value for value, _label in self.choices(ctx)}
        if choice and choice.startswith("pick:") and choice[5:] in valid:
            return Answer(choice[5:])
        return self.wrong_kind(ctx)

    def render(self, ctx: Context, value: Any) -> str:
        return dict(self.choices(ctx)).get(value, str(value))


@dataclass(frozen=True)
class WardField(ChoiceField):
    """A ward, as a button or typed with or without accents, by name or alias."""

    def render(self, ctx: Context, value: Any) -> str:
        unit = ctx.ref.unit_by_slug.get(value)  # its label says "Ward": "Phường: Bến Thành"
        return unit.short_name(ctx.lang) if unit else str(value)

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        if ctx.event.text and ctx.event.choice is None:
            allowed = {slug for slug, _name in self.choices(ctx)}
            matches = [u for u in ctx.ref.match_wards(ctx.event.text) if u.slug in allowed]
            if len(matches) == 1:
                return Answer(matches[0].slug)
            if len(matches) > 1:
                ctx.say(
                    ctx._(
                        "“{typed}” now belongs to more than one ward. "
                        "Which of them is your entry about?"
                    ).format(typed=ctx.event.text),
                    [Option(f"pick:{u.slug}", u.name(ctx.lang)) for u in matches]
                    + nav(ctx),
                )
                return Stay("")
            return Retry(
                ctx._("We could not find a ward called “{typed}”. Please choose from the list.")
                .format(typed=ctx.event.text[:60])
            )
        return super().accept(ctx)


@dataclass(frozen=True)
class YesNoField(Field):
    kind = "choice"

    def options(self, ctx: Context) -> list[Option]:
        return [Option("pick:yes", ctx._("Yes")), Option("pick:no", ctx._("No"))]

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        if ctx.event.choice in ("pick:yes", "pick:no"):
            return Answer(ctx.event.choice == "pick:yes")
        return self.wrong_kind(ctx)

    def render(self, ctx: Context, value: Any) -> str:
        return ctx._("Yes") if value else ctx._("No")


@dataclass(frozen=True)
class PhoneField(Field):
    kind = "phone"

    def ask(self, ctx: Context, prefix: str | None = None) -> None:
        text = ctx._(self.prompt)
        if prefix:
            text = f"{prefix}\n\n{text}"
        ctx.say(text, nav(ctx, skip=self.optional), free_text=True,
                request_contact=ctx._("Share my phone number"))

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        typed = ctx.event.contact or (ctx.event.text if ctx.event.choice is None else None)
        if typed is None:
            return self.wrong_kind(ctx)
        phone = normalise_phone(typed)
        if phone is None:
            return Retry(
                ctx._(
                    "“{typed}” is not a Vietnamese phone number we can use. Please type it as "
                    "you would dial it, for example 0903 123 456, or press Skip."
                ).format(typed=typed[:40])
            )
        return Answer(phone)

    def render(self, ctx: Context, value: Any) -> str:
        return display_phone(value)


ALLOWED_DOCUMENTS = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "image/jpeg": "jpg",
    "image/png": "png",
}
ALLOWED_EXTENSIONS = set(ALLOWED_DOCUMENTS.values()) | {"jpeg"}
FILE_TYPES_TEXT = N_("PDF, Word, Excel, PowerPoint, OpenDocument text, JPEG or PNG")


def attachment_problem(ctx: Context, attachment) -> str | None:
    """Why a photo or document cannot be taken (type or size), or None."""
    settings = ctx.settings
    if attachment.kind == "photo":
        limit = settings.max_photo_bytes
    else:
        limit = settings.max_document_bytes
        extension = (attachment.name or "").rsplit(".", 1)[-1].lower()
        # Once stored, the type is read from the bytes (bot.files): the name no longer counts.
        named = attachment.key is None and extension in ALLOWED_EXTENSIONS
        if attachment.mime not in ALLOWED_DOCUMENTS and not named:
            return ctx._("This type of file is not accepted. Accepted types: {types}.").format(
                types=ctx._(FILE_TYPES_TEXT)
            )
    if attachment.size and attachment.size > limit:
        return ctx._("This file is {size} MB; the limit is {limit} MB.").format(
            size=ctx.t.number(round(attachment.size / 1_048_576, 1)), limit=limit // 1_048_576
        )
    return None


@dataclass(frozen=True)
class FilesField(Field):
    """Photos and documents, several of them, up to the configured limit."""

    kind = "files"

    def ask(self, ctx: Context, prefix: str | None = None) -> None:
        files = ctx.data["draft"].get("files", [])
        text = ctx._(self.prompt).format(
            limit=ctx.settings.max_attachments, types=ctx._(FILE_TYPES_TEXT)
        )
        if files:
            text += "\n" + ctx._("Files received so far: {count}.").format(count=len(files))
        if prefix:
            text = f"{prefix}\n\n{text}"
        ctx.say(text, nav(ctx, done=bool(files), skip=not files))

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        files: list = ctx.data["draft"].setdefault("files", [])
        if ctx.event.choice in (DONE, SKIP):
            return Answer(len(files))
        attachment = ctx.event.attachment
        if attachment is None:
            return self.wrong_kind(ctx)
        problem = attachment_problem(ctx, attachment)
        if problem:
            return Retry(problem)
        files.append(attachment.as_dict())
        limit = ctx.settings.max_attachments
        if len(files) >= limit:
            return Answer(len(files))
        return Stay(
            ctx._("File received ({count} of at most {limit}). Send another, or press Done.")
            .format(count=len(files), limit=limit)
        )

    def render(self, ctx: Context, value: Any) -> str:
        files = ctx.data["draft"].get("files", [])
        if not files:
            return ctx._("none")
        names = ", ".join(f.get("name") or ctx._("photo") for f in files)
        return f"{len(files)} ({names})"


def parse_date(text: str):
    """A date as people here write it: 31/12/2026, 31-12-2026, 31.12.2026 or 2026-12-31."""
    import re
    from datetime import date

    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
    try:
        if match:
            day, month, year = map(int, match.groups())
            return date(year, month, day)
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if match:
            year, month, day = map(int, match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class DateField(Field):
    """A calendar date; `not_before` names an earlier answer it may not precede."""

    not_before: str | None = None
    kind = "text"

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        if ctx.event.text is None or ctx.event.choice is not None:
            return self.wrong_kind(ctx)
        day = parse_date(ctx.event.text)
        if day is None:
            return Retry(ctx._("Please write the date as day/month/year, for example "
                               "31/12/2026."))
        earlier = ctx.data["draft"]["answers"].get(self.not_before) if self.not_before else None
        if earlier and day.isoformat() < earlier:
            return Retry(ctx._("This date is before {date}; please check it.").format(
                date=ctx.t.date(parse_date(earlier))))
        return Answer(day.isoformat())

    def render(self, ctx: Context, value: Any) -> str:
        return ctx.t.date(parse_date(value))


@dataclass(frozen=True)
class MomentField(Field):
    """A moment in the future, local time (`31/12/2026 08:00`); Skip means now."""

    kind = "text"

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        from datetime import datetime, time

        if ctx.event.text is None or ctx.event.choice is not None:
            return self.wrong_kind(ctx)
        date_part, _, time_part = ctx.event.text.strip().partition(" ")
        day = parse_date(date_part)
        try:
            hour, minute = (int(x) for x in (time_part.strip() or "08:00").replace("h", ":")
                            .split(":")[:2])
            moment = datetime.combine(day, time(hour, minute), tzinfo=ctx.ref.tz) if day else None
        except ValueError:
            moment = None
        if moment is None:
            return Retry(ctx._("Please write the day and time as day/month/year hour:minute, "
                               "for example 31/12/2026 08:00, or press Skip to send now."))
        if moment <= ctx.now:
            return Retry(ctx._("That moment has passed; please give a later one."))
        return Answer(moment.isoformat())

    def render(self, ctx: Context, value: Any) -> str:
        from datetime import datetime

        return ctx.t.datetime(datetime.fromisoformat(value))


@dataclass(frozen=True)
class PhotoField(Field):
    """One photo, optional."""

    kind = "files"

    def accept(self, ctx: Context) -> Answer | Retry | Stay:
        attachment = ctx.event.attachment
        if attachment is None or attachment.kind != "photo":
            return Retry(ctx._("Please send a photo, or press Skip."))
        problem = attachment_problem(ctx, attachment)
        return Retry(problem) if problem else Answer(attachment.as_dict())

    def render(self, ctx: Context, value: Any) -> str:
        return ctx._("a photo")
