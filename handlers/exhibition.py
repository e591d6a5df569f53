"""/trienlam [year]: the exhibition list of a year for the communications office, as a message
ready to post (in Vietnamese, the public's language) and an XLSX sent as a document (a signed
link on a channel that cannot send documents)."""

from __future__ import annotations

import asyncio

from bot.context import Context
from bot.files import FolderStore, default_files_dir
from bot.i18n import N_
from bot.model import Attachment, Reply
from bot.services import exhibition
from bot.services.opendata import units_within
from bot.services.permissions import actor_for

ROLES = ("communications", "district_officer", "admin")
REFUSAL = N_("Only the communications office, the district's officers and administrators can "
             "make the exhibition list.")
FIRST_YEAR = 2000
BAD_YEAR = N_("Please send /trienlam, or /trienlam followed by a year from {first} to {last}, "
              "for example /trienlam {last}.")


def _year(ctx: Context) -> int | None:
    typed = ctx.event.command_args.strip()
    if not typed:
        return ctx.today.year
    if typed.isdigit() and FIRST_YEAR <= int(typed) <= ctx.today.year:
        return int(typed)
    return None


async def show(ctx: Context) -> None:
    year = _year(ctx)
    if year is None:
        ctx.note(ctx._(BAD_YEAR).format(first=str(FIRST_YEAR), last=str(ctx.today.year)))
        return
    actor = await actor_for(ctx.conn, ctx.user)
    if actor.role not in ROLES or actor.unit is None:
        ctx.note(ctx._(REFUSAL))
        return
    works = await exhibition.gather(ctx.conn, ctx.ref, year, units_within(ctx.ref, actor.unit))
    post = exhibition.message(ctx.ref, ctx.translators("vi"), works)
    ctx.note(ctx._("The exhibition list of {year}, ready to post:").format(year=year)
             + "\n\n" + post)
    data = await asyncio.to_thread(exhibition.workbook, ctx.ref, ctx.t, works)
    name = f"{exhibition.file_name(year)}.xlsx"
    stored = await FolderStore(default_files_dir(ctx.settings)).put(
        data, name=name, mime=exhibition.XLSX_TYPE)
    ctx.replies.append(Reply(
        text=ctx._("The list as a spreadsheet: {count} work(s).").format(count=len(works.works)),
        attachments=[Attachment("document", stored.key, name, stored.mime, stored.size,
                                key=stored.key, sha256=stored.sha256)],
    ))
