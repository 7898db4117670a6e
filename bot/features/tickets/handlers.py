"""Tickets ("Ask an officer"): the Telegram adapter.

Residents: /tanya, the menu's "Ask an officer", the button `tiket:baru` others show after a
"not understood" or "no record" answer, or a request in words ("mau bicara dengan petugas")
start the one-step conversation WRITING; the question (text, or a photo with a caption) becomes
a ticket. A reply to the confirmation or to an officer's answer adds to the ticket (group
GROUP_TICKET_REPLY, before every feature, so that such a reply never reads as a new question).

Staff: /kotak (the inbox), open, reply (the conversation REPLYING), close and teach, hand over;
/belum_terjawab (what the bot did not understand). The rules are in service.py.

Jobs: tickets:outbox (drains the outbox every OUTBOX_SECONDS: sends recorded on the command
line, and whatever a crash left), tickets:remind (raises unanswered tickets once).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.paging import pattern
from bot.core.ui import (
    add_flow,
    answer_query,
    cancel_conversation,
    conversation,
    conversation_fallbacks,
    conversation_starter,
    is_private,
    keyboard,
    reply,
    stale_button,
)
from bot.features.tickets import render
from bot.features.tickets.jobs import (
    _on_start,
    send_now,
)
from bot.features.tickets.learning import ASPECTS, REQUESTS
from bot.features.tickets.model import TicketError
from bot.features.tickets.service import TicketService
from bot.features.tickets.staff import (
    REPLY_KEY,
    REPLYING,
    cmd_inbox,
    cmd_unanswered,
    on_close,
    on_handover,
    on_handover_to,
    on_learn,
    on_open,
    on_pick,
    on_reply_other,
    on_reply_text,
    start_reply,
)

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

FEATURE = "tickets"
GROUP_TICKET_REPLY = -2          # after tracking (-10) and the group guard (-5)
WRITING = "tiket_write"
ASK_CONVERSATION = "tickets_ask"
REPLY_CONVERSATION = "tickets_reply"
ADDING_KEY = "tiket_add"         # user_data: the ticket a resident adds to (None: a new one)

MENU = MenuEntry("tiket", render.ASK_LABEL, order=30)
STAFF_MENU = MenuEntry("kotak", N_("Questions from residents"), order=60, staff_only=True)
NEW_PATTERN = rf"^{render.NEW}$"
ADD_PATTERN = rf"^{render.PREFIX}:tambah:([0-9]{{1,9}})$"
CLOSE_OWN_PATTERN = rf"^{render.PREFIX}:tutup:([0-9]{{1,9}})$"
RATE_PATTERN = rf"^{render.PREFIX}:nilai:([0-9]{{1,9}}):(y|n)$"
LIST_PATTERN = rf"^{render.STAFF}:list$"
OPEN_PATTERN = rf"^{render.STAFF}:buka:([0-9]{{1,9}})$"
REPLY_PATTERN = rf"^{render.STAFF}:balas:([0-9]{{1,9}})$"
CLOSE_PATTERN = rf"^{render.STAFF}:tutup:([0-9]{{1,9}})$"
HANDOVER_PATTERN = rf"^{render.STAFF}:alih:([0-9]{{1,9}})$"
HANDOVER_TO_PATTERN = rf"^{render.STAFF}:ke:([0-9]{{1,9}}):([0-9]{{1,16}})$"
PICK_PATTERN = rf"^{render.LEARN}:q([0-9]{{1,9}})$"
LEARN_PATTERN = (rf"^{render.LEARN}:([tq])([0-9]{{1,9}}):(-|@(?:{'|'.join(REQUESTS)})|"
                 rf"[a-z0-9_]{{1,32}})(?::({'|'.join(ASPECTS)}))?$")


def service(context_or_app: BotContext | BotApplication) -> TicketService:
    return context_or_app.services.tickets


# -- residents: asking ----------------------------------------------------------------------------
def _prompt(context: BotContext, adding: int | None = None) -> str:
    svc = service(context)
    return render.ask_prompt(context.t, context.content.office, svc.hours, svc.clock(), adding)


async def start_ask(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    context.user_data.pop(ADDING_KEY, None)
    if not is_private(update):
        return ConversationHandler.END
    refused = await service(context).refusal(update.effective_user.id)
    if refused:
        await reply(update, context, render.error(context.t, refused))
        return ConversationHandler.END
    await reply(update, context, _prompt(context))
    return WRITING


async def start_add(update: Update, context: BotContext) -> str | int:
    ticket_id = int(context.match.group(1))
    ticket = await service(context).own_ticket(update.effective_user.id, ticket_id)
    if ticket is None:
        await stale_button(update, context)
        return ConversationHandler.END
    await answer_query(update)
    if ticket.status == "closed":
        await _closed_answer(update, context, ticket_id)
        return ConversationHandler.END
    assert context.user_data is not None  # the update has a user (own_ticket above), so user_data
    context.user_data[ADDING_KEY] = ticket_id
    await reply(update, context, _prompt(context, ticket_id))
    return WRITING


async def _closed_answer(update: Update, context: BotContext, ticket_id: int) -> None:
    await reply(update, context, render.error(context.t, "closed", ticket_id),
                keyboard([[(context._(render.ASK_LABEL), render.NEW)]]))


async def _submit(update: Update, context: BotContext, text: str | None,
                  photo: str | None) -> str | int:
    svc = service(context)
    user_id = update.effective_user.id
    adding = context.user_data.get(ADDING_KEY)
    try:
        if isinstance(adding, int):
            masked = await svc.add(user_id, adding, text, photo)
            ticket_id = adding
            sent = await reply(update, context, render.added(context.t, adding, masked))
        else:
            opened = await svc.open_ticket(user_id, context.locale, text, photo)
            ticket_id = opened.ticket_id
            sent = await reply(update, context, render.confirmation(
                context.t, ticket_id, opened.masked, context.content.office, svc.hours,
                svc.clock()))
    except TicketError as err:
        if err.code in ("empty", "too_long"):
            await reply(update, context, render.error(context.t, err.code))
            return WRITING
        context.user_data.pop(ADDING_KEY, None)
        if err.code == "closed":
            await _closed_answer(update, context, adding)  # type: ignore[arg-type]
        else:
            await reply(update, context, render.error(context.t, err.code))
        return ConversationHandler.END
    context.user_data.pop(ADDING_KEY, None)
    if sent is not None:
        await svc.link(update.effective_chat.id, sent.message_id, ticket_id)
    await send_now(context)
    return ConversationHandler.END


async def on_text(update: Update, context: BotContext) -> str | int:
    return await _submit(update, context, update.message.text, None)


async def on_photo(update: Update, context: BotContext) -> str | int:
    photo = update.message.photo[-1].file_id
    return await _submit(update, context, update.message.caption, photo)


async def on_other(update: Update, context: BotContext) -> str:
    await reply(update, context, render.error(context.t, "empty"))
    return WRITING


async def on_cancel(update: Update, context: BotContext) -> int:
    context.user_data.pop(ADDING_KEY, None)
    context.user_data.pop(REPLY_KEY, None)
    return await cancel_conversation(update, context)


# -- residents: a reply to a ticket message, closing, rating --------------------------------------
async def on_reply_to_ticket(update: Update, context: BotContext) -> None:
    """A resident's reply to the bot's confirmation or answer adds to that ticket."""
    message = update.message
    target = message.reply_to_message
    if target is None or target.from_user is None or not target.from_user.is_bot:
        return
    svc = service(context)
    ticket_id = await svc.ticket_of_message(message.chat_id, target.message_id)
    if ticket_id is None:
        return  # not a ticket message: the features answer as usual
    photo = message.photo[-1].file_id if message.photo else None
    text = message.caption if photo else message.text
    try:
        masked = await svc.add(update.effective_user.id, ticket_id, text, photo)
    except TicketError as err:
        if err.code == "closed":
            await _closed_answer(update, context, ticket_id)
        elif err.code != "missing":
            await reply(update, context, render.error(context.t, err.code))
        else:
            return
        raise ApplicationHandlerStop from None
    sent = await reply(update, context, render.added(context.t, ticket_id, masked))
    if sent is not None:
        await svc.link(message.chat_id, sent.message_id, ticket_id)
    await send_now(context)
    raise ApplicationHandlerStop


async def on_close_own(update: Update, context: BotContext) -> None:
    ticket_id = int(context.match.group(1))
    try:
        await service(context).close_own(update.effective_user.id, ticket_id)
    except TicketError as err:
        if err.code == "closed":
            await answer_query(update)
            await reply(update, context, render.error(context.t, "closed", ticket_id))
        else:
            await stale_button(update, context)
        return
    await answer_query(update)
    await reply(update, context, render.closed_by_you(context.t, ticket_id),
                keyboard(render.rating_buttons(context.t, ticket_id)))


async def on_rate(update: Update, context: BotContext) -> None:
    ticket_id = int(context.match.group(1))
    rating = "helped" if context.match.group(2) == "y" else "not_helped"
    if not await service(context).rate(update.effective_user.id, ticket_id, rating):
        await stale_button(update, context)
        return
    await answer_query(update)
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except Exception:  # an old message cannot always be edited; the thanks still come
        pass
    await reply(update, context, render.rated(context.t))


# -- wiring ---------------------------------------------------------------------------------------
def register(app: BotApplication) -> None:
    services = app.services
    entry = services.menu.add(MENU)
    inbox_entry = services.menu.add(STAFF_MENU)
    services.commands.add(CommandSpec("tanya", N_("ask an officer a question"), order=30))
    services.commands.add(CommandSpec("kotak", N_("questions waiting for an officer"),
                                     order=70, staff_only=True))
    services.commands.add(CommandSpec("belum_terjawab", N_("questions the bot did not "
                                                          "understand"),
                                     order=71, staff_only=True))
    services.start_hooks.append(_on_start)

    app.add_handler(MessageHandler(
        filters.REPLY & (filters.TEXT | filters.PHOTO) & ~filters.COMMAND
        & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, on_reply_to_ticket),
        group=GROUP_TICKET_REPLY)

    cancel = [CommandHandler("batal", on_cancel), *conversation_fallbacks()[1:]]
    asking = conversation(
        ASK_CONVERSATION,
        entry_points=[
            CommandHandler("tanya", start_ask),
            CallbackQueryHandler(start_ask, pattern=NEW_PATTERN),
            CallbackQueryHandler(start_ask, pattern=entry.pattern),
            CallbackQueryHandler(start_add, pattern=ADD_PATTERN),
        ],
        states={WRITING: [  # edited messages are no answers (the fallback says so)
            MessageHandler(filters.PHOTO & filters.UpdateType.MESSAGE, on_photo),
            MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, on_text),
            MessageHandler(~filters.COMMAND & filters.UpdateType.MESSAGE, on_other),
        ]},
        fallbacks=cancel,
    )
    app.add_handler(asking)
    # "mau bicara dengan petugas": the free-text reader (content/requests.yaml) starts it
    add_flow(app, "officer", conversation_starter(asking, start_ask))
    app.add_handler(conversation(
        REPLY_CONVERSATION,
        entry_points=[CallbackQueryHandler(start_reply, pattern=REPLY_PATTERN)],
        states={REPLYING: [
            MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                           on_reply_text),
            MessageHandler(~filters.COMMAND & filters.UpdateType.MESSAGE, on_reply_other),
        ]},
        fallbacks=cancel,
    ))
    app.add_handler(CallbackQueryHandler(on_close_own, pattern=CLOSE_OWN_PATTERN))
    app.add_handler(CallbackQueryHandler(on_rate, pattern=RATE_PATTERN))
    app.add_handler(CommandHandler("kotak", cmd_inbox))
    app.add_handler(CallbackQueryHandler(cmd_inbox, pattern=LIST_PATTERN))
    app.add_handler(CallbackQueryHandler(cmd_inbox, pattern=pattern(render.INBOX_PAGER)))
    app.add_handler(CallbackQueryHandler(cmd_inbox, pattern=inbox_entry.pattern))
    app.add_handler(CallbackQueryHandler(on_open, pattern=OPEN_PATTERN))
    app.add_handler(CallbackQueryHandler(on_close, pattern=CLOSE_PATTERN))
    app.add_handler(CallbackQueryHandler(on_handover, pattern=HANDOVER_PATTERN))
    app.add_handler(CallbackQueryHandler(on_handover_to, pattern=HANDOVER_TO_PATTERN))
    app.add_handler(CommandHandler("belum_terjawab", cmd_unanswered))
    app.add_handler(CallbackQueryHandler(on_pick, pattern=PICK_PATTERN))
    app.add_handler(CallbackQueryHandler(on_learn, pattern=LEARN_PATTERN))
