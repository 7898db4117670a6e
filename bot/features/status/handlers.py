"""Disbursement status: residents look up their records by NIK; staff import the CSV (/impor).

Conversation (/status or the menu button "Cek status bantuan"):
    ASK_NIK  -> the NIK (spaces, dots, dashes allowed); the message is deleted at once
    ASK_NAME -> the name as on the KTP; then the records, or the one "not found" answer
After a match the bot offers "tell me when this changes" (status:watch). The NIK itself is
never kept: user_data holds its HMAC (hex) and its masked form between the two steps only.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, cast

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.core.clock import iso
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import (
    add_flow,
    answer_query,
    cancel_conversation,
    conversation,
    conversation_fallbacks,
    conversation_starter,
    is_private,
    keyboard,
    leave_to_menu,
    reply,
)
from bot.features.status import nik as niks
from bot.features.status.jobs import schedule_drain
from bot.features.status.render import (
    RETRY_NAME,
    RETRY_NIK,
    RETRY_STOP,
    SHOW_PATTERN,
    UNWATCH_PATTERN,
    WATCH,
    WATCH_PATTERN,
    render_result,
    retry_keyboard,
)
from bot.features.status.service import (
    LookupOutcome,
    StatusService,
)
from bot.features.status.upload import register_import
from bot.settings import SettingsError

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

FEATURE = "status"
CONVERSATION = "status_lookup"
ASK_NIK, ASK_NAME = "status_nik", "status_name"
PENDING = "status_pending"      # user_data: {"h": hmac hex, "m": masked NIK, "at": iso}
OFFER = "status_offer"          # user_data: {"h": hmac hex, "at": iso} after a match
MAX_NAME_WORDS = 7              # longer text at the name step is a question, not a name
_LONG_NUMBER = re.compile(r"[0-9]{10,}", re.ASCII)

MENU = MenuEntry("status", N_("Check assistance status"), order=20)


def service(context: BotContext) -> StatusService:
    return context.services.status


# -- the lookup conversation ----------------------------------------------------------------------
def _clear(context: BotContext) -> None:
    context.user_data.pop(PENDING, None)


async def start(update: Update, context: BotContext, **_: object) -> str | int:
    await answer_query(update)
    _clear(context)
    if not is_private(update):
        return ConversationHandler.END
    limited = await service(context).user_limited(update.effective_user.id)
    if limited is not None:
        await reply(update, context, render_result(context.t, limited, "", context.services
                                                   .clock(), context.settings.tz))
        return ConversationHandler.END
    await reply(update, context, context._(N_(
        "Check the status of your assistance. Please type your NIK (the 16-digit number on "
        "your KTP). I will delete your message right away to keep it private. Type /batal to "
        "stop.")))
    return ASK_NIK


async def _delete(update: Update, context: BotContext) -> None:
    """Delete the message that carried a NIK; the Bot API may refuse (too old, a group)."""
    message = update.effective_message
    try:
        await context.bot.delete_message(message.chat_id, message.message_id)
    except TelegramError as exc:
        log.info("could not delete a NIK message: %s", type(exc).__name__)


async def _hold(update: Update, context: BotContext, nik: str) -> str | None:
    """Keep what the service allows of a valid NIK until the name comes; the masked NIK, or
    None (already answered) when lookups are unavailable because NIK_HMAC_KEY is unset."""
    try:
        held = service(context).hold_nik(nik)
    except SettingsError:
        await reply(update, context, context._(N_(
            "Sorry, status checks are not available at the moment. Please try again later.")))
        log.error("NIK_HMAC_KEY is not set: status lookups are unavailable")
        return None
    assert context.user_data is not None  # a conversation state: the update has a user
    context.user_data[PENDING] = held
    return held["m"]


async def on_nik(update: Update, context: BotContext) -> str | int:
    text = update.effective_message.text or ""
    await _delete(update, context)
    try:
        nik = niks.normalise(text)
    except niks.InvalidNik as exc:
        if exc.problem == niks.NikProblem.FORMAT:
            msg = N_("A NIK has exactly 16 digits (0-9), for example 3578 0101 0190 0002. "
                     "Please type it again, or /batal to stop.")
        else:
            msg = N_("That number is not a valid NIK: please check the digits on your KTP and "
                     "type it again, or /batal to stop.")
        await reply(update, context, context._(msg))
        return ASK_NIK
    masked = await _hold(update, context, nik)
    if masked is None:
        return ConversationHandler.END
    await reply(update, context, context._(N_(
        "NIK {nik} received. Now type the full name as written on the KTP.")).format(nik=masked))
    return ASK_NAME


async def start_with_nik(update: Update, context: BotContext, nik: str | None = None,
                         name: str | None = None, **_: object) -> str | int:
    """A NIK typed outside the check (the free-text reader found one): the message is deleted
    and the check starts at the name step with that NIK already taken, or looks it up at once
    when the message also had a name. `nik` is the cleaned 16 digits, or None when they are
    not a valid NIK (then the check asks for it again)."""
    await _delete(update, context)
    _clear(context)
    if not is_private(update):
        return ConversationHandler.END
    limited = await service(context).user_limited(update.effective_user.id)
    if limited is not None:
        await reply(update, context, render_result(context.t, limited, "", context.services
                                                   .clock(), context.settings.tz))
        return ConversationHandler.END
    valid = None
    if nik is not None:
        try:
            valid = niks.normalise(nik)
        except niks.InvalidNik:
            valid = None
    if valid is None:
        await reply(update, context, context._(N_(
            "I deleted your message because it looked like a NIK, to keep it private. That "
            "number is not a valid NIK, though. To check the status of your assistance, type "
            "your NIK (16 digits, as on your KTP), or /batal to stop.")))
        return ASK_NIK
    masked = await _hold(update, context, valid)
    if masked is None:
        return ConversationHandler.END
    if name:
        await reply(update, context, context._(N_(
            "I deleted your message to keep your NIK private. Checking the status for NIK "
            "{nik} and the name you gave:")).format(nik=masked))
        return await on_name(update, context, name)
    await reply(update, context, context._(N_(
        "I deleted your message to keep your NIK private. Do you want to check the status of "
        "your assistance? NIK {nik} is taken: now type the full name as written on the KTP, "
        "or /batal to stop.")).format(nik=masked))
    return ASK_NAME


async def on_name(update: Update, context: BotContext, name: str | None = None) -> str | int:
    if name is None:
        name = update.effective_message.text or ""
        if _LONG_NUMBER.search(niks.clean(name)):
            await _delete(update, context)  # a NIK typed again instead of the name
        elif "?" in name or len(name.split()) > MAX_NAME_WORDS:
            # a question, not a name: the person has moved on; the free-text reader answers
            _clear(context)
            cast("BotApplication", context.application).redispatch(update)
            return ConversationHandler.END
    pending = context.user_data.get(PENDING) or {}
    nik_hash = service(context).held_hash(pending)
    if nik_hash is None:
        _clear(context)
        await reply(update, context, context._(N_(
            "That took a while, so I did not keep your NIK. Please type your NIK again.")))
        return ASK_NIK
    result = await service(context).lookup_hash(update.effective_user.id, nik_hash, name)
    phone = context.content.office.phone
    if result.outcome == LookupOutcome.NOT_FOUND:
        # stay at the name step: the next message is a corrected name, not a question
        await reply(update, context, context._(N_(
            "We found no record for NIK {nik} with that name. Please type the name again "
            "exactly as on your KTP, or change the NIK. If you think this is wrong, ask your "
            "village office or the PKH facilitator, or call {phone}.")).format(
                nik=pending.get("m", ""), phone=phone), retry_keyboard(context.t))
        return ASK_NAME
    _clear(context)
    now = context.services.clock()
    text = render_result(context.t, result, pending.get("m", ""), now, context.settings.tz,
                         phone)
    markup = None
    if result.outcome == LookupOutcome.FOUND:
        assert context.user_data is not None  # the update has a user (lookup_hash above)
        context.user_data[OFFER] = {"h": result.watch_token, "at": iso(now),
                                    "m": pending.get("m", "")}
        markup = keyboard([[(context._(N_("Tell me when this changes")), WATCH)]])
    elif result.outcome == LookupOutcome.NOT_FOUND:
        markup = keyboard([[(context._(N_("Ask an officer")), "tiket:baru")]])
    await reply(update, context, text, markup)
    return ConversationHandler.END


async def on_retry_name(update: Update, context: BotContext) -> str:
    await answer_query(update)
    await reply(update, context, context._(N_(
        "Type the full name as written on the KTP.")))
    return ASK_NAME


async def on_retry_nik(update: Update, context: BotContext) -> str:
    await answer_query(update)
    _clear(context)
    await reply(update, context, context._(N_(
        "Type your NIK (the 16-digit number on your KTP). I will delete your message right "
        "away to keep it private.")))
    return ASK_NIK


async def on_retry_stop(update: Update, context: BotContext) -> int:
    _clear(context)
    return await cancel_conversation(update, context)


async def on_cancel(update: Update, context: BotContext) -> int:
    _clear(context)
    return await cancel_conversation(update, context)


async def on_leave(update: Update, context: BotContext) -> int:
    _clear(context)
    return await leave_to_menu(update, context)


async def not_text(update: Update, context: BotContext) -> None:
    await reply(update, context, context._(N_(
        "Please type it as a text message, or /batal to stop.")))


async def on_watch(update: Update, context: BotContext) -> None:
    offer = context.user_data.get(OFFER) or {}
    outcome = await service(context).watch(update.effective_user.id, offer.get("h"),
                                           offer.get("at"), offer.get("m") or None)
    await answer_query(update)
    texts = {
        "added": N_("Done. I will send you a message when the status of these records changes "
                    "after the office updates its data."),
        "already": N_("You are already receiving notifications for this NIK."),
        "too_many": N_("You are already watching the maximum number of NIKs."),
        "expired": N_("This offer has expired. Please check your status again with /status."),
    }
    if outcome in ("added", "already"):
        context.user_data.pop(OFFER, None)
        try:
            await update.callback_query.edit_message_reply_markup(None)
        except TelegramError:
            pass
    await reply(update, context, context._(texts[outcome]))


async def on_show(update: Update, context: BotContext) -> None:
    """The notification's button: the current records of that NIK, no NIK typed again."""
    await answer_query(update)
    found = await service(context).records_for_notification(update.effective_user.id,
                                                            int(context.match.group(1)))
    if found is None:
        await reply(update, context, context._(N_(
            "You no longer receive notifications for this NIK. Check with /status.")))
        return
    result, masked = found
    await reply(update, context, render_result(context.t, result, masked, context.services.clock(),
                                               context.settings.tz,
                                               context.content.office.phone))


