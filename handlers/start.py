"""First contact: greeting, privacy notice and an explicit choice to consent."""

from __future__ import annotations

from bot.buttons import Button
from bot.context import Context
from bot.i18n import N_
from bot.model import Option
from handlers import campaigns, menu
from handlers.settings import LANG, apply_language, other_language

CONSENT = Button("consent", "answer")
CONSENT_YES = CONSENT.pack("yes")
CONSENT_NO = CONSENT.pack("no")
NOTICE = CONSENT.pack("notice")

GREETING = N_(
    "Hello! This is Sáng kiến, the channel of the District 1 People's Committee for the "
    "Creative Emulation Movement and the Ho Chi Minh City Creative Award. Here you can send "
    "your ideas, register works for the award and follow their review."
)
PRIVACY_NOTICE = N_(
    "Privacy notice (version {version})\n"
    "• What we collect: what you send in your entries (title, description, files) and, only if "
    "you give them, your name and phone number.\n"
    "• Why: to review your entry, to contact you about it and to report on the movement.\n"
    "• Who receives it: the officers of the ward you choose and of the District Home Affairs "
    "Office; your name is shown publicly only if you allow it.\n"
    "• How long: {years} years after the entry is closed, then it is deleted.\n"
    "• Your rights: see your entries and their status, withdraw an entry that is still open, "
    "and erase your personal data at any time in Settings.\n"
    "• Contact: {contact}.\n\n"
    "Do you agree that we process your data as described?"
)


def _consent_options(ctx: Context) -> list[Option]:
    return [
        Option(CONSENT_YES, ctx._("I agree")),
        Option(CONSENT_NO, ctx._("I do not agree")),
        other_language(ctx),
    ]


def show_notice(ctx: Context, *, greet: bool = True) -> None:
    notice = ctx._(PRIVACY_NOTICE).format(
        version=ctx.settings.privacy_version,
        years=ctx.settings.retention_years,
        contact=ctx.settings.privacy_contact,
    )
    text = f"{ctx._(GREETING)}\n\n{notice}" if greet else notice
    ctx.say(text, _consent_options(ctx))
    ctx.goto("consent")


def has_consented(ctx: Context) -> bool:
    return ctx.user.get("consent_version") is not None


async def handle_unconsented(ctx: Context) -> None:
    """Everything before consent: only the notice, the choice and the language are possible."""
    choice = ctx.event.choice
    linked = campaigns.deep_link(ctx.event.command_args) if ctx.event.command == "start" else None
    if linked:  # where the poster's QR code pointed, to open it right after consent
        ctx.data["after_consent"] = linked
    if choice == CONSENT_YES:
        ctx.set_user(consent_version=ctx.settings.privacy_version, consented_at=ctx.now)
        ctx.say(ctx._("Thank you. You can start now."))
        slug = ctx.data.pop("after_consent", None)
        if slug:
            campaigns.show_card(ctx, slug)
        else:
            menu.show(ctx)
    elif choice == CONSENT_NO:
        ctx.goto("declined")
        ctx.say(
            ctx._(
                "We respect your choice. We keep nothing about you except this chat's identity, "
                "so that we do not ask again unprompted. If you change your mind, send /start "
                "or press the button below."
            ),
            [Option(NOTICE, ctx._("Read the notice again"))],
        )
    elif LANG.matches(choice):
        apply_language(ctx, LANG.unpack(choice)["code"])
        show_notice(ctx, greet=False)
    elif ctx.state == "declined" and choice != NOTICE and ctx.event.command != "start":
        ctx.say(
            ctx._("You have not agreed to the privacy notice, so we cannot take entries yet."),
            [Option(NOTICE, ctx._("Read the notice again"))],
        )
    else:
        show_notice(ctx, greet=ctx.state == "new" or ctx.event.command == "start")
