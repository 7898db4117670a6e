"""Reminders: the staff's /pengingat (create, list, per-reminder view, cancel) and the jobs.

Jobs (PTB's JobQueue, in memory; the database is the truth):
  reminder:<id>    the reminder's next occurrence (data: id, at); re-armed after each firing
  snooze:<id>      a snoozed delivery's second send (data: id, until)
  reminders:sync   every SYNC_SECONDS: catch-up, jobs for reminders added or cancelled from
                   the command line, due snoozes
A job of the same name is always replaced, never duplicated.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.core.clock import iso, parse_iso
from bot.core.datetimes import parse_hhmm, parse_local_datetime
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    staff_or_unknown,
)
from bot.features.reminders import tasks
from bot.features.reminders.jobs import (
    schedule_reminder,
    service,
    start,
)
from bot.features.reminders.render import (
    DONE_PATTERN,
    REASONS,
    SNOOZE_PATTERN,
    WEEKDAY_NAMES,
    _short,
    audience_text,
    describe,
    local_time,
    status_text,
    summary_line,
)
from bot.features.reminders.schedule import (
    ReminderError,
    daily,
    day_of_month,
    monthly,
    weekly,
)
from bot.features.staff.service import PermissionDenied
from bot.features.volunteers.service import ROLES, match_regions

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

ADM = "remadm"
NEW = "remnew"
VIEW_PATTERN = rf"^{ADM}:view:(\d{{1,12}})$"
CANCEL_PATTERN = rf"^{ADM}:cancel:(\d{{1,12}})$"
LIST_PATTERN = rf"^({ADM}:list|menu:reminders)$"
MENU_KEY = "reminders"

# Conversation states of /pengingat's "new reminder".
R_TEXT, R_ROLE, R_REGION, R_KIND = "rem_text", "rem_role", "rem_region", "rem_kind"
R_DATE, R_DAYS, R_DOM, R_TIME, R_CONFIRM = "rem_date", "rem_days", "rem_dom", "rem_time", \
    "rem_confirm"


# -- /pengingat: list, view, cancel ---------------------------------------------------------------
async def cmd_reminders(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    await answer_query(update)
    svc = service(context)
    summaries = [s for s in await svc.overview() if s.reminder.status != "cancelled"][-20:]
    tz = context.settings.tz
    lines = [context._(N_("Reminders for volunteers:"))]
    if not summaries:
        lines.append(context._(N_("There are no reminders yet.")))
    lines += [summary_line(context.t, s, tz, context.content) for s in summaries]
    rows = [[(context._(N_("New reminder")), f"{ADM}:new")]]
    rows += [[(f"#{s.reminder.id}: {_short(s.reminder.text, 30)}",
               f"{ADM}:view:{s.reminder.id}")] for s in summaries]
    await reply(update, context, "\n\n".join(lines), keyboard(rows))


async def on_view(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    await answer_query(update)
    t, tz = context.t, context.settings.tz
    try:
        view = await service(context).view(update.effective_user.id,
                                            int(context.match.group(1)))
    except PermissionDenied:
        return
    if view is None:
        await reply(update, context, context._(N_("There is no such reminder.")))
        return
    lines = [summary_line(t, view.summary, tz, context.content), "", view.summary.reminder.text]
    if view.latest is not None:
        lines += ["", t(N_("Last sent: {when}")).format(
            when=local_time(parse_iso(view.latest.occurrence), tz, locale=t.locale))]
        for row in view.recipients[:50]:
            vol = await context.services.volunteers.get(row.user_id)
            who = f"{vol.name} ({row.user_id})" if vol else str(row.user_id)
            state = status_text(t, row.status)
            if row.status == "done":
                state = t(N_("done"))
            reason = t(REASONS[row.reason]) if row.reason in REASONS else (row.reason or "")
            lines.append(f"• {who}: {state}" + (f" ({reason})" if reason else ""))
        if not view.recipients:
            lines.append(t(N_("Nobody was in the audience.")))
    if view.missed:
        lines += ["", t(N_("Missed while the bot was down:"))]
        lines += [f"• {local_time(parse_iso(r.occurrence), tz, locale=t.locale)}"
                  for r in view.missed[:20]]
    rows = []
    if view.summary.reminder.status == "active":
        rows.append([(t(N_("Cancel this reminder")),
                      f"{ADM}:cancel:{view.summary.reminder.id}")])
    rows.append([(t(N_("All reminders")), f"{ADM}:list")])
    await reply(update, context, "\n".join(lines)[:4000], keyboard(rows))


async def on_cancel(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    rid = int(context.match.group(1))
    try:
        done = await service(context).cancel(update.effective_user.id, rid)
    except PermissionDenied:
        return
    await answer_query(update)
    reminder = await service(context).get(rid)
    if reminder is not None:
        schedule_reminder(context.application, reminder)  # type: ignore[arg-type]
    text = context._(N_("Reminder #{id} is cancelled; it will not be sent again.")) if done \
        else context._(N_("Reminder #{id} was not active."))
    await reply(update, context, text.format(id=rid))


# -- /pengingat: a new reminder -------------------------------------------------------------------
def _new_reminder(context: BotContext) -> dict:
    """The reminder being written (new_start made it)."""
    # Its steps answer a user's messages and buttons, and PTB gives every user user_data.
    assert context.user_data is not None
    return context.user_data["remnew"]


async def new_start(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context):
        return ConversationHandler.END
    await answer_query(update)
    # staff_or_unknown found a user, and PTB gives every user's update user_data
    assert context.user_data is not None
    context.user_data["remnew"] = {}
    await reply(update, context, context._(N_(
        "New reminder for volunteers (/batal stops). Type the reminder text: what should the "
        "volunteers do?")))
    return R_TEXT


async def new_text(update: Update, context: BotContext) -> str:
    text = update.message.text.strip()
    if len(text) > 3500:
        await reply(update, context, context._(N_(
            "That is too long for one reminder. Please keep it under 3500 characters.")))
        return R_TEXT
    _new_reminder(context)["text"] = text
    rows = [[(context._(N_("All volunteers")), f"{NEW}:role:all")]]
    rows += [[(context._(label), f"{NEW}:role:{code}")] for code, label in ROLES.items()]
    await reply(update, context, context._(N_("Who should receive it?")), keyboard(rows))
    return R_ROLE


async def new_role(update: Update, context: BotContext) -> str:
    await answer_query(update)
    code = context.match.group(1)
    if code != "all" and code not in ROLES:
        return R_ROLE
    _new_reminder(context)["role"] = None if code == "all" else code
    await reply(update, context, context._(N_(
        "In which kabupaten/kota? Type its name, or choose all.")),
        keyboard([[(context._(N_("All kabupaten/kota")), f"{NEW}:reg:all")]]))
    return R_REGION


async def new_region_button(update: Update, context: BotContext) -> str:
    await answer_query(update)
    code = context.match.group(1)
    if code != "all" and context.content.region(code) is None:
        return R_REGION
    return await _region_done(update, context, None if code == "all" else code)


async def new_region_text(update: Update, context: BotContext) -> str:
    text = update.message.text
    assert text is not None  # the handler's filter (filters.TEXT) lets only text in
    found = match_regions(text, context.content.regions)
    if len(found) == 1:
        return await _region_done(update, context, found[0].code)
    if found:
        rows = [[(r.label(), f"{NEW}:reg:{r.code}")] for r in found]
        await reply(update, context, context._(N_("Which one do you mean?")), keyboard(rows))
    else:
        await reply(update, context, context._(N_(
            "I could not find that kabupaten/kota in East Java. Please type its name again, or "
            "choose a button above.")))
    return R_REGION


async def _region_done(update: Update, context: BotContext, code: str | None) -> str:
    _new_reminder(context)["region"] = code
    rows = [[(context._(N_("Once")), f"{NEW}:kind:once"),
             (context._(N_("Every day")), f"{NEW}:kind:daily")],
            [(context._(N_("Every week")), f"{NEW}:kind:weekly"),
             (context._(N_("Every month")), f"{NEW}:kind:monthly")]]
    await reply(update, context, context._(N_("When?")), keyboard(rows))
    return R_KIND


async def new_kind(update: Update, context: BotContext) -> str:
    await answer_query(update)
    kind = context.match.group(1)
    _new_reminder(context)["kind"] = kind
    if kind == "once":
        await reply(update, context, context._(N_(
            "Type the date and time, for example 05-11-2026 08:00 (WIB).")))
        return R_DATE
    if kind == "weekly":
        _new_reminder(context)["days"] = []
        await reply(update, context, context._(N_(
            "On which days? Press the days, then \"Next\".")), _days_keyboard(context, []))
        return R_DAYS
    if kind == "monthly":
        days = [(str(n), f"{NEW}:dom:{n}") for n in range(1, 29)]
        await reply(update, context, context._(N_(
            "On which day of the month (1 to 28)?")),
            keyboard([days[i:i + 7] for i in range(0, 28, 7)]))
        return R_DOM
    await reply(update, context, context._(N_("At what time? For example 07:30.")))
    return R_TIME


def _days_keyboard(context: BotContext, days: list[int]):
    buttons = [(("✓ " if n in days else "") + context._(name), f"{NEW}:day:{n}")
               for n, name in enumerate(WEEKDAY_NAMES)]
    rows = [buttons[0:4], buttons[4:7], [(context._(N_("Next")), f"{NEW}:days")]]
    return keyboard(rows)


async def new_day(update: Update, context: BotContext) -> str:
    await answer_query(update)
    days: list[int] = _new_reminder(context).setdefault("days", [])
    n = int(context.match.group(1))
    if n in days:
        days.remove(n)
    else:
        days.append(n)
    try:
        await update.callback_query.edit_message_reply_markup(_days_keyboard(context, days))
    except Exception:  # unchanged or too old: the next press shows the state again
        pass
    return R_DAYS


async def new_days_done(update: Update, context: BotContext) -> str:
    if not _new_reminder(context).get("days"):
        await answer_query(update, context._(N_("Choose at least one day.")))
        return R_DAYS
    await answer_query(update)
    await reply(update, context, context._(N_("At what time? For example 07:30.")))
    return R_TIME


async def new_dom(update: Update, context: BotContext) -> str:
    if update.callback_query is not None:
        await answer_query(update)
        text = context.match.group(1)
    else:
        text = update.message.text.strip()
    day = day_of_month(text)
    if day is None:
        await reply(update, context, context._(N_(
            "Please type a day from 1 to 28 (every month has those).")))
        return R_DOM
    _new_reminder(context)["dom"] = day
    await reply(update, context, context._(N_("At what time? For example 07:30.")))
    return R_TIME


async def new_date(update: Update, context: BotContext) -> str:
    tz = context.settings.tz
    text = update.message.text
    assert text is not None  # the handler's filter (filters.TEXT) lets only text in
    when = parse_local_datetime(text, tz)
    if when is None:
        await reply(update, context, context._(N_(
            "I could not read that date. Please type it like 05-11-2026 08:00.")))
        return R_DATE
    if not service(context).in_future(when):
        await reply(update, context, context._(N_(
            "That time has already passed. Please type a time in the future.")))
        return R_DATE
    _new_reminder(context)["at"] = iso(when)
    return await _confirm(update, context)


async def new_time(update: Update, context: BotContext) -> str:
    text = update.message.text
    assert text is not None  # the handler's filter (filters.TEXT) lets only text in
    hm = parse_hhmm(text)
    if hm is None:
        await reply(update, context, context._(N_(
            "Please type the time as hours and minutes, for example 07:30.")))
        return R_TIME
    data = _new_reminder(context)
    kind = data["kind"]
    data["cron"] = daily(*hm) if kind == "daily" else weekly(data["days"], *hm) \
        if kind == "weekly" else monthly(data["dom"], *hm)
    return await _confirm(update, context)


async def _confirm(update: Update, context: BotContext) -> str:
    data = _new_reminder(context)
    svc, tz = service(context), context.settings.tz
    draft = svc.draft(text=data["text"], role=data.get("role"), region_code=data.get("region"),
                      at=data.get("at"), cron=data.get("cron"))
    nxt, count = await svc.preview(draft)
    lines = [
        context._(N_("Please check the reminder:")), "", draft.text, "",
        context._(N_("For: {audience} ({count} now)")).format(
            audience=audience_text(context.t, draft.role, draft.region_code, context.content),
            count=count),
        context._(N_("When: {when}")).format(when=describe(context.t, draft, tz)),
    ]
    if nxt:
        lines.append(context._(N_("First time: {when}")).format(
            when=local_time(nxt, tz, locale=context.t.locale)))
    rows = [[(context._(N_("Save")), f"{NEW}:save"), (context._(N_("Cancel")), f"{NEW}:drop")]]
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return R_CONFIRM


async def new_save(update: Update, context: BotContext) -> int:
    await answer_query(update)
    data = context.user_data.pop("remnew", {})
    svc = service(context)
    try:
        reminder = await svc.create(
            update.effective_user.id, text=data.get("text", ""), role=data.get("role"),
            region_code=data.get("region"),
            at=parse_iso(data["at"]) if data.get("at") else None, cron=data.get("cron"))
    except PermissionDenied:
        return ConversationHandler.END
    except ReminderError as exc:
        key = N_("That time has already passed. Please type a time in the future.") \
            if exc.code == "past" else N_("Sorry, that reminder could not be saved. "
                                           "Please start again with /pengingat.")
        await reply(update, context, context._(key))
        return ConversationHandler.END
    nxt = schedule_reminder(context.application, reminder)  # type: ignore[arg-type]
    first = local_time(nxt, context.settings.tz, locale=context.t.locale) if nxt else "-"
    await reply(update, context, context._(N_("Reminder #{id} is saved. First time: {when}."))
                .format(id=reminder.id, when=first))
    return ConversationHandler.END


async def new_drop(update: Update, context: BotContext) -> int:
    await answer_query(update)
    context.user_data.pop("remnew", None)
    await reply(update, context, context._(N_("Cancelled. Nothing was saved.")))
    return ConversationHandler.END


def register(app: BotApplication) -> None:
    services = app.services
    services.start_hooks.append(start)
    services.commands.add(CommandSpec("tugas", N_("volunteers: your reminders and tasks"),
                                      order=71))
    app.add_handler(CommandHandler("tugas", tasks.cmd_tasks))
    app.add_handler(CallbackQueryHandler(tasks.on_done, pattern=DONE_PATTERN))
    app.add_handler(CallbackQueryHandler(tasks.on_snooze, pattern=SNOOZE_PATTERN))
    services.menu.add(MenuEntry(MENU_KEY, N_("Volunteer reminders"), order=40, staff_only=True))
    services.commands.add(CommandSpec("pengingat", N_("staff: reminders for volunteers"),
                                     order=40, staff_only=True))
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE  # edits are no answers
    app.add_handler(_new_conversation(text))
    app.add_handler(CommandHandler("pengingat", cmd_reminders))
    app.add_handler(CallbackQueryHandler(cmd_reminders, pattern=LIST_PATTERN))
    app.add_handler(CallbackQueryHandler(on_view, pattern=VIEW_PATTERN))
    app.add_handler(CallbackQueryHandler(on_cancel, pattern=CANCEL_PATTERN))


def _new_conversation(text) -> ConversationHandler:
    return conversation(
        "reminder_new",
        entry_points=[CallbackQueryHandler(new_start, pattern=rf"^{ADM}:new$")],
        states={
            R_TEXT: [MessageHandler(text, new_text)],
            R_ROLE: [CallbackQueryHandler(new_role, pattern=rf"^{NEW}:role:([a-z_]{{2,20}})$")],
            R_REGION: [CallbackQueryHandler(new_region_button,
                                            pattern=rf"^{NEW}:reg:(all|35\d\d)$"),
                       MessageHandler(text, new_region_text)],
            R_KIND: [CallbackQueryHandler(new_kind,
                                          pattern=rf"^{NEW}:kind:(once|daily|weekly|monthly)$")],
            R_DATE: [MessageHandler(text, new_date)],
            R_DAYS: [CallbackQueryHandler(new_day, pattern=rf"^{NEW}:day:([0-6])$"),
                     CallbackQueryHandler(new_days_done, pattern=rf"^{NEW}:days$")],
            R_DOM: [CallbackQueryHandler(new_dom, pattern=rf"^{NEW}:dom:(\d{{1,2}})$"),
                    MessageHandler(text, new_dom)],
            R_TIME: [MessageHandler(text, new_time)],
            R_CONFIRM: [CallbackQueryHandler(new_save, pattern=rf"^{NEW}:save$"),
                        CallbackQueryHandler(new_drop, pattern=rf"^{NEW}:drop$")],
        },
        fallbacks=conversation_fallbacks(),
    )
