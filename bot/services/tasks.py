"""Asking for a task (bot/tasks.py) from a step: the request is written in the step's
transaction, so it is kept exactly when the step is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tasks as task_repo

# How many requests of one kind a person may have waiting at once.
WAITING_MAX = 1


async def request(conn: AsyncConnection, user: dict, kind: str, params: dict,
                  now: datetime) -> bool:
    """Queue a task of `kind` for `user`; False when they already have one of that kind waiting
    (a second request would only build the same thing twice)."""
    if await task_repo.waiting_for(conn, user["id"], kind) >= WAITING_MAX:
        return False
    await task_repo.put(conn, kind=kind, params=params, user=user, now=now)
    return True
