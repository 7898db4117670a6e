"""The office's working hours (content/office.yaml `hours`): when a ticket counts as waiting."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WorkingHours:
    """The office's hours per weekday, in its time zone (content/office.yaml `hours`)."""

    def __init__(self, spans: dict[str, str], tz: ZoneInfo) -> None:
        self.tz = tz
        self.spans: dict[int, tuple[dt.time, dt.time]] = {}
        for day, span in spans.items():
            start, end = span.split("-")
            self.spans[DAYS.index(day)] = (dt.time.fromisoformat(start),
                                           dt.time.fromisoformat(end))

    def _windows(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        span = self.spans.get(day.weekday())
        if span is None:
            return None
        return (dt.datetime.combine(day, span[0], self.tz),
                dt.datetime.combine(day, span[1], self.tz))

    def is_open(self, moment: dt.datetime) -> bool:
        window = self._windows(moment.astimezone(self.tz).date())
        return window is not None and window[0] <= moment < window[1]

    def next_open(self, moment: dt.datetime) -> dt.datetime | None:
        """When the office next opens after `moment` (None if it never does)."""
        day = moment.astimezone(self.tz).date()
        for offset in range(8):
            window = self._windows(day + dt.timedelta(days=offset))
            if window is not None and window[0] > moment:
                return window[0]
        return None

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time between two moments (always 24/7 time when no hours are set)."""
        if not self.spans:
            return max(dt.timedelta(0), end - start)
        total = dt.timedelta(0)
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            window = self._windows(day)
            if window is not None:
                lo, hi = max(window[0], start), min(window[1], end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total


def build_hours(spans: dict[str, str] | None, tz: ZoneInfo) -> WorkingHours:
    return WorkingHours(dict(spans or {}), tz)
