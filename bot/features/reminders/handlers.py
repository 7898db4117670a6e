"""Reminders: the staff's /pengingat (the paged list, a reminder's card, its recipients, pause,
resume, cancel after a confirmation) and the registration of the feature's handlers.

Writing and editing a reminder is compose.py; the volunteer's /tugas and buttons tasks.py;
the jobs jobs.py. Every action is checked again in the service (role and kab/kota).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.core import paging
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import answer_query, keyboard, reply, show, staff_or_unknown
from bot.features.reminders import compose, screens, tasks
from bot.features.reminders.jobs import schedule_reminder, service, start
from bot.features.reminders.render import (
    ADM,
    ASK_CANCEL_PATTERN,
    CANCEL_PATTERN,
    DONE_PATTERN,
    LIST_PATTERN,
    OLD,
    PAUSE_PATTERN,
    RECIPIENTS_PATTERN,
    SNOOZE_PATTERN,
    VIEW_PATTERN,
)
from bot.features.staff.service import PermissionDenied

if TYPE_CHECKING:
    from bot.app import BotApplication

MENU_KEY = "reminders"


# -- the list -------------------------------------------------------------------------------------
async def cmd_reminders(update: Update, context: BotContext) -> None:
    await _list(update, context, 0, finished=False)


async def on_page(update: Update, context: BotContext) -> None:
    await _list(update, context, int(context.match.group(1)), finished=False)


async def on_finished_page(update: Update, context: BotContext) -> None:
    await _list(update, context, int(context.match.group(1)), finished=True)


async def _list(update: Update, context: BotContext, number: int, *, finished: bool) -> None:
    if not await staff_or_unknown(update, context):
        return
    await answer_query(update)
    svc, uid = service(context), update.effective_user.id
    try:
        reminders = await svc.listing(uid, finished=finished)
        old = 0 if finished else len(await svc.listing(uid, finished=True))
    except PermissionDenied:
        return
    p = paging.page(reminders, number)
    summaries = [await svc.summary(r) for r in p.items]
    text, rows = screens.listing(
        context.t, paging.Page(summaries, p.number, p.pages, p.total), context.settings.tz,
        context.content, finished=finished, finished_count=old)
    # Turning pages edits the list in place; /pengingat and "All reminders" send it anew.
    turning = update.callback_query is not None and ":p:" in (update.callback_query.data or "")
    await show(update, context, text, keyboard(rows), edit=turning)


# -- one reminder ---------------------------------------------------------------------------------
async def on_view(update: Update, context: BotContext) -> None:
    await _card(update, context, int(context.match.group(1)))


async def _view(update: Update, context: BotContext, rid: int):
    """The reminder's view for a staff member who may see it; None (after saying why) if not."""
    if not await staff_or_unknown(update, context):
        return None
    await answer_query(update)
    try:
        view = await service(context).view(update.effective_user.id, rid)
    except PermissionDenied:
        await compose.refused(update, context)
        return None
    if view is None:
        await reply(update, context, context._(N_("There is no such reminder.")))
    return view


async def _card(update: Update, context: BotContext, rid: int, note: str | None = None,
                edit: bool = False) -> None:
    view = await _view(update, context, rid)
    if view is None:
        return
    text, rows = screens.card(context.t, view, context.settings.tz, context.content)
    await show(update, context, f"{note}\n\n{text}" if note else text, keyboard(rows),
               edit=edit)


async def on_recipients(update: Update, context: BotContext) -> None:
    rid, number = int(context.match.group(1)), int(context.match.group(2))
    view = await _view(update, context, rid)
    if view is None:
        return
    p = paging.page(view.recipients, number, screens.RECIPIENTS_PER_PAGE)
    names: dict[int, str] = {}
    for row in p.items:
        vol = await context.services.volunteers.get(row.user_id)
        if vol is not None and vol.name:
            names[row.user_id] = vol.name
    text, rows = screens.recipients(
        context.t, view.summary.reminder, view.recipients, names, number, context.settings.tz,
        view.latest.occurrence if view.latest else None)
    await show(update, context, text, keyboard(rows))


