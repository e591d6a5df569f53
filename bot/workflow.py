"""Statuses of an entry, roles, award levels, and the words people see for them."""

from bot.i18n import N_

STATUS_LABELS = {
    "submitted": N_("Submitted, waiting to be taken up by the ward"),
    "accepted": N_("Taken up, under review"),
    "needs_info": N_("Waiting for more information from the author"),
    "rejected": N_("Not accepted"),
    "duplicate": N_("Not accepted: the same as an earlier entry"),
    "forwarded": N_("Forwarded to the higher level for review"),
    "recognised": N_("Recognised by the ward"),
    "closed": N_("Closed"),
    "shortlisted": N_("Shortlisted for the selection council"),
    "nominated": N_("Nominated to the Ho Chi Minh City Creative Award"),
    "awarded": N_("Awarded"),
    "not_awarded": N_("Not awarded"),
    "applied": N_("Awarded and put into practice"),
    "withdrawn": N_("Withdrawn by the author"),
}

# Statuses in which the district (not the ward) holds the entry: its handling unit.
DISTRICT_STATUSES = ("forwarded", "shortlisted", "nominated", "awarded", "not_awarded", "applied")

# The levels of an award result, as the city's award decides them.
AWARD_LEVELS = {
    "first": N_("First prize (giải Nhất)"),
    "second": N_("Second prize (giải Nhì)"),
    "third": N_("Third prize (giải Ba)"),
    "merit": N_("Consolation prize (giải Khuyến khích)"),
}

# States from which the author may still withdraw the entry.
OPEN_STATUSES = ("submitted", "accepted", "needs_info", "forwarded", "shortlisted", "nominated")

KIND_LABELS = {
    "idea": N_("Creative idea"),
    "award": N_("Creative Award entry"),
}

ROLE_LABELS = {
    "resident": N_("resident"),
    "ward_officer": N_("ward officer"),
    "district_officer": N_("district officer (Home Affairs Office)"),
    "communications": N_("communications officer (Culture and Information Office)"),
    "admin": N_("administrator"),
    "council_member": N_("member of the selection council"),
    "system": N_("the system (deadline passed)"),
}
