"""Configuration: environment variables first, then an optional TOML file, then defaults.

Everything is checked when the settings are built (`load_settings`), so that a wrong file, type,
key or range stops the command at start-up with one sentence (`ConfigError`), never a traceback
at the first message.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import get_type_hints

import platformdirs
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import PROJECT_ROOT
from storage.db import DEFAULT_SQLITE_SYNCHRONOUS, SQLITE_SYNCHRONOUS

DATA_DIR = PROJECT_ROOT / "data"
# The one default database, whatever the current folder: the platform's user data folder
# (on Linux $XDG_DATA_HOME/sangkien, by default ~/.local/share/sangkien).
DEFAULT_DATABASE = platformdirs.user_data_path("sangkien") / "sangkien.db"


class ConfigError(ValueError):
    """A configuration that cannot work, with a sentence for the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_DATABASE}"
    # What a commit to SQLite survives (storage.db): FULL, a crash of the process, of the
    # operating system and a power loss; NORMAL, a crash of the process only (a power loss may
    # lose the last commits). A plain step's answer is written with NORMAL either way
    # (storage.fastpath). PostgreSQL syncs every commit whatever this says.
    sqlite_synchronous: str = DEFAULT_SQLITE_SYNCHRONOUS
    units_file: Path = DATA_DIR / "units_2025.toml"
    catalog_file: Path = DATA_DIR / "catalog.toml"
    campaigns_file: Path = DATA_DIR / "campaigns.toml"
    holidays_file: Path = DATA_DIR / "holidays.toml"
    milestones_file: Path = DATA_DIR / "milestones.toml"
    locales_dir: Path = PROJECT_ROOT / "locales"
    files_dir: str | None = None  # attachments; None: a `files` folder next to the database
    default_lang: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    privacy_version: str = "2026-11"
    privacy_contact: str = "Phòng Nội vụ Quận 1 — 45-47 Lê Duẩn, Phường Bến Nghé, Quận 1"
    retention_years: int = 5
    telegram_token: str | None = None
    telegram_base_url: str | None = None
    telegram_base_file_url: str | None = None
    telegram_bot_username: str | None = None  # for deep links and QR codes
    # Zalo Bot API (bot.channels.zalo_bot) and a ward's Zalo Official Account (zalo_oa): a
    # channel is on when its credentials are set.
    zalo_bot_token: str | None = None
    zalo_bot_base_url: str | None = None
    zalo_oa_app_id: str | None = None
    zalo_oa_secret_key: str | None = None
    zalo_oa_access_token: str | None = None
    zalo_oa_refresh_token: str | None = None
    # The key that signs the OA's webhook pushes, where it is not the app's secret key.
    zalo_oa_webhook_key: str | None = None
    zalo_oa_base_url: str | None = None
    zalo_oa_oauth_url: str | None = None
    # The public address of the Zalo Official Account or bot (https://zalo.me/…) that posters
    # print as a QR code (SANGKIEN_ZALO_LINK); none: posters show Telegram only.
    zalo_link: str | None = None
    # A long-polling process holds its token's lease this long, renewing it every third of it;
    # another process takes over this long after the holder dies.
    poll_lease_seconds: float = 30.0
    # The HTTPS address `sangkien serve` answers at: webhooks, upload and file links use it.
    public_url: str | None = None
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


_ENV = {
    "SANGKIEN_DATABASE_URL": "database_url",
    "SANGKIEN_UNITS_FILE": "units_file",
    "SANGKIEN_CATALOG_FILE": "catalog_file",
    "SANGKIEN_CAMPAIGNS_FILE": "campaigns_file",
    "SANGKIEN_HOLIDAYS_FILE": "holidays_file",
    "SANGKIEN_FILES_DIR": "files_dir",
    "SANGKIEN_DEFAULT_LANG": "default_lang",
    "TELEGRAM_BOT_TOKEN": "telegram_token",
    "TELEGRAM_BASE_URL": "telegram_base_url",
    "TELEGRAM_BASE_FILE_URL": "telegram_base_file_url",
    "TELEGRAM_BOT_USERNAME": "telegram_bot_username",
    "ZALO_BOT_TOKEN": "zalo_bot_token",
    "ZALO_BOT_BASE_URL": "zalo_bot_base_url",
    "ZALO_OA_APP_ID": "zalo_oa_app_id",
    "ZALO_OA_SECRET_KEY": "zalo_oa_secret_key",
    "ZALO_OA_ACCESS_TOKEN": "zalo_oa_access_token",
    "ZALO_OA_REFRESH_TOKEN": "zalo_oa_refresh_token",
    "ZALO_OA_WEBHOOK_KEY": "zalo_oa_webhook_key",
    "ZALO_OA_BASE_URL": "zalo_oa_base_url",
    "ZALO_OA_OAUTH_URL": "zalo_oa_oauth_url",
}


