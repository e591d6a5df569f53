"""What the help says besides the list of commands: what the bot does, and what each officer's
role does. The help itself is put together with the command table (handlers/commands.py)."""

from __future__ import annotations

from bot.i18n import N_

HELP_INTRO = N_(
    "Sáng kiến takes your ideas and your registrations for the Ho Chi Minh City Creative Award, "
    "and sends each one to the officers of its ward."
)
HELP_CLOSING = N_(
    "While filling in a form you can press Back to return one step; every answer is saved as "
    "soon as you send it, so you can continue later."
)
# What each officer's role does here, said in its welcome and its help.
ROLE_HELP = {
    "ward_officer": N_(
        "New entries of your ward arrive here with buttons to take them, ask the author for "
        "more information, reject them or mark them as duplicates, transfer them to the right "
        "ward, and forward them to the higher level (Chuyển lên cấp trên)."),
    "district_officer": N_(
        "Entries forwarded by the wards arrive here: you shortlist them for the selection "
        "council, nominate them to the city award, record the result and mark awarded works as "
        "put into practice."),
    "communications": N_(
        "You create campaigns with /chiendichmoi and send announcements with /thongbao: a text "
        "and an optional photo, to all subscribers, a ward, a field or the officers of a unit, "
        "now or at a time you choose."),
    "admin": N_(
        "As an administrator you create campaigns with /chiendichmoi and send announcements with "
        "/thongbao; officers are invited and revoked with the command line (sangkien officers)."),
    "council_member": N_(
        "As a member of the selection council you score the dossiers of your council's rounds "
        "with /hoidong, one criterion at a time, and declare any link you have to a dossier; "
        "nobody sees your scores before the round closes."),
}

