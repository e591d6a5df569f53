"""The command line as an operator meets it: the human console, configuration, `run`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.config import load_settings

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        cwd=ROOT, timeout=120, env={**os.environ, **(env or {})},
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
    from datetime import UTC, datetime, timedelta

    env = {"SANGKIEN_DATABASE_URL": sqlite_url}
    # The session runs on real time until the clock line: the draft is touched now.
    later = datetime.now(UTC) + timedelta(days=2)
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
