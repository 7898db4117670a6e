"""Dates and times staff type (a reminder, a scheduled broadcast): a local date and time,
a time of day."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

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
