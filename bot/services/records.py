"""What the handlers read about entries: one entry, a resident's own, an entry's file, a queue,
and the officers' last word to the author (a question, a reason)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from storage import entries as entry_repo
from storage import users as user_repo

entry_by_code = entry_repo.entry_by_code
entry_by_id = entry_repo.entry_by_id
same_person = user_repo.same_person


async def user_entries(conn: AsyncConnection, user: dict) -> list[dict]:
    """The entries of the person this chat is (with the chats linked to it), newest first."""
    return await entry_repo.user_entries(conn, await same_person(conn, user))


async def own_entry(conn: AsyncConnection, user: dict, code: str) -> dict | None:
    """The entry with this code if the person of this chat wrote it (here or in a linked
    chat), else None."""
    entry = await entry_repo.entry_by_code(conn, code)
    if entry is None or entry["user_id"] is None:
        return None
    return entry if entry["user_id"] in await same_person(conn, user) else None


async def waiting_for_answer(conn: AsyncConnection, user: dict) -> list[dict]:
    """The person's entries whose officers wait for their answer, oldest first."""
    return await entry_repo.user_entries_in(conn, await same_person(conn, user), "needs_info")


async def officers_word(conn: AsyncConnection, entry: dict) -> str | None:
    """The question the author is asked, or the reason of a rejection, for the entry's status."""
    if entry["status"] not in ("needs_info", "rejected", "duplicate"):
        return None
    change = await entry_repo.last_change_to(conn, entry["id"], entry["status"])
    return (change or {}).get("note")


async def entry_file(conn: AsyncConnection, entry_id: int) -> tuple[list[dict], list[dict]]:
    """An entry's attachments and its history, oldest first."""
    return (await entry_repo.entry_attachments(conn, entry_id),
            await entry_repo.entry_history(conn, entry_id))


async def queue(conn: AsyncConnection, *, unit: entry_repo.Units, statuses: Iterable[str],
                page: int, page_size: int) -> tuple[int, int, int, list[dict]]:
    """A page of a queue, oldest arrival first: (items in all, pages, this page, its items);
    a page beyond the last is the last."""
    statuses = tuple(statuses)
    total = await entry_repo.queue_count(conn, unit=unit, statuses=statuses)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    items = await entry_repo.queue_page(conn, unit=unit, statuses=statuses, limit=page_size,
                                        offset=(page - 1) * page_size)
    return total, pages, page, items
