"""Settings: language, announcements, linking a chat on another channel, and erasing the
resident's personal data."""

from __future__ import annotations

from bot.buttons import Button
from bot.context import Context
from bot.i18n import LANGUAGES
from bot.model import Option
from bot.services import entries as entry_service
from bot.services import linking
from handlers.common import BACK, MAIN_MENU, nav

LANG = Button("lang", "code")
SETTING = Button("set", "what")
SUBSCRIBE = SETTING.pack("subscribe")
UNSUBSCRIBE = SETTING.pack("unsubscribe")
ERASE = SETTING.pack("erase")
WARDS = SETTING.pack("wards")
FIELDS = SETTING.pack("fields")
INTERESTS_DONE = SETTING.pack("interests-done")
ERASE_YES = SETTING.pack("erase-yes")
LINK = SETTING.pack("link")
TOGGLE = Button("interest", "group", "slug")


def apply_language(ctx: Context, lang: str) -> bool:
    if lang not in LANGUAGES:
        return False
    ctx.set_user(lang=lang)
    ctx.t = ctx.translators(lang)
    return True


def other_language(ctx: Context) -> Option:
    """The button that switches to the language the sender is not using, named in itself."""
    other = "en" if ctx.lang == "vi" else "vi"
    return Option(LANG.pack(other), "English" if other == "en" else "Tiếng Việt")


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
    if subscribed:
        lines.append(ctx._("Wards of interest: {wards}").format(wards=_chosen(ctx, "wards")))
        lines.append(ctx._("Fields of interest: {fields}").format(fields=_chosen(ctx, "fields")))
    ctx.goto("settings")
    ctx.say(
        "\n".join(lines),
        [
            other_language(ctx),
            Option(UNSUBSCRIBE, ctx._("Stop announcements")) if subscribed
            else Option(SUBSCRIBE, ctx._("Receive announcements")),
            *([Option(WARDS, ctx._("Choose wards of interest")),
               Option(FIELDS, ctx._("Choose fields of interest"))] if subscribed else []),
            Option(LINK, ctx._("Link my chat on another channel")),
            Option(ERASE, ctx._("Erase my data")),
            Option(MAIN_MENU, ctx._("Main menu")),
        ],
    )


async def handle(ctx: Context) -> None:
    choice = ctx.event.choice or ""
    lang, toggle = LANG.unpack(choice), TOGGLE.unpack(choice)
    if lang and apply_language(ctx, lang["code"]):
        show(ctx, ctx._("From now on I will write to you in English."))
    elif choice == SUBSCRIBE:
        ctx.set_user(subscribed=True)
        show(ctx, ctx._("You will receive the district's announcements about the movement."))
    elif choice == UNSUBSCRIBE:
        ctx.set_user(subscribed=False)
        show(ctx, ctx._("You will no longer receive announcements."))
    elif choice in (WARDS, FIELDS):
        _show_interests(ctx, "wards" if choice == WARDS else "fields")
    elif toggle:
        _toggle(ctx, toggle["group"], toggle["slug"])
    elif choice == INTERESTS_DONE:
        show(ctx, ctx._("Your interests are saved."))
    elif choice == LINK:
        code, expires = await linking.new_code(ctx.conn, ctx.user, ctx.now)
        show(ctx, ctx._(
            "Your link code: {code}\nIn your chat with Sáng kiến on the other channel (Zalo or "
            "Telegram), send /lienket {code} before {time}. After that, both chats show all "
            "your entries.").format(code=code, time=ctx.t.datetime(expires)))
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



def _catalogue(ctx: Context, group: str) -> list:
    return ctx.ref.wards if group == "wards" else ctx.ref.idea_fields


def _chosen(ctx: Context, group: str) -> str:
    chosen = (ctx.user.get("interests") or {}).get(group) or []
    names = [item.name(ctx.lang) for item in _catalogue(ctx, group) if item.slug in chosen]
    return ", ".join(names) if names else ctx._("all")


def _show_interests(ctx: Context, group: str) -> None:
    chosen = (ctx.user.get("interests") or {}).get(group) or []
    options = [
        Option(TOGGLE.pack(group, item.slug),
               ("✓ " if item.slug in chosen else "") + item.name(ctx.lang))
        for item in _catalogue(ctx, group)
    ]
    ctx.goto("settings")
    question = (ctx._("Which wards interest you? Press to tick or untick; none ticked means "
                      "all.") if group == "wards" else
                ctx._("Which fields interest you? Press to tick or untick; none ticked means "
                      "all."))
    ctx.say(question, options + [Option(INTERESTS_DONE, ctx._("Done"))])


def _toggle(ctx: Context, group: str, slug: str) -> None:
    if group not in ("wards", "fields") or slug not in {i.slug for i in _catalogue(ctx, group)}:
        show(ctx, ctx._("Please choose an option from the list."))
        return
    interests = dict(ctx.user.get("interests") or {})
    chosen = list(interests.get(group) or [])
    chosen.remove(slug) if slug in chosen else chosen.append(slug)
    interests[group] = chosen
    ctx.set_user(interests=interests)
    _show_interests(ctx, group)


async def stop_announcements(ctx: Context) -> None:
    """/dunglai: always stops announcements, whatever the conversation is doing."""
    if ctx.user.get("subscribed"):
        ctx.set_user(subscribed=False)
    ctx.note(ctx._("You will no longer receive announcements. You can turn them on again in "
                  "Settings."))
