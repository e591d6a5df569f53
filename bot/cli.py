"""The command line: `sangkien run | chat | migrate` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Settings, load_settings
from bot.dispatcher import Dispatcher
from bot.i18n import compile_catalogs
from storage.db import create_engine, migrate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sangkien", description="Sáng kiến civic-idea bot")
    parser.add_argument("--config", help="TOML configuration file (also SANGKIEN_CONFIG)")
    parser.add_argument("--database-url", help="overrides SANGKIEN_DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve Telegram by long polling (TELEGRAM_BOT_TOKEN)")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", default="1001", help="the console user's identity")
    chat.add_argument("--name", default=None, help="the console user's display name")
    chat.add_argument("--json", action="store_true", help="JSON lines in and out, for scripts")
    sub.add_parser("migrate", help="apply the database migrations")
    return parser


async def prepare(settings: Settings):
    """Build catalogs and bring the database schema up to date; return engine and dispatcher."""
    compile_catalogs(settings.locales_dir)
    engine = create_engine(settings.database_url)
    await migrate(engine)
    return engine, Dispatcher(settings, engine)


async def _chat(settings: Settings, args) -> None:
    from bot.channels import console

    engine, dispatcher = await prepare(settings)
    try:
        if args.json:
            await console.run_json(dispatcher, str(args.user), args.name)
        else:
            await console.run_human(dispatcher, str(args.user), args.name)
    finally:
        await engine.dispose()


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    settings = load_settings(args.config, database_url=args.database_url)
    if args.command == "chat":
        asyncio.run(_chat(settings, args))
    elif args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("ok")
    elif args.command == "run":
        from bot.channels.telegram import run_polling

        return run_polling(settings)
    return 0
