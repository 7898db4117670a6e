"""Follow-up memory: the program and aspect of the last answer, per person.

Kept in the person's user_data (persisted by the project's SQLitePersistence, so a restart
keeps it) as a small dict {"p": program id, "a": aspect or None, "at": ISO time}. It is
forgotten after TTL, or replaced when another program is answered.
"""

from __future__ import annotations

import datetime as dt

from bot.clock import iso, parse_iso

USER_KEY = "prog_ctx"
TTL = dt.timedelta(minutes=30)


def remember(program: str, aspect: str | None, now: dt.datetime) -> dict:
    return {"p": program, "a": aspect, "at": iso(now)}


def recall(memory: object, now: dt.datetime) -> tuple[str, str | None] | None:
    """(program, aspect) if the memory is well-formed and fresh, else None."""
    if not isinstance(memory, dict):
        return None
    try:
        at = parse_iso(str(memory["at"]))
        program = str(memory["p"])
    except (KeyError, ValueError, TypeError):
        return None
    if not dt.timedelta(0) <= now - at <= TTL:
        return None
    aspect = memory.get("a")
    return program, aspect if isinstance(aspect, str) else None
