"""The kinds of question a form asks. Each knows how to ask, read an answer and show it, whether
it takes free text, and what the wrong kind of message gets.

`accept` never speaks: it returns an `Answer` (go on), a `Retry` (say why and ask again, keeping
the draft), an `Ask` (a narrower question with its own options, as when a typed ward name fits
two wards) or a `Stay` (the answer so far is kept but the question goes on, as with several files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.buttons import Button, ButtonError, short_id
from bot.context import Context
from bot.drafts import files_of
from bot.i18n import N_
from bot.model import Option
from bot.phones import display_phone, normalise_phone
from bot.text import shorten, visible_length
from handlers.common import DONE, SKIP, nav

PICK = Button("pick", "value")
SUGGESTED = PICK.pack("suggested")
YES, NO = PICK.pack("yes"), PICK.pack("no")
CLEAR_FILES = Button("files", "clear").pack("all")


@dataclass(frozen=True)
class Answer:
    value: Any


@dataclass(frozen=True)
class Retry:
    message: str


@dataclass(frozen=True)
class Ask:
    message: str
    options: list[Option]


@dataclass(frozen=True)
class Stay:
    message: str
    value: Any  # the answer so far, kept in the draft


@dataclass(frozen=True)
class Field:
    name: str
    prompt: str  # msgid
    label: str  # msgid, used in the summary and the edit list
    optional: bool = False
    when: Callable[[dict], bool] | None = None  # asked only when this holds for the answers
    wrong_kind_message: ClassVar[str] = N_("Please type your answer as a text message.")
    collects: ClassVar[bool] = False  # takes several messages; Back reopens it, keeping them

    def applies(self, answers: dict) -> bool:
        return self.when is None or self.when(answers)

    def options(self, ctx: Context) -> list[Option]:
        return []

    def navigation(self, ctx: Context) -> list[Option]:
        """Skip (when optional), Back and Cancel: offered with the question and with a Stay."""
        return nav(ctx, skip=self.optional)

    def ask(self, ctx: Context, prefix: str | None = None) -> None:
        text = ctx._(self.prompt)
        if prefix:
            text = f"{prefix}\n\n{text}"
        ctx.say(text, self.options(ctx) + self.navigation(ctx),
                request_contact=self.contact_request(ctx))

    def contact_request(self, ctx: Context) -> str | None:
        """The label of a "share my phone number" button, for a question that offers one."""
        return None

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        raise NotImplementedError

    def render(self, ctx: Context, value: Any) -> str:
        return str(value)

    def wrong_kind(self, ctx: Context) -> Retry:
        return Retry(ctx.tr(self.wrong_kind_message))

    def typed(self, ctx: Context) -> str | None:
        """The typed text, if the event is a text message (not a button)."""
        return ctx.event.text if ctx.event.choice is None else None


@dataclass(frozen=True)
class TextField(Field):
    max_len: int = 500
    min_len: int = 1

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        text = self.typed(ctx)
        if text is None:
            return self.wrong_kind(ctx)
        if text.startswith("/"):
            return Retry(ctx._("Commands cannot be used as an answer. Please type your answer."))
        problem = self.length_problem(ctx, text)
        return Retry(problem) if problem else self.clean(ctx, text)

    def length_problem(self, ctx: Context, text: str) -> str | None:
        """Why a typed answer is too long or too short, counted in visible characters."""
        length = visible_length(text)
        if length > self.max_len:
            return ctx._(
                "That is {length} characters long; the limit for {label} is {limit}. "
                "Please shorten it and send it again; your other answers are kept."
            ).format(length=length, label=ctx._(self.label).lower(), limit=self.max_len)
        if length == 0:
            return ctx._("That message has no visible characters. Please type your answer.")
        if length < self.min_len:
            return ctx._("That is too short: please write at least {limit} characters.").format(
                limit=self.min_len
            )
        return None

    def clean(self, ctx: Context, text: str) -> Answer | Retry:
        return Answer(text)


@dataclass(frozen=True)
class NamesField(TextField):
    """One or more names separated by commas; empty names ("A, , B") are dropped."""

    def clean(self, ctx: Context, text: str) -> Answer | Retry:
        names = [n.strip() for n in text.replace(";", ",").replace("\n", ",").split(",")]
        names = [n for n in names if visible_length(n)]
        if not names:
            return Retry(ctx._("Please type at least one name."))
        return Answer(", ".join(names))


@dataclass(frozen=True)
class NameField(TextField):
    """A person's name, typed, or the name their chat app shows, offered as one button."""

    def options(self, ctx: Context) -> list[Option]:
        name = ctx.event.display_name
        draft = ctx.data["draft"]
        if name and self.min_len <= visible_length(name) <= self.max_len:
            draft["suggested_name"] = name
        if draft.get("suggested_name"):
            return [Option(SUGGESTED, draft["suggested_name"])]
        return []

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        suggested = ctx.data["draft"].get("suggested_name")
        if ctx.event.choice == SUGGESTED and suggested:
            return Answer(suggested)
        return super().accept(ctx)


