"""The statuses of an entry as its author reads them: spoken to the author, not about them
(the officers' words are `bot.workflow.STATUS_LABELS`)."""

from bot.i18n import N_

AUTHOR_STATUS_LABELS = {
    "submitted": N_("Received – waiting for the ward to take it up"),
    "accepted": N_("Taken up by the ward – under review"),
    "needs_info": N_("More information needed – waiting for your answer"),
    "rejected": N_("Not accepted"),
    "duplicate": N_("Not accepted: the same as an earlier entry"),
    "forwarded": N_("Forwarded to the higher level for review"),
    "recognised": N_("Congratulations: your entry was recognised by the ward"),
    "closed": N_("Closed"),
    "shortlisted": N_("Shortlisted for the selection council"),
    "nominated": N_("Nominated to the Ho Chi Minh City Creative Award"),
    "awarded": N_("Congratulations: your entry won an award"),
    "not_awarded": N_("Not awarded this time – thank you for taking part"),
    "applied": N_("Congratulations: your entry won an award and is put into practice"),
    "withdrawn": N_("You withdrew this entry"),
}
