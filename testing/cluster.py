"""Several `sangkien serve` processes on one database, behind a round-robin reverse proxy, as
Telegram sees a bot deployed on several machines (docs/ARCHITECTURE.md, "Several processes").

- `Proxy`: forwards each request to the next backend in turn and passes its status and body
  back; a backend that does not answer (down, killed) gets 502, so the sender redelivers.
- `Cluster`: N real `python -m bot serve` subprocesses on one database and one file store, on a
  LoopbackBotAPI (each process with a base URL of its own, so the API records who sent what),
  started together and waited for (GET /healthz); one can be killed (SIGKILL), all stopped.
- `Telegram`: what Telegram does with a webhook: POSTs each update as JSON to the proxy's
  /telegram with the secret header, and sends it again while the answer is not 2xx.

Everything here is blocking (threads, subprocesses): from an event loop, call it through
`asyncio.to_thread`. Nothing logs the bot's token.
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot import PROJECT_ROOT
from bot.i18n import compile_catalogs
from bot.web import derived
from storage import channels as channel_repo
from storage.db import create_engine
from testing.loopback_api import LoopbackBotAPI

TOKEN = "123:TEST"
PUBLIC_URL = "https://bot.example"  # must be https; nothing reaches it: updates go to the proxy
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
# Headers a proxy does not pass on (hop by hop), and those it sets again itself.
_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up mid-request is nothing to report


class Proxy:
    """A round-robin HTTP reverse proxy on 127.0.0.1. Each answer carries `X-Backend` (the index
    of the backend that gave it); `forwarded` counts answers by backend, `refused` the 502s."""

    def __init__(self, backends: list[int] | None = None) -> None:
        self.backends: list[int] = list(backends or [])
        self.forwarded: Counter[int] = Counter()
        self.refused = 0
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Proxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()

    def _next(self) -> int:
        with self._lock:
            return next(self._turn) % len(self.backends)

    def forward(self, method: str, path: str, headers: dict, body: bytes):
        """(status, headers, body, backend index) of the next backend's answer; 502 when it
        does not answer."""
        index = self._next()
        connection = http.client.HTTPConnection("127.0.0.1", self.backends[index], timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP]
            status = answer.status
        except (OSError, http.client.HTTPException):
            with self._lock:
                self.refused += 1
            return 502, [], b"", index
        finally:
            connection.close()
        with self._lock:
            self.forwarded[index] += 1
        return status, kept, data, index

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                status, kept, data, index = proxy.forward(self.command, self.path, headers,
                                                          body)
                self.send_response(status)
                for key, value in kept:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Backend", str(index))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _relay  # noqa: N815 - the names http.server calls

            def log_message(self, *args):
                pass

        return Handler


@dataclass
class Delivery:
    """How one update got through: the status of the last attempt, the attempts it took, and
    the backend (process index) that took it."""

    status: int
    attempts: int
    backend: int | None


class Telegram:
    """Telegram's side of a webhook: each update POSTed as JSON with the secret header, sent
    again while the answer is not 2xx (a little later each time, as Telegram does)."""

    def __init__(self, url: str, secret: str, api: LoopbackBotAPI, *, attempts: int = 20):
        self.url, self.secret, self.api, self.attempts = url, secret, api, attempts
        target = urllib.parse.urlsplit(url)
        self._host, self._port = target.hostname, target.port

    def deliver(self, update: dict) -> Delivery:
        body = json.dumps(update).encode()
        headers = {"Content-Type": "application/json",
                   "X-Telegram-Bot-Api-Secret-Token": self.secret}
        status, backend, pause = 0, None, 0.02
        for attempt in range(1, self.attempts + 1):
            connection = http.client.HTTPConnection(self._host, self._port, timeout=30)
            try:
                connection.request("POST", "/telegram", body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                status = answer.status
                backend = _int(answer.getheader("X-Backend"))
            except (OSError, http.client.HTTPException):
                status = 0
            finally:
                connection.close()
            if 200 <= status < 300:
                return Delivery(status, attempt, backend)
            time.sleep(pause)  # Telegram's redelivery comes later, not at once
            pause = min(pause * 2, 0.5)
        return Delivery(status, self.attempts, backend)

    def text(self, user: int, text: str) -> Delivery:
        return self.deliver(self.api.text_update(user, text))

    def press(self, user: int, data: str) -> Delivery:
        return self.deliver(self.api.press_update(user, data))


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


async def _webhook_secret(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            key = await channel_repo.secret(conn, "links")
    finally:
        await engine.dispose()
    return derived(key, "webhook:telegram")


def webhook_secret(database_url: str) -> str:
    """The secret every process expects in X-Telegram-Bot-Api-Secret-Token, derived from the
    bot's secret in the database as bot.web.webhook_secrets does."""
    return asyncio.run(_webhook_secret(database_url))


