"""How reminders read: the schedule in words, local times, the message with its Done and
Snooze buttons (their callback data), the reasons a delivery failed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.core.clock import parse_iso
from bot.core.datetimes import format_clock, format_day, format_hhmm, format_when
from bot.core.i18n import N_, Translator
from bot.delivery.sender import Outgoing
from bot.features.reminders.repo import Reminder
from bot.features.reminders.schedule import (
    _SIMPLE,
    LAST_DAY,
    WEEKDAYS,
)
from bot.features.volunteers.service import ROLES

WEEKDAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
                 N_("Saturday"), N_("Sunday"))

def describe(t: Translator, reminder: Reminder, tz: ZoneInfo) -> str:
    """'once, on Thu, 5 Nov 2026 10.00 WIB', 'every day at 07.00 WIB', 'every Monday, Thursday
    at 07.00 WIB', 'every month on the last day at 08.00 WIB', '..., until 31 December 2026'"""
    text = _schedule(t, reminder, tz)
    if reminder.kind == "cron" and reminder.ends_on:
        text = t(N_("{schedule}, until {date}")).format(
            schedule=text, date=day_text(t, dt.date.fromisoformat(reminder.ends_on)))
    return text


def _schedule(t: Translator, reminder: Reminder, tz: ZoneInfo) -> str:
    if reminder.kind == "once":
        return t(N_("once, on {when}")).format(when=when_text(t, parse_iso(reminder.at or ""), tz))
    m = _SIMPLE.match(reminder.cron or "")
    if m:
        minute, hour, dom, dow = m.groups()
        clock = clock_text(t, int(hour), int(minute), tz)
        if dom == "*" and dow == "*":
            return t(N_("every day at {time}")).format(time=clock)
        if dom == "*":
            days = ", ".join(t(WEEKDAY_NAMES[WEEKDAYS.index(d)]) for d in dow.split(","))
            return t(N_("every {days} at {time}")).format(days=days, time=clock)
        if dow == "*" and dom == LAST_DAY:
            return t(N_("every month on the last day at {time}")).format(time=clock)
        if dow == "*":
            return t(N_("every month on day {day} at {time}")).format(day=int(dom), time=clock)
    return t(N_("on the schedule {cron}")).format(cron=reminder.cron)


# -- dates and times for people: Babel, in the chat's language, with the zone's name ------------
def when_text(t: Translator, moment: dt.datetime, tz: ZoneInfo) -> str:
    """'Jum, 25 Des 2026 08.00 WIB': the weekday tells a holiday or a weekend at a glance."""
    return format_when(moment, t.locale, tz)


def clock_text(t: Translator, hour: int, minute: int, tz: ZoneInfo) -> str:
    """'08.00 WIB'"""
    return format_hhmm(hour, minute, tz)


def day_text(t: Translator, day: dt.date) -> str:
    """'Kam, 31 Des 2026'"""
    return format_day(day, t.locale)


def local(moment: dt.datetime, tz: ZoneInfo, locale: str = "id") -> str:
    return local_time(moment, tz, locale=locale)


def local_time(moment: dt.datetime, tz: ZoneInfo, with_date: bool = True,
               locale: str = "id") -> str:
    """'Kam, 5 Nov 2026 10.00 WIB' (or '10.00 WIB') in TIMEZONE: the one style for people."""
    return format_when(moment, locale, tz) if with_date else format_clock(moment, tz)


# -- messages -----------------------------------------------------------------------------------
def render_reminder(t: Translator, text: str, delivery_id: int, again: bool = False) -> Outgoing:
    head = t(N_("Reminder again")) if again else t(N_("Reminder from the office"))
    return Outgoing(
        f"🔔 {head}\n\n{text}",
        buttons=[[(t(N_("Done")), f"{REM_PREFIX}:done:{delivery_id}"),
                  (t(N_("Remind me again in 1 hour")), f"{REM_PREFIX}:snz:{delivery_id}")]],
    )


REASONS = {
    "blocked": N_("blocked the bot"),
    "not_started": N_("never started the bot"),
    "deactivated": N_("account deleted"),
    "chat_not_found": N_("chat not found"),
    "forbidden": N_("Telegram refused (403)"),
    "rate_limited": N_("Telegram kept asking to wait (429)"),
    "timeout": N_("no answer from Telegram; may have arrived"),
    "network": N_("network error; may have arrived"),
    "interrupted": N_("interrupted by a restart; may not have arrived"),
}


REM_PREFIX = "rem"      # a volunteer's buttons on a reminder
ADM = "remadm"          # staff: the list, a reminder's card and its actions
OLD = "remold"          # staff: the list of finished and cancelled reminders
NEW = "remnew"          # staff: the steps of writing or editing a reminder
ID = r"(\d{1,12})"
VIEW_PATTERN = rf"^{ADM}:view:{ID}$"
RECIPIENTS_PATTERN = rf"^{ADM}:rcp:{ID}:(\d{{1,4}})$"
EDIT_PATTERN = rf"^{ADM}:ed:(text|jv|aud|when|end):{ID}$"
PAUSE_PATTERN = rf"^{ADM}:(pause|resume):{ID}$"
ASK_CANCEL_PATTERN = rf"^{ADM}:cx:{ID}$"
CANCEL_PATTERN = rf"^{ADM}:cancel:{ID}$"
LIST_PATTERN = rf"^({ADM}:list|menu:reminders)$"
NEW_PATTERN = rf"^{ADM}:new$"


DONE_PATTERN = rf"^{REM_PREFIX}:done:(\d{{1,12}})$"


SNOOZE_PATTERN = rf"^{REM_PREFIX}:snz:(\d{{1,12}})$"


# -- rendering for staff --------------------------------------------------------------------------
def audience_text(t: Translator, role: str | None, region: str | None, content) -> str:
    parts = []
    if role:
        parts.append(t(ROLES.get(role, role)))
    if region:
        r = content.region(region)
        parts.append(r.label() if r else region)
    return ", ".join(parts) if parts else t(N_("all volunteers"))


def status_text(t: Translator, status: str) -> str:
    return t({"active": N_("active"), "paused": N_("paused"), "cancelled": N_("cancelled"),
              "done": N_("finished"),
              "sent": N_("received"), "pending": N_("waiting"), "sending": N_("sending"),
              "blocked": N_("not reachable"), "failed": N_("failed"),
              "missed": N_("missed")}.get(status, status))


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
