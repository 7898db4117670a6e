"""When a reminder is sent: once, every day, on chosen weekdays, on a day of the month or its
last day, at a time; and the end date of a recurring one. Steps of the conversation in
compose.py; each ends on the check screen (steps.confirm)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.core.clock import iso
from bot.core.datetimes import parse_hhmm, parse_local_datetime
from bot.core.i18n import N_
from bot.core.ui import answer_query, keyboard, reply
from bot.features.reminders.jobs import service
from bot.features.reminders.render import NEW, WEEKDAY_NAMES
from bot.features.reminders.schedule import (
    LAST_DAY,
    daily,
    day_of_month,
    monthly,
    parse_end_date,
    weekly,
)
from bot.features.reminders.steps import (
    ERRORS,
    R_DATE,
    R_DAYS,
    R_DOM,
    R_END,
    R_KIND,
    R_TIME,
    confirm,
    draft,
)


# -- when -----------------------------------------------------------------------------------------
async def ask_kind(update: Update, context: BotContext) -> str:
    rows = [[(context._(N_("Once")), f"{NEW}:kind:once"),
             (context._(N_("Every day")), f"{NEW}:kind:daily")],
            [(context._(N_("Every week")), f"{NEW}:kind:weekly"),
             (context._(N_("Every month")), f"{NEW}:kind:monthly")]]
    await reply(update, context, context._(N_("When?")), keyboard(rows))
    return R_KIND


async def new_kind(update: Update, context: BotContext) -> str:
    await answer_query(update)
    kind = context.match.group(1)
    draft(context)["kind"] = kind
    if kind == "once":
        await reply(update, context, context._(N_(
            "Type the date and time, for example 05-11-2026 08:00 (WIB).")))
        return R_DATE
    if kind == "weekly":
        draft(context)["days"] = []
        await reply(update, context, context._(N_(
            "On which days? Press the days, then \"Next\".")), _days_keyboard(context, []))
        return R_DAYS
    if kind == "monthly":
        days = [(str(n), f"{NEW}:dom:{n}") for n in range(1, 29)]
        rows = [days[i:i + 7] for i in range(0, 28, 7)]
        rows.append([(context._(N_("Last day of the month")), f"{NEW}:dom:{LAST_DAY}")])
        await reply(update, context, context._(N_(
            "On which day of the month (1 to 28, or the last day)?")), keyboard(rows))
        return R_DOM
    await _ask_time(update, context)
    return R_TIME


async def _ask_time(update: Update, context: BotContext) -> None:
    await reply(update, context, context._(N_("At what time? For example 07:30.")))


def _days_keyboard(context: BotContext, days: list[int]):
    buttons = [(("✓ " if n in days else "") + context._(name), f"{NEW}:day:{n}")
               for n, name in enumerate(WEEKDAY_NAMES)]
    rows = [buttons[0:4], buttons[4:7], [(context._(N_("Next")), f"{NEW}:days")]]
    return keyboard(rows)


async def new_day(update: Update, context: BotContext) -> str:
    await answer_query(update)
    days: list[int] = draft(context).setdefault("days", [])
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
    if not draft(context).get("days"):
        await answer_query(update, context._(N_("Choose at least one day.")))
        return R_DAYS
    await answer_query(update)
    await _ask_time(update, context)
    return R_TIME


async def new_dom(update: Update, context: BotContext) -> str:
    if update.callback_query is not None:
        await answer_query(update)
        text = context.match.group(1)
    else:
        text = (update.message.text or "").strip()
    day: int | str | None = LAST_DAY if text == LAST_DAY else day_of_month(text)
    if day is None:
        await reply(update, context, context._(N_(
            "Please type a day from 1 to 28 (every month has those), or press \"Last day of "
            "the month\".")))
        return R_DOM
    draft(context)["dom"] = day
    await _ask_time(update, context)
    return R_TIME


async def new_date(update: Update, context: BotContext) -> str:
    when = parse_local_datetime(update.message.text or "", context.settings.tz)
    if when is None:
        await reply(update, context, context._(N_(
            "I could not read that date. Please type it like 05-11-2026 08:00.")))
        return R_DATE
    if not service(context).in_future(when):
        await reply(update, context, context._(ERRORS["past"]))
        return R_DATE
    data = draft(context)
    data.update(at=iso(when), cron=None, ends_on=None)
    return await confirm(update, context)


async def new_time(update: Update, context: BotContext) -> str:
    hm = parse_hhmm(update.message.text or "")
    if hm is None:
        await reply(update, context, context._(N_(
            "Please type the time as hours and minutes, for example 07:30.")))
        return R_TIME
    data = draft(context)
    kind = data["kind"]
    data["cron"] = daily(*hm) if kind == "daily" else weekly(data["days"], *hm) \
        if kind == "weekly" else monthly(data["dom"], *hm)
    data["at"] = None
    return await confirm(update, context)


# -- an end date (recurring reminders) ------------------------------------------------------------
async def ask_end_date(update: Update, context: BotContext) -> str:
    rows = [[(context._(N_("No end date")), f"{NEW}:endnone")]]
    await reply(update, context, context._(N_(
        "Until which day should it be sent? Type the last day, for example 31-12-2026.")),
        keyboard(rows))
    return R_END


async def ask_end(update: Update, context: BotContext) -> str:
    await answer_query(update)
    if not draft(context).get("cron"):
        return await confirm(update, context)  # a one-off reminder has no end date
    return await ask_end_date(update, context)


async def end_text(update: Update, context: BotContext) -> str:
    day = parse_end_date(update.message.text or "")
    today = service(context).clock().astimezone(context.settings.tz).date()
    if day is None or day.year > today.year + 50:
        await reply(update, context, context._(N_(
            "I could not read that date. Please type it like 31-12-2026.")))
        return R_END
    if day < today:
        await reply(update, context, context._(N_(
            "That day has already passed. Please type today or a later day.")))
        return R_END
    draft(context)["ends_on"] = day.isoformat()
    return await confirm(update, context)


async def end_none(update: Update, context: BotContext) -> str:
    await answer_query(update)
    draft(context)["ends_on"] = None
    return await confirm(update, context)

