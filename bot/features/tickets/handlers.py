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

import datetime as dt
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
from bot.core.clock import parse_iso
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
    reply,
    staff_or_unknown,
    stale_button,
)
from bot.delivery.sender import Delivery, Outcome
from bot.features.staff.service import PermissionDenied
from bot.features.tickets import render
from bot.features.tickets.repo import OutboxRow
from bot.features.tickets.service import (
    ASPECTS,
    REQUESTS,
    TicketError,
    TicketService,
)

if TYPE_CHECKING:
    from bot.app import BotApplication
    from bot.services import Services

log = logging.getLogger(__name__)

FEATURE = "tickets"
GROUP_TICKET_REPLY = -2          # after tracking (-10) and the group guard (-5)
WRITING = "tiket_write"
REPLYING = "kotak_reply"
ASK_CONVERSATION = "tickets_ask"
REPLY_CONVERSATION = "tickets_reply"
ADDING_KEY = "tiket_add"         # user_data: the ticket a resident adds to (None: a new one)
REPLY_KEY = "kotak_reply"        # user_data: {"id": ticket, "v": version seen}
OUTBOX_JOB = "tickets:outbox"
REMIND_JOB = "tickets:remind"
OUTBOX_SECONDS = 10
REMIND_SECONDS = 300
RESIDENT_KINDS = ("answer", "closed")

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


# -- sending: the one small function every ticket message goes through --------------------------
def build_deliver(services: Services):
    """Outbox rows -> Telegram: staff notices in the bulk lane, a resident's answer in the reply
    lane. Issue 13's delivery engine replaces this function."""
    bulk, direct = services.senders.bulk, services.senders.reply

    async def deliver(row: OutboxRow) -> Delivery:
        svc = services.tickets
        ticket = await svc.repo.get(row.ticket_id)
        if ticket is None:
            return Delivery(Outcome.FAILED, error="ticket gone")
        message = await svc.repo.message(row.message_id) if row.message_id else None
        t = services.i18n.translator(await services.subscribers.locale_for(row.user_id))
        if row.kind == "answer":
            out = render.answer_message(t, ticket.id, message.text if message else "")
        elif row.kind == "closed":
            out = render.closed_message(t, ticket.id)
        else:
            waited = None
            if row.kind == "reminder" and ticket.waiting_since:
                waited = render.age(t, svc.hours.elapsed(parse_iso(ticket.waiting_since),
                                                         svc.clock()))
            out = render.staff_notice(t, row.kind, ticket, message, services.content, waited)
        send = direct if row.kind in RESIDENT_KINDS else bulk
        return await send(row.user_id, out)

    return deliver


async def drain(app: BotApplication, rounds: int | None = None) -> int:
    """Send what the outbox holds. Handlers send one batch right away (rounds=1), so a
    resident's next message never waits behind a long queue; the job sends the rest."""
    return await service(app).drain(build_deliver(app.services), rounds=rounds)


async def send_now(context: BotContext) -> None:
    await drain(context.application, rounds=1)  # type: ignore[arg-type]


async def outbox_job(context: BotContext) -> None:
    await drain(context.application)  # type: ignore[arg-type]


async def remind_job(context: BotContext) -> None:
    if await service(context).remind_due():
        await drain(context.application)  # type: ignore[arg-type]


async def _on_start(app: BotApplication) -> None:
    svc = app.services.tickets
    await svc.apply_learned()
    await svc.recover()
    queue = app.job_queue
    if queue is None:
        return
    for name in (OUTBOX_JOB, REMIND_JOB):
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
    queue.run_repeating(outbox_job, interval=OUTBOX_SECONDS, first=1, name=OUTBOX_JOB)
    queue.run_repeating(remind_job, interval=REMIND_SECONDS, first=REMIND_SECONDS,
                        name=REMIND_JOB)


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


# -- staff: the inbox -----------------------------------------------------------------------------
async def _staff(update: Update, context: BotContext) -> bool:
    return await staff_or_unknown(update, context, "operator")


