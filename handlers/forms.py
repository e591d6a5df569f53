"""The two forms a resident fills in: an idea, and a registration for the Creative Award.

Their questions come from the district plan; their choices come from the data files.
"""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from handlers.fields import (
    ChoiceField,
    DateField,
    Field,
    FilesField,
    MomentField,
    NameField,
    PhoneField,
    PhotoField,
    TextField,
    WardField,
    YesNoField,
)


def _campaigns(kind: str):
    def choices(ctx: Context) -> list[tuple[str, str]]:
        return [(c.slug, c.title(ctx.lang)) for c in ctx.ref.open_campaigns(ctx.today, kind)]

    return choices


def campaign_of(ctx: Context):
    """The campaign the draft is for: it may restrict the wards and fields offered."""
    return ctx.ref.campaign(ctx.data.get("draft", {}).get("answers", {}).get("campaign"))


def _wards(ctx: Context) -> list[tuple[str, str]]:
    return [(u.slug, u.name(ctx.lang)) for u in ctx.ref.wards_for(campaign_of(ctx))]


def _named(group: str):
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
    )


WARD = WardField(
    "ward",
    N_("Which ward is your entry about? Choose it below, or type its name "
       "(with or without accents)."),
    N_("Ward"),
    choices=_wards,
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

IDEA: list[Field] = [
    _campaign_field("idea"),
    WARD,
    ChoiceField("field", N_("Which field is your idea in?"), N_("Field"),
                choices=_named("idea_fields")),
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
]

AWARD: list[Field] = [
    _campaign_field("award"),
    ChoiceField("entry_type", N_("What kind of work are you registering?"), N_("Type of work"),
                choices=_named("entry_types")),
    ChoiceField("award_field", N_("In which field of the Creative Award?"), N_("Award field"),
                choices=_named("award_fields")),
    WARD,
    TITLE,
    TextField("authors", N_("Who are the author or authors? (names, separated by commas)"),
              N_("Authors"), max_len=500, min_len=2),
    TextField("owner", N_("Which organisation owns the work? (press Skip if the authors own "
                          "it)"), N_("Owner organisation"), optional=True, max_len=300),
    TextField("description", N_("Describe the work: what it is and what is new in it "
                                "(at most 3,000 characters)."),
              N_("Description"), max_len=3000, min_len=10),
    TextField("applied_where", N_("Where has it been applied?"), N_("Applied at"),
              max_len=500, min_len=2),
    TextField("applied_since", N_("Since when has it been applied? (for example 03/2024)"),
              N_("Applied since"), max_len=100, min_len=2),
    TextField("applied_result", N_("With what result? (figures if you have them)"),
              N_("Result of application"), max_len=2000, min_len=2),
    ChoiceField("ip_status", N_("What is its intellectual-property status?"),
                N_("Intellectual property"), choices=_named("ip_statuses")),
    FILES,
    CONTACT_NAME,
    PHONE,
    SHOW_NAME,
]


def _kinds(ctx: Context) -> list[tuple[str, str]]:
    return [("idea", ctx._("Ideas")), ("award", ctx._("Creative Award registrations")),
            ("both", ctx._("Both"))]


def _audiences(ctx: Context) -> list[tuple[str, str]]:
    from bot.services.broadcasts import AUDIENCES

    return [(key, ctx.tr(label)) for key, label in AUDIENCES.items()]


def _units(ctx: Context) -> list[tuple[str, str]]:
    return [("all", ctx._("All units"))] + [(u.slug, u.name(ctx.lang)) for u in ctx.ref.units]


def _audience_is(kind: str):
    return lambda answers: answers.get("audience") == kind


# Communications officers create campaigns in chat (operators can also add a TOML file).
CAMPAIGN: list[Field] = [
    TextField("title_vi", N_("Title of the campaign in Vietnamese?"), N_("Title (Vietnamese)"),
              max_len=300, min_len=5),
    TextField("title_en", N_("Title in English? (press Skip to use the Vietnamese one)"),
              N_("Title (English)"), optional=True, max_len=300),
    TextField("description_vi", N_("Describe the campaign for residents, in Vietnamese."),
              N_("Description (Vietnamese)"), max_len=2000, min_len=10),
    TextField("description_en", N_("The description in English? (optional)"),
              N_("Description (English)"), optional=True, max_len=2000),
    ChoiceField("kinds", N_("What does the campaign accept?"), N_("Accepts"), choices=_kinds),
    DateField("opens", N_("From which day does it accept entries? (day/month/year)"),
              N_("Opens")),
    DateField("closes", N_("Until which day? (day/month/year)"), N_("Closes"),
              not_before="opens"),
]

BROADCAST: list[Field] = [
    TextField("text", N_("Type the announcement (at most 3,500 characters)."),
              N_("Announcement"), max_len=3500, min_len=5),
    PhotoField("photo", N_("Add a photo? Send it now, or press Skip."), N_("Photo"),
               optional=True),
    ChoiceField("audience", N_("Who should receive it?"), N_("Audience"), choices=_audiences),
    WardField("ward", N_("Which ward?"), N_("Ward"), choices=_wards,
              when=_audience_is("ward")),
    ChoiceField("field", N_("Which field?"), N_("Field"), choices=_named("idea_fields"),
                when=_audience_is("field")),
    ChoiceField("unit", N_("The officers of which unit?"), N_("Unit"), choices=_units,
                when=_audience_is("officers")),
    MomentField("send_at", N_("When should it be sent? Type day/month/year hour:minute, or "
                              "press Skip to send it now."), N_("Send at"), optional=True),
]

FORMS = {"idea": IDEA, "award": AWARD, "campaign": CAMPAIGN, "broadcast": BROADCAST}
ENTRY_FORMS = ("idea", "award")
FORM_TITLES = {
    "idea": N_("your idea"),
    "award": N_("your award registration"),
    "campaign": N_("the new campaign"),
    "broadcast": N_("the announcement"),
}