async def on_pause(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    action, rid = context.match.group(1), int(context.match.group(2))
    svc, uid = service(context), update.effective_user.id
    try:
        done = await (svc.pause(uid, rid) if action == "pause" else svc.resume(uid, rid))
    except PermissionDenied:
        await answer_query(update)
        await compose.refused(update, context)
        return
    reminder = await svc.get(rid)
    if reminder is not None:
        schedule_reminder(context.application, reminder)  # type: ignore[arg-type]
    if not done:
        note = context._(N_("Nothing changed: reminder #{id} is not active."))
    elif action == "pause":
        note = context._(N_("Reminder #{id} is paused. Nothing is sent until you resume it."))
    else:
        note = context._(N_("Reminder #{id} is resumed. Times that fell in the pause are not "
                            "sent."))
    await _card(update, context, rid, note.format(id=rid), edit=True)


async def on_ask_cancel(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    await answer_query(update)
    rid = int(context.match.group(1))
    try:
        reminder = await service(context).editable(update.effective_user.id, rid)
    except PermissionDenied:
        await compose.refused(update, context)
        return
    if reminder is None:
        await reply(update, context, context._(N_("Reminder #{id} was not active.")).format(
            id=rid))
        return
    text, rows = screens.ask_cancel(context.t, reminder)
    await show(update, context, text, keyboard(rows))


async def on_cancel(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    rid = int(context.match.group(1))
    try:
        done = await service(context).cancel(update.effective_user.id, rid)
    except PermissionDenied:
        await answer_query(update)
        await compose.refused(update, context)
        return
    await answer_query(update)
    reminder = await service(context).get(rid)
    if reminder is not None:
        schedule_reminder(context.application, reminder)  # type: ignore[arg-type]
    text = context._(N_("Reminder #{id} is cancelled; it will not be sent again.")) if done \
        else context._(N_("Reminder #{id} was not active."))
    await show(update, context, text.format(id=rid),
               keyboard([[(context._(N_("All reminders")), f"{ADM}:list")]]))


def register(app: BotApplication) -> None:
    services = app.services
    services.start_hooks.append(start)
    services.commands.add(CommandSpec("tugas", N_("volunteers: your reminders and tasks"),
                                      order=71))
    app.add_handler(CommandHandler("tugas", tasks.cmd_tasks))
    app.add_handler(CallbackQueryHandler(tasks.on_done, pattern=DONE_PATTERN))
    app.add_handler(CallbackQueryHandler(tasks.on_task_done, pattern=tasks.TASK_DONE_PATTERN))
    app.add_handler(CallbackQueryHandler(tasks.on_snooze, pattern=SNOOZE_PATTERN))
    app.add_handler(CallbackQueryHandler(tasks.on_tasks_page,
                                         pattern=paging.pattern(tasks.TASKS_PREFIX)))
    services.menu.add(MenuEntry(MENU_KEY, N_("Volunteer reminders"), order=40, staff_only=True))
    services.commands.add(CommandSpec("pengingat", N_("staff: reminders for volunteers"),
                                     order=40, staff_only=True))
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE  # edits are no answers
    app.add_handler(compose.build(text))
    app.add_handler(CommandHandler("pengingat", cmd_reminders))
    app.add_handler(CallbackQueryHandler(cmd_reminders, pattern=LIST_PATTERN))
    app.add_handler(CallbackQueryHandler(on_page, pattern=paging.pattern(ADM)))
    app.add_handler(CallbackQueryHandler(on_finished_page, pattern=paging.pattern(OLD)))
    app.add_handler(CallbackQueryHandler(on_view, pattern=VIEW_PATTERN))
    app.add_handler(CallbackQueryHandler(on_recipients, pattern=RECIPIENTS_PATTERN))
    app.add_handler(CallbackQueryHandler(on_pause, pattern=PAUSE_PATTERN))
    app.add_handler(CallbackQueryHandler(on_ask_cancel, pattern=ASK_CANCEL_PATTERN))
    app.add_handler(CallbackQueryHandler(on_cancel, pattern=CANCEL_PATTERN))
