"""Follow-up memory: the program and aspect of the last answer, per person.

Kept in the person's user_data (persisted by the project's SQLitePersistence, so a restart
keeps it) as a small dict {"p": program id, "a": aspect or None, "at": ISO time}. It is
forgotten after TTL, or replaced when another program is answered.
"""

from __future__ import annotations

import datetime as dt

from bot.core.clock import iso, parse_iso

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


class FollowUpStore:
    """Write-behind for the memory: every answer changes it, and writing user_data after each
    update costs a database write per answer (it halved the benchmark's throughput). So the
    memory is kept here and copied into user_data (then persisted) by a job every minute and
    at shutdown; after a restart it is read back from user_data. A crash loses at most the
    last minute of follow-up context, nothing else."""

    def __init__(self) -> None:
        self.pending: dict[int, dict | None] = {}

    def get(self, user_id: int, user_data: dict) -> object:
        if user_id in self.pending:
            return self.pending[user_id]
        return user_data.get(USER_KEY)

    def put(self, user_id: int, memory: dict | None) -> None:
        self.pending[user_id] = memory

    def drain(self) -> dict[int, dict | None]:
        out, self.pending = self.pending, {}
        return out
