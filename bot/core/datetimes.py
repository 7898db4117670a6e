"""Dates and times staff type (a reminder, a scheduled broadcast): a local date and time,
a time of day."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

# -- what staff type ------------------------------------------------------------------------------
_DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H.%M",
                 "%d/%m/%Y %H.%M", "%Y-%m-%d %H.%M", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


def parse_local_datetime(text: str, tz: ZoneInfo) -> dt.datetime | None:
    """'05-11-2026 08:00', '5/11/2026 8.00', '2026-11-05 08:00' or ISO-8601, in TIMEZONE unless
    the text says otherwise; None if it is none of these."""
    text = " ".join(text.strip().replace("T", " ", 1).split()) if text else ""
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def parse_hhmm(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text or "", re.ASCII)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    return hour, minute