@dataclass(frozen=True)
class ChoiceField(Field):
    """One of a list. `by_id` sends a short id of each value instead of the value (for keys that
    may be long, such as campaign slugs); any value too long for a button gets one anyway."""

    choices: Callable[[Context], list[tuple[str, str]]] | None = None
    by_id: bool = False
    wrong_kind_message: ClassVar[str] = N_(
        "Please choose one of the options: press a button or type its number.")

    def button(self, value: str) -> str:
        if not self.by_id:
            try:
                return PICK.pack(value)
            except ButtonError:
                pass
        return PICK.pack(short_id(value))

    def options(self, ctx: Context) -> list[Option]:
        return [Option(self.button(value), label) for value, label in self.choices(ctx)]

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        picked = {self.button(value): value for value, _label in self.choices(ctx)}
        if ctx.event.choice in picked:
            return Answer(picked[ctx.event.choice])
        return self.wrong_kind(ctx)

    def render(self, ctx: Context, value: Any) -> str:
        return dict(self.choices(ctx)).get(value, str(value))


@dataclass(frozen=True)
class WardField(ChoiceField):
    """A ward, as a button or typed with or without accents, by name or alias."""

    def render(self, ctx: Context, value: Any) -> str:
        unit = ctx.ref.unit_by_slug.get(value)  # its label says "Ward": "Phường: Bến Thành"
        return unit.short_name(ctx.lang) if unit else str(value)


    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        typed = self.typed(ctx)
        if not typed:
            return super().accept(ctx)
        allowed = {slug for slug, _name in self.choices(ctx)}
        matches = [u for u in ctx.ref.match_wards(typed) if u.slug in allowed]
        if len(matches) == 1:
            return Answer(matches[0].slug)
        if len(matches) > 1:
            return Ask(
                ctx._("“{typed}” now belongs to more than one ward. "
                      "Which of them is your entry about?").format(typed=shorten(typed, 60)),
                [Option(self.button(u.slug), u.name(ctx.lang)) for u in matches],
            )
        return Retry(
            ctx._("We could not find a ward called “{typed}”. Please choose from the list.")
            .format(typed=shorten(typed, 60))
        )


@dataclass(frozen=True)
class YesNoField(Field):
    wrong_kind_message: ClassVar[str] = ChoiceField.wrong_kind_message

    def options(self, ctx: Context) -> list[Option]:
        return [Option(YES, ctx._("Yes")), Option(NO, ctx._("No"))]

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        if ctx.event.choice in (YES, NO):
            return Answer(ctx.event.choice == YES)
        return self.wrong_kind(ctx)

    def render(self, ctx: Context, value: Any) -> str:
        return ctx._("Yes") if value else ctx._("No")


