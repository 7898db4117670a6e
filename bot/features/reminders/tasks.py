"""The volunteer's side of reminders: /tugas, and the Done and Snooze buttons on a reminder."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.core import paging
from bot.core.clock import parse_iso
from bot.core.i18n import N_
from bot.core.ui import answer_query, keyboard, reply, show
from bot.features.reminders.jobs import schedule_snooze
from bot.features.reminders.render import clock_text, describe, when_text

# -- /tugas ---------------------------------------------------------------------------------------
TASKS_PREFIX = "remtask"   # /tugas pages: remtask:p:<n>
TASK_DONE = f"{TASKS_PREFIX}:done"  # /tugas "Done: task n": remtask:done:<delivery>:<page>
TASK_DONE_PATTERN = rf"^{TASK_DONE}:(\d{{1,12}}):(\d{{1,{paging.MAX_PAGE_DIGITS}}})$"
TASKS_PER_PAGE = 5         # with UPCOMING, a page stays under 1,500 characters
UPCOMING = 3
TEXT = 80


async def cmd_tasks(update: Update, context: BotContext) -> None:
    await _tasks(update, context, 0)


async def on_tasks_page(update: Update, context: BotContext) -> None:
    await answer_query(update)
    await _tasks(update, context, int(context.match.group(1)))


async def on_task_done(update: Update, context: BotContext) -> None:
    """Done, pressed in the /tugas list: marked, then the list is shown again without the task
    (on the same page, or the last one left), with the thanks above it."""
    delivery_id, number = int(context.match.group(1)), int(context.match.group(2))
    state, _ = await context.services.reminders.mark_done(delivery_id, update.effective_user.id)
    if state == "foreign":
        await answer_query(update, context._(N_(
            "Sorry, this button is not valid for you any more.")))
        return
    thanks = context._(N_("Already marked as done. Thank you!")) if state == "already" \
        else context._(N_("Marked as done. Thank you!"))
    await answer_query(update, thanks)
    await _tasks(update, context, number, note=f"✅ {thanks}")


async def _tasks(update: Update, context: BotContext, number: int,
                 note: str | None = None) -> None:
    uid = update.effective_user.id
    if not await context.services.volunteers.is_approved(uid):
        await reply(update, context, context._(N_(
            "This is for registered volunteers. Type /relawan to register.")))
        return
    service = context.services.reminders
    tz = context.settings.tz
    upcoming = await service.upcoming_for(uid, limit=UPCOMING)
    p = paging.page(await service.open_tasks(uid), number, TASKS_PER_PAGE)
    edit = update.callback_query is not None
    lines: list[str] = [note, ""] if note else []
    if not upcoming and not p.total:
        lines.append(context._(N_("You have no upcoming reminders and no open tasks.")))
        await show(update, context, "\n".join(lines), None, edit=edit)
        return
    if upcoming and p.number == 0:
        lines.append(context._(N_("Upcoming reminders:")))
        for reminder, when in upcoming:
            text = reminder.text_jv if context.t.locale == "jv" and reminder.text_jv \
                else reminder.text
            lines.append(f"• {when_text(context.t, when, tz)}: {_short(text, TEXT)}")
            lines.append("   " + describe(context.t, reminder, tz))
    buttons = []
    if p.total:
        if lines and lines[-1]:
            lines.append("")
        caption = paging.page_caption(context.t, p)
        lines.append(context._(N_("Open tasks (press the button when done):"))
                     + (f" ({caption})" if caption else ""))
        for n, task in enumerate(p.items, p.number * TASKS_PER_PAGE + 1):
            lines.append(f"{n}. {when_text(context.t, _parse(task.occurrence), tz)}: "
                         f"{_short(task.text_for(context.t.locale), TEXT)}")
            buttons.append([(context._(N_("Done: task {n}")).format(n=n),
                             f"{TASK_DONE}:{task.id}:{p.number}")])
        pager = paging.pager_row(context.t, TASKS_PREFIX, p)
        if pager:
            buttons.append(pager)
    await show(update, context, "\n".join(lines), keyboard(buttons) if buttons else None,
               edit=edit)


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _parse(stamp: str):
    return parse_iso(stamp)


# -- the reminder buttons -------------------------------------------------------------------------
def _without(query, delivery_id: int):
    """The pressed message's buttons minus those of this delivery."""
    markup = query.message.reply_markup if query.message else None
    rows = []
    for row in (markup.inline_keyboard if markup else ()):
        kept = [(b.text, b.callback_data) for b in row
                if not str(b.callback_data or "").endswith(f":{delivery_id}")]
        if kept:
            rows.append(kept)
    return keyboard(rows) if rows else None


async def _edit(query, text: str, markup) -> None:
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except Exception:  # too old to edit, or unchanged: the answer above already told them
        pass


async def on_done(update: Update, context: BotContext) -> None:
    delivery_id = int(context.match.group(1))
    state, _ = await context.services.reminders.mark_done(delivery_id, update.effective_user.id)
    if state == "foreign":
        await answer_query(update, context._(N_(
            "Sorry, this button is not valid for you any more.")))
        return
    if state == "already":
        await answer_query(update, context._(N_("Already marked as done. Thank you!")))
        return
    await answer_query(update, context._(N_("Marked as done. Thank you!")))
    query = update.callback_query
    if query.message is not None:
        await _edit(query, (query.message.text or "") + "\n\n✅ " + context._(N_(
            "Marked as done. Thank you!")), _without(query, delivery_id))


async def on_snooze(update: Update, context: BotContext) -> None:
    delivery_id = int(context.match.group(1))
    service = context.services.reminders
    state, _, until = await service.snooze(delivery_id, update.effective_user.id)
    if state == "foreign":
        await answer_query(update, context._(N_(
            "Sorry, this button is not valid for you any more.")))
        return
    if state == "done" or until is None:
        await answer_query(update, context._(N_("This reminder is already done.")))
        return
    schedule_snooze(context.application, delivery_id, until)  # type: ignore[arg-type]
    local_until = until.astimezone(context.settings.tz)
    when = clock_text(context.t, local_until.hour, local_until.minute, context.settings.tz)
    await answer_query(update, context._(N_("I will remind you again at {time}.")).format(
        time=when))
    query = update.callback_query
    if query.message is not None:
        await _edit(query, (query.message.text or "") + "\n\n⏰ " + context._(N_(
            "I will remind you again at {time}.")).format(time=when),
            _without(query, delivery_id))
