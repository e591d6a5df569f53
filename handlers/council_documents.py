"""The documents of a closed council round, as a task (bot/tasks.py): the workbook of all scores,
each member's score sheet and the draft minutes (bot/reports/council.py). The chair's option in
the council's chat asks for it with `{"round_id": N}`; the worker builds the files and they
arrive as documents (Telegram) or signed links (Zalo).

Who may have them: the round's chair, a district officer of the council's unit or of a unit
above it, and administrators. Only a closed round has documents with scores."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bot.council_model import Round
from bot.i18n import N_
from bot.model import Reply
from bot.reports.council import (
    CouncilDocumentsError,
    check_closed,
    read_round,
    write_council_documents,
)
from bot.services import stats
from bot.services.permissions import Actor
from bot.tasks import TaskEnv, task

DOCUMENTS_ONLY = N_("Only the council's chair, the officers of the council's unit or of a unit "
                    "above it, and administrators can have the council's documents.")
WRITING = N_("Writing the council's documents")
READY = N_("Here are the documents of the round {label} of {council}: the workbook of all "
           "scores (Excel), a score sheet for each member to sign and the draft minutes (Word). "
           "The highlighted passages of the minutes are for the council to write.")


def may_have_documents(ref, actor: Actor, round_: Round) -> bool:
    if actor.role == "admin":
        return True
    if actor.officer_id is not None and any(
            m.chair and m.officer_id == actor.officer_id for m in round_.members):
        return True
    return (actor.role == "district_officer"
            and round_.unit in stats.units_under(ref, actor.unit))


@task("council_documents")
async def build(env: TaskEnv, params: dict) -> list[Reply]:
    actor = await env.actor()
    try:
        rr = await read_round(env.engine, env.ref, int(params["round_id"]))
    except CouncilDocumentsError as error:
        return [Reply(error.text(env.t))]
    if not may_have_documents(env.ref, actor, rr.round):
        return [Reply(env.t._(DOCUMENTS_ONLY))]
    try:
        check_closed(rr)
    except CouncilDocumentsError as error:
        return [Reply(error.text(env.t))]
    await env.progress(WRITING)
    with tempfile.TemporaryDirectory(prefix="sangkien-council-") as tmp:
        paths = await asyncio.to_thread(write_council_documents, rr, Path(tmp), env.t,
                                        env.ref, env.now)
        files = [await env.keep(p.read_bytes(), p.name) for p in paths]
    return [Reply(text=env.t._(READY).format(label=rr.round.label,
                                            council=rr.round.council_name),
                  attachments=files)]