# Every other scalar setting can come from SANGKIEN_<NAME> too (SANGKIEN_FLOOD_BURST=40).
_ENV.update({f"SANGKIEN_{f.name.upper()}": f.name for f in fields(Settings)
             if f.name not in _ENV.values() and f.name != "unit_groups"})
_TYPES = get_type_hints(Settings)
_PATHS = tuple(key for key, kind in _TYPES.items() if kind is Path)
_HOURS = ("quiet_start", "quiet_end", "digest_hour")
_POSITIVE = ("flood_burst", "flood_rate", "broadcast_rate", "telegram_overall_rate",
             "poll_lease_seconds",
             "retention_years", "max_attachments", "max_photo_bytes", "max_document_bytes")
_NOT_NEGATIVE = ("review_days", "info_remind_days", "info_close_days", "escalate_days",
                 "milestone_days")


def load_settings(config_file: str | os.PathLike | None = None, **overrides) -> Settings:
    """Build settings from defaults, then the TOML file, then the environment, then overrides.
    Raise ConfigError, with the key and what was wrong, for anything that cannot work."""
    values: dict = {}
    origin: dict[str, str] = {}
    path = config_file or os.environ.get("SANGKIEN_CONFIG")
    if path:
        values.update(_read_toml(Path(path)))
        origin.update({key: str(path) for key in values})
    for env, key in _ENV.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
            origin[key] = f"environment variable {env}"
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = sorted(set(values) - set(_TYPES))
    if unknown:
        raise ConfigError(f"{origin.get(unknown[0], 'configuration')}: unknown setting "
                          f"{unknown[0]!r} (known: {', '.join(sorted(_TYPES))})")
    kwargs = {key: _typed(key, value, _TYPES[key], origin.get(key, "configuration"))
              for key, value in values.items()}
    for key in _PATHS:
        if key in kwargs:
            p = kwargs[key]
            kwargs[key] = p if p.is_absolute() or p.exists() else PROJECT_ROOT / p
    settings = Settings(**kwargs)
    _check(settings, origin)
    return settings


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except OSError as error:
        raise ConfigError(f"configuration file {path} cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"configuration file {path} is not valid TOML: {error}") from None


def _typed(key: str, value, kind, where: str):
    """`value` as the type of setting `key` (environment values arrive as strings)."""
    def wrong(expected: str) -> ConfigError:
        return ConfigError(f"{where}: {key} must be {expected}, got {value!r}")

    if kind is int:
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise wrong("a whole number")
    elif kind is float:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise wrong("a number") from None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise wrong("a number")
        return float(value)
    elif kind is Path:
        if not isinstance(value, str | os.PathLike):
            raise wrong("a file path")
        return Path(value)
    elif kind is dict:
        if not isinstance(value, dict):
            raise wrong("a table")
    elif not isinstance(value, str):
        raise wrong("a text")
    return value


def _check(settings: Settings, origin: dict[str, str]) -> None:
    def fail(key: str, expected: str) -> None:
        where = origin.get(key, "configuration")
        raise ConfigError(f"{where}: {key} must be {expected}, "
                          f"got {getattr(settings, key)!r}")

    for key in _HOURS:
        if not 0 <= getattr(settings, key) <= 23:
            fail(key, "an hour from 0 to 23")
    for key in _POSITIVE:
        if getattr(settings, key) <= 0:
            fail(key, "more than 0")
    for key in _NOT_NEGATIVE:
        if getattr(settings, key) < 0:
            fail(key, "0 or more")
    for key in _PATHS:
        if not getattr(settings, key).exists():
            fail(key, "an existing file")
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        fail("database_url", "a database URL such as sqlite:///path/to/file.db")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        fail("database_url", "a sqlite:/// or postgresql:// URL")
    if settings.sqlite_synchronous.upper() not in SQLITE_SYNCHRONOUS:
        fail("sqlite_synchronous", "FULL or NORMAL")
    if settings.public_url and not settings.public_url.startswith(
            ("https://", "http://127.0.0.1", "http://localhost")):
        fail("public_url", "an https:// address (Zalo sends webhooks only over HTTPS)")
    oa = ("zalo_oa_app_id", "zalo_oa_secret_key", "zalo_oa_access_token",
          "zalo_oa_refresh_token")
    given = [key for key in oa if getattr(settings, key)]
    if given and len(given) < len(oa):
        missing = next(key for key in oa if key not in given)
        raise ConfigError(f"configuration: the Zalo Official Account needs {missing.upper()} "
                          f"too (it has {', '.join(k.upper() for k in given)})")
    for slug, target in settings.unit_groups.items():
        if not isinstance(target, str) or ":" not in target:
            raise ConfigError(f"{origin.get('unit_groups', 'configuration')}: unit_groups."
                              f"{slug} must be \"channel:chat id\", got {target!r}")


def database_label(url: str) -> str:
    """The database a command uses, for one line on stderr: never the password."""
    return make_url(url).render_as_string(hide_password=True)
