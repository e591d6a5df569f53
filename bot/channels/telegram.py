"""The Telegram channel on python-telegram-bot: updates become Events, Replies become messages.

Replies are sent as plain text (no parse mode), so whatever a resident typed, HTML or Markdown,
is shown literally. Options become inline buttons, one per row. Files residents send are
downloaded into the bot's file store (bot.files); what the runtime runs in the background
(outbox, announcements, reminders) is not here but in bot.runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from telegram import (
    BotCommand,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.channels.base import SendResult
from bot.config import Settings
from bot.dispatcher import INTERNAL_ERROR, OUTAGE_RETRY_SECONDS, Dispatcher
from bot.files import FileStore, keep
from bot.model import Attachment, Event, Reply
from bot.runtime import Runtime, redelivery
from bot.text import split_message
from handlers.commands import COMMAND_MENU

# Take python-telegram-bot's coming behaviour now (durations as timedelta, as RetryAfter's will
# be in its next major version) instead of a deprecation warning at every 429. It is read when a
# duration is read, so setting it after the imports is enough.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)
CHANNEL = "telegram"
TRANSIENT_RETRY_SECONDS = 1.0
POLL_SECONDS = 10  # how long one getUpdates waits for something to arrive

# Kinds of message the bot does not take, named so that the step can say what it expects.
_OTHER_KINDS = (
    "sticker", "voice", "audio", "video", "video_note", "animation", "location", "venue",
    "poll", "dice", "game", "story",
)


def event_from_update(update: Update) -> Event | None:
    """Translate an update from a private chat; None for what the bot ignores (groups, edits)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    # In a unit's group chat only buttons count: the officer who pressed one is the sender,
    # and the answer goes to their private chat with the bot.
    if chat.type != "private" and update.callback_query is None:
        return None
    base = {
        "channel": CHANNEL,
        "user": str(user.id),
        "update_id": update.update_id,
        "display_name": user.full_name,
    }
    if update.callback_query is not None:
        return Event(**base, choice=update.callback_query.data or "")
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return Event(**base, text=message.text)
    if message.contact is not None:
        return Event(**base, contact=message.contact.phone_number)
    if message.photo:
        largest = message.photo[-1]
        return Event(**base, attachment=Attachment(
            kind="photo", ref=largest.file_id, mime="image/jpeg", size=largest.file_size))
    if message.document is not None:
        doc = message.document
        return Event(**base, attachment=Attachment(
            kind="document", ref=doc.file_id, name=doc.file_name, mime=doc.mime_type,
            size=doc.file_size))
    kind = next((k for k in _OTHER_KINDS if getattr(message, k, None)), "other")
    return Event(**base, other=kind)


def _markup(reply: Reply):
    if reply.request_contact:
        rows = [[KeyboardButton(reply.request_contact, request_contact=True)]]
        rows += [[KeyboardButton(o.label)] for o in reply.options]
        return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)
    if reply.options:
        return _inline(tuple((o.value, o.label) for o in reply.options))
    return ReplyKeyboardRemove() if reply.remove_keyboard else None


class _Keyboard(InlineKeyboardMarkup):
    """An inline keyboard that is turned into its Bot API form once, not at every send
    (python-telegram-bot walks every button of it for each request otherwise)."""

    __slots__ = ("_api_form",)

    def __init__(self, rows):
        super().__init__(rows)
        with self._unfrozen():
            self._api_form = super().to_dict()

    def to_dict(self, recursive: bool = True) -> dict:
        return dict(self._api_form)  # a request may change its copy, never the shared one


