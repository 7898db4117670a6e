"""Dates and times: the ONE style people read, and what staff type.

Shown to people (residents and staff, chat and files), always through these helpers, with the
chat's locale, from Babel's locale data (never strftime):

    format_when(moment, locale, tz)   'Jum, 25 Des 2026 08.00 WIB'   (jv: 'Jemuwah, 25 Des ...')
    format_day(date, locale)          'Jum, 25 Des 2026'
    format_clock(moment, tz)          '08.00 WIB'
    format_hhmm(hour, minute, tz)     '08.00 WIB'  (a time of day in a schedule)
    format_near(moment, now, ...)     '08.00 WIB' today, else format_when
    format_month(date, locale)        'September 2026'
    format_months(first, last, ...)   'Juli–September 2026'

CLDR's Javanese data names the weekdays in Indonesian (Senin, Jumat, Ahad); a krama reader
expects the Javanese names, so they come from JV_WEEKDAYS (written out in full: Javanese has
no customary short forms). Month names are the same in both languages.

Typed by staff (a reminder, a scheduled broadcast): parse_local_datetime, parse_hhmm.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date

# -- what people read -----------------------------------------------------------------------------
JV_WEEKDAYS = ("Senen", "Selasa", "Rebo", "Kemis", "Jemuwah", "Setu", "Ngahad")  # Monday first


def _locale(locale: str | None) -> str:
    return locale if locale in ("id", "jv") else "id"


def weekday_name(day: dt.date, locale: str | None) -> str:
    """'Jum' (id, CLDR's short name) or 'Jemuwah' (jv)."""
    if _locale(locale) == "jv":
        return JV_WEEKDAYS[day.weekday()]
    return _babel_date(day, "EEE", locale=_locale(locale))


def format_day(day: dt.date, locale: str | None) -> str:
    """'Jum, 25 Des 2026'; 'Jemuwah, 25 Des 2026'."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return f"{weekday_name(day, locale)}, {_babel_date(day, 'd MMM y', locale=_locale(locale))}"


def zone_name(moment: dt.datetime) -> str:
    """'WIB' for Asia/Jakarta (the zone's own abbreviation: WITA, WIT elsewhere)."""
    return moment.tzname() or "UTC"


def format_clock(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """'08.00 WIB': the time in the office's zone, with the zone's name."""
    local = moment.astimezone(tz)
    return f"{local.hour:02d}.{local.minute:02d} {zone_name(local)}"


def format_hhmm(hour: int, minute: int, tz: dt.tzinfo) -> str:
    """'08.00 WIB' for a time of day in a schedule (the zone's name as of today)."""
    name = dt.datetime.now(tz).tzname() or "UTC"
    return f"{hour:02d}.{minute:02d} {name}"


def format_when(moment: dt.datetime, locale: str | None, tz: dt.tzinfo) -> str:
    """'Jum, 25 Des 2026 08.00 WIB'; 'Jemuwah, 25 Des 2026 08.00 WIB'."""
    local = moment.astimezone(tz)
    return f"{format_day(local.date(), locale)} {format_clock(local, tz)}"


def format_near(moment: dt.datetime, now: dt.datetime, locale: str | None,
                tz: dt.tzinfo) -> str:
    """'08.00 WIB' if it is today in the office's zone, else format_when."""
    if moment.astimezone(tz).date() == now.astimezone(tz).date():
        return format_clock(moment, tz)
    return format_when(moment, locale, tz)


def format_month(day: dt.date, locale: str | None) -> str:
    """'September 2026'."""
    return _babel_date(day, "LLLL y", locale=_locale(locale))


def format_months(first: dt.date, last: dt.date, locale: str | None) -> str:
    """'Juli–September 2026' (one month: 'September 2026')."""
    if (first.year, first.month) == (last.year, last.month):
        return format_month(first, locale)
    head = _babel_date(first, "LLLL" if first.year == last.year else "LLLL y",
                       locale=_locale(locale))
    return f"{head}–{format_month(last, locale)}"


# -- what staff type ------------------------------------------------------------------------------
_DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H.%M",
                 "%d/%m/%Y %H.%M", "%Y-%m-%d %H.%M", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


LAST_YEAR = 2100  # a date-time later than this is a typing slip, not a reminder


def parse_local_datetime(text: str, tz: ZoneInfo) -> dt.datetime | None:
    """'05-11-2026 08:00', '5/11/2026 8.00', '2026-11-05 08:00' or ISO-8601, in TIMEZONE unless
    the text says otherwise; None if it is none of these, or later than LAST_YEAR."""
    text = " ".join(text.strip().replace("T", " ", 1).split()) if text else ""
    value = None
    for fmt in _DATE_FORMATS:
        try:
            value = dt.datetime.strptime(text, fmt).replace(tzinfo=tz)
            break
        except ValueError:
            continue
    if value is None:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        value = value if value.tzinfo else value.replace(tzinfo=tz)
    try:  # 9999-12-31T23:59:59-23:59 is past the end of the calendar in UTC
        in_range = value.astimezone(dt.UTC).year <= LAST_YEAR
    except OverflowError:
        return None
    return value if in_range else None


def parse_hhmm(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text or "", re.ASCII)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    return hour, minute