@dataclass(frozen=True)
class PhoneField(Field):
    wrong_kind_message: ClassVar[str] = N_(
        "Please type a phone number, share your contact, or choose one of the options.")

    def contact_request(self, ctx: Context) -> str | None:
        return ctx._("Share my phone number")

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        typed = ctx.event.contact or self.typed(ctx)
        if typed is None:
            return self.wrong_kind(ctx)
        phone = normalise_phone(typed)
        if phone is None:
            return Retry(
                ctx._(
                    "“{typed}” is not a Vietnamese phone number we can use. Please type it as "
                    "you would dial it, for example 0903 123 456, or press Skip."
                ).format(typed=shorten(typed, 40))
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
UNKNOWN_MIME = ("", "application/octet-stream")  # a declared type that says nothing
FILE_TYPES_TEXT = N_("PDF, Word, Excel, PowerPoint, OpenDocument text, JPEG or PNG")
MB = 1_048_576


def _accepted_type(attachment) -> bool:
    """The type decides: the one read from the bytes once the file is stored (bot.files), else
    the one its channel declared. Only a file the bot could not read, whose channel declared
    nothing useful, goes by its name."""
    if attachment.key is None and (attachment.mime or "") in UNKNOWN_MIME:
        extension = (attachment.name or "").rsplit(".", 1)[-1].lower()
        return extension in ALLOWED_EXTENSIONS
    return attachment.mime in ALLOWED_DOCUMENTS


def sizes_in_mb(ctx: Context, size: int, limit: int) -> tuple[str, str]:
    """A size and a limit in MB, with as many decimals as it takes for them to differ."""
    places = 0
    while places < 6 and round(size / MB, places) == round(limit / MB, places):
        places += 1
    shown = round(size / MB, places)
    return ctx.t.number(shown), ctx.t.number(round(limit / MB, 6))


def attachment_problem(ctx: Context, attachment) -> str | None:
    """Why a photo or document cannot be taken (type or size), or None."""
    settings = ctx.settings
    if attachment.kind == "photo":
        limit = settings.max_photo_bytes
    else:
        limit = settings.max_document_bytes
        if not _accepted_type(attachment):
            return ctx._("This type of file is not accepted. Accepted types: {types}.").format(
                types=ctx._(FILE_TYPES_TEXT)
            )
    if attachment.size and attachment.size > limit:
        size, most = sizes_in_mb(ctx, attachment.size, limit)
        return ctx._("This file is {size} MB; the limit is {limit} MB.").format(
            size=size, limit=most)
    return None


@dataclass(frozen=True)
class FilesField(Field):
    """Photos and documents, several of them, up to the configured limit on every path in
    (first answer, Back, or a change from the summary). The answer is the list of files."""

    wrong_kind_message: ClassVar[str] = N_(
        "Please send a photo or a document, or choose one of the options.")
    collects: ClassVar[bool] = True

    def _files(self, ctx: Context) -> list[dict]:
        return files_of(ctx.data["draft"])

    def options(self, ctx: Context) -> list[Option]:
        return [Option(CLEAR_FILES, ctx._("Remove these files"))] if self._files(ctx) else []

    def navigation(self, ctx: Context) -> list[Option]:
        files = self._files(ctx)  # Done once there are files; Skip while there are none
        return nav(ctx, done=bool(files), skip=not files)

    def ask(self, ctx: Context, prefix: str | None = None) -> None:
        files = self._files(ctx)
        text = ctx._(self.prompt).format(
            limit=ctx.settings.max_attachments, types=ctx._(FILE_TYPES_TEXT)
        )
        if files:
            text += "\n" + ctx._("Files received so far: {count}.").format(count=len(files))
        if ctx.links is not None:  # a chat that takes no documents: the upload page does
            link = ctx.links.upload(ctx.event.channel, ctx.event.user,
                                    ctx.data["draft"].get("started", ""))
            text += "\n\n" + (ctx._(
                "Documents cannot be sent in this chat; photos can. To add documents, open "
                "this link on your phone (it works once, for one day): {link}").format(link=link)
                if link else ctx._(
                "Documents cannot be sent in this chat; photos can. Documents can be sent "
                "through Telegram or handed in at the ward office."))
        if prefix:
            text = f"{prefix}\n\n{text}"
        ctx.say(text, self.options(ctx) + self.navigation(ctx))

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        files = self._files(ctx)
        limit = ctx.settings.max_attachments
        if ctx.event.choice in (DONE, SKIP):
            return Answer(files)
        if ctx.event.choice == CLEAR_FILES:
            return Stay(ctx._("The files are removed. Send others, or press Skip."), [])
        attachment = ctx.event.attachment
        if attachment is None:
            return self.wrong_kind(ctx)
        problem = attachment_problem(ctx, attachment)
        if problem:
            return Retry(problem)
        if len(files) >= limit:
            return Stay(ctx._("You have sent {limit} files, the most an entry can have; this one "
                              "is not kept. Press Done, or remove the files to send others.")
                        .format(limit=limit), files)
        files = [*files, attachment.as_dict()]
        if len(files) >= limit:
            return Answer(files)
        return Stay(
            ctx._("File received ({count} of at most {limit}). Send another, or press Done.")
            .format(count=len(files), limit=limit), files)

    def render(self, ctx: Context, value: Any) -> str:
        files = self._files(ctx)
        if not files:
            return ctx._("none")
        names = ", ".join(f.get("name") or ctx._("photo") for f in files)
        return f"{len(files)} ({names})"


@dataclass(frozen=True)
class PhotoField(Field):
    """One photo, optional."""

    wrong_kind_message: ClassVar[str] = FilesField.wrong_kind_message

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        attachment = ctx.event.attachment
        if attachment is None or attachment.kind != "photo":
            return Retry(ctx._("Please send a photo, or press Skip."))
        problem = attachment_problem(ctx, attachment)
        return Retry(problem) if problem else Answer(attachment.as_dict())

    def render(self, ctx: Context, value: Any) -> str:
        return ctx._("a photo")
