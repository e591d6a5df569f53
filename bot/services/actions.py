"""The button values the workflow's messages carry, in one place: the services build them into
notifications, the handlers build and read them. Values are packed by `bot.buttons`.
"""

from __future__ import annotations

from bot.buttons import Button

# An officer's action on an entry: q:<action>:<entry id>; `view` opens its file and `yes`
# confirms the action the officer was asked to confirm.
QUEUE_ACTION = Button("q", "action", "entry")
# An action with the officer's pick: q:<action>:<entry id>:<choice> (a ward to transfer to, an
# award level, `note` to forward with a note). `page` is the queue's paging:
# q:page:<status>:<page number>.
QUEUE_CHOICE = Button("q", "action", "entry", "choice")
PAGE = "page"
VIEW = "view"
CONFIRM = "yes"
WITH_NOTE = "note"

# The author answers the officers' question: ans:<tracking code> (`send` sends the answer).
ANSWER = Button("ans", "code")
SEND = "send"


def queue_page(status: str, page: int) -> str:
    return QUEUE_CHOICE.pack(PAGE, status, page)
