"""The two forms a resident fills in: an idea, and a registration for the Creative Award, and
what sending one does. Their questions come from the district plan; their choices come from the
data files. The choices shared with the officers' forms (wards, fields) are here too.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.drafts import files_of
from bot.i18n import N_
from bot.services import entries as entry_service
from handlers.datefields import MonthField
from handlers.fields import (
    ChoiceField,
    Field,
    FilesField,
    NameField,
    NamesField,
    PhoneField,
    Retry,
    TextField,
    WardField,
    YesNoField,
)
from handlers.form import Done, Form, register


def _campaigns(kind: str):
    def choices(ctx: Context) -> list[tuple[str, str]]:
        return [(c.slug, c.title(ctx.lang)) for c in ctx.ref.open_campaigns(ctx.today, kind)]

    return choices


def campaign_of(ctx: Context):
    """The campaign the draft is for: it may restrict the wards and fields offered."""
    return ctx.ref.campaign(ctx.data.get("draft", {}).get("answers", {}).get("campaign"))


def wards(ctx: Context) -> list[tuple[str, str]]:
    return [(u.slug, u.name(ctx.lang)) for u in ctx.ref.wards_for(campaign_of(ctx))]


def named(group: str):
    def choices(ctx: Context) -> list[tuple[str, str]]:
        items = getattr(ctx.ref, group)
        campaign = campaign_of(ctx)
        if campaign and campaign.fields and group in ("idea_fields", "award_fields"):
            items = [i for i in items if i.slug in campaign.fields] or items
        return [(item.slug, item.name(ctx.lang)) for item in items]

    return choices


def _has_name(answers: dict) -> bool:
    return bool(answers.get("contact_name"))


def _campaign_field(kind: str) -> ChoiceField:
    return ChoiceField(
        "campaign",
        N_("Several campaigns are open. Which one is your entry for?"),
        N_("Campaign"),
        choices=_campaigns(kind),
        by_id=True,  # a slug can be long; a button value may not
    )


WARD = WardField(
    "ward",
    N_("Which ward is your entry about? Choose it below, or type its name "
       "(with or without accents)."),
    N_("Ward"),
    choices=wards,
)
TITLE = TextField(
    "title", N_("What is the title? (at most 150 characters)"), N_("Title"), max_len=150,
    min_len=3,
)
FILES = FilesField(
    "files",
    N_("You may add photos or documents (at most {limit} files; {types}). Send them now, "
       "or press Skip."),
    N_("Photos and documents"),
    optional=True,
)
CONTACT_NAME = NameField(
    "contact_name",
    N_("What name should the officers use to contact you? (optional; press Skip to stay "
       "anonymous)"),
    N_("Contact name"),
    optional=True,
    max_len=100,
    min_len=2,
)
PHONE = PhoneField(
    "phone",
    N_("What phone number can the officers call you on? (optional) Type it, share your "
       "contact, or press Skip."),
    N_("Phone"),
    optional=True,
)
SHOW_NAME = YesNoField(
    "show_name",
    N_("May we show your name publicly with your entry (for example if it is recognised)?"),
    N_("Show my name publicly"),
    when=_has_name,
)

IDEA_FIELDS: tuple[Field, ...] = (
    _campaign_field("idea"),
    WARD,
    ChoiceField("field", N_("Which field is your idea in?"), N_("Field"),
                choices=named("idea_fields")),
    TITLE,
    TextField(
        "description",
        N_("Describe your idea: the problem, what you propose and how it would work "
           "(at most 3,000 characters)."),
        N_("Description"),
        max_len=3000,
        min_len=10,
    ),
    TextField(
        "benefit",
        N_("What benefit do you expect from it? (optional)"),
        N_("Expected benefit"),
        optional=True,
        max_len=1000,
    ),
    FILES,
    CONTACT_NAME,
    PHONE,
    SHOW_NAME,
)

AWARD_FIELDS: tuple[Field, ...] = (
    _campaign_field("award"),
    ChoiceField("entry_type", N_("What kind of work are you registering?"), N_("Type of work"),
                choices=named("entry_types")),
    ChoiceField("award_field", N_("In which field of the Creative Award?"), N_("Award field"),
                choices=named("award_fields")),
    WARD,
    TITLE,
    NamesField("authors", N_("Who are the author or authors? (names, separated by commas)"),
               N_("Authors"), max_len=500, min_len=2),
    TextField("owner", N_("Which organisation owns the work? (press Skip if the authors own "
                          "it)"), N_("Owner organisation"), optional=True, max_len=300),
    TextField("description", N_("Describe the work: what it is and what is new in it "
                                "(at most 3,000 characters)."),
              N_("Description"), max_len=3000, min_len=10),
    TextField("applied_where", N_("Where has it been applied?"), N_("Applied at"),
              max_len=500, min_len=2),
    MonthField("applied_since", N_("Since when has it been applied? (for example 03/2024)"),
               N_("Applied since")),
    TextField("applied_result", N_("With what result? (figures if you have them)"),
              N_("Result of application"), max_len=2000, min_len=2),
    ChoiceField("ip_status", N_("What is its intellectual-property status?"),
                N_("Intellectual property"), choices=named("ip_statuses")),
    FILES,
    CONTACT_NAME,
    PHONE,
    SHOW_NAME,
)


NO_CAMPAIGN = N_(
    "No campaign is accepting this kind of entry at the moment, so it cannot be sent now. "
    "Please look at Open campaigns later."
)


def _entry_start(kind: str):
    def prepare(ctx: Context, campaign: str | None) -> dict[str, Any] | str:
        """The campaign is chosen for the resident when only one fits (or a link named it)."""
        campaigns = ctx.ref.open_campaigns(ctx.today, kind)
        if campaign is not None:
            campaigns = [c for c in campaigns if c.slug == campaign]
        if not campaigns:
            return ctx._(NO_CAMPAIGN)
        return {"campaign": campaigns[0].slug} if len(campaigns) == 1 else {}

    return prepare


async def submit_entry(ctx: Context, draft: dict) -> Done | Retry:
    campaign = ctx.ref.campaign(draft["answers"].get("campaign"))
    if campaign is None or not campaign.is_open(ctx.today):
        return Retry(
            ctx._("This campaign closed on {date} and takes no new entries. Your form is kept.")
            .format(date=ctx.t.date(campaign.closes) if campaign else "—"))
    files = files_of(draft)
    submitted = await entry_service.submit(
        ctx.conn,
        user_id=ctx.user["id"],
        draft={**draft, "campaign": campaign.slug},
        lang=ctx.lang,
        now=ctx.now,
        year=ctx.today.year,
        due_at=ctx.review().due_from(ctx.now),
    )
    await ctx.review().announce_new(submitted.entry, files=len(files))
    unit = ctx.ref.unit_by_slug.get(submitted.unit)
    title = ctx.tr(ENTRY_TITLES[draft["kind"]])
    return Done(ctx._(
        "Thank you! {what} has been received.\n\n"
        "Tracking code: {code}\n\n"
        "What happens next: the officers of {unit} will review it and you will get a message "
        "here whenever its status changes. You can look it up at any time with this code "
        "(menu: Look up an entry) or in My entries."
    ).format(what=title[:1].upper() + title[1:], code=submitted.code,
             unit=unit.name(ctx.lang) if unit else submitted.unit))


ENTRY_TITLES = {"idea": N_("your idea"), "award": N_("your award registration")}

IDEA = register(Form(
    "idea", ENTRY_TITLES["idea"], N_("idea"), IDEA_FIELDS, submit_entry, reminded=True,
    prepare=_entry_start("idea"), not_editable=("campaign",),
))
AWARD = register(Form(
    "award", ENTRY_TITLES["award"], N_("award registration"), AWARD_FIELDS, submit_entry,
    reminded=True, prepare=_entry_start("award"), not_editable=("campaign",),
))
