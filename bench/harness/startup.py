"""Start-up time of `sangkien run` on a given database: from process start until its first
getUpdates request, served by a tiny Bot API on 127.0.0.1 that answers getMe, deleteWebhook,
setMyCommands and getUpdates like the real one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import ROOT
from testing.fakebotapi import BOT_USER

TOKEN = "123:TEST"
TIMEOUT_S = 60.0


class _FakeBotAPIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.first_seen: dict[str, float] = {}
        self.polled = threading.Event()

    def seen(self, method: str) -> None:
        self.first_seen.setdefault(method, time.perf_counter())
        if method == "getUpdates":
            self.polled.set()

    def handle_error(self, request, client_address) -> None:
        pass  # the bot is stopped mid-poll once measured: its hang-up is expected, not a failure


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    server: _FakeBotAPIServer

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        method = self.path.rsplit("/", 1)[-1]
        self.server.seen(method)
        if method == "getUpdates":
            time.sleep(0.05)  # a long poll that found nothing, shortened
        result = BOT_USER if method == "getMe" else [] if method == "getUpdates" else True
        body = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST  # noqa: N815

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


class StartupError(RuntimeError):
    """`sangkien run` never polled; `seen` holds what it reached (seconds since start)."""

    def __init__(self, message: str, seen: dict[str, float]):
        super().__init__(message)
        self.seen = seen


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(server: _FakeBotAPIServer, process: subprocess.Popen, started: float) -> bool:
    while time.perf_counter() - started < TIMEOUT_S:
        if server.polled.wait(0.02):
            return True
        if process.poll() is not None:
            return server.polled.is_set()
    return False


def measure(database_url: str) -> dict:
    """One start: seconds until getMe and until the first getUpdates."""
    server = _FakeBotAPIServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_BASE_URL": f"http://127.0.0.1:{server.server_port}/bot",
           "SANGKIEN_DATABASE_URL": database_url}
    env.pop("SANGKIEN_CONFIG", None)
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            polled = _wait(server, process, started)
        finally:
            _stop(process)
            server.shutdown()
            server.server_close()
        seen = {m: round(t - started, 3) for m, t in server.first_seen.items()}
        if not polled:
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines()
            raise StartupError(f"`sangkien run` exited or did not poll within {TIMEOUT_S:.0f} s "
                               f"(requests it made, s after start: {seen}); its last line: "
                               f"{lines[-1] if lines else '(nothing)'}", seen)
    return {"to_getMe_s": round(seen.get("getMe", float("nan")), 3),
            "to_getUpdates_s": round(seen["getUpdates"], 3)}
