"""How reminders read: the schedule in words, local times, the message with its Done and
Snooze buttons (their callback data), the reasons a delivery failed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.clock import parse_iso
from bot.core.datetimes import format_clock, format_hhmm, format_when
from bot.core.i18n import N_, Translator
from bot.delivery.sender import Outgoing
from bot.features.reminders.repo import Reminder
from bot.features.reminders.schedule import (
    _SIMPLE,
    WEEKDAYS,
)
from bot.features.volunteers.service import ROLES

WEEKDAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
                 N_("Saturday"), N_("Sunday"))

if TYPE_CHECKING:
    from bot.features.reminders.service import Summary


def describe(t: Translator, reminder: Reminder, tz: ZoneInfo) -> str:
    """'once, on 05/11/2026 10:00 WIB', 'every day at 07:00', 'every Monday, Thursday at 07:00'"""
    if reminder.kind == "once":
        return t(N_("once, on {when}")).format(
            when=local(parse_iso(reminder.at or ""), tz, t.locale))
    m = _SIMPLE.match(reminder.cron or "")
    if m:
        minute, hour, dom, dow = m.groups()
        clock = format_hhmm(int(hour), int(minute), tz)
        if dom == "*" and dow == "*":
            return t(N_("every day at {time}")).format(time=clock)
        if dom == "*":
            days = ", ".join(t(WEEKDAY_NAMES[WEEKDAYS.index(d)]) for d in dow.split(","))
            return t(N_("every {days} at {time}")).format(days=days, time=clock)
        if dow == "*":
            return t(N_("every month on day {day} at {time}")).format(day=int(dom), time=clock)
    return t(N_("on the schedule {cron}")).format(cron=reminder.cron)


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


REM_PREFIX = "rem"


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
    return t({"active": N_("active"), "cancelled": N_("cancelled"), "done": N_("finished"),
              "sent": N_("received"), "pending": N_("waiting"), "sending": N_("sending"),
              "blocked": N_("not reachable"), "failed": N_("failed"),
              "missed": N_("missed")}.get(status, status))


def summary_line(t: Translator, s: Summary, tz, content) -> str:
    r = s.reminder
    audience = audience_text(t, r.role, r.region_code, content)
    line = (f"#{r.id} [{status_text(t, r.status)}] {_short(r.text, 60)}\n"
            f"   {describe(t, r, tz)}; {audience}")
    if s.next_at:
        line += "\n   " + t(N_("next: {when}")).format(
            when=local_time(s.next_at, tz, locale=t.locale))
    d = s.deliveries
    reached = d.get("sent", 0) + d.get("done", 0)
    line += "\n   " + t(N_("received {sent}, done {done}, not reachable {failed}, missed "
                           "occurrences {missed}")).format(
        sent=reached, done=d.get("done", 0), failed=d.get("blocked", 0) + d.get("failed", 0),
        missed=s.runs.get("missed", 0))
    return line


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
