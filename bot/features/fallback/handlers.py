"""The last word: whatever nobody else understood gets a helpful answer, never silence."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import reply, send_menu, stale_button, unknown_command

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)


async def not_understood(update: Update, context: BotContext) -> None:
    await send_menu(update, context, context._(N_(
        "Sorry, I did not understand that. Please choose from the menu below, or type your "
        "question in other words.")))


async def not_text(update: Update, context: BotContext) -> None:
    await reply(update, context, context._(N_(
        "I can only read text messages. Please type your question, or choose from /menu.")))


async def edited(update: Update, context: BotContext) -> None:
    await reply(update, context, context._(N_(
        "I only read new messages, not edited ones. Please send your message again.")))


async def on_error(update: object, context: BotContext) -> None:
    """Log the error (never the update's text: a NIK may be in it) and apologise to the user."""
    error = context.error
    log.error("error while handling an update: %s", type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    services = context.services
    user = update.effective_user
    locale = await services.subscribers.locale_for(user.id if user else None,
                                                  user.language_code if user else None)
    t = services.i18n.translator(locale)
    try:
        await context.bot.send_message(update.effective_chat.id, t(N_(
            "Sorry, something went wrong on our side. Please try again in a moment. "
            "If it keeps happening, type /bantuan for the office's contacts.")))
    except Exception as exc:  # the apology itself failed (network); logging is all we can do
        log.warning("could not send the apology: %s", type(exc).__name__)


def register(app: BotApplication) -> None:
    app.add_error_handler(on_error)


def register_late(app: BotApplication) -> None:
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, edited))
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command))
    app.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, not_understood))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, not_text))
    app.add_handler(CallbackQueryHandler(stale_button))