class Cluster:
    """`size` processes of `python -m bot serve` on `database_url`, behind one Proxy, on one
    LoopbackBotAPI (`api`). `env` adds settings (e.g. SANGKIEN_BROADCAST_RATE). Process `i`
    sends through `api.base_url_for(f"p{i}")`: messages it sent have "via" "p<i>"."""

    def __init__(self, database_url: str, workdir: Path, size: int = 3, *,
                 env: dict[str, str] | None = None, api: LoopbackBotAPI | None = None):
        self.database_url, self.workdir, self.size = database_url, Path(workdir), size
        self.extra_env = dict(env or {})
        self.api = api or LoopbackBotAPI()
        self._own_api = api is None
        self.proxy = Proxy()
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen] = []
        self.telegram: Telegram | None = None

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- life -----------------------------------------------------------------------------
    def start(self) -> Cluster:
        """Start the API, the proxy and every process at once; return when all answer
        /healthz (raises with the process's log when one exits or never answers)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        compile_catalogs(PROJECT_ROOT / "locales")  # once here, not raced by N processes
        if self._own_api:
            self.api.start()
        self.ports = [free_port() for _ in range(self.size)]
        self.proxy.backends = list(self.ports)
        self.proxy.start()
        self.procs = [self._spawn(i) for i in range(self.size)]
        deadline = time.monotonic() + START_TIMEOUT_S
        for index in range(self.size):
            self._wait_healthy(index, deadline)
        self.telegram = Telegram(self.proxy.url, webhook_secret(self.database_url), self.api)
        return self

    def env(self, index: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SANGKIEN_", "TELEGRAM_", "ZALO_"))}
        env.update({
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.api.base_url_for(f"p{index}"),
            "SANGKIEN_DATABASE_URL": self.database_url,
            "SANGKIEN_PUBLIC_URL": PUBLIC_URL,
            "SANGKIEN_FILES_DIR": str(self.workdir / "files"),
        })
        env.update(self.extra_env)
        return env

    def _spawn(self, index: int) -> subprocess.Popen:
        log = self.log_path(index).open("ab")
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                 "--port", str(self.ports[index])],
                cwd=PROJECT_ROOT, env=self.env(index), stdout=log, stderr=log)
        finally:
            log.close()  # the child has its own descriptor

    def _wait_healthy(self, index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.procs[index].poll() is not None:
                raise RuntimeError(f"process {index} exited with {self.procs[index].returncode}:"
                                   f"\n{self.log(index)[-3000:]}")
            if self.healthy(index):
                return
            time.sleep(0.05)
        raise RuntimeError(f"process {index} did not answer /healthz in {START_TIMEOUT_S:.0f} s:"
                           f"\n{self.log(index)[-3000:]}")

    def healthy(self, index: int) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.ports[index], timeout=2)
        try:
            connection.request("GET", "/healthz")
            answer = connection.getresponse()
            answer.read()
            return answer.status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()

    def kill(self, index: int) -> None:
        """SIGKILL process `index`: it stops at once, in the middle of whatever it did. The
        proxy keeps it in the rotation (its turn answers 502, as a dead machine would)."""
        proc = self.procs[index]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> list[int | None]:
        """Stop every process (SIGTERM, then SIGKILL after a while), the proxy and the API
        when it is the cluster's own; returns the exit codes."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = []
        for proc in self.procs:
            try:
                codes.append(proc.wait(STOP_TIMEOUT_S))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append(proc.wait(10))
        self.procs = []
        self.proxy.stop()
        if self._own_api and self.api.thread.is_alive():
            self.api.stop()
        return codes

    # --- what it did ------------------------------------------------------------------------
    def log_path(self, index: int) -> Path:
        return self.workdir / f"serve-{index}.log"

    def log(self, index: int) -> str:
        path = self.log_path(index)
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def sent_by(self, index: int) -> list[dict]:
        """The messages process `index` sent."""
        via = f"p{index}"
        return [m for m in list(self.api.sent) if m["via"] == via]
