"""Settings: language, announcements, and erasing the resident's personal data."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import LANGUAGES
from bot.model import Option
from bot.services import entries as entry_service
from handlers.common import BACK, MAIN_MENU, nav

LANG = "lang:"
SUBSCRIBE = "set:subscribe"
UNSUBSCRIBE = "set:unsubscribe"
ERASE = "set:erase"
ERASE_YES = "set:erase-yes"


def apply_language(ctx: Context, lang: str) -> bool:
    if lang not in LANGUAGES:
        return False
    ctx.set_user(lang=lang)
    ctx.t = ctx.t.__class__(ctx.settings.locales_dir, lang, ctx.settings.timezone)
    return True


def show(ctx: Context, prefix: str | None = None) -> None:
    subscribed = bool(ctx.user.get("subscribed"))
    lines = [prefix, ""] if prefix else []
    lines += [
        ctx._("Settings"),
        ctx._("Language: {language}").format(
            language="Tiếng Việt" if ctx.lang == "vi" else "English"),
        ctx._("Announcements: {state}").format(
            state=ctx._("on") if subscribed else ctx._("off")),
    ]
    other = "en" if ctx.lang == "vi" else "vi"
    ctx.goto("settings")
    ctx.say(
        "\n".join(lines),
        [
            Option(LANG + other, "English" if other == "en" else "Tiếng Việt"),
            Option(UNSUBSCRIBE, ctx._("Stop announcements")) if subscribed
            else Option(SUBSCRIBE, ctx._("Receive announcements")),
            Option(ERASE, ctx._("Erase my data")),
            Option(MAIN_MENU, ctx._("Main menu")),
        ],
    )


async def handle(ctx: Context) -> None:
    choice = ctx.event.choice or ""
    if choice.startswith(LANG):
        apply_language(ctx, choice[len(LANG):])
        show(ctx, ctx._("From now on I will write to you in English."))
    elif choice == SUBSCRIBE:
        ctx.set_user(subscribed=True)
        show(ctx, ctx._("You will receive the district's announcements about the movement."))
    elif choice == UNSUBSCRIBE:
        ctx.set_user(subscribed=False)
        show(ctx, ctx._("You will no longer receive announcements."))
    elif choice == ERASE:
        ctx.goto("settings:erase")
        ctx.say(
            ctx._(
                "Erase your data? Your name and phone number will be removed from all your "
                "entries (the entries themselves stay, anonymously), any unfinished form is "
                "deleted, and we forget this chat. You will no longer be able to follow or "
                "withdraw your entries here."
            ),
            [Option(ERASE_YES, ctx._("Yes, erase my data"))] + nav(ctx, cancel=False),
        )
    else:
        show(ctx, ctx._("Please choose an option from the list."))


async def handle_erase(ctx: Context) -> None:
    if ctx.event.choice == ERASE_YES:
        await entry_service.erase_resident(ctx.conn, user_id=ctx.user["id"], now=ctx.now)
        ctx.forget_user = True
        ctx.say(
            ctx._(
                "Your data has been erased and this chat forgotten. Thank you for taking part. "
                "If you write again, we will start afresh with the privacy notice."
            )
        )
    elif ctx.event.choice == BACK:
        show(ctx)
    else:
        show(ctx, ctx._("Nothing was erased."))

