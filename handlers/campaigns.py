"""Campaigns: the open ones, a campaign's own card, reached from the list or from a deep link
(`/start c_<slug>`)."""

from __future__ import annotations

from datetime import date

from bot.buttons import Button, short_id
from bot.context import Context
from bot.i18n import N_
from bot.model import Option
from bot.reference import Campaign
from bot.services import campaigns as campaign_service
from bot.text import shorten
from handlers import flow, menu
from handlers.common import MAIN_MENU
from handlers.datefields import DateField
from handlers.fields import ChoiceField, Retry, TextField
from handlers.form import Done, Form, register

# A campaign is named in a button by a short id of its slug, never the slug itself: a long
# title makes a long slug, and Telegram refuses values over 64 bytes.
CAMPAIGN = Button("camp", "action", "campaign")
ACTIONS = ("view", "idea", "award")


def button(action: str, slug: str) -> str:
    return CAMPAIGN.pack(action, short_id(slug))


def _dates(ctx: Context, campaign: Campaign) -> str:
    return ctx._("From {opens} to {closes}").format(
        opens=ctx.t.date(campaign.opens), closes=ctx.t.date(campaign.closes))


def show_list(ctx: Context) -> None:
    open_now = ctx.ref.open_campaigns(ctx.today)
    if not open_now:
        menu.show(ctx, ctx._("There is no open campaign at the moment."))
        return
    lines = [ctx._("Open campaigns:")]
    cards = []
    for c in open_now:
        cards.append(Option(button("view", c.slug), c.title(ctx.lang)))
        lines.append(f"\n• {c.title(ctx.lang)}\n  {_dates(ctx, c)}\n  {c.description(ctx.lang)}")
    ctx.goto("menu")
    ctx.say("\n".join(lines), cards + [Option(MAIN_MENU, ctx._("Main menu"))])


def show_card(ctx: Context, slug: str) -> None:
    campaign = ctx.ref.campaign(slug)
    if campaign is None:
        menu.show(ctx, ctx._("There is no campaign “{slug}”.").format(slug=slug))
        return
    text = (f"{campaign.title(ctx.lang)}\n{_dates(ctx, campaign)}\n\n"
            f"{campaign.description(ctx.lang)}")
    if not campaign.is_open(ctx.today):
        menu.show(ctx, text + "\n\n" + ctx._("This campaign is not open for entries now."))
        return
    options = []
    if "idea" in campaign.kinds:
        options.append(Option(button("idea", slug), ctx._("Send an idea")))
    if "award" in campaign.kinds:
        options.append(Option(button("award", slug),
                              ctx._("Register for the HCMC Creative Award")))
    ctx.goto("menu")
    ctx.say(text, options + [Option(MAIN_MENU, ctx._("Main menu"))])


def _slug(ctx: Context, sid: str) -> str | None:
    """The slug of the campaign a button names, among those the bot knows."""
    return next((c.slug for c in ctx.ref.campaigns if short_id(c.slug) == sid), None)


async def choose(ctx: Context, value: str) -> None:
    fields = CAMPAIGN.unpack(value)
    slug = _slug(ctx, fields["campaign"]) if fields else None
    if slug is None or fields["action"] not in ACTIONS:
        menu.show(ctx, ctx._("That campaign is no longer available."))
        return
    if fields["action"] == "view":
        show_card(ctx, slug)
    else:
        await flow.begin(ctx, fields["action"], campaign=slug)


def deep_link(payload: str) -> str | None:
    """The campaign slug in a `/start c_<slug>` payload, if any; one longer than a slug may be
    is cut (and then names no campaign)."""
    if payload.startswith("c_") and len(payload) > 2:
        return shorten(payload[2:], campaign_service.SLUG_MAX)
    return None


# --- creating a campaign in chat (`/chiendichmoi`); operators can also add a TOML file -------
def _kinds(ctx: Context) -> list[tuple[str, str]]:
    return [("idea", ctx._("Ideas")), ("award", ctx._("Creative Award registrations")),
            ("both", ctx._("Both"))]


async def create_campaign(ctx: Context, draft: dict) -> Done | Retry:
    answers = draft["answers"]
    kinds = ["idea", "award"] if answers["kinds"] == "both" else [answers["kinds"]]
    raw = {
        "slug": campaign_service.slug_for(answers["title_vi"], ctx.today),
        "title_vi": answers["title_vi"], "title_en": answers.get("title_en"),
        "description_vi": answers["description_vi"],
        "description_en": answers.get("description_en"), "kinds": kinds,
        "opens": date.fromisoformat(answers["opens"]),
        "closes": date.fromisoformat(answers["closes"]),
    }
    try:
        slug = await campaign_service.add(ctx.conn, ctx.ref, raw, ctx.now)
    except campaign_service.CampaignError:
        return Retry(ctx._("A campaign with this title exists already; please change the title."))
    ctx.campaigns_changed = True
    done = ctx._("The campaign {slug} is created.").format(slug=slug)
    link = campaign_service.deep_link(ctx.settings.telegram_bot_username, slug)
    return Done(f"{done}\n{link}" if link else done)


CAMPAIGN_FORM = register(Form(
    "campaign", N_("the new campaign"), N_("campaign"), (
        TextField("title_vi", N_("Title of the campaign in Vietnamese?"),
                  N_("Title (Vietnamese)"), max_len=300, min_len=5),
        TextField("title_en", N_("Title in English? (press Skip to use the Vietnamese one)"),
                  N_("Title (English)"), optional=True, max_len=300),
        TextField("description_vi", N_("Describe the campaign for residents, in Vietnamese."),
                  N_("Description (Vietnamese)"), max_len=2000, min_len=10),
        TextField("description_en", N_("The description in English? (optional)"),
                  N_("Description (English)"), optional=True, max_len=2000),
        ChoiceField("kinds", N_("What does the campaign accept?"), N_("Accepts"),
                    choices=_kinds),
        DateField("opens", N_("From which day does it accept entries? (day/month/year)"),
                  N_("Opens")),
        DateField("closes", N_("Until which day? (day/month/year)"), N_("Closes"),
                  not_before="opens"),
    ),
    create_campaign, roles=frozenset({"communications", "admin"}),
))
