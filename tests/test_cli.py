"""The command line as an operator meets it: the human console, configuration, `run`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import prepare
from bot.config import ConfigError, load_settings
from testing.fakebotapi import UpdateFactory
from testing.fakezalo import FakeZaloBot
from testing.loopback_api import LoopbackBotAPI
from tests.conftest import PG_URL, TEN_WARDS_ENV

ROOT = Path(__file__).resolve().parent.parent


def _stopped(process: subprocess.Popen, seconds: float = 30) -> str:
    """Stop a served bot as an operator does (SIGTERM); what it wrote to stderr."""
    process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=seconds)[1]


def _run(args: list[str], stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        cwd=ROOT, timeout=120, env={**os.environ, **TEN_WARDS_ENV, **(env or {})},
    )


def test_human_console_numbers_the_options_and_takes_numbers_and_labels(sqlite_url):
    result = _run(["chat"], stdin="1\nGửi sáng kiến\nben nghe\n",
                  env={"SANGKIEN_DATABASE_URL": sqlite_url})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "  1. Tôi đồng ý" in out  # the notice, with numbered choices
    assert "  1. Gửi sáng kiến" in out  # "1" agreed, and the menu followed
    assert "  10. Phường Tân Định" in out  # the label picked the idea form: the ward list
    assert "Kinh tế" in out  # "ben nghe" was understood as a ward


def test_settings_come_from_toml_then_environment(tmp_path, monkeypatch):
    config = tmp_path / "sangkien.toml"
    config.write_text(
        'database_url = "sqlite:///from-toml.db"\n'
        'units_file = "data/units_2025.toml"\n'
        "retention_years = 3\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("SANGKIEN_DATABASE_URL", raising=False)
    settings = load_settings(config)
    assert settings.database_url == "sqlite:///from-toml.db"
    assert settings.units_file.name == "units_2025.toml" and settings.units_file.exists()
    assert settings.retention_years == 3
    monkeypatch.setenv("SANGKIEN_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(config).database_url == "sqlite:///from-env.db"


async def _synchronous_of_a_connection(settings) -> int:
    """What `sangkien` opens for this configuration: a connection of its engine."""
    engine, dispatcher = await prepare(settings)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("PRAGMA synchronous"))).scalar_one()
    finally:
        await dispatcher.close()
        await engine.dispose()


async def test_sqlite_commits_survive_a_power_loss_unless_the_operator_chooses_normal(
        tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    monkeypatch.delenv("SANGKIEN_CONFIG", raising=False)
    settings = load_settings(database_url=url)
    assert settings.sqlite_synchronous == "FULL"
    assert await _synchronous_of_a_connection(settings) == 2  # FULL
    monkeypatch.setenv("SANGKIEN_SQLITE_SYNCHRONOUS", "normal")
    assert await _synchronous_of_a_connection(load_settings(database_url=url)) == 1  # NORMAL
    monkeypatch.setenv("SANGKIEN_SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(ConfigError, match="sqlite_synchronous must be FULL or NORMAL"):
        load_settings(database_url=url)


def test_run_without_a_token_says_so(sqlite_url):
    env = {"SANGKIEN_DATABASE_URL": sqlite_url, "TELEGRAM_BOT_TOKEN": ""}
    result = _run(["run"], env=env)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_officers_invite_list_revoke_and_audit_by_officer(sqlite_url):
    env = {"SANGKIEN_DATABASE_URL": sqlite_url}
    bad = _run(["officers", "invite", "--unit", "khong-co", "--role", "ward_officer"], env=env)
    assert bad.returncode == 2 and "khong-co" in bad.stderr
    wrong_level = _run(["officers", "invite", "--unit", "quan-1", "--role", "ward_officer"],
                       env=env)
    assert wrong_level.returncode == 2
    made = _run(["officers", "invite", "--unit", "da-kao", "--role", "ward_officer",
                 "--name", "Cán bộ Đa Kao"], env=env)
    assert made.returncode == 0, made.stderr
    code = made.stdout.split("/dangky ")[1].split()[0]
    chat = _run(["chat", "--json", "--user", "5151"], stdin=f"/dangky {code}\n/hangdoi\n", env=env)
    assert "Cán bộ Đa Kao" in chat.stdout and "Phường Đa Kao" in chat.stdout
    listed = _run(["officers", "list"], env=env)
    assert "Cán bộ Đa Kao" in listed.stdout and "console:5151" in listed.stdout
    officer_id = listed.stdout.split()[0]
    assert _run(["audit", "--officer", officer_id], env=env).returncode == 0
    assert _run(["officers", "revoke", officer_id], env=env).returncode == 0
    assert _run(["officers", "revoke", officer_id], env=env).returncode == 1
    assert "Cán bộ Đa Kao" not in _run(["officers", "list"], env=env).stdout
    after = _run(["chat", "--json", "--user", "5151"], stdin="/hangdoi\n", env=env)
    assert "/dangky" in after.stdout  # no longer an officer
    missing = _run(["audit", "SK-26-00001-P"], env=env)
    assert missing.returncode == 1


CAMPAIGN_TOML = """
[[campaign]]
slug = "chuyen-doi-so-2027"
title_vi = "Sáng kiến chuyển đổi số năm 2027"
title_en = "Digital transformation ideas 2027"
description_vi = "Mời anh/chị gửi ý tưởng chuyển đổi số."
kinds = ["idea"]
fields = ["digital-smart-city"]
opens = 2026-11-01
closes = 2027-06-30
"""


def test_campaigns_add_list_close_and_qr(sqlite_url, tmp_path):
    env = {"SANGKIEN_DATABASE_URL": sqlite_url}
    source = tmp_path / "chien-dich.toml"
    source.write_text(CAMPAIGN_TOML, encoding="utf-8")
    assert _run(["campaigns", "add", str(source)], env=env).returncode == 0
    again = _run(["campaigns", "add", str(source)], env=env)
    assert again.returncode == 1 and "chuyen-doi-so-2027" in again.stderr
    broken = tmp_path / "hong.toml"
    broken.write_text('[[campaign]]\nslug = "x"\n', encoding="utf-8")
    assert _run(["campaigns", "add", str(broken)], env=env).returncode == 1
    listed = _run(["campaigns", "list"], env=env).stdout
    assert "chuyen-doi-so-2027" in listed and "phong-trao-2026-2030" in listed
    png = tmp_path / "qr.png"
    made = _run(["campaigns", "qr", "chuyen-doi-so-2027", "--out", str(png)],
                env={**env, "TELEGRAM_BOT_USERNAME": "sangkien_q1_bot"})
    assert made.returncode == 0, made.stderr
    assert "https://t.me/sangkien_q1_bot?start=c_chuyen-doi-so-2027" in made.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 500
    no_bot = _run(["campaigns", "qr", "chuyen-doi-so-2027", "--out", str(png)],
                  env={**env, "TELEGRAM_BOT_USERNAME": ""})
    assert no_bot.returncode == 2 and "TELEGRAM_BOT_USERNAME" in no_bot.stderr
    assert _run(["campaigns", "close", "chuyen-doi-so-2027"], env=env).returncode == 0
    assert _run(["campaigns", "close", "chuyen-doi-so-2027"], env=env).returncode == 1
    chat = _run(["chat", "--json"], env=env,
                stdin='/start c_chuyen-doi-so-2027\n{"choose": "consent:yes"}\n')
    assert "camp:idea:" not in chat.stdout  # closed: no button to send


def test_console_clock_runs_what_is_due(sqlite_url):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    env = {"SANGKIEN_DATABASE_URL": sqlite_url}
    # The session runs on real time until the clock line: the draft is touched now. The clock
    # moves to 10:00 two days later, outside the quiet hours when reminders wait.
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    later = (datetime.now(tz) + timedelta(days=2)).replace(hour=10, minute=0)
    lines = "\n".join([
        "/start", '{"choose": "consent:yes"}', '{"choose": "menu:idea"}', "ben nghe",
        json.dumps({"clock": later.isoformat()}),
        json.dumps({"clock": (later + timedelta(hours=1)).isoformat()}),
        '{"clock": "không phải thời gian"}',
    ]) + "\n"
    out = _run(["chat", "--json"], stdin=lines, env=env).stdout.splitlines()
    objs = [json.loads(line) for line in out]
    idle = [i for i, o in enumerate(objs) if o.get("idle")]
    first_clock = objs[idle[3] + 1: idle[4]]
    second_clock = objs[idle[4] + 1: idle[5]]
    assert any("menu:resume" in [o["value"] for o in m.get("options", [])] for m in first_clock)
    assert second_clock == []  # nothing fires twice
    assert "error" in objs[idle[5] + 1]


def test_jobs_run_due_and_broadcast_status(sqlite_url):
    env = {"SANGKIEN_DATABASE_URL": sqlite_url}
    result = _run(["jobs", "run-due", "--now", "2026-12-01T08:30:00+07:00"], env=env)
    assert result.returncode == 0, result.stderr
    assert "digest: 0" in result.stdout and "drafts: 0" in result.stdout
    assert _run(["jobs", "run-due", "--now", "yesterday"], env=env).returncode == 2
    missing = _run(["broadcast", "status", "7"], env=env)
    assert missing.returncode == 1


def _cli(args: list[str], cwd: Path, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    """The installed command line as an operator runs it: from `cwd`, with `env` only."""
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, timeout=120, env=env)


def _env_without_settings(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SANGKIEN_") and not k.startswith("TELEGRAM_")}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg-data"),
               PYTHONPATH=str(ROOT))
    return env


def test_a_missing_config_file_is_named_at_start_up(tmp_path):
    result = _run(["--config", str(tmp_path / "nowhere.toml"), "officers", "list"])
    assert result.returncode == 2
    assert "nowhere.toml does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    by_env = _run(["officers", "list"], env={"SANGKIEN_CONFIG": str(tmp_path / "gone.toml")})
    assert by_env.returncode == 2 and "gone.toml does not exist" in by_env.stderr


def test_a_wrong_type_in_the_file_or_the_environment_is_one_sentence_not_a_traceback(
        tmp_path, sqlite_url):
    config = tmp_path / "sangkien.toml"
    config.write_text('flood_burst = "many"\n', encoding="utf-8")
    env = {"SANGKIEN_DATABASE_URL": sqlite_url}
    from_file = _run(["--config", str(config), "chat", "--json"], stdin='{"text": "hi"}\n',
                     env=env)
    assert from_file.returncode == 2 and from_file.stdout == ""
    assert "flood_burst must be a whole number, got 'many'" in from_file.stderr
    assert str(config) in from_file.stderr and "Traceback" not in from_file.stderr
    from_env = _run(["chat", "--json"], stdin='{"text": "hi"}\n',
                    env={**env, "SANGKIEN_FLOOD_BURST": "many"})
    assert from_env.returncode == 2
    assert "SANGKIEN_FLOOD_BURST: flood_burst must be a whole number" in from_env.stderr
    good = _run(["chat", "--json"], stdin='{"text": "hi"}\n',
                env={**env, "SANGKIEN_FLOOD_BURST": "40"})
    assert good.returncode == 0, good.stderr


def test_an_unknown_key_and_an_hour_out_of_range_are_refused(tmp_path):
    config = tmp_path / "sangkien.toml"
    config.write_text("quiet_strat = 22\n", encoding="utf-8")
    typo = _run(["--config", str(config), "officers", "list"])
    assert typo.returncode == 2 and "unknown setting 'quiet_strat'" in typo.stderr
    config.write_text("quiet_start = 25\n", encoding="utf-8")
    hour = _run(["--config", str(config), "officers", "list"])
    assert hour.returncode == 2
    assert "quiet_start must be an hour from 0 to 23, got 25" in hour.stderr
    config.write_text("quiet_start = \n", encoding="utf-8")
    broken = _run(["--config", str(config), "officers", "list"])
    assert broken.returncode == 2 and "is not valid TOML" in broken.stderr


def test_ctrl_c_in_the_human_console_exits_without_a_traceback(sqlite_url):
    env = {**os.environ, "SANGKIEN_DATABASE_URL": sqlite_url}
    console = subprocess.Popen([sys.executable, "-m", "bot", "chat"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, env=env)
    console.stdin.write("/start\n")
    console.stdin.flush()
    while "Xin chào" not in console.stdout.readline():  # the greeting: it waits for input
        assert console.poll() is None
    console.send_signal(signal.SIGINT)
    _out, err = console.communicate(timeout=30)
    assert console.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_officer_invited_from_another_folder_registers_on_the_bots_database(tmp_path):
    env = _env_without_settings(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = _cli(["officers", "invite", "--unit", "ben-thanh", "--role", "ward_officer",
                 "--name", "Cán bộ Bến Thành"], cwd=elsewhere, env=env)
    assert made.returncode == 0, made.stderr
    database = tmp_path / "xdg-data" / "sangkien" / "sangkien.db"
    assert made.stderr.strip() == f"sangkien: database sqlite:///{database}"
    code = made.stdout.split("/dangky ")[1].split()[0]
    chat = _cli(["chat", "--json", "--user", "5151"], cwd=ROOT, env=env,
                stdin=f"/dangky {code}\n/hangdoi\n")
    assert chat.returncode == 0, chat.stderr
    assert "Cán bộ Bến Thành" in chat.stdout and "Phường Bến Thành" in chat.stdout
    assert not (elsewhere / "data").exists() and not (ROOT / "data" / "sangkien.db").exists()


def test_the_database_line_never_shows_a_password(tmp_path):
    url = "postgresql://sangkien:s3cret-pw@127.0.0.1:1/nothing"
    result = _run(["broadcast", "status", "1"], env={"SANGKIEN_DATABASE_URL": url})
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "sangkien: database postgresql://sangkien:***@127.0.0.1:1/nothing" in result.stderr


def test_serve_without_a_public_address_says_so(sqlite_url):
    env = {"SANGKIEN_DATABASE_URL": sqlite_url, "ZALO_BOT_TOKEN": "123:abc",
           "SANGKIEN_PUBLIC_URL": ""}
    result = _run(["serve", "--port", "0"], env=env)
    assert result.returncode == 2 and "SANGKIEN_PUBLIC_URL" in result.stderr


def test_run_serves_zalo_by_long_polling_and_never_logs_the_token(sqlite_url):
    fake = FakeZaloBot().start()
    env = {**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": sqlite_url,
           "TELEGRAM_BOT_TOKEN": "", "ZALO_BOT_TOKEN": fake.token,
           "ZALO_BOT_BASE_URL": fake.url}
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                           stderr=subprocess.PIPE, text=True)
    try:
        fake.push_text("3000111222", "Xin chào")
        deadline = time.monotonic() + 60
        while not fake.texts("3000111222") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Sáng kiến" in fake.texts("3000111222")[0]  # greeted, in Vietnamese
    finally:
        stderr = _stopped(bot)
        fake.stop()
    assert bot.returncode == 0, stderr
    assert "serving zalo_bot" in stderr
    assert fake.token not in stderr and fake.token.split(":")[1] not in stderr


def test_a_read_only_database_is_refused_at_start_up_with_one_sentence(tmp_path):
    db = tmp_path / "sangkien.db"
    assert _run(["migrate"], env={"SANGKIEN_DATABASE_URL": f"sqlite:///{db}"}).returncode == 0
    # Opened read-only (as a file the bot's user may not write would be, whoever runs the test).
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    result = _run(["chat", "--json"], stdin="/start\n",
                  env={"SANGKIEN_DATABASE_URL": read_only})
    assert result.returncode == 2 and "read-only" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_postgresql_database_is_refused_with_one_sentence():
    result = _run(["migrate"], env={
        "SANGKIEN_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/khong_co_csdl_nay"})
    assert result.returncode == 2 and "does not exist" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_two_run_processes_poll_zalo_one_at_a_time_and_the_second_takes_over(sqlite_url):
    fake = FakeZaloBot().start()
    env = {**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": sqlite_url,
           "TELEGRAM_BOT_TOKEN": "", "ZALO_BOT_TOKEN": fake.token,
           "ZALO_BOT_BASE_URL": fake.url, "SANGKIEN_POLL_LEASE_SECONDS": "3"}

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                                stderr=subprocess.PIPE, text=True)

    def answered(user: str, seconds: float = 60) -> bool:
        deadline = time.monotonic() + seconds
        while not fake.texts(user) and time.monotonic() < deadline:
            time.sleep(0.1)
        return bool(fake.texts(user))

    first = start()
    try:
        fake.push_text("3000000001", "Xin chào")
        assert answered("3000000001")
        second = start()
        try:
            time.sleep(4)  # the second is up, and stands by
            for n in range(2, 6):
                fake.push_text(f"300000000{n}", "Xin chào")
            assert all(answered(f"300000000{n}") for n in range(2, 6))
            assert fake.most_polling == 1  # never two pollers at once
            first.kill()  # dies without letting go of its lease
            first.wait(10)
            fake.push_text("3000000009", "Xin chào")
            assert answered("3000000009", seconds=30)  # the second took over
        finally:
            stderr = _stopped(second)
        assert "standing by" in stderr and "this process polls" in stderr
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate(timeout=10)
        fake.stop()


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _until(predicate, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_serve_with_two_workers_answers_on_one_port_and_a_dead_worker_is_replaced():
    if not (PG_URL or "").startswith("postgresql"):
        pytest.skip("several workers share PostgreSQL")
    api = LoopbackBotAPI().start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": PG_URL,
           "TELEGRAM_BOT_TOKEN": "123:WORKERS", "TELEGRAM_BASE_URL": api.base_url,
           "SANGKIEN_PUBLIC_URL": "https://bot.example"}
    serve = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port),
                              "--workers", "2"], cwd=ROOT, env=env, stderr=subprocess.PIPE,
                             text=True)
    updates = UpdateFactory()

    def telegram_sends(chat: int) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/telegram", method="POST",
            data=json.dumps(updates.text(chat, "/start")).encode(),
            headers={"Content-Type": "application/json",
                     "X-Telegram-Bot-Api-Secret-Token": api.webhook["secret_token"]})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status

    try:
        workers = _until(lambda: len(_children(serve.pid)) == 2 and _children(serve.pid))
        _until(lambda: api.webhook and api.calls.count("setWebhook") >= 2)
        assert all(telegram_sends(5100 + n) == 200 for n in range(10))
        assert all(len(api.replies_to(5100 + n)) == 1 for n in range(10)), "each once"
        os.kill(min(workers), signal.SIGKILL)
        replaced = _until(lambda: len(_children(serve.pid)) == 2
                          and _children(serve.pid) != workers and _children(serve.pid))
        assert min(workers) not in replaced
        _until(lambda: api.calls.count("setWebhook") >= 3)  # the new worker is up
        assert all(telegram_sends(5200 + n) == 200 for n in range(10))
        assert all(len(api.replies_to(5200 + n)) == 1 for n in range(10))
    finally:
        stderr = _stopped(serve, seconds=60)
        api.stop()
    assert serve.returncode == 0, stderr
    assert "starting another" in stderr
    assert "123:WORKERS" not in stderr and "WORKERS" not in stderr
