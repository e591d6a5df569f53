"""The three bots the step part compares, each a real python-telegram-bot Application on the
in-process fake Bot API of testing/fakebotapi.py:

- ours: `bot.channels.telegram.build_application` with the product's dispatcher;
- echo: python-telegram-bot's echo bot, the floor;
- conversation: the same flow as python-telegram-bot's examples write it (bench.refbots.ptbflow).
"""

from __future__ import annotations

from pathlib import Path

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    PicklePersistence,
    filters,
)

from bench.refbots.ptbflow import conversation_handler
from bot.channels.telegram import build_application
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.runtime import Runtime
from testing.fakebotapi import FakeBotAPI

TOKEN = "123:TEST"


def lift_overall_rate(app: Application) -> bool:
    """Keep the product's AIORateLimiter in the path (its cost is ours) but lift its overall
    30 messages/s bucket: Telegram's limit, which would otherwise make every step after the
    first 30 wait for a token instead of measuring what a step costs."""
    limiter = app.bot.rate_limiter
    if isinstance(limiter, AIORateLimiter) and limiter._base_limiter is not None:
        limiter._base_limiter = AsyncLimiter(max_rate=1_000_000_000, time_period=1)
        return True
    return False


async def ours(settings: Settings, engine: AsyncEngine) -> tuple[Application, FakeBotAPI]:
    """The product as `sangkien run` starts it, less the long polling (the bench hands each
    update to `process_update` itself): the Application initialised, and the runtime's
    background work running (the outbox's delivery loop, the broadcast worker, the scheduler),
    every message of it sent through the same fake Bot API. Stopped by `stop`."""
    api = FakeBotAPI()
    dispatcher = Dispatcher(settings, engine)
    runtime = Runtime(dispatcher)
    app = build_application(settings, dispatcher, runtime=runtime, token=TOKEN, request=api)
    lift_overall_rate(app)
    await app.initialize()
    await runtime.start()
    return app, api


async def _echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


async def _echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    await context.bot.send_message(chat_id=update.effective_chat.id, text=query.data)


async def echo() -> tuple[Application, FakeBotAPI]:
    api = FakeBotAPI()
    app = ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api).build()
    app.add_handler(MessageHandler(filters.TEXT, _echo_text))
    app.add_handler(CallbackQueryHandler(_echo_press))
    await app.initialize()
    return app, api


async def conversation(pickle_file: Path) -> tuple[Application, FakeBotAPI]:
    api = FakeBotAPI()
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api)
        .get_updates_request(api)
        .persistence(PicklePersistence(filepath=pickle_file))
        .build()
    )
    app.add_handler(conversation_handler())
    await app.initialize()
    return app, api


async def stop(app: Application) -> None:
    runtime = app.bot_data.get("runtime")
    if runtime is not None:
        await runtime.stop()
    await app.shutdown()
    if runtime is not None:
        await runtime.dispatcher.close()
