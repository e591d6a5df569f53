"""Serve an ASGI application on 127.0.0.1 (a free port) inside the running event loop, as
`sangkien serve` does, for tests that talk to it over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

import uvicorn


@contextlib.asynccontextmanager
async def serving(app) -> AsyncIterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT) while the application is served."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class ThreadServer:
    """Serve an ASGI application on 127.0.0.1 (a free port) from a thread of its own with its
    own event loop, so that a fake platform answers whatever the test's loop is doing (or a bot
    in another process). `loop` is the server's loop once started; `after`, if given, is awaited
    there when the server has stopped."""

    def __init__(self, app, after=None):
        self.app, self.after = app, after
        self.loop: asyncio.AbstractEventLoop | None = None
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, on_loop=None) -> int:
        """Start serving; `on_loop(loop)` runs on the server's loop first. Returns the port."""
        self._server = uvicorn.Server(uvicorn.Config(
            self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        started = threading.Event()

        def run() -> None:
            self.loop = asyncio.new_event_loop()

            async def serve() -> None:
                if on_loop is not None:
                    on_loop(self.loop)
                task = asyncio.create_task(self._server.serve())
                while not self._server.started:
                    await asyncio.sleep(0.01)
                self.port = self._server.servers[0].sockets[0].getsockname()[1]
                started.set()
                await task
                if self.after is not None:
                    await self.after()

            self.loop.run_until_complete(serve())

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        started.wait(10)
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)