async def cmd_inbox(update: Update, context: BotContext) -> None:
    if not await _staff(update, context):
        return
    await answer_query(update)
    try:
        items, total = await service(context).inbox(update.effective_user.id)
    except PermissionDenied:
        await staff_or_unknown(update, context, "operator")
        return
    text, rows = render.inbox(context.t, items, total)
    await reply(update, context, text, keyboard(rows) if rows else None)


async def on_open(update: Update, context: BotContext) -> None:
    if not await _staff(update, context):
        return
    await answer_query(update)
    svc = service(context)
    ticket_id = int(context.match.group(1))
    try:
        th = await svc.thread(update.effective_user.id, ticket_id)
    except PermissionDenied:
        return
    except TicketError as err:
        await reply(update, context, render.staff_error(context.t, err.code, ticket_id))
        return
    text, rows = render.thread(context.t, th, context.content, svc.clock(), context.settings.tz)
    await reply(update, context, text, keyboard(rows))
    for m in th.messages:
        if m.photo:
            await context.bot.send_photo(update.effective_chat.id, m.photo,
                                         caption=f"#{ticket_id}")


async def start_reply(update: Update, context: BotContext) -> str | int:
    if not await _staff(update, context):
        return ConversationHandler.END
    await answer_query(update)
    ticket_id = int(context.match.group(1))
    try:
        th = await service(context).thread(update.effective_user.id, ticket_id)
    except PermissionDenied:
        return ConversationHandler.END
    except TicketError as err:
        await reply(update, context, render.staff_error(context.t, err.code, ticket_id))
        return ConversationHandler.END
    if th.ticket.status == "closed":
        await reply(update, context, render.staff_error(context.t, "closed", ticket_id))
        return ConversationHandler.END
    assert context.user_data is not None  # the update has a user (thread above), so user_data
    context.user_data[REPLY_KEY] = {"id": ticket_id, "v": th.ticket.version}
    await reply(update, context, render.reply_prompt(context.t, ticket_id))
    return REPLYING


async def on_reply_text(update: Update, context: BotContext) -> str | int:
    if not await _staff(update, context):
        return ConversationHandler.END
    pending = context.user_data.get(REPLY_KEY) or {}
    ticket_id, version = pending.get("id"), pending.get("v")
    if not isinstance(ticket_id, int) or not isinstance(version, int):
        context.user_data.pop(REPLY_KEY, None)
        await reply(update, context, context._(N_(
            "This button is no longer active. Please open /menu again.")))
        return ConversationHandler.END
    svc = service(context)
    try:
        await svc.reply(update.effective_user.id, ticket_id, update.message.text, version)
    except PermissionDenied:
        return ConversationHandler.END
    except TicketError as err:
        await reply(update, context, render.staff_error(context.t, err.code, ticket_id))
        if err.code in ("empty", "too_long"):
            return REPLYING
        context.user_data.pop(REPLY_KEY, None)
        return ConversationHandler.END
    context.user_data.pop(REPLY_KEY, None)
    await send_now(context)
    answers = [r for r in await svc.repo.outbox_of(ticket_id) if r["kind"] == "answer"]
    delivered = bool(answers) and answers[-1]["status"] == "sent"
    text = render.reply_recorded if delivered else render.reply_queued
    await reply(update, context, text(context.t, ticket_id))
    return ConversationHandler.END


async def on_reply_other(update: Update, context: BotContext) -> str:
    await reply(update, context, render.staff_error(context.t, "empty"))
    return REPLYING


async def on_close(update: Update, context: BotContext) -> None:
    if not await _staff(update, context):
        return
    await answer_query(update)
    ticket_id = int(context.match.group(1))
    try:
        await service(context).close(update.effective_user.id, ticket_id)
    except PermissionDenied:
        return
    except TicketError as err:
        await reply(update, context, render.staff_error(context.t, err.code, ticket_id))
        return
    await send_now(context)
    text, rows = render.learn_picker(context.t, f"t{ticket_id}", context.content.programs,
                                     render.closed_staff(context.t, ticket_id))
    await reply(update, context, text, keyboard(rows))


