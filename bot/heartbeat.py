"""Claims a live process keeps: `renewed(every, renew)` runs `renew()` every `every` seconds
while a batch is being sent, however long one send takes (a platform's flood wait can last
longer than a claim), so no other process takes rows that are still this one's."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def renewed(every: float, renew: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
    async def beat() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await renew()
            except Exception as error:  # the next beat tries again; the claim has time left
                log.warning("could not renew claims: %s", error)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
