"""Time: every service takes a clock so tests can inject one instead of sleeping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """UTC ISO-8601 to the second, the form every timestamp column uses."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def parse_iso(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
