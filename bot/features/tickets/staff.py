"""The officers' side of tickets in the chat: the inbox (/kotak), a ticket's thread, replying,
closing, handing over, and teaching the matcher from a question (/belum_terjawab)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    ConversationHandler,
)

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.paging import PER_PAGE, page
from bot.core.ui import (
    answer_query,
    keyboard,
    reply,
    show,
    staff_or_unknown,
)
from bot.features.staff.service import PermissionDenied
from bot.features.tickets import render
from bot.features.tickets.jobs import send_now
from bot.features.tickets.model import TicketError

Step = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]


# -- how every officer step begins and fails ----------------------------------------------------
async def _staff(update: Update, context: BotContext) -> bool:
    return await staff_or_unknown(update, context, "operator")


def officer_step(*, answer: bool = True, numbered: bool = True,
                 end: Any = None) -> Callable[[Step], Step]:
    """Operators only (others get the unknown-command answer); the button acknowledged (or, with
    answer=False, only when the step fails); a role lost meanwhile ends the step quietly; a
    refused ticket action (TicketError) is explained, with the ticket's number from the
    callback data when `numbered`. `end` is what a step that stops returns."""
    def wrap(step: Step) -> Step:
        @functools.wraps(step)
        async def run(update: Update, context: BotContext) -> Any:
            if not await _staff(update, context):
                return end
            if answer:
                await answer_query(update)
            try:
                return await step(update, context)
            except PermissionDenied as denied:
                if denied.args == ("region",) and numbered:  # a ticket of another kab/kota
                    if not answer:
                        await answer_query(update)
                    await reply(update, context, render.staff_error(
                        context.t, "region", int(context.match.group(1))))
                return end
            except TicketError as err:
                if not answer:
                    await answer_query(update)
                ticket_id = int(context.match.group(1)) if numbered else None
                await reply(update, context, render.staff_error(context.t, err.code, ticket_id))
                return end
        return run
    return wrap


# -- staff: the inbox -----------------------------------------------------------------------------
REPLYING = "kotak_reply"
REPLY_KEY = "kotak_reply"        # user_data: {"id": ticket, "v": version seen}


async def cmd_inbox(update: Update, context: BotContext) -> None:
    """/kotak: the questions waiting, PER_PAGE a page (kotak:list:p:N pages, in place)."""
    if not await _staff(update, context):
        return
    await answer_query(update)
    paging = bool(context.match and context.match.groups())  # a pager button: kotak:list:p:N
    number = int(context.match.group(1)) if paging else 0
    svc = context.services.tickets
    try:
        total = await svc.open_count(update.effective_user.id)
        p = page(range(total), number)  # clamps a stale page number
        items, total = await svc.inbox(update.effective_user.id, PER_PAGE, p.number * PER_PAGE)
    except PermissionDenied:
        await staff_or_unknown(update, context, "operator")
        return
    text, rows = render.inbox(context.t, items, total, p)
    await show(update, context, text, keyboard(rows) if rows else None, edit=paging)


@officer_step()
async def on_open(update: Update, context: BotContext) -> None:
    svc = context.services.tickets
    ticket_id = int(context.match.group(1))
    th = await svc.thread(update.effective_user.id, ticket_id)
    text, rows = render.thread(context.t, th, context.content, svc.clock(), context.settings.tz)
    await reply(update, context, text, keyboard(rows))
    for m in th.messages:
        if m.photo:
            await context.bot.send_photo(update.effective_chat.id, m.photo,
                                         caption=f"#{ticket_id}")


@officer_step(end=ConversationHandler.END)
async def start_reply(update: Update, context: BotContext) -> str | int:
    ticket_id = int(context.match.group(1))
    th = await context.services.tickets.thread(update.effective_user.id, ticket_id)
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
    svc = context.services.tickets
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


@officer_step()
async def on_close(update: Update, context: BotContext) -> None:
    ticket_id = int(context.match.group(1))
    await context.services.tickets.close(update.effective_user.id, ticket_id)
    await send_now(context)
    text, rows = render.learn_picker(context.t, f"t{ticket_id}", context.content.programs,
                                     render.closed_staff(context.t, ticket_id))
    await reply(update, context, text, keyboard(rows))


@officer_step()
async def on_handover(update: Update, context: BotContext) -> None:
    ticket_id = int(context.match.group(1))
    ids = await context.services.tickets.colleagues(update.effective_user.id, ticket_id)
    text, rows = render.colleagues(context.t, ticket_id, ids)
    await reply(update, context, text, keyboard(rows) if rows else None)


@officer_step()
async def on_handover_to(update: Update, context: BotContext) -> None:
    ticket_id, to = int(context.match.group(1)), int(context.match.group(2))
    await context.services.tickets.hand_over(update.effective_user.id, ticket_id, to)
    await send_now(context)
    await reply(update, context, render.handed_over(context.t, ticket_id, to))


# -- staff: teaching the matcher ------------------------------------------------------------------
@officer_step(answer=False, numbered=False)
async def cmd_unanswered(update: Update, context: BotContext) -> None:
    groups = await context.services.tickets.frequent(update.effective_user.id,
                                                     dt.timedelta(days=7))
    text, rows = render.unanswered(context.t, groups)
    await reply(update, context, text, keyboard(rows) if rows else None)


@officer_step(numbered=False)
async def on_pick(update: Update, context: BotContext) -> None:
    question_id = int(context.match.group(1))
    group = await context.services.tickets.question(update.effective_user.id, question_id)
    text, rows = render.learn_picker(context.t, f"q{question_id}", context.content.programs,
                                     render.question_intro(context.t, group))
    await reply(update, context, text, keyboard(rows))


@officer_step(answer=False, numbered=False)
async def on_learn(update: Update, context: BotContext) -> None:
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
    svc = context.services.tickets
    actor = update.effective_user.id
    if kind == "t":
        phrase = await svc.learn_from_ticket(actor, source_id, target)
    else:
        phrase = (await svc.learn_from_question(actor, source_id, target)).text
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
