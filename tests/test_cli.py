"""The command line as an operator meets it: the human console, configuration, `run`."""

from __future__ import annotations

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