async def on_handover(update: Update, context: BotContext) -> None:
    if not await _staff(update, context):
        return
    await answer_query(update)
    ticket_id = int(context.match.group(1))
    try:
        ids = await service(context).colleagues(update.effective_user.id)
    except PermissionDenied:
        return
    text, rows = render.colleagues(context.t, ticket_id, ids)
    await reply(update, context, text, keyboard(rows) if rows else None)


async def on_handover_to(update: Update, context: BotContext) -> None:
    if not await _staff(update, context):
        return
    await answer_query(update)
    ticket_id, to = int(context.match.group(1)), int(context.match.group(2))
    try:
        await service(context).hand_over(update.effective_user.id, ticket_id, to)
    except PermissionDenied:
        return
    except TicketError as err:
        await reply(update, context, render.staff_error(context.t, err.code, ticket_id))
        return
    await send_now(context)
    await reply(update, context, render.handed_over(context.t, ticket_id, to))


# -- staff: teaching the matcher ------------------------------------------------------------------
async def cmd_unanswered(update: Update, context: BotContext) -> None:
    if not await _staff(update, context):
        return
    try:
        groups = await service(context).frequent(update.effective_user.id, dt.timedelta(days=7))
    except PermissionDenied:
        return
    text, rows = render.unanswered(context.t, groups)
    await reply(update, context, text, keyboard(rows) if rows else None)


async def on_pick(update: Update, context: BotContext) -> None:
    if not await _staff(update, context):
        return
    await answer_query(update)
    question_id = int(context.match.group(1))
    try:
        group = await service(context).question(update.effective_user.id, question_id)
    except PermissionDenied:
        return
    except TicketError as err:
        await reply(update, context, render.staff_error(context.t, err.code))
        return
    text, rows = render.learn_picker(context.t, f"q{question_id}", context.content.programs,
                                     render.question_intro(context.t, group))
    await reply(update, context, text, keyboard(rows))


async def on_learn(update: Update, context: BotContext) -> None:
    if not await _staff(update, context):
        return
    kind, number, choice, aspect = context.match.groups()
    source_id = int(number)
    if choice == "-":
        await answer_query(update, context._(N_("Done.")))
        try:
            await update.callback_query.edit_message_reply_markup(None)
        except Exception:  # too old to edit: nothing else to do
            pass
        return
    target = f"request:{choice[1:]}" if choice.startswith("@") else \
        f"{choice}:{aspect}" if aspect else choice
    svc = service(context)
    actor = update.effective_user.id
    try:
        if kind == "t":
            phrase = await svc.learn_from_ticket(actor, source_id, target)
        else:
            phrase = (await svc.learn_from_question(actor, source_id, target)).text
    except PermissionDenied:
        return
    except TicketError as err:
        await answer_query(update)
        await reply(update, context, render.staff_error(context.t, err.code))
        return
    await answer_query(update)
    t = context.t
    if choice.startswith("@"):
        await reply(update, context, render.learned_request(t, phrase, choice[1:]))
        return
    program = next(p for p in context.content.programs if p.key == choice)
    if aspect:
        await reply(update, context, render.learned_aspect(t, program.name.short, aspect))
        return
    text, rows = render.aspect_picker(t, f"{kind}{source_id}", choice, program.name.short,
                                      phrase)
    await reply(update, context, text, keyboard(rows))


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
    app.add_handler(CallbackQueryHandler(cmd_inbox, pattern=inbox_entry.pattern))
    app.add_handler(CallbackQueryHandler(on_open, pattern=OPEN_PATTERN))
    app.add_handler(CallbackQueryHandler(on_close, pattern=CLOSE_PATTERN))
    app.add_handler(CallbackQueryHandler(on_handover, pattern=HANDOVER_PATTERN))
    app.add_handler(CallbackQueryHandler(on_handover_to, pattern=HANDOVER_TO_PATTERN))
    app.add_handler(CommandHandler("belum_terjawab", cmd_unanswered))
    app.add_handler(CallbackQueryHandler(on_pick, pattern=PICK_PATTERN))
    app.add_handler(CallbackQueryHandler(on_learn, pattern=LEARN_PATTERN))