@lru_cache(maxsize=4096)
def _inline(options: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    # The same lists (wards, fields, navigation) come back all the time, and python-telegram-bot
    # objects are immutable: built once, they are shared.
    return _Keyboard(
        [[InlineKeyboardButton(label, callback_data=value)] for value, label in options]
    )


async def send_reply(bot, chat_id: int, reply: Reply, files: FileStore) -> None:
    """Send one reply, split at paragraph boundaries; buttons go with the last part."""
    for attachment in reply.attachments:
        await _send_attachment(bot, chat_id, attachment, files)
    parts = split_message(reply.text, MessageLimit.MAX_TEXT_LENGTH)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        markup = _markup(reply) if last else None
        try:
            await bot.send_message(chat_id=chat_id, text=part, reply_markup=markup)
        except BadRequest as error:
            # A markup Telegram refuses must not swallow the sentence itself.
            log.warning("send to %s refused (%s); retrying without buttons", chat_id, error)
            await bot.send_message(chat_id=chat_id, text=part)


async def _send_attachment(bot, chat_id: int, attachment: Attachment, files: FileStore) -> None:
    if attachment.key is not None:
        source = await files.read(attachment.key)  # whichever channel it came from
    else:
        # Kept before the file store: console files are paths on this machine, Telegram's
        # are file ids.
        path = Path(attachment.ref)
        source = path.open("rb") if path.is_absolute() and path.is_file() else attachment.ref
    try:
        if attachment.kind == "photo":
            await bot.send_photo(chat_id=chat_id, photo=source)
        else:
            await bot.send_document(chat_id=chat_id, document=source,
                                    filename=attachment.name or "file")
    finally:
        if not isinstance(source, str | bytes):
            source.close()


def outcome(error: TelegramError) -> SendResult:
    """What a refusal from the Bot API means for the message (one mapping for every send)."""
    if isinstance(error, Forbidden):
        return SendResult.BLOCKED
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        return SendResult.retry(wait.total_seconds() if hasattr(wait, "total_seconds") else wait)
    if isinstance(error, BadRequest):
        chat_gone = "chat not found" in str(error).lower()
        return SendResult.BLOCKED if chat_gone else SendResult.FAILED
    return SendResult.retry(TRANSIENT_RETRY_SECONDS)  # network trouble, timeouts


class TelegramChannel:
    """The Channel for Telegram (bot.channels.base): inline buttons, edits, documents."""

    polls = True  # `sangkien run` long-polls it, one process at a time (a lease)
    name = CHANNEL
    max_text = MessageLimit.MAX_TEXT_LENGTH
    has_buttons = True
    can_edit = True
    can_send_documents = True
    per_chat_seconds = 1.0  # Telegram: at most one message a second to one chat

    def __init__(self, dispatcher: Dispatcher, runtime: Runtime):
        self.dispatcher = dispatcher
        self.runtime = runtime
        self.rate = dispatcher.settings.broadcast_rate
        self.application: Application | None = None
        self._polling: asyncio.Task | None = None

    @property
    def bot(self):
        return self.application.bot

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            # Answer at once so the button stops spinning, even for a stale button.
            try:
                await update.callback_query.answer()
            except TelegramError as error:
                log.info("could not answer callback query: %s", error)
        event = event_from_update(update)
        if event is not None:
            await self.runtime.converse(self, event, self._stored)

    async def _stored(self, event: Event) -> Event:
        if event.attachment is None:
            return event
        return replace(event, attachment=await self._fetch(event.attachment))

    async def _fetch(self, attachment: Attachment) -> Attachment:
        """Download what a resident sent into the bot's file store. One too large to take, or
        that cannot be downloaded now, goes on as Telegram described it (the size check in the
        form then speaks; an old-style row sends it again by its file id)."""
        settings = self.dispatcher.settings
        limit = (settings.max_photo_bytes if attachment.kind == "photo"
                 else settings.max_document_bytes)
        if attachment.size and attachment.size > limit:
            return attachment
        try:
            file = await self.bot.get_file(attachment.ref)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            log.warning("could not download a file sent by a resident: %s", error)
            return attachment
        return await keep(self.runtime.files, attachment, data)

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        try:
            await send_reply(self.bot, int(recipient), reply, self.runtime.files)
        except TelegramError as error:
            result = outcome(error)
            log.info("message to chat %s not sent (%s): %s", recipient, result.status, error)
            return result
        return SendResult.SENT

    async def edit(self, recipient: str, reply: Reply, ref: str | None) -> str | None:
        """Show `reply` in place of message `ref` (a new message when None); the message's ref,
        or None when it could not be shown."""
        chat_id, markup = int(recipient), _markup(reply)
        try:
            if ref is not None:
                await self.bot.edit_message_text(chat_id=chat_id, message_id=int(ref),
                                                 text=reply.text, reply_markup=markup)
                return ref
            message = await self.bot.send_message(chat_id=chat_id, text=reply.text,
                                                  reply_markup=markup)
            return str(message.message_id)
        except TelegramError as error:
            log.info("progress message for %s not shown: %s", chat_id, error)
            return None

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = getattr(update, "update_id", None)
        chat = getattr(update, "effective_chat", None)
        log.error("error while handling update %s (chat %s)", update_id,
                  getattr(chat, "id", None), exc_info=context.error)
        if chat is not None and getattr(chat, "type", None) == "private":
            try:
                # A private chat's id is its user's: the sentence is in their language.
                text = self.dispatcher.sentence(CHANNEL, str(chat.id), INTERNAL_ERROR)
                await context.bot.send_message(chat_id=chat.id, text=text)
            except TelegramError:
                pass

    async def start(self) -> None:
        """Serve by long polling (the runtime calls this, then `stop`)."""
        application = self.application
        await application.initialize()
        await self.set_commands(application)
        await application.bot.delete_webhook()
        await application.start()
        self._polling = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        """Long polling that confirms an update to Telegram (the next `offset`) only once it was
        taken. python-telegram-bot's Updater confirms what it fetched at its next request,
        before the update is processed: an update the database could not take would be gone.
        Here, one that could not be (`Unprocessed`) is asked for again, with those after it
        (the ones already taken are then dropped as redeliveries, sender by sender)."""
        bot, offset = self.application.bot, None
        while True:
            try:
                updates = await bot.get_updates(offset=offset, timeout=POLL_SECONDS,
                                                allowed_updates=Update.ALL_TYPES)
            except TelegramError as error:  # flood wait, the network, Telegram itself: again
                log.warning("getUpdates failed: %s", error)
                await asyncio.sleep(outcome(error).retry_after or TRANSIENT_RETRY_SECONDS)
                continue
            if not updates:
                continue
            failed = await self._take(updates)
            if failed is None:
                offset = updates[-1].update_id + 1
            else:
                offset = failed
                await asyncio.sleep(OUTAGE_RETRY_SECONDS)

    async def _take(self, updates: list[Update]) -> int | None:
        """Process a batch: each sender's updates in order, senders side by side. Returns the
        first update id that could not be taken, or None."""
        senders: dict[int | None, list[Update]] = {}
        for update in updates:
            chat = update.effective_chat
            senders.setdefault(chat.id if chat else None, []).append(update)
        with redelivery() as unprocessed:
            await asyncio.gather(*(self._in_order(batch, unprocessed)
                                   for batch in senders.values()))
        return min((event.update_id for event in unprocessed), default=None)

    async def _in_order(self, batch: list[Update], unprocessed: list) -> None:
        for update in batch:
            await self.application.process_update(update)
            if unprocessed and any(e.update_id == update.update_id for e in unprocessed):
                return  # this sender's later updates wait behind it

    async def stop(self) -> None:
        application = self.application
        polling, self._polling = self._polling, None
        if polling is not None:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
        if application.running:
            await application.stop()
        await application.shutdown()

    async def set_commands(self, application: Application) -> None:
        for lang in ("vi", "en"):
            t = self.dispatcher.translator(lang)
            commands = [BotCommand(name, t._(description)) for name, description in COMMAND_MENU]
            await application.bot.set_my_commands(commands, language_code=lang)
            if lang == self.dispatcher.settings.default_lang:
                await application.bot.set_my_commands(commands, scope=BotCommandScopeDefault())


def build_application(
    settings: Settings,
    dispatcher: Dispatcher,
    *,
    runtime: Runtime | None = None,
    token: str | None = None,
    request: BaseRequest | None = None,
    max_retries: int = 3,
) -> Application:
    """The Application and its channel, added to `runtime` (a runtime of its own if None:
    replies and notifications are sent, nothing runs in the background until `start`)."""
    runtime = runtime or Runtime(dispatcher)
    channel = TelegramChannel(dispatcher, runtime)
    builder = (
        ApplicationBuilder()
        .token(token or settings.telegram_token or "")
        .updater(None)  # polling is the channel's own (TelegramChannel._poll); webhooks: web.py
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_overall_rate,
                                     max_retries=max_retries))
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.add_handler(TypeHandler(Update, channel.on_update))
    application.add_error_handler(channel.on_error)
    application.bot_data["channel"] = channel
    application.bot_data["runtime"] = runtime
    channel.application = application
    runtime.add(channel)
    return application
