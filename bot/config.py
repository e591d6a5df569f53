"""Configuration: environment variables first, then an optional TOML file, then defaults."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from bot import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "data"


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{Path('data') / 'sangkien.db'}"
    units_file: Path = DATA_DIR / "units_2025.toml"
    catalog_file: Path = DATA_DIR / "catalog.toml"
    campaigns_file: Path = DATA_DIR / "campaigns.toml"
    holidays_file: Path = DATA_DIR / "holidays.toml"
    milestones_file: Path = DATA_DIR / "milestones.toml"
    locales_dir: Path = PROJECT_ROOT / "locales"
    default_lang: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    privacy_version: str = "2026-11"
    privacy_contact: str = "Phòng Nội vụ Quận 1 — 45-47 Lê Duẩn, Phường Bến Nghé, Quận 1"
    retention_years: int = 5
    telegram_token: str | None = None
    telegram_base_url: str | None = None
    telegram_base_file_url: str | None = None
    telegram_bot_username: str | None = None  # for deep links and QR codes
    # Flood control per user: a burst of `flood_burst` messages, refilled at `flood_rate`/s.
    flood_burst: int = 20
    flood_rate: float = 1.0
    # Working days an officer has to act on a queue item (weekends and holidays do not count).
    review_days: int = 5
    # Group chats that receive a unit's new entries besides its officers: slug → "channel:id".
    unit_groups: dict = field(default_factory=dict)
    # Broadcasts: messages per second in all, and the local hours when scheduled ones wait.
    broadcast_rate: float = 25.0
    quiet_start: int = 21
    quiet_end: int = 7
    # python-telegram-bot's own limiter, above ours (Telegram allows about 30 messages/s).
    telegram_overall_rate: float = 30.0
    # Reminders: a question unanswered for `info_remind_days` is recalled to the author, and
    # closed after `info_close_days`; an item overdue by more than `escalate_days` working days
    # is reported to the district; milestones are announced `milestone_days` ahead.
    info_remind_days: int = 3
    info_close_days: int = 14
    escalate_days: int = 3
    milestone_days: int = 7
    digest_hour: int = 8
    max_attachments: int = 5
    max_photo_bytes: int = 10 * 1024 * 1024
    max_document_bytes: int = 20 * 1024 * 1024
    extra: dict = field(default_factory=dict)


_ENV = {
    "SANGKIEN_DATABASE_URL": "database_url",
    "SANGKIEN_UNITS_FILE": "units_file",
    "SANGKIEN_CATALOG_FILE": "catalog_file",
    "SANGKIEN_CAMPAIGNS_FILE": "campaigns_file",
    "SANGKIEN_HOLIDAYS_FILE": "holidays_file",
    "SANGKIEN_DEFAULT_LANG": "default_lang",
    "TELEGRAM_BOT_TOKEN": "telegram_token",
    "TELEGRAM_BASE_URL": "telegram_base_url",
    "TELEGRAM_BASE_FILE_URL": "telegram_base_file_url",
    "TELEGRAM_BOT_USERNAME": "telegram_bot_username",
}


def load_settings(config_file: str | os.PathLike | None = None, **overrides) -> Settings:
    """Build settings from defaults, then the TOML file, then the environment, then overrides."""
    values: dict = {}
    path = config_file or os.environ.get("SANGKIEN_CONFIG")
    if path:
        with open(path, "rb") as fh:
            values.update(tomllib.load(fh))
    for env, key in _ENV.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name: f for f in fields(Settings)}
    unknown = {k: v for k, v in values.items() if k not in known}
    kwargs = {k: v for k, v in values.items() if k in known}
    for key in ("units_file", "catalog_file", "campaigns_file", "holidays_file",
                "milestones_file", "locales_dir"):
        if key in kwargs:
            p = Path(kwargs[key])
            kwargs[key] = p if p.is_absolute() or p.exists() else PROJECT_ROOT / p
    settings = Settings(**kwargs)
    return replace(settings, extra=unknown) if unknown else settings
