"""Reference (b): the resident's idea flow written the way python-telegram-bot's examples write
it (examples/persistentconversationbot.py): a ConversationHandler with one state per question,
`persistent=True, name=…`, answers kept in `context.user_data`, and PicklePersistence on the
Application. Same steps, same kind of replies (a sentence and its buttons) as ours.
"""

from __future__ import annotations

import warnings

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.codes import make_code

(CONSENT, MENU, WARD, FIELD, TITLE, DESCRIPTION, BENEFIT, FILES, NAME, PHONE, CONFIRM) = range(11)
WARDS = ["ben-nghe", "ben-thanh", "cau-kho", "cau-ong-lanh", "co-giang", "da-kao",
         "nguyen-cu-trinh", "nguyen-thai-binh", "pham-ngu-lao", "tan-dinh"]
FIELDS = ["economy", "culture-society", "admin-reform", "digital-smart-city", "thrift",
          "science-data", "defence-order"]
NAV = [("nav:back", "Quay lại"), ("nav:cancel", "Hủy")]
SKIP = [("nav:skip", "Bỏ qua")] + NAV


def _buttons(pairs) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=value)]
                                 for value, label in pairs])


async def _ask(update: Update, text: str, markup) -> None:
    await update.effective_chat.send_message(text, reply_markup=markup)


async def _pressed(update: Update) -> str:
    query = update.callback_query
    await query.answer()
    return query.data or ""


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _ask(update, "Xin chào anh/chị! Đây là Sáng kiến. Trước khi tiếp tục, vui lòng đọc "
               "thông báo về dữ liệu cá nhân và cho biết anh/chị có đồng ý không.",
               _buttons([("consent:yes", "Tôi đồng ý"), ("consent:no", "Không đồng ý")]))
    return CONSENT


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["consent"] = await _pressed(update) == "consent:yes"
    await _ask(update, "Anh/chị muốn thực hiện chức năng nào? Vui lòng chọn một mục.",
               _buttons([("menu:idea", "Gửi sáng kiến"), ("menu:award", "Đăng ký giải thưởng"),
                         ("menu:lookup", "Tra cứu hồ sơ"), ("menu:mine", "Hồ sơ của tôi"),
                         ("menu:help", "Trợ giúp")]))
    return MENU


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _pressed(update)
    context.user_data["draft"] = {"kind": "idea", "answers": {}}
    await _ask(update, "Hồ sơ của anh/chị liên quan đến phường nào?",
               _buttons([(f"pick:{w}", w) for w in WARDS] + NAV))
    return WARD


async def ward(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["draft"]["answers"]["ward"] = (await _pressed(update))[5:]
    await _ask(update, "Sáng kiến của anh/chị thuộc lĩnh vực nào?",
               _buttons([(f"pick:{f}", f) for f in FIELDS] + NAV))
    return FIELD


async def field(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["draft"]["answers"]["field"] = (await _pressed(update))[5:]
    await _ask(update, "Anh/chị vui lòng nhập tiêu đề (tối đa 150 ký tự).", _buttons(NAV))
    return TITLE


async def title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = update.message.text.strip()
    if not text or len(text) > 150:
        await _ask(update, "Tiêu đề cần từ 1 đến 150 ký tự.", _buttons(NAV))
        return TITLE
    context.user_data["draft"]["answers"]["title"] = text
    await _ask(update, "Anh/chị vui lòng mô tả sáng kiến: vấn đề, giải pháp, cách làm.",
               _buttons(NAV))
    return DESCRIPTION


async def description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["draft"]["answers"]["description"] = update.message.text.strip()
    await _ask(update, "Sáng kiến dự kiến mang lại lợi ích gì? (không bắt buộc)", _buttons(SKIP))
    return BENEFIT


async def benefit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _pressed(update)
    await _ask(update, "Anh/chị có thể gửi kèm ảnh hoặc tài liệu (tối đa 5 tệp).", _buttons(SKIP))
    return FILES


async def files(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _pressed(update)
    await _ask(update, "Anh/chị vui lòng cho biết họ tên (không bắt buộc).", _buttons(SKIP))
    return NAME


async def name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _pressed(update)
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("Chia sẻ số điện thoại", request_contact=True)],
         [KeyboardButton("Bỏ qua")], [KeyboardButton("Quay lại")], [KeyboardButton("Hủy")]],
        one_time_keyboard=True, resize_keyboard=True)
    await _ask(update, "Cán bộ có thể liên hệ với anh/chị qua số điện thoại nào?", keyboard)
    return PHONE


async def phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = update.message.text.strip()
    context.user_data["draft"]["answers"]["phone"] = None if text == "Bỏ qua" else text
    answers = context.user_data["draft"]["answers"]
    summary = "\n".join(f"• {k}: {v}" for k, v in answers.items())
    await _ask(update, "Vui lòng kiểm tra lại sáng kiến của anh/chị:\n" + summary,
               _buttons([("form:confirm", "Gửi"), ("nav:back", "Quay lại"),
                         ("nav:cancel", "Hủy")]))
    return CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _pressed(update)
    seq = context.bot_data["seq"] = context.bot_data.get("seq", 0) + 1
    code = make_code("idea", 2026, seq)
    draft = context.user_data.pop("draft")
    context.bot_data.setdefault("entries", {})[code] = draft
    await _ask(update, f"Cảm ơn anh/chị! Sáng kiến đã được gửi. Mã hồ sơ: {code}",
               ReplyKeyboardRemove())
    return ConversationHandler.END


def conversation_handler() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # per_message=False with CallbackQueryHandlers is what the examples do; PTB warns.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                CONSENT: [CallbackQueryHandler(consent, pattern="^consent:")],
                MENU: [CallbackQueryHandler(menu, pattern="^menu:idea$")],
                WARD: [CallbackQueryHandler(ward, pattern="^pick:")],
                FIELD: [CallbackQueryHandler(field, pattern="^pick:")],
                TITLE: [MessageHandler(text, title)],
                DESCRIPTION: [MessageHandler(text, description)],
                BENEFIT: [CallbackQueryHandler(benefit, pattern="^nav:skip$")],
                FILES: [CallbackQueryHandler(files, pattern="^nav:skip$")],
                NAME: [CallbackQueryHandler(name, pattern="^nav:skip$")],
                PHONE: [MessageHandler(text, phone)],
                CONFIRM: [CallbackQueryHandler(confirm, pattern="^form:confirm$")],
            },
            fallbacks=[CommandHandler("start", start)],
            name="idea_conversation",
            persistent=True,
        )