async def on_unwatch(update: Update, context: BotContext) -> None:
    await answer_query(update)
    removed = await service(context).unwatch(update.effective_user.id)
    if removed:
        text = N_("You will no longer receive status notifications. You can check at any time "
                  "with /status.")
    else:
        text = N_("You were not receiving status notifications.")
    await reply(update, context, context._(text))


# -- wiring ---------------------------------------------------------------------------------------
def register(app: BotApplication) -> None:
    services = app.services
    services.menu.add(MENU)
    services.commands.add(CommandSpec("status", N_("check the status of your assistance"),
                                     order=20))
    services.commands.add(CommandSpec("impor", N_("import disbursement records (CSV)"),
                                     order=80, staff_only=True))
    services.start_hooks.append(schedule_drain)

    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND & filters.UpdateType.MESSAGE
    conversation_ = conversation(
        CONVERSATION,
        entry_points=[CommandHandler("status", start),
                      CallbackQueryHandler(start, pattern=MENU.pattern)],
        states={
            ASK_NIK: [MessageHandler(text, on_nik), MessageHandler(other, not_text)],
            ASK_NAME: [MessageHandler(text, on_name), MessageHandler(other, not_text),
                       CallbackQueryHandler(on_retry_name, pattern=rf"^{RETRY_NAME}$"),
                       CallbackQueryHandler(on_retry_nik, pattern=rf"^{RETRY_NIK}$"),
                       CallbackQueryHandler(on_retry_stop, pattern=rf"^{RETRY_STOP}$")],
        },
        # Ours first (they forget the pending NIK hash), then the shared ones.
        fallbacks=[CommandHandler("batal", on_cancel),
                   CommandHandler(["menu", "start"], on_leave),
                   *conversation_fallbacks(), CommandHandler("status", start)],
    )
    app.add_handler(conversation_)
    add_flow(app, "status", conversation_starter(conversation_, start))
    add_flow(app, "status_nik", conversation_starter(conversation_, start_with_nik))
    app.add_handler(CallbackQueryHandler(on_watch, pattern=WATCH_PATTERN))
    app.add_handler(CallbackQueryHandler(on_unwatch, pattern=UNWATCH_PATTERN))
    app.add_handler(CallbackQueryHandler(on_show, pattern=SHOW_PATTERN))
    register_import(app)

