"""The volunteer's side of reminders: /tugas, and the Done and Snooze buttons on a reminder."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.core.clock import parse_iso
from bot.core.i18n import N_
from bot.core.ui import answer_query, keyboard, reply
from bot.features.reminders.jobs import schedule_snooze
from bot.features.reminders.render import describe, local_time


# -- /tugas ---------------------------------------------------------------------------------------
async def cmd_tasks(update: Update, context: BotContext) -> None:
    uid = update.effective_user.id
    if not await context.services.volunteers.is_approved(uid):
        await reply(update, context, context._(N_(
            "This is for registered volunteers. Type /relawan to register.")))
        return
    service = context.services.reminders
    tz = context.settings.tz
    upcoming = await service.upcoming_for(uid)
    tasks = await service.open_tasks(uid)
    if not upcoming and not tasks:
        await reply(update, context, context._(N_(
            "You have no upcoming reminders and no open tasks.")))
        return
    lines: list[str] = []
    if upcoming:
        lines.append(context._(N_("Upcoming reminders:")))
        for reminder, when in upcoming:
            lines.append(f"• {local_time(when, tz, locale=context.t.locale)}: "
                         f"{_short(reminder.text)}")
            lines.append("   " + describe(context.t, reminder, tz))
    buttons = []
    if tasks:
        if lines:
            lines.append("")
        lines.append(context._(N_("Open tasks (press the button when done):")))
        for n, task in enumerate(tasks, 1):
            when_text = local_time(_parse(task.occurrence), tz, locale=context.t.locale)
            lines.append(f"{n}. {when_text}: {_short(task.text)}")
            buttons.append([(context._(N_("Done: task {n}")).format(n=n),
                             f"rem:done:{task.id}")])
    await reply(update, context, "\n".join(lines), keyboard(buttons) if buttons else None)


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
    when = local_time(until, context.settings.tz, with_date=False)
    await answer_query(update, context._(N_("I will remind you again at {time}.")).format(
        time=when))
    query = update.callback_query
    if query.message is not None:
        await _edit(query, (query.message.text or "") + "\n\n⏰ " + context._(N_(
            "I will remind you again at {time}.")).format(time=when),
            _without(query, delivery_id))
