"""Reminder schedules: standard crontab (0 = Sunday) normalised for APScheduler, the simple
forms staff pick, and the next occurrence. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.core.clock import parse_iso
from bot.features.reminders.repo import Reminder

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_CRON_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # standard 0..7


_SIMPLE = re.compile(
    r"^(\d{1,2}) (\d{1,2}) (\*|\d{1,2}|last) \* (\*|[a-z]{3}(?:,[a-z]{3})*)$")


# -- schedules ----------------------------------------------------------------------------------
def _dow_token(token: str) -> str:
    """One comma-part of the day-of-week field: standard cron numbers become day names."""
    base, _, step = token.partition("/")
    if not re.fullmatch(r"\*|\d(-\d)?", base) or (step and not step.isdigit()):
        return token  # names ("mon-fri") are left as they are
    if base == "*" and not step:
        return token
    lo, hi = (0, 6) if base == "*" else (int(base.split("-")[0]), int(base.split("-")[-1]))
    if lo > 7 or hi > 7 or lo > hi:
        raise ReminderError("cron", "day of week must be 0-7 (0 and 7 are Sunday)")
    days = range(lo, hi + 1, int(step) if step else 1)
    return ",".join(dict.fromkeys(_CRON_DOW[d] for d in days))


def normalize_cron(expr: str) -> str:
    """A valid 5-field crontab with day names; ReminderError('cron') otherwise."""
    fields = expr.split()
    if len(fields) != 5:
        raise ReminderError("cron", f"cron needs 5 fields (minute hour day month weekday), "
                                    f"got {len(fields)}")
    if "0" in fields[2].split(",") or fields[2].startswith("0-"):
        raise ReminderError("cron", "day of month must be 1-31")
    fields[4] = ",".join(_dow_token(t) for t in fields[4].lower().split(","))
    normalized = " ".join(fields)
    try:
        CronTrigger.from_crontab(normalized, timezone=dt.UTC)
    except (ValueError, TypeError, KeyError) as exc:
        raise ReminderError("cron", f"malformed cron {expr!r}: {exc}") from None
    return normalized


def daily(hour: int, minute: int) -> str:
    return f"{minute} {hour} * * *"


def weekly(days: Sequence[int], hour: int, minute: int) -> str:
    """days: 0 = Monday .. 6 = Sunday."""
    names = ",".join(WEEKDAYS[d] for d in sorted(set(days)))
    return f"{minute} {hour} * * {names}"


def monthly(day: int | str, hour: int, minute: int) -> str:
    """day: 1-28, or LAST_DAY (the last day of every month: 28, 29, 30 or 31)."""
    return f"{minute} {hour} {day} * *"


LAST_DAY = "last"  # APScheduler's day-of-month expression for the month's last day


def trigger(cron: str, tz: ZoneInfo) -> CronTrigger:
    return CronTrigger.from_crontab(cron, timezone=tz)


def next_after(reminder: Reminder, after: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
    """The first occurrence strictly after `after` (UTC), or None if there is none (also when
    it would fall after the reminder's end date)."""
    if reminder.kind == "once":
        at = parse_iso(reminder.at or "")
        return at if at > after else None
    nxt = trigger(reminder.cron or "", tz).get_next_fire_time(
        None, after.astimezone(tz) + dt.timedelta(microseconds=1))
    if nxt is None or (reminder.ends_on and nxt.astimezone(tz).date().isoformat()
                       > reminder.ends_on):
        return None
    return nxt.astimezone(dt.UTC)


def is_occurrence(reminder: Reminder, moment: dt.datetime, tz: ZoneInfo) -> bool:
    """Is `moment` an occurrence of the reminder's schedule as it is now (a job armed before
    an edit, in this process or another, must not send at the old time)?"""
    return next_after(reminder, moment - dt.timedelta(microseconds=1), tz) == moment


class ReminderError(ValueError):
    """Bad input for a reminder; `code` names the problem, the message is one English line."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


MAX_DAY_OF_MONTH = 28  # every month has these days, so a monthly reminder never skips one


def parse_end_date(text: str) -> dt.date | None:
    """An end date as staff type it: 31-12-2026, 31/12/2026 or 2026-12-31; None otherwise."""
    text = text.strip()
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def day_of_month(text: str) -> int | None:
    """The day of a monthly reminder as staff type or press it, or None if it is not 1-28."""
    text = text.strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_DAY_OF_MONTH:
        return int(text)
    return None
